"""Helpers for the end-to-end Buck2 tests (tests/test_buck2_*.py).

Each test module works on its own copy of the repository (so builds never
touch the checkout and parallel runs never share a buck-out) and its own
Buck2 isolation dir (so they never share a daemon), and kills its daemon at
the end.
"""

from __future__ import annotations

import functools
import hashlib
import os
import shutil
import subprocess
import tempfile
import uuid
from dataclasses import dataclass, field
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

BUCK2_COMMIT = "13baa8a1d181428b17e1873fcb129793fa36d463"
HOW_TO_GET_BUCK2 = (
    f"buck2 not found (looked for $BUCK2, then buck2 on PATH): install buck2 from source, "
    f"commit {BUCK2_COMMIT} (2026-08-22), as docs/buck2.md describes"
)

# What a copy of the repository leaves out: build outputs and VCS data.
_IGNORE = shutil.ignore_patterns(".git", "buck-out", "__pycache__", "*.egg-info", ".venv", ".pytest_cache", "bench")


def find_buck2() -> str | None:
    explicit = os.environ.get("BUCK2")
    if explicit:
        return explicit if os.access(explicit, os.X_OK) else None
    return shutil.which("buck2")


def require_buck2() -> str:
    exe = find_buck2()
    if exe is None:
        pytest.skip(HOW_TO_GET_BUCK2)
    return exe


def copy_repo(dest: Path) -> Path:
    """A copy of the files Buck2 needs: .buckconfig, BUCK files, cells (the
    tool's sources are inside prelude_ext/py)."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in [".buckconfig", "BUCK.rlib-v0", "prelude_ext", "toolchains", "examples"]:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=_IGNORE)
        elif src.exists():
            shutil.copy2(src, dest / name)
    return dest


# Where tests that build large crate sets keep their repository between runs
# (buck-out, vendored crates): `$RLIB_V0_TEST_CACHE`, else ~/.cache/rlib-v0-tests.
def test_cache_dir() -> Path:
    return Path(os.environ.get("RLIB_V0_TEST_CACHE") or Path.home() / ".cache" / "rlib-v0-tests")


def sync_tree(src: Path, dest: Path, keep: tuple[str, ...] = ()) -> None:
    """Make `dest` a copy of `src`, rewriting only the files whose bytes
    differ and removing what `src` lacks (except top-level names in `keep`:
    generated there), so Buck2 sees only real changes."""
    dest.mkdir(parents=True, exist_ok=True)
    wanted = {p.relative_to(src) for p in src.rglob("*") if "__pycache__" not in p.parts}
    for rel in sorted(wanted):
        s, d = src / rel, dest / rel
        if s.is_dir():
            d.mkdir(exist_ok=True)
        elif not d.is_file() or d.read_bytes() != s.read_bytes():
            shutil.copy2(s, d)
    for d in sorted(dest.rglob("*"), reverse=True):
        rel = d.relative_to(dest)
        if rel.parts[0] in keep or "__pycache__" in rel.parts or rel in wanted:
            continue
        if d.is_dir() and not d.is_symlink():
            shutil.rmtree(d)
        elif d.exists() or d.is_symlink():
            d.unlink()


def sync_repo(dest: Path, extra: dict[str, Path], keep: tuple[str, ...] = ()) -> Path:
    """A long-lived copy of the repository at `dest` (`copy_repo`'s files
    plus `extra`: name in the copy -> source), updated in place."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in [".buckconfig", "BUCK.rlib-v0", "prelude_ext", "toolchains"]:
        src = ROOT / name
        if src.is_dir():
            sync_tree(src, dest / name)
        elif not (dest / name).is_file() or (dest / name).read_bytes() != src.read_bytes():
            shutil.copy2(src, dest / name)
    for name, src in extra.items():
        sync_tree(src, dest / name, keep)
    return dest


def buck2_on_a_copy(tmp_path_factory: pytest.TempPathFactory, packages: dict[str, dict[str, str]] | None = None) -> Iterator[Buck2]:
    """The body of a module's `buck2` fixture (`yield from` it): buck2 on a
    fresh copy of the repository, with `packages` added (package -> file
    name -> text), its daemon killed at the end."""
    exe = require_buck2()
    repo = copy_repo(tmp_path_factory.mktemp("repo"))
    for name, files in (packages or {}).items():
        (repo / name).mkdir(parents=True)
        for fname, text in files.items():
            (repo / name / fname).write_text(text)
    with Buck2(exe, repo) as b:
        yield b


