"""`rlib-v0 link`: the linker wrapper.

Runs on every link of a large build, so it imports little, reads only the
first member header (the marker) of each archive, and leaves ELF parsing to
the `--debug` failure path.  That read checks what it can for free: the
marker object's checksum, and the archive's size against the marker's
record (`Identity.stamped_size`); `--verify-content` (and `--debug`) read
each archive whole and check every member (`content`).
"""

from __future__ import annotations

import os
import sys
from stat import S_ISDIR, S_ISREG

from . import archive, linker_cmd
from .errors import UserError
from .identity import Identity, read_marker
from .outputs import DEVICE, output_kind
from .plan import Plan, RustInput, is_rust_staticlib, make_plan

_ARCH_MAGIC = b"!<arch>\n"
_OPEN_FLAGS = os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC
# The first read of an archive: the symbol index, name table and marker of
# a typical rlib fit; what lies further is read when asked for.
_HEAD_BYTES = 32768
# Above this many bytes of arguments, pass them in a response file.
_ARGV_LIMIT = 100_000


def find_rust_inputs(cmd: linker_cmd.LinkCommand, resolved: list[str] | None = None, verify_content: bool = False, shared_libs: list[str] | None = None) -> list[RustInput]:
    """The Rust archives of the command: positional inputs, and `-l` options
    that resolve to one (`resolved`, if given, gets a line per `-l`;
    `shared_libs` the `.so` files they resolve to); `verify_content`: check
    every member of each against its marker."""
    found: list[RustInput] = []
    # A path given again is the same file: read its marker once.
    seen: dict[str, Identity | None] = {}
    for i in cmd.inputs:
        path = cmd.argv[i]
        ident = seen[path] if path in seen else _examine(path, path.endswith(".rlib"), verify_content)
        seen[path] = ident
        if ident is not None:
            found.append(RustInput(i, path, ident, i in cmd.whole_archive_inputs))
    if cmd.libs:
        from .libsearch import Resolver

        res = Resolver(cmd)
        for lib in cmd.libs:
            path = res.resolve(lib)
            ident = None
            if path is not None and path.endswith(".so") and shared_libs is not None:
                shared_libs.append(path)
            if path is not None and not path.endswith(".so"):
                ident = seen[path] if path in seen else _examine(path, False, verify_content)
                seen[path] = ident
            if resolved is not None:
                what = "not found (left to the linker)" if path is None else (f"{path} ({ident.display})" if ident is not None else f"{path} (not Rust)")
                resolved.append(f"-l{lib.spec} -> {what}")
            if ident is not None:
                lib.rust = True
                found.append(RustInput(lib.index, path, ident, lib.whole_archive))
        found.sort(key=lambda r: r.arg_index)
    return found


