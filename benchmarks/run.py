"""The benchmark suite: every measurement of issue 6 in one run, one table.

    python benchmarks/run.py            # the full suite (several minutes)
    python benchmarks/run.py --quick    # a tiny configuration (the smoke test uses it)

Needs no network: loopback servers stand in for arXiv and the venue hosts (see
benchmarks/fetch.py for the emulated network). Times are medians of --runs
runs; every ratio is computed from numbers measured in this same run.
"""

from __future__ import annotations

import argparse
import compileall
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(HERE), str(ROOT)]

import fetch as cold  # noqa: E402
import startup  # noqa: E402

from sora_refs.readinglist.manifest import load_manifest  # noqa: E402
from sora_refs.text import plural  # noqa: E402
from tests.conftest import Web  # noqa: E402
from tests.pdfs import make_pdf  # noqa: E402

ENV = dict(os.environ, NO_COLOR="1", COLUMNS="100")


TIME = shutil.which("time") if Path("/usr/bin/time").exists() else None


def sora(args: list[str], manifest: Path | None = None) -> tuple[float, int, int]:
    """Run sora-refs; wall seconds, exit code and peak RSS in kB (0 when unknown).

    The peak comes from GNU time, which starts small: a child forked straight from
    this process would inherit its high-water mark (Linux keeps it across exec).
    It covers the PDF worker processes too, which sora-refs reaps before exiting.
    """
    pre = ["--manifest", str(manifest)] if manifest else []
    argv = [sys.executable, "-m", "sora_refs", *pre, *args]
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as rss:
        if TIME:
            argv = ["/usr/bin/time", "-f", "%M", "-o", rss.name, *argv]
        start = time.perf_counter()
        code = subprocess.run(argv, cwd=ROOT, env=ENV, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL).returncode
        took = time.perf_counter() - start
        text = rss.read().strip().splitlines()
    peak = int(text[-1]) if TIME and text and text[-1].isdigit() else 0
    return took, code, peak


def _timeline_rows(timelines: list[cold.Timeline], sizes: dict[str, int],
                   args: argparse.Namespace) -> list[tuple[str, str, str]]:
    """The host that decided a cold fetch against its share of the bound, and the time
    after its last byte: what separates sora-refs from the bound, beside start-up."""
    host = statistics.mode(t.host for t in timelines)
    mine = [t for t in timelines if t.host == host]
    own = {u: n for u, n in sizes.items() if urlsplit(u).netloc == host}
    bound = cold.lower_bound(own, args.per_host, args.latency, args.bandwidth)
    span = statistics.median(t.span for t in mine)
    return [
        (f"  the host that decides: {host}", f"{span:.2f} s",
         f"first request to last byte, {max(t.requests for t in mine)} requests; "
         f"its bound {bound:.2f} s"),
        ("  after the last byte", f"{statistics.median(t.after for t in timelines):.2f} s",
         "verifying, filing, the summary, exit"),
    ]


def served(web: Web) -> int:
    return sum(r.sent for r in web.requests())


