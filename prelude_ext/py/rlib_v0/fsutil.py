"""Atomic output: write beside the destination, rename only on success.

What may stand at the destination (character devices are written into,
directories/FIFOs/block devices refused) is decided by `outputs.output_kind`.
"""

from __future__ import annotations

import contextlib
import os
from typing import Iterator

from .errors import UserError
from .outputs import DEVICE, output_kind


def write_atomic(path: str, data: bytes) -> None:
    with atomic_path(path) as tmp:
        write_text(tmp, data, path)


def write_text(tmp: str, data: bytes | str, path: str) -> None:
    """Write `data` into `tmp` (the temporary file of `path`): one-line errors naming `path`."""
    try:
        with open(tmp, "wb" if isinstance(data, bytes) else "w") as f:
            f.write(data)
    except OSError as e:
        raise UserError(f"{path}: cannot write ({e.strerror})") from None


@contextlib.contextmanager
def atomic_path(path: str) -> Iterator[str]:
    """Yield a temporary path in `path`'s directory; rename it to `path` if the
    block succeeds, delete it otherwise.  Readers never see a partial file.
    A character device at `path` is yielded itself (written into, never
    replaced)."""
    if output_kind(path) == DEVICE:
        yield path
        return
    import tempfile

    d = os.path.dirname(os.path.abspath(path))
    try:
        fd, tmp = tempfile.mkstemp(prefix=".rlib-v0-", suffix=".tmp", dir=d)
    except OSError as e:
        raise UserError(f"{path}: cannot create a file in {d} ({e.strerror})") from None
    os.close(fd)
    try:
        yield tmp
        try:
            os.chmod(tmp, 0o644)
            os.replace(tmp, path)
        except OSError as e:
            raise UserError(f"{path}: cannot write ({e.strerror})") from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
