"""Checks of the Buck2 layer that need no buck2: they always run.

- the command the rules use to run the tool from `py/` (prelude_ext/tool.bzl);
- the debug-mode helper (prelude_ext/tools/capture.py);
- the configuration files: every `select()` key names a declared constraint
  value, selects cover every value, platform names are unique and documented;
- the link that `rust_v0_binary` performs, done by hand with the same command
  shapes (main object from `rustc --emit=obj`, `rlib-v0 link --whole-archive`).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from buck2_util import ROOT

TOOL_BZL = ROOT / "prelude_ext" / "tool.bzl"
CAPTURE = ROOT / "prelude_ext" / "tools" / "capture.py"
CONSTRAINTS = ROOT / "toolchains" / "constraints" / "BUCK.rlib-v0"
PLATFORMS_DEFS = ROOT / "toolchains" / "platforms" / "defs.bzl"
PLATFORMS_BUCK = ROOT / "toolchains" / "platforms" / "BUCK.rlib-v0"
TOOLCHAINS_BUCK = ROOT / "toolchains" / "BUCK.rlib-v0"
DOCS = ROOT / "docs" / "buck2.md"


BYTECOMPILE = ROOT / "prelude_ext" / "tools" / "bytecompile.py"


def tool_run_args() -> list[str]:
    """The RunInfo of tool.bzl: `<interpreter> -S -B <tree>/rlib_v0/lean.py`."""
    text = TOOL_BZL.read_text()
    m = re.search(r'run = cmd_args\(interpreter, ((?:"[^"]*", )*)cmd_args\(tree, format = "\{\}/([^"]+)"\)\)', text)
    assert m, "prelude_ext/tool.bzl: the tool's RunInfo not found"
    return re.findall(r'"([^"]*)"', m.group(1)) + [m.group(2)]


def import_root(dest: Path) -> Path:
    """The tree `rlib_v0_tool` builds, by the same helper and the same keys
    as prelude_ext/BUCK (py/rlib_v0/**/*.py by their path without `py/`)."""
    py = ROOT / "prelude_ext" / "py"
    pairs = [f"{src.relative_to(py)}={src}" for src in sorted(py.glob("rlib_v0/**/*.py"))]
    proc = subprocess.run([sys.executable, "-S", "-B", str(BYTECOMPILE), str(dest), *pairs], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return dest


def run_tool(tree: Path, *args: str, **kw) -> subprocess.CompletedProcess[str]:
    # From a directory that is not py/ (actions run from the repo root).
    *flags, script = tool_run_args()
    return subprocess.run([sys.executable, *flags, str(tree / script), *args], capture_output=True, text=True, **kw)


def test_tool_runs_from_declared_tree(tmp_path: Path) -> None:
    tree = import_root(tmp_path / "import_root")
    proc = run_tool(tree, "--help", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    for verb in ("rustc", "std-bundle", "verify", "link"):
        assert verb in proc.stdout
    # `link` is dispatched before the CLI parser; it parses its own options too.
    proc = run_tool(tree, "link", "--no-such-option", "--", "true", cwd=tmp_path)
    assert proc.returncode != 0 and "unknown option" in proc.stderr
    # The one-line errors of the `rustc` verb, through the same entry.
    proc = run_tool(tree, "rustc", cwd=tmp_path)
    assert proc.returncode == 2 and proc.stderr.startswith("rlib-v0: error: no rustc arguments"), proc.stderr


def test_tool_tree_runs_from_its_bytecode(tmp_path: Path) -> None:
    """The tree's `.pyc` files are what runs (unchecked-hash: valid whatever
    the files' times): break a copied source after compiling, it still runs."""
    tree = import_root(tmp_path / "import_root")
    pycs = sorted(tree.rglob("*.pyc"))
    assert len(pycs) == len(list(tree.rglob("*.py"))) and pycs
    (tree / "rlib_v0" / "cli.py").write_text("this is not python\n")
    os.utime(tree / "rlib_v0" / "cli.py", (1, 1))
    proc = run_tool(tree, "--help", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    # Recorded file names are import paths, not where the action ran.
    assert str(tmp_path).encode() not in b"".join(p.read_bytes() for p in pycs)


def test_bytecompile_refuses_bad_pairs(tmp_path: Path) -> None:
    for bad in ("rlib_v0/x.py", "../x.py=" + str(BYTECOMPILE), "/abs.py=" + str(BYTECOMPILE)):
        proc = subprocess.run([sys.executable, str(BYTECOMPILE), str(tmp_path / "out"), bad], capture_output=True, text=True)
        assert proc.returncode == 2 and "bad IMPORT_PATH=SOURCE" in proc.stderr, bad
    src = tmp_path / "broken.py"
    src.write_text("def f(:\n")
    proc = subprocess.run([sys.executable, str(BYTECOMPILE), str(tmp_path / "out"), f"pkg/broken.py={src}"], capture_output=True, text=True)
    assert proc.returncode == 1 and str(src) in proc.stderr and "Traceback" not in proc.stderr


def test_tool_never_writes_bytecode_into_sources(tmp_path: Path) -> None:
    tree = import_root(tmp_path / "import_root")
    before = {p for p in (ROOT / "prelude_ext" / "py").rglob("__pycache__")}
    run_tool(tree, "--help", cwd=tmp_path, env={**os.environ, "PYTHONDONTWRITEBYTECODE": ""})
    assert {p for p in (ROOT / "prelude_ext" / "py").rglob("__pycache__")} == before


def capture(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(CAPTURE), *args], capture_output=True, text=True, cwd=cwd)


