"""init --from: a bibliography in, a manifest out, against a loopback arXiv stand-in
that answers id_list and search_query in arXiv's Atom format, with near-miss decoys."""

from __future__ import annotations

import gzip
import io
import json
import tarfile
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from sora_refs.bibliography.arxiv_api import Record
from sora_refs.bibliography.citations import Citation, extract, parse_entry
from sora_refs.bibliography.resolvers.arxiv import judge
from sora_refs.bibliography.source import document
from sora_refs.cli import app
from sora_refs.readinglist.manifest import load_manifest
from sora_refs.readinglist.venues import named_in
from tests import bibliographies as B


def _init(runner, arxiv, tmp_path: Path, source: str, *args: str, name: str = "new.yaml"):
    out = tmp_path / name
    result = runner.invoke(app, ["init", str(out), "--from", source, "--delay", "0",
                                 *arxiv.mirrors(), *args])
    return result, out


def _source(tmp_path: Path, name: str, text: str | bytes) -> str:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return str(path)


# ---------------------------------------------------------------- the Sora page


def test_the_sora_page_becomes_the_32_papers_with_the_seeds_blocks(runner, arxiv, tmp_path,
                                                                    real_manifest) -> None:
    src = _source(tmp_path, "sora.md", B.sora_markdown(real_manifest))
    result, out = _init(runner, arxiv, tmp_path, src, "--json")
    assert result.exit_code == 1, result.output  # two references are not on arXiv
    report = json.loads(result.stdout)
    rows = {r["n"]: r for r in report["references"]}
    made = load_manifest(out)
    assert len(made.references) == 32
    # Every paper that is on arXiv resolves to its own id; ids printed in the text
    # come from the one batched query, the rest from title searches.
    for ref in real_manifest.references:
        got = made.find(str(ref.n))
        if ref.arxiv:
            assert got.arxiv == ref.arxiv and got.title == ref.title, (ref.n, rows[ref.n])
            assert got.resolution == "resolved"
        else:  # 27 (iGPT, ICML only) and 30 (DALL·E 3, an OpenAI PDF): never a decoy
            assert got.arxiv is None and got.resolution != "resolved", rows[ref.n]
    hows = [r["how"] for r in report["references"] if r["status"] == "resolved"]
    assert hows.count("id in text") == 12 and hows.count("title search") == 18
    # The report's request count is the stand-in's: one id batch, then the 20 titles in
    # batches of 15 joined by OR, once as phrases and once by words for what they missed.
    api = arxiv.api_requests()
    assert report["requests"] == len(api) and 3 <= len(api) <= 1 + 2 * 2
    assert all(p.count("+OR+") <= 14 for p in api)
    assert sum("id_list" in p for p in api) == 1
    # The URL the page printed in two pieces is repaired and kept for fetch.
    assert made.find("30").urls == ("https://cdn.openai.com/papers/dall-e-3.pdf",)
    assert made.find("30").venue == "OpenAI"
    # Categories follow the page: the seed's video-modeling block and its sub-blocks.
    def cat(n: int) -> str:
        return made.find(str(n)).category

    assert cat(1) == cat(2) == cat(3) == "generative-modeling-of-video-data/recurrent-networks"
    assert len({cat(n) for n in (4, 5, 6, 7)}) == 1 and cat(4).endswith("adversarial-networks")
    assert cat(8) == cat(9) and cat(10) == cat(11) == cat(12)
    assert {cat(n) for n in range(1, 13)} < {c.path for c in made.walk_categories()}
    assert cat(13) == cat(14) and cat(13).endswith("large-language-models")
    assert len({cat(n) for n in (15, 16, 17, 18)}) == 1 and cat(15).endswith("/patches")
    assert len({cat(n) for n in range(21, 26)}) == 1 and cat(27) == cat(28) == cat(29)
    assert cat(32).endswith("sdedit")
    # What was printed is kept, and the note says where it is cited.
    assert made.find("5").cited.startswith("Tulyakov, Sergey, et al. \"Mocogan")
    assert "Turning visual data into patches" in made.find("15").note


