"""Resolvers: the places a citation is looked up, one module each (``arxiv``).

May import what :mod:`sora_refs.bibliography` may, and the rest of that package.
"""