def test_capture_keeps_log_of_failed_command(tmp_path: Path) -> None:
    script = "import sys; sys.stderr.write('plan: crate a\\n'); sys.exit(3)"
    proc = capture("run", "--stderr", "log.txt", "--status", "status", "--ensure", "out", "--", sys.executable, "-c", script, cwd=tmp_path)
    # The run step succeeds so Buck2 keeps its outputs...
    assert proc.returncode == 0
    assert (tmp_path / "log.txt").read_text() == "plan: crate a\n"
    assert (tmp_path / "status").read_text().strip() == "3"
    assert (tmp_path / "out").exists()
    # ...and the check step fails the build, showing the log.
    proc = capture("check", "--status", "status", "--log", "log.txt", "--stamp", "ok", cwd=tmp_path)
    assert proc.returncode == 3
    assert "plan: crate a" in proc.stderr
    assert not (tmp_path / "ok").exists()


def test_capture_success_and_stdout(tmp_path: Path) -> None:
    proc = capture("run", "--stdout", "o.json", "--stderr", "e.txt", "--", sys.executable, "-c", "print('{}')", cwd=tmp_path)
    assert proc.returncode == 0
    assert (tmp_path / "o.json").read_text() == "{}\n"
    proc = capture("run", "--stderr", "e.txt", "--status", "s", "--", sys.executable, "-c", "pass", cwd=tmp_path)
    assert proc.returncode == 0
    proc = capture("check", "--status", "s", "--log", "e.txt", "--stamp", "ok", cwd=tmp_path)
    assert proc.returncode == 0 and (tmp_path / "ok").exists()
    # Without --status, the command's own exit status is the action's.
    proc = capture("run", "--stderr", "e.txt", "--", sys.executable, "-c", "raise SystemExit(5)", cwd=tmp_path)
    assert proc.returncode == 5


def declared_constraints() -> dict[str, list[str]]:
    """toolchains/constraints/BUCK.rlib-v0 is plain `constraint(...)` calls: run it."""
    found: dict[str, list[str]] = {}

    def constraint(name: str, values: list[str], default: str, visibility: list[str] = (), allow_trivial_constraint: bool = False) -> None:
        assert len(values) >= 2 or allow_trivial_constraint, name
        assert default in values, f"constraint {name}: default {default} not among {values}"
        found[name] = values

    exec(compile(CONSTRAINTS.read_text(), str(CONSTRAINTS), "exec"), {"constraint": constraint})
    return found


