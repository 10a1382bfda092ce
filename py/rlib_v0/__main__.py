"""Entry point.  `rlib-v0 link` is dispatched before importing typer: it runs
on every link of a build, and typer's import alone costs more than the
whole plan."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "link" and "--help" not in argv[: argv.index("--") if "--" in argv else len(argv)]:
        from .link_entry import main_link

        return main_link(argv[1:])
    if argv and argv[0] == "rustc" and "--help" not in argv[1:2]:
        from .rustc_entry import main_rustc

        return main_rustc(argv[1:])
    if argv and argv[0] == "rustc-wrapper" and "--help" not in argv[1:2]:
        from .rustc_entry import main_wrapper

        return main_wrapper(argv[1:])
    from .cli import app

    try:
        app(args=argv, prog_name="rlib-v0", standalone_mode=True)
    except SystemExit as e:
        return e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
