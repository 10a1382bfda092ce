"""Shared objects export their C/C++ API, never the Rust inside them.

A link that exports symbols (`-shared`; an executable with `-rdynamic` /
`--export-dynamic`) would otherwise export every Rust symbol of its crates
and of std: two such `.so`s in one process then interpose each other's
Rust (rust-lang/rust#33221).  The rule, as rustc applies it to a `cdylib`:
- kept: everything of the objects and libraries the user gave (their
  default-visibility symbols: the C and C++ API), and the crates'
  `#[no_mangle]` / `#[export_name]` items (unmangled names);
- hidden: every Rust-mangled symbol of the crates (`_R...`, legacy
  `_ZN...17h<16 hex>E`) and rustc's internals (`__rust*`, the panic
  runtime's names); every symbol of the std bundle and of the native
  static libraries the crates' build scripts made (a crate's C code,
  which a `cdylib` hides too).

How, exactly and the same on ld.bfd, gold, lld and mold (docs/shared-libraries.md):
- the crates: a generated object with a weak hidden undefined reference to
  each such symbol (`elf.hide_object`): the linker merges visibility, so
  the definition becomes local whatever a user's version script says, and
  a weak reference pulls no archive member in;
- the bundle and the native libraries: `--exclude-libs` with their file
  names (nothing in them is the user's API).
Not a version script: ld.bfd refuses an anonymous one beside any other,
gold and lld resolve a name both scripts list each their own way.
"""

from __future__ import annotations

import os

from ..formats import archive, elf
from ..rustc_symbols import ALLOCATOR_NAMES, PANIC_RUNTIME_NAMES
from ..errors import UserError
from ..records import Record

_HEX = frozenset(b"0123456789abcdef")
# The first character of a v0 path (after `_R` and an optional version):
# crate root, inherent/trait impls, nested path, generic args, back-reference.
_V0_PATH_START = frozenset(b"CMXYNIB0123456789")
_RUSTC_NAMES = frozenset(n.encode() for n in ALLOCATOR_NAMES + PANIC_RUNTIME_NAMES)


def is_rust_internal(name: bytes) -> bool:
    """A name rustc made up (mangled or internal), as opposed to one a crate
    chose with `#[no_mangle]` / `#[export_name]`."""
    dot = name.find(b".llvm.")  # ThinLTO's suffix on promoted names
    if dot > 0:
        name = name[:dot]
    if name[:2] == b"_R":
        return len(name) > 2 and name[2] in _V0_PATH_START
    if name[:3] == b"_ZN":
        # Legacy: the last path segment is the hash, `17h` + 16 hex digits.
        return len(name) > 23 and name[-1:] == b"E" and name[-20:-17] == b"17h" and _HEX.issuperset(name[-17:-1])
    return name[:6] == b"__rust" or name in _RUSTC_NAMES


def exported_rust_definitions(data: bytes, where: str) -> dict[bytes, bool]:
    """Name -> is thread-local, for the Rust-internal symbols an object
    defines for others to see: global, weak or unique, with default or
    protected visibility (hidden ones are never exported, and mold 1.10
    fails to pull a member whose weak hidden definition a weak hidden
    reference names)."""
    out: dict[bytes, bool] = {}
    for name, info, other, shndx in elf.global_symbol_rows(data, where):
        bind = info >> 4
        if shndx and (bind == elf.STB_GLOBAL or bind == elf.STB_WEAK or bind == elf.STB_GNU_UNIQUE) and other & 3 in (elf.STV_DEFAULT, 3) and is_rust_internal(name):
            out[name] = info & 0xF == elf.STT_TLS
    return out


def members_to_hide(members: list[tuple[str, bytes]], where: str) -> dict[bytes, bool]:
    """`exported_rust_definitions` over an archive's ELF members."""
    out: dict[bytes, bool] = {}
    for name, data in members:
        if elf.is_elf(data):
            out.update(exported_rust_definitions(data, f"{where}({name})"))
    return out


def crate_symbols_to_hide(path: str) -> tuple[dict[bytes, bool], elf.ElfHeader | None]:
    """(symbols to hide, the ELF header of its objects) of a v0 rlib."""
    with archive.open_input(path) as f:
        toc = archive.scan(path, f)
        f.seek(0)
        whole = f.read()
    members = [(m.name, whole[m.data_offset : m.data_offset + m.size]) for m in toc.members]
    template = next((elf.header(d) for _, d in members if elf.is_elf(d)), None)
    return members_to_hide(members, path), template


