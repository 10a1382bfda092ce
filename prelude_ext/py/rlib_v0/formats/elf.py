"""ELF object helpers: symbol tables, the marker object, weakening definitions.

Everything is plain `struct` over the bytes (no third-party ELF library):
symbol tables, the marker object, weakening definitions.  It keeps the tool
on the Python standard library alone and is fast (see `scan_object`).
"""

from __future__ import annotations

import struct

from ..errors import UserError
from ..records import Record
# The marker object's reading (the link path's, without `struct`): here too.
from .marker_elf import ELF_MAGIC, MARKER_SECTION, MARKER_SUM_SECTION, SUM_DIGITS, is_elf, marker_checksum, marker_payload  # noqa: F401


STB_LOCAL, STB_GLOBAL, STB_WEAK, STB_GNU_UNIQUE = 0, 1, 2, 10
STT_NOTYPE, STT_TLS = 0, 6
STV_DEFAULT, STV_HIDDEN = 0, 2
SHN_UNDEF = 0
SHF_EXCLUDE = 0x80000000
SHF_ALLOC = 0x2
SHT_PROGBITS, SHT_SYMTAB, SHT_STRTAB, SHT_DYNSYM = 1, 2, 3, 11
ET_DYN = 3

# e_machine values of the targets rustc supports on ELF, keyed by the first
# component of the target triple.
MACHINES = {
    "x86_64": 62,
    "i386": 3,
    "i586": 3,
    "i686": 3,
    "aarch64": 183,
    "arm": 40,
    "armv7": 40,
    "thumbv7em": 40,
    "riscv64gc": 243,
    "riscv64": 243,
    "riscv32imac": 243,
    "powerpc64le": 21,
    "powerpc64": 21,
    "s390x": 22,
    "loongarch64": 258,
}


def machine_for_target(target: str) -> int | None:
    return MACHINES.get(target.split("-", 1)[0])


class Symbol(Record):
    __slots__ = ("name", "bind", "defined", "section")
    __hash__ = Record.hash_fields

    def __init__(self, name: str, bind: int, defined: bool, section: str) -> None:
        self.name = name  # symbol name as in the string table
        self.bind = bind  # STB_* value
        self.defined = defined  # st_shndx != SHN_UNDEF
        self.section = section  # name of the defining section, "" when undefined or special


class ElfHeader(Record):
    __slots__ = ("is64", "little", "machine", "osabi", "flags")
    __hash__ = Record.hash_fields

    def __init__(self, is64: bool, little: bool, machine: int, osabi: int, flags: int) -> None:
        self.is64 = is64  # ELFCLASS64
        self.little = little  # ELFDATA2LSB
        self.machine = machine  # e_machine
        self.osabi = osabi  # e_ident[EI_OSABI]
        self.flags = flags  # e_flags (ABI flags, e.g. float ABI on ARM)


def header(data: bytes) -> ElfHeader:
    if len(data) < 52 or not is_elf(data):
        raise ValueError("not an ELF object")
    is64 = data[4] == 2
    little = data[5] == 1
    e = "<" if little else ">"
    machine = struct.unpack_from(e + "H", data, 18)[0]
    flags = struct.unpack_from(e + "I", data, 48 if is64 else 36)[0]
    return ElfHeader(is64, little, machine, data[7], flags)


