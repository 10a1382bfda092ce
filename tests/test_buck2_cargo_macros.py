"""prelude_ext/cargo.bzl, reindeer's macros, on what a curated crate set does
not show: build scripts' `links` metadata (cargo's DEP_<LINKS>_<KEY>) passed
from a crate's build script to those of the crates depending on it, and
reindeer's `mapped_srcs` (overlay fixups).

tests/cargo_macros holds three small crates with real build scripts, written
as `reindeer buckify` writes them: zed-sys (`links = "zed"`) compiles a C
library and installs its header in OUT_DIR; zed (`links = "zedwrap"`) reads
DEP_ZED_INCLUDE and DEP_ZED_VERSION_NUMBER, checks the header, sets a cfg and
passes metadata of its own on; top reads DEP_ZEDWRAP_LEVEL, and must not see
zed-sys's (cargo gives metadata to immediate dependents only). zed-macro, a
proc macro over zed-sys, is linked by rustc: zed-sys's C library, kept out of
its rlib, is found through the `-L native=` file its compile wrote.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from buck2_util import Buck2, copy_repo, require_buck2

HERE = Path(__file__).parent
EXPECTED = "level=v3 transitive=false zed3 answer=42 macro=42 links=zed\n"


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory):
    exe = require_buck2()
    root = copy_repo(tmp_path_factory.mktemp("cargo_macros") / "repo")
    shutil.copytree(HERE / "cargo_macros", root / "cargo_macros")
    with Buck2(exe, root) as b:
        yield b


def test_links_metadata_between_build_scripts(repo: Buck2) -> None:
    assert repo.run_target("//cargo_macros:main") == EXPECTED
    (meta,) = repo.outputs("//cargo_macros:zed-sys-0.1.0-build-script-main-run[metadata]").values()
    text = (repo.repo / meta).read_text()
    # Stored relative to the project root (the same file on every machine).
    assert text.startswith("DEP_ZED_INCLUDE=@RLIB_V0_ROOT@/buck-out/") and text.endswith("/OUT_DIR/include\nDEP_ZED_VERSION_NUMBER=30000000\n"), text
    (meta,) = repo.outputs("//cargo_macros:top-1.0.0-build-script-run[metadata]").values()
    assert (repo.repo / meta).read_text() == ""  # no `links`: nothing for dependents


def test_release_and_pipelined(repo: Buck2) -> None:
    for extra in (("--target-platforms", "toolchains//platforms:release"), ("-c", "rust_v0.pipelined=true")):
        assert repo.run_target("//cargo_macros:main", *extra) == EXPECTED


def test_changed_metadata_reruns_the_dependent_build_script(repo: Buck2) -> None:
    """The header version moves: zed-sys's run, then zed's (its DEP_* changed), rerun."""
    header = repo.repo / "cargo_macros" / "vendor" / "zed-sys-0.1.0" / "csrc" / "zed.h"
    build = repo.repo / "cargo_macros" / "vendor" / "zed-sys-0.1.0" / "build" / "main.rs"
    h, b = header.read_text(), build.read_text()
    try:
        header.write_text(h.replace("30000000", "20000000"))
        build.write_text(b.replace("version_number=30000000", "version_number=20000000"))
        assert repo.run_target("//cargo_macros:main") == "level=v2 transitive=false old zed answer=41 macro=41 links=zed\n"
    finally:
        header.write_text(h)
        build.write_text(b)


def test_crate_after_its_run_and_run_without_crate(repo: Buck2) -> None:
    """A crate declared after its run (a binary named after
    `-build-script-run`) still gives the run its deps; a run no crate macro
    names fails on the missing `-build-script-deps` target, never silently."""
    pkg = repo.repo / "cargo_macros_order"
    shutil.copytree(HERE / "cargo_macros", pkg)
    buck = pkg / "BUCK.rlib-v0"
    text = buck.read_text()
    start = text.index('cargo.rust_library(\n    name = "zed-0.2.0"')
    end = text.index('cargo.rust_binary(\n    name = "zed-0.2.0-build-script-build"')
    buck.write_text(text[:start] + text[end:] + "\n" + text[start:end])
    assert repo.run_target("//cargo_macros_order:main") == EXPECTED
    buck.write_text(text[:start] + text[end:] + "\nrust_v0_binary(name = 'orphan', srcs = ['app/main.rs'], deps = [':zed-sys-0.1.0'])\n")
    proc = repo.build("//cargo_macros_order:zed-0.2.0-build-script-run", check=False)
    assert proc.returncode != 0 and "zed-0.2.0-build-script-deps" in proc.stderr, proc.stderr[-3000:]


def test_mapped_srcs_overlay_and_generated_module(repo: Buck2) -> None:
    """reindeer's `mapped_srcs`: an overlay file replaces the vendored one of
    its path, a genrule's output becomes a module."""
    assert repo.run_target("//cargo_macros:main_ovl") == "overlay answer.rs generated module\n"
