"""Atomic output: write beside the destination, rename only on success."""

from __future__ import annotations

import contextlib
import os
import tempfile
from typing import Iterator

from .errors import UserError


def write_atomic(path: str, data: bytes) -> None:
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as f:
            f.write(data)


@contextlib.contextmanager
def atomic_path(path: str) -> Iterator[str]:
    """Yield a temporary path in `path`'s directory; rename it to `path` if the
    block succeeds, delete it otherwise.  Readers never see a partial file."""
    d = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(d):
        raise UserError(f"{path}: output directory {d} does not exist")
    fd, tmp = tempfile.mkstemp(prefix=".rlib-v0-", suffix=".tmp", dir=d)
    os.close(fd)
    try:
        yield tmp
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
