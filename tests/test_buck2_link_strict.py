"""End-to-end, real buck2: the default `link_check = "compile"` is as strict
as the wrapper on what no rust_v0 rule built, and places a whole-archive
native library two crates need once.

- A Rust staticlib (its own copy of std) and a stock rlib (no v0 marker),
  both built here by plain rustc and given to a rust_v0_library through a
  `prebuilt_cxx_library`, fail the build naming the archive, in both modes;
  a C archive given the same way links and runs.
- Two crates (one depending on the other) built with the same
  `-l static:+whole-archive=` library: the bare link gets it once (loaded
  twice it would define every symbol twice on ld.bfd, gold and lld) and the
  program prints what the wrapper's link prints.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from buck2_util import Buck2, buck2_on_a_copy

WRAPPER = ("-c", "rust_v0.link_check=wrapper")

USER_RS = '#[no_mangle]\npub extern "C" fn user() -> u32 { unsafe { extern "C" { fn foreign() -> u32; } foreign() + 1 } }\n'
MAIN_CPP = '#include <cstdio>\nextern "C" unsigned user();\nint main() { std::printf("%u\\n", user()); }\n'

# A native library with a static initializer nothing references: only a
# whole-archive link keeps it; `w_count` says how often it ran.
W_C = """
static int count;
__attribute__((constructor)) static void init(void) { count++; }
int w_count(void) { return count; }
"""
W_RS = 'extern "C" { fn w_count() -> i32; }\npub fn NAME() -> i32 { unsafe { w_count() } }\n'
WB_RS = 'extern "C" { fn w_count() -> i32; }\n#[no_mangle]\npub extern "C" fn wb() -> i32 { wa::wa() * 10 + unsafe { w_count() } }\n'
MAIN_W_CPP = '#include <cstdio>\nextern "C" int wb();\nint main() { std::printf("%d\\n", wb()); }\n'


def _buck(native: Path) -> str:
    whole = f'["-Lnative={native}", "-lstatic:+whole-archive=w"]'
    return f"""
load("@prelude_ext//:defs.bzl", "rust_v0_library")

prebuilt_cxx_library(name = "rust_staticlib", static_lib = "libforeign.a", preferred_linkage = "static")
prebuilt_cxx_library(name = "stock_rlib", static_lib = "libforeign.rlib", preferred_linkage = "static")
prebuilt_cxx_library(name = "c_archive", static_lib = "libcforeign.a", preferred_linkage = "static")

rust_v0_library(name = "user_staticlib", crate = "user", srcs = ["user.rs"], deps = [":rust_staticlib"])
rust_v0_library(name = "user_rlib", crate = "user", srcs = ["user.rs"], deps = [":stock_rlib"])
rust_v0_library(name = "user_c", crate = "user", srcs = ["user.rs"], deps = [":c_archive"])
cxx_binary(name = "main_staticlib", srcs = ["main.cpp"], deps = [":user_staticlib"])
cxx_binary(name = "main_rlib", srcs = ["main.cpp"], deps = [":user_rlib"])
cxx_binary(name = "main_c", srcs = ["main.cpp"], deps = [":user_c"])

rust_v0_library(name = "wa", srcs = ["wa.rs"], rustc_flags = {whole})
rust_v0_library(name = "wb", srcs = ["wb.rs"], deps = [":wa"], rustc_flags = {whole})
cxx_binary(name = "main_w", srcs = ["main_w.cpp"], deps = [":wb"])
"""


@pytest.fixture(scope="module")
def buck2(tmp_path_factory: pytest.TempPathFactory):
    work = tmp_path_factory.mktemp("archives")
    foreign = work / "foreign.rs"
    foreign.write_text('#[no_mangle]\npub extern "C" fn foreign() -> u32 { 41 }\n')
    (work / "cforeign.c").write_text("unsigned foreign(void) { return 41; }\n")
    (work / "w.c").write_text(W_C)
    for cmd in (
        ["rustc", "--edition=2021", "--crate-type=staticlib", "--crate-name=foreign", "-o", "libforeign.a", "foreign.rs"],
        ["rustc", "--edition=2021", "--crate-type=rlib", "--crate-name=foreign", "-o", "libforeign.rlib", "foreign.rs"],
        ["cc", "-c", "-fPIC", "cforeign.c", "w.c"],
        ["ar", "rcs", "libcforeign.a", "cforeign.o"],
        ["ar", "rcs", "libw.a", "w.o"],
    ):
        subprocess.run(cmd, cwd=work, check=True, capture_output=True)
    package = {
        "BUCK": _buck(work),
        "user.rs": USER_RS,
        "main.cpp": MAIN_CPP,
        "wa.rs": W_RS.replace("NAME", "wa"),
        "wb.rs": WB_RS,
        "main_w.cpp": MAIN_W_CPP,
    }
    for b in buck2_on_a_copy(tmp_path_factory, {"strict": package}):
        for name in ("libforeign.a", "libforeign.rlib", "libcforeign.a"):
            (b.repo / "strict" / name).write_bytes((work / name).read_bytes())
        yield b


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("//strict:main_staticlib", "libforeign.a is a Rust staticlib carrying its own copy of std"),
        ("//strict:main_rlib", "libforeign.rlib is an rlib without a _rlib_v00 marker"),
    ],
)
@pytest.mark.parametrize("mode", [(), WRAPPER], ids=["compile", "wrapper"])
def test_a_foreign_rust_archive_fails_the_build(buck2: Buck2, target: str, message: str, mode: tuple[str, ...]) -> None:
    proc = buck2.build(*mode, target, check=False)
    assert proc.returncode != 0, proc.stderr
    assert message in proc.stderr, proc.stderr
    if not mode:
        # Refused by the check of the archive, not by the bare link.
        assert "rlib_v0_foreign_archive" in proc.stderr, proc.stderr


def test_a_foreign_c_archive_links(buck2: Buck2) -> None:
    assert buck2.run_target("//strict:main_c") == "42\n"
    # Checked, and passed: the check ran as its own action.
    assert any("(rlib_v0_foreign_archive 0 libcforeign.a)" in ln for ln in buck2.what_ran()), buck2.what_ran()


@pytest.mark.parametrize("mode", [(), WRAPPER], ids=["compile", "wrapper"])
def test_a_whole_archive_library_of_two_crates_is_linked_once(buck2: Buck2, mode: tuple[str, ...]) -> None:
    # wa() = 1 and w_count() = 1: the library's initializer ran once.
    assert buck2.run_target("//strict:main_w", *mode) == "11\n"
