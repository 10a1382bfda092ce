# `rust_v0_library`: one `rlib-v0 rustc` action per crate, producing a v0
# rlib (an ordinary rlib plus the `_rlib_v00.o` identity member).
#
# The library is a node of two graphs at once:
# - the Rust graph (`RustV0LibraryInfo`): what dependents compile against;
# - the prelude's native link graph (`MergedLinkInfo`, `LinkableGraph`, ...):
#   what any linking rule, ours or the stock `cxx_binary`, puts on the link
#   line. Its edges are the library's C/C++ deps, its Rust deps and the
#   configuration's std bundle, so the bundle reaches every link that
#   contains Rust, exactly once.

load("@prelude//cxx:cxx_toolchain_types.bzl", "CxxToolchainInfo")
load(
    ":compile.bzl",
    "EXEC_ONLY",
    "REMAP_CWD",
    "RUST_V0_TOOLCHAIN",
    "all_deps",
    "crate_attrs",
    "crate_metadata",
    "crate_name",
    "crate_root",
    "dep_crates_tset",
    "rust_deps",
    "rustc_args",
    "rustc_env",
)
load(":link_providers.bzl", "archive_link_providers")
load(":verify.bzl", "checked_link_args", "verify_archive")
load(
    ":providers.bzl",
    "RustV0BuildScriptInfo",
    "RustV0Crate",
    "RustV0CrateTSet",
    "RustV0Identity",
    "RustV0LibraryInfo",
    "RustV0ProcMacroInfo",
    "RustV0StdBundleInfo",
    "RustV0ToolchainInfo",
)

