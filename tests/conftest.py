"""Shared fixtures for rlib-v0's tests: real rustc, real C/C++ compilers, real linkers.

Nothing here is mocked.  Everything expensive is session-scoped and memoised
by its inputs, so tests may ask for the same crate or bundle freely:

Fixtures (all session-scoped unless noted)
- ``e2e_dir``      Path: the session's scratch directory.
- ``rlib_v0``      ``rlib_v0(*args, cwd=None, env=None, check=False) -> CompletedProcess``
                   runs the in-tree tool (``python -m rlib_v0``), text output captured.
- ``build_crate``  ``build_crate(name, src, deps=(), flags=()) -> Path`` of a v0 rlib
                   ``lib<name>.rlib`` built with ``rlib-v0 rustc``.  ``deps`` is a
                   mapping ``{extern_name: rlib}`` or an iterable of rlibs returned
                   by ``build_crate`` (extern name taken from ``lib<name>.rlib``).
                   ``flags`` are extra rustc arguments (``["-C", "metadata=v1"]``,
                   ``["-C", "panic=abort"]``, ``["-C", "opt-level=3"]``...);
                   ``--edition=2021`` is added unless ``flags`` give an edition.
                   A failed build fails the test with rustc's diagnostics.
- ``std_bundle``   ``std_bundle(panic="unwind", no_std=False, rustc=None, target=None) -> Path``
                   of a bundle from ``rlib-v0 std-bundle`` (one per variant per session);
                   ``rustc`` a path (``--rustc``), else the rustc on PATH.
- ``compile_c``    ``compile_c(src, name="main", cxx=False, flags=(), compiler=None) -> Path``
                   of an object file compiled with ``cc -c`` (``c++ -c`` if ``cxx``;
                   ``compiler`` instead, e.g. ``aarch64-linux-gnu-gcc``).
- ``rust_release`` ``rust_release(name) -> cargo_util.Rustc`` for "stable" (the rustc on
                   PATH), "nightly" (rustup's) or "debian" (rustc-web): the real binary,
                   never a rustup proxy; skips, saying how to install it, if missing
                   (``rust_release.find(name)``: None instead).
- ``cargo_corpus`` ``cargo_corpus(profile="dev", rustc=None, target=None) -> CorpusBuild``:
                   tests/cargo_corpus built by cargo through the lean
                   ``rlib-v0-rustc-wrapper`` (``rustc``: a ``Rustc``, default the one on
                   PATH; ``target``: ``--target``, with ``CC_<target>`` set to the cross
                   gcc); one build per combination per session, in its own target dir.
- ``link``         ``link(linker_argv, *, debug=False, whole_archive=(), reproduce=None,
                   plan_graph=None, export_rust=False, cwd=None, env=None) -> CompletedProcess`` runs
                   ``rlib-v0 link [options] -- linker_argv...``.
- ``run_exe``      ``run_exe(path, *args) -> CompletedProcess`` (text, 60 s timeout).
- ``fuse_ld``      ``fuse_ld(name) -> ["-fuse-ld=name"]`` for a compiler driver;
                   skips the test (saying what to install) if ``cc -fuse-ld=name``
                   cannot link a trivial program here.  Names: bfd, gold, lld, mold.
- ``direct_ld``    ``direct_ld(linker, inputs, output) -> argv`` calling the linker
                   itself (``ld``, ``ld.bfd``, ``ld.gold``, ``ld.lld``, ``mold``) with
                   the crt objects, search paths and libc that ``cc`` would pass
                   (learned from ``cc -###``); skips if the linker is missing.
- ``require_cxx``  call it to skip unless ``c++`` is installed.
- ``tool_shim``    Path of a directory holding an ``rlib-v0`` script that runs this
                   checkout's package; put it first on PATH for scripts that call
                   ``rlib-v0`` (e.g. a ``--reproduce`` directory's run.sh).
- ``sha256_files`` ``sha256_files(paths) -> {path: digest}``, to show inputs untouched.

Plain helpers (import with ``from conftest import ...``): ``LINKERS``,
``INSTALL_HINT``, ``assert_user_error``.
"""

from __future__ import annotations

import hashlib
import os
import shlex
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest

LINKERS = ("bfd", "gold", "lld", "mold")
INSTALL_HINT = {
    "rustc": "install Rust (https://rustup.rs) so that `rustc` is on PATH",
    "cc": "apt-get install gcc",
    "c++": "apt-get install g++",
    "bfd": "apt-get install binutils",
    "gold": "apt-get install binutils-gold (or binutils on older Debian)",
    "lld": "apt-get install lld",
    "mold": "apt-get install mold",
}
_LINKER_BINARY = {"ld": "bfd", "ld.bfd": "bfd", "ld.gold": "gold", "ld.lld": "lld", "mold": "mold"}

