"""What the threat costs: the flagship example with its cruise missiles changed.

Runs examples/battalion_vs_cruise_raid.yaml as it is and with its cruise missiles at
2 km, as Mach 2.8 weaving sea-skimmers (supersonic_cruise_missile), and twice as many,
for seeds 0..N-1, and prints per variant the cruise missiles leaking per run, the share
of runs with a leaker and the interceptors per kill, with 95 % bootstrap intervals over
runs (the threats of one run are not independent), and the median miss.

Usage: python tools/example_variants.py --runs 30
"""

from __future__ import annotations

import argparse
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "battalion_vs_cruise_raid.yaml"
SUBSONIC = "cruise_missile: {type: subsonic_cruise_missile}"


def variants() -> dict[str, str]:
    base = EXAMPLE.read_text()
    return {
        "24 subsonic at 30 m (the example)": base,
        "24 subsonic at 2 km": base.replace(
            SUBSONIC, "cruise_missile: {type: subsonic_cruise_missile, altitude_m: 2 km}"
        ),
        "24 supersonic at 15 m, weaving": base.replace(
            SUBSONIC, "cruise_missile: {type: supersonic_cruise_missile}"
        ),
        "48 subsonic at 30 m": base.replace("count: 12", "count: 24"),
    }


def one(args: tuple[str, int]) -> dict[str, float]:
    import samsim
    from samsim.scenario.loader import load_scenario_text

    name, seed = args
    run = samsim.simulate(load_scenario_text(variants()[name], "variant.yaml"), seed=seed)
    ev = run.events.to_pandas()
    cm = ev.threat_type == "cruise_missile"
    return {
        "killed": float(((ev.kind == "kill") & cm).sum()),
        "leaked": float(((ev.kind == "leak") & cm).sum()),
        "launched": float(((ev.kind == "launch") & cm).sum()),
        "miss": float(ev[(ev.kind == "intercept") & cm].miss_m.median()),
    }


def interval(per_run: dict[str, np.ndarray], stat, boot: int = 4000) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(0)
    n = len(next(iter(per_run.values())))
    vals = [
        stat({k: v[i] for k, v in per_run.items()})
        for i in (rng.integers(0, n, n) for _ in range(boot))
    ]
    lo, hi = np.percentile(vals, [2.5, 97.5])
    return float(lo), float(hi)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    names = list(variants())
    jobs = [(v, s) for v in names for s in range(args.runs)]
    with ProcessPoolExecutor(args.workers) as ex:
        rows = list(ex.map(one, jobs))
    print(f"{args.runs} runs per variant (seeds 0-{args.runs - 1}); 95 % bootstrap over runs")
    for k, name in enumerate(names):
        part = rows[k * args.runs : (k + 1) * args.runs]
        a = {key: np.array([r[key] for r in part]) for key in part[0]}

        def leak(d):  # type: ignore[no-untyped-def]
            return d["leaked"].mean()

        def share(d):  # type: ignore[no-untyped-def]
            return (d["leaked"] > 0).mean()

        def cost(d):  # type: ignore[no-untyped-def]
            return d["launched"].sum() / max(d["killed"].sum(), 1.0)

        print(
            f"{name:36s} leaking/run {leak(a):6.2f} {interval(a, leak)}  "
            f"runs with a leaker {share(a):.2f} {interval(a, share)}  "
            f"interceptors/kill {cost(a):.2f} {interval(a, cost)}  "
            f"median miss {np.nanmedian(a['miss']):.1f} m"
        )


if __name__ == "__main__":
    main()
