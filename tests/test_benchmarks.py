"""The benchmark scripts still run (on a tiny configuration), so they do not rot."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import ROOT, subprocess_env


def _run(*argv: str) -> str:
    out = subprocess.run([sys.executable, str(ROOT / argv[0]), *argv[1:]],
                         capture_output=True, text=True, timeout=150, env=subprocess_env())
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_startup_benchmark_runs() -> None:
    out = _run("benchmarks/startup.py", "--runs", "1")
    assert "sora-refs list" in out and "1.00x" in out


def test_fetch_benchmark_runs() -> None:
    out = _run("benchmarks/fetch.py", "--runs", "1", "--scale", "0.002", "--latency", "0",
               "--bandwidth", "1e9")
    assert "sora-refs fetch" in out and "per-host lower bound" in out


@pytest.mark.skipif(sys.platform == "win32", reason="uses os.wait4")
@pytest.mark.timeout(150)  # a dozen subprocesses: on a loaded machine more than a minute
def test_the_whole_suite_runs_on_a_tiny_configuration() -> None:
    out = _run("benchmarks/run.py", "--quick")
    for line in ("cold fetch, 32 papers", "warm re-run (all present)", "0 HTTP requests",
                 "resume after Ctrl-C", "sora-refs list", "peak RSS", "references: list / stats",
                 "tiny papers, one host", "8 connections in all", "aria2c",
                 "init --from the Sora page", "the host that decides: ",
                 "after the last byte"):
        assert line in out, line
    # At this size a ratio is noise: none is printed (it used to say "0.0x faster").
    assert "too short to compare" in out and "x faster" not in out and "x it" not in out
