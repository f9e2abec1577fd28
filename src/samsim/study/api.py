"""Running a study: sweep points x seeds, batched over an executor, written as it goes.

:func:`run_study` is the driver behind ``samsim study`` and :func:`study`, the Python
entry point (``samsim.study(scenario, runs=..., sweep={...})``).
"""

from __future__ import annotations

import collections
import concurrent.futures as cf
import math
import os
import signal
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa

from samsim.errors import SamsimError, ScenarioError
from samsim.rng import MAX_SEED
from samsim.scenario.digest import scenario_digest
from samsim.scenario.models import Scenario
from samsim.study.executors import make_executor, run_task
from samsim.study.results import Names, RunOutput, flatten_summary, results_schema
from samsim.study.runner import RunFailed, RunFunction, engine_batch, runner_name
from samsim.study.store import (
    FORMAT,
    FORMAT_VERSION,
    StudyStore,
    load_results,
    schema_to_json,
)
from samsim.study.sweep import (
    StudyError,
    Sweep,
    SweepSpec,
    apply_point,
    build_sweep,
)


class StudyInterrupted(SamsimError):
    """The study was stopped (Ctrl-C, SIGTERM); completed runs are saved."""

    exit_code = 130


class StudyRunFailed(SamsimError):
    """A run raised inside the engine (a bug): the study stops, completed runs are saved."""

    exit_code = 70


def scenario_hash(scenario: Scenario) -> str:
    """SHA-256 of what the scenario runs: its validated content (SI units), the catalogue
    and the bytes of the files it reads (:func:`samsim.scenario.digest.scenario_digest`)."""
    return scenario_digest(scenario)


def first_seed_ok(first_seed: object) -> bool:
    """Whether ``first_seed`` is a whole number from 0 to :data:`~samsim.rng.MAX_SEED`."""
    return (
        isinstance(first_seed, int)
        and not isinstance(first_seed, bool)
        and 0 <= first_seed <= MAX_SEED
    )


@dataclass
class Plan:
    """What a study will run: the scenario of each sweep point and the seeds.

    Every point runs the seeds ``first_seed .. first_seed + runs - 1``, unless
    ``runs_by_point`` gives each point its own count (designed studies,
    :mod:`samsim.study.design`), still from ``first_seed`` (common random numbers).
    """

    scenario: Scenario
    sweep: Sweep
    point_values: list[dict[str, Any]]
    point_columns: list[dict[str, Any]]
    point_scenarios: list[Scenario]
    runs: int
    first_seed: int
    runs_by_point: list[int] | None = None

    @property
    def seeds(self) -> range:
        return range(self.first_seed, self.first_seed + self.runs)

    def seeds_for(self, point: int) -> range:
        """The seeds point ``point`` runs."""
        runs = self.runs if self.runs_by_point is None else self.runs_by_point[point]
        return range(self.first_seed, self.first_seed + runs)


def make_plan(scenario: Scenario, runs: int, sweep: SweepSpec, first_seed: int = 0) -> Plan:
    """Check the sweep and build every point's scenario, before any run.

    Raises
    ------
    StudyError
        Bad ``runs``/``first_seed`` or sweep.
        Also a sweep point whose scenario does not cross-check (a load beyond the
        launcher's slots), naming the point and the problem.
    """
    from samsim.scenario.loader import resolve

    if isinstance(runs, bool) or not isinstance(runs, int) or runs < 1:
        raise StudyError(f"runs must be a whole number >= 1, got {runs!r}")
    if not first_seed_ok(first_seed):
        raise StudyError(
            f"first_seed must be a whole number from 0 to {MAX_SEED}, got {first_seed!r}"
        )
    if first_seed + runs - 1 > MAX_SEED:
        raise StudyError(
            f"the study's last seed would be {first_seed + runs - 1}, beyond the largest "
            f"seed {MAX_SEED}; give a smaller first seed"
        )
    sw = build_sweep(scenario, sweep)
    values = sw.points()
    scenarios = [apply_point(scenario, sw, v) for v in values]
    for k, (sc, vals) in enumerate(zip(scenarios, values, strict=True)):
        try:
            resolve(sc)
        except ScenarioError as exc:
            where = ", ".join(f"{p}={v}" for p, v in vals.items())
            raise StudyError(
                f"sweep point {k} ({where}) gives a scenario that does not check:\n{exc}"
            ) from None
    return Plan(scenario, sw, values, sw.point_columns(), scenarios, runs, first_seed)


