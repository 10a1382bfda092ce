"""The v0 content rules (rlib_v0.check) on archives real rustc writes.

The rules judge by symbols and producers, never by member names: rustc's
naming (`-C extra-filename`, `-C incremental`, codegen units) must not
change a verdict, and renaming members must not hide a foreign object.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from rlib_v0.formats import archive, elf
from rlib_v0.compile.check import check_members
from rlib_v0.rustc_symbols import is_allocator_symbol
from rlib_v0.formats.marker import KIND_RLIB, Identity, crate_id

if shutil.which("rustc") is None:
    pytest.skip("needs rustc: https://rustup.rs", allow_module_level=True)

SRC = "pub fn f(x: u32) -> u32 { x + 1 }\npub fn g<T: Clone>(t: &T) -> T { t.clone() }\npub fn h() -> String { g(&String::from(\"x\")) }\n"


def _ident(crate: str, allocator: bool = False) -> Identity:
    return Identity(KIND_RLIB, crate, "", crate_id(crate, "", "x86_64-unknown-linux-gnu"), "", "", "", "x86_64-unknown-linux-gnu", "unwind", defines_allocator=allocator)


def _members(path: Path):
    toc = archive.scan(str(path))
    with open(path, "rb") as f:
        members = [(m.name, toc.read(m, f)) for m in toc.members]
        index = {s.encode() for s, _ in toc.read_symbol_index(f)}
    return members, index


def _rustc(tmp: Path, *args: str) -> None:
    subprocess.run(["rustc", "--edition=2021", *args], cwd=tmp, check=True, capture_output=True)


@pytest.mark.parametrize(
    "flags",
    [
        [],
        ["-C", "extra-filename=-49b462d488e72123", "-C", "metadata=m"],
        ["-C", "incremental=incr", "-C", "extra-filename=-aa"],
        ["-C", "codegen-units=16", "-C", "opt-level=1"],
        ["-C", "symbol-mangling-version=v0"],
    ],
)
def test_rustc_naming_does_not_change_the_verdict(tmp_path, flags):
    (tmp_path / "own.rs").write_text(SRC)
    _rustc(tmp_path, "--crate-type=rlib", "own.rs", "--out-dir", ".", *flags)
    (rlib,) = tmp_path.glob("libown*.rlib")
    members, index = _members(rlib)
    found = check_members(members, index, _ident("own"), elf.MACHINES["x86_64"], "x86_64-unknown-linux-gnu")
    assert found.problems == [] and found.own_definitions > 0


def test_staticlib_is_refused_naming_std(tmp_path):
    (tmp_path / "own.rs").write_text(SRC)
    _rustc(tmp_path, "--crate-type=staticlib", "own.rs", "-o", "libown.a")
    members, index = _members(tmp_path / "libown.a")
    found = check_members(members, index, _ident("own"), None, None)
    text = "\n".join(found.problems)
    assert "std" in found.foreign_crates and "staticlib" in text
    assert "panic-runtime" in text or "allocator" in text


def test_renamed_members_do_not_hide_foreign_objects(tmp_path):
    """A staticlib's members renamed to look like the crate's own: still refused."""
    (tmp_path / "own.rs").write_text(SRC)
    _rustc(tmp_path, "--crate-type=staticlib", "own.rs", "-o", "libown.a")
    members, index = _members(tmp_path / "libown.a")
    disguised = [(f"own-0000.own.{i:04x}-cgu.0.rcgu.o", d) for i, (_, d) in enumerate(members)]
    found = check_members(disguised, index, _ident("own"), None, None)
    assert "std" in found.foreign_crates


def test_c_object_is_a_native_member(tmp_path):
    (tmp_path / "c.c").write_text("int from_c(int x) { return x * 3; }\n")
    subprocess.run(["cc", "-c", "c.c", "-o", "c.o"], cwd=tmp_path, check=True)
    (tmp_path / "own.rs").write_text(SRC)
    _rustc(tmp_path, "--crate-type=rlib", "own.rs", "-o", "libown.rlib")
    members, index = _members(tmp_path / "libown.rlib")
    # Named like one of rustc's own objects: the producer gives it away.
    members.append(("own.own.1234abcd-cgu.9.rcgu.o", (tmp_path / "c.o").read_bytes()))
    found = check_members(members, index | {b"from_c"}, _ident("own"), None, None)
    assert found.native_members == ["own.own.1234abcd-cgu.9.rcgu.o"]
    assert any("native objects" in p for p in found.problems)


def test_index_must_list_definitions(tmp_path):
    (tmp_path / "own.rs").write_text(SRC)
    _rustc(tmp_path, "--crate-type=rlib", "own.rs", "-o", "libown.rlib")
    members, _ = _members(tmp_path / "libown.rlib")
    found = check_members(members, set(), _ident("own"), None, None)
    assert any("symbol index lacks" in p for p in found.problems)


def test_allocator_symbol_names():
    # As rustc 1.95 mangles them (v0, pseudo-crate `__rustc`), and plain.
    assert is_allocator_symbol("_RNvCsfLfy6EI15iL_7___rustc12___rust_alloc")
    assert is_allocator_symbol("_RNvCsfLfy6EI15iL_7___rustc19___rust_alloc_zeroed")
    assert is_allocator_symbol("__rust_dealloc")
    assert not is_allocator_symbol("_RNvCsfLfy6EI15iL_7___rustc17rust_begin_unwind")
    assert not is_allocator_symbol("_ZN3own12__rust_alloc17h0123456789abcdefE")


def test_struct_reader_matches_pyelftools(tmp_path):
    """Our ELF readers (scan_object, symbols) see what pyelftools, an
    independent implementation, sees: every symbol, bind, definedness, section."""
    import io

    elffile = pytest.importorskip("elftools.elf.elffile", reason="pip install pyelftools (a test dependency)")
    (tmp_path / "own.rs").write_text(SRC)
    _rustc(tmp_path, "--crate-type=staticlib", "own.rs", "-o", "libown.a", "-C", "codegen-units=4")
    members, _ = _members(tmp_path / "libown.a")
    objs = [(n, d) for n, d in members if elf.is_elf(d)]
    assert len(objs) > 50  # std's objects, C objects of compiler_builtins, ours
    binds = {"STB_LOCAL": elf.STB_LOCAL, "STB_GLOBAL": elf.STB_GLOBAL, "STB_WEAK": elf.STB_WEAK, "STB_LOOS": elf.STB_GNU_UNIQUE, "STB_GNU_UNIQUE": elf.STB_GNU_UNIQUE}
    for name, data in objs:
        f = elffile.ELFFile(io.BytesIO(data))
        secnames = [s.name for s in f.iter_sections()]
        ref = []
        for sec in f.iter_sections():
            if sec["sh_type"] == "SHT_SYMTAB":
                for s in sec.iter_symbols():
                    shndx = s["st_shndx"]
                    ref.append((s.name, binds.get(s["st_info"]["bind"], -1), shndx != "SHN_UNDEF", secnames[shndx] if isinstance(shndx, int) and shndx < len(secnames) else ""))
        assert [(s.name, s.bind, s.defined, s.section) for s in elf.symbols(data, name)] == ref, name
        lean = sorted(s.decode() for s in elf.scan_object(data, name).definitions)
        assert lean == sorted(r[0] for r in ref if r[2] and r[0] and r[1] in (elf.STB_GLOBAL, elf.STB_GNU_UNIQUE)), name
        # A member mapped from its archive (`stamp.map_members`: a memoryview,
        # no `find`) reads the same as its bytes.
        mapped = elf.scan_object(memoryview(data), name)
        assert sorted(s.decode() for s in mapped.definitions) == lean and mapped.producer == elf.scan_object(data, name).producer, name
        assert type(mapped.producer) is bytes and all(type(s) is bytes for s in mapped.definitions)
        assert elf.global_symbol_rows(memoryview(data), name) == elf.global_symbol_rows(data, name), name


def test_legacy_fast_path_agrees_with_the_demangler(tmp_path):
    """check's shortcut for legacy names gives the demangler's path crate."""
    from rlib_v0.compile.check import _legacy_key, _segment_crate
    from rlib_v0.demangle import symbol_crates

    def _legacy_path_crate(raw: bytes) -> str | None:  # what check_members works out per name
        key = _legacy_key(raw)
        return None if key is None else _segment_crate(key)

    (tmp_path / "own.rs").write_text(SRC + "pub struct S;\nimpl Drop for S { fn drop(&mut self) {} }\nimpl std::fmt::Debug for S { fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result { f.write_str(\"S\") } }\n")
    _rustc(tmp_path, "--crate-type=rlib", "own.rs", "-o", "libown.rlib")
    members, index = _members(tmp_path / "libown.rlib")
    checked = 0
    for name in index:
        crate = _legacy_path_crate(name)
        if crate is not None:
            assert crate == symbol_crates(name.decode()).path_crate, name
            checked += 1
    assert checked >= 3
    assert _legacy_path_crate(b"_ZN3foo3barEv") is None  # C++, not Rust
    assert _legacy_path_crate(b"_RNvCs123_3own1f") is None


def test_llvm_promoted_inline_copies_are_the_crates_own(tmp_path):
    """At opt-level 3, an `#[inline]` item of core codegen'd in the crate can
    become a global `core::...::f.llvm.<hash>` (LLVM promotes local copies
    across codegen units): the crate's own copy, not a foreign definition."""
    from rlib_v0.compile.check import _classify, Findings

    f = Findings()
    _classify(f, "memchr", "_RNvNtNtNtCsgEmfK2I1SDS_4core9core_arch3x864avx220__mm256_movemask_epi8.llvm.7176139632538734508")
    assert not f.foreign_crates and f.problems == []
    _classify(f, "memchr", "_RNvNtNtNtCsgEmfK2I1SDS_4core9core_arch3x864avx220__mm256_movemask_epi8")
    assert f.foreign_crates == {"core"}


