"""What a new user tripped on (issue 14): terminals of every width, options where
people put them, lookups that forgive, and output scripts can rely on."""

from __future__ import annotations

import io
import json
import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sora_refs.cli import app
from sora_refs.readinglist.manifest import load_manifest
from tests.conftest import REAL_MANIFEST, SMALL_MANIFEST, subprocess_env

# ---------------------------------------------------------------- terminals


HOSTS = ("proceedings.mlr.press", "arxiv.org", "proceedings.neurips.cc",
         "openaccess.thecvf.com", "www.ecva.net", "cdn.openai.com")


@pytest.mark.parametrize("width", [60, 80, 120, 200])
def test_the_fetch_table_fits_every_width_without_splitting_words(runner, web, tmp_path,
                                                                  real_manifest, monkeypatch,
                                                                  width: int) -> None:
    web.serve_manifest(real_manifest)
    monkeypatch.setenv("COLUMNS", str(width))
    result = runner.invoke(app, ["fetch", "--dest", str(tmp_path / "lib"), "--delay", "0",
                                 "-c", "diffusion", *web.mirror_args()])
    assert result.exit_code == 0, result.output
    out = result.stdout
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= width, out
    assert not any(line.endswith(" ") for line in lines)  # a pipe gets no padding
    # Titles wrap at spaces only: every word is whole.
    words = [w.strip("…,:") for line in lines for w in line.split()]
    for word in ("Denoising", "Probabilistic", "Unsupervised", "Nonequilibrium"):
        assert not [w for w in words if w != word and len(w) > 3 and word.startswith(w)], out
    # A host is whole (or shortened in its middle), never split over two lines.
    hosts = ("proceedings.mlr.press", "proceedings.neurips.cc", "openaccess.thecvf.com")
    for line in lines:
        last = line.split()[-1] if line.split() else ""
        assert not any(last != h and h.startswith(last) and "." in last for h in hosts), out
    if width < 80:
        assert "Source" not in out  # dropped before the title is squeezed
    if width >= 120:
        assert "proceedings.neurips.cc" in out


def test_the_live_display_shows_active_downloads_and_what_waits(tmp_path) -> None:
    from rich.console import Console

    from sora_refs.cli.progress import RichEvents

    m = load_manifest(REAL_MANIFEST)
    console = Console(file=io.StringIO(), width=60, force_terminal=True, color_system=None)
    events = RichEvents(console, 32)
    for ref in m.references:  # 32 references start, none has received anything
        events.start(ref, ref.urls[0])
    assert len(events.progress.tasks) == 0
    events.advance(m.references[0], 0, 1000, 0)  # headers came: now it is active
    assert len(events.progress.tasks) == 1
    events.attach(lambda: "queued: arxiv.org 3 waiting, next request in 2 s")
    with console.capture() as cap:
        console.print(events.live.renderable)
    text = cap.get()
    assert "queued: arxiv.org 3 waiting, next request in 2 s" in text
    assert "references" in text and "0/32" in text
    assert max(len(line) for line in text.splitlines()) <= 60
    events.finish(type("O", (), {"ref": m.references[0]})())
    assert len(events.progress.tasks) == 0


@pytest.mark.parametrize("args", [["show", "13"], ["tree"], ["stats"], ["list"]])
def test_piped_output_has_no_trailing_spaces(runner, args: list[str]) -> None:
    out = runner.invoke(app, args).stdout
    assert out and not any(line.endswith(" ") for line in out.splitlines()), out


def test_verify_and_import_tables_shorten_paths_in_the_middle(runner, tmp_path, monkeypatch,
                                                              real_manifest) -> None:
    from tests.pdfs import pdf_for

    monkeypatch.setenv("COLUMNS", "60")
    deep = tmp_path / ("a-rather-long-folder-name-for-downloads/" * 3)
    deep.mkdir(parents=True)
    (deep / "some-paper-with-a-very-long-file-name-indeed.pdf").write_bytes(
        pdf_for(real_manifest.find("13")))
    result = runner.invoke(app, ["import", str(deep), "--dest", str(tmp_path / "lib")])
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 60
    rows = [line.split() for line in lines if "imported" in line]
    assert rows and rows[0][0].endswith(".pdf") and "…" in rows[0][0], result.stdout
    assert rows[0][-1].endswith(".pdf")  # where it went: whole or cut in the middle


