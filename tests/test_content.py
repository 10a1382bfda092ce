"""Archives changed after they were stamped (issue 28).

A v0 rlib or std bundle records what it holds when stamped: every member
after the marker (size, crc32 of name and bytes), the bytes they take, a
sha256 of them all, and a checksum of the marker object itself.  Real
rustc, real bundles, real links; the archives are then changed as a build
cache, a file system or a hand edit would change them, and each change must
be refused in one line: by `verify` always (naming the member where the
marker can say), by `link` when it is free (the archive's size, the
marker's checksum), and by `link --verify-content` / `--debug` always.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import assert_user_error

from rlib_v0.formats import archive, content, elf, marker as identity
from rlib_v0.compile import stamp

USE_OLD = '#[no_mangle]\npub extern "C" fn use_old_value() -> u32 { 40 + 2 }\npub fn helper(v: &[u32]) -> u32 { v.iter().sum() }\n'
# The same crate name, other code and metadata: a marker to swap in.
USE_OLD_2 = USE_OLD + "pub fn more(s: &str) -> String { format!(\"{s}{s}\") }\n"
MAIN_C = "unsigned use_old_value(void);\nint main(void) { return use_old_value() == 42 ? 0 : 1; }\n"


@pytest.fixture(scope="module")
def world(build_crate, std_bundle, compile_c):
    crate = build_crate("use_old", USE_OLD, flags=["-C", "metadata=v1"])
    return {
        "crate": crate,
        "crate_2": build_crate("use_old", USE_OLD_2, flags=["-C", "metadata=v2"]),
        # The same code, other metadata: members of the same sizes.
        "crate_same_size": build_crate("use_old", USE_OLD, flags=["-C", "metadata=v3"]),
        "bundle": std_bundle(),
        "main": compile_c(MAIN_C, name="use_old_main"),
    }


def _members(path: Path) -> tuple[bytes, archive.Archive]:
    return path.read_bytes(), archive.scan(str(path))


def _flip(data: bytes, pos: int) -> bytes:
    return data[:pos] + bytes([data[pos] ^ 0x01]) + data[pos + 1 :]


def _body(data: bytes, m: archive.Member) -> bytes:
    return data[m.data_offset : m.data_offset + m.size]


def _object_member(toc: archive.Archive, data: bytes) -> archive.Member:
    """The largest object that is neither the marker nor rustc's metadata
    (judged by content: the metadata object has a `.rmeta` section)."""
    objs = [m for m in toc.members if not m.name.startswith(identity.MARKER_PREFIX) and elf.is_elf(_body(data, m)) and elf.section_data(_body(data, m), ".rmeta") is None]
    return max(objs, key=lambda m: m.size)


def _swap_marker(onto: Path, marker_from: Path) -> bytes:
    """`onto`'s members and symbol index under `marker_from`'s marker."""
    members, index = stamp.load_members(str(onto))
    donor, _ = stamp.load_members(str(marker_from))
    assert members[0][0] == donor[0][0] == identity.MARKER_MEMBER
    return archive.build([donor[0]] + members[1:], index, always_index=True)


def _tamper(kind: str, w: dict, out: Path) -> tuple[Path, str | None, bool]:
    """(the changed archive, the member `verify` must name (None: it cannot
    say which), whether the plain link must refuse it too)."""
    src = w["bundle"] if kind == "bundle_member" else w["crate"]
    data, toc = _members(src)
    name = None
    if kind in ("object", "bundle_member"):
        m = _object_member(toc, data)
        new, name, free = _flip(data, m.data_offset + m.size // 2), m.name, False
    elif kind == "metadata":
        # rustc's metadata, whatever its name: the object with a `.rmeta` section.
        m = next(m for m in toc.members if elf.section_data(_body(data, m), ".rmeta") is not None)
        new, name, free = _flip(data, m.data_offset + m.size // 2), m.name, False
    elif kind == "marker_payload":
        # One letter of the crate's name inside the JSON: still JSON, still
        # a marker — only its checksum tells.
        pos = data.index(b'"crate":"use_old"', toc.members[0].data_offset) + len(b'"crate":"u')
        new, name, free = _flip(data, pos), identity.MARKER_MEMBER, True
    elif kind == "truncate":
        last = toc.members[-1]
        new, free = data[: last.data_offset + last.size // 2], True
    elif kind == "truncate_boundary":
        new, free = data[: toc.members[-1].header_offset], True
    elif kind == "append":
        body = b"\x7fELF appended"
        pad = b"\n" * (len(data) & 1)
        new, name, free = data + pad + b"%-16s%-12s%-6s%-6s%-8s%-10s`\n" % (b"extra.o/", b"0", b"0", b"0", b"644", str(len(body)).encode()) + body, "extra.o", True
    elif kind == "swap_marker":
        new, free = _swap_marker(w["crate"], w["crate_2"]), True
    elif kind == "swap_marker_same_size":
        new, free = _swap_marker(w["crate"], w["crate_same_size"]), False
    else:
        raise AssertionError(kind)
    if kind.startswith("swap_marker"):
        # The first member whose record differs is named: rustc's metadata
        # (it holds the crate's hash) at the latest.
        name = toc.members[1].name
    path = out / (src.name if kind != "bundle_member" else "libstd_bundle.a")
    path.write_bytes(new)
    assert new != data
    return path, name, free


KINDS = ["object", "metadata", "marker_payload", "bundle_member", "truncate", "truncate_boundary", "append", "swap_marker", "swap_marker_same_size"]


def _link_argv(w: dict, crate: Path, bundle: Path, exe: Path) -> list:
    return ["cc", w["main"], crate, bundle, "-o", exe]


def _sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def test_untouched_archives_pass_every_check(world, rlib_v0, link, run_exe, tmp_path):
    for p in (world["crate"], world["bundle"]):
        proc = rlib_v0("verify", "--json", p)
        assert proc.returncode == 0, proc.stdout
        rep = json.loads(proc.stdout)[0]
        assert rep["ok"] and rep["content_ok"] is True and rep["changed_member"] is None
    ident, _ = identity.read_marker(str(world["crate"]))
    assert ident.members_size > 0 and len(ident.members.split(" ")) == len(archive.scan(str(world["crate"])).members) - 1
    for opts in ([], ["--verify-content"], ["--debug"]):
        exe = tmp_path / f"app{len(opts)}{''.join(opts)}"
        proc = rlib_v0("link", *opts, "--", *_link_argv(world, world["crate"], world["bundle"], exe))
        assert proc.returncode == 0, proc.stderr
        assert run_exe(exe).returncode == 0
    assert "members checked against its marker" in proc.stderr  # --debug says so


@pytest.mark.parametrize("kind", KINDS)
def test_archive_changed_after_stamping_is_refused(kind, world, rlib_v0, link, tmp_path):
    path, member, free = _tamper(kind, world, tmp_path)
    crate = path if kind != "bundle_member" else world["crate"]
    bundle = path if kind == "bundle_member" else world["bundle"]
    before = _sha(path)

    # verify: FAILED, one error line, naming the member where it can.
    proc = rlib_v0("verify", path)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stdout + proc.stderr
    assert proc.stdout.startswith(f"{path}: FAILED"), proc.stdout
    errors = [ln for ln in proc.stdout.splitlines() if ln.startswith("  error: ")]
    assert len(errors) == 1 and "changed after it was stamped" in errors[0], proc.stdout
    if member:
        assert member in errors[0], errors[0]
    proc = rlib_v0("verify", "--json", path)
    rep = json.loads(proc.stdout)[0]
    assert rep["ok"] is False and rep["content_ok"] is False and rep["changed_member"] == member, rep
    # ...and one line on stderr, what a build log shows of the action.
    assert_user_error(proc, str(path), "changed after it was stamped", *([member] if member else []))

    # link: refused in one line naming the file (and the member) whenever it
    # reads every member; without that, whenever the change is free to see.
    exe = tmp_path / "app"
    for opts, must in ((["--verify-content"], True), (["--debug"], True), ([], free)):
        proc = rlib_v0("link", *opts, "--", *_link_argv(world, crate, bundle, exe))
        if must:
            line = assert_user_error(proc, str(path), *([member] if member and opts else []))
            assert "changed after it was stamped" in line, line
            assert not exe.exists()
    proc = rlib_v0("link", "--", *_link_argv(world, crate, bundle, exe), env={"RLIB_V0_LINK_DEBUG": "1"})
    assert_user_error(proc, str(path))
    assert _sha(path) == before  # inputs untouched


def test_every_byte_of_the_marker_is_covered(world, tmp_path):
    """Flip each byte of a real marker member, two ways: every read of the
    marker (the link's included) refuses it — the JSON, the ELF headers,
    the section names, the checksum itself."""
    data, toc = _members(world["crate"])
    m = toc.members[0]
    path = tmp_path / "libuse_old.rlib"
    for pos in range(m.data_offset, m.data_offset + m.size):
        for mask in (0x01, 0x80):
            path.write_bytes(data[:pos] + bytes([data[pos] ^ mask]) + data[pos + 1 :])
            with pytest.raises(identity.UserError):
                identity.read_marker(str(path), first_only=True)


def test_older_marker_is_still_read_and_checked_by_its_hash(world, rlib_v0, link, run_exe, tmp_path):
    """A schema-2 marker (no member records, no checksum section) still
    links; `verify` still recomputes its content hash."""
    members, index = stamp.load_members(str(world["crate"]))
    ident, _ = identity.read_marker(str(world["crate"]))
    d = json.loads(ident.to_json())
    del d["members"], d["members_size"]
    d["schema"] = 2
    # The marker object as rlib-v0 wrote it before schema 3: no `.rlib_v0.sum`.
    symsize = 24
    old = elf._relocatable(stamp.template_header(members[1:], "x"), [
        (b".rlib_v0", elf.SHT_PROGBITS, elf.SHF_EXCLUDE, json.dumps(d, sort_keys=True, separators=(",", ":")).encode(), 0, 0, 1, 0),
        (b".symtab", elf.SHT_SYMTAB, 0, bytes(symsize), 3, 1, 8, symsize),
        (b".strtab", elf.SHT_STRTAB, 0, b"\0", 0, 0, 1, 0),
    ])  # fmt: skip
    assert elf.marker_payload(old)[1] is None
    intact = tmp_path / "libuse_old.rlib"
    intact.write_bytes(archive.build([(identity.MARKER_MEMBER, old)] + members[1:], index, always_index=True))
    proc = rlib_v0("verify", "--json", intact)
    assert proc.returncode == 0 and json.loads(proc.stdout)[0]["content_ok"] is True, proc.stdout
    proc = link(_link_argv(world, intact, world["bundle"], tmp_path / "app"), debug=True)
    assert proc.returncode == 0, proc.stderr
    assert run_exe(tmp_path / "app").returncode == 0

    data, toc = _members(intact)
    m = _object_member(toc, data)
    changed = tmp_path / "changed" / "libuse_old.rlib"
    changed.parent.mkdir()
    changed.write_bytes(_flip(data, m.data_offset + 7))
    rep = json.loads(rlib_v0("verify", "--json", changed).stdout)[0]
    assert rep["content_ok"] is False and rep["changed_member"] is None
    assert "content_hash" in rep["problems"][0] and "older schema" in rep["problems"][0]
    proc = rlib_v0("link", "--verify-content", "--", *_link_argv(world, changed, world["bundle"], tmp_path / "app2"))
    assert_user_error(proc, str(changed), "content_hash")

    # A schema-3 marker must carry its checksum: one without is refused.
    d["schema"] = identity.SCHEMA
    d["members"], d["members_size"] = ident.members, ident.members_size
    bare = elf._relocatable(stamp.template_header(members[1:], "x"), [(b".rlib_v0", elf.SHT_PROGBITS, elf.SHF_EXCLUDE, json.dumps(d).encode(), 0, 0, 1, 0)])
    unsummed = tmp_path / "unsummed" / "libuse_old.rlib"
    unsummed.parent.mkdir()
    unsummed.write_bytes(archive.build([(identity.MARKER_MEMBER, bare)] + members[1:], index, always_index=True))
    proc = link(_link_argv(world, unsummed, world["bundle"], tmp_path / "app3"))
    assert_user_error(proc, str(unsummed), ".rlib_v0.sum")


# ---------------------------------------------------------------------------
# The `.v0-identity.json` sidecar beside an rlib


@pytest.fixture
def cargo_like(rlib_v0, tmp_path) -> dict:
    """A crate compiled as cargo compiles it: rmeta, sidecar and rlib."""
    src = tmp_path / "side.rs"
    src.write_text(USE_OLD)
    d = tmp_path / "deps"
    d.mkdir()
    rlib_v0("rustc", "--", "--edition=2021", "--crate-name=side", "--crate-type=lib", "--emit=dep-info,metadata,link", "-C", "metadata=s1", "-C", "extra-filename=-s1", str(src), "--out-dir", d, check=True)
    user = tmp_path / "user.rs"
    user.write_text("pub fn twice() -> u32 { 2 * side::use_old_value() }\n")
    return {"rlib": d / "libside-s1.rlib", "rmeta": d / "libside-s1.rmeta", "sidecar": d / "libside-s1.v0-identity.json", "user": user, "dir": tmp_path}


def _rustc_user(rlib_v0, c: dict, extern: Path):
    return rlib_v0("rustc", "--", "--edition=2021", "--crate-name=user", "--crate-type=rlib", str(c["user"]), "--extern", f"side={extern}", "-o", c["dir"] / "libuser.rlib")


def test_sidecar_agreeing_with_its_marker_passes(cargo_like, rlib_v0, world, tmp_path):
    assert cargo_like["sidecar"].exists()
    assert rlib_v0("verify", cargo_like["rlib"]).returncode == 0
    assert _rustc_user(rlib_v0, cargo_like, cargo_like["rlib"]).returncode == 0
    proc = rlib_v0("link", "--verify-content", "--", "cc", "-shared", "-o", tmp_path / "x.so", cargo_like["rlib"], world["bundle"])
    assert proc.returncode == 0, proc.stderr


def test_sidecar_disagreeing_with_its_marker_is_refused(cargo_like, rlib_v0, world, tmp_path):
    """The sidecar of another version of the crate beside the rlib: neither
    is trusted."""
    side = cargo_like["sidecar"]
    d = json.loads(side.read_text())
    d["metadata"] = "s2"
    d["crate_id"] = identity.crate_id(d["crate"], "s2", d["target"])
    side.write_text(json.dumps(d))
    rlib = cargo_like["rlib"]
    proc = rlib_v0("verify", "--json", rlib)
    rep = json.loads(proc.stdout)[0]
    assert proc.returncode == 1 and not rep["ok"] and str(side) in rep["problems"][0] and "disagrees" in rep["problems"][0], rep
    line = assert_user_error(_rustc_user(rlib_v0, cargo_like, rlib), str(side), "disagrees")
    assert "metadata" in line
    proc = rlib_v0("link", "--verify-content", "--", "cc", "-shared", "-o", tmp_path / "x.so", rlib, world["bundle"])
    assert_user_error(proc, str(rlib), str(side))
    assert not (tmp_path / "x.so").exists()


def test_sidecar_changed_by_one_byte_is_refused(cargo_like, rlib_v0):
    """A written `crate_id` must be the one its name, metadata and target
    give: one changed character of any of them is seen."""
    side = cargo_like["sidecar"]
    text = side.read_text()
    for field in ("crate_id", "metadata", "target"):
        d = json.loads(text)
        d[field] = d[field][:-1] + ("0" if d[field][-1] != "0" else "1")
        side.write_text(json.dumps(d))
        line = assert_user_error(_rustc_user(rlib_v0, cargo_like, cargo_like["rmeta"]), str(side), "unreadable v0 identity")
        assert "crate_id" in line
    d = json.loads(text)
    d["panic"] = "unwinf"
    side.write_text(json.dumps(d))
    assert_user_error(_rustc_user(rlib_v0, cargo_like, cargo_like["rmeta"]), str(side), "panic")


# ---------------------------------------------------------------------------
# `content` on its own (no rustc)


def _ident(members: list[tuple[str, bytes]]) -> identity.Identity:
    ident = identity.Identity(kind=identity.KIND_RLIB, crate="a", metadata="m", crate_id="0" * 32, rustc_version="r", rustc_release="1", rustc_commit="c", target="x86_64-unknown-linux-gnu", panic="unwind")
    ident.content_hash = content.content_hash(members)
    ident.members = content.records(members)
    ident.members_size = content.members_size(members)
    return ident


MEMBERS = [(identity.MARKER_MEMBER, b"marker"), ("lib.rmeta", b"meta" * 10), ("a.o", b"\x7fELF" + bytes(33)), ("b.o", b"\x7fELF" + bytes(20))]


def test_mismatch_names_each_change():
    ident = _ident(MEMBERS)
    assert content.mismatch(ident, MEMBERS) is None
    cases = {
        "reordered": (MEMBERS[:1] + [MEMBERS[2], MEMBERS[1], MEMBERS[3]], "a.o"),
        "renamed": (MEMBERS[:3] + [("c.o", MEMBERS[3][1])], "c.o"),
        "second marker": (MEMBERS + [("_rlib_v00.o", b"other")], "_rlib_v00.o"),
        "removed in the middle": (MEMBERS[:2] + MEMBERS[3:], "b.o"),
        "removed at the end": (MEMBERS[:3], None),
        "resized": (MEMBERS[:2] + [("a.o", MEMBERS[2][1] + b"x")] + MEMBERS[3:], "a.o"),
    }
    for what, (members, named) in cases.items():
        found = content.mismatch(ident, members)
        assert found is not None and found[1] == named, (what, found)
        assert found[0].count("\n") == 0
    # A marker whose records disagree with its own hash or size is named
    # inconsistent, not taken at its word.
    bad = _ident(MEMBERS)
    bad.members_size += 2
    assert "inconsistent" in content.mismatch(bad, MEMBERS)[0]
    bad = _ident(MEMBERS)
    bad.members = "12:zz"
    assert "inconsistent" in content.mismatch(bad, MEMBERS)[0]


def test_marker_checksum_sees_every_byte_and_every_three_byte_burst():
    obj = elf.marker_object(elf.ElfHeader(True, True, 62, 0, 0), b'{"crate":"a","metadata":"m"}')
    assert elf.marker_payload(obj) == (b'{"crate":"a","metadata":"m"}', True)
    at = elf.section_ranges(obj, (elf.MARKER_SUM_SECTION,))[0][0]
    want = elf.marker_checksum(obj, at)
    for pos in range(len(obj)):
        if at <= pos < at + 8:
            continue
        for burst in (b"\xff", b"\x00\x01", b"\x80\x00\x01"):
            changed = bytearray(obj)
            for i, x in enumerate(burst):
                if pos + i < len(obj) and not at <= pos + i < at + 8:
                    changed[pos + i] ^= x or 0x10
            assert elf.marker_checksum(bytes(changed), at) != want, (pos, burst)


def test_write_v0_writes_build_v0s_bytes_while_the_check_runs(world, tmp_path):
    """`stamp.write_v0` (what `rlib-v0 rustc` stamps with: hash, write and
    check overlapping, the marker written over a placeholder) gives the
    archive `build_v0` gives, on a real crate's members; the check runs,
    and its exception leaves with nothing else claimed."""
    members, index = stamp.load_members(str(world["crate"]))
    kept, kept_index = stamp.without_markers(members, index)
    assert len(kept) < len(members)  # the real crate's marker dropped
    ident = identity.read_marker(str(world["crate"]))[0].with_fields(content_hash="", members="", members_size=-1)
    checked = []
    out = tmp_path / "out.rlib"
    stamped = stamp.write_v0(str(out), kept, kept_index, ident, "t", lambda: checked.append(True))
    assert checked == [True]
    expected = stamp.build_v0(kept, kept_index, ident, "t")
    assert out.read_bytes() == expected
    # Over the archive the members were read from (what the compile does),
    # and over a longer file: the same bytes, nothing of the old after them.
    over = tmp_path / "over.rlib"
    shutil.copyfile(world["crate"], over)
    again, again_index = stamp.without_markers(*stamp.load_members(str(over)))
    stamp.write_v0(str(over), again, again_index, ident, "t", lambda: None)
    assert over.read_bytes() == expected
    over.write_bytes(expected + b"x" * 5000)
    stamp.write_v0(str(over), kept, kept_index, ident, "t", lambda: None)
    assert over.read_bytes() == expected
    assert (stamped.content_hash, stamped.members, stamped.members_size) == (content.content_hash(kept), content.records(kept), content.members_size(kept))
    assert content.mismatch(stamped, kept) is None

    def refuse() -> None:
        raise ValueError("refused")

    with pytest.raises(ValueError, match="refused"):
        stamp.write_v0(str(tmp_path / "bad.rlib"), kept, kept_index, ident, "t", refuse)
    # A write that fails (its directory is gone) is reported after the check.
    with pytest.raises(OSError):
        stamp.write_v0(str(tmp_path / "gone" / "x.rlib"), kept, kept_index, ident, "t", lambda: None)


def test_mapped_members_are_the_read_members(world, tmp_path):
    """`stamp.map_members` (what `rlib-v0 rustc` stamps from: views of the
    file mapped into memory) gives `load_members`' members and index, and
    `write_v0` of those views the same archive; an archive cut short is one
    line naming it."""
    members, index = stamp.load_members(str(world["crate"]))
    mapped, mapped_index = stamp.map_members(str(world["crate"]))
    assert [(n, bytes(d)) for n, d in mapped] == members and mapped_index == index
    assert all(type(d) is memoryview for _, d in mapped)
    kept, kept_index = stamp.without_markers(mapped, mapped_index)
    ident = identity.read_marker(str(world["crate"]))[0].with_fields(content_hash="", members="", members_size=-1)
    out = tmp_path / "out.rlib"
    stamp.write_v0(str(out), kept, kept_index, ident, "t", lambda: None)
    assert out.read_bytes() == stamp.build_v0(*stamp.without_markers(members, index), ident, "t")
    cut = tmp_path / "cut.rlib"
    whole = world["crate"].read_bytes()
    cut.write_bytes(whole[: len(whole) - 100])
    with pytest.raises(identity.UserError, match=r"cut\.rlib: .*(cut short|truncated|past the end)"):
        stamp.map_members(str(cut))
    empty = tmp_path / "empty.rlib"
    empty.write_bytes(b"")
    with pytest.raises(identity.UserError, match="empty.rlib"):
        stamp.map_members(str(empty))


def test_members_are_read_where_files_cannot_be_mapped(world, monkeypatch):
    """A file system that refuses mmap (ENODEV: some FUSE ones): map_members
    reads the members instead, the same ones."""
    import mmap

    def refuse(*_a, **_k):
        raise OSError(19, "No such device")

    monkeypatch.setattr(mmap, "mmap", refuse)
    members, index = stamp.map_members(str(world["crate"]))
    assert (members, index) == stamp.load_members(str(world["crate"]))
    assert all(type(d) is bytes for _, d in members)


_BEFORE_RUSTC = """
import sys
sys.path.insert(0, sys.argv[1])
from rlib_v0 import proc
class Started(Exception):
    pass
def started(*a, **k):
    print(sorted(m for m in ("json", "re", "hashlib") if m in sys.modules))
    raise Started
proc.run_filtering_stderr = started
from rlib_v0.cli import run_build_verb
run_build_verb(sys.argv[2], sys.argv[3:])
"""


def test_no_json_or_re_before_rustc_starts(cargo_like, tmp_path):
    """A pipelined compile reads its dependencies' sidecars (and Buck2's
    compiles the bundle's identity file) before rustc starts: with CPython's
    C JSON scanner, not `json`, which imports `re` and compiles its patterns
    (~5 ms of every such compile's critical path; nor `hashlib`, which
    loads OpenSSL). Checked as cargo and as Buck2 start it, under
    `python3 -S`, at the moment rustc would be started."""
    bundle_id = tmp_path / "bundle.json"
    bundle_id.write_text('{"label": "b", "panic": "unwind", "target": "x86_64-unknown-linux-gnu"}')
    args = ["--edition=2021", "--crate-name=user", "--crate-type=lib", "--emit=dep-info,metadata,link", str(cargo_like["user"]), "--extern", f"side={cargo_like['rmeta']}", "--out-dir", str(tmp_path / "out"), "--target", "x86_64-unknown-linux-gnu"]
    (tmp_path / "out").mkdir()
    py = str(Path(stamp.__file__).parents[2])
    for verb, argv in (("rustc-wrapper", ["rustc", *args]), ("rustc", ["--bundle-identity", str(bundle_id), "--", *args])):
        p = subprocess.run([sys.executable, "-S", "-c", _BEFORE_RUSTC, py, verb, *argv], capture_output=True, text=True, cwd=tmp_path)
        assert p.stdout.strip() == "[]", (verb, p.stdout, p.stderr)


def test_json_loads_refuses_malformed_text_with_a_value_error():
    """`marker.json_loads` (markers, sidecars, bundle identities: before
    rustc and on every link) on malformed text, in a process that never
    imported `json` (on 3.11 CPython's C scanner then fails with a
    SystemError, its error class being looked up in sys.modules only):
    a ValueError, which the callers turn into their one-line refusal."""
    code = (
        "import sys; sys.path.insert(0, sys.argv[1])\n"
        "from rlib_v0.formats.marker import json_loads\n"
        "for raw in (b'{', b'', b'[1,', b'{\"a\":}', b'\\xff', b'{\"a\":1} x'):\n"
        "    try:\n"
        "        json_loads(raw)\n"
        "    except ValueError:\n"
        "        continue\n"
        "    raise SystemExit(f'accepted {raw!r}')\n"
        "print(json_loads(b' {\"a\": [1, 2]} '))\n"
    )
    p = subprocess.run([sys.executable, "-S", "-c", code, str(Path(stamp.__file__).parents[2])], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == "{'a': [1, 2]}"
