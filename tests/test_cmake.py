"""The CMake module (`find_package(RlibV0)`): a real CMake project.

tests/cmake_project: a C++ executable over two crates in a diamond (left
and right depend on shared, whose static counter must exist once; right's
build script compiles C and writes a header under target/cxxbridge/, as
cxx-build does), configured with Ninja and with Unix Makefiles, built, run,
`ctest`ed, rebuilt after a Rust source change (only that crate and the link
are redone) and after nothing (nothing is redone); cross-built for aarch64
and run under qemu when the cross packages are present.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent
PROJECT = HERE / "cmake_project"
PY = HERE.parent / "prelude_ext" / "py"
EXPECTED = "left=7 right=44 shared_calls=2 generated=42\n"
GENERATORS = {"Ninja": "ninja", "Unix Makefiles": "make"}

if shutil.which("cmake") is None:
    pytest.skip("needs cmake: apt-get install cmake", allow_module_level=True)
if shutil.which("cargo") is None:
    pytest.skip("needs cargo: install Rust with rustup (https://rustup.rs)", allow_module_level=True)


def _env() -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=str(PY), LC_ALL="C")


def _cmake_dir() -> str:
    p = subprocess.run([sys.executable, "-m", "rlib_v0", "cmake-dir"], capture_output=True, text=True, env=_env(), check=True)
    return p.stdout.strip()


def _require(generator: str) -> None:
    if shutil.which(GENERATORS[generator]) is None:
        pytest.skip(f"needs {GENERATORS[generator]}: apt-get install {'ninja-build' if generator == 'Ninja' else 'make'}")


class Project:
    def __init__(self, root: Path, generator: str, extra: list[str] = ()) -> None:
        self.src = root / "src"
        self.build = root / "build"
        shutil.copytree(PROJECT, self.src)
        self.generator = generator
        self.extra = list(extra)

    def configure(self, check: bool = True) -> subprocess.CompletedProcess:
        cmd = ["cmake", "-S", str(self.src), "-B", str(self.build), "-G", self.generator, f"-DRlibV0_DIR={_cmake_dir()}", f"-DRLIB_V0_PYTHON={sys.executable}", *self.extra]
        p = subprocess.run(cmd, capture_output=True, text=True, env=_env(), timeout=600)
        if check:
            assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-3000:]
        return p

    def build_(self) -> subprocess.CompletedProcess:
        p = subprocess.run(["cmake", "--build", str(self.build), "--", *(["-v"] if self.generator == "Ninja" else ["VERBOSE=1"])], capture_output=True, text=True, env=_env(), timeout=1200)
        assert p.returncode == 0, p.stdout[-4000:] + p.stderr[-4000:]
        return p

    def ctest(self) -> subprocess.CompletedProcess:
        p = subprocess.run(["ctest", "--test-dir", str(self.build), "--output-on-failure"], capture_output=True, text=True, env=_env(), timeout=600)
        assert p.returncode == 0 and "100% tests passed" in p.stdout, p.stdout + p.stderr
        return p

    def mtimes(self) -> dict[str, int]:
        """Modification times of what a rebuild may redo: the C++ object,
        the program, every linked crate (stable names) and the bundle."""
        files = [self.build / "app"] + list(self.build.glob("CMakeFiles/app.dir/main.cpp.o")) + list(self.build.glob("rlib_v0/*/lib/*.a")) + list(self.build.glob("rlib_v0/*/std/*.a"))
        return {str(f.relative_to(self.build)): f.stat().st_mtime_ns for f in files}


@pytest.mark.parametrize("generator", list(GENERATORS))
def test_build_run_ctest_rebuild(generator: str, tmp_path: Path) -> None:
    _require(generator)
    p = Project(tmp_path, generator)
    p.configure()
    out = p.build_()
    assert subprocess.run([str(p.build / "app")], capture_output=True, text=True).stdout == EXPECTED
    p.ctest()
    # The link went through the wrapper, with each crate's stable name and the bundle once.
    link = next(ln for ln in out.stdout.splitlines() if "rlib-v0-link -- " in ln and " -o app" in ln)
    for crate in ("left", "right", "shared"):
        assert len(re.findall(rf"/lib{crate}-[0-9a-f]+\.a\b", link)) == 1, link
    assert link.count("libstd_bundle.a") == 1, link
    before = p.mtimes()
    assert len([k for k in before if k.endswith(".a")]) == 4, before

    # Nothing changed: cargo runs (a no-op), nothing is rebuilt or relinked.
    p.build_()
    assert p.mtimes() == before

    # A Rust source change: that crate and the link, nothing else.
    lib = p.src / "rust" / "right" / "src" / "lib.rs"
    lib.write_text(lib.read_text().replace("twice(shared::bump(21))", "twice(shared::bump(21)) + 1"))
    p.build_()
    assert subprocess.run([str(p.build / "app")], capture_output=True, text=True).stdout == EXPECTED.replace("right=44", "right=45")
    after = p.mtimes()
    changed = {k for k in before if after[k] != before[k]}
    assert changed == {"app", next(k for k in before if "/libright-" in k)}, changed


@pytest.mark.parametrize("where", ["before-import", "static-library-in-between"])
def test_target_without_the_launcher_is_a_configure_error(where: str, tmp_path: Path) -> None:
    """An executable linking a crate but not through `rlib-v0 link` (created
    before the import; or linking it through a static library, with the
    launcher turned off) is refused at configure time; rlib_v0_link fixes it."""
    _require("Ninja")
    p = Project(tmp_path, "Ninja")
    cml = p.src / "CMakeLists.txt"
    text = cml.read_text()
    if where == "before-import":
        text = text.replace("find_package(RlibV0 REQUIRED)", "find_package(RlibV0 REQUIRED)\nadd_executable(early main.cpp)")
        text += "target_link_libraries(early PRIVATE left right)\n"
        culprit = "early"
    else:
        text = text.replace("CRATES left right)", "CRATES left right NO_LINKER_LAUNCHER)")
        # The crates are private to the static library ($<LINK_ONLY:...>), which holds main.cpp's code.
        (p.src / "app_main.cpp").write_text("int wrapped_main();\nint main() { return wrapped_main(); }\n")
        text = text.replace("add_executable(app main.cpp)\ntarget_link_libraries(app PRIVATE left right)", "add_library(wrap STATIC main.cpp)\ntarget_compile_definitions(wrap PRIVATE main=wrapped_main)\ntarget_link_libraries(wrap PRIVATE left right)\nadd_executable(app app_main.cpp)\ntarget_link_libraries(app PRIVATE wrap)")
        culprit = "app"
    cml.write_text(text)
    proc = p.configure(check=False)
    assert proc.returncode != 0
    assert f"target {culprit} links Rust crate(s)" in proc.stderr and "rlib_v0_link" in proc.stderr, proc.stderr
    cml.write_text(text + f"rlib_v0_link({culprit})\n")
    p.configure()
    p.build_()
    exe = p.build / culprit
    assert subprocess.run([str(exe)], capture_output=True, text=True).stdout == EXPECTED


def test_unknown_crate_is_one_clear_error(tmp_path: Path) -> None:
    _require("Ninja")
    p = Project(tmp_path, "Ninja")
    cml = p.src / "CMakeLists.txt"
    cml.write_text(cml.read_text().replace("CRATES left right", "CRATES left nope"))
    proc = p.configure(check=False)
    assert proc.returncode != 0
    assert "rlib-v0 cmake-import: rlib-v0: error: CRATES names nope" in " ".join(proc.stderr.split()), proc.stderr
    assert "Traceback" not in proc.stderr


def _cross_tools() -> str | None:
    """Why the aarch64 cross build cannot run here, or None."""
    for tool, pkg in (("aarch64-linux-gnu-gcc", "gcc-aarch64-linux-gnu"), ("aarch64-linux-gnu-g++", "g++-aarch64-linux-gnu"), ("qemu-aarch64", "qemu-user")):
        if shutil.which(tool) is None:
            return f"needs {tool}: apt-get install {pkg}"
    rustc = os.environ.get("RLIB_V0_CROSS_RUSTC", "/usr/bin/rustc")
    sysroot = subprocess.run([rustc, "--print", "sysroot"], capture_output=True, text=True) if os.path.exists(rustc) else None
    if sysroot is None or sysroot.returncode or not (Path(sysroot.stdout.strip()) / "lib" / "rustlib" / "aarch64-unknown-linux-gnu").is_dir():
        return f"needs a rustc with the aarch64-unknown-linux-gnu std ({rustc}; set RLIB_V0_CROSS_RUSTC, or `rustup target add aarch64-unknown-linux-gnu` and point it at rustup's rustc)"
    return None


def test_cross_build_for_aarch64(tmp_path: Path) -> None:
    why = _cross_tools()
    if why:
        pytest.skip(why)
    _require("Ninja")
    rustc = os.environ.get("RLIB_V0_CROSS_RUSTC", "/usr/bin/rustc")
    p = Project(tmp_path, "Ninja", ["--toolchain", str(PROJECT / "aarch64-linux-gnu.cmake"), f"-DRLIB_V0_RUSTC={rustc}"])
    p.configure()
    p.build_()
    head = (p.build / "app").read_bytes()[:20]
    assert head[:4] == b"\x7fELF" and int.from_bytes(head[18:20], "little") == 183  # EM_AARCH64
    run = subprocess.run(["qemu-aarch64", "-L", "/usr/aarch64-linux-gnu", str(p.build / "app")], capture_output=True, text=True, timeout=120)
    assert run.stdout == EXPECTED, run.stderr
    p.ctest()  # through CMAKE_CROSSCOMPILING_EMULATOR


def test_cxx_bridge_crates(tmp_path: Path) -> None:
    """tests/cxx_cargo (two cxx 1.0.194 bridge crates over one plain crate,
    crates.io's cxx and cxx-build, pinned by its Cargo.lock) through the
    module: the C++ main includes the generated headers, which include the
    crates' own (`left/include/weight.h`), and links both bridges once."""
    _require("Ninja")
    src = tmp_path / "src"
    shutil.copytree(HERE / "cxx_cargo", src / "cxx_cargo")
    (src / "CMakeLists.txt").write_text(
        "cmake_minimum_required(VERSION 3.21)\nproject(cxx_example C CXX)\nfind_package(RlibV0 REQUIRED)\n"
        "rlib_v0_import_crates(MANIFEST_PATH cxx_cargo/Cargo.toml CRATES left right LOCKED)\n"
        "add_executable(app cxx_cargo/main.cpp)\ntarget_compile_features(app PRIVATE cxx_std_17)\ntarget_link_libraries(app PRIVATE left right)\n"
    )
    build = tmp_path / "build"
    cfg = subprocess.run(["cmake", "-S", str(src), "-B", str(build), "-G", "Ninja", f"-DRlibV0_DIR={_cmake_dir()}", f"-DRLIB_V0_PYTHON={sys.executable}"], capture_output=True, text=True, env=_env(), timeout=600)
    assert cfg.returncode == 0, cfg.stdout[-3000:] + cfg.stderr[-3000:]
    b = subprocess.run(["cmake", "--build", str(build)], capture_output=True, text=True, env=_env(), timeout=1800)
    assert b.returncode == 0, b.stdout[-4000:] + b.stderr[-4000:]
    run = subprocess.run([str(build / "app")], capture_output=True, text=True, timeout=60)
    assert run.stdout == (HERE / "cxx_cargo" / "expected.txt").read_text(), run.stderr
