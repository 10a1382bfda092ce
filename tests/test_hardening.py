"""Hardening (issue 11), through the real CLI with real rustc and linkers.

- `#[global_allocator]` / `#[panic_handler]` crates nobody refers to are still
  linked, whatever the input order and linker; two of them are refused;
- character devices as outputs are written into, never deleted or renamed over;
- faults: SIGKILL, a full disk, a read-only output directory, symlinks,
  non-UTF-8 paths, huge response files, markers of a newer rlib-v0;
- concurrent links; usage errors and `--version`.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import LINKERS, TOOL, assert_user_error

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE / "corpus"))
import make_corpus as corpus  # noqa: E402

IS_ROOT = os.geteuid() == 0


# --------------------------------------------------------------------------
# 1. #[global_allocator] in a crate nothing refers to

# The allocator crate exports nothing the program calls: only the allocator.
# It reports each allocation to C (an undefined reference from the crate,
# which does not pull the crate in), so main can tell whose allocator ran.
ALLOC_ONLY_RS = """
use std::alloc::{GlobalAlloc, Layout, System};
extern "C" { fn note_alloc(); }
struct Noting;
unsafe impl GlobalAlloc for Noting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 { unsafe { note_alloc(); System.alloc(l) } }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) { unsafe { System.dealloc(p, l) } }
}
#[global_allocator]
static GLOBAL: Noting = Noting;
"""
ALLOC_ONLY2_RS = ALLOC_ONLY_RS.replace("Noting", "Noting2")
WORKER_RS = """
#[no_mangle]
pub extern "C" fn worker_allocate(n: usize) -> usize {
    let mut v = Vec::new();
    for i in 0..n { v.push(std::hint::black_box(Box::new(i))); }
    v.iter().map(|b| **b).sum::<usize>() + v.len()
}
"""
ALLOC_MAIN_C = r"""
#include <stdio.h>
#include <stddef.h>
static size_t noted;
void note_alloc(void) { noted++; }
size_t worker_allocate(size_t);
int main(void) { size_t r = worker_allocate(100); printf("%zu %zu\n", r, noted); return 0; }
"""


@pytest.fixture(scope="module")
def alloc_world(build_crate, std_bundle, compile_c):
    return {
        "alloc": build_crate("alloc_only", ALLOC_ONLY_RS),
        "alloc2": build_crate("alloc_only2", ALLOC_ONLY2_RS),
        "worker": build_crate("worker", WORKER_RS),
        "main": compile_c(ALLOC_MAIN_C, "alloc_note_main"),
        "bundle": std_bundle(),
    }


def _allocations(run_exe, exe) -> int:
    run = run_exe(exe)
    assert run.returncode == 0, run.stderr
    result, noted = map(int, run.stdout.split())
    assert result == sum(range(100)) + 100
    return noted


@pytest.mark.parametrize("order", ["allocator-first", "allocator-last"])
@pytest.mark.parametrize("ld", LINKERS)
def test_unreferenced_global_allocator_wins(order, ld, alloc_world, fuse_ld, link, run_exe, tmp_path):
    w = alloc_world
    crates = [w["alloc"], w["worker"]] if order == "allocator-first" else [w["worker"], w["alloc"]]
    exe = tmp_path / "app"
    proc = link(["cc", *fuse_ld(ld), w["main"], *crates, w["bundle"], "-o", exe], debug=True)
    assert proc.returncode == 0, proc.stderr
    assert f"global allocator: crate alloc_only ({w['alloc']})" in proc.stderr
    # 100 boxes plus the Vec's growth went through the crate's allocator (the
    # bundle's default would note nothing).
    assert _allocations(run_exe, exe) >= 100


def test_marker_lists_allocator_symbols(alloc_world):
    from rlib_v0.identity import read_marker

    ident, _ = read_marker(str(alloc_world["alloc"]))
    assert ident.defines_allocator
    assert any(s.endswith("___rust_alloc") for s in ident.allocator_symbols)
    assert any(s.endswith("___rust_dealloc") for s in ident.allocator_symbols)
    worker, _ = read_marker(str(alloc_world["worker"]))
    assert not worker.defines_allocator and worker.allocator_symbols == []


@pytest.mark.parametrize("ld", ["bfd", "gold"])
def test_old_marker_without_allocator_symbols_is_linked_whole(ld, alloc_world, fuse_ld, link, run_exe, tmp_path):
    # A marker written before `allocator_symbols` existed: the crate is linked whole.
    old = corpus.restamped(str(alloc_world["alloc"]), str(tmp_path / "liballoc_only.rlib"), allocator_symbols=[])
    exe = tmp_path / "app"
    proc = link(["cc", *fuse_ld(ld), alloc_world["main"], old, alloc_world["worker"], alloc_world["bundle"], "-o", exe], debug=True)
    assert proc.returncode == 0, proc.stderr
    assert "global allocator: crate alloc_only" in proc.stderr and "linked whole" in proc.stderr
    assert _allocations(run_exe, exe) >= 100


def test_two_global_allocators_refused(alloc_world, link, tmp_path):
    w = alloc_world
    exe = tmp_path / "app"
    proc = link(["cc", w["main"], w["alloc"], w["worker"], w["alloc2"], w["bundle"], "-o", exe])
    line = assert_user_error(proc, "#[global_allocator]", "crate alloc_only ", str(w["alloc"]), "crate alloc_only2", str(w["alloc2"]))
    assert len(proc.stderr.splitlines()) == 1, proc.stderr
    assert "two crates" in line
    assert not exe.exists() and list(tmp_path.iterdir()) == []


# #![no_std]: a crate that only declares #[panic_handler]
NOSTD_DIV_RS = """
#![no_std]
#[no_mangle]
pub extern "C" fn ns_div(a: u32, b: u32) -> u32 { a / core::hint::black_box(b) }
"""
HANDLER_ONLY_RS = """
#![no_std]
extern "C" { fn c_on_panic() -> !; }
#[panic_handler]
fn on_panic(_info: &core::panic::PanicInfo) -> ! { unsafe { c_on_panic() } }
"""
NOSTD_MAIN_C = r"""
#include <stdio.h>
#include <unistd.h>
unsigned ns_div(unsigned, unsigned);
void c_on_panic(void) { puts("custom panic handler"); fflush(stdout); _exit(3); }
int main(int argc, char **argv) { printf("%u\n", ns_div(100, argc - 1)); return 0; }
"""


@pytest.fixture(scope="module")
def handler_world(build_crate, std_bundle, compile_c):
    abort = ["-C", "panic=abort"]
    return {
        "div": build_crate("ns_div_only", NOSTD_DIV_RS, flags=abort),
        "handler": build_crate("handler_only", HANDLER_ONLY_RS, flags=abort),
        "handler2": build_crate("handler_only2", HANDLER_ONLY_RS + "\n// another\n", flags=abort),
        "main": compile_c(NOSTD_MAIN_C, "handler_only_main"),
        "bundle": std_bundle("abort", no_std=True),
    }


@pytest.mark.parametrize("ld", LINKERS)
def test_unreferenced_panic_handler_wins(ld, handler_world, fuse_ld, link, run_exe, tmp_path):
    w = handler_world
    exe = tmp_path / "app"
    proc = link(["cc", *fuse_ld(ld), w["main"], w["handler"], w["div"], w["bundle"], "-o", exe], debug=True)
    assert proc.returncode == 0, proc.stderr
    assert f"panic handler: crate handler_only ({w['handler']})" in proc.stderr
    run = run_exe(exe)  # 100 / 0: panics
    assert run.returncode == 3 and run.stdout.strip() == "custom panic handler", (run.returncode, run.stdout, run.stderr)


def test_two_panic_handlers_refused(handler_world, link, tmp_path):
    w = handler_world
    exe = tmp_path / "app"
    proc = link(["cc", w["main"], w["handler"], w["div"], w["handler2"], w["bundle"], "-o", exe])
    assert_user_error(proc, "#[panic_handler]", "crate handler_only ", str(w["handler"]), "crate handler_only2", str(w["handler2"]))
    assert len(proc.stderr.splitlines()) == 1, proc.stderr
    assert not exe.exists()


# --------------------------------------------------------------------------
# 3. Devices as outputs: written into as the linker would, never replaced

needs_root = pytest.mark.skipif(not IS_ROOT, reason="creating a character device (mknod) needs root")

HELLO_RS = '#[no_mangle]\npub extern "C" fn hello_val() -> u32 { 42 }\n'
HELLO_MAIN_C = '#include <stdio.h>\nunsigned hello_val(void);\nint main(void) { printf("%u\\n", hello_val()); return 0; }\n'


@pytest.fixture(scope="module")
def hello(build_crate, std_bundle, compile_c):
    return build_crate("hello", HELLO_RS), std_bundle(), compile_c(HELLO_MAIN_C, "hello_main")


def _null_device(d: Path) -> Path:
    """A character device 1,3 (what /dev/null is) inside the test's own directory."""
    dev = d / "null"
    os.mknod(dev, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    return dev


def _assert_still_device(dev: Path) -> None:
    st = os.lstat(dev)
    assert stat.S_ISCHR(st.st_mode) and st.st_rdev == os.makedev(1, 3), f"{dev} is no longer the character device: {stat.filemode(st.st_mode)}"


@needs_root
@pytest.mark.parametrize("ld", LINKERS)
def test_link_into_char_device(ld, hello, fuse_ld, link, tmp_path):
    crate, bundle, main = hello
    dev = _null_device(tmp_path)
    proc = link(["cc", *fuse_ld(ld), main, crate, bundle, "-o", dev])
    assert proc.returncode == 0, proc.stderr
    _assert_still_device(dev)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["null"]  # no temporary left


@needs_root
def test_failed_link_into_char_device_keeps_it(hello, link, tmp_path):
    crate, bundle, main = hello
    dev = _null_device(tmp_path)
    proc = link(["cc", main, crate, bundle, "-lno_such_library_anywhere", "-o", dev])
    assert proc.returncode != 0
    _assert_still_device(dev)


@needs_root
def test_link_into_symlink_to_char_device(hello, link, tmp_path):
    crate, bundle, main = hello
    dev = _null_device(tmp_path)
    (tmp_path / "out").symlink_to(dev)
    proc = link(["cc", main, crate, bundle, "-o", tmp_path / "out"])
    assert proc.returncode == 0, proc.stderr
    assert os.path.islink(tmp_path / "out")
    _assert_still_device(dev)


@needs_root
def test_std_bundle_into_char_device(rlib_v0, tmp_path):
    dev = _null_device(tmp_path)
    proc = rlib_v0("std-bundle", "-o", dev)
    assert proc.returncode == 0, proc.stderr
    _assert_still_device(dev)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["null"]


@needs_root
@pytest.mark.parametrize("how", ["-o", "--out-dir"])
def test_rustc_into_char_device(how, rlib_v0, tmp_path):
    # `rlib-v0 rustc -o DEVICE` writes into it (or refuses), never replaces it;
    # `--out-dir DEVICE` is refused (rustc: not a directory).
    src = tmp_path / "hello.rs"
    src.write_text(HELLO_RS)
    dev = _null_device(tmp_path)
    args = ["-o", str(dev)] if how == "-o" else ["--out-dir", str(dev)]
    proc = rlib_v0("rustc", "--", "--edition=2021", "--crate-type=rlib", "--crate-name=hello", str(src), *args, cwd=tmp_path)
    assert "Traceback" not in proc.stderr, proc.stderr
    _assert_still_device(dev)
    if proc.returncode != 0:
        assert_user_error(proc, str(dev))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hello.rs", "null"]


def test_link_refuses_fifo_output(hello, link, tmp_path):
    crate, bundle, main = hello
    fifo = tmp_path / "app"
    os.mkfifo(fifo)
    proc = subprocess.run([*TOOL, "link", "--", "cc", str(main), str(crate), str(bundle), "-o", str(fifo)], capture_output=True, text=True, timeout=60)
    assert_user_error(proc, str(fifo), "FIFO")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_link_refuses_directory_output(hello, link, tmp_path):
    crate, bundle, main = hello
    (tmp_path / "app").mkdir()
    proc = link(["cc", main, crate, bundle, "-o", tmp_path / "app"])
    assert_user_error(proc, str(tmp_path / "app"), "directory")
    assert (tmp_path / "app").is_dir()


def test_std_bundle_refuses_fifo_output(rlib_v0, tmp_path):
    fifo = tmp_path / "b.a"
    os.mkfifo(fifo)
    proc = rlib_v0("std-bundle", "-o", fifo)
    assert_user_error(proc, str(fifo), "FIFO")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_demo_does_not_write_to_dev_null():
    # `rlib-v0 demo` asked rustc for its native libraries with `-o /dev/null`
    # (and fell back to a hard-coded list): it now reads them from a file.
    import rlib_v0.demo as demo

    text = Path(demo.__file__).read_text()
    assert "devnull" not in text and "/dev/null" not in text
    assert "--print=native-static-libs=" in text and "-lgcc_s" not in text


# --------------------------------------------------------------------------
# 7. Usage errors: one line; --version


def _cli(*args: str, env=None) -> subprocess.CompletedProcess:
    e = dict(os.environ, COLUMNS="200")
    e.update(env or {})
    return subprocess.run([*TOOL, *args], capture_output=True, text=True, timeout=120, env=e)


@pytest.mark.parametrize(
    "args, mention",
    [
        (("verify",), "files"),
        (("verify", "--bogus", "x.rlib"), "--bogus"),
        (("--bogus",), "--bogus"),
        (("no-such-verb",), "no-such-verb"),
        (("std-bundle",), "--output"),
        (("std-bundle", "-o"), "-o"),
        (("std-bundle", "-o", "b.a", "--panic"), "--panic"),
        (("verify", "--target"), "--target"),
        (("demo", "--keep"), "--keep"),
        (("link", "--bogus", "--", "cc"), "--bogus"),
        (("link",), "--"),
        (("rustc",), "rustc"),
    ],
)
def test_usage_error_is_one_line(args, mention):
    p = _cli(*args)
    assert p.returncode == 2, (p.returncode, p.stderr)
    assert p.stderr.count("\n") == 1 and p.stderr.startswith("rlib-v0: error: "), p.stderr
    assert mention in p.stderr and "╭" not in p.stderr and "Usage:" not in p.stderr
    assert p.stdout == ""


def test_version_names_tool_and_rustc():
    from rlib_v0 import __version__

    p = _cli("--version")
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    assert lines[0].startswith(f"rlib-v0 {__version__}")
    release = subprocess.run(["rustc", "-vV"], capture_output=True, text=True).stdout.split("release: ")[1].split()[0]
    assert lines[1].startswith("rustc: ") and f"release {release}" in lines[1]


def test_version_without_rustc(tmp_path):
    p = _cli("--version", env={"RUSTC": str(tmp_path / "no-rustc")})
    assert p.returncode == 0, p.stderr
    assert p.stdout.splitlines()[1].startswith("rustc: none usable") and "no-rustc" in p.stdout
