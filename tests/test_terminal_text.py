"""Text from outside reaches the terminal as written: never read as rich markup.

The attacks these tests rebuild: a title, note, category, file name or ``--dest``
holding ``[/b]`` ended commands with an internal error after files were written;
``reading notes [annotated].pdf`` lost its brackets; a note holding
``[link=https://evil.example/steal]...[/link]`` drew a hyperlink to the attacker's page.
"""

from __future__ import annotations

import dataclasses
import io
import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sora_refs.cli import app
from sora_refs.cli.render import reference_detail, tree_view
from sora_refs.cli.screen import console, text
from sora_refs.readinglist.manifest import load_manifest
from tests.conftest import SMALL_MANIFEST
from tests.pdfs import pdf_for

MARKUP = ["[/b]", "[/draft]", "[/etc/hosts]", "[bold]", "[/]", "[link=https://evil.example/steal]",
          "[/link]", "[conceal]", ":smile:", "\\[", "[red on white]", "[data-processing/x]"]

# Printable text with markup, emoji codes and brackets mixed in (control characters are
# refused by the manifest's validation and made printable by the screen anyway).
outside_text = st.lists(
    st.one_of(st.sampled_from(MARKUP),
              st.text(st.characters(categories=("L", "N", "P", "S")), min_size=1, max_size=12)),
    min_size=1, max_size=6).map(" ".join)


def squeezed(s: str) -> str:
    return "".join(s.split())


def rendered(renderable: object, width: int = 200, colour: bool = False) -> str:
    out = io.StringIO()
    console(file=out, width=width, force_terminal=colour, color_system="truecolor"
            if colour else None).print(renderable)
    return out.getvalue()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(title=outside_text, note=outside_text, author=outside_text)
def test_any_text_is_shown_as_written_in_every_view(real_manifest, title, note, author) -> None:
    ref = dataclasses.replace(real_manifest.references[0], title=title, note=note,
                              authors=(author,))
    m = dataclasses.replace(real_manifest, references=(ref, *real_manifest.references[1:]))
    detail = squeezed(rendered(reference_detail(ref, m)))
    for value in (title, note, author, f"[{ref.category}]"):
        assert squeezed(value) in detail
    assert squeezed(f"1. {title}") in squeezed(rendered(tree_view(m, [ref])))
    coloured = rendered(reference_detail(ref, m), colour=True)
    assert "\x1b]8;" not in coloured  # no terminal hyperlink, whatever the note says


def test_screen_text_makes_escape_sequences_printable() -> None:
    shown = rendered(text("a\x1b]8;;https://evil.example\x07b", ("\x1b[2Jc", "bold")))
    assert "\x1b" not in shown and "\x07" not in shown
    assert squeezed(shown) == squeezed("a ]8;;https://evil.example b [2Jc")
    assert "\x1b" not in rendered("plain string \x1b[31mred")


HOSTILE = {"title": "Attention [/b] Is All [bold]You Need [/draft]",
           "note": "[link=https://evil.example/steal]the official code[/link] [conceal]x[/conceal]",
           "en": "Nets [/etc/hosts]"}


def hostile_manifest(tmp_path: Path) -> Path:
    text_ = (SMALL_MANIFEST
             .replace('"First Paper: On Alphas & Betas"', json.dumps(HOSTILE["title"]))
             .replace("note: The first one.", f"note: {json.dumps(HOSTILE['note'])}")
             .replace("en: Networks", f"en: {json.dumps(HOSTILE['en'])}"))
    path = tmp_path / "hostile.yaml"
    path.write_text(text_, encoding="utf-8")
    load_manifest(path)  # the manifest itself is valid
    return path


def test_commands_print_hostile_manifest_text_as_written(runner, tmp_path, monkeypatch) -> None:
    path = hostile_manifest(tmp_path)
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setenv("FORCE_COLOR", "1")
    for args, expect in ((["show", "1"], [HOSTILE["title"], HOSTILE["note"], "[basics/nets]"]),
                         (["tree"], [HOSTILE["title"], HOSTILE["en"]]),
                         (["list"], ["Attention [/b] Is All"]),
                         (["fetch", "--dry-run", "1", "--dest", str(tmp_path / "lib[/b]")],
                          ["lib[/b]"])):
        result = runner.invoke(app, ["-m", str(path), *args])
        assert result.exit_code == 0, (args, result.output)
        plain = result.output
        assert "\x1b]8;" not in plain and "Internal error" not in plain
        for piece in expect:
            assert squeezed(piece) in squeezed(_uncoloured(plain)), (args, piece)


def _uncoloured(s: str) -> str:
    import re

    return re.sub(r"\x1b\[[0-9;]*m", "", s)


def test_fetch_into_a_bracketed_folder_reports_every_paper(runner, tmp_path, web) -> None:
    path = hostile_manifest(tmp_path)
    m = load_manifest(path)
    web.serve_manifest(m)
    dest = tmp_path / "papers [/draft]"
    result = runner.invoke(app, ["-m", str(path), "fetch", "--dest", str(dest),
                                 *web.mirror_args()], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "4 downloaded" in result.output
    assert squeezed(f"fetch → {dest}") in squeezed(result.output)
    assert len(list(dest.rglob("*.pdf"))) == 4


def test_import_keeps_the_brackets_of_a_file_name(runner, tmp_path, small_manifest) -> None:
    m = load_manifest(small_manifest)
    inbox = tmp_path / "Downloads"
    inbox.mkdir()
    (inbox / "reading notes [annotated].pdf").write_bytes(pdf_for(m.references[1]))
    result = runner.invoke(app, ["-m", str(small_manifest), "import", str(inbox),
                                 "--dest", str(tmp_path / "lib [/b]")],
                           env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "[annotated].pdf" in result.output and "imported" in result.output
    assert (inbox / "reading notes [annotated].pdf").exists()
