"""PDF identification: is this file the paper it claims to be?

``reader`` reads a PDF's facts once, bounded, in worker processes; ``evidence``
holds the rules that weigh them (a new rule is one function there); ``verify``
runs the pipeline (structure, facts, verdict).

May import the shared leaves and :mod:`sora_refs.readinglist` (a rule judges a
file against a reference); never the network or the library on disk.
"""
