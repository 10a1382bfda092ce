"""`rlib-v0 std-bundle`: the standard library as one archive for the system linker.

What `-C emit-std-bundle=yes` would do: an empty crate built as a staticlib
(so rustc bundles std, its dependencies and the allocator shim), then made
to coexist with v0 rlibs:
- the allocator shim's definitions become weak, so a crate that declares
  `#[global_allocator]` (and therefore defines `__rust_alloc` & co. itself)
  wins, and programs without one still get the default;
- for `--no-std`, the bundle's default `#[panic_handler]` is weak for the
  same reason;
- `rustc --print native-static-libs` is recorded in the marker, so `link`
  appends the system libraries std needs.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile

from ..formats import elf
from . import stamp
from .. import toolchain
from ..errors import UserError
from ..cli.verbs import FLAG, REST_ARGS, Opt, Verb
from ..fsutil import write_atomic
from ..outputs import output_kind
from ..formats.marker import KIND_STD_BUNDLE, Identity, crate_id
from ..rustc_symbols import GLOBAL_ALLOCATOR_FNS, is_rustc_item

STD_SOURCE = "// rlib-v0 standard-library bundle: std and its dependencies.\n"
# Also `proc_macro`, where the sysroot has it: a program (not a proc macro)
# may link crates that use it at run time (proc-macro2 in a code generator
# such as cxx's `cxxbridge`), and rustc links the sysroot's copy into such a
# program itself. Only what the program calls is pulled from the archive.
PROC_MACRO = "extern crate proc_macro;\n"
# `--with-test`: std plus libtest, the harness every `rustc --test` binary
# calls (`test::test_main_static`).  rustc links libtest into test binaries
# on stable, but naming it from a crate is unstable, so this one compile of
# the bundle crate runs with RUSTC_BOOTSTRAP=1; the archive holds the same
# precompiled sysroot code rustc's own test links use.
TEST_SOURCE = "// rlib-v0 standard-library bundle with libtest, for test binaries.\n#![feature(test)]\nextern crate test;\n"
NO_STD_SOURCE = """\
// rlib-v0 core bundle. The panic handler is made weak after compilation so a
// crate that declares its own #[panic_handler] overrides it.
#![no_std]
extern "C" {
    fn abort() -> !;
}
#[panic_handler]
fn rlib_v0_default_panic(_info: &core::panic::PanicInfo) -> ! {
    unsafe { abort() }
}
// The precompiled core is built with panic=unwind: its landing pads name the
// personality routine, so any program that reaches core's panicking code
// (`a / b`, slice indexing...) needs the symbol. Under panic=abort nothing
// unwinds through Rust frames; if a foreign unwind ever asks, abort.  Weak
// like the panic handler, so a crate's own definition wins.
#[no_mangle]
pub extern "C" fn rust_eh_personality() -> ! {
    unsafe { abort() }
}
"""


def _weaken_members(members: list[tuple[str, bytes]], positions: set[int], where: str) -> list[str]:
    weakened: list[str] = []
    for p in sorted(positions):
        name, data = members[p]
        new, names = elf.weaken_definitions(data, f"{where}({name})")
        members[p] = (name, new)
        weakened += names
    return weakened


def run(output: str, panic: str, target: str | None, no_std: bool, extra: list[str], rustc: str | None = None, with_test: bool = False, link_args: str | None = None, wrapper_guard: str | None = None) -> int:
    """`wrapper_guard`: also write the object that makes a link bypassing
    `rlib-v0 link` fail (linker_cmd.WRAPPER_GUARD_SUFFIX); the path must end so."""
    if panic not in ("unwind", "abort"):
        raise UserError(f"--panic must be unwind or abort, not {panic!r}")
    if no_std and with_test:
        raise UserError("--with-test needs std (libtest uses it): drop --no-std")
    if no_std and panic != "abort":
        raise UserError("a --no-std bundle needs --panic abort (core has no unwinder)")
    exe = toolchain.find_rustc(rustc)
    info = toolchain.rustc_info(exe)
    output_kind(output)  # refuse a bad output path before the minute of building
    if link_args:
        output_kind(link_args)
    if wrapper_guard:
        from ..link.linker_cmd import WRAPPER_GUARD_SUFFIX

        if not wrapper_guard.endswith(WRAPPER_GUARD_SUFFIX):
            raise UserError(f"--wrapper-guard {wrapper_guard}: the name must end in {WRAPPER_GUARD_SUFFIX} (rlib-v0 link drops such files)")
        output_kind(wrapper_guard)
    tmp = tempfile.mkdtemp(prefix=".rlib-v0-bundle-")
    try:
        src = os.path.join(tmp, "std_bundle.rs")
        source = NO_STD_SOURCE if no_std else TEST_SOURCE if with_test else STD_SOURCE
        with open(src, "w") as f:
            f.write(source if no_std else source + PROC_MACRO)
        lib = os.path.join(tmp, "libstd_bundle.a")
        libs_file = os.path.join(tmp, "native-static-libs.txt")
        cmd = [exe, "--crate-type=staticlib", "--crate-name=std_bundle", "--edition=2021", f"-Cpanic={panic}", "-Cmetadata=rlib_v0_std_bundle", f"--remap-path-prefix={tmp}=.", f"--print=native-static-libs={libs_file}", "-o", lib, src]
        if target:
            cmd += ["--target", target]
        cmd += extra
        env = dict(os.environ, RUSTC_BOOTSTRAP="1") if with_test else None
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
        if proc.returncode != 0 and not no_std and "`proc_macro`" in proc.stderr and "error[E0463]" in proc.stderr:
            # A sysroot without proc_macro (some targets): std alone.
            with open(src, "w") as f:
                f.write(source)
            proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
        if proc.returncode != 0:
            if "error[E0463]" in proc.stderr:
                # E0463, "can't find crate": this rustc has no precompiled
                # std (or core) for the target.
                tgt = target or info.host
                lib = "core" if no_std else "std"
                raise UserError(f"{output}: rustc {info.release} ({exe}) has no precompiled {lib} for {tgt}: install it (rustup: `rustup target add {tgt}`; Debian's rustc-web: libstd-rust-web-dev of that architecture) or give a rustc that has it (--rustc)")
            why = proc.stderr.strip().splitlines()[0] if proc.stderr.strip() else f"rustc exited {proc.returncode}" if proc.returncode > 0 else f"rustc was killed by signal {-proc.returncode}"
            raise UserError(f"{output}: rustc failed to build the std bundle: {why}")
        native = open(libs_file).read().split() if os.path.exists(libs_file) else []
        members, index = stamp.load_members(lib)
        # The allocator shim is the member that defines __rust_alloc & co.; for
        # no_std, the bundle crate's own member holds the panic handler.
        weak = {p for s, p in index if is_rustc_item(s, GLOBAL_ALLOCATOR_FNS)}
        if no_std:
            weak |= {i for i, (n, _) in enumerate(members) if ".std_bundle." in n}
        _weaken_members(members, weak, output)
        tgt = target or info.host
        crate = "core" if no_std else "std"
        ident = Identity(
            kind=KIND_STD_BUNDLE,
            crate=crate,
            metadata=f"bundle-{panic}",
            crate_id=crate_id(crate, f"bundle-{panic}", tgt),
            rustc_version=info.version_text,
            rustc_release=info.release,
            rustc_commit=info.commit,
            target=tgt,
            panic=panic,
            codegen={k: v for k, v in _codegen(extra).items()},
            native_libs=native,
            no_std=no_std,
            with_test=with_test,
        )
        write_atomic(output, stamp.build_v0(members, index, ident, output))
        if link_args:
            from .link_args import bundle_args, bundle_shared_args, render, shared_link_args_path

            write_atomic(shared_link_args_path(link_args), render(bundle_shared_args(output)))
            write_atomic(link_args, render(bundle_args(ident)))
        if wrapper_guard:
            from ..formats.elf import guard_object
            from ..link.linker_cmd import WRAPPER_GUARD_SYMBOL

            write_atomic(wrapper_guard, guard_object(stamp.template_header(members, output), [WRAPPER_GUARD_SYMBOL]))
        return 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _codegen(extra: list[str]) -> dict[str, str]:
    from .rustc_args import parse

    return parse(extra).identity_codegen()


def main(opts: dict, extra: list[str]) -> int:
    return run(opts["output"], opts.get("panic", "unwind"), opts.get("target"), opts.get("no-std", False), extra, opts.get("rustc"), opts.get("with-test", False), opts.get("link-args"), opts.get("wrapper-guard"))


STD_BUNDLE = Verb(
    "std-bundle",
    "Build the standard-library bundle for one configuration.",
    "rlib-v0 std-bundle -o OUT [--panic unwind|abort] [--target TRIPLE] [--no-std | --with-test] [--rustc PATH] [--link-args FILE] [--wrapper-guard FILE] [-- EXTRA_RUSTC_ARGS...]",
    (
        Opt(("--output", "-o"), "the bundle archive to write", metavar="OUT", required=True),
        Opt(("--panic",), "unwind (default) or abort", metavar="STRATEGY"),
        Opt(("--target",), "target triple (default: rustc's host)", metavar="TRIPLE"),
        Opt(("--no-std",), "core only, for #![no_std] crates (needs --panic abort)", FLAG),
        Opt(("--with-test",), "std plus libtest, for test binaries (rustc --test); supersedes the plain bundle on a link", FLAG),
        Opt(("--rustc",), "rustc to run (default: $RUSTC, else rustc on PATH); its sysroot must hold the target's std", metavar="PATH"),
        Opt(("--link-args",), "also write the response file a link without `rlib-v0 link` names after the bundle (std's system libraries), and beside it the `.shared` one a shared object's link adds", metavar="FILE"),
        Opt(("--wrapper-guard",), "also write an object (FILE ends in .rlib-v0-wrapper-guard.o) that fails a link naming it twice without `rlib-v0 link`, which drops it (Buck2's wrapper mode)", metavar="FILE"),
    ),
    REST_ARGS,
    "EXTRA_RUSTC_ARGS",
    "extra rustc arguments, after `--`",
    main,
)
