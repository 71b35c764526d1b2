"""Loopback stand-ins for the venues' open indexes, in the shapes the real sites serve
(learned from ../shared/venues/samples: CVF's ``dt.ptitle``/``dd`` listings in their
2018, 2020 and 2021+ eras, NeurIPS's index in its 2025 ``span.paper-authors`` and older
``<i>`` layouts, PMLR's ``citeproc.yaml``, ECVA's one page with unquoted relative
hrefs and ``*`` author marks), built from a manifest's venue URLs, with decoys: the
same title in another year, a hash reused in another year, a near-miss title, the
same title by another first author."""

from __future__ import annotations

import html
import re
from collections import defaultdict
from urllib.parse import urlsplit

import yaml

from sora_refs.bibliography.resolvers.venues import SOURCES
from sora_refs.readinglist.manifest import Manifest, Reference
from tests.httpserver import Host

ANUBIS = (b"<!doctype html><html lang=\"en\"><head><title>Making sure you're not a bot!"
          b"</title><link rel=\"stylesheet\" href=\"/.within.website/x/xess/xess.min.css?"
          b"cachebuster=1.25.0\"></head><body><script id=\"anubis_challenge\" "
          b"type=\"application/json\">{}</script></body></html>")
OPENREVIEW_403 = (b'{"name":"ChallengeRequiredError","status":403,"details":{"challengeUrl":'
                  b'"https://openreview.net/challenge?redirect=%2F"}}')


def venue_url(ref: Reference) -> str | None:
    """The manifest's own venue copy of ``ref`` (its first non-arXiv URL), if any."""
    return next((u for u in ref.urls if "arxiv.org" not in u), None)


def _cvf_entry(ref: Reference, pdf_href: str, era: int) -> str:
    abstract = pdf_href.replace("/papers/", "/html/").replace(".pdf", ".html")
    if era >= 2021:
        people = "".join(f'<form id="form-{i}" class="authsearch"><input type="hidden" '
                         f'name="query_author" value="{html.escape(a)}"><a href="#">'
                         f"{html.escape(a)}</a>,</form>\n" for i, a in enumerate(ref.authors))
    elif era == 2020:
        people = "".join(f'<form class="authsearch"><input type="hidden" name="query" '
                         f'value=" {html.escape(a)}"><a href="#"> {html.escape(a)}</a>,'
                         "</form>\n" for a in ref.authors)
    else:
        people = ", ".join(f'<a href="#">{html.escape(a)}</a>' for a in ref.authors)
    return (f'<dt class="ptitle"><br><a href="{abstract}">{html.escape(ref.title)}</a></dt>\n'
            f"<dd>\n{people}</dd>\n<dd>\n[<a href=\"{pdf_href}\">pdf</a>]\n"
            f'[<a href="{pdf_href.replace(".pdf", "_supp.pdf")}">supp</a>]\n'
            '<div class="link2">[<a class="fakelink">bibtex</a>]<div class="bibref">'
            "@InProceedings{x}</div></div>\n</dd>\n")


def cvf_listing(entries: list[tuple[Reference, str]], era: int) -> bytes:
    body = "".join(_cvf_entry(r, href, era) for r, href in entries)
    return (f'<html><body><div id="content"><h3>Papers</h3><dl>\n<dd><a href="/">Back</a>'
            f"</dd>\n{body}</dl></div></body></html>").encode()


def neurips_index(entries: list[tuple[Reference, str]], layout: int) -> bytes:
    items = []
    for ref, abstract in entries:
        authors = html.escape(", ".join(ref.authors))
        if layout >= 2025:
            items.append(f'<li class="conference" data-track="conference"><div class="'
                         f'paper-content"><a title="paper title" href="{abstract}">'
                         f'{html.escape(ref.title)}</a> <span class="paper-authors">{authors}'
                         '</span></div><span class="paper-track-badge">Main Conference Track'
                         "</span></li>")
        else:
            items.append(f'<li class="conference"><a title="paper title" href="{abstract}">'
                         f"{html.escape(ref.title)}</a> <i>{authors}</i></li>")
    return ("<html><body><ul class=\"paper-list\">" + "\n".join(items) +
            "</ul></body></html>").encode()


def pmlr_citeproc(entries: list[tuple[Reference, str]], volume: int) -> bytes:
    items = [{"title": r.title, "abstract": "An abstract.", "volume": str(volume),
              "URL": pdf.rsplit("/", 1)[0] + ".html", "PDF": pdf, "id": f"p{i}",
              "container-title": "Proceedings of the International Conference on Machine "
                                 "Learning",
              "author": [{"given": " ".join(a.split()[:-1]), "family": a.split()[-1]}
                         for a in r.authors],
              "issued": {"date-parts": [[2020, 7, 1]]}} for i, (r, pdf) in enumerate(entries)]
    return yaml.safe_dump(items, allow_unicode=True, sort_keys=False).encode()


