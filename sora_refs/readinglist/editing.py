"""Writing manifests: ``init`` a new reading list, ``add`` references (the entries
themselves are made in :mod:`sora_refs.readinglist.new_entries`).

``add`` edits by inserting text only, at the place pyyaml's parser reports the
``references`` list ends, so every comment, blank line and key order in the file
stays exactly as the person wrote it. No round-trip YAML library is needed for
that (which is why none was added), and the result is validated before it is
written, atomically.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sora_refs.errors import UsageError
from sora_refs.readinglist.manifest import Manifest, parse_manifest
from sora_refs.safefile import atomic_write
from sora_refs.text import slugify

TEMPLATE = """\
# A reading list for sora-refs. Check it with `sora-refs --manifest {name} list`;
# add papers from arXiv with `sora-refs --manifest {name} add 1706.03762 --category basics`.
title: {title}

# The category tree: a slug (lowercase, digits, dashes), an English label, an
# optional second-language label (zh), optional children. Papers are filed in
# one folder per category, in this order.
categories:
  - slug: basics
    en: Foundations
  - slug: methods
    en: Methods
    children:
      - slug: models
        en: Models
      - slug: data
        en: Data

# One entry per paper. For example:
#
#  - n: 1                         # its number in the list
#    key: vaswani2017attention    # first author's surname, year, first title word
#    title: Attention Is All You Need
#    authors: [Ashish Vaswani, Noam Shazeer, Niki Parmar, Jakob Uszkoreit, Llion Jones,
#              Aidan N. Gomez, Łukasz Kaiser, Illia Polosukhin]
#    year: 2017
#    venue: NeurIPS                # as you cite it
#    published: NeurIPS 2017       # optional: where it actually appeared, if different
#    arxiv: "1706.03762"           # optional; quoted, or YAML reads a number
#    urls:                         # PDF copies, tried in this order
#      - https://proceedings.neurips.cc/paper_files/paper/2017/file/3f5ee243547dee91fbd053c1c4a845aa-Paper.pdf
#      - https://arxiv.org/pdf/1706.03762
#    category: basics              # a path into the tree above, e.g. methods/models
#    note: Why it is on the list, in one sentence.
references: []
"""


def init(path: Path, title: str | None = None) -> None:
    """Write a new, empty manifest with a small tree and a commented example.

    Raises:
        UsageError: the file exists already (it is never overwritten).
    """
    from sora_refs.readinglist.escape import one_line

    # The name goes in comments (one line, or it would leave them) and the title is
    # a JSON string, which YAML reads as written: backslashes, quotes, colons.
    text = TEMPLATE.format(name=one_line(path.name),
                           title=json.dumps(one_line(title or "My reading list"),
                                            ensure_ascii=False))
    parse_manifest(text, path)  # the template itself must always validate
    write_new(path, text)


def write_new(path: Path, text: str) -> None:
    """Create ``path`` holding ``text``; an existing file is never overwritten.

    Raises:
        UsageError: the file exists already, or cannot be created.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "x", encoding="utf-8") as fh:
            fh.write(text)
    except FileExistsError:
        raise UsageError(f"{path} exists already; init never overwrites a file.") from None
    except OSError as exc:
        raise UsageError(f"cannot create {path}: {exc.strerror or exc}") from None


def make_key(surname: str, year: int | None, title: str, taken: set[str]) -> str:
    """A key in the manifest's style: surname, year (when known), first significant
    title word; a letter, then a number, keeps it unique."""
    stop = {"a", "an", "the", "on", "of", "for", "and", "in", "to", "with"}
    words = [w for w in slugify(title, 200).split("-") if w and w not in stop]
    first = words[0] if words else "paper"
    base = f"{slugify(surname, 30).replace('-', '')}{year or ''}{first}"[:56]
    if not base[0].isalpha():
        base = "p" + base
    key, i = base, 0
    while key.lower() in taken:
        i += 1
        key = f"{base}{chr(ord('a') + i - 1)}" if i <= 26 else f"{base}{i}"
    return key


