"""Any reference, printed in any of the common styles, reads as the same title, authors
and year.

The names and titles are real ones chosen for what trips a reader: particles ("van den
Oord"), hyphens ("Jun-Yan", "Sohl-Dickstein"), capitals outside ASCII ("Łukasz", "Ö."),
middle initials ("Diederik P."), titles that begin like a venue ("In defense of ...") or
an initial ("A style-based ..."), two-word titles in capitals ("Mask R-CNN"), a colon.
The styles are those of the publishers' templates and of Google Scholar's "Cite".
"""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import given, settings
from hypothesis import strategies as st

from sora_refs.bibliography.citations import parse_entry

NAMES = [("Kaiming", "He"), ("Jian", "Sun"), ("Łukasz", "Kaiser"), ("Jun-Yan", "Zhu"),
         ("Aäron", "van den Oord"), ("Jascha", "Sohl-Dickstein"), ("Li", "Fei-Fei"),
         ("Diederik P.", "Kingma"), ("Yann", "LeCun"), ("Piotr", "Dollár"), ("Ö.", "Çiçek"),
         ("Marc'Aurelio", "Ranzato"), ("Tsung-Yi", "Lin"), ("Bart", "van Merriënboer"),
         ("Ian J.", "Goodfellow"), ("Alexei A.", "Efros")]
TITLES = ["Deep residual learning for image recognition", "Attention is all you need",
          "U-Net: Convolutional networks for biomedical image segmentation", "Mask R-CNN",
          "In defense of the triplet loss for person re-identification",
          "A style-based generator architecture for generative adversarial networks",
          "3D U-Net: Learning dense volumetric segmentation from sparse annotation",
          "You only look once: Unified, real-time object detection",
          "On the difficulty of training recurrent neural networks", "Generative adversarial nets",
          "Is faster R-CNN doing well for pedestrian detection?", "Do ImageNet classifiers "
          "generalize to ImageNet?"]
VENUES = [("CVPR", "Proceedings of the IEEE Conference on Computer Vision and Pattern "
           "Recognition"), ("NeurIPS", "Advances in Neural Information Processing Systems"),
          ("ICML", "International Conference on Machine Learning")]

Author = tuple[str, str]


def _initials(given: str) -> str:
    if "-" in given:
        return "-".join(f"{p[0]}." for p in given.split("-"))
    return " ".join(f"{p[0]}." for p in given.split())


def _and(names: list[str], last: str = ", and ") -> str:
    if len(names) == 1:
        return names[0]
    if len(names) == 2:
        return f"{names[0]} and {names[1]}"
    return ", ".join(names[:-1]) + last + names[-1]


def _given_first(a: list[Author]) -> list[str]:
    return [f"{g} {s}" for g, s in a]


def _surname_first(a: list[Author]) -> list[str]:
    return [f"{s}, {_initials(g)}" for g, s in a]


def _initials_first(a: list[Author]) -> list[str]:
    return [f"{_initials(g)} {s}" for g, s in a]


def _apa(a: list[Author]) -> str:
    names = _surname_first(a)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + ", & " + names[-1]


def _harvard(a: list[Author]) -> str:
    names = _surname_first(a)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _vancouver(a: list[Author]) -> str:
    return ", ".join(f"{s} {_initials(g).replace('.', '').replace(' ', '')}" for g, s in a)


def _mla(a: list[Author]) -> str:
    (g, s), rest = a[0], _given_first(a[1:])
    return f"{s}, {g}" + ("" if not rest else f", and {rest[0]}" if len(rest) == 1 else
                          ", " + ", ".join(rest[:-1]) + f", and {rest[-1]}")


def _nature(a: list[Author]) -> str:
    names = _surname_first(a)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " & " + names[-1]


Style = Callable[[list[Author], str, str, str, int], str]
STYLES: dict[str, Style] = {
    "NeurIPS/CVPR": lambda a, t, v, full, y: f"{_and(_given_first(a))}. {t}. In {v}, {y}.",
    "Springer LNCS": lambda a, t, v, full, y: f"{', '.join(_surname_first(a))}: {t}. In: {v} "
                                              f"({y})",
    "Elsevier": lambda a, t, v, full, y: f"{', '.join(_initials_first(a))}, {t}, in: {full}, "
                                         f"{y}, pp. 1–9.",
    "IEEE": lambda a, t, v, full, y: f"{_and(_initials_first(a))}, “{t},” in Proc. {v}, {y}, "
                                     "pp. 1–9.",
    "APA": lambda a, t, v, full, y: f"{_apa(a)} ({y}). {t}. {full}.",
    "ACL": lambda a, t, v, full, y: f"{_and(_given_first(a))}. {y}. {t}. In {full}, pages "
                                    "1–9.",
    "Harvard": lambda a, t, v, full, y: f"{_harvard(a)}, {y}. {t}. {full}, pp.1-9.",
    "Vancouver": lambda a, t, v, full, y: f"{_vancouver(a)}. {t}. {full}. {y};33:1-9.",
    "MLA": lambda a, t, v, full, y: f'{_mla(a)}. "{t}." {full} 33 ({y}): 1-9.',
    "Chicago": lambda a, t, v, full, y: f"{_mla(a)}. {y}. “{t}.” In {full}, 1–9.",
    "Nature": lambda a, t, v, full, y: f"{_nature(a)} {t}. in {full} 1–9 ({y}).",
    "Springer Nature": lambda a, t, v, full, y: f"{_vancouver(a)} ({y}) {t}. In: {v}, pp "
                                                "1–9",
    "Elsevier author-year": lambda a, t, v, full, y: f"{', '.join(_surname_first(a))}, {y}. "
                                                     f"{t}, in: {full}, pp. 1–9.",
}


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(NAMES), min_size=1, max_size=4, unique=True),
       st.sampled_from(TITLES), st.sampled_from(VENUES), st.integers(1990, 2025),
       st.sampled_from(sorted(STYLES)))
def test_every_style_reads_the_same_reference(authors: list[Author], title: str,
                                              venue: tuple[str, str], year: int,
                                              style: str) -> None:
    printed = STYLES[style](authors, title, venue[0], venue[1], year)
    c = parse_entry(1, "1", printed)
    assert (c.title, c.year, c.venue) == (title, year, venue[0]), printed
    assert [a.split()[-1] for a in c.authors] == [s.split()[-1] for _, s in authors], printed
