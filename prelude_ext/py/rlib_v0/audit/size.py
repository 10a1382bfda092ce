"""`rlib-v0 size BINARY...`: what each crate costs in a linked binary.

Reads an executable or shared object with LIEF (a third-party ELF reader,
fast on 100 MB binaries; only this human verb imports it) and attributes
every sized symbol to an owner: a Rust crate (legacy and v0 names, through
our demangler; a generic instance goes to the crate that instantiated it
when the name says so), the standard library (the bundle's crates), a C++
namespace, or "C/C++". Bytes of a section that no symbol covers (alignment
padding, linker-made tables) are counted as "(no symbol)", so each
section's attributed bytes plus those equal the section's size.

Columns are section classes, by flags: text = executable; rodata = other
read-only allocated sections (.rodata, .eh_frame, ...); data = writable
allocated sections with contents (.data, .data.rel.ro, .got, .tdata, ...);
bss = allocated sections without contents (.bss, .tbss). Sections that are
not loaded (debug information, the symbol table) cost no memory and are
left out.

Limits, by construction: a name without mangling cannot be placed (C,
and Rust's `#[no_mangle]` items and compiler_builtins' intrinsics, count as
C/C++); a legacy name does not record which crate instantiated a generic.

It also finds duplicates (see `_duplicates`): a crate, or std, present more
than once in one binary, as two staticlibs built apart produce.
"""

from __future__ import annotations

import os
import re

from ..formats.archive import open_input
from ..demangle import demangle, symbol_crates
from ..errors import UserError
from ..records import Record

COLUMNS = ("text", "rodata", "data", "bss")
NO_SYMBOL = "(no symbol)"
BUNDLE = "std (bundle)"
C_OR_CXX = "C/C++"

# Crates only the standard library has: always the bundle's.
STD_ONLY = frozenset({
    "std", "core", "alloc", "__rustc", "compiler_builtins", "panic_unwind", "panic_abort", "unwind",
    "std_detect", "rustc_std_workspace_core", "rustc_std_workspace_alloc", "rustc_std_workspace_std",
    "proc_macro", "test", "profiler_builtins", "sysroot",
})
# std's private dependencies, which crates.io crates of the same name may
# also be: the bundle's when the name is v0 (std is v0-mangled; crates are
# legacy unless built with -C symbol-mangling-version=v0), unless the same
# name also comes with another disambiguator that std's own symbols do not
# name (then only the one std names is the bundle's).
STD_DEPS = frozenset({
    "addr2line", "adler", "adler2", "cfg_if", "getopts", "gimli", "hashbrown", "libc", "memchr",
    "miniz_oxide", "object", "rustc_demangle", "rustc_literal_escaper", "unicode_width",
})

_SHN_LORESERVE = 0xFF00
# LLVM's promotion suffix: one item under two names is still one item.
_LLVM_SUFFIX = re.compile(r"\.llvm\.[0-9A-Fa-f@]*$")
# A path start in demangled legacy text, to find the crates of generic arguments in order.
_PATH_START = re.compile(r"(?<![\w:])([A-Za-z_][A-Za-z0-9_]*)::")


class Owner(Record):
    __slots__ = ("name", "kind", "bytes", "symbols", "crates")

    def __init__(self, name: str, kind: str) -> None:
        self.name = name  # crate name, BUNDLE, "C++ ns::", C_OR_CXX or NO_SYMBOL
        self.kind = kind  # "crate", "bundle", "c++", "c", "none"
        self.bytes = dict.fromkeys(COLUMNS, 0)  # bytes per column
        self.symbols = 0  # definitions that were given bytes
        self.crates: dict[str, int] = {}  # bundle only: bytes per std crate (std, core, alloc, ...)

    @property
    def total(self) -> int:
        return sum(self.bytes.values())

    def to_dict(self) -> dict:
        d = {"name": self.name, "kind": self.kind, **self.bytes, "total": self.total, "symbols": self.symbols}
        if self.crates:
            d["crates"] = dict(sorted(self.crates.items(), key=lambda kv: -kv[1]))
        return d


class SectionSize(Record):
    __slots__ = ("name", "column", "size", "attributed")

    def __init__(self, name: str, column: str, size: int, attributed: int) -> None:
        self.name = name  # section name
        self.column = column  # one of COLUMNS
        self.size = size  # sh_size
        self.attributed = attributed  # bytes covered by symbols (the rest is NO_SYMBOL)


class Duplicate(Record):
    __slots__ = ("owner", "copies", "evidence", "repeated_bytes", "repeated_symbols")

    def __init__(self, owner: str, copies: int, evidence: str, repeated_bytes: int, repeated_symbols: int) -> None:
        self.owner = owner  # crate name or BUNDLE
        self.copies = copies  # how many times the crate is present (1: only repeated definitions)
        self.evidence = evidence  # why we say so, in a phrase
        self.repeated_bytes = repeated_bytes  # bytes of definitions beyond the first copy
        self.repeated_symbols = repeated_symbols  # how many such definitions


