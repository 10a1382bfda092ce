"""The one exception type that reaches the user, as a single line.

Every module raises `UserError` for bad input; the CLI prints its message
prefixed with `rlib-v0: error:` and exits non-zero, never with a traceback.
"""

from __future__ import annotations


def terminate_as_exit() -> None:
    """SIGTERM and SIGHUP raise SystemExit(128 + N) from here on (unless the
    process already handles or ignores them), so that `finally` blocks run:
    a verb that made a temporary directory removes it when a build tool
    cancels it (`make`, Buck2 and Ctrl-C-in-a-group send SIGTERM/SIGHUP)."""
    # `_signal`, not `signal`: the latter imports `enum` (~6 ms before rustc starts).
    import _signal

    def handler(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)

    for sig in (_signal.SIGTERM, _signal.SIGHUP):
        if _signal.getsignal(sig) in (_signal.SIG_DFL, None):
            _signal.signal(sig, handler)


class UserError(Exception):
    """An error caused by the input, explained in one line."""

    def __init__(self, message: str, exit_code: int = 2):
        super().__init__(message)
        self.exit_code = exit_code

    def __str__(self) -> str:
        # One line, always: multi-line causes (e.g. OS errors) are folded,
        # and control characters from file contents (a crate name in a
        # corrupt marker...) are escaped rather than sent to the terminal.
        text = str(self.args[0])
        if text.isprintable():
            return text
        return "".join(_one_line(c) for c in text)


_LINE_BREAKS = frozenset("\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029")  # what str.splitlines() splits on


def _one_line(c: str) -> str:
    if c in _LINE_BREAKS:
        return " "
    if (c < " " and c != "\t") or c == "\x7f":
        return f"\\x{ord(c):02x}"
    return c


def run_reporting(fn, *args) -> int:  # noqa: ANN001 - any callable returning an exit status
    """`fn(*args)`'s exit status; a UserError (or an OSError on a file of
    ours) becomes its one line and exit code, a closed stdout exit 141, a bug
    one line and exit 70 (RLIB_V0_TRACEBACK=1 shows the traceback). The one
    reporter of every verb."""
    import sys

    try:
        return fn(*args)
    except UserError as e:
        print(f"rlib-v0: error: {e}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`rlib-v0 verify ... | head`): not an error of ours.
        try:
            sys.stdout = None
        except Exception:  # noqa: BLE001
            pass
        return 141
    except OSError as e:  # a file the tool itself reads or writes
        where = f"{e.filename}: " if e.filename else ""
        print(f"rlib-v0: error: {where}{e.strerror or e}", file=sys.stderr)
        return 2
    except Exception as e:  # noqa: BLE001 - the user gets a line, not a traceback
        import os

        if os.environ.get("RLIB_V0_TRACEBACK"):
            raise
        msg = " ".join(str(e).split())
        print(f"rlib-v0: internal error: {type(e).__name__}: {msg} (set RLIB_V0_TRACEBACK=1 for details)", file=sys.stderr)
        return 70


def exit_now(code: int) -> None:
    """Flush and leave without the interpreter's teardown (module cleanup,
    garbage collection: ~10-20 ms of a build step that runs per crate and per
    link; every file we write is closed by then)."""
    import os
    import sys

    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):
            code = code or 1
    os._exit(code & 0xFF if code >= 0 else 1)
