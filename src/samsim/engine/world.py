"""Compiling a scenario into the engine's world: arrays in the scenario ENU frame.

Everything here is deterministic and independent of the run seed: sites, the raid's
trajectories, launcher inventories. Random streams are created by the engine.
"""

from __future__ import annotations

import itertools
import math
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from samsim.errors import Issue, ScenarioError
from samsim.geo.dem import MissingExtraError, load_dem, matplotlib_dem
from samsim.geo.frames import EnuFrame
from samsim.geo.terrain import SyntheticTerrain, TerrainGrid, resample_to_enu
from samsim.physics.arm import arm_of, arm_trajectory
from samsim.physics.threats import (
    Agility,
    Evasion,
    PathPoint,
    RoutePlan,
    TerrainFn,
    ThreatTable,
    Trajectory,
    ballistic_missile_of,
    ballistic_missile_trajectory,
    resolve_speed,
    terminal_of,
    waypoint_trajectory,
)
from samsim.rng import stream
from samsim.scenario.catalog import load_catalog
from samsim.scenario.loader import Resolved, resolve
from samsim.scenario.models import (
    REGIMENT_NODE,
    DemTerrainConfig,
    Doctrine,
    FlatTerrainConfig,
    GeoPoint,
    Scenario,
    SyntheticTerrainConfig,
    Waypoint,
)
from samsim.scenario.specs import CommandPostSpec, LauncherSpec, ThreatSpec
from samsim.sensors.interference import CARRIED, ESCORT, FIXED, ROUTE, JammerTable
from samsim.sensors.radar import Radar
from samsim.units import MIN_MOVER_SPEED_MPS, Mach


@dataclass
class Unit:
    """A battalion: command post, its radars and launchers (indices into the world).

    ``reserve`` holds the battalion's reload missiles per missile type (world order);
    ``regiment`` is True when a regiment command post assigns its engagements.
    """

    name: str
    index: int
    cp: CommandPostSpec
    doctrine: Doctrine
    position_m: NDArray[np.float64]
    reserve: NDArray[np.int64]
    regiment: bool = False
    #: The unit whose command post this one is under (point defence), -1: none.
    attached_to: int = -1
    radars: list[int] = field(default_factory=list)
    fire_control: list[int] = field(default_factory=list)
    launchers: list[int] = field(default_factory=list)

    @property
    def salvo(self) -> int:
        """Missiles per engagement under the unit's doctrine."""
        return self.doctrine.shots_per_engagement

    @property
    def max_engagements_per_target(self) -> int:
        """Engagements of one target before the command post gives up."""
        return self.doctrine.max_engagements_per_target


@dataclass
class World:
    """The compiled scenario."""

    scenario: Scenario
    resolved: Resolved
    frame: EnuFrame
    terrain_grid: TerrainGrid
    asset_names: list[str]
    asset_pos_m: NDArray[np.float64]
    asset_value: NDArray[np.float64]
    asset_radius_m: NDArray[np.float64]
    units: list[Unit]
    radars: list[Radar]
    launcher_names: list[str]
    launcher_unit: NDArray[np.int64]
    launcher_pos_m: NDArray[np.float64]
    launcher_specs: list[LauncherSpec]
    missile_names: list[str]
    missile_specs: list[Any]
    inventory: NDArray[np.int64]  # (launchers, missile types)
    threats: ThreatTable
    threat_names: list[str]
    threat_type: list[str]  # scenario threat-type name per threat
    threat_group: list[str]
    threat_kind: list[str]
    threat_target: NDArray[np.int64]  # asset index or -1
    rcs_m2: NDArray[np.float64]
    swerling: NDArray[np.int64]
    capability: NDArray[np.float64]
    #: Per threat: span (seeker glint), length and vulnerable area (warhead lethality).
    span_m: NDArray[np.float64]
    length_m: NDArray[np.float64]
    vulnerable_area_m2: NDArray[np.float64]
    #: Capability of the type each threat looks like to the command post (``appears_as``;
    #: its own for all but decoys): what threat evaluation should use.
    perceived_capability: NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))
    #: Per threat: its type's spec, and the spec of the type it looks like to a command
    #: post that does not recognise it (``appears_as``; its own for all but decoys).
    threat_spec: list[ThreatSpec] = field(default_factory=list)
    threat_seen_spec: list[ThreatSpec] = field(default_factory=list)
    #: Per threat, what it needs to re-plan its path (waypoint movers; None for ballistic).
    threat_plans: list[RoutePlan | None] = field(default_factory=list)
    #: Per threat, the compiled time at which each route point is passed (or None).
    threat_point_times_s: list[NDArray[np.float64] | None] = field(default_factory=list)
    jammers: JammerTable = field(default_factory=JammerTable.empty)
    #: The defence's nodes (:meth:`Scenario.node_sites` order): name, kind ("radar",
    #: "launcher", "command_post"), unit index (-1: the regiment's command post), index
    #: of the radar, launcher or unit it is (-1: the regiment's), site position (ENU, on
    #: the ground or at its given altitude).
    node_names: list[str] = field(default_factory=list)
    node_kind: list[str] = field(default_factory=list)
    node_unit: NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    node_ref: NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    node_pos_m: NDArray[np.float64] = field(default_factory=lambda: np.zeros((0, 3)))
    #: Per unit, its alternative sites (shoot-and-scoot): name -> where its command post
    #: stands there (ENU).
    unit_sites_m: list[dict[str, NDArray[np.float64]]] = field(default_factory=list)
    #: Per threat, the node its group targets (index into the node lists) or -1.
    threat_target_node: NDArray[np.int64] = field(
        default_factory=lambda: np.zeros(0, dtype=np.int64)
    )

    @property
    def n_threats(self) -> int:
        return len(self.threats)


