"""The command line itself: help texts and usage errors, through the real CLI."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

# The installed console script when present, else the module (same code).
CLI = [shutil.which("rlib-v0")] if shutil.which("rlib-v0") else [sys.executable, "-m", "rlib_v0"]
SUBCOMMANDS = ["rustc", "std-bundle", "verify", "link"]


def run(*args: str, cwd=None) -> subprocess.CompletedProcess:
    env = dict(os.environ, COLUMNS="200", NO_COLOR="1", TERM="dumb")
    env.pop("RLIB_V0_TRACEBACK", None)
    env.pop("RLIB_V0_LINK_DEBUG", None)
    return subprocess.run([*CLI, *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=120)


def assert_one_line_error(p: subprocess.CompletedProcess, *mentions: str) -> str:
    assert p.returncode != 0
    assert "Traceback" not in p.stderr
    lines = p.stderr.splitlines()
    assert len(lines) == 1, p.stderr
    assert lines[0].startswith("rlib-v0: error: "), p.stderr
    for m in mentions:
        assert m in lines[0]
    return lines[0]


def test_top_level_help_lists_every_subcommand():
    p = run("--help")
    assert p.returncode == 0, p.stderr
    assert "Usage" in p.stdout
    for sub in SUBCOMMANDS:
        assert sub in p.stdout


def test_module_entry_point_works():
    p = subprocess.run([sys.executable, "-m", "rlib_v0", "--help"], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0 and "Usage" in p.stdout


def test_no_arguments_shows_help():
    p = run()
    assert "Usage" in p.stdout + p.stderr
    assert "Traceback" not in p.stderr


@pytest.mark.parametrize("sub", SUBCOMMANDS + ["demo"])
def test_subcommand_help(sub):
    p = run(sub, "--help")
    assert p.returncode == 0, p.stderr
    assert f"rlib-v0 {sub}" in p.stdout
    assert "Traceback" not in p.stderr


def test_subcommand_help_mentions_its_options():
    assert "--panic" in run("std-bundle", "--help").stdout and "--no-std" in run("std-bundle", "--help").stdout
    assert "--json" in run("verify", "--help").stdout
    link = run("link", "--help").stdout
    for opt in ("--debug", "--whole-archive", "--reproduce"):
        assert opt in link
    assert "--rustc" in run("rustc", "--help").stdout


# ---- link: its own argument parser (no typer on the hot path) ----


def test_link_without_double_dash_is_a_usage_error():
    line = assert_one_line_error(run("link"), "--")
    assert "usage: rlib-v0 link" in line
    assert run("link").returncode == 2


def test_link_with_command_but_no_double_dash():
    assert_one_line_error(run("link", "cc", "main.o", "-o", "app"), "usage: rlib-v0 link", "'cc'")


def test_link_with_empty_command():
    assert_one_line_error(run("link", "--"), "no linker command")


@pytest.mark.parametrize("opt", ["--whole-archive", "--reproduce"])
def test_link_option_without_value(opt):
    assert_one_line_error(run("link", opt), opt)


def test_link_unknown_option():
    assert_one_line_error(run("link", "--frobnicate", "--", "cc"), "--frobnicate")


def test_link_linker_not_found(tmp_path):
    assert_one_line_error(run("link", "--", str(tmp_path / "no-such-cc"), "x.o"), "linker not found", "no-such-cc")


def test_link_help_after_double_dash_is_passed_to_the_linker():
    """`--help` after `--` belongs to the linker command, not to rlib-v0."""
    if shutil.which("cc") is None:
        pytest.skip("needs a C compiler driver: apt-get install gcc")
    p = run("link", "--", "cc", "--help")
    assert p.returncode == 0
    assert "rlib-v0 link" not in p.stdout


# ---- other subcommands' usage errors ----


def test_rustc_without_arguments():
    assert_one_line_error(run("rustc"), "no rustc arguments")


def test_unknown_subcommand_fails_cleanly():
    p = run("no-such-command")
    assert p.returncode == 2 and "Traceback" not in p.stderr
    assert "no-such-command" in p.stderr


def test_verify_without_files_fails_cleanly():
    p = run("verify")
    assert p.returncode == 2 and "Traceback" not in p.stderr


def test_std_bundle_bad_panic_value(tmp_path):
    assert_one_line_error(run("std-bundle", "-o", str(tmp_path / "b.a"), "--panic", "sideways"), "sideways")
    assert not (tmp_path / "b.a").exists()


def test_install_launchers(tmp_path):
    """The lean launchers run this interpreter with -S and work as the verbs do."""
    p = run("install-launchers", str(tmp_path))
    assert p.returncode == 0, p.stderr
    wrapper, link = tmp_path / "rlib-v0-rustc-wrapper", tmp_path / "rlib-v0-link"
    first = wrapper.read_text().splitlines()[0]
    assert first.startswith("#!/") and first.endswith(" -S") and os.access(first[2:-3], os.X_OK), first
    assert os.access(wrapper, os.X_OK) and os.access(link, os.X_OK)
    rustc = shutil.which("rustc")
    if rustc:
        q = subprocess.run([str(wrapper), rustc, "-V"], capture_output=True, text=True, timeout=60)
        assert q.returncode == 0 and q.stdout.startswith("rustc ")
    q = subprocess.run([str(link), "--bogus", "--", "cc"], capture_output=True, text=True, timeout=60)
    assert q.returncode == 2 and q.stderr.startswith("rlib-v0: error: ") and "--bogus" in q.stderr


def test_install_launchers_with_another_python(tmp_path):
    """`--python` writes that interpreter into the launchers (found on PATH,
    made absolute), which then work; anything but a CPython >= 3.11 is one
    line, nothing written."""
    other = tmp_path / "bin"
    other.mkdir()
    # Another path to a real interpreter (what /usr/bin/python3 is to a pyenv one).
    (other / "py3").symlink_to(os.path.realpath(sys.executable))
    out = tmp_path / "out"
    out.mkdir()
    p = run("install-launchers", str(out), "--python", str(other / "py3"))
    assert p.returncode == 0, p.stderr
    assert (out / "rlib-v0-link").read_text().splitlines()[0] == f"#!{other / 'py3'} -S"
    q = subprocess.run([str(out / "rlib-v0-link"), "--bogus", "--", "cc"], capture_output=True, text=True, timeout=60)
    assert q.returncode == 2 and q.stderr.startswith("rlib-v0: error: ") and "--bogus" in q.stderr
    old = tmp_path / "old"
    old.mkdir()
    (other / "python3.10").write_text("#!/bin/sh\necho cpython 3 10\n")
    (other / "python3.10").chmod(0o755)
    (other / "notpy").write_text("#!/bin/sh\necho hello\n")
    (other / "notpy").chmod(0o755)
    for bad, says in ((other / "python3.10", "3.10; the launchers need CPython 3.11"), (other / "notpy", "not a Python interpreter"), (other / "missing", "no such executable")):
        assert_one_line_error(run("install-launchers", str(old), "--python", str(bad)), says)
    assert list(old.iterdir()) == []


def test_install_launchers_into_missing_dir(tmp_path):
    assert_one_line_error(run("install-launchers", str(tmp_path / "nope")), "nope")


def test_build_verbs_run_without_cyclic_gc_and_restore_it(monkeypatch, capsys):
    """A build verb runs with the cyclic collector off (cli.run_build_verb)
    and turns it back on for a caller in the same process, also when the
    verb fails."""
    import gc

    from rlib_v0 import cli

    seen = []
    real = cli._run_verb

    def spy(name, argv):
        seen.append(gc.isenabled())
        return real(name, argv)

    monkeypatch.setattr(cli, "_run_verb", spy)
    assert gc.isenabled()
    assert cli.run_build_verb("link", ["--bogus", "--", "cc"]) == 2
    assert "--bogus" in capsys.readouterr().err
    assert seen == [False] and gc.isenabled()
    gc.disable()
    try:
        cli.run_build_verb("link", ["--bogus", "--", "cc"])
        assert not gc.isenabled()  # left as the caller had it
    finally:
        gc.enable()
