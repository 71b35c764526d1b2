"""The engine's deciders on their own, in milliseconds: what an answer means
(classify), when to wait or give up (RetryPolicy), and the fault boundaries."""

from __future__ import annotations

import asyncio
import random
import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sora_refs.net.classify import Action, Sent, classify
from sora_refs.net.hosts import HostGate, HostRule, Hosts, Slots
from sora_refs.net.retry import RetryPolicy
from tests.conftest import subprocess_env

MAX = 1 << 30


def h(**headers: str) -> list[tuple[bytes, bytes]]:
    return [(k.replace("_", "-").encode(), v.encode("latin-1")) for k, v in headers.items()]


# ---------------------------------------------------------------- classify


def test_a_whole_body_is_accepted_with_its_size_and_validator() -> None:
    d = classify(200, h(content_length="1234", etag='"abc"'), Sent(), MAX)
    assert (d.action, d.total, d.validator, d.start) == (Action.ACCEPT, 1234, '"abc"', 0)
    weak = classify(200, h(etag='W/"abc"', last_modified="Mon, 01 Jan 2024 00:00:00 GMT"),
                    Sent(), MAX)
    assert weak.validator == "Mon, 01 Jan 2024 00:00:00 GMT"  # a weak ETag cannot resume


def test_a_resume_of_the_same_file_is_appended() -> None:
    d = classify(206, h(content_range="bytes 100-999/1000", etag='"abc"'), Sent(100, '"abc"'),
                 MAX)
    assert (d.action, d.start, d.total) == (Action.RESUME, 100, 1000)


@pytest.mark.parametrize("status,headers,sent,why", [
    (206, {"content_range": "bytes 0-999/1000", "etag": '"abc"'}, Sent(100, '"abc"'),
     "instead of 100"),
    (206, {"content_range": "bytes 100-999/1000", "etag": '"new"'}, Sent(100, '"abc"'),
     "changed on the server"),
    (206, {"content_range": "bytes 100-999/1000"}, Sent(100, '"abc"'), "changed on the server"),
    (206, {"content_range": "bytes 100-999/1000",
           "last_modified": "Tue, 02 Jan 2024 00:00:00 GMT"},
     Sent(100, "Mon, 01 Jan 2024 00:00:00 GMT"), "changed on the server"),
    (206, {"content_range": "bytes 0-9/10"}, Sent(), "whole file"),
    (416, {}, Sent(100, '"abc"'), "refused the resume range"),
])
def test_a_resume_that_cannot_continue_starts_over(status, headers, sent, why) -> None:
    d = classify(status, h(**headers), sent, MAX)
    assert d.action is Action.RESTART and why in d.reason


def test_a_206_by_date_without_a_date_is_taken() -> None:
    d = classify(206, h(content_range="bytes 5-9/10"), Sent(5, "Mon, 01 Jan 2024 00:00:00 GMT"),
                 MAX)
    assert d.action is Action.RESUME


@pytest.mark.parametrize("status", [408, 425, 429, 500, 502, 503, 504, 599])
def test_transient_statuses_are_retried_with_their_retry_after(status) -> None:
    d = classify(status, h(retry_after="7"), Sent(), MAX)
    assert d.action is Action.RETRY and d.retry_after == 7.0


@pytest.mark.parametrize("status", [301, 400, 401, 403, 404, 410, 451])
def test_the_rest_moves_to_the_next_url(status) -> None:
    assert classify(status, [], Sent(), MAX).action is Action.NEXT


def test_a_body_over_the_limit_is_refused_before_a_byte() -> None:
    d = classify(200, h(content_length=str(MAX + 1)), Sent(), MAX)
    assert d.action is Action.NEXT and "limit" in d.reason


def test_non_ascii_validators_travel_byte_for_byte() -> None:
    raw = '"caf\xc3\xa9"'  # UTF-8 bytes, read as latin-1
    d = classify(200, [(b"etag", raw.encode("latin-1"))], Sent(), MAX)
    assert d.validator == raw and d.validator.encode("latin-1") == b'"caf\xc3\xa9"'


@given(st.integers(100, 599), st.dictionaries(
    st.sampled_from(["content-range", "content-length", "etag", "retry-after",
                     "last-modified"]), st.text(max_size=40)), st.integers(0, 10**6),
    st.one_of(st.none(), st.text(max_size=20)))
def test_classify_never_raises_whatever_the_server_says(status, headers, offset, validator):
    raw = [(k.encode(), v.encode("utf-8")) for k, v in headers.items()]
    d = classify(status, raw, Sent(offset, validator), MAX)
    assert isinstance(d.action, Action)


# ---------------------------------------------------------------- RetryPolicy


def _gate() -> HostGate:
    return HostGate("x.example.org", HostRule(4, 0.0), Slots(4))


def _run(coro):  # HostGate.pause needs a running loop
    return asyncio.run(coro)


def test_backoff_grows_with_jitter_and_a_cap() -> None:
    p = RetryPolicy(backoff_base=1.0, backoff_cap=5.0, rng=random.Random(1))
    waits = [p.backoff(a) for a in range(1, 8)]
    assert 0.5 <= waits[0] <= 1.0 and 1.0 <= waits[1] <= 2.0
    assert all(w <= 5.0 for w in waits) and max(waits) > 2.5


