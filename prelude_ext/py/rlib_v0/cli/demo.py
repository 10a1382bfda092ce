"""`rlib-v0 demo`: the pre-RFC's diamond, built both ways, outcomes shown as they are.

Rust A; Rust B and C depend on A; C++ D calls B and C.  The staticlib way
gives one staticlib per Rust library (each holding A and std); the v0 way
gives one v0 rlib per crate, one std bundle, and the wrapper's link.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile

A_RS = """\
use std::sync::atomic::{AtomicU32, Ordering};
/// Shared state: must exist once in the program.
pub static CALLS: AtomicU32 = AtomicU32::new(0);
pub fn record(who: &str) -> u32 {
    CALLS.fetch_add(1, Ordering::SeqCst);
    describe(who).len() as u32
}
pub fn describe<T: std::fmt::Display>(t: T) -> String { format!("<{t}>") }
pub fn calls() -> u32 { CALLS.load(Ordering::SeqCst) }
"""
B_RS = """\
#[no_mangle] pub extern "C" fn b_entry() -> u32 { a::record("b") + a::describe(1u8).len() as u32 }
"""
C_RS = """\
#[no_mangle] pub extern "C" fn c_entry() -> u32 { a::record("c") + a::describe(2u8).len() as u32 }
#[no_mangle] pub extern "C" fn a_calls() -> u32 { a::calls() }
"""
D_CPP = """\
#include <cstdio>
extern "C" unsigned b_entry(); extern "C" unsigned c_entry(); extern "C" unsigned a_calls();
int main() { unsigned b = b_entry(), c = c_entry();
  std::printf("D: b=%u c=%u, crate A saw %u calls\\n", b, c, a_calls()); return 0; }
