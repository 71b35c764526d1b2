"""Start-up time of the reading commands against a bare ``import typer``.

Run after the README's install: ``python benchmarks/startup.py [--runs N]``.
Every command runs N times, interleaved so that machine noise hits all of them
alike; the table shows medians and each median's ratio to ``import typer``.

Measured as a user's install runs: with bytecode (pip compiles it at install;
``PYTHONDONTWRITEBYTECODE``, set on some machines, would make an editable
checkout recompile every module on every start) and after one untimed run that
writes the manifest cache. "first run" rows give each run an empty cache: the
start right after an install or after editing the manifest.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

SORA = [sys.executable, "-m", "sora_refs"]
COMMANDS = {
    "python -c 'import typer'": [sys.executable, "-c", "import typer"],
    "sora-refs --help": [*SORA, "--help"],
    "sora-refs list": [*SORA, "list"],
    "sora-refs stats": [*SORA, "stats"],
    "sora-refs list --json": [*SORA, "list", "--json"],
    "sora-refs list, first run": [*SORA, "list"],
    "sora-refs stats, first run": [*SORA, "stats"],
}


def measure(runs: int) -> dict[str, list[float]]:
    env = dict(os.environ, NO_COLOR="1", COLUMNS="100")
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    times: dict[str, list[float]] = {name: [] for name in COMMANDS}
    with tempfile.TemporaryDirectory() as tmp:
        env["SORA_REFS_CACHE"] = os.path.join(tmp, "cache")
        for argv in COMMANDS.values():  # writes bytecode and the cache, untimed
            subprocess.run(argv, stdout=subprocess.DEVNULL, env=env, check=True)
        for k in range(runs):
            for name, argv in COMMANDS.items():
                run_env = env
                if name.endswith("first run"):
                    run_env = dict(env, SORA_REFS_CACHE=os.path.join(tmp, f"empty-{name}-{k}"))
                start = time.perf_counter()
                subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               env=run_env, check=True)
                times[name].append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    times = measure(args.runs)
    base = statistics.median(times["python -c 'import typer'"])
    print(f"{'command':<28}{'median':>10}{'ratio':>8}   (n={args.runs} each)")
    for name, values in times.items():
        med = statistics.median(values)
        print(f"{name:<28}{med * 1000:>8.0f} ms{med / base:>7.2f}x")


if __name__ == "__main__":
    main()
