"""A crate's identity: what the `_rlib_v00` marker member records.

The marker is the contract between `rlib-v0 rustc`/`std-bundle` (writers) and
`rlib-v0 link`/`verify` (readers).  It is JSON inside the `.rlib_v0` section
of a tiny ELF object named `_rlib_v00.o`, placed first in the archive so a
reader finds it after a few header reads.

Two archives are *the same crate* when their `crate_id` matches (name +
`-C metadata` + target); they are *built in a compatible manner* when
`compat_key` matches (same rustc, target and panic strategy): the rule is
spelled here once (`compat_key`, `incompatibilities`, `same_std`) and used
by the link plan, the compile's check against the bundle and `cmake-build`.
"""

from __future__ import annotations

from . import archive
from ..errors import UserError
from ..records import Record

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations only: no typing import on the link path
    from typing import BinaryIO

MARKER_MEMBER = "_rlib_v00.o"
MARKER_PREFIX = "_rlib_v00"
# 2: `static_libs`; 3: `members`, `members_size` and the marker object's
# checksum (`.rlib_v0.sum`), all required.  Older markers still read.
SCHEMA = 3
_READABLE_SCHEMAS = (1, 2, 3)

KIND_RLIB = "rlib"
KIND_STD_BUNDLE = "std-bundle"


class MarkerChanged(UserError):
    """The marker object does not match its own checksum."""


class Dep(Record):
    __slots__ = ("name", "crate", "crate_id")
    __hash__ = Record.hash_fields

    def __init__(self, name: str, crate: str, crate_id: str) -> None:
        self.name = name  # the name the crate uses for it (`--extern NAME=...`)
        self.crate = crate  # the dependency's own crate name
        self.crate_id = crate_id  # the dependency's `Identity.crate_id`


class StaticLib(Record):
    __slots__ = ("name", "path", "whole_archive", "verbatim")
    __hash__ = Record.hash_fields

    def __init__(self, name: str, path: str | None, whole_archive: bool = False, verbatim: bool = False) -> None:
        self.name = name  # the `-l static=NAME` name (a file name with `verbatim`)
        self.path = path  # the archive rustc would have bundled, as found via the crate's `-L` (None: not found then)
        self.whole_archive = whole_archive  # `+whole-archive`
        self.verbatim = verbatim  # `+verbatim`: `name` is the file name

    @property
    def file_name(self) -> str:
        return self.name if self.verbatim else f"lib{self.name}.a"


# Every marker field and the JSON type it must have (checked, so a corrupt
# marker is one line here, not an AttributeError deep in the planner).
# Identity's slots are these names, in this order; the fields a marker may
# leave out are those with a default in `Identity.__init__`.
_FIELDS: dict[str, type] = {
    "kind": str,
    "crate": str,
    "metadata": str,
    "crate_id": str,
    "rustc_version": str,
    "rustc_release": str,
    "rustc_commit": str,
    "target": str,
    "panic": str,
    "codegen": dict,
    "deps": list,
    "content_hash": str,
    "native_libs": list,
    "defines_allocator": bool,
    "no_std": bool,
    "with_test": bool,
    "static_libs": list,
    "allocator_symbols": list,
    "defines_panic_handler": bool,
    "panic_handler_symbols": list,
    "members": str,
    "members_size": int,
}
_STATIC_LIB_FIELDS = frozenset(StaticLib.__slots__)
_DEP_FIELDS = frozenset(Dep.__slots__)
# The entry type of each list field.
_ENTRY_TYPES = {"deps": dict, "static_libs": dict, "native_libs": str, "allocator_symbols": str, "panic_handler_symbols": str}


