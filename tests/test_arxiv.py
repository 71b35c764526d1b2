"""check, add and init against recorded-format Atom feeds on a loopback server."""

from __future__ import annotations

import json
import random
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

import sora_refs.defaults
from sora_refs.cli import app
from sora_refs.readinglist.manifest import load_manifest
from tests.conftest import REAL_MANIFEST
from tests.feeds import Paper, error_feed, feed, paper_for

API = "https://export.arxiv.org/api/query"


@pytest.fixture(autouse=True)
def _fast_api(monkeypatch) -> None:
    # The real client waits 3 s between requests and retries 3 times; the tests
    # check behaviour, not patience.
    monkeypatch.setattr(sora_refs.defaults, "ARXIV_API_DELAY", 0.0)
    monkeypatch.setattr(sora_refs.defaults, "ARXIV_API_RETRIES", 1)


def _serve(web, body: bytes, status_faults: list[str] | None = None,
           content_type: str = "application/atom+xml") -> None:
    web.serve(API, body, content_type=content_type, faults=status_faults or [])


def _check(runner, web, *args: str, manifest: Path | None = None):
    pre = ["--manifest", str(manifest)] if manifest else []
    return runner.invoke(app, [*pre, "check", "--json", *web.mirror_args(), *args])


def _real_feed(real_manifest, changes: dict[int, dict] | None = None,
               shuffle: bool = True) -> bytes:
    per_n = changes or {}
    papers = [paper_for(r, **per_n.get(r.n, {})) for r in real_manifest.references if r.arxiv]
    if shuffle:
        random.Random(4).shuffle(papers)  # arXiv does not promise the requested order
    return feed(papers)


# ---------------------------------------------------------------- check


def test_check_of_the_shipped_manifest_against_its_own_data(runner, web,
                                                            real_manifest) -> None:
    _serve(web, _real_feed(real_manifest))
    result = _check(runner, web)
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert len(rows) == 30 and {r["status"] for r in rows} == {"agrees"}
    assert all(r["latest_version"] == 3 for r in rows)
    log = web.host("https://export.arxiv.org").log
    assert len(log) == 1  # one batched query
    query = parse_qs(urlsplit(log[0].path).query)
    assert sorted(query["id_list"][0].split(",")) == sorted(
        r.arxiv for r in real_manifest.references if r.arxiv)
    assert log[0].headers["user-agent"].startswith("sora-refs/")


def test_one_changed_title_is_the_one_difference(runner, web, real_manifest) -> None:
    _serve(web, _real_feed(real_manifest, {13: {"title": "Attention Is Most of What You Need"}}))
    result = _check(runner, web)
    assert result.exit_code == 1
    rows = [r for r in json.loads(result.stdout) if r["status"] != "agrees"]
    assert [r["n"] for r in rows] == [13]
    assert rows[0]["differences"] == [{"field": "title", "manifest": "Attention Is All You Need",
                                       "arxiv": "Attention Is Most of What You Need"}]


def test_titles_compare_without_case_punctuation_or_line_breaks(runner, web,
                                                                 real_manifest) -> None:
    _serve(web, _real_feed(real_manifest, {
        9: {"title": 'N\\"UWA: Visual Synthesis Pre-training for Neural\n  visUal World creAtion'},
        13: {"title": "attention is all you need"}}))
    assert _check(runner, web).exit_code == 0


def test_authors_year_withdrawn_and_missing(runner, web, real_manifest) -> None:
    ho = real_manifest.find("22")
    _serve(web, _real_feed(real_manifest, {
        22: {"authors": [*ho.authors, "Extra Person"]},
        3: {"year": 2017},     # cited as arXiv 2018: the first version's year matters
        5: {"year": 2017},     # cited at CVPR 2018: an earlier preprint is fine
        31: {"comment": "This paper has been withdrawn by the authors."},
        20: {"authors": ["Diederik P. Kingma", "Max Wellington"]},
    }))
    rows = {r["n"]: r for r in json.loads(_check(runner, web).stdout)}
    assert rows[22]["differences"] == [{"field": "authors", "manifest": "3 authors",
                                        "arxiv": "4 authors"}]
    assert rows[3]["differences"][0]["field"] == "year"
    assert rows[5]["status"] == "agrees"
    assert rows[31]["differences"][0]["field"] == "withdrawn"
    assert rows[20]["differences"] == [{"field": "author 2", "manifest": "Max Welling",
                                        "arxiv": "Max Wellington"}]


