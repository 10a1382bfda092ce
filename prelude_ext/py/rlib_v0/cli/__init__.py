"""The `rlib-v0` command line: one entry point, one table of verbs.

The verbs a build runs (every compile, link, build script, std bundle and
verify of a Buck2 build, CMake's configure and build steps) are dispatched
from `BUILD_VERBS` before anything else is imported: each is declared once,
as a `verbs.Verb` in its own module, parsed by `verbs.parse`, and started
under `python3 -S` by Buck2 and remote executors (no site-packages, so no
third-party module). Everything else — the human verbs, `--help` of every
verb, `--version`, shell completion — is the typer app in `app.py`, which
renders the same `Verb` declarations as help.
"""

from __future__ import annotations

import sys

# Verb -> (module under rlib_v0, its `Verb`).
BUILD_VERBS = {
    "rustc": ("compile.wrapper", "RUSTC"),
    "rustc-wrapper": ("compile.wrapper", "RUSTC_WRAPPER"),
    "link": ("link.options", "LINK"),
    "buildscript-run": ("compile.buildscript", "BUILDSCRIPT_RUN"),
    "std-bundle": ("compile.std_bundle", "STD_BUNDLE"),
    "verify": ("audit.verify", "VERIFY"),
    "cmake-import": ("cmake.configure", "CMAKE_IMPORT"),
    "cmake-build": ("cmake.build", "CMAKE_BUILD"),
}


def build_verb(name: str):  # noqa: ANN201 - a verbs.Verb
    """The `Verb` declared for `name`, importing only its module.

    `__import__` rather than `importlib.import_module`: importing
    `importlib` (and the `warnings` it imports) costs every link and
    compile ~0.3 ms."""
    module, attr = BUILD_VERBS[name]
    full = f"{__package__.rpartition('.')[0]}.{module}"
    __import__(full)
    return getattr(sys.modules[full], attr)


def run_build_verb(name: str, argv: list[str]) -> int:
    """Parse `argv` against the verb's declaration and run it; errors are one
    line (errors.run_reporting); `--help` among its options shows the help."""
    # No cyclic garbage collection in a build step: it lives for one
    # compile or link, makes few cycles, and ends with `os._exit`; the
    # collector, run every 700 new containers, walked the young objects
    # thousands of times (parsing syn's 4,000-name symbol index into
    # tuples: 1.3-2.2 ms with it, 0.4-0.6 ms without).
    # Turned back on when the verb returns (a caller in the same process).
    import gc

    collecting = gc.isenabled()
    gc.disable()
    try:
        return _run_verb(name, argv)
    finally:
        if collecting:
            gc.enable()


def _run_verb(name: str, argv: list[str]) -> int:
    from ..errors import run_reporting
    from .verbs import HelpRequested, parse

    verb = build_verb(name)

    def go() -> int:
        try:
            opts, rest = parse(verb, argv)
        except HelpRequested:
            return run_app([name, "--help"])
        return verb.main(opts, rest)

    return run_reporting(go)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in BUILD_VERBS:
        if argv[0] != "link":
            _paths_as_given()
        return run_build_verb(argv[0], argv[1:])
    _paths_as_given()
    return run_app(argv)


def run_app(argv: list[str]) -> int:
    """The typer app (human verbs, help, --version, completion); without
    typer (`python3 -S`), a plain help of the build verbs."""
    try:
        from .app import run
    except ImportError as e:
        if getattr(e, "name", "") not in ("typer", "click", "typer._click"):
            raise
        from .plain import run
    return run(argv)


def _paths_as_given() -> None:
    # Paths are printed as they came (argv decodes with surrogateescape):
    # a not-UTF-8 file name must not turn `verify`'s report into a crash.
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure") and stream.errors == "strict":
            stream.reconfigure(errors="surrogateescape")
