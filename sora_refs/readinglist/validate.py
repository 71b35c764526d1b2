"""Manifest text to a :class:`~.model.Manifest`, every field checked.

Validation collects every problem before raising, so a person fixing a manifest
sees all of them at once, each with its file and line.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from sora_refs.errors import ManifestError, Problem
from sora_refs.readinglist.model import Category, Manifest, Reference
from sora_refs.text import ARXIV_RE, has_control

# Slugs become folder names: lowercase ASCII, digits and dashes only, so they are
# portable to every file system and cannot smuggle in "..", "/" or "CON".
SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$")
# Keys appear in BibTeX and on the command line.
KEY_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_:.+-]{0,63}$")
# New-style (0704.0001 onwards) and old-style (hep-th/9901001) arXiv identifiers.
DOI_RE = re.compile(r"^10\.\d{4,9}/\S{1,300}$")
URL_RE = re.compile(r"^https?://[^\s/?#@]+(?:[/?#][^\s]*)?$", re.IGNORECASE)

_TOP_FIELDS = {"title", "description", "source", "categories", "references"}
_CATEGORY_FIELDS = {"slug", "en", "zh", "children"}
_REQUIRED_REF_FIELDS = ("n", "key", "title", "authors", "urls", "category", "note")
# year and venue may be left out (or null) when the source does not give them: an
# unknown is shown as unknown, never replaced by a made-up value.
_OPTIONAL_REF_FIELDS = ("year", "venue", "published", "arxiv", "doi", "cited", "resolution")
# How `init --from` found a reference: what `fetch` and people make of it.
RESOLUTIONS = ("resolved", "ambiguous", "unresolved")



def parse_manifest(text: str, path: Path) -> Manifest:
    """Validate manifest text; ``path`` is used for messages and as the manifest's name."""
    import yaml

    from sora_refs.readinglist._yaml import Node, load_with_lines

    try:
        data = load_with_lines(text)
    except RecursionError:
        raise ManifestError([Problem(str(path), None, "it nests too deeply to be a "
                                                      "manifest")]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        what = getattr(exc, "problem", None) or str(exc)
        raise ManifestError([Problem(str(path), line, f"not valid YAML: {what}")]) from None

    v = _Validator(str(path))
    if not isinstance(data, Node) or not isinstance(data.value, dict):
        v.add(None, "expected a mapping with 'categories' and 'references' at the top")
        raise ManifestError(v.problems)
    top = data.value
    for k in top:
        if k not in _TOP_FIELDS:
            v.add(data.key_line(k), f"unknown top-level field {k!r}")
    title = v.string(top.get("title"), data.line, "title", required=False) or path.stem
    categories = v.categories(top.get("categories"), data)
    paths = {c.path for b in categories for c in b.walk()}
    references = v.references(top.get("references"), data, paths)
    if v.problems:
        raise ManifestError(v.problems)
    return Manifest(
        path=path,
        title=title,
        categories=tuple(categories),
        references=tuple(sorted(references, key=lambda r: r.n)),
    )


class _Validator:
    """Accumulates problems while turning YAML nodes into data classes."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.problems: list[Problem] = []

    def add(self, line: int | None, message: str) -> None:
        self.problems.append(Problem(self.path, line, message))

    # -- scalars -----------------------------------------------------------
    def string(self, node: Any, line: int | None, what: str, *, required: bool = True) -> str:
        if node is None:
            if required:
                self.add(line, f"missing field {what!r}")
            return ""
        value = node.value
        if not isinstance(value, str) or not value.strip():
            self.add(node.line, f"{what} should be a non-empty string, found {_show(value)}")
            return ""
        return self._clean(value.strip(), node.line, what)

    def _clean(self, value: str, line: int | None, what: str) -> str:
        # Text from a manifest reaches terminals: an escape sequence in a title could
        # rewrite the screen or the window title of whoever lists it.
        if has_control(value):
            self.add(line, f"{what} {value!r} contains a control character (an escape "
                     "sequence?); remove it")
        return value

    def integer(self, node: Any, line: int | None, what: str, lo: int, hi: int) -> int:
        if node is None:
            self.add(line, f"missing field {what!r}")
            return 0
        value = node.value
        if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
            self.add(node.line, f"{what} should be a whole number from {lo} to {hi}, "
                     f"found {_show(value)}")
            return 0
        return value

    # -- categories --------------------------------------------------------
    def categories(self, node: Any, parent: Any, prefix: str = "") -> list[Category]:
        if node is None:
            if not prefix:
                self.add(parent.line, "missing field 'categories' (the category tree)")
            return []
        if not isinstance(node.value, list):
            self.add(node.line, f"categories should be a list, found {_show(node.value)}")
            return []
        out: list[Category] = []
        seen: set[str] = set()
        for i, item in enumerate(node.value, start=1):
            if not isinstance(item.value, dict):
                self.add(item.line, f"a category should be a mapping, found {_show(item.value)}")
                continue
            fields = item.value
            for k in fields:
                if k not in _CATEGORY_FIELDS:
                    self.add(item.key_line(k), f"unknown category field {k!r}")
            slug = self.string(fields.get("slug"), item.line, "slug")
            if slug and not SLUG_RE.match(slug):
                self.add(fields["slug"].line, f"slug {slug!r} should be lowercase letters, "
                         "digits and dashes (at most 40), e.g. 'video-modeling'")
                slug = ""
            if slug and slug in seen:
                self.add(fields["slug"].line, f"duplicate category slug {slug!r}")
            seen.add(slug)
            en = self.string(fields.get("en"), item.line, "en")
            zh = self.string(fields.get("zh"), item.line, "zh", required=False)
            path = f"{prefix}/{slug}" if prefix else slug
            children = self.categories(fields.get("children"), item, path)
            out.append(Category(slug, en, zh, path, i, tuple(children)))
        return out

    # -- references --------------------------------------------------------
    def references(self, node: Any, parent: Any, paths: set[str]) -> list[Reference]:
        if node is None:
            self.add(parent.line, "missing field 'references'")
            return []
        if not isinstance(node.value, list):
            self.add(node.line, f"references should be a list, found {_show(node.value)}")
            return []
        out: list[Reference] = []
        numbers: dict[int, int | None] = {}
        keys: dict[str, int | None] = {}
        ids: dict[str, int | None] = {}
        for item in node.value:
            # Duplicates are checked on the raw values, so an entry with other
            # problems still has its number and key compared.
            fields = item.value if isinstance(item.value, dict) else {}
            n = fields["n"].value if "n" in fields else None
            if isinstance(n, int) and not isinstance(n, bool):
                if n in numbers:
                    self.add(item.line, f"duplicate number {n} (also at line {numbers[n]})")
                numbers.setdefault(n, item.line)
            key = fields["key"].value if "key" in fields else None
            if isinstance(key, str):
                if key.lower() in keys:
                    self.add(item.line, f"duplicate key {key!r} (also at line "
                             f"{keys[key.lower()]})")
                keys.setdefault(key.lower(), item.line)
            ref = self.reference(item, paths)
            if ref is None:
                continue
            if ref.arxiv:
                base = re.sub(r"v\d+$", "", ref.arxiv)
                if base in ids:
                    self.add(ref.line, f"duplicate arXiv id {ref.arxiv} (also at line "
                             f"{ids[base]})")
                ids.setdefault(base, ref.line)
            out.append(ref)
        return out

    def reference(self, item: Any, paths: set[str]) -> Reference | None:
        if not isinstance(item.value, dict):
            self.add(item.line, f"a reference should be a mapping, found {_show(item.value)}")
            return None
        before = len(self.problems)
        f = item.value
        for k in f:
            if k not in _REQUIRED_REF_FIELDS and k not in _OPTIONAL_REF_FIELDS:
                self.add(item.key_line(k), f"unknown reference field {k!r}")
        n = self.integer(f.get("n"), item.line, "n", 1, 99999)
        key = self.string(f.get("key"), item.line, "key")
        if key and not KEY_RE.match(key):
            self.add(f["key"].line, f"key {key!r} should start with a letter and use letters, "
                     "digits and _:.+- only (e.g. 'ho2020denoising')")
        title = self.string(f.get("title"), item.line, "title")
        # Only a citation init --from could not resolve may have no author it could read.
        unresolved = getattr(f.get("resolution"), "value", "resolved") != "resolved"
        authors = self.string_list(f.get("authors"), item.line, "authors",
                                   allow_empty=unresolved)
        year = None
        if f.get("year") is not None and f["year"].value is not None:
            year = self.integer(f.get("year"), item.line, "year", 1000, 2999)
        venue = ""
        if f.get("venue") is not None and f["venue"].value is not None:
            venue = self.string(f.get("venue"), item.line, "venue")
        urls = self.string_list(f.get("urls"), item.line, "urls", allow_empty=True)
        for u, unode in zip(urls, f["urls"].value if f.get("urls") else [], strict=False):
            if not URL_RE.match(u):
                self.add(unode.line, f"URL {u!r} should be an http:// or https:// address "
                         "with a host and no spaces")
        category = self.string(f.get("category"), item.line, "category").strip("/")
        if category and category not in paths:
            self.add(f["category"].line, f"unknown category {category!r}; known: "
                     f"{', '.join(sorted(paths))}")
        note = self.string(f.get("note"), item.line, "note")
        optional = self._optional(f, item.line)
        if len(self.problems) > before or optional is None:
            return None
        published, arxiv, cited, resolution, doi = optional
        return Reference(n, key, title, tuple(authors), year, venue, tuple(urls), category,
                         note, published, arxiv, item.line, cited, resolution, doi)

    def _optional(self, f: dict[str, Any], line: int | None
                  ) -> tuple[str | None, ...] | None:
        """published, arxiv, cited, resolution, doi (None: a problem was found)."""
        before = len(self.problems)
        out: dict[str, str | None] = dict.fromkeys(("published", "cited", "resolution", "doi"))
        for name in out:
            if f.get(name) is not None:
                out[name] = self.string(f.get(name), line, name)
        arxiv = None
        if f.get("arxiv") is not None:
            raw = f["arxiv"].value
            arxiv = str(raw).strip() if isinstance(raw, (str, float, int)) else ""
            if isinstance(raw, float):
                self.add(f["arxiv"].line, f"arXiv id {raw!r} must be quoted (YAML reads it as "
                         "a number and may drop a trailing zero)")
            elif not ARXIV_RE.match(arxiv):
                self.add(f["arxiv"].line, f"malformed arXiv id {arxiv!r}: expected "
                         "'YYMM.NNNNN' (e.g. '1706.03762') or 'archive/NNNNNNN'")
        if out["doi"] and not DOI_RE.match(out["doi"]):
            self.add(f["doi"].line, f"malformed DOI {out['doi']!r}: expected '10.NNNN/...' "
                     "(e.g. '10.1109/CVPR52688.2022.01042')")
        if out["resolution"] and out["resolution"] not in RESOLUTIONS:
            self.add(f["resolution"].line, f"resolution should be one of "
                     f"{', '.join(RESOLUTIONS)}, found {out['resolution']!r}")
        if len(self.problems) > before:
            return None
        return out["published"], arxiv, out["cited"], out["resolution"], out["doi"]

    def string_list(self, node: Any, line: int | None, what: str,
                    allow_empty: bool = False) -> list[str]:
        if node is None:
            self.add(line, f"missing field {what!r}")
            return []
        if isinstance(node.value, list) and not node.value and allow_empty:
            return []
        if not isinstance(node.value, list) or not node.value:
            self.add(node.line, f"{what} should be a non-empty list, found {_show(node.value)}")
            return []
        out = []
        for el in node.value:
            if not isinstance(el.value, str) or not el.value.strip():
                self.add(el.line, f"each of {what} should be a non-empty string, "
                         f"found {_show(el.value)}")
            else:
                out.append(self._clean(el.value.strip(), el.line, f"an item of {what}"))
        return out


def _show(value: Any) -> str:
    from sora_refs.readinglist._yaml import Node

    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "an empty list" if not value else "a list"
    if isinstance(value, Node):
        return _show(value.value)
    if value is None:
        return "nothing"
    return f"{type(value).__name__} {value!r}"
