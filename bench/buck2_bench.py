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

import gen

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
PKG = "g"
PARTS = 4  # C++ objects in the root besides main.cpp
RUSTC_FLAGS = ["-Copt-level=0", "-Cdebuginfo=2"]  # what toolchains//platforms:default passes
CXX_FLAGS = ["-O0", "-g"]
LEAF_LINE = "    local.wrapping_add(below).wrapping_add(v.iter().sum::<u64>())"


class Buck2BenchError(Exception):
    pass


def _log(msg: str) -> None:
    import sys

    print(f"[bench {time.strftime('%H:%M:%S')}] buck2: {msg}", file=sys.stderr, flush=True)


def leaf_source(shape: str, value: int) -> str:
    """Crate 0's source, its result shifted by `value` (0 = gen.py's output)."""
    src = gen.crate_source(shape, 0)
    if LEAF_LINE not in src:
        raise Buck2BenchError("bench/gen.py's crate source changed: the leaf edit no longer applies")
    return src.replace(LEAF_LINE, LEAF_LINE + f".wrapping_add({value})")


def cpp_root_top(shape: str, n: int) -> str:
    """gen.py's C++ root calling the top crate only (one Rust dep)."""
    t = gen.crate_name(shape, gen.top(shape, n))
    decls = "\n".join(f"unsigned long part_{p}(unsigned long);" for p in range(PARTS))
    table = ", ".join(f"part_{p}" for p in range(PARTS))
    return f"""\
// C++ root of the {shape} graph, N = {n}: the top crate plus {PARTS} C++ objects.
#include <cstdint>
#include <cstdio>
extern "C" uint64_t {t}_api(uint64_t);
{decls}
static unsigned long (*const parts[])(unsigned long) = {{{table}}};
int main(int argc, char **) {{
    unsigned long acc = 0;
    for (auto f : parts) acc += f(static_cast<unsigned long>(argc));
    std::printf("%llu %lu\\n", (unsigned long long){t}_api(argc + 40), acc);
    return 0;
}}
"""


def _write(path: str, text: str) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def _q(xs: list[str]) -> str:
    return "[" + ", ".join(f'"{x}"' for x in xs) + "]"


STOCK_BUCKCONFIG = """\
[cells]
  root = .
  prelude = prelude
  toolchains = toolchains
  none = none

[cell_aliases]
  config = prelude
  ovr_config = prelude
  fbcode = none
  fbsource = none
  fbcode_macros = none
  buck = none

[external_cells]
  prelude = bundled

[parser]
  target_platform_detector_spec = target:root//...->prelude//platforms:default \\
    target:prelude//...->prelude//platforms:default \\
    target:toolchains//...->prelude//platforms:default

[build]
  execution_platforms = prelude//platforms:default
"""

STOCK_TOOLCHAINS = f"""\
# The bundled prelude's system toolchains, set to match toolchains//platforms:default
# of the rlib-v0 project: gcc/g++, ld.bfd, static links, dev-mode flags.
load("@prelude//toolchains:cxx.bzl", "system_cxx_toolchain")
load("@prelude//toolchains:genrule.bzl", "system_genrule_toolchain")
load("@prelude//toolchains:python.bzl", "system_python_bootstrap_toolchain")
load("@prelude//toolchains:rust.bzl", "system_rust_toolchain")

system_cxx_toolchain(
    name = "cxx",
    compiler = "gcc",
    compiler_type = "gcc",
    cxx_compiler = "g++",
    linker = "g++",  # not -fuse-ld=lld, which the rule adds for any other name
    c_flags = {_q(CXX_FLAGS)},
    cxx_flags = {_q(CXX_FLAGS)},
    link_flags = ["-fuse-ld=bfd"],
    # static_pic: Debian's gcc links PIE by default, and the non-PIC
    # `static` style (rustc -Crelocation-model=static) does not link into a PIE.
    link_style = "static_pic",
    visibility = ["PUBLIC"],
)

system_rust_toolchain(
    name = "rust",
    default_edition = "2021",
    rustc_flags = {_q(RUSTC_FLAGS)},
    visibility = ["PUBLIC"],
)

system_python_bootstrap_toolchain(name = "python_bootstrap", visibility = ["PUBLIC"])

system_genrule_toolchain(name = "genrule", visibility = ["PUBLIC"])
"""


def replace_once(text: str, old: str, new: str) -> str:
    """`text` with `old` replaced by `new`: variants derived from
    STOCK_TOOLCHAINS edit its text, and an edit that no longer applies must
    fail the benchmark, not quietly measure the unedited project."""
    if old not in text:
        raise Buck2BenchError(f"the generated toolchains no longer contain {old.strip()!r}: update the bench variant that edits them")
    return text.replace(old, new, 1)


