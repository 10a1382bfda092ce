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
    from rlib_v0.formats.marker import read_marker

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
    import rlib_v0.cli.demo as demo

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


# --------------------------------------------------------------------------
# 5. Faults: SIGKILL, full disk, read-only output directory, symlinks,
#    non-UTF-8 paths, huge response files, markers of a newer rlib-v0

import hashlib  # noqa: E402
import signal  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402


def _digests(paths) -> dict[str, str]:
    return {str(p): hashlib.sha256(Path(p).read_bytes()).hexdigest() for p in paths}


def _tool_env(tmpdir: Path) -> dict[str, str]:
    env = dict(os.environ, TMPDIR=str(tmpdir), LC_ALL="C")
    env.pop("RLIB_V0_LINK_DEBUG", None)
    return env


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        return []


def _strays(d: Path) -> list[str]:
    """What a SIGKILLed run may leave: its hidden temporary, never the output."""
    return sorted(p.name for p in d.iterdir() if p.name.startswith(".rlib-v0-"))


def _assert_nothing_partial(exe: Path, run_exe) -> None:
    if exe.exists():  # killed after the rename: the complete program
        run = run_exe(exe)
        assert run.returncode == 0 and run.stdout.strip() == "42", (run.returncode, run.stdout, run.stderr)


@pytest.mark.parametrize("delay", [0.0, 0.03, 0.08, 0.15, 0.3])
def test_sigkill_link_wrapper(delay, hello, run_exe, tmp_path):
    crate, bundle, main = hello
    out = tmp_path / "out"
    out.mkdir()
    (tmp_path / "tmp").mkdir()
    exe = out / "app"
    before = _digests([crate, bundle, main])
    p = subprocess.Popen([*TOOL, "link", "--", "cc", str(main), str(crate), str(bundle), "-o", str(exe)], env=_tool_env(tmp_path / "tmp"), stderr=subprocess.DEVNULL)
    time.sleep(delay)
    p.send_signal(signal.SIGKILL)
    p.wait(timeout=60)
    time.sleep(0.5)  # an orphaned linker may still be finishing its temporary
    _assert_nothing_partial(exe, run_exe)
    assert set(os.listdir(out)) - {"app"} == set(_strays(out))
    assert _digests([crate, bundle, main]) == before


