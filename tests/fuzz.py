"""Property fuzzing of every parser of untrusted input (hypothesis).

    python3 tests/fuzz.py [--cases N] [--timeout SECONDS] [--seed S] [TARGET...]

Targets (default: all), each run for `--cases` generated inputs (10 000 by
default; the test suite runs a few hundred, tests/test_fuzz.py):

- `archive`    ar reader: `archive.scan` (whole and first member only),
               `check_complete`, `read_symbol_index`, `symbols_by_member`,
               member reads, and the link path's `find_rust_inputs` + plan
               on the file; inputs are archives from `archive.build`
               (marker member included or not) then mutated (bytes flipped,
               cut, inserted, header fields replaced), or plain bytes;
- `marker`     `Identity.from_json` on mutated markers, arbitrary JSON and
               bytes, then `read_marker` on an archive holding it (as an ELF
               marker object or raw), and the planner on what was accepted;
- `content`    stamped archives (`stamp.build_v0` of generated members)
               changed after stamping: a byte flipped or bytes inserted in
               any member's data (the marker's included), cut anywhere, a
               member appended; the full check (`read_marker`, every member,
               `content.mismatch`) must refuse each, and the link path
               (`link.inputs.examine`) each that changed the archive's size;
               the unchanged archive must pass both;
- `rustc-args` `rustc_args.parse` (argument files with arbitrary bytes,
               nested `@file`s) then `output_path` and `rewrite_for_temp`;
- `linker-cmd` `linker_cmd.parse` (response files with arbitrary bytes,
               nested), `output_path`/`with_output`, and the property that
               `parse_response_file(quote_response_arg(x)) == [x]`;
- `demangle`   `demangle`, `symbol_crates`, `is_rust_symbol` on v0/legacy-
               shaped strings and mutations of real symbols.

Properties: no exception other than `UserError` (the demangler: none at
all; `content`: also no change let through), no case longer than `--timeout` seconds (SIGALRM), and every
`UserError` message is one non-empty line that, for a file reader, names the
file.  Exit status 0 when every target held, 1 otherwise (hypothesis prints
the smallest failing input).  Needs hypothesis (`pip install -e '.[test]'`).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import tempfile
import time
import traceback

from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from rlib_v0.formats import archive, elf, marker as identity
from rlib_v0 import demangle
from rlib_v0.link import linker_cmd
from rlib_v0.compile import rustc_args
from rlib_v0.errors import UserError
from rlib_v0.formats.marker import KIND_RLIB, KIND_STD_BUNDLE, Identity

TARGETS = ("archive", "marker", "content", "rustc-args", "linker-cmd", "demangle")


class Hang(BaseException):
    """Raised by SIGALRM inside a case: a BaseException, so no `except
    Exception` in the code under test can swallow it."""


class Finding(AssertionError):
    pass


def _check_user_error(e: UserError, names: tuple[str, ...] = ()) -> None:
    msg = str(e)
    if not msg.strip():
        raise Finding("UserError with an empty message")
    if len(msg.splitlines()) != 1 or "\x1b" in msg:
        raise Finding(f"UserError message is not one line: {msg!r}")
    # A name holding control characters is shown escaped (see UserError).
    if names and not any(n in msg or str(UserError(n)) in msg for n in names):
        raise Finding(f"UserError does not name the file {names[0]!r}: {msg!r}")


def _guard(fn, names: tuple[str, ...] = (), *, allow_user_error: bool = True) -> object:
    """Run `fn()`: return its value, or None after a well-formed UserError."""
    try:
        return fn()
    except UserError as e:
        if not allow_user_error:
            raise Finding(f"UserError where none is allowed: {e}") from None
        _check_user_error(e, names)
        return None


# ---------------------------------------------------------------------------
# strategies

_NAME_CHARS = st.characters(codec="utf-8", exclude_categories=("Cs",))
_member_names = st.one_of(
    st.sampled_from(["a.o", "lib.rmeta", "_rlib_v00.o", "_rlib_v01.o", "x.std.0.rcgu.o", "std-0123456789abcdef.std.0.rcgu.o", "/", "//", "/0", "#1/8", "a" * 15, "b" * 16]),
    st.text(_NAME_CHARS, max_size=24),
)
_FIELD_VALUES = [b"-60", b"1_0", b"99999999999", b"", b" ", b"0", b"1", b"/", b"//", b"#1/20", b"#1/-5", b"/9999", b"/SYM64/", b"__.SYMDEF", b"`\n", b"\x00\xff"]


@st.composite
def marker_json(draw) -> bytes:
    """A marker's JSON: valid, mutated, or anything JSON."""
    d = {
        "schema": identity.SCHEMA, "kind": KIND_RLIB, "crate": "a", "metadata": "m1", "crate_id": "0" * 32,
        "rustc_version": "rustc 1.95.0", "rustc_release": "1.95.0", "rustc_commit": "c0ffee", "target": "x86_64-unknown-linux-gnu",
        "panic": "unwind", "codegen": {}, "deps": [], "content_hash": "", "native_libs": [], "defines_allocator": False, "no_std": False,
        "allocator_symbols": [], "defines_panic_handler": False, "panic_handler_symbols": [], "members": "12:0badc0de 3:00000001", "members_size": 136,
    }  # fmt: skip
    json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20), lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=8), c, max_size=4), max_leaves=12)
    how = draw(st.integers(0, 9))
    if how == 0:
        return draw(st.binary(max_size=200))
    if how == 1:
        return json.dumps(draw(json_values)).encode()
    if how == 2:
        depth = draw(st.integers(1, 5000))
        return b"[" * depth + b"]" * draw(st.integers(0, depth))
    keys = list(d)
    for _ in range(draw(st.integers(0, 4))):
        op = draw(st.integers(0, 4))
        k = draw(st.sampled_from(keys))
        if op == 0:
            d.pop(k, None)
        elif op == 1:
            d[draw(st.text(max_size=10))] = draw(json_values)
        elif op == 2:
            d[k] = draw(json_values)
        elif op == 3:
            d["schema"] = draw(st.one_of(st.integers(-3, 5), st.none(), st.booleans(), st.floats(), st.text(max_size=3)))
        else:
            d["deps"] = draw(st.lists(st.one_of(st.fixed_dictionaries({"name": st.text(max_size=5), "crate": st.text(max_size=5), "crate_id": st.text(max_size=5)}), json_values), max_size=3))
    raw = json.dumps(d).encode()
    if draw(st.booleans()):
        raw = raw.decode().encode(draw(st.sampled_from(["utf-8", "utf-16", "utf-32", "latin-1"])), "replace")
    return raw


