"""The reading list's front door: which manifest to use, and loading it (from the JSON
cache when the file is unchanged, else parsed and validated).

The schema's data classes live in :mod:`.model`, validation in :mod:`.validate`, the
cache in :mod:`.cache`; the names most callers want are importable from here.
"""

from __future__ import annotations

import os
from pathlib import Path

from sora_refs.defaults import MANIFEST_ENV
from sora_refs.errors import ManifestError, Problem
from sora_refs.readinglist import cache
from sora_refs.readinglist.cache import cache_dir
from sora_refs.readinglist.model import Category, Manifest, Reference, did_you_mean

__all__ = [
    "Category",
    "Manifest",
    "Reference",
    "cache_dir",
    "default_manifest_path",
    "did_you_mean",
    "load_manifest",
    "packaged_manifest_path",
    "parse_manifest",
]


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
        raw = _read_capped(p)
    except FileNotFoundError:
        raise ManifestError([Problem(str(p), None, "file not found")]) from None
    except OSError as exc:
        raise ManifestError([Problem(str(p), None, f"cannot read it: {exc}")]) from None
    cached = cache.load(p, raw)
    if cached is not None:
        return cached
    try:
        text = raw.decode("utf-8")  # only now: a cached manifest was valid UTF-8
    except UnicodeDecodeError as exc:
        raise ManifestError([Problem(str(p), None, f"cannot read it: {exc}")]) from None
    manifest = parse_manifest(text, p)
    cache.store(p, raw, manifest)
    return manifest


def _read_capped(path: Path) -> bytes:
    """The file's bytes, refused past :data:`~sora_refs.defaults.MANIFEST_MAX_BYTES`
    (read in one go up to the cap, whatever the file says its size is)."""
    from sora_refs.defaults import MANIFEST_MAX_BYTES

    with open(path, "rb") as fh:
        raw = fh.read(MANIFEST_MAX_BYTES + 1)
    if len(raw) > MANIFEST_MAX_BYTES:
        raise ManifestError([Problem(str(path), None, f"it is larger than "
                                     f"{MANIFEST_MAX_BYTES >> 20} MB, which no reading list "
                                     "is (is it the right file?)")])
    return raw


def parse_manifest(text: str, path: Path) -> Manifest:
    """Validate manifest text (see :mod:`.validate`, imported only when a manifest is
    parsed: a cached one never needs it, nor pyyaml)."""
    from sora_refs.readinglist.validate import parse_manifest as parse

    return parse(text, path)
