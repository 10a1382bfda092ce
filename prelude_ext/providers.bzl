# Providers and records of the rlib-v0 Buck2 rules.
#
# Two audiences read these: our own rules (a `rust_v0_library` compiling
# against its deps, a `rust_v0_binary` linking them) read the Rust-specific
# ones below; the stock prelude rules (`cxx_binary`, `cxx_library`) read the
# prelude's own link providers (`MergedLinkInfo`, `LinkableGraph`, ...), which
# `link_providers.bzl` builds alongside.

# What identifies a compiled crate, as far as Buck2 knows it at analysis time.
# The authoritative identity is the JSON inside the rlib's `_rlib_v00.o`
# member (written by `rlib-v0 rustc`, read by `rlib-v0 link`); this record
# only carries what the rules themselves decided, for messages and debugging.
RustV0Identity = record(
    # `--crate-name`: what dependents name in `--extern` and `use`.
    crate = field(str),
    # `-C metadata`: tells two crates of one name apart (two versions of a
    # crate in one binary get two metadata values, hence two symbol sets).
    metadata = field(str),
    # `--target` triple the crate was compiled for.
    target = field(str),
    # `-C panic` strategy compiled in; must match the std bundle's.
    panic = field(str),
    # The target that produced it, for error messages.
    label = field(Label),
)

# One crate in a `RustV0CrateTSet`.
RustV0Crate = record(
    # Who the crate is (name, metadata, ...), for `--extern` and messages.
    identity = field(RustV0Identity),
    # The v0 rlib: an ordinary rlib plus the `_rlib_v00.o` identity member.
    rlib = field(Artifact),
    # What dependents compile against: the metadata-only rlib of a pipelined
    # build (`-Zno-codegen`, done before the crate's codegen), else `rlib`.
    meta = field(Artifact),
    # Linked with `--whole-archive` (static initializers that nothing
    # references would otherwise be dropped by the linker).
    whole_archive = field(bool),
    # For links rustc drives (proc macros): `@FILE` of `-L native=` for the
    # crate's native static libraries (written by its compile), with what
    # holds them (its build script's OUT_DIR) as hidden inputs; None when
    # the crate has no build-script output.
    native_search = field(cmd_args | None, None),
)

def _search_path(crate: RustV0Crate):
    # rustc finds *transitive* dependencies (those it sees only through a
    # direct dep's metadata) on `-L dependency=` directories, by name and
    # hash; each rlib lives in its own output directory, so one flag each.
    # Compiles that only make code (rlibs, objects) read the metadata rlibs.
    return cmd_args(crate.meta, format = "-Ldependency={}", parent = 1)

def _search_path_linked(crate: RustV0Crate):
    # Compiles that rustc links itself (proc macros) need the crates' code.
    return cmd_args(crate.rlib, format = "-Ldependency={}", parent = 1)

def _rlib(crate: RustV0Crate):
    return crate.rlib

def _native_search(crate: RustV0Crate):
    return crate.native_search or cmd_args()

def _whole_archive(crate: RustV0Crate):
    # `rlib-v0 link --whole-archive CRATE`: the wrapper owns the final order,
    # so it is told crate names rather than given linker flags to keep in place.
    return cmd_args("--whole-archive", crate.identity.crate) if crate.whole_archive else cmd_args()

def _describe(crate: RustV0Crate):
    return cmd_args(
        crate.identity.crate,
        str(crate.identity.label.raw_target()),
        crate.rlib,
        delimiter = " ",
    )

# The Rust crates a library needs, itself included: a transitive set, so that
# a library's compile and a binary's link collect them in time linear in the
# graph (each node is shared by every dependent, never copied).
RustV0CrateTSet = transitive_set(
    args_projections = {
        "describe": _describe,
        "native_search": _native_search,
        "rlib": _rlib,
        "search_path": _search_path,
        "search_path_linked": _search_path_linked,
        "whole_archive": _whole_archive,
    },
)

