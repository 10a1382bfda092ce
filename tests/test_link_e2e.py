"""End-to-end link tests: real rustc, real C/C++ compilers, real linkers.

Every test builds v0 rlibs with `rlib-v0 rustc`, links them from C (or C++)
through `rlib-v0 link`, runs the program and checks what it prints against
values computed here in Python, so a wrong link (a crate linked twice, a
stale input, a missing crate) shows up as a wrong number, not just as a
linker error.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from conftest import LINKERS, assert_user_error

M64 = (1 << 64) - 1

# --------------------------------------------------------------------------
# The spec's diamond: C main -> Rust b, c -> Rust a

A_RS = """
use std::sync::atomic::{AtomicU64, Ordering};
static CALLS: AtomicU64 = AtomicU64::new(0);
pub fn combine(x: u64, y: u64) -> u64 { CALLS.fetch_add(1, Ordering::SeqCst); x * 1000 + y }
pub fn calls() -> u64 { CALLS.load(Ordering::SeqCst) }
"""
B_RS = """
#[no_mangle]
pub extern "C" fn b_entry(x: u64) -> u64 { a::combine(x, 1) }
"""
C_RS = """
#[no_mangle]
pub extern "C" fn c_entry(x: u64) -> u64 {
    let s = format!("{}-{}", x, "std formatting");
    a::combine(s.len() as u64, 2)
}
#[no_mangle]
pub extern "C" fn c_calls() -> u64 { a::calls() }
"""
DIAMOND_MAIN_C = r"""
#include <stdio.h>
#include <stdint.h>
uint64_t b_entry(uint64_t);
uint64_t c_entry(uint64_t);
uint64_t c_calls(void);
int main(void) {
    unsigned long long b = b_entry(7), c = c_entry(12345);
    printf("%llu %llu %llu\n", b, c, (unsigned long long)c_calls());
    return 0;
}
"""
DIAMOND_MAIN_CXX = r"""
#include <cstdint>
#include <iostream>
#include <stdexcept>
#include <vector>
extern "C" {
uint64_t b_entry(uint64_t);
uint64_t c_entry(uint64_t);
uint64_t c_calls();
}
int main() {
    std::vector<uint64_t> v{b_entry(7), c_entry(12345)};
    try { throw std::runtime_error("c++ exceptions still work"); }
    catch (const std::exception &e) { std::cerr << e.what() << "\n"; }
    std::cout << v[0] << " " << v[1] << " " << c_calls() << std::endl;
    return 0;
}
"""
# 7*1000+1; len("12345-std formatting")*1000+2; combine called twice, in one copy of a.
DIAMOND_EXPECTED = f"{7 * 1000 + 1} {len('12345-std formatting') * 1000 + 2} 2"


@pytest.fixture(scope="module")
def diamond(build_crate, std_bundle, compile_c):
    a = build_crate("a", A_RS)
    b = build_crate("b", B_RS, deps=[a])
    c = build_crate("c", C_RS, deps=[a])
    return {"a": a, "b": b, "c": c, "bundle": std_bundle(), "main": compile_c(DIAMOND_MAIN_C, "diamond_main")}


def spec_order(d) -> list[Path]:
    """The spec's order: a first (wrong for a one-pass linker), a repeated."""
    return [d["main"], d["a"], d["c"], d["b"], d["a"], d["bundle"]]


def plan_crates(stderr: str) -> list[str]:
    """Crate names in the order of `--debug`'s plan listing."""
    return re.findall(r"^\s*\d+\.\s+crate\s+(\w+)", stderr, re.M)


def assert_runs(run_exe, exe: Path, expected: str) -> None:
    assert exe.exists(), f"{exe} was not produced"
    proc = run_exe(exe)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == expected


@pytest.mark.parametrize("ld", LINKERS)
def test_diamond_with_each_linker(ld, diamond, fuse_ld, link, run_exe, tmp_path):
    exe = tmp_path / "app"
    proc = link(["cc", *fuse_ld(ld), *spec_order(diamond), "-o", exe])
    assert proc.returncode == 0, proc.stderr
    assert_runs(run_exe, exe, DIAMOND_EXPECTED)


