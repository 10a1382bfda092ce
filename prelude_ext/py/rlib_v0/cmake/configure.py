"""`rlib-v0 cmake-import`: the configure-time half of the CMake module.

`rlib_v0_import_crates()` (cmake/RlibV0.cmake) runs this once per
configure. It asks `cargo metadata` for the crates to import and every
crate they link (normal dependencies for the target platform; proc macros
and build dependencies are never linked), and writes:

- `plan.json`, what the build-time half (`rlib-v0 cmake-build`, see
  cmake_build.py) needs: the cargo command, and where each crate's rlib is to
  appear under a stable name;
- `targets.cmake`, included by the module: one custom target running that
  build (every stable file is a BYPRODUCT, so Ninja re-checks what depends on
  them after cargo ran, and relinks only when a crate changed), one imported
  static library per linked crate (its dependencies and the std bundle as
  its INTERFACE_LINK_LIBRARIES), and for each imported crate an INTERFACE
  library named after its package, which is what users link, with
  cxx-build's include directories: `<target>/cxxbridge` (generated bridge
  headers, rust/cxx.h) and a directory holding each crate under its name.

cargo's rlibs are named with a hash (`libleft-1a2b3c.rlib`) known only once
built; the stable name (`lib/libleft-<hash of the package id>.a`) is a hard
link to it. Logic lives here, not in CMake script.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess

from ..errors import UserError
from ..cli.verbs import FLAG, MANY, REST_NONE, Opt, Verb
from ..fsutil import write_atomic

# Crate types cargo builds an rlib for.
LINKABLE = ("lib", "rlib")


def module_dir() -> str:
    """Where RlibV0Config.cmake is (`rlib-v0 cmake-dir`): RlibV0_DIR for find_package."""
    return os.path.dirname(os.path.abspath(__file__))


def _cmake_quote(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$").replace(";", "\\;") + '"'


def _short(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:10]


def metadata(cargo: str, manifest: str, target: str, locked: bool, env: dict[str, str]) -> dict:
    cmd = [cargo, "metadata", "--format-version", "1", "--manifest-path", manifest, "--filter-platform", target] + (["--locked"] if locked else [])
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)
    except FileNotFoundError:
        raise UserError(f"cargo not found: {cargo} (set RLIB_V0_CARGO, or put cargo on PATH)") from None
    if p.returncode != 0:
        last = [ln for ln in p.stderr.splitlines() if ln.strip()][-3:]
        raise UserError(f"`cargo metadata` failed for {manifest}: " + " / ".join(s.strip() for s in last))
    return json.loads(p.stdout)


def host_triple(rustc: str, env: dict[str, str]) -> str:
    try:
        p = subprocess.run([rustc, "-vV"], capture_output=True, text=True, env=env, timeout=120)
    except FileNotFoundError:
        raise UserError(f"rustc not found: {rustc} (set RLIB_V0_RUSTC, or put rustc on PATH)") from None
    for line in p.stdout.splitlines():
        if line.startswith("host: "):
            return line[6:].strip()
    raise UserError(f"{rustc} -vV names no host triple: {p.stderr.strip()[:200]}")


def _lib_target(pkg: dict) -> dict | None:
    return next((t for t in pkg["targets"] if set(t["kind"]) & {"lib", "rlib", "staticlib", "cdylib", "dylib", "proc-macro"}), None)


def plan_import(meta: dict, crates: list[str], state_dir: str) -> tuple[list[dict], list[str]]:
    """(every crate to link, in dependency order: dependents first;
    the imported package names). Each crate: package id, package and lib
    name, stable path, ids of the crates it links directly."""
    packages = {p["id"]: p for p in meta["packages"]}
    members = [packages[i] for i in meta["workspace_members"]]
    if crates:
        by_name = {}
        for p in meta["packages"]:
            by_name.setdefault(p["name"], []).append(p)
        roots = []
        for name in crates:
            found = [p for p in members if p["name"] == name] or by_name.get(name, [])
            if not found:
                raise UserError(f"CRATES names {name}, which is not a package of {meta['workspace_root']} or its dependencies")
            if len(found) > 1:
                raise UserError(f"CRATES names {name}, which is more than one package ({', '.join(p['version'] for p in found)}); import a workspace member instead")
            roots.append(found[0])
    else:
        roots = [p for p in members if _lib_target(p)]
        if not roots:
            raise UserError(f"no workspace member of {meta['workspace_root']} has a library target to import")
    for p in roots:
        t = _lib_target(p)
        if t is None or not set(t["crate_types"]) & set(LINKABLE):
            what = "no library target" if t is None else f"crate-type {t['crate_types']}"
            raise UserError(f"package {p['name']} has {what}: rlib-v0 links rlibs; add \"rlib\" to its [lib] crate-type")
    nodes = {n["id"]: n for n in meta["resolve"]["nodes"]}
    order: list[str] = []
    deps_of: dict[str, list[str]] = {}

    def visit(pid: str) -> None:
        if pid in deps_of:
            return
        deps_of[pid] = []
        for d in nodes[pid]["deps"]:
            if not any(k["kind"] is None for k in d["dep_kinds"]):
                continue  # build and dev dependencies are not linked
            t = _lib_target(packages[d["pkg"]])
            if t is None or "proc-macro" in t["kind"]:
                continue  # proc macros run in the compiler, never linked
            deps_of[pid].append(d["pkg"])
            visit(d["pkg"])
        order.append(pid)

    for p in roots:
        visit(p["id"])
    out = []
    for pid in reversed(order):  # dependents first
        p = packages[pid]
        lib = _lib_target(p)["name"].replace("-", "_")
        out.append({
            "id": pid,
            "package": p["name"],
            "lib": lib,
            "stable": os.path.join(state_dir, "lib", f"lib{lib}-{_short(pid)}.a"),
            "deps": deps_of[pid],
        })
    return out, [p["name"] for p in roots]


def run(manifest: str, state_dir: str, cargo: str, rustc: str, profile: str, target: str | None, crates: list[str], features: list[str], no_default_features: bool, locked: bool, compilers: list[str]) -> int:
    manifest = os.path.abspath(manifest)
    if not os.path.isfile(manifest):
        raise UserError(f"MANIFEST_PATH {manifest}: no such file")
    env = dict(os.environ, RUSTC=rustc)
    triple = target or host_triple(rustc, env)
    meta = metadata(cargo, manifest, triple, locked, env)
    state_dir = os.path.abspath(state_dir)
    os.makedirs(os.path.join(state_dir, "lib"), exist_ok=True)
    linked, roots = plan_import(meta, crates, state_dir)
    target_dir = os.path.join(state_dir, "target")
    cxxbridge = os.path.join(target_dir, "cxxbridge")
    os.makedirs(cxxbridge, exist_ok=True)  # CMake wants include directories to exist
    crate_dir = _crate_headers(meta, linked, state_dir)
    bundle = os.path.join(state_dir, "std", "libstd_bundle.a")
    cargo_cmd = [cargo, "build", "--lib", "--message-format=json-render-diagnostics", "--manifest-path", manifest, "--profile", profile]
    cargo_cmd += [x for r in roots for x in ("-p", r)]
    cargo_cmd += (["--target", target] if target else []) + (["--no-default-features"] if no_default_features else []) + (["--features", ",".join(features)] if features else []) + (["--locked"] if locked else [])
    # The C/C++ compilers CMake uses, for build scripts (cc crate conventions).
    tenv = {}
    key = triple.replace("-", "_")
    for name, path in zip(("CC", "CXX", "AR"), compilers):
        if path:
            tenv[f"{name}_{key}"] = path
    plan = {
        "manifest": manifest,
        "cargo": cargo_cmd,
        "env": dict(tenv, RUSTC=rustc, CARGO_TARGET_DIR=target_dir),
        "rustc": rustc,
        "target": triple,
        "bundle": bundle,
        "wrapper": os.path.join(state_dir, "bin", "rlib-v0-rustc-wrapper"),
        "crates": linked,
    }
    from ..cli.launchers import install

    os.makedirs(os.path.join(state_dir, "bin"), exist_ok=True)
    install(os.path.join(state_dir, "bin"))
    plan_path = os.path.join(state_dir, "plan.json")
    write_atomic(plan_path, json.dumps(plan, indent=1).encode())
    ident = _short(manifest + triple + profile)
    write_atomic(os.path.join(state_dir, "targets.cmake"), _targets_cmake(ident, plan_path, linked, roots, bundle, [cxxbridge, crate_dir], meta).encode())
    return 0


def _crate_headers(meta: dict, linked: list[dict], state_dir: str) -> str:
    """A directory where each linked crate's sources are found under its
    package name, as cxx-build's `crate/` include directory has them: a
    generated bridge header includes the crate's own headers that way
    (`#include "left/include/weight.h"`)."""
    d = os.path.join(state_dir, "crate")
    os.makedirs(d, exist_ok=True)
    dirs = {p["id"]: os.path.dirname(p["manifest_path"]) for p in meta["packages"]}
    for c in linked:
        link, src = os.path.join(d, c["package"]), dirs[c["id"]]
        if os.path.islink(link) and os.readlink(link) == src:
            continue
        tmp = f"{link}.{os.getpid()}.tmp"
        os.symlink(src, tmp)
        os.replace(tmp, link)
    return d


def _targets_cmake(ident: str, plan_path: str, linked: list[dict], roots: list[str], bundle: str, includes: list[str], meta: dict) -> str:
    q = _cmake_quote
    names = {c["id"]: f"rlib_v0_{ident}_{c['lib']}_{_short(c['id'])[:6]}" for c in linked}
    build = f"rlib_v0_cargo_{ident}"
    lines = [
        f"# Written by `rlib-v0 cmake-import` for {meta['workspace_root']}; rewritten at every configure.",
        f"add_custom_target({build}",
        # _RLIB_V0_TOOL: python3 -S .../lean.py, set by RlibV0.cmake.
        f"  COMMAND ${{_RLIB_V0_TOOL}} cmake-build {q(plan_path)}",
        "  BYPRODUCTS " + " ".join(q(c["stable"]) for c in linked) + f" {q(bundle)}",
        f"  COMMENT {q('cargo build through rlib-v0 (' + ', '.join(roots) + ')')}",
        "  USES_TERMINAL VERBATIM)",
        f"add_library(rlib_v0_{ident}_std STATIC IMPORTED GLOBAL)",
        f"set_target_properties(rlib_v0_{ident}_std PROPERTIES IMPORTED_LOCATION {q(bundle)})",
    ]
    for c in linked:
        libs = [names[d] for d in c["deps"]] + [f"rlib_v0_{ident}_std"]
        lines.append(f"add_library({names[c['id']]} STATIC IMPORTED GLOBAL)")
        # Target names need no quoting; the list stays a list.
        lines.append(f"set_target_properties({names[c['id']]} PROPERTIES IMPORTED_LOCATION {q(c['stable'])} INTERFACE_LINK_LIBRARIES \"{';'.join(libs)}\")")
    by_name = {c["package"]: c for c in linked}
    for name in roots:
        c = by_name[name]
        lines += [
            f"if(TARGET {name})",
            f'  message(FATAL_ERROR "rlib_v0_import_crates: a target named {name} exists already (crate {name} of {meta["workspace_root"]})")',
            "endif()",
            f"add_library({name} INTERFACE)",
            f"target_link_libraries({name} INTERFACE {names[c['id']]})",
            f"target_include_directories({name} INTERFACE " + " ".join(q(i) for i in includes) + ")",
            f"set_target_properties({name} PROPERTIES RLIB_V0_CRATE {q(c['lib'])})",
            f"add_dependencies({name} {build})",
            f"add_library(rlib_v0::{name} ALIAS {name})",
        ]
    # Cargo.toml of every local package (workspace members, path dependencies), and Cargo.lock.
    manifests = sorted({p["manifest_path"] for p in meta["packages"] if p["source"] is None})
    lock = os.path.join(meta["workspace_root"], "Cargo.lock")
    lines.append("set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS " + " ".join(q(m) for m in manifests + ([lock] if os.path.isfile(lock) else [])) + ")")
    return "\n".join(lines) + "\n"


def main(opts: dict, operands: list[str]) -> int:
    return run(opts["manifest-path"], opts["state-dir"], opts.get("cargo", "cargo"), opts.get("rustc", "rustc"), opts.get("profile", "dev"), opts.get("target"), opts.get("crate", []), opts.get("feature", []), opts.get("no-default-features", False), opts.get("locked", False), [opts.get("cc", ""), opts.get("cxx", ""), opts.get("ar", "")])


CMAKE_IMPORT = Verb(
    "cmake-import",
    "(For RlibV0.cmake, at configure time) plan a cargo workspace's crates as CMake targets.",
    "rlib-v0 cmake-import --manifest-path M --state-dir D --cargo C --rustc R --profile P [--target T] [--crate N]... [--feature F]... [--no-default-features] [--locked] [--cc CC --cxx CXX --ar AR]",
    (
        Opt(("--manifest-path",), "the workspace's Cargo.toml", metavar="M", required=True),
        Opt(("--state-dir",), "where the plan, the targets file and the stable rlib names go", metavar="D", required=True),
        Opt(("--cargo",), "cargo to run (default: cargo)", metavar="C"),
        Opt(("--rustc",), "rustc to run (default: rustc)", metavar="R"),
        Opt(("--profile",), "cargo profile (default: dev)", metavar="P"),
        Opt(("--target",), "Rust target triple (default: rustc's host)", metavar="T"),
        Opt(("--crate",), "a package to import (default: every workspace member with a library)", MANY, "N"),
        Opt(("--feature",), "a feature to enable", MANY, "F"),
        Opt(("--no-default-features",), "cargo's --no-default-features", FLAG),
        Opt(("--locked",), "cargo's --locked", FLAG),
        Opt(("--cc",), "CMake's C compiler, for build scripts (CC_<target>)", metavar="CC"),
        Opt(("--cxx",), "CMake's C++ compiler (CXX_<target>)", metavar="CXX"),
        Opt(("--ar",), "CMake's archiver (AR_<target>)", metavar="AR"),
    ),
    REST_NONE,
    "",
    "",
    main,
)
