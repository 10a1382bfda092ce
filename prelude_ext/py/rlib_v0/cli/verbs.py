"""The verbs build systems run, declared once: options, help, entry point.

Each verb module declares its `Verb` (`link/options.py`, `compile/wrapper.py`,
`compile/buildscript.py`, ...); `parse` reads a command line against it, and
the typer app (cli/app.py) renders the same declaration as help. Standard
library only (it imports `errors` and `records`, nothing else): this runs
before every compile and link, under `python3 -S` (remote execution has no
site-packages).
"""

from __future__ import annotations

from ..errors import UserError
from ..records import Record

FLAG = "flag"  # no value: True when given
VALUE = "value"  # one value (the last one given wins, as argparse)
MANY = "many"  # repeatable: every value, in order

REST_AFTER_DASHES = "after --"  # everything after a mandatory `--` (link's linker command)
REST_ARGS = "args"  # from `--` or the first argument that is not an option on (rustc's arguments)
REST_RAW = "raw"  # the whole command line, no options of ours (cargo's RUSTC_WRAPPER)
REST_FILES = "files"  # one or more operands, anywhere among the options
REST_NONE = "none"  # options only


class Opt(Record):
    """One option of a verb."""

    __slots__ = ("names", "dest", "kind", "metavar", "help", "required", "nonempty")

    def __init__(self, names: tuple[str, ...], help: str, kind: str = VALUE, metavar: str = "", dest: str = "", required: bool = False, nonempty: bool = False) -> None:
        self.names = names  # spellings, long first: ("--output", "-o")
        self.dest = dest or names[0].lstrip("-")  # key in the parsed dict: "link-args"
        self.kind = kind  # FLAG, VALUE or MANY
        self.metavar = metavar or ("" if kind == FLAG else "VALUE")  # the value's name in help
        self.help = help  # one line for --help
        self.required = required  # a usage error when missing
        self.nonempty = nonempty  # an empty value is a usage error (paths)


class Verb(Record):
    """A verb: what `parse` needs to read its command line and `--help` shows."""

    __slots__ = ("name", "help", "usage", "options", "rest", "rest_name", "rest_help", "main")

    def __init__(self, name: str, help: str, usage: str, options: tuple[Opt, ...], rest: str, rest_name: str, rest_help: str, main) -> None:  # noqa: ANN001 - main(opts, rest) -> int
        self.name = name  # "link"
        self.help = help  # one sentence, the first line of --help
        self.usage = usage  # the synopsis, in every usage error: "rlib-v0 link [--debug] ... -- LINKER_COMMAND..."
        self.options = options  # Opt, in help order
        self.rest = rest  # REST_*: what the operands are and where they start
        self.rest_name = rest_name  # "LINKER_COMMAND"
        self.rest_help = rest_help  # its help line
        self.main = main  # main(opts: dict[dest, value], rest: list[str]) -> exit status


class HelpRequested(Exception):
    """`--help` (or `-h`) among a verb's options: show the help instead."""


def parse(verb: Verb, argv: list[str]) -> tuple[dict, list[str]]:
    """(options given, by `dest`; the operands) of `argv`, or a one-line
    UserError that ends with the verb's usage."""
    if verb.rest == REST_RAW:
        if argv[:1] in (["--help"], ["-h"]):
            raise HelpRequested
        return {}, argv
    by_name = {n: o for o in verb.options for n in o.names}
    opts: dict = {}
    files: list[str] = []
    rest: list[str] | None = None
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--":
            rest = argv[i + 1 :]
            break
        if a in ("--help", "-h"):
            raise HelpRequested
        name, eq, value = a.partition("=") if a.startswith("--") else (a, "", "")
        o = by_name.get(name)
        if o is None:
            if a.startswith("-") and a != "-":
                raise _usage(verb, f"unknown option {a!r}")
            if verb.rest == REST_FILES:
                files.append(a)
                i += 1
                continue
            if verb.rest == REST_AFTER_DASHES:
                raise _usage(verb, f"unexpected {a!r}: missing `--` before the {verb.rest_name.lower().replace('_', ' ')}")
            if verb.rest == REST_NONE:
                raise _usage(verb, f"unexpected argument {a!r}")
            rest = argv[i:]
            break
        if o.kind == FLAG:
            if eq:
                raise _usage(verb, f"{name} takes no value")
            opts[o.dest] = True
        else:
            if not eq:
                if i + 1 >= len(argv):
                    raise _usage(verb, f"{name} needs a value")
                i += 1
                value = argv[i]
            if o.nonempty and not value:
                raise _usage(verb, f"{name} needs a value")
            if o.kind == MANY:
                opts.setdefault(o.dest, []).append(value)
            else:
                opts[o.dest] = value
        i += 1
    if verb.rest == REST_AFTER_DASHES and rest is None:
        raise _usage(verb, f"missing `--` before the {verb.rest_name.lower().replace('_', ' ')}")
    for o in verb.options:
        if o.required and o.dest not in opts:
            raise _usage(verb, f"the option {o.names[0]} is required")
    if verb.rest == REST_NONE and rest:
        raise _usage(verb, f"unexpected argument {rest[0]!r}")
    if verb.rest == REST_FILES:
        files += rest or []
        if not files:
            raise _usage(verb, f"the {verb.rest_name.lower()} to work on are missing")
        return opts, files
    return opts, rest or []


def _usage(verb: Verb, message: str) -> UserError:
    return UserError(f"{message}; usage: {verb.usage}")


def plain_help(verb: Verb) -> str:
    """`VERB --help` without typer (`python3 -S`, as Buck2 runs the tool)."""
    rows = [(", ".join(o.names) + (f" {o.metavar}" if o.metavar else ""), o.help + (" (required)" if o.required else "") + (" (repeatable)" if o.kind == MANY else "")) for o in verb.options]
    if verb.rest != REST_NONE:
        rows.append((verb.rest_name, verb.rest_help))
    width = max(len(r[0]) for r in rows)
    return f"Usage: {verb.usage}\n\n{verb.help}\n\n" + "\n".join(f"  {a.ljust(width)}  {b}" for a, b in rows)
