"""Synthetic sources for the benchmark: crate graphs, C/C++ roots, a C++ part.

Every graph is a prefix family: the first N crates of the 200-crate graph are
the N-crate graph, so one build of the largest graph serves every N (and the
cache key of a crate depends only on its own source and its dependencies').

- lattice: crate i depends on i-1 and i-2;
- diamond: layers of DIAMOND_WIDTH crates, each depending on every crate of
  the layer below (every pair of paths between two layers is a diamond).

Each crate has generic items (a generic struct, a trait impl over it, a
generic function) and non-generic ones (a HashMap/String/Vec user, a step
function), instantiates its dependencies' generics with new types, and
exports `<name>_api` for the C/C++ roots.  At run time one call walks one
dependency per crate, so a run is linear in N.
"""

from __future__ import annotations

# Bump when any generated text changes: it is part of every cache key.
GEN_VERSION = "5"
DIAMOND_WIDTH = 4
SHAPES = ("lattice", "diamond")
_PREFIX = {"lattice": "lat", "diamond": "dia"}


def crate_name(shape: str, i: int) -> str:
    return f"{_PREFIX[shape]}{i:03d}"


def deps(shape: str, i: int) -> list[int]:
    if shape == "lattice":
        return [j for j in (i - 1, i - 2) if j >= 0]
    if shape == "diamond":
        layer = i // DIAMOND_WIDTH
        if layer == 0:
            return []
        return list(range((layer - 1) * DIAMOND_WIDTH, layer * DIAMOND_WIDTH))
    raise ValueError(shape)


def top(shape: str, n: int) -> int:
    """The crate every root calls: it reaches all N crates."""
    return n - 1


def mid(shape: str, n: int) -> int:
    return n // 2


def crate_source(shape: str, i: int) -> str:
    name = crate_name(shape, i)
    ds = deps(shape, i)
    lines = [
        f"//! Benchmark crate {name} ({shape} graph): generic and non-generic items.",
        "use std::collections::HashMap;",
        "",
        f"pub struct Cell{i}<T> {{ pub v: T }}",
        "",
        f"pub trait Mix{i} {{ fn mix(&self, x: u64) -> u64; }}",
        "",
        f"impl<T: Copy + Into<u64>> Mix{i} for Cell{i}<T> {{",
        f"    fn mix(&self, x: u64) -> u64 {{ self.v.into().wrapping_mul(x | 1).rotate_left({i % 61 + 1}) }}",
        "}",
        "",
        f"pub fn fold{i}<T: Copy + Into<u64>>(seed: T, v: &[T]) -> u64 {{",
        "    v.iter().fold(seed.into(), |a, b| a.wrapping_mul(31).wrapping_add((*b).into()))",
        "}",
        "",
        f"pub fn table{i}(x: u64) -> u64 {{",
        "    let mut m: HashMap<u64, String> = HashMap::new();",
        f'    for k in 0..(x % 5 + 1) {{ m.insert(k, format!("{name}-{{}}", k)); }}',
        "    m.values().map(|s| s.len() as u64).sum()",
        "}",
        "",
        f"pub fn step{i}(x: u64) -> u64 {{",
        f"    let mut v: Vec<u64> = (0..x % 7 + 1).map(|k| k * {i + 1}).collect();",
        "    v.sort_unstable();",
        f"    let local = fold{i}(x as u32, &[1u32, 2, 3]) ^ Cell{i} {{ v: x as u16 }}.mix(x) ^ table{i}(x);",
    ]
    if ds:
        lines.append(f"    let below = match x % {len(ds)} {{")
        for n, j in enumerate(ds):
            dn = crate_name(shape, j)
            arm = f"{n}" if n < len(ds) - 1 else "_"
            lines.append(f"        {arm} => {dn}::step{j}(x / 2) ^ {dn}::fold{j}(x as u8, &[4u8, 5]) ^ {dn}::Mix{j}::mix(&{dn}::Cell{j} {{ v: x as u32 }}, x),")
        lines.append("    };")
    else:
        lines.append("    let below = 0u64;")
    lines += [
        "    local.wrapping_add(below).wrapping_add(v.iter().sum::<u64>())",
        "}",
        "",
        "#[no_mangle]",
        f"pub extern \"C\" fn {name}_api(x: u64) -> u64 {{ step{i}(x) }}",
        "",
    ]
    return "\n".join(lines)


