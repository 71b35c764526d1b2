"""Read PDFs in worker processes, with a time and memory bound per file.

pypdf is pure Python: a hostile or broken PDF can make it loop for minutes or
allocate gigabytes, and a thread cannot be stopped. Each file is therefore read
by a long-lived worker process (``python -m sora_refs.pdfcheck``) that answers
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
    """What page 1 and the document information say."""

    pages: int
    text: str
    meta_title: str


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

    def ask(self, path: Path, timeout: float) -> dict[str, object]:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(str(path)) + "\n")
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
        self.argv = argv or [sys.executable, "-m", "sora_refs.pdfcheck"]
        self._idle: queue.Queue[Worker] = queue.Queue()
        self._slots = threading.Semaphore(self.size)
        self._all: list[Worker] = []
        self._lock = threading.Lock()

    def facts(self, path: Path) -> PdfFacts:
        """Page count and page-1 text of ``path``.

        Raises:
            VerificationError: with ``kind`` "not-a-pdf" or "unreadable".
        """
        with self._slots:
            try:
                worker = self._idle.get_nowait()
            except queue.Empty:
                worker = Worker(self.argv)
                with self._lock:
                    self._all.append(worker)
            try:
                answer = worker.ask(path, self.timeout)
            except queue.Empty:
                self._retire(worker)
                raise VerificationError(
                    f"unreadable: pypdf was still reading it after {self.timeout:g} s "
                    "(a damaged or hostile PDF); gave up", kind="unreadable") from None
            except (EOFError, OSError, ValueError):
                self._retire(worker)
                raise VerificationError("unreadable: the PDF reader crashed on it "
                                        "(out of memory or a parser bug)",
                                        kind="unreadable") from None
            self._idle.put(worker)
        if not answer.get("ok"):
            raise VerificationError(str(answer.get("error")), kind=str(answer.get("kind")))
        return PdfFacts(int(answer["pages"]), str(answer["text"]),  # type: ignore[call-overload]
                        str(answer.get("meta_title") or ""))

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


def _read(path: str) -> dict[str, object]:
    # pypdf reads a file named by its path wholly into memory; handed an open file
    # it seeks instead, so a 500 MB paper costs the worker kilobytes, not 500 MB.
    with open(path, "rb") as fh:
        return _read_stream(fh)


def _read_stream(fh: object) -> dict[str, object]:
    import logging

    import pypdf

    logging.getLogger("pypdf").setLevel(logging.CRITICAL)
    reader = pypdf.PdfReader(fh)  # type: ignore[arg-type]
    if reader.is_encrypted:
        try:
            ok = reader.decrypt("")
        except Exception:  # pypdf raises several kinds here
            ok = 0
        if not ok:
            return {"ok": False, "kind": "unreadable",
                    "error": "unreadable: the PDF is encrypted with a password"}
    pages = len(reader.pages)
    if pages == 0:
        return {"ok": False, "kind": "unreadable", "error": "unreadable: the PDF has no pages"}
    text = reader.pages[0].extract_text() or ""
    meta = reader.metadata
    return {"ok": True, "pages": pages, "text": text[:TEXT_LIMIT],
            "meta_title": str(meta.title or "") if meta else ""}


def _serve() -> None:
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (WORKER_MEMORY, WORKER_MEMORY))
    except (ImportError, ValueError, OSError):
        pass  # not on this platform: the time bound still holds
    for line in sys.stdin:
        path = json.loads(line)
        try:
            answer = _read(path)
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
