"""Exports for reference managers, read back by independent parsers: bibtexparser and
pybtex for BibTeX, rispy for RIS, citeproc-py for CSL-JSON, and the ``file`` fields
read the way Zotero's BibTeX translator reads them."""

from __future__ import annotations

import json
import re
from pathlib import Path

import bibtexparser
import pytest
import rispy
import yaml
from pybtex.database import parse_string as pybtex_parse

from sora_refs.cli import app
from sora_refs.library.layout import relative_path
from sora_refs.readinglist.manifest import load_manifest
from tests.pdfs import pdf_for


def _export(runner, *args: str) -> str:
    result = runner.invoke(app, ["export", *args])
    assert result.exit_code == 0, result.output
    return result.stdout


def _one_category_list(path: Path, *refs: dict[str, object]) -> Path:
    """A list of one category holding ``refs`` (numbered in order, no URLs unless
    given), written to ``path``."""
    items = [{"n": n, "urls": [], "category": "c", "note": "x.", **ref}
             for n, ref in enumerate(refs, 1)]
    path.write_text(yaml.safe_dump({"categories": [{"slug": "c", "en": "C"}],
                                    "references": items}, sort_keys=False,
                                   allow_unicode=True), encoding="utf-8")
    return path


def _export_list(runner, path: Path, fmt: str) -> str:
    """What ``export --format FMT`` writes for the list at ``path``."""
    result = runner.invoke(app, ["--manifest", str(path), "export", "--format", fmt])
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.fixture
def library(runner, tmp_path, real_manifest) -> Path:
    """A library holding the papers of the diffusion and llm blocks, imported."""
    src = tmp_path / "downloads"
    src.mkdir()
    for ref in real_manifest.select(category="diffusion") + real_manifest.select(
            category="llm"):
        (src / f"{ref.key}.pdf").write_bytes(pdf_for(ref))
    dest = tmp_path / "My Library; with: odd $ chars"
    result = runner.invoke(app, ["import", str(src), "--dest", str(dest)])
    assert result.exit_code == 0, result.output
    return dest


# ---------------------------------------------------------------- BibTeX


def test_bibtex_reads_the_same_in_two_parsers(runner, real_manifest) -> None:
    text = _export(runner, "--format", "bibtex")
    lib = bibtexparser.parse_string(text)
    assert not lib.failed_blocks
    other = pybtex_parse(text, "bibtex")
    assert [e.key for e in lib.entries] == list(other.entries) == [
        r.key for r in real_manifest.references]
    for ref in real_manifest.references:
        a, b = lib.entries_dict[ref.key], other.entries[ref.key]
        assert a["title"].strip("{}") == str(b.fields["title"]).strip("{}")
        assert len(b.persons["author"]) == len(ref.authors)
        if ref.arxiv:
            assert a["eprint"] == ref.arxiv and a["archiveprefix"] == "arXiv"
        # The mind map survives: the category path as keywords (Zotero tags) and groups.
        chain = [c.en for c in real_manifest.category_chain(ref.category)]
        assert a["keywords"] == ", ".join(chain) == a["groups"]
    assert lib.entries_dict["vaswani2017attention"].entry_type == "inproceedings"
    assert lib.entries_dict["ha2018world"].entry_type == "article"
    assert lib.entries_dict["betker2023improving"].entry_type == "techreport"
    # JabRef's group tree, one explicit group per category.
    assert "jabref-meta: grouping:" in text
    assert text.count("StaticGroup:") == len(list(real_manifest.walk_categories()))


def test_journals_are_articles_and_every_known_venue_has_its_full_name(runner,
                                                                      tmp_path) -> None:
    """A journal (JMLR) is an article in its journal, in every format; a conference the
    venue table knows (AISTATS) is a paper in its proceedings, not a report."""
    path = _one_category_list(
        tmp_path / "list.yaml",
        {"key": "raffel2020t5", "title": "Exploring the limits of transfer learning",
         "authors": ["Colin Raffel"], "year": 2020, "venue": "JMLR",
         "urls": ["https://x.example.org/1.pdf"]},
        {"key": "glorot2010", "title": "Understanding the difficulty of training deep "
         "feedforward neural networks", "authors": ["Xavier Glorot"], "year": 2010,
         "venue": "AISTATS", "urls": ["https://x.example.org/2.pdf"]})
    bib = bibtexparser.parse_string(_export_list(runner, path, "bibtex")).entries_dict
    assert bib["raffel2020t5"].entry_type == "article"
    assert bib["raffel2020t5"]["journal"] == "Journal of Machine Learning Research"
    assert bib["glorot2010"].entry_type == "inproceedings"
    assert "Artificial Intelligence and Statistics" in bib["glorot2010"]["booktitle"]
    late = bibtexparser.parse_string(_export_list(runner, path, "biblatex"))
    assert late.entries_dict["raffel2020t5"]["journaltitle"] == (
        "Journal of Machine Learning Research")
    ris = {e["id"]: e for e in rispy.loads(_export_list(runner, path, "ris"))}
    assert ris["raffel2020t5"]["type_of_reference"] == "JOUR"
    assert ris["raffel2020t5"]["secondary_title"] == "Journal of Machine Learning Research"
    assert ris["glorot2010"]["type_of_reference"] == "CPAPER"
    csl = {i["id"]: i for i in json.loads(_export_list(runner, path, "csl-json"))}
    assert csl["raffel2020t5"]["type"] == "article-journal"
    assert csl["raffel2020t5"]["container-title"] == "Journal of Machine Learning Research"
    assert csl["glorot2010"]["type"] == "paper-conference"