def test_the_html_page_and_the_markdown_page_agree(runner, arxiv, tmp_path,
                                                   real_manifest) -> None:
    _init(runner, arxiv, tmp_path, _source(tmp_path, "a.md",
                                                   B.sora_markdown(real_manifest)),
                  name="a.yaml")
    _init(runner, arxiv, tmp_path, _source(tmp_path, "b.html",
                                                     B.sora_html(real_manifest)),
                    name="b.yaml")
    a, b = load_manifest(tmp_path / "a.yaml"), load_manifest(tmp_path / "b.yaml")
    assert [(r.arxiv, r.category) for r in a.references] == [
        (r.arxiv, r.category) for r in b.references]


def test_a_second_run_asks_arxiv_nothing(runner, arxiv, tmp_path, real_manifest) -> None:
    src = _source(tmp_path, "sora.md", B.sora_markdown(real_manifest))
    first, _ = _init(runner, arxiv, tmp_path, src, "--json", name="one.yaml")
    before = len(arxiv.log)
    result, out = _init(runner, arxiv, tmp_path, src, "--json", name="two.yaml")
    assert len(arxiv.log) == before
    report = json.loads(result.stdout)
    asked = json.loads(first.stdout)["requests"]
    assert asked >= 3 and report["requests"] == 0 and report["cached"] == asked
    assert out.read_text() == (tmp_path / "one.yaml").read_text()


def test_a_bare_list_resolves_without_categories_from_a_body(runner, arxiv, tmp_path,
                                                             real_manifest) -> None:
    _, out = _init(runner, arxiv, tmp_path,
                   _source(tmp_path, "list.txt", B.bare_list(real_manifest)), "--json")
    made = load_manifest(out)
    assert sum(r.resolution == "resolved" for r in made.references) == 30
    assert {r.category for r in made.references} == {"not-cited-in-the-text"}


def test_bbl_and_bibtex(runner, arxiv, tmp_path, real_manifest) -> None:
    _, out = _init(runner, arxiv, tmp_path, _source(tmp_path, "paper.bbl",
                                                    B.bbl(real_manifest)), name="bbl.yaml")
    assert sum(r.resolution == "resolved" for r in load_manifest(out).references) == 30
    result, out = _init(runner, arxiv, tmp_path,
                        _source(tmp_path, "refs.bib", B.bibtex(real_manifest, broken=5)),
                        "--json", name="bib.yaml")
    report = json.loads(result.stdout)
    assert "tulyakov2018mocogan" in report["notes"][0]  # the broken entry, named
    made = load_manifest(out)
    assert len(made.references) == 31  # the others kept
    assert sum(r.resolution == "resolved" for r in made.references) == 29


@pytest.mark.parametrize("style", ["numbered", "author-year"])
def test_a_pdfs_reference_section(runner, arxiv, tmp_path, real_manifest, style) -> None:
    pdf = B.paper_with_references(real_manifest, style)
    result, out = _init(runner, arxiv, tmp_path, _source(tmp_path, "paper.pdf", pdf),
                        "--json")
    made = load_manifest(out)
    assert len(made.references) == 32, result.output
    resolved = {r.arxiv for r in made.references if r.resolution == "resolved"}
    assert len(resolved) >= 28 and None not in resolved
    if style == "numbered":  # [n] markers in the body: the blocks come out as above
        assert made.find("1").category == made.find("3").category