class Identity(Record):
    __slots__ = tuple(_FIELDS)

    def __init__(
        self,
        kind: str,
        crate: str,
        metadata: str,
        crate_id: str,
        rustc_version: str,
        rustc_release: str,
        rustc_commit: str,
        target: str,
        panic: str,
        codegen: dict[str, str] | None = None,
        deps: list[Dep] | None = None,
        content_hash: str = "",
        native_libs: list[str] | None = None,
        defines_allocator: bool = False,
        no_std: bool = False,
        with_test: bool = False,
        static_libs: list[StaticLib] | None = None,
        allocator_symbols: list[str] | None = None,
        defines_panic_handler: bool = False,
        panic_handler_symbols: list[str] | None = None,
        members: str = "",
        members_size: int = -1,
    ) -> None:
        self.kind = kind  # KIND_RLIB or KIND_STD_BUNDLE
        self.crate = crate  # crate name (`std`/`core` for a bundle)
        self.metadata = metadata  # the `-C metadata` values, comma-joined ("" if none)
        self.crate_id = crate_id  # stable id of this crate: hash of name, metadata, target
        self.rustc_version = rustc_version  # full `rustc -vV` output
        self.rustc_release = rustc_release  # e.g. "1.95.0"
        self.rustc_commit = rustc_commit  # commit-hash line of `rustc -vV`
        self.target = target  # target triple
        self.panic = panic  # "unwind" or "abort"
        self.codegen = {} if codegen is None else codegen  # other `-C` options that shape the code
        self.deps = [] if deps is None else deps  # direct Rust dependencies (linkable ones)
        self.content_hash = content_hash  # sha256 of every other member (name + bytes)
        self.native_libs = [] if native_libs is None else native_libs  # linker args the crate/bundle needs (bundles: std's)
        self.defines_allocator = defines_allocator  # the crate declares `#[global_allocator]`
        self.no_std = no_std  # bundles: core only
        self.with_test = with_test  # bundles: std plus libtest (for `rustc --test` binaries); supersedes the plain bundle on a link
        self.static_libs = [] if static_libs is None else static_libs  # native static libraries the crate links, kept out of the rlib
        # The allocator functions the crate defines (from its symbol index): the
        # link wrapper names them with `-u` so the crate's allocator is linked
        # whatever the input order.  Empty in markers written before the field.
        self.allocator_symbols = [] if allocator_symbols is None else allocator_symbols
        self.defines_panic_handler = defines_panic_handler  # the crate declares `#[panic_handler]` (no_std)
        self.panic_handler_symbols = [] if panic_handler_symbols is None else panic_handler_symbols  # as allocator_symbols
        # Every other member, in archive order, as "SIZE:CRC" (CRC: crc32 of
        # its name, a NUL and its bytes, 8 hex digits), space-separated:
        # what `verify` compares the archive with, to name the member that
        # changed after stamping (`content`).  One string, not a JSON list:
        # `link` parses every marker and needs none of it (the std bundle
        # has ~300 members).  "" before schema 3.
        self.members = members
        # The bytes after the marker member (those members with their
        # headers and padding): the marker's end plus this is the archive's
        # exact size, which `link` compares with the file's for free.  -1
        # (unknown) before schema 3.
        self.members_size = members_size

    @property
    def compat_key(self) -> tuple[str, str, str]:
        """What must match for two archives to link together (`COMPAT_FIELDS`):
        the rustc (its commit, else its whole `-vV`), target, panic strategy."""
        return (self.rustc_commit or self.rustc_version, self.target, self.panic)

    def with_fields(self, **changes: object) -> Identity:
        """A copy with `changes` (field name -> value)."""
        d = {n: getattr(self, n) for n in self.__slots__}
        d.update(changes)
        return Identity(**d)

    def stamped_size(self, marker: archive.Member) -> int:
        """The archive's size when it was stamped, `marker` being its marker
        member: the marker's end plus `members_size`; -1 if the marker does
        not say (before schema 3)."""
        if self.members_size < 0:
            return -1
        return marker.data_offset + marker.size + (marker.size & 1) + self.members_size

    @property
    def display(self) -> str:
        ver = self.metadata or "no metadata"
        return f"{self.crate} ({ver})" if self.kind == KIND_RLIB else f"std bundle ({self.crate}, panic={self.panic})"

    def to_json(self) -> bytes:
        d = self.as_dict()
        d["schema"] = SCHEMA
        if self.members_size < 0:
            # Nothing recorded of the members (an identity read from an
            # older marker): written as that schema, which does not require it.
            del d["members"], d["members_size"]
            d["schema"] = 2
        return _json_dumps(d).encode()

    @classmethod
    def from_json(cls, raw: bytes, where: str, checksummed: bool = True) -> Identity:
        """The identity in a marker's JSON; a one-line UserError naming
        `where` for anything that is not a marker this version understands
        (a newer schema or an unknown field is refused, never guessed at).
        `checksummed`: the payload came from a marker object whose checksum
        matched (required from schema 3 on)."""
        try:
            d = json_loads(raw)
        except (ValueError, RecursionError) as e:  # RecursionError: [[[[... nested 100 000 deep
            raise UserError(f"{where}: unreadable _rlib_v00 marker (not JSON: {_first_line(e)})") from None
        if type(d) is not dict:
            raise UserError(f"{where}: unreadable _rlib_v00 marker (not a JSON object)")
        # A marker as this version writes it (every field, keys sorted): the
        # names and types of its scalar fields checked in two comparisons,
        # a fifth of the cost of the loop below on every link.
        current = checksummed and tuple(d) == _CURRENT_KEYS and tuple(map(type, d.values())) == _CURRENT_TYPES and d["schema"] == SCHEMA
        schema = d.pop("schema", None)
        if current:
            for k in _CONTAINERS:
                v = d[k]
                if v:
                    _check_entries(k, v, where)
        else:
            cls._check_fields(d, schema, where, checksummed)
        if schema >= 3 and d["members_size"] < 0:
            raise UserError(f"{where}: unreadable _rlib_v00 marker ('members_size' is negative)")
        deps = d.get("deps")
        if deps:
            out = []
            for x in deps:
                if x.keys() != _DEP_FIELDS:
                    raise UserError(f"{where}: unreadable _rlib_v00 marker (bad entry in 'deps')")
                name, crate, cid = x["name"], x["crate"], x["crate_id"]
                if type(name) is not str or type(crate) is not str or type(cid) is not str:
                    raise UserError(f"{where}: unreadable _rlib_v00 marker (bad entry in 'deps')")
                out.append(Dep(name, crate, cid))
            d["deps"] = out
        libs = d.get("static_libs")
        if libs:
            out = []
            for x in libs:
                ok = x.keys() <= _STATIC_LIB_FIELDS and {"name", "path"} <= x.keys() and type(x["name"]) is str and (x["path"] is None or type(x["path"]) is str)
                if not ok or not all(type(x.get(k, False)) is bool for k in ("whole_archive", "verbatim")):
                    raise UserError(f"{where}: unreadable _rlib_v00 marker (bad entry in 'static_libs')")
                out.append(StaticLib(**x))
            d["static_libs"] = out
        return cls(**d)

    @staticmethod
    def _check_fields(d: dict, schema: object, where: str, checksummed: bool) -> None:
        """`from_json`'s checks of any marker not as this version writes
        it: schema, field names and types (`d` without its schema)."""
        if type(schema) is int and schema > SCHEMA:
            raise UserError(f"{where}: built by a newer rlib-v0 (marker schema {schema}, this rlib-v0 {_version()} reads schema {SCHEMA}); upgrade rlib-v0")
        if type(schema) is not int or schema not in _READABLE_SCHEMAS:  # `true` and `1.0` == 1 in Python
            raise UserError(f"{where}: unreadable _rlib_v00 marker (unknown marker schema {_short(schema)})")
        if not d.keys() <= _FIELDS.keys():
            unknown = sorted(k for k in d if k not in _FIELDS)
            raise UserError(f"{where}: built by a newer rlib-v0 (marker field {_short(unknown[0])} unknown to rlib-v0 {_version()}); upgrade rlib-v0")
        if schema >= 3:
            if not checksummed:
                from .marker_elf import MARKER_SUM_SECTION

                raise UserError(f"{where}: unreadable _rlib_v00 marker (schema {schema} without its {MARKER_SUM_SECTION} checksum section)")
            required = _REQUIRED_SCHEMA3
        else:
            if not _SCHEMA3_NAMES.isdisjoint(d):
                raise UserError(f"{where}: unreadable _rlib_v00 marker (schema {schema} with the schema-3 field {sorted(_SCHEMA3_NAMES.intersection(d))[0]!r})")
            required = _REQUIRED_NAMES
        if not required <= d.keys():
            missing = [k for k in _REQUIRED + _SCHEMA3 if k not in d]
            raise UserError(f"{where}: unreadable _rlib_v00 marker (no {missing[0]!r})")
        for k, v in d.items():
            want = _FIELDS[k]
            if type(v) is not want:
                raise UserError(f"{where}: unreadable _rlib_v00 marker ({k!r} is {type(v).__name__}, not {want.__name__})")
            if want is list or want is dict:
                _check_entries(k, v, where)


