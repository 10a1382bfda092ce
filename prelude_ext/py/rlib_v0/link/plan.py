"""The link plan: which Rust archives to link, in which order, and the checks.

Pure logic over markers (no ELF parsing), so it stays cheap on every link:
- dedup by crate identity: one crate given twice (or by two paths) is linked
  once; two versions of a crate (different `-C metadata`) are two crates;
- order: every crate before its dependencies (one-pass linkers need it),
  otherwise keeping the order in which crates first appeared;
- checks: exactly one std bundle, every dependency present, everything
  built by the bundle's rustc for its target and panic strategy;
- native static libraries (a crate's `-l static=`): each placed after the
  last crate that needs it, found where `rlib-v0 rustc` found it or in the
  link's `-L` directories (the one file-system look-up here).
"""

from __future__ import annotations

import os

from ..errors import UserError
from ..formats.marker import KIND_STD_BUNDLE, Identity, incompatibilities, same_std
from ..records import Record

try:
    # The C functions `heapq` re-exports: its Python module costs every link ~0.2 ms.
    from _heapq import heappop, heappush
except ImportError:  # another interpreter
    from heapq import heappop, heappush

class RustInput(Record):
    __slots__ = ("arg_index", "path", "ident", "whole_archive")

    def __init__(self, arg_index: int, path: str, ident: Identity, whole_archive: bool = False) -> None:
        self.arg_index = arg_index  # position in the linker argv
        self.path = path  # the file as given
        self.ident = ident  # its marker
        self.whole_archive = whole_archive  # inside a user --whole-archive region


class Dropped(Record):
    __slots__ = ("path", "kept", "reason")

    def __init__(self, path: str, kept: str, reason: str) -> None:
        self.path = path  # the input left out
        self.kept = kept  # the input linked instead
        self.reason = reason  # why, in a sentence


class Plan(Record):
    __slots__ = ("crates", "bundle", "dropped", "rust_arg_indexes", "native_libs", "native_static", "undefined", "providers")

    def __init__(self, rust_arg_indexes: list[int]) -> None:
        self.crates: list[RustInput] = []  # linked rlibs, in link order
        self.bundle: RustInput | None = None  # the one std bundle
        self.dropped: list[Dropped] = []  # duplicates left out
        self.rust_arg_indexes = rust_arg_indexes  # argv positions of every Rust input
        self.native_libs: list[str] = []  # appended after the Rust block
        # Crate position in `crates` -> the native static archives (path,
        # whole-archive) to put right after it (`place_native_static_libs`).
        self.native_static: dict[int, list[tuple[str, bool]]] = {}
        # Symbols the linker is told are undefined (`-u`) so the crate declaring
        # `#[global_allocator]` / `#[panic_handler]` is linked whatever the input
        # order: a one-pass linker would otherwise skip a crate nothing refers to
        # yet and take the bundle's weak default instead.
        self.undefined: list[str] = []
        self.providers: list[str] = []  # for describe(): who provides the allocator/handler, how

    def describe(self) -> str:
        lines = ["rlib-v0 link plan:"]
        for n, c in enumerate(self.crates, 1):
            deps = ", ".join(d.crate for d in c.ident.deps) or "-"
            meta = c.ident.metadata or "no -C metadata"
            wa = "  [whole-archive]" if c.whole_archive else ""
            lines.append(f"  {n:3}. crate {c.ident.crate} ({meta})  {c.path}  deps: {deps}{wa}")
        if self.bundle:
            b = self.bundle.ident
            lines.append(f"  std bundle: {self.bundle.path} ({b.crate}, panic={b.panic}, target={b.target}, rustc {b.rustc_release})")
        for d in self.dropped:
            lines.append(f"  dropped {d.path}: {d.reason} (keeping {d.kept})")
        lines += ["  " + p for p in self.providers]
        if self.native_libs:
            lines.append("  native libraries appended: " + " ".join(self.native_libs))
        for n, libs in sorted(self.native_static.items()):
            for path, _ in libs:
                lines.append(f"  native static library {path} after crate {self.crates[n].ident.crate}")
        return "\n".join(lines)