def test_an_arxiv_id_reads_the_bbl_of_its_latex_source(runner, arxiv, tmp_path,
                                                       real_manifest) -> None:
    tar = io.BytesIO()
    with tarfile.open(fileobj=tar, mode="w:gz") as t:
        for name, data in (("main.tex", b"\\documentclass{article}"),
                           ("main.bbl", B.bbl(real_manifest).encode()),
                           ("../escape.bbl", b"\\bibitem{x} evil")):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
    arxiv.files["/e-print/2212.09748"] = tar.getvalue()
    result, out = _init(runner, arxiv, tmp_path, "https://arxiv.org/abs/2212.09748v2",
                        "--json")
    made = load_manifest(out)
    assert len(made.references) == 32, result.output
    assert "/e-print/2212.09748" in arxiv.log
    assert not (tmp_path.parent / "escape.bbl").exists()


def test_an_e_print_without_a_bibliography_falls_back_to_the_pdf(runner, arxiv, tmp_path,
                                                                 real_manifest) -> None:
    arxiv.files["/e-print/2212.09748"] = gzip.compress(b"\\documentclass{article} no refs")
    arxiv.files["/pdf/2212.09748"] = B.paper_with_references(real_manifest, "numbered")
    result, out = _init(runner, arxiv, tmp_path, "arXiv:2212.09748", "--json")
    assert len(load_manifest(out).references) == 32, result.output
    assert arxiv.log.index("/e-print/2212.09748") < arxiv.log.index("/pdf/2212.09748")


# ---------------------------------------------------------------- resolution rules


def _paper(p) -> Record:
    return Record(p.id, 1, p.title, tuple(p.authors), p.year, "", "")


def _cite(title: str, first: str, year: int | None) -> Citation:
    return Citation(1, "1", title, title=title, authors=[first], year=year)


@pytest.mark.parametrize("title,first,year,expected", [
    ("Denoising diffusion probabilistic models", "Jonathan Ho", 2020, "2006.11239"),
    ("Mocogan: Decomposing motion and content for video generation", "Sergey Tulyakov", 2018,
     "1707.04993"),
    ("Nüwa: Visual synthesis pre-training for neural visual world creation", "Chenfei Wu",
     2022, "2111.12417"),
    ("Patch n'Pack: NaViT, a Vision Transformer for any Aspect Ratio and Resolution",
     "Mostafa Dehghani", 2023, "2307.06304"),
    ("Unsupervised learning of video representations using lstms", "Nitish Srivastava",
     None, "1502.04681"),
    ("Attention is all you need", "Nobody Else", 2017, "1706.03762"),  # the year agrees
])
def test_titles_match_whatever_their_case_accents_and_punctuation(arxiv, title, first, year,
                                                                  expected) -> None:
    found = [_paper(p) for p in arxiv.papers]
    assert judge(_cite(title, first, year), found).paper.id == expected


@pytest.mark.parametrize("title,first,year,status", [
    ("Video diffusion", "Jonathan Ho", 2022, "unresolved"),       # a near miss, not a match
    ("Generative pretraining from pixels", "Mark Chen", 2020, "unresolved"),
    ("Improving image generation with better captions", "James Betker", 2023, "ambiguous"),
    ("Attention is all you need", "Nobody Else", 2011, "ambiguous"),  # title only
])
def test_near_misses_are_never_accepted(arxiv, title, first, year, status) -> None:
    found = [_paper(p) for p in arxiv.papers]
    res = judge(_cite(title, first, year), found)
    assert res.status == status and res.paper is None


def test_two_papers_with_the_same_title_and_authors_are_ambiguous() -> None:
    a = Record("2001.00001", 1, "World Models", ("David Ha",), 2018, "", "")
    b = Record("1803.10122", 1, "World Models", ("David Ha",), 2018, "", "")
    res = judge(_cite("World models", "David Ha", 2018), [a, b])
    assert res.status == "ambiguous" and {p.id for p in res.candidates} == {a.id, b.id}


# ---------------------------------------------------------------- extraction details


