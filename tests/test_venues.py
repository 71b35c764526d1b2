"""Venue copies (issue 18): init --from lists each reference's PDF from its venue's own
open index first and arXiv's after, against loopback stand-ins of CVF, NeurIPS, PMLR
and ECVA built in the shapes the real sites serve, with decoys, bot pages and 429s."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sora_refs.bibliography.resolvers import cvf, ecva, neurips, pmlr
from sora_refs.bibliography.resolvers.venues import Paper, index_urls, match, venue_of
from sora_refs.cli import app
from sora_refs.readinglist.manifest import load_manifest
from tests import bibliographies as B
from tests.conftest import SHARED
from tests.venue_standins import ANUBIS, OPENREVIEW_403, Venues

SAMPLES = SHARED / "venues" / "samples"


@pytest.fixture
def venues(real_manifest):
    v = Venues(real_manifest)
    yield v
    v.stop()


def _init(runner, tmp_path: Path, mirrors: list[str], name: str = "new.yaml",
          text: str | None = None, manifest=None):
    src = tmp_path / "sora.md"
    if not src.exists():
        src.write_text(text or B.sora_markdown(manifest), encoding="utf-8")
    out = tmp_path / name
    result = runner.invoke(app, ["init", str(out), "--from", str(src), "--delay", "0",
                                 "--json", *mirrors])
    return result, out


def _init_offline(runner, src: Path, out: Path, *hosts):
    """``init --from`` with arXiv and Crossref offline and each venue stand-in in place of
    the site it is named after."""
    mirrors = ["--mirror", "https://export.arxiv.org=http://127.0.0.1:9",
               "--mirror", "https://api.crossref.org=http://127.0.0.1:9"]
    for host in hosts:
        mirrors += ["--mirror", f"https://{host.name}={host.url}"]
    return runner.invoke(app, ["init", str(out), "--from", str(src), "--delay", "0",
                               "--json", *mirrors])


def _init_text(runner, tmp_path: Path, text: str, *hosts):
    """:func:`_init_offline` on a plain reference list, into ``new.yaml``: the result
    and the list it wrote."""
    src = tmp_path / "refs.txt"
    src.write_text(text, encoding="utf-8")
    out = tmp_path / "new.yaml"
    return _init_offline(runner, src, out, *hosts), load_manifest(out)


def test_the_sora_page_gets_every_venue_copy_refs_yaml_lists(runner, tmp_path, arxiv, venues,
                                                             real_manifest) -> None:
    started = time.monotonic()
    result, out = _init(runner, tmp_path, arxiv.mirrors() + venues.mirrors(),
                        manifest=real_manifest)
    seconds = time.monotonic() - started
    assert result.exit_code == 1, result.output  # DALL·E 3 is on no index and no arXiv
    made = load_manifest(out)
    wrong, found = [], 0
    for ref in real_manifest.references:
        got = made.find(str(ref.n))
        want = venues.expected.get(ref.n)
        if want is not None:
            found += got.urls[0] == want
            if got.urls[0] != want:
                wrong.append((ref.n, got.urls))
            # arXiv's copy after the venue's, as refs.yaml lists them.
            if ref.arxiv:
                assert got.urls[1] == f"https://arxiv.org/pdf/{ref.arxiv}"
                assert got.arxiv == ref.arxiv
        else:  # no open index: no venue URL invented
            assert not any(h in u for u in got.urls for h in
                           ("thecvf", "neurips.cc", "mlr.press", "ecva.net")), got.urls
    assert wrong == [] and found == len(venues.expected) == 19
    # #27 has no arXiv version: its PMLR copy alone, and it is resolved by the index.
    igpt = made.find("27")
    assert igpt.urls == ("https://proceedings.mlr.press/v119/chen20s/chen20s.pdf",)
    assert igpt.resolution == "resolved" and igpt.arxiv is None
    report = json.loads(result.stdout)
    # One request per venue-year (and one for ECVA's page, shared by every year).
    asked = venues.requests()
    assert asked == {"openaccess.thecvf.com": 5, "proceedings.neurips.cc": 5,
                     "proceedings.mlr.press": 3, "www.ecva.net": 1}, asked
    assert report["venue_requests"] == asked and report["venues_unavailable"] == {}
    assert seconds < 30
    # A second run asks no venue (and no arXiv) again.
    for h in venues.hosts.values():
        h.log.clear()
    before = len(arxiv.api_requests())
    again, out2 = _init(runner, tmp_path, arxiv.mirrors() + venues.mirrors(), name="again.yaml")
    assert again.exit_code == 1
    assert sum(venues.requests().values()) == 0 and len(arxiv.api_requests()) == before
    assert load_manifest(out2).find("17").urls == made.find("17").urls


@pytest.mark.parametrize(("body", "status"), [(ANUBIS, 500), (ANUBIS, 200),
                                              (OPENREVIEW_403, 403), (b"slow down", 429),
                                              (b"<html><body>Maintenance</body></html>", 200)])
def test_a_blocked_venue_is_unavailable_once_never_not_found(runner, tmp_path, arxiv, venues,
                                                             real_manifest, body, status) -> None:
    cvf_host = venues.host("https://openaccess.thecvf.com")
    for path in list(cvf_host.resources):
        cvf_host.add(path, body, content_type="text/html",
                     faults=[f"status:{status}"] * 50 if status != 200 else [])
    started = time.monotonic()
    result, out = _init(runner, tmp_path, arxiv.mirrors() + venues.mirrors(),
                        manifest=real_manifest)
    assert time.monotonic() - started < 30
    report = json.loads(result.stdout)
    assert list(report["venues_unavailable"]) == ["openaccess.thecvf.com"]
    assert len(cvf_host.log) == 1  # asked once in the run, whatever the venue-years
    rows = {r["n"]: r for r in report["references"]}
    assert rows[17]["venue_copy"] == "unavailable" and "openaccess.thecvf.com" in \
        rows[17]["venue_detail"]
    made = load_manifest(out)
    assert made.find("17").urls == ("https://arxiv.org/pdf/2111.06377",)  # arXiv's copy
    assert made.find("17").resolution == "resolved"
    # The other venues are not held up by one that is down.
    assert made.find("13").urls[0].startswith("https://proceedings.neurips.cc/")


def test_offline_venues_cost_seconds_and_leave_arxiv_copies(runner, tmp_path, arxiv,
                                                            real_manifest) -> None:
    started = time.monotonic()
    dead = []
    for site in Venues.SITES:
        dead += ["--mirror", f"{site}=http://127.0.0.1:9"]
    result, out = _init(runner, tmp_path, arxiv.mirrors() + dead, manifest=real_manifest)
    assert time.monotonic() - started < 30
    report = json.loads(result.stdout)
    assert len(report["venues_unavailable"]) == 4
    assert load_manifest(out).find("13").urls == ("https://arxiv.org/pdf/1706.03762",)


# ---------------------------------------------------------------- matching


def _paper(title: str, first: str, pdf: str = "https://x.org/a.pdf") -> Paper:
    return Paper(title, (first, "Other Person"), pdf)


def test_a_near_miss_another_author_or_two_papers_are_never_taken() -> None:
    index = [_paper("Masked Autoencoders Are Scalable Vision Learners", "Kaiming He"),
             _paper("Masked Autoencoders Are Scalable Vision Learners Revisited", "Al Other",
                    "https://x.org/b.pdf"),
             _paper("Attention Is All You Need", "Dee Coy", "https://x.org/c.pdf")]
    found = match(index, "Masked autoencoders are scalable vision learners", "Kaiming He",
                  "CVPR", 2022)
    assert found.state == "found" and found.pdf == "https://x.org/a.pdf"
    assert match(index, "Masked autoencoders are scalable vision", "Kaiming He", "CVPR",
                 2022).state == "miss"
    other = match(index, "Attention is all you need", "Ashish Vaswani", "NeurIPS", 2017)
    assert other.state == "miss" and "another first author" in other.detail
    twice = [*index, _paper("Masked Autoencoders Are Scalable Vision Learners", "Kaiming He",
                            "https://x.org/d.pdf")]
    assert match(twice, "Masked autoencoders are scalable vision learners", "Kaiming He",
                 "CVPR", 2022).state == "miss"
    # A title that changed its ending between versions, with the same first author.
    nets = [_paper("Generative Adversarial Nets", "Ian Goodfellow")]
    assert match(nets, "Generative adversarial networks", "Ian J. Goodfellow", "NeurIPS",
                 2014).state == "found"


@pytest.mark.parametrize(("printed", "venue"), [
    ("Proceedings of the IEEE/CVF conference on computer vision and pattern recognition", "CVPR"),
    ("In CVPR, 2022", "CVPR"), ("Advances in neural information processing systems", "NeurIPS"),
    ("NIPS 2017", "NeurIPS"), ("International conference on machine learning. PMLR", "ICML"),
    ("European conference on computer vision. Cham: Springer", "ECCV"),
    ("Proceedings of the IEEE/CVF international conference on computer vision", "ICCV"),
    ("arXiv preprint arXiv:2204.06125", None), ("Computer Science", None),
    # As the CVPR template and IEEE's abbreviations print them (LDM's own references).
    ("In IEEE Conf. Comput. Vis. Pattern Recog., pages 4401- 4410, 2019", "CVPR"),
    ("in Proc. IEEE/CVF Conf. Comput. Vis. Pattern Recognit. (CVPR), 2017", "CVPR"),
    ("In Adv. Neural Inform. Process. Syst., pages 6626- 6637, 2017", "NeurIPS"),
    ("in Proc. Adv. Neural Inf. Process. Syst., 2018", "NeurIPS"),
    ("In Int. Conf. Learn. Represent., 2019. 1, 2, 7", "ICLR"),
    ("in Int. Conf. Mach. Learn., pp. 448-456, 2015", "ICML"),
    ("in Proc. Eur. Conf. Comput. Vis. (ECCV), 2016", "ECCV"),
    ("in Proc. IEEE/CVF Int. Conf. Comput. Vis., 2021", "ICCV"),
    ("In AISTATS, 2010.", "AISTATS"),
    ("In International Conference on Artificial Intelligence and Statistics, 2010", "AISTATS"),
    ("In Proceedings of the Fifteenth conference on Uncertainty in artificial intelligence",
     "UAI"),
    ("In Proceedings of the IEEE/CVF Winter Conference on Applications of Computer Vision",
     "WACV"),
    # The ACL Anthology's venues; Findings are on their conference's event page, the
    # joint COLING-ACL meetings in the ACL's volumes, TACL is a journal.
    ("In Proceedings of the 2019 Conference of the North American Chapter of the "
     "Association for Computational Linguistics: Human Language Technologies", "NAACL"),
    ("Findings of the Association for Computational Linguistics: EMNLP 2020", "EMNLP"),
    ("In Proceedings of the 21st International Conference on Computational Linguistics and "
     "44th Annual Meeting of the Association for Computational Linguistics", "ACL"),
    ("In Proceedings of the 28th International Conference on Computational Linguistics",
     "COLING"),
    ("In Proc. Conf. Eur. Chapter Assoc. Comput. Linguistics, 2021", "EACL"),
    ("Transactions of the Association for Computational Linguistics, 8:64-77", None),
    # PMLR's name for its series is not a venue; the meeting's is.
    ("In Proceedings of The 7th Conference on Robot Learning, volume 229 of Proceedings of "
     "Machine Learning Research, pages 540–562. PMLR, 2023", "CoRL"),
    ("In Conf. Robot Learn., 2021", "CoRL"),
    ("Proceedings of Machine Learning and Systems, 5, 2023", "MLSys"), ("In SysML, 2019",
                                                                       "MLSys"),
    # PMLR's meetings the table does not name are the series' ('L4DC' is not a venue
    # of the table); the ones it names stay theirs.
    ("In Proceedings of the 5th Annual Learning for Dynamics and Control Conference, "
     "volume 211 of Proceedings of Machine Learning Research, 2023", "PMLR"),
    ("International conference on machine learning. PMLR, 2020", "ICML"),
    ("In Proc. 37th Int. Conf. Machine Learning, PMLR 119:1691-1703, 2020", "ICML"),
    # Journals have no index, JMLR aside: named, but not looked up.
    ("Int. J. Comput. Vis., vol. 115, 2015", None), ("JMLR, 2020.", "JMLR"),
    ("The Journal of Machine Learning Research, 15(1):1929-1958", "JMLR"),
    ("IEEE Trans. Pattern Anal. Mach. Intell., 2017", None),
    # A list's own venue field.
    ("NeurIPS", "NeurIPS"), ("nips", "NeurIPS"), ("aistats", "AISTATS"), ("JMLR", "JMLR"),
    ("IJCV", None)])
def test_the_venue_a_citation_names(printed: str, venue: str | None) -> None:
    assert venue_of(printed) == venue


def test_an_aistats_and_an_abbreviated_cvpr_citation_find_their_copies(runner,
                                                                      tmp_path) -> None:
    """Two venues that were read only in full before: AISTATS (PMLR volume 9, 2010) and
    CVPR as the CVPR template abbreviates it. Each finds its own copy; the decoy with
    another first author is not taken."""
    from types import SimpleNamespace

    from tests.httpserver import Host
    from tests.venue_standins import cvf_listing, pmlr_citeproc

    glorot = SimpleNamespace(title="Understanding the difficulty of training deep "
                                   "feedforward neural networks",
                             authors=("Xavier Glorot", "Yoshua Bengio"))
    stylegan = SimpleNamespace(title="A style-based generator architecture for generative "
                                     "adversarial networks",
                               authors=("Tero Karras", "Samuli Laine", "Timo Aila"))
    decoy = SimpleNamespace(title=glorot.title, authors=("Zed Decoy",))
    pmlr_host, cvf_host = Host("proceedings.mlr.press"), Host("openaccess.thecvf.com")
    try:
        pdf = "https://proceedings.mlr.press/v9/glorot10a/glorot10a.pdf"
        pmlr_host.add("/v9/assets/bib/citeproc.yaml",
                      pmlr_citeproc([(decoy, "https://proceedings.mlr.press/v9/z/z.pdf"),
                                     (glorot, pdf)], 9), content_type="text/yaml")
        href = "/content_CVPR_2019/papers/Karras_A_Style-Based_CVPR_2019_paper.pdf"
        cvf_host.add("/CVPR2019", cvf_listing([(stylegan, href)], 2019),
                     content_type="text/html")
        result, made = _init_text(
            runner, tmp_path, "References\n"
            "[1] Xavier Glorot and Yoshua Bengio. Understanding the difficulty of training "
            "deep feedforward neural networks. In AISTATS, 2010.\n"
            "[2] Tero Karras, Samuli Laine, and Timo Aila. A style-based generator "
            "architecture for generative adversarial networks. In IEEE Conf. Comput. Vis. "
            "Pattern Recog., pages 4401-4410, 2019.\n",
            pmlr_host, cvf_host)
        assert made.find("1").urls[0] == pdf, result.output
        assert made.find("1").venue == "AISTATS"
        assert made.find("2").urls[0] == "https://openaccess.thecvf.com" + href
        assert made.find("2").venue == "CVPR"
        # One request per index page: PMLR's volume, CVPR 2019's pages by day.
        assert len(pmlr_host.log) == 1
        assert len(cvf_host.log) == len(index_urls("CVPR", 2019))
    finally:
        pmlr_host.stop()
        cvf_host.stop()


@pytest.mark.parametrize("pdf", [
    "https://attacker.example/v9/glorot10a.pdf", "http://169.254.169.254/latest/x.pdf",
    "file:///etc/passwd", "javascript:alert(1)", "https://proceedings.mlr.press.evil.org/a.pdf",
    "https://raw.githubusercontent.com/someone/v9/main/glorot10a.pdf"])
def test_an_index_is_believed_about_its_own_site_only(runner, tmp_path, pdf: str) -> None:
    """A PDF an index links off its venue's site is no venue copy, whoever served the
    page (a mirror, a cache, a hijacked host): the citation keeps arXiv's and its own
    URLs, and a page that lists nothing else is unavailable, not a list of nothing."""
    from types import SimpleNamespace

    from tests.httpserver import Host
    from tests.venue_standins import pmlr_citeproc

    glorot = SimpleNamespace(title="Understanding the difficulty of training deep "
                                   "feedforward neural networks",
                             authors=("Xavier Glorot", "Yoshua Bengio"))
    other = SimpleNamespace(title="Another paper of the volume", authors=("Ann Other",))
    ok = "https://raw.githubusercontent.com/mlresearch/v9/main/assets/o/o.pdf"
    host = Host("proceedings.mlr.press")
    try:
        host.add("/v9/assets/bib/citeproc.yaml",
                 pmlr_citeproc([(glorot, pdf), (other, ok)], 9), content_type="text/yaml")
        result, made = _init_text(
            runner, tmp_path, "References\n"
            "[1] Xavier Glorot and Yoshua Bengio. Understanding the difficulty of training "
            "deep feedforward neural networks. In AISTATS, 2010.\n"
            "[2] Ann Other. Another paper of the volume. In AISTATS, 2010.\n", host)
        assert made.find("1").urls == (), result.output
        assert made.find("2").urls == (ok,)  # where the source's files are: PMLR's GitHub
        assert pdf not in (tmp_path / "new.yaml").read_text(encoding="utf-8")
    finally:
        host.stop()


@pytest.mark.parametrize(("pdf", "ok"), [
    ("https://a.org/x.pdf", True), ("http://a.org/x.pdf", True), ("https://A.ORG/x.pdf", True),
    ("https://a.org:8443/x.pdf", True), ("https://a.org@evil.com/x.pdf", False),
    ("https://evil.com/a.org/x.pdf", False), ("https://evil.com/?a.org", False),
    ("https://a.org.evil.com/x.pdf", False), ("https://a.org./x.pdf", False),
    ("ftp://a.org/x.pdf", False), ("//a.org/x.pdf", False), ("a.org/x.pdf", False),
    ("https://gh.io/lab/v1/x.pdf", True), ("https://gh.io/lab/../evil/x.pdf", False),
    ("https://gh.io/lab/%2e%2e/evil/x.pdf", False), ("https://gh.io/evil/lab/x.pdf", False),
    ("https://gh.io/labs/x.pdf", False)])
def test_on_site_is_the_host_or_the_folder_a_source_names(pdf: str, ok: bool) -> None:
    from sora_refs.bibliography.resolvers.venues import on_site

    assert on_site(pdf, {"a.org", "gh.io/lab/"}) is ok


@given(host=st.from_regex(r"[a-z0-9.-]{1,30}", fullmatch=True),
       path=st.text(alphabet="abc./%2e", max_size=20))
def test_on_site_never_admits_another_host(host: str, path: str) -> None:
    from sora_refs.bibliography.resolvers.venues import on_site

    if on_site(f"https://{host}/{path}", {"a.org", "gh.io/lab/"}):
        assert host in ("a.org", "gh.io")


def test_a_corl_citation_by_either_year_and_an_mlsys_one_find_their_copies(runner,
                                                                          tmp_path) -> None:
    """CoRL 2022 is PMLR's volume 205 of 2023: cited by its meeting's year it is found in
    v205, cited by the volume's year too, and that year asks CoRL 2023's v229 as well.
    MLSys runs the NeurIPS proceedings software, its PDF is the index's own link."""
    from types import SimpleNamespace

    from tests.httpserver import Host
    from tests.venue_standins import neurips_index, pmlr_citeproc

    nair = SimpleNamespace(title="R3M: A universal visual representation for robot "
                                 "manipulation", authors=("Suraj Nair", "Aravind Rajeswaran"))
    fedprox = SimpleNamespace(title="Federated optimization in heterogeneous networks",
                              authors=("Tian Li", "Anit Kumar Sahu"))
    other = SimpleNamespace(title="A paper of CoRL 2023", authors=("Ann Other",))
    pdf = "https://proceedings.mlr.press/v205/nair23a/nair23a.pdf"
    h = "1f5fe83998a09396ebe6477d9475ba0c"
    pmlr_host, mlsys_host = Host("proceedings.mlr.press"), Host("proceedings.mlsys.org")
    try:
        pmlr_host.add("/v205/assets/bib/citeproc.yaml", pmlr_citeproc([(nair, pdf)], 205),
                      content_type="text/yaml")
        pmlr_host.add("/v229/assets/bib/citeproc.yaml",
                      pmlr_citeproc([(other, "https://proceedings.mlr.press/v229/o/o.pdf")],
                                    229), content_type="text/yaml")
        mlsys_host.add("/paper_files/paper/2020", neurips_index(
            [(fedprox, f"/paper_files/paper/2020/hash/{h}-Abstract.html")], 2020),
            content_type="text/html")
        result, made = _init_text(
            runner, tmp_path, "References\n"
            "[1] Suraj Nair and Aravind Rajeswaran. R3M: A universal visual representation "
            "for robot manipulation. In Proceedings of The 6th Conference on Robot "
            "Learning, volume 205 of Proceedings of Machine Learning Research, pages "
            "892-909. PMLR, 2022.\n"
            "[2] S. Nair and A. Rajeswaran. R3M: A universal visual representation for "
            "robot manipulation. In CoRL, 2023.\n"
            "[3] Tian Li and Anit Kumar Sahu. Federated optimization in heterogeneous "
            "networks. Proceedings of Machine Learning and Systems, 2:429-450, 2020.\n",
            pmlr_host, mlsys_host)
        assert [r.venue for r in made.references] == ["CoRL", "CoRL", "MLSys"], result.output
        assert made.references[0].urls[0] == made.references[1].urls[0] == pdf
        assert made.references[2].urls[0] == (
            f"https://proceedings.mlsys.org/paper_files/paper/2020/file/{h}-Paper.pdf")
        # 2022 asks v205 and v164 (CoRL 2021, dated 2022), 2023 v229 and v205 again:
        # each volume once.
        assert sorted(e.path for e in pmlr_host.log) == [
            f"/v{v}/assets/bib/citeproc.yaml" for v in (164, 205, 229)]
        assert len(mlsys_host.log) == 1
    finally:
        pmlr_host.stop()
        mlsys_host.stop()


