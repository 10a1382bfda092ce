"""Reading and rewriting a system linker command line (pure functions).

Handles both compiler drivers (`cc`, `c++`, `clang`: linker flags behind
`-Wl,`) and linkers called directly (`ld`, `ld.bfd`, `ld.gold`, `ld.lld`,
`mold`), and GNU-style `@response` files (whitespace-separated, with quotes
and backslash escapes, as libiberty's buildargv reads them).
"""

from __future__ import annotations

import os

from ..errors import UserError
from ..records import Record
from .memo import ARGV_LIMIT, LINK_ARGS_SUFFIX

_DIRECT_LINKERS = ("ld", "ld.bfd", "ld.gold", "ld.lld", "lld", "mold", "ld.mold", "gold", "bfd")

# Options whose value is the next argument (driver and GNU ld spellings).
_DRIVER_VALUE_OPTS = {"-o", "-L", "-l", "-Xlinker", "-T", "-u", "-e", "-x", "-z", "-include", "-MF", "-MT", "-MQ", "--sysroot", "-isystem", "-I", "-D", "-U", "-B", "-specs", "--param", "-arch", "-target", "--target"}
_LD_VALUE_OPTS = {"-o", "-L", "-l", "-T", "-u", "-e", "-m", "-z", "-h", "-soname", "-rpath", "-rpath-link", "-y", "-Map", "--dynamic-linker", "-dynamic-linker", "-I", "--version-script", "--script", "--entry", "--undefined", "--output", "--library", "--library-path", "-plugin", "--plugin", "-plugin-opt", "--plugin-opt", "--sysroot", "-F", "-f", "-a", "-b", "-format", "-A", "--dynamic-list", "--exclude-libs", "--export-dynamic-symbol", "--export-dynamic-symbol-list"}


def is_direct_linker(argv0: str) -> bool:
    base = os.path.basename(argv0)
    # A cross toolchain's prefix (`aarch64-linux-gnu-ld.bfd`, `...-ld.lld`):
    # the name after the last dash decides; `ld.lld-14` is a versioned ld.*.
    last = base.rsplit("-", 1)[-1]
    return last in _DIRECT_LINKERS or base.startswith("ld.") or last.startswith("ld.")


def parse_response_file(text: str) -> list[str]:
    if "'" not in text and '"' not in text and "\\" not in text:
        return text.split()  # no quoting: the same split (str.isspace), without the loop below
    args: list[str] = []
    cur: list[str] = []
    in_arg = False
    quote = None
    i = 0
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            cur.append(text[i + 1])
            in_arg = True
            i += 2
            continue
        if quote:
            if c == quote:
                quote = None
            else:
                cur.append(c)
        elif c in "'\"":
            quote = c
            in_arg = True
        elif c.isspace():
            if in_arg:
                args.append("".join(cur))
                cur, in_arg = [], False
        else:
            cur.append(c)
            in_arg = True
        i += 1
    if in_arg:
        args.append("".join(cur))
    return args


def quote_response_arg(arg: str) -> str:
    if arg and not any(c.isspace() or c in "'\"\\" for c in arg):
        return arg
    return "".join("\\" + c if c.isspace() or c in "'\"\\" else c for c in arg) or "''"


# How link-args files (`link_args`) end: defined on the link path, which
# must not import `link_args` (in `memo`, which lean.py imports first);
# `link_args.SUFFIX` is this.

# How the wrapper-guard object ends (`rlib-v0 std-bundle --wrapper-guard`):
# in a configuration whose links go through `rlib-v0 link`, the Buck2 rules
# name it after the bundle and after every crate, so a link that bypasses
# the wrapper (a C/C++ toolchain not wrapped) loads it twice and fails on a
# duplicate symbol that names the fix.  `rlib-v0 link` drops it.
WRAPPER_GUARD_SUFFIX = ".rlib-v0-wrapper-guard.o"
WRAPPER_GUARD_SYMBOL = "__rlib_v0__this_link_needs_rlib_v0_link__wrap_the_cxx_toolchain_with_rust_v0_cxx_toolchain_wrapper"

# libiberty (what gcc and GNU ld use) gives up after this many @-file reads:
# a response file naming itself twice would otherwise expand exponentially.
_MAX_RESPONSE_FILES = 2000


