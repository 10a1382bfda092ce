"""End-to-end, real buck2: `-c rust_v0.link_check=compile` (the default),
against `=wrapper`.

Links then run the C/C++ toolchain's own linker, bare (no `rlib-v0 link` in
the link action), each rust_v0_library names its link-args file after its
rlib, and each crate's compile checks it against the bundle. Shown here:
every example prints what it prints with the wrapper; the link action
really is the bare driver; a crate built with another panic strategy than
the bundle fails the build in both modes, naming the crate; two
`#[global_allocator]` crates that are two roots of one stock `cxx_binary`
(which no per-crate check sees together) fail the link.
"""

from __future__ import annotations

import pytest

from buck2_util import Buck2, buck2_on_a_copy, require_buck2
from test_buck2_examples import EXPECTED

COMPILE = ("-c", "rust_v0.link_check=compile")
WRAPPER = ("-c", "rust_v0.link_check=wrapper")

BUCK = """
load("@prelude_ext//:defs.bzl", "rust_v0_library")

# Compiled with -C panic=abort against the configuration's unwind bundle.
rust_v0_library(name = "aborting", srcs = ["aborting.rs"], rustc_flags = ["-Cpanic=abort"])
cxx_binary(name = "panic_mismatch", srcs = ["main_aborting.cpp"], deps = [":aborting"])

# Two crates declaring #[global_allocator]; main calls only a1.
rust_v0_library(name = "a1", srcs = ["a1.rs"])
rust_v0_library(name = "a2", srcs = ["a2.rs"])
cxx_binary(name = "two_allocators", srcs = ["main_alloc.cpp"], deps = [":a1", ":a2"])

# A relink of one command (only the C++ object's content changes).
rust_v0_library(name = "seven", srcs = ["seven.rs"])
cxx_binary(name = "memo_main", srcs = ["memo_main.cpp"], deps = [":seven"])
"""
ALLOC_RS = """
use std::alloc::{GlobalAlloc, Layout, System};
pub struct A;
unsafe impl GlobalAlloc for A {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 { System.alloc(l) }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) { System.dealloc(p, l) }
}
#[global_allocator]
static G: A = A;
#[no_mangle]
pub extern "C" fn NAME_len() -> usize { vec![1u8, 2, 3].len() }
"""


MEMO_MAIN = '#include <cstdio>\nextern "C" unsigned seven();\nint main() {{ std::printf("%u\\n", seven() + {add}); }}\n'


PACKAGE = {
    "BUCK": BUCK,
    "aborting.rs": '#[no_mangle]\npub extern "C" fn aborting() -> u32 { 7 }\n',
    "main_aborting.cpp": '#include <cstdio>\nextern "C" unsigned aborting();\nint main() { std::printf("%u\\n", aborting()); }\n',
    "a1.rs": ALLOC_RS.replace("NAME", "a1"),
    "a2.rs": ALLOC_RS.replace("NAME", "a2"),
    "seven.rs": '#[no_mangle]\npub extern "C" fn seven() -> u32 { format!("{}", 7).parse().unwrap() }\n',
    "memo_main.cpp": MEMO_MAIN.format(add=0),
    "main_alloc.cpp": '#include <cstdio>\n#include <cstddef>\nextern "C" std::size_t a1_len();\nint main() { std::printf("%zu\\n", a1_len()); }\n',
}


@pytest.fixture(scope="module")
def buck2(tmp_path_factory: pytest.TempPathFactory):
    yield from buck2_on_a_copy(tmp_path_factory, {"vtest": PACKAGE})


@pytest.mark.parametrize("target", sorted(EXPECTED))
def test_example_prints_expected_line(buck2: Buck2, target: str) -> None:
    assert buck2.run_target(target, *COMPILE) == EXPECTED[target] + "\n"


@pytest.mark.parametrize("linker", ["gold", "lld", "mold"])
def test_other_linkers(buck2: Buck2, linker: str) -> None:
    platform = ("--target-platforms", f"toolchains//platforms:{linker}")
    assert buck2.run_target("//examples/cxx_diamond:main", *COMPILE, *platform) == EXPECTED["//examples/cxx_diamond:main"] + "\n"


def _link_actions(buck2: Buck2) -> list[str]:
    return [ln for ln in buck2.what_ran() if "(cxx_link_executable)" in ln]


