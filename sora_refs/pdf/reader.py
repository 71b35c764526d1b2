"""Read PDFs in worker processes, with a time and memory bound per file.

pypdf is pure Python: a hostile or broken PDF can make it loop for minutes or
allocate gigabytes, and a thread cannot be stopped. Each file is therefore read
by a long-lived worker process (``python -m sora_refs.pdf.reader``) that answers
one JSON line per path; a worker that overruns its time is killed and replaced,
and the file is reported as unreadable. Workers start once and are reused, so
the cost per file stays a few milliseconds.
"""

from __future__ import annotations

import atexit
import json
import os
import queue
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

from sora_refs.errors import VerificationError

# Seconds one file may take. Real papers take well under a second (a 45-page
# paper: 0.1 s here); the margin is for slow machines, not for hostile files.
PDF_TIMEOUT = 20.0
# Address space a worker may use (POSIX): far above what a paper needs, well
# below what would endanger the machine.
WORKER_MEMORY = 2 << 30
# How much of page 1's text travels back: the title and a stamp are near its top
# or bottom; a whole page is a few kB.
TEXT_LIMIT = 20_000


@dataclass(frozen=True)
class PdfFacts:
    """What a PDF says about itself, read once; the verification rules judge these.

    Every string came from the file and is untrusted: it may hold anything.
    """

    pages: int
    text: str              # page 1's text, in reading order, lines as pypdf found them
    meta_title: str = ""
    meta_author: str = ""
    producer: str = ""
    width: float = 612.0   # page 1 as displayed (rotation applied), in points
    height: float = 792.0

    @property
    def landscape(self) -> bool:
        return self.width > self.height * 1.1

    @property
    def lines(self) -> list[str]:
        return [line for line in (x.strip() for x in self.text.splitlines()) if line]

    @property
    def words(self) -> int:
        return len(self.text.split())

    @classmethod
    def from_answer(cls, answer: dict[str, object]) -> PdfFacts:
        def num(key: str, default: float) -> float:
            value = answer.get(key)
            return float(value) if isinstance(value, (int, float)) and value > 0 else default

        def text(key: str) -> str:
            value = answer.get(key)
            return value if isinstance(value, str) else ""

        pages = answer.get("pages")
        return cls(pages if isinstance(pages, int) and pages > 0 else 1, text("text"),
                   text("meta_title"), text("meta_author"), text("producer"),
                   num("width", 612.0), num("height", 792.0))


class Worker:
    """One worker process and a reader thread that hands its answers over."""

    def __init__(self, argv: list[str]) -> None:
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, text=True, bufsize=1,
                                     encoding="utf-8")
        self.answers: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.answers.put(line)
        self.answers.put(None)

    def ask(self, path: Path, timeout: float, whole: bool = False) -> dict[str, object]:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps({"path": str(path), "whole": whole}) + "\n")
        self.proc.stdin.flush()
        line = self.answers.get(timeout=timeout)
        if line is None:
            raise EOFError("the PDF worker exited")
        return json.loads(line)

    def kill(self) -> None:
        try:
            self.proc.kill()
            self.proc.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            pass


class Pool:
    """Workers shared by every thread; at most ``size`` files are read at once."""

    def __init__(self, size: int | None = None, timeout: float = PDF_TIMEOUT,
                 argv: list[str] | None = None) -> None:
        self.size = size or max(1, min(4, os.cpu_count() or 1))
        self.timeout = timeout
        self.argv = argv or [sys.executable, "-m", "sora_refs.pdf.reader"]
        self._idle: queue.Queue[Worker] = queue.Queue()
        self._slots = threading.Semaphore(self.size)
        self._all: list[Worker] = []
        self._lock = threading.Lock()

    def facts(self, path: Path) -> PdfFacts:
        """Page count and page-1 text of ``path``.

        Raises:
            VerificationError: with ``kind`` "not-a-pdf" or "unreadable".
        """
        return PdfFacts.from_answer(self._ask(path, False, self.timeout))

    def text(self, path: Path) -> str:
        """The text of every page of ``path`` (bounded), for reading its bibliography.

        Raises:
            VerificationError: with ``kind`` "unreadable".
        """
        return str(self._ask(path, True, self.timeout * 3).get("text", ""))

    def _ask(self, path: Path, whole: bool, timeout: float) -> dict[str, object]:
        with self._slots:
            try:
                worker = self._idle.get_nowait()
            except queue.Empty:
                worker = Worker(self.argv)
                with self._lock:
                    self._all.append(worker)
            try:
                answer = worker.ask(path, timeout, whole)
            except queue.Empty:
                self._retire(worker)
                raise VerificationError(
                    f"unreadable: pypdf was still reading it after {timeout:g} s "
                    "(a damaged or hostile PDF); gave up", kind="unreadable") from None
            except (EOFError, OSError, ValueError):
                self._retire(worker)
                raise VerificationError("unreadable: the PDF reader crashed on it "
                                        "(out of memory or a parser bug)",
                                        kind="unreadable") from None
            self._idle.put(worker)
        if not answer.get("ok"):
            raise VerificationError(str(answer.get("error")), kind=str(answer.get("kind")))
        return answer

    def warm(self, count: int | None = None) -> None:
        """Start workers now, so that their start-up overlaps the downloads."""
        with self._lock:
            missing = min(count or self.size, self.size) - len(self._all)
            for _ in range(max(0, missing)):
                w = Worker(self.argv)
                self._all.append(w)
                self._idle.put(w)

    def _retire(self, worker: Worker) -> None:
        worker.kill()
        with self._lock:
            if worker in self._all:
                self._all.remove(worker)

    def close(self) -> None:
        with self._lock:
            workers, self._all = self._all, []
        for w in workers:
            w.kill()


