"""The study results table: one row per run, its columns and how a run summary becomes a row.

Columns are the run summary (docs/summary.md) flattened with dots, with the names that
vary by scenario (assets, threat types, missile types) fixed from the base scenario so
every batch file of a study has the same schema. The schema is documented in
docs/studies.md.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from samsim.scenario.models import Scenario

#: Every documented way an interceptor flight ends (docs/summary.md).
INTERCEPTOR_OUTCOMES = (
    "intercept",
    "self_destruct",
    "ground",
    "time_limit",
    "min_speed",
    "target_gone",
)
_COUNTS = ("threats", "detected", "engaged", "killed", "leaked", "survived")
_TYPE_COUNTS = ("threats", "detected", "engaged", "killed", "leaked", "survived")
_TIMELINE = (
    "first_detection_s",
    "first_track_s",
    "first_launch_s",
    "first_kill_s",
    "first_leak_s",
    "last_event_s",
)


@dataclass
class RunOutput:
    """What a run function returns for one run.

    Attributes
    ----------
    seed : int
    summary : dict
        The run summary (schema in docs/summary.md).
    wall_time_s : float
        Wall-clock time of the run, compilation excluded.
    events : pyarrow.Table or None
        The event log, when the study keeps it.
    cpu_time_s : float
        CPU time of the worker process during the run (NaN if the run function does not
        measure it); unlike the wall time it does not grow when the machine is busy.
    events_digest : str or None
        :func:`event_log_digest` of the run's event log (None if the run function does
        not give it): two runs with the same digest logged the same events.
    """

    seed: int
    summary: dict[str, Any]
    wall_time_s: float
    events: pa.Table | None = None
    cpu_time_s: float = math.nan
    events_digest: str | None = None


def event_log_digest(events: pa.Table) -> str:
    """The first 16 hex digits of the SHA-256 of an event log's Arrow IPC stream (schema
    and every buffer; as ``benchmarks/eventlog_digest.py``): equal for two runs exactly
    when they logged the same events, bit for bit.

    Parameters
    ----------
    events : pyarrow.Table
        A run's event log (:mod:`samsim.engine.events`).

    Returns
    -------
    str
    """
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, events.schema) as writer:
        writer.write_table(events)
    return hashlib.sha256(sink.getvalue().to_pybytes()).hexdigest()[:16]


@dataclass(frozen=True)
class Names:
    """The scenario names that become columns."""

    assets: tuple[str, ...]
    threat_types: tuple[str, ...]
    missiles: tuple[str, ...]

    @classmethod
    def of(cls, scenario: Scenario) -> Names:
        missiles = sorted(
            {m for u in scenario.units.values() for ls in u.launchers.values() for m in _load(ls)}
        )
        return cls(
            assets=tuple(scenario.assets),
            threat_types=tuple(sorted({g.threat for g in scenario.raid.values()})),
            missiles=tuple(missiles),
        )


def _load(launcher: Any) -> dict[str, int]:
    load: dict[str, int] = launcher.load
    return load


def outcome_fields(names: Names) -> list[pa.Field]:
    """The outcome columns (everything after the sweep columns and ``seed``)."""
    i32, f64 = pa.int32(), pa.float64()
    fields = [pa.field(c, i32) for c in _COUNTS]
    fields += [pa.field(f"leaked_by_asset.{a}", i32) for a in names.assets]
    for t in names.threat_types:
        fields += [pa.field(f"by_threat_type.{t}.{c}", i32) for c in _TYPE_COUNTS]
    fields += [pa.field(f"interceptors_fired.{m}", i32) for m in names.missiles]
    fields += [
        pa.field("interceptors_fired_total", i32),
        pa.field("interceptors_per_kill", f64),
    ]
    fields += [pa.field(f"interceptor_outcomes.{o}", i32) for o in INTERCEPTOR_OUTCOMES]
    for t in names.threat_types:
        fields += [
            pa.field(f"first_detection_range_m.{t}.{s}", f64) for s in ("min", "median", "max")
        ]
    fields += [pa.field("miss_distance_m.median", f64)]
    fields += [pa.field(f"timeline.{k}", f64) for k in _TIMELINE]
    fields += [
        pa.field("simulated_time_s", f64),
        pa.field("events", i32),
        pa.field("wall_time_s", f64),
        pa.field("cpu_time_s", f64),
        pa.field("events_digest", pa.string()),
    ]
    return fields


def _arrow_type(values: Sequence[Any]) -> pa.DataType:
    if all(isinstance(v, bool) for v in values):
        return pa.bool_()
    if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return pa.int64()
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        return pa.float64()
    return pa.string()


def results_schema(names: Names, sweep_columns: Sequence[tuple[str, Sequence[Any]]]) -> pa.Schema:
    """Schema of the results table: ``point``, the swept paths, ``seed``, the outcomes.

    Parameters
    ----------
    names : Names
    sweep_columns : sequence of (path, values)
        Each swept path with its values (their Python types give the column type).
    """
    outcome = outcome_fields(names)
    taken = {f.name for f in outcome} | {"point", "seed"}
    for path, _ in sweep_columns:
        if path in taken:
            raise ValueError(f"sweep path {path!r} clashes with a results column of that name")
    fields = [pa.field("point", pa.int32())]
    fields += [pa.field(p, _arrow_type(v)) for p, v in sweep_columns]
    fields += [pa.field("seed", pa.int64()), *outcome]
    return pa.schema(fields)


def _num(value: Any) -> float | None:
    """A float, or None (a null in the table: SQL aggregates skip it, where NaN would
    poison them)."""
    if value is None:
        return None
    v = float(value)
    return None if math.isnan(v) else v


def flatten_summary(summary: dict[str, Any], names: Names) -> dict[str, Any]:
    """The outcome columns of one run from its summary (docs/summary.md).

    Names absent from the summary (a threat type with no threats at this sweep point, a
    missile type that did not fire) give 0 for counts and null for ranges and times.

    Raises
    ------
    ValueError
        When the summary names an asset, threat type, missile type or interceptor outcome
        that the base scenario does not have (a schema mismatch: the study would lose it).
    """
    row: dict[str, Any] = {c: int(summary[c]) for c in _COUNTS}
    _check_known("leaked_by_asset", summary["leaked_by_asset"], names.assets)
    for a in names.assets:
        row[f"leaked_by_asset.{a}"] = int(summary["leaked_by_asset"].get(a, 0))
    by_type = summary["by_threat_type"]
    _check_known("by_threat_type", by_type, names.threat_types)
    for t in names.threat_types:
        counts = by_type.get(t, {})
        for c in _TYPE_COUNTS:
            row[f"by_threat_type.{t}.{c}"] = int(counts.get(c, 0))
    fired = summary["interceptors_fired"]
    _check_known("interceptors_fired", fired, names.missiles)
    for m in names.missiles:
        row[f"interceptors_fired.{m}"] = int(fired.get(m, 0))
    row["interceptors_fired_total"] = int(summary["interceptors_fired_total"])
    row["interceptors_per_kill"] = _num(summary["interceptors_per_kill"])
    outcomes = summary["interceptor_outcomes"]
    _check_known("interceptor_outcomes", outcomes, INTERCEPTOR_OUTCOMES)
    for o in INTERCEPTOR_OUTCOMES:
        row[f"interceptor_outcomes.{o}"] = int(outcomes.get(o, 0))
    ranges = summary["first_detection_range_m"]
    _check_known("first_detection_range_m", ranges, names.threat_types)
    for t in names.threat_types:
        stats = ranges.get(t) or {}
        for s in ("min", "median", "max"):
            row[f"first_detection_range_m.{t}.{s}"] = _num(stats.get(s))
    miss = summary.get("miss_distance_m") or {}
    row["miss_distance_m.median"] = _num(miss.get("median"))
    timeline = summary["timeline"]
    for k in _TIMELINE:
        row[f"timeline.{k}"] = _num(timeline.get(k))
    row["simulated_time_s"] = float(summary["simulated_time_s"])
    row["events"] = int(summary["events"])
    return row


def _check_known(key: str, mapping: dict[str, Any], known: Sequence[str]) -> None:
    extra = sorted(set(mapping) - set(known))
    if extra:
        raise ValueError(
            f"the run summary's {key!r} has {extra}, which the study's results schema "
            f"does not (it has {list(known)}); the schema comes from the base scenario and "
            "docs/summary.md"
        )
