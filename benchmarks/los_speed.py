"""Line-of-sight speed: samsim's compiled LOS and radial-sweep viewshed against baselines.

Measures, in one run on the same terrain (300 km x 300 km of synthetic hills at 300 m):

1. LOS from one radar to 10,000 targets: ``samsim.geo.los.visible`` against a naive
   per-target Python loop (numpy per path, scipy bilinear lookup, the chord formula of
   ``samsim.geo.earth.ray_clearance_m``), which also cross-checks the answers.
2. A 512 x 512 coverage grid at 3 target heights above ground: the radial horizon sweep
   ``samsim.geo.los.viewshed_grid`` against one compiled LOS test per cell and height.

Run from the repository root (prints a table; ``--figures DIR`` also draws the figures of
docs/models/terrain.md):

    PYTHONPATH=src python benchmarks/los_speed.py [--figures docs/models/img]
"""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from scipy import ndimage

from samsim.geo.dem import matplotlib_dem
from samsim.geo.earth import EARTH_RADIUS_M, K_STANDARD, ray_clearance_m
from samsim.geo.frames import EnuFrame
from samsim.geo.los import (
    LOS_TOLERANCE_M,
    ObserverGeometry,
    polar_horizon,
    viewshed_grid,
    visible,
)
from samsim.geo.terrain import (
    SyntheticTerrain,
    TerrainGrid,
    point_above_ground_enu,
    resample_to_enu,
)

HEIGHTS_AGL_M = (30.0, 300.0, 3000.0)
MAST_M = 20.0


def best_of(fn: Callable[[], Any], repeat: int = 3) -> tuple[float, Any]:
    """Best wall time of ``repeat`` calls (after one warm-up call) and the last result."""
    out = fn()
    best = math.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def naive_visible(
    observer_enu: np.ndarray, targets_enu: np.ndarray, grid: TerrainGrid, mast_m: float
) -> np.ndarray:
    """Reference LOS: a Python loop over targets, numpy along each path."""
    frame = grid.frame
    obs = ObserverGeometry.at(frame, observer_enu, mast_m)
    spacing = 0.5 * min(grid.dx_m, grid.dy_m)
    out = np.zeros(len(targets_enu), dtype=bool)
    for i, target in enumerate(targets_enu):
        lat, lon, alt = frame.enu_to_geodetic(target)
        foot = frame.geodetic_to_enu(lat, lon, 0.0)
        theta, _, te, tn = obs.polar(foot[None])
        s = EARTH_RADIUS_M * float(theta[0])
        n = max(math.ceil(s / spacing), 1)
        frac = np.arange(0, n + 1) / n
        phi = frac * float(theta[0])
        r = obs.radius_m
        east = obs.foot_enu_m[0] + r * (np.sin(phi) * te[0] - (1 - np.cos(phi)) * obs.up[0])
        north = obs.foot_enu_m[1] + r * (np.sin(phi) * tn[0] - (1 - np.cos(phi)) * obs.up[1])
        rows = np.clip((north - grid.north0_m) / grid.dy_m, 0, grid.shape[0] - 1)
        cols = np.clip((east - grid.east0_m) / grid.dx_m, 0, grid.shape[1] - 1)
        ground = ndimage.map_coordinates(grid.heights_m, [rows, cols], order=1, mode="nearest")
        ray = ray_clearance_m(obs.height_m, float(alt), s, frac)
        ray[0], ray[-1] = obs.height_m, float(alt)
        out[i] = bool(np.all(ray >= ground - LOS_TOLERANCE_M))
    return out


def setup() -> tuple[EnuFrame, TerrainGrid, np.ndarray, float]:
    frame = EnuFrame(45.0, 10.0)
    t0 = time.perf_counter()
    grid = SyntheticTerrain.generate(
        frame, (-150e3, 150e3, -150e3, 150e3), 300.0, rng=np.random.default_rng(1),
        relief_m=800.0, hurst=0.8, feature_size_m=20e3,
    ).grid  # fmt: skip
    gen_s = time.perf_counter() - t0
    radar = point_above_ground_enu(grid, 0.0, 0.0, 0.0)
    return frame, grid, radar, gen_s


