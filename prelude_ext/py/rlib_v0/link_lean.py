"""`rlib-v0 link` for build systems, started without `site`:

    python3 -S /path/to/rlib_v0/link_lean.py [OPTIONS] -- LINKER_COMMAND...

The wrapper runs on every link of a build, so its start-up is most of its
cost.  `-S` skips the `site` module, which reads every `.pth` file in
site-packages (editable installs, distutils shims, certificate hooks...) and
can cost more than the whole link plan.  This file finds its own package
from its location, so it works from a checkout and from an installed copy
(`python3 -c 'import rlib_v0.link_lean as m; print(m.__file__)'`).  Options
and behaviour are those of `rlib-v0 link`.
"""

import os
import sys


if __name__ == "__main__":
    # sys.path[0] is this file's directory (the package itself): replace it by
    # the directory holding the package before importing anything else.
    sys.path[0] = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    from rlib_v0.link_entry import main_link

    sys.exit(main_link(sys.argv[1:]))
