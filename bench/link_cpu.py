#!/usr/bin/env python3
"""The link wrapper's own CPU time, per link: the noise-free unit of its cost.

    python bench/link_cpu.py                        # this checkout, lattice N=200, k=15
    python bench/link_cpu.py --baseline /tmp/old/py # and another rlib_v0 tree, interleaved

The wrapper-mode line of bench/link_check.py (the C++ root's objects, the
crates dependents first, the bundle) through `python3 -S -B` on each tree,
with `c++ -B DIR` whose `ld.*` is run.py's no-op linker.  Each run reports
`time.process_time()` as the wrapper exits: the wrapper process alone
(interpreter start, imports, reading the archives, planning, spawning), not
the driver or linker it runs, which wall-clock figures on a shared machine
mix in.  Min and median over k interleaved runs per tree; beside it, the
wall-clock own cost as bench/link_check.py's no-op columns take it (min of
the wrapped link minus min of the same line run bare), in the same run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import run  # noqa: E402

# Started as lean.py is (`python3 -S -B`), on the tree given in the
# environment; writes its own CPU time when the verb is done.
_LAUNCHER = """import os, sys
sys.path[0] = os.environ["RLIB_V0_BENCH_TREE"]
from rlib_v0.cli import main
from rlib_v0.errors import exit_now
code = main(sys.argv[1:])
import time
with open(os.environ["RLIB_V0_BENCH_CPU"], "w") as f:
    f.write("%.3f" % (time.process_time() * 1000))
exit_now(code)
"""


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--k", type=int, default=15, help="runs per tree (default 15)")
    ap.add_argument("--n", type=int, default=200, help="crates (default 200)")
    ap.add_argument("--shape", default="lattice", help="graph (default lattice)")
    ap.add_argument("--baseline", help="a directory holding another rlib_v0 package, measured interleaved")
    ap.add_argument("--cache", default=os.path.join(HERE, "out"), help="run.py's build cache (default bench/out/)")
    a = ap.parse_args(argv)
    b = run.Build(run.Tools(), a.cache, [a.shape], [a.n], 300, os.cpu_count() or 2)
    b.build_all()
    trees = {"this checkout": run.PYDIR} | ({"baseline": os.path.abspath(a.baseline)} if a.baseline else {})
    for tree in trees.values():
        subprocess.run([sys.executable, "-m", "compileall", "-q", "-f", tree], check=True, stdout=subprocess.DEVNULL)
    work = tempfile.mkdtemp(prefix="link-cpu-")
    noop = b.noop_ld_dir("link-cpu-noop-ld")
    launcher = os.path.join(work, "launcher.py")
    with open(launcher, "w") as f:
        f.write(_LAUNCHER)
    objs = [os.path.join(b.root_dir(a.shape, a.n), "main_cpp.o")] + [b.part_obj(p) for p in range(b.parts)]
    line = ["c++", "-B" + noop, "-fuse-ld=lld", "-o", os.path.join(work, "out")] + objs + list(reversed(b.rlibs(a.shape, a.n))) + [b.bundle]
    cpu = os.path.join(work, "cpu")
    times: dict[str, list[float]] = {name: [] for name in trees}
    wall: dict[str, list[float]] = {name: [] for name in ("bare", *trees)}
    for _ in range(a.k):
        t = time.perf_counter()
        subprocess.run(line, env=run.tool_env(), check=True)
        wall["bare"].append(time.perf_counter() - t)
        for name, tree in trees.items():
            env = dict(run.tool_env(), RLIB_V0_BENCH_TREE=tree, RLIB_V0_BENCH_CPU=cpu)
            env.pop("PYTHONPATH", None)
            t = time.perf_counter()
            r = subprocess.run([sys.executable, "-S", "-B", launcher, "link", "--"] + line, env=env, stderr=subprocess.PIPE)
            wall[name].append(time.perf_counter() - t)
            if r.returncode != 0:
                print(f"bench: error: the link failed ({name}): {r.stderr.decode(errors='replace').strip()[-400:]}", file=sys.stderr)
                return 1
            with open(cpu) as f:
                times[name].append(float(f.read()))
    print(f"wrapper per link, {a.shape} N={a.n} ({len(line) - 5} inputs), k={a.k}: CPU min / median (ms); own cost, wall (ms)")
    for name, ts in times.items():
        print(f"  {name}: {min(ts):.1f} / {statistics.median(ts):.1f}; {(min(wall[name]) - min(wall['bare'])) * 1000:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
