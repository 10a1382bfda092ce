"""The tool's optional caches under `$XDG_CACHE_HOME/rlib-v0` (else
`~/.cache/rlib-v0`): the `rustc -vV` answers (`toolchain.py`) and the link
memo (`link/memo.py`).  None without HOME or with RLIB_V0_NO_CACHE set.

Nothing but `posix` and `sys` at import: lean.py imports the link memo,
and so this, before the rest of the package, and under `python3 -S` the
`os` module is not loaded yet (importing it costs a relink ~1.4 ms before
its linker starts, `link/memo.py`).  A cache is never needed: every
failure to write an entry is silent, and a reader that cannot trust an
entry does the work instead.
"""

import posix
import sys


def getenv(name: str) -> str | None:
    """`os.environ.get(name)`, without importing `os`: the process's
    environment as `os` would decode it, or `os.environ` itself once
    something imported `os` (which may have changed it since)."""
    os = sys.modules.get("os")
    if os is not None:
        return os.environ.get(name)
    value = posix.environ.get(fsencode(name))
    return None if value is None else fsdecode(value)


def environ():  # noqa: ANN201 - a mapping for posix_spawn
    """The environment to start a program with (`getenv`'s)."""
    os = sys.modules.get("os")
    return posix.environ if os is None else os.environ


def fsencode(s: str) -> bytes:
    """`os.fsencode` of a str."""
    return s.encode(sys.getfilesystemencoding(), sys.getfilesystemencodeerrors())


def fsdecode(b: bytes) -> str:
    """`os.fsdecode` of bytes."""
    return b.decode(sys.getfilesystemencoding(), sys.getfilesystemencodeerrors())


def cache_dir(name: str) -> str | None:
    """The directory of cache `name`, or None when caching is off."""
    if getenv("RLIB_V0_NO_CACHE"):
        return None
    home = getenv("HOME")
    base = getenv("XDG_CACHE_HOME") or (home.rstrip("/") + "/.cache" if home else "")
    return base.rstrip("/") + "/rlib-v0/" + name if base.startswith("/") else None


def store_entry(path: str, data: bytes, mode: int, dir_mode: int = 0o777) -> bool:
    """Write `data` to `path` beside it and rename it into place (readers
    never see half an entry); its directory made with `dir_mode`.  False,
    and nothing left behind, on any failure."""
    import os

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
