"""verify, import, and the library state in list and stats."""

from __future__ import annotations

import hashlib
import io
import json
import os
import sys
import time
from pathlib import Path

import pytest

from sora_refs.cli import app
from sora_refs.errors import VerificationError
from sora_refs.library.layout import LockFile, relative_path
from sora_refs.pdf.reader import Pool
from sora_refs.readinglist.manifest import load_manifest
from tests.corpus import annotated
from tests.pdfs import make_pdf, pdf_for


def _encrypted(title: str, authors: tuple[str, ...] = ("A B",), user: str = "secret",
               algorithm: str = "RC4-128") -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(make_pdf(title, list(authors)))))
    writer.encrypt(user_password=user, owner_password="owner", algorithm=algorithm)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.fixture
def library(runner, web, tmp_path, small_manifest):
    """A library with all four small-manifest papers fetched from the loopback servers."""
    m = load_manifest(small_manifest)
    web.serve_manifest(m)
    dest = tmp_path / "lib"
    result = runner.invoke(app, ["--manifest", str(small_manifest), "fetch", "--dest",
                                 str(dest), *web.mirror_args()])
    assert result.exit_code == 0, result.output
    return m, dest


def _verify(runner, manifest: Path, dest: Path, *args: str):
    result = runner.invoke(app, ["--manifest", str(manifest), "verify", "--dest", str(dest),
                                 "--json", *args])
    return result.exit_code, {(r["n"] or r["path"]): r for r in json.loads(result.stdout)}


# ---------------------------------------------------------------- verify


def test_verify_reports_every_status(runner, library, small_manifest) -> None:
    m, dest = library
    code, rows = _verify(runner, small_manifest, dest)
    assert code == 0 and {r["status"] for r in rows.values()} == {"ok"}

    paths = {r.n: dest / relative_path(m, r) for r in m.references}
    paths[1].unlink()  # missing
    with open(paths[2], "ab") as fh:  # still the paper, different bytes
        fh.write(b"\n% a reader's annotation\n")
    paths[3].write_bytes(b"<html><body>Access denied</body></html>")  # not a PDF
    paths[4].write_bytes(make_pdf("Some Other Paper Entirely", ["Z"]))  # wrong paper
    (dest / "stray.pdf").write_bytes(pdf_for(m.references[0]))  # extra
    (dest / "01-basics" / "x.pdf.part").write_bytes(b"%PDF-1.4 partial")  # partial
    code, rows = _verify(runner, small_manifest, dest)
    assert code == 1
    assert rows[1]["status"] == "missing"
    assert rows[2]["status"] == "modified" and "differ from the lock" in rows[2]["detail"]
    assert rows[3]["status"] == "not-a-pdf" and "HTML page" in rows[3]["detail"]
    assert rows[4]["status"] == "wrong-paper"
    assert "expected 'A Technical Report'" in rows[4]["detail"]
    assert rows[str(dest / "stray.pdf")]["status"] == "extra"
    assert rows[str(dest / "01-basics" / "x.pdf.part")]["status"] == "partial"


def test_unreadable_and_encrypted(runner, library, small_manifest) -> None:
    m, dest = library
    p1, p2 = (dest / relative_path(m, r) for r in m.references[:2])
    p1.write_bytes(pdf_for(m.references[0])[:-300])  # cut short: no %%EOF
    p2.write_bytes(_encrypted(m.references[1].title))
    code, rows = _verify(runner, small_manifest, dest)
    assert code == 1
    assert rows[1]["status"] == "unreadable" and "truncated" in rows[1]["detail"]
    assert rows[2]["status"] == "unreadable" and "encrypted" in rows[2]["detail"]


def test_aes_encrypted_papers_open_and_password_protected_ones_are_named(
        runner, tmp_path, real_manifest) -> None:
    """Publishers often 'encrypt' with AES and an empty password: such a paper must import;
    one that needs a password is reported as such."""
    ref = real_manifest.find("13")
    (tmp_path / "aes.pdf").write_bytes(_encrypted(ref.title, ref.authors, "", "AES-256"))
    (tmp_path / "locked.pdf").write_bytes(_encrypted(ref.title, ref.authors, "pw", "AES-128"))
    _, rows = _import(runner, str(tmp_path / "aes.pdf"), str(tmp_path / "locked.pdf"),
                      "--dest", str(tmp_path / "lib"))
    assert [r["status"] for r in rows] == ["imported", "unreadable"], rows
    assert "encrypted with a password" in rows[1]["detail"]


