"""How engine time and memory grow with raid size: a table of (threats, units, engine time,
peak memory) and the fitted growth exponents.

Goal (issues 15 and 16): cost and memory grow at most about linearly with the number of
threats; a raid of 3,000 threats against several regiments runs in under 2 GB.

Two raids:

- ``dense`` (issue 15, item 9): the flagship battalion against N cruise missiles released
  together (interval 0, spread 10 m) on one axis: every track's gate holds many
  measurements, the worst case for gating and assignment;
- ``theatre``: several battalions (``examples/theatre_regiments.yaml`` when it exists,
  else a generated coast of six battalions, three regiments' worth) against N threats in
  waves on six axes.

Each size runs in its own process (so that its peak resident memory is its own); the
engine time is ``Engine(world, seed).run()`` alone, the world compiled before the clock.
An untimed run of a small raid comes first, so that numba's
compilation of kernels (on first use, and after any edit of the package) is not timed.
The exponents are least-squares slopes of log(time) and log(memory above the interpreter's
own) against log(threats): 1 is linear.

    python benchmarks/scale.py --mode dense --sizes 100 300 1000 3000
    python benchmarks/scale.py --mode theatre --sizes 300 1000 3000
    python benchmarks/scale.py --mode dense --sizes 100 300 --timeout 600  # a quick look
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]

_CHILD = r"""
import json, resource, sys, time
t0 = time.perf_counter()
import samsim
from samsim.engine.loop import Engine, compile_world
sc = samsim.load_scenario(sys.argv[1])
base_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t1 = time.perf_counter()
world = compile_world(sc)
t2 = time.perf_counter()
run = Engine(world, int(sys.argv[2])).run()
t3 = time.perf_counter()
s = run.summary
print(json.dumps({
    "threats": world.n_threats, "units": len(world.units), "radars": len(world.radars),
    "compile_s": t2 - t1, "engine_s": t3 - t2,
    "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "import_peak_mb": base_kb / 1024,
    "events": run.events.num_rows, "trajectory_rows": run.trajectories.num_rows,
    "killed": s["killed"], "leaked": s["leaked"], "fired": s["interceptors_fired_total"],
}))
"""


def dense_scenario(n: int) -> str:
    """The flagship battalion against ``n`` cruise missiles released together."""
    text = (ROOT / "examples" / "battalion_vs_cruise_raid.yaml").read_text()
    head = text[: text.index("\nraid:")].replace(
        "name: battalion_vs_cruise_raid", f"name: dense_raid_{n}"
    )
    return (
        head
        + f"""
raid:
  dense:
    threat: cruise_missile
    count: {n}
    interval: 0 s
    spread: 10 m
    route:
      - {{lat: 42.20, lon: -40.40}}
      - {{lat: 40.90, lon: -40.20}}
    target: esperia_port
"""
    )


#: Battalion sites of the generated theatre (a coast running north-south at 40 W).
_BATTALIONS = [(38.0 + 0.8 * k, -40.0 - 0.15 * (k % 2)) for k in range(6)]


def _battalion(k: int, lat: float, lon: float) -> str:
    def at(dlat: float, dlon: float) -> str:
        return f"{{lat: {lat + dlat:.3f}, lon: {lon + dlon:.3f}}}"

    launchers = "\n".join(
        f"      b{k}l{j}: {{type: {'5P85SE2' if j < 4 else '5P85TE2'}, position: "
        f"{at(0.01 * (j % 3), 0.012 * (j // 3))}, load: "
        f"{{{['48N6E3', '48N6E3', '48N6E2', '48N6E2', '40N6E', '9M96E2'][j]}: 4}}}}"
        for j in range(6)
    )
    return f"""  bn{k}:
    command_post:
      position: {at(0.0, 0.02)}
      doctrine: {{firing: shoot_look_shoot, look_shots: 1}}
    radars:
      acq{k}: {{type: 91N6E, position: {at(0.01, 0.0)}}}
      fcr{k}: {{type: 92N6E, position: {at(0.005, -0.01)}}}
    launchers:
{launchers}
"""


def theatre_scenario(n: int) -> str:
    """Six battalions along a coast, each with an asset, against ``n`` threats: cruise
    missiles in waves on six axes from the east (one wave per battalion) and a tenth of
    the raid as fighters."""
    assets = "\n".join(
        f"  city{k}: {{position: {{lat: {lat:.3f}, lon: {lon + 0.1:.3f}}}, value: 100, "
        "radius: 2 km}"
        for k, (lat, lon) in enumerate(_BATTALIONS)
    )
    units = "".join(_battalion(k, lat, lon) for k, (lat, lon) in enumerate(_BATTALIONS))
    n_fighters = n // 10
    n_cm = n - n_fighters
    per_axis = [n_cm // 6 + (1 if k < n_cm % 6 else 0) for k in range(6)]
    groups = []
    for k, ((lat, lon), count) in enumerate(zip(_BATTALIONS, per_axis, strict=True)):
        if count == 0:
            continue
        groups.append(
            f"""  wave{k}:
    threat: cruise_missile
    count: {count}
    launch_time: {20 * k} s
    interval: 1 s
    spread: 300 m
    route:
      - {{lat: {lat + 0.3:.3f}, lon: {lon + 3.0:.3f}}}
      - {{lat: {lat + 0.1:.3f}, lon: {lon + 1.0:.3f}}}
    target: city{k}"""
        )
    if n_fighters:
        lat0 = _BATTALIONS[2][0]
        groups.append(
            f"""  fighters:
    threat: fighter
    count: {n_fighters}
    launch_time: 30 s
    interval: 2 s
    spread: 1 km
    route:
      - {{lat: {lat0:.3f}, lon: -36.0, alt: 9 km}}
      - {{lat: {lat0 + 1.0:.3f}, lon: -38.6}}
      - {{lat: {lat0 + 2.5:.3f}, lon: -37.0}}"""
        )
    return (
        f"""name: theatre_raid_{n}
