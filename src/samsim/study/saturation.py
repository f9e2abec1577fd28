"""Saturation curves: raids of growing size built from the scenario's own raid, run as an
adaptive study, and the break point where P(at least one leaker) crosses 0.5.

The raid of size N keeps the scenario's groups of one threat type -- their routes,
targets, launch times and the width and duration of each group -- and gives them N
threats in all, shared in proportion to their counts (largest remainders). With
``spacing="density"`` (the default) a group of more members is denser: its members are
spaced so that the group still spans the same width and the same time as in the scenario
(a saturation raid). With ``spacing="stream"`` each member keeps the scenario's interval
and lateral spread, so a larger group is longer and wider. The other groups are
unchanged.

The study is adaptive (:class:`Saturation`): a first round runs a few sizes spread
geometrically over the range; each later round spends its runs where the answer is
uncertain -- a new size at the estimated crossing while the break point's bracket is
wider than the resolution, more runs at the size nearest the crossing whose interval
still straddles 0.5, and more runs where the curve's interval is widest -- until the
break point is resolved or the run budget is spent. Every decision depends only on the
results of the runs planned before it, so a killed study resumes exactly
(:mod:`samsim.study.design`).
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pyarrow as pa
from numpy.typing import ArrayLike

from samsim.scenario.models import RaidGroup, Scenario
from samsim.study.design import DesignPoint, design_results
from samsim.study.stats import mean_interval, ratio_interval, wilson_interval
from samsim.study.sweep import StudyError

Spacing = Literal["density", "stream"]
SPACINGS = ("density", "stream")

#: Sizes in the first round (geometric over the range, ends included).
INITIAL_SIZES = 5
#: A size gets at most this many steps of runs (bounds the repeated looks at one size).
MAX_STEPS_PER_SIZE = 8
#: The curve's intervals are refined while wider than this (P(leak >= 1), 95 %).
CURVE_WIDTH = 0.35


# -- sizes and raids ----------------------------------------------------------------------


@dataclass(frozen=True)
class Sizes:
    """The raid sizes a saturation study may run: a range ``low..high`` (any size inside
    may be chosen) or an explicit list (only those)."""

    low: int
    high: int
    explicit: tuple[int, ...] | None = None

    def to_json(self) -> dict[str, Any]:
        return {"low": self.low, "high": self.high, "explicit": self.explicit}

    def initial(self) -> list[int]:
        """The first round's sizes."""
        if self.explicit is not None:
            return list(self.explicit)
        n = min(INITIAL_SIZES, self.high - self.low + 1)
        grid = np.geomspace(self.low, self.high, n)
        return sorted({self.low, self.high, *(round(float(g)) for g in grid)})


def parse_sizes(sizes: str | Sequence[int]) -> Sizes:
    """``"4:200"`` (a range), ``"4,8,16,32"`` or a list of ints (explicit sizes).

    Raises
    ------
    StudyError
        For anything else, naming the accepted forms.
    """
    fix = "write --sizes LOW:HIGH (e.g. 4:200) or a list SIZE,SIZE,... (e.g. 4,8,16,32)"
    if isinstance(sizes, str):
        text = sizes.strip()
        m = re.fullmatch(r"(\d+)\s*:\s*(\d+)", text)
        if m:
            low, high = int(m.group(1)), int(m.group(2))
            if low < 1 or high <= low:
                raise StudyError(f"--sizes {sizes!r}: need 1 <= LOW < HIGH; {fix}")
            return Sizes(low, high)
        items = [t.strip() for t in text.split(",")]
        if not items or not all(re.fullmatch(r"\d+", t) for t in items):
            raise StudyError(f"--sizes {sizes!r} is not a range or a list of sizes; {fix}")
        values = [int(t) for t in items]
    else:
        try:
            values = [int(v) for v in sizes]
        except (TypeError, ValueError):
            raise StudyError(f"sizes {sizes!r} is not a range or a list of sizes; {fix}") from None
    if len(values) < 2 or min(values) < 1 or len(set(values)) != len(values):
        raise StudyError(f"sizes {sizes!r}: give at least two different sizes >= 1; {fix}")
    ordered = tuple(sorted(values))
    return Sizes(ordered[0], ordered[-1], ordered)