@pytest.mark.parametrize("after", [0.0, 0.01, "output"])
def test_sigkill_child_linker(after, hello, direct_ld, run_exe, tmp_path):
    """The linker dies of SIGKILL: as soon as it started, a little later, or
    once its (temporary) output exists (ld.bfd makes it while it runs:
    killed then, a partial file is there, which the wrapper must remove).
    (A fixed 0.03 s came after this link's end on every run here.)"""
    crate, bundle, main = hello
    exe = tmp_path / "app"
    (tmp_path / "old").write_text("x")
    exe.write_bytes(b"stale output of an earlier link")
    before = _digests([crate, bundle, main])
    argv = direct_ld("ld.bfd", [main, crate, bundle], exe)
    p = subprocess.Popen([*TOOL, "link", "--", *argv], env=_tool_env(tmp_path), stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    killed = False
    while time.monotonic() < deadline and p.poll() is None:
        kids = _children(p.pid)
        if kids:
            if after == "output":
                while p.poll() is None and not any(n.startswith(".rlib-v0-link-") for n in os.listdir(tmp_path)):
                    pass
            else:
                time.sleep(after)
            try:
                os.kill(kids[0], signal.SIGKILL)
                killed = True
            except ProcessLookupError:
                pass
            break
    _, err = p.communicate(timeout=60)
    if not killed or p.returncode == 0:
        pytest.skip(f"the linker finished before it could be killed (after {after} s)")
    assert p.returncode == 128 + signal.SIGKILL, (p.returncode, err)
    assert "killed by signal 9" in err and err.count("rlib-v0: error:") == 1, err
    assert not exe.exists(), "a killed link must not leave (or keep a stale) output"
    assert sorted(os.listdir(tmp_path)) == ["old"]
    assert _digests([crate, bundle, main]) == before


@pytest.mark.parametrize("delay", [0.2, 0.6, 1.0])
def test_sigkill_std_bundle(delay, rlib_v0, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (tmp_path / "tmp").mkdir()
    bundle = out / "libstd_bundle.a"
    p = subprocess.Popen([*TOOL, "std-bundle", "-o", str(bundle)], env=_tool_env(tmp_path / "tmp"), stderr=subprocess.DEVNULL)
    time.sleep(delay)
    p.send_signal(signal.SIGKILL)
    p.wait(timeout=120)
    if bundle.exists():  # killed after the rename: a whole bundle
        assert rlib_v0("verify", bundle).returncode == 0
    assert set(os.listdir(out)) - {"libstd_bundle.a"} == set(_strays(out))


def test_sigkill_std_bundle_child_rustc(tmp_path):
    bundle = tmp_path / "libstd_bundle.a"
    p = subprocess.Popen([*TOOL, "std-bundle", "-o", str(bundle)], env=_tool_env(tmp_path), stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    kid = None
    while kid is None and time.monotonic() < deadline and p.poll() is None:
        for k in _children(p.pid):  # not `rustc -vV`: the build itself
            try:
                if b"--crate-type=staticlib" in Path(f"/proc/{k}/cmdline").read_bytes():
                    kid = k
            except OSError:
                pass
        time.sleep(0.005)
    assert kid, "std-bundle ran no rustc?"
    try:
        os.kill(kid, signal.SIGKILL)
    except ProcessLookupError:
        p.kill()
        p.wait()
        pytest.skip("rustc finished before it could be killed")
    _, err = p.communicate(timeout=120)
    assert p.returncode != 0
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("rlib-v0: error: ") and str(bundle) in lines[0] and "signal 9" in lines[0], err
    assert os.listdir(tmp_path) == []


@pytest.fixture
def small_fs(tmp_path):
    """A 2 MB tmpfs (root only)."""
    d = tmp_path / "small"
    d.mkdir()
    if not IS_ROOT:
        pytest.skip("mounting a small tmpfs needs root")
    p = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(d)], capture_output=True, text=True)
    if p.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {p.stderr.strip()}")
    try:
        yield d
    finally:
        subprocess.run(["umount", str(d)], check=False)


BIG_C = "static char big[3000000] = {1};\nchar *get_big(void) { return big; }\n"
BIG_MAIN_C = "#include <stdio.h>\nchar *get_big(void); unsigned hello_val(void);\nint main(void) { printf(\"%u\\n\", hello_val() + get_big()[0] - 1); return 0; }\n"


@pytest.mark.parametrize("ld", LINKERS)
def test_link_full_disk(ld, hello, compile_c, fuse_ld, link, small_fs):
    crate, bundle, _ = hello
    main, big = compile_c(BIG_MAIN_C, "big_main"), compile_c(BIG_C, "big")
    before = _digests([crate, bundle, main, big])
    proc = link(["cc", *fuse_ld(ld), main, big, crate, bundle, "-o", small_fs / "app"])
    assert proc.returncode != 0
    errs = [ln for ln in proc.stderr.splitlines() if ln.startswith("rlib-v0: error: ")]
    assert len(errs) == 1 and str(small_fs / "app") in errs[0] and ("no space" in errs[0] or "file system full" in errs[0]), proc.stderr
    assert os.listdir(small_fs) == []  # no partial file, no temporary
    assert _digests([crate, bundle, main, big]) == before


def test_std_bundle_full_disk(rlib_v0, small_fs):
    proc = rlib_v0("std-bundle", "-o", small_fs / "libstd_bundle.a")
    line = assert_user_error(proc, str(small_fs / "libstd_bundle.a"), "No space left on device")
    assert proc.stderr.strip() == line
    assert os.listdir(small_fs) == []


@pytest.fixture
def ro_dir(tmp_path):
    """A directory holding `old-app`, bind-mounted read-only over itself (root only:
    chmod does not stop root)."""
    d = tmp_path / "ro"
    d.mkdir()
    (d / "old-app").write_bytes(b"an earlier output")
    if not IS_ROOT:
        pytest.skip("a read-only bind mount needs root (and chmod 555 would not test root)")
    p = subprocess.run(["mount", "--bind", str(d), str(d)], capture_output=True, text=True)
    if p.returncode != 0:
        pytest.skip(f"cannot bind-mount here: {p.stderr.strip()}")
    try:
        p = subprocess.run(["mount", "-o", "remount,bind,ro", str(d)], capture_output=True, text=True)
        if p.returncode != 0:
            pytest.skip(f"cannot remount read-only here: {p.stderr.strip()}")
        yield d
    finally:
        subprocess.run(["umount", str(d)], check=False)


def test_link_read_only_output_dir(hello, link, ro_dir):
    crate, bundle, main = hello
    for name in ("app", "old-app"):
        proc = link(["cc", main, crate, bundle, "-o", ro_dir / name])
        assert_user_error(proc, str(ro_dir / name), "read-only")
        assert proc.stderr.count("\n") == 1, proc.stderr
    assert sorted(os.listdir(ro_dir)) == ["old-app"] and (ro_dir / "old-app").read_bytes() == b"an earlier output"


def test_std_bundle_read_only_output_dir(rlib_v0, ro_dir):
    proc = rlib_v0("std-bundle", "-o", ro_dir / "old-app")
    assert_user_error(proc, str(ro_dir / "old-app"), "read-only")
    assert (ro_dir / "old-app").read_bytes() == b"an earlier output"


def test_symlinked_inputs(hello, link, run_exe, tmp_path):
    crate, bundle, main = hello
    links = tmp_path / "links"
    links.mkdir()
    for p in (crate, bundle, main):
        (links / p.name).symlink_to(p)
    before = _digests([crate, bundle, main])
    exe = tmp_path / "app"
    # The crate by its symlink and by its real path: one crate, linked once.
    proc = link(["cc", links / main.name, links / crate.name, crate, links / bundle.name, "-o", exe], debug=True)
    assert proc.returncode == 0, proc.stderr
    assert "dropped" in proc.stderr
    assert run_exe(exe).stdout.strip() == "42"
    assert all(os.path.islink(links / p.name) for p in (crate, bundle, main))
    assert _digests([crate, bundle, main]) == before


def test_symlink_loop_input(hello, link, tmp_path):
    crate, bundle, main = hello
    loop = tmp_path / "libloop.rlib"
    loop.symlink_to(loop)
    proc = link(["cc", main, crate, loop, bundle, "-o", tmp_path / "app"])
    assert_user_error(proc, str(loop))
    assert not (tmp_path / "app").exists()


def test_non_utf8_paths(hello, run_exe, tmp_path):
    crate, bundle, main = hello
    d = os.path.join(os.fsencode(tmp_path), b"d\xff\xfe")
    os.mkdir(d)
    for p in (crate, bundle, main):
        shutil.copy(p, os.path.join(d, b"x\xff" + os.fsencode(p.name)))
    ins = [os.path.join(d, b"x\xff" + os.fsencode(p.name)) for p in (main, crate, bundle)]
    exe = os.path.join(d, b"app\xff")
    env = _tool_env(tmp_path)
    # On the command line...
    p = subprocess.run([*map(os.fsencode, TOOL), b"link", b"--", b"cc", *ins, b"-o", exe], capture_output=True, env=env, timeout=120)
    assert p.returncode == 0, p.stderr
    assert subprocess.run([exe], capture_output=True).stdout.strip() == b"42"
    os.unlink(exe)
    # ...and in a response file.
    rsp = os.path.join(d, b"link\xff.rsp")
    with open(rsp, "wb") as f:
        f.write(b"\n".join([*ins, b"-o", exe]) + b"\n")
    p = subprocess.run([*map(os.fsencode, TOOL), b"link", b"--", b"cc", b"@" + rsp], capture_output=True, env=env, timeout=120)
    assert p.returncode == 0, p.stderr
    assert subprocess.run([exe], capture_output=True).stdout.strip() == b"42"
    # A broken rlib there: one line naming it (escaped), no traceback.
    bad = os.path.join(d, b"libbad\xff.rlib")
    with open(bad, "wb") as f:
        f.write(b"garbage")
    p = subprocess.run([*map(os.fsencode, TOOL), b"link", b"--", b"cc", *ins, bad, b"-o", exe + b"2"], capture_output=True, env=env, timeout=120)
    assert p.returncode == 2 and b"Traceback" not in p.stderr and p.stderr.count(b"\n") == 1 and b"libbad" in p.stderr, p.stderr
    for e in ({"LC_ALL": "C"}, {"LC_ALL": "C.UTF-8", "PYTHONIOENCODING": "utf-8"}):
        p = subprocess.run([*map(os.fsencode, TOOL), b"verify", ins[1], bad], capture_output=True, env={**env, **e}, timeout=120)
        assert p.returncode == 1 and b"Traceback" not in p.stderr and b"libbad" in p.stdout, p.stdout + p.stderr


def test_response_file_with_100000_arguments(hello, link, run_exe, tmp_path):
    crate, bundle, main = hello
    exe = tmp_path / "app"
    rsp = tmp_path / "link.rsp"
    args = [str(main), str(crate), str(bundle), "-o", str(exe)] + ["-Wl,-O1"] * 99_995
    rsp.write_text("\n".join(args) + "\n")
    start = time.monotonic()
    proc = link(["cc", f"@{rsp}"], debug=True)
    took = time.monotonic() - start
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "crate hello" in proc.stderr
    assert run_exe(exe).stdout.strip() == "42"
    assert took < 60, took


@pytest.mark.parametrize("how", ["schema", "member", "field"])
def test_marker_of_a_newer_rlib_v0(how, hello, link, tmp_path):
    from rlib_v0.formats import archive, marker as identity

    crate, bundle, main = hello
    newer = tmp_path / "libhello.rlib"
    data = bytearray(crate.read_bytes())
    ident, _ = identity.read_marker(str(crate))
    if how == "member":
        # Same length, so the archive stays well-formed: `_rlib_v01.o`.
        toc = archive.scan(str(crate))
        assert toc.members[0].name == "_rlib_v00.o" and b"_rlib_v00.o/" in data
        data = data.replace(b"_rlib_v00.o/", b"_rlib_v01.o/", 1)
        newer.write_bytes(bytes(data))
    else:
        raw = ident.to_json()
        cur = b'"schema":%d' % identity.SCHEMA
        if how == "schema":
            new = raw.replace(cur, b'"schema":%d' % (identity.SCHEMA + 1))
        else:
            new = raw.replace(cur, b'"requires_feature_x":true,' + cur)  # a field we do not know
        assert new != raw
        import json as _json

        d = _json.loads(new)
        from rlib_v0.formats import elf
        from rlib_v0.compile import stamp

        members, index = stamp.load_members(str(crate))
        kept = [m for m in members if not m[0].startswith("_rlib_v0")]
        marker = elf.marker_object(stamp.template_header(kept, "x"), _json.dumps(d, sort_keys=True).encode())
        pos = {i + 1: i + 1 for i in range(len(kept))}
        newer.write_bytes(archive.build([("_rlib_v00.o", marker)] + kept, [(s, pos.get(p, p)) for s, p in index if p > 0], always_index=True))
    proc = link(["cc", main, newer, bundle, "-o", tmp_path / "app"])
    assert_user_error(proc, str(newer), "built by a newer rlib-v0")
    assert proc.stderr.count("\n") == 1, proc.stderr
    assert not (tmp_path / "app").exists()


# --------------------------------------------------------------------------
# 6. Concurrency


def _parallel(argvs: list[list[str]], env) -> list[subprocess.CompletedProcess]:
    results: list[subprocess.CompletedProcess | None] = [None] * len(argvs)

    def one(n: int) -> None:
        results[n] = subprocess.run(argvs[n], capture_output=True, text=True, env=env, timeout=300)

    threads = [threading.Thread(target=one, args=(n,)) for n in range(len(argvs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_many_links_of_different_outputs_at_once(hello, run_exe, tmp_path):
    crate, bundle, main = hello
    before = _digests([crate, bundle, main])
    argvs = [[*TOOL, "link", "--", "cc", str(main), str(crate), str(bundle), "-o", str(tmp_path / f"app{n}")] for n in range(8)]
    for n, p in enumerate(_parallel(argvs, _tool_env(tmp_path))):
        assert p.returncode == 0, p.stderr
        assert run_exe(tmp_path / f"app{n}").stdout.strip() == "42"
    assert sorted(os.listdir(tmp_path)) == sorted(f"app{n}" for n in range(8))
    assert _digests([crate, bundle, main]) == before


@pytest.mark.parametrize("ld", ["bfd", "mold"])
def test_same_output_linked_at_once(ld, hello, fuse_ld, run_exe, tmp_path):
    crate, bundle, main = hello
    exe = tmp_path / "app"
    exe.write_bytes(b"an earlier output")
    argv = [*TOOL, "link", "--", "cc", *fuse_ld(ld), str(main), str(crate), str(bundle), "-o", str(exe)]
    for _ in range(3):
        for p in _parallel([argv] * 4, _tool_env(tmp_path)):
            # Each run succeeds or fails cleanly (one of them may remove the
            # other's fresh output after a failure of its own: then it says so).
            assert p.returncode == 0 or p.stderr.strip(), p.stderr
            assert "Traceback" not in p.stderr
        assert os.listdir(tmp_path) == ["app"] or not exe.exists()
        if exe.exists():
            run = run_exe(exe)
            assert run.returncode == 0 and run.stdout.strip() == "42"


def test_user_error_is_always_one_line():
    # Found by the fuzzer: a marker whose dependency's crate name is "\r"
    # gave a two-line message (only "\n" was folded).
    from rlib_v0.errors import UserError

    for text in ("a\nb", "a\rb", "a\u2028b", "a\x85b", "a\x1b[2Jb", "a\x00b"):
        msg = str(UserError(f"crate {text}: bad"))
        assert len(msg.splitlines()) == 1 and "\x1b" not in msg and "\x00" not in msg, repr(msg)
    assert str(UserError("plain: message")) == "plain: message"


def test_verify_fifo_does_not_hang(tmp_path):
    fifo = tmp_path / "liba.rlib"
    os.mkfifo(fifo)
    p = subprocess.run([*TOOL, "verify", str(fifo)], capture_output=True, text=True, timeout=60)
    assert p.returncode == 1 and f"{fifo}: FAILED" in p.stdout and "not a regular file" in p.stdout, p.stdout + p.stderr


def test_rustc_extern_fifo_does_not_hang(rlib_v0, tmp_path):
    fifo = tmp_path / "liba.rlib"
    os.mkfifo(fifo)
    (tmp_path / "b.rs").write_text("pub fn b() -> u32 { 1 }\n")
    p = subprocess.run([*TOOL, "rustc", "--", "--edition=2021", "--crate-type=rlib", str(tmp_path / "b.rs"), "--extern", f"a={fifo}", "--out-dir", str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert_user_error(p, str(fifo), "not a regular file")
