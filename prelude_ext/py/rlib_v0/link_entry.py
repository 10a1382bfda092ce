"""Argument handling of `rlib-v0 link` without typer (start-up cost matters).

The options are few and fixed: `--debug`, `--whole-archive CRATE` (repeatable),
`--reproduce DIR`, `--export-rust`, then `--` and the linker command.
"""

from __future__ import annotations

import sys

from .errors import UserError

USAGE = "usage: rlib-v0 link [--debug] [--whole-archive CRATE]... [--reproduce DIR] [--export-rust] -- LINKER_COMMAND..."


class LinkOptions:
    __slots__ = ("debug", "whole_archive", "reproduce", "export_rust")

    def __init__(self) -> None:
        self.debug = False  # print the plan; explain linker errors
        self.whole_archive: list[str] = []  # crates to link whole
        self.reproduce: str | None = None  # directory for a reproducer
        self.export_rust = False  # a shared object keeps exporting its Rust symbols (no hiding)


def parse_link_options(argv: list[str]) -> tuple[LinkOptions, list[str]]:
    """(the wrapper's options, the linker command)."""
    o = LinkOptions()
    whole = o.whole_archive
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--":
            return o, argv[i + 1 :]
        if a == "--debug":
            o.debug = True
        elif a == "--export-rust":
            o.export_rust = True
        elif a in ("--whole-archive", "--reproduce"):
            if i + 1 >= len(argv):
                raise UserError(f"{a} needs a value; {USAGE}")
            if a == "--whole-archive":
                whole.append(argv[i + 1])
            else:
                o.reproduce = argv[i + 1]
            i += 1
        elif a.startswith("--whole-archive="):
            whole.append(a.split("=", 1)[1])
        elif a.startswith("--reproduce="):
            o.reproduce = a.split("=", 1)[1]
        else:
            raise UserError(f"unknown option {a!r}; {USAGE}")
        i += 1
    raise UserError(f"missing `--` before the linker command; {USAGE}")


def main_link(argv: list[str]) -> int:
    try:
        o, linker = parse_link_options(argv)
        from .cmd_link import run

        return run(linker, o.debug, o.whole_archive, o.reproduce, o.export_rust)
    except UserError as e:
        print(f"rlib-v0: error: {e}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        return 130
    except OSError as e:  # a file the wrapper itself reads or writes
        where = f"{e.filename}: " if e.filename else ""
        print(f"rlib-v0: error: {where}{e.strerror or e}", file=sys.stderr)
        return 2
    except Exception as e:  # noqa: BLE001 - a bug: one line, not a traceback
        import os

        if os.environ.get("RLIB_V0_TRACEBACK"):
            raise
        msg = " ".join(str(e).split())
        print(f"rlib-v0: internal error: {type(e).__name__}: {msg} (set RLIB_V0_TRACEBACK=1 for details)", file=sys.stderr)
        return 70
