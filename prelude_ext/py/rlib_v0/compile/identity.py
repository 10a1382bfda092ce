"""The crate's identity (the marker `rlib-v0 rustc` stamps), computed once.

The compile path's mirror of the link's `Plan`: `crate_identity` is a pure
function of what the compile knows — the parsed command line, the target,
rustc's facts (`rustc -vV`), the dependencies' identities and the native
static libraries (gathered from the file system before rustc starts:
`dep_identities`, `static_libs`), and the archive rustc produced (its
symbol index says which allocator and panic handler the crate defines; its
members make the content record, `stamp.write_v0`).  Before rustc runs only the crate's name,
metadata, target and panic strategy are needed (the `.rmeta` sidecar, the
check against the bundle): they come straight from the command line.
"""

from __future__ import annotations

import os

from ..errors import UserError
from ..formats.marker import KIND_RLIB, Dep, Identity, StaticLib, crate_id, incompatibilities
from ..rustc_symbols import allocator_symbols, is_allocator_symbol, panic_handler_symbols, rustc_items
from . import rustc_args

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations only
    from ..toolchain import RustcInfo


def crate_identity(r: rustc_args.RustcArgs, target: str, rustc: RustcInfo, deps: list[Dep], static: list[StaticLib], index: list[tuple[str, int]]) -> Identity:
    """The marker of crate `r` built for `target` by `rustc`, `index` being
    the produced archive's symbol index; without the record of its members
    (the content fields), which `stamp.write_v0` fills in as it writes."""
    index = rustc_items(index)
    panic_handler = panic_handler_symbols(index)
    return Identity(
        kind=KIND_RLIB,
        crate=r.crate_name,
        metadata=r.metadata,
        crate_id=crate_id(r.crate_name, r.metadata, target),
        rustc_version=rustc.version_text,
        rustc_release=rustc.release,
        rustc_commit=rustc.commit,
        target=target,
        panic=r.panic,
        codegen=r.identity_codegen(),
        deps=deps,
        native_libs=dylib_args(r),
        static_libs=static,
        defines_allocator=any(is_allocator_symbol(s) for s, _ in index),
        # Named with `-u` by `rlib-v0 link`, so the crate's allocator or
        # panic handler is linked whatever the input order.
        allocator_symbols=allocator_symbols(index),
        defines_panic_handler=bool(panic_handler),
        panic_handler_symbols=panic_handler,
    )


def dep_identities(r: rustc_args.RustcArgs) -> list[Dep]:
    """The linkable `--extern` dependencies, from their markers or sidecars."""
    from ..formats.sidecar import dep_identity

    deps: list[Dep] = []
    for ext in r.externs:
        if ext.path is None:
            continue  # a sysroot crate (`--extern proc_macro`): part of the bundle
        if ext.path.endswith((".so", ".dylib", ".dll")):
            continue  # a proc-macro: runs in the compiler, never linked
        deps.append(dep_identity(ext.name, ext.path))
    return deps


def static_libs(r: rustc_args.RustcArgs) -> list[StaticLib]:
    """The crate's `-l static=` libraries, found the way rustc finds them."""
    dirs = [d for kind, d in r.search if kind in ("native", "all")]
    out: list[StaticLib] = []
    for lib in r.libs:
        if lib.kind != "static":
            continue
        verbatim = bool(lib.modifier("verbatim"))
        rec = StaticLib(lib.name, None, bool(lib.modifier("whole-archive")), verbatim)
        found = next((os.path.join(d, rec.file_name) for d in dirs if os.path.isfile(os.path.join(d, rec.file_name))), None)
        if found is None and lib.bundles:
            # rustc itself refuses a bundled library it cannot find.
            where = ", ".join(dirs) or "no -L native= directory given"
            raise UserError(f"crate {r.crate_name}: could not find native static library `{lib.name}` ({rec.file_name}) in {where}")
        out.append(StaticLib(rec.name, found, rec.whole_archive, verbatim))
    return out


def dylib_args(r: rustc_args.RustcArgs) -> list[str]:
    """Linker arguments for the crate's other `-l` libraries (dylibs, frameworks)."""
    libs = [arg for lib, arg in zip(r.libs, r.native_libs) if lib.kind != "static"]
    if not libs:
        return []
    dirs = [f"-L{d}" for kind, d in r.search if kind in ("native", "all")]
    return list(dict.fromkeys(dirs)) + libs


def check_against_bundle(r: rustc_args.RustcArgs, target: str, path: str) -> None:
    """What `rlib-v0 link` would refuse later (the compatibility rule,
    `marker.incompatibilities`), refused now: a panic strategy or target
    other than the bundle's, as the build system declares it in `path`
    (which names no rustc: the link checks that)."""
    from ..formats.marker import json_loads  # not `json` (~5 ms before rustc starts)

    try:
        with open(path, "rb") as f:
            b = json_loads(f.read())
        label, panic, bundle_target, fix = b.get("label") or path, b["panic"], b["target"], b.get("fix")
        if type(panic) is not str or type(bundle_target) is not str:
            raise TypeError
    except OSError as e:
        raise UserError(f"--bundle-identity {path}: cannot read ({e.strerror})") from None
    except (ValueError, KeyError, TypeError, AttributeError):
        raise UserError(f"--bundle-identity {path}: not a bundle identity (JSON with `panic` and `target`)") from None
    differ = incompatibilities((None, target, r.panic), (None, bundle_target, panic))
    if "panic" in differ:
        how = fix if isinstance(fix, str) and fix else f"build the crate with the configuration's panic strategy (no -C panic of its own) or link it with a --panic {r.panic} bundle"
        raise UserError(f"crate {r.crate_name} is built with -C panic={r.panic}, but the std bundle {label} with panic={panic}; {how}")
    if "target" in differ:
        raise UserError(f"crate {r.crate_name} is built for {target}, but the std bundle {label} for {bundle_target}")
