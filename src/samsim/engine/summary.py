"""The run summary: counts and distributions derived from the event log alone.

The schema is stable (``schema_version``) and documented in docs/summary.md; scripts may
rely on every key listed there.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

if TYPE_CHECKING:
    from samsim.engine.world import World

SCHEMA_VERSION = 1

#: The event log's columns the summary reads.
_READ = (
    "time_s",
    "kind",
    "threat_id",
    "sensor",
    "unit",
    "asset",
    "threat_type",
    "range_m",
    "miss_m",
    "missile_type",
    "detail",
)


def _stats(values: list[float]) -> dict[str, float | int]:
    a = np.asarray(values, dtype=float)
    return {
        "count": len(a),
        "min": float(a.min()),
        "median": float(np.median(a)),
        "max": float(a.max()),
    }


def summarize(events: pa.Table, world: World, seed: int, simulated_time_s: float) -> dict[str, Any]:
    """Summary of one run, computed from its event log (see docs/summary.md)."""
    # (only the columns read here, as Python lists)
    ev = {name: events.column(name).to_pylist() for name in _READ}
    n = world.n_threats
    types = world.threat_type

    # the rows of each kind, ascending: the kind column's dictionary codes, sorted stably
    # (read from the buffer: pyarrow's to_numpy imports pandas, 0.27 s of a `samsim run`)
    coded = events.column("kind").combine_chunks().dictionary_encode()
    idx = coded.indices
    codes = np.frombuffer(idx.buffers()[1], dtype=np.int32)[idx.offset : idx.offset + len(idx)]
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(len(coded.dictionary) + 1))
    by_kind: dict[str, list[int]] = {
        k: order[bounds[c] : bounds[c + 1]].tolist()
        for c, k in enumerate(coded.dictionary.to_pylist())
    }

    def rows(k: str) -> list[int]:
        """The rows of kind ``k``, ascending (callers never modify the list)."""
        return by_kind.get(k, [])

    first_det: dict[int, tuple[float, float]] = {}
    for i in rows("detection"):
        th = ev["threat_id"][i]
        if th >= 0 and th not in first_det:
            first_det[th] = (ev["time_s"][i], ev["range_m"][i])
    # Fields about threats count threats: rows of false alarms and of the tracks they
    # started (threat_id -1) are counted apart.
    engaged = {ev["threat_id"][i] for i in rows("assignment")} - {-1}
    killed = {ev["threat_id"][i]: ev["time_s"][i] for i in rows("kill")}
    leaks = [(ev["threat_id"][i], ev["asset"][i], ev["time_s"][i]) for i in rows("leak")]
    ended = {ev["threat_id"][i]: ev["detail"][i] for i in rows("threat_end")}
    fired = Counter(ev["missile_type"][i] for i in rows("launch"))
    icp_end = Counter(ev["detail"][i] for i in rows("interceptor_end"))
    intercepts = rows("intercept")
    misses = [ev["miss_m"][i] for i in intercepts]

    by_type: dict[str, dict[str, int]] = {}
    for t in sorted(set(types)):
        members = [i for i in range(n) if types[i] == t]
        by_type[t] = {
            "threats": len(members),
            "detected": sum(i in first_det for i in members),
            "engaged": sum(i in engaged for i in members),
            "killed": sum(i in killed for i in members),
            "leaked": sum(1 for th, _, _ in leaks if types[th] == t),
            "survived": sum(i in ended for i in members),
        }
    ranges: dict[str, list[float]] = {}
    for th, (_, r) in first_det.items():
        ranges.setdefault(types[th], []).append(r)
    leaked_by_asset = {a: 0 for a in world.asset_names}
    leaked_by_node: dict[str, int] = {}
    for _, a, _ in leaks:
        if a in leaked_by_asset:
            leaked_by_asset[a] += 1
        else:  # a node a threat was aimed at (target_node)
            leaked_by_node[a] = leaked_by_node.get(a, 0) + 1
    n_fired = sum(fired.values())
    burn = _burn_through(ev, rows("detection"), types)
    times = ev["time_s"]

    def first(k: str, real: bool | None = None) -> float | None:
        """Time of the first event of kind k (of a threat if ``real``, of a false alarm
        or false track if ``real`` is False)."""
        tid = ev["threat_id"]
        r = next((i for i in rows(k) if real is None or (tid[i] >= 0) == real), None)
        return None if r is None else float(times[r])

    false_alarms = sum(1 for i in rows("detection") if ev["threat_id"][i] < 0)
    false_tracks = sum(1 for i in rows("track_confirmed") if ev["threat_id"][i] < 0)
    false_engagements = sum(1 for i in rows("assignment") if ev["threat_id"][i] < 0)
    false_launches = sum(1 for i in rows("launch") if ev["threat_id"][i] < 0)

    return {
        "schema_version": SCHEMA_VERSION,
        "scenario": world.scenario.name,
        "seed": int(seed),
        "simulated_time_s": float(simulated_time_s),
        "threats": n,
        "detected": len(first_det),
        "engaged": len(engaged),
        "killed": len(killed),
        "leaked": len(leaks),
        "survived": len(ended),
        "interceptors_fired": {m: fired.get(m, 0) for m in sorted(fired)},
        "interceptors_fired_total": n_fired,
        "interceptor_outcomes": dict(sorted(icp_end.items())),
        "interceptors_per_kill": (n_fired / len(killed)) if killed else None,
        "miss_distance_m": _stats(misses) if misses else None,
        "first_detection_range_m": {t: _stats(v) for t, v in sorted(ranges.items())},
        "leaked_by_asset": leaked_by_asset,
        "leaked_by_node": dict(sorted(leaked_by_node.items())),
        "leakers": [
            {
                "threat_id": int(th),
                "threat": world.threat_names[th],
                "threat_type": types[th],
                "asset": a,
                "time_s": float(t),
            }
            for th, a, t in sorted(leaks, key=lambda x: (x[2], x[0]))
        ],
        "by_threat_type": by_type,
        "timeline": {
            "first_event_s": float(min(times)) if times else None,
            "first_detection_s": first("detection", real=True),
            "first_track_s": first("track_confirmed", real=True),
            "first_launch_s": first("launch"),
            "first_kill_s": first("kill"),
            "first_leak_s": first("leak"),
            "first_node_lost_s": first("node_lost"),
            "last_event_s": float(max(times)) if times else None,
            "first_false_alarm_s": first("detection", real=False),
            "first_false_track_s": first("track_confirmed", real=False),
        },
        "events": events.num_rows,
        "burn_through_range_m": burn,
        "false_alarms": false_alarms,
        "false_tracks_confirmed": false_tracks,
        "false_track_engagements": false_engagements,
        "interceptors_at_false_tracks": false_launches,
        **_network(ev, rows, world, simulated_time_s),
    }


def _network(
    ev: dict[str, list[Any]], rows: Any, world: World, simulated_time_s: float
) -> dict[str, Any]:
    """The network under attack: the nodes lost (each once) and the nodes' counts, each
    radar's emission time, and what the anti-radiation missiles did."""
    lost = [
        {
            "node": ev["asset"][i],
            "kind": ev["detail"][i],
            "unit": ev["unit"][i],
            "time_s": float(ev["time_s"][i]),
            "threat_id": int(ev["threat_id"][i]),
            "threat": world.threat_names[ev["threat_id"][i]] if ev["threat_id"][i] >= 0 else "",
            "threat_type": ev["threat_type"][i],
            "miss_m": float(ev["miss_m"][i]),
        }
        for i in rows("node_lost")
    ]
    gone = {x["node"] for x in lost}
    by_kind: dict[str, dict[str, int]] = {}
    for name, kind in zip(world.node_names, world.node_kind, strict=True):
        c = by_kind.setdefault(kind, {"nodes": 0, "lost": 0, "survived": 0})
        c["nodes"] += 1
        c["lost" if name in gone else "survived"] += 1
    return {
        "nodes": {
            "nodes": len(world.node_names),
            "lost": len(gone),
            "survived": len(world.node_names) - len(gone),
            "by_kind": dict(sorted(by_kind.items())),
        },
        "nodes_lost": lost,
        "emission": _emission(ev, rows, world, simulated_time_s),
        "anti_radiation_missiles": _arms(ev, rows, world, simulated_time_s),
    }


