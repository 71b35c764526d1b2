"""Hostile text in every exported field, read back by each format's own parsers.

Rebuilt from the attacks on round 2's exports: a URL holding ``}`` ended the field
and added fields or whole entries; an unbalanced brace in a title or category made
pybtex reject the file; ``Johnson and Johnson Research`` read as two authors; a comma
in a category split the JabRef group; a newline in a folder name started a second RIS
record; ``%%{init: ...}%%`` in a title reconfigured the Mermaid map; ``export -o``
replaced the manifest, a device or a FIFO.
"""

from __future__ import annotations

import dataclasses
import os
import re
import stat
import threading
from pathlib import Path
from urllib.parse import unquote

import bibtexparser
import pytest
import rispy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pybtex.database import parse_string as pybtex_parse

from sora_refs.cli import app
from sora_refs.readinglist import export
from sora_refs.readinglist.escape import (
    bibtex_file,
    group_name,
    latex_specials_back,
    mermaid_label,
    one_line,
)
from sora_refs.readinglist.manifest import Category, load_manifest
from sora_refs.readinglist.mindmap import tree_mermaid

NASTY = ["}", "{", "}}@misc{injected2020,title={x}}", "},note={INJECTED}", "\\", "%", "#",
         "&", "$", "_", "~", "^", ",", ";", ":", " and ", "\n", "\nER  - \nTY  - JOUR",
         "%%{init: {'theme':'forest'}}%%", "%%{init:", '"', "`", "<b>", "<img onerror=x>",
         "#quot;", "&amp;", "@", "=", "[/b]"]
nasty_text = st.lists(st.one_of(st.sampled_from(NASTY), st.text(
    st.characters(categories=("L", "N", "P", "S", "Zs")), min_size=1, max_size=8)),
    min_size=1, max_size=5).map("".join).filter(lambda s: one_line(s) != "")
nasty_url = st.lists(st.sampled_from(["}", "{", "\\", " ", '"', "x", "%7D", "},note={x}",
                                      "}}@misc{a,", "/p.pdf"]), max_size=5).map(
    lambda parts: "https://example.org/" + "".join(parts))


def hostile(real_manifest, title: str, author: str, category: str, url: str, note: str):
    ref = dataclasses.replace(real_manifest.references[16], title=title, note=note,
                              authors=(author, "Ada Lovelace"), urls=(url,))
    cats = [dataclasses.replace(c, en=category) if c.slug == ref.category.split("/")[0]
            else c for c in real_manifest.categories]
    refs = (*real_manifest.references[:16], ref, *real_manifest.references[17:])
    m = dataclasses.replace(real_manifest, categories=tuple(cats), references=refs)
    return m, ref


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(title=nasty_text, author=nasty_text, category=nasty_text, url=nasty_url,
       note=nasty_text)
@pytest.mark.parametrize("fmt", ["bibtex", "biblatex"])
def test_any_text_keeps_bibtex_entries_whole(real_manifest, fmt, title, author, category,
                                             url, note) -> None:
    m, ref = hostile(real_manifest, title, author, category, url, note)
    text = export.render(fmt, m.references, export.Context(m))
    lib = bibtexparser.parse_string(text)
    assert not lib.failed_blocks
    assert [e.key for e in lib.entries] == [r.key for r in m.references]
    strict = pybtex_parse(text, "bibtex")  # raises on any unbalanced brace
    assert list(strict.entries) == [r.key for r in m.references]
    entry = lib.entries_dict[ref.key]
    # Exactly the fields the exporter writes: nothing injected.
    assert "note" not in entry.fields_dict or entry["note"].startswith("Published")
    assert unquote(entry["url"]) == unquote(url)
    assert len(strict.entries[ref.key].persons["author"]) == 2
    assert latex_specials_back(entry["title"][1:-1]) == one_line(title)
    # Zotero tags and JabRef groups: the same names, each one group.
    chain = [group_name(c.en) for c in m.category_chain(ref.category)]
    assert entry["keywords"].split(", ") == chain == entry["groups"].split(", ")
    tree = re.findall(r"^\d+ StaticGroup:((?:\\.|[^\\])*?)\\;", text, re.M)
    assert [re.sub(r"\\(.)", r"\1", g) for g in tree] == [
        group_name(c.en) for c in m.walk_categories()]


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(title=nasty_text, author=nasty_text, category=nasty_text, url=nasty_url,
       note=nasty_text)
def test_any_text_keeps_ris_records_whole(real_manifest, title, author, category, url,
                                          note) -> None:
    m, _ = hostile(real_manifest, title, author, category, url, note)
    records = rispy.loads(export.render("ris", m.references, export.Context(m)))
    assert [r["id"] for r in records] == [r.key for r in m.references]
    rec = records[16]
    assert rec["title"] == one_line(title) and rec["notes"] == [one_line(note)]
    assert rec["keywords"][0] == one_line(category)


def test_a_corporate_author_stays_one_author(real_manifest) -> None:
    m, ref = hostile(real_manifest, "T", "Johnson and Johnson Research", "C",
                     "https://x.org/a.pdf", "n")
    text = export.render("bibtex", m.references, export.Context(m))
    persons = pybtex_parse(text, "bibtex").entries[ref.key].persons["author"]
    assert len(persons) == 2 and str(persons[0]) == "{Johnson and Johnson Research}"


