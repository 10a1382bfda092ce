"""Bad input, through the real CLI (`rlib-v0 ...` in a subprocess).

For every case: a non-zero exit; on stderr exactly one line
`rlib-v0: error: ...` naming the file or crate (or, where rustc or the
linker itself fails, their own diagnostics and exit code); no traceback; no
output file and no stray temporary file left behind; the inputs unchanged.
Real rustc, real linkers; the corpus is generated (tests/corpus/make_corpus.py).
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

if shutil.which("rustc") is None:
    pytest.skip("needs rustc: https://rustup.rs", allow_module_level=True)
if shutil.which("cc") is None:
    pytest.skip("needs a C compiler driver and linker: apt-get install gcc", allow_module_level=True)

CLI = [shutil.which("rlib-v0")] if shutil.which("rlib-v0") else [sys.executable, "-m", "rlib_v0"]
HERE = Path(__file__).parent

_spec = importlib.util.spec_from_file_location("make_corpus", HERE / "corpus" / "make_corpus.py")
corpus = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(corpus)

A_RS = "pub fn a_val() -> u32 { 40 }\npub fn twice<T: Clone>(x: &T) -> (T, T) { (x.clone(), x.clone()) }\n"
B_RS = '#[no_mangle]\npub extern "C" fn b_entry() -> u32 { a::a_val() + a::twice(&1u32).1 + 1 }\n'
P_RS = '#[no_mangle]\npub extern "C" fn p_entry() -> u32 { 7 }\n'
X1_RS = '#[no_mangle]\npub extern "C" fn dup_sym() -> u32 { 1 }\n#[no_mangle]\npub extern "C" fn only_x1() -> u32 { 10 }\n'
X2_RS = '#[no_mangle]\npub extern "C" fn dup_sym() -> u32 { 2 }\n#[no_mangle]\npub extern "C" fn only_x2() -> u32 { 20 }\n'
MAIN_C = "#include <stdio.h>\nunsigned b_entry(void);\nint main(void) { printf(\"%u\\n\", b_entry()); return 0; }\n"
DUP_C = "unsigned only_x1(void);\nunsigned only_x2(void);\nint main(void) { return (int)(only_x1() + only_x2()); }\n"
BAD_RS = "pub fn broken( {\n"


def _sh(cmd: list[str], cwd: Path) -> None:
    p = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, f"{cmd} failed:\n{p.stderr}"


class World:
    """Every input the cases need, built once (module scope)."""

    def __init__(self, root: Path):
        self.root = root
        src = root / "src"
        src.mkdir()
        for name, text in {"a.rs": A_RS, "b.rs": B_RS, "p.rs": P_RS, "x1.rs": X1_RS, "x2.rs": X2_RS, "main.c": MAIN_C, "dup.c": DUP_C, "bad.rs": BAD_RS}.items():
            (src / name).write_text(text)
        self.src = src
        i = root / "in"
        i.mkdir()
        self.inp = i
        rc = [*CLI, "rustc", "--", "--edition=2021", "--crate-type=rlib"]
        _sh([*rc, "-Cmetadata=a1", str(src / "a.rs"), "-o", str(i / "liba.rlib")], root)
        _sh([*rc, str(src / "b.rs"), "--extern", f"a={i / 'liba.rlib'}", "-o", str(i / "libb.rlib")], root)
        _sh([*rc, "-Cpanic=abort", str(src / "p.rs"), "-o", str(i / "libp.rlib")], root)
        _sh([*rc, str(src / "x1.rs"), "-o", str(i / "libx1.rlib")], root)
        _sh([*rc, str(src / "x2.rs"), "-o", str(i / "libx2.rlib")], root)
        _sh([*CLI, "std-bundle", "-o", str(i / "libstd_unwind.a")], root)
        _sh([*CLI, "std-bundle", "--panic", "abort", "-o", str(i / "libstd_abort.a")], root)
        _sh(["cc", "-c", str(src / "main.c"), "-o", str(i / "main.o")], root)
        _sh(["cc", "-c", str(src / "dup.c"), "-o", str(i / "dup.o")], root)
        # Plain rustc output: an rlib without marker, and a Rust staticlib.
        plain = i / "plain"
        plain.mkdir()
        _sh(["rustc", "--edition=2021", "--crate-type=rlib", "-Cmetadata=a1", str(src / "a.rs"), "-o", str(plain / "liba.rlib")], root)
        _sh(["rustc", "--edition=2021", "--crate-type=staticlib", str(src / "b.rs"), "--extern", f"a={plain / 'liba.rlib'}", "-o", str(plain / "libb_static.a")], root)
        # Re-stamped copies: another rustc, another target.
        other = i / "other"
        other.mkdir()
        self.liba_other_rustc = corpus.restamped(str(i / "liba.rlib"), str(other / "liba.rlib"), rustc_commit="0123456789abcdef0123456789abcdef01234567", rustc_release="1.94.0")
        self.bundle_other_target = corpus.restamped(str(i / "libstd_unwind.a"), str(other / "libstd_aarch64.a"), target="aarch64-unknown-linux-gnu")
        self.static = corpus.write_static(str(i / "corpus"))

    def p(self, name: str) -> str:
        return str(self.inp / name)

    def link(self, out: Path, *rust: str, obj: str = "main.o", extra: tuple[str, ...] = (), opts: tuple[str, ...] = ()) -> list[str]:
        return ["link", *opts, "--", "cc", *extra, self.p(obj), *rust, "-o", str(out / "app")]


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> World:
    return World(tmp_path_factory.mktemp("bad-inputs"))


@pytest.fixture
def out(tmp_path) -> Path:
    d = tmp_path / "out"
    d.mkdir()
    return d


def _sha(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _named_files(args: list[str]) -> list[str]:
    files = []
    for a in args:
        for cand in (a, a.split("=", 1)[-1]):
            if os.path.isfile(cand) and os.access(cand, os.R_OK):
                files.append(cand)
    return files


def _listing(d: Path) -> list[str]:
    return sorted(str(p.relative_to(d)) for p in d.rglob("*"))


def run_cli(args: list[str], out: Path, *, cwd: Path | None = None, expect_output_untouched: bool = True, timeout: float = 120, prefix: list[str] = ()) -> subprocess.CompletedProcess:
    """Run `rlib-v0 ARGS` (after `prefix`); check inputs unchanged and nothing new in `out` or $TMPDIR."""
    tmpdir = out.parent / "tmp"
    tmpdir.mkdir(exist_ok=True)
    files = [f for f in _named_files(args) if not Path(f).resolve().is_relative_to(out.resolve())]
    before = {f: _sha(f) for f in files}
    listing = _listing(out)
    env = dict(os.environ, TMPDIR=str(tmpdir))
    for k in ("RLIB_V0_TRACEBACK", "RLIB_V0_LINK_DEBUG"):
        env.pop(k, None)
    p = subprocess.run([*prefix, *CLI, *args], capture_output=True, text=True, cwd=cwd or out.parent, env=env, timeout=timeout)
    assert "Traceback" not in p.stderr, p.stderr
    assert "internal error" not in p.stderr, p.stderr
    if expect_output_untouched:
        assert _listing(out) == listing, f"left behind in {out}: {sorted(set(_listing(out)) - set(listing))}"
    assert _listing(tmpdir) == [], f"stray temporary files: {_listing(tmpdir)}"
    assert {f: _sha(f) for f in files} == before, "an input file was modified"
    return p


def assert_one_line(p: subprocess.CompletedProcess, *mentions: str, code: int = 2) -> str:
    assert p.returncode == code, (p.returncode, p.stderr)
    lines = p.stderr.splitlines()
    assert len(lines) == 1, f"expected one line, got:\n{p.stderr}"
    line = lines[0]
    assert line.startswith("rlib-v0: error: "), line
    for m in mentions:
        assert m in line, f"{m!r} not in {line!r}"
    return line


# ---- sanity: the good link works, so every failure below is the bad input's ----


def test_good_link_works(world, out):
    p = run_cli(world.link(out, world.p("libb.rlib"), world.p("liba.rlib"), world.p("libstd_unwind.a")), out, expect_output_untouched=False)
    assert p.returncode == 0, p.stderr
    assert subprocess.run([str(out / "app")], capture_output=True, text=True).stdout == "42\n"


# ---- broken files on the link line ----


@pytest.mark.parametrize("keep", [8, 30, 100, 200, 1000, 3000, "before-last-member", -1])
def test_truncated_rlib_on_link_line(world, out, keep):
    src = world.p("liba.rlib")
    if keep == "before-last-member":
        from rlib_v0.formats import archive

        keep = archive.scan(src).members[-1].header_offset  # cut exactly at a member boundary
    d = out.parent / "trunc"
    d.mkdir()
    bad = corpus.truncated(src, str(d / "liba.rlib"), keep)
    p = run_cli(world.link(out, world.p("libb.rlib"), bad, world.p("libstd_unwind.a")), out)
    assert_one_line(p, bad)


def test_truncated_bundle_on_link_line(world, out):
    bad = corpus.truncated(world.p("libstd_unwind.a"), str(out.parent / "libstd_cut.a"), -5000)
    p = run_cli(world.link(out, world.p("libb.rlib"), world.p("liba.rlib"), bad), out)
    assert_one_line(p, bad)


@pytest.mark.parametrize("name", ["empty.rlib", "garbage.rlib", "thin.rlib", "header-only.rlib", "garbage-archive.a", "negative-size.a", "non-numeric-size.a", "bad-terminator.a", "bad-long-name.a"])
def test_corrupt_file_on_link_line(world, out, name):
    bad = world.static[name]
    p = run_cli(world.link(out, world.p("libb.rlib"), world.p("liba.rlib"), bad, world.p("libstd_unwind.a")), out, timeout=60)
    assert_one_line(p, bad)


def test_directory_named_rlib(world, out):
    d = out.parent / "liba.rlib"
    d.mkdir()
    p = run_cli(world.link(out, world.p("libb.rlib"), str(d), world.p("libstd_unwind.a")), out)
    assert_one_line(p, str(d), "directory")


def test_missing_rlib(world, out):
    missing = str(out.parent / "nowhere" / "liba.rlib")
    p = run_cli(world.link(out, world.p("libb.rlib"), missing, world.p("libstd_unwind.a")), out)
    assert_one_line(p, missing)


def test_fifo_named_rlib_does_not_hang(world, out):
    # Tests may run as root, who can read any file regardless of its mode:
    # "unreadable" is covered by a missing path, a directory and this FIFO
    # (opening it would block forever), plus the chmod test below.
    fifo = out.parent / "liba.rlib"
    os.mkfifo(fifo)
    p = run_cli(world.link(out, world.p("libb.rlib"), str(fifo), world.p("libstd_unwind.a")), out, timeout=30)
    assert_one_line(p, str(fifo))


def _as_a_user() -> list[str]:
    """A command prefix under which file modes hold: none for a user; for
    root, util-linux's setpriv dropping the capabilities that let root
    read and search anything (the files stay root's, so only the mode
    decides)."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("as root, an unreadable file needs setpriv to drop CAP_DAC_OVERRIDE: apt-get install util-linux")
    return [setpriv, "--bounding-set=-dac_override,-dac_read_search", "--"]


