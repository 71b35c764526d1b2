"""``sora-refs import``: file the PDFs people already have into the library.

Each input is identified from what it says about itself (the arXiv stamp on
page 1, the title on page 1, the document's metadata) and accepted only when
the rules of :mod:`sora_refs.pdf.evidence` accept it as that reference, exactly as
a download is judged, so slides, notes, a lying metadata field or a similar
title cannot smuggle the wrong file in.

Order never decides: every input is judged first; when several match one
reference, the strongest evidence wins (then the path, for a stable answer)
and the others are duplicates. A weaker copy already in the library is moved
aside for a stronger one, never deleted.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sora_refs.errors import SoraRefsError, UsageError, VerificationError
from sora_refs.library.layout import LockEntry, LockFile, inside, relative_path
from sora_refs.net.parts import part_path
from sora_refs.pdf.evidence import Page, Verdict, first_words, judge
from sora_refs.pdf.verify import Verified, check_structure, read_pdf, sha256_file, verified
from sora_refs.readinglist.manifest import Manifest, Reference
from sora_refs.safefile import open_nofollow, set_aside
from sora_refs.text import arxiv_base, compact


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
    evidence: str = ""  # what identified it: "arXiv stamp 2105.05233 + title on line 1 + ..."

    def as_dict(self) -> dict[str, Any]:
        return {
            "input": str(self.input),
            "status": self.status,
            "n": self.ref.n if self.ref else None,
            "key": self.ref.key if self.ref else None,
            "method": self.method,
            "path": str(self.path) if self.path else None,
            "detail": self.detail or None,
            "evidence": self.evidence or None,
        }


def collect(paths: Iterable[Path]) -> tuple[list[Path], list[Imported]]:
    """Files named on the command line, every ``*.pdf`` below named folders, and the
    folders that could not be read (each an ``error`` result, never passed over as if
    it were empty).

    Raises:
        UsageError: a path does not exist, or the folders hold no PDF at all.
    """
    out: list[Path] = []
    unreadable: list[Imported] = []
    for p in paths:
        if p.is_dir():
            out.extend(sorted(_walk(p, unreadable)))
        elif p.is_file():
            out.append(p)
        else:
            raise UsageError(f"{p} does not exist (give PDF files or folders that hold them).")
    if not out and not unreadable:
        raise UsageError(f"found no PDF file in {', '.join(str(p) for p in paths)} "
                         "(folders are searched for *.pdf, their sub-folders included).")
    return list(dict.fromkeys(out)), unreadable


def _walk(folder: Path, unreadable: list[Imported]) -> Iterator[Path]:
    def failed(exc: OSError) -> None:
        unreadable.append(Imported(Path(exc.filename or folder), "error",
                                   detail=f"cannot read this folder: {exc.strerror or exc}; "
                                   "its PDFs were not looked at"))

    # os.walk does not follow symlinked folders, so a link loop cannot trap it.
    for root, _dirs, files in os.walk(folder, onerror=failed):
        for name in files:
            if name.lower().endswith(".pdf"):
                path = Path(root, name)
                if path.is_file():
                    yield path


def identify_file(manifest: Manifest, path: Path) -> Verdict:
    """The reference ``path`` is, with the evidence: the strongest accepted verdict.

    Raises:
        VerificationError: ``kind`` says why: not-a-pdf, unreadable, or
            wrong-paper (matches no reference, or is only about one).
    """
    check_structure(path)
    facts = read_pdf(path)
    if not facts.text.strip():
        raise VerificationError("page 1 has no text layer (a scan?), so it cannot be "
                                "identified", kind="unreadable")
    page = Page(facts)
    by_id = {arxiv_base(r.arxiv): r for r in manifest.references if r.arxiv}
    meta = compact(facts.meta_title)
    # Candidates: what the page or the metadata names; each is then judged in full.
    candidates = {by_id[s].n: by_id[s] for s in page.stamps if s in by_id}
    for r in manifest.references:
        if page.title_line(r.title) is not None or (meta and compact(r.title) == meta):
            candidates.setdefault(r.n, r)
    verdicts = sorted((judge(facts, r, page) for r in candidates.values()),
                      key=lambda v: (-v.strength, -len(v.ref.title), v.ref.n))
    for v in verdicts:
        if v.accepted:
            return v
    if verdicts:
        best = verdicts[0]
        rules = {e.rule for e in best.evidence}
        if "metadata" in rules and not rules & {"stamp", "title", "authors"}:
            raise VerificationError(f"its metadata claims {best.ref.title!r}, but page 1 reads "
                                    f"{first_words(page)!r}")
        raise VerificationError(best.reason)
    raise VerificationError(f"matches no reference: page 1 reads {first_words(page)!r}")


@dataclass
class _Judged:
    src: Path
    verdict: Verdict | None = None
    failure: VerificationError | None = None


def run_import(manifest: Manifest, inputs: Sequence[Path], dest: Path, *, move: bool = False,
               dry_run: bool = False) -> list[Imported]:
    """Identify and file every input; the caller holds the run lock unless ``dry_run``.

    Results come back in the order of ``inputs``, but which file wins a reference
    depends only on the files.
    """
    from sora_refs.pdf.reader import pool

    def one(src: Path) -> _Judged:
        try:
            return _Judged(src, identify_file(manifest, src))
        except VerificationError as exc:
            return _Judged(src, failure=exc)

    # PDFs are read in worker processes; threads keep all of them busy.
    with ThreadPoolExecutor(max_workers=pool().size) as ex:
        judged = list(ex.map(one, inputs))
    winners = _winners([j for j in judged if j.verdict is not None])
    lock = LockFile(dest).load()
    results: list[Imported] = []
    try:
        for j in judged:
            results.append(_file(manifest, j, winners, dest, lock, move, dry_run))
    finally:
        if not dry_run:
            lock.save()
    return results


def _winners(judged: list[_Judged]) -> dict[int, _Judged]:
    """Per reference, the file with the strongest evidence. Equal evidence is settled by
    the files' content (their sha256), never by their names or the order given."""
    by_ref: dict[int, list[_Judged]] = {}
    for j in judged:
        assert j.verdict is not None
        by_ref.setdefault(j.verdict.ref.n, []).append(j)
    out = {}
    for n, group in by_ref.items():
        best = max(j.verdict.strength for j in group if j.verdict)
        top = [j for j in group if j.verdict and j.verdict.strength == best]
        out[n] = top[0] if len(top) == 1 else min(top, key=lambda j: sha256_file(j.src))
    return out


