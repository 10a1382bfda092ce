"""`rlib-v0 link`: the linker wrapper, from the user's command to the output file.

A link walks four modules in order: `inputs` (which arguments are Rust
archives: their markers), `plan` (dedup, order, checks, native libraries),
`command` (the linker argv with the plan in it), and this one: the run —
the temporary output and files, the linker process, its stderr (explained
in crate terms for `--debug`), and the output put in place only on success.
Runs on every link of a large build, so it imports little; ELF parsing is
left to the exporting links (`hide`) and the `--debug` failure path.
"""

from __future__ import annotations

import os
import sys

from . import linker_cmd, memo
from ..errors import UserError, terminate_as_exit
from ..fsutil import unlink_quietly
from ..outputs import DEVICE, output_kind


def run(linker_argv: list[str], debug: bool, whole_archive: list[str], reproduce: str | None, plan_graph: str | None = None, verify_content: bool = False, export_rust: bool = False) -> int:
    # The link memo (`memo`, `speculate`): a linker lean.py started from the
    # remembered command of this one, or one started below; the plan made
    # below decides whether its work is kept.  Whatever goes wrong before
    # then, `finally` stops it.
    spec = memo.take()
    tmp_out = hide_path = None
    # The linker's TMPDIR and the wrapper's files for the link (memo.private_tmp).
    tmp_dir = spec.tmp_dir if spec is not None else None
    try:
        debug = debug or memo.debug_from_env()
        if plan_graph:
            from . import plan_graph as graph

            graph.check(plan_graph)
        # A failure is explained in crate terms (which needs mangled names) for
        # --debug, and to colour the plan graph.
        explain_failure = debug or bool(plan_graph)
        cmd = linker_cmd.parse(linker_argv)
        output = linker_cmd.output_path(cmd)
        remember = None
        if output and not (debug or plan_graph or reproduce or verify_content or cmd.exports) and _plain_output(output):
            memo_dir = memo.memo_dir()
            if memo_dir:
                from .speculate import side_effect_free

                if side_effect_free(cmd):
                    try:
                        remember = memo.Memo(memo_dir, linker_argv, memo.options_key(whole_archive, export_rust))
                    except (OSError, ValueError):
                        pass  # no working directory (deleted): no memo, as without a cache
        if spec is not None and (remember is None or os.path.dirname(spec.tmp_out) != os.path.dirname(output)):
            spec.abandon()  # not a link this one would have started
            spec = None
        if tmp_dir is None:
            try:
                tmp_dir = memo.private_tmp()
            except OSError:
                pass  # the linker runs in our environment; a response file will say why it cannot
        if tmp_dir:
            terminate_as_exit()  # a cancel removes it (`finally`)
        if spec is not None:
            tmp_out = spec.tmp_out
        elif remember is not None:
            tmp_out = memo.temporary_output(output)
            found = remember.read()
            if found is not None:
                guess = [a.replace(memo._OUT, tmp_out) for a in found[1]]
                exec_argv, tmp_dir = _exec_form(cmd, guess, tmp_dir)
                spec = memo.start(guess, exec_argv, tmp_out, tmp_dir)
        from . import command
        from .inputs import find_rust_inputs
        from .plan import make_plan

        resolved: list[str] | None = [] if debug else None
        libs_so: list[str] | None = [] if cmd.exports else None
        # A debug link explains: it may as well read every archive whole.
        inputs = find_rust_inputs(cmd, resolved, verify_content or debug, libs_so)
        plan = make_plan(inputs, set(whole_archive), cmd.search_dirs)
        # A shared object (or `-rdynamic`) exports its C/C++ API, not the Rust
        # inside it: only such links read the crates' symbol tables.
        hiding = None
        if cmd.exports and not export_rust and (plan.crates or plan.bundle):
            from ..compile.hide import check_shared_libraries, plan_hiding

            archives = [path for libs in plan.native_static.values() for path, _ in libs]
            hiding = plan_hiding([c.path for c in plan.crates], ([plan.bundle.path] if plan.bundle else []) + archives)
            rust_inputs = set(plan.rust_arg_indexes)
            check_shared_libraries(hiding, [cmd.argv[i] for i in cmd.inputs if i not in rust_inputs] + (libs_so or []))
        groups = command.plan_groups(cmd, plan)
        if debug:
            print(plan.describe(), file=sys.stderr)
            print(f"  every Rust archive's members checked against its marker ({len({r.path for r in inputs})} archives read whole)", file=sys.stderr)
            for line in resolved or ():
                print(f"  {line}", file=sys.stderr)
            if hiding:
                print(f"  {hiding.describe()}", file=sys.stderr)
            elif cmd.exports and export_rust and (plan.crates or plan.bundle):
                print("  the link exports symbols; Rust symbols stay exported (--export-rust)", file=sys.stderr)
            for line in groups.why:
                print(f"  group: {line}", file=sys.stderr)
        if reproduce:
            from .reproduce import write_reproducer

            write_reproducer(reproduce, cmd, plan, whole_archive, export_rust)
        # A character device (`-o /dev/null`) is linked into directly, as the
        # linker would: never deleted, renamed over or unlinked after a failure.
        device = bool(output) and output_kind(output) == DEVICE
        if device and spec is not None:
            spec.abandon()  # it became one since the memo's linker started
            spec = None
        if output and not device and tmp_out is None:
            tmp_out = memo.temporary_output(output)
        elif device:
            tmp_out = None
        if hiding:
            from ..compile.hide import hide_object_bytes

            data = hide_object_bytes(hiding)
            if data is not None:
                tmp_dir = tmp_dir or _temp_dir()
                hide_path = os.path.join(tmp_dir, "rust-symbols.rlib-v0-hide.o")
                _write_temp(hide_path, data)
        final_argv = command.rewrite(cmd, plan, tmp_out, groups, hide_path, hiding.exclude if hiding else None)
        if explain_failure:
            # Mangled names let the explanation attribute symbols to crates.
            final_argv[1:1] = cmd.linker_flag("--no-demangle")
        if spec is not None and spec.argv != final_argv:
            # The plan changed since the memo was written: that link goes,
            # and the planned one writes under another name (should anything
            # of the killed one survive, it cannot rename onto this one's).
            spec.abandon()
            spec = None
            fresh = memo.temporary_output(output)
            final_argv = [a.replace(tmp_out, fresh) for a in final_argv]
            tmp_out = fresh
        if debug:
            shown = [output if a == tmp_out else a for a in final_argv]
            print("  linker command: " + " ".join(shown), file=sys.stderr)

        store = remember is not None and spec is None  # a kept memo link: the entry is as it was

        def while_running() -> None:
            if tmp_out:
                _remove_stale(output)
            if store:
                remember.store(output, final_argv, tmp_out)

        if spec is not None:
            from ..proc import collect

            pid, fd, spec = spec.pid, spec.fd, None  # collect() owns them now
            returncode, err_bytes = collect(pid, fd, while_running, _stop_linker)
        else:
            exec_argv, tmp_dir = _exec_form(cmd, final_argv, tmp_dir)
            try:
                returncode, err_bytes = _run_capturing_stderr(exec_argv, memo.linker_environ(tmp_dir), while_running)
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
            graph.write(plan_graph, graph.to_dot(plan, blame))
        if returncode > 0 and not full:
            from .notes import failed_link_note

            note = failed_link_note(cmd, err, plan.bundle.ident.target if plan.bundle else None, debug)
            if note:
                sys.stderr.write(note + "\n")
        if full:
            sys.stderr.write(f"rlib-v0: error: {output}: {full}; nothing was written\n")
        elif returncode < 0:
            sys.stderr.write(f"rlib-v0: error: the linker {final_argv[0]} was killed by signal {-returncode}; nothing was written\n")
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
        if spec is not None:
            spec.abandon()  # a refusal (or Ctrl-C) while the remembered command ran
        if tmp_out:
            unlink_quietly(tmp_out)
        if tmp_dir:
            memo.remove_private_tmp(tmp_dir)  # after the linker is gone (spec.abandon waits)


