"""Section 5 of the benchmark: Buck2 builds, our rules vs the stock prelude.

For each graph (bench/gen.py's sources) two temporary Buck2 projects are
generated under bench/out/buck2/:

- **ours**: a copy of this repository's `.buckconfig`, `prelude_ext/`,
  `toolchains/` (the tool's sources inside `prelude_ext/py/`) and `BUCK`.rlib-v0, plus a package `g/` with one
  `rust_v0_library` per crate and a stock `cxx_binary` root (gen.py's C++
  root reduced to the top crate, + a few C++ objects), built for
  `toolchains//platforms:default` (ld.bfd, dev mode);
- **ours, not pipelined**: the same with `[rust_v0] pipelined = false`
  (`.buckconfig.local`; "ours" has `true` there): no metadata actions,
  every crate waits for its dependencies' rlibs — what pipelining gives;
- **stock**: the same package with the bundled prelude's `rust_library` per
  crate and the same `cxx_binary`, on the prelude's system toolchains
  (`system_rust_toolchain`, `system_cxx_toolchain` with gcc/g++ and ld.bfd,
  `static_pic` link style, `-O0 -g`; rustc `-Copt-level=0 -Cdebuginfo=2` as
  ours).  The C++ root has one Rust dependency: with two (gen.py's C++ root
  proper, target `main_two`, built once untimed) the stock staticlibs each
  carry the shared crates and the link fails with multiple definitions;
- **stock, advanced_unstable_linking**: the stock project with the
  prelude's other mode, which links the rlibs themselves into the
  `cxx_binary` on rustc internals (bench/buck2_aul.py says what it takes:
  toolchain rules of the benchmark's own, the sysroot crates as targets,
  an allocator shim crate).

Each project runs in its own root and `--isolation-dir`, and its daemon is
killed afterwards.  Timed (wall clock, k runs each, min/median):

- clean build: `buck2 clean`, the daemon restarted (untimed), then the build;
- no-op rebuild: the same build again;
- leaf change: the leaf crate (crate 0) gets a new constant added to its
  result (a different one each run, so nothing can come from a cache), then
  the build.

Both binaries must print the same line after the clean build and after the
last leaf change (asserted).
"""

from __future__ import annotations

import os
import shlex
import shutil
import statistics
import subprocess
import time

import buck2_aul
import buck2_reindeer
import gen
from buck2_project import RUST_MIN_STACK as STOCK_RUST_MIN_STACK, Buck2BenchError, CXX_FLAGS, KINDS, PARTS, Project, REPO, RUSTC_FLAGS, _log, _program_output, _stats, make_project, measure_project, real_tools_path, try_two_roots

NOOP_ROUNDS = 10


def interleaved_noop(projects: dict[str, Project], row: dict, rounds: int = NOOP_ROUNDS) -> None:
    """`row[kind]["noop"]`: no-op builds of the live projects (daemons up,
    last build done), one of each rule set in turn, `rounds` times. A no-op
    is ~0.5 s of client and daemon bookkeeping whose noise (±0.15 s here)
    is as large as any difference between the rule sets, and it comes in
    spells: measured one project after the other, a spell lands on one rule
    set only."""
    _log(f"{row['shape']} N={row['n']}: {rounds} rounds of no-op builds, interleaved")
    times: dict[str, list[float]] = {kind: [] for kind in projects}
    for _ in range(rounds):
        for kind, p in projects.items():
            times[kind].append(p.timed_build())
    for kind, ts in times.items():
        row[kind]["noop"] = _stats(ts)


def remeasure_noop(buck2: str, rows: list[dict], cache: str, env: dict) -> None:
    """The no-op figures alone, again (`run.py --buck2-noop-only`): each
    row's projects under `cache`/buck2 are built once, untimed (a fresh
    daemon rebuilds), then measured by `interleaved_noop`; `rows` is
    updated in place."""
    env, _ = real_tools_path(env)
    base = os.path.join(os.path.abspath(cache), "buck2")
    for row in rows:
        if row["shape"] == "reindeer":
            continue
        live: dict[str, Project] = {}
        try:
            for kind in KINDS:
                root = os.path.join(base, f"{kind}-{row['shape']}-{row['n']}")
                if kind not in row or not os.path.isdir(root):
                    continue
                p = Project(buck2, kind, root, row["shape"], row["n"], env)
                live[kind] = p
                _log(f"{kind}, {row['shape']} N={row['n']}: building again (untimed) for the no-op runs")
                p.run("build", p.target)
                if _program_output(p.output_path()) != row[kind]["output_after_leaf_change"]:
                    raise Buck2BenchError(f"{kind}, {row['shape']} N={row['n']}: the project is not the one the row measured (its program prints another line)")
            interleaved_noop(live, row)
        finally:
            for p in live.values():
                p.kill()


