# `rust_v0_std_bundle`: one `rlib-v0 std-bundle` action, the standard library
# as a static archive for the system linker.
#
# A bundle belongs to a configuration: it is built with the toolchain's target,
# codegen flags and panic strategy, like every crate (`panic` here only to
# override the toolchain's, which is rarely what you want). The target
# `toolchains//:std_bundle` is a single bundle whose attributes are
# `select()`ed, so each configuration gets its own archive (Buck2 keys outputs
# by configuration) and each link sees exactly one.

load("@prelude//cxx:cxx_toolchain_types.bzl", "CxxToolchainInfo")
load(":compile.bzl", "RUST_V0_CXX_TOOLCHAIN", "RUST_V0_TOOLCHAIN")
load(":link_providers.bzl", "archive_link_providers")
load(":providers.bzl", "RustV0StdBundleInfo", "RustV0ToolchainInfo")
load(":verify.bzl", "checked_link_args", "verify_archive")

def _rust_v0_std_bundle_impl(ctx: AnalysisContext) -> list[Provider]:
    toolchain = ctx.attrs._rust_v0_toolchain[RustV0ToolchainInfo]
    panic = ctx.attrs.panic or toolchain.panic
    archive = ctx.actions.declare_output("lib{}.a".format(ctx.label.name))
    link_args = ctx.actions.declare_output("lib{}.rlib-v0-link-args".format(ctx.label.name))

    # Written beside `link_args` by the tool: `--exclude-libs` with the
    # archive's name, for shared objects' links (docs/shared-libraries.md).
    shared_link_args = ctx.actions.declare_output("lib{}.shared.rlib-v0-link-args".format(ctx.label.name))

    # Links through the wrapper (link_check = "wrapper"): the object that
    # makes a link bypassing it fail (named after the bundle and after every
    # crate; linker_cmd.WRAPPER_GUARD_SUFFIX).
    wrapper_guard = ctx.actions.declare_output("lib{}.rlib-v0-wrapper-guard.o".format(ctx.label.name)) if toolchain.link_check == "wrapper" else None
    ctx.actions.run(
        cmd_args(
            toolchain.tool,
            "std-bundle",
            "--rustc",
            toolchain.rustc,
            "-o",
            archive.as_output(),
            "--link-args",
            link_args.as_output(),
            cmd_args(hidden = shared_link_args.as_output()),
            cmd_args("--wrapper-guard", wrapper_guard.as_output()) if wrapper_guard else [],
            "--panic",
            panic,
            "--target",
            toolchain.target,
            ["--no-std"] if ctx.attrs.no_std else [],
            ["--with-test"] if ctx.attrs.with_test else [],
            "--",
            toolchain.rustc_flags,
            ctx.attrs.rustc_flags,
        ),
        category = "rlib_v0_std_bundle",
    )
    # What the bundle is built as, known here at analysis: each crate's
    # compile checks itself against it (`rlib-v0 rustc --bundle-identity`),
    # without waiting for the bundle's own build.
    identity = ctx.actions.write_json("bundle-identity.json", {
        # How to change the bundle's panic strategy, in Buck2 terms, for the
        # message of a crate built with another one.
        "fix": "set `panic` on the rust_v0_toolchain only (rust_v0_std_bundle follows it when its own `panic` is unset), and no `-Cpanic` in a crate's rustc_flags",
        "label": str(ctx.label.raw_target()),
        "panic": panic,
        "target": toolchain.target,
    })
    # `[verify]`: as rust_v0_library's.
    verify_json = verify_archive(ctx, toolchain, archive, ctx.label.name)
    return [
        DefaultInfo(default_output = archive, sub_targets = {"verify": [DefaultInfo(default_output = verify_json)]}),
        RustV0StdBundleInfo(archive = archive, identity = identity, no_std = ctx.attrs.no_std, panic = panic, wrapper_guard = wrapper_guard),
    ] + archive_link_providers(
        ctx,
        ctx.attrs._cxx_toolchain[CxxToolchainInfo],
        archive,
        link_whole = False,
        deps = [],
        # std's system libraries (-lgcc_s, -lpthread, ...), for links
        # without the wrapper.
        link_args = checked_link_args(toolchain, cmd_args(cmd_args(link_args, format = "@{}"), wrapper_guard or []), verify_json),
        shared_link_args = cmd_args(shared_link_args, format = "@{}"),
    )

rust_v0_std_bundle = rule(
    impl = _rust_v0_std_bundle_impl,
    attrs = {
        "labels": attrs.list(attrs.string(), default = []),
        # `core` (and `alloc`) only, for `#![no_std]` programs; needs panic = "abort".
        "no_std": attrs.bool(default = False),
        # Unset (the default): the toolchain's `panic`, which every crate is
        # built with. Set, it must still match the crates' `-C panic`; a
        # crate's compile refuses a mismatch.
        "panic": attrs.option(attrs.enum(["unwind", "abort"]), default = None),
        # Flags beyond the toolchain's (which the bundle always gets).
        "rustc_flags": attrs.list(attrs.string(), default = []),
        # std plus libtest, for `rust_v0_test` binaries (rustc --test); on a
        # link it supersedes the plain bundle that libraries bring.
        "with_test": attrs.bool(default = False),
        "_cxx_toolchain": attrs.toolchain_dep(default = RUST_V0_CXX_TOOLCHAIN, providers = [CxxToolchainInfo]),
        "_rust_v0_toolchain": attrs.toolchain_dep(default = RUST_V0_TOOLCHAIN, providers = [RustV0ToolchainInfo]),
    },
    doc = "The standard library of one configuration, as one static archive.",
)