def test_attempts_streaks_and_giving_up_on_a_host() -> None:
    async def go() -> None:
        p = RetryPolicy(attempts=3, host_failures=2, host_streak=99, rng=random.Random(0))
        g = _gate()
        assert p.failed(g, 1, "HTTP 503").wait > 0
        assert not p.failed(g, 2, "HTTP 503").give_up
        v = p.failed(g, 3, "HTTP 503")
        assert "gave up after 3 attempts" in v.give_up and not g.given_up
        p.failed(g, 3, "HTTP 503")
        assert g.given_up == "2 URLs failed; the last: HTTP 503"
        s = RetryPolicy(host_streak=3)
        g2 = _gate()
        s.failed(g2, 1, "x")
        s.failed(g2, 1, "x")
        s.succeeded(g2)  # a success ends the streak
        s.failed(g2, 1, "x")
        s.failed(g2, 1, "x")
        assert not g2.given_up
        assert "in a row" in s.failed(g2, 1, "x").give_up and g2.given_up

    _run(go())


def test_retry_after_short_long_and_too_long() -> None:
    async def go() -> None:
        p = RetryPolicy(retry_after_short=10, retry_after_cap=120)
        g = _gate()
        short = p.failed(g, 1, "HTTP 429", retry_after=3)
        assert short.wait == 3 and not short.defer and g.wait_left() > 2
        long = p.failed(g, 1, "HTTP 429", retry_after=60, deferrable=True)
        assert long.defer and long.wait == 60
        alone = p.failed(g, 1, "HTTP 429", retry_after=60, deferrable=False)
        assert not alone.defer and alone.wait == 60  # no other URL: wait, and say so
        assert "try again later" in p.failed(g, 1, "HTTP 429", retry_after=300).give_up

    _run(go())


def test_offline_is_all_hosts_unreachable_and_none_answering() -> None:
    async def go() -> None:
        hosts = Hosts()
        a, b = hosts.gate("a.example.org"), hosts.gate("b.example.org")
        c = hosts.gate("c.example.org")
        a.unreachable = ("a.example.org", "Name or service not known")
        assert hosts.offline(3) is None  # one host down is that host's problem
        b.unreachable = ("b.example.org", "Connection refused")
        # Two of three down, the third's first request still on its way: a filter
        # that blocks some sites, not an offline machine.
        c.conns.held = 1
        assert hosts.offline(3) is None
        c.conns.held = 0
        c.unreachable = ("c.example.org", "Connection refused")
        # Each reason once, with every host that gave it.
        assert hosts.offline(3) == ("a.example.org: Name or service not known; "
                                    "b.example.org and c.example.org: Connection refused")
        assert a.given_up and hosts.gate("d.example.org").given_up
        other = Hosts()
        x, y = other.gate("x"), other.gate("y")
        x.unreachable, y.answered = ("x", "refused"), True
        assert other.offline(2) is None  # something answered: the network is there

    _run(go())


# ---------------------------------------------------------------- fault boundaries


def test_an_unexpected_error_fails_one_reference_not_the_run(web, tmp_path, small_manifest,
                                                             monkeypatch) -> None:
    from sora_refs.library.fetch import fetch, make_plans
    from sora_refs.net.download import Options
    from sora_refs.net.mirrors import parse_mirrors
    from sora_refs.pdf import verify as verify_mod
    from sora_refs.readinglist.manifest import load_manifest

    m = load_manifest(small_manifest)
    web.serve_manifest(m)
    real = verify_mod.verify_file

    def broken(path, ref):
        if ref.n == 2:
            raise ZeroDivisionError("a bug")
        return real(path, ref)

    monkeypatch.setattr(verify_mod, "verify_file", broken)
    mirrors = parse_mirrors([a for a in web.mirror_args() if a != "--mirror"])
    dest = tmp_path / "lib"
    outcomes = asyncio.run(fetch(make_plans(m, m.references, dest, "cited"), dest,
                                 Options(delay=0), mirrors))
    by_n = {o.ref.n: o for o in outcomes}
    assert by_n[2].status == "failed"
    assert "internal error: ZeroDivisionError: a bug" in by_n[2].error
    assert {by_n[n].status for n in (1, 3, 4)} == {"downloaded"}


def _crash(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    code = ("import sora_refs.cli.base as c, sys\n"
            "def boom(*a, **k): raise RuntimeError('something impossible')\n"
            "import sora_refs.readinglist.stats as s; s.compute = boom\n"
            "sys.argv = ['sora-refs', *sys.argv[1:]]\n"
            "c.main()\n")
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          env=subprocess_env(**env), timeout=60)


def test_the_last_resort_is_one_line_and_exit_70() -> None:
    out = _crash("stats")
    assert out.returncode == 70
    assert out.stderr.startswith("Internal error: RuntimeError: something impossible\n")
    assert "Traceback" not in out.stderr and "SORA_REFS_DEBUG=1" in out.stderr
    debug = _crash("--debug", "stats")
    assert "Traceback" in debug.stderr and "something impossible" in debug.stderr
    env = _crash("stats", SORA_REFS_DEBUG="1")
    assert "Traceback" in env.stderr
