"""The scenario file, as pydantic models: what users write.

A scenario names catalogue entries (radars, launchers, missiles, threat types) and places
them at fictional geodetic sites; any catalogue figure can be overridden where the entry
is used. Collections are mappings keyed by name, so every object has a stable dotted path
(``units.bn1.radars.gs1.peak_power_w``) for error messages and study sweeps.
"""

from __future__ import annotations

import math
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
from samsim.units import Angle, Duration, Length, Speed

Name = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_][A-Za-z0-9_.\-]*$")]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


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

    lat: float = Field(ge=-90, le=90, description="latitude, degrees north")
    lon: float = Field(ge=-180, le=180, description="longitude, degrees east")
    alt: Length | None = Field(
        default=None, description="height above the WGS-84 ellipsoid, m; omitted = on the ground"
    )


class Waypoint(GeoPoint):
    """A route point; altitude and speed apply from this point on."""

    agl: Length | None = Field(
        default=None,
        ge=0,
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
    elevation: Length = Field(default=0.0, description="ground height above the ellipsoid, m")


class SyntheticTerrainConfig(Model):
    """Seeded fractal terrain (spectral synthesis), generated over the scenario area."""

    kind: Literal["synthetic"]
    seed: int = Field(default=0, ge=0, description="terrain seed (independent of the run seed)")
    relief: Length = Field(default=500.0, ge=0, description="peak-to-peak height range, m")
    hurst: float = Field(default=0.8, gt=0, lt=1, description="roughness: Hurst exponent")
    feature_size: Length = Field(default=20000.0, gt=0, description="size of the largest hills, m")
    base_height: Length = Field(
        default=0.0, description="height of the lowest point above the ellipsoid, m"
    )
    resolution: Length = Field(default=300.0, gt=10, description="grid spacing, m")


class DemTerrainConfig(Model):
    """A DEM file (GeoTIFF, DTED, SRTM .hgt) read through rasterio (extra `terrain`)."""

    kind: Literal["dem"]
    path: str = Field(description="DEM file, relative to the scenario file or absolute")
    geoid_undulation: Length = Field(
        default=0.0, description="geoid height added to the file's heights above sea level, m"
    )
    resolution: Length = Field(default=200.0, gt=10, description="grid spacing, m")


class SampleDemTerrainConfig(Model):
    """One of the two real DEMs matplotlib ships (offline demo terrain)."""

    kind: Literal["sample_dem"]
    name: Literal["jacksboro", "topobathy"] = Field(
        description="jacksboro (Cumberland Mountains) or topobathy (Vancouver Island)"
    )
    resolution: Length = Field(default=200.0, gt=10, description="grid spacing, m")


TerrainConfig = Annotated[
    FlatTerrainConfig | SyntheticTerrainConfig | DemTerrainConfig | SampleDemTerrainConfig,
    Field(discriminator="kind"),
]


class Environment(Model):
    k_factor: float = Field(
        default=4.0 / 3.0,
        gt=0.5,
        le=10.0,
        description="effective earth radius factor for refraction (4/3 standard atmosphere)",
    )
    terrain: TerrainConfig = Field(default_factory=FlatTerrainConfig)


class Asset(Model):
    """A defended asset: what the raid aims at and the battalion protects."""

    position: GeoPoint
    value: float = Field(gt=0, description="relative value used by threat evaluation")
    radius: Length = Field(
        default=1000.0,
        gt=0,
        description="a threat that ends its "
        "route within this distance of the asset has reached it, m",
    )


class Doctrine(Model):
    """Firing doctrine of a command post."""

    salvo: int = Field(
        default=2, ge=1, le=8, description="missiles fired at a target per engagement (shoot-shoot)"
    )
    max_engagements_per_target: int = Field(
        default=3, ge=1, description="engagements of one target before the command post gives up"
    )


class _CommandPostBase(Model):
    type: str = Field(default="55K6E", description="catalogue command post")
    position: GeoPoint
    doctrine: Doctrine = Field(default_factory=Doctrine)


if TYPE_CHECKING:  # the overrides are read by iteration; the base fields are typed
    CommandPostSite = _CommandPostBase
else:
    CommandPostSite = _partial(CommandPostSpec, _CommandPostBase, "CommandPostSite")


class _RadarBase(Model):
    type: str = Field(description="catalogue radar (see `samsim catalog`)")
    position: GeoPoint
    azimuth_center: Angle = Field(
        default=0.0, description="centre of the searched sector (clockwise from north)"
    )


if TYPE_CHECKING:  # the overrides are read by iteration; the base fields are typed
    RadarSite = _RadarBase
else:
    RadarSite = _partial(RadarSpec, _RadarBase, "RadarSite")


class _LauncherBase(Model):
    type: str = Field(default="5P85SE2", description="catalogue launcher")
    position: GeoPoint
    load: dict[str, int] = Field(description="missiles carried at the start: missile type -> count")

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


class FireUnit(Model):
    """A battalion: command post, radars and launchers."""

    command_post: CommandPostSite
    radars: dict[Name, RadarSite] = Field(min_length=1)
    launchers: dict[Name, LauncherSite] = Field(min_length=1)


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


class RaidGroup(Model):
    """A group of identical threats flying one route (or, for ballistic missiles, one
    launch point to one aim point)."""

    threat: str = Field(description="a threat type defined under `threats`")
    count: int = Field(default=1, ge=0, le=10000, description="number of threats in the group")
    launch_time: Duration = Field(default=0.0, ge=0, description="time the first one starts, s")
    interval: Duration = Field(default=0.0, ge=0, description="time between successive members, s")
    spread: Length = Field(default=0.0, ge=0, description="lateral spacing between members, m")
    route: list[Waypoint] = Field(
        min_length=1,
        description="waypoints from the start; a ballistic group gives one point, its launch point",
    )
    target: str | None = Field(
        default=None, description="asset the group attacks; its position is appended to the route"
    )


class Scenario(Model):
    """An engagement scenario: defended assets, the defence and the raid."""

    name: Name = Field(description="scenario name (used for output folders)")
    description: str = Field(default="", description="free text")
    duration: Duration = Field(
        default=1800.0, gt=0, le=6 * 3600.0, description="longest simulated time, s"
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
    _source_map: Any = PrivateAttr(default=None)

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