def _scenario_points(scenario: Scenario) -> list[GeoPoint]:
    pts: list[GeoPoint] = [a.position for a in scenario.assets.values()]
    for u in scenario.units.values():
        pts.append(u.command_post.position)
        pts.extend(r.position for r in u.radars.values())
        pts.extend(lc.position for lc in u.launchers.values())
    for g in scenario.raid.values():
        pts.extend(g.route)
    for j in scenario.jammers.values():
        if j.position is not None:
            pts.append(j.position)
        pts.extend(j.route or [])
    return pts


def terrain_extent_m(
    scenario: Scenario, frame: EnuFrame, margin_m: float = 30e3
) -> tuple[float, float, float, float]:
    """ENU (east_min, east_max, north_min, north_max) covering every site and route point
    of the scenario, plus a margin (and the raid groups' lateral spread)."""
    pts = _scenario_points(scenario)
    enu = frame.geodetic_to_enu([p.lat for p in pts], [p.lon for p in pts], np.zeros(len(pts)))
    spread = max((g.spread * g.count for g in scenario.raid.values()), default=0.0)
    m = margin_m + spread
    return (
        float(enu[:, 0].min() - m),
        float(enu[:, 0].max() + m),
        float(enu[:, 1].min() - m),
        float(enu[:, 1].max() + m),
    )


def build_terrain(scenario: Scenario, frame: EnuFrame) -> TerrainGrid:
    """The scenario's terrain on a regular grid of its ENU frame.

    Raises
    ------
    ScenarioError
        When a DEM file cannot be read (or rasterio is missing), located at
        ``environment.terrain``.
    """
    cfg = scenario.environment.terrain
    extent = terrain_extent_m(scenario, frame)
    if isinstance(cfg, FlatTerrainConfig):
        return TerrainGrid.flat(frame, cfg.elevation, extent)
    _check_grid_size(scenario, extent, cfg.resolution)
    if isinstance(cfg, SyntheticTerrainConfig):
        return SyntheticTerrain.generate(
            frame,
            extent,
            cfg.resolution,
            rng=stream(cfg.seed, "terrain"),
            relief_m=cfg.relief,
            hurst=cfg.hurst,
            feature_size_m=cfg.feature_size,
            base_height_m=cfg.base_height,
        ).grid
    smap = scenario._source_map
    try:
        if isinstance(cfg, DemTerrainConfig):
            path = scenario.terrain_file() or Path(cfg.path)
            source: Any = load_dem(path, geoid_undulation_m=cfg.geoid_undulation)
        else:
            source = matplotlib_dem(cfg.name)
        return resample_to_enu(source, frame, extent, cfg.resolution)
    except (OSError, ValueError, MissingExtraError) as exc:
        line, col = smap.locate(("environment", "terrain")) if smap else (None, None)
        fix = (
            "install the extra: pip install 'samsim[terrain]'"
            if isinstance(exc, MissingExtraError)
            else "check the DEM path and that the file is a GeoTIFF, DTED or SRTM .hgt raster"
        )
        raise ScenarioError(
            smap.path if smap else "<scenario>",
            [Issue("environment.terrain", f"the terrain cannot be loaded: {exc}", fix, line, col)],
        ) from None


#: Most cells of a terrain grid (float64: 128 MB), so a scenario cannot ask for more memory
#: than a laptop has.
MAX_TERRAIN_CELLS = 16_000_000


