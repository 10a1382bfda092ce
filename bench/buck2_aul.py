"""The third Buck2 variant: the stock prelude's `advanced_unstable_linking`.

With that toolchain field the bundled prelude links the crates' rlibs
themselves into a `cxx_binary` (no staticlib), on rustc internals. The
bundled prelude's `system_rust_toolchain` cannot turn it on, so the project
gets toolchain rules of the benchmark's own (bench/buck2_aul.bzl, copied to
`toolchains/aul.bzl`). What it takes on stable rustc 1.95 (each found as the
error the previous step left):

- every sysroot crate as a target (`sysroot_rlib`: this prelude has no
  `prebuilt_rust_library`), wired in as the toolchain's
  `explicit_sysroot_deps` (core, std, panic_unwind; the others come in
  through them), chained in rustc's own link order (`rustc --print
  link-args` on an empty program);
- rustc reads each sysroot crate's `.rmeta` (the sysroot rlibs hold only a
  metadata stub, `-Zembed-metadata=no`), the linker its `.rlib`;
- `-Zunstable-options` for the prelude's `--extern noprelude:...`
  (RUSTC_BOOTSTRAP=1 the prelude already sets: `nightly_features`);
- `link_ordering = "topological"` on the C++ toolchain (with the default
  preorder the rlibs come out before the crates they use);
- an allocator shim crate (`__rust_alloc` & co. forwarding to std's
  `__rdl_*`, and `__rust_no_alloc_shim_is_unstable_v2`), which rustc writes
  only when it links a final artifact itself; every `cxx_binary` depends on
  it, `link_whole` (it lands before std on the link line).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile

import buck2_project as bb

HERE = os.path.dirname(os.path.abspath(__file__))
SHIM_TARGET = "toolchains//:rust_alloc_shim"

ALLOC_SHIM = """\
// What rustc's allocator shim provides when it links a final artifact
// itself: `__rust_alloc` & co. forwarding to std's default (System)
// allocator, and the symbol guarding use of liballoc without the shim.
// `#[rustc_std_internal_symbol]` gives them rustc's own mangled names.
#![feature(rustc_attrs)]
#![allow(internal_features)]

unsafe extern "Rust" {
    #[rustc_std_internal_symbol]
    fn __rdl_alloc(size: usize, align: usize) -> *mut u8;
    #[rustc_std_internal_symbol]
    fn __rdl_dealloc(ptr: *mut u8, size: usize, align: usize);
    #[rustc_std_internal_symbol]
    fn __rdl_realloc(ptr: *mut u8, old_size: usize, align: usize, new_size: usize) -> *mut u8;
    #[rustc_std_internal_symbol]
    fn __rdl_alloc_zeroed(size: usize, align: usize) -> *mut u8;
}

#[rustc_std_internal_symbol]
pub unsafe fn __rust_alloc(size: usize, align: usize) -> *mut u8 {
    unsafe { __rdl_alloc(size, align) }
}

#[rustc_std_internal_symbol]
pub unsafe fn __rust_dealloc(ptr: *mut u8, size: usize, align: usize) {
    unsafe { __rdl_dealloc(ptr, size, align) }
}

#[rustc_std_internal_symbol]
pub unsafe fn __rust_realloc(ptr: *mut u8, old_size: usize, align: usize, new_size: usize) -> *mut u8 {
    unsafe { __rdl_realloc(ptr, old_size, align, new_size) }
}

#[rustc_std_internal_symbol]
pub unsafe fn __rust_alloc_zeroed(size: usize, align: usize) -> *mut u8 {
    unsafe { __rdl_alloc_zeroed(size, align) }
}

