"""CZML export of a run for Cesium: sites, coverage per target height, range rings, and
time-tagged threat and interceptor positions with paths, built and validated with the
czml3 (pydantic) models.

Simulated time t is ``epoch + t`` (UTC; default 2000-01-01, scenarios have no date).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
from czml3 import (
    Clock,
    Color,
    Document,
    Ellipse,
    Label,
    Material,
    Packet,
    Point,
    Polygon,
    PolylineMaterial,
    Position,
    PositionList,
    SolidColorMaterial,
    TimeInterval,
)
from czml3 import (
    Path as CzPath,
)
from czml3.enums import ClockRanges, ClockSteps, InterpolationAlgorithms

from samsim.engine.run import atomic_write_bytes
from samsim.export.coverage import CoverageSet, CoverageUnavailable, run_coverage
from samsim.export.kml import TRACK_TOLERANCE_M
from samsim.export.rundir import RunData

DEFAULT_EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)

_RGBA = {
    "threat": [215, 48, 31, 255],
    "interceptor": [33, 102, 172, 255],
    "radar": [118, 42, 131, 255],
    "coverage": [118, 42, 131, 50],
    "asset": [27, 120, 55, 255],
    "launcher": [77, 77, 77, 255],
    "command_post": [179, 88, 6, 255],
    "kill": [27, 120, 55, 255],
    "leak": [215, 48, 31, 255],
}


def _at(epoch: dt.datetime, t_s: float) -> dt.datetime:
    return epoch + dt.timedelta(seconds=float(t_s))


def _color(key: str) -> Color:
    return Color(rgba=_RGBA[key])


def _track_packet(
    pid: str,
    name: str,
    description: str,
    tr: dict[str, Any],
    epoch: dt.datetime,
    end_s: float,
    key: str,
    width: float,
) -> Packet:
    t = tr["time_s"]
    samples: list[float] = []
    for ti, lo, la, al in zip(t, tr["lon_deg"], tr["lat_deg"], tr["alt_m"], strict=True):
        samples += [round(float(ti - t[0]), 3), float(lo), float(la), float(al)]
    t0 = _at(epoch, float(t[0]))
    return Packet(
        id=pid,
        name=name,
        description=description,
        availability=TimeInterval(start=t0, end=_at(epoch, max(float(t[-1]), float(t[0])))),
        position=Position.model_validate(
            {
                "epoch": t0,
                "cartographicDegrees": samples,
                "interpolationAlgorithm": InterpolationAlgorithms.LINEAR,
                "interpolationDegree": 1,
            }
        ),
        point=Point(pixelSize=7 if key == "threat" else 5, color=_color(key)),
        path=CzPath(
            leadTime=0.0,
            trailTime=float(end_s) + 1.0,
            width=width,
            resolution=1.0,
            material=PolylineMaterial(solidColor=SolidColorMaterial(color=_color(key))),
        ),
    )


def build_czml(
    run: RunData,
    coverage_heights_m: list[float] | None = None,
    epoch: dt.datetime = DEFAULT_EPOCH,
    coverage: CoverageSet | None = None,
) -> Document:
    """The CZML document of a run, as a validated :class:`czml3.Document`.

    Parameters mirror :func:`samsim.export.kml.build_kml`.
    """
    end_s = run.end_time_s
    packets: list[Packet] = [
        Packet(
            id="document",
            name=f"{run.name} seed {run.seed}",
            version="1.0",
            clock=Clock(
                interval=TimeInterval(start=epoch, end=_at(epoch, end_s)),
                currentTime=epoch,
                multiplier=10.0,
                range=ClockRanges.LOOP_STOP,
                step=ClockSteps.SYSTEM_CLOCK_MULTIPLIER,
            ),
        )
    ]
    for s in run.sites():
        pid = f"site/{s.kind}/{s.unit}/{s.name}" if s.unit else f"site/{s.kind}/{s.name}"
        packets.append(
            Packet(
                id=pid,
                name=s.name,
                description=f"{s.kind.replace('_', ' ')} {s.type}"
                + (f", unit {s.unit}" if s.unit else ""),
                position=Position(cartographicDegrees=[s.lon_deg, s.lat_deg, 0.0]),
                point=Point(pixelSize=9 if s.kind != "launcher" else 6, color=_color(s.kind)),
                label=Label(text=s.name, show=s.kind in ("asset", "radar"), scale=0.5),
            )
        )
    if coverage is None and coverage_heights_m:
        try:
            coverage = run_coverage(run.scenario, coverage_heights_m)
        except CoverageUnavailable:
            coverage = None
    if coverage is not None:
        first = next(iter(coverage.by_height.values()), [])
        for o in first:
            packets.append(
                Packet(
                    id=f"range_ring/{o.unit}/{o.radar}",
                    name=f"{o.radar} range ring {o.naive_range_m / 1000:.0f} km",
                    description="min(instrumented range, free-space radar-equation range)",
                    position=Position(cartographicDegrees=[o.site_lon_deg, o.site_lat_deg, 0.0]),
                    ellipse=Ellipse(
                        semiMajorAxis=o.naive_range_m,
                        semiMinorAxis=o.naive_range_m,
                        fill=False,
                        outline=True,
                        outlineColor=_color("radar"),
                    ),
                )
            )
        for h, outlines in coverage.by_height.items():
            for o in outlines:
                ring: list[float] = []
                for la, lo in zip(o.lat_deg, o.lon_deg, strict=True):
                    ring += [float(lo), float(la), float(h)]
                packets.append(
                    Packet(
                        id=f"coverage/{h:g}m/{o.unit}/{o.radar}",
                        name=f"{o.radar} coverage, {coverage.threat_type} at {h:g} m AGL",
                        description=(
                            f"Pd >= {o.pd_min} per look against {coverage.threat_type} "
                            f"({coverage.rcs_m2:g} m^2, Swerling {coverage.swerling}); "
                            f"farthest {o.ground_range_m.max() / 1000:.1f} km"
                        ),
                        polygon=Polygon(
                            positions=PositionList(cartographicDegrees=ring),
                            perPositionHeight=True,
                            material=Material(
                                solidColor=SolidColorMaterial(color=_color("coverage"))
                            ),
                            outline=True,
                            outlineColor=_color("radar"),
                        ),
                    )
                )
    timelines = {tl.threat_id: tl for tl in run.timelines}
    for i, tr in sorted(run.tracks("threat", TRACK_TOLERANCE_M).items()):
        tl = timelines.get(i)
        desc = (
            f"{tl.threat_type}: outcome {tl.outcome} ({tl.outcome_detail}), "
            f"{len(tl.launches)} missiles fired"
            if tl
            else ""
        )
        packets.append(
            _track_packet(f"threat/{i}", run.threat_name(i), desc, tr, epoch, end_s, "threat", 2)
        )
    info = {row["id"]: row for row in run.interceptors}
    for k, tr in sorted(run.tracks("interceptor", TRACK_TOLERANCE_M).items()):
        row = info.get(k, {})
        desc = (
            f"{row.get('missile_type', '')} from {row.get('launcher', '')} at "
            f"{row.get('threat', '')}: {row.get('outcome', '')}"
        )
        packets.append(
            _track_packet(
                f"interceptor/{k}",
                row.get("name", f"interceptor {k}"),
                desc,
                tr,
                epoch,
                end_s,
                "interceptor",
                1.5,
            )
        )
    ev = run.ev
    for j in np.flatnonzero(np.isin(ev["kind"], ["kill", "leak"])):
        k = int(j)
        x, y, z = (float(ev[c][k]) for c in ("x_m", "y_m", "z_m"))
        if not np.isfinite([x, y, z]).all():
            continue
        la, lo, al = run.frame.enu_to_geodetic(np.array([x, y, z]))
        kind = str(ev["kind"][k])
        t = float(ev["time_s"][k])
        packets.append(
            Packet(
                id=f"event/{kind}/{int(ev['threat_id'][k])}",
                name=f"{kind}: {run.threat_name(int(ev['threat_id'][k]))} at t = {t:.1f} s",
                availability=TimeInterval(start=_at(epoch, t), end=_at(epoch, end_s)),
                position=Position(cartographicDegrees=[float(lo), float(la), float(al)]),
                point=Point(
                    pixelSize=12,
                    color=_color(kind),
                    outlineColor=Color(rgba=[255] * 4),
                    outlineWidth=1.0,
                ),
            )
        )
    return Document(packets=packets)


def write_czml(
    run: RunData,
    path: str | Path,
    coverage_heights_m: list[float] | None = None,
    epoch: dt.datetime = DEFAULT_EPOCH,
) -> Path:
    """Write the run as CZML (JSON) to ``path`` (atomically); returns the path."""
    out = Path(path)
    doc = build_czml(run, coverage_heights_m, epoch)
    atomic_write_bytes(out, doc.to_json().encode("utf-8"))
    return out
