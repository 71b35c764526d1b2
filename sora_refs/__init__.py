"""sora-refs: the reading list behind OpenAI's Sora report, fetched, verified and filed.

A library user imports the manifest loader and the data classes from here; the
command line lives in :mod:`sora_refs.cli`. Names are resolved lazily so that
``sora-refs --help`` does not pay for modules it never uses.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

_LAZY = {
    "Category": "sora_refs.readinglist.manifest",
    "Manifest": "sora_refs.readinglist.manifest",
    "Reference": "sora_refs.readinglist.manifest",
    "load_manifest": "sora_refs.readinglist.manifest",
    "SoraRefsError": "sora_refs.errors",
}
__all__ = ["Category", "Manifest", "Reference", "SoraRefsError", "__version__", "load_manifest"]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'sora_refs' has no attribute {name!r}")
