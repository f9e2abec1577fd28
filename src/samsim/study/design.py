"""Designed studies: points built by a study design (not a grid of sweep values), run in
rounds that the design plans from the results so far, on the same executors and store.

A :class:`Design` names each point it wants (a key, its results columns and its scenario)
and how many runs each point should have after a round. :func:`run_design` runs the
missing runs of every round, writes them to the study folder as they complete, and asks
the design for the next round until it is satisfied. Saturation curves
(:mod:`samsim.study.saturation`) are adaptive designs; sensitivity studies
(:mod:`samsim.study.sensitivity`) plan everything in one round.

Resuming after a kill replays the rounds: a round's plan depends only on the results of
the runs planned before it, and a run is a pure function of (scenario, seed), so the
replay plans exactly the same runs, finds the completed ones in the store and runs the
rest -- nothing is lost or run twice. The manifest records the design (compared on
resume) and each point with its values, scenario hash and planned runs.
"""

from __future__ import annotations

import math
import os
import signal
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from samsim.scenario.models import Scenario
from samsim.study.api import (
    Batcher,
    Plan,
    StudyInterrupted,
    StudyReport,
    _as_scenario,
    _drive,
    _Progress,
    _raise_on_sigterm,
    scenario_hash,
)
from samsim.study.executors import make_executor
from samsim.study.results import Names, results_schema
from samsim.study.runner import RunFunction, engine_batch, runner_name
from samsim.study.store import (
    FORMAT,
    FORMAT_VERSION,
    RESULTS,
    StudyStore,
    _parts,
    _read_part,
    schema_to_json,
)
from samsim.study.sweep import StudyError, Sweep, column_value


@dataclass(frozen=True)
class DesignPoint:
    """One point of a designed study.

    Attributes
    ----------
    key : tuple
        Identifies the point within the design (the same key is the same point).
    columns : dict
        Its values in the results table (one per column of :meth:`Design.columns`).
    scenario : Scenario
        What it runs.
    """

    key: tuple[Any, ...]
    columns: dict[str, Any]
    scenario: Scenario


class Design(Protocol):
    """What a designed study runs, round by round."""

    #: Short name recorded in the manifest (``saturation``, ``sensitivity``).
    kind: str

    def spec(self) -> dict[str, Any]:
        """What the user asked for, as JSON: a study folder resumes only the same spec."""
        ...

    def columns(self) -> list[tuple[str, Sequence[Any]]]:
        """The design's results columns with example values (their types fix the schema)."""
        ...

    def next_round(self, results: pa.Table | None) -> list[tuple[DesignPoint, int]] | None:
        """The runs every point should have after the next round (cumulative), given the
        results of the rounds so far (``None`` before the first); ``None`` when done.

        Must depend only on ``results`` (which holds exactly the runs planned so far), so
        that a resumed study replays the same rounds.
        """
        ...


@dataclass
class DesignReport(StudyReport):
    """What one invocation of a designed study did (plus its rounds)."""

    rounds: int = 0
    results: pa.Table | None = None

    @property
    def table(self) -> pa.Table:
        """The planned runs' results (empty before any round)."""
        if self.results is None:
            raise StudyError(f"the study in {self.directory} has no results yet")
        return self.results


def _columns_value(v: Any) -> Any:
    if isinstance(v, float) and math.isnan(v):
        return None
    return column_value(v)


def _sweep_json(columns: list[str], points: list[DesignPoint]) -> list[dict[str, Any]]:
    """The manifest's ``sweep`` of a designed study: each column with the values taken
    so far (what generic readers use as the swept columns)."""
    out = []
    for c in columns:
        vals = list(dict.fromkeys(_columns_value(p.columns[c]) for p in points))
        out.append({"path": c, "raw": [str(v) for v in vals], "values": vals})
    return out


def _restrict(results: pa.Table, wanted: dict[int, int], first_seed: int) -> pa.Table:
    """The rows of the planned runs only (a resumed study may hold runs of later rounds)."""
    if results.num_rows == 0:
        return results
    point = results.column("point").to_numpy()
    seed = results.column("seed").to_numpy()
    limit = np.full(int(point.max()) + 1, first_seed, dtype=np.int64)
    for k, runs in wanted.items():
        if k < len(limit):
            limit[k] = first_seed + runs
    keep = (seed >= first_seed) & (seed < limit[point])
    return results.filter(pa.array(keep))


