"""Reading one printed reference: its authors, title, year and venue.

A reference reads "Authors. Title. Venue, year." in one of a handful of styles: given
names first ("Jimmy Lei Ba, Jamie Ryan Kiros, and Geoffrey E Hinton."), surnames first
with given names ("Cho, Kyunghyun, van Merrienboer, Bart, and Bengio, Yoshua.") or
initials ("Barron, J. T., and Malik, J."; Vancouver's "Ho J, Kim JW"), "et al." for
the rest. The author list ends at the last full stop before which the text still reads
as names (or where a publisher ends it: Springer's colon, Harvard's comma before the
year, the bracketed year; Elsevier's numbered style ends names and title with commas
alone, :func:`comma_style`), and the title
is the sentence after it, never a venue, year or page fragment ("In NeurIPS, 2020",
"CoRR, abs/1411.4389, 2014"): when the sentence after the names is one, the names
end one stop earlier, and when no title can be read it stays empty (the caller keeps
the printed text instead of inventing one).

Text arrives repaired (:func:`sora_refs.text.repair`); every pattern here is linear.
"""

from __future__ import annotations

import re

# Lowercase words that belong to names: "Bart van Merrienboer", "Diego de las Casas".
_PARTICLES = {"van", "von", "de", "der", "den", "da", "di", "du", "le", "la", "las", "los",
              "del", "della", "dos", "das", "ter", "ten", "bin", "al", "el", "y", "zu"}
_PARTICLE_RX = "|".join(sorted(_PARTICLES))
# Capitals of the Latin scripts names are printed in: "Ł. Kaiser", "Ö. Çiçek".
_UP = "A-Z\u00c0-\u00d6\u00d8-\u00de" + "".join(
    chr(i) for i in range(0x100, 0x250) if chr(i).isupper())
_INITIALS = re.compile(rf"^(?:[{_UP}][a-z]?\.)(?:-?[{_UP}][a-z]?\.)*(?:-[{_UP}])?$"
                       rf"|^[{_UP}]{{1,3}}$")  # "J.-Y" is "J.-Y." where a stop cut it
# Where the author list may end: a full stop (or ? !) followed by more text, "et al.",
# Springer's colon after an initial ("He, K., Sun, J.: Deep residual learning"), or
# Harvard's comma before the year ("Ho, J., Jain, A. and Abbeel, P., 2020. Denoising"),
# or Springer Nature's year in brackets ("He K, Sun J (2016) Deep residual learning").
_STOP = re.compile(r"\bet al\.?,?:?|(?<=\.):(?=\s+\S)|[.?!](?=\s+\S)"
                   r"|,(?=\s*(?:19|20)\d\d[a-z]?[.,]\s)|\s(?=\((?:19|20)\d\d[a-z]?\)\s)")
_VANCOUVER = re.compile(
    rf"^((?:(?:{_PARTICLE_RX}) )*[{_UP}][\w'’-]+(?: [\w'’-]+){{0,2}}) "
    rf"([{_UP}](?:-?[{_UP}]){{0,2}})\.?$")
# "..., et al.", "et al. ,", "et al.:", and BibTeX's "and others" as some styles print
# it ("Lauritzen, S., and Others.", the diffusion paper's ICML 2015 list)
_ET_AL_END = re.compile(r",?\s*(?:\bet al\.?|\band [Oo]thers\.?)\s*[,:]?$")
_PIECES = re.compile(r",\s*(?:and\s+|&\s*)?|\s+(?:and|&)\s+")
_YEAR = re.compile(r"(?<![\d.])(1[89]\d\d|20[0-4]\d)(?![\d.]\d)")  # Langevin, 1908
_NOT_YEAR = re.compile(r"https?://\S+|arXiv\s*:\s*\S+|abs/\S+|10\.\d{4,9}/\S+", re.I)
# What a venue, year or page fragment starts with: never a title.
_FRAGMENT = re.compile(
    r"^(?:in:|arxiv|corr\b|proc\.|proceedings|advances in|journal|trans\.|"
    r"transactions|ieee|acm\b|pp\.|pages?\b|vol\.|volume\b|technical report|tech\. ?rep|"
    r"preprint|springer|openreview|international|conference|workshop|symposium|annual|"
    r"\(?\d+(?![a-z]))", re.I)  # "3d convolutional" is a title
