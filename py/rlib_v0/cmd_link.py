"""`rlib-v0 link`: the linker wrapper.

Runs on every link of a large build, so it imports little, reads only the
first member header (the marker) of each archive, and leaves ELF parsing to
the `--debug` failure path.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile

from . import linker_cmd
from .errors import UserError
from .identity import read_marker
from .plan import Plan, RustInput, is_rust_staticlib, make_plan

_ARCH_MAGIC = b"!<arch>\n"
# Above this many bytes of arguments, pass them in a response file.
_ARGV_LIMIT = 100_000


def find_rust_inputs(cmd: linker_cmd.LinkCommand) -> list[RustInput]:
    found: list[RustInput] = []
    for i in cmd.inputs:
        path = cmd.argv[i]
        try:
            with open(path, "rb") as f:
                if f.read(8) != _ARCH_MAGIC:
                    continue
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            continue  # not a file: the linker will say so in its own words
        except PermissionError:
            raise UserError(f"{path}: cannot read (permission denied)") from None
        ident, toc = read_marker(path, first_only=True)
        if ident is None:
            if is_rust_staticlib(toc.long_names):
                raise UserError(f"{path} is a Rust staticlib carrying its own copy of std and its dependencies; link the crates' v0 rlibs and one std bundle instead")
            if path.endswith(".rlib"):
                raise UserError(f"{path} is an rlib without a _rlib_v00 marker; build it with `rlib-v0 rustc`")
            continue  # an ordinary C/C++ archive
        found.append(RustInput(i, path, ident, i in cmd.whole_archive_inputs))
    return found


def rewrite(cmd: linker_cmd.LinkCommand, plan: Plan, output: str | None) -> list[str]:
    """The linker argv: Rust block at the first Rust input's place."""
    argv = linker_cmd.with_output(cmd, output) if output else list(cmd.argv)
    if not plan.rust_arg_indexes:
        return argv
    first = plan.rust_arg_indexes[0]
    skip = set(plan.rust_arg_indexes)
    block: list[str] = []
    # The block manages --whole-archive itself; if it lands inside a user's
    # region, close the region around it and reopen it after.
    inside = first in cmd.whole_archive_inputs
    if inside:
        block += cmd.linker_flag("--no-whole-archive")
    for c in plan.crates:
        if c.whole_archive:
            block += cmd.linker_flag("--whole-archive") + [c.path] + cmd.linker_flag("--no-whole-archive")
        else:
            block.append(c.path)
    if plan.bundle:
        block.append(plan.bundle.path)
    for lib in plan.native_libs:
        block += lib.split(" ")
    if inside:
        block += cmd.linker_flag("--whole-archive")
    out: list[str] = []
    for n, a in enumerate(argv):
        if n == first:
            out += block
        if n not in skip:
            out.append(a)
    return out


def run(linker_argv: list[str], debug: bool, whole_archive: list[str], reproduce: str | None) -> int:
    debug = debug or os.environ.get("RLIB_V0_LINK_DEBUG", "") not in ("", "0", "false")
    cmd = linker_cmd.parse(linker_argv)
    inputs = find_rust_inputs(cmd)
    plan = make_plan(inputs, set(whole_archive))
    if debug:
        print(plan.describe(), file=sys.stderr)
    if reproduce:
        from .reproduce import write_reproducer

        write_reproducer(reproduce, cmd, plan, whole_archive)
    output = linker_cmd.output_path(cmd)
    tmp_out = None
    if output:
        out_dir = os.path.dirname(os.path.abspath(output))
        if not os.path.isdir(out_dir):
            raise UserError(f"{output}: output directory {out_dir} does not exist")
        fd, tmp_out = tempfile.mkstemp(prefix=".rlib-v0-link-", dir=out_dir)
        os.close(fd)
        # Only the unique name is wanted: a linker that reuses an existing
        # file would keep mkstemp's 0600 mode.
        os.unlink(tmp_out)
    final_argv = rewrite(cmd, plan, tmp_out)
    if debug:
        # Mangled names let the explanation attribute symbols to crates.
        final_argv[1:1] = cmd.linker_flag("--no-demangle")
    rsp_dir = None
    try:
        if cmd.used_response_files or sum(len(a) + 1 for a in final_argv) > _ARGV_LIMIT:
            rsp_dir = tempfile.mkdtemp(prefix="rlib-v0-rsp-")
            rsp = os.path.join(rsp_dir, "link.rsp")
            with open(rsp, "w", encoding="utf-8") as f:
                f.write("\n".join(linker_cmd.quote_response_arg(a) for a in final_argv[1:]) + "\n")
            exec_argv = [final_argv[0], "@" + rsp]
        else:
            exec_argv = final_argv
        if debug:
            print("  linker command: " + " ".join(final_argv), file=sys.stderr)
        try:
            proc = subprocess.run(exec_argv, stderr=subprocess.PIPE)
        except FileNotFoundError:
            raise UserError(f"linker not found: {exec_argv[0]}") from None
        except PermissionError:
            raise UserError(f"linker is not executable: {exec_argv[0]}") from None
        err = proc.stderr.decode("utf-8", "replace")
        if debug and proc.returncode != 0:
            from .explain import explain

            err = _restore_output_name(err, tmp_out, output)
            sys.stderr.write(err)
            sys.stderr.write(explain(err, cmd, plan))
        else:
            sys.stderr.write(_restore_output_name(err, tmp_out, output))
        sys.stderr.flush()
        if proc.returncode == 0 and tmp_out:
            os.replace(tmp_out, output)
            tmp_out = None
        elif proc.returncode != 0 and output and os.path.exists(output):
            os.unlink(output)  # a stale output from an earlier link must not look fresh
        return proc.returncode
    finally:
        if tmp_out and os.path.exists(tmp_out):
            os.unlink(tmp_out)
        if rsp_dir:
            import shutil

            shutil.rmtree(rsp_dir, ignore_errors=True)


def _restore_output_name(text: str, tmp: str | None, output: str | None) -> str:
    if tmp and output:
        return text.replace(tmp, output).replace(os.path.basename(tmp), os.path.basename(output))
    return text
