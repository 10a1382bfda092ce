"""Starting the linker before the plan is made, and stopping it.

A link's plan (which archives, in which order, with which system
libraries) follows from its command and its inputs' markers, and between
two links of one command (a rebuild after an edit) it almost never
changes.  So the wrapper remembers the final linker command it ran for
each command it was given (`memo.Memo`), and the next time it is given
that command it starts the remembered command first (`memo.start`; from
lean.py, before the package is imported: `memo.start_remembered`), then
reads the markers and makes the plan as always while the linker runs, and
compares (link/run.py): the same command, the link goes on; another one,
or a refusal, and the speculative linker is killed with its children
(`kill_tree`), its temporary output removed, and the link goes on as if
there were no memo.  The wrapper's imports, reading and planning (~20 ms
at 200 crates) then run beside the link instead of before it
(docs/link-check.md).

Invariants:
- The result never rests on the memo: the linker's output is kept only if
  the command it ran equals the one planned from this run's inputs.  A
  stale, corrupt or foreign memo costs a killed link, nothing else.
- A killed link leaves nothing: only commands whose every option is known
  to write nothing but the output are started early (`side_effect_free`:
  no map file, dependency file, LTO temporaries, printing), the output
  is the wrapper's temporary name, and TMPDIR the wrapper's private
  directory, removed once the linker is gone (memo.private_tmp), as on
  every link: what a killed linker's own clean-up misses goes with it.
- The linker runs in the wrapper's process group, as without a memo: a
  build tool that stops the group stops it.  To end it alone, the wrapper
  stops the process and its descendants (`/proc/PID/task/*/children`),
  then ends them (SIGTERM: their clean-up runs) and waits until each is
  gone; where the kernel does not list children, or a process does not
  stop, it waits for the speculative link to end instead.  The planned
  link then writes under another temporary name.
- The memo is the user's own: `$XDG_CACHE_HOME/rlib-v0/link-memo` (else
  `~/.cache/...`; none without HOME or with RLIB_V0_NO_CACHE set), 0700; an
  entry not owned by the user, or writable by others, is not used.
- Only commands this module calls side-effect free are remembered (the
  memo's key is the whole command, so a hit is such a command too).

No memo for links that read more than markers (`--debug`,
`--verify-content`, `--reproduce`, `--plan-graph`, a link that exports
symbols: its hide object) or whose output is a device.

Rejected: keying the memo by the inputs' `stat` and skipping the plan on a
hit (the checks would then rest on mtimes); a separate process group for
the speculative linker (killing it is easy, but Ctrl-C, `make`'s and
Buck2's group kills would no longer reach it).
"""

from __future__ import annotations

import os

from . import linker_cmd

# --- which commands may start early ----------------------------------------
#
# Options known to make the linker write nothing but its output (or to be
# compile-only options a driver ignores at a link).  Anything else (a map
# file, a dependency file, -flto's temporaries, -save-temps, -v, --trace,
# --reproduce, a plugin...) and the command is planned before it starts.

