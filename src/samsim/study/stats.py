"""Study statistics: per sweep point means and Wilson score intervals for probabilities.

Probabilities estimated from runs (``P(leak >= 1)``, ``P(asset reached)``) are binomial in
the runs; fractions pooled over threats (leak fraction, kill fraction) are binomial in the
threats only if threats were independent, which saturation makes them not: their Wilson
interval is then too narrow, and the run-level probabilities are the safer summary.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from statistics import NormalDist
from typing import Any

import numpy as np
import pyarrow as pa
from numpy.typing import ArrayLike, NDArray


def wilson_interval(
    k: ArrayLike, n: ArrayLike, confidence: float = 0.95
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Wilson score interval of a binomial proportion ``k / n``.

    Parameters
    ----------
    k : array_like of int
        Successes.
    n : array_like of int
        Trials (broadcast with ``k``); where ``n == 0`` the interval is ``(nan, nan)``.
    confidence : float
        Two-sided coverage, in (0, 1).

    Returns
    -------
    (lower, upper) : ndarrays of float

    Notes
    -----
    With :math:`\\hat p = k/n` and :math:`z` the :math:`(1+c)/2` normal quantile,

    .. math:: \\frac{\\hat p + z^2/2n}{1 + z^2/n} \\pm
              \\frac{z}{1 + z^2/n}\\sqrt{\\frac{\\hat p(1-\\hat p)}{n} + \\frac{z^2}{4n^2}}

    Unlike the normal (Wald) interval it stays inside [0, 1] and keeps close to nominal
    coverage for small ``n`` and for ``p`` near 0 or 1 (``k = 0`` gives a lower bound of 0
    and a useful upper bound).

    References
    ----------
    E. B. Wilson, "Probable inference, the law of succession, and statistical inference",
    J. Amer. Statist. Assoc. 22 (1927) 209-212. L. D. Brown, T. T. Cai, A. DasGupta,
    "Interval estimation for a binomial proportion", Statist. Sci. 16 (2001) 101-133, eq. 4.
    """
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    k_arr = np.asarray(k, dtype=float)
    n_arr = np.asarray(n, dtype=float)
    if np.any(k_arr < 0) or np.any(n_arr < 0) or np.any(k_arr > n_arr):
        raise ValueError(f"need 0 <= k <= n, got k={k!r}, n={n!r}")
    z = NormalDist().inv_cdf(0.5 + confidence / 2.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k_arr / n_arr
        denom = 1.0 + z * z / n_arr
        centre = (p + z * z / (2.0 * n_arr)) / denom
        half = z / denom * np.sqrt(p * (1.0 - p) / n_arr + z * z / (4.0 * n_arr * n_arr))
    lower = np.where(k_arr == 0, 0.0, centre - half)
    upper = np.where(k_arr == n_arr, 1.0, centre + half)
    bad = n_arr == 0
    return np.where(bad, np.nan, lower), np.where(bad, np.nan, upper)


def mean_interval(
    values: NDArray[np.float64], confidence: float = 0.95
) -> tuple[float, float, float]:
    """Mean of ``values`` (NaN ignored) and its normal-approximation interval
    ``mean +- z s / sqrt(n)`` (``(nan, nan)`` with fewer than two values)."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if len(v) == 0:
        return np.nan, np.nan, np.nan
    m = float(v.mean())
    if len(v) < 2:
        return m, np.nan, np.nan
    z = NormalDist().inv_cdf(0.5 + confidence / 2.0)
    h = z * float(v.std(ddof=1)) / np.sqrt(len(v))
    return m, m - h, m + h


#: Per-run probabilities and pooled fractions reported for every sweep point:
#: (name, description).
PROBABILITIES = (
    ("p_leak", "P(at least one leaker), per run"),
    ("leak_fraction", "leakers / threats, pooled over runs"),
    ("kill_fraction", "kills / threats, pooled over runs"),
    ("detect_fraction", "threats detected / threats, pooled over runs"),
)


def summarize_results(
    results: pa.Table, sweep_paths: Sequence[str], confidence: float = 0.95
) -> pa.Table:
    """Per sweep point statistics of a study's results table.

    Parameters
    ----------
    results : pyarrow.Table
        One row per run (:func:`samsim.study.load_results`).
    sweep_paths : sequence of str
        The swept columns (kept in the output).
    confidence : float

    Returns
    -------
    pyarrow.Table
        One row per point: ``point``, the swept values, ``runs``; for each probability in
        :data:`PROBABILITIES` the estimate and its Wilson interval (``p_leak``,
        ``p_leak_lo``, ``p_leak_hi``, ...); ``p_reach.<asset>`` (with ``_lo``/``_hi``) for
        each asset; means with normal intervals of ``threats``, ``killed``, ``leaked``,
        ``interceptors_fired_total``; ``interceptors_per_kill`` (all launches / all kills);
        the mean of each threat type's median first-detection range; mean wall and CPU
        time per run.
    """
    cols = {
        name: results.column(name).to_numpy(zero_copy_only=False) for name in results.column_names
    }
    points = np.asarray(cols["point"], dtype=np.int64)
    assets = [c.split(".", 1)[1] for c in results.column_names if c.startswith("leaked_by_asset.")]
    det_cols = [
        c
        for c in results.column_names
        if c.startswith("first_detection_range_m.") and c.endswith(".median")
    ]
    rows: list[dict[str, Any]] = []
    for point in np.unique(points):
        sel = points == point
        n = int(sel.sum())
        first = int(np.flatnonzero(sel)[0])
        row: dict[str, Any] = {"point": int(point)}
        for p in sweep_paths:
            v = cols[p][first]
            row[p] = v.item() if hasattr(v, "item") else v
        row["runs"] = n
        threats = cols["threats"][sel].astype(np.int64)
        killed = cols["killed"][sel].astype(np.int64)
        leaked = cols["leaked"][sel].astype(np.int64)
        detected = cols["detected"][sel].astype(np.int64)
        fired = cols["interceptors_fired_total"][sel].astype(np.int64)
        counts = {
            "p_leak": (int((leaked >= 1).sum()), n),
            "leak_fraction": (int(leaked.sum()), int(threats.sum())),
            "kill_fraction": (int(killed.sum()), int(threats.sum())),
            "detect_fraction": (int(detected.sum()), int(threats.sum())),
        }
        for a in assets:
            hit = cols[f"leaked_by_asset.{a}"][sel].astype(np.int64)
            counts[f"p_reach.{a}"] = (int((hit >= 1).sum()), n)
        for name, (k, m) in counts.items():
            lo, hi = wilson_interval(k, m, confidence)
            row[name] = k / m if m else np.nan
            row[f"{name}_lo"] = float(lo)
            row[f"{name}_hi"] = float(hi)
        for name, values in (
            ("threats", threats),
            ("killed", killed),
            ("leaked", leaked),
            ("interceptors_fired_total", fired),
        ):
            mean, mlo, mhi = mean_interval(values.astype(float), confidence)
            row[f"mean_{name}"], row[f"mean_{name}_lo"], row[f"mean_{name}_hi"] = mean, mlo, mhi
        row["interceptors_per_kill"] = (
            float(fired.sum() / killed.sum()) if killed.sum() else math.nan
        )
        for c in det_cols:
            kind = c.split(".")[1]
            vals = cols[c][sel].astype(float)
            finite = vals[np.isfinite(vals)]
            row[f"mean_first_detection_km.{kind}"] = (
                float(finite.mean()) / 1000.0 if len(finite) else np.nan
            )
        row["mean_wall_time_s"] = float(np.mean(cols["wall_time_s"][sel]))
        cpu = cols["cpu_time_s"][sel].astype(float) if "cpu_time_s" in cols else np.zeros(0)
        cpu = cpu[np.isfinite(cpu)]
        row["mean_cpu_time_s"] = float(cpu.mean()) if len(cpu) else math.nan
        rows.append(row)
    return pa.Table.from_pylist(rows)
