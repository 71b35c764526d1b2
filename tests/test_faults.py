"""The engine under attack: one test per hole found by attacking it (issue 11), each
through real loopback servers and the real command line."""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import sora_refs.defaults
from sora_refs.cli import app
from sora_refs.library.layout import LOCK_NAME, RUN_LOCK_NAME, relative_path
from sora_refs.readinglist.manifest import load_manifest
from tests.conftest import Web, numbered_manifest, subprocess_env
from tests.pdfs import make_pdf, pdf_for


def _fetch(runner, web: Web, dest: Path, *args: str, manifest: Path | None = None,
           mirrors: list[str] | None = None):
    pre = ["--manifest", str(manifest)] if manifest else []
    mirror_args = web.mirror_args() if mirrors is None else mirrors
    return runner.invoke(app, [*pre, "fetch", "--dest", str(dest), *mirror_args, *args])


def _row(result) -> dict:
    return json.loads(result.stdout)[0]


def _closed_port() -> int:
    """A loopback port nothing listens on."""
    dead = socket.create_server(("127.0.0.1", 0))
    port = dead.getsockname()[1]
    dead.close()
    return port


# ---------------------------------------------------------------- 1. spliced resume


def test_a_server_ignoring_if_range_never_splices_two_versions(runner, web, tmp_path,
                                                              small_manifest) -> None:
    m = load_manifest(small_manifest)
    ref = m.references[0]
    old = make_pdf(ref.title, ref.authors, pad_to=200_000, seed=1)
    new = make_pdf(ref.title, ref.authors, pad_to=200_000, seed=2)
    # What an interrupted run leaves: the first half of the old version and its sidecar.
    dest = tmp_path / "lib"
    final = dest / relative_path(m, ref)
    final.parent.mkdir(parents=True)
    final.with_name(final.name + ".part").write_bytes(old[:100_000])
    final.with_name(final.name + ".part.json").write_text(json.dumps(
        {"url": ref.urls[0], "validator": '"v1"', "length": len(old)}))
    # Meanwhile the file changed on the server, which ignores If-Range.
    web.serve(ref.urls[0], new, etag='"v2"', faults=["if-range-ignored"])
    result = _fetch(runner, web, dest, "1", "--json", "--no-split", manifest=small_manifest)
    row = _row(result)
    assert row["status"] == "downloaded", row  # started over, not "resumed"
    assert Path(row["path"]).read_bytes() == new
    first = web.host("https://papers.example.org").log[0]
    assert first.headers["if-range"] == '"v1"' and first.status == 206


# ---------------------------------------------------------------- 2. total deadline


def test_a_trickling_body_fails_within_the_rate_window(runner, web, tmp_path,
                                                       small_manifest) -> None:
    m = load_manifest(small_manifest)
    web.serve(m.references[3].urls[0], pdf_for(m.references[3]), faults=["trickle:0.2"])
    started = time.monotonic()
    result = _fetch(runner, web, tmp_path / "lib", "4", "--timeout", "1", "--json",
                    manifest=small_manifest)
    row = _row(result)
    assert row["status"] == "failed" and "too slow" in row["error"], row
    assert time.monotonic() - started < 6


def test_trickling_headers_hit_the_header_deadline(runner, web, tmp_path,
                                                   small_manifest) -> None:
    """Headers sent a byte every 0.3 s (about 30 s in all) are given up on after the
    header deadline (connect + 2 reads: 3 s with --timeout 1); the retry gets the file."""
    m = load_manifest(small_manifest)
    web.serve(m.references[3].urls[0], pdf_for(m.references[3]),
              faults=["trickle-headers:0.3"])
    started = time.monotonic()
    result = _fetch(runner, web, tmp_path / "lib", "4", "--timeout", "1", "--json",
                    manifest=small_manifest)
    row = _row(result)
    assert row["status"] == "downloaded" and row["attempts"] == 2, row
    assert time.monotonic() - started < 8


