"""End-to-end tests of Rust features across `rlib-v0 link`: shared generics,
two versions of one crate, whole-archive initializers, `#[global_allocator]`,
panic strategies, `#![no_std]` and C++ interop.

Real rustc, real C/C++ compilers and real linkers; each test runs the
program it links and compares its output with values computed here.
"""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path

import pytest

from conftest import LINKERS, assert_user_error

M64 = (1 << 64) - 1

# --------------------------------------------------------------------------
# Generics instantiated in both arms of a diamond

GEN_A = """
#[inline(never)]
fn secret(x: u64) -> u64 { x ^ 0x5a5a }

pub fn mix<T: Into<u64> + Copy>(xs: &[T]) -> u64 {
    xs.iter().fold(7u64, |acc, &x| secret(acc.wrapping_mul(31).wrapping_add(x.into())))
}

pub struct Stack<T> { items: Vec<T> }
impl<T: Clone> Stack<T> {
    pub fn new() -> Self { Stack { items: Vec::new() } }
    pub fn push(&mut self, t: T) { self.items.push(t) }
    pub fn pop(&mut self) -> Option<T> { self.items.pop() }
    pub fn len(&self) -> usize { self.items.len() }
}

pub trait Shape { fn area(&self) -> u64; }
pub struct Rect(pub u64, pub u64);
impl Shape for Rect { fn area(&self) -> u64 { self.0 * self.1 } }
pub fn total_area<S: Shape>(shapes: &[S]) -> u64 { shapes.iter().map(|s| s.area()).sum() }
"""


def gen_arm(name: str, extra: str) -> str:
    return f"""
use a::{{mix, total_area, Rect, Stack}};
#[no_mangle]
pub extern "C" fn {name}_gen(n: u32) -> u64 {{
    let small: Vec<u32> = (1..=n).collect();
    let big: Vec<u64> = (1..=n as u64).map(|x| x * 1_000_000_007).collect();
    let mut st: Stack<u64> = Stack::new();
    for v in &big {{ st.push(*v) }}
    let top = st.pop().unwrap_or(0);
    let areas = total_area(&[Rect(n as u64, 3), Rect(2, 5)]);
    {extra}
    mix(&small).wrapping_add(mix(&big)).wrapping_add(top).wrapping_add(st.len() as u64).wrapping_add(areas).wrapping_add(extra)
}}
"""


GEN_B = gen_arm("b", "let extra: u64 = 0;")
GEN_C = gen_arm("c", 'let mut ss: Stack<String> = Stack::new(); ss.push(format!("{}", n)); let extra = ss.pop().map(|s| s.len() as u64).unwrap_or(0);')
GEN_MAIN_C = r"""
#include <stdio.h>
#include <stdint.h>
uint64_t b_gen(uint32_t); uint64_t c_gen(uint32_t);
int main(void) {
    printf("%llu %llu\n", (unsigned long long)b_gen(10), (unsigned long long)c_gen(1234));
    return 0;
}
"""


def py_mix(xs: list[int]) -> int:
    acc = 7
    for x in xs:
        acc = ((acc * 31 + x) & M64) ^ 0x5A5A
    return acc


def py_gen(n: int, extra: int) -> int:
    small = list(range(1, n + 1))
    big = [x * 1_000_000_007 for x in small]
    top = big[-1]
    return (py_mix(small) + py_mix(big) + top + (len(big) - 1) + (n * 3 + 10) + extra) & M64


@pytest.mark.parametrize(
    "opt",
    [
        pytest.param({"a": "0", "b": "0", "c": "0"}, id="opt0"),
        pytest.param({"a": "3", "b": "3", "c": "3"}, id="opt3"),
        pytest.param({"a": "3", "b": "0", "c": "1"}, id="mixed"),
    ],
)
@pytest.mark.parametrize("ld", ["bfd", "lld"])
def test_generics_instantiated_in_both_arms(opt, ld, build_crate, std_bundle, compile_c, fuse_ld, link, run_exe, tmp_path):
    a = build_crate("a", GEN_A, flags=["-C", f"opt-level={opt['a']}"])
    b = build_crate("b", GEN_B, deps=[a], flags=["-C", f"opt-level={opt['b']}"])
    c = build_crate("c", GEN_C, deps=[a], flags=["-C", f"opt-level={opt['c']}"])
    exe = tmp_path / "app"
    proc = link(["cc", *fuse_ld(ld), compile_c(GEN_MAIN_C, "gen_main"), a, b, c, a, std_bundle(), "-o", exe])
    assert proc.returncode == 0, proc.stderr
    run = run_exe(exe)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == [str(py_gen(10, 0)), str(py_gen(1234, len("1234")))]