def _check_grid_size(
    scenario: Scenario, extent: tuple[float, float, float, float], resolution_m: float
) -> None:
    """Refuse a terrain grid of more than :data:`MAX_TERRAIN_CELLS` cells, naming the
    resolution that would fit."""
    e0, e1, n0, n1 = extent
    cells = (math.ceil((e1 - e0) / resolution_m) + 1) * (math.ceil((n1 - n0) / resolution_m) + 1)
    if cells <= MAX_TERRAIN_CELLS:
        return
    fits = math.sqrt((e1 - e0) * (n1 - n0) / MAX_TERRAIN_CELLS) * 1.01
    smap = scenario._source_map
    line, col = smap.locate(("environment", "terrain", "resolution")) if smap else (None, None)
    raise ScenarioError(
        smap.path if smap else "<scenario>",
        [
            Issue(
                "environment.terrain.resolution",
                f"the terrain grid would have {cells:,} cells ({(e1 - e0) / 1e3:,.0f} x "
                f"{(n1 - n0) / 1e3:,.0f} km at {resolution_m:g} m); at most "
                f"{MAX_TERRAIN_CELLS:,} are allowed",
                f"give resolution: {math.ceil(fits):d} m or coarser, or bring the scenario's "
                "sites and routes closer together",
                line,
                col,
            )
        ],
    )


#: Most trajectory samples of a raid (the sum over threats of their samples: 56 bytes per
#: sample in the threat table, about 3.6 GB, and as much again while the world compiles).
MAX_THREAT_SAMPLES = 64_000_000
#: Sampling step of a waypoint mover's trajectory, s (``waypoint_trajectory``'s default).
_WAYPOINT_DT_S = 0.5
#: Slowest speed of sound in the ISA (tropopause), m/s: a Mach speed is at least this
#: many times its Mach number, so the estimate below is an upper bound.
_MIN_SPEED_OF_SOUND_MPS = 295.0


def _arc_m(a: GeoPoint, b: GeoPoint) -> float:
    """Great-circle distance on a sphere of the earth's mean radius, m (haversine)."""
    p1, p2 = math.radians(a.lat), math.radians(b.lat)
    dl = math.radians(b.lon - a.lon)
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2.0 * 6_371_000.0 * math.asin(min(1.0, math.sqrt(h)))


def check_raid_size(scenario: Scenario, res: Resolved) -> None:
    """Refuse a raid whose trajectories would need more than :data:`MAX_THREAT_SAMPLES`
    samples in all, before computing any (an estimate from route lengths and speeds, group
    by group: long routes flown slowly by many threats).

    Raises
    ------
    ScenarioError
        Naming the group with the longest trajectories.
    """
    n_threats, samples, most, longest, where = 0, 0.0, 0.0, 0.0, ""
    for gname, group in scenario.raid.items():
        spec = res.threats.get(group.threat)
        if spec is None or spec.kind == "ballistic_missile" or not group.count:
            continue
        route: list[GeoPoint] = list(group.route)
        aim = _aim_point(scenario, group.target, group.target_node)
        if aim is not None:
            route.append(aim)
        speed: Any = spec.speed_mps
        duration_s = 0.0
        for a, b in itertools.pairwise(route):
            if isinstance(a, Waypoint) and a.speed is not None:
                speed = a.speed
            v = (
                speed.number * _MIN_SPEED_OF_SOUND_MPS
                if isinstance(speed, Mach)
                else float(speed or 0.0)
            )
            duration_s += _arc_m(a, b) / max(v, MIN_MOVER_SPEED_MPS)
        n_threats += group.count
        group_samples = group.count * (duration_s / _WAYPOINT_DT_S + 1.0)
        samples += group_samples
        if group_samples > most:
            most, longest, where = group_samples, duration_s, gname
    if samples <= MAX_THREAT_SAMPLES:
        return
    smap = scenario._source_map
    line, col = smap.locate(("raid", where, "route")) if smap else (None, None)
    raise ScenarioError(
        smap.path if smap else "<scenario>",
        [
            Issue(
                f"raid.{where}.route",
                f"the raid's trajectories would need about {samples:,.0f} samples "
                f"({n_threats:,} threats; this group's threats fly {longest / 3600:,.1f} h on this "
                f"route); at most {MAX_THREAT_SAMPLES:,} fit in memory",
                "shorten the routes (start closer to the defence), fly them faster, or "
                "send fewer threats",
                line,
                col,
            )
        ],
    )


#: Most false alarms a radar may expect in one scan of its search sector or one look at
#: its largest window. The catalogue's radars expect at most 6; every false alarm is a
#: detection the tracker must gate, and hundreds per look make a run last hours.
MAX_FALSE_ALARMS_PER_LOOK = 100.0