def test_a_pmlr_volume_a_citation_prints_is_read_whatever_its_meeting(runner,
                                                                      tmp_path) -> None:
    """L4DC is no venue of the table, but its citation names PMLR's volume 211: that
    volume is asked, once for both of its citations, and the paper found there."""
    from types import SimpleNamespace

    from tests.httpserver import Host
    from tests.venue_standins import pmlr_citeproc

    paper = SimpleNamespace(title="Learning to control with a physics prior",
                            authors=("Ada Lovelace", "Alan Turing"))
    other = SimpleNamespace(title="Safe exploration for linear systems",
                            authors=("Grace Hopper",))
    pdf = "https://proceedings.mlr.press/v211/lovelace23a/lovelace23a.pdf"
    host = Host("proceedings.mlr.press")
    try:
        host.add("/v211/assets/bib/citeproc.yaml", pmlr_citeproc(
            [(paper, pdf), (other, "https://proceedings.mlr.press/v211/h/h.pdf")], 211),
            content_type="text/yaml")
        result, made = _init_text(
            runner, tmp_path, "References\n"
            "[1] Ada Lovelace and Alan Turing. Learning to control with a physics prior. In "
            "Proceedings of the 5th Annual Learning for Dynamics and Control Conference, "
            "volume 211 of Proceedings of Machine Learning Research, pages 1-12. PMLR, 2023.\n"
            "[2] Grace Hopper. Safe exploration for linear systems. In L4DC, PMLR "
            "211:13-25, 2023.\n"
            "[3] Ann Other. A paper of no volume. In Proceedings of Machine Learning "
            "Research, 2023.\n", host)
        assert [r.venue for r in made.references] == ["PMLR"] * 3, result.output
        assert made.find("1").urls[0] == pdf
        assert made.find("2").urls[0] == "https://proceedings.mlr.press/v211/h/h.pdf"
        assert made.find("3").urls == ()
        assert len(host.log) == 1
    finally:
        host.stop()


