"""``add`` beyond arXiv (issue 20): a DOI (Crossref's record, Unpaywall's open PDF), and
a paper by hand (--title, --author, --year, --venue, --url, --doi). What the list has,
what is no id and what no source knows are refused before anything is written; a source
that cannot be reached is exit 1, the list untouched."""

from __future__ import annotations

from pathlib import Path

import pytest

from sora_refs.bibliography.resolvers import identities
from sora_refs.cli import app
from sora_refs.readinglist.manifest import load_manifest
from tests.scholarly_standins import Scholarly

EMAIL = "reader.42@example.org"


@pytest.fixture
def services():
    s = Scholarly()
    yield s
    s.stop()


@pytest.fixture
def mine(runner, tmp_path: Path) -> Path:
    path = tmp_path / "mine.yaml"
    assert runner.invoke(app, ["init", str(path), "--title", "Vision"]).exit_code == 0
    return path


def _add(runner, path: Path, *args: str):
    return runner.invoke(app, ["--manifest", str(path), "add", *args])


def test_a_doi_gets_crossrefs_record_and_unpaywalls_pdf(runner, mine, services,
                                                        monkeypatch) -> None:
    monkeypatch.setenv(identities.EMAIL_ENV, EMAIL)
    result = _add(runner, mine, "https://doi.org/10.1038/nature14539", "-c", "basics",
                  "--note", "The review everyone cites.", *services.mirrors())
    assert result.exit_code == 0, result.output
    ref = load_manifest(mine).references[-1]
    assert (ref.n, ref.key, ref.title, ref.year, ref.venue, ref.doi) == (
        1, "lecun2015deep", "Deep learning", 2015, "Nature", "10.1038/nature14539")
    assert ref.authors == ("Yann LeCun", "Yoshua Bengio", "Geoffrey Hinton")
    assert ref.urls == ("https://www.nature.com/articles/nature14539.pdf",)
    assert ref.note == "The review everyone cites." and ref.category == "basics"
    assert services.paths("/works/10.1038") and services.paths("/v2/10.1038")
    assert EMAIL not in mine.read_text(encoding="utf-8") + result.output
    # The same DOI again, in another spelling: refused before any request.
    asked = len(services.log)
    again = _add(runner, mine, "doi:10.1038/NATURE14539", "-c", "basics",
                 *services.mirrors())
    assert again.exit_code == 2
    assert "DOI 10.1038/NATURE14539 is already reference 1 (lecun2015deep)" in again.stderr
    assert len(services.log) == asked


def test_a_doi_without_an_open_copy_is_added_without_a_url_and_says_so(
        runner, mine, services, monkeypatch) -> None:
    monkeypatch.delenv(identities.EMAIL_ENV, raising=False)
    result = _add(runner, mine, "10.1109/cvpr.2009.5206848", "-c", "methods/data",
                  *services.mirrors())
    assert result.exit_code == 0, result.output
    ref = load_manifest(mine).references[-1]
    assert ref.title == "ImageNet: A large-scale hierarchical image database"
    assert ref.urls == () and ref.doi == "10.1109/cvpr.2009.5206848"
    assert "no open PDF known" in result.stderr
    assert not services.paths("/v2/")  # no e-mail address: Unpaywall is not asked


def test_a_doi_no_one_knows_or_crossref_offline_adds_nothing(runner, mine, services
                                                             ) -> None:
    before = mine.read_text(encoding="utf-8")
    unknown = _add(runner, mine, "10.5555/not.there", "-c", "basics", *services.mirrors())
    assert unknown.exit_code == 2 and "Crossref knows no DOI 10.5555/not.there" in \
        unknown.stderr
    offline = _add(runner, mine, "10.1038/nature14539", "-c", "basics", "--mirror",
                   "https://api.crossref.org=http://127.0.0.1:9")
    assert offline.exit_code == 1, offline.output
    assert "cannot look up DOI 10.1038/nature14539: api.crossref.org" in offline.stderr
    assert "--title" in offline.stderr and "Traceback" not in offline.output
    services.faults.append("429")
    busy = _add(runner, mine, "10.1145/3065386", "-c", "basics", *services.mirrors())
    assert busy.exit_code == 1 and "api.crossref.org" in busy.stderr
    assert mine.read_text(encoding="utf-8") == before


