"""The SEAD study of docs/sead.md: emission-control doctrines of the fire-control radar,
with and without the attached Pantsir, against examples/sead_strike.yaml.

Runs every configuration over the same seeds and prints a Markdown table of the means per
run with their 95 % Student t intervals over the runs (samsim.study.stats.mean_interval,
stopped at 0: every figure is a count or a time), and writes the per-run values as CSV
when ``--csv`` is given.

Usage: python tools/sead_study.py [--seeds 16] [--csv runs.csv]
"""

from __future__ import annotations

import argparse
import copy
import csv
import time
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from samsim import simulate
from samsim.scenario.loader import scenario_from_dict
from samsim.study.stats import mean_interval

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "sead_strike.yaml"

DOCTRINES: dict[str, dict[str, Any]] = {
    "continuous": {"mode": "continuous"},
    "dark_on_arm": {"mode": "dark_on_arm", "dark_time": "90 s", "alert_range": "80 km"},
    "on_cue": {"mode": "on_cue"},
}

METRICS = (
    ("radars_lost", "radars lost (of 2)"),
    ("gravestone_lost", "92N6E lost"),
    ("leaked", "leakers (at nodes and the port)"),
    ("arms_hit", "ARM hits"),
    ("arm_miss_m", "ARM miss, m (median of the run)"),
    ("fired", "interceptors fired"),
    ("fired_57e6", "of which 57E6"),
    ("gravestone_emitting_s", "92N6E emitting, s"),
    ("decoys_engaged", "decoys engaged (of 6)"),
)

#: Figures printed in whole units (metres, seconds).
WHOLE = {"arm_miss_m", "gravestone_emitting_s"}


def variant(raw: dict[str, Any], doctrine: str, pantsir: bool) -> dict[str, Any]:
    d = copy.deepcopy(raw)
    d["units"]["bn1"]["radars"]["gravestone"]["emission"] = dict(DOCTRINES[doctrine])
    if not pantsir:
        del d["units"]["pantsir"]
    return d


def metrics(summary: dict[str, Any]) -> dict[str, float]:
    lost = {x["node"] for x in summary["nodes_lost"]}
    arms = summary["anti_radiation_missiles"]
    fired = summary["interceptors_fired"]
    return {
        "radars_lost": float(len(lost & {"bn1.gravestone", "bn1.bigbird"})),
        "gravestone_lost": float("bn1.gravestone" in lost),
        "leaked": float(summary["leaked"]),
        "arms_hit": float(arms["hit"]),
        "arm_miss_m": float(arms["miss_m"]["median"]) if arms["miss_m"] else float("nan"),
        "fired": float(summary["interceptors_fired_total"]),
        "fired_57e6": float(fired.get("57E6", 0)),
        "gravestone_emitting_s": float(summary["emission"]["gravestone"]["emitting_s"]),
        "decoys_engaged": float(summary["by_threat_type"]["decoy"]["engaged"]),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=16)
    ap.add_argument("--csv", type=Path, default=None)
    args = ap.parse_args()
    raw = yaml.safe_load(EXAMPLE.read_text())
    rows: list[dict[str, Any]] = []
    t0 = time.perf_counter()
    configs = [(d, p) for p in (True, False) for d in DOCTRINES]
    for doctrine, pantsir in configs:
        sc = scenario_from_dict(variant(raw, doctrine, pantsir), str(EXAMPLE))
        for seed in range(args.seeds):
            run = simulate(sc, seed=seed)
            rows.append(
                {"doctrine": doctrine, "pantsir": pantsir, "seed": seed, **metrics(run.summary)}
            )
        print(f"# {doctrine:12s} pantsir={pantsir!s:5s} done ({time.perf_counter() - t0:.0f} s)")
    if args.csv:
        with args.csv.open("w", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=list(rows[0]))
            w.writeheader()
            w.writerows(rows)
    head = "| metric | " + " | ".join(f"{d}{' + Pantsir' if p else ''}" for d, p in configs) + " |"
    print(head)
    print("|---" * (len(configs) + 1) + "|")
    for key, label in METRICS:
        cells = []
        for d, p in configs:
            v = np.array([r[key] for r in rows if r["doctrine"] == d and r["pantsir"] == p])
            m, lo, hi = mean_interval(v, floor=0.0)
            n = int(np.isfinite(v).sum())
            fmt = "{:.0f}" if key in WHOLE else "{:.3g}"
            if n == 0:
                cells.append("-")
            elif n == 1:
                cells.append(fmt.format(m) + " (1 run)")
            else:
                cells.append(f"{fmt.format(m)} [{fmt.format(lo)}, {fmt.format(hi)}]")
        print(f"| {label} | " + " | ".join(cells) + " |")
    print(f"\n{args.seeds} seeds per configuration, {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
