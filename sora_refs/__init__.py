"""sora-refs: the reading list behind OpenAI's Sora report, fetched, verified and filed.

A library user imports the manifest loader and the data classes from here; the
command line lives in :mod:`sora_refs.cli`.
"""

__version__ = "0.1.0"

from sora_refs.errors import SoraRefsError
from sora_refs.manifest import Category, Manifest, Reference, load_manifest

__all__ = ["Category", "Manifest", "Reference", "SoraRefsError", "__version__", "load_manifest"]
