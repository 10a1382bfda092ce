"""Understanding and rewriting a rustc command line (pure functions).

We only need a handful of options: where the rlib goes, the crate's name and
metadata, its `--extern` dependencies, the target and the codegen options that
decide whether two crates were "built in a compatible manner".
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

from .errors import UserError

# `-C` options that name paths or only affect diagnostics/the driver's link step:
# not part of a crate's identity.
_NOT_IDENTITY = {"metadata", "extra-filename", "incremental", "linker", "link-arg", "link-args", "remark", "save-temps", "linker-flavor", "link-self-contained", "link-dead-code", "rpath", "prefer-dynamic"}


@dataclass
class Extern:
    name: str  # the name the crate uses
    path: str | None  # the file given, None for `--extern name` (sysroot crates)


@dataclass
class RustcArgs:
    args: list[str]  # the arguments, @files expanded
    crate_name: str | None = None
    crate_types: list[str] = field(default_factory=list)
    output: str | None = None  # `-o`
    out_dir: str | None = None  # `--out-dir`
    emit: list[tuple[str, str | None]] = field(default_factory=list)  # (kind, path)
    externs: list[Extern] = field(default_factory=list)
    codegen: dict[str, str] = field(default_factory=dict)  # every `-C k=v`
    target: str | None = None
    source: str | None = None
    native_libs: list[str] = field(default_factory=list)  # `-l` flags as linker args
    remaps: list[str] = field(default_factory=list)  # `--remap-path-prefix` values

    @property
    def metadata(self) -> str:
        return self.codegen.get("metadata", "")

    @property
    def panic(self) -> str:
        return self.codegen.get("panic", "unwind")

    def identity_codegen(self) -> dict[str, str]:
        return {k: v for k, v in sorted(self.codegen.items()) if k not in _NOT_IDENTITY and k != "panic"}


def expand_argfiles(args: list[str], depth: int = 0) -> list[str]:
    """rustc's `@path` files hold one argument per line."""
    out: list[str] = []
    for a in args:
        if a.startswith("@") and len(a) > 1 and depth < 8:
            try:
                with open(a[1:], encoding="utf-8") as f:
                    lines = f.read().splitlines()
            except OSError as e:
                raise UserError(f"{a[1:]}: cannot read rustc argument file ({e.strerror})") from None
            out.extend(expand_argfiles(lines, depth + 1))
        else:
            out.append(a)
    return out


# Options that take a value as the next argument (or after `=`).
_WITH_VALUE = {"--crate-name", "--crate-type", "-o", "--out-dir", "--emit", "--extern", "-C", "--codegen", "--target", "--edition", "--cfg", "-L", "-l", "--cap-lints", "--remap-path-prefix", "--error-format", "--json", "--print", "-A", "-W", "-D", "-F", "--allow", "--warn", "--deny", "--forbid", "--force-warn", "--explain", "--check-cfg", "--sysroot", "--color", "--diagnostic-width", "-Z", "--env-set"}


def parse(raw: list[str]) -> RustcArgs:
    args = expand_argfiles(raw)
    r = RustcArgs(args=args)
    i = 0
    while i < len(args):
        a = args[i]
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
            m = re.match(r"^(?:[a-z-]+(?:,[a-z-]+)*:)?([A-Za-z_][A-Za-z0-9_]*)(?:=(.*))?$", spec)
            if not m:
                raise UserError(f"cannot parse --extern {spec}")
            r.externs.append(Extern(m.group(1), m.group(2)))
        elif opt in ("-C", "--codegen"):
            k, _, v = val.partition("=")
            r.codegen[k] = v if k != "metadata" or k not in r.codegen else r.codegen[k] + "," + v
        elif opt == "--target":
            r.target = val
        elif opt == "-l":
            r.native_libs.append(_native_lib_arg(val))
        elif opt == "--remap-path-prefix":
            r.remaps.append(val)
        elif opt in _WITH_VALUE:
            pass
        elif not a.startswith("-") and r.source is None:
            r.source = a
    if r.crate_name is None and r.source:
        r.crate_name = re.sub(r"[^A-Za-z0-9_]", "_", os.path.splitext(os.path.basename(r.source))[0])
    return r


def _native_lib_arg(spec: str) -> str:
    kind, _, name = spec.rpartition("=")
    kind = kind.split(":")[0]
    name = name.split(":")[-1]
    if kind == "framework":
        return f"-framework {name}"
    return f"-l{name}"


def output_path(r: RustcArgs) -> str:
    """Where rustc itself would put the rlib."""
    for kind, path in r.emit:
        if kind == "link" and path:
            return path
    if r.output:
        return r.output
    extra = r.codegen.get("extra-filename", "")
    return os.path.join(r.out_dir or ".", f"lib{r.crate_name}{extra}.rlib")


def rewrite_for_temp(r: RustcArgs, final: str, tmp_rlib: str, cwd: str) -> list[str]:
    """Arguments that make rustc write the rlib to `tmp_rlib` instead of `final`.

    Other `--emit` kinds keep rustc's default places next to `final`, given
    explicitly because `-o` no longer names them.
    """
    out: list[str] = []
    args = r.args
    i = 0
    while i < len(args):
        a = args[i]
        if a in ("-o", "--emit", "--out-dir"):
            i += 2
            continue
        if a.startswith(("--emit=", "--out-dir=")) or (a.startswith("-o") and not a.startswith("--") and len(a) > 2):
            i += 1
            continue
        out.append(a)
        i += 1
    base = meta_base = os.path.splitext(final)[0]
    if not r.output:
        # Without `-o`, rustc names the other outputs after the crate, and only
        # the metadata gets the `lib` prefix: `a-HASH.d` beside `liba-HASH.rmeta`
        # (cargo looks for exactly these names).
        stem = f"{r.crate_name}{r.codegen.get('extra-filename', '')}"
        base = os.path.join(r.out_dir or ".", stem)
        meta_base = os.path.join(r.out_dir or ".", "lib" + stem)
    emits = [f"link={tmp_rlib}"]
    defaults = {"metadata": meta_base + ".rmeta", "dep-info": base + ".d", "llvm-ir": base + ".ll", "asm": base + ".s", "obj": base + ".o", "llvm-bc": base + ".bc", "mir": base + ".mir"}
    for kind, path in r.emit:
        if kind == "link":
            continue
        emits.append(f"{kind}={path or defaults.get(kind, base + '.' + kind)}")
    out.append("--emit=" + ",".join(emits))
    if not any(x.split("=", 1)[0] in (cwd, cwd.rstrip("/")) for x in r.remaps):
        # rustc embeds the absolute working directory in lib.rmeta.
        out.append(f"--remap-path-prefix={cwd}=.")
    if not r.crate_types:
        out.append("--crate-type=rlib")
    return out
