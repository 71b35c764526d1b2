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

from sora_refs.manifest import Reference


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


def make_pdf(
    title: str,
    authors: list[str] | tuple[str, ...] = (),
    arxiv: str | None = None,
    pages: int = 1,
    pad_to: int | None = None,
    body: str = "Abstract. We study things and report results.",
    meta_title: str | None = None,
    seed: int = 0,
) -> bytes:
    """A PDF of ``pages`` pages; ``pad_to`` grows it to about that many bytes."""
    lines: list[tuple[int, bytes]] = []
    for chunk in textwrap.wrap(title, 48) or [""]:
        lines.append((18, _pdf_string(chunk)))
    for chunk in textwrap.wrap(", ".join(authors), 70):
        lines.append((11, _pdf_string(chunk)))
    for chunk in textwrap.wrap(body, 80):
        lines.append((10, _pdf_string(chunk)))

    content = [b"BT", b"72 720 Td"]
    for size, s in lines:
        content.append(b"/F1 %d Tf 0 -%d Td %s Tj" % (size, size + 6, s))
    content.append(b"ET")
    if arxiv:
        stamp = _pdf_string(f"arXiv:{arxiv}v1  [cs.CV]  1 Jan 2024")
        content.append(b"BT /F1 20 Tf 0 1 -1 0 36 250 Tm " + stamp + b" Tj ET")
    page1 = b"\n".join(content)

    objects: list[bytes] = []  # object i+1
    n_pages = max(1, pages)
    page_ids = [4 + 2 * i for i in range(n_pages)]
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    kids = b" ".join(b"%d 0 R" % i for i in page_ids)
    objects.append(b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, n_pages))
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica "
                   b"/Encoding /WinAnsiEncoding >>")
    for i in range(n_pages):
        stream = page1 if i == 0 else b"BT /F1 10 Tf 72 720 Td (Page %d) Tj ET" % (i + 1)
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
                       b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>"
                       % (page_ids[i] + 1))
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
