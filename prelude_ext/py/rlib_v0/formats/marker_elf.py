"""The marker object's two sections, read: the one ELF the link path parses.

Every link reads the `_rlib_v00.o` member of every Rust archive: its
`.rlib_v0` payload (the identity's JSON) and its `.rlib_v0.sum` checksum
(`marker_checksum`).  Read here with `int.from_bytes` over the section
headers, not `elf`'s `struct` tables: importing `struct` (a shared library)
and building header records cost each link more than the reads.  The
marker object itself is written by `elf.marker_object`.
"""

from __future__ import annotations

ELF_MAGIC = b"\x7fELF"
MARKER_SECTION = ".rlib_v0"
# The marker object's checksum (`marker_checksum`), 8 hex digits.  Its own
# section, never inside the JSON: a reader checks the bytes before it
# parses them, and older readers, which look only at `.rlib_v0`, still say
# "newer rlib-v0" rather than "not JSON".
MARKER_SUM_SECTION = ".rlib_v0.sum"
SUM_DIGITS = 8
# The largest prime below 2**30: the checksum is the object read as one
# big-endian integer modulo it (one 30-bit digit of CPython's integers, so
# the remainder is its fast single-digit loop).
_SUM_PRIME = 2**30 - 35
_PAYLOAD_NAME = MARKER_SECTION.encode() + b"\0"
_SUM_NAME = MARKER_SUM_SECTION.encode() + b"\0"


def is_elf(data: bytes) -> bool:
    return data[:4] == ELF_MAGIC


def marker_checksum(obj: bytes, at: int) -> bytes:
    """The checksum of a marker object whose 8 checksum digits are at
    offset `at`: every byte of the object, those digits read as ASCII "0",
    taken as one big-endian integer, modulo the prime 2**30 - 35; 8
    lowercase hex digits.

    Exact where it matters: a change confined to 3 consecutive bytes (a
    flipped byte, a digit of a JSON string) changes the integer by d * 256**k
    with 0 < |d| < 2**24 < p, never a multiple of the prime; other changes
    go unseen with odds of one in 2**30.  And cheap enough for every link:
    no module to import (`zlib` or `_sha256` would cost each link a
    shared-library load, more than all the checks), ~4 us for a 1.4 kB
    marker."""
    whole = obj[:at] + b"0" * SUM_DIGITS + obj[at + SUM_DIGITS :]
    return b"%08x" % (int.from_bytes(whole, "big") % _SUM_PRIME)


def marker_payload(obj: bytes) -> tuple[bytes | None, bool | None]:
    """(the `.rlib_v0` payload or None, whether the object matches its
    checksum: None when it has no `.rlib_v0.sum` section, as markers before
    schema 3).  (None, None) for anything that is not an ELF object whose
    section headers lie inside it."""
    n = len(obj)
    if n < 52 or obj[:4] != ELF_MAGIC:
        return None, None
    order = "little" if obj[5] == 1 else "big"
    if obj[4] == 2:  # ELFCLASS64: Elf64_Ehdr, Elf64_Shdr (64 bytes)
        if n < 64:
            return None, None
        shoff, hdr = int.from_bytes(obj[40:48], order), obj[58:64]
        entsize, off_at, word = 64, 24, 8
    else:
        shoff, hdr = int.from_bytes(obj[32:36], order), obj[46:52]
        entsize, off_at, word = 40, 16, 4
    shentsize, shnum, shstrndx = int.from_bytes(hdr[0:2], order), int.from_bytes(hdr[2:4], order), int.from_bytes(hdr[4:6], order)
    if shnum == 0:
        return None, None
    if shentsize < entsize or shoff + shnum * shentsize > n or shstrndx >= shnum:
        return None, None
    # (sh_name, sh_offset, sh_size) of each section header.
    secs = []
    for at in range(shoff, shoff + shnum * shentsize, shentsize):
        a = at + off_at
        secs.append((int.from_bytes(obj[at : at + 4], order), int.from_bytes(obj[a : a + word], order), int.from_bytes(obj[a + word : a + 2 * word], order)))
    _, str_off, str_size = secs[shstrndx]
    payload = summed = None
    starts = obj.startswith
    for name, off, size in secs:
        if name < str_size and off + size <= n:
            if starts(_PAYLOAD_NAME, str_off + name):
                payload = obj[off : off + size]
            elif starts(_SUM_NAME, str_off + name):
                summed = size == SUM_DIGITS and obj[off : off + SUM_DIGITS] == marker_checksum(obj, off)
    return payload, summed
