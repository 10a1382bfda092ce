"""ripgrep under Buck2: ripgrep 15.2.0 and its dependencies vendored and
buckified by reindeer with rlib-v0's macros (tests/ripgrep/third-party: an
artifact dependency on ripgrep's `rg`, so reindeer writes the binary's
target), `rg` compiled and linked by our rules (the system linker through
`rlib-v0 link`), and ripgrep's own integration suite (its tests/ crate, as a
rust_v0_test) run against that `rg` where cargo's layout would put it.

ripgrep's build script runs (it asks git for a commit hash; a vendored copy
has none: a warning, as with cargo). Tests that need an external program
(xz, lz4, brotli...) check for it themselves and pass without it, as upstream.
The repository is kept under the test cache as tests/test_reindeer_big.py
keeps its own (reindeer_util.prepare).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from buck2_util import Buck2, require_buck2, sync_tree
from reindeer_util import cached_buck2, prepare

HERE = Path(__file__).parent
RIPGREP = "15.2.0"
# ripgrep 15.2.0's integration tests (`cargo test --test integration` lists them).
SUITE_SIZE = 332


def _nightly_env() -> dict[str, str]:
    """`reindeer buckify` with an artifact dependency needs a nightly cargo."""
    env = dict(os.environ, RUSTUP_TOOLCHAIN="nightly")
    proc = subprocess.run(["cargo", "-V"], env=env, capture_output=True, text=True)
    if proc.returncode != 0 or "nightly" not in proc.stdout:
        pytest.skip("needs a nightly cargo for reindeer's artifact dependencies: rustup toolchain install nightly")
    return env


@pytest.fixture(scope="module")
def repo():
    exe = require_buck2()
    env = _nightly_env()
    # ripgrep's tests/ joins the rg_tests package (a package reads only its own files).
    rg_tests = HERE / "ripgrep" / "rg_tests"
    root = prepare("ripgrep", {"third-party": HERE / "ripgrep" / "third-party", "rg_tests": rg_tests}, env=env, keep=("vendor", ".cargo", "BUCK", "tests"))
    vendored = root / "third-party" / "vendor" / f"ripgrep-{RIPGREP}" / "tests"
    sync_tree(vendored, root / "rg_tests" / "tests")
    yield from cached_buck2(exe, root, "rlib-v0-ripgrep")


def _layout(repo: Buck2, dest: Path, *extra: str) -> tuple[Path, Path]:
    """rg and the test binary as cargo lays them out (`target/debug/rg`,
    `target/debug/deps/integration-HASH`): copies, since ripgrep's tests find
    rg from the real path of their own executable."""
    outs = repo.outputs("//third-party:ripgrep-rg", "//rg_tests:integration", extra=extra)
    rg, test = (repo.repo / outs["root//third-party:ripgrep-rg"], repo.repo / outs["root//rg_tests:integration"])
    (dest / "deps").mkdir(parents=True)
    shutil.copy2(rg, dest / "rg")
    shutil.copy2(test, dest / "deps" / "integration")
    return dest / "rg", dest / "deps" / "integration"


def _run_suite(test: Path, tmp: Path) -> tuple[int, str]:
    env = {"PATH": os.environ["PATH"], "TMPDIR": str(tmp), "RUST_BACKTRACE": "1"}
    proc = subprocess.run([str(test), "--test-threads=2"], cwd=tmp, env=env, capture_output=True, text=True, timeout=1200)
    return proc.returncode, proc.stdout + proc.stderr


@pytest.mark.parametrize("platform", ["toolchains//platforms:default", "toolchains//platforms:release"])
def test_ripgrep_suite_passes(repo: Buck2, platform: str, tmp_path: Path) -> None:
    rg, test = _layout(repo, tmp_path / "target", "--target-platforms", platform)
    version = subprocess.run([str(rg), "--version"], capture_output=True, text=True)
    assert version.returncode == 0 and version.stdout.startswith(f"ripgrep {RIPGREP}"), version
    code, out = _run_suite(test, tmp_path)
    m = re.search(r"test result: (\w+)\. (\d+) passed; (\d+) failed; (\d+) ignored", out)
    assert m, out[-4000:]
    assert code == 0 and m.group(1) == "ok" and int(m.group(3)) == 0, out[-6000:]
    assert int(m.group(2)) + int(m.group(4)) == SUITE_SIZE, m.group(0)


def test_rg_link_plan_has_each_crate_once(repo: Buck2) -> None:
    """rg's own link, through the wrapper: every crate once, no proc macro."""
    (log,) = repo.outputs("//third-party:ripgrep-15-rg[link-debug]").values()
    text = (repo.repo / log).read_text()
    crates = re.findall(r"^\s+\d+\. crate (\S+) ", text, re.M)
    assert len(crates) == len(set(crates)), crates
    for c in ("grep_searcher", "grep_regex", "ignore", "regex_automata", "memchr", "bstr", "lexopt"):
        assert c in crates, (c, crates)
    assert not {"serde_derive", "proc_macro2", "syn", "quote"} & set(crates), crates
