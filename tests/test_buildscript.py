"""`rlib-v0 buildscript-run`: a build script run as cargo would run it.

Pure translation of `cargo:` instructions, then a real build script (the
corpus's capi_sys/build.rs) compiled by rustc, run, and its output given to
`rlib-v0 rustc` as an argument file, and the crate linked into a C program.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from rlib_v0.buildscript import cfg_env, feature_env, package_env, translate

HERE = Path(__file__).parent
TOOL = [sys.executable, "-m", "rlib_v0"]


def test_translate_instructions(tmp_path):
    lines = [
        "cargo:rustc-cfg=has_thing",
        "cargo::rustc-check-cfg=cfg(has_thing)",
        "cargo:rustc-link-lib=static=ring_core",
        f"cargo:rustc-link-search=native={tmp_path}/out",
        "cargo:rustc-link-search=/opt/elsewhere/lib",
        "cargo:rustc-env=GREETING=hi there",
        "cargo:rustc-flags=-l dylib=z -L/usr/lib/x",
        "cargo:warning=careful",
        "cargo:rerun-if-changed=build.rs",
        "cargo:root=/some/metadata",
        "not an instruction",
    ]
    out = translate(lines, str(tmp_path))
    assert out.args == ["--cfg=has_thing", "--check-cfg=cfg(has_thing)", "-l", "static=ring_core", "-L", "native=out", "-L", "/opt/elsewhere/lib", "--rlib-v0-env=GREETING=hi there", "-l", "dylib=z", "-L", "/usr/lib/x"]
    assert out.warnings == ["careful"] and out.errors == []
    # `cargo:root=...` is no instruction: metadata, for DEP_<LINKS>_ROOT.
    assert out.metadata == [("root", "/some/metadata")]


def test_cargo_env():
    assert cfg_env(['target_os="linux"', "unix", 'target_feature="sse"', 'target_feature="sse2"', "debug_assertions"]) == {"CARGO_CFG_TARGET_OS": "linux", "CARGO_CFG_UNIX": "", "CARGO_CFG_TARGET_FEATURE": "sse,sse2", "CARGO_CFG_DEBUG_ASSERTIONS": ""}
    assert package_env("serde-core", "1.0.229-rc.1")["CARGO_PKG_VERSION_PATCH"] == "229"
    assert package_env("serde-core", "1.0.229-rc.1")["CARGO_PKG_VERSION_PRE"] == "rc.1"
    zstd = package_env("zstd-sys", "2.1.3+zstd.1.5.7")
    assert (zstd["CARGO_PKG_VERSION"], zstd["CARGO_PKG_VERSION_PATCH"], zstd["CARGO_PKG_VERSION_PRE"]) == ("2.1.3+zstd.1.5.7", "3", "")
    assert feature_env(["std", "serde-derive"]) == {"CARGO_FEATURE_STD": "1", "CARGO_FEATURE_SERDE_DERIVE": "1"}


@pytest.mark.skipif(shutil.which("rustc") is None or shutil.which("cc") is None, reason="needs rustc (https://rustup.rs) and cc (apt-get install gcc)")
def test_real_build_script_reaches_the_crate(tmp_path, std_bundle, link, run_exe):
    crate = HERE / "cargo_corpus" / "capi_sys"
    libc_free = (crate / "src" / "lib.rs").read_text().replace("let pid = unsafe { libc::getpid() };", "let pid = std::process::id() as i32;")
    (tmp_path / "lib.rs").write_text(libc_free)
    subprocess.run(["rustc", "--edition=2021", "--crate-type=bin", "--crate-name=build_script_build", str(crate / "build.rs"), "-o", "build-script"], cwd=tmp_path, check=True, capture_output=True)
    proc = subprocess.run([*TOOL, "buildscript-run", "--buildscript", "build-script", "--manifest-dir", str(crate), "--out-dir", "out", "--rustc-flags-out", "flags", "--package", "capi_sys", "--version", "0.1.0"], cwd=tmp_path, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    flags = (tmp_path / "flags").read_text().splitlines()
    assert "--cfg=capi_sys_probed" in flags and "--rlib-v0-env=CAPI_SYS_GREETING=hello from build.rs" in flags
    assert (tmp_path / "out").is_dir()
    proc = subprocess.run([*TOOL, "rustc", "--", "--edition=2021", "--crate-type=rlib", "--crate-name=capi_sys", "lib.rs", "@flags", "-o", "libcapi_sys.rlib"], cwd=tmp_path, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    (tmp_path / "main.c").write_text('#include <stdio.h>\nint capi_sys_build_script_ok(void); double capi_sys_cbrt(double);\nint main(void) { printf("%d %.1f\\n", capi_sys_build_script_ok(), capi_sys_cbrt(8.0)); return 0; }\n')
    subprocess.run(["cc", "-c", "main.c", "-o", "main.o"], cwd=tmp_path, check=True)
    # -lm comes from the build script, through the marker: not on this line.
    proc = link(["cc", tmp_path / "main.o", tmp_path / "libcapi_sys.rlib", std_bundle(), "-o", tmp_path / "app"])
    assert proc.returncode == 0, proc.stderr
    assert run_exe(tmp_path / "app").stdout == "19 2.0\n"


def test_failing_build_script_is_one_line(tmp_path):
    script = tmp_path / "bs"
    script.write_text("#!/bin/sh\necho 'cargo:rustc-cfg=x'\necho oops >&2\nexit 3\n")
    script.chmod(0o755)
    proc = subprocess.run([*TOOL, "buildscript-run", "--buildscript", str(script), "--manifest-dir", str(tmp_path), "--out-dir", "out", "--rustc-flags-out", "flags", "--package", "p", "--version", "1.0.0"], cwd=tmp_path, capture_output=True, text=True)
    assert proc.returncode == 2 and proc.stderr.splitlines()[-1].startswith("rlib-v0: error: build script of p 1.0.0")
    assert not (tmp_path / "flags").exists()


def _script(path: Path, body: str) -> Path:
    path.write_text("#!/bin/sh\nset -e\n" + body)
    path.chmod(0o755)
    return path


def _run_bs(cwd: Path, script: Path, manifest: Path, name: str, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*TOOL, "buildscript-run", "--buildscript", str(script), "--manifest-dir", str(manifest), "--out-dir", f"out-{name}", "--rustc-flags-out", f"flags-{name}", "--package", name, "--version", "0.1.0", *extra], cwd=cwd, capture_output=True, text=True)


def test_translate_metadata_and_errors():
    out = translate(["cargo::metadata=version_number=30000000", "cargo:include=/x/include", "cargo::error=no zlib found", "cargo::bogus=1", "cargo::metadata=novalue", "cargo:rustc-link-arg=-Wl,-z,now"], "/w")
    assert out.metadata == [("version_number", "30000000"), ("include", "/x/include")]
    assert out.errors[0] == "no zlib found" and "cargo::bogus" in out.errors[1] and "KEY=VALUE" in out.errors[2]
    # rustc-link-arg is for the package's own binaries (cargo): nothing for a library.
    assert out.args == []


def test_links_metadata_reaches_dependent_build_script(tmp_path):
    """`links` in both directions: the producer's CARGO_MANIFEST_LINKS and its
    metadata (an OUT_DIR path among it) become the consumer's DEP_ZED_*."""
    sys_dir = tmp_path / "zed-sys"
    sys_dir.mkdir()
    (sys_dir / "Cargo.toml").write_text('[package]\nname = "zed-sys"\nversion = "0.1.0"\nauthors = ["A <a@x>", "B"]\ndescription = "zed bindings"\nlinks = "zed"\n')
    producer = _script(tmp_path / "bs-sys", 'mkdir -p "$OUT_DIR/include" && echo "#define ZED 3" > "$OUT_DIR/include/zed.h"\n'
                       'echo "cargo:include=$OUT_DIR/include"\necho "cargo::metadata=version_number=30000000"\necho "cargo:conf=OPENSSL_NO_X,OPENSSL_NO_Y"\n'
                       'echo "cargo:rustc-env=SEEN=$CARGO_MANIFEST_LINKS $CARGO_PKG_AUTHORS $CARGO_PKG_DESCRIPTION"\n')
    proc = _run_bs(tmp_path, producer, sys_dir, "zed-sys", "--metadata-out", "meta-sys")
    assert proc.returncode == 0, proc.stderr
    assert "--rlib-v0-env=SEEN=zed A <a@x>:B zed bindings" in (tmp_path / "flags-zed-sys").read_text()
    # Paths below the working directory are stored relative to it: the same file wherever it ran.
    assert (tmp_path / "meta-sys").read_text() == "DEP_ZED_INCLUDE=@RLIB_V0_ROOT@/out-zed-sys/include\nDEP_ZED_VERSION_NUMBER=30000000\nDEP_ZED_CONF=OPENSSL_NO_X,OPENSSL_NO_Y\n"

    consumer = _script(tmp_path / "bs-zed", 'test -f "$DEP_ZED_INCLUDE/zed.h"\necho "cargo:rustc-env=SEEN=$DEP_ZED_INCLUDE|$DEP_ZED_VERSION_NUMBER|${CARGO_MANIFEST_LINKS-none}"\n'
                       '[ "$DEP_ZED_VERSION_NUMBER" -ge 30000000 ] && echo "cargo:rustc-cfg=zed3"\n')
    proc = _run_bs(tmp_path, consumer, tmp_path, "zed", "--dep-metadata", "meta-sys", "--metadata-out", "meta-zed")
    assert proc.returncode == 0, proc.stderr
    # The script saw an absolute path; the flags file names it below the working directory.
    assert (tmp_path / "flags-zed").read_text().splitlines() == ["--rlib-v0-env=SEEN=@RLIB_V0_ROOT@/out-zed-sys/include|30000000|none", "--cfg=zed3"]
    # No `links` in the consumer's package: nothing for its own dependents.
    assert (tmp_path / "meta-zed").read_text() == ""

    # Read from another directory (a remote worker's): the path follows it
    # (the script checks the header is there).
    other = tmp_path / "elsewhere"
    (other / "out-zed-sys" / "include").mkdir(parents=True)
    (other / "out-zed-sys" / "include" / "zed.h").write_text("")
    (tmp_path / "out-zed-sys" / "include" / "zed.h").unlink()
    proc = _run_bs(other, consumer, tmp_path, "zed", "--dep-metadata", str(tmp_path / "meta-sys"))
    assert proc.returncode == 0, proc.stderr


