"""`rlib-v0 link --plan-graph FILE.dot|svg`: the link plan as a picture.

Nodes: every crate linked (name, `-C metadata`, file), the std bundle, the
native static libraries placed after their crate, and every input dropped
as a duplicate (with why, pointing at the input kept instead). Edges: a
crate to its dependencies; crates without Rust dependencies to the bundle.
After a failed link, the inputs its explanation blames are coloured: red
for a symbol defined twice, orange for needing a symbol nobody provides in
time, and a dashed red node for a crate that would define it but is not on
the line. `.svg` is rendered by Graphviz's `dot`.

Imported only when the option is given: the link path stays lean.
"""

from __future__ import annotations

import os
import shutil
import subprocess

from ..demangle import demangle
from ..errors import UserError
from .explain import Finding
from ..fsutil import atomic_path, write_atomic
from ..outputs import check_report_path
from .plan import Plan

FORMATS = (".dot", ".svg")
_RED, _ORANGE, _CRATE, _BUNDLE, _NATIVE = "#f4a6a6", "#ffcc80", "#cfe2f3", "#d9d9d9", "#fff2cc"


def check(path: str) -> None:
    """Refuse a graph we could not write, before the link runs."""
    if check_report_path("--plan-graph", path, FORMATS) == ".svg" and shutil.which("dot") is None:
        raise UserError(f"--plan-graph {path}: rendering SVG needs Graphviz's `dot` (apt-get install graphviz); or write a .dot file")


def short_symbol(sym: str, limit: int = 60) -> str:
    text = demangle(sym)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _q(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def to_dot(plan: Plan, blame: list[Finding] | None = None) -> str:
    blame = blame or []
    ids: dict[str, str] = {}  # input path -> node id
    lines = ["digraph link_plan {", "  rankdir=TB;", '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=10];', '  edge [fontname="Helvetica", fontsize=9];']
    # Blame: per input path, what it is accused of.
    twice: dict[str, list[str]] = {}
    needs: dict[str, list[str]] = {}
    missing: dict[str, list[str]] = {}
    for f in blame:
        if f.kind == "multiple":
            for p in f.definers:
                twice.setdefault(p.path, []).append(f.symbol)
        elif f.kind == "undefined":
            for p in f.needers:
                needs.setdefault(p.path, []).append(f.symbol)
            if f.missing_crate:
                missing.setdefault(f.missing_crate, []).append(f.symbol)

    def accused(path: str) -> tuple[str | None, str]:
        if path in twice:
            return _RED, "\nalso defined elsewhere: " + ", ".join(short_symbol(s) for s in twice[path][:2]) + (" ..." if len(twice[path]) > 2 else "")
        if path in needs:
            return _ORANGE, "\nneeds, unresolved: " + ", ".join(short_symbol(s) for s in needs[path][:2]) + (" ..." if len(needs[path]) > 2 else "")
        return None, ""

    by_crate_id: dict[str, str] = {}
    for n, c in enumerate(plan.crates):
        node = f"crate{n}"
        ids[c.path] = node
        by_crate_id[c.ident.crate_id] = node
        colour, why = accused(c.path)
        meta = c.ident.metadata or "no -C metadata"
        label = f"{n + 1}. {c.ident.crate}\n{meta[:24]}\n{os.path.basename(c.path)}" + ("\n[whole-archive]" if c.whole_archive else "") + why
        lines.append(f"  {node} [label={_q(label)}, fillcolor={_q(colour or _CRATE)}];")
    if plan.bundle:
        b = plan.bundle.ident
        colour, why = accused(plan.bundle.path)
        ids[plan.bundle.path] = "bundle"
        label = f"std bundle ({b.crate})\npanic={b.panic}, {b.target}\nrustc {b.rustc_release}\n{os.path.basename(plan.bundle.path)}" + why
        lines.append(f"  bundle [label={_q(label)}, shape=cylinder, fillcolor={_q(colour or _BUNDLE)}];")
    for n, c in enumerate(plan.crates):
        deps = [by_crate_id[d.crate_id] for d in c.ident.deps if d.crate_id in by_crate_id]
        for d in dict.fromkeys(deps):
            lines.append(f"  crate{n} -> {d};")
        if not deps and plan.bundle:
            lines.append(f"  crate{n} -> bundle [style=dashed, color=gray50];")
    k = 0
    for n, libs in sorted(plan.native_static.items()):
        for path, whole in libs:
            node = f"native{k}"
            k += 1
            ids.setdefault(path, node)
            colour, why = accused(path)
            label = f"native {os.path.basename(path)}" + (" [whole-archive]" if whole else "") + why
            lines.append(f"  {node} [label={_q(label)}, shape=note, fillcolor={_q(colour or _NATIVE)}];")
            lines.append(f'  crate{n} -> {node} [label="after", style=dashed];')
    if plan.native_libs:
        label = "system libraries\n" + " ".join(plan.native_libs)
        lines.append(f"  system [label={_q(label)}, shape=note, fillcolor={_q(_NATIVE)}];")
        lines.append("  bundle -> system [style=dashed];" if plan.bundle else "")
    for n, d in enumerate(plan.dropped):
        kept = ids.get(d.kept)
        label = f"dropped {os.path.basename(d.path)}\n{d.reason}"
        lines.append(f"  dropped{n} [label={_q(label)}, style=\"rounded,dashed\", fillcolor=white, fontcolor=gray30];")
        if kept:
            lines.append(f'  dropped{n} -> {kept} [style=dotted, label="kept instead"];')
    # Inputs that are not Rust but are blamed (main.o needing a symbol...).
    other = [p for p in list(twice) + list(needs) if p not in ids]
    for n, path in enumerate(dict.fromkeys(other)):
        colour, why = accused(path)
        lines.append(f"  input{n} [label={_q(os.path.basename(path) + why)}, shape=component, fillcolor={_q(colour or 'white')}];")
    for n, (crate, syms) in enumerate(sorted(missing.items())):
        label = f"crate {crate}\nnot on the link line\ndefines: " + ", ".join(short_symbol(s) for s in syms[:2])
        lines.append(f"  missing{n} [label={_q(label)}, style=\"rounded,dashed\", color=red, fillcolor=white];")
    if blame:
        lines.append('  subgraph cluster_legend { label="the link failed"; fontsize=10; style=dashed;')
        lines.append(f'    legend_red [label="defines a symbol another input defines too", fillcolor={_q(_RED)}]; legend_orange [label="needs a symbol nobody provides in time", fillcolor={_q(_ORANGE)}]; }}')
    lines.append("}")
    return "\n".join(ln for ln in lines if ln) + "\n"


def write(path: str, dot_text: str) -> None:
    """Write FILE.dot, or render FILE.svg with `dot` (atomically, either way)."""
    if not path.lower().endswith(".svg"):
        write_atomic(path, dot_text)
        return
    with atomic_path(path) as tmp:
        try:
            p = subprocess.run(["dot", "-Tsvg", "-o", tmp], input=dot_text, capture_output=True, text=True, timeout=600)
        except FileNotFoundError:
            raise UserError(f"--plan-graph {path}: Graphviz's `dot` not found (apt-get install graphviz)") from None
        if p.returncode != 0:
            raise UserError(f"--plan-graph {path}: dot failed ({' '.join(p.stderr.split())[:300]})")
