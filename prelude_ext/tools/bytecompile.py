"""Lay out the rlib-v0 package as an import root, byte-compiled once.

    bytecompile.py OUT_DIR IMPORT_PATH=SOURCE...

Every rlib-v0 action starts Python on this tree. Run from bare sources
(`python -B` on a symlinked tree) each start compiled every module it
imports again; here each source is copied to OUT_DIR/IMPORT_PATH and
compiled once to its `__pycache__` entry, as an action whose output the
others take as input. The `.pyc` files are `unchecked-hash` ones: valid
whatever the files' times (Buck2 and remote executors set their own), and
never stale, since a changed source reruns this action. Their recorded
file names are the import paths, so the output does not depend on where
the build ran.
"""

import importlib.util
import os
import py_compile
import shutil
import sys


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print("usage: bytecompile.py OUT_DIR IMPORT_PATH=SOURCE...", file=sys.stderr)
        return 2
    out, pairs = argv[0], argv[1:]
    for pair in pairs:
        dest, eq, src = pair.partition("=")
        if not eq or not dest.endswith(".py") or dest.startswith("/") or ".." in dest.split("/"):
            print(f"bytecompile.py: bad IMPORT_PATH=SOURCE argument {pair!r}", file=sys.stderr)
            return 2
        path = os.path.join(out, dest)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        shutil.copyfile(src, path)
        try:
            py_compile.compile(
                path,
                cfile=importlib.util.cache_from_source(path),
                dfile=dest,
                doraise=True,
                invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
            )
        except py_compile.PyCompileError as e:
            print(f"bytecompile.py: {src}: {e.msg}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
