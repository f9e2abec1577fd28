"""Coverage of samsim's study intervals, measured by simulation on generators with known
truth (the figures quoted in docs/studies.md).

    python tools/interval_coverage.py [--reps 4000] [--seed 1]

Pooled fractions: each run draws its own leak probability from a beta distribution of
mean ``p`` and intra-run correlation ``icc`` (runs where the defence does well or badly),
then each of 24 threats leaks with it. Interceptors per kill: shoot-look-shoot against 24
threats with a single-shot kill probability drawn per run. Break point: the adaptive
saturation design against a logistic P(leak >= 1) curve with common random numbers.
"""

from __future__ import annotations

import argparse
import math
import sys

import numpy as np

from samsim.study.saturation import Sizes, locate_break_point, next_allocation
from samsim.study.stats import proportion_interval, ratio_interval, wilson_interval


def pooled(
    rng: np.random.Generator, reps: int, runs: int, p: float, icc: float
) -> tuple[float, float]:
    a, b = p * (1 - icc) / icc, (1 - p) * (1 - icc) / icc
    k = rng.binomial(24, rng.beta(a, b, size=(reps, runs)))
    n = np.full(runs, 24)
    ours = old = 0
    for r in range(reps):
        _, lo, hi = proportion_interval(k[r], n)
        ours += lo <= p <= hi
        wlo, whi = wilson_interval(int(k[r].sum()), 24 * runs)
        old += float(wlo) <= p <= float(whi)
    return ours / reps, old / reps


def per_kill(rng: np.random.Generator, reps: int, runs: int, q: float, icc: float) -> float:
    a, b = q * (1 - icc) / icc, (1 - q) * (1 - icc) / icc
    qq = rng.beta(a, b, size=(reps, runs))
    first = rng.binomial(24, qq)
    second = rng.binomial(24 - first, qq)
    fired, killed = 24 + (24 - first), first + second
    eq2 = q * (1 - q) * icc + q * q
    truth = (2 - q) / (2 * q - eq2)
    hits = 0
    for r in range(reps):
        _, lo, hi = ratio_interval(fired[r], killed[r])
        hits += lo <= truth <= hi
    return hits / reps


def bracket(reps: int, centre: float, width: float) -> tuple[float, float, float]:
    """Coverage, mean interval width and mean runs of the break point's interval."""
    truth = math.ceil(centre)
    covered, widths, runs = 0, [], []
    for seed in range(reps):
        u = np.random.default_rng(seed).uniform(size=4000)
        wanted = {s: 10 for s in Sizes(4, 200).initial()}
        while True:
            obs = {
                s: (m, int(np.sum(u[:m] < 1 / (1 + math.exp(-(s - centre) / width)))))
                for s, m in wanted.items()
            }
            nxt = next_allocation(obs, wanted, Sizes(4, 200), 10, 300, 0.1)
            if nxt is None:
                break
            wanted = nxt
        bp = locate_break_point(obs)
        covered += (bp.lower is None or bp.lower <= truth) and (
            bp.upper is None or truth <= bp.upper
        )
        if bp.lower is not None and bp.upper is not None:
            widths.append(bp.upper - bp.lower + 1)
        runs.append(sum(wanted.values()))
    return covered / reps, float(np.mean(widths)), float(np.mean(runs))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=4000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    se = math.sqrt(0.95 * 0.05 / args.reps)
    print(f"{args.reps} simulated studies per case; binomial standard error of a 95 % "
          f"coverage: {se:.4f}\n")  # fmt: skip
    print("| pooled fraction: runs, p, icc | run-level interval | Wilson over all threats |")
    print("|---|---|---|")
    for runs, p, icc in ((10, 0.3, 0.2), (20, 0.3, 0.2), (20, 0.1, 0.05), (20, 0.5, 0.5),
                         (40, 0.05, 0.2), (20, 0.02, 0.3)):  # fmt: skip
        ours, old = pooled(rng, args.reps, runs, p, icc)
        print(f"| {runs}, {p}, {icc} | {ours:.3f} | {old:.3f} |")
    print("\n| interceptors per kill: runs, q, icc | cluster-robust interval |")
    print("|---|---|")
    for runs, q, icc in ((10, 0.7, 0.1), (20, 0.7, 0.1), (30, 0.4, 0.3), (20, 0.85, 0.2)):
        print(f"| {runs}, {q}, {icc} | {per_kill(rng, args.reps, runs, q, icc):.3f} |")
    reps = max(100, args.reps // 10)
    print(f"\n| break point: centre, width ({reps} studies, budget 300) | coverage "
          "| mean width (sizes) | mean runs |")  # fmt: skip
    print("|---|---|---|---|")
    for centre, width in ((40.3, 5.0), (40.3, 15.0), (100.5, 10.0), (12.2, 2.0)):
        cov, w, n = bracket(reps, centre, width)
        print(f"| {centre}, {width} | {cov:.3f} | {w:.1f} | {n:.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
