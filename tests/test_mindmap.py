"""The mind map as Mermaid: checked by Mermaid's own parser (11.x, in Node with jsdom),
for the Sora tree and for titles built to break it; and the README's block is the
tool's output.

The parser is an npm package: `.ci/run` installs it into `.ci-node/`; elsewhere
these tests look for it in SORA_REFS_MERMAID (a folder with node_modules/mermaid
and node_modules/jsdom) and skip when it is absent.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from sora_refs.cli import app
from sora_refs.readinglist.manifest import load_manifest
from sora_refs.readinglist.mindmap import tree_mermaid
from tests.conftest import ROOT

PARSE = """
import { JSDOM } from "jsdom";
const dom = new JSDOM("<!DOCTYPE html><body></body>");
globalThis.window = dom.window;
globalThis.document = dom.window.document;
Object.defineProperty(globalThis, "navigator", {value: dom.window.navigator,
                                                configurable: true});
globalThis.DOMParser = dom.window.DOMParser;
const { default: mermaid } = await import("mermaid");
mermaid.initialize({ startOnLoad: false });
let text = "";
for await (const chunk of process.stdin) text += chunk;
try {
  const r = await mermaid.parse(text);
  console.log(JSON.stringify({ ok: true, type: r.diagramType, config: r.config }));
} catch (e) {
  console.log(JSON.stringify({ ok: false, error: String(e.message || e).slice(0, 400) }));
}
"""


def _mermaid_dir() -> Path | None:
    for d in (os.environ.get("SORA_REFS_MERMAID"), ROOT / ".ci-node"):
        if d and (Path(d) / "node_modules" / "mermaid").is_dir() and \
                (Path(d) / "node_modules" / "jsdom").is_dir():
            return Path(d)
    return None


MERMAID = _mermaid_dir()
needs_mermaid = pytest.mark.skipif(MERMAID is None or shutil.which("node") is None,
                                   reason="Mermaid's parser (npm: mermaid, jsdom) is absent")


def parse(text: str) -> dict:
    """Mermaid's verdict on ``text``: {'ok': True, 'type': 'mindmap'} (and the
    configuration directives set, when any did) or the error."""
    assert MERMAID is not None
    out = subprocess.run(["node", "--input-type=module", "-e", PARSE], input=text,
                         capture_output=True, text=True, cwd=MERMAID, timeout=60)
    assert out.stdout, out.stderr
    verdict = json.loads(out.stdout.splitlines()[-1])
    if not verdict.get("config"):
        verdict.pop("config", None)
    return verdict


HOSTILE = """\
title: 'A (hostile) [list]: "quotes", #hash & `ticks`'
categories:
  - slug: odd
    en: 'Odd (names) [with] {braces}: a; b'
    zh: 奇怪的（名字）
    children:
      - slug: more
        en: 'More "quoted" #1 & so on'
references:
  - n: 1
    key: a2020paren
    title: 'Patch n'' Pack: NaViT (a ViT) for [any] Aspect Ratio'
    authors: [Ada Alpha]
    year: 2020
    venue: arXiv
    urls: [https://x.example.org/1.pdf]
    category: odd
    note: x.
  - n: 2
    key: b2021quote
    title: 'He said "((double))" ]]> <b>bold</b> `code` #35; &amp; 100%
      %%{init: {''theme'':''forest''}}%% %%{init:'
    authors: [Bo Beta]
    year: 2021
    venue: arXiv
    urls: [https://x.example.org/2.pdf]
    category: odd/more
    note: x.
  - n: 3
    key: c2022unicode
    title: 'NÜWA — Visual Synthesis ::icon(fa fa-book) %% not a comment'
    authors: [Chenfei Wu]
    year: 2022
    venue: ECCV
    urls: [https://x.example.org/3.pdf]
    category: odd/more
    note: x.
"""


@needs_mermaid
def test_the_sora_mind_map_parses_with_mermaid(runner) -> None:
    text = runner.invoke(app, ["tree", "--format", "mermaid"]).stdout
    assert parse(text) == {"ok": True, "type": "mindmap"}
    pruned = runner.invoke(app, ["tree", "--format", "mermaid", "-c", "diffusion"]).stdout
    assert parse(pruned) == {"ok": True, "type": "mindmap"}


@needs_mermaid
def test_hostile_titles_parse_with_mermaid(tmp_path) -> None:
    path = tmp_path / "hostile.yaml"
    path.write_text(HOSTILE, encoding="utf-8")
    text = tree_mermaid(load_manifest(path), load_manifest(path).references)
    assert parse(text) == {"ok": True, "type": "mindmap"}, text
    # The parser does reject what the old output printed: the test can fail.
    assert not parse("mindmap\n  root((r))\n    a[Odd (names)]\n")["ok"]
    # and a directive in a label did reconfigure the diagram before it was encoded.
    assert parse("mindmap\n  root((\"x %%{init: {'theme':'forest'}}%%\"))\n")["config"] == {
        "theme": "forest"}


def test_every_label_is_quoted_and_every_id_plain(tmp_path) -> None:
    path = tmp_path / "hostile.yaml"
    path.write_text(HOSTILE, encoding="utf-8")
    lines = tree_mermaid(load_manifest(path), load_manifest(path).references).splitlines()
    for line in lines[1:]:
        ident, _, rest = line.strip().partition("[") if "[" in line.strip()[:8] else \
            line.strip().partition("(")
        assert ident.replace("_", "").isalnum() and ident.isascii()
        label = rest.strip("()[]")
        assert label.startswith('"') and label.endswith('"') and label.count('"') == 2


def test_the_readme_mind_map_is_the_tools_output(runner) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("```mermaid\n", 1)[1].split("```", 1)[0]
    assert block == runner.invoke(app, ["tree", "--format", "mermaid"]).stdout
