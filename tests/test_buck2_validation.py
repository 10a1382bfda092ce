"""End-to-end, real buck2: `-c rust_v0.link_check=validation`.

Links then run the C/C++ toolchain's own linker, bare (no `rlib-v0 link` in
the link action), each rust_v0_library names its link-args file after its
rlib, and each carries a validation (`rlib-v0 validate`) that fails the
build when it fails. Shown here: every example prints what it prints with
the wrapper; the link action really is the bare driver; a crate the wrapper
would refuse fails the build in both modes, with the same crate-level
message; two `#[global_allocator]` crates that are two roots of one stock
`cxx_binary` (which no per-crate check sees together) fail the link.
"""

from __future__ import annotations

import json

import pytest

from buck2_util import Buck2, copy_repo, require_buck2
from test_buck2_examples import EXPECTED

VALIDATION = ("-c", "rust_v0.link_check=validation")

BUCK = """
load("@prelude_ext//:defs.bzl", "rust_v0_library")

# Compiled with -C panic=abort against the configuration's unwind bundle.
rust_v0_library(name = "aborting", srcs = ["aborting.rs"], rustc_flags = ["-Cpanic=abort"])
cxx_binary(name = "panic_mismatch", srcs = ["main_aborting.cpp"], deps = [":aborting"])

# Two crates declaring #[global_allocator]; main calls only a1.
rust_v0_library(name = "a1", srcs = ["a1.rs"])
rust_v0_library(name = "a2", srcs = ["a2.rs"])
cxx_binary(name = "two_allocators", srcs = ["main_alloc.cpp"], deps = [":a1", ":a2"])
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


@pytest.fixture(scope="module")
def buck2(tmp_path_factory: pytest.TempPathFactory):
    exe = require_buck2()
    repo = copy_repo(tmp_path_factory.mktemp("repo"))
    pkg = repo / "vtest"
    pkg.mkdir()
    (pkg / "BUCK").write_text(BUCK)
    (pkg / "aborting.rs").write_text('#[no_mangle]\npub extern "C" fn aborting() -> u32 { 7 }\n')
    (pkg / "main_aborting.cpp").write_text('#include <cstdio>\nextern "C" unsigned aborting();\nint main() { std::printf("%u\\n", aborting()); }\n')
    (pkg / "a1.rs").write_text(ALLOC_RS.replace("NAME", "a1"))
    (pkg / "a2.rs").write_text(ALLOC_RS.replace("NAME", "a2"))
    (pkg / "main_alloc.cpp").write_text('#include <cstdio>\n#include <cstddef>\nextern "C" std::size_t a1_len();\nint main() { std::printf("%zu\\n", a1_len()); }\n')
    with Buck2(exe, repo) as b:
        yield b


@pytest.mark.parametrize("target", sorted(EXPECTED))
def test_example_prints_expected_line(buck2: Buck2, target: str) -> None:
    assert buck2.run_target(target, *VALIDATION) == EXPECTED[target] + "\n"


@pytest.mark.parametrize("linker", ["gold", "lld", "mold"])
def test_other_linkers(buck2: Buck2, linker: str) -> None:
    platform = ("--target-platforms", f"toolchains//platforms:{linker}")
    assert buck2.run_target("//examples/cxx_diamond:main", *VALIDATION, *platform) == EXPECTED["//examples/cxx_diamond:main"] + "\n"


def _link_actions(buck2: Buck2) -> list[str]:
    return [ln for ln in buck2.what_ran() if "(cxx_link_executable)" in ln]


def test_the_link_runs_the_bare_driver_and_validations_run(buck2: Buck2) -> None:
    target = "//examples/cxx_diamond:main"
    buck2.build(target)
    wrapped = _link_actions(buck2)
    assert wrapped and all("lean.py" in ln for ln in wrapped), wrapped
    # Another toolchain configuration: the link runs again, now bare.
    buck2.build(*VALIDATION, target)
    ran = buck2.what_ran()
    links = [ln for ln in ran if "(cxx_link_executable)" in ln]
    assert links and all("lean.py" not in ln and "c++" in ln for ln in links), links
    # Each crate's validation ran (in this build or an earlier one of the
    # module: one per platform) and passed.
    for crate in ("base", "left", "right"):
        results = list(buck2.repo.glob(f"buck-out/{buck2.isolation}/art/root/*/examples/cxx_diamond/__{crate}__/rlib_v0_validation.json"))
        assert results and all(json.loads(r.read_text())["data"]["status"] == "success" for r in results), results


def test_a_crate_the_wrapper_refuses_fails_the_build_in_both_modes(buck2: Buck2) -> None:
    target = "//vtest:panic_mismatch"
    validated = buck2.build(*VALIDATION, target, check=False)
    assert validated.returncode != 0
    assert "Validation for" in validated.stderr and "vtest:aborting" in validated.stderr, validated.stderr
    assert "crate aborting" in validated.stderr and "panic=abort" in validated.stderr, validated.stderr
    wrapped = buck2.build(target, check=False)
    assert wrapped.returncode != 0 and "crate aborting" in wrapped.stderr and "panic=abort" in wrapped.stderr, wrapped.stderr


def test_two_allocators_in_two_roots_fail_the_link_in_both_modes(buck2: Buck2) -> None:
    target = "//vtest:two_allocators"
    validated = buck2.build(*VALIDATION, target, check=False)
    assert validated.returncode != 0 and "__rlib_v0_two_crates_declare_a_global_allocator" in validated.stderr, validated.stderr
    wrapped = buck2.build(target, check=False)
    assert wrapped.returncode != 0 and "two crates declare #[global_allocator]" in wrapped.stderr, wrapped.stderr