def _rust_v0_library_impl(ctx: AnalysisContext) -> list[Provider]:
    toolchain = ctx.attrs._rust_v0_toolchain[RustV0ToolchainInfo]
    cxx_toolchain = ctx.attrs._cxx_toolchain[CxxToolchainInfo]
    crate = crate_name(ctx)
    deps = rust_deps(ctx)
    dep_crates = dep_crates_tset(ctx, deps)
    if ctx.attrs.proc_macro:
        return _proc_macro(ctx, toolchain, crate, deps, dep_crates)

    args = rustc_args(ctx, toolchain, crate, "rlib", crate_root(ctx, ["lib.rs"]), deps, dep_crates)
    tool = cmd_args(toolchain.tool, "rustc", "--rustc", toolchain.rustc)
    env = rustc_env(ctx, toolchain)
    rlib = ctx.actions.declare_output("lib{}.rlib".format(crate))

    # The crate's link-args file and, for a crate declaring a global
    # allocator or panic handler, its guard object (link_args.py): a
    # directory, since only the compile knows whether the guard exists.
    # Beside them, the `.shared` link-args file and the hide object a shared
    # object's link names (docs/shared-libraries.md).
    link_dir = ctx.actions.declare_output("link", dir = True)
    link_args_name = "lib{}.rlib-v0-link-args".format(crate)
    ctx.actions.run(
        cmd_args(
            tool,
            cmd_args(link_dir.as_output(), format = "--link-args={}/" + link_args_name),
            # The bundle's panic strategy and target, known at analysis: a
            # crate built otherwise is refused here, whichever way links
            # are checked, without waiting for the bundle's build.
            cmd_args(ctx.attrs._std_bundle[RustV0StdBundleInfo].identity, format = "--bundle-identity={}"),
            "--",
            args,
            "-o",
            rlib.as_output(),
        ),
        env = env,
        category = "rustc",
        identifier = crate,
    )
    meta = rlib
    if toolchain.pipelined:
        # The metadata half (rustc's front end only): dependents compile
        # against it while this crate's codegen runs. Same arguments, so the
        # same crate hash; no marker, so no link accepts it; its sidecar
        # names the crate for the dependents' markers.
        meta = ctx.actions.declare_output("meta/lib{}.rlib".format(crate))
        sidecar_name = "meta/lib{}.v0-identity.json".format(crate)
        if ctx.attrs.rustc_flags:
            # Flags may be build-script argument files (`--rlib-v0-env=`,
            # `-l static=`): the tool applies them as for the rlib, and
            # writes the sidecar before rustc starts.
            sidecar = ctx.actions.declare_output(sidecar_name)
            cmd = cmd_args(tool, "--", args, hidden = sidecar.as_output())
        else:
            # Nothing for the tool to do but remap the working directory:
            # rustc alone (no Python start, ~30 ms of each metadata action),
            # and the sidecar written here, at analysis (`crate_id` is
            # derived from these fields by whoever reads it).
            sidecar = ctx.actions.write_json(sidecar_name, {
                "crate": crate,
                "kind": "rlib-v0-identity",
                "metadata": crate_metadata(ctx),
                "panic": toolchain.panic,
                "schema": 1,
                "target": toolchain.target,
            })
            cmd = cmd_args("/bin/sh", "-c", REMAP_CWD, "rustc-metadata", toolchain.rustc, args)
        ctx.actions.run(
            cmd_args(cmd, "-Zno-codegen", "-o", meta.as_output()),
            env = env,
            category = "rustc_metadata",
            identifier = crate,
        )
        meta = meta.with_associated_artifacts([sidecar])

    identity = RustV0Identity(
        crate = crate,
        metadata = crate_metadata(ctx),
        target = toolchain.target,
        panic = toolchain.panic,
        label = ctx.label,
    )
    # What the compile read through `env` and `rustc_flags` (a build
    # script's OUT_DIR and flags file): the static libraries the marker
    # records live there, and links read them.
    native_inputs = cmd_args(hidden = [ctx.attrs.env.values(), ctx.attrs.rustc_flags]) if ctx.attrs.env or ctx.attrs.rustc_flags else None
    crates = ctx.actions.tset(
        RustV0CrateTSet,
        value = RustV0Crate(
            identity = identity,
            rlib = rlib,
            meta = meta,
            whole_archive = ctx.attrs.whole_archive,
            native_search = cmd_args(link_dir, format = "@{}/lib" + crate + ".rlib-v0-native-search", hidden = native_inputs) if native_inputs else None,
        ),
        children = [dep_crates],
    )

    # `[identity]`: what the rules decided (name, metadata, target, panic,
    # direct Rust deps), written at analysis time, no action needed.
    identity_json = ctx.actions.write_json("identity.json", {
        "crate": identity.crate,
        "deps": [{"crate": d.identity.crate, "metadata": d.identity.metadata} for d in deps],
        "label": str(ctx.label.raw_target()),
        "metadata": identity.metadata,
        "panic": identity.panic,
        "rlib": rlib,
        "target": identity.target,
    }, pretty = True)

    # `[verify]`: `rlib-v0 verify --json` on the rlib, i.e. the marker as the
    # tool reads it back, the rlib's members against it and the v0 rules
    # checked. Run when asked for, or by every link (verify_content).
    verify_json = verify_archive(ctx, toolchain, rlib, crate)

    # The crate's build-script run, for the runs of the crates depending on
    # this one (`links` metadata: DEP_*).
    buildscript = [ctx.attrs.buildscript_run[RustV0BuildScriptInfo]] if ctx.attrs.buildscript_run else []
    return buildscript + [
        DefaultInfo(
            default_output = rlib,
            sub_targets = {
                "identity": [DefaultInfo(default_output = identity_json)],
                "metadata": [DefaultInfo(default_output = meta)],
                "verify": [DefaultInfo(default_output = verify_json)],
            },
        ),
        RustV0LibraryInfo(crates = crates, identity = identity, meta = meta, rlib = rlib),
    ] + archive_link_providers(
        ctx,
        cxx_toolchain,
        rlib,
        link_whole = ctx.attrs.whole_archive,
        deps = all_deps(ctx) + [ctx.attrs._std_bundle],
        link_args = checked_link_args(toolchain, cmd_args(
            cmd_args(link_dir, format = "@{}/" + link_args_name),
            # A whole rlib brings in the marker and rustc's metadata member,
            # objects without .note.GNU-stack: ld.bfd and gold would make
            # the stack executable (the wrapper adds the same).
            ["-Wl,-z,noexecstack"] if ctx.attrs.whole_archive else [],
            # Links are checked by the wrapper in this configuration: the
            # bundle's wrapper guard, named here and after the bundle, makes
            # a link that bypasses it (a C/C++ toolchain not wrapped by
            # rust_v0_cxx_toolchain_wrapper) fail on a duplicate symbol that
            # names the fix; `rlib-v0 link` drops it (linker_cmd.py).
            ctx.attrs._std_bundle[RustV0StdBundleInfo].wrapper_guard or [],
        ), verify_json),
        # What the compile read through `env` and `rustc_flags` (a build
        # script's OUT_DIR and flags file): the static libraries the marker
        # records live there, and `rlib-v0 link` reads them.
        link_inputs = native_inputs,
        shared_link_args = cmd_args(link_dir, format = "@{}/lib" + crate + ".shared.rlib-v0-link-args"),
    )

