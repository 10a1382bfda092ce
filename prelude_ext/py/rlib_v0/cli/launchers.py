"""`rlib-v0 install-launchers DIR`: lean start-up scripts for build systems.

`rlib-v0 rustc-wrapper` runs once per crate and `rlib-v0 link` once per
link, so Python's start-up is a large part of their cost; most of it is the
`site` module, which reads every `.pth` file of site-packages (here it
imports certifi's hooks: ~80 ms of a ~90 ms start, against ~14 ms with
`python3 -S`).  pip's console scripts cannot pass `-S`, so this writes two
small programs whose first line runs this very interpreter with `-S`, and
which import this very copy of the package by its path:

    DIR/rlib-v0-rustc-wrapper   for cargo: RUSTC_WRAPPER=DIR/rlib-v0-rustc-wrapper
    DIR/rlib-v0-link            rlib-v0-link [OPTIONS] -- LINKER_COMMAND...

The package needs only the standard library, so nothing is lost with `-S`,
and any CPython >= 3.11 can run them: `--python PATH` picks another
interpreter than this one.  A distribution's build (PGO and LTO, libpython
linked in: Debian's /usr/bin/python3) starts and runs faster than a default
pyenv build (neither, libpython shared): here 7.9 against 9.1 ms to start,
and the v0 check of syn's rlib 11.9 against 15.1 ms (docs/rustc-overhead.md).
Rerun after moving the checkout or changing interpreters.
"""

from __future__ import annotations

import os
import sys

from ..errors import UserError
from ..fsutil import write_atomic

_BODY = """#!{python} -S
# Written by `rlib-v0 install-launchers`: {what}, started without `site`.
import sys
sys.path.insert(0, {root!r})
{first}from rlib_v0.cli import run_build_verb
from rlib_v0.errors import exit_now
exit_now(run_build_verb({verb!r}, sys.argv[1:]))
"""

LAUNCHERS = {
    "rlib-v0-rustc-wrapper": ("rustc-wrapper", "cargo's RUSTC_WRAPPER (rlib-v0 rustc-wrapper)"),
    "rlib-v0-link": ("link", "the linker wrapper (rlib-v0 link)"),
}
# What a launcher does before the package is imported: a relink starts its
# remembered linker command (link/memo.py), as lean.py does.
_FIRST = {"link": "from rlib_v0.link.memo import start_remembered\nstart_remembered(sys.argv[1:])\n"}


def install(dest: str, python: str | None = None) -> list[str]:
    if not os.path.isdir(dest):
        raise UserError(f"{dest}: no such directory")
    interpreter = _interpreter(python) if python else sys.executable
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    written = []
    for name, (verb, what) in LAUNCHERS.items():
        path = os.path.join(dest, name)
        if os.path.lexists(path) and not os.path.isfile(path):
            raise UserError(f"{path}: exists and is not a regular file")
        write_atomic(path, _BODY.format(python=interpreter, root=root, verb=verb, what=what, first=_FIRST.get(verb, "")).encode(), mode=0o755)
        written.append(path)
    return written


def _interpreter(python: str) -> str:
    """The absolute path of `python` (a path, or a name on PATH), refused
    unless it runs as a CPython >= 3.11 under `-S` (what the launchers need)."""
    import shutil
    import subprocess

    found = shutil.which(python)  # a path with a directory in it is taken as it is
    if found is None:
        raise UserError(f"--python {python}: no such executable")
    found = os.path.abspath(found)
    probe = "import sys; print(sys.implementation.name, *sys.version_info[:2])"
    try:
        p = subprocess.run([found, "-S", "-c", probe], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise UserError(f"--python {found}: cannot run it ({e})") from None
    words = p.stdout.split()
    if p.returncode != 0 or len(words) != 3 or not words[1].isdigit() or not words[2].isdigit():
        raise UserError(f"--python {found}: not a Python interpreter (`{found} -S -c ...` did not answer)")
    if words[0] != "cpython" or (int(words[1]), int(words[2])) < (3, 11):
        raise UserError(f"--python {found}: {words[0]} {words[1]}.{words[2]}; the launchers need CPython 3.11 or newer")
    return found