def _yaml_value(value: object) -> str:
    """Plain YAML when it reads back as the same value, JSON-quoted (valid YAML) otherwise."""
    import yaml

    if isinstance(value, list):
        plain = "[" + ", ".join(_yaml_value(v) for v in value) + "]"
    elif isinstance(value, int):
        return str(value)
    else:
        plain = str(value)
    try:
        if yaml.safe_load(f"k: {plain}") == {"k": value}:
            return plain
    except yaml.YAMLError:
        pass
    if isinstance(value, list):
        return "[" + ", ".join(json.dumps(v, ensure_ascii=False) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def entry_text(fields: dict[str, object], indent: int, key_indent: int) -> str:
    """One reference as block YAML in the style of refs.yaml."""
    pad, inner = " " * indent, " " * key_indent
    lines = []
    for i, (k, v) in enumerate(fields.items()):
        value = _yaml_value(v)
        lines.append(f"{pad}- {k}: {value}" if i == 0 else f"{inner}{k}: {value}")
    return "\n".join(lines) + "\n"


def append_references(path: Path, text: str, entries: Sequence[dict[str, object]]) -> str:
    """``text`` with ``entries`` added at the end of its ``references`` list."""
    import yaml

    root = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    refs_node = None
    if isinstance(root, yaml.MappingNode):
        for k, v in root.value:
            if k.value == "references":
                refs_node = v
    if not isinstance(refs_node, yaml.SequenceNode):
        raise UsageError(f"{path} has no 'references' list to add to.")
    if refs_node.flow_style or not refs_node.value:
        # `references: []`: replace the brackets with a block list.
        start, end = refs_node.start_mark.index, refs_node.end_mark.index
        body = "".join(entry_text(e, 2, 4) for e in entries)
        return text[:start].rstrip(" ") + "\n" + body + text[end:].lstrip("\n")
    first = refs_node.value[0]
    indent = first.start_mark.column - 2  # the "- " sits two columns before the mapping
    key_indent = first.start_mark.column
    # Insert at the end of the line holding the last item's last value, so that
    # comments and blank lines after the list stay after it.
    stop = _last_leaf_end(refs_node.value[-1])
    newline = text.find("\n", stop)
    insert_at = len(text) if newline == -1 else newline + 1
    head = text[:insert_at] if text[:insert_at].endswith("\n") else text[:insert_at] + "\n"
    # Keep the file's habit of blank lines between entries, if it has one.
    items = refs_node.value
    spaced = len(items) > 1 and "\n\n" in text[_last_leaf_end(items[-2]):items[-1].start_mark.index]
    sep = "\n" if spaced else ""
    body = "".join(sep + entry_text(e, indent, key_indent) for e in entries)
    return head + body + text[insert_at:]


def _last_leaf_end(node: object) -> int:
    import yaml

    while isinstance(node, (yaml.MappingNode, yaml.SequenceNode)) and node.value \
            and not node.flow_style:
        last = node.value[-1]
        node = last[1] if isinstance(node, yaml.MappingNode) else last
    return node.end_mark.index


def require_category(manifest: Manifest, category: str) -> str:
    """``category`` as one path of ``manifest``'s tree: an exact path, or a slug at any
    depth that names one category (as ``list`` and ``fetch`` take them).

    Raises:
        UsageError: no such category, or a slug several categories share.
    """
    path = category.strip().strip("/")
    if path in {c.path for c in manifest.walk_categories()}:
        return path
    found = [c.path for c in manifest.walk_categories() if c.slug == path]
    if len(found) == 1:
        return found[0]
    known = ", ".join(c.path for c in manifest.walk_categories())
    if found:
        raise UsageError(f"category {category!r} names {len(found)} categories "
                         f"({', '.join(found)}): give the whole path.")
    raise UsageError(f"unknown category {category!r}: give a slug or a path, one of {known}.")


def check_writable(path: Path) -> os.stat_result | None:
    """The manifest's state if sora-refs may replace it (None: it does not exist yet).

    Raises:
        UsageError: it is read-only (its owner meant it), or it belongs to another
            user (replacing it would make it ours).
    """
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None
    if not st.st_mode & 0o222:
        raise UsageError(f"{path} is read-only; nothing was changed. Make it writable "
                         "(chmod u+w) if you mean to edit it.")
    me = os.getuid() if hasattr(os, "getuid") else None
    if me not in (None, 0, st.st_uid):
        raise UsageError(f"{path} belongs to another user (uid {st.st_uid}); writing it would "
                         "make it yours. Nothing was changed.")
    return st


def write_manifest(path: Path, text: str) -> Manifest:
    """Validate ``text`` as a manifest, then replace ``path`` with it atomically,
    keeping the file's mode and owner.

    Raises:
        UsageError: the file is read-only (its owner meant it), or its owner and
            group could not be kept (the file would change hands).
    """
    manifest = parse_manifest(text, path)
    st = check_writable(path)
    me = os.getuid() if hasattr(os, "getuid") else None
    atomic_write(path, text)  # a new file: same content, then the old mode and owner
    if st is not None:
        os.chmod(path, st.st_mode & 0o7777)
        if me == 0 and (st.st_uid, st.st_gid) != (0, 0):
            os.chown(path, st.st_uid, st.st_gid)
    return manifest


def set_urls(path: Path, text: str, changes: dict[int, Sequence[str]]) -> str:
    """``text`` with the ``urls`` of the references numbered in ``changes`` replaced,
    everything else (comments, blank lines, key order, the list's style) as it was.

    Raises:
        UsageError: a reference has no ``urls`` list to replace.
    """
    import yaml

    root = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    spans: list[tuple[int, int, str]] = []
    for item in _reference_nodes(root):
        fields = {k.value: v for k, v in item.value}
        n = getattr(fields.get("n"), "value", None)
        if not (isinstance(n, str) and n.isdigit() and int(n) in changes):
            continue
        node = fields.get("urls")
        if not isinstance(node, yaml.SequenceNode) or not node.value:
            raise UsageError(f"{path}: reference {n} has no urls list to change.")
        urls = [_yaml_value(u) for u in changes[int(n)]]
        if node.flow_style:
            new = "[" + ", ".join(urls) + "]"
        else:
            pad = " " * node.start_mark.column
            new = ("\n" + pad).join(f"- {u}" for u in urls)
        spans.append((node.start_mark.index, _last_leaf_end(node), new))
    for start, end, new in sorted(spans, reverse=True):
        text = text[:start] + new + text[end:]
    return text


def _reference_nodes(root: object) -> list[Any]:
    import yaml

    if isinstance(root, yaml.MappingNode):
        for k, v in root.value:
            if k.value == "references" and isinstance(v, yaml.SequenceNode):
                return [i for i in v.value if isinstance(i, yaml.MappingNode)]
    return []