def raid_groups(scenario: Scenario, threat: str) -> list[str]:
    """The raid groups of threat type ``threat`` (a key of the scenario's ``threats``, or
    a catalogue type that exactly one of them uses).

    Raises
    ------
    StudyError
        When no group flies that threat, listing the threat types of the raid.
    """
    keys = {threat} if threat in scenario.threats else set()
    if not keys:
        keys = {k for k, t in scenario.threats.items() if t.type == threat}
    groups = [g for g, body in scenario.raid.items() if body.threat in keys]
    if not groups:
        counts: dict[str, int] = {}
        for body in scenario.raid.values():
            counts[body.threat] = counts.get(body.threat, 0) + body.count
        listed = ", ".join(f"{t} ({n} in the raid)" for t, n in sorted(counts.items()))
        raise StudyError(
            f"--threat {threat!r}: no raid group of the scenario flies it; use one of the "
            f"threat types of its raid: {listed or 'none (the raid is empty)'}"
        )
    if sum(scenario.raid[g].count for g in groups) < 1:
        raise StudyError(
            f"--threat {threat!r}: its raid groups ({', '.join(groups)}) have no members to "
            "scale; give one of them a count >= 1 in the scenario"
        )
    return groups


def share(counts: Sequence[int], total: int) -> list[int]:
    """Split ``total`` over groups in proportion to ``counts`` (largest remainders; ties
    to the earlier group), so every size is reached exactly."""
    base = sum(counts)
    exact = [total * c / base for c in counts]
    out = [math.floor(x) for x in exact]
    rest = total - sum(out)
    order = sorted(range(len(counts)), key=lambda i: (-(exact[i] - out[i]), i))
    for i in order[:rest]:
        out[i] += 1
    return out


def scale_raid(
    scenario: Scenario, threat: str, size: int, spacing: Spacing = "density"
) -> Scenario:
    """The scenario with ``size`` threats of type ``threat`` in its raid (see the module
    docstring for how the groups are scaled).

    Raises
    ------
    StudyError
        Unknown threat or spacing; a group of one member without interval or spread
        (its copies would fly on top of one another).
    """
    if spacing not in SPACINGS:
        raise StudyError(f"spacing must be one of {', '.join(SPACINGS)}, got {spacing!r}")
    if isinstance(size, bool) or not isinstance(size, int) or size < 0:
        raise StudyError(f"a raid size must be a whole number >= 0, got {size!r}")
    groups = raid_groups(scenario, threat)
    counts = [scenario.raid[g].count for g in groups]
    new_counts = share(counts, size)
    raid = dict(scenario.raid)
    for g, old, new in zip(groups, counts, new_counts, strict=True):
        body: RaidGroup = scenario.raid[g]
        update: dict[str, Any] = {"count": new}
        if new >= 2 and old <= 1 and body.interval == 0 and body.spread == 0:
            raise StudyError(
                f"raid group {g!r} has {old} member and neither interval nor spread, so its "
                f"{new} copies would fly on top of one another; give it an interval or a "
                "spread in the scenario"
            )
        if spacing == "density" and old >= 2 and new >= 2:
            factor = (old - 1) / (new - 1)
            update["interval"] = body.interval * factor
            update["spread"] = body.spread * factor
        raid[g] = body.model_copy(update=update)
    return scenario.model_copy(update={"raid": raid})


# -- the break point ----------------------------------------------------------------------