def _package(kind: str, shape: str, n: int) -> str:
    rule = "rust_v0_library" if kind.startswith("ours") else "rust_library"
    lines = [f"# Generated by bench/buck2_bench.py: the {shape} graph, N = {n}, {kind} rules."]
    if kind.startswith("ours"):
        lines.append('load("@prelude_ext//:defs.bzl", "rust_v0_library")')
    lines.append("")
    for i in range(n):
        name = gen.crate_name(shape, i)
        deps = [f":{gen.crate_name(shape, j)}" for j in gen.deps(shape, i)]
        extra = '    edition = "2021",\n' if kind.startswith("stock") else ""
        lines.append(f'{rule}(\n    name = "{name}",\n    srcs = ["{name}.rs"],\n    crate_root = "{name}.rs",\n{extra}    deps = {_q(deps)},\n)\n')
    top = gen.crate_name(shape, gen.top(shape, n))
    roots = sorted({top, gen.crate_name(shape, gen.mid(shape, n))})
    srcs = ["main.cpp"] + [f"part_{p}.cpp" for p in range(PARTS)]
    lines.append(f'cxx_binary(\n    name = "main",\n    srcs = {_q(srcs)},\n    deps = [":{top}"],\n)\n')
    lines.append("# gen.py's C++ root proper: two Rust deps (top and middle crates); built once, not timed.")
    lines.append(f'cxx_binary(\n    name = "main_two",\n    srcs = {_q(["main_two.cpp"] + srcs[1:])},\n    deps = {_q([":" + r for r in roots])},\n)\n')
    return "\n".join(lines)


KINDS = ("ours", "ours_nopipe", "stock", "stock_aul")


def new_project_root(kind: str, root: str, stock_toolchains: str = STOCK_TOOLCHAINS) -> None:
    """An empty project at `root` with the cells of `kind`: ours (this
    repository's .buckconfig, BUCK.rlib-v0, prelude_ext/, toolchains/, and a
    .buckconfig.local saying whether it pipelines) or stock (the bundled
    prelude and `stock_toolchains`)."""
    if os.path.isdir(root):
        shutil.rmtree(root)
    os.makedirs(root)
    if kind.startswith("ours"):
        shutil.copy(os.path.join(REPO, ".buckconfig"), root)
        shutil.copy(os.path.join(REPO, "BUCK.rlib-v0"), root)
        ign = shutil.ignore_patterns("__pycache__", "*.pyc")
        for d in ("prelude_ext", "toolchains"):
            shutil.copytree(os.path.join(REPO, d), os.path.join(root, d), ignore=ign)
        # Each variant says what it is, whatever the repository's default.
        _write(os.path.join(root, ".buckconfig.local"), f"[rust_v0]\n  pipelined = {'false' if kind == 'ours_nopipe' else 'true'}\n")
    else:
        _write(os.path.join(root, ".buckconfig"), STOCK_BUCKCONFIG)
        _write(os.path.join(root, "toolchains", "BUCK"), stock_toolchains)
        _write(os.path.join(root, "toolchains", ".buckconfig"), "")
    _write(os.path.join(root, ".buckroot"), "")


def make_project(kind: str, root: str, shape: str, n: int, rustc: str = "rustc") -> None:
    """(Re)generate one project; crate 0 at leaf value 0. `rustc`: the one
    the build will run (stock_aul links its sysroot's rlibs)."""
    new_project_root(kind, root)
    pkg = os.path.join(root, PKG)
    for i in range(n):
        name = gen.crate_name(shape, i)
        _write(os.path.join(pkg, f"{name}.rs"), leaf_source(shape, 0) if i == 0 else gen.crate_source(shape, i))
    _write(os.path.join(pkg, "main.cpp"), cpp_root_top(shape, n))
    _write(os.path.join(pkg, "main_two.cpp"), gen.cpp_root(shape, n, PARTS))
    for p in range(PARTS):
        _write(os.path.join(pkg, f"part_{p}.cpp"), gen.cpp_part(p))
    _write(os.path.join(pkg, "BUCK"), _package(kind, shape, n))
    if kind == "stock_aul":
        import buck2_aul

        buck2_aul.finish_project(root, rustc)