def test_ids_arxiv_does_not_know_and_an_empty_feed(runner, web, small_manifest) -> None:
    _serve(web, feed([]))
    result = _check(runner, web, manifest=small_manifest)
    assert result.exit_code == 1
    rows = json.loads(result.stdout)
    assert [r["status"] for r in rows] == ["missing", "missing"]
    assert rows[0]["differences"][0]["arxiv"] == "arXiv has no paper with this id"


def test_an_error_feed_is_an_api_error(runner, web, small_manifest) -> None:
    _serve(web, error_feed("1901.00001"), ["status:400", "status:400"])
    result = _check(runner, web, manifest=small_manifest)
    assert result.exit_code == 1  # the job could not be done: not bad input (README)
    assert "answered HTTP 400" in result.stderr


def test_503_is_retried_then_reported(runner, web, small_manifest) -> None:
    m = load_manifest(small_manifest)
    _serve(web, feed([paper_for(r) for r in m.references if r.arxiv]), ["503"])
    assert _check(runner, web, manifest=small_manifest).exit_code == 0
    assert len(web.host("https://export.arxiv.org").log) == 2
    _serve(web, b"", ["503", "503", "503"])
    result = _check(runner, web, manifest=small_manifest)
    assert result.exit_code == 1
    assert "answered HTTP 503" in result.stderr and "--mirror" in result.stderr


def test_unreachable_api(runner, small_manifest) -> None:
    result = runner.invoke(app, ["--manifest", str(small_manifest), "check", "--mirror",
                                 f"{API}=http://127.0.0.1:9/api/query"])
    assert result.exit_code == 1
    assert "cannot reach the arXiv API at http://127.0.0.1:9/api/query" in result.stderr


def test_check_table(runner, web, real_manifest) -> None:
    _serve(web, _real_feed(real_manifest, {13: {"title": "Other"}}))
    result = runner.invoke(app, ["check", *web.mirror_args()])
    out = " ".join(result.stdout.split())
    assert "30 references with an arXiv id: 29 agree" in out
    assert "title: manifest 'Attention Is All You Need', arXiv 'Other'" in out


# ---------------------------------------------------------------- add and init


def _copy_manifest(tmp_path: Path) -> Path:
    path = tmp_path / "refs.yaml"
    path.write_text(REAL_MANIFEST.read_text(encoding="utf-8"), encoding="utf-8")
    return path


def test_add_appends_and_keeps_everything_else(runner, web, tmp_path) -> None:
    path = _copy_manifest(tmp_path)
    before = path.read_text(encoding="utf-8")
    _serve(web, feed([Paper("2301.00001", "Latent Consistency: A Study", ["Zoë Ångström",
                                                                          "B. C. D'Arcy"],
                            2023, version=2, summary="We distil models. It works.")]))
    result = runner.invoke(app, ["--manifest", str(path), "add", "2301.00001v2",
                                 "--category", "video-modeling/diffusion", *web.mirror_args()])
    assert result.exit_code == 0, result.output
    after = path.read_text(encoding="utf-8")
    assert after.startswith(before)  # comments, order and every byte before it kept
    m = load_manifest(path)
    new = m.references[-1]
    assert (new.n, new.key, new.arxiv, new.year) == (33, "angstrom2023latent", "2301.00001",
                                                     2023)
    assert new.authors == ("Zoë Ångström", "B. C. D'Arcy")
    assert new.urls == ("https://arxiv.org/pdf/2301.00001",)
    assert new.category == "video-modeling/diffusion"
    assert new.note == "From its abstract: We distil models."
    assert "Added 33. Latent Consistency" in result.stderr


