"""Venue index pages as a flat stream of tags and text, read with the standard
library's HTML parser (it takes unquoted attributes, as ECVA writes them, and never
fails on a broken page: a bad page gives fewer papers, not an error)."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin


@dataclass
class Token:
    kind: str                 # start, end, text
    tag: str = ""
    attrs: dict[str, str] = field(default_factory=dict)
    text: str = ""

    def has_class(self, name: str) -> bool:
        return name in self.attrs.get("class", "").split()


class _Tokens(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[Token] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.out.append(Token("start", tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag: str) -> None:
        self.out.append(Token("end", tag))

    def handle_data(self, data: str) -> None:
        self.out.append(Token("text", text=data))


def tokens(body: bytes) -> list[Token]:
    parser = _Tokens()
    parser.feed(body.decode("utf-8", "replace"))
    parser.close()
    return parser.out


def text_until(toks: list[Token], i: int, tag: str) -> tuple[str, int]:
    """The text from ``i`` to the end of ``tag`` (one line), and where that end is."""
    parts = []
    while i < len(toks) and not (toks[i].kind == "end" and toks[i].tag == tag):
        if toks[i].kind == "text":
            parts.append(toks[i].text)
        i += 1
    return " ".join(" ".join(parts).split()), i


def pdf_link(toks: list[Token], i: int, url: str) -> str:
    """The URL of the anchor starting at ``i`` if its text is 'pdf' (any case),
    resolved against the page's ``url``; "" otherwise."""
    text, _ = text_until(toks, i + 1, "a")
    href = toks[i].attrs.get("href", "")
    return urljoin(url, href) if text.strip().lower() == "pdf" and href else ""
