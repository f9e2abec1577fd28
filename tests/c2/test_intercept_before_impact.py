"""The command post never plans an intercept the threat would only reach after it has hit
the asset it flies at (round 9, the theatre raid's ``target_gone`` interceptors)."""

from __future__ import annotations

import numpy as np
import pytest

from samsim.c2 import command_post as cpm
from samsim.engine.loop import Engine
from samsim.engine.world import compile_world
from samsim.scenario.loader import load_scenario_text

#: A town 40 km north of a battalion; a cruise missile and a fighter (their routes do
#: not matter: the tests set the tracks' kinematics).
SCENARIO = """\
name: intercept_before_impact
duration: 10 min
assets:
  town: {position: {lat: 40.0, lon: -40.0}, value: 100, radius: 1.5 km}
units:
  bn:
    command_post:
      position: {lat: 39.64, lon: -40.0}
      doctrine: {engagement: first_opportunity, min_window: 0 s}
    radars:
      acq: {type: 91N6E, position: {lat: 39.64, lon: -40.01}}
      fcr: {type: 92N6E, position: {lat: 39.64, lon: -40.02}}
    launchers:
      l1: {type: 5P85SE2, position: {lat: 39.645, lon: -40.0}, load: {48N6E3: 4}}
      l2: {type: 5P85TE2, position: {lat: 39.645, lon: -40.02}, load: {9M96E2: 16}}
threats:
  cm: {type: subsonic_cruise_missile}
  ftr: {type: fighter}
raid:
  cms:
    threat: cm
    route:
      - {lat: 41.0, lon: -40.0}
    target: town
  ftrs:
    threat: ftr
    route:
      - {lat: 41.0, lon: -40.0, alt: 300 m}
      - {lat: 39.0, lon: -40.0}
"""

SPEED_MPS = 250.0


def _offer_pk(distance_m: float, threat_type: str) -> np.ndarray:
    """Planning Pk per missile type (rows) of one confirmed track of a ``threat_type``
    ``distance_m`` north of the town, 30 m up, flying straight at it at 250 m/s."""
    world = compile_world(load_scenario_text(SCENARIO))
    threat = world.threat_type.index(threat_type)
    cp = Engine(world, 0).command_posts[0]
    t = 100.0
    town = world.asset_pos_m[0]
    north = world.frame.geodetic_to_enu(40.0 + distance_m / 111.0e3, -40.0, 30.0)
    level = town - north
    level[2] = 0.0  # level flight (the frame's up at the town and here differ by 0.005 deg)
    vel = level / np.linalg.norm(level) * SPEED_MPS
    track = 7
    kin = cpm._Kinematics(
        np.array([track]),
        np.array([threat]),
        north[None, :],
        vel[None, :],
        np.zeros((1, 3)),
        np.zeros(1, dtype=bool),
    )
    cp.last_seen[track] = {r: t for r in cp.unit.fire_control}  # held by the 92N6E
    cp._kin_cov_m2 = lambda t_s, k: np.tile(np.eye(6) * 100.0, (len(k.ids), 1, 1))  # type: ignore[method-assign]
    return cp._offer(t, kin).pk[:, 0]


@pytest.mark.parametrize("distance_m", [2.0e3, 4.0e3, 8.0e3])
def test_no_engagement_of_a_missile_about_to_hit_its_asset(distance_m: float) -> None:
    """8-32 s from the town, the interceptors from 40 km south of it need longer (their
    intercept points lie beyond the town): no engagement. Before round 9 both types were
    offered (planning Pk 0.96-0.99), and in a run such shots end ``target_gone``."""
    assert not (_offer_pk(distance_m, "cm") > 0).any()


@pytest.mark.parametrize("distance_m", [10.0e3, 15.0e3])
def test_a_missile_further_out_is_still_engaged(distance_m: float) -> None:
    """40-60 s out, the 48N6E3 (about 35 s of flight) still meets it before the town."""
    assert (_offer_pk(distance_m, "cm") > 0).any()


def test_an_aircraft_flying_over_the_asset_is_still_engaged() -> None:
    """An aircraft does not end its flight at the asset: an intercept point beyond it
    is reached."""
    assert (_offer_pk(3.0e3, "ftr") > 0).any()


def test_arrival_time_is_the_closest_approach_to_the_likely_asset() -> None:
    world = compile_world(load_scenario_text(SCENARIO))
    cp = Engine(world, 0).command_posts[0]
    town = world.asset_pos_m[0]
    pos = town + np.array([[0.0, 5.0e3, 0.0], [0.0, 5.0e3, 0.0], [9.0e3, 0.0, 0.0]])
    vel = np.array([[0.0, -SPEED_MPS, 0.0], [0.0, -SPEED_MPS, 0.0], [0.0, SPEED_MPS, 0.0]])
    threat = np.array([world.threat_type.index("cm"), world.threat_type.index("ftr"), 0])
    ta = cp._evaluate(pos, vel, np.zeros((3, 3)), threat, np.ones(3, dtype=bool))
    arrival = cp._arrival_s(ta, threat, np.arange(3))
    assert arrival[0] == pytest.approx(5.0e3 / SPEED_MPS, rel=1e-6)
    assert arrival[1] == np.inf  # an aircraft
    assert arrival[2] == np.inf  # a path that misses the town's radius
