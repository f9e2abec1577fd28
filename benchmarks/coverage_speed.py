"""Speed of a coverage map: 512 x 512 cells over synthetic terrain, one radar, three
target heights (floor: 5 s), against a per-cell line-of-sight baseline measured in the
same run.

Run from the repository root:

    PYTHONPATH=src python benchmarks/coverage_speed.py [--cells 512] [--repeat 3]

The baseline traces one terrain profile per cell (``samsim.geo.los.visible``, compiled
with numba, the classic per-target test) on a random subset of the cells and is scaled to
the whole grid; the coverage map replaces it by one radial horizon sweep per radar
(``samsim.geo.los.viewshed_grid``). Both sides are timed warm (numba caches loaded by a
first call, reported separately).
"""

from __future__ import annotations

import argparse
import math
import sys
import time

import numpy as np

SCENARIO = """\
name: coverage_speed
duration: 10 min
assets:
  town: {position: {lat: 40.0, lon: -40.0}, value: 50}
units:
  bn:
    command_post: {position: {lat: 40.05, lon: -40.0}}
    radars:
      fcr: {type: 92N6E, position: {lat: 40.05, lon: -40.02}}
    launchers:
      l1: {position: {lat: 40.06, lon: -40.0}, load: {48N6E3: 4}}
threats:
  cm: {type: subsonic_cruise_missile}
raid:
  wave: {threat: cm, count: 1, route: [{lat: 40.9, lon: -40.0}], target: town}
"""

ALTITUDES_M = [30.0, 300.0, 3000.0]
RCS_M2 = 0.1
FLOOR_S = 5.0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cells", type=int, default=512)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--subset", type=int, default=4000, help="cells in the baseline sample")
    args = ap.parse_args()

    from samsim.analysis.coverage import CoverageMap, _antenna, coverage_map, default_extent_m
    from samsim.engine.world import compile_world
    from samsim.geo.los import viewshed_grid, visible
    from samsim.geo.terrain import SyntheticTerrain
    from samsim.scenario.loader import load_scenario_text

    world = compile_world(load_scenario_text(SCENARIO, "coverage_speed.yaml"))
    radar = world.radars[0]
    relief = 800.0
    ext = default_extent_m(world, ALTITUDES_M, RCS_M2, relief_m=relief)
    res = (ext[1] - ext[0]) / args.cells / 2.0
    t0 = time.perf_counter()
    grid = SyntheticTerrain.generate(world.frame, ext, res, rng=np.random.default_rng(11),
                                     relief_m=relief, feature_size_m=20e3).grid  # fmt: skip
    t_terrain = time.perf_counter() - t0

    def run() -> CoverageMap:
        return coverage_map(world, ALTITUDES_M, RCS_M2, terrain=grid, extent_m=ext,
                            cells=args.cells)  # fmt: skip

    t0 = time.perf_counter()
    m = run()
    t_cold = time.perf_counter() - t0
    times = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        m = run()
        times.append(time.perf_counter() - t0)
    t_map = min(times)

    # The LOS part of the map alone (one radial sweep for the three heights).
    antenna, _ = _antenna(world, radar, grid)
    t0 = time.perf_counter()
    vs = viewshed_grid(antenna, grid, m.east_m, m.north_m, ALTITUDES_M, k_factor=radar.k_factor)
    t_sweep = time.perf_counter() - t0

    # Baseline: one terrain profile per cell, on a random subset, scaled to the grid.
    rng = np.random.default_rng(0)
    n_cells = m.lat_deg.size
    idx = rng.choice(n_cells, min(args.subset, n_cells), replace=False)
    lat = m.lat_deg.ravel()[idx]
    lon = m.lon_deg.ravel()[idx]
    ground = m.terrain_m.ravel()[idx]
    targets = [world.frame.geodetic_to_enu(lat, lon, ground + h) for h in ALTITUDES_M]
    visible(antenna, targets[0][:10], grid, k_factor=radar.k_factor)  # load the kernel
    t0 = time.perf_counter()
    base = [visible(antenna, t, grid, k_factor=radar.k_factor) for t in targets]
    t_base_subset = time.perf_counter() - t0
    t_base = t_base_subset * n_cells / idx.size
    agree = np.mean([np.mean(base[a] == vs[a].ravel()[idx]) for a in range(len(ALTITUDES_M))])

    print(f"coverage map: {m.east_m.size} x {m.north_m.size} cells of "
          f"{m.cell_m[0]:.0f} m, one radar ({radar.name}, {radar.spec.mast_height_m:g} m mast), "
          f"heights {', '.join(f'{h:g}' for h in ALTITUDES_M)} m, RCS {RCS_M2} m2")  # fmt: skip
    print(f"terrain: synthetic {grid.shape[0]} x {grid.shape[1]} nodes at {res:.0f} m, "
          f"{relief:g} m relief (generated in {t_terrain:.2f} s, not counted)")  # fmt: skip
    print(f"coverage_map, first call (numba caches loaded): {t_cold:.2f} s")
    print(f"coverage_map, warm, best of {args.repeat}:          {t_map:.2f} s "
          f"(floor {FLOOR_S:g} s: {'met' if t_map <= FLOOR_S else 'NOT met'})")  # fmt: skip
    print(f"  of which the radial LOS sweep (3 heights):  {t_sweep:.2f} s")
    print(f"baseline per-cell LOS, {idx.size} cells x 3 heights: {t_base_subset:.2f} s, "
          f"scaled to the grid: {t_base:.1f} s")  # fmt: skip
    print(f"speed-up of the map's LOS over the per-cell baseline: {t_base / t_sweep:.0f}x; "
          f"whole map vs baseline LOS alone: {t_base / t_map:.0f}x")  # fmt: skip
    print(f"agreement of the sweep with the per-cell LOS on the sample: {100 * agree:.2f} %")
    covered = m.area_km2(m.covered[:, 0])
    print("covered area by height: "
          + ", ".join(f"{h:g} m: {a:,.0f} km2" for h, a in zip(ALTITUDES_M, covered,
                                                               strict=True)))  # fmt: skip
    return 0 if t_map <= FLOOR_S and math.isfinite(t_map) else 1


if __name__ == "__main__":
    sys.exit(main())