# What every marker must have: the fields without a default in
# Identity.__init__, in order.
_REQUIRED = ("kind", "crate", "metadata", "crate_id", "rustc_version", "rustc_release", "rustc_commit", "target", "panic")
_REQUIRED_NAMES = frozenset(_REQUIRED)
# Required from schema 3 on: without them the content cannot be checked.
_SCHEMA3 = ("members", "members_size")
_SCHEMA3_NAMES = frozenset(_SCHEMA3)
_REQUIRED_SCHEMA3 = _REQUIRED_NAMES | _SCHEMA3_NAMES
# A current marker's keys in the order `to_json` writes them (sorted), the
# JSON type of each, and its list and dict fields.
_CURRENT_KEYS = tuple(sorted((*_FIELDS, "schema")))
_CURRENT_TYPES = tuple(int if k == "schema" else _FIELDS[k] for k in _CURRENT_KEYS)
_CONTAINERS = tuple(k for k, t in _FIELDS.items() if t is list or t is dict)


def _check_entries(k: str, v: list | dict, where: str) -> None:
    """The entries of the list or dict field `k` have their JSON type
    (`_ENTRY_TYPES`; a dict's values are strings)."""
    if type(v) is list:
        entry = _ENTRY_TYPES[k]
        for x in v:
            if type(x) is not entry:
                raise UserError(f"{where}: unreadable _rlib_v00 marker (bad entry in {k!r})")
    else:
        for x in v.values():
            if type(x) is not str:
                raise UserError(f"{where}: unreadable _rlib_v00 marker (bad entry in {k!r})")