def test_a_paper_by_hand_is_written_as_given_and_nothing_invented(runner, mine) -> None:
    result = _add(runner, mine, "--title", "  A  Technical   Report ", "--author",
                  "Ann Writer", "--author", "Bo Second", "--url",
                  "https://example.org/report.pdf", "--url", "https://mirror.example/r.pdf",
                  "-c", "models")
    assert result.exit_code == 0, result.output
    ref = load_manifest(mine).references[-1]
    assert (ref.title, ref.authors, ref.category) == (
        "A Technical Report", ("Ann Writer", "Bo Second"), "methods/models")
    assert ref.year is None and ref.venue == "" and ref.doi is None and ref.arxiv is None
    assert ref.urls == ("https://example.org/report.pdf", "https://mirror.example/r.pdf")
    assert ref.key == "writertechnical"
    text = mine.read_text(encoding="utf-8")
    assert "year:" not in text.split("references:")[1] and "venue:" not in \
        text.split("references:")[1]
    shown = runner.invoke(app, ["--manifest", str(mine), "show", "writer"])
    assert shown.exit_code == 0 and "A Technical Report" in shown.stdout
    full = _add(runner, mine, "--title", "Deep Residual Learning for Image Recognition",
                "--author", "Kaiming He", "--year", "2016", "--venue", "CVPR", "--doi",
                "https://doi.org/10.1109/CVPR.2016.90", "-c", "basics", "--dry-run")
    assert full.exit_code == 0, full.output
    assert "key: he2016deep" in full.stdout and "doi: 10.1109/CVPR.2016.90" in full.stdout
    assert "year: 2016" in full.stdout and "n: 2" in full.stdout
    assert len(load_manifest(mine).references) == 1  # a dry run writes nothing


@pytest.mark.parametrize(("args", "says"), [
    (["--title", "a technical report", "--author", "X Y"], "the title is already reference 1"),
    (["--author", "X Y", "--year", "2020"], "--author, --year describe a paper added by hand"),
    (["--title", "T", "-c", "basics"], "needs --author"),
    (["--title", "T", "--author", "A B", "--url", "ftp://x/y.pdf"], "is not an http://"),
    (["--title", "T", "--author", "A B", "--doi", "nope"], "is not a DOI"),
    (["--title", "T", "--author", "A B", "1706.03762"], "not both in one add"),
    (["not-an-id"], "nor a DOI"),
    ([], "add needs an arXiv id or URL, a DOI, or a paper by hand"),
])
def test_what_add_cannot_honour_is_one_line_and_changes_nothing(runner, mine, args, says
                                                                ) -> None:
    assert _add(runner, mine, "--title", "A Technical Report", "--author", "Ann Writer",
                "-c", "basics").exit_code == 0
    before = mine.read_text(encoding="utf-8")
    result = _add(runner, mine, *args, *([] if "-c" in args else ["-c", "basics"]))
    assert result.exit_code == 2, result.output
    assert says in " ".join(result.stderr.split()), result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.output
    assert mine.read_text(encoding="utf-8") == before


def test_add_without_a_category_names_the_choices(runner, mine) -> None:
    result = _add(runner, mine, "--title", "T", "--author", "A B")
    assert result.exit_code == 2
    assert "add needs --category" in result.stderr and "methods/models" in result.stderr


def test_a_paper_without_a_url_is_a_clear_failure_in_fetch(runner, mine, tmp_path) -> None:
    assert _add(runner, mine, "--title", "A Memo", "--author", "Ann Writer", "-c",
                "basics").exit_code == 0
    result = runner.invoke(app, ["--manifest", str(mine), "fetch", "--dest",
                                 str(tmp_path / "lib"), "--json"])
    assert result.exit_code == 1
    import json

    (row,) = json.loads(result.stdout)
    assert row["status"] == "failed"
    assert "the list gives no URL for it" in row["error"] and "sora-refs import" in row["error"]
