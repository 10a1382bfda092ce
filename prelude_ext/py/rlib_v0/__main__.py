"""Entry point.  `rlib-v0 link`, `rustc` and `rustc-wrapper` are dispatched
before the command-line parser is imported: they run on every link or
compile of a build, where start-up is most of their cost."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "link" and "--help" not in argv[: argv.index("--") if "--" in argv else len(argv)]:
        from .link_entry import main_link

        return main_link(argv[1:])
    # Paths are printed as they came (argv decodes with surrogateescape):
    # a not-UTF-8 file name must not turn `verify`'s report into a crash.
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure") and stream.errors == "strict":
            stream.reconfigure(errors="surrogateescape")
    if argv and argv[0] == "rustc" and "--help" not in argv[1:2]:
        from .rustc_entry import main_rustc

        return main_rustc(argv[1:])
    if argv and argv[0] == "rustc-wrapper" and "--help" not in argv[1:2]:
        from .rustc_entry import main_wrapper

        return main_wrapper(argv[1:])
    from .cli import run

    return run(argv)


if __name__ == "__main__":
    sys.exit(main())