def test_a_changed_file_reports_both_facts_and_accept_records_an_annotated_copy(
        runner, library, small_manifest) -> None:
    m, dest = library
    one, two = (dest / relative_path(m, r) for r in m.references[:2])
    # An annotated copy of paper 1: still the paper, other bytes.
    one.write_bytes(annotated(one.read_bytes()))
    # Paper 2 replaced by slides about it.
    two.write_bytes(make_pdf(m.references[1].title, lines=[m.references[1].title, "Slides"],
                             size=(960, 540), pages=12))
    code, rows = _verify(runner, small_manifest, dest)
    assert code == 1
    assert rows[1]["status"] == "modified" and "verify --accept 1" in rows[1]["detail"]
    assert rows[2]["status"] == "wrong-paper"
    assert rows[2]["detail"].startswith("changed since it was filed: sha256 differs from the "
                                        "lock; ")
    assert "landscape" in rows[2]["detail"]
    code, rows = _verify(runner, small_manifest, dest, "--accept", "1")
    assert rows[1]["status"] == "ok" and "accepted" in rows[1]["detail"]
    code, rows = _verify(runner, small_manifest, dest)  # fast mode trusts it from now on
    assert rows[1]["status"] == "ok" and rows[1]["detail"] is None
    assert rows[2]["status"] == "wrong-paper"  # --accept never vouches for another file
    code, rows = _verify(runner, small_manifest, dest, "--accept", "all")
    assert rows[2]["status"] == "wrong-paper" and code == 1


def test_fast_mode_trusts_size_and_time_deep_mode_does_not(runner, library,
                                                           small_manifest) -> None:
    m, dest = library
    path = dest / relative_path(m, m.references[0])
    st = path.stat()
    data = bytearray(path.read_bytes())
    data[-40:] = b" " * 40
    path.write_bytes(bytes(data))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert _verify(runner, small_manifest, dest)[1][1]["status"] == "ok"
    code, rows = _verify(runner, small_manifest, dest, "--deep")
    assert code == 1 and rows[1]["status"] == "unreadable"


def test_verify_fix_refetches_broken_and_keeps_modified(runner, library, small_manifest,
                                                       web) -> None:
    m, dest = library
    paths = {r.n: dest / relative_path(m, r) for r in m.references}
    paths[1].unlink()
    paths[3].write_bytes(b"<html></html>")
    with open(paths[2], "ab") as fh:
        fh.write(b"\n% note\n")
    annotated = paths[2].read_bytes()
    code, rows = _verify(runner, small_manifest, dest, "--fix", *web.mirror_args())
    assert rows[1]["status"] == "ok" and rows[3]["status"] == "ok"
    assert rows[2]["status"] == "modified" and paths[2].read_bytes() == annotated
    assert code == 1  # the modified file still counts as not ok


def test_verify_table_names_the_problem(runner, library, small_manifest) -> None:
    m, dest = library
    (dest / relative_path(m, m.references[3])).unlink()
    (dest / relative_path(m, m.references[2])).write_bytes(b"<html></html>")
    result = runner.invoke(app, ["--manifest", str(small_manifest), "verify", "--dest",
                                 str(dest)])
    assert result.exit_code == 1
    out = " ".join(result.stdout.split())
    assert "2 ok, 1 not-a-pdf, 1 missing" in out
    assert ("3. Third Paper, Ünïcode Title — not-a-pdf changed since it was filed: sha256 "
            "differs from the lock; not a PDF: expected '%PDF-'") in out


# ---------------------------------------------------------------- list and stats


