"""Categories that follow the source's own structure, as a reader would draw them.

Where a sentence lists its citations after noun phrases ("including recurrent
networks,[1-3] generative adversarial networks,[4-7] and diffusion models.[10-12]"),
each phrase becomes a category, and what the sentence says they are examples
of ("generative modeling of video data") their parent. Otherwise a citation goes
under the phrase that introduces it ("inspiration from large language models",
"a diffusion model[21]", "SDEdit,[32]"), or the sentence's subject ("Patches have
been shown...[15-18]"), below the heading of the section where it is first
cited. This is how the seed's mind map of the Sora references was made by hand.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sora_refs.bibliography.citations import Citation

_MARK = re.compile(r"\[[^\]]*\]")
_CUES = (
    r"\b(?:the|a|an)\s+(?P<np>[\w\-·']+(?:\s+[\w\-·']+)?)\s+(?:technique|method|approach|"
    r"model|objective|loss)\s+(?:introduced|proposed|described)\s+in",
    r"(?:inspiration|ideas?)\s+from\s+(?P<np>[^,.;\[]{3,60}?)(?=\s+(?:which|that|who|and|to|"
    r"for|by|with)\b|[,.;\[]|$)",
    r"(?:based|built|builds|building|relies|rely)\s+on\s+(?P<np>[^,.;\[]{2,50}?)(?=\s*\[|"
    r"\s+(?:which|that|and|to|for|by|with)\b|[,.;]|$)",
)
# Words that end a noun phrase read backwards from a marker.
_STOP = {"a", "an", "the", "is", "are", "was", "were", "be", "been", "being", "of", "into",
         "in", "on", "by", "with", "from", "to", "for", "and", "or", "as", "via", "using",
         "that", "which", "we", "our", "its", "their", "this", "these", "such", "like",
         "including", "e.g.", "namely", "see", "use", "uses", "used", "apply", "applies"}
_PRONOUNS = {"we", "it", "this", "these", "they", "our", "i", "such", "that", "there"}
_ENUM_CUE = re.compile(r"\b(?:including|such as|like|e\.g\.,?|namely|for example,?)\s+", re.I)
_STUDIED = re.compile(r"\b(?:studied|explored|examined|investigated|addressed|surveyed|"
                      r"considered|approached|tackled)\s+(?P<np>.+?)(?:\s+(?:using|with|via|"
                      r"through|by|in|across|from)\b|,|$)", re.I)


@dataclass
class Node:
    """A derived category: its title (the phrase as the source prints it) and children."""

    title: str
    children: dict[str, Node] = field(default_factory=dict)
    refs: list[int] = field(default_factory=list)


def _clean(phrase: str) -> str:
    phrase = _MARK.sub(" ", phrase)
    phrase = re.sub(r"^[\s,;:.()]+|[\s,;:.()]+$", "", phrase)
    words = phrase.split()
    while words and words[0].lower() in ("and", "or", "a", "an", "the", "also", "both"):
        words = words[1:]
    return " ".join(words)


def _np_before(text: str) -> str:
    """The noun phrase right before the end of ``text``: 'Sora is a diffusion model' ->
    'diffusion model'; 'one of these methods, SDEdit,' -> 'SDEdit'."""
    text = text.rstrip(" ,;:")
    if text.endswith("."):
        return ""
    words: list[str] = []
    for w in reversed(re.split(r"(\s+|,|;|:|\()", text)):
        if not w.strip():
            continue
        if w in (",", ";", ":", "(") or w.lower() in _STOP or len(words) == 5:
            break
        words.insert(0, w)
    return " ".join(words)


def _common_noun(word: str, body_lower: set[str]) -> bool:
    """A sentence's first word is a topic ('Patches') when the text also writes it in
    lower case; the system's own name ('Sora') and pronouns are not."""
    w = word.strip(",.;:").lower()
    return w not in _PRONOUNS and w in body_lower