def _examine(path: str, rlib: bool, verify_content: bool = False) -> Identity | None:
    """The marker of `path` if it is a Rust archive; None for anything else.

    A `.rlib` must be a v0 archive: anything else is an error here (an empty
    file would even link, as an empty linker script).  Other non-archives
    are the linker's business.  A Rust archive whose size is not the one
    its marker recorded is refused (free: `st` is at hand); with
    `verify_content` it is read whole and every member checked."""
    try:
        st = os.stat(path)
    except (OSError, ValueError) as e:  # ValueError: a NUL byte in the path
        if rlib:
            why = "no such file" if isinstance(e, FileNotFoundError) else "not a valid path" if isinstance(e, ValueError) else f"cannot read ({e.strerror})"
            raise UserError(f"{path}: {why}") from None
        return None  # not a file: the linker will say so in its own words
    if not S_ISREG(st.st_mode):
        if rlib:
            raise UserError(f"{path}: {'is a directory' if S_ISDIR(st.st_mode) else 'not a regular file'}, not an rlib")
        return None  # never open a FIFO or device here: opening may block or act
    # Non-blocking: should the path turn into a FIFO after the stat, the read
    # returns rather than waits.  One open and, for archives, one read of the
    # start serve the magic, the headers, the marker and the completeness check.
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except PermissionError:
        raise UserError(f"{path}: cannot read (permission denied)") from None
    except OSError as e:
        raise UserError(f"{path}: cannot read ({e.strerror})") from None
    try:
        head = os.pread(fd, _HEAD_BYTES if rlib else 8, 0)
        if head[:8] != _ARCH_MAGIC:
            if not rlib:
                return None
        elif not rlib:
            head = os.pread(fd, _HEAD_BYTES, 0)
        if verify_content and head[:8] == _ARCH_MAGIC:
            head = _read_whole(fd, st.st_size)  # then every read below is served from it
        f = archive.HeadFile(fd, head, st.st_size)
        ident, toc = read_marker(path, first_only=True, f=f)
        if ident is not None:
            # Only the first header was read: make sure the archive is
            # whole.  Its marker says how big it was stamped (schema 3):
            # exact, and free; else what its symbol index says.
            stamped = ident.stamped_size(toc.members[0])
            if verify_content:
                _verify_content(path, ident, f, stamped, st.st_size)
            elif stamped < 0:
                archive.check_complete(toc, f)
            elif stamped != st.st_size:
                raise _changed(path, ident, _size_problem(stamped, st.st_size))
    except OSError as e:
        raise UserError(f"{path}: cannot read ({e.strerror})") from None
    finally:
        os.close(fd)
    if ident is None:
        if is_rust_staticlib(toc.long_names):
            raise UserError(f"{path} is a Rust staticlib carrying its own copy of std and its dependencies; link the crates' v0 rlibs and one std bundle instead")
        if rlib:
            from .sidecar import is_metadata_rlib

            if is_metadata_rlib(path):
                raise UserError(f"{path} is a metadata-only rlib (-Zno-codegen, for pipelined compiles): it holds no code; link the crate's real v0 rlib")
            raise UserError(f"{path} is an rlib without a _rlib_v00 marker; build it with `rlib-v0 rustc`")
    return ident


def _read_whole(fd: int, size: int) -> bytes:
    chunks = []
    pos = 0
    while pos < size:
        chunk = os.pread(fd, size - pos, pos)
        if not chunk:
            break
        chunks.append(chunk)
        pos += len(chunk)
    return b"".join(chunks)


def _verify_content(path: str, ident: Identity, f: archive.HeadFile, stamped: int, size: int) -> None:
    """Refuse `path` (`size` bytes, `stamped` when stamped) unless its
    members are what its marker recorded and an identity sidecar beside it
    (if any) agrees with the marker."""
    from .content import check
    from .sidecar import disagreement

    f.seek(0)
    try:
        toc = archive.scan(path, f)
    except UserError:
        if stamped >= 0 and stamped != size:  # the cause, rather than the offset where it shows
            raise _changed(path, ident, _size_problem(stamped, size)) from None
        raise
    found = check(ident, toc, [(m.name, toc.read(m, f)) for m in toc.members], size)
    if found is not None:
        raise _changed(path, ident, found[0])
    wrong = disagreement(path, ident)
    if wrong:
        raise UserError(f"{path}: {wrong}")


def _size_problem(stamped: int, size: int) -> str:
    from .content import size_problem

    return size_problem(stamped, size)


def _changed(path: str, ident: Identity, problem: str) -> UserError:
    from .content import rebuild_hint

    return UserError(f"{path}: {problem}; {rebuild_hint(ident)}")


def native_static_libs(cmd: linker_cmd.LinkCommand, plan: Plan) -> dict[int, list[tuple[str, bool]]]:
    """Crate position in `plan.crates` -> the native static archives to put
    right after it: each library after the last crate that needs it (a
    one-pass linker then has every reference when it reaches the archive).

    Found where `rlib-v0 rustc` found it, else in the link's `-L` directories."""
    last: dict[str, int] = {}
    whole: dict[str, bool] = {}
    order: list[str] = []
    for n, c in enumerate(plan.crates):
        for lib in c.ident.static_libs:
            from .libsearch import find_in  # only when a crate has one

            path = lib.path if lib.path and os.path.isfile(lib.path) else find_in(cmd.search_dirs, (lib.file_name,))
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