def test_diamond_dependency_first_order_needs_the_wrapper(diamond, fuse_ld, link, run_exe, tmp_path):
    """Control: with a before its dependents (given once), ld.bfd alone fails;
    the same command through the wrapper links, so the reordering matters."""
    exe = tmp_path / "app"
    argv = ["cc", *fuse_ld("bfd"), diamond["main"], diamond["a"], diamond["c"], diamond["b"], diamond["bundle"], "-o", exe]
    raw = subprocess.run([str(a) for a in argv], capture_output=True, text=True)
    assert raw.returncode != 0 and "undefined reference" in raw.stderr, raw.stderr
    exe.unlink(missing_ok=True)
    proc = link(argv)
    assert proc.returncode == 0, proc.stderr
    assert_runs(run_exe, exe, DIAMOND_EXPECTED)


@pytest.mark.parametrize(
    "spelling",
    [
        ["-Wl,-lars", "-Wl,-lcrs", "-Wl,-lbrs"],
        ["-Wl,-l,ars,-l,crs", "-Wl,--library=brs"],
        ["-Xlinker", "-lars", "-Xlinker", "-lcrs", "-Xlinker", "-lbrs"],
        ["-Wl,-Bstatic,-lars,-lcrs,-lbrs,-Bdynamic,-lm"],
    ],
    ids=["Wl-lNAME", "Wl-l-NAME", "Xlinker", "Wl-mixed"],
)
def test_diamond_libraries_given_as_linker_flags(spelling, diamond, fuse_ld, link, run_exe, tmp_path):
    """Crates installed as `libNAMErs.a` and named inside `-Wl,` (or after
    `-Xlinker`), a before its dependents: resolved like `-lNAME`, so they are
    ordered (ld.bfd would fail on this order), counted by the missing-crate
    check, and only their parts of a `-Wl,` argument are taken out."""
    libdir = tmp_path / "lib"
    libdir.mkdir()
    for name in ("a", "b", "c"):
        shutil.copy(diamond[name], libdir / f"lib{name}rs.a")
    exe = tmp_path / "app"
    proc = link(["cc", *fuse_ld("bfd"), diamond["main"], f"-L{libdir}", *spelling, diamond["bundle"], "-o", exe], debug=True)
    assert proc.returncode == 0, proc.stderr
    assert plan_crates(proc.stderr)[:2] in (["b", "c"], ["c", "b"]) and plan_crates(proc.stderr)[2] == "a", proc.stderr
    assert f"-lars -> {libdir}/libars.a (a " in proc.stderr
    assert_runs(run_exe, exe, DIAMOND_EXPECTED)
    # Without a: the check names it (a -Wl,-l of a Rust archive is a Rust input).
    proc = link(["cc", diamond["main"], f"-L{libdir}", "-Wl,-lbrs,-lcrs", diamond["bundle"], "-o", exe])
    assert_user_error(proc, "a")


def test_linker_flag_library_parts_kept():
    """Only the library's own parts leave a `-Wl,` argument; what came before it
    stays before the Rust block, the rest after."""
    from rlib_v0 import cmd_link, linker_cmd
    from rlib_v0.plan import Plan

    cmd = linker_cmd.parse(["cc", "main.o", "-Wl,--as-needed,-Bstatic,-l,rustlib,-Bdynamic,-lm", "-o", "app"])
    (lib, libm) = cmd.libs
    assert (lib.spec, lib.static, lib.pieces, libm.spec, libm.static) == ("rustlib", True, (2, 4), "m", False)
    lib.rust = True  # as `find_rust_inputs` marks it
    plan = Plan([2])
    assert cmd_link.rewrite(cmd, plan, None) == ["cc", "main.o", "-Wl,--as-needed,-Bstatic", "-Wl,-Bdynamic,-lm", "-o", "app"]
    # The bundle's system libraries are shared: not searched under the user's -Bstatic.
    plan.native_libs = ["-lgcc_s"]
    assert cmd_link.rewrite(cmd, plan, None) == ["cc", "main.o", "-Wl,--as-needed,-Bstatic", "-Wl,-Bdynamic", "-lgcc_s", "-Wl,-Bstatic", "-Wl,-Bdynamic,-lm", "-o", "app"]


@pytest.mark.parametrize("linker", ["ld", "ld.bfd", "ld.gold", "ld.lld", "mold"])
def test_diamond_linker_called_directly(linker, diamond, direct_ld, link, run_exe, tmp_path):
    exe = tmp_path / "app"
    argv = direct_ld(linker, spec_order(diamond), exe)
    assert not any(a.startswith("-Wl,") for a in argv)
    proc = link(argv)
    assert proc.returncode == 0, proc.stderr
    assert_runs(run_exe, exe, DIAMOND_EXPECTED)


