"""The library on disk: where each reference lives, the lock file, the run lock.

Layout: one folder per block and sub-block in mind-map order, then a
deterministic file name, e.g.
``01-video-modeling/01-rnn/01-srivastava2015-unsupervised-learning-of-video.pdf``.
Every name is ASCII, portable to Windows and bounded in length, whatever the
manifest says.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass, fields
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sora_refs.errors import DestinationBusyError, SoraRefsError
from sora_refs.readinglist.manifest import Manifest, Reference
from sora_refs.safefile import atomic_write, open_nofollow
from sora_refs.text import NAME_MAX, slugify

LOCK_NAME = "sora-refs.lock.json"
RUN_LOCK_NAME = ".sora-refs.lock"
HOLDER_NAME = ".sora-refs.pid"  # who holds the run lock, for a waiting run's message
RESERVE_NAME = ".sora-refs.reserve"  # room kept for the lock while a fetch runs
def relative_path(manifest: Manifest, ref: Reference) -> Path:
    """Where ``ref`` is filed inside the destination."""
    folders = [f"{c.index:02d}-{c.slug}" for c in manifest.category_chain(ref.category)]
    surname = slugify(ref.first_author_surname, 24).replace("-", "")
    stem = f"{ref.n:02d}-{surname}{ref.year or ''}-{slugify(ref.title, 48)}"
    return Path(*folders, slugify(stem, NAME_MAX) + ".pdf")


def inside(dest: Path, path: Path) -> Path:
    """``path`` under ``dest``, its folders resolved, refusing anything that would land
    outside ``dest``.

    The last component is not resolved: a symlink planted at a paper's name must
    be replaced (and the link moved aside), never followed to another file.
    """
    root = dest.resolve()
    folder = (root / path).parent.resolve()
    if folder != root and root not in folder.parents:
        raise SoraRefsError(f"refusing to write {path} outside the destination {dest}")
    return folder / path.name


@dataclass
class LockEntry:
    """What the library knows about one filed reference."""

    n: int
    path: str
    sha256: str
    bytes: int
    pages: int
    url: str
    fetched: str
    mtime_ns: int

    @classmethod
    def now(cls, n: int, path: str, sha256: str, size: int, pages: int, url: str,
            mtime_ns: int) -> LockEntry:
        stamp = datetime.now(timezone.utc).replace(microsecond=0).isoformat()
        return cls(n, path, sha256, size, pages, url, stamp, mtime_ns)

    @classmethod
    def parse(cls, raw: Any) -> LockEntry | None:
        """An entry from the lock file on disk, or None when it is not well-formed.

        The lock is a file anyone could have edited: a wrong type ("pages":
        "many") only means the file is verified again, never a crash.
        """
        if not isinstance(raw, dict):
            return None
        values = {}
        for f in fields(cls):
            value = raw.get(f.name)
            want = int if f.type in ("int", int) else str
            if type(value) is not want or (want is int and value < 0):
                return None
            values[f.name] = value
        if not re.fullmatch(r"[0-9a-f]{64}", values["sha256"]):
            return None
        return cls(**values)


_ENTRY_BYTES = 400  # one entry of the lock file as written, with room for long paths


class LockFile:
    """``sora-refs.lock.json``: per reference key, the file that was verified."""

    def __init__(self, dest: Path) -> None:
        self.path = dest / LOCK_NAME
        self.entries: dict[str, LockEntry] = {}
        self._dirty = False
        self._reserve = dest / RESERVE_NAME
        self._reserved = False

    def load(self) -> LockFile:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            for key, raw in data.get("entries", {}).items():
                entry = LockEntry.parse(raw)
                if entry is not None and isinstance(key, str):
                    self.entries[key] = entry
        except FileNotFoundError:
            pass
        except (OSError, ValueError, TypeError, AttributeError, RecursionError):
            # A damaged lock only costs re-verification of the files; never fatal.
            self.entries = {}
        return self

    def get(self, key: str) -> LockEntry | None:
        return self.entries.get(key)

    def put(self, key: str, entry: LockEntry) -> None:
        self.entries[key] = entry
        self._dirty = True

    def reserve(self, entries: int) -> None:
        """Keep room on the disk for the lock to grow by ``entries``, until
        :meth:`unreserve`: a download that fills the disk must not cost the record of
        every paper filed before it. Nothing is kept when there is no room already."""
        size = min(16 << 20, (64 << 10) + 2 * _ENTRY_BYTES * (len(self.entries) + entries))
        try:
            with open_nofollow(self._reserve, "wb") as fh:
                if hasattr(os, "posix_fallocate"):
                    os.posix_fallocate(fh.fileno(), 0, size)
                else:
                    fh.write(bytes(size))
            self._reserved = True
        except OSError:
            self.unreserve()

    def unreserve(self) -> bool:
        """Give the kept room back; True when there was some."""
        held, self._reserved = self._reserved, False
        with contextlib.suppress(OSError):
            if not self._reserve.is_symlink():
                self._reserve.unlink(missing_ok=True)
        return held

    def save(self) -> None:
        """Write atomically: a crash leaves the old lock or the new one, never half.

        A full disk gets the room :meth:`reserve` kept, and the write is tried again."""
        try:
            self._save()
        except OSError as exc:
            if exc.errno != errno.ENOSPC or not self.unreserve():
                raise
            self._save()

    def _save(self) -> None:
        if not self._dirty:
            return
        # vars(), not asdict(): the fields are plain values, and asdict's deep copy of
        # thousands of entries made each save of a large library take 50 ms.
        data = {"version": 1, "entries": {k: dict(vars(v)) for k, v in
                                          sorted(self.entries.items())}}
        atomic_write(self.path, json.dumps(data, indent=1, ensure_ascii=False) + "\n")
        self._dirty = False

    def trusts(self, key: str, file: Path) -> bool:
        """True when ``file`` is the one the lock recorded: a regular file (not a
        symlink) of the same size and modification time."""
        entry = self.entries.get(key)
        if entry is None:
            return False
        try:
            st = file.lstat()
        except OSError:
            return False
        return (stat.S_ISREG(st.st_mode) and st.st_size == entry.bytes
                and st.st_mtime_ns == entry.mtime_ns)


@contextlib.contextmanager
def run_lock(dest: Path, wait: float) -> Iterator[None]:
    """Hold the destination for this process; a second run waits, then gives up.

    The lock is the ``filelock`` package's (an OS lock, so one left by a killed
    process is released by the kernel and never blocks; it refuses a symlink
    planted at the lock path instead of truncating its target). Who holds it is
    written to a note beside it, for the message a waiting run prints.
    """
    import filelock

    dest.mkdir(parents=True, exist_ok=True)
    path, note = dest / RUN_LOCK_NAME, dest / HOLDER_NAME
    lock = filelock.FileLock(path, timeout=wait, thread_local=False)
    try:
        lock.acquire()
    except filelock.Timeout:
        raise DestinationBusyError(str(dest), _holder(note)) from None
    except OSError:
        if path.is_symlink():
            raise SoraRefsError(f"{path} is a symbolic link; sora-refs never writes through "
                                "one. Remove it (it is not sora-refs' own) and run again."
                                ) from None
        raise
    try:
        with open_nofollow(note, "wb") as fh:
            fh.write(f"pid {os.getpid()}, started "
                     f"{datetime.now().isoformat(timespec='seconds')}".encode())
        yield
    finally:
        with contextlib.suppress(OSError):
            note.unlink()
        lock.release()


def _holder(note: Path) -> str:
    try:
        if not note.is_symlink():
            return note.read_text(encoding="utf-8", errors="replace")[:200].strip() or \
                "unknown process"
    except OSError:
        pass
    return "unknown process"