def test_the_progress_names_the_page_it_reads(tmp_path) -> None:
    """A volume the citation prints is named as such (JMLR's '12:2121-2159, 2010' is
    volume 12, of 2011: 'the JMLR 2010 index' would be wrong), here PMLR's 119."""
    from types import SimpleNamespace

    from sora_refs.bibliography.resolvers.venues import VenueFinder
    from sora_refs.net.mirrors import parse_mirrors
    from tests.httpserver import Host
    from tests.venue_standins import pmlr_citeproc

    paper = SimpleNamespace(title="Generative pretraining from pixels",
                            authors=("Mark Chen",))
    host = Host("proceedings.mlr.press")
    pdf = "https://proceedings.mlr.press/v119/chen20s/chen20s.pdf"
    host.add("/v119/assets/bib/citeproc.yaml", pmlr_citeproc([(paper, pdf)], 119),
             content_type="text/yaml")
    lines: list[str] = []
    try:
        finder = VenueFinder(parse_mirrors([f"https://proceedings.mlr.press={host.url}"]),
                             cache=tmp_path, progress=lines.append)
        found = finder.find([(1, paper.title, "Mark Chen", 2020, "ICML",
                              "In ICML, volume 119 of Proceedings of Machine Learning "
                              "Research, pages 1691-1703. PMLR, 2020.")])
        assert found[1].pdf == pdf
        assert lines[0] == "reading ICML volume 119 (the volume cited) at proceedings.mlr.press"
    finally:
        host.stop()


