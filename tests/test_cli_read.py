"""The reading commands: list, show, stats, tree, as a person runs them."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys

import bibtexparser
import pytest

from sora_refs import __version__
from sora_refs.cli import app
from tests.conftest import REAL_MANIFEST, ROOT, subprocess_env

ANSI = re.compile(r"\x1b\[")


def _json(runner, args: list[str]):
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _numbers(runner, args: list[str]) -> list[int]:
    return [r["n"] for r in _json(runner, [*args, "--json"])]


# ---------------------------------------------------------------- list filters


def test_list_shows_every_reference_as_a_table(runner) -> None:
    result = runner.invoke(app, ["list"])
    assert result.exit_code == 0
    assert "32 of 32" in result.stdout
    for word in ("Srivastava", "Vaswani", "Meng", "NeurIPS", "OpenAI"):
        assert word in result.stdout
    assert max(len(line) for line in result.stdout.splitlines()) <= 80
    assert not ANSI.search(result.stdout)


def test_category_slug_matches_at_any_depth(runner) -> None:
    assert _numbers(runner, ["list", "--category", "diffusion"]) == [10, 11, 12, 21, 22, 23,
                                                                      24, 25]


def test_category_path_is_exact(runner) -> None:
    assert _numbers(runner, ["list", "-c", "video-modeling/diffusion"]) == [10, 11, 12]
    assert _numbers(runner, ["list", "-c", "video-modeling"]) == list(range(1, 13))
    assert _numbers(runner, ["list", "-c", "patches"]) == [15, 16, 17, 18]


def test_unknown_category_lists_the_valid_ones(runner) -> None:
    result = runner.invoke(app, ["list", "--category", "cnn"])
    assert result.exit_code == 2
    assert "Unknown category 'cnn'" in result.stderr
    assert "video-modeling" in result.stderr and "recaptioning" not in result.stderr
    assert "Traceback" not in result.output


def test_year_venue_and_search_filters(runner) -> None:
    assert _numbers(runner, ["list", "--year", "2013"]) == [20]
    assert _numbers(runner, ["list", "--venue", "iccv"]) == [16, 26]
    assert _numbers(runner, ["list", "--search", "attention"]) == [13]
    # Authors are searched too: Ramesh wrote 28 and 31 and co-authored 14 and 30.
    assert _numbers(runner, ["list", "-s", "Aditya Ramesh"]) == [14, 28, 30, 31]
    assert _numbers(runner, ["list", "-c", "diffusion", "--year", "2021"]) == [23, 24]
    assert _numbers(runner, ["list", "--year", "1999"]) == []


# ---------------------------------------------------------------- formats


def test_json_has_the_documented_shape(runner) -> None:
    data = _json(runner, ["list", "--format", "json"])
    assert len(data) == 32
    for field in ("n", "key", "title", "authors", "year", "venue", "published", "arxiv",
                  "category", "urls", "note"):
        assert all(field in row for row in data), field
    vaswani = data[12]
    assert vaswani["title"] == "Attention Is All You Need"
    assert vaswani["authors"][6] == "Łukasz Kaiser"
    assert data[1]["published"] == "ICLR 2017"
    assert data[0]["published"] == "ICML 2015"


def test_json_round_trips_to_the_manifest(runner) -> None:
    from sora_refs.readinglist.manifest import load_manifest

    data = _json(runner, ["list", "--json"])
    assert data == [r.as_dict() for r in load_manifest(REAL_MANIFEST).references]


def test_csv_parses_with_the_csv_module(runner) -> None:
    result = runner.invoke(app, ["list", "--format", "csv", "-c", "llm"])
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["n"] for r in rows] == ["13", "14"]
    assert rows[0]["authors"].split("; ")[0] == "Ashish Vaswani"
    assert len(rows[1]["authors"].split("; ")) == 31
    assert rows[0]["urls"].split(" ")[1] == "https://arxiv.org/pdf/1706.03762"


def test_bibtex_parses_with_a_real_parser(runner) -> None:
    result = runner.invoke(app, ["list", "--format", "bibtex"])
    assert result.exit_code == 0
    lib = bibtexparser.parse_string(result.stdout)
    assert not lib.failed_blocks
    assert len(lib.entries) == 32
    by_key = {e.key: e for e in lib.entries}
    assert by_key["vaswani2017attention"].entry_type == "inproceedings"
    assert by_key["vaswani2017attention"]["booktitle"].startswith("Advances in Neural")
    assert by_key["ha2018world"].entry_type == "article"
    assert by_key["ha2018world"]["eprint"] == "1803.10122"
    assert by_key["betker2023improving"].entry_type == "techreport"
    assert by_key["dehghani2023patch"]["title"] == (
        "{Patch n' Pack: NaViT, a Vision Transformer for any Aspect Ratio and Resolution}")
    authors = by_key["brown2020language"]["author"].split(" and ")
    assert len(authors) == 31


def test_bibtex_escapes_latex_specials(runner, small_manifest) -> None:
    result = runner.invoke(app, ["-m", str(small_manifest), "list", "-f", "bibtex"])
    lib = bibtexparser.parse_string(result.stdout)
    assert not lib.failed_blocks
    assert lib.entries[0]["title"] == r"{First Paper: On Alphas \& Betas}"
    assert lib.entries[3].entry_type == "techreport"


# ---------------------------------------------------------------- show


def test_show_by_number_and_by_key(runner) -> None:
    by_n = runner.invoke(app, ["show", "22"])
    by_key = runner.invoke(app, ["show", "ho2020denoising"])
    assert by_n.exit_code == by_key.exit_code == 0
    assert by_n.stdout == by_key.stdout
    assert "Denoising Diffusion Probabilistic Models" in by_n.stdout
    assert "Ajay Jain" in by_n.stdout
    assert "https://arxiv.org/pdf/2006.11239" in by_n.stdout
    assert "学习方法" in by_n.stdout


def test_show_json_and_unknown(runner) -> None:
    data = _json(runner, ["show", "30", "--json"])
    assert data["venue"] == "OpenAI" and data["arxiv"] is None
    result = runner.invoke(app, ["show", "99"])
    assert result.exit_code == 2
    assert "No reference '99'" in result.stderr


# ---------------------------------------------------------------- stats


def test_stats_of_the_real_manifest_reproduce_the_seed(runner) -> None:
    data = _json(runner, ["stats", "--json"])
    assert data["total"] == 32
    h = data["headline"]
    assert h["arxiv_only"] == {"count": 12, "share": 0.375}
    assert h["major_conferences"] == {"venues": ["NeurIPS", "ICML", "CVPR", "ICCV"],
                                      "count": 18, "share": 0.5625}
    assert h["busiest_years"] == {"years": [2022], "count": 8}
    assert h["recent_years"]["years"] == [2021, 2022, 2023]
    assert h["recent_years"]["count"] == 19 and h["recent_years"]["share"] > 0.5
    assert h["earliest_year"] == 2013
    venues = {v["venue"]: v["count"] for v in data["venues"]}
    assert venues == {"arXiv": 12, "NeurIPS": 7, "ICML": 5, "CVPR": 4, "ICCV": 2, "ECCV": 1,
                      "OpenAI": 1}
    cats = {c["path"]: c["count"] for c in data["categories"]}
    assert cats["video-modeling"] == 12 and cats["data-processing"] == 6
    assert cats["architecture"] == 4 and cats["diffusion"] == 5


def test_stats_of_a_small_manifest_are_computed_not_typed(runner, small_manifest) -> None:
    data = _json(runner, ["--manifest", str(small_manifest), "stats", "--json"])
    assert data["total"] == 4
    assert [y["year"] for y in data["years"]] == [2019, 2020, 2021, 2022, 2023]
    assert [y["count"] for y in data["years"]] == [1, 0, 2, 0, 1]
    h = data["headline"]
    assert h["arxiv_only"]["count"] == 1
    # No venue besides arXiv is cited twice: no "leading venues" line at all, not
    # "NeurIPS, ICML, CVPR and ICCV together: 0 (0%)".
    assert "major_conferences" not in h
    assert h["busiest_years"]["years"] == [2021]
    assert h["recent_years"] == {"years": [2021, 2022, 2023], "count": 3, "share": 0.75}
    text = runner.invoke(app, ["--manifest", str(small_manifest), "stats"]).stdout
    assert "together" not in text.split("2021–2023")[0]
    cats = {c["path"]: c["count"] for c in data["categories"]}
    assert cats == {"basics": 3, "basics/nets": 1, "basics/diffusion": 1, "diffusion": 1}


def _headline_of(runner, tmp_path, rows: list[tuple[int, str]]) -> dict:
    refs = "\n".join(f"""  - n: {i}
    key: p{i}
    title: Paper {i}
    authors: [A B]
    year: {year}
    venue: {venue}
    urls: [https://x.example.org/{i}.pdf]
    category: c
    note: x.""" for i, (year, venue) in enumerate(rows, 1))
    path = tmp_path / "list.yaml"
    path.write_text(f"categories:\n  - slug: c\n    en: C\nreferences:\n{refs}\n")
    return _json(runner, ["--manifest", str(path), "stats", "--json"])["headline"]


def test_headline_facts_fit_the_list_at_hand(runner, tmp_path) -> None:
    h = _headline_of(runner, tmp_path, [(2017, "ICLR"), (2017, "ICLR"), (2018, "ICLR"),
                                        (2018, "AAAI"), (2018, "AAAI"), (2018, "arXiv")])
    assert h["major_conferences"]["venues"] == ["ICLR", "AAAI"]  # its own leading venues
    assert "recent_years" not in h  # two years in all: no "2016–2018 together"
    assert h["busiest_years"] == {"years": [2018], "count": 4}


def test_long_runs_of_empty_years_are_one_row(runner, tmp_path) -> None:
    """A bibliography reaching back decades: three or more empty years in a row are one
    row; one or two stay as they are, so a short gap still shows; JSON keeps them all."""
    _headline_of(runner, tmp_path, [(1989, "NIPS"), (1995, "ICML"), (1998, "CVPR"),
                                    (2000, "arXiv")])
    path = str(tmp_path / "list.yaml")
    data = _json(runner, ["--manifest", path, "stats", "--json"])
    assert [y["year"] for y in data["years"]] == list(range(1989, 2001))
    rows = [line.split()[0] for line in runner.invoke(
        app, ["--manifest", path, "stats"]).stdout.split("By year")[1].split("By block")[0]
        .splitlines() if line[:1].isdigit()]
    assert rows == ["1989", "1990–1994", "1995", "1996", "1997", "1998", "1999", "2000"]


def test_shares_round_half_up(runner, tmp_path) -> None:
    from sora_refs.cli.tables import percent

    assert [percent(x) for x in (4 / 32, 12 / 32, 0.005, 0.125, 0.5, 1.0)] == [
        "13%", "38%", "1%", "13%", "50%", "100%"]
    text = runner.invoke(app, ["stats"]).stdout
    assert "NeurIPS      7    22%" in text and "CVPR         4    13%" in text


def test_stats_table_and_bar_chart(runner) -> None:
    result = runner.invoke(app, ["stats"])
    out = result.stdout
    assert result.exit_code == 0
    assert "12 arXiv-only (38%)" in out
    assert "NeurIPS, ICML, CVPR and ICCV together: 18 (56%)" in out
    assert "busiest year: 2022" in out
    bars = {m.group(1): len(m.group(2)) for m in re.finditer(r"(20\d\d) .*?(█+)", out)}
    assert bars["2022"] == max(bars.values()) and bars["2013"] < bars["2021"]


def test_stats_filtered_by_category(runner) -> None:
    data = _json(runner, ["stats", "-c", "diffusion", "--json"])
    assert data["total"] == 8
    # Three years tie for the busiest among the RNN papers, one paper each.
    text = runner.invoke(app, ["stats", "-c", "rnn"]).stdout
    assert "• busiest years: 2015, 2017, 2018 (1 reference each)" in text


def test_svg_is_saved(runner, tmp_path) -> None:
    for cmd in ("stats", "tree"):
        target = tmp_path / f"{cmd}.svg"
        result = runner.invoke(app, [cmd, "--svg", str(target)])
        assert result.exit_code == 0, result.output
        svg = target.read_text(encoding="utf-8")
        assert svg.startswith("<svg") and "</svg>" in svg
    assert "arXiv" in (tmp_path / "stats.svg").read_text(encoding="utf-8")


def test_svg_to_an_unwritable_place_is_a_clear_error(runner, tmp_path) -> None:
    result = runner.invoke(app, ["stats", "--svg", str(tmp_path / "no" / "such" / "dir.svg")])
    assert result.exit_code == 1
    assert "could not write the SVG" in result.stderr


# ---------------------------------------------------------------- tree


def test_tree_rich(runner) -> None:
    out = runner.invoke(app, ["tree"]).stdout
    assert "Generative modeling of video data 视频数据的生成式建模 (12)" in out
    assert "Learning method: diffusion models" in out
    assert out.count("──") >= 32 + 14


def test_tree_mermaid_and_markdown(runner) -> None:
    mermaid = runner.invoke(app, ["tree", "--format", "mermaid"]).stdout
    assert mermaid.startswith("mindmap\n")
    assert mermaid.count("\n") == 1 + 1 + 14 + 32  # root, 14 categories, 32 papers
    # (Mermaid's own parser reads it in tests/test_mindmap.py.)
    md = runner.invoke(app, ["tree", "-f", "markdown", "-c", "llm"]).stdout
    assert md.splitlines()[2:] == [
        "- **Techniques borrowed from large language models** (借鉴大型语言模型): 2",
        "  - 13. Attention Is All You Need, Vaswani et al. (NeurIPS 2017)",
        "  - 14. Language Models are Few-Shot Learners, Brown et al. (NeurIPS 2020)",
    ]


# ---------------------------------------------------------------- global options


def test_another_reading_list_via_option_and_env(runner, small_manifest, monkeypatch) -> None:
    assert _numbers(runner, ["--manifest", str(small_manifest), "list", "-c", "diffusion"]) == [
        2, 3]
    monkeypatch.setenv("SORA_REFS_MANIFEST", str(small_manifest))
    assert _numbers(runner, ["list"]) == [1, 2, 3, 4]


def test_version(runner) -> None:
    result = runner.invoke(app, ["--version"])
    assert result.stdout.strip() == f"sora-refs {__version__}"


def test_every_command_has_help_and_is_in_the_readme(runner) -> None:
    import typer.main

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = typer.main.get_command(app).commands  # type: ignore[attr-defined]
    assert {"list", "show", "stats", "tree"} <= set(commands)
    for name, cmd in commands.items():
        assert cmd.help, name
        assert f"sora-refs {name}" in readme, f"README lacks an example of `sora-refs {name}`"


# ---------------------------------------------------------------- subprocess


def _run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "sora_refs", *args], capture_output=True,
                          text=True, env=subprocess_env(**env), timeout=60)


def test_python_dash_m_and_no_colour_when_piped() -> None:
    result = _run("list", "-c", "llm")
    assert result.returncode == 0
    assert "Attention Is All You Need" in result.stdout
    assert not ANSI.search(result.stdout)
    forced = _run("stats", FORCE_COLOR="1", NO_COLOR="")
    assert ANSI.search(forced.stdout)


@pytest.mark.parametrize("argv", [["--help"], ["list"], ["stats"], ["show", "13"], ["tree"]])
def test_reading_commands_do_not_import_heavy_modules(argv: list[str]) -> None:
    code = (
        "import sys\n"
        "from sora_refs.cli import app\n"
        f"try:\n    app({argv!r}, standalone_mode=False)\nexcept SystemExit:\n    pass\n"
        "heavy = sorted({m.split('.')[0] for m in sys.modules}"
        " & {'httpx', 'pypdf', 'arxiv', 'asyncio', 'httpcore', 'rich', 'yaml'})\n"
        "import json; print('HEAVY', json.dumps(heavy), file=sys.stderr)\n"
    )
    # The second run finds the manifest cache the first one wrote.
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           env=subprocess_env(), timeout=60) for _ in range(2)]
    # list, stats and --help draw without rich; show and tree use it.
    allowed = {"rich"} if argv[0] in ("show", "tree") else set()
    first, second = (json.loads(r.stderr.split("HEAVY ", 1)[1]) for r in runs)
    assert set(second) == allowed, runs[1].stderr
    if argv != ["--help"]:
        assert "yaml" in first  # the first run parsed the YAML


def test_long_lists_are_plain_aligned_text(runner, tmp_path) -> None:
    from tests.conftest import numbered_manifest

    path = numbered_manifest(tmp_path, 400, "https://x.example.org/{i}.pdf")
    out = runner.invoke(app, ["--manifest", str(path), "list"]).stdout.splitlines()
    assert out[0].endswith(": 400 of 400") and out[1] == ""
    assert out[2].split() == ["#", "Title", "First", "author", "Year", "Venue", "Category"]
    assert set(out[3].replace(" ", "")) == {"─"}
    assert len(out) == 4 + 400  # one line per reference, however narrow the terminal
    assert out[-1].split()[:3] == ["400", "Paper", "400"]
    widths = {len(line) for line in out[4:]}
    assert len(widths) == 1  # aligned


# ---------------------------------------------------------------- current folder


def test_reading_commands_ignore_a_papers_folder_they_were_not_pointed_at(
        runner, tmp_path, monkeypatch) -> None:
    """`sora-refs fetch` leaves ./papers behind; the read-commands then describe it, and
    nothing else changes. With --dest pinned elsewhere, ./papers is ignored."""
    monkeypatch.chdir(tmp_path)
    plain = {cmd: runner.invoke(app, [cmd, "--json"]).stdout for cmd in ("list", "stats")}
    (tmp_path / "papers").mkdir()
    (tmp_path / "papers" / ".probe").write_text("")
    described = json.loads(runner.invoke(app, ["list", "--json"]).stdout)
    assert {r["status"] for r in described} == {"missing"}
    other = tmp_path / "elsewhere"
    other.mkdir()
    pinned = json.loads(runner.invoke(app, ["list", "--json", "--dest", str(other)]).stdout)
    assert [r["status"] for r in pinned] == ["missing"] * 32
    # The other read-commands print exactly what they print without ./papers.
    for cmd in ("show", "tree"):
        args = [cmd, "13"] if cmd == "show" else [cmd]
        with_papers = runner.invoke(app, args)
        assert with_papers.exit_code == 0
    assert json.loads(plain["list"])[0].keys() == {
        k for k in described[0] if k != "status"}
    assert "library" not in json.loads(plain["stats"])
