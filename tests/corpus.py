"""A corpus of generated PDFs for identification: real-looking papers and the
look-alikes people keep beside them.

Modelled on real files found in public repositories (see issue 10): slides
whose first slide prints the title and the presenter, reading notes with a
personal heading above the title, one-page summaries, reviews in another
language, notes-app exports with "Tags:" and "Created:" lines under the title,
files whose metadata alone names the paper, a paper whose wrapped title ends
with another paper's title, and a title quoted far down a page. The real
papers come as arXiv copies (stamp in the margin), venue copies (no stamp;
CVF's open-access notice, ICLR's all-caps title under its header, Google's
permission notice above "Attention"), readers' copies with an incremental
update appended, and copies whose content streams were re-compressed.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

from sora_refs.readinglist.manifest import Manifest, Reference
from tests.pdfs import ABSTRACT, SLIDE, make_pdf

PORTUGUESE = (
    "Resumo: este artigo mostra que modelos de linguagem muito grandes aprendem novas "
    "tarefas a partir de poucos exemplos, sem ajuste fino. Os autores treinam um modelo com "
    "175 bilhoes de parametros e avaliam em dezenas de tarefas. Pontos fortes: escala, "
    "avaliacao ampla. Pontos fracos: custo, vieses, contaminacao dos dados de teste. "
) * 3
REVIEW = (
    "This week I read the paper and here is what I took away from it. The main idea is "
    "simple and the results are strong. I liked the ablations and the clear writing; I "
    "was less convinced by the evaluation, which relies on a single metric. Questions for "
    "the group: does the method scale down, and how sensitive is it to the schedule? "
) * 4
BLOG = [f"Line {i} of a long blog post about generative models and what they can do."
        for i in range(30)]


@dataclass(frozen=True)
class Sample:
    """One file: its bytes, the reference it really is (None: a look-alike), the
    reference it claims to be, and what kind of file it is."""

    name: str
    data: bytes
    paper: int | None
    claims: int
    kind: str


def _recompressed(pdf: bytes) -> bytes:
    """The same PDF with every content stream Flate-compressed, as PDF services do."""
    out, pos = bytearray(), 0
    marker = b"<< /Length "
    offsets: list[int] = []
    while True:
        i = pdf.find(b" 0 obj\n", pos)
        if i == -1:
            break
        start = pdf.rfind(b"\n", 0, i) + 1
        end = pdf.find(b"\nendobj\n", i) + len(b"\nendobj\n")
        out += pdf[pos:start]
        obj = pdf[start:end]
        head, _, rest = obj.partition(b" 0 obj\n")
        if rest.startswith(marker) and b"stream\n" in rest:
            raw = rest.split(b"stream\n", 1)[1].rsplit(b"\nendstream", 1)[0]
            packed = zlib.compress(raw, 9)
            obj = (head + b" 0 obj\n<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(packed)
                   + packed + b"\nendstream\nendobj\n")
        offsets.append(len(out))
        out += obj
        pos = end
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(offsets) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    trailer = pdf[pdf.find(b"trailer"):pdf.find(b"startxref")]
    out += trailer + b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def annotated(pdf: bytes) -> bytes:
    """A reader's copy: a highlight saved as an incremental update after the original."""
    prev = int(pdf.rsplit(b"startxref\n", 1)[1].split(b"\n")[0])
    size = int(pdf.split(b"/Size ", 1)[1].split(b" ")[0])
    root = pdf.split(b"/Root ", 1)[1].split(b" R")[0] + b" R"
    annot_id = size
    body = (b"%d 0 obj\n<< /Type /Annot /Subtype /Highlight /Rect [72 600 300 620] "
            b"/Contents (important!) >>\nendobj\n" % annot_id)
    start = len(pdf)
    xref = start + len(body)
    update = (body + b"xref\n0 1\n0000000000 65535 f \n%d 1\n%010d 00000 n \n"
              % (annot_id, start)
              + b"trailer\n<< /Size %d /Root %s /Prev %d >>\nstartxref\n%d\n%%%%EOF\n"
              % (size + 1, root, prev, xref))
    return pdf + update


def _paper_lines(ref: Reference, before: list[str] = (), title_lines: list[str] | None = None,
                 ) -> list[str]:
    names = list(ref.authors[:4])
    return [*before, *(title_lines or [ref.title]), ", ".join(names),
            "University of Somewhere, first.last@example.org", *_wrap(ABSTRACT)]


def _wrap(text: str, width: int = 90) -> list[str]:
    import textwrap

    return textwrap.wrap(text, width)