class Groups:
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


def plan_groups(cmd: linker_cmd.LinkCommand, plan: Plan, natives: dict[int, list[tuple[str, bool]]]) -> Groups:
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
    for n, libs_after in sorted(natives.items()):
        g.crates.add(n)
        g.why.append(f"crate {plan.crates[n].ident.crate} grouped with its native libraries (" + ", ".join(os.path.basename(p) for p, _ in libs_after) + "), which may call back into it")
    return g


def rewrite(cmd: linker_cmd.LinkCommand, plan: Plan, output: str | None, natives: dict[int, list[tuple[str, bool]]] | None = None, groups: Groups | None = None, hide_object: str | None = None, exclude_libs: list[str] | None = None) -> list[str]:
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
    natives = natives or {}
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
        for path, whole in natives.get(n, ()):
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


def run(linker_argv: list[str], debug: bool, whole_archive: list[str], reproduce: str | None, plan_graph: str | None = None, verify_content: bool = False, export_rust: bool = False) -> int:
    debug = debug or os.environ.get("RLIB_V0_LINK_DEBUG", "") not in ("", "0", "false")
    if plan_graph:
        from . import plan_graph as graph

        graph.check(plan_graph)
    # A failure is explained in crate terms (which needs mangled names) for
    # --debug, and to colour the plan graph.
    explain_failure = debug or bool(plan_graph)
    cmd = linker_cmd.parse(linker_argv)
    resolved: list[str] | None = [] if debug else None
    libs_so: list[str] | None = [] if cmd.exports else None
    # A debug link explains: it may as well read every archive whole.
    inputs = find_rust_inputs(cmd, resolved, verify_content or debug, libs_so)
    plan = make_plan(inputs, set(whole_archive))
    natives = native_static_libs(cmd, plan)
    # A shared object (or `-rdynamic`) exports its C/C++ API, not the Rust
    # inside it: only such links read the crates' symbol tables.
    hiding = None
    if cmd.exports and not export_rust and (plan.crates or plan.bundle):
        from .hide import check_shared_libraries, plan_hiding

        archives = [path for libs in natives.values() for path, _ in libs]
        hiding = plan_hiding([c.path for c in plan.crates], ([plan.bundle.path] if plan.bundle else []) + archives)
        rust_inputs = set(plan.rust_arg_indexes)
        check_shared_libraries(hiding, [cmd.argv[i] for i in cmd.inputs if i not in rust_inputs] + (libs_so or []))
    groups = plan_groups(cmd, plan, natives)
    if debug:
        print(plan.describe(), file=sys.stderr)
        print(f"  every Rust archive's members checked against its marker ({len({r.path for r in inputs})} archives read whole)", file=sys.stderr)
        for line in resolved or ():
            print(f"  {line}", file=sys.stderr)
        for n, libs in sorted(natives.items()):
            for path, _ in libs:
                print(f"  native static library {path} after crate {plan.crates[n].ident.crate}", file=sys.stderr)
        if hiding:
            print(f"  {hiding.describe()}", file=sys.stderr)
        elif cmd.exports and export_rust and (plan.crates or plan.bundle):
            print("  the link exports symbols; Rust symbols stay exported (--export-rust)", file=sys.stderr)
        for line in groups.why:
            print(f"  group: {line}", file=sys.stderr)
    if reproduce:
        from .reproduce import write_reproducer

        write_reproducer(reproduce, cmd, plan, whole_archive, export_rust)
    output = linker_cmd.output_path(cmd)
    tmp_out = None
    # A character device (`-o /dev/null`) is linked into directly, as the
    # linker would: never deleted, renamed over or unlinked after a failure.
    device = bool(output) and output_kind(output) == DEVICE
    if output and not device:
        # Only a unique name is wanted, not a file: a linker that reuses an
        # existing file would keep its mode.  (No tempfile: its import costs
        # more than the plan.)
        # Relative when the output is: the --debug log shows no absolute paths.
        tmp_out = os.path.join(os.path.dirname(output), f".rlib-v0-link-{os.getpid()}-{os.urandom(6).hex()}")
    tmp_dir = None  # the hide object and the response file, if any
    hide_path = None
    try:
        if hiding:
            from .hide import hide_object_bytes

            data = hide_object_bytes(hiding)
            if data is not None:
                tmp_dir = _temp_dir()
                hide_path = os.path.join(tmp_dir, "rust-symbols.rlib-v0-hide.o")
                _write_temp(hide_path, data)
        final_argv = rewrite(cmd, plan, tmp_out, natives, groups, hide_path, hiding.exclude if hiding else None)
        if explain_failure:
            # Mangled names let the explanation attribute symbols to crates.
            final_argv[1:1] = cmd.linker_flag("--no-demangle")
        if cmd.used_response_files or sum(len(a) + 1 for a in final_argv) > _ARGV_LIMIT:
            tmp_dir = tmp_dir or _temp_dir()
            rsp = os.path.join(tmp_dir, "link.rsp")
            _write_temp(rsp, os.fsencode("\n".join(linker_cmd.quote_response_arg(a) for a in final_argv[1:]) + "\n"))
            exec_argv = [final_argv[0], "@" + rsp]
        else:
            exec_argv = final_argv
        if debug:
            shown = [output if a == tmp_out else a for a in final_argv]
            print("  linker command: " + " ".join(shown), file=sys.stderr)
        try:
            returncode, err_bytes = _run_capturing_stderr(exec_argv, lambda: _remove_stale(output) if tmp_out else None)
        except FileNotFoundError:
            raise UserError(f"linker not found: {exec_argv[0]}") from None
        except PermissionError:
            raise UserError(f"linker is not executable: {exec_argv[0]}") from None
        err = err_bytes.decode("utf-8", "replace")
        full = _disk_full(tmp_out, err, returncode) if returncode != 0 and tmp_out else None
        blame = None
        if explain_failure and returncode != 0:
            from .explain import explain, findings

            err = _restore_output_name(err, tmp_out, output)
            blame = findings(err, cmd, plan)
            sys.stderr.write(err)
            sys.stderr.write(explain(err, cmd, plan, blame))
        else:
            sys.stderr.write(_restore_output_name(err, tmp_out, output))
        if plan_graph:
            # Before the output is put in place: should the graph fail, no output appears.
            graph.write(plan_graph, graph.to_dot(plan, natives, blame))
        if returncode > 0 and not full:
            from .link_notes import failed_link_note

            note = failed_link_note(cmd, err, plan.bundle.ident.target if plan.bundle else None, debug)
            if note:
                sys.stderr.write(note + "\n")
        if full:
            sys.stderr.write(f"rlib-v0: error: {output}: {full}; nothing was written\n")
        elif returncode < 0:
            sys.stderr.write(f"rlib-v0: error: the linker {exec_argv[0]} was killed by signal {-returncode}; nothing was written\n")
        sys.stderr.flush()
        if returncode == 0 and tmp_out:
            try:
                os.replace(tmp_out, output)
            except OSError as e:
                raise UserError(f"{output}: cannot write the linked output ({e.strerror})") from None
            tmp_out = None
            if debug and cmd.exports and (plan.crates or plan.bundle):
                _show_exports(output)
        elif returncode != 0 and output and not device:
            try:
                os.unlink(output)  # a stale output from an earlier link must not look fresh
            except FileNotFoundError:
                pass
            except OSError as e:
                sys.stderr.write(f"rlib-v0: warning: {output}: cannot remove the previous output ({e.strerror})\n")
        return returncode if returncode >= 0 else 128 - returncode  # as a shell reports a signal
    finally:
        if tmp_out:
            try:
                os.unlink(tmp_out)
            except OSError:
                pass
        if tmp_dir:
            import shutil

            shutil.rmtree(tmp_dir, ignore_errors=True)