def test_a_timeout_says_what_ran_out(web, tmp_path) -> None:
    """Issue 20: headers trickling a byte every 0.3 s ended as "no data for 1 s" although
    data kept coming (it was the header deadline); a body that stops is the read
    timeout. Each failure says which."""
    import asyncio

    from sora_refs.library.fetch import fetch, make_plans
    from sora_refs.net.download import Options
    from sora_refs.net.mirrors import parse_mirrors

    manifest = numbered_manifest(tmp_path, 2, "https://venue.example.org/{i}.pdf")
    m = load_manifest(manifest)
    web.serve(m.references[0].urls[0], pdf_for(m.references[0]),
              faults=["trickle-headers:0.3"] * 3)
    web.serve(m.references[1].urls[0], pdf_for(m.references[1]), faults=["stall:5"] * 3)
    mirrors = parse_mirrors([a for a in web.mirror_args() if a != "--mirror"])
    dest = tmp_path / "lib"
    headers, body = asyncio.run(fetch(make_plans(m, m.references, dest, "cited"), dest,
                                      Options(attempts=1, read_timeout=1, connect_timeout=1,
                                              per_host=2), mirrors))
    assert headers.status == "failed" and body.status == "failed"
    assert "no complete answer (status line and headers) within 3 s from " \
           "venue.example.org" in headers.error, headers.error
    assert "no data for" not in headers.error
    assert "no data for 1 s from venue.example.org" in body.error, body.error


# ---------------------------------------------------------------- 3. API bounds


API = "https://export.arxiv.org/api/query"


def test_check_gives_up_on_a_silent_api(runner, web, monkeypatch) -> None:
    monkeypatch.setattr(sora_refs.defaults, "ARXIV_API_DELAY", 0.0)
    monkeypatch.setattr(sora_refs.defaults, "ARXIV_API_RETRIES", 0)
    monkeypatch.setattr(sora_refs.defaults, "API_TIMEOUT", 1.0)
    web.serve(API, b"", faults=["silent:10"])
    started = time.monotonic()
    result = runner.invoke(app, ["check", *web.mirror_args()])
    assert result.exit_code == 1, result.output
    assert "arXiv API" in result.stderr and "Traceback" not in result.output
    assert time.monotonic() - started < 5


def test_check_refuses_a_gzip_bomb(runner, web, monkeypatch) -> None:
    monkeypatch.setattr(sora_refs.defaults, "ARXIV_API_DELAY", 0.0)
    monkeypatch.setattr(sora_refs.defaults, "ARXIV_API_RETRIES", 0)
    monkeypatch.setattr(sora_refs.defaults, "API_MAX_BYTES", 1 << 20)
    bomb = gzip.compress(b"<feed>" + b" " * (64 << 20), compresslevel=9)
    assert len(bomb) < 200_000
    res = web.serve(API, bomb, content_type="application/atom+xml")
    host = web.host("https://export.arxiv.org")
    original = host._server.RequestHandlerClass.end_headers

    def with_encoding(self) -> None:  # the bomb is served as Content-Encoding: gzip
        if self.path.startswith("/api/query"):
            self.send_header("Content-Encoding", "gzip")
        original(self)

    monkeypatch.setattr(host._server.RequestHandlerClass, "end_headers", with_encoding)
    result = runner.invoke(app, ["check", *web.mirror_args()])
    assert result.exit_code == 1, result.output
    assert "more than 1,048,576 bytes" in result.stderr
    assert res.body is bomb


# ---------------------------------------------------------------- 4. proxies