# --------------------------------------------------------------------------
# Two versions of one crate (same name, different -C metadata)


def ver_src(n: int) -> str:
    return f"""
use std::sync::atomic::{{AtomicU32, Ordering}};
static CALLS: AtomicU32 = AtomicU32::new(0);
pub fn version() -> u32 {{ {n} }}
pub fn call() -> u32 {{ CALLS.fetch_add(1, Ordering::SeqCst) + 1 }}
pub fn describe<T: std::fmt::Display>(t: T) -> String {{ format!("v{n}:{{}}", t) }}
"""


def user_src(name: str) -> str:
    return f"""
#[no_mangle]
pub extern "C" fn {name}(x: u32) -> u32 {{
    ver::call();
    ver::version() * 1000 + ver::call() * 100 + ver::describe(x).len() as u32
}}
"""


def test_two_versions_of_one_crate(build_crate, std_bundle, compile_c, link, run_exe, tmp_path):
    v1 = build_crate("ver", ver_src(1), flags=["-C", "metadata=one"])
    v2 = build_crate("ver", ver_src(2), flags=["-C", "metadata=two"])
    assert v1.name == v2.name == "libver.rlib"
    u1 = build_crate("use_one", user_src("use_one"), deps={"ver": v1})
    u2 = build_crate("use_two", user_src("use_two"), deps={"ver": v2})
    main = compile_c(
        r"""
#include <stdio.h>
#include <stdint.h>
uint32_t use_one(uint32_t); uint32_t use_two(uint32_t);
int main(void) {
    unsigned a = use_one(5), b = use_one(77), c = use_two(123456);
    printf("%u %u %u\n", a, b, c);
    return 0;
}
""",
        "versions_main",
    )
    exe = tmp_path / "app"
    proc = link(["cc", main, v1, u2, v2, u1, std_bundle(), "-o", exe], debug=True)
    assert proc.returncode == 0, proc.stderr
    run = run_exe(exe)
    assert run.returncode == 0, run.stderr
    # Each version keeps its own counter: use_one's calls never touch v2's.
    expected = [1000 + 200 + len("v1:5"), 1000 + 400 + len("v1:77"), 2000 + 200 + len("v2:123456")]
    assert run.stdout.split() == [str(x) for x in expected]
    plan = [ln for ln in proc.stderr.splitlines() if " crate ver " in ln]
    assert len(plan) == 2 and any("one" in ln for ln in plan) and any("two" in ln for ln in plan), proc.stderr
    assert "dropped" not in proc.stderr


# --------------------------------------------------------------------------
# A static initializer that only --whole-archive brings in

INIT_RS = """
extern "C" { fn rlib_v0_test_set_flag(v: i32); }
extern "C" fn init() { unsafe { rlib_v0_test_set_flag(42) } }
#[used]
#[link_section = ".init_array"]
static INIT: extern "C" fn() = init;
"""
INIT_MAIN_C = r"""
#include <stdio.h>
static int flag = 0;
void rlib_v0_test_set_flag(int v) { flag += v; }  /* 84 if it ran twice */
int main(void) { printf("flag=%d\n", flag); return 0; }
"""


def stack_flags(exe: Path) -> str:
    """Flags of the PT_GNU_STACK segment ("RW", or "RWE" for an executable stack)."""
    out = subprocess.run(["readelf", "-lW", str(exe)], capture_output=True, text=True).stdout
    line = next(ln for ln in out.splitlines() if "GNU_STACK" in ln)
    return "".join(line.split()[6:-1])  # Type Offset VirtAddr PhysAddr FileSiz MemSiz Flg Align


