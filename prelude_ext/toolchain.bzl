# `rust_v0_toolchain`: one configuration's Rust settings, read by every
# `rust_v0_*` rule through the `toolchains//:rust_v0` toolchain dependency.
#
# The rule only records values; the choices (which linker, which flags) are
# `select()`s in `toolchains//BUCK`, so adding a configuration never touches
# the rules.

load(":providers.bzl", "RustV0ToolchainInfo")

def _rust_v0_toolchain_impl(ctx: AnalysisContext) -> list[Provider]:
    return [
        DefaultInfo(),
        RustV0ToolchainInfo(
            capture = ctx.attrs.capture[RunInfo],
            link_check = ctx.attrs.link_check,
            link_debug = ctx.attrs.link_debug,
            link_tool = ctx.attrs.link_tool[RunInfo],
            linker_driver = ctx.attrs.linker_driver,
            panic = ctx.attrs.panic,
            pipelined = ctx.attrs.pipelined,
            rustc = ctx.attrs.rustc,
            rustc_flags = ctx.attrs.rustc_flags,
            target = ctx.attrs.target,
            tool = ctx.attrs.tool[RunInfo],
            verify_content = ctx.attrs.verify_content,
        ),
    ]

rust_v0_toolchain = rule(
    impl = _rust_v0_toolchain_impl,
    attrs = {
        # Exec deps: these run on the machine doing the build, whatever the
        # target platform.
        "capture": attrs.exec_dep(providers = [RunInfo], default = "prelude_ext//tools:capture"),
        # See RustV0ToolchainInfo.link_check.
        "link_check": attrs.enum(["wrapper", "compile"], default = "wrapper"),
        "link_debug": attrs.bool(default = False),
        "link_tool": attrs.exec_dep(providers = [RunInfo], default = "prelude_ext//:rlib_v0[link]"),
        # Empty: link rust_v0_binary with the wrapped C/C++ toolchain's linker.
        "linker_driver": attrs.list(attrs.string(), default = []),
        "panic": attrs.enum(["unwind", "abort"], default = "unwind"),
        # See RustV0ToolchainInfo.pipelined.
        "pipelined": attrs.bool(default = False),
        "rustc": attrs.string(default = "rustc"),
        "rustc_flags": attrs.list(attrs.string(), default = []),
        "target": attrs.string(),
        "tool": attrs.exec_dep(providers = [RunInfo], default = "prelude_ext//:rlib_v0"),
        # See RustV0ToolchainInfo.verify_content.
        "verify_content": attrs.bool(default = False),
    },
    is_toolchain_rule = True,
    doc = "Rust settings of one configuration for the rust_v0_* rules.",
)
