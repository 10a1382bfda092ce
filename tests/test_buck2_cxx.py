"""cxx under Buck2: the sources of tests/cxx_cargo (two bridge crates over a
shared crate, C++ main) built by Buck2 with `rust_cxx_bridge`
(prelude_ext/cxx_bridge.bzl), the cxx crate and the `cxxbridge` command of
cxxbridge-cmd from crates.io through reindeer with our macros
(tests/cxx_buck2/third-party: cxxbridge-cmd is an artifact dependency), a
stock `cxx_binary` and a `rust_v0_binary` over them, in both link modes,
on each linker, and cross-compiled for aarch64 (run under qemu).

Each crate's own C++ (a `cxx_library` in its `deps`) and its bridge's
generated C++ call back into the crate: on ld.bfd and gold that links only
because `rlib-v0 link` groups the libraries given among the Rust inputs
(wrapper mode) or the toolchain groups the whole line (compile mode).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from buck2_util import Buck2, copy_repo, require_aarch64, require_buck2
from elf_util import machine
from reindeer_util import reindeer_exe

HERE = Path(__file__).parent
CARGO_PROJECT = HERE / "cxx_cargo"
EXPECTED = (CARGO_PROJECT / "expected.txt").read_text()
RUST_EXPECTED = "weigh abc 306\ndoubled 12\nbump 1 11 111\n"


def _nightly_env() -> dict[str, str]:
    """reindeer resolves artifact dependencies (cxxbridge-cmd's binary) with
    cargo's unstable bindeps: the nightly toolchain for cargo."""
    if subprocess.run(["rustup", "run", "nightly", "cargo", "--version"], capture_output=True).returncode != 0:
        pytest.skip("needs a nightly cargo for reindeer's bindeps (cxxbridge-cmd as an artifact dependency): rustup toolchain install nightly")
    return dict(os.environ, RUSTUP_TOOLCHAIN="nightly")


@pytest.fixture(scope="module")
def repo(tmp_path_factory):
    buck2_exe = require_buck2()
    reindeer = reindeer_exe()
    env = _nightly_env()
    root = copy_repo(tmp_path_factory.mktemp("cxx_buck2") / "repo")
    shutil.copytree(HERE / "cxx_buck2" / "third-party", root / "third-party")
    for pkg in ("left", "right", "shared"):
        shutil.copytree(CARGO_PROJECT / pkg, root / pkg, ignore=shutil.ignore_patterns("Cargo.toml", "build.rs"))
    (root / "app").mkdir()
    shutil.copy(CARGO_PROJECT / "main.cpp", root / "app" / "main.cpp")
    for pkg_dir in (HERE / "cxx_buck2" / "packages").iterdir():
        for f in pkg_dir.iterdir():
            shutil.copy(f, root / pkg_dir.name / f.name)
    for verb in ("vendor", "buckify"):
        proc = subprocess.run([reindeer, "--third-party-dir", "third-party", verb], cwd=root, capture_output=True, text=True, timeout=900, env=env)
        assert proc.returncode == 0, f"reindeer {verb}:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    buck = (root / "third-party" / "BUCK").read_text()
    alias = re.search(r'name = "(cxxbridge-cmd[^"]*cxxbridge)"', buck)
    assert alias, "reindeer wrote no binary target for cxxbridge-cmd"
    (root / ".buckconfig.local").write_text(f"[rust_v0]\n  cxxbridge = //third-party:{alias.group(1)}\n")
    with Buck2(buck2_exe, root) as b:
        yield b


# Each platform is a configuration of its own (everything rebuilt, ~40 s here).
# Through the wrapper (its groups) on every linker; the default link mode
# (compile: the toolchain's one group) on the others, and on the default
# platform in test_compile_mode_bare_link, which must see its link run.
@pytest.mark.parametrize(
    ("platform", "mode"),
    [(p, "wrapper") for p in ("default", "gold", "lld", "mold")] + [(p, "compile") for p in ("gold", "lld", "mold")],
)
def test_cxx_binary_over_two_bridges(repo: Buck2, platform: str, mode: str) -> None:
    assert repo.run_target("//app:main", "-c", f"rust_v0.link_check={mode}", "--target-platforms", f"toolchains//platforms:{platform}") == EXPECTED


def test_rust_binary_calls_cpp_that_calls_rust(repo: Buck2) -> None:
    assert repo.run_target("//app:rust_main") == RUST_EXPECTED


def test_compile_mode_bare_link(repo: Buck2) -> None:
    """link_check = "compile": the bare driver (ld.bfd), the whole line in one group."""
    mode = ("-c", "rust_v0.link_check=compile")
    assert repo.run_target("//app:main", *mode) == EXPECTED
    links = [ln for ln in repo.what_ran() if "(cxx_link_executable)" in ln]
    assert links and all("lean.py" not in ln for ln in links), links
    (argsfile,) = re.findall(r"@(\S+cxx_link_argsfile)", links[-1])
    args = (repo.repo / argsfile).read_text().split()
    assert args.count("-Wl,--start-group") == 1 and args.count("-Wl,--end-group") == 1, args
    assert args.index("-Wl,--start-group") < min(i for i, a in enumerate(args) if a.endswith(".rlib")) and args[-1] == "-Wl,--end-group", args


def test_link_plan_has_each_crate_once(repo: Buck2) -> None:
    # The wrapper's own grouping: in wrapper mode the toolchain groups nothing.
    (log,) = repo.outputs("//app:rust_main[link-debug]", extra=("-c", "rust_v0.link_check=wrapper")).values()
    text = (log if log.is_absolute() else repo.repo / log).read_text()
    crates = re.findall(r"^\s+\d+\. crate (\S+) ", text, re.M)
    assert len(crates) == len(set(crates)), crates
    for c in ("left", "right", "shared", "cxx"):
        assert c in crates, (c, crates)
    assert "cxxbridge_macro" not in crates and "cxxbridge_cmd" not in crates
    # The bridges' C++ archives lie among the Rust inputs: one group.
    assert "group: one group from the Rust block through" in text, text[-3000:]


def test_compile_mode_rust_binary_line_closes_its_group(repo: Buck2) -> None:
    """Compile mode's toolchain opens a group in its linker flags and closes
    it in its post-linker flags: a rust_v0_binary's line has both, as a
    cxx_binary's has (ld.bfd would warn "missing --end-group", gold fail)."""
    (log,) = repo.outputs("//app:rust_main[link-debug]", extra=("-c", "rust_v0.link_check=compile")).values()
    text = (log if log.is_absolute() else repo.repo / log).read_text()
    assert "group: the Rust block is inside the command's own group" in text, text[-3000:]
    assert "missing --end-group" not in text, text[-3000:]
    (command,) = [ln.split("linker command:", 1)[1].split() for ln in text.splitlines() if "linker command:" in ln]
    assert command.count("-Wl,--start-group") == 1 and command.count("-Wl,--end-group") == 1, command
    assert command.index("-Wl,--start-group") < command.index("-Wl,--end-group"), command


def test_generator_is_the_crate_version(repo: Buck2) -> None:
    """The generated C++ names cxx 1.0.194's bridge symbols, as the crate."""
    out = repo.outputs("//left:bridge/source")
    (cc,) = out.values()
    text = (cc if cc.is_absolute() else repo.repo / cc).read_text()
    assert "cxxbridge1$194$" in text


def test_aarch64_over_two_bridges(repo: Buck2) -> None:
    """Cross-compiled: the bridges' C++ (and cxx's own, compiled by its build
    script with CXX_aarch64_unknown_linux_gnu) and the crates are aarch64,
    the generator runs here (`$(exe ...)`: built for the execution platform);
    both programs print their lines under qemu-user."""
    cross = require_aarch64()
    aarch64 = ("--target-platforms", "toolchains//platforms:aarch64")
    outs = repo.outputs("//app:main", "//app:rust_main", extra=aarch64)
    cxx, rust = (p if p.is_absolute() else repo.repo / p for p in (outs["root//app:main"], outs["root//app:rust_main"]))
    assert machine(cxx) == machine(rust) == "EM_AARCH64"
    assert cross.run(cxx) == EXPECTED
    assert repo.run_target("//app:rust_main", *aarch64) == RUST_EXPECTED