@pytest.fixture(scope="module")
def init_crate(build_crate, std_bundle, compile_c):
    return build_crate("initreg", INIT_RS), std_bundle(), compile_c(INIT_MAIN_C, "init_main")


@pytest.mark.parametrize("ld", LINKERS)
def test_whole_archive_static_initializer(ld, init_crate, fuse_ld, link, run_exe, tmp_path):
    crate, bundle, main = init_crate
    argv = ["cc", *fuse_ld(ld), main, crate, bundle]
    # Without it nothing references the object: the initializer is not linked.
    plain = tmp_path / "plain"
    proc = link([*argv, "-o", plain])
    assert proc.returncode == 0, proc.stderr
    assert run_exe(plain).stdout.strip() == "flag=0"
    # With --whole-archive initreg, it is, and it runs before main.
    whole = tmp_path / "whole"
    proc = link([*argv, "-o", whole], whole_archive=["initreg"])
    assert proc.returncode == 0, proc.stderr
    assert run_exe(whole).stdout.strip() == "flag=42"
    # The whole rlib includes non-code members (lib.rmeta, the marker):
    # they must not make the stack executable.
    assert stack_flags(whole) == stack_flags(plain) == "RW"


def test_whole_archive_region_on_the_command_line(init_crate, link, run_exe, tmp_path):
    """The user's own -Wl,--whole-archive region around the rlib works too."""
    crate, bundle, main = init_crate
    exe = tmp_path / "app"
    proc = link(["cc", main, "-Wl,--whole-archive", crate, "-Wl,--no-whole-archive", bundle, "-o", exe], debug=True)
    assert proc.returncode == 0, proc.stderr
    assert run_exe(exe).stdout.strip() == "flag=42"
    assert stack_flags(exe) == "RW"


def test_whole_archive_crate_given_twice_initializes_once(init_crate, link, run_exe, tmp_path):
    """Linked whole, a duplicate would run the initializer twice (its static
    is local, so the linker would not even complain): the copy must be dropped."""
    crate, bundle, main = init_crate
    copy = tmp_path / "copy" / crate.name
    copy.parent.mkdir()
    copy.write_bytes(crate.read_bytes())
    exe = tmp_path / "app"
    proc = link(["cc", main, crate, copy, crate, bundle, "-o", exe], whole_archive=["initreg"])
    assert proc.returncode == 0, proc.stderr
    assert run_exe(exe).stdout.strip() == "flag=42"
    exe2 = tmp_path / "app2"
    argv = ["cc", main, "-Wl,--whole-archive", crate, copy, "-Wl,--no-whole-archive", bundle, "-o", exe2]
    # Control: the linker alone either refuses (rustc exports the items) or
    # runs the initializer twice.
    raw = subprocess.run([str(a) for a in argv], capture_output=True, text=True)
    assert ("multiple definition" in raw.stderr) if raw.returncode else run_exe(exe2).stdout.strip() == "flag=84", raw.stderr
    exe2.unlink(missing_ok=True)
    proc = link(argv)
    assert proc.returncode == 0, proc.stderr
    assert run_exe(exe2).stdout.strip() == "flag=42"


# --------------------------------------------------------------------------
# #[global_allocator]

