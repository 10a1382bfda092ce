#!/usr/bin/env python3
"""rlib-v0 benchmarks: one command, side by side, in one run.

    pip install -e '.[bench]'      # once: the package, pyelftools, matplotlib
    python bench/run.py            # full run (~15 min on 2 cores, less when cached)
    python bench/run.py --quick    # smoke test: N=10, one linker, k=2 (< 1 min; no Buck2)
    python bench/run.py --only buck2   # section 5 alone, the rest from docs/benchmarks.json

Writes docs/benchmarks.md (tables), docs/benchmarks.json (raw timings) and
docs/benchmarks.png (link time against N per linker, wrapper vs bare).
Generated sources and compiled artifacts are cached under bench/out/, keyed by
the generator version, the rustc and C/C++ compiler versions and the flags.

What is measured (see docs/benchmarks.md for the results):
1. wrapper overhead: `rlib-v0 link` on a shuffled input list with duplicates
   vs the bare linker on the deduplicated, ordered list (ld.bfd, lld, mold),
   plus the wrapper's own cost against a linker that links nothing;
2. planning alone: `plan.make_plan` on 10 000 inputs;
3. bytes: v0 rlibs + one std bundle vs one staticlib per C/C++ root;
4. rustc-driven linking vs the system linker through the wrapper;
5. Buck2 builds (only when buck2 and prelude_ext/ are present);
and, beside them, `rlib-v0 rustc` vs plain `rustc` per crate.
Times are wall-clock; every figure is the minimum and median of k runs,
interleaved round-robin so that the machine's noise hits all variants alike.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import random
import shlex
import shutil
import statistics
import subprocess
import sys
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
PYDIR = os.path.join(REPO, "prelude_ext", "py")
sys.path.insert(0, PYDIR)
sys.path.insert(0, HERE)

import gen  # noqa: E402

RUST_FLAGS = ["-C", "opt-level=0", "-C", "debuginfo=2"]  # a dev build, as Buck2's default mode
CXX_FLAGS = ["-O0", "-g"]
ALL_LINKERS = ("bfd", "lld", "mold")
LINKER_BINARIES = {"bfd": "ld.bfd", "lld": "ld.lld", "mold": "mold"}


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


class BenchError(Exception):
    pass


def sh(argv: list[str], cwd: str | None = None, env: dict | None = None, capture: bool = True) -> str:
    """Run a setup command; on failure, raise with its output."""
    p = subprocess.run(argv, cwd=cwd, env=env, stdout=subprocess.PIPE if capture else None, stderr=subprocess.STDOUT if capture else None, text=True)
    if p.returncode != 0:
        raise BenchError(f"command failed ({p.returncode}): {shlex.join(argv)}\n{(p.stdout or '')[-4000:]}")
    return p.stdout or ""


def first_line(argv: list[str]) -> str:
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=30)
        return (out.stdout or out.stderr).strip().splitlines()[0]
    except (OSError, IndexError, subprocess.TimeoutExpired):
        return "unavailable"


def sha(*parts: str) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(p.encode())
        h.update(b"\0")
    return h.hexdigest()[:12]


def write_if_changed(path: str, text: str) -> None:
    try:
        with open(path) as f:
            if f.read() == text:
                return
    except FileNotFoundError:
        pass
    with open(path + ".tmp", "w") as f:
        f.write(text)
    os.replace(path + ".tmp", path)


def tool_env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = PYDIR + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def rlib_v0(*args: str) -> list[str]:
    return [sys.executable, "-m", "rlib_v0", *args]


# ---------------------------------------------------------------- environment


class Tools:
    def __init__(self) -> None:
        self.python = sys.executable
        self.rustc = shutil.which(os.environ.get("RUSTC", "rustc"))
        self.cc = shutil.which(os.environ.get("CC", "cc"))
        self.cxx = shutil.which(os.environ.get("CXX", "c++"))
        self.strip = shutil.which("strip")
        missing = [n for n, v in (("rustc", self.rustc), ("cc", self.cc), ("c++", self.cxx), ("strip", self.strip)) if not v]
        if missing:
            raise BenchError("missing tools: " + ", ".join(missing) + " (install rustup's stable toolchain and `apt-get install build-essential`)")
        self.rustc_vv = sh([self.rustc, "-vV"])
        fields = dict(line.split(": ", 1) for line in self.rustc_vv.splitlines() if ": " in line)
        self.rustc_release = fields.get("release", "?")
        self.rustc_commit = fields.get("commit-hash", "?")[:9]
        self.host = fields.get("host", "")
        self.sysroot = sh([self.rustc, "--print", "sysroot"]).strip()
        self.rust_bin = os.path.join(self.sysroot, "lib", "rustlib", self.host, "bin")
        self.rust_gcc_ld = os.path.join(self.rust_bin, "gcc-ld")
        self.cc_version = first_line([self.cc, "--version"])
        self.cxx_version = first_line([self.cxx, "--version"])
        self.linkers = {k: shutil.which(v) is not None for k, v in LINKER_BINARIES.items()}
        self.versions = {
            "python": platform.python_version() + f" ({sys.executable})",
            "rustc": f"{self.rustc_release} ({self.rustc_commit})",
            "cc": self.cc_version,
            "c++": self.cxx_version,
            "ld.bfd": first_line(["ld.bfd", "--version"]),
            "lld": first_line(["ld.lld", "--version"]) if self.linkers["lld"] else "not installed (apt-get install lld)",
            "mold": first_line(["mold", "--version"]) if self.linkers["mold"] else "not installed (apt-get install mold)",
            "rust-lld (rustc's bundled lld)": first_line([os.path.join(self.rust_bin, "rust-lld"), "-flavor", "gnu", "--version"]),
        }
        self.buck2 = shutil.which("buck2")
        self.versions["buck2"] = first_line([self.buck2, "--version"]) if self.buck2 else "not installed"

    def key(self) -> str:
        return sha(gen.GEN_VERSION, self.rustc_vv, " ".join(RUST_FLAGS), self.cc_version, self.cxx_version, " ".join(CXX_FLAGS))


def machine_info() -> dict:
    model = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = ""
    try:
        with open("/proc/meminfo") as f:
            kb = int(f.readline().split()[1])
            mem = f"{kb / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return {"cpu": model, "cores": os.cpu_count(), "memory": mem, "os": f"{platform.system()} {platform.release()}", "load_average_at_start": os.getloadavg()}


# ---------------------------------------------------------------- building


def _task(argv: list[str], cwd: str | None, env: dict | None, out: str | None) -> None:
    """Worker: run one build command; `out` must exist afterwards."""
    sh(argv, cwd=cwd, env=env)
    if out and not os.path.exists(out):
        raise BenchError(f"{shlex.join(argv)} produced no {out}")


def run_dag(tasks: dict[str, tuple[list[str], tuple]], jobs: int) -> None:
    """Run `tasks` (key -> (dependency keys, _task arguments)) on `jobs` processes."""
    done: set[str] = set()
    pending = dict(tasks)
    running = {}
    with ProcessPoolExecutor(max_workers=jobs) as ex:
        while pending or running:
            for key in [k for k, (deps, _) in pending.items() if all(d in done for d in deps)]:
                _, args = pending.pop(key)
                running[ex.submit(_task, *args)] = key
            if not running:
                raise BenchError("dependency cycle in build tasks: " + ", ".join(pending))
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for f in finished:
                key = running.pop(f)
                f.result()
                done.add(key)


class Build:
    """Every artifact of the benchmark, built once and cached by content."""

    def __init__(self, tools: Tools, cache: str, shapes: list[str], sizes: list[int], parts: int, jobs: int):
        self.t = tools
        self.shapes, self.sizes, self.parts, self.jobs = shapes, sizes, parts, jobs
        self.root = os.path.join(os.path.abspath(cache), tools.key())
        self.nmax = max(sizes)
        for d in ("src", "crates", "cxx", "roots", "static", "runs", "tools"):
            os.makedirs(os.path.join(self.root, d), exist_ok=True)
        self.bundle = os.path.join(self.root, "bundle", "libstd_bundle.a")
        self.noop = os.path.join(self.root, "tools", "noop-ld")

    # paths
    def crate_dir(self, shape: str) -> str:
        return os.path.join(self.root, "crates", shape)

    def rlib(self, shape: str, i: int) -> str:
        return os.path.join(self.crate_dir(shape), f"lib{gen.crate_name(shape, i)}.rlib")

    def rlibs(self, shape: str, n: int) -> list[str]:
        return [self.rlib(shape, i) for i in range(n)]

    def part_obj(self, p: int) -> str:
        return os.path.join(self.root, "cxx", f"part_{p}.o")

    def root_dir(self, shape: str, n: int) -> str:
        d = os.path.join(self.root, "roots", f"{shape}-{n}-{self.parts}")
        os.makedirs(d, exist_ok=True)
        return d

    def staticlib(self, shape: str, n: int, root: str) -> str:
        return os.path.join(self.root, "static", f"{shape}-{n}", f"libroot_{root}.a")

    def run_dir(self, name: str) -> str:
        d = os.path.join(self.root, "runs", name)
        os.makedirs(d, exist_ok=True)
        return d

    def noop_ld_dir(self, name: str) -> str:
        """A directory whose `ld`, `ld.bfd`, ... are the no-op linker:
        `c++ -B DIR -fuse-ld=X` runs the driver as usual and links nothing."""
        d = self.run_dir(name)
        for ld in ("ld", "ld.bfd", "ld.lld", "ld.mold", "ld.gold"):
            if not os.path.lexists(os.path.join(d, ld)):
                os.symlink(self.noop, os.path.join(d, ld))
        return d

    # building
    def build_all(self) -> dict:
        t0 = time.perf_counter()
        env = tool_env()
        if not os.path.exists(self.bundle):
            log("building the std bundle")
            os.makedirs(os.path.dirname(self.bundle), exist_ok=True)
            sh(rlib_v0("std-bundle", "-o", self.bundle), env=env)
        src = os.path.join(self.root, "tools", "noop-ld.c")
        os.makedirs(os.path.dirname(src), exist_ok=True)
        write_if_changed(src, gen.NOOP_LINKER_C)
        if not os.path.exists(self.noop) or os.path.getmtime(self.noop) < os.path.getmtime(src):
            sh([self.t.cc, "-O2", "-o", self.noop, src])
        tasks: dict[str, tuple[list[str], tuple]] = {}
        # Crates: a stamp beside each rlib records the hash of its source and
        # of its dependencies' stamps; a mismatch rebuilds it.
        for shape in self.shapes:
            cdir = self.crate_dir(shape)
            os.makedirs(cdir, exist_ok=True)
            stamps: dict[int, str] = {}
            for i in range(self.nmax):
                name = gen.crate_name(shape, i)
                src_text = gen.crate_source(shape, i)
                deps = gen.deps(shape, i)
                stamps[i] = sha(src_text, *(stamps[d] for d in deps))
                src = os.path.join(self.root, "src", f"{name}.rs")
                write_if_changed(src, src_text)
                rlib = self.rlib(shape, i)
                stamp_file = rlib + ".stamp"
                if os.path.exists(rlib) and os.path.exists(stamp_file) and open(stamp_file).read() == stamps[i]:
                    continue
                argv = rlib_v0("rustc", "--", "--crate-name", name, "--crate-type", "rlib", "--edition", "2021", *RUST_FLAGS, "-C", f"metadata=bench-{shape}", "-L", f"dependency={cdir}", src, "-o", rlib)
                for d in deps:
                    argv += ["--extern", f"{gen.crate_name(shape, d)}={self.rlib(shape, d)}"]
                # Write the stamp only after the build: a wrapper shell runs both.
                script = shlex.join(argv) + f" && printf %s {stamps[i]} > {shlex.quote(stamp_file)}"
                dep_keys = [f"{shape}:{d}" for d in deps if f"{shape}:{d}" in tasks]
                tasks[f"{shape}:{i}"] = (dep_keys, (["sh", "-c", script], None, env, rlib))
        for p in range(self.parts):
            obj = self.part_obj(p)
            if os.path.exists(obj):
                continue
            src = os.path.join(self.root, "cxx", f"part_{p}.cpp")
            write_if_changed(src, gen.cpp_part(p))
            tasks[f"cxx:{p}"] = ([], ([self.t.cxx, *CXX_FLAGS, "-c", src, "-o", obj], None, None, obj))
        if tasks:
            log(f"building {sum(1 for k in tasks if not k.startswith('cxx'))} crates and {sum(1 for k in tasks if k.startswith('cxx'))} C++ objects on {self.jobs} processes")
        # Lattice chains are the critical path: put them first.
        ordered = dict(sorted(tasks.items(), key=lambda kv: (not kv[0].startswith("lattice"), kv[0].startswith("cxx"))))
        run_dag(ordered, self.jobs)
        # Roots and staticlibs, per shape and N.
        tasks = {}
        for shape in self.shapes:
            for n in self.sizes:
                d = self.root_dir(shape, n)
                for fname, text, compiler in (("main_c.c", gen.c_root(shape, n), self.t.cc), ("main_cpp.cpp", gen.cpp_root(shape, n, self.parts), self.t.cxx)):
                    src = os.path.join(d, fname)
                    obj = src.rsplit(".", 1)[0] + ".o"
                    write_if_changed(src, text)
                    if not os.path.exists(obj) or os.path.getmtime(obj) < os.path.getmtime(src):
                        tasks[obj] = ([], ([compiler, *CXX_FLAGS, "-c", src, "-o", obj], None, None, obj))
                for root in ("c", "cpp"):
                    lib = self.staticlib(shape, n, root)
                    stamp = lib + ".stamp"
                    want = sha(gen.staticlib_root(shape, n, root), *(open(self.rlib(shape, i) + ".stamp").read() for i in range(n)))
                    if os.path.exists(lib) and os.path.exists(stamp) and open(stamp).read() == want:
                        continue
                    os.makedirs(os.path.dirname(lib), exist_ok=True)
                    src = lib[:-2] + ".rs"
                    write_if_changed(src, gen.staticlib_root(shape, n, root))
                    argv = [self.t.rustc, "--crate-type", "staticlib", "--crate-name", f"root_{root}", "--edition", "2021", *RUST_FLAGS, "-L", f"dependency={self.crate_dir(shape)}", src, "-o", lib]
                    for i in gen.staticlib_deps(shape, n, root):
                        argv += ["--extern", f"{gen.crate_name(shape, i)}={self.rlib(shape, i)}"]
                    script = shlex.join(argv) + f" && printf %s {want} > {shlex.quote(stamp)}"
                    tasks[lib] = ([], (["sh", "-c", script], None, None, lib))
        if tasks:
            log(f"building {len(tasks)} roots and staticlibs")
        run_dag(tasks, self.jobs)
        return {"seconds": time.perf_counter() - t0}

    def native_libs(self) -> list[str]:
        from rlib_v0.formats.marker import read_marker

        ident, _ = read_marker(self.bundle, first_only=True)
        return list(ident.native_libs)


# ---------------------------------------------------------------- timing


def measure(variants: dict[str, list[str] | tuple[list[str], dict]], k: int, cwd: str | None = None, env: dict | None = None, warmup: int = 1) -> dict[str, list[float]]:
    """Wall-clock seconds of each command, k runs each, interleaved round-robin.

    A variant is an argv, or (argv, environment) to override `env`.  The
    order of the variants rotates every round so that none always runs first
    (on a warm or on a cold cache)."""
    names = list(variants)
    times: dict[str, list[float]] = {n: [] for n in names}
    for r in range(warmup + k):
        order = names[r % len(names) :] + names[: r % len(names)]
        for n in order:
            v = variants[n]
            argv, venv = (v if isinstance(v, tuple) else (v, env))
            t0 = time.perf_counter()
            p = subprocess.run(argv, cwd=cwd, env=venv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            dt = time.perf_counter() - t0
            if p.returncode != 0:
                raise BenchError(f"{n} failed ({p.returncode}): {shlex.join(argv)[:2000]}\n{p.stderr.decode(errors='replace')[-3000:]}")
            if r >= warmup:
                times[n].append(dt)
    return times


def stats(ts: list[float]) -> dict:
    return {"min": min(ts), "median": statistics.median(ts), "k": len(ts), "runs": ts}


def fit_line(xs: list[float], ys: list[float]) -> tuple[float, float]:
    """Least-squares (intercept, slope); slope 0 for a single point."""
    if len(set(xs)) < 2:
        return (ys[0] if ys else 0.0), 0.0
    mx, my = statistics.mean(xs), statistics.mean(ys)
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)
    return my - slope * mx, slope


def run_output(binary: str) -> str:
    return sh([binary])


# ---------------------------------------------------------------- 1. overhead


LEAN = "python -S -B lean.py link"  # as the Buck2 toolchain starts it
NOPYC = "python -S -B lean.py link, no .pyc"


def package_sources(pkg: str) -> list[str]:
    """The package's Python sources, subpackages included (paths relative to `pkg`)."""
    found = []
    for d, dirs, files in os.walk(pkg):
        dirs[:] = sorted(x for x in dirs if x != "__pycache__")
        found += [os.path.relpath(os.path.join(d, f), pkg) for f in sorted(files) if f.endswith(".py")]
    return found