class _Results:
    """The study folder's results, reading each batch file once (a designed study reads
    its results after every round)."""

    def __init__(self, directory: Path, schema: pa.Schema) -> None:
        self.root = directory / RESULTS
        self.schema = schema
        self.parts: dict[Path, pa.Table] = {}

    def table(self) -> pa.Table:
        found = _parts(self.root)
        for _, path in found:
            if path not in self.parts:
                self.parts[path] = _read_part(path).cast(self.schema)
        tables = [self.parts[path] for _, path in found]
        if not tables:
            return self.schema.empty_table()
        return pa.concat_tables(tables).sort_by([("point", "ascending"), ("seed", "ascending")])

    def done(self, table: pa.Table) -> dict[int, set[int]]:
        out: dict[int, set[int]] = {}
        points = table.column("point").to_numpy()
        seeds = table.column("seed").to_numpy()
        for k in np.unique(points):
            out[int(k)] = set(seeds[points == k].tolist())
        if sum(len(v) for v in out.values()) != table.num_rows:
            raise StudyError(
                f"{self.root.parent} holds some runs more than once (two studies wrote to it "
                "at once); start a new study"
            )
        return out


def run_design(
    scenario: Scenario | str | os.PathLike[str],
    design: Design,
    *,
    out: str | os.PathLike[str],
    workers: int | None = None,
    scheduler: Any = None,
    first_seed: int = 0,
    keep_events: bool = False,
    batch_size: int | None = None,
    progress: bool = False,
    runner: RunFunction | None = None,
    on_round: Callable[[int, pa.Table], None] | None = None,
) -> DesignReport:
    """Run (or resume) a designed study into the folder ``out``.

    Parameters are those of :func:`samsim.study.api.run_study`, with ``design`` in place
    of ``runs`` and ``sweep``; ``on_round(k, results)`` is called after each round.

    Returns
    -------
    DesignReport
        Its ``results`` are the planned runs (one row per run, sorted by point and seed).

    Raises
    ------
    StudyError, StudyInterrupted, StudyRunFailed
        As :func:`samsim.study.api.run_study`.
    """
    from samsim import __version__

    sc = _as_scenario(scenario)
    fn = runner or engine_batch
    if isinstance(first_seed, bool) or not isinstance(first_seed, int) or first_seed < 0:
        raise StudyError(f"first_seed must be a whole number >= 0, got {first_seed!r}")
    if batch_size is not None and (isinstance(batch_size, bool) or batch_size < 1):
        raise StudyError(f"batch_size must be >= 1, got {batch_size!r}")
    names = Names.of(sc)
    columns = design.columns()
    schema = results_schema(names, columns)
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "samsim_version": __version__,
        "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "scenario": {"name": sc.name, "hash": scenario_hash(sc)},
        "design": {"kind": design.kind, **design.spec()},
        "sweep": [],
        "points": [],
        "runs_per_point": 0,
        "first_seed": first_seed,
        "keep_events": keep_events,
        "runner": runner_name(fn),
        "schema": schema_to_json(schema),
    }
    column_names = [c for c, _ in columns]
    t0 = time.perf_counter()
    with StudyStore.open(Path(out), manifest, sc.model_dump_json(indent=2).encode()) as store:
        recorded = list(store.manifest.get("points", []))
        report = DesignReport(store.directory, 0, 0, 0, 0, 0, 0.0, 0, keep_events, store.manifest)
        points: list[DesignPoint] = []
        index: dict[tuple[Any, ...], int] = {}
        wanted: dict[int, int] = {}
        hashes: list[str] = []
        old_handler = _raise_on_sigterm()
        bar = _Progress(0, 0, progress)
        results: pa.Table | None = None
        cache = _Results(store.directory, schema)
        try:
            with make_executor(workers, scheduler) as (executor, slots):
                report.workers = slots
                while True:
                    rnd = design.next_round(results)
                    if rnd is None:
                        break
                    report.rounds += 1
                    for dp, runs in rnd:
                        k = index.get(dp.key)
                        if k is None:
                            k = len(points)
                            _check_scenario(dp)
                            h = scenario_hash(dp.scenario)
                            _check_recorded(store.directory, recorded, k, dp, h, column_names)
                            index[dp.key] = k
                            points.append(dp)
                            hashes.append(h)
                        wanted[k] = max(wanted.get(k, 0), int(runs))
                    _record(store, column_names, points, hashes, wanted)
                    plan = Plan(
                        sc,
                        Sweep(),
                        [p.columns for p in points],
                        [{c: _columns_value(p.columns[c]) for c in column_names} for p in points],
                        [p.scenario for p in points],
                        0,
                        first_seed,
                        [wanted.get(k, 0) for k in range(len(points))],
                    )
                    done = cache.done(cache.table())
                    total = sum(wanted.values())
                    n_done = sum(len(done.get(k, set()) & set(plan.seeds_for(k))) for k in wanted)
                    report.total = total
                    report.points = len(points)
                    report.runs_per_point = max(wanted.values(), default=0)
                    bar.retotal(total, n_done)
                    if n_done < total:
                        batcher = Batcher(plan, done, slots, batch_size)
                        _drive(
                            executor,
                            slots,
                            batcher,
                            plan,
                            fn,
                            keep_events,
                            names,
                            store,
                            bar,
                            report,
                        )
                    results = _restrict(cache.table(), wanted, first_seed)
                    if on_round is not None:
                        on_round(report.rounds, results)
        except KeyboardInterrupt:
            raise StudyInterrupted(
                f"interrupted: the completed runs are saved in {store.directory}; rerun the "
                "same command to resume"
            ) from None
        finally:
            bar.stop()
            if old_handler is not None:
                signal.signal(signal.SIGTERM, old_handler)
            report.wall_time_s = time.perf_counter() - t0
        report.skipped = report.total - report.completed
        report.results = results if results is not None else schema.empty_table()
        report.manifest = store.manifest
    return report