def test_a_journal_the_venue_table_does_not_know_is_still_an_article(runner,
                                                                      tmp_path) -> None:
    """An unknown venue is a journal when its citation prints a volume after it, or its
    name says so; a lab's report stays a report."""
    path = _one_category_list(
        tmp_path / "list.yaml",
        {"key": "duane1987hybrid", "title": "Hybrid monte carlo", "authors": ["Simon Duane"],
         "year": 1987, "venue": "Physics letters B",
         "cited": "Simon Duane. Hybrid monte carlo. Physics letters B, 195(2):216–222, 1987."},
        {"key": "gershman2012", "title": "A tutorial on Bayesian nonparametric models",
         "authors": ["S. J. Gershman"], "year": 2012,
         "venue": "Journal of Mathematical Psychology"},
        {"key": "betker2023", "title": "Improving image generation with better captions",
         "authors": ["James Betker"], "year": 2023, "venue": "OpenAI"})
    bib = bibtexparser.parse_string(_export_list(runner, path, "bibtex")).entries_dict
    assert bib["duane1987hybrid"].entry_type == "article"
    assert bib["duane1987hybrid"]["journal"] == "Physics letters B"
    assert bib["gershman2012"].entry_type == "article"
    assert bib["betker2023"].entry_type == "techreport"
    ris = {e["id"]: e for e in rispy.loads(_export_list(runner, path, "ris"))}
    assert [ris[k]["type_of_reference"] for k in ("duane1987hybrid", "betker2023")] == [
        "JOUR", "RPRT"]


def test_biblatex_uses_its_own_types_and_fields(runner) -> None:
    lib = bibtexparser.parse_string(_export(runner, "--format", "biblatex"))
    e = lib.entries_dict
    assert e["ha2018world"].entry_type == "online"
    assert e["ha2018world"]["eprinttype"] == "arxiv" and "archiveprefix" not in e[
        "ha2018world"].fields_dict
    assert e["betker2023improving"].entry_type == "report"


def _zotero_file_records(raw: str) -> list[dict[str, str]]:
    """The ``file`` field as Zotero's BibTeX translator reads it: records split on
    unescaped ';', fields on unescaped ':', then backslash-escapes of anything but
    letters, digits and '.' undone."""
    def split(text: str, sep: str) -> list[str]:
        parts, start, i = [], 0, 0
        while i < len(text):
            if text[i] == "\\":
                i += 2
                continue
            if text[i] == sep:
                parts.append(text[start:i])
                start = i + 1
            i += 1
        parts.append(text[start:])
        return parts

    out = []
    for record in split(raw, ";"):
        fields = [re.sub(r"\\([^A-Za-z0-9.])", r"\1", f) for f in split(record, ":")]
        assert len(fields) == 3, record
        out.append({"title": fields[0], "path": fields[1], "mime": fields[2]})
    return out


def _raw_field(text: str, key: str, field: str) -> str:
    """A field's raw value (braces kept as written), as Zotero's reader sees it."""
    entry = text.split("{" + key + ",", 1)[1].split("\n}", 1)[0]
    line = next(x for x in entry.splitlines() if x.strip().startswith(field + " "))
    return line.split("= {", 1)[1].rsplit("}", 1)[0]


def test_file_fields_link_the_pdfs_the_way_zotero_reads_them(runner, library, tmp_path,
                                                             real_manifest) -> None:
    out = tmp_path / "exports" / "sora.bib"
    out.parent.mkdir()
    runner.invoke(app, ["export", "--with-files", "--dest", str(library), "-o", str(out)])
    text = out.read_text(encoding="utf-8")
    lib = bibtexparser.parse_string(text)
    assert not lib.failed_blocks
    linked = [e for e in lib.entries if "file" in e.fields_dict]
    assert len(linked) == 10  # the ten papers in the library; the others have no file
    for e in linked:
        (rec,) = _zotero_file_records(_raw_field(text, e.key, "file"))
        ref = real_manifest.find(e.key)
        assert rec["mime"] == "application/pdf" and rec["title"] == ref.title
        # Relative to the .bib: the library folder can move with it.
        assert not Path(rec["path"]).is_absolute()
        target = (out.parent / rec["path"]).resolve()
        assert target == (library / relative_path(real_manifest, ref)).resolve()
        assert target.read_bytes() == pdf_for(ref)
    # The folder name's ';', ':' and '$' came through escaped, and back.
    assert "\\;" in text and "\\:" in text and "\\$" in text
    assert "@Comment{jabref-meta: fileDirectory:.;}" in text