def isotonic(y: ArrayLike, w: ArrayLike) -> list[float]:
    """Non-decreasing least-squares fit of ``y`` with weights ``w`` (pool adjacent
    violators; Barlow et al., Statistical Inference under Order Restrictions, 1972)."""
    blocks: list[list[float]] = []  # [value, weight, length]
    for yi, wi in zip(np.ravel(y), np.ravel(w), strict=True):
        blocks.append([float(yi), float(wi), 1.0])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            v2, w2, n2 = blocks.pop()
            v1, w1, n1 = blocks.pop()
            wt = w1 + w2
            blocks.append([(v1 * w1 + v2 * w2) / wt if wt else (v1 + v2) / 2, wt, n1 + n2])
    out: list[float] = []
    for v, _, n in blocks:
        out += [v] * int(n)
    return out


@dataclass(frozen=True)
class BreakPoint:
    """Where P(at least one leaker) crosses 0.5.

    Attributes
    ----------
    status : str
        ``"found"`` (the curve crosses 0.5 between two sizes run), ``"above"`` (below 0.5
        at every size run: the break point is beyond the largest) or ``"below"`` (0.5 or
        more already at the smallest size).
    estimate : float or None
        The raid size where the monotone (isotonic) fit of the curve crosses 0.5, by
        linear interpolation between the two sizes around it.
    lower, upper : int or None
        Its interval: ``lower - 1`` is the largest size run whose P(leak >= 1) is below 0.5
        with the study's confidence (one-sided), ``upper`` the smallest size above 0.5;
        None where no size run is (the bound is then beyond the sizes run).
    confidence : float
    """

    status: str
    estimate: float | None
    lower: int | None
    upper: int | None
    confidence: float

    def describe(self, low: int, high: int) -> str:
        """One sentence for people."""
        pct = f"{100 * self.confidence:g} %"
        lo = f"{self.lower}" if self.lower is not None else f"<= {low}"
        hi = f"{self.upper}" if self.upper is not None else f"> {high}"
        if self.status == "found" and self.estimate is not None:
            return (
                f"break point: P(at least one leaker) crosses 0.5 at a raid of about "
                f"{self.estimate:.1f} (the first size at or above 0.5 lies in [{lo}, {hi}], "
                f"{pct})"
            )
        if self.status == "above":
            return (
                f"no break point up to {high}: P(at least one leaker) stays below 0.5 at every "
                f"size run (the first size at or above 0.5 is at least {lo}, {pct})"
            )
        return (
            f"break point at or below {low}: P(at least one leaker) is 0.5 or more already "
            f"at the smallest size run (first size at or above 0.5 in [{lo}, {hi}], {pct})"
        )


def locate_break_point(
    observed: Mapping[int, tuple[int, int]], confidence: float = 0.95
) -> BreakPoint:
    """The break point from ``{size: (runs, runs with a leaker)}``.

    Notes
    -----
    P(leak >= 1) is binomial in the runs at each size; sizes run are tested against 0.5
    with their Wilson intervals (each bound a one-sided test at ``(1 + confidence) / 2``),
    and monotonicity in the raid size gives the bracket: the break point -- the smallest
    size where P(leak >= 1) >= 0.5 -- lies above every size confidently below 0.5 and at
    or below every size confidently above. The point estimate interpolates the isotonic
    fit. The bracket's coverage under the adaptive design is checked by simulation in
    ``tests/study/test_saturation.py``.
    """
    sizes = sorted(s for s, (m, _) in observed.items() if m > 0)
    if not sizes:
        return BreakPoint("above", None, None, None, confidence)
    runs = np.array([observed[s][0] for s in sizes], dtype=float)
    leaks = np.array([observed[s][1] for s in sizes], dtype=float)
    lo, hi = wilson_interval(leaks, runs, confidence)
    upper = next((s for s, b in zip(sizes, lo, strict=True) if b > 0.5), None)
    below = [s for s, b in zip(sizes, hi, strict=True) if b < 0.5 and (upper is None or s < upper)]
    lower = max(below) + 1 if below else None
    fit = isotonic(leaks / runs, runs)
    first = next((i for i, p in enumerate(fit) if p >= 0.5), None)
    if first is None:
        return BreakPoint("above", None, lower, upper, confidence)
    if first == 0:
        return BreakPoint("below", None, lower, upper, confidence)
    s0, s1, p0, p1 = sizes[first - 1], sizes[first], fit[first - 1], fit[first]
    est = s0 + (0.5 - p0) / (p1 - p0) * (s1 - s0) if p1 > p0 else float(s1)
    return BreakPoint("found", float(est), lower, upper, confidence)


