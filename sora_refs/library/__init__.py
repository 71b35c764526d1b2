"""The library on disk: where each reference is filed, the lock file and run lock,
what is on disk (``inventory``), filing existing PDFs (``importer``) and the fetch
orchestration (``fetch``: plans, the engine, verification, filing, one fault
boundary per reference).

May import the shared leaves, :mod:`sora_refs.readinglist`, :mod:`sora_refs.net`
and :mod:`sora_refs.pdf`; never :mod:`sora_refs.bibliography` or the CLI.
"""