def bench(figures: Path | None) -> None:
    frame, grid, radar, gen_s = setup()
    print(f"terrain: {grid.shape[0]} x {grid.shape[1]} nodes at {grid.dx_m:.0f} m, "
          f"{grid.min_m:.0f}..{grid.max_m:.0f} m, generated in {gen_s:.2f} s")  # fmt: skip
    rng = np.random.default_rng(2)
    n = 10_000
    targets = point_above_ground_enu(
        grid, rng.uniform(-150e3, 150e3, n), rng.uniform(-150e3, 150e3, n),
        rng.uniform(10.0, 3000.0, n),
    )  # fmt: skip

    rows = []
    t_fast, vis = best_of(lambda: visible(radar, targets, grid, antenna_height_m=MAST_M))
    t0 = time.perf_counter()
    ref = naive_visible(radar, targets, grid, MAST_M)
    t_naive = time.perf_counter() - t0
    rows.append(("LOS, 10,000 targets", "visible()", t_fast, "naive loop", t_naive))
    agree = float(np.mean(vis == ref))
    flat = TerrainGrid.flat(frame)
    t_flat, _ = best_of(lambda: visible(radar, targets, flat, antenna_height_m=MAST_M))

    east = np.linspace(-150e3, 150e3, 512)
    t_sweep, vs = best_of(
        lambda: viewshed_grid(radar, grid, east, east, HEIGHTS_AGL_M, antenna_height_m=MAST_M),
        repeat=2,
    )
    ee, nn = np.meshgrid(east, east)
    t0 = time.perf_counter()
    per_cell = np.stack([
        visible(radar, point_above_ground_enu(grid, ee, nn, h), grid, antenna_height_m=MAST_M)
        for h in HEIGHTS_AGL_M
    ])  # fmt: skip
    t_cell = time.perf_counter() - t0
    rows.append(("viewshed 512x512 x 3 heights", "viewshed_grid()", t_sweep,
                 "LOS per cell", t_cell))  # fmt: skip
    agree_vs = [float(np.mean(vs[k] == per_cell[k])) for k in range(len(HEIGHTS_AGL_M))]

    print(f"\n{'case':<30} {'samsim':>16} {'time s':>8} {'baseline':>14} {'time s':>8} "
          f"{'speed-up':>9}")  # fmt: skip
    for case, name, t, base, tb in rows:
        print(f"{case:<30} {name:>16} {t:8.3f} {base:>14} {tb:8.3f} {tb / t:8.0f}x")
    print(f"\nLOS agreement with the naive loop: {agree:.4%} ({vis.mean():.1%} visible)")
    print(f"LOS over flat terrain (smooth-earth path), 10,000 targets: {t_flat * 1e3:.1f} ms")
    for h, a, f in zip(HEIGHTS_AGL_M, agree_vs, vs.mean(axis=(1, 2)), strict=True):
        print(f"viewshed at {h:6.0f} m AGL: {f:6.1%} of cells visible, "
              f"{a:.4%} agree with per-cell LOS")  # fmt: skip

    dem = matplotlib_dem("jacksboro")
    dframe = EnuFrame(*dem.center_lat_lon_deg)
    t_res, dgrid = best_of(
        lambda: resample_to_enu(dem, dframe, (-14e3, 14e3, -15e3, 15e3), 50.0), repeat=1
    )
    print(f"resample jacksboro DEM to {dgrid.shape[0]} x {dgrid.shape[1]} ENU nodes: "
          f"{t_res * 1e3:.0f} ms")  # fmt: skip

    if figures is not None:
        draw_figures(figures, frame, grid, radar, east, vs)


