"""Commands that read the list: ``list``, ``export``, ``show``, ``stats``, ``tree``."""

# No ``from __future__ import annotations`` here: typer would then evaluate every
# option's annotation string of every command at each start (7 ms of a 100 ms budget).
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from sora_refs import defaults
from sora_refs.cli.base import (
    CategoryOpt,
    DestOpt,
    ExportFormat,
    LibraryOpt,
    ListFormat,
    ManifestOpt,
    RefArg,
    SearchOpt,
    TreeFormat,
    VenueOpt,
    YearOpt,
    app,
    handles_errors,
    library_for,
    load_for,
    print_view,
    save_svg,
    warn,
    write_out,
)
from sora_refs.errors import SoraRefsError, UsageError
from sora_refs.readinglist import export

if TYPE_CHECKING:
    from sora_refs.readinglist.model import Manifest, Reference


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
    m = load_for(ctx, manifest)
    refs = m.select(category=category, year=year, venue=venue, search=search)
    name = _one_format(fmt.value if fmt else None, as_json, "table")
    library = library_for(dest)
    disk = None
    if library is not None:
        from sora_refs.library.inventory import quick_status

        disk = quick_status(m, refs, library)
    if name != "table":
        write_out(export.render(name, refs, export.Context(m, status=disk)))
        return
    if disk and dest is None and all(v == "missing" for v in disk.values()):
        disk = None  # ./papers holds nothing yet (an offline first fetch): no column
    from sora_refs.cli.tables import Terminal, reference_table

    title = f"{m.title}: {len(refs)} of {len(m.references)}"
    write_out(reference_table(refs, title, Terminal.of(sys.stdout), disk))


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

    m = load_for(ctx, manifest)
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
    if context.unlinked:
        warn(f"{len(context.unlinked)} PDF(s) not linked: {name} cannot hold their path as "
             f"it is ({context.unlinked[0]}); a folder name without line breaks or unpaired "
             "braces can be linked.")
    if output is None or str(output) == "-":
        write_out(text)
        return
    from sora_refs.safefile import write_named

    try:
        stream = write_named(output, text, protected=[m.path])
    except OSError as exc:
        raise SoraRefsError(f"could not write {exc.filename or output}: "
                            f"{exc.strerror or exc}.") from None
    if not stream:
        linked = f", {len(context.files) - len(context.unlinked)} with their PDF" \
            if with_files else ""
        from sora_refs.text import plural

        warn(f"Wrote {plural(len(refs), 'reference')}{linked} to {output} ({name}).")


@app.command()
@handles_errors
def show(
    ctx: typer.Context,
    ref: RefArg,
    manifest: ManifestOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead.")] = False,
    dest: DestOpt = None,
) -> None:
    """Show everything about one reference, and where its PDF is."""
    m = load_for(ctx, manifest)
    r = m.find(ref)
    library = library_for(dest)
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
        write_out(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
        return
    from sora_refs.cli.render import reference_detail

    print_view(reference_detail(r, m, filed))


@app.command("open")
@handles_errors
def open_(
    ctx: typer.Context,
    ref: RefArg,
    manifest: ManifestOpt = None,
    dest: DestOpt = None,
    web: Annotated[bool, typer.Option("--web", help="Open the paper's page in the browser "
                                      "instead (arXiv abstract, DOI link, or its first "
                                      "URL).")] = False,
    print_only: Annotated[bool, typer.Option("--print", help="Print the path or address "
                                             "instead of opening it, e.g. for "
                                             "zathura \"$(sora-refs open ho --print)\".")
                          ] = False,
) -> None:
    """Open a paper's PDF from the library in the system's viewer, or its page with --web."""
    m = load_for(ctx, manifest)
    r = m.find(ref)
    if web:
        target = r.page_url
        if target is None:
            raise SoraRefsError(f"{r.n}. {r.key} has no arXiv id, DOI or URL to open; add "
                                "one to the list, or open the PDF on disk (without --web).")
    else:
        target = str(_filed_pdf(m, r, library_for(dest)))
    if print_only:
        write_out(target + "\n")
        return
    if typer.launch(target) != 0:
        raise SoraRefsError(f"no program to open it was found (xdg-open on Linux, open on "
                            f"macOS); open it yourself: {target}")


def _filed_pdf(m: "Manifest", r: "Reference", library: Path | None) -> Path:
    """The reference's PDF in the library, a regular file inside it (never a link out).

    Raises:
        SoraRefsError: it is not there (exit 1), with how to get it.
    """
    from sora_refs.library.inventory import quick_status
    from sora_refs.library.layout import relative_path

    where = library if library is not None else Path(defaults.DEFAULT_DEST)
    path = where / relative_path(m, r)
    if library is None or path.is_symlink() or not path.is_file():
        raise SoraRefsError(f"{r.n}. {r.key} is not in {where}/ yet: fetch it with "
                            f"`sora-refs fetch {r.key} --dest {where}` (or import a copy you "
                            f"have with `sora-refs import FILE --dest {where}`), or open its "
                            f"page with `sora-refs open {r.key} --web`.")
    if quick_status(m, [r], library)[r.n] != "ok":
        warn(f"note: {path} is not verified yet (or changed since); `sora-refs verify` "
             "checks that it is this paper.")
    return path.absolute()


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

    m = load_for(ctx, manifest)
    refs = m.select(category=category)
    data = stats_mod.compute(m, refs)
    library = library_for(dest)
    if library is not None:
        from sora_refs.library.inventory import library_totals

        data["library"] = library_totals(m, refs, library)
    if as_json:
        from sora_refs.readinglist.export import stats_json

        write_out(stats_json(data))
    else:
        from sora_refs.cli.tables import Terminal, stats_view

        write_out(stats_view(data, Terminal.of(sys.stdout)))
        if svg:
            from sora_refs.cli.screen import from_ansi

            colour = Terminal(width=100, color=True)
            save_svg(from_ansi(stats_view(data, colour)), svg, "sora-refs stats")


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
    m = load_for(ctx, manifest)
    refs = m.select(category=category)
    from sora_refs.readinglist import mindmap

    if fmt is TreeFormat.mermaid:
        write_out(mindmap.tree_mermaid(m, refs, prune=bool(category)))
    elif fmt is TreeFormat.markdown:
        write_out(mindmap.tree_markdown(m, refs, prune=bool(category)))
    else:
        from sora_refs.cli.render import tree_view

        view = tree_view(m, refs, prune=bool(category))
        print_view(view)
        if svg:
            save_svg(view, svg, "sora-refs tree")

