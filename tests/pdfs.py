"""Generate small real PDFs whose first page looks like a paper's.

Page 1 carries the title, the authors and, optionally, an arXiv-style margin
stamp set vertically in the left margin, as arXiv prints it. The files are
valid enough for pypdf (correct xref offsets) and can be padded to any size
with an incompressible stream, for benchmarks and size limits.
"""

from __future__ import annotations

import random
import textwrap
import unicodedata

from sora_refs.readinglist.manifest import Reference


def _shown(text: str, font: int) -> bytes:
    """Operators showing one line; ``^{1,2}`` in it is set as a superscript (smaller and
    raised, as a browser prints a web page's citation links)."""
    import re

    parts = re.split(r"\^\{([^}]*)\}", text)
    ops = [_pdf_string(parts[0]) + b" Tj"]
    for sup, after in zip(parts[1::2], parts[2::2], strict=True):
        ops.append(b"/F1 %d Tf %d Ts %s Tj 0 Ts /F1 %d Tf %s Tj"
                   % (max(5, font * 6 // 10), font // 3, _pdf_string(sup), font,
                      _pdf_string(after)))
    return b" ".join(ops)


def _pdf_string(text: str) -> bytes:
    """A PDF literal string in WinAnsi (cp1252); characters it lacks are folded to ASCII."""
    out = []
    for ch in text:
        try:
            b = ch.encode("cp1252")
        except UnicodeEncodeError:
            b = unicodedata.normalize("NFKD", ch).encode("ascii", "ignore") or b"?"
        out.append(b)
    raw = b"".join(out)
    raw = raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")
    return b"(" + raw + b")"


# What page 1 of a paper carries below its authors: an abstract and the start of
# an introduction, about 200 words (real first pages hold 400 to 900).
ABSTRACT = (
    "Abstract. We study how generative models of images and video can be trained at scale "
    "and report what we learn from a series of controlled experiments. Our method combines "
    "a simple objective with a careful choice of architecture, data and optimisation, and "
    "we show that each of these matters. On standard benchmarks the approach matches or "
    "improves upon the strongest published results while using less compute, and the "
    "samples it produces are preferred by human raters. We analyse where the gains come "
    "from, discuss the limitations of our evaluation, and release code and models so that "
    "others can build on them. 1 Introduction. Learning the distribution of natural data "
    "has been a central goal of machine learning for decades. Early approaches relied on "
    "hand-designed features and shallow models; more recent work learns deep networks end "
    "to end from large collections of examples. In this paper we revisit the question of "
    "what makes such models work well, and we find that a small number of design decisions "
    "explain most of the difference between methods that otherwise look very different. "
    "We make three contributions, which we describe in turn in the following sections."
)
LETTER = (612, 792)
SLIDE = (960, 540)  # 16:9


def make_pdf(
    title: str,
    authors: list[str] | tuple[str, ...] = (),
    arxiv: str | None = None,
    pages: int = 4,
    pad_to: int | None = None,
    body: str = ABSTRACT,
    meta_title: str | None = None,
    seed: int = 0,
    lines: list[str] | None = None,
    size: tuple[int, int] = LETTER,
    later: str | None = None,
    later_lines: bool = False,
) -> bytes:
    """A PDF of ``pages`` pages whose page 1 looks like a paper's first page: the title,
    the authors and an abstract (or exactly ``lines``, one text line each, for notes,
    slides and other look-alikes); ``later`` is the text of every other page;
    ``pad_to`` grows the file to about that many bytes."""
    text: list[tuple[int, bytes]] = []
    if lines is not None:
        text = [(12, _shown(line, 12)) for line in lines]
    else:
        for chunk in textwrap.wrap(title, 48) or [""]:
            text.append((18, _pdf_string(chunk) + b" Tj"))
        for chunk in textwrap.wrap(", ".join(authors), 70):
            text.append((11, _pdf_string(chunk) + b" Tj"))
        for chunk in textwrap.wrap(body, 80):
            text.append((10, _pdf_string(chunk) + b" Tj"))
    width, height = size
    lead = 14 if height > width else 20
    content = [b"BT", b"72 %d Td" % (height - 72)]
    for font, s_ in text:
        content.append(b"/F1 %d Tf 0 -%d Td %s" % (font, min(font + 6, lead), s_))
    content.append(b"ET")
    if arxiv:
        stamp = _pdf_string(f"arXiv:{arxiv}v1  [cs.CV]  1 Jan 2024")
        content.append(b"BT /F1 20 Tf 0 1 -1 0 36 250 Tm " + stamp + b" Tj ET")
    page1 = b"\n".join(content)
    rest = (later.splitlines() if later_lines and later is not None
            else textwrap.wrap(later if later is not None else ABSTRACT, 80))

    objects: list[bytes] = []  # object i+1
    n_pages = max(1, pages)
    page_ids = [4 + 2 * i for i in range(n_pages)]
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    kids = b" ".join(b"%d 0 R" % i for i in page_ids)
    objects.append(b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, n_pages))
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica "
                   b"/Encoding /WinAnsiEncoding >>")
    for i in range(n_pages):
        if i == 0:
            stream = page1
        else:
            body_lines = b" ".join(b"0 -14 Td %s" % _shown(x, 10) for x in rest)
            stream = b"BT /F1 10 Tf 72 %d Td (Page %d) Tj %s ET" % (height - 72, i + 1,
                                                                   body_lines)
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] "
                       b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>"
                       % (width, height, page_ids[i] + 1))
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream))
    info_id = len(objects) + 1
    info = b"<< /Producer (sora-refs tests)"
    if meta_title is not None:
        info += b" /Title " + _pdf_string(meta_title)
    objects.append(info + b" >>")

    def assemble(padding: bytes) -> bytes:
        objs = list(objects)
        if padding:
            objs.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(padding), padding))
        out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
        offsets = []
        for i, obj in enumerate(objs, start=1):
            offsets.append(len(out))
            out += b"%d 0 obj\n%s\nendobj\n" % (i, obj)
        xref = len(out)
        out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
        for off in offsets:
            out += b"%010d 00000 n \n" % off
        out += (b"trailer\n<< /Size %d /Root 1 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n"
                % (len(objs) + 1, info_id, xref))
        return bytes(out)

    pdf = assemble(b"")
    if pad_to and pad_to > len(pdf) + 64:
        pad = pad_to - len(pdf) - 64
        # A random megabyte, repeated: incompressible enough, and cheap for 500 MB.
        block = random.Random(seed).randbytes(min(pad, 1 << 20))
        pdf = assemble(block * (pad // len(block)) + block[: pad % len(block)])
    return pdf


def pdf_for(ref: Reference, stamp: bool = True, **kw: object) -> bytes:
    """The generated PDF standing in for ``ref``."""
    return make_pdf(ref.title, ref.authors[:6], ref.arxiv if stamp else None, **kw)  # type: ignore[arg-type]
