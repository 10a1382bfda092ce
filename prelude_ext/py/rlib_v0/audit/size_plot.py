"""`rlib-v0 size --plot FILE.png|svg`: a bar chart of the largest owners.

matplotlib is optional (the `plot` extra); without it the verb says how to
get it, before anything is analysed or written."""

from __future__ import annotations

import os

from ..errors import UserError
from ..fsutil import atomic_path
from ..outputs import check_report_path
from .size import COLUMNS, SizeReport
from .size_report import top_owners

FORMATS = (".png", ".svg")
_COLOURS = {"text": "#4e79a7", "rodata": "#f28e2b", "data": "#59a14f", "bss": "#bab0ac"}


def check(path: str) -> None:
    """Refuse a plot we could not write, before the analysis runs."""
    check_report_path("--plot", path, FORMATS)
    _pyplot()


def _pyplot():
    try:
        import matplotlib
    except ImportError:
        raise UserError("--plot needs matplotlib: pip install 'rlib-v0[plot]' (or pip install matplotlib); the tables and --json work without it") from None
    matplotlib.use("Agg")  # files only, no display
    import matplotlib.pyplot as plt

    return plt


def write(path: str, reports: list[SizeReport], top: int = 15) -> None:
    """One horizontal stacked bar (text, rodata, data, bss) per owner; with
    several binaries, one panel each, on a shared scale."""
    plt = _pyplot()
    bars = [list(reversed(top_owners(r, top))) or [] for r in reports]
    rows = [max(len(b), 1) for b in bars]
    fig, axes = plt.subplots(len(reports), 1, figsize=(9, 0.3 * sum(rows) + 1.2 * len(reports) + 0.6), squeeze=False, sharex=True, gridspec_kw={"height_ratios": rows})
    for ax, r, owners in zip(axes[:, 0], reports, bars):
        labels = [o.name for o in owners]
        left = [0] * len(owners)
        for c in COLUMNS:
            vals = [o.bytes[c] / 1000 for o in owners]
            ax.barh(labels, vals, left=left, color=_COLOURS[c], label="." + c)
            left = [a + b for a, b in zip(left, vals)]
        ax.set_title(os.path.basename(r.path) + (" — " + ", ".join(f"{d.owner} ×{d.copies}" for d in r.duplicates if d.copies > 1) if any(d.copies > 1 for d in r.duplicates) else ""), fontsize=10)
        ax.tick_params(axis="y", labelsize=8)
    axes[0, 0].legend(loc="lower right", fontsize=8)
    axes[-1, 0].set_xlabel("kB (loaded sections)")
    fig.tight_layout()
    try:
        with atomic_path(path) as tmp:
            fig.savefig(tmp, format=os.path.splitext(path)[1][1:].lower())
    finally:
        plt.close(fig)
