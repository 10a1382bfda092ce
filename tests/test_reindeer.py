"""Third-party crates from reindeer, built by rlib-v0's rules (prelude_ext/cargo.bzl).

tests/reindeer/third-party holds a Cargo.toml (pinned by Cargo.lock) and a
reindeer.toml that loads our macros instead of the stock prelude's — the
one-file switch docs/adopting.md describes.  At test time reindeer vendors
the crates (cargo fetches them from crates.io) and writes third-party/BUCK;
nothing of that is committed.  Then buck2 builds a first-party
`rust_v0_library` over them, a stock `cxx_binary` and a `rust_v0_binary`
over that, and runs them, in dev and release and with lld; the link plan
shows every crate once and no proc macro.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from elf_util import archive_machines, comment, machine
from buck2_util import Buck2, copy_repo, require_aarch64, require_buck2, rustc_signature
from nativelink_util import NativeLink, require_nativelink
from reindeer_util import reindeer_exe

HERE = Path(__file__).parent
EXPECTED = "a1b22 n=3 digits=23 pid_ok=true stack_ok=true json={\"name\":\"a1b22\",\"n\":3}"


@pytest.fixture(scope="module")
def repo(tmp_path_factory):
    buck2_exe = require_buck2()
    reindeer = reindeer_exe()
    root = copy_repo(tmp_path_factory.mktemp("reindeer") / "repo")
    shutil.copytree(HERE / "reindeer" / "third-party", root / "third-party")
    shutil.copytree(HERE / "reindeer" / "app", root / "app")
    for verb in ("vendor", "buckify"):
        proc = subprocess.run([reindeer, "--third-party-dir", "third-party", verb], cwd=root, capture_output=True, text=True, timeout=900)
        assert proc.returncode == 0, f"reindeer {verb}:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    assert "@prelude_ext//:cargo.bzl" in (root / "third-party" / "BUCK").read_text()
    with Buck2(buck2_exe, root) as b:
        yield b


def test_generated_buck_uses_our_macros(repo: Buck2) -> None:
    text = (repo.repo / "third-party" / "BUCK").read_text()
    assert "cargo.rust_library(" in text and "buildscript_run(" in text and "proc_macro = True" in text


@pytest.mark.parametrize("platform", ["toolchains//platforms:default", "toolchains//platforms:release", "toolchains//platforms:lld"])
def test_cxx_and_rust_binaries_run(repo: Buck2, platform: str) -> None:
    """Through the wrapper (`link_check = "wrapper"`; the bare links below)."""
    wrapper = ("-c", "rust_v0.link_check=wrapper")
    assert repo.run_target("//app:cxx_main", *wrapper, "--target-platforms", platform) == f"cxx: {EXPECTED}\n"
    links = [ln for ln in repo.what_ran() if "(cxx_link_executable)" in ln]
    assert all("lean.py" in ln for ln in links), links
    assert repo.run_target("//app:rust_main", "--target-platforms", platform) == f"rust: {EXPECTED}\nhello: [1,2]\n"


@pytest.mark.parametrize("platform", ["toolchains//platforms:default", "toolchains//platforms:mold"])
def test_cxx_binary_runs_with_bare_links(repo: Buck2, platform: str) -> None:
    """`link_check = "compile"`: the bare linker on the line, psm's
    assembled library reached through psm's link-args file (`stack_ok`)."""
    mode = ("-c", "rust_v0.link_check=compile", "--target-platforms", platform)
    assert repo.run_target("//app:cxx_main", *mode) == f"cxx: {EXPECTED}\n"
    links = [ln for ln in repo.what_ran() if "(cxx_link_executable)" in ln]
    assert links and all("lean.py" not in ln for ln in links), links
    found = list(repo.repo.glob("buck-out/*/art/root/*/third-party/*psm*/link/*.rlib-v0-link-args"))
    assert found and all("libpsm_s.a" in p.read_text() for p in found), found


