"""`rlib-v0 size`: what each crate costs in a linked binary, and crates present twice.

Real binaries: the spec's diamond linked the v0 way (`rlib-v0 link`) and
the staticlib way (rustc's staticlibs, the system linker), the demo's own
build (`rlib-v0 demo --keep`), and the reindeer crate set built by cargo.
pyelftools, an ELF reader independent of LIEF (which `size` uses), is the
oracle for every section size.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import TOOL, assert_user_error

HERE = Path(__file__).parent
PY = HERE.parent / "prelude_ext" / "py"

pytest.importorskip("lief", reason="pip install lief (a runtime dependency of rlib-v0, for `size`)")

A_RS = """
use std::sync::atomic::{AtomicU32, Ordering};
pub static CALLS: AtomicU32 = AtomicU32::new(0);
pub fn record(who: &str) -> u32 { CALLS.fetch_add(1, Ordering::SeqCst); format!("<{who}>").len() as u32 }
pub fn calls() -> u32 { CALLS.load(Ordering::SeqCst) }
"""
B_RS = '#[no_mangle] pub extern "C" fn b_entry() -> u32 { a::record("b") }\n'
C_RS = '#[no_mangle] pub extern "C" fn c_entry() -> u32 { a::record("c") }\n#[no_mangle] pub extern "C" fn a_calls() -> u32 { a::calls() }\n'
MAIN_C = r"""
#include <stdio.h>
unsigned b_entry(void); unsigned c_entry(void); unsigned a_calls(void);
int main(void) { unsigned b = b_entry(), c = c_entry(); printf("%u %u calls=%u\n", b, c, a_calls()); return 0; }
"""


def _size(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    proc = subprocess.run(TOOL + ["size", *map(str, args)], capture_output=True, text=True, timeout=600, env=dict(os.environ, PYTHONPATH=str(PY)))
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


def _json(binary: Path) -> dict:
    (report,) = json.loads(_size("--json", binary).stdout)
    return report


def _rustc(cwd: Path, *args: str) -> None:
    proc = subprocess.run(["rustc", "--edition=2021", *args], cwd=cwd, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def _native_libs(cwd: Path) -> list[str]:
    return (cwd / "native.txt").read_text().split()


@pytest.fixture(scope="module")
def v0_diamond(build_crate, std_bundle, compile_c, link, run_exe, tmp_path_factory) -> Path:
    a = build_crate("a", A_RS, flags=["-C", "metadata=size-a"])
    b = build_crate("b", B_RS, [a], flags=["-C", "metadata=size-b"])
    c = build_crate("c", C_RS, [a], flags=["-C", "metadata=size-c"])
    out = tmp_path_factory.mktemp("size-v0") / "d_v0"
    proc = link(["cc", compile_c(MAIN_C), b, a, c, a, std_bundle(), "-o", out])
    assert proc.returncode == 0, proc.stderr
    assert run_exe(out).stdout == "3 3 calls=2\n"
    return out


def _staticlib_diamond(d: Path, compile_c, meta_b: str, meta_c: str, mangling: str = "legacy") -> Path:
    """B and C as staticlibs, each over its own build of A (`-C metadata`
    apart, as two separately built libraries are), linked by plain cc."""
    for n, text in (("a.rs", A_RS), ("b.rs", B_RS), ("c.rs", C_RS)):
        (d / n).write_text(text)
    flags = [] if mangling == "legacy" else ["-C", "symbol-mangling-version=v0"]
    for crate, meta in (("b", meta_b), ("c", meta_c)):
        (d / crate).mkdir()
        _rustc(d / crate, "--crate-type=rlib", "--crate-name=a", f"-Cmetadata={meta}", *flags, "../a.rs", "-o", "liba.rlib")
        _rustc(d, "--crate-type=staticlib", f"--crate-name={crate}", *flags, f"{crate}.rs", "--extern", f"a={crate}/liba.rlib", "--print=native-static-libs=native.txt", "-o", f"lib{crate}.a")
    out = d / "d_static"
    proc = subprocess.run(["cc", str(compile_c(MAIN_C)), "libb.a", "libc.a", *_native_libs(d), "-o", str(out)], cwd=d, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return out


def _pyelftools_sections(binary: Path) -> dict[str, tuple[str, int]]:
    """name -> (column, size) of every allocated, non-empty section, by pyelftools."""
    from elftools.elf.constants import SH_FLAGS
    from elftools.elf.elffile import ELFFile

    out = {}
    with open(binary, "rb") as f:
        for s in ELFFile(f).iter_sections():
            flags = s["sh_flags"]
            if not flags & SH_FLAGS.SHF_ALLOC or s["sh_size"] == 0:
                continue
            col = "text" if flags & SH_FLAGS.SHF_EXECINSTR else "bss" if s["sh_type"] == "SHT_NOBITS" else "data" if flags & SH_FLAGS.SHF_WRITE else "rodata"
            out[s.name] = (col, s["sh_size"])
    return out


def _owner(report: dict, name: str) -> dict | None:
    return next((o for o in report["owners"] if o["name"] == name), None)


def _check_totals(report: dict, binary: Path) -> None:
    """Every section's size is pyelftools'; owners add up to the sections."""
    pytest.importorskip("elftools", reason="pip install pyelftools (a test dependency)")
    ref = _pyelftools_sections(binary)
    assert {s["name"]: (s["column"], s["size"]) for s in report["sections"]} == ref
    for col in ("text", "rodata", "data", "bss"):
        expected = sum(size for c, size in ref.values() if c == col)
        assert report["columns"][col] == expected
        assert sum(o[col] for o in report["owners"]) == expected, col
    for s in report["sections"]:
        assert 0 <= s["attributed"] <= s["size"], s


def test_v0_diamond_each_crate_once(v0_diamond: Path) -> None:
    report = _json(v0_diamond)
    _check_totals(report, v0_diamond)
    a, bundle = _owner(report, "a"), _owner(report, "std (bundle)")
    assert a and a["text"] > 0 and a["bss"] >= 4  # a::record, a::calls; the CALLS static
    assert bundle and bundle["text"] > 100_000 and {"std", "core", "alloc"} <= set(bundle["crates"])
    assert not [d for d in report["duplicates"] if d["copies"] > 1], report["duplicates"]
    text = _size(v0_diamond).stdout
    assert "duplicates: no crate is present twice" in text and "std (bundle)" in text


def test_staticlibs_with_two_builds_of_a_show_a_twice(tmp_path: Path, compile_c, run_exe) -> None:
    """Two staticlibs over two builds of A link without complaint, and the
    program is wrong (each half counts its own calls); `size` says why."""
    binary = _staticlib_diamond(tmp_path, compile_c, "size-a-for-b", "size-a-for-c")
    assert run_exe(binary).stdout == "3 3 calls=1\n"  # A's state split in two
    report = _json(binary)
    _check_totals(report, binary)
    (dup,) = [d for d in report["duplicates"] if d["copies"] > 1]
    assert dup["owner"] == "a" and dup["copies"] == 2 and "a::CALLS" in dup["evidence"]
    assert dup["repeated_bytes"] > 0
    assert "a is present 2 times" in _size(binary).stdout


def test_v0_mangled_builds_are_told_apart_by_disambiguator(tmp_path: Path, compile_c) -> None:
    binary = _staticlib_diamond(tmp_path, compile_c, "size-v0-b", "size-v0-c", mangling="v0")
    report = _json(binary)
    (dup,) = [d for d in report["duplicates"] if d["copies"] > 1]
    assert dup["owner"] == "a" and dup["copies"] == 2 and "disambiguators" in dup["evidence"], dup
    # The v0-mangled user crate a is not mistaken for the bundle.
    assert _owner(report, "a")["text"] > 0


def test_demo_staticlib_diamond_against_v0(tmp_path: Path) -> None:
    """The demo's staticlib diamond: its plain link happens to pull one copy
    of everything (as the v0 link does); linked whole with
    --allow-multiple-definition (the usual workaround for its failure),
    std is there twice and `size` counts what that costs."""
    work = tmp_path / "demo"
    proc = subprocess.run(TOOL + ["demo", "--keep", str(work)], capture_output=True, text=True, timeout=600, env=dict(os.environ, PYTHONPATH=str(PY)))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    s = work / "staticlib"
    lazy, v0 = _json(s / "d_lazy"), _json(work / "v0" / "d_v0")
    for r in (lazy, v0):
        assert not [d for d in r["duplicates"] if d["copies"] > 1], r["duplicates"]
    assert _owner(lazy, "std (bundle)")["total"] == _owner(v0, "std (bundle)")["total"]
    native = (s / "native-static-libs.txt").read_text().split()
    whole = subprocess.run(["c++", "../d.o", "-Wl,--whole-archive", "libb.a", "libc.a", "-Wl,--no-whole-archive", "-Wl,--allow-multiple-definition", *native, "-o", "d_whole"], cwd=s, capture_output=True, text=True)
    assert whole.returncode == 0, whole.stderr
    report = _json(s / "d_whole")
    _check_totals(report, s / "d_whole")
    (dup,) = [d for d in report["duplicates"] if d["copies"] > 1]
    assert dup["owner"] == "std (bundle)" and dup["copies"] == 2 and dup["repeated_bytes"] > 100_000, dup
    cmp = json.loads(_size("--compare", work / "v0" / "d_v0", s / "d_whole", "--json").stdout)
    row = next(r for r in cmp["owners"] if r["name"] == "std (bundle)")
    assert row["total"]["delta"] == row["total"]["b"] - row["total"]["a"] > 100_000
    assert "std (bundle) is present 2 times" in _size("--compare", work / "v0" / "d_v0", s / "d_whole").stdout


def test_plot_png_and_svg(v0_diamond: Path, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib", reason="pip install 'rlib-v0[plot]'")
    png, svg = tmp_path / "size.png", tmp_path / "size.svg"
    _size(v0_diamond, "--plot", png)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    _size("--compare", v0_diamond, v0_diamond, "--plot", svg)
    text = svg.read_text()
    assert "<svg" in text and "d_v0" in text


def test_stripped_binary_uses_dynamic_symbols(v0_diamond: Path, tmp_path: Path) -> None:
    stripped = tmp_path / "d_stripped"
    subprocess.run(["strip", "-o", str(stripped), str(v0_diamond)], check=True)
    report = _json(stripped)
    assert report["symbol_table"] == ".dynsym" and any("stripped" in n for n in report["notes"])
    _check_totals(report, stripped)


@pytest.mark.parametrize("case", ["missing", "text", "archive", "object", "truncated", "plot-ext", "plot-dir", "both", "none", "top"])
def test_bad_inputs_are_one_line_errors(case: str, v0_diamond: Path, std_bundle, compile_c, tmp_path: Path) -> None:
    args, mention = {
        "missing": ([tmp_path / "nope"], "nope: no such file"),
        "text": ([HERE / "test_size.py"], "not an ELF file"),
        "archive": ([std_bundle()], "an archive"),
        "object": ([compile_c(MAIN_C)], "not a linked executable"),
        "truncated": ([tmp_path / "cut"], "truncated ELF file"),
        "plot-ext": ([v0_diamond, "--plot", tmp_path / "x.pdf"], ".png or .svg"),
        "plot-dir": ([v0_diamond, "--plot", tmp_path / "no" / "x.png"], "does not exist"),
        "both": ([v0_diamond, "--compare", v0_diamond, v0_diamond], "not both"),
        "none": ([], "at least one binary"),
        "top": ([v0_diamond, "--top", "0"], "--top 0"),
    }[case]
    if case == "truncated":
        (tmp_path / "cut").write_bytes(v0_diamond.read_bytes()[:5000])
    proc = _size(*args, check=False)
    assert proc.stdout == ""
    assert_user_error(proc, mention)
    assert not list(tmp_path.glob("x.*"))


def test_cxx_namespaces() -> None:
    sys.path.insert(0, str(PY))
    from rlib_v0.audit.size import cxx_namespace

    assert cxx_namespace("_ZN3foo3barEv") == "foo"
    assert cxx_namespace("_ZNK5outer5inner1fEv") == "outer"
    assert cxx_namespace("_ZNSt6vectorIiSaIiEE9push_backEOi") == "std"
    assert cxx_namespace("_ZSt4cout") == "std"
    assert cxx_namespace("_ZTVN3foo3BarE") == "foo"
    assert cxx_namespace("_ZThn8_N3foo3Bar1fEv") == "foo"
    assert cxx_namespace("_ZN12_GLOBAL__N_11fEv") is None
    assert cxx_namespace("_Z3foov") is None and cxx_namespace("main") is None


# --------------------------------------------------------------------------
# The reindeer crate set (tests/reindeer), built by cargo through the wrapper


@pytest.mark.skipif(shutil.which("cargo") is None, reason="needs cargo: install Rust with rustup (https://rustup.rs)")
def test_reindeer_set_binary(tmp_path: Path, std_bundle, compile_c, link, run_exe) -> None:
    """The reindeer set's first-party crate (app/lib.rs) and its eight
    crates.io dependencies, as cargo builds them, linked under a C++ main:
    every crate once, each with its bytes."""
    project = tmp_path / "set"
    shutil.copytree(HERE / "reindeer" / "third-party", project, ignore=shutil.ignore_patterns("fixups", "reindeer.toml"))
    shutil.copy(HERE / "reindeer" / "app" / "lib.rs", project / "top" / "lib.rs")
    subprocess.run(TOOL + ["install-launchers", str(tmp_path)], check=True, env=dict(os.environ, PYTHONPATH=str(PY)))
    env = dict(os.environ, RUSTC_WRAPPER=str(tmp_path / "rlib-v0-rustc-wrapper"), CARGO_TARGET_DIR=str(tmp_path / "target"), CARGO_TERM_COLOR="never")
    proc = subprocess.run(["cargo", "build", "--locked", "--lib", "-j2"], cwd=project, env=env, capture_output=True, text=True, timeout=1800)
    assert proc.returncode == 0, proc.stderr[-4000:]
    rlibs = sorted((tmp_path / "target" / "debug" / "deps").glob("*.rlib"))
    main = compile_c((HERE / "reindeer" / "app" / "main.cpp").read_text(), name="reindeer_main", cxx=True)
    out = tmp_path / "cxx_main"
    proc = link(["c++", main, *rlibs, std_bundle(), "-o", out])
    assert proc.returncode == 0, proc.stderr
    assert run_exe(out).stdout.startswith("cxx: a1b22 n=3 digits=23")
    report = _json(out)
    _check_totals(report, out)
    crates = {o["name"] for o in report["owners"] if o["kind"] == "crate"}
    assert {"rlib_v0_reindeer_set", "serde_json", "regex_automata", "regex_syntax", "anyhow", "psm"} <= crates, crates
    assert not [d for d in report["duplicates"] if d["copies"] > 1], report["duplicates"]
    assert _owner(report, "regex_automata")["text"] > 10_000
