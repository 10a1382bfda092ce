"""Reading and writing `ar` archives (GNU/System V variant, as rlibs use).

We write archives ourselves instead of calling `ar`: GNU ar with the LLVM bfd
plugin installed silently drops most symbol-index entries for rustc objects,
and the index is what a one-pass linker looks at.  Output is deterministic:
zero dates/uids/gids and a fixed mode, so the same members give the same bytes.

The reader is lazy: `scan` reads only the 60-byte member headers plus the
long-name table, so the link planner can find a marker member without reading
object files.
"""

from __future__ import annotations

import os
from stat import S_ISDIR, S_ISREG

from ..errors import UserError
from ..records import Record

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations only: importing typing costs the link path ~2 ms
    from typing import BinaryIO, Iterable

MAGIC = b"!<arch>\n"
THIN_MAGIC = b"!<thin>\n"
_FMAG = b"`\n"


class Member(Record):
    """One regular member of an archive (not the symbol index or name table)."""

    __slots__ = ("name", "header_offset", "data_offset", "size")
    __hash__ = Record.hash_fields

    def __init__(self, name: str, header_offset: int, data_offset: int, size: int) -> None:
        self.name = name  # member file name, long names resolved
        self.header_offset = header_offset  # offset of the 60-byte header; the symbol index points here
        self.data_offset = data_offset  # offset of the member's data
        self.size = size  # size of the data in bytes


class Archive(Record):
    """The table of contents of an archive file."""

    __slots__ = ("path", "members", "has_symbol_index", "symbol_index_offset", "symbol_index_size", "symbol_index_64", "long_names", "complete")

    def __init__(self, path: str, members: list[Member], has_symbol_index: bool, symbol_index_offset: int, symbol_index_size: int, symbol_index_64: bool, long_names: bytes = b"", complete: bool = True) -> None:
        self.path = path  # the file it was read from
        self.members = members  # regular members, in file order
        self.has_symbol_index = has_symbol_index  # a `/` or `/SYM64/` member is present
        self.symbol_index_offset = symbol_index_offset  # data offset of that member (-1 if none)
        self.symbol_index_size = symbol_index_size  # its size in bytes
        self.symbol_index_64 = symbol_index_64  # `/SYM64/` (64-bit offsets) rather than `/`
        self.long_names = long_names  # the `//` table: every member name over 15 bytes
        self.complete = complete  # False when `scan` stopped early (`limit`)

    def member(self, name: str) -> Member | None:
        for m in self.members:
            if m.name == name:
                return m
        return None

    def read(self, member: Member, f: BinaryIO | None = None) -> bytes:
        if f is None:
            with open(self.path, "rb") as fh:
                return self.read(member, fh)
        f.seek(member.data_offset)
        data = f.read(member.size)
        if len(data) != member.size:
            raise UserError(f"{self.path}: member {member.name} is truncated")
        return data

    def read_symbol_index(self, f: BinaryIO | None = None) -> list[tuple[str, int]]:
        """Pairs (symbol, header offset of the member that defines it)."""
        if not self.has_symbol_index:
            return []
        if f is None:
            with open(self.path, "rb") as fh:
                return self.read_symbol_index(fh)
        f.seek(self.symbol_index_offset)
        return parse_symbol_index(f.read(self.symbol_index_size), self.symbol_index_64, self.path)

    def symbols_by_member(self, f: BinaryIO | None = None) -> dict[str, list[str]]:
        """Member name -> the symbols the index says it defines."""
        by_offset = {m.header_offset: m.name for m in self.members}
        out: dict[str, list[str]] = {}
        for sym, off in self.read_symbol_index(f):
            name = by_offset.get(off)
            if name is not None:
                out.setdefault(name, []).append(sym)
        return out


def parse_symbol_index(data: bytes, is64: bool, path: str) -> list[tuple[str, int]]:
    import struct  # not at the top: the link path reads archives without it

    width = 8 if is64 else 4
    fmt = ">Q" if is64 else ">I"
    if len(data) < width:
        raise UserError(f"{path}: symbol index is truncated")
    (count,) = struct.unpack_from(fmt, data, 0)
    names_start = width + count * width
    if names_start > len(data):
        raise UserError(f"{path}: symbol index is truncated")
    offsets = struct.unpack_from(f">{count}{'Q' if is64 else 'I'}", data, width)
    # Decoded at once, then split (a NUL is never inside a UTF-8 sequence,
    # so each name decodes as it would alone): a third of a name-by-name
    # decode for syn's 4,000 names.
    names = data[names_start:].decode("utf-8", "replace").split("\0")
    # Each name ends with a NUL; the piece after the last NUL is not a name.
    if len(names) - 1 < count:
        raise UserError(f"{path}: symbol index names are truncated")
    return list(zip(names[:count], offsets))


