"""samsim: an open, physics-based simulator of long-range surface-to-air engagements.

Built from public figures only; a simulation and analysis tool with no interface to real
sensors or weapons.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = ["__version__", "load_scenario", "saturate", "sensitivity", "simulate", "study"]

if TYPE_CHECKING:
    import pyarrow as pa

    from samsim.engine.run import Run
    from samsim.scenario.models import Scenario


def load_scenario(path: Any) -> Scenario:
    """Load and validate a scenario file (YAML); raises :class:`samsim.errors.ScenarioError`."""
    from samsim.scenario.loader import load_scenario as _load

    return _load(path)


def simulate(scenario: Scenario, seed: int = 0, **options: Any) -> Run:
    """Run one engagement; returns a :class:`samsim.engine.run.Run` (``.events``, ``.summary``)."""
    from samsim.engine.loop import simulate as _simulate

    return _simulate(scenario, seed=seed, **options)


def __getattr__(name: str) -> Any:
    """``samsim.study`` imports the study package on first use (it is callable:
    ``samsim.study(scenario, runs=..., sweep={...})``, see :func:`samsim.study.api.study`)."""
    if name == "study":
        import importlib

        return importlib.import_module("samsim.study")
    raise AttributeError(f"module 'samsim' has no attribute {name!r}")


def saturate(*args: Any, **kwargs: Any) -> pa.Table:
    """A saturation curve and its break point; see :func:`samsim.study.saturation.saturate`."""
    from samsim.study.saturation import saturate as _saturate

    return _saturate(*args, **kwargs)


def sensitivity(*args: Any, **kwargs: Any) -> pa.Table:
    """Effects of the catalogue's figures (a tornado table); see
    :func:`samsim.study.sensitivity.sensitivity`."""
    from samsim.study.sensitivity import sensitivity as _sensitivity

    return _sensitivity(*args, **kwargs)
