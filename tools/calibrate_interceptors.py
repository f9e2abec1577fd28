"""Recalibrate the catalogue's notional interceptor figures and write them back.

Each missile is tuned (samsim.physics.envelope.calibrate) so that its simulated maximum
kinematic range matches its published range class (max_range_m), its ceiling the
published 30 km where one is published, and its peak speed the catalogue's
published_speed_mps where one is given. The figures tuned (propellant and thrust, the
maximum flight time, cn_max) are rewritten in src/samsim/scenario/catalog/missiles.yaml with
their sources unchanged; everything else in the file is left as it is.

Usage: python tools/calibrate_interceptors.py [--dry-run] [--only NAME ...]

``--only`` calibrates and rewrites the named missiles alone (a new catalogue entry),
leaving every other missile's figures as they are.
"""

from __future__ import annotations

import argparse
import re
import time
from pathlib import Path

from samsim.physics.envelope import calibrate
from samsim.physics.missile import CATALOG_PATH, load_missile_catalog

#: Published ceiling (system figure, 30 km) for every type whose max_altitude_m is 30 km.
CEILING_M = 30e3


def write_back(path: Path, name: str, updates: dict[str, str]) -> str:
    """The catalogue text with the values of ``updates`` replaced in entry ``name``."""
    text = path.read_text()
    start = text.index(f"\n{name}:\n") + 1
    nxt = re.search(r"\n(?=\S)", text[start + len(name) + 2 :])
    end = start + len(name) + 2 + (nxt.start() if nxt else len(text))
    block = text[start:end]
    for key, value in updates.items():
        pat = re.compile(rf"(    {key}: {{value: )(\[\[.*?\]\]|[^,]*)(, source:)")
        block, n = pat.subn(lambda m, v=value: m.group(1) + v + m.group(3), block, count=1)
        if n != 1:
            raise RuntimeError(f"{name}: figure {key} not found in {path}")
    return text[:start] + block + text[end:]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dry-run", action="store_true", help="print, do not write the catalogue")
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument(
        "--only", nargs="+", metavar="NAME", help="calibrate these missiles only (default: all)"
    )
    args = ap.parse_args()
    cat = load_missile_catalog()
    names = list(cat)
    if args.only:
        unknown = sorted(set(args.only) - set(names))
        if unknown:
            ap.error(f"unknown missile(s) {unknown}; the catalogue has {names}")
        names = [n for n in names if n in args.only]
    specs = [cat[n] for n in names]
    ceilings = [CEILING_M if s.max_altitude_m >= CEILING_M else None for s in specs]
    speeds = [s.published_speed_mps for s in specs]
    t0 = time.perf_counter()
    new, figs = calibrate(
        specs, [s.max_range_m for s in specs], ceilings, rounds=args.rounds, speeds_mps=speeds
    )
    print(f"calibrated in {time.perf_counter() - t0:.0f} s")
    print(f"{'type':8} {'range km':>9} {'goal':>6} {'ceil km':>8} {'v_pk m/s':>9} {'goal':>6}")
    for s, f, v in zip(new, figs, speeds, strict=True):
        goal_v = f"{v:.0f}" if v else "-"
        print(
            f"{s.name:8} {f.max_range_m / 1e3:9.1f} {s.max_range_m / 1e3:6.0f} "
            f"{f.ceiling_m / 1e3:8.1f} {f.peak_speed_mps:9.0f} {goal_v:>6}"
        )
    if args.dry_run:
        return
    path = Path(CATALOG_PATH)
    for s in new:
        updates = {
            "boost_thrust_n": f"{s.boost_thrust_n / 1e3:.2f} kN",
            "boost_propellant_kg": f"{s.boost_propellant_kg:.1f} kg",
            "sustain_thrust_n": f"{s.sustain_thrust_n / 1e3:.2f} kN",
            "sustain_propellant_kg": f"{s.sustain_propellant_kg:.1f} kg",
            "max_flight_time_s": f"{s.max_flight_time_s:.0f} s",
            "cn_max": f"{s.cn_max:.2f}",
        }
        path.write_text(write_back(path, s.name, updates))
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
