# The benchmark's own toolchain rules for the stock prelude's
# `advanced_unstable_linking` mode (bench/buck2_aul.py copies this file into
# the project as toolchains/aul.bzl): a Rust toolchain with explicit sysroot
# deps, and a rule wrapping one prebuilt sysroot rlib (this prelude has no
# prebuilt_rust_library).
load("@prelude//cxx:cxx_toolchain_types.bzl", "LinkerType", "PicBehavior")
load("@prelude//linking:link_groups.bzl", "merge_link_group_lib_info")
load("@prelude//linking:link_info.bzl", "Archive", "ArchiveLinkable", "LibOutputStyle", "LinkInfo", "LinkInfos", "LinkStrategy", "MergedLinkInfo", "create_merged_link_info")
load("@prelude//linking:linkable_graph.bzl", "LinkableGraph", "create_linkable_graph", "create_linkable_graph_node", "create_linkable_node")
load("@prelude//linking:shared_libraries.bzl", "SharedLibraryInfo", "merge_shared_libraries")
load("@prelude//linking:types.bzl", "Linkage")
load("@prelude//rust:build_params.bzl", "MetadataKind")
load("@prelude//rust:crate_name.bzl", "CrateName")
load("@prelude//rust:link_info.bzl", "RustArtifact", "RustExportedLinkDeps", "RustLinkInfo", "RustLinkStrategyInfo", "RustLinkableGraphs", "RustNativeLinkDeps", "TransitiveDeps")
load("@prelude//rust:rust_toolchain.bzl", "PanicRuntime", "RustExplicitSysrootDeps", "RustToolchainInfo")
load("@prelude//third-party:providers.bzl", "third_party_build_info")

def _sysroot_rlib_impl(ctx):
    rlib = ctx.attrs.rlib
    rust_deps = [d[RustLinkInfo] for d in ctx.attrs.deps]
    link = LinkInfos(default = LinkInfo(linkables = [ArchiveLinkable(archive = Archive(artifact = rlib), linker_type = LinkerType("gnu"))]))
    link_infos = {LibOutputStyle("archive"): link, LibOutputStyle("pic_archive"): link}
    merged = create_merged_link_info(
        ctx,
        PicBehavior("supported"),
        link_infos,
        preferred_linkage = Linkage("static"),
        deps = [d[MergedLinkInfo] for d in ctx.attrs.deps],
    )
    graph = create_linkable_graph(
        ctx,
        node = create_linkable_graph_node(ctx, linkable_node = create_linkable_node(
            ctx = ctx,
            default_soname = None,
            preferred_linkage = Linkage("static"),
            deps = ctx.attrs.deps,
            link_infos = link_infos,
        )),
        deps = ctx.attrs.deps,
    )
    shlibs = merge_shared_libraries(ctx.actions, deps = [d[SharedLibraryInfo] for d in ctx.attrs.deps])
    # The sysroot rlibs hold only a metadata stub (-Zembed-metadata=no): rustc
    # reads the .rmeta beside them, the linker the rlib.
    rmeta = ctx.attrs.rmeta
    singleton = ctx.actions.tset(TransitiveDeps, value = RustArtifact(artifact = rmeta, crate = CrateName(simple = ctx.attrs.crate, dynamic = None)))
    tdeps = ctx.actions.tset(TransitiveDeps, children = [
        t
        for d in rust_deps
        for t in (d.strategies[LinkStrategy("static_pic")].singleton_tset[MetadataKind("link")], d.strategies[LinkStrategy("static_pic")].transitive_deps[MetadataKind("link")])
    ])
    strategy = RustLinkStrategyInfo(
        outputs = {m: rmeta for m in MetadataKind},
        singleton_tset = {m: singleton for m in MetadataKind},
        transitive_deps = {m: tdeps for m in MetadataKind},
        transitive_proc_macro_deps = set(),
        rust_debug_info = None,
    )
    return [
        DefaultInfo(default_output = rlib),
        RustLinkInfo(
            crate = CrateName(simple = ctx.attrs.crate, dynamic = None),
            strategies = {s: strategy for s in LinkStrategy},
            native_link_deps = ctx.actions.tset(
                RustNativeLinkDeps,
                children = [d.native_link_deps for d in rust_deps] + [ctx.actions.tset(RustNativeLinkDeps, value = [(ctx.label.configured_target(), merged)])],
            ),
            linkable_graphs = ctx.actions.tset(
                RustLinkableGraphs,
                children = [d.linkable_graphs for d in rust_deps] + [ctx.actions.tset(RustLinkableGraphs, value = [graph])],
            ),
            shared_libs = shlibs,
            third_party_build_info = third_party_build_info(actions = ctx.actions),
            exported_link_deps = ctx.actions.tset(RustExportedLinkDeps),
        ),
        merged,
        graph,
        shlibs,
        merge_link_group_lib_info(deps = ctx.attrs.deps),
    ]

sysroot_rlib = rule(
    impl = _sysroot_rlib_impl,
    attrs = {
        "crate": attrs.string(),
        "deps": attrs.list(attrs.dep(), default = []),
        "labels": attrs.list(attrs.string(), default = []),
        "rlib": attrs.source(),
        "rmeta": attrs.source(),
    },
)

def _aul_rust_toolchain_impl(ctx):
    return [
        DefaultInfo(),
        RustToolchainInfo(
            advanced_unstable_linking = True,
            compiler = RunInfo(args = ["rustc"]),
            clippy_driver = RunInfo(args = ["clippy-driver"]),
            rustdoc = RunInfo(args = ["rustdoc"]),
            default_edition = ctx.attrs.default_edition,
            explicit_sysroot_deps = RustExplicitSysrootDeps(
                core = ctx.attrs.core,
                proc_macro = None,
                std = ctx.attrs.std,
                panic_unwind = ctx.attrs.panic_unwind,
                panic_abort = None,
                others = [],
            ),
            nightly_features = True,  # the prelude then sets RUSTC_BOOTSTRAP=1
            panic_runtime = PanicRuntime("unwind"),
            # `--extern noprelude:...` (the sysroot deps) is unstable.
            rustc_flags = ["-Zunstable-options"] + ctx.attrs.rustc_flags,
            rustc_target_triple = ctx.attrs.rustc_target_triple,
        ),
    ]

aul_rust_toolchain = rule(
    impl = _aul_rust_toolchain_impl,
    attrs = {
        "core": attrs.dep(),
        "default_edition": attrs.option(attrs.string(), default = None),
        "panic_unwind": attrs.dep(),
        "rustc_flags": attrs.list(attrs.arg(), default = []),
        "rustc_target_triple": attrs.string(default = "x86_64-unknown-linux-gnu"),
        "std": attrs.dep(),
    },
    is_toolchain_rule = True,
)