def make_plan(inputs: list[RustInput], whole_archive_crates: set[str] = frozenset(), search_dirs: list[str] | None = None) -> Plan:
    """The plan for `inputs`; with `search_dirs` (the link's `-L`
    directories), the crates' native static libraries placed too."""
    plan = Plan([i.arg_index for i in inputs])
    bundles: list[RustInput] = []
    rlibs: list[RustInput] = []
    for i in inputs:
        (bundles if i.ident.kind == KIND_STD_BUNDLE else rlibs).append(i)

    distinct_bundles: dict[str, RustInput] = {}
    for b in bundles:
        first = distinct_bundles.setdefault(b.ident.content_hash, b)
        if first is not b:
            plan.dropped.append(Dropped(b.path, first.path, "the same std bundle given again"))
    if len(distinct_bundles) == 2:
        # A test binary: its `--with-test` bundle (std + libtest) arrives
        # beside the plain bundle its libraries bring.  Same rustc, target,
        # panic strategy and flags: the test bundle is a superset; keep it.
        a, b = distinct_bundles.values()
        t, plain = (a, b) if a.ident.with_test else (b, a)
        if t.ident.with_test and not plain.ident.with_test and same_std(t.ident, plain.ident):
            plan.dropped.append(Dropped(plain.path, t.path, "the std bundle with libtest supersedes it (a test binary)"))
            del distinct_bundles[plain.ident.content_hash]
    if len(distinct_bundles) > 1:
        a, b = list(distinct_bundles.values())[:2]
        raise UserError(f"two std bundles on the link line: {a.path} and {b.path}; keep exactly one")
    if rlibs and not distinct_bundles:
        raise UserError("no std bundle on the link line; build one with `rlib-v0 std-bundle -o libstd_bundle.a` (same rustc, target and --panic as the crates) and add it to the command")
    plan.bundle = next(iter(distinct_bundles.values()), None)

    by_id: dict[str, RustInput] = {}
    for r in rlibs:
        cid = r.ident.crate_id
        seen = by_id.get(cid)
        if seen is None:
            by_id[cid] = r
        elif seen.ident.content_hash == r.ident.content_hash:
            seen.whole_archive |= r.whole_archive
            why = "the same file given again" if seen.path == r.path else "the same crate (same name, metadata and contents) under another path"
            plan.dropped.append(Dropped(r.path, seen.path, why))
        else:
            raise UserError(f"crate {r.ident.crate} ({r.ident.metadata or 'no -C metadata'}) is given twice with different contents: {seen.path} and {r.path}; rebuild so only one remains")

    _check_compatible(list(by_id.values()), plan.bundle)
    _check_deps(by_id)
    if whole_archive_crates:
        for r in by_id.values():
            if r.ident.crate in whole_archive_crates:
                r.whole_archive = True
        unknown = set(whole_archive_crates) - {r.ident.crate for r in by_id.values()}
        if unknown:
            raise UserError(f"--whole-archive names crate {sorted(unknown)[0]}, which is not on the link line")
    _keep_providers(plan, list(by_id.values()))
    plan.crates = order(list(by_id.values()))
    # Each library once, in the order crates name them (a build script may
    # name one twice: libz-sys's `-lz`).
    libs = list(dict.fromkeys(x for r in plan.crates for x in r.ident.native_libs))
    if plan.bundle:
        libs += plan.bundle.ident.native_libs
    plan.native_libs = libs
    if search_dirs is not None:
        plan.native_static = place_native_static_libs(plan.crates, search_dirs)
    return plan


def place_native_static_libs(crates: list[RustInput], search_dirs: list[str]) -> dict[int, list[tuple[str, bool]]]:
    """Crate position in `crates` -> the native static archives to put
    right after it: each library after the last crate that needs it (a
    one-pass linker then has every reference when it reaches the archive).

    Found where `rlib-v0 rustc` found it, else in the link's `-L` directories."""
    last: dict[str, int] = {}
    whole: dict[str, bool] = {}
    order: list[str] = []
    for n, c in enumerate(crates):
        for lib in c.ident.static_libs:
            from .libsearch import find_in  # only when a crate has one

            path = lib.path if lib.path and os.path.isfile(lib.path) else find_in(search_dirs, (lib.file_name,))
            if path is None:
                where = f"not at {lib.path}, " if lib.path else ""
                raise UserError(f"crate {c.ident.crate} ({c.path}) needs native static library `{lib.name}` ({lib.file_name}): {where}not in the link's -L directories; add -L for its directory")
            if path not in last:
                order.append(path)
            last[path] = n
            whole[path] = whole.get(path, False) or lib.whole_archive
    after: dict[int, list[tuple[str, bool]]] = {}
    for path in order:
        after.setdefault(last[path], []).append((path, whole[path]))
    return after


