"""`bench/run.py --quick` works end to end (it checks the script, not speed).

Builds a 10-crate lattice and diamond with real rustc, a few C++ objects,
links them with the real ld.bfd wrapped and bare, and writes the report into
a temporary directory: the repository's docs/ are not touched.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUN = os.path.join(REPO, "bench", "run.py")

_TOOLS = {
    "rustc": "install Rust (rustup, stable toolchain)",
    "cc": "apt-get install build-essential",
    "c++": "apt-get install build-essential",
    "strip": "apt-get install binutils",
    "ld.bfd": "apt-get install binutils",
}


def _missing_tool() -> str | None:
    for tool, how in _TOOLS.items():
        if shutil.which(tool) is None:
            return f"{tool} not found ({how})"
    return None


pytestmark = pytest.mark.skipif(_missing_tool() is not None, reason=_missing_tool() or "")


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("bench")
    out = tmp / "docs"
    proc = subprocess.run(
        [sys.executable, RUN, "--quick", "--out", str(out), "--cache", str(tmp / "cache")],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=900,
    )
    return proc, out


def test_quick_mode_succeeds_and_writes_the_report(quick_run):
    proc, out = quick_run
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert (out / "benchmarks.md").is_file()
    assert (out / "benchmarks.json").is_file()
    if importlib.util.find_spec("matplotlib") is not None:
        png = (out / "benchmarks.png").read_bytes()
        assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_quick_data_has_every_section_with_sane_measurements(quick_run):
    proc, out = quick_run
    assert proc.returncode == 0, proc.stderr[-4000:]
    data = json.loads((out / "benchmarks.json").read_text())
    assert data["quick"] is True and data["sizes"] == [10] and data["k"] == 2

    def check(st, k):
        assert st["k"] == k == len(st["runs"])
        assert 0 < st["min"] <= st["median"] <= max(st["runs"])

    ov = data["overhead"]
    assert ov["linkers"] == ["bfd"]
    assert {(r["shape"], r["n"], r["linker"]) for r in ov["real"]} == {("lattice", 10, "bfd"), ("diamond", 10, "bfd")}
    for r in ov["real"]:
        assert "bare" in r["times"] and len(r["times"]) >= 3  # bare + two launchers
        for st in r["times"].values():
            check(st, 2)
    for r in ov["noop"]:
        for st in r["times"].values():
            assert 0 < st["min"] <= st["median"]
    # Planning really planned: every input accounted for, every crate once.
    for label, r in data["plan"].items():
        if isinstance(r, dict):
            assert r["count"] == data["plan"]["inputs"]
            assert 0 < r["min"] <= r["median"]
    real = next(r for label, r in data["plan"].items() if label.startswith("real"))
    assert real["crates_linked"] == 10
    syn = next(r for label, r in data["plan"].items() if label.startswith("synthetic"))
    assert syn["crates_linked"] == data["plan"]["inputs"] - 1
    # Bytes: each staticlib carries its own std, so two of them outweigh one bundle.
    for row in data["bytes"]:
        assert row["v0_total"] == row["v0_rlibs"] + row["bundle"] > row["bundle"] > 0
        assert set(row["staticlibs"]) == {"c", "cpp"}
        assert all(v > row["bundle"] * 0.5 for v in row["staticlibs"].values())
    # rustc-driven linking: every configuration produced a program (the
    # script checks they all print the same) and stripping made it smaller.
    (e,) = data["rustc"]
    assert e["rows"][0]["config"].startswith("rustc")
    for row in e["rows"]:
        check(row, 2)
        assert 0 < row["stripped_bytes"] < row["bytes"]
    assert "skipped" in data["buck2"] or data["buck2"]


def test_report_is_regenerated_identically_from_the_json(quick_run, tmp_path):
    proc, out = quick_run
    assert proc.returncode == 0, proc.stderr[-4000:]
    copy = tmp_path / "again"
    copy.mkdir()
    shutil.copy(out / "benchmarks.json", copy / "benchmarks.json")
    again = subprocess.run([sys.executable, RUN, "--report-only", "--out", str(copy)], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    assert (copy / "benchmarks.md").read_text() == (out / "benchmarks.md").read_text()
    md = (out / "benchmarks.md").read_text()
    for heading in ("## Machine and versions", "## 1. Wrapper overhead", "## 2. Planning alone", "## 3. Bytes", "## 4. Against rustc-driven linking", "## 5. Buck2", "## Goals"):
        assert heading in md
    assert "Quick mode" in md


def test_unknown_linker_is_refused_in_one_line(tmp_path):
    proc = subprocess.run([sys.executable, RUN, "--quick", "--linkers", "gold2", "--out", str(tmp_path), "--cache", str(tmp_path / "c")], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0
    assert proc.stderr.strip().splitlines() == ["bench: error: unknown linker gold2 (choose from bfd, lld, mold)"]
    assert not (tmp_path / "benchmarks.md").exists()


def test_link_check_benchmark_runs_on_the_quick_graphs(quick_run, tmp_path):
    """bench/link_check.py on the quick run's cache (N = 10, ld.bfd, k = 1):
    the four ways of linking give programs that print the same (the script
    fails otherwise), the relink's wrapper found its link memo (and, under
    `--python`, the other interpreter's its own), and the report names each
    graph."""
    proc, out = quick_run
    assert proc.returncode == 0
    cache = out.parent / "cache"
    lc = subprocess.run(
        [sys.executable, os.path.join(REPO, "bench", "link_check.py"), "--n", "10", "--k", "1", "--linkers", "bfd", "--parts", "20", "--no-buck2", "--cache", str(cache), "--out", str(tmp_path), "--python", sys.executable],
        cwd=REPO, capture_output=True, text=True, timeout=900,
    )
    assert lc.returncode == 0, lc.stderr[-4000:]
    data = json.loads((tmp_path / "link-check.json").read_text())
    assert {(r["shape"], r["linker"]) for r in data["links"]} == {("lattice", "bfd"), ("diamond", "bfd")}
    for r in data["links"]:
        assert set(r["predicted_ratio"]) == {"compile mode: bare driver on the Buck2 line", "wrapper mode: lean.py link on the Buck2 line", "wrapper mode, relink: the same, its link memo written", "wrapper mode, relink, another interpreter"}
        assert r["alt_python"] == os.path.abspath(sys.executable)
    memo = list(cache.glob("*/runs/link-check-memo/rlib-v0/link-memo/*"))
    assert len(memo) == 2 * 2, "per graph, one memo entry for the real relink, one for the no-op linker's (sleeping or not)"
    # `--python`: its relink (sleeping no-op linker only) kept its own memo.
    assert len(list(cache.glob("*/runs/link-check-memo-alt/rlib-v0/link-memo/*"))) == 2
    text = (tmp_path / "link-check.md").read_text()
    assert "| lattice | 10 | bfd |" in text and "| diamond | 10 | bfd |" in text
