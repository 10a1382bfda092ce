# `rust_v0_buildscript_run`: run a crate's compiled build script, as cargo
# would, with `rlib-v0 buildscript-run` (the logic is in Python:
# rlib_v0/buildscript.py). Outputs, as the stock prelude's `buildscript_run`
# names them, so reindeer's generated references work unchanged:
#   [out_dir]      OUT_DIR, for the crate's `env = {"OUT_DIR": "$(location ...)"}`
#   [rustc_flags]  a rustc argument file (`--cfg`, `-l`, `-L`, rustc-env) for
#                  the crate's `rustc_flags = ["@$(location ...)"]`
#   [metadata]     its `links` metadata (DEP_<LINKS>_<KEY>=VALUE lines), also
#                  as `RustV0BuildScriptInfo` for the crate to forward
#   [buildscript]  the build-script program that ran
# `dep_metadata` brings the metadata of the crate's direct dependencies
# (a `rust_v0_buildscript_deps` over them), set as DEP_* for the script.
#
# Cross-compiling: the script is an exec dep (built for, and run on, the
# execution platform, by the rustc of the configuration: its rust_v0
# toolchain picks the execution platform); what it is told is the target's:
# TARGET, CARGO_CFG_* and RUSTC from the rust_v0 toolchain, and the target's C
# compiler, C++ compiler, archiver and flags from its C/C++ toolchain, as the
# `cc` crate reads them (CC_<target>, ...; rlib_v0/buildscript.py).

load("@prelude//cxx:cxx_toolchain_types.bzl", "CxxToolchainInfo")
load(":compile.bzl", "RUST_V0_CXX_TOOLCHAIN", "RUST_V0_TOOLCHAIN")
load(":providers.bzl", "RustV0BuildScriptDepsInfo", "RustV0BuildScriptInfo", "RustV0ToolchainInfo")

def _c_tools(cxx: CxxToolchainInfo) -> list[cmd_args]:
    """`--cc=...` and the like: each tool or flag set as one space-separated value."""
    def one(option, *parts):
        return cmd_args(option, "=", cmd_args(list(parts), delimiter = " "), delimiter = "")

    c, cxx_info = cxx.c_compiler_info, cxx.cxx_compiler_info
    return [
        one("--cc", c.compiler),
        one("--cflags", c.compiler_flags, c.preprocessor_flags),
        one("--cxx", cxx_info.compiler),
        one("--cxxflags", cxx_info.compiler_flags, cxx_info.preprocessor_flags),
        one("--ar", cxx.linker_info.archiver),
    ]

def _rust_v0_buildscript_run_impl(ctx: AnalysisContext) -> list[Provider]:
    toolchain = ctx.attrs._rust_v0_toolchain[RustV0ToolchainInfo]
    out_dir = ctx.actions.declare_output("OUT_DIR", dir = True)
    flags = ctx.actions.declare_output("rustc_flags")
    metadata = ctx.actions.declare_output("metadata")
    deps = []
    for d in ctx.attrs.dep_metadata:
        deps += d[RustV0BuildScriptDepsInfo].infos if RustV0BuildScriptDepsInfo in d else [d[RustV0BuildScriptInfo]]
    script = ctx.attrs.buildscript[DefaultInfo].default_outputs[0]
    if ctx.attrs.manifest_dir != None:
        manifest_dir = ctx.attrs.manifest_dir[DefaultInfo].default_outputs[0]
    else:
        manifest_dir = ctx.actions.symlinked_dir("manifest_dir", ctx.attrs.filegroup_for_manifest_dir or {})
    ctx.actions.run(
        cmd_args(
            toolchain.tool,
            "buildscript-run",
            "--buildscript",
            script,
            "--manifest-dir",
            manifest_dir,
            "--out-dir",
            out_dir.as_output(),
            "--rustc-flags-out",
            flags.as_output(),
            "--metadata-out",
            metadata.as_output(),
            [cmd_args("--dep-metadata=", d.metadata, delimiter = "", hidden = d.out_dir) for d in deps],
            "--package",
            ctx.attrs.package_name,
            "--version",
            ctx.attrs.version,
            [cmd_args("--feature=", f, delimiter = "") for f in ctx.attrs.features],
            [cmd_args("--env=", k, "=", v, delimiter = "") for k, v in ctx.attrs.env.items()],
            "--rustc",
            toolchain.rustc,
            "--target",
            toolchain.target,
            _c_tools(ctx.attrs._cxx_toolchain[CxxToolchainInfo]),
            "--",
            toolchain.rustc_flags,
        ),
        category = "buildscript",
        identifier = "{}-{}".format(ctx.attrs.package_name, ctx.attrs.version),
    )
    return [
        DefaultInfo(
            default_output = flags,
            sub_targets = {
                # The program that ran (built for the execution platform).
                "buildscript": [DefaultInfo(default_output = script)],
                "metadata": [DefaultInfo(default_output = metadata)],
                "out_dir": [DefaultInfo(default_output = out_dir)],
                "rustc_flags": [DefaultInfo(default_output = flags)],
            },
        ),
        RustV0BuildScriptInfo(metadata = metadata, out_dir = out_dir),
    ]

