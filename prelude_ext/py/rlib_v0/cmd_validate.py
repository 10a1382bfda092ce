"""`rlib-v0 validate`: one crate checked as `rlib-v0 link` would check it,
for a build system that links without the wrapper (Buck2's
`link_check = "validation"`) and runs this beside the link instead.

Checked here, per crate: its rlib is a whole v0 archive with a readable
marker (not a staticlib, not a metadata-only rlib); it was built by the
bundle's rustc, for its target, with its panic strategy; every crate its
marker depends on is one of the direct deps given, by identity. Each crate
of a program checked so, the program's crates agree with one bundle and
each other. The rest of what the wrapper checks holds by the build system's
construction (one copy of each crate, dependency order: Buck2's link graph)
or is left to the link itself: two `#[global_allocator]`s or
`#[panic_handler]`s fail it through the guard objects (`link_args`).

With `--result`, the outcome is written as a Buck2 validation result and the
command exits 0 either way (the build fails on the result, with the message);
without, it is an error line and exit 1, like any verb.
"""

from __future__ import annotations

import json

from .cmd_link import examine
from .errors import UserError
from .fsutil import write_atomic
from .identity import KIND_STD_BUNDLE
from .plan import RustInput, check_compatible


def check(rlib: str, bundle: str, deps: list[str]) -> str:
    """The crate's one-line description; UserError for what a link would refuse."""
    ident = examine(rlib, True)
    if ident.kind == KIND_STD_BUNDLE:
        raise UserError(f"{rlib} is a std bundle, not a crate's rlib")
    b = examine(bundle, False)
    if b is None or b.kind != KIND_STD_BUNDLE:
        raise UserError(f"{bundle} is not a std bundle (`rlib-v0 std-bundle`)")
    check_compatible([RustInput(0, rlib, ident)], RustInput(1, bundle, b))
    have = set()
    for d in deps:
        di = examine(d, True)
        have.add(di.crate_id)
    for d in ident.deps:
        if d.crate_id not in have:
            given = ", ".join(deps) or "none given"
            raise UserError(f"crate {ident.crate} ({rlib}) depends on crate {d.crate}, which is not among its deps ({given}); add its v0 rlib")
    return f"crate {ident.crate} ({rlib}): v0 rlib, built like {bundle}, {len(ident.deps)} deps present"


def run(rlib: str, bundle: str, deps: list[str], result: str | None) -> int:
    if result is None:
        print(check(rlib, bundle, deps))
        return 0
    try:
        status, message = "success", check(rlib, bundle, deps)
    except UserError as e:
        status, message = "failure", f"rlib-v0: error: {e}"
    body = {"version": 1, "data": {"status": status, "message": message}}
    write_atomic(result, (json.dumps(body, indent=1) + "\n").encode())
    return 0
