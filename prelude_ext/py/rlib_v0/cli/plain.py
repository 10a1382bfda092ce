"""The command line without typer: `python3 -S` (how Buck2 and CMake start
the tool) has no site-packages. The build verbs work as ever (cli/__init__);
here only their help, `--version`, and a one-line error for the rest."""

from __future__ import annotations

import sys

from ..errors import UserError, run_reporting
from . import BUILD_VERBS, build_verb
from .verbs import plain_help

DESCRIPTION = "Version-0 rlibs, standard-library bundles and a deduplicating linker wrapper, on stable rustc."


def run(argv: list[str]) -> int:
    return run_reporting(_run, argv)


def _run(argv: list[str]) -> int:
    if argv[:1] == ["--version"]:
        from .version import version_text

        print(version_text())
        return 0
    if not argv or argv[0] in ("--help", "-h"):
        rows = [(name, build_verb(name).help) for name in BUILD_VERBS]
        width = max(len(n) for n, _ in rows)
        print(f"Usage: rlib-v0 COMMAND [ARGS]...\n\n{DESCRIPTION}\n\nCommands:\n" + "\n".join(f"  {n.ljust(width)}  {h}" for n, h in rows))
        print("\n(demo, install-launchers, size and cmake-dir need typer: run without `python -S`, or pip install typer)")
        return 0 if argv else 2
    if argv[0] in BUILD_VERBS:
        print(plain_help(build_verb(argv[0])))
        return 0
    raise UserError(f"{argv[0]}: not available without typer (`python -S` has no site-packages): run `rlib-v0 {argv[0]}`, or pip install typer")