rust_v0_buildscript_run = rule(
    impl = _rust_v0_buildscript_run_impl,
    attrs = {
        # The compiled build script (a rust_v0_binary), built for the
        # execution platform the rust_v0 toolchain picks (same rustc).
        "buildscript": attrs.exec_dep(),
        # The crate's direct dependencies' `links` metadata: libraries
        # (RustV0BuildScriptInfo, forwarded from their own runs) or a
        # `rust_v0_buildscript_deps` over them.
        "dep_metadata": attrs.list(attrs.dep(), default = []),
        # Extra environment for the build script (`$(location ...)` allowed).
        "env": attrs.dict(key = attrs.string(), value = attrs.arg(), sorted = False, default = {}),
        # CARGO_FEATURE_* for each.
        "features": attrs.list(attrs.string(), default = []),
        # CARGO_MANIFEST_DIR: the crate's files (relative path -> file), or a target giving the directory.
        "filegroup_for_manifest_dir": attrs.option(attrs.dict(key = attrs.string(), value = attrs.source()), default = None),
        "manifest_dir": attrs.option(attrs.dep(), default = None),
        "package_name": attrs.string(),
        # Accepted for reindeer: link libraries and search paths always reach
        # the crate (rlib-v0 records them in its marker; the link adds them).
        "rustc_link_lib": attrs.bool(default = True),
        "rustc_link_search": attrs.bool(default = True),
        "version": attrs.string(),
        # The target's C/C++ toolchain: the compilers build scripts run (`cc` crate).
        "_cxx_toolchain": attrs.toolchain_dep(default = RUST_V0_CXX_TOOLCHAIN, providers = [CxxToolchainInfo]),
        "_rust_v0_toolchain": attrs.toolchain_dep(default = RUST_V0_TOOLCHAIN, providers = [RustV0ToolchainInfo]),
    },
    doc = "Run a crate's build script as cargo would (rlib-v0 buildscript-run).",
)

def _rust_v0_buildscript_deps_impl(ctx: AnalysisContext) -> list[Provider]:
    infos = [d[RustV0BuildScriptInfo] for d in ctx.attrs.deps + ctx.attrs.named_deps.values() if RustV0BuildScriptInfo in d]
    return [DefaultInfo(), RustV0BuildScriptDepsInfo(infos = infos)]

# A crate's direct dependencies, seen from its build-script run: cargo.bzl's
# macros make one per crate with a run (the run cannot depend on the crate,
# which depends on it), from the crate's own `deps` and `named_deps`.
rust_v0_buildscript_deps = rule(
    impl = _rust_v0_buildscript_deps_impl,
    attrs = {
        "deps": attrs.list(attrs.dep(), default = []),
        "named_deps": attrs.dict(key = attrs.string(), value = attrs.dep(), sorted = False, default = {}),
    },
    doc = "The build-script metadata (DEP_*) of a crate's direct dependencies, for its build-script run.",
)
