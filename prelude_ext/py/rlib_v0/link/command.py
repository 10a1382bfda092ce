"""The command the wrapper runs: the user's linker command with the plan in it.

`rewrite` takes the Rust inputs out and puts the Rust block (the crates in
plan order, each followed by its native static libraries, the std bundle,
`-u` for the allocator and panic handler, the system libraries, the hide
object) at the first Rust input's place; `plan_groups` decides where that
block needs `--start-group`/`--end-group`; a long result goes to the linker
in a response file (`linker_cmd.response_file`).  Pure functions over the parsed
command (`linker_cmd`) and the plan (`plan`): no file is read or written.
"""

from __future__ import annotations

import os

from . import linker_cmd
from ..records import Record
from .plan import Plan

class Groups(Record):
    """Where `rewrite` puts `--start-group`/`--end-group`, and why.

    A crate's native static libraries may call back into the crate (a cxx
    bridge's C++ calls the crate's `extern "Rust"` functions), and C/C++
    archives given among the Rust inputs (a Buck2 `cxx_library` a crate
    depends on) may call back into crates placed before them.  rustc never
    meets the first case (it bundles such objects into the rlib, and one
    archive's members resolve each other); a one-pass linker (ld.bfd, gold)
    needs a group for both.  lld and mold accept groups and need none."""

    __slots__ = ("span_end", "crates", "why")

    def __init__(self) -> None:
        # argv position (original command) after which the group that opens
        # at the Rust block closes; None: no such group.
        self.span_end: int | None = None
        self.crates: set[int] = set()  # plan.crates positions grouped with their native libraries
        self.why: list[str] = []  # for --debug, one line each


def plan_groups(cmd: linker_cmd.LinkCommand, plan: Plan) -> Groups:
    """Where the rewritten command needs groups (`Groups`)."""
    g = Groups()
    if not plan.rust_arg_indexes:
        return g
    first, last = plan.rust_arg_indexes[0], plan.rust_arg_indexes[-1]
    if first in cmd.group_args:
        g.why.append("the Rust block is inside the command's own group: no group of rlib-v0's")
        return g
    rust = set(plan.rust_arg_indexes)
    libs = {lib.index for lib in cmd.libs}
    between = [i for i in range(first + 1, last) if i not in rust and (i in libs or (i in cmd.inputs and not cmd.argv[i].endswith(".o")))]
    if between and not any(first < i < last for i in cmd.group_args):
        g.span_end = last
        shown = ", ".join(cmd.argv[i] for i in between[:3]) + (f" (+{len(between) - 3} more)" if len(between) > 3 else "")
        g.why.append(f"one group from the Rust block through {cmd.argv[last]}: the libraries given among the Rust inputs ({shown}) may call back into crates")
        return g
    for n, libs_after in sorted(plan.native_static.items()):
        g.crates.add(n)
        g.why.append(f"crate {plan.crates[n].ident.crate} grouped with its native libraries (" + ", ".join(os.path.basename(p) for p, _ in libs_after) + "), which may call back into it")
    return g


def rewrite(cmd: linker_cmd.LinkCommand, plan: Plan, output: str | None, groups: Groups | None = None, hide_object: str | None = None, exclude_libs: list[str] | None = None) -> list[str]:
    """The linker argv: Rust block at the first Rust input's place.

    `hide_object`, `exclude_libs`: on a link that exports symbols, the
    object hiding the crates' Rust symbols and the archives to name in
    `--exclude-libs` (`hide` module)."""
    argv = linker_cmd.with_output(cmd, output) if output else list(cmd.argv)
    if not plan.rust_arg_indexes:
        return argv
    first = plan.rust_arg_indexes[0]
    skip = set(plan.rust_arg_indexes)
    # `-l NAME` that resolved to a Rust archive: its value goes too.
    skip.update(lib.value_index for lib in cmd.libs if lib.index in skip)
    groups = groups or Groups()
    block: list[str] = []
    if groups.span_end is not None:
        block += cmd.linker_flag("--start-group")
    # The block manages --whole-archive itself; if it lands inside a user's
    # region, close the region around it and reopen it after.
    inside = first in cmd.whole_archive_inputs
    if inside:
        block += cmd.linker_flag("--no-whole-archive")
    for n, c in enumerate(plan.crates):
        grouped = n in groups.crates
        if grouped:
            block += cmd.linker_flag("--start-group")
        if c.whole_archive:
            block += cmd.linker_flag("--whole-archive") + [c.path] + cmd.linker_flag("--no-whole-archive")
        else:
            block.append(c.path)
        for path, whole in plan.native_static.get(n, ()):
            block += cmd.linker_flag("--whole-archive") + [path] + cmd.linker_flag("--no-whole-archive") if whole else [path]
        if grouped:
            block += cmd.linker_flag("--end-group")
    if plan.bundle:
        block.append(plan.bundle.path)
    for sym in plan.undefined:
        block += cmd.linker_flag("-u", sym)
    # `-Wl,...,-lNAME,...` naming a Rust archive: only those parts go.
    parts_out: dict[int, set[int]] = {}
    for lib in cmd.libs:
        if lib.pieces is not None and lib.rust:
            parts_out.setdefault(lib.index, set()).update(range(*lib.pieces))
    # The bundle's system libraries are shared ones (-lgcc_s): inside the
    # user's `-Bstatic` region (`-Wl,-Bstatic -lmycrate -Wl,-Bdynamic`) they
    # would not be found.
    bstatic = plan.native_libs and linker_cmd.bstatic_at(cmd, first, min(parts_out.get(first, {0})))
    if bstatic:
        block += cmd.linker_flag("-Bdynamic")
    for lib in plan.native_libs:
        block += lib.split(" ")
    if bstatic:
        block += cmd.linker_flag("-Bstatic")
    if hide_object:
        block.append(hide_object)
    for name in exclude_libs or ():
        # One option per archive: mold 1.10 runs out of memory on a
        # `:`-separated list, and a driver splits `-Wl,` at commas.
        block += cmd.linker_flag("--exclude-libs", name)
    if inside:
        block += cmd.linker_flag("--whole-archive")
    if any(c.whole_archive for c in plan.crates):
        # A whole rlib brings in rustc's lib.rmeta and the marker, objects
        # without .note.GNU-stack: ld.bfd and gold would then make the stack
        # executable.  rustc passes -z noexecstack to every link it drives.
        block += cmd.linker_flag("-z", "noexecstack")
    out: list[str] = []
    for n, a in enumerate(argv):
        if n in parts_out:
            _split_linker_flags(a, parts_out[n], block if n == first else [], out)
        else:
            if n == first:
                out += block
            if n not in skip:
                out.append(a)
        if n == groups.span_end:
            out += cmd.linker_flag("--end-group")
    return out


def _split_linker_flags(arg: str, drop: set[int], block: list[str], out: list[str]) -> None:
    """`-Wl,A,-lrust,B` -> `-Wl,A`, the block, `-Wl,B`: what came before the
    library still applies to the block (`-Bstatic`...), what came after to
    the rest of the line."""
    parts = arg[4:].split(",")
    cut = min(drop)
    before = parts[:cut]
    after = [p for k, p in enumerate(parts) if k > cut and k not in drop]
    if before:
        out.append("-Wl," + ",".join(before))
    out += block
    if after:
        out.append("-Wl," + ",".join(after))
