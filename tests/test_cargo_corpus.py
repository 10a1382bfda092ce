"""Real crates.io crates, compiled by cargo's own rustc invocations through
`rlib-v0 rustc-wrapper` (cargo's RUSTC_WRAPPER), then linked into C and C++
programs by `rlib-v0 link` with the system linkers.

The corpus (tests/cargo_corpus: Cargo.toml + pinned Cargo.lock) holds
serde with its derive macro (a proc-macro chain: syn, quote, proc-macro2),
serde_json, anyhow, regex (heavy generics), smallvec and once_cell
(no_std-capable), ring (its build script compiles C and assembly that rustc
would bundle), libc, and a crate whose build script asks for a system
library and sets a cfg and an env variable.  cargo fetches the crates at
test time; nothing is vendored.  cargo's defaults stay on: pipelining
(`--extern` to `.rmeta`), incremental for the workspace crates in dev,
`-C extra-filename`, JSON diagnostics, its jobserver.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from cargo_util import CORPUS, EXPECTED
from conftest import LINKERS

if shutil.which("cargo") is None:
    pytest.skip("needs cargo: install Rust with rustup (https://rustup.rs)", allow_module_level=True)


@pytest.fixture(scope="session")
def corpus(cargo_corpus):
    """corpus(profile) -> CorpusBuild: the corpus built by cargo with the
    rustc on PATH, for the host (conftest's `cargo_corpus`, shared with the
    other cargo tests)."""
    return cargo_corpus


def _program(compile_c, cxx: bool) -> Path:
    src = (CORPUS / ("main.cpp" if cxx else "main.c")).read_text()
    return compile_c(src, name="corpus_main", cxx=cxx, flags=["-O1"] + (["-std=c++17"] if cxx else []))


@pytest.mark.parametrize("profile", ["dev", "release"])
def test_every_rlib_verifies(corpus, profile, rlib_v0):
    b = corpus(profile)
    rlibs = b.rlibs
    # serde, serde_json, regex, ring, libc, ... and the four workspace crates.
    names = {os.path.basename(p).split("-")[0][3:] for p in rlibs}
    assert {"serde", "serde_core", "serde_json", "regex", "regex_syntax", "ring", "libc", "smallvec", "once_cell", "capi_json", "capi_sys"} <= names
    proc = rlib_v0("verify", *rlibs)
    assert proc.returncode == 0, proc.stdout[-4000:]
    assert proc.stdout.count(": ok (rlib ") == len(rlibs)


def test_cargo_saw_no_jobserver_trouble(corpus):
    b = corpus("dev")
    assert "jobserver" not in b.proc.stderr, b.proc.stderr[-3000:]


@pytest.mark.parametrize("ld", LINKERS)
def test_c_program_links_and_runs_dev(ld, corpus, compile_c, std_bundle, fuse_ld, link, run_exe, tmp_path):
    b = corpus("dev")
    exe = tmp_path / "app"
    proc = link(["cc", *fuse_ld(ld), _program(compile_c, False), *b.rlibs, std_bundle(), "-o", exe], debug=True)
    assert proc.returncode == 0, proc.stderr[-4000:]
    # ring's C/assembly archive, unbundled, comes right after ring.
    assert "native static library" in proc.stderr and "after crate ring" in proc.stderr
    assert run_exe(exe).stdout == EXPECTED


def test_cxx_program_links_and_runs_release(corpus, compile_c, std_bundle, link, run_exe, tmp_path, require_cxx):
    b = corpus("release")
    exe = tmp_path / "app"
    proc = link(["c++", _program(compile_c, True), *b.rlibs, std_bundle(), "-o", exe])
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert run_exe(exe).stdout == EXPECTED


def test_each_crate_once_on_the_link_line(corpus, compile_c, std_bundle, link, tmp_path):
    """Every rlib given twice (two globs, as build systems do): each crate is linked once."""
    b = corpus("dev")
    exe = tmp_path / "app"
    proc = link(["cc", _program(compile_c, False), *b.rlibs, *b.rlibs, std_bundle(), "-o", exe], debug=True)
    assert proc.returncode == 0, proc.stderr[-4000:]
    line = next(ln for ln in proc.stderr.splitlines() if "linker command:" in ln)
    for p in b.rlibs:
        assert line.split().count(p) == 1, p


def test_pipelined_identities_match_the_rlibs(corpus):
    """Dependents were compiled against `.rmeta` files; the identity each
    recorded of a dependency is the dependency's own (from its rlib marker)."""
    from rlib_v0.formats.marker import read_marker

    b = corpus("dev")
    by_id = {}
    for p in b.rlibs:
        ident, _ = read_marker(p)
        by_id[ident.crate_id] = ident.crate
        assert os.path.isfile(p[: -len(".rlib")] + ".v0-identity.json")
    ident, _ = read_marker(b.rlib("capi_json"))
    assert sorted(d.crate for d in ident.deps) == ["anyhow", "serde", "serde_json"]
    for p in b.rlibs:
        ident, _ = read_marker(p)
        for d in ident.deps:
            assert by_id.get(d.crate_id) == d.crate, (p, d)


