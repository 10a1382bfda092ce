"""`rlib-v0 buildscript-run`: run a crate's build script as cargo would.

Buck2 rules (prelude_ext/cargo.bzl's `buildscript_run`) call this with the
build-script program and what cargo would know; it sets the environment
cargo gives build scripts, runs the program in a fresh OUT_DIR, and turns
its `cargo:` / `cargo::` instructions into a rustc argument file for the
crate's compile (`@FILE`):

    rustc-cfg=X              --cfg=X
    rustc-check-cfg=X        --check-cfg=X
    rustc-link-lib=[K=]N     -l K=N      (rlib-v0 rustc keeps static ones out of the rlib
                                          and records them; rlib-v0 link adds them)
    rustc-link-search=[K=]P  -L K=P      (paths below the working directory made relative)
    rustc-env=K=V            --rlib-v0-env=K=V   (set in rustc's environment by rlib-v0 rustc)
    rustc-flags=...          its -l / -L flags
    warning=...              printed
    error=...                the run fails with the message, as in cargo
    metadata=K=V, or any     DEP_<LINKS>_<K>=V for the build scripts of the crates
      other `cargo:K=V`      depending on this one (`--metadata-out`, when the
                             package has `links`; buildscript_links.py)
    rerun-if-*               ignored (Buck2 reruns on input changes)
    rustc-link-arg*          ignored: cargo gives them to the package's own binaries,
                             tests and cdylibs, never to a library's dependents

Everything cargo sets that a build script may read is set: CARGO_MANIFEST_DIR,
CARGO_PKG_NAME/VERSION(_MAJOR/_MINOR/_PATCH/_PRE), CARGO_FEATURE_*, from the
package's Cargo.toml CARGO_MANIFEST_PATH, CARGO_MANIFEST_LINKS and the other
CARGO_PKG_* (authors, description, ...), DEP_* of the dependencies,
CARGO_CFG_* (from `rustc --print cfg --target TARGET` with the crate's flags),
OUT_DIR, TARGET, HOST (rustc's host: the machine the script runs on), RUSTC,
OPT_LEVEL, DEBUG, PROFILE, NUM_JOBS, CARGO_ENCODED_RUSTFLAGS — so no per-crate
fixup is needed for them. And the target's C/C++ tools, when given
(`--cc`, ...), as the `cc` crate reads them: CC_<target>, CXX_<target>,
AR_<target>, CFLAGS_<target>, CXXFLAGS_<target> (the triple with `_`), and the
same as TARGET_CC, ... for scripts that read those.
"""

from __future__ import annotations

import os
import sys

from .errors import UserError

from .rustc_args import ENV_FLAG, ROOT_TOKEN


def cfg_env(cfg_lines: list[str]) -> dict[str, str]:
    """`rustc --print cfg` lines -> cargo's CARGO_CFG_* variables (values of a
    key joined by commas; a bare name gives an empty value)."""
    values: dict[str, list[str]] = {}
    for line in cfg_lines:
        line = line.strip()
        if not line:
            continue
        key, eq, value = line.partition("=")
        var = "CARGO_CFG_" + key.upper().replace("-", "_")
        vals = values.setdefault(var, [])
        if eq:
            vals.append(value.strip().strip('"'))
    return {k: ",".join(v) for k, v in values.items()}


def package_env(name: str, version: str) -> dict[str, str]:
    # `2.1.3+zstd.1.5.7`: build metadata stays in the version, not in its parts.
    core, _, pre = version.partition("+")[0].partition("-")
    parts = (core.split(".") + ["0", "0", "0"])[:3]
    return {
        "CARGO_PKG_NAME": name,
        "CARGO_PKG_VERSION": version,
        "CARGO_PKG_VERSION_MAJOR": parts[0],
        "CARGO_PKG_VERSION_MINOR": parts[1],
        "CARGO_PKG_VERSION_PATCH": parts[2],
        "CARGO_PKG_VERSION_PRE": pre,
        "CARGO_CRATE_NAME": name.replace("-", "_"),
    }


def feature_env(features: list[str]) -> dict[str, str]:
    return {"CARGO_FEATURE_" + f.upper().replace("-", "_"): "1" for f in features}


# The target's C/C++ tools (`--cc`, ...) and the variables each sets.
C_TOOLS = ("CC", "CXX", "AR", "CFLAGS", "CXXFLAGS")
_PROGRAMS = ("CC", "CXX", "AR")