def draw_figures(out: Path, frame: EnuFrame, grid: TerrainGrid, radar: np.ndarray,
                 east: np.ndarray, vs: np.ndarray) -> None:  # fmt: skip
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.colors import LightSource

    out.mkdir(parents=True, exist_ok=True)
    ls = LightSource(azdeg=315, altdeg=45)
    re = K_STANDARD * EARTH_RADIUS_M

    def shade(g: TerrainGrid) -> np.ndarray:
        return ls.hillshade(g.heights_m[::-1], vert_exag=3.0, dx=g.dx_m, dy=g.dy_m)

    def coverage_panel(ax: Any, g: TerrainGrid, e: np.ndarray, n: np.ndarray,
                       cover: np.ndarray, site: np.ndarray, title: str) -> None:  # fmt: skip
        ext_km = [v / 1e3 for v in g.extent_m]
        ax.imshow(shade(g), cmap="gray", extent=ext_km, origin="upper", alpha=0.9)
        colours = ["#d7301f", "#fc8d59", "#2b8cbe"]
        for k in reversed(range(cover.shape[0])):
            layer = np.ma.masked_where(~cover[k], np.ones_like(cover[k], dtype=float))
            ax.imshow(layer, extent=[e[0] / 1e3, e[-1] / 1e3, n[0] / 1e3, n[-1] / 1e3],
                      origin="lower", cmap=matplotlib.colors.ListedColormap([colours[k]]),
                      alpha=0.45)  # fmt: skip
        ax.plot(site[0] / 1e3, site[1] / 1e3, "k^", ms=8)
        ax.set_xlabel("east, km")
        ax.set_ylabel("north, km")
        ax.set_title(title, fontsize=10)

    # 1. synthetic hills, 3 heights, with the smooth-earth horizon rings for contrast
    fig, ax = plt.subplots(figsize=(7, 6))
    coverage_panel(ax, grid, east, east, vs, radar,
                   "Synthetic terrain (H=0.8, 800 m relief, seed 1): radar mast 20 m\n"
                   "visible at 30 m (red), 300 m (orange), 3000 m (blue) AGL")  # fmt: skip
    # smooth-earth horizon of the same radar (its ground height + mast above a smooth
    # earth at the lowest terrain level) for each target height, for contrast
    h0 = float(grid.elevation_m(0.0, 0.0)) + MAST_M - grid.min_m
    for h in HEIGHTS_AGL_M:
        arc = re * (math.acos(re / (re + h0)) + math.acos(re / (re + h)))
        if arc < 150e3:
            ax.add_patch(plt.Circle((0, 0), arc / 1e3, fill=False, ls="--", color="k", lw=0.8))
            ax.annotate(f"smooth earth, {h:.0f} m", (0, -arc / 1e3), fontsize=7,
                        ha="center", va="bottom")  # fmt: skip
    fig.tight_layout()
    fig.savefig(out / "terrain_viewshed_synthetic.png", dpi=110)
    plt.close(fig)

    # 2. the two matplotlib DEMs
    for name, half_km, res, box, mast in (
        ("jacksboro", 14.0, 50.0, (-14e3, 0.0, -10e3, 10e3), 10.0),
        ("topobathy", 140.0, 1000.0, (-90e3, -30e3, -10e3, 50e3), 20.0),
    ):
        dem = matplotlib_dem(name)
        dframe = EnuFrame(*dem.center_lat_lon_deg)
        half = half_km * 1e3
        g = resample_to_enu(dem, dframe, (-half, half, -half * 0.75, half * 0.75), res)
        if name == "topobathy":  # radar sites are on land: the sea surface is at 0
            g = TerrainGrid(dframe, g.east0_m, g.north0_m, g.dx_m, g.dy_m,
                            np.maximum(g.heights_m, 0.0))  # fmt: skip
        # the radar on the highest node of a search box (a hilltop, as sites are chosen)
        ge, gn = np.meshgrid(g.east_m, g.north_m)
        inside = (ge >= box[0]) & (ge <= box[1]) & (gn >= box[2]) & (gn <= box[3])
        k = int(np.argmax(np.where(inside, g.heights_m, -np.inf)))
        site = point_above_ground_enu(g, ge.flat[k], gn.flat[k], 0.0)
        e = np.linspace(-half, half, 400)
        n = np.linspace(-0.75 * half, 0.75 * half, 300)
        hs = (30.0, 300.0, 3000.0) if name == "topobathy" else (10.0, 100.0, 1000.0)
        cover = viewshed_grid(site, g, e, n, hs, antenna_height_m=mast)
        fig, ax = plt.subplots(figsize=(7, 5.5))
        coverage_panel(ax, g, e, n, cover, site,
                       f"matplotlib DEM '{name}': radar mast {mast:.0f} m, visible at "
                       f"{hs[0]:.0f} / {hs[1]:.0f} / {hs[2]:.0f} m AGL")  # fmt: skip
        fig.tight_layout()
        fig.savefig(out / f"terrain_viewshed_{name}.png", dpi=110)
        plt.close(fig)

    # 3. one ray: terrain profile, masking height, and the 4/3-earth curvature
    prof = polar_horizon(radar, grid, max_range_m=140e3, n_az=360, antenna_height_m=MAST_M)
    i = 45
    r_km = prof.range_m / 1e3
    drop = prof.range_m**2 / (2 * re)
    fig, ax = plt.subplots(figsize=(8, 3.8))
    ax.fill_between(r_km, -drop, prof.terrain_m[i] - drop, color="tab:brown", alpha=0.7,
                    label="terrain (on the 4/3 earth)")  # fmt: skip
    ax.plot(r_km, prof.min_visible_height_m()[i] - drop, color="tab:blue",
            label="lowest visible height")  # fmt: skip
    ax.plot(r_km, -drop, "k--", lw=0.8, label="smooth 4/3 earth")
    ax.plot([0], [prof.observer_height_m], "k^")
    ax.set_xlabel("ground range, km")
    ax.set_ylabel("height, m (flat-earth chart)")
    ax.set_title(f"Ray at azimuth {np.degrees(prof.az_rad[i]):.0f}°: terrain masking",
                 fontsize=10)  # fmt: skip
    ax.set_ylim(-1500, 3000)
    ax.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    fig.savefig(out / "terrain_masking_profile.png", dpi=110)
    plt.close(fig)
    print(f"figures written to {out}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--figures", type=Path, default=None,
                        help="directory to write the documentation figures to")  # fmt: skip
    bench(parser.parse_args().figures)


if __name__ == "__main__":
    main()