def test_index_urls_follow_each_sites_rule() -> None:
    from sora_refs.bibliography.resolvers.venues import index_urls

    assert index_urls("CVPR", 2023) == ("https://openaccess.thecvf.com/CVPR2023?day=all",)
    assert index_urls("CVPR", 2018) == ("https://openaccess.thecvf.com/CVPR2018.py",)
    assert index_urls("CVPR", 2020) == tuple(  # split by day: one page per day
        f"https://openaccess.thecvf.com/CVPR2020?day=2020-06-{d}" for d in (16, 17, 18))
    assert index_urls("CVPR", 2019)[0] == "https://openaccess.thecvf.com/CVPR2019?day=2019-06-18"
    assert index_urls("ICCV", 2019) == ("https://openaccess.thecvf.com/ICCV2019?day=all",)
    assert index_urls("CVPR", 2012) == ()
    assert index_urls("ICML", 2020) == (
        "https://proceedings.mlr.press/v119/assets/bib/citeproc.yaml",)
    assert neurips.index_url("NeurIPS", 2017) == \
        "https://proceedings.neurips.cc/paper_files/paper/2017"
    assert neurips.index_url("ICLR", 2025) == "https://proceedings.iclr.cc/paper_files/paper/2025"
    assert neurips.index_url("ICLR", 2021) is None  # OpenReview only
    assert pmlr.index_urls("ICML", 2020) == [
        "https://proceedings.mlr.press/v119/assets/bib/citeproc.yaml"]
    assert pmlr.index_urls("ICML", 1999) == []
    assert ecva.index_url("ECCV", 2022) == "https://www.ecva.net/papers.php"
    assert index_urls("NAACL", 2019) == ("https://aclanthology.org/events/naacl-2019/",)
    assert index_urls("EMNLP", 2009) == ("https://aclanthology.org/events/emnlp-2009/",)
    pmlr_v = "https://proceedings.mlr.press/v{}/assets/bib/citeproc.yaml".format
    assert index_urls("CoRL", 2023) == (pmlr_v(229), pmlr_v(205))  # 2023's, and 2022's
    assert index_urls("CoRL", 2017) == (pmlr_v(78),)
    assert index_urls("CoRL", 2025) == (pmlr_v(270),)  # CoRL 2024, dated 2025
    assert index_urls("CoRL", 2016) == ()
    assert index_urls("MLSys", 2023) == ("https://proceedings.mlsys.org/paper_files/paper/2023",)
    assert index_urls("MLSys", 2018) == ()
    # The volume a citation prints is asked first: JMLR's own numbers, any PMLR volume.
    jm = "https://jmlr.org/papers/v{}/".format
    assert index_urls("JMLR", 2010, "Duchi. Adaptive subgradient methods. Journal of "
                      "Machine Learning Research, 12:2121– 2159, 2010.") == (jm(12), jm(11))
    assert index_urls("JMLR", 2014, "JMLR, 15(1):1929–1958, 2014") == (jm(15),)
    assert index_urls("JMLR", 2011, "Journal of Machine Learning Research, 2011.") == (jm(12),)
    assert index_urls("JMLR", 2005, "J. Mach. Learn. Res. 40:1-9, 2005") == (jm(6),)  # no v40
    assert index_urls("ICML", 2020, "In ICML, volume 119 of Proceedings of Machine Learning "
                      "Research, pages 1691–1703, 2020") == (pmlr_v(119),)
    assert index_urls("PMLR", 2023, "In L4DC, volume 211 of Proceedings of Machine "
                      "Learning Research, 2023") == (pmlr_v(211),)
    assert index_urls("PMLR", 2023, "In L4DC, PMLR 211:1-12, 2023") == (pmlr_v(211),)
    assert index_urls("AISTATS", 2010, "In AISTATS, JMLR W&CP 9, 2010") == (pmlr_v(9),)
    assert index_urls("PMLR", 2023, "https://proceedings.mlr.press/v211/x23a.html") == (
        pmlr_v(211),)
    assert index_urls("PMLR", 2023, "Proceedings of Machine Learning Research, 2023") == ()


