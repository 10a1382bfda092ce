# `rust_v0_cxx_toolchain`: the C/C++ toolchain of this repo, linking with the
# configuration's system linker; `toolchains//:cxx` is this toolchain wrapped
# by `rust_v0_cxx_toolchain_wrapper` (its linker run through `rlib-v0 link`),
# exactly as a repository with its own C/C++ toolchain does (docs/adopting.md).
#
# Why a rule of our own rather than the prelude's ready-made ones:
# - `system_cxx_toolchain(linker = ...)` takes a program name on PATH, not a
#   declared input, so the wrapper's sources would not be inputs of the link;
# - `cxx_tools_info_toolchain` takes a `RunInfo` linker but adds
#   `-fuse-ld=lld` on Linux whenever the linker is not literally `g++`, and
#   defaults to `link_style = "shared"`;
# - here each configuration picks its linker (`-fuse-ld=` from the
#   `rust_v0` toolchain), links are static by default, and the link order is
#   topological, so the std bundle comes after every crate.
# Every `cxx_binary` of the repo links through the wrapper (toolchains//:cxx)
# without any change to the target: that is what lets it dedup and check the
# Rust archives the stock rules put on the line.

load(
    "@prelude//cxx:cxx_toolchain_types.bzl",
    "BinaryUtilitiesInfo",
    "CCompilerInfo",
    "CxxCompilerInfo",
    "CxxInternalTools",
    "DepTrackingMode",
    "LinkerInfo",
    "LinkerType",
    "PicBehavior",
    "ShlibInterfacesMode",
    "cxx_toolchain_infos",
)
load("@prelude//cxx:headers.bzl", "HeaderMode")
load("@prelude//linking:link_info.bzl", "LinkStyle")
load("@prelude//linking:lto.bzl", "LtoMode")
load("@prelude_ext//:providers.bzl", "RustV0ToolchainInfo")

def _tool(name: str) -> RunInfo:
    return RunInfo(args = [name])

def _rust_v0_cxx_toolchain_impl(ctx: AnalysisContext) -> list[Provider]:
    rust = ctx.attrs.rust_v0[RustV0ToolchainInfo]

    # The real link command (driver + `-fuse-ld=`); the wrapper rule puts
    # `rlib-v0 link --` in front, the prelude appends `@argsfile` with the
    # inputs and `-o`.
    linker = RunInfo(args = cmd_args(rust.linker_driver))
    linker_info = LinkerInfo(
        linker = linker,
        linker_flags = ctx.attrs.link_flags,
        post_linker_flags = [],
        archiver = _tool(ctx.attrs.archiver),
        archiver_type = "gnu",
        archiver_supports_argfiles = True,
        generate_linker_maps = False,
        lto_mode = LtoMode("none"),
        type = LinkerType("gnu"),
        # The link needs nothing from the machine but the compiler driver and
        # system libraries, which a remote executor's image provides too.
        link_binaries_locally = False,
        link_libraries_locally = False,
        archive_objects_locally = False,
        use_archiver_flags = True,
        static_dep_runtime_ld_flags = [],
        static_pic_dep_runtime_ld_flags = [],
        shared_dep_runtime_ld_flags = [],
        independent_shlib_interface_linker_flags = [],
        shlib_interfaces = ShlibInterfacesMode("disabled"),
        # rlibs have no shared form; static is also what the RFC's system
        # linker story is about.
        link_style = LinkStyle("static"),
        link_weight = 1,
        binary_extension = "",
        object_file_extension = "o",
        shared_library_name_default_prefix = "lib",
        shared_library_name_format = "{}.so",
        shared_library_versioned_name_format = "{}.so.{}",
        static_library_extension = "a",
        force_full_hybrid_if_capable = False,
        is_pdb_generated = False,
        # A library before the libraries it needs; the std bundle, needed by
        # every Rust library, after all of them. (The wrapper reorders the
        # Rust archives anyway; this keeps C/C++ archives right too.)
        link_ordering = "topological",
    )
    return [DefaultInfo()] + cxx_toolchain_infos(
        platform_name = ctx.attrs.platform_name,
        internal_tools = ctx.attrs._internal_tools[CxxInternalTools],
        c_compiler_info = CCompilerInfo(
            compiler = _tool(ctx.attrs.c_compiler),
            compiler_type = ctx.attrs.compiler_type,
            compiler_flags = cmd_args(ctx.attrs.c_flags),
            preprocessor_flags = cmd_args(),
        ),
        cxx_compiler_info = CxxCompilerInfo(
            compiler = _tool(ctx.attrs.cxx_compiler),
            compiler_type = ctx.attrs.compiler_type,
            compiler_flags = cmd_args(ctx.attrs.cxx_flags),
            preprocessor_flags = cmd_args(),
        ),
        linker_info = linker_info,
        binary_utilities_info = BinaryUtilitiesInfo(
            nm = _tool(ctx.attrs.binutils_prefix + "nm"),
            objcopy = _tool(ctx.attrs.binutils_prefix + "objcopy"),
            objdump = _tool(ctx.attrs.binutils_prefix + "objdump"),
            ranlib = _tool(ctx.attrs.binutils_prefix + "ranlib"),
            strip = _tool(ctx.attrs.binutils_prefix + "strip"),
            dwp = None,
            bolt_msdk = None,
        ),
        header_mode = HeaderMode("symlink_tree_only"),
        cpp_dep_tracking_mode = DepTrackingMode("makefile"),
        pic_behavior = PicBehavior("supported"),
        # Compile through the prelude's remap_cwd wrapper (-ffile-prefix-map=
        # $PWD=.): no absolute checkout path in objects, so outputs are the
        # same wherever the repo is.
        remap_cwd = True,
        use_dep_files = True,
    )

rust_v0_cxx_toolchain = rule(
    impl = _rust_v0_cxx_toolchain_impl,
    attrs = {
        "archiver": attrs.string(default = "ar"),
        # Prefix of nm, objcopy, objdump, ranlib, strip: "" for the host's,
        # e.g. "aarch64-linux-gnu-" for a cross toolchain's.
        "binutils_prefix": attrs.string(default = ""),
        "c_compiler": attrs.string(default = "cc"),
        "c_flags": attrs.list(attrs.string(), default = []),
        "compiler_type": attrs.string(default = "gcc"),
        "cxx_compiler": attrs.string(default = "c++"),
        "cxx_flags": attrs.list(attrs.string(), default = []),
        "link_flags": attrs.list(attrs.string(), default = []),
        # Resolves `platform_*` attributes of C/C++ rules.
        "platform_name": attrs.string(default = "linux"),
        # Where the linker driver, the wrapper and the link debug switch come
        # from: one place for Rust and C/C++ links.
        "rust_v0": attrs.toolchain_dep(default = "toolchains//:rust_v0", providers = [RustV0ToolchainInfo]),
        "_internal_tools": attrs.exec_dep(default = "prelude//cxx/tools:internal_tools", providers = [CxxInternalTools]),
    },
    is_toolchain_rule = True,
    doc = "C/C++ toolchain whose linker is `rlib-v0 link` around the configured system linker.",
)
