"""The link memo: the final linker command remembered per wrapper command,
and the linker started from it before the plan is made.

Nothing but `posix` and `sys` at import, on purpose: lean.py imports this
module before anything else of the package, so that a relink's linker
starts a few milliseconds after the interpreter (`start_remembered`);
under `python3 -S` even `os` is not loaded then, and importing it would
cost that start ~1.4 ms (`os` is imported where the link needs it
anyway: storing, pruning, abandoning).  What decides whether that linker's work
is kept, and how it is stopped otherwise, is `speculate`'s and `run`'s.

An entry: the magic line, the key line, the key's data (the working
directory, the wrapper's options and the linker command, NUL-separated
and fsencoded: the key is a residue of it, two commands may share a key,
an entry is used only for the command it was written for), the output
path and a NUL, then the final command, NUL-separated and fsencoded, with
the temporary output written as `_OUT`.  Entries are read only if they
are regular files owned by the user and writable by no one else (an entry
holds a command to run).
"""

import posix

from ..cache import cache_dir, environ, fsdecode, fsencode, getenv, store_entry

_MAGIC = b"rlib-v0 link memo 3\n"
# Where the temporary output goes in a remembered command.
_OUT = "\x01rlib-v0-output\x01"
# Entries kept; above, the older half goes (only when an entry is written).
_MAX_ENTRIES = 512
# The key is a 127-bit residue of the command's bytes, not a cryptographic
# digest: `_sha256` costs a relink 0.6 ms to import, and the key only names
# the entry (two commands may share one: an entry holds its key's data and
# serves only the command it was written for).
_M127 = (1 << 127) - 1


def options_key(whole_archive: list[str], export_rust: bool) -> str:
    """The wrapper's options that change a link's command, as a memo key part."""
    return f"{sorted(whole_archive)} {export_rust}"


# The options of `rlib-v0 link -- ...` (no --whole-archive, no --export-rust).
NO_OPTIONS = options_key([], False)

_started: "Speculation | None" = None


def memo_dir() -> str | None:
    # LLD_REPRODUCE and MOLD_REPRO make the linker write an archive beside
    # its output: a link that may be killed must not.
    if getenv("LLD_REPRODUCE") or getenv("MOLD_REPRO"):
        return None
    return cache_dir("link-memo")


def debug_from_env() -> bool:
    """RLIB_V0_LINK_DEBUG asks for `--debug`."""
    return (getenv("RLIB_V0_LINK_DEBUG") or "") not in ("", "0", "false")


def _key_data(linker_argv: list[str], options: str) -> bytes:
    # One encode of the joined text: as each part's `os.fsencode` joined
    # with NULs (NUL is one byte in every encoding a file name can have),
    # ten times faster on a 50 kB command.
    return fsencode("\0".join([posix.getcwd(), options] + linker_argv))


class Memo:
    """The remembered final command of one wrapper command."""

    __slots__ = ("path", "key", "data")

    def __init__(self, directory: str, linker_argv: list[str], options: str) -> None:
        self.data = _key_data(linker_argv, options)  # what the entry is for
        self.key = f"{int.from_bytes(self.data, 'little') % _M127:032x}{len(self.data):08x}"
        self.path = directory + "/" + self.key

    def read(self) -> tuple[str, list[str]] | None:
        """(the output path, the command with `_OUT` for its temporary
        output); None if there is none the user can trust as theirs."""
        try:
            # Non-blocking: a FIFO put there must not hang the link.
            fd = posix.open(self.path, posix.O_RDONLY | posix.O_NOFOLLOW | posix.O_NONBLOCK | posix.O_CLOEXEC)
        except OSError:
            return None
        try:
            st = posix.fstat(fd)
            if st.st_mode & 0o170000 != 0o100000 or st.st_uid != posix.geteuid() or st.st_mode & 0o022 or st.st_size > (64 << 20):
                return None  # not a regular file (S_ISREG), or not only the user's
            data = posix.read(fd, st.st_size + 1)
        except OSError:
            return None
        finally:
            posix.close(fd)
        head = _MAGIC + self.key.encode() + b"\n" + self.data
        if not data.startswith(head):
            return None
        output, sep, body = data[len(head) :].partition(b"\0")
        argv = fsdecode(body).split("\0")  # (see `_key_data`)
        return (fsdecode(output), argv) if sep and output and len(argv) > 1 and argv[0] else None

    def store(self, output: str, final_argv: list[str], tmp_out: str) -> None:
        """Remember `final_argv` (whose output is `tmp_out`, standing for
        `output`); silently nothing on any failure: the memo is optional."""
        import os

        body = b"\0".join(os.fsencode(a.replace(tmp_out, _OUT)) for a in final_argv)
        if store_entry(self.path, _MAGIC + self.key.encode() + b"\n" + self.data + os.fsencode(output) + b"\0" + body, 0o600, 0o700):
            try:
                _prune(os.path.dirname(self.path))
            except OSError:
                pass


