"""Understanding and rewriting a rustc command line (pure functions).

We only need a handful of options: where the rlib goes, the crate's name and
metadata, its `--extern` dependencies, the target and the codegen options that
decide whether two crates were "built in a compatible manner".
"""

from __future__ import annotations

import os
from ..records import Record

from ..errors import UserError

# `-C` options that name paths or only affect diagnostics/the driver's link step:
# not part of a crate's identity.
_NOT_IDENTITY = {"metadata", "extra-filename", "incremental", "linker", "link-arg", "link-args", "remark", "save-temps", "linker-flavor", "link-self-contained", "link-dead-code", "rpath", "prefer-dynamic"}


class Extern(Record):
    __slots__ = ("name", "path")

    def __init__(self, name: str, path: str | None) -> None:
        self.name = name  # the name the crate uses
        self.path = path  # the file given, None for `--extern name` (sysroot crates)


class NativeLib(Record):
    """One `-l [KIND[:MODIFIERS]=]NAME[:RENAME]` (what rustc links for the crate)."""

    __slots__ = ("kind", "modifiers", "name", "arg_index", "value_index")

    def __init__(self, kind: str, modifiers: list[str], name: str, arg_index: int, value_index: int) -> None:
        self.kind = kind  # "static", "dylib", "framework", "link-arg"; "" when not given (rustc: dylib)
        self.modifiers = modifiers  # e.g. ["+whole-archive", "-bundle"], as given
        self.name = name  # the library name (after `:RENAME`, the name linked)
        self.arg_index = arg_index  # position of the `-l` (or `-lNAME`) argument in `args`
        self.value_index = value_index  # position of its value (== arg_index for `-lNAME`)

    def modifier(self, name: str) -> bool | None:
        """True for `+name`, False for `-name`, None when not given."""
        for m in self.modifiers:
            if m[1:] == name:
                return m[0] == "+"
        return None

    @property
    def bundles(self) -> bool:
        """rustc would copy this library's objects into the rlib."""
        return self.kind == "static" and self.modifier("bundle") is not False


class RustcArgs(Record):
    __slots__ = ("args", "crate_name", "crate_types", "output", "out_dir", "emit", "externs", "codegen", "target", "source", "native_libs", "libs", "search", "error_format", "prints", "test", "env", "remaps", "unstable")

    def __init__(self, args: list[str]) -> None:
        self.args = args  # the arguments, @files expanded
        self.crate_name: str | None = None
        self.crate_types: list[str] = []
        self.output: str | None = None  # `-o`
        self.out_dir: str | None = None  # `--out-dir`
        self.emit: list[tuple[str, str | None]] = []  # (kind, path)
        self.externs: list[Extern] = []
        self.codegen: dict[str, str] = {}  # every `-C k=v`
        self.target: str | None = None
        self.source: str | None = None
        self.native_libs: list[str] = []  # `-l` flags as linker args
        self.libs: list[NativeLib] = []  # the same `-l` flags, parsed
        self.search: list[tuple[str, str]] = []  # `-L [KIND=]DIR` as (kind, dir); kind "all" when not given
        self.error_format: str | None = None  # `--error-format`
        self.prints: list[str] = []  # `--print` requests (no compile output then)
        self.test = False  # `--test`: a test harness binary, not a library
        self.env: list[tuple[str, str]] = []  # `--rlib-v0-env=K=V`: set in rustc's environment (build scripts' rustc-env)
        self.remaps: list[str] = []  # `--remap-path-prefix` values
        self.unstable: list[str] = []  # `-Z` values (need RUSTC_BOOTSTRAP on stable)

    @property
    def metadata(self) -> str:
        return self.codegen.get("metadata", "")

    @property
    def panic(self) -> str:
        return self.codegen.get("panic", "unwind")

    @property
    def no_codegen(self) -> bool:
        """`-Zno-codegen`: rustc writes an rlib holding only the metadata (a
        build system's pipelining step; Buck2's prelude calls it a "hollow
        rlib"): dependents compile against it, no link may use it."""
        on = False
        for v in self.unstable:
            k, eq, val = v.partition("=")
            if k == "no-codegen":
                on = not eq or val in ("y", "yes", "on", "true")
        return on

    @property
    def linker_plugin_lto(self) -> bool:
        """`-C linker-plugin-lto[=VALUE]` (the last one): rustc then puts LLVM
        bitcode in the rlib, not object code.  On unless VALUE says no; any
        other value names the plugin, and is on too."""
        v = self.codegen.get("linker-plugin-lto")
        return v is not None and v not in ("n", "no", "off", "false")

    def identity_codegen(self) -> dict[str, str]:
        return {k: v for k, v in sorted(self.codegen.items()) if k not in _NOT_IDENTITY and k != "panic"}


