"""The `rlib-v0` command line for people: typer.

The human verbs (`demo`, `install-launchers`, `size`, `cmake-dir`) are typer
commands; every build verb (cli.BUILD_VERBS) appears here too, its options
and help rendered from its `verbs.Verb` declaration, so `rlib-v0 link --help`
and `rlib-v0 --help` show every verb. A build verb itself never runs through
typer: cli.main dispatches it before this module is imported, and only its
`--help` comes here. Errors stay one line (`rlib-v0: error: ...`, exit 2 for
a usage error), not click's boxed usage.
"""

from __future__ import annotations

import inspect
from typing import Annotated, Optional

import typer

try:  # typer >= 0.22 carries its own copy of click
    from typer._click.exceptions import NoArgsIsHelpError, UsageError
except ImportError:
    from click.exceptions import NoArgsIsHelpError, UsageError

from ..errors import UserError, run_reporting
from . import BUILD_VERBS, build_verb
from .verbs import FLAG, MANY, REST_FILES, REST_NONE, Verb

DESCRIPTION = "Version-0 rlibs, standard-library bundles and a deduplicating linker wrapper, on stable rustc."

app = typer.Typer(name="rlib-v0", help=DESCRIPTION, no_args_is_help=True, pretty_exceptions_enable=False, context_settings={"help_option_names": ["--help", "-h"]})


def _version(value: bool) -> None:
    if value:
        from .version import version_text

        print(version_text())
        raise typer.Exit(0)


@app.callback()
def _top(version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="Print rlib-v0's version and the rustc it would use, then exit.")] = False) -> None:
    pass


@app.command("install-launchers")
def install_launchers(
    dir: Annotated[str, typer.Argument(metavar="DIR", help="Where to write them (e.g. ~/.local/bin).")],
    python: Annotated[Optional[str], typer.Option("--python", metavar="PATH", help="The interpreter they start (CPython >= 3.11; default: this one). A distribution's optimized build starts and runs faster than a default pyenv build.", show_default=False)] = None,
) -> None:
    """Write rlib-v0-rustc-wrapper and rlib-v0-link into DIR: lean start-up (python -S) for build systems."""
    from .launchers import install

    for path in install(dir, python):
        print(path)


@app.command("size")
def size(
    binaries: Annotated[Optional[list[str]], typer.Argument(metavar="BINARY...", help="Executables or shared objects (ELF).", show_default=False)] = None,
    compare: Annotated[Optional[tuple[str, str]], typer.Option("--compare", metavar="A B", help="Two builds side by side, largest change first.", show_default=False)] = None,
    json: Annotated[bool, typer.Option("--json", help="Machine-readable report (every owner, every loaded section).")] = False,
    plot: Annotated[Optional[str], typer.Option("--plot", metavar="FILE", help="Also draw a bar chart of the largest owners (.png or .svg; needs matplotlib).")] = None,
    top: Annotated[int, typer.Option("--top", help="Rows in the table.")] = 20,
) -> int:
    """What each crate, std and C/C++ cost in a linked binary (per section); crates present twice."""
    from ..audit.size_report import run

    return run(binaries or [], list(compare) if compare else None, json, plot, top)


@app.command("cmake-dir")
def cmake_dir() -> None:
    """Print the directory of the CMake module: cmake -DRlibV0_DIR=$(rlib-v0 cmake-dir), then find_package(RlibV0)."""
    from ..cmake.configure import module_dir

    print(module_dir())


@app.command("demo")
def demo(keep: Annotated[Optional[str], typer.Option("--keep", metavar="DIR", help="Build in this directory and keep it.")] = None) -> int:
    """Build the spec's diamond the staticlib way and the v0 way; show both outcomes."""
    from .demo import run

    return run(keep)


def _help_command(verb: Verb) -> None:
    """A typer command whose options and help are `verb`'s declaration. Only
    its `--help` is ever reached (cli.main runs the verb itself)."""
    params = []
    for o in verb.options:
        if o.kind == FLAG:
            ann = Annotated[bool, typer.Option(*o.names, help=o.help)]
            default: object = False
        else:
            ann = Annotated[Optional[list[str]] if o.kind == MANY else Optional[str], typer.Option(*o.names, metavar=o.metavar, help=o.help + (" (required)" if o.required else ""), show_default=False)]
            default = None
        params.append(inspect.Parameter(o.dest.replace("-", "_"), inspect.Parameter.KEYWORD_ONLY, default=default, annotation=ann))
    if verb.rest != REST_NONE:
        operands = Annotated[Optional[list[str]], typer.Argument(metavar=verb.rest_name, help=verb.rest_help, show_default=False)]
        params.append(inspect.Parameter("operands", inspect.Parameter.KEYWORD_ONLY, default=None, annotation=operands))

    def command(**_: object) -> int:
        raise UserError(f"{verb.name}: run it as `rlib-v0 {verb.name} ...` (this is its help)")

    command.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    command.__doc__ = f"{verb.help}\n\n{verb.usage}"
    app.command(verb.name, context_settings={"ignore_unknown_options": True})(command)


def run(argv: list[str]) -> int:
    """The human command line: typer, with one-line errors."""
    for name in BUILD_VERBS:
        _help_command(build_verb(name))
    command = typer.main.get_command(app)

    def go() -> int:
        try:
            result = command.main(argv, prog_name="rlib-v0", standalone_mode=False)
        except NoArgsIsHelpError as e:
            print(e.ctx.get_help())
            return 2
        except UsageError as e:
            where = f"`{e.ctx.command_path} --help`" if e.ctx is not None else "`rlib-v0 --help`"
            raise UserError(f"{' '.join(e.format_message().split())} (see {where})") from None
        except typer.Exit as e:
            return e.exit_code
        except typer.Abort:
            return 130
        return result if isinstance(result, int) else 0

    return run_reporting(go)
