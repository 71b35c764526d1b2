"""The reading list: the manifest's schema, loading and validation, editing, stats,
the mind map and the export formats.

Owns what a list *is* and how it is read and written as text; it never touches the
network, a PDF or the library on disk. May import only the shared leaves
(``errors``, ``defaults``, ``text``, ``safefile``). Everything else may import it.
A new export format is one function in :mod:`.export`.
"""
