"""KML export of a run for Google Earth: sites, coverage per target height, and the
trajectories of threats and interceptors with time (``gx:Track``), via simplekml.

Simulated time t is mapped to ``epoch + t`` (UTC); the default epoch is arbitrary
(2000-01-01) because scenarios have no calendar date. Google Earth's time slider then
replays the run.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import simplekml

from samsim.engine.run import atomic_write_bytes
from samsim.export.coverage import CoverageSet, CoverageUnavailable, destination, run_coverage
from samsim.export.rundir import RunData

DEFAULT_EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
#: Trajectory thinning for exports: dropped samples are within this of the replayed track, m.
TRACK_TOLERANCE_M = 10.0

# KML colours are aabbggrr.
_THREAT = "ff1f30d7"
_INTERCEPTOR = "ffac6621"
_RADAR = "ff832a76"
_COVERAGE_FILL = "33832a76"
_ASSET = "ff37781b"


def iso(epoch: dt.datetime, t_s: float) -> str:
    """``epoch + t_s`` as an ISO 8601 UTC string with milliseconds."""
    t = epoch + dt.timedelta(seconds=float(t_s))
    return t.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def _circle(lat: float, lon: float, radius_m: float, n: int = 120) -> list[tuple[float, float]]:
    az = np.linspace(0.0, 2.0 * np.pi, n + 1)
    la, lo = destination(lat, lon, az, np.full(n + 1, radius_m))
    return [(float(b), float(a)) for a, b in zip(la, lo, strict=True)]


def build_kml(
    run: RunData,
    coverage_heights_m: list[float] | None = None,
    epoch: dt.datetime = DEFAULT_EPOCH,
    coverage: CoverageSet | None = None,
) -> simplekml.Kml:
    """The KML document of a run.

    Parameters
    ----------
    run : RunData
        The run.
    coverage_heights_m : list of float
        Target heights above ground for coverage outlines (ignored if ``coverage`` given).
    epoch : datetime
        UTC date-time of simulated t = 0.
    coverage : CoverageSet, optional
        Precomputed coverage (otherwise computed here; skipped, with a note in the
        document, if the scenario cannot be compiled).
    """
    kml = simplekml.Kml(name=f"{run.name} seed {run.seed}")
    styles = _styles()
    kml.document.description = (
        f"samsim run {run.name}, seed {run.seed}: {run.summary.get('threats')} threats, "
        f"{run.summary.get('killed')} killed, {run.summary.get('leaked')} leaked, "
        f"{run.summary.get('interceptors_fired_total')} interceptors fired. "
        f"Simulated t = 0 is {iso(epoch, 0.0)}."
    )
    sites = kml.newfolder(name="Sites")
    folders = {
        k: sites.newfolder(name=n)
        for k, n in (
            ("asset", "Defended assets"),
            ("command_post", "Command posts"),
            ("radar", "Radars"),
            ("launcher", "Launchers"),
        )
    }
    for s in run.sites():
        p = folders[s.kind].newpoint(name=s.name, coords=[(s.lon_deg, s.lat_deg)])
        p.description = f"{s.kind.replace('_', ' ')} {s.type}" + (
            f", unit {s.unit}" if s.unit else ""
        )
        if s.kind == "launcher" and s.extra.get("load"):
            p.description += ", load " + ", ".join(f"{v} x {k}" for k, v in s.extra["load"].items())
        p.style = styles["radar" if s.kind == "radar" else "site"]
        if s.kind == "asset" and s.extra.get("radius_m"):
            pol = folders["asset"].newpolygon(
                name=f"{s.name} radius",
                outerboundaryis=_circle(s.lat_deg, s.lon_deg, s.extra["radius_m"]),
            )
            pol.style = styles["asset_area"]

    cov_folder = kml.newfolder(name="Coverage")
    if coverage is None and coverage_heights_m:
        try:
            coverage = run_coverage(run.scenario, coverage_heights_m)
        except CoverageUnavailable as exc:
            cov_folder.description = str(exc)
    if coverage is not None:
        cov_folder.description = (
            f"Outer edge of detection (line of sight over terrain and the 4/3 earth, "
            f"Pd >= 0.5 per look) against "
            f"{coverage.threat_type} ({coverage.rcs_m2:g} m^2, Swerling {coverage.swerling})"
        )
        rings = cov_folder.newfolder(name="Range rings")
        rings.description = (
            "What a range-ring map draws: min(instrumented range, free-space radar-equation "
            "range) for this target, ignoring the horizon and the terrain"
        )
        first = next(iter(coverage.by_height.values()), [])
        for o in first:
            ls = rings.newlinestring(
                name=f"{o.radar} {o.naive_range_m / 1000:.0f} km",
                coords=_circle(o.site_lat_deg, o.site_lon_deg, o.naive_range_m, 240),
            )
            ls.style = styles["ring"]
        for h, outlines in coverage.by_height.items():
            f = cov_folder.newfolder(name=f"{coverage.threat_type} at {h:g} m above ground")
            for o in outlines:
                ring = [(float(b), float(a)) for a, b in zip(o.lat_deg, o.lon_deg, strict=True)]
                pol = f.newpolygon(name=f"{o.radar} at {h:g} m", outerboundaryis=[*ring, ring[0]])
                pol.description = (
                    f"farthest {o.ground_range_m.max() / 1000:.1f} km, nearest edge "
                    f"{o.ground_range_m.min() / 1000:.1f} km (ground range)"
                )
                pol.style = styles["coverage"]

    timelines = {tl.threat_id: tl for tl in run.timelines}
    tf = kml.newfolder(name="Threats")
    for i, tr in sorted(run.tracks("threat", TRACK_TOLERANCE_M).items()):
        trk = tf.newgxtrack(name=run.threat_name(i))
        tl = timelines.get(i)
        if tl is not None:
            trk.description = _threat_description(tl.as_dict())
        _fill_track(trk, tr, epoch, styles["threat"])
    info = {row["id"]: row for row in run.interceptors}
    itf = kml.newfolder(name="Interceptors")
    for k, tr in sorted(run.tracks("interceptor", TRACK_TOLERANCE_M).items()):
        row = info.get(k, {})
        trk = itf.newgxtrack(name=row.get("name", f"interceptor {k}"))
        trk.description = (
            f"{row.get('missile_type', '')} from {row.get('launcher', '')} at "
            f"{row.get('threat', '')}: {row.get('outcome', '')}"
        )
        _fill_track(trk, tr, epoch, styles["interceptor"])

    ef = kml.newfolder(name="Events")
    ev = run.ev
    for j in np.flatnonzero(np.isin(ev["kind"], ["kill", "leak", "intercept"])):
        k = int(j)
        kind = str(ev["kind"][k])
        if kind == "intercept" and ev["detail"][k] == "kill":
            continue  # the kill marks it
        x, y, z = (float(ev[c][k]) for c in ("x_m", "y_m", "z_m"))
        if not np.isfinite([x, y, z]).all():
            continue
        la, lo, al = run.frame.enu_to_geodetic(np.array([x, y, z]))
        name = {"kill": "kill", "leak": "leak", "intercept": "miss"}[kind]
        pt = ef.newpoint(
            name=f"{name}: {run.threat_name(int(ev['threat_id'][k]))}",
            coords=[(float(lo), float(la), float(al))],
        )
        pt.altitudemode = simplekml.AltitudeMode.absolute
        pt.timestamp.when = iso(epoch, float(ev["time_s"][k]))
        pt.style = styles["kill" if kind == "kill" else "leak"]
    return kml


def _styles() -> dict[str, simplekml.Style]:
    """Shared styles (one ``<Style>`` each in the file, referenced by every placemark)."""

    def st(
        line: str | None = None,
        width: float = 1.0,
        poly: str | None = None,
        icon: str | None = None,
    ) -> simplekml.Style:
        s = simplekml.Style()
        if line is not None:
            s.linestyle.color = line
            s.linestyle.width = width
        if poly is not None:
            s.polystyle.color = poly
        if icon is not None:
            s.iconstyle.color = icon
        # No icon image: simplekml's default links an icon on maps.google.com, and an
        # export is self-contained (opens offline, fetches nothing). Without <Icon>, viewers
        # draw their own built-in placemark icon, tinted by the colour above.
        s.iconstyle.icon = None
        return s

    return {
        "site": st(icon=_ASSET),
        "radar": st(icon=_RADAR),
        "asset_area": st(line=_ASSET, poly="4037781b"),
        "ring": st(line=_RADAR),
        "coverage": st(line=_RADAR, poly=_COVERAGE_FILL),
        "threat": st(line=_THREAT, width=2, icon=_THREAT),
        "interceptor": st(line=_INTERCEPTOR, width=1.5, icon=_INTERCEPTOR),
        "kill": st(icon="ff37781b"),
        "leak": st(icon=_THREAT),
    }


def _fill_track(trk: Any, tr: dict[str, Any], epoch: dt.datetime, style: simplekml.Style) -> None:
    trk.altitudemode = simplekml.AltitudeMode.absolute
    trk.newwhen([iso(epoch, t) for t in tr["time_s"]])
    trk.newgxcoord(
        [
            (float(lo), float(la), float(al))
            for lo, la, al in zip(tr["lon_deg"], tr["lat_deg"], tr["alt_m"], strict=True)
        ]
    )
    trk.style = style


def _threat_description(tl: dict[str, Any]) -> str:
    def f(v: float | None) -> str:
        return "never" if v is None else f"t = {v:.1f} s"

    parts = [
        f"{tl['threat_type']}",
        f"first detected {f(tl['first_detection_s'])}",
        f"track confirmed {f(tl['track_confirmed_s'])}",
        f"engaged {f(tl['engaged_s'])}",
        f"missiles fired {len(tl['launches'])}",
        f"outcome {tl['outcome']} {f(tl['outcome_s'])} ({tl['outcome_detail']})",
    ]
    return "; ".join(parts)


def write_kml(
    run: RunData,
    path: str | Path,
    coverage_heights_m: list[float] | None = None,
    epoch: dt.datetime = DEFAULT_EPOCH,
) -> Path:
    """Write the run as KML to ``path`` (atomically); returns the path."""
    out = Path(path)
    text = build_kml(run, coverage_heights_m, epoch).kml()
    atomic_write_bytes(out, text.encode("utf-8"))
    return out