def expand_response_files(argv: list[str], depth: int = 0, _stack: tuple[str, ...] = (), _count: list[int] | None = None) -> tuple[list[str], list[str]]:
    """(arguments with every `@file` expanded, the response files read)."""
    out: list[str] = []
    files: list[str] = []
    count = [0] if _count is None else _count
    for a in argv:
        if a.endswith(WRAPPER_GUARD_SUFFIX):
            continue
        if a.startswith("@") and a.endswith(LINK_ARGS_SUFFIX):
            # A crate's or bundle's link-args file (`link_args`): what it
            # holds, the wrapper derives from the markers itself.
            continue
        if a.startswith("@") and len(a) > 1 and os.path.isfile(a[1:]) and depth < 10:
            name = a[1:]
            key = os.path.realpath(name)
            if key in _stack:
                raise UserError(f"{name}: response file includes itself")
            count[0] += 1
            if count[0] > _MAX_RESPONSE_FILES:
                raise UserError(f"{name}: too many @-files encountered (over {_MAX_RESPONSE_FILES})")
            try:
                # Bytes, as the linker reads them: not-UTF-8 paths survive
                # (surrogateescape, as Python decodes argv) and are written
                # back unchanged.
                with open(name, "rb") as f:
                    raw = f.read()
            except OSError as e:
                raise UserError(f"{name}: cannot read response file ({e.strerror})") from None
            if b"\0" in raw:
                raise UserError(f"{name}: response file contains a NUL byte (not a text file?)")
            inner = parse_response_file(os.fsdecode(raw))
            files.append(name)
            sub, subfiles = expand_response_files(inner, depth + 1, _stack + (key,), count)
            out += sub
            files += subfiles
        else:
            out.append(a)
    return out, files


class LibArg(Record):
    """One `-lNAME` / `-l NAME` / `-l:FILE` (or `--library`) of a link command,
    also given to a driver as a linker flag (`-Wl,-lNAME`, `-Wl,-l,NAME`,
    `-Xlinker -lNAME`)."""

    __slots__ = ("index", "value_index", "spec", "static", "whole_archive", "pieces", "rust")

    def __init__(self, index: int, value_index: int, spec: str, static: bool, whole_archive: bool, pieces: tuple[int, int] | None = None) -> None:
        self.index = index  # position of the option in argv
        self.value_index = value_index  # position of its value (== index when attached: `-lNAME`)
        self.spec = spec  # NAME, or `:FILE`
        self.static = static  # `-Bstatic` / `-static` in effect there: only archives are searched
        self.whole_archive = whole_archive  # inside a --whole-archive region
        # Inside a `-Wl,` argument: the range of its comma-separated parts
        # that spell this library (a `-Wl,-Bstatic,-lfoo,-Bdynamic` keeps
        # its other parts when the library is taken out); None otherwise.
        self.pieces = pieces
        self.rust = False  # resolved to a Rust archive (set by `rlib-v0 link`)


class LinkCommand(Record):
    __slots__ = ("argv", "direct", "used_response_files", "output_index", "output_prefix", "inputs", "whole_archive_inputs", "libs", "search_dirs", "no_default_dirs", "group_args", "shared", "export_dynamic", "relocatable")

    def __init__(self, argv: list[str], direct: bool, used_response_files: bool) -> None:
        self.argv = argv  # the whole command, response files expanded
        self.direct = direct  # the linker itself, not a compiler driver
        self.used_response_files = used_response_files  # the original command had @files
        self.output_index: int | None = None  # index in argv of the output path value
        self.output_prefix = ""  # what precedes the path in that argument: "", "-o" or "--output="
        self.inputs: list[int] = []  # indexes of positional file arguments
        self.whole_archive_inputs: set[int] = set()  # inputs inside --whole-archive regions
        self.libs: list[LibArg] = []  # `-l` options, in order
        self.search_dirs: list[str] = []  # `-L` directories, in order (GNU ld applies all to every -l)
        self.no_default_dirs = False  # `-nostdlib` (driver) / `-nostdlib` (ld): no built-in search path
        # Positions of the user's own `--start-group`/`--end-group` (`-(`/`-)`)
        # and of every argument between them: linkers refuse nested groups.
        self.group_args: set[int] = set()
        self.shared = False  # `-shared`: the output is a shared object
        self.export_dynamic = False  # `-rdynamic` / `--export-dynamic`: an executable exports its symbols
        self.relocatable = False  # `-r`: a partial link (an object, nothing exported)

    @property
    def exports(self) -> bool:
        """The output exports its symbols: a shared object, or an executable
        with `-rdynamic`.  (A `--dynamic-list` on an executable exports what
        it names, no more: left alone.)"""
        return (self.shared or self.export_dynamic) and not self.relocatable

    @property
    def output(self) -> str | None:
        return self.argv[self.output_index] if self.output_index is not None else None

    def linker_flag(self, *flags: str) -> list[str]:
        """Spell linker flags for this command (`-Wl,` for drivers)."""
        if self.direct:
            return list(flags)
        return ["-Wl," + ",".join(flags)]


