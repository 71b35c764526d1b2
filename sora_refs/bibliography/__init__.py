"""Bibliographies: from a paper, page or BibTeX file to a reading list.

``citations`` reads sources and their reference lists, ``categories`` derives the
mind map from where each reference is cited, ``init_from`` drives it all and writes
the manifest, ``arxiv_api`` reads arXiv's API (records, ``check``), and
``resolvers/`` holds the sources a citation is matched against, one module each (a
new metadata source goes there).

May import the shared leaves, :mod:`sora_refs.readinglist`, :mod:`sora_refs.net`
and :mod:`sora_refs.pdf` (to read a PDF's text); never the library on disk or the CLI.
"""
