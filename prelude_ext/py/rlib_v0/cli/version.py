"""`rlib-v0 --version`: the tool, and the rustc it would use (if any)."""

from __future__ import annotations

import os
import sys

from .. import __version__, toolchain
from ..errors import UserError


def version_text() -> str:
    lines = [f"rlib-v0 {__version__} ({os.path.dirname(os.path.dirname(os.path.abspath(__file__)))}, python {sys.version.split()[0]})"]
    try:
        exe = toolchain.find_rustc(None)
        info = toolchain.rustc_info(exe)
        lines.append(f"rustc: {exe}: release {info.release or '?'}" + (f" (commit {info.commit[:12]}, host {info.host})" if info.commit else f" (host {info.host})"))
    except UserError as e:
        lines.append(f"rustc: none usable ({e})")
    return "\n".join(lines)