def test_diamond_from_cxx(diamond, compile_c, link, run_exe, tmp_path):
    main = compile_c(DIAMOND_MAIN_CXX, "diamond_main_cxx", cxx=True)
    exe = tmp_path / "app"
    proc = link(["c++", main, diamond["b"], diamond["a"], diamond["c"], diamond["bundle"], "-o", exe])
    assert proc.returncode == 0, proc.stderr
    run = run_exe(exe)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == DIAMOND_EXPECTED
    assert "c++ exceptions still work" in run.stderr


def test_debug_plan_names_crates_and_order(diamond, link, tmp_path):
    exe = tmp_path / "app"
    proc = link(["cc", *spec_order(diamond), "-o", exe], debug=True)
    assert proc.returncode == 0, proc.stderr
    order = plan_crates(proc.stderr)
    assert sorted(order) == ["a", "b", "c"], proc.stderr
    assert order.index("a") > order.index("b") and order.index("a") > order.index("c"), proc.stderr
    # First appearance decides between independent crates: c before b.
    assert order.index("c") < order.index("b"), proc.stderr
    assert str(diamond["bundle"]) in proc.stderr
    dropped = [ln for ln in proc.stderr.splitlines() if "dropped" in ln]
    assert len(dropped) == 1 and str(diamond["a"]) in dropped[0], proc.stderr


# --------------------------------------------------------------------------
# A deep lattice: crate k<i> depends on k<i-1> and k<i-2>

N_LATTICE = 12


def lattice_src(i: int) -> str:
    if i == 0:
        body = "x.wrapping_add(1)"
    elif i == 1:
        body = "k0::val(x).wrapping_mul(2).wrapping_add(1)"
    else:
        body = f"k{i - 1}::val(x).wrapping_mul(3).wrapping_add(k{i - 2}::val(x)).wrapping_add({i})"
    return f"""
#[inline(never)]
pub fn val(x: u64) -> u64 {{ {body} }}
#[no_mangle]
pub extern "C" fn k{i}_val(x: u64) -> u64 {{ val(x) }}
"""


def lattice_expected(x: int) -> list[int]:
    v: list[int] = []
    for i in range(N_LATTICE):
        if i == 0:
            v.append((x + 1) & M64)
        elif i == 1:
            v.append((v[0] * 2 + 1) & M64)
        else:
            v.append((v[i - 1] * 3 + v[i - 2] + i) & M64)
    return v


LATTICE_MAIN_C = "#include <stdio.h>\n#include <stdint.h>\n" + "".join(f"uint64_t k{i}_val(uint64_t);\n" for i in range(N_LATTICE)) + (
    "int main(void) {\n" + "".join(f'    printf("%llu\\n", (unsigned long long)k{i}_val(5));\n' for i in range(N_LATTICE)) + "    return 0;\n}\n"
)


@pytest.fixture(scope="module")
def lattice(build_crate):
    crates: list[Path] = []
    for i in range(N_LATTICE):
        deps = crates[max(0, i - 2) : i]
        crates.append(build_crate(f"k{i}", lattice_src(i), deps=deps))
    return crates


@pytest.mark.parametrize("order", ["dependencies-first", "dependents-first", "shuffled"])
def test_deep_lattice(order, lattice, std_bundle, compile_c, fuse_ld, link, run_exe, tmp_path):
    rlibs = list(lattice)
    if order == "dependents-first":
        rlibs.reverse()
    elif order == "shuffled":
        random.Random(73632).shuffle(rlibs)
    exe = tmp_path / "app"
    main = compile_c(LATTICE_MAIN_C, "lattice_main")
    proc = link(["cc", *fuse_ld("bfd"), main, *rlibs, std_bundle(), "-o", exe], debug=True)
    assert proc.returncode == 0, proc.stderr
    assert_runs(run_exe, exe, "\n".join(map(str, lattice_expected(5))))
    pos = {name: n for n, name in enumerate(plan_crates(proc.stderr))}
    assert sorted(pos) == sorted(f"k{i}" for i in range(N_LATTICE)), proc.stderr
    for i in range(2, N_LATTICE):
        assert pos[f"k{i}"] < pos[f"k{i - 1}"] and pos[f"k{i}"] < pos[f"k{i - 2}"], proc.stderr


