"""Identification that slides, notes and reviews cannot fool (issue 10): the generated
corpus through verify, import and fetch, and the real papers in ../shared/realpdfs."""

from __future__ import annotations

import hashlib
import json
import random
import shutil
from pathlib import Path

import pytest

from sora_refs.cli import app
from sora_refs.errors import VerificationError
from sora_refs.library.importer import identify_file
from sora_refs.library.layout import LOCK_NAME, relative_path
from sora_refs.pdf.evidence import Page, judge
from sora_refs.pdf.reader import PdfFacts
from sora_refs.pdf.verify import verify_file
from tests.conftest import SHARED, Web
from tests.corpus import Sample, corpus
from tests.pdfs import make_pdf

REALPDFS = SHARED / "realpdfs"


@pytest.fixture(scope="module")
def samples(real_manifest, tmp_path_factory) -> list[tuple[Sample, Path]]:
    folder = tmp_path_factory.mktemp("corpus")
    out = []
    for s in corpus(real_manifest):
        path = folder / s.name
        path.write_bytes(s.data)
        out.append((s, path))
    return out


def _accepts(path: Path, ref) -> bool:
    try:
        verify_file(path, ref)
    except VerificationError:
        return False
    return True


def test_the_corpus_has_every_kind(samples) -> None:
    kinds = {s.kind for s, _ in samples}
    assert {"paper", "slides", "notes", "one-pager", "review", "metadata", "notes-app",
            "quoted", "other-paper"} <= kinds
    assert sum(s.paper is None for s, _ in samples) >= 45


def test_verify_accepts_every_paper_and_no_look_alike(samples, real_manifest) -> None:
    wrong = []
    for s, path in samples:
        accepted = _accepts(path, real_manifest.find(str(s.claims)))
        if accepted != (s.paper == s.claims):
            wrong.append(f"{s.name}: {'accepted' if accepted else 'rejected'}")
    assert not wrong, wrong


def test_import_files_exactly_the_papers_whatever_the_order(samples, real_manifest,
                                                            runner, tmp_path) -> None:
    chosen = []
    for seed in (1, 2):
        order = [p for _, p in samples]
        random.Random(seed).shuffle(order)
        src = tmp_path / f"in{seed}"
        src.mkdir()
        # Different file orders (and folder listings): copy under shuffled names.
        for i, p in enumerate(order):
            shutil.copy(p, src / f"{i:03d}-{p.name}")
        dest = tmp_path / f"lib{seed}"
        result = runner.invoke(app, ["import", str(src), "--dest", str(dest), "--json"])
        assert result.exit_code == 0, result.output
        rows = json.loads(result.stdout)
        imported = {r["n"]: Path(r["input"]).name.split("-", 1)[1] for r in rows
                    if r["status"] == "imported"}
        paper = {s.name: s.paper for s, _ in samples}
        # Every file filed is a real paper, filed as itself ...
        assert all(paper[name] == n for n, name in imported.items()), imported
        # ... every reference of the corpus got one ...
        assert set(imported) == {s.paper for s, _ in samples if s.paper}
        # ... and no look-alike was filed or called a duplicate of a paper.
        for r in rows:
            name = Path(r["input"]).name.split("-", 1)[1]
            if paper[name] is None:
                assert r["status"] == "unmatched", (name, r)
            else:
                assert r["status"] in ("imported", "duplicate") and r["n"] == paper[name]
        chosen.append({n: hashlib.sha256((src / f).read_bytes()).hexdigest()
                       for n, f in ((r["n"], Path(r["input"]).name) for r in rows
                                    if r["status"] == "imported")})
    assert chosen[0] == chosen[1]  # the same file wins, whatever the order


def test_the_strongest_copy_wins_and_a_weaker_filed_one_is_kept(real_manifest, runner,
                                                               tmp_path) -> None:
    ref = real_manifest.find("22")
    venue = tmp_path / "a-venue.pdf"
    venue.write_bytes(make_pdf(ref.title, list(ref.authors), None, pages=10))
    dest = tmp_path / "lib"
    first = runner.invoke(app, ["import", str(venue), "--dest", str(dest), "--json"])
    assert json.loads(first.stdout)[0]["status"] == "imported"
    arxiv = tmp_path / "b-arxiv.pdf"
    arxiv.write_bytes(make_pdf(ref.title, list(ref.authors), ref.arxiv, pages=10))
    second = runner.invoke(app, ["import", str(arxiv), "--dest", str(dest), "--json"])
    row = json.loads(second.stdout)[0]
    assert row["status"] == "imported" and row["method"] == "arxiv-stamp", row
    filed = dest / relative_path(real_manifest, ref)
    assert filed.read_bytes() == arxiv.read_bytes()
    kept = list(filed.parent.glob("*.kept-*"))
    assert len(kept) == 1 and kept[0].read_bytes() == venue.read_bytes()
    # The other way round, the weaker copy does not displace the stronger one.
    again = runner.invoke(app, ["import", str(venue), "--dest", str(dest), "--json"])
    assert json.loads(again.stdout)[0]["status"] == "present"
    assert filed.read_bytes() == arxiv.read_bytes()