def _marker_member(raw: bytes, as_elf: bool) -> bytes:
    if not as_elf:
        return raw
    hdr = elf.ElfHeader(True, True, 62, 0, 0)
    return elf.marker_object(hdr, raw)


@st.composite
def archives(draw) -> bytes:
    how = draw(st.integers(0, 9))
    if how == 0:
        return draw(st.binary(max_size=400))
    if how == 1:
        return archive.MAGIC + draw(st.binary(max_size=400))
    members = draw(st.lists(st.tuples(_member_names, st.binary(max_size=120)), max_size=5))
    if draw(st.booleans()):
        members.insert(0, (draw(st.sampled_from(["_rlib_v00.o", "_rlib_v01.o", "_rlib_v00"])), _marker_member(draw(marker_json()), draw(st.booleans()))))
    try:
        if members:
            symbols = draw(st.lists(st.tuples(st.text(_NAME_CHARS, max_size=20), st.integers(0, len(members) - 1)), max_size=8))
        else:
            symbols = []
        data = bytearray(archive.build(members, symbols, always_index=draw(st.booleans())))
    except UnicodeEncodeError:
        data = bytearray(archive.MAGIC)
    for _ in range(draw(st.integers(0, 4))):
        op = draw(st.integers(0, 4))
        pos = draw(st.integers(0, max(len(data), 1)))
        if op == 0 and data:
            data[min(pos, len(data) - 1)] = draw(st.integers(0, 255))
        elif op == 1:
            del data[pos:]
        elif op == 2:
            data[pos:pos] = draw(st.binary(min_size=1, max_size=16))
        elif op == 3:
            # Replace a header field (name 0, size 48, terminator 58) of a member header.
            heads = [i for i in range(8, len(data) - 59) if data[i + 58 : i + 60] == b"`\n"]
            if heads:
                h = draw(st.sampled_from(heads))
                off, width = draw(st.sampled_from([(0, 16), (48, 10), (58, 2)]))
                value = draw(st.one_of(st.sampled_from(_FIELD_VALUES), st.binary(max_size=width)))[:width].ljust(width, b" ")
                data[h + off : h + off + width] = value
        else:
            # Point the symbol index's first offset anywhere.
            if data[8:9] == b"/" and len(data) > 76:
                data[72:76] = draw(st.integers(0, 2**32 - 1)).to_bytes(4, "big")
    return bytes(data)