# --------------------------------------------------------------------------
# A wide fan-out: one base crate, ten dependents, all called from C

N_FAN = 10
BASE_RS = """
use std::sync::atomic::{AtomicU64, Ordering};
static TOTAL: AtomicU64 = AtomicU64::new(0);
pub fn record(v: u64) -> u64 { TOTAL.fetch_add(v, Ordering::SeqCst) + v }
pub fn scale(x: u64) -> u64 { x * 7 + 3 }
pub fn total() -> u64 { TOTAL.load(Ordering::SeqCst) }
"""


def fan_src(i: int) -> str:
    # C reaches base only through the fans (the last one reads the total),
    # so a one-pass linker needs base after all of them.
    total = '#[no_mangle]\npub extern "C" fn fan_total() -> u64 { base::total() }\n' if i == N_FAN - 1 else ""
    return f"""
#[no_mangle]
pub extern "C" fn fan{i}(x: u64) -> u64 {{
    base::record(x + {i});
    base::scale(x) + {i} * 100
}}
{total}"""


FAN_MAIN_C = "#include <stdio.h>\n#include <stdint.h>\nuint64_t fan_total(void);\n" + "".join(f"uint64_t fan{i}(uint64_t);\n" for i in range(N_FAN)) + (
    "int main(void) {\n" + "".join(f'    printf("%llu ", (unsigned long long)fan{i}({i * 10}));\n' for i in range(N_FAN)) + '    printf("total=%llu\\n", (unsigned long long)fan_total());\n    return 0;\n}\n'
)
# Each fan<i>(10 i) returns 70 i + 3 + 100 i and records 10 i + i into the one TOTAL.
FAN_EXPECTED = " ".join(str(70 * i + 3 + 100 * i) for i in range(N_FAN)) + f" total={sum(11 * i for i in range(N_FAN))}"


@pytest.fixture(scope="module")
def fan(build_crate):
    base = build_crate("base", BASE_RS)
    # Independent crates: build them two at a time (build_crate is thread-safe).
    with ThreadPoolExecutor(max_workers=2) as pool:
        fans = list(pool.map(lambda i: build_crate(f"fan{i}", fan_src(i), deps=[base]), range(N_FAN)))
    return base, fans


@pytest.mark.parametrize("ld", LINKERS)
def test_wide_fan_out(ld, fan, std_bundle, compile_c, fuse_ld, link, run_exe, tmp_path):
    base, fans = fan
    exe = tmp_path / "app"
    # The base first: the order a naive build system would produce.
    proc = link(["cc", *fuse_ld(ld), compile_c(FAN_MAIN_C, "fan_main"), base, *fans, std_bundle(), "-o", exe])
    assert proc.returncode == 0, proc.stderr
    assert_runs(run_exe, exe, FAN_EXPECTED)


# --------------------------------------------------------------------------
# The same crates many times, in random order


