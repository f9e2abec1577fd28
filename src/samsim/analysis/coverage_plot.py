"""Pictures of coverage: map PNGs (terrain shaded, sites, coverage per altitude, the naive
range ring dashed) and the range-height (Blake chart) diagram of a radar.

Matplotlib with the non-interactive Agg backend; every function writes one PNG.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from samsim.analysis.coverage import CoverageMap
from samsim.analysis.vertical import VerticalCoverage, elevation_curve_height_m
from samsim.geo.los import ObserverGeometry

__all__ = ["plot_coverage", "plot_overview", "plot_vertical", "ring_en_m"]

_RADAR_COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2"]
_ALT_COLOURS = ["#08306b", "#2171b5", "#6baed6", "#c6dbef", "#deebf7"]


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _fmt_alt(h_m: float) -> str:
    return f"{h_m / 1000:g} km" if h_m >= 1000 else f"{h_m:g} m"


def _rcs_text(rcs_m2: float) -> str:
    return f"{rcs_m2:g} m² ({10 * math.log10(rcs_m2):+.1f} dBsm)"


def ring_en_m(
    cov: CoverageMap, radar: int, radius_m: float, n: int = 361
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """ENU (east, north) of the ground circle of ``radius_m`` ground range around a radar.

    Points along great circles of the radar's local sphere (as the detection-range rays),
    so the ring is where the map's ranges are measured.
    """
    obs = ObserverGeometry.at(cov.frame, cov.antenna_enu_m[radar])
    az = np.linspace(0.0, 2.0 * np.pi, n)
    phi = radius_m / obs.radius_m
    t = np.sin(az)[:, None] * obs.east + np.cos(az)[:, None] * obs.north
    p = obs.foot_enu_m + obs.radius_m * (math.sin(phi) * t - (1.0 - math.cos(phi)) * obs.up)
    return p[:, 0], p[:, 1]


def _background(ax: Any, cov: CoverageMap, ext_km: list[float]) -> None:
    from matplotlib.colors import LightSource

    if cov.has_terrain:
        import matplotlib as mpl

        dx, dy = cov.cell_m
        z = cov.terrain_m
        span = max(float(np.ptp(z)), 1.0)
        rgb = LightSource(azdeg=315, altdeg=45).shade(
            z,
            cmap=mpl.colormaps["gist_earth"],
            blend_mode="soft",
            vert_exag=5.0,
            dx=dx,
            dy=dy,
            vmin=float(z.min()) - 0.25 * span,
            vmax=float(z.max()) + 0.6 * span,
        )
        # Washed out towards white so the coverage colours stay readable.
        rgb = 0.45 * rgb[..., :3] + 0.55
        ax.imshow(rgb, origin="lower", extent=ext_km, interpolation="bilinear")
    else:
        ax.set_facecolor("#eef2f5")


def _sites_and_rings(ax: Any, cov: CoverageMap, rings: bool = True) -> list[Any]:
    from matplotlib.lines import Line2D

    handles = []
    for r, name in enumerate(cov.radar_names):
        c = _RADAR_COLOURS[r % len(_RADAR_COLOURS)]
        e, n = cov.antenna_enu_m[r, 0] / 1e3, cov.antenna_enu_m[r, 1] / 1e3
        ax.plot(e, n, marker="^", ms=8, mec="black", mfc=c, zorder=6)
        ax.annotate(
            name,
            (e, n),
            xytext=(6, 4) if r % 2 == 0 else (6, -12),
            textcoords="offset points",
            fontsize=8,
            zorder=6,
            bbox={"boxstyle": "round,pad=0.15", "fc": "white", "alpha": 0.7, "lw": 0},
        )
        if rings:
            re_, rn = ring_en_m(cov, r, float(cov.naive_range_m[r]))
            ax.plot(re_ / 1e3, rn / 1e3, ls="--", lw=1.2, color=c, zorder=5)
        handles.append(
            Line2D(
                [],
                [],
                marker="^",
                ls="--" if rings else "",
                color=c,
                mec="black",
                label=f"{name}: site" + (", naive range ring" if rings else ""),
            )
        )
    return handles


def _finish(fig: Any, ax: Any, cov: CoverageMap, title: str, path: str | os.PathLike[str]) -> Path:
    ax.set_xlabel("east of scenario origin, km")
    ax.set_ylabel("north of scenario origin, km")
    ax.set_aspect("equal")
    ax.set_title(title, fontsize=10)
    f = cov.frame
    terrain = "terrain" if cov.has_terrain else "smooth earth"
    if cov.has_terrain and not cov.masking:
        terrain += " (masking off)"
    fig.text(
        0.01,
        0.005,
        f"origin {f.lat0_deg:.4f}°, {f.lon0_deg:.4f}°; {terrain}; "
        f"cell {cov.cell_m[0] / 1e3:.2f} km; samsim",
        fontsize=7,
        color="0.35",
    )
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(p, dpi=120, bbox_inches="tight")
    _pyplot().close(fig)
    return p


def plot_coverage(cov: CoverageMap, altitude_index: int, path: str | os.PathLike[str]) -> Path:
    """Map of one altitude: the combined coverage filled, each radar's outlined, sites and
    naive range rings (dashed)."""
    plt = _pyplot()
    from matplotlib.patches import Patch

    fig, ax = plt.subplots(figsize=(8, 8))
    ext = [v / 1e3 for v in cov.extent_m]
    _background(ax, cov, ext)
    a = altitude_index
    union = cov.covered_all[a]
    ax.imshow(
        np.ma.masked_where(~union, union.astype(float)),
        origin="lower",
        extent=ext,
        cmap="Blues",
        vmin=0,
        vmax=1.6,
        alpha=0.55,
        interpolation="nearest",
        zorder=2,
    )
    ek, nk = cov.east_m / 1e3, cov.north_m / 1e3
    for r in range(len(cov.radar_names)):
        if cov.covered[a, r].any():
            ax.contour(
                ek,
                nk,
                cov.covered[a, r].astype(float),
                levels=[0.5],
                zorder=4,
                colors=[_RADAR_COLOURS[r % len(_RADAR_COLOURS)]],
                linewidths=1.3,
            )
    handles = [Patch(color="#6baed6", alpha=0.7, label="covered by at least one radar")]
    handles += _sites_and_rings(ax, cov)
    ax.set_xlim(ext[0], ext[1])
    ax.set_ylim(ext[2], ext[3])
    ax.legend(handles=handles, loc="upper right", fontsize=7, framealpha=0.85)
    h = float(cov.altitudes_agl_m[a])
    area = float(cov.area_km2(union))
    title = (
        f"Target at {_fmt_alt(h)} above ground, RCS {_rcs_text(cov.rcs_m2)}, "
        f"Pd ≥ {cov.pd_min:g} (Swerling {cov.swerling})\n"
        f"covered {area:,.0f} km²; solid lines: each radar's coverage edge"
    )
    return _finish(fig, ax, cov, title, path)


def plot_overview(cov: CoverageMap, path: str | os.PathLike[str]) -> Path:
    """All altitudes on one map: combined coverage per altitude (lowest on top, darkest)
    against the naive range rings."""
    plt = _pyplot()
    from matplotlib.patches import Patch

    fig, ax = plt.subplots(figsize=(8, 8))
    ext = [v / 1e3 for v in cov.extent_m]
    _background(ax, cov, ext)
    order = np.argsort(cov.altitudes_agl_m)[::-1]
    handles = []
    n = len(order)
    for rank, a in enumerate(order):
        colour = _ALT_COLOURS[min(n - 1 - rank, len(_ALT_COLOURS) - 1)]
        union = cov.covered_all[a]
        from matplotlib.colors import ListedColormap

        ax.imshow(
            np.ma.masked_where(~union, union.astype(float)),
            origin="lower",
            extent=ext,
            cmap=ListedColormap([colour]),
            alpha=0.6,
            interpolation="nearest",
            zorder=2,
        )
        h = float(cov.altitudes_agl_m[a])
        med = float(np.median(cov.all_range_az_m[a]))
        handles.append(
            Patch(
                color=colour,
                alpha=0.7,
                label=f"{_fmt_alt(h)}: {cov.area_km2(union):,.0f} km², "
                f"median range {med / 1e3:.0f} km",
            )
        )
    handles = handles[::-1] + _sites_and_rings(ax, cov)
    ax.set_xlim(ext[0], ext[1])
    ax.set_ylim(ext[2], ext[3])
    ax.legend(
        handles=handles,
        loc="upper right",
        fontsize=7,
        framealpha=0.85,
        title="target height above ground",
        title_fontsize=7,
    )
    title = (
        f"What the radars actually see: RCS {_rcs_text(cov.rcs_m2)}, Pd ≥ {cov.pd_min:g}"
        f" (Swerling {cov.swerling})\nfilled: detected; dashed: naive range ring "
        "(radar equation / instrumented range, no horizon)"
    )
    return _finish(fig, ax, cov, title, path)


def plot_vertical(vc: VerticalCoverage, path: str | os.PathLike[str]) -> Path:
    """Range-height-angle (Blake) chart: Pd over ground range and height, the coverage edge
    at ``pd_min``, constant-elevation-angle curves over the 4/3 earth, the terrain profile
    and the naive range."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(10, 5.5))
    rk = vc.ground_range_m / 1e3
    hk = vc.height_m / 1e3
    # Light grey: no line of sight (below the radar horizon or masked by terrain).
    hidden = np.ma.masked_where(vc.visible, np.ones_like(vc.pd))
    ax.pcolormesh(rk, hk, hidden, cmap="Greys", vmin=0.0, vmax=6.0, shading="auto",
                  rasterized=True)  # fmt: skip
    pd = np.ma.masked_where(vc.pd <= 0.0, vc.pd)
    mesh = ax.pcolormesh(
        rk, hk, pd, cmap="viridis", vmin=0.0, vmax=1.0, shading="auto", rasterized=True
    )
    fig.colorbar(mesh, ax=ax, pad=0.01, label="probability of detection")
    if vc.detected.any() and not vc.detected.all():
        ax.contour(rk, hk, vc.detected.astype(float), levels=[0.5], colors="white", linewidths=1.5)
    ha = vc.antenna_height_m - vc.ground_height_m
    top = float(vc.height_m[-1])
    for deg in (0.0, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 20.0, 45.0):
        h = vc.ground_height_m + elevation_curve_height_m(
            vc.ground_range_m, math.radians(deg), ha, vc.k_factor
        )
        inside = h <= top
        if inside.sum() < 2:
            continue
        ax.plot(rk[inside], h[inside] / 1e3, color="0.25", lw=0.6, ls=":")
        j = int(np.flatnonzero(inside)[-1])
        ax.annotate(
            f"{deg:g}°",
            (rk[j], h[j] / 1e3),
            fontsize=7,
            color="0.2",
            xytext=(-3, 3) if j == rk.size - 1 else (-3, -3),
            textcoords="offset points",
            ha="right",
            va="bottom" if j == rk.size - 1 else "top",
        )
    ax.fill_between(
        rk, vc.height_m[0] / 1e3 - 1.0, vc.terrain_m / 1e3, color="#8c6d46", zorder=3, lw=0
    )
    naive = min(vc.free_space_range_m, vc.instrumented_range_m)
    if naive <= vc.ground_range_m[-1]:
        ax.axvline(naive / 1e3, color="black", ls="--", lw=1.0)
        ax.annotate(
            "naive range",
            (naive / 1e3, top / 1e3),
            xytext=(-4, -12),
            textcoords="offset points",
            ha="right",
            fontsize=8,
        )
    ax.set_ylim(vc.height_m[0] / 1e3, top / 1e3)
    ax.set_xlim(0.0, rk[-1])
    ax.set_xlabel("ground range, km")
    ax.set_ylabel("height above the ellipsoid, km" if vc.has_terrain else "height, km")
    where = (
        f"terrain profile at azimuth {math.degrees(vc.az_rad):.0f}°"
        if vc.has_terrain
        else "smooth earth"
    )
    ax.set_title(
        f"{vc.radar_name}: vertical coverage, RCS {_rcs_text(vc.rcs_m2)}, Pd ≥ {vc.pd_min:g} "
        f"(Swerling {vc.swerling})\n{where}, k = {vc.k_factor:.3g}; dotted: elevation angle "
        "over the 4/3 earth; white: coverage edge; grey: no line of sight",
        fontsize=10,
    )
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(p, dpi=120, bbox_inches="tight")
    plt.close(fig)
    return p