def test_a_broken_pmlr_index_is_unavailable_not_empty() -> None:
    from sora_refs.bibliography.resolvers.venues import Unavailable

    with pytest.raises(Unavailable):
        pmlr.parse(b"- title: [unclosed\n  PDF: x", "u", 2020)
    assert pmlr.parse(b"- title: T\n  PDF: https://p.org/a.pdf\n  author:\n  - {given: A, "
                      b"family: B}\n- not a paper\n", "u", 2020) == [
        Paper("T", ("A B",), "https://p.org/a.pdf")]


# ---------------------------------------------------------------- the real samples

needs_samples = pytest.mark.skipif(not SAMPLES.is_dir(), reason="../shared/venues is absent")


@needs_samples
def test_the_real_cvf_listings_of_2026_and_2020_read() -> None:
    papers = cvf.parse((SAMPLES / "cvf_cvpr2026_listing_fixture_hallucinator.html").read_bytes(),
                       "https://openaccess.thecvf.com/CVPR2026?day=all", 2026)
    assert papers[0].authors == ("Jie Xiao", "Tianzhu Zhang")
    assert papers[0].pdf.startswith("https://openaccess.thecvf.com/content/CVPR2026/papers/")
    snippet = (SAMPLES / "cvf_cvpr2020_listing_entry_snippet_xieldy.txt").read_text()
    old = cvf.parse(f"<dl>{snippet}</dl>".encode(),
                    "https://openaccess.thecvf.com/CVPR2020?day=2020-06-16", 2020)
    assert old[0].authors[1] == "Christian Rupprecht"  # the leading space of 2020 gone
    assert old[0].pdf == ("https://openaccess.thecvf.com/content_CVPR_2020/papers/Wu_Unsupervi"
                          "sed_Learning_of_Probably_Symmetric_Deformable_3D_Objects_From_Images"
                          "_CVPR_2020_paper.pdf")


@needs_samples
def test_the_real_neurips_and_ecva_pages_read() -> None:
    (paper,) = neurips.parse((SAMPLES / "neurips_2025_index_fixture_hallucinator.html")
                             .read_bytes(), "https://proceedings.neurips.cc/paper_files/paper/"
                             "2025", 2025)
    assert paper.pdf == ("https://proceedings.neurips.cc/paper_files/paper/2025/file/"
                         "0010031a1b4910aa67edbda26a705518-Paper-Conference.pdf")
    assert paper.authors[0] == "Jarren Zhuoran Qiao"
    (eccv,) = ecva.parse((SAMPLES / "ecva_papers_php_listing_fixture.html").read_bytes(),
                         ecva.URL, 2024)
    assert eccv.title == "Is Retain Set All You Need in Machine Unlearning?"
    assert eccv.authors == ("Jacopo Bonato", "Marco Cotogni", "Luigi Sabetta")
    assert eccv.pdf == "https://www.ecva.net/papers/eccv_2024/papers_ECCV/papers/00004.pdf"


@needs_samples
def test_the_real_pmlr_post_reads_as_its_index_would() -> None:
    import yaml

    post = yaml.safe_load((SAMPLES / "pmlr_v119_post_chen20s_generative_pretraining_from_pixels"
                           ".md").read_text().split("---")[1])
    post["PDF"] = post.pop("pdf")
    (paper,) = pmlr.parse(yaml.safe_dump([post]).encode(), "u", 2020)
    assert paper.pdf == "http://proceedings.mlr.press/v119/chen20s/chen20s.pdf"
    assert match([paper], "Generative pretraining from pixels", "Mark Chen", "ICML",
                 2020).state == "found"


# ---------------------------------------------------------------- an existing list


def test_venues_names_every_difference_and_writes_only_with_consent(runner, tmp_path, venues,
                                                                    real_manifest) -> None:
    from tests.conftest import REAL_MANIFEST

    text = REAL_MANIFEST.read_text(encoding="utf-8")
    mae = "      - https://openaccess.thecvf.com/content/CVPR2022/papers/He_Masked_Autoencoders_" \
          "Are_Scalable_Vision_Learners_CVPR_2022_paper.pdf\n"
    assert mae in text
    text = text.replace(mae, "")  # 17: the venue copy missing
    nips = ("      - https://proceedings.neurips.cc/paper_files/paper/2017/file/3f5ee243547dee91"
            "fbd053c1c4a845aa-Paper.pdf\n")
    arx = "      - https://arxiv.org/pdf/1706.03762\n"
    assert nips + arx in text
    text = text.replace(nips + arx, arx + nips)  # 13: the venue copy after arXiv's
    mine = tmp_path / "mine.yaml"
    mine.write_text(text, encoding="utf-8")
    result = runner.invoke(app, ["-m", str(mine), "venues", "--json", *venues.mirrors()])
    assert result.exit_code == 1, result.output
    states = {r["n"]: r["state"] for r in json.loads(result.stdout)["references"]}
    assert states[17] == "missing" and states[13] == "listed later"
    others = {n: s for n, s in states.items() if n not in (13, 17)}
    assert set(others.values()) == {"agrees"} and len(others) == 17
    assert mine.read_text(encoding="utf-8") == text  # nothing written without --write
    result = runner.invoke(app, ["-m", str(mine), "venues", "--write", *venues.mirrors()])
    assert result.exit_code == 0, result.output
    assert "Put the venue copy first for 2 reference(s)" in result.output
    after = load_manifest(mine)
    assert after.find("17").urls == real_manifest.find("17").urls
    assert after.find("13").urls == real_manifest.find("13").urls
    written = mine.read_text(encoding="utf-8")
    assert written.count("\n#") == text.count("\n#")  # every comment kept
    again = runner.invoke(app, ["-m", str(mine), "venues", "--json", *venues.mirrors()])
    assert again.exit_code == 0
    assert {r["state"] for r in json.loads(again.stdout)["references"]} == {"agrees"}


def test_the_bundled_list_agrees_with_the_indexes_and_is_never_edited(runner, venues) -> None:
    result = runner.invoke(app, ["venues", "--json", *venues.mirrors()])
    assert result.exit_code == 0, result.output
    assert {r["state"] for r in json.loads(result.stdout)["references"]} == {"agrees"}
    refused = runner.invoke(app, ["venues", "--write", *venues.mirrors()])
    assert refused.exit_code == 2 and "bundled refs.yaml" in refused.output


# ---------------------------------------------------------------- a real paper's PDF

REAL_PDFS = SHARED / "realpdfs"


