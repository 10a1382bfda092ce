"""Tests for rlib_v0.demangle.

The oracle is binutils' `c++filt -i` (libiberty's Rust demangler, with
`-i` selecting the same non-verbose style as rustc-demangle's `{:#}`: no
legacy hash, no crate disambiguators, no const type suffixes), run over
real symbols produced by the local rustc: two small crates built with both
manglings, plus the precompiled standard library (v0) via a staticlib.
"""

from __future__ import annotations

import importlib.util
import io
import random
import re
import shutil
import subprocess
import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pytest

if importlib.util.find_spec("rlib_v0") is None:  # checkout without an installed package
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "prelude_ext" / "py"))

from rlib_v0.demangle import SymbolCrates, _analyse, demangle, is_rust_symbol, path_crate, symbol_crates

RUSTC = shutil.which("rustc")
CXXFILT = shutil.which("c++filt")
needs_toolchain = pytest.mark.skipif(
    RUSTC is None or CXXFILT is None, reason="needs rustc and binutils c++filt"
)

# Brief examples (verified against rustc 1.95 output).
GIMLI_DROP = (
    "_RNvXs1_NtCslNYArtu3iFV_5alloc7raw_vecINtB5_6RawVechENtNtNtCsgEmfK2I1SDS_4core"
    "3ops4drop4Drop4dropCsduwmD7cSIQq_5gimli"
)
RUST_ALLOC = "_RNvCsfLfy6EI15iL_7___rustc12___rust_alloc"
LEGACY_VEC_DEBUG = (
    "_ZN65_$LT$alloc..vec..Vec$LT$T$C$A$GT$$u20$as$u20$core..fmt..Debug$GT$3fmt17h1071ee25ea7ea56dE"
)

