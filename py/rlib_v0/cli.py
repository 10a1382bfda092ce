"""The `rlib-v0` command line (typer).  One module per verb does the work;
this file only maps options to calls and turns errors into one line."""

from __future__ import annotations

import functools
import json
import os
import sys
from typing import Callable, List, Optional

import typer

from .errors import UserError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Version-0 rlibs, standard-library bundles and a deduplicating linker wrapper, on stable rustc.",
)
_PASSTHROUGH = {"allow_extra_args": True, "ignore_unknown_options": True}


def version_text() -> str:
    """`rlib-v0 --version`: the tool, and the rustc it would use (if any)."""
    from . import __version__, toolchain

    lines = [f"rlib-v0 {__version__} ({os.path.dirname(os.path.abspath(__file__))}, python {sys.version.split()[0]})"]
    try:
        exe = toolchain.find_rustc(None)
        info = toolchain.rustc_info(exe)
        lines.append(f"rustc: {exe}: release {info.release or '?'}" + (f" (commit {info.commit[:12]}, host {info.host})" if info.commit else f" (host {info.host})"))
    except UserError as e:
        lines.append(f"rustc: none usable ({e})")
    return "\n".join(lines)


def _show_version(value: bool) -> None:
    if value:
        print(version_text())
        raise typer.Exit(0)


@app.callback()
def _main(
    version: bool = typer.Option(False, "--version", is_eager=True, callback=_show_version, help="print rlib-v0's version and the rustc it would use, then exit"),
) -> None:
    """Version-0 rlibs, standard-library bundles and a deduplicating linker wrapper, on stable rustc."""


def _user_errors(fn: Callable[..., int]) -> Callable[..., None]:
    """Bad input: one line on stderr and exit 2; a bug: one line, exit 70."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs) -> None:
        try:
            code = fn(*args, **kwargs)
        except UserError as e:
            print(f"rlib-v0: error: {e}", file=sys.stderr)
            raise typer.Exit(e.exit_code) from None
        except KeyboardInterrupt:
            raise typer.Exit(130) from None
        except (typer.Exit, SystemExit):
            raise
        except Exception as e:  # noqa: BLE001 - the user gets a line, not a traceback
            if os.environ.get("RLIB_V0_TRACEBACK"):
                raise
            print(f"rlib-v0: internal error: {type(e).__name__}: {e} (set RLIB_V0_TRACEBACK=1 for details)", file=sys.stderr)
            raise typer.Exit(70) from None
        raise typer.Exit(code or 0)

    return wrapper


@app.command(context_settings=_PASSTHROUGH)
@_user_errors
def rustc(
    args: List[str] = typer.Argument(None, help="rustc arguments, after `--`"),
    rustc_path: Optional[str] = typer.Option(None, "--rustc", help="rustc to run (default: $RUSTC, else rustc on PATH)"),
) -> int:
    """Compile a crate to a v0 rlib (rustc + `_rlib_v00` identity marker + checks)."""
    from .cmd_rustc import run

    if not args:
        raise UserError("no rustc arguments; usage: rlib-v0 rustc [--rustc PATH] -- RUSTC_ARGS...")
    return run(rustc_path, list(args))


@app.command("std-bundle", context_settings=_PASSTHROUGH)
@_user_errors
def std_bundle(
    output: str = typer.Option(..., "-o", "--output", help="the bundle archive to write"),
    panic: str = typer.Option("unwind", "--panic", help="unwind or abort"),
    target: Optional[str] = typer.Option(None, "--target", help="target triple (default: rustc's host)"),
    no_std: bool = typer.Option(False, "--no-std", help="core only, for #![no_std] crates (needs --panic abort)"),
    extra: List[str] = typer.Argument(None, help="extra rustc arguments, after `--`"),
    rustc_path: Optional[str] = typer.Option(None, "--rustc", help="rustc to run"),
) -> int:
    """Build the standard-library bundle for one configuration."""
    from .cmd_std_bundle import run

    return run(output, panic, target, no_std, list(extra or []), rustc_path)


@app.command()
@_user_errors
def verify(
    files: List[str] = typer.Argument(..., help="archives to check"),
    as_json: bool = typer.Option(False, "--json", help="machine-readable report"),
    target: Optional[str] = typer.Option(None, "--target", help="expected target (default: the marker's)"),
) -> int:
    """Check archives against the v0 rlib rules; exit 0 only if all pass."""
    from .verify import render, verify_file

    reports = [verify_file(f, target) for f in files]
    if as_json:
        print(json.dumps([r.to_dict() for r in reports], indent=2))
    else:
        print("\n".join(render(r) for r in reports))
    return 0 if all(r.ok for r in reports) else 1


@app.command(context_settings=_PASSTHROUGH)
def link(
    linker_command: List[str] = typer.Argument(None, help="the whole linker command, after `--`"),
    debug: bool = typer.Option(False, "--debug", help="print the plan; explain failures in crate terms (also RLIB_V0_LINK_DEBUG=1)"),
    whole_archive: List[str] = typer.Option([], "--whole-archive", help="link this crate with --whole-archive (static initializers)"),
    reproduce: Optional[str] = typer.Option(None, "--reproduce", help="write a self-contained reproducer directory"),
) -> None:
    """Deduplicate, order and check the Rust archives of a link, then run the linker."""
    # Normally dispatched in __main__ without typer; this is for --help.
    from .link_entry import main_link

    argv = ["--debug"] if debug else []
    for w in whole_archive:
        argv += ["--whole-archive", w]
    if reproduce:
        argv += ["--reproduce", reproduce]
    raise typer.Exit(main_link(argv + ["--"] + list(linker_command or [])))


@app.command()
@_user_errors
def demo(keep: Optional[str] = typer.Option(None, "--keep", help="build in this directory and keep it")) -> int:
    """Build the spec's diamond the staticlib way and the v0 way; show both outcomes."""
    from .demo import run

    return run(keep)