def test_unreadable_rlib(world, out):
    bad = out.parent / "liba.rlib"
    shutil.copy(world.p("liba.rlib"), bad)
    bad.chmod(0)
    try:
        p = run_cli(world.link(out, world.p("libb.rlib"), str(bad), world.p("libstd_unwind.a")), out, prefix=_as_a_user())
        assert_one_line(p, str(bad), "permission")
    finally:
        bad.chmod(0o644)


# ---- well-formed archives that must not be linked together ----


def test_rlib_without_marker(world, out):
    plain = world.p("plain/liba.rlib")
    p = run_cli(world.link(out, world.p("libb.rlib"), plain, world.p("libstd_unwind.a")), out)
    assert_one_line(p, plain, "_rlib_v00")


def test_rust_staticlib_on_link_line(world, out):
    st = world.p("plain/libb_static.a")
    p = run_cli(world.link(out, st, world.p("libstd_unwind.a")), out)
    assert_one_line(p, st, "staticlib")


def test_two_different_std_bundles(world, out):
    p = run_cli(world.link(out, world.p("libb.rlib"), world.p("liba.rlib"), world.p("libstd_unwind.a"), world.p("libstd_abort.a")), out)
    assert_one_line(p, world.p("libstd_unwind.a"), world.p("libstd_abort.a"))


