# Compiling one crate: the rustc command line shared by libraries (a v0 rlib
# through `rlib-v0 rustc`) and binaries (the `main` object, see binary.bzl).
#
# Everything that decides whether two crates are "built in a compatible
# manner" (target, panic strategy, codegen flags) comes from the toolchain,
# so every crate of a configuration, and its std bundle, agree by
# construction; `rlib-v0 link` still checks it from the identity markers.

load("@prelude//cfg/exec_platform:marker.bzl", "get_exec_platform_marker")
load("@prelude//cxx:cxx_toolchain_types.bzl", "CxxToolchainInfo")
load(":providers.bzl", "RustV0CrateTSet", "RustV0LibraryInfo", "RustV0ProcMacroInfo", "RustV0ToolchainInfo")

# Where the rules find their configuration: documented names, overridable in
# the repository's root .buckconfig (a repository with its own toolchains
# cell and names sets these; docs/adopting.md):
#   [rust_v0]
#     toolchain = toolchains//:rust_v0          rust_v0_toolchain of the configuration
#     std_bundle = toolchains//:std_bundle      rust_v0_std_bundle of the configuration
#     cxx_toolchain = toolchains//:cxx          C/C++ toolchain (linking rust_v0_binary)
RUST_V0_TOOLCHAIN = read_root_config("rust_v0", "toolchain", "toolchains//:rust_v0")
RUST_V0_STD_BUNDLE = read_root_config("rust_v0", "std_bundle", "toolchains//:std_bundle")
RUST_V0_CXX_TOOLCHAIN = read_root_config("rust_v0", "cxx_toolchain", "toolchains//:cxx")
#     test_std_bundle = toolchains//:std_bundle_test   rust_v0_std_bundle(with_test = True), for rust_v0_test
RUST_V0_TEST_STD_BUNDLE = read_root_config("rust_v0", "test_std_bundle", "toolchains//:std_bundle_test")

# `target_compatible_with` of what only ever runs while building (proc macros,
# build scripts). Where Buck2 has execution platforms they carry the
# prelude's exec marker (its default platform and toolchains//platforms:exec
# register it): such a target is then built for them alone, and `buck2 build
# //...` for another machine skips it instead of building it for that machine
# too. With no execution platforms, exec deps take the target configuration,
# which has no marker: no constraint then.
EXEC_ONLY = [get_exec_platform_marker()] if read_root_config("build", "execution_platforms", "") else []

# rustc records its working directory (DW_AT_comp_dir, metadata spans): map it
# to `.` so the output does not depend on where the repo is checked out or
# which remote worker ran it. The directory is only known when the action
# runs, hence the shell: `/bin/sh -c REMAP_CWD NAME RUSTC ARGS...`.
REMAP_CWD = 'exec "$@" "--remap-path-prefix=$PWD=."'

def crate_attrs() -> dict[str, Attr]:
    """The attributes `rust_v0_library` and `rust_v0_binary` share."""
    return {
        # Crate name; defaults to the target name with `-` as `_`.
        "crate": attrs.option(attrs.string(), default = None),
        # Package-relative path of the crate root among `srcs`; defaults to
        # the only source, or `lib.rs`/`main.rs`, or `<crate>.rs`.
        "crate_root": attrs.option(attrs.string(), default = None),
        # Other `rust_v0_library` targets (given to rustc as `--extern`) and
        # C/C++ libraries (linked, not compiled against).
        "deps": attrs.list(attrs.dep(), default = []),
        # Environment of the crate's rustc (`env!()`), `$(location ...)` allowed
        # (e.g. OUT_DIR from a build script: `$(location :x-build-script-run[out_dir])`).
        "env": attrs.dict(key = attrs.string(), value = attrs.arg(), sorted = False, default = {}),
        "edition": attrs.string(default = "2021"),
        # Each becomes `--cfg feature="NAME"`.
        "features": attrs.list(attrs.string(), default = []),
        "labels": attrs.list(attrs.string(), default = []),
        # Deps under another extern name: `--extern NAME=...` (Cargo's `package = ...` renames).
        "named_deps": attrs.dict(key = attrs.string(), value = attrs.dep(), sorted = False, default = {}),
        # Extra rustc flags for this crate only. Flags that must agree across
        # a link (panic, target-cpu, opt-level) belong to the toolchain.
        # `$(location ...)` allowed: `@$(location :x-build-script-run[rustc_flags])`.
        "rustc_flags": attrs.list(attrs.arg(), default = []),
        "srcs": attrs.list(attrs.source(), default = []),
        # Files the compile reads besides `srcs` (`include_str!`, `#![doc =
        # include_str!("../README.md")]`): declared inputs, so a remote compile
        # has them. cargo.bzl's macros give a vendored crate its whole directory.
        "compile_inputs": attrs.list(attrs.source(), default = []),
        # More sources, each at a path of the crate's choosing (`{":gen": "src/gen.rs"}`,
        # reindeer's overlay fixups): the crate is then compiled from one
        # directory of `srcs` and these, a mapped path replacing a source's.
        "mapped_srcs": attrs.dict(key = attrs.source(), value = attrs.string(), sorted = False, default = {}),
        # Libraries: link the whole rlib (`--whole-archive`), for crates whose
        # only purpose is a static initializer nothing references. Binaries
        # accept it for symmetry; their own object is always linked whole.
        "whole_archive": attrs.bool(default = False),
        "_cxx_toolchain": attrs.toolchain_dep(default = RUST_V0_CXX_TOOLCHAIN, providers = [CxxToolchainInfo]),
        "_rust_v0_toolchain": attrs.toolchain_dep(default = RUST_V0_TOOLCHAIN, providers = [RustV0ToolchainInfo]),
        # The configuration's std bundle: a `select()` in toolchains//BUCK.
        "_std_bundle": attrs.dep(default = RUST_V0_STD_BUNDLE),
    }