# What a `rust_v0_library` gives to Rust dependents.
RustV0LibraryInfo = provider(
    fields = {
        # This crate and all Rust crates below it.
        "crates": provider_field(RustV0CrateTSet),
        # This crate's name, metadata, target and panic strategy.
        "identity": provider_field(RustV0Identity),
        # This crate's v0 rlib, what links take (and proc macros compile against).
        "rlib": provider_field(Artifact),
        # What dependents compile against (`--extern crate=meta`): the
        # metadata-only rlib when the toolchain pipelines, else `rlib`.
        "meta": provider_field(Artifact),
    },
)

# What a `rust_v0_library(proc_macro = True)` gives: a compiler plugin, loaded
# by rustc when a dependent compiles (`--extern name=lib.so`), never linked
# into a program, never a dependency recorded in a marker.
RustV0ProcMacroInfo = provider(
    fields = {
        # The crate name dependents use by default.
        "crate": provider_field(str),
        # The shared object rustc loads.
        "so": provider_field(Artifact),
        # The macro (its `.so` as `rlib`) and its own Rust deps, for the
        # `-L dependency=` path of crates that use it, directly or not.
        "crates": provider_field(RustV0CrateTSet),
    },
)

# What a `rust_v0_std_bundle` gives: the standard library as one static
# archive, built for one configuration (target, panic strategy, codegen flags).
RustV0StdBundleInfo = provider(
    fields = {
        # The archive (`rlib-v0 std-bundle -o`), with its own identity marker.
        "archive": provider_field(Artifact),
        # JSON written at analysis: the bundle's label, panic strategy and
        # target, which every crate's compile checks itself against
        # (`rlib-v0 rustc --bundle-identity`).
        "identity": provider_field(Artifact),
        # `#![no_std]` bundle: `core` (and `alloc`) only.
        "no_std": provider_field(bool),
        # Panic strategy it was built with; crates must use the same.
        "panic": provider_field(str),
        # Wrapper mode (link_check = "wrapper"): an object every crate names
        # after its rlib, so a link that bypasses `rlib-v0 link` loads it
        # twice and fails on a duplicate symbol naming the fix; the wrapper
        # drops it. None in compile mode.
        "wrapper_guard": provider_field(Artifact | None),
    },
)