class SizeReport(Record):
    __slots__ = ("path", "file_size", "symbol_table", "owners", "sections", "duplicates", "notes")

    def __init__(self, path: str, file_size: int, symbol_table: str) -> None:
        self.path = path  # the binary as given
        self.file_size = file_size  # bytes on disk
        self.symbol_table = symbol_table  # ".symtab", or ".dynsym" for a stripped binary
        self.owners: list[Owner] = []  # largest first
        self.sections: list[SectionSize] = []  # loaded sections, in file order
        self.duplicates: list[Duplicate] = []  # largest first
        self.notes: list[str] = []  # caveats worth a line

    def column_totals(self) -> dict[str, int]:
        out = dict.fromkeys(COLUMNS, 0)
        for s in self.sections:
            out[s.column] += s.size
        return out

    def to_dict(self) -> dict:
        return {
            "binary": self.path,
            "file_size": self.file_size,
            "symbol_table": self.symbol_table,
            "columns": self.column_totals(),
            "sections": [s.as_dict() for s in self.sections],
            "owners": [o.to_dict() for o in self.owners],
            "duplicates": [d.as_dict() for d in self.duplicates],
            "notes": self.notes,
        }


def _lief():
    try:
        import lief
    except ImportError:
        raise UserError("`rlib-v0 size` needs LIEF: pip install lief (a dependency of the rlib-v0 package)") from None
    lief.logging.disable()  # its parse warnings would interleave with our report
    return lief


def _open_binary(path: str):  # noqa: ANN202 - a lief.ELF.Binary
    with open_input(path, "a linked binary") as f:
        head = f.read(20)
    if head.startswith(b"!<arch>\n"):
        raise UserError(f"{path}: an archive (rlib or static library), not a linked binary; `rlib-v0 size` reads executables and shared objects (for archives: `rlib-v0 verify`)")
    if head[:4] != b"\x7fELF":
        raise UserError(f"{path}: not an ELF file; `rlib-v0 size` reads ELF executables and shared objects")
    lief = _lief()
    binary = lief.ELF.parse(path)
    if binary is None:
        raise UserError(f"{path}: malformed ELF file (LIEF cannot parse it)")
    kind = binary.header.file_type
    if kind not in (lief.ELF.Header.FILE_TYPE.EXEC, lief.ELF.Header.FILE_TYPE.DYN):
        raise UserError(f"{path}: an ELF {str(kind).rsplit('.', 1)[-1]} file, not a linked executable or shared object")
    # LIEF reads what it can of a cut-off file: make sure it is whole.
    size = os.path.getsize(path)
    h = binary.header
    end = h.section_header_offset + h.numberof_sections * h.section_header_size
    if size < h.header_size or end > size or any(s.type != lief.ELF.Section.TYPE.NOBITS and s.offset + s.size > size for s in binary.sections):
        raise UserError(f"{path}: truncated ELF file (its header or sections reach past its {size} bytes)")
    if h.numberof_sections == 0:
        raise UserError(f"{path}: has no section headers; `rlib-v0 size` attributes sections to crates and needs them")
    return lief, binary


def _column(lief, sec) -> str | None:  # noqa: ANN001
    F = lief.ELF.Section.FLAGS
    if not sec.has(F.ALLOC) or sec.size == 0:
        return None
    if sec.has(F.EXECINSTR):
        return "text"
    if sec.type == lief.ELF.Section.TYPE.NOBITS:
        return "bss"
    return "data" if sec.has(F.WRITE) else "rodata"


