"""An existing Buck2 repository adopts rlib-v0 as one cell (docs/adopting.md).

The test makes, in a temp dir, a repository of its own: its own
.buckconfig, a toolchains cell with the prelude's `system_cxx_toolchain`
(gcc) wrapped by `rust_v0_cxx_toolchain_wrapper`, its own constraint and two
platforms of its own naming (`//plat:fast` links with lld, `//plat:plain`
with ld.bfd), its rust_v0 toolchain under a name of its own (found through
`[rust_v0] toolchain = ...`), and this checkout's `prelude_ext` as a cell —
nothing else of this repository.  It builds and runs a stock `cxx_binary`
over a `rust_v0_library` diamond and a `rust_v0_binary`, on both platforms,
each with its own std bundle.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from buck2_util import ROOT, Buck2, require_buck2

BUCKCONFIG = """\
[cells]
  root = .
  prelude = prelude
  toolchains = toolchains
  prelude_ext = third_party/rlib-v0/prelude_ext
  none = none

[cell_aliases]
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
  execution_platforms = prelude//platforms:default

# rlib-v0: the rules' configuration under this repository's own name.
[rust_v0]
  toolchain = toolchains//:company_rust
"""

PLAT_BUCK = """\
constraint_setting(name = "linker")

constraint_value(name = "use_lld", constraint_setting = ":linker", visibility = ["PUBLIC"])

constraint_value(name = "use_bfd", constraint_setting = ":linker", visibility = ["PUBLIC"])

platform(name = "fast", constraint_values = [":use_lld"], deps = ["prelude//platforms:default"], visibility = ["PUBLIC"])

platform(name = "plain", constraint_values = [":use_bfd"], deps = ["prelude//platforms:default"], visibility = ["PUBLIC"])
"""

TOOLCHAINS_BUCK = """\
load("@prelude//toolchains:cxx.bzl", "system_cxx_toolchain")
load("@prelude//toolchains:genrule.bzl", "system_genrule_toolchain")
load("@prelude//toolchains:python.bzl", "system_python_bootstrap_toolchain")
load("@prelude_ext//:defs.bzl", "rust_v0_cxx_toolchain_wrapper", "rust_v0_std_bundle", "rust_v0_toolchain")

# The repository's own C/C++ toolchain, as it was before rlib-v0.
system_cxx_toolchain(
    name = "gcc",
    compiler = "gcc",
    compiler_type = "gcc",
    cxx_compiler = "g++",
    linker = "g++",
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

# rlib-v0: Rust settings; no linker_driver, so rust_v0_binary links with :gcc's linker.
rust_v0_toolchain(
    name = "company_rust",
    target = "x86_64-unknown-linux-gnu",
    visibility = ["PUBLIC"],
)

# rlib-v0: one std bundle per configuration.
rust_v0_std_bundle(
    name = "std_bundle",
    visibility = ["PUBLIC"],
)

system_python_bootstrap_toolchain(name = "python_bootstrap", visibility = ["PUBLIC"])

system_genrule_toolchain(name = "genrule", visibility = ["PUBLIC"])
"""

APP_BUCK = """\
load("@prelude_ext//:defs.bzl", "rust_v0_binary", "rust_v0_library")

rust_v0_library(name = "base", srcs = ["base.rs"])

rust_v0_library(name = "left", srcs = ["left.rs"], deps = [":base"])

rust_v0_library(name = "right", srcs = ["right.rs"], deps = [":base"])

cxx_binary(name = "cxx_main", srcs = ["main.cpp"], deps = [":left", ":right"])

rust_v0_binary(name = "rust_main", srcs = ["main.rs"], deps = [":left", ":right"])
"""

SOURCES = {
    "base.rs": "use std::sync::atomic::{AtomicU32, Ordering};\npub static SEEN: AtomicU32 = AtomicU32::new(0);\npub fn bump(by: u32) -> u32 { SEEN.fetch_add(by, Ordering::SeqCst) + by }\n",
    "left.rs": '#[no_mangle] pub extern "C" fn left() -> u32 { base::bump(1) }\n',
    "right.rs": '#[no_mangle] pub extern "C" fn right() -> u32 { base::bump(10) }\n',
    "main.cpp": '#include <cstdio>\nextern "C" unsigned left(); extern "C" unsigned right();\nint main() { unsigned a = left(), b = right(); std::printf("adopted: %u %u\\n", a, b); return 0; }\n',
    "main.rs": 'extern crate left; extern crate right;\nfn main() { let a = left::left(); let b = right::right(); println!("adopted-rust: {a} {b}"); }\n',
}


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory):
    exe = require_buck2()
    root = tmp_path_factory.mktemp("adopter")
    (root / ".buckconfig").write_text(BUCKCONFIG)
    # This checkout, where a user would put a git submodule or vendored copy
    # (a cell must lie inside the project): prelude_ext/ alone.
    (root / "third_party" / "rlib-v0").mkdir(parents=True)
    (root / "third_party" / "rlib-v0" / "prelude_ext").symlink_to(ROOT / "prelude_ext")
    (root / ".buckroot").write_text("")
    (root / "none").mkdir()
    (root / "none" / ".buckconfig").write_text("")
    for d, text in (("plat", PLAT_BUCK), ("toolchains", TOOLCHAINS_BUCK), ("app", APP_BUCK)):
        (root / d).mkdir()
        (root / d / "BUCK").write_text(text)
    (root / "toolchains" / ".buckconfig").write_text("")
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
    assert sorted(p.name for p in (repo.repo / "third_party" / "rlib-v0").iterdir()) == ["prelude_ext"]