def test_mixed_rustc(world, out):
    p = run_cli(world.link(out, world.p("libb.rlib"), world.liba_other_rustc, world.p("libstd_unwind.a")), out)
    line = assert_one_line(p, world.liba_other_rustc, "crate a", "rustc")
    assert "1.94.0" in line and "012345678" in line


def test_mixed_panic(world, out):
    # libp.rlib is compiled with -C panic=abort; the bundle unwinds.
    p = run_cli(world.link(out, world.p("libp.rlib"), world.p("libstd_unwind.a"), obj="dup.o"), out)
    assert_one_line(p, world.p("libp.rlib"), "crate p", "panic")


def test_missing_dependency(world, out):
    p = run_cli(world.link(out, world.p("libb.rlib"), world.p("libstd_unwind.a")), out)
    assert_one_line(p, "crate b", "crate a", world.p("libb.rlib"))


def test_bundle_for_another_target(world, out):
    p = run_cli(world.link(out, world.p("libb.rlib"), world.p("liba.rlib"), world.bundle_other_target), out)
    assert_one_line(p, world.bundle_other_target, "aarch64-unknown-linux-gnu")


def test_no_std_bundle(world, out):
    p = run_cli(world.link(out, world.p("libb.rlib"), world.p("liba.rlib")), out)
    assert_one_line(p, "std bundle")


