#!/usr/bin/env python3
"""The two ways the Buck2 rules check a link, measured: `link_check =
"wrapper"` (every link through `rlib-v0 link`) and `"validation"` (the bare
linker driver on the rules' line, each crate followed by `@` its link-args
file; `rlib-v0 validate` per crate, beside the link).

    python bench/link_check.py                 # k=7 links, N=200, all linkers; Buck2 lattice 200, k=2
    python bench/link_check.py --no-buck2 --k 5

1. links: run.py's section-1 graphs (lattice, diamond; its cache under
   bench/out/), the C++ root and its 300 objects, linked three ways with
   `c++ -fuse-ld=LINKER`, interleaved: **bare** (the deduplicated, ordered
   list and std's system libraries, as run.py's section 1), **validation
   mode** (the line Buck2 gives: each rlib, then `@` its link-args file;
   the bundle, then its file; written by the same functions `rlib-v0 rustc
   --link-args` and `rlib-v0 std-bundle --link-args` use), **wrapper mode**
   (that line through `python3 -S -B TREE/rlib_v0/lean.py link`, as the
   Buck2 toolchain starts it). The three programs must print the same.
2. `rlib-v0 validate` per crate, started as the Buck2 rules start it: the
   cost each validation action adds, off the link's critical path.
3. Buck2 (if installed): the not-pipelined rules (the default) on the
   lattice at N = 200, in both modes: k clean builds and k one-leaf-change
   rebuilds each (bench/buck2_bench.py's projects and measurement).

Writes docs/link-check.md and docs/link-check.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import gen  # noqa: E402
import run  # noqa: E402  (section 1's graphs, timing helpers)

REPO = run.REPO
BARE, VALIDATION, WRAPPER = "bare", "validation mode: bare driver on the Buck2 line", "wrapper mode: lean.py link on the Buck2 line"


def _write_link_args(b: run.Build, shape: str, n: int) -> tuple[list[str], str]:
    """The link-args file of each crate and of the bundle, from their markers."""
    from rlib_v0.identity import read_marker
    from rlib_v0.link_args import bundle_args, crate_args, render

    d = b.run_dir(f"link-check-args-{shape}")

    def write(archive: str, args: list[str]) -> str:
        path = os.path.join(d, os.path.basename(archive) + ".rlib-v0-link-args")
        run.write_if_changed(path, render(args).decode())
        return path

    files = [write(rl, crate_args(read_marker(rl, first_only=True)[0], None)) for rl in b.rlibs(shape, n)]
    return files, write(b.bundle, bundle_args(read_marker(b.bundle, first_only=True)[0]))


def bench_links(b: run.Build, n: int, linkers: list[str], k: int) -> list[dict]:
    lean = run.launchers(b)[run.LEAN]
    libs = b.native_libs()
    env = run.tool_env()
    rows = []
    for shape in b.shapes:
        rl = b.rlibs(shape, n)
        arg_files, bundle_file = _write_link_args(b, shape, n)
        objs = [os.path.join(b.root_dir(shape, n), "main_cpp.o")] + [b.part_obj(p) for p in range(b.parts)]
        clean = list(reversed(rl)) + [b.bundle] + libs
        # Buck2's topological order: dependents first, as `clean`.
        line = [x for r, f in zip(reversed(rl), reversed(arg_files)) for x in (r, "@" + f)] + [b.bundle, "@" + bundle_file]
        for linker in linkers:
            d = b.run_dir(f"link-check-{shape}-{n}-{linker}")
            drv = [b.t.cxx, f"-fuse-ld={linker}"]
            outs = {v: os.path.join(d, v.split(":")[0].replace(" ", "_")) for v in (BARE, VALIDATION, WRAPPER)}
            variants = {
                BARE: drv + ["-o", outs[BARE]] + objs + clean,
                VALIDATION: drv + ["-o", outs[VALIDATION]] + objs + line,
                WRAPPER: lean + ["--"] + drv + ["-o", outs[WRAPPER]] + objs + line,
            }
            run.log(f"link-check {shape} N={n} {linker}")
            t = run.measure(variants, k, env=env)
            printed = {v: run.run_output(o) for v, o in outs.items()}
            if len(set(printed.values())) != 1:
                raise run.BenchError(f"the three links print different things ({shape} N={n} {linker}): {printed}")
            paired = {v: statistics.median(x / y for x, y in zip(t[v], t[BARE])) for v in (VALIDATION, WRAPPER)}
            rows.append({"shape": shape, "n": n, "linker": linker, "times": {v: run.stats(ts) for v, ts in t.items()}, "paired_median_ratio": paired})
    return rows


def bench_validate(b: run.Build, n: int, k: int) -> dict:
    """`lean.py validate` on the top crate of each graph (the most direct
    deps), and `python -S -c pass` for scale."""
    lean_validate = run.launchers(b)[run.LEAN][:-1] + ["validate"]
    variants: dict[str, list[str]] = {"python -S -c pass": [sys.executable, "-S", "-c", "pass"]}
    deps_of: dict[str, int] = {}
    for shape in b.shapes:
        top = n - 1
        deps = gen.deps(shape, top)
        deps_of[shape] = len(deps)
        result = os.path.join(b.run_dir("link-check-validate"), f"{shape}.json")
        variants[f"validate {shape} top crate ({len(deps)} direct deps)"] = lean_validate + [b.rlib(shape, top), "--bundle", b.bundle] + [x for i in deps for x in ("--dep", b.rlib(shape, i))] + ["--result", result]
    t = run.measure(variants, max(k, 10), env=run.tool_env())
    for shape in b.shapes:
        with open(os.path.join(b.run_dir("link-check-validate"), f"{shape}.json")) as f:
            if json.load(f)["data"]["status"] != "success":
                raise run.BenchError(f"rlib-v0 validate refused the {shape} graph's top crate")
    return {v: run.stats(ts) for v, ts in t.items()}


def bench_buck2(tools: run.Tools, k: int, cache: str, n: int) -> dict:
    import buck2_bench

    if not tools.buck2:
        return {"skipped": "buck2 is not on PATH (docs/buck2.md says how to build it)"}
    env, _ = buck2_bench.real_tools_path(dict(os.environ))
    base = os.path.join(os.path.abspath(cache), "buck2")
    out: dict = {"shape": "lattice", "n": n, "k": k, "version": tools.versions["buck2"]}
    for mode in ("wrapper", "validation"):
        root = os.path.join(base, f"link-check-{mode}-lattice-{n}")
        p = buck2_bench.Project(tools.buck2, "ours_nopipe", root, "lattice", n, env)
        p.iso = f"bench-link-check-{mode}"
        if os.path.isdir(root):
            p.kill()
        buck2_bench.make_project("ours_nopipe", root, "lattice", n)
        with open(os.path.join(root, ".buckconfig.local"), "a") as f:
            f.write(f"  link_check = {mode}\n")
        try:
            run.log(f"buck2 link_check={mode}, lattice N={n}: k={k} clean / leaf-change builds")
            res = buck2_bench.measure_project(p, k, leaf_base=0, noop=False)
        finally:
            p.kill()
        ran = res["leaf_actions"]
        if mode == "validation" and "rlib_v0_validate" not in ran:
            raise run.BenchError(f"validation mode ran no validation on the leaf change: {ran}")
        out[mode] = res
    if out["wrapper"]["output_after_leaf_change"] != out["validation"]["output_after_leaf_change"]:
        raise run.BenchError("the two modes' programs print different things")
    return out


def report(data: dict) -> str:
    L: list[str] = []
    w = L.append
    ms = lambda s: f"{s * 1000:.1f}"  # noqa: E731
    w("# Link checks in Buck2: the wrapper or validations")
    w("")
    w(f"Generated by `python bench/link_check.py` ({data['k']} interleaved runs per link, min; machine: {data['machine']['cpu']}, {data['machine']['cores']} cores; rustc {data['versions']['rustc']}).")
    w("Where the modes differ: `prelude_ext/providers.bzl` (`RustV0ToolchainInfo.link_check`), docs/buck2.md.")
    w("")
    w("## 1. The link")
    w("")
    w("The C++ root of run.py's section 1 (its object and 300 C++ objects) and the N crates of a graph, linked by `c++ -fuse-ld=LINKER`:")
    w(f"**{BARE}** (the deduplicated, ordered list and std's system libraries), **{VALIDATION}** (each rlib followed by `@` its link-args file, the bundle by its file), **{WRAPPER}**. All three programs print the same.")
    w("")
    w("| graph | N | linker | bare (ms) | validation mode (ms) | wrapper mode (ms) | validation / bare | wrapper / bare | paired median: validation, wrapper |")
    w("|---|---|---|---|---|---|---|---|---|")
    for r in data["links"]:
        t = r["times"]
        pm = r["paired_median_ratio"]
        w(f"| {r['shape']} | {r['n']} | {r['linker']} | {ms(t[BARE]['min'])} | {ms(t[VALIDATION]['min'])} | {ms(t[WRAPPER]['min'])} | {t[VALIDATION]['min'] / t[BARE]['min']:.3f} | {t[WRAPPER]['min'] / t[BARE]['min']:.3f} | {pm[VALIDATION]:.3f}, {pm[WRAPPER]:.3f} |")
    w("")
    worst = max(r["times"][VALIDATION]["min"] / r["times"][BARE]["min"] for r in data["links"])
    w(f"Goal (issue 13): the link as the Buck2 toolchain runs it ≤ 1.05 × the bare linker at N = 200 on ld.bfd, lld and mold. Validation mode: worst {worst:.3f} — **{'met' if worst <= 1.05 else 'not met'}**; the link-args files cost the driver and linker N small file reads. "
      "Wrapper mode keeps the wrapper's fixed start-up and per-archive reads (docs/benchmarks.md, section 1).")
    w("")
    w("## 2. The validation actions")
    w("")
    v = data["validate"]
    w("Each `rust_v0_library` gets one `rlib-v0 validate` action (its rlib, its direct deps' rlibs and the bundle), started like every tool action of the rules (`python3 -S -B TREE/rlib_v0/lean.py`). It runs beside the dependents' compiles and the link, not before them; Buck2 fails the build with its message when it fails.")
    w("")
    w("| command | min (ms) | median (ms) |")
    w("|---|---|---|")
    for name, s in v.items():
        w(f"| `{name}` | {ms(s['min'])} | {ms(s['median'])} |")
    w("")
    b2 = data["buck2"]
    w("## 3. Buck2 builds")
    w("")
    if "skipped" in b2:
        w(f"Not run: {b2['skipped']}.")
    else:
        w(f"The rules not pipelined (the default), lattice N = {b2['n']}, stock `cxx_binary` root, k = {b2['k']} ({b2['version']}); min (median) in seconds.")
        w("")
        w("| mode | clean | leaf change | leaf-change actions |")
        w("|---|---|---|---|")
        for mode in ("wrapper", "validation"):
            r = b2[mode]
            acts = ", ".join(f"{c} {k}" for c, k in sorted(r["leaf_actions"].items()))
            w(f"| {mode} | {r['clean']['min']:.2f} ({r['clean']['median']:.2f}) | {r['leaf']['min']:.2f} ({r['leaf']['median']:.2f}) | {acts} |")
        w("")
        cp = b2["validation"].get("leaf_critical_path") or {}
        if cp:
            w(f"Validation mode, leaf change, critical path: {json.dumps(cp)[:600]}")
            w("")
    w("## What each mode checks")
    w("")
    w("- Both: every crate a v0 rlib, built like the bundle (rustc, target, panic strategy), its deps present; at most one `#[global_allocator]` and one `#[panic_handler]` (validation mode: the guard objects make the link fail, however many roots the binary has).")
    w("- Only the wrapper: archives no rust_v0 rule built (a prebuilt Rust staticlib or a foreign rlib in a `cxx_library`), duplicate crates and the order (which Buck2's link graph gives once and topologically), explanations of linker errors in crate terms.")
    return "\n".join(L) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--k", type=int, default=7, help="runs per link (default 7)")
    ap.add_argument("--n", type=int, default=200, help="crates (default 200)")
    ap.add_argument("--linkers", help="comma-separated (default: bfd,lld,mold, those installed)")
    ap.add_argument("--buck2-k", type=int, default=2, help="builds per Buck2 figure (default 2)")
    ap.add_argument("--no-buck2", action="store_true", help="skip the Buck2 builds")
    ap.add_argument("--cache", default=os.path.join(HERE, "out"), help="run.py's build cache (default bench/out/)")
    ap.add_argument("--out", default=os.path.join(REPO, "docs"), help="where link-check.{md,json} go")
    a = ap.parse_args(argv)
    try:
        tools = run.Tools()
        linkers = [x for x in (a.linkers or "").split(",") if x] or [x for x in run.ALL_LINKERS if tools.linkers[x]]
        b = run.Build(tools, a.cache, list(gen.SHAPES), [a.n], 300, os.cpu_count() or 2)
        b.build_all()
        data = {"k": a.k, "machine": run.machine_info(), "versions": tools.versions}
        data["links"] = bench_links(b, a.n, linkers, a.k)
        data["validate"] = bench_validate(b, a.n, a.k)
        data["buck2"] = {"skipped": "--no-buck2"} if a.no_buck2 else bench_buck2(tools, a.buck2_k, a.cache, a.n)
    except Exception as e:  # noqa: BLE001 - a benchmark failure is one line
        import buck2_bench

        if not isinstance(e, (run.BenchError, buck2_bench.Buck2BenchError, OSError)):
            raise
        print(f"bench: error: {e}", file=sys.stderr)
        return 1
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "link-check.json"), "w") as f:
        json.dump(data, f, indent=1)
    with open(os.path.join(a.out, "link-check.md"), "w") as f:
        f.write(report(data))
    run.log(f"wrote {os.path.join(a.out, 'link-check.md')}; commands: {shlex.join(sys.argv)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