def c_tool_env(target: str, tools: dict[str, str], cwd: str) -> dict[str, str]:
    """`{"CC": "aarch64-linux-gnu-gcc", ...}` -> CC_aarch64_unknown_linux_gnu
    and TARGET_CC, ... A program given by a relative path (a tool the build
    declares) is made absolute: the script runs in the crate's directory.
    The flags start with `-ffile-prefix-map=CWD=.`, as `rlib-v0 rustc` remaps
    for rustc: what the script compiles names no checkout or worker
    directory (debug info, `__FILE__`), so outputs are the same everywhere."""
    suffix = target.replace("-", "_")
    env: dict[str, str] = {}
    for name, value in tools.items():
        if name in _PROGRAMS:
            value = " ".join(_absolute(word, cwd) for word in value.split())
        elif not any(c.isspace() for c in cwd):  # flags are split on whitespace
            value = f"-ffile-prefix-map={cwd}=. {value}".rstrip()
        env[f"{name}_{suffix}"] = value
        env[f"TARGET_{name}"] = value
    return env


def _absolute(word: str, cwd: str) -> str:
    if "/" in word and not os.path.isabs(word) and not word.startswith("-") and os.path.exists(os.path.join(cwd, word)):
        return os.path.join(cwd, word)
    return word


def opt_level(rustc_flags: list[str]) -> str:
    level = "0"
    for i, f in enumerate(rustc_flags):
        v = f[len("-Copt-level=") :] if f.startswith("-Copt-level=") else (rustc_flags[i + 1][len("opt-level=") :] if f == "-C" and i + 1 < len(rustc_flags) and rustc_flags[i + 1].startswith("opt-level=") else None)
        if v is not None:
            level = v
    return level


# `cargo:KEY=...` keys that are instructions; any other single-colon key is
# metadata (cargo's rule), and an unknown `cargo::KEY` an error.
_INSTRUCTIONS = frozenset(
    (
        "rustc-cfg", "rustc-check-cfg", "rustc-link-lib", "rustc-link-search", "rustc-env", "rustc-flags",
        "warning", "error", "metadata", "rerun-if-changed", "rerun-if-env-changed",
        "rustc-link-arg", "rustc-link-arg-bin", "rustc-link-arg-bins", "rustc-link-arg-tests",
        "rustc-link-arg-examples", "rustc-link-arg-benches", "rustc-link-arg-cdylib", "rustc-cdylib-link-arg",
    )
)


class Output:
    """A build script's stdout, read as cargo reads it."""

    __slots__ = ("args", "warnings", "errors", "metadata")

    def __init__(self) -> None:
        self.args: list[str] = []  # rustc arguments for the crate's compile
        self.warnings: list[str] = []  # `cargo:warning=` messages, printed
        self.errors: list[str] = []  # `cargo::error=` messages: the run fails
        self.metadata: list[tuple[str, str]] = []  # (KEY, VALUE): DEP_<LINKS>_<KEY> for dependents


def translate(lines: list[str], cwd: str) -> Output:
    """The crate's rustc arguments, warnings, errors and metadata from a build script's stdout."""
    out = Output()
    args = out.args
    for line in lines:
        if line.startswith("cargo::"):
            body, new_syntax = line[len("cargo::") :], True
        elif line.startswith("cargo:"):
            body, new_syntax = line[len("cargo:") :], False
        else:
            continue
        key, eq, value = body.partition("=")
        if not eq:
            continue
        if key not in _INSTRUCTIONS:
            if new_syntax:
                out.errors.append(f"unknown build-script instruction `cargo::{key}` (line {line!r})")
            else:
                out.metadata.append((key, value))
        elif key == "metadata":
            mkey, meq, mvalue = value.partition("=")
            if not meq:
                out.errors.append(f"`cargo::metadata={value}`: expected KEY=VALUE")
            else:
                out.metadata.append((mkey, mvalue))
        elif key == "rustc-cfg":
            args.append(f"--cfg={value}")
        elif key == "rustc-check-cfg":
            args.append(f"--check-cfg={value}")
        elif key == "rustc-link-lib":
            args += ["-l", value]
        elif key == "rustc-link-search":
            args += ["-L", _relative_search(value, cwd)]
        elif key == "rustc-env":
            # An OUT_DIR file by absolute path (mime_guess's
            # MIME_TYPES_GENERATED_PATH for `include!`): below the working
            # directory, written relative to ROOT_TOKEN (rustc_args.env_value).
            args.append(ENV_FLAG + value.replace(cwd.rstrip("/") + "/", ROOT_TOKEN + "/"))
        elif key == "rustc-flags":
            parts = value.split()
            i = 0
            while i < len(parts):
                p = parts[i]
                if p in ("-l", "-L") and i + 1 < len(parts):
                    args += [p, parts[i + 1] if p == "-l" else _relative_search(parts[i + 1], cwd)]
                    i += 2
                    continue
                if p.startswith("-l") and len(p) > 2:
                    args += ["-l", p[2:]]
                elif p.startswith("-L") and len(p) > 2:
                    args += ["-L", _relative_search(p[2:], cwd)]
                i += 1
        elif key == "warning":
            out.warnings.append(value)
        elif key == "error":
            out.errors.append(value)
    return out


