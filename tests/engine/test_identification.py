"""Imperfect identification and kill assessment in the engine, and the Pk the command
post plans each shot with."""

from __future__ import annotations

from collections import Counter

import numpy as np

from samsim.engine.world import compile_world
from samsim.scenario.loader import load_scenario_text
from tests.engine.test_threat_behaviour import DECOYS, FIGHTERS, _run

CP = "command_post: {position: {lat: 40.05, lon: -40.0}}"


def _cp(extra: str) -> str:
    return "command_post: {position: {lat: 40.05, lon: -40.0}, " + extra + "}"


def _launches(text: str, seed: int = 0) -> int:
    _, run = _run(compile_world(load_scenario_text(text)), seed)
    return Counter(run.events["kind"].to_pylist())["launch"]


def test_decoy_recognition_probability_decides_whether_decoys_draw_fire() -> None:
    """A command post that recognises every decoy never fires at them; one that
    recognises none fires as at fighters (the former default)."""
    assert _launches(DECOYS.replace(CP, _cp("decoy_recognition_prob: 1.0"))) == 0
    assert _launches(DECOYS.replace(CP, _cp("decoy_recognition_prob: 0.0"))) > 0


def test_a_real_threat_taken_for_a_decoy_is_not_engaged() -> None:
    fighters = FIGHTERS.replace("EVASION", "none")
    assert _launches(fighters) > 0
    assert _launches(fighters.replace(CP, _cp("false_decoy_prob: 1.0"))) == 0


def _engagements_per_threat(text: str, seed: int = 0) -> Counter[int]:
    _, run = _run(compile_world(load_scenario_text(text)), seed)
    ev = run.events.to_pandas()
    return Counter(ev[ev.kind == "assignment"].threat_id.tolist())


def test_a_survivor_assessed_killed_is_not_engaged_again() -> None:
    """Missiles that cannot kill (their fuze never fires; the command post plans with the
    nominal Pk): with a perfect kill assessment each survivor is engaged again, up to the
    doctrine's limit; when every survivor is assessed killed, once."""
    base = (
        FIGHTERS.replace("EVASION", "none")
        .replace("48N6E3: 4", "dud: 4")
        .replace("duration: 6 min", "duration: 10 min")
        .replace(
            "threats:\n", "missiles:\n  dud: {type: 48N6E3, fuze_reliability: 0.0}\nthreats:\n"
        )
    )
    doctrine = "doctrine: {planning_pk: nominal, salvo: 1, max_engagements_per_target: 3"
    perfect = base.replace(CP, _cp(doctrine + ", perfect_kill_assessment: true}"))
    fooled = base.replace(CP, _cp(doctrine + "}, assess_survivor_prob: 0.0"))
    assert max(_engagements_per_threat(perfect).values()) >= 2
    assert set(_engagements_per_threat(fooled).values()) == {1}


def test_launches_carry_the_planned_single_shot_pk() -> None:
    fighters = FIGHTERS.replace("EVASION", "none")
    _, run = _run(compile_world(load_scenario_text(fighters)), 0)
    ev = run.events.to_pandas()
    pk = ev[ev.kind == "launch"].pk.to_numpy()
    assert pk.size and np.all((pk > 0.0) & (pk <= 1.0))
    nominal = fighters.replace(CP, _cp("doctrine: {planning_pk: nominal}"))
    _, run = _run(compile_world(load_scenario_text(nominal)), 0)
    ev = run.events.to_pandas()
    pk_nom = ev[ev.kind == "launch"].pk.to_numpy()
    np.testing.assert_allclose(pk_nom, 0.8)  # the catalogue's pk_nominal


def test_fighters_break_against_an_arriving_interceptor() -> None:
    """A fighter with ``endgame: break`` turns hard to put the interceptor abeam when its
    time to go falls to ``break_time_to_go_s``: its path is spliced (it ends elsewhere
    and later than compiled), once per threat in the log; without the break the compiled
    path is flown. The missiles cannot kill, so every fighter survives to its route end."""
    base = (
        FIGHTERS.replace("48N6E3: 4", "dud: 4")
        .replace(
            "threats:\n", "missiles:\n  dud: {type: 48N6E3, fuze_reliability: 0.0}\nthreats:\n"
        )
        .replace(CP, _cp("doctrine: {planning_pk: nominal}"))
    )
    ends = {}
    for endgame in ("none", "break"):
        text = base.replace(
            "evasion: EVASION", f"evasion: none, endgame: {endgame}, break_time_to_go_s: 2 s"
        )
        world = compile_world(load_scenario_text(text))
        eng, run = _run(world, 0)
        ev = run.events.to_pandas()
        assert (ev.kind == "launch").any()
        fin = ev[ev.kind.isin(["threat_end", "kill", "leak"])]
        assert sorted(fin.threat_id) == list(range(world.n_threats))
        assert np.all(np.diff(ev.time_s.to_numpy()) >= 0)
        ends[endgame] = (eng.w.threats.t_end_s.copy(), world.threats.t_end_s.copy())
    final, compiled = ends["none"]
    np.testing.assert_array_equal(final, compiled)
    final, compiled = ends["break"]
    assert np.all(final > compiled)
