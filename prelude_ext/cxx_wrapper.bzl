# `rust_v0_cxx_toolchain_wrapper`: an existing C/C++ toolchain, unchanged but
# for its linker, which runs through `rlib-v0 link`.
#
# A repository adopting rlib-v0 keeps its own C/C++ toolchain (the prelude's
# `system_cxx_toolchain`, `cxx_toolchain`, or a rule of its own with its
# compiler, flags, sysroot and linker). This rule takes any target that
# provides the prelude's `CxxToolchainInfo` and returns every provider of it
# as it is, except that `linker_info.linker` becomes
#
#     rlib-v0 link [--debug] -- <the base linker, as it was>
#
# so every `cxx_binary` (and `rust_v0_binary`) link dedups, orders and
# checks the Rust archives the stock rules put on the line. The linker
# flags, link style, ordering, archiver and compilers stay the base's.
#
# With the `rust_v0` toolchain's `link_check = "compile"` the linker stays
# the base's too and only the link order becomes topological: the checks
# then run where each crate compiles (RustV0ToolchainInfo.link_check).
#
# Providers are copied field by field (`dir()`), so fields a newer prelude
# adds are carried over without this file knowing them.

load("@prelude//cxx:cxx_toolchain_types.bzl", "CxxPlatformInfo", "CxxToolchainInfo", "LinkerInfo")
load(":providers.bzl", "RustV0ToolchainInfo", "RustV0WrappedLinkerInfo")

def _replace(provider_type, value, **changes):
    fields = {name: getattr(value, name) for name in dir(value)}
    fields.update(changes)
    return provider_type(**fields)

def wrap_linker(base: CxxToolchainInfo, link_tool: RunInfo, debug: bool, verify_content: bool) -> CxxToolchainInfo:
    """`base` with its linker run by `link_tool` (`rlib-v0 link`)."""
    linker_info = base.linker_info
    wrapped = RunInfo(args = cmd_args(
        link_tool,
        ["--debug"] if debug else [],
        ["--verify-content"] if verify_content else [],
        "--",
        linker_info.linker,
    ))
    return _replace(CxxToolchainInfo, base, linker_info = _replace(LinkerInfo, linker_info, linker = wrapped))

def order_topologically(base: CxxToolchainInfo) -> CxxToolchainInfo:
    """`base` with its linker as it is, a topological link order (every
    library before the libraries it needs, so Rust archives, linked without
    the wrapper to order them, resolve in one pass on ld.bfd and gold), and
    the whole line in one group: a crate's native libraries and the C/C++
    libraries a crate depends on (a cxx bridge) call back into crates placed
    before them, cycles only a group resolves on a one-pass linker (lld and
    mold need none and ignore it; docs/link-check.md has its cost)."""
    info = base.linker_info
    return _replace(CxxToolchainInfo, base, linker_info = _replace(
        LinkerInfo,
        info,
        link_ordering = "topological",
        linker_flags = cmd_args(info.linker_flags or [], "-Wl,--start-group"),
        post_linker_flags = cmd_args(info.post_linker_flags or [], "-Wl,--end-group"),
    ))

def _rust_v0_cxx_toolchain_wrapper_impl(ctx: AnalysisContext) -> list[Provider]:
    base = ctx.attrs.base
    rust = ctx.attrs.rust_v0[RustV0ToolchainInfo] if ctx.attrs.rust_v0 else None
    link_tool = rust.link_tool if rust else ctx.attrs.link_tool[RunInfo]
    debug = ctx.attrs.link_debug or (rust.link_debug if rust else False)
    # The libraries' toolchain decides: its crates' compiles do the checks.
    link_check = rust.link_check if rust else "wrapper"
    if link_check == "compile" and not debug:
        cxx = order_topologically(base[CxxToolchainInfo])
    else:
        # In compile mode with `link_debug`, the libraries' `[verify]`
        # reports are link inputs already.
        cxx = wrap_linker(base[CxxToolchainInfo], link_tool, debug, rust.verify_content and link_check == "wrapper" if rust else False)
    providers = [
        DefaultInfo(),
        cxx,
        RustV0WrappedLinkerInfo(base_linker = base[CxxToolchainInfo].linker_info.linker),
    ]
    if CxxPlatformInfo in base:
        providers.append(base[CxxPlatformInfo])
    if TemplatePlaceholderInfo in base:
        # `$(cc)`, `$(cxx)`, `$(ar)`, ... of `cxx_genrule`: the base's
        # tools (a cross compiler on a cross platform); `$(ld)` the
        # wrapped linker, as every other link.
        placeholders = base[TemplatePlaceholderInfo]
        unkeyed = dict(placeholders.unkeyed_variables)
        if "ld" in unkeyed:
            unkeyed["ld"] = cxx.linker_info.linker
        providers.append(TemplatePlaceholderInfo(unkeyed_variables = unkeyed, keyed_variables = placeholders.keyed_variables))
    return providers

rust_v0_cxx_toolchain_wrapper = rule(
    impl = _rust_v0_cxx_toolchain_wrapper_impl,
    attrs = {
        # The C/C++ toolchain to wrap: any target providing CxxToolchainInfo.
        "base": attrs.toolchain_dep(providers = [CxxToolchainInfo]),
        # `rlib-v0 link --debug` on every link (the plan and explanations in
        # each link's stderr).
        "link_debug": attrs.bool(default = False),
        # The wrapper itself, when no `rust_v0` toolchain is given.
        "link_tool": attrs.exec_dep(providers = [RunInfo], default = "prelude_ext//:rlib_v0[link]"),
        # Optional: take `link_tool`, `link_debug`, `link_check` and `verify_content` from this
        # rust_v0 toolchain, so one setting drives both.
        "rust_v0": attrs.option(attrs.toolchain_dep(providers = [RustV0ToolchainInfo]), default = None),
    },
    is_toolchain_rule = True,
    doc = "An existing C/C++ toolchain whose linker runs through `rlib-v0 link`.",
)
