"""Keep a command's stderr and exit status as files, for Buck2 actions.

Buck2 discards the outputs of a failed action, but a failing link is exactly
when the link plan and its explanations are wanted. So in debug mode the link
runs under `run`, which always succeeds and records what happened, and a
second, tiny action (`check`) fails the build if the command failed. A
`[link-debug]` sub-target that depends only on the first action can then be
built, and opened, whether or not the link worked.

    capture.py run --stderr LOG --status STATUS [--ensure OUT]... -- CMD...
    capture.py check --status STATUS --log LOG --stamp STAMP

`run --stdout FILE` also keeps stdout (e.g. `rlib-v0 verify --json`).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys


def _run(ns: argparse.Namespace, cmd: list[str]) -> int:
    stdout = open(ns.stdout, "wb") if ns.stdout else None
    try:
        proc = subprocess.run(cmd, stdout=stdout, stderr=subprocess.PIPE)
        code = proc.returncode
        err = proc.stderr
    except OSError as e:
        code, err = 127, f"{cmd[0]}: {e.strerror}\n".encode()
    finally:
        if stdout:
            stdout.close()
    with open(ns.stderr, "wb") as f:
        f.write(err)
    # Echo it as well: Buck2 shows a successful action's stderr on request
    # (`buck2 log what-ran`, `-v`), and the user may be watching.
    sys.stderr.buffer.write(err)
    if ns.status:
        with open(ns.status, "w") as f:
            f.write(f"{code}\n")
    # Every declared output must exist even when the command failed.
    for path in ns.ensure:
        if not os.path.exists(path):
            open(path, "wb").close()
    return 0 if ns.status else code


def _check(ns: argparse.Namespace) -> int:
    with open(ns.status) as f:
        code = int(f.read().strip() or "1")
    if code != 0:
        with open(ns.log, "rb") as f:
            sys.stderr.buffer.write(f.read())
        sys.stderr.write(f"command failed with exit status {code} (the log above is kept as {ns.log})\n")
        return code
    open(ns.stamp, "w").close()
    return 0


def main(argv: list[str]) -> int:
    if "--" in argv:
        split = argv.index("--")
        argv, cmd = argv[:split], argv[split + 1 :]
    else:
        cmd = []
    p = argparse.ArgumentParser(prog="capture.py")
    sub = p.add_subparsers(dest="mode", required=True)
    r = sub.add_parser("run")
    r.add_argument("--stderr", required=True)
    r.add_argument("--stdout")
    r.add_argument("--status")
    r.add_argument("--ensure", action="append", default=[])
    c = sub.add_parser("check")
    c.add_argument("--status", required=True)
    c.add_argument("--log", required=True)
    c.add_argument("--stamp", required=True)
    ns = p.parse_args(argv)
    if ns.mode == "run":
        if not cmd:
            p.error("run needs `-- CMD...`")
        return _run(ns, cmd)
    return _check(ns)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
