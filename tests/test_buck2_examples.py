"""End-to-end: the real buck2 builds and runs the examples.

One copy of the repository and one daemon for the module; the daemon is
killed at the end. Skipped, with how to get buck2, where buck2 is missing.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from buck2_util import Buck2, copy_repo, require_buck2, tree_digests

EXPECTED = {
    "//examples/diamond:main": "diamond: left#1 right#2",
    "//examples/cxx_diamond:main": "cxx_diamond: total 43",
    "//examples/global_allocator:main": "global_allocator: counted 4 allocations",
    "//examples/two_versions:main": "two_versions: hello from greeting 1.0 / HELLO FROM GREETING 2.0",
    "//examples/whole_archive:main": 'whole_archive: registered ["plugin"]',
    "//examples/whole_archive:main_cxx": "whole_archive_cxx: registered 1 plugin(s)",
    "//examples/no_mangle:main": 'no_mangle: rust_checksum("abc") = 882',
    "//examples/panic_abort:main": "panic_abort: strategy unwind",
}


@pytest.fixture(scope="module")
def buck2(tmp_path_factory: pytest.TempPathFactory):
    exe = require_buck2()
    with Buck2(exe, copy_repo(tmp_path_factory.mktemp("repo"))) as b:
        yield b


@pytest.mark.parametrize("target", sorted(EXPECTED))
def test_example_prints_expected_line(buck2: Buck2, target: str) -> None:
    assert buck2.run_target(target) == EXPECTED[target] + "\n"


def test_panic_abort_configuration(buck2: Buck2) -> None:
    out = buck2.run_target("//examples/panic_abort:main", "--target-platforms", "toolchains//platforms:abort")
    assert out == "panic_abort: strategy abort\n"


@pytest.mark.parametrize("linker", ["gold", "lld", "mold"])
def test_other_linkers(buck2: Buck2, linker: str) -> None:
    """The C++ diamond (stock cxx_binary) and the Rust diamond with each linker."""
    platform = ["--target-platforms", f"toolchains//platforms:{linker}"]
    assert buck2.run_target("//examples/cxx_diamond:main", *platform) == EXPECTED["//examples/cxx_diamond:main"] + "\n"
    assert buck2.run_target("//examples/diamond:main", *platform) == EXPECTED["//examples/diamond:main"] + "\n"
    # The link ran through the wrapper with that linker.
    exe = Path(buck2.outputs("//examples/diamond:main", extra=tuple(platform))["root//examples/diamond:main"]).read_bytes()
    marker = {"gold": b"gold 1.", "lld": b"LLD", "mold": b"mold "}[linker]
    assert marker in exe


def test_release_and_x86_64_v3(buck2: Buck2) -> None:
    target = "//examples/cxx_diamond:main"
    plat = "toolchains//platforms:bfd-unwind-release-x86-64-v3"
    assert buck2.run_target(target, "--target-platforms", plat) == EXPECTED[target] + "\n"


def test_link_debug_names_the_crates(buck2: Buck2) -> None:
    outs = buck2.outputs("//examples/diamond:main[link-debug]", extra=("-c", "rust_v0.link_debug=true"))
    log = next(iter(outs.values())).read_text()
    assert "rlib-v0 link plan" in log
    for crate in ("left", "right", "base"):
        assert re.search(rf"crate {crate} \(root//examples/diamond:{crate}\)", log), log
    assert "std bundle" in log


def test_identity_and_verify_subtargets(buck2: Buck2) -> None:
    """Two versions of `greeting`: one crate name, two identities."""
    v1, v2 = "//examples/two_versions:greeting_v1", "//examples/two_versions:greeting_v2"
    outs = buck2.outputs(v1 + "[identity]", v2 + "[identity]", v1 + "[verify]", v2 + "[verify]")
    ident = {t.split(":")[-1].split("[")[0]: json.loads(p.read_text()) for t, p in outs.items() if t.endswith("[identity]")}
    assert ident["greeting_v1"]["crate"] == ident["greeting_v2"]["crate"] == "greeting"
    assert ident["greeting_v1"]["metadata"] != ident["greeting_v2"]["metadata"]
    for t, p in outs.items():
        if t.endswith("[verify]"):
            (report,) = json.loads(p.read_text())
            assert report["ok"] and report["crate"] == "greeting" and report["kind"] == "rlib", report


def test_no_absolute_paths_in_outputs(buck2: Buck2) -> None:
    """Outputs must not depend on where the checkout is."""
    outs = buck2.outputs("//examples/diamond:main", "//examples/cxx_diamond:main", "//examples/diamond:base", "toolchains//:std_bundle")
    needle = str(buck2.repo).encode()
    for target, path in outs.items():
        assert needle not in path.read_bytes(), f"{target}: {path} contains {buck2.repo}"


def test_clean_rebuild_is_byte_identical(buck2: Buck2) -> None:
    targets = ("//examples/diamond:main", "//examples/diamond:base", "//examples/cxx_diamond:main", "//examples/two_versions:main", "toolchains//:std_bundle")
    first = {t: tree_digests(p) for t, p in buck2.outputs(*targets).items()}
    buck2.run("clean")
    second = {t: tree_digests(p) for t, p in buck2.outputs(*targets).items()}
    assert first == second