def _temp_dir() -> str:
    import tempfile

    try:
        return tempfile.mkdtemp(prefix="rlib-v0-link-")
    except OSError as e:
        raise UserError(f"cannot make a temporary directory in {tempfile.gettempdir()} ({e.strerror})") from None


def _write_temp(path: str, data: bytes) -> None:
    """A file the link reads from the wrapper's temporary directory (the
    response file: fsencoded, not-UTF-8 paths as they came)."""
    try:
        with open(path, "wb") as f:
            f.write(data)
    except OSError as e:
        what = "response file" if path.endswith(".rsp") else "hide object"
        raise UserError(f"cannot write the linker's {what} in {os.path.dirname(path)} ({e.strerror})") from None


def _show_exports(output: str) -> None:
    """--debug after an exporting link: the Rust symbols it still exports."""
    from .hide import exported_rust_symbols

    try:
        total, rust = exported_rust_symbols(output)
    except UserError as e:
        print(f"  exports: cannot read the output ({e})", file=sys.stderr)
        return
    if not rust:
        print(f"  exports: {total} symbols, none of them Rust", file=sys.stderr)
        return
    from .demangle import demangle

    print(f"  exports: {total} symbols, {len(rust)} of them Rust:", file=sys.stderr)
    for name in rust:
        print(f"    {name} ({demangle(name)})", file=sys.stderr)