def analyse(path: str) -> SizeReport:
    lief, binary = _open_binary(path)
    sections = list(binary.sections)
    columns = [_column(lief, s) for s in sections]
    tls_base = next((seg.virtual_address for seg in binary.segments if seg.type == lief.ELF.Segment.TYPE.TLS), 0)
    report = SizeReport(path, os.path.getsize(path), ".symtab")
    syms = list(binary.symtab_symbols)
    if not syms:
        syms = list(binary.dynamic_symbols)
        report.symbol_table = ".dynsym"
        report.notes.append("no .symtab (stripped binary): only the dynamic symbols are attributed; the rest counts as (no symbol)")
    T = lief.ELF.Symbol.TYPE
    skip_types = {T.SECTION, T.FILE}
    # Per section: (start offset, end offset, rank, name, type is data).
    per_section: dict[int, list[tuple[int, int, int, str, bool]]] = {}
    for s in syms:
        size, shndx = s.size, s.shndx
        if not size or not 0 < shndx < min(len(sections), _SHN_LORESERVE) or columns[shndx] is None or s.type in skip_types:
            continue
        sec = sections[shndx]
        addr = tls_base + s.value if s.type == T.TLS else s.value
        start = addr - sec.virtual_address
        # Globals before locals at one address: an alias's bytes go to the exported name.
        rank = 0 if s.binding != lief.ELF.Symbol.BINDING.LOCAL else 1
        per_section.setdefault(shndx, []).append((start, start + size, rank, s.name, s.type in (T.OBJECT, T.TLS)))
    attribution = _Attribution([e[3] for entries in per_section.values() for e in entries])
    owners: dict[str, Owner] = {}
    defs: list[tuple[str, str, int, bool]] = []  # (owner, name, bytes, is a static)
    for idx, sec in enumerate(sections):
        col = columns[idx]
        if col is None:
            continue
        covered_bytes = 0
        covered = 0
        for start, end, _, name, is_data in sorted(per_section.get(idx, ())):
            lo, hi = max(start, covered, 0), min(end, sec.size)
            if hi <= lo:
                continue  # an alias or a symbol inside another: its bytes are counted once
            covered = hi
            covered_bytes += hi - lo
            key, kind, std_crate = attribution.owner(name)
            o = owners.get(key) or owners.setdefault(key, Owner(key, kind))
            o.bytes[col] += hi - lo
            o.symbols += 1
            if std_crate:
                o.crates[std_crate] = o.crates.get(std_crate, 0) + hi - lo
            defs.append((key, name, hi - lo, is_data and col in ("data", "bss")))
        report.sections.append(SectionSize(sec.name, col, sec.size, covered_bytes))
        if sec.size > covered_bytes:
            o = owners.get(NO_SYMBOL) or owners.setdefault(NO_SYMBOL, Owner(NO_SYMBOL, "none"))
            o.bytes[col] += sec.size - covered_bytes
    report.owners = sorted(owners.values(), key=lambda o: (-o.total, o.name))
    report.duplicates = _duplicates(defs, attribution)
    if any(o.kind == "c" for o in report.owners):
        report.notes.append("unmangled names count as C/C++: that includes Rust's #[no_mangle] functions and compiler_builtins' intrinsics")
    return report


class _Attribution:
    """Owner of a symbol name, and the crate identities needed for that.

    The bundle's crates are known by name (STD_ONLY) and, for std's private
    dependencies (hashbrown, memchr, libc...) that share names with crates.io
    crates, by identity: a v0 name carries each crate's disambiguator, and
    every crate that std's own symbols name is std's."""

    def __init__(self, names: list[str]) -> None:
        self._cache: dict[str, tuple[str, str, str | None]] = {}
        self.bundle_ids: set[tuple[str, int]] = set()  # std's crates, named by std's own symbols
        v0_ids: dict[str, set[int]] = {}  # every v0 crate name -> its disambiguators
        for n in names:
            sc = symbol_crates(n)
            own = sc.instantiating_crate_id or sc.path_crate_id
            if own is not None and own[0] in STD_ONLY:
                self.bundle_ids |= sc.crate_ids
            for name, d in sc.crate_ids:
                v0_ids.setdefault(name, set()).add(d)
        # A std dependency's name with a single disambiguator is std's.
        self.bundle_ids |= {(name, next(iter(ds))) for name, ds in v0_ids.items() if name in STD_DEPS and len(ds) == 1}

    def owner(self, name: str) -> tuple[str, str, str | None]:
        """(owner key, kind, std crate for the bundle's bytes)."""
        hit = self._cache.get(name)
        if hit is None:
            hit = self._cache[name] = self._owner(name)
        return hit

    def rust_crate(self, name: str) -> tuple[str | None, tuple[str, int] | None]:
        """(crate that owns the symbol, its v0 identity if the name has one)."""
        sc = symbol_crates(name)
        if sc.path_crate is None:
            return None, None
        own_id = sc.instantiating_crate_id or sc.path_crate_id
        if own_id is not None:  # v0
            return own_id[0], own_id
        crate = sc.path_crate
        if crate in STD_ONLY and len(sc.crates) > 1:
            # Legacy names do not record the instantiating crate: a std
            # generic over a crate's type (`core::ptr::drop_in_place<a::T>`)
            # goes to the first other crate the name mentions.
            for m in _PATH_START.finditer(demangle(name)):
                if m.group(1) in sc.crates and m.group(1) not in STD_ONLY:
                    return m.group(1), None
        return crate, None

    def is_bundle(self, crate: str, ident: tuple[str, int] | None) -> bool:
        return crate in STD_ONLY or (ident is not None and ident in self.bundle_ids)

    def _owner(self, name: str) -> tuple[str, str, str | None]:
        crate, ident = self.rust_crate(name)
        if crate is not None:
            if self.is_bundle(crate, ident):
                return BUNDLE, "bundle", crate
            return crate, "crate", None
        ns = cxx_namespace(name)
        if ns:
            return f"C++ {ns}::", "c++", None
        return C_OR_CXX, "c", None