def _prune(d: str) -> None:
    import os

    entries = [e for e in os.scandir(d) if e.is_file(follow_symlinks=False) and not e.name.endswith(".tmp")]
    if len(entries) <= _MAX_ENTRIES:
        return
    entries.sort(key=lambda e: e.stat(follow_symlinks=False).st_mtime_ns)
    for e in entries[: len(entries) // 2]:
        try:
            os.unlink(e.path)
        except OSError:
            pass


def temporary_output(output: str) -> str:
    """The name the linker writes before the output is put in place: beside
    it (a rename), unique, relative when the output is (the --debug log
    shows no absolute paths).  Only a name, not a file: a linker that
    reuses an existing file would keep its mode."""
    # `output`'s directory with its slash ("" for a bare name).
    return output[: output.rfind("/") + 1] + f".rlib-v0-link-{posix.getpid()}-{posix.urandom(6).hex()}"


# --- the link's private temporary directory --------------------------------
#
# Every linker the wrapper runs gets TMPDIR set to a directory of the
# wrapper's own, inside the user's, which the wrapper removes once the
# linker is gone, whatever happened to it.  Why: a linker ended by a
# signal cleans its temporaries up only if the signal lands where it can
# (collect2, stopped and sent SIGTERM between making `ccXXXX.cdtor.o` and
# recording its name, leaves that file behind: seen in CI), and one ended
# by SIGKILL (the memo's 2 s escalation, the OOM killer, a build tool's
# timeout) never does.  Every link gets it, not only the memo's early ones,
# so that a kept early link ran in the environment the planned one would
# have.  The directory also holds the wrapper's own files for the link
# (the response file, the hide object).  Nothing of a link's output
# depends on where its temporaries were.  Only a wrapper killed by SIGKILL
# leaves its directory: SIGTERM and SIGHUP end it by SystemExit
# (`errors.terminate_as_exit`), installed by run.py once the directory
# exists and by the memo's early start once its linker has started.


def private_tmp() -> str:
    """A new directory (0700) in $TMPDIR, else /tmp, for one link; OSError
    if it cannot be made.  The caller then has SIGTERM and SIGHUP end the
    wrapper by SystemExit (`errors.terminate_as_exit`; not here: importing
    `errors` costs ~0.5 ms, which the memo's early start pays after its
    spawn), so that a cancelled link removes it and stops its linker."""
    path = f"{tmp_parent().rstrip('/') or '/'}/rlib-v0-link-{posix.getpid()}-{posix.urandom(6).hex()}"
    posix.mkdir(path, 0o700)
    return path


def tmp_parent() -> str:
    """Where `private_tmp` makes its directories: $TMPDIR, else /tmp."""
    return getenv("TMPDIR") or "/tmp"


def linker_environ(tmp_dir: str | None):  # noqa: ANN201 - a mapping for posix_spawn
    """The linker's environment: ours, with TMPDIR=`tmp_dir` if there is one."""
    base = environ()
    if tmp_dir is None:
        return base
    env = dict(base)
    if base is posix.environ:  # bytes keys (`os` not loaded yet)
        env[b"TMPDIR"] = fsencode(tmp_dir)
    else:
        env["TMPDIR"] = tmp_dir
    return env


def remove_private_tmp(path: str) -> None:
    """Remove `private_tmp`'s directory and what the linker left in it."""
    try:
        posix.rmdir(path)  # the usual case: the linker cleaned up after itself
    except FileNotFoundError:
        pass
    except OSError:
        from ..proc import remove_tree

        try:
            remove_tree(path)
        except OSError:
            pass  # what cannot be removed stays; the link's result does not depend on it


class Speculation:
    """A linker started on a remembered command."""

    __slots__ = ("argv", "pid", "fd", "tmp_out", "tmp_dir")

    def __init__(self, argv: list[str], pid: int, fd: int, tmp_out: str, tmp_dir: str | None) -> None:
        self.argv = argv  # the command it runs (its output: `tmp_out`)
        self.pid = pid  # the linker (driver) process
        self.fd = fd  # the read end of its stderr
        self.tmp_out = tmp_out  # this run's temporary output
        self.tmp_dir = tmp_dir  # its TMPDIR (`private_tmp`; None if none could be made), the link's to remove

    def abandon(self) -> None:
        """Kill the linker and every process it started; return once they are gone."""
        import os

        from .speculate import kill_tree

        try:
            os.close(self.fd)
        except OSError:
            pass
        kill_tree(self.pid)
        try:
            os.unlink(self.tmp_out)  # what it wrote, if it got that far
        except OSError:
            pass


def start(argv: list[str], exec_argv: list[str], tmp_out: str, tmp_dir: str | None) -> "Speculation | None":
    """Start `exec_argv` (`argv`, or the linker and `@` its response file)
    with stderr into a pipe and TMPDIR=`tmp_dir`; None if it cannot be
    started (the planned link then says why, in its own words)."""
    try:
        r, w = posix.pipe()
    except OSError:
        return None
    try:
        pid = posix.posix_spawnp(exec_argv[0], exec_argv, linker_environ(tmp_dir), file_actions=[(posix.POSIX_SPAWN_DUP2, w, 2)])
    except OSError:
        posix.close(r)
        return None
    finally:
        posix.close(w)
    return Speculation(argv, pid, r, tmp_out, tmp_dir)


def start_remembered(link_args: list[str]) -> None:
    """The first step of lean.py and of the `rlib-v0-link` launcher, given
    the `link` verb's arguments: for `-- COMMAND` (no options), start the
    remembered command of COMMAND, if there is one and it needs no response
    file (`take` hands it to the link).  Eligibility is checked again by
    the link, which abandons what it would not have started."""
    global _started
    if len(link_args) < 2 or link_args[0] != "--":
        return
    linker_argv = link_args[1:]
    d = memo_dir()
    if d is None or debug_from_env():
        return
    try:
        found = Memo(d, linker_argv, NO_OPTIONS).read()
    except (OSError, ValueError):
        return  # no working directory (deleted): the link says what it makes of that
    if found is None or any(a.startswith("@") and not a.endswith(LINK_ARGS_SUFFIX) for a in linker_argv):
        return  # none, or the link needs a response file (`linker_cmd.needs_response_file`): it writes it
    output, argv = found
    tmp_out = temporary_output(output)
    argv = [a.replace(_OUT, tmp_out) for a in argv]
    if sum(len(a) + 1 for a in argv) <= ARGV_LIMIT:
        try:
            tmp_dir = private_tmp()
        except OSError:
            tmp_dir = None  # the link says what it makes of that
        _started = start(argv, argv, tmp_out, tmp_dir)
        if _started is None and tmp_dir is not None:
            remove_private_tmp(tmp_dir)
        elif tmp_dir is not None:
            from ..errors import terminate_as_exit

            terminate_as_exit()


def take() -> "Speculation | None":
    """The linker `start_remembered` started, once."""
    global _started
    s, _started = _started, None
    return s


# Above this many bytes of arguments, the linker gets a response file
# (`linker_cmd.needs_response_file`).
ARGV_LIMIT = 100_000
# How compile mode's link-args files end (`@FILE` arguments the wrapper
# drops, not response files; `linker_cmd.LINK_ARGS_SUFFIX` is this).
LINK_ARGS_SUFFIX = ".rlib-v0-link-args"