@st.composite
def stamped_archives(draw) -> bytes:
    """An archive as `rlib-v0 rustc` or `std-bundle` stamps it."""
    from rlib_v0.compile import stamp

    elf_member = elf.marker_object(elf.ElfHeader(True, True, 62, 0, 0), draw(st.binary(max_size=40)))  # any ELF object: the marker's template
    names = st.text(st.characters(codec="ascii", categories=("L", "N"), include_characters="._-"), min_size=1, max_size=20).filter(lambda n: not n.startswith(identity.MARKER_PREFIX[:-1]))
    members = [("a.o", elf_member)] + draw(st.lists(st.tuples(names, st.binary(max_size=200)), max_size=4))
    symbols = draw(st.lists(st.tuples(st.text(_NAME_CHARS, min_size=1, max_size=10), st.integers(0, len(members) - 1)), max_size=4))
    ident = Identity(kind=draw(st.sampled_from([KIND_RLIB, KIND_STD_BUNDLE])), crate="a", metadata="m1", crate_id="0" * 32, rustc_version="rustc 1.95.0", rustc_release="1.95.0", rustc_commit="c0ffee", target="x86_64-unknown-linux-gnu", panic="unwind")
    try:
        return stamp.build_v0(members, symbols, ident, "fuzz")
    except UnicodeEncodeError:
        return stamp.build_v0(members, [], ident, "fuzz")


def changed_after_stamping(draw, original: bytes, regions: list[tuple[int, int]]) -> tuple[bytes, str]:
    """(`original` changed, how): a byte flipped or bytes inserted in the
    data of a member (`regions`: (offset, size) of each, the marker's
    included), the archive cut anywhere, or a member appended."""
    data = bytearray(original)
    how = draw(st.sampled_from(["flip", "insert", "cut", "append"]))
    if how in ("flip", "insert"):
        off, size = draw(st.sampled_from(regions))
        pos = off + draw(st.integers(0, size - 1))
        if how == "flip":
            data[pos] ^= draw(st.integers(1, 255))
        else:
            data[pos:pos] = draw(st.binary(min_size=1, max_size=8))
    elif how == "cut":
        del data[draw(st.integers(8, len(data) - 1)) :]
    else:
        body = draw(st.binary(max_size=20))
        data += b"%-16s%-12s%-6s%-6s%-8s%-10s`\n" % (draw(st.sampled_from([b"extra.o/", b"lib.rmeta/", b"a.o/"])), b"0", b"0", b"0", b"644", str(len(body)).encode()) + body
    return bytes(data), how


