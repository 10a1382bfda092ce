"""`rlib-v0 size` output: the text tables, the comparison of two builds, JSON."""

from __future__ import annotations

from .size import COLUMNS, NO_SYMBOL, SizeReport

_HEAD = (".text", ".rodata", ".data", ".bss")


def _n(v: int) -> str:
    return f"{v:,}"


def _kb(v: int) -> str:
    return f"{v / 1000:,.1f} kB" if v < 10_000_000 else f"{v / 1e6:,.1f} MB"


def render(report: SizeReport, top: int) -> str:
    totals = report.column_totals()
    loaded = sum(totals.values())
    lines = [
        f"{report.path}: {_kb(report.file_size)} on disk, {_kb(loaded)} loaded ("
        + ", ".join(f"{h} {_kb(totals[c])}" for h, c in zip(_HEAD, COLUMNS))
        + f"); symbols from {report.symbol_table}"
    ]
    width = max([len(o.name) for o in report.owners[:top]] + [12])
    lines.append(f"  {'owner':<{width}} " + " ".join(f"{h:>11}" for h in _HEAD) + f" {'total':>11} {'share':>6}")
    shown = report.owners[:top]
    for o in shown:
        lines.append(f"  {o.name:<{width}} " + " ".join(f"{_n(o.bytes[c]):>11}" for c in COLUMNS) + f" {_n(o.total):>11} {100 * o.total / loaded if loaded else 0:5.1f}%")
    rest = report.owners[top:]
    if rest:
        sums = {c: sum(o.bytes[c] for o in rest) for c in COLUMNS}
        lines.append(f"  {f'({len(rest)} more)':<{width}} " + " ".join(f"{_n(sums[c]):>11}" for c in COLUMNS) + f" {_n(sum(sums.values())):>11} {100 * sum(sums.values()) / loaded if loaded else 0:5.1f}%")
    lines.append(f"  {'total':<{width}} " + " ".join(f"{_n(totals[c]):>11}" for c in COLUMNS) + f" {_n(loaded):>11}")
    many = [d for d in report.duplicates if d.copies > 1]
    if many:
        lines.append("  duplicates:")
        for d in many:
            lines.append(f"    {d.owner} is present {d.copies} times ({d.evidence}): {_n(d.repeated_bytes)} bytes in {d.repeated_symbols} repeated definitions, at least")
    else:
        lines.append("  duplicates: no crate is present twice")
    minor = [d for d in report.duplicates if d.copies == 1]
    if minor:
        lines.append("  repeated definitions (one copy of the crate; inline copies and the like): " + ", ".join(f"{d.owner} {_n(d.repeated_bytes)} B" for d in minor[:5]) + (f" and {len(minor) - 5} more" if len(minor) > 5 else ""))
    lines += [f"  note: {n}" for n in report.notes]
    return "\n".join(lines)


def render_compare(a: SizeReport, b: SizeReport, top: int) -> str:
    """Totals per owner in two builds, largest change first."""
    ta, tb = {o.name: o.total for o in a.owners}, {o.name: o.total for o in b.owners}
    names = sorted(set(ta) | set(tb), key=lambda n: (-abs(tb.get(n, 0) - ta.get(n, 0)), n))
    width = max([len(n) for n in names[:top]] + [12])
    sa, sb = sum(a.column_totals().values()), sum(b.column_totals().values())
    lines = [f"A: {a.path} ({_kb(sa)} loaded)", f"B: {b.path} ({_kb(sb)} loaded)", f"  {'owner':<{width}} {'A':>11} {'B':>11} {'B - A':>11}"]
    for n in names[:top]:
        x, y = ta.get(n, 0), tb.get(n, 0)
        lines.append(f"  {n:<{width}} {_n(x):>11} {_n(y):>11} {y - x:>+11,}")
    if len(names) > top:
        rest = names[top:]
        x, y = sum(ta.get(n, 0) for n in rest), sum(tb.get(n, 0) for n in rest)
        lines.append(f"  {f'({len(rest)} more)':<{width}} {_n(x):>11} {_n(y):>11} {y - x:>+11,}")
    lines.append(f"  {'total':<{width}} {_n(sa):>11} {_n(sb):>11} {sb - sa:>+11,}")
    for tag, r in (("A", a), ("B", b)):
        for d in r.duplicates:
            if d.copies > 1:
                lines.append(f"  {tag}: {d.owner} is present {d.copies} times ({d.evidence}): {_n(d.repeated_bytes)} bytes repeated, at least")
    return "\n".join(lines)


def compare_dict(a: SizeReport, b: SizeReport) -> dict:
    ta, tb = {o.name: o.to_dict() for o in a.owners}, {o.name: o.to_dict() for o in b.owners}
    rows = []
    for n in sorted(set(ta) | set(tb)):
        x, y = ta.get(n), tb.get(n)
        row = {"name": n}
        for c in COLUMNS + ("total",):
            row[c] = {"a": x[c] if x else 0, "b": y[c] if y else 0}
            row[c]["delta"] = row[c]["b"] - row[c]["a"]
        rows.append(row)
    rows.sort(key=lambda r: (-abs(r["total"]["delta"]), r["name"]))
    return {"a": a.to_dict(), "b": b.to_dict(), "owners": rows}


def top_owners(report: SizeReport, top: int) -> list:
    """The owners worth a bar: the largest, without the no-symbol bytes."""
    return [o for o in report.owners if o.name != NO_SYMBOL][:top]


def run(binaries: list[str], compare: list[str] | None, as_json: bool, plot: str | None, top: int) -> int:
    """The verb: analyse everything first (a bad input leaves no partial
    output), then print and plot."""
    import json

    from ..errors import UserError
    from .size import analyse

    if top < 1:
        raise UserError(f"--top {top}: give a positive number of rows")
    if compare and binaries:
        raise UserError("give either binaries or --compare A B, not both")
    if not compare and not binaries:
        raise UserError("name at least one binary (or --compare A B)")
    if plot:
        from . import size_plot

        size_plot.check(plot)
    reports = [analyse(p) for p in (compare or binaries)]
    if compare:
        a, b = reports
        print(json.dumps(compare_dict(a, b), indent=2) if as_json else render_compare(a, b, top))
    elif as_json:
        print(json.dumps([r.to_dict() for r in reports], indent=2))
    else:
        print("\n\n".join(render(r, top) for r in reports))
    if plot:
        size_plot.write(plot, reports)
    return 0