def _check_compatible(rlibs: list[RustInput], bundle: RustInput | None) -> None:
    if bundle is None:
        return
    b = bundle.ident
    key = b.compat_key
    for r in rlibs:
        i = r.ident
        own = i.compat_key
        if own == key:
            continue
        differ = incompatibilities(own, key)
        other_rustc = "rustc" in differ
        other_target = "target" in differ
        if other_rustc or other_target:
            # One sentence naming every difference: a cross build linked with
            # the host's bundle usually differs in both.
            mine = ([f"by {_rustc_name(i)}"] if other_rustc else []) + ([f"for {i.target}"] if other_target else [])
            theirs = ([f"by {_rustc_name(b)}"] if other_rustc else []) + ([f"for {b.target}"] if other_target else [])
            if other_target:
                fix = f"use a std bundle built{' by the same rustc' if other_rustc else ''} for {i.target} (`rlib-v0 std-bundle{' --rustc RUSTC' if other_rustc else ''} --target {i.target}`)"
            else:
                fix = "build the crates and the bundle with one rustc"
            raise UserError(f"{r.path} (crate {i.crate}) is built {' '.join(mine)}, but the std bundle {bundle.path} {' '.join(theirs)}; {fix}")
        if "panic" in differ:
            raise UserError(f"{r.path} (crate {i.crate}) is built with -C panic={i.panic}, but the std bundle {bundle.path} with panic={b.panic}; use a bundle built with --panic {i.panic} or rebuild the crate")


def _rustc_name(i: Identity) -> str:
    """`rustc 1.96.0 (ac68faa20)`; a rustc built without a commit hash by
    the first line of its `-vV` (which still tells two builds apart)."""
    return f"rustc {i.rustc_release} ({i.rustc_commit[:9]})" if i.rustc_commit else i.rustc_version.split("\n", 1)[0]


def _keep_providers(plan: Plan, rlibs: list[RustInput]) -> None:
    """At most one crate declaring `#[global_allocator]` (and one
    `#[panic_handler]`); make sure the linker keeps it."""
    for what, flag, syms in (("#[global_allocator]", "defines_allocator", "allocator_symbols"), ("#[panic_handler]", "defines_panic_handler", "panic_handler_symbols")):
        found = [r for r in rlibs if getattr(r.ident, flag)]
        if len(found) > 1:
            a, b = found[:2]
            more = f" (and {len(found) - 2} more)" if len(found) > 2 else ""
            raise UserError(f"two crates declare {what}: crate {a.ident.crate} ({a.path}) and crate {b.ident.crate} ({b.path}){more}; a program has one, keep one of them")
        if not found:
            if what == "#[global_allocator]" and plan.bundle and not plan.bundle.ident.no_std:
                plan.providers.append("global allocator: the std bundle's default (no crate declares #[global_allocator])")
            continue
        r = found[0]
        names = getattr(r.ident, syms)
        if names:
            plan.undefined += [n for n in names if n not in plan.undefined]
            how = f"kept in the link by -u {names[0]}" + (f" (+{len(names) - 1} more)" if len(names) > 1 else "")
        else:
            r.whole_archive = True  # a marker from before the symbols were recorded
            how = "linked whole (its marker does not list the symbols to ask for)"
        label = "global allocator" if flag == "defines_allocator" else "panic handler"
        plan.providers.append(f"{label}: crate {r.ident.crate} ({r.path}), {how}")


def _check_deps(by_id: dict[str, RustInput]) -> None:
    for r in by_id.values():
        for d in r.ident.deps:
            if d.crate_id not in by_id:
                raise UserError(f"crate {r.ident.crate} ({r.path}) depends on crate {d.crate}, which is not on the link line; add its v0 rlib")


def order(crates: list[RustInput]) -> list[RustInput]:
    """Every crate before its dependencies; ties keep first-appearance order."""
    # Crates are numbered by first appearance; the heap holds those numbers
    # (10 000 inputs must plan in well under 50 ms: no tuples, no re-hashing).
    pos = {c.ident.crate_id: n for n, c in enumerate(crates)}
    # A dependency named twice is counted twice and released twice: no set needed.
    deps = [[pos[d.crate_id] for d in c.ident.deps] for c in crates]
    dependents = [0] * len(crates)
    for ds in deps:
        for d in ds:
            dependents[d] += 1
    heap = [n for n, k in enumerate(dependents) if k == 0]  # ascending: a heap already
    out: list[RustInput] = []
    while heap:
        n = heappop(heap)
        out.append(crates[n])
        for d in deps[n]:
            dependents[d] -= 1
            if dependents[d] == 0:
                heappush(heap, d)
    if len(out) != len(crates):
        stuck = sorted(c.ident.crate for c in crates if c not in out)
        raise UserError("dependency cycle between crates " + ", ".join(stuck) + " (corrupt markers?)")
    return out