def launchers(b: Build) -> dict[str, list[str]]:
    """How the wrapper is started: the installed console script, and the
    way the Buck2 rules start it: `python3 -S -B TREE/rlib_v0/lean.py link`
    on the tree `rlib_v0_bytecompile` makes (prelude_ext/tools/bytecompile.py:
    the sources copied, unchecked-hash .pyc beside them), made here by the
    same script."""
    out: dict[str, list[str]] = {}
    script = os.path.join(os.path.dirname(sys.executable), "rlib-v0")
    if os.path.isfile(script):
        out["rlib-v0 link"] = [script, "link"]
    else:
        out["python -m rlib_v0 link"] = [sys.executable, "-m", "rlib_v0", "link"]
    tree = os.path.join(b.root, "tree")
    shutil.rmtree(tree, ignore_errors=True)
    pkg = os.path.join(PYDIR, "rlib_v0")
    pairs = [f"rlib_v0/{f}={os.path.join(pkg, f)}" for f in package_sources(pkg)]
    sh([sys.executable, os.path.join(REPO, "prelude_ext", "tools", "bytecompile.py"), tree, *pairs])
    out[LEAN] = [sys.executable, "-S", "-B", os.path.join(tree, "rlib_v0", "lean.py"), "link"]
    return out


def prepare_package(b: Build) -> str:
    """Byte-compile the package, as an installed copy is (pip compiles on
    install; an editable checkout gets __pycache__ on first use unless
    PYTHONDONTWRITEBYTECODE is set).  Returns a copy of its sources without
    bytecode, for the variant that compiles them on every run."""
    import compileall

    pkg = os.path.join(PYDIR, "rlib_v0")
    compileall.compile_dir(pkg, quiet=1, force=True)
    copy = os.path.join(b.root, "nopyc")
    shutil.rmtree(copy, ignore_errors=True)
    for f in package_sources(pkg):
        os.makedirs(os.path.dirname(os.path.join(copy, "rlib_v0", f)), exist_ok=True)
        shutil.copy2(os.path.join(pkg, f), os.path.join(copy, "rlib_v0", f))
    return os.path.join(copy, "rlib_v0", "lean.py")


