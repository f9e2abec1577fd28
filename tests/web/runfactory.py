"""A small, realistic run directory for viewer, report and export tests.

Writes the four files of ``samsim run`` (scenario.json, events.parquet with the engine's
event schema, trajectories.parquet with TRAJECTORY_SCHEMA, summary.json from the engine's
own ``summarize``) for a scenario that uses real catalogue entries, with kinematics that
are simple but physical: threats fly straight at constant speed, a radar detects them
inside a fixed range, interceptors fly straight at constant speed to a lead-computed
intercept point. Known outcome per threat, so tests can check what is displayed.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pyarrow as pa

from samsim.engine.events import TRAJECTORY_SCHEMA, EventLog
from samsim.engine.run import atomic_write_bytes, atomic_write_parquet
from samsim.engine.summary import summarize
from samsim.export.rundir import scenario_origin
from samsim.geo.frames import EnuFrame
from samsim.scenario.models import Scenario

SCENARIO: dict[str, Any] = {
    "name": "viewer_fixture",
    "description": "Four cruise missiles and one fighter against one battalion.",
    "duration": "20 min",
    "environment": {"k_factor": 1.3333},
    "assets": {
        "port": {"position": {"lat": 40.0, "lon": -40.0}, "value": 100, "radius": "1.5 km"},
        "plant": {"position": {"lat": 40.18, "lon": -40.08}, "value": 60, "radius": "1 km"},
    },
    "units": {
        "bn1": {
            "command_post": {"position": {"lat": 40.08, "lon": -40.02}},
            "radars": {
                "bigbird": {"type": "91N6E", "position": {"lat": 40.09, "lon": -40.01}},
                "gravestone": {"type": "92N6E", "position": {"lat": 40.085, "lon": -40.03}},
            },
            "launchers": {
                "l1": {"position": {"lat": 40.10, "lon": -40.05}, "load": {"48N6E3": 4}},
                "l2": {"position": {"lat": 40.11, "lon": -40.03}, "load": {"48N6E3": 4}},
                "l3": {
                    "type": "5P85TE2",
                    "position": {"lat": 40.07, "lon": -40.07},
                    "load": {"9M96E2": 4},
                },
            },
        }
    },
    "threats": {
        "cruise_missile": {"type": "subsonic_cruise_missile"},
        "fighter": {"type": "fighter"},
    },
    "raid": {
        "cm_north": {
            "threat": "cruise_missile",
            "count": 4,
            "interval": "20 s",
            "spread": "2 km",
            "route": [{"lat": 40.9, "lon": -40.2}],
            "target": "port",
        },
        "fighters": {
            "threat": "fighter",
            "count": 1,
            "launch_time": "10 s",
            "route": [
                {"lat": 42.5, "lon": -41.0, "alt": "9 km"},
                {"lat": 41.6, "lon": -40.3},
                {"lat": 41.8, "lon": -39.0},
            ],
        },
    },
}

#: Outcome per threat id built into the fixture.
OUTCOMES = {0: "killed", 1: "killed", 2: "leaked", 3: "killed", 4: "survived"}
CRUISE_SPEED_MPS = 245.0
FIGHTER_SPEED_MPS = 250.0
INTERCEPTOR_SPEED_MPS = 1000.0
DETECT_RANGE_M = {"cruise_missile": 45e3, "fighter": 380e3}


def _polyline_track(points_m: np.ndarray, speed_mps: float, t0_s: float, dt_s: float = 1.0):
    seg = np.linalg.norm(np.diff(points_m, axis=0), axis=1)
    s_cum = np.concatenate([[0.0], np.cumsum(seg)])
    t_end = t0_s + s_cum[-1] / speed_mps
    ts = np.append(np.arange(t0_s, t_end, dt_s), t_end)
    s = (ts - t0_s) * speed_mps
    pos = np.stack([np.interp(s, s_cum, points_m[:, k]) for k in range(3)], axis=1)
    return ts, pos


def make_run(directory: str | Path) -> Path:
    """Write the fixture run into ``directory`` (created) and return it."""
    out = Path(directory)
    sc = Scenario.model_validate(SCENARIO)
    sj = sc.model_dump(mode="json")
    frame = EnuFrame(*scenario_origin(sj))
    enu = lambda p, alt: frame.geodetic_to_enu(p["lat"], p["lon"], alt)  # noqa: E731
    assets = {n: enu(a["position"], 0.0) for n, a in sj["assets"].items()}
    unit = sj["units"]["bn1"]
    radar_pos = enu(unit["radars"]["bigbird"]["position"], 10.0)
    launchers = {n: enu(v["position"], 0.0) for n, v in unit["launchers"].items()}
    missiles = {"l1": "48N6E3", "l2": "48N6E3", "l3": "9M96E2"}

    # -- threats ------------------------------------------------------------------------
    tracks: list[tuple[np.ndarray, np.ndarray]] = []
    cm = sj["raid"]["cm_north"]
    start = enu(cm["route"][0], 30.0)
    target = assets["port"] + np.array([0.0, 0.0, 30.0])
    d = (target - start)[:2]
    perp = np.array([-d[1], d[0], 0.0]) / np.hypot(*d)
    for i in range(cm["count"]):
        off = (i - (cm["count"] - 1) / 2.0) * cm["spread"] * perp
        pts = np.array([start + off, target])
        tracks.append(_polyline_track(pts, CRUISE_SPEED_MPS, i * cm["interval"]))
    fg = sj["raid"]["fighters"]
    pts = np.array([enu(w, 9000.0) for w in fg["route"]])
    tracks.append(_polyline_track(pts, FIGHTER_SPEED_MPS, fg["launch_time"]))
    types = ["cruise_missile"] * cm["count"] + ["fighter"]

    log = EventLog()
    end_time = np.array([tr[0][-1] for tr in tracks])
    interceptor_tracks: list[tuple[int, np.ndarray, np.ndarray]] = []
    next_interceptor = 0
    launcher_cycle = ["l1", "l2", "l3"]

    def threat_at(i: int, t: float) -> np.ndarray:
        ts, pos = tracks[i]
        return np.array([np.interp(t, ts, pos[:, k]) for k in range(3)])

    track_id = 0
    for i, (ts, pos) in enumerate(tracks):
        rng = np.linalg.norm(pos - radar_pos, axis=1)
        scan_t = np.arange(3.0, ts[-1], 10.0)
        scan_t = scan_t[scan_t >= ts[0]]
        ranges = np.array([np.interp(t, ts, rng) for t in scan_t])
        seen = scan_t[ranges <= DETECT_RANGE_M[types[i]]]
        if OUTCOMES[i] == "killed":
            seen = seen[seen < ts[-1] - 60.0]
        if len(seen) == 0:
            continue
        for t in seen:
            p = threat_at(i, t)
            log.add(
                t,
                "detection",
                sensor="bigbird",
                unit="bn1",
                threat_id=i,
                track_id=track_id,
                threat_type=types[i],
                x_m=p[0],
                y_m=p[1],
                z_m=p[2],
                range_m=float(np.linalg.norm(p - radar_pos)),
                snr_db=20.0,
            )
        log.add(
            seen[0], "track_start", track_id=track_id, unit="bn1", sensor="bigbird", threat_id=i
        )
        if len(seen) >= 3:
            log.add(seen[2], "track_confirmed", track_id=track_id, unit="bn1", threat_id=i)
        if types[i] == "cruise_missile" and len(seen) >= 3:
            t_asg = seen[2] + 2.0
            log.add(
                t_asg,
                "assignment",
                unit="bn1",
                track_id=track_id,
                threat_id=i,
                threat_type=types[i],
                missile_type="48N6E3",
                count=2,
                value=100.0,
                pk=0.8,
            )
            results = {
                0: ["miss", "kill"],
                1: ["kill", None],
                2: ["miss", "miss"],
                3: ["kill", None],
            }
            for k in range(2):
                lname = launcher_cycle[next_interceptor % 3]
                t_l = t_asg + 3.0 + 2.0 * k
                lp = launchers[lname]
                # lead pursuit: fixed point of |p(t) - launcher| = v (t - t_launch)
                t_i = t_l + np.linalg.norm(threat_at(i, t_l) - lp) / INTERCEPTOR_SPEED_MPS
                for _ in range(30):
                    t_i = t_l + np.linalg.norm(threat_at(i, t_i) - lp) / INTERCEPTOR_SPEED_MPS
                key = next_interceptor
                next_interceptor += 1
                log.add(
                    t_l,
                    "launch",
                    interceptor_id=key,
                    unit="bn1",
                    launcher=lname,
                    missile_type=missiles[lname],
                    track_id=track_id,
                    threat_id=i,
                    threat_type=types[i],
                    sensor="gravestone",
                    x_m=lp[0],
                    y_m=lp[1],
                    z_m=lp[2],
                )
                res = results[i][k]
                hit = threat_at(i, t_i)
                if res is None:  # target already dead: flies on and self-destructs
                    t_e = t_i + 5.0
                    end = lp + (hit - lp) * (t_e - t_l) / (t_i - t_l)
                    detail = "target_gone"
                else:
                    t_e = t_i
                    end = hit + np.array([0.0, 0.0, 3.0 if res == "kill" else 60.0])
                    detail = "intercept"
                    log.add(
                        t_e,
                        "intercept",
                        interceptor_id=key,
                        threat_id=i,
                        threat_type=types[i],
                        missile_type=missiles[lname],
                        unit="bn1",
                        track_id=track_id,
                        miss_m=3.0 if res == "kill" else 60.0,
                        pk=0.9 if res == "kill" else 0.0,
                        detail=res,
                        x_m=end[0],
                        y_m=end[1],
                        z_m=end[2],
                    )
                    if res == "kill":
                        log.add(
                            t_e,
                            "kill",
                            threat_id=i,
                            threat_type=types[i],
                            interceptor_id=key,
                            x_m=hit[0],
                            y_m=hit[1],
                            z_m=hit[2],
                        )
                        end_time[i] = t_e
                log.add(
                    t_e,
                    "interceptor_end",
                    interceptor_id=key,
                    threat_id=i,
                    missile_type=missiles[lname],
                    unit="bn1",
                    detail=detail,
                    x_m=end[0],
                    y_m=end[1],
                    z_m=end[2],
                )
                it = np.append(np.arange(t_l, t_e, 1.0), t_e)
                w = ((it - t_l) / (t_e - t_l))[:, None]
                ipos = lp + (end - lp) * w
                ipos[:, 2] += 4000.0 * np.sin(np.pi * w[:, 0]) * (t_e - t_l) / 60.0
                interceptor_tracks.append((key, it, ipos))
        track_id += 1

    for i in range(len(tracks)):
        p = threat_at(i, end_time[i])
        if OUTCOMES[i] == "leaked":
            log.add(
                end_time[i],
                "leak",
                threat_id=i,
                threat_type=types[i],
                asset="port",
                x_m=p[0],
                y_m=p[1],
                z_m=p[2],
            )
        elif OUTCOMES[i] == "survived":
            log.add(
                end_time[i],
                "threat_end",
                threat_id=i,
                threat_type=types[i],
                detail="route_end",
                x_m=p[0],
                y_m=p[1],
                z_m=p[2],
            )
    events = log.to_arrow()
    order = np.argsort(events.column("time_s").to_numpy(), kind="stable")
    events = events.take(pa.array(order))

    # -- trajectories -------------------------------------------------------------------
    rows_t, rows_e, rows_id, rows_p = [], [], [], []
    for i, (ts, pos) in enumerate(tracks):
        m = ts <= end_time[i]
        rows_t.append(ts[m])
        rows_e += ["threat"] * int(m.sum())
        rows_id.append(np.full(int(m.sum()), i))
        rows_p.append(pos[m])
    for key, it, ipos in interceptor_tracks:
        rows_t.append(it)
        rows_e += ["interceptor"] * len(it)
        rows_id.append(np.full(len(it), key))
        rows_p.append(ipos)
    t_all = np.concatenate(rows_t)
    p_all = np.concatenate(rows_p)
    lat, lon, alt = frame.enu_to_geodetic(p_all)
    traj = pa.Table.from_arrays(
        [
            pa.array(t_all),
            pa.array(rows_e, type=pa.string()),
            pa.array(np.concatenate(rows_id).astype(np.int32)),
            pa.array(p_all[:, 0]),
            pa.array(p_all[:, 1]),
            pa.array(p_all[:, 2]),
            pa.array(lat),
            pa.array(lon),
            pa.array(alt),
        ],
        schema=TRAJECTORY_SCHEMA,
    )
    names = [f"cm_north-{k + 1}" for k in range(cm["count"])] + ["fighters-1"]
    world = SimpleNamespace(
        n_threats=len(tracks),
        threat_type=types,
        threat_names=names,
        asset_names=list(sj["assets"]),
        scenario=sc,
        # the defence's nodes (none lost, every radar emitting throughout)
        node_names=list(sc.node_sites()),
        node_kind=[kind for kind, _, _ in sc.node_sites().values()],
        radars=[SimpleNamespace(name=r) for u in sc.units.values() for r in u.radars],
        threat_kind=["cruise_missile"] * cm["count"] + ["aircraft"],
    )
    sim_end = float(max(end_time.max(), events.column("time_s").to_numpy().max()))
    summary = summarize(events, world, 0, sim_end)  # type: ignore[arg-type]
    import json

    atomic_write_parquet(out / "events.parquet", events)
    atomic_write_parquet(out / "trajectories.parquet", traj)
    atomic_write_bytes(out / "scenario.json", sc.model_dump_json(indent=2).encode())
    atomic_write_bytes(out / "summary.json", (json.dumps(summary, indent=2) + "\n").encode())
    return out
