"""Hostile and odd inputs, rebuilt the way the round-2 attack made them (issue 20):
each ends in a clear message and an exit code, never an internal error, and nothing
on disk is lost."""

from __future__ import annotations

import gzip
import io
import json
import os
import tarfile
from pathlib import Path

import pytest

from sora_refs.bibliography.source import eprint_document
from sora_refs.cli import app
from sora_refs.library import importer
from sora_refs.readinglist.manifest import load_manifest
from tests import bibliographies as B
from tests.conftest import SMALL_MANIFEST
from tests.httpserver import Host


def test_a_5000_digit_number_is_a_manifest_problem(runner, tmp_path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(SMALL_MANIFEST.replace("  - n: 1\n", "  - n: " + "9" * 5000 + "\n"))
    result = runner.invoke(app, ["-m", str(path), "list"])
    assert result.exit_code == 2, result.output
    assert "a number 5000 characters long" in result.output
    assert "Internal error" not in result.output


def test_an_endless_or_huge_manifest_is_refused_before_it_is_read(runner, tmp_path) -> None:
    sparse = tmp_path / "sparse.yaml"
    with open(sparse, "wb") as fh:
        fh.truncate(1 << 30)  # 1 GB that takes no disk: read whole, it took 3 GB of memory
    targets = [sparse] + ([Path("/dev/zero")] if Path("/dev/zero").exists() else [])
    for target in targets:
        result = runner.invoke(app, ["-m", str(target), "list"])
        assert result.exit_code == 2, result.output
        assert "larger than 64 MB" in result.output


def test_init_writes_any_title_as_a_list_that_loads(runner, tmp_path) -> None:
    for i, title in enumerate(['Notes on C:\\Users\\me', 'a "quoted" [/b] title: yes',
                               "# not a comment", "{x: 1}", "null", "2024"]):
        path = tmp_path / f"t{i}.yaml"
        result = runner.invoke(app, ["init", str(path), "--title", title])
        assert result.exit_code == 0, result.output
        assert load_manifest(path).title == title


def test_init_names_a_folder_as_a_folder(runner, tmp_path) -> None:
    result = runner.invoke(app, ["init", str(tmp_path)])
    assert result.exit_code == 2
    assert "is a folder" in result.output and "refs.yaml" in result.output


def _eprint(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


BBL = (b"\\begin{thebibliography}{2}\n"
       b"\\bibitem{a} A. Author. A title of a first paper. In NeurIPS, 2020.\n"
       b"\\bibitem{b} B. Author. Another title of a paper. In ICML, 2019.\n"
       b"\\end{thebibliography}\n")


def test_a_truncated_eprint_keeps_what_it_holds() -> None:
    raw = _eprint({"main.bbl": BBL, "figures.tex": b"x" * 200_000})
    for cut in (1500, 20_000, len(raw) - 1000):  # inside the second member, at the end
        doc = eprint_document(gzip.compress(raw[:cut]))
        assert doc is not None and len(doc.entries) == 2
    assert eprint_document(gzip.compress(raw[:300])) is None  # the header only


def test_an_eprint_member_that_lies_about_its_size_is_skipped() -> None:
    raw = bytearray(_eprint({"main.bbl": BBL}))
    # The header claims 1 MB (octal in the size field) for a 200-byte member.
    raw[124:136] = b"%011o\0" % (1 << 20)
    raw[148:156] = b"        "
    raw[148:156] = b"%06o\0 " % sum(raw[:512])
    assert eprint_document(gzip.compress(bytes(raw))) is None


def test_a_password_in_the_source_url_is_never_written_or_printed(runner, tmp_path,
                                                                  real_manifest) -> None:
    host = Host("pages.example.org")
    try:
        host.add("/sora.html", B.sora_markdown(real_manifest).encode(),
                 content_type="text/markdown")
        url = host.url.replace("http://", "http://reader:s3cret-pass@") + "/sora.html"
        out = tmp_path / "x.yaml"
        result = runner.invoke(app, ["init", str(out), "--from", url, "--delay", "0",
                                     "--mirror", "https://export.arxiv.org=http://127.0.0.1:9"])
        assert result.exit_code == 1, result.output
        assert "s3cret" not in result.output and "s3cret" not in out.read_text()
        assert "reader:" not in out.read_text()
        assert len(load_manifest(out).references) == 32
    finally:
        host.stop()


def test_import_reports_a_folder_it_cannot_read(runner, tmp_path, small_manifest,
                                                monkeypatch) -> None:
    from tests.pdfs import pdf_for

    inbox = tmp_path / "Downloads"
    (inbox / "private").mkdir(parents=True)
    (inbox / "a.pdf").write_bytes(pdf_for(load_manifest(small_manifest).references[0]))
    real_walk = os.walk

    def walk(top, onerror=None, **kw):  # as root, chmod cannot make a folder unreadable
        for root, dirs, files in real_walk(top, onerror=onerror, **kw):
            if Path(root).name == "private":
                onerror(PermissionError(13, "Permission denied", root))
                continue
            yield root, dirs, files

    monkeypatch.setattr(importer.os, "walk", walk)
    result = runner.invoke(app, ["-m", str(small_manifest), "import", str(inbox), "--dest",
                                 str(tmp_path / "lib"), "--json"])
    assert result.exit_code == 1, result.output
    rows = json.loads(result.stdout)
    assert [r["status"] for r in rows] == ["imported", "error"]
    assert rows[1]["input"].endswith("private") and "Permission denied" in rows[1]["detail"]


def test_import_of_a_folder_without_pdfs_says_so(runner, tmp_path, small_manifest) -> None:
    (tmp_path / "empty").mkdir()
    result = runner.invoke(app, ["-m", str(small_manifest), "import", str(tmp_path / "empty")])
    assert result.exit_code == 2
    assert "found no PDF file" in result.output


@pytest.mark.parametrize("n", [1, 2])
def test_counts_read_as_english(runner, tmp_path, small_manifest, n) -> None:
    from tests.pdfs import pdf_for

    inbox = tmp_path / "in"
    inbox.mkdir()
    for ref in load_manifest(small_manifest).references[:n]:
        (inbox / f"{ref.key}.pdf").write_bytes(pdf_for(ref))
    result = runner.invoke(app, ["-m", str(small_manifest), "import", str(inbox), "--dest",
                                 str(tmp_path / "lib")])
    assert ("1 file:" if n == 1 else "2 files:") in result.output


@pytest.mark.parametrize("args", [
    ["init", "{out}", "--from", "2212.09748"],
    ["init", "{out}", "--from", "https://pages.example.org/sora.html"],
    ["check"],
    ["-m", "{mine}", "add", "1706.03762", "-c", "basics"],
])
def test_one_exit_code_rule_offline(runner, tmp_path, args) -> None:
    """Issue 20: offline is a job not done (exit 1) for every command, never bad input."""
    from sora_refs.readinglist.editing import init

    mine = tmp_path / "mine.yaml"
    init(mine)
    dead = []
    for site in ("https://export.arxiv.org", "https://arxiv.org",
                 "https://pages.example.org"):
        dead += ["--mirror", f"{site}=http://127.0.0.1:9"]
    argv = [a.format(out=tmp_path / "new.yaml", mine=mine) for a in args]
    result = runner.invoke(app, [*argv, *dead])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output


def test_a_picture_or_a_table_is_refused_before_any_lookup(runner, tmp_path) -> None:
    """Issue 17: `init --from tree.svg` or a README table was searched on arXiv."""
    svg = tmp_path / "tree.svg"
    assert runner.invoke(app, ["tree", "--svg", str(svg)]).exit_code == 0
    table = tmp_path / "table.md"
    table.write_text("| # | Title | Venue |\n|---|---|---|\n| 1 | Attention | NeurIPS |\n"
                     "| 2 | World Models | arXiv |\n")
    for source in (svg, table):
        out = tmp_path / f"{source.stem}.yaml"
        result = runner.invoke(app, ["init", str(out), "--from", str(source), "--mirror",
                                     "https://export.arxiv.org=http://127.0.0.1:9"])
        assert result.exit_code == 2, result.output
        assert "does not read as a reference list" in result.output
        assert "arXiv API" not in result.output and not out.exists()


def test_offline_every_failure_is_said_once_with_the_import_way_out(runner, tmp_path,
                                                                      small_manifest) -> None:
    """Issue 20: offline, every row printed "failed — — —" before the one diagnosis, and
    the advice never named `import` (what a user on a filtered network can do)."""
    dead = []
    for site in ("https://arxiv.org", "https://papers.example.org", "https://cvf.example.org",
                 "https://cdn.example.com"):
        dead += ["--mirror", f"{site}=http://127.0.0.1:9"]
    result = runner.invoke(app, ["-m", str(small_manifest), "fetch", "--dest",
                                 str(tmp_path / "lib"), *dead])
    assert result.exit_code == 1
    said = " ".join(result.output.split())
    assert "all 4 references failed, nothing was downloaded" in said
    assert "All 4 references:" in said and "failed — —" not in said
    assert "sora-refs import ~/Downloads" in said