def symbols(data: bytes, where: str) -> list[Symbol]:
    """Every symbol of an ELF relocatable object (global, weak and local).

    The same plain `struct` walk as `scan_object` (no third-party ELF
    library: the tool runs on the Python standard library alone, which is
    what a Buck2 or remote executor has); tests cross-check it against
    pyelftools."""
    try:
        h, secs, symfmt = _section_table(data)
        if not secs:
            return []
        shnum = len(secs)
        names_off = secs[h.shstrndx][4]

        def sec_name(i: int) -> str:
            a = names_off + secs[i][0]
            return data[a : data.find(b"\0", a)].decode("latin-1")

        out: list[Symbol] = []
        for s in secs:
            if s[1] != SHT_SYMTAB:
                continue
            off, size, link, entsize = s[4], s[5], s[6], s[9]
            if entsize != symfmt.size or off + size > len(data) or link >= shnum:
                raise ValueError("bad symbol table")
            stroff, strend = secs[link][4], secs[link][4] + secs[link][5]
            for row in symfmt.iter_unpack(memoryview(data)[off : off + size - (size % entsize)]):
                st_name, info, shndx = (row[0], row[1], row[3]) if h.is64 else (row[0], row[3], row[5])
                a = stroff + st_name
                end = data.find(b"\0", a, strend)
                if end < 0:
                    raise ValueError("symbol name out of bounds")
                bind = info >> 4
                section = sec_name(shndx) if 0 < shndx < shnum else ""
                out.append(Symbol(data[a:end].decode("utf-8", "replace"), bind if bind in (STB_LOCAL, STB_GLOBAL, STB_WEAK, STB_GNU_UNIQUE) else -1, shndx != SHN_UNDEF, section))
        return out
    except (ValueError, struct.error, IndexError, OverflowError) as exc:
        raise UserError(f"{where}: malformed ELF object ({exc})") from None