def make_manifest(plan: Plan, runner: str, keep_events: bool) -> dict[str, Any]:
    """The manifest of a study (compared field by field when a study resumes)."""
    from samsim import __version__

    names = Names.of(plan.scenario)
    schema = results_schema(names, [(a.path, a.column_values) for a in plan.sweep.axes])
    return {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "samsim_version": __version__,
        "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "scenario": {"name": plan.scenario.name, "hash": scenario_hash(plan.scenario)},
        "sweep": plan.sweep.to_json(),
        "points": [
            {
                "point": k,
                "values": vals,
                "scenario_hash": scenario_hash(sc),
            }
            for k, (vals, sc) in enumerate(
                zip(plan.point_columns, plan.point_scenarios, strict=True)
            )
        ],
        "runs_per_point": plan.runs,
        "first_seed": plan.first_seed,
        "keep_events": keep_events,
        "runner": runner,
        "schema": schema_to_json(schema),
    }


@dataclass
class StudyReport:
    """What one invocation of a study did."""

    directory: Path
    points: int
    runs_per_point: int
    total: int
    skipped: int
    completed: int
    wall_time_s: float
    workers: int
    events_kept: bool
    manifest: dict[str, Any] = field(repr=False, default_factory=dict)

    @property
    def rate_runs_per_s(self) -> float:
        return self.completed / self.wall_time_s if self.wall_time_s > 0 else math.nan


class Batcher:
    """Hands out batches of the runs still to do, round-robin over the sweep points (so a
    partial study has every point about equally far).

    Without a fixed size, batches aim at :attr:`TARGET_TASK_S` seconds of work each,
    from the run times measured so far (the first batches are small, to measure): long
    enough that scheduling costs little, short enough that progress is smooth and a killed
    study loses little; and never so large that fewer than four batches per worker slot
    remain (so the workers finish together).
    """

    TARGET_TASK_S = 2.0
    MAX_BATCH = 500

    def __init__(
        self, plan: Plan, done: dict[int, set[int]], slots: int, fixed: int | None = None
    ) -> None:
        self.queues = [
            collections.deque(s for s in plan.seeds_for(k) if s not in done.get(k, set()))
            for k in range(len(plan.point_scenarios))
        ]
        self.slots = max(1, slots)
        self.fixed = fixed
        self.run_s: float | None = None
        self._next_point = 0

    @property
    def remaining(self) -> int:
        return sum(len(q) for q in self.queues)

    def observe(self, outputs: list[RunOutput]) -> None:
        """Update the run-time estimate (exponential average) from a completed batch."""
        if not outputs:
            return
        mean = sum(o.wall_time_s for o in outputs) / len(outputs)
        self.run_s = mean if self.run_s is None else 0.7 * self.run_s + 0.3 * mean

    def size(self) -> int:
        if self.fixed is not None:
            return self.fixed
        tail = max(1, math.ceil(self.remaining / (4 * self.slots)))
        if self.run_s is None:
            return min(2, tail)
        by_time = round(self.TARGET_TASK_S / max(self.run_s, 1e-6))
        return max(1, min(tail, by_time, self.MAX_BATCH))

    def next(self) -> tuple[int, list[int]] | None:
        """The next batch, ``(point, seeds)``, or None when every run is handed out."""
        n = len(self.queues)
        for i in range(n):
            k = (self._next_point + i) % n
            q = self.queues[k]
            if q:
                size = self.size()
                seeds = [q.popleft() for _ in range(min(size, len(q)))]
                self._next_point = (k + 1) % n
                return k, seeds
        return None