# The names of `compat_key`'s parts, as `incompatibilities` reports them.
COMPAT_FIELDS = ("rustc", "target", "panic")


def incompatibilities(a: tuple[str | None, str | None, str | None], b: tuple[str | None, str | None, str | None]) -> list[str]:
    """The `COMPAT_FIELDS` in which the compat keys `a` and `b` differ.  A
    None part is not known (a bundle's declared identity names no rustc;
    the link checks that part) and differs from nothing."""
    return [f for f, x, y in zip(COMPAT_FIELDS, a, b) if x is not None and y is not None and x != y]


def same_std(a: Identity, b: Identity) -> bool:
    """Two std bundles hold the same std: compatible, and built alike (both
    `no_std` or neither, the same codegen options)."""
    return a.compat_key == b.compat_key and (a.no_std, a.codegen) == (b.no_std, b.codegen)


def _version() -> str:
    from .. import __version__

    return __version__


def _short(v: object) -> str:
    text = repr(v)
    return text if len(text) <= 40 else text[:37] + "..."


def _first_line(e: BaseException) -> str:
    return str(e).split("\n", 1)[0][:200]


def newer_marker_member(name: str) -> bool:
    """`_rlib_v01.o`, `_rlib_v02...`: a marker of a later format version."""
    rest = name[len(MARKER_PREFIX) - 1 :] if name.startswith(MARKER_PREFIX[:-1]) else ""
    digits = rest[: len(rest) - len(rest.lstrip("0123456789"))]
    return bool(digits) and int(digits) > 0


