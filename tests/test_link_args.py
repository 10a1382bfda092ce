"""Links without the wrapper: `rlib-v0 rustc --link-args`, `rlib-v0
std-bundle --link-args`, the guard objects, `rlib-v0 rustc --bundle-identity`.

What Buck2's `link_check = "compile"` relies on, shown with real rustc and
the real linkers: a line of rlibs, each followed by `@` its link-args file,
then the bundle and its file, linked by the bare `cc` gives the program
`rlib-v0 link` gives; two crates declaring `#[global_allocator]` fail the
bare link (guard objects) whatever else refers to them; a crate built with
another panic strategy or target than the bundle is refused at its compile.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from conftest import LINKERS, assert_user_error

NUM_RS = "pub fn num() -> u32 { 40 }\n"
# Uses a native static library, as a crate with a build script does.
TOP_RS = """
extern "C" { fn cnum() -> u32; }
#[no_mangle]
pub extern "C" fn top() -> u32 { num::num() + unsafe { cnum() } + format!("{}", 1).len() as u32 }
"""
CNUM_C = "unsigned cnum(void) { return 2; }\n"
ALLOC_RS = """
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicU32, Ordering};
pub static COUNT: AtomicU32 = AtomicU32::new(0);
pub struct Counting;
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 { COUNT.fetch_add(1, Ordering::SeqCst); System.alloc(l) }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) { System.dealloc(p, l) }
}
#[global_allocator]
static GLOBAL: Counting = Counting;
#[no_mangle]
pub extern "C" fn NAME_count() -> u32 { COUNT.load(Ordering::SeqCst) }
"""
MAIN_C = r"""
#include <stdio.h>
unsigned top(void);
unsigned a1_count(void);
int main(void) { unsigned t = top(); printf("%u %u\n", t, a1_count() > 0); return 0; }
"""


@pytest.fixture(scope="module")
def crates(tmp_path_factory, rlib_v0, toolchain_ok, compile_c):
    """num <- top (+ libcnum.a), a1 and a2 (allocators), the bundle, each with its link-args file."""
    d = tmp_path_factory.mktemp("linkargs")
    native = d / "native"
    native.mkdir()
    subprocess.run(["cc", "-c", "-x", "c", "-", "-o", str(native / "cnum.o")], input=CNUM_C, text=True, check=True)
    subprocess.run(["ar", "rcs", str(native / "libcnum.a"), str(native / "cnum.o")], check=True)

    def crate(name: str, src: str, *extra: str) -> tuple[Path, Path]:
        (d / f"{name}.rs").write_text(src)
        rlib, args = d / f"lib{name}.rlib", d / "link" / f"lib{name}.rlib-v0-link-args"
        rlib_v0("rustc", "--link-args", args, "--", d / f"{name}.rs", "--crate-type=rlib", f"--crate-name={name}", "--edition=2021", "-o", rlib, *extra, cwd=d, check=True)
        return rlib, args

    out = {
        "num": crate("num", NUM_RS),
        "top": crate("top", TOP_RS, "--extern", f"num={d / 'libnum.rlib'}", "-l", "static=cnum", "-L", f"native={native}"),
        "a1": crate("a1", ALLOC_RS.replace("NAME", "a1")),
        "a2": crate("a2", ALLOC_RS.replace("NAME", "a2")),
    }
    bundle, bundle_args = d / "libstd_bundle.a", d / "libstd_bundle.rlib-v0-link-args"
    rlib_v0("std-bundle", "-o", bundle, "--link-args", bundle_args, check=True)
    out["bundle"] = (bundle, bundle_args)
    out["main"] = (compile_c(MAIN_C, name="linkargs_main"), None)
    out["dir"] = d
    return out


def _line(crates, *names: str) -> list[str]:
    """main.o, then each archive followed by `@` its link-args file."""
    line = [str(crates["main"][0])]
    for n in names:
        archive, args = crates[n]
        line += [str(archive), f"@{args}"]
    return line


def test_link_args_files_say_what_the_crate_needs(crates) -> None:
    read = lambda n: crates[n][1].read_text().split()  # noqa: E731
    assert read("num") == []
    top = read("top")
    assert top == [str(Path(crates["dir"]) / "native" / "libcnum.a")], top
    a1 = read("a1")
    # The allocator symbols the marker lists, kept by -u, and the guard object.
    assert [a for a in a1 if a.startswith("-Wl,-u,")] and all("__rust_" in a for a in a1 if a.startswith("-Wl,-u,")), a1
    guard = Path(a1[-1])
    assert guard.name == "liba1.rlib-v0-guard.o" and guard.is_file()
    assert not (crates["dir"] / "link" / "libnum.rlib-v0-guard.o").exists()
    bundle = read("bundle")
    assert "-lc" in bundle and all(a.startswith("-l") for a in bundle), bundle


@pytest.mark.parametrize("linker", LINKERS)
def test_bare_link_with_link_args_gives_the_wrappers_program(crates, fuse_ld, link, run_exe, tmp_path, linker: str) -> None:
    line = _line(crates, "top", "num", "a1", "bundle")
    bare = tmp_path / "bare"
    proc = subprocess.run(["cc", *fuse_ld(linker), *line, "-o", str(bare)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    wrapped = tmp_path / "wrapped"
    # The wrapper drops the link-args files and derives the same itself.
    proc = link(["cc", *fuse_ld(linker), *line, "-o", str(wrapped)])
    assert proc.returncode == 0, proc.stderr
    want = f"{40 + 2 + 1} 1\n"
    assert run_exe(bare).stdout == run_exe(wrapped).stdout == want


@pytest.mark.parametrize("linker", LINKERS)
def test_two_global_allocators_fail_the_bare_link(crates, fuse_ld, tmp_path, linker: str) -> None:
    """a2 is on the line but nothing calls it: without its guard object the
    link would succeed with a1's allocator alone."""
    out = tmp_path / "two"
    proc = subprocess.run(["cc", *fuse_ld(linker), *_line(crates, "top", "num", "a1", "a2", "bundle"), "-o", str(out)], capture_output=True, text=True)
    assert proc.returncode != 0 and not out.exists()
    assert "__rlib_v0_two_crates_declare_a_global_allocator" in proc.stderr
    assert "liba2.rlib-v0-guard.o" in proc.stderr or "liba1.rlib-v0-guard.o" in proc.stderr