def expand_argfiles(args: list[str]) -> list[str]:
    """rustc's `@path` files hold one argument per line, taken literally: an
    `@` inside an argument file is not expanded again (as rustc does, and so
    no file can expand without bound)."""
    out: list[str] = []
    for a in args:
        if a.startswith("@") and len(a) > 1:
            path = a[1:]
            try:
                with open(path, "rb") as f:
                    raw = f.read()
            except OSError as e:
                raise UserError(f"{path}: cannot read rustc argument file ({e.strerror})") from None
            except ValueError:  # a NUL byte in the path
                raise UserError(f"{path!r}: not a valid argument file path") from None
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                # rustc itself requires UTF-8 argument files.
                raise UserError(f"{path}: rustc argument file is not UTF-8") from None
            out.extend(text.splitlines())
        else:
            out.append(a)
    return out


# Options that take a value as the next argument (or after `=`).
_WITH_VALUE = {"--crate-name", "--crate-type", "-o", "--out-dir", "--emit", "--extern", "-C", "--codegen", "--target", "--edition", "--cfg", "-L", "-l", "--cap-lints", "--remap-path-prefix", "--error-format", "--json", "--print", "-A", "-W", "-D", "-F", "--allow", "--warn", "--deny", "--forbid", "--force-warn", "--explain", "--check-cfg", "--sysroot", "--color", "--diagnostic-width", "-Z", "--env-set"}


def parse(raw: list[str]) -> RustcArgs:
    args = expand_argfiles(raw)
    r = RustcArgs(args)
    i = 0
    while i < len(args):
        a = args[i]
        start = i
        if a.startswith(ENV_FLAG):
            k, eq, v = a[len(ENV_FLAG) :].partition("=")
            if not eq or not k:
                raise UserError(f"{a}: expected {ENV_FLAG}NAME=VALUE")
            r.env.append((k, v))
            i += 1
            continue
        opt, val = a, None
        if a.startswith("--") and "=" in a:
            opt, val = a.split("=", 1)
        elif len(a) > 2 and a[:2] in ("-C", "-o", "-L", "-l", "-Z", "-A", "-W", "-D", "-F") and not a.startswith("--"):
            opt, val = a[:2], a[2:]
        if opt in _WITH_VALUE and val is None:
            if i + 1 >= len(args):
                raise UserError(f"rustc argument {a} needs a value")
            val = args[i + 1]
            i += 1
        i += 1
        if opt == "--crate-name":
            r.crate_name = val
        elif opt == "--crate-type":
            r.crate_types += [t for t in val.split(",") if t]
        elif opt == "-o":
            r.output = val
        elif opt == "--out-dir":
            r.out_dir = val
        elif opt == "--emit":
            for part in val.split(","):
                k, _, p = part.partition("=")
                r.emit.append((k, p or None))
        elif opt == "--extern":
            spec = val
            # `priv:`, `noprelude:`, `force:` options come before the name.
            r.externs.append(_extern(spec))
        elif opt in ("-C", "--codegen"):
            k, _, v = val.partition("=")
            r.codegen[k] = v if k != "metadata" or k not in r.codegen else r.codegen[k] + "," + v
        elif opt == "--target":
            r.target = val
        elif opt == "-l":
            r.native_libs.append(_native_lib_arg(val))
            r.libs.append(_native_lib(val, start, i - 1))
        elif opt == "-L":
            kind, eq, d = val.partition("=")
            r.search.append((kind, d) if eq and kind in ("native", "crate", "dependency", "framework", "all") else ("all", val))
        elif opt == "--error-format":
            r.error_format = val
        elif opt == "--print":
            r.prints.append(val)
        elif opt == "--remap-path-prefix":
            r.remaps.append(val)
        elif opt == "-Z":
            r.unstable.append(val)
        elif opt == "--test":
            r.test = True
        elif opt in _WITH_VALUE:
            pass
        elif not a.startswith("-") and r.source is None:
            r.source = a
    if r.crate_name is None and r.source:
        stem = os.path.splitext(os.path.basename(r.source))[0]
        r.crate_name = "".join(c if (c.isascii() and c.isalnum()) or c == "_" else "_" for c in stem)
    return r