_POOL: Pool | None = None
_POOL_LOCK = threading.Lock()


def pool() -> Pool:
    """The process-wide pool, created on first use and shut down at exit."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            _POOL = Pool()
            atexit.register(_POOL.close)
        return _POOL


# ---------------------------------------------------------------- worker side


# The whole text of a paper travels back at most this big (a 45-page paper is 200 kB).
WHOLE_LIMIT = 4 << 20


def _read(path: str, whole: bool = False) -> dict[str, object]:
    # pypdf reads a file named by its path wholly into memory; handed an open file
    # it seeks instead, so a 500 MB paper costs the worker kilobytes, not 500 MB.
    with open(path, "rb") as fh:
        return _read_stream(fh, whole)


def _read_stream(fh: object, whole: bool = False) -> dict[str, object]:
    import logging

    import pypdf

    logging.getLogger("pypdf").setLevel(logging.CRITICAL)
    reader = pypdf.PdfReader(fh)  # type: ignore[arg-type]
    if reader.is_encrypted:
        try:
            ok = reader.decrypt("")  # many papers are "encrypted" with an empty password
        except Exception as exc:  # pypdf raises several kinds here
            if "cryptography" in str(exc) or "AES" in str(exc):
                return {"ok": False, "kind": "unreadable",
                        "error": f"unreadable: the PDF is AES-encrypted and the library to "
                                 f"decrypt it is missing ({exc})"}
            ok = 0
        if not ok:
            return {"ok": False, "kind": "unreadable",
                    "error": "unreadable: the PDF is encrypted with a password; open it once "
                             "and save a copy without the password, then import that"}
    pages = len(reader.pages)
    if pages == 0:
        return {"ok": False, "kind": "unreadable", "error": "unreadable: the PDF has no pages"}
    if whole:
        parts, size = [], 0
        for page in reader.pages:
            piece = page.extract_text() or ""
            parts.append(piece)
            size += len(piece)
            if size > WHOLE_LIMIT:
                break
        return {"ok": True, "pages": pages, "text": "\n".join(parts)[:WHOLE_LIMIT]}
    page = reader.pages[0]
    text = page.extract_text() or ""
    box = page.mediabox
    width, height = abs(float(box.width)), abs(float(box.height))
    if (page.rotation or 0) % 180 == 90:
        width, height = height, width
    meta = reader.metadata
    return {"ok": True, "pages": pages, "text": text[:TEXT_LIMIT], "width": width,
            "height": height, "meta_title": _meta(meta, "title"),
            "meta_author": _meta(meta, "author"), "producer": _meta(meta, "producer")}


def _meta(meta: object, field: str) -> str:
    try:
        value = getattr(meta, field) if meta is not None else None
    except Exception:  # a broken /Info entry is a missing one
        return ""
    return str(value)[:1000] if value else ""


def _serve() -> None:
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (WORKER_MEMORY, WORKER_MEMORY))
    except (ImportError, ValueError, OSError):
        pass  # not on this platform: the time bound still holds
    for line in sys.stdin:
        ask = json.loads(line)
        path, whole = (ask, False) if isinstance(ask, str) else (ask["path"], ask["whole"])
        try:
            answer = _read(path, whole)
        except MemoryError:
            answer = {"ok": False, "kind": "unreadable",
                      "error": "unreadable: reading it needs more than "
                               f"{WORKER_MEMORY >> 30} GiB of memory"}
        except RecursionError:
            answer = {"ok": False, "kind": "unreadable",
                      "error": "unreadable: its structure nests too deeply"}
        except Exception as exc:  # any parser failure is a fact about the file
            answer = {"ok": False, "kind": "unreadable",
                      "error": f"unreadable: pypdf cannot read it ({type(exc).__name__}: "
                               f"{str(exc)[:200]})"}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    _serve()