def _events_table(point: int, outputs: list[RunOutput]) -> pa.Table | None:
    tables = []
    for o in outputs:
        if o.events is None:
            return None
        ev = o.events
        n = ev.num_rows
        ev = ev.add_column(0, "seed", pa.array([o.seed] * n, pa.int64()))
        ev = ev.add_column(0, "point", pa.array([point] * n, pa.int32()))
        tables.append(ev)
    return pa.concat_tables(tables, promote_options="default") if tables else None


class _Progress:
    """A rich progress bar (done / total, runs per second, ETA) on stderr."""

    def __init__(self, total: int, done: int, enabled: bool) -> None:
        self.enabled = enabled
        if not enabled:
            return
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            ProgressColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )
        from rich.text import Text

        started = time.perf_counter()
        base = done

        class Rate(ProgressColumn):
            def render(self, task: Any) -> Text:
                elapsed = time.perf_counter() - started
                new = task.completed - base
                rate = new / elapsed if elapsed > 0 and new > 0 else 0.0
                return Text(f"{rate:.2f} runs/s" if rate else "- runs/s")

        self.bar = Progress(
            TextColumn("study"),
            BarColumn(),
            MofNCompleteColumn(),
            Rate(),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=False,
        )
        self.task = self.bar.add_task("runs", total=total, completed=done)
        self.bar.start()

    def advance(self, n: int) -> None:
        if self.enabled:
            self.bar.advance(self.task, n)

    def retotal(self, total: int, done: int) -> None:
        """A new total and runs done (a designed study plans its runs round by round)."""
        if self.enabled:
            self.bar.update(self.task, total=total, completed=done)

    def stop(self) -> None:
        if self.enabled:
            self.bar.stop()


