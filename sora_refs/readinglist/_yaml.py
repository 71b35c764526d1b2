"""YAML loading that keeps line numbers and refuses duplicate keys.

pyyaml's ordinary loaders forget where a value came from and silently keep the
last of two equal keys; a person fixing a manifest needs both facts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

# No field holds a number this long; converting a 5,000-digit one raised ValueError
# (Python's limit on integer strings) as an internal error.
MAX_NUMBER_CHARS = 40
_NUMBER_TAGS = ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")


@dataclass
class Node:
    """A loaded value with the 1-based line it starts on."""

    value: Any
    line: int
    key_lines: dict[Any, int] = field(default_factory=dict)

    def key_line(self, key: Any) -> int:
        return self.key_lines.get(key, self.line)


class DuplicateKeyError(yaml.YAMLError):
    """The same key appears twice in one mapping."""

    def __init__(self, line: int, key: Any, first: int) -> None:
        self.problem_mark = yaml.Mark("", 0, line - 1, 0, None, None)
        self.problem = f"duplicate field {key!r} (first at line {first})"
        super().__init__(self.problem)


def load_with_lines(text: str) -> Node | None:
    """Parse one YAML document into :class:`Node` objects."""
    loader_cls = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    loader = loader_cls(text)
    try:
        root = loader.get_single_node()
        if root is None:
            return None
        return _convert(root, loader, {})
    finally:
        loader.dispose()


def _convert(node: yaml.Node, loader: Any, seen: dict[int, Node]) -> Node:
    # Aliases share node objects; converting each once keeps an alias bomb small.
    if id(node) in seen:
        return seen[id(node)]
    line = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)
        out = Node({}, line)
        seen[id(node)] = out
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            try:
                hash(key)
            except TypeError:
                raise yaml.constructor.ConstructorError(
                    None, None, "a mapping key must be a plain value", key_node.start_mark
                ) from None
            key_line = key_node.start_mark.line + 1
            if key in out.value:
                raise DuplicateKeyError(key_line, key, out.key_lines[key])
            out.key_lines[key] = key_line
            out.value[key] = _convert(value_node, loader, seen)
        return out
    if isinstance(node, yaml.SequenceNode):
        seq = Node([], line)
        seen[id(node)] = seq
        seq.value.extend(_convert(n, loader, seen) for n in node.value)
        return seq
    if node.tag in _NUMBER_TAGS and len(node.value) > MAX_NUMBER_CHARS:
        raise yaml.constructor.ConstructorError(
            None, None, f"a number {len(node.value)} characters long (quote it if it is "
            "text)", node.start_mark)
    scalar = Node(loader.construct_object(node, deep=True), line)
    seen[id(node)] = scalar
    return scalar
