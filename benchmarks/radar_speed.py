"""What false alarms and terrain cost the engine: CPU seconds per run of the flagship
example with noise false alarms on and off, over flat ground and over synthetic terrain.

The baseline (false alarms off, flat) is measured in the same process; figures are CPU
time (``time.process_time``), best of interleaved repeats, which a shared machine disturbs
less than wall time.
Also prints the false alarms and tentative tracks per run.

    OPENBLAS_NUM_THREADS=1 python benchmarks/radar_speed.py [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
TERRAIN = "  terrain: {kind: synthetic, seed: 1, relief: 400 m, resolution: 500 m}\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--repeat", type=int, default=3, help="interleaved repeats; best kept")
    args = ap.parse_args()
    os.environ.setdefault("NUMBA_NUM_THREADS", "1")
    import samsim
    from samsim.scenario.loader import load_scenario_text
    from samsim.sensors import radar as radar_mod

    text = (ROOT / "examples" / "battalion_vs_cruise_raid.yaml").read_text()
    flat = load_scenario_text(text)
    hilly = load_scenario_text(
        text.replace("  k_factor: 1.3333", TERRAIN + "  k_factor: 1.3333", 1)
    )
    real_false_alarms = radar_mod.Radar.false_alarms

    def no_false_alarms(self, rng, region):  # type: ignore[no-untyped-def]
        z = np.zeros(0)
        return z, z.copy(), z.copy()

    def measure(scenario, false_alarms: bool) -> tuple[float, int, int]:  # type: ignore[no-untyped-def]
        radar_mod.Radar.false_alarms = real_false_alarms if false_alarms else no_false_alarms
        samsim.simulate(scenario, seed=0)  # warm-up (numba, tables)
        cpu, fa, tentative = 0.0, 0, 0
        for seed in range(1, args.runs + 1):
            t = time.process_time()
            run = samsim.simulate(scenario, seed=seed)
            cpu += time.process_time() - t
            ev = run.events.to_pandas()
            fa += int(((ev.kind == "detection") & (ev.threat_id < 0)).sum())
            tentative += int(((ev.kind == "track_start") & (ev.threat_id < 0)).sum())
        n = args.runs
        return cpu / n, fa // n, tentative // n

    configs = [
        (n, sc, fa)
        for n, sc in (("flat", flat), ("synthetic terrain", hilly))
        for fa in (False, True)
    ]
    best: dict[int, tuple[float, int, int]] = {}
    for _ in range(args.repeat):  # interleaved, so load changes hit every configuration
        for k, (_, sc, fa) in enumerate(configs):
            m = measure(sc, fa)
            if k not in best or m[0] < best[k][0]:
                best[k] = m
    rows = [(n, fa, *best[k]) for k, (n, _, fa) in enumerate(configs)]
    radar_mod.Radar.false_alarms = real_false_alarms
    base = rows[0][2]
    print(f"{'scenario':18s} {'false alarms':>12s} {'CPU s/run':>10s} {'ratio':>6s} "
          f"{'FA/run':>7s} {'FA tracks/run':>13s}")  # fmt: skip
    for name, fa, cpu, n_fa, n_tr in rows:
        print(f"{name:18s} {'on' if fa else 'off':>12s} {cpu:10.3f} {cpu / base:6.2f} "
              f"{n_fa:7d} {n_tr:13d}")  # fmt: skip


if __name__ == "__main__":
    main()
