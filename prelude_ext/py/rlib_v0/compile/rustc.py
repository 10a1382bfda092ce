"""`rlib-v0 rustc`: compile a crate to a v0 rlib (what `-C rlib-version=v0` would do).

Takes any rustc command line that produces an rlib, as cargo, Buck2's
prelude and hand-written build systems write them, and changes only this:
- the rlib is written into a private temporary directory beside its final
  place (rustc's intermediate objects go there too); once rustc succeeded,
  the marker is stamped, the result checked as `verify` does, and only then
  renamed into place, so a failed compile or check leaves no rlib behind;
- every other output (`.rmeta`, `.d`, ...) goes exactly where rustc would
  put it; the `.rmeta` appears as early as rustc writes it (pipelining),
  next to a sidecar with the crate's identity written before rustc starts
  (see `sidecar`);
- `-l static=NAME` (which rustc would bundle into the rlib) becomes
  `-l static:-bundle=NAME`; the marker records the library and where it was
  found, and `rlib-v0 link` puts it after the crate;
- rustc's stderr is passed through line by line as it comes (cargo reads
  the JSON diagnostics and artifact notifications from it); notifications
  name the final paths, and the rlib's is released only once it is in place.
rustc inherits every other file descriptor (the jobserver that cargo and
make hand down) and the environment.
"""

from __future__ import annotations

import os
import sys

from . import rustc_args
from ..errors import UserError
from ..formats.marker import Dep, Identity, StaticLib

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations only
    from ..toolchain import RustcInfo


def run(rustc: str | None, args: list[str], wrapper: bool = False, link_args: str | None = None, bundle_identity: str | None = None) -> int:
    """`rlib-v0 rustc`; `wrapper`: started by cargo as RUSTC_WRAPPER (no path
    remapping added); `link_args`: also write the crate's link-args response
    file there (`link_args` module), once the rlib is in place;
    `bundle_identity`: a JSON file saying how the std bundle the crate will
    be linked with is built (`label`, `panic`, `target`): a crate built
    otherwise is refused before rustc runs."""
    r = rustc_args.parse(args)
    cwd = os.getcwd()
    for k, v in r.env:
        os.environ[k] = rustc_args.env_value(v, cwd)  # rustc (and so `env!()`) sees them; posix_spawn passes os.environ
    rustc_args.absolutize_cargo_dirs(os.environ)
    types = r.crate_types or ["rlib"]
    if "rlib" not in types and "lib" not in types:
        raise UserError(f"rlib-v0 rustc builds rlibs, not --crate-type={','.join(types)}")
    if not r.crate_name:
        raise UserError("no crate given: pass the crate root file or --crate-name")
    from .. import toolchain

    exe = toolchain.find_rustc(rustc)
    hollow = r.no_codegen
    stamps = rustc_args.emits_link(r) and not hollow  # a v0 rlib comes out
    if stamps and r.linker_plugin_lto:
        # Refused before rustc writes anything (the stamp's member check
        # would refuse the archive too, after the .rmeta and .d are out).
        raise UserError(f"crate {r.crate_name}: -C linker-plugin-lto puts LLVM bitcode in the rlib, not object code; the system linker needs objects: build without linker-plugin LTO")
    # `rustc -vV`: the marker records it, and without `--target` it names
    # the target; a metadata-only compile with `--target` needs neither.
    probe = toolchain.start_probe(exe) if stamps or not r.target else None
    from .identity import check_against_bundle, dep_identities, static_libs

    deps = dep_identities(r) if stamps else []
    libs = static_libs(r)
    final = rustc_args.output_path(r)
    out_dir = os.path.dirname(os.path.abspath(final))
    if len(types) > 1 and r.output:
        raise UserError(f"-o {r.output} with several crate types ({','.join(types)}) is ambiguous; use --out-dir")
    rmeta = rustc_args.metadata_path(r, final)
    for p in [final] + [rustc_args.emit_path(r, final, k) for k, _ in r.emit if k != "link"]:
        _refuse_device(p)
    # The identity names the target: without `--target` (cargo's host builds)
    # that is rustc's host, so the probe must answer before the sidecar is
    # written and rustc starts; with `--target` it runs beside the compile.
    # The rest of the identity is computed once rustc has made the archive
    # (`identity.crate_identity`).
    info = None if r.target else probe.result()
    target = r.target or info.host
    if bundle_identity:
        check_against_bundle(r, target, bundle_identity)
    # Refused before anything is written (the sidecar below, rustc's outputs).
    if link_args and not stamps:
        raise UserError(f"--link-args {link_args}: this compile makes no rlib to link (metadata only)")
    if link_args:
        # Its directory may be a build system's declared output directory,
        # which the action creates.
        d = os.path.dirname(link_args)
        if d:
            try:
                os.makedirs(d, exist_ok=True)
            except OSError as e:
                raise UserError(f"--link-args {link_args}: cannot create {d} ({e.strerror})") from None
        try:
            _refuse_device(link_args)
        except UserError as e:
            raise UserError(f"--link-args {e}") from None
    if rmeta or hollow:
        from ..formats import sidecar

        sidecar.write(rmeta or final, r.crate_name, r.metadata, target, r.panic)
    # Past here a probe, if any, is still running only when `stamps`.
    if hollow:
        return _compile_hollow(exe, r, final, wrapper)
    if not stamps:
        # Metadata only (a check build, or the metadata half of a pipelined
        # build system): no rlib to stamp.
        from ..proc import run_passthrough

        return run_passthrough([exe] + rustc_args.without_env_flags(r.args))
    return _compile(exe, r, target, deps, libs, final, out_dir, types, wrapper, lambda: info or probe.result(), link_args)


