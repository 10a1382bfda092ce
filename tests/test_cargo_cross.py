"""Cross-compilation: the cargo corpus built for aarch64-unknown-linux-gnu on
x86-64, linked by the aarch64 gcc with four linkers, run under qemu.

As a user does it: `RUSTC=<a rustc with the aarch64 std> cargo build
--target aarch64-unknown-linux-gnu` through `rlib-v0-rustc-wrapper` (proc
macros and build scripts built and run for the host, ring's C and assembly
cross-compiled by its build script with `CC_aarch64_unknown_linux_gnu`),
`rlib-v0 std-bundle --rustc R --target aarch64-unknown-linux-gnu`,
`rlib-v0 link -- aarch64-linux-gnu-gcc main.o ...rlib bundle.a -o app`,
`qemu-aarch64 -L /usr/aarch64-linux-gnu ./app`.  And every mixture of
targets and rustc releases on one link line refused in one line.

Needs (scripts/setup.sh installs them on Debian): a rustc whose sysroot has
the aarch64 std (Debian's rustc-web with libstd-rust-web-dev:arm64, or
`rustup target add aarch64-unknown-linux-gnu`), gcc/g++-aarch64-linux-gnu and
qemu-user.  Without them the tests skip, saying so.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from cargo_util import AARCH64, CORPUS, CROSS_HINT, EXPECTED, RELEASES, cross_gcc
from conftest import assert_user_error
from elf_util import archive_machines, linked_by, machine

GCC, GXX = cross_gcc(AARCH64), cross_gcc(AARCH64, cxx=True)
CROSS_LINKERS = ("bfd", "gold", "lld", "mold")


class Cross:
    """The cross tools found here."""

    def __init__(self, rustc, qemu: str, sysroot: str) -> None:
        self.rustc = rustc  # cargo_util.Rustc whose sysroot has the aarch64 std
        self.qemu = qemu  # qemu-aarch64
        self.sysroot = sysroot  # the aarch64 libc's root, for qemu -L (/usr/aarch64-linux-gnu)

    def run(self, exe: Path) -> subprocess.CompletedProcess:
        return subprocess.run([self.qemu, "-L", self.sysroot, str(exe)], capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def cross(rust_release) -> Cross:
    missing = [t for t in (GCC, GXX, "qemu-aarch64") if shutil.which(t) is None]
    if missing:
        pytest.skip(f"needs {', '.join(missing)}: {CROSS_HINT}")
    rustc = next((r for r in map(rust_release.find, ("debian", *RELEASES)) if r is not None and r.has_std(AARCH64)), None)
    if rustc is None:
        pytest.skip(f"no rustc here has the {AARCH64} standard library: {CROSS_HINT}, or rustup target add {AARCH64}")
    libc = subprocess.run([GCC, "-print-file-name=libc.so.6"], capture_output=True, text=True).stdout.strip()
    if not os.path.isabs(libc):
        pytest.skip(f"{GCC} knows no aarch64 libc.so.6: {CROSS_HINT}")
    return Cross(rustc, shutil.which("qemu-aarch64"), os.path.dirname(os.path.dirname(libc)))


@pytest.fixture(scope="module")
def a64(cross, cargo_corpus):
    """The corpus, dev profile, built by cargo for aarch64."""
    return cargo_corpus("dev", cross.rustc, AARCH64)


@pytest.fixture(scope="module")
def a64_bundle(cross, std_bundle) -> Path:
    return std_bundle(rustc=cross.rustc.path, target=AARCH64)


@pytest.fixture(scope="module")
def main_o(cross, compile_c):
    def obj(cxx: bool = False) -> Path:
        src = (CORPUS / ("main.cpp" if cxx else "main.c")).read_text()
        return compile_c(src, name="corpus_main_a64", cxx=cxx, flags=["-std=c++17"] if cxx else [], compiler=GXX if cxx else GCC)

    return obj


@pytest.fixture(scope="module")
def cross_ld(cross, tmp_path_factory):
    """cross_ld(name) -> the aarch64-linux-gnu-gcc flags that link with
    `name`; skips if they cannot link a trivial program here.

    gcc's collect2 finds `-fuse-ld=lld|mold` as `ld.lld`/`ld.mold` in its
    -B directories, or on PATH only as `aarch64-linux-gnu-ld.lld`, which
    Debian's lld and mold do not install (binutils does install
    `aarch64-linux-gnu-ld.bfd` and `.gold`): so a -B directory holding a
    link `ld.NAME` to the linker on PATH, as docs/buck2.md tells users."""
    d = tmp_path_factory.mktemp("cross-ld")
    (d / "t.c").write_text("int main(void) { return 0; }\n")
    probed: dict[str, list[str] | str] = {}

    def flags(name: str) -> list[str]:
        if name not in probed:
            fl = [f"-fuse-ld={name}"]
            if name in ("lld", "mold"):
                found = shutil.which(f"ld.{name}")
                if found is None:
                    pytest.skip(f"ld.{name} not found: apt-get install {name}")
                (d / name).mkdir(exist_ok=True)
                link = d / name / f"ld.{name}"
                if not link.exists():
                    link.symlink_to(found)
                fl.append(f"-B{d / name}")
            proc = subprocess.run([GCC, *fl, str(d / "t.c"), "-o", str(d / f"t-{name}")], capture_output=True, text=True)
            probed[name] = fl if proc.returncode == 0 else (proc.stderr.strip().splitlines() or ["?"])[-1]
        if isinstance(probed[name], str):
            pytest.skip(f"`{GCC} -fuse-ld={name}` does not work here ({probed[name]})")
        return probed[name]

    return flags


# ---- what cargo built ----


def test_cross_rlibs_verify_for_aarch64(cross, a64, rlib_v0):
    """Every target rlib is a v0 rlib for aarch64 of the cross rustc (verify
    checks each object's ELF machine against the marker's target); proc
    macros and build scripts were built for the host; ring's build script
    compiled its C and assembly for aarch64."""
    from rlib_v0.formats.marker import read_marker

    rlibs = a64.rlibs
    names = {os.path.basename(p).split("-")[0][3:] for p in rlibs}
    assert {"serde", "serde_core", "serde_json", "regex", "ring", "libc", "smallvec", "once_cell", "anyhow", "capi_json", "capi_sys", "capi_text", "capi_crypto"} <= names
    assert not names & {"serde_derive", "syn", "proc_macro2", "quote"}, "host-only crates among the target's"
    proc = rlib_v0("verify", *rlibs)
    assert proc.returncode == 0, proc.stdout[-4000:]
    assert proc.stdout.count(": ok (rlib ") == len(rlibs)
    for p in rlibs:
        ident, _ = read_marker(p)
        assert (ident.target, ident.rustc_commit) == (AARCH64, cross.rustc.commit), p
    assert archive_machines(a64.rlib("once_cell")) == {"EM_AARCH64"}  # the marker object too
    assert rlib_v0("verify", "--target", AARCH64, a64.rlib("once_cell")).returncode == 0
    wrong = rlib_v0("verify", "--target", cross.rustc.host, a64.rlib("once_cell"))
    assert wrong.returncode == 1 and f"error: built for {AARCH64} (its marker), not {cross.rustc.host}" in wrong.stdout, wrong.stdout
    assert "is ELF machine 183" in wrong.stdout  # and each object says why, from its ELF header
    ring, _ = read_marker(a64.rlib("ring"))
    assert ring.static_libs and all(archive_machines(lib.path) == {"EM_AARCH64"} for lib in ring.static_libs)
    (derive,) = a64.host_deps.glob("libserde_derive-*.so")
    assert machine(derive) == "EM_X86_64"
    scripts = list((a64.host_deps.parent / "build").glob("ring-*/build-script-build"))
    assert scripts and all(machine(s) == "EM_X86_64" for s in scripts)


# ---- links that work ----


@pytest.mark.parametrize("ld", CROSS_LINKERS)
def test_cross_c_program_runs_under_qemu(ld, cross, a64, a64_bundle, main_o, cross_ld, link, tmp_path):
    exe = tmp_path / "app"
    proc = link([GCC, *cross_ld(ld), main_o(), *a64.rlibs, a64_bundle, "-o", exe], debug=True)
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert "after crate ring" in proc.stderr  # ring's aarch64 C/assembly archive, right after ring
    assert f"target={AARCH64}" in proc.stderr
    assert machine(exe) == "EM_AARCH64"
    assert linked_by(exe) == ld
    run = cross.run(exe)
    assert (run.returncode, run.stdout) == (0, EXPECTED), run.stderr


def test_cross_cxx_program_runs_under_qemu(cross, a64, a64_bundle, main_o, link, tmp_path):
    exe = tmp_path / "app"
    proc = link([GXX, main_o(cxx=True), *a64.rlibs, *a64.rlibs, a64_bundle, "-o", exe], debug=True)
    assert proc.returncode == 0, proc.stderr[-4000:]
    line = next(ln for ln in proc.stderr.splitlines() if "linker command:" in ln)
    assert all(line.split().count(p) == 1 for p in a64.rlibs)  # each crate once
    run = cross.run(exe)
    assert (run.returncode, run.stdout) == (0, EXPECTED), run.stderr


def test_cross_by_hand(cross, a64_bundle, compile_c, rlib_v0, link, tmp_path):
    """The README's hand-written build, for aarch64: `rlib-v0 rustc --rustc R`
    with `--target=T` and `--target T` (both spellings), the marker naming T."""
    from rlib_v0.formats.marker import read_marker

    (tmp_path / "a.rs").write_text("pub fn twice(x: u64) -> u64 { x * 2 }\n")
    (tmp_path / "b.rs").write_text('#[no_mangle]\npub extern "C" fn b_entry(x: u64) -> u64 { a::twice(x) + std::env::consts::ARCH.len() as u64 }\n')
    r = ["rustc", "--rustc", cross.rustc.path, "--"]
    rlib_v0(*r, "--crate-type=rlib", "--crate-name=a", "--edition=2021", f"--target={AARCH64}", "-Cmetadata=a1", "a.rs", "-o", "liba.rlib", cwd=tmp_path, check=True)
    rlib_v0(*r, "--crate-type=rlib", "--crate-name=b", "--edition=2021", "--target", AARCH64, "-Cmetadata=b1", "b.rs", "--extern", "a=liba.rlib", "-o", "libb.rlib", cwd=tmp_path, check=True)
    for name in ("liba.rlib", "libb.rlib"):
        assert read_marker(str(tmp_path / name))[0].target == AARCH64
    main = compile_c('#include <stdio.h>\n#include <stdint.h>\nuint64_t b_entry(uint64_t);\nint main(void) { printf("%llu\\n", (unsigned long long)b_entry(20)); return 0; }\n', name="by_hand_a64", compiler=GCC)
    exe = tmp_path / "app"
    proc = link([GCC, main, tmp_path / "libb.rlib", tmp_path / "liba.rlib", a64_bundle, "-o", exe])
    assert proc.returncode == 0, proc.stderr
    assert cross.run(exe).stdout == f"{40 + len('aarch64')}\n"


# ---- mixtures refused ----


def test_cross_crates_with_the_hosts_bundle_refused(cross, a64, main_o, std_bundle, link, tmp_path):
    """The cross rustc's own x86-64 bundle: the targets differ."""
    host_bundle = std_bundle(rustc=cross.rustc.path)
    exe = tmp_path / "app"
    proc = link([GCC, main_o(), *a64.rlibs, host_bundle, "-o", exe])
    line = assert_user_error(proc, f"for {AARCH64}, but the std bundle {host_bundle} for {cross.rustc.host}", f"--target {AARCH64}")
    assert " by rustc " not in line  # same rustc: not named as a difference
    assert not exe.exists()