def test_many_duplicates_shuffled(lattice, fan, std_bundle, compile_c, link, run_exe, tmp_path):
    base, fans = fan
    rng = random.Random(20240117)
    # Same crate under another path (a copy): still the same crate.
    copies = {}
    for orig in (lattice[3], base):
        d = tmp_path / f"copy-of-{orig.stem}"
        d.mkdir()
        copies[orig] = d / orig.name
        shutil.copyfile(orig, copies[orig])
    groups: dict[str, list[Path]] = {}  # crate -> every path given for it
    for r in [*lattice, base, *fans]:
        groups[r.parent.name] = [r] * rng.randint(1, 4)
    for orig, copy in copies.items():
        groups[orig.parent.name] += [copy] * rng.randint(1, 2)
    bundle = std_bundle()
    rust = [p for ps in groups.values() for p in ps] + [bundle] * 3
    rng.shuffle(rust)
    main_src = (
        "#include <stdio.h>\n#include <stdint.h>\nuint64_t fan_total(void);\n"
        + "".join(f"uint64_t k{i}_val(uint64_t);\n" for i in range(N_LATTICE))
        + "".join(f"uint64_t fan{i}(uint64_t);\n" for i in range(N_FAN))
        + "int main(void) {\n    unsigned long long s = 0;\n"
        + "".join(f"    s += fan{i}(1);\n" for i in range(N_FAN))
        + f'    printf("%llu %llu %llu\\n", (unsigned long long)k{N_LATTICE - 1}_val(9), s, (unsigned long long)fan_total());\n    return 0;\n}}\n'
    )
    exe = tmp_path / "app"
    proc = link(["cc", compile_c(main_src, "dup_main"), *rust, "-o", exe], debug=True)
    assert proc.returncode == 0, proc.stderr
    expected = f"{lattice_expected(9)[-1]} {sum(7 + 3 + 100 * i for i in range(N_FAN))} {sum(1 + i for i in range(N_FAN))}"
    assert_runs(run_exe, exe, expected)

    plan = proc.stderr
    listed = plan_crates(plan)
    assert sorted(listed) == sorted([f"k{i}" for i in range(N_LATTICE)] + ["base"] + [f"fan{i}" for i in range(N_FAN)]), plan
    dropped = [ln.strip() for ln in plan.splitlines() if ln.strip().startswith("dropped ")]
    n_dups = sum(len(ps) - 1 for ps in groups.values()) + 2  # + the bundle given thrice
    assert len(dropped) == n_dups, plan
    for ps in groups.values():
        for p in set(ps):
            given = sum(1 for r in rust if r == p)
            first = rust.index(p) == min(rust.index(q) for q in set(ps))
            assert sum(1 for ln in dropped if ln.startswith(f"dropped {p}:")) == given - (1 if first else 0), (p, plan)
    # The linker saw each crate once: one path per crate on the command line.
    cmdline = next(ln for ln in plan.splitlines() if "linker command:" in ln).split()
    for name, ps in groups.items():
        assert sum(1 for a in cmdline if a in {str(p) for p in ps}) == 1, (name, cmdline)
    assert sum(1 for a in cmdline if a == str(bundle)) == 1


# --------------------------------------------------------------------------
# @response files


