"""`rlib-v0 cmake-build PLAN`: the build-time half of the CMake module.

Runs the cargo build that `rlib-v0 cmake-import` planned (its plan.json),
with the lean rustc wrapper as RUSTC_WRAPPER, and reads cargo's JSON
messages to learn which rlib each package produced (cargo names them with a
hash: `deps/libleft-1a2b3c.rlib`). Each becomes, under the stable name that
CMake links, a hard link to cargo's file, replaced only when cargo wrote a
new one, so an unchanged crate keeps its time stamp and nothing relinks.
Then the std bundle is built for the rustc, target and panic strategy the
crates' markers name (once; again only if those change).

cargo does its own dependency tracking: this runs at every build, and a
no-op cargo build costs a fraction of a second.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

from ..errors import UserError
from ..cli.verbs import REST_FILES, Verb
from ..formats.marker import read_marker
from ..fsutil import write_atomic

EMPTY_ARCHIVE = b"!<arch>\n"


def _artifacts(stdout) -> dict[str, str]:  # noqa: ANN001 - a text stream
    """package id -> rlib path, from cargo's JSON messages."""
    out: dict[str, str] = {}
    for line in stdout:
        if not line.startswith("{"):
            continue
        try:
            msg = json.loads(line)
        except ValueError:
            continue
        if msg.get("reason") != "compiler-artifact" or not set(msg["target"]["kind"]) & {"lib", "rlib"}:
            continue
        for f in msg.get("filenames", ()):
            if f.endswith(".rlib"):
                out[msg["package_id"]] = f
    return out


def _link_stable(src: str, dst: str) -> None:
    """`dst` becomes `src` (a hard link; a copy on another file system),
    untouched when it is already that file."""
    try:
        if os.path.samefile(src, dst):
            return
    except FileNotFoundError:
        pass
    tmp = f"{dst}.{os.getpid()}.tmp"
    try:
        try:
            os.link(src, tmp)
        except OSError:
            shutil.copy2(src, tmp)  # keeps the time stamp: relinks follow cargo's
        os.replace(tmp, dst)
    finally:
        if os.path.lexists(tmp):
            os.unlink(tmp)


def _placeholder(dst: str) -> None:
    """A crate `cargo metadata` listed but this build did not need (features
    resolved differently): an empty archive, which links to nothing."""
    try:
        with open(dst, "rb") as f:
            if f.read() == EMPTY_ARCHIVE:
                return
    except FileNotFoundError:
        pass
    write_atomic(dst, EMPTY_ARCHIVE)


def run(plan_path: str) -> int:
    try:
        with open(plan_path) as f:
            plan = json.load(f)
    except FileNotFoundError:
        raise UserError(f"{plan_path}: no such file (re-run cmake)") from None
    except ValueError as e:
        raise UserError(f"{plan_path}: not a plan written by `rlib-v0 cmake-import` ({e}); re-run cmake") from None
    env = dict(os.environ, **plan["env"], RUSTC_WRAPPER=plan["wrapper"])
    env.pop("RUSTC_WORKSPACE_WRAPPER", None)
    try:
        proc = subprocess.Popen(plan["cargo"], stdout=subprocess.PIPE, text=True, env=env, cwd=os.path.dirname(plan["manifest"]))
    except FileNotFoundError:
        raise UserError(f"cargo not found: {plan['cargo'][0]}") from None
    with proc:
        built = _artifacts(proc.stdout)
    if proc.returncode != 0:
        raise UserError(f"cargo build failed for {plan['manifest']} (exit {proc.returncode})", exit_code=proc.returncode or 1)
    idents = {}
    for c in plan["crates"]:
        rlib = built.get(c["id"])
        if rlib is None:
            _placeholder(c["stable"])
            continue
        ident, _ = read_marker(rlib)
        if ident is None:
            raise UserError(f"{rlib} (package {c['package']}) has no _rlib_v00 marker: cargo built it without the rlib-v0 wrapper")
        idents[ident.crate_id] = (c, ident)
        _link_stable(rlib, c["stable"])
    for c, ident in idents.values():
        for d in ident.deps:
            if d.crate_id not in idents:
                raise UserError(f"crate {ident.crate} needs crate {d.crate}, which `cargo metadata` did not list when CMake was configured; re-run cmake")
    if idents:
        _bundle(plan, next(iter(idents.values()))[1])
    return 0


def _bundle(plan: dict, like) -> None:  # noqa: ANN001 - an Identity
    """The std bundle for the crates' rustc, target and panic strategy."""
    out = plan["bundle"]
    if os.path.isfile(out):
        have, _ = read_marker(out)
        if have is not None and have.compat_key == like.compat_key and not have.no_std and not have.with_test:
            return
    os.makedirs(os.path.dirname(out), exist_ok=True)
    from ..compile.std_bundle import run as build_bundle

    # From the manifest's directory, as cargo ran: a rustup proxy picks the
    # same toolchain (rust-toolchain.toml) for the bundle as for the crates.
    os.chdir(os.path.dirname(plan["manifest"]))

    print(f"rlib-v0: std bundle for {like.target}, panic={like.panic}, rustc {like.rustc_release}", file=sys.stderr)
    build_bundle(out, like.panic, like.target, False, [], plan["rustc"], False, None)


def main(opts: dict, operands: list[str]) -> int:
    if len(operands) != 1:
        raise UserError(f"give one plan file, not {len(operands)}; usage: {CMAKE_BUILD.usage}")
    return run(operands[0])


CMAKE_BUILD = Verb(
    "cmake-build",
    "(For RlibV0.cmake, at build time) run the planned cargo build; stable names for its rlibs; the std bundle.",
    "rlib-v0 cmake-build PLAN.json",
    (),
    REST_FILES,
    "PLAN",
    "plan.json written by cmake-import",
    main,
)