def test_the_link_runs_the_bare_driver(buck2: Buck2) -> None:
    target = "//examples/cxx_diamond:main"
    buck2.build(*WRAPPER, target)
    wrapped = _link_actions(buck2)
    assert wrapped and all("lean.py" in ln for ln in wrapped), wrapped
    # Another toolchain configuration, the default: the link runs again, now
    # bare, with each crate's link-args file after its rlib.
    buck2.build(target)
    links = _link_actions(buck2)
    assert links and all("lean.py" not in ln and "c++" in ln for ln in links), links
    (exe,) = buck2.outputs(target, extra=COMPILE).values()
    exe = exe if exe.is_absolute() else buck2.repo / exe
    line = exe.with_name(exe.name + ".cxx_link_argsfile").read_text().split()
    for crate in ("left", "right", "base"):
        i = next(n for n, a in enumerate(line) if a.endswith(f"/lib{crate}.rlib"))
        assert line[i + 1].endswith(f"/lib{crate}.rlib-v0-link-args") and line[i + 1].startswith("@"), line
    assert line.index(next(a for a in line if a.endswith("/libright.rlib"))) < line.index(next(a for a in line if a.endswith("/libbase.rlib")))


def test_a_crate_built_unlike_the_bundle_fails_its_compile_in_both_modes(buck2: Buck2) -> None:
    target = "//vtest:panic_mismatch"
    for mode in ((), WRAPPER):
        proc = buck2.build(*mode, target, check=False)
        assert proc.returncode != 0, proc.stderr
        assert "crate aborting is built with -C panic=abort, but the std bundle toolchains//:std_bundle with panic=unwind" in proc.stderr, proc.stderr
        assert "rustc aborting" in proc.stderr  # the crate's compile action failed, not a link


def test_two_allocators_in_two_roots_fail_the_link_in_both_modes(buck2: Buck2) -> None:
    target = "//vtest:two_allocators"
    bare = buck2.build(target, check=False)
    assert bare.returncode != 0 and "__rlib_v0_two_crates_declare_a_global_allocator" in bare.stderr, bare.stderr
    wrapped = buck2.build(*WRAPPER, target, check=False)
    assert wrapped.returncode != 0 and "two crates declare #[global_allocator]" in wrapped.stderr, wrapped.stderr


def test_wrapper_mode_relink_keeps_the_memos_link(buck2: Buck2, tmp_path) -> None:
    """Wrapper mode's link action is `lean.py link`: its first link is
    remembered (the link memo, in the daemon's $XDG_CACHE_HOME), and a
    relink of the same command (the C++ object's content changed, its
    path and the line not) runs the remembered command before the plan and
    keeps it: the entry is not written again (a relink whose memo link was
    not kept writes it anew), and the program is the new one."""
    cache = tmp_path / "cache"
    with Buck2(require_buck2(), buck2.repo, env={"XDG_CACHE_HOME": str(cache)}) as b:
        assert b.run_target("//vtest:memo_main", *WRAPPER) == "7\n"
        memo_dir = cache / "rlib-v0" / "link-memo"
        [entry] = list(memo_dir.iterdir())
        inode, data = entry.stat().st_ino, entry.read_bytes()
        (b.repo / "vtest" / "memo_main.cpp").write_text(MEMO_MAIN.format(add=35))
        try:
            assert b.run_target("//vtest:memo_main", *WRAPPER) == "42\n"
            assert [p.name for p in memo_dir.iterdir()] == [entry.name]
            assert entry.stat().st_ino == inode and entry.read_bytes() == data, "the relink did not keep the remembered link"
            # The same relink with the memo's linker line changed in the
            # entry: that link is dropped, the planned one runs, the entry is
            # written anew (so the assertion above can fail).
            (b.repo / "vtest" / "memo_main.cpp").write_text(MEMO_MAIN.format(add=1))
            edited = data.replace(b"\0-o\0", b"\0-Wl,--no-as-needed\0-o\0", 1)
            assert edited != data
            entry.write_bytes(edited)
            entry.chmod(0o600)
            assert b.run_target("//vtest:memo_main", *WRAPPER) == "8\n"
            assert entry.read_bytes() == data
        finally:
            (b.repo / "vtest" / "memo_main.cpp").write_text(MEMO_MAIN.format(add=0))