def section_fetch(args: argparse.Namespace, rows: list[tuple[str, str, str]]) -> None:
    manifest = load_manifest(ROOT / "refs.yaml")
    web = Web()
    try:
        sizes = cold.serve(web, manifest, args.scale, args.latency, args.bandwidth)
        urls = [r.urls[0] for r in manifest.references]
        times: dict[str, list[float]] = {"sora": [], "seq": [], "curl": []}
        warm: list[float] = []
        warm_requests = []
        timelines: list[cold.Timeline] = []
        for _ in range(args.runs):
            with tempfile.TemporaryDirectory() as tmp:
                t = Path(tmp)
                times["sora"].append(cold.run_sora(web, t / "sora", args.per_host, args.jobs,
                                                   timelines))
                before = len(web.requests())
                took, _, _ = sora(["fetch", "--dest", str(t / "sora"), *web.mirror_args()])
                warm.append(took)
                warm_requests.append(len(web.requests()) - before)
                times["seq"].append(cold.run_sequential(web, urls, t / "seq"))
                times["curl"].append(cold.run_curl(web, urls, t / "curl", args.per_host))
                if ARIA2:
                    for j, x in cold.aria2_configs(args.per_host):
                        times.setdefault(f"aria2c -j {j} -x {x}", []).append(cold.run_aria2c(
                            web, urls, t / f"aria-{j}-{x}", j, x, per_host=True))
        # Resume: stop a cold fetch once half the bytes are through, then run it again.
        total = sum(sizes.values())
        with tempfile.TemporaryDirectory() as tmp:
            dest = Path(tmp) / "lib"
            start_bytes = served(web)
            cmd = [sys.executable, "-m", "sora_refs", "fetch", "--dest", str(dest),
                   "--delay", "0", "--per-host", str(args.per_host), "--jobs", str(args.jobs),
                   *web.mirror_args()]
            proc = subprocess.Popen(cmd, cwd=ROOT, env=ENV, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL)
            while served(web) - start_bytes < total / 2 and proc.poll() is None:
                time.sleep(0.01)
            proc.send_signal(signal.SIGINT)
            proc.wait(timeout=30)
            subprocess.run(cmd, cwd=ROOT, env=ENV, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, check=True)
            resumed_bytes = served(web) - start_bytes
    finally:
        web.stop()
    bound = cold.lower_bound(sizes, args.per_host, args.latency, args.bandwidth)
    whole = cold.lower_bound(sizes, args.per_host, args.latency, args.bandwidth,
                             whole_files=True)
    s, q, c = (statistics.median(times[k]) for k in ("sora", "seq", "curl"))
    rows += [
        ("cold fetch, 32 papers", f"{s:.2f} s", f"{total / 1e6:.0f} MB from 6 hosts"),
        ("  first request after launch",
         f"{statistics.median(t.first for t in timelines):.2f} s",
         f"fastest {min(t.first for t in timelines):.2f} s"),
        *_timeline_rows(timelines, sizes, args),
        ("  sequential urlretrieve loop", f"{q:.2f} s", ratio(q, s, "sora-refs {r:.1f}x faster")),
        ("  curl --parallel, per host", f"{c:.2f} s",
         ratio(s, c, "sora-refs takes {r:.2f}x its time")),
        *_aria2_rows(times, s, "per host"),
        ("  per-host lower bound", f"{bound:.2f} s",
         ratio(s, bound, "sora-refs takes {r:.2f}x it")),
        ("  the same, one connection per file", f"{whole:.2f} s",
         ratio(s, whole, "sora-refs takes {r:.2f}x it")),
        ("warm re-run (all present)", f"{statistics.median(warm):.2f} s",
         f"{max(warm_requests)} HTTP requests"),
        ("resume after Ctrl-C at half", f"{resumed_bytes / 1e6:.0f} MB",
         f"{resumed_bytes / total:.2f}x the library's size"),
    ]


ARIA2 = shutil.which("aria2c") is not None
# Below this many seconds a ratio is start-up noise (a --quick run): none is printed.
MEANINGFUL = 0.5


def ratio(a: float, b: float, text: str) -> str:
    if min(a, b) < MEANINGFUL:
        return "too short to compare (--quick)"
    return text.format(r=a / b)


def _aria2_rows(times: dict[str, list[float]], s: float, setting: str
                ) -> list[tuple[str, str, str]]:
    """aria2c's best configuration, and the others, beside sora-refs."""
    runs = {k: statistics.median(v) for k, v in times.items() if k.startswith("aria2c")}
    if not runs:
        return [(f"  aria2c, {setting}", "skipped", "aria2c is not installed (apt: aria2)")]
    best = min(runs, key=runs.__getitem__)
    others = ", ".join(f"{k.removeprefix('aria2c ')} {v:.2f} s" for k, v in runs.items()
                       if k != best)
    return [(f"  aria2c, {setting}, best: {best.removeprefix('aria2c ')}", f"{runs[best]:.2f} s",
             ratio(s, runs[best], "sora-refs takes {r:.2f}x its time")),
            ("    its other configurations", "", others)]