_RUSTC_OPTS = ["--crate-name", "--crate-type", "-o", "--out-dir", "--emit", "--extern", "-C", "--codegen", "--target", "--edition", "-L", "-l", "--remap-path-prefix", "--cfg", "-Cmetadata=x", "-Cpanic=abort", "--crate-type=rlib", "--emit=link=x", "--emit=metadata,link", "-ofoo", "-lstatic=foo", "-lframework=x", "a=b", "priv:a=b.rlib", "noprelude,force:x", "=", "lib.rs", "-", "--", ""]
_LINKER_OPTS = ["-o", "--output", "--output=x", "-ox", "-Wl,--whole-archive", "-Wl,--no-whole-archive", "--whole-archive", "--no-whole-archive", "-Xlinker", "-L", "-l", "-T", "-u", "-z", "-e", "main.o", "a.rlib", "x.a", "-Wl,", "-Wl,-o,y", "-", ""]


@st.composite
def argfile_argv(draw, opts: list[str], tmp: str, fname: str) -> tuple[list[str], list[str]]:
    """(argv, argument files written): options, free text and `@file`s with
    arbitrary bytes, some referring to each other (or themselves)."""
    files = [os.path.join(tmp, f"{fname}{i}") for i in range(draw(st.integers(0, 3)))]
    word = st.one_of(st.sampled_from(opts), st.text(_NAME_CHARS, max_size=12), st.sampled_from(["@" + f for f in files] or ["@"]), st.just("@" + os.path.join(tmp, "missing")))
    for f in files:
        body = draw(st.one_of(st.binary(max_size=200), st.lists(word, max_size=8).map(lambda ws: "\n".join(ws).encode("utf-8", "surrogateescape"))))
        with open(f, "wb") as fh:
            fh.write(body)
    return draw(st.lists(word, max_size=12)), files


_V0_CHARS = "_0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
_REAL_SYMBOLS = [
    "_RNvCsfLfy6EI15iL_7___rustc12___rust_alloc",
    "_RNvXs1_NtCslNYArtu3iFV_5alloc7raw_vecINtB5_6RawVechENtNtNtCsgEmfK2I1SDS_4core3ops4drop4Drop4drop",
    "_ZN65_$LT$alloc..vec..Vec$LT$T$C$A$GT$$u20$as$u20$core..fmt..Debug$GT$3fmt17h1071ee25ea7ea56dE",
    "_RINvNtCs1234_4core3ptr13drop_in_placeNtNtCs5678_5alloc6string6StringEB4_",
    "_RNvMs_NtCsd_4core3fmtNtB4_9Formatter3pad",
    "_RINvCs1_1a5twiceKj1_EB2_",
    "_RNvYNtCs1_1a1SINtB4_5TraitpE1m",
    "_ZN4core3ptr13drop_in_place17h0123456789abcdefE.llvm.1234",
]


@st.composite
def symbols(draw) -> str:
    how = draw(st.integers(0, 5))
    if how == 0:
        return draw(st.text(max_size=60))
    if how == 1:
        return "_R" + draw(st.text(st.sampled_from(_V0_CHARS), max_size=80))
    if how == 2:
        parts = draw(st.lists(st.text(st.sampled_from(_V0_CHARS + "$."), min_size=1, max_size=12), max_size=6))
        body = "".join(f"{len(p)}{p}" for p in parts)
        return "_ZN" + body + draw(st.sampled_from(["", "17h0123456789abcdefE", "E", "17h01234E"]))
    s = list(draw(st.sampled_from(_REAL_SYMBOLS)))
    for _ in range(draw(st.integers(1, 6))):
        pos = draw(st.integers(0, len(s)))
        op = draw(st.integers(0, 2))
        if op == 0 and s:
            s[min(pos, len(s) - 1)] = draw(st.sampled_from(_V0_CHARS + "$."))
        elif op == 1:
            s.insert(pos, draw(st.sampled_from(_V0_CHARS)))
        else:
            del s[pos : pos + draw(st.integers(1, 4))]
    if draw(st.booleans()):
        # Back references pointing anywhere, including forwards and at themselves.
        s[2:2] = list("B" + draw(st.text(st.sampled_from(_V0_CHARS[:37]), max_size=3)) + "_")
    return "".join(s)