def _emission(
    ev: dict[str, list[Any]], rows: Any, world: World, end_s: float
) -> dict[str, dict[str, float | int | None]]:
    """Per radar: time emitting, time dark (alive, not emitting) and lost, the number of
    dark periods, and when it was lost (None if it survived). A radar emits from time 0
    unless its first event is an ``emission_off`` at 0; ``emission_off`` and
    ``emission_on`` switch it, its ``node_lost`` ends it."""
    changes: dict[str, list[tuple[float, str]]] = {r.name: [] for r in world.radars}
    for i in sorted(
        rows("emission_off") + rows("emission_on") + rows("node_lost"),
        key=lambda i: (ev["time_s"][i], i),
    ):
        name = ev["sensor"][i]
        if name in changes:
            changes[name].append((float(ev["time_s"][i]), ev["kind"][i]))
    out: dict[str, dict[str, float | int | None]] = {}
    for name, seq in changes.items():
        on, t_last, emit, dark, periods, lost = True, 0.0, 0.0, 0.0, 0, None
        for t, kind in seq:
            if on:
                emit += t - t_last
            else:
                dark += t - t_last
            t_last = t
            if kind == "node_lost":
                lost = t
                break
            if kind == "emission_off" and on:
                periods += 1
            on = kind == "emission_on"
        if lost is None:
            if on:
                emit += end_s - t_last
            else:
                dark += end_s - t_last
        out[name] = {
            "emitting_s": emit,
            "dark_s": dark,
            "lost_s": (end_s - lost) if lost is not None else 0.0,
            "dark_periods": periods,
            "lost_at_s": lost,
        }
    return out


