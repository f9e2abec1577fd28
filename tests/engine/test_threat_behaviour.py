"""Threat behaviour in the engine: evasion spliced into the run (deterministic, ends
rescheduled), decoys (never leak, drawn fire), scenario errors of threat groups."""

from __future__ import annotations

import dataclasses
from collections import Counter
from functools import cache

import numpy as np
import pytest

import samsim
from samsim.engine.loop import Engine
from samsim.engine.run import Run
from samsim.engine.world import World, compile_world
from samsim.errors import ScenarioError
from samsim.scenario.loader import load_scenario_text
from tests.engine.test_engine import _ipc_bytes

BASE = """\
name: threats_behaviour
duration: {duration}
assets:
  town: {{position: {{lat: 40.0, lon: -40.0}}, value: 50, radius: 1 km}}
units:
  bn:
    command_post: {{position: {{lat: 40.05, lon: -40.0}}}}
    radars:
      acq: {{type: 91N6E, position: {{lat: 40.05, lon: -40.01}}}}
      fcr: {{type: 92N6E, position: {{lat: 40.05, lon: -40.02}}}}
    launchers:
      l1: {{position: {{lat: 40.06, lon: -40.0}}, load: {{48N6E3: 4}}}}
      l2: {{position: {{lat: 40.06, lon: -40.02}}, load: {{48N6E3: 4}}}}
threats:
{threats}
raid:
{raid}
"""

FIGHTERS = BASE.format(
    duration="6 min",
    threats="  ftr: {type: fighter, evasion: EVASION}",
    raid="""  strike:
    threat: ftr
    count: 2
    interval: 10 s
    spread: 3 km
    route:
      - {lat: 41.3, lon: -40.0, alt: 8 km}
    target: town""",
)


@cache
def _fighter_world(evasion: str) -> World:
    return compile_world(load_scenario_text(FIGHTERS.replace("EVASION", evasion)))


def _run(world: World, seed: int) -> tuple[Engine, Run]:
    eng = Engine(world, seed)
    return eng, eng.run()


def _ends(run: Run) -> dict[int, tuple[float, str, str]]:
    ev = run.events.to_pydict()
    out: dict[int, tuple[float, str, str]] = {}
    for i, k in enumerate(ev["kind"]):
        if k in ("kill", "leak", "threat_end"):
            assert ev["threat_id"][i] not in out, "a threat ended twice"
            out[ev["threat_id"][i]] = (ev["time_s"][i], k, ev["detail"][i])
    return out


def test_evasion_is_deterministic_and_leaves_the_compiled_world_alone() -> None:
    world = _fighter_world("beam")
    compiled = [a.copy() for a in world.threats.samples()]
    eng_a, a = _run(world, 3)
    eng_b, b = _run(world, 3)
    assert _ipc_bytes(a.events) == _ipc_bytes(b.events)
    assert _ipc_bytes(a.trajectories) == _ipc_bytes(b.trajectories)
    # the run evaded in its own copy of the table; the compiled world is untouched
    for now, before in zip(world.threats.samples(), compiled, strict=True):
        np.testing.assert_array_equal(now, before)
    assert eng_a.w.threats is not world.threats
    launched = {
        t
        for t, k in zip(
            a.events["threat_id"].to_pylist(), a.events["kind"].to_pylist(), strict=True
        )
        if k == "launch"
    }
    assert launched, "the scenario must engage the fighters"
    for i in launched:
        # the recorded path left the compiled one after the launch (the fighter turned)
        tr = a.trajectories.to_pandas()
        rows = tr[(tr.entity == "threat") & (tr.id == i)]
        t_probe = float(rows.time_s.iloc[-1])
        p_run = rows[["x_m", "y_m", "z_m"]].to_numpy()[-1]
        p_compiled, _, _ = world.threats.state_at(t_probe, np.array([i]))
        assert np.linalg.norm(p_run - p_compiled[0]) > 500.0


@pytest.mark.parametrize("evasion", ["beam", "turn_away"])
def test_evasion_end_events_are_rescheduled(evasion: str) -> None:
    """Fighters fired at by missiles that cannot kill (their fuze never fires) evade and
    survive. Beaming makes the route longer: the compiled end event comes first and must
    be ignored. Turning away ends the trajectory early, at the end of the egress. Either
    way each ends once, at its final spliced end time."""
    text = (
        FIGHTERS.replace("EVASION", evasion)
        .replace("48N6E3: 4", "dud: 4")
        .replace("lat: 41.3", "lat: 40.9")
        .replace("duration: 6 min", "duration: 10 min")
        .replace(
            "threats:\n",
            "missiles:\n  dud: {type: 48N6E3, fuze_reliability: 0.0}\nthreats:\n",
        )
        # the command post plans with the nominal Pk (the dud's Pk table knows it is one)
        .replace(
            "command_post: {position: {lat: 40.05, lon: -40.0}}",
            "command_post: {position: {lat: 40.05, lon: -40.0}, doctrine: {planning_pk: nominal}}",
        )
    )
    world = compile_world(load_scenario_text(text))
    eng, run = _run(world, 0)
    assert "launch" in run.events["kind"].to_pylist()
    ends = _ends(run)
    assert sorted(ends) == list(range(world.n_threats))
    final = eng.w.threats.t_end_s
    compiled = world.threats.t_end_s
    assert np.all(final != compiled)
    for i in range(world.n_threats):
        t, kind, detail = ends[i]
        assert (kind, detail) == ("threat_end", "route_end")
        assert t == final[i]
        if evasion == "beam":
            # the compiled end came first, while it was still flying: ignored
            assert compiled[i] < final[i]
            ev = run.events.to_pandas()
            row = ev[(ev.kind == "threat_end") & (ev.threat_id == i)].iloc[0]
            horiz = np.hypot(row.x_m - world.asset_pos_m[0, 0], row.y_m - world.asset_pos_m[0, 1])
            assert horiz < 100.0  # back on its route, it ended over the town (at 8 km)
        else:
            assert final[i] < compiled[i] - 60.0