def test_cross_crates_with_another_rustcs_bundle_refused(cross, a64, main_o, std_bundle, rust_release, link, tmp_path):
    """An x86-64 bundle of another rustc release: both differences named."""
    other = next((r for r in map(rust_release.find, RELEASES) if r is not None and r.commit != cross.rustc.commit), None)
    if other is None:
        pytest.skip("only one rustc release here")
    bundle = std_bundle(rustc=other.path)
    exe = tmp_path / "app"
    proc = link([GCC, main_o(), *a64.rlibs, bundle, "-o", exe])
    mine, theirs = f"rustc {cross.rustc.release} ({cross.rustc.commit[:9]})", f"rustc {other.release} ({other.commit[:9]})"
    assert_user_error(proc, f"is built by {mine} for {AARCH64}, but the std bundle {bundle} by {theirs} for {other.host}")
    assert not exe.exists()


def test_host_crate_among_cross_crates_refused(cross, a64, a64_bundle, cargo_corpus, main_o, link, tmp_path):
    """One crate (libc) from the same rustc's host build on an aarch64 line."""
    host = cargo_corpus("dev", cross.rustc)
    stray = host.rlib("libc")
    rlibs = [p for p in a64.rlibs if p != a64.rlib("libc")] + [stray]
    exe = tmp_path / "app"
    proc = link([GCC, main_o(), *rlibs, a64_bundle, "-o", exe])
    assert_user_error(proc, f"{stray} (crate libc) is built for {cross.rustc.host}, but the std bundle {a64_bundle} for {AARCH64}")
    assert not exe.exists()


