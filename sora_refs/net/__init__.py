"""The network engine: every request sora-refs sends, downloads and API calls alike.

``mirrors`` (``--mirror`` rewriting, redaction), ``transport`` (the httpx transport
every request and redirect hop passes), ``hosts`` (the table of host rules, per-host
gates), ``classify`` (the pure decider for a response), ``retry``, ``download`` (the
loop that carries decisions out), ``split`` (idle connections helping with a tail),
``parts`` (``.part`` files and segments) and ``api`` (bounded API calls).

Knows URLs and bytes, not references or papers: may import only the shared leaves.
A new host rule is one entry in :data:`.hosts.RULES`.
"""