@pytest.mark.parametrize("printed,arxiv,doi,url", [
    ('Ho, J. "Imagen video." arXiv preprint arXiv:2210.02303v1 (2022).', ["2210.02303v1"],
     [], []),
    ("A. Smith. Old physics. arXiv:hep-th/9901001, 1999.", ["hep-th/9901001"], [], []),
    ("B. Jones. A paper. J. Things 1(2), 2020. doi:10.1145/3292500.3330701.", [],
     ["10.1145/3292500.3330701"], []),
    ('C. Doe. "Report." https://cdn.openai.com/papers/dall-e-3 . pdf (2023)', [], [],
     ["https://cdn.openai.com/papers/dall-e-3.pdf"]),
])
def test_identifiers_in_a_citation(printed, arxiv, doi, url) -> None:
    c = parse_entry(1, "1", printed)
    assert (c.arxiv, c.dois, c.urls) == (arxiv, doi, url)


@pytest.mark.parametrize("printed,venue", [
    # Venue words in a title are the title's, not the venue's: the journal is the name
    # printed before the volume, whether the venue table knows it or not.
    ("J. J. Hopfield and D. W. Tank. Neural computation of decisions in optimization "
     "problems. Biological cybernetics, 52(3):141-152, 1985.", "Biological cybernetics"),
    ("Simon Duane and Duncan Roweth. Hybrid monte carlo. Physics letters B, "
     "195(2):216–222, 1987.", "Physics letters B"),
    ("Mary Anne Franks and Ari Ezra Waldman. Sex, lies, and videotape: Deep fakes and free "
     "speech delusions. Md. L. Rev., 78:892, 2018.", "Md. L. Rev."),
    ("Z. Wang and E. P. Simoncelli. Image quality assessment: From error visibility to "
     "structural similarity. IEEE Trans. Image Process., vol. 13, no. 4, pp. 600–612, "
     "2004.", "IEEE Trans. Image Process."),
    ("Tim Salimans and David A Knowles. Fixed-form variational posterior approximation. "
     "Bayesian Analysis, 8(4), 2013.", "Bayesian Analysis"),
    # Journals printed in capitals; LaTeX's closing quotes around a quotation.
    ("Geoffrey E Hinton and Radford M Neal. The” wake-sleep” algorithm for unsupervised "
     "neural networks. SCIENCE, pages 1158–1158, 1995.", "Science"),
    # Volumes of proceedings, pages and reports are not a journal's.
    ("A. Author. A title here. In Intl. Workshop on Things, volume 2, pages 1-9, 2001.", ""),
    ("L. Devroye. Sample-based generation. In Proceedings of the 18th conference on "
     "Winter simulation, pages 260–265. ACM, 1986.", ""),
    ("A. Krizhevsky. Learning multiple layers of features from tiny images. Technical "
     "Report 1(2), University of Toronto, 2009.", ""),
    ("David E Rumelhart, Geoffrey E Hinton, and Ronald J Williams. Learning representations "
     "by back-propagating errors. Nature, 323(6088):533-536, 1986.", "Nature"),
    ("Suzanna Becker and Geoffrey E Hinton. Self-organizing neural network that discovers "
     "surfaces in random-dot stereograms. Nature, 355(6356):161-163, 1992.", "Nature"),
    ("Bolei Zhou. The nature of scenes. Nature Communications, 5, 2014.", ""),
    ("Sepp Hochreiter and Jürgen Schmidhuber. Long short-term memory. Neural computation, "
     "9(8):1735-1780, 1997.", "Neural Computation"),
    ("Colin Raffel, Noam Shazeer, and Adam Roberts. Exploring the limits of transfer "
     "learning with a unified text-to-text transformer. JMLR, 2020.", "JMLR"),
    ("Jacob Devlin, Ming-Wei Chang, Kenton Lee, and Kristina Toutanova. BERT: Pre-training "
     "of deep bidirectional transformers for language understanding. In NAACL, 2019.",
     "NAACL"),
    ("Tero Karras, Samuli Laine, and Timo Aila. A style-based generator architecture for "
     "generative adversarial networks. In IEEE Conf. Comput. Vis. Pattern Recog., 2019.",
     "CVPR"),
    ("Ashish Vaswani and Noam Shazeer. Attention is all you need. arXiv preprint "
     "arXiv:1706.03762, 2017.", "arXiv"),
])
def test_the_venue_is_what_follows_the_title(printed: str, venue: str) -> None:
    assert parse_entry(1, "1", printed).venue == venue