def test_list_and_stats_show_the_library(runner, library, small_manifest,
                                         monkeypatch) -> None:
    m, dest = library
    (dest / relative_path(m, m.references[1])).unlink()
    rows = json.loads(runner.invoke(app, ["--manifest", str(small_manifest), "list",
                                          "--dest", str(dest), "--json"]).stdout)
    assert [r["status"] for r in rows] == ["ok", "missing", "ok", "ok"]
    table = runner.invoke(app, ["--manifest", str(small_manifest), "list", "--dest",
                                str(dest)]).stdout
    assert "On disk" in table and "missing" in table
    data = json.loads(runner.invoke(app, ["--manifest", str(small_manifest), "stats",
                                          "--dest", str(dest), "--json"]).stdout)
    lock = LockFile(dest).load()
    assert data["library"]["present"] == 3 and data["library"]["missing"] == 1
    assert data["library"]["bytes"] == sum(e.bytes for k, e in lock.entries.items()
                                           if k != "gamma2021second")
    # Without --dest, ./papers is described when it exists.
    monkeypatch.chdir(dest.parent)
    dest.rename(dest.parent / "papers")
    text = runner.invoke(app, ["--manifest", str(small_manifest), "stats"]).stdout
    assert "Library papers: 3 of 4 present and verified" in text


