"""Facts about the rustc in use: `rustc -vV`, default target, native libs."""

from __future__ import annotations

import os
from .records import Record

from .errors import UserError


class RustcInfo(Record):
    __slots__ = ("path", "version_text", "release", "commit", "host")
    __hash__ = Record.hash_fields

    def __init__(self, path: str, version_text: str, release: str, commit: str, host: str) -> None:
        self.path = path  # the rustc executable
        self.version_text = version_text  # full `rustc -vV` output
        self.release = release  # "1.95.0"
        self.commit = commit  # commit hash ("" for a source build without one)
        self.host = host  # host triple, rustc's default target


def find_rustc(explicit: str | None) -> str:
    """`--rustc`, else `$RUSTC`, else `rustc` on PATH."""
    cand = explicit or os.environ.get("RUSTC") or "rustc"
    found = which(cand)
    if not found:
        raise UserError(f"rustc not found: {cand!r} (set --rustc or $RUSTC, or put rustc on PATH)")
    return found


def which(cand: str) -> str | None:
    """The executable `cand` names: a path as it is, a bare name on PATH."""
    if os.sep in cand:
        return cand if os.path.isfile(cand) and os.access(cand, os.X_OK) else None
    for d in os.environ.get("PATH", os.defpath).split(os.pathsep):
        p = os.path.join(d or ".", cand)
        if os.path.isfile(p) and os.access(p, os.X_OK):
            return p
    return None


def parse_version(rustc: str, out: str) -> RustcInfo:
    fields = {}
    for line in out.splitlines():
        if ": " in line:
            k, v = line.split(": ", 1)
            fields[k.strip()] = v.strip()
    if "release" not in fields or "host" not in fields:
        raise UserError(f"{rustc}: `rustc -vV` printed no release/host lines; is this rustc?")
    return RustcInfo(rustc, out.strip(), fields.get("release", ""), fields.get("commit-hash", ""), fields.get("host", ""))


class Probe:
    """`rustc -vV` running in the background while other work goes on."""

    __slots__ = ("rustc", "pid", "fd")

    def __init__(self, rustc: str) -> None:
        from .proc import capture_stdout

        self.rustc = rustc
        self.pid, self.fd = capture_stdout([rustc, "-vV"])

    def result(self) -> RustcInfo:
        from .proc import finish_capture

        code, out = finish_capture(self.pid, self.fd)
        if code != 0:
            raise UserError(f"{self.rustc}: `rustc -vV` failed (exit {code})")
        return parse_version(self.rustc, out.decode("utf-8", "replace"))


def start_probe(rustc: str) -> Probe:
    return Probe(rustc)


def rustc_info(rustc: str) -> RustcInfo:
    import subprocess

    try:
        out = subprocess.run([rustc, "-vV"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError) as e:
        raise UserError(f"{rustc}: cannot run `rustc -vV` ({e})") from None
    return parse_version(rustc, out)
