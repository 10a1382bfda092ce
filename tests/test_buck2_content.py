"""End-to-end, real buck2: an archive changed after its action wrote it.

`[verify]` on a rust_v0_library and on the std bundle checks the archive's
members against its marker; with `-c rust_v0.verify_content=true` every
link does it first: `rlib-v0 link --verify-content` with the wrapper, the
archives' `[verify]` actions as link inputs with `link_check = compile`.
A changed rlib (a byte flipped in buck-out after its compile, as a
corrupting cache or disk would leave it) then fails the build before the
link, naming the rlib.
"""

from __future__ import annotations

import json

import pytest

from buck2_util import Buck2, buck2_on_a_copy
from test_buck2_examples import EXPECTED

MAIN = "//examples/cxx_diamond:main"

# One crate and program per link_check mode, so that in each test the
# crate's `[verify]` action (compile mode) and the link run for the first
# time after the rlib was changed.
BUCK = """
load("@prelude_ext//:defs.bzl", "rust_v0_library")
[rust_v0_library(name = "lib_" + m, srcs = ["lib.rs"]) for m in ("wrapper", "compile")]
[cxx_binary(name = "main_" + m, srcs = ["main.cpp"], deps = [":lib_" + m]) for m in ("wrapper", "compile")]
"""


PACKAGE = {
    "BUCK": BUCK,
    "lib.rs": '#[no_mangle]\npub extern "C" fn content_value() -> u32 { 42 }\n',
    "main.cpp": '#include <cstdio>\nextern "C" unsigned content_value();\nint main() { std::printf("%u\\n", content_value()); }\n',
}


@pytest.fixture(scope="module")
def buck2(tmp_path_factory: pytest.TempPathFactory):
    yield from buck2_on_a_copy(tmp_path_factory, {"vcontent": PACKAGE})


def test_verify_subtargets_check_content(buck2: Buck2) -> None:
    outs = buck2.outputs("//examples/cxx_diamond:base[verify]", "toolchains//:std_bundle[verify]")
    assert len(outs) == 2
    for target, path in outs.items():
        (report,) = json.loads(path.read_text())
        assert report["ok"] and report["content_ok"] is True, (target, report)


@pytest.mark.parametrize("mode", ["wrapper", "compile"])
def test_verify_content_links_as_before(buck2: Buck2, mode: str) -> None:
    cfg = ("-c", f"rust_v0.link_check={mode}", "-c", "rust_v0.verify_content=true")
    assert buck2.run_target(MAIN, *cfg) == EXPECTED[MAIN] + "\n"


@pytest.mark.parametrize("mode", ["wrapper", "compile"])
def test_a_changed_rlib_fails_the_build_before_the_link(buck2: Buck2, mode: str) -> None:
    cfg = ("-c", f"rust_v0.link_check={mode}", "-c", "rust_v0.verify_content=true")
    (rlib,) = buck2.outputs(f"//vcontent:lib_{mode}", extra=cfg).values()
    original = rlib.read_bytes()
    changed = bytearray(original)
    changed[len(changed) // 2] ^= 0x01  # inside the crate's object: only a content check sees it
    try:
        rlib.chmod(0o644)
        rlib.write_bytes(bytes(changed))
        proc = buck2.build(*cfg, f"//vcontent:main_{mode}", check=False)
        assert proc.returncode != 0, proc.stderr
        assert "changed after it was stamped" in proc.stderr and f"liblib_{mode}.rlib" in proc.stderr, proc.stderr
    finally:
        rlib.write_bytes(original)
    assert buck2.run_target(f"//vcontent:main_{mode}", *cfg) == "42\n"
