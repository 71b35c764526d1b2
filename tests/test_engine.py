"""The engine's parts on their own: names, mirrors, retries, interrupts."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
import time
from email.utils import formatdate
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sora_refs.errors import UsageError
from sora_refs.library.fetch import candidate_urls, fetch, make_plans
from sora_refs.library.layout import LOCK_NAME, inside, relative_path
from sora_refs.net.classify import content_range as _content_range
from sora_refs.net.classify import retry_after as _retry_after
from sora_refs.net.download import Options
from sora_refs.net.mirrors import parse_mirrors, rewrite
from sora_refs.readinglist.manifest import load_manifest
from sora_refs.text import slugify
from tests.conftest import ROOT, numbered_manifest, subprocess_env
from tests.pdfs import make_pdf, pdf_for

# ---------------------------------------------------------------- names


@given(st.text(max_size=300))
def test_slugs_are_portable_whatever_the_title(text: str) -> None:
    slug = slugify(text, 48)
    assert 0 < len(slug) <= 48
    assert slug.isascii()
    assert all(c.isalnum() or c == "-" for c in slug)
    assert not slug.startswith("-") and not slug.endswith("-")
    assert slug not in {"con", "prn", "aux", "nul", "com1", "lpt1"}


def test_layout_follows_the_mind_map(real_manifest) -> None:
    m = real_manifest
    paths = {r.n: relative_path(m, r).as_posix() for r in m.references}
    assert paths[1] == ("01-video-modeling/01-rnn/01-srivastava2015-unsupervised-learning-of-"
                        "video-representations.pdf")
    assert paths[9] == ("01-video-modeling/03-autoregressive-transformers/09-wu2022-nuwa-visual-"
                        "synthesis-pre-training-for-neural.pdf")
    assert paths[21].startswith("04-diffusion/21-sohldickstein2015-")
    assert len(set(paths.values())) == 32
    assert all(len(p) < 140 and p.isascii() for p in paths.values())


def test_inside_refuses_escapes(tmp_path: Path) -> None:
    assert inside(tmp_path, Path("a/b.pdf")) == (tmp_path / "a/b.pdf").resolve()
    with pytest.raises(Exception, match="outside the destination"):
        inside(tmp_path, Path("../x.pdf"))


# ---------------------------------------------------------------- mirrors


def test_mirror_rewriting() -> None:
    mirrors = parse_mirrors(["https://arxiv.org=http://127.0.0.1:9/ax",
                             "https://arxiv.org/pdf=http://10.0.0.1/pdfs"])
    assert rewrite("https://arxiv.org/pdf/1706.03762", mirrors) == "http://10.0.0.1/pdfs/1706.03762"
    assert rewrite("https://arxiv.org/abs/1706.03762", mirrors) == "http://127.0.0.1:9/ax/abs/1706.03762"
    assert rewrite("https://arxiv.org.evil.com/pdf/1", mirrors) == "https://arxiv.org.evil.com/pdf/1"
    assert rewrite("https://openreview.net/pdf?id=x", mirrors) == "https://openreview.net/pdf?id=x"


@pytest.mark.parametrize("spec", ["arxiv.org", "https://arxiv.org=", "=https://x",
                                  "ftp://a=https://b", "https://a=file:///etc"])
def test_bad_mirrors_are_refused(spec: str) -> None:
    with pytest.raises(UsageError):
        parse_mirrors([spec])


def test_candidate_order(real_manifest) -> None:
    ref = real_manifest.find("13")
    assert candidate_urls(ref, "cited")[0].startswith("https://proceedings.neurips.cc/")
    assert candidate_urls(ref, "arxiv")[0] == "https://arxiv.org/pdf/1706.03762"
    assert sorted(candidate_urls(ref, "arxiv")) == sorted(ref.urls)


# ---------------------------------------------------------------- headers


def test_retry_after_forms() -> None:
    assert _retry_after("7") == 7.0
    assert _retry_after(None) is None
    assert _retry_after("soon") is None
    later = _retry_after(formatdate(time.time() + 30, usegmt=True))
    assert later is not None and 28 <= later <= 31
    assert _retry_after(formatdate(time.time() - 30, usegmt=True)) == 0.0


@given(st.integers(0, 10**9), st.integers(0, 10**9))
def test_content_range_parsing(start: int, length: int) -> None:
    end = start + length
    assert _content_range(f"bytes {start}-{end}/{end + 1}") == (start, end + 1)
    assert _content_range(f"bytes {start}-{end}/*") == (start, None)
    assert _content_range("garbage")[0] == -1


# ---------------------------------------------------------------- engine runs


def _run(plans, dest, web, **opts):
    from sora_refs.net.mirrors import parse_mirrors

    mirrors = parse_mirrors([a for a in web.mirror_args() if a != "--mirror"])
    return asyncio.run(fetch(plans, dest, Options(**opts), mirrors))


def _run_failing_host(web, tmp_path: Path, count: int, origin: str, **opts):
    """Fetch ``count`` papers from one host that answers every request with 503."""
    m = load_manifest(numbered_manifest(tmp_path, count, origin + "/{i}.pdf"))
    for ref in m.references:
        web.serve(ref.urls[0], b"", faults=["503"] * 10)
    dest = tmp_path / "lib"
    return _run(make_plans(m, m.references, dest, "cited"), dest, web,
                backoff_base=0.01, per_host=1, **opts)


def test_a_host_that_keeps_failing_is_given_up(web, tmp_path: Path) -> None:
    outcomes = _run_failing_host(web, tmp_path, 5, "https://down.example.org",
                                 attempts=2, host_failures=2)
    assert [o.status for o in outcomes] == ["failed"] * 5
    # Which two URLs use up their attempts first depends on the jittered backoff.
    exhausted = [o for o in outcomes if "gave up after 2 attempts" in o.error]
    skipped = [o for o in outcomes if "gave up on" in o.error]
    assert len(exhausted) == 2 and all("HTTP 503" in o.error for o in exhausted)
    assert len(skipped) == 3
    # Without giving up, 5 URLs x 2 attempts = 10 requests.
    assert len(web.host("https://down.example.org").log) <= 7


def test_disk_errors_fail_the_reference_with_the_reason(web, tmp_path: Path,
                                                        small_manifest: Path) -> None:
    m = load_manifest(small_manifest)
    web.serve_manifest(m)
    dest = tmp_path / "lib"
    plans = make_plans(m, m.references[:1], dest, "cited")
    # A directory where the .part file should go makes every write fail, as a
    # full or read-only disk would.
    part = plans[0].final.with_name(plans[0].final.name + ".part")
    part.mkdir(parents=True)
    outcomes = _run(plans, dest, web, attempts=1)
    assert outcomes[0].status == "failed"
    assert "cannot write" in outcomes[0].error
    assert not plans[0].final.exists()


def test_ctrl_c_stops_fast_keeps_progress_and_resumes(web, tmp_path: Path,
                                                     small_manifest: Path) -> None:
    m = load_manifest(small_manifest)
    slow = {1: 600_000, 2: 600_000, 3: 600_000}
    for ref in m.references:
        body = make_pdf(ref.title, ref.authors, ref.arxiv, pad_to=slow.get(ref.n))
        for url in ref.urls:
            web.serve(url, body)
    for h in web.hosts.values():
        h.bandwidth = 150_000
    web.host("https://cdn.example.com").bandwidth = None  # ref 4 finishes at once
    dest = tmp_path / "lib"
    cmd = [sys.executable, "-m", "sora_refs", "--manifest", str(small_manifest), "fetch",
           "--dest", str(dest), *web.mirror_args()]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=subprocess_env())
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            parts = [p for p in dest.rglob("*.part") if p.stat().st_size > 100_000]
            if len(parts) >= 2 and (dest / LOCK_NAME).exists():
                break
            time.sleep(0.05)
        else:
            pytest.fail("the fetch never got going")
        proc.send_signal(signal.SIGINT)
        sent = time.monotonic()
        out, err = proc.communicate(timeout=10)
        stopped = time.monotonic() - sent
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    assert stopped < 2.0
    assert "Interrupted" in err and "Traceback" not in err
    assert "interrupted" in out
    lock = json.loads((dest / LOCK_NAME).read_text())["entries"]
    assert "omega2023report" in lock
    finished = {p.name for p in dest.rglob("*.pdf")}
    assert finished == {Path(lock[k]["path"]).name for k in lock}
    assert len(list(dest.rglob("*.part"))) >= 2

    for h in web.hosts.values():
        h.bandwidth = None
    before = {h: len(x.log) for h, x in web.hosts.items()}
    rerun = subprocess.run([*cmd, "--json"], capture_output=True, text=True, timeout=60,
                           env=subprocess_env())
    assert rerun.returncode == 0, rerun.stderr
    rows = {r["n"]: r for r in json.loads(rerun.stdout)}
    assert rows[4]["status"] == "present"
    assert sum(r["status"] == "resumed" for r in rows.values()) >= 2
    new = [r for h, x in web.hosts.items() for r in x.log[before[h]:]]
    assert sum("range" in r.headers for r in new) >= 2
    for ref in m.references:
        assert (dest / relative_path(m, ref)).read_bytes() == make_pdf(
            ref.title, ref.authors, ref.arxiv, pad_to=slow.get(ref.n))
    assert not list(dest.rglob("*.part"))


def test_generated_pdfs_verify_against_their_own_reference_only(real_manifest,
                                                                 tmp_path: Path) -> None:
    from sora_refs.errors import VerificationError
    from sora_refs.pdf.verify import check_facts, read_pdf, verify_file

    refs = real_manifest.references
    for ref in refs:
        path = tmp_path / f"{ref.n}.pdf"
        path.write_bytes(pdf_for(ref, stamp=False))
        assert verify_file(path, ref).method == "title"
        facts = read_pdf(path)  # the same verdicts, without re-reading the file 31 times
        for other in refs:
            if other is not ref:
                with pytest.raises(VerificationError):
                    check_facts(facts, other)


@pytest.mark.skipif(not (ROOT.parent / "shared" / "realpdfs").is_dir(),
                    reason="../shared/realpdfs is not here")
def test_real_pdfs_verify_as_their_paper(real_manifest) -> None:
    from sora_refs.pdf.verify import verify_file

    by_id = {r.arxiv: r for r in real_manifest.references if r.arxiv}
    for pdf in sorted((ROOT.parent / "shared" / "realpdfs").glob("*.pdf")):
        ref = by_id[pdf.stem.split("-")[0]]
        assert verify_file(pdf, ref).pages >= 10


def test_size_cap_and_redirect_limit(web, tmp_path: Path, small_manifest: Path) -> None:
    m = load_manifest(small_manifest)
    web.serve_manifest(m)
    big = make_pdf(m.references[0].title, m.references[0].authors, pad_to=300_000)
    web.serve("https://papers.example.org/alpha.pdf", big)
    web.serve("https://arxiv.org/pdf/1901.00001", b"", faults=["redirect:/pdf/1901.00001"] * 9)
    dest = tmp_path / "lib"
    outcomes = _run(make_plans(m, m.references[:1], dest, "cited"), dest, web,
                    max_bytes=100_000, max_redirects=3, delay=0)
    reasons = outcomes[0].tried
    assert outcomes[0].status == "failed"
    assert "announces 300,0" in reasons[0] and "100,000-byte limit" in reasons[0]
    assert "more than 3 redirects" in reasons[1]
    assert len(web.host("https://arxiv.org").log) == 4
    assert not list(dest.rglob("*.pdf*"))


def test_live_progress_on_a_terminal(runner, web, tmp_path: Path, small_manifest: Path,
                                     monkeypatch) -> None:
    from sora_refs.cli import app

    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.delenv("NO_COLOR")
    web.serve_manifest(load_manifest(small_manifest))
    result = runner.invoke(app, ["--manifest", str(small_manifest), "fetch", "--dest",
                                 str(tmp_path / "lib"), *web.mirror_args()])
    assert result.exit_code == 0, result.output
    assert "4 downloaded" in result.stdout
    assert "\x1b[" in result.stdout  # a terminal gets colour
    assert "[1/4]" not in result.stderr  # and the live display, not log lines


@given(st.lists(st.binary(max_size=300_000), max_size=12), st.integers(0, 12))
def test_writer_keeps_the_body_in_order_and_in_one_piece(chunks: list[bytes],
                                                         fail_at: int) -> None:
    """Batched writes in a thread still give the body, in order, with its hash; a
    failure part-way leaves exactly the bytes received before it."""
    import hashlib
    import io

    from sora_refs.net.parts import PartWriter

    async def run() -> tuple[bytes, str]:
        fh = io.BytesIO()
        h = hashlib.sha256()
        out = PartWriter(fh, h)  # type: ignore[arg-type]
        try:
            for i, chunk in enumerate(chunks):
                if i == fail_at:
                    raise ConnectionError("dropped")
                await out.write(chunk)
            await out.flush()
        except ConnectionError:
            pass
        finally:
            out.settle()
        return fh.getvalue(), h.hexdigest()

    data, digest = asyncio.run(run())
    expected = b"".join(chunks[:fail_at])
    assert data == expected and digest == hashlib.sha256(expected).hexdigest()


def test_a_host_failing_many_attempts_in_a_row_is_given_up_early(web, tmp_path: Path) -> None:
    """Retries of many URLs interleave; the host is dropped after N failures in a row,
    not after every URL has used up its own attempts."""
    outcomes = _run_failing_host(web, tmp_path, 6, "https://down.example.org",
                                 attempts=4, host_failures=100, host_streak=5)
    assert [o.status for o in outcomes] == ["failed"] * 6
    assert len(web.host("https://down.example.org").log) == 5  # not 6 URLs x 4 attempts
    (last,) = [o for o in outcomes if "after 5 failed attempts in a row" in o.error]
    assert "HTTP 503" in last.error
    assert sum("skipped: gave up on" in o.error for o in outcomes) >= 1


def test_a_success_ends_the_streak(web, tmp_path: Path) -> None:
    from sora_refs.net.download import Engine
    from sora_refs.net.hosts import Hosts
    from sora_refs.net.transport import Router, async_client

    body = make_pdf("Some Paper")
    for name in ("x", "y"):
        web.serve(f"https://flaky.example.org/{name}.pdf", body, faults=["503", "503"])
    host = web.host("https://flaky.example.org")
    options = Options(attempts=3, backoff_base=0.01, host_streak=3)

    async def both() -> list[int]:
        hosts = Hosts()
        client = async_client(Router(), hosts)
        try:
            engine = Engine(client, options, hosts)
            sizes = []
            for name in ("x", "y"):  # two failures each: 4 in all, never 3 in a row
                got = await engine.download(f"{host.url}/{name}.pdf", tmp_path / f"{name}.pdf",
                                            lambda *_: None)
                sizes.append(got.size)
            return sizes
        finally:
            await client.aclose()

    assert asyncio.run(both()) == [len(body), len(body)]
    assert len(host.log) == 6


def test_urls_skipped_on_a_given_up_host_do_not_wait_for_its_spacing(web, tmp_path) -> None:
    outcomes = _run_failing_host(web, tmp_path, 6, "https://slow.example.org",
                                 attempts=4, host_streak=3, delay=1.0)
    finished = time.monotonic()
    log = web.host("https://slow.example.org").log
    assert len(log) == 3 and [o.status for o in outcomes] == ["failed"] * 6
    # Three skipped URLs would have waited 1 s each for their turn to send nothing.
    assert finished - log[-1].start < 1.0


def test_pdf_readers_start_once_the_first_response_comes(web, tmp_path: Path,
                                                         small_manifest: Path,
                                                         monkeypatch) -> None:
    """The readers (a Python importing pypdf each) would compete with the first
    requests for the CPU: they start when a response is coming in, and a run that
    reaches no server never starts them."""
    from sora_refs.pdf import reader

    seen: list[int] = []
    real_warm = reader.Pool.warm

    def warm(self, count=None) -> None:
        seen.append(len(web.requests()))
        real_warm(self, count)

    monkeypatch.setattr(reader.Pool, "warm", warm)
    m = load_manifest(small_manifest)
    plans = make_plans(m, m.references, tmp_path / "off", "cited")
    origins = {"{0.scheme}://{0.netloc}".format(urlsplit(u)) for r in m.references
               for u in r.urls}
    dead = parse_mirrors([f"{o}=http://127.0.0.1:9" for o in origins])
    out = asyncio.run(fetch(plans, tmp_path / "off", Options(attempts=1), dead))
    assert all(o.status == "failed" for o in out) and seen == []

    web.serve_manifest(m)
    plans = make_plans(m, m.references, tmp_path / "on", "cited")
    out = _run(plans, tmp_path / "on", web)
    assert all(o.status == "downloaded" for o in out)
    assert seen and seen[0] >= 1  # a server had been asked before the first reader started
