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
    """The battalion example, thinned so that it leaks, run by the engine (seed 1).

    The full battalion kills every cruise missile, and the viewer's tests need leakers: here
    launchers l5-l8 are removed and l1-l4 carry two missiles each (8 missiles against 24
    cruise missiles). Everything else (sites, radars, raid) is the example file's. ~20 s.
    """
    import yaml

    from samsim.engine.loop import simulate
    from samsim.scenario.loader import load_scenario

    root = Path(__file__).resolve().parents[2]
    doc = yaml.safe_load((root / "examples" / "battalion_vs_cruise_raid.yaml").read_text())
    launchers = doc["units"]["bn1"]["launchers"]
    for name in ("l5", "l6", "l7", "l8"):
        del launchers[name]
    for spec in launchers.values():
        spec["load"] = {k: 2 for k in spec["load"]}
    tmp = tmp_path_factory.mktemp("real")
    path = tmp / "battalion_vs_cruise_raid.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    sc = load_scenario(path)
    out = tmp / sc.name / "1"
    run = simulate(sc, seed=1)
    assert run.summary["leaked"] > 0, "the thinned battalion must leak for these tests"
    run.write(out)
    return out
