"""`link --debug`: explain a failed link in crate terms.

Parses the undefined-symbol and multiple-definition errors of ld.bfd, gold,
lld and mold, then attributes each symbol with the archives' symbol indexes
(who defines it), the objects' undefined symbols (who needs it) and the
symbol's own mangled path (which crate it belongs to).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

from . import archive, elf
from .demangle import demangle, symbol_crates
from .linker_cmd import LinkCommand
from .plan import Plan
from .records import Record

# bfd: "undefined reference to `sym'"; gold: "undefined reference to 'sym'";
# lld and mold: "undefined symbol: sym".
_UNDEF = re.compile(r"undefined (?:reference to [`']([^'`]+)'|symbol: (\S+))")
# bfd/gold: "multiple definition of `sym'"; lld: "duplicate symbol: sym";
# mold: "duplicate symbol: a.o: b.o: sym".
_MULTI = re.compile(r"(?:multiple definition of [`']([^'`]+)'|duplicate symbol: (.+)$)", re.M)


@dataclass
class Provider:
    label: str  # "crate a (liba.rlib)" or "main.o"
    crate: str | None  # crate name for Rust archives
    path: str  # the input file
    defines: set[str] = field(default_factory=set)
    needs: set[str] = field(default_factory=set)


def parse_errors(text: str) -> tuple[list[str], list[str]]:
    undef: list[str] = []
    multi: list[str] = []
    for m in _UNDEF.finditer(text):
        s = m.group(1) or m.group(2)
        if s not in undef:
            undef.append(s)
    for m in _MULTI.finditer(text):
        s = m.group(1) or m.group(2).split(": ")[-1].strip()
        if s not in multi:
            multi.append(s)
    return undef, multi


def _providers(cmd: LinkCommand, plan: Plan) -> list[Provider]:
    out: list[Provider] = []
    rust = {i.arg_index: i for i in plan.crates}
    if plan.bundle:
        rust[plan.bundle.arg_index] = plan.bundle
    for i in cmd.inputs:
        path = cmd.argv[i]
        if not os.path.isfile(path):
            continue
        r = rust.get(i)
        label = f"crate {r.ident.crate} ({path})" if r and r.ident.kind == "rlib" else (f"the std bundle ({path})" if r else path)
        p = Provider(label, r.ident.crate if r else None, path)
        try:
            with open(path, "rb") as f:
                head = f.read(8)
                f.seek(0)
                if head == archive.MAGIC:
                    toc = archive.scan(path, f)
                    for m in toc.members:
                        data = toc.read(m, f)
                        if elf.is_elf(data):
                            _add_symbols(p, data, f"{path}({m.name})")
                elif head[:4] == elf.ELF_MAGIC:
                    _add_symbols(p, f.read(), path)
        except Exception:  # noqa: BLE001 - explanation is best effort; the link already failed
            continue
        out.append(p)
    return out


def _add_symbols(p: Provider, data: bytes, where: str) -> None:
    for s in elf.symbols(data, where):
        if not s.name:
            continue
        if s.defined and s.bind != elf.STB_LOCAL:
            p.defines.add(s.name)
        elif not s.defined:
            p.needs.add(s.name)


class Finding(Record):
    """One symbol the linker complained about, attributed to inputs."""

    __slots__ = ("kind", "symbol", "needers", "definers", "verdict", "missing_crate")

    def __init__(self, kind: str, symbol: str, needers: list[Provider], definers: list[Provider], verdict: str, missing_crate: str | None = None) -> None:
        self.kind = kind  # "undefined" or "multiple"
        self.symbol = symbol  # the mangled name, as the linker gave it
        self.needers = needers  # inputs that refer to it (undefined)
        self.definers = definers  # inputs that define it
        self.verdict = verdict  # the explanation's clause after the names
        self.missing_crate = missing_crate  # the crate that would define it, not on the line


def findings(linker_stderr: str, cmd: LinkCommand, plan: Plan) -> list[Finding]:
    """The linker's undefined and duplicate symbols, each with who needs and
    who defines it; empty if its errors name none."""
    undef, multi = parse_errors(linker_stderr)
    if not undef and not multi:
        return []
    provs = _providers(cmd, plan)
    on_line = {c.ident.crate for c in plan.crates}
    out: list[Finding] = []
    for s in undef:
        needers = [p for p in provs if s in p.needs]
        definers = [p for p in provs if s in p.defines]
        sc = symbol_crates(s)
        missing = None
        if definers:
            verdict = f"defined by {', '.join(p.label for p in definers)}, which comes too early for a one-pass linker or is excluded"
        elif sc.path_crate and sc.path_crate not in on_line and sc.path_crate not in ("core", "alloc", "std", "__rustc"):
            missing = sc.path_crate
            verdict = f"defined by crate {sc.path_crate}, which is not on the link line"
        elif sc.path_crate in ("core", "alloc", "std"):
            verdict = f"an instance of {sc.path_crate} generics that no crate on the link line defines: a crate that instantiates it is missing, or the std bundle does not match"
        else:
            verdict = "no crate in the link defines it"
        out.append(Finding("undefined", s, needers, definers, verdict, missing))
    for s in multi:
        definers = [p for p in provs if s in p.defines]
        out.append(Finding("multiple", s, [], definers, "two crates export the same #[no_mangle] name?" if not symbol_crates(s).path_crate else ""))
    return out


def explain(linker_stderr: str, cmd: LinkCommand, plan: Plan, found: list[Finding] | None = None) -> str:
    found = findings(linker_stderr, cmd, plan) if found is None else found
    if not found:
        return "rlib-v0: the linker failed, but its errors name no undefined or duplicate symbol to explain\n"
    lines = ["rlib-v0: explanation of the link failure, in crate terms:"]
    for f in found:
        if f.kind == "undefined":
            needers = ", ".join(p.label for p in f.needers) or "(unknown input)"
            lines.append(f"  undefined {demangle(f.symbol)}: needed by {needers}; {f.verdict}")
        else:
            lines.append(f"  {demangle(f.symbol)} is defined more than once: by {', '.join(p.label for p in f.definers) or 'inputs the wrapper cannot see'}" + (f" ({f.verdict})" if f.verdict else ""))
    return "\n".join(lines) + "\n"
