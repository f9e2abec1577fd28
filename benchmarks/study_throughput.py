"""Study throughput: runs per second of the battalion example with 1 and 2 local workers and
a 2-worker Dask LocalCluster, and the ratios against the same-run baselines.

Floors (issue 7): 2 workers >= 1.8x one worker; Dask within 10% of the 2-worker local pool;
1,000 runs in at most 10 minutes (2 workers). Each configuration runs the same seeds into a
fresh study folder; the timing is the whole `run_study` call (pool start included; the Dask
cluster is started before the clock, as a running cluster would be). The results of the
three configurations are compared and must be identical.

    PYTHONPATH=src python benchmarks/study_throughput.py            # 1,000 runs each
    PYTHONPATH=src python benchmarks/study_throughput.py --runs 40  # quick check
    # the floors' run: 1,000 runs on 2 workers and on Dask, a 200-run 1-worker baseline
    PYTHONPATH=src python benchmarks/study_throughput.py --runs 1000 --baseline-runs 200

The 1-worker baseline measures a rate (runs/s), so it may use fewer runs than the others
(``--baseline-runs``); its results are then compared with the first runs of the others.

The machines are shared: a configuration measured minutes after another can meet a
different host. ``--pairs K`` then runs K more rounds of interleaved studies on the same
cluster, each a 1-worker study of half ``--pair-runs`` runs, a 2-worker one and a Dask one
of ``--pair-runs`` runs, and prints 2 workers / 1 worker and Dask / local from the sums of
the rounds' times per run, which drift moves alike:

    PYTHONPATH=src python benchmarks/study_throughput.py --runs 1000 --baseline-runs 200 --pairs 2
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]

#: Dask worker settings for CPU-bound studies (docs/studies.md, "Where runs execute").
DASK_QUIET_WORKERS = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.system-monitor.gil.enabled": False,
}


def _timed(label: str, n_workers: int, **kw: object) -> tuple[float, object]:
    """Run one configuration; print runs/s, the mean CPU time per run and the share of its
    workers' CPUs the study actually got (below 1 when other processes compete)."""
    from samsim.study import load_results
    from samsim.study.api import run_study

    with tempfile.TemporaryDirectory(prefix="samsim-bench-") as tmp:
        t0 = time.perf_counter()
        report = run_study(out=tmp, **kw)  # type: ignore[arg-type]
        wall = time.perf_counter() - t0
        full = load_results(tmp)
    cpu = full.column("cpu_time_s").to_numpy(zero_copy_only=False)
    table = full.drop_columns(["wall_time_s", "cpu_time_s"])
    rate = report.completed / wall
    share = float(np.nansum(cpu)) / (wall * n_workers)
    cpu_run = float(np.nanmean(cpu)) if np.isfinite(cpu).any() else float("nan")
    print(
        f"{label:<28} {report.completed:6d} runs {wall:8.1f} s {rate:8.3f} runs/s   "
        f"CPU/run {cpu_run:5.2f} s   CPU share {share:4.2f}",
        flush=True,
    )
    return rate, table


def _pairs(k: int, common: dict[str, Any], cluster: Any) -> tuple[float, float] | None:
    """(2 workers / 1 worker, Dask / local 2 workers) from ``k`` rounds of interleaved
    studies: the ratios of the sums of their times per run (the host's drift moves the
    members of a round alike)."""
    if k <= 0:
        return None
    one_s = local_s = dask_s = 0.0
    n1 = max(1, int(common["runs"]) // 2)
    for _ in range(k):
        r1, _ = _timed("  round: local pool, 1 worker", 1, workers=1, **{**common, "runs": n1})
        rl, _ = _timed("  round: local pool, 2 workers", 2, workers=2, **common)
        rd, _ = _timed(
            "  round: dask LocalCluster", 2, scheduler=cluster.scheduler_address, **common
        )
        one_s += 1.0 / r1
        local_s += 1.0 / rl
        dask_s += 1.0 / rd
    return one_s / local_s, local_s / dask_s


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=1000, help="runs per configuration")
    ap.add_argument("--scenario", default=str(ROOT / "examples" / "battalion_vs_cruise_raid.yaml"))
    ap.add_argument(
        "--baseline-runs",
        type=int,
        default=None,
        help="runs of the 1-worker baseline (default: --runs); a rate needs fewer runs",
    )
    ap.add_argument("--no-dask", action="store_true", help="skip the Dask configuration")
    ap.add_argument(
        "--dask-profiler",
        action="store_true",
        help="keep Dask's statistical profiler on in the workers (its default)",
    )
    ap.add_argument(
        "--pairs",
        type=int,
        default=0,
        help="rounds of interleaved (1 worker, 2 workers, Dask) studies after the main runs",
    )
    ap.add_argument(
        "--pair-runs", type=int, default=200, help="runs of a round's 2-worker and Dask studies"
    )
    ap.add_argument("--runner", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()

    import samsim
    from samsim.study.runner import import_runner

    scenario = samsim.load_scenario(args.scenario)
    runner = import_runner(args.runner) if args.runner else None
    common = {"scenario": scenario, "runs": args.runs, "runner": runner}
    print(
        f"study throughput: {scenario.name}, {args.runs} runs per configuration, "
        f"{os.cpu_count()} CPUs (shared machine: ratios are noisy)"
    )
    n1 = args.runs if args.baseline_runs is None else min(args.baseline_runs, args.runs)
    r1, t1 = _timed("local pool, 1 worker", 1, workers=1, **{**common, "runs": n1})
    r2, t2 = _timed("local pool, 2 workers", 2, workers=2, **common)
    ok = True
    if not t2.slice(0, t1.num_rows).equals(t1):
        print("MISMATCH: 2-worker results differ from 1-worker results")
        ok = False
    rd = None
    paired = None
    if not args.no_dask:
        import dask
        from distributed import LocalCluster

        # Dask's statistical profiler samples the worker's threads every 10 ms (and its
        # system monitor polls): about 12 % of a study's CPU here. docs/studies.md says how
        # to switch it off on a cluster; the workers of this cluster get it off.
        with (
            dask.config.set(DASK_QUIET_WORKERS if not args.dask_profiler else {}),
            LocalCluster(
                n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
            ) as cluster,
        ):
            rd, td = _timed(
                "dask LocalCluster, 2 workers", 2, scheduler=cluster.scheduler_address, **common
            )
            paired = _pairs(args.pairs, {**common, "runs": args.pair_runs}, cluster)
        if not td.equals(t2):
            print("MISMATCH: Dask results differ from local results")
            ok = False
    speedup = r2 / r1
    print(f"2 workers / 1 worker:        {speedup:6.2f}x   (floor 1.80x)")
    if rd is not None:
        print(f"dask / local 2 workers:      {rd / r2:6.2f}    (floor 0.90)")
        if paired is not None:
            print(
                f"  interleaved rounds:        {paired[1]:6.2f}    "
                f"({args.pairs} x {args.pair_runs} runs each; 2 workers / 1 worker "
                f"{paired[0]:.2f}x)"
            )
    print(
        f"time for 1,000 runs at 2 workers: {1000 / r2:6.0f} s   (floor 600 s; issue 16's "
        "goal 180 s)"
    )
    print("results identical across configurations" if ok else "RESULTS DIFFER")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
