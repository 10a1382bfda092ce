# `rlib-v0 verify` on an archive as an action: the `[verify]` sub-target of
# rust_v0_library and rust_v0_std_bundle, and, with the toolchain's
# `verify_content` in `link_check = "compile"` mode, an input of every link
# that takes the archive (RustV0ToolchainInfo.verify_content).

load(":providers.bzl", "RustV0ToolchainInfo")

def verify_archive(ctx: AnalysisContext, toolchain: RustV0ToolchainInfo, archive: Artifact, identifier: str) -> Artifact:
    """`rlib-v0 verify --json` on `archive`: the v0 rules, and that it holds
    what its marker recorded when stamped. The JSON report; the action
    fails when the archive does not pass."""
    report = ctx.actions.declare_output("verify.json")
    log = ctx.actions.declare_output("verify.log")
    ctx.actions.run(
        cmd_args(
            toolchain.capture,
            "run",
            "--stdout",
            report.as_output(),
            "--stderr",
            log.as_output(),
            "--",
            toolchain.tool,
            "verify",
            "--json",
            archive,
        ),
        category = "rlib_v0_verify",
        identifier = identifier,
    )
    return report

def checked_link_args(toolchain: RustV0ToolchainInfo, link_args: cmd_args, report: Artifact) -> cmd_args:
    """`link_args`, with the archive's verify report as a hidden input when
    links run bare and are to check content: every link that takes the
    archive then waits for its verification, and fails with it."""
    if toolchain.verify_content and toolchain.link_check == "compile":
        return cmd_args(link_args, hidden = report)
    return link_args