_DRIVER_FLAGS = frozenset("-pie -no-pie -static -static-pie -static-libgcc -static-libstdc++ -shared-libgcc -pthread -nostdlib -nodefaultlibs -nostartfiles -s -rdynamic -shared -r -w".split())
_DRIVER_VALUE = frozenset("-o -L -l -B -u -z -T -I -D -U -isystem -include --sysroot -target --target -Xlinker".split())
_DRIVER_PREFIXES = ("-o", "-L", "-l", "-B", "-I", "-D", "-U", "-fuse-ld=", "-O", "-m", "-std=", "--sysroot=", "--target=", "-u", "-z")
_F_FLAGS = frozenset("-fPIC -fPIE -fpic -fpie -fno-pie -fno-PIE -fno-pic -fno-PIC -fno-plt -fexceptions -fno-exceptions -frtti -fno-rtti -fno-omit-frame-pointer -fomit-frame-pointer -fcolor-diagnostics -fno-color-diagnostics -fdiagnostics-color -fvisibility=hidden -fvisibility=default -fvisibility-inlines-hidden -funwind-tables -fasynchronous-unwind-tables -fno-semantic-interposition -ffunction-sections -fdata-sections".split())
_F_PREFIXES = ("-fuse-ld=", "-fstack-protector", "-fsanitize=", "-fdiagnostics-color=", "-fno-sanitize", "-fcf-protection", "-fstack-clash-protection")
_LD_FLAGS = frozenset(
    "--as-needed --no-as-needed -Bstatic -Bdynamic -dn -dy -static --static -Bsymbolic -Bsymbolic-functions --whole-archive --no-whole-archive -whole-archive -no-whole-archive "
    "--start-group --end-group -( -) -start-group -end-group --gc-sections --no-gc-sections --eh-frame-hdr --no-undefined --allow-multiple-definition -s --strip-all --strip-debug -S "
    "-pie --pie -no-pie --no-pie --no-dynamic-linker --enable-new-dtags --disable-new-dtags --fatal-warnings --no-fatal-warnings --warn-common --sort-common --relax --no-relax -X -x "
    "--discard-all --discard-locals --export-dynamic -E -export-dynamic --no-export-dynamic --demangle --no-demangle --gdb-index -nostdlib --no-copy-dt-needed-entries --copy-dt-needed-entries "
    "-shared --shared -Bshareable -r -i --relocatable --build-id --color-diagnostics --no-color-diagnostics --icf=none --icf=all --icf=safe --no-rosegment --rosegment --emit-relocs --pic-executable --no-pic-executable".split()
)
_LD_VALUE = frozenset("-o --output -L --library-path -l --library -u --undefined -z -rpath -R -rpath-link -soname -h -m --dynamic-linker -dynamic-linker -e --entry --sysroot -T --script --version-script --exclude-libs".split())
_LD_PREFIXES = ("-L", "-l", "-O", "-z", "--build-id=", "--hash-style=", "--icf=", "--threads", "--thread-count=", "-rpath=", "--rpath=", "-rpath-link=", "--rpath-link=", "--dynamic-linker=", "--sysroot=", "--undefined=", "--entry=", "--library=", "--library-path=", "--output=", "--compress-debug-sections=", "--color-diagnostics=", "-soname=", "--soname=", "--version-script=", "--exclude-libs=", "--hash-style", "--pack-dyn-relocs=", "--unresolved-symbols=", "--build-id", "--lto-O", "--no-warn-", "--warn-")


def side_effect_free(cmd: linker_cmd.LinkCommand) -> bool:
    """Every option of `cmd` is known to write nothing but the output."""
    args = cmd.argv
    i = 1
    while i < len(args):
        a = args[i]
        if not a or a[0] != "-":
            i += 1  # a file
            continue
        if cmd.direct:
            if a in _LD_VALUE:
                i += 2
                continue
            if not _ld_flag_ok(a):
                return False
        elif a.startswith("-Wl,"):
            if not _ld_parts_ok(a[4:].split(",")):
                return False
        elif a in _DRIVER_VALUE:
            if a == "-Xlinker" and (i + 1 >= len(args) or not _ld_parts_ok([args[i + 1]])):
                return False
            i += 2
            continue
        elif not (a in _DRIVER_FLAGS or a in _F_FLAGS or a.startswith(_F_PREFIXES) or _driver_prefix_ok(a)):
            return False
        i += 1
    return True


def _driver_prefix_ok(a: str) -> bool:
    if a.startswith("-f"):
        return a.startswith("-fuse-ld=")
    if a.startswith(("-g", "-W")):
        # -g, -g0..3, -ggdb: debug information, no other file; warnings.
        return a in ("-g", "-g0", "-g1", "-g2", "-g3", "-ggdb", "-ggdb3") or (a[1] == "W" and not a.startswith(("-Wa,", "-Wp,")))
    return a.startswith(_DRIVER_PREFIXES) and not a.startswith(("-M", "-save-temps"))


def _ld_flag_ok(fl: str) -> bool:
    return fl in _LD_FLAGS or fl.startswith(_LD_PREFIXES)


