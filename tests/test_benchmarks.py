"""The benchmark scripts still run (on a tiny configuration), so they do not rot."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT, subprocess_env


def test_startup_benchmark_runs() -> None:
    out = subprocess.run([sys.executable, "benchmarks/startup.py", "--runs", "1"],
                         capture_output=True, text=True, timeout=120, cwd=ROOT,
                         env=subprocess_env())
    assert out.returncode == 0, out.stderr
    assert "sora-refs list" in out.stdout and "1.00x" in out.stdout


def test_fetch_benchmark_runs() -> None:
    out = subprocess.run([sys.executable, "benchmarks/fetch.py", "--runs", "1", "--scale",
                          "0.002", "--latency", "0", "--bandwidth", "1e9"],
                         capture_output=True, text=True, timeout=120, cwd=ROOT,
                         env=subprocess_env())
    assert out.returncode == 0, out.stderr
    assert "sora-refs fetch" in out.stdout and "per-host lower bound" in out.stdout