@dataclass
class Buck2:
    """`buck2` in one repository with one isolation dir (hence one daemon)."""

    exe: str
    repo: Path
    isolation: str = field(default_factory=lambda: "pytest-" + uuid.uuid4().hex[:12])
    # Added to the environment of every command, hence of the daemon the
    # first one starts, whose environment local actions inherit.
    env: dict[str, str] = field(default_factory=dict)

    def run(self, *args: str, check: bool = True, timeout: float = 600) -> subprocess.CompletedProcess[str]:
        cmd = [self.exe, "--isolation-dir", self.isolation, *args]
        proc = subprocess.run(cmd, cwd=self.repo, capture_output=True, text=True, timeout=timeout, env=dict(os.environ, **self.env) if self.env else None)
        if check and proc.returncode != 0:
            raise AssertionError(f"{' '.join(cmd)} exited {proc.returncode}\n--- stdout\n{proc.stdout}\n--- stderr\n{proc.stderr}")
        return proc

    def build(self, *args: str, check: bool = True, timeout: float = 600) -> subprocess.CompletedProcess[str]:
        return self.run("build", "--console=simple", *args, check=check, timeout=timeout)

    def outputs(self, *targets: str, extra: tuple[str, ...] = (), timeout: float = 600) -> dict[str, Path]:
        """Build `targets`; their default outputs, by target as printed."""
        proc = self.build(*extra, "--show-full-output", *targets, timeout=timeout)
        out: dict[str, Path] = {}
        for line in proc.stdout.splitlines():
            target, _, path = line.partition(" ")
            if path:
                out[target] = Path(path)
        return out

    def run_target(self, target: str, *extra: str, timeout: float = 600) -> str:
        """`buck2 run`: the program's stdout."""
        return self.run("run", "--console=none", *extra, target, timeout=timeout).stdout

    def what_ran(self) -> list[str]:
        """`buck2 log what-ran` for the last command: one line per action."""
        return self.run("log", "what-ran").stdout.splitlines()

    def executors(self) -> dict[str, str]:
        """what-ran of the last command: action -> where it ran (`local`,
        `cache`, or `re(PLATFORM PROPERTIES)` for remote execution)."""
        out = {}
        for line in self.what_ran():
            cols = line.split("\t")
            if len(cols) >= 3:
                out[cols[1]] = cols[2]
        return out

    def kill(self) -> None:
        self.run("kill", check=False, timeout=120)

    # `with Buck2(...) as b:` — the daemon is killed however the block ends.
    def __enter__(self) -> "Buck2":
        return self

    def __exit__(self, *exc: object) -> None:
        self.kill()


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def tree_digests(root: Path) -> dict[str, str]:
    """sha256 of every file under `root` (or of `root` itself), by relative path."""
    if root.is_file():
        return {root.name: sha256(root)}
    return {str(p.relative_to(root)): sha256(p) for p in sorted(root.rglob("*")) if p.is_file()}


# ---- cross builds: toolchains//platforms:aarch64 and its combinations ----

# The aarch64 libc's root, where qemu finds the dynamic loader: what the
# toolchain's runner passes (`[rust_v0] aarch64_runner`, toolchains/BUCK.rlib-v0).
AARCH64_SYSROOT = Path("/usr/aarch64-linux-gnu")


@dataclass
class Aarch64:
    """This machine can build for the aarch64 platforms and run the result."""

    qemu: str  # qemu-aarch64
    rustc: str  # the toolchain's `system` rustc, whose sysroot has the aarch64 std

    def run(self, exe: Path) -> str:
        """The program's stdout under qemu-user (as `buck2 run` runs a rust_v0_binary)."""
        proc = subprocess.run([self.qemu, "-L", str(AARCH64_SYSROOT), str(exe)], capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, f"{exe} under qemu exited {proc.returncode}:\n{proc.stderr[-2000:]}"
        return proc.stdout

    def require_threads(self) -> None:
        """Skip unless qemu-user runs a threaded aarch64 program here (libtest
        runs each test in a thread): Debian 12's qemu-user 7.2 on a 6.18
        kernel hangs in a futex at the guest's first pthread_create."""
        if _qemu_hangs_on_threads(self.qemu):
            pytest.skip(f"{self.qemu} hangs on a threaded program here (a C pthread_create + join never returns): a qemu-user/kernel problem, not ours")


_THREADS_C = "#include <pthread.h>\nstatic void *f(void *a) { return a; }\nint main(void) { pthread_t t; return pthread_create(&t, 0, f, 0) || pthread_join(t, 0); }\n"


@functools.cache
def _qemu_hangs_on_threads(qemu: str) -> bool:
    with tempfile.TemporaryDirectory() as d:
        src, exe = Path(d) / "t.c", Path(d) / "t"
        src.write_text(_THREADS_C)
        subprocess.run(["aarch64-linux-gnu-gcc", "-pthread", str(src), "-o", str(exe)], check=True, capture_output=True)
        try:
            return subprocess.run([qemu, "-L", str(AARCH64_SYSROOT), str(exe)], capture_output=True, timeout=10).returncode != 0
        except subprocess.TimeoutExpired:
            return True


def require_aarch64() -> Aarch64:
    """Skip, saying what to install, unless the aarch64 platforms can be built
    and run here: the cross gcc/g++ (and binutils), qemu-user, the aarch64
    libc and /usr/bin/rustc with the aarch64 standard library."""
    from cargo_util import AARCH64, CROSS_HINT, Rustc, cross_gcc

    missing = [t for t in (cross_gcc(AARCH64), cross_gcc(AARCH64, cxx=True), "aarch64-linux-gnu-ar", "qemu-aarch64") if shutil.which(t) is None]
    if missing or not (AARCH64_SYSROOT / "lib").is_dir():
        pytest.skip(f"needs {', '.join(missing) or AARCH64_SYSROOT}: {CROSS_HINT}")
    rustc = require_system_rustc()
    if not Rustc("system", rustc).has_std(AARCH64):
        pytest.skip(f"{rustc} (the platforms' system rustc) has no {AARCH64} standard library: {CROSS_HINT}")
    return Aarch64(shutil.which("qemu-aarch64"), rustc)


# `[rust_v0] system_rustc`'s default: the rustc of the aarch64 and system-rustc platforms.
SYSTEM_RUSTC = "/usr/bin/rustc"


def require_system_rustc() -> str:
    if not os.access(SYSTEM_RUSTC, os.X_OK):
        from cargo_util import CROSS_HINT

        pytest.skip(f"no {SYSTEM_RUSTC} (the platforms' system rustc): {CROSS_HINT}")
    return SYSTEM_RUSTC


def rustc_signature(rustc: str) -> str:
    """What a rustc writes into `.comment` of what it links: `rustc version
    1.96.0 (ac68faa20 2026-05-25)...`, from its `rustc -V`."""
    version = subprocess.run([rustc, "-V"], capture_output=True, text=True, check=True).stdout.strip()
    return "rustc version " + version.removeprefix("rustc ")