def ecva_page(sections: dict[int, list[tuple[Reference, str]]]) -> bytes:
    out = ["<html><body>"]
    for year, entries in sorted(sections.items(), reverse=True):
        out.append(f'<button class="accordion">ECCV {year} Papers</button><div><dl>')
        for i, (ref, pdf) in enumerate(entries, 1):
            authors = ", ".join(a + ("*" if k == 0 else "") for k, a in enumerate(ref.authors))
            out.append(f"<dt class=\"ptitle\"><br><a href=papers/eccv_{year}/papers_ECCV/html/"
                       f"{i}_ECCV_{year}_paper.php>\n{html.escape(ref.title)}</a></dt>\n"
                       f"<dd>{html.escape(authors)}</dd>\n<dd>[<a href='{pdf}'>pdf</a>] "
                       f"[<a href='https://doi.org/10.1007/x'>DOI</a>]</dd>")
        out.append("</dl></div>")
    return ("\n".join(out) + "</body></html>").encode()


_ACL_LETTER = {"acl": "P", "naacl": "N", "emnlp": "D", "eacl": "E", "coling": "C"}


def acl_id(slug: str, year: int, n: int, volume: str = "main") -> str:
    """An Anthology id as the Anthology writes it: '2021.naacl-main.208' from 2020 on,
    'N19-1423' before (volume 1 of the old scheme)."""
    if year >= 2020:
        return f"{year}.{slug}-{volume}.{n}"
    return f"{_ACL_LETTER[slug]}{year % 100:02d}-1{n:03d}"


def _acl_title_html(title: str) -> str:
    """A title as the Anthology marks it up: acronyms and names in acl-fixed-case spans
    ('<span class=acl-fixed-case>BERT</span>: Pre-training ...')."""
    words = []
    for w in html.escape(title).split(" "):
        core = w.rstrip(":,")
        if (len(core) > 1 and core.isupper()) or (core[:1].isupper() and words):
            w = f"<span class=acl-fixed-case>{core}</span>{w[len(core):]}"
        words.append(w)
    return " ".join(words)


def acl_event(volumes: dict[str, list[tuple[object, str, str | None]]], era: int) -> bytes:
    """An ACL Anthology event page: per volume id, its papers as (paper with ``title``
    and ``authors``, Anthology id, PDF href or None for an abstract-only entry).

    ``era`` 2026 is the minified Bootstrap 5 site (unquoted attributes, text-bg badges,
    as the real paper page in ../shared/venues/samples is written); 2019 the aclweb.org
    pages (quoted, Bootstrap 4, absolute www.aclweb.org/anthology links); both follow
    acl-org/acl-anthology's events/single.html and papers/list-entry.html."""
    new = era >= 2024
    badge = "badge text-bg-{} align-middle me-1" if new else "badge badge-{} align-middle mr-1"
    q = (lambda v: v) if new else (lambda v: f'"{v}"')
    base = "" if new else "/anthology"
    out = ['<!doctype html><html lang=en-us><head><meta charset=utf-8><title>Event'
           '</title></head><body><div id=main-container class=container><section id=main>'
           '<h2 id=title>Annual Meeting</h2><hr><div class="card bg-light mb-2 mb-lg-4">'
           '<div class=card-body><h4 class=card-title>Volumes</h4><ul class=list-ps-responsive>']
    for vol in volumes:
        out.append(f'<li><a class=align-middle href=#{vol.lower().replace(".", "")}>'
                   f"Proceedings ({html.escape(vol)})</a></li>")
    out.append("</ul></div></div>")
    for vol, papers in volumes.items():
        out.append(f'<div id={vol.lower().replace(".", "")}><small><a href=# class=text-muted>'
                   '<i class="fas fa-arrow-up"></i> up</a></small><h4 class="d-sm-flex '
                   'pb-2 border-bottom"><span class="d-block me-2 list-button-row"><a '
                   f'class="{badge.format("primary")}" '
                   f'href={q(f"https://aclanthology.org/{vol}.pdf")}>pdf&nbsp;(full)</a></span>'
                   f'<a class=align-middle href={q(f"/volumes/{vol}/")}>'
                   f"Proceedings of the volume {html.escape(vol)}</a></h4>")
        for ref, pid, pdf in papers:
            people = [(re.sub(r"[^a-z]+", "-", a.lower()), a)
                      for a in ref.authors]  # type: ignore[attr-defined]
            authors = "\n|\n".join(f'<a href={q(f"{base}/people/{who}/")}>'
                                    f"{html.escape(a)}</a>" for who, a in people)
            pdf_badge = (f'<a class="{badge.format("primary")}" href={q(pdf)} '
                         'data-bs-toggle=tooltip data-bs-placement=top title="Open PDF">pdf</a>'
                         ) if pdf else ""
            out.append(
                f'<p class="d-sm-flex align-items-stretch"><span class="d-block me-2 '
                f'list-button-row">{pdf_badge}<a class="{badge.format("secondary")}" '
                f'href={q(f"{base}/{pid}.bib")} title="Export to BibTeX">bib</a><a class="'
                f'{badge.format("info")}" href=#abstract-{pid.replace(".", "--")} '
                'data-bs-toggle=collapse aria-expanded=false title="Show Abstract">abs</a>'
                '<br class="d-none d-sm-inline-block"></span><span class=d-block><strong><a '
                f'class=align-middle href={q(f"{base}/{pid}/")}>'
                f"{_acl_title_html(ref.title)}</a></strong><br>"  # type: ignore[attr-defined]
                f"{authors}</span></p><div class=\"card bg-light mb-2 mb-lg-3 collapse "
                f'abstract-collapse" id=abstract-{pid.replace(".", "--")}><div class="card-body'
                ' p-3 small">We study a problem. Our method, by Zed Decoy and others, works.'
                "</div></div>")
        out.append("</div><hr>")
    out.append("</section></div></body></html>")
    return "".join(out).encode()