def _relative_search(value: str, cwd: str) -> str:
    """`[KIND=]PATH`, PATH made relative when it lies below `cwd` (Buck2 runs
    every action from the project root: relative paths stay valid there)."""
    kind, eq, path = value.partition("=")
    if not eq or kind not in ("native", "crate", "dependency", "framework", "all"):
        kind, path = "", value
    if os.path.isabs(path):
        rel = os.path.relpath(path, cwd)
        if not rel.startswith(".."):
            path = rel
    return f"{kind}={path}" if kind else path


def run(buildscript: str, manifest_dir: str, out_dir: str, flags_out: str, package: str, version: str, features: list[str], env: list[str], rustc: str, target: str | None, rustc_flags: list[str], c_tools: dict[str, str] | None = None, metadata_out: str | None = None, dep_metadata: tuple[str, ...] = ()) -> int:
    from . import toolchain
    from .buildscript_links import metadata_lines, read_dep_metadata, read_manifest
    from .proc import capture_stdout, finish_capture

    cwd = os.getcwd()
    manifest = read_manifest(manifest_dir)
    exe = toolchain.find_rustc(rustc)
    info = toolchain.rustc_info(exe)
    target = target or info.host
    pid, fd = capture_stdout([exe, "--print", "cfg", "--target", target, *rustc_flags])
    code, cfg_out = finish_capture(pid, fd)
    if code != 0:
        raise UserError(f"{exe}: `rustc --print cfg --target {target}` failed (exit {code})")
    os.makedirs(out_dir, exist_ok=True)
    child_env = dict(os.environ)
    child_env.update(manifest.env)
    child_env.update(package_env(package, version))
    child_env.update(feature_env(features))
    child_env.update(cfg_env(cfg_out.decode("utf-8", "replace").splitlines()))
    child_env.update(read_dep_metadata(list(dep_metadata), cwd))
    child_env.update(c_tool_env(target, c_tools or {}, cwd))
    level = opt_level(rustc_flags)
    child_env.update(
        {
            "CARGO": "/bin/false",
            "CARGO_MANIFEST_DIR": os.path.abspath(manifest_dir),
            "OUT_DIR": os.path.abspath(out_dir),
            "TARGET": target,
            "HOST": info.host,
            "RUSTC": exe,
            "OPT_LEVEL": level,
            "DEBUG": "false" if level in ("2", "3") else "true",
            "PROFILE": "release" if level in ("2", "3", "s", "z") else "debug",
            "NUM_JOBS": str(os.cpu_count() or 1),
            "CARGO_ENCODED_RUSTFLAGS": "\x1f".join(rustc_flags),
            "RUST_BACKTRACE": "1",
        }
    )
    for kv in env:
        k, eq, v = kv.partition("=")
        if not eq:
            raise UserError(f"--env {kv}: expected NAME=VALUE")
        child_env[k] = v
    script = os.path.abspath(buildscript)
    import subprocess

    try:
        # cargo runs a build script from the package's directory (psm's
        # assembles `src/arch/x86_64.s` by that relative path).
        proc = subprocess.run([script], cwd=manifest_dir, env=child_env, stdout=subprocess.PIPE)
    except OSError as e:
        raise UserError(f"{buildscript}: cannot run the build script ({e.strerror})") from None
    code = proc.returncode
    text = proc.stdout.decode("utf-8", "replace")
    if code != 0:
        sys.stderr.write(text)
        raise UserError(f"build script of {package} {version} ({buildscript}) failed (exit {code})")
    out = translate(text.splitlines(), cwd)
    for wmsg in out.warnings:
        print(f"warning: {package}@{version}: {wmsg}", file=sys.stderr)
    if out.errors:
        for emsg in out.errors[:-1]:
            print(f"error: {package}@{version}: {emsg}", file=sys.stderr)
        raise UserError(f"build script of {package} {version} ({buildscript}) reported an error: {out.errors[-1]}")
    from .outputs import replace_file

    if metadata_out is not None:
        # Only a package with `links` passes metadata on (cargo's rule); the
        # file exists either way, for Buck2.
        lines = metadata_lines(manifest.links, out.metadata, cwd) if manifest.links else []
        replace_file(metadata_out, "".join(ln + "\n" for ln in lines).encode(), what="the build-script metadata")
    replace_file(flags_out, "".join(a + "\n" for a in out.args).encode(), what="the rustc flags")
    return 0
