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

from ..errors import UserError
from .marker import KIND_RLIB, Dep, Identity, read_marker

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


def write(rmeta: str, crate: str, metadata: str, target: str, panic: str) -> str:
    """Write the sidecar of `rmeta` (before rustc writes `rmeta` itself):
    crate `crate` with `-C metadata` `metadata`, for `target`, `panic`."""
    from .marker import crate_id

    path = path_for(rmeta)
    fields = {"crate": crate, "crate_id": crate_id(crate, metadata, target), "kind": KIND, "metadata": metadata, "panic": panic, "schema": SCHEMA, "target": target}
    # What json.dumps writes for this flat object, without importing `json`
    # before rustc starts: its import (it compiles `re` patterns) costs more
    # than the rest of the compile's start-up (docs/design.md); CPython's C
    # string encoder, what json.dumps runs, does the quoting.
    from _json import encode_basestring_ascii as q

    body = ("{" + ", ".join(f"{q(k)}: {v if isinstance(v, int) else q(v)}" for k, v in fields.items()) + "}\n").encode()
    from ..fsutil import write_atomic

    write_atomic(path, body, what="the crate's v0 identity")
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
        return _dep(name, side)
    ident, _ = read_marker(path)
    if ident is not None:
        wrong = disagreement(path, ident)
        if wrong:
            raise UserError(f"--extern {name}={path}: {wrong}")
        return Dep(name, ident.crate, ident.crate_id)
    if is_metadata_rlib(path):
        return _dep(name, path_for(path))
    raise UserError(f"--extern {name}={path}: not a v0 rlib (no _rlib_v00 marker); build it with `rlib-v0 rustc`")


def disagreement(rlib: str, ident: Identity) -> str | None:
    """A sentence if the sidecar beside the v0 rlib `rlib` names another
    crate than the rlib's marker `ident` (one of them was changed or
    replaced: neither is trusted); None if it agrees or there is none."""
    side = path_for(rlib)
    if ident.kind != KIND_RLIB or not os.path.isfile(side):
        return None
    d = _load(side)
    for k in ("crate", "metadata", "target", "crate_id", "panic"):
        if k in d and d[k] != getattr(ident, k):
            return f"its identity sidecar {side} disagrees with its _rlib_v00 marker ({k} {d[k]!r}, the marker's {getattr(ident, k)!r}): one of them changed after the compile; rebuild the crate"
    return None


def _dep(name: str, side: str) -> Dep:
    d = _load(side)
    return Dep(name, d["crate"], d["crate_id"])


# The fields of a sidecar, and whether each must be there (`crate_id` is
# left out by the Buck2 rules, `panic` by nothing but older writers).
_FIELDS = {"crate": True, "crate_id": False, "kind": True, "metadata": True, "panic": False, "schema": True, "target": True}


def _load(side: str) -> dict:
    """The sidecar's fields, checked, with `crate_id` derived where the
    writer left it out; a one-line UserError naming `side` otherwise.
    Strict, so a changed byte is refused rather than believed: every field
    known and of its type, the panic strategy one of two, and a written
    `crate_id` the one its name, metadata and target give."""
    try:
        with open(side, "rb") as f:
            raw = f.read()
    except OSError as e:
        raise UserError(f"{side}: cannot read ({e.strerror})") from None
    from .marker import crate_id, json_loads

    try:
        # Not `json.loads`: `json` imports `re` and compiles its patterns
        # (~5 ms), and a pipelined compile reads its dependencies' sidecars
        # before rustc starts.
        d = json_loads(raw)
        if not isinstance(d, dict) or d.get("kind") != KIND:
            raise ValueError("not an rlib-v0 identity file")
        schema = d.get("schema")
        if type(schema) is int and schema > SCHEMA:
            raise UserError(f"{side}: written by a newer rlib-v0 (identity schema {schema}); use that version")
        if type(schema) is not int or schema < 1:
            raise ValueError(f"unknown schema {schema!r}")
        unknown = sorted(k for k in d if k not in _FIELDS)
        if unknown:
            raise ValueError(f"unknown field {unknown[0]!r}")
        missing = [k for k, required in _FIELDS.items() if required and k not in d]
        if missing:
            raise ValueError(f"no {missing[0]!r}")
        if not all(type(d[k]) is str for k in ("crate", "metadata", "target", "crate_id", "panic") if k in d):
            raise ValueError("crate, crate_id, metadata, panic and target must be strings")
        if d.get("panic", "unwind") not in ("unwind", "abort"):
            raise ValueError(f"panic strategy {d['panic']!r}")
        # Written by the Buck2 rules at analysis time (no sha256 in
        # Starlark): derived here exactly as `rlib-v0 rustc` derives it.
        derived = crate_id(d["crate"], d["metadata"], d["target"])
        if d.setdefault("crate_id", derived) != derived:
            raise ValueError(f"crate_id {d['crate_id']!r} is not that of crate {d['crate']!r} with metadata {d['metadata']!r} for {d['target']!r}; changed after it was written?")
    except UserError:
        raise
    except (ValueError, KeyError, TypeError) as e:
        raise UserError(f"{side}: unreadable v0 identity ({e})") from None
    return d
