"""Commands on the library folder: ``fetch``, ``verify``, ``import``."""

# No ``from __future__ import annotations`` here: typer would then evaluate every
# option's annotation string of every command at each start (7 ms of a 100 ms budget).
import contextlib
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from sora_refs import defaults
from sora_refs.cli.base import (
    CategoryOpt,
    LibraryOpt,
    ManifestOpt,
    app,
    complete_ref,
    handles_errors,
    load_for,
    not_a_folder,
    print_view,
    stderr_console,
    view_width,
    write_out,
)
from sora_refs.cli.runner import (
    dry_run_outcomes,
    execute_fetch,
    report,
)
from sora_refs.defaults import MIRRORS_ENV
from sora_refs.errors import EXIT_INTERRUPTED, UsageError


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
                       autocompletion=complete_ref),
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

    from sora_refs.net import tls

    if not dry_run:
        tls.warm()  # the certificates load in a thread while the engine is imported
    from sora_refs.library import fetch as fetch_mod
    from sora_refs.net.download import Options
    from sora_refs.net.mirrors import parse_mirrors

    m = load_for(ctx, manifest)
    selected = m.select(category=category, refs=refs or [])
    if not selected:
        raise UsageError("nothing to fetch: no reference matches the selection.")
    mirrors = parse_mirrors(mirror or [])
    if dest.exists() and not dest.is_dir():
        raise not_a_folder(dest)
    plans = fetch_mod.make_plans(m, selected, dest, prefer.value)
    options = Options(jobs=jobs, per_host=per_host, delay=delay, read_timeout=timeout,
                      connect_timeout=min(defaults.CONNECT_TIMEOUT, timeout),
                      split_min=defaults.SPLIT_MIN_BYTES if split else 0)
    started = time.monotonic()
    if dry_run:
        report(dry_run_outcomes(plans, dest, verify, mirrors), started, dest, as_json)
        return

    run = execute_fetch(plans, dest, options, mirrors, force, verify)
    report(run.outcomes, started, dest, as_json)
    run.advise()
    if run.interrupted:
        stderr_console().print("Interrupted: finished papers are filed; partial downloads are kept "
                        "and resume on the next run.", highlight=False)
        raise typer.Exit(EXIT_INTERRUPTED)
    if run.lock_error or any(o.status == "failed" for o in run.outcomes):
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

    m = load_for(ctx, manifest)
    refs = m.select(category=category)
    if dest.exists() and not dest.is_dir():
        raise not_a_folder(dest)
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
            run = execute_fetch(plans, dest, Options(), mirrors, False, False)
            run.advise()
            if run.interrupted:
                raise typer.Exit(EXIT_INTERRUPTED)
            items = inspect(m, refs, dest, deep=deep)
    if as_json:
        write_out(json.dumps([it.as_dict() for it in items], indent=2) + "\n")
    else:
        from sora_refs.cli.render import verify_view

        print_view(verify_view(items, str(dest), view_width()))
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
    import json

    from sora_refs.library.importer import collect, run_import
    from sora_refs.library.layout import run_lock

    m = load_for(ctx, manifest)
    if dest.exists() and not dest.is_dir():
        raise not_a_folder(dest)
    inputs, unreadable = collect(paths)
    guard = contextlib.nullcontext() if dry_run else run_lock(dest, defaults.LOCK_WAIT)
    with guard:
        results = run_import(m, inputs, dest, move=move, dry_run=dry_run) + unreadable
    if as_json:
        write_out(json.dumps([r.as_dict() for r in results], indent=2) + "\n")
    else:
        from sora_refs.cli.render import import_view

        print_view(import_view(results, str(dest), view_width()))
    if any(r.status == "error" for r in results):
        raise typer.Exit(1)