# -- the adaptive design ------------------------------------------------------------------


def next_allocation(
    observed: Mapping[int, tuple[int, int]],
    wanted: Mapping[int, int],
    sizes: Sizes,
    step: int,
    max_runs: int,
    resolution: float,
    confidence: float = 0.95,
) -> dict[int, int] | None:
    """The runs each size should have after the next round, or None when done.

    Parameters
    ----------
    observed : mapping
        ``{size: (runs, runs with a leaker)}`` of every size planned so far (complete).
    wanted : mapping
        ``{size: runs}`` planned so far.
    sizes : Sizes
    step : int
        Runs added to a size by one action (and a new size's first runs).
    max_runs : int
        The study's budget of runs.
    resolution : float
        The break point is resolved when its bracket is at most
        ``max(1, resolution * estimate)`` sizes wide.

    Notes
    -----
    Actions, in order, each worth ``step`` runs (the last trimmed to the budget):

    1. while the break point's bracket is wider than the resolution, on each side of the
       estimated crossing: a new size halfway between the crossing and the bracket's end
       (bisection, in a range study, when no size run is that close), or else more runs
       at the outermost size on that side whose interval still straddles 0.5 -- the
       bracket narrows when a size is shown to be below (or above) 0.5;
    2. when the curve does not cross 0.5 in the sizes run, more runs at the largest (or
       smallest) size while its interval still reaches 0.5;
    3. more runs at the size whose P(leak >= 1) interval is widest, while wider than
       :data:`CURVE_WIDTH`.

    No size gets more than :data:`MAX_STEPS_PER_SIZE` steps of runs.
    """
    total = sum(wanted.values())
    if total >= max_runs:
        return None
    cap = MAX_STEPS_PER_SIZE * step
    bp = locate_break_point(observed, confidence)
    tested = sorted(observed)
    runs = {s: observed[s][0] for s in tested}
    lo, hi = wilson_interval(
        np.array([observed[s][1] for s in tested], dtype=float),
        np.array([runs[s] for s in tested], dtype=float),
        confidence,
    )
    interval = {s: (float(a), float(b)) for s, a, b in zip(tested, lo, hi, strict=True)}
    actions: list[int] = []

    def add(size: int) -> None:
        if size not in actions and wanted.get(size, 0) + step <= cap:
            actions.append(size)

    below = bp.lower - 1 if bp.lower is not None else None  # largest size surely below
    above = bp.upper  # smallest size surely above
    if bp.status == "found" and bp.estimate is not None:
        est = bp.estimate
        width = max(1.0, resolution * est)
        if below is None or above is None or above - below > width:
            straddling = [s for s in tested if interval[s][0] <= 0.5 <= interval[s][1]]
            for side in ("below", "above"):
                if side == "below":
                    bound = below if below is not None else sizes.low
                    cands = [s for s in straddling if s < est and (below is None or s > below)]
                    outermost = min(cands) if cands else None
                else:
                    bound = above if above is not None else sizes.high
                    cands = [s for s in straddling if s >= est and (above is None or s < above)]
                    outermost = max(cands) if cands else None
                mid = round((bound + est) / 2.0)
                fresh = (
                    sizes.explicit is None
                    and min(bound, est) < mid < max(bound, est)
                    and mid not in runs
                    and min(abs(mid - s) for s in tested) > width / 2.0
                )
                if fresh:
                    add(mid)
                elif outermost is not None:
                    add(outermost)
    elif bp.status == "above" and interval[tested[-1]][1] >= 0.5:
        add(tested[-1])
    elif bp.status == "below" and interval[tested[0]][0] <= 0.5:
        add(tested[0])
    widths = sorted(
        ((interval[s][1] - interval[s][0], -s) for s in tested if s not in actions), reverse=True
    )
    for w, neg in widths:
        if w <= CURVE_WIDTH:
            break
        if wanted.get(-neg, 0) + step <= cap:
            add(-neg)
            break
    if not actions:
        return None
    out = dict(wanted)
    budget = max_runs - total
    for s in actions:
        extra = min(step, budget)
        if extra <= 0:
            break
        out[s] = out.get(s, 0) + extra
        budget -= extra
    return out