def global_symbol_rows(data: bytes, where: str, table: int = SHT_SYMTAB) -> list[tuple[bytes, int, int, int]]:
    """(name, st_info, st_other, st_shndx) of the non-local symbols of the
    object's symbol tables of type `table` (SHT_SYMTAB, or SHT_DYNSYM for
    what a shared object exports and imports).  Locals come first in a
    symbol table and its sh_info counts them: they are skipped unread."""
    try:
        h, secs, symfmt = _section_table(data)
        out: list[tuple[bytes, int, int, int]] = []
        for s in secs:
            if s[1] != table:
                continue
            off, size, link, entsize = s[4], s[5], s[6], s[9]
            if entsize != symfmt.size or off + size > len(data) or link >= len(secs):
                raise ValueError("bad symbol table")
            names, base, end_names = _string_table(data, secs[link])
            first = min(max(s[7], 1), size // entsize)  # sh_info: one past the last local
            body = memoryview(data)[off + first * entsize : off + size - (size % entsize)]
            if h.is64:
                rows = ((n, i, o, x) for n, i, o, x, _v, _s in symfmt.iter_unpack(body))
            else:
                rows = ((n, i, o, x) for n, _v, _s, i, o, x in symfmt.iter_unpack(body))
            find = names.find
            for st_name, info, other, shndx in rows:
                a = base + st_name
                end = find(b"\0", a, end_names)
                if end < 0:
                    raise ValueError("symbol name out of bounds")
                out.append((names[a:end], info, other, shndx))
        return out
    except (ValueError, struct.error, IndexError, OverflowError) as exc:
        raise UserError(f"{where}: malformed ELF object ({exc})") from None


def is_shared_object(data: bytes) -> bool:
    """An ELF file of type ET_DYN (a shared library or a PIE executable)."""
    if len(data) < 18 or not is_elf(data):
        return False
    return struct.unpack_from("<H" if data[5] == 1 else ">H", data, 16)[0] == ET_DYN


def _sections(data: bytes) -> tuple[str, list[tuple[str, int, int, int, int]]]:
    """(endian, [(name, type, offset, size, sh_offset_of_entry)]) from section headers."""
    h = header(data)
    e = "<" if h.little else ">"
    if h.is64:
        shoff = struct.unpack_from(e + "Q", data, 40)[0]
        shentsize, shnum, shstrndx = struct.unpack_from(e + "HHH", data, 58)
        shfmt = e + "IIQQQQIIQQ"
    else:
        shoff = struct.unpack_from(e + "I", data, 32)[0]
        shentsize, shnum, shstrndx = struct.unpack_from(e + "HHH", data, 46)
        shfmt = e + "IIIIIIIIII"
    raw = []
    for i in range(shnum):
        ent = struct.unpack_from(shfmt, data, shoff + i * shentsize)
        raw.append((ent[0], ent[1], ent[4], ent[5], shoff + i * shentsize, ent[6], ent[9]))
    strtab_off, strtab_size = raw[shstrndx][2], raw[shstrndx][3]
    strtab = data[strtab_off : strtab_off + strtab_size]
    out = []
    for name_off, typ, off, size, ent_off, link, entsize in raw:
        end = strtab.find(b"\0", name_off)
        out.append((strtab[name_off:end].decode("latin-1"), typ, off, size, ent_off, link, entsize))
    return e, out


def section_data(data: bytes, name: str) -> bytes | None:
    """The bytes of section `name`, None if the object has none (or is not
    a well-formed ELF object)."""
    at = section_ranges(data, (name,))[0]
    return None if at is None else data[at[0] : at[0] + at[1]]


def section_ranges(data: bytes, names: tuple[str, ...]) -> list[tuple[int, int] | None]:
    """(file offset, size) of each section of `names`, None for one the
    object has not (or for all, if it is not well-formed ELF).  On the link
    path (once per input archive, for the marker): one walk of the section
    headers that compares names as bytes, decoding none."""
    out: list[tuple[int, int] | None] = [None] * len(names)
    try:
        h, secs, _ = _section_table(data)
    except (ValueError, struct.error, IndexError, OverflowError):
        return out
    if not secs:
        return out
    str_off, str_size = secs[h.shstrndx][4], secs[h.shstrndx][5]
    wants = [(i, n.encode() + b"\0") for i, n in enumerate(names)]
    starts = data.startswith
    for s in secs:
        if s[0] >= str_size:
            continue
        a = str_off + s[0]
        for i, want in wants:
            if starts(want, a):
                if s[4] + s[5] <= len(data):
                    out[i] = (s[4], s[5])
                break
    return out


DT_NEEDED, DT_RPATH, DT_RUNPATH = 1, 15, 29


def dynamic_needs(data: bytes) -> tuple[list[str], list[str]] | None:
    """(DT_NEEDED names, DT_RUNPATH and DT_RPATH entries) of an executable
    or shared object, from its `.dynamic` and `.dynstr` sections; None if it
    has none (static, stripped of section headers, not ELF)."""
    dyn, strs = section_data(data, ".dynamic"), section_data(data, ".dynstr")
    if dyn is None or strs is None:
        return None
    h = header(data)
    ent = struct.Struct(("<" if h.little else ">") + ("qQ" if h.is64 else "iI"))
    needed: list[str] = []
    paths: list[str] = []
    for at in range(0, len(dyn) - ent.size + 1, ent.size):
        tag, val = ent.unpack_from(dyn, at)
        if tag == 0:  # DT_NULL ends the table
            break
        if tag in (DT_NEEDED, DT_RPATH, DT_RUNPATH) and val < len(strs):
            text = strs[val : strs.find(b"\0", val)].decode("utf-8", "surrogateescape")
            (needed.append(text) if tag == DT_NEEDED else paths.extend(text.split(":")))
    return needed, paths


def weaken_definitions(data: bytes, where: str) -> tuple[bytes, list[str]]:
    """Turn every GLOBAL *defined* symbol into WEAK; undefined ones stay strong.

    Weakening undefined references too (what `objcopy --weaken` does) makes
    them resolve to 0 when nothing pulls their definition in, and the binary
    crashes; so only definitions change.
    """
    try:
        h = header(data)
        e, secs = _sections(data)
    except (ValueError, struct.error, IndexError, OverflowError):
        raise UserError(f"{where}: malformed ELF object") from None
    out = bytearray(data)
    changed: list[str] = []
    for _name, typ, off, size, _ent, link, entsize in secs:
        if typ != SHT_SYMTAB or entsize == 0:
            continue
        str_off = secs[link][2]
        for i in range(1, size // entsize):
            ent = off + i * entsize
            if h.is64:
                st_name, st_info, _other, st_shndx = struct.unpack_from(e + "IBBH", data, ent)
                info_at = ent + 4
            else:
                st_name = struct.unpack_from(e + "I", data, ent)[0]
                st_info, _other, st_shndx = struct.unpack_from(e + "BBH", data, ent + 12)
                info_at = ent + 12
            if st_info >> 4 == STB_GLOBAL and st_shndx != SHN_UNDEF:
                out[info_at] = (STB_WEAK << 4) | (st_info & 0xF)
                end = data.find(b"\0", str_off + st_name)
                changed.append(data[str_off + st_name : end].decode("utf-8", "replace"))
    return bytes(out), changed


def marker_object(template: ElfHeader, payload: bytes) -> bytes:
    """A minimal relocatable object whose `.rlib_v0` section holds `payload`
    and whose `.rlib_v0.sum` section its checksum (`marker_checksum`).

    The marker must be an object file of the target, not plain text: with
    `--whole-archive` ld.bfd rejects a non-object member ("not an object") and
    gold fails to claim it.  SHF_EXCLUDE keeps both out of linked images.
    """
    symsize = 24 if template.is64 else 16
    obj = _relocatable(template, [
        (MARKER_SECTION.encode(), SHT_PROGBITS, SHF_EXCLUDE, payload, 0, 0, 1, 0),
        (b".symtab", SHT_SYMTAB, 0, bytes(symsize), 3, 1, 8 if template.is64 else 4, symsize),  # the null symbol only
        (b".strtab", SHT_STRTAB, 0, b"\0", 0, 0, 1, 0),
        (MARKER_SUM_SECTION.encode(), SHT_PROGBITS, SHF_EXCLUDE, b"0" * SUM_DIGITS, 0, 0, 1, 0),
    ])
    at = section_ranges(obj, (MARKER_SUM_SECTION,))[0]
    assert at is not None and at[1] == SUM_DIGITS
    return obj[: at[0]] + marker_checksum(obj, at[0]) + obj[at[0] + SUM_DIGITS :]


def guard_object(template: ElfHeader, symbols: list[str]) -> bytes:
    """A relocatable object defining each of `symbols` as a strong global
    (one byte each in `.rodata.rlib_v0_guard`), with `.note.GNU-stack`.

    Named on a link line as an object (so always loaded), two such objects
    defining one name make every linker (ld.bfd, gold, lld, mold) fail with
    a multiple-definition error: how a link without the wrapper refuses two
    crates that both declare `#[global_allocator]` or `#[panic_handler]`."""
    e = "<" if template.little else ">"
    names = [s.encode() for s in symbols]
    strtab = b"\0" + b"".join(n + b"\0" for n in names)
    symsize = 24 if template.is64 else 16
    syms = bytearray(symsize)  # the null symbol
    str_off = 1
    for i, n in enumerate(names):
        info = (STB_GLOBAL << 4) | 1  # STT_OBJECT, one byte at offset i of section 1
        syms += struct.pack(e + "IBBHQQ", str_off, info, 0, 1, i, 1) if template.is64 else struct.pack(e + "IIIBBH", str_off, i, 1, info, 0, 1)
        str_off += len(n) + 1
    return _relocatable(template, [
        (b".rodata.rlib_v0_guard", SHT_PROGBITS, SHF_ALLOC, bytes(len(names)), 0, 0, 1, 0),
        (b".note.GNU-stack", SHT_PROGBITS, 0, b"", 0, 0, 1, 0),
        (b".symtab", SHT_SYMTAB, 0, bytes(syms), 4, 1, 8 if template.is64 else 4, symsize),
        (b".strtab", SHT_STRTAB, 0, strtab, 0, 0, 1, 0),
    ])


def hide_object(template: ElfHeader, symbols: list[tuple[bytes, bool]]) -> bytes:
    """A relocatable object with a weak, hidden, undefined reference to each
    (name, is_tls) of `symbols`, and `.note.GNU-stack`.

    The linker gives a symbol the most constraining visibility of all its
    references and its definition (ELF gABI), so on the same link line it
    makes the definition, wherever it comes from, hidden: local to the
    output, never exported, whatever a version script or dynamic list says.
    Weak, so it pulls no archive member in (nor fails when none defines
    the name); typed STT_TLS for a thread-local definition, since ld.bfd
    and gold refuse a non-TLS reference to one.  No relocations: it keeps
    nothing alive under --gc-sections."""
    e = "<" if template.little else ">"
    strtab = bytearray(b"\0")
    syms = bytearray(24 if template.is64 else 16)  # the null symbol
    for name, tls in symbols:
        info = (STB_WEAK << 4) | (STT_TLS if tls else STT_NOTYPE)
        syms += struct.pack(e + "IBBHQQ", len(strtab), info, STV_HIDDEN, SHN_UNDEF, 0, 0) if template.is64 else struct.pack(e + "IIIBBH", len(strtab), 0, 0, info, STV_HIDDEN, SHN_UNDEF)
        strtab += name + b"\0"
    return _relocatable(template, [
        (b".note.GNU-stack", SHT_PROGBITS, 0, b"", 0, 0, 1, 0),
        # sh_info: one past the last local symbol (only the null one).
        (b".symtab", SHT_SYMTAB, 0, bytes(syms), 3, 1, 8 if template.is64 else 4, 24 if template.is64 else 16),
        (b".strtab", SHT_STRTAB, 0, bytes(strtab), 0, 0, 1, 0),
    ])


def _relocatable(template: ElfHeader, sections: list[tuple[bytes, int, int, bytes, int, int, int, int]]) -> bytes:
    """An ET_REL object of the template's class, byte order and machine:
    each (name, type, flags, data, link, info, align, entsize) section in
    order (section 0 is the null section before them, `.shstrtab` is
    appended), data laid out after the ELF header, section headers last."""
    e = "<" if template.little else ">"
    ehsize, shentsize, word = (64, 64, 8) if template.is64 else (52, 40, 4)
    shstr = b"\0" + b"".join(s[0] + b"\0" for s in sections) + b".shstrtab\0"
    sections = sections + [(b".shstrtab", SHT_STRTAB, 0, shstr, 0, 0, 1, 0)]
    body = bytearray(ehsize)
    headers = [bytes(shentsize)]  # the null section
    name_off = 1
    sh = _SH64[e] if template.is64 else _SH32[e]
    for name, sh_type, flags, data, link, info, align, entsize in sections:
        body += bytes(-len(body) % align)
        headers.append(sh.pack(name_off, sh_type, flags, 0, len(body), len(data), link, info, align, entsize))
        body += data
        name_off += len(name) + 1
    body += bytes(-len(body) % word)
    off_sh = len(body)
    ident = ELF_MAGIC + bytes([2 if template.is64 else 1, 1 if template.little else 2, 1, template.osabi]) + bytes(8)
    fmt = "HHIQQQIHHHHHH" if template.is64 else "HHIIIIIHHHHHH"
    body[:ehsize] = ident + struct.pack(e + fmt, 1, template.machine, 1, 0, 0, off_sh, template.flags, ehsize, 0, 0, shentsize, len(headers), len(headers) - 1)
    return bytes(body) + b"".join(headers)


_SH64 = {e: struct.Struct(e + "IIQQQQIIQQ") for e in "<>"}
_SH32 = {e: struct.Struct(e + "IIIIIIIIII") for e in "<>"}
_SYM64 = {e: struct.Struct(e + "IBBHQQ") for e in "<>"}
_SYM32 = {e: struct.Struct(e + "IIIBBH") for e in "<>"}
# The same rows, as (st_name, st_info, st_shndx) only (`scan_object`).
_SYM_NAME_INFO_SHNDX = {_SYM64[e].format: struct.Struct(e + "IBxH16x") for e in "<>"} | {_SYM32[e].format: struct.Struct(e + "I8xBxH") for e in "<>"}


class _Table(Record):
    __slots__ = ("machine", "is64", "shstrndx")

    def __init__(self, machine: int, is64: bool, shstrndx: int) -> None:
        self.machine = machine  # e_machine
        self.is64 = is64  # ELFCLASS64
        self.shstrndx = shstrndx  # index of the section-name string table


def _section_table(data: bytes) -> tuple[_Table, list[tuple], struct.Struct]:
    """(header facts, every section header as a tuple, the symbol-entry format).

    Raises ValueError (or struct.error) on anything out of bounds."""
    h = header(data)
    e = "<" if h.little else ">"
    if h.is64:
        shoff = struct.unpack_from(e + "Q", data, 40)[0]
        shentsize, shnum, shstrndx = struct.unpack_from(e + "HHH", data, 58)
        shfmt, symfmt = _SH64[e], _SYM64[e]
    else:
        shoff = struct.unpack_from(e + "I", data, 32)[0]
        shentsize, shnum, shstrndx = struct.unpack_from(e + "HHH", data, 46)
        shfmt, symfmt = _SH32[e], _SYM32[e]
    if shnum == 0:
        return _Table(h.machine, h.is64, 0), [], symfmt
    if shentsize < shfmt.size or shoff + shnum * shentsize > len(data) or shstrndx >= shnum:
        raise ValueError("section headers out of bounds")
    if shentsize == shfmt.size:  # always, in practice: one C loop (rustc's dev objects have ~1,000 sections)
        return _Table(h.machine, h.is64, shstrndx), list(shfmt.iter_unpack(memoryview(data)[shoff : shoff + shnum * shentsize])), symfmt
    return _Table(h.machine, h.is64, shstrndx), [shfmt.unpack_from(data, shoff + i * shentsize) for i in range(shnum)], symfmt


def _string_table(data: bytes | memoryview, sec: tuple) -> tuple[bytes, int, int]:
    """(bytes to look names up in, the table's start there, its end there)
    of the string table whose section header is `sec`: `data` itself, or
    for a member mapped from its archive (a memoryview, `stamp.map_members`:
    no `find`) a copy of just that table."""
    start, end = sec[4], sec[4] + sec[5]
    if end > len(data):
        raise ValueError("string table out of bounds")
    if isinstance(data, memoryview):
        return data[start:end].tobytes(), 0, end - start
    return data, start, end


class ObjectScan(Record):
    """What the v0 rules need of one relocatable object, read in one pass."""

    __slots__ = ("machine", "producer", "definitions", "allocates")

    def __init__(self, machine: int, producer: bytes, definitions: list[bytes], allocates: bool) -> None:
        self.machine = machine  # e_machine
        self.producer = producer  # the `.comment` section (producer identification), b"" if none
        self.definitions = definitions  # names of GLOBAL / GNU_UNIQUE defined symbols
        self.allocates = allocates  # has a non-empty SHF_ALLOC section (contributes to an image)

    @property
    def from_rustc(self) -> bool:
        # rustc identifies itself in every object it generates ("rustc version
        # 1.95.0 (...)", the `llvm.ident` of its modules); C compilers write
        # their own name there, assemblers nothing.
        return b"rustc version " in self.producer


def scan_object(data: bytes, where: str) -> ObjectScan:
    """Read an ELF relocatable object's producer and global definitions.

    A plain `struct` walk of the section headers and symbol table: about 150
    times faster than pyelftools on rustc's objects (bench/run.py, "check"),
    and only global definitions are decoded."""
    try:
        h, secs, symfmt = _section_table(data)
        if not secs:
            return ObjectScan(h.machine, b"", [], False)
        shnum = len(secs)
        names_off = secs[h.shstrndx][4]
        producer = b""
        defs: list[bytes] = []
        allocates = False
        for s in secs:
            typ, flags, off, size = s[1], s[2], s[4], s[5]
            if flags & SHF_ALLOC and size:  # .bss (SHT_NOBITS) counts too
                allocates = True
            if typ == SHT_PROGBITS and data[names_off + s[0] : names_off + s[0] + 9] == b".comment\0":
                producer = bytes(data[off : off + size])
            elif typ == SHT_SYMTAB:
                link, entsize = s[6], s[9]
                if entsize != symfmt.size or off + size > len(data) or link >= shnum:
                    raise ValueError("bad symbol table")
                names, base, end_names = _string_table(data, secs[link])
                find = names.find
                # Locals come first and sh_info counts them (half of a dev
                # object's symbols): skipped unread, as linkers take every
                # symbol below sh_info as local whatever its binding.
                first = min(max(s[7], 1), size // entsize)
                body = memoryview(data)[off + first * entsize : off + size - (size % entsize)]
                # Only (st_name, st_info, st_shndx) of each symbol: the rest
                # is skipped by the format, not built into objects.
                for st_name, info, shndx in _SYM_NAME_INFO_SHNDX[symfmt.format].iter_unpack(body):
                    b = info >> 4
                    if (b == STB_GLOBAL or b == STB_GNU_UNIQUE) and shndx:
                        a = base + st_name
                        end = find(b"\0", a, end_names)
                        if end < 0:
                            raise ValueError("symbol name out of bounds")
                        defs.append(names[a:end])
        return ObjectScan(h.machine, producer, defs, allocates)
    except (ValueError, struct.error, IndexError, OverflowError) as exc:
        raise UserError(f"{where}: malformed ELF object ({exc})") from None
