"""`rlib-v0` for build systems, started without `site`:

    python3 -S /path/to/rlib_v0/lean.py VERB [ARGS...]

Same verbs, options and behaviour as the `rlib-v0` command. `rlib-v0 rustc`
runs once per crate and `rlib-v0 link` once per link, so start-up is a large
part of their cost, and `-S` skips the `site` module, which reads every
`.pth` file in site-packages (editable installs, distutils shims,
certificate hooks...) and can cost more than the whole link plan. The tool
needs only the standard library. This file finds its package from its own
location, so it works from a checkout, an installed copy and the tree the
Buck2 rules byte-compile (prelude_ext//:rlib_v0).
"""

import sys


def _root() -> str:
    """The directory holding the package: this file's directory's parent.
    Not `os.path` (see `start`); `__file__` of a script is absolute, and
    dropping two path components from it is what `os.path.dirname` does."""
    if not __file__.startswith("/"):
        import os

        return os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    return __file__.rpartition("/")[0].rpartition("/")[0] or "/"


def start(argv: list[str]) -> None:
    # sys.path[0] is this file's directory (the package itself): replace it by
    # the directory holding the package before importing anything else.
    # Nothing imports `os` before a relink's linker has started: under
    # `python3 -S` it is not loaded yet, and loading it takes ~1.4 ms.
    sys.path[0] = _root()
    if argv and argv[0] == "link":
        # A relink starts its remembered linker command now, before the
        # rest of the package is imported (link/memo.py).
        from rlib_v0.link.memo import start_remembered

        start_remembered(argv[1:])
    from rlib_v0.cli import main
    from rlib_v0.errors import exit_now

    exit_now(main(argv))


if __name__ == "__main__":
    start(sys.argv[1:])
