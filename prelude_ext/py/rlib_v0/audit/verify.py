"""`rlib-v0 verify`: check archives against the v0 rules (see `check`), and
linked shared objects against the export rule (`hide`: no Rust symbol exported).

Rules (pre-RFC "Version 0 rlib contents", plus what a link needs):
- an ar archive with a symbol index that lists every global definition;
- a `_rlib_v00` member;
- object members are ELF for the marker's target;
- global definitions belong to the crate: its own items and `#[no_mangle]`
  names; instances of upstream generics that rustc shares are allowed but
  reported; definitions of another crate's items are not (a staticlib);
- no bundled native objects (objects rustc did not generate);
- no allocator or panic-runtime definitions unless the crate declares them;
- the archive holds what its marker recorded when it was stamped (`content`:
  every member's name, size and crc32, their sha256; the marker object's
  own checksum), and an identity sidecar beside an rlib names the same
  crate as its marker.
Everything is judged by content (symbols, producers, the marker), never by
rustc's member names.
"""

from __future__ import annotations


from ..formats import archive, elf
from ..compile.check import check_members
from ..errors import UserError
from ..cli.verbs import FLAG, REST_FILES, Opt, Verb
from ..formats.marker import KIND_STD_BUNDLE, MARKER_MEMBER, MarkerChanged, read_marker
from ..records import Record


# Rust symbols a shared object's report lists by name (all of them in --json).
_SHOWN_EXPORTS = 40


class Report(Record):
    __slots__ = ("path", "ok", "crate", "kind", "problems", "foreign_crates", "own_definitions", "shared_generics", "allocator", "panic_handler", "content_ok", "changed_member", "exported", "rust_exports")

    def __init__(self, path: str, crate: str | None = None, kind: str | None = None) -> None:
        self.path = path  # the file checked
        self.ok = True  # every rule passed
        self.crate = crate  # crate name from the marker
        self.kind = kind  # marker kind
        self.problems: list[str] = []  # rule violations, one line each
        self.foreign_crates: list[str] = []  # crates whose items are defined inside (staticlib)
        self.own_definitions = 0  # global definitions of the crate's own items
        self.shared_generics: dict[str, int] = {}  # upstream crate -> instances defined here
        self.allocator = False  # defines the global allocator (declared by the crate)
        self.panic_handler = False  # defines the panic handler (declared by the crate)
        # The members are what the marker recorded when stamped (None: not
        # checked, the archive or its marker being unreadable).
        self.content_ok: bool | None = None
        self.changed_member: str | None = None  # the member that differs from the marker's record, where it says
        self.exported: int | None = None  # a linked ELF file (shared object): how many symbols it exports
        self.rust_exports: list[str] = []  # ... and the Rust ones among them

    def fail(self, msg: str) -> None:
        self.ok = False
        self.problems.append(msg)

    def to_dict(self) -> dict:
        return self.as_dict()


def verify_file(path: str, expect_target: str | None = None) -> Report:
    if _is_linked_elf(path):
        return verify_shared_object(path)
    rep = Report(path)
    try:
        ident, toc = read_marker(path)
        with archive.open_input(path) as f:
            members = [(m.name, toc.read(m, f)) for m in toc.members]
            index = {s.encode() for s, _ in toc.read_symbol_index(f)} if toc.has_symbol_index else None
    except UserError as e:
        cut = _cut_short(path)
        rep.fail(cut or str(e).removeprefix(f"{path}: "))
        if cut or isinstance(e, MarkerChanged):
            rep.content_ok = False
            rep.changed_member = MARKER_MEMBER if isinstance(e, MarkerChanged) else None
        return rep
    if ident is None:
        return report_members(path, ident, members, index, expect_target)
    # First whether the archive is still what was stamped: if not, that is
    # the finding (the rules would only judge bytes nobody stamped).
    stamped = _check_stamped(Report(path, crate=ident.crate, kind=ident.kind), ident, toc, members)
    if not stamped.ok:
        return stamped
    rep = report_members(path, ident, members, index, expect_target)
    rep.content_ok = True
    return rep


def _cut_short(path: str) -> str | None:
    """For an archive that does not read whole: the size its marker (read
    as `link` reads it) recorded, if the file is not that size."""
    import os

    from ..formats.content import rebuild_hint, size_problem

    try:
        ident, toc = read_marker(path, first_only=True)
        size = os.path.getsize(path)
    except (UserError, OSError):
        return None
    stamped = ident.stamped_size(toc.members[0]) if ident is not None else -1
    return f"{size_problem(stamped, size)}; {rebuild_hint(ident)}" if stamped >= 0 and stamped != size else None


def _check_stamped(rep: Report, ident, toc: archive.Archive, members: list[tuple[str, bytes]]) -> Report:
    """`rep`, failed unless the archive holds what its marker recorded and
    its sidecar (if any) agrees with the marker."""
    import os

    from ..formats.content import check, rebuild_hint
    from ..formats.sidecar import disagreement

    found = check(ident, toc, members, os.path.getsize(rep.path))
    rep.content_ok = found is None
    if found is not None:
        rep.changed_member = found[1]
        rep.fail(f"{found[0]}; {rebuild_hint(ident)}")
        return rep
    try:
        wrong = disagreement(rep.path, ident)
    except UserError as e:
        wrong = str(e)
    if wrong:
        rep.fail(wrong)
    return rep