def jmlr_volume(entries: list[tuple[object, str, str]], volume: int) -> bytes:
    """A JMLR volume page: (paper, its id, a note after its title or "") per entry, as
    JmlrOrg/webpage's papers/volume.html writes it (site-relative links); volumes 1 to 4
    keep the old page, a table around the list, linking relative to the volume's page."""
    year = 1999 + volume
    items = []
    for ref, pid, note in entries:
        authors = html.escape(", ".join(ref.authors))  # type: ignore[attr-defined]
        title = html.escape(ref.title) + (f" ({html.escape(note)})" if note else "")  # type: ignore[attr-defined]
        root = "" if volume <= 4 else "/papers/"
        abs_, pdf = ((f"{pid}.html", f"../volume{volume}/{pid}/{pid}.pdf") if volume <= 4
                     else (f"{root}v{volume}/{pid}.html",
                           f"{root}volume{volume}/{pid}/{pid}.pdf"))
        items.append(f"<p>\n<dl>\n<dt>{title}</dt>\n<dd><b><i>{authors}</i></b>; "
                     f"{volume}({len(items) + 1}):1&minus;40, {year}.\n<br>[<a href='{abs_}'>"
                     f"abs</a>][<a target=_blank href='{pdf}'>pdf</a>][<a href=\"{root}v"
                     f"{volume}/{pid}.bib\">bib</a>]\n</dl>\n</p>")
    body = "\n".join(items)
    if volume <= 4:
        body = f'<table cellspacing="0"><tr><td>{body}</td></tr></table>'
    return (f"<html><head><title>JMLR Volume {volume}</title></head><body><div id=\"content\">"
            f"<h1>JMLR Volume {volume}</h1>\n{body}</div></body></html>").encode()


def ijcai_proceedings(tracks: dict[str, list[tuple[object, int]]], year: int) -> bytes:
    """IJCAI's proceedings page: per track, (paper, its number) per entry, each a
    ``div.paper_wrapper`` with title, comma-separated authors and a details line whose
    PDF link is relative to the page (``0042.pdf``), as public scrapers of the site
    read it; a decoy link to another host's PDF in a track's blurb."""
    out = [f"<html><head><title>IJCAI {year} Proceedings</title></head><body>"
           '<div class="proceedings">']
    for track, entries in tracks.items():
        out.append(f'<div class="section"><div class="section_title"><h3>{html.escape(track)}'
                   '</h3></div><div class="subsection"><p>Slides at <a href="https://slides.'
                   'example.org/all.pdf">PDF</a></p>')
        for ref, n in entries:
            out.append(
                f'<div id="paper{n}" class="paper_wrapper">\n'
                f'<div class="title">{html.escape(ref.title)}</div>\n'  # type: ignore[attr-defined]
                f'<div class="authors">{html.escape(", ".join(ref.authors))}</div>\n'  # type: ignore[attr-defined]
                f'<div class="details">(<a href="{n:04d}.pdf">PDF</a> | '
                f'<a href="/proceedings/{year}/{n}"> Details</a>)</div>\n</div>')
        out.append("</div></div>")
    out.append("</div></body></html>")
    return "".join(out).encode()