def _ld_parts_ok(parts: list[str]) -> bool:
    k = 0
    while k < len(parts):
        p = parts[k]
        if p in ("-o", "--output") or p.startswith(("--output=", "@")):
            return False  # a second output (the last one wins), options from a file
        if p in _LD_VALUE:
            k += 2
            continue
        if p and p[0] != "-":
            k += 1  # a file given to the linker
            continue
        if not _ld_flag_ok(p):
            return False
        k += 1
    return True


def _children(pid: int) -> list[int] | None:
    """The child processes of `pid` (every thread's); None where the kernel
    does not list them (no CONFIG_PROC_CHILDREN)."""
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except FileNotFoundError:
        return []
    except OSError:
        return None
    out: list[int] = []
    for t in tasks:
        try:
            with open(f"/proc/{pid}/task/{t}/children", "rb") as f:
                out += [int(x) for x in f.read().split()]
        except FileNotFoundError:
            if not os.path.exists(f"/proc/{pid}/task/{t}"):
                continue  # the thread ended
            return None
        except OSError:
            return None
    return out


def _state(pid: int) -> str:
    """The process's state letter (`T` stopped, `Z` zombie...); "" if gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            data = f.read()
    except OSError:
        return ""
    return chr(data[data.rindex(b")") + 2]) if b")" in data else ""


def kill_tree(pid: int) -> None:
    """End the linker `pid` and every process it started; return once each
    is gone.

    Each process is stopped before its children are listed, so none can
    start another unseen.  Then all get SIGTERM and SIGCONT: their own
    clean-up runs (gcc's and collect2's files in /tmp, lld's and mold's
    temporary outputs beside the output), which SIGKILL would skip; one
    still there after 2 s gets SIGKILL.  If a process does not stop, or its
    children cannot be listed (no CONFIG_PROC_CHILDREN), `pid` is let run
    to its end instead: the caller removes the temporary output it wrote."""
    import _signal
    import time

    stopped: list[int] = []
    reaped = False
    try:
        todo = [pid]
        whole = True
        while todo and whole:
            p = todo.pop()
            try:
                os.kill(p, _signal.SIGSTOP)
            except ProcessLookupError:
                continue
            stopped.append(p)
            kids = _children(p) if _wait_for(lambda: _state(p) in ("T", "t", "Z", "X", ""), 2.0) else None
            if kids is None:
                whole = False
            else:
                todo += kids
        if not whole:
            _signal_all(stopped, _signal.SIGCONT)
            stopped = []
            _reap(pid)
            reaped = True
            return
        _signal_all(stopped, _signal.SIGTERM)
        _signal_all(stopped, _signal.SIGCONT)

        def gone(p: int) -> bool:
            nonlocal reaped
            if p == pid:
                if not reaped:
                    try:
                        reaped = os.waitpid(pid, os.WNOHANG)[0] == pid
                    except ChildProcessError:
                        reaped = True
                return reaped
            # Not our child: reaped by its parent or init; a zombie writes no more.
            return _state(p) in ("Z", "X", "")

        if not _wait_for(lambda: all(gone(p) for p in stopped), 2.0):
            _signal_all([p for p in stopped if not gone(p)], _signal.SIGKILL)
            _wait_for(lambda: all(gone(p) for p in stopped), 60.0)
        stopped = []
    finally:
        if stopped:  # interrupted (Ctrl-C): nothing of it may run on
            _signal_all(stopped, _signal.SIGKILL)
            _signal_all(stopped, _signal.SIGCONT)
        if not reaped:
            _reap(pid)


def _wait_for(done, seconds: float) -> bool:  # noqa: ANN001 - a () -> bool
    import time

    end = time.monotonic() + seconds
    while not done():
        if time.monotonic() > end:
            return False
        time.sleep(0.0005)
    return True


def _signal_all(pids: list[int], sig: int) -> None:
    for p in pids:
        try:
            os.kill(p, sig)
        except ProcessLookupError:
            pass


def _reap(pid: int) -> None:
    while True:
        try:
            os.waitpid(pid, 0)
            return
        except InterruptedError:
            continue
        except ChildProcessError:
            return