# ---------------------------------------------------------------------------
# the checks of one case


def _bundle_input(n: int):
    from rlib_v0.link.plan import RustInput

    b = Identity(kind=KIND_STD_BUNDLE, crate="std", metadata="bundle-unwind", crate_id="b" * 32, rustc_version="rustc 1.95.0", rustc_release="1.95.0", rustc_commit="c0ffee", target="x86_64-unknown-linux-gnu", panic="unwind", content_hash="bundle")
    return RustInput(n, "libstd_bundle.a", b)


def _plan_and_rewrite(ident: Identity, path: str) -> None:
    """What the link path does with an accepted marker must not crash."""
    from rlib_v0.link.command import rewrite
    from rlib_v0.link.plan import RustInput, make_plan

    cmd = linker_cmd.parse(["cc", "main.o", path, "libstd_bundle.a", "-o", "app"])
    ins = [RustInput(2, path, ident)] + ([_bundle_input(3)] if ident.kind != KIND_STD_BUNDLE else [])
    plan = _guard(lambda: make_plan(ins, {ident.crate} if ident.crate else set()), ())
    if plan is not None:
        plan.describe()
        rewrite(cmd, plan, "tmp-out")
    ident.display, ident.compat_key  # noqa: B018 - properties must not raise


def check_archive(data: bytes, path: str) -> None:
    with open(path, "wb") as f:
        f.write(data)
    names = (path,)
    toc = _guard(lambda: archive.scan(path), names)
    if toc is not None:
        _guard(lambda: toc.read_symbol_index(), names)
        _guard(lambda: toc.symbols_by_member(), names)
        with open(path, "rb") as f:
            for m in toc.members[:8]:
                _guard(lambda m=m: toc.read(m, f), names)

    def first_only() -> None:
        with open(path, "rb") as f:
            t = archive.scan(path, f, 1)
            archive.check_complete(t, f)

    _guard(first_only, names)
    for first in (False, True):
        got = _guard(lambda first=first: identity.read_marker(path, first_only=first), names)
        if got is not None and got[0] is not None:
            _plan_and_rewrite(got[0], path)
            if not first and toc is not None:
                from rlib_v0.formats.content import mismatch

                with open(path, "rb") as f:
                    found = _guard(lambda f=f: mismatch(got[0], [(m.name, toc.read(m, f)) for m in toc.members]), names)
                if found is not None:
                    _check_user_error(UserError(found[0]))
    # The link path on it, as an `.rlib` input, reading the marker only and
    # reading every member.
    from rlib_v0.link.inputs import find_rust_inputs

    cmd = linker_cmd.parse(["cc", "main.o", path, "-o", "app"])
    _guard(lambda: find_rust_inputs(cmd), names)
    _guard(lambda: find_rust_inputs(cmd, verify_content=True), names)


def check_marker(raw: bytes, as_elf: bool, path: str) -> None:
    where = "MARKER-WHERE"
    ident = _guard(lambda: Identity.from_json(raw, where), (where,))
    if ident is not None:
        again = Identity.from_json(ident.to_json(), where)  # what we accept we can write back
        if again != ident:
            raise Finding(f"marker does not round-trip: {ident!r} != {again!r}")
        _plan_and_rewrite(ident, path)
    member = _marker_member(raw, as_elf)
    with open(path, "wb") as f:
        f.write(archive.build([(identity.MARKER_MEMBER, member), ("a.o", b"\x7fELF")], [("sym", 1)]))
    _guard(lambda: identity.read_marker(path, first_only=True), (path,))


