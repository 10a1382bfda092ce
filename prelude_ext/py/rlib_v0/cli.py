"""The `rlib-v0` command line (argparse, standard library only).  One module
per verb does the work; this file only maps options to calls and turns
errors into one line.  `link`, `rustc` and `rustc-wrapper` are dispatched
before this module is imported (see __main__): they run once per link or
crate of a build, and need no parser beyond their own few options.

No third-party dependency: a Buck2 or remote executor needs only Python.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from .errors import UserError, run_reporting

DESCRIPTION = "Version-0 rlibs, standard-library bundles and a deduplicating linker wrapper, on stable rustc."


class UsageError(Exception):
    """A command line argparse cannot take: one line, exit 2."""

    def __init__(self, message: str, prog: str) -> None:
        super().__init__(message)
        self.prog = prog


class _Formatter(argparse.RawDescriptionHelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None):  # noqa: ANN001 - argparse's signature
        return super().add_usage(usage, actions, groups, "Usage: " if prefix is None else prefix)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # noqa: ANN201 - argparse's signature
        raise UsageError(message, self.prog)


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


def _parser() -> _Parser:
    p = _Parser(prog="rlib-v0", description=DESCRIPTION, formatter_class=_Formatter)
    p.add_argument("--version", action="store_true", help="print rlib-v0's version and the rustc it would use, then exit")
    sub = p.add_subparsers(dest="verb", metavar="COMMAND", parser_class=_Parser)

    def verb(name: str, help_: str, usage: str | None = None) -> _Parser:
        return sub.add_parser(name, help=help_, description=help_, usage=usage, formatter_class=_Formatter)

    r = verb("rustc", "Compile a crate to a v0 rlib (rustc + `_rlib_v00` identity marker + checks).", "rlib-v0 rustc [--rustc PATH] [--link-args FILE] [--bundle-identity FILE] -- RUSTC_ARGS...")
    r.add_argument("--rustc", help="rustc to run (default: $RUSTC, else rustc on PATH)")
    r.add_argument("--link-args", metavar="FILE", help="also write the response file a link without `rlib-v0 link` names after the rlib (and its guard object beside it), and beside it the `.shared` one a shared object's link adds (with the crate's hide object)")
    r.add_argument("--bundle-identity", metavar="FILE", help="JSON {label, panic, target} of the std bundle the crate will be linked with: refuse a mismatch before compiling")
    r.add_argument("args", nargs=argparse.REMAINDER, help="rustc arguments, after `--`")
    w = verb("rustc-wrapper", "cargo's RUSTC_WRAPPER: library compiles become v0 rlibs, the rest goes to rustc unchanged.", "rlib-v0 rustc-wrapper RUSTC RUSTC_ARGS...   (cargo: RUSTC_WRAPPER=rlib-v0-rustc-wrapper)")
    w.add_argument("args", nargs=argparse.REMAINDER, help="the rustc to run and its arguments, as cargo passes them")

    b = verb("std-bundle", "Build the standard-library bundle for one configuration.", "rlib-v0 std-bundle -o OUT [--panic unwind|abort] [--target TRIPLE] [--no-std | --with-test] [--rustc PATH] [--link-args FILE] [--wrapper-guard FILE] [-- EXTRA_RUSTC_ARGS...]")
    b.add_argument("-o", "--output", required=True, help="the bundle archive to write")
    b.add_argument("--panic", default="unwind", help="unwind or abort")
    b.add_argument("--target", help="target triple (default: rustc's host)")
    b.add_argument("--no-std", action="store_true", help="core only, for #![no_std] crates (needs --panic abort)")
    b.add_argument("--with-test", action="store_true", help="std plus libtest, for test binaries (rustc --test); supersedes the plain bundle on a link")
    b.add_argument("--rustc", help="rustc to run (default: $RUSTC, else rustc on PATH); its sysroot must hold the target's std")
    b.add_argument("--link-args", metavar="FILE", help="also write the response file a link without `rlib-v0 link` names after the bundle (std's system libraries), and beside it the `.shared` one a shared object's link adds")
    b.add_argument("--wrapper-guard", metavar="FILE", help="also write an object (FILE ends in .rlib-v0-wrapper-guard.o) that fails a link naming it twice without `rlib-v0 link`, which drops it (Buck2's wrapper mode)")
    b.add_argument("extra", nargs=argparse.REMAINDER, help="extra rustc arguments, after `--`")

    v = verb("verify", "Check archives against the v0 rlib rules; exit 0 only if all pass.", "rlib-v0 verify [--json] [--target TRIPLE] FILE...")
    v.add_argument("files", nargs="+", metavar="files", help="archives to check")
    v.add_argument("--json", action="store_true", help="machine-readable report (and, on stderr, one `rlib-v0: error:` line per file that fails)")
    v.add_argument("--target", help="expected target (default: the marker's)")

    ln = verb("link", "Deduplicate, order and check the Rust archives of a link, then run the linker.", "rlib-v0 link [--debug] [--verify-content] [--whole-archive CRATE]... [--reproduce DIR] [--plan-graph FILE.dot|svg] [--export-rust] -- LINKER_COMMAND...")
    ln.add_argument("--debug", action="store_true", help="print the plan; explain failures in crate terms; implies --verify-content (also RLIB_V0_LINK_DEBUG=1)")
    ln.add_argument("--verify-content", action="store_true", help="read each Rust archive whole and check every member against its marker (by default only its size is)")
    ln.add_argument("--whole-archive", action="append", metavar="CRATE", help="link this crate with --whole-archive (static initializers)")
    ln.add_argument("--reproduce", metavar="DIR", help="write a self-contained reproducer directory")
    ln.add_argument("--plan-graph", metavar="FILE", help="draw the plan (.dot, or .svg through Graphviz), coloured by what a failed link blames")
    ln.add_argument("--export-rust", action="store_true", help="a shared object (or -rdynamic executable) keeps exporting its crates' and std's Rust symbols (by default they are hidden)")
    ln.add_argument("linker_command", nargs=argparse.REMAINDER, help="the whole linker command, after `--`")

    bs = verb("buildscript-run", "Run a crate's build script as cargo would; write its rustc flags and OUT_DIR.", "rlib-v0 buildscript-run --buildscript BIN --manifest-dir DIR --out-dir DIR --rustc-flags-out FILE --package NAME --version V [--feature F]... [--env K=V]... [--rustc PATH] [--target T] [--cc CMD] [--cxx CMD] [--ar CMD] [--cflags FLAGS] [--cxxflags FLAGS] [--metadata-out FILE] [--dep-metadata FILE]... [-- RUSTC_FLAGS...]")
    bs.add_argument("--buildscript", required=True, help="the compiled build script")
    bs.add_argument("--manifest-dir", required=True, help="the crate's directory (CARGO_MANIFEST_DIR)")
    bs.add_argument("--out-dir", required=True, help="OUT_DIR, created")
    bs.add_argument("--rustc-flags-out", required=True, help="the rustc argument file to write")
    bs.add_argument("--package", required=True, help="CARGO_PKG_NAME")
    bs.add_argument("--version", dest="pkg_version", required=True, help="CARGO_PKG_VERSION")
    bs.add_argument("--feature", action="append", default=[], help="an enabled feature (CARGO_FEATURE_*)")
    bs.add_argument("--env", action="append", default=[], help="NAME=VALUE for the build script")
    bs.add_argument("--rustc", help="rustc (RUSTC, and `--print cfg` for CARGO_CFG_*)")
    bs.add_argument("--target", help="target triple (default: rustc's host)")
    bs.add_argument("--metadata-out", help="write the DEP_<LINKS>_<KEY>=VALUE lines for dependents' build scripts here (empty without `links`)")
    bs.add_argument("--dep-metadata", action="append", default=[], help="a dependency's --metadata-out file: its DEP_* variables are set")
    from .buildscript import C_TOOLS

    for tool in C_TOOLS:
        bs.add_argument("--" + tool.lower(), metavar="FLAGS" if tool.endswith("FLAGS") else "CMD", help=f"the target's {tool} (set as {tool}_<target> and TARGET_{tool}, as the cc crate reads them)")
    bs.add_argument("rustc_flags", nargs=argparse.REMAINDER, help="the crate's rustc flags, after `--` (CARGO_CFG_*, OPT_LEVEL)")

    il = verb("install-launchers", "Write rlib-v0-rustc-wrapper and rlib-v0-link into DIR: lean start-up (python -S) for build systems.", "rlib-v0 install-launchers DIR")
    il.add_argument("dir", metavar="DIR", help="where to write them (e.g. ~/.local/bin)")

    sz = verb("size", "What each crate, std and C/C++ cost in a linked binary (per section); crates present twice.", "rlib-v0 size [--json] [--plot FILE.png|svg] [--top N] BINARY...  |  rlib-v0 size --compare A B [--json] [--plot FILE]")
    sz.add_argument("binaries", nargs="*", metavar="BINARY", help="executables or shared objects (ELF)")
    sz.add_argument("--compare", nargs=2, metavar=("A", "B"), help="two builds side by side, largest change first")
    sz.add_argument("--json", action="store_true", help="machine-readable report (every owner, every loaded section)")
    sz.add_argument("--plot", metavar="FILE", help="also draw a bar chart of the largest owners (.png or .svg; needs matplotlib)")
    sz.add_argument("--top", type=int, default=20, help="rows in the table (default 20)")

    verb("cmake-dir", "Print the directory of the CMake module: cmake -DRlibV0_DIR=$(rlib-v0 cmake-dir), then find_package(RlibV0).", "rlib-v0 cmake-dir")
    ci = verb("cmake-import", "(For RlibV0.cmake, at configure time) plan a cargo workspace's crates as CMake targets.", "rlib-v0 cmake-import --manifest-path M --state-dir D --cargo C --rustc R --profile P [--target T] [--crate N]... [--feature F]... [--no-default-features] [--locked] [--cc CC --cxx CXX --ar AR]")
    ci.add_argument("--manifest-path", required=True)
    ci.add_argument("--state-dir", required=True, help="where the plan, the targets file and the stable rlib names go")
    ci.add_argument("--cargo", default="cargo")
    ci.add_argument("--rustc", default="rustc")
    ci.add_argument("--profile", default="dev")
    ci.add_argument("--target", help="Rust target triple (default: rustc's host)")
    ci.add_argument("--crate", action="append", default=[], help="a package to import (default: every workspace member with a library)")
    ci.add_argument("--feature", action="append", default=[])
    ci.add_argument("--no-default-features", action="store_true")
    ci.add_argument("--locked", action="store_true")
    ci.add_argument("--cc", default="", help="CMake's C compiler, for build scripts (CC_<target>)")
    ci.add_argument("--cxx", default="", help="CMake's C++ compiler (CXX_<target>)")
    ci.add_argument("--ar", default="", help="CMake's archiver (AR_<target>)")
    cb = verb("cmake-build", "(For RlibV0.cmake, at build time) run the planned cargo build; stable names for its rlibs; the std bundle.", "rlib-v0 cmake-build PLAN.json")
    cb.add_argument("plan", metavar="PLAN", help="plan.json written by cmake-import")

    d = verb("demo", "Build the spec's diamond the staticlib way and the v0 way; show both outcomes.", "rlib-v0 demo [--keep DIR]")
    d.add_argument("--keep", metavar="DIR", help="build in this directory and keep it")
    return p


def _strip_dashes(args: list[str]) -> list[str]:
    return args[1:] if args[:1] == ["--"] else args


def run(argv: list[str]) -> int:
    """The whole command line; the exit status (errors are printed as one line)."""
    parser = _parser()
    if not argv:
        parser.print_help()
        return 2
    try:
        ns = parser.parse_args(argv)
    except UsageError as e:
        msg = " ".join(str(e).split())
        print(f"rlib-v0: error: {msg} (see `{e.prog} --help`)", file=sys.stderr)
        return 2
    if ns.version:
        print(version_text())
        return 0
    if ns.verb is None:
        parser.print_help()
        return 2
    return run_reporting(_dispatch, ns)


def _dispatch(ns: argparse.Namespace) -> int:
    # `rustc`, `rustc-wrapper` and `link` are normally dispatched in __main__
    # before this parser exists; here (only reached through `run()` itself)
    # they go to the same entry points.
    if ns.verb == "rustc":
        from .rustc_entry import main_rustc

        return main_rustc((["--rustc", ns.rustc] if ns.rustc else []) + (["--link-args", ns.link_args] if ns.link_args else []) + (["--bundle-identity", ns.bundle_identity] if ns.bundle_identity else []) + ["--"] + _strip_dashes(ns.args))
    if ns.verb == "rustc-wrapper":
        from .rustc_entry import main_wrapper

        return main_wrapper(_strip_dashes(ns.args))
    if ns.verb == "std-bundle":
        from .cmd_std_bundle import run as run_bundle

        return run_bundle(ns.output, ns.panic, ns.target, ns.no_std, _strip_dashes(ns.extra), ns.rustc, ns.with_test, ns.link_args, ns.wrapper_guard)
    if ns.verb == "verify":
        from .verify import render, verify_file

        reports = [verify_file(f, ns.target) for f in ns.files]
        if ns.json:
            print(json.dumps([r.to_dict() for r in reports], indent=2))
            # What a build log shows of an action that ran `verify --json`.
            for r in reports:
                if not r.ok:
                    print(f"rlib-v0: error: {r.path}: {r.problems[0]}", file=sys.stderr)
        else:
            print("\n".join(render(r) for r in reports))
        return 0 if all(r.ok for r in reports) else 1
    if ns.verb == "link":
        from .link_entry import main_link

        argv = (["--debug"] if ns.debug else []) + (["--verify-content"] if ns.verify_content else [])
        for w in ns.whole_archive or ():
            argv += ["--whole-archive", w]
        if ns.reproduce:
            argv += ["--reproduce", ns.reproduce]
        if ns.plan_graph:
            argv += ["--plan-graph", ns.plan_graph]
        if ns.export_rust:
            argv.append("--export-rust")
        return main_link(argv + ["--"] + _strip_dashes(ns.linker_command))
    if ns.verb == "buildscript-run":
        from .buildscript import C_TOOLS
        from .buildscript import run as run_buildscript

        c_tools = {tool: getattr(ns, tool.lower()) for tool in C_TOOLS if getattr(ns, tool.lower()) is not None}
        return run_buildscript(ns.buildscript, ns.manifest_dir, ns.out_dir, ns.rustc_flags_out, ns.package, ns.pkg_version, ns.feature, ns.env, ns.rustc, ns.target, _strip_dashes(ns.rustc_flags), c_tools, ns.metadata_out, tuple(ns.dep_metadata))
    if ns.verb == "install-launchers":
        from .launchers import install

        for path in install(ns.dir):
            print(path)
        return 0
    if ns.verb == "size":
        from .size_report import run as run_size

        return run_size(ns.binaries, ns.compare, ns.json, ns.plot, ns.top)
    if ns.verb == "cmake-dir":
        from .cmake_import import module_dir

        print(module_dir())
        return 0
    if ns.verb == "cmake-import":
        from .cmake_import import run as run_import

        return run_import(ns.manifest_path, ns.state_dir, ns.cargo, ns.rustc, ns.profile, ns.target, ns.crate, ns.feature, ns.no_default_features, ns.locked, [ns.cc, ns.cxx, ns.ar])
    if ns.verb == "cmake-build":
        from .cmake_build import run as run_cmake_build

        return run_cmake_build(ns.plan)
    if ns.verb == "demo":
        from .demo import run as run_demo

        return run_demo(ns.keep)
    raise UserError(f"unknown command {ns.verb}")