def test_the_zotero_reader_splits_several_files() -> None:
    from sora_refs.readinglist.escape import bibtex_file

    raw = ";".join([bibtex_file("A: first; {x}", "a/b;c.pdf"),
                    bibtex_file("B $", "d\\e:f {2}.pdf")])
    assert _zotero_file_records(raw) == [
        {"title": "A: first; ｛x｝", "path": "a/b;c.pdf", "mime": "application/pdf"},
        {"title": "B $", "path": "d\\e:f {2}.pdf", "mime": "application/pdf"}]
    assert bibtex_file("x", "a}b.pdf") is None and bibtex_file("x", "a\nb.pdf") is None


# ---------------------------------------------------------------- RIS and CSL-JSON


def test_ris_reads_back_with_rispy(runner, library, tmp_path, real_manifest) -> None:
    out = tmp_path / "sora.ris"
    runner.invoke(app, ["export", "-f", "ris", "--with-files", "--dest", str(library), "-o",
                        str(out)])
    entries = rispy.loads(out.read_text(encoding="utf-8"))
    assert [e["id"] for e in entries] == [r.key for r in real_manifest.references]
    by_id = {e["id"]: e for e in entries}
    ddpm = by_id["ho2020denoising"]
    assert ddpm["type_of_reference"] == "CPAPER"
    assert ddpm["authors"] == ["Ho, Jonathan", "Jain, Ajay", "Abbeel, Pieter"]
    assert ddpm["keywords"] == ["Learning method: diffusion models"]
    pdf = (out.parent / ddpm["file_attachments1"]).resolve()
    assert pdf.read_bytes() == pdf_for(real_manifest.find("22"))
    assert "file_attachments1" not in by_id["ha2018world"]  # not in the library


CSL_TYPES = {"article", "paper-conference", "report"}
CSL_FIELDS = {"id", "type", "title", "author", "issued", "keyword", "note", "URL",
              "container-title", "publisher", "number"}


def test_csl_json_renders_with_citeproc(runner, real_manifest) -> None:
    import os

    import citeproc
    from citeproc import (
        Citation,
        CitationItem,
        CitationStylesBibliography,
        CitationStylesStyle,
        formatter,
    )
    from citeproc.source.json import CiteProcJSON

    data = json.loads(_export(runner, "--format", "csl-json"))
    assert len(data) == 32
    for item in data:  # the CSL data schema's constraints that apply here
        assert item["type"] in CSL_TYPES and set(item) <= CSL_FIELDS
        assert all(set(a) <= {"family", "given", "literal"} for a in item["author"])
    styles = os.path.join(os.path.dirname(citeproc.__file__), "data", "styles")
    style = CitationStylesStyle(os.path.join(styles, sorted(os.listdir(styles))[0]),
                                validate=False)
    bib = CitationStylesBibliography(style, CiteProcJSON(data), formatter.plain)
    for item in data:
        bib.register(Citation([CitationItem(item["id"])]))
    rendered = [str(e) for e in bib.bibliography()]
    assert len(rendered) == 32
    assert any(r.startswith("Vaswani, A. et al. (2017) “Attention Is All You Need”, Advances "
                            "in Neural Information Processing Systems") for r in rendered)


# ---------------------------------------------------------------- the command


def test_export_filters_like_list_and_refuses_what_cannot_be(runner, tmp_path) -> None:
    text = _export(runner, "-f", "BibTeX", "-c", "llm")
    assert len(bibtexparser.parse_string(text).entries) == 2
    result = runner.invoke(app, ["export", "-f", "csl-json", "--with-files"])
    assert result.exit_code == 2 and "no such field" in result.stderr
    result = runner.invoke(app, ["export", "--with-files", "--dest", str(tmp_path / "none")])
    assert result.exit_code == 2 and "no library" in result.stderr
    same = runner.invoke(app, ["list", "--format", "bibtex", "-c", "llm"]).stdout
    assert same == text  # list --format is the same registry


def test_manifest_text_is_escaped_for_latex(runner, small_manifest) -> None:
    lib = bibtexparser.parse_string(_export(runner, "-m", str(small_manifest)))
    assert lib.entries[0]["title"] == r"{First Paper: On Alphas \& Betas}"
    assert load_manifest(small_manifest).references[0].key == lib.entries[0].key
