"""The tool's optional caches under `$XDG_CACHE_HOME/rlib-v0` (else
`~/.cache/rlib-v0`): the `rustc -vV` answers (`toolchain.py`) and the link
memo (`link/memo.py`).  None without HOME or with RLIB_V0_NO_CACHE set.

Only `os`: lean.py imports the link memo, and so this, before the rest of
the package.  A cache is never needed: every failure to write an entry is
silent, and a reader that cannot trust an entry does the work instead.
"""

from __future__ import annotations

import os


def cache_dir(name: str) -> str | None:
    """The directory of cache `name`, or None when caching is off."""
    env = os.environ
    if env.get("RLIB_V0_NO_CACHE"):
        return None
    base = env.get("XDG_CACHE_HOME") or (os.path.join(env["HOME"], ".cache") if env.get("HOME") else "")
    return os.path.join(base, "rlib-v0", name) if os.path.isabs(base) else None


def store_entry(path: str, data: bytes, mode: int, dir_mode: int = 0o777) -> bool:
    """Write `data` to `path` beside it and rename it into place (readers
    never see half an entry); its directory made with `dir_mode`.  False,
    and nothing left behind, on any failure."""
    tmp = f"{path}.{os.getpid()}.tmp"
    try:
        os.makedirs(os.path.dirname(path), mode=dir_mode, exist_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, mode)
        try:
            os.write(fd, data)
        finally:
            os.close(fd)
        os.replace(tmp, path)
        return True
    except (OSError, ValueError):
        try:
            os.unlink(tmp)
        except OSError:
            pass
        return False