def bench_overhead(b: Build, linkers: list[str], k: int) -> dict:
    res: dict = {"linkers": linkers, "launchers": {}, "real": [], "noop": [], "python": {}}
    lau = launchers(b)
    res["launchers"] = {n: shlex.join(v) for n, v in lau.items()}
    nopyc = [sys.executable, "-S", "-B", prepare_package(b), "link"]
    res["launchers"][NOPYC] = shlex.join(nopyc)
    libs = b.native_libs()
    env = tool_env()
    objects_of = lambda shape, n: [os.path.join(b.root_dir(shape, n), "main_cpp.o")] + [b.part_obj(p) for p in range(b.parts)]  # noqa: E731

    def lists(shape: str, n: int) -> tuple[list[str], list[str]]:
        rl = b.rlibs(shape, n)
        rng = random.Random(f"{shape}-{n}")
        messy = rl + rng.sample(rl, n // 2) + [b.bundle, b.bundle]
        rng.shuffle(messy)
        # Bare: every crate once, dependents before dependencies (indexes
        # only depend on lower ones), then the bundle and its system libs.
        clean = list(reversed(rl)) + [b.bundle] + libs
        return messy, clean

    # The wrapper's own cost: same lists, a linker that links nothing.
    kn = max(6 * k, 10)
    for shape in b.shapes:
        for n in b.sizes:
            messy, clean = lists(shape, n)
            d = b.run_dir(f"noop-{shape}-{n}")
            objs = objects_of(shape, n)
            variants = {"bare": [b.noop, "-o", os.path.join(d, "bare")] + objs + clean}
            for ln, lv in [*lau.items(), (NOPYC, nopyc)]:
                variants[ln] = lv + ["--", b.noop, "-o", os.path.join(d, "wrapped")] + objs + messy
            variants["python -S -c pass"] = [sys.executable, "-S", "-c", "pass"]
            variants["python -c pass"] = [sys.executable, "-c", "pass"]
            log(f"overhead/noop {shape} N={n}")
            t = measure(variants, kn, env=env)
            res["noop"].append({"shape": shape, "n": n, "inputs": len(objs) + len(messy), "times": {v: stats(ts) for v, ts in t.items()}})
    # Real links.
    for shape in b.shapes:
        for n in b.sizes:
            messy, clean = lists(shape, n)
            objs = objects_of(shape, n)
            for linker in linkers:
                d = b.run_dir(f"link-{shape}-{n}-{linker}")
                outs = {"bare": os.path.join(d, "bare")}
                variants = {"bare": [b.t.cxx, f"-fuse-ld={linker}", "-o", outs["bare"]] + objs + clean}
                for m, (ln, lv) in enumerate(lau.items()):
                    outs[ln] = os.path.join(d, f"wrapped{m}")
                    variants[ln] = lv + ["--", b.t.cxx, f"-fuse-ld={linker}", "-o", outs[ln]] + objs + messy
                log(f"overhead/link {shape} N={n} {linker}")
                t = measure(variants, k, env=env)
                outputs = {v: run_output(o) for v, o in outs.items()}
                if len(set(outputs.values())) != 1:
                    raise BenchError(f"wrapped and bare programs differ ({shape} N={n} {linker}): {outputs}")
                # Runs are interleaved, so run j of every variant saw the same
                # machine: the median of the per-run ratios resists drift.
                paired = {v: statistics.median(w / bb for w, bb in zip(t[v], t["bare"])) for v in t if v != "bare"}
                res["real"].append({"shape": shape, "n": n, "linker": linker, "inputs": len(objs) + len(messy), "binary_bytes": os.path.getsize(outs["bare"]), "times": {v: stats(ts) for v, ts in t.items()}, "paired_median_ratio": paired})
    # Fixed cost and per-crate growth from the no-op links.
    py_s = min(e["times"]["python -S -c pass"]["min"] for e in res["noop"])
    py_site = min(e["times"]["python -c pass"]["min"] for e in res["noop"])
    res["python"] = {"python -S -c pass": py_s, "python -c pass": py_site}
    res["wrapper_cost"] = {}
    for shape in b.shapes:
        rows = [e for e in res["noop"] if e["shape"] == shape]
        for ln in [*lau, NOPYC]:
            xs = [e["n"] for e in rows]
            ys = [e["times"][ln]["min"] - e["times"]["bare"]["min"] for e in rows]
            fixed, per_crate = fit_line(xs, ys)
            res["wrapper_cost"].setdefault(shape, {})[ln] = {"per_n": dict(zip(map(str, xs), ys)), "fixed": fixed, "per_crate": per_crate, "fixed_minus_python_S": fixed - py_s}
    return res


# ---------------------------------------------------------------- 2. planning


def bench_plan(b: Build, k: int, total: int = 10_000) -> dict:
    import gc

    from rlib_v0.formats.marker import Dep, read_marker
    from rlib_v0.link.plan import RustInput, make_plan

    res: dict = {"inputs": total}
    bundle_ident, _ = read_marker(b.bundle, first_only=True)
    shape = "lattice" if "lattice" in b.shapes else b.shapes[0]
    n = b.nmax
    t0 = time.perf_counter()
    idents = [read_marker(p, first_only=True)[0] for p in b.rlibs(shape, n)]
    res["read_markers_seconds"] = time.perf_counter() - t0
    res["read_markers_count"] = n
    per = (total - 1) / n

    def real_inputs() -> list[RustInput]:
        rng = random.Random(7)
        seq = [idents[j % n] for j in range(total - 1)]
        rng.shuffle(seq)
        ins = [RustInput(i, f"/bench/{x.crate}.rlib", x) for i, x in enumerate(seq)]
        ins.insert(len(ins) // 2, RustInput(len(ins), "/bench/libstd_bundle.a", bundle_ident))
        return ins

    # Synthetic: `total` distinct crates in a lattice, identities made in memory
    # from a real marker (same rustc, target, panic as the bundle).
    template = idents[0]
    syn = []
    for i in range(total - 1):
        cid = f"syn{i:05d}"
        deps = [Dep(f"c{j}", f"c{j}", f"syn{j:05d}") for j in (i - 1, i - 2) if j >= 0]
        syn.append(type(template)(**{**{n: getattr(template, n) for n in template.__slots__}, "crate": f"c{i}", "metadata": f"m{i}", "crate_id": cid, "deps": deps, "content_hash": f"h{i}"}))

    def syn_inputs() -> list[RustInput]:
        rng = random.Random(8)
        seq = list(syn)
        rng.shuffle(seq)
        ins = [RustInput(i, f"/bench/{x.crate}.rlib", x) for i, x in enumerate(seq)]
        ins.append(RustInput(len(ins), "/bench/libstd_bundle.a", bundle_ident))
        return ins

    for label, make in ((f"real markers: {n} rlibs, each ~{per:.0f} times, + bundle", real_inputs), (f"synthetic: {total - 1} distinct crates (lattice) + bundle", syn_inputs)):
        ts, cpu = [], []
        crates = 0
        for _ in range(k + 1):
            ins = make()
            gc.collect()  # every run starts from the same heap
            t0, c0 = time.perf_counter(), time.process_time()
            plan = make_plan(ins)
            ts.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
            crates = len(plan.crates)
        res[label] = {"count": len(ins), "crates_linked": crates, "cpu_min": min(cpu[1:]), **stats(ts[1:])}
    return res


# ---------------------------------------------------------------- 3. bytes


def bench_bytes(b: Build) -> list[dict]:
    rows = []
    bundle = os.path.getsize(b.bundle)
    for shape in b.shapes:
        for n in b.sizes:
            rl = sum(os.path.getsize(p) for p in b.rlibs(shape, n))
            st = {r: os.path.getsize(b.staticlib(shape, n, r)) for r in ("c", "cpp")}
            rows.append({"shape": shape, "n": n, "v0_rlibs": rl, "bundle": bundle, "v0_total": rl + bundle, "staticlibs": st, "staticlib_total": sum(st.values()), "staticlib_plus_rlibs": sum(st.values()) + rl})
    return rows


# ---------------------------------------------------------------- 4. rustc-driven linking

# The flags rustc 1.95 passes to `cc` for an x86_64-linux binary (see
# `rustc --print link-args`), minus inputs, -L/-B/-fuse-ld and -nodefaultlibs.
RUSTC_LINK_FLAGS = ["-m64", "-Wl,--as-needed", "-Wl,--eh-frame-hdr", "-Wl,-z,noexecstack", "-Wl,--gc-sections", "-pie", "-Wl,-z,relro,-z,now"]


def _parse_link_args(text: str) -> tuple[dict, list[str]]:
    """`rustc --print link-args` output -> (environment, argv)."""
    env, argv = {}, []
    for tok in shlex.split(text.strip().splitlines()[-1] if text.strip() else ""):
        if not argv and "=" in tok and tok.split("=", 1)[0].isidentifier():
            k, v = tok.split("=", 1)
            env[k] = v
        else:
            argv.append(tok)
    return env, argv


def bench_rustc(b: Build, sizes: list[int], k: int) -> list[dict]:
    shape = "lattice" if "lattice" in b.shapes else b.shapes[0]
    out = []
    libs = b.native_libs()
    lau = launchers(b)
    lean = lau[LEAN]
    for n in sizes:
        d = b.run_dir(f"rustc-{shape}-{n}")
        src = os.path.join(d, "app.rs")
        write_if_changed(src, gen.rust_root(shape, n))
        t = gen.top(shape, n)
        common = ["--edition", "2021", *RUST_FLAGS, "-L", f"dependency={b.crate_dir(shape)}", "--extern", f"{gen.crate_name(shape, t)}={b.rlib(shape, t)}"]
        # rustc as the driver: keep its objects (-C save-temps) and replay the
        # exact link command it printed, so only the link is timed.
        text = sh([b.t.rustc, "--crate-type", "bin", *common, "-C", "save-temps", "--print", "link-args", src, "-o", "app_rustc"], cwd=d)
        lenv, largv = _parse_link_args(text)
        if not largv:
            raise BenchError("rustc --print link-args printed nothing")
        obj = os.path.join(d, "app.o")
        sh([b.t.rustc, "--crate-type", "bin", "--emit=obj", "-C", "codegen-units=1", *common, src, "-o", obj])
        rng = random.Random(n)
        rl = b.rlibs(shape, n)
        messy = rl + rng.sample(rl, n // 2)
        rng.shuffle(messy)
        messy.append(b.bundle)
        configs = {
            "rustc (rust-lld, its flags)": (dict(os.environ, **lenv), largv, os.path.join(d, "app_rustc")),
            "wrapper + rust-lld, rustc's flags": (None, lean + ["--", b.t.cc, "-B" + b.t.rust_gcc_ld, "-fuse-ld=lld", *RUSTC_LINK_FLAGS, obj, *messy, "-o", os.path.join(d, "w_rustlld")], os.path.join(d, "w_rustlld")),
        }
        if b.t.linkers["lld"]:
            configs["wrapper + system lld, rustc's flags"] = (None, lean + ["--", b.t.cc, "-fuse-ld=lld", *RUSTC_LINK_FLAGS, obj, *messy, "-o", os.path.join(d, "w_lld")], os.path.join(d, "w_lld"))
        if b.t.linkers["mold"]:
            configs["wrapper + mold, rustc's flags"] = (None, lean + ["--", b.t.cc, "-fuse-ld=mold", *RUSTC_LINK_FLAGS, obj, *messy, "-o", os.path.join(d, "w_mold")], os.path.join(d, "w_mold"))
        configs["wrapper + cc (ld.bfd), --gc-sections"] = (None, lean + ["--", b.t.cc, "-Wl,--gc-sections", obj, *messy, "-o", os.path.join(d, "w_bfd_gc")], os.path.join(d, "w_bfd_gc"))
        configs["wrapper + cc (ld.bfd), plain"] = (None, lean + ["--", b.t.cc, obj, *messy, "-o", os.path.join(d, "w_bfd")], os.path.join(d, "w_bfd"))
        log(f"rustc vs wrapper: {shape} N={n}")
        variants = {name: (argv if cenv is None else (argv, cenv)) for name, (cenv, argv, _) in configs.items()}
        times = measure(variants, k, cwd=d, env=tool_env())
        ref = None
        rows = []
        for name, (_, _, binary) in configs.items():
            stripped = binary + ".stripped"
            sh([b.t.strip, "--strip-all", "-o", stripped, binary])
            outp = run_output(binary)
            ref = ref or outp
            if outp != ref:
                raise BenchError(f"{name}: the program prints {outp!r}, rustc's prints {ref!r}")
            rows.append({"config": name, "bytes": os.path.getsize(binary), "stripped_bytes": os.path.getsize(stripped), **stats(times[name])})
        # The whole root step: rustc compiling and linking the root vs rustc
        # compiling it to an object + the wrapper's link (system lld, rustc's flags).
        whole = measure({
            "rustc: compile + link": [b.t.rustc, "--crate-type", "bin", *common, src, "-o", os.path.join(d, "app_whole")],
            "rustc --emit=obj + wrapper link": ["sh", "-c", shlex.join([b.t.rustc, "--crate-type", "bin", "--emit=obj", "-C", "codegen-units=1", *common, src, "-o", obj + ".2.o"]) + " && " + shlex.join(lean + ["--", b.t.cc, "-B" + b.t.rust_gcc_ld, "-fuse-ld=lld", *RUSTC_LINK_FLAGS, obj + ".2.o", *messy, "-o", os.path.join(d, "w_whole")])],
        }, k, cwd=d, env=tool_env())
        for arg in largv:  # -C save-temps keeps rustc's temporary directory
            if arg.endswith("symbols.o") and os.path.basename(os.path.dirname(arg)).startswith("rustc"):
                shutil.rmtree(os.path.dirname(arg), ignore_errors=True)
        out.append({"shape": shape, "n": n, "rustc_link_command": shlex.join(largv)[:400] + " ...", "native_libs": libs, "rows": rows, "root_step": {kk: stats(v) for kk, v in whole.items()}})
    return out


# ---------------------------------------------------------------- 5. Buck2


def keep_earlier_rows(old: dict, new: dict) -> None:
    """Into `new` (a Buck2 section just measured), the rows of `old` that it
    did not redo. Each row carries what it was measured with (its k in its
    figures; its buck2 when another build made it, which the report names),
    so no row is dropped for coming from another run."""
    if "skipped" in new or "skipped" in old:
        return
    done = {(r["shape"], r["n"]) for r in new["rows"]}
    kept = [r for r in old.get("rows", []) if (r["shape"], r["n"]) not in done]
    for r in kept:
        r.setdefault("buck2_version", old.get("version"))
        if r["buck2_version"] == new["version"]:
            del r["buck2_version"]
    new["rows"] = sorted(kept + new["rows"], key=lambda r: (r["shape"] != "lattice", r["shape"], r["n"] or 0))


def bench_buck2(tools: Tools, sizes: list[int], k: int, cache: str, shapes: list[str] | None = None, kinds: list[str] | None = None) -> dict:
    """Our rules vs the stock prelude's, in generated Buck2 projects (bench/buck2_bench.py)."""
    import buck2_bench

    if kinds:
        return buck2_bench.bench_buck2(tools.buck2, sizes, k, cache, shapes or list(gen.SHAPES), dict(os.environ), tuple(kinds))
    return buck2_bench.bench_buck2(tools.buck2, sizes, k, cache, shapes or list(gen.SHAPES) + ["reindeer", "reindeer_big"], dict(os.environ))


# ---------------------------------------------------------------- compile overhead


def bench_compile(b: Build, k: int) -> dict:
    shape = "lattice" if "lattice" in b.shapes else b.shapes[0]
    i = b.nmax // 2
    name = gen.crate_name(shape, i)
    src = os.path.join(b.root, "src", f"{name}.rs")
    d = b.run_dir("compile")
    common = ["--crate-name", name, "--crate-type", "rlib", "--edition", "2021", *RUST_FLAGS, "-C", f"metadata=bench-{shape}", "-L", f"dependency={b.crate_dir(shape)}", src]
    for dd in gen.deps(shape, i):
        common += ["--extern", f"{gen.crate_name(shape, dd)}={b.rlib(shape, dd)}"]
    t = measure({"rustc": [b.t.rustc, *common, "-o", os.path.join(d, "plain.rlib")], "rlib-v0 rustc": rlib_v0("rustc", "--", *common, "-o", os.path.join(d, "v0.rlib"))}, k, env=tool_env())
    return {"crate": name, "times": {kk: stats(v) for kk, v in t.items()}}


# ---------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="smoke test: N=10, one linker, k=2, few C++ objects")
    ap.add_argument("--out", default=os.path.join(REPO, "docs"), help="where benchmarks.{md,json,png} go (default: docs/)")
    ap.add_argument("--cache", default=os.path.join(HERE, "out"), help="build cache (default: bench/out/)")
    ap.add_argument("--k", type=int, help="runs per figure (default 7; 2 with --quick)")
    ap.add_argument("--sizes", help="comma-separated N (default 10,50,200; 10 with --quick)")
    ap.add_argument("--linkers", help="comma-separated subset of bfd,lld,mold (default: all installed; bfd with --quick)")
    ap.add_argument("--parts", type=int, help="C++ objects in the C++ root (default 300; 20 with --quick)")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2, help="parallel build processes")
    ap.add_argument("--report-only", action="store_true", help="only rewrite benchmarks.md/.png from the benchmarks.json in --out")
    ap.add_argument("--only", choices=["buck2"], help="run only this section; the others are taken from the benchmarks.json in --out")
    ap.add_argument("--buck2-sizes", default="10,50", help="comma-separated N of the Buck2 section (default 10,50)")
    ap.add_argument("--buck2-k", type=int, default=3, help="builds per figure in the Buck2 section (default 3)")
    ap.add_argument("--buck2-kinds", help="comma-separated rule sets of the Buck2 section (default: ours,ours_nopipe,stock,stock_aul); e.g. `ours_nopipe,stock` for N = 1000, where each clean build takes minutes")
    ap.add_argument("--buck2-noop-only", action="store_true", help="with --only buck2: measure the no-op rebuilds again (interleaved across the rule sets) on the projects the last run left under --cache, and keep every other figure")
    ap.add_argument("--buck2-shapes", help="comma-separated graphs of the Buck2 section (default: all; `reindeer` is tests/reindeer's crate set, `reindeer_big` tests/reindeer_big's, both need reindeer); with --only buck2, rows of other graphs and N already in the JSON are kept")
    a = ap.parse_args(argv)
    if a.report_only:
        from report import write_report

        with open(os.path.join(a.out, "benchmarks.json")) as f:
            log("wrote " + ", ".join(write_report(json.load(f), a.out)))
        return 0
    buck2_sizes = [int(x) for x in a.buck2_sizes.split(",") if x]
    if a.only == "buck2":
        from report import write_report

        try:
            with open(os.path.join(a.out, "benchmarks.json")) as f:
                data = json.load(f)
            tools = Tools()
            if a.buck2_noop_only:
                import buck2_bench

                b2 = data.get("buck2") or {}
                if "rows" not in b2 or "skipped" in b2 or not tools.buck2:
                    raise BenchError("--buck2-noop-only needs buck2 and a Buck2 section in benchmarks.json to complete")
                if b2.get("version") != tools.versions["buck2"]:
                    raise BenchError("--buck2-noop-only: buck2 is not the one benchmarks.json was made with; rerun the section")
                buck2_bench.remeasure_noop(tools.buck2, b2["rows"], a.cache, dict(os.environ))
                b2["noop_rounds"] = buck2_bench.NOOP_ROUNDS
                log("wrote " + ", ".join(write_report(data, a.out)))
                return 0
            data["versions"]["buck2"] = tools.versions["buck2"]
            old = data.get("buck2") or {}
            shapes = [x for x in (a.buck2_shapes or "").split(",") if x] or None
            new = bench_buck2(tools, buck2_sizes, a.buck2_k, a.cache, shapes, [x for x in (a.buck2_kinds or "").split(",") if x] or None)
            if "skipped" in new and "rows" in old:
                # A failed rerun leaves the report as it was.
                raise BenchError("the Buck2 section failed, docs keep their earlier rows: " + new["skipped"][-3000:])
            keep_earlier_rows(old, new)
            data["buck2"] = new
        except (BenchError, OSError, ValueError) as e:
            print(f"bench: error: {e}", file=sys.stderr)
            return 1
        log("wrote " + ", ".join(write_report(data, a.out)))
        return 0
    k = a.k or (2 if a.quick else 7)
    sizes = [int(x) for x in a.sizes.split(",")] if a.sizes else ([10] if a.quick else [10, 50, 200])
    parts = a.parts if a.parts is not None else (20 if a.quick else 300)
    started = time.perf_counter()
    try:
        tools = Tools()
        if a.linkers:
            linkers = [x for x in a.linkers.split(",") if x]
        else:
            linkers = ["bfd"] if a.quick else [x for x in ALL_LINKERS if tools.linkers[x]]
        unknown = [x for x in linkers if x not in ALL_LINKERS]
        if unknown:
            raise BenchError(f"unknown linker {unknown[0]} (choose from {', '.join(ALL_LINKERS)})")
        absent = [x for x in linkers if not tools.linkers[x]]
        if absent:
            raise BenchError(f"linker {absent[0]} is not installed (apt-get install {'binutils' if absent[0] == 'bfd' else absent[0]})")
        data: dict = {"quick": a.quick, "k": k, "sizes": sizes, "parts": parts, "machine": machine_info(), "versions": tools.versions, "rust_flags": RUST_FLAGS, "cxx_flags": CXX_FLAGS}
        b = Build(tools, a.cache, list(gen.SHAPES), sizes, parts, a.jobs)
        data["build"] = b.build_all()
        data["overhead"] = bench_overhead(b, linkers, k)
        log("planning")
        data["plan"] = bench_plan(b, max(3 * k, 6))
        data["bytes"] = bench_bytes(b)
        rustc_sizes = sizes if a.quick else [n for n in sizes if n >= 50] or sizes
        data["rustc"] = bench_rustc(b, rustc_sizes, k)
        data["compile"] = bench_compile(b, k)
        buck2_shapes = [x for x in (a.buck2_shapes or "").split(",") if x] or None
        data["buck2"] = {"skipped": "not run with --quick"} if a.quick else bench_buck2(tools, buck2_sizes, a.buck2_k, a.cache, buck2_shapes)
        data["machine"]["load_average_at_end"] = os.getloadavg()
        data["seconds"] = time.perf_counter() - started
        os.makedirs(a.out, exist_ok=True)
        from report import write_report

        paths = write_report(data, a.out)
        log("wrote " + ", ".join(paths) + f" in {data['seconds']:.0f} s")
        return 0
    except BenchError as e:
        print(f"bench: error: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