class Socks5:
    """A minimal SOCKS5 proxy (no authentication, CONNECT only) on loopback."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.connects: list[tuple[str, int]] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._one, args=(client,), daemon=True).start()

    def _one(self, client: socket.socket) -> None:
        try:
            _version, methods = client.recv(2)
            client.recv(methods)
            client.sendall(b"\x05\x00")  # no authentication
            head = client.recv(4)
            if head[3] == 1:
                host = socket.inet_ntoa(client.recv(4))
            else:
                host = client.recv(client.recv(1)[0]).decode()
            port = int.from_bytes(client.recv(2), "big")
            self.connects.append((host, port))
            upstream = socket.create_connection((host, port))
            client.sendall(b"\x05\x00\x00\x01" + socket.inet_aton("127.0.0.1") + b"\x00\x00")
        except OSError:
            client.close()
            return
        for a, b in ((client, upstream), (upstream, client)):
            threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(a: socket.socket, b: socket.socket) -> None:
        try:
            while data := a.recv(65536):
                b.sendall(data)
        except OSError:
            pass
        finally:
            for s in (a, b):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        self.sock.close()


def test_a_socks5_proxy_carries_the_downloads(runner, web, tmp_path, small_manifest,
                                              monkeypatch) -> None:
    web.serve_manifest(load_manifest(small_manifest))
    proxy = Socks5()
    try:
        monkeypatch.setenv("ALL_PROXY", f"socks5://127.0.0.1:{proxy.port}")
        result = _fetch(runner, web, tmp_path / "lib", "3", "4", "--json",
                        manifest=small_manifest)
    finally:
        proxy.close()
    assert result.exit_code == 0, result.output
    assert {r["status"] for r in json.loads(result.stdout)} == {"downloaded"}
    assert len(proxy.connects) >= 2


def test_an_unusable_proxy_variable_is_a_clear_usage_error(runner, web, tmp_path,
                                                           small_manifest,
                                                           monkeypatch) -> None:
    web.serve_manifest(load_manifest(small_manifest))
    monkeypatch.setenv("HTTP_PROXY", "gopher://127.0.0.1:70")
    result = _fetch(runner, web, tmp_path / "lib", "3", manifest=small_manifest)
    assert result.exit_code == 2, result.output
    assert "HTTP_PROXY" in result.stderr and "socks5://" in result.stderr
    assert "Traceback" not in result.output


def test_a_dead_proxy_is_named_as_the_proxy(runner, web, tmp_path, small_manifest,
                                            monkeypatch) -> None:
    web.serve_manifest(load_manifest(small_manifest))
    port = _closed_port()
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{port}")
    result = _fetch(runner, web, tmp_path / "lib", "3", "4", "--json",
                    manifest=small_manifest)
    assert result.exit_code == 1
    assert f"through the proxy http://127.0.0.1:{port} (from HTTP_PROXY)" in result.stderr
    assert "No host could be reached" in result.stderr


# ---------------------------------------------------------------- 5. symlinks


def test_a_symlinked_pid_file_is_never_written_through(runner, web, tmp_path,
                                                       small_manifest) -> None:
    web.serve_manifest(load_manifest(small_manifest))
    victim = tmp_path / "important.txt"
    victim.write_text("keep me")
    dest = tmp_path / "lib"
    dest.mkdir()
    (dest / RUN_LOCK_NAME).symlink_to(victim)
    result = _fetch(runner, web, dest, manifest=small_manifest)
    assert result.exit_code != 0 and "symbolic link" in result.stderr
    assert "Traceback" not in result.output
    assert victim.read_text() == "keep me"


def test_a_final_name_linked_to_another_papers_file(runner, web, tmp_path,
                                                    small_manifest) -> None:
    m = load_manifest(small_manifest)
    web.serve_manifest(m)
    dest = tmp_path / "lib"
    assert _fetch(runner, web, dest, "1", manifest=small_manifest).exit_code == 0
    one = dest / relative_path(m, m.references[0])
    before = one.read_bytes()
    two = dest / relative_path(m, m.references[1])
    two.parent.mkdir(parents=True, exist_ok=True)
    two.symlink_to(one)
    result = _fetch(runner, web, dest, "--json", "--delay", "0", manifest=small_manifest)
    assert result.exit_code == 0, result.output
    assert one.read_bytes() == before  # the other paper is untouched
    assert not two.is_symlink() and two.read_bytes() == pdf_for(m.references[1])
    row = {r["n"]: r for r in json.loads(result.stdout)}[2]
    assert "moved it to" in row["note"]
    assert next(p for p in two.parent.iterdir() if ".kept-" in p.name).is_symlink()


def test_a_symlinked_folder_out_of_the_library_fails_only_its_references(
        runner, web, tmp_path, small_manifest) -> None:
    m = load_manifest(small_manifest)
    web.serve_manifest(m)
    dest = tmp_path / "lib"
    outside = tmp_path / "outside"
    outside.mkdir()
    folder = (dest / relative_path(m, m.references[2])).parent  # ref 3's own folder
    folder.parent.mkdir(parents=True, exist_ok=True)
    folder.symlink_to(outside, target_is_directory=True)
    result = _fetch(runner, web, dest, "--json", "--delay", "0", manifest=small_manifest)
    rows = {r["n"]: r for r in json.loads(result.stdout)}
    assert rows[3]["status"] == "failed" and "outside the destination" in rows[3]["error"]
    assert {rows[n]["status"] for n in (1, 2, 4)} == {"downloaded"}
    assert not list(outside.iterdir())
    assert result.exit_code == 1


def test_a_symlinked_part_file_is_not_written_through(runner, web, tmp_path,
                                                      small_manifest) -> None:
    m = load_manifest(small_manifest)
    web.serve_manifest(m)
    dest = tmp_path / "lib"
    victim = tmp_path / "victim.bin"
    victim.write_bytes(b"precious")
    final = dest / relative_path(m, m.references[3])
    final.parent.mkdir(parents=True)
    final.with_name(final.name + ".part").symlink_to(victim)
    result = _fetch(runner, web, dest, "4", "--json", manifest=small_manifest)
    assert _row(result)["status"] == "downloaded", result.output
    assert victim.read_bytes() == b"precious"


# ---------------------------------------------------------------- 6. credentials


def test_mirror_credentials_are_used_but_never_stored_or_printed(runner, web, tmp_path,
                                                                 small_manifest) -> None:
    m = load_manifest(small_manifest)
    web.serve_manifest(m)
    host = web.host("https://cdn.example.com")
    secret_mirror = ["--mirror", f"https://cdn.example.com=http://reader:s3cret@127.0.0.1:"
                                 f"{host.port}"]
    dest = tmp_path / "lib"
    dry = _fetch(runner, web, dest, "4", "--dry-run", "--json", manifest=small_manifest,
                 mirrors=secret_mirror)
    shown = _fetch(runner, web, dest, "4", "--dry-run", manifest=small_manifest,
                   mirrors=secret_mirror)
    result = _fetch(runner, web, dest, "4", "--json", manifest=small_manifest,
                    mirrors=secret_mirror)
    assert _row(result)["status"] == "downloaded"
    assert host.log[-1].headers["authorization"].startswith("Basic ")
    host.resources["/report.pdf"].faults = ["404"]
    failing = _fetch(runner, web, tmp_path / "lib2", "4", manifest=small_manifest,
                     mirrors=secret_mirror)
    for text in (dry.output, shown.output, result.output, failing.output,
                 (dest / LOCK_NAME).read_text()):
        assert "s3cret" not in text and "reader:" not in text
    assert f"127.0.0.1:{host.port}" in _row(result)["url"]


# ---------------------------------------------------------------- 7. terminal escapes


def test_escape_sequences_from_a_pdf_never_reach_the_terminal(runner, web, tmp_path,
                                                              small_manifest) -> None:
    m = load_manifest(small_manifest)
    evil = make_pdf("\x1b]0;owned\x07\x1b[2J Totally Different Paper", ["Mallory"])
    web.serve(m.references[3].urls[0], evil)
    result = _fetch(runner, web, tmp_path / "lib", "4", manifest=small_manifest)
    assert result.exit_code == 1
    assert "Totally Different Paper" in result.output
    assert "\x1b" not in result.output and "\x07" not in result.output


def test_a_manifest_title_with_control_characters_is_refused(runner, tmp_path,
                                                              small_manifest) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(small_manifest.read_text().replace(
        'title: Second Paper About Diffusion', 'title: "Second \\e[31mPaper"'))
    result = runner.invoke(app, ["--manifest", str(bad), "list"])
    assert result.exit_code == 2
    assert "control character" in result.stderr and "\x1b" not in result.output


# ---------------------------------------------------------------- 8. long Retry-After


def test_a_long_retry_after_moves_to_the_next_url_at_once(runner, web, tmp_path,
                                                          small_manifest) -> None:
    m = load_manifest(small_manifest)
    web.serve_manifest(m)
    web.resource(m.references[0].urls[0]).faults = ["429:300"]
    started = time.monotonic()
    result = _fetch(runner, web, tmp_path / "lib", "1", "--json", "--delay", "0",
                    manifest=small_manifest)
    row = _row(result)
    assert row["status"] == "downloaded" and "127.0.0.1" in row["url"]
    assert web.host("https://arxiv.org").log  # the second URL served it
    assert time.monotonic() - started < 5


def test_every_wait_is_announced_in_a_pipe(runner, web, tmp_path, small_manifest) -> None:
    m = load_manifest(small_manifest)
    web.serve_manifest(m)
    web.resource(m.references[3].urls[0]).faults = ["503:1"]
    result = _fetch(runner, web, tmp_path / "lib", "4", manifest=small_manifest)
    assert result.exit_code == 0, result.output
    assert "waiting 1.0 s: cdn.example.com asked to wait" in result.stderr


# ---------------------------------------------------------------- 9. offline


def test_the_systems_cryptic_failures_are_said_in_plain_words() -> None:
    """'[Errno -2] Name or service not known' means nothing to most readers: each
    common failure is said plainly, with the system's words kept for a search."""
    import ssl

    import httpx

    from sora_refs.net.transport import reason

    port = _closed_port()
    with pytest.raises(httpx.ConnectError) as refused:  # a real refusal, from the kernel
        httpx.get(f"http://127.0.0.1:{port}/", timeout=5)
    said = reason(refused.value)
    assert said.startswith("the connection was refused (") and str(refused.value) in said
    dns = socket.gaierror(socket.EAI_NONAME, "Name or service not known")
    assert reason(dns).startswith("the host name did not resolve")
    tls = ssl.SSLCertVerificationError(1, "[SSL: CERTIFICATE_VERIFY_FAILED] certificate "
                                          "verify failed: self-signed certificate")
    assert "SSL_CERT_FILE" in reason(tls)
    odd = RuntimeError("the server spoke Gopher")
    assert reason(odd) == "the server spoke Gopher"  # nothing to translate: as said
    assert reason(RuntimeError()) == "RuntimeError"