def check_complete(toc: Archive, f: BinaryIO) -> None:
    """Cheap check that an archive read with `scan(..., limit=...)` is whole.

    The member the symbol index points at last must lie entirely inside the
    file, so an archive cut short fails here with one line naming it rather
    than in the middle of the link.  Costs one read of the index, not a walk
    of every header.
    """
    import struct  # not at the top: the link path reads archives without it

    if not toc.has_symbol_index:
        return
    path = toc.path
    width = 8 if toc.symbol_index_64 else 4
    f.seek(toc.symbol_index_offset)
    head = f.read(width)
    count = int.from_bytes(head, "big") if len(head) == width else -1
    if count < 0 or width + count * width > toc.symbol_index_size:
        raise UserError(f"{path}: symbol index is truncated")
    if count == 0:
        return
    raw = f.read(count * width)
    last = max(struct.unpack(f">{count}{'Q' if width == 8 else 'I'}", raw))
    f.seek(last)
    hdr = f.read(60)
    if len(hdr) < 60 or hdr[58:] != _FMAG:
        raise UserError(f"{path}: archive is truncated or corrupt (its symbol index points at offset {last}, where no member header is)")
    size = _field_int(hdr[48:58], path, "size")
    if last + 60 + size > os.fstat(f.fileno()).st_size:
        raise UserError(f"{path}: archive is truncated (member at offset {last} ends past the end of the file)")


def _field_int(raw: bytes, path: str, what: str) -> int:
    text = raw.strip()
    if not text:
        return 0
    # ASCII digits only: int() would accept "-60" (a negative size sends the
    # header walk backwards, forever) and "1_0".
    if not text.isdigit():
        raise UserError(f"{path}: not a valid ar archive (bad {what} field)")
    return int(text, 10)


class HeadFile:
    """An open file read through one large first read.

    The link planner reads a few headers and the marker near the start of
    every archive: served from `head` (one `pread` of the file's start),
    they cost no system call each; reads past it go to the file."""

    __slots__ = ("fd", "head", "pos", "size")

    def __init__(self, fd: int, head: bytes, size: int) -> None:
        self.fd = fd  # the open file (not owned: the caller closes it)
        self.head = head  # the file's first bytes
        self.pos = 0  # where the next read starts
        self.size = size  # the file's size (the caller's `stat`: `scan` needs no `fstat`)

    def seek(self, pos: int) -> None:
        self.pos = pos

    def read(self, n: int) -> bytes:
        p = self.pos
        data = self.head[p : p + n] if p + n <= len(self.head) else os.pread(self.fd, n, p)
        self.pos = p + len(data)
        return data

    def fileno(self) -> int:
        return self.fd