@pytest.mark.skipif(not (REAL_PDFS / "2112.10752.pdf").exists(), reason="../shared is absent")
def test_a_real_pdfs_citations_find_their_venue_copies(runner, tmp_path) -> None:
    """LDM's 109 references as its PDF prints them: every one cited at CVPR, ICCV,
    NeurIPS, ICML or ECCV in a year with an index finds its copy, none a wrong one. The
    indexes are built from what the PDF's entries say (the test is of reading venue,
    year and first author off real text, and of the URL rules), with decoys beside."""
    from types import SimpleNamespace
    from urllib.parse import urlsplit

    from sora_refs.bibliography.citations import extract, merge_duplicates
    from sora_refs.bibliography.source import read_source
    from tests.httpserver import Host
    from tests.venue_standins import cvf_listing, ecva_page, neurips_index, pmlr_citeproc

    src = REAL_PDFS / "2112.10752.pdf"
    cites = merge_duplicates(extract(read_source(str(src), [], lambda: None, lambda m: None)))
    groups: dict[tuple[str, int], list] = {}
    for c in cites:
        venue = venue_of(c.venue)
        if venue and c.year and c.authors and c.title:
            groups.setdefault((venue, c.year), []).append(c)
    module = {"CVPR": cvf, "ICCV": cvf, "WACV": cvf, "NeurIPS": neurips, "ICML": pmlr,
              "ECCV": ecva, "ICLR": neurips, "AISTATS": pmlr, "UAI": pmlr, "COLT": pmlr}
    hosts: dict[str, Host] = {}
    expected: dict[str, str] = {}  # printed title -> the venue URL the index links
    ecva_years: dict[int, list] = {}
    for (venue, year), group in groups.items():
        pages = index_urls(venue, year)
        if not pages:
            continue
        url = pages[0]
        site = "{0.scheme}://{0.netloc}".format(urlsplit(url))
        host = hosts.setdefault(site, Host(urlsplit(url).hostname or site))
        refs = [SimpleNamespace(title=c.title, authors=tuple(c.authors)) for c in group]
        decoy = SimpleNamespace(title=group[0].title, authors=("Zed Decoy",))
        path = urlsplit(url).path + (f"?{urlsplit(url).query}" if urlsplit(url).query else "")
        if module[venue] is cvf:
            hrefs = [f"/content/{venue}{year}/papers/P{i}_{venue}_{year}_paper.pdf"
                     for i in range(len(refs) + 1)]
            listed = list(zip([*refs, decoy], hrefs, strict=True))
            for k, page in enumerate(pages):  # a day's page each, when split by day
                day = urlsplit(page)
                host.add(day.path + (f"?{day.query}" if day.query else ""),
                         cvf_listing([listed[-1], *listed[k::len(pages)]], 2023),
                         content_type="text/html")
            links = [f"{site}{h}" for h in hrefs]
        elif module[venue] is neurips:
            hrefs = [f"/paper_files/paper/{year}/hash/{i:032x}-Abstract.html"
                     for i in range(len(refs) + 1)]
            host.add(path, neurips_index(list(zip([*refs, decoy], hrefs, strict=True)), 2020),
                     content_type="text/html")
            links = [f"{site}/paper_files/paper/{year}/file/{i:032x}-Paper.pdf"
                     for i in range(len(refs) + 1)]
        elif module[venue] is pmlr:
            links = [f"{site}/v1/p{year}{i}/p{year}{i}.pdf" for i in range(len(refs) + 1)]
            host.add(path, pmlr_citeproc(list(zip([*refs, decoy], links, strict=True)), 1),
                     content_type="text/yaml")
        else:
            links = [f"{site}/papers/eccv_{year}/papers_ECCV/papers/{i:05d}.pdf"
                     for i in range(len(refs) + 1)]
            ecva_years[year] = list(zip([*refs, decoy],
                                        [u.removeprefix(site + "/") for u in links],
                                        strict=True))
            host.add(path, ecva_page(ecva_years), content_type="text/html")
        for c, link in zip(group, links, strict=False):
            expected.setdefault(c.title, link)
    try:
        mirrors = ["--mirror", "https://export.arxiv.org=http://127.0.0.1:9"]
        for site, host in hosts.items():
            mirrors += ["--mirror", f"{site}={host.url}"]
        out = tmp_path / "ldm.yaml"
        result = runner.invoke(app, ["init", str(out), "--from", str(src), "--delay", "0",
                                     "--json", *mirrors])
        assert result.exit_code == 1, result.output  # arXiv is offline here
        made = load_manifest(out)
        venue_hosts = {urlsplit(s).hostname for s in hosts}
        found = wrong = 0
        for ref in made.references:
            first = ref.urls[0] if ref.urls else ""
            if urlsplit(first).hostname in venue_hosts:
                if first in expected.values():
                    found += 1
                else:
                    wrong += 1
        assert wrong == 0
        assert len(expected) >= 20 and found == len(expected), (found, len(expected))
        asked = {u for (v, y) in groups for u in index_urls(v, y)}
        assert sum(len(h.log) for h in hosts.values()) == len(asked)  # one each
    finally:
        for h in hosts.values():
            h.stop()


def test_a_stale_ecva_page_still_serves_when_its_host_is_down(tmp_path, real_manifest) -> None:
    import os

    from sora_refs.bibliography.resolvers.venues import VenueFinder
    from sora_refs.net.mirrors import parse_mirrors

    v = Venues(real_manifest)
    try:
        up = parse_mirrors([f"https://www.ecva.net={v.host('https://www.ecva.net').url}"])
        wanted = [(9, "NÜWA: Visual Synthesis Pre-training for Neural visUal World creAtion",
                   "Chenfei Wu", 2022, "ECCV", "")]
        first = VenueFinder(up, cache=tmp_path)
        assert first.find(wanted)[9].state == "found"
        for slot in tmp_path.iterdir():  # eight days old: due a refresh
            os.utime(slot, (slot.stat().st_mtime - 8 * 86400,) * 2)
    finally:
        v.stop()  # the same host, now down
    down = VenueFinder(up, cache=tmp_path)
    copy = down.find(wanted)[9]
    assert copy.state == "found" and down.cached == 1 and "www.ecva.net" in down.unavailable


def test_cvpr_2020_is_read_from_its_three_day_pages(tmp_path) -> None:
    """CVPR 2019 and 2020 have no single listing (issue 18): one page per conference day,
    in the 2020 layout (relative hrefs, ``query`` inputs with a leading space). Each page
    is asked once and kept; a day that cannot be read makes the year unavailable, never
    a miss, for the paper may be on it."""
    from types import SimpleNamespace

    from sora_refs.bibliography.resolvers.venues import VenueFinder
    from sora_refs.net.mirrors import parse_mirrors
    from tests.httpserver import Host
    from tests.venue_standins import cvf_listing

    def paper(title: str, *authors: str) -> SimpleNamespace:
        return SimpleNamespace(title=title, authors=authors)

    days = [[(paper("Deep Snake for Real-Time Instance Segmentation", "Sida Peng"),
              "content_CVPR_2020/papers/Peng_Deep_Snake_CVPR_2020_paper.pdf")],
            [(paper("Unsupervised Learning of Probably Symmetric Deformable 3D Objects From "
                    "Images in the Wild", "Shangzhe Wu", "Christian Rupprecht"),
              "content_CVPR_2020/papers/Wu_Unsupervised_Learning_CVPR_2020_paper.pdf")],
            [(paper("Momentum Contrast for Unsupervised Visual Representation Learning",
                    "Kaiming He"), "content_CVPR_2020/papers/He_Momentum_CVPR_2020_paper.pdf")]]
    host = Host("openaccess.thecvf.com")
    for day, entries in zip((16, 17, 18), days, strict=True):
        host.add(f"/CVPR2020?day=2020-06-{day}", cvf_listing(entries, 2020),
                 content_type="text/html")
    mirrors = parse_mirrors([f"https://openaccess.thecvf.com={host.url}"])
    wanted = [(1, "Unsupervised learning of probably symmetric deformable 3D objects from "
                  "images in the wild", "Shangzhe Wu", 2020, "CVPR", ""),
              (2, "Momentum contrast for unsupervised visual representation learning",
               "Kaiming He", 2020, "CVPR", ""),
              (3, "A paper CVPR 2020 never had", "Nobody", 2020, "CVPR", "")]
    try:
        finder = VenueFinder(mirrors, cache=tmp_path / "c1")
        copies = finder.find(wanted)
        assert copies[1].state == "found" and copies[1].pdf == (
            "https://openaccess.thecvf.com/content_CVPR_2020/papers/"
            "Wu_Unsupervised_Learning_CVPR_2020_paper.pdf")
        assert copies[2].state == "found" and "He_Momentum" in copies[2].pdf
        assert copies[3].state == "miss"
        assert sorted(r.path for r in host.log) == [
            f"/CVPR2020?day=2020-06-{d}" for d in (16, 17, 18)]
        again = VenueFinder(mirrors, cache=tmp_path / "c1")
        assert again.find(wanted)[1].state == "found" and len(host.log) == 3
        host.resources["/CVPR2020?day=2020-06-18"].faults = ["403"] * 5
        fresh = VenueFinder(mirrors, cache=tmp_path / "c2")
        copies = fresh.find(wanted)
        assert {c.state for c in copies.values()} == {"unavailable"}, copies
    finally:
        host.stop()