@pytest.mark.parametrize("printed,title", [
    # LaTeX sets BibTeX's straight quotes as two closing ones (the VAE paper's list)
    ("G. Hinton and R. Neal. The” wake-sleep” algorithm for unsupervised neural networks. "
     "Science, 1995.", "The “wake-sleep” algorithm for unsupervised neural networks"),
    # a real quotation, and a closing quote with no partner, stay as printed
    ("A. Writer. Say “hello” to the world. Nature, 2014.", "Say “hello” to the world"),
    ("A. Writer. The 1960s” boom in research. Nature, 2014.", "The 1960s” boom in research"),
])
def test_latex_closing_quote_pairs_are_read_as_quotations(printed: str, title: str) -> None:
    assert parse_entry(1, "1", printed).title == title


_MEETING_WORDS = ("conf", "workshop", "symposium", "meeting", "congress", "lecture", "pages",
                  "report", "thesis", "preprint", "arxiv", "corr")
_WORD = st.from_regex(r"[A-Z][a-z]{2,9}\.?", fullmatch=True).filter(
    lambda w: not any(m in w.lower() for m in _MEETING_WORDS))


@given(words=st.lists(_WORD, min_size=1, max_size=5), volume=st.integers(1, 999),
       issue=st.integers(1, 12), page=st.integers(1, 9999), year=st.integers(1900, 2030),
       style=st.sampled_from(["{v}({i}):{p}-{q}", "{v}:{p}", "vol. {v}, no. {i}, pp. {p}"]))
def test_a_journal_is_the_name_before_its_volume(words, volume, issue, page, year,
                                                 style) -> None:
    """Any name printed before a volume, in any of the usual forms, is the journal, as
    printed (a trailing dot kept where the name is abbreviated)."""
    name = " ".join(words)
    vol = style.format(v=volume, i=issue, p=page, q=page + 9)
    printed = f"A. Author and B. Writer. On the question at hand. {name}, {vol}, {year}."
    expected = name[:-1] if name.endswith(".") and "." not in name[:-1] else name
    known = named_in(". " + name)  # a name the venue table knows ('Nature') is its own
    assert parse_entry(1, "1", printed).venue == (known.name if known else expected)


def test_author_year_markers_find_their_entries() -> None:
    body = ("## Background\n\nDiffusion models (Ho et al., 2020; Song and Ermon, 2019) "
            "were later improved (Nichol, 2021).\n")
    refs = ("Ho, J., Jain, A., and Abbeel, P. (2020). Denoising diffusion probabilistic "
            "models. NeurIPS.\n\nNichol, A. and Dhariwal, P. (2021). Improved denoising "
            "diffusion probabilistic models. ICML.\n\nSong, Y. and Ermon, S. (2019). "
            "Generative modeling by estimating gradients. NeurIPS.\n")
    cites = extract(document(f"{body}\n## References\n\n{refs}".encode(), "markdown"))
    assert [c.section for c in cites] == ["Background"] * 3
    assert cites[0].group == ["ay:ho:2020", "ay:song:2019"]


def test_citation_markers_of_every_kind() -> None:
    body = ("## Intro\n\nWe build on A,[1]–[3] and B [4, 6] and C.[7-9] "
            "See also D \\cite{x}.\n")
    doc = document((f"{body}\n## References\n\n" + "\n".join(
        f"[{i}] Author {i}. Title number {i}. Venue, 2020." for i in range(1, 10))).encode(),
        "markdown")
    cites = extract(doc)
    assert [c.section for c in cites] == ["Intro"] * 3 + ["Intro", ""] + ["Intro"] * 4
    assert cites[5].group == ["4", "6"]


