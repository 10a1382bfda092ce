"""`-l` resolution (rlib_v0.libsearch) against the real toolchain's search paths."""

from __future__ import annotations

import os
import shutil

import pytest

from rlib_v0.link import linker_cmd
from rlib_v0.link.libsearch import Resolver, builtin_dirs


@pytest.mark.skipif(shutil.which("cc") is None or shutil.which("ld") is None, reason="needs gcc and binutils: apt-get install gcc binutils")
def test_builtin_dirs_of_driver_and_ld():
    for program, direct in (("cc", False), ("ld", True)):
        dirs = builtin_dirs(program, direct)
        assert dirs and all(os.path.isabs(d) and os.path.isdir(d) for d in dirs), (program, dirs)
        # libm is where every C toolchain keeps it: somewhere on that path.
        assert any(os.path.exists(os.path.join(d, "libm.so")) or os.path.exists(os.path.join(d, "libm.a")) for d in dirs), (program, dirs)
    assert builtin_dirs("ld.lld", True) == [] and builtin_dirs("mold", True) == []
    assert builtin_dirs("/nonexistent/cc", False) == []


def test_static_and_dynamic_lookup(tmp_path):
    (tmp_path / "libboth.a").write_bytes(b"!<arch>\n")
    (tmp_path / "libboth.so").write_bytes(b"")
    (tmp_path / "libonly.a").write_bytes(b"!<arch>\n")
    cmd = linker_cmd.parse(["cc", f"-L{tmp_path}", "-lboth", "-Wl,-Bstatic", "-lboth", "-l:libonly.a", "-Wl,-Bdynamic", "-lonly", "-lnowhere", "-nostdlib"])
    res = Resolver(cmd)
    assert [res.resolve(lib) for lib in cmd.libs] == [str(tmp_path / "libboth.so"), str(tmp_path / "libboth.a"), str(tmp_path / "libonly.a"), str(tmp_path / "libonly.a"), None]
