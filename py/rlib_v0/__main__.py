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
    import typer

    from .cli import app

    try:
        rv = app(args=argv, prog_name="rlib-v0", standalone_mode=False)
    except SystemExit as e:
        return e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    except typer.Abort:
        print("rlib-v0: error: aborted", file=sys.stderr)
        return 1
    except typer.TyperException as e:
        # click's usage errors (missing argument, unknown option or command):
        # one line, not the framed box standalone mode prints.
        if type(e).__name__ == "NoArgsIsHelpError":
            return 2  # the help was printed (`rlib-v0` alone)
        fmt = getattr(e, "format_message", None)
        msg = " ".join((fmt() if fmt else str(e)).split()).rstrip(".")
        ctx = getattr(e, "ctx", None)
        where = ctx.command_path if ctx is not None else "rlib-v0"
        print(f"rlib-v0: error: {msg[:1].lower() + msg[1:]} (see `{where} --help`)", file=sys.stderr)
        return getattr(e, "exit_code", 2) or 2
    except KeyboardInterrupt:
        return 130
    return rv if isinstance(rv, int) else 0


if __name__ == "__main__":
    sys.exit(main())
