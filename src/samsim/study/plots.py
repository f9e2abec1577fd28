"""Plots of a study: each outcome against each swept parameter, with its 95% intervals
(run-level: see :mod:`samsim.study.stats`).

One PNG per (outcome, swept parameter); when several parameters are swept, one line per
combination of the others. Drawn with matplotlib's Agg backend (no display needed).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

#: (column in the per-point summary, axis label); intervals are ``<column>_lo/_hi``.
OUTCOMES = (
    ("p_leak", "P(at least one leaker)"),
    ("leak_fraction", "leak fraction (leakers / threats)"),
    ("kill_fraction", "kill fraction (kills / threats)"),
    ("detect_fraction", "detected fraction"),
    ("mean_leaked", "leakers per run"),
    ("mean_killed", "kills per run"),
    ("mean_interceptors_fired_total", "interceptors fired per run"),
    ("interceptors_per_kill", "interceptors per kill"),
)


#: What each plotted outcome measured, for captions (``{runs}`` is filled in).
MEASURES = {
    "p_leak": "the fraction of the runs in which at least one threat reached an asset "
    "(Wilson 95% interval over runs)",
    "leak_fraction": "leakers over all threats of the runs (95% interval over runs, which "
    "respects the correlation of the threats inside a run)",
    "kill_fraction": "kills over all threats of the runs (95% interval over runs)",
    "detect_fraction": "threats detected over all threats of the runs (95% interval over runs)",
    "mean_leaked": "the mean number of threats per run that reached an asset (t interval "
    "over runs)",
    "mean_killed": "the mean number of threats killed per run (t interval over runs)",
    "mean_interceptors_fired_total": "the mean number of interceptors launched per run (t "
    "interval over runs)",
    "interceptors_per_kill": "all interceptors launched over all kills of the runs "
    "(cluster-robust 95% interval over runs)",
}


def measured(name: str) -> str:
    """What the outcome ``name`` of a study plot measured (a caption's sentence)."""
    if name.startswith("p_reach."):
        asset = name.split(".", 1)[1]
        return (
            f"the fraction of the runs in which at least one threat reached {asset} "
            "(Wilson 95% interval over runs)"
        )
    return MEASURES.get(name, name)


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.=-]+", "_", name)


def plot_summary(
    summary: pa.Table, sweep_paths: Sequence[str], out_dir: str | Path, title: str = ""
) -> list[Path]:
    """Write ``<outcome>__vs__<path>.png`` for each outcome and swept path.

    Parameters
    ----------
    summary : pyarrow.Table
        Per-point statistics (:func:`samsim.study.stats.summarize_results`).
    sweep_paths : sequence of str
        The swept columns; nothing is drawn without one.
    out_dir : path
        Folder for the PNGs (created).
    title : str
        Figure title prefix (the scenario name).

    Returns
    -------
    list of Path
        The files written.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if not sweep_paths or summary.num_rows == 0:
        return []
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    cols = summary.to_pydict()
    outcomes = list(OUTCOMES) + [
        (c, f"P(a leaker reaches {c.split('.', 1)[1]})")
        for c in summary.column_names
        if c.startswith("p_reach.") and not c.endswith(("_lo", "_hi"))
    ]
    written: list[Path] = []
    for x_path in sweep_paths:
        others = [p for p in sweep_paths if p != x_path]
        groups: dict[tuple[Any, ...], list[int]] = {}
        for i in range(summary.num_rows):
            groups.setdefault(tuple(cols[p][i] for p in others), []).append(i)
        x_values = cols[x_path]
        numeric = all(isinstance(v, int | float) and not isinstance(v, bool) for v in x_values)
        categories = list(dict.fromkeys(x_values)) if not numeric else []
        for name, label in outcomes:
            fig, ax = plt.subplots(figsize=(6.4, 4.2), dpi=110)
            for key, rows in groups.items():
                rows = sorted(
                    rows, key=lambda i: x_values[i] if numeric else categories.index(x_values[i])
                )
                x = np.array(
                    [x_values[i] if numeric else categories.index(x_values[i]) for i in rows],
                    dtype=float,
                )
                y = np.array([cols[name][i] for i in rows], dtype=float)
                lo = np.array([cols[f"{name}_lo"][i] for i in rows], dtype=float)
                hi = np.array([cols[f"{name}_hi"][i] for i in rows], dtype=float)
                err = np.vstack([np.clip(y - lo, 0, None), np.clip(hi - y, 0, None)])
                legend = ", ".join(
                    f"{p.rsplit('.', 1)[-1]}={v:g}"
                    if isinstance(v, float)
                    else f"{p.rsplit('.', 1)[-1]}={v}"
                    for p, v in zip(others, key, strict=True)
                )
                ax.errorbar(
                    x, y, yerr=np.nan_to_num(err), marker="o", capsize=3, label=legend or None
                )
            if numeric:
                finite = np.array([v for v in x_values], dtype=float)
                if finite.min() > 0 and finite.max() / finite.min() >= 10:
                    ax.set_xscale("log")
                elif all(isinstance(v, int) for v in x_values):
                    from matplotlib.ticker import MaxNLocator

                    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            else:
                ax.set_xticks(range(len(categories)), [str(c) for c in categories])
            if name.startswith("p_") or name.endswith("_fraction"):
                ax.set_ylim(-0.02, 1.02)
            ax.set_xlabel(x_path)
            ax.set_ylabel(label)
            ax.set_title(f"{title}: {label}" if title else label, fontsize=10)
            ax.grid(True, alpha=0.3)
            if others:
                ax.legend(fontsize=8)
            ax.text(
                0.99,
                0.01,
                "bars: 95% intervals over runs",
                transform=ax.transAxes,
                ha="right",
                va="bottom",
                fontsize=7,
                color="0.4",
            )
            fig.tight_layout()
            path = out / f"{_safe(name)}__vs__{_safe(x_path)}.png"
            fig.savefig(path)
            plt.close(fig)
            written.append(path)
    return written
