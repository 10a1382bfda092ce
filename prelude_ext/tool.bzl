# `rlib_v0_tool`: the `rlib-v0` command as a Buck2 tool, run from the repo.
#
# Why not the `rlib-v0` console script on PATH: an action must declare every
# file it reads, or a change to the tool would not re-run it and a remote
# executor would not have it. So the Python sources are this rule's inputs,
# laid out as an import root, and `RunInfo` runs them with the configured
# Python: every action that uses the `RunInfo` gets the tree as an input.
# The tool needs nothing but the Python standard library (no site-packages):
# the interpreter, like the compilers and linkers, comes from the machine.

load("@prelude//python_bootstrap:python_bootstrap.bzl", "PythonBootstrapToolchainInfo")

def _rlib_v0_tool_impl(ctx: AnalysisContext) -> list[Provider]:
    interpreter = ctx.attrs._python_bootstrap_toolchain[PythonBootstrapToolchainInfo].interpreter
    # The sources copied and byte-compiled once (tools/bytecompile.py): every
    # action that starts the tool then loads `.pyc` files instead of
    # compiling each module again (`-B`: it never writes any itself).
    tree = ctx.actions.declare_output("import_root", dir = True)
    ctx.actions.run(
        cmd_args(
            interpreter,
            "-S",
            "-B",
            ctx.attrs._bytecompile,
            tree.as_output(),
            [cmd_args(path, "=", src, delimiter = "") for path, src in sorted(ctx.attrs.srcs.items())],
        ),
        category = "rlib_v0_bytecompile",
    )
    # `-S`: no `site` (the verbs a build runs need only the standard
    # library); lean.py finds the package beside itself and dispatches them
    # (rlib_v0/cli: BUILD_VERBS) before anything heavy is imported.
    run = cmd_args(interpreter, "-S", "-B", cmd_args(tree, format = "{}/rlib_v0/lean.py"))
    return [
        DefaultInfo(default_output = tree, sub_targets = {"link": [DefaultInfo(default_output = tree), RunInfo(args = cmd_args(run, "link"))]}),
        RunInfo(args = run),
    ]

rlib_v0_tool = rule(
    impl = _rlib_v0_tool_impl,
    attrs = {
        # Import path (`rlib_v0/cli/app.py`) -> source file.
        "srcs": attrs.dict(key = attrs.string(), value = attrs.source()),
        "_bytecompile": attrs.source(default = "prelude_ext//tools:bytecompile.py"),
        "_python_bootstrap_toolchain": attrs.toolchain_dep(
            default = "toolchains//:python_bootstrap",
            providers = [PythonBootstrapToolchainInfo],
        ),
    },
    doc = "The rlib-v0 Python tool, runnable from its declared sources.",
)
