"""The ar reader/writer (rlib_v0.archive): round trips, GNU ar interop, fuzzing.

The reader must turn every malformed input into a `UserError` (one line for
the user), never another exception and never a hang.
"""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import signal
import struct
import subprocess

import pytest

hypothesis = pytest.importorskip("hypothesis", reason="pip install hypothesis (or pip install -e '.[test]')")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from rlib_v0.formats import archive, marker as identity
from rlib_v0.link import inputs as link_inputs  # noqa: E402
from rlib_v0.errors import UserError  # noqa: E402

# Member names as archives hold them: no "/" (GNU uses it as terminator), no
# newline, never empty; short (<= 15 bytes) and long ones, incl. non-ASCII.
_NAME_CHARS = st.sampled_from("abcxyzABC0123456789._-+~ ") | st.characters(min_codepoint=0xA0, max_codepoint=0x2FF)
member_names = st.text(_NAME_CHARS, min_size=1, max_size=40).filter(lambda n: n.strip() == n and n not in ("", "/", "//"))
member_data = st.binary(min_size=0, max_size=300)
symbol_names = st.text(st.characters(blacklist_characters="\0", blacklist_categories=("Cs",)), min_size=1, max_size=30)


@st.composite
def archives(draw):
    names = draw(st.lists(member_names, max_size=8, unique=True))
    members = [(n, draw(member_data)) for n in names]
    symbols = []
    if members:
        symbols = draw(st.lists(st.tuples(symbol_names, st.integers(0, len(members) - 1)), max_size=20))
    return members, symbols


def _write(dirpath, data: bytes, name: str = "x.a") -> str:
    p = os.path.join(dirpath, name)
    with open(p, "wb") as f:
        f.write(data)
    return p


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(archives())
def test_round_trip(tmp_path, arch):
    members, symbols = arch
    data = archive.build(members, symbols)
    assert data.startswith(archive.MAGIC)
    p = _write(tmp_path, data)
    toc = archive.scan(p)
    assert toc.complete
    assert [m.name for m in toc.members] == [n for n, _ in members]
    assert [toc.read(m) for m in toc.members] == [d for _, d in members]
    assert toc.has_symbol_index == bool(symbols)
    # The index maps each symbol to the header of the member that defines it.
    by_offset = {m.header_offset: n for n, m in enumerate(toc.members)}
    got = [(s, by_offset[off]) for s, off in toc.read_symbol_index()]
    assert got == symbols
    # Every member header and its data start at even offsets (ar alignment).
    assert all(m.header_offset % 2 == 0 for m in toc.members)
    # Determinism: the same input gives the same bytes.
    assert archive.build(members, symbols) == data


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(archives(), st.integers(1, 8))
def test_scan_limit_reads_a_prefix(tmp_path, arch, limit):
    members, symbols = arch
    p = _write(tmp_path, archive.build(members, symbols))
    toc = archive.scan(p, limit=limit)
    assert [m.name for m in toc.members] == [n for n, _ in members][:limit]
    assert toc.complete == (len(members) <= limit)


def test_zero_members(tmp_path):
    data = archive.build([], [])
    assert data == archive.MAGIC
    toc = archive.scan(_write(tmp_path, data))
    assert toc.members == [] and not toc.has_symbol_index
    assert toc.read_symbol_index() == []