def _decoy(ref: Reference, **changes: object) -> Reference:
    import dataclasses

    return dataclasses.replace(ref, **changes)  # type: ignore[arg-type]


class Venues:
    """One loopback host per venue site, serving indexes built from ``manifest``."""

    SITES = ("https://openaccess.thecvf.com", "https://proceedings.neurips.cc",
             "https://proceedings.mlr.press", "https://www.ecva.net")

    def __init__(self, manifest: Manifest) -> None:
        from tests.scholarly_standins import Scholarly

        self.hosts = {site: Host(urlsplit(site).hostname or site) for site in self.SITES}
        self.scholarly = Scholarly()  # Crossref, asked about what no index lists
        cvf: dict[tuple[str, int], list[tuple[Reference, str]]] = defaultdict(list)
        nips: dict[int, list[tuple[Reference, str]]] = defaultdict(list)
        pmlr: dict[int, list[tuple[Reference, str]]] = defaultdict(list)
        ecva: dict[int, list[tuple[Reference, str]]] = defaultdict(list)
        for ref in manifest.references:
            url = venue_url(ref)
            if url is None or ref.year is None:
                continue
            path = urlsplit(url).path
            if "thecvf.com" in url:
                cvf[ref.venue, ref.year].append((ref, path if ref.year >= 2021 else path[1:]))
            elif "neurips.cc" in url:
                nips[ref.year].append((ref, path.replace("/file/", "/hash/").replace(
                    "-Paper", "-Abstract").replace(".pdf", ".html")))
            elif "mlr.press" in url:
                pmlr[int(re.search(r"/v(\d+)/", url).group(1))].append((ref, url))
            elif "ecva.net" in url:
                ecva[ref.year].append((ref, path[1:]))
        # What init --from should find: the venue URL of each reference the list cites at
        # a venue with an open index.
        self.expected = {ref.n: venue_url(ref) for refs in (*cvf.values(), *nips.values(),
                                                            *pmlr.values(), *ecva.values())
                         for ref, _ in refs if ref.venue in SOURCES}
        self._decoys(cvf, nips, ecva)
        for (venue, year), entries in cvf.items():
            suffix = "?day=all" if year >= 2021 else ".py"
            self.host("https://openaccess.thecvf.com").add(
                f"/{venue}{year}{suffix}", cvf_listing(entries, year), content_type="text/html")
        for year, entries in nips.items():
            self.host("https://proceedings.neurips.cc").add(
                f"/paper_files/paper/{year}", neurips_index(entries, 2025 if year >= 2022
                                                            else 2020),
                content_type="text/html")
        for volume, entries in pmlr.items():
            self.host("https://proceedings.mlr.press").add(
                f"/v{volume}/assets/bib/citeproc.yaml", pmlr_citeproc(entries, volume),
                content_type="text/yaml")
        self.host("https://www.ecva.net").add("/papers.php", ecva_page(ecva),
                                              content_type="text/html")

    def _decoys(self, cvf: dict, nips: dict, ecva: dict) -> None:
        """What a careless matcher would take: each is another paper."""
        for (venue, year), entries in list(cvf.items()):
            ref, href = entries[0]
            # The same title by another first author, one year later (another paper).
            cvf[venue, year + 1].append((_decoy(ref, authors=("Zed Decoy",)),
                                         href.replace(str(year), str(year + 1)) + ".decoy"))
            # A near-miss title in the same listing.
            entries.append((_decoy(ref, title=ref.title + " Revisited", authors=("Al Other",)),
                            href.replace(".pdf", "_Revisited.pdf")))
        for year, entries in list(nips.items()):
            ref, href = entries[0]
            # Its hash reused for another paper in another year, as real indexes do.
            nips[year - 1].append((_decoy(ref, title="A Different Paper Entirely",
                                          authors=("Dee Coy",)),
                                   href.replace(f"/{year}/", f"/{year - 1}/")))
        for year, entries in list(ecva.items()):
            ref, pdf = entries[0]
            ecva[year + 2].append((_decoy(ref, authors=("Zed Decoy",)),
                                   pdf.replace(str(year), str(year + 2))))

    def host(self, site: str) -> Host:
        return self.hosts[site]

    def mirrors(self) -> list[str]:
        out = []
        for site, host in self.hosts.items():
            out += ["--mirror", f"{site}={host.url}"]
        return out + self.scholarly.mirrors()

    def requests(self) -> dict[str, int]:
        return {urlsplit(site).hostname or site: len(h.log) for site, h in self.hosts.items()}

    def stop(self) -> None:
        for h in self.hosts.values():
            h.stop()
        self.scholarly.stop()