# ---------------------------------------------------------------- the ACL Anthology

def _work(title: str, *authors: str):  # a paper as a stand-in page lists it
    from types import SimpleNamespace

    return SimpleNamespace(title=title, authors=authors)


BERT = _work("BERT: Pre-training of Deep Bidirectional Transformers for Language "
              "Understanding", "Jacob Devlin", "Ming-Wei Chang", "Kenton Lee",
              "Kristina Toutanova")


@pytest.mark.parametrize("era", [2026, 2019])
def test_an_acl_event_page_reads_every_paper_with_its_own_pdf(era: int) -> None:
    """Both layouts; the title's fixed-case spans joined as printed; the volume's own
    links, an abstract-only entry and the abstracts' text are no papers."""
    from sora_refs.bibliography.resolvers import acl
    from tests.venue_standins import acl_event, acl_id

    host = "https://aclanthology.org" if era >= 2024 else "https://www.aclweb.org/anthology"
    bert, short, demo = acl_id("naacl", 2019, 423), acl_id("naacl", 2019, 5), "N19-4001"
    page = acl_event({
        "N19-1": [(BERT, bert, f"{host}/{bert}.pdf"),
                  (_work("Abstract Only", "Al Other"), short, None)],
        "N19-4": [(_work("A Demo of Things", "Dee Coy", "Jacob Devlin"), demo,
                   f"{host}/{demo}v2.pdf")],
    }, era)
    papers = acl.parse(page, "https://aclanthology.org/events/naacl-2019/", 2019)
    assert papers == [
        Paper(BERT.title, BERT.authors, f"{host}/{bert}.pdf"),
        Paper("A Demo of Things", ("Dee Coy", "Jacob Devlin"), f"{host}/{demo}v2.pdf")]


@needs_samples
def test_the_real_acl_paper_pages_markup_reads_as_an_event_entry() -> None:
    """The Anthology's own markup (the saved 2021.naacl-main.208 page: unquoted hrefs,
    '/people/.../unverified/' links, the title linking its PDF) put in the event page's
    entry as papers/list-entry.html lays it out."""
    import re

    from sora_refs.bibliography.resolvers import acl

    real = (SAMPLES / "acl_paper_page_2021.naacl-main.208_papis.html").read_text("utf-8")
    title = re.search(r"<h2 id=title>(<a href=[^>]+>.*?</a>)</h2>", real).group(1)
    people = re.search(r"<p class=lead>(.*?)</p>", real, re.S).group(1)
    pdf = re.search(r"<a href=(\S+?\.pdf)>", title).group(1)
    entry = (f'<p class="d-sm-flex align-items-stretch"><span class="d-block me-2 '
             f'list-button-row"><a class="badge text-bg-primary align-middle me-1" '
             f"href={pdf}>pdf</a></span><span class=d-block><strong>"
             f"{title.replace(pdf, '/2021.naacl-main.208/')}</strong><br>{people}</span></p>")
    (paper,) = acl.parse(entry.encode(), "https://aclanthology.org/events/naacl-2021/", 2021)
    assert paper == Paper("How many data points is a prompt worth?",
                          ("Teven Le Scao", "Alexander Rush"),
                          "https://aclanthology.org/2021.naacl-main.208.pdf")


def test_a_real_pdfs_acl_citations_find_their_anthology_copies(runner, tmp_path) -> None:
    """The Transformer paper cites six NAACL, EMNLP and ACL papers of 2006 to 2016, four
    of them on no preprint server. Each event page is built from what the PDF prints
    (old ids before 2020), with the same title by another first author in another
    volume, a near-miss title and an abstract-only entry of the same title beside; every
    citation gets its own PDF, each event page is asked once, and a second run asks
    nothing."""
    from urllib.parse import urlsplit

    from sora_refs.bibliography.citations import extract, merge_duplicates
    from sora_refs.bibliography.resolvers import acl
    from sora_refs.bibliography.source import read_source
    from tests.httpserver import Host
    from tests.venue_standins import acl_event, acl_id

    src = REAL_PDFS / "1706.03762.pdf"
    if not src.exists():
        pytest.skip("../shared/realpdfs is absent")
    cites = merge_duplicates(extract(read_source(str(src), [], lambda: None, lambda m: None)))
    host = Host("aclanthology.org")
    expected: dict[str, str] = {}
    pages: dict[str, dict[str, list]] = {}
    for c in cites:
        venue = venue_of(c.venue)
        if acl.SLUGS.get(venue or "") is None or not c.year:
            continue
        slug = acl.SLUGS[venue]
        n = len(pages.get(f"/events/{slug}-{c.year}/", {}).get("main", [])) + 1
        pid = acl_id(slug, c.year, n)
        pdf = f"https://aclanthology.org/{pid}.pdf"
        vols = pages.setdefault(f"/events/{slug}-{c.year}/", {"main": [], "ws": []})
        vols["main"].append((_work(c.title, *c.authors), pid, pdf))
        near = acl_id(slug, c.year, n + 500)
        vols["main"].append((_work(c.title + " Revisited", *c.authors), near,
                             f"https://aclanthology.org/{near}.pdf"))
        vols["ws"].append((_work(c.title, "Zed Decoy"), f"W{c.year % 100:02d}-0{n:03d}",
                           f"https://aclanthology.org/W{c.year % 100:02d}-0{n:03d}.pdf"))
        vols["ws"].append((_work(c.title, *c.authors), f"W{c.year % 100:02d}-1{n:03d}", None))
        expected[c.title] = pdf
    try:
        for path, vols in pages.items():
            host.add(path, acl_event({"V-main": vols["main"], "W-ws": vols["ws"]}, 2026),
                     content_type="text/html")
        out = tmp_path / "transformer.yaml"
        result = _init_offline(runner, src, out, host)
        assert result.exit_code == 1, result.output  # arXiv is offline here
        made = load_manifest(out)
        got = {r.title: r.urls[0] for r in made.references
               if r.urls and urlsplit(r.urls[0]).hostname == "aclanthology.org"}
        assert len(expected) == 6 and got == expected
        assert {r.venue for r in made.references if r.title in expected} == \
            {"NAACL", "EMNLP", "ACL"}
        assert sorted(r.path for r in host.log) == sorted(pages)  # one request each
        report = json.loads(result.stdout)
        assert report["venue_requests"]["aclanthology.org"] == len(pages)
        again = _init_offline(runner, src, tmp_path / "again.yaml", host)
        assert again.exit_code == 1 and len(host.log) == len(pages)
        assert load_manifest(tmp_path / "again.yaml").references == made.references
    finally:
        host.stop()


# ---------------------------------------------------------------- JMLR