CRATE_A = r"""
#![allow(dead_code)]
use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};

pub trait Shape { fn area(&self) -> f64; fn label(&self) -> String { String::from("shape") } }
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Circle { pub r: f64 }
impl Shape for Circle { fn area(&self) -> f64 { 3.0 * self.r * self.r } }
impl fmt::Display for Circle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { write!(f, "c{}", self.r) }
}
pub trait Tagged { fn tag(&self) -> u32; }
impl Tagged for String { fn tag(&self) -> u32 { self.len() as u32 } }
impl<T: fmt::Debug> Tagged for Vec<T> {
    fn tag(&self) -> u32 { format!("{:?}", self).len() as u32 }
}

pub struct Wrapper<T, const N: usize>(pub [T; N]);
impl<T: Copy + Default, const N: usize> Wrapper<T, N> { pub fn first(&self) -> T { self.0[0] } }

pub fn generic<T: fmt::Debug>(x: T) -> String { format!("{:?}", x) }
pub fn with_closure(v: &[u32]) -> u32 { v.iter().map(|x| x * 2).filter(|x| *x > 3).sum() }
pub fn call_dyn(f: &dyn Fn(u8) -> u8) -> u8 { f(1) }
pub fn apply<F: FnOnce(&str) -> usize>(f: F) -> usize { f("x") }
pub fn take_fn<F: Copy>(f: F) -> F { f }
pub fn const_bool<const B: bool>() -> bool { B }
pub fn const_char<const C: char>() -> char { C }
pub fn const_int<const I: i32>() -> i32 { I }
pub fn const_u64<const U: u64>() -> u64 { U }
pub static COUNTER: AtomicUsize = AtomicUsize::new(0);
pub static TABLE: [u8; 4] = [1, 2, 3, 4];
pub fn größe() -> u32 { COUNTER.fetch_add(1, Ordering::Relaxed) as u32 }
pub mod nested { pub mod deeper {
    pub fn wrap<T>(t: T) -> Option<T> { Some(t) }
    pub struct Über;
    impl Über { pub fn straße(&self) -> u8 { 1 } }
} }
fn id_ref<'a>(x: &'a u8) -> &'a u8 { x }
extern "C" fn c_callback(_p: *mut u8, _q: *const i16) {}
#[no_mangle]
pub extern "C" fn plain_c_entry() -> u32 { 7 }

pub fn user() -> usize {
    let mut n = 0;
    n += generic((1u8, 'c', "s")).len();
    n += generic([1u16; 3]).len();
    n += generic(&[1i128][..]).len();
    n += generic(Some(Box::new(3u64) as Box<dyn fmt::Debug + Send>)).len();
    n += generic(Circle { r: 1.0 }).len();
    n += generic(()).len() + generic((1u8,)).len();
    n += generic(&mut 5i8 as *mut i8).len();
    n += generic(std::collections::HashMap::<String, Vec<u32>>::new()).len();
    n += const_bool::<true>() as usize + const_bool::<false>() as usize;
    n += const_char::<'x'>() as usize + const_char::<'ä'>() as usize;
    n += const_int::<-5>() as usize + const_int::<42>() as usize;
    n += const_u64::<{ u64::MAX }>() as usize;
    n += Wrapper([1u8; 2]).first() as usize + Wrapper([1i64; 7]).first() as usize;
    n += nested::deeper::wrap(1.0f32).is_some() as usize;
    n += nested::deeper::Über.straße() as usize;
    n += apply(|s| s.len());
    n += call_dyn(&|x| x + 1) as usize;
    n += *take_fn(id_ref as for<'a> fn(&'a u8) -> &'a u8)(&3) as usize;
    let cb = take_fn(c_callback as extern "C" fn(*mut u8, *const i16));
    cb(std::ptr::null_mut(), std::ptr::null());
    let uf = take_fn(std::ptr::read::<u8> as unsafe fn(*const u8) -> u8);
    n += unsafe { uf(&1u8) } as usize;
    let _d = take_fn(&(|x: &u8| *x) as &(dyn Fn(&u8) -> u8 + Sync));
    n += with_closure(&[1, 2, 3]) as usize + größe() as usize;
    n += String::from("a").tag() as usize + vec![1u8].tag() as usize;
    n += Circle::default().label().len() + Circle { r: 2.0 }.area() as usize;
    n + TABLE[0] as usize
}
"""

CRATE_B = r"""
#[derive(Debug)]
pub struct Local(pub u32);
pub fn run() -> usize { a::generic(Local(3)).len() + a::generic(vec![Local(1)]).len() + a::user() }
"""


# --------------------------------------------------------------------------
# Building and reading real objects


@dataclass(frozen=True)
class Sym:
    name: str
    defined: bool
    local: bool


def ar_members(data: bytes) -> list[bytes]:
    """Bodies of the members of a System V / GNU `ar` archive."""
    assert data[:8] == b"!<arch>\n"
    members, pos = [], 8
    while pos + 60 <= len(data):
        header = data[pos : pos + 60]
        assert header[58:60] == b"`\n", "corrupt ar header"
        size = int(header[48:58].decode().strip())
        name = header[:16].decode().strip()
        body = data[pos + 60 : pos + 60 + size]
        if name.startswith("#1/"):  # BSD long name stored before the body
            body = body[int(name[3:]) :]
        members.append(body)
        pos += 60 + size + (size & 1)
    return members


def object_symbols(archive: Path) -> list[Sym]:
    from elftools.elf.elffile import ELFFile

    out = []
    for body in ar_members(archive.read_bytes()):
        if body[:4] != b"\x7fELF":
            continue
        symtab = ELFFile(io.BytesIO(body)).get_section_by_name(".symtab")
        if symtab is None:
            continue
        for s in symtab.iter_symbols():
            kind = s.entry.st_info.type
            if not s.name or kind not in ("STT_FUNC", "STT_OBJECT", "STT_NOTYPE", "STT_TLS"):
                continue
            if s.entry.st_shndx == "SHN_ABS":
                continue
            out.append(
                Sym(s.name, s.entry.st_shndx != "SHN_UNDEF", s.entry.st_info.bind == "STB_LOCAL")
            )
    return out


