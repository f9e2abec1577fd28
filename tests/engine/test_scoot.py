"""Shoot-and-scoot: launchers and battalions that leave their site after firing."""

from __future__ import annotations

import numpy as np
import pytest

from samsim import simulate
from samsim.engine.world import compile_world
from samsim.errors import ScenarioError
from samsim.scenario.loader import load_scenario_text

TEXT = """
name: scoot
duration: 330 s
assets:
  town: {position: {lat: 40.00, lon: -40.00}, value: 100, radius: 1 km}
threats:
  cm_high: {type: subsonic_cruise_missile, altitude_m: 2 km}
  sneaky: {type: subsonic_cruise_missile, rcs_m2: -60 dBsm, node_kill_prob: 1.0}
units:
  bn1:
    command_post:
      position: {lat: 40.05, lon: -40.00}
      doctrine: {salvo: 1}
    radars:
      bb1: {type: 91N6E, position: {lat: 40.06, lon: -40.01}}
      gs1: {type: 92N6E, position: {lat: 40.055, lon: -40.02}}
    launchers:
      l1: {type: 5P85TE2, position: {lat: 40.07, lon: -40.03}, load: {9M96E2: 12}}
      l2: {type: 5P85TE2, position: {lat: 40.07, lon: -40.00}, load: {9M96E2: 12}}
    sites:
      east: {lat: 40.05, lon: -39.90}
      west: {lat: 40.05, lon: -40.10}
SCOOT
raid:
  stream:
    threat: cm_high
    count: 9
    interval: 30 s
    route: [{lat: 40.62, lon: -40.00}]
    target: town
STRIKE
"""

BATTALION = "    scoot: {unit: battalion, after_launches: 2, off_line: 60 s, sites: [east, west]}"
LAUNCHER = "    scoot: {unit: launcher, after_launches: 1, off_line: 40 s, sites: [east]}"
# aimed at the fire-control radar's first site, arriving about 145 s into the run
STRIKE = """
  strike:
    threat: sneaky
    launch_time: 120 s
    route: [{lat: 40.11, lon: -40.02}]
    target_node: bn1.gs1
"""


def scenario(scoot: str, strike: str = ""):
    text = TEXT.replace("SCOOT", scoot).replace("STRIKE", strike)
    return load_scenario_text(text, "scoot.yaml")


def events(run) -> dict[str, np.ndarray]:
    return {k: np.asarray(v) for k, v in run.events.to_pydict().items()}


def test_a_battalion_goes_off_line_after_firing_and_comes_up_at_its_next_site() -> None:
    sc = scenario(BATTALION)
    run = simulate(sc, seed=0)
    ev = events(run)
    rel = np.flatnonzero(ev["kind"] == "relocate")
    depart = ev["time_s"][rel][ev["detail"][rel] == "depart"]
    arrive = ev["time_s"][rel][ev["detail"][rel] == "arrive"]
    assert depart.size >= 5 and arrive.size >= 5  # command post, 2 radars, 2 launchers
    t0, t1 = float(depart.min()), float(arrive.min())
    assert t1 == pytest.approx(t0 + 60.0)
    # nothing looks, decides or fires while it moves
    during = (ev["time_s"] > t0) & (ev["time_s"] < t1)
    for kind in ("detection", "assignment", "launch"):
        assert not np.any(during & (ev["kind"] == kind)), kind
    assert np.any((ev["kind"] == "emission_off") & (ev["detail"] == "relocating"))
    # the first two launches came before the move, and it fires again from the new site
    launches = np.flatnonzero(ev["kind"] == "launch")
    assert np.sum(ev["time_s"][launches] <= t0) == 2
    after = launches[ev["time_s"][launches] > t1]
    assert after.size
    w = compile_world(sc)
    east = w.unit_sites_m[0]["east"] - w.units[0].position_m
    k = int(after[0])
    li = w.launcher_names.index(str(ev["launcher"][k]))
    got = np.array([ev["x_m"][k], ev["y_m"][k], ev["z_m"][k]])
    assert np.linalg.norm(got - (w.launcher_pos_m[li] + east)) < 1.0


def test_a_strike_at_the_site_it_left_finds_nothing() -> None:
    """With the battalion gone east when the cruise missile arrives at its fire-control
    radar's first site, the radar survives; without the move it is destroyed."""
    stay = events(simulate(scenario("", STRIKE), seed=0))
    assert np.any((stay["kind"] == "node_lost") & (stay["asset"] == "bn1.gs1"))
    moved = events(simulate(scenario(BATTALION, STRIKE), seed=0))
    depart = moved["time_s"][(moved["kind"] == "relocate") & (moved["detail"] == "depart")]
    end = np.flatnonzero((moved["kind"] == "threat_end") & (moved["asset"] == "bn1.gs1"))
    assert end.size == 1 and depart.min() < moved["time_s"][end[0]]
    assert not np.any(moved["kind"] == "node_lost")


def test_a_launcher_moves_on_its_own_after_its_share_of_launches() -> None:
    run = simulate(scenario(LAUNCHER), seed=0)
    ev = events(run)
    first = np.flatnonzero(ev["kind"] == "launch")[0]
    name = str(ev["launcher"][first])
    rel = np.flatnonzero((ev["kind"] == "relocate") & (ev["asset"] == f"bn1.{name}"))
    assert ev["detail"][rel[0]] == "depart" and ev["time_s"][rel[0]] == ev["time_s"][first]
    assert ev["detail"][rel[1]] == "arrive"
    assert ev["time_s"][rel[1]] == pytest.approx(ev["time_s"][rel[0]] + 40.0)
    # the other nodes stay
    assert set(ev["asset"][ev["kind"] == "relocate"]) <= {"bn1.l1", "bn1.l2"}
    mine = (ev["kind"] == "launch") & (ev["launcher"] == name)
    t = ev["time_s"][mine]
    assert not np.any((t > ev["time_s"][rel[0]]) & (t < ev["time_s"][rel[1]]))


def test_scoot_sites_must_be_defined() -> None:
    bad = "    scoot: {unit: battalion, after_launches: 2, off_line: 60 s, sites: [north]}"
    with pytest.raises(ScenarioError) as exc:
        scenario(bad)
    issue = exc.value.issues[0]
    assert issue.field.startswith("units.bn1") and "north" in issue.message
    assert issue.line is not None