"""


def _run(cmd: list[str], cwd: str) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)


def _size(paths: list[str]) -> int:
    return sum(os.path.getsize(p) for p in paths)


def _say(msg: str) -> None:
    print(msg, flush=True)


def _first_errors(text: str, n: int = 2) -> str:
    lines = [ln.strip() for ln in text.splitlines() if "multiple definition" in ln or "duplicate symbol" in ln or "error" in ln]
    return "\n".join("      " + ln[:160] for ln in lines[:n])


def run(keep: str | None) -> int:
    work = keep or tempfile.mkdtemp(prefix="rlib-v0-demo-")
    os.makedirs(work, exist_ok=True)
    try:
        return _demo(work)
    finally:
        if not keep:
            shutil.rmtree(work, ignore_errors=True)


def _demo(work: str) -> int:
    for name, text in (("a.rs", A_RS), ("b.rs", B_RS), ("c.rs", C_RS), ("d.cpp", D_CPP)):
        with open(os.path.join(work, name), "w") as f:
            f.write(text)
    rustc = os.environ.get("RUSTC", "rustc")
    me = [sys.executable, "-m", "rlib_v0"]
    _say("The diamond of the pre-RFC: Rust A; Rust B and C depend on A; C++ D calls B and C.")
    cxx = _run(["c++", "-c", "d.cpp", "-o", "d.o"], work)
    if cxx.returncode:
        _say("c++ failed to compile d.cpp:\n" + cxx.stderr)
        return 1

    # The staticlib way.
    _say("\n1. The staticlib way: B and C each built as --crate-type=staticlib")
    s = os.path.join(work, "staticlib")
    os.makedirs(s)
    steps = [
        [rustc, "--edition=2021", "--crate-type=rlib", "--crate-name=a", "-Cmetadata=demo-a", "../a.rs", "-o", "liba.rlib"],
        # rustc says which system libraries a staticlib needs; into a file of ours.
        [rustc, "--edition=2021", "--crate-type=staticlib", "--crate-name=b", "../b.rs", "--extern", "a=liba.rlib", "--print=native-static-libs=native-static-libs.txt", "-o", "libb.a"],
        [rustc, "--edition=2021", "--crate-type=staticlib", "--crate-name=c", "../c.rs", "--extern", "a=liba.rlib", "-o", "libc.a"],
    ]
    for cmd in steps:
        p = _run(cmd, s)
        if p.returncode:
            _say(f"   rustc failed: {' '.join(cmd)}\n{p.stderr}")
            return 1
    try:
        with open(os.path.join(s, "native-static-libs.txt")) as f:
            native = f.read().split()
    except OSError as e:
        _say(f"   rustc did not write native-static-libs.txt ({e.strerror}); is it older than 1.74?")
        return 1
    size_static = _size([os.path.join(s, "libb.a"), os.path.join(s, "libc.a")])
    _say(f"   libb.a + libc.a = {size_static / 1e6:.1f} MB (each holds A, std and std's dependencies)")
    lazy = _run(["c++", "../d.o", "libb.a", "libc.a", *native, "-o", "d_lazy"], s)
    if lazy.returncode == 0:
        out = _run(["./d_lazy"], s).stdout.strip()
        _say(f"   plain link: succeeded, because the linker only pulls what it needs this time -> {out}")
    else:
        _say("   plain link: FAILED\n" + _first_errors(lazy.stderr))
    whole = _run(["c++", "../d.o", "-Wl,--whole-archive", "libb.a", "libc.a", "-Wl,--no-whole-archive", *native, "-o", "d_whole"], s)
    count = len(re.findall(r"multiple definition|duplicate symbol", whole.stderr))
    if whole.returncode:
        _say(f"   whole-archive link (needed for static initializers): FAILED with {count} multiple definitions, e.g.\n" + _first_errors(whole.stderr))
    else:
        _say("   whole-archive link: succeeded")

    # The v0 way.
    _say("\n2. The v0 way: one v0 rlib per crate, one std bundle, `rlib-v0 link`")
    v = os.path.join(work, "v0")
    os.makedirs(v)
    steps = [
        me + ["rustc", "--", "--edition=2021", "--crate-name=a", "-Cmetadata=demo-a", "../a.rs", "-o", "liba.rlib"],
        me + ["rustc", "--", "--edition=2021", "--crate-name=b", "-Cmetadata=demo-b", "../b.rs", "--extern", "a=liba.rlib", "-o", "libb.rlib"],
        me + ["rustc", "--", "--edition=2021", "--crate-name=c", "-Cmetadata=demo-c", "../c.rs", "--extern", "a=liba.rlib", "-o", "libc.rlib"],
        me + ["std-bundle", "-o", "libstd_bundle.a"],
    ]
    for cmd in steps:
        p = _run(cmd, v)
        if p.returncode:
            _say(f"   failed: {' '.join(cmd[2:])}\n{p.stderr}")
            return 1
    rlibs = [os.path.join(v, f) for f in ("liba.rlib", "libb.rlib", "libc.rlib")]
    bundle = os.path.join(v, "libstd_bundle.a")
    _say(f"   liba + libb + libc rlibs = {_size(rlibs) / 1e3:.0f} kB, std bundle = {os.path.getsize(bundle) / 1e6:.1f} MB (shared by every binary)")
    # Inputs as a build system would give them: each library with its deps, A twice.
    link = _run(me + ["link", "--debug", "--", "c++", "../d.o", "libb.rlib", "liba.rlib", "libc.rlib", "liba.rlib", "libstd_bundle.a", "-o", "d_v0"], v)
    plan = [ln for ln in link.stderr.splitlines() if ln.startswith("  ") and "linker command" not in ln]
    _say("   wrapper plan:\n" + "\n".join("   " + ln for ln in plan))
    if link.returncode:
        _say("   v0 link: FAILED\n" + link.stderr)
        return 1
    out = _run(["./d_v0"], v).stdout.strip()
    _say(f"   v0 link: succeeded -> {out}")
    whole = _run(me + ["link", "--whole-archive", "a", "--whole-archive", "b", "--whole-archive", "c", "--", "c++", "../d.o", "libb.rlib", "libc.rlib", "liba.rlib", "libstd_bundle.a", "-o", "d_v0_whole"], v)
    if whole.returncode == 0:
        _say(f"   whole-archive v0 link: succeeded -> {_run(['./d_v0_whole'], v).stdout.strip()}")
    else:
        _say("   whole-archive v0 link: FAILED\n" + _first_errors(whole.stderr))
        return 1
    _say("\nEach crate is linked exactly once with the system linker; the staticlib way only works while the linker happens not to pull duplicates.")
    return 0