# ---------------------------------------------------------------- hostile input


def test_bad_sources_are_clear_errors_and_write_nothing(runner, arxiv, tmp_path) -> None:
    from tests.pdfs import make_pdf

    big = tmp_path / "big.txt"
    with open(big, "wb") as fh:
        fh.truncate(50 << 20)
    cases = {
        "big": (str(big), "not one"),
        "norefs": (_source(tmp_path, "norefs.pdf", make_pdf("A Paper", ["X Y"], pages=3)),
                   "no References section"),
        "nolist": (_source(tmp_path, "page.html", "<html><body><h1>Hi</h1><p>No list.</p>"
                                                  "</body></html>"), "no reference list"),
        "braces": (_source(tmp_path, "broken.bib", "@article{a,\n title = {{Oops}\n"),
                   "no entries"),
        "nothing": ("not-a-file-or-url", "neither a file"),
    }
    for name, (src, words) in cases.items():
        result, out = _init(runner, arxiv, tmp_path, src, name=f"{name}.yaml")
        assert result.exit_code == 2, (name, result.output)
        assert words in result.stderr and "Traceback" not in result.output, name
        assert not out.exists()


def test_a_decompression_bomb_e_print_stops_at_the_cap(runner, arxiv, tmp_path,
                                                       monkeypatch) -> None:
    from sora_refs.bibliography import source as init_from

    monkeypatch.setattr(init_from, "EPRINT_MAX", 1 << 20)
    arxiv.files["/e-print/2212.09748"] = gzip.compress(b"\0" * (8 << 20))
    result, out = _init(runner, arxiv, tmp_path, "2212.09748")
    assert result.exit_code == 2 and "decompression bomb" in result.stderr
    assert not out.exists()


def test_init_never_overwrites_and_dry_run_writes_nothing(runner, arxiv, tmp_path,
                                                          real_manifest) -> None:
    src = _source(tmp_path, "sora.md", B.sora_markdown(real_manifest))
    (tmp_path / "mine.yaml").write_text("keep me")
    result, _ = _init(runner, arxiv, tmp_path, src, name="mine.yaml")
    assert result.exit_code == 2 and (tmp_path / "mine.yaml").read_text() == "keep me"
    result, out = _init(runner, arxiv, tmp_path, src, "--dry-run", name="dry.yaml")
    assert not out.exists()
    assert yaml.safe_load(result.stdout)["references"][0]["n"] == 1


def test_an_unreachable_api_still_writes_the_list_it_read(runner, tmp_path,
                                                          real_manifest) -> None:
    """Issue 17: offline, the extracted bibliography is written, every reference marked
    unresolved with the reason, exit 1; a later run can resolve it."""
    src = _source(tmp_path, "sora.md", B.sora_markdown(real_manifest))
    out = tmp_path / "x.yaml"
    result = runner.invoke(app, ["init", str(out), "--from", src, "--delay",
                                 "0", "--mirror", "https://export.arxiv.org=http://127.0.0.1:9",
                                 "--json"])
    assert result.exit_code == 1, result.output
    assert "arXiv API" in result.stderr and "continues where this run stopped" in result.stderr
    made = load_manifest(out)
    assert len(made.references) == 32
    assert {r.resolution for r in made.references} == {"unresolved"}
    report = json.loads(result.stdout)
    assert report["stopped"] and all("arXiv API" in r["reason"] for r in report["references"])
    # The ids the page printed are kept as printed, marked unconfirmed, with their URL.
    vae = made.find("20")
    assert vae.arxiv == "1312.6114" and "not confirmed" in vae.note
    assert "https://arxiv.org/pdf/1312.6114" in vae.urls