def _check_false_alarms(scenario: Scenario, unit: str, radar: Radar) -> None:
    """Refuse a radar whose resolution cells and ``pfa`` would raise more false alarms per
    look than :data:`MAX_FALSE_ALARMS_PER_LOOK` (a bandwidth of 100 GHz, or a beam of a
    microradian, gives so many cells that the run would not end)."""
    s = radar.spec
    window_cells = (
        max(2.0 * s.cue_window_range_m / radar.range_resolution_m, 1.0)
        * float(s.cue_window_max_beams) ** 2
    )
    expected = s.pfa * max(radar.sector_cells, window_cells)
    if expected <= MAX_FALSE_ALARMS_PER_LOOK:
        return
    smap = scenario._source_map
    loc = ("units", unit, "radars", radar.name)
    line, col = smap.locate(loc) if smap else (None, None)
    raise ScenarioError(
        smap.path if smap else "<scenario>",
        [
            Issue(
                ".".join(loc),
                f"would expect {expected:,.0f} false alarms in one look (pfa {s.pfa:g} over "
                f"{expected / s.pfa:,.3g} resolution cells: range cells of "
                f"{radar.range_resolution_m:.3g} m, beams of {s.beamwidth_az_rad:.3g} x "
                f"{s.beamwidth_el_rad:.3g} rad); at most {MAX_FALSE_ALARMS_PER_LOOK:,.0f} are "
                "allowed",
                "give a lower pfa, a narrower bandwidth_hz (longer range cells) or wider "
                "beamwidths",
                line,
                col,
            )
        ],
    )


def _ground_alt(frame: EnuFrame, terrain: TerrainFn, p: GeoPoint) -> float:
    g = frame.geodetic_to_enu(p.lat, p.lon, 0.0)
    return float(terrain(np.array([g[0]]), np.array([g[1]]))[0])


def _site_enu(
    frame: EnuFrame, terrain: TerrainFn, p: GeoPoint, above_ground_m: float = 0.0
) -> tuple[NDArray[np.float64], float]:
    ground = _ground_alt(frame, terrain, p)
    alt = p.alt if p.alt is not None else ground
    return frame.geodetic_to_enu(p.lat, p.lon, alt + above_ground_m), ground


def _offset_point(
    frame: EnuFrame, lat: float, lon: float, east_m: float, north_m: float
) -> tuple[float, float]:
    g = frame.geodetic_to_enu(lat, lon, 0.0) + np.array([east_m, north_m, 0.0])
    la, lo, _ = frame.enu_to_geodetic(g)
    return float(la), float(lo)


def _aim_point(scenario: Scenario, asset: str | None, node: str | None) -> GeoPoint | None:
    """Where a raid group aims: its target asset's or target node's site (or None)."""
    if asset is not None:
        return scenario.assets[asset].position
    if node is not None:
        return scenario.node_sites()[node][2]
    return None


def _route_error(scenario: Scenario, gname: str, message: str, fix: str) -> ScenarioError:
    smap = scenario._source_map
    line, col = smap.locate(("raid", gname, "route")) if smap else (None, None)
    return ScenarioError(
        smap.path if smap else "<scenario>",
        [Issue(f"raid.{gname}.route", message, fix, line, col)],
    )


