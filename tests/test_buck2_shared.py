"""End-to-end, real buck2: shared libraries over rust_v0_library targets
(examples/shared_libs, docs/shared-libraries.md).

Two stock `cxx_library` targets with `preferred_linkage = "shared"`, each over
its own version of a crate and over one crate they share, and a binary
linking both (plus the same libraries as `.so`s of a `link_style = "shared"`
binary): each library links its crates and std, exports its C++ API and the
crates' `#[no_mangle]` names and nothing of Rust, so each keeps its own copy
of the shared crate — with the wrapper and with `link_check = "compile"`,
on ld.bfd, gold, lld and mold.  The stock prelude's Rust rules on the same
graph are built too, and what they do is checked as docs/shared-libraries.md
records it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from buck2_util import ROOT, Buck2, copy_repo, require_buck2
from test_shared_libs import exports, is_rust_name

EXPECTED = "shared_libs: versions 1 2, counters 1 1, checked 42, caught plugin1: negative\n"
COMPILE = ("-c", "rust_v0.link_check=compile")
MODES = {"wrapper": (), "compile": COMPILE}
PKG = "//examples/shared_libs"


@pytest.fixture(scope="module")
def buck2(tmp_path_factory: pytest.TempPathFactory):
    exe = require_buck2()
    with Buck2(exe, copy_repo(tmp_path_factory.mktemp("repo"))) as b:
        yield b


def _platform(linker: str) -> tuple[str, ...]:
    return ("--target-platforms", f"toolchains//platforms:{linker}")


def _abs(buck2: Buck2, p: Path) -> Path:
    return p if p.is_absolute() else buck2.repo / p


@pytest.mark.parametrize("mode", sorted(MODES))
@pytest.mark.parametrize("linker", ["default", "gold", "lld", "mold"])
def test_two_shared_libraries_in_one_binary(buck2: Buck2, linker: str, mode: str) -> None:
    for target in ("main", "main_shared"):
        assert buck2.run_target(f"{PKG}:{target}", *MODES[mode], *_platform(linker)) == EXPECTED, target


@pytest.mark.parametrize("mode", sorted(MODES))
@pytest.mark.parametrize("linker", ["default", "gold", "lld", "mold"])
def test_each_library_exports_its_api_and_no_rust(buck2: Buck2, linker: str, mode: str) -> None:
    extra = (*MODES[mode], *_platform(linker))
    outs = buck2.outputs(*(f"{PKG}:{p}[shared]" for p in ("plugin1", "plugin2", "plugin1_any")), extra=extra)
    for target, so in outs.items():
        plugin, user = ("plugin1", "use_old") if "plugin1" in target else ("plugin2", "use_new")
        got = set(exports(_abs(buck2, so)))
        api = {f"_ZN7{plugin}7versionEv", f"_ZN7{plugin}4bumpEv", f"_ZTIN7{plugin}5ErrorE", f"_ZN7{plugin}7checkedIiEET_S1_"}
        assert api | {f"{user}_version", f"{user}_bump"} <= got, sorted(got)
        assert not [n for n in got if is_rust_name(n)], sorted(n for n in got if is_rust_name(n))[:10]


def _argsfile(buck2: Buck2, target: str) -> list[str]:
    """The link line Buck2 wrote for `target` (its argsfile, beside the output)."""
    (out,) = buck2.outputs(target, extra=COMPILE).values()
    out = _abs(buck2, out)
    return out.with_name(out.name + ".cxx_link_argsfile").read_text().split()


def test_compile_mode_names_the_shared_files_on_shared_links_only(buck2: Buck2) -> None:
    """The bare driver: a shared library's link names, after each crate's and
    the bundle's link-args file, its `.shared` one; an executable's link
    (cxx_diamond, a static one over Rust crates) names none."""
    line = _argsfile(buck2, f"{PKG}:plugin1[shared]")
    for name in ("use_old", "verlib", "counter", "std_bundle"):
        i = next(n for n, a in enumerate(line) if a.endswith(f"/lib{name}.rlib-v0-link-args"))
        assert line[i + 1].startswith("@") and line[i + 1].endswith(f"/lib{name}.shared.rlib-v0-link-args"), line
    links = [ln for ln in buck2.what_ran() if "(cxx_link" in ln]
    assert links and all("lean.py" not in ln for ln in links), links
    exe = _argsfile(buck2, "//examples/cxx_diamond:main")
    assert any(a.endswith("/libbase.rlib-v0-link-args") for a in exe)
    assert not [a for a in exe if ".shared." in a], exe


@pytest.fixture(scope="module")
def stock(tmp_path_factory: pytest.TempPathFactory):
    """The same graph with the stock prelude's Rust rules (`rust_library`,
    the bundled prelude's system toolchains as bench/buck2_bench.py sets
    them up): the comparison docs/shared-libraries.md records."""
    import sys

    exe = require_buck2()
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import buck2_bench
    finally:
        sys.path.pop(0)
    root = tmp_path_factory.mktemp("stock") / "repo"
    buck2_bench.new_project_root("stock", str(root))
    src = ROOT / "examples" / "shared_libs"
    pkg = root / "app"
    pkg.mkdir()
    for f in src.iterdir():
        if f.name != "BUCK":
            (pkg / f.name).write_text(f.read_text())
    text = (src / "BUCK").read_text()
    text = text.replace('load("@prelude_ext//:defs.bzl", "rust_v0_library")\n', "")
    text = text.replace("rust_v0_library(", 'rust_library(\n    edition = "2021",')
    (pkg / "BUCK").write_text(text)
    with Buck2(exe, root) as b:
        yield b
