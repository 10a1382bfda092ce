"""The cargo corpus built by three rustc releases on x86-64 — rustup's
stable (the rustc on PATH), rustup's nightly and Debian's rustc-web — each
linked with its own std bundle and run; and every pairing of one release's
crates with another's bundle, or one release's crate among another's,
refused in one line naming both.

Each rustc is the real binary (its sysroot's bin/rustc), given to cargo as
RUSTC and to `rlib-v0 std-bundle` as --rustc.  A release that is not
installed skips its tests, saying how to install it.
"""

from __future__ import annotations

import itertools
import os

import pytest

from cargo_util import CORPUS, EXPECTED, RELEASES
from conftest import assert_user_error


def _main_o(compile_c):
    return compile_c((CORPUS / "main.c").read_text(), name="corpus_main", flags=["-O1"])


def _name(r) -> str:
    """How `rlib-v0 link` names a rustc."""
    return f"rustc {r.release} ({r.commit[:9]})"


@pytest.mark.parametrize("release", RELEASES)
def test_corpus_with_each_rustc(release, rust_release, cargo_corpus, std_bundle, compile_c, link, run_exe, rlib_v0, tmp_path):
    from rlib_v0.formats.marker import read_marker

    r = rust_release(release)
    b = cargo_corpus("dev", r)
    rlibs = b.rlibs
    proc = rlib_v0("verify", *rlibs)
    assert proc.returncode == 0, proc.stdout[-4000:]
    assert proc.stdout.count(": ok (rlib ") == len(rlibs)
    for p in rlibs:
        ident, _ = read_marker(p)
        assert (ident.rustc_release, ident.rustc_commit, ident.target) == (r.release, r.commit, r.host), p
    bundle = std_bundle(rustc=r.path)
    exe = tmp_path / "app"
    proc = link(["cc", _main_o(compile_c), *rlibs, bundle, "-o", exe], debug=True)
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert f"rustc {r.release})" in proc.stderr  # the plan's bundle line
    assert run_exe(exe).stdout == EXPECTED


@pytest.mark.parametrize("crates,bundle", list(itertools.permutations(RELEASES, 2)))
def test_bundle_of_another_rustc_refused(crates, bundle, rust_release, cargo_corpus, std_bundle, compile_c, link, tmp_path):
    rc, rb = rust_release(crates), rust_release(bundle)
    if rc.commit == rb.commit:
        pytest.skip(f"{crates} and {bundle} are the same rustc here ({rc.path})")
    b = cargo_corpus("dev", rc)
    other = std_bundle(rustc=rb.path)
    exe = tmp_path / "app"
    proc = link(["cc", _main_o(compile_c), *b.rlibs, other, "-o", exe])
    line = assert_user_error(proc, f"is built by {_name(rc)}, but the std bundle {other} by {_name(rb)}")
    assert f"for {rc.host}" not in line  # the same target: not named as a difference
    assert not exe.exists()


def test_crate_of_another_rustc_refused(rust_release, cargo_corpus, std_bundle, compile_c, link, tmp_path):
    """Stable's crates and bundle, with one crate (capi_json) from Debian's
    rustc build: that crate is named, with both rustcs."""
    stable, debian = rust_release("stable"), rust_release("debian")
    if stable.commit == debian.commit:
        pytest.skip("stable and debian are the same rustc here")
    mine, theirs = cargo_corpus("dev", stable), cargo_corpus("dev", debian)
    stray = theirs.rlib("capi_json")
    rlibs = [p for p in mine.rlibs if os.path.basename(p).split("-")[0] != "libcapi_json"] + [stray]
    bundle = std_bundle(rustc=stable.path)
    exe = tmp_path / "app"
    proc = link(["cc", _main_o(compile_c), *rlibs, bundle, "-o", exe])
    assert_user_error(proc, f"{stray} (crate capi_json) is built by {_name(debian)}, but the std bundle {bundle} by {_name(stable)}")
    assert not exe.exists()