duration: 20 min
assets:
{assets}
units:
{units}
threats:
  cruise_missile: {{type: subsonic_cruise_missile}}
  fighter: {{type: fighter}}
raid:
"""
        + "\n".join(groups)
        + "\n"
    )


def _theatre_example(n: int) -> str | None:
    """``examples/theatre_regiments.yaml`` with its raid scaled to about ``n`` threats
    (each group's count scaled, its front kept as wide), or None when the example does not
    exist."""
    path = ROOT / "examples" / "theatre_regiments.yaml"
    if not path.exists():
        return None
    import yaml

    doc = yaml.safe_load(path.read_text())
    raid = doc.get("raid") or {}
    total = sum(int(g.get("count", 1)) for g in raid.values())
    if total == 0:
        return None
    from samsim.units import length_m

    for g in raid.values():
        old = int(g.get("count", 1))
        new = max(1, round(old * n / total))
        if "spread" in g and new > 1:
            # the same width of front, its members closer together
            g["spread"] = length_m(g["spread"]) * max(old - 1, 1) / (new - 1)
        g["count"] = new
    doc["name"] = f"theatre_regiments_{n}"
    return str(yaml.safe_dump(doc, sort_keys=False))


def _slope(x: list[float], y: list[float]) -> float:
    if len(x) < 2:
        return math.nan
    return float(np.polyfit(np.log(x), np.log(y), 1)[0])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mode", choices=("dense", "theatre"), default="dense")
    ap.add_argument("--sizes", type=int, nargs="+", default=[100, 300, 1000, 3000])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--timeout", type=float, default=3600.0, help="per size, s")
    ap.add_argument("--python", default=sys.executable, help="interpreter to run the sizes")
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="samsim-scale-") as tmp:
        # An untimed small run first: numba compiles the kernels a size needs on first use
        # (and after any edit of the package), which must not be timed as engine cost.
        text = dense_scenario(30) if args.mode == "dense" else theatre_scenario(60)
        warm = Path(tmp) / "warmup.yaml"
        warm.write_text(text)
        subprocess.run(
            [args.python, "-c", _CHILD, str(warm), str(args.seed)],
            capture_output=True,
            timeout=args.timeout,
            env=os.environ,
            check=False,
        )
        for n in args.sizes:
            if args.mode == "dense":
                text = dense_scenario(n)
            else:
                text = _theatre_example(n) or theatre_scenario(n)
            path = Path(tmp) / f"{args.mode}_{n}.yaml"
            path.write_text(text)
            cmd = [args.python, "-c", _CHILD, str(path), str(args.seed)]
            try:
                done = subprocess.run(
                    cmd, capture_output=True, text=True, timeout=args.timeout, env=os.environ
                )
            except subprocess.TimeoutExpired:
                print(f"{n:6d} threats: did not finish in {args.timeout:.0f} s", flush=True)
                continue
            if done.returncode != 0:
                print(f"{n:6d} threats: failed\n{done.stderr[-2000:]}", flush=True)
                continue
            row = json.loads(done.stdout.strip().splitlines()[-1])
            rows.append(row)
            print(
                f"{row['threats']:6d} threats {row['units']:2d} units: compile "
                f"{row['compile_s']:7.2f} s, engine {row['engine_s']:8.2f} s, peak "
                f"{row['peak_mb']:7.0f} MB ({row['import_peak_mb']:.0f} MB after imports); "
                f"{row['events']} events, {row['trajectory_rows']} trajectory rows; killed "
                f"{row['killed']}, leaked {row['leaked']}, fired {row['fired']}",
                flush=True,
            )
    if not rows:
        return
    print(f"\n{'threats':>7} {'units':>5} {'engine s':>9} {'peak MB':>8} {'MB/threat':>9}")
    for r in rows:
        extra = r["peak_mb"] - r["import_peak_mb"]
        print(
            f"{r['threats']:7d} {r['units']:5d} {r['engine_s']:9.2f} {r['peak_mb']:8.0f} "
            f"{extra / r['threats']:9.3f}"
        )
    n = [float(r["threats"]) for r in rows]
    t = [max(r["engine_s"], 1e-3) for r in rows]
    m = [max(r["peak_mb"] - r["import_peak_mb"], 1.0) for r in rows]
    print(
        f"growth exponents (log-log least squares over {len(rows)} sizes): engine time "
        f"{_slope(n, t):.2f}, memory above the interpreter's {_slope(n, m):.2f} (1 = linear)"
    )
    for a, b in itertools.pairwise(rows):
        ratio = b["threats"] / a["threats"]
        print(
            f"  {a['threats']} -> {b['threats']} threats (x{ratio:.1f}): engine time "
            f"x{b['engine_s'] / a['engine_s']:.1f} (exponent "
            f"{math.log(b['engine_s'] / a['engine_s']) / math.log(ratio):.2f})"
        )


if __name__ == "__main__":
    main()