def test_build_script_outputs_reach_the_marker(corpus):
    from rlib_v0.formats.marker import read_marker

    b = corpus("dev")
    ring, _ = read_marker(b.rlib("ring"))
    assert [lib.name for lib in ring.static_libs] == ["ring_core_0_17_14_", "ring_core_0_17_14__test"]
    assert all(lib.path and os.path.isfile(lib.path) for lib in ring.static_libs)
    sys_, _ = read_marker(b.rlib("capi_sys"))
    assert "-lm" in sys_.native_libs and sys_.static_libs == []


def test_incremental_rebuild_relinks(corpus, compile_c, std_bundle, link, run_exe, tmp_path):
    """cargo's incremental dev build of a changed workspace crate, through the wrapper."""
    b = corpus("dev")
    lib = b.project / "capi_sys" / "src" / "lib.rs"
    original = lib.read_text()
    try:
        lib.write_text(original.replace("unsafe { cbrt(x) }", "unsafe { cbrt(x) + 1.0 }"))
        proc = b.cargo()
        assert proc.returncode == 0, proc.stderr[-4000:]
        assert (b.deps.parent / "incremental").is_dir()
        exe = tmp_path / "app"
        proc = link(["cc", _program(compile_c, False), *b.rlibs, std_bundle(), "-o", exe])
        assert proc.returncode == 0, proc.stderr[-4000:]
        assert "cbrt(27): 4.0" in run_exe(exe).stdout
    finally:
        lib.write_text(original)
        proc = b.cargo()
        assert proc.returncode == 0, proc.stderr[-4000:]


def test_link_line_as_make_writes_it(corpus, compile_c, std_bundle, link, run_exe, tmp_path):
    """The pre-RFC's workflow: rlibs installed as `libNAME.a`, the bundle as
    `libstdrust.a`, all given as `-L lib -lNAME`."""
    b = corpus("dev")
    libdir = tmp_path / "lib"
    libdir.mkdir()
    flags = []
    for p in b.rlibs:
        name = os.path.basename(p)[3:].rsplit(".", 1)[0].replace("-", "_")
        shutil.copy(p, libdir / f"lib{name}.a")
        flags.append(f"-l{name}")
    shutil.copy(std_bundle(), libdir / "libstdrust.a")
    exe = tmp_path / "app"
    proc = link(["cc", _program(compile_c, False), f"-L{libdir}", *flags, "-lstdrust", "-o", exe], debug=True)
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert f"-lstdrust -> {libdir}/libstdrust.a (std bundle" in proc.stderr
    assert run_exe(exe).stdout == EXPECTED


def test_lief_agrees_with_our_elf_reader(corpus, std_bundle):
    """Every symbol of every object in the corpus rlibs and the std bundle,
    as our struct reader (elf.symbols) sees it and as LIEF, the reader of
    `rlib-v0 size`, sees it: name, binding, defined, section."""
    lief = pytest.importorskip("lief", reason="pip install lief (a runtime dependency of rlib-v0, for `size`)")
    from rlib_v0.formats import archive, elf

    lief.logging.disable()
    binding = {lief.ELF.Symbol.BINDING.LOCAL: elf.STB_LOCAL, lief.ELF.Symbol.BINDING.GLOBAL: elf.STB_GLOBAL, lief.ELF.Symbol.BINDING.WEAK: elf.STB_WEAK, lief.ELF.Symbol.BINDING.GNU_UNIQUE: elf.STB_GNU_UNIQUE}
    checked = 0
    for path in corpus("dev").rlibs + [str(std_bundle())]:
        with open(path, "rb") as f:
            toc = archive.scan(path, f)
            for m in toc.members:
                data = toc.read(m, f)
                if not elf.is_elf(data):
                    continue
                where = f"{path}({m.name})"
                ours = [(s.name, s.bind, s.defined, s.section) for s in elf.symbols(data, where)]
                obj = lief.ELF.parse(list(data))
                assert obj is not None, where
                secs = [s.name for s in obj.sections]
                theirs = [(s.name, binding.get(s.binding, -1), s.shndx != 0, secs[s.shndx] if 0 < s.shndx < len(secs) else "") for s in obj.symtab_symbols]
                assert ours == theirs, where
                checked += len(ours)
    assert checked > 100_000