def exclude_libs_name(path: str) -> str:
    """The name `--exclude-libs` knows an archive by: its file name (each
    linker compares the archive's base name)."""
    base = os.path.basename(path)
    if not base or "," in base or ":" in base:
        # The option's list separators: the name cannot be spelled.
        raise UserError(f"{path}: the archive's file name contains ',' or ':', which --exclude-libs cannot name; rename it so a shared object can hide its symbols")
    return base


class Hiding(Record):
    """What one exporting link hides, and how."""

    __slots__ = ("symbols", "template", "crates", "exclude")

    def __init__(self) -> None:
        self.symbols: dict[bytes, bool] = {}  # crates' symbols to hide -> is thread-local
        self.template: elf.ElfHeader | None = None  # the ELF class/machine of the hide object
        self.crates: list[tuple[str, dict[bytes, bool]]] = []  # (rlib, its symbols to hide), as read
        self.exclude: list[str] = []  # archive names for --exclude-libs: the bundle, crates' native libraries

    def describe(self) -> str:
        parts = [f"{len(self.symbols)} Rust symbols of {len(self.crates)} crates by a hidden-reference object"]
        if self.exclude:
            parts.append("every symbol of " + ", ".join(self.exclude) + " by --exclude-libs")
        return "hiding (the link exports symbols): " + "; ".join(parts)


def plan_hiding(crate_paths: list[str], archives: list[str]) -> Hiding:
    """`crate_paths`: the v0 rlibs; `archives`: the std bundle and the
    crates' native static libraries, hidden whole."""
    h = Hiding()
    for path in crate_paths:
        syms, template = crate_symbols_to_hide(path)
        h.symbols.update(syms)
        h.template = h.template or template
        h.crates.append((path, syms))
    for path in archives:
        name = exclude_libs_name(path)
        if name not in h.exclude:
            h.exclude.append(name)
    return h


def check_shared_libraries(h: Hiding, paths: list[str]) -> None:
    """Refuse a shared library on the line that exports Rust symbols the
    crates define: a second copy of a crate.  A hidden reference would then
    meet that library's definition, should it come first: gold and mold
    fail the link, lld 14 writes a `.so` whose calls jump to address 0."""
    if not h.symbols:
        return
    from stat import S_ISREG

    for path in paths:
        try:
            if not S_ISREG(os.stat(path).st_mode):
                continue  # never open a FIFO or device: the linker will say
            with open(path, "rb") as f:
                if not elf.is_shared_object(f.read(64)):
                    continue
                f.seek(0)
                data = f.read()
        except (OSError, ValueError):
            continue  # the linker will name it
        for name, info, other, shndx in elf.global_symbol_rows(data, path, elf.SHT_DYNSYM):
            if shndx and info >> 4 != elf.STB_LOCAL and name in h.symbols:
                from ..demangle import demangle

                rlib = next(p for p, syms in h.crates if name in syms)
                shown = demangle(name.decode("utf-8", "replace"))
                raise UserError(f"{path} exports Rust symbols of {rlib} (e.g. {shown}), a second copy of that crate: the linker may bind this shared object's references to it, so they cannot be hidden; relink {os.path.basename(path)} with `rlib-v0 link` (which hides them), or link this one with `rlib-v0 link --export-rust`")


def hide_object_bytes(h: Hiding) -> bytes | None:
    if not h.symbols or h.template is None:
        return None
    return elf.hide_object(h.template, sorted(h.symbols.items()))


def exported_rust_symbols(path: str) -> tuple[int, list[str]]:
    """(how many symbols the linked ELF file exports, the Rust-internal ones
    among them): defined, global or weak, default or protected visibility
    in `.dynsym` (gold also lists some local thread-locals there)."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise UserError(f"{path}: cannot read ({e.strerror})") from None
    if not elf.is_elf(data):
        raise UserError(f"{path}: not an ELF file")
    exported = 0
    rust: list[str] = []
    for name, info, other, shndx in elf.global_symbol_rows(data, path, elf.SHT_DYNSYM):
        bind = info >> 4
        if shndx and bind != elf.STB_LOCAL and other & 3 in (elf.STV_DEFAULT, 3):
            exported += 1
            if is_rust_internal(name):
                rust.append(name.decode("utf-8", "replace"))
    return exported, sorted(rust)
