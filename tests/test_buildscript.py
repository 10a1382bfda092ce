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
    args, warnings = translate(lines, str(tmp_path))
    assert args == ["--cfg=has_thing", "--check-cfg=cfg(has_thing)", "-l", "static=ring_core", "-L", "native=out", "-L", "/opt/elsewhere/lib", "--rlib-v0-env=GREETING=hi there", "-l", "dylib=z", "-L", "/usr/lib/x"]
    assert warnings == ["careful"]


def test_cargo_env():
    assert cfg_env(['target_os="linux"', "unix", 'target_feature="sse"', 'target_feature="sse2"', "debug_assertions"]) == {"CARGO_CFG_TARGET_OS": "linux", "CARGO_CFG_UNIX": "", "CARGO_CFG_TARGET_FEATURE": "sse,sse2", "CARGO_CFG_DEBUG_ASSERTIONS": ""}
    assert package_env("serde-core", "1.0.229-rc.1")["CARGO_PKG_VERSION_PATCH"] == "229"
    assert package_env("serde-core", "1.0.229-rc.1")["CARGO_PKG_VERSION_PRE"] == "rc.1"
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
        "CC_aarch64_unknown_linux_gnu": f"{cwd}/tools/cc -x",
        "TARGET_CC": f"{cwd}/tools/cc -x",
        "CXX_aarch64_unknown_linux_gnu": "aarch64-linux-gnu-g++",
        "AR_aarch64_unknown_linux_gnu": "aarch64-linux-gnu-ar",
        "CFLAGS_aarch64_unknown_linux_gnu": f"-ffile-prefix-map={cwd}=. -O0 -g",
        "TARGET_CXXFLAGS": f"-ffile-prefix-map={cwd}=.",
    }