def _rsp_quote(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


@pytest.mark.parametrize("driver", ["cc", "ld.lld"])
def test_response_files(driver, diamond, direct_ld, link, run_exe, tmp_path, sha256_files):
    # One rlib in a directory with a space: the response file must quote it.
    spaced = tmp_path / "with space"
    spaced.mkdir()
    b = spaced / "libb.rlib"
    shutil.copyfile(diamond["b"], b)
    inner = tmp_path / "inner.rsp"
    inner.write_text(f"{_rsp_quote(str(diamond['a']))}\n{diamond['bundle']}\n")
    outer = tmp_path / "outer.rsp"
    outer.write_text(f"{diamond['a']} {diamond['c']}\n{_rsp_quote(str(b))}\n@{inner}\n")
    exe = tmp_path / "app"
    if driver == "cc":
        argv = ["cc", diamond["main"], f"@{outer}", "-o", exe]
    else:
        argv = direct_ld(driver, [diamond["main"], f"@{outer}"], exe)
    before = sha256_files([outer, inner, b])
    proc = link(argv, debug=True)
    assert proc.returncode == 0, proc.stderr
    assert_runs(run_exe, exe, DIAMOND_EXPECTED)
    assert sorted(plan_crates(proc.stderr)) == ["a", "b", "c"]
    assert sha256_files([outer, inner, b]) == before


# --------------------------------------------------------------------------
# Failing links, explained with --debug

CLASH_X = """
#[no_mangle] pub extern "C" fn clash() -> i32 { 1 }
#[no_mangle] pub extern "C" fn x_only() -> i32 { 10 }
"""
CLASH_Y = """
#[no_mangle] pub extern "C" fn clash() -> i32 { 2 }
#[no_mangle] pub extern "C" fn y_only() -> i32 { 20 }
"""
CLASH_MAIN_C = r"""
#include <stdio.h>
int clash(void); int x_only(void); int y_only(void);
int main(void) { printf("%d\n", clash() + x_only() + y_only()); return 0; }
"""


@pytest.fixture(scope="module")
def clash(build_crate, std_bundle, compile_c):
    one_cgu = ["-C", "codegen-units=1"]  # x_only pulls in the object that defines clash
    return {
        "x": build_crate("x", CLASH_X, flags=one_cgu),
        "y": build_crate("y", CLASH_Y, flags=one_cgu),
        "bundle": std_bundle(),
        "main": compile_c(CLASH_MAIN_C, "clash_main"),
    }


@pytest.mark.parametrize("ld", LINKERS)
def test_duplicate_no_mangle_explained(ld, clash, fuse_ld, link, tmp_path):
    exe = tmp_path / "app"
    proc = link(["cc", *fuse_ld(ld), clash["main"], clash["x"], clash["y"], clash["bundle"], "-o", exe], debug=True)
    assert proc.returncode != 0
    assert not exe.exists()
    expl = proc.stderr[proc.stderr.index("rlib-v0: explanation") :]
    line = next(ln for ln in expl.splitlines() if "clash" in ln)
    assert "crate x" in line and "crate y" in line, expl
    assert str(clash["x"]) in line and str(clash["y"]) in line, expl
    assert "Traceback" not in proc.stderr


MISSING_D = """
#[inline(never)]
pub fn d_helper(x: u64) -> u64 { x * 3 }
#[no_mangle]
pub extern "C" fn d_entry(x: u64) -> u64 { d_helper(x) + 1 }
"""


@pytest.fixture(scope="module")
def crate_d(build_crate):
    # legacy is stable rustc's default (naming it needs -Z unstable-options).
    return {"legacy": build_crate("d", MISSING_D), "v0": build_crate("d", MISSING_D, flags=["-C", "symbol-mangling-version=v0"])}


def _defined_symbol(rlib: Path, needle: str) -> str:
    # readelf, not nm: nm hands rustc's objects (which embed .llvmbc) to the
    # LTO plugin and may list no symbols at all.
    out = subprocess.run(["readelf", "-sW", str(rlib)], capture_output=True, text=True).stdout
    names = []
    for ln in out.splitlines():
        f = ln.split()
        # Num: Value Size Type Bind Vis Ndx Name
        if len(f) >= 8 and f[3] == "FUNC" and f[4] == "GLOBAL" and f[6] != "UND" and needle in f[7]:
            names.append(f[7])
    assert len(names) == 1, out
    return names[0]


@pytest.mark.parametrize("ld", LINKERS)
def test_c_calls_crate_missing_from_line_explained(ld, diamond, crate_d, compile_c, fuse_ld, link, tmp_path):
    """main.o calls `d_entry` of crate d, which is not on the line: the
    explanation names the symbol and the object that needs it."""
    src = '#include <stdint.h>\nuint64_t b_entry(uint64_t); uint64_t d_entry(uint64_t);\nint main(void) { return (int)(b_entry(1) + d_entry(2)); }\n'
    main = compile_c(src, "needs_d")
    exe = tmp_path / "app"
    proc = link(["cc", *fuse_ld(ld), main, diamond["b"], diamond["a"], diamond["bundle"], "-o", exe], debug=True)
    assert proc.returncode != 0 and not exe.exists()
    expl = proc.stderr[proc.stderr.index("rlib-v0: explanation") :]
    line = next(ln for ln in expl.splitlines() if "d_entry" in ln)
    assert "needs_d.o" in line and "undefined" in line, expl


@pytest.mark.parametrize("scheme", ["legacy", "v0"])
@pytest.mark.parametrize("ld", ["bfd", "lld"])
def test_mangled_call_into_missing_crate_names_it(scheme, ld, diamond, crate_d, compile_c, fuse_ld, link, tmp_path):
    """A C object calling a Rust-mangled function of crate d (the name read
    from libd.rlib with nm) without crate d on the line: the explanation says
    crate d is missing."""
    sym = _defined_symbol(crate_d[scheme], "d_helper")
    src = f'#include <stdint.h>\nuint64_t d_helper(uint64_t) __asm__("{sym}");\nuint64_t b_entry(uint64_t);\nint main(void) {{ return (int)(b_entry(1) + d_helper(2)); }}\n'
    main = compile_c(src, f"needs_d_{scheme}")
    exe = tmp_path / "app"
    proc = link(["cc", *fuse_ld(ld), main, diamond["b"], diamond["a"], diamond["bundle"], "-o", exe], debug=True)
    assert proc.returncode != 0 and not exe.exists()
    expl = proc.stderr[proc.stderr.index("rlib-v0: explanation") :]
    line = next(ln for ln in expl.splitlines() if "d_helper" in ln)
    assert "crate d" in line and "not on the link line" in line, expl
    assert f"needs_d_{scheme}.o" in line, expl
    # Control: with crate d on the line, the same objects link.
    ok = link(["cc", *fuse_ld(ld), main, diamond["b"], diamond["a"], crate_d[scheme], diamond["bundle"], "-o", exe])
    assert ok.returncode == 0, ok.stderr


# --------------------------------------------------------------------------
# --reproduce


def test_reproduce_dir_relinks_elsewhere(diamond, link, run_exe, tool_shim, tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    for k in ("a", "b", "c"):
        shutil.copyfile(diamond[k], work / diamond[k].name)
    shutil.copyfile(diamond["main"], work / "main.o")
    shutil.copyfile(diamond["bundle"], work / "libstd_bundle.a")
    (work / "rsp").write_text("libc.rlib libb.rlib\n")
    repro = tmp_path / "repro"
    # Relative paths and a response file, from the work directory.
    proc = link(["cc", "main.o", "liba.rlib", "@rsp", "liba.rlib", "libstd_bundle.a", "-o", "app"], reproduce=repro, cwd=work)
    assert proc.returncode == 0, proc.stderr
    assert_runs(run_exe, work / "app", DIAMOND_EXPECTED)
    assert (repro / "run.sh").exists()
    # The originals go away; the reproducer must be self-contained.
    shutil.rmtree(work)
    moved = tmp_path / "elsewhere" / "bug-report"
    moved.parent.mkdir()
    shutil.move(repro, moved)
    env = dict(os.environ, PATH=f"{tool_shim}{os.pathsep}{os.environ.get('PATH', '')}")
    rerun = subprocess.run(["sh", str(moved / "run.sh")], cwd="/", env=env, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    outs = [p for p in (moved / "out").iterdir()] if (moved / "out").is_dir() else []
    assert len(outs) == 1, outs
    assert_runs(run_exe, outs[0], DIAMOND_EXPECTED)


# --------------------------------------------------------------------------
# Inputs are never modified; a failed link leaves no output


def test_inputs_untouched_and_no_output_after_failure(diamond, clash, link, run_exe, tmp_path, sha256_files):
    rsp = tmp_path / "in.rsp"
    rsp.write_text(f"{diamond['c']} {diamond['b']}\n")
    inputs = [diamond["main"], diamond["a"], diamond["b"], diamond["c"], diamond["bundle"], rsp, clash["x"], clash["y"], clash["main"]]
    before = sha256_files(inputs)
    mtimes = {str(p): os.stat(p).st_mtime_ns for p in inputs}
    out_dir = tmp_path / "out"
    out_dir.mkdir()

    ok = link(["cc", diamond["main"], diamond["a"], f"@{rsp}", diamond["a"], diamond["bundle"], "-o", out_dir / "app"], debug=True)
    assert ok.returncode == 0, ok.stderr
    assert_runs(run_exe, out_dir / "app", DIAMOND_EXPECTED)
    assert sha256_files(inputs) == before

    for debug in (False, True):
        bad = out_dir / f"clash-{debug}"
        proc = link(["cc", clash["main"], clash["x"], clash["y"], clash["bundle"], "-o", bad], debug=debug)
        assert proc.returncode != 0
        assert not bad.exists()
    # A stale output from an earlier link must not survive a failed relink.
    stale = out_dir / "app"
    proc = link(["cc", clash["main"], clash["x"], clash["y"], clash["bundle"], "-o", stale])
    assert proc.returncode != 0
    assert not stale.exists()
    assert sorted(p.name for p in out_dir.iterdir()) == [], "temporary files left behind"
    assert sha256_files(inputs) == before
    assert {str(p): os.stat(p).st_mtime_ns for p in inputs} == mtimes


def test_refused_link_leaves_no_output(diamond, link, tmp_path):
    """A link refused before the linker runs (crate b without its dependency a)."""
    exe = tmp_path / "app"
    proc = link(["cc", diamond["main"], diamond["b"], diamond["c"], diamond["bundle"], "-o", exe])
    assert_user_error(proc, "crate b", "crate a")
    assert not exe.exists()
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------
# Cycles: a C archive given among the Rust inputs (as Buck2 places a crate's
# `cxx_library` dependency) that calls back into a crate placed before it.

CYCLE_RS = """
extern "C" { fn c_helper(x: i32) -> i32; }
pub mod entry {
    #[no_mangle]
    pub extern "C" fn cycle_entry(x: i32) -> i32 { let r = unsafe { super::c_helper(x) }; r + 1 }
}
pub mod callback {
    #[no_mangle]
    pub extern "C" fn cycle_callback(x: i32) -> i32 { x * 10 }
}
"""
CYCLE_C = "int cycle_callback(int);\nint c_helper(int x) { return cycle_callback(x) + 5; }\n"
CYCLE_MAIN = '#include <stdio.h>\nint cycle_entry(int);\nint main(void) { printf("%d\\n", cycle_entry(4)); return 0; }\n'


@pytest.fixture(scope="module")
def cycle(build_crate, compile_c, std_bundle, tmp_path_factory):
    # Two modules, 16 codegen units at opt-level 0: the callback lives in
    # another object of the rlib than the entry, so a one-pass linker that
    # has passed the rlib when it meets the C archive cannot go back for it.
    crate = build_crate("cycle", CYCLE_RS, flags=["-C", "codegen-units=16", "-C", "opt-level=0"])
    d = tmp_path_factory.mktemp("cycle")
    helper = d / "libhelper.a"
    subprocess.run(["ar", "rcs", str(helper), str(compile_c(CYCLE_C, name="helper"))], check=True)
    return crate, helper, compile_c(CYCLE_MAIN, name="cycle_main"), std_bundle()


@pytest.mark.parametrize("ld", LINKERS)
def test_c_archive_among_rust_inputs_calls_back(ld, cycle, fuse_ld, link, run_exe, tmp_path):
    crate, helper, main, bundle = cycle
    exe = tmp_path / "app"
    proc = link(["cc", *fuse_ld(ld), main, crate, helper, bundle, "-o", exe], debug=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert run_exe(exe).stdout == "46\n"
    assert f"group: one group from the Rust block through {bundle}" in proc.stderr
    assert str(helper) in proc.stderr.split("group: ")[1]


def test_cycle_fails_on_bfd_without_the_group(cycle, link, tmp_path):
    """The same line without rlib-v0's group fails on ld.bfd: the group is
    what links it (and the fixture really has the cycle)."""
    crate, helper, main, bundle = cycle
    proc = subprocess.run(["cc", "-fuse-ld=bfd", str(main), str(crate), str(helper), str(bundle), "-o", str(tmp_path / "bare")], capture_output=True, text=True)
    assert proc.returncode != 0 and "cycle_callback" in proc.stderr


def test_users_own_group_is_kept_not_nested(cycle, link, run_exe, tmp_path):
    crate, helper, main, bundle = cycle
    exe = tmp_path / "app"
    proc = link(["cc", "-fuse-ld=bfd", main, "-Wl,--start-group", crate, helper, "-Wl,--end-group", bundle, "-o", exe], debug=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert run_exe(exe).stdout == "46\n"
    line = next(ln for ln in proc.stderr.splitlines() if ln.startswith("  linker command: "))
    assert line.count("--start-group") == 1 and line.count("--end-group") == 1
    assert "the Rust block is inside the command's own group" in proc.stderr


def test_no_group_when_nothing_lies_between(diamond, link, tmp_path):
    """Crates given together and no native libraries: the line is as before."""
    d = diamond
    proc = link(["cc", d["main"], d["b"], d["c"], d["a"], d["bundle"], "-o", tmp_path / "app"], debug=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "--start-group" not in proc.stderr and "group:" not in proc.stderr
def test_fuse_ld_linker_not_found_note(diamond, link, tmp_path):
    """`cc -fuse-ld=lld` with no ld.lld where gcc looks: collect2 says only
    "cannot find 'ld'"; the wrapper adds one note naming the option and the
    program (the cross-gcc case is in test_cargo_cross.py)."""
    cc = shutil.which("cc")
    if cc is None or "gcc" not in os.path.realpath(cc):
        pytest.skip("needs gcc as cc (collect2's message)")
    empty = tmp_path / "empty-path"
    empty.mkdir()
    exe = tmp_path / "app"
    proc = link([cc, "-fuse-ld=lld", diamond["main"], diamond["b"], diamond["c"], diamond["a"], diamond["bundle"], "-o", exe], env={"PATH": str(empty)})
    assert proc.returncode != 0 and "collect2: fatal error: cannot find" in proc.stderr, proc.stderr
    notes = [ln for ln in proc.stderr.splitlines() if ln.startswith("rlib-v0:")]
    assert notes == [f"rlib-v0: note: {cc} found no linker for -fuse-ld=lld: ld.lld is not on PATH (install lld)"], proc.stderr
    assert not exe.exists()
