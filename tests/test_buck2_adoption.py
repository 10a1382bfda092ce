"""An existing Buck2 repository adopts rlib-v0 as one cell (docs/adopting.md).

The test makes, in a temp dir, a repository of its own: its own
.buckconfig, its own toolchains cell `mytc` (aliased as `toolchains`, as the
prelude wants) with the prelude's `system_cxx_toolchain` (gcc) wrapped by
`rust_v0_cxx_toolchain_wrapper`, its own constraint and two platforms of its
own naming (`//plat:fast` links with lld, optimises and aborts on panic —
`panic` chosen by a select on the rust_v0 toolchain only; `//plat:plain`
links with ld.bfd and unwinds), its rust_v0 toolchain under a name of its
own (found through `[rust_v0] toolchain = ...`), and a full vendored copy of
this checkout under third_party/rlib-v0, of which only `prelude_ext` is a
cell.  `buck2 build //...` builds the repository (our examples, toolchains
and test projects in the copy stay out of it); a stock `cxx_binary` over a
`rust_v0_library` diamond and a `rust_v0_binary` run on both platforms, each
with its own std bundle; `-c rust_v0.link_debug=true` works with no edit of
the toolchain; a C/C++ toolchain that is not wrapped fails the link naming
the fix; a rust_v0_test on the abort platform fails in one line.  And
aarch64 added as docs/adopting.md says ("Adding a target"): `//plat:arm`
(the prelude's arm64 cpu, the cross gcc, the system rustc with the aarch64
std), execution platforms of its own, one per rustc, so the app's proc
macro is built here by the rustc that loads it; both programs aarch64
executables run under qemu (`buck2 run` through the toolchain's runner).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from buck2_util import ROOT, Buck2, require_aarch64, require_buck2
from elf_util import machine

BUCKCONFIG = """\
[cells]
  root = .
  prelude = prelude
  mytc = mytc
  prelude_ext = third_party/rlib-v0/prelude_ext
  none = none

[cell_aliases]
  toolchains = mytc
  config = prelude
  ovr_config = prelude
  fbcode = none
  fbsource = none
  fbcode_macros = none
  buck = none

[external_cells]
  prelude = bundled

[parser]
  target_platform_detector_spec = target:root//...->root//plat:plain

[build]
  execution_platforms = root//plat:exec

# rlib-v0: the rules' configuration under this repository's own name.
[rust_v0]
  toolchain = mytc//:company_rust
"""

PLAT_BUCK = """\
load("@prelude_ext//:defs.bzl", "rust_v0_execution_platform", "rust_v0_execution_platforms")

constraint_setting(name = "linker")

constraint_value(name = "use_lld", constraint_setting = ":linker", visibility = ["PUBLIC"])

constraint_value(name = "use_bfd", constraint_setting = ":linker", visibility = ["PUBLIC"])

platform(name = "fast", constraint_values = [":use_lld"], deps = ["prelude//platforms:default"], visibility = ["PUBLIC"])

# Only the fast platform aborts on panic: decided once, on the rust_v0 toolchain.

platform(name = "plain", constraint_values = [":use_bfd"], deps = ["prelude//platforms:default"], visibility = ["PUBLIC"])

# Added for aarch64 (docs/adopting.md, "Adding a target"): which rustc a
# configuration uses, the platform, and the execution platforms, one per rustc.
constraint_setting(name = "rustc")

constraint_value(name = "system_rustc", constraint_setting = ":rustc", visibility = ["PUBLIC"])

platform(
    name = "arm",
    constraint_values = [":use_bfd", ":system_rustc", "prelude//cpu/constraints:arm64", "prelude//os/constraints:linux"],
    visibility = ["PUBLIC"],
)

# Proc macros and build scripts are configured for these: they carry what the
# toolchains' selects key on (this machine links with ld.bfd).
rust_v0_execution_platform(name = "exec_default", constraint_values = [":use_bfd"], visibility = ["PUBLIC"])

rust_v0_execution_platform(name = "exec_system_rustc", constraint_values = [":use_bfd", ":system_rustc"], visibility = ["PUBLIC"])

rust_v0_execution_platforms(name = "exec", platforms = [":exec_default", ":exec_system_rustc"], visibility = ["PUBLIC"])
"""

TOOLCHAINS_BUCK = """\
load("@prelude//toolchains:cxx.bzl", "system_cxx_toolchain")
load("@prelude//toolchains:genrule.bzl", "system_genrule_toolchain")
load("@prelude//toolchains:python.bzl", "system_python_bootstrap_toolchain")
load("@prelude_ext//:defs.bzl", "rust_v0_cxx_toolchain_wrapper", "rust_v0_std_bundle", "rust_v0_toolchain")