#[rustc_std_internal_symbol]
pub fn __rust_no_alloc_shim_is_unstable_v2() {}
"""


def sysroot_rlibs(rustc: str) -> list[tuple[str, str]]:
    """(path, crate) of the sysroot rlibs rustc links into a std binary, in
    its link order (dependents first)."""
    with tempfile.TemporaryDirectory() as d:
        src = os.path.join(d, "m.rs")
        with open(src, "w") as f:
            f.write("fn main() {}\n")
        p = subprocess.run([rustc, "--print", "link-args", "-o", os.path.join(d, "m"), src], capture_output=True, text=True)
    if p.returncode != 0:
        raise bb.Buck2BenchError(f"`{rustc} --print link-args` failed: {p.stderr[-2000:]}")
    found = re.findall(r'"(/[^"]*/lib([a-z0-9_]+)-[0-9a-f]+\.rlib)"', p.stdout)
    if not any(c == "std" for _, c in found):
        raise bb.Buck2BenchError(f"`{rustc} --print link-args` names no std rlib: {p.stdout[:500]}")
    return found


def toolchains(rlibs: list[tuple[str, str]]) -> str:
    """The stock toolchains/BUCK with the Rust toolchain replaced by ours."""
    base = bb.STOCK_TOOLCHAINS
    # Rust libraries list all their transitive deps as direct link deps,
    # dependencies first: the default preorder would put them before the
    # crates that use them.
    base = bb.replace_once(base, '    link_style = "static_pic",\n', '    link_style = "static_pic",\n    link_ordering = "topological",\n')
    base = bb.replace_once(base, 'load("@prelude//toolchains:rust.bzl", "system_rust_toolchain")\n', 'load(":aul.bzl", "aul_rust_toolchain", "sysroot_rlib")\n')
    i = base.index("system_rust_toolchain(")
    j = base.index(")\n", i) + 2
    rust = f"""\
aul_rust_toolchain(
    name = "rust",
    default_edition = "2021",
    rustc_flags = {bb._q(bb.RUSTC_FLAGS)},
    core = ":core",
    std = ":std",
    panic_unwind = ":panic_unwind",
    visibility = ["PUBLIC"],
)

# The sysroot rlibs rustc links into a std binary, each depending on the next
# one in rustc's link order (so the cxx link keeps that order).
"""
    crates = [c for _, c in rlibs]
    for n, (path, crate) in enumerate(rlibs):
        deps = [f":{crates[n + 1]}"] if n + 1 < len(crates) else []
        name = os.path.basename(path)
        rust += f'sysroot_rlib(\n    name = "{crate}",\n    crate = "{crate}",\n    rlib = "sysroot/{name}",\n    rmeta = "sysroot/{name[:-5]}.rmeta",\n    deps = {bb._q(deps)},\n    visibility = ["PUBLIC"],\n)\n\n'
    rust += """\
# rustc's allocator shim, which it writes only when it links: a stock
# cxx_binary linking rlibs must depend on it.
rust_library(
    name = "rust_alloc_shim",
    srcs = ["rust_alloc_shim.rs"],
    crate_root = "rust_alloc_shim.rs",
    edition = "2021",
    link_whole = True,
    visibility = ["PUBLIC"],
)
"""
    return base[:i] + rust + base[j:]


def finish_project(root: str, rustc: str) -> None:
    """Turn a stock project (`bb.make_project("stock", ...)`) into the
    advanced_unstable_linking one."""
    rlibs = sysroot_rlibs(rustc)
    tc = os.path.join(root, "toolchains")
    os.makedirs(os.path.join(tc, "sysroot"))
    for path, _ in rlibs:
        for p in (path, path[:-5] + ".rmeta"):
            if not os.path.exists(p):
                raise bb.Buck2BenchError(f"sysroot file {p} is missing")
            os.symlink(p, os.path.join(tc, "sysroot", os.path.basename(p)))
    shutil.copy(os.path.join(HERE, "buck2_aul.bzl"), os.path.join(tc, "aul.bzl"))
    bb._write(os.path.join(tc, "rust_alloc_shim.rs"), ALLOC_SHIM)
    bb._write(os.path.join(tc, "BUCK"), toolchains(rlibs))
    pkg = os.path.join(root, bb.PKG, "BUCK")
    with open(pkg) as f:
        text = f.read()
    text, n = re.subn(r'(cxx_binary\(\n    name = "[a-z_]+",\n    srcs = \[[^\]]*\],\n    deps = \[)', rf'\1"{SHIM_TARGET}", ', text)
    if n == 0:
        raise bb.Buck2BenchError(f"{pkg}: no cxx_binary to give the allocator shim")
    bb._write(pkg, text)
