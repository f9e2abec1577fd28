"""Studies: Monte Carlo runs and parameter sweeps over local or Dask executors, with a
resumable store.

``samsim.study(scenario, runs=..., sweep={...})`` runs a study and returns its results
(a pyarrow Table); this package is itself callable so that name works whether
``samsim.study`` is the function or, once imported, this package.
"""

from __future__ import annotations

import sys
import types
from typing import TYPE_CHECKING, Any

__all__ = [
    "load_events",
    "load_results",
    "run_study",
    "study",
    "summarize_results",
    "wilson_interval",
]

if TYPE_CHECKING:
    import pyarrow as pa

    from samsim.study.api import StudyReport


def study(*args: Any, **kwargs: Any) -> pa.Table:
    """Run a study and return its results table; see :func:`samsim.study.api.study`."""
    from samsim.study.api import study as _study

    return _study(*args, **kwargs)


def run_study(*args: Any, **kwargs: Any) -> StudyReport:
    """Run or resume a study into a folder; see :func:`samsim.study.api.run_study`."""
    from samsim.study.api import run_study as _run

    return _run(*args, **kwargs)


def load_results(directory: Any) -> pa.Table:
    """The results table of a study folder; see :func:`samsim.study.store.load_results`."""
    from samsim.study.store import load_results as _load

    return _load(directory)


def load_events(directory: Any, point: int | None = None) -> pa.Table:
    """The kept event logs of a study folder; see :func:`samsim.study.store.load_events`."""
    from samsim.study.store import load_events as _load

    return _load(directory, point)


def summarize_results(*args: Any, **kwargs: Any) -> pa.Table:
    """Per sweep point statistics; see :func:`samsim.study.stats.summarize_results`."""
    from samsim.study.stats import summarize_results as _summarize

    return _summarize(*args, **kwargs)


def wilson_interval(*args: Any, **kwargs: Any) -> Any:
    """Wilson score interval; see :func:`samsim.study.stats.wilson_interval`."""
    from samsim.study.stats import wilson_interval as _wilson

    return _wilson(*args, **kwargs)


class _CallableModule(types.ModuleType):
    """Importing ``samsim.study.*`` rebinds the attribute ``samsim.study`` from the lazy
    function in ``samsim/__init__.py`` to this package; calling the package keeps
    ``samsim.study(...)`` working."""

    def __call__(self, *args: Any, **kwargs: Any) -> pa.Table:
        return study(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
