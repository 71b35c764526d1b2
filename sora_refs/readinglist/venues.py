"""The venues reading lists cite, in one table: how citations print each name (in full,
or abbreviated the IEEE and ISO 4 way: 'Adv. Neural Inf. Process. Syst.', or the CVPR
template's 'IEEE Conf. Comput. Vis. Pattern Recog.'), the short name a list writes, the
full name an export prints, and whether it is a conference or a journal.

Adding a venue here teaches ``init --from`` to read it, ``stats`` to count it and every
export to type it; a venue with an open index also needs its reader in
:data:`sora_refs.bibliography.resolvers.venues.SOURCES`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache


@dataclass(frozen=True)
class Venue:
    name: str      # as a list writes it: 'NeurIPS'
    full: str      # as exports print it: 'Advances in Neural Information Processing Systems'
    kind: str      # 'conference' or 'journal'
    printed: str   # how citations print it (a regular expression, any case)


# In the order they are tried: a name that holds another's comes first ('NAACL' before
# 'ACL'), and conferences before journals ('AISTATS, JMLR W&CP' is AISTATS).
VENUES: tuple[Venue, ...] = (
    Venue("WACV", "Proceedings of the IEEE/CVF Winter Conference on Applications of "
          "Computer Vision", "conference",
          r"winter conference on applications of computer vision|"
          r"winter conf\.? (on )?appl\.? (of )?comput\.? vis|\bwacv\b"),
    Venue("CVPR", "Proceedings of the IEEE/CVF Conference on Computer Vision and Pattern "
          "Recognition", "conference",
          r"computer vision and pattern recognition|comput\.? vis\.? (and )?pattern recog|"
          r"\bcvpr\b"),
    Venue("ICCV", "Proceedings of the IEEE/CVF International Conference on Computer Vision",
          "conference",
          r"international conference on computer vision|int\.? conf\.? (on )?comput\.? vis|"
          r"\biccv\b"),
    Venue("ECCV", "Proceedings of the European Conference on Computer Vision", "conference",
          r"european conference on computer vision|eur\.? conf\.? (on )?comput\.? vis|"
          r"\beccv\b"),
    Venue("NeurIPS", "Advances in Neural Information Processing Systems", "conference",
          r"neural information processing systems|neural inf(orm)?\.? process(ing)?\.? syst|"
          r"\bneurips\b|\bnips\b"),
    Venue("ICML", "Proceedings of the International Conference on Machine Learning",
          "conference",
          r"international conference on machine learning|int\.? conf\.? (on )?mach(ine)?\.? learn|"
          r"\bicml\b"),
    Venue("ICLR", "International Conference on Learning Representations", "conference",
          r"conference on learning representations|conf\.? learn\.? represent|\biclr\b"),
    Venue("AISTATS", "Proceedings of the International Conference on Artificial "
          "Intelligence and Statistics", "conference",
          r"artificial intelligence and statistics|artif\.? intell\.? (and )?stat|"
          r"\baistats\b"),
    Venue("UAI", "Proceedings of the Conference on Uncertainty in Artificial Intelligence",
          "conference",
          r"uncertainty in artificial intelligence|uncertain\.? artif\.? intell|\buai\b"),
    Venue("COLT", "Proceedings of the Conference on Learning Theory", "conference",
          r"conference on learning theory|conf\.? learn\.? theory|\bcolt\b"),
    Venue("CoRL", "Proceedings of the Conference on Robot Learning", "conference",
          r"conference on robot learning|conf\.? robot learn|\bcorl\b"),
    Venue("MLSys", "Proceedings of Machine Learning and Systems", "conference",
          r"machine learning and systems|\bmlsys\b|\bsysml\b"),
    # Before AAAI: an IJCAI citation may print 'AAAI Press', its publisher in some years.
    Venue("IJCAI", "Proceedings of the International Joint Conference on Artificial "
          "Intelligence", "conference",
          r"international joint conference on artificial intelligence|"
          r"int\.? joint conf\.? (on )?artif\.? intell|\bijcai\b"),
    Venue("AAAI", "Proceedings of the AAAI Conference on Artificial Intelligence",
          "conference", r"\baaai\b"),
    Venue("NAACL", "Proceedings of the Conference of the North American Chapter of the "
          "Association for Computational Linguistics", "conference",
          r"north american chapter of the association for computational linguistics|"
          r"north amer\.? chapter (of )?(the )?assoc\.? (for )?comput\.? linguist|\bnaacl\b"),
    Venue("EACL", "Proceedings of the Conference of the European Chapter of the "
          "Association for Computational Linguistics", "conference",
          r"european chapter of the association for computational linguistics|"
          r"eur\.? chapter (of )?(the )?assoc\.? (for )?comput\.? linguist|\beacl\b"),
    Venue("EMNLP", "Proceedings of the Conference on Empirical Methods in Natural Language "
          "Processing", "conference",
          r"empirical methods in natural language processing|\bemnlp\b"),
    Venue("ACL", "Proceedings of the Annual Meeting of the Association for Computational "
          "Linguistics", "conference",
          r"annual meeting of the association for computational linguistics|\bacl\b"),
    # After ACL: the joint COLING-ACL meetings are in the ACL's volumes (P06-1).
    Venue("COLING", "Proceedings of the International Conference on Computational "
          "Linguistics", "conference",
          r"international conference on computational linguistics|\bcoling\b"),
    Venue("BMVC", "Proceedings of the British Machine Vision Conference", "conference",
          r"british machine vision conference|brit\.? mach\.? vis\.? conf|\bbmvc\b"),
    Venue("MICCAI", "Proceedings of the International Conference on Medical Image "
          "Computing and Computer-Assisted Intervention", "conference",
          r"medical image computing and computer[- ]assisted intervention|\bmiccai\b"),
    # The series itself, for the meetings the table does not name ('Proceedings of the
    # 5th Annual Learning for Dynamics and Control Conference, volume 211 of Proceedings
    # of Machine Learning Research'): after every conference PMLR publishes.
    Venue("PMLR", "Proceedings of Machine Learning Research", "conference",
          r"proceedings of machine learning research|\bpmlr\b|\bmlr\.press\b"),
    Venue("TPAMI", "IEEE Transactions on Pattern Analysis and Machine Intelligence",
          "journal",
          r"pattern analysis and machine intelligence|pattern anal\.? mach\.? intell|"
          r"\bt?pami\b"),
    Venue("IJCV", "International Journal of Computer Vision", "journal",
          r"international journal of computer vision|int\.? j\.? comput\.? vis|\bijcv\b"),
    Venue("JMLR", "Journal of Machine Learning Research", "journal",
          r"journal of machine learning research|j\.? mach\.? learn\.? res|\bjmlr\b"),
    Venue("TMLR", "Transactions on Machine Learning Research", "journal",
          r"transactions on machine learning research|\btmlr\b"),
    Venue("Neural Computation", "Neural Computation", "journal",
          r"\bneural comput(ation\b|\.)"),
    # The journals by their name alone, as printed ("Nature 521, 436-444 (2015)", some
    # styles in capitals: "SCIENCE, pages 1158"), not the word in other names: "the
    # nature of", "Nature Communications", "Computer Science".
    Venue("Nature", "Nature", "journal", r"(?-i:\b(?:Nature|NATURE)\b)(?!\s+(?-i:[A-Z]))"),
    Venue("Science", "Science", "journal", r"(?<![Cc]omputer\s)(?<![Dd]ata\s)"
          r"(?-i:\b(?:Science|SCIENCE)\b)(?!\s+(?-i:[A-Z]))"),
)


@cache
def _patterns() -> tuple[tuple[re.Pattern[str], Venue], ...]:
    """Compiled on first use: ``list`` and ``stats`` never read a citation. A space of a
    printed form may be missing, as PDF text loses them ("Proceedings ofthe ... Chapter
    ofthe Associationfor Computational Linguistics")."""
    return tuple((re.compile(v.printed.replace(" ", r"\s*"), re.IGNORECASE), v)
                 for v in VENUES)


def named_in(text: str) -> Venue | None:
    """The venue a citation's text names, if it names one of the table."""
    return next((v for rx, v in _patterns() if rx.search(text)), None)


# A journal the table does not know, by how citations print one: its name, then a volume
# ("Physics letters B, 195(2):216-222", "IEEE Trans. Image Process., vol. 13, no. 4",
# "Bayesian Analysis, 8(4), 2013", "Md. L. Rev., 78:892"). A conference's proceedings
# can have volumes too ("In Intl. Workshop on X, volume 2"): a name with a meeting's
# word is not a journal.
_VOLUME = (r"(?:vol(?:ume)?\.?\s*\d{1,4}\b|\d{1,4}\s*\(\s*\d[\w–-]{0,10}\s*\)|"
           r"\d{1,4}\s*:\s*[eE]?\d)")
_JOURNAL = re.compile(r"^[\s.,;\"”’']*(?:in:?\s+)?(?P<name>(?-i:[A-Z])[^,;:()\[\]\d]{1,80}?)"
                      r"\s*[,.]?\s+" + _VOLUME, re.IGNORECASE)
_MEETING = re.compile(r"conference|conf\.|workshop|symposium|meeting|congress|lecture notes|"
                      r"\bpages\b|\bpp\.|report|thesis|preprint", re.IGNORECASE)
_JOURNAL_WORDS = re.compile(r"journal|transactions|letters|review|annals|magazine|bulletin|"
                            r"\b(?:j|trans|rev|lett|ann)\.", re.IGNORECASE)


def journal_printed(after_title: str) -> str:
    """The name of a journal the table does not know, as an entry prints it right after
    its title and before a volume, or ""."""
    m = _JOURNAL.match(after_title)
    if not m or _MEETING.search(m["name"]):
        return ""
    name = m["name"].strip()
    if name.endswith(".") and "." not in name[:-1]:  # 'Md. L. Rev.' keeps it, abbreviated
        name = name[:-1]
    return name[:1].upper() + name[1:] if len(name) > 2 else ""


def is_journal(name: str, cited: str | None = None) -> bool:
    """Whether a venue the table does not know is a journal: its citation prints a volume
    after it, or its name says so ('Journal of ...', 'Physical Review E', 'Md. L. Rev.')."""
    if _MEETING.search(name):
        return False
    if cited and re.search(re.escape(name) + r"\s*[,.]?\s+" + _VOLUME, cited, re.IGNORECASE):
        return True
    return bool(_JOURNAL_WORDS.search(name))


def by_name(name: str) -> Venue | None:
    """The venue a list's ``venue`` field means: 'NeurIPS', 'neurips' or 'NIPS'."""
    key = name.strip().lower()
    if key == "nips":
        key = "neurips"
    return next((v for v in VENUES if v.name.lower() == key), None)