def _reference_findings(members, own):
    """What check_members counts, by the full demangler one name at a time
    (no fast path, no per-segment cache): the oracle of the fast paths."""
    from rlib_v0.compile.check import Findings, _classify

    f = Findings()
    for name, data in members:
        if elf.is_elf(data):
            obj = elf.scan_object(data, name)
            if obj.from_rustc:
                for raw in obj.definitions:
                    _classify(f, own, raw.decode())
    return f.own_definitions, f.shared_generics, f.foreign_crates, f.allocator, f.panic_handler


@pytest.mark.parametrize("mangling", ["legacy", "v0"])
def test_fast_paths_count_as_the_demangler_does(tmp_path, mangling):
    """The own-prefix test, `_legacy_key` and the per-segment cache of
    check_members give, on a real crate full of shared generics (dev
    builds share them: `Vec<T>`, `Option<T>`, `<&T as Debug>`...), the
    counts the demangler gives name by name."""
    src = SRC + "pub struct S(Vec<String>);\nimpl std::fmt::Debug for S { fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result { f.debug_list().entries(self.0.iter()).finish() } }\npub fn k(v: &[Option<&str>]) -> Vec<String> { v.iter().flatten().map(|s| s.to_string()).collect() }\n"
    (tmp_path / "own.rs").write_text(src)
    mangle = ["-C", "symbol-mangling-version=v0"] if mangling == "v0" else []  # legacy: stable rustc's default
    _rustc(tmp_path, "--crate-type=rlib", "own.rs", "-o", "libown.rlib", "-C", "codegen-units=4", *mangle)
    members, index = _members(tmp_path / "libown.rlib")
    found = check_members(members, index, _ident("own"), None, None)
    own, shared, foreign, allocator, handler = _reference_findings(members, "own")
    assert found.problems == []
    assert (found.own_definitions, found.shared_generics, found.foreign_crates, found.allocator, found.panic_handler) == (own, shared, foreign, allocator, handler)
    assert found.own_definitions > 0
    if mangling == "legacy":
        assert sum(shared.values()) > 3  # the cache had repeats to serve