def test_references_that_fail_alike_are_named_by_runs_of_numbers(runner, web,
                                                                  tmp_path) -> None:
    """Sixty references without a URL read as '1–3, 5–60', not sixty numbers."""
    path = numbered_manifest(tmp_path, 60, "https://arxiv.org/pdf/2001.{i:05d}")
    text = path.read_text()
    for i in [*range(1, 4), *range(5, 61)]:
        text = text.replace(f"urls: [https://arxiv.org/pdf/2001.{i:05d}]", "urls: []")
    path.write_text(text)
    ref = load_manifest(path).find("4")
    web.serve("https://arxiv.org/pdf/2001.00004", pdf_for(ref))
    result = runner.invoke(app, ["--manifest", str(path), "fetch", "--dest",
                                 str(tmp_path / "lib"), *web.mirror_args()])
    assert result.exit_code == 1, result.output
    assert "59 references: 1–3, 5–60" in result.stdout.replace("\n", " ")


def test_hosts_that_fail_alike_are_named_together(runner, tmp_path) -> None:
    """Every host of the list refused: one reason, said once, with the hosts it
    concerns."""
    port = _closed_port()
    hosts = ["https://arxiv.org", "https://proceedings.mlr.press",
             "https://proceedings.neurips.cc", "https://openaccess.thecvf.com",
             "https://www.ecva.net", "https://cdn.openai.com", "https://openreview.net"]
    mirrors = [a for h in hosts for a in ("--mirror", f"{h}=http://127.0.0.1:{port}")]
    result = runner.invoke(app, ["fetch", "--dest", str(tmp_path / "papers"), *mirrors])
    assert result.exit_code == 1, result.output
    line = next(x for x in result.stderr.splitlines() if "No host could be reached" in x)
    assert line.count("the connection was refused") == 1 and "more:" in line