def test_build_script_errors_are_one_line(tmp_path):
    bad = _script(tmp_path / "bs", 'echo "cargo:rustc-cfg=x"\necho "cargo::error=zlib not found"\n')
    proc = _run_bs(tmp_path, bad, tmp_path, "p")
    assert proc.returncode == 2 and proc.stderr.splitlines()[-1] == f"rlib-v0: error: build script of p 0.1.0 ({bad}) reported an error: zlib not found"
    assert not (tmp_path / "flags-p").exists()
    ok = _script(tmp_path / "ok", "true\n")
    (tmp_path / "meta").write_text("not a variable\n")
    proc = _run_bs(tmp_path, ok, tmp_path, "p", "--dep-metadata", "meta")
    assert proc.returncode == 2 and proc.stderr.strip() == "rlib-v0: error: meta:1: not a DEP_<LINKS>_<KEY>=VALUE line: 'not a variable'"
    (tmp_path / "a").write_text("DEP_Z_INCLUDE=/a\n")
    (tmp_path / "b").write_text("DEP_Z_INCLUDE=/b\n")
    proc = _run_bs(tmp_path, ok, tmp_path, "p", "--dep-metadata", "a", "--dep-metadata", "b")
    assert proc.returncode == 2 and "two dependencies claim the same `links`" in proc.stderr
    (tmp_path / "Cargo.toml").write_text("[package\n")
    proc = _run_bs(tmp_path, ok, tmp_path, "p")
    assert proc.returncode == 2 and proc.stderr.startswith(f"rlib-v0: error: {tmp_path}/Cargo.toml: not a valid Cargo.toml") and len(proc.stderr.splitlines()) == 1
    assert not (tmp_path / "flags-p").exists()