def test_offline_the_report_gives_a_shared_reason_once(runner, tmp_path,
                                                       real_manifest) -> None:
    """Thirty-two copies of 'cannot reach the arXiv API' bury the one line that says what to
    do: references sharing a reason are named together, by number, under it once."""
    src = _source(tmp_path, "sora.md", B.sora_markdown(real_manifest))
    result = runner.invoke(app, ["init", str(tmp_path / "x.yaml"), "--from", src, "--delay",
                                 "0", "--mirror", "https://export.arxiv.org=http://127.0.0.1:9"])
    assert result.exit_code == 1, result.output
    assert "32 references: 1–32" in result.stdout
    assert result.stdout.count("cannot reach the arXiv API") == 1


@given(st.sets(st.integers(1, 60), min_size=1))
def test_reference_numbers_read_back_from_their_runs(numbers: set[int]) -> None:
    from sora_refs.text import number_runs

    said = number_runs(sorted(numbers, reverse=True))
    back: set[int] = set()
    for run in said.split(", "):
        first, _, last = run.partition("–")
        back |= set(range(int(first), int(last or first) + 1))
        assert not last or int(last) > int(first)  # a run is at least two numbers
    assert back == numbers and len(said.split(", ")) == len(
        [n for n in numbers if n - 1 not in numbers])


@pytest.mark.parametrize("fmt", ["bibtex", "biblatex"])
def test_our_own_export_reads_back_as_the_same_list(runner, tmp_path, real_manifest,
                                                    fmt) -> None:
    """Issue 17: every `url` ending in .pdf came back as .pdf.pdf, and the groups were
    dropped (every entry "Not cited in the text"). Offline here: nothing is looked up."""
    bib = tmp_path / "sora.bib"
    assert runner.invoke(app, ["export", "--format", fmt, "-o", str(bib)]).exit_code == 0
    out = tmp_path / "back.yaml"
    dead = ["--mirror", "https://export.arxiv.org=http://127.0.0.1:9"]
    for site in ("https://openaccess.thecvf.com", "https://proceedings.neurips.cc",
                 "https://proceedings.mlr.press", "https://www.ecva.net"):
        dead += ["--mirror", f"{site}=http://127.0.0.1:9"]
    result = runner.invoke(app, ["init", str(out), "--from", str(bib), *dead])
    assert result.exit_code == 1, result.output  # offline: written, unresolved
    back = load_manifest(out)
    assert len(back.references) == len(real_manifest.references)

    def groups(m) -> list[list[str]]:
        by: dict[tuple[str, ...], list[int]] = {}
        for r in m.references:
            by.setdefault(tuple(c.en for c in m.category_chain(r.category)), []).append(r.n)
        return sorted(sorted(v) for v in by.values())

    assert groups(back) == groups(real_manifest)
    for ref in real_manifest.references:
        got = back.find(str(ref.n))
        assert got.arxiv == ref.arxiv and got.urls[0] == ref.urls[0], (ref.n, got.urls)
        assert not any(u.endswith(".pdf.pdf") for u in got.urls)
        assert [c.en for c in back.category_chain(got.category)] == [
            c.en for c in real_manifest.category_chain(ref.category)]


def _pairwise_f1(made, seed) -> float:
    """Pairs of references put in one category, against the seed's mind map."""
    from itertools import combinations

    def pairs(m) -> set[tuple[int, int]]:
        return {(a.n, b.n) for a, b in combinations(m.references, 2) if a.category == b.category}

    got, want = pairs(made), pairs(seed)
    if not got or not want:
        return 0.0
    precision, recall = len(got & want) / len(got), len(got & want) / len(want)
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def _sora_sup(m) -> str:
    """The page with its markers as superscripts: <sup>1</sup>, and linked ones."""
    import re

    html = B.sora_html(m)
    html = re.sub(r'<a href="#citation-bottom-(\d)">\1</a>', r"<sup>\1</sup>", html)
    return re.sub(r'(<a href="#citation-bottom-\d+">\d+</a>)', r"<sup>\1</sup>", html)


