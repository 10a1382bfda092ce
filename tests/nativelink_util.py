"""A real NativeLink server for the remote-execution tests.

`NativeLink(dir)` writes re/nativelink.json5 with free loopback ports and
its stores and work directory under `dir`, starts `nativelink` with an
environment of PATH only (the executor's "image": the real python3 and
rustc directories, then /usr/bin:/bin; no HOME, no PYTHONPATH, no
site-packages of the checkout), waits until both ports answer, and stops it
on exit. `buckconfig()` is re/remote.buckconfig pointed at it.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NATIVELINK_COMMIT = "a21edb0fc56879124e308bb9a67be679f8eaf885"
HOW_TO_GET_NATIVELINK = (
    "nativelink not found (looked for $NATIVELINK, then nativelink on PATH): build NativeLink 1.6.6 "
    f"(TraceMachina/nativelink, commit {NATIVELINK_COMMIT}) with `cargo build --profile smol --bin nativelink` "
    "and put the binary on PATH, as README.md (Remote execution) describes"
)


def require_nativelink() -> str:
    exe = os.environ.get("NATIVELINK") or shutil.which("nativelink")
    if not exe:
        pytest.skip(HOW_TO_GET_NATIVELINK)
    return exe


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def executor_path() -> str:
    """The tools an action needs, by their real directories (a pyenv shim or
    a rustup proxy needs HOME and more, which the worker does not pass)."""
    dirs = [os.path.dirname(os.path.realpath(sys.executable))]
    rustc = shutil.which("rustc")
    if rustc:
        sysroot = subprocess.run([rustc, "--print", "sysroot"], capture_output=True, text=True).stdout.strip()
        if sysroot:
            dirs.append(os.path.join(sysroot, "bin"))
    return os.pathsep.join(dirs + ["/usr/local/bin", "/usr/bin", "/bin"])


class NativeLink:
    def __init__(self, exe: str, work: Path):
        self.exe, self.work = exe, work
        self.port, self.worker_port = _free_port(), _free_port()
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> "NativeLink":
        self.work.mkdir(parents=True, exist_ok=True)
        text = (ROOT / "re" / "nativelink.json5").read_text()
        text = text.replace("/tmp/rlib-v0-nativelink", str(self.work)).replace("127.0.0.1:50051", f"127.0.0.1:{self.port}").replace("127.0.0.1:50061", f"127.0.0.1:{self.worker_port}")
        config = self.work / "nativelink.json5"
        config.write_text(text)
        self.log = open(self.work / "nativelink.log", "wb")
        self.proc = subprocess.Popen([self.exe, str(config)], cwd=self.work, env={"PATH": executor_path()}, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 60
        for port in (self.port, self.worker_port):
            while True:
                if self.proc.poll() is not None:
                    raise AssertionError(f"nativelink exited with {self.proc.returncode}:\n{self.log_text()[-3000:]}")
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise AssertionError(f"nativelink does not listen on 127.0.0.1:{port}:\n{self.log_text()[-3000:]}") from None
                    time.sleep(0.2)
        return self

    def log_text(self) -> str:
        self.log.flush()
        return (self.work / "nativelink.log").read_text(errors="replace")

    def __exit__(self, *exc: object) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.log.close()

    def buckconfig(self) -> str:
        """re/remote.buckconfig with this server's address."""
        return (ROOT / "re" / "remote.buckconfig").read_text().replace("127.0.0.1:50051", f"127.0.0.1:{self.port}")