@pytest.mark.parametrize("volume", [15, 3])
def test_a_jmlr_volume_page_reads_titles_authors_and_pdfs(volume: int) -> None:
    """The page JmlrOrg/webpage writes, and the old one of the first volumes (a table,
    links relative to the volume's page); a special-topic note is not in the title."""
    from sora_refs.bibliography.resolvers import jmlr
    from tests.venue_standins import jmlr_volume

    dropout = _work("Dropout: A Simple Way to Prevent Neural Networks from Overfitting",
                    "Nitish Srivastava", "Geoffrey Hinton", "Alex Krizhevsky")
    other = _work("Another Paper", "Dee Coy")
    url = jmlr.index_url("JMLR", 1999 + volume)
    assert url == f"https://jmlr.org/papers/v{volume}/"
    page = jmlr_volume([(dropout, "srivastava14a", "Special Topic on Deep Learning"),
                        (other, "coy14b", "")], volume)
    assert jmlr.parse(page, url, 1999 + volume) == [
        Paper(dropout.title, dropout.authors,
              f"https://jmlr.org/papers/volume{volume}/srivastava14a/srivastava14a.pdf"),
        Paper("Another Paper", ("Dee Coy",),
              f"https://jmlr.org/papers/volume{volume}/coy14b/coy14b.pdf")]


def test_real_pdfs_jmlr_citations_find_their_volumes_copies(runner, tmp_path) -> None:
    """VAE's and the diffusion paper's JMLR references, three of them on no preprint
    server, each in the volume of the year it prints, with the same title by another
    first author in the next volume beside. Duchi et al., cited as 2010, is in JMLR's
    2011 volume, and found there because the citation prints it ('12:2121–2159'); the
    NADE paper, cited as JMLR 2011 with no volume, is a miss, never another volume's."""
    from urllib.parse import urlsplit

    from sora_refs.bibliography.citations import extract, merge_duplicates
    from sora_refs.bibliography.resolvers import jmlr
    from sora_refs.bibliography.source import read_source
    from tests.httpserver import Host
    from tests.venue_standins import jmlr_volume

    host = Host("jmlr.org")
    try:
        for name, want in (("1312.6114.pdf", 3), ("1503.03585.pdf", 1)):
            src = REAL_PDFS / name
            if not src.exists():
                pytest.skip("../shared/realpdfs is absent")
            cites = merge_duplicates(extract(read_source(str(src), [], lambda: None,
                                                         lambda m: None)))
            volumes: dict[int, list] = {}
            expected: dict[str, str] = {}
            for c in cites:
                if venue_of(c.venue) != "JMLR" or not c.year:
                    continue
                paper = _work(c.title, *c.authors)
                pid = f"{c.authors[0].split()[-1].lower()}{c.year % 100:02d}a"
                if c.title.startswith(("Adaptive subgradient", "The neural autoregressive")):
                    volumes.setdefault(c.year - 1999 + 1, []).append((paper, pid, ""))
                    if c.title.startswith("Adaptive subgradient"):  # its volume printed
                        expected[c.title] = (f"https://jmlr.org/papers/volume{c.year - 1998}/"
                                             f"{pid}/{pid}.pdf")
                    continue  # published in another volume than the year printed
                volumes.setdefault(c.year - 1999, []).append((paper, pid, ""))
                volumes.setdefault(c.year - 1999 + 1, []).append(
                    (_work(c.title, "Zed Decoy"), pid[:-1] + "z", ""))
                expected[c.title] = f"https://jmlr.org/papers/volume{c.year - 1999}/{pid}/{pid}.pdf"
            for volume, entries in volumes.items():
                host.add(urlsplit(jmlr.index_url("JMLR", 1999 + volume)).path,
                         jmlr_volume(entries, volume), content_type="text/html")
            out = tmp_path / f"{name}.yaml"
            result = _init_offline(runner, src, out, host)
            made = load_manifest(out)
            got = {r.title: r.urls[0] for r in made.references
                   if r.urls and urlsplit(r.urls[0]).hostname == "jmlr.org"}
            assert len(expected) == want and got == expected, result.output
        assert not any(urlsplit(u).hostname == "jmlr.org" and "z/" in u
                       for r in made.references for u in r.urls)
    finally:
        host.stop()


# ---------------------------------------------------------------- IJCAI

def test_an_ijcai_proceedings_page_reads_each_paper_inside_its_wrapper() -> None:
    """Every track's papers, their PDFs resolved against the page; a paper with no PDF
    link is left out rather than given the next track's blurb link."""
    from sora_refs.bibliography.resolvers import ijcai
    from tests.venue_standins import ijcai_proceedings

    a = _work("Multi-Agent Pathfinding with Continuous Time", "Anton Andreychuk",
              "Konstantin Yakovlev", "Dor Atzmon", "Roni Stern")
    b = _work("Fair Allocation of Indivisible Goods & Chores", "Haris Aziz")
    url = ijcai.index_url("IJCAI", 2019)
    assert url == "https://www.ijcai.org/proceedings/2019/"
    page = ijcai_proceedings({"Main track": [(a, 6)], "Survey track": [(b, 8)]}, 2019)
    withdrawn = page.replace(b'<a href="0006.pdf">PDF</a> | ', b"")
    assert ijcai.parse(page, url, 2019) == [
        Paper(a.title, a.authors, "https://www.ijcai.org/proceedings/2019/0006.pdf"),
        Paper(b.title, b.authors, "https://www.ijcai.org/proceedings/2019/0008.pdf")]
    assert [p.title for p in ijcai.parse(withdrawn, url, 2019)] == [b.title]
    assert ijcai.index_url("IJCAI", 2016) is None  # laid out otherwise: not read


def test_ijcai_citations_get_their_proceedings_copies(runner, tmp_path) -> None:
    """One request for the year, shared by its citations; the same title in another
    year's proceedings, or by another first author, is never taken."""
    from tests.httpserver import Host
    from tests.venue_standins import ijcai_proceedings

    mapf = _work("Multi-agent pathfinding with continuous time", "Anton Andreychuk",
                 "Konstantin Yakovlev")
    fair = _work("Weighted maxmin fair share allocation of indivisible chores", "Haris Aziz",
                 "Hau Chan", "Bo Li")
    host = Host("www.ijcai.org")
    try:
        host.add("/proceedings/2019/", ijcai_proceedings(
            {"Main track": [(mapf, 6), (fair, 7), (_work("A paper in the 2020 list",
                                                         "Zed Decoy"), 9)]}, 2019),
            content_type="text/html")
        host.add("/proceedings/2020/", ijcai_proceedings(
            {"Main track": [(_work("A paper in the 2020 list", "Ann Other"), 1)]}, 2020),
            content_type="text/html")
        result, made = _init_text(
            runner, tmp_path, "References\n"
            "[1] Anton Andreychuk, Konstantin Yakovlev, Dor Atzmon, and Roni Stern. "
            "Multi-agent pathfinding with continuous time. In Proceedings of the 28th "
            "International Joint Conference on Artificial Intelligence, pages 39-45, 2019.\n"
            "[2] Haris Aziz, Hau Chan, and Bo Li. Weighted maxmin fair share allocation of "
            "indivisible chores. In IJCAI, pages 46-52. AAAI Press, 2019.\n"
            "[3] Ann Other. A paper in the 2020 list. In IJCAI, 2019.\n", host)
        assert [r.venue for r in made.references] == ["IJCAI"] * 3, result.output
        assert made.find("1").urls[0] == "https://www.ijcai.org/proceedings/2019/0006.pdf"
        assert made.find("2").urls[0] == "https://www.ijcai.org/proceedings/2019/0007.pdf"
        assert made.find("3").urls == ()  # 2019 lists it by another author; 2020 not asked
        assert [e.path for e in host.log] == ["/proceedings/2019/"]
    finally:
        host.stop()