def test_offline_is_diagnosed_once_within_seconds(runner, tmp_path) -> None:
    """No mirrors: every real host name fails to resolve (the suite blocks them), as on
    a machine without network. The README's own first command, offline."""
    started = time.monotonic()
    result = runner.invoke(app, ["fetch", "--dest", str(tmp_path / "papers")])
    elapsed = time.monotonic() - started
    assert result.exit_code == 1
    assert elapsed < 10
    assert result.stderr.count("No host could be reached") == 1
    assert "HTTPS_PROXY" in result.stderr and "--mirror" in result.stderr
    # Thirty-two references failing for the same reasons are told once, not 32 times.
    assert result.stdout.count("Why they failed") == 1
    assert len(result.stdout.splitlines()) < 140


def test_a_filter_blocking_some_hosts_is_not_offline(runner, web, tmp_path,
                                                     small_manifest) -> None:
    """Two venue hosts refuse connections at once while arXiv is slow to answer: the run
    must wait for arXiv rather than call the machine offline."""
    import asyncio

    from sora_refs.library.fetch import fetch, make_plans
    from sora_refs.net.download import Options
    from sora_refs.net.mirrors import parse_mirrors

    m = load_manifest(small_manifest)
    web.serve_manifest(m)
    web.host("https://arxiv.org").latency = 0.8
    specs = [f"https://arxiv.org={web.host('https://arxiv.org').url}"]
    for origin in ("https://papers.example.org", "https://cvf.example.org",
                   "https://cdn.example.com"):
        specs.append(f"{origin}=http://127.0.0.1:{_closed_port()}")
    dest = tmp_path / "lib"
    outcomes = asyncio.run(fetch(make_plans(m, m.references, dest, "cited"), dest,
                                 Options(delay=0, backoff_base=0.01), parse_mirrors(specs)))
    rows = {o.ref.n: o for o in outcomes}
    assert rows[1].status == rows[2].status == "downloaded", rows
    assert "cannot connect" in rows[3].error and "no host could be reached" not in \
        rows[3].error


