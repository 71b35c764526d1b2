"""The Typer app, its global options, and what every command shares: the error
boundary (:func:`handles_errors`), output helpers, the options several commands take,
and :func:`main`, the last-resort handler.

The commands live beside this module, one module per group. Heavy libraries (httpx,
pypdf, arxiv, asyncio) are imported inside the commands that need them so that
``--help``, ``list`` and ``stats`` start fast.
"""

# No ``from __future__ import annotations`` here: typer would then evaluate every
# option's annotation string of every command at each start (7 ms of a 100 ms budget).
import functools
import io
import os
import sys
from collections.abc import Callable
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

def _usage_metavar(self: Any, ctx: Any, *, usage: bool = False) -> str:
    """Arguments in usage lines as Click and most CLIs write them: ``REF...``, ``PATH``,
    ``[REF]...`` when optional (typer writes a required one as ``{ref}``, which reads as
    a placeholder to fill in with braces)."""
    var = self.metavar or (self.name or "").upper()
    if usage and not self.required:
        var = f"[{var}]"
    return var + ("..." if self.nargs != 1 else "")


typer.core.TyperArgument.make_metavar = _usage_metavar  # type: ignore[method-assign]

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


def stdout_console() -> "Console":
    from sora_refs.cli.screen import console

    return console()


# Output to a pipe or a file has no width: it is never wrapped (a path or URL split
# over two lines cannot be copied), unless COLUMNS asks for one.
PIPE_WIDTH = 10_000


def view_width() -> int:
    """The width the views on stdout are laid out for."""
    console = stdout_console()
    if console.is_terminal or "COLUMNS" in os.environ:
        return console.width
    return PIPE_WIDTH


def print_view(renderable: "RenderableType") -> None:
    """A rich renderable on stdout; in a pipe or a file, unwrapped and without the
    spaces rich pads every line with to the full width (they break diffs and
    `grep '$'`)."""
    console = stdout_console()
    if console.is_terminal:
        console.print(renderable, crop=False)
        return
    console.width = view_width()
    with console.capture() as captured:
        console.print(renderable, crop=False)
    write_out("".join(line.rstrip() + "\n" for line in captured.get().splitlines()))


def stderr_console() -> "Console":
    from sora_refs.cli.screen import console

    return console(stderr=True)


def fail(message: str, code: int) -> typer.Exit:
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
            raise fail(str(exc), exc.exit_code) from None
        except KeyboardInterrupt:
            raise fail("interrupted.", EXIT_INTERRUPTED) from None
        except BrokenPipeError:
            # `sora-refs list | head`: the reader left; that is not an error.
            sys.stderr.close()
            raise typer.Exit(0) from None
        except OSError as exc:
            where = f" ({exc.filename})" if exc.filename else ""
            raise fail(f"{exc.strerror or exc}{where}. Files already written stay as they "
                        "are; re-run once the cause is fixed.", 1) from None
        except RecursionError:
            raise fail("the input nests too deeply to be read (a hostile or broken file).",
                        2) from None

    return wrapper  # type: ignore[return-value]


def write_out(text: str) -> None:
    """Plain formats go to stdout untouched: no wrapping, no markup."""
    sys.stdout.write(text)
    sys.stdout.flush()


def save_svg(renderable: "RenderableType", path: Path, title: str) -> None:
    """Record ``renderable`` on an off-screen colour console and save it as SVG."""
    from sora_refs.cli.screen import console

    recorder = console(record=True, file=io.StringIO(), width=100, force_terminal=True,
                       color_system="truecolor")
    recorder.print(renderable)
    try:
        recorder.save_svg(str(path), title=title)
    except OSError as exc:
        raise SoraRefsError(f"could not write the SVG to {path}: {exc.strerror or exc}") from None
    stderr_console().print(f"Saved {path}")


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
        write_out(f"sora-refs {__version__}\n")
        raise typer.Exit()


def expand_user(value: Path | None) -> Path | None:
    """``~`` and ``~user`` in a path, as a shell would have expanded them: a value
    from an environment variable (``SORA_REFS_DEST='~/papers'``) or a quoted one is
    not expanded by the shell, and became a folder literally named ``~``."""
    return Path(os.path.expanduser(value)) if value is not None else None


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
            callback=expand_user,
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