def check_content(data: st.DataObject, original: bytes, path: str) -> None:
    """`verify`'s check and `link`'s must pass `original` and refuse it
    changed after stamping (the link's own check: when the size changed)."""
    from rlib_v0.link.inputs import examine
    from rlib_v0.formats.content import check

    with open(path, "wb") as f:
        f.write(original)
    toc = archive.scan(path)
    changed, how = changed_after_stamping(data.draw, original, [(m.data_offset, m.size) for m in toc.members if m.size])

    def full() -> None:
        ident, toc = identity.read_marker(path)
        if ident is None:
            raise UserError(f"{path}: no marker")
        with open(path, "rb") as f:
            found = check(ident, toc, [(m.name, toc.read(m, f)) for m in toc.members], os.fstat(f.fileno()).st_size)
        if found is not None:
            _check_user_error(UserError(f"{path}: {found[0]}"), (path,))
            raise UserError(f"{path}: {found[0]}")

    for data, bad in ((original, False), (changed, True)):
        with open(path, "wb") as f:
            f.write(data)
        # (check, whether it must refuse the changed archive); none may
        # refuse the unchanged one.
        for fn, must in ((full, True), (lambda: examine(path, True), len(changed) != len(original)), (lambda: examine(path, True, True), True)):
            try:
                fn()
            except UserError as e:
                _check_user_error(e, (path,))
                if not bad:
                    raise Finding(f"an archive as stamped was refused: {e}") from None
                continue
            if bad and must:
                raise Finding(f"an archive changed after stamping ({how}) was let through: {changed!r}")


def check_rustc_args(argv: list[str], files: list[str]) -> None:
    r = _guard(lambda: rustc_args.parse(argv), tuple(files) + ("rustc argument", "--extern"))
    if r is not None:
        r.metadata, r.panic, r.identity_codegen()  # noqa: B018
        if r.crate_name:
            final = rustc_args.output_path(r)
            rustc_args.rewrite_for_temp(r, final, "/tmp/x/" + os.path.basename(final), os.getcwd())


def check_linker_cmd(argv: list[str], files: list[str], arg: str) -> None:
    cmd = _guard(lambda: linker_cmd.parse(argv), tuple(files) + ("no linker command",))
    if cmd is not None:
        out = linker_cmd.output_path(cmd)
        new = linker_cmd.with_output(cmd, "NEW-OUT")
        if out is not None:
            again = linker_cmd.parse(new)
            if linker_cmd.output_path(again) != "NEW-OUT":
                raise Finding(f"with_output did not move the output: {new!r}")
        for i in cmd.inputs:
            assert 0 < i < len(cmd.argv)
        from rlib_v0.link.inputs import find_rust_inputs

        _guard(lambda: find_rust_inputs(cmd), tuple(cmd.argv[i] for i in cmd.inputs))
    # Quoting round-trips (the wrapper writes response files with it).
    back = linker_cmd.parse_response_file(linker_cmd.quote_response_arg(arg))
    if back != [arg]:
        raise Finding(f"quote_response_arg does not round-trip: {arg!r} -> {back!r}")


def check_demangle(sym: str) -> None:
    demangle._analyse.cache_clear()
    text = demangle.demangle(sym)
    sc = demangle.symbol_crates(sym)
    ok = demangle.is_rust_symbol(sym)
    if not isinstance(text, str) or not isinstance(ok, bool):
        raise Finding(f"wrong result types for {sym!r}")
    if not ok and (text != sym or sc.crates):
        raise Finding(f"not a Rust symbol, yet demangled or attributed: {sym!r} -> {text!r}, {sc}")


# ---------------------------------------------------------------------------
# the runner


def _alarm(_sig, _frame) -> None:
    raise Hang()


class _Counter:
    n = 0


def _case(timeout: float, counter: _Counter, fn, *args) -> None:
    counter.n += 1
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    start = time.monotonic()
    try:
        fn(*args)
    except Hang:
        raise Finding(f"case took more than {timeout} s (hang?)") from None
    except Finding:
        raise
    except Exception as e:  # noqa: BLE001 - exactly what is being looked for
        raise Finding(f"{type(e).__name__}: {e}\n{traceback.format_exc()}") from None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
    if time.monotonic() - start > timeout:
        raise Finding(f"case took {time.monotonic() - start:.1f} s (over {timeout} s)")


