"""The manifest: the real refs.yaml is right, and broken ones are explained."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sora_refs.cli import app
from sora_refs.errors import ManifestError, UsageError
from sora_refs.readinglist.manifest import load_manifest, parse_manifest
from sora_refs.text import ARXIV_RE
from tests.conftest import REAL_MANIFEST, SMALL_MANIFEST

# ---------------------------------------------------------------- the real data


@pytest.fixture(scope="module")
def real():
    return load_manifest(REAL_MANIFEST)


def test_real_manifest_has_the_32_references_in_order(real) -> None:
    assert [r.n for r in real.references] == list(range(1, 33))
    assert len({r.key for r in real.references}) == 32


def test_real_manifest_matches_the_seed_mind_map(real) -> None:
    blocks = [c.slug for c in real.categories]
    assert blocks == ["video-modeling", "llm", "data-processing", "diffusion", "architecture",
                      "quality"]
    per_leaf = Counter(r.category for r in real.references)
    assert per_leaf == {
        "video-modeling/rnn": 3,
        "video-modeling/gan": 4,
        "video-modeling/autoregressive-transformers": 2,
        "video-modeling/diffusion": 3,
        "llm": 2,
        "data-processing/patches": 4,
        "data-processing/compression": 2,
        "diffusion": 5,
        "architecture/diffusion-transformer": 1,
        "architecture/image-transformers": 3,
        "quality": 3,
    }
    # The seed names these two papers by number.
    assert real.find("17").title == "Masked Autoencoders Are Scalable Vision Learners"
    assert "NaViT" in real.find("18").title
    assert real.find("31").category == "quality"
    assert all(c.zh for c in real.walk_categories())


def test_real_manifest_fields_are_well_formed(real) -> None:
    venues = {"arXiv", "NeurIPS", "ICML", "CVPR", "ICCV", "ECCV", "OpenAI"}
    for r in real.references:
        assert r.venue in venues, r.key
        assert 2013 <= r.year <= 2023, r.key
        assert all(u.startswith("https://") for u in r.urls), r.key
        assert r.note.endswith("."), r.key
        if r.arxiv:
            assert ARXIV_RE.match(r.arxiv)
            # Every paper with an arXiv id can be fetched from arXiv.
            assert f"https://arxiv.org/pdf/{r.arxiv}" in r.urls, r.key
            # Cited as arXiv: arXiv first; cited at a venue: the venue copy first.
            first = r.urls[0]
            assert first.startswith("https://arxiv.org/") == (r.venue == "arXiv"), r.key
        # The key follows the manifest's style: surname, year, first title word.
        assert re.match(r"^[a-z]+\d{4}[a-z]+$", r.key), r.key
        assert str(r.year) in r.key


def test_only_the_two_papers_without_arxiv_copies_lack_an_id(real) -> None:
    assert sorted(r.n for r in real.references if not r.arxiv) == [27, 30]


# ---------------------------------------------------------------- schema errors


def _errors(text: str) -> list[str]:
    with pytest.raises(ManifestError) as info:
        parse_manifest(text, Path("m.yaml"))
    return [str(p) for p in info.value.problems]


def _mutate(old: str, new: str) -> str:
    assert old in SMALL_MANIFEST
    return SMALL_MANIFEST.replace(old, new, 1)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("categories: [\n  - slug", r"m\.yaml:\d+: not valid YAML"),
        (_mutate("    note: The first one.\n", ""), r"m\.yaml:14: missing field 'note'"),
        (_mutate("  - n: 2\n", "  - n: 1\n"),
         r"m\.yaml:24: duplicate number 1 \(also at line 14\)"),
        (_mutate("key: gamma2021second", "key: ALPHA2019first"),
         r"duplicate key 'ALPHA2019first' \(also at line 14\)"),
        (_mutate("category: basics/nets", "category: basics/cnn"),
         r"m\.yaml:22: unknown category 'basics/cnn'; known: basics, basics/diffusion"),
        (_mutate('arxiv: "1901.00001"', 'arxiv: "19010.0001"'),
         r"m\.yaml:20: malformed arXiv id '19010.0001'"),
        (_mutate('arxiv: "1901.00001"', "arxiv: 1901.10"), r"must be quoted"),
        (_mutate("https://papers.example.org/alpha.pdf", "file:///etc/passwd"),
         r"URL 'file:///etc/passwd' should be an http:// or https:// address"),
        (_mutate("https://papers.example.org/alpha.pdf", "javascript:alert(1)"),
         r"should be an http"),
        (_mutate("    year: 2019\n", "    year: 2019\n    year: 2020\n"),
         r"m\.yaml:19: not valid YAML: duplicate field 'year' \(first at line 18\)"),
        (_mutate("    year: 2019\n", "    yaer: 2019\n"), r"unknown reference field 'yaer'"),
        (_mutate("    year: 2019\n", "    year: twenty\n"), r"year should be a whole number"),
        (_mutate("authors: [Ada Alpha, Bob Beta]", "authors: []"),
         r"authors should be a non-empty list"),
        (_mutate("  - slug: basics\n", "  - slug: ../../etc\n"), r"slug '\.\./\.\./etc' should be"),
        (_mutate("      - slug: diffusion\n", "      - slug: nets\n"),
         r"duplicate category slug 'nets'"),
        ("- just\n- a list\n", r"expected a mapping with 'categories' and 'references'"),
        ("title: nothing else\n", r"missing field 'categories'"),
    ],
)
def test_each_schema_problem_is_located_and_explained(text: str, expected: str) -> None:
    problems = _errors(text)
    assert any(re.search(expected, p) for p in problems), problems


def test_every_problem_is_reported_at_once() -> None:
    text = _mutate("    year: 2019\n", "    year: 1\n")
    text = text.replace("category: basics/diffusion", "category: nowhere")
    text = text.replace('arxiv: "2101.00002"', 'arxiv: "abc"')
    problems = _errors(text)
    assert len(problems) == 3
    assert [int(p.split(":")[1]) for p in problems] == sorted(
        int(p.split(":")[1]) for p in problems)


def test_missing_file_is_a_manifest_error(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match="file not found"):
        load_manifest(tmp_path / "nope.yaml")


def test_alias_bomb_is_refused_quickly() -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n"
    for i in range(1, 25):
        bomb += f"a{i}: &a{i} [*a{i - 1 if i > 1 else ''}" + f", *a{i - 1 if i > 1 else ''}" * 8
        bomb += "]\n"
    bomb = bomb.replace("*a0", "*a")
    problems = _errors(bomb)
    assert any("unknown top-level field" in p for p in problems)


def test_cli_reports_a_broken_manifest_with_exit_2_and_no_traceback(runner, tmp_path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(_mutate("  - n: 2\n", "  - n: 1\n"), encoding="utf-8")
    result = runner.invoke(app, ["--manifest", str(bad), "list"])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert "duplicate number 1" in result.stderr
    assert "bad.yaml:24" in result.stderr.replace("\n", "")


# ---------------------------------------------------------------- lookups


def test_find_by_number_and_key(small_manifest) -> None:
    m = load_manifest(small_manifest)
    assert m.find("2").key == "gamma2021second"
    assert m.find("GAMMA2021SECOND").n == 2
    with pytest.raises(UsageError, match="No reference '9'"):
        m.find("9")


def test_category_resolution(small_manifest) -> None:
    m = load_manifest(small_manifest)
    assert m.resolve_category("diffusion") == ["basics/diffusion", "diffusion"]
    assert m.resolve_category("basics/diffusion") == ["basics/diffusion"]
    assert m.resolve_category("Basics/") == ["basics"]
    with pytest.raises(UsageError, match="Valid names: basics, diffusion, nets"):
        m.resolve_category("cnn")


# ---------------------------------------------------------------- properties

_lines = st.lists(
    st.sampled_from(SMALL_MANIFEST.splitlines()) | st.text(max_size=30), max_size=40
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_lines)
def test_any_text_loads_or_raises_a_manifest_error(lines: list[str]) -> None:
    """Whatever a person types, loading answers with a manifest or a located error."""
    text = "\n".join(lines)
    try:
        m = parse_manifest(text, Path("fuzz.yaml"))
    except ManifestError as exc:
        assert exc.problems
        for p in exc.problems:
            assert str(p).startswith("fuzz.yaml")
    else:
        assert len({r.n for r in m.references}) == len(m.references)


@settings(max_examples=100, deadline=None)
@given(st.integers(0, len(SMALL_MANIFEST.splitlines()) - 1))
def test_dropping_any_line_never_crashes(index: int) -> None:
    lines = SMALL_MANIFEST.splitlines()
    del lines[index]
    try:
        parse_manifest("\n".join(lines), Path("m.yaml"))
    except ManifestError as exc:
        assert exc.problems


def test_manifests_are_cached_and_the_cache_follows_the_bytes(tmp_path, monkeypatch) -> None:
    import os

    from sora_refs.readinglist import manifest as mod
    from tests.conftest import numbered_manifest

    cache = tmp_path / "cache"
    monkeypatch.setenv("SORA_REFS_CACHE", str(cache))
    path = numbered_manifest(tmp_path, 40, "https://x.example.org/{i}.pdf")
    first = load_manifest(path)
    assert len(list(cache.glob("manifest-*.json"))) == 1
    calls = []
    real_parse = mod.parse_manifest
    monkeypatch.setattr(mod, "parse_manifest", lambda *a: calls.append(a) or real_parse(*a))
    assert load_manifest(path) == first and not calls  # served from the cache

    # An edit of the same length with the old mtime put back is still noticed.
    stat = path.stat()
    path.write_text(path.read_text().replace("title: Paper 7\n", "title: Paper X\n"))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert path.stat().st_size == stat.st_size
    assert load_manifest(path).find("7").title == "Paper X" and len(calls) == 1
    path.write_text(path.read_text().replace("  - n: 8\n", "  - n: 7\n"))
    with pytest.raises(ManifestError, match="duplicate number 7"):
        load_manifest(path)  # a changed file is validated again, never trusted
    assert len(list(cache.glob("manifest-*.json"))) == 1  # one slot per manifest path


def test_a_corrupt_or_unwritable_cache_only_costs_speed(tmp_path, monkeypatch) -> None:
    from tests.conftest import numbered_manifest

    path = numbered_manifest(tmp_path, 5, "https://x.example.org/{i}.pdf")
    cache = tmp_path / "cache"
    monkeypatch.setenv("SORA_REFS_CACHE", str(cache))
    first = load_manifest(path)
    (entry,) = cache.glob("manifest-*.json")
    entry.write_text('{"source": "tampered", "title": 1')
    assert load_manifest(path) == first
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("")
    monkeypatch.setenv("SORA_REFS_CACHE", str(blocked))
    assert load_manifest(path) == first
    assert blocked.read_text() == "" and list(tmp_path.glob(".manifest-*")) == []


def test_a_manifest_that_is_not_utf8_is_a_clear_error(runner, tmp_path) -> None:
    from sora_refs.cli import app

    bad = tmp_path / "latin1.yaml"  # "Adá" as Latin-1 would write it: one 0xE1 byte
    bad.write_bytes(SMALL_MANIFEST.encode("utf-8").replace(b"Ada Alpha", b"Ad\xe1 Alpha"))
    result = runner.invoke(app, ["--manifest", str(bad), "list"])
    assert result.exit_code == 2
    assert "cannot read it" in result.stderr and "utf-8" in result.stderr
    assert "Traceback" not in result.output