def section_eight(args: argparse.Namespace, rows: list[tuple[str, str, str]]) -> None:
    """Issue 21's setting: 8 connections in all, whatever the hosts."""
    manifest = load_manifest(ROOT / "refs.yaml")
    web = Web()
    conns = 8
    try:
        sizes = cold.serve(web, manifest, args.scale, args.latency, args.bandwidth)
        urls = [r.urls[0] for r in manifest.references]
        times: dict[str, list[float]] = {"sora": []}
        for _ in range(args.runs):
            with tempfile.TemporaryDirectory() as tmp:
                t = Path(tmp)
                times["sora"].append(cold.run_sora(web, t / "sora", conns, conns))
                if ARIA2:
                    for j, x in cold.aria2_configs(conns):
                        times.setdefault(f"aria2c -j {j} -x {x}", []).append(cold.run_aria2c(
                            web, urls, t / f"aria-{j}-{x}", j, x, per_host=False))
    finally:
        web.stop()
    s = statistics.median(times["sora"])
    bound = sum(sizes.values()) / (conns * args.bandwidth) + args.latency
    rows += [
        (f"cold fetch, {conns} connections in all", f"{s:.2f} s",
         f"--jobs {conns} --per-host {conns}"),
        *_aria2_rows(times, s, f"{conns} in all"),
        (f"  bound: bytes over {conns} connections", f"{bound:.2f} s",
         ratio(s, bound, "sora-refs takes {r:.2f}x it")),
    ]


def section_init(args: argparse.Namespace, rows: list[tuple[str, str, str]]) -> None:
    """init --from against the loopback arXiv and venue stand-ins (issues 17 and 18):
    requests and seconds, on the Sora page and on a real paper's PDF when ../shared has
    one. With arXiv's 3 s between requests a real run takes about 3 s per request more."""
    import json

    from tests import bibliographies as B
    from tests.arxiv_standin import DECOYS, StandIn, papers_of
    from tests.venue_standins import Venues

    manifest = load_manifest(ROOT / "refs.yaml")
    arxiv, venues = StandIn(papers_of(manifest) + DECOYS), Venues(manifest)
    pdf = ROOT.parent / "shared" / "realpdfs" / "2112.10752.pdf"
    try:
        with tempfile.TemporaryDirectory() as tmp:
            t = Path(tmp)
            page = t / "sora.md"
            page.write_text(B.sora_markdown(manifest), encoding="utf-8")
            sources = [("the Sora page (Markdown)", page)]
            if pdf.exists() and not args.quick:  # its 98 Crossref requests take 20 s
                sources.append(("a real PDF (LDM, 109 references)", pdf))
            for name, source in sources:
                env = dict(ENV, SORA_REFS_CACHE=str(t / f"cache-{source.stem}"))
                start = time.perf_counter()
                out = subprocess.run(
                    [sys.executable, "-m", "sora_refs", "init", str(t / f"{source.stem}.yaml"),
                     "--from", str(source), "--delay", "0", "--json", *arxiv.mirrors(),
                     *venues.mirrors()], cwd=ROOT, env=env, capture_output=True, text=True)
                took = time.perf_counter() - start
                report = json.loads(out.stdout)
                refs = report["references"]
                resolved = sum(r["status"] == "resolved" for r in refs)
                copies = sum(r["venue_copy"] == "found" for r in refs)
                asked = report["requests"]
                rows.append((f"init --from {name}", f"{took:.2f} s",
                             f"{len(refs)} references, {resolved} resolved, {copies} venue "
                             f"copies; {plural(asked, 'arXiv request')} (+{3 * asked} s at "
                             "arXiv's 3 s), "
                             f"{plural(sum(report['venue_requests'].values()), 'index request')}"
                             f", {plural(sum(report['doi_requests'].values()), 'Crossref request')}"
                             " (0.2 s apart, its public limit)"))
    finally:
        arxiv.stop()
        venues.stop()


def section_startup(args: argparse.Namespace, rows: list[tuple[str, str, str]]) -> None:
    times = startup.measure(args.startup_runs)
    base = statistics.median(times["python -c 'import typer'"])
    rows.append(("python -c 'import typer'", f"{base * 1000:.0f} ms", "1.00x"))
    for name in ("sora-refs --help", "sora-refs list", "sora-refs stats",
                 "sora-refs list, first run", "sora-refs stats, first run"):
        med = statistics.median(times[name])
        rows.append((f"  {name}", f"{med * 1000:.0f} ms", f"{med / base:.2f}x import typer"))


