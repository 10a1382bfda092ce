# The rlib-v0 Buck2 rules:
#
#     load("@prelude_ext//:defs.bzl", "rust_v0_library", "rust_v0_binary", "rust_v0_std_bundle")
#
# - rust_v0_library: a crate compiled to a v0 rlib by `rlib-v0 rustc`;
#   usable by other rust_v0_* targets and by the stock cxx_binary/cxx_library
#   (`proc_macro = True`: a compiler plugin, built for the execution platform).
# - rust_v0_binary: a Rust `main` linked by `rlib-v0 link` with the system
#   linker.
# - rust_v0_test: a crate's #[test]s, linked like rust_v0_binary (with the
#   bundle that holds libtest), for `buck2 test`.
# - rust_v0_std_bundle: the standard library of one configuration, as an
#   archive (`rlib-v0 std-bundle`).
# - rust_v0_cxx_toolchain_wrapper: an existing C/C++ toolchain (any target
#   providing CxxToolchainInfo) with its linker run through `rlib-v0 link`.
# - rust_v0_execution_platform(s): this machine (or remote workers) with
#   constraint values of its own, e.g. which rustc it runs, and their
#   registration for `[build] execution_platforms`.
# - rust_v0_toolchain, rlib_v0_tool: used by toolchains//BUCK and
#   prelude_ext//BUCK.
#
# One concern per file: providers.bzl (what flows between targets),
# compile.bzl (the rustc command line), link_providers.bzl (the prelude's link
# providers), library.bzl / binary.bzl / std_bundle.bzl (the rules),
# toolchain.bzl and tool.bzl (configuration and the Python tool).

load(":binary.bzl", _rust_v0_binary = "rust_v0_binary", _rust_v0_test = "rust_v0_test")
load(":cxx_wrapper.bzl", _rust_v0_cxx_toolchain_wrapper = "rust_v0_cxx_toolchain_wrapper")
load(":exec_platform.bzl", _rust_v0_execution_platform = "rust_v0_execution_platform", _rust_v0_execution_platforms = "rust_v0_execution_platforms")
load(":library.bzl", _rust_v0_library = "rust_v0_library")
load(":std_bundle.bzl", _rust_v0_std_bundle = "rust_v0_std_bundle")
load(":tool.bzl", _rlib_v0_tool = "rlib_v0_tool")
load(":toolchain.bzl", _rust_v0_toolchain = "rust_v0_toolchain")

rlib_v0_tool = _rlib_v0_tool
rust_v0_binary = _rust_v0_binary
rust_v0_cxx_toolchain_wrapper = _rust_v0_cxx_toolchain_wrapper
rust_v0_execution_platform = _rust_v0_execution_platform
rust_v0_execution_platforms = _rust_v0_execution_platforms
rust_v0_library = _rust_v0_library
rust_v0_std_bundle = _rust_v0_std_bundle
rust_v0_test = _rust_v0_test
rust_v0_toolchain = _rust_v0_toolchain
