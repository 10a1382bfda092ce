"""Facts about the rustc in use: `rustc -vV`, default target, native libs."""

from __future__ import annotations

import os
from .records import Record

from .cache import cache_dir, store_entry
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
    """`rustc -vV` running in the background while other work goes on, or
    its answer from the cache (`cached_version`) when the toolchain is one
    whose answer can be pinned."""

    __slots__ = ("rustc", "pid", "fd", "key", "text")

    def __init__(self, rustc: str) -> None:
        self.rustc = rustc
        self.key = toolchain_key(rustc)
        self.text = cached_version(rustc, self.key) if self.key else None
        self.pid = self.fd = None
        if self.text is None:
            from .proc import capture_stdout

            self.pid, self.fd = capture_stdout([rustc, "-vV"])

    def result(self) -> RustcInfo:
        if self.text is not None:
            return parse_version(self.rustc, self.text)
        from .proc import finish_capture

        code, out = finish_capture(self.pid, self.fd)
        if code != 0:
            raise UserError(f"{self.rustc}: `rustc -vV` failed (exit {code})")
        self.text = out.decode("utf-8", "replace")
        info = parse_version(self.rustc, self.text)
        if self.key:
            store_version(self.rustc, self.key, self.text)
        return info


def start_probe(rustc: str) -> Probe:
    return Probe(rustc)


# --- the `rustc -vV` cache -------------------------------------------------
#
# `rustc -vV` costs ~11 ms of CPU per compile, and without `--target` (cargo's
# host builds) the compile waits for it.  Its answer is a function of the
# toolchain's files, so it is kept per toolchain binary, keyed by everything
# that could change it: the resolved binary and every shared library beside
# its driver (path, size, mtime, inode, device, ctime: a file replaced in any
# way, even with its mtime restored, has a new ctime).  Only a binary that
# is the compiler itself qualifies: it links `librustc_driver-*.so` through
# `$ORIGIN/../lib` (rustup's toolchains, rustc's own dist layout).  A rustup
# proxy (`~/.cargo/bin/rustc`) never does: it picks a toolchain per
# directory and environment, so its answer is not a function of its files.
# Nor does a distribution's rustc whose driver comes from the system library
# path (Debian's), nor one inside the current directory (a Buck2 sandbox or
# remote-execution input root: a new path per action, the cache would only
# grow), nor anything under LD_PRELOAD, or with a driver library shadowed by
# LD_LIBRARY_PATH.  The cache is optional: $XDG_CACHE_HOME/rlib-v0 (else
# ~/.cache/rlib-v0; none without HOME, or with RLIB_V0_NO_CACHE set); any
# failure to read or write it means running `rustc -vV`, and an entry is
# used only if its checksum and its full key match.

_CACHE_MAGIC = "rlib-v0 rustc -vV cache 1"


def _file_key(path: str) -> str:
    st = os.stat(path)
    return f"{path} {st.st_size} {st.st_mtime_ns} {st.st_ino} {st.st_dev} {st.st_ctime_ns}"


def toolchain_key(rustc: str) -> str | None:
    """One line naming the state of every file `rustc -vV`'s answer comes
    from, or None if that answer is not a function of files we can see."""
    if os.environ.get("LD_PRELOAD"):
        return None
    try:
        real = os.path.realpath(rustc)
        if os.path.basename(real).startswith("rustup") or real.startswith(os.path.join(os.getcwd(), "")):
            return None
        lib = os.path.join(os.path.dirname(os.path.dirname(real)), "lib")
        libs = sorted(n for n in os.listdir(lib) if n.startswith("lib") and ".so" in n)
        if not any(n.startswith("librustc_driver-") for n in libs):
            return None
        for d in os.environ.get("LD_LIBRARY_PATH", "").split(":"):
            if d and any(os.path.lexists(os.path.join(d, n)) for n in libs):
                return None  # the loader would take that one first
        key = " | ".join([_file_key(real)] + [_file_key(os.path.join(lib, n)) for n in libs])
    except (OSError, ValueError):
        return None
    return None if "\n" in key or "\0" in key else key


def _entry_path(rustc: str) -> str | None:
    d = cache_dir("rustc-vV")
    if d is None:
        return None
    from .sha import sha256_hex

    return os.path.join(d, sha256_hex(os.fsencode(os.path.realpath(rustc)))[:32])


def _entry(key: str, text: str) -> str:
    from .sha import sha256_hex

    return f"{_CACHE_MAGIC}\n{sha256_hex((key + chr(10) + text).encode())}\n{key}\n{text}"


def cached_version(rustc: str, key: str) -> str | None:
    """The `rustc -vV` text stored for `key`, None if there is none that
    can be trusted (missing, unreadable, for another key, corrupt)."""
    try:
        path = _entry_path(rustc)
        if path is None:
            return None
        with open(path, encoding="utf-8") as f:
            data = f.read(65536)
        magic, _, their_key, text = data.split("\n", 3)
    except (OSError, ValueError):
        return None
    if magic != _CACHE_MAGIC or their_key != key or _entry(key, text) != data:
        return None
    return text


def store_version(rustc: str, key: str, text: str) -> None:
    """Keep `text` for `key` if the binary is the compiler itself (see above)
    and nothing changed while it ran; silently nothing on any failure."""
    try:
        path = _entry_path(rustc)
        if path is None or toolchain_key(rustc) != key:
            return
        from .formats.elf import dynamic_needs

        with open(os.path.realpath(rustc), "rb") as f:
            needs = dynamic_needs(f.read())
        if needs is None:
            return
        needed, search = needs
        if not any(n.startswith("librustc_driver-") for n in needed) or not {"$ORIGIN/../lib", "${ORIGIN}/../lib"} & set(search):
            return
        store_entry(path, _entry(key, text).encode(), 0o644)
    except Exception:  # noqa: BLE001 - the cache is optional: whatever goes wrong (a read-only or missing HOME, a malformed binary), no entry
        pass


def rustc_info(rustc: str) -> RustcInfo:
    import subprocess

    try:
        out = subprocess.run([rustc, "-vV"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError) as e:
        raise UserError(f"{rustc}: cannot run `rustc -vV` ({e})") from None
    return parse_version(rustc, out)
