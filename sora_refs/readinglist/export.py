"""The reading list in the formats other programs read: one registry of formats.

Each format is one function registered in :data:`FORMATS` with :func:`fmt`;
the CLI builds its ``--format`` choices from the registry, so adding a format
touches this file only. Reference managers get what they need to keep the
library together: citation keys from the manifest, arXiv ids as ``eprint``,
the category path as keywords (Zotero tags) and JabRef groups, and, with
``--with-files``, each filed PDF linked by a path relative to the exported
file (so the library folder can move with it).

Nothing here knows about terminals; :mod:`sora_refs.cli.render` draws the rich
views and :mod:`sora_refs.readinglist.mindmap` the mind map.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the CLI imports this module at start for its --format choices
    from sora_refs.readinglist.manifest import Manifest, Reference

CSV_COLUMNS = ("n", "key", "title", "authors", "year", "venue", "published", "arxiv",
               "category", "urls", "note", "doi")

@dataclass
class Context:
    """What an export knows besides the references.

    ``status``: each reference's state in the library (``list`` with a library);
    ``files``: the filed PDF of each reference, as a path relative to the exported
    file (``--with-files``); ``library``: that library folder, relative likewise;
    ``unlinked``: filed PDFs whose path the format cannot hold (the CLI says so).
    """

    manifest: Manifest
    status: dict[int, str] | None = None
    files: dict[int, str] = field(default_factory=dict)
    library: str | None = None
    unlinked: list[str] = field(default_factory=list)  # files a format could not link


@dataclass(frozen=True)
class Format:
    name: str
    help: str
    suffix: str
    write: Callable[[Sequence[Reference], Context], str]
    files: bool = False  # links PDFs with --with-files


FORMATS: dict[str, Format] = {}


def fmt(name: str, help: str, suffix: str, files: bool = False
        ) -> Callable[[Callable[[Sequence[Reference], Context], str]],
                      Callable[[Sequence[Reference], Context], str]]:
    """Register a format (a function from references and a context to text)."""
    def register(write: Callable[[Sequence[Reference], Context], str]
                 ) -> Callable[[Sequence[Reference], Context], str]:
        FORMATS[name] = Format(name, help, suffix, write, files)
        return write
    return register


def render(name: str, refs: Sequence[Reference], ctx: Context) -> str:
    return FORMATS[name].write(refs, ctx)


# ---------------------------------------------------------------- shared facts


def venue_of(ref: Reference) -> tuple[str, int | None]:
    """The venue and year as the list cites them: the entry describes the version the
    list means (a preprint stays a preprint; where it appeared later goes in a note)."""
    return ref.venue, ref.year


def kind_of(ref: Reference) -> str:
    """``conference``, ``journal``, ``preprint`` or ``report``: what the entry types
    follow (the venues known are :mod:`sora_refs.readinglist.venues`')."""
    from sora_refs.readinglist.venues import by_name, is_journal  # --help stays fast

    venue = venue_of(ref)[0]
    known = by_name(venue)
    if known:
        return known.kind
    if venue.lower() == "arxiv":
        return "preprint"
    return "journal" if venue and is_journal(venue, ref.cited) else "report"


def full_name(ref: Reference) -> str:
    """The full name of a known venue, for booktitles and container titles."""
    from sora_refs.readinglist.venues import by_name

    known = by_name(venue_of(ref)[0])
    return known.full if known else venue_of(ref)[0]


def groups_of(ref: Reference, manifest: Manifest) -> list[str]:
    """The category path as names a person reads: ['Data processing', 'Patches']."""
    return [c.en for c in manifest.category_chain(ref.category)]


def split_name(name: str) -> tuple[str, str]:
    """(family, given) of 'Diederik P. Kingma'; a single word is a family name."""
    words = name.split()
    if len(words) == 1:
        return words[0], ""
    return words[-1], " ".join(words[:-1])


# ---------------------------------------------------------------- JSON and CSV


@fmt("json", "the documented JSON array (with a library: each reference's status)", ".json")
def to_json_fmt(refs: Sequence[Reference], ctx: Context) -> str:
    return to_json(refs, ctx.status)


def to_json(refs: Sequence[Reference], status: dict[int, str] | None = None) -> str:
    import json

    rows = [r.as_dict() for r in refs]
    if status is not None:
        for row in rows:
            row["status"] = status.get(row["n"], "missing")
    return json.dumps(rows, ensure_ascii=False, indent=2) + "\n"


@fmt("csv", "one row per reference (with a library: a status column)", ".csv")
def to_csv(refs: Sequence[Reference], ctx: Context) -> str:
    import csv
    import io

    columns = CSV_COLUMNS + (("status",) if ctx.status is not None else ())
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(columns)
    for r in refs:
        d = r.as_dict()
        d["authors"] = "; ".join(r.authors)
        d["urls"] = " ".join(r.urls)
        if ctx.status is not None:
            d["status"] = ctx.status.get(r.n, "missing")
        w.writerow(["" if d[c] is None else d[c] for c in columns])
    return buf.getvalue()


# ---------------------------------------------------------------- BibTeX and biblatex


def _bib_fields(ref: Reference, ctx: Context, biblatex: bool) -> tuple[str, list[tuple]]:
    from sora_refs.readinglist import escape as esc  # not at start: list stays fast

    venue, year = venue_of(ref)
    fields: list[tuple[str, str]] = [
        ("title", "{" + esc.bibtex_text(ref.title) + "}"),  # double braces keep its capitals
        ("author", " and ".join(esc.bibtex_name(a) for a in ref.authors)),
    ]
    if year is not None:  # a year the source does not give is left out, not invented
        fields.append(("year", str(year)))
    kind = kind_of(ref)
    if kind == "conference":
        entry = "inproceedings"
        fields.append(("booktitle", esc.bibtex_text(full_name(ref))))
    elif kind == "journal":
        entry = "article"
        fields.append(("journal" if not biblatex else "journaltitle",
                       esc.bibtex_text(full_name(ref))))
    elif kind == "preprint":
        entry = "online" if biblatex else "article"
        if not biblatex:
            fields.append(("journal", f"arXiv preprint arXiv:{ref.arxiv}" if ref.arxiv
                           else "arXiv preprint"))
    elif venue:
        entry = "report" if biblatex else "techreport"
        fields.append(("institution", esc.bibtex_text(venue)))
        if biblatex:
            fields.append(("type", "Technical Report"))
    else:
        entry = "misc"
    if ref.arxiv:
        fields.append(("eprint", ref.arxiv))
        fields.append(("eprinttype", "arxiv") if biblatex else ("archiveprefix", "arXiv"))
    if ref.urls:
        fields.append(("url", esc.bibtex_url(ref.urls[0])))
    if ref.doi:
        fields.append(("doi", esc.bibtex_url(ref.doi)))
    if ref.published and ref.published != ref.cited_as:
        fields.append(("note", "Published: " + esc.bibtex_text(ref.published)))
    groups = ", ".join(esc.group_name(g) for g in groups_of(ref, ctx.manifest))
    fields.append(("keywords", groups))  # Zotero: tags
    fields.append(("groups", groups))    # JabRef: membership of the groups below
    if ref.n in ctx.files:
        linked = esc.bibtex_file(ref.title, ctx.files[ref.n])
        if linked is None:
            ctx.unlinked.append(ctx.files[ref.n])
        else:
            fields.append(("file", linked))
    return entry, [(k, v) for k, v in fields if v]


def _bib(refs: Sequence[Reference], ctx: Context, biblatex: bool) -> str:
    out = []
    for ref in refs:
        entry, fields = _bib_fields(ref, ctx, biblatex)
        width = max(len(k) for k, _ in fields)
        body = ",\n".join(f"  {k.ljust(width)} = {{{v}}}" for k, v in fields)
        out.append(f"@{entry}{{{ref.key},\n{body}\n}}\n")
    text = "\n".join(out) + "\n" + _jabref_groups(ctx.manifest)
    if ctx.files:
        # JabRef resolves relative file paths against this folder: the .bib's own.
        text += "\n@Comment{jabref-meta: fileDirectory:.;}\n"
    return text


def _jabref_groups(manifest: Manifest) -> str:
    """The category tree as JabRef's group tree: one explicit group per category,
    which the entries' ``groups`` field fills, so the mind map survives as groups."""
    from sora_refs.readinglist import escape as esc  # not at start: list stays fast

    lines = ["@Comment{jabref-meta: grouping:", "0 AllEntriesGroup:;"]
    for cat in manifest.walk_categories():
        name = esc.jabref_group(cat.en)
        lines.append(f"{cat.depth + 1} StaticGroup:{name}\\;0\\;1\\;\\;\\;\\;;")
    return "\n".join(lines) + "\n}\n"


@fmt("bibtex", "BibTeX for Zotero, JabRef and LaTeX (files linked with --with-files)",
     ".bib", files=True)
def to_bibtex(refs: Sequence[Reference], ctx: Context) -> str:
    return _bib(refs, ctx, biblatex=False)


@fmt("biblatex", "biblatex (eprinttype, @online, @report)", ".bib", files=True)
def to_biblatex(refs: Sequence[Reference], ctx: Context) -> str:
    return _bib(refs, ctx, biblatex=True)


# ---------------------------------------------------------------- RIS


@fmt("ris", "RIS for Zotero, EndNote, Mendeley (files as L1 lines with --with-files)", ".ris",
     files=True)
def to_ris(refs: Sequence[Reference], ctx: Context) -> str:
    from sora_refs.readinglist import escape as esc  # not at start: list stays fast

    lines: list[str] = []
    types = {"conference": "CPAPER", "journal": "JOUR", "preprint": "JOUR", "report": "RPRT"}
    for ref in refs:
        venue, year = venue_of(ref)
        kind = kind_of(ref)
        lines.append(f"TY  - {types[kind]}")
        lines.append(f"ID  - {esc.ris_value(ref.key)}")
        lines.append(f"TI  - {esc.ris_value(ref.title)}")
        for a in ref.authors:
            family, given = split_name(a)
            lines.append("AU  - " + esc.ris_value(f"{family}, {given}" if given else family))
        if year is not None:
            lines.append(f"PY  - {year}")
        if kind in ("conference", "journal"):
            lines.append(f"T2  - {full_name(ref)}")
        elif kind == "preprint":
            lines.append("T2  - arXiv preprint" + (f" arXiv:{ref.arxiv}" if ref.arxiv else ""))
        elif venue:
            lines.append(f"PB  - {esc.ris_value(venue)}")
        if ref.doi:
            lines.append(f"DO  - {esc.ris_value(ref.doi)}")
        if ref.arxiv:
            lines.append(f"M1  - arXiv:{ref.arxiv}")
        for url in ref.urls:
            lines.append(f"UR  - {esc.ris_value(url)}")
        for g in groups_of(ref, ctx.manifest):
            lines.append(f"KW  - {esc.ris_value(g)}")
        if ref.n in ctx.files:
            path = ctx.files[ref.n]
            if esc.ris_value(path) == path:
                lines.append(f"L1  - {path}")
            else:  # a line break or run of spaces in the path: not the same file
                ctx.unlinked.append(path)
        lines.append(f"N1  - {esc.ris_value(ref.note)}")
        lines.append("ER  - ")
        lines.append("")
    return "\n".join(lines)


# ---------------------------------------------------------------- CSL-JSON


@fmt("csl-json", "CSL-JSON for citeproc, Pandoc and Zotero", ".json")
def to_csl_json(refs: Sequence[Reference], ctx: Context) -> str:
    import json

    items: list[dict[str, Any]] = []
    types = {"conference": "paper-conference", "journal": "article-journal",
             "preprint": "article", "report": "report"}
    for ref in refs:
        venue, year = venue_of(ref)
        kind = kind_of(ref)
        item: dict[str, Any] = {
            "id": ref.key,
            "type": types[kind],
            "title": ref.title,
            "author": [{"family": f, "given": g} if g else {"literal": f}
                       for f, g in map(split_name, ref.authors)],
            "keyword": ", ".join(groups_of(ref, ctx.manifest)),
            "note": ref.note,
        }
        if year is not None:
            item["issued"] = {"date-parts": [[year]]}
        if ref.doi:
            item["DOI"] = ref.doi
        if kind in ("conference", "journal"):
            item["container-title"] = full_name(ref)
        elif kind == "preprint":
            item["publisher"] = "arXiv"
            if ref.arxiv:
                item["number"] = f"arXiv:{ref.arxiv}"
        elif venue:
            item["publisher"] = venue
        if ref.urls:
            item["URL"] = ref.urls[0]
        items.append(item)
    return json.dumps(items, ensure_ascii=False, indent=2) + "\n"


def stats_json(data: dict[str, Any]) -> str:
    import json

    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