DECOYS = BASE.format(
    duration="9 min",
    threats="  dec: {type: decoy}",
    raid="""  lure:
    threat: dec
    count: 3
    interval: 5 s
    spread: 2 km
    route:
      - {lat: 40.9, lon: -40.0, alt: 3 km}
    target: town""",
)


def test_decoys_look_like_fighters_to_the_command_post() -> None:
    world = compile_world(load_scenario_text(DECOYS))
    assert np.all(world.capability == 0.0)
    fighter = samsim.scenario.catalog.load_catalog()["threats"]["fighter"].spec
    np.testing.assert_allclose(world.perceived_capability, fighter.capability)


def test_decoys_draw_interceptors_and_never_leak() -> None:
    """With threat evaluation on the perceived capability (what the command post should
    read), decoys are engaged; whatever happens they never leak: they end killed or as
    threat_end on reaching the end of their route over the asset."""
    world = compile_world(load_scenario_text(DECOYS))
    seen = dataclasses.replace(world, capability=world.perceived_capability)
    for seed in (0, 1):
        _, run = _run(seen, seed)
        kinds = Counter(run.events["kind"].to_pylist())
        assert kinds["launch"] > 0
        ends = _ends(run)
        assert sorted(ends) == list(range(world.n_threats))
        assert all(kind in ("kill", "threat_end") for _, kind, _ in ends.values())


def test_decoys_draw_interceptors_from_the_command_post() -> None:
    """By default the command post cannot tell a decoy from what it imitates."""
    _, run = _run(compile_world(load_scenario_text(DECOYS)), 0)
    assert "launch" in run.events["kind"].to_pylist()


def test_recognised_decoys_reach_the_town_and_never_leak() -> None:
    text = DECOYS.replace(
        "command_post: {position: {lat: 40.05, lon: -40.0}}",
        "command_post: {position: {lat: 40.05, lon: -40.0}, doctrine: {discriminate_decoys: true}}",
    )
    assert text != DECOYS
    _, run = _run(compile_world(load_scenario_text(text)), 2)
    ends = _ends(run)
    assert "leak" not in {kind for _, kind, _ in ends.values()}
    # they did reach the town: route ends within the asset radius
    assert any(detail == "route_end" for _, _, detail in ends.values())


def test_unknown_appears_as_is_a_located_scenario_error() -> None:
    text = DECOYS.replace("dec: {type: decoy}", "dec: {type: decoy, appears_as: bomberr}")
    with pytest.raises(ScenarioError) as info:
        compile_world(load_scenario_text(text))
    issue = info.value.issues[0]
    assert issue.field == "threats.dec.appears_as"
    assert "bomberr" in issue.message and "fighter" in issue.fix


def test_ballistic_group_outside_its_range_class_is_a_located_scenario_error() -> None:
    text = BASE.format(
        duration="10 min",
        threats="  bm: {type: srbm}",
        raid="""  salvo:
    threat: bm
    route:
      - {lat: 45.5, lon: -40.0}
    target: town""",
    )
    with pytest.raises(ScenarioError) as info:
        compile_world(load_scenario_text(text))
    issue = info.value.issues[0]
    assert issue.field == "raid.salvo.route"
    assert "range class" in issue.message and issue.line is not None


def test_ballistic_salvo_shares_one_flight_and_impacts_the_target() -> None:
    text = BASE.format(
        duration="10 min",
        threats="  bm: {type: srbm}",
        raid="""  salvo:
    threat: bm
    count: 3
    interval: 20 s
    route:
      - {lat: 38.0, lon: -40.0}
    target: town""",
    )
    world = compile_world(load_scenario_text(text))
    th = world.threats
    np.testing.assert_allclose(np.diff(th.t0_s), 20.0)
    np.testing.assert_allclose(th.t_end_s - th.t0_s, th.t_end_s[0] - th.t0_s[0])
    end, _, alt = th.state_at(float(th.t_end_s[0]), np.array([0]))
    assert np.linalg.norm(end[0] - world.asset_pos_m[0]) < 30.0
    assert 40e3 < th.row(0)[2].max() < 70e3
