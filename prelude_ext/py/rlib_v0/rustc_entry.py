"""`rlib-v0 rustc` and `rlib-v0 rustc-wrapper` without typer (start-up cost).

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

from .errors import UserError, run_reporting

USAGE = "usage: rlib-v0 rustc [--rustc PATH] [--link-args FILE] [--bundle-identity FILE] -- RUSTC_ARGS..."
WRAPPER_USAGE = "usage: rlib-v0 rustc-wrapper RUSTC RUSTC_ARGS... (cargo: RUSTC_WRAPPER=rlib-v0-rustc-wrapper)"


def parse_rustc_options(argv: list[str]) -> tuple[dict[str, str], list[str]]:
    """({"rustc": PATH, "link-args": FILE, "bundle-identity": FILE} as given, rustc's arguments)."""
    opts: dict[str, str] = {}
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--":
            return opts, argv[i + 1 :]
        name = a[2:].split("=", 1)[0] if a.startswith("--") else None
        if name in ("rustc", "link-args", "bundle-identity"):
            if "=" in a:
                opts[name] = a.split("=", 1)[1]
            elif i + 1 >= len(argv):
                raise UserError(f"--{name} needs a value; {USAGE}")
            else:
                opts[name] = argv[i + 1]
                i += 1
            if not opts[name]:
                raise UserError(f"--{name} needs a value; {USAGE}")
        elif a.startswith("-"):
            raise UserError(f"unknown option {a!r}; {USAGE}")
        else:
            # No `--`: the rest is rustc's (a crate root or rustc options after it).
            return opts, argv[i:]
        i += 1
    return opts, []


def main_rustc(argv: list[str]) -> int:
    def go() -> int:
        opts, args = parse_rustc_options(argv)
        if not args:
            raise UserError(f"no rustc arguments; {USAGE}")
        from .cmd_rustc import run

        return run(opts.get("rustc"), args, link_args=opts.get("link-args"), bundle_identity=opts.get("bundle-identity"))

    return run_reporting(go)


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


def main_wrapper(argv: list[str]) -> int:
    if not argv:
        print(f"rlib-v0: error: no rustc given; {WRAPPER_USAGE}", file=sys.stderr)
        return 2
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
            print(f"rlib-v0: error: {rustc}: cannot run ({e.strerror})", file=sys.stderr)
            return 2

    def go() -> int:
        from .cmd_rustc import run

        return run(rustc, args, wrapper=True)

    return run_reporting(go)


def wrapper_script() -> None:
    """The `rlib-v0-rustc-wrapper` console script."""
    from .errors import exit_now

    exit_now(main_wrapper(sys.argv[1:]))
