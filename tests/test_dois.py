"""DOIs and open copies (issue 18, items 1, 3 and 4): what neither arXiv nor a venue
index confirms is looked up on Crossref (a DOI) and Unpaywall (its open PDF), against a
loopback stand-in in the shapes both serve in 2026, with decoys; the user's e-mail
address is optional, and never printed, written or used as a cache name."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from sora_refs.bibliography.resolvers import crossref, identities, unpaywall
from sora_refs.bibliography.resolvers.doi import Wanted, match
from sora_refs.cli import app
from sora_refs.readinglist.manifest import load_manifest
from tests.conftest import SHARED, assert_spaced
from tests.scholarly_standins import RECORDS, Scholarly, crossref_item, unpaywall_record

SAMPLES = SHARED / "venues" / "samples"
EMAIL = "reader.42@example.org"

# A vision paper's references: two on arXiv, four on neither arXiv nor a venue index,
# one that no service knows, one DOI printed in the entry.
LIST = """References
[1] Ashish Vaswani et al. Attention is all you need. NeurIPS, 2017.
[2] Jia Deng, Wei Dong, Richard Socher, et al. ImageNet: A large-scale hierarchical image database. In 2009 IEEE Conference on Computer Vision and Pattern Recognition, 2009.
[3] Alex Krizhevsky, Ilya Sutskever, and Geoffrey E. Hinton. ImageNet classification with deep convolutional neural networks. Communications of the ACM, 60(6):84-90, 2017.
[4] Sepp Hochreiter and Jürgen Schmidhuber. Long short-term memory. Neural Computation, 9(8):1735-1780, 1997.
[5] Yann LeCun, Yoshua Bengio, and Geoffrey Hinton. Deep learning. Nature 521, 436-444 (2015). doi:10.1038/nature14539.
[6] Quentin Nobody. A study of things no index has ever listed. Private report, 2011.
[7] Jonathan Ho, Ajay Jain, and Pieter Abbeel. Denoising diffusion probabilistic models. NeurIPS, 2020.
"""  # noqa: E501


@pytest.fixture
def services():
    s = Scholarly()
    yield s
    s.stop()


def _init(runner, tmp_path: Path, arxiv, services, name: str = "new.yaml", env=None):
    src = tmp_path / "refs.txt"
    src.write_text(LIST, encoding="utf-8")
    dead = ["--mirror", "https://proceedings.neurips.cc=http://127.0.0.1:9",
            "--mirror", "https://openaccess.thecvf.com=http://127.0.0.1:9"]
    result = runner.invoke(app, ["init", str(tmp_path / name), "--from", str(src),
                                 "--delay", "0", "--json", *arxiv.mirrors(),
                                 *services.mirrors(), *dead], env=env or {})
    return result, tmp_path / name


def test_what_arxiv_lacks_gets_its_doi_and_open_copy(runner, tmp_path, arxiv, services,
                                                     monkeypatch) -> None:
    monkeypatch.setenv(identities.EMAIL_ENV, EMAIL)
    result, out = _init(runner, tmp_path, arxiv, services)
    assert result.exit_code == 1, result.output  # [6] is nowhere
    made = load_manifest(out)
    by_title = {r.title.lower(): r for r in made.references}
    alexnet = by_title["imagenet classification with deep convolutional neural networks"]
    assert alexnet.doi == "10.1145/3065386" and alexnet.resolution == "resolved"
    assert alexnet.urls[0] == "https://dl.acm.org/doi/pdf/10.1145/3065386"
    # Crossref's title joins its subtitle; the record says it, the decoys do not.
    imagenet = by_title["imagenet: a large-scale hierarchical image database"]
    assert imagenet.doi == "10.1109/cvpr.2009.5206848" and imagenet.urls == ()
    lstm = by_title["long short-term memory"]
    assert lstm.doi == "10.1162/neco.1997.9.8.1735"
    assert lstm.urls == ()  # an open landing page is no PDF
    nature = next(r for r in made.references if r.doi == "10.1038/nature14539")
    assert nature.urls == ("https://www.nature.com/articles/nature14539.pdf",)
    assert nature.title == "Deep learning" and nature.year == 2015
    nobody = next(r for r in made.references if "no index has ever" in r.title)
    assert nobody.resolution == "unresolved" and nobody.doi is None
    # arXiv's papers are not asked about: one Crossref request per other citation.
    assert len(services.paths("/works")) == 5 and len(services.paths("/v2/")) == 4
    ddpm = next(r for r in made.references if r.arxiv == "2006.11239")
    assert ddpm.doi is None
    report = json.loads(result.stdout)
    rows = {r["n"]: r for r in report["references"]}
    assert rows[3]["how"] == "Crossref" and "Crossref" in rows[6]["reason"]
    # The two DOIs Unpaywall knows no PDF of are asked on OpenAlex (which has none).
    assert report["doi_requests"] == {"api.crossref.org": 5, "api.unpaywall.org": 4,
                                      "api.openalex.org": 2}
    # The polite pool, one request at a time, a tenth of a second apart at least.
    crossref_log = [(t, h) for t, p, h in services.log if p.startswith("/works")]
    assert all(f"mailto:{EMAIL}" in h["user-agent"] for _, h in crossref_log)
    assert_spaced([t for t, _ in crossref_log], 0.1)
    # The address goes to Unpaywall only, and nowhere on disk or screen.
    assert all(f"email={EMAIL.replace('@', '%40')}" in p for p in services.paths("/v2/"))
    assert EMAIL not in result.output and EMAIL not in out.read_text(encoding="utf-8")
    cache = Path(__import__("os").environ["SORA_REFS_CACHE"])
    for f in cache.rglob("*"):
        assert EMAIL not in f.name and (f.is_dir() or EMAIL.encode() not in f.read_bytes())
    # The DOI is shown, and carried into every export.
    shown = runner.invoke(app, ["show", "-m", str(out), "10.1145/3065386"])
    assert shown.exit_code == 0 and "DOI" in shown.output and "10.1145/3065386" in shown.output
    for fmt, field in [("bibtex", r"doi\s*= \{10\.1145/3065386\}"),
                       ("ris", r"DO  - 10\.1145/3065386"),
                       ("csl-json", r'"DOI": "10\.1145/3065386"')]:
        exported = runner.invoke(app, ["export", "-m", str(out), "--format", fmt])
        assert exported.exit_code == 0 and re.search(field, exported.output), fmt
    # A second run asks nothing again.
    services.log.clear()
    again, out2 = _init(runner, tmp_path, arxiv, services, name="again.yaml")
    assert services.log == [] and json.loads(again.stdout)["doi_requests"] == {}
    assert load_manifest(out2).find("10.1145/3065386").urls == alexnet.urls


def test_an_acl_doi_names_its_anthology_pdf_without_another_request(runner, tmp_path, arxiv,
                                                                    services) -> None:
    """An EMNLP paper on no arXiv and no index: Crossref gives its DOI, and an ACL DOI is
    the Anthology id, whose PDF is aclanthology.org/{id}.pdf; no e-mail address needed, and
    neither Unpaywall nor OpenAlex is asked."""
    from tests.scholarly_standins import Record

    services.records.append(Record(
        "10.18653/v1/D16-1244", "A Decomposable Attention Model for Natural Language "
        "Inference", ["Ankur Parikh", "Oscar Täckström", "Dipanjan Das", "Jakob Uszkoreit"],
        2016, "Proceedings of the 2016 Conference on Empirical Methods in Natural Language "
        "Processing", kind="proceedings-article"))
    src = tmp_path / "refs.txt"
    src.write_text("References\n[1] Ankur Parikh, Oscar Täckström, Dipanjan Das, and Jakob "
                   "Uszkoreit. A decomposable attention model for natural language inference. "
                   "In Empirical Methods in Natural Language Processing, 2016.\n",
                   encoding="utf-8")
    out = tmp_path / "acl.yaml"
    result = runner.invoke(app, ["init", str(out), "--from", str(src), "--delay", "0",
                                 "--json", *arxiv.mirrors(), *services.mirrors()])
    assert result.exit_code == 0, result.output
    ref = load_manifest(out).find("1")
    assert ref.doi == "10.18653/v1/D16-1244" and ref.venue == "EMNLP"
    assert ref.urls == ("https://aclanthology.org/D16-1244.pdf",)
    assert services.paths("/v2/") == services.paths("/openalex") == []


@pytest.mark.parametrize(("doi", "pdf"), [
    ("10.18653/v1/2021.naacl-main.208", "https://aclanthology.org/2021.naacl-main.208.pdf"),
    ("10.18653/V1/N19-1423", "https://aclanthology.org/N19-1423.pdf"),
    ("10.18653/v1/../../evil", None), ("10.18653/v1/a b", None),
    ("10.1145/3065386", None), ("10.18653/v2/N19-1423", None)])
def test_publisher_rules_take_only_their_own_dois(doi: str, pdf: str | None) -> None:
    from sora_refs.bibliography.resolvers.publishers import open_pdf

    assert open_pdf(doi) == pdf


def test_the_real_acl_page_agrees_with_the_rule() -> None:
    sample = SAMPLES / "acl_paper_page_2021.naacl-main.208_papis.html"
    if not sample.exists():
        pytest.skip("../shared/venues is not here")
    from sora_refs.bibliography.resolvers.publishers import open_pdf

    page = sample.read_text(encoding="utf-8")
    meta = dict((k, v) for v, k in re.findall(
        r'<meta content="?([^" >]*)"? name=citation_(pdf_url|doi)', page))
    assert open_pdf(meta["doi"]) == meta["pdf_url"]


def test_without_an_email_crossref_is_asked_in_its_public_pool_and_unpaywall_not(
        runner, tmp_path, arxiv, services) -> None:
    """No e-mail address: Crossref's public pool, no Unpaywall; OpenAlex, which needs
    none for a DOI's record, gives the open copies."""
    result, out = _init(runner, tmp_path, arxiv, services)
    made = load_manifest(out)
    assert made.find("10.1145/3065386").urls == ("https://dl.acm.org/doi/pdf/10.1145/3065386",)
    assert made.find("10.1109/cvpr.2009.5206848").urls == ()  # closed everywhere
    assert services.paths("/v2/") == []
    assert len(services.paths("/openalex/works/doi:")) == 4  # every DOI Crossref found
    assert not any("api_key" in p for p in services.paths("/openalex"))  # keyless
    assert all("mailto" not in h.get("user-agent", "") for _, _, h in services.log)
    crossref_log = [t for t, p, _ in services.log if p.startswith("/works")]
    assert_spaced(crossref_log, 0.2)  # five a second, one at a time
    report = json.loads(result.stdout)
    assert any(identities.EMAIL_ENV in n and "Unpaywall" in n for n in report["notes"])