def samples_for(m: Manifest, n: int) -> list[Sample]:
    """The real-looking paper ``n`` in several copies, and its look-alikes."""
    ref = m.find(str(n))
    t, authors = ref.title, list(ref.authors)
    surnames = " & ".join(a.split()[-1] for a in authors[:2])
    out = [
        Sample(f"{n:02d}-arxiv.pdf", make_pdf(t, authors[:5], ref.arxiv, pages=9), n, n,
               "paper"),
        Sample(f"{n:02d}-venue.pdf", make_pdf(t, authors[:5], None, pages=10,
                                              meta_title=t), n, n, "paper"),
        Sample(f"{n:02d}-annotated.pdf", annotated(make_pdf(t, authors[:5], ref.arxiv,
                                                             pages=9)), n, n, "paper"),
        Sample(f"{n:02d}-recompressed.pdf", _recompressed(make_pdf(t, authors[:5], ref.arxiv,
                                                                   pages=9, seed=3)),
               n, n, "paper"),
        Sample(f"{n:02d}-slides.pdf", make_pdf(t, lines=[t, "Presenter: Jane Doe",
                                                         "Reading group, 3 March 2023"],
                                               size=SLIDE, pages=14, later="A bullet point",
                                               meta_title=t), None, n, "slides"),
        Sample(f"{n:02d}-slides-authors.pdf",
               make_pdf(t, lines=[t, f"{surnames} ({ref.year})", ", ".join(authors[:3])],
                        size=SLIDE, pages=12, later="Method overview"), None, n, "slides"),
        Sample(f"{n:02d}-notes-heading.pdf",
               make_pdf(t, lines=["Week2_ 예습과제 (reading notes)", t, ", ".join(authors[:3]),
                                  *_wrap("Abstract. " + REVIEW)], pages=3),
               None, n, "notes"),
        Sample(f"{n:02d}-one-pager.pdf",
               make_pdf(t, lines=_paper_lines(ref), pages=1), None, n, "one-pager"),
        Sample(f"{n:02d}-portuguese.pdf",
               make_pdf(t, lines=[t, f"{authors[0].split()[-1]} et al., {ref.year}",
                                  *_wrap(PORTUGUESE)], pages=1), None, n, "review"),
        Sample(f"{n:02d}-metadata-only.pdf",
               make_pdf(t, lines=["Lecture 5: Generative models", "Course notes, spring term",
                                  *_wrap(REVIEW)], pages=6, meta_title=t), None, n, "metadata"),
        Sample(f"{n:02d}-notion.pdf",
               make_pdf(t, lines=[t, "Created: March 3, 2023 10:12 AM",
                                  "Tags: generative models, to read",
                                  f"Authors: {', '.join(authors[:3])}",
                                  *_wrap("Abstract " + REVIEW)], pages=5, meta_title=t),
               None, n, "notes-app"),
        Sample(f"{n:02d}-title-far-down.pdf",
               make_pdf(t, lines=[*BLOG, t, ", ".join(authors[:3]), *_wrap(ABSTRACT)],
                        pages=6), None, n, "quoted"),
    ]
    return out


def special(m: Manifest) -> list[Sample]:
    """Real copies with unusual first pages, and the wrapped-title trap."""
    ddpm, iddpm = m.find("22"), m.find("23")
    attention, mae, sdedit = m.find("13"), m.find("17"), m.find("32")
    notice = ["Provided proper attribution is provided, Google hereby grants permission to",
              "reproduce the tables and figures in this paper solely for use in journalistic or",
              "scholarly works."]
    cvf = ["This CVPR 2022 paper is the Open Access version, provided by the Computer Vision "
           "Foundation.", "Except for this watermark, it is identical to the accepted version;",
           "the final published version of the proceedings is available on IEEE Xplore."]
    wrapped = make_pdf(iddpm.title, lines=_paper_lines(
        iddpm, title_lines=["Improved", "Denoising Diffusion Probabilistic Models"]), pages=9)
    return [
        Sample("13-v7-permission.pdf", make_pdf(
            attention.title, arxiv=attention.arxiv, pages=15,
            lines=_paper_lines(attention, before=notice)), 13, 13, "paper"),
        Sample("17-cvf-notice.pdf", make_pdf(mae.title, pages=10,
                                             lines=_paper_lines(mae, before=cvf)),
               17, 17, "paper"),
        Sample("32-iclr-caps.pdf", make_pdf(sdedit.title, pages=20, lines=_paper_lines(
            sdedit, before=["Published as a conference paper at ICLR 2022"],
            title_lines=["SDEDIT: GUIDED IMAGE SYNTHESIS AND EDITING WITH",
                         "STOCHASTIC DIFFERENTIAL EQUATIONS"])), 32, 32, "paper"),
        Sample("23-wrapped-title.pdf", wrapped, 23, 23, "paper"),
        # The same file offered as DDPM: it names DDPM only as the tail of its title.
        Sample("23-wrapped-as-22.pdf", wrapped, iddpm.n, ddpm.n, "other-paper"),
    ]


# References whose papers and look-alikes make the corpus: arXiv and venue papers,
# short and long titles, one with a near-twin (22/23).
CORPUS_REFS = (9, 13, 14, 17, 22, 24)


def corpus(m: Manifest) -> list[Sample]:
    out = [s for n in CORPUS_REFS for s in samples_for(m, n)]
    return out + special(m)