def open_input(path: str, what: str = "an archive") -> BinaryIO:
    """`open(path, "rb")`, with the usual failures as one-line user errors.

    Opened non-blocking, then checked: a FIFO given as an archive would
    otherwise block the reader forever, waiting for a writer."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        try:
            mode = os.fstat(fd).st_mode
            if not S_ISREG(mode):
                raise UserError(f"{path}: {'is a directory' if S_ISDIR(mode) else 'not a regular file'}, not {what}")
            os.set_blocking(fd, True)
        except BaseException:
            os.close(fd)
            raise
        return os.fdopen(fd, "rb")
    except IsADirectoryError:
        raise UserError(f"{path}: is a directory, not {what}") from None
    except FileNotFoundError:
        raise UserError(f"{path}: no such file") from None
    except PermissionError:
        raise UserError(f"{path}: cannot read (permission denied)") from None
    except OSError as e:
        raise UserError(f"{path}: cannot read ({e.strerror})") from None


def scan(path: str, f: BinaryIO | None = None, limit: int | None = None) -> Archive:
    """Read the table of contents of `path` (headers only).

    With `limit`, stop after that many regular members: the marker is first,
    so the link planner reads three headers per archive, not all of them.
    """
    if f is None:
        with open_input(path) as fh:
            return scan(path, fh, limit)
    magic = f.read(8)
    if magic == THIN_MAGIC:
        raise UserError(f"{path}: thin archives are not supported; build a regular archive")
    if magic != MAGIC:
        raise UserError(f"{path}: not an ar archive (bad magic)")
    file_size = f.size if type(f) is HeadFile else os.fstat(f.fileno()).st_size
    members: list[Member] = []
    long_names = b""
    sym_off, sym_size, sym64, has_sym = -1, 0, False, False
    pos = 8
    complete = True
    while pos < file_size:
        if limit is not None and len(members) >= limit:
            complete = False
            break
        f.seek(pos)
        raw = f.read(60)
        if len(raw) == 0:
            break
        if len(raw) < 60:
            if raw.strip(b"\n") == b"":
                break
            raise UserError(f"{path}: truncated archive member header at offset {pos}")
        # name[16] mtime[12] uid[6] gid[6] mode[8] size[10] fmag[2]
        name_raw, size_raw, fmag = raw[:16], raw[48:58], raw[58:]
        if fmag != _FMAG:
            raise UserError(f"{path}: corrupt archive member header at offset {pos}")
        size = _field_int(size_raw, path, "size")
        data_off = pos + 60
        if data_off + size > file_size:
            raise UserError(f"{path}: archive member at offset {pos} is truncated")
        name = name_raw.rstrip(b" ")
        if name in (b"/", b"/SYM64/", b"__.SYMDEF", b"__.SYMDEF SORTED"):
            if name == b"/" or name == b"/SYM64/":
                has_sym, sym_off, sym_size, sym64 = True, data_off, size, name == b"/SYM64/"
            else:
                raise UserError(f"{path}: BSD-format archives are not supported on ELF targets")
        elif name == b"//":
            long_names = f.read(size)
        else:
            members.append(Member(_member_name(name, long_names, f, data_off, path), pos, data_off, size))
            if name.startswith(b"#1/"):
                # BSD long name: the name is stored at the start of the data.
                n = _field_int(name[3:], path, "name length")
                if n > size:
                    raise UserError(f"{path}: corrupt archive member header at offset {pos} (name longer than member)")
                m = members[-1]
                members[-1] = Member(m.name, pos, data_off + n, size - n)
        pos = data_off + size + (size & 1)
    return Archive(path, members, has_sym, sym_off, sym_size, sym64, long_names, complete)


def _member_name(name: bytes, long_names: bytes, f: BinaryIO, data_off: int, path: str) -> str:
    if name.startswith(b"/") and name[1:].isdigit():
        off = int(name[1:])
        end = long_names.find(b"/\n", off)
        if off >= len(long_names) or end < 0:
            raise UserError(f"{path}: corrupt long member name table")
        return long_names[off:end].decode("utf-8", "replace")
    if name.startswith(b"#1/"):
        n = _field_int(name[3:], path, "name length")
        f.seek(data_off)
        return f.read(n).rstrip(b"\0").decode("utf-8", "replace")
    return name.rstrip(b"/").decode("utf-8", "replace")


def stored_size(size: int) -> int:
    """Bytes a member of `size` bytes takes in an archive: its header, its
    data, and the newline that pads odd sizes."""
    return 60 + size + (size & 1)


def _header(name: bytes, size: int) -> bytes:
    # Deterministic: mtime 0, uid/gid 0, mode 644, as `ar D` would write.
    return b"%-16s%-12s%-6s%-6s%-8s%-10s`\n" % (name, b"0", b"0", b"0", b"644", str(size).encode())


def build(members: Iterable[tuple[str, bytes]], symbols: Iterable[tuple[str, int]], always_index: bool = False) -> bytes:
    """The bytes of a GNU archive.

    `symbols` pairs a symbol name with the index (in `members`) of the member
    that defines it; the index is written in that order.  With `always_index`
    an empty index is written too: a crate whose code was all inlined away
    (opt-level 3) defines nothing, and is still a well-formed v0 rlib.
    """
    return b"".join(pieces(members, symbols, always_index))


def pieces(members: Iterable[tuple[str, bytes]], symbols: Iterable[tuple[str, int]], always_index: bool = False) -> list[bytes]:
    """`build`'s output as a list of byte strings, members' data not copied:
    `f.writelines(pieces(...))` writes a 14 MB rlib without building it in memory."""
    import struct  # not at the top: the link path reads archives without it

    members = list(members)
    symbols = list(symbols)
    long_table = bytearray()
    encoded_names: list[bytes] = []
    for name, _ in members:
        raw = name.encode()
        if len(raw) <= 15 and b"/" not in raw:
            encoded_names.append(raw + b"/")
        else:
            encoded_names.append(b"/%d" % len(long_table))
            long_table += raw + b"/\n"
    if len(long_table) & 1:
        long_table += b"\n"

    sym_names = ("\0".join(s for s, _ in symbols) + "\0").encode() if symbols else b""  # each name NUL-ended
    # Pick 32- or 64-bit offsets by the archive size, as GNU ar does.
    def index_size(width: int) -> int:
        n = width + width * len(symbols) + len(sym_names)
        return n + (n & 1)

    body_size = sum(stored_size(len(d)) for _, d in members)
    names_size = (60 + len(long_table)) if long_table else 0
    use64 = 8 + 60 + index_size(4) + names_size + body_size >= 2**32
    width = 8 if use64 else 4
    with_index = bool(symbols) or always_index
    sym_size = index_size(width) if with_index else 0
    first = 8 + (60 + sym_size if with_index else 0) + names_size

    offsets: list[int] = []
    pos = first
    for _, data in members:
        offsets.append(pos)
        pos += stored_size(len(data))

    out: list[bytes] = [MAGIC]
    if with_index:
        fmt = ">Q" if use64 else ">I"
        index = bytearray(struct.pack(fmt, len(symbols)))
        index += struct.pack(f">{len(symbols)}{'Q' if use64 else 'I'}", *(offsets[idx] for _, idx in symbols))
        index += sym_names
        if len(index) & 1:
            index += b"\0"
        out += [_header(b"/SYM64/" if use64 else b"/", len(index)), bytes(index)]
    if long_table:
        out += [_header(b"//", len(long_table)), bytes(long_table)]
    for enc, (_, data) in zip(encoded_names, members):
        out += [_header(enc, len(data)), data]
        if len(data) & 1:
            out.append(b"\n")
    return out
