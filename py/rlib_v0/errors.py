"""The one exception type that reaches the user, as a single line.

Every module raises `UserError` for bad input; the CLI prints its message
prefixed with `rlib-v0: error:` and exits non-zero, never with a traceback.
"""

from __future__ import annotations


class UserError(Exception):
    """An error caused by the input, explained in one line."""

    def __init__(self, message: str, exit_code: int = 2):
        super().__init__(message)
        self.exit_code = exit_code

    def __str__(self) -> str:
        # One line, always: multi-line causes (e.g. OS errors) are folded.
        return " ".join(str(self.args[0]).split("\n"))