class Saturation:
    """The adaptive saturation design (see the module docstring)."""

    kind = "saturation"

    def __init__(
        self,
        scenario: Scenario,
        threat: str,
        sizes: str | Sequence[int] | Sizes = "4:200",
        *,
        runs: int = 10,
        max_runs: int = 200,
        spacing: Spacing = "density",
        resolution: float = 0.1,
        confidence: float = 0.95,
    ) -> None:
        if isinstance(runs, bool) or not isinstance(runs, int) or runs < 2:
            raise StudyError(f"runs (per size and step) must be a whole number >= 2, got {runs!r}")
        if isinstance(max_runs, bool) or not isinstance(max_runs, int) or max_runs < 1:
            raise StudyError(f"max_runs must be a whole number >= 1, got {max_runs!r}")
        if not 0.0 < resolution < 1.0:
            raise StudyError(f"resolution must be in (0, 1), got {resolution!r}")
        if not 0.0 < confidence < 1.0:
            raise StudyError(f"confidence must be in (0, 1), got {confidence!r}")
        self.scenario = scenario
        self.sizes = sizes if isinstance(sizes, Sizes) else parse_sizes(sizes)
        self.threat = threat
        self.groups = raid_groups(scenario, threat)
        self.spacing: Spacing = spacing
        scale_raid(scenario, threat, self.sizes.low, spacing)  # check the spacing and groups
        self.step = runs
        self.max_runs = max_runs
        self.resolution = resolution
        self.confidence = confidence
        self._wanted: dict[int, int] = {}
        self._points: dict[int, DesignPoint] = {}

    def spec(self) -> dict[str, Any]:
        return {
            "threat": self.threat,
            "groups": self.groups,
            "sizes": self.sizes.to_json(),
            "spacing": self.spacing,
            "runs": self.step,
            "resolution": self.resolution,
            "confidence": self.confidence,
        }

    def columns(self) -> list[tuple[str, Sequence[Any]]]:
        return [("raid_size", [self.sizes.low])]

    def point(self, size: int) -> DesignPoint:
        if size not in self._points:
            sc = scale_raid(self.scenario, self.threat, size, self.spacing)
            self._points[size] = DesignPoint(("raid_size", size), {"raid_size": size}, sc)
        return self._points[size]

    def next_round(self, results: pa.Table | None) -> list[tuple[DesignPoint, int]] | None:
        if results is None:
            wanted: dict[int, int] | None = {}
            budget = self.max_runs
            for s in self.sizes.initial():
                n = min(self.step, budget)
                if n <= 0:
                    break
                wanted[s] = n  # type: ignore[index]
                budget -= n
        else:
            wanted = next_allocation(
                observed(results),
                self._wanted,
                self.sizes,
                self.step,
                self.max_runs,
                self.resolution,
                self.confidence,
            )
        if not wanted:
            return None
        self._wanted = wanted
        return [(self.point(s), n) for s, n in sorted(wanted.items())]


def point_scenario(base: Scenario, spec: dict[str, Any], columns: dict[str, Any]) -> Scenario:
    """The scenario of a saturation study's point, rebuilt from its manifest (``spec``
    is the manifest's design, ``columns`` the point's values)."""
    return scale_raid(base, str(spec["threat"]), int(columns["raid_size"]), spec["spacing"])


