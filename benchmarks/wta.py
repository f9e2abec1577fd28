"""Benchmark of samsim.c2.wta: greedy vs heuristic vs exact, random and published instances.

For each case it prints the objective (expected surviving value), the gap to the proven
optimum and the time. Baselines measured in the same run: maximum marginal return (the
greedy) for quality, and the textbook outer approximation with tangent cuts only for the
exact solver's time. Run from the repository root:

    PYTHONPATH=src python benchmarks/wta.py            # full (several minutes)
    PYTHONPATH=src python benchmarks/wta.py --quick    # about a minute

The published APT instances are read from --apt-dir, else $SAMSIM_WTA_DIR (the directory
holding apt/ or the instance files), else ../shared/wta/apt next to the repository root;
they are skipped with a message if absent.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import numpy as np

from samsim.c2 import wta
from samsim.c2.wta_core import make_problem
from samsim.c2.wta_exact import solve_exact

#: Published optima (Andersen, Pavlikov & Toffolo 2022, proven to gap <= 0.01 %).
APT_OPTIMA = {
    "wta_50x100x1": 1734.302278,
    "wta_50x100x2": 123.838458,
    "wta_50x100x3": 20.590016,
    "wta_100x200x1": 2862.302805,
    "wta_100x200x2": 116.057435,
}


@contextlib.contextmanager
def quiet_stdout() -> Iterator[None]:
    """Silence C-level prints of HiGHS (it writes a debug line to fd 1 on some solves)."""
    sys.stdout.flush()
    saved = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(devnull)
        os.close(saved)


def best_time(fn, repeats: int) -> tuple[object, float]:
    """Result of ``fn()`` and its fastest wall-clock time over ``repeats`` calls."""
    out = None
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return out, best


def row(case: str, method: str, obj: float, ref: float, seconds: float, note: str = "") -> None:
    gap = (obj - ref) / ref if ref > 0 else 0.0
    print(f"{case:<18} {method:<14} {obj:>14.6f} {gap:>11.2e} {seconds:>10.3f}  {note}")


def header(title: str) -> None:
    print(f"\n## {title}")
    print(f"{'case':<18} {'method':<14} {'objective':>14} {'gap':>11} {'time_s':>10}  note")


def warm_up() -> None:
    """Compile the numba kernels (cached on disk) before anything is timed."""
    v, p, r = wta.random_instance(6, np.random.default_rng(0), rounds=2)
    for m in ("greedy", "heuristic", "exact"):
        with quiet_stdout():
            wta.solve(v, p, r, m)
    wta.solve_asset_based(v[:3], np.eye(6)[:, :3] * 0.5, p, r)


def run_case(name: str, v, p, r, ref: float | None, args, baseline: bool, time_limit: float):
    """Greedy, heuristic and exact through the public API; optionally the tangent-only
    exact baseline. Returns the greedy and heuristic objectives and the exact result."""
    g, t_g = best_time(lambda: wta.solve(v, p, r, "greedy"), args.repeats)
    h, t_h = best_time(lambda: wta.solve(v, p, r, "heuristic"), args.repeats)
    with quiet_stdout():
        e = wta.solve(v, p, r, "exact", time_limit_s=time_limit)
    opt = e.objective if ref is None else ref
    row(name, "greedy (MMR)", g.objective, opt, t_g)
    row(name, "heuristic", h.objective, opt, t_h, f"{t_h / max(t_g, 1e-9):.0f} x greedy time")
    note = f"{e.status}, bound {e.lower_bound:.6f}, gap {e.gap:.1e}, {e.iterations} MILPs"
    if ref is not None:
        note += f"; published {ref:.6f}"
    row(name, "exact", e.objective, opt, e.solve_time_s, note)
    if baseline:
        prob = make_problem(v, p, r)
        t0 = time.perf_counter()
        with quiet_stdout():
            base = solve_exact(
                prob, np.asarray(h.assignment), families=("tangent",), time_limit_s=time_limit
            )
        t_b = time.perf_counter() - t0 + t_h
        row(
            name,
            "exact tangents",
            base.upper,
            opt,
            t_b,
            f"{base.status}, {base.iterations} MILPs (textbook OA); "
            f"{t_b / e.solve_time_s:.1f} x the time of exact",
        )
    return g.objective, h.objective, e


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="small sizes, fewer seeds, small APT")
    ap.add_argument("--sizes", default=None, help="comma-separated n (default 20,50,80,100,200)")
    ap.add_argument("--seeds", type=int, default=None, help="random instances per size")
    ap.add_argument("--repeats", type=int, default=5, help="repeats for greedy/heuristic time")
    ap.add_argument("--apt-dir", default=None, help="directory of the APT wta_*.txt files")
    ap.add_argument("--no-apt", action="store_true", help="skip the published instances")
    ap.add_argument("--time-limit", type=float, default=900.0, help="exact solver limit, s")
    ap.add_argument(
        "--baseline-max-n",
        type=int,
        default=None,
        help="run the tangent-only exact baseline up to this n",
    )
    args = ap.parse_args()
    sizes = [
        int(s)
        for s in (args.sizes or ("20,50,80" if args.quick else "20,50,80,100,200")).split(",")
    ]
    seeds = args.seeds or (1 if args.quick else 3)
    base_max = (
        args.baseline_max_n if args.baseline_max_n is not None else (50 if args.quick else 80)
    )
    print("# samsim WTA benchmark")
    print(
        f"python {sys.version.split()[0]}, numpy {np.__version__}; one process; times are "
        f"wall clock (greedy and heuristic: best of {args.repeats})"
    )
    warm_up()

    header("Random instances (W = T = n, 1 round each, p ~ U[0.6, 0.9], V ~ U{25..100})")
    summary = []
    for n in sizes:
        for seed in range(seeds):
            v, p, r = wta.random_instance(n, np.random.default_rng(seed))
            f_g, f_h, e = run_case(
                f"n={n} seed={seed}", v, p, r, None, args, n <= base_max, args.time_limit
            )
            summary.append(
                (n, f_g / e.objective - 1, f_h / e.objective - 1, e.status, e.solve_time_s)
            )
    print("\nsize  mean greedy gap  mean heuristic gap  max heuristic gap  max exact s  status")
    for n in sizes:
        s = [x for x in summary if x[0] == n]
        print(
            f"{n:>4}  {np.mean([x[1] for x in s]):>15.2e}  {np.mean([x[2] for x in s]):>18.2e}"
            f"  {max(x[2] for x in s):>17.2e}  {max(x[4] for x in s):>11.2f}"
            f"  {','.join(sorted({x[3] for x in s}))}"
        )

    header(
        "Engine-sized instances with limits (W = 6 fire units x 12 missiles, T = 30 threats, "
        "10 target channels, salvo <= 2 per unit and threat, 70 % of pairs in window, "
        "p ~ U[0.3, 0.9], V ~ U{10..100})"
    )
    eng = []
    for seed in range(3 if args.quick else 10):
        rng = np.random.default_rng(1000 + seed)
        v = rng.integers(10, 101, 30).astype(float)
        p = rng.uniform(0.3, 0.9, (6, 30))
        r = np.full(6, 12)
        lim = {"max_targets_per_type": 10, "max_per_pair": 2, "allowed": rng.random((6, 30)) < 0.7}
        g, t_g = best_time(partial(wta.solve, v, p, r, "greedy", **lim), args.repeats)
        h, t_h = best_time(partial(wta.solve, v, p, r, "heuristic", **lim), args.repeats)
        with quiet_stdout():
            e = wta.solve(v, p, r, "exact", time_limit_s=args.time_limit, **lim)
        eng.append(
            (
                g.objective / e.objective - 1,
                h.objective / e.objective - 1,
                t_h,
                e.solve_time_s,
                e.status,
            )
        )
        row(f"engine seed={seed}", "greedy (MMR)", g.objective, e.objective, t_g)
        row(f"engine seed={seed}", "heuristic", h.objective, e.objective, t_h)
        row(
            f"engine seed={seed}",
            "exact",
            e.objective,
            e.objective,
            e.solve_time_s,
            f"{e.status}, gap {e.gap:.1e}, {e.iterations} MILPs",
        )
    print(
        f"\nengine-sized: greedy gap mean {np.mean([x[0] for x in eng]):.2e}; heuristic gap "
        f"mean {np.mean([x[1] for x in eng]):.2e}, max {max(x[1] for x in eng):.2e}, time max "
        f"{max(x[2] for x in eng):.3f} s; exact time max {max(x[3] for x in eng):.2f} s "
        f"({','.join(sorted({x[4] for x in eng}))})"
    )

    if args.no_apt:
        return
    header("Published instances (Andersen, Pavlikov & Toffolo 2022)")
    apt = find_apt(args.apt_dir)
    if apt is None:
        print("skipped: no APT instances found (give --apt-dir or set SAMSIM_WTA_DIR)")
        return
    names = ["wta_50x100x1", "wta_100x200x1"] if args.quick else list(APT_OPTIMA)
    for name in names:
        path = apt / f"{name}.txt"
        if not path.exists():
            print(f"{name}: skipped, {path} absent")
            continue
        v, p, r = wta.read_apt_instance(path)
        run_case(name, v, p, r, APT_OPTIMA[name], args, False, args.time_limit)


def find_apt(given: str | None) -> Path | None:
    candidates = []
    if given:
        candidates.append(Path(given))
    if os.environ.get("SAMSIM_WTA_DIR"):
        env = Path(os.environ["SAMSIM_WTA_DIR"])
        candidates += [env / "apt", env]
    candidates.append(Path(__file__).resolve().parents[1].parent / "shared" / "wta" / "apt")
    for c in candidates:
        if c.is_dir() and any(c.glob("wta_*.txt")):
            return c
    return None


if __name__ == "__main__":
    main()
