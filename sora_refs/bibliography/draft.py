"""The manifest ``init --from`` writes, from the citations and what each source said
of them (arXiv, a venue's index, Crossref and Unpaywall), with one report row per
reference.

Nothing is invented: a year, venue or author the citation does not give stays out;
every value from outside is one printable line, written as a JSON string (which YAML
reads as exactly that string). Entries that turn out to be one paper become one
reference that keeps each printed text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sora_refs.bibliography.categories import Node
from sora_refs.bibliography.citations import Citation
from sora_refs.bibliography.resolvers.arxiv import Resolution
from sora_refs.bibliography.resolvers.doi import Found
from sora_refs.bibliography.resolvers.venues import Copy
from sora_refs.net.mirrors import redact
from sora_refs.readinglist.validate import RESOLUTIONS
from sora_refs.text import ARXIV_RE, arxiv_base, printable, shorten, slugify, surname


@dataclass
class Row:
    """One reference in the report."""

    n: int
    printed: str
    status: str
    how: str
    arxiv: str | None
    url: str | None
    category: str
    reason: str = ""
    candidates: list[str] = field(default_factory=list)
    venue: str = ""            # the venue copy's state: found, miss, unavailable, or ""
    venue_detail: str = ""
    doi: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"n": self.n, "printed": self.printed, "status": self.status,
                "how": self.how or None, "arxiv": self.arxiv, "doi": self.doi or None,
                "url": self.url,
                "category": self.category, "reason": self.reason or None,
                "candidates": self.candidates, "venue_copy": self.venue or None,
                "venue_detail": self.venue_detail or None}


def _slug_tree(tree: dict[str, Node]) -> list[tuple[str, str, list[tuple[str, str]]]]:
    """(slug, title, [(child slug, child title)]) with slugs unique among siblings."""
    out = []
    used: set[str] = set()
    for node in tree.values():
        slug = _unique(slugify(node.title, 40), used)
        kids: set[str] = set()
        out.append((slug, node.title, [(_unique(slugify(c.title, 40), kids), c.title)
                                      for c in node.children.values()]))
    return out


def _unique(slug: str, used: set[str]) -> str:
    base, i = slug.strip("-") or "x", 2
    slug = base
    while slug in used:
        slug, i = f"{base[:36].rstrip('-')}-{i}", i + 1
    used.add(slug)
    return slug


def _quote(text: object) -> str:
    """Any value as YAML that reads back as exactly that value (JSON is YAML): a slug
    '2016', a title 'null' or 'yes', a phrase with ': ' or '#' all stay strings."""
    import json

    return json.dumps(text, ensure_ascii=False)


def _text(value: str) -> str:
    """Outside text as it goes into the manifest: one line, no control characters."""
    return " ".join(printable(value).split())


def _urls(c: Citation, ident: str | None, venue_pdf: str = "",
          open_pdfs: Sequence[str] = ()) -> list[str]:
    """The venue's copy first (the version the citation means), arXiv's after, then
    what the citation printed. For a paper neither arXiv nor a venue index has, the
    open copies Unpaywall knows of its DOI come first."""
    from sora_refs.readinglist.validate import URL_RE

    printed = [u for u in c.urls if "arxiv.org" not in u and URL_RE.match(u)]
    first = [venue_pdf] if venue_pdf and URL_RE.match(venue_pdf) else []
    first += [u for u in open_pdfs if URL_RE.match(u)]
    if c.link in printed:  # the entry's own link (a BibTeX url) before arXiv's
        first.append(c.link)
    return list(dict.fromkeys(first + ([f"https://arxiv.org/pdf/{ident}"] if ident else [])
                              + printed))


# long: one reference's every field, each with its rule, reads best in one place
def _entry(i: int, c: Citation, res: Resolution, category: str, taken: set[str],
           copy: Copy | None = None, found: Found | None = None
           ) -> tuple[dict[str, object], Row]:
    """One reference's fields, from the citation and what became of it. Nothing is
    invented: a year, venue or author the citation does not give stays out."""
    from sora_refs.readinglist.editing import make_key
    from sora_refs.readinglist.validate import DOI_RE

    paper = res.paper if res.status == "resolved" else None
    venue_paper = copy.paper if copy is not None and copy.state == "found" else None
    work = found.work if found is not None and found.state == "found" else None
    if paper is None and venue_paper is not None:  # the venue's index confirms it
        res = Resolution("resolved", "venue index", reason="")
    elif paper is None and work is not None:       # so does Crossref's record
        res = Resolution("resolved", found.said_by if found else "Crossref", reason="")
    elif found is not None and res.status == "unresolved":
        res = Resolution(res.status, res.how, res.paper, res.candidates, "; ".join(
            x for x in (res.reason, _crossref_said(found)) if x))
    named = paper.authors if paper else venue_paper.authors if venue_paper else \
        work.authors if work else c.authors
    authors = [a for a in (_text(x) for x in named) if a] or \
        [a for a in (_text(x) for x in c.authors) if a]
    year = c.year or (paper.year if paper else work.year if work else None)
    read = _text(paper.title if paper else venue_paper.title if venue_paper else
                 work.title if work else c.title)
    ref_title = read or shorten(_text(c.text), 120) or f"Reference {i}"
    given = found.arxiv if work is not None and found is not None else ""
    ident = _arxiv_of(c, res) or given or None
    urls = _urls(c, ident, venue_paper.pdf if venue_paper else "",
                 found.pdfs if found is not None else [])
    key = make_key(surname(authors[0]) if authors else "anon", year, ref_title, taken)
    taken.add(key.lower())
    where = f"cited in “{_text(c.section)}”: " if c.section else "cited: "
    note = (where + shorten(_text(c.sentence), 220)) if c.sentence else \
        f"filed under “{_text(' › '.join(c.filed))}” in the source" if c.filed else \
        "listed in the references; not cited in the text"
    if not read:
        note += " (no title could be read in the citation: the title is the text as printed)"
    if ident and not paper:
        note += (f" (arXiv id {ident} from {found.said_by}, not confirmed by arXiv)"
                 if found is not None and ident == given else
                 f" (arXiv id {ident} as printed, not confirmed by arXiv)")
    if c.duplicates:
        note += f" (listed {len(c.duplicates) + 1} times in the references)"
    reason = res.reason
    fields: dict[str, object] = {"n": i, "key": key, "title": ref_title, "authors": authors}
    if year:
        fields["year"] = year
    venue = c.venue or ("arXiv" if paper else _text(work.venue) if work else "")
    if venue:
        fields["venue"] = venue
    if ident:
        fields["arxiv"] = ident
    doi = c.dois[0] if c.dois else work.doi if work else ""
    if doi and DOI_RE.match(doi):
        fields["doi"] = doi
    cited = shorten(_text(" | ".join([c.text, *c.duplicates])), 500) or ref_title
    fields.update({"urls": urls, "category": category, "note": _text(note), "cited": cited,
                   "resolution": res.status if res.status in RESOLUTIONS else "unresolved"})
    row = Row(i, shorten(_text(c.text), 70), res.status, res.how, ident,
              urls[0] if urls else None, category, reason,
              [f"{p.id}: {p.title}" for p in res.candidates],
              copy.state if copy else "", copy.detail if copy else "",
              str(fields.get("doi", "")))
    return fields, row


def _crossref_said(found: Found) -> str:
    if found.state == "unavailable":
        return f"not looked up on Crossref (unavailable): {found.detail}"
    return found.detail  # each names the service that said it


def build(title: str, source: str, cites: Sequence[Citation],
          resolutions: dict[int, Resolution], tree: dict[str, Node],
          paths: dict[int, tuple[str, ...]], missing: str = "not resolved",
          copies: dict[int, Copy] | None = None,
          dois: dict[int, Found] | None = None) -> tuple[str, list[Row]]:
    """The manifest text and the report rows; ``missing`` is the reason given for a
    citation that has no resolution (not looked up yet, arXiv unreachable, ...)."""
    from sora_refs.readinglist.editing import entry_text

    slugs = _slug_tree(tree)
    by_title = {t: (s, {ct: cs for cs, ct in kids}) for s, t, kids in slugs}
    lines = [f"# Made by `sora-refs init --from {_text(redact(source))}`: the references of",
             "# that source, resolved on arXiv and the venues' open indexes where they could be;",
             "# a venue's own PDF comes first, arXiv's after. Entries with a `resolution`",
             "# other than resolved kept what was printed: check them before fetching.",
             f"title: {_quote(_text(title) or 'References')}", "", "categories:"]
    for slug, t, kids in slugs:
        lines += [f"  - slug: {_quote(slug)}", f"    en: {_quote(_text(t) or slug)}"]
        if kids:
            lines.append("    children:")
            for cs, ct in kids:
                lines += [f"      - slug: {_quote(cs)}", f"        en: {_quote(_text(ct) or cs)}"]
    lines += ["", "references:"]
    taken: set[str] = set()
    rows, entries = [], []
    for i, c in enumerate(_one_per_paper(cites, resolutions), 1):
        res = resolutions.get(c.number, Resolution("unresolved", reason=missing))
        titles = paths[c.number]
        top, kids = by_title[titles[0]]
        category = top + (f"/{kids[titles[1]]}" if len(titles) > 1 else "")
        fields, row = _entry(i, c, res, category, taken, (copies or {}).get(c.number),
                             (dois or {}).get(c.number))
        entries.append(entry_text(fields, 2, 4))
        rows.append(row)
    text = "\n".join(lines) + "\n" + "".join(entries)
    if not entries:
        text = text.replace("references:\n", "references: []\n")
    return text, rows


def _one_per_paper(cites: Sequence[Citation],
                   resolutions: dict[int, Resolution]) -> list[Citation]:
    """Entries that arXiv resolved to the same paper become one reference, the first,
    which keeps the others' printed text (a bibliography that lists a paper under its
    NeurIPS title and again under its arXiv title). The citations are not changed: the
    list is built again after more lookups."""
    from dataclasses import replace

    out: list[Citation] = []
    first: dict[str, Citation] = {}
    for c in cites:
        ident = _arxiv_of(c, resolutions.get(c.number))
        if ident not in first:
            out.append(replace(c, duplicates=list(c.duplicates)))
            if ident:
                first[ident] = out[-1]
            continue
        kept = first[ident]
        kept.duplicates += [c.text, *c.duplicates]
        if not kept.sentence and c.sentence:
            kept.section, kept.sentence, kept.group = c.section, c.sentence, c.group
    return out


def _arxiv_of(c: Citation, res: Resolution | None) -> str:
    """The arXiv id an entry will carry: arXiv's answer, else the id it printed."""
    if res is not None and res.status == "resolved" and res.paper is not None:
        return arxiv_base(res.paper.id)
    printed = [a for a in c.arxiv if ARXIV_RE.match(a)]
    return arxiv_base(printed[0]) if printed else ""
