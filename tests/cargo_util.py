"""The cargo corpus (tests/cargo_corpus) built by cargo through the wrapper,
for any rustc and target; and the rustc releases and cross tools the tests
find on the machine.

Used by conftest.py's `cargo_corpus` and `rust_release` fixtures; the
builds are shared by every test of a session (test_cargo_corpus.py,
test_cargo_cross.py, test_cargo_releases.py).

Every rustc here is a real binary (the `bin/rustc` of its sysroot), never a
rustup proxy: a proxy picks its toolchain from the directory it runs in
(rust-toolchain files) and from RUSTUP_TOOLCHAIN, which cargo's rustup proxy
sets for its children.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
from pathlib import Path

HERE = Path(__file__).parent
CORPUS = HERE / "cargo_corpus"
EXPECTED = (CORPUS / "expected.txt").read_text()
AARCH64 = "aarch64-unknown-linux-gnu"

# The rustc releases the corpus is built with on x86-64, and how each is
# found: rustup's default (`rustc` on PATH: stable), rustup's nightly, and
# Debian's rustc-web (/usr/bin/rustc, with std for x86-64 and, from
# libstd-rust-web-dev:arm64, aarch64).
RELEASES = ("stable", "nightly", "debian")  # "stable": the rustc on PATH
RELEASE_HINT = {
    "stable": "install Rust with rustup (https://rustup.rs)",
    "nightly": "rustup toolchain install nightly",
    "debian": "bash scripts/setup.sh (as root; Debian's rustc-web package)",
}
# What scripts/setup.sh installs for the cross tests.
CROSS_HINT = "bash scripts/setup.sh as root (Debian: dpkg --add-architecture arm64; apt-get install rustc-web libstd-rust-web-dev:arm64 gcc-aarch64-linux-gnu g++-aarch64-linux-gnu qemu-user)"


class Rustc:
    """One real rustc binary and what `-vV` says of it."""

    def __init__(self, name: str, path: str) -> None:
        self.name = name  # "stable", "nightly", "debian"
        self.path = path  # the binary itself, not a proxy
        out = subprocess.run([path, "-vV"], capture_output=True, text=True, check=True).stdout
        fields = dict(ln.split(": ", 1) for ln in out.splitlines() if ": " in ln)
        self.release = fields["release"]  # "1.96.0"
        self.commit = fields.get("commit-hash", "")  # full hash; the marker records it
        self.host = fields["host"]  # its default target
        sysroot = subprocess.run([path, "--print", "sysroot"], capture_output=True, text=True, check=True).stdout.strip()
        self.sysroot = Path(sysroot)  # where its precompiled std lives: lib/rustlib/TARGET/lib

    def has_std(self, target: str) -> bool:
        return (self.sysroot / "lib" / "rustlib" / target / "lib").is_dir()

    def __repr__(self) -> str:
        return f"rustc {self.release} ({self.name}: {self.path})"


def _sysroot_rustc(argv: list[str]) -> str | None:
    """The `bin/rustc` of the sysroot `argv --print sysroot` names."""
    try:
        proc = subprocess.run(argv + ["--print", "sysroot"], capture_output=True, text=True, timeout=60)
    except OSError:
        return None
    p = Path(proc.stdout.strip()) / "bin" / "rustc"
    return str(p) if proc.returncode == 0 and proc.stdout.strip() and p.is_file() else None


def find_release(name: str) -> str | None:
    """Path of the real rustc binary of a release, None if not installed."""
    if name == "stable":
        return _sysroot_rustc(["rustc"]) if shutil.which("rustc") else None
    if name == "nightly":
        found = _sysroot_rustc(["rustup", "run", "nightly", "rustc"]) if shutil.which("rustup") else None
        if found is None:
            home = os.environ.get("RUSTUP_HOME", os.path.expanduser("~/.rustup"))
            found = next(iter(sorted(glob.glob(os.path.join(home, "toolchains", "nightly-*", "bin", "rustc")))), None)
        return found
    if name == "debian":
        # rustc-web, not Debian's older `rustc` package (which it conflicts with).
        p = "/usr/bin/rustc"
        if not os.path.isfile(p) or not shutil.which("dpkg-query"):
            return None
        pkg = subprocess.run(["dpkg-query", "-S", p], capture_output=True, text=True)
        return p if pkg.stdout.startswith("rustc-web:") else None
    raise ValueError(name)


class CorpusBuild:
    """One cargo build of the corpus: where its rlibs are, and how to rerun it."""

    def __init__(self, project: Path, target_dir: Path, profile: str, target: str | None, env: dict[str, str]) -> None:
        self.project = project  # the corpus copied to a scratch directory
        self.target_dir = target_dir  # CARGO_TARGET_DIR
        self.profile = profile  # "dev" or "release"
        self.target = target  # --target, or None for the host
        self.env = env  # cargo's environment (RUSTC, RUSTC_WRAPPER, CC_<target>...)
        out = target_dir / target if target else target_dir
        self.deps = out / ("release" if profile == "release" else "debug") / "deps"
        self.host_deps = target_dir / ("release" if profile == "release" else "debug") / "deps"  # proc macros, build scripts' deps
        self.proc: subprocess.CompletedProcess | None = None  # the first cargo run, which built everything

    def cargo(self) -> subprocess.CompletedProcess:
        """Run `cargo build` (again): the first run is kept as `proc`."""
        cmd = ["cargo", "build", "--locked", "-j2"] + (["--release"] if self.profile == "release" else []) + (["--target", self.target] if self.target else [])
        proc = subprocess.run(cmd, cwd=self.project, env=self.env, capture_output=True, text=True, timeout=1200)
        self.proc = self.proc or proc
        return proc

    @property
    def rlibs(self) -> list[str]:
        return sorted(glob.glob(str(self.deps / "*.rlib")))

    def rlib(self, crate: str) -> str:
        (found,) = glob.glob(str(self.deps / f"lib{crate}-*.rlib"))
        return found


def cargo_env(wrapper: Path, target_dir: Path, rustc: str | None, target: str | None) -> dict[str, str]:
    env = dict(os.environ, RUSTC_WRAPPER=str(wrapper), CARGO_TARGET_DIR=str(target_dir), CARGO_TERM_COLOR="never")
    for k in ("RUSTC_WORKSPACE_WRAPPER", "CARGO_BUILD_TARGET", "RUSTFLAGS", "CARGO_ENCODED_RUSTFLAGS"):
        env.pop(k, None)
    if rustc:
        env["RUSTC"] = rustc
    if target:
        # ring's build script compiles C and assembly with the cc crate: the
        # target's C compiler, as a user sets it (`aarch64-linux-gnu-gcc`).
        env[f"CC_{target.replace('-', '_')}"] = cross_gcc(target)
    return env


def gnu_triple(target: str) -> str:
    """aarch64-unknown-linux-gnu -> aarch64-linux-gnu (Debian's cross tools' prefix)."""
    arch, _vendor, rest = target.split("-", 2)
    return f"{arch}-{rest}"


def cross_gcc(target: str, cxx: bool = False) -> str:
    return f"{gnu_triple(target)}-{'g++' if cxx else 'gcc'}"