@pytest.mark.parametrize(("name", "make"), [("sora.md", B.sora_markdown),
                                            ("sora.html", B.sora_html),
                                            ("sup.html", _sora_sup),
                                            ("sora.pdf", B.sora_pdf)])
def test_the_sora_page_is_the_seeds_mind_map_in_every_form(runner, tmp_path, real_manifest,
                                                           name, make) -> None:
    """Issue 17: the HTML page (citations as <a href="#citation-bottom-N">N</a>) scored
    pairwise F1 0.19 against the seed's map, the Markdown 0.94. The PDF is the page as a
    browser prints it: unnumbered heads on their own lines, raised citation numbers."""
    src = _source(tmp_path, name, make(real_manifest))
    out = tmp_path / "x.yaml"
    runner.invoke(app, ["init", str(out), "--from", src, "--mirror",
                        "https://export.arxiv.org=http://127.0.0.1:9"])
    made = load_manifest(out)
    assert _pairwise_f1(made, real_manifest) >= 0.9
    heads = {c.en for c in made.categories}
    assert {"Turning visual data into patches", "Video-to-video editing"} <= heads


def test_two_entries_that_arxiv_resolves_to_one_paper_become_one_reference(
        runner, arxiv, tmp_path) -> None:
    """One list names DDPM by its title and again only by its id (a real bibliography
    does this): nothing in the printed text joins them, arXiv's answers do."""
    src = _source(tmp_path, "list.txt", "References\n"
                  "[1] Jonathan Ho, Ajay Jain, and Pieter Abbeel. Denoising diffusion "
                  "probabilistic models. NeurIPS, 2020.\n"
                  "[2] Ho et al. DDPM. arXiv:2006.11239, 2020.\n"
                  "[3] Ashish Vaswani et al. Attention is all you need. NeurIPS, 2017.\n")
    result, out = _init(runner, arxiv, tmp_path, src)
    assert result.exit_code == 0, result.output
    made = load_manifest(out)
    assert [r.arxiv for r in made.references] == ["2006.11239", "1706.03762"]
    ddpm = made.references[0]
    assert "DDPM. arXiv:2006.11239" in ddpm.cited and "listed 2 times" in ddpm.note
    assert [r.n for r in made.references] == [1, 2]


def test_title_searches_say_how_long_is_left_and_a_cached_run_promises_nothing(
        arxiv, tmp_path, real_manifest) -> None:
    """Issue 17: progress showed no ETA. 32 titles are 3 search requests 3 s apart, so
    the first line says about 10 s are left; once cached, no line guesses a time."""
    from sora_refs.bibliography.citations import Citation
    from sora_refs.bibliography.resolvers.arxiv import Resolver
    from sora_refs.net.mirrors import parse_mirrors

    cites = [Citation(r.n, str(r.n), r.title, title=r.title, authors=list(r.authors),
                      year=r.year) for r in real_manifest.references]
    mirrors = parse_mirrors([m for m in arxiv.mirrors() if m != "--mirror"])

    class Seen(Exception):
        pass

    lines: list[str] = []

    def first_search(message: str) -> None:
        lines.append(message)
        if message.startswith("searching"):
            raise Seen  # the rest would only wait out arXiv's 3 s

    with pytest.raises(Seen):
        Resolver(mirrors, delay=3.0, cache=tmp_path, progress=first_search).resolve(cites)
    assert lines[-1] == "searching arXiv by title: 1–15 of 32 (about 10 s left)"

    Resolver(mirrors, delay=0.0, cache=tmp_path).resolve(cites)  # fills the cache
    lines.clear()
    warm = Resolver(mirrors, delay=3.0, cache=tmp_path, progress=lines.append)
    warm.resolve(cites)
    assert warm.requests == 0 and lines and not any("left" in m for m in lines)
