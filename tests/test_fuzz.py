"""A short run of the fuzzer (`python3 tests/fuzz.py`, 10 000 cases per
target by default; docs/reliability.md) for each parser of untrusted input:
the ar reader, the marker parser, the rustc argument-file parser, the linker
command / response-file parser and the demangler.  Derandomized: the same
cases on every run."""

from __future__ import annotations

import pytest

pytest.importorskip("hypothesis", reason="pip install hypothesis (or pip install -e '.[test]')")

import fuzz  # noqa: E402 - tests/fuzz.py

CASES = 300


@pytest.mark.parametrize("target", fuzz.TARGETS)
def test_fuzz_target(target, tmp_path):
    n, failure = fuzz.run_target(target, CASES, timeout=10.0, tmp=str(tmp_path))
    assert failure is None, f"fuzz target {target} failed after {n} cases:\n{failure}"
    assert n >= CASES


def test_fuzz_catches_a_hang(tmp_path):
    # The time bound works: a case that loops is reported, not waited for.
    calls = fuzz._Counter()
    with pytest.raises(fuzz.Finding, match="more than"):
        fuzz._case(0.2, calls, lambda: [None for _ in iter(int, 1)])


def test_fuzz_rejects_a_multi_line_error():
    from rlib_v0.errors import UserError

    with pytest.raises(fuzz.Finding, match="one line"):
        fuzz._check_user_error(type("E", (UserError,), {"__str__": lambda self: "a\nb"})("a\nb"))
    with pytest.raises(fuzz.Finding, match="name the file"):
        fuzz._check_user_error(UserError("bad archive"), ("/some/file.rlib",))


def test_fuzz_command_line(capsys):
    assert fuzz.main(["--cases", "20", "demangle"]) == 0
    out = capsys.readouterr().out
    assert "demangle" in out and "ok" in out
