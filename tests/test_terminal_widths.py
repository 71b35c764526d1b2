"""Output uses the width there is, and a pipe or a file is never wrapped (issue 20)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from sora_refs.cli import app
from tests.conftest import subprocess_env

LONGEST = "Align your Latents: High-Resolution Video Synthesis with Latent Diffusion Models"


@pytest.mark.parametrize("width", [60, 80, 120, 200])
def test_fetch_plan_fits_the_terminal_and_uses_it(runner, tmp_path, monkeypatch, width) -> None:
    monkeypatch.setenv("COLUMNS", str(width))
    result = runner.invoke(app, ["fetch", "--dry-run", "--dest", str(tmp_path / "lib")])
    assert result.exit_code == 0, result.output
    table = result.stdout.split("Plan:")[0].splitlines()
    assert max(len(line) for line in table) <= width
    if width >= 200:  # room for every title whole: none is cut
        assert LONGEST in result.stdout and "…" not in "".join(table)
    else:
        assert "…" in "".join(table)  # cut at a word, with an ellipsis, on one line


@pytest.mark.parametrize("width", [80, 200])
def test_list_cuts_no_title_at_200_columns(runner, monkeypatch, width) -> None:
    monkeypatch.setenv("COLUMNS", str(width))
    out = runner.invoke(app, ["list"]).stdout
    assert max(len(line) for line in out.splitlines()) <= width
    if width == 200:
        assert LONGEST in out and "…" not in out


def test_a_pipe_gets_whole_lines(tmp_path) -> None:
    """`sora-refs fetch --dry-run > plan.txt`: paths and URLs on one line each."""
    env = subprocess_env()
    env.pop("COLUMNS")
    out = subprocess.run([sys.executable, "-m", "sora_refs", "fetch", "--dry-run", "--dest",
                          str(tmp_path / "lib")], capture_output=True, text=True, env=env,
                         cwd=tmp_path, timeout=60).stdout
    assert ("01-video-modeling/01-rnn/01-srivastava2015-unsupervised-learning-of-video-"
            "representations.pdf\n") in out
    assert "   try https://proceedings.mlr.press/v37/srivastava15.pdf\n" in out
    assert LONGEST in out
    assert all(line == line.rstrip() for line in out.splitlines())


def test_a_tilde_in_the_environment_is_the_home_folder(runner, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("SORA_REFS_DEST", "~/papers")
    result = runner.invoke(app, ["fetch", "--dry-run", "--json", "13"])
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "~").exists()
    plan = json.loads(result.stdout)
    assert plan[0]["path"].startswith(str(tmp_path / "home" / "papers"))


def test_stats_of_a_category_lists_only_its_blocks(runner) -> None:
    data = json.loads(runner.invoke(app, ["stats", "-c", "diffusion", "--json"]).stdout)
    assert {c["path"] for c in data["categories"]} == {"video-modeling",
                                                       "video-modeling/diffusion", "diffusion"}
    assert all(c["count"] for c in data["categories"])


def test_an_empty_papers_folder_adds_no_column(runner, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "papers").mkdir()
    assert "On disk" not in runner.invoke(app, ["list"]).stdout


@pytest.mark.parametrize(("command", "usage"), [
    ("show", "Usage: sora-refs show [OPTIONS] REF\n"),
    ("fetch", "Usage: sora-refs fetch [OPTIONS] [REF]...\n"),
    ("add", "Usage: sora-refs add [OPTIONS] [ID_OR_DOI]...\n"),
    ("open", "Usage: sora-refs open [OPTIONS] REF\n"),
    ("import", "Usage: sora-refs import [OPTIONS] PATH...\n")])
def test_usage_lines_name_arguments_as_clis_do(runner, command, usage) -> None:
    assert usage in runner.invoke(app, [command, "--help"]).output


@pytest.mark.parametrize(("handle", "n"), [
    ("he", 17), ("wu", 9), ("ha", 3), ("Attention Is All You Need", 13),
    ("attention is all you need", 13), ("https://arxiv.org/abs/1706.03762", 13),
    ("https://arxiv.org/pdf/1706.03762v5", 13), ("arXiv:1706.03762v7", 13),
    ("masked autoencoders", 17), ("https://cdn.openai.com/papers/dall-e-3.pdf", 30),
    ("17", 17), ("he2022masked", 17)])
def test_any_unique_handle_names_a_reference(runner, handle, n) -> None:
    """Issue 20: `show he` and `show "Attention Is All You Need"` were refused."""
    result = runner.invoke(app, ["show", handle, "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["n"] == n
    assert runner.invoke(app, ["fetch", "--dry-run", "--json", handle]).exit_code == 0


@pytest.mark.parametrize(("handle", "says"), [
    ("diffusion", "fits 9 references"), ("ho2", "fits 2 references: 10 (ho2022imagen)"),
    ("99", "No reference '99'"), ("https://arxiv.org/abs/2501.00001", "No reference")])
def test_an_unclear_handle_names_the_candidates(runner, handle, says) -> None:
    result = runner.invoke(app, ["show", handle])
    assert result.exit_code == 2 and says in result.output


def test_a_doi_names_a_reference(runner, tmp_path) -> None:
    from tests.conftest import SMALL_MANIFEST

    path = tmp_path / "m.yaml"
    path.write_text(SMALL_MANIFEST.replace("    note: The first one.",
                                           "    note: The first one.\n    doi: 10.1234/abc.5"))
    for handle in ("10.1234/abc.5", "https://doi.org/10.1234/ABC.5", "doi:10.1234/abc.5"):
        result = runner.invoke(app, ["-m", str(path), "show", handle, "--json"])
        assert result.exit_code == 0 and json.loads(result.stdout)["n"] == 1, handle
