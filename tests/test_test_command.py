"""The test command itself (scripts/test.sh, what .ci/run calls) and pytest's settings for it.

A full run writes ~12 GB of temporary trees; once, runs kept by pytest's default retention
filled the disk and CI died with ENOSPC two minutes in. These tests hold the two guards:
the command refuses up front when the temporary directory lacks room, and the project's
pytest settings remove a passing test's directory.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_test_command_refuses_when_the_disk_is_short(tmp_path: Path) -> None:
    env = dict(os.environ, RLIB_V0_TEST_MIN_FREE_GB="1000000000", TMPDIR=str(tmp_path))
    run = subprocess.run(
        ["bash", str(ROOT / "scripts" / "test.sh"), "--co"],
        env=env, capture_output=True, text=True, timeout=60,
    )
    assert run.returncode == 1
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    assert lines[0].startswith("test.sh: only ") and str(tmp_path) in lines[0]
    # Refused before setup or pytest ran: nothing was printed by either.
    assert "setup:" not in run.stdout + run.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_passing_tests_directory_is_removed(tmp_path: Path) -> None:
    """A nested pytest under the project's settings (`-c pyproject.toml`), its temporary
    root in `tmp_path`: after a passing test that wrote into its `tmp_path`, no file is left;
    after a failing one, that test's file is kept (so the setting is what removes it)."""
    tests = tmp_path / "t"
    tests.mkdir()
    (tests / "test_one.py").write_text(
        "import os\n"
        "def test_writes(tmp_path):\n"
        "    (tmp_path / 'big').write_bytes(b'x' * 4096)\n"
        "    assert os.environ.get('FAIL') != '1'\n"
    )
    root = tmp_path / "temproot"
    root.mkdir()

    def run(fail: str) -> list[Path]:
        env = dict(os.environ, PYTEST_DEBUG_TEMPROOT=str(root), FAIL=fail)
        subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
             "-c", str(ROOT / "pyproject.toml"), "--rootdir", str(tests), str(tests)],
            env=env, capture_output=True, text=True, timeout=120,
        )
        return [p for p in root.rglob("big")]

    assert run("0") == []
    kept = run("1")
    assert len(kept) == 1