def rustc(*args: str, cwd: Path) -> None:
    proc = subprocess.run(
        [RUSTC, "--edition", "2021", *args], cwd=cwd, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr


@dataclass(frozen=True)
class Corpus:
    legacy_a: list[Sym]
    legacy_b: list[Sym]
    v0_a: list[Sym]
    v0_b: list[Sym]
    std: list[str]  # global names from the precompiled standard library

    def crate_names(self) -> list[str]:
        crates = (self.legacy_a, self.legacy_b, self.v0_a, self.v0_b)
        return sorted({s.name for syms in crates for s in syms})

    def all_names(self) -> list[str]:
        return sorted(set(self.crate_names()) | set(self.std))


@pytest.fixture(scope="session")
def corpus(tmp_path_factory) -> Corpus:
    if RUSTC is None or CXXFILT is None:
        pytest.skip("needs rustc and binutils c++filt")
    pytest.importorskip("elftools")
    work = tmp_path_factory.mktemp("demangle")
    (work / "a.rs").write_text(CRATE_A, encoding="utf-8")
    (work / "b.rs").write_text(CRATE_B, encoding="utf-8")
    (work / "empty.rs").write_text("", encoding="utf-8")
    built = {}
    for scheme, flags in (("legacy", []), ("v0", ["-C", "symbol-mangling-version=v0"])):
        out = work / scheme
        out.mkdir()
        rustc("--crate-type=rlib", *flags, "a.rs", "-o", str(out / "liba.rlib"), cwd=work)
        rustc(
            "--crate-type=rlib", *flags, "b.rs",
            "--extern", f"a={out / 'liba.rlib'}", "-o", str(out / "libb.rlib"), cwd=work,
        )
        built[scheme] = (object_symbols(out / "liba.rlib"), object_symbols(out / "libb.rlib"))
    rustc("--crate-type=staticlib", "empty.rs", "-o", str(work / "libempty.a"), cwd=work)
    std = sorted({s.name for s in object_symbols(work / "libempty.a") if not s.local})
    return Corpus(*built["legacy"], *built["v0"], std)


def cxxfilt(names: list[str], *flags: str) -> dict[str, str]:
    assert all("\n" not in n for n in names)
    proc = subprocess.run(
        [CXXFILT, *flags], input="".join(n + "\n" for n in names),
        capture_output=True, text=True, encoding="utf-8", check=True,
    )
    lines = proc.stdout.split("\n")[: len(names)]
    assert len(lines) == len(names)
    return dict(zip(names, lines))


def _kept_by_escape_debug(cp: int) -> bool:
    # Rust's char::escape_debug keeps printable chars that do not extend a
    # grapheme (approximated by the combining-mark categories).
    return chr(cp).isprintable() and unicodedata.category(chr(cp)) not in ("Mn", "Me")


def _is_control(cp: int) -> bool:
    return unicodedata.category(chr(cp)) == "Cc"


def normalise_oracle(sym: str, text: str) -> str:
    """Undo the two documented libiberty-vs-rustc-demangle differences.

    * v0 `char` constants: libiberty writes every non-ASCII char as
      `'\\u{e4}'`; rustc-demangle uses Rust's `char::escape_debug`, which
      keeps printable chars (`'ä'`).
    * legacy `$u<hex>$` escapes: libiberty only decodes ASCII code points and
      leaves e.g. `$uf6$` raw; rustc-demangle decodes any non-control char.
    """
    if sym.startswith("_R"):
        return re.sub(
            r"'\\u\{([0-9a-f]+)\}'",
            lambda m: f"'{chr(int(m[1], 16))}'" if _kept_by_escape_debug(int(m[1], 16)) else m[0],
            text,
        )
    return re.sub(
        r"\$u([0-9a-f]+)\$",
        lambda m: m[0] if _is_control(int(m[1], 16)) else chr(int(m[1], 16)),
        text,
    )


# --------------------------------------------------------------------------
# Oracle comparisons on real symbols


@needs_toolchain
def test_corpus_is_substantial(corpus: Corpus) -> None:
    names = corpus.all_names()
    v0 = [n for n in names if n.startswith("_R")]
    legacy = [n for n in names if n.startswith("_ZN")]
    assert len(corpus.std) > 1000 and len(v0) > 1000 and len(legacy) > 50
    # Every name in the mangled namespaces from rustc is recognised as Rust.
    assert [n for n in v0 + legacy if not is_rust_symbol(n)] == []


@needs_toolchain
def test_demangle_matches_cxxfilt(corpus: Corpus) -> None:
    names = corpus.all_names()
    oracle = cxxfilt(names, "-i")
    mismatches = []
    for name in names:
        ours = demangle(name)
        if is_rust_symbol(name):
            expected = normalise_oracle(name, oracle[name])
        else:
            expected = name  # C names, `_Unwind_*`, `rust_eh_personality`, ...
        if ours != expected:
            mismatches.append((name, ours, expected))
    assert mismatches == [], f"{len(mismatches)} mismatches, first: {mismatches[:5]}"


@needs_toolchain
def test_non_ascii_identifiers_follow_the_source(corpus: Corpus) -> None:
    # Independent of both demanglers' escaping rules: the Rust source says
    # what these identifiers are, in both mangling schemes.
    # Legacy paths name the inherent impl's type; v0 shows it as `<Type>`.
    for syms, method in (
        (corpus.legacy_a, "a::nested::deeper::Über::straße"),
        (corpus.v0_a, "<a::nested::deeper::Über>::straße"),
    ):
        texts = {demangle(s.name) for s in syms}
        assert {"a::größe", method} <= texts
    v0_texts = {demangle(s.name) for s in corpus.v0_a}
    assert "a::const_char::<'ä'>" in v0_texts


@needs_toolchain
def test_v0_instances_from_source(corpus: Corpus) -> None:
    texts = {demangle(s.name) for s in corpus.v0_a + corpus.v0_b}
    expected = {
        "a::const_bool::<true>",
        "a::const_int::<-5>",
        "a::const_u64::<18446744073709551615>",
        "<a::Wrapper<u8, 2>>::first",
        "a::generic::<(u8, char, &str)>",
        "a::generic::<(u8,)>",
        "a::generic::<[u16; 3]>",
        "a::generic::<*mut i8>",
        "a::generic::<b::Local>",
        "a::take_fn::<for<'a> fn(&'a u8) -> &'a u8>",
        'a::take_fn::<extern "C" fn(*mut u8, *const i16)>',
        "a::take_fn::<unsafe fn(*const u8) -> u8>",
        "a::take_fn::<&dyn for<'a> core::ops::function::Fn<(&'a u8,), Output = u8>"
        " + core::marker::Sync>",
        "a::apply::<a::user::{closure#0}>",
        "<alloc::string::String as a::Tagged>::tag",
        "a::TABLE",
        "a::COUNTER",
    }
    assert expected - texts == set()


@needs_toolchain
def test_llvm_suffix_and_prefix_variants(corpus: Corpus) -> None:
    rng = random.Random(1234)
    sample = rng.sample([n for n in corpus.all_names() if is_rust_symbol(n)], 200)
    suffixed = [n + ".llvm.12345678901234567" for n in sample]
    oracle = cxxfilt(suffixed, "-i")  # libiberty drops the suffix too
    for plain, name in zip(sample, suffixed):
        assert demangle(name) == normalise_oracle(plain, oracle[name]) == demangle(plain)
        assert symbol_crates(name) == symbol_crates(plain)
        # Other dot-suffixes (e.g. from LLVM function splitting) are kept.
        assert demangle(plain + ".cold") == demangle(plain) + ".cold"
        # Mach-O / Windows spellings of the same prefix.
        if plain.startswith("_R"):
            variants = ["__R" + plain[2:], "R" + plain[2:]]
        else:
            variants = ["__ZN" + plain[3:], "ZN" + plain[3:]]
        for variant in variants:
            assert demangle(variant) == demangle(plain)


# --------------------------------------------------------------------------
# Crate attribution


CRATE_IN_VERBOSE = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\[([0-9a-f]+)\]")


@needs_toolchain
def test_v0_crates_match_verbose_cxxfilt(corpus: Corpus) -> None:
    # Plain `c++filt` prints every crate root it shows as `name[hash]`;
    # roots without disambiguator (`f128[0]`) are rustc's float pseudo-paths.
    names = [n for n in corpus.all_names() if n.startswith("_R")]
    verbose = cxxfilt(names)
    shown_anywhere: set[str] = set()
    problems = []
    for name in names:
        c = symbol_crates(name)
        shown = [m[1] for m in CRATE_IN_VERBOSE.finditer(verbose[name]) if m[2] != "0"]
        shown_anywhere.update(shown)
        expected = set(shown) | ({c.instantiating_crate} if c.instantiating_crate else set())
        # Impl paths (`M`/`X`) are not printed, so ours may only add to them.
        if not expected <= c.crates or c.path_crate not in c.crates:
            problems.append((name, verbose[name], c))
        # Outside impls the item path is printed first.
        if not verbose[name].startswith("<") and shown and c.path_crate != shown[0]:
            problems.append((name, verbose[name], c))
    assert problems == [], problems[:5]
    unknown = {n for name in names for n in symbol_crates(name).crates} - shown_anywhere
    assert unknown == set()


GENERIC_LOCAL = "a::generic::<b::Local>"


@needs_toolchain
def test_instantiating_crate_is_the_defining_object(corpus: Corpus) -> None:
    # A generic instance defined (exported) in crate X's object was
    # instantiated by X: its v0 suffix must name X.
    checked = 0
    for crate, syms in (("a", corpus.v0_a), ("b", corpus.v0_b)):
        for s in syms:
            if not s.defined or s.local or not s.name.startswith("_R"):
                continue
            c = symbol_crates(s.name)
            assert c.instantiating_crate in (None, crate), (s.name, c)
            if c.path_crate != crate:
                assert c.instantiating_crate == crate, (s.name, c)
                checked += 1
    assert checked > 20
    local = [s.name for s in corpus.v0_b if s.defined and demangle(s.name) == GENERIC_LOCAL]
    assert local and symbol_crates(local[0]) == SymbolCrates("a", "b", frozenset({"a", "b"}))


@needs_toolchain
def test_legacy_crates(corpus: Corpus) -> None:
    v0 = [name for name in corpus.all_names() if name.startswith("_R")]
    known = {"a", "b"}.union(*(symbol_crates(name).crates for name in v0))
    legacy = [s.name for s in corpus.legacy_a + corpus.legacy_b if s.name.startswith("_ZN")]
    for name in legacy:
        c = symbol_crates(name)
        assert c.instantiating_crate is None
        assert c.path_crate in c.crates and c.crates <= known, (name, demangle(name), c)
    by_text = {demangle(n): symbol_crates(n) for n in legacy}
    assert by_text["a::größe"] == SymbolCrates("a", None, frozenset({"a"}))
    assert by_text["b::run"].path_crate == "b"
    # Legacy `<X as Y>::m` has no impl path: attribute to X's crate.
    assert by_text["<alloc::string::String as a::Tagged>::tag"] == SymbolCrates(
        "alloc", None, frozenset({"alloc", "a"})
    )
    assert by_text["<a::Circle as core::fmt::Display>::fmt"].path_crate == "a"


def test_brief_examples() -> None:
    c = symbol_crates(GIMLI_DROP)
    assert c.path_crate == "alloc"
    assert c.instantiating_crate == "gimli"
    assert c.crates == {"alloc", "core", "gimli"}
    assert demangle(GIMLI_DROP) == "<alloc::raw_vec::RawVec<u8> as core::ops::drop::Drop>::drop"
    assert demangle(RUST_ALLOC) == "__rustc::__rust_alloc"
    assert symbol_crates(RUST_ALLOC) == SymbolCrates("__rustc", None, frozenset({"__rustc"}))
    assert demangle(LEGACY_VEC_DEBUG) == "<alloc::vec::Vec<T,A> as core::fmt::Debug>::fmt"
    assert symbol_crates(LEGACY_VEC_DEBUG).path_crate == "alloc"
    assert demangle("_ZN1a7generic17hdd756b8431a6c59eE") == "a::generic"
    assert demangle("_RNvNtCsgEmfK2I1SDS_4core9panicking9panic_fmt") == "core::panicking::panic_fmt"
    for plain in ("memcpy", "rust_eh_personality", "_ZN3foo3barEv", "_ZN3foo3barE", ""):
        assert demangle(plain) == plain
        assert not is_rust_symbol(plain)
        assert symbol_crates(plain) == SymbolCrates(None, None, frozenset())


# --------------------------------------------------------------------------
# Robustness


def _base62(value: int) -> str:
    """RFC 2603 base-62 number: `_` for 0, else digits of value-1 then `_`."""
    if value == 0:
        return "_"
    value -= 1
    digits = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    out = ""
    while True:
        out = digits[value % 62] + out
        value //= 62
        if not value:
            return out + "_"


def _check_total(sym: str) -> None:
    text = demangle(sym)
    crates = symbol_crates(sym)
    assert isinstance(text, str) and isinstance(crates, SymbolCrates)
    if not is_rust_symbol(sym):
        assert text == sym and crates.path_crate is None


@needs_toolchain
def test_truncated_and_mutated_real_symbols_never_raise(corpus: Corpus) -> None:
    rng = random.Random(20240601)
    names = rng.sample([n for n in corpus.all_names() if is_rust_symbol(n)], 150)
    alphabet = "_0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ$."
    for name in names:
        for cut in range(len(name)):
            _check_total(name[:cut])
        for _ in range(40):
            i = rng.randrange(len(name))
            _check_total(name[:i] + rng.choice(alphabet) + name[i + 1 :])
            _check_total(name[:i] + name[i + 1 :])


@needs_toolchain
def test_path_crate_is_symbol_crates_path_crate(corpus: Corpus) -> None:
    """`path_crate` (the v0 check's shortcut: a legacy name's first segment
    only) answers what `symbol_crates` answers, on every real name, their
    `.llvm.` and prefix variants, and truncated and mutated ones; asked
    both before and after the full parse is cached."""
    rng = random.Random(20261205)
    names = corpus.all_names()
    variants = [v for n in names for v in (n, n + ".llvm.1234", "_" + n, n[:-3], n.replace("17h", "16h"))]
    for name in rng.sample(names, min(200, len(names))):
        for _ in range(10):
            i = rng.randrange(len(name))
            variants.append(name[:i] + rng.choice("_0123456789$.ELTGa") + name[i + 1 :])
    assert sum(n.startswith("_ZN") and "$LT$" in n for n in variants) > 20  # the `<X as Y>` names it is for
    for name in variants:
        _analyse.cache_clear()
        fresh = path_crate(name)
        assert fresh == symbol_crates(name).path_crate == path_crate(name), name


def test_hostile_inputs_are_bounded() -> None:
    # Deep nesting must not hit Python's recursion limit.
    for sym in ("_R" + "N" * 50_000, "_RC1a" + "I" * 50_000, "_RNvC1a1f" + "RA" * 30_000,
                "_ZN" + "1a" * 50_000 + "17h0123456789abcdefE"):
        _check_total(sym)
    # Backrefs that double the output at each level: exponential blow-up
    # must be cut off (both in printed and in hidden impl-path position).
    for head, tail in (("INvC1a1f", "E"), ("NvMINvC1a1f", "Eh1g")):
        inner = head
        prev = len(inner)
        inner += "ThhE"
        for _ in range(60):
            cur = len(inner)
            inner += "TB" + _base62(prev) + "B" + _base62(prev) + "E"
            prev = cur
        _check_total("_R" + inner + tail)
    # A few doublings stay within bounds and still demangle.
    small = "INvC1a1f" + "ThhE" + "TB" + _base62(8) + "B" + _base62(8) + "E" + "E"
    assert demangle("_R" + small) == "a::f::<(u8, u8), ((u8, u8), (u8, u8))>"


try:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st
except ImportError:  # pragma: no cover - exercised only without hypothesis
    st = None


if st is not None:
    _PREFIXES = st.sampled_from(["_R", "__R", "R", "_ZN", "ZN", "__ZN", "_RNv", "_RINv", "_ZN1a"])
    _GRAMMAR = st.text(
        alphabet="_0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ$.", max_size=60
    )

    @settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.one_of(st.text(max_size=80), st.builds(lambda p, t: p + t, _PREFIXES, _GRAMMAR)))
    def test_random_input_never_raises(sym: str) -> None:
        _check_total(sym)

    # Non-ASCII identifier characters (letters) plus ASCII ones; Python's
    # own Punycode encoder is the oracle for our decoder.
    _IDENT = st.text(
        alphabet=st.one_of(
            st.sampled_from("abcxyz_019"),
            st.characters(min_codepoint=0xA0, max_codepoint=0x2FFFF, categories=["Lu", "Ll", "Lo"]),
        ),
        min_size=1, max_size=20,
    ).filter(lambda s: not s.isascii())

    @settings(max_examples=300, deadline=None)
    @given(_IDENT)
    def test_punycode_identifiers_roundtrip(ident: str) -> None:
        encoded = ident.encode("punycode").decode("ascii")
        basic, sep, rest = encoded.rpartition("-")
        raw = f"{basic}_{rest}" if sep else encoded  # Rust spells the delimiter `_`
        sym = f"_RNvCs1_1au{len(raw)}_{raw}"
        assert demangle(sym) == "a::" + ident