def run_target(name: str, cases: int, timeout: float = 5.0, seed_value: int | None = None, tmp: str | None = None) -> tuple[int, str | None]:
    """(cases run, failure text or None) for one target."""
    own_tmp = tmp is None
    tmp = tmp or tempfile.mkdtemp(prefix="rlib-v0-fuzz-")
    path = os.path.join(tmp, "input.rlib")
    counter = _Counter()
    cfg = settings(max_examples=cases, deadline=None, database=None, derandomize=seed_value is None, suppress_health_check=list(HealthCheck), print_blob=False)

    if name == "archive":

        @given(archives())
        def prop(data):
            _case(timeout, counter, check_archive, data, path)

    elif name == "marker":

        @given(marker_json(), st.booleans())
        def prop(raw, as_elf):
            _case(timeout, counter, check_marker, raw, as_elf, path)

    elif name == "content":

        @given(st.data())
        def prop(data):
            _case(timeout, counter, check_content, data, data.draw(stamped_archives()), path)

    elif name == "rustc-args":

        @given(st.data())
        def prop(data):
            argv, files = data.draw(argfile_argv(_RUSTC_OPTS, tmp, "args"))
            _case(timeout, counter, check_rustc_args, argv, files)

    elif name == "linker-cmd":

        @given(st.data())
        def prop(data):
            argv, files = data.draw(argfile_argv(_LINKER_OPTS, tmp, "rsp"))
            argv0 = data.draw(st.sampled_from(["cc", "c++", "clang", "ld", "ld.bfd", "ld.lld", "mold", "x86_64-linux-gnu-ld.gold", "/usr/bin/gcc"]))
            arg = data.draw(st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=20))
            _case(timeout, counter, check_linker_cmd, [argv0] + argv if data.draw(st.booleans()) else argv, files, arg)

    elif name == "demangle":

        @given(symbols())
        def prop(sym):
            _case(timeout, counter, check_demangle, sym)

    else:
        raise ValueError(f"unknown fuzz target {name!r}; one of {', '.join(TARGETS)}")

    prop = cfg(prop)
    if seed_value is not None:
        prop = seed(seed_value)(prop)
    try:
        prop()
        return counter.n, None
    except Exception as e:  # noqa: BLE001 - hypothesis re-raises the (shrunk) finding
        return counter.n, _describe(e)
    finally:
        if own_tmp:
            import shutil

            shutil.rmtree(tmp, ignore_errors=True)


def _describe(e: BaseException) -> str:
    subs = getattr(e, "exceptions", None)  # several distinct failures: an ExceptionGroup
    if subs:
        return "\n\n".join(_describe(x) for x in subs)
    notes = "\n".join(getattr(e, "__notes__", []))
    return f"{e}\n{notes}".strip()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python3 tests/fuzz.py", description="Fuzz rlib-v0's parsers of untrusted input (hypothesis).")
    ap.add_argument("targets", nargs="*", metavar="TARGET", help=f"any of {', '.join(TARGETS)} (default: all)")
    ap.add_argument("--cases", type=int, default=10_000, help="generated inputs per target (default 10000)")
    ap.add_argument("--timeout", type=float, default=5.0, help="seconds allowed per case (default 5)")
    ap.add_argument("--seed", type=int, default=None, help="random seed (default: hypothesis' derandomized, reproducible run)")
    a = ap.parse_args(argv)
    bad = [t for t in a.targets if t not in TARGETS]
    if bad:
        ap.error(f"unknown target {bad[0]!r}; one of {', '.join(TARGETS)}")
    failed = 0
    for t in a.targets or TARGETS:
        start = time.monotonic()
        n, failure = run_target(t, a.cases, a.timeout, a.seed)
        took = time.monotonic() - start
        print(f"{t:11} {n:7} cases  {took:7.1f} s  {'ok' if failure is None else 'FAILED'}", flush=True)
        if failure:
            failed += 1
            print("  " + failure.replace("\n", "\n  "), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