def observed(results: pa.Table) -> dict[int, tuple[int, int]]:
    """``{raid size: (runs, runs with at least one leaker)}``."""
    size = results.column("raid_size").to_numpy()
    leaked = results.column("leaked").to_numpy()
    out: dict[int, tuple[int, int]] = {}
    for s in np.unique(size):
        sel = size == s
        out[int(s)] = (int(sel.sum()), int((leaked[sel] >= 1).sum()))
    return out


# -- the answer ---------------------------------------------------------------------------


def saturation_table(results: pa.Table, confidence: float = 0.95) -> pa.Table:
    """One row per raid size: runs; leakers per run, P(at least one leaker), interceptors
    fired per run and interceptors per kill, each with its interval over runs
    (``*_lo``/``*_hi``); kills per run. The break point (:func:`locate_break_point`) is in
    the schema metadata (``break_point``, JSON)."""
    size = results.column("raid_size").to_numpy()
    cols = {
        c: results.column(c).to_numpy().astype(float)
        for c in ("leaked", "killed", "interceptors_fired_total", "threats")
    }
    rows: list[dict[str, Any]] = []
    for s in np.unique(size):
        sel = size == s
        n = int(sel.sum())
        leaked = cols["leaked"][sel]
        k = int((leaked >= 1).sum())
        plo, phi = wilson_interval(k, n, confidence)
        row: dict[str, Any] = {"raid_size": int(s), "runs": n}
        row["threats"] = float(cols["threats"][sel].mean())
        for name, values in (
            ("leaked", leaked),
            ("killed", cols["killed"][sel]),
            ("fired", cols["interceptors_fired_total"][sel]),
        ):
            m, lo, hi = mean_interval(values, confidence, floor=0.0)  # counts
            row[f"mean_{name}"], row[f"mean_{name}_lo"], row[f"mean_{name}_hi"] = m, lo, hi
        row["p_leak"], row["p_leak_lo"], row["p_leak_hi"] = k / n, float(plo), float(phi)
        r, rlo, rhi = ratio_interval(
            cols["interceptors_fired_total"][sel], cols["killed"][sel], confidence
        )
        row["interceptors_per_kill"], row["interceptors_per_kill_lo"] = r, rlo
        row["interceptors_per_kill_hi"] = rhi
        rows.append(row)
    table = pa.Table.from_pylist(rows)
    bp = locate_break_point(observed(results), confidence)
    return table.replace_schema_metadata({"break_point": json.dumps(asdict(bp))})


def break_point(table: pa.Table) -> BreakPoint:
    """The break point stored with a :func:`saturation_table` (or ``samsim.saturate``)."""
    meta = table.schema.metadata or {}
    raw = meta.get(b"break_point")
    if raw is None:
        raise StudyError("this table has no break point: make it with saturation_table")
    return BreakPoint(**json.loads(raw))


PANELS = (
    ("mean_leaked", "leakers per run"),
    ("p_leak", "P(at least one leaker)"),
    ("mean_fired", "interceptors fired per run"),
    ("interceptors_per_kill", "interceptors per kill"),
)