class _ScanContext:
    # What json.JSONDecoder gives its C scanner (strict, no hooks).
    strict = True
    object_hook = None
    object_pairs_hook = None
    parse_float = float
    parse_int = int
    parse_constant = {"NaN": float("nan"), "Infinity": float("inf"), "-Infinity": float("-inf")}.__getitem__


_scanner = None  # CPython's C JSON scanner, made on first use


def _no_default(o: object) -> object:
    raise TypeError(f"Object of type {type(o).__name__} is not JSON serializable")


def _json_dumps(obj: object) -> str:
    """`json.dumps(obj, sort_keys=True, separators=(",", ":"))` without
    importing `json` (which imports `re`: ~10 ms of each compile's CPU):
    CPython's C encoder, what `json.dumps` runs, called as it calls it."""
    try:
        from _json import encode_basestring_ascii, make_encoder

        enc = make_encoder({}, _no_default, encode_basestring_ascii, None, ":", ",", True, False, True)
    except (ImportError, TypeError):  # another interpreter, another signature
        import json

        return json.dumps(obj, sort_keys=True, separators=(",", ":"))
    return "".join(enc(obj, 0))


def json_loads(raw: bytes) -> object:
    """`json.loads(raw)` without importing `json` on the link path.

    `json` imports `re` and compiles its patterns, a fifth of the wrapper's
    start-up (and the compile path reads markers and sidecars before rustc
    starts); CPython's C scanner (`_json`, what `json.loads` runs) needs
    neither.  Elsewhere, or for the error message, plain `json` is used."""
    global _scanner
    if _scanner is None:
        try:
            from _json import make_scanner
        except ImportError:
            import json

            return json.loads(raw)
        _scanner = make_scanner(_ScanContext)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = ""  # json.loads also reads UTF-16/32: let it decide below
    start = len(text) - len(text.lstrip(" \t\n\r"))
    try:
        obj, end = _scanner(text, start)
    except (StopIteration, ValueError, SystemError):
        # Malformed: the C scanner raises `json.decoder.JSONDecodeError`,
        # or, on 3.11, when `json.decoder` was never imported (its error
        # class is looked up in sys.modules only), a SystemError ("returned
        # NULL without setting an exception"). `json.loads` says it below.
        obj, end = None, -1
    if end < 0 or text[end:].strip(" \t\n\r"):
        import json

        return json.loads(raw)  # raises json's own JSONDecodeError (a ValueError)
    return obj


def crate_id(crate: str, metadata: str, target: str) -> str:
    from ..sha import sha256_hex

    return sha256_hex(f"{crate}\0{metadata}\0{target}".encode())[:32]


def read_marker(path: str, first_only: bool = False, f: BinaryIO | None = None) -> tuple[Identity | None, archive.Archive]:
    """The identity stored in `path`, or None if it has no marker.

    Reads only the archive headers and the marker member; with `first_only`,
    only the first member's header (our writer always puts the marker first).
    `f`: `path` already open (binary), so the link path opens each input once.
    """
    if f is not None:
        f.seek(0)
        return _read_marker(path, first_only, f)
    with archive.open_input(path) as fh:
        return _read_marker(path, first_only, fh)


def _read_marker(path: str, first_only: bool, f: BinaryIO) -> tuple[Identity | None, archive.Archive]:
    from . import marker_elf as elf

    toc = archive.scan(path, f, 1 if first_only else None)
    for m in toc.members:
        if newer_marker_member(m.name):
            raise UserError(f"{path}: built by a newer rlib-v0 (marker member {m.name}, this rlib-v0 {_version()} reads {MARKER_MEMBER}); upgrade rlib-v0")
        if m.name.startswith(MARKER_PREFIX):
            data = toc.read(m, f)
            payload, summed = elf.marker_payload(data) if elf.is_elf(data) else (data, None)
            if summed is False:
                raise MarkerChanged(f"{path}: changed after it was stamped: its marker member {m.name} does not match its own {elf.MARKER_SUM_SECTION} checksum; rebuild it")
            if payload is None:
                raise UserError(f"{path}: _rlib_v00 marker has no {elf.MARKER_SECTION} section")
            return Identity.from_json(payload, path, summed is True), toc
    return None, toc