def parse(argv: list[str]) -> LinkCommand:
    if not argv:
        raise UserError("no linker command given (usage: rlib-v0 link [OPTIONS] -- cc main.o ... -o app)")
    expanded, files = expand_response_files(argv[1:])
    args = [argv[0]] + expanded
    direct = is_direct_linker(argv[0])
    value_opts = _LD_VALUE_OPTS if direct else _DRIVER_VALUE_OPTS
    cmd = LinkCommand(args, direct, bool(files))
    whole = False
    static = False
    group = False
    i = 1
    while i < len(args):
        a = args[i]
        if a and a[0] != "-":
            # A file (most of a large link's arguments): none of the options
            # below is spelled so.
            if group:
                cmd.group_args.add(i)
            cmd.inputs.append(i)
            if whole:
                cmd.whole_archive_inputs.add(i)
            i += 1
            continue
        flags = _linker_flags_in(a, direct)
        if a == "-Xlinker" and not direct and i + 1 < len(args):
            flags = [args[i + 1]]  # `-Xlinker --whole-archive` opens a region too
        pending_l = False
        pending_lib = -1  # `-Wl,-l,NAME`: the part holding `-l`, its value next
        value_at = i + 1 if a == "-Xlinker" else i  # where a linker flag's text is
        for k, fl in enumerate(flags):
            if pending_lib >= 0:
                cmd.libs.append(LibArg(i, value_at, fl, static, whole, (pending_lib, k + 1) if value_at == i else None))
                pending_lib = -1
                continue
            if fl in _START_GROUP:
                group = True
                cmd.group_args.add(i)
            elif fl in _END_GROUP:
                group = False
                cmd.group_args.add(i)
            elif fl in ("--whole-archive", "-whole-archive"):
                whole = True
            elif fl in ("--no-whole-archive", "-no-whole-archive"):
                whole = False
            elif fl in _STATIC_FLAGS:
                static = True
            elif fl in _DYNAMIC_FLAGS:
                static = False
            elif fl in _SHARED_FLAGS:
                cmd.shared = True
            elif fl in _EXPORT_DYNAMIC_FLAGS:
                cmd.export_dynamic = True
            elif fl in _NO_EXPORT_DYNAMIC_FLAGS:
                cmd.export_dynamic = False
            elif fl in _RELOCATABLE_FLAGS:
                cmd.relocatable = True
            elif direct:
                pass  # the argument itself: `-l`/`-L` are read below
            elif pending_l:
                cmd.search_dirs.append(fl)  # `-Wl,-L,DIR`
            elif fl.startswith("-L") and len(fl) > 2:
                cmd.search_dirs.append(fl[2:])
            elif fl.startswith("--library-path="):
                cmd.search_dirs.append(fl.split("=", 1)[1])
            elif fl in ("-l", "--library"):
                pending_lib = k
            elif (fl.startswith("-l") and len(fl) > 2) or fl.startswith("--library="):
                spec = fl[2:] if fl.startswith("-l") else fl.split("=", 1)[1]
                cmd.libs.append(LibArg(i, value_at, spec, static, whole, (k, k + 1) if value_at == i else None))
            pending_l = not direct and fl in ("-L", "--library-path")
        if group:
            cmd.group_args.add(i)
        if not direct and a == "-static":
            static = True
        elif not direct and a in _DRIVER_OUTPUT_FLAGS:
            # The driver's own spellings (it passes the linker's).
            if a == "-shared":
                cmd.shared = True
            elif a == "-rdynamic":
                cmd.export_dynamic = True
            else:
                cmd.relocatable = True
        if a in ("-nostdlib", "-nodefaultlibs") or (direct and a == "-nostdlib"):
            cmd.no_default_dirs = cmd.no_default_dirs or a == "-nostdlib"
        # Libraries and their search path, as the linker will see them.
        if a in ("-l", "--library") and i + 1 < len(args):
            cmd.libs.append(LibArg(i, i + 1, args[i + 1], static, whole))
        elif a.startswith("-l") and len(a) > 2:
            cmd.libs.append(LibArg(i, i, a[2:], static, whole))
        elif a.startswith("--library="):
            cmd.libs.append(LibArg(i, i, a.split("=", 1)[1], static, whole))
        elif a in ("-L", "--library-path") and i + 1 < len(args):
            cmd.search_dirs.append(args[i + 1])
        elif a.startswith("-L") and len(a) > 2:
            cmd.search_dirs.append(a[2:])
        elif a.startswith("--library-path="):
            cmd.search_dirs.append(a.split("=", 1)[1])
        if a in ("-o", "--output"):
            if i + 1 < len(args):
                cmd.output_index, cmd.output_prefix = i + 1, ""
            i += 2
            continue
        if a.startswith("--output=") or (a.startswith("-o") and len(a) > 2 and not a.startswith("--")):
            # `--output=FILE` or `-oFILE`: the value is inside the argument.
            cmd.output_index, cmd.output_prefix = i, "--output=" if a.startswith("--output=") else "-o"
        if a in value_opts:
            i += 2
            continue
        if not a.startswith("-") and a:
            cmd.inputs.append(i)
            if whole:
                cmd.whole_archive_inputs.add(i)
        i += 1
    return cmd


