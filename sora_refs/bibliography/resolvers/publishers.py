"""Publishers whose DOI names the paper's open PDF: the DOI's suffix is the paper's id on
the publisher's own open site, so the PDF needs no further request (and no Unpaywall
e-mail address). Adding a publisher is one entry.

- ACL Anthology: ``10.18653/v1/{id}`` is ``https://aclanthology.org/{id}.pdf``, for new
  ids (``2021.naacl-main.208``) and old ones (``N19-1423``): the Anthology's own pages
  give both (``citation_doi`` and ``citation_pdf_url``), and Unpaywall's records of these
  DOIs point at the same PDF.
"""

from __future__ import annotations

import re

RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"10\.18653/v1/([A-Za-z0-9][A-Za-z0-9.\-]{2,63})", re.I),
     "https://aclanthology.org/{}.pdf"),
)


def open_pdf(doi: str) -> str | None:
    """The open PDF a DOI names by a publisher's own rule, if it is one of theirs."""
    for pattern, template in RULES:
        m = pattern.fullmatch(doi.strip())
        if m:
            return template.format(m.group(1))
    return None
