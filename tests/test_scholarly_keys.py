"""The services that take an API key (issue 18, item 3): Semantic Scholar's title match,
asked only with a key, for what Crossref has no record of; OpenAlex's record of a DOI,
with or without a key, for the open copies Unpaywall was not asked about. Against the
loopback stand-in in the shapes both serve in 2026 (a 429 without a key, a 401 for a
bad one); a key is never printed, written or used as a cache name."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from sora_refs.bibliography.resolvers import identities, openalex, semanticscholar
from sora_refs.cli import app
from sora_refs.readinglist.manifest import load_manifest
from tests.conftest import SHARED
from tests.scholarly_standins import OPENALEX_KEY, S2_KEY, Scholarly

SAMPLES = SHARED / "venues" / "samples"

LIST = """References
[1] Quinn Workshop and Rae Author. Learning transferable features from sparse workshop data. NeurIPS Workshop on Sparse Data, 2019.
[2] Alex Krizhevsky, Ilya Sutskever, and Geoffrey E. Hinton. ImageNet classification with deep convolutional neural networks. Communications of the ACM, 60(6):84-90, 2017.
[3] Quentin Nobody. A study of things no index has ever listed. Private report, 2011.
"""  # noqa: E501


@pytest.fixture
def services():
    s = Scholarly()
    yield s
    s.stop()


def _init(runner, tmp_path: Path, arxiv, services, name: str = "new.yaml"):
    src = tmp_path / "refs.txt"
    src.write_text(LIST, encoding="utf-8")
    dead = ["--mirror", "https://proceedings.neurips.cc=http://127.0.0.1:9"]
    result = runner.invoke(app, ["init", str(tmp_path / name), "--from", str(src),
                                 "--delay", "0", "--json", *arxiv.mirrors(),
                                 *services.mirrors(), *dead])
    return result, tmp_path / name


def _on_disk(tmp_path: Path) -> str:
    import os

    cache = Path(os.environ["SORA_REFS_CACHE"])
    names = [str(p) for p in [*cache.rglob("*"), *tmp_path.rglob("*")]]
    bodies = [p.read_text(errors="replace") for p in [*cache.rglob("*"), *tmp_path.rglob("*")]
              if p.is_file()]
    return "\n".join(names + bodies)


def test_a_semantic_scholar_key_finds_what_crossref_has_no_record_of(
        runner, tmp_path, arxiv, services, monkeypatch) -> None:
    monkeypatch.setenv(identities.S2_KEY_ENV, S2_KEY)
    result, out = _init(runner, tmp_path, arxiv, services)
    made = load_manifest(out)
    workshop = made.references[0]
    assert workshop.arxiv == "1911.00042" and workshop.resolution == "resolved"
    assert workshop.urls == ("https://arxiv.org/pdf/1911.00042",)
    assert "from Semantic Scholar, not confirmed by arXiv" in workshop.note
    assert workshop.doi is None  # it has none; nothing is made up
    rows = {r["n"]: r for r in json.loads(result.stdout)["references"]}
    assert rows[1]["how"] == "Semantic Scholar"
    # Asked only about what Crossref did not know, with the key in its header.
    s2 = [(p, h) for _, p, h in services.log if p.startswith("/s2/")]
    assert len(s2) == 2 and all(h.get("x-api-key") == S2_KEY for _, h in s2)
    assert made.references[2].resolution == "unresolved"  # no one knows [3]
    assert "Semantic Scholar has no record" in rows[3]["reason"]
    assert S2_KEY not in result.output and S2_KEY not in _on_disk(tmp_path)
    services.log.clear()
    _init(runner, tmp_path, arxiv, services, name="again.yaml")
    assert services.log == []  # every answer was kept


def test_without_a_key_semantic_scholar_is_not_asked(runner, tmp_path, arxiv, services
                                                     ) -> None:
    result, out = _init(runner, tmp_path, arxiv, services)
    assert not services.paths("/s2/")
    assert load_manifest(out).references[0].resolution == "unresolved"
    assert "api.semanticscholar.org" not in json.loads(result.stdout)[
        "doi_services_unavailable"]


def test_a_refused_key_is_unavailable_once_or_asked_without(runner, tmp_path, arxiv,
                                                           services, monkeypatch) -> None:
    monkeypatch.setenv(identities.S2_KEY_ENV, "not-the-issued-key")
    monkeypatch.setenv(identities.OPENALEX_KEY_ENV, "bogus-key-42")
    result, out = _init(runner, tmp_path, arxiv, services)
    report = json.loads(result.stdout)
    assert set(report["doi_services_unavailable"]) == {"api.semanticscholar.org"}
    assert "429" in report["doi_services_unavailable"]["api.semanticscholar.org"]
    assert len(services.paths("/s2/")) == 1  # asked once in the run
    rows = {r["n"]: r for r in report["references"]}
    assert "unavailable" in rows[1]["reason"] and "no record" not in rows[1]["reason"]
    # OpenAlex refused its key: asked again without one, which its DOI records allow.
    asked = services.paths("/openalex/")
    assert len(asked) == 2 and "api_key=" in asked[0] and "api_key=" not in asked[1]
    assert any("OpenAlex refused the API key" in n for n in report["notes"])
    made = load_manifest(out)
    assert made.references[1].doi == "10.1145/3065386"  # Crossref's, still
    assert made.references[1].urls == ("https://dl.acm.org/doi/pdf/10.1145/3065386",)
    assert "not-the-issued-key" not in result.output + _on_disk(tmp_path)


def test_an_openalex_key_is_sent_and_never_kept(runner, tmp_path, arxiv, services,
                                                monkeypatch) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(f"openalex_key: {OPENALEX_KEY}\nsemantic_scholar_key: has spaces in\n",
                      encoding="utf-8")
    monkeypatch.setenv(identities.CONFIG_ENV, str(config))
    result, out = _init(runner, tmp_path, arxiv, services)
    asked = services.paths("/openalex/works/doi:")
    assert asked and all(f"api_key={OPENALEX_KEY}" in p for p in asked)
    made = load_manifest(out)
    assert made.references[1].urls == ("https://dl.acm.org/doi/pdf/10.1145/3065386",)
    notes = json.loads(result.stdout)["notes"]
    assert any("does not look like a Semantic Scholar API key" in n for n in notes), notes
    assert not services.paths("/s2/")
    on_disk = _on_disk(tmp_path).replace(config.read_text(encoding="utf-8"), "")
    assert OPENALEX_KEY not in result.output + on_disk


def test_keys_come_from_the_environment_first_and_are_never_shown(monkeypatch, tmp_path
                                                                  ) -> None:
    config = tmp_path / "c.yaml"
    config.write_text("semantic_scholar_key: fromthefile123\nopenalex_key: alsofile123\n",
                      encoding="utf-8")
    monkeypatch.setenv(identities.CONFIG_ENV, str(config))
    monkeypatch.setenv(identities.S2_KEY_ENV, "  fromtheenv456  ")
    who = identities.load()
    assert (who.s2_key, who.openalex_key) == ("fromtheenv456", "alsofile123")
    assert "fromtheenv456" not in repr(who) and "alsofile123" not in repr(who)


# ---------------------------------------------------------------- the services' shapes


@pytest.mark.skipif(not SAMPLES.is_dir(), reason="needs ../shared/venues/samples")
def test_semantic_scholars_real_answers_are_read() -> None:
    for name in ("s2_cassette_paper_search_match_title_only_2024-12.yaml",
                 "s2_cassette_paper_search_match_allfields_2024-07.yaml"):
        cassette = yaml.safe_load((SAMPLES / name).read_text(encoding="utf-8"))
        body = cassette["interactions"][0]["response"]["body"]["string"]
        (record,) = semanticscholar.parse(body.encode())
        assert record.title and (record.pdf == "" or record.pdf.startswith("http"))
    sample = json.loads((SAMPLES / "s2_openAccessPdf_empty_url_with_disclaimer_sotapapers"
                         ".json").read_text(encoding="utf-8"))
    (record,) = semanticscholar.parse(json.dumps({"data": [sample]}).encode())
    assert record.arxiv == "2412.00678" and record.pdf == ""  # the disclaimer is no PDF
    assert record.doi == ""  # arXiv's own DOI is not the paper's published one
    assert record.year == 2024 and record.authors


def test_openalex_records_give_open_pdfs_only() -> None:
    work = {"id": "https://openalex.org/W1", "best_oa_location": {
        "is_oa": True, "pdf_url": "https://repo.example.edu/paper.pdf"},
        "locations": [{"is_oa": False, "pdf_url": "https://publisher.example/closed.pdf"},
                      {"is_oa": True, "pdf_url": None, "landing_page_url": "https://x"},
                      {"is_oa": True, "pdf_url": "javascript:alert(1)"},
                      {"is_oa": True, "pdf_url": "https://repo.example.edu/paper.pdf"}]}
    assert openalex.parse(json.dumps(work).encode()) == ["https://repo.example.edu/paper.pdf"]
    with pytest.raises(ValueError):
        openalex.parse(b'{"error": "NotFoundError"}')
    assert openalex.with_key(openalex.doi_url("10.1/x"), "") == \
        "https://api.openalex.org/works/doi:10.1/x"