def cxx_namespace(name: str) -> str | None:
    """The outermost namespace (or class) of an Itanium-mangled C++ name,
    when the name has one: `_ZN3foo3barEv` -> "foo", `_ZNSt6vectorIiE...` ->
    "std"; None for plain C names and for functions of the global namespace."""
    if not name.startswith("_Z"):
        return None
    s = name[2:]
    if s[:2] in ("TV", "TI", "TS", "TT", "GV", "GR", "TH", "TW"):
        s = s[2:]  # vtable, typeinfo, guard variable... of the name that follows
    elif s[:2] == "Th":  # thunk: Th <offset> _ <name>
        s = s[s.find("_") + 1 :] if "_" in s else ""
    elif s[:2] == "Tv":  # virtual thunk: Tv <offset> _ <offset> _ <name>
        parts = s.split("_", 2)
        s = parts[2] if len(parts) == 3 else ""
    if s.startswith("L"):  # internal linkage
        s = s[1:]
    nested = s.startswith("N")
    if nested:
        s = s[1:].lstrip("rVKRO")
    if s.startswith(("St", "Sa", "Sb", "Ss", "Si", "So", "Sd")):
        return "std"
    if not nested:
        return None
    m = re.match(r"(\d+)", s)
    if not m:
        return None
    n = int(m.group(1))
    ident = s[m.end() : m.end() + n]
    if len(ident) != n or ident.startswith("_GLOBAL__N"):
        return None  # malformed, or the anonymous namespace
    return ident


def _duplicates(defs: list[tuple[str, str, int, bool]], attribution: _Attribution) -> list[Duplicate]:
    """A crate (or std) present more than once, and the bytes that costs.

    Evidence that a crate is there `copies` times:
    - v0 names carry the crate's disambiguator: two disambiguators for one
      crate name are two builds (or versions) of it;
    - a static is never generic and never copied by the compiler, so a
      static defined twice (under one name, or under two legacy hashes) is
      its crate linked twice (except statics in closures and const blocks,
      whose legacy names differ only by hash).
    Repeated bytes: definitions of one name beyond the first (identical
    local copies, e.g. the second copy of a crate linked with
    --allow-multiple-definition), and, for a crate present more than once,
    definitions with the same demangled text and size under another name
    (its other copy: a legacy hash or a v0 disambiguator apart)."""
    by_owner: dict[str, list[tuple[str, int, bool]]] = {}
    for owner, name, size, is_static in defs:
        by_owner.setdefault(owner, []).append((_LLVM_SUFFIX.sub("", name), size, is_static))
    out: list[Duplicate] = []
    for owner, items in by_owner.items():
        rust = owner == BUNDLE or not (owner.startswith("C++ ") or owner == C_OR_CXX)
        copies, evidence = 1, ""
        if rust:
            ids: dict[str, set[int]] = {}
            statics: dict[str, set[str]] = {}
            static_counts: dict[str, int] = {}
            for name, _, is_static in items:
                crate, ident = attribution.rust_crate(name)
                if ident is not None:
                    ids.setdefault(crate, set()).add(ident[1])
                if is_static:
                    text = demangle(name)
                    statics.setdefault(text, set()).add(name)
                    static_counts[name] = static_counts.get(name, 0) + 1
            for crate, ds in sorted(ids.items()):
                if len(ds) > copies:
                    copies, evidence = len(ds), f"crate {crate} under {len(ds)} different v0 disambiguators"
            for text, names in sorted(statics.items()):
                # Inside a closure or const block, a legacy name loses the
                # scope's index (`{{closure}}` for each): two statics, not two copies.
                n = max(len(names) if "{{" not in text else 1, *(static_counts[x] for x in names))
                if n > copies:
                    copies, evidence = n, f"static {text} defined {n} times"
        seen_names: dict[str, int] = {}
        seen_texts: set[tuple[str, int]] = set()
        rep_bytes = rep_syms = 0
        for name, size, _ in items:
            text_key = (demangle(name), size)
            if name in seen_names or (copies > 1 and text_key in seen_texts):
                rep_bytes += size
                rep_syms += 1
            seen_names[name] = 1
            seen_texts.add(text_key)
        if copies > 1 or rep_syms:
            if copies == 1:
                evidence = f"{rep_syms} definitions repeated under the same name"
            out.append(Duplicate(owner, copies, evidence, rep_bytes, rep_syms))
    out.sort(key=lambda d: (-(d.copies > 1), -d.repeated_bytes, d.owner))
    return out