def _native_lib_arg(spec: str) -> str:
    kind, _, name = spec.rpartition("=")
    kind = kind.split(":")[0]
    name = name.split(":")[-1]
    if kind == "framework":
        return f"-framework {name}"
    return f"-l{name}"


_OPT_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz-")


def _is_ident(name: str) -> bool:
    return bool(name) and name.isascii() and (name[0].isalpha() or name[0] == "_") and name.replace("_", "a").isalnum()


def _extern(spec: str) -> Extern:
    r"""`[OPTS:]NAME[=PATH]`, OPTS being `priv`, `noprelude`, `force`, ... comma-separated.

    (What the regex `^(?:[a-z-]+(?:,[a-z-]+)*:)?([A-Za-z_]\w*)(?:=(.*))?$`
    says, without importing `re` on every compile.)"""
    head, eq, path = spec.partition("=")
    opts, colon, name = head.rpartition(":")
    if colon and not all(o and set(o) <= _OPT_CHARS for o in opts.split(",")):
        raise UserError(f"cannot parse --extern {spec}")
    if not _is_ident(name):
        raise UserError(f"cannot parse --extern {spec}")
    return Extern(name, path if eq else None)


# Ours, not rustc's: an environment variable for rustc (what a build script's
# `cargo:rustc-env=K=V` asks for; `env!()` reads it), given in the argument
# file `rlib-v0 buildscript-run` writes.  Removed before rustc sees the line.
ENV_FLAG = "--rlib-v0-env="
# Stands for the working directory in what `rlib-v0 buildscript-run` writes
# (such a `rustc-env` value, `links` metadata): a build script names files in
# its OUT_DIR by absolute path, which is valid only where it ran (a remote
# worker's directory); the file stays the same wherever it ran, and the path
# is made absolute again where it is used.
ROOT_TOKEN = "@RLIB_V0_ROOT@"


def env_value(value: str, cwd: str) -> str:
    """A `--rlib-v0-env=` value with ROOT_TOKEN made the working directory."""
    return value.replace(ROOT_TOKEN, cwd) if ROOT_TOKEN in value else value


def absolutize_cargo_dirs(environ: dict) -> None:  # os.environ or a dict
    """OUT_DIR and CARGO_MANIFEST_DIR as absolute paths: crates use them in
    `include!(concat!(env!("OUT_DIR"), "/x.rs"))`, which rustc resolves
    against the *including file's* directory when relative.  Buck2 gives
    them relative to the project root (its actions' working directory)."""
    for k in ("OUT_DIR", "CARGO_MANIFEST_DIR"):
        v = environ.get(k)
        if v and not os.path.isabs(v):
            environ[k] = os.path.abspath(v)


def without_env_flags(args: list[str]) -> list[str]:
    return [a for a in args if not a.startswith(ENV_FLAG)]


def _native_lib(spec: str, arg_index: int, value_index: int) -> NativeLib:
    head, eq, name = spec.partition("=")
    if not eq:
        head, name = "", spec
    kind, _, mods = head.partition(":")
    name = name.split(":")[-1]
    return NativeLib(kind, [m for m in mods.split(",") if m], name, arg_index, value_index)


def unbundled_lib_value(lib: NativeLib) -> str:
    """The `-l` value that links `lib` without bundling it: `static:-bundle,...=NAME`.

    `NAME:RENAME` forms keep working because only the kind part changes."""
    mods = [m for m in lib.modifiers if m[1:] != "bundle"] + ["-bundle"]
    return f"static:{','.join(mods)}={lib.name}"


def output_path(r: RustcArgs) -> str:
    """Where rustc itself would put the rlib."""
    for kind, path in r.emit:
        if kind == "link" and path:
            return path
    if r.output:
        return r.output
    extra = r.codegen.get("extra-filename", "")
    return os.path.join(r.out_dir or ".", f"lib{r.crate_name}{extra}.rlib")


