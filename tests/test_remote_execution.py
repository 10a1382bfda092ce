"""Remote execution on a real REAPI engine: NativeLink on loopback.

Every action of //examples/... (ours: the tool's byte-compile, metadata and
rlib compiles, the std bundle, `rlib-v0 link`; the stock C/C++ compiles and
links of our toolchain) runs on NativeLink's worker with local execution
off (toolchains//re:remote), and:
- the outputs equal a local build's byte for byte;
- a second checkout in another directory, with a fresh buck-out and daemon,
  builds everything from the engine's action cache (no action runs);
- an action that reads a file it did not declare builds locally and fails
  remotely, so the first test is known to be able to fail;
- an aarch64 build (proc macro and build script on the workers, by the
  system rustc, for x86-64; crates, C and links for aarch64) equals the
  local one byte for byte.
The worker runs with PATH as its only environment (tests/nativelink_util.py).
Skipped, saying how to install them, where buck2 or nativelink is missing.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from buck2_util import Buck2, copy_repo, require_aarch64, require_buck2, tree_digests
from nativelink_util import NativeLink, require_nativelink

TARGETS = ("//examples/...", "toolchains//:std_bundle")
# One isolation dir name in every checkout: it is part of the output paths,
# hence of the actions (a second checkout hits the cache only with the same).
ISOLATION = "rlibv0-re"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    require_buck2()
    exe = require_nativelink()
    with NativeLink(exe, tmp_path_factory.mktemp("nativelink")) as nl:
        yield nl


def _outputs(b: Buck2, *extra: str) -> dict[str, dict[str, str]]:
    return {t: tree_digests(p if p.is_absolute() else b.repo / p) for t, p in b.outputs(*TARGETS, extra=extra).items()}


# Pipelined, to run metadata actions too (their sidecars are associated
# artifacts, which a remote worker must receive with the metadata rlib).
PIPELINED = "[rust_v0]\n  pipelined = true\n"


def _remote(repo: Path, server: NativeLink) -> None:
    (repo / ".buckconfig.local").write_text(PIPELINED + server.buckconfig())


def test_examples_build_remotely_and_from_cache_in_a_second_checkout(server: NativeLink, tmp_path: Path) -> None:
    first = copy_repo(tmp_path / "first")
    (first / ".buckconfig.local").write_text(PIPELINED)
    with Buck2(require_buck2(), first, isolation=ISOLATION) as b:
        local = _outputs(b)
        assert all(w == "local" for w in b.executors().values())
    _remote(first, server)
    with Buck2(require_buck2(), first, isolation=ISOLATION) as b:
        b.run("clean")
        remote = _outputs(b)
        ran = b.executors()
        assert ran and all(w.startswith("re(") for w in ran.values()), {a: w for a, w in ran.items() if not w.startswith("re(")}
        kinds = " ".join(ran)
        for category in ("rlib_v0_bytecompile", "rustc_metadata", "(rustc ", "rlib_v0_std_bundle", "rlib_v0_link", "cxx_compile", "cxx_link_executable"):
            assert category in kinds, f"no {category} action ran remotely"
        assert "OSFamily=linux" in next(iter(ran.values()))
    assert remote == local

    # Another directory, a fresh buck-out and daemon: everything from the cache.
    second = copy_repo(tmp_path / "elsewhere" / "second")
    _remote(second, server)
    with Buck2(require_buck2(), second, isolation=ISOLATION) as b:
        again = _outputs(b)
        ran = b.executors()
        assert ran and all(w == "cache" for w in ran.values()), {a: w for a, w in ran.items() if w != "cache"}
        assert b.run_target("//examples/diamond:main") == "diamond: left#1 right#2\n"
    assert again == local
    assert "127.0.0.1:" in server.log_text()


def test_an_undeclared_input_fails_remotely(server: NativeLink, tmp_path: Path) -> None:
    """A crate that reads a file it does not list in `srcs`: invisible to a
    local build, which runs in the checkout; the remote worker has only the
    declared inputs."""
    repo = copy_repo(tmp_path / "repo")
    pkg = repo / "leak"
    pkg.mkdir()
    (pkg / "secret.txt").write_text("not declared\n")
    (pkg / "leak.rs").write_text('pub const SECRET: &str = include_str!("secret.txt");\n')
    (pkg / "BUCK").write_text('load("@prelude_ext//:defs.bzl", "rust_v0_library")\n\nrust_v0_library(\n    name = "leak",\n    srcs = ["leak.rs"],\n)\n')
    with Buck2(require_buck2(), repo, isolation="rlibv0-re-local") as b:
        b.build("//leak:leak")
    _remote(repo, server)
    with Buck2(require_buck2(), repo, isolation="rlibv0-re-remote") as b:
        proc = b.build("//leak:leak", check=False)
    assert proc.returncode != 0
    assert "secret.txt" in proc.stderr and "Remote" in proc.stderr, proc.stderr[-3000:]
    # Declared, it builds remotely too.
    (pkg / "BUCK").write_text((pkg / "BUCK").read_text().replace('srcs = ["leak.rs"]', 'srcs = ["leak.rs", "secret.txt"]'))
    with Buck2(require_buck2(), repo, isolation="rlibv0-re-remote") as b:
        b.build("//leak:leak")
        assert all(w.startswith("re(") or w == "cache" for w in b.executors().values())


def test_aarch64_build_remotely_equals_the_local_one(server: NativeLink, tmp_path: Path) -> None:
    """toolchains//re:remote has an execution platform per rustc, as the
    local one: the aarch64 platform's exec deps go to `remote-rustc-system`."""
    cross = require_aarch64()
    aarch64 = ("--target-platforms", "toolchains//platforms:aarch64")
    repo = copy_repo(tmp_path / "repo")
    (repo / ".buckconfig.local").write_text(PIPELINED)
    with Buck2(require_buck2(), repo, isolation=ISOLATION) as b:
        local = _outputs(b, *aarch64)
    _remote(repo, server)
    with Buck2(require_buck2(), repo, isolation=ISOLATION) as b:
        b.run("clean")
        remote = _outputs(b, *aarch64)
        ran = b.executors()
        assert ran and all(w.startswith("re(") for w in ran.values()), {a: w for a, w in ran.items() if not w.startswith("re(")}
        kinds = " ".join(ran)
        # The build script and the proc macro, configured for the remote platform of the system rustc.
        for category in ("buildscript", "(proc-macro)", "toolchains//re:remote-rustc-system"):
            assert category in kinds, f"no {category} action ran remotely"
        (exe,) = b.outputs("//examples/build_script:main", extra=aarch64).values()
    assert remote == local
    assert "for aarch64-unknown-linux-gnu" in cross.run(exe if exe.is_absolute() else repo / exe)
