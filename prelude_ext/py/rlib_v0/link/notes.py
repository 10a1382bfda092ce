"""A note after a failed link whose cause is the toolchain, not the inputs.

- Objects for another machine (aarch64 crates given to the host's `cc`):
  each linker says it in its own words, none names the target; the markers do.
- `-fuse-ld=NAME` with gcc: gcc's collect2 looks for `ld.NAME` in the
  compiler's own and `-B` directories, and on PATH for `ld.NAME` (a native
  gcc) or `MACHINE-ld.NAME` (a cross gcc such as aarch64-linux-gnu-gcc).
  Debian's lld and mold install `/usr/bin/ld.lld` and `/usr/bin/ld.mold`
  only, so a cross gcc fails with "collect2: fatal error: cannot find 'ld'",
  which names neither the option nor the fix.
- Undefined cxx bridge symbols (`left$cxxbridge1$194$...`): the C++ and
  the Rust of a bridge may come from two cxx versions; `--debug` tells
  (explain.cxx_version_mismatches), so the note points there.

Imported only after a link failed.
"""

from __future__ import annotations

import os

from .linker_cmd import LinkCommand
from ..toolchain import which


# How ld.bfd, gold, lld and mold refuse an object of another machine.
_OTHER_MACHINE = ("Relocations in generic ELF", "unsupported ELF machine number", "is incompatible with", "incompatible file type", "file in wrong format")
# Architectures whose GNU triple (Debian's cross-tool prefix) is the Rust
# triple without its vendor: aarch64-unknown-linux-gnu -> aarch64-linux-gnu.
_SAME_GNU_ARCH = frozenset(("x86_64", "aarch64", "i686", "s390x", "powerpc64le", "loongarch64"))


def failed_link_note(cmd: LinkCommand, linker_stderr: str, target: str | None = None, debug: bool = False) -> str | None:
    """One `rlib-v0: note:` line, or None when there is nothing to add.
    `target`: the std bundle's, when the line has one; `debug`: the
    explanation in crate terms is already printed."""
    if target and any(m in linker_stderr for m in _OTHER_MACHINE):
        arch, _, rest = target.partition("-")
        example = f" (e.g. {arch}-{rest.split('-', 1)[-1]}-gcc)" if arch in _SAME_GNU_ARCH and rest.count("-") >= 1 else ""
        return f"rlib-v0: note: the linker found objects for another machine than it links for; the Rust crates and the std bundle here are built for {target}: link with that target's compiler driver{example} or linker, and compile the C/C++ objects for it too"
    if not debug and "cxxbridge1$" in linker_stderr and "undefined" in linker_stderr:
        return "rlib-v0: note: undefined cxx bridge symbols; `rlib-v0 link --debug` tells whether the C++ and the Rust of a bridge come from two cxx versions"
    return _fuse_ld_note(cmd, linker_stderr)


def _fuse_ld_note(cmd: LinkCommand, linker_stderr: str) -> str | None:
    if cmd.direct or "collect2: fatal error: cannot find" not in linker_stderr:
        return None
    name = next((a[len("-fuse-ld=") :] for a in reversed(cmd.argv) if a.startswith("-fuse-ld=")), "")
    if not name or os.sep in name:
        return None
    prog = f"ld.{name}"
    found = which(prog)
    if found is None:
        return f"rlib-v0: note: {cmd.argv[0]} found no linker for -fuse-ld={name}: {prog} is not on PATH (install {name})"
    machine = _dumpmachine(cmd.argv[0])
    # A directory to give -B: the real file's, if it also holds `ld.NAME`
    # and no `as` or `ld` that gcc would take there instead of the cross
    # tools (Debian's lld: /usr/lib/llvm-N/bin; mold's is /usr/bin: no).
    d = os.path.dirname(os.path.realpath(found))
    clean = os.path.exists(os.path.join(d, prog)) and not any(os.path.exists(os.path.join(d, t)) for t in ("as", "ld"))
    b_dir = f"-B{d}" if clean else f"-B DIR with a link DIR/{prog} -> {found}"
    prefixed = f"{machine}-{prog}" if machine else f"MACHINE-{prog}"
    return f"rlib-v0: note: {cmd.argv[0]} found no linker for -fuse-ld={name} although {found} is on PATH: a cross gcc looks for {prog} only in its -B directories and on PATH for {prefixed}; add {b_dir}, or put a link {prefixed} -> {found} on PATH"


def _dumpmachine(driver: str) -> str:
    """`gcc -dumpmachine` (`aarch64-linux-gnu`), "" if it will not say."""
    from ..proc import collect, spawn_piped

    try:
        code, out = collect(*spawn_piped([driver, "-dumpmachine"], 1, search=True))
    except OSError:
        return ""
    text = out.decode("utf-8", "replace").strip()
    return text if code == 0 and text and " " not in text else ""
