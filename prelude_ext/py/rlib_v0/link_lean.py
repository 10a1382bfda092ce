"""`python3 -S /path/to/rlib_v0/link_lean.py [OPTIONS] -- LINKER_COMMAND...`:
`lean.py link ...` under the name earlier releases documented."""

import sys

if __name__ == "__main__":
    import lean  # beside this file: sys.path[0] is the package directory

    lean.run(["link"] + sys.argv[1:])