def crate_name(ctx: AnalysisContext) -> str:
    # Like Cargo and the prelude: a target named `foo-bar` is crate `foo_bar`.
    return (ctx.attrs.crate or ctx.label.name).replace("-", "_")

def crate_metadata(ctx: AnalysisContext) -> str:
    # `-C metadata` feeds rustc's symbol hashes: it must differ between two
    # crates of one name (two versions in one binary) and be stable across
    # builds, clean checkouts and machines. The target label is both. It does
    # not include the configuration: crates of two configurations never meet
    # in one link.
    return str(ctx.label.raw_target())

def crate_root(ctx: AnalysisContext, default_roots: list[str]) -> Artifact:
    """The crate root among `srcs`: `crate_root` if given (a package-relative
    path), else the one file named like a default root or `<crate>.rs`.
    With `mapped_srcs`, the crate is read from one directory of both (the
    layout its modules need), and the root is found there."""
    if ctx.attrs.mapped_srcs:
        return _mapped_root(ctx, default_roots)
    if ctx.attrs.crate_root:
        for src in ctx.attrs.srcs:
            if src.short_path == ctx.attrs.crate_root:
                return src
        fail("crate_root `{}` is not in srcs".format(ctx.attrs.crate_root))
    if len(ctx.attrs.srcs) == 1:
        return ctx.attrs.srcs[0]
    return _pick_root(ctx, {s.short_path: s for s in ctx.attrs.srcs}, default_roots)

def _pick_root(ctx: AnalysisContext, files: dict[str, Artifact], default_roots: list[str]) -> Artifact:
    names = default_roots + [crate_name(ctx) + ".rs"]
    candidates = [f for p, f in files.items() if p.rpartition("/")[2] in names]
    if len(candidates) != 1:
        fail("cannot tell the crate root among srcs (found {}); set crate_root".format(
            [p for p in files if p.rpartition("/")[2] in names],
        ))
    return candidates[0]

def _mapped_root(ctx: AnalysisContext, default_roots: list[str]) -> Artifact:
    # `mapped_srcs = {source: "path/in/crate.rs"}` (reindeer's overlay fixups,
    # generated modules): laid out with `srcs` by their package paths, a
    # mapped file replacing a source of the same path.
    files = {s.short_path: s for s in ctx.attrs.srcs}
    files.update({path: src for src, path in ctx.attrs.mapped_srcs.items()})
    tree = ctx.actions.symlinked_dir("srcs", files)
    if ctx.attrs.crate_root:
        if ctx.attrs.crate_root not in files:
            fail("crate_root `{}` is neither in srcs nor a mapped_srcs path".format(ctx.attrs.crate_root))
        return tree.project(ctx.attrs.crate_root)
    root = files.keys()[0] if len(files) == 1 else None
    if root == None:
        picked = _pick_root(ctx, files, default_roots)
        root = [p for p, f in files.items() if f == picked][0]
    return tree.project(root)

