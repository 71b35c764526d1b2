"""What is on disk in a library, and whether each file is still what it should be.

The same layout, lock file and verification as ``fetch``: a file is ``ok`` when
the lock vouches for it (fast mode) or when it passes the checks a download
passes (``--deep``, or when the lock does not vouch for it).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sora_refs.errors import VerificationError
from sora_refs.library.layout import (
    LOCK_NAME,
    LockEntry,
    LockFile,
    relative_path,
)
from sora_refs.net.parts import PART_SUFFIX, SIDE_SUFFIX
from sora_refs.readinglist.manifest import Manifest, Reference

# Statuses `verify --fix` repairs by fetching again. A modified file that is still
# the paper (annotations, say) is the reader's and is left alone.
BROKEN = ("missing", "not-a-pdf", "wrong-paper", "unreadable")


@dataclass
class Item:
    """One reference's file, or one file that belongs to no reference."""

    status: str
    path: Path | None
    ref: Reference | None = None
    detail: str = ""
    bytes: int | None = None
    pages: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "n": self.ref.n if self.ref else None,
            "key": self.ref.key if self.ref else None,
            "status": self.status,
            "path": str(self.path.absolute()) if self.path else None,
            "bytes": self.bytes,
            "pages": self.pages,
            "detail": self.detail or None,
        }


def quick_status(manifest: Manifest, refs: Sequence[Reference], dest: Path) -> dict[int, str]:
    """``ok``, ``unverified`` or ``missing`` per reference, from sizes and times only.

    Cheap enough for ``list`` and ``stats``: no PDF is opened.
    """
    lock = LockFile(dest).load()
    out = {}
    for ref in refs:
        path = dest / relative_path(manifest, ref)
        if lock.trusts(ref.key, path):
            out[ref.n] = "ok"
        elif path.is_file():
            out[ref.n] = "unverified"
        else:
            out[ref.n] = "missing"
    return out


def filed_files(manifest: Manifest, refs: Sequence[Reference], dest: Path) -> dict[int, Path]:
    """The PDF of each reference that the lock vouches for (verified, unchanged)."""
    lock = LockFile(dest).load()
    out = {}
    for ref in refs:
        path = dest / relative_path(manifest, ref)
        if lock.trusts(ref.key, path):
            out[ref.n] = path
    return out


def library_totals(manifest: Manifest, refs: Sequence[Reference], dest: Path) -> dict[str, Any]:
    """How much of the list is on disk: counts, bytes and pages of trusted files."""
    lock = LockFile(dest).load()
    status = quick_status(manifest, refs, dest)
    ok = [r for r in refs if status[r.n] == "ok"]
    return {
        "dest": str(dest),
        "present": len(ok),
        "unverified": sum(1 for s in status.values() if s == "unverified"),
        "missing": sum(1 for s in status.values() if s == "missing"),
        "total": len(refs),
        "bytes": sum(lock.entries[r.key].bytes for r in ok),
        "pages": sum(lock.entries[r.key].pages for r in ok),
    }


def inspect(manifest: Manifest, refs: Sequence[Reference], dest: Path,
            deep: bool = False, accept: Collection[int] = ()) -> list[Item]:
    """The status of every reference's file, then extra and partial files.

    ``accept``: numbers of references whose file, when it is still the paper but
    differs from the lock (an annotated copy), is recorded in the lock as it is now,
    so it stops being reported; the caller holds the run lock then.
    """
    from sora_refs.pdf.verify import sha256_file, verify_file

    lock = LockFile(dest).load()
    items: list[Item] = []
    for ref in refs:
        path = dest / relative_path(manifest, ref)
        entry = lock.get(ref.key)
        if path.is_symlink() or not path.is_file():
            what = "a symbolic link, not a file" if path.is_symlink() else "not in the library"
            items.append(Item("missing", path, ref, what))
            continue
        st = path.stat()
        if not deep and lock.trusts(ref.key, path):
            assert entry is not None
            items.append(Item("ok", path, ref, "", entry.bytes, entry.pages))
            continue
        digest = sha256_file(path)
        changed = entry is not None and (digest != entry.sha256 or st.st_size != entry.bytes)
        try:
            verified = verify_file(path, ref)
        except VerificationError as exc:
            # Both facts: that it changed since it was filed, and what is wrong now.
            since = ("changed since it was filed: sha256 differs from the lock; "
                     if changed else "")
            items.append(Item(exc.kind, path, ref, since + str(exc), st.st_size))
            continue
        if ref.n in accept and (changed or entry is None):
            url = entry.url if entry is not None else "accepted as found"
            lock.put(ref.key, LockEntry.now(ref.n, relative_path(manifest, ref).as_posix(),
                                            digest, st.st_size, verified.pages, url,
                                            st.st_mtime_ns))
            items.append(Item("ok", path, ref, f"accepted as it is now ({verified.evidence})",
                              st.st_size, verified.pages))
        elif changed:
            assert entry is not None
            items.append(Item("modified", path, ref,
                              f"still the paper ({verified.evidence}), but sha256 "
                              f"{digest[:12]}… and {st.st_size:,} bytes differ from the lock "
                              f"({entry.sha256[:12]}…, {entry.bytes:,}); `sora-refs verify "
                              f"--accept {ref.n}` records this copy", st.st_size,
                              verified.pages))
        else:
            note = "" if entry is not None else "verified, but not recorded in the lock"
            items.append(Item("ok", path, ref, note, st.st_size, verified.pages))
    if accept:
        lock.save()
    items.extend(stray_files(manifest, dest))
    return items


def stray_files(manifest: Manifest, dest: Path) -> list[Item]:
    """PDFs that belong to no reference, and ``.part`` files left by interrupted runs."""
    if not dest.is_dir():
        return []
    expected = {(dest / relative_path(manifest, r)).resolve() for r in manifest.references}
    out: list[Item] = []
    for path in sorted(dest.rglob("*")):
        if not path.is_file() or path.name in (LOCK_NAME,) or path.name.startswith("."):
            continue
        if path.name.endswith(PART_SUFFIX):
            side = path.with_name(path.name[: -len(PART_SUFFIX)] + SIDE_SUFFIX)
            url = ""
            with contextlib.suppress(OSError, ValueError, AttributeError):
                url = json.loads(side.read_text(encoding="utf-8")).get("url") or ""
            detail = f"{path.stat().st_size:,} bytes of an interrupted download"
            out.append(Item("partial", path, None, detail + (f" from {url}" if url else "")
                            + "; `sora-refs fetch` resumes it", path.stat().st_size))
        elif path.suffix.lower() == ".pdf" and path.resolve() not in expected:
            out.append(Item("extra", path, None, "belongs to no reference in the manifest",
                            path.stat().st_size))
    return out
