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
# Build scripts' `links` metadata (cargo's DEP_<LINKS>_<KEY>): a crate whose
# `rustc_flags`/`env` name its `<crate>-build-script-run` (as reindeer writes
# them) forwards that run (`buildscript_run`), and gets a
# `<crate>-build-script-deps` target over its own deps (the first crate of the
# package to name the run: reindeer declares the library first), which the run
# reads the dependencies' metadata through: `buildscript_run` names that target
# whatever the order, so a run no crate macro names fails on the unknown
# target rather than silently dropping DEP_* (pass `crate_deps = [...]` to a
# hand-written one).
#
# Attributes that would change the result but have no rlib-v0 meaning
# (`linker_flags`, `link_style`, `preferred_linkage`,
# `dlopen_enable`, `python_ext`, `linkable_alias`) fail loudly when set.

load("@prelude//rust:cargo_package.bzl", "apply_platform_attrs")
load(":binary.bzl", "rust_v0_binary")
load(":buildscript.bzl", "rust_v0_buildscript_deps", "rust_v0_buildscript_run")
load(":compile.bzl", "EXEC_ONLY")
load(":library.bzl", "rust_v0_library")

_UNSUPPORTED = ("linker_flags", "link_style", "preferred_linkage", "dlopen_enable", "python_ext", "linkable_alias")
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
            if version.split("+")[0].split("-")[0].replace(".", "").isdigit():
                return name[:i], version
    return name, None

def _manifest_dir_of(path):
    """`vendor/serde-1.0.229` of `vendor/serde-1.0.229/src/lib.rs` (or of its build.rs)."""
    parts = path.split("/")
    for i in range(len(parts) - 1, -1, -1):
        if _split_name_version(parts[i])[1] != None:
            return "/".join(parts[:i + 1])
    return path.rsplit("/src/", 1)[0] if "/src/" in path else path.rpartition("/")[0]

def _package_files(kwargs):
    """A vendored crate's whole directory as inputs of its compile, as cargo
    has it: reindeer lists only the `.rs` files, but crates read others
    (`#![doc = include_str!("../README.md")]`, winnow's examples, ring's
    `.der` data), which a remote or sandboxed compile would not see."""
    path = _root_path(kwargs)
    manifest = _manifest_dir_of(path) if path and ":" not in path else None
    if manifest and manifest != path:
        kwargs["compile_inputs"] = kwargs.get("compile_inputs", []) + glob([manifest + "/**"])

def _root_path(kwargs):
    """The crate root, or a source's path when reindeer leaves it out (`src/lib.rs`)."""
    srcs = kwargs.get("srcs", [])
    return kwargs.get("crate_root") or (srcs[0] if type(srcs) == "list" and srcs and type(srcs[0]) == "string" else "")

def _cargo_env(name, kwargs, platform):
    """Called before `platform` is applied: defaults go to the universal
    `env`, except those some platform's `env` sets itself."""
    # The crate's directory (`vendor/serde-1.0.229` of `vendor/serde-1.0.229/src/lib.rs`)
    # names the exact version; the target name (`serde-1`) only its semver
    # class. Without `crate_root` (reindeer leaves out `src/lib.rs`) a
    # source's path tells it.
    manifest = _manifest_dir_of(_root_path(kwargs))
    package, version = _split_name_version(manifest.rpartition("/")[2])
    if version == None:
        package, version = _split_name_version(name.removesuffix("-build-script-build"))
    if version == None:
        return
    # `2.1.3+zstd.1.5.7`: build metadata is in the version, not in its parts.
    semver = version.split("+")[0]
    core = semver.split("-")[0].split(".") + ["0", "0", "0"]
    pre = semver.split("-", 1)[1] if "-" in semver else ""
    env = dict(kwargs.get("env", {}))
    per_platform = [k for attrs in platform.values() for k in attrs.get("env", {})]
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
        if k not in env and k not in per_platform:
            env[k] = v
    kwargs["env"] = env