def _raise_on_sigterm() -> Any:
    def handler(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    try:
        return signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread
        return None


def run_study(
    scenario: Scenario | str | os.PathLike[str],
    *,
    runs: int,
    out: str | os.PathLike[str],
    sweep: SweepSpec = None,
    workers: int | None = None,
    scheduler: Any = None,
    first_seed: int = 0,
    keep_events: bool = False,
    batch_size: int | None = None,
    progress: bool = False,
    runner: RunFunction | None = None,
) -> StudyReport:
    """Run (or resume) a study into the folder ``out``.

    Parameters
    ----------
    scenario : Scenario or path
    runs : int
        Seeds per sweep point: ``first_seed .. first_seed + runs - 1`` (the same seeds at
        every point: common random numbers, so differences between points are not seed
        noise).
    out : path
        Study folder; created, or resumed when it holds this study.
    sweep : mapping or sequence of str, optional
        ``{path: values}`` or ``["PATH=V1,V2", ...]`` (see :func:`samsim.study.sweep.build_sweep`).
    workers : int, optional
        Local worker processes (default: the CPU count; 0 runs in this process).
    scheduler : str or distributed.Client, optional
        A Dask scheduler address (``tcp://HOST:PORT``) or client; then ``workers`` is
        ignored.
    first_seed : int
    keep_events : bool
        Also store each run's event log under ``out/events``.
    batch_size : int, optional
        Runs per task (default: sized from the measured run time, see :class:`Batcher`).
    progress : bool
        Show a progress bar on stderr.
    runner : callable, optional
        The run function (default :func:`samsim.study.runner.engine_batch`).

    Returns
    -------
    StudyReport

    Raises
    ------
    StudyError
        Bad arguments, a sweep the scenario refuses, or a folder holding another study.
    StudyInterrupted
        Ctrl-C or SIGTERM; the completed batches are saved and a rerun resumes.
    StudyRunFailed
        A run raised; the completed batches are saved.
    """
    _check_not_in_a_worker()
    sc = _as_scenario(scenario)
    fn = runner or engine_batch
    main_free = fn.__module__ != "__main__"
    if not main_free and workers != 0 and scheduler is None:
        _check_main_importable(fn)
    if batch_size is not None and (isinstance(batch_size, bool) or batch_size < 1):
        raise StudyError(f"batch_size must be >= 1, got {batch_size!r}")
    plan = make_plan(sc, runs, sweep, first_seed)
    manifest = make_manifest(plan, runner_name(fn), keep_events)
    names = Names.of(sc)
    t0 = time.perf_counter()
    # The executor first: a cluster that cannot be reached must leave no study folder.
    with (
        make_executor(workers, scheduler, main_free) as (executor, slots),
        StudyStore.open(Path(out), manifest, sc.model_dump_json(indent=2).encode()) as store,
    ):
        done = store.done_seeds()
        wanted = set(plan.seeds)
        n_done = sum(len(done.get(k, set()) & wanted) for k in range(len(plan.point_scenarios)))
        total = runs * len(plan.point_scenarios)
        report = StudyReport(
            store.directory,
            len(plan.point_scenarios),
            runs,
            total,
            n_done,
            0,
            0.0,
            0,
            keep_events,
            store.manifest,
        )
        if n_done == total:
            return report
        old_handler = _raise_on_sigterm()
        bar = _Progress(total, n_done, progress)
        try:
            report.workers = slots
            batcher = Batcher(plan, done, slots, batch_size)
            _drive(executor, slots, batcher, plan, fn, keep_events, names, store, bar, report)
        except KeyboardInterrupt:
            raise StudyInterrupted(
                f"interrupted: {n_done + report.completed} of {total} runs are saved in "
                f"{store.directory}; rerun the same command to resume"
            ) from None
        finally:
            bar.stop()
            if old_handler is not None:
                signal.signal(signal.SIGTERM, old_handler)
            report.wall_time_s = time.perf_counter() - t0
    return report


def _drive(
    executor: cf.Executor,
    slots: int,
    batcher: Batcher,
    plan: Plan,
    fn: RunFunction,
    keep_events: bool,
    names: Names,
    store: StudyStore,
    bar: _Progress,
    report: StudyReport,
) -> None:
    """Keep about two tasks per slot in flight; write each batch as it completes."""
    pending: set[cf.Future[Any]] = set()
    failure: RunFailed | None = None

    def fill() -> None:
        nonlocal failure
        while failure is None and len(pending) < 2 * slots:
            item = batcher.next()
            if item is None:
                return
            k, seeds = item
            try:
                fut = executor.submit(run_task, fn, plan.point_scenarios[k], k, seeds, keep_events)
            except Exception as exc:  # the pool broke (a worker died) before its futures failed
                failure = RunFailed(f"a task failed: {type(exc).__name__}: {exc}")
                return
            pending.add(fut)

    fill()
    try:
        while pending or failure is not None:
            finished: set[cf.Future[Any]] = set()
            if pending:
                finished, _ = cf.wait(pending, timeout=0.5, return_when=cf.FIRST_COMPLETED)
            for fut in finished:
                pending.discard(fut)
                try:
                    point, outputs = fut.result()
                except RunFailed as exc:
                    failure = failure or exc
                    continue
                except Exception as exc:  # a worker died, or could not unpickle the task
                    failure = failure or RunFailed(f"a task failed: {type(exc).__name__}: {exc}")
                    continue
                _write(point, outputs, plan, names, keep_events, store)
                batcher.observe(outputs)
                report.completed += len(outputs)
                bar.advance(len(outputs))
            if failure is not None:
                raise StudyRunFailed(
                    f"a run failed ({failure}); the study stopped with "
                    f"{report.skipped + report.completed} runs saved in {store.directory}. "
                    "This is a bug in samsim or the run function: please report it with the "
                    "scenario and the seed (SAMSIM_DEBUG=1 adds the traceback)"
                ) from failure
            fill()
    finally:
        for fut in pending:
            fut.cancel()


def _write(
    point: int,
    outputs: list[RunOutput],
    plan: Plan,
    names: Names,
    keep_events: bool,
    store: StudyStore,
) -> None:
    values = plan.point_columns[point]
    rows = []
    for o in outputs:
        row: dict[str, Any] = {"point": point, **values, "seed": o.seed}
        row.update(flatten_summary(o.summary, names))
        row["wall_time_s"] = float(o.wall_time_s)
        cpu = float(o.cpu_time_s)
        row["cpu_time_s"] = None if math.isnan(cpu) else cpu
        row["events_digest"] = o.events_digest
        rows.append(row)
    events = _events_table(point, outputs) if keep_events else None
    if keep_events and events is None:
        raise StudyRunFailed(
            "the run function returned no event logs although the study keeps them "
            "(keep_events); it must return RunOutput.events when asked"
        )
    store.write_batch(point, rows, events)


def _check_not_in_a_worker() -> None:
    """A worker process importing the caller's script (only for a run function defined
    in it) must not start the study again."""
    import multiprocessing as mp

    if getattr(mp.current_process(), "_inheriting", False):
        raise StudyError(
            "a study was started while a worker process imported the script that defines "
            'the run function: put the study call under `if __name__ == "__main__":`, or '
            "move the run function into a module"
        )


def _check_main_importable(fn: Any) -> None:
    """A run function defined in ``__main__`` reaches the workers only if they can import
    the caller's script: not from standard input, ``-c`` or an interactive session."""
    import sys

    path = getattr(sys.modules["__main__"], "__file__", None)
    if path is None or not Path(path).is_file():
        raise StudyError(
            f"the run function {fn.__qualname__!r} is defined in __main__ "
            f"({path or 'an interactive session'}), which worker processes cannot import; "
            "define it in a module (a .py file on the path), or pass workers=0 to run in "
            "this process"
        )


def _as_scenario(scenario: Any) -> Scenario:
    if isinstance(scenario, Scenario):
        return scenario
    if isinstance(scenario, str | os.PathLike):
        from samsim.scenario.loader import load_scenario

        return load_scenario(Path(scenario))
    raise StudyError(
        "scenario must be a Scenario (samsim.load_scenario) or a path, got "
        f"{type(scenario).__name__}"
    )


def study(
    scenario: Scenario | str | os.PathLike[str],
    runs: int = 100,
    sweep: SweepSpec = None,
    out: str | os.PathLike[str] | None = None,
    workers: int | None = None,
    scheduler: Any = None,
    *,
    first_seed: int = 0,
    keep_events: bool = False,
    batch_size: int | None = None,
    progress: bool = False,
    runner: RunFunction | None = None,
) -> pa.Table:
    """Run a Monte Carlo study (seeds x sweep points) and return its results table.

    Parameters are those of :func:`run_study`; with ``out=None`` the study runs in a
    temporary folder that is removed afterwards (nothing to resume).

    Returns
    -------
    pyarrow.Table
        One row per run, sorted by point and seed (schema in docs/studies.md);
        ``.to_pandas()`` gives a DataFrame.

    Examples
    --------
    >>> import samsim
    >>> sc = samsim.load_scenario("examples/battalion_vs_cruise_raid.yaml")
    >>> t = samsim.study(sc, runs=50, sweep={"raid.cm_north": [8, 16, 32]})  # doctest: +SKIP
    >>> t.to_pandas().groupby("raid.cm_north")["leaked"].mean()  # doctest: +SKIP
    """
    if out is None:
        if keep_events:
            raise StudyError("keep_events needs an out folder to keep the event logs in")
        with tempfile.TemporaryDirectory(prefix="samsim-study-") as tmp:
            run_study(
                scenario,
                runs=runs,
                out=tmp,
                sweep=sweep,
                workers=workers,
                scheduler=scheduler,
                first_seed=first_seed,
                batch_size=batch_size,
                progress=progress,
                runner=runner,
            )
            return load_results(tmp)
    run_study(
        scenario,
        runs=runs,
        out=out,
        sweep=sweep,
        workers=workers,
        scheduler=scheduler,
        first_seed=first_seed,
        keep_events=keep_events,
        batch_size=batch_size,
        progress=progress,
        runner=runner,
    )
    return load_results(Path(out))