@settings(max_examples=60, deadline=None)
@given(title=nasty_text)
def test_mermaid_labels_hold_no_directive_quote_or_tag(title) -> None:
    label = mermaid_label(title)
    inner = label[1:-1]
    assert label.startswith('"') and label.endswith('"') and '"' not in inner
    assert "%%" not in inner and "<" not in inner and "`" not in inner
    # What Mermaid shows: its entity codes decoded, HTML entities decoded.
    import html

    shown = html.unescape(re.sub(r"#(\w+);", r"&\1;", inner).replace("&35;", "&#35;")
                          .replace("&37;", "&#37;").replace("&96;", "&#96;"))
    assert shown == one_line(title)


def test_a_directive_in_a_title_stays_text_in_the_map(real_manifest) -> None:
    ref = dataclasses.replace(real_manifest.references[0],
                              title="%%{init: {'theme':'forest'}}%% <b>bold</b> \"q\" #1")
    m = dataclasses.replace(real_manifest, references=(ref,))
    out = tree_mermaid(m, [ref])
    assert "%%" not in out and "<b>" not in out
    assert "#37;#37;{init: {'theme':'forest'}}#37;#37; #lt;b#gt;bold" in out


# ---------------------------------------------------------------- export -o


def test_export_refuses_to_replace_the_manifest(runner, small_manifest) -> None:
    before = small_manifest.read_bytes()
    for target in (str(small_manifest), str(small_manifest.parent / "." / small_manifest.name)):
        result = runner.invoke(app, ["-m", str(small_manifest), "export", "-o", target])
        assert result.exit_code == 2, result.output
        assert "reading list this was made from" in result.output
    link = small_manifest.parent / "link.bib"
    link.symlink_to(small_manifest)
    result = runner.invoke(app, ["-m", str(small_manifest), "export", "-o", str(link)])
    assert result.exit_code == 2 and small_manifest.read_bytes() == before
    assert link.is_symlink()


def test_export_refuses_folders_links_and_missing_folders(runner, small_manifest,
                                                          tmp_path) -> None:
    other = tmp_path / "notes.txt"
    other.write_text("mine")
    (tmp_path / "to-notes.bib").symlink_to(other)
    for target, says in ((tmp_path, "is a folder"),
                         (tmp_path / "to-notes.bib", "symbolic link"),
                         (tmp_path / "no" / "such" / "x.bib", "does not exist")):
        result = runner.invoke(app, ["-m", str(small_manifest), "export", "-o", str(target)])
        assert result.exit_code == 2, result.output
        assert says in result.output
    assert other.read_text() == "mine" and not (tmp_path / "no").exists()


def test_export_streams_to_a_fifo_and_a_device(runner, small_manifest, tmp_path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    result = runner.invoke(app, ["-m", str(small_manifest), "export", "-o", str(fifo)])
    reader.join(10)
    assert result.exit_code == 0, result.output
    assert got and got[0].startswith(b"@") and b"alpha2019first" in got[0]
    assert stat.S_ISFIFO(fifo.stat().st_mode)  # still a FIFO, not replaced by a file
    result = runner.invoke(app, ["-m", str(small_manifest), "export", "-o", os.devnull])
    assert result.exit_code == 0 and stat.S_ISCHR(Path(os.devnull).stat().st_mode)
    result = runner.invoke(app, ["-m", str(small_manifest), "export", "-o", "-"])
    assert result.exit_code == 0 and result.stdout.startswith("@")


def test_a_path_bibtex_cannot_hold_is_not_linked_and_said(runner, tmp_path) -> None:
    from tests.conftest import SMALL_MANIFEST
    from tests.pdfs import pdf_for

    manifest = tmp_path / "m.yaml"
    manifest.write_text(SMALL_MANIFEST, encoding="utf-8")
    m = load_manifest(manifest)
    inbox = tmp_path / "in"
    inbox.mkdir()
    (inbox / "a.pdf").write_bytes(pdf_for(m.references[0]))
    dest = tmp_path / "lib } odd\nname"
    assert runner.invoke(app, ["-m", str(manifest), "import", str(inbox), "--dest",
                               str(dest)]).exit_code == 0
    for fmt in ("bibtex", "ris"):
        out = tmp_path / f"x.{fmt}"
        result = runner.invoke(app, ["-m", str(manifest), "export", "--format", fmt,
                                     "--with-files", "--dest", str(dest), "-o", str(out)])
        assert result.exit_code == 0, result.output
        assert "1 PDF(s) not linked" in result.output
        text = out.read_text()
        if fmt == "bibtex":
            pybtex_parse(text, "bibtex")
            assert "file" not in bibtexparser.parse_string(text).entries[0].fields_dict
        else:
            assert len(rispy.loads(text)) == 4


def test_group_names_are_one_group_each() -> None:
    cat = Category("x", "Patches, tokens; {and} more\\", "", "x", 0)
    assert group_name(cat.en) == "Patches， tokens； ｛and｝ more＼"
    assert bibtex_file("t", "ok/{balanced}.pdf") is not None
