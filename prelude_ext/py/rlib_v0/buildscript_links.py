"""What a build script learns from its package's Cargo.toml, and the `links`
metadata build scripts pass to each other (`DEP_<LINKS>_<KEY>`).

Cargo runs the build script of a package with `links = "openssl"` and turns
each `cargo:KEY=VALUE` it prints (that is no instruction; or `cargo::metadata=
KEY=VALUE`) into `DEP_OPENSSL_KEY=VALUE` for the build scripts of the packages
depending on it directly (openssl-sys's `cargo:version_number=30000000` is
what openssl's build script reads as DEP_OPENSSL_VERSION_NUMBER).  Here the
producer writes those variables to a metadata file (`--metadata-out`) and the
consumer reads every file of its crate's direct dependencies
(`--dep-metadata`); Buck2 connects the two (prelude_ext/cargo.bzl).

Values often name files the producer made (`DEP_Z_INCLUDE=<OUT_DIR>/include`):
absolute paths below the producer's working directory are written with
`ROOT_TOKEN` in its place and read back below the consumer's, so the file is
the same wherever the action ran (a remote worker's directory differs) and
the path valid where it is read.
"""

from __future__ import annotations

import os

from .errors import UserError
from .rustc_args import ROOT_TOKEN

# Cargo.toml fields -> the CARGO_PKG_* variables cargo derives from them.
_PKG_FIELDS = {
    "description": "CARGO_PKG_DESCRIPTION",
    "homepage": "CARGO_PKG_HOMEPAGE",
    "repository": "CARGO_PKG_REPOSITORY",
    "license": "CARGO_PKG_LICENSE",
    "license-file": "CARGO_PKG_LICENSE_FILE",
    "rust-version": "CARGO_PKG_RUST_VERSION",
    "readme": "CARGO_PKG_README",
}


def envify(name: str) -> str:
    """Cargo's spelling of a links name or metadata key in a variable name."""
    return name.upper().replace("-", "_")


class Manifest:
    """The parts of a package's Cargo.toml a build script's environment needs."""

    __slots__ = ("path", "links", "env")

    def __init__(self, path: str | None, links: str | None, env: dict[str, str]) -> None:
        self.path = path  # the Cargo.toml read (None: there is none)
        self.links = links  # `package.links`: the native library the package claims
        self.env = env  # CARGO_MANIFEST_PATH, CARGO_MANIFEST_LINKS, CARGO_PKG_AUTHORS, ...


def read_manifest(manifest_dir: str) -> Manifest:
    """The package's Cargo.toml, as cargo would report it to the build script;
    a directory without one (a hand-written rule) gives nothing."""
    path = os.path.join(manifest_dir, "Cargo.toml")
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except FileNotFoundError:
        return Manifest(None, None, {})
    except OSError as e:
        raise UserError(f"{path}: cannot read ({e.strerror})") from None
    import tomllib

    try:
        package = tomllib.loads(raw.decode("utf-8")).get("package", {})
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise UserError(f"{path}: not a valid Cargo.toml ({e})") from None
    if not isinstance(package, dict):
        raise UserError(f"{path}: `package` is not a table")
    env = {"CARGO_MANIFEST_PATH": os.path.abspath(path)}
    links = package.get("links")
    if links is not None:
        if not isinstance(links, str) or not links:
            raise UserError(f"{path}: `package.links` must be a non-empty string")
        env["CARGO_MANIFEST_LINKS"] = links
    authors = package.get("authors")
    if isinstance(authors, list):
        env["CARGO_PKG_AUTHORS"] = ":".join(a for a in authors if isinstance(a, str))
    for field, var in _PKG_FIELDS.items():
        value = package.get(field)
        if isinstance(value, str):  # a workspace-inherited table never reaches a vendored crate
            env[var] = value
    return Manifest(path, links, env)


def metadata_lines(links: str, metadata: list[tuple[str, str]], cwd: str) -> list[str]:
    """`DEP_<LINKS>_<KEY>=VALUE` lines, paths below `cwd` written relative to ROOT_TOKEN."""
    prefix = f"DEP_{envify(links)}_"
    root = cwd.rstrip("/") + "/"
    return [f"{prefix}{envify(key)}={value.replace(root, ROOT_TOKEN + '/')}" for key, value in metadata]


def read_dep_metadata(paths: list[str], cwd: str) -> dict[str, str]:
    """The variables of the dependencies' metadata files, paths made absolute
    below `cwd`.  Two dependencies giving one variable two values is an
    error (cargo refuses two packages with the same `links`)."""
    env: dict[str, str] = {}
    origin: dict[str, str] = {}
    root = cwd.rstrip("/") + "/"
    for path in paths:
        try:
            with open(path, encoding="utf-8") as f:
                text = f.read()
        except (OSError, UnicodeDecodeError) as e:
            raise UserError(f"{path}: cannot read the build-script metadata ({getattr(e, 'strerror', None) or e})") from None
        for n, line in enumerate(text.splitlines(), 1):
            name, eq, value = line.partition("=")
            if not eq or not name.startswith("DEP_"):
                raise UserError(f"{path}:{n}: not a DEP_<LINKS>_<KEY>=VALUE line: {line!r}")
            value = value.replace(ROOT_TOKEN + "/", root)
            if name in env and env[name] != value and origin[name] != path:
                raise UserError(f"{path}: {name} is also set by {origin[name]}: two dependencies claim the same `links`")
            env[name] = value
            origin[name] = path
    return env
