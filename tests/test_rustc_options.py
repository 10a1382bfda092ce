"""`rlib-v0 rustc` with the rustc options real build systems pass (real rustc).

cargo's whole invocations are covered by test_cargo_corpus.py; here each
option on its own, with small crates, so a failure names the option.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import assert_user_error

if shutil.which("rustc") is None:
    pytest.skip("needs rustc: https://rustup.rs", allow_module_level=True)

TOOL = [sys.executable, "-m", "rlib_v0"]
LIB = "pub fn answer() -> u32 { 42 }\npub fn generic<T: Into<u64>>(t: T) -> u64 { t.into() * 2 }\n"


def _rustc(args, cwd, env=None) -> subprocess.CompletedProcess:
    return subprocess.run([*TOOL, "rustc", "--", *args], cwd=cwd, capture_output=True, text=True, env=env)


def _crate(d: Path, name: str, src: str) -> Path:
    p = d / f"{name}.rs"
    p.write_text(src)
    return p


def _verify(path) -> None:
    proc = subprocess.run([*TOOL, "verify", str(path)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def _no_temp_left(d: Path) -> None:
    assert not [p for p in d.rglob(".rlib-v0-*")], list(d.rglob(".rlib-v0-*"))


def test_link_artifact_comes_after_the_rlib(tmp_path):
    """Read the stream as cargo does; the moment the rlib's notification
    arrives, freeze the tool (SIGSTOP): the v0 rlib must already be there."""
    import signal

    from rlib_v0.formats.marker import read_marker

    _crate(tmp_path, "a", LIB)
    args = ["--crate-name", "a", "--edition=2021", "a.rs", "--crate-type", "lib", "--error-format=json", "--json=artifacts", "--emit=metadata,link", "--out-dir", "."]
    p = subprocess.Popen([*TOOL, "rustc", "--", *args], cwd=tmp_path, stderr=subprocess.PIPE)
    seen = False
    for raw in p.stderr:
        if b'"emit":"link"' in raw:
            p.send_signal(signal.SIGSTOP)
            try:
                ident, _ = read_marker(str(tmp_path / "liba.rlib"))
                assert ident is not None and ident.crate == "a"
                seen = True
            finally:
                p.send_signal(signal.SIGCONT)
    assert p.wait() == 0 and seen


def test_json_artifacts_name_final_paths(tmp_path):
    """cargo reads rustc's artifact notifications: they must name the final
    files, and the rlib's must come only once the rlib is in place."""
    _crate(tmp_path, "a", LIB)
    (tmp_path / "out").mkdir()
    proc = _rustc(["--crate-name", "a", "--edition=2021", "a.rs", "--crate-type", "lib", "--error-format=json", "--json=diagnostic-rendered-ansi,artifacts,future-incompat", "--emit=dep-info,metadata,link", "-C", "metadata=m1", "-C", "extra-filename=-m1", "--out-dir", str(tmp_path / "out")], tmp_path)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stderr.splitlines()
    arts = [json.loads(ln) for ln in lines if '"artifact"' in ln]
    # Held back until the rlib is in place: the last thing printed.
    assert json.loads(lines[-1])["emit"] == "link"
    assert {a["emit"] for a in arts} >= {"metadata", "link"}
    for a in arts:
        assert ".rlib-v0" not in a["artifact"] and os.path.isfile(a["artifact"]), a
    assert [a["emit"] for a in arts].index("metadata") < [a["emit"] for a in arts].index("link")
    _verify(tmp_path / "out" / "liba-m1.rlib")
    # The dep-info names the final rlib, never the temporary directory.
    dep = (tmp_path / "out" / "a-m1.d").read_text()
    assert "liba-m1.rlib:" in dep and ".rlib-v0" not in dep
    # Rewritten in place, shorter: nothing of the old text left after it.
    lines = [ln for ln in dep.splitlines() if ln]
    assert dep.endswith("\n") and len(lines) == len(set(lines)), dep
    _no_temp_left(tmp_path)


