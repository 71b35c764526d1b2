"""The validated JSON copy of each manifest, kept in the user's cache folder, and
the cache folder itself."""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import Any

from sora_refs.readinglist.model import Category, Manifest, Reference

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
SCHEMA = 4


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
                            r.cited, r.resolution, r.doi]
                           for r in m.references]}


def _from_cache(data: dict[str, Any], path: Path) -> Manifest:
    def cat(d: dict[str, Any]) -> Category:
        return Category(d["slug"], d["en"], d["zh"], d["path"], d["index"],
                        tuple(cat(x) for x in d["children"]))

    refs = tuple(Reference(n, key, title, tuple(authors), year, venue, tuple(urls), category,
                           note, published, arxiv, line, cited, resolution, doi)
                 for n, key, title, authors, year, venue, urls, category, note, published,
                 arxiv, line, cited, resolution, doi in data["references"])
    return Manifest(path, data["title"], tuple(cat(c) for c in data["categories"]), refs)


def load(path: Path, raw: bytes) -> Manifest | None:
    """The cached manifest made from exactly these bytes, or None (no cache yet, an
    unusable one, or one made from other bytes or rules)."""
    try:
        data = json.loads(_cache_file(path).read_bytes())
        if data["source"] == _fingerprint(raw):
            return _from_cache(data, path)
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return None


def store(path: Path, raw: bytes, manifest: Manifest) -> None:
    """Keep ``manifest``, validated from ``raw``, for the next start."""
    cache = _cache_file(path)
    tmp = cache.with_name(f".{cache.name}.{os.getpid()}")
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(json.dumps({"source": _fingerprint(raw), **_to_cache(manifest)},
                                  ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, cache)
    except OSError:  # a read-only or full home only costs speed
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