def test_list_without_a_library_has_no_status(runner, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    rows = json.loads(runner.invoke(app, ["list", "--json"]).stdout)
    assert "status" not in rows[0]


# ---------------------------------------------------------------- import


@pytest.fixture
def downloads(tmp_path, real_manifest) -> Path:
    """All 32 papers under messy names, in nested folders, with decoys among them."""
    d = tmp_path / "Downloads"
    (d / "old" / "older").mkdir(parents=True)
    for ref in real_manifest.references:
        sub = ["", "old", "old/older"][ref.n % 3]
        if ref.n % 3 == 0 and ref.arxiv:
            name, body = f"{ref.arxiv}v2.pdf", pdf_for(ref, stamp=True)
        elif ref.n % 3 == 1:
            name = f"NIPS-{ref.year}-{ref.title[:24].replace(' ', '-')}-Paper.PDF"
            body = make_pdf(ref.title, ref.authors[:4], meta_title=ref.title)
        else:
            name, body = f"download ({ref.n}).pdf", pdf_for(ref, stamp=False)
        (d / sub / name).write_bytes(body)
    (d / "Video Diffusion Models.pdf").write_bytes(
        make_pdf("Video Diffusion Models", ["Jonathan Ho", "Tim Salimans"]))
    (d / "lying.pdf").write_bytes(make_pdf("Deep Residual Learning for Image Recognition",
                                           ["Kaiming He"], meta_title="Attention Is All You Need"))
    (d / "empty.pdf").write_bytes(b"")
    (d / "scan.pdf").write_bytes(make_pdf("", [], body=""))
    (d / "blocked.pdf").write_bytes(b"<!DOCTYPE html><html><body>Access denied</body></html>")
    (d / "locked.pdf").write_bytes(_encrypted("Attention Is All You Need"))
    (d / "notes.txt").write_text("not a pdf, not even named like one")
    return d


def _import(runner, *args: str):
    result = runner.invoke(app, ["import", *args, "--json"])
    return result.exit_code, json.loads(result.stdout) if result.stdout.strip() else result


def test_import_a_messy_folder(runner, downloads, tmp_path, real_manifest) -> None:
    dest = tmp_path / "papers"
    before = {p: p.read_bytes() for p in downloads.rglob("*") if p.is_file()}
    started = time.monotonic()
    code, rows = _import(runner, str(downloads), "--dest", str(dest))
    took = time.monotonic() - started
    assert code == 0
    by_input = {Path(r["input"]).name: r for r in rows}
    imported = [r for r in rows if r["status"] == "imported"]
    assert sorted(r["n"] for r in imported) == list(range(1, 33))
    # A metadata title ranks copies but never identifies one: stamp or title did.
    assert {r["method"] for r in imported} == {"arxiv-stamp", "title"}
    assert by_input["Video Diffusion Models.pdf"]["status"] == "unmatched"
    assert "claims 'Attention Is All You Need'" in by_input["lying.pdf"]["detail"]
    assert by_input["empty.pdf"]["status"] == "not-a-pdf"
    assert by_input["blocked.pdf"]["status"] == "not-a-pdf"
    assert by_input["scan.pdf"]["status"] == "unreadable"
    assert by_input["locked.pdf"]["status"] == "unreadable"
    assert "notes.txt" not in by_input  # folders are searched for *.pdf only
    for ref in real_manifest.references:
        assert (dest / relative_path(real_manifest, ref)).is_file()
    assert len(LockFile(dest).load().entries) == 32
    # The inputs are untouched.
    assert before == {p: p.read_bytes() for p in downloads.rglob("*") if p.is_file()}
    # Everything filed verifies like a download.
    verify = runner.invoke(app, ["verify", "--dest", str(dest), "--deep"])
    assert verify.exit_code == 0, verify.stdout
    assert took < 60


def test_import_never_overwrites_a_verified_file_and_reports_duplicates(
        runner, tmp_path, real_manifest) -> None:
    ref = real_manifest.find("22")
    a, b = tmp_path / "a.pdf", tmp_path / "b.pdf"
    a.write_bytes(pdf_for(ref, stamp=True))
    b.write_bytes(pdf_for(ref, stamp=False))
    dest = tmp_path / "papers"
    code, rows = _import(runner, str(a), str(b), "--dest", str(dest))
    assert code == 0 and [r["status"] for r in rows] == ["imported", "duplicate"]
    assert "better provided by" in rows[1]["detail"]  # the stamped copy, in either order
    target = dest / relative_path(real_manifest, ref)
    digest = hashlib.sha256(target.read_bytes()).hexdigest()
    code, rows = _import(runner, str(b), "--dest", str(dest))
    assert code == 0 and rows[0]["status"] == "present"
    assert hashlib.sha256(target.read_bytes()).hexdigest() == digest


def test_import_move_and_dry_run(runner, tmp_path, real_manifest) -> None:
    ref = real_manifest.find("13")
    src = tmp_path / "1706.03762v7.pdf"
    src.write_bytes(pdf_for(ref))
    dest = tmp_path / "papers"
    code, rows = _import(runner, str(src), "--dest", str(dest), "--dry-run")
    assert code == 0 and rows[0]["status"] == "would-import" and not dest.exists()
    code, rows = _import(runner, str(src), "--dest", str(dest), "--move")
    assert code == 0 and rows[0]["status"] == "moved" and rows[0]["method"] == "arxiv-stamp"
    assert not src.exists()
    assert (dest / relative_path(real_manifest, ref)).read_bytes() == pdf_for(ref)


def test_import_of_a_missing_path_is_a_usage_error(runner, tmp_path) -> None:
    result = runner.invoke(app, ["import", str(tmp_path / "nowhere")])
    assert result.exit_code == 2 and "does not exist" in result.stderr


# ---------------------------------------------------------------- bounded pypdf


def test_a_pdf_reader_that_hangs_is_killed(tmp_path) -> None:
    path = tmp_path / "x.pdf"
    path.write_bytes(make_pdf("X"))
    pool = Pool(size=1, timeout=0.5, argv=[sys.executable, "-c", "import time; time.sleep(60)"])
    started = time.monotonic()
    with pytest.raises(VerificationError, match=r"still reading it after 0\.5 s") as info:
        pool.facts(path)
    assert info.value.kind == "unreadable"
    assert time.monotonic() - started < 5
    assert not pool._all  # the stuck worker was killed and dropped
    pool.close()


def test_a_pdf_reader_that_crashes_is_reported(tmp_path) -> None:
    path = tmp_path / "x.pdf"
    path.write_bytes(make_pdf("X"))
    pool = Pool(size=1, argv=[sys.executable, "-c", "import sys; sys.stdin.readline()"])
    with pytest.raises(VerificationError, match="crashed"):
        pool.facts(path)
    pool.close()


def test_real_workers_are_reused(tmp_path) -> None:
    pool = Pool(size=1)
    for i in range(5):
        path = tmp_path / f"{i}.pdf"
        path.write_bytes(make_pdf(f"Paper {i}", pages=i + 1))
        assert pool.facts(path).pages == i + 1
    assert len(pool._all) == 1
    pool.close()


def test_verify_without_a_library_says_so(runner, tmp_path) -> None:
    result = runner.invoke(app, ["verify", "--dest", str(tmp_path / "none")])
    assert result.exit_code == 2
    assert "there is no library at" in result.stderr