def phrase_for(c: Citation, body_words: set[str]) -> tuple[str, str]:
    """(parent, phrase) of a citation's first-citation context; '' when none."""
    sentence = c.sentence
    if not sentence:
        return "", ""
    label = c.group[0] if c.group else c.label
    pos = next((m for m in _MARK.finditer(sentence)
                if label in re.split(r"[,\s]+", m.group(0).strip("[]"))), None)
    if pos is None:
        return "", ""
    before = sentence[:pos.start()]
    groups = list(_MARK.finditer(sentence))
    if len(groups) >= 2:  # an enumeration: "A,[1] B,[2] and C.[3]"
        prev = max((m.end() for m in groups if m.end() <= pos.start()), default=0)
        seg = before[prev:]
        cue = list(_ENUM_CUE.finditer(seg))
        if cue:
            seg = seg[cue[-1].end():]
        phrase = _clean(seg)
        if phrase and len(phrase.split()) <= 6:
            head = sentence[:groups[0].start()]
            clause = head[:list(_ENUM_CUE.finditer(head))[-1].start()] if _ENUM_CUE.search(
                head) else ""
            m = _STUDIED.search(clause)
            parent = _clean(m.group("np")) if m else ""
            return parent, phrase
    for cue in _CUES:
        found = list(re.finditer(cue, before, re.I))
        if found and found[-1].group("np").strip():  # the one nearest the marker
            return "", _clean(found[-1].group("np"))
    if not before.rstrip().endswith("."):  # the marker follows a word: "a diffusion model[21]"
        phrase = _clean(_np_before(before))
        if phrase:
            return "", phrase
    first = before.split()[0] if before.split() else ""
    if first and _common_noun(first, body_words):
        return "", _clean(first)
    m = re.search(r"\b(?:is|are|was|were)\s+(?:a|an|the)\s+(?P<np>[\w\- ]{3,40}?)\s*\.?\s*$",
                  before)
    if m:
        return "", _clean(m.group("np"))
    return "", ""


def derive(cites: list[Citation], body: str, fallback: str = "Introduction"
           ) -> tuple[dict[str, Node], dict[int, tuple[str, ...]]]:
    """The category tree (top level by title) and each citation's path of titles.

    Top level: the parent a sentence names, else the section heading where the
    citation is first cited (``fallback`` before the first heading); below it, the
    phrase. Citations never cited in the text go where the source files them (a BibTeX
    file's groups), else under "Not cited in the text".
    """
    words = {w.lower() for w in re.findall(r"(?<=[a-z,;:] )([a-z][\w-]+)", body)}
    tree: dict[str, Node] = {}
    paths: dict[int, tuple[str, ...]] = {}
    for c in cites:
        if not c.sentence and c.filed:  # the source's own category (our own export)
            top, phrase = c.filed[0], c.filed[1] if len(c.filed) > 1 else ""
        elif not c.sentence:
            top, phrase = "Not cited in the text", ""
        else:
            parent, phrase = phrase_for(c, words)
            top = parent or c.section or fallback
            if not parent and " › " in top:  # a paragraph head names the group
                top, phrase = top.split(" › ", 1)
        key = top.lower()
        node = tree.setdefault(key, Node(_capital(top)))
        if phrase and phrase.lower() != key:
            child = node.children.setdefault(phrase.lower(), Node(_capital(phrase)))
            child.refs.append(c.number)
            paths[c.number] = (node.title, child.title)
        else:
            node.refs.append(c.number)
            paths[c.number] = (node.title,)
    _tidy(tree, paths, len(cites))
    return tree, paths


# Words a category name does not start with: what is left of a sentence, not a name
# ("Recently", "In", "Only similarity", "Proposes to predict discrete tokens").
_FILLER = {"in", "on", "at", "recently", "only", "easily", "more", "most", "we", "our", "this",
           "these", "that", "those", "using", "by", "with", "proposes", "removing", "such",
           "other", "some", "many", "also", "however", "previous", "see", "e", "i", "it",
           "millions", "thousands", "here", "there", "then", "thus", "which", "while", "even",
           "when", "where", "if", "although", "because", "since", "as"}
MAX_LEAVES = 16


def a_name(title: str) -> bool:
    """Whether a phrase reads as a category's name: a few words, letters not numbers
    or table rows ("82.3 82.6 83.1 - DINO", "20B parameters"), not a sentence's start."""
    words = title.split()
    return (1 <= len(words) <= 6 and words[0].lower().strip(",") not in _FILLER
            and sum(ch.isdigit() for ch in title) * 4 < len(title)
            and re.search(r"[A-Za-z]{3}", title) is not None
            and not re.search(r"[—–]|\d\.\d", title))


def _tidy(tree: dict[str, Node], paths: dict[int, tuple[str, ...]], total: int) -> None:
    """A tree a person keeps: sub-categories that are not names go into their parent;
    for 20 references or more, the smallest sub-categories merge into their parents
    until there are at most :data:`MAX_LEAVES` leaves and at most a quarter of the
    references sit alone in one."""
    def fold(node: Node, key: str) -> None:
        child = node.children.pop(key)
        node.refs.extend(child.refs)
        for n in child.refs:
            paths[n] = (node.title,)

    for node in tree.values():
        for key in [k for k, c in node.children.items() if not a_name(c.title)]:
            fold(node, key)
    if total < 20:
        return
    for size in (1, 2, 3):
        groups = [g for node in tree.values() for g in (node, *node.children.values())
                  if g.refs]
        alone = sum(1 for g in groups if len(g.refs) == 1)
        if len(groups) <= MAX_LEAVES and alone * 4 <= total:
            return
        for node in tree.values():
            for key in [k for k, c in node.children.items() if len(c.refs) <= size]:
                fold(node, key)


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text