def test_fetch_refuses_look_alikes_from_a_mirror(samples, real_manifest, runner,
                                                 tmp_path) -> None:
    web = Web()
    try:
        by_name = {s.name: path for s, path in samples}
        ref = real_manifest.find("24")
        for url in ref.urls:
            web.serve(url, by_name["24-slides-authors.pdf"].read_bytes())
        result = runner.invoke(app, ["fetch", "24", "--dest", str(tmp_path / "lib"), "--json",
                                     "--delay", "0", *web.mirror_args()])
        row = json.loads(result.stdout)[0]
        assert row["status"] == "failed" and "not the paper itself" in row["error"], row
        assert "landscape" in row["error"]
    finally:
        web.stop()


def test_verify_deep_catches_a_look_alike_behind_a_valid_lock(samples, real_manifest,
                                                              runner, tmp_path) -> None:
    by_name = {s.name: path for s, path in samples}
    dest = tmp_path / "lib"
    runner.invoke(app, ["import", str(by_name["14-venue.pdf"]), "--dest", str(dest)])
    ref = real_manifest.find("14")
    filed = dest / relative_path(real_manifest, ref)
    lock = json.loads((dest / LOCK_NAME).read_text())
    # Someone replaces the file with their notes and fixes up size and time in the lock.
    shutil.copy(by_name["14-notion.pdf"], filed)
    st = filed.stat()
    lock["entries"][ref.key].update(bytes=st.st_size, mtime_ns=st.st_mtime_ns)
    (dest / LOCK_NAME).write_text(json.dumps(lock))
    result = runner.invoke(app, ["verify", "--deep", "--dest", str(dest), "-c", "llm",
                                 "--json"])
    row = next(r for r in json.loads(result.stdout) if r["n"] == 14)
    assert row["status"] == "wrong-paper" and "properties" in row["detail"], row
    assert result.exit_code == 1


def test_a_verdict_names_its_evidence(samples, real_manifest) -> None:
    by_name = {s.name: path for s, path in samples}
    v = identify_file(real_manifest, by_name["13-v7-permission.pdf"])
    assert v.ref.n == 13
    assert v.summary().startswith("arXiv stamp 1706.03762 + title on line 4, after a venue "
                                  "header or notice + authors Vaswani, Shazeer")


def test_a_stamp_on_a_page_that_names_another_paper_is_not_enough(real_manifest) -> None:
    attention, gpt3 = real_manifest.find("13"), real_manifest.find("14")
    # GPT-3's page 1 with Attention's stamp: the stamp alone must not make it Attention.
    facts = PdfFacts(12, f"arXiv:{attention.arxiv}v7 [cs.CL] 2 Aug 2023\n{gpt3.title}\n"
                         f"{', '.join(gpt3.authors)}\nAbstract\n" + "word " * 300)
    assert not judge(facts, attention).accepted
    assert not judge(facts, gpt3).accepted  # and a foreign stamp vetoes the other way


@pytest.mark.parametrize("text", [
    "Improved\nDenoising Diffusion Probabilistic Models\nAlex Nichol\nAbstract\n",
    "My notes\nDenoising Diffusion Probabilistic Models\nJonathan Ho\nAbstract\n",
])
def test_the_title_must_open_the_page(real_manifest, text: str) -> None:
    ddpm = real_manifest.find("22")
    facts = PdfFacts(10, text + "word " * 300)
    verdict = judge(facts, ddpm, Page(facts))
    assert not verdict.accepted


@pytest.mark.skipif(not REALPDFS.is_dir(), reason="needs ../shared/realpdfs")
def test_real_papers_are_accepted_as_themselves(real_manifest) -> None:
    expected = {"1312.6114.pdf": 20, "1502.04681.pdf": 1, "1503.03585.pdf": 21,
                "1706.03762.pdf": 13, "1706.03762-nips2017.pdf": 13, "2111.06377.pdf": 17,
                "2112.10752.pdf": 19}
    for name, n in expected.items():
        v = identify_file(real_manifest, REALPDFS / name)
        assert v.ref.n == n, (name, v.summary())
        assert {"title", "authors"} <= {e.rule for e in v.evidence}, (name, v.summary())
