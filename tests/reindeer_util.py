"""Helpers for the tests that build third-party crate sets from reindeer
(tests/test_reindeer*.py, tests/test_ripgrep.py): finding reindeer, and a
long-lived repository under the test cache whose vendored crates are reused
while what they depend on is unchanged.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from buck2_util import Buck2, sync_repo, test_cache_dir

REINDEER_HINT = (
    "reindeer not found (looked for $REINDEER, then reindeer on PATH): build it from "
    "facebookincubator/reindeer (tested at commit {commit}) with `cargo +nightly build --release` "
    "and put the binary on PATH, as README.md describes"
)
REINDEER_COMMIT = "84035a200a3fb855a2178aa7d1751ada940faf3c"


def reindeer_exe() -> str:
    """reindeer, or skip the test saying how to get it (the other reindeer test modules use it too)."""
    exe = os.environ.get("REINDEER") or shutil.which("reindeer")
    if not exe:
        pytest.skip(REINDEER_HINT.format(commit=REINDEER_COMMIT))
    return exe


def vendor_key(third_party: Path, reindeer: str) -> str:
    """What `reindeer vendor` depends on: the manifest, the lock, reindeer's
    configuration, the fixups and reindeer itself."""
    # reindeer has no --version (it prints an error): the binary itself stands
    # for it, by its resolved path, size and modification time.
    exe = Path(shutil.which(reindeer) or reindeer).resolve()
    st = exe.stat()
    h = hashlib.sha256(f"{exe}\0{st.st_size}\0{st.st_mtime_ns}".encode())
    for p in sorted([third_party / "Cargo.toml", third_party / "Cargo.lock", third_party / "reindeer.toml", *third_party.glob("fixups/**/*")]):
        if p.is_file():
            h.update(str(p.relative_to(third_party)).encode() + b"\0" + p.read_bytes())
    return h.hexdigest()


def prepare(name: str, sources: dict[str, Path], env: dict[str, str] | None = None, keep: tuple[str, ...] = ("vendor", ".cargo", "BUCK")) -> Path:
    """The long-lived repository `name` under the test cache: synced with the
    checkout, its third-party crates vendored again only when what the
    vendoring depends on changed, then buckified."""
    reindeer = reindeer_exe()
    # `keep`: what the sync leaves (made here: vendor/ and the .cargo/config.toml
    # pointing cargo at it, the generated BUCK).
    root = sync_repo(test_cache_dir() / name / "repo", sources, keep=keep)
    # A remote test's overlay, left by a run that was killed.
    (root / ".buckconfig.local").unlink(missing_ok=True)
    third_party = root / "third-party"
    stamp = third_party / "vendor" / ".rlib-v0-vendor-key"
    key = vendor_key(third_party, reindeer)
    verbs = ["buckify"]
    if not stamp.is_file() or stamp.read_text() != key or not (third_party / ".cargo" / "config.toml").is_file():
        shutil.rmtree(third_party / "vendor", ignore_errors=True)
        verbs.insert(0, "vendor")
    for verb in verbs:
        proc = subprocess.run([reindeer, "--third-party-dir", "third-party", verb], cwd=root, env=env, capture_output=True, text=True, timeout=1800)
        assert proc.returncode == 0, f"reindeer {verb}:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    stamp.write_text(key)
    assert "@prelude_ext//:cargo.bzl" in (third_party / "BUCK").read_text()
    return root


def cached_buck2(exe: str, root: Path, isolation: str):
    """Buck2 on a cached repository, killed at the end unless
    RLIB_V0_TEST_KEEP_DAEMON=1: Buck2 keeps no action cache across daemon
    restarts (facebook/buck2#547), so only a daemon left up lets the next
    run skip the actions whose inputs did not change."""
    b = Buck2(exe, root, isolation=isolation)
    try:
        yield b
    finally:
        if os.environ.get("RLIB_V0_TEST_KEEP_DAEMON", "") != "1":
            b.kill()


