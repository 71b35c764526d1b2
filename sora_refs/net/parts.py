"""Downloads in progress on disk: ``.part`` files, their sidecars, helpers' segments.

A ``.part`` file always holds a prefix of the body, in order; its sidecar names
the URL and the validator that make a ``Range`` + ``If-Range`` resume safe. Bytes
a helper connection fetches for later in the file wait in a hidden segment next
to it (``.NAME.pdf.part.OFFSET``) until the download appends them.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import IO, Any, BinaryIO

from sora_refs.safefile import open_nofollow


def segment_path(part: Path, start: int) -> Path:
    return part.with_name(f".{part.name}.{start}")


def open_part(part: Path, append: bool) -> IO[Any]:
    """A ``.part`` file for writing, never through a symlink planted in its place."""
    return open_nofollow(part, "ab" if append else "wb")


def open_segment(path: Path, append: bool = False) -> IO[Any]:
    return open_nofollow(path, "ab" if append else "wb")


def clear_segments(part: Path) -> None:
    """Remove segments a killed run left next to ``part``."""
    for stale in part.parent.glob(f".{part.name}.*"):
        stale.unlink(missing_ok=True)


def append_file(src: Path, fh: BinaryIO, hasher: Any) -> int:
    """Copy ``src`` to the end of ``fh`` (hashing it too); runs in a thread."""
    n = 0
    with open(src, "rb") as seg:
        while block := seg.read(1 << 20):
            fh.write(block)
            if hasher is not None:
                hasher.update(block)
            n += len(block)
    return n


class PartWriter:
    """A body's chunks, batched and written (and hashed) in a worker thread.

    Writing in the event loop stalls every other download whenever the disk is
    slow (a network home folder, a busy laptop drive); here one batch per file is
    in flight at a time, so the file is always a prefix of the body, even when a
    cancellation leaves the last batch unwritten.
    """

    BATCH = 1 << 20
    # On a slow link a batch is written at least this often, so the .part file
    # grows with the download and a killed run loses at most this much of it.
    EVERY = 0.5

    def __init__(self, fh: BinaryIO, hasher: Any = None) -> None:
        self.fh = fh
        self.hasher = hasher
        self._parts: list[bytes] = []
        self._size = 0
        self._busy = False
        self._last = asyncio.get_running_loop().time()

    async def write(self, data: bytes) -> None:
        self._parts.append(data)
        self._size += len(data)
        if (self._size >= self.BATCH
                or asyncio.get_running_loop().time() - self._last >= self.EVERY):
            await self.flush()

    async def flush(self) -> None:
        self._last = asyncio.get_running_loop().time()
        if not self._parts:
            return
        data = b"".join(self._parts)
        self._parts, self._size = [], 0
        self._busy = True
        await asyncio.to_thread(self._write, data)
        self._busy = False

    def settle(self) -> None:
        """After a failure: write what is buffered, unless a batch is still in flight
        (then what follows it is dropped, and the file stays a prefix)."""
        if self._parts and not self._busy:
            self._write(b"".join(self._parts))
        self._parts, self._size = [], 0

    def _write(self, data: bytes) -> None:
        self.fh.write(data)
        if self.hasher is not None:
            self.hasher.update(data)


def hash_file(path: Path, hasher: Any) -> None:
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            hasher.update(block)


def resume_point(url: str, part: Path, side: Path) -> tuple[int, str | None]:
    """Bytes already on disk for ``url`` and the validator to send with If-Range."""
    try:
        if part.is_symlink() or side.is_symlink():
            raise ValueError("a symlink is no download of ours")
        size = part.stat().st_size
        meta = json.loads(side.read_text(encoding="utf-8"))
        validator = meta.get("validator")
        # The sidecar is on disk, so untrusted: a validator must be text that can go
        # back in a header (latin-1, as it came, no line breaks).
        if not isinstance(validator, str) or not validator or "\n" in validator \
                or "\r" in validator:
            raise ValueError("no usable validator")
        validator.encode("latin-1")
    except (OSError, ValueError, AttributeError, UnicodeEncodeError):
        discard(part, side)
        return 0, None
    if meta.get("url") != url or size == 0:
        # Another URL's bytes, or nothing to make If-Range safe: start over.
        discard(part, side)
        return 0, None
    return size, validator


def write_sidecar(side: Path, url: str, validator: str | None, total: int | None) -> None:
    data = json.dumps({"url": url, "validator": validator, "length": total})
    with open_nofollow(side, "wb") as fh:
        fh.write(data.encode("utf-8"))


def discard(part: Path, side: Path) -> None:
    part.unlink(missing_ok=True)
    side.unlink(missing_ok=True)


PART_SUFFIX = ".part"
SIDE_SUFFIX = ".part.json"


def part_path(final: Path) -> Path:
    return final.with_name(final.name + PART_SUFFIX)


def sidecar_path(final: Path) -> Path:
    return final.with_name(final.name + SIDE_SUFFIX)