@pytest.mark.parametrize(
    "flags",
    [
        ["-C", "incremental=INCR"],
        ["-C", "codegen-units=16"],
        ["-C", "codegen-units=1", "-C", "opt-level=3"],
        ["-C", "embed-bitcode=no"],
        ["-C", "strip=symbols"],
        ["-C", "split-debuginfo=packed", "-C", "debuginfo=2"],
        ["-C", "split-debuginfo=off", "-C", "debuginfo=1"],
        ["--cap-lints", "allow", "-W", "unused"],
        ["--cfg", 'feature="x"', "--check-cfg", 'cfg(feature, values("x"))'],
        ["-C", "extra-filename=-deadbeef", "-C", "metadata=deadbeef"],
    ],
    ids=lambda f: " ".join(f)[:40],
)
def test_codegen_options(tmp_path, flags):
    _crate(tmp_path, "a", LIB + '#[cfg(feature = "x")] pub fn x() {}\n')
    flags = [f.replace("INCR", str(tmp_path / "incr")) for f in flags]
    proc = _rustc(["--edition=2021", "--crate-type=lib", "a.rs", "--out-dir", ".", *flags], tmp_path)
    assert proc.returncode == 0, proc.stderr
    extra = next((f.split("=", 1)[1] for f in flags if f.startswith("extra-filename=")), "")
    _verify(tmp_path / f"liba{extra}.rlib")
    if any("incremental" in f for f in flags):
        # A second, incremental compile reuses the cache and still stamps.
        proc = _rustc(["--edition=2021", "--crate-type=lib", "a.rs", "--out-dir", ".", *flags], tmp_path)
        assert proc.returncode == 0, proc.stderr
        _verify(tmp_path / "liba.rlib")
    _no_temp_left(tmp_path)