@pytest.mark.parametrize("fault", ["429", "anubis", "html", "json"])
def test_an_unavailable_crossref_is_asked_once_and_nothing_is_called_missing(
        runner, tmp_path, arxiv, services, fault) -> None:
    services.faults = [fault] * 20
    result, out = _init(runner, tmp_path, arxiv, services)
    assert result.exit_code == 1
    assert len(services.log) == 1
    report = json.loads(result.stdout)
    assert list(report["doi_services_unavailable"]) == ["api.crossref.org"]
    made = load_manifest(out)
    assert [r.doi for r in made.references if r.doi] == ["10.1038/nature14539"]  # printed
    rows = {r["n"]: r for r in report["references"]}
    assert "unavailable" in rows[3]["reason"] and "no record" not in rows[3]["reason"]
    # The arXiv papers are untouched by it.
    assert made.find("1706.03762").resolution == "resolved"


def test_a_config_file_gives_the_email_and_a_bad_one_is_a_note(runner, tmp_path, arxiv,
                                                              services, monkeypatch) -> None:
    config = tmp_path / "config.yaml"
    monkeypatch.setenv(identities.CONFIG_ENV, str(config))
    config.write_text(f"email: {EMAIL}\n", encoding="utf-8")
    result, out = _init(runner, tmp_path, arxiv, services)
    assert len(services.paths("/v2/")) == 4 and EMAIL not in result.output
    for bad, said in [("email: [unclosed\n", "not a YAML mapping"),
                      ("- a list\n", "not a YAML mapping"),
                      ("email: not-an-address\n", "does not look like an e-mail")]:
        config.write_text(bad, encoding="utf-8")
        services.log.clear()
        result, out = _init(runner, tmp_path, arxiv, services, name=f"{len(bad)}.yaml")
        assert result.exit_code == 1 and out.exists()
        assert any(said in n for n in json.loads(result.stdout)["notes"]), result.stdout
        assert "not-an-address" not in result.stdout


