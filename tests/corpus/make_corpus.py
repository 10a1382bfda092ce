"""Bad-input corpus for the rlib-v0 tests.

Two kinds of files:
- fixed ones that need no compiler (`write_static(dir)`): empty, garbage,
  archives with corrupt headers; deterministic bytes, so no binaries live in
  the repository;
- ones derived from real archives of the rustc in use (`truncated`,
  `restamped`): a cut-off copy, or a copy whose `_rlib_v00` marker says
  something else (another rustc, target or panic strategy), re-stamped with
  the package's own stamp/identity API exactly as `rlib-v0 rustc` stamps.

Usage: python tests/corpus/make_corpus.py OUTDIR   (writes the fixed files)
"""

from __future__ import annotations

import os
import random
import sys

from rlib_v0.formats import archive, marker as identity
from rlib_v0.compile import stamp


def _archive_with_bad_header(field_offset: int, value: bytes) -> bytes:
    """A valid two-member archive whose first member header has `value` at
    `field_offset` (0 name, 48 size, 58 terminator)."""
    data = bytearray(archive.build([("a.o", b"x" * 10), ("b.o", b"y" * 7)], [("sym_a", 0)]))
    start = data.index(b"a.o/")
    data[start + field_offset : start + field_offset + len(value)] = value
    return bytes(data)


def static_files() -> dict[str, bytes]:
    rng = random.Random(20240601)
    garbage = bytes(rng.randrange(256) for _ in range(4096))
    return {
        "empty.rlib": b"",
        "garbage.rlib": garbage,
        "garbage-archive.a": archive.MAGIC + garbage,
        "thin.rlib": archive.THIN_MAGIC + garbage[:200],
        # Size -60: a naive reader walks back to the same header forever.
        "negative-size.a": _archive_with_bad_header(48, b"-60       "),
        "non-numeric-size.a": _archive_with_bad_header(48, b"1_0       "),
        "bad-terminator.a": _archive_with_bad_header(58, b"XX"),
        "bad-long-name.a": _archive_with_bad_header(0, b"/9999           "),
        "header-only.rlib": archive.MAGIC + b"a.o/",
    }


def write_static(outdir: str) -> dict[str, str]:
    os.makedirs(outdir, exist_ok=True)
    paths = {}
    for name, data in static_files().items():
        p = os.path.join(outdir, name)
        with open(p, "wb") as f:
            f.write(data)
        paths[name] = p
    return paths


def truncated(src: str, dst: str, keep: int) -> str:
    """`dst`: the first `keep` bytes of `src` (negative: all but the last -keep)."""
    with open(src, "rb") as f:
        data = f.read()
    with open(dst, "wb") as f:
        f.write(data[:keep])
    return dst


def restamped(src: str, dst: str, **changes) -> str:
    """A copy of the v0 archive `src` whose marker differs by `changes`
    (Identity fields, e.g. rustc_commit=..., target=..., panic=...)."""
    ident, _ = identity.read_marker(src)
    if ident is None:
        raise ValueError(f"{src} has no _rlib_v00 marker")
    new = identity.Identity.from_json(ident.to_json(), src)  # a copy
    for k, v in changes.items():
        if not hasattr(new, k):
            raise AttributeError(f"Identity has no field {k}")
        setattr(new, k, v)
    if "target" in changes and "crate_id" not in changes:
        new.crate_id = identity.crate_id(new.crate, new.metadata, new.target)
    members, index = stamp.load_members(src)
    with open(dst, "wb") as f:
        f.write(stamp.build_v0(members, index, new, dst))
    return dst


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    for name, path in write_static(sys.argv[1]).items():
        print(path)
