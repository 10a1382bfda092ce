"""Reproducible output: the same inputs give byte-identical archives, wherever
and whenever they are built (other absolute paths, cwd, temporary dirs).

On a mismatch the assertion names the archive members that differ.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from rlib_v0.formats import archive

if shutil.which("rustc") is None:
    pytest.skip("needs rustc: https://rustup.rs", allow_module_level=True)

CLI = [shutil.which("rlib-v0")] if shutil.which("rlib-v0") else [sys.executable, "-m", "rlib_v0"]

A_RS = """\
pub struct Pair<T> { pub x: T, pub y: T }
pub fn make<T: Clone>(v: &T) -> Pair<T> { Pair { x: v.clone(), y: v.clone() } }
pub fn a_val() -> u32 { file!().len() as u32 + 40 }
#[inline(never)] pub fn panics(i: usize) -> u8 { [1u8, 2, 3][i] }
"""
B_RS = """\
#[no_mangle]
pub extern "C" fn b_entry() -> u32 { let p = a::make(&a::a_val()); p.x + p.y + a::panics(1) as u32 }
pub fn boxed() -> Box<Vec<String>> { Box::new(vec![String::from("x")]) }
"""


def _cli(args: list[str], cwd: Path, tmpdir: Path) -> None:
    tmpdir.mkdir(parents=True, exist_ok=True)
    p = subprocess.run([*CLI, *args], cwd=cwd, capture_output=True, text=True, env=dict(os.environ, TMPDIR=str(tmpdir)), timeout=300)
    assert p.returncode == 0, p.stderr


def _project(root: Path) -> Path:
    proj = root / "proj"
    (proj / "src" / "a").mkdir(parents=True)
    (proj / "src" / "b").mkdir(parents=True)
    (proj / "src" / "a" / "lib.rs").write_text(A_RS)
    (proj / "src" / "b" / "lib.rs").write_text(B_RS)
    (proj / "out").mkdir()
    return proj


def _build(proj: Path, extra: list[str], absolute: bool) -> tuple[Path, Path]:
    src = (proj / "src") if absolute else Path("src")
    out = (proj / "out") if absolute else Path("out")
    common = ["rustc", "--", "--edition=2021", "--crate-type=rlib", *extra]
    _cli([*common, "--crate-name=a", "-Cmetadata=m1", str(src / "a" / "lib.rs"), "-o", str(out / "liba.rlib")], proj, proj.parent / "tmp")
    _cli([*common, "--crate-name=b", str(src / "b" / "lib.rs"), "--extern", f"a={out / 'liba.rlib'}", "-o", str(out / "libb.rlib")], proj, proj.parent / "tmp")
    return proj / "out" / "liba.rlib", proj / "out" / "libb.rlib"


def differing_members(p1: Path, p2: Path) -> list[str]:
    t1, t2 = archive.scan(str(p1)), archive.scan(str(p2))
    m1 = {m.name: t1.read(m) for m in t1.members}
    m2 = {m.name: t2.read(m) for m in t2.members}
    diff = sorted(n for n in m1.keys() | m2.keys() if m1.get(n) != m2.get(n))
    return diff or ["(members equal; headers or symbol index differ)"]


def assert_identical(p1: Path, p2: Path) -> None:
    b1, b2 = p1.read_bytes(), p2.read_bytes()
    assert b1 == b2, f"{p1} and {p2} differ in members {differing_members(p1, p2)}"


@pytest.mark.parametrize(
    "extra,absolute",
    [([], False), (["-g"], False), (["-g"], True), (["-Copt-level=2", "-Ccodegen-units=1"], True)],
    ids=["plain-relative", "debuginfo-relative", "debuginfo-absolute", "opt-absolute"],
)
def test_same_crate_in_two_places(tmp_path, extra, absolute):
    # Different absolute paths (and depths), each built from its own cwd.
    p1 = _project(tmp_path / "first")
    p2 = _project(tmp_path / "second" / "much" / "deeper")
    a1, b1 = _build(p1, extra, absolute)
    a2, b2 = _build(p2, extra, absolute)
    assert_identical(a1, a2)
    assert_identical(b1, b2)  # with a dependency
    # Nothing of the build directory leaks into the archives.
    for f in (a1, b1):
        data = f.read_bytes()
        assert str(tmp_path).encode() not in data
        assert b".rlib-v0-" not in data  # the wrapper's temporary directory


def test_rebuild_in_place_is_identical(tmp_path):
    proj = _project(tmp_path)
    a1, b1 = _build(proj, [], False)
    first = (a1.read_bytes(), b1.read_bytes())
    _build(proj, [], False)
    assert (a1.read_bytes(), b1.read_bytes()) == first


def test_cargo_style_out_dir(tmp_path):
    """--out-dir, -C extra-filename and several --emit kinds, as cargo passes them."""
    outs = []
    for n, root in enumerate([tmp_path / "x", tmp_path / "y" / "z"]):
        proj = _project(root)
        args = ["rustc", "--", "--edition=2021", "--crate-type=lib", "--crate-name=a", "src/a/lib.rs", "--emit=dep-info,metadata,link", "-Cmetadata=0123abcd", "-Cextra-filename=-0123abcd", "--out-dir", "out"]
        _cli(args, proj, root / "tmp")
        outs.append(proj / "out")
        assert sorted(os.listdir(proj / "out")) == ["a-0123abcd.d", "liba-0123abcd.rlib", "liba-0123abcd.rmeta", "liba-0123abcd.v0-identity.json"]
    assert_identical(outs[0] / "liba-0123abcd.rlib", outs[1] / "liba-0123abcd.rlib")
    assert (outs[0] / "liba-0123abcd.rmeta").read_bytes() == (outs[1] / "liba-0123abcd.rmeta").read_bytes()


@pytest.mark.parametrize("flags", [[], ["--panic", "abort"]], ids=["unwind", "abort"])
def test_std_bundle_twice(tmp_path, flags):
    outs = []
    for n in range(2):
        d = tmp_path / f"run{n}" / ("deep/" * n)
        d.mkdir(parents=True)
        _cli(["std-bundle", *flags, "-o", "libstd_bundle.a"], d, tmp_path / f"tmp{n}")
        outs.append(d / "libstd_bundle.a")
    assert_identical(outs[0], outs[1])
