"""The reading list: categories and references, loaded from YAML and validated.

Validation collects every problem before raising, so a person fixing a
manifest sees all of them at once, each with its file and line.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sora_refs.defaults import MANIFEST_ENV
from sora_refs.errors import ManifestError, Problem, UsageError
from sora_refs.text import ARXIV_RE, arxiv_base, has_control

# Slugs become folder names: lowercase ASCII, digits and dashes only, so they are
# portable to every file system and cannot smuggle in "..", "/" or "CON".
SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$")
# Keys appear in BibTeX and on the command line.
KEY_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_:.+-]{0,63}$")
# New-style (0704.0001 onwards) and old-style (hep-th/9901001) arXiv identifiers.
_URL_RE = re.compile(r"^https?://[^\s/?#@]+(?:[/?#][^\s]*)?$", re.IGNORECASE)

_TOP_FIELDS = {"title", "description", "source", "categories", "references"}
_CATEGORY_FIELDS = {"slug", "en", "zh", "children"}
_REQUIRED_REF_FIELDS = ("n", "key", "title", "authors", "year", "venue", "urls", "category", "note")
_OPTIONAL_REF_FIELDS = ("published", "arxiv", "cited", "resolution")
# How `init --from` found a reference: what `fetch` and people make of it.
RESOLUTIONS = ("resolved", "ambiguous", "unresolved")


@dataclass(frozen=True)
class Category:
    """A block or sub-block of the mind map."""

    slug: str
    en: str
    zh: str
    path: str
    index: int
    children: tuple[Category, ...] = ()

    @property
    def depth(self) -> int:
        return self.path.count("/")

    def walk(self) -> Iterator[Category]:
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass(frozen=True)
class Reference:
    """One cited paper, as the report cites it and where to get it."""

    n: int
    key: str
    title: str
    authors: tuple[str, ...]
    year: int
    venue: str
    urls: tuple[str, ...]
    category: str
    note: str
    published: str | None = None
    arxiv: str | None = None
    line: int | None = field(default=None, compare=False)
    cited: str | None = None       # the citation as the source printed it (init --from)
    resolution: str | None = None  # resolved, ambiguous or unresolved (init --from)

    @property
    def first_author(self) -> str:
        return self.authors[0]

    @property
    def first_author_surname(self) -> str:
        return self.first_author.split()[-1]

    @property
    def published_where(self) -> str:
        """Where the paper actually appeared; the cited venue when nothing else is known."""
        return self.published or f"{self.venue} {self.year}"

    def short_title(self, width: int = 48) -> str:
        if len(self.title) <= width:
            return self.title
        cut = self.title[: width - 1].rsplit(" ", 1)[0]
        return cut.rstrip(":,;-") + "…"

    def as_dict(self) -> dict[str, Any]:
        """The stable JSON shape documented in the README."""
        return {
            "n": self.n,
            "key": self.key,
            "title": self.title,
            "authors": list(self.authors),
            "year": self.year,
            "venue": self.venue,
            "published": self.published_where,
            "arxiv": self.arxiv,
            "category": self.category,
            "urls": list(self.urls),
            "note": self.note,
        }


@dataclass(frozen=True)
class Manifest:
    """A validated reading list."""

    path: Path
    title: str
    categories: tuple[Category, ...]
    references: tuple[Reference, ...]

    def walk_categories(self) -> Iterator[Category]:
        for block in self.categories:
            yield from block.walk()

    def category(self, path: str) -> Category:
        for cat in self.walk_categories():
            if cat.path == path:
                return cat
        raise KeyError(path)

    def category_chain(self, path: str) -> list[Category]:
        """The categories from the block down to ``path``."""
        parts = path.split("/")
        return [self.category("/".join(parts[: i + 1])) for i in range(len(parts))]

    def resolve_category(self, name: str) -> list[str]:
        """Category paths that ``name`` selects: a slug at any depth, or an exact path.

        Raises:
            UsageError: nothing in the tree has that name.
        """
        name = name.strip().strip("/").lower()
        if "/" in name:
            found = [c.path for c in self.walk_categories() if c.path == name]
        else:
            found = [c.path for c in self.walk_categories() if c.slug == name]
        if not found:
            slugs = sorted({c.slug for c in self.walk_categories()})
            paths = [c.path for c in self.walk_categories() if c.depth > 0]
            near = did_you_mean(name, list(dict.fromkeys(
                slugs + [c.path for c in self.walk_categories()])))
            raise UsageError(
                f"Unknown category {name!r}.{near} Valid names: {', '.join(slugs)}; "
                f"or an exact path such as {', '.join(paths[:3])}."
            )
        return found

    def find(self, ref: str) -> Reference:
        """A reference by number, key, arXiv id (with or without version, 'arXiv:' or
        not) or an unambiguous prefix of a key; keys match case-insensitively.

        Raises:
            UsageError: no such reference (with the nearest keys), or a prefix that
                fits several.
        """
        want = ref.strip()
        low = want.lower().removeprefix("arxiv:")
        for r in self.references:
            if (want.isdigit() and r.n == int(want)) or r.key.lower() == low:
                return r
        if ARXIV_RE.match(low):
            base = arxiv_base(low)
            for r in self.references:
                if r.arxiv and arxiv_base(r.arxiv).lower() == base:
                    return r
        if len(low) >= 3 and not want.isdigit():
            hits = [r for r in self.references if r.key.lower().startswith(low)]
            if len(hits) == 1:
                return hits[0]
            if len(hits) > 1:
                raise UsageError(f"{want!r} fits {len(hits)} references: "
                                 f"{', '.join(f'{r.n} ({r.key})' for r in hits[:6])}; give more "
                                 "of the key or the number.")
        near = did_you_mean(low, [r.key for r in self.references])
        raise UsageError(
            f"No reference {want!r} in {self.path.name}.{near} Give a number "
            f"({self.references[0].n if self.references else 1}–"
            f"{self.references[-1].n if self.references else 1}), a key such as "
            f"{self.references[0].key if self.references else 'ho2020denoising'}, or an arXiv "
            "id."
        )

    def select(
        self,
        *,
        category: str | None = None,
        year: int | None = None,
        venue: str | None = None,
        search: str | None = None,
        refs: Iterable[str] = (),
    ) -> list[Reference]:
        """References that pass every given filter, in manifest order."""
        chosen = list(self.references)
        wanted = list(refs)
        if wanted:
            picked = {self.find(r).n for r in wanted}
            chosen = [r for r in chosen if r.n in picked]
        if category:
            paths = self.resolve_category(category)
            chosen = [r for r in chosen if any(_under(r.category, p) for p in paths)]
        if year is not None:
            chosen = [r for r in chosen if r.year == year]
        if venue:
            v = venue.strip().lower()
            chosen = [r for r in chosen if r.venue.lower() == v]
        if search:
            needle = search.strip().lower()
            chosen = [
                r
                for r in chosen
                if needle in r.title.lower() or any(needle in a.lower() for a in r.authors)
            ]
        return chosen


def did_you_mean(word: str, choices: list[str]) -> str:
    """' Did you mean 'diffusion'?' for a near miss, or ''."""
    import difflib

    close = difflib.get_close_matches(word.lower(), choices, n=2, cutoff=0.75)
    if not close:
        return ""
    return " Did you mean " + " or ".join(repr(c) for c in close) + "?"


def _under(path: str, ancestor: str) -> bool:
    return path == ancestor or path.startswith(ancestor + "/")


def default_manifest_path() -> Path:
    """The manifest to use when none is given: env var, then the packaged copy."""
    env = os.environ.get(MANIFEST_ENV)
    if env:
        return Path(env)
    return packaged_manifest_path()


def packaged_manifest_path() -> Path:
    """The bundled refs.yaml: inside the installed package (the wheel puts it at
    ``sora_refs/refs.yaml``), or at the repository root in a source checkout."""
    package = Path(__file__).resolve().parent.parent
    packaged = package / "refs.yaml"
    return packaged if packaged.is_file() else package.parent / "refs.yaml"


# Every manifest is cached, validated, as JSON in the user's cache folder: importing
# pyyaml alone costs about 20 ms of a 100 ms start, and parsing needs about 0.2 ms per
# reference (2 s for 10,000); the JSON copy loads in a hundredth of that. One cache
# file per manifest path; it is used only when the manifest's bytes are the ones it
# was made from, so an edit is always validated again, whatever its size or mtime.
CACHE_ENV = "SORA_REFS_CACHE"


def cache_dir() -> Path:
    """Where sora-refs keeps caches: ``SORA_REFS_CACHE``, else the platform's cache folder.

    The same folders ``platformdirs.user_cache_dir("sora-refs")`` names (XDG on
    Linux, ~/Library/Caches on macOS, %LOCALAPPDATA% on Windows), computed here:
    importing platformdirs costs 20 ms, a fifth of ``sora-refs list``'s start.
    """
    override = os.environ.get(CACHE_ENV)
    if override:
        return Path(override)
    import sys

    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(base) / "sora-refs" / "Cache"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "sora-refs"
    xdg = os.environ.get("XDG_CACHE_HOME", "").strip()
    return (Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".cache") / \
        "sora-refs"


def _cache_file(p: Path) -> Path:
    import zlib

    where = str(p.resolve()).encode("utf-8", "surrogateescape")
    return cache_dir() / f"manifest-{zlib.crc32(where):08x}.json"


# The rules a cached manifest was validated under. Bump it whenever validation or
# the cached shape changes, so a cache written by older rules is never served
# (the version alone does not change between commits of a development install).
SCHEMA = 3


def _fingerprint(raw: bytes) -> str:
    """What the cache must have been made from: these rules, this version, these bytes.

    Two checksums and the length rather than a cryptographic hash, whose import
    (OpenSSL) costs more than the whole JSON load; a stale hit needs an edit that
    keeps the length and both checksums, and nobody gains anything by forging one.
    """
    import zlib

    from sora_refs import __version__

    return (f"{SCHEMA}:{__version__}:{len(raw)}:{zlib.crc32(raw):08x}:"
            f"{zlib.adler32(raw):08x}")


def _to_cache(m: Manifest) -> dict[str, Any]:
    def cat(c: Category) -> dict[str, Any]:
        return {"slug": c.slug, "en": c.en, "zh": c.zh, "path": c.path, "index": c.index,
                "children": [cat(x) for x in c.children]}

    return {"title": m.title, "categories": [cat(c) for c in m.categories],
            "references": [[r.n, r.key, r.title, list(r.authors), r.year, r.venue,
                            list(r.urls), r.category, r.note, r.published, r.arxiv, r.line,
                            r.cited, r.resolution]
                           for r in m.references]}


def _from_cache(data: dict[str, Any], path: Path) -> Manifest:
    def cat(d: dict[str, Any]) -> Category:
        return Category(d["slug"], d["en"], d["zh"], d["path"], d["index"],
                        tuple(cat(x) for x in d["children"]))

    refs = tuple(Reference(n, key, title, tuple(authors), year, venue, tuple(urls), category,
                           note, published, arxiv, line, cited, resolution)
                 for n, key, title, authors, year, venue, urls, category, note, published,
                 arxiv, line, cited, resolution in data["references"])
    return Manifest(path, data["title"], tuple(cat(c) for c in data["categories"]), refs)


def load_manifest(path: str | os.PathLike[str] | None = None) -> Manifest:
    """Read and validate a manifest.

    Args:
        path: the YAML file; ``None`` picks :func:`default_manifest_path`.

    Returns:
        The validated manifest, references sorted by number.

    Raises:
        ManifestError: listing every problem found, with line numbers.
    """
    p = Path(path) if path is not None else default_manifest_path()
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise ManifestError([Problem(str(p), None, "file not found")]) from None
    except OSError as exc:
        raise ManifestError([Problem(str(p), None, f"cannot read it: {exc}")]) from None
    source = _fingerprint(raw)
    cache = _cache_file(p)
    try:
        data = json.loads(cache.read_bytes())
        if data["source"] == source:
            return _from_cache(data, p)
    except (OSError, ValueError, KeyError, TypeError):
        pass  # no cache yet, or an unusable one: parse the YAML
    try:
        text = raw.decode("utf-8")  # only now: a cached manifest was valid UTF-8
    except UnicodeDecodeError as exc:
        raise ManifestError([Problem(str(p), None, f"cannot read it: {exc}")]) from None
    manifest = parse_manifest(text, p)
    tmp = cache.with_name(f".{cache.name}.{os.getpid()}")
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(json.dumps({"source": source, **_to_cache(manifest)},
                                  ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, cache)
    except OSError:  # a read-only or full home only costs speed
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
    return manifest


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
        authors = self.string_list(f.get("authors"), item.line, "authors")
        year = self.integer(f.get("year"), item.line, "year", 1000, 2999)
        venue = self.string(f.get("venue"), item.line, "venue")
        urls = self.string_list(f.get("urls"), item.line, "urls", allow_empty=True)
        for u, unode in zip(urls, f["urls"].value if f.get("urls") else [], strict=False):
            if not _URL_RE.match(u):
                self.add(unode.line, f"URL {u!r} should be an http:// or https:// address "
                         "with a host and no spaces")
        category = self.string(f.get("category"), item.line, "category").strip("/")
        if category and category not in paths:
            self.add(f["category"].line, f"unknown category {category!r}; known: "
                     f"{', '.join(sorted(paths))}")
        note = self.string(f.get("note"), item.line, "note")
        published = None
        if f.get("published") is not None:
            published = self.string(f.get("published"), item.line, "published")
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
        if len(self.problems) > before:
            return None
        cited = resolution = None
        if f.get("cited") is not None:
            cited = self.string(f.get("cited"), item.line, "cited")
        if f.get("resolution") is not None:
            resolution = self.string(f.get("resolution"), item.line, "resolution")
            if resolution not in RESOLUTIONS:
                self.add(f["resolution"].line, f"resolution should be one of "
                         f"{', '.join(RESOLUTIONS)}, found {resolution!r}")
                return None
        if len(self.problems) > before:
            return None
        return Reference(n, key, title, tuple(authors), year, venue, tuple(urls), category,
                         note, published, arxiv, item.line, cited, resolution)

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