def test_link_plan_has_each_crate_once_and_no_proc_macro(repo: Buck2) -> None:
    (log,) = repo.outputs("//app:rust_main[link-debug]").values()
    text = (log if log.is_absolute() else repo.repo / log).read_text()
    crates = re.findall(r"^\s+\d+\. crate (\S+) ", text, re.M)
    assert len(crates) == len(set(crates)), crates
    for c in ("serde", "serde_json", "regex", "regex_syntax", "libc", "psm", "anyhow", "thiserror", "app_lib"):
        assert c in crates, (c, crates)
    for macro in ("serde_derive", "thiserror_impl", "proc_macro2", "syn", "quote"):
        assert macro not in crates, (macro, crates)
    # psm's build script assembled code and asked for it: placed after psm.
    assert re.search(r"native static library \S+libpsm_s\.a after crate psm", text), text


def test_rust_v0_test_runs_under_buck2_test(repo: Buck2) -> None:
    """The crate's #[test]s, linked by the wrapper with the bundle that holds libtest."""
    proc = repo.run("test", "//app:app_test")
    assert "test tests::summary_counts_digits ... ok" in proc.stderr + proc.stdout
    assert "test tests::zero_is_an_error ... ok" in proc.stderr + proc.stdout


def test_failing_rust_test_fails_buck2_test(repo: Buck2) -> None:
    lib = repo.repo / "app" / "lib.rs"
    original = lib.read_text()
    try:
        lib.write_text(original.replace('"bad input: z"', '"something else"'))
        proc = repo.run("test", "//app:app_test", check=False)
        assert proc.returncode != 0 and "zero_is_an_error" in proc.stderr + proc.stdout
    finally:
        lib.write_text(original)


# aarch64, pipelined (unpipelined: tests/test_buck2_examples.py): the
# wrapper with ld.bfd; bare links (link_check = "compile") with mold (`-B`
# for the cross g++), which only relinks the first build.
PIPELINED = ("-c", "rust_v0.pipelined=true")
AARCH64_BUILDS = {
    "toolchains//platforms:aarch64": PIPELINED,
    "toolchains//platforms:aarch64-mold-unwind-dev": ("-c", "rust_v0.link_check=compile", *PIPELINED),
}


def _abs(repo: Buck2, path: Path) -> Path:
    return path if path.is_absolute() else repo.repo / path


@pytest.mark.parametrize("platform", sorted(AARCH64_BUILDS))
def test_aarch64_binaries_run_under_qemu(repo: Buck2, platform: str) -> None:
    """The whole set cross-compiled: proc macros and build scripts run here,
    psm's assembly and every crate built for aarch64; both programs are
    aarch64 executables printing their lines under qemu-user."""
    cross = require_aarch64()
    args = ("--target-platforms", platform, *AARCH64_BUILDS[platform])
    outs = repo.outputs("//app:cxx_main", "//app:rust_main", extra=args)
    cxx, rust = _abs(repo, outs["root//app:cxx_main"]), _abs(repo, outs["root//app:rust_main"])
    assert machine(cxx) == machine(rust) == "EM_AARCH64"
    assert cross.run(cxx) == f"cxx: {EXPECTED}\n"
    # `buck2 run` of the rust_v0_binary: under qemu, by the toolchain's runner.
    assert repo.run_target("//app:rust_main", *args) == f"rust: {EXPECTED}\nhello: [1,2]\n"


