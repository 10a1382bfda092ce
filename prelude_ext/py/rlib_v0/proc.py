"""Running rustc: spawning, stderr filtering, temporary directories.

`os.posix_spawn` rather than `subprocess`: it costs nothing to import, and
the child inherits every inheritable file descriptor, which is what the
jobserver protocol needs (cargo and make pass the jobserver as inherited
fds named in `CARGO_MAKEFLAGS`/`MAKEFLAGS`; `subprocess` closes them by
default, and rustc then warns "failed to connect to jobserver" and runs its
own threads beside cargo's `-j`).
"""

from __future__ import annotations

import os
import sys


def _spawn(argv: list[str]) -> int:
    """Start `argv` with our stdin, stdout and stderr."""
    try:
        return os.posix_spawn(argv[0], argv, os.environ)
    except (FileNotFoundError, PermissionError) as e:
        raise _worded(e, argv[0]) from None


def _worded(e: OSError, program: str) -> Exception:
    from .errors import UserError

    return UserError(f"{program}: no such program" if isinstance(e, FileNotFoundError) else f"{program}: not executable")


def _wait(pid: int) -> int:
    while True:
        try:
            _, status = os.waitpid(pid, 0)
            return os.waitstatus_to_exitcode(status)
        except InterruptedError:
            continue


def _kill(pid: int) -> None:
    try:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
    except (ProcessLookupError, ChildProcessError):
        pass


def run_passthrough(argv: list[str]) -> int:
    """Run `argv` with our stdin, stdout and stderr; its exit status."""
    pid = _spawn(argv)
    try:
        return _wait(pid)
    except BaseException:
        _kill(pid)
        raise


def run_filtering_stderr(argv: list[str], tmp_dir: str, final_dir: str, held: list[bytes], while_running=None) -> int:  # noqa: ANN001
    """Run rustc, passing its stderr through line by line as it comes.

    Paths inside `tmp_dir` are shown inside `final_dir`.  rustc's JSON
    artifact notifications for files in `tmp_dir` are not passed on but
    appended to `held` (rewritten), to be released once the file is in
    place: a driver that reads them (cargo) must not look before.
    `while_running` is called once rustc has started."""
    from _json import encode_basestring  # json.dumps' quoting, without importing json

    variants = []
    for raw in (tmp_dir, encode_basestring(tmp_dir)[1:-1]):
        old = (raw + "/").encode()
        new = (final_dir + "/").encode() if final_dir else b""
        if old not in (v[0] for v in variants):
            variants.append((old, new))
    out = sys.stderr.buffer

    def emit(line: bytes, end: bytes) -> None:
        moved = False
        for old, new in variants:
            if old in line:
                line = line.replace(old, new)
                moved = True
        # `{"$message_type":"artifact","artifact":PATH,"emit":KIND}` (older
        # rustc: without `$message_type`).
        if moved and (line.startswith(b'{"$message_type":"artifact"') or line.startswith(b'{"artifact":')):
            held.append(line)
            return
        out.write(line + end)
        out.flush()

    pid, r = _spawn_piped(argv, 2)
    buf = b""
    if while_running is not None:
        while_running()
    try:
        while True:
            chunk = os.read(r, 65536)
            if not chunk:
                break
            buf += chunk
            if b"\n" in chunk:
                *lines, buf = buf.split(b"\n")
                for line in lines:
                    emit(line, b"\n")
        if buf:
            emit(buf, b"")
    except BaseException:
        _kill(pid)
        raise
    finally:
        os.close(r)
    return _wait(pid)


def capture_stdout(argv: list[str]) -> tuple[int, int]:
    """Start `argv` with stdout into a pipe: (pid, read end).  Small outputs only
    (they must fit the pipe until `finish_capture`)."""
    return _spawn_piped(argv, 1)


def spawn_piped(argv: list[str], fd: int, search: bool = False, env=None) -> tuple[int, int]:  # noqa: ANN001
    """Start `argv` with its `fd` (1 or 2) into a new pipe: (pid, read end).
    `env`: its environment (ours if None).

    `search`: look `argv[0]` up on PATH (posix_spawnp).  OSError (no such
    program, not executable) propagates, for the caller to word."""
    r, w = os.pipe()
    try:
        spawn = os.posix_spawnp if search else os.posix_spawn
        pid = spawn(argv[0], argv, os.environ if env is None else env, file_actions=[(os.POSIX_SPAWN_DUP2, w, fd)])
    except BaseException:
        os.close(r)
        os.close(w)
        raise
    os.close(w)
    return pid, r


def _spawn_piped(argv: list[str], fd: int) -> tuple[int, int]:
    try:
        return spawn_piped(argv, fd)
    except (FileNotFoundError, PermissionError) as e:
        raise _worded(e, argv[0]) from None


def collect(pid: int, fd: int, while_running=None, kill=None) -> tuple[int, bytes]:  # noqa: ANN001
    """(exit status, everything read from `fd`) of the child `pid`; like
    subprocess, a child killed by signal N gives -N.  `while_running` is
    called once, before reading.  On Ctrl-C or a cancel (any exception) the
    child is ended by `kill(pid)` (default: SIGKILL), never left running."""
    chunks: list[bytes] = []
    try:
        try:
            if while_running is not None:
                while_running()
            while True:
                c = os.read(fd, 65536)
                if not c:
                    break
                chunks.append(c)
        finally:
            os.close(fd)
        return _wait(pid), b"".join(chunks)
    except BaseException:
        (kill or _kill)(pid)
        raise


def finish_capture(pid: int, fd: int) -> tuple[int, bytes]:
    return collect(pid, fd)


class TempDir:
    """A private directory inside `parent` (same file system as the outputs,
    so results move into place by rename), removed on exit whatever happens;
    SIGTERM and SIGHUP clean up too (they raise SystemExit here)."""

    def __init__(self, parent: str, prefix: str) -> None:
        self.parent = parent
        self.prefix = prefix
        self.path = ""

    def __enter__(self) -> str:
        for _ in range(100):
            path = os.path.join(self.parent, f"{self.prefix}{os.getpid()}-{os.urandom(4).hex()}")
            try:
                os.mkdir(path, 0o700)
            except FileExistsError:
                continue
            except OSError as e:
                from .errors import UserError

                raise UserError(f"{self.parent}: cannot create a temporary directory ({e.strerror})") from None
            self.path = path
            from .errors import terminate_as_exit

            terminate_as_exit()
            return path
        raise RuntimeError("no unique temporary directory name")

    def __exit__(self, *exc: object) -> None:
        remove_tree(self.path)


def remove_tree(path: str) -> None:
    """`shutil.rmtree` without importing shutil; a missing `path` is fine."""
    if not path:
        return
    try:
        entries = list(os.scandir(path))
    except FileNotFoundError:
        return
    except NotADirectoryError:
        os.unlink(path)
        return
    for e in entries:
        if e.is_dir(follow_symlinks=False):
            remove_tree(e.path)
        else:
            try:
                os.unlink(e.path)
            except FileNotFoundError:
                pass
    try:
        os.rmdir(path)
    except FileNotFoundError:
        pass