def stock_link_notes(p: Project) -> dict:
    """What the stock prelude put on the cxx_binary's link line (its argsfile)."""
    base = os.path.join(p.root, "buck-out", p.iso, "art")
    notes: dict = {"argsfile": None, "rust_archives": []}
    for d, _, files in os.walk(base):
        for f in files:
            if f == "main.cxx_link_argsfile":
                path = os.path.join(d, f)
                try:
                    text = open(path, errors="replace").read()
                except OSError:
                    continue
                archives = [t.strip('"') for t in text.split() if t.strip('"').endswith(".a")]
                if archives:
                    notes["argsfile"] = os.path.relpath(path, p.root)
                    notes["rust_archives"] = [os.path.basename(a) for a in archives]
                    notes["rust_archive_bytes"] = {os.path.basename(a): os.path.getsize(os.path.join(p.root, a)) if os.path.exists(os.path.join(p.root, a)) else None for a in archives}
                    return notes
    return notes

RUST_MIN_STACK = STOCK_RUST_MIN_STACK  # one value for both rule sets


def bench_buck2(buck2: str | None, sizes: list[int], k: int, cache: str, shapes: list[str], env: dict, kinds: tuple[str, ...] = KINDS) -> dict:
    defs = os.path.join(REPO, "prelude_ext", "defs.bzl")
    missing = []
    if not buck2:
        missing.append("`buck2` is not on PATH (build it from source, see docs/buck2.md)")
    if not os.path.exists(defs):
        missing.append("prelude_ext/defs.bzl (the rlib-v0 Buck2 rules) is not in this checkout")
    if missing:
        return {"skipped": "; ".join(missing)}
    version = subprocess.run([buck2, "--version"], capture_output=True, text=True).stdout.strip()
    env, path_first = real_tools_path(env)
    # rustc loads a crate's dependencies recursively, one stack frame group
    # per level of the dependency chain: the lattice's chain (crate i needs
    # i-1) overflows rustc's default 8 MiB stack near depth 460 (N = 1,000:
    # "rustc unexpectedly overflowed its stack", crate lat463).  Every rule
    # set's actions inherit the daemon's environment, so both get it.
    env.setdefault("RUST_MIN_STACK", str(RUST_MIN_STACK))
    base = os.path.join(os.path.abspath(cache), "buck2")
    rows = []
    reindeer_skipped = None
    try:
        for shape in shapes:
            if shape in ("reindeer", "reindeer_big"):
                row = buck2_reindeer.bench_reindeer(buck2, shutil.which("reindeer", path=env.get("PATH")), k, cache, env, shape)
                if "skipped" in row:
                    _log(f"the {shape} set: {row['skipped']}")  # the synthetic rows stand without it
                    reindeer_skipped = row["skipped"]
                else:
                    rows.append(row)
                continue
            for n in sizes:
                row: dict = {"shape": shape, "n": n}
                started = time.perf_counter()
                live: dict[str, Project] = {}  # daemons kept up for the no-op rounds
                try:
                    for kind in kinds:
                        root = os.path.join(base, f"{kind}-{shape}-{n}")
                        p = Project(buck2, kind, root, shape, n, env)
                        if os.path.isdir(root):
                            p.kill()  # a daemon left by an interrupted run
                        make_project(kind, root, shape, n)
                        if kind == "stock_aul":  # links the sysroot's rlibs of the rustc the build runs
                            buck2_aul.finish_project(root, shutil.which("rustc", path=env.get("PATH")) or "rustc")
                        live[kind] = p
                        _log(f"{kind}, {shape} N={n}: k={k} clean / leaf-change builds")
                        row[kind] = measure_project(p, k, leaf_base=0, noop=False)
                        row[kind]["two_rust_deps"] = try_two_roots(p)
                        if kind == "stock":
                            row["stock_link"] = stock_link_notes(p)
                    interleaved_noop(live, row)
                finally:
                    for p in live.values():
                        p.kill()
                row["seconds"] = time.perf_counter() - started  # the row's whole run, set-up included
                for key in ("output_initial", "output_after_leaf_change"):
                    for kind in kinds:
                        if "stock" in row and row[kind][key] != row["stock"][key]:
                            raise Buck2BenchError(f"{shape} N={n}: the binaries differ ({key}): {kind} {row[kind][key]!r}, stock {row['stock'][key]!r}")
                # The variants are what they claim: metadata actions only where pipelined.
                if "ours" in row and "ours_nopipe" in row and ("rustc_metadata" not in row["ours"]["clean_actions"] or "rustc_metadata" in row["ours_nopipe"]["clean_actions"]):
                    raise Buck2BenchError(f"{shape} N={n}: pipelining is not as configured: ours {row['ours']['clean_actions']}, not pipelined {row['ours_nopipe']['clean_actions']}")
                first = row[kinds[0]]
                if first["output_initial"] == first["output_after_leaf_change"]:
                    raise Buck2BenchError(f"{shape} N={n}: changing the leaf crate did not change the program's output")
                rows.append(row)
    except Buck2BenchError as e:
        return {"skipped": f"failed: {e}", "version": version, "rows": rows}
    return {"version": version, "kinds": list(kinds), "path_first": path_first, "rust_min_stack": env["RUST_MIN_STACK"], "reindeer_skipped": reindeer_skipped, "k": k, "noop_rounds": NOOP_ROUNDS, "parts": PARTS, "rustc_flags": RUSTC_FLAGS, "cxx_flags": CXX_FLAGS, "rows": rows}
