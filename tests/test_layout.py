"""The package's folders are its architecture, and these tests keep them so.

Layering runs one way: the shared leaves at the bottom, then the reading list and the
network engine (which know nothing of each other), PDF identification, the library on
disk and bibliographies, the CLI on top. Every ``import`` counts, those inside
functions and under ``TYPE_CHECKING`` too: a lazy import is still a dependency.
"""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "sora_refs"

LEAVES = {"errors", "defaults", "text", "safefile"}
# Which layers each layer may import (besides itself and the leaves).
ALLOWED: dict[str, set[str]] = {
    "leaf": set(),
    "readinglist": set(),
    "net": set(),
    "pdf": {"readinglist"},
    "library": {"readinglist", "net", "pdf"},
    "bibliography": {"readinglist", "net", "pdf"},
    "cli": {"readinglist", "net", "pdf", "library", "bibliography"},
    "root": {"readinglist", "cli"},  # __init__'s lazy names, __main__
}
# Only the terminal talks to the person (STYLE.md, habit 9).
TERMINAL_ONLY = {"typer", "rich", "click"}
MAX_LINES = 420  # "no module over about 400 lines"
MAX_FUNCTION = 60


def _module_name(path: Path, root: Path) -> str:
    rel = path.relative_to(root.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def layer_of(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1 or parts[1] in {"__init__", "__main__"}:
        return "root"
    if parts[1] in LEAVES:
        return "leaf"
    return parts[1]


def imports(path: Path, root: Path) -> list[tuple[int, str]]:
    """Every sora_refs module (or package) ``path`` imports, with its line."""
    modules = {_module_name(p, root) for p in root.rglob("*.py")}
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.startswith("sora_refs")]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if not node.module.startswith("sora_refs"):
                continue
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                found.append((node.lineno, sub if sub in modules else node.module))
    return found


def third_party(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name.split(".")[0]) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module.split(".")[0]))
    return found


def violations(root: Path) -> list[str]:
    """Imports against the layering, terminal libraries outside the CLI, and cycles."""
    problems: list[str] = []
    graph: dict[str, set[str]] = {}
    for path in sorted(root.rglob("*.py")):
        me = _module_name(path, root)
        mine = layer_of(me)
        rel = path.relative_to(root.parent)
        for line, target in imports(path, root):
            graph.setdefault(me, set()).add(target)
            theirs = layer_of(target)
            if target == "sora_refs" or (theirs in {mine, "leaf"} and theirs != "root"):
                continue
            if theirs not in ALLOWED[mine]:
                problems.append(f"{rel}:{line}: {mine} imports {target} ({theirs})")
        if mine != "cli":
            problems += [f"{rel}:{line}: {lib} outside the CLI"
                         for line, lib in third_party(path) if lib in TERMINAL_ONLY]
    problems += [f"import cycle: {' -> '.join(c)}" for c in _cycles(graph)]
    return problems


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle per strongly connected group of modules (packages excluded: a
    package's ``__init__`` naming its parts is not a circle)."""
    state: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt.startswith(node + ".") or node.startswith(nxt + "."):
                continue
            if state.get(nxt) == 1:
                cycles.append([*stack[stack.index(nxt):], nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    return cycles


def test_the_package_follows_its_layering() -> None:
    assert violations(PACKAGE) == []


def test_every_sub_package_says_what_it_owns_and_may_import() -> None:
    for init in PACKAGE.rglob("__init__.py"):
        doc = ast.get_docstring(ast.parse(init.read_text())) or ""
        assert "import" in doc and len(doc.splitlines()) >= 3, init


def test_no_module_is_over_about_400_lines() -> None:
    long = {str(p.relative_to(PACKAGE)): n for p in PACKAGE.rglob("*.py")
            if (n := len(p.read_text().splitlines())) > MAX_LINES}
    assert long == {}


def test_no_function_is_over_about_60_lines_without_a_reason() -> None:
    """Counted from the first statement: a command's option declarations are its
    signature, not its length. A reason is a ``# long:`` comment above the def."""
    long = []
    for path in PACKAGE.rglob("*.py"):
        text = path.read_text()
        lines = text.splitlines()
        for node in ast.walk(ast.parse(text)):
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            body = node.body
            if len(body) > 1 and isinstance(body[0], ast.Expr) and isinstance(
                    body[0].value, ast.Constant):
                body = body[1:]  # the docstring
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            above = "\n".join(lines[max(0, first - 6):first - 1])
            if node.end_lineno - body[0].lineno + 1 > MAX_FUNCTION and "# long:" not in above:
                long.append(f"{path.relative_to(PACKAGE)}:{node.lineno} {node.name}")
    assert long == []


@pytest.mark.parametrize(("where", "planted", "expected"), [
    ("readinglist/stats.py", "from sora_refs.cli import app", "readinglist imports sora_refs.cli"),
    ("net/hosts.py", "from sora_refs.readinglist.manifest import Reference",
     "net imports sora_refs.readinglist.manifest"),
    ("pdf/evidence.py", "import rich", "rich outside the CLI"),
    ("net/hosts.py", "from sora_refs.net import split", "import cycle"),
])
def test_the_layering_check_catches_a_planted_import(tmp_path: Path, where: str, planted: str,
                                                     expected: str) -> None:
    copy = tmp_path / "sora_refs"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    target = copy / where
    target.write_text(target.read_text() + f"\n\ndef _planted() -> None:\n    {planted}\n")
    assert any(expected in v for v in violations(copy)), violations(copy)


SCREEN = "cli/screen.py"  # the one place text meets rich (see its docstring)


def rich_text_makers(root: Path) -> list[str]:
    """Where, outside the screen module, a rich ``Console`` or ``Text`` is constructed
    (``Console(...)``, ``Text(...)``, ``Text.from_markup(...)``, ``Text.assemble(...)``)."""
    found = []
    for path in root.rglob("*.py"):
        if path.relative_to(root).as_posix() == SCREEN:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            f = node.func
            name = (f.id if isinstance(f, ast.Name) else
                    f.value.id if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name)
                    else "")
            if name in ("Console", "Text"):
                found.append(f"{path.relative_to(root)}:{node.lineno}")
    return found


def test_only_the_screen_module_makes_rich_consoles_and_texts(tmp_path: Path) -> None:
    assert rich_text_makers(PACKAGE) == []
    copy = tmp_path / "sora_refs"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    target = copy / "cli" / "render.py"
    target.write_text(target.read_text() + "\n\ndef _planted() -> None:\n"
                      "    from rich.text import Text\n    Text('x')\n")
    assert rich_text_makers(copy) == [f"cli/render.py:{len(target.read_text().splitlines())}"]