# ---------------------------------------------------------------- options and lookups


@pytest.mark.parametrize("args", [["list"], ["show", "1"], ["stats"], ["tree"], ["export"],
                                  ["fetch", "--dry-run"]])
def test_manifest_is_accepted_after_the_command_too(runner, small_manifest, tmp_path,
                                                    args: list[str]) -> None:
    extra = ["--dest", str(tmp_path / "lib")] if args[0] == "fetch" else []
    result = runner.invoke(app, [*args, "--manifest", str(small_manifest), *extra])
    assert result.exit_code == 0, result.output
    assert "Alpha" in result.output or "alpha" in result.output or "Basics" in result.output
    short = runner.invoke(app, [*args, "-m", str(small_manifest), *extra])
    assert short.exit_code == 0 and short.stdout == result.stdout


@pytest.mark.parametrize("ref,n", [("2111.06377", 17), ("2111.06377v3", 17),
                                   ("arXiv:2111.06377", 17), ("he2022", 17), ("vaswani", 13),
                                   ("HE2022MASKED", 17), ("17", 17)])
def test_show_finds_references_by_any_handle(runner, ref: str, n: int) -> None:
    result = runner.invoke(app, ["show", ref, "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["n"] == n


def test_near_misses_get_a_suggestion(runner) -> None:
    result = runner.invoke(app, ["list", "--category", "difusion"])
    assert result.exit_code == 2 and "Did you mean 'diffusion'?" in result.stderr
    result = runner.invoke(app, ["show", "vaswani2017atention"])
    assert result.exit_code == 2 and "Did you mean 'vaswani2017attention'?" in result.stderr
    result = runner.invoke(app, ["show", "ramesh"])  # two keys start so
    assert result.exit_code == 2 and "fits 2 references" in result.stderr


def test_show_tells_where_the_pdf_is(runner, tmp_path, small_manifest) -> None:
    dest = tmp_path / "lib"
    dest.mkdir()
    result = runner.invoke(app, ["show", "2", "-m", str(small_manifest), "--dest", str(dest)])
    assert "not fetched yet (sora-refs fetch 2)" in result.stdout
    data = json.loads(runner.invoke(app, ["show", "2", "-m", str(small_manifest), "--dest",
                                          str(dest), "--json"]).stdout)
    assert data["file"]["status"] == "missing"
    assert data["file"]["path"].startswith(str(dest.resolve()))


def test_format_names_ignore_case_and_conflicts_are_refused(runner) -> None:
    upper = runner.invoke(app, ["list", "--format", "JSON"])
    assert upper.exit_code == 0 and json.loads(upper.stdout)[0]["n"] == 1
    assert runner.invoke(app, ["tree", "--format", "Mermaid"]).stdout.startswith("mindmap")
    clash = runner.invoke(app, ["list", "--json", "--format", "csv"])
    assert clash.exit_code == 2 and "--json and --format csv" in clash.stderr


def test_csv_has_the_status_json_has(runner, tmp_path) -> None:
    (tmp_path / "papers").mkdir()
    result = runner.invoke(app, ["list", "--format", "csv", "--dest", str(tmp_path / "papers")])
    header, first = result.stdout.splitlines()[:2]
    assert header.endswith(",status") and first.endswith(",missing")


def test_dry_run_json_is_a_plan(runner, tmp_path, small_manifest) -> None:
    result = runner.invoke(app, ["fetch", "--dry-run", "--json", "-m", str(small_manifest),
                                 "--dest", str(tmp_path / "lib"),
                                 "--mirror", "https://arxiv.org=http://127.0.0.1:9/ax"])
    rows = json.loads(result.stdout)
    assert {r["status"] for r in rows} == {"planned"}
    first = rows[0]
    assert first["error"] is None and first["url"] is None
    assert first["urls"] == ["https://papers.example.org/alpha.pdf",
                             "http://127.0.0.1:9/ax/pdf/1901.00001"]
    assert Path(first["path"]).is_absolute() and first["path"].endswith(".pdf")
    assert not (tmp_path / "lib").exists()


def test_fetch_help_says_what_json_prints(runner) -> None:
    text = " ".join(runner.invoke(app, ["fetch", "--help"]).stdout.split())
    assert "JSON array, one object per reference" in text


def test_shell_completion_is_on_and_completes_categories_and_keys(tmp_path) -> None:
    env = subprocess_env(_SORA_REFS_COMPLETE="complete_bash", COMP_WORDS="sora-refs list -c dif",
                         COMP_CWORD="3")
    out = subprocess.run([sys.executable, "-m", "sora_refs"], capture_output=True, text=True,
                         env=env, timeout=60)
    assert "diffusion" in out.stdout.split(), out
    env.update(COMP_WORDS="sora-refs show vas", COMP_CWORD="2")
    out = subprocess.run([sys.executable, "-m", "sora_refs"], capture_output=True, text=True,
                         env=env, timeout=60)
    assert out.stdout.split() == ["vaswani2017attention"], out
    # A -m given before the command, the README's own form (issue 20: completion read the
    # bundled list instead), for keys and for categories.
    mine = tmp_path / "mine.yaml"
    mine.write_text(SMALL_MANIFEST, encoding="utf-8")
    for words, cword, want in ((f"sora-refs -m {mine} show al", "4", ["alpha2019first"]),
                               (f"sora-refs --manifest {mine} list -c ne", "5", ["nets"]),
                               (f"sora-refs show -m {mine} ga", "4", ["gamma2021second"])):
        env.update(COMP_WORDS=words, COMP_CWORD=cword)
        out = subprocess.run([sys.executable, "-m", "sora_refs"], capture_output=True,
                             text=True, env=env, timeout=60)
        assert out.stdout.split() == want, (words, out)
    helped = subprocess.run([sys.executable, "-m", "sora_refs", "--help"], capture_output=True,
                            text=True, env=subprocess_env(), timeout=60)
    assert "--install-completion" in helped.stdout


# ---------------------------------------------------------------- editing manifests


def test_add_refuses_the_bundled_list_and_points_to_init(runner) -> None:
    result = runner.invoke(app, ["add", "2212.09748", "-c", "diffusion"])
    assert result.exit_code == 2
    assert "sora-refs init" in result.stderr and "installed package" in result.stderr


def test_add_keeps_a_read_only_manifest_as_it_is(runner, small_manifest) -> None:
    before = small_manifest.read_bytes()
    small_manifest.chmod(0o444)
    try:
        result = runner.invoke(app, ["-m", str(small_manifest), "add", "2212.09748", "-c",
                                     "basics", "--mirror",
                                     "https://export.arxiv.org=http://127.0.0.1:9"])
    finally:
        mode = stat.S_IMODE(small_manifest.stat().st_mode)
        small_manifest.chmod(0o644)
    assert result.exit_code == 2 and "read-only" in result.stderr
    assert small_manifest.read_bytes() == before and mode == 0o444


def test_init_creates_missing_folders(runner, tmp_path) -> None:
    target = tmp_path / "sub" / "deeper" / "new.yaml"
    result = runner.invoke(app, ["init", str(target)])
    assert result.exit_code == 0, result.output
    assert load_manifest(target).references == ()


# ---------------------------------------------------------------- the manifest cache


def test_a_cache_made_under_other_rules_is_not_served(tmp_path, monkeypatch) -> None:
    from sora_refs.readinglist import cache
    from sora_refs.readinglist import manifest as mod

    path = tmp_path / "list.yaml"
    path.write_text(REAL_MANIFEST.read_text(encoding="utf-8"), encoding="utf-8")
    first = mod.load_manifest(path)
    (cached,) = Path(os.environ["SORA_REFS_CACHE"]).glob("manifest-*.json")
    monkeypatch.setattr(cache, "SCHEMA", cache.SCHEMA + 1)  # validation rules changed
    parsed = []
    real = mod.parse_manifest
    monkeypatch.setattr(mod, "parse_manifest", lambda *a: parsed.append(1) or real(*a))
    assert mod.load_manifest(path) == first
    assert parsed == [1]  # parsed again, not served from the old cache
    assert cached.exists()


@pytest.mark.parametrize("platform,expected", [
    ("linux", ".cache/sora-refs"), ("darwin", "Library/Caches/sora-refs"),
    ("win32", "AppData/Local/sora-refs/Cache")])
def test_the_cache_folder_is_the_platforms(monkeypatch, tmp_path, platform: str,
                                          expected: str) -> None:
    from sora_refs.readinglist.manifest import cache_dir

    for var in ("SORA_REFS_CACHE", "XDG_CACHE_HOME", "LOCALAPPDATA"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("USERPROFILE", str(tmp_path))
    monkeypatch.setattr(sys, "platform", platform)
    assert cache_dir().as_posix().endswith(expected)
    assert str(cache_dir()).startswith(str(tmp_path))


@pytest.mark.parametrize("width", [60, 80, 100, 120, 200])
def test_live_download_lines_fit_the_terminal_and_never_wrap(width: int) -> None:
    """Issue 20: at 80 columns the live lines wrapped their units onto a second line
    ("0.7/1.2" / "MB"). Each download is one line, byte counts whole, at any width; wide
    terminals show more of the title and the host."""
    from rich.console import Console

    from sora_refs.cli.progress import RichEvents

    m = load_manifest(REAL_MANIFEST)
    console = Console(file=io.StringIO(), width=width, force_terminal=True, color_system=None)
    events = RichEvents(console, 32)
    active = m.references[:6]
    for i, ref in enumerate(active):
        events.start(ref, ref.urls[0])
        events.advance(ref, 0, 987_654_321 if i == 0 else 1_234_567, 0)
        events.advance(ref, 123_456_789 if i == 0 else 734_567, None, 0)
    with console.capture() as cap:
        console.print(events.live.renderable)
    lines = cap.get().splitlines()
    assert max(len(line) for line in lines) <= width, "\n".join(lines)
    downloads = [line for line in lines if "/" in line and "B" in line]
    assert len(downloads) == len(active), "\n".join(lines)  # one line each, none wrapped
    assert all(line.split()[0].rstrip(".").isdigit() for line in downloads), lines
    assert any("123.5/987.7 MB" in line for line in downloads), lines
    if width >= 120:
        assert any("openaccess.thecvf.com" in line or "arxiv.org" in line or "neurips" in line
                   for line in downloads), lines
    shown = max(len(line.split("  ")[0]) for line in downloads)
    assert shown >= (60 if width >= 200 else 24), lines  # titles use the room there is


@pytest.mark.skipif(sys.platform != "linux", reason="a pseudo-terminal of a set size")
def test_fetch_in_a_real_80_column_terminal_never_draws_past_its_edge(tmp_path,
                                                                     real_manifest) -> None:
    """Issue 20, in a real terminal: a pseudo-terminal of 80 columns, a fetch slow enough
    for the live display to draw; every line it draws, and the summary, fit."""
    import fcntl
    import pty
    import re
    import select
    import struct
    import termios

    from tests.conftest import Web
    from tests.pdfs import pdf_for

    web = Web()
    try:
        refs = real_manifest.select(category="diffusion")
        for ref in refs:
            for url in ref.urls:
                web.serve(url, pdf_for(ref, pad_to=250_000))
        for host in web.hosts.values():
            host.bandwidth = 250_000
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 80, 0, 0))
        env = subprocess_env(TERM="xterm-256color")
        for k in ("NO_COLOR", "COLUMNS", "LINES"):
            env.pop(k, None)
        child = subprocess.Popen(
            [sys.executable, "-m", "sora_refs", "fetch", "-c", "diffusion", "--dest",
             str(tmp_path / "lib"), "--delay", "0", *web.mirror_args()],
            stdin=slave, stdout=slave, stderr=slave, env=env, cwd=tmp_path, close_fds=True)
        os.close(slave)
        out = b""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:  # the child closed the terminal
                    break
                if not chunk:
                    break
                out += chunk
            elif child.poll() is not None:
                break
        child.wait(timeout=10)
        os.close(master)
    finally:
        web.stop()
    assert child.returncode == 0, out.decode(errors="replace")
    screen = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07|\x1b[()][A-Z0-9]", "",
                    out.decode("utf-8", errors="replace"))
    drawn = [seg for line in re.split(r"\r\n|\n|\r", screen) for seg in [line] if seg.strip()]
    assert any("MB" in seg or "kB" in seg for seg in drawn), screen  # the live lines drew
    assert max(len(seg) for seg in drawn) <= 80, [s for s in drawn if len(s) > 80]
    assert not [seg for seg in drawn if seg.strip() in ("MB", "kB", "MB/s", "kB/s")], screen
    assert "downloaded" in screen