def all_deps(ctx: AnalysisContext) -> list[Dependency]:
    """`deps` and `named_deps`: for link providers (proc macros have none, so
    link rules pass over them) and the crate set."""
    return ctx.attrs.deps + ctx.attrs.named_deps.values()

def rust_deps(ctx: AnalysisContext) -> list[RustV0LibraryInfo]:
    """The linkable Rust deps (named ones included): what the crate's link needs."""
    return [d[RustV0LibraryInfo] for d in all_deps(ctx) if RustV0LibraryInfo in d]

def _externs(ctx: AnalysisContext, linked_by_rustc: bool) -> cmd_args:
    """`--extern NAME=FILE` for every Rust dep: rlibs (their metadata rlib,
    unless rustc links the result itself), and proc macros' `.so` (loaded by
    rustc, never linked; their `-L dependency=` path comes with the crate
    set, `dep_crates_tset`)."""
    args = cmd_args()
    named = [(None, d) for d in ctx.attrs.deps] + [(n, d) for n, d in ctx.attrs.named_deps.items()]
    for name, d in named:
        if RustV0LibraryInfo in d:
            info = d[RustV0LibraryInfo]
            args.add(cmd_args("--extern=", name or info.identity.crate, "=", info.rlib if linked_by_rustc else info.meta, delimiter = ""))
        elif RustV0ProcMacroInfo in d:
            info = d[RustV0ProcMacroInfo]
            args.add(cmd_args("--extern=", name or info.crate, "=", info.so, delimiter = ""))
    return args

def crate_env(ctx: AnalysisContext) -> dict:
    """The crate's `env`: its compile's and its tests' environment."""
    return {k: cmd_args(v) for k, v in ctx.attrs.env.items()}

def rustc_env(ctx: AnalysisContext, toolchain: RustV0ToolchainInfo) -> dict:
    env = crate_env(ctx)
    if toolchain.pipelined:
        # `-Zno-codegen` is unstable; see RustV0ToolchainInfo.pipelined.
        env["RUSTC_BOOTSTRAP"] = cmd_args("1")
    return env

def dep_crates_tset(ctx: AnalysisContext, deps: list[RustV0LibraryInfo]) -> RustV0CrateTSet:
    # Proc macros too: rustc must find a dependency's macros (serde's
    # serde_derive) on the `-L dependency=` path; they never reach a link.
    macros = [d[RustV0ProcMacroInfo].crates for d in all_deps(ctx) if RustV0ProcMacroInfo in d]
    return ctx.actions.tset(RustV0CrateTSet, children = [d.crates for d in deps] + macros)

def rustc_args(
        ctx: AnalysisContext,
        toolchain: RustV0ToolchainInfo,
        crate: str,
        crate_type: str,
        root: Artifact,
        deps: list[RustV0LibraryInfo],
        dep_crates: RustV0CrateTSet) -> cmd_args:
    """The rustc arguments for one crate, without the output options."""
    # A proc macro is linked by rustc: it compiles against its deps' code.
    linked_by_rustc = crate_type == "proc-macro"
    args = cmd_args(
        "--crate-name=" + crate,
        "--crate-type=" + crate_type,
        "--edition=" + ctx.attrs.edition,
        "--target=" + toolchain.target,
        # A proc macro runs inside rustc: always unwinding, whatever the program's strategy.
        ["-Cpanic=" + toolchain.panic] if crate_type != "proc-macro" else ["--extern=proc_macro"],
        "-Cmetadata=" + crate_metadata(ctx),
        toolchain.rustc_flags,
        # With RUSTC_BOOTSTRAP (pipelining), still no `#![feature]` in source.
        ["-Zallow-features="] if toolchain.pipelined else [],
        [cmd_args("--cfg=feature=\"", f, "\"", delimiter = "") for f in ctx.attrs.features],
        ctx.attrs.rustc_flags,
        # Direct deps by name; the rest rustc finds through the search path.
        _externs(ctx, linked_by_rustc),
        dep_crates.project_as_args("search_path_linked" if linked_by_rustc else "search_path"),
        root,
        # Modules (`mod foo;`) are read from the source tree next to the root,
        # and `include_str!`/`include_bytes!` files from anywhere (inputs).
        hidden = ctx.attrs.srcs + ctx.attrs.compile_inputs,
    )
    return args
