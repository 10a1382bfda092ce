# The stock prelude's link providers for an archive we built (a v0 rlib or
# the std bundle), so that unmodified `cxx_binary` / `cxx_library` targets can
# depend on our targets: to them, a v0 rlib is just a static library.
#
# What this relies on (read from the bundled prelude):
# - `cxx_binary` collects link inputs from the `MergedLinkInfo` of its deps
#   (`prelude//cxx/cxx_executable.bzl`, `linkables()`), which also requires
#   `SharedLibraryInfo` and `LinkGroupLibInfo` on every dep that has
#   `MergedLinkInfo` (`prelude//linking/linkables.bzl`);
# - it builds a `LinkableGraph` of its deps for link groups and shared-library
#   bookkeeping; a node must list exactly the deps whose graphs it includes;
# - with `preferred_linkage = static` a library always contributes its archive
#   (`get_lib_output_style`), whatever link style the binary asks for: an rlib
#   has no shared form.
# The std bundle is a node of the graph like any library, reached from every
# Rust library: a tset visits a node once, so it appears once on any link
# line, and the toolchain's topological link order puts it after every crate.

load(
    "@prelude//cxx:cxx_toolchain_types.bzl",
    "CxxToolchainInfo",
)
load(
    "@prelude//linking:link_groups.bzl",
    "merge_link_group_lib_info",
)
load(
    "@prelude//linking:link_info.bzl",
    "Archive",
    "ArchiveLinkable",
    "LibOutputStyle",
    "LinkInfo",
    "LinkInfos",
    "MergedLinkInfo",
    "create_merged_link_info",
)
load(
    "@prelude//linking:linkable_graph.bzl",
    "create_linkable_graph",
    "create_linkable_graph_node",
    "create_linkable_node",
)
load(
    "@prelude//linking:shared_libraries.bzl",
    "SharedLibraryInfo",
    "merge_shared_libraries",
)
load("@prelude//linking:types.bzl", "Linkage")

def archive_link_providers(
        ctx: AnalysisContext,
        cxx_toolchain: CxxToolchainInfo,
        archive: Artifact,
        link_whole: bool,
        deps: list[Dependency],
        link_args: cmd_args,
        link_inputs: cmd_args | None = None,
        shared_link_args: cmd_args | None = None) -> list[Provider]:
    """
    `MergedLinkInfo`, `LinkableGraph`, `SharedLibraryInfo` and `LinkGroupLibInfo`
    for one static archive and the linkable `deps` it needs. `link_args`:
    what follows the archive on a link line (`@` its link-args file, written
    by the tool: what a link without `rlib-v0 link` needs; the wrapper drops
    it). `link_inputs`: files any link of the archive reads besides it (a
    build script's OUT_DIR holding the `-l static` libraries its marker
    names), as hidden inputs, so a link on a remote executor has them.
    `shared_link_args`: what a shared object's link adds after `link_args`
    (`@` the `.shared` link-args file: the archive's Rust symbols hidden,
    docs/shared-libraries.md).
    """
    linkable_deps = [d for d in deps if MergedLinkInfo in d]

    def link_info(post_flags: list) -> LinkInfo:
        return LinkInfo(
            name = ctx.label.name,
            post_flags = post_flags + ([link_inputs] if link_inputs else []),
            linkables = [ArchiveLinkable(
                archive = Archive(artifact = archive),
                linker_type = cxx_toolchain.linker_info.type,
                link_whole = link_whole,
                # Rust objects are native code here; no LTO bitcode to look for.
                supports_lto = False,
            )],
        )

    # rustc emits position-independent code by default, so the same archive
    # serves both static and static-pic links. A shared library links its
    # static-only deps as `pic_archive` (the prelude's get_lib_output_style),
    # and only such links hide the Rust inside: an executable's default
    # `archive` link is unchanged. (The wrapper drops both files and hides
    # by itself, on any link that exports.)
    link_infos = {
        LibOutputStyle("archive"): LinkInfos(default = link_info([link_args])),
        LibOutputStyle("pic_archive"): LinkInfos(default = link_info([link_args] + ([shared_link_args] if shared_link_args else []))),
    }
    linkage = Linkage("static")

    merged = create_merged_link_info(
        ctx,
        cxx_toolchain.pic_behavior,
        link_infos,
        preferred_linkage = linkage,
        deps = [d[MergedLinkInfo] for d in linkable_deps],
    )
    graph = create_linkable_graph(
        ctx,
        node = create_linkable_graph_node(
            ctx,
            linkable_node = create_linkable_node(
                ctx = ctx,
                default_soname = None,
                preferred_linkage = linkage,
                deps = linkable_deps,
                link_infos = link_infos,
            ),
        ),
        deps = linkable_deps,
    )
    return [
        merged,
        graph,
        merge_shared_libraries(
            ctx.actions,
            deps = [d[SharedLibraryInfo] for d in linkable_deps if SharedLibraryInfo in d],
        ),
        merge_link_group_lib_info(deps = linkable_deps),
    ]