# ---------------------------------------------------------------- 10. bad state, signals


def test_a_lock_with_wrong_types_is_reverified_not_a_crash(runner, web, tmp_path,
                                                           small_manifest) -> None:
    m = load_manifest(small_manifest)
    web.serve_manifest(m)
    dest = tmp_path / "lib"
    assert _fetch(runner, web, dest, "4", manifest=small_manifest).exit_code == 0
    lock = json.loads((dest / LOCK_NAME).read_text())
    lock["entries"]["omega2023report"]["pages"] = "many"
    (dest / LOCK_NAME).write_text(json.dumps(lock))
    for args in (["stats", "--dest", str(dest)], ["verify", "--dest", str(dest)],
                 ["list", "--dest", str(dest), "--json"]):
        out = runner.invoke(app, ["--manifest", str(small_manifest), *args])
        assert ("Traceback" not in out.output and out.exception is None) or \
            isinstance(out.exception, SystemExit), args
    rows = json.loads(runner.invoke(app, ["--manifest", str(small_manifest), "list",
                                          "--dest", str(dest), "--json"]).stdout)
    assert rows[3]["status"] == "unverified"
    again = _fetch(runner, web, dest, "4", "--json", manifest=small_manifest)
    assert _row(again)["status"] == "present"  # verified locally and re-recorded


def test_a_deeply_nested_manifest_is_a_clear_error(runner, tmp_path) -> None:
    deep = tmp_path / "deep.yaml"
    deep.write_text("references: " + "[" * 330 + "]" * 330 + "\n")
    result = runner.invoke(app, ["--manifest", str(deep), "list"])
    assert result.exit_code == 2
    assert "Traceback" not in result.output and "Error:" in result.stderr


def test_sigterm_ends_a_fetch_like_ctrl_c(web, tmp_path, small_manifest) -> None:
    m = load_manifest(small_manifest)
    for ref in m.references:
        body = make_pdf(ref.title, ref.authors, ref.arxiv, pad_to=400_000 if ref.n < 4 else None)
        for url in ref.urls:
            web.serve(url, body)
    for h in web.hosts.values():
        h.bandwidth = 100_000
    web.host("https://cdn.example.com").bandwidth = None
    dest = tmp_path / "lib"
    cmd = [sys.executable, "-m", "sora_refs", "--manifest", str(small_manifest), "fetch",
           "--dest", str(dest), "--json", "--delay", "0", *web.mirror_args()]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=subprocess_env())
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if (dest / LOCK_NAME).exists() and list(dest.rglob("*.part")):
                break
            time.sleep(0.05)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    rows = {r["n"]: r["status"] for r in json.loads(out)}
    assert rows[4] == "downloaded" and "interrupted" in rows.values()
    assert "omega2023report" in json.loads((dest / LOCK_NAME).read_text())["entries"]


def test_a_full_disk_keeps_the_outcome_and_says_what_happened(runner, web, tmp_path,
                                                             small_manifest,
                                                             monkeypatch) -> None:
    import errno

    from sora_refs.library import layout as library

    web.serve_manifest(load_manifest(small_manifest))
    real = library.atomic_write

    def full(path: Path, text: str) -> None:
        if path.name == LOCK_NAME:
            real(path.with_name("probe"), "")  # the real code path, then the disk fills
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        real(path, text)

    monkeypatch.setattr(library, "atomic_write", full)
    dest = tmp_path / "lib"
    result = _fetch(runner, web, dest, "4", "--json", manifest=small_manifest)
    assert result.exit_code == 1
    assert _row(result)["status"] == "downloaded"  # the outcome still reaches the person
    assert "No space left on device" in result.stderr
    assert "next run verifies them again" in result.stderr
    assert not list(dest.glob("*.tmp")) and not list(dest.glob(".*.tmp"))


# ---------------------------------------------------------------- 11. users' files


