"""``sora-refs import``: file the PDFs people already have into the library.

Each input is identified from what it says about itself (the arXiv stamp on
page 1, the title on page 1, the document's metadata), and accepted only when it
passes exactly the check a download passes for that reference, so a lying
metadata field or a similar title cannot smuggle the wrong paper in.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sora_refs.errors import UsageError, VerificationError
from sora_refs.library import LockEntry, LockFile, inside, part_path, relative_path
from sora_refs.manifest import Manifest, Reference
from sora_refs.safefile import open_nofollow, set_aside
from sora_refs.text import arxiv_base, arxiv_stamps, compact
from sora_refs.verify import (
    check_structure,
    identify,
    read_pdf,
    sha256_file,
    title_matches,
)


@dataclass
class Imported:
    """What became of one input file."""

    input: Path
    status: str  # imported, moved, would-import, present, duplicate, unmatched, not-a-pdf,
    #              unreadable, error
    ref: Reference | None = None
    method: str | None = None
    path: Path | None = None
    detail: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "input": str(self.input),
            "status": self.status,
            "n": self.ref.n if self.ref else None,
            "key": self.ref.key if self.ref else None,
            "method": self.method,
            "path": str(self.path) if self.path else None,
            "detail": self.detail or None,
        }


def collect(paths: Iterable[Path]) -> list[Path]:
    """Files named on the command line, and every ``*.pdf`` below named folders.

    Raises:
        UsageError: a path does not exist.
    """
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out.extend(sorted(_walk(p)))
        elif p.is_file():
            out.append(p)
        else:
            raise UsageError(f"{p} does not exist (give PDF files or folders that hold them).")
    return list(dict.fromkeys(out))


def _walk(folder: Path) -> Iterator[Path]:
    # os.walk does not follow symlinked folders, so a link loop cannot trap it.
    for root, _dirs, files in os.walk(folder):
        for name in files:
            if name.lower().endswith(".pdf"):
                path = Path(root, name)
                if path.is_file():
                    yield path


def identify_file(manifest: Manifest, path: Path) -> tuple[Reference, str]:
    """Which reference ``path`` is, and how that was found.

    Raises:
        VerificationError: ``kind`` says why: not-a-pdf, unreadable, or
            wrong-paper (matches no reference).
    """
    check_structure(path)
    facts = read_pdf(path)
    text = facts.text
    by_id = {arxiv_base(r.arxiv): r for r in manifest.references if r.arxiv}
    candidates: list[tuple[Reference, str]] = []
    for stamp in arxiv_stamps(text):
        if stamp in by_id:
            candidates.append((by_id[stamp], "arxiv-stamp"))
    # The metadata only names a candidate; page 1 must confirm it like any other.
    meta = compact(facts.meta_title)
    if meta:
        candidates += [(r, "metadata") for r in manifest.references if compact(r.title) == meta]
    titled = [r for r in manifest.references if title_matches(r.title, text)]
    titled.sort(key=lambda r: -len(r.title))  # the most specific title first
    candidates += [(r, "title") for r in titled]
    tried: set[int] = set()
    for ref, method in candidates:
        if ref.n in tried:
            continue
        tried.add(ref.n)
        try:
            identify(ref, text)
        except VerificationError:
            continue
        return ref, method
    if not text.strip():
        raise VerificationError("page 1 has no text layer (a scan?), so it cannot be "
                                "identified", kind="unreadable")
    first = " ".join(text.split())[:60]
    claimed = [r for r, m in candidates if m == "metadata"]
    if claimed:
        raise VerificationError(f"its metadata claims {claimed[0].title!r}, but page 1 reads "
                                f"{first!r}")
    raise VerificationError(f"matches no reference: page 1 reads {first!r}")


def run_import(manifest: Manifest, inputs: Sequence[Path], dest: Path, *, move: bool = False,
               dry_run: bool = False) -> list[Imported]:
    """Identify and file every input; the caller holds the run lock unless ``dry_run``."""
    lock = LockFile(dest).load()
    claimed: dict[int, Path] = {}
    results: list[Imported] = []
    try:
        for src in inputs:
            results.append(_one(manifest, src, dest, lock, claimed, move, dry_run))
    finally:
        if not dry_run:
            lock.save()
    return results


def _one(manifest: Manifest, src: Path, dest: Path, lock: LockFile, claimed: dict[int, Path],
         move: bool, dry_run: bool) -> Imported:
    try:
        ref, method = identify_file(manifest, src)
    except VerificationError as exc:
        status = "unmatched" if exc.kind == "wrong-paper" else exc.kind
        return Imported(src, status, detail=str(exc))
    rel = relative_path(manifest, ref)
    target = inside(dest, rel)
    if ref.n in claimed:
        return Imported(src, "duplicate", ref, method, target,
                        f"reference {ref.n} is already provided by {claimed[ref.n]}")
    if target.is_file() and (target.resolve() == src.resolve() or _verified(target, ref, lock)):
        claimed[ref.n] = target
        return Imported(src, "present", ref, method, target,
                        "a verified copy is already in the library; left as it is")
    if dry_run:
        claimed[ref.n] = src
        return Imported(src, "would-import", ref, method, target)
    note = ""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = part_path(target)
        with open(src, "rb") as fin, open_nofollow(tmp, "wb") as fout:
            shutil.copyfileobj(fin, fout, 1 << 20)
        pages = read_pdf(tmp).pages
        if target.exists() or target.is_symlink():  # not verified above: not ours to drop
            note = f"; the file that was there is moved to {set_aside(target).name}"
        os.replace(tmp, target)
        digest = sha256_file(target)
        st = target.stat()
        lock.put(ref.key, LockEntry.now(ref.n, rel.as_posix(), digest, st.st_size, pages,
                                        f"imported from {src.resolve()}", st.st_mtime_ns))
    except (OSError, VerificationError) as exc:
        part_path(target).unlink(missing_ok=True)
        return Imported(src, "error", ref, method, target, f"could not file it: {exc}")
    claimed[ref.n] = src
    if move:
        try:
            src.unlink()
        except OSError as exc:  # filed all the same: say so, and that the source stays
            return Imported(src, "imported", ref, method, target,
                            f"filed, but the source could not be removed "
                            f"({exc.strerror or exc}): left in place{note}")
    return Imported(src, "moved" if move else "imported", ref, method, target, note.lstrip("; "))


def _verified(path: Path, ref: Reference, lock: LockFile) -> bool:
    from sora_refs.verify import verify_file

    if lock.trusts(ref.key, path):
        return True
    try:
        verify_file(path, ref)
    except VerificationError:
        return False
    return True
