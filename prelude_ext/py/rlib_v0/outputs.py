"""What may stand at an output path, decided before anything is written.

Policy (the same for `link`, `std-bundle` and every atomic writer):
- nothing there, a regular file, or a symlink to one: write beside it and
  rename over it only on success (readers never see a partial file);
- a character device (`/dev/null`, a tty...): written into directly, as the
  linker itself does without the wrapper (ld.bfd, gold, lld and mold all
  do); never deleted, renamed over or unlinked after a failure;
- a directory, FIFO, socket or block device: refused with one line (a FIFO
  would block the linker, a block device would be overwritten);
- an output directory that is missing, read-only (also for root, via
  statvfs) or not writable: refused with one line.

Only `os` and `stat`: this runs on every link.
"""

from __future__ import annotations

import os
from stat import S_ISBLK, S_ISCHR, S_ISDIR, S_ISFIFO, S_ISREG, S_ISSOCK

from .errors import UserError

REGULAR = "regular"  # absent, a regular file, or a symlink to one
DEVICE = "device"  # a character device: write into it, do not replace it


def output_kind(path: str) -> str:
    """REGULAR or DEVICE for `path`, or a one-line UserError naming it."""
    d = os.path.dirname(os.path.abspath(path))
    try:
        st = os.stat(path)  # follows symlinks: a link to /dev/null is a device
    except FileNotFoundError:
        st = None
    except OSError as e:
        raise UserError(f"{path}: cannot use as output ({e.strerror})") from None
    if st is not None:
        mode = st.st_mode
        if S_ISCHR(mode):
            return DEVICE
        if S_ISDIR(mode):
            raise UserError(f"{path}: is a directory; give the output file's path")
        if not S_ISREG(mode):
            what = "a FIFO" if S_ISFIFO(mode) else "a socket" if S_ISSOCK(mode) else "a block device" if S_ISBLK(mode) else "not a regular file"
            raise UserError(f"{path}: is {what}; refusing to write an output there (give a file path, or a character device such as /dev/null)")
    if not os.path.isdir(d):
        raise UserError(f"{path}: output directory {d} does not exist")
    try:
        ro = bool(os.statvfs(d).f_flag & os.ST_RDONLY)
    except OSError:
        ro = False
    if ro:
        raise UserError(f"{path}: output directory {d} is on a read-only file system")
    if not os.access(d, os.W_OK | os.X_OK):
        raise UserError(f"{path}: output directory {d} is not writable (permission denied)")
    return REGULAR


def check_report_path(option: str, path: str, formats: tuple[str, ...]) -> str:
    """The extension of a report file an option names (`--plot`, `--plan-graph`),
    refused with one line naming the option before any work is done."""
    ext = os.path.splitext(path)[1].lower()
    if ext not in formats:
        raise UserError(f"{option} {path}: give a file name ending in {' or '.join(formats)}")
    try:
        output_kind(path)
    except UserError as e:
        raise UserError(f"{option} {e}") from None
    return ext
