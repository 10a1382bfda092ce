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

The package needs only the standard library, so nothing is lost with `-S`.
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


def install(dest: str) -> list[str]:
    if not os.path.isdir(dest):
        raise UserError(f"{dest}: no such directory")
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    written = []
    for name, (verb, what) in LAUNCHERS.items():
        path = os.path.join(dest, name)
        if os.path.lexists(path) and not os.path.isfile(path):
            raise UserError(f"{path}: exists and is not a regular file")
        write_atomic(path, _BODY.format(python=sys.executable, root=root, verb=verb, what=what, first=_FIRST.get(verb, "")).encode(), mode=0o755)
        written.append(path)
    return written