def test_std_bundle_for_a_target_the_rustc_lacks(rust_release, rlib_v0, tmp_path):
    """A rustc without the aarch64 std (rustup's, before `rustup target add`)."""
    lacking = next((r for r in map(rust_release.find, RELEASES) if r is not None and not r.has_std(AARCH64)), None)
    if lacking is None:
        pytest.skip(f"every rustc here has the {AARCH64} std")
    out = tmp_path / "libstd_bundle.a"
    proc = rlib_v0("std-bundle", "--rustc", lacking.path, "--target", AARCH64, "-o", out)
    assert_user_error(proc, str(out), f"rustc {lacking.release} ({lacking.path}) has no precompiled std for {AARCH64}", f"rustup target add {AARCH64}")
    assert not out.exists()


@pytest.mark.parametrize("ld", CROSS_LINKERS)
def test_cross_crates_given_to_the_hosts_cc(ld, cross, a64, a64_bundle, compile_c, fuse_ld, link, tmp_path):
    """The host's `cc` fails on aarch64 objects, each linker in its own
    words; the wrapper adds one note naming the crates' target and the
    driver to use."""
    main = compile_c((CORPUS / "main.c").read_text(), name="corpus_main", flags=["-O1"])
    exe = tmp_path / "app"
    proc = link(["cc", *fuse_ld(ld), main, *a64.rlibs, a64_bundle, "-o", exe])
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    notes = [ln for ln in proc.stderr.splitlines() if ln.startswith("rlib-v0:")]
    assert len(notes) == 1 and f"built for {AARCH64}: link with that target's compiler driver (e.g. {GCC})" in notes[0], proc.stderr[-3000:]
    assert not exe.exists()


