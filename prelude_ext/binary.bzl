# `rust_v0_binary`: a Rust `main`, linked by `rlib-v0 link` with the system
# linker; rustc never drives the link.
#
# Two actions (three in debug mode):
# 1. rustc compiles the binary crate to one object file (`--emit=obj`) that
#    holds `main` and the crate's code, like a C `main.o`. It is not an rlib
#    (nothing depends on a binary), so it goes to rustc directly.
# 2. `rlib-v0 link -- <driver> main.o <link line> -o out`, where the link line
#    is what any prelude rule would link: the deps' `MergedLinkInfo`, which
#    holds every rlib, every C/C++ library and the std bundle, each once. The
#    wrapper then dedups by crate identity, orders, checks, appends the
#    bundle's native libraries and runs the driver.
# `[link-debug]` is the wrapper's `--debug` output: the link plan and, if the
# link fails, explanations in crate terms. With `-c rust_v0.link_debug=true`
# the main link itself runs with `--debug` under `capture.py`, so the log is
# kept even when the link fails; otherwise `[link-debug]` is a separate debug
# link, run only when asked for.

load("@prelude//cxx:cxx_toolchain_types.bzl", "CxxToolchainInfo")
load(
    "@prelude//linking:link_info.bzl",
    "LinkOrdering",
    "LinkStrategy",
    "MergedLinkInfo",
    "get_link_args_for_strategy",
    "unpack_link_args",
)
load(
    ":compile.bzl",
    "RUST_V0_TEST_STD_BUNDLE",
    "all_deps",
    "crate_attrs",
    "crate_name",
    "crate_root",
    "dep_crates_tset",
    "rust_deps",
    "rustc_args",
    "REMAP_CWD",
    "crate_env",
    "rustc_env",
)
load(":providers.bzl", "RustV0CrateTSet", "RustV0ToolchainInfo", "RustV0WrappedLinkerInfo")

# What `rust_v0_test` says on a panic=abort configuration instead of rustc's
# "building tests with panic=abort is not supported without
# `-Zpanic_abort_tests`": libtest needs unwinding to run each test.
_ABORT_TEST = "rlib-v0: error: {label}: rust_v0_test needs panic = \"unwind\" (libtest catches each test's panic), but this configuration's rust_v0_toolchain has panic = \"abort\"; run `buck2 test` on an unwind platform, or keep the test off abort platforms with target_compatible_with (docs/adopting.md)"

def _compile_main(ctx: AnalysisContext, toolchain: RustV0ToolchainInfo, crate: str, dep_crates: RustV0CrateTSet, test: bool) -> Artifact:
    obj = ctx.actions.declare_output("{}.o".format(crate))
    if test and toolchain.panic == "abort":
        # Fails when built, not at analysis: `buck2 build //...` on such a
        # platform names the target and the fix in one line.
        ctx.actions.run(
            cmd_args("/bin/sh", "-c", "echo \"$1\" >&2; exit 1", "rust_v0_test", _ABORT_TEST.format(label = str(ctx.label.raw_target())), hidden = obj.as_output()),
            category = "rustc",
            identifier = crate + " (main object)",
        )
        return obj
    args = rustc_args(ctx, toolchain, crate, "bin", crate_root(ctx, ["lib.rs", "main.rs"] if test else ["main.rs"]), rust_deps(ctx), dep_crates)
    ctx.actions.run(
        cmd_args(
            "/bin/sh",
            "-c",
            REMAP_CWD,
            "rustc-main",
            # Through the tool: argument files from build scripts may carry
            # environment settings (`--rlib-v0-env=`), applied and dropped there.
            toolchain.tool,
            "rustc-wrapper",
            toolchain.rustc,
            # `--test`: the crate's #[test]s and libtest's harness as `main`.
            cmd_args(args, "--test") if test else args,
            "--emit=obj",
            # One object file, whatever the profile says: `-o` names one file.
            "-Ccodegen-units=1",
            "-o",
            obj.as_output(),
        ),
        env = rustc_env(ctx, toolchain),
        category = "rustc",
        identifier = crate + " (main object)",
    )
    return obj

def _link_line(ctx: AnalysisContext, cxx_toolchain: CxxToolchainInfo) -> cmd_args:
    """Every library the binary needs, as the prelude would put them on a
    link line: topological order (a library before what it needs), each once."""
    merged = [d[MergedLinkInfo] for d in all_deps(ctx) if MergedLinkInfo in d]

    # The bundle directly too: a `main` with no Rust deps still needs std.
    merged.append(ctx.attrs._std_bundle[MergedLinkInfo])
    link_args = get_link_args_for_strategy(
        ctx.actions,
        ctx.label,
        cxx_toolchain.linker_info,
        merged,
        LinkStrategy("static"),
        prefer_stripped = False,
        transformation_spec_context = None,
    )
    # The configuration's linker flags first and its post-linker flags last,
    # as `cxx_binary` puts them (compile mode's toolchain opens a group in
    # the one and closes it in the other: order_topologically).
    return cmd_args(
        cxx_toolchain.linker_info.linker_flags,
        unpack_link_args(link_args, link_ordering = LinkOrdering("topological")),
        cxx_toolchain.linker_info.post_linker_flags or [],
    )