def libs_named_in_source(r: RustcArgs, limit: int = 4000) -> set[str]:
    """Static libraries among `r`'s bundling `-l` that the crate's own source
    names in a `#[link(name = "...")]` (a textual scan of the .rs files
    below the crate root's directory, only when there are such `-l`).

    rustc refuses to change such a library's linking modifiers from the
    command line ("overriding linking modifiers from command line is not
    supported": psm's `#[link(name = "psm_s")]`), so these get no `-l` at
    all: the attribute keeps rustc's own links right, and the marker still
    records the library for `rlib-v0 link`."""
    wanted = {lib.name for lib in r.libs if lib.bundles}
    if not wanted or not r.source:
        return set()
    found: set[str] = set()
    root = os.path.dirname(os.path.abspath(r.source))
    seen = 0
    for d, dirs, files in os.walk(root):
        dirs.sort()
        for f in sorted(files):
            if not f.endswith(".rs"):
                continue
            seen += 1
            if seen > limit:
                return found
            try:
                with open(os.path.join(d, f), "rb") as fh:
                    text = fh.read()
            except OSError:
                continue
            if b"link" not in text:
                continue
            compact = text.replace(b" ", b"").replace(b"\t", b"")
            for name in wanted - found:
                if b'link(name="' + name.encode() + b'"' in compact:
                    found.add(name)
    return found


def rewrite_for_temp(r: RustcArgs, final: str, tmp_rlib: str, cwd: str, remap: bool = True, drop_libs: set[str] = frozenset()) -> list[str]:
    """Arguments that make rustc write the rlib to `tmp_rlib` instead of `final`.

    Everything else keeps its final place: other `--emit` kinds are given
    explicitly (rustc's default names next to `final`, since `-o` no longer
    names them), and `--out-dir` becomes the temporary directory so that
    rustc's own intermediate files (objects, `-C save-temps`) stay inside
    it.  A bundling `-l static=NAME` becomes `-l static:-bundle=NAME`: v0
    rlibs keep native libraries separate (the marker records them).
    """
    out: list[str] = []
    args = r.args
    lib_values = {lib.value_index: lib for lib in r.libs if lib.bundles}
    dropped = {i for lib in r.libs if lib.bundles and lib.name in drop_libs for i in (lib.arg_index, lib.value_index)}
    i = 0
    while i < len(args):
        a = args[i]
        if a in ("-o", "--emit", "--out-dir"):
            i += 2
            continue
        if a.startswith(("--emit=", "--out-dir=")) or (a.startswith("-o") and not a.startswith("--") and len(a) > 2):
            i += 1
            continue
        if a.startswith(ENV_FLAG):
            i += 1
            continue
        if i in dropped:
            i += 1
            continue
        lib = lib_values.get(i)
        if lib is not None:
            new = unbundled_lib_value(lib)
            out.append(new if lib.value_index != lib.arg_index else "-l" + new)
            i += 1
            continue
        out.append(a)
        i += 1
    emits = [f"link={tmp_rlib}"] + [f"{kind}={emit_path(r, final, kind)}" for kind, _ in r.emit if kind != "link"]
    out.append("--emit=" + ",".join(emits))
    out += ["--out-dir", os.path.dirname(tmp_rlib) or "."]
    if remap and not any(x.split("=", 1)[0] in (cwd, cwd.rstrip("/")) for x in r.remaps):
        # rustc embeds the absolute working directory in lib.rmeta.
        out.append(f"--remap-path-prefix={cwd}=.")
    if not r.crate_types:
        out.append("--crate-type=rlib")
    return out


_EMIT_EXT = {"dep-info": ".d", "llvm-ir": ".ll", "asm": ".s", "obj": ".o", "llvm-bc": ".bc", "mir": ".mir", "metadata": ".rmeta"}


def emit_path(r: RustcArgs, final: str, kind: str) -> str:
    """Where rustc puts the `--emit` output `kind` (not `link`), `final` being the rlib's path."""
    for k, path in r.emit:
        if k == kind and path:
            return path
    ext = _EMIT_EXT.get(kind, "." + kind)
    if r.output:
        # With `-o`, every output is named after it: `out/x.d` beside `out/x.rlib`.
        return os.path.splitext(final)[0] + ext
    # Without `-o`, rustc names the other outputs after the crate, and only
    # the metadata gets the `lib` prefix: `a-HASH.d` beside `liba-HASH.rmeta`
    # (cargo looks for exactly these names).
    stem = f"{r.crate_name}{r.codegen.get('extra-filename', '')}"
    return os.path.join(r.out_dir or ".", ("lib" if kind == "metadata" else "") + stem + ext)


def metadata_path(r: RustcArgs, final: str) -> str | None:
    """Where the `.rmeta` goes when `--emit` asks for metadata, else None."""
    return emit_path(r, final, "metadata") if any(k == "metadata" for k, _ in r.emit) else None


def emits_link(r: RustcArgs) -> bool:
    """rustc's default `--emit` is `link`."""
    return not r.emit or any(k == "link" for k, _ in r.emit)