def test_aarch64_exec_deps_are_x86_64_of_the_same_rustc(repo: Buck2) -> None:
    """For the aarch64 platform every proc macro `.so` and every build script
    is an x86-64 program of the system rustc (the one that compiles the
    crates and loads the macros); what psm's build script assembled, with the
    target's C compiler, is aarch64."""
    cross = require_aarch64()
    signature = rustc_signature(cross.rustc)
    platform = ("--target-platforms", "toolchains//platforms:aarch64", *PIPELINED)
    query = repo.run("cquery", *platform, "kind('rust_v0_buildscript_run|rust_v0_proc_macro_alias', deps(//app:rust_main))").stdout
    labels = [ln.split(" (")[0] for ln in query.splitlines() if ln.strip()]
    runs = [label for label in labels if label.endswith("-build-script-run")]
    macros = [label for label in labels if label not in runs]
    assert len(runs) >= 5 and any(":serde_derive" in m for m in macros) and any(":thiserror-impl" in m for m in macros), labels
    outs = repo.outputs(*[r + "[buildscript]" for r in runs], *macros, extra=platform)
    assert len(outs) == len(runs) + len(macros), outs
    for target, path in outs.items():
        path = _abs(repo, path)
        assert machine(path) == "EM_X86_64", (target, path)
        assert signature in comment(path), (target, signature)
    (psm,) = [r for r in runs if ":psm-" in r]
    (out_dir,) = repo.outputs(psm + "[out_dir]", extra=platform).values()
    assert archive_machines(_abs(repo, out_dir) / "libpsm_s.a") == {"EM_AARCH64"}


def test_builds_remotely(repo: Buck2, tmp_path_factory: pytest.TempPathFactory) -> None:
    """The whole set on NativeLink, local execution off: proc macros, build
    scripts (psm's assembled library in its OUT_DIR reaches the remote link)."""
    exe = require_nativelink()
    local = repo.repo / ".buckconfig.local"
    with NativeLink(exe, tmp_path_factory.mktemp("nativelink")) as server:
        # Pipelined: proc macros compile against real rlibs, the rest against metadata rlibs.
        local.write_text("[rust_v0]\n  pipelined = true\n  link_check = wrapper\n" + server.buckconfig())
        try:
            with Buck2(repo.exe, repo.repo, isolation="pytest-re") as b:
                b.build("//app:cxx_main", "//app:rust_main")
                ran = b.executors()
                assert ran and all(w.startswith("re(") or w == "cache" for w in ran.values()), {a: w for a, w in ran.items() if not w.startswith("re(")}
                assert any("buildscript" in a or "build-script" in a for a in ran)
                assert any("rustc_metadata" in a for a in ran)
                assert b.run_target("//app:cxx_main") == f"cxx: {EXPECTED}\n"
                assert b.run_target("//app:rust_main") == f"rust: {EXPECTED}\nhello: [1,2]\n"
                # Bare links (link_check = "compile"): remote too, with the
                # link-args files and psm's library as inputs.
                assert b.run_target("//app:cxx_main", "-c", "rust_v0.link_check=compile") == f"cxx: {EXPECTED}\n"
                ran = b.executors()
                assert any("cxx_link_executable" in a for a in ran) and all(w.startswith("re(") or w == "cache" for w in ran.values()), ran
        finally:
            local.unlink()


@pytest.mark.parametrize("mode", [("-c", "rust_v0.link_check=wrapper"), ("-c", "rust_v0.link_check=compile")], ids=["wrapper", "compile"])
def test_shared_library_over_the_crate_set(repo: Buck2, mode: tuple[str, ...]) -> None:
    """A stock `cxx_library` with `preferred_linkage = "shared"` over the
    crate set: its C++ API and app_lib's #[no_mangle] entry point exported,
    nothing of Rust, std or psm's assembled library (docs/shared-libraries.md)."""
    from test_shared_libs import exports, is_rust_name

    assert repo.run_target("//app:cxx_main_shared", *mode) == f"cxx: {EXPECTED}\n"
    (so,) = repo.outputs("//app:app_shared[shared]", extra=mode).values()
    got = exports(so if so.is_absolute() else repo.repo / so)
    assert "app_summary" in got and any(n.startswith("_ZN3app7summary") for n in got), sorted(got)
    assert not [n for n in got if is_rust_name(n) or "psm" in n], sorted(got)