_ARM = "prelude//cpu/constraints:arm64"

# The repository's own C/C++ toolchain, as it was before rlib-v0 (the
# cross compilers for aarch64 added with it).
system_cxx_toolchain(
    name = "gcc",
    archiver = select({_ARM: "aarch64-linux-gnu-ar", "DEFAULT": "ar"}),
    compiler = select({_ARM: "aarch64-linux-gnu-gcc", "DEFAULT": "gcc"}),
    compiler_type = "gcc",
    cxx_compiler = select({_ARM: "aarch64-linux-gnu-g++", "DEFAULT": "g++"}),
    linker = select({_ARM: "aarch64-linux-gnu-g++", "DEFAULT": "g++"}),
    link_flags = select({
        "root//plat:use_lld": ["-fuse-ld=lld"],
        "root//plat:use_bfd": ["-fuse-ld=bfd"],
    }),
    link_style = "static",
    visibility = ["PUBLIC"],
)

# rlib-v0: the same toolchain, its linker through `rlib-v0 link`.
rust_v0_cxx_toolchain_wrapper(
    name = "cxx",
    base = ":gcc",
    rust_v0 = ":company_rust",
    visibility = ["PUBLIC"],
)

# rlib-v0: Rust settings; no linker_driver, so rust_v0_binary links with :gcc's
# linker. The panic strategy is chosen here only: the std bundle follows it.
rust_v0_toolchain(
    name = "company_rust",
    target = select({_ARM: "aarch64-unknown-linux-gnu", "DEFAULT": "x86_64-unknown-linux-gnu"}),
    # aarch64: the system's rustc (it has that std), also for the proc macros
    # and build scripts built for this machine: the execution platform of
    # the same rustc.
    rustc = select({"root//plat:system_rustc": "/usr/bin/rustc", "DEFAULT": "rustc"}),
    exec_compatible_with = select({"root//plat:system_rustc": ["root//plat:system_rustc"], "DEFAULT": []}),
    runner = select({_ARM: ["qemu-aarch64", "-L", "/usr/aarch64-linux-gnu"], "DEFAULT": []}),
    panic = select({"root//plat:use_lld": "abort", "root//plat:use_bfd": "unwind"}),
    rustc_flags = select({"root//plat:use_lld": ["-Copt-level=2"], "root//plat:use_bfd": []}),
    visibility = ["PUBLIC"],
)

# rlib-v0: one std bundle per configuration.
rust_v0_std_bundle(
    name = "std_bundle",
    visibility = ["PUBLIC"],
)

# rlib-v0: std plus libtest, for rust_v0_test.
rust_v0_std_bundle(
    name = "std_bundle_test",
    with_test = True,
    visibility = ["PUBLIC"],
)

system_python_bootstrap_toolchain(name = "python_bootstrap", visibility = ["PUBLIC"])

system_genrule_toolchain(name = "genrule", visibility = ["PUBLIC"])
"""

APP_BUCK = """\
load("@prelude_ext//:defs.bzl", "rust_v0_binary", "rust_v0_library", "rust_v0_test")

rust_v0_library(name = "base", srcs = ["base.rs"])

rust_v0_library(name = "one", srcs = ["one.rs"], proc_macro = True)

rust_v0_library(name = "left", srcs = ["left.rs"], deps = [":base", ":one"])

rust_v0_library(name = "right", srcs = ["right.rs"], deps = [":base"])

cxx_binary(name = "cxx_main", srcs = ["main.cpp"], deps = [":left", ":right"])

rust_v0_binary(name = "rust_main", srcs = ["main.rs"], deps = [":left", ":right"])

