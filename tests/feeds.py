"""Atom feeds in the format the arXiv API returns, written by hand for the tests.

Modelled on real answers (``export.arxiv.org/api/query?id_list=...``): an
``opensearch:totalResults`` header, one ``entry`` per paper with a versioned
``id``, ``published`` (the first version) and ``updated`` dates, authors, an
optional ``arxiv:comment``; malformed ids come back as an HTTP 400 feed whose
single entry is titled "Error".
"""

from __future__ import annotations

from dataclasses import dataclass
from xml.sax.saxutils import escape

from sora_refs.readinglist.manifest import Reference

HEAD = """<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" \
xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns="http://www.w3.org/2005/Atom">
  <id>https://arxiv.org/api/test</id>
  <title>arXiv Query: id_list</title>
  <updated>2026-11-25T00:00:00Z</updated>
  <opensearch:itemsPerPage>{n}</opensearch:itemsPerPage>
  <opensearch:totalResults>{n}</opensearch:totalResults>
  <opensearch:startIndex>0</opensearch:startIndex>
"""


@dataclass
class Paper:
    id: str
    title: str
    authors: list[str]
    year: int
    version: int = 1
    comment: str = ""
    summary: str = "We study things. Then we report results."


def paper_for(ref: Reference, **changes: object) -> Paper:
    """The arXiv record that agrees with ``ref`` (first version in the cited year)."""
    assert ref.arxiv
    p = Paper(ref.arxiv, ref.title, list(ref.authors), ref.year, version=3)
    for k, v in changes.items():
        setattr(p, k, v)
    return p


def entry(p: Paper) -> str:
    authors = "".join(f"    <author>\n      <name>{escape(a)}</name>\n    </author>\n"
                      for a in p.authors)
    comment = f"    <arxiv:comment>{escape(p.comment)}</arxiv:comment>\n" if p.comment else ""
    return (
        "  <entry>\n"
        f"    <id>http://arxiv.org/abs/{p.id}v{p.version}</id>\n"
        f"    <title>{escape(p.title)}</title>\n"
        f"    <updated>{p.year + 1}-03-01T10:00:00Z</updated>\n"
        f'    <link href="https://arxiv.org/abs/{p.id}v{p.version}" rel="alternate" '
        'type="text/html"/>\n'
        f'    <link href="https://arxiv.org/pdf/{p.id}v{p.version}" rel="related" '
        'type="application/pdf" title="pdf"/>\n'
        f"    <summary>{escape(p.summary)}</summary>\n"
        '    <category term="cs.CV" scheme="http://arxiv.org/schemas/atom"/>\n'
        f"    <published>{p.year}-06-15T17:59:46Z</published>\n"
        f"{comment}"
        '    <arxiv:primary_category term="cs.CV"/>\n'
        f"{authors}"
        "  </entry>\n"
    )


def feed(papers: list[Paper]) -> bytes:
    return (HEAD.format(n=len(papers)) + "".join(entry(p) for p in papers)
            + "</feed>\n").encode("utf-8")


def error_feed(bad_id: str) -> bytes:
    return (HEAD.format(n=1) + f"""  <entry>
    <id>https://arxiv.org/api/errors#incorrect_id_format_for_{bad_id}</id>
    <title>Error</title>
    <updated>2026-11-25T00:00:00Z</updated>
    <link href="https://arxiv.org/api/errors#incorrect_id_format_for_{bad_id}" \
rel="alternate" type="text/html"/>
    <summary>incorrect id format for {bad_id}</summary>
    <author>
      <name>arXiv api core</name>
    </author>
  </entry>
</feed>
""").encode("utf-8")