def _is_linked_elf(path: str) -> bool:
    import os
    from stat import S_ISREG

    try:
        if not S_ISREG(os.stat(path).st_mode):
            return False  # never open a FIFO or device: the archive path reports it
        with open(path, "rb") as f:
            return elf.is_shared_object(f.read(64))
    except (OSError, ValueError):
        return False  # the archive path reports it


def verify_shared_object(path: str) -> Report:
    """A linked shared object (or PIE): it must export no Rust symbol, the
    rule `rlib-v0 link` applies to the links that export (docs/shared-libraries.md)."""
    from ..demangle import demangle
    from ..compile.hide import exported_rust_symbols

    rep = Report(path, kind="shared object")
    try:
        rep.exported, rep.rust_exports = exported_rust_symbols(path)
    except UserError as e:
        rep.fail(str(e).removeprefix(f"{path}: "))
        return rep
    if rep.rust_exports:
        first = rep.rust_exports[0]
        rep.fail(f"exports {len(rep.rust_exports)} Rust symbols, e.g. {first} ({demangle(first)}); link it with `rlib-v0 link`, which hides them")
    return rep


def report_members(path: str, ident, members: list[tuple[str, bytes]], index: set[bytes] | None, expect_target: str | None = None) -> Report:
    """The report for an archive already in memory."""
    rep = Report(path)
    if index is None:
        rep.fail("archive has no symbol index (a one-pass linker would find nothing in it)")
    if ident is None:
        from ..formats.sidecar import is_metadata_rlib

        if is_metadata_rlib(path):
            rep.fail("no _rlib_v00 member: a metadata-only rlib (-Zno-codegen, for pipelined compiles), not a v0 rlib; it holds no code")
        else:
            rep.fail("no _rlib_v00 member: not a v0 rlib (build it with `rlib-v0 rustc`)")
    else:
        rep.crate, rep.kind = ident.crate, ident.kind
        if expect_target and ident.target != expect_target:
            rep.fail(f"built for {ident.target} (its marker), not {expect_target}")
    target = expect_target or (ident.target if ident else None)
    want_machine = elf.machine_for_target(target) if target else None
    try:
        found = check_members(members, index, ident, want_machine, target)
    except UserError as e:
        rep.fail(str(e))
        return rep
    for p in found.problems:
        rep.fail(p)
    rep.foreign_crates = sorted(found.foreign_crates)
    rep.own_definitions = found.own_definitions
    rep.shared_generics = dict(sorted(found.shared_generics.items()))
    rep.allocator = found.allocator
    rep.panic_handler = found.panic_handler
    return rep


def render(rep: Report) -> str:
    head = f"{rep.path}: {'ok' if rep.ok else 'FAILED'}"
    if rep.crate:
        head += f" ({rep.kind} {rep.crate})"
    if rep.exported is not None:
        head += f" (shared object: exports {rep.exported} symbols, {len(rep.rust_exports) or 'none'} of them Rust)"
    lines = [head]
    if rep.kind != KIND_STD_BUNDLE and rep.crate and rep.content_ok:
        lines.append(f"  {rep.own_definitions} global definitions of its own items")
        for c, n in sorted(rep.shared_generics.items()):
            lines.append(f"  {n} shared instances of generics from crate {c} (allowed)")
        if rep.allocator:
            lines.append("  declares #[global_allocator]")
        if rep.panic_handler:
            lines.append("  declares #[panic_handler]")
    lines += [f"  error: {p}" for p in rep.problems]
    if rep.rust_exports:
        from ..demangle import demangle

        shown = rep.rust_exports[:_SHOWN_EXPORTS]
        lines += [f"    {n} ({demangle(n)})" for n in shown]
        if len(rep.rust_exports) > len(shown):
            lines.append(f"    ... and {len(rep.rust_exports) - len(shown)} more (--json lists them all)")
    return "\n".join(lines)


def main(opts: dict, files: list[str]) -> int:
    import json
    import sys

    reports = [verify_file(f, opts.get("target")) for f in files]
    if opts.get("json"):
        print(json.dumps([r.to_dict() for r in reports], indent=2))
        # What a build log shows of an action that ran `verify --json`.
        for r in reports:
            if not r.ok:
                print(f"rlib-v0: error: {r.path}: {r.problems[0]}", file=sys.stderr)
    else:
        print("\n".join(render(r) for r in reports))
    return 0 if all(r.ok for r in reports) else 1


VERIFY = Verb(
    "verify",
    "Check archives against the v0 rlib rules; exit 0 only if all pass.",
    "rlib-v0 verify [--json] [--target TRIPLE] FILE...",
    (
        Opt(("--json",), "machine-readable report (and, on stderr, one `rlib-v0: error:` line per file that fails)", FLAG),
        Opt(("--target",), "expected target (default: the marker's)", metavar="TRIPLE"),
    ),
    REST_FILES,
    "FILES",
    "archives (or linked shared objects) to check",
    main,
)
