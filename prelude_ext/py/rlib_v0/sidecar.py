"""A crate's identity beside its `.rmeta`, for pipelined builds.

Pipelining compiles a crate's dependents against its `.rmeta` while the
crate's own codegen is still running (cargo always does; Buck2's prelude
too), so a dependent's marker cannot be filled from the dependency's rlib:
it may not exist yet, and the `.rmeta` is rustc's unstable format, which we
never read.  Everything the dependent records of a dependency — its crate
name and `crate_id` (name + `-C metadata` + target) — is known *before*
the dependency's rustc starts, so `rlib-v0 rustc` writes it next to the
`.rmeta` first (atomically), and then runs rustc.  The dependency's rlib
marker later carries the same `crate_id`, which keeps `rlib-v0 link`'s
missing-dependency check exact.

`libfoo-HASH.rmeta` -> `libfoo-HASH.v0-identity.json`.  A metadata-only
rlib (`-Zno-codegen`, the metadata action of a pipelined Buck2 build) has no
marker either and gets the same sidecar: `meta/libfoo.rlib` ->
`meta/libfoo.v0-identity.json`.  The Buck2 rules write that one themselves
at analysis time when the metadata action runs rustc directly; it has no
`crate_id` then (Starlark has no sha256), and readers derive it from the
name, metadata and target, as `rlib-v0 rustc` does.
"""

from __future__ import annotations

import os

from .errors import UserError
from .identity import Dep, Identity, read_marker

SUFFIX = ".v0-identity.json"
KIND = "rlib-v0-identity"
SCHEMA = 1


def path_for(rmeta: str) -> str:
    stem, dot, ext = rmeta.rpartition(".")
    return (stem if dot and ext in ("rmeta", "rlib") and "/" not in ext else rmeta) + SUFFIX


def is_metadata_rlib(rlib: str) -> bool:
    """An rlib without a marker that has a sidecar: a `-Zno-codegen`
    metadata rlib of a pipelined build (no code; never linked)."""
    return os.path.isfile(path_for(rlib))


def write(rmeta: str, ident: Identity) -> str:
    """Write the sidecar of `rmeta` (before rustc writes `rmeta` itself)."""
    path = path_for(rmeta)
    # json.dumps of a flat object of strings, without importing `json` (and
    # `re`) before rustc starts: CPython's C string encoder does the quoting.
    from _json import encode_basestring_ascii as q

    fields = {"crate": ident.crate, "crate_id": ident.crate_id, "kind": KIND, "metadata": ident.metadata, "panic": ident.panic, "schema": SCHEMA, "target": ident.target}
    body = ("{" + ", ".join(f"{q(k)}: {v if isinstance(v, int) else q(v)}" for k, v in fields.items()) + "}\n").encode()
    from .outputs import replace_file

    replace_file(path, body, what="the crate's v0 identity")
    return path


def dep_identity(name: str, path: str) -> Dep:
    """The identity of `--extern name=path`: an rlib's marker, or the sidecar
    of an rmeta or of a metadata-only rlib."""
    if path.endswith(".rmeta"):
        side = path_for(path)
        if not os.path.isfile(side):
            rlib = path[: -len(".rmeta")] + ".rlib"
            if os.path.isfile(rlib):
                return dep_identity(name, rlib)
            raise UserError(f"--extern {name}={path}: no v0 identity beside it ({os.path.basename(side)} missing); build crate {name} with `rlib-v0 rustc`")
        return _read(name, side)
    ident, _ = read_marker(path)
    if ident is not None:
        return Dep(name, ident.crate, ident.crate_id)
    if is_metadata_rlib(path):
        return _read(name, path_for(path))
    raise UserError(f"--extern {name}={path}: not a v0 rlib (no _rlib_v00 marker); build it with `rlib-v0 rustc`")


def _read(name: str, side: str) -> Dep:
    try:
        with open(side, "rb") as f:
            raw = f.read()
    except OSError as e:
        raise UserError(f"{side}: cannot read ({e.strerror})") from None
    import json

    try:
        d = json.loads(raw)
        if not isinstance(d, dict) or d.get("kind") != KIND:
            raise ValueError("not an rlib-v0 identity file")
        if not isinstance(d.get("schema"), int) or d["schema"] > SCHEMA:
            raise UserError(f"{side}: written by a newer rlib-v0 (identity schema {d.get('schema')}); use that version")
        crate = d["crate"]
        if "crate_id" in d:
            cid = d["crate_id"]
        else:
            # Written by the Buck2 rules at analysis time (no sha256 in
            # Starlark): derived here exactly as `rlib-v0 rustc` derives it.
            from .identity import crate_id

            if not all(isinstance(d.get(k), str) for k in ("metadata", "target")):
                raise ValueError("metadata and target must be strings")
            cid = crate_id(crate, d["metadata"], d["target"])
        if not isinstance(crate, str) or not isinstance(cid, str):
            raise ValueError("crate and crate_id must be strings")
    except UserError:
        raise
    except (ValueError, KeyError, TypeError) as e:
        raise UserError(f"{side}: unreadable v0 identity ({e})") from None
    return Dep(name, crate, cid)