rust_v0_test(name = "left_test", srcs = ["left.rs"], crate = "left", deps = [":base", ":one"])
"""

SOURCES = {
    "base.rs": "use std::sync::atomic::{AtomicU32, Ordering};\npub static SEEN: AtomicU32 = AtomicU32::new(0);\npub fn bump(by: u32) -> u32 { SEEN.fetch_add(by, Ordering::SeqCst) + by }\n",
    "one.rs": 'extern crate proc_macro;\n#[proc_macro]\npub fn one(_: proc_macro::TokenStream) -> proc_macro::TokenStream { "1".parse().unwrap() }\n',
    "left.rs": '#[no_mangle] pub extern "C" fn left() -> u32 { base::bump(one::one!()) }\n#[test]\nfn bumps() { assert!(left() >= 1); }\n',
    "right.rs": '#[no_mangle] pub extern "C" fn right() -> u32 { base::bump(10) }\n',
    "main.cpp": '#include <cstdio>\nextern "C" unsigned left(); extern "C" unsigned right();\nint main() { unsigned a = left(), b = right(); std::printf("adopted: %u %u\\n", a, b); return 0; }\n',
    "main.rs": 'extern crate left; extern crate right;\nfn main() { let a = left::left(); let b = right::right(); println!("adopted-rust: {a} {b}"); }\n',
}


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory):
    exe = require_buck2()
    root = tmp_path_factory.mktemp("adopter")
    (root / ".buckconfig").write_text(BUCKCONFIG)
    # A full vendored copy of this checkout, as a user would keep one (a cell
    # must lie inside the project); only its prelude_ext is a cell.
    shutil.copytree(ROOT, root / "third_party" / "rlib-v0", ignore=shutil.ignore_patterns(".git", "buck-out", "__pycache__", "*.egg-info", ".venv", ".pytest_cache", "target", "out"))
    (root / ".buckroot").write_text("")
    (root / "none").mkdir()
    (root / "none" / ".buckconfig").write_text("")
    for d, text in (("plat", PLAT_BUCK), ("mytc", TOOLCHAINS_BUCK), ("app", APP_BUCK)):
        (root / d).mkdir()
        (root / d / "BUCK").write_text(text)
    (root / "mytc" / ".buckconfig").write_text("")
    for name, text in SOURCES.items():
        (root / "app" / name).write_text(text)
    with Buck2(exe, root) as b:
        yield b


def _comment(path: Path) -> str:
    return subprocess.run(["readelf", "-p", ".comment", str(path)], capture_output=True, text=True).stdout


@pytest.mark.parametrize("platform,lld", [("root//plat:fast", True), ("root//plat:plain", False)])
def test_stock_cxx_binary_over_the_diamond(repo: Buck2, platform: str, lld: bool) -> None:
    assert repo.run_target("//app:cxx_main", "--target-platforms", platform) == "adopted: 1 11\n"
    (exe,) = repo.outputs("//app:cxx_main", extra=("--target-platforms", platform)).values()
    # The platform's linker did the link: lld signs its output.
    assert ("LLD" in _comment(repo.repo / exe if not exe.is_absolute() else exe)) == lld


@pytest.mark.parametrize("platform", ["root//plat:fast", "root//plat:plain"])
def test_rust_v0_binary(repo: Buck2, platform: str) -> None:
    assert repo.run_target("//app:rust_main", "--target-platforms", platform) == "adopted-rust: 1 11\n"


def test_each_platform_has_its_own_std_bundle(repo: Buck2) -> None:
    plans = {}
    for platform in ("root//plat:fast", "root//plat:plain"):
        (log,) = repo.outputs("//app:rust_main[link-debug]", extra=("--target-platforms", platform)).values()
        text = (repo.repo / log if not log.is_absolute() else log).read_text()
        m = re.search(r"std bundle: (\S+)", text)
        assert m, text
        # The diamond's base crate is linked once.
        assert len(re.findall(r"crate base ", text)) == 1, text
        plans[platform] = m.group(1)
    assert plans["root//plat:fast"] != plans["root//plat:plain"]


def test_nothing_of_this_repository_but_the_cell(repo: Buck2) -> None:
    """The adopter's cells: its own, the bundled prelude, and prelude_ext."""
    cells = repo.run("audit", "cell", "--json").stdout
    assert "third_party/rlib-v0/prelude_ext" in cells
    assert str(ROOT / "toolchains") not in cells and f'"{ROOT}"' not in cells


def test_build_everything_in_the_adopting_repository(repo: Buck2) -> None:
    """`//...` is the adopter's: the vendored copy's examples, toolchains and
    test projects (build files named BUCK.rlib-v0) are not part of it."""
    repo.build("//...", "--target-platforms", "root//plat:plain")
    targets = repo.run("targets", "//...").stdout.split()
    assert targets and all(t.startswith(("root//app:", "root//plat:")) for t in targets), targets
    assert (repo.repo / "third_party" / "rlib-v0" / "examples" / "diamond" / "BUCK.rlib-v0").is_file()


def test_panic_follows_the_toolchain(repo: Buck2) -> None:
    """`//plat:fast` aborts: crates and bundle alike, from one select."""
    (log,) = repo.outputs("//app:rust_main[link-debug]", extra=("--target-platforms", "root//plat:fast")).values()
    text = (repo.repo / log if not log.is_absolute() else log).read_text()
    assert "panic=abort" in text, text


