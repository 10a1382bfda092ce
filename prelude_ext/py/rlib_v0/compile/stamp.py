"""Turn the archive rustc wrote into a v0 archive: marker first, fresh index.

rustc already writes a complete symbol index; we keep its entries (remapped to
the new member offsets) rather than re-deriving them from every object, which
is both exact and fast for the 300-member standard library.
"""

from __future__ import annotations

import os
import sys

from ..formats import archive, content, elf
from ..errors import UserError
from ..formats.marker import MARKER_MEMBER, MARKER_PREFIX, Identity


def load_members(path: str) -> tuple[list[tuple[str, bytes]], list[tuple[str, int]]]:
    """(members, symbol index as (symbol, member position)) of an archive."""
    with archive.open_input(path) as f:
        toc = archive.scan(path, f)
        # One `pread` per member, straight into its bytes: reading the whole
        # file and slicing it copied every byte twice (regex-syntax's 14 MB
        # rlib: 12.6 ms against 1.9).
        fd = f.fileno()
        members = [(m.name, _pread(fd, m.size, m.data_offset, path)) for m in toc.members]
        raw = _pread(fd, toc.symbol_index_size, toc.symbol_index_offset, path) if toc.has_symbol_index else b""
    return members, _index_entries(toc, raw, path)


def _index_entries(toc: archive.Archive, raw: bytes, path: str) -> list[tuple[str, int]]:
    """The symbol index `raw` (read from `toc`'s archive) as (symbol, member position)."""
    if not toc.has_symbol_index:
        return []
    pos_by_offset = {m.header_offset: i for i, m in enumerate(toc.members)}
    return [(s, pos_by_offset[off]) for s, off in archive.parse_symbol_index(raw, toc.symbol_index_64, path) if off in pos_by_offset]


def _pread(fd: int, size: int, at: int, path: str) -> bytes:
    data = os.pread(fd, size, at)
    while len(data) < size:  # a regular file reads short only at its end
        more = os.pread(fd, size - len(data), at + len(data))
        if not more:
            raise UserError(f"{path}: cut short while reading (a member runs past the end of the file)")
        data += more
    return data


def map_members(path: str) -> tuple[list[tuple[str, memoryview]], list[tuple[str, int]]]:
    """`load_members`, each member's bytes a read-only view of the file
    mapped into memory rather than a copy: what `rlib-v0 rustc` stamps
    rustc's archive from.  A copy goes to fresh pages, which this machine
    faults in at ~3 us each (syn's 6 MB rlib: 11-17 ms to read in a new
    process, 0.7 ms to map with MAP_POPULATE, which takes rustc's pages
    from the page cache as they are).  The file must not change while the
    views are used: the stamped archive is written to another file."""
    import mmap

    with archive.open_input(path) as f:
        toc = archive.scan(path, f)
        size = os.fstat(f.fileno()).st_size
        if size == 0:
            raise UserError(f"{path}: empty file, not an archive")
        try:
            view = memoryview(mmap.mmap(f.fileno(), size, flags=mmap.MAP_PRIVATE | getattr(mmap, "MAP_POPULATE", 0), prot=mmap.PROT_READ))
        except OSError:
            # A file system that cannot map files (some FUSE ones): read.
            return load_members(path)
    members = []
    for m in toc.members:
        if m.data_offset + m.size > size:
            raise UserError(f"{path}: cut short while reading (a member runs past the end of the file)")
        members.append((m.name, view[m.data_offset : m.data_offset + m.size]))
    if toc.has_symbol_index and toc.symbol_index_offset + toc.symbol_index_size > size:
        raise UserError(f"{path}: cut short while reading (the symbol index runs past the end of the file)")
    raw = view[toc.symbol_index_offset : toc.symbol_index_offset + toc.symbol_index_size].tobytes() if toc.has_symbol_index else b""
    return members, _index_entries(toc, raw, path)


def template_header(members: list[tuple[str, bytes]], where: str) -> elf.ElfHeader:
    for _, data in members:
        if elf.is_elf(data):
            return elf.header(data)
    raise UserError(f"{where}: archive has no ELF member to take the target's ELF header from")


def without_markers(members: list[tuple[str, bytes]], index: list[tuple[str, int]]) -> tuple[list[tuple[str, bytes]], list[tuple[str, int]]]:
    """(`members` without marker members, `index` renumbered to match)."""
    keep = [i for i, (n, _) in enumerate(members) if not n.startswith(MARKER_PREFIX)]
    if len(keep) == len(members):
        return members, index
    new_pos = {old: new for new, old in enumerate(keep)}
    return [members[i] for i in keep], [(s, new_pos[p]) for s, p in index if p in new_pos]