def _group_trajectories(
    world_frame: EnuFrame,
    terrain: TerrainFn,
    scenario: Scenario,
    gname: str,
    spec: ThreatSpec,
    probe: bool = False,
) -> list[tuple[Trajectory, RoutePlan | None]]:
    """Trajectories of a raid group's members, with what each needs to re-plan its path.

    Members fly side by side ``spread`` apart across the first leg's direction and start
    ``interval`` apart. Ballistic members with the same launch and aim points share one
    computed flight. With ``probe``, only the first and the last member are compiled (the
    outermost offsets and the last start time: what differs between members).
    """
    group = scenario.raid[gname]
    route = list(group.route)
    target = _aim_point(scenario, group.target, group.target_node)
    # Lateral offsets: members side by side across the first leg's direction.
    first = route[0]
    nxt = route[1] if len(route) > 1 else target
    if nxt is None:
        raise ValueError(f"raid group {gname!r} has neither a second route point nor a target")
    a = world_frame.geodetic_to_enu(first.lat, first.lon, 0.0)
    b = world_frame.geodetic_to_enu(nxt.lat, nxt.lon, 0.0)
    d = (b - a)[:2]
    norm = float(np.hypot(*d)) or 1.0
    perp = np.array([-d[1], d[0]]) / norm
    out: list[tuple[Trajectory, RoutePlan | None]] = []
    flights: dict[tuple[float, float], Trajectory] = {}
    agility = Agility(spec.max_climb_rad, spec.max_dive_rad, spec.pull_up_mps2, spec.push_over_mps2)
    terminal = terminal_of(spec) if spec.terminal_manoeuvre != "none" else None
    evasion = (
        Evasion(spec.evasion, spec.evasion_accel_mps2, spec.evasion_delay_s, spec.evasion_hold_s)
        if spec.evasion != "none"
        else None
    )
    break_turn = (
        Evasion("beam", spec.break_accel_mps2, 0.0, spec.break_hold_s)
        if spec.endgame == "break"
        else None
    )
    step_m = 100.0 if spec.kind == "cruise_missile" else 200.0
    members = sorted({0, group.count - 1}) if probe and group.count else range(group.count)
    for i in members:
        off = (i - (group.count - 1) / 2.0) * group.spread
        t0 = group.launch_time + i * group.interval
        pts = [
            (*_offset_point(world_frame, w.lat, w.lon, off * perp[0], off * perp[1]), w)
            for w in route
        ]
        if spec.kind == "ballistic_missile":
            launch = (pts[0][0], pts[0][1])
            flight = flights.get(launch)
            if flight is None:
                aim_pt = target if target is not None else route[1]
                aim = (aim_pt.lat, aim_pt.lon)
                launch_alt = _ground_alt(world_frame, terrain, route[0])
                aim_alt = (
                    aim_pt.alt
                    if aim_pt.alt is not None
                    else _ground_alt(world_frame, terrain, aim_pt)
                )
                try:
                    flight = ballistic_missile_trajectory(
                        world_frame,
                        launch,
                        aim,
                        0.0,
                        ballistic_missile_of(spec),
                        launch_alt_m=launch_alt,
                        aim_alt_m=aim_alt,
                    )
                except ValueError as exc:
                    raise _route_error(
                        scenario,
                        gname,
                        str(exc),
                        "move the launch point so the range is within the threat's range "
                        "class (or override its min_range_m / max_range_m and motor figures)",
                    ) from None
                flights[launch] = flight
            out.append(
                (Trajectory(t0, flight.dt_s, flight.pos_m, flight.vel_mps, flight.alt_m), None)
            )
            continue
        if spec.kind == "anti_radiation_missile":
            out.append((_arm_flight(world_frame, terrain, spec, pts, target, t0), None))
            continue
        path: list[PathPoint] = []
        above_ground = spec.kind == "cruise_missile"
        height = spec.altitude_m if spec.altitude_m is not None else 0.0
        speed = spec.speed_mps if spec.speed_mps is not None else 0.0
        for lat, lon, w in pts:
            if w.agl is not None:
                above_ground, height = True, w.agl
            elif w.alt is not None:
                above_ground, height = False, w.alt
            if w.speed is not None:
                speed = w.speed
            h_alt = height if not above_ground else height + _ground_alt(world_frame, terrain, w)
            path.append(PathPoint(lat, lon, height, above_ground, resolve_speed(speed, h_alt)))
        if target is not None:
            last = path[-1]
            path.append(
                PathPoint(target.lat, target.lon, last.height_m, last.above_ground, last.speed_mps)
            )
        tr = waypoint_trajectory(
            world_frame, path, t0, terrain, step_m=step_m, agility=agility, terminal=terminal
        )
        plan = RoutePlan(
            tuple(path),
            agility,
            terminal,
            evasion,
            step_m,
            break_turn=break_turn,
            break_time_to_go_s=spec.break_time_to_go_s,
        )
        out.append((tr, plan))
    return out


def _arm_flight(
    frame: EnuFrame,
    terrain: TerrainFn,
    spec: ThreatSpec,
    pts: list[tuple[float, float, Waypoint]],
    target: GeoPoint | None,
    t0_s: float,
) -> Trajectory:
    """An anti-radiation missile's compiled flight: its route (heights above the
    ellipsoid, or above ground with ``agl``, holding from each point on; the type's
    ``altitude_m`` until one is given), then the dive onto its target radar's site."""
    if target is None:
        raise ValueError("an anti-radiation missile group needs its target radar")
    model = arm_of(spec)
    h = model.height_m
    route: list[tuple[float, float, float]] = []
    for lat, lon, w in pts:
        if w.alt is not None:
            h = w.alt
        elif w.agl is not None:
            h = w.agl + _ground_alt(frame, terrain, w)
        route.append((lat, lon, h))
    aim_alt = target.alt if target.alt is not None else _ground_alt(frame, terrain, target)
    return arm_trajectory(frame, model, route, (target.lat, target.lon, aim_alt), t0_s)