def _proc_macro(ctx: AnalysisContext, toolchain: RustV0ToolchainInfo, crate: str, deps: list[RustV0LibraryInfo], dep_crates: RustV0CrateTSet) -> list[Provider]:
    """A proc macro: a `.so` rustc loads, built by rustc itself (through the
    tool's `rustc-wrapper`, which passes non-rlib compiles straight on)."""
    so = ctx.actions.declare_output("lib{}.so".format(crate))
    ctx.actions.run(
        cmd_args(
            # The working directory remapped, as for every compile: rustc
            # hashes it into the macro's crate hash, which every dependent
            # records, so without it their rlibs would differ per checkout
            # directory and per remote worker.
            "/bin/sh",
            "-c",
            REMAP_CWD,
            "rustc-proc-macro",
            toolchain.tool,
            "rustc-wrapper",
            toolchain.rustc,
            rustc_args(ctx, toolchain, crate, "proc-macro", crate_root(ctx, ["lib.rs"]), deps, dep_crates),
            # rustc links the macro: the native static libraries its deps'
            # build scripts made (kept out of their rlibs) must be found.
            dep_crates.project_as_args("native_search"),
            "-o",
            so.as_output(),
        ),
        env = rustc_env(ctx, toolchain),
        category = "rustc",
        identifier = crate + " (proc-macro)",
    )
    identity = RustV0Identity(crate = crate, metadata = crate_metadata(ctx), target = toolchain.target, panic = "unwind", label = ctx.label)
    # In the crate set for its `-L dependency=` path only: no link reads it
    # (links take the prelude's link providers, which a proc macro has none of).
    crates = ctx.actions.tset(RustV0CrateTSet, value = RustV0Crate(identity = identity, rlib = so, meta = so, whole_archive = False), children = [dep_crates])
    return [
        DefaultInfo(default_output = so),
        RustV0ProcMacroInfo(crate = crate, so = so, crates = crates),
    ]

_rust_v0_library = rule(
    impl = _rust_v0_library_impl,
    attrs = crate_attrs() | {
        # The crate's `rust_v0_buildscript_run`, if any: its `links` metadata
        # (DEP_*) reaches the build scripts of the crates depending on this
        # one. cargo.bzl's macros set it; the run's `[rustc_flags]` and
        # `[out_dir]` still reach the compile through `rustc_flags`/`env`.
        "buildscript_run": attrs.option(attrs.dep(providers = [RustV0BuildScriptInfo]), default = None),
        # A procedural macro: built as a compiler plugin (`.so`), for rustc to
        # load; dependents get it as `--extern`, links never see it.
        "proc_macro": attrs.bool(default = False),
    },
    doc = "A Rust crate compiled to a v0 rlib by `rlib-v0 rustc`.",
)

def _proc_macro_alias_impl(ctx: AnalysisContext) -> list[Provider]:
    return list(ctx.attrs.actual.providers)

# What dependents of a proc macro depend on: in their (target)
# configuration, it gives the providers of the macro built for the execution
# platform. Its rust_v0 toolchain picks that platform: the one with the
# configuration's rustc (the toolchain's `exec_compatible_with`).
_rust_v0_proc_macro_alias = rule(
    impl = _proc_macro_alias_impl,
    attrs = {
        "actual": attrs.exec_dep(providers = [RustV0ProcMacroInfo]),
        "_rust_v0_toolchain": attrs.toolchain_dep(default = RUST_V0_TOOLCHAIN, providers = [RustV0ToolchainInfo]),
    },
    doc = "A rust_v0_library(proc_macro = True), built for the execution platform.",
)

def rust_v0_library(name: str, proc_macro: bool = False, **kwargs):
    """A Rust crate compiled to a v0 rlib by `rlib-v0 rustc`.

    `proc_macro = True`: a procedural macro, a compiler plugin built for the
    execution platform (as cargo builds it for the host), by the rustc of
    the configuration that uses it. `NAME` is what dependents list in
    `deps`; the crate itself is the target `_NAME`, configured for the
    execution platform through NAME's exec dep."""
    if not proc_macro:
        _rust_v0_library(name = name, **kwargs)
        return
    alias = {"visibility": kwargs.pop("visibility")} if "visibility" in kwargs else {}
    if not kwargs.get("crate"):
        kwargs["crate"] = name.replace("-", "_")
    _rust_v0_proc_macro_alias(name = name, actual = ":_" + name, **alias)
    _rust_v0_library(
        name = "_" + name,
        proc_macro = True,
        target_compatible_with = kwargs.pop("target_compatible_with", []) + EXEC_ONLY,
        **kwargs
    )