def test_add_dry_run_duplicate_unknown_category_and_unknown_id(runner, web, tmp_path) -> None:
    path = _copy_manifest(tmp_path)
    before = path.read_text(encoding="utf-8")
    _serve(web, feed([Paper("2301.00001", "A Paper", ["A B"], 2023)]))
    dry = runner.invoke(app, ["--manifest", str(path), "add", "2301.00001", "-c", "llm",
                              "--dry-run", *web.mirror_args()])
    assert dry.exit_code == 0 and "- n: 33" in dry.stdout and "key: b2023paper" in dry.stdout
    dup = runner.invoke(app, ["--manifest", str(path), "add", "1706.03762", "-c", "llm",
                              *web.mirror_args()])
    assert dup.exit_code == 2 and "already reference 13 (vaswani2017attention)" in dup.stderr
    cat = runner.invoke(app, ["--manifest", str(path), "add", "2301.00001", "-c", "cnn",
                              *web.mirror_args()])
    assert cat.exit_code == 2 and "unknown category 'cnn'" in cat.stderr
    bad = runner.invoke(app, ["--manifest", str(path), "add", "not-an-id", "-c", "llm"])
    assert bad.exit_code == 2 and "is not an arXiv id" in bad.stderr
    _serve(web, feed([]))
    gone = runner.invoke(app, ["--manifest", str(path), "add", "2399.99999", "-c", "llm",
                               *web.mirror_args()])
    assert gone.exit_code == 2 and "arXiv knows no paper with the id 2399.99999" in gone.stderr
    assert path.read_text(encoding="utf-8") == before


def test_init_then_add_then_fetch_then_stats(runner, web, tmp_path) -> None:
    path = tmp_path / "mine.yaml"
    result = runner.invoke(app, ["init", str(path), "--title", "World models"])
    assert result.exit_code == 0, result.output
    assert load_manifest(path).references == ()
    again = runner.invoke(app, ["init", str(path)])
    assert again.exit_code == 2 and "exists already" in again.stderr
    _serve(web, feed([Paper("1803.10122", "World Models", ["David Ha", "Jürgen Schmidhuber"],
                            2018),
                      Paper("1704.02254", "Recurrent Environment Simulators",
                            ["Silvia Chiappa", "Sébastien Racanière"], 2017)]))
    added = runner.invoke(app, ["--manifest", str(path), "add", "1803.10122", "1704.02254",
                                "-c", "methods/models", *web.mirror_args()])
    assert added.exit_code == 0, added.output
    m = load_manifest(path)
    assert [(r.n, r.key) for r in m.references] == [(1, "ha2018world"),
                                                     (2, "chiappa2017recurrent")]
    assert "# One entry per paper. For example:" in path.read_text(encoding="utf-8")
    from tests.pdfs import pdf_for

    for ref in m.references:
        web.serve(ref.urls[0], pdf_for(ref))
    dest = tmp_path / "papers"
    fetched = runner.invoke(app, ["--manifest", str(path), "fetch", "--dest", str(dest),
                                  "--delay", "0", *web.mirror_args()])
    assert fetched.exit_code == 0, fetched.output
    stats = json.loads(runner.invoke(app, ["--manifest", str(path), "stats", "--dest",
                                           str(dest), "--json"]).stdout)
    assert stats["total"] == 2 and stats["library"]["present"] == 2


def test_entries_beyond_the_ones_asked_for_are_ignored(runner, web, real_manifest) -> None:
    _serve(web, _real_feed(real_manifest))  # all 30, though only two are asked for
    result = _check(runner, web, "--category", "llm")
    assert result.exit_code == 0
    assert [r["n"] for r in json.loads(result.stdout)] == [13, 14]


def test_add_takes_an_arxiv_url_and_a_category_slug(runner, web, tmp_path) -> None:
    """Issue 20: `add https://arxiv.org/abs/...` and slugs at any depth were refused."""
    path = _copy_manifest(tmp_path)
    _serve(web, feed([Paper("2301.00001", "A Paper", ["A B"], 2023)]))
    result = runner.invoke(app, ["--manifest", str(path), "add",
                                 "https://arxiv.org/pdf/2301.00001v2.pdf", "-c", "patches",
                                 *web.mirror_args()])
    assert result.exit_code == 0, result.output
    new = load_manifest(path).references[-1]
    assert new.arxiv == "2301.00001" and new.category == "data-processing/patches"