# The rlib-v0 toolchain: everything that varies with the configuration and is
# shared by every Rust compile and link of it.
RustV0ToolchainInfo = provider(
    fields = {
        # A helper that runs a command and keeps its stderr and exit status as
        # files (`prelude_ext//tools:capture.py`), so the link plan survives a
        # failing link in debug mode.
        "capture": provider_field(RunInfo),
        # Where a link's Rust archives are checked:
        # - "wrapper": every link runs through `rlib-v0 link`, which reads
        #   each archive on the line (Rust staticlibs and foreign rlibs
        #   included), dedups, orders and checks before the system linker
        #   runs, and explains failures in crate terms;
        # - "compile": links run the C/C++ toolchain's own linker, bare. What
        #   the wrapper would check holds by construction or is checked where
        #   it is cheapest: each crate's compile refuses a panic strategy or
        #   target other than the bundle's (`--bundle-identity`), rustc
        #   refuses deps built by another rustc, the link graph gives each
        #   crate once, in topological order; each rust_v0_library names its
        #   link-args file after its rlib (static libs, `-u` symbols, and a
        #   guard object that makes two `#[global_allocator]`s fail the
        #   link; see link_args.py). Archives that no rust_v0 rule built (a
        #   prebuilt Rust staticlib in a cxx_library) are not examined.
        # `link_debug` always uses the wrapper (its plan is the debug output).
        "link_check": provider_field(str),
        # Pass `--debug` to every `rlib-v0 link` (`-c rust_v0.link_debug=true`).
        "link_debug": provider_field(bool),
        # The compiler driver that runs the system linker, with the flags that
        # pick it: e.g. `["cc", "-fuse-ld=bfd"]`. `rlib-v0 link` wraps it.
        # Empty: `rust_v0_binary` links with the C/C++ toolchain's own linker
        # (that of a `rust_v0_cxx_toolchain_wrapper`'s base).
        "linker_driver": provider_field(list[str]),
        # `-C panic=` for every crate; the std bundle must match.
        "panic": provider_field(str),
        # Pipelined compiles: each library gets a metadata action
        # (`-Zno-codegen`) that its dependents compile against, so they need
        # not wait for its codegen. The flag is unstable, so every compile
        # runs with RUSTC_BOOTSTRAP=1 (one crate hash for the metadata and
        # the rlib) and `-Zallow-features=` (source may still use no
        # `#![feature]`: stable Rust, as without it). Off by default: on 2
        # cores with small crates it is slower (docs/benchmarks.md, section 5).
        "pipelined": provider_field(bool),
        # rustc to run, looked up on PATH by the tool (`rlib-v0 rustc --rustc`).
        "rustc": provider_field(str),
        # Flags given to every crate *and* the std bundle (opt-level,
        # target-cpu, ...): crates and bundle must be built alike.
        "rustc_flags": provider_field(list[str]),
        # The program that runs the configuration's programs where the
        # machine cannot, e.g. `["qemu-aarch64", "-L", "/usr/aarch64-linux-gnu"]`
        # for aarch64 on x86-64: `buck2 run` and `buck2 test` of rust_v0_binary
        # and rust_v0_test put it in front. Empty: run them directly.
        "runner": provider_field(list[str]),
        # `--target` triple. Always explicit, so the identity never depends on
        # which machine ran the compile.
        "target": provider_field(str),
        # `python3 -S -B TREE/rlib_v0/lean.py` over the byte-compiled tool
        # tree (`rlib_v0_bytecompile`): an input of every action that runs
        # it, so those actions are hermetic.
        "tool": provider_field(RunInfo),
        # Check, before each link, that every Rust archive holds what its
        # marker recorded when stamped (a build cache, a file system or a
        # hand edit may change a file after the action that wrote it; the
        # link itself checks only the archive's size and the marker's
        # checksum). With link_check = "wrapper": `rlib-v0 link
        # --verify-content` (every archive read whole on every link); with
        # "compile": each archive's `[verify]` action becomes an input of
        # every link that takes it (run once per archive). `link_debug`
        # checks content anyway. Off by default: it costs a read of every
        # archive (docs/reliability.md).
        "verify_content": provider_field(bool),
        # The same with the verb `link`: it runs on every link, where `site`
        # and the CLI's imports would cost more than the plan itself
        # (docs/benchmarks.md, section 1).
        "link_tool": provider_field(RunInfo),
    },
)

# Given by `rust_v0_cxx_toolchain_wrapper` beside the wrapped toolchain: the
# linker it wrapped, so `rust_v0_binary` links with exactly what `cxx_binary`
# links with (the wrapper adds its own options before `--`).
RustV0WrappedLinkerInfo = provider(
    fields = {
        # The base toolchain's `linker_info.linker`, unwrapped.
        "base_linker": provider_field(RunInfo),
    },
)

# What a crate's build-script run gives the build scripts of the crates that
# depend on it directly (cargo's `links` metadata, as DEP_<LINKS>_<KEY>): the
# run provides it, and a `rust_v0_library` forwards its run's
# (`buildscript_run`), so a dependent's run finds it among the crate's deps.
RustV0BuildScriptInfo = provider(
    fields = {
        # DEP_<LINKS>_<KEY>=VALUE lines (`rlib-v0 buildscript-run
        # --metadata-out`); empty when the package has no `links`.
        "metadata": provider_field(Artifact),
        # The run's OUT_DIR: metadata values name files there (an include
        # directory), so it is an input of every run that reads them.
        "out_dir": provider_field(Artifact),
    },
)

# The `RustV0BuildScriptInfo` of a crate's direct dependencies, for its own
# build-script run (`rust_v0_buildscript_deps`, made by cargo.bzl's macros).
RustV0BuildScriptDepsInfo = provider(
    fields = {
        "infos": provider_field(list[RustV0BuildScriptInfo]),
    },
)
