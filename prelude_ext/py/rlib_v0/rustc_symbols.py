"""Every symbol name rustc makes up and this tool relies on, one list per concept.

These are rustc internals, but the stable kind: names the linker sees and
that every rustc since the allocator shim has used (`#[no_mangle]`, or
v0-mangled as items of rustc's `__rustc` pseudo-crate since 1.79). They are
judged here and nowhere else: the marker records which of them a crate
defines (compile), the link plan keeps their providers, `verify` and the
content rules (compile/check.py) classify them, and a shared object's hide
list (compile/hide.py) leaves them out.
"""

from __future__ import annotations

# What `#[global_allocator]` defines (the marker's `allocator_symbols`).
GLOBAL_ALLOCATOR_FNS = ("__rust_alloc", "__rust_dealloc", "__rust_realloc", "__rust_alloc_zeroed")
# What the allocator shim adds beside them (a staticlib or the std bundle).
ALLOCATOR_SHIM_FNS = ("__rust_alloc_error_handler", "__rust_no_alloc_shim_is_unstable", "__rust_no_alloc_shim_is_unstable_v2")
# Every allocator name: one crate (or the bundle's shim) per link may define them.
ALLOCATOR_NAMES = GLOBAL_ALLOCATOR_FNS + ALLOCATOR_SHIM_FNS
# What `#[panic_handler]` defines (the marker's `panic_handler_symbols`).
PANIC_HANDLER = "rust_begin_unwind"
# The panic runtime's names: only std (the bundle) defines them, except the handler.
PANIC_RUNTIME_NAMES = (PANIC_HANDLER, "__rust_start_panic", "__rust_panic_cleanup", "rust_eh_personality", "__rust_drop_panic", "__rust_foreign_exception")
# Every plain name `rustc_items` lets through.
_PLAIN_NAMES = frozenset(ALLOCATOR_NAMES + PANIC_RUNTIME_NAMES)
# The pseudo-crate rustc mangles these items under (v0 mangling).
RUSTC_PSEUDO_CRATE = "__rustc"


def is_rustc_item(sym: str, names: tuple[str, ...]) -> bool:
    """`sym` is one of `names`, plain (`#[no_mangle]`) or v0-mangled as an
    item of rustc's `__rustc` pseudo-crate (`_RNvCs<hash>_7___rustc12___rust_alloc`:
    identifiers are length-prefixed, with a `_` separator before one that
    starts with `_` or a digit)."""
    if sym in names:
        return True
    if not sym.startswith("_R") or "7___rustc" not in sym:
        return False
    return any(sym.endswith(f"{len(n)}{'_' if n[0] == '_' or n[0].isdigit() else ''}{n}") for n in names)


def is_allocator_symbol(name: str) -> bool:
    """`__rust_alloc` & co. (the shim's entry points too), plain or v0-mangled under `__rustc`."""
    return is_rustc_item(name, ALLOCATOR_NAMES)


def rustc_items(index: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """The entries of an archive's index that `is_rustc_item` may accept for
    any of these lists (plain names, or `__rustc` items): one pass in C-fast
    tests over the thousands of a crate's index, so the three questions the
    marker asks of it look at a handful."""
    return [e for e in index if e[0] in _PLAIN_NAMES or "7___rustc" in e[0]]


def allocator_symbols(index: list[tuple[str, int]]) -> list[str]:
    """The global-allocator functions among an archive's index symbols, each once."""
    return _defined(index, GLOBAL_ALLOCATOR_FNS)


def panic_handler_symbols(index: list[tuple[str, int]]) -> list[str]:
    """The `#[panic_handler]` symbol among an archive's index symbols."""
    return _defined(index, (PANIC_HANDLER,))


def _defined(index: list[tuple[str, int]], names: tuple[str, ...]) -> list[str]:
    return list(dict.fromkeys(s for s, _ in index if is_rustc_item(s, names)))
