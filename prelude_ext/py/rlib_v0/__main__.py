"""`python -m rlib_v0` and the `rlib-v0` console script (see cli/)."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
