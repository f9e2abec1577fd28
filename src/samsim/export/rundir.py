"""Reading a finished run from its directory, for reports, exports and the replay viewer.

A run directory (written by ``samsim run``) holds ``events.parquet``,
``trajectories.parquet``, ``summary.json`` and ``scenario.json``. This module loads them,
names every threat and interceptor, derives per-threat timelines from the event log, and
finds the runs inside a study directory.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from numpy.typing import NDArray

from samsim.engine.events import SCHEMA as EVENT_SCHEMA
from samsim.engine.events import TRAJECTORY_SCHEMA
from samsim.errors import SamsimError
from samsim.geo.frames import EnuFrame
from samsim.outputs import RUN_FILES

__all__ = ["RUN_FILES", "RunData", "RunDirError", "find_runs", "is_run_dir"]


class RunDirError(SamsimError):
    """A folder given as a run (or study) that cannot be read as one."""


def is_run_dir(path: Path) -> bool:
    """Whether ``path`` holds at least the event log and the scenario of a run."""
    return (path / "events.parquet").is_file() and (path / "scenario.json").is_file()


def find_runs(path: str | Path, max_depth: int = 6) -> list[Path]:
    """The run directories at or below ``path``, sorted by their path.

    Parameters
    ----------
    path : str or Path
        A run directory, or a study (or any) directory holding run directories at most
        ``max_depth`` levels below.
    max_depth : int
        How deep to look below ``path``.

    Raises
    ------
    RunDirError
        If ``path`` is not a directory or holds no run.
    """
    root = Path(path)
    if not root.is_dir():
        raise RunDirError(
            f"{root} is not a directory; give the folder written by `samsim run` "
            "(it holds events.parquet and scenario.json) or a study folder holding such runs"
        )
    if is_run_dir(root):
        return [root]
    found: list[Path] = []
    frontier = [root]
    for _ in range(max_depth):
        nxt: list[Path] = []
        for d in frontier:
            try:
                children = sorted(p for p in d.iterdir() if p.is_dir() and not p.is_symlink())
            except OSError:
                continue
            for c in children:
                if c.name.startswith("."):
                    continue
                (found if is_run_dir(c) else nxt).append(c)
        frontier = nxt
    if not found and (root / "manifest.json").is_file():
        raise RunDirError(
            f"{root} holds a study (manifest.json) and no replayed run yet: a study keeps "
            "results and, with --keep-events, event logs, but no trajectories; "
            "`samsim serve DIR --point K --seed S` reruns one of its runs in full and "
            "serves it, `samsim report DIR` reports the study"
        )
    if not found:
        raise RunDirError(
            f"{root} holds no run: no folder at or below it (to depth {max_depth}) has both "
            "events.parquet and scenario.json; run `samsim run SCENARIO` first"
        )
    return sorted(found)


def decimate_synchronised(
    time_s: NDArray[np.float64], pos_m: NDArray[np.float64], tolerance_m: float
) -> NDArray[np.int64]:
    """Indices of the samples to keep so that linear interpolation in time between kept
    samples stays within ``tolerance_m`` of every sample.

    Parameters
    ----------
    time_s : ndarray (n,)
        Increasing sample times.
    pos_m : ndarray (n, 3)
        Positions (Cartesian, metres).
    tolerance_m : float
        Largest synchronised Euclidean distance allowed.

    Returns
    -------
    ndarray of int
        Sorted indices, always including the first and last sample.

    Notes
    -----
    Top-down time-ratio simplification (Meratnia & de By, "Spatiotemporal compression
    techniques for moving point objects", EDBT 2004, sec. 3.2): Douglas-Peucker recursion
    where the distance of a sample is taken to the point the simplified track occupies at
    the sample's own time, not to the nearest point of the chord.
    """
    n = len(time_s)
    if n <= 2:
        return np.arange(n, dtype=np.int64)
    keep = np.zeros(n, dtype=bool)
    keep[0] = keep[-1] = True
    stack = [(0, n - 1)]
    while stack:
        i, j = stack.pop()
        if j - i < 2:
            continue
        span = time_s[j] - time_s[i]
        w = (time_s[i + 1 : j] - time_s[i]) / span if span > 0 else np.zeros(j - i - 1)
        interp = pos_m[i] + (pos_m[j] - pos_m[i]) * w[:, None]
        err = np.linalg.norm(pos_m[i + 1 : j] - interp, axis=1)
        k = int(np.argmax(err))
        if err[k] > tolerance_m:
            m = i + 1 + k
            keep[m] = True
            stack.append((i, m))
            stack.append((m, j))
    return np.flatnonzero(keep)


def threat_roster(scenario: dict[str, Any]) -> tuple[list[str], list[str], list[str]]:
    """Names, threat types and raid groups of the threats, indexed by threat id.

    Threat ids are assigned by the engine in raid order, group by group, member by
    member (``samsim.engine.world.compile_world``), and named ``<group>-<member>``.
    """
    names: list[str] = []
    types: list[str] = []
    groups: list[str] = []
    for gname, group in scenario.get("raid", {}).items():
        for i in range(int(group.get("count", 1))):
            names.append(f"{gname}-{i + 1}")
            types.append(str(group["threat"]))
            groups.append(gname)
    return names, types, groups


def scenario_origin(scenario: dict[str, Any]) -> tuple[float, float, float]:
    """Origin (lat, lon, alt) of the run's ENU frame: the scenario's ``origin`` or the mean
    of the assets (as :meth:`samsim.scenario.models.Scenario.origin_point`)."""
    o = scenario.get("origin")
    if o:
        return float(o["lat"]), float(o["lon"]), float(o.get("alt") or 0.0)
    pts = [a["position"] for a in scenario["assets"].values()]
    lat = sum(p["lat"] for p in pts) / len(pts)
    lon = math.degrees(
        math.atan2(
            sum(math.sin(math.radians(p["lon"])) for p in pts),
            sum(math.cos(math.radians(p["lon"])) for p in pts),
        )
    )
    return lat, lon, 0.0


@dataclass
class Site:
    """A named place of the scenario (asset, radar, launcher, command post)."""

    name: str
    kind: str  # "asset", "radar", "launcher", "command_post"
    unit: str
    type: str
    lat_deg: float
    lon_deg: float
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class ThreatTimeline:
    """What happened to one threat, from the event log (times in s, ``None`` if never)."""

    threat_id: int
    name: str
    threat_type: str
    group: str
    appear_s: float | None
    first_detection_s: float | None
    first_detection_range_m: float | None
    first_detection_sensor: str
    track_start_s: float | None
    track_confirmed_s: float | None
    engaged_s: float | None
    launches: list[dict[str, Any]]
    intercepts: list[dict[str, Any]]
    outcome: str  # "killed", "leaked", "survived" or "in flight" (run ended first)
    outcome_s: float | None
    outcome_detail: str

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


_REWRITE = "rerun `samsim run` to write the folder again"


def _json_object(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise RunDirError(f"{path} is not valid JSON ({exc}); {_REWRITE}") from None
    if not isinstance(data, dict):
        raise RunDirError(f"{path} is not a JSON object; {_REWRITE}")
    return data


def _scenario_json(path: Path) -> dict[str, Any]:
    """The run's scenario as written, checked against the scenario schema."""
    from pydantic import ValidationError

    from samsim.scenario.models import Scenario

    data = _json_object(path)
    try:
        Scenario.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(top level)"
        raise RunDirError(
            f"{path} is not a complete samsim scenario ({exc.error_count()} problems; first, "
            f"field '{where}': {first['msg']}); {_REWRITE}"
        ) from None
    return data


def _table(path: Path, schema: pa.Schema) -> pa.Table:
    """A Parquet file of the run, checked to have every column of ``schema`` (cast to it)."""
    table = pq.read_table(path)
    missing = [f.name for f in schema if f.name not in table.column_names]
    if missing:
        raise RunDirError(
            f"{path} has no column {', '.join(repr(m) for m in missing[:5])}: not what samsim "
            f"writes there (see src/samsim/engine/events.py); {_REWRITE}"
        )
    try:
        return table.select([f.name for f in schema]).cast(schema)
    except (pa.ArrowException, ValueError) as exc:
        raise RunDirError(f"{path} has columns of the wrong type ({exc}); {_REWRITE}") from None


class RunData:
    """A run directory loaded for display.

    Parameters
    ----------
    path : str or Path
        The run directory.

    Raises
    ------
    RunDirError
        If a file of the run is missing or unreadable.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if not self.path.is_dir():
            raise RunDirError(f"run directory {self.path} does not exist; check the path")
        missing = [f for f in RUN_FILES if not (self.path / f).is_file()]
        if missing:
            raise RunDirError(
                f"{self.path} is not a complete run directory: {', '.join(missing)} "
                "missing; rerun `samsim run` to write it"
            )
        try:
            self.scenario: dict[str, Any] = _scenario_json(self.path / "scenario.json")
            self.summary: dict[str, Any] = _json_object(self.path / "summary.json")
            self.events: pa.Table = _table(self.path / "events.parquet", EVENT_SCHEMA)
            self.trajectories: pa.Table = _table(
                self.path / "trajectories.parquet", TRAJECTORY_SCHEMA
            )
        except (OSError, ValueError, pa.ArrowException) as exc:
            raise RunDirError(f"cannot read the run in {self.path}: {exc}") from None
        self.threat_names, self.threat_types, self.threat_groups = threat_roster(self.scenario)
        self.frame = EnuFrame(*scenario_origin(self.scenario))

    @property
    def name(self) -> str:
        return str(self.scenario.get("name", self.path.name))

    @property
    def seed(self) -> int:
        return int(self.summary.get("seed", -1))

    @cached_property
    def ev(self) -> dict[str, NDArray[Any]]:
        """The event log as a dict of numpy arrays (strings as object arrays)."""
        return {
            name: self.events.column(name).to_numpy(zero_copy_only=False)
            for name in self.events.column_names
        }

    @cached_property
    def end_time_s(self) -> float:
        """Last simulated time: the summary's, else the last event or sample."""
        t = self.summary.get("simulated_time_s")
        if t is not None:
            return float(t)
        times = [0.0]
        if self.events.num_rows:
            times.append(float(np.max(self.ev["time_s"])))
        if self.trajectories.num_rows:
            times.append(float(np.max(self.trajectories.column("time_s").to_numpy())))
        return max(times)

    @property
    def n_threats(self) -> int:
        return len(self.threat_names)

    def tracks(
        self, entity: str, tolerance_m: float | None = None
    ) -> dict[int, dict[str, NDArray[np.float64]]]:
        """Sampled positions per id of ``entity`` ("threat" or "interceptor"), time-ordered:
        ``{id: {"time_s", "lat_deg", "lon_deg", "alt_m", "x_m", "y_m", "z_m"}}``; thinned
        by :func:`decimate_synchronised` when ``tolerance_m`` is given."""
        tr = self.trajectories
        ent = tr.column("entity").to_numpy(zero_copy_only=False)
        m = ent == entity
        if not m.any():
            return {}
        cols = {
            c: tr.column(c).to_numpy()[m]
            for c in ("time_s", "id", "lat_deg", "lon_deg", "alt_m", "x_m", "y_m", "z_m")
        }
        order = np.lexsort((cols["time_s"], cols["id"]))
        cols = {k: v[order] for k, v in cols.items()}
        ids, starts = np.unique(cols["id"], return_index=True)
        bounds = [*starts.tolist(), len(order)]
        out: dict[int, dict[str, NDArray[np.float64]]] = {}
        for k, i in enumerate(ids.tolist()):
            sl = slice(bounds[k], bounds[k + 1])
            tr = {c: cols[c][sl].astype(float) for c in cols if c != "id"}
            if tolerance_m is not None:
                pos = np.stack([tr["x_m"], tr["y_m"], tr["z_m"]], axis=1)
                keep = decimate_synchronised(tr["time_s"], pos, tolerance_m)
                tr = {c: v[keep] for c, v in tr.items()}
            out[int(i)] = tr
        return out

    @cached_property
    def interceptors(self) -> list[dict[str, Any]]:
        """One row per launched interceptor: id, missile type, unit, launcher, target
        threat, launch time, end time and how its flight ended."""
        ev = self.ev
        rows: dict[int, dict[str, Any]] = {}
        for j in np.flatnonzero(ev["kind"] == "launch"):
            i = int(j)
            k = int(ev["interceptor_id"][i])
            th = int(ev["threat_id"][i])
            rows[k] = {
                "id": k,
                "name": f"{ev['missile_type'][i]}#{k}",
                "missile_type": str(ev["missile_type"][i]),
                "unit": str(ev["unit"][i]),
                "launcher": str(ev["launcher"][i]),
                "threat_id": th,
                "threat": self.threat_name(th),
                "launch_s": float(ev["time_s"][i]),
                "end_s": None,
                "outcome": "in flight",
                "miss_m": None,
                "pk": None,
            }
        for j in np.flatnonzero(ev["kind"] == "interceptor_end"):
            i = int(j)
            k = int(ev["interceptor_id"][i])
            if k in rows:
                rows[k]["end_s"] = float(ev["time_s"][i])
                rows[k]["outcome"] = str(ev["detail"][i])
        for j in np.flatnonzero(ev["kind"] == "intercept"):
            i = int(j)
            k = int(ev["interceptor_id"][i])
            if k in rows:
                rows[k]["miss_m"] = float(ev["miss_m"][i])
                rows[k]["pk"] = float(ev["pk"][i])
                rows[k]["outcome"] = f"intercept ({ev['detail'][i]})"
        return [rows[k] for k in sorted(rows)]

    def threat_name(self, threat_id: int) -> str:
        if 0 <= threat_id < len(self.threat_names):
            return self.threat_names[threat_id]
        return "false alarm" if threat_id < 0 else f"threat {threat_id}"

    @cached_property
    def timelines(self) -> list[ThreatTimeline]:
        """Per-threat timelines (first detection, track, engagement, launches, outcome)."""
        ev = self.ev
        kind, tid, t = ev["kind"], ev["threat_id"], ev["time_s"]
        appear: dict[int, float] = {}
        if self.trajectories.num_rows:
            for i, tr in self.tracks("threat").items():
                appear[i] = float(tr["time_s"][0])

        def first(k: str) -> dict[int, int]:
            out: dict[int, int] = {}
            for j in np.flatnonzero(kind == k):
                i = int(j)
                th = int(tid[i])
                if th >= 0 and th not in out:
                    out[th] = int(i)
            return out

        det, start, conf, asg = (
            first("detection"),
            first("track_start"),
            first("track_confirmed"),
            first("assignment"),
        )
        launches: dict[int, list[dict[str, Any]]] = {}
        for j in np.flatnonzero(kind == "launch"):
            i = int(j)
            launches.setdefault(int(tid[i]), []).append(
                {
                    "time_s": float(t[i]),
                    "interceptor_id": int(ev["interceptor_id"][i]),
                    "missile_type": str(ev["missile_type"][i]),
                    "launcher": str(ev["launcher"][i]),
                    "unit": str(ev["unit"][i]),
                }
            )
        intercepts: dict[int, list[dict[str, Any]]] = {}
        for j in np.flatnonzero(kind == "intercept"):
            i = int(j)
            intercepts.setdefault(int(tid[i]), []).append(
                {
                    "time_s": float(t[i]),
                    "interceptor_id": int(ev["interceptor_id"][i]),
                    "miss_m": float(ev["miss_m"][i]),
                    "result": str(ev["detail"][i]),
                }
            )
        outcome: dict[int, tuple[str, float, str]] = {}
        for j in np.flatnonzero(kind == "kill"):
            i = int(j)
            outcome[int(tid[i])] = (
                "killed",
                float(t[i]),
                f"by interceptor {ev['interceptor_id'][i]}",
            )
        for j in np.flatnonzero(kind == "leak"):
            i = int(j)
            outcome[int(tid[i])] = ("leaked", float(t[i]), f"reached {ev['asset'][i]}")
        for j in np.flatnonzero(kind == "threat_end"):
            i = int(j)
            outcome.setdefault(int(tid[i]), ("survived", float(t[i]), str(ev["detail"][i])))

        def tof(d: dict[int, int], th: int) -> float | None:
            return float(t[d[th]]) if th in d else None

        out = []
        for th in range(self.n_threats):
            oc = outcome.get(th, ("in flight", None, "run ended"))
            out.append(
                ThreatTimeline(
                    threat_id=th,
                    name=self.threat_names[th],
                    threat_type=self.threat_types[th],
                    group=self.threat_groups[th],
                    appear_s=appear.get(th),
                    first_detection_s=tof(det, th),
                    first_detection_range_m=(
                        float(ev["range_m"][det[th]]) if th in det and "range_m" in ev else None
                    ),
                    first_detection_sensor=str(ev["sensor"][det[th]]) if th in det else "",
                    track_start_s=tof(start, th),
                    track_confirmed_s=tof(conf, th),
                    engaged_s=tof(asg, th),
                    launches=launches.get(th, []),
                    intercepts=intercepts.get(th, []),
                    outcome=oc[0],
                    outcome_s=oc[1],
                    outcome_detail=oc[2],
                )
            )
        return out

    def sites(self) -> list[Site]:
        """Assets, command posts, radars and launchers with their positions."""
        sc = self.scenario
        out: list[Site] = []
        for name, a in sc.get("assets", {}).items():
            p = a["position"]
            out.append(
                Site(
                    name,
                    "asset",
                    "",
                    "asset",
                    p["lat"],
                    p["lon"],
                    {"radius_m": a.get("radius"), "value": a.get("value")},
                )
            )
        for uname, u in sc.get("units", {}).items():
            cp = u["command_post"]
            out.append(
                Site(
                    f"{uname} command post",
                    "command_post",
                    uname,
                    str(cp.get("type", "")),
                    cp["position"]["lat"],
                    cp["position"]["lon"],
                )
            )
            for rname, r in u.get("radars", {}).items():
                out.append(
                    Site(
                        rname,
                        "radar",
                        uname,
                        str(r["type"]),
                        r["position"]["lat"],
                        r["position"]["lon"],
                    )
                )
            for lname, ln in u.get("launchers", {}).items():
                out.append(
                    Site(
                        lname,
                        "launcher",
                        uname,
                        str(ln.get("type", "")),
                        ln["position"]["lat"],
                        ln["position"]["lon"],
                        {"load": ln.get("load", {})},
                    )
                )
        return out