def test_whole_archive_of_unknown_crate(world, out):
    p = run_cli(world.link(out, world.p("libb.rlib"), world.p("liba.rlib"), world.p("libstd_unwind.a"), opts=("--whole-archive", "nosuchcrate")), out)
    assert_one_line(p, "nosuchcrate")


def test_output_directory_missing(world, out):
    args = ["link", "--", "cc", world.p("main.o"), world.p("libb.rlib"), world.p("liba.rlib"), world.p("libstd_unwind.a"), "-o", str(out / "no" / "app")]
    assert_one_line(run_cli(args, out), str(out / "no" / "app"))


# ---- the linker itself fails: duplicate #[no_mangle] names ----

_LINKERS = {"bfd": "ld.bfd", "gold": "ld.gold", "lld": "ld.lld", "mold": "mold"}
_INSTALL = {"bfd": "apt-get install binutils", "gold": "apt-get install binutils-gold", "lld": "apt-get install lld", "mold": "apt-get install mold"}


@pytest.mark.parametrize("ld", list(_LINKERS))
def test_duplicate_no_mangle_symbol(world, out, ld):
    if shutil.which(_LINKERS[ld]) is None:
        pytest.skip(f"needs {_LINKERS[ld]}: {_INSTALL[ld]}")
    (out / "app").write_bytes(b"stale output of an earlier link")
    listing = _listing(out)
    rust = (world.p("libx1.rlib"), world.p("libx2.rlib"), world.p("libstd_unwind.a"))
    p = run_cli(world.link(out, *rust, obj="dup.o", extra=(f"-fuse-ld={ld}",)), out, expect_output_untouched=False)
    assert p.returncode != 0
    assert "dup_sym" in p.stderr  # the linker's own diagnostics pass through
    assert not (out / "app").exists(), "a failed link must not leave (or keep a stale) output"
    assert _listing(out) == [x for x in listing if x != "app"]
    # With --debug, the explanation names both crates.
    (out / "app").write_bytes(b"stale")
    p = run_cli(world.link(out, *rust, obj="dup.o", extra=(f"-fuse-ld={ld}",), opts=("--debug",)), out, expect_output_untouched=False)
    assert p.returncode != 0
    expl = p.stderr[p.stderr.index("rlib-v0: explanation") :]
    assert "dup_sym" in expl and "crate x1" in expl and "crate x2" in expl
    assert not (out / "app").exists()


# ---- verify ----


def test_verify_staticlib(world, out):
    st = world.p("plain/libb_static.a")
    p = run_cli(["verify", st], out)
    assert p.returncode == 1
    assert st in p.stdout and "FAILED" in p.stdout
    for crate in ("std", "core", "alloc"):
        assert crate in p.stdout
    assert "staticlib" in p.stdout


def test_verify_staticlib_json_names_foreign_crates(world, out):
    import json

    p = run_cli(["verify", "--json", world.p("plain/libb_static.a")], out)
    assert p.returncode == 1
    rep = json.loads(p.stdout)[0]
    assert not rep["ok"] and {"std", "core", "alloc"} <= set(rep["foreign_crates"])


@pytest.mark.parametrize("name", ["empty.rlib", "garbage.rlib", "negative-size.a", "thin.rlib"])
def test_verify_corrupt_file(world, out, name):
    p = run_cli(["verify", world.static[name]], out, timeout=60)
    assert p.returncode == 1 and world.static[name] in p.stdout and "FAILED" in p.stdout


def test_verify_truncated(world, out):
    bad = corpus.truncated(world.p("liba.rlib"), str(out.parent / "liba.rlib"), 3000)
    p = run_cli(["verify", bad], out)
    assert p.returncode == 1 and bad in p.stdout and "FAILED" in p.stdout


def test_verify_good_and_bad_together(world, out):
    p = run_cli(["verify", world.p("liba.rlib"), world.p("plain/liba.rlib")], out)
    assert p.returncode == 1
    assert f"{world.p('liba.rlib')}: ok" in p.stdout and f"{world.p('plain/liba.rlib')}: FAILED" in p.stdout


