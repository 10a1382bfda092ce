# The macros reindeer's generated BUCK files call, for rlib-v0:
#
#     # reindeer.toml
#     [buck]
#     rust_library = "cargo.rust_library"
#     rust_binary = "cargo.rust_binary"
#     buildscript_genrule = "buildscript_run"
#     buckfile_imports = """
#     load("@prelude_ext//:cargo.bzl", "buildscript_run", "cargo")
#     """
#
# A contract: users' reindeer.toml files name this file and these symbols.
# They take the attributes reindeer writes for the stock prelude's macros
# (prelude/rust/cargo_package.bzl, cargo_buildscript.bzl) and make every
# third-party crate a v0 rlib (`rust_v0_library`), proc macros compiler
# plugins, build scripts `rust_v0_binary` programs run by
# `rust_v0_buildscript_run`. `platform = {...}` is resolved with the
# prelude's own `apply_platform_attrs` (and its `set_reindeer_platforms`).
#
# Cargo's compile-time environment (CARGO_PKG_NAME/VERSION/..., CARGO_CRATE_NAME,
# CARGO_MANIFEST_DIR) is set from the target's `<package>-<version>` name
# unless `env` gives it (reindeer's `cargo_env = true` then needs no fixups).
# Attributes that would change the result but have no rlib-v0 meaning
# (`mapped_srcs`, `linker_flags`, `link_style`, `preferred_linkage`,
# `dlopen_enable`, `python_ext`, `linkable_alias`) fail loudly when set.

load("@prelude//rust:cargo_package.bzl", "apply_platform_attrs")
load(":binary.bzl", "rust_v0_binary")
load(":buildscript.bzl", "rust_v0_buildscript_run")
load(":compile.bzl", "EXEC_ONLY")
load(":library.bzl", "rust_v0_library")

_UNSUPPORTED = ("mapped_srcs", "linker_flags", "link_style", "preferred_linkage", "dlopen_enable", "python_ext", "linkable_alias")
# Harmless bookkeeping reindeer may write: accepted, not used.
_IGNORED = ("licenses", "metadata", "doctests", "srcs_filegroup", "compatible_with")

def _check_supported(name, kwargs):
    for attr in _UNSUPPORTED:
        value = kwargs.pop(attr, None)
        if value:
            fail("{}: `{}` is not supported by rlib-v0's cargo macros (got {}); open an issue with the crate".format(name, attr, repr(value)))
    for attr in _IGNORED:
        kwargs.pop(attr, None)

def _split_name_version(name):
    """`serde_json-1.0.154` -> ("serde_json", "1.0.154"); (name, None) otherwise."""
    for i in range(len(name) - 1, 0, -1):
        if name[i] == "-" and name[i + 1:i + 2].isdigit():
            version = name[i + 1:]
            if version.split("-")[0].replace(".", "").isdigit():
                return name[:i], version
    return name, None

def _cargo_env(name, kwargs):
    # The crate's directory (`vendor/serde-1.0.229` of `vendor/serde-1.0.229/src/lib.rs`)
    # names the exact version; the target name (`serde-1`) only its semver class.
    crate_root = kwargs.get("crate_root", "")
    manifest = crate_root.rsplit("/src/", 1)[0] if "/src/" in crate_root else crate_root.rpartition("/")[0]
    package, version = _split_name_version(manifest.rpartition("/")[2])
    if version == None:
        package, version = _split_name_version(name.removesuffix("-build-script-build"))
    if version == None:
        return
    core = version.split("-")[0].split(".") + ["0", "0", "0"]
    pre = version.split("-", 1)[1] if "-" in version else ""
    env = dict(kwargs.get("env", {}))
    defaults = {
        "CARGO_CRATE_NAME": (kwargs.get("crate") or package).replace("-", "_"),
        "CARGO_MANIFEST_DIR": "/".join([p for p in [native.package_name(), manifest] if p]),
        "CARGO_PKG_NAME": package,
        "CARGO_PKG_VERSION": version,
        "CARGO_PKG_VERSION_MAJOR": core[0],
        "CARGO_PKG_VERSION_MINOR": core[1],
        "CARGO_PKG_VERSION_PATCH": core[2],
        "CARGO_PKG_VERSION_PRE": pre,
    }
    for k, v in defaults.items():
        if k not in env:
            env[k] = v
    kwargs["env"] = env

def _third_party(name, platform, kwargs):
    kwargs = apply_platform_attrs(platform, kwargs)
    _check_supported(name, kwargs)
    # Third-party code: lints off, as cargo does for registry crates.
    kwargs["rustc_flags"] = ["--cap-lints=allow"] + kwargs.get("rustc_flags", [])
    _cargo_env(name, kwargs)
    return kwargs

def _cargo_rust_library(name, platform = {}, **kwargs):
    rust_v0_library(name = name, **_third_party(name, platform, kwargs))

def _cargo_rust_binary(name, platform = {}, **kwargs):
    kwargs = _third_party(name, platform, kwargs)
    if name.endswith("-build-script-build"):
        # Run only by its `-build-script-run`, on the execution platform.
        kwargs["target_compatible_with"] = kwargs.get("target_compatible_with", []) + EXEC_ONLY
    rust_v0_binary(name = name, **kwargs)

cargo = struct(
    rust_binary = _cargo_rust_binary,
    rust_library = _cargo_rust_library,
)

def buildscript_run(
        name,
        buildscript_rule,
        package_name,
        version,
        platform = {},
        # The crate's directory in the source tree, e.g. "vendor/serde-1.0.100".
        local_manifest_dir = None,
        # A target giving the crate's directory, e.g. ":serde-1.0.100.crate".
        manifest_dir = None,
        buildscript_compatible_with = None,
        **kwargs):
    """reindeer's `buildscript_genrule`: `<crate>-build-script-run`."""
    kwargs = apply_platform_attrs(platform, kwargs)
    kwargs.pop("licenses", None)
    filegroup = None
    if manifest_dir == None:
        local_manifest_dir = local_manifest_dir or "vendor/{}-{}".format(package_name, version)
        prefix = local_manifest_dir + "/"
        filegroup = {path.removeprefix(prefix): path for path in glob([prefix + "**"])}
    rust_v0_buildscript_run(
        name = name,
        buildscript = buildscript_rule,
        package_name = package_name,
        version = version,
        filegroup_for_manifest_dir = filegroup,
        manifest_dir = manifest_dir,
        target_compatible_with = buildscript_compatible_with or [],
        **kwargs
    )