else:  # pragma: no cover

    def test_random_input_never_raises() -> None:
        rng = random.Random(7)
        alphabet = "_0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ$.ä"
        for _ in range(5000):
            prefix = rng.choice(["_R", "__R", "R", "_ZN", "ZN", "__ZN", "_RNv", "_RINv", ""])
            _check_total(prefix + "".join(rng.choice(alphabet) for _ in range(rng.randrange(60))))


def test_module_is_stdlib_only(tmp_path: Path) -> None:
    # Load the file directly so the probe does not depend on what the
    # package's __init__ imports.
    module = Path(__file__).resolve().parents[1] / "prelude_ext" / "py" / "rlib_v0" / "demangle.py"
    probe = (
        "import importlib.util, sys\n"
        "before = set(sys.modules)\n"
        f"spec = importlib.util.spec_from_file_location('probe_demangle', {str(module)!r})\n"
        "mod = importlib.util.module_from_spec(spec)\n"
        "sys.modules['probe_demangle'] = mod\n"
        "spec.loader.exec_module(mod)\n"
        "new = {m.split('.')[0] for m in set(sys.modules) - before} - {'probe_demangle'}\n"
        "print(sorted(new - set(sys.stdlib_module_names)))\n"
        "print(mod.demangle('_ZN1a7generic17hdd756b8431a6c59eE'))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.split("\n")[:2] == ["[]", "a::generic"]
