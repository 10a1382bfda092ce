"""Facts about the rustc in use: `rustc -vV`, default target, native libs."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass

from .errors import UserError


@dataclass(frozen=True)
class RustcInfo:
    path: str  # the rustc executable
    version_text: str  # full `rustc -vV` output
    release: str  # "1.95.0"
    commit: str  # commit hash ("" for a source build without one)
    host: str  # host triple, rustc's default target


def find_rustc(explicit: str | None) -> str:
    """`--rustc`, else `$RUSTC`, else `rustc` on PATH."""
    cand = explicit or os.environ.get("RUSTC") or "rustc"
    found = shutil.which(cand)
    if not found:
        raise UserError(f"rustc not found: {cand!r} (set --rustc or $RUSTC, or put rustc on PATH)")
    return found


def rustc_info(rustc: str) -> RustcInfo:
    try:
        out = subprocess.run([rustc, "-vV"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError) as e:
        raise UserError(f"{rustc}: cannot run `rustc -vV` ({e})") from None
    fields = {}
    for line in out.splitlines():
        if ": " in line:
            k, v = line.split(": ", 1)
            fields[k.strip()] = v.strip()
    return RustcInfo(rustc, out.strip(), fields.get("release", ""), fields.get("commit-hash", ""), fields.get("host", ""))