def platform_defs() -> dict:
    made: list[dict] = []

    class native:  # noqa: N801 - mimics Buck2's `native` module
        @staticmethod
        def platform(**kw):
            made.append(kw)

    class _Arch:  # Buck2's host_info().arch, on x86-64
        is_aarch64 = False

    class _HostInfo:
        arch = _Arch()

    ns: dict = {"native": native, "host_info": _HostInfo}
    exec(compile(PLATFORMS_DEFS.read_text(), str(PLATFORMS_DEFS), "exec"), ns)
    ns["made"] = made
    return ns


def test_every_select_key_is_a_declared_value() -> None:
    declared = declared_constraints()
    text = TOOLCHAINS_BUCK.read_text() + PLATFORMS_DEFS.read_text()
    refs = re.findall(r"(?:toolchains//constraints|_C \+ \"):([a-z_]+)\[([^\]{}]+)\]", text)
    assert refs
    for name, value in refs:
        assert name in declared, f"unknown constraint {name}"
        assert value in declared[name], f"{name}[{value}] is not declared in {CONSTRAINTS}"


def test_selects_cover_every_value() -> None:
    """A select without DEFAULT must handle every value of its constraint;
    a new value (say a new linker) must not silently fall through."""
    declared = declared_constraints()
    text = TOOLCHAINS_BUCK.read_text()
    for body in re.findall(r"select\(\{(.*?)\}\)", text, re.S):
        keys = re.findall(r':([a-z_]+)\[([^\]]+)\]"', body)
        names = {k for k, _ in keys}
        assert len(names) == 1, f"one constraint per select: {body}"
        (name,) = names
        assert {v for _, v in keys} == set(declared[name]), f"select on {name} misses values"


def test_platform_dimensions_match_constraints() -> None:
    declared = declared_constraints()
    ns = platform_defs()
    for dim, values in ns["DIMENSIONS"].items():
        assert values == declared[dim], dim
    combos = ns["all_combinations"]()
    names = [ns["combination_name"](c) for c in combos]
    expected = 1
    for values in ns["DIMENSIONS"].values():
        expected *= len(values)
    assert len(names) == len(set(names)) == expected
    for c in combos:
        ns["rust_v0_platform"](name=ns["combination_name"](c), **c)
    for p in ns["made"]:
        assert "prelude//os/constraints:os[linux]" in p["constraint_values"]


def test_aarch64_platforms_and_execution_platforms() -> None:
    """aarch64's combinations (no x86 CPU level) are distinct from the
    x86-64 ones; every platform names its triple, its rustc and the
    prelude's CPU; the execution platforms carry the host triple and a rustc."""
    declared = declared_constraints()
    ns = platform_defs()
    dims = ns["AARCH64_DIMENSIONS"]
    assert "cpu_level" not in dims and all(dims[d] == declared[d] for d in dims)
    combos = ns["all_combinations"](dims)
    names = ["aarch64-" + ns["combination_name"](c, dims) for c in combos]
    assert "aarch64-lld-abort-release" in names and len(set(names)) == len(combos) == 4 * 2 * 2
    for c in combos:
        ns["rust_v0_platform"](name="x", rust_target="aarch64-unknown-linux-gnu", **c)
    ns["rust_v0_platform"](name="y")
    for p in ns["made"]:
        values = p["constraint_values"]
        triple = next(v for v in values if "rust_target[" in v)
        rustc = next(v for v in values if ":rustc[" in v)
        cpu = "arm64" if "aarch64" in triple else "x86_64"
        assert f"prelude//cpu/constraints:cpu[{cpu}]" in values, values
        assert rustc.endswith("[system]") == ("aarch64" in triple), values
    assert set(ns["exec_constraints"]("system")) == {"toolchains//constraints:rust_target[x86_64-unknown-linux-gnu]", "toolchains//constraints:rustc[system]"}
    # Every rustc has an execution platform, locally and remotely.
    for buck in (PLATFORMS_BUCK, ROOT / "toolchains" / "re" / "BUCK.rlib-v0"):
        text = buck.read_text()
        assert re.search(r'for rustc in \("default", "system"\)', text), buck
    assert set(declared["rustc"]) == {"default", "system"}


