"""Bibliographies to read, generated from a manifest in the shapes real ones take.

Modelled on saved copies of the Sora report page in public repositories: an
introduction whose citations follow noun phrases ("including recurrent
networks,[1][2][3] ..."), section headings, and a numbered reference list in
Google Scholar's MLA style ("Tulyakov, Sergey, et al. \"Mocogan: Decomposing
motion and content for video generation.\" Proceedings of ... 2018."), titles in
sentence case so the page prints "Mocogan", "Nüwa", "lstms". The wording of the
body is this file's own. Also: the same page as HTML, a bare list, a ``.bbl``,
BibTeX (with a broken entry), and PDFs with a References section in two styles.
"""

from __future__ import annotations

from sora_refs.readinglist.manifest import Manifest, Reference

VENUES = {
    "NeurIPS": "Advances in neural information processing systems",
    "ICML": "International conference on machine learning. PMLR",
    "CVPR": "Proceedings of the IEEE/CVF conference on computer vision and pattern "
            "recognition",
    "ICCV": "Proceedings of the IEEE/CVF international conference on computer vision",
    "ECCV": "European conference on computer vision. Cham: Springer Nature Switzerland",
    "OpenAI": "Computer Science",
}

# (section heading or None, sentence with {a-b} marker groups), in reading order.
BODY = [
    (None, "A large body of work has studied generative modeling of video data with several "
           "families of methods, including recurrent networks,{1-3} generative adversarial "
           "networks,{4-7} autoregressive transformers,{8-9} and diffusion models.{10-12} "
           "They mostly handle short clips of one size."),
    ("Turning visual data into patches",
     "We take inspiration from large language models, which learn general skills from "
     "internet-scale data.{13-14} Patches have been shown to represent visual data well."
     "{15-18} Our model cuts videos into spacetime patches."),
    (None, "We first compress videos into a lower-dimensional latent space,{19} and then "
           "decompose the result into spacetime patches."),
    ("Video compression network",
     "We train a network that reduces the dimensionality of visual data.{20} It outputs a "
     "compressed latent representation."),
    ("Scaling transformers for video generation",
     "Our model is a diffusion model{21-25} that predicts clean patches from noisy ones. It "
     "is a diffusion transformer.{26} Transformers scale well in many domains, including "
     "language modeling,{13-14} computer vision,{15-18} and image generation.{27-29}"),
    ("Language understanding",
     "We apply the re-captioning technique introduced in DALL·E 3{30} to videos."),
    ("Animating images",
     "We animate images made by DALL·E 2{31} and DALL·E 3{30} as well."),
    ("Video-to-video editing",
     "Diffusion models allow many editing methods. We apply one of these methods, SDEdit,"
     "{32} to our model."),
]


def _sentence_case(title: str) -> str:
    return title[:1] + title[1:].lower()


def _inverted(ref: Reference) -> str:
    first = ref.authors[0].split()
    head = f"{first[-1]}, {' '.join(first[:-1])}".strip(", ")
    if len(ref.authors) == 1:
        return head
    if len(ref.authors) == 2:
        return f"{head}, and {ref.authors[1]}"
    return f"{head}, et al"


def mla(ref: Reference) -> str:
    """One entry as Google Scholar's MLA style prints it (as the Sora page does)."""
    title = _sentence_case(ref.title)
    if ref.venue == "arXiv" and ref.arxiv:
        where = f"arXiv preprint arXiv:{ref.arxiv} ({ref.year})"
    elif ref.venue == "OpenAI":
        # As the page prints DALL·E 3's: the URL cut in two around its last dot.
        url = ref.urls[0].removesuffix(".pdf")
        where = f"{VENUES['OpenAI']}. {url} . pdf 2.3 ({ref.year}): 8"
    else:
        where = f"{VENUES.get(ref.venue, ref.venue)} ({ref.year})"
    return f'{_inverted(ref)}. "{title}." {where}.'


def _groups(sentence: str, style: str) -> str:
    import re

    def expand(m: re.Match[str]) -> str:
        lo, _, hi = m.group(1).partition("-")
        ns = range(int(lo), int(hi or lo) + 1)
        if style == "markdown":
            return ", ".join(f"[{n}](https://example.org/report/#citation-bottom-{n})"
                             for n in ns)
        if style == "html":
            return ", ".join(f'<a href="#citation-bottom-{n}">{n}</a>' for n in ns)
        if style == "sup":  # a browser's print of the page: raised numbers
            return "^{" + ",".join(str(n) for n in ns) + "}"
        return "[" + ",".join(str(n) for n in ns) + "]"

    return re.sub(r"\{(\d+(?:-\d+)?)\}", expand, sentence)