def test_verify_missing_file(world, out):
    missing = str(out.parent / "missing.rlib")
    p = run_cli(["verify", missing], out)
    assert p.returncode == 1 and missing in p.stdout


# ---- rlib-v0 rustc ----


def _rustc(world, out, *args: str) -> list[str]:
    return ["rustc", "--", "--edition=2021", *args, "--out-dir", str(out)]


def test_rustc_staticlib_refused(world, out):
    p = run_cli(_rustc(world, out, "--crate-type=staticlib", str(world.src / "p.rs")), out)
    assert_one_line(p, "staticlib")


@pytest.mark.parametrize("flag", ["-Clinker-plugin-lto", "-Clinker-plugin-lto=yes", "-Clinker-plugin-lto=/usr/lib/LLVMgold.so"])
def test_rustc_linker_plugin_lto_refused_before_rustc(world, out, flag):
    """Bitcode rlibs cannot go to the system linker: refused up front, so
    neither the .rmeta nor the .d nor the identity sidecar appears."""
    p = run_cli(_rustc(world, out, "--crate-type=rlib", "--emit=dep-info,metadata,link", flag, str(world.src / "p.rs")), out)
    assert_one_line(p, "crate p", "linker-plugin-lto")
    assert _listing(out) == []


def test_rustc_linker_plugin_lto_off_builds(world, out):
    p = run_cli(_rustc(world, out, "--crate-type=rlib", "-Clinker-plugin-lto=no", str(world.src / "p.rs")), out, expect_output_untouched=False)
    assert p.returncode == 0, p.stderr
    assert (out / "libp.rlib").exists()


def test_rustc_compile_error_passes_rustc_exit_code(world, out):
    bad = str(world.src / "bad.rs")
    plain = subprocess.run(["rustc", "--edition=2021", "--crate-type=rlib", bad, "--out-dir", str(out.parent / "plain-out")], capture_output=True, text=True)
    assert plain.returncode != 0
    p = run_cli(_rustc(world, out, "--crate-type=rlib", bad), out)
    assert p.returncode == plain.returncode
    assert "unclosed delimiter" in p.stderr and "rlib-v0: error" not in p.stderr
    assert _listing(out) == []  # neither the rlib nor rlib-v0's temporary directory


@pytest.mark.parametrize("kind", ["truncated", "plain", "missing", "garbage"])
def test_rustc_bad_extern(world, out, kind):
    d = out.parent / "dep"
    d.mkdir()
    dep = str(d / "liba.rlib")
    if kind == "truncated":
        corpus.truncated(world.p("liba.rlib"), dep, 3000)
    elif kind == "plain":
        shutil.copy(world.p("plain/liba.rlib"), dep)
    elif kind == "garbage":
        shutil.copy(world.static["garbage.rlib"], dep)
    p = run_cli(_rustc(world, out, "--crate-type=rlib", str(world.src / "b.rs"), "--extern", f"a={dep}"), out)
    assert_one_line(p, dep)


def test_rustc_output_dir_missing(world, out):
    target = str(out / "missing" / "libp.rlib")
    p = run_cli(["rustc", "--", "--crate-type=rlib", str(world.src / "p.rs"), "-o", target], out)
    assert_one_line(p, target)


# ---- rlib-v0 std-bundle ----


def test_std_bundle_no_std_needs_panic_abort(world, out):
    target = str(out / "libcore_bundle.a")
    p = run_cli(["std-bundle", "--no-std", "-o", target], out)
    assert_one_line(p, "--panic abort")


def test_std_bundle_output_dir_missing(world, out):
    target = str(out / "missing" / "b.a")
    assert_one_line(run_cli(["std-bundle", "-o", target], out), target)


def test_std_bundle_rustc_failure(world, out):
    p = run_cli(["std-bundle", "-o", str(out / "b.a"), "--", "-Cno-such-codegen-option=1"], out)
    assert_one_line(p, "rustc")


def test_std_bundle_without_a_precompiled_std(world, out):
    """A rustc that has no std for the target (here: an empty --sysroot, as a
    rustc without `rustup target add` for a cross target): named, with how
    to install it; no output."""
    empty = out / "empty-sysroot"
    empty.mkdir()
    b = out / "b.a"
    p = run_cli(["std-bundle", "-o", str(b), "--", "--sysroot", str(empty)], out)
    host = next(ln.split()[1] for ln in subprocess.run(["rustc", "-vV"], capture_output=True, text=True, check=True).stdout.splitlines() if ln.startswith("host: "))
    line = assert_one_line(p, str(b), f"no precompiled std for {host}", f"rustup target add {host}")
    assert not b.exists(), line
