"""The mind map as text other tools draw: a Mermaid ``mindmap`` and a Markdown outline.

Mermaid is strict: inside a node's brackets a parenthesis, a bracket or a quote
ends the text early, so every label here is quoted (``id["..."]``) with the
characters a quoted label cannot hold written as Mermaid's entity codes
(:func:`sora_refs.readinglist.escape.mermaid_label`), and every node has a plain
ASCII id. The test suite parses the output with Mermaid's own parser.
"""

from __future__ import annotations

from collections.abc import Sequence

from sora_refs.readinglist.escape import markdown_text, mermaid_label
from sora_refs.readinglist.manifest import Category, Manifest, Reference


def counts(manifest: Manifest, refs: Sequence[Reference]) -> dict[str, int]:
    """References per category path, sub-categories included."""
    out: dict[str, int] = {}
    for cat in manifest.walk_categories():
        out[cat.path] = sum(
            1 for r in refs if r.category == cat.path or r.category.startswith(cat.path + "/"))
    return out


def tree_mermaid(manifest: Manifest, refs: Sequence[Reference], prune: bool = False) -> str:
    """The mind map as a Mermaid ``mindmap``; ``prune`` drops empty categories."""
    n = counts(manifest, refs)
    lines = ["mindmap", f"  root(({mermaid_label(manifest.title)}))"]

    def emit(cat: Category, depth: int, ident: str) -> None:
        if prune and not n[cat.path]:
            return
        pad = "  " * depth
        label = f"{cat.en} / {cat.zh_shown}" if cat.zh_shown else cat.en
        lines.append(f"{pad}{ident}[{mermaid_label(f'{label} · {n[cat.path]}')}]")
        for i, child in enumerate(cat.children, 1):
            emit(child, depth + 1, f"{ident}_{i}")
        for r in refs:
            if r.category == cat.path:
                text = f"{r.n}. {r.title} — {r.first_author_surname} {r.year_text}"
                lines.append(f"{pad}  r{r.n}({mermaid_label(text)})")

    for i, block in enumerate(manifest.categories, 1):
        emit(block, 2, f"c{i}")
    return "\n".join(lines) + "\n"


def _byline(ref: Reference) -> str:
    """How a list names the authors: one, two joined by "and", more as "et al."."""
    if len(ref.authors) == 2:
        return f"{ref.first_author_surname} and {ref.authors[1].split()[-1]}"
    return ref.first_author_surname + (" et al." if len(ref.authors) > 2 else "")


def tree_markdown(manifest: Manifest, refs: Sequence[Reference], prune: bool = False) -> str:
    """The mind map as a nested Markdown list; ``prune`` drops empty categories."""
    n = counts(manifest, refs)
    lines = [f"# {markdown_text(manifest.title)}", ""]

    def emit(cat: Category, depth: int) -> None:
        if prune and not n[cat.path]:
            return
        pad = "  " * depth
        zh = f" ({markdown_text(cat.zh_shown)})" if cat.zh_shown else ""
        lines.append(f"{pad}- **{markdown_text(cat.en)}**{zh}: {n[cat.path]}")
        for child in cat.children:
            emit(child, depth + 1)
        for r in refs:
            if r.category == cat.path:
                lines.append(f"{pad}  - {r.n}. " + markdown_text(
                    f"{r.title}, {_byline(r)} ({r.cited_as})"))

    for block in manifest.categories:
        emit(block, 0)
    return "\n".join(lines) + "\n"
