"""A stand-in run function for testing the study machinery alone: a deterministic function
of (scenario, seed) that returns summaries in the documented schema (docs/summary.md),
without the engine. Outcomes respond to raid size and threat RCS, so sweeps show trends.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np
import pyarrow as pa

from samsim.scenario.loader import resolve
from samsim.scenario.models import Scenario
from samsim.study.results import RunOutput


def _summary(scenario: Scenario, seed: int) -> tuple[dict, pa.Table]:
    res = resolve(scenario)
    rng = np.random.default_rng(seed)
    missiles = sorted(
        {m for u in scenario.units.values() for ls in u.launchers.values() for m in ls.load}
    )
    stock = sum(
        n for u in scenario.units.values() for ls in u.launchers.values() for n in ls.load.values()
    )
    salvo = next(iter(scenario.units.values())).command_post.doctrine.salvo
    by_type: dict[str, dict[str, int]] = {}
    ranges: dict[str, dict[str, float]] = {}
    leaked_by_asset = {a: 0 for a in scenario.assets}
    fired_total = 0
    for gname in sorted(scenario.raid):
        g = scenario.raid[gname]
        rcs = res.threats[g.threat].rcs_m2
        n = g.count
        # one uniform per threat and outcome: with common seeds, outcomes are monotone in
        # the swept parameters (a larger RCS never detects fewer)
        u = rng.uniform(size=(3, n))
        det = int(np.count_nonzero(u[0] < rcs / (rcs + 0.05)))
        shots = min(det, (stock - fired_total) // salvo)
        fired_total += shots * salvo
        killed = int(np.count_nonzero(u[1, :shots] < 0.8))
        leaked = int(np.count_nonzero(u[2, : n - killed] < 0.6))
        row = by_type.setdefault(
            g.threat,
            {k: 0 for k in ("threats", "detected", "engaged", "killed", "leaked", "survived")},
        )
        for k, v in (
            ("threats", n),
            ("detected", det),
            ("engaged", shots),
            ("killed", killed),
            ("leaked", leaked),
            ("survived", n - killed - leaked),
        ):
            row[k] += v
        if det:
            r = np.sort(rng.uniform(20e3, 40e3 * (1 + rcs), det))
            ranges[g.threat] = {
                "count": det,
                "min": float(r[0]),
                "median": float(np.median(r)),
                "max": float(r[-1]),
            }
        leaked_by_asset[g.target or next(iter(scenario.assets))] += leaked
    fired = {m: 0 for m in missiles}
    for i in range(fired_total):
        fired[missiles[i % len(missiles)]] += 1
    tot = {
        k: sum(r[k] for r in by_type.values())
        for k in ("threats", "detected", "engaged", "killed", "leaked", "survived")
    }
    n_events = int(3 * tot["threats"] + fired_total)
    summary = {
        "schema_version": 1,
        "scenario": scenario.name,
        "seed": seed,
        "simulated_time_s": float(rng.uniform(300, 600)),
        **tot,
        "interceptors_fired": {m: v for m, v in fired.items() if v},
        "interceptors_fired_total": fired_total,
        "interceptor_outcomes": {
            "intercept": tot["killed"],
            "self_destruct": fired_total - tot["killed"],
        },
        "interceptors_per_kill": fired_total / tot["killed"] if tot["killed"] else None,
        "miss_distance_m": {
            "count": 1,
            "min": 1.0,
            "median": float(rng.uniform(1, 20)),
            "max": 30.0,
        },
        "first_detection_range_m": ranges,
        "leaked_by_asset": leaked_by_asset,
        "leakers": [],
        "by_threat_type": by_type,
        "timeline": {
            "first_event_s": 0.0,
            "first_detection_s": float(rng.uniform(10, 60)),
            "first_track_s": None,
            "first_launch_s": None,
            "first_kill_s": None,
            "first_leak_s": None,
            "last_event_s": 600.0,
        },
        "events": n_events,
    }
    events = pa.table(
        {"time_s": np.sort(rng.uniform(0, 600, n_events)), "kind": ["detection"] * n_events}
    )
    return summary, events


def standin_batch(scenario: Scenario, seeds: Sequence[int], keep_events: bool) -> list[RunOutput]:
    out = []
    for s in seeds:
        t0 = time.perf_counter()
        summary, events = _summary(scenario, int(s))
        out.append(
            RunOutput(int(s), summary, time.perf_counter() - t0, events if keep_events else None)
        )
    return out


def slow_standin_batch(
    scenario: Scenario, seeds: Sequence[int], keep_events: bool
) -> list[RunOutput]:
    """As :func:`standin_batch`, 50 ms per run (so a study can be killed mid-way)."""
    out = []
    for s in seeds:
        time.sleep(0.05)
        out.extend(standin_batch(scenario, [s], keep_events))
    return out


def failing_batch(scenario: Scenario, seeds: Sequence[int], keep_events: bool) -> list[RunOutput]:
    """Fails at seed 3 (to test how a failing run stops a study)."""
    if 3 in seeds:
        raise ZeroDivisionError("stand-in failure at seed 3")
    return standin_batch(scenario, seeds, keep_events)


def dying_batch(scenario: Scenario, seeds: Sequence[int], keep_events: bool) -> list[RunOutput]:
    """The worker process dies at seed 3 (as on a crash or the OOM killer)."""
    import os

    if 3 in seeds:
        os._exit(3)
    return standin_batch(scenario, seeds, keep_events)
