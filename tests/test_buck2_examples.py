"""End-to-end: the real buck2 builds and runs the examples.

One copy of the repository and one daemon for the module; the daemon is
killed at the end. Skipped, with how to get buck2, where buck2 is missing.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from elf_util import comment, machine
from buck2_util import Buck2, buck2_on_a_copy, require_aarch64, require_system_rustc, rustc_signature, tree_digests

EXPECTED = {
    "//examples/diamond:main": "diamond: left#1 right#2",
    "//examples/cxx_diamond:main": "cxx_diamond: total 43",
    "//examples/global_allocator:main": "global_allocator: counted 4 allocations",
    "//examples/two_versions:main": "two_versions: hello from greeting 1.0 / HELLO FROM GREETING 2.0",
    "//examples/whole_archive:main": 'whole_archive: registered ["plugin"]',
    "//examples/whole_archive:main_cxx": "whole_archive_cxx: registered 1 plugin(s)",
    "//examples/no_mangle:main": 'no_mangle: rust_checksum("abc") = 882',
    "//examples/panic_abort:main": "panic_abort: strategy unwind",
    # Two shared libraries over two versions of a crate and a crate they share.
    "//examples/shared_libs:main": "shared_libs: versions 1 2, counters 1 1, checked 42, caught plugin1: negative",
    "//examples/shared_libs:main_shared": "shared_libs: versions 1 2, counters 1 1, checked 42, caught plugin1: negative",
    "//examples/build_script:main": "build_script: for x86_64-unknown-linux-gnu (x86_64) on x86_64-unknown-linux-gnu, macro ran on x86_64, C says 42",
}


@pytest.fixture(scope="module")
def buck2(tmp_path_factory: pytest.TempPathFactory):
    yield from buck2_on_a_copy(tmp_path_factory)


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
    """Outputs must not depend on where the checkout is: nor a proc macro,
    nor what a build script compiled (the C in build_script:main)."""
    outs = buck2.outputs("//examples/diamond:main", "//examples/cxx_diamond:main", "//examples/diamond:base", "toolchains//:std_bundle", "//examples/build_script:main", "//examples/build_script:host_arch")
    needle = str(buck2.repo).encode()
    for target, path in outs.items():
        assert needle not in path.read_bytes(), f"{target}: {path} contains {buck2.repo}"


def test_clean_rebuild_is_byte_identical(buck2: Buck2) -> None:
    targets = ("//examples/diamond:main", "//examples/diamond:base", "//examples/cxx_diamond:main", "//examples/two_versions:main", "toolchains//:std_bundle")
    first = {t: tree_digests(p) for t, p in buck2.outputs(*targets).items()}
    buck2.run("clean")
    second = {t: tree_digests(p) for t, p in buck2.outputs(*targets).items()}
    assert first == second


def _actions(lines: list[str], target: str) -> dict[str, str]:
    """what-ran lines of `target`: action name (`rustc left`) -> command."""
    out = {}
    for line in lines:
        parts = line.split("\t")
        if len(parts) >= 4 and f"{target} (" in parts[1]:
            out[parts[1].rsplit("(", 1)[1].rstrip(")")] = parts[3]
    return out


def test_pipelined_compiles(buck2: Buck2) -> None:
    """`-c rust_v0.pipelined=true`: each library has a metadata action
    (`-Zno-codegen`); its dependents' compiles read that, not the rlib, so
    they need not wait for codegen. The default is the plain graph, with no
    RUSTC_BOOTSTRAP anywhere, and the same program."""
    on = ("-c", "rust_v0.pipelined=true")
    buck2.run("clean")
    assert buck2.run_target("//examples/diamond:main", *on) == EXPECTED["//examples/diamond:main"] + "\n"
    buck2.run("clean")
    buck2.build(*on, "//examples/diamond:main")
    ran = buck2.what_ran()
    left = _actions(ran, "root//examples/diamond:left")
    assert set(left) == {"rustc left", "rustc_metadata left"}, left
    assert "-Zno-codegen" in left["rustc_metadata left"] and "-Zno-codegen" not in left["rustc left"]
    # No rustc_flags: the metadata action is rustc alone (no tool start),
    # its sidecar written by the rule; the rlib goes through the tool.
    assert "lean.py" not in left["rustc_metadata left"] and "--remap-path-prefix=$PWD=." in left["rustc_metadata left"]
    assert "lean.py rustc" in left["rustc left"]
    for cmd in left.values():
        assert "RUSTC_BOOTSTRAP=1" in cmd and "-Zallow-features=" in cmd
        assert re.search(r"--extern=base=\S*/meta/libbase\.rlib", cmd), cmd
    # The binary's main object also compiles against metadata.
    main = _actions(ran, "root//examples/diamond:main")
    assert any("/meta/libleft.rlib" in c for c in main.values()), main
    # A metadata rlib holds no code and no marker: `rlib-v0 link` refuses it.
    (meta,) = buck2.outputs("//examples/diamond:base[metadata]", extra=on).values()
    meta = meta if meta.is_absolute() else buck2.repo / meta
    assert (meta.parent / "libbase.v0-identity.json").is_file()
    proc = buck2.run("run", "--console=none", "//examples/diamond:main", check=False)  # default again
    assert proc.stdout == EXPECTED["//examples/diamond:main"] + "\n"

    buck2.run("clean")
    buck2.build("//examples/diamond:main")
    left = _actions(buck2.what_ran(), "root//examples/diamond:left")
    assert set(left) == {"rustc left"}, left
    assert "RUSTC_BOOTSTRAP" not in left["rustc left"] and "-Zallow-features" not in left["rustc left"]
    assert "/meta/" not in left["rustc left"]


def test_pipelined_build_keeps_stable_source(buck2: Buck2, tmp_path: Path) -> None:
    """RUSTC_BOOTSTRAP is set for `-Zno-codegen` only: a crate's own
    `#![feature]` is still refused, as on stable rustc."""
    src = buck2.repo / "examples" / "diamond" / "base.rs"
    original = src.read_text()
    try:
        src.write_text("#![feature(never_type)]\n" + original)
        proc = buck2.build("-c", "rust_v0.pipelined=true", "//examples/diamond:base", check=False)
        assert proc.returncode != 0
        assert "E0725" in proc.stderr or "not in the list of allowed features" in proc.stderr, proc.stderr[-2000:]
    finally:
        src.write_text(original)


# ---- aarch64, cross-compiled (docs/buck2.md, "Cross-compiling") ----

# Platform -> extra options: every linker of the cross g++, both panic
# strategies, dev and release, both link modes, pipelined or not (two full
# builds; the gold and mold ones only relink the first).
AARCH64_BUILDS = {
    "toolchains//platforms:aarch64": (),
    "toolchains//platforms:aarch64-gold-unwind-dev": (),
    "toolchains//platforms:aarch64-lld-abort-release": ("-c", "rust_v0.link_check=compile", "-c", "rust_v0.pipelined=true"),
    "toolchains//platforms:aarch64-mold-unwind-dev": ("-c", "rust_v0.link_check=compile"),
}


def _aarch64_expected(target: str, platform: str) -> str:
    line = EXPECTED[target]
    if target == "//examples/build_script:main":
        # Built for aarch64; the build script and the proc macro ran here.
        line = line.replace("for x86_64-unknown-linux-gnu (x86_64)", "for aarch64-unknown-linux-gnu (aarch64)")
    if target == "//examples/panic_abort:main" and "-abort-" in platform:
        line = line.replace("unwind", "abort")
    return line + "\n"


@pytest.mark.parametrize("platform", sorted(AARCH64_BUILDS))
def test_aarch64_examples_run_under_qemu(buck2: Buck2, platform: str) -> None:
    """//examples/... for aarch64: every program an aarch64 executable that
    prints its line under qemu-user; `buck2 run` of a rust_v0_binary runs it
    under qemu itself (the toolchain's runner)."""
    cross = require_aarch64()
    args = ("--target-platforms", platform, *AARCH64_BUILDS[platform])
    outs = buck2.outputs("//examples/...", extra=args)
    for target in EXPECTED:
        exe = outs["root" + target]
        exe = exe if exe.is_absolute() else buck2.repo / exe
        assert machine(exe) == "EM_AARCH64", target
        assert cross.run(exe) == _aarch64_expected(target, platform), target
    for target in ("//examples/diamond:main", "//examples/build_script:main"):
        assert buck2.run_target(target, *args) == _aarch64_expected(target, platform)


@pytest.mark.parametrize("platform", ["toolchains//platforms:default", "toolchains//platforms:aarch64"])
def test_proc_macro_and_build_script_are_built_for_this_machine(buck2: Buck2, platform: str) -> None:
    """Whatever the target, the proc macro (`.so`) and the build script are
    x86-64 programs, linked by the rustc of the target's configuration: the
    system rustc for aarch64, `[rust_v0] rustc` (rustc on PATH) for the default."""
    if "aarch64" in platform:
        rustc = require_aarch64().rustc
    else:
        rustc = "rustc"
    signature = rustc_signature(rustc)
    outs = buck2.outputs(
        "//examples/build_script:host_arch",
        "//examples/build_script:answer-build-script-run[buildscript]",
        extra=("--target-platforms", platform),
    )
    assert len(outs) == 2, outs
    for target, path in outs.items():
        path = path if path.is_absolute() else buck2.repo / path
        assert machine(path) == "EM_X86_64", (target, path)
        assert signature in comment(path), (target, signature, comment(path))


def test_system_rustc_platform_has_its_own_rustc_and_bundle(buck2: Buck2) -> None:
    """toolchains//platforms:system-rustc: x86-64 compiled by the system
    rustc (another release than rustc on PATH here), with its own std bundle."""
    system = rustc_signature(require_system_rustc())
    if system == rustc_signature("rustc"):
        pytest.skip("the system rustc is the rustc on PATH here: nothing tells the two apart")
    plans = {}
    for platform in ("toolchains//platforms:default", "toolchains//platforms:system-rustc"):
        args = ("--target-platforms", platform)
        assert buck2.run_target("//examples/diamond:main", *args) == EXPECTED["//examples/diamond:main"] + "\n"
        outs = buck2.outputs("//examples/diamond:main", "//examples/diamond:main[link-debug]", extra=args)
        exe, log = (p if p.is_absolute() else buck2.repo / p for p in outs.values())
        plans[platform] = re.search(r"std bundle: (\S+)", log.read_text()).group(1)
        assert (system in comment(exe)) == platform.endswith("system-rustc"), (platform, comment(exe))
    assert plans["toolchains//platforms:default"] != plans["toolchains//platforms:system-rustc"]
