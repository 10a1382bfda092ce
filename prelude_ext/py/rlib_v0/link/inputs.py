"""The link's inputs: which arguments of the linker command are Rust archives.

Runs on every link, so it reads as little as it can: a `stat`, one `pread`
of each archive's start (the marker is its first member), and checks what
that read gives for free: the marker object's checksum, and the archive's
size against the marker's record (`Identity.stamped_size`).
`--verify-content` (and `--debug`) read each archive whole and check every
member (`content`).  Files that are not archives are the linker's business;
a `.rlib` that is not a v0 rlib, a Rust staticlib or a metadata-only rlib
is refused here, before any plan is made.
"""

from __future__ import annotations

import os
from stat import S_ISDIR, S_ISREG

from ..errors import UserError
from ..formats import archive
from ..formats.marker import Identity, read_marker
from . import linker_cmd
from .plan import RustInput

_ARCH_MAGIC = b"!<arch>\n"
_OPEN_FLAGS = os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC
# The first read of an archive: the symbol index, name table and marker of
# a typical rlib fit; what lies further is read when asked for.
_HEAD_BYTES = 32768
_HEX = frozenset(b"0123456789abcdef")


def find_rust_inputs(cmd: linker_cmd.LinkCommand, resolved: list[str] | None = None, verify_content: bool = False, shared_libs: list[str] | None = None) -> list[RustInput]:
    """The Rust archives of the command: positional inputs, and `-l` options
    that resolve to one (`resolved`, if given, gets a line per `-l`;
    `shared_libs` the `.so` files they resolve to); `verify_content`: check
    every member of each against its marker."""
    found: list[RustInput] = []
    # A path given again is the same file: read its marker once.
    seen: dict[str, Identity | None] = {}
    for i in cmd.inputs:
        path = cmd.argv[i]
        ident = seen[path] if path in seen else examine(path, path.endswith(".rlib"), verify_content)
        seen[path] = ident
        if ident is not None:
            found.append(RustInput(i, path, ident, i in cmd.whole_archive_inputs))
    if cmd.libs:
        from .libsearch import Resolver

        res = Resolver(cmd)
        for lib in cmd.libs:
            path = res.resolve(lib)
            ident = None
            if path is not None and path.endswith(".so") and shared_libs is not None:
                shared_libs.append(path)
            if path is not None and not path.endswith(".so"):
                ident = seen[path] if path in seen else examine(path, False, verify_content)
                seen[path] = ident
            if resolved is not None:
                what = "not found (left to the linker)" if path is None else (f"{path} ({ident.display})" if ident is not None else f"{path} (not Rust)")
                resolved.append(f"-l{lib.spec} -> {what}")
            if ident is not None:
                lib.rust = True
                found.append(RustInput(lib.index, path, ident, lib.whole_archive))
        found.sort(key=lambda r: r.arg_index)
    return found