def _arms(ev: dict[str, list[Any]], rows: Any, world: World, end_s: float) -> dict[str, Any] | None:
    """What the anti-radiation missiles did (None without any): launched (started before
    the end of the run), killed by the defence, hit (ended within their warhead's lethal
    radius of their radar: a leak at the node), missed (ended beyond it), still flying;
    the miss distances (ground distance from their radar where they ended)."""
    arms = {i for i, k in enumerate(world.threat_kind) if k == "anti_radiation_missile"}
    if not arms:
        return None
    th = ev["threat_id"]
    killed = sum(1 for i in rows("kill") if th[i] in arms)
    hit = [i for i in rows("leak") if th[i] in arms]
    ended = [i for i in rows("threat_end") if th[i] in arms]
    missed = [i for i in ended if ev["detail"][i] == "impact"]
    misses = [float(ev["miss_m"][i]) for i in hit + missed]
    return {
        "threats": len(arms),
        "launched": sum(1 for i in arms if world.threats.t0_s[i] <= end_s),
        "killed": killed,
        "hit": len(hit),
        "missed": len(missed),
        "flying": sum(1 for i in ended if ev["detail"][i] == "time_limit"),
        "miss_m": _stats(misses) if misses else None,
    }


def _jnr_db(detail: str) -> float | None:
    for tok in detail.split(";"):
        if tok.startswith("jnr_db="):
            return float(tok[7:])
    return None


def _burn_through(
    ev: dict[str, list[Any]], det_rows: list[int], types: list[str]
) -> dict[str, dict[str, dict[str, float | int]]]:
    """Per radar and threat type, the true range of each threat's first detection by
    that radar when it was made through noise jamming at least as strong as thermal noise
    (``jnr_db >= 0`` in the detection's detail): the range at which the radar burnt
    through."""
    first: dict[tuple[str, int], int] = {}
    for i in det_rows:
        th = ev["threat_id"][i]
        if th >= 0:
            first.setdefault((ev["sensor"][i], th), i)
    out: dict[str, dict[str, list[float]]] = {}
    for (sensor, th), i in first.items():
        jnr = _jnr_db(ev["detail"][i])
        if jnr is not None and jnr >= 0.0:
            out.setdefault(sensor, {}).setdefault(types[th], []).append(ev["range_m"][i])
    return {
        r: {t: _stats(v) for t, v in sorted(by_type.items())} for r, by_type in sorted(out.items())
    }