def c_root(shape: str, n: int) -> str:
    t = crate_name(shape, top(shape, n))
    return f"""\
/* C root of the {shape} graph, N = {n}: calls the top crate. */
#include <stdint.h>
#include <stdio.h>
uint64_t {t}_api(uint64_t);
int main(int argc, char **argv) {{
    (void)argv;
    printf("%llu\\n", (unsigned long long){t}_api((uint64_t)argc + 40));
    return 0;
}}
"""


def cpp_root(shape: str, n: int, parts: int) -> str:
    t = crate_name(shape, top(shape, n))
    m = crate_name(shape, mid(shape, n))
    decls = "\n".join(f"unsigned long part_{p}(unsigned long);" for p in range(parts))
    table = ", ".join(f"part_{p}" for p in range(parts))
    return f"""\
// C++ root of the {shape} graph, N = {n}: the top and middle crates plus {parts} C++ objects.
#include <cstdint>
#include <cstdio>
extern "C" uint64_t {t}_api(uint64_t);
extern "C" uint64_t {m}_api(uint64_t);
{decls}
static unsigned long (*const parts[])(unsigned long) = {{{table}}};
int main(int argc, char **) {{
    unsigned long acc = 0;
    for (auto f : parts) acc += f(static_cast<unsigned long>(argc));
    std::printf("%llu %llu %lu\\n", (unsigned long long){t}_api(argc + 40), (unsigned long long){m}_api(argc + 40), acc);
    return 0;
}}
"""


def cpp_part(p: int) -> str:
    return f"""\
// C++ part object {p}: templates and the standard library, as C++ code has.
#include <map>
#include <string>
#include <vector>
namespace part{p} {{
template <typename T> struct Acc {{
    std::vector<T> v;
    T sum() const {{ T s{{}}; for (const auto &x : v) s += x; return s; }}
}};
}}
unsigned long part_{p}(unsigned long x) {{
    part{p}::Acc<unsigned long> a;
    for (unsigned long i = 0; i < x % 16 + 1; ++i) a.v.push_back(i * {p + 1});
    std::map<int, std::string> m;
    m[{p}] = std::to_string(x);
    return a.sum() + m[{p}].size();
}}
"""


def rust_root(shape: str, n: int) -> str:
    t = crate_name(shape, top(shape, n))
    ti = top(shape, n)
    return f"""\
// Rust root of the {shape} graph, N = {n}: the program a Rust binary would be.
fn main() {{
    let x = std::env::args().count() as u64 + 40;
    println!("{{}}", {t}::step{ti}(x));
}}
"""


def staticlib_root(shape: str, n: int, root: str) -> str:
    """The crate a C/C++ root links the staticlib way: its Rust deps + std."""
    used = [top(shape, n)] if root == "c" else sorted({top(shape, n), mid(shape, n)})
    body = "\n".join(f"extern crate {crate_name(shape, i)};" for i in used)
    return f"// Staticlib for the {root} root of the {shape} graph, N = {n}.\n{body}\n"


def staticlib_deps(shape: str, n: int, root: str) -> list[int]:
    return [top(shape, n)] if root == "c" else sorted({top(shape, n), mid(shape, n)})


NOOP_LINKER_C = r"""
/* A linker that links nothing: creates the -o file and exits 0.  Timing the
   wrapper with it isolates the wrapper's own cost from the link's.  With
   NOOP_LD_SLEEP_US it first sleeps that long: a link that takes as long as
   a real one without using the CPU, so what a wrapper adds around it (before
   the linker starts, after it ends) shows alone. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
int main(int argc, char **argv) {
    const char *sleep_us = getenv("NOOP_LD_SLEEP_US");
    if (sleep_us) usleep((useconds_t)atol(sleep_us));
    for (int i = 1; i + 1 < argc; i++)
        if (strcmp(argv[i], "-o") == 0) {
            int fd = open(argv[i + 1], O_WRONLY | O_CREAT | O_TRUNC, 0755);
            if (fd < 0) return 1;
            close(fd);
        }
    return 0;
}
"""