def _appears_as(scenario: Scenario, res: Resolved, tname: str, spec: ThreatSpec) -> ThreatSpec:
    """The spec of the type ``spec.appears_as`` names (scenario types first, then the
    catalogue), or the type's own."""
    if spec.appears_as is None:
        return spec
    if spec.appears_as in res.threats:
        return res.threats[spec.appears_as]
    catalogue = load_catalog()["threats"]
    if spec.appears_as in catalogue:
        out: ThreatSpec = catalogue[spec.appears_as].spec
        return out
    smap = scenario._source_map
    line, col = smap.locate(("threats", tname, "appears_as")) if smap else (None, None)
    known = sorted(set(res.threats) | set(catalogue))
    raise ScenarioError(
        smap.path if smap else "<scenario>",
        [
            Issue(
                f"threats.{tname}.appears_as",
                f"unknown threat type {spec.appears_as!r}",
                f"use one of: {', '.join(known)}",
                line,
                col,
            )
        ],
    )


def _return_freed_memory() -> None:
    """Give the C heap's free pages back to the system (glibc ``malloc_trim(0)``; nothing
    elsewhere).

    A raid's trajectories are computed threat by threat in arrays of tens of kB, which
    the C allocator serves from its heap; once they are copied into the threat table and
    freed, the heap keeps their pages (about 460 MB after a 3,000-threat theatre raid), and
    the run's own large arrays are mapped beside them. Trimming after compilation lowered
    that run's peak resident memory from 1.54 to 1.36 GB (docs/benchmarks/speed-issue16.md).
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None)
        trim = getattr(libc, "malloc_trim", None)
        if trim is not None:
            trim(0)
    except OSError:  # no C library to ask: nothing to give back
        return


def compile_world(
    scenario: Scenario, resolved: Resolved | None = None, *, probe: bool = False
) -> World:
    """Build the engine's world from a validated scenario.

    Parameters
    ----------
    scenario : Scenario
    resolved : Resolved, optional
        The scenario's resolved specs (computed when not given).
    probe : bool
        Compile only the first and last member of each raid group: every check of a full
        compile at a bounded cost (``samsim validate``); such a world is not for running.

    Raises
    ------
    ScenarioError
        A terrain that cannot be built, a route or launch point the threat cannot fly,
        or a raid whose trajectories would not fit in memory.
    """
    res = resolved or resolve(scenario)
    check_raid_size(scenario, res)
    o = scenario.origin_point()
    frame = EnuFrame(o.lat, o.lon, o.alt or 0.0)
    grid = build_terrain(scenario, frame)
    terrain = grid.elevation_m
    k = scenario.environment.k_factor

    asset_names = list(scenario.assets)
    asset_pos = np.array(
        [_site_enu(frame, terrain, a.position)[0] for a in scenario.assets.values()]
    )
    asset_value = np.array([a.value for a in scenario.assets.values()])
    asset_radius = np.array([a.radius for a in scenario.assets.values()])

    missile_names = sorted(res.missiles)
    missile_specs = [res.missiles[m] for m in missile_names]
    units: list[Unit] = []
    radars: list[Radar] = []
    l_names: list[str] = []
    l_unit: list[int] = []
    l_pos: list[NDArray[np.float64]] = []
    l_specs: list[LauncherSpec] = []
    inventory: list[list[int]] = []
    for ui, (uname, u) in enumerate(scenario.units.items()):
        cp_pos, _ = _site_enu(frame, terrain, u.command_post.position)
        unit = Unit(
            uname,
            ui,
            res.command_posts[uname],
            u.command_post.doctrine,
            cp_pos,
            np.array([u.reserve.get(m, 0) for m in missile_names], dtype=np.int64),
            scenario.regiment is not None and uname in scenario.regiment.battalions,
            list(scenario.units).index(u.attached_to) if u.attached_to else -1,
        )
        for rname, r in u.radars.items():
            spec = res.radars[(uname, rname)]
            base, _ = _site_enu(frame, terrain, r.position)
            radar = Radar(rname, len(radars), ui, spec, frame, base, grid, r.azimuth_center, k)
            _check_false_alarms(scenario, uname, radar)
            unit.radars.append(radar.index)
            if spec.role == "fire_control":
                unit.fire_control.append(radar.index)
            radars.append(radar)
        for lname, lsite in u.launchers.items():
            pos, _ = _site_enu(frame, terrain, lsite.position)
            unit.launchers.append(len(l_names))
            l_names.append(lname)
            l_unit.append(ui)
            l_pos.append(pos)
            l_specs.append(res.launchers[(uname, lname)])
            inventory.append([lsite.load.get(m, 0) for m in missile_names])
        units.append(unit)

    trajectories: list[Trajectory] = []
    plans: list[RoutePlan | None] = []
    point_times: list[NDArray[np.float64] | None] = []
    names: list[str] = []
    ttype: list[str] = []
    tgroup: list[str] = []
    tkind: list[str] = []
    target: list[int] = []
    target_node: list[int] = []
    node_index = {n: k for k, n in enumerate(scenario.node_sites())}
    rcs: list[float] = []
    sw: list[int] = []
    cap: list[float] = []
    span: list[float] = []
    length: list[float] = []
    vuln: list[float] = []
    own_specs: list[ThreatSpec] = []
    seen_specs: list[ThreatSpec] = []
    seen: list[float] = []
    for gname, group in scenario.raid.items():
        tspec = res.threats[group.threat]
        seen_spec = _appears_as(scenario, res, group.threat, tspec)
        looks = seen_spec.capability
        compiled = _group_trajectories(frame, terrain, scenario, gname, tspec, probe)
        for i, (tr, plan) in enumerate(compiled):
            trajectories.append(tr)
            plans.append(plan)
            point_times.append(tr.point_times_s)
            names.append(f"{gname}-{i + 1}")
            ttype.append(group.threat)
            tgroup.append(gname)
            tkind.append(tspec.kind)
            target.append(asset_names.index(group.target) if group.target else -1)
            target_node.append(node_index[group.target_node] if group.target_node else -1)
            rcs.append(tspec.rcs_m2)
            sw.append(tspec.swerling)
            cap.append(tspec.capability)
            own_specs.append(tspec)
            seen_specs.append(seen_spec)
            span.append(tspec.span_m)
            length.append(tspec.length_m)
            vuln.append(tspec.vulnerable_area_m2)
            seen.append(looks)
    jammers = compile_jammers(scenario, frame, terrain, tgroup)
    nodes = _compile_nodes(scenario, frame, terrain, units, radars, np.array(l_pos))
    threats = ThreatTable(trajectories)
    trajectories.clear()  # their samples now live in the table
    _return_freed_memory()
    return World(
        scenario=scenario,
        resolved=res,
        frame=frame,
        terrain_grid=grid,
        asset_names=asset_names,
        asset_pos_m=asset_pos,
        asset_value=asset_value,
        asset_radius_m=asset_radius,
        units=units,
        radars=radars,
        launcher_names=l_names,
        launcher_unit=np.array(l_unit, dtype=np.int64),
        launcher_pos_m=np.array(l_pos),
        launcher_specs=l_specs,
        missile_names=missile_names,
        missile_specs=missile_specs,
        inventory=np.array(inventory, dtype=np.int64).reshape(len(l_names), len(missile_names)),
        threats=threats,
        threat_names=names,
        threat_type=ttype,
        threat_group=tgroup,
        threat_kind=tkind,
        threat_target=np.array(target, dtype=np.int64),
        rcs_m2=np.array(rcs),
        swerling=np.array(sw, dtype=np.int64),
        capability=np.array(cap),
        span_m=np.array(span),
        length_m=np.array(length),
        vulnerable_area_m2=np.array(vuln),
        threat_spec=own_specs,
        threat_seen_spec=seen_specs,
        perceived_capability=np.array(seen),
        threat_plans=plans,
        threat_point_times_s=point_times,
        jammers=jammers,
        node_names=nodes[0],
        node_kind=nodes[1],
        node_unit=nodes[2],
        node_ref=nodes[3],
        node_pos_m=nodes[4],
        unit_sites_m=[
            {k: _site_enu(frame, terrain, g)[0] for k, g in u.sites.items()}
            for u in scenario.units.values()
        ],
        threat_target_node=np.array(target_node, dtype=np.int64),
    )


def _compile_nodes(
    scenario: Scenario,
    frame: EnuFrame,
    terrain: TerrainFn,
    units: list[Unit],
    radars: list[Radar],
    launcher_pos_m: NDArray[np.float64],
) -> tuple[list[str], list[str], NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]]:
    """The node lists of :class:`World`, in :meth:`Scenario.node_sites` order."""
    names: list[str] = []
    kinds: list[str] = []
    unit: list[int] = []
    ref: list[int] = []
    pos: list[NDArray[np.float64]] = []
    for u in units:
        names.append(f"{u.name}.command_post")
        kinds.append("command_post")
        unit.append(u.index)
        ref.append(u.index)
        pos.append(u.position_m)
        for ri in u.radars:
            r = radars[ri]
            names.append(f"{u.name}.{r.name}")
            kinds.append("radar")
            unit.append(u.index)
            ref.append(ri)
            pos.append(r.base_enu_m)
        for li, lname in zip(u.launchers, scenario.units[u.name].launchers, strict=True):
            names.append(f"{u.name}.{lname}")
            kinds.append("launcher")
            unit.append(u.index)
            ref.append(li)
            pos.append(launcher_pos_m[li])
    if scenario.regiment is not None:
        names.append(REGIMENT_NODE)
        kinds.append("command_post")
        unit.append(-1)
        ref.append(-1)
        pos.append(_site_enu(frame, terrain, scenario.regiment.command_post.position)[0])
    return (
        names,
        kinds,
        np.array(unit, dtype=np.int64),
        np.array(ref, dtype=np.int64),
        np.array(pos, dtype=float).reshape(len(names), 3),
    )


def compile_jammers(
    scenario: Scenario, frame: EnuFrame, terrain: TerrainFn, threat_group: list[str]
) -> JammerTable:
    """The scenario's jammers as a :class:`~samsim.sensors.interference.JammerTable`.

    Parameters
    ----------
    scenario : Scenario
        Validated scenario (escorted and carrying groups exist).
    frame : EnuFrame
        Scenario frame.
    terrain : callable
        Ground height at ENU (east, north), for sites and route points given above ground.
    threat_group : list of str
        Raid group of each compiled threat (row order of the world's threat table).
    """
    if not scenario.jammers:
        return JammerTable.empty()
    rows: dict[str, list[Any]] = {
        k: []
        for k in (
            "kind",
            "jammer",
            "pos",
            "route",
            "threat",
            "erp",
            "bw",
            "fc",
            "loss",
            "on",
            "off",
        )
    }
    routes: list[Trajectory] = []
    names: list[str] = []
    kinds: list[str] = []

    def add(kind: int, pos: Any, route: int, threat: int) -> None:
        rows["kind"].append(kind)
        rows["jammer"].append(len(names) - 1)
        rows["pos"].append(pos)
        rows["route"].append(route)
        rows["threat"].append(threat)
        rows["erp"].append(j.erp)
        rows["bw"].append(j.bandwidth)
        rows["fc"].append(np.nan if j.center_frequency is None else j.center_frequency)
        rows["loss"].append(j.losses)
        rows["on"].append(j.on_time)
        rows["off"].append(np.inf if j.off_time is None else j.off_time)

    zero = np.zeros(3)
    for jname, j in scenario.jammers.items():
        names.append(jname)
        kinds.append(j.kind)
        if j.position is not None:
            add(FIXED, _site_enu(frame, terrain, j.position)[0], -1, -1)
        elif j.route is not None:
            path: list[PathPoint] = []
            above_ground, height = False, 0.0
            speed: Any = j.speed
            for w in j.route:
                if w.agl is not None:
                    above_ground, height = True, w.agl
                elif w.alt is not None:
                    above_ground, height = False, w.alt
                if w.speed is not None:
                    speed = w.speed
                ground = _ground_alt(frame, terrain, w)
                h_alt = height + ground if above_ground else height
                path.append(
                    PathPoint(w.lat, w.lon, height, above_ground, resolve_speed(speed, h_alt))
                )
            routes.append(waypoint_trajectory(frame, path, 0.0, terrain))
            add(ROUTE, zero, len(routes) - 1, -1)
        else:
            group = j.escorting if j.escorting is not None else j.carried_by
            members = [i for i, g in enumerate(threat_group) if g == group]
            if j.escorting is not None:
                if members:
                    add(ESCORT, zero, -1, members[0])
            else:
                for i in members:
                    add(CARRIED, zero, -1, i)
    n = len(rows["kind"])
    return JammerTable(
        names=names,
        kinds=kinds,
        kind=np.array(rows["kind"], dtype=np.int64),
        jammer=np.array(rows["jammer"], dtype=np.int64),
        fixed_pos_m=np.array(rows["pos"], dtype=float).reshape(n, 3),
        route_row=np.array(rows["route"], dtype=np.int64),
        threat_row=np.array(rows["threat"], dtype=np.int64),
        erp_w=np.array(rows["erp"], dtype=float),
        bandwidth_hz=np.array(rows["bw"], dtype=float),
        center_hz=np.array(rows["fc"], dtype=float),
        losses_db=np.array(rows["loss"], dtype=float),
        on_s=np.array(rows["on"], dtype=float),
        off_s=np.array(rows["off"], dtype=float),
        routes=ThreatTable(routes) if routes else None,
    )
