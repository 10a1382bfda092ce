"""`rlib-v0 rustc` and `rlib-v0 rustc-wrapper`: their command lines (declared
once, cli.verbs) and cargo's wrapper logic.

Both run once per crate of a build, so they import only what they use.

`rustc-wrapper` is cargo's `RUSTC_WRAPPER` (also installed as the
`rlib-v0-rustc-wrapper` command, since cargo takes a program, not a command
line): cargo runs it as `WRAPPER RUSTC ARGS...`.  Library compiles that
produce an rlib become v0 rlibs; everything else — build scripts, proc
macros, binaries, tests, `--print` probes, `-vV`, check builds — is handed
to rustc unchanged (exec: nothing of ours stays in between).
"""

from __future__ import annotations

import os
import sys

from ..cli.verbs import REST_ARGS, REST_RAW, Opt, Verb
from ..errors import UserError


def parse_rustc_options(argv: list[str]) -> tuple[dict, list[str]]:
    """({"rustc": PATH, "link-args": FILE, "bundle-identity": FILE} as given, rustc's arguments)."""
    from ..cli.verbs import parse

    return parse(RUSTC, argv)


def main_rustc(opts: dict, args: list[str]) -> int:
    if not args:
        raise UserError(f"no rustc arguments; usage: {RUSTC.usage}")
    from .rustc import run

    return run(opts.get("rustc"), args, link_args=opts.get("link-args"), bundle_identity=opts.get("bundle-identity"))


def wants_v0(args: list[str]) -> bool:
    """Does this rustc command line (as cargo writes it) build an rlib?"""
    from . import rustc_args

    try:
        r = rustc_args.parse(args)
    except UserError:
        return False  # rustc will say what is wrong, in its own words
    if r.prints or r.test or r.source is None or r.source == "-":
        return False
    types = r.crate_types
    return bool(types) and ("lib" in types or "rlib" in types) and rustc_args.emits_link(r)


def main_wrapper(opts: dict, argv: list[str]) -> int:
    if not argv:
        raise UserError(f"no rustc given; usage: {RUSTC_WRAPPER.usage}")
    rustc, args = argv[0], argv[1:]
    if not wants_v0(args):
        if "OUT_DIR" in os.environ or "CARGO_MANIFEST_DIR" in os.environ:
            from .rustc_args import absolutize_cargo_dirs

            absolutize_cargo_dirs(os.environ)
        if any(a.startswith("@") for a in args):
            # Argument files may carry `--rlib-v0-env=` lines (build-script
            # output given to a proc macro or binary): expand, apply, drop.
            from . import rustc_args

            try:
                parsed = rustc_args.parse(args)
            except UserError:
                parsed = None
            if parsed is not None and parsed.env:
                cwd = os.getcwd()
                os.environ.update({k: rustc_args.env_value(v, cwd) for k, v in parsed.env})
                args = rustc_args.without_env_flags(parsed.args)
        try:
            os.execv(rustc, [rustc] + args) if os.sep in rustc else os.execvp(rustc, [rustc] + args)
        except OSError as e:
            raise UserError(f"{rustc}: cannot run ({e.strerror})") from None
    from .rustc import run

    return run(rustc, args, wrapper=True)


def wrapper_script() -> None:
    """The `rlib-v0-rustc-wrapper` console script."""
    from ..cli import run_build_verb
    from ..errors import exit_now

    exit_now(run_build_verb("rustc-wrapper", sys.argv[1:]))


RUSTC = Verb(
    "rustc",
    "Compile a crate to a v0 rlib (rustc + `_rlib_v00` identity marker + checks).",
    "rlib-v0 rustc [--rustc PATH] [--link-args FILE] [--bundle-identity FILE] -- RUSTC_ARGS...",
    (
        Opt(("--rustc",), "rustc to run (default: $RUSTC, else rustc on PATH)", metavar="PATH", nonempty=True),
        Opt(("--link-args",), "also write the response file a link without `rlib-v0 link` names after the rlib (and its guard object beside it), and beside it the `.shared` one a shared object's link adds (with the crate's hide object)", metavar="FILE", nonempty=True),
        Opt(("--bundle-identity",), "JSON {label, panic, target} of the std bundle the crate will be linked with: refuse a mismatch before compiling", metavar="FILE", nonempty=True),
    ),
    REST_ARGS,
    "RUSTC_ARGS",
    "rustc arguments, after `--`",
    main_rustc,
)

RUSTC_WRAPPER = Verb(
    "rustc-wrapper",
    "cargo's RUSTC_WRAPPER: library compiles become v0 rlibs, the rest goes to rustc unchanged.",
    "rlib-v0 rustc-wrapper RUSTC RUSTC_ARGS...   (cargo: RUSTC_WRAPPER=rlib-v0-rustc-wrapper)",
    (),
    REST_RAW,
    "RUSTC_ARGS",
    "the rustc to run and its arguments, as cargo passes them",
    main_wrapper,
)