def test_a_users_file_at_a_final_name_is_moved_aside_not_replaced(runner, web, tmp_path,
                                                                  small_manifest) -> None:
    m = load_manifest(small_manifest)
    web.serve_manifest(m)
    dest = tmp_path / "lib"
    final = dest / relative_path(m, m.references[3])
    final.parent.mkdir(parents=True)
    final.write_bytes(b"%PDF-1.4 my scanned copy, no text layer\n%%EOF\n")
    result = _fetch(runner, web, dest, "4", manifest=small_manifest)
    assert result.exit_code == 0, result.output
    kept = [p for p in final.parent.iterdir() if ".kept-" in p.name]
    assert len(kept) == 1 and kept[0].read_bytes().startswith(b"%PDF-1.4 my scanned")
    assert kept[0].name in result.stdout.replace("\n", "")
    assert final.read_bytes() == pdf_for(m.references[3])
    # verify --fix does the same for a file that went bad
    final.write_bytes(b"my notes")
    fixed = runner.invoke(app, ["--manifest", str(small_manifest), "verify", "--fix",
                                "--dest", str(dest), "-c", "basics", *web.mirror_args()])
    assert final.read_bytes() == pdf_for(m.references[3]), fixed.output
    assert any(p.read_bytes() == b"my notes" for p in final.parent.glob("*.kept-*"))


def test_import_move_from_a_read_only_folder_reports_the_filed_copy(runner, tmp_path,
                                                                    small_manifest,
                                                                    monkeypatch) -> None:
    m = load_manifest(small_manifest)
    src = tmp_path / "ro"
    src.mkdir()
    (src / "a.pdf").write_bytes(pdf_for(m.references[3]))
    src.chmod(0o555)
    if os.geteuid() == 0:  # root deletes from read-only folders: refuse as the kernel would
        real = Path.unlink

        def unlink(self: Path, missing_ok: bool = False) -> None:
            if self.parent == src:
                raise PermissionError(13, "Permission denied", str(self))
            real(self, missing_ok)

        monkeypatch.setattr(Path, "unlink", unlink)
    try:
        result = runner.invoke(app, ["--manifest", str(small_manifest), "import", str(src),
                                     "--move", "--dest", str(tmp_path / "lib"), "--json"])
    finally:
        src.chmod(0o755)
    row = json.loads(result.stdout)[0]
    assert row["status"] == "imported" and "left in place" in row["detail"], row
    assert Path(row["path"]).read_bytes() == pdf_for(m.references[3])
    assert (src / "a.pdf").exists()
    assert result.exit_code == 0


# ---------------------------------------------------------------- 12. non-ASCII validators


def test_a_non_ascii_etag_resumes(runner, web, tmp_path, small_manifest) -> None:
    m = load_manifest(small_manifest)
    ref = m.references[3]
    body = make_pdf(ref.title, ref.authors, pad_to=200_000)
    # "café" in UTF-8, as the bytes arrive (http.server sends header text as latin-1).
    web.serve(ref.urls[0], body, etag='"caf\xc3\xa9"', faults=["drop"])
    dest = tmp_path / "lib"
    result = _fetch(runner, web, dest, "4", "--json", "--no-split", manifest=small_manifest)
    row = _row(result)
    assert row["status"] == "resumed", result.output
    assert Path(row["path"]).read_bytes() == body
    # The validator went back byte for byte.
    assert web.host("https://cdn.example.com").log[-1].headers["if-range"] == '"caf\xc3\xa9"'


# ---------------------------------------------------------------- 13. redirects


def test_a_redirect_into_a_private_network_is_refused(runner, web, tmp_path,
                                                      small_manifest) -> None:
    m = load_manifest(small_manifest)
    web.serve_manifest(m)
    web.serve(m.references[3].urls[0], b"",
              faults=["redirect:http://169.254.169.254/latest/meta-data/"])
    result = _fetch(runner, web, tmp_path / "lib", "4", "--json", manifest=small_manifest)
    row = _row(result)
    assert row["status"] == "failed"
    assert "refusing a redirect from cdn.example.com to the private address " \
           "169.254.169.254" in row["error"]


def test_errors_name_the_hop_that_failed(web, tmp_path) -> None:
    import asyncio

    from sora_refs.library.fetch import fetch, make_plans
    from sora_refs.net.download import Options
    from sora_refs.net.mirrors import parse_mirrors

    manifest = numbered_manifest(tmp_path, 1, "https://venue.example.org/{i}.pdf")
    m = load_manifest(manifest)
    web.serve(m.references[0].urls[0], b"",
              faults=["redirect:https://cdn.example.net/1.pdf"] * 5)
    port = _closed_port()
    mirrors = parse_mirrors([a for a in web.mirror_args() if a != "--mirror"]
                            + [f"https://cdn.example.net=http://127.0.0.1:{port}"])
    dest = tmp_path / "lib"
    (outcome,) = asyncio.run(fetch(make_plans(m, m.references, dest, "cited"), dest,
                                   Options(attempts=2, backoff_base=0.01), mirrors))
    assert outcome.status == "failed"
    assert f"cannot connect to cdn.example.net (mirror 127.0.0.1:{port})" in outcome.error
    assert "venue.example.org" in outcome.error  # the URL it was trying