@pytest.mark.parametrize("size", [0, 1, 2, 59, 60, 61, 4095, 4096, 4097])
def test_odd_and_even_sizes(tmp_path, size):
    members = [("first.o", bytes(range(256)) * (size // 256) + bytes(size % 256)), ("second.o", b"Z" * 3)]
    p = _write(tmp_path, archive.build(members, [("sym_second", 1), ("sym_first", 0)]))
    toc = archive.scan(p)
    assert [(m.name, toc.read(m)) for m in toc.members] == members
    assert dict(toc.read_symbol_index()) == {"sym_second": toc.members[1].header_offset, "sym_first": toc.members[0].header_offset}
    assert toc.symbols_by_member() == {"second.o": ["sym_second"], "first.o": ["sym_first"]}
    assert os.path.getsize(p) % 2 == 0


@pytest.mark.parametrize("name", ["a" * 15, "a" * 16, "x" * 200, "std-0123456789abcdef.std.3f2a-cgu.00.rcgu.o", "dir/with/slash.o", "ünïcödé-näme-long.o"])
def test_long_names(tmp_path, name):
    members = [("short.o", b"1"), (name, b"22"), ("b" * 40, b"333")]
    toc = archive.scan(_write(tmp_path, archive.build(members, [("s", 1)])))
    assert [m.name for m in toc.members] == [n for n, _ in members]
    assert toc.member(name) is not None and toc.read(toc.member(name)) == b"22"
    long_in_table = [n for n, _ in members if len(n.encode()) > 15 or "/" in n]
    for n in long_in_table:
        assert n.encode() + b"/\n" in toc.long_names


def test_parse_symbol_index_64bit():
    syms = [b"alpha", b"beta", b"gamma"]
    offs = [8, 2**33, 2**40 + 2]
    data = struct.pack(">Q", 3) + b"".join(struct.pack(">Q", o) for o in offs) + b"\0".join(syms) + b"\0"
    assert archive.parse_symbol_index(data, True, "x.a") == list(zip([s.decode() for s in syms], offs))
    with pytest.raises(UserError, match="x.a"):
        archive.parse_symbol_index(data[:20], True, "x.a")
    with pytest.raises(UserError, match="x.a"):
        archive.parse_symbol_index(struct.pack(">Q", 2) + struct.pack(">QQ", 1, 2) + b"one\0", True, "x.a")


# ---- interoperability with GNU ar (an independent implementation) ----

_ar = pytest.mark.skipif(shutil.which("ar") is None, reason="needs GNU ar: apt-get install binutils")


@_ar
def test_gnu_ar_reads_what_we_write(tmp_path):
    members = [("a.o", b"alpha\n"), ("a-rather-long-member-name.o", b"odd"), ("b.o", b""), ("another-very-long-name.rcgu.o", b"x" * 1001)]
    p = _write(tmp_path, archive.build(members, [("sym_a", 0), ("sym_long", 3)]))
    listed = subprocess.run(["ar", "t", p], capture_output=True, text=True, check=True).stdout.split("\n")[:-1]
    assert listed == [n for n, _ in members]
    for n, d in members:
        assert subprocess.run(["ar", "p", p, n], capture_output=True, check=True).stdout == d
    armap = subprocess.run(["nm", "--print-armap", p], capture_output=True, text=True).stdout
    assert "sym_a in a.o" in armap and "sym_long in another-very-long-name.rcgu.o" in armap


@_ar
def test_we_read_what_gnu_ar_writes(tmp_path):
    files = {"x.o": b"1", "a-name-longer-than-sixteen.o": b"22", "y.txt": b"", "zz-also-quite-a-long-name.dat": b"4444\n"}
    for n, d in files.items():
        (tmp_path / n).write_bytes(d)
    subprocess.run(["ar", "qcD", "out.a", *files], cwd=tmp_path, check=True)
    toc = archive.scan(str(tmp_path / "out.a"))
    assert {m.name: toc.read(m) for m in toc.members} == files
    assert [m.name for m in toc.members] == list(files)


# ---- fuzzing the reader with corrupted copies of a real rlib ----


@pytest.fixture(scope="module")
def real_rlib(tmp_path_factory) -> str:
    """Path of a small real v0 rlib (a path, so failure reports stay short)."""
    if shutil.which("rustc") is None:
        pytest.skip("needs rustc: https://rustup.rs")
    d = tmp_path_factory.mktemp("fuzz-rlib")
    (d / "fz.rs").write_text("pub fn hello() -> u32 { 7 }\npub fn generic<T: Clone>(x: &T) -> T { x.clone() }\n#[no_mangle] pub extern \"C\" fn fz_c() -> u32 { hello() }\n")
    r = subprocess.run(["rlib-v0", "rustc", "--", "--edition=2021", "--crate-type=rlib", "fz.rs", "-o", "libfz.rlib"], cwd=d, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return str(d / "libfz.rlib")


@functools.lru_cache(maxsize=None)
def _bytes_of(path: str) -> bytes:
    with open(path, "rb") as f:
        return f.read()


@contextlib.contextmanager
def _time_limit(seconds: float):
    """A corrupt size field must not make the header walk loop forever."""

    def hang(signum, frame):
        raise AssertionError(f"reader still running after {seconds} s: endless loop on corrupt input?")

    old = signal.signal(signal.SIGALRM, hang)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def _read_everything(p: str) -> None:
    """Every reader entry point the tools use on an archive."""
    toc = archive.scan(p)
    with open(p, "rb") as f:
        for m in toc.members:
            toc.read(m, f)
        toc.read_symbol_index(f)
        toc.symbols_by_member(f)
    archive.scan(p, limit=1)
    identity.read_marker(p)
    identity.read_marker(p, first_only=True)
    link_inputs.examine(p, True)  # the link path: one first read, then the file


def test_fuzz_baseline_is_valid(tmp_path, real_rlib):
    p = _write(tmp_path, _bytes_of(real_rlib), "ok.rlib")
    _read_everything(p)
    ident, toc = identity.read_marker(p, first_only=True)
    assert ident is not None and ident.crate == "fz" and toc.members[0].name == identity.MARKER_MEMBER


def test_link_path_reads_past_its_first_read(tmp_path, real_rlib, monkeypatch):
    """The link path serves an archive's headers and marker from one read of
    its start (archive.HeadFile) and reads what lies past it from the file:
    wherever that first read ends, the identity is the same, and an archive
    cut short is still refused, naming it."""
    data = _bytes_of(real_rlib)
    p = _write(tmp_path, data, "ok.rlib")
    want, toc = identity.read_marker(p, first_only=True)
    last_indexed = max(off for _, off in toc.read_symbol_index())
    cut = _write(tmp_path, data[: last_indexed + 61], "cut.rlib")  # the last indexed member's header, then nothing
    for head in (8, 59, 60, 68, 69, 200, toc.members[0].data_offset, toc.members[0].data_offset + 1, 4096, 1 << 20):
        monkeypatch.setattr(link_inputs, "_HEAD_BYTES", head)
        assert link_inputs.examine(p, True) == want, head
        with pytest.raises(UserError, match="cut.rlib"):
            link_inputs.examine(cut, True)


def _header_offsets(data: bytes) -> list[int]:
    import tempfile

    with tempfile.NamedTemporaryFile(suffix=".a") as f:
        f.write(data)
        f.flush()
        toc = archive.scan(f.name)
    offs = [m.header_offset for m in toc.members]
    if toc.has_symbol_index:
        offs.append(toc.symbol_index_offset - 60)
    return offs + [8]


@st.composite
def corruptions(draw, data: bytes):
    kind = draw(st.sampled_from(["truncate", "flip", "flip-header", "digits-header"]))
    buf = bytearray(data)
    if kind == "truncate":
        return bytes(buf[: draw(st.integers(0, len(buf) - 1))])
    if kind == "flip":
        for _ in range(draw(st.integers(1, 16))):
            i = draw(st.integers(0, len(buf) - 1))
            buf[i] ^= 1 << draw(st.integers(0, 7))
        return bytes(buf)
    # Aim at the 60-byte headers, where most of the parsing happens.
    heads = _header_offsets(data)
    for _ in range(draw(st.integers(1, 4))):
        h = draw(st.sampled_from(heads))
        i = min(len(buf) - 1, h + draw(st.integers(0, 59)))
        if kind == "flip-header":
            buf[i] ^= 1 << draw(st.integers(0, 7))
        else:
            buf[i] = ord(draw(st.sampled_from("0123456789 -+_/#`\n\0x")))
    return bytes(buf)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_fuzz_reader_raises_only_user_error(tmp_path, real_rlib, data):
    bad = data.draw(corruptions(_bytes_of(real_rlib)))
    p = _write(tmp_path, bad, "fuzz.rlib")
    try:
        with _time_limit(5):
            _read_everything(p)
    except UserError as e:
        msg = str(e)
        assert "\n" not in msg
        assert p in msg or "fuzz.rlib" in msg, msg


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_fuzz_verify_raises_only_user_error(tmp_path, real_rlib, data):
    """`verify` parses the ELF members too (pyelftools): still one-line errors only."""
    from rlib_v0.audit.verify import verify_file

    bad = data.draw(corruptions(_bytes_of(real_rlib)))
    p = _write(tmp_path, bad, "fuzz.rlib")
    try:
        with _time_limit(10):
            rep = verify_file(p)
    except UserError as e:
        assert "\n" not in str(e) and "fuzz.rlib" in str(e), str(e)
    else:
        assert rep.path == p


# ---- check_complete: the link path's cheap truncation check ----


def _cut_variants(data: bytes, toc: archive.Archive) -> list[int]:
    last = toc.members[-1]
    return [last.header_offset, last.header_offset + 30, last.data_offset + 1, len(data) - 1]


def test_check_complete_accepts_whole_archives(tmp_path):
    members = [("m0.o", b"a" * 11), ("long-member-name-1.o", b"b" * 100), ("m2.o", b"c")]
    p = _write(tmp_path, archive.build(members, [("s0", 0), ("s2", 2), ("s1", 1)]))
    with open(p, "rb") as f:
        archive.check_complete(archive.scan(p, f, limit=1), f)
    p0 = _write(tmp_path, archive.build(members, []), "noindex.a")
    with open(p0, "rb") as f:
        archive.check_complete(archive.scan(p0, f, limit=1), f)


def test_check_complete_finds_cut_off_archives(tmp_path):
    members = [("m0.o", b"a" * 11), ("m1.o", b"b" * 100), ("m2.o", b"c" * 52)]  # last one even: no pad byte
    data = archive.build(members, [("s0", 0), ("s2", 2)])
    full = archive.scan(_write(tmp_path, data, "full.a"))
    for n, keep in enumerate(_cut_variants(data, full)):
        p = _write(tmp_path, data[:keep], f"cut{n}.a")
        with open(p, "rb") as f:
            toc = archive.scan(p, f, limit=1)  # the first header is intact
            with pytest.raises(UserError, match=f"cut{n}.a"):
                archive.check_complete(toc, f)


def test_marker_json_is_json_dumps():
    """The marker's JSON comes from CPython's C encoder called directly
    (no `json` import on the compile path): byte for byte what
    `json.dumps(..., sort_keys=True, separators=(",", ":"))` writes."""
    import json

    from rlib_v0.formats.marker import _json_dumps

    cases = [
        {"crate": "größe", "sep": "\u2028\x00\"\\/", "n": [1, -2, 2.5, 1e300, None, True, False], "z": {"b": [], "a": [{}]}},
        {"deps": [{"crate": "a", "crate_id": "0" * 32}], "schema": 3, "members": "12:deadbeef 7:00000000"},
        [],
        "x",
        0,
    ]
    for obj in cases:
        assert _json_dumps(obj) == json.dumps(obj, sort_keys=True, separators=(",", ":"))
    with pytest.raises(TypeError):
        _json_dumps({"a": object()})


@given(st.lists(st.binary(max_size=12).map(lambda b: b.replace(b"\0", b"")), min_size=1, max_size=8), st.booleans())
@settings(max_examples=200, deadline=None)
def test_symbol_index_names_decode_as_one_by_one(names, is64):
    """parse_symbol_index decodes the names in one piece, then splits: each
    name comes out as decoding it alone gives, invalid UTF-8 included (a NUL
    is never inside a UTF-8 sequence, so no replacement spans two names)."""
    width, fmt = (8, ">Q") if is64 else (4, ">I")
    offs = list(range(len(names)))
    data = struct.pack(fmt, len(names)) + b"".join(struct.pack(fmt, o) for o in offs) + b"".join(n + b"\0" for n in names)
    assert archive.parse_symbol_index(data, is64, "x.a") == [(n.decode("utf-8", "replace"), o) for n, o in zip(names, offs)]