def _compile_hollow(exe: str, r: rustc_args.RustcArgs, final: str, wrapper: bool) -> int:
    """`-Zno-codegen`: the metadata half of a pipelined build (Buck2's
    `rust_v0_library` runs it as its own action, so dependents start before
    the crate's codegen). The archive holds rustc's metadata only and gets
    no marker, so `rlib-v0 link` refuses it like any non-v0 rlib; the
    sidecar beside it (written before rustc starts) gives dependents the
    crate's identity. The arguments are rewritten as for the real rlib
    (path remapping, `-l static` unbundled, our env flags dropped), so the
    metadata records what the rlib's does."""
    from ..proc import run_passthrough
    from ..formats.sidecar import path_for

    named = rustc_args.libs_named_in_source(r)
    cmd = [exe] + rustc_args.rewrite_for_temp(r, final, final, os.getcwd(), remap=not wrapper, drop_libs=named)
    code = run_passthrough(cmd)
    if code != 0:
        for p in (final, path_for(final)):
            try:
                os.unlink(p)
            except OSError:
                pass
    return code


def _refuse_device(path: str) -> None:
    """The shared output policy (`outputs.output_kind`: directories, FIFOs,
    sockets, block devices, missing or read-only directories refused), and
    character devices too: rustc would replace one with a regular file."""
    from ..outputs import DEVICE, output_kind

    if output_kind(path) == DEVICE:
        raise UserError(f"{path}: is a character device; rustc would replace it with a regular file: give a file path")


def _preload() -> None:
    """Import what stamping needs while rustc compiles: the main thread only
    waits on rustc's stderr then (the GIL is free), so these imports
    (hashlib, zlib, the ELF and rule modules, the demangler) leave the
    critical path."""
    import hashlib  # noqa: F401
    import mmap  # noqa: F401
    import zlib  # noqa: F401

    from . import check
    from .. import demangle  # noqa: F401
    from . import stamp  # noqa: F401
    from ..formats import elf


def _start_preload() -> None:
    # `_thread`, not `threading` (~5 ms of imports): nothing joins it, and
    # the process ends with `os._exit`.
    import _thread

    _thread.start_new_thread(_preload, ())


def _compile(exe: str, r: rustc_args.RustcArgs, target: str, deps: list[Dep], libs: list[StaticLib], final: str, out_dir: str, types: list[str], wrapper: bool, rustc_info, link_args: str | None) -> int:  # noqa: ANN001
    from ..proc import TempDir, run_filtering_stderr

    with TempDir(out_dir, ".rlib-v0-rustc-") as tmp:
        # The temporary directory is named relative to the output as given,
        # so rustc's messages show paths of the same form.
        tmp_given = os.path.join(os.path.dirname(final), os.path.basename(tmp))
        # Same basename as the final file: rustc derives member names from it.
        tmp_rlib = os.path.join(tmp_given, os.path.basename(final))
        named = rustc_args.libs_named_in_source(r)
        cmd = [exe] + rustc_args.rewrite_for_temp(r, final, tmp_rlib, os.getcwd(), remap=not wrapper, drop_libs=named)
        if len(types) > 1:
            # Several crate types: rustc names each output itself, in the
            # temporary directory; all of them move into place at the end.
            cmd = [a for a in cmd if not a.startswith("--emit=")] + ["--emit=" + _emit_without_link_path(cmd)]
        final_dir = os.path.dirname(final)
        held: list[bytes] = []
        code = run_filtering_stderr(cmd, tmp_given, final_dir, held, _start_preload)
        info = rustc_info()  # the probe has long finished; always reaped
        if code != 0:
            return code  # rustc's diagnostics already went to stderr
        produced = os.path.join(tmp, os.path.basename(final))
        if not os.path.isfile(produced):
            raise UserError(f"rustc produced no rlib for crate {r.crate_name} (expected {final})")
        # Stamped in the temporary directory (`stamp.write_v0`), beside
        # rustc's archive: only a checked v0 rlib is renamed into place (not
        # over `produced` first: replacing a file makes ext4 start writing
        # the new one out at once, auto_da_alloc, ~1.5 ms here).
        stamped = os.path.join(tmp, _STAMPED)
        ident, template, to_hide = _stamp_and_check(produced, stamped, r, target, info, deps, libs, final, bool(link_args))
        if len(types) > 1:
            for name in sorted(os.listdir(tmp)):
                src = os.path.join(tmp, name)
                if name not in (os.path.basename(final), _STAMPED) and os.path.isfile(src):
                    os.replace(src, os.path.join(out_dir, name))
        os.replace(stamped, final)
    _fix_dep_info(r, final, tmp_given)
    if link_args:
        _write_link_args(link_args, ident, template, to_hide, [e.path for e in r.externs if e.path])
    if held:
        out = sys.stderr.buffer
        for line in held:
            out.write(line + b"\n")
        out.flush()
    return 0