def sora_markdown(m: Manifest) -> str:
    out = ["# Video generation models as world simulators", ""]
    for head, text in BODY:
        if head:
            out += [f"## {head}", ""]
        out += [_groups(text, "markdown"), ""]
    out += ["## References", ""]
    for ref in m.references:
        out += [f"{ref.n:02d}. {ref.n}", f"    {mla(ref)}", ""]
    out += ["## Authors", "", "Some People, More People"]
    return "\n".join(out) + "\n"


def sora_html(m: Manifest) -> str:
    from html import escape

    out = ["<!DOCTYPE html><html><head><title>Video generation models as world simulators"
           "</title><script>var x = '<h2>References</h2>';</script></head><body>",
           "<h1>Video generation models as world simulators</h1>"]
    for head, text in BODY:
        if head:
            out.append(f"<h2>{escape(head)}</h2>")
        out.append(f"<p>{_groups(escape(text), 'html')}</p>")
    out.append("<h2>References</h2><ol>")
    out += [f"<li>{escape(mla(ref))}</li>" for ref in m.references]
    out.append("</ol><h2>Authors</h2><p>Some People</p></body></html>")
    return "\n".join(out)


def sora_pdf(m: Manifest) -> bytes:
    """The page as a browser prints it to PDF: headings on their own lines, citation
    links as superscripts, the numbered list after the text."""
    import textwrap

    from tests.pdfs import make_pdf

    lines = ["Video generation models as world simulators"]
    for head, text in BODY:
        lines += [head] if head else []
        lines += textwrap.wrap(_groups(text, "sup"), 90)
    refs = ["References"]
    for ref in m.references:
        wrapped = textwrap.wrap(mla(ref), 90)
        refs += [f"{ref.n}. {wrapped[0]}", *wrapped[1:]]
    refs += ["Authors", "Some People, More People"]
    return make_pdf("Video generation models as world simulators", pages=2, lines=lines,
                    later="\n".join(refs), later_lines=True,
                    meta_title="Video generation models as world simulators | OpenAI")


def bare_list(m: Manifest) -> str:
    return "\n".join(mla(ref) for ref in m.references) + "\n"


def bbl(m: Manifest) -> str:
    out = ["\\begin{thebibliography}{10}"]
    for ref in m.references:
        names = ", ".join(ref.authors[:-1]) + (" and " if len(ref.authors) > 1 else "") + \
            ref.authors[-1]
        where = (f"arXiv preprint arXiv:{ref.arxiv}" if ref.venue == "arXiv" and ref.arxiv
                 else f"In {{\\em {VENUES.get(ref.venue, ref.venue)}}}")
        out.append(f"\\bibitem{{{ref.key}}}\n{names}.\n\\newblock {{{ref.title}}}.\n"
                   f"\\newblock {where}, {ref.year}.\n")
    out.append("\\end{thebibliography}")
    return "\n".join(out)


def bibtex(m: Manifest, broken: int | None = None) -> str:
    out = []
    for ref in m.references:
        fields = [f"  title = {{{{{ref.title}}}}}", f"  author = {{{' and '.join(ref.authors)}}}",
                  f"  year = {{{ref.year}}}"]
        if ref.arxiv:
            fields += [f"  eprint = {{{ref.arxiv}}}", "  archivePrefix = {arXiv}"]
        entry = "@article{" + ref.key + ",\n" + ",\n".join(fields) + "\n}\n"
        if ref.n == broken:
            entry = entry.replace(f"{{{{{ref.title}}}}}", f"{{{{{ref.title}}}")  # one } short
        out.append(entry)
    return "\n".join(out)


def numbered(ref: Reference) -> str:
    """'[n] A. Author, B. Author. Title. Venue, year.' (IEEE-like, NeurIPS papers)."""
    names = ", ".join(f"{a.split()[0][0]}. {a.split()[-1]}" for a in ref.authors[:3])
    return f"{names}. {ref.title}. {VENUES.get(ref.venue, ref.venue)}, {ref.year}."


def author_year(ref: Reference) -> str:
    """'Author, A., and Author, B. (year). Title. Venue.' (APA-like)."""
    names = ", ".join(f"{a.split()[-1]}, {a.split()[0][0]}." for a in ref.authors[:3])
    return f"{names} ({ref.year}). {ref.title}. {VENUES.get(ref.venue, ref.venue)}."


def paper_with_references(m: Manifest, style: str) -> bytes:
    """A generated paper whose later pages hold a References section."""
    import textwrap

    from tests.pdfs import make_pdf

    body = " ".join(_groups(t, "pdf") for _, t in BODY)
    lines = textwrap.wrap(body, 90)
    refs = ["References"]
    for ref in m.references:
        text = numbered(ref) if style == "numbered" else author_year(ref)
        wrapped = textwrap.wrap(text, 90)
        if style == "numbered":
            wrapped[0] = f"[{ref.n}] {wrapped[0]}"
        refs += wrapped
    return make_pdf("A Paper That Cites", ["Some Body"], pages=2,
                    lines=["A Paper That Cites", "Some Body", *lines],
                    later="\n".join(refs), later_lines=True)
