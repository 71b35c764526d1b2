"""Plain-text formats of a reading list: JSON, CSV, BibTeX, Mermaid and Markdown.

Nothing here knows about terminals; :mod:`sora_refs.render` draws the rich versions.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Any

from sora_refs.manifest import Category, Manifest, Reference

CSV_COLUMNS = ("n", "key", "title", "authors", "year", "venue", "published", "arxiv",
               "category", "urls", "note")

# How BibTeX names each cited venue; anything else becomes @misc.
_BOOKTITLES = {
    "neurips": "Advances in Neural Information Processing Systems",
    "icml": "Proceedings of the International Conference on Machine Learning",
    "cvpr": "Proceedings of the IEEE/CVF Conference on Computer Vision and Pattern Recognition",
    "iccv": "Proceedings of the IEEE/CVF International Conference on Computer Vision",
    "eccv": "Proceedings of the European Conference on Computer Vision",
    "iclr": "International Conference on Learning Representations",
}
_LATEX_SPECIALS = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}


def to_json(refs: Sequence[Reference], disk: dict[int, str] | None = None) -> str:
    """The documented array; with a library, each object also has ``status`` on disk."""
    rows = [r.as_dict() for r in refs]
    if disk is not None:
        for row in rows:
            row["status"] = disk.get(row["n"], "missing")
    return json.dumps(rows, ensure_ascii=False, indent=2) + "\n"


def to_csv(refs: Sequence[Reference]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for r in refs:
        d = r.as_dict()
        d["authors"] = "; ".join(r.authors)
        d["urls"] = " ".join(r.urls)
        w.writerow(["" if d[c] is None else d[c] for c in CSV_COLUMNS])
    return buf.getvalue()


def latex_escape(text: str) -> str:
    return "".join(_LATEX_SPECIALS.get(ch, ch) for ch in text)


def bibtex_entry(ref: Reference) -> str:
    """One BibTeX entry; titles are double-braced so capitalisation survives styles."""
    fields: list[tuple[str, str]] = [
        ("title", "{" + latex_escape(ref.title) + "}"),
        ("author", " and ".join(latex_escape(a) for a in ref.authors)),
        ("year", str(ref.year)),
    ]
    venue = ref.venue.lower()
    if venue == "arxiv" and ref.arxiv:
        kind = "article"
        fields += [
            ("journal", f"arXiv preprint arXiv:{ref.arxiv}"),
            ("eprint", ref.arxiv),
            ("archivePrefix", "arXiv"),
        ]
    elif venue in _BOOKTITLES:
        kind = "inproceedings"
        fields.append(("booktitle", _BOOKTITLES[venue]))
        if ref.arxiv:
            fields += [("eprint", ref.arxiv), ("archivePrefix", "arXiv")]
    elif venue == "openai":
        kind = "techreport"
        fields.append(("institution", "OpenAI"))
    else:
        kind = "misc"
        fields.append(("howpublished", latex_escape(ref.venue)))
    if ref.urls:
        fields.append(("url", ref.urls[0]))
    if ref.published:
        fields.append(("note", "Published: " + latex_escape(ref.published)))
    width = max(len(k) for k, _ in fields)
    body = ",\n".join(f"  {k.ljust(width)} = {{{v}}}" for k, v in fields)
    return f"@{kind}{{{ref.key},\n{body}\n}}\n"


def to_bibtex(refs: Sequence[Reference]) -> str:
    return "\n".join(bibtex_entry(r) for r in refs)


def _counts(manifest: Manifest, refs: Sequence[Reference]) -> dict[str, int]:
    out: dict[str, int] = {}
    for cat in manifest.walk_categories():
        out[cat.path] = sum(
            1 for r in refs if r.category == cat.path or r.category.startswith(cat.path + "/")
        )
    return out


def _mermaid_text(text: str) -> str:
    # Inside a mindmap's [square] node only the closing bracket ends the text.
    return text.replace("[", "(").replace("]", ")")


def tree_mermaid(manifest: Manifest, refs: Sequence[Reference], prune: bool = False) -> str:
    """The mind map as a Mermaid ``mindmap`` block; ``prune`` drops empty categories."""
    counts = _counts(manifest, refs)
    lines = ["mindmap", f"  root[{_mermaid_text(manifest.title)}]"]

    def emit(cat: Category, depth: int) -> None:
        if prune and not counts[cat.path]:
            return
        pad = "  " * depth
        label = f"{cat.en} / {cat.zh}" if cat.zh else cat.en
        lines.append(f"{pad}[{_mermaid_text(label)}: {counts[cat.path]}]")
        for child in cat.children:
            emit(child, depth + 1)
        for r in refs:
            if r.category == cat.path:
                lines.append(f"{pad}  [{r.n}. {_mermaid_text(r.title)}, {r.year}]")

    for block in manifest.categories:
        emit(block, 2)
    return "\n".join(lines) + "\n"


def _byline(ref: Reference) -> str:
    return ref.first_author_surname + (" et al." if len(ref.authors) > 1 else "")


def tree_markdown(manifest: Manifest, refs: Sequence[Reference], prune: bool = False) -> str:
    """The mind map as a nested Markdown list; ``prune`` drops empty categories."""
    counts = _counts(manifest, refs)
    lines = [f"# {manifest.title}", ""]

    def emit(cat: Category, depth: int) -> None:
        if prune and not counts[cat.path]:
            return
        pad = "  " * depth
        zh = f" ({cat.zh})" if cat.zh else ""
        lines.append(f"{pad}- **{cat.en}**{zh}: {counts[cat.path]}")
        for child in cat.children:
            emit(child, depth + 1)
        for r in refs:
            if r.category == cat.path:
                lines.append(f"{pad}  - {r.n}. {r.title}, {_byline(r)} ({r.venue} {r.year})")

    for block in manifest.categories:
        emit(block, 0)
    return "\n".join(lines) + "\n"


def stats_json(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