def _is_run(name):
    """reindeer's build-script runs: `<crate>-build-script-run`, or
    `<crate>-build-script-main-run` for a `build = "build/main.rs"` (the
    build target's name, `build-script-main`, plus `-run`)."""
    return name.endswith("-run") and "-build-script-" in name

def _run_named_in(values):
    """The build-script run a `$(location :<run>[...])` among `values` names."""
    for v in values:
        if type(v) != "string":
            continue
        for part in v.split("[")[:-1]:
            start = part.rfind(":")
            if start >= 0 and _is_run(part[start + 1:]):
                return part[start + 1:]
    return None

def _run_of(attrs):
    return _run_named_in(list(attrs.get("rustc_flags", [])) + list(attrs.get("env", {}).values()))

def _deps_target(run):
    """`foo-1.0-build-script-run` -> `foo-1.0-build-script-deps`."""
    return run.removesuffix("-run") + "-deps"

def _wire_buildscript(name, platform, kwargs, forward):
    """Find the crate's build-script run (in every platform's attrs too);
    forward it (libraries), and return it (None: the crate has none)."""
    run = _run_of(kwargs)
    if run and forward:
        kwargs["buildscript_run"] = ":" + run
    for plat, attrs in platform.items():
        plat_run = _run_of(attrs)
        if plat_run and not run:
            run = plat_run
            if forward:
                platform[plat] = dict(attrs, buildscript_run = ":" + plat_run)
    return run

def _third_party(name, platform, kwargs, forward_buildscript):
    platform = dict(platform)
    run = _wire_buildscript(name, platform, kwargs, forward_buildscript)
    _cargo_env(name, kwargs, platform)
    _package_files(kwargs)
    kwargs = apply_platform_attrs(platform, kwargs)
    _check_supported(name, kwargs)
    # Third-party code: lints off, as cargo does for registry crates.
    kwargs["rustc_flags"] = ["--cap-lints=allow"] + kwargs.get("rustc_flags", [])
    if run and not rule_exists(_deps_target(run)):
        # A package's library and binaries share one run: the first declared
        # (reindeer: the library) gives its deps, as cargo's lib deps do.
        rust_v0_buildscript_deps(
            name = _deps_target(run),
            deps = kwargs.get("deps", []),
            named_deps = kwargs.get("named_deps", {}),
            visibility = [],
        )
    return kwargs

def _cargo_rust_library(name, platform = {}, **kwargs):
    rust_v0_library(name = name, **_third_party(name, platform, kwargs, True))

def _cargo_rust_binary(name, platform = {}, **kwargs):
    kwargs = _third_party(name, platform, kwargs, False)
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
        # The crate's deps (their `links` metadata becomes DEP_*); by default
        # the `<crate>-build-script-deps` that the crate's macro makes.
        crate_deps = None,
        **kwargs):
    """reindeer's `buildscript_genrule`: `<crate>-build-script-run`."""
    kwargs = apply_platform_attrs(platform, kwargs)
    kwargs.pop("licenses", None)
    filegroup = None
    if manifest_dir == None:
        local_manifest_dir = local_manifest_dir or "vendor/{}-{}".format(package_name, version)
        prefix = local_manifest_dir + "/"
        filegroup = {path.removeprefix(prefix): path for path in glob([prefix + "**"])}
    if crate_deps == None:
        if not _is_run(name):
            fail("{}: a build-script run not named `<crate>-build-script[-<name>]-run` needs `crate_deps` (the crate's deps, for their `links` metadata)".format(name))
        crate_deps = [":" + _deps_target(name)]
    rust_v0_buildscript_run(
        name = name,
        buildscript = buildscript_rule,
        dep_metadata = crate_deps,
        package_name = package_name,
        version = version,
        filegroup_for_manifest_dir = filegroup,
        manifest_dir = manifest_dir,
        target_compatible_with = buildscript_compatible_with or [],
        **kwargs
    )
