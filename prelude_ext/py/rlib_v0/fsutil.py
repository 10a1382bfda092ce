"""Atomic output: write beside the destination, rename only on success.

The one way the tool writes a file that others read (markers' archives,
link-args files, sidecars, `.d` files, launchers, reports): readers never
see a partial file, and nothing is left behind on failure.  What may stand
at the destination (character devices are written into, directories,
FIFOs and block devices refused) is decided by `outputs.output_kind`.
Only `os`: this runs before rustc starts (the `.rmeta` sidecar); no
`tempfile` (its import costs more than the write), no `contextlib`.

Two other write-then-rename mechanisms do a different job and stay apart:
the link's temporary output (link/run.py: a name only, which the linker
creates and fills — a file made in advance would keep its mode), and
`proc.TempDir` (a private directory for rustc's several outputs, removed
on a signal too).
"""

from __future__ import annotations

import os

from .errors import UserError
from .outputs import DEVICE, output_kind

_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC


def write_atomic(path: str, data: bytes | str, mode: int = 0o644, what: str = "") -> None:
    """Write `data` to `path` atomically with permissions `mode`; `what`
    names the file in an error (`path: cannot write WHAT (...)`)."""
    with atomic_path(path, mode, what) as tmp:
        try:
            with open(tmp, "wb" if isinstance(data, bytes) else "w") as f:
                f.write(data)
        except OSError as e:
            raise UserError(f"{path}: cannot write{' ' + what if what else ''} ({e.strerror})") from None


class atomic_path:  # noqa: N801 - used as a function: `with atomic_path(p) as tmp`
    """`with atomic_path(path) as tmp:` a new empty file in `path`'s
    directory, renamed to `path` (with `mode`) if the block succeeds,
    deleted otherwise.  A character device at `path` is yielded itself
    (written into, never replaced)."""

    __slots__ = ("path", "mode", "what", "tmp")

    def __init__(self, path: str, mode: int = 0o644, what: str = "") -> None:
        self.path = path  # the destination
        self.mode = mode  # its permissions once in place
        self.what = what  # how errors name it
        self.tmp: str | None = None  # the temporary file; None for a device

    def __enter__(self) -> str:
        if output_kind(self.path) == DEVICE:
            return self.path
        d = os.path.dirname(os.path.abspath(self.path))
        for _ in range(100):
            tmp = os.path.join(d, f".rlib-v0-{os.getpid()}-{os.urandom(4).hex()}.tmp")
            try:
                os.close(os.open(tmp, _CREATE, 0o600))
            except FileExistsError:
                continue
            except OSError as e:
                raise UserError(f"{self.path}: cannot create a file in {d} ({e.strerror})") from None
            self.tmp = tmp
            return tmp
        raise UserError(f"{self.path}: cannot create a file in {d} (no unused temporary name)")

    def __exit__(self, exc_type: type | None, *_: object) -> bool:
        tmp = self.tmp
        if tmp is None:
            return False
        if exc_type is None:
            try:
                os.chmod(tmp, self.mode)
                os.replace(tmp, self.path)
                return False
            except OSError as e:
                unlink_quietly(tmp)
                raise UserError(f"{self.path}: cannot write{' ' + self.what if self.what else ''} ({e.strerror})") from None
        unlink_quietly(tmp)
        return False


def unlink_quietly(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
