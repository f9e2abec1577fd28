"""Run functions: what a worker does with one batch of seeds of one sweep point.

A run function takes ``(scenario, seeds, keep_events)`` and returns one
:class:`~samsim.study.results.RunOutput` per seed, in order. It must be a picklable,
importable top-level function (workers import it by name). The default,
:func:`engine_batch`, compiles each scenario once per worker process and runs the engine
per seed.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from samsim.study.results import RunOutput, event_log_digest
from samsim.study.sweep import StudyError

if TYPE_CHECKING:
    from samsim.engine.world import World
    from samsim.scenario.models import Scenario

RunFunction = Callable[["Scenario", Sequence[int], bool], list[RunOutput]]


class RunFailed(Exception):
    """A run raised; carries the seed so the failure can be reproduced alone."""

    def __init__(self, message: str, seed: int | None = None) -> None:
        super().__init__(message)
        self.seed = seed

    def __reduce__(self) -> tuple[type[RunFailed], tuple[str, int | None]]:
        return (RunFailed, (str(self), self.seed))


def engine_batch(scenario: Scenario, seeds: Sequence[int], keep_events: bool) -> list[RunOutput]:
    """Run the engine once per seed on a scenario compiled once (per worker process).

    Parameters
    ----------
    scenario : Scenario
        One sweep point (validated).
    seeds : sequence of int
    keep_events : bool
        Return each run's event log too.

    Returns
    -------
    list of RunOutput
        In the order of ``seeds``; ``wall_time_s`` excludes the shared compilation.
    """
    from samsim.engine.loop import compiled_world, one_blas_thread

    world = compiled_world(scenario)
    # Trajectories are not part of a study's results: sample them once per run's duration.
    coarse_dt_s = float(scenario.duration)
    # Single-threaded BLAS, as in `simulate`: the engine's matrices are tiny, and the
    # workers already use every core (BLAS threads would only contend with them).
    with one_blas_thread():
        return _runs(world, seeds, coarse_dt_s, keep_events)


def _runs(world: World, seeds: Sequence[int], dt_s: float, keep_events: bool) -> list[RunOutput]:
    from samsim.engine.loop import Engine

    out: list[RunOutput] = []
    for seed in seeds:
        t0, c0 = time.perf_counter(), time.process_time()
        try:
            run = Engine(world, int(seed), trajectory_dt_s=dt_s).run()
        except Exception as exc:
            raise RunFailed(f"{type(exc).__name__}: {exc}", int(seed)) from exc
        out.append(
            RunOutput(
                seed=int(seed),
                summary=run.summary,
                wall_time_s=time.perf_counter() - t0,
                events=run.events if keep_events else None,
                cpu_time_s=time.process_time() - c0,
                events_digest=event_log_digest(run.events),
            )
        )
    return out


DEFAULT_RUNNER = "samsim.study.runner:engine_batch"


def runner_name(fn: RunFunction) -> str:
    """``module:qualname`` of a run function (recorded in the study manifest)."""
    return f"{fn.__module__}:{fn.__qualname__}"


def import_runner(spec: str) -> RunFunction:
    """The run function named ``module:function``.

    Raises
    ------
    StudyError
        When the module or function cannot be found.
    """
    module_name, _, attr = spec.partition(":")
    if not module_name or not attr:
        raise StudyError(f"run function {spec!r} must be written module:function")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise StudyError(
            f"cannot import the run function's module {module_name!r}: {exc}"
        ) from None
    fn = getattr(module, attr, None)
    if not callable(fn):
        raise StudyError(f"{module_name!r} has no function {attr!r}")
    return fn
