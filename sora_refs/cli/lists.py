"""Commands that check and write reading lists: ``check`` (against arXiv), ``venues``
(against the venues' open indexes), ``add``, ``init``."""

# No ``from __future__ import annotations`` here: typer would then evaluate every
# option's annotation string of every command at each start (7 ms of a 100 ms budget).
from pathlib import Path
from typing import Annotated, Any

import typer

from sora_refs import defaults
from sora_refs.cli.base import (
    CategoryOpt,
    ManifestOpt,
    MirrorOpt,
    app,
    complete_category,
    handles_errors,
    load_for,
    manifest_path,
    print_view,
    stderr_console,
    view_width,
    warn,
    write_out,
)
from sora_refs.errors import EXIT_INTERRUPTED, UsageError


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
    when all agree, 1 when something differs or the API cannot be reached.
    """
    import json

    from sora_refs.bibliography.arxiv_api import check as check_refs
    from sora_refs.net.mirrors import parse_mirrors

    m = load_for(ctx, manifest)
    mirrors = parse_mirrors(mirror or [])
    results = check_refs(m, m.select(category=category), mirrors,
                         delay=defaults.ARXIV_API_DELAY, retries=defaults.ARXIV_API_RETRIES)
    if as_json:
        write_out(json.dumps([c.as_dict() for c in results], ensure_ascii=False, indent=2) + "\n")
    else:
        from sora_refs.cli.render import check_view

        print_view(check_view(results))
    if any(c.status != "agrees" for c in results):
        raise typer.Exit(1)


def _by_hand_opt(flag: str, metavar: str, text: str, **kw: Any) -> Any:
    """An option of ``add`` that describes a paper given by hand."""
    return typer.Option(flag, metavar=metavar, show_default=False, help=f"By hand: {text}",
                        **kw)


@app.command()
@handles_errors
def add(
    ctx: typer.Context,
    handles: Annotated[
        list[str] | None,
        typer.Argument(help="arXiv ids or URLs (2212.09748), or DOIs (10.1109/CVPR.2016.90, "
                       "or a doi.org link).", show_default=False, metavar="ID_OR_DOI")
    ] = None,
    category: Annotated[
        str, typer.Option("--category", "-c", metavar="PATH", show_default=False,
                          autocompletion=complete_category,
                          help="Category for the new references: a path or a slug.")
    ] = "",
    title: Annotated[str | None, _by_hand_opt(
        "--title", "TEXT", "the title of a paper with no arXiv id or DOI (then --author, "
        "and --year, --venue, --url, --doi).")] = None,
    authors: Annotated[list[str] | None, _by_hand_opt(
        "--author", "NAME", "an author, first name first; once per author, in order.")
    ] = None,
    year: Annotated[int | None, _by_hand_opt("--year", "YEAR", "the year of publication.",
                                             min=1000, max=2999)] = None,
    venue: Annotated[str, _by_hand_opt("--venue", "TEXT", "where it appeared, as you cite "
                                       "it (e.g. CVPR).")] = "",
    urls: Annotated[list[str] | None, _by_hand_opt(
        "--url", "URL", "a PDF's address; repeat for more copies, in the order to try them.")
    ] = None,
    doi: Annotated[str, _by_hand_opt("--doi", "DOI", "the paper's DOI, if it has one.")] = "",
    note: Annotated[
        str, typer.Option("--note", metavar="TEXT", show_default=False,
                          help="Why it is on the list, in one sentence.")
    ] = "",
    manifest: ManifestOpt = None,
    mirror: MirrorOpt = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the new entries; change nothing.")
    ] = False,
) -> None:
    """Append references to the manifest: by arXiv id or DOI (their metadata from
    arXiv, or Crossref and Unpaywall), or by hand with --title and --author.

    Numbers continue after the last reference; keys follow the manifest's style. The
    file's comments and order are kept: the entries are inserted as text at the end of
    its references list, and the result is validated before it is written.
    """
    from sora_refs.net.mirrors import parse_mirrors
    from sora_refs.readinglist import editing, new_entries

    path = own_manifest(ctx, manifest, "add")  # before asking anything
    m = load_for(ctx, manifest)
    if not category:
        raise UsageError("add needs --category: a path or a slug of the list's tree, one "
                         f"of {', '.join(c.path for c in m.walk_categories())}.")
    made = new_entries.Entries(m, category)
    by_hand = _by_hand(title, authors or [], year, venue, urls or [], doi, note)
    if by_hand and handles:
        raise UsageError("give arXiv ids or DOIs, or one paper by hand (--title, --author, "
                         "...), not both in one add.")
    if by_hand is None and not handles:
        raise UsageError("add needs an arXiv id or URL, a DOI, or a paper by hand: "
                         "--title \"...\" --author \"...\" [--year Y --url PDF-URL].")
    if by_hand is None:
        from sora_refs.bibliography import lookup

        for kind, value in lookup.kinds(handles or []):  # before any request
            made.refuse_known(**{kind: value})
        papers = lookup.look_up(handles or [], parse_mirrors(mirror or []), note,
                                delay=defaults.ARXIV_API_DELAY,
                                retries=defaults.ARXIV_API_RETRIES)
    else:
        papers = [by_hand]
    entries = [made.add(p) for p in papers]
    new_text = editing.append_references(path, path.read_text(encoding="utf-8"), entries)
    if dry_run:
        write_out("".join(editing.entry_text(e, 2, 4) for e in entries))
        return
    editing.write_manifest(path, new_text)
    for e in entries:
        where = "" if e["urls"] else " (no open PDF known: fetch will skip it; add one " \
            "with --url or import a copy you have)"
        warn(f"Added {e['n']}. {e['title']} ({e['key']}) to {path}{where}")


def _by_hand(title: str | None, authors: list[str], year: int | None, venue: str,
             urls: list[str], doi: str, note: str) -> Any:
    """The paper given by hand, or None when no --title was given (then none of the
    by-hand options may be)."""
    from sora_refs.readinglist.new_entries import Paper
    from sora_refs.readinglist.validate import URL_RE
    from sora_refs.text import doi_in

    if title is None:
        extra = [o for o, v in (("--author", authors), ("--year", year), ("--venue", venue),
                                ("--url", urls), ("--doi", doi)) if v]
        if extra:
            raise UsageError(f"{', '.join(extra)} {'describe' if len(extra) > 1 else 'describes'}"
                             " a paper added by hand: give its "
                             "--title too (or drop them to add by arXiv id or DOI).")
        return None
    if not title.strip():
        raise UsageError("--title is empty: give the paper's title.")
    if not [a for a in authors if a.strip()]:
        raise UsageError("a paper added by hand needs --author (once per author, first "
                         "name first, e.g. --author \"Kaiming He\").")
    for u in urls:
        if not URL_RE.match(u):
            raise UsageError(f"--url {u!r} is not an http:// or https:// address.")
    if doi and not doi_in(doi):
        raise UsageError(f"--doi {doi!r} is not a DOI (expected e.g. 10.1109/CVPR.2016.90).")
    return Paper(" ".join(title.split()), tuple(" ".join(a.split()) for a in authors
                                                if a.strip()),
                 year, " ".join(venue.split()), tuple(urls), doi=doi_in(doi) or None,
                 note=" ".join(note.split()))


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

        refuse_existing(path)
        if dry_run or as_json:
            raise UsageError("--dry-run and --json go with --from.")
        init_manifest(path, title)
        stderr_console().print(f"Created {path}. Next: sora-refs --manifest {path} add ARXIV_ID "
                        "--category basics", highlight=False, markup=False)
        return

    from sora_refs.bibliography.init_from import run
    from sora_refs.cli.runner import sigterm_as_interrupt
    from sora_refs.net.mirrors import parse_mirrors

    if not dry_run:
        refuse_existing(path)
    mirrors = parse_mirrors(mirror or [])
    err = stderr_console()
    with sigterm_as_interrupt():  # Ctrl-C and SIGTERM end the lookups, not the work
        result = run(source, title, mirrors, delay, target=path,
                     progress=(lambda message: warn(f"… {message}")) if err.is_terminal or
                     not as_json else (lambda message: None))
    if dry_run:
        write_out(result.text)
    else:
        from sora_refs.readinglist.editing import write_new

        write_new(path, result.text)
    _init_report(result, result.source, path, as_json, dry_run)
    if result.stopped:
        warn(f"The lookups stopped early: {result.stopped} The list is written with every "
             "reference it read; those not looked up are marked unresolved. Run the same "
             "command again with a new file name once arXiv can be reached: answers "
             "already received are cached, so it continues where this run stopped.")
    if result.interrupted:
        warn("Interrupted: the list is written with what was found so far.")
        raise typer.Exit(EXIT_INTERRUPTED)
    if not result.complete:
        raise typer.Exit(1)


def own_manifest(ctx: typer.Context, manifest: Path | None, command: str) -> Path:
    """The user's own list that ``command`` edits: never the bundled one, which lives
    inside the installed package (an edit there is lost on the next install)."""
    from sora_refs.readinglist import editing
    from sora_refs.readinglist.manifest import packaged_manifest_path

    given = manifest_path(ctx, manifest)
    if given is not None:
        editing.check_writable(Path(given))
    if given is None or Path(given).resolve() == packaged_manifest_path().resolve():
        raise UsageError(
            f"{command} edits a reading list of your own, and none was given: the bundled "
            "refs.yaml lives inside the installed package, where an edit is lost on the next "
            "install. Start one with `sora-refs init my-list.yaml` (or copy refs.yaml), then "
            f"`sora-refs --manifest my-list.yaml {command} ...` (or set SORA_REFS_MANIFEST).")
    return Path(given)


@app.command()
@handles_errors
def venues(
    ctx: typer.Context,
    manifest: ManifestOpt = None,
    category: CategoryOpt = None,
    mirror: MirrorOpt = None,
    write: Annotated[bool, typer.Option(
        "--write", help="Put each index's copy first in the list's urls (your own list; "
                        "the other URLs stay after it).")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")
                       ] = False,
) -> None:
    """Compare the list's venue PDFs with the venues' own open indexes (CVF, NeurIPS,
    ICLR 2024+, PMLR, ECVA): per reference, the copy the index links and whether the
    list has it. Edits nothing without --write. Exit 0 when every reference agrees (or
    was written), 1 when some differ or an index could not be read."""
    import json

    from sora_refs.bibliography.resolvers.venues import VenueFinder
    from sora_refs.bibliography.venue_check import compare
    from sora_refs.net.mirrors import parse_mirrors
    from sora_refs.readinglist import editing

    path = own_manifest(ctx, manifest, "venues --write") if write else None
    m = load_for(ctx, manifest)
    finder = VenueFinder(parse_mirrors(mirror or []),
                         progress=lambda message: warn(f"… {message}"))
    try:
        checks = compare(m.select(category=category), finder)
    finally:
        finder.close()
    changes = {c.ref.n: c.proposed for c in checks if c.proposed}
    if as_json:
        write_out(json.dumps({"references": [c.as_dict() for c in checks],
                              "unavailable": finder.unavailable,
                              "requests": finder.requests}, indent=2) + "\n")
    else:
        from sora_refs.cli.reports import venue_view

        print_view(venue_view(checks, finder.unavailable, view_width()))
    if write and changes and path is not None:
        text = path.read_text(encoding="utf-8")
        editing.write_manifest(path, editing.set_urls(path, text, changes))  # type: ignore[arg-type]
        warn(f"Put the venue copy first for {len(changes)} reference(s) in {path}.")
        changes = {}
    if changes or any(c.state == "unavailable" for c in checks):
        raise typer.Exit(1)


def refuse_existing(path: Path) -> None:
    """init never overwrites: a folder or a file at ``path`` is refused, said as such."""
    if path.is_dir():
        raise UsageError(f"{path} is a folder; give the new list's file name, such as "
                         f"{path / 'refs.yaml'}.")
    if path.exists() or path.is_symlink():
        raise UsageError(f"{path} exists already; init never overwrites a file.")


def _init_report(result: Any, source: str, path: Path, as_json: bool, dry_run: bool) -> None:
    import json

    if as_json:
        report = {"source": source, "manifest": None if dry_run else str(path.absolute()),
                  "requests": result.requests, "cached": result.cached,
                  "seconds": round(result.seconds, 2), "notes": result.notes,
                  "stopped": result.stopped or None, "interrupted": result.interrupted,
                  "venue_requests": result.venue_requests,
                  "venues_unavailable": result.unavailable,
                  "doi_requests": result.doi_requests,
                  "doi_services_unavailable": result.doi_unavailable,
                  "references": [r.as_dict() for r in result.rows]}
        if not dry_run:
            write_out(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
        else:
            warn(json.dumps(report, ensure_ascii=False))
        return
    from sora_refs.cli.reports import init_view

    if dry_run:
        stderr_console().print(init_view(result, None, stderr_console().width))
    else:
        print_view(init_view(result, str(path), view_width()))
