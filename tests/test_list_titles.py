"""The list's title comes from the paper (issue 17, item 7): PDF metadata when page 1
bears it out, else page 1's first lines; an e-print's ``\\title``; never the file name."""

from __future__ import annotations

import gzip
import io
import tarfile

import pytest

from sora_refs.bibliography.pdftext import paper_title
from sora_refs.bibliography.source import eprint_document, tex_title
from sora_refs.cli import app
from sora_refs.readinglist.manifest import load_manifest
from tests.conftest import SHARED
from tests.pdfs import make_pdf

REAL = SHARED / "realpdfs"
TITLES = {"1312.6114.pdf": "Auto-Encoding Variational Bayes",
          "1503.03585.pdf": "Deep Unsupervised Learning using Nonequilibrium Thermodynamics",
          "2112.10752.pdf": "High-Resolution Image Synthesis with Latent Diffusion Models",
          "1706.03762-nips2017.pdf": "Attention is All you Need"}


@pytest.mark.parametrize(("meta", "lines", "title"), [
    ("icml2015_dpm", ["Deep Unsupervised Learning using", "Nonequilibrium Thermodynamics",
                      "Jascha Sohl-Dickstein JASCHA@STANFORD.EDU"],
     "Deep Unsupervised Learning using Nonequilibrium Thermodynamics"),
    ("", ["High-Resolution Image Synthesis with Latent Diffusion Models",
          "Robin Rombach1 * Andreas Blattmann1"],
     "High-Resolution Image Synthesis with Latent Diffusion Models"),
    ("Microsoft Word - draft.docx", ["Patch n' Pack: NaViT", "Mostafa Dehghani*"],
     "Patch n' Pack: NaViT"),
    ("Attention is All you Need", ["Attention Is All You Need", "Ashish Vaswani∗"],
     "Attention is All you Need"),
    ("A Different Paper Entirely", ["Attention Is All You Need"], "Attention Is All You Need"),
    ("", ["arXiv:1706.03762v7 [cs.CL] 2 Aug 2023"], ""),
    ("", [], ""),
])
def test_the_title_is_the_papers_own(meta: str, lines: list[str], title: str) -> None:
    assert paper_title(meta, lines) == title


def test_init_from_a_pdf_titles_the_list_with_the_paper(runner, tmp_path) -> None:
    refs = "\n".join(f"[{i}] A. Author{i}. A title of paper number {i}. In NeurIPS, 2020."
                     for i in range(1, 6))
    pdf = make_pdf("Learning Things From Other Things", ["Ada Alpha", "Bo Beta"],
                   meta_title="paper_final_v3", later="References\n" + refs, later_lines=True)
    src = tmp_path / "download (1).pdf"
    src.write_bytes(pdf)
    out = tmp_path / "x.yaml"
    runner.invoke(app, ["init", str(out), "--from", str(src), "--delay", "0",
                        "--mirror", "https://export.arxiv.org=http://127.0.0.1:9"])
    assert load_manifest(out).title == "Learning Things From Other Things: references"


def test_an_eprints_title_names_the_list() -> None:
    bbl = (b"\\begin{thebibliography}{1}\n\\bibitem{a} A. Author. A first paper title. "
           b"In ICML, 2020.\n\\end{thebibliography}\n")
    tex = (b"\\documentclass{article}\n% \\title{An old title}\n\\title{Scalable Diffusion "
           b"Models\\\\ with Transformers\\thanks{Work done at X}}\n\\begin{document}\n")
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:") as tar:
        for name, data in (("main.tex", tex), ("main.bbl", bbl)):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    doc = eprint_document(gzip.compress(buf.getvalue()))
    assert doc is not None and doc.title == "Scalable Diffusion Models with Transformers"
    assert tex_title("no title here") == ""


@pytest.mark.skipif(not REAL.is_dir(), reason="../shared/realpdfs is absent")
@pytest.mark.parametrize("name", sorted(TITLES))
def test_real_pdfs_give_their_titles(name: str) -> None:
    from sora_refs.pdf.verify import read_pdf

    facts = read_pdf(REAL / name)
    assert paper_title(facts.meta_title, facts.lines) == TITLES[name]