# "In NeurIPS", "In Proceedings of ...", "In 2016 IEEE ...": a venue after "In"; "In
# defense of the triplet loss" is a title.
_IN_VENUE = re.compile(
    r"^[Ii]n\s+(?:[Tt]he\s+)?(?:\d|[A-Z]{2,}|[A-Z][a-z]+[A-Z]|(?i:proc|advances|"
    r"international|conference|workshop|symposium|annual|european|asian|british|north|"
    r"findings|joint|ieee|acm|journal|transactions|neural|computer|medical))")
_SENTENCE_END = re.compile(r"(?<=[^\s.][^\s.])[.?!](?=\s|$)")
_HEAD_YEAR = re.compile(r"^\(?(?:19|20)\d\d[a-z]?\)?[.,:]?\s+")
_TAIL_YEAR = re.compile(r"[,.]?\s*\(?(?:19|20)\d\d[a-z]?\)?$")


def _name_word(word: str) -> bool:
    if word in _PARTICLES or _INITIALS.match(word):  # "van", "de"; "Le" is a surname
        return True
    core = word.replace("-", "").replace("'", "").replace("’", "")
    return bool(core) and core[0].isupper() and core.isalpha()


def _name_piece(piece: str) -> bool:
    words = piece.split()
    if len([w for w in words if w not in _PARTICLES]) >= 4 and _INITIALS.match(
            words[0]) and not any(_INITIALS.match(w) for w in words[1:]):
        return False  # "M. Auto-Encoding Variational Bayes": an initial, then a title
    return 1 <= len(words) <= 5 and all(_name_word(w) for w in words) and not all(
        w in _PARTICLES for w in words)


# Words that make a lowercase piece a phrase, not a name printed in lower case.
_PROSE = {"the", "of", "for", "and", "with", "a", "an", "in", "on", "to", "by", "from",
          "via", "is", "are", "using", "learning", "networks", "models", "model"}


def _lowercase_name(piece: str) -> bool:
    """'arthur szlam', 'koray kavukcuoglu': a name a BibTeX file left in lower case."""
    words = piece.split()
    return len(words) in (2, 3) and all(w.isalpha() and w.islower() and w not in _PROSE
                                         for w in words)


