"""Shared fixtures: a small reading list, a CLI runner, paths into the repository."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
REAL_MANIFEST = ROOT / "refs.yaml"
SHARED = ROOT.parent / "shared"

SMALL_MANIFEST = """\
title: Tiny reading list
categories:
  - slug: basics
    en: Basics
    zh: 基础
    children:
      - slug: nets
        en: Networks
      - slug: diffusion
        en: Diffusion
  - slug: diffusion
    en: Diffusion at the top
references:
  - n: 1
    key: alpha2019first
    title: "First Paper: On Alphas & Betas"
    authors: [Ada Alpha, Bob Beta]
    year: 2019
    venue: NeurIPS
    arxiv: "1901.00001"
    urls: [https://papers.example.org/alpha.pdf, https://arxiv.org/pdf/1901.00001]
    category: basics/nets
    note: The first one.
  - n: 2
    key: gamma2021second
    title: Second Paper About Diffusion
    authors: [Cy Gamma]
    year: 2021
    venue: arXiv
    published: ICLR 2022
    arxiv: "2101.00002"
    urls: [https://arxiv.org/pdf/2101.00002]
    category: basics/diffusion
    note: The second one.
  - n: 3
    key: delta2021third
    title: Third Paper, Ünïcode Title
    authors: [Dora Délta, Ada Alpha, Eve Epsilon]
    year: 2021
    venue: CVPR
    urls: [https://cvf.example.org/third.pdf]
    category: diffusion
    note: The third one.
  - n: 4
    key: omega2023report
    title: A Technical Report
    authors: [Olga Omega]
    year: 2023
    venue: OpenAI
    urls: [https://cdn.example.com/report.pdf]
    category: basics
    note: The fourth one.
"""


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never see the developer's own settings or colours."""
    for var in ("SORA_REFS_MANIFEST", "SORA_REFS_DEST", "SORA_REFS_MIRRORS", "FORCE_COLOR"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "80")


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def small_manifest(tmp_path: Path) -> Path:
    p = tmp_path / "small.yaml"
    p.write_text(SMALL_MANIFEST, encoding="utf-8")
    return p


def subprocess_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SORA_REFS_")}
    env.update({"NO_COLOR": "1", "COLUMNS": "100", "PYTHONIOENCODING": "utf-8"})
    env.update(extra)
    return env
