"""The first run after installing: `samsim run` of the flagship example with an empty numba
kernel cache (every kernel compiles), whole process, wall and CPU time (children
included), against another source tree in the same session.

Since round 9 of issue 16 a cold `samsim run` compiles the examples' kernels on every
core first (:mod:`samsim.precompile`); before, the run compiled them one by one as it
called them. Each measurement uses a fresh temporary ``NUMBA_CACHE_DIR``; the trees
alternate, so load drifts hit both.

    python benchmarks/first_run.py                                  # this tree, twice
    python benchmarks/first_run.py --compare /tmp/samsim-main/src   # A/B, alternating
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def cold_run(src: Path, scenario: Path) -> tuple[float, float]:
    """Wall and CPU seconds (this child and its children) of one cold `samsim run`."""
    with tempfile.TemporaryDirectory(prefix="samsim-cold-") as tmp:
        env = dict(os.environ, NUMBA_CACHE_DIR=str(Path(tmp) / "numba"), PYTHONPATH=str(src))
        env["SAMSIM_NO_DAEMON"] = "1"
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "samsim.cli", "run", str(scenario), "--quiet", "--out",
             str(Path(tmp) / "run")],
            env=env, cwd=tmp, capture_output=True, text=True,
        )  # fmt: skip
        wall = time.perf_counter() - t0
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"{src}: samsim run failed:\n{proc.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default=str(ROOT / "examples" / "battalion_vs_cruise_raid.yaml"))
    ap.add_argument("--compare", type=Path, default=None, help="another tree's src folder")
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()
    trees = [("this tree", ROOT / "src")]
    if args.compare is not None:
        trees.append((str(args.compare), args.compare))
    print(f"cold `samsim run {Path(args.scenario).name}`, {os.cpu_count()} CPUs")
    for _ in range(args.repeat):
        for label, src in trees:
            wall, cpu = cold_run(src, Path(args.scenario))
            print(f"{label:<40} wall {wall:6.1f} s   CPU {cpu:6.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
