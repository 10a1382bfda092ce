"""The `rustc -vV` cache (toolchain.py): used for a real toolchain binary,
never reused once any of the toolchain's files changed, never for a rustup
proxy or a rustc whose driver comes from elsewhere, never trusting a corrupt
entry, and never in the way (no cache directory, an unwritable one).

Real binaries throughout: rustup's stable and nightly rustc, Debian's, the
rustup proxy; the probe is the one `rlib-v0 rustc` starts."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from rlib_v0 import toolchain


def toolchain_copy(root: Path, real: str) -> Path:
    """root/bin/rustc: a copy of the real binary `real`; root/lib: links to
    the shared libraries beside its driver (the layout rustup installs)."""
    src_lib = Path(real).resolve().parent.parent / "lib"
    if root.exists():
        shutil.rmtree(root)
    (root / "bin").mkdir(parents=True)
    (root / "lib").mkdir()
    shutil.copy2(real, root / "bin" / "rustc")
    for lib in src_lib.iterdir():
        if lib.name.startswith("lib") and ".so" in lib.name:
            (root / "lib" / lib.name).symlink_to(lib)
    return root / "bin" / "rustc"


def vv(path: str) -> str:
    return subprocess.run([path, "-vV"], capture_output=True, text=True, check=True).stdout


def probe(path: str):
    """(the probe's answer, whether it ran `rustc -vV`)."""
    p = toolchain.start_probe(path)
    return p.result(), p.pid is not None


def entries(cache: Path) -> list[Path]:
    d = cache / "rlib-v0" / "rustc-vV"
    return sorted(d.iterdir()) if d.is_dir() else []


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("RLIB_V0_NO_CACHE", raising=False)
    monkeypatch.delenv("LD_PRELOAD", raising=False)
    (tmp_path / "work").mkdir()
    monkeypatch.chdir(tmp_path / "work")  # a toolchain inside the cwd is never cached: work beside it
    return tmp_path / "cache"


def rustup_release(rust_release, name: str):
    r = rust_release(name)
    if not (Path(r.path).resolve().parent.parent / "lib").is_dir() or "librustc_driver" not in " ".join(os.listdir(Path(r.path).resolve().parent.parent / "lib")):
        pytest.skip(f"{name} rustc {r.path} is not in rustup's layout (bin/, lib/librustc_driver-*.so): rustup toolchain install {name}")
    return r


def test_cached_then_reused(cache, tmp_path, rust_release):
    stable = rustup_release(rust_release, "stable")
    exe = str(toolchain_copy(tmp_path / "t" / "tc", stable.path))
    info, ran = probe(exe)
    assert ran and info.release == stable.release and len(entries(cache)) == 1
    again, ran = probe(exe)
    assert not ran, "the second probe of an unchanged toolchain ran rustc -vV"
    assert again.version_text == info.version_text == vv(exe).strip()


def test_replaced_binary_is_not_reused(cache, tmp_path, rust_release):
    stable = rustup_release(rust_release, "stable")
    nightly = rustup_release(rust_release, "nightly")
    assert stable.release != nightly.release
    root = tmp_path / "t" / "tc"
    exe = str(toolchain_copy(root, stable.path))
    assert probe(exe)[0].release == stable.release
    assert not probe(exe)[1]
    # Another real toolchain at the same path: its own answer, cached anew.
    toolchain_copy(root, nightly.path)
    info, ran = probe(exe)
    assert ran and info.release == nightly.release and info.version_text == vv(nightly.path).strip()
    assert not probe(exe)[1]


def test_key_sees_a_rewrite_with_the_same_size_and_mtime(cache, tmp_path, rust_release):
    stable = rustup_release(rust_release, "stable")
    exe = toolchain_copy(tmp_path / "t" / "tc", stable.path)
    before = toolchain.toolchain_key(str(exe))
    st = exe.stat()
    data = exe.read_bytes()
    exe.unlink()
    exe.write_bytes(data)
    os.utime(exe, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert exe.stat().st_size == st.st_size and exe.stat().st_mtime_ns == st.st_mtime_ns
    assert before is not None and toolchain.toolchain_key(str(exe)) != before
    # And a library beside the driver changing does too.
    lib = next(p for p in (exe.parent.parent / "lib").iterdir() if p.name.startswith("libLLVM"))
    key = toolchain.toolchain_key(str(exe))
    target = lib.resolve()
    lib.unlink()
    shutil.copy2(target, lib)
    assert toolchain.toolchain_key(str(exe)) != key


def test_rustup_proxy_is_never_cached(cache, tmp_path, rust_release):
    stable = rustup_release(rust_release, "stable")
    rustup = shutil.which("rustup")
    if rustup is None:
        pytest.skip("no rustup: install Rust with rustup (https://rustup.rs)")
    # The proxy under its own name (~/.cargo/bin/rustc -> rustup) and a copy
    # named rustc in a toolchain-like layout, with a driver beside it.
    root = tmp_path / "t" / "proxy"
    toolchain_copy(root, stable.path)
    (root / "bin" / "rustc").unlink()
    shutil.copy2(os.path.realpath(rustup), root / "bin" / "rustc")
    proxy_link = tmp_path / "t" / "bin" / "rustc"
    proxy_link.parent.mkdir(parents=True)
    proxy_link.symlink_to(os.path.realpath(rustup))
    for exe in (str(proxy_link), str(root / "bin" / "rustc")):
        for _ in range(2):
            info, ran = probe(exe)
            assert ran and info.version_text == vv(exe).strip()
    assert entries(cache) == []


def test_system_driver_is_not_cached(cache, tmp_path, rust_release):
    """Debian's rustc loads its driver from the system library path: even
    in a toolchain-like layout (a driver beside it), nothing is stored."""
    stable = rustup_release(rust_release, "stable")
    debian = rust_release("debian")
    root = tmp_path / "t" / "deb"
    toolchain_copy(root, stable.path)
    shutil.copy2(debian.path, root / "bin" / "rustc")
    exe = str(root / "bin" / "rustc")
    for _ in range(2):
        info, ran = probe(exe)
        assert ran and info.release == debian.release
    assert entries(cache) == []


@pytest.mark.parametrize("damage", ["text", "truncate", "garbage", "key", "empty"])
def test_corrupt_entry_is_ignored(cache, tmp_path, rust_release, damage):
    stable = rustup_release(rust_release, "stable")
    exe = str(toolchain_copy(tmp_path / "t" / "tc", stable.path))
    probe(exe)
    (entry,) = entries(cache)
    data = entry.read_text()
    bad = {
        "text": data.replace(f"release: {stable.release}", "release: 9.99.0"),
        "truncate": data[: len(data) // 2],
        "garbage": "\x00\xff" * 40,
        "key": data.replace(" | ", " | x", 1),
        "empty": "",
    }[damage]
    assert bad != data
    entry.write_bytes(bad.encode("latin-1") if damage == "garbage" else bad.encode())
    info, ran = probe(exe)
    assert ran and info.release == stable.release
    # Rewritten whole by that run: used again.
    assert not probe(exe)[1]


def test_a_valid_entry_is_what_is_used(cache, tmp_path, rust_release):
    """The probe really answers from the entry (so the tests above can
    fail): an entry whose checksum matches is taken as it is."""
    stable = rustup_release(rust_release, "stable")
    exe = str(toolchain_copy(tmp_path / "t" / "tc", stable.path))
    probe(exe)
    (entry,) = entries(cache)
    key = toolchain.toolchain_key(exe)
    text = vv(exe).replace(f"release: {stable.release}", "release: 9.99.0")
    entry.write_text(toolchain._entry(key, text))
    info, ran = probe(exe)
    assert not ran and info.release == "9.99.0"


@pytest.mark.parametrize("where", ["no-home", "unwritable", "a-file", "disabled", "relative"])
def test_no_usable_cache_directory(tmp_path, monkeypatch, rust_release, where):
    stable = rustup_release(rust_release, "stable")
    (tmp_path / "work").mkdir()
    monkeypatch.chdir(tmp_path / "work")
    exe = str(toolchain_copy(tmp_path / "t" / "tc", stable.path))
    monkeypatch.delenv("RLIB_V0_NO_CACHE", raising=False)
    if where == "no-home":
        monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
        monkeypatch.delenv("HOME", raising=False)
    elif where == "unwritable":
        # Root ignores permission bits, so the directory is made unusable
        # another way: a file stands where it must be created.
        ro = tmp_path / "ro"
        ro.mkdir()
        (ro / "rlib-v0").write_text("not a directory")
        monkeypatch.setenv("XDG_CACHE_HOME", str(ro))
    elif where == "a-file":
        (tmp_path / "f").write_text("")
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "f"))
    elif where == "disabled":
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "c"))
        monkeypatch.setenv("RLIB_V0_NO_CACHE", "1")
    else:
        monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")
    for _ in range(2):
        info, ran = probe(exe)
        assert ran and info.release == stable.release
    assert not (tmp_path / "c").exists() and not (tmp_path / "work" / "relative").exists()


def test_toolchain_in_the_working_directory_is_not_cached(tmp_path, monkeypatch, rust_release):
    """A Buck2 sandbox or remote-execution input root materialises the
    toolchain under the action's directory: a new path per action."""
    stable = rustup_release(rust_release, "stable")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("RLIB_V0_NO_CACHE", raising=False)
    exe = str(toolchain_copy(tmp_path / "action" / "tc", stable.path))
    monkeypatch.chdir(tmp_path / "action")
    assert probe(exe)[1] and probe(exe)[1]
    assert entries(tmp_path / "cache") == []
