"""The ``sora-refs`` command line: parse options, call the core, render, exit.

This is the only module that prints to the person or exits. Heavy libraries
(httpx, pypdf, arxiv, asyncio) are imported inside the commands that need them
so that ``--help``, ``list`` and ``stats`` start fast.
"""

# No ``from __future__ import annotations`` here: typer would then evaluate every
# option's annotation string of every command at each start (7 ms of a 100 ms budget).
import contextlib
import functools
import io
import os
import sys
from collections.abc import Callable, Iterator
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from sora_refs import __version__, defaults
from sora_refs.defaults import DEST_ENV, MANIFEST_ENV, MIRRORS_ENV
from sora_refs.errors import EXIT_INTERNAL, EXIT_INTERRUPTED, SoraRefsError, UsageError
from sora_refs.readinglist import export

if TYPE_CHECKING:
    from rich.console import Console, RenderableType

    from sora_refs.readinglist.manifest import Manifest

app = typer.Typer(
    name="sora-refs",
    help="Fetch, verify and file the papers cited by OpenAI's Sora report (or any reading list).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=True,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)

F = TypeVar("F", bound=Callable[..., Any])


def _stdout() -> "Console":
    from rich.console import Console

    return Console(highlight=False)


def _print(renderable: "RenderableType") -> None:
    """A rich renderable on stdout; in a pipe or a file, without the spaces rich pads
    every line with to the full width (they break diffs and `grep '$'`)."""
    console = _stdout()
    if console.is_terminal:
        console.print(renderable, crop=False)
        return
    with console.capture() as captured:
        console.print(renderable, crop=False)
    _write("".join(line.rstrip() + "\n" for line in captured.get().splitlines()))


def _stderr() -> "Console":
    from rich.console import Console

    return Console(stderr=True, highlight=False)


def _fail(message: str, code: int) -> typer.Exit:
    """The one-paragraph error, unwrapped: paths in it must survive copy and paste."""
    from sora_refs.cli.tables import Terminal
    from sora_refs.text import printable

    err = Terminal.of(sys.stderr)
    sys.stderr.write(f"{err.style('Error:', 'bold red')} {printable(message, True)}\n")
    sys.stderr.flush()
    return typer.Exit(code)


def handles_errors(func: F) -> F:
    """Turn sora-refs errors into a message and an exit code, never a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except SoraRefsError as exc:
            raise _fail(str(exc), exc.exit_code) from None
        except KeyboardInterrupt:
            raise _fail("interrupted.", EXIT_INTERRUPTED) from None
        except BrokenPipeError:
            # `sora-refs list | head`: the reader left; that is not an error.
            sys.stderr.close()
            raise typer.Exit(0) from None
        except OSError as exc:
            where = f" ({exc.filename})" if exc.filename else ""
            raise _fail(f"{exc.strerror or exc}{where}. Files already written stay as they "
                        "are; re-run once the cause is fixed.", 1) from None
        except RecursionError:
            raise _fail("the input nests too deeply to be read (a hostile or broken file).",
                        2) from None

    return wrapper  # type: ignore[return-value]


def _write(text: str) -> None:
    """Plain formats go to stdout untouched: no wrapping, no markup."""
    sys.stdout.write(text)
    sys.stdout.flush()


def _save_svg(renderable: "RenderableType", path: Path, title: str) -> None:
    """Record ``renderable`` on an off-screen colour console and save it as SVG."""
    from rich.console import Console

    console = Console(record=True, file=io.StringIO(), width=100, force_terminal=True,
                      color_system="truecolor", highlight=False)
    console.print(renderable)
    try:
        console.save_svg(str(path), title=title)
    except OSError as exc:
        raise SoraRefsError(f"could not write the SVG to {path}: {exc.strerror or exc}") from None
    _stderr().print(f"Saved {path}")


# Choices come from the registry in export.py (which imports nothing heavy at the top).
ExportFormat = Enum("ExportFormat", {n.replace("-", "_"): n for n in export.FORMATS}, type=str)
ListFormat = Enum("ListFormat", {"table": "table", **{n.replace("-", "_"): n
                                                      for n in export.FORMATS}}, type=str)


class TreeFormat(str, Enum):
    rich = "rich"
    mermaid = "mermaid"
    markdown = "markdown"


def _version(value: bool) -> None:
    if value:
        _write(f"sora-refs {__version__}\n")
        raise typer.Exit()


@app.callback()
def main_options(
    ctx: typer.Context,
    manifest: Annotated[
        Path | None,
        typer.Option(
            "--manifest",
            "-m",
            metavar="PATH",
            envvar=MANIFEST_ENV,
            help="Reading list to use instead of the bundled refs.yaml (same schema).",
            show_default=False,
        ),
    ] = None,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True,
                     help="Show the version and exit."),
    ] = False,
    debug: Annotated[
        bool, typer.Option("--debug", help="Show a traceback for internal errors.")
    ] = False,
) -> None:
    """sora-refs: the reading list behind OpenAI's Sora report, fetched, verified and filed.

    Exit codes: 0 success, 1 some references failed, 2 bad input (manifest or options),
    3 the destination is in use by another run, 130 interrupted.
    """
    if debug:
        os.environ[defaults.DEBUG_ENV] = "1"
    ctx.obj = {"manifest": manifest}


def _manifest_path(ctx: typer.Context, manifest: Path | None) -> Path | None:
    """The manifest named on the command (-m after it), else before it, else None."""
    return manifest or (ctx.obj.get("manifest") if ctx.obj else None)


def _manifest(ctx: typer.Context, manifest: Path | None = None) -> "Manifest":
    from sora_refs.readinglist.manifest import load_manifest

    return load_manifest(_manifest_path(ctx, manifest))


def _complete_category(ctx: typer.Context, incomplete: str) -> list[str]:
    """Shell completion: category slugs and paths of the manifest in use."""
    try:
        m = _manifest(ctx, ctx.params.get("manifest"))
    except SoraRefsError:
        return []
    names = {c.slug for c in m.walk_categories()} | {c.path for c in m.walk_categories()}
    return sorted(n for n in names if n.startswith(incomplete))


def _complete_ref(ctx: typer.Context, incomplete: str) -> list[str]:
    """Shell completion: reference keys (and numbers) of the manifest in use."""
    try:
        m = _manifest(ctx, ctx.params.get("manifest"))
    except SoraRefsError:
        return []
    if incomplete.isdigit():
        return [str(r.n) for r in m.references if str(r.n).startswith(incomplete)]
    return [r.key for r in m.references if r.key.lower().startswith(incomplete.lower())]


ManifestOpt = Annotated[
    Path | None,
    typer.Option("--manifest", "-m", metavar="PATH", show_default=False,
                 help="Reading list to use (here or before the command) instead of the "
                      "bundled refs.yaml."),
]


CategoryOpt = Annotated[
    str | None,
    typer.Option("--category", "-c", metavar="NAME", autocompletion=_complete_category,
                 help="A category slug (matches at any depth, e.g. 'diffusion') or an exact "
                      "path such as 'video-modeling/diffusion'."),
]

# The filters of `list`, shared by `export`.
YearOpt = Annotated[int | None, typer.Option("--year", "-y", help="Only this year.")]
VenueOpt = Annotated[str | None, typer.Option(
    "--venue", help="Only this cited venue, e.g. NeurIPS or arXiv.")]
SearchOpt = Annotated[str | None, typer.Option(
    "--search", "-s", help="Text to find in titles and authors.")]

DestOpt = Annotated[
    Path | None,
    typer.Option("--dest", "-d", envvar=DEST_ENV, metavar="DIR", show_default=False,
                 help="Library folder to show the state of [default: ./papers when it "
                      "exists]."),
]


# The library a command writes to or checks; always a folder, ./papers by default.
LibraryOpt = Annotated[
    Path, typer.Option("--dest", "-d", envvar=DEST_ENV, metavar="DIR",
                       help="The library folder.")
]


def _not_a_folder(dest: Path) -> UsageError:
    return UsageError(f"--dest {dest} is a file; give a folder.")


def _library(dest: Path | None) -> Path | None:
    """The library a reading command should describe: the given one or ./papers."""
    if dest is not None:
        if not dest.is_dir():
            raise UsageError(f"--dest {dest} is not a folder.")
        return dest
    default = Path(defaults.DEFAULT_DEST)
    return default if default.is_dir() else None


@app.command("list")
@handles_errors
def list_(
    ctx: typer.Context,
    manifest: ManifestOpt = None,
    category: CategoryOpt = None,
    year: YearOpt = None,
    venue: VenueOpt = None,
    search: SearchOpt = None,
    fmt: Annotated[
        ListFormat | None,
        typer.Option("--format", "-f", case_sensitive=False, show_default=False,
                     help="table (the default), or any format of `sora-refs export`.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Shorthand for --format json.")] = False,
    dest: DestOpt = None,
) -> None:
    """List the references, optionally filtered, with their state on disk."""
    m = _manifest(ctx, manifest)
    refs = m.select(category=category, year=year, venue=venue, search=search)
    name = _one_format(fmt.value if fmt else None, as_json, "table")
    library = _library(dest)
    disk = None
    if library is not None:
        from sora_refs.library.inventory import quick_status

        disk = quick_status(m, refs, library)
    if name != "table":
        _write(export.render(name, refs, export.Context(m, status=disk)))
        return
    from sora_refs.cli.tables import Terminal, reference_table

    title = f"{m.title}: {len(refs)} of {len(m.references)}"
    _write(reference_table(refs, title, Terminal.of(sys.stdout), disk))


def _one_format(fmt: str | None, as_json: bool, default: str) -> str:
    """The output a command should print; --json and another --format conflict."""
    if as_json and fmt not in (None, "json"):
        raise UsageError(f"--json and --format {fmt} ask for two different outputs; give one.")
    return "json" if as_json else (fmt or default)


@app.command("export")
@handles_errors
def export_(
    ctx: typer.Context,
    manifest: ManifestOpt = None,
    fmt: Annotated[
        ExportFormat,
        typer.Option("--format", "-f", case_sensitive=False,
                     help="; ".join(f"{f.name}: {f.help}" for f in export.FORMATS.values())),
    ] = ExportFormat.bibtex,  # type: ignore[attr-defined]
    output: Annotated[
        Path | None, typer.Option("--output", "-o", metavar="FILE", show_default=False,
                                  help="Write to FILE (paths to the PDFs are relative to "
                                       "it) instead of standard output.")
    ] = None,
    with_files: Annotated[
        bool, typer.Option("--with-files", help="Link each filed, verified PDF of the "
                                                 "library (--dest), for Zotero and JabRef.")
    ] = False,
    dest: LibraryOpt = Path(defaults.DEFAULT_DEST),
    category: CategoryOpt = None,
    year: YearOpt = None,
    venue: VenueOpt = None,
    search: SearchOpt = None,
) -> None:
    """Export the reading list for reference managers: BibTeX, biblatex, RIS, CSL-JSON.

    With --with-files, every PDF the library holds and has verified is linked the
    way Zotero and JabRef read it, by a path relative to the exported file, so the
    .bib and the library folder can move together.
    """
    import os

    m = _manifest(ctx, manifest)
    refs = m.select(category=category, year=year, venue=venue, search=search)
    name = fmt.value
    context = export.Context(m)
    if with_files:
        if not export.FORMATS[name].files:
            raise UsageError(f"--with-files links PDFs in bibtex, biblatex and ris; "
                             f"{name} has no such field.")
        if not dest.is_dir():
            raise UsageError(f"there is no library at {dest} to link: run `sora-refs fetch` "
                             "first, or give --dest.")
        from sora_refs.library.inventory import filed_files

        base = (output.parent if output else Path.cwd()).resolve()
        files = filed_files(m, refs, dest)
        context.files = {n: Path(os.path.relpath(p.resolve(), base)).as_posix()
                         for n, p in files.items()}
        context.library = Path(os.path.relpath(dest.resolve(), base)).as_posix()
    text = export.render(name, refs, context)
    if output is None:
        _write(text)
        return
    from sora_refs.safefile import atomic_write

    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(output, text)
    except OSError as exc:
        raise SoraRefsError(f"could not write {output}: {exc.strerror or exc}") from None
    linked = f", {len(context.files)} with their PDF" if with_files else ""
    _warn(f"Wrote {len(refs)} references{linked} to {output} ({name}).")


@app.command()
@handles_errors
def show(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="Reference number, key, unambiguous start of a "
                                            "key, or arXiv id.", show_default=False,
                                       autocompletion=_complete_ref)],
    manifest: ManifestOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead.")] = False,
    dest: DestOpt = None,
) -> None:
    """Show everything about one reference, and where its PDF is."""
    m = _manifest(ctx, manifest)
    r = m.find(ref)
    library = _library(dest)
    filed = None
    if library is not None:
        from sora_refs.library.inventory import quick_status
        from sora_refs.library.layout import relative_path

        filed = ((library / relative_path(m, r)).absolute(),
                 quick_status(m, [r], library)[r.n])
    if as_json:
        import json

        data = r.as_dict()
        if filed:
            data["file"] = {"path": str(filed[0]), "status": filed[1]}
        _write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
        return
    from sora_refs.cli.render import reference_detail

    _print(reference_detail(r, m, filed))


@app.command()
@handles_errors
def stats(
    ctx: typer.Context,
    manifest: ManifestOpt = None,
    category: CategoryOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead.")] = False,
    svg: Annotated[
        Path | None, typer.Option("--svg", help="Also save the picture as an SVG file.",
                                  show_default=False)
    ] = None,
    dest: DestOpt = None,
) -> None:
    """Counts and shares by venue, year and block, the headline facts, and what is on disk."""
    from sora_refs.readinglist import stats as stats_mod

    m = _manifest(ctx, manifest)
    refs = m.select(category=category)
    data = stats_mod.compute(m, refs)
    library = _library(dest)
    if library is not None:
        from sora_refs.library.inventory import library_totals

        data["library"] = library_totals(m, refs, library)
    if as_json:
        from sora_refs.readinglist.export import stats_json

        _write(stats_json(data))
    else:
        from sora_refs.cli.tables import Terminal, stats_view

        _write(stats_view(data, Terminal.of(sys.stdout)))
        if svg:
            from rich.text import Text

            colour = Terminal(width=100, color=True)
            _save_svg(Text.from_ansi(stats_view(data, colour)), svg, "sora-refs stats")


@app.command()
@handles_errors
def tree(
    ctx: typer.Context,
    manifest: ManifestOpt = None,
    category: CategoryOpt = None,
    fmt: Annotated[
        TreeFormat, typer.Option("--format", "-f", case_sensitive=False,
                                 help="rich (terminal), mermaid or markdown.")
    ] = TreeFormat.rich,
    svg: Annotated[
        Path | None, typer.Option("--svg", help="Also save the picture as an SVG file.",
                                  show_default=False)
    ] = None,
) -> None:
    """The mind map: blocks, sub-blocks and papers, with counts."""
    if svg and fmt is not TreeFormat.rich:
        raise UsageError("--svg draws the rich tree; use it without --format.")
    m = _manifest(ctx, manifest)
    refs = m.select(category=category)
    from sora_refs.readinglist import mindmap

    if fmt is TreeFormat.mermaid:
        _write(mindmap.tree_mermaid(m, refs, prune=bool(category)))
    elif fmt is TreeFormat.markdown:
        _write(mindmap.tree_markdown(m, refs, prune=bool(category)))
    else:
        from sora_refs.cli.render import tree_view

        view = tree_view(m, refs, prune=bool(category))
        _print(view)
        if svg:
            _save_svg(view, svg, "sora-refs tree")


class Prefer(str, Enum):
    cited = "cited"
    arxiv = "arxiv"


@app.command()
@handles_errors
def fetch(
    ctx: typer.Context,
    manifest: ManifestOpt = None,
    refs: Annotated[
        list[str] | None,
        typer.Argument(help="Reference numbers, keys or arXiv ids; all references when none "
                            "are given.", show_default=False, metavar="REF",
                       autocompletion=_complete_ref),
    ] = None,
    category: CategoryOpt = None,
    dest: LibraryOpt = Path(defaults.DEFAULT_DEST),
    jobs: Annotated[
        int, typer.Option("--jobs", "-j", min=1, max=64, help="Downloads in flight in total.")
    ] = defaults.JOBS,
    per_host: Annotated[
        int | None,
        typer.Option("--per-host", min=1, max=32, show_default=False,
                     help="Connections to any one host [default: 1 for arXiv, 4 for others].")
    ] = None,
    delay: Annotated[
        float | None,
        typer.Option("--delay", min=0.0, max=600.0, show_default=False,
                     help="Seconds between request starts on one host "
                          "[default: 3 for arXiv, 0 for others].")
    ] = None,
    prefer: Annotated[
        Prefer, typer.Option("--prefer", help="Try the cited venue's copy or arXiv first.")
    ] = Prefer.cited,
    mirror: Annotated[
        list[str] | None,
        typer.Option("--mirror", envvar=MIRRORS_ENV, show_default=False,
                     metavar="FROM=TO",
                     help="FROM=TO: fetch every URL starting with FROM from TO instead "
                          "(repeatable; the env var takes space-separated pairs)."),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Download again even if present.")
                     ] = False,
    verify: Annotated[
        bool, typer.Option("--verify", help="Re-hash and re-check files the lock vouches for.")
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would be fetched from where; "
                                              "touch nothing.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON array, one object "
                                                          "per reference, instead of a table.")
                       ] = False,
    timeout: Annotated[
        float, typer.Option("--timeout", min=1.0, max=3600.0,
                            help="Seconds without a byte before a download counts as stalled.")
    ] = defaults.READ_TIMEOUT,
    split: Annotated[
        bool, typer.Option("--split/--no-split",
                           help="Let a host's idle connections fetch the rest of a large "
                                "paper in byte ranges; --no-split for servers or proxies "
                                "that mishandle ranges.")
    ] = True,
) -> None:
    """Download, verify and file the papers' PDFs into per-category folders.

    Exit codes: 0 every selected reference is present and verified; 1 some failed;
    2 bad input; 3 another run holds --dest; 130 interrupted (re-run to resume).
    """
    import time

    from sora_refs.library import fetch as fetch_mod
    from sora_refs.net.download import Options
    from sora_refs.net.mirrors import parse_mirrors

    m = _manifest(ctx, manifest)
    selected = m.select(category=category, refs=refs or [])
    if not selected:
        raise UsageError("nothing to fetch: no reference matches the selection.")
    mirrors = parse_mirrors(mirror or [])
    if dest.exists() and not dest.is_dir():
        raise _not_a_folder(dest)
    plans = fetch_mod.make_plans(m, selected, dest, prefer.value)
    options = Options(jobs=jobs, per_host=per_host, delay=delay, read_timeout=timeout,
                      connect_timeout=min(defaults.CONNECT_TIMEOUT, timeout),
                      split_min=defaults.SPLIT_MIN_BYTES if split else 0)
    started = time.monotonic()
    if dry_run:
        _report(_dry_run(plans, dest, verify, mirrors), started, dest, as_json)
        return

    run = _execute_fetch(plans, dest, options, mirrors, force, verify, as_json)
    _report(run.outcomes, started, dest, as_json)
    run.advise()
    if run.interrupted:
        _stderr().print("Interrupted: finished papers are filed; partial downloads are kept "
                        "and resume on the next run.", highlight=False)
        raise typer.Exit(EXIT_INTERRUPTED)
    if run.lock_error or any(o.status == "failed" for o in run.outcomes):
        raise typer.Exit(1)


class _Run:
    """What a fetch came to, and what the person should hear about it afterwards."""

    def __init__(self, outcomes: list[Any], interrupted: bool = False,
                 down: str | None = None, lock_error: str | None = None) -> None:
        self.outcomes = outcomes
        self.interrupted = interrupted
        self.down = down
        self.lock_error = lock_error

    def advise(self) -> None:
        """After the summary, so it is the last thing on the screen."""
        if self.down:
            _warn(_offline_advice(self.down))
        if self.lock_error:
            _warn(f"Warning: the lock file could not be written: {self.lock_error}. The "
                  "papers listed as downloaded are filed and complete; the next run verifies "
                  "them again instead of trusting them.")


def _execute_fetch(plans: list[Any], dest: Path, options: Any, mirrors: list[Any],
                   force: bool, deep: bool, quiet: bool) -> _Run:
    """Run the fetch engine under the destination's run lock, with progress on stderr."""
    import asyncio

    from sora_refs.library import fetch as fetch_mod
    from sora_refs.library.layout import run_lock

    holder: list[fetch_mod.Fetcher] = []
    with run_lock(dest, defaults.LOCK_WAIT), _sigterm_as_interrupt():
        events, live = _events(_stderr(), len(plans), quiet)
        try:
            with live:
                outcomes = asyncio.run(fetch_mod.fetch(
                    plans, dest, options, mirrors, events, force=force, deep=deep,
                    on_fetcher=lambda f: (holder.append(f), _attach(events, f.queue))))
        except KeyboardInterrupt:
            done = holder[0].outcomes if holder else {}
            if holder:
                holder[0].save_lock()  # what finished stays recorded
            return _Run([done.get(p.ref.n) or fetch_mod.Outcome(p.ref, "interrupted")
                         for p in plans], interrupted=True,
                        lock_error=holder[0].lock_error if holder else None)
    if not holder:  # everything was already filed: no engine ran
        return _Run(outcomes)
    return _Run(outcomes, down=holder[0].engine.hosts.down, lock_error=holder[0].lock_error)


def _attach(events: Any, queue: Callable[[], str]) -> None:
    if hasattr(events, "attach"):
        events.attach(queue)


def _warn(message: str) -> None:
    """A paragraph on stderr, unwrapped (like errors) and safe for the terminal."""
    from sora_refs.text import printable

    sys.stderr.write(printable(message, True) + "\n")
    sys.stderr.flush()


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM (a closed terminal, `kill`, a service manager) ends a fetch as Ctrl-C
    does: finished papers keep their lock entries, the summary is printed."""
    import signal

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, interrupt)
    except (ValueError, OSError):  # not the main thread, or no such signal here
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _offline_advice(why: str) -> str:
    return (
        f"No host could be reached ({why}). This machine looks offline, or a firewall or "
        "proxy blocks it. If you need a proxy, set HTTPS_PROXY=http://host:port (or "
        "ALL_PROXY=socks5://host:port); if the sites are blocked, point --mirror at copies "
        "you can reach (e.g. --mirror https://arxiv.org=https://mirror.example.edu/arxiv).")


MirrorOpt = Annotated[
    list[str] | None,
    typer.Option("--mirror", envvar=MIRRORS_ENV, show_default=False, metavar="FROM=TO",
                 help="Request URLs starting with FROM from TO instead (repeatable)."),
]


@app.command()
@handles_errors
def check(
    ctx: typer.Context,
    manifest: ManifestOpt = None,
    category: CategoryOpt = None,
    mirror: MirrorOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")
                       ] = False,
) -> None:
    """Compare the manifest with arXiv's metadata; never edits the manifest.

    One batched query to the arXiv API for every reference with an arXiv id. Reports
    titles, authors, first-version years (only for papers cited as arXiv preprints),
    newer versions of pinned ids, withdrawn papers and ids arXiv does not know. Exit 0
    when all agree, 1 when something differs, 2 when the API cannot be reached.
    """
    import json

    from sora_refs.bibliography.arxiv_api import check as check_refs
    from sora_refs.net.mirrors import parse_mirrors

    m = _manifest(ctx, manifest)
    mirrors = parse_mirrors(mirror or [])
    results = check_refs(m, m.select(category=category), mirrors,
                         delay=defaults.ARXIV_API_DELAY, retries=defaults.ARXIV_API_RETRIES)
    if as_json:
        _write(json.dumps([c.as_dict() for c in results], ensure_ascii=False, indent=2) + "\n")
    else:
        from sora_refs.cli.render import check_view

        _print(check_view(results))
    if any(c.status != "agrees" for c in results):
        raise typer.Exit(1)


@app.command()
@handles_errors
def add(
    ctx: typer.Context,
    ids: Annotated[
        list[str], typer.Argument(help="arXiv identifiers, e.g. 2212.09748.",
                                  show_default=False, metavar="ARXIV_ID")
    ],
    category: Annotated[
        str, typer.Option("--category", "-c", metavar="PATH", show_default=False,
                          autocompletion=_complete_category,
                          help="Exact category path for the new references.")
    ],
    manifest: ManifestOpt = None,
    mirror: MirrorOpt = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the new entries; change nothing.")
    ] = False,
) -> None:
    """Append references to the manifest with their metadata from arXiv.

    Numbers continue after the last reference; keys follow the manifest's style. The
    file's comments and order are kept: the entries are inserted as text at the end of
    its references list, and the result is validated before it is written.
    """
    from sora_refs.bibliography.arxiv_api import fetch_records
    from sora_refs.net.mirrors import parse_mirrors
    from sora_refs.readinglist import editing
    from sora_refs.readinglist.manifest import packaged_manifest_path
    from sora_refs.text import ARXIV_RE, arxiv_base

    given = _manifest_path(ctx, manifest)
    packaged = packaged_manifest_path().resolve()
    if given is not None:
        editing.check_writable(Path(given))  # before asking arXiv anything
    if given is None or Path(given).resolve() == packaged:
        raise UsageError(
            "add edits a reading list of your own, and none was given: the bundled refs.yaml "
            "lives inside the installed package, where an edit is lost on the next install. "
            "Start one with `sora-refs init my-list.yaml`, then `sora-refs --manifest "
            "my-list.yaml add ID ...` (or set SORA_REFS_MANIFEST).")
    m = _manifest(ctx, manifest)
    path = Path(given)
    wanted = []
    for raw in ids:
        ident = raw.strip().removeprefix("arXiv:").removeprefix("arxiv:")
        if not ARXIV_RE.match(ident):
            raise UsageError(f"{raw!r} is not an arXiv id (expected e.g. 2212.09748).")
        base = arxiv_base(ident)
        for r in m.references:
            if r.arxiv and arxiv_base(r.arxiv) == base:
                raise UsageError(f"arXiv:{base} is already reference {r.n} ({r.key}) in "
                                 f"{path.name}.")
        if base not in wanted:
            wanted.append(base)
    category = editing.require_category(m, category)
    records = fetch_records(wanted, parse_mirrors(mirror or []),
                            delay=defaults.ARXIV_API_DELAY, retries=defaults.ARXIV_API_RETRIES)
    missing = [i for i in wanted if i not in records]
    if missing:
        raise UsageError(f"arXiv knows no paper with the id {', '.join(missing)}; nothing "
                         "was added.")
    entries = editing.add_from_arxiv(m, [records[i] for i in wanted], category)
    text = path.read_text(encoding="utf-8")
    new_text = editing.append_references(path, text, entries)
    if dry_run:
        _write("".join(editing.entry_text(e, 2, 4) for e in entries))
        return
    editing.write_manifest(path, new_text)
    for e in entries:
        _stderr().print(f"Added {e['n']}. {e['title']} ({e['key']}) to {path}",
                        highlight=False, markup=False)


@app.command()
@handles_errors
def init(
    path: Annotated[Path, typer.Argument(help="The new manifest file.", show_default=False)],
    title: Annotated[
        str | None, typer.Option("--title", help="A title for the reading list.",
                                 show_default=False)
    ] = None,
    source: Annotated[
        str | None,
        typer.Option("--from", metavar="SOURCE", show_default=False,
                     help="Make the list from a paper's bibliography: a web page (URL or "
                          "saved HTML/Markdown/text), a PDF, an arXiv id or URL, a .bib or "
                          ".bbl file, or a plain list of citations."),
    ] = None,
    mirror: MirrorOpt = None,
    delay: Annotated[
        float, typer.Option("--delay", min=0.0, max=600.0,
                            help="Seconds between arXiv API requests (arXiv asks for 3; "
                                 "less only for a mirror of your own).")
    ] = defaults.ARXIV_API_DELAY,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")
                       ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the manifest instead of writing it.")
    ] = False,
) -> None:
    """Start your own reading list: a small template, or --from a paper's bibliography.

    With --from, every reference is resolved on arXiv (ids in the text in one batched
    query, the rest by title, under arXiv's rule of one request every 3 s; every answer
    is cached, so a second run asks nothing) and filed into categories that follow the
    source's own structure. Exit 0 when every reference resolved, 1 when some did not
    (the manifest is written all the same, those flagged), 2 for bad input. Never
    overwrites a file.
    """
    if source is None:
        from sora_refs.readinglist.editing import init as init_manifest

        if dry_run or as_json:
            raise UsageError("--dry-run and --json go with --from.")
        init_manifest(path, title)
        _stderr().print(f"Created {path}. Next: sora-refs --manifest {path} add ARXIV_ID "
                        "--category basics", highlight=False, markup=False)
        return
    import json

    from sora_refs.bibliography.init_from import run
    from sora_refs.net.mirrors import parse_mirrors

    if path.exists() and not dry_run:
        raise UsageError(f"{path} exists already; init never overwrites a file.")
    mirrors = parse_mirrors(mirror or [])
    err = _stderr()
    result = run(source, title, mirrors, delay,
                 progress=(lambda message: _warn(f"… {message}")) if err.is_terminal or
                 not as_json else (lambda message: None))
    if dry_run:
        _write(result.text)
    else:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "x", encoding="utf-8") as fh:
                fh.write(result.text)
        except FileExistsError:
            raise UsageError(f"{path} exists already; init never overwrites a file.") from None
    if as_json:
        report = {"source": source, "manifest": None if dry_run else str(path.absolute()),
                  "requests": result.requests, "cached": result.cached,
                  "seconds": round(result.seconds, 2), "notes": result.notes,
                  "references": [r.as_dict() for r in result.rows]}
        if not dry_run:
            _write(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
        else:
            _warn(json.dumps(report, ensure_ascii=False))
    else:
        from sora_refs.cli.render import init_view

        view = init_view(result, None if dry_run else str(path))
        if dry_run:
            _stderr().print(view)
        else:
            _print(view)
    if not result.complete:
        raise typer.Exit(1)


@app.command("verify")
@handles_errors
def verify_(
    ctx: typer.Context,
    manifest: ManifestOpt = None,
    dest: LibraryOpt = Path(defaults.DEFAULT_DEST),
    category: CategoryOpt = None,
    deep: Annotated[
        bool, typer.Option("--deep", help="Re-hash every file and re-check its page 1, "
                                          "instead of trusting size and time.")
    ] = False,
    fix: Annotated[
        bool, typer.Option("--fix", help="Fetch again what is missing or broken.")
    ] = False,
    mirror: Annotated[
        list[str] | None,
        typer.Option("--mirror", envvar=MIRRORS_ENV, show_default=False, metavar="FROM=TO",
                     help="With --fix: fetch URLs starting with FROM from TO instead."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")
                       ] = False,
    accept: Annotated[
        list[str] | None,
        typer.Option("--accept", metavar="REF|all", show_default=False,
                     help="Record a modified file that is still the paper (an annotated "
                          "copy) in the lock as it is now, so it stops being reported "
                          "(repeatable; 'all' for every such file)."),
    ] = None,
) -> None:
    """Check that every paper in the library is still there and still that paper.

    Statuses: ok, missing, modified (sha256 or size differs from the lock but it is still
    the paper), not-a-pdf, wrong-paper, unreadable; files of no reference are "extra",
    leftovers of interrupted downloads "partial". Exit 0 when every reference is ok, 1
    otherwise.
    """
    import json

    from sora_refs.library.inventory import BROKEN, inspect
    from sora_refs.library.layout import run_lock

    m = _manifest(ctx, manifest)
    refs = m.select(category=category)
    if dest.exists() and not dest.is_dir():
        raise _not_a_folder(dest)
    if not dest.exists() and not fix:
        raise UsageError(f"there is no library at {dest}: run `sora-refs fetch` (or "
                         "`sora-refs verify --fix`) first, or give --dest.")
    accepted: set[int] = set()
    for a in accept or []:
        accepted |= {r.n for r in refs} if a.lower() == "all" else {m.find(a).n}
    if accepted:
        with run_lock(dest, defaults.LOCK_WAIT):
            items = inspect(m, refs, dest, deep=deep, accept=accepted)
    else:
        items = inspect(m, refs, dest, deep=deep)
    if fix:
        broken = [it.ref for it in items if it.ref is not None and it.status in BROKEN]
        if broken:
            from sora_refs.library import fetch as fetch_mod
            from sora_refs.net.download import Options
            from sora_refs.net.mirrors import parse_mirrors

            mirrors = parse_mirrors(mirror or [])
            plans = fetch_mod.make_plans(m, broken, dest, "cited")
            run = _execute_fetch(plans, dest, Options(), mirrors, False, False, as_json)
            run.advise()
            if run.interrupted:
                raise typer.Exit(EXIT_INTERRUPTED)
            items = inspect(m, refs, dest, deep=deep)
    if as_json:
        _write(json.dumps([it.as_dict() for it in items], indent=2) + "\n")
    else:
        from sora_refs.cli.render import verify_view

        _print(verify_view(items, str(dest), _stdout().width))
    if any(it.ref is not None and it.status != "ok" for it in items):
        raise typer.Exit(1)


@app.command("import")
@handles_errors
def import_(
    ctx: typer.Context,
    paths: Annotated[
        list[Path], typer.Argument(help="PDF files, and folders searched for *.pdf.",
                                   show_default=False, metavar="PATH")
    ],
    manifest: ManifestOpt = None,
    dest: LibraryOpt = Path(defaults.DEFAULT_DEST),
    move: Annotated[
        bool, typer.Option("--move", help="Move the files instead of copying them.")
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would be filed where; touch nothing.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")
                       ] = False,
) -> None:
    """File PDFs you already have into the library, after identifying each one.

    Each PDF is matched by the arXiv stamp on page 1, the title on page 1 or its metadata,
    and accepted only when page 1 confirms it. Inputs are copied (or moved with --move);
    a verified file in the library is never overwritten. Exit 0 when every file was
    handled (unmatched files are reported, not errors), 1 when one could not be filed.
    """
    import contextlib
    import json

    from sora_refs.library.importer import collect, run_import
    from sora_refs.library.layout import run_lock

    m = _manifest(ctx, manifest)
    if dest.exists() and not dest.is_dir():
        raise _not_a_folder(dest)
    inputs = collect(paths)
    guard = contextlib.nullcontext() if dry_run else run_lock(dest, defaults.LOCK_WAIT)
    with guard:
        results = run_import(m, inputs, dest, move=move, dry_run=dry_run)
    if as_json:
        _write(json.dumps([r.as_dict() for r in results], indent=2) + "\n")
    else:
        from sora_refs.cli.render import import_view

        _print(import_view(results, str(dest), _stdout().width))
    if any(r.status == "error" for r in results):
        raise typer.Exit(1)


def _events(err: "Console", total: int, quiet: bool) -> tuple[Any, Any]:
    """Live progress on a terminal, one line per reference otherwise."""
    import contextlib

    from sora_refs.cli.render import LineEvents, RichEvents

    if err.is_terminal and not err.is_dumb_terminal:
        live = RichEvents(err, total)
        return live, live
    return LineEvents(err, total), contextlib.nullcontext()


def _dry_run(plans: list[Any], dest: Path, deep: bool, mirrors: list[Any]) -> list[Any]:
    from sora_refs.library.fetch import Outcome, trusted
    from sora_refs.library.layout import LockFile
    from sora_refs.net.mirrors import redact, rewrite

    lock = LockFile(dest).load()
    out = []
    for p in plans:
        present = trusted(p, lock, deep)
        if present:
            out.append(present)
        else:
            urls = [rewrite(u, mirrors) for u in p.urls]
            o = Outcome(p.ref, "planned", p.final, urls=urls)
            o.tried = [f"into {p.relative.as_posix()}", *(f"try {redact(u)}" for u in urls)]
            if p.problem:
                o.status, o.error, o.tried = "failed", p.problem, [p.problem]
            out.append(o)
    return out


def _report(outcomes: list[Any], started: float, dest: Path, as_json: bool) -> None:
    import json
    import time

    if as_json:
        _write(json.dumps([o.as_dict() for o in outcomes], indent=2) + "\n")
        return
    from sora_refs.cli.render import fetch_summary

    _print(fetch_summary(outcomes, time.monotonic() - started, str(dest),
                         _stdout().width))


ISSUES_URL = "https://github.com/sora-refs/sora-refs/issues"


def main() -> None:
    """Console-script entry point, with the last-resort handler: anything unexpected
    is one line and exit code 70, with the traceback only when asked for."""
    try:
        # The name completion scripts and usage lines use, however it was started
        # (`python -m sora_refs` included).
        app(prog_name="sora-refs")
    except Exception as exc:
        if os.environ.get(defaults.DEBUG_ENV) or "--debug" in sys.argv:
            raise
        from sora_refs.text import printable

        sys.stderr.write(printable(
            f"Internal error: {type(exc).__name__}: {exc}", True) + "\n"
            f"This is a bug in sora-refs {__version__}. Please report it at {ISSUES_URL} with "
            f"the output of the same command run with {defaults.DEBUG_ENV}=1 (or --debug).\n")
        sys.exit(EXIT_INTERNAL)