# The v0 rlib's name in the temporary directory (no crate's output is named so).
_STAMPED = ".rlib-v0-stamped"


def _emit_without_link_path(cmd: list[str]) -> str:
    emit = next(a for a in cmd if a.startswith("--emit="))[len("--emit=") :]
    return ",".join("link" if part.startswith("link=") else part for part in emit.split(","))


def _write_link_args(path: str, ident: Identity, template, to_hide: dict[bytes, bool], dep_rlibs: list[str]) -> None:  # noqa: ANN001
    """The crate's link-args response file (without the whole-archive
    libraries a dep in `dep_rlibs` places), its guard object when it
    defines an allocator or panic handler, for shared objects' links the
    `.shared` response file and the hide object it names, and its native
    search-path file for rustc-driven links (`link_args` module)."""
    from . import link_args
    from ..formats.elf import guard_object, hide_object
    from ..fsutil import write_atomic

    syms = link_args.guard_symbols(ident)
    guard = link_args.guard_object_path(path) if syms else None
    if guard:
        write_atomic(guard, guard_object(template, syms))
    hide = link_args.hide_object_path(path)
    write_atomic(hide, hide_object(template, sorted(to_hide.items())))
    write_atomic(link_args.shared_link_args_path(path), link_args.render(link_args.crate_shared_args(ident, hide)))
    write_atomic(path, link_args.render(link_args.crate_args(ident, guard, link_args.placed_by_deps(ident, dep_rlibs))))
    # rustc's @file: one argument per line, no quoting.
    write_atomic(link_args.native_search_path(path), os.fsencode("".join(a + "\n" for a in link_args.native_search_args(ident))))


def _stamp_and_check(produced: str, stamped: str, r: rustc_args.RustcArgs, target: str, info: RustcInfo, deps: list[Dep], libs: list[StaticLib], final: str, want_hidden: bool):  # noqa: ANN202
    """Write the v0 rlib of `produced` (rustc's archive) to `stamped`; (the crate's identity, the ELF
    header of its objects (the target's, for objects made to go with it),
    the symbols a shared object must hide if `want_hidden`, else {})."""
    from . import stamp
    from .check import check_members
    from .identity import crate_identity
    from ..formats.elf import machine_for_target

    members, index = stamp.map_members(produced)
    kept, kept_index = stamp.without_markers(members, index)
    ident = crate_identity(r, target, info, deps, libs, index)
    names = set("\0".join(s for s, _ in index).encode().split(b"\0")) if index else set()  # encoded at once

    def check() -> None:
        found = check_members(members, names, ident, machine_for_target(ident.target), ident.target)
        if found.problems:
            for p in found.problems:
                print(f"rlib-v0: {final}: {p}", file=sys.stderr)
            raise UserError(f"{final}: crate {ident.crate} does not satisfy the v0 rules")

    # The check runs while the archive is hashed and written; nothing is
    # renamed into place unless it passed.  Written to `stamped`, beside
    # rustc's archive: the members are views of that one.
    ident = stamp.write_v0(stamped, kept, kept_index, ident, final, check)
    os.chmod(stamped, 0o644)
    to_hide: dict[bytes, bool] = {}
    if want_hidden:
        from .hide import members_to_hide

        to_hide = members_to_hide(members, final)
    return ident, stamp.template_header(members, final), to_hide


def _fix_dep_info(r: rustc_args.RustcArgs, final: str, tmp_given: str) -> None:
    """The `.d` file names the rlib rustc wrote: the temporary one.  Name the final one."""
    if not any(k == "dep-info" for k, _ in r.emit):
        return
    dep = rustc_args.emit_path(r, final, "dep-info")
    try:
        with open(dep, "rb") as f:
            text = f.read()
    except OSError:
        return
    old = (tmp_given + "/").encode()
    if old not in text:
        return
    from ..fsutil import write_atomic

    new = (os.path.dirname(final) + "/").encode() if os.path.dirname(final) else b""
    write_atomic(dep, text.replace(old, new))