COUNTING_RS = """
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
static ALLOCS: AtomicUsize = AtomicUsize::new(0);
struct Counting;
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 { ALLOCS.fetch_add(1, Ordering::SeqCst); unsafe { System.alloc(l) } }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) { unsafe { System.dealloc(p, l) } }
}
#[global_allocator]
static GLOBAL: Counting = Counting;
#[no_mangle]
pub extern "C" fn counted_allocations() -> usize { ALLOCS.load(Ordering::SeqCst) }
"""
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
size_t counted_allocations(void); size_t worker_allocate(size_t);
int main(void) {
    size_t before = counted_allocations();
    size_t r = worker_allocate(100);
    size_t after = counted_allocations();
    printf("%zu %zu\n", r, after - before);
    return 0;
}
"""


@pytest.mark.parametrize("order", ["allocator-first", "allocator-last"])
@pytest.mark.parametrize("ld", LINKERS)
def test_global_allocator_counts_every_crate(order, ld, build_crate, std_bundle, compile_c, fuse_ld, link, run_exe, tmp_path):
    counting = build_crate("counting", COUNTING_RS)
    worker = build_crate("worker", WORKER_RS)  # does not depend on counting
    crates = [counting, worker] if order == "allocator-first" else [worker, counting]
    exe = tmp_path / "app"
    proc = link(["cc", *fuse_ld(ld), compile_c(ALLOC_MAIN_C, "alloc_main"), *crates, std_bundle(), "-o", exe])
    assert proc.returncode == 0, proc.stderr
    run = run_exe(exe)
    assert run.returncode == 0, run.stderr
    result, counted = map(int, run.stdout.split())
    assert result == sum(range(100)) + 100
    # 100 boxes plus the Vec's growth, all through the crate's allocator;
    # the bundle's default allocator would count nothing.
    assert counted >= 100, run.stdout


# --------------------------------------------------------------------------
# Panic strategies

PANICKY_RS = """
#[no_mangle]
pub extern "C" fn pk_sum(n: u64) -> u64 { (1..=n).sum() }
fn check(x: u32) -> u32 {
    if std::hint::black_box(x) > 3 { panic!("boom from pk {}", x) }
    x
}
#[no_mangle]
pub extern "C" fn pk_check(x: u32) -> u32 { check(x) }
#[no_mangle]
pub extern "C" fn pk_catch(x: u32) -> i64 {
    // A panic may not leave an extern "C" fn: catch it inside.
    match std::panic::catch_unwind(|| check(x)) { Ok(v) => v as i64, Err(_) => -1 }
}
"""
PANIC_MAIN_C = r"""
#include <stdio.h>
#include <string.h>
#include <stdint.h>
uint64_t pk_sum(uint64_t); uint32_t pk_check(uint32_t); int64_t pk_catch(uint32_t);
int main(int argc, char **argv) {
    printf("%llu\n", (unsigned long long)pk_sum(10));
    fflush(stdout);
    if (argc > 1 && !strcmp(argv[1], "catch")) printf("%lld %lld\n", (long long)pk_catch(2), (long long)pk_catch(9));
    if (argc > 1 && !strcmp(argv[1], "panic")) printf("%u\n", pk_check(9));
    return 0;
}
"""


@pytest.fixture(scope="module")
def panicky(build_crate, compile_c):
    return {
        "unwind": build_crate("panicky", PANICKY_RS),
        "abort": build_crate("panicky", PANICKY_RS, flags=["-C", "panic=abort"]),
        "main": compile_c(PANIC_MAIN_C, "panic_main"),
    }


def test_unwind_bundle_catches_panics(panicky, std_bundle, link, run_exe, tmp_path):
    exe = tmp_path / "app"
    proc = link(["cc", panicky["main"], panicky["unwind"], std_bundle("unwind"), "-o", exe])
    assert proc.returncode == 0, proc.stderr
    run = run_exe(exe, "catch")
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["55", "2", "-1"]
    assert "boom from pk 9" in run.stderr  # the default hook printed it, then unwinding caught it


@pytest.mark.parametrize("ld", LINKERS)
def test_panic_abort_with_its_own_bundle(ld, panicky, std_bundle, fuse_ld, link, run_exe, tmp_path):
    exe = tmp_path / "app"
    proc = link(["cc", *fuse_ld(ld), panicky["main"], panicky["abort"], std_bundle("abort"), "-o", exe])
    assert proc.returncode == 0, proc.stderr
    ok = run_exe(exe)
    assert ok.returncode == 0 and ok.stdout.split() == ["55"], ok.stderr
    # catch_unwind cannot catch under panic=abort: the process aborts.
    for arg in ("panic", "catch"):
        run = run_exe(exe, arg)
        assert run.returncode == -signal.SIGABRT, (arg, run.returncode, run.stderr)
        assert "boom from pk 9" in run.stderr
        assert run.stdout.split() == ["55"]


def test_abort_crate_with_unwind_bundle_is_refused(panicky, std_bundle, link, tmp_path, sha256_files):
    exe = tmp_path / "app"
    inputs = [panicky["main"], panicky["abort"], std_bundle("unwind")]
    before = sha256_files(inputs)
    proc = link(["cc", *inputs, "-o", exe])
    line = assert_user_error(proc, str(panicky["abort"]))
    assert "abort" in line and "unwind" in line
    assert not exe.exists()
    assert list(tmp_path.iterdir()) == []
    assert sha256_files(inputs) == before


# --------------------------------------------------------------------------
# #![no_std] with the --no-std --panic abort bundle

NOSTD_RS = """
#![no_std]
#[no_mangle]
pub extern "C" fn ns_checksum(p: *const u8, n: usize) -> u32 {
    let s = unsafe { core::slice::from_raw_parts(p, n) };
    s.iter().fold(0x1234u32, |a, &b| a.rotate_left(5) ^ b as u32)
}
#[no_mangle]
pub extern "C" fn ns_div(a: u32, b: u32) -> u32 { a / core::hint::black_box(b) }
"""
NOSTD_HANDLER_RS = """
#![no_std]
extern "C" { fn c_on_panic() -> !; }
#[panic_handler]
fn on_panic(_info: &core::panic::PanicInfo) -> ! { unsafe { c_on_panic() } }
#[no_mangle]
pub extern "C" fn handler_installed() -> i32 { 1 }
"""
NOSTD_MAIN_C = r"""
#include <stdio.h>
#include <string.h>
#include <stdint.h>
#include <unistd.h>
uint32_t ns_checksum(const uint8_t *, size_t); uint32_t ns_div(uint32_t, uint32_t);
#ifdef WITH_HANDLER
int handler_installed(void);
void c_on_panic(void) { puts("custom panic handler"); fflush(stdout); _exit(3); }
#endif
int main(int argc, char **argv) {
    const char *s = "hello, no_std";
#ifdef WITH_HANDLER
    if (!handler_installed()) return 1;
#endif
    printf("%u %u\n", ns_checksum((const uint8_t *)s, strlen(s)), ns_div(100, 7));
    fflush(stdout);
    if (argc > 1) printf("%u\n", ns_div(1, 0));
    return 0;
}
"""


def py_checksum(data: bytes) -> int:
    a = 0x1234
    for b in data:
        a = ((a << 5) | (a >> 27)) & 0xFFFFFFFF
        a ^= b
    return a


@pytest.fixture(scope="module")
def no_std(build_crate, std_bundle):
    abort = ["-C", "panic=abort"]
    return build_crate("nostd", NOSTD_RS, flags=abort), build_crate("nostd_handler", NOSTD_HANDLER_RS, flags=abort), std_bundle("abort", no_std=True)


EXPECTED_NOSTD = [str(py_checksum(b"hello, no_std")), str(100 // 7)]


@pytest.mark.parametrize("ld", LINKERS)
def test_no_std_crate_with_core_bundle(ld, no_std, compile_c, fuse_ld, link, run_exe, tmp_path):
    crate, _, bundle = no_std
    exe = tmp_path / "app"
    proc = link(["cc", *fuse_ld(ld), compile_c(NOSTD_MAIN_C, "nostd_main"), crate, bundle, "-o", exe])
    assert proc.returncode == 0, proc.stderr
    run = run_exe(exe)
    assert run.returncode == 0 and run.stdout.split() == EXPECTED_NOSTD, run.stderr
    # The bundle's default panic handler aborts.
    run = run_exe(exe, "divide-by-zero")
    assert run.returncode == -signal.SIGABRT, (run.returncode, run.stderr)
    assert run.stdout.split() == EXPECTED_NOSTD


def test_no_std_own_panic_handler_overrides_default(no_std, compile_c, link, run_exe, tmp_path):
    crate, handler, bundle = no_std
    exe = tmp_path / "app"
    main = compile_c(NOSTD_MAIN_C, "nostd_main_handler", flags=["-DWITH_HANDLER"])
    proc = link(["cc", main, crate, handler, bundle, "-o", exe])
    assert proc.returncode == 0, proc.stderr
    run = run_exe(exe, "divide-by-zero")
    assert run.returncode == 3, (run.returncode, run.stderr)
    assert run.stdout.split() == EXPECTED_NOSTD + ["custom", "panic", "handler"]


# --------------------------------------------------------------------------
# #[no_mangle] functions from C and C++

FFI_RS = """
use std::ffi::{c_char, CStr};
#[no_mangle]
pub extern "C" fn rs_strlen_plus(s: *const c_char, k: usize) -> usize {
    unsafe { CStr::from_ptr(s) }.to_bytes().len() + k
}
#[no_mangle]
pub extern "C" fn rs_apply(f: extern "C" fn(i32) -> i32, n: i32) -> i32 {
    (0..n).map(|i| f(i)).sum()
}
#[no_mangle]
pub static RS_MAGIC: u32 = 0xC0FFEE;
"""
FFI_MAIN_C = r"""
#include <stdio.h>
#include <stddef.h>
#include <stdint.h>
size_t rs_strlen_plus(const char *, size_t);
int rs_apply(int (*)(int), int);
extern const uint32_t RS_MAGIC;
static int square(int x) { return x * x; }
int main(void) { printf("%zu %d %x\n", rs_strlen_plus("from C", 1), rs_apply(square, 5), RS_MAGIC); return 0; }
"""
FFI_MAIN_CXX = r"""
#include <cstdint>
#include <cstdio>
#include <functional>
#include <stdexcept>
#include <string>
extern "C" {
size_t rs_strlen_plus(const char *, size_t);
int rs_apply(int (*)(int), int);
extern const uint32_t RS_MAGIC;
}
static int cube(int x) { return x * x * x; }
int main() {
    std::string s = "from C++";
    int thrown = 0;
    try { throw std::runtime_error("x"); } catch (const std::runtime_error &) { thrown = 1; }
    std::printf("%zu %d %x %d\n", rs_strlen_plus(s.c_str(), 2), rs_apply(cube, 4), RS_MAGIC, thrown);
    return 0;
}
"""


@pytest.mark.parametrize("lang", ["c", "c++"])
def test_no_mangle_from_c_and_cxx(lang, build_crate, std_bundle, compile_c, require_cxx, link, run_exe, tmp_path):
    crate = build_crate("ffi", FFI_RS)
    if lang == "c":
        main, driver = compile_c(FFI_MAIN_C, "ffi_main"), "cc"
        expected = [str(len("from C") + 1), str(sum(i * i for i in range(5))), "c0ffee"]
    else:
        require_cxx()
        main, driver = compile_c(FFI_MAIN_CXX, "ffi_main_cxx", cxx=True), "c++"
        expected = [str(len("from C++") + 2), str(sum(i**3 for i in range(4))), "c0ffee", "1"]
    exe = tmp_path / "app"
    proc = link([driver, main, crate, std_bundle(), "-o", exe])
    assert proc.returncode == 0, proc.stderr
    run = run_exe(exe)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == expected


def test_crate_inlined_away_at_opt_level_3(build_crate, std_bundle, compile_c, link, run_exe, rlib_v0, tmp_path):
    """A crate of only generic/#[inline] items defines no symbol at -O3; it is
    still a valid v0 rlib (empty symbol index) and its users link."""
    inl = build_crate("inl_only", "pub fn twice<T: Copy + core::ops::Add<Output = T>>(t: T) -> T { t + t }\n#[inline] pub fn inc(x: u32) -> u32 { x + 1 }\n", flags=["-Copt-level=3"])
    verify = rlib_v0("verify", str(inl))
    assert verify.returncode == 0, verify.stdout + verify.stderr
    user = build_crate("inl_user", '#[no_mangle] pub extern "C" fn inl_user(x: u32) -> u32 { inl_only::twice(inl_only::inc(x)) }\n', deps={"inl_only": inl}, flags=["-Copt-level=3"])
    main = compile_c('#include <stdio.h>\nunsigned inl_user(unsigned);\nint main(void){printf("%u\\n", inl_user(20));return 0;}\n', "inl_main")
    exe = tmp_path / "app"
    proc = link(["cc", main, user, inl, std_bundle(), "-o", exe])
    assert proc.returncode == 0, proc.stderr
    assert run_exe(exe).stdout.strip() == str((20 + 1) * 2)