def build_v0(members: list[tuple[str, bytes]], index: list[tuple[str, int]], ident: Identity, where: str) -> bytes:
    """Archive bytes: `_rlib_v00.o` marker + `members` (old markers
    dropped); the marker is `ident` with the record of those members
    (`content.fields`; `ident` itself is left as it is)."""
    kept, kept_index = without_markers(members, index)
    return b"".join(pieces_v0(kept, kept_index, ident.with_fields(**content.fields(kept)), where))


def write_v0(path: str, members: list[tuple[str, bytes]], index: list[tuple[str, int]], ident: Identity, where: str, check) -> Identity:  # noqa: ANN001
    """Write to `path` (a new file, or over the one there) the v0 archive of
    `members` (none of them a marker) stamped with `ident` (its content fields are filled in here: the
    returned identity), calling `check()` meanwhile; the archive on disk
    is byte for byte `build_v0`'s.

    After rustc these three are the whole cost per MB of rlib, so they
    overlap: the sha256 and the crc32s in one thread and the write in
    another (hashlib, zlib and file writes release the GIL on large
    buffers), `check` (Python: the ELF scan, the symbol rules) in this
    one.  The write cannot wait for the hash, which the marker holds and
    the marker comes first: once the members' sizes are known every
    content field has a fixed width (`content.placeholder_fields`), so the
    archive is written with a placeholder marker of the real one's size
    and the real marker written over it at the end.  If `check` raises,
    the threads are waited for and the exception passes on."""
    import _thread

    template = template_header(members, where)
    placeholder = elf.marker_object(template, ident.with_fields(**content.placeholder_fields(members)).to_json())
    parts = _pieces_after(placeholder, members, index)
    at = 0
    for piece in parts:
        if piece is placeholder:
            break
        at += len(piece)
    results: list = [None, None]

    def job(slot: int, fn) -> None:  # noqa: ANN001
        try:
            results[slot] = (True, fn())
        except BaseException as e:  # noqa: BLE001 - passed on by the caller
            results[slot] = (False, e)
        finally:
            done[slot].release()

    def write() -> None:
        # Over the file at `path` if there is one, not truncated first (a
        # build system's unchanged output keeps its blocks).  Never the file
        # `members` are mapped from (`map_members`).
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            f = open(fd, "wb")
        except BaseException:
            os.close(fd)
            raise
        with f:
            f.writelines(parts)
            f.truncate()

    done = [_thread.allocate_lock(), _thread.allocate_lock()]
    for lock in done:
        lock.acquire()
    # The helper threads take the GIL back only between members; a short
    # switch interval keeps them from waiting 5 ms on `check` each time.
    interval = sys.getswitchinterval()
    sys.setswitchinterval(0.0002)
    try:
        _thread.start_new_thread(job, (0, lambda: content.fields(members)))
        _thread.start_new_thread(job, (1, write))
        try:
            check()
        finally:
            _join(done)
    finally:
        sys.setswitchinterval(interval)
    for ok, value in results:
        if not ok:
            raise value
    stamped = ident.with_fields(**results[0][1])
    marker = elf.marker_object(template, stamped.to_json())
    if len(marker) != len(placeholder):  # the fixed widths above do not hold: never seen
        with open(path, "wb") as f:
            f.writelines(_pieces_after(marker, members, index))
        return stamped
    fd = os.open(path, os.O_WRONLY)
    try:
        if os.pwrite(fd, marker, at) != len(marker):
            raise UserError(f"{where}: short write stamping its marker")
    finally:
        os.close(fd)
    return stamped


def _join(done: list) -> None:
    """Wait for every thread of `write_v0` (each releases its lock when it
    ends), even if a signal turned into an exception (SIGTERM, SIGHUP: see
    `proc.TempDir`; Ctrl-C) interrupts the wait: the temporary directory
    is removed only once nothing writes into it.  The first such
    exception leaves afterwards."""
    interrupted = None
    for lock in done:
        while True:
            try:
                lock.acquire()
                break
            except BaseException as e:  # noqa: BLE001 - raised below
                interrupted = interrupted or e
    if interrupted is not None:
        raise interrupted


def pieces_v0(members: list[tuple[str, bytes]], index: list[tuple[str, int]], ident: Identity, where: str) -> list[bytes]:
    """The v0 archive as pieces to `writelines` (no copy of the members):
    the marker holding `ident` (complete: its content fields those of
    `members`, which hold no marker), then `members`."""
    return _pieces_after(elf.marker_object(template_header(members, where), ident.to_json()), members, index)


def _pieces_after(marker: bytes, members: list[tuple[str, bytes]], index: list[tuple[str, int]]) -> list[bytes]:
    """The archive's pieces: the marker object `marker`, then `members`
    (their index entries moved one place down)."""
    return archive.pieces([(MARKER_MEMBER, marker)] + members, [(s, p + 1) for s, p in index], always_index=True)