def plot_saturation(
    table: pa.Table, out_dir: str | Path, title: str = "", threat: str = ""
) -> list[Path]:
    """``saturation.png``: the four curves against raid size with their 95 % intervals,
    the break point and its interval marked on P(at least one leaker)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if table.num_rows == 0:
        return []
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    cols = table.to_pydict()
    x = np.array(cols["raid_size"], dtype=float)
    bp = break_point(table)
    fig, axes = plt.subplots(2, 2, figsize=(9.6, 6.8), dpi=110, sharex=True)
    for ax, (name, label) in zip(axes.flat, PANELS, strict=True):
        y = np.array(cols[name], dtype=float)
        lo = np.array(cols[f"{name}_lo"], dtype=float)
        hi = np.array(cols[f"{name}_hi"], dtype=float)
        err = np.nan_to_num(np.vstack([np.clip(y - lo, 0, None), np.clip(hi - y, 0, None)]))
        ax.errorbar(x, y, yerr=err, marker="o", ms=4, capsize=3, lw=1.2)
        if name == "p_leak":
            for xi, n in zip(x, cols["runs"], strict=True):
                ax.annotate(
                    str(n),
                    (xi, 1.0),
                    textcoords="offset points",
                    xytext=(0, 2),
                    ha="center",
                    fontsize=6,
                    color="0.45",
                )
            ax.set_ylim(-0.02, 1.08)
            ax.axhline(0.5, color="0.6", lw=0.8, ls=":")
            if bp.estimate is not None:
                ax.axvline(bp.estimate, color="#d7301f", lw=1.0)
            if bp.lower is not None or bp.upper is not None:
                a = bp.lower - 0.5 if bp.lower is not None else x.min()
                b = bp.upper + 0.5 if bp.upper is not None else x.max()
                ax.axvspan(a, b, color="#d7301f", alpha=0.12, lw=0)
        ax.set_ylabel(label)
        ax.grid(True, alpha=0.3)
        if x.min() > 0 and x.max() / x.min() >= 10:
            from matplotlib.ticker import LogLocator, NullFormatter, ScalarFormatter

            ax.set_xscale("log")
            ax.xaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
            ax.xaxis.set_major_formatter(ScalarFormatter())
            ax.xaxis.set_minor_formatter(NullFormatter())
    for ax in axes[1]:
        ax.set_xlabel(f"raid size ({threat})" if threat else "raid size")
    head = f"{title}: saturation" if title else "saturation"
    fig.suptitle(head, fontsize=11)
    fig.text(
        0.99,
        0.005,
        "bars: 95% intervals over runs; numbers: runs per size; red: break point and its interval",
        ha="right",
        va="bottom",
        fontsize=7,
        color="0.4",
    )
    fig.tight_layout(rect=(0, 0.02, 1, 0.97))
    path = out / "saturation.png"
    fig.savefig(path)
    plt.close(fig)
    return [path]


def saturate(
    scenario: Scenario | str | os.PathLike[str],
    threat: str,
    sizes: str | Sequence[int] = "4:200",
    *,
    runs: int = 10,
    max_runs: int = 200,
    spacing: Spacing = "density",
    resolution: float = 0.1,
    confidence: float = 0.95,
    out: str | os.PathLike[str] | None = None,
    workers: int | None = None,
    scheduler: Any = None,
    first_seed: int = 0,
    batch_size: int | None = None,
    progress: bool = False,
    runner: Any = None,
) -> pa.Table:
    """Saturation curve of ``scenario`` against raids of ``threat`` (an adaptive study).

    Parameters
    ----------
    scenario : Scenario or path
    threat : str
        A threat type of the scenario's raid (a key under ``threats``, or a catalogue type
        used by exactly one of them).
    sizes : str or sequence of int
        ``"LOW:HIGH"`` (the design chooses sizes inside) or explicit sizes.
    runs : int
        Runs per new size and per refinement step (seeds ``first_seed ..``: common random
        numbers across sizes).
    max_runs : int
        Budget of runs for the whole study.
    spacing : {"density", "stream"}
        How a group grows (module docstring).
    resolution : float
        Target width of the break point's bracket, relative to the raid size.
    confidence : float
    out : path, optional
        Study folder (resumable; rerun with the same arguments, any ``max_runs``); a
        temporary folder when omitted.
    workers, scheduler, first_seed, batch_size, progress, runner
        As :func:`samsim.study.run_study`.

    Returns
    -------
    pyarrow.Table
        :func:`saturation_table` of the runs; ``samsim.study.saturation.break_point(t)``
        reads the break point.
    """
    from samsim.study.api import _as_scenario

    sc = _as_scenario(scenario)
    design = Saturation(
        sc,
        threat,
        sizes,
        runs=runs,
        max_runs=max_runs,
        spacing=spacing,
        resolution=resolution,
        confidence=confidence,
    )
    report = design_results(
        sc,
        design,
        out,
        workers=workers,
        scheduler=scheduler,
        first_seed=first_seed,
        batch_size=batch_size,
        progress=progress,
        runner=runner,
    )
    return saturation_table(report.table, confidence)
