"""Writing under ``--dest`` without following symlinks or losing anyone's file.

A library folder is shared with the person who owns it and with whatever else
runs as them: a symlink planted at a name sora-refs writes (a ``.part`` file,
the lock, the pid file, a paper's final name) must never send the bytes to the
file it points at. Every write under ``--dest`` opens its file with
``O_NOFOLLOW``; a file sora-refs would replace but cannot vouch for is moved
aside, never deleted.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from sora_refs.errors import UsageError

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_BINARY = getattr(os, "O_BINARY", 0)
_FLAGS = {
    "wb": os.O_WRONLY | os.O_CREAT | os.O_TRUNC,
    "ab": os.O_WRONLY | os.O_CREAT | os.O_APPEND,
    "xb": os.O_WRONLY | os.O_CREAT | os.O_EXCL,
    "a+": os.O_RDWR | os.O_CREAT,
}


def open_nofollow(path: Path, mode: str = "wb", **kw: Any) -> IO[Any]:
    """Open ``path`` for writing; refuse (OSError) when it is a symbolic link.

    ``mode`` is one of wb, ab, xb (binary) or a+ (text, read and append).
    """
    if not _NOFOLLOW and path.is_symlink():  # where the flag is missing (Windows)
        raise _symlink_error(path)
    try:
        fd = os.open(path, _FLAGS[mode] | _NOFOLLOW | _BINARY, 0o644)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise _symlink_error(path) from None
        raise
    return os.fdopen(fd, mode if mode != "a+" else "a+", **kw)


def _symlink_error(path: Path) -> OSError:
    return OSError(errno.ELOOP, "is a symbolic link; sora-refs never writes through one",
                   str(path))


def atomic_write(path: Path, text: str) -> None:
    """Replace ``path`` with ``text``: a crash leaves the old file or the new one.

    On failure (a full disk) the temporary file is removed and the old file is
    left as it was; the error propagates.
    """
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with contextlib.suppress(OSError):
        if tmp.is_symlink():
            tmp.unlink()
    try:
        with open_nofollow(tmp, "wb") as fh:
            fh.write(text.encode("utf-8"))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)  # replaces a symlink at ``path``, never its target
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def write_named(path: Path, text: str, protected: Sequence[Path] = ()) -> bool:
    """Write ``text`` to the file a person named with ``-o``; True when it was a stream.

    A new name or a regular file gets the text atomically (:func:`atomic_write`). A
    terminal, pipe, FIFO or device (``/dev/stdout``, ``/dev/null``, ``>(gzip ...)``) is
    written as a stream, never replaced by a file. Refused (:class:`UsageError`), with
    nothing written: a path among ``protected`` (the manifest the text was made from),
    a folder, a symbolic link to a regular file, a folder that does not exist.
    """
    if any(_same(path, keep) for keep in protected):
        raise UsageError(f"{path} is the reading list this was made from; writing there "
                         "would replace it. Give another name.")
    try:
        st = path.stat()
    except FileNotFoundError:
        if not path.parent.is_dir():
            raise UsageError(f"cannot write {path}: the folder {path.parent} does not exist "
                             "(create it first, or give another path).") from None
        atomic_write(path, text)
        return False
    if stat.S_ISCHR(st.st_mode) or stat.S_ISFIFO(st.st_mode) or stat.S_ISSOCK(st.st_mode):
        with open(path, "w", encoding="utf-8") as stream:
            stream.write(text)
        return True
    if stat.S_ISDIR(st.st_mode):
        raise UsageError(f"{path} is a folder; give a file name (such as {path / 'refs'}"
                         ".bib).")
    if not stat.S_ISREG(st.st_mode) or path.is_symlink():
        raise UsageError(f"{path} is a symbolic link or special file, not a regular file: "
                         "sora-refs does not replace it. Give the file itself or a new name.")
    atomic_write(path, text)
    return False


def _same(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def set_aside(path: Path) -> Path:
    """Move ``path`` (a file or a symlink) to a free name beside it and return that.

    'paper.pdf' becomes 'paper.kept-20261126-063000.pdf': still in the library
    folder, where ``verify`` lists it as an extra file, never deleted.
    """
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    for i in range(1000):
        suffix = f".kept-{stamp}" + (f"-{i}" if i else "")
        target = path.with_name(f"{path.stem}{suffix}{path.suffix}")
        if not target.exists() and not target.is_symlink():
            os.rename(path, target)
            return target
    raise OSError(errno.EEXIST, "no free name to move the file aside", str(path))