TOOL = [sys.executable, "-m", "rlib_v0"]


def _env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("RLIB_V0_LINK_DEBUG", None)  # tests choose --debug explicitly
    env.setdefault("LC_ALL", "C")  # linker messages in English, for explain
    if extra:
        env.update(extra)
    return env


def _key(*parts: object) -> str:
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]


def assert_user_error(proc: subprocess.CompletedProcess, *mentions: str) -> str:
    """A refused input: non-zero exit, one `rlib-v0: error:` line naming every
    string in `mentions`, no traceback.  Returns the error line."""
    err = proc.stderr
    assert proc.returncode != 0, f"expected failure, got exit 0; stderr:\n{err}"
    assert "Traceback" not in err, err
    lines = [ln for ln in err.splitlines() if ln.startswith("rlib-v0: error: ")]
    assert len(lines) == 1, f"expected one `rlib-v0: error:` line, stderr:\n{err}"
    for m in mentions:
        assert m in lines[0], f"{m!r} not named in: {lines[0]}"
    return lines[0]


class _Memo:
    """Build-once cache, safe for fixtures that build in threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}
        self._done: dict[str, object] = {}

    def get(self, key: str, make):
        with self._lock:
            lk = self._locks.setdefault(key, threading.Lock())
        with lk:
            if key not in self._done:
                self._done[key] = make()
            return self._done[key]


@pytest.fixture(scope="session")
def e2e_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("e2e")


@pytest.fixture(scope="session")
def toolchain_ok() -> None:
    for tool in ("rustc", "cc"):
        if shutil.which(tool) is None:
            pytest.skip(f"`{tool}` not found: {INSTALL_HINT[tool]}")


@pytest.fixture(scope="session")
def rlib_v0():
    def run(*args: str, cwd=None, env=None, check: bool = False) -> subprocess.CompletedProcess:
        proc = subprocess.run(TOOL + [str(a) for a in args], cwd=cwd, env=_env(env), capture_output=True, text=True, timeout=600)
        if check and proc.returncode != 0:
            pytest.fail(f"rlib-v0 {' '.join(map(str, args))} failed ({proc.returncode}):\n{proc.stderr}")
        return proc

    return run


@pytest.fixture(scope="session")
def build_crate(e2e_dir, rlib_v0, toolchain_ok):
    memo = _Memo()
    dep_dirs: dict[str, set[str]] = {}  # rlib -> directories of its transitive dependencies

    def build(name: str, src: str, deps: Mapping[str, os.PathLike] | Iterable[os.PathLike] = (), flags: Iterable[str] = ()) -> Path:
        if isinstance(deps, Mapping):
            dep_items = [(n, Path(p)) for n, p in deps.items()]
        else:
            dep_items = []
            for p in deps:
                p = Path(p)
                assert p.name.startswith("lib") and p.suffix == ".rlib", f"cannot infer the extern name of {p}; pass deps as a mapping"
                dep_items.append((p.name[3:-5], p))
        flags = [str(f) for f in flags]
        key = _key("crate", name, src, [(n, str(p)) for n, p in dep_items], flags)
        closure = set()
        for _, p in dep_items:
            closure |= {str(p.parent)} | dep_dirs.get(str(p), set())

        def make() -> Path:
            d = e2e_dir / "crates" / f"{name}-{key}"
            d.mkdir(parents=True, exist_ok=True)
            (d / f"{name}.rs").write_text(src)
            out = d / f"lib{name}.rlib"
            args = ["rustc", "--", str(d / f"{name}.rs"), "--crate-name", name, "--crate-type=rlib", "-o", str(out)]
            if not any(f.startswith("--edition") for f in flags):
                args.append("--edition=2021")
            for n, p in dep_items:
                args += ["--extern", f"{n}={p}"]
            # rustc finds dependencies of dependencies through -L, as cargo's
            # `-L dependency=...`: one per directory in the transitive closure.
            for dep_dir in sorted(closure):
                args += ["-L", f"dependency={dep_dir}"]
            proc = rlib_v0(*(args + flags), cwd=d)
            if proc.returncode != 0 or not out.exists():
                pytest.fail(f"building crate {name} failed ({proc.returncode}):\n{proc.stderr}")
            dep_dirs[str(out)] = closure
            return out

        return memo.get(key, make)

    return build


@pytest.fixture(scope="session")
def std_bundle(e2e_dir, rlib_v0, toolchain_ok):
    memo = _Memo()

    def bundle(panic: str = "unwind", no_std: bool = False, rustc: str | None = None, target: str | None = None) -> Path:
        key = _key("bundle", panic, no_std, rustc, target)

        def make() -> Path:
            d = e2e_dir / "bundles" / f"{'core' if no_std else 'std'}-{panic}" / key
            d.mkdir(parents=True, exist_ok=True)
            out = d / "libstd_bundle.a"
            args = ["std-bundle", "-o", str(out), "--panic", panic] + (["--no-std"] if no_std else [])
            args += (["--rustc", str(rustc)] if rustc else []) + (["--target", target] if target else [])
            proc = rlib_v0(*args)
            if proc.returncode != 0 or not out.exists():
                pytest.fail(f"rlib-v0 {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr}")
            return out

        return memo.get(key, make)

    return bundle


@pytest.fixture(scope="session")
def require_cxx():
    def check() -> None:
        if shutil.which("c++") is None:
            pytest.skip(f"`c++` not found: {INSTALL_HINT['c++']}")

    return check


@pytest.fixture(scope="session")
def compile_c(e2e_dir, toolchain_ok, require_cxx):
    memo = _Memo()

    def compile_(src: str, name: str = "main", cxx: bool = False, flags: Iterable[str] = (), compiler: str | None = None) -> Path:
        if cxx and compiler is None:
            require_cxx()
        flags = list(flags)
        key = _key("c", src, name, cxx, flags, compiler)

        def make() -> Path:
            d = e2e_dir / "objs" / f"{name}-{key}"
            d.mkdir(parents=True, exist_ok=True)
            s = d / (f"{name}.cpp" if cxx else f"{name}.c")
            s.write_text(src)
            obj = d / f"{name}.o"
            cmd = [compiler or ("c++" if cxx else "cc"), "-c", "-O1", "-Wall", "-Werror=implicit-function-declaration", *flags, str(s), "-o", str(obj)]
            proc = subprocess.run(cmd, capture_output=True, text=True, env=_env())
            if proc.returncode != 0:
                pytest.fail(f"{shlex.join(cmd)} failed:\n{proc.stderr}")
            return obj

        return memo.get(key, make)

    return compile_


@pytest.fixture(scope="session")
def link(rlib_v0):
    def run(linker_argv: Iterable[os.PathLike | str], *, debug: bool = False, whole_archive: Iterable[str] = (), reproduce=None, plan_graph=None, export_rust: bool = False, cwd=None, env=None) -> subprocess.CompletedProcess:
        opts: list[str] = ["link"]
        if debug:
            opts.append("--debug")
        for c in whole_archive:
            opts += ["--whole-archive", c]
        if reproduce is not None:
            opts += ["--reproduce", str(reproduce)]
        if plan_graph is not None:
            opts += ["--plan-graph", str(plan_graph)]
        if export_rust:
            opts.append("--export-rust")
        return rlib_v0(*opts, "--", *[str(a) for a in linker_argv], cwd=cwd, env=env)

    return run


@pytest.fixture(scope="session")
def run_exe():
    def run(path: os.PathLike | str, *args: str, env=None) -> subprocess.CompletedProcess:
        return subprocess.run([str(path), *map(str, args)], capture_output=True, text=True, timeout=60, env=_env(env))

    return run


@pytest.fixture(scope="session")
def fuse_ld(e2e_dir, toolchain_ok):
    probed: dict[str, str | None] = {}  # name -> None if usable, else why not
    d = e2e_dir / "ld-probe"

    def flags(name: str) -> list[str]:
        if name not in INSTALL_HINT or name in ("rustc", "cc", "c++"):
            raise ValueError(f"unknown linker {name!r}; one of {LINKERS}")
        if name not in probed:
            d.mkdir(exist_ok=True)
            (d / "t.c").write_text("int main(void) { return 0; }\n")
            proc = subprocess.run(["cc", f"-fuse-ld={name}", str(d / "t.c"), "-o", str(d / f"t-{name}")], capture_output=True, text=True, env=_env())
            probed[name] = None if proc.returncode == 0 else (proc.stderr.strip().splitlines() or ["?"])[-1]
        if probed[name] is not None:
            pytest.skip(f"`cc -fuse-ld={name}` does not work here ({probed[name]}): {INSTALL_HINT[name]}")
        return [f"-fuse-ld={name}"]

    return flags


@pytest.fixture(scope="session")
def direct_ld(e2e_dir, toolchain_ok):
    """The command `cc` would run for the linker, from `cc -###`, with the
    LTO plugin options removed (they belong to gcc's collect2)."""
    in_mark, out_mark = "RLIBV0_INPUTS_HERE.o", "RLIBV0_OUTPUT_HERE"
    proc = subprocess.run(["cc", "-###", in_mark, "-o", out_mark], capture_output=True, text=True, env=_env())
    lines = [ln for ln in proc.stderr.splitlines() if in_mark in ln and out_mark in ln and not ln.startswith("COLLECT_")]
    template: list[str] | None = None
    if lines:
        argv = shlex.split(lines[-1])
        template = []
        i = 1
        while i < len(argv):
            if argv[i] == "-plugin":
                i += 2
                continue
            if argv[i].startswith("-plugin-opt"):
                i += 1
                continue
            template.append(argv[i])
            i += 1

    def command(linker: str, inputs: Iterable[os.PathLike | str], output: os.PathLike | str) -> list[str]:
        if template is None:
            pytest.skip("could not learn the linker command from `cc -###`")
        exe = shutil.which(linker)
        if exe is None:
            pytest.skip(f"`{linker}` not found: {INSTALL_HINT[_LINKER_BINARY.get(linker, 'bfd')]}")
        out = [exe]
        for a in template:
            if a == in_mark:
                out += [str(x) for x in inputs]
            elif a == out_mark:
                out.append(str(output))
            else:
                out.append(a)
        return out

    return command


@pytest.fixture(scope="session")
def rust_release():
    from cargo_util import RELEASE_HINT, Rustc, find_release

    found: dict[str, Rustc | None] = {}

    def find(name: str) -> Rustc | None:
        if name not in found:
            path = find_release(name)
            found[name] = Rustc(name, path) if path else None
        return found[name]

    def get(name: str) -> Rustc:
        if find(name) is None:
            pytest.skip(f"no {name} rustc here: {RELEASE_HINT[name]}")
        return found[name]

    get.find = find  # the same, None instead of a skip
    return get


@pytest.fixture(scope="session")
def cargo_corpus(tmp_path_factory, rust_release):
    from cargo_util import CORPUS, CorpusBuild, cargo_env

    if shutil.which("cargo") is None:
        pytest.skip("needs cargo: install Rust with rustup (https://rustup.rs)")
    memo = _Memo()
    root = tmp_path_factory.mktemp("cargo_corpus")
    py = Path(__file__).parent.parent / "prelude_ext" / "py"
    # The lean launcher, as the README has users install it (cargo takes a program).
    subprocess.run(TOOL + ["install-launchers", str(root)], check=True, capture_output=True, env=_env({"PYTHONPATH": str(py)}))
    wrapper = root / "rlib-v0-rustc-wrapper"
    assert wrapper.read_text().startswith(f"#!{sys.executable} -S"), wrapper.read_text()[:100]

    def build(profile: str = "dev", rustc=None, target: str | None = None) -> CorpusBuild:
        rustc = rustc or rust_release("stable")

        def make() -> CorpusBuild:
            name = f"{rustc.name}-{profile}-{target or 'host'}"
            project = root / f"src-{name}"
            shutil.copytree(CORPUS, project, ignore=shutil.ignore_patterns("target"))
            b = CorpusBuild(project, root / f"target-{name}", profile, target, cargo_env(wrapper, root / f"target-{name}", rustc.path, target))
            proc = b.cargo()
            assert proc.returncode == 0, f"cargo build with {rustc} for {target or 'the host'} failed:\n{proc.stderr[-6000:]}"
            return b

        return memo.get(_key("corpus", profile, rustc.path, target), make)

    build.wrapper = wrapper
    return build


@pytest.fixture(scope="session")
def tool_shim(e2e_dir) -> Path:
    d = e2e_dir / "shim-bin"
    d.mkdir(exist_ok=True)
    s = d / "rlib-v0"
    s.write_text(f"#!/bin/sh\nexec {shlex.quote(sys.executable)} -m rlib_v0 \"$@\"\n")
    s.chmod(0o755)
    return d


@pytest.fixture(scope="session")
def sha256_files():
    def digest(paths: Iterable[os.PathLike | str]) -> dict[str, str]:
        return {str(p): hashlib.sha256(Path(p).read_bytes()).hexdigest() for p in paths}

    return digest