class Project:
    def __init__(self, buck2: str, kind: str, root: str, shape: str, n: int, env: dict):
        self.buck2, self.kind, self.root, self.shape, self.n = buck2, kind, root, shape, n
        self.iso = f"bench-{kind}"
        self.env = env
        self.target = f"root//{PKG}:main"

    def cmd(self, *args: str) -> list[str]:
        return [self.buck2, "--isolation-dir", self.iso, *args]

    def run(self, *args: str) -> str:
        p = subprocess.run(self.cmd(*args), cwd=self.root, env=self.env, capture_output=True, text=True)
        if p.returncode != 0:
            raise Buck2BenchError(f"{self.kind}, {self.shape} N={self.n}: `buck2 {shlex.join(args)}` failed ({p.returncode}):\n{(p.stderr or '')[-4000:]}")
        return p.stdout

    def timed_build(self) -> float:
        t0 = time.perf_counter()
        self.run("build", self.target)
        return time.perf_counter() - t0

    def output_path(self) -> str:
        out = self.run("build", self.target, "--show-full-output").split()
        if len(out) < 2:
            raise Buck2BenchError(f"{self.kind}: no output path for {self.target}")
        return out[-1]

    def set_leaf(self, value: int) -> None:
        _write(os.path.join(self.root, PKG, f"{gen.crate_name(self.shape, 0)}.rs"), leaf_source(self.shape, value))

    def buck_out_bytes(self) -> int:
        total = 0
        base = os.path.join(self.root, "buck-out", self.iso)
        for d, _, files in os.walk(base):
            if os.sep + "external_cells" in d or os.sep + "log" in d:
                continue
            for f in files:
                try:
                    st = os.lstat(os.path.join(d, f))
                except OSError:
                    continue
                if not os.path.islink(os.path.join(d, f)):
                    total += st.st_size
        return total

    def kill(self) -> None:
        subprocess.run(self.cmd("kill"), cwd=self.root, env=self.env, capture_output=True)


def _stats(ts: list[float]) -> dict:
    return {"min": min(ts), "median": statistics.median(ts), "k": len(ts), "runs": ts}


def _program_output(path: str) -> str:
    p = subprocess.run([path], capture_output=True, text=True, timeout=60)
    if p.returncode != 0:
        raise Buck2BenchError(f"{path} exited with {p.returncode}: {p.stderr[-2000:]}")
    return p.stdout.strip()


def _actions(p: Project) -> dict:
    """What the last build ran, by category (`buck2 log what-ran`)."""
    cats: dict[str, int] = {}
    for line in p.run("log", "what-ran").splitlines():
        cols = line.split("\t")
        if len(cols) < 3 or not cols[1].endswith(")"):
            continue
        if ") (" not in cols[1]:
            continue
        words = cols[1].split(") (", 1)[1][:-1].split()
        if not words:
            continue
        # ours: "rustc CRATE"; stock: "rustc metadata [pic]", "rustc rlib [pic]", "rustc staticlib [pic]"
        cat = " ".join(words[:2]) if words[0] == "rustc" and len(words) > 2 else words[0]
        cats[cat] = cats.get(cat, 0) + 1
    return dict(sorted(cats.items()))


def critical_path(p: Project) -> dict:
    """`buck2 log critical-path` of the last build: its actions grouped by
    category (count, seconds), and the path's length in seconds."""
    import json

    by_cat: dict[str, list] = {}
    total = 0.0
    for line in p.run("log", "critical-path", "--format", "json").splitlines():
        try:
            node = json.loads(line)
        except ValueError:
            continue
        secs = node.get("total_duration", 0) / 1e6
        total += secs
        if node.get("kind") != "action":
            continue
        cat = node.get("category") or "?"
        if cat == "rustc" and " (main object)" in (node.get("identifier") or ""):
            cat = "rustc (main object)"
        slot = by_cat.setdefault(cat, [0, 0.0])
        slot[0] += 1
        slot[1] += secs
    return {"seconds": total, "actions": {k: {"count": v[0], "seconds": v[1]} for k, v in sorted(by_cat.items(), key=lambda kv: -kv[1][1])}}


def try_two_roots(p: Project) -> dict:
    """gen.py's C++ root with two Rust deps (top and middle crates), built once."""
    try:
        p.run("build", "root//g:main_two")
    except Buck2BenchError as e:
        msg = str(e)
        first = next((ln.strip() for ln in msg.splitlines() if "multiple definition" in ln), None) or next((ln.strip() for ln in msg.splitlines() if "error" in ln.lower()), msg[-300:])
        return {"ok": False, "error": first[:400], "multiple_definitions": msg.count("multiple definition")}
    out = p.run("build", "root//g:main_two", "--show-full-output").split()[-1]
    return {"ok": True, "output": _program_output(out)}


