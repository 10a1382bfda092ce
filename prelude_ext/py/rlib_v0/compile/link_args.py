"""What a link needs besides a crate's rlib, as a response file written when
the crate is compiled: for build systems that link without `rlib-v0 link`.

`rlib-v0 link` reads every marker and adds these itself. A build system
whose rules already give one copy of each crate, in dependency order (Buck2
with a topological link order) can instead name, right after each rlib,
the response file `rlib-v0 rustc --link-args` wrote for it, and after the
std bundle the one `rlib-v0 std-bundle --link-args` wrote, and call the
system linker's driver directly. The file holds, in driver syntax:
- the crate's native static libraries (kept out of the rlib by
  `rlib-v0 rustc`), right after the crate that needs them;
- its other native libraries (`-l dylib=`, with their `-L`);
- `-Wl,-u,SYM` for the allocator / panic handler symbols it defines, so the
  linker keeps them whatever else refers to the crate;
- for such a crate, a guard object (`guard_object_path`): two guards on one
  link define one symbol twice, so two `#[global_allocator]`s (or
  `#[panic_handler]`s) fail the link instead of one silently winning.

A link that makes a shared object (or exports with `-rdynamic`) also
names, after each crate and the bundle, the `.shared` response file beside
its link-args file: what hides their symbols in the output (`hide`):
- a crate's: its hide object (weak hidden references to its Rust symbols,
  `hide_object_path`) and `--exclude-libs` for its native static libraries;
- the bundle's: `--exclude-libs` with the bundle's file name.
An executable's link leaves them out, and is unchanged.

`rlib-v0 link` drops these files from its input (`linker_cmd`): it derives
the same from the markers, so a rule set can always name them.
"""

from __future__ import annotations

import os

from ..formats.marker import Identity
from ..link.linker_cmd import LINK_ARGS_SUFFIX as SUFFIX
from ..link.linker_cmd import quote_response_arg

GUARD_SUFFIX = ".rlib-v0-guard.o"
# Beside the link-args file: a rustc argument file (`@FILE`) with `-L native=`
# for the directories of the crate's native static libraries, for the links
# rustc drives itself (a proc macro over a crate whose build script made a
# library: rustc then passes `-lNAME` for the unbundled library and must
# find it, as cargo's `-L native=` from the build script lets it).
NATIVE_SEARCH_SUFFIX = ".rlib-v0-native-search"
HIDE_SUFFIX = ".rlib-v0-hide.o"
# `lib<crate>.shared.rlib-v0-link-args`: a link-args file too, which the
# wrapper drops like the others.
SHARED_STEM = ".shared"
# Defined once by each guard object; a second definition is the linker's
# multiple-definition error, whose text then names the conflict.
GUARD_ALLOCATOR = "__rlib_v0_two_crates_declare_a_global_allocator"
GUARD_PANIC_HANDLER = "__rlib_v0_two_crates_declare_a_panic_handler"


def _stem(link_args: str) -> str:
    return link_args[: -len(SUFFIX)] if link_args.endswith(SUFFIX) else link_args


def guard_object_path(link_args: str) -> str:
    """Where the guard object of a crate's link-args file goes: beside it."""
    return _stem(link_args) + GUARD_SUFFIX


def hide_object_path(link_args: str) -> str:
    """Where a crate's hide object goes: beside its link-args file."""
    return _stem(link_args) + HIDE_SUFFIX


def shared_link_args_path(link_args: str) -> str:
    """The `.shared` response file beside a link-args file."""
    return _stem(link_args) + SHARED_STEM + SUFFIX


def native_search_path(link_args: str) -> str:
    """Where the rustc search-path file of a crate's link-args file goes: beside it."""
    return (link_args[: -len(SUFFIX)] if link_args.endswith(SUFFIX) else link_args) + NATIVE_SEARCH_SUFFIX


def native_search_args(ident: Identity) -> list[str]:
    """`-Lnative=DIR` for each directory holding one of the crate's native static libraries."""
    dirs = dict.fromkeys(os.path.dirname(lib.path) or "." for lib in ident.static_libs if lib.path)
    return [f"-Lnative={d}" for d in dirs]


def guard_symbols(ident: Identity) -> list[str]:
    out: list[str] = []
    if ident.defines_allocator:
        out.append(GUARD_ALLOCATOR)
    if ident.defines_panic_handler:
        out.append(GUARD_PANIC_HANDLER)
    return out


def placed_by_deps(ident: Identity, dep_rlibs: list[str]) -> set[str]:
    """The crate's `+whole-archive` native libraries that one of its direct
    deps (`dep_rlibs`: their v0 rlibs) places whole already, by path: a dep
    is on every link its dependent is on, and a library loaded whole twice
    defines every symbol twice. Read only when the crate has such a library."""
    wanted = {os.path.normpath(lib.path) for lib in ident.static_libs if lib.whole_archive and lib.path}
    if not wanted:
        return set()
    from ..errors import UserError
    from ..formats.marker import read_marker

    placed: set[str] = set()
    for rlib in dep_rlibs:
        try:
            dep, _ = read_marker(rlib)
        except (UserError, OSError):
            continue  # not a v0 rlib (a metadata rlib): it places nothing
        if dep is not None:
            placed |= wanted & {os.path.normpath(lib.path) for lib in dep.static_libs if lib.whole_archive and lib.path}
    return placed


def crate_args(ident: Identity, guard: str | None, placed: set[str] = frozenset()) -> list[str]:
    """The arguments after a crate's rlib (`guard`: its guard object, if
    `guard_symbols` names any; `placed`: whole-archive libraries a dep
    places, left out, `placed_by_deps`)."""
    args: list[str] = []
    for lib in ident.static_libs:
        if lib.whole_archive and lib.path and os.path.normpath(lib.path) in placed:
            continue
        # Not found when the crate compiled (`-l static:-bundle=`): the
        # linker looks the exact file name up on the link's -L directories.
        path = lib.path if lib.path else "-l:" + lib.file_name
        args += ["-Wl,--whole-archive", path, "-Wl,--no-whole-archive"] if lib.whole_archive else [path]
    args += ident.native_libs
    for sym in ident.allocator_symbols + ident.panic_handler_symbols:
        args.append("-Wl,-u," + sym)
    if guard:
        args.append(guard)
    return args


def bundle_args(ident: Identity) -> list[str]:
    """The arguments after the std bundle: the system libraries std needs
    (`rustc --print native-static-libs`)."""
    return [a for lib in ident.native_libs for a in lib.split(" ") if a]


def crate_shared_args(ident: Identity, hide_object: str) -> list[str]:
    """What a shared object's link names after a crate (and its link-args
    file): the crate's hide object; its native static libraries hidden."""
    from .hide import exclude_libs_name

    args = [hide_object]
    for lib in ident.static_libs:
        args.append("-Wl,--exclude-libs," + exclude_libs_name(lib.path or lib.file_name))
    return args


def bundle_shared_args(bundle: str) -> list[str]:
    """What a shared object's link names after the std bundle: the bundle
    (by its file name, `bundle`'s base name) hidden."""
    from .hide import exclude_libs_name

    return ["-Wl,--exclude-libs," + exclude_libs_name(bundle)]


def render(args: list[str]) -> bytes:
    return os.fsencode("".join(quote_response_arg(a) + "\n" for a in args))
