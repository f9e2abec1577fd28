from __future__ import annotations

from pathlib import Path

import pytest

from tests.web.runfactory import make_run


@pytest.fixture(scope="session")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small run directory with known outcomes (see runfactory.OUTCOMES)."""
    return make_run(tmp_path_factory.mktemp("runs") / "viewer_fixture" / "0")


@pytest.fixture(scope="session")
def real_run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """examples/battalion_vs_cruise_raid.yaml run by the engine (seed 1); takes ~20 s."""
    from samsim.engine.loop import simulate
    from samsim.scenario.loader import load_scenario

    root = Path(__file__).resolve().parents[2]
    sc = load_scenario(root / "examples" / "battalion_vs_cruise_raid.yaml")
    out = tmp_path_factory.mktemp("real") / sc.name / "1"
    simulate(sc, seed=1).write(out)
    return out
