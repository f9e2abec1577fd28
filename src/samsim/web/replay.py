"""The replay document: one run turned into the JSON the viewer page draws.

Trajectories are decimated with a time-synchronised error bound (a sample is dropped
only if the position interpolated in time from the samples kept is within a tolerance
of it), so the page replays positions, not just path shapes, faithfully. Events are sent
whole except detections, which are thinned beyond a cap.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

from samsim.export.rundir import RunData, decimate_synchronised
from samsim.geo.earth import EARTH_RADIUS_M, surface_distance_m

#: Largest error allowed between a dropped sample and its time-interpolated stand-in, m.
DEFAULT_TOLERANCE_M = 50.0
#: Detections beyond this number are thinned (first detection per threat and radar kept).
DEFAULT_MAX_DETECTIONS = 20000


def visible_height_m(
    ground_range_m: NDArray[np.float64], antenna_height_m: float, k_factor: float
) -> NDArray[np.float64]:
    """Lowest target height above a smooth earth that a radar at ``antenna_height_m`` sees
    at each ground range (the radar horizon drawn on the side view).

    Notes
    -----
    Inverse of the horizon condition of :func:`samsim.geo.earth.smooth_earth_visible`:
    s = kR (arccos(kR/(kR+h1)) + arccos(kR/(kR+h2))), so
    h2 = kR / cos(s/kR - arccos(kR/(kR+h1))) - kR beyond the antenna's own horizon and 0
    inside it (Skolnik, *Introduction to Radar Systems*, 3rd ed., sec. 8.2).
    """
    re = k_factor * EARTH_RADIUS_M
    a1 = math.acos(re / (re + max(antenna_height_m, 0.0)))
    beta = np.maximum(np.asarray(ground_range_m, dtype=float) / re - a1, 0.0)
    return re / np.cos(np.minimum(beta, 1.5)) - re


def _r(a: NDArray[Any], nd: int) -> list[float]:
    return [round(float(x), nd) for x in a]


def build_replay(
    run: RunData,
    world: Any | None = None,
    tolerance_m: float = DEFAULT_TOLERANCE_M,
    max_detections: int = DEFAULT_MAX_DETECTIONS,
) -> dict[str, Any]:
    """The replay document of a run (JSON-ready dict).

    Parameters
    ----------
    run : RunData
        The loaded run.
    world : World or None
        The compiled scenario, when available: adds radar figures (role, instrumented
        range, mast height) and the radar horizon of the side view.
    tolerance_m : float
        Trajectory decimation tolerance (:func:`decimate_synchronised`).
    max_detections : int
        Cap on the detections sent.

    Returns
    -------
    dict
        ``meta``, ``summary``, ``sites``, ``radars``, ``threats``, ``interceptors``,
        ``events``, ``side_view``; times in s, positions in degrees and metres.
    """
    sites = run.sites()
    radars = [s for s in sites if s.kind == "radar"]
    radar_info: dict[tuple[str, str], dict[str, Any]] = {}
    k_factor = float(run.scenario.get("environment", {}).get("k_factor", 4.0 / 3.0))
    if world is not None:
        for r in world.radars:
            radar_info[(world.units[r.unit].name, r.name)] = {
                "role": r.spec.role,
                "instrumented_range_m": float(r.spec.instrumented_range_m),
                "mast_height_m": float(r.spec.mast_height_m),
                "azimuth_center_rad": float(r.azimuth_center_rad),
                "azimuth_half_width_rad": float(r.spec.azimuth_half_width_rad),
            }
        k_factor = float(world.radars[0].k_factor) if world.radars else k_factor

    # Side-view reference: the first radar of the first unit.
    ref = radars[0] if radars else sites[0]
    ref_enu = run.frame.geodetic_to_enu(ref.lat_deg, ref.lon_deg, 0.0)

    def ground_range(
        x: NDArray[np.float64],
        y: NDArray[np.float64],
        z: NDArray[np.float64],
        alt: NDArray[np.float64],
    ) -> NDArray[np.float64]:
        pts = np.stack([x, y, z], axis=-1)
        return surface_distance_m(ref_enu, pts, 0.0, alt)

    timelines = {tl.threat_id: tl for tl in run.timelines}
    threats = []
    for i, tr in sorted(run.tracks("threat").items()):
        pos = np.stack([tr["x_m"], tr["y_m"], tr["z_m"]], axis=1)
        keep = decimate_synchronised(tr["time_s"], pos, tolerance_m)
        tl = timelines.get(i)
        threats.append(
            {
                "id": i,
                "name": run.threat_name(i),
                "type": run.threat_types[i] if i < run.n_threats else "",
                "group": run.threat_groups[i] if i < run.n_threats else "",
                "outcome": tl.outcome if tl else "",
                "t": _r(tr["time_s"][keep], 2),
                "lat": _r(tr["lat_deg"][keep], 5),
                "lon": _r(tr["lon_deg"][keep], 5),
                "alt": _r(tr["alt_m"][keep], 0),
                "range": _r(
                    ground_range(
                        tr["x_m"][keep], tr["y_m"][keep], tr["z_m"][keep], tr["alt_m"][keep]
                    ),
                    0,
                ),
                "timeline": tl.as_dict() if tl else None,
            }
        )
    info = {row["id"]: row for row in run.interceptors}
    interceptors = []
    for k, tr in sorted(run.tracks("interceptor").items()):
        pos = np.stack([tr["x_m"], tr["y_m"], tr["z_m"]], axis=1)
        keep = decimate_synchronised(tr["time_s"], pos, tolerance_m)
        row = info.get(k, {"id": k, "name": f"interceptor {k}"})
        interceptors.append(
            {
                **row,
                "t": _r(tr["time_s"][keep], 2),
                "lat": _r(tr["lat_deg"][keep], 5),
                "lon": _r(tr["lon_deg"][keep], 5),
                "alt": _r(tr["alt_m"][keep], 0),
                "range": _r(
                    ground_range(
                        tr["x_m"][keep], tr["y_m"][keep], tr["z_m"][keep], tr["alt_m"][keep]
                    ),
                    0,
                ),
            }
        )
    # Interceptors that fired but have no samples still belong in the replay.
    seen = {row["id"] for row in interceptors}
    for k, row in info.items():
        if k not in seen:
            interceptors.append({**row, "t": [], "lat": [], "lon": [], "alt": [], "range": []})

    events = _events(run, max_detections)
    side: dict[str, Any] = {"reference": ref.name, "horizon": None}
    rinfo = radar_info.get((ref.unit, ref.name))
    if rinfo is not None:
        s = np.linspace(0.0, rinfo["instrumented_range_m"], 121)
        side["horizon"] = {
            "range": _r(s, 0),
            "alt": _r(visible_height_m(s, rinfo["mast_height_m"], k_factor), 0),
            "antenna_height_m": rinfo["mast_height_m"],
            "k_factor": k_factor,
        }
    return {
        "meta": {
            "scenario": run.name,
            "description": str(run.scenario.get("description", "")),
            "seed": run.seed,
            "start_s": 0.0,
            # rounded up so that the last event (times rounded to 0.01 s) is inside
            "end_s": math.ceil(run.end_time_s * 100.0) / 100.0,
            "terrain": run.scenario.get("environment", {}).get("terrain", {"kind": "flat"}),
            "k_factor": k_factor,
            "origin": [round(float(v), 6) for v in (run.frame.lat0_deg, run.frame.lon0_deg)],
        },
        "summary": run.summary,
        "sites": [
            {
                "name": s.name,
                "kind": s.kind,
                "unit": s.unit,
                "type": s.type,
                "lat": s.lat_deg,
                "lon": s.lon_deg,
                **s.extra,
                **(radar_info.get((s.unit, s.name), {}) if s.kind == "radar" else {}),
            }
            for s in sites
        ],
        "threats": threats,
        "interceptors": interceptors,
        "events": events,
        "side_view": side,
    }


_EVENT_FIELDS = (
    "threat_id",
    "track_id",
    "interceptor_id",
    "sensor",
    "unit",
    "launcher",
    "missile_type",
    "asset",
    "threat_type",
    "detail",
)


def _events(run: RunData, max_detections: int) -> dict[str, Any]:
    """Events as columns (``{"t": [...], "kind": [...], ...}``), time-ordered."""
    ev = run.ev
    n = len(ev["time_s"])
    rows = np.arange(n)
    det = ev["kind"] == "detection"
    n_det = int(det.sum())
    thinned = False
    if n_det > max_detections:
        thinned = True
        di = np.flatnonzero(det)
        key = np.char.add(
            np.char.add(ev["sensor"][di].astype(str), "\x1f"), ev["threat_id"][di].astype(str)
        )
        _, first = np.unique(key, return_index=True)
        stride = max(1, math.ceil(n_det / max_detections))
        chosen = np.union1d(di[first], di[::stride])
        rows = np.union1d(np.flatnonzero(~det), chosen)
    rows = rows[np.argsort(ev["time_s"][rows], kind="stable")]
    x, y, z = (np.asarray(ev[c][rows], dtype=float) for c in ("x_m", "y_m", "z_m"))
    ok = np.isfinite(x) & np.isfinite(y) & np.isfinite(z)
    lat = np.full(len(rows), np.nan)
    lon = np.full(len(rows), np.nan)
    alt = np.full(len(rows), np.nan)
    if ok.any():
        la, lo, al = run.frame.enu_to_geodetic(np.stack([x[ok], y[ok], z[ok]], axis=1))
        lat[ok], lon[ok], alt[ok] = la, lo, al

    def num(a: NDArray[np.float64], nd: int) -> list[float | None]:
        return [round(float(v), nd) if math.isfinite(v) else None for v in a]

    out: dict[str, Any] = {
        "t": num(np.asarray(ev["time_s"][rows], dtype=float), 2),
        "kind": [str(k) for k in ev["kind"][rows]],
        "lat": num(lat, 5),
        "lon": num(lon, 5),
        "alt": num(alt, 0),
        "range_m": num(np.asarray(ev["range_m"][rows], dtype=float), 0),
        "miss_m": num(np.asarray(ev["miss_m"][rows], dtype=float), 2),
        "pk": num(np.asarray(ev["pk"][rows], dtype=float), 3),
        "threat": [run.threat_name(int(i)) if i >= 0 else "" for i in ev["threat_id"][rows]],
        "detections_total": n_det,
        "detections_thinned": thinned,
    }
    for f in _EVENT_FIELDS:
        col = ev[f][rows]
        out[f] = [int(v) for v in col] if col.dtype.kind in "iu" else [str(v) for v in col]
    return out
