"""`rlib-v0 size --plot FILE.png|svg`: a bar chart of the largest owners.

matplotlib is optional (the `plot` extra); without it the verb says how to
get it, before anything is analysed or written."""

from __future__ import annotations

import os

from .errors import UserError
from .size import COLUMNS, SizeReport
from .size_report import top_owners

FORMATS = (".png", ".svg")
_COLOURS = {"text": "#4e79a7", "rodata": "#f28e2b", "data": "#59a14f", "bss": "#bab0ac"}


def check(path: str) -> None:
    """Refuse a plot we could not write, before the analysis runs."""
    ext = os.path.splitext(path)[1].lower()
    if ext not in FORMATS:
        raise UserError(f"--plot {path}: give a file name ending in .png or .svg")
    d = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(d):
        raise UserError(f"--plot {path}: directory {d} does not exist")
    if os.path.isdir(path):
        raise UserError(f"--plot {path}: is a directory")
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
    tmp = f"{path}.{os.getpid()}.tmp{os.path.splitext(path)[1]}"
    try:
        fig.savefig(tmp)
        os.replace(tmp, path)
    except OSError as e:
        raise UserError(f"--plot {path}: cannot write ({e.strerror})") from None
    finally:
        plt.close(fig)
        if os.path.exists(tmp):
            os.unlink(tmp)