def test_identities_come_from_the_environment_first(monkeypatch, tmp_path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("email: from.file@example.org\n", encoding="utf-8")
    monkeypatch.setenv(identities.CONFIG_ENV, str(config))
    assert identities.load().email == "from.file@example.org"
    monkeypatch.setenv(identities.EMAIL_ENV, " from.env@example.org ")
    who = identities.load()
    assert who.email == "from.env@example.org" and "example.org" not in repr(who)
    monkeypatch.delenv(identities.CONFIG_ENV)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert identities.config_path() == tmp_path / "sora-refs" / "config.yaml"


# ---------------------------------------------------------------- matching


def _wanted(title: str, author: str, year: int | None, doi: str = "") -> Wanted:
    return Wanted(1, title, author, year, doi)


WORKS = [crossref.parse(json.dumps({"message": crossref_item(r)}).encode())[0]
         for r in RECORDS]


@pytest.mark.parametrize("title,author,year,doi", [
    ("Deep learning", "Yann LeCun", 2015, "10.1038/nature14539"),
    ("Deep Learning", "Y. LeCun", None, "10.1038/nature14539"),      # the author alone
    ("Deep learning", "", 2015, "10.1038/nature14539"),              # the year alone
    ("ImageNet: a large-scale hierarchical image database", "J. Deng", 2009,
     "10.1109/cvpr.2009.5206848"),
    ("ImageNet classification with deep convolutional neural nets", "A. Krizhevsky", 2016,
     "10.1145/3065386"),  # a title that changed between versions, author and year agree
])
def test_crossref_records_match_the_cited_work(title, author, year, doi) -> None:
    found = match(WORKS, _wanted(title, author, year))
    assert found.state == "found" and found.doi == doi


@pytest.mark.parametrize("title,author,year", [
    ("Deep learning", "Someone Else", 2003),          # the title only: another work
    ("Long short-term memory networks", "Sepp Hochreiter", 1997),  # a near miss
    ("ImageNet classification with deep convolutional neural networks", "Zed Decoy", 2001),
    ("ImageNet classification with deep convolutional neural nets", "A. Krizhevsky", 2012),
    # a close title alone, in another year
])
def test_near_misses_on_crossref_are_never_taken(title, author, year) -> None:
    assert match(WORKS, _wanted(title, author, year)).state == "miss"


def test_a_printed_doi_with_another_title_is_not_taken() -> None:
    deep = [w for w in WORKS if w.doi == "10.1038/nature14539"]
    assert match(deep, _wanted("Deep learning", "Y. LeCun", 2015,
                               "10.1038/nature14539")).state == "found"
    assert match(deep, _wanted("A theory of everything", "Y. LeCun", 2015,
                               "10.1038/nature14539")).state == "miss"


def test_unpaywall_records_give_pdfs_not_landing_pages() -> None:
    by_doi = {r.doi: r for r in RECORDS}
    assert unpaywall.parse(json.dumps(unpaywall_record(by_doi["10.1145/3065386"])).encode()) \
        == ["https://dl.acm.org/doi/pdf/10.1145/3065386"]
    assert unpaywall.parse(json.dumps(unpaywall_record(
        by_doi["10.1162/neco.1997.9.8.1735"])).encode()) == []
    with pytest.raises(ValueError):
        unpaywall.parse(b'{"HTTP_status_code": 422, "error": true}')


@pytest.mark.skipif(not SAMPLES.is_dir(), reason="needs ../shared/venues/samples")
def test_real_crossref_answers_read() -> None:
    works = crossref.parse((SAMPLES / "crossref_works_query_ecology_rows2.json").read_bytes())
    assert [w.doi for w in works] == ["10.1093/obo/9780199830060-0238",
                                      "10.1093/obo/9780199830060-0023"]
    assert works[1].authors == ("André Kessler",) and works[1].year == 2012
    one = crossref.parse((SAMPLES / "crossref_works_doi_10.1371_journal.pone.0033693.json"
                          ).read_bytes())
    assert one[0].doi == "10.1371/journal.pone.0033693"
    assert one[0].title.startswith("Methylphenidate Exposure") and one[0].year == 2012
    assert one[0].authors[0] == "Shankar Sadasivan"
    # The cassettes' answers are gzip bodies as Crossref sent them.
    import base64
    import gzip

    cassette = yaml.safe_load((SAMPLES / "crossref_cassette_works_query_polite_pool_2026-06"
                               ".yaml").read_text(encoding="utf-8"))
    response = cassette["interactions"][0]["response"]
    body = response["body"]["string"]
    raw = gzip.decompress(body if isinstance(body, bytes) else base64.b64decode(body))
    assert crossref.parse(raw)


def test_unusable_certificate_settings_are_a_clear_error(tmp_path, monkeypatch, runner,
                                                          small_manifest) -> None:
    """The TLS context is built in a thread; a bad SSL_CERT_FILE still ends as one
    paragraph and exit 2, not a traceback from inside it."""
    bad = tmp_path / "not-certs.pem"
    bad.write_text("not a certificate\n", encoding="utf-8")
    monkeypatch.setenv("SSL_CERT_FILE", str(bad))
    from sora_refs.net import tls

    for name, fresh in (("_thread", None), ("_made", []), ("_failed", [])):
        monkeypatch.setattr(tls, name, fresh)  # a context another test built is not used
    result = runner.invoke(app, ["fetch", "-m", str(small_manifest), "--dest",
                                 str(tmp_path / "lib"), "--mirror",
                                 "https://arxiv.org=http://127.0.0.1:9"])
    assert result.exit_code == 2, result.output
    assert "SSL_CERT_FILE" in result.output and "Traceback" not in result.output
