"""CPU time of the engine alone, for A/B comparisons of two source trees on a shared machine.

Compiles the world once, warms the kernels with seed 0, then runs seeds 1..N ``--repeat``
times and prints the sum over seeds of each seed's minimum CPU time of
``Engine(world, seed).run()`` (process time, one thread: the minimum discards the
repetitions that other processes slowed down). Run two trees alternately, a few times
each, and compare the sums side by side; never compare with a figure from another hour.

    python benchmarks/engine_cpu.py                                   # this tree
    PYTHONPATH=/tmp/samsim-main/src python benchmarks/engine_cpu.py   # another tree
    python benchmarks/engine_cpu.py --scenario examples/sead_strike.yaml --seeds 5
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default=str(ROOT / "examples" / "battalion_vs_cruise_raid.yaml"))
    ap.add_argument("--seeds", type=int, default=3, help="seeds 1..N")
    ap.add_argument("--repeat", type=int, default=4, help="repetitions of every seed")
    args = ap.parse_args()
    os.environ.setdefault("NUMBA_NUM_THREADS", "1")
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

    import samsim
    from samsim.engine.loop import Engine, compile_world

    world = compile_world(samsim.load_scenario(args.scenario))
    Engine(world, 0).run()  # kernels loaded, caches warm
    best: dict[int, float] = {}
    for _ in range(args.repeat):
        for seed in range(1, args.seeds + 1):
            t = time.process_time()
            Engine(world, seed).run()
            best[seed] = min(best.get(seed, float("inf")), time.process_time() - t)
    where = Path(samsim.__file__).resolve().parents[1]
    print(
        f"{where}: sum of per-seed minimum CPU, seeds 1-{args.seeds} x {args.repeat}: "
        f"{sum(best.values()):.3f} s ({sum(best.values()) / len(best):.3f} s a run)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
