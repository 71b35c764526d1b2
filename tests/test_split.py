"""Idle connections help the largest download on their host with byte ranges."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from sora_refs.library.fetch import fetch, make_plans
from sora_refs.net.download import Options
from sora_refs.net.mirrors import parse_mirrors
from sora_refs.readinglist.manifest import load_manifest
from tests.pdfs import make_pdf

SIZE = 1_500_000
SPLIT = 100_000  # each half at least this, so a 1.5 MB paper is worth splitting
ORIGIN = "https://papers.example.org"


def _setup(web, small_manifest: Path, faults: list[str] | None = None,
           bandwidth: int = 3_000_000):
    m = load_manifest(small_manifest)
    web.serve_manifest(m)
    ref = m.references[0]
    assert ref.urls[0] == f"{ORIGIN}/alpha.pdf"
    body = make_pdf(ref.title, ref.authors, ref.arxiv, pad_to=SIZE)
    web.serve(ref.urls[0], body, faults=faults or [])
    host = web.host(ORIGIN)
    host.bandwidth = bandwidth
    return m, body, host


def _fetch(m, dest: Path, web, seen: list | None = None, **opts):
    mirrors = parse_mirrors([a for a in web.mirror_args() if a != "--mirror"])
    plans = make_plans(m, m.references[:1], dest, "cited")
    return plans[0].final, fetch(plans, dest, Options(**opts), mirrors,
                                 on_fetcher=None if seen is None else seen.append)


def _hidden(dest: Path) -> list[Path]:
    return [p for p in dest.rglob(".*") if ".part" in p.name]


def test_idle_connections_take_the_tail_and_the_file_is_exact(web, tmp_path, small_manifest):
    m, body, host = _setup(web, small_manifest)
    seen: list = []
    final, job = _fetch(m, tmp_path / "lib", web, seen, split_min=SPLIT, per_host=4)
    (outcome,) = asyncio.run(job)
    assert outcome.status == "downloaded", outcome.error
    assert final.read_bytes() == body
    log = host.requests_for("/alpha.pdf")
    # The paper alone used the host's four connections, and never more. (The server
    # may briefly count five: a connection closed at a helper's start is only noticed
    # by its handler at its next write.)
    (gate,) = seen[0].engine.hosts.gates.values()
    assert gate.conns.peak == 4 and host.max_active >= 4
    assert len(log) >= 4 and "range" not in log[0].headers
    # Helpers ask for bounded ranges of the same representation; a helper that is
    # done early takes the end of the longest tail left, so there may be more than 3.
    spans = [tuple(map(int, r.headers["range"][6:].split("-"))) for r in log[1:]]
    assert all(r.headers["if-range"] == log[1].headers["if-range"] for r in log[1:])
    assert all(0 < a < b < len(body) for a, b in spans)
    assert max(b for _, b in spans) == len(body) - 1
    # Nothing is fetched twice beyond what was in flight when a response was cut short.
    assert sum(r.sent for r in log) < len(body) + 4 * 256 * 1024
    assert _hidden(tmp_path / "lib") == []


def test_no_help_for_small_papers_servers_without_ranges_or_one_connection(
        web, tmp_path, small_manifest):
    m, body, host = _setup(web, small_manifest)
    for i, opts in enumerate([{"split_min": SIZE}, {"split_min": 0}, {"per_host": 1}]):
        host.log.clear()
        final, job = _fetch(m, tmp_path / f"lib{i}", web, **{"split_min": SPLIT, **opts})
        assert asyncio.run(job)[0].status == "downloaded"
        assert final.read_bytes() == body and len(host.requests_for("/alpha.pdf")) == 1
    host.ranges = False  # no Accept-Ranges: never asked for a range
    host.log.clear()
    final, job = _fetch(m, tmp_path / "lib-noranges", web, split_min=SPLIT)
    assert asyncio.run(job)[0].status == "downloaded"
    assert final.read_bytes() == body and len(host.requests_for("/alpha.pdf")) == 1


def test_a_helper_that_fails_costs_no_attempt_and_no_bytes(web, tmp_path, small_manifest):
    # The first helper gets the whole body instead of its range, another is cut off.
    m, body, host = _setup(web, small_manifest, faults=["", "ignore-range", "drop"])
    final, job = _fetch(m, tmp_path / "lib", web, split_min=SPLIT, per_host=4, attempts=1)
    (outcome,) = asyncio.run(job)
    assert outcome.status in ("downloaded", "resumed"), outcome.error
    assert final.read_bytes() == body
    log = host.requests_for("/alpha.pdf")
    assert any(r.status == 200 and "range" in r.headers for r in log)  # the helper failed
    # After the failure the download resumed from its own bytes, over one connection.
    assert log[-1].headers["range"].endswith("-") and log[-1].status == 206
    assert _hidden(tmp_path / "lib") == []


def test_cancelled_split_download_keeps_a_clean_prefix_and_resumes(web, tmp_path,
                                                                   small_manifest):
    m, body, host = _setup(web, small_manifest, bandwidth=500_000)
    dest = tmp_path / "lib"

    async def interrupted() -> None:
        _, job = _fetch(m, dest, web, split_min=SPLIT, per_host=4)
        task = asyncio.ensure_future(job)
        while len(host.requests_for("/alpha.pdf")) < 4 or not _hidden(dest):
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.3)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    asyncio.run(interrupted())
    final, job = _fetch(m, dest, web, split_min=SPLIT, per_host=4)
    part = final.with_name(final.name + ".part")
    kept = part.read_bytes()
    assert 0 < len(kept) < SIZE and body.startswith(kept)
    assert _hidden(dest) == []  # helpers' segments went with them
    host.bandwidth = None
    (outcome,) = asyncio.run(job)
    assert outcome.status == "resumed" and final.read_bytes() == body


def test_a_killed_runs_segments_are_cleared(web, tmp_path, small_manifest):
    m, body, _ = _setup(web, small_manifest, bandwidth=0)
    dest = tmp_path / "lib"
    final, job = _fetch(m, dest, web, split_min=SIZE)
    # A killed run leaves its .part, its sidecar and its helpers' hidden segments.
    stale = final.with_name(f".{final.name}.part.700000")
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"left by a killed run")
    final.with_name(final.name + ".part").write_bytes(body[:1000])
    final.with_name(final.name + ".part.json").write_text('{"url": "elsewhere"}')
    assert asyncio.run(job)[0].status == "downloaded"
    assert not stale.exists() and final.read_bytes() == body


@pytest.mark.parametrize("where", ["download", "helper"])
def test_a_disk_error_while_joining(web, tmp_path, small_manifest, monkeypatch, where):
    """The download's own append failing fails that URL, saying why; a helper's
    append failing (it joins its own helpers' segments) only loses that helper."""
    import errno

    from sora_refs.net import parts

    real = parts.append_file
    failed = []

    def append(src: Path, fh, hasher) -> int:
        if (hasher is not None) == (where == "download"):  # only the download hashes
            failed.append(src)
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(src, fh, hasher)

    monkeypatch.setattr(parts, "append_file", append)
    m, body, _ = _setup(web, small_manifest)
    final, job = _fetch(m, tmp_path / "lib", web, split_min=SPLIT, per_host=4)
    (outcome,) = asyncio.run(job)
    if where == "download":
        # Reported as the reason this URL failed; the next URL (arXiv, a small file
        # that needs no helpers here) then delivers the paper.
        (reason,) = outcome.tried
        assert "cannot write" in reason and "No space left on device" in reason
        assert outcome.source.startswith("https://arxiv.org/")
    else:
        assert outcome.status in ("downloaded", "resumed") and final.read_bytes() == body
    # The first helper to finish early splits another helper's tail: there is always
    # a helper with a helper of its own, so both paths really ran.
    assert failed
    assert _hidden(tmp_path / "lib") == []


def test_a_helper_whose_cancellation_is_lost_leaves_no_segment(web, tmp_path,
                                                                 small_manifest, monkeypatch):
    """A download that gives its helpers up cancels them, but a cancellation can be
    lost: anyio swallows one that lands while httpcore connects (agronholm/anyio#1214),
    and the request then returns as if nothing happened. CI saw such a helper finish
    and leave its segment after its download had resumed over one connection. Here
    the third helper fails at once, its download gives the first two up while their
    requests are still out, and those requests then return: a helper given up never
    keeps its file, whatever its task was told."""
    from sora_refs.net import split

    m, body, host = _setup(web, small_manifest, faults=["", "ignore-range"],
                           bandwidth=500_000)
    calls: list[int] = []
    real_init, real_abandon = split.Splitter.__init__, split.Splitter.abandon

    class Late:  # the first two helpers' requests come back a second late
        def __init__(self, client) -> None:
            self._client = client

        def __getattr__(self, name: str):
            return getattr(self._client, name)

        async def send(self, request, **kw):
            calls.append(1)
            if len(calls) <= 2:
                await asyncio.sleep(1.0)
            return await self._client.send(request, **kw)

    def init(self, client, *args, **kw) -> None:
        real_init(self, Late(client), *args, **kw)

    def abandon(self, rng) -> None:
        def lose(r) -> None:  # their tasks never hear of the cancellation
            for h in r.helpers if r is not None else ():
                lose(h.rng)
                h.task = None
        lose(rng)
        real_abandon(self, rng)

    monkeypatch.setattr(split.Splitter, "__init__", init)
    monkeypatch.setattr(split.Splitter, "abandon", abandon)
    final, job = _fetch(m, tmp_path / "lib", web, split_min=SPLIT, per_host=4)

    async def run_and_let_the_lost_finish():
        (outcome,) = await job
        await asyncio.sleep(2.5)  # the late helpers' ranges arrive meanwhile
        return outcome

    outcome = asyncio.run(run_and_let_the_lost_finish())
    assert outcome.status in ("downloaded", "resumed"), outcome.error
    assert final.read_bytes() == body
    ranges = [r.headers.get("range", "") for r in host.requests_for("/alpha.pdf")]
    assert len(calls) >= 3 and sum(not r.endswith("-") for r in ranges if r) >= 3, ranges
    assert _hidden(tmp_path / "lib") == []


def test_no_split_on_the_command_line(runner, web, tmp_path, small_manifest):
    from sora_refs.cli import app

    m, body, host = _setup(web, small_manifest)
    host.bandwidth = 20_000_000  # a 6 MB paper still takes long enough to split
    body = make_pdf(m.references[0].title, m.references[0].authors, m.references[0].arxiv,
                    pad_to=6_000_000)
    web.serve(m.references[0].urls[0], body)
    args = ["--manifest", str(small_manifest), "fetch", "1", *web.mirror_args()]
    split = runner.invoke(app, [*args, "--dest", str(tmp_path / "a")])
    assert split.exit_code == 0, split.output
    assert len(host.requests_for("/alpha.pdf")) > 1
    host.log.clear()
    whole = runner.invoke(app, [*args, "--dest", str(tmp_path / "b"), "--no-split"])
    assert whole.exit_code == 0, whole.output
    assert len(host.requests_for("/alpha.pdf")) == 1
    assert [p.read_bytes() for p in (tmp_path / "a").rglob("*.pdf")] == [body]
    assert [p.read_bytes() for p in (tmp_path / "b").rglob("*.pdf")] == [body]


def test_a_spare_job_helps_the_longest_download_whatever_its_host(web, tmp_path,
                                                                  small_manifest):
    """Under a global --jobs cap, the job a finished paper frees goes to the download
    that will take longest (6 MB at the CVF stand-in), not to the first host's."""
    m = load_manifest(small_manifest)
    web.serve_manifest(m)
    refs = [r for r in m.references if r.n in (1, 3, 4)]  # three hosts, one each
    sizes = {1: SIZE, 3: 4 * SIZE, 4: 60_000}
    for ref in refs:
        web.serve(ref.urls[0], make_pdf(ref.title, ref.authors, ref.arxiv,
                                        pad_to=sizes[ref.n]))
        web.host(ref.urls[0].rsplit("/", 1)[0]).bandwidth = 3_000_000
    # The small paper's host answers late, so that both others are streaming (and
    # watched) when its job comes free, however loaded the machine.
    web.host(refs[2].urls[0].rsplit("/", 1)[0]).latency = 0.2
    mirrors = parse_mirrors([a for a in web.mirror_args() if a != "--mirror"])
    plans = make_plans(m, refs, tmp_path / "lib", "cited")
    out = asyncio.run(fetch(plans, tmp_path / "lib", Options(jobs=3, per_host=3,
                                                             split_min=SPLIT), mirrors))
    assert [o.status for o in out] == ["downloaded"] * 3, [o.error for o in out]
    ranged = [r for r in web.requests() if "range" in r.headers]
    assert ranged, "the freed job helped nobody"
    assert ranged[0].path == "/third.pdf"  # the 6 MB paper's host, not alpha's (first)


# ---------------------------------------------------------------- where to split


@given(left=st.integers(0, 200_000_000), rate=st.floats(1e4, 1e9),
       wait=st.floats(0.0, 5.0), split_min=st.integers(1, 1 << 20))
def test_a_helper_takes_what_makes_both_finish_together(left: int, rate: float,
                                                        wait: float,
                                                        split_min: int) -> None:
    """The helper's share ends when the rest does (its request's round trip paid),
    saves at least that round trip, and is never smaller than the minimum."""
    from sora_refs.net.split import Span

    got = 1 << 20  # a megabyte received over a second: the measured rate is ``rate``
    rng = Span("u", None, "v", Path("p"), got + left, lambda *a: None,  # type: ignore[arg-type]
               got, got + left, since=0.0, wait=wait, first=0)
    share = rng.helper_share(got / rate, split_min)
    assert 0 <= share <= left // 2
    if share:
        w = max(wait, 0.01)
        assert share >= split_min and share / rate >= w * 0.999
        rest, helper = (left - share) / rate, w + share / rate
        assert abs(rest - helper) <= 2 / rate + 1e-9  # together, to a byte or two
    elif left >= 2 * split_min:
        # Not worth it: the share would be under the minimum or save under a round trip.
        best = (left - max(wait, 0.01) * rate) / 2
        assert best < split_min or best / rate < max(wait, 0.01) * 1.001


def test_before_a_rate_is_known_the_size_alone_decides() -> None:
    from sora_refs.net.split import Span

    rng = Span("u", None, "v", Path("p"), 4_000_000, lambda *a: None,  # type: ignore[arg-type]
               0, 4_000_000, since=0.0, wait=0.08, first=0)
    assert rng.helper_share(0.0, SPLIT) == 2_000_000
    assert rng.helper_share(0.0, 2_000_001) == 0  # each piece must be worth a request


@given(spans=st.lists(st.tuples(st.integers(1, 50_000_000), st.floats(1e5, 1e8)),
                      max_size=8),
       wait=st.floats(0.01, 2.0), rate=st.floats(1e5, 1e8), free=st.integers(1, 4),
       placed=st.integers(0, 10_000_000), split_min=st.integers(0, 1 << 20))
def test_the_tails_end_together_at_the_first_moment_all_bytes_can_be_in(
        spans, wait, rate, free, placed, split_min) -> None:
    """By the time found, every byte left has been received, and not a millisecond
    before: connections on their own work all along give ``rate x t``; those that
    came free in time for a share worth a request, ``rate x (t - wait)``; the rest
    only their own bytes, as does an idle one never counted on."""
    from sora_refs.net.split import finish_together

    def received(t: float) -> float:
        got = free * rate * (t - wait)
        for left, r in spans:
            if t <= left / r:
                got += r * t
            elif t < left / r + wait + max(wait, split_min / r):
                got += left
            else:
                got += r * (t - wait)
        return got

    work = placed + sum(left for left, _ in spans)
    t = finish_together(spans, wait, rate, free, placed, split_min)
    if work == 0:
        assert t == 0
        return
    assert received(t) >= work * (1 - 1e-9)
    assert t < 1e-3 or received(t - 1e-3) < work
    # More to receive never ends sooner.
    assert finish_together(spans, wait, rate, free, placed + 1_000_000, split_min) >= t - 1e-6


@given(left=st.integers(1_000_000, 200_000_000), rate=st.floats(1e5, 1e8),
       wait=st.floats(0.01, 1.0))
def test_one_tail_and_one_helper_end_as_the_two_party_split_does(left, rate, wait) -> None:
    """What :meth:`Span.helper_share` alone would give, whenever helping pays at all
    (the tail outlasts the helper's round trip)."""
    from sora_refs.net.split import finish_together

    assume(left / rate > 1.01 * wait)
    t = finish_together([(left, rate)], wait, rate)
    assert t == pytest.approx((left + wait * rate) / (2 * rate), rel=1e-6)


def test_a_helper_takes_no_more_than_it_can_receive_before_the_others_finish() -> None:
    """Three connections to come free one after another: the first takes only what
    it can receive by the time all four can end together, not half the tail, so the
    next ones take shares of their own instead of halving its (a round trip each)."""
    from sora_refs.net.split import Span, finish_together

    mb, wait = 1_000_000, 0.08
    big = Span("u", None, "v", Path("p"), 31 * mb, lambda *a: None,  # type: ignore[arg-type]
               8 * mb, 31 * mb, since=0.0, wait=wait, first=0)
    now = 2.0  # 8 MB in 2 s: 4 MB/s, as the others
    others = [(5 * mb, 4e6), (8 * mb, 4e6)]  # free in 1.25 s and in 2 s
    t = finish_together([(23 * mb, 4e6), *others], wait, 4e6)
    alone = big.helper_share(now, SPLIT)
    share = big.helper_share(now, SPLIT, until=now + t)
    assert 0 < share < alone
    # The helper ends when everyone does, and so does the large file, roughly.
    assert share / 4e6 + wait == pytest.approx(t, abs=1e-6)
    assert (23 * mb - share) / 4e6 > t  # it keeps more: the next helpers take from it