def _disk_full(tmp_out: str, err: str, returncode: int) -> str | None:
    """After a failed link, a sentence if it failed for want of space: the
    linker's words (ld.bfd, gold: ENOSPC; mold: "Disk full?"), next to no
    space left beside the partial output, or the SIGBUS that lld dies of
    when its mapped output cannot grow (collect2 then deletes the file)."""
    out_dir = os.path.dirname(os.path.abspath(tmp_out))
    if "No space left on device" in err or "Disk full" in err:
        return f"no space left on the output's file system ({out_dir})"
    try:
        st = os.statvfs(out_dir)
    except OSError:
        return None
    free = st.f_bavail * st.f_frsize
    if free < 256 * 1024 and os.path.exists(tmp_out):
        return f"no space left on the output's file system ({out_dir})"
    if returncode == -7 or "signal 7 [Bus error]" in err:
        return f"the linker died of SIGBUS while writing the output: is the file system full? ({out_dir}: {free // 1024} kB free)"
    return None


def _remove_stale(output: str) -> None:
    """Delete the previous output while the linker writes the new one.

    Renaming the new output over an existing file costs 10-20 ms for a
    large binary: ext4 (auto_da_alloc) flushes the new file's data on such
    a rename, and the old file's blocks are freed synchronously.  Linkers
    avoid it (lld deletes the old output on a background thread, ld.bfd
    unlinks it first); doing it here, in parallel with the link, turns the
    final rename into a plain one.  Errors are left to that rename."""
    try:
        if not os.path.isdir(output):
            os.unlink(output)
    except OSError:
        pass


def _run_capturing_stderr(argv: list[str], while_running=None) -> tuple[int, bytes]:  # noqa: ANN001
    """(exit status, stderr) of `argv`; stdin and stdout are inherited.

    os.posix_spawnp rather than subprocess, whose import (selectors,
    threading, signal...) costs more than the whole link plan."""
    from .proc import collect, spawn_piped

    pid, r = spawn_piped(argv, 2, search=True)
    return collect(pid, r, while_running)


def _restore_output_name(text: str, tmp: str | None, output: str | None) -> str:
    if tmp and output:
        return text.replace(tmp, output).replace(os.path.basename(tmp), os.path.basename(output))
    return text
