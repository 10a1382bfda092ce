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
import subprocess
from pathlib import Path

import pytest

from buck2_util import ROOT, Buck2, copy_repo, require_buck2
from test_shared_libs import exports, is_rust_name

EXPECTED = "shared_libs: versions 1 2, counters 1 1, checked 42, caught plugin1: negative\n"
COMPILE = ("-c", "rust_v0.link_check=compile")
MODES = {"wrapper": ("-c", "rust_v0.link_check=wrapper"), "compile": COMPILE}
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
def test_each_library_exports_its_api_and_no_rust(buck2: Buck2, linker: str, mode: str, tmp_path: Path) -> None:
    """Exactly: what the same linker exports for a `.so` of the library's
    own object (Buck2 compiled it), plus the crates' `#[no_mangle]` names."""
    extra = (*MODES[mode], *_platform(linker))
    outs = buck2.outputs(*(f"{PKG}:{p}[shared]" for p in ("plugin1", "plugin2", "plugin1_any")), extra=extra)
    assert len(outs) == 3, outs
    for target, so in outs.items():
        so = _abs(buck2, so)
        plugin, user = ("plugin1", "use_old") if "plugin1" in target else ("plugin2", "use_new")
        obj = so.parent / "__objects__" / f"{plugin}.cpp.pic.o"
        base = tmp_path / f"base-{so.name}"
        fuse = "bfd" if linker == "default" else linker
        subprocess.run(["c++", f"-fuse-ld={fuse}", "-shared", str(obj), "-o", str(base)], check=True)
        got = set(exports(so))
        assert got == set(exports(base)) | {f"{user}_version", f"{user}_bump"}, sorted(got ^ (set(exports(base)) | {f"{user}_version", f"{user}_bump"}))
        assert {f"_ZN7{plugin}7versionEv", f"_ZTIN7{plugin}5ErrorE", f"_ZN7{plugin}7checkedIiEET_S1_"} <= got
        assert not [n for n in got if is_rust_name(n)]


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


def _bench():
    """bench/buck2_bench.py: how the stock project is set up."""
    import sys

    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import buck2_project as buck2_bench
    finally:
        sys.path.pop(0)
    return buck2_bench


@pytest.fixture(scope="module")
def stock(tmp_path_factory: pytest.TempPathFactory):
    """The same graph with the stock prelude's Rust rules (`rust_library`,
    `crate_root` given as it requires; the bundled prelude's system
    toolchains as bench/buck2_bench.py sets them up: gcc, ld.bfd)."""
    exe = require_buck2()
    buck2_bench = _bench()
    root = tmp_path_factory.mktemp("stock") / "repo"
    buck2_bench.new_project_root("stock", str(root))
    src = ROOT / "examples" / "shared_libs"
    pkg = root / "app"
    pkg.mkdir()
    for f in src.iterdir():
        if f.name != "BUCK.rlib-v0":
            (pkg / f.name).write_text(f.read_text())
    text = buck2_bench.replace_once((src / "BUCK.rlib-v0").read_text(), 'load("@prelude_ext//:defs.bzl", "rust_v0_library")\n', "")
    text = re.sub(r'rust_v0_library\(\n    name = "(\w+)",\n    srcs = \["(\w+\.rs)"\],', r'rust_library(\n    name = "\1",\n    srcs = ["\2"],\n    crate_root = "\2",\n    edition = "2021",', text)
    assert "rust_v0" not in text, text
    (pkg / "BUCK").write_text(text)
    with Buck2(exe, root) as b:
        yield b


def test_stock_prelude_on_the_same_graph(stock: Buck2) -> None:
    """What docs/shared-libraries.md records: each `rust_library` a shared
    library's link reaches directly becomes a shared library of its own
    (rustc-linked, its crates and std inside, its `#[no_mangle]` names
    exported), which the plugin needs at run time but no binary is given:
    ld.bfd refuses the binaries' links; with lld they link and fail to
    start; pointed at those libraries by hand, they run."""
    for target in ("//app:main", "//app:main_shared"):
        proc = stock.build(target, check=False)
        assert proc.returncode != 0, proc.stderr[-3000:]
        assert "libapp_use_old.so, needed by" in proc.stderr and "undefined reference to `use_old_version'" in proc.stderr, proc.stderr[-3000:]
    libs = {}
    for user in ("use_old", "use_new"):
        found = sorted((stock.repo / "buck-out").glob(f"**/__{user}__/CPPL/libapp_{user}.so"))
        assert found, user
        libs[user] = found[0]
        assert set(exports(found[0])) == {f"{user}_version", f"{user}_bump"}
    toolchains = stock.repo / "toolchains" / "BUCK"
    toolchains.write_text(_bench().replace_once(toolchains.read_text(), 'link_flags = ["-fuse-ld=bfd"]', 'link_flags = ["-fuse-ld=lld"]'))
    proc = stock.run("run", "--console=none", "//app:main", check=False)
    assert proc.returncode != 0 and "libapp_use_old.so: cannot open shared object file" in proc.stderr, proc.stderr[-3000:]
    (exe,) = stock.outputs("//app:main").values()
    env = {"LD_LIBRARY_PATH": f"{libs['use_old'].parent}:{libs['use_new'].parent}"}
    ran = subprocess.run([str(_abs(stock, exe))], capture_output=True, text=True, env=env, timeout=60)
    assert ran.stdout == EXPECTED, ran.stderr