def _file(manifest: Manifest, j: _Judged, winners: dict[int, _Judged], dest: Path,
          lock: LockFile, move: bool, dry_run: bool) -> Imported:
    if j.verdict is None:
        exc = j.failure
        assert exc is not None
        status = "unmatched" if exc.kind == "wrong-paper" else exc.kind
        return Imported(j.src, status, detail=str(exc))
    v, src = j.verdict, j.src
    ref, method, evidence = v.ref, v.method, v.summary()
    rel = relative_path(manifest, ref)
    try:
        target = inside(dest, rel)
    except SoraRefsError as exc:  # a folder symlinked out of the library
        return Imported(src, "error", ref, method, dest / rel, str(exc))
    winner = winners[ref.n]
    if winner is not j:
        return Imported(src, "duplicate", ref, method, target,
                        f"reference {ref.n} is better provided by {winner.src}",
                        evidence)
    existing = _existing(target, ref, lock)
    if existing is not None and (target.resolve() == src.resolve()
                                 or existing.strength >= v.strength):
        return Imported(src, "present", ref, method, target,
                        "a copy at least as well attested is already in the library; left "
                        "as it is", evidence)
    if dry_run:
        return Imported(src, "would-import", ref, method, target, "", evidence)
    note = ""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = part_path(target)
        with open(src, "rb") as fin, open_nofollow(tmp, "wb") as fout:
            shutil.copyfileobj(fin, fout, 1 << 20)
        pages = read_pdf(tmp).pages
        if target.exists() or target.is_symlink():  # weaker, or not the paper: keep it
            note = f"; the file that was there is moved to {set_aside(target).name}"
        os.replace(tmp, target)
        digest = sha256_file(target)
        st = target.stat()
        lock.put(ref.key, LockEntry.now(ref.n, rel.as_posix(), digest, st.st_size, pages,
                                        f"imported from {src.resolve()}", st.st_mtime_ns))
    except (OSError, VerificationError) as exc:
        part_path(target).unlink(missing_ok=True)
        return Imported(src, "error", ref, method, target, f"could not file it: {exc}",
                        evidence)
    if move:
        try:
            src.unlink()
        except OSError as exc:  # filed all the same: say so, and that the source stays
            return Imported(src, "imported", ref, method, target,
                            f"filed, but the source could not be removed "
                            f"({exc.strerror or exc}): left in place{note}", evidence)
    return Imported(src, "moved" if move else "imported", ref, method, target,
                    note.lstrip("; "), evidence)


def _existing(target: Path, ref: Reference, lock: LockFile) -> Verified | None:
    """The verified file already filed for ``ref`` (its evidence strength), or None."""
    if target.is_symlink() or not target.is_file():
        return None
    try:
        check_structure(target)
        facts = read_pdf(target)
        v = judge(facts, ref)
    except VerificationError:
        return None
    return verified(v, facts) if v.accepted else None
