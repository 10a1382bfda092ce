"""Does an archive still hold what its marker says it held when stamped?

The marker (schema 3) records every member after it — size and crc32 (of
name and bytes), in order — the bytes those members take in the archive
(`members_size`), and, as every schema does, a sha256 over all of them
(`content_hash`); the marker object itself carries a checksum of its own
bytes (`elf.marker_checksum`, checked wherever a marker is read).  Costs:
- `link` compares the archive's size with the marker's end plus
  `members_size` (`Identity.stamped_size`, against the `stat` it already
  has): free; catches a cut, an appended member, a swapped marker of
  another size;
- `verify`, `link --verify-content` and `link --debug` read every member:
  the sha256 decides, the records name the member that differs
  (`mismatch`).
Nothing here is a signature: whoever rewrites an archive can restamp it.
The point is a build cache, a file system or a hand edit that changes an
archive after it was stamped, which must not be linked as if it had not.
"""

from __future__ import annotations

from .archive import Archive, stored_size
from .marker import KIND_STD_BUNDLE, MARKER_PREFIX, Identity


def content_hash(members: list[tuple[str, bytes]]) -> str:
    """sha256 of every member but the marker: name, NUL, size (8 bytes,
    little-endian), bytes."""
    import hashlib

    h = hashlib.sha256()
    for name, data in members:
        if name.startswith(MARKER_PREFIX):
            continue
        h.update(name.encode() + b"\0" + len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()


def records(members: list[tuple[str, bytes]], placeholder: bool = False) -> str:
    """`Identity.members` of these members (the marker left out);
    `placeholder`: with every crc32 zero."""
    return " ".join(f"{len(data)}:{'00000000' if placeholder else _crc(name, data)}" for name, data in members if not name.startswith(MARKER_PREFIX))


def members_size(members: list[tuple[str, bytes]]) -> int:
    """`Identity.members_size` of these members (the marker left out)."""
    return sum(stored_size(len(data)) for name, data in members if not name.startswith(MARKER_PREFIX))


def fields(members: list[tuple[str, bytes]]) -> dict[str, str | int]:
    """The marker's record of these members (the marker left out), by
    `Identity` field: `content_hash`, `members`, `members_size`."""
    return {"content_hash": content_hash(members), "members": records(members), "members_size": members_size(members)}


def placeholder_fields(members: list[tuple[str, bytes]]) -> dict[str, str | int]:
    """`fields` with every hash and crc32 zero: the same widths (a sha256's
    64 hex digits, a crc32's 8; sizes and `members_size` exact), so a
    marker holding these is as long as the real one (`stamp.write_v0`)."""
    return {"content_hash": "0" * 64, "members": records(members, placeholder=True), "members_size": members_size(members)}


def size_problem(stamped: int, actual: int) -> str:
    """The sentence for an archive of `actual` bytes whose marker recorded
    `stamped` (`Identity.stamped_size`)."""
    return f"changed after it was stamped: {actual} bytes, its marker recorded {stamped} (cut short, appended to or rewritten)"


def rebuild_hint(ident: Identity) -> str:
    return "rebuild it with `rlib-v0 std-bundle`" if ident.kind == KIND_STD_BUNDLE else "rebuild it with `rlib-v0 rustc`"


def check(ident: Identity, toc: Archive, members: list[tuple[str, bytes]], file_size: int) -> tuple[str, str | None] | None:
    """None if the archive (`toc`, read whole: `members`, the marker's
    included; `file_size` bytes) is what `ident`, its marker, recorded;
    else (the problem in a sentence, the member that differs or None where
    the marker cannot say).  What `verify` and `link --verify-content` ask."""
    found = mismatch(ident, members)
    if found is not None:
        return found
    marker = next(m for m in toc.members if m.name.startswith(MARKER_PREFIX))
    stamped = ident.stamped_size(marker)
    if stamped >= 0 and stamped != file_size:
        return size_problem(stamped, file_size), None
    return None


def mismatch(ident: Identity, members: list[tuple[str, bytes]]) -> tuple[str, str | None] | None:
    """None if `members` (the whole archive's, marker included) are what
    `ident` recorded; else (the problem in a sentence, the member that
    differs or None where the marker cannot say)."""
    markers = [n for n, _ in members if n.startswith(MARKER_PREFIX)]
    if len(markers) > 1:
        return f"changed after it was stamped: {len(markers)} marker members ({', '.join(markers[:3])}), a stamped archive has one", markers[1]
    if not ident.content_hash:
        return "its marker records no content hash: what the archive holds cannot be checked", None
    kept = [(n, d) for n, d in members if not n.startswith(MARKER_PREFIX)]
    same = content_hash(kept) == ident.content_hash
    if ident.members_size < 0:
        # A marker before schema 3: the hash alone, which names no member.
        return None if same else ("changed after it was stamped: its members' sha256 is not the marker's content_hash (a marker of this older schema does not say which member)", None)
    want = _parse(ident.members)
    if want is None:
        return "its marker is inconsistent: its record of the members is unreadable", None
    found = _locate(want, kept)
    if found is not None:
        return found
    if not same:
        return "changed after it was stamped: its members' sha256 is not the marker's content_hash, though each member's size and crc32 match the marker", None
    if members_size(kept) != ident.members_size:
        return f"its marker is inconsistent: members_size {ident.members_size}, its members take {members_size(kept)} bytes", None
    return None


def _crc(name: str, data: bytes) -> str:
    from zlib import crc32

    return "%08x" % crc32(data, crc32(name.encode() + b"\0"))


def _parse(text: str) -> list[tuple[int, str]] | None:
    """`Identity.members` as (size, crc) pairs; None if it is not that."""
    out = []
    for item in text.split(" ") if text else ():
        size, sep, crc = item.partition(":")
        if not sep or not (size.isascii() and size.isdigit()) or len(crc) != 8:
            return None
        out.append((int(size), crc))
    return out


def _locate(want: list[tuple[int, str]], kept: list[tuple[str, bytes]]) -> tuple[str, str | None] | None:
    """The first member where the archive (`kept`, the marker left out)
    departs from the marker's records (`want`), as (problem, member)."""
    for n, (name, data) in enumerate(kept):
        if n >= len(want):
            return f"changed after it was stamped: member {name} was added (its marker recorded {len(want)} members after it, the archive has {len(kept)})", name
        size, crc = want[n]
        if len(data) != size:
            return f"changed after it was stamped: member {name} (#{n + 1} after the marker) is {len(data)} bytes, its marker recorded {size}", name
        if _crc(name, data) != crc:
            return f"changed after it was stamped: member {name} (#{n + 1} after the marker) is not what its marker recorded (crc32 of its name and bytes {_crc(name, data)}, recorded {crc})", name
    if len(kept) < len(want):
        return f"changed after it was stamped: {len(want) - len(kept)} member(s) missing at the end (its marker recorded {len(want)} after it, the archive has {len(kept)}: cut short or removed)", None
    return None