def test_without_guards_one_allocator_would_silently_win(crates, fuse_ld, run_exe, tmp_path) -> None:
    """Why the guards exist: the same line, link-args files stripped of the
    guard objects, links and runs."""
    line = _line(crates, "top", "num", "a1", "a2", "bundle")
    stripped = []
    for a in line:
        if a.startswith("@") and "liba" in a:
            p = tmp_path / Path(a[1:]).name
            p.write_text("\n".join(x for x in Path(a[1:]).read_text().split() if not x.endswith(".o")) + "\n")
            a = f"@{p}"
        stripped.append(a)
    out = tmp_path / "silent"
    proc = subprocess.run(["cc", *fuse_ld("bfd"), *stripped, "-o", str(out)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert run_exe(out).stdout == "43 1\n"


def test_link_args_for_a_metadata_only_compile_are_refused(crates, rlib_v0, tmp_path) -> None:
    src = tmp_path / "m.rs"
    src.write_text(NUM_RS)
    proc = rlib_v0("rustc", "--link-args", tmp_path / "m.rlib-v0-link-args", "--", src, "--crate-type=rlib", "--crate-name=m", "--emit=metadata", f"--out-dir={tmp_path}")
    assert_user_error(proc, "--link-args", "metadata only")
    # Refused before anything is written: no link-args file, no sidecar, no .rmeta.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.rs"]


def test_failed_compile_writes_no_link_args(rlib_v0, tmp_path) -> None:
    src = tmp_path / "bad.rs"
    src.write_text("pub fn f() -> u32 { \"no\" }\n")
    proc = rlib_v0("rustc", "--link-args", tmp_path / "out" / "libbad.rlib-v0-link-args", "--", src, "--crate-type=rlib", "--crate-name=bad", "-o", tmp_path / "libbad.rlib")
    assert proc.returncode != 0 and "mismatched types" in proc.stderr
    assert not (tmp_path / "out" / "libbad.rlib-v0-link-args").exists() and not (tmp_path / "libbad.rlib").exists()


# --------------------------------------------------------------------------
# rlib-v0 rustc --bundle-identity


def _bundle_identity(tmp_path, **fields) -> Path:
    p = tmp_path / "bundle-identity.json"
    p.write_text(json.dumps({"label": "//toolchains:std_bundle", "panic": "unwind", "target": "x86_64-unknown-linux-gnu", **fields}))
    return p


def _compile(rlib_v0, tmp_path, identity, *flags: str):
    src = tmp_path / "c.rs"
    src.write_text(NUM_RS)
    out = tmp_path / "libc_.rlib"
    proc = rlib_v0("rustc", "--bundle-identity", identity, "--", src, "--crate-type=rlib", "--crate-name=c_", "--target=x86_64-unknown-linux-gnu", "-o", out, *flags)
    return proc, out


def test_bundle_identity_accepts_a_crate_built_like_the_bundle(rlib_v0, tmp_path) -> None:
    proc, out = _compile(rlib_v0, tmp_path, _bundle_identity(tmp_path))
    assert proc.returncode == 0 and out.exists(), proc.stderr


def test_bundle_identity_refuses_another_panic_strategy_before_compiling(rlib_v0, tmp_path) -> None:
    proc, out = _compile(rlib_v0, tmp_path, _bundle_identity(tmp_path), "-Cpanic=abort")
    assert_user_error(proc, "crate c_", "panic=abort", "//toolchains:std_bundle", "panic=unwind")
    assert not out.exists()


def test_bundle_identity_refuses_another_target(rlib_v0, tmp_path) -> None:
    proc, out = _compile(rlib_v0, tmp_path, _bundle_identity(tmp_path, target="aarch64-unknown-linux-gnu"))
    assert_user_error(proc, "crate c_", "x86_64-unknown-linux-gnu", "aarch64-unknown-linux-gnu")
    assert not out.exists()


@pytest.mark.parametrize("content", ["", "{", "[]", '{"panic": "unwind"}'])
def test_bad_bundle_identity_is_one_line(rlib_v0, tmp_path, content: str) -> None:
    p = tmp_path / "bad.json"
    p.write_text(content)
    proc, out = _compile(rlib_v0, tmp_path, p)
    assert_user_error(proc, "--bundle-identity", "bad.json")
    assert not out.exists()
    proc, out = _compile(rlib_v0, tmp_path, tmp_path / "missing.json")
    assert_user_error(proc, "--bundle-identity", "missing.json")


def test_link_args_at_a_directory_is_refused_before_compiling(rlib_v0, tmp_path) -> None:
    src = tmp_path / "d.rs"
    src.write_text(NUM_RS)
    (tmp_path / "here").mkdir()
    proc = rlib_v0("rustc", "--link-args", tmp_path / "here", "--", src, "--crate-type=rlib", "--crate-name=d", "-o", tmp_path / "libd.rlib")
    assert_user_error(proc, "--link-args", "is a directory")
    assert not (tmp_path / "libd.rlib").exists()


@pytest.mark.parametrize("is64", [True, False])
@pytest.mark.parametrize("little", [True, False])
def test_guard_object_defines_its_symbols_for_every_elf_class(is64: bool, little: bool) -> None:
    """The guard for 32-bit and big-endian targets too, read back by the
    project's own ELF reader (the linkers above read the x86-64 one)."""
    from rlib_v0.formats import elf
    from rlib_v0.compile.link_args import GUARD_ALLOCATOR, GUARD_PANIC_HANDLER

    obj = elf.guard_object(elf.ElfHeader(is64, little, 40, 0, 0), [GUARD_ALLOCATOR, GUARD_PANIC_HANDLER])
    syms = [(s.name, s.bind, s.defined, s.section) for s in elf.symbols(obj, "guard.o") if s.name]
    assert syms == [(GUARD_ALLOCATOR, elf.STB_GLOBAL, True, ".rodata.rlib_v0_guard"), (GUARD_PANIC_HANDLER, elf.STB_GLOBAL, True, ".rodata.rlib_v0_guard")]
    assert elf.section_data(obj, ".note.GNU-stack") == b""


@pytest.fixture(scope="module")
def wrapper_guard(crates, rlib_v0) -> Path:
    """The std bundle's wrapper guard (`--wrapper-guard`), as Buck2's wrapper
    mode names it after the bundle and after every crate."""
    d = crates["dir"] / "guarded"
    d.mkdir()
    guard = d / "libstd_bundle.rlib-v0-wrapper-guard.o"
    rlib_v0("std-bundle", "-o", d / "libstd_bundle.a", "--wrapper-guard", guard, check=True)
    return guard


@pytest.mark.parametrize("linker", LINKERS)
def test_a_link_bypassing_the_wrapper_fails_naming_the_fix(crates, wrapper_guard, fuse_ld, link, run_exe, tmp_path, linker: str) -> None:
    from rlib_v0.link.linker_cmd import WRAPPER_GUARD_SYMBOL

    line = _line(crates, "top") + [str(wrapper_guard)] + _line(crates, "num", "a1")[1:] + [str(wrapper_guard)] + _line(crates, "bundle")[1:]
    proc = subprocess.run(["cc", *fuse_ld(linker), *line, "-o", str(tmp_path / "bare")], capture_output=True, text=True)
    assert proc.returncode != 0 and WRAPPER_GUARD_SYMBOL in proc.stderr, proc.stderr
    # Through the wrapper the guards are dropped and the program links.
    proc = link(["cc", *fuse_ld(linker), *line, "-o", tmp_path / "wrapped"])
    assert proc.returncode == 0, proc.stderr
    assert run_exe(tmp_path / "wrapped").stdout == f"{40 + 2 + 1} 1\n"


def test_wrapper_guard_name_is_checked(rlib_v0, tmp_path) -> None:
    proc = rlib_v0("std-bundle", "-o", tmp_path / "b.a", "--wrapper-guard", tmp_path / "guard.o")
    assert_user_error(proc, "--wrapper-guard", ".rlib-v0-wrapper-guard.o")
    assert not (tmp_path / "b.a").exists()
