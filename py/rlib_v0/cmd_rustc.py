"""`rlib-v0 rustc`: compile a crate to a v0 rlib (what `-C rlib-version=v0` would do).

rustc writes to a private temporary directory beside the output; we stamp the
marker, check the result as `verify` does and only then rename it into place,
so a failed compile or check leaves nothing behind.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile

from . import rustc_args, stamp, toolchain
from .errors import UserError
from .identity import KIND_RLIB, Dep, Identity, allocator_symbols, crate_id, panic_handler_symbols, read_marker


def dep_identities(r: rustc_args.RustcArgs) -> list[Dep]:
    deps: list[Dep] = []
    for ext in r.externs:
        if ext.path is None:
            continue  # a sysroot crate (`--extern proc_macro`): part of the bundle
        if ext.path.endswith((".so", ".dylib", ".dll")):
            continue  # a proc-macro: runs in the compiler, never linked
        ident, _ = read_marker(ext.path)
        if ident is None:
            raise UserError(f"--extern {ext.name}={ext.path}: not a v0 rlib (no _rlib_v00 marker); build it with `rlib-v0 rustc`")
        deps.append(Dep(ext.name, ident.crate, ident.crate_id))
    return deps


def _defines_allocator(index: list[tuple[str, int]]) -> bool:
    return any(s == "__rust_alloc" or (s.startswith("_R") and s.endswith("12___rust_alloc")) for s, _ in index)


def run(rustc: str | None, args: list[str]) -> int:
    r = rustc_args.parse(args)
    if r.crate_types and r.crate_types != ["rlib"] and r.crate_types != ["lib"]:
        raise UserError(f"rlib-v0 rustc builds rlibs only, not --crate-type={','.join(r.crate_types)}")
    if not r.crate_name:
        raise UserError("no crate given: pass the crate root file or --crate-name")
    exe = toolchain.find_rustc(rustc)
    info = toolchain.rustc_info(exe)
    deps = dep_identities(r)
    final = rustc_args.output_path(r)
    out_dir = os.path.dirname(os.path.abspath(final))
    if not os.path.isdir(out_dir):
        raise UserError(f"{final}: output directory {out_dir} does not exist")
    cwd = os.getcwd()
    tmp = tempfile.mkdtemp(prefix=".rlib-v0-rustc-", dir=out_dir)
    try:
        # Same basename as the final file: rustc derives member names from it.
        tmp_rlib = os.path.join(tmp, os.path.basename(final))
        cmd = [exe] + rustc_args.rewrite_for_temp(r, final, tmp_rlib, cwd)
        code = subprocess.run(cmd).returncode
        if code != 0:
            return code  # rustc's diagnostics already went to stderr
        if not os.path.exists(tmp_rlib):
            raise UserError(f"rustc produced no rlib for crate {r.crate_name} (is --emit missing link?)")
        members, index = stamp.load_members(tmp_rlib)
        target = r.target or info.host
        ident = Identity(
            kind=KIND_RLIB,
            crate=r.crate_name,
            metadata=r.metadata,
            crate_id=crate_id(r.crate_name, r.metadata, target),
            rustc_version=info.version_text,
            rustc_release=info.release,
            rustc_commit=info.commit,
            target=target,
            panic=r.panic,
            codegen=r.identity_codegen(),
            deps=deps,
            native_libs=r.native_libs,
            defines_allocator=_defines_allocator(index),
            allocator_symbols=allocator_symbols(index),
            defines_panic_handler=bool(panic_handler_symbols(index)),
            panic_handler_symbols=panic_handler_symbols(index),
        )
        stamped = stamp.build_v0(members, index, ident, final)
        checked = os.path.join(tmp, "checked.rlib")
        with open(checked, "wb") as f:
            f.write(stamped)
        from .verify import render, verify_file

        rep = verify_file(checked)
        if not rep.ok:
            print(render(rep).replace(checked, final), file=sys.stderr)
            raise UserError(f"{final}: crate {r.crate_name} does not satisfy the v0 rules")
        os.chmod(checked, 0o644)
        os.replace(checked, final)
        return 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