# ---- the cross gcc and -fuse-ld=lld ----


def test_cross_gcc_fuse_ld_lld_note(cross, a64, a64_bundle, main_o, link, tmp_path):
    """`aarch64-linux-gnu-gcc -fuse-ld=lld` alone fails here (collect2
    cannot find the linker): the wrapper adds a note saying where gcc looks,
    and the -B it suggests links."""
    if shutil.which("ld.lld") is None:
        pytest.skip("ld.lld not found: apt-get install lld")
    exe = tmp_path / "app"
    argv = [GCC, "-fuse-ld=lld", main_o(), *a64.rlibs, a64_bundle, "-o", exe]
    proc = link(argv)
    if proc.returncode == 0:
        pytest.skip(f"{GCC} -fuse-ld=lld finds ld.lld here (an aarch64-linux-gnu-ld.lld on PATH?)")
    assert "collect2: fatal error: cannot find" in proc.stderr, proc.stderr
    (note,) = [ln for ln in proc.stderr.splitlines() if ln.startswith("rlib-v0: note: ")]
    assert f"{GCC} found no linker for -fuse-ld=lld" in note and "aarch64-linux-gnu-ld.lld" in note, note
    assert "Traceback" not in proc.stderr and not exe.exists()
    suggested = note.split("; add ", 1)[1].split(",", 1)[0]
    if not suggested.startswith("-B/"):
        pytest.skip(f"no plain -B directory suggested here: {note}")
    proc = link([GCC, "-fuse-ld=lld", suggested, *argv[2:]])
    assert proc.returncode == 0, proc.stderr
    assert linked_by(exe) == "lld" and cross.run(exe).stdout == EXPECTED
