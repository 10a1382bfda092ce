# `rust_v0_toolchain`: one configuration's Rust settings, read by every
# `rust_v0_*` rule through the `toolchains//:rust_v0` toolchain dependency.
#
# The rule only records values; the choices (which linker, which flags) are
# `select()`s in `toolchains//BUCK`, so adding a configuration never touches
# the rules.
#
# Proc macros and build scripts are exec deps: built for the execution
# platform Buck2 picks for the target that uses them, with the rust_v0
# toolchain *of that platform's configuration*. A proc macro must come from
# the rustc that loads it, so a configuration whose `rustc` differs by
# platform gives its toolchain `exec_compatible_with` (a built-in attribute,
# passed through) naming a constraint the execution platform of the same
# rustc has: Buck2 then picks that platform for every target using this
# toolchain (exec_platform.bzl; toolchains//BUCK and toolchains//platforms).

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
            runner = ctx.attrs.runner,
            target = ctx.attrs.target,
            tool = ctx.attrs.tool[RunInfo],
            verify_content = ctx.attrs.verify_content,
        ),
    ]

_rust_v0_toolchain = rule(
    impl = _rust_v0_toolchain_impl,
    attrs = {
        # Exec deps: these run on the machine doing the build, whatever the
        # target platform.
        "capture": attrs.exec_dep(providers = [RunInfo], default = "prelude_ext//tools:capture"),
        # See RustV0ToolchainInfo.link_check (the macro below: `[rust_v0] link_check`).
        "link_check": attrs.enum(["wrapper", "compile"], default = "compile"),
        "link_debug": attrs.bool(default = False),
        "link_tool": attrs.exec_dep(providers = [RunInfo], default = "prelude_ext//:rlib_v0[link]"),
        # Empty: link rust_v0_binary with the wrapped C/C++ toolchain's linker.
        "linker_driver": attrs.list(attrs.string(), default = []),
        "panic": attrs.enum(["unwind", "abort"], default = "unwind"),
        # See RustV0ToolchainInfo.pipelined.
        "pipelined": attrs.bool(default = False),
        "rustc": attrs.string(default = "rustc"),
        "rustc_flags": attrs.list(attrs.string(), default = []),
        # See RustV0ToolchainInfo.runner.
        "runner": attrs.list(attrs.string(), default = []),
        "target": attrs.string(),
        "tool": attrs.exec_dep(providers = [RunInfo], default = "prelude_ext//:rlib_v0"),
        # See RustV0ToolchainInfo.verify_content.
        "verify_content": attrs.bool(default = False),
    },
    is_toolchain_rule = True,
    doc = "Rust settings of one configuration for the rust_v0_* rules.",
)

def rust_v0_toolchain(link_check = None, link_debug = None, pipelined = None, **kwargs):
    """The rule, with the settings a build may change from the command line
    read from the root `.buckconfig` (and `-c`) when the toolchain's BUCK
    file does not set them: `[rust_v0] link_check`, `link_debug`,
    `pipelined`. So `buck2 build -c rust_v0.link_debug=true ...` works in any
    repository, whatever its toolchain target says about the rest."""
    if link_check == None:
        link_check = read_root_config("rust_v0", "link_check", "compile")
    if link_debug == None:
        link_debug = read_root_config("rust_v0", "link_debug", "false") == "true"
    if pipelined == None:
        pipelined = read_root_config("rust_v0", "pipelined", "false") == "true"
    _rust_v0_toolchain(link_check = link_check, link_debug = link_debug, pipelined = pipelined, **kwargs)
