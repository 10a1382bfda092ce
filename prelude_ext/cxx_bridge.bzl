# `rust_cxx_bridge`: the C++ half of a cxx bridge (dtolnay/cxx), with the
# signature and targets of the macro cxx ships in tools/buck/rust_cxx_bridge.bzl,
# so a BUCK file switches by changing its `load`:
#
#     load("@prelude_ext//:cxx_bridge.bzl", "rust_cxx_bridge")
#
#     rust_cxx_bridge(name = "bridge", src = "src/lib.rs", deps = [":my_headers"])
#
# - `:NAME/header`, `:NAME/source`: `cxxbridge --header SRC` and `cxxbridge SRC`;
# - `:NAME`: a static `cxx_library` of the generated `.cc` (give it to the
#   Rust crate's `deps`: its C++ calls the crate's `extern "Rust"` functions
#   and the crate calls its `extern "C++"` ones, a cycle every link resolves:
#   `rlib-v0 link` groups such archives with the Rust inputs, and the
#   toolchain of `link_check = "compile"` groups the whole line);
# - `:NAME/include`: the generated header, as `#include "<package>/<src>.h"`.
#
# The generator is the `cxxbridge` command of crates.io's `cxxbridge-cmd`,
# of the cxx crate's exact version (since cxx 1.0.189 the version is part of
# every bridge symbol: another version's C++ links to undefined symbols,
# which `rlib-v0 link --debug` names). It is found through the config key
#
#     [rust_v0]
#     cxxbridge = //third-party:cxxbridge-cmd-cxxbridge
#
# any target `$(exe ...)` can run: a `rust_v0_binary`, or reindeer's binary
# target of cxxbridge-cmd (an artifact dependency, `bindeps = true`).
# `$(exe ...)` builds it for the execution platform.

def _cxxbridge() -> str:
    label = read_root_config("rust_v0", "cxxbridge", None)
    if not label:
        fail("rust_cxx_bridge: no cxx bridge generator configured; set `[rust_v0] cxxbridge = LABEL` in .buckconfig (the `cxxbridge` binary of crates.io's cxxbridge-cmd, the same version as the cxx crate; see docs/buck2.md, \"cxx bridges\")")
    return label

def rust_cxx_bridge(name: str, src: str, deps: list[str] = [], **kwargs):
    """The generated C++ of the `#[cxx::bridge]` module in `src`: `:NAME`
    (a static cxx_library) and `:NAME/include` (its header)."""
    exe = "$(exe {})".format(_cxxbridge())
    visibility = kwargs.pop("visibility", ["PUBLIC"])
    # `:NAME/header` (`cxxbridge --header SRC`) and `:NAME/source` (`cxxbridge SRC`).
    for part, flag, ext in (("header", "--header ", ".h"), ("source", "", ".cc")):
        native.genrule(
            name = "{}/{}".format(name, part),
            srcs = [src],
            out = src + ext,
            cmd = "{} {}${{SRCS}} > ${{OUT}}".format(exe, flag),
            type = "cxxbridge",
            visibility = visibility,
        )
    native.cxx_library(
        name = name,
        srcs = [":{}/source".format(name)],
        preferred_linkage = "static",
        deps = deps + [":{}/include".format(name)],
        visibility = visibility,
        **kwargs
    )
    native.cxx_library(
        name = "{}/include".format(name),
        exported_headers = [":{}/header".format(name)],
        exported_deps = deps,
        visibility = visibility,
    )

def rust_cxx_header(name: str, **kwargs):
    """`rust/cxx.h` (cxx's C++ API, `cxxbridge --header`) as a header-only
    cxx_library, for bridges whose cxx crate comes from reindeer (its build
    script compiles cxx.cc into the crate's native library)."""
    native.genrule(
        name = "{}/gen".format(name),
        out = "cxx.h",
        cmd = "$(exe {}) --header > ${{OUT}}".format(_cxxbridge()),
        type = "cxxbridge",
    )
    native.cxx_library(
        name = name,
        header_namespace = "rust",
        exported_headers = {"cxx.h": ":{}/gen".format(name)},
        visibility = kwargs.pop("visibility", ["PUBLIC"]),
        **kwargs
    )
