"""Speed of pd_swerling per method, against the exact closed forms measured in the same run.

Run: PYTHONPATH=src /work/venv/bin/python benchmarks/pd_speed.py [--n-pulses 10] [--size 1000]
Prints, per Swerling case, the best-of-repeats time per call and the ratio exact / method.
"""

from __future__ import annotations

import argparse
import timeit

import numpy as np

from samsim.sensors.detection import _pd_table, pd_swerling


def best_us(fn, number: int, repeat: int = 5) -> float:
    return min(timeit.repeat(fn, number=number, repeat=repeat)) / number * 1e6


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n-pulses", type=int, default=10)
    ap.add_argument("--size", type=int, default=1000)
    ap.add_argument("--pfa", type=float, default=1e-6)
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    snr = rng.uniform(-10.0, 30.0, args.size)
    n, pfa = args.n_pulses, args.pfa
    print(f"pd_swerling on {args.size} SNRs, n_pulses={n}, pfa={pfa:g} (microseconds per call)")
    print(
        f"{'case':>4} {'exact':>9} {'table':>8} {'shnidman':>9} {'exact/table':>12} "
        f"{'table build ms':>15}"
    )
    for case in range(5):
        t0 = timeit.default_timer()
        _pd_table(pfa, n, case, "exact")
        build_ms = (timeit.default_timer() - t0) * 1e3
        pd_swerling(snr, pfa, n, case, method="shnidman")  # build its table too
        exact = best_us(lambda c=case: pd_swerling(snr, pfa, n, c, method="exact"), 5)
        table = best_us(lambda c=case: pd_swerling(snr, pfa, n, c, method="table"), 200)
        shn = best_us(lambda c=case: pd_swerling(snr, pfa, n, c, method="shnidman"), 200)
        print(
            f"{case:>4} {exact:9.1f} {table:8.1f} {shn:9.1f} {exact / table:12.1f} {build_ms:15.1f}"
        )


if __name__ == "__main__":
    main()
