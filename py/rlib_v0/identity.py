"""A crate's identity: what the `_rlib_v00` marker member records.

The marker is the contract between `rlib-v0 rustc`/`std-bundle` (writers) and
`rlib-v0 link`/`verify` (readers).  It is JSON inside the `.rlib_v0` section
of a tiny ELF object named `_rlib_v00.o`, placed first in the archive so a
reader finds it after a few header reads.

Two archives are *the same crate* when their `crate_id` matches (name +
`-C metadata` + target); they are *built in a compatible manner* when
`compat_key` matches (same rustc, target and panic strategy).
"""

from __future__ import annotations

from . import archive
from .errors import UserError
from .records import asdict, dataclass, field  # not dataclasses: link-path start-up

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations only: no typing import on the link path
    from typing import BinaryIO

MARKER_MEMBER = "_rlib_v00.o"
MARKER_PREFIX = "_rlib_v00"
SCHEMA = 2  # 2: `static_libs`; schema 1 markers (no such field) still read
_READABLE_SCHEMAS = (1, 2)

KIND_RLIB = "rlib"
KIND_STD_BUNDLE = "std-bundle"


@dataclass(frozen=True)
class Dep:
    name: str  # the name the crate uses for it (`--extern NAME=...`)
    crate: str  # the dependency's own crate name
    crate_id: str  # the dependency's `Identity.crate_id`


@dataclass(frozen=True)
class StaticLib:
    name: str  # the `-l static=NAME` name (a file name with `verbatim`)
    path: str | None  # the archive rustc would have bundled, as found via the crate's `-L` (None: not found then)
    whole_archive: bool = False  # `+whole-archive`
    verbatim: bool = False  # `+verbatim`: `name` is the file name

    @property
    def file_name(self) -> str:
        return self.name if self.verbatim else f"lib{self.name}.a"


@dataclass
class Identity:
    kind: str  # KIND_RLIB or KIND_STD_BUNDLE
    crate: str  # crate name (`std`/`core` for a bundle)
    metadata: str  # the `-C metadata` values, comma-joined ("" if none)
    crate_id: str  # stable id of this crate: hash of name, metadata, target
    rustc_version: str  # full `rustc -vV` output
    rustc_release: str  # e.g. "1.95.0"
    rustc_commit: str  # commit-hash line of `rustc -vV`
    target: str  # target triple
    panic: str  # "unwind" or "abort"
    codegen: dict[str, str] = field(default_factory=dict)  # other `-C` options that shape the code
    deps: list[Dep] = field(default_factory=list)  # direct Rust dependencies (linkable ones)
    content_hash: str = ""  # sha256 of every other member (name + bytes)
    native_libs: list[str] = field(default_factory=list)  # linker args the crate/bundle needs (bundles: std's)
    defines_allocator: bool = False  # the crate declares `#[global_allocator]`
    no_std: bool = False  # bundles: core only
    static_libs: list[StaticLib] = field(default_factory=list)  # native static libraries the crate links, kept out of the rlib

    @property
    def compat_key(self) -> tuple[str, str, str]:
        return (self.rustc_commit or self.rustc_version, self.target, self.panic)

    @property
    def display(self) -> str:
        ver = self.metadata or "no metadata"
        return f"{self.crate} ({ver})" if self.kind == KIND_RLIB else f"std bundle ({self.crate}, panic={self.panic})"

    def to_json(self) -> bytes:
        import json

        d = asdict(self)
        d["schema"] = SCHEMA
        return json.dumps(d, sort_keys=True, separators=(",", ":")).encode()

    @classmethod
    def from_json(cls, raw: bytes, where: str) -> Identity:
        try:
            d = _json_loads(raw)
            if not isinstance(d, dict):
                raise ValueError("not a JSON object")
            if d.pop("schema", None) not in _READABLE_SCHEMAS:
                raise ValueError("unknown marker schema")
            d["deps"] = [Dep(**x) for x in d.get("deps", [])]
            d["static_libs"] = [StaticLib(**x) for x in d.get("static_libs", [])]
            return cls(**d)
        except (ValueError, TypeError, KeyError) as e:
            raise UserError(f"{where}: unreadable _rlib_v00 marker ({e})") from None


class _ScanContext:
    # What json.JSONDecoder gives its C scanner (strict, no hooks).
    strict = True
    object_hook = None
    object_pairs_hook = None
    parse_float = float
    parse_int = int
    parse_constant = {"NaN": float("nan"), "Infinity": float("inf"), "-Infinity": float("-inf")}.__getitem__


def _json_loads(raw: bytes) -> object:
    """`json.loads(raw)` without importing `json` on the link path.

    `json` imports `re` and compiles its patterns, a fifth of the wrapper's
    start-up; CPython's C scanner (`_json`, what `json.loads` runs) needs
    neither.  Elsewhere, or for the error message, plain `json` is used."""
    try:
        from _json import make_scanner
    except ImportError:
        import json

        return json.loads(raw)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = ""  # json.loads also reads UTF-16/32: let it decide below
    start = len(text) - len(text.lstrip(" \t\n\r"))
    try:
        obj, end = make_scanner(_ScanContext)(text, start)
    except StopIteration:
        obj, end = None, -1
    if end < 0 or text[end:].strip(" \t\n\r"):
        import json

        return json.loads(raw)  # raises json's own JSONDecodeError (a ValueError)
    return obj


def crate_id(crate: str, metadata: str, target: str) -> str:
    import hashlib  # writers only: the link path never hashes

    return hashlib.sha256(f"{crate}\0{metadata}\0{target}".encode()).hexdigest()[:32]


def content_hash(members: list[tuple[str, bytes]]) -> str:
    import hashlib

    h = hashlib.sha256()
    for name, data in members:
        if name.startswith(MARKER_PREFIX):
            continue
        h.update(name.encode() + b"\0" + len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()


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
    from . import elf

    toc = archive.scan(path, f, 1 if first_only else None)
    for m in toc.members:
        if m.name.startswith(MARKER_PREFIX):
            data = toc.read(m, f)
            payload = elf.section_data(data, elf.MARKER_SECTION) if elf.is_elf(data) else data
            if payload is None:
                raise UserError(f"{path}: _rlib_v00 marker has no {elf.MARKER_SECTION} section")
            return Identity.from_json(payload, path), toc
    return None, toc