def examine(path: str, rlib: bool, verify_content: bool = False) -> Identity | None:
    """The marker of `path` if it is a Rust archive; None for anything else.

    A `.rlib` must be a v0 archive: anything else is an error here (an empty
    file would even link, as an empty linker script).  Other non-archives
    are the linker's business.  A Rust archive whose size is not the one
    its marker recorded is refused (free: `st` is at hand); with
    `verify_content` it is read whole and every member checked."""
    try:
        st = os.stat(path)
    except (OSError, ValueError) as e:  # ValueError: a NUL byte in the path
        if rlib:
            why = "no such file" if isinstance(e, FileNotFoundError) else "not a valid path" if isinstance(e, ValueError) else f"cannot read ({e.strerror})"
            raise UserError(f"{path}: {why}") from None
        return None  # not a file: the linker will say so in its own words
    if not S_ISREG(st.st_mode):
        if rlib:
            raise UserError(f"{path}: {'is a directory' if S_ISDIR(st.st_mode) else 'not a regular file'}, not an rlib")
        return None  # never open a FIFO or device here: opening may block or act
    # Non-blocking: should the path turn into a FIFO after the stat, the read
    # returns rather than waits.  One open and, for archives, one read of the
    # start serve the magic, the headers, the marker and the completeness check.
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except PermissionError:
        raise UserError(f"{path}: cannot read (permission denied)") from None
    except OSError as e:
        raise UserError(f"{path}: cannot read ({e.strerror})") from None
    try:
        head = os.pread(fd, _HEAD_BYTES if rlib else 8, 0)
        if head[:8] != _ARCH_MAGIC:
            if not rlib:
                return None
        elif not rlib:
            head = os.pread(fd, _HEAD_BYTES, 0)
        if verify_content and head[:8] == _ARCH_MAGIC:
            head = _read_whole(fd, st.st_size)  # then every read below is served from it
        f = archive.HeadFile(fd, head, st.st_size)
        ident, toc = read_marker(path, first_only=True, f=f)
        if ident is not None:
            # Only the first header was read: make sure the archive is
            # whole.  Its marker says how big it was stamped (schema 3):
            # exact, and free; else what its symbol index says.
            stamped = ident.stamped_size(toc.members[0])
            if verify_content:
                _verify_content(path, ident, f, stamped, st.st_size)
            elif stamped < 0:
                archive.check_complete(toc, f)
            elif stamped != st.st_size:
                raise _changed(path, ident, _size_problem(stamped, st.st_size))
    except OSError as e:
        raise UserError(f"{path}: cannot read ({e.strerror})") from None
    finally:
        os.close(fd)
    if ident is None:
        if is_rust_staticlib(toc.long_names):
            raise UserError(f"{path} is a Rust staticlib carrying its own copy of std and its dependencies; link the crates' v0 rlibs and one std bundle instead")
        if rlib:
            from ..formats.sidecar import is_metadata_rlib

            if is_metadata_rlib(path):
                raise UserError(f"{path} is a metadata-only rlib (-Zno-codegen, for pipelined compiles): it holds no code; link the crate's real v0 rlib")
            raise UserError(f"{path} is an rlib without a _rlib_v00 marker; build it with `rlib-v0 rustc`")
    return ident


def _read_whole(fd: int, size: int) -> bytes:
    chunks = []
    pos = 0
    while pos < size:
        chunk = os.pread(fd, size - pos, pos)
        if not chunk:
            break
        chunks.append(chunk)
        pos += len(chunk)
    return b"".join(chunks)


def _verify_content(path: str, ident: Identity, f: archive.HeadFile, stamped: int, size: int) -> None:
    """Refuse `path` (`size` bytes, `stamped` when stamped) unless its
    members are what its marker recorded and an identity sidecar beside it
    (if any) agrees with the marker."""
    from ..formats.content import check
    from ..formats.sidecar import disagreement

    f.seek(0)
    try:
        toc = archive.scan(path, f)
    except UserError:
        if stamped >= 0 and stamped != size:  # the cause, rather than the offset where it shows
            raise _changed(path, ident, _size_problem(stamped, size)) from None
        raise
    found = check(ident, toc, [(m.name, toc.read(m, f)) for m in toc.members], size)
    if found is not None:
        raise _changed(path, ident, found[0])
    wrong = disagreement(path, ident)
    if wrong:
        raise UserError(f"{path}: {wrong}")


def _size_problem(stamped: int, size: int) -> str:
    from ..formats.content import size_problem

    return size_problem(stamped, size)


def _changed(path: str, ident: Identity, problem: str) -> UserError:
    from ..formats.content import rebuild_hint

    return UserError(f"{path}: {problem}; {rebuild_hint(ident)}")


def is_rust_staticlib(long_names: bytes) -> bool:
    r"""A member name `std-<16 hex>.std.*` (std's objects, as a staticlib holds them).

    The regex `(?:^|\n)std-[0-9a-f]{16}\.std\.` spelled out: importing `re`
    costs every link a few ms, and any C/C++ archive on the line gets here."""
    for name in long_names.split(b"\n"):
        if name[:4] == b"std-" and name[20:25] == b".std." and _HEX.issuperset(name[4:20]):
            return True
    return False