def _exec_form(cmd: linker_cmd.LinkCommand, final_argv: list[str], tmp_dir: str | None) -> tuple[list[str], str | None]:
    """(what to exec for `final_argv`: itself, or the linker and `@` a
    response file written in `tmp_dir` (made if None), that directory)."""
    if not linker_cmd.needs_response_file(cmd, final_argv):
        return final_argv, tmp_dir
    tmp_dir = tmp_dir or _temp_dir()
    rsp = os.path.join(tmp_dir, "link.rsp")
    _write_temp(rsp, linker_cmd.response_file(final_argv))
    return [final_argv[0], "@" + rsp], tmp_dir


def _plain_output(path: str) -> bool:
    """The output is a regular file or absent (a memo's link may start
    before `output_kind` has had its say)."""
    from stat import S_ISREG

    try:
        return S_ISREG(os.stat(path).st_mode)
    except FileNotFoundError:
        return True
    except (OSError, ValueError):
        return False


def _temp_dir() -> str:
    try:
        return memo.private_tmp()
    except OSError as e:
        raise UserError(f"cannot make a temporary directory in {memo.tmp_parent()} ({e.strerror})") from None


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
    from ..compile.hide import exported_rust_symbols

    try:
        total, rust = exported_rust_symbols(output)
    except UserError as e:
        print(f"  exports: cannot read the output ({e})", file=sys.stderr)
        return
    if not rust:
        print(f"  exports: {total} symbols, none of them Rust", file=sys.stderr)
        return
    from ..demangle import demangle

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


def _run_capturing_stderr(argv: list[str], env, while_running=None) -> tuple[int, bytes]:  # noqa: ANN001
    """(exit status, stderr) of `argv`; stdin and stdout are inherited.

    os.posix_spawnp rather than subprocess, whose import (selectors,
    threading, signal...) costs more than the whole link plan."""
    from ..proc import collect, spawn_piped

    pid, r = spawn_piped(argv, 2, search=True, env=env)
    return collect(pid, r, while_running, _stop_linker)


def _stop_linker(pid: int) -> None:
    """Ctrl-C or a cancel (SIGTERM, SIGHUP: errors.terminate_as_exit) while the
    linker runs: end it and every process it started, and wait for them
    (`speculate.kill_tree`), so that none writes on after the wrapper has
    removed the temporary output and directory.  SIGKILL to the driver
    alone would leave collect2 and ld running, orphaned."""
    from .speculate import kill_tree

    kill_tree(pid)


def _restore_output_name(text: str, tmp: str | None, output: str | None) -> str:
    if tmp and output:
        return text.replace(tmp, output).replace(os.path.basename(tmp), os.path.basename(output))
    return text