def measure_project(p: Project, k: int, leaf_base: int, noop: bool = True) -> dict:
    """k clean builds, max(3k, 6) no-op rebuilds (unless `noop` is False:
    `interleaved_noop` then measures them), k leaf-change rebuilds."""
    res: dict = {}
    clean, noops, leaf = [], [], []
    p.set_leaf(0)
    for _ in range(k):
        p.run("clean")
        p.run("server")  # a fresh daemon, started before the clock
        clean.append(p.timed_build())
    res["clean_actions"] = _actions(p)
    res["clean_critical_path"] = critical_path(p)
    binary = p.output_path()
    res["binary_bytes"] = os.path.getsize(binary)
    res["buck_out_bytes"] = p.buck_out_bytes()
    res["output_initial"] = _program_output(binary)
    # More no-op runs than others for their min: see interleaved_noop.
    for _ in range(max(3 * k, 6) if noop else 0):
        noops.append(p.timed_build())
    for j in range(k):
        p.set_leaf(leaf_base + j + 1)
        leaf.append(p.timed_build())
    res["leaf_actions"] = _actions(p)
    res["leaf_critical_path"] = critical_path(p)
    res["output_after_leaf_change"] = _program_output(p.output_path())
    res["leaf_value"] = leaf_base + k
    res["clean"], res["leaf"] = _stats(clean), _stats(leaf)
    if noops:
        res["noop"] = _stats(noops)
    return res


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


def real_tools_path(env: dict) -> tuple[dict, list[str]]:
    """`env` with PATH starting at the directories of the real `python3` and
    `rustc` when PATH finds a launcher in front of them (pyenv's shim, a
    bash script, adds ~60 ms to every Python start here; rustup's proxy
    ~5 ms to every rustc). Both projects run with it: every Buck2 action of
    either starts python3 (the stock prelude's rustc_action.py too)."""
    import sys

    env = dict(env)
    path = env.get("PATH", "")
    first: list[str] = []
    py = shutil.which("python3", path=path)
    real_py = os.path.realpath(sys.executable)
    if py and os.path.realpath(py) != real_py:
        first.append(os.path.dirname(sys.executable))
    rustc = shutil.which("rustc", path=path)
    if rustc:
        sysroot = subprocess.run([rustc, "--print", "sysroot"], capture_output=True, text=True).stdout.strip()
        real_rustc = os.path.join(sysroot, "bin", "rustc")
        if sysroot and os.path.isfile(real_rustc) and os.path.realpath(rustc) != os.path.realpath(real_rustc):
            first.append(os.path.dirname(real_rustc))
    if first:
        env["PATH"] = os.pathsep.join(first + [path])
    return env, first


def bench_buck2(buck2: str | None, sizes: list[int], k: int, cache: str, shapes: list[str], env: dict) -> dict:
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
    base = os.path.join(os.path.abspath(cache), "buck2")
    rows = []
    reindeer_skipped = None
    try:
        for shape in shapes:
            if shape in ("reindeer", "reindeer_big"):
                import buck2_reindeer

                row = buck2_reindeer.bench_reindeer(buck2, shutil.which("reindeer", path=env.get("PATH")), k, cache, env, shape)
                if "skipped" in row:
                    _log(f"the {shape} set: {row['skipped']}")  # the synthetic rows stand without it
                    reindeer_skipped = row["skipped"]
                else:
                    rows.append(row)
                continue
            for n in sizes:
                row: dict = {"shape": shape, "n": n}
                live: dict[str, Project] = {}  # daemons kept up for the no-op rounds
                try:
                    for kind in KINDS:
                        root = os.path.join(base, f"{kind}-{shape}-{n}")
                        p = Project(buck2, kind, root, shape, n, env)
                        if os.path.isdir(root):
                            p.kill()  # a daemon left by an interrupted run
                        make_project(kind, root, shape, n, shutil.which("rustc", path=env.get("PATH")) or "rustc")
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
                for key in ("output_initial", "output_after_leaf_change"):
                    for kind in KINDS:
                        if row[kind][key] != row["stock"][key]:
                            raise Buck2BenchError(f"{shape} N={n}: the binaries differ ({key}): {kind} {row[kind][key]!r}, stock {row['stock'][key]!r}")
                # The variants are what they claim: metadata actions only where pipelined.
                if "rustc_metadata" not in row["ours"]["clean_actions"] or "rustc_metadata" in row["ours_nopipe"]["clean_actions"]:
                    raise Buck2BenchError(f"{shape} N={n}: pipelining is not as configured: ours {row['ours']['clean_actions']}, not pipelined {row['ours_nopipe']['clean_actions']}")
                if row["ours"]["output_initial"] == row["ours"]["output_after_leaf_change"]:
                    raise Buck2BenchError(f"{shape} N={n}: changing the leaf crate did not change the program's output")
                rows.append(row)
    except Buck2BenchError as e:
        return {"skipped": f"failed: {e}", "version": version, "rows": rows}
    return {"version": version, "path_first": path_first, "reindeer_skipped": reindeer_skipped, "k": k, "noop_rounds": NOOP_ROUNDS, "parts": PARTS, "rustc_flags": RUSTC_FLAGS, "cxx_flags": CXX_FLAGS, "rows": rows}