def test_a_host_that_stops_answering_is_named_with_its_cause_and_advice(runner, web,
                                                                        tmp_path) -> None:
    """Issue 20: a stalling arXiv ended, after minutes without a log line, with eleven
    "gave up on arxiv.org earlier in this run (8 attempts in a row failed)" and no cause
    and no advice. Every retry is a log line; the give-up keeps the last cause; the
    advice after the summary says what to do, import included."""
    manifest = numbered_manifest(tmp_path, 4, "https://slow.example.org/{i}.pdf")
    m = load_manifest(manifest)
    for ref in m.references:
        web.serve(ref.urls[0], pdf_for(ref), faults=["silent"] * 8)
    started = time.monotonic()
    result = runner.invoke(app, ["--manifest", str(manifest), "fetch", "--dest",
                                 str(tmp_path / "lib"), "--timeout", "1", "--delay", "0",
                                 *web.mirror_args()])
    assert result.exit_code == 1, result.output
    assert time.monotonic() - started < 40
    err = " ".join(result.stderr.split())
    retries = [line for line in result.stderr.splitlines()
               if "retrying slow.example.org" in line]
    assert len(retries) >= 3, result.stderr  # each failed attempt is said
    assert "timed out: no data for 1 s from slow.example.org" in retries[0]
    assert "Gave up on slow.example.org for the rest of this run: 8 attempts in a row " \
           "failed; the last: timed out" in err, err
    assert "4 references failed because of it" in err
    assert "--mirror https://slow.example.org=" in err and "sora-refs import" in err
    assert "No host could be reached" not in err  # another host answered? no: it connected


@pytest.fixture
def small_disk(tmp_path: Path):
    """A 2 MB file system of its own (tmpfs), where a mount is allowed (root on Linux)."""
    import shutil

    where = tmp_path / "disk"
    where.mkdir()
    if sys.platform != "linux" or os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("needs root on Linux to mount a small tmpfs")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(where)],
                          capture_output=True, timeout=10)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode(errors='replace')}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], capture_output=True, timeout=10)


def test_a_disk_that_fills_never_costs_the_lock_what_was_filed(runner, web, tmp_path,
                                                              small_disk) -> None:
    """Issue 20: on a disk that filled mid-run, 13 of the 14 papers filed before it were
    missing from the lock (it is saved at most once a second, and the last save found no
    room). A real 2 MB disk: fourteen small papers are filed, then a 3 MB one fills it;
    every filed paper is in the lock, the big one failed with the reason."""
    count = 15
    manifest = numbered_manifest(tmp_path, count, "https://small.example.org/{i}.pdf",
                                 title="Paper {i} about full disks")
    m = load_manifest(manifest)
    for ref in m.references[:-1]:
        web.serve(ref.urls[0], pdf_for(ref))
    big = m.references[-1]
    big_url = big.urls[0].replace("small.example.org", "big.example.org")
    manifest.write_text(manifest.read_text().replace(big.urls[0], big_url))
    web.host("https://big.example.org").bandwidth = 1_500_000  # the small ones finish first
    web.serve(big_url, pdf_for(big, pad_to=3_000_000))
    dest = small_disk / "lib"
    result = runner.invoke(app, ["--manifest", str(manifest), "fetch", "--dest", str(dest),
                                 "--no-split", "--json", *web.mirror_args()])
    assert result.exit_code == 1, result.output
    rows = {r["n"]: r for r in json.loads(result.stdout)}
    assert rows[count]["status"] == "failed" and "No space left" in rows[count]["error"]
    filed = [n for n, r in rows.items() if r["status"] == "downloaded"]
    assert len(filed) == count - 1, rows
    lock = json.loads((dest / LOCK_NAME).read_text(encoding="utf-8"))
    assert sorted(lock["entries"]) == sorted(f"p{n}" for n in filed)
    assert "lock file could not be written" not in result.stderr
    assert not list(dest.glob(".sora-refs.reserve"))  # the kept room is given back
    listed = runner.invoke(app, ["--manifest", str(manifest), "list", "--dest", str(dest),
                                 "--json"])
    states = [r["status"] for r in json.loads(listed.stdout)]
    assert states.count("ok") == count - 1
