"""Cold fetch of the 32 references from emulated hosts: sora-refs against the tools
people would use instead, measured side by side in one run.

    python benchmarks/fetch.py [--runs 3] [--scale 0.25] [--latency 0.08] [--bandwidth 4e6]

Seven loopback servers stand in for arXiv, PMLR, NeurIPS, CVF, ECVA, OpenReview
and OpenAI's CDN, each adding ``--latency`` seconds per request and serving at
``--bandwidth`` bytes/s per connection. They serve generated PDFs of the papers
at their real sizes times ``--scale``. Every contender downloads each
reference's first URL from the same servers:

- sora-refs fetch (verifies and files every paper) with --per-host N --delay 0;
- a sequential ``urllib.request.urlretrieve`` loop, what arxiv.py's README suggests now;
- ``curl --parallel --parallel-max N``, one curl per host so that it keeps the same
  per-host limit (no verification, no filing);
- the lower bound the per-host limits allow: per host, its bytes over
  (connections x bandwidth) plus one latency per round of requests; and the
  higher one for clients that fetch each file over a single connection.

Prints medians of ``--runs`` runs and ratios. Needs no network.
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sora_refs.readinglist.manifest import load_manifest  # noqa: E402
from tests.conftest import Web  # noqa: E402
from tests.pdfs import pdf_for  # noqa: E402

# Approximate sizes of the real PDFs (MB), by reference number: most between 0.5 and
# 10 MB, a few far larger (LDM's arXiv copy, Imagen Video and the DALL-E 3 report).
REAL_MB = {1: 1.0, 2: 5.6, 3: 4.5, 4: 8.1, 5: 2.9, 6: 7.8, 7: 9.5, 8: 3.4, 9: 6.0, 10: 21.0,
           11: 13.0, 12: 10.5, 13: 0.6, 14: 6.8, 15: 3.6, 16: 1.4, 17: 1.7, 18: 3.1, 19: 39.0,
           20: 3.9, 21: 3.4, 22: 9.3, 23: 0.9, 24: 6.0, 25: 17.0, 26: 6.9, 27: 2.5, 28: 16.0,
           29: 31.0, 30: 21.0, 31: 5.9, 32: 12.0}


def serve(web: Web, manifest, scale: float, latency: float, bandwidth: float) -> dict[str, int]:
    sizes: dict[str, int] = {}
    for ref in manifest.references:
        size = int(REAL_MB[ref.n] * 1e6 * scale) if ref.n in REAL_MB else 1_000_000
        body = pdf_for(ref, pad_to=size, seed=ref.n)
        url = ref.urls[0]
        web.serve(url, body)
        sizes[url] = len(body)
    for host in web.hosts.values():
        host.latency = latency
        host.bandwidth = int(bandwidth)
    return sizes


def local(web: Web, url: str) -> str:
    parts = urlsplit(url)
    host = web.hosts[f"{parts.scheme}://{parts.netloc}"]
    return host.url + parts.path + (f"?{parts.query}" if parts.query else "")


@dataclass
class Timeline:
    """Where one cold fetch's time went, from the servers' log (the same monotonic
    clock as the launch): what separates a run from the bound, measured every run."""

    first: float     # launch to the first request reaching a server
    host: str        # the host whose last byte came last: the one that decided
    span: float      # that host's first request to its last byte
    requests: int    # requests that host answered (splits included)
    after: float     # the last byte to the process's exit: verify, file, summary, exit


def run_sora(web: Web, dest: Path, per_host: int, jobs: int,
             timelines: list[Timeline] | None = None) -> float:
    """The seconds a cold fetch takes; ``timelines`` gets where they went."""
    cmd = [sys.executable, "-m", "sora_refs", "fetch", "--dest", str(dest), "--delay", "0",
           "--per-host", str(per_host), "--jobs", str(jobs), "--json", *web.mirror_args()]
    logged = len(web.requests())
    launched = time.monotonic()
    start = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT,
                         env=dict(os.environ, NO_COLOR="1"))
    took = time.perf_counter() - start
    ended = time.monotonic()
    if out.returncode != 0:
        raise SystemExit(f"sora-refs failed:\n{out.stderr[-2000:]}")
    if timelines is not None:
        log = web.requests()[logged:]
        last = max(log, key=lambda r: r.end)
        mine = [r for r in log if r.host == last.host]
        timelines.append(Timeline(min(r.start for r in log) - launched, last.host,
                                  last.end - min(r.start for r in mine), len(mine),
                                  ended - last.end))
    return took


def run_sequential(web: Web, urls: list[str], dest: Path) -> float:
    dest.mkdir(parents=True)
    start = time.perf_counter()
    for i, url in enumerate(urls):
        urllib.request.urlretrieve(local(web, url), dest / f"{i}.pdf")
    return time.perf_counter() - start


def run_curl(web: Web, urls: list[str], dest: Path, per_host: int) -> float:
    """curl has no per-host limit, so the same limits mean one curl per host, each
    ``--parallel --parallel-max per_host``, all running at once."""
    dest.mkdir(parents=True)
    by_host: dict[str, list[tuple[int, str]]] = {}
    for i, url in enumerate(urls):
        by_host.setdefault(urlsplit(url).netloc, []).append((i, url))
    start = time.perf_counter()
    procs = []
    for items in by_host.values():
        cmd = ["curl", "--silent", "--no-progress-meter", "--fail", "--parallel",
               "--parallel-immediate",  # open connections at once, not wait to multiplex
               "--parallel-max", str(per_host)]
        for i, url in items:
            cmd += ["-o", str(dest / f"{i}.pdf"), local(web, url)]
        procs.append(subprocess.Popen(cmd))
    if any(p.wait() != 0 for p in procs):
        raise SystemExit("curl failed")
    return time.perf_counter() - start


def aria2_configs(connections: int) -> list[tuple[int, int]]:
    """(-j, -x) pairs whose product is ``connections``: 8 -> (8,1) (4,2) (2,4) (1,8)."""
    return [(connections // x, x) for x in (1, 2, 4, 8) if connections % x == 0
            and connections // x >= 1]


def run_aria2c(web: Web, urls: list[str], dest: Path, jobs: int, split: int,
               per_host: bool) -> float:
    """aria2c with ``-j jobs -x split -s split``; ``per_host``: one aria2c per host (the
    suite's per-host limit, as for curl), else one for all (a global cap)."""
    dest.mkdir(parents=True)
    groups: dict[str, list[tuple[int, str]]] = {}
    for i, url in enumerate(urls):
        groups.setdefault(urlsplit(url).netloc if per_host else "all", []).append((i, url))
    start = time.perf_counter()
    procs = []
    for name, items in groups.items():
        listing = dest / f".{name}.txt"
        listing.write_text("".join(f"{local(web, u)}\n  out={i}.pdf\n" for i, u in items))
        procs.append(subprocess.Popen(
            ["aria2c", "--quiet", "-i", str(listing), "-d", str(dest), "-j", str(jobs),
             "-x", str(split), "-s", str(split), "--min-split-size=1M",
             "--max-connection-per-server", str(split), "--file-allocation=none",
             "--allow-overwrite=true", "--auto-file-renaming=false", "--check-certificate=false",
             "--console-log-level=error", "--summary-interval=0"]))
    if any(p.wait() != 0 for p in procs):
        raise SystemExit("aria2c failed")
    return time.perf_counter() - start


def lower_bound(sizes: dict[str, int], per_host: int, latency: float, bandwidth: float,
                whole_files: bool = False) -> float:
    """The fastest the per-host limits allow: per host, its bytes over (connections x
    bandwidth) plus a latency per round of requests; the slowest host decides.

    ``whole_files``: for a client that fetches each file over one connection (curl,
    urlretrieve), which also cannot beat its largest file over one connection.
    sora-refs splits a large file's tail across idle connections, so only the
    first bound applies to it.
    """
    by_host: dict[str, list[int]] = {}
    for url, size in sizes.items():
        by_host.setdefault(urlsplit(url).netloc, []).append(size)
    bound = 0.0
    for files in by_host.values():
        conns = min(per_host, len(files))
        rounds = math.ceil(len(files) / conns)
        bound = max(bound, sum(files) / (conns * bandwidth) + rounds * latency)
        if whole_files:
            bound = max(bound, max(files) / bandwidth + latency)
    return bound


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--scale", type=float, default=0.25, help="fraction of the real sizes")
    ap.add_argument("--latency", type=float, default=0.08)
    ap.add_argument("--bandwidth", type=float, default=4e6, help="bytes/s per connection")
    ap.add_argument("--per-host", type=int, default=4)
    # Enough for every host to use all its connections: the per-host limits are the
    # only bound, as in the lower bound below.
    ap.add_argument("--jobs", type=int, default=24)
    args = ap.parse_args()

    manifest = load_manifest(ROOT / "refs.yaml")
    web = Web()
    try:
        sizes = serve(web, manifest, args.scale, args.latency, args.bandwidth)
        urls = [r.urls[0] for r in manifest.references]
        results: dict[str, list[float]] = {"sora-refs fetch": [], "sequential urlretrieve": []}
        has_curl = shutil.which("curl") is not None
        if has_curl:
            results["curl --parallel"] = []
        for _ in range(args.runs):
            with tempfile.TemporaryDirectory() as tmp:
                t = Path(tmp)
                results["sora-refs fetch"].append(run_sora(web, t / "sora", args.per_host,
                                                           args.jobs))
                results["sequential urlretrieve"].append(run_sequential(web, urls, t / "seq"))
                if has_curl:
                    results["curl --parallel"].append(run_curl(web, urls, t / "curl",
                                                               args.per_host))
    finally:
        web.stop()

    total = sum(sizes.values())
    bound = lower_bound(sizes, args.per_host, args.latency, args.bandwidth)
    whole = lower_bound(sizes, args.per_host, args.latency, args.bandwidth, whole_files=True)
    sora = statistics.median(results["sora-refs fetch"])
    print(f"32 files, {total / 1e6:.1f} MB, {len({urlsplit(u).netloc for u in urls})} hosts; "
          f"latency {args.latency * 1000:.0f} ms, {args.bandwidth / 1e6:.1f} MB/s per "
          f"connection; --per-host {args.per_host} --jobs {args.jobs}; "
          f"median of {args.runs} runs")
    print(f"{'contender':<26}{'median':>9}   {'sora-refs time / this':>22}")
    for name, values in results.items():
        med = statistics.median(values)
        print(f"{name:<26}{med:>8.2f}s   {sora / med:>21.2f}x")
    print(f"{'per-host lower bound':<26}{bound:>8.2f}s   {sora / bound:>21.2f}x")
    print(f"{'  one connection per file':<26}{whole:>8.2f}s   {sora / whole:>21.2f}x")


if __name__ == "__main__":
    main()