def section_memory(args: argparse.Namespace, rows: list[tuple[str, str, str]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        big = args.big_mb * 1_000_000
        m = cold_manifest(t / "m.yaml", 3)
        web = Web()
        try:
            for i, ref in enumerate(load_manifest(m).references):
                size = big if i == 0 else 200_000
                web.serve(ref.urls[0], make_pdf(ref.title, ref.authors, pad_to=size))
            took, code, rss = sora(["fetch", "--dest", str(t / "lib"), *web.mirror_args()], m)
        finally:
            web.stop()
    rows.append((f"peak RSS, fetch with a {args.big_mb} MB file", f"{rss / 1024:.0f} MB",
                 f"exit {code}, {took:.1f} s"))


def cold_manifest(path: Path, count: int) -> Path:
    refs = "\n".join(
        f"  - {{n: {i}, key: p{i}, title: Generated Paper Number {i} About Things, "
        f"authors: [A B], year: {2000 + i % 24}, venue: {['arXiv', 'ICML', 'CVPR'][i % 3]}, "
        f"urls: ['https://fast.example.org/{i}.pdf'], category: c{i % 4}, note: x.}}"
        for i in range(1, count + 1))
    cats = "\n".join(f"  - {{slug: c{j}, en: Category {j}}}" for j in range(4))
    path.write_text(f"categories:\n{cats}\nreferences:\n{refs}\n")
    return path


def section_scale(args: argparse.Namespace, rows: list[tuple[str, str, str]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        for count in args.scale_sizes:
            m = cold_manifest(t / f"m{count}.yaml", count)
            first, _, frss = sora(["list"], m)  # parses the YAML and caches it
            lt, _, lrss = sora(["list"], m)
            st, _, _ = sora(["stats"], m)
            rows.append((f"{count:,} references: list / stats", f"{lt:.2f} / {st:.2f} s",
                         f"first list (parse + cache) {first:.2f} s; peak RSS "
                         f"{frss / 1024:.0f} MB first, {lrss / 1024:.0f} MB after"))
        count = args.fetch_scale
        m = cold_manifest(t / "f.yaml", count)
        web = Web()
        try:
            for ref in load_manifest(m).references:
                web.serve(ref.urls[0], make_pdf(ref.title, ref.authors))
            took, code, rss = sora(["fetch", "--dest", str(t / "lib"), "--per-host", "8",
                                    "--jobs", "8", *web.mirror_args()], m)
        finally:
            web.stop()
        rows.append((f"fetch {count:,} tiny papers, one host", f"{took:.1f} s",
                     f"{count / took:.0f} files/s, peak RSS {rss / 1024:.0f} MB, exit {code}"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="tiny sizes, one run: a smoke test")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--only", choices=["fetch", "eight", "init", "startup", "memory", "scale"],
                    help="run one section")
    ap.add_argument("--scale", type=float, default=1.0,
                    help="paper sizes as a fraction of the real ones (0.2: issue 21's 59 MB)")
    args = ap.parse_args()
    args.latency, args.bandwidth, args.per_host, args.jobs = 0.08, 4e6, 4, 24
    args.startup_runs, args.big_mb = 11, 500
    args.scale_sizes, args.fetch_scale = [2000, 10000], 2000
    if args.quick:
        args.runs, args.scale, args.startup_runs, args.big_mb = 1, 0.002, 1, 2
        args.latency, args.bandwidth = 0.0, 1e9
        args.scale_sizes, args.fetch_scale = [50], 20

    # Every module compiled, as `pip install` leaves them: where PYTHONDONTWRITEBYTECODE
    # is set (as on some CI machines), each run measured would otherwise compile
    # sora-refs from source, and the start-up figures would time the compiler.
    compileall.compile_dir(ROOT / "sora_refs", quiet=1)
    rows: list[tuple[str, str, str]] = []
    sections = {"fetch": section_fetch, "eight": section_eight, "init": section_init,
                "startup": section_startup,
                "memory": section_memory, "scale": section_scale}
    for name, section in sections.items():
        if args.only in (None, name):
            section(args, rows)
    print(f"sora-refs benchmarks — {platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}; latency {args.latency * 1000:.0f} ms, "
          f"{args.bandwidth / 1e6:.0f} MB/s per connection, --per-host {args.per_host} "
          f"--jobs {args.jobs}; medians of {args.runs} runs")
    width = max(len(r[0]) for r in rows)
    for name, value, note in rows:
        print(f"{name:<{width}}  {value:>12}  {note}")


if __name__ == "__main__":
    main()
