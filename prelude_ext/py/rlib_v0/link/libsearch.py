"""Finding the file a `-lNAME` names, the way GNU ld, gold, lld and mold do.

Every `-L` directory applies to every `-l`, whatever their order; then the
linker's built-in directories.  In each directory, in dynamic mode
`libNAME.so` is taken before `libNAME.a`; after `-Bstatic` (or `-static`)
only `libNAME.a`; `-l:FILE` names the file itself.  A v0 rlib installed as
`lib/libfoo.a` and linked as `-lfoo`, or the std bundle as `-lstdrust`, is
then a Rust input like any other.

The built-in directories are asked of the driver (`cc -print-search-dirs`)
or of ld.bfd/gold (`--verbose`, its SEARCH_DIR lines) only when an `-l`
was not found in the `-L` directories: a process start, which most links
never pay.  lld and mold have no built-in directories.
"""

from __future__ import annotations

import os

from .linker_cmd import LibArg, LinkCommand


def candidates(lib: LibArg) -> tuple[str, ...]:
    if lib.spec.startswith(":"):
        return (lib.spec[1:],)
    if lib.static:
        return (f"lib{lib.spec}.a",)
    return (f"lib{lib.spec}.so", f"lib{lib.spec}.a")


def find_in(dirs: list[str], names: tuple[str, ...]) -> str | None:
    for d in dirs:
        for n in names:
            p = os.path.join(d, n)
            if os.path.isfile(p):
                return p
    return None


class Resolver:
    """Resolves the `-l` options of one link command (default dirs asked once)."""

    __slots__ = ("cmd", "_defaults")

    def __init__(self, cmd: LinkCommand) -> None:
        self.cmd = cmd
        self._defaults: list[str] | None = None

    def resolve(self, lib: LibArg) -> str | None:
        names = candidates(lib)
        found = find_in(self.cmd.search_dirs, names)
        if found is None and not self.cmd.no_default_dirs:
            found = find_in(self.default_dirs(), names)
        return found

    def default_dirs(self) -> list[str]:
        if self._defaults is None:
            self._defaults = builtin_dirs(self.cmd.argv[0], self.cmd.direct)
        return self._defaults


def builtin_dirs(program: str, direct: bool) -> list[str]:
    """The linker's own search path, as it reports it ([] if it will not say)."""
    base = os.path.basename(program)
    if direct and ("lld" in base or "mold" in base):
        return []
    argv = [program, "--verbose"] if direct else [program, "-print-search-dirs"]
    from ..proc import collect, spawn_piped

    try:
        code, out = collect(*spawn_piped(argv, 1, search=True))
    except OSError:  # no answer means no built-in directories
        return []
    if code != 0:
        return []
    text = out.decode("utf-8", "replace")
    dirs: list[str] = []
    if direct:
        # SEARCH_DIR("=/usr/local/lib/x86_64-linux-gnu"); ...
        for part in text.split("SEARCH_DIR(")[1:]:
            d = part.split(")", 1)[0].strip().strip('"')
            dirs.append(d[1:] if d.startswith("=") else d)
    else:
        for line in text.splitlines():
            if line.startswith("libraries: "):
                value = line[len("libraries: ") :].lstrip("=")
                dirs = [os.path.normpath(d) for d in value.split(":") if d]
    return [d for d in dict.fromkeys(dirs) if os.path.isdir(d)]
