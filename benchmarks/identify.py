"""Precision and recall of identification, and its speed (issue 10).

Generates the test corpus (tests/corpus.py: real-looking papers and their
look-alikes) into a temporary folder, adds the real papers of ../shared/realpdfs
when that folder exists, and asks an implementation of sora-refs (this checkout,
or another one with --impl DIR, e.g. an older commit checked out elsewhere) two
questions about every file:

- verify: is this file the paper it claims to be? (what fetch and verify ask)
- import: which reference, if any, is this file? (what import asks)

Then times ``sora-refs import`` of a folder of 40 of the PDFs, start-up included.

    python benchmarks/identify.py [--impl DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
REALPDFS = ROOT.parent / "shared" / "realpdfs"
REAL = {"1312.6114.pdf": 20, "1502.04681.pdf": 1, "1503.03585.pdf": 21, "1706.03762.pdf": 13,
        "1706.03762-nips2017.pdf": 13, "2111.06377.pdf": 17, "2112.10752.pdf": 19}

# Runs inside the implementation under test: only APIs every version has.
EVALUATE = r"""
import json, sys, time
from pathlib import Path
from sora_refs.readinglist.manifest import load_manifest
from sora_refs.errors import VerificationError
from sora_refs.pdf.verify import verify_file
from sora_refs.library.importer import identify_file
m = load_manifest(sys.argv[2])
rows = json.loads(Path(sys.argv[1]).read_text())
verify_file(Path(rows[0]["path"]), m.find(str(rows[0]["claims"])))  # warm the workers
out, started = [], time.perf_counter()
for r in rows:
    path = Path(r["path"])
    try:
        verify_file(path, m.find(str(r["claims"])))
        accepted = True
    except VerificationError:
        accepted = False
    try:
        got = identify_file(m, path)
        found = got[0].n if isinstance(got, tuple) else got.ref.n
    except VerificationError:
        found = None
    out.append({**r, "accepted": accepted, "found": found})
print(json.dumps({"rows": out, "seconds": time.perf_counter() - started}))
"""


def _ratio(a: int, b: int) -> str:
    return f"{a / b:.3f}" if b else "—"


def scores(rows: list[dict], source: str) -> str:
    rows = [r for r in rows if r["source"] == source]
    vt = sum(r["paper"] == r["claims"] and r["accepted"] for r in rows)
    vf = sum(r["paper"] != r["claims"] and r["accepted"] for r in rows)
    vn = sum(r["paper"] == r["claims"] and not r["accepted"] for r in rows)
    it = sum(r["paper"] is not None and r["found"] == r["paper"] for r in rows)
    ifp = sum(r["found"] is not None and r["found"] != r["paper"] for r in rows)
    ifn = sum(r["paper"] is not None and r["found"] != r["paper"] for r in rows)
    wrong = sorted({r["name"] for r in rows if (r["accepted"] != (r["paper"] == r["claims"]))
                    or r["found"] != r["paper"]})
    return (f"{source}: {len(rows)} files ({sum(r['paper'] is None for r in rows)} look-alikes)"
            f"\n  verify (fetch, verify --deep): precision {_ratio(vt, vt + vf)}, recall "
            f"{_ratio(vt, vt + vn)}  ({vf} look-alikes accepted, {vn} papers rejected)"
            f"\n  import: precision {_ratio(it, it + ifp)}, recall {_ratio(it, it + ifn)}  "
            f"({ifp} wrong filings, {ifn} papers not filed)"
            + (f"\n  wrong: {', '.join(wrong)}" if wrong else ""))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--impl", type=Path, default=ROOT,
                    help="checkout of sora-refs to measure (default: this one)")
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT))
    from sora_refs.readinglist.manifest import load_manifest
    from tests.corpus import corpus

    manifest = ROOT / "refs.yaml"
    m = load_manifest(manifest)
    env = {**os.environ, "PYTHONPATH": str(args.impl.resolve()), "NO_COLOR": "1"}
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        rows = []
        for s in corpus(m):
            (t / s.name).write_bytes(s.data)
            rows.append({"name": s.name, "path": str(t / s.name), "paper": s.paper,
                         "claims": s.claims, "source": "generated"})
        if REALPDFS.is_dir():
            for name, n in REAL.items():
                rows.append({"name": name, "path": str(REALPDFS / name), "paper": n,
                             "claims": n, "source": "realpdfs"})
        (t / "rows.json").write_text(json.dumps(rows))
        out = subprocess.run([sys.executable, "-c", EVALUATE, str(t / "rows.json"),
                              str(manifest)], capture_output=True, text=True, env=env,
                             cwd=tmp, check=True)
        result = json.loads(out.stdout)
        print(f"identification, {args.impl.resolve()}")
        for source in ("generated", "realpdfs"):
            if any(r["source"] == source for r in result["rows"]):
                print(scores(result["rows"], source))
        n = len(result["rows"])
        print(f"time per file (verify + identify, workers warm): "
              f"{1000 * result['seconds'] / n:.0f} ms")
        folder = t / "forty"
        folder.mkdir()
        for r in [r for r in rows if r["source"] == "generated"][:40]:
            shutil.copy(r["path"], folder)
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "sora_refs", "--manifest", str(manifest),
                        "import", str(folder), "--dest", str(t / "lib"), "--json"],
                       capture_output=True, env=env, cwd=tmp, check=False)
        print(f"sora-refs import of 40 PDFs: {time.perf_counter() - started:.2f} s wall, "
              f"start-up included")


if __name__ == "__main__":
    main()
