"""The scenario file, as pydantic models: what users write.

A scenario names catalogue entries (radars, launchers, missiles, threat types) and places
them at fictional geodetic sites; any catalogue figure can be overridden where the entry
is used. Collections are mappings keyed by name, so every object has a stable dotted path
(``units.bn1.radars.gs1.peak_power_w``) for error messages and study sweeps.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    create_model,
    field_validator,
    model_validator,
)

from samsim.scenario.specs import CommandPostSpec, LauncherSpec, RadarSpec, ThreatSpec
from samsim.units import (
    Angle,
    Count,
    Decibel,
    Duration,
    Frequency,
    Length,
    Number,
    Power,
    Speed,
)

Name = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_][A-Za-z0-9_.\-]*$")]


#: Heights above the ellipsoid a scenario may give (sites, route points, the origin), m:
#: from below the Dead Sea shore to the edge of space.
ALT_MIN_M, ALT_MAX_M = -1000.0, 100e3
#: Ground heights (terrain), m: from below the Dead Sea shore to above Everest.
GROUND_MIN_M, GROUND_MAX_M = -1000.0, 9000.0
#: Longest time anything in a scenario may wait or last, s (the longest scenario).
MAX_DURATION_S = 6 * 3600.0
#: Node name of the regiment's command post (``target_node``, the event log).
REGIMENT_NODE = "regiment.command_post"


class Model(BaseModel):
    """Base of the scenario's models: unknown keys are errors, values are frozen, and no
    number is infinite or NaN."""

    # Values are finite once validated; were one not (a model built without validation),
    # JSON would still tell it from None (``Infinity``, not ``null``) in hashes.
    model_config = ConfigDict(
        extra="forbid", frozen=True, allow_inf_nan=False, ser_json_inf_nan="constants"
    )


def _partial(spec: type[BaseModel], base: type[BaseModel], name: str) -> Any:
    """A model with ``base``'s fields plus every field of ``spec`` as an optional override.

    Declares each figure once (in ``spec``); here it only becomes optional (``None`` means
    "as in the catalogue"), keeping its unit parser and bounds.
    """
    fields: dict[str, Any] = {}
    for fname, finfo in spec.model_fields.items():
        if fname in ("name", "description"):
            continue
        ann: Any = finfo.annotation
        if finfo.metadata:
            ann = Annotated[(ann, *finfo.metadata)]
        fields[fname] = (
            ann | None,
            Field(
                default=None, description=f"override of the catalogue figure: {finfo.description}"
            ),
        )
    return create_model(name, __base__=base, **fields)


class GeoPoint(Model):
    """A geodetic position (WGS-84)."""

    lat: Number = Field(ge=-90, le=90, description="latitude, degrees north")
    lon: Number = Field(ge=-180, le=180, description="longitude, degrees east")
    alt: Length | None = Field(
        default=None,
        ge=ALT_MIN_M,
        le=ALT_MAX_M,
        description="height above the WGS-84 ellipsoid, m; omitted = on the ground",
    )


class Waypoint(GeoPoint):
    """A route point; altitude and speed apply from this point on."""

    agl: Length | None = Field(
        default=None,
        ge=0,
        le=30e3,
        description="height above ground from this "
        "point on, m (cruise missiles); exclusive with alt",
    )
    speed: Speed | None = Field(default=None, description="speed from this point on, m/s or Mach")

    @model_validator(mode="after")
    def _one_height(self) -> Waypoint:
        if self.alt is not None and self.agl is not None:
            raise ValueError(
                "give either alt (above the ellipsoid) or agl (above ground), not both"
            )
        return self


class FlatTerrainConfig(Model):
    """A smooth earth: the ground at a constant height above the ellipsoid."""

    kind: Literal["flat"] = "flat"
    elevation: Length = Field(
        default=0.0,
        ge=GROUND_MIN_M,
        le=GROUND_MAX_M,
        description="ground height above the ellipsoid, m",
    )


class SyntheticTerrainConfig(Model):
    """Seeded fractal terrain (spectral synthesis), generated over the scenario area."""

    kind: Literal["synthetic"]
    seed: Count = Field(
        default=0, ge=0, le=2**63 - 1, description="terrain seed (independent of the run seed)"
    )
    relief: Length = Field(
        default=500.0,
        ge=0,
        le=GROUND_MAX_M - GROUND_MIN_M,
        description="peak-to-peak height range, m",
    )
    hurst: Number = Field(default=0.8, gt=0, lt=1, description="roughness: Hurst exponent")
    feature_size: Length = Field(
        default=20000.0, gt=0, le=1e6, description="size of the largest hills, m"
    )
    base_height: Length = Field(
        default=0.0,
        ge=GROUND_MIN_M,
        le=GROUND_MAX_M,
        description="height of the lowest point above the ellipsoid, m",
    )
    resolution: Length = Field(default=300.0, gt=10, le=10e3, description="grid spacing, m")


class DemTerrainConfig(Model):
    """A DEM file (GeoTIFF, DTED, SRTM .hgt) read through rasterio (extra `terrain`)."""

    kind: Literal["dem"]
    path: str = Field(description="DEM file, relative to the scenario file or absolute")
    geoid_undulation: Length = Field(
        default=0.0,
        ge=-150,
        le=150,
        description="geoid height added to the file's heights above sea level, m",
    )
    resolution: Length = Field(default=200.0, gt=10, le=10e3, description="grid spacing, m")


class SampleDemTerrainConfig(Model):
    """One of the two real DEMs matplotlib ships (offline demo terrain)."""

    kind: Literal["sample_dem"]
    name: Literal["jacksboro", "topobathy"] = Field(
        description="jacksboro (Cumberland Mountains) or topobathy (Vancouver Island)"
    )
    resolution: Length = Field(default=200.0, gt=10, le=10e3, description="grid spacing, m")


TerrainConfig = Annotated[
    FlatTerrainConfig | SyntheticTerrainConfig | DemTerrainConfig | SampleDemTerrainConfig,
    Field(discriminator="kind"),
]


class Environment(Model):
    k_factor: Number = Field(
        default=4.0 / 3.0,
        gt=0.5,
        le=10.0,
        description="effective earth radius factor for refraction (4/3 standard atmosphere)",
    )
    terrain: TerrainConfig = Field(default_factory=FlatTerrainConfig)


class Asset(Model):
    """A defended asset: what the raid aims at and the battalion protects."""

    position: GeoPoint
    value: Number = Field(gt=0, le=1e6, description="relative value used by threat evaluation")
    radius: Length = Field(
        default=1000.0,
        gt=0,
        le=1e6,
        description="a threat that ends its "
        "route within this distance of the asset has reached it, m",
    )


class Doctrine(Model):
    """Firing doctrine of a command post: how many missiles, when, and how it assigns.

    Under a regiment, each battalion's doctrine still sets its salvo, engagement point and
    launch margins; the regiment command post's doctrine sets the assignment (``wta_*``,
    ``ballistic_first``).
    """

    firing: Literal["salvo", "shoot_look_shoot"] = Field(
        default="salvo",
        description="salvo: each engagement fires `salvo` missiles at once (shoot-shoot); "
        "shoot_look_shoot: each engagement fires `look_shots` missiles, waits for the kill "
        "assessment and fires again only at survivors",
    )
    salvo: Count = Field(
        default=2, ge=1, le=8, description="missiles fired at a target per engagement (salvo)"
    )
    look_shots: Count = Field(
        default=1,
        ge=1,
        le=4,
        description="missiles fired per engagement under shoot_look_shoot, before each look",
    )
    max_engagements_per_target: Count = Field(
        default=3,
        ge=1,
        le=20,
        description="engagements of one target (each after the previous one's kill "
        "assessment) before the command post gives up",
    )
    engagement: Literal["first_opportunity", "best_pk"] = Field(
        default="first_opportunity",
        description="first_opportunity: launch as soon as the engagement window opens; "
        "best_pk: wait until the predicted intercept point is within best_pk_range_fraction "
        "of the missile's max range and best_pk_time_of_flight away, or the window is about "
        "to close",
    )
    best_pk_range_fraction: Number = Field(
        default=0.6,
        gt=0,
        le=1,
        description="best_pk: launch once the intercept point is within this fraction of "
        "the missile's max range",
    )
    best_pk_time_of_flight: Duration = Field(
        default=60.0,
        gt=0,
        le=600,
        description="best_pk: launch once the missile's time of flight to the intercept "
        "point is at most this (shorter flights, smaller prediction errors), s",
    )
    range_margin: Number = Field(
        default=0.1,
        ge=0,
        lt=0.9,
        description="launch margin: the intercept point must lie within (1 - margin) of the "
        "max range and of the kinematic far boundary, so receding or turning targets are "
        "not chased to the end of the missile's energy",
    )
    min_window: Duration = Field(
        default=10.0,
        ge=0,
        le=600,
        description="launch margin in time: a launch also needs the engagement window to "
        "stay open this long (a receding target about to leave it is not engaged), s",
    )
    min_speed_ratio: Number = Field(
        default=0.5,
        ge=0,
        le=5,
        description="the interceptor's predicted speed at the intercept point must be at "
        "least this multiple of the target's speed (0: no condition)",
    )
    min_threat_value: Number = Field(
        default=0.05,
        ge=0,
        le=1,
        description="tracks whose threat value is below this fraction of the most valuable "
        "asset's value are not engaged (e.g. aircraft turning away)",
    )
    economy: Number = Field(
        default=0.02,
        ge=0,
        le=0.2,
        description="planning Pk penalty per 100 km of a missile type's max range, so that "
        "of two types that can engage a target the shorter-range one is used",
    )
    wta_method: Literal["greedy", "heuristic", "exact"] = Field(
        default="heuristic",
        description="weapon-target assignment solver: greedy (maximum marginal return), "
        "heuristic (greedy + large-neighbourhood search) or exact (MILP within "
        "wta_max_iterations and wta_node_limit)",
    )
    wta_max_iterations: Count = Field(
        default=20,
        ge=1,
        le=1000,
        description="exact solver: most MILP solves (outer-approximation iterations) per "
        "assignment; a work budget, not a time, so runs are the same on any machine",
    )
    wta_node_limit: Count = Field(
        default=1000,
        ge=1,
        le=1_000_000,
        description="exact solver: most branch-and-bound nodes per MILP solve (a "
        "deterministic budget)",
    )
    wta_objective: Literal["threat_value", "asset_value"] = Field(
        default="threat_value",
        description="threat_value: minimise surviving threat value (target-based); "
        "asset_value: maximise surviving asset value (asset-based, P(attack) per asset)",
    )
    discriminate_decoys: bool = Field(
        default=False,
        description="true: perfect discrimination, threat evaluation knows each threat's "
        "own capability (decoys are recognised as harmless, an optimistic assumption); "
        "false (default): imperfect, each decoy is recognised with the command post's "
        "decoy_recognition_prob and otherwise has the capability of the type it appears "
        "as (so it draws interceptors), and a real threat is taken for a decoy with "
        "false_decoy_prob",
    )
    ballistic_first: bool = Field(
        default=True,
        description="assign ballistic threats first, then the rest with what is left",
    )
    planning_pk: Literal["table", "nominal"] = Field(
        default="table",
        description="single-shot Pk the command post plans with: table (from the flyout, per "
        "missile and threat type over the predicted intercept geometry: what the engine "
        "produces) or nominal (the missile's pk_nominal figure, for comparison)",
    )
    perfect_kill_assessment: bool = Field(
        default=False,
        description="true: every kill assessment is right (the command post's "
        "assess_*_prob figures are ignored), for comparison",
    )
    defend_nodes: bool = Field(
        default=False,
        description="point-defence doctrine: the command post also defends, as assets of "
        "value node_value, the radars, launchers and command post of its battalion (and, "
        "for a unit attached_to a battalion, of that battalion and its attached units)",
    )
    node_value: Number = Field(
        default=50.0,
        gt=0,
        le=1e6,
        description="defend_nodes: value of each node as an asset (compare the assets' values)",
    )
    engage_on_remote: bool = Field(
        default=False,
        description="when this battalion has no fire-control radar up (lost, dark or "
        "moving), another battalion may fire its launchers' active-seeker missiles on that "
        "battalion's own fire-control tracks and guide them (engage on remote); "
        "semi-active missiles need their own battalion's radar",
    )

    @model_validator(mode="before")
    @classmethod
    def _removed(cls, data: Any) -> Any:
        if isinstance(data, dict) and "wta_time_limit" in data:
            raise ValueError(
                "wta_time_limit was removed: a wall-clock budget made a run's decisions "
                "depend on the machine's speed. The exact solver now stops on "
                "wta_max_iterations (MILP solves, default 20) and wta_node_limit "
                "(branch-and-bound nodes per solve, default 1000); delete wta_time_limit"
            )
        return data

    @model_validator(mode="after")
    def _consistent(self) -> Doctrine:
        if self.firing == "shoot_look_shoot" and self.max_engagements_per_target < 2:
            raise ValueError(
                "firing: shoot_look_shoot needs max_engagements_per_target >= 2 (one shot, "
                "a look, another shot); set max_engagements_per_target: 2 or more, or use "
                "firing: salvo"
            )
        if self.wta_method == "exact" and self.wta_objective == "asset_value":
            raise ValueError(
                "wta_method: exact solves the threat_value objective only; use wta_method: "
                "heuristic (or greedy) with wta_objective: asset_value"
            )
        return self

    @property
    def shots_per_engagement(self) -> int:
        """Missiles fired per engagement under this doctrine."""
        return self.salvo if self.firing == "salvo" else self.look_shots


class _CommandPostBase(Model):
    type: str = Field(default="55K6E", description="catalogue command post")
    position: GeoPoint
    doctrine: Doctrine = Field(default_factory=Doctrine)


if TYPE_CHECKING:  # the overrides are read by iteration; the base fields are typed
    CommandPostSite = _CommandPostBase
else:
    CommandPostSite = _partial(CommandPostSpec, _CommandPostBase, "CommandPostSite")


class EmissionControl(Model):
    """When a radar emits (emission control, a command decision; c2/emcon.py).

    A dark radar sees, tracks and guides nothing, and anti-radiation missiles cannot home
    on it. Changes fall on the radar's scan times.
    """

    mode: Literal["continuous", "windows", "on_cue", "dark_on_arm"] = Field(
        default="continuous",
        description="continuous: always emits; windows: only inside `windows`; on_cue: a "
        "fire-control radar emits only while it has cued or held tracks to look at; "
        "dark_on_arm: goes dark when its battalion tracks an anti-radiation missile within "
        "`alert_range` of it, and comes back up `dark_time` after the last one was seen",
    )
    windows: list[tuple[Duration, Duration]] = Field(
        default_factory=list,
        max_length=1000,
        description="windows: [[on, off], ...] times the radar emits, s (from on to off)",
    )
    dark_time: Duration = Field(
        default=60.0,
        gt=0,
        le=MAX_DURATION_S,
        description="dark_on_arm: time dark after the last anti-radiation missile was seen, s",
    )
    alert_range: Length = Field(
        default=60e3,
        gt=0,
        le=1e6,
        description="dark_on_arm: an anti-radiation missile's track within this range of "
        "the radar sends it dark, m",
    )
    arm_recognition_prob: Number = Field(
        default=1.0,
        ge=0,
        le=1,
        description="dark_on_arm: probability that an anti-radiation missile's track is "
        "taken for one (drawn once per missile and radar)",
    )

    @model_validator(mode="after")
    def _consistent(self) -> EmissionControl:
        if self.mode == "windows" and not self.windows:
            raise ValueError("mode: windows needs `windows: [[on, off], ...]`")
        for k, (on, off) in enumerate(self.windows):
            if not 0 <= on < off:
                raise ValueError(
                    f"window {k} [{on:g}, {off:g}] must start at or after 0 and end after it "
                    "starts; give [on, off] with on < off"
                )
            if k and on < self.windows[k - 1][1]:
                raise ValueError(
                    f"window {k} starts before window {k - 1} ends; give the windows in time "
                    "order, not overlapping"
                )
        return self


class _RadarBase(Model):
    type: str = Field(description="catalogue radar (see `samsim catalog`)")
    position: GeoPoint
    azimuth_center: Angle = Field(
        default=0.0,
        ge=-2 * math.pi,
        le=2 * math.pi,
        description="centre of the searched sector (clockwise from north)",
    )
    emission: EmissionControl = Field(
        default_factory=EmissionControl,
        description="emission control: when the radar emits (default: continuously)",
    )


if TYPE_CHECKING:  # the overrides are read by iteration; the base fields are typed
    RadarSite = _RadarBase
else:
    RadarSite = _partial(RadarSpec, _RadarBase, "RadarSite")


class _LauncherBase(Model):
    type: str = Field(default="5P85SE2", description="catalogue launcher")
    position: GeoPoint
    load: dict[str, Annotated[Count, Field(le=1024)]] = Field(
        description="missiles carried at the start: missile type -> count"
    )

    @field_validator("load")
    @classmethod
    def _positive(cls, v: dict[str, int]) -> dict[str, int]:
        for k, n in v.items():
            if n < 0:
                raise ValueError(f"the count of {k} must be >= 0, got {n}")
        return v


if TYPE_CHECKING:  # the overrides are read by iteration; the base fields are typed
    LauncherSite = _LauncherBase
else:
    LauncherSite = _partial(LauncherSpec, _LauncherBase, "LauncherSite")


class Scoot(Model):
    """Shoot-and-scoot: after firing, a launcher or the whole battalion goes off line,
    moves and comes up at the next of the battalion's `sites` (c2/scoot.py).

    A site is where the battalion's command post stands; every node keeps its place
    relative to the command post (a launcher that moves alone goes to its own place at
    the next site). Off line, its radars are dark, its launchers do not fire and its
    command post does not decide.
    """

    unit: Literal["launcher", "battalion"] = Field(
        description="launcher: each launcher moves on its own; battalion: all its radars, "
        "launchers and command post move together"
    )
    after_launches: Count | None = Field(
        default=None,
        ge=1,
        le=10000,
        description="move after this many launches (of the launcher, or of the battalion) "
        "since it last came up; a battalion then holds fire and leaves once none of its "
        "missiles is in flight",
    )
    every: Duration | None = Field(
        default=None,
        gt=0,
        le=MAX_DURATION_S,
        description="battalion: move after this long on line at a site, s",
    )
    off_line: Duration = Field(
        gt=0,
        le=MAX_DURATION_S,
        description="time from leaving a site to being up at the next (march, set-up), s",
    )
    sites: list[Name] = Field(
        min_length=1,
        max_length=100,
        description="the battalion's `sites` to move to, in order (then around again)",
    )

    @model_validator(mode="after")
    def _trigger(self) -> Scoot:
        if self.after_launches is None and self.every is None:
            raise ValueError("give after_launches or every (or both): when to move")
        if self.unit == "launcher" and self.every is not None:
            raise ValueError("every applies to a battalion; give after_launches for launchers")
        return self


class FireUnit(Model):
    """A battalion: command post, radars and launchers."""

    attached_to: Name | None = Field(
        default=None,
        description="point defence: the battalion (a key of `units`) whose command post "
        "this unit is under: its radars feed that battalion's track picture (and are cued "
        "by it), a track engaged by either is not engaged by the other until assessed, "
        "and with doctrine defend_nodes it defends that battalion's nodes",
    )
    command_post: CommandPostSite
    radars: dict[Name, RadarSite] = Field(min_length=1)
    launchers: dict[Name, LauncherSite] = Field(min_length=1)
    sites: dict[Name, GeoPoint] = Field(
        default_factory=dict,
        description="other places the battalion can fight from (shoot-and-scoot): where "
        "its command post stands there",
    )
    scoot: Scoot | None = Field(
        default=None, description="shoot-and-scoot doctrine (needs `sites`)"
    )
    reserve: dict[str, Annotated[Count, Field(le=100_000)]] = Field(
        default_factory=dict,
        description="reload missiles held by the battalion: missile type -> count; an empty "
        "launcher is reloaded from it (the launcher's reload_time_s per slot)",
    )

    @model_validator(mode="after")
    def _scoot_sites(self) -> FireUnit:
        if self.scoot is not None:
            unknown = [x for x in self.scoot.sites if x not in self.sites]
            if unknown:
                raise ValueError(
                    f"scoot.sites names unknown sites {unknown}; define them under `sites` "
                    f"(known: {', '.join(self.sites) or 'none'})"
                )
        return self

    @field_validator("reserve")
    @classmethod
    def _reserve_positive(cls, v: dict[str, int]) -> dict[str, int]:
        for k, n in v.items():
            if n < 0:
                raise ValueError(f"the reserve of {k} must be >= 0, got {n}")
        return v


class Regiment(Model):
    """A regiment command post coordinating battalions over one fused track picture."""

    command_post: CommandPostSite
    battalions: list[Name] = Field(
        min_length=1, max_length=8, description="the units (keys of `units`) it commands"
    )
    double_engagement: bool = Field(
        default=False,
        description="allow two battalions to engage one threat at the same time",
    )
    fusion_gate: Number = Field(
        default=16.3,
        gt=0,
        le=1000,
        description="chi-square gate (3 degrees of freedom) of track-to-track association: "
        "two battalions' tracks are one threat if their position difference is inside it",
    )

    @field_validator("battalions")
    @classmethod
    def _unique(cls, v: list[str]) -> list[str]:
        dup = sorted({b for b in v if v.count(b) > 1})
        if dup:
            raise ValueError(f"battalions are listed twice: {dup}; list each unit once")
        return v


class _ThreatTypeBase(Model):
    type: str = Field(description="catalogue threat type (see `samsim catalog`)")


if TYPE_CHECKING:  # the overrides are read by iteration; the base fields are typed
    ThreatType = _ThreatTypeBase
else:
    ThreatType = _partial(ThreatSpec, _ThreatTypeBase, "ThreatType")


class _MissileTypeBase(Model):
    type: str | None = Field(
        default=None, description="catalogue missile this one is based on (default: the key itself)"
    )


#: Widest raid group, (count - 1) x spread, m (the terrain grid covers it).
MAX_GROUP_WIDTH_M = 500e3


class RaidGroup(Model):
    """A group of identical threats flying one route (or, for ballistic missiles, one
    launch point to one aim point)."""

    threat: str = Field(description="a threat type defined under `threats`")
    count: Count = Field(default=1, ge=0, le=10000, description="number of threats in the group")
    launch_time: Duration = Field(
        default=0.0, ge=0, le=MAX_DURATION_S, description="time the first one starts, s"
    )
    interval: Duration = Field(
        default=0.0, ge=0, le=MAX_DURATION_S, description="time between successive members, s"
    )
    spread: Length = Field(
        default=0.0, ge=0, le=100e3, description="lateral spacing between members, m"
    )
    route: list[Waypoint] = Field(
        min_length=1,
        description="waypoints from the start; a ballistic group gives one point, its launch point",
    )
    target: str | None = Field(
        default=None, description="asset the group attacks; its position is appended to the route"
    )
    target_node: str | None = Field(
        default=None,
        description="a node of the defence the group attacks instead of an asset: "
        "<unit>.<radar or launcher>, <unit>.command_post or regiment.command_post; its "
        "position is appended to the route (exclusive with target)",
    )

    @model_validator(mode="after")
    def _width(self) -> RaidGroup:
        if self.target is not None and self.target_node is not None:
            raise ValueError(
                "give either target (a defended asset) or target_node (a radar, launcher or "
                "command post of the defence), not both"
            )
        width = max(self.count - 1, 0) * self.spread
        if width > MAX_GROUP_WIDTH_M:
            raise ValueError(
                f"the group is {width / 1e3:g} km wide ((count - 1) x spread); a group may be "
                f"at most {MAX_GROUP_WIDTH_M / 1e3:g} km wide: reduce spread or split the "
                "group into several raid groups"
            )
        return self


class Jammer(Model):
    """A noise jammer. Exactly one of ``position``, ``route``, ``escorting`` and
    ``carried_by`` says where it is:

    - ``position``: a stand-off jammer at a fixed point (give ``alt`` for an aircraft);
    - ``route``: a stand-off jammer flying waypoints from the start of the run, then
      staying on station at the last point;
    - ``escorting: <raid group>``: an escort jammer flying with the group's lead (it is
      not a target and keeps jamming if the lead is shot down);
    - ``carried_by: <raid group>``: a self-screening jammer carried by every member of the
      group (one emitter per member, silent once its carrier is destroyed).

    It jams a radar when its band contains the radar's carrier and it is in line of
    sight; the radar receives it through the beam pattern toward it (main lobe when the
    beam points at it, sidelobes otherwise).
    """

    position: GeoPoint | None = Field(default=None, description="fixed stand-off position")
    route: list[Waypoint] | None = Field(
        default=None,
        min_length=2,
        description="stand-off orbit: waypoints flown from time 0 (alt or agl on the first)",
    )
    speed: Speed | None = Field(
        default=None, description="speed along the route unless a waypoint gives one, m/s"
    )
    escorting: Name | None = Field(
        default=None, description="raid group whose lead this escort jammer flies with"
    )
    carried_by: Name | None = Field(
        default=None, description="raid group whose every member carries this jammer"
    )
    erp: Power = Field(
        gt=0,
        le=1e9,
        description="effective radiated power toward the radar, P_j G_j, W (or '1 kW')",
    )
    bandwidth: Frequency = Field(
        gt=0, le=1e11, description="bandwidth the noise is spread over, Hz"
    )
    center_frequency: Frequency | None = Field(
        default=None,
        gt=0,
        le=3e11,
        description="centre of the jammed band, Hz; omitted: tuned to each radar's carrier",
    )
    losses: Decibel = Field(
        default=0.0,
        ge=0,
        le=100,
        description="losses on the jamming path (polarisation, radome), dB",
    )
    on_time: Duration = Field(
        default=0.0, ge=0, le=MAX_DURATION_S, description="time the jammer switches on, s"
    )
    off_time: Duration | None = Field(
        default=None,
        ge=0,
        le=MAX_DURATION_S,
        description="time it switches off, s; omitted: end of the run",
    )

    @model_validator(mode="after")
    def _one_place(self) -> Jammer:
        given = [k for k in ("position", "route", "escorting", "carried_by") if getattr(self, k)]
        if len(given) != 1:
            raise ValueError(
                "give exactly one of position, route, escorting or carried_by"
                + (f" (got {', '.join(given)})" if given else "")
            )
        if self.route is not None:
            first = self.route[0]
            if first.alt is None and first.agl is None:
                raise ValueError("the first route point needs alt (or agl)")
            if self.speed is None and first.speed is None:
                raise ValueError("a route needs a speed: give speed or the first point's speed")
        if self.off_time is not None and self.off_time <= self.on_time:
            raise ValueError(
                f"off_time ({self.off_time} s) must come after on_time ({self.on_time} s)"
            )
        return self

    @property
    def kind(self) -> str:
        """``"stand_off"``, ``"escort"`` or ``"self_screening"``."""
        if self.carried_by is not None:
            return "self_screening"
        if self.escorting is not None:
            return "escort"
        return "stand_off"


class Scenario(Model):
    """An engagement scenario: defended assets, the defence and the raid."""

    name: Name = Field(description="scenario name (used for output folders)")
    description: str = Field(default="", description="free text")
    duration: Duration = Field(
        default=1800.0, gt=0, le=MAX_DURATION_S, description="longest simulated time, s"
    )
    origin: GeoPoint | None = Field(
        default=None,
        description="origin of the engine's ENU frame (default: the mean of the assets)",
    )
    environment: Environment = Field(default_factory=Environment)
    assets: dict[Name, Asset] = Field(min_length=1)
    units: dict[Name, FireUnit] = Field(min_length=1)
    missiles: dict[Name, dict[str, Any]] = Field(
        default_factory=dict,
        description="scenario-wide missile types or overrides of catalogue ones",
    )
    threats: dict[Name, ThreatType] = Field(
        default_factory=dict,
        description="threat types of this scenario: catalogue entries with overrides",
    )
    raid: dict[Name, RaidGroup] = Field(
        default_factory=dict,
        description="the attacking groups (empty for a coverage-only scenario)",
    )
    regiment: Regiment | None = Field(
        default=None, description="a regiment command post over some of the units (optional)"
    )
    jammers: dict[Name, Jammer] = Field(
        default_factory=dict,
        description="noise jammers: stand-off (position or route), escort or self-screening",
    )
    _source_map: Any = PrivateAttr(default=None)

    def node_sites(self) -> dict[str, tuple[str, str, GeoPoint]]:
        """The defence's nodes (what a raid group's ``target_node`` may name), in the
        engine's order: per unit its command post, radars and launchers, then the
        regiment's command post; name -> (kind, unit, position). Names are
        ``<unit>.<radar or launcher>``, ``<unit>.command_post`` and
        ``regiment.command_post``; kinds ``radar``, ``launcher``, ``command_post``."""
        out: dict[str, tuple[str, str, GeoPoint]] = {}
        for uname, u in self.units.items():
            out[f"{uname}.command_post"] = ("command_post", uname, u.command_post.position)
            for rname, r in u.radars.items():
                out[f"{uname}.{rname}"] = ("radar", uname, r.position)
            for lname, lc in u.launchers.items():
                out[f"{uname}.{lname}"] = ("launcher", uname, lc.position)
        if self.regiment is not None:
            out[REGIMENT_NODE] = ("command_post", "", self.regiment.command_post.position)
        return out

    def origin_point(self) -> GeoPoint:
        """The ENU origin: given, or the mean position of the assets on the ground."""
        if self.origin is not None:
            return self.origin
        lats = [a.position.lat for a in self.assets.values()]
        lons = [a.position.lon for a in self.assets.values()]
        lon0 = math.degrees(
            math.atan2(
                sum(math.sin(math.radians(x)) for x in lons),
                sum(math.cos(math.radians(x)) for x in lons),
            )
        )
        return GeoPoint(lat=sum(lats) / len(lats), lon=lon0, alt=0.0)

    def terrain_file(self) -> Path | None:
        """The DEM file the scenario reads (``environment.terrain.path``), resolved against
        the folder of the scenario file it was loaded from; None without a DEM."""
        cfg = self.environment.terrain
        if not isinstance(cfg, DemTerrainConfig):
            return None
        path = Path(cfg.path)
        smap = self._source_map
        if not path.is_absolute() and smap is not None and not smap.path.startswith("<"):
            path = Path(smap.path).parent / path
        return path