def test_argfile(tmp_path):
    _crate(tmp_path, "a", LIB)
    (tmp_path / "args").write_text("--edition=2021\n--crate-type=rlib\na.rs\n-Cmetadata=af\n")
    proc = _rustc(["@args", "-o", "liba.rlib"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    from rlib_v0.formats.marker import read_marker

    ident, _ = read_marker(str(tmp_path / "liba.rlib"))
    assert ident.metadata == "af"


def _c_archive(d: Path, name: str) -> Path:
    (d / f"{name}.c").write_text("int c_twice(int x) { return 2 * x; }\n")
    subprocess.run(["cc", "-c", "-fPIC", f"{name}.c", "-o", f"{name}.o"], cwd=d, check=True)
    subprocess.run(["ar", "crs", f"lib{name}.a", f"{name}.o"], cwd=d, check=True)
    return d / f"lib{name}.a"


USES_C = 'extern "C" { fn c_twice(x: i32) -> i32; }\n#[no_mangle] pub extern "C" fn rust_uses_c(x: i32) -> i32 { let v = unsafe { c_twice(x) }; v + 1 }\n'


@pytest.mark.skipif(shutil.which("cc") is None, reason="needs a C compiler: apt-get install gcc")
def test_bundling_static_lib_is_kept_separate(tmp_path, std_bundle, link, run_exe):
    """`-l static=NAME` (a build script's `cargo:rustc-link-lib=static=NAME`):
    the library stays out of the rlib, the marker records it, `link` adds it."""
    native = tmp_path / "native"
    native.mkdir()
    lib = _c_archive(native, "helper")
    _crate(tmp_path, "usesc", USES_C)
    proc = _rustc(["--edition=2021", "--crate-type=lib", "usesc.rs", "-L", f"native={native}", "-l", "static=helper", "-o", "libusesc.rlib"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    from rlib_v0.formats.archive import scan
    from rlib_v0.formats.marker import read_marker

    ident, _ = read_marker(str(tmp_path / "libusesc.rlib"))
    assert [(s.name, s.path) for s in ident.static_libs] == [("helper", str(lib))]
    assert not any(m.name.endswith("helper.o") for m in scan(str(tmp_path / "libusesc.rlib")).members)
    (tmp_path / "main.c").write_text('#include <stdio.h>\nint rust_uses_c(int);\nint main(void) { printf("%d\\n", rust_uses_c(20)); return 0; }\n')
    subprocess.run(["cc", "-c", "main.c", "-o", "main.o"], cwd=tmp_path, check=True)
    proc = link(["cc", tmp_path / "main.o", tmp_path / "libusesc.rlib", std_bundle(), "-o", tmp_path / "app"])
    assert proc.returncode == 0, proc.stderr
    assert run_exe(tmp_path / "app").stdout == "41\n"
    # Moved away: `link` says which crate needs which library, in one line.
    moved = tmp_path / "elsewhere"
    lib.rename(moved)
    proc = link(["cc", tmp_path / "main.o", tmp_path / "libusesc.rlib", std_bundle(), "-o", tmp_path / "app2"])
    assert_user_error(proc, "crate usesc", "helper")
    assert not (tmp_path / "app2").exists()
    # ... and -L on the link line finds it again.
    native2 = tmp_path / "n2"
    native2.mkdir()
    moved.rename(native2 / "libhelper.a")
    proc = link(["cc", tmp_path / "main.o", tmp_path / "libusesc.rlib", std_bundle(), f"-L{native2}", "-o", tmp_path / "app3"])
    assert proc.returncode == 0, proc.stderr


@pytest.mark.skipif(shutil.which("cc") is None, reason="needs a C compiler: apt-get install gcc")
def test_missing_static_lib_is_refused_like_rustc(tmp_path):
    _crate(tmp_path, "usesc", USES_C)
    proc = _rustc(["--edition=2021", "--crate-type=lib", "usesc.rs", "-L", f"native={tmp_path}", "-l", "static=nowhere", "-o", "libusesc.rlib"], tmp_path)
    assert_user_error(proc, "crate usesc", "nowhere")
    assert not (tmp_path / "libusesc.rlib").exists()


@pytest.mark.skipif(shutil.which("cc") is None, reason="needs a C compiler: apt-get install gcc")
def test_link_attribute_bundle_is_refused_by_content(tmp_path):
    """`#[link(kind = "static")]` in the source bundles behind the command
    line's back: the objects rustc did not generate are found and named."""
    native = tmp_path / "native"
    native.mkdir()
    _c_archive(native, "helper")
    _crate(tmp_path, "hidden", '#[link(name = "helper", kind = "static")]\n' + USES_C)
    proc = _rustc(["--edition=2021", "--crate-type=lib", "hidden.rs", "-L", f"native={native}", "-o", "libhidden.rlib"], tmp_path)
    assert proc.returncode != 0
    assert "helper.o" in proc.stderr and "native objects" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "libhidden.rlib").exists()
    _no_temp_left(tmp_path)


def test_extern_rmeta_uses_the_sidecar(tmp_path):
    """Pipelining: a dependent compiled against the dependency's `.rmeta`
    records the dependency's identity, known before its rlib exists."""
    _crate(tmp_path, "dep", LIB)
    _crate(tmp_path, "user", "pub fn twice() -> u32 { dep::answer() * 2 }\n")
    proc = _rustc(["--edition=2021", "--crate-type=lib", "--crate-name=dep", "dep.rs", "--emit=metadata,link", "-Cmetadata=d1", "-Cextra-filename=-d1", "--out-dir", "."], tmp_path)
    assert proc.returncode == 0, proc.stderr
    os.rename(tmp_path / "libdep-d1.rlib", tmp_path / "hidden.rlib")  # as if its codegen were still running
    proc = _rustc(["--edition=2021", "--crate-type=lib", "user.rs", "--extern", "dep=libdep-d1.rmeta", "-o", "libuser.rlib"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    from rlib_v0.formats.marker import read_marker

    os.rename(tmp_path / "hidden.rlib", tmp_path / "libdep-d1.rlib")
    user, _ = read_marker(str(tmp_path / "libuser.rlib"))
    dep, _ = read_marker(str(tmp_path / "libdep-d1.rlib"))
    assert [(d.name, d.crate, d.crate_id) for d in user.deps] == [("dep", "dep", dep.crate_id)]


def test_extern_rmeta_without_identity_is_refused(tmp_path):
    _crate(tmp_path, "dep", LIB)
    _crate(tmp_path, "user", "pub fn twice() -> u32 { dep::answer() * 2 }\n")
    subprocess.run(["rustc", "--edition=2021", "--crate-type=lib", "dep.rs", "--emit=metadata", "-o", "libdep.rmeta"], cwd=tmp_path, check=True)
    proc = _rustc(["--edition=2021", "--crate-type=lib", "user.rs", "--extern", "dep=libdep.rmeta", "-o", "libuser.rlib"], tmp_path)
    assert_user_error(proc, "libdep.rmeta", "rlib-v0 rustc")
    assert not (tmp_path / "libuser.rlib").exists()


def test_proc_macro_and_sysroot_externs(tmp_path):
    """A proc macro (`.so`, loaded by rustc) is no dependency of the link;
    `--extern proc_macro` has no path."""
    _crate(tmp_path, "mac", "extern crate proc_macro;\nuse proc_macro::TokenStream;\n#[proc_macro]\npub fn seven(_: TokenStream) -> TokenStream { \"7u32\".parse().unwrap() }\n")
    subprocess.run(["rustc", "--edition=2021", "--crate-type=proc-macro", "mac.rs", "--extern", "proc_macro"], cwd=tmp_path, check=True, capture_output=True)
    so = next(tmp_path.glob("libmac*.so"))
    _crate(tmp_path, "user", "pub fn seven() -> u32 { mac::seven!() }\n")
    proc = _rustc(["--edition=2021", "--crate-type=lib", "user.rs", "--extern", f"mac={so.name}", "--extern", "proc_macro", "-o", "libuser.rlib"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    from rlib_v0.formats.marker import read_marker

    ident, _ = read_marker(str(tmp_path / "libuser.rlib"))
    assert ident.deps == []
    _verify(tmp_path / "libuser.rlib")


def test_several_crate_types(tmp_path):
    """`crate-type = ["cdylib", "rlib"]`: cargo passes both; both land in place."""
    _crate(tmp_path, "both", LIB + '#[no_mangle] pub extern "C" fn both_entry() -> u32 { answer() }\n')
    (tmp_path / "out").mkdir()
    proc = _rustc(["--edition=2021", "--crate-type", "cdylib", "--crate-type", "rlib", "both.rs", "--emit=dep-info,link", "--out-dir", "out"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert sorted(os.listdir(tmp_path / "out")) == ["both.d", "libboth.rlib", "libboth.so"]
    _verify(tmp_path / "out" / "libboth.rlib")


def test_metadata_only_is_passed_through(tmp_path):
    """`--emit=metadata` (cargo check, or a build system's metadata action)."""
    _crate(tmp_path, "a", LIB)
    proc = _rustc(["--edition=2021", "--crate-type=lib", "a.rs", "--emit=metadata", "-o", "liba.rmeta"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert sorted(os.listdir(tmp_path)) == ["a.rs", "liba.rmeta", "liba.v0-identity.json"]


BOOTSTRAP = {**os.environ, "RUSTC_BOOTSTRAP": "1"}
GENERIC_USER = "pub fn twice() -> u64 { dep::generic(dep::answer()) + dep::answer() as u64 }\n"


def test_metadata_rlib_for_pipelining(tmp_path, std_bundle, link, run_exe):
    """`-Zno-codegen` (Buck2's metadata action): an rlib of metadata only,
    no marker, a sidecar naming the crate. A dependent compiles against it
    (generics included), records the same identity as the real rlib's,
    and links with the real one; the metadata rlib itself is refused."""
    _crate(tmp_path, "dep", LIB)
    _crate(tmp_path, "user", GENERIC_USER + '#[no_mangle] pub extern "C" fn user_entry() -> u64 { twice() }\n')
    common = ["--edition=2021", "--crate-type=rlib", "-Zallow-features=", "-Cmetadata=d1"]
    (tmp_path / "meta").mkdir()
    proc = _rustc([*common, "--crate-name=dep", "dep.rs", "-Zno-codegen", "-o", "meta/libdep.rlib"], tmp_path, env=BOOTSTRAP)
    assert proc.returncode == 0, proc.stderr
    assert sorted(os.listdir(tmp_path / "meta")) == ["libdep.rlib", "libdep.v0-identity.json"]
    from rlib_v0.formats.marker import read_marker

    assert read_marker(str(tmp_path / "meta" / "libdep.rlib"))[0] is None
    proc = _rustc([*common, "--crate-name=dep", "dep.rs", "-o", "libdep.rlib"], tmp_path, env=BOOTSTRAP)
    assert proc.returncode == 0, proc.stderr
    proc = _rustc(["--edition=2021", "--crate-type=rlib", "-Zallow-features=", "-Cmetadata=u1", "user.rs", "--extern", "dep=meta/libdep.rlib", "-Ldependency=meta", "-o", "libuser.rlib"], tmp_path, env=BOOTSTRAP)
    assert proc.returncode == 0, proc.stderr
    user, _ = read_marker(str(tmp_path / "libuser.rlib"))
    dep, _ = read_marker(str(tmp_path / "libdep.rlib"))
    assert [(d.crate, d.crate_id) for d in user.deps] == [("dep", dep.crate_id)]
    _verify(tmp_path / "libuser.rlib")
    # The sidecar as the Buck2 rules write it (no crate_id: derived on reading).
    side = tmp_path / "meta" / "libdep.v0-identity.json"
    fields = json.loads(side.read_text())
    del fields["crate_id"]
    side.write_text(json.dumps(fields))
    proc = _rustc(["--edition=2021", "--crate-type=rlib", "-Zallow-features=", "-Cmetadata=u1", "user.rs", "--extern", "dep=meta/libdep.rlib", "-Ldependency=meta", "-o", "libuser.rlib"], tmp_path, env=BOOTSTRAP)
    assert proc.returncode == 0, proc.stderr
    assert [(d.crate, d.crate_id) for d in read_marker(str(tmp_path / "libuser.rlib"))[0].deps] == [("dep", dep.crate_id)]
    fields["target"] = 7
    side.write_text(json.dumps(fields))
    proc = _rustc(["--edition=2021", "--crate-type=rlib", "user.rs", "--extern", "dep=meta/libdep.rlib", "-o", "libuser2.rlib"], tmp_path, env=BOOTSTRAP)
    assert_user_error(proc, "libdep.v0-identity.json", "unreadable")
    (tmp_path / "main.c").write_text('#include <stdio.h>\nunsigned long long user_entry(void);\nint main(void){printf("%llu\\n", user_entry());return 0;}\n')
    subprocess.run(["cc", "-c", "main.c", "-o", "main.o"], cwd=tmp_path, check=True)
    ok = link(["cc", tmp_path / "main.o", tmp_path / "libuser.rlib", tmp_path / "libdep.rlib", std_bundle(), "-o", tmp_path / "app"])
    assert ok.returncode == 0, ok.stderr
    assert run_exe(tmp_path / "app").stdout == "126\n"
    bad = link(["cc", tmp_path / "main.o", tmp_path / "libuser.rlib", tmp_path / "meta" / "libdep.rlib", std_bundle(), "-o", tmp_path / "app2"])
    assert_user_error(bad, "meta/libdep.rlib", "metadata-only")
    proc = subprocess.run([*TOOL, "verify", str(tmp_path / "meta" / "libdep.rlib")], capture_output=True, text=True)
    assert proc.returncode != 0 and "metadata-only" in proc.stdout + proc.stderr
    assert not (tmp_path / "app2").exists()


def test_metadata_rlib_failure_leaves_nothing(tmp_path):
    _crate(tmp_path, "bad", "pub fn f() -> u32 { \"no\" }\n")
    (tmp_path / "meta").mkdir()
    proc = _rustc(["--edition=2021", "--crate-type=rlib", "bad.rs", "-Zno-codegen", "-o", "meta/libbad.rlib"], tmp_path, env=BOOTSTRAP)
    assert proc.returncode == 1 and "E0308" in proc.stderr
    assert os.listdir(tmp_path / "meta") == []


def test_rustc_error_keeps_its_exit_code_and_leaves_nothing(tmp_path):
    _crate(tmp_path, "bad", "pub fn f() -> u32 { \"no\" }\n")
    proc = _rustc(["--edition=2021", "--crate-type=lib", "bad.rs", "--error-format=json", "--out-dir", "."], tmp_path)
    assert proc.returncode == 1 and "E0308" in proc.stderr
    assert not (tmp_path / "libbad.rlib").exists()
    _no_temp_left(tmp_path)


def test_wrapper_passes_other_invocations_through(tmp_path):
    """cargo's probes and non-library compiles go to rustc unchanged."""
    from rlib_v0.compile.wrapper import wants_v0

    assert wants_v0(["--crate-name", "a", "src/lib.rs", "--crate-type", "lib", "--emit=dep-info,metadata,link"])
    assert not wants_v0(["-", "--crate-name", "___", "--print=file-names", "--crate-type", "bin", "--crate-type", "rlib"])
    assert not wants_v0(["-vV"])
    assert not wants_v0(["--crate-name", "build_script_build", "build.rs", "--crate-type", "bin"])
    assert not wants_v0(["--crate-name", "m", "src/lib.rs", "--crate-type", "proc-macro"])
    assert not wants_v0(["--crate-name", "a", "src/lib.rs", "--crate-type", "lib", "--emit=dep-info,metadata"])
    assert not wants_v0(["--crate-name", "a", "src/lib.rs", "--test"])
    proc = subprocess.run([*TOOL, "rustc-wrapper", shutil.which("rustc"), "-vV"], capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stdout.startswith("rustc ")


def test_many_compiles_into_one_out_dir_at_once(tmp_path):
    """As `cargo -j` and Buck2 local execution do: six crates (two of them the
    same crate, compiled twice at once) into one --out-dir; every result is a
    whole, verified v0 rlib and no temporary is left."""
    import concurrent.futures

    out = tmp_path / "deps"
    out.mkdir()
    names = ["c0", "c1", "c2", "c3", "same", "same"]
    for n in set(names):
        _crate(tmp_path, n, LIB + 'pub fn name() -> &\'static str { "' + n + '" }\n')

    def compile_(n: str) -> subprocess.CompletedProcess:
        return _rustc(["--edition=2021", "--crate-type=lib", f"{n}.rs", "--emit=dep-info,metadata,link", f"-Cmetadata={n}", f"-Cextra-filename=-{n}", "--out-dir", str(out)], tmp_path)

    with concurrent.futures.ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(compile_, names))
    for n, proc in zip(names, results):
        assert proc.returncode == 0, (n, proc.stderr)
    for n in set(names):
        _verify(out / f"lib{n}-{n}.rlib")
    _no_temp_left(tmp_path)