def test_rustc_env_path_follows_the_working_directory(tmp_path):
    """`cargo:rustc-env=GEN=$OUT_DIR/gen.rs` for `include!(env!("GEN"))`
    (mime_guess): the flags file names it relative to the working directory,
    so a compile elsewhere (a remote worker) reads its own copy."""
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    script = _script(tmp_path / "bs", 'echo "pub const GEN: u32 = 7;" > "$OUT_DIR/gen.rs"\necho "cargo:rustc-env=GEN=$OUT_DIR/gen.rs"\n')
    proc = _run_bs(a, script, tmp_path, "p")
    assert proc.returncode == 0, proc.stderr
    assert (a / "flags-p").read_text() == "--rlib-v0-env=GEN=@RLIB_V0_ROOT@/out-p/gen.rs\n"
    shutil.copytree(a, b)
    (a / "out-p" / "gen.rs").write_text("this would not compile")
    (b / "lib.rs").write_text('include!(env!("GEN"));\npub fn seven() -> u32 { GEN }\n')
    proc = subprocess.run([*TOOL, "rustc", "--", "--edition=2021", "--crate-type=rlib", "--crate-name=p", "lib.rs", "@flags-p", "-o", "libp.rlib"], cwd=b, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


@pytest.mark.skipif(shutil.which("rustc") is None, reason="needs rustc (https://rustup.rs)")
def test_cross_build_script_sees_the_target_and_its_c_tools(tmp_path):
    """For another target: TARGET and CARGO_CFG_* are the target's, HOST the
    machine's, and the target's C/C++ tools arrive as the cc crate reads them
    (CC_<target> ..., TARGET_CC ...); a tool given by a relative path (a
    declared input) is made absolute, since the script runs in the crate's
    directory; the flags remap the working directory."""
    crate = tmp_path / "crate"
    crate.mkdir()
    (tmp_path / "tools").mkdir()
    (tmp_path / "tools" / "cc").write_text("")
    script = tmp_path / "bs"
    names = ["TARGET", "HOST", "CARGO_CFG_TARGET_ARCH", "CC_aarch64_unknown_linux_gnu", "TARGET_CC", "CXX_aarch64_unknown_linux_gnu", "AR_aarch64_unknown_linux_gnu", "CFLAGS_aarch64_unknown_linux_gnu", "TARGET_CXXFLAGS"]
    script.write_text("#!/bin/sh\n" + "".join(f'echo "cargo:rustc-env=SEEN_{n}=${n}"\n' for n in names))
    script.chmod(0o755)
    proc = subprocess.run(
        [*TOOL, "buildscript-run", "--buildscript", str(script), "--manifest-dir", "crate", "--out-dir", "out", "--rustc-flags-out", "flags", "--package", "p", "--version", "1.0.0",
         "--target", "aarch64-unknown-linux-gnu", "--cc=tools/cc -x", "--cxx=aarch64-linux-gnu-g++", "--ar=aarch64-linux-gnu-ar", "--cflags=-O0 -g", "--cxxflags="],
        cwd=tmp_path, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    seen = dict(line.removeprefix("--rlib-v0-env=SEEN_").split("=", 1) for line in (tmp_path / "flags").read_text().splitlines())
    host = subprocess.run(["rustc", "-vV"], capture_output=True, text=True).stdout.split("host: ")[1].split()[0]
    cwd = str(tmp_path.resolve())
    assert seen == {
        "TARGET": "aarch64-unknown-linux-gnu",
        "HOST": host,
        "CARGO_CFG_TARGET_ARCH": "aarch64",
        # The script saw `{cwd}/tools/cc`; a rustc-env path below the working
        # directory is written relative to it (test_rustc_env_path_follows_...).
        "CC_aarch64_unknown_linux_gnu": "@RLIB_V0_ROOT@/tools/cc -x",
        "TARGET_CC": "@RLIB_V0_ROOT@/tools/cc -x",
        "CXX_aarch64_unknown_linux_gnu": "aarch64-linux-gnu-g++",
        "AR_aarch64_unknown_linux_gnu": "aarch64-linux-gnu-ar",
        "CFLAGS_aarch64_unknown_linux_gnu": f"-ffile-prefix-map={cwd}=. -O0 -g",
        "TARGET_CXXFLAGS": f"-ffile-prefix-map={cwd}=.",
    }