_START_GROUP = frozenset(("--start-group", "-(", "-start-group"))
_END_GROUP = frozenset(("--end-group", "-)", "-end-group"))
_STATIC_FLAGS = frozenset(("-Bstatic", "-dn", "-non_shared", "-static", "--static"))
_DYNAMIC_FLAGS = frozenset(("-Bdynamic", "-dy", "-call_shared"))
# The linker's spellings, direct or behind `-Wl,`.
_SHARED_FLAGS = frozenset(("-shared", "--shared", "-Bshareable"))
_EXPORT_DYNAMIC_FLAGS = frozenset(("-E", "--export-dynamic", "-export-dynamic"))
_NO_EXPORT_DYNAMIC_FLAGS = frozenset(("--no-export-dynamic", "-no-export-dynamic"))
_RELOCATABLE_FLAGS = frozenset(("-r", "-i", "--relocatable", "-Ur"))
_DRIVER_OUTPUT_FLAGS = frozenset(("-shared", "-rdynamic", "-r"))


def bstatic_at(cmd: LinkCommand, index: int, parts: int = 0) -> bool:
    """Whether `-Bstatic` (not undone by `-Bdynamic`) is in effect before
    argument `index` (and its first `parts` linker flags, for a `-Wl,`
    argument): `-l` placed there would find archives only.  `-static` (the
    whole link) does not count: nothing can be dynamic there anyway."""
    state = False
    for n in range(1, index + 1):
        a = cmd.argv[n]
        flags = _linker_flags_in(a, cmd.direct)
        if n == index:
            flags = flags[:parts]
        for fl in flags:
            if fl in ("-Bstatic", "-dn", "-non_shared"):
                state = True
            elif fl in _DYNAMIC_FLAGS:
                state = False
    return state


def _linker_flags_in(arg: str, direct: bool) -> list[str]:
    if direct:
        return [arg]
    if arg.startswith("-Wl,"):
        return arg[4:].split(",")
    return []


def with_output(cmd: LinkCommand, new_output: str) -> list[str]:
    argv = list(cmd.argv)
    if cmd.output_index is not None:
        argv[cmd.output_index] = _output_prefix(cmd) + new_output
    return argv


def _output_prefix(cmd: LinkCommand) -> str:
    """"" when the output is its own argument, else `--output=` or `-o`
    (recorded by `parse`: the argument before it may itself be a value)."""
    return cmd.output_prefix if cmd.output_index is not None else ""


def output_path(cmd: LinkCommand) -> str | None:
    out = cmd.output
    if out is not None:
        return out[len(_output_prefix(cmd)) :]
    return out


def needs_response_file(cmd: LinkCommand, argv: list[str]) -> bool:
    """The command came with @files, or is too long for one exec."""
    return cmd.used_response_files or sum(len(a) + 1 for a in argv) > ARGV_LIMIT


def response_file(argv: list[str]) -> bytes:
    """The response file holding `argv[1:]` (fsencoded: not-UTF-8 paths as they came)."""
    return os.fsencode("\n".join(quote_response_arg(a) for a in argv[1:]) + "\n")