def manifest_path(ctx: typer.Context, manifest: Path | None) -> Path | None:
    """The manifest named on the command (-m after it), else before it, else None.

    Before it is read from the group's parameters as well as from ``ctx.obj``: shell
    completion parses the command line without running the group's callback, so only
    the parameters hold a ``-m`` given before the command there."""
    if manifest:
        return manifest
    if ctx.obj and ctx.obj.get("manifest"):
        return ctx.obj["manifest"]
    parent = ctx.parent
    while parent is not None:
        given = parent.params.get("manifest")
        if given:
            return Path(given)
        parent = parent.parent
    return None


def load_for(ctx: typer.Context, manifest: Path | None = None) -> "Manifest":
    from sora_refs.readinglist.manifest import load_manifest

    return load_manifest(manifest_path(ctx, manifest))


def complete_category(ctx: typer.Context, incomplete: str) -> list[str]:
    """Shell completion: category slugs and paths of the manifest in use."""
    try:
        m = load_for(ctx, ctx.params.get("manifest"))
    except SoraRefsError:
        return []
    names = {c.slug for c in m.walk_categories()} | {c.path for c in m.walk_categories()}
    return sorted(n for n in names if n.startswith(incomplete))


def complete_ref(ctx: typer.Context, incomplete: str) -> list[str]:
    """Shell completion: reference keys (and numbers) of the manifest in use."""
    try:
        m = load_for(ctx, ctx.params.get("manifest"))
    except SoraRefsError:
        return []
    if incomplete.isdigit():
        return [str(r.n) for r in m.references if str(r.n).startswith(incomplete)]
    return [r.key for r in m.references if r.key.lower().startswith(incomplete.lower())]


RefArg = Annotated[
    str, typer.Argument(help="Reference number, key or its start, words of the title, arXiv "
                             "id or URL, or DOI.", show_default=False, metavar="REF",
                        autocompletion=complete_ref),
]

ManifestOpt = Annotated[
    Path | None,
    typer.Option("--manifest", "-m", metavar="PATH", show_default=False, callback=expand_user,
                 help="Reading list to use (here or before the command) instead of the "
                      "bundled refs.yaml."),
]


CategoryOpt = Annotated[
    str | None,
    typer.Option("--category", "-c", metavar="NAME", autocompletion=complete_category,
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
                 callback=expand_user, help="Library folder to show the state of "
                                            "[default: ./papers when it exists]."),
]


# The library a command writes to or checks; always a folder, ./papers by default.
LibraryOpt = Annotated[
    Path, typer.Option("--dest", "-d", envvar=DEST_ENV, metavar="DIR", callback=expand_user,
                       help="The library folder.")
]


def not_a_folder(dest: Path) -> UsageError:
    return UsageError(f"--dest {dest} is a file; give a folder.")


def library_for(dest: Path | None) -> Path | None:
    """The library a reading command should describe: the given one or ./papers."""
    if dest is not None:
        if not dest.is_dir():
            raise UsageError(f"--dest {dest} is not a folder.")
        return dest
    default = Path(defaults.DEFAULT_DEST)
    return default if default.is_dir() else None


def warn(message: str) -> None:
    """A paragraph on stderr, unwrapped (like errors) and safe for the terminal."""
    from sora_refs.text import printable

    sys.stderr.write(printable(message, True) + "\n")
    sys.stderr.flush()


MirrorOpt = Annotated[
    list[str] | None,
    typer.Option("--mirror", envvar=MIRRORS_ENV, show_default=False, metavar="FROM=TO",
                 help="Request URLs starting with FROM from TO instead (repeatable)."),
]



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
    finally:
        # Spare the exit a last garbage collection over every object the imports
        # made (typer, httpx, the engine): 40 to 90 ms a run, for memory the process
        # is about to give back whole. Finalizers, atexit handlers and flushes still
        # run as usual.
        import gc

        gc.freeze()
