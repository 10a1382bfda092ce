"""Argument handling of `rlib-v0 link` without typer (start-up cost matters).

The options are few and fixed: `--debug`, `--verify-content`,
`--whole-archive CRATE` (repeatable), `--reproduce DIR`, `--plan-graph FILE`,
`--export-rust`, then `--` and the linker command.
"""

from __future__ import annotations

import sys

from .errors import UserError

USAGE = "usage: rlib-v0 link [--debug] [--verify-content] [--whole-archive CRATE]... [--reproduce DIR] [--plan-graph FILE.dot|svg] [--export-rust] -- LINKER_COMMAND..."


class LinkOptions:
    __slots__ = ("debug", "verify_content", "whole_archive", "reproduce", "plan_graph", "export_rust")

    def __init__(self) -> None:
        self.debug = False  # --debug
        self.verify_content = False  # --verify-content: every archive read whole and checked against its marker
        self.whole_archive: list[str] = []  # --whole-archive CRATE, in order
        self.reproduce: str | None = None  # --reproduce DIR
        self.plan_graph: str | None = None  # --plan-graph FILE
        self.export_rust = False  # --export-rust: a shared object keeps exporting its Rust symbols (no hiding)


_VALUED = {"--reproduce": "reproduce", "--plan-graph": "plan_graph"}


def parse_link_options(argv: list[str]) -> tuple[LinkOptions, list[str]]:
    o = LinkOptions()
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--":
            return o, argv[i + 1 :]
        name, eq, value = a.partition("=")
        if a == "--debug":
            o.debug = True
        elif a == "--verify-content":
            o.verify_content = True
        elif a == "--export-rust":
            o.export_rust = True
        elif name == "--whole-archive" or name in _VALUED:
            if not eq:
                if i + 1 >= len(argv):
                    raise UserError(f"{a} needs a value; {USAGE}")
                i += 1
                value = argv[i]
            if name == "--whole-archive":
                o.whole_archive.append(value)
            else:
                setattr(o, _VALUED[name], value)
        else:
            raise UserError(f"unknown option {a!r}; {USAGE}")
        i += 1
    raise UserError(f"missing `--` before the linker command; {USAGE}")


def main_link(argv: list[str]) -> int:
    try:
        o, linker = parse_link_options(argv)
        from .cmd_link import run

        return run(linker, o.debug, o.whole_archive, o.reproduce, o.plan_graph, o.verify_content, o.export_rust)
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