def test_link_debug_from_the_command_line(repo: Buck2) -> None:
    """`-c rust_v0.link_debug=true`, with no edit of the user's toolchain:
    the stock cxx_binary's link runs `rlib-v0 link --debug`."""
    repo.build("//app:cxx_main", "-c", "rust_v0.link_debug=true", "--target-platforms", "root//plat:plain")
    links = [ln for ln in repo.what_ran() if "cxx_link" in ln]
    assert links and all("--debug" in ln for ln in links), links
    repo.build("//app:cxx_main", "--target-platforms", "root//plat:plain")
    links = [ln for ln in repo.what_ran() if "cxx_link" in ln]
    assert all("--debug" not in ln for ln in links), links


def test_unwrapped_cxx_toolchain_fails_the_link(repo: Buck2) -> None:
    """With `link_check = "wrapper"`, a stock cxx_binary over Rust libraries
    whose C/C++ toolchain skips the wrapper fails, naming the fix, instead
    of linking unchecked."""
    tc = repo.repo / "mytc" / "BUCK"
    original = tc.read_text()
    wrapper = original[original.index("rust_v0_cxx_toolchain_wrapper(\n") : original.index("# rlib-v0: Rust settings")]
    try:
        # As if the user had skipped step 2: `cxx` is the plain toolchain.
        tc.write_text(original.replace(wrapper, 'system_cxx_toolchain(name = "cxx", compiler = "gcc", compiler_type = "gcc", cxx_compiler = "g++", linker = "g++", link_style = "static", visibility = ["PUBLIC"])\n\n'))
        proc = repo.build("//app:cxx_main", "--target-platforms", "root//plat:plain", "-c", "rust_v0.link_check=wrapper", check=False)
        assert proc.returncode != 0
        assert "__rlib_v0__this_link_needs_rlib_v0_link__wrap_the_cxx_toolchain_with_rust_v0_cxx_toolchain_wrapper" in proc.stderr, proc.stderr[-3000:]
    finally:
        tc.write_text(original)


def test_rust_v0_test_on_an_abort_platform_says_what_to_do(repo: Buck2) -> None:
    proc = repo.build("//app:left_test", "--target-platforms", "root//plat:fast", check=False)
    assert proc.returncode != 0
    assert 'rust_v0_test needs panic = "unwind"' in proc.stderr and "root//app:left_test" in proc.stderr, proc.stderr[-3000:]
    assert "panic_abort_tests" not in proc.stderr
    proc = repo.run("test", "//app:left_test", "--target-platforms", "root//plat:plain")
    assert "bumps ... ok" in proc.stdout + proc.stderr


def test_crate_with_its_own_panic_names_buck2_attributes(repo: Buck2) -> None:
    """A crate whose rustc_flags ask for another panic strategy than the
    toolchain's: refused at its compile, in Buck2's terms."""
    app = repo.repo / "app" / "BUCK"
    original = app.read_text()
    try:
        app.write_text(original + 'rust_v0_library(name = "odd", srcs = ["base.rs"], crate = "odd", rustc_flags = ["-Cpanic=abort"])\n')
        proc = repo.build("//app:odd", "--target-platforms", "root//plat:plain", check=False)
        assert proc.returncode != 0
        line = next(ln for ln in proc.stderr.splitlines() if "rlib-v0: error:" in ln)
        assert "rust_v0_toolchain" in line and "rustc_flags" in line and "--panic" not in line, line
    finally:
        app.write_text(original)


def test_aarch64_added_as_the_docs_say(repo: Buck2) -> None:
    """//plat:arm: the C++ and the Rust program are aarch64 executables that
    run under qemu; the proc macro was built for this machine by the system
    rustc, which loads it (another release would refuse it)."""
    cross = require_aarch64()
    arm = ("--target-platforms", "root//plat:arm")
    outs = repo.outputs("//app:cxx_main", "//app:rust_main", "//app:one", extra=arm)
    path = {t.split(":")[-1]: (p if p.is_absolute() else repo.repo / p) for t, p in outs.items()}
    assert machine(path["cxx_main"]) == machine(path["rust_main"]) == "EM_AARCH64"
    assert machine(path["one"]) == "EM_X86_64"
    assert cross.run(path["cxx_main"]) == "adopted: 1 11\n"
    assert repo.run_target("//app:rust_main", *arm) == "adopted-rust: 1 11\n"


def test_aarch64_rust_v0_test_under_qemu(repo: Buck2) -> None:
    """`buck2 test` of a rust_v0_test on //plat:arm: the aarch64 harness runs
    under qemu (the toolchain's runner)."""
    cross = require_aarch64()
    cross.require_threads()
    proc = repo.run("test", "//app:left_test", "--target-platforms", "root//plat:arm")
    assert "bumps ... ok" in proc.stdout + proc.stderr