def test_docs_list_every_short_platform() -> None:
    short = re.findall(r'^rust_v0_platform\(\s*name = "([^"]+)"', PLATFORMS_BUCK.read_text(), re.M)
    assert "default" in short and len(short) >= 7
    docs = DOCS.read_text()
    for name in short:
        assert f"toolchains//platforms:{name}`" in docs, f"docs/buck2.md does not list platform {name}"
    assert "LINKER-PANIC-MODE-CPU_LEVEL" in docs


def test_example_sources_exist() -> None:
    for buck in (ROOT / "examples").glob("*/BUCK.rlib-v0"):
        for lst in re.findall(r"srcs = \[([^\]]*)\]", buck.read_text()):
            for src in re.findall(r'"([^"]+)"', lst):
                assert (buck.parent / src).is_file(), f"{buck}: {src} missing"


# --- the link rust_v0_binary performs, without Buck2 ---------------------------

needs_rustc = pytest.mark.skipif(shutil.which("rustc") is None or shutil.which("c++") is None, reason="needs rustc and c++ on PATH")


@needs_rustc
@pytest.mark.parametrize("whole_archive", [True, False])
def test_whole_archive_link_like_rust_v0_binary(tmp_path: Path, whole_archive: bool) -> None:
    """examples/whole_archive by hand: the plugin's initializer survives only
    with `rlib-v0 link --whole-archive plugin`."""
    tree = import_root(tmp_path / "import_root")
    ex = ROOT / "examples" / "whole_archive"
    out = tmp_path / "out"
    common = ["--edition=2021", "--target=x86_64-unknown-linux-gnu", "-Cpanic=unwind"]

    def tool(*args: str) -> None:
        proc = run_tool(tree, *args, cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr

    for d in ("registry", "plugin", "bundle"):
        (out / d).mkdir(parents=True)
    tool("std-bundle", "--rustc", "rustc", "-o", str(out / "bundle" / "libstd_bundle.a"), "--panic", "unwind", "--target", "x86_64-unknown-linux-gnu", "--")
    tool("rustc", "--rustc", "rustc", "--", "--crate-name=registry", "--crate-type=rlib", *common, "-Cmetadata=registry", str(ex / "registry.rs"), "-o", str(out / "registry" / "libregistry.rlib"))
    tool("rustc", "--rustc", "rustc", "--", "--crate-name=plugin", "--crate-type=rlib", *common, "-Cmetadata=plugin", f"--extern=registry={out}/registry/libregistry.rlib", f"-Ldependency={out}/registry", str(ex / "plugin.rs"), "-o", str(out / "plugin" / "libplugin.rlib"))
    subprocess.run(
        ["rustc", "--crate-name=main", "--crate-type=bin", *common, "-Cmetadata=main", f"--extern=registry={out}/registry/libregistry.rlib", f"--extern=plugin={out}/plugin/libplugin.rlib", f"-Ldependency={out}/registry", f"-Ldependency={out}/plugin", str(ex / "main.rs"), "--emit=obj", "-Ccodegen-units=1", "-o", str(out / "main.o")],
        check=True,
        cwd=tmp_path,
    )
    # Main object first, then the libraries in the prelude's topological order, in an @argsfile.
    argsfile = out / "main.link_argsfile"
    argsfile.write_text("\n".join([str(out / "main.o"), str(out / "plugin" / "libplugin.rlib"), str(out / "registry" / "libregistry.rlib"), str(out / "bundle" / "libstd_bundle.a"), "-o", str(out / "main")]) + "\n")
    opts = ["--whole-archive", "plugin"] if whole_archive else []
    tool("link", *opts, "--", "c++", "-fuse-ld=bfd", f"@{argsfile}")
    got = subprocess.run([str(out / "main")], capture_output=True, text=True, check=True).stdout
    assert got == ('whole_archive: registered ["plugin"]\n' if whole_archive else "whole_archive: registered []\n")
