"""`link --reproduce DIR`: a self-contained directory to rerun a link elsewhere.

It holds a copy of every input file, the command rewritten to those copies
(`run.sh`, runnable from the directory), the original command, the plan and
the versions of the tools involved, for bug reports.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess

from ..errors import UserError
from .linker_cmd import LinkCommand, output_path, with_output
from .plan import Plan


def _version(argv0: str) -> str:
    try:
        p = subprocess.run([argv0, "--version"], capture_output=True, text=True, timeout=20)
        return (p.stdout or p.stderr).strip().splitlines()[0] if (p.stdout or p.stderr).strip() else ""
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"


def write_reproducer(dest: str, cmd: LinkCommand, plan: Plan, whole_archive: list[str], export_rust: bool = False) -> None:
    if os.path.exists(dest) and os.listdir(dest):
        raise UserError(f"--reproduce {dest}: directory exists and is not empty")
    inputs = os.path.join(dest, "inputs")
    os.makedirs(inputs, exist_ok=True)
    argv = list(cmd.argv)
    taken: set[str] = set()
    for i in cmd.inputs:
        src = argv[i]
        if not os.path.isfile(src):
            continue
        name = os.path.basename(src)
        n = 1
        while name in taken:
            n += 1
            name = f"{n}_{os.path.basename(src)}"
        taken.add(name)
        shutil.copyfile(src, os.path.join(inputs, name))
        argv[i] = os.path.join("inputs", name)
    if cmd.output_index is not None:
        # Keeps the spelling (`-o F`, `-oF`, `--output=F`), changes only the path.
        argv[cmd.output_index] = with_output(cmd, os.path.join("out", os.path.basename(output_path(cmd))))[cmd.output_index]
    wrapper = ["rlib-v0", "link"] + [x for c in whole_archive for x in ("--whole-archive", c)] + (["--export-rust"] if export_rust else []) + ["--"]
    with open(os.path.join(dest, "run.sh"), "w") as f:
        f.write("#!/bin/sh\n# Rerun the link: needs rlib-v0 and the same linker on PATH.\ncd \"$(dirname \"$0\")\" && mkdir -p out && exec " + shlex.join(wrapper + argv) + "\n")
    os.chmod(os.path.join(dest, "run.sh"), 0o755)
    info = {
        "original_command": cmd.argv,
        "cwd": os.getcwd(),
        "linker_version": _version(cmd.argv[0]),
        "rustc": plan.bundle.ident.rustc_version if plan.bundle else None,
        "plan": plan.describe(),
    }
    with open(os.path.join(dest, "info.json"), "w") as f:
        json.dump(info, f, indent=2)
