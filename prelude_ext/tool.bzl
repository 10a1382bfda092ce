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

# Put the tree on sys.path and run the package as `python3 -m rlib_v0` would.
# `-B`: never write __pycache__ next to the (symlinked) sources.
_BOOTSTRAP = "import runpy, sys; sys.path.insert(0, sys.argv.pop(1)); sys.argv[0] = 'rlib-v0'; runpy.run_module('rlib_v0', run_name='__main__', alter_sys=True)"

def _rlib_v0_tool_impl(ctx: AnalysisContext) -> list[Provider]:
    tree = ctx.actions.symlinked_dir("import_root", ctx.attrs.srcs)
    interpreter = ctx.attrs._python_bootstrap_toolchain[PythonBootstrapToolchainInfo].interpreter
    # `[link]`: the linker wrapper without `site` (link_lean.py finds the
    # package beside itself and turns `site` back on only for --debug).
    link = RunInfo(args = cmd_args(interpreter, "-S", "-B", cmd_args(tree, format = "{}/rlib_v0/link_lean.py")))
    return [
        DefaultInfo(default_output = tree, sub_targets = {"link": [DefaultInfo(default_output = tree), link]}),
        RunInfo(args = cmd_args(interpreter, "-B", "-c", _BOOTSTRAP, tree)),
    ]

rlib_v0_tool = rule(
    impl = _rlib_v0_tool_impl,
    attrs = {
        # Import path (`rlib_v0/cli.py`) -> source file.
        "srcs": attrs.dict(key = attrs.string(), value = attrs.source()),
        "_python_bootstrap_toolchain": attrs.toolchain_dep(
            default = "toolchains//:python_bootstrap",
            providers = [PythonBootstrapToolchainInfo],
        ),
    },
    doc = "The rlib-v0 Python tool, runnable from its declared sources.",
)
