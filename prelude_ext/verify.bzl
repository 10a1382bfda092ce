# `rlib-v0 verify` on an archive as an action: the `[verify]` sub-target of
# rust_v0_library and rust_v0_std_bundle, and, with the toolchain's
# `verify_content` in `link_check = "compile"` mode, an input of every link
# that takes the archive (RustV0ToolchainInfo.verify_content). In compile
# mode also the wrapper's checks of the archives no rust_v0 rule built
# (`foreign_archive_checks`).

load("@prelude//linking:linkable_graph.bzl", "LinkableGraph")
load(":providers.bzl", "RustV0LibraryInfo", "RustV0StdBundleInfo", "RustV0ToolchainInfo")

def verify_archive(ctx: AnalysisContext, toolchain: RustV0ToolchainInfo, archive: Artifact, identifier: str) -> Artifact:
    """`rlib-v0 verify --json` on `archive`: the v0 rules, and that it holds
    what its marker recorded when stamped. The JSON report; the action
    fails when the archive does not pass."""
    return _captured(ctx, toolchain, "verify", cmd_args(toolchain.tool, "verify", "--json", archive), "rlib_v0_verify", identifier)

def _captured(ctx: AnalysisContext, toolchain: RustV0ToolchainInfo, name: str, cmd: cmd_args, category: str, identifier: str) -> Artifact:
    """Run `cmd` as an action under capture.py: its stdout kept as
    `NAME.json` (the action's output, what links wait for), its stderr as
    `NAME.log` and echoed; the action fails when `cmd` does."""
    report = ctx.actions.declare_output(name + ".json")
    ctx.actions.run(
        cmd_args(toolchain.capture, "run", "--stdout", report.as_output(), "--stderr", ctx.actions.declare_output(name + ".log").as_output(), "--", cmd),
        category = category,
        identifier = identifier,
    )
    return report

def checked_link_args(toolchain: RustV0ToolchainInfo, link_args: cmd_args, report: Artifact, foreign: list[Artifact] = []) -> cmd_args:
    """`link_args`, with the archive's verify report as a hidden input when
    links run bare and are to check content, and the reports of
    `foreign_archive_checks`: every link that takes the archive then waits
    for them, and fails with them."""
    hidden = ([report] if toolchain.verify_content and toolchain.link_check == "compile" else []) + foreign
    return cmd_args(link_args, hidden = hidden) if hidden else link_args

def foreign_archive_checks(ctx: AnalysisContext, toolchain: RustV0ToolchainInfo, deps: list[Dependency]) -> list[Artifact]:
    """Compile mode (links without `rlib-v0 link`): for each archive a direct
    dep gives the link that no rust_v0 rule built (a `prebuilt_cxx_library`,
    a stock `rust_library`, any `cxx_library`), one action that runs the
    wrapper's own input checks on it: `rlib-v0 link -- true ARCHIVE` (a
    linker that links nothing), which refuses a Rust staticlib (its own
    copy of std) and an rlib without a v0 marker, and passes any C/C++
    archive. Run once per archive and dependent; every link that takes the
    crate waits for them (a hidden input of its link args). Wrapper mode:
    none, the link itself checks."""
    if toolchain.link_check != "compile":
        return []
    reports = []
    seen = {}
    for d in deps:
        if RustV0LibraryInfo in d or RustV0StdBundleInfo in d or LinkableGraph not in d:
            continue
        node = d[LinkableGraph].nodes.value.linkable
        if not node:
            continue
        for infos in node.link_infos.values():
            for linkable in infos.default.linkables:
                archive = getattr(linkable, "archive", None)
                if not archive or archive.artifact in seen:
                    continue
                seen[archive.artifact] = True
                n = len(reports)
                reports.append(_captured(
                    ctx,
                    toolchain,
                    "foreign/{}".format(n),
                    cmd_args(toolchain.link_tool, "--", "true", archive.artifact),
                    "rlib_v0_foreign_archive",
                    "{} {}".format(n, archive.artifact.short_path),
                ))
    return reports
