"""The ``samsim coverage`` command: coverage maps, grids, a table and vertical diagrams.

Registered on the main app by :func:`register`; heavy imports happen inside the command
so ``samsim --help`` stays fast.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import Annotated, Any

import typer

from samsim.errors import SamsimError

__all__ = ["CoverageInputError", "register"]


class CoverageInputError(SamsimError):
    """A bad option of ``samsim coverage`` (printed without a traceback, exit 2)."""


def _parse_altitudes(values: list[str]) -> list[float]:
    from samsim.units import UnitError, length_m

    out = []
    for v in values:
        try:
            h = length_m(v)
        except UnitError as exc:
            raise CoverageInputError(f"--altitude {v!r}: {exc}") from None
        if not (math.isfinite(h) and h >= 0):
            raise CoverageInputError(
                f"--altitude {v!r}: a target height above the ground must be >= 0 "
                "(e.g. --altitude 30 or --altitude '1 km')"
            )
        out.append(h)
    return sorted(set(out))


def _parse_rcs(value: str) -> float:
    from samsim.units import UnitError, rcs_m2

    try:
        return rcs_m2(value)
    except UnitError as exc:
        raise CoverageInputError(
            f"--rcs {value!r}: {exc}; give a positive area such as 0.1, '0.1 m2' or '-10 dBsm'"
        ) from None


def _parse_extent(value: str | None) -> float | None:
    if value is None:
        return None
    from samsim.units import UnitError, length_m

    try:
        half = length_m(value)
    except UnitError as exc:
        raise CoverageInputError(f"--extent {value!r}: {exc}") from None
    if not (math.isfinite(half) and half > 0):
        raise CoverageInputError(f"--extent {value!r}: the half width must be positive")
    return half


def _check_terrain_option(spec: str | None) -> None:
    """Reject a malformed --terrain before the scenario is loaded."""
    if spec is None or spec == "flat":
        return
    if spec.startswith("synthetic"):
        _, _, seed = spec.partition(":")
        if spec != "synthetic" and not (spec.startswith("synthetic:") and seed.isdigit()):
            raise CoverageInputError(
                f"--terrain {spec!r}: write synthetic or synthetic:SEED with SEED an integer >= 0"
            )
        return
    from samsim.geo.dem import MATPLOTLIB_DEMS

    if spec not in MATPLOTLIB_DEMS and not Path(spec).is_file():
        raise CoverageInputError(
            f"--terrain {spec!r}: no such file; use flat, synthetic[:SEED], "
            f"{', '.join(MATPLOTLIB_DEMS)} or a DEM file (GeoTIFF, DTED, SRTM .hgt)"
        )


def _terrain(
    spec: str | None,
    world: Any,
    alts: list[float],
    rcs: float,
    pd: float,
    swerling: int,
    extent_m: float | None,
    cells: int,
) -> tuple[Any, Any, str]:
    """(terrain for coverage_map, extent, description) from the --terrain option."""
    from samsim.analysis.coverage import default_extent_m

    if spec is None:
        return None, extent_m, "the scenario's terrain"
    if spec == "flat":
        from samsim.geo.terrain import FlatTerrain

        return FlatTerrain(0.0), extent_m, "flat (smooth earth at 0 m)"
    if spec.startswith("synthetic"):
        from samsim.geo.terrain import SyntheticTerrain

        _, _, seed_text = spec.partition(":")
        seed = int(seed_text) if seed_text else 0
        relief = 800.0
        if extent_m is None:
            ext = default_extent_m(world, alts, rcs, pd, swerling, relief_m=relief)
        else:
            pos = [r.site.position_enu_m[:2] for r in world.radars]
            cx = 0.5 * (min(p[0] for p in pos) + max(p[0] for p in pos))
            cy = 0.5 * (min(p[1] for p in pos) + max(p[1] for p in pos))
            ext = (cx - extent_m, cx + extent_m, cy - extent_m, cy + extent_m)
        import numpy as np

        res = max((ext[1] - ext[0]) / cells / 2.0, 30.0)
        synth = SyntheticTerrain.generate(
            world.frame,
            ext,
            res,
            rng=np.random.default_rng(seed),
            relief_m=relief,
            feature_size_m=20e3,
        )
        return synth.grid, ext, f"synthetic (seed {seed}, 800 m relief, {res:.0f} m grid)"
    from samsim.geo.dem import MATPLOTLIB_DEMS, MissingExtraError, load_dem, matplotlib_dem

    try:
        dem = matplotlib_dem(spec) if spec in MATPLOTLIB_DEMS else load_dem(Path(spec))  # type: ignore[arg-type]
    except MissingExtraError:
        raise
    except (OSError, ValueError) as exc:
        raise CoverageInputError(f"--terrain {spec!r}: cannot read the DEM: {exc}") from None
    if dem.crs is None:
        x0, x1, y0, y1 = dem.bounds
        outside = []
        for r in world.radars:
            lat, lon, _ = world.frame.enu_to_geodetic(r.site.position_enu_m)
            if not (x0 <= float(lon) <= x1 and y0 <= float(lat) <= y1):
                outside.append(r.name)
        if outside:
            raise CoverageInputError(
                f"--terrain {spec!r} covers lat {y0:.3f}..{y1:.3f}, lon {x0:.3f}..{x1:.3f}, "
                f"but radar(s) {', '.join(outside)} stand outside it; move the sites onto the "
                "DEM or use another terrain"
            )
    return dem, extent_m, f"DEM {dem.name or spec}"


def coverage(
    scenario: Annotated[Path, typer.Argument(help="scenario YAML file")],
    altitude: Annotated[
        list[str] | None,
        typer.Option(
            "--altitude",
            "-a",
            help="target height above ground (repeat for several): 30, '30 m', '1 km'; "
            "default 30 m and 1 km",
        ),
    ] = None,
    rcs: Annotated[str, typer.Option(help="target RCS: 0.1, '0.1 m2' or '-10 dBsm'")] = "1 m2",
    pd: Annotated[float, typer.Option("--pd", help="Pd that counts as detected")] = 0.5,
    swerling: Annotated[int, typer.Option(help="target Swerling case, 0-4")] = 1,
    out_dir: Annotated[
        Path | None,
        typer.Option("--out", help="output folder (default runs/<scenario>/coverage)"),
    ] = None,
    cells: Annotated[int, typer.Option(help="cells along each side of the map, 16-4096")] = 512,
    grid_format: Annotated[
        str, typer.Option("--format", help="grid file: tif (GeoTIFF, needs rasterio) or npz")
    ] = "tif",
    terrain: Annotated[
        str | None,
        typer.Option(
            help="override the scenario's terrain: flat, synthetic[:SEED], jacksboro, "
            "topobathy (matplotlib's sample DEMs) or a DEM file"
        ),
    ] = None,
    extent: Annotated[
        str | None,
        typer.Option(
            help="half width of the map around the radars, e.g. '300 km' "
            "(default: what the highest altitude needs)"
        ),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="print nothing but errors")] = False,
) -> None:
    """Coverage maps: where each radar and each battalion detects a target of an RCS at
    heights above ground, over terrain. Writes PNG maps, the grid (GeoTIFF or .npz), a
    CSV table (covered area, detection range per azimuth) and a vertical coverage
    diagram per radar."""
    from rich.console import Console

    out = Console(quiet=quiet)
    alts = _parse_altitudes(altitude or ["30 m", "1 km"])
    rcs_m2 = _parse_rcs(rcs)
    # Checked here rather than by typer so every bad option exits 2 with one message.
    if not 0.0 < pd < 1.0:
        raise CoverageInputError(f"--pd {pd}: give a probability strictly between 0 and 1")
    if swerling not in (0, 1, 2, 3, 4):
        raise CoverageInputError(f"--swerling {swerling}: use 0 (steady), 1, 2, 3 or 4")
    if not 16 <= cells <= 4096:
        raise CoverageInputError(f"--cells {cells}: use 16 to 4096 cells along each side")
    if grid_format not in ("tif", "npz"):
        raise CoverageInputError(f"--format {grid_format!r}: use tif or npz")
    half = _parse_extent(extent)
    _check_terrain_option(terrain)

    from samsim.analysis.coverage import coverage_map
    from samsim.analysis.coverage_plot import plot_coverage, plot_overview, plot_vertical
    from samsim.analysis.vertical import vertical_coverage
    from samsim.console import Status, first_run_note, kernels_need_compiling
    from samsim.engine.world import compile_world
    from samsim.scenario.loader import load_scenario

    with Status(f"loading {scenario}", enabled=not quiet) as status:
        sc = load_scenario(scenario)
        status.update(f"compiling {sc.name}: terrain and sites")
        world = compile_world(sc)
        if not world.radars:
            raise CoverageInputError(f"{scenario}: the scenario has no radars")
        for r in world.radars:
            if pd <= r.spec.pfa:
                raise CoverageInputError(
                    f"--pd {pd}: must exceed radar {r.name}'s Pfa {r.spec.pfa}"
                )
        terr, ext, terrain_text = _terrain(terrain, world, alts, rcs_m2, pd, swerling, half, cells)
        status.update(
            f"computing coverage: {len(world.radars)} radars, {len(alts)} heights, "
            f"{cells} x {cells} cells over {terrain_text} (about a minute at 512 cells)"
            + first_run_note(kernels_need_compiling())
        )
        cov = coverage_map(
            world,
            alts,
            rcs_m2,
            pd_min=pd,
            swerling=swerling,
            extent_m=ext,
            cells=cells,
            terrain=terr,
        )
        # Under runs/ like a run's outputs: a folder named after a package in the working
        # directory (coverage/) would shadow that package for every Python started there.
        target = out_dir if out_dir is not None else Path("runs") / sc.name / "coverage"
        target.mkdir(parents=True, exist_ok=True)
        written: list[Path] = []
        status.update(f"drawing the maps into {target}")
        written.append(plot_overview(cov, target / "coverage.png"))
        for a, h in enumerate(cov.altitudes_agl_m):
            written.append(plot_coverage(cov, a, target / f"coverage_{h:g}m.png"))
        for name in cov.radar_names:
            status.update(f"vertical coverage diagram of {name}")
            vc = vertical_coverage(world, name, rcs_m2, pd_min=pd, swerling=swerling, terrain=terr)
            written.append(plot_vertical(vc, target / f"vertical_{name}.png"))
        status.update(f"writing the grids and the table into {target}")
        note = ""
        if grid_format == "tif":
            from samsim.geo.dem import MissingExtraError

            try:
                written.extend(cov.to_geotiff(target))
            except MissingExtraError:
                note = (
                    "rasterio is not installed (pip install 'samsim[terrain]'), so the grid "
                    "was written as coverage.npz instead of GeoTIFF"
                )
                written.append(cov.to_npz(target / "coverage.npz"))
        else:
            written.append(cov.to_npz(target / "coverage.npz"))
        rows = cov.rows()
        table_path = target / "coverage_table.csv"
        with table_path.open("w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(
                [
                    "altitude_agl_m",
                    "scope",
                    "name",
                    "unit",
                    "area_km2",
                    "range_min_m",
                    "range_median_m",
                    "range_max_m",
                    "naive_range_m",
                    "reaches_map_edge",
                ]
            )
            for row in rows:
                w.writerow(
                    [
                        f"{row.altitude_agl_m:g}",
                        row.scope,
                        row.name,
                        row.unit,
                        f"{row.area_km2:.1f}",
                        f"{row.range_min_m:.0f}",
                        f"{row.range_median_m:.0f}",
                        f"{row.range_max_m:.0f}",
                        "" if row.naive_range_m is None else f"{row.naive_range_m:.0f}",
                        int(row.reaches_edge),
                    ]
                )
        written.append(table_path)

    dbsm = 10 * math.log10(rcs_m2)
    out.print(
        f"[bold]{sc.name}[/bold]: RCS {rcs_m2:g} m² ({dbsm:+.1f} dBsm), Pd ≥ {pd:g}, "
        f"Swerling {swerling}; terrain: {terrain_text}; {cov.east_m.size} x "
        f"{cov.north_m.size} cells of {cov.cell_m[0] / 1e3:.2f} km",
        highlight=False,
        soft_wrap=True,
    )
    from samsim.console import print_table

    cells_out = []
    edge = False
    for row in rows:
        label = row.name if row.scope == "radar" else f"[bold]{row.name}[/bold] (combined)"
        mark = "*" if row.reaches_edge else ""
        edge |= row.reaches_edge
        cells_out.append(
            [
                f"{row.altitude_agl_m:g} m",
                label,
                f"{row.area_km2:,.0f}",
                f"{row.range_min_m / 1e3:.1f}",
                f"{row.range_median_m / 1e3:.1f}",
                f"{row.range_max_m / 1e3:.1f}{mark}",
                "-" if row.naive_range_m is None else f"{row.naive_range_m / 1e3:.1f}",
            ]
        )
    print_table(
        out,
        "Coverage: detection range along each azimuth (farthest detection), km",
        ["AGL", "radar / unit", "area km²", "min", "median", "max", "ring"],
        cells_out,
        right=(0, 2, 3, 4, 5, 6),
        caption="AGL: target height above ground; ring: the naive ring a range-ring map "
        "draws (min of the instrumented and free-space radar-equation ranges)",
    )
    if edge:
        out.print(
            "* coverage reaches the map edge: the range is a lower bound; widen --extent",
            highlight=False,
            soft_wrap=True,
        )
    if note:
        out.print(note, highlight=False, markup=False, soft_wrap=True)
    out.print(
        f"Wrote {len(written)} files to {target}/: " + ", ".join(p.name for p in written),
        highlight=False,
        soft_wrap=True,
    )


def register(app: typer.Typer) -> None:
    """Add the ``coverage`` command to the samsim app."""
    app.command("coverage")(coverage)
