"""`bench/run.py --only buck2` keeps the Buck2 rows a run did not redo, even
when that run used another k or another build of buck2 (a rebuilt buck2 of
the same commit has another id): each kept row says what made it."""

from __future__ import annotations

import os
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "bench"))

import run  # noqa: E402


def _row(shape: str, n: int | None, k: int, tag: str) -> dict:
    return {"shape": shape, "n": n, "ours": {"clean": {"k": k, "min": 1.0}, "tag": tag}}


def test_rows_of_another_k_and_buck2_are_kept_and_named() -> None:
    old = {"version": "buck2 A", "k": 2, "rows": [_row("lattice", 10, 2, "old"), _row("lattice", 50, 2, "old"), _row("reindeer", None, 3, "old")]}
    new = {"version": "buck2 B", "k": 3, "rows": [_row("lattice", 10, 3, "new"), _row("reindeer_big", None, 1, "new")]}
    run.keep_earlier_rows(old, new)
    got = {(r["shape"], r["n"]): (r["ours"]["tag"], r.get("buck2_version")) for r in new["rows"]}
    assert got == {
        ("lattice", 10): ("new", None),
        ("lattice", 50): ("old", "buck2 A"),
        ("reindeer", None): ("old", "buck2 A"),
        ("reindeer_big", None): ("new", None),
    }
    assert [(r["shape"], r["n"]) for r in new["rows"]] == [("lattice", 10), ("lattice", 50), ("reindeer", None), ("reindeer_big", None)]


def test_same_buck2_rows_carry_no_version_and_a_failed_run_keeps_nothing() -> None:
    old = {"version": "buck2 A", "k": 3, "rows": [_row("diamond", 10, 3, "old")]}
    new = {"version": "buck2 A", "k": 3, "rows": []}
    run.keep_earlier_rows(old, new)
    assert new["rows"] and "buck2_version" not in new["rows"][0]
    failed = {"skipped": "failed: x", "rows": []}
    run.keep_earlier_rows(old, failed)
    assert failed["rows"] == []
