"""Start-up time of the reading commands against a bare ``import typer``.

Run after the README's install: ``python benchmarks/startup.py [--runs N]``.
Every command runs N times, interleaved so that machine noise hits all of them
alike; the table shows medians and each median's ratio to ``import typer``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

COMMANDS = {
    "python -c 'import typer'": [sys.executable, "-c", "import typer"],
    "sora-refs --help": [sys.executable, "-m", "sora_refs", "--help"],
    "sora-refs list": [sys.executable, "-m", "sora_refs", "list"],
    "sora-refs stats": [sys.executable, "-m", "sora_refs", "stats"],
    "sora-refs list --json": [sys.executable, "-m", "sora_refs", "list", "--json"],
}


def measure(runs: int) -> dict[str, list[float]]:
    env = dict(os.environ, NO_COLOR="1", COLUMNS="100")
    times: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for _ in range(runs):
        for name, argv in COMMANDS.items():
            start = time.perf_counter()
            subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           env=env, check=True)
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
