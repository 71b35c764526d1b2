"""``sora-refs open REF`` (issue 20): the filed PDF in the system's viewer, the paper's page
with --web, the path or address with --print; a paper not on disk says how to get it.
The viewer is a stand-in ``xdg-open`` on PATH that writes down what it was given."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

from sora_refs.cli import app
from sora_refs.readinglist.manifest import load_manifest
from tests.pdfs import pdf_for

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the viewer stand-in is "
                                "an xdg-open script")


@pytest.fixture
def library(runner, small_manifest: Path, tmp_path: Path) -> Path:
    """The small list's first paper, imported into a library (so the lock vouches)."""
    ref = load_manifest(small_manifest).references[0]
    downloads = tmp_path / "Downloads"
    downloads.mkdir()
    (downloads / "paper (1).pdf").write_bytes(pdf_for(ref))
    dest = tmp_path / "lib"
    result = runner.invoke(app, ["--manifest", str(small_manifest), "import",
                                 str(downloads), "--dest", str(dest)])
    assert result.exit_code == 0, result.output
    return dest


@pytest.fixture
def viewer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    bin_dir, seen = tmp_path / "bin", tmp_path / "opened.txt"
    bin_dir.mkdir()
    script = bin_dir / "xdg-open"
    script.write_text(f'#!/bin/sh\nprintf "%s\\n" "$1" >> "{seen}"\n', encoding="utf-8")
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    return seen


def _opened(seen: Path) -> list[str]:
    deadline = time.monotonic() + 10  # the viewer runs on its own, as a real one does
    while time.monotonic() < deadline and not seen.exists():
        time.sleep(0.02)
    time.sleep(0.05)
    return seen.read_text(encoding="utf-8").splitlines()


def _open(runner, manifest: Path, *args: str):
    return runner.invoke(app, ["--manifest", str(manifest), "open", *args])


def test_open_gives_the_filed_pdf_to_the_viewer(runner, small_manifest, library, viewer
                                                ) -> None:
    result = _open(runner, small_manifest, "alpha", "--dest", str(library))
    assert result.exit_code == 0, result.output
    (path,) = _opened(viewer)
    assert Path(path).is_absolute() and Path(path).is_file()
    assert Path(path).is_relative_to(library.absolute()) and path.endswith(".pdf")
    printed = _open(runner, small_manifest, "First Paper", "--dest", str(library), "--print")
    assert printed.exit_code == 0 and printed.stdout == path + "\n"


def test_web_opens_the_papers_page(runner, small_manifest, viewer) -> None:
    result = _open(runner, small_manifest, "https://arxiv.org/abs/1901.00001v3", "--web")
    assert result.exit_code == 0, result.output
    assert _opened(viewer) == ["https://arxiv.org/abs/1901.00001"]


def test_a_paper_not_on_disk_says_how_to_get_it(runner, small_manifest, library, viewer
                                                ) -> None:
    result = _open(runner, small_manifest, "gamma", "--dest", str(library))
    assert result.exit_code == 1
    said = " ".join(result.stderr.split())
    assert "2. gamma2021second is not in" in said
    assert "sora-refs fetch gamma2021second" in said and "open gamma2021second --web" in said
    assert not viewer.exists()


def test_a_link_in_the_library_is_not_followed(runner, small_manifest, library, viewer,
                                               tmp_path) -> None:
    (filed,) = [p for p in library.rglob("*.pdf")]
    outside = tmp_path / "elsewhere.pdf"
    outside.write_bytes(filed.read_bytes())
    filed.unlink()
    filed.symlink_to(outside)
    result = _open(runner, small_manifest, "alpha", "--dest", str(library))
    assert result.exit_code == 1 and "is not in" in result.stderr
    assert not viewer.exists()


def test_a_changed_file_opens_with_a_note(runner, small_manifest, library, viewer) -> None:
    (filed,) = [p for p in library.rglob("*.pdf")]
    filed.write_bytes(filed.read_bytes() + b"\n% edited\n")
    result = _open(runner, small_manifest, "1", "--dest", str(library))
    assert result.exit_code == 0
    assert "not verified yet" in result.stderr and "sora-refs verify" in result.stderr


def test_no_viewer_is_a_clear_error(runner, small_manifest, library, monkeypatch,
                                    tmp_path) -> None:
    empty = tmp_path / "nobin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    result = _open(runner, small_manifest, "alpha", "--dest", str(library))
    assert result.exit_code == 1
    assert "no program to open it was found" in result.stderr
    assert str(library.absolute()) in result.stderr