def reads_as_names(segment: str) -> bool:
    """Whether ``segment`` is an author list (names, initials, 'and', 'et al.')."""
    seg = _ET_AL_END.sub("", segment.strip()).strip(" ,")
    if not seg or len(seg) > 2000:
        return False
    pieces = [p.strip() for p in _PIECES.split(seg)]
    if not all(pieces):
        return False
    proper = sum(_name_piece(p) for p in pieces)
    lower = sum(_lowercase_name(p) for p in pieces if not _name_piece(p))
    return proper + lower == len(pieces) and lower <= max(0, (proper - 1) // 2)


def _fragment(title: str) -> bool:
    words = title.split()
    return (not words or bool(_FRAGMENT.match(title)) or bool(_IN_VENUE.match(title))
            or (len(words) <= 4 and bool(_YEAR.search(title)))
            or sum(ch.isalpha() for ch in title) < 4)


def split_authors(text: str) -> tuple[str, str]:
    """(author segment, the rest) of a printed reference; ('', text) when it does not
    begin with names."""
    ends: list[int] = []
    for m in _STOP.finditer(text, 0, min(len(text), 1500)):
        cut = m.end() if m.group(0).startswith("et al") else m.start()
        if not reads_as_names(text[:cut]):
            if ends:
                break  # the names ended at an earlier stop
            continue
        ends.append(m.end())
    for end in reversed(ends):  # the longest list whose next sentence is a title
        rest = text[end:].strip()
        sentence = _first_sentence(rest)
        if not _fragment(sentence) and not (  # "Kingma, Ross Girshick, and Ł. Kaiser"
                end != ends[-1] and re.search(r",|\band\b", sentence)
                and reads_as_names(sentence)):
            return text[:end].strip(" ,:"), rest
    if ends:
        return text[:ends[0]].strip(" ,:"), text[ends[0]:].strip()
    return "", text


# One name of Elsevier's numbered style: initials, then the surname ("A.N. Gomez",
# "L.-J. Li", "B. van Merriënboer").
_INITIALS_FIRST = re.compile(
    rf"^[{_UP}]\.(?:\s?-?[{_UP}]\.)*\s?(?:(?:{_PARTICLE_RX})\s)*[{_UP}][\w'’-]+"
    rf"(?:\s[{_UP}][\w'’-]+)?$")


def comma_style(text: str) -> tuple[list[str], str] | None:
    """(names, title) of Elsevier's numbered style, where commas alone end the names and
    the title: "K. He, X. Zhang, J. Sun, Deep residual learning for image recognition,
    in: CVPR, 2016." None for any other style ("..., J. Sun. Deep residual ...")."""
    pieces = text[:1500].split(", ")
    count = 0
    while count < len(pieces) and _INITIALS_FIRST.match(pieces[count]):
        count += 1
    if not count or count + 1 >= len(pieces):
        return None
    after = pieces[count]
    head = after.split(". ", 1)[0]
    if re.match(r"(?:and|&)\s", after) or reads_as_names(
            ", ".join(pieces[count:]).split(". ", 1)[0]) or _INITIALS_FIRST.match(
            head) or re.fullmatch(rf"[{_UP}]{{1,3}}", head):
        # "..., and J. Sun. Title", "..., J. Sun. Title", "K. Zhang, Jingyun Liang, ...":
        # stops end these names
        return None
    title = []
    for piece in pieces[count:]:
        if title and (_fragment(piece) or _YEAR.search(piece) or re.match(
                r"adv\.\s", piece, re.I)):  # "Adv. Neural Inf. Process. Syst. 30 (2017)"
            break
        title.append(piece)
    joined = _to_sentence_end(", ".join(title)).strip(" .,;:")
    return ([" ".join(p.split()) for p in pieces[:count]], "" if _fragment(joined) else joined)


def _first_sentence(text: str) -> str:
    text = _HEAD_YEAR.sub("", text.strip())  # "(2020). Title": the year after the names
    quoted = re.match(r"^[“\"]([^”\"]{4,400})[”\"]", text)
    if quoted:
        return quoted.group(1).strip(" .,")
    return _to_sentence_end(text).strip(" .,")


def _to_sentence_end(text: str) -> str:
    """``text`` up to its first sentence's end, or Elsevier's ", in:" before a venue; a
    question or an exclamation is the sentence's own ("Is faster r-cnn doing well for
    pedestrian detection?")."""
    text = re.split(r",\s+[Ii]n:\s", text, maxsplit=1)[0]
    m = _SENTENCE_END.search(text)
    if not m:
        return text
    return text[:m.end() if m.group(0) in "?!" else m.start()]


def title_of(rest: str) -> str:
    """The title at the start of what follows the names, or '' if it is a fragment."""
    title = _TAIL_YEAR.sub("", _first_sentence(rest)).strip(" .,;:")
    return "" if _fragment(title) else title


def names(segment: str) -> list[str]:
    """Author names of an author segment, each as 'Given Surname'."""
    seg = _ET_AL_END.sub("", segment.strip()).strip(" ,")
    if seg.endswith(".") and not _INITIALS.match(seg.rsplit(" ", 1)[-1]):
        seg = seg[:-1]  # the stop after a surname; an initial keeps its own
    pieces = [" ".join(p.split()) for p in _PIECES.split(seg) if p.strip()]
    if not pieces:
        return []
    first = pieces[0].split()
    inverted = len(pieces) >= 2 and (
        (any(_INITIALS.match(w) for w in pieces[1].split()) and all(
            _INITIALS.match(w) for w in pieces[1].split()))
        or all(w in _PARTICLES for w in first[:-1]))  # "He", "van den Oord"
    out: list[str] = []
    if inverted and len(pieces) >= 3 and all(
            len(p.split()) >= 2 and p.split()[0] not in _PARTICLES for p in pieces[2:]):
        # Chicago: "He, Kaiming, Xiangyu Zhang, and Jian Sun": the first name inverted
        out = [f"{pieces[1]} {pieces[0]}", *pieces[2:]]
    elif inverted:  # "Surname, Given, Surname, Given" or "Surname, J. T., ..."
        for i in range(0, len(pieces) - 1, 2):
            out.append(f"{pieces[i + 1]} {pieces[i]}")
        if len(pieces) % 2:
            out.append(pieces[-1])
    elif all(_VANCOUVER.match(p) for p in pieces):
        # "Ho J, Jain A, Kim JW": surname, then initials without stops (Vancouver,
        # Springer Nature); the surname must come last, or matching reads "J" as one
        out = [_vancouver_initials(m[2]) + f" {m[1]}"
               for m in (_VANCOUVER.match(p) for p in pieces) if m]
    else:
        out = pieces
    last = out[-1].split()
    if len(last) >= 2 and last[-1].endswith(".") and last[-1] != last[-1].upper():
        # "Xinlei Chen and Kaiming He.": the last name is given names first, so its last
        # word is a surname and the stop ends the list ("He." only looks like an initial)
        out[-1] = out[-1][:-1]
    return out[:100]


def _vancouver_initials(letters: str) -> str:
    """'JW' -> 'J. W.', 'J-Y' -> 'J.-Y.'"""
    if "-" in letters:
        return "-".join(f"{ch}." for ch in letters.split("-"))
    return " ".join(f"{ch}." for ch in letters)


def year_of(text: str) -> int | None:
    """The publication year: the last year printed, outside URLs, arXiv ids and DOIs."""
    years = _YEAR.findall(_NOT_YEAR.sub(" ", text))
    return int(years[-1]) if years else None


# LaTeX sets a BibTeX title's straight quotes (title = {The "wake-sleep" algorithm}) as
# two closing ones: 'The” wake-sleep” algorithm' (the VAE paper's list). Such a pair is
# the quotation it was.
_LATEX_QUOTES = re.compile(r"(?<=\w)”\s+([^“”\s][^“”]{0,80}?)”")


def requoted(title: str) -> str:
    """A title with LaTeX's two closing quotes read as the quotation they were."""
    return _LATEX_QUOTES.sub(r" “\1”", title)


def title_and_authors(text: str) -> tuple[str, list[str]]:
    """(title, authors) of one printed reference; an empty title when none reads."""
    if "\u2016" in text:  # .bbl/.bib parts: authors ‖ title ‖ venue ‖ year
        parts = [p.strip(" .,") for p in text.split("\u2016")]
        if len(parts) > 1:
            return parts[1], names(parts[0])
        return parts[0], []
    quoted = re.search(r"[\"“]([^\"”]{8,400})[\"”]", text[:1500])
    if quoted and reads_as_names(text[:quoted.start()].strip(" ,.")):
        return quoted.group(1).strip(" .,"), names(text[:quoted.start()])
    comma = comma_style(text)
    if comma:
        return comma[1], comma[0]
    segment, rest = split_authors(text)
    if segment:
        return title_of(rest), names(segment)
    return title_of(text), []
