"""Checking an archive against the v0 rules (pure functions over parsed files).

Rules (pre-RFC "Version 0 rlib contents", plus what a link needs):
- an ar archive with a symbol index that lists every global definition;
- a `_rlib_v00` member;
- object members are ELF for the marker's target;
- global definitions belong to the crate: its own items and `#[no_mangle]`
  names; instances of upstream generics that rustc shares are allowed but
  reported; definitions of another crate's items are not;
- no allocator or panic-runtime definitions unless the crate declares them.
A staticlib is recognised by its foreign crate objects (`std-<hash>.std.*`).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

from . import archive, elf
from .errors import UserError
from .identity import KIND_STD_BUNDLE, MARKER_PREFIX, Identity, read_marker

# rustc names object members "<stem>.<crate>.<cgu-hash>-cgu.<n>.rcgu.o"; in a
# staticlib, dependencies' members have the stem "<crate>-<16 hex>".  The
# allocator shim is "<stem>.<hash>.rcgu.o" with no "-cgu".
_CGU = re.compile(r"^(?P<stem>[^.]+)\.(?P<crate>[A-Za-z0-9_]+)\.[0-9a-z]+-cgu\.\d+\.rcgu\.o$")
_SHIM = re.compile(r"^(?P<stem>[^.]+)\.[0-9a-z]+\.rcgu\.o$")
_DEP_STEM = re.compile(r"^(?P<crate>[A-Za-z0-9_]+)-[0-9a-f]{16}$")

ALLOCATOR_NAMES = ("__rust_alloc", "__rust_dealloc", "__rust_realloc", "__rust_alloc_zeroed", "__rust_alloc_error_handler", "__rust_no_alloc_shim_is_unstable", "__rust_no_alloc_shim_is_unstable_v2")
PANIC_RUNTIME_NAMES = ("rust_begin_unwind", "__rust_start_panic", "__rust_panic_cleanup", "rust_eh_personality", "__rust_drop_panic", "__rust_foreign_exception")


@dataclass
class Report:
    path: str  # the file checked
    ok: bool = True  # every rule passed
    crate: str | None = None  # crate name from the marker
    kind: str | None = None  # marker kind
    problems: list[str] = field(default_factory=list)  # rule violations, one line each
    foreign_crates: list[str] = field(default_factory=list)  # crates whose objects are inside (staticlib)
    own_definitions: int = 0  # global definitions of the crate's own items
    shared_generics: dict[str, int] = field(default_factory=dict)  # upstream crate -> instances defined here
    allocator: bool = False  # defines the global allocator (declared by the crate)
    panic_handler: bool = False  # defines the panic handler (declared by the crate)

    def fail(self, msg: str) -> None:
        self.ok = False
        self.problems.append(msg)

    def to_dict(self) -> dict:
        return asdict(self)


def classify_member(name: str) -> tuple[str, str | None]:
    """('own'|'dep'|'shim'|'native'|'other', crate) for an archive member name."""
    m = _CGU.match(name)
    if m:
        dep = _DEP_STEM.match(m.group("stem"))
        if dep and dep.group("crate") == m.group("crate"):
            return "dep", m.group("crate")
        return "own", m.group("crate")
    if _SHIM.match(name):
        return "shim", None
    if name.endswith(".o"):
        return "native", None
    return "other", None


def _is_allocator(sym: str, plain: str) -> bool:
    return any(plain.endswith(n) for n in ALLOCATOR_NAMES)


def verify_file(path: str, expect_target: str | None = None) -> Report:
    rep = Report(path)
    try:
        ident, toc = read_marker(path)
    except UserError as e:
        rep.fail(str(e).removeprefix(f"{path}: "))
        return rep
    if not toc.has_symbol_index:
        rep.fail("archive has no symbol index (a one-pass linker would find nothing in it)")
    if ident is None:
        rep.fail("no _rlib_v00 member: not a v0 rlib (build it with `rlib-v0 rustc`)")
    else:
        rep.crate, rep.kind = ident.crate, ident.kind
    target = expect_target or (ident.target if ident else None)
    want_machine = elf.machine_for_target(target) if target else None

    from .demangle import demangle, symbol_crates

    index_syms = {s for s, _ in toc.read_symbol_index()} if toc.has_symbol_index else set()
    foreign: set[str] = set()
    with open(path, "rb") as f:
        for m in toc.members:
            if m.name.startswith(MARKER_PREFIX) or m.name == "lib.rmeta":
                continue
            data = toc.read(m, f)
            if not elf.is_elf(data):
                continue
            hdr = elf.header(data)
            if want_machine is not None and hdr.machine != want_machine:
                rep.fail(f"member {m.name} is ELF machine {hdr.machine}, not {target} (machine {want_machine})")
                continue
            kind, crate = classify_member(m.name)
            if kind == "dep":
                foreign.add(crate)
                continue
            if ident is not None and ident.kind == KIND_STD_BUNDLE:
                continue  # a bundle is std's crates by definition
            if kind == "shim":
                foreign.add("allocator shim")
                continue
            if kind == "native":
                rep.fail(f"member {m.name} is a bundled native object; v0 rlibs do not bundle native libraries (use -l static:-bundle=...)")
                continue
            for s in elf.symbols(data, f"{path}({m.name})"):
                if not s.defined or s.bind not in (elf.STB_GLOBAL, elf.STB_GNU_UNIQUE) or not s.name:
                    continue
                if s.name not in index_syms and toc.has_symbol_index:
                    rep.fail(f"symbol index lacks {s.name} defined in {m.name}")
                _classify_definition(rep, ident, s.name, symbol_crates(s.name), demangle(s.name))
    if foreign:
        rep.foreign_crates = sorted(foreign)
        if ident is None or ident.kind != KIND_STD_BUNDLE:
            rep.fail("contains other crates' objects (" + ", ".join(rep.foreign_crates) + "): this is a staticlib carrying its own std, not a v0 rlib")
    if ident is not None and ident.kind != KIND_STD_BUNDLE and rep.allocator != ident.defines_allocator:
        rep.fail("allocator definitions do not match the marker's defines_allocator")
    return rep


def _classify_definition(rep: Report, ident: Identity | None, sym: str, sc, plain: str) -> None:
    own = ident.crate if ident else None
    if sc.path_crate is None:
        # `#[no_mangle]` names belong to the crate that defines them.
        if plain in PANIC_RUNTIME_NAMES:
            if plain == "rust_begin_unwind":
                rep.panic_handler = True
            else:
                rep.fail(f"defines panic-runtime symbol {plain}")
                return
        if plain in ALLOCATOR_NAMES:
            rep.allocator = True
        rep.own_definitions += 1
        return
    if sc.path_crate == "__rustc":
        if _is_allocator(sym, plain):
            rep.allocator = True
        elif plain.endswith("rust_begin_unwind"):
            rep.panic_handler = True
        rep.own_definitions += 1
        return
    if sc.path_crate == own:
        rep.own_definitions += 1
        return
    if sc.instantiating_crate is not None and sc.instantiating_crate != own:
        rep.fail(f"defines {plain}, an item of crate {sc.path_crate} instantiated in {sc.instantiating_crate}")
        return
    # Legacy mangling cannot tell a generic instance from a plain item; a
    # plain upstream item would come with its crate's object, caught above.
    rep.shared_generics[sc.path_crate] = rep.shared_generics.get(sc.path_crate, 0) + 1


def render(rep: Report) -> str:
    head = f"{rep.path}: {'ok' if rep.ok else 'FAILED'}"
    if rep.crate:
        head += f" ({rep.kind} {rep.crate})"
    lines = [head]
    if rep.kind != KIND_STD_BUNDLE and rep.crate:
        lines.append(f"  {rep.own_definitions} global definitions of its own items")
        for c, n in sorted(rep.shared_generics.items()):
            lines.append(f"  {n} shared instances of generics from crate {c} (allowed)")
        if rep.allocator:
            lines.append("  declares #[global_allocator]")
        if rep.panic_handler:
            lines.append("  declares #[panic_handler]")
    lines += [f"  error: {p}" for p in rep.problems]
    return "\n".join(lines)