def _check_scenario(dp: DesignPoint) -> None:
    """A point's scenario must cross-check like a scenario file (before it runs)."""
    from samsim.errors import ScenarioError
    from samsim.scenario.loader import resolve

    try:
        resolve(dp.scenario)
    except ScenarioError as exc:
        where = ", ".join(f"{c}={v}" for c, v in dp.columns.items())
        raise StudyError(
            f"the study's point {where} gives a scenario that does not check:\n{exc}"
        ) from None


def _check_recorded(
    directory: Path,
    recorded: list[dict[str, Any]],
    k: int,
    dp: DesignPoint,
    digest: str,
    columns: list[str],
) -> None:
    """A replayed point must be the one the folder recorded under the same number."""
    if k >= len(recorded):
        return
    rec = recorded[k]
    values = {c: _columns_value(dp.columns[c]) for c in columns}
    if rec.get("scenario_hash") != digest or rec.get("values") != values:
        raise StudyError(
            f"{directory} records point {k} as {rec.get('values')}, but this samsim plans "
            f"{values} there (the folder was written by another version of the design). "
            "Use a new --out folder"
        )


def _record(
    store: StudyStore,
    columns: list[str],
    points: list[DesignPoint],
    hashes: list[str],
    wanted: dict[int, int],
) -> None:
    """Write the points planned so far to the manifest (before running them)."""
    entries = [
        {
            "point": k,
            "values": {c: _columns_value(p.columns[c]) for c in columns},
            "scenario_hash": hashes[k],
            "runs": wanted.get(k, 0),
        }
        for k, p in enumerate(points)
    ]
    old = store.manifest.get("points", [])
    # keep points a longer earlier invocation recorded (a smaller budget replays fewer)
    entries += [e for e in old[len(entries) :]]
    store.update_manifest(
        points=entries,
        sweep=_sweep_json(columns, points),
        runs_per_point=max(wanted.values(), default=0),
    )


def design_results(
    scenario: Scenario | str | os.PathLike[str],
    design: Design,
    out: str | os.PathLike[str] | None = None,
    **kwargs: Any,
) -> DesignReport:
    """:func:`run_design` into ``out``, or into a temporary folder removed afterwards."""
    if out is not None:
        return run_design(scenario, design, out=out, **kwargs)
    if kwargs.get("keep_events"):
        raise StudyError("keep_events needs an out folder to keep the event logs in")
    with tempfile.TemporaryDirectory(prefix=f"samsim-{design.kind}-") as tmp:
        return run_design(scenario, design, out=tmp, **kwargs)


def point_rows(results: pa.Table, point: int) -> pa.Table:
    """The rows of one point, sorted by seed."""
    return results.filter(pc.equal(results.column("point"), point)).sort_by("seed")