def _link(
        ctx: AnalysisContext,
        toolchain: RustV0ToolchainInfo,
        main_obj: Artifact,
        line: cmd_args,
        dep_crates: RustV0CrateTSet,
        out: Artifact,
        debug: bool,
        argsfile_name: str) -> cmd_args:
    # The link line goes in an @argsfile, as `cxx_binary` does: no length
    # limit, and the wrapper expands it.
    args = cmd_args(main_obj, line, "-o", out.as_output(), quote = "shell")
    argsfile, _ = ctx.actions.write(argsfile_name, args, allow_args = True)
    return cmd_args(
        toolchain.link_tool,
        ["--debug"] if debug else [],
        # In compile mode the libraries' `[verify]` reports are link inputs.
        ["--verify-content"] if toolchain.verify_content and toolchain.link_check == "wrapper" else [],
        dep_crates.project_as_args("whole_archive"),
        "--",
        _linker_driver(ctx, toolchain),
        cmd_args(argsfile, format = "@{}"),
        # The argsfile names them; the action must still declare them.
        hidden = args,
    )

def _linker_driver(ctx: AnalysisContext, toolchain: RustV0ToolchainInfo):
    """The toolchain's `linker_driver`, or, when it is empty, the linker of the
    C/C++ toolchain that `rust_v0_cxx_toolchain_wrapper` wrapped."""
    if toolchain.linker_driver:
        return toolchain.linker_driver
    cxx = ctx.attrs._cxx_toolchain
    if RustV0WrappedLinkerInfo in cxx:
        return cxx[RustV0WrappedLinkerInfo].base_linker
    fail("rust_v0_toolchain has no linker_driver, and the C/C++ toolchain is not a rust_v0_cxx_toolchain_wrapper: set one of them")

def _captured_debug_link(ctx: AnalysisContext, toolchain: RustV0ToolchainInfo, link: cmd_args, exe: Artifact, log: Artifact, status: Artifact):
    """Run a `--debug` link that always succeeds as an action, keeping the
    wrapper's stderr in `log` and the exit status in `status`: the plan and
    explanations stay available as `[link-debug]` when the link fails."""
    ctx.actions.run(
        cmd_args(
            toolchain.capture,
            "run",
            "--stderr",
            log.as_output(),
            "--status",
            status.as_output(),
            "--ensure",
            exe.as_output(),
            "--",
            link,
        ),
        category = "rlib_v0_link",
        identifier = "debug",
    )

def _rust_v0_binary_impl(ctx: AnalysisContext) -> list[Provider]:
    return _binary(ctx, test = False)

def _rust_v0_test_impl(ctx: AnalysisContext) -> list[Provider]:
    return _binary(ctx, test = True)

def _binary(ctx: AnalysisContext, test: bool) -> list[Provider]:
    toolchain = ctx.attrs._rust_v0_toolchain[RustV0ToolchainInfo]
    cxx_toolchain = ctx.attrs._cxx_toolchain[CxxToolchainInfo]
    crate = crate_name(ctx)
    dep_crates = dep_crates_tset(ctx, rust_deps(ctx))
    main_obj = _compile_main(ctx, toolchain, crate, dep_crates, test)
    line = _link_line(ctx, cxx_toolchain)

    exe = ctx.actions.declare_output(ctx.label.name)
    debug_log = ctx.actions.declare_output("link-debug.txt")
    hidden = []
    if toolchain.link_debug:
        status = ctx.actions.declare_output("link.status")
        _captured_debug_link(ctx, toolchain, _link(ctx, toolchain, main_obj, line, dep_crates, exe, debug = True, argsfile_name = "link.argsfile"), exe, debug_log, status)
        stamp = ctx.actions.declare_output("link.ok")
        ctx.actions.run(
            cmd_args(toolchain.capture, "check", "--status", status, "--log", debug_log, "--stamp", stamp.as_output()),
            category = "rlib_v0_debug_link_status",
        )
        hidden.append(stamp)
    else:
        ctx.actions.run(
            _link(ctx, toolchain, main_obj, line, dep_crates, exe, debug = False, argsfile_name = "link.argsfile"),
            category = "rlib_v0_link",
        )
        scratch = ctx.actions.declare_output("link-debug", ctx.label.name)
        link = _link(ctx, toolchain, main_obj, line, dep_crates, scratch, debug = True, argsfile_name = "link-debug/link.argsfile")
        _captured_debug_link(ctx, toolchain, link, scratch, debug_log, ctx.actions.declare_output("link-debug.status"))

    providers = [
        DefaultInfo(
            default_output = exe,
            other_outputs = hidden,
            sub_targets = {
                "link-debug": [DefaultInfo(default_output = debug_log)],
                "main-object": [DefaultInfo(default_output = main_obj)],
            },
        ),
        # The toolchain's runner (qemu-user for another machine's program) in front.
        RunInfo(args = cmd_args(toolchain.runner, exe, hidden = hidden)),
    ]
    if test:
        # `buck2 test`: libtest's harness, run as it is; its exit status decides.
        providers.append(ExternalRunnerTestInfo(
            type = "rust",
            command = [cmd_args(toolchain.runner, exe, hidden = hidden)],
            env = crate_env(ctx),
            labels = ctx.attrs.labels,
        ))
    return providers

rust_v0_binary = rule(
    impl = _rust_v0_binary_impl,
    attrs = crate_attrs(),
    doc = "A Rust program linked by `rlib-v0 link` with the system linker.",
)

rust_v0_test = rule(
    impl = _rust_v0_test_impl,
    attrs = crate_attrs() | {
        # std plus libtest (rust_v0_std_bundle(with_test = True)); on the
        # link it supersedes the plain bundle the libraries bring.
        "_std_bundle": attrs.dep(default = RUST_V0_TEST_STD_BUNDLE),
    },
    doc = "A crate's #[test]s (rustc --test), linked by `rlib-v0 link` with the system linker and the configuration's std bundle with libtest; run by `buck2 test`.",
)
