"""The run summary counts threats in its threat fields; false alarms have their own."""

from __future__ import annotations

from functools import cache

import samsim
from samsim.engine.events import EventLog
from samsim.engine.run import Run
from samsim.engine.summary import summarize
from samsim.engine.world import World, compile_world
from samsim.scenario.loader import load_scenario_text
from tests.conftest import EXAMPLES, SMALL_SCENARIO


@cache
def _world() -> World:
    return compile_world(load_scenario_text(SMALL_SCENARIO))


@cache
def _battalion() -> Run:
    return samsim.simulate(samsim.load_scenario(EXAMPLES / "battalion_vs_cruise_raid.yaml"), seed=0)


def _summary(log: EventLog) -> dict:
    return summarize(log.to_arrow(), _world(), seed=0, simulated_time_s=100.0)


def test_a_false_alarm_is_not_the_first_detection() -> None:
    log = EventLog()
    log.add(1.0, "detection", threat_id=-1, range_m=50e3, sensor="acq")
    log.add(2.0, "track_start", threat_id=-1, track_id=1)
    log.add(4.0, "track_confirmed", threat_id=-1, track_id=1)
    log.add(5.0, "assignment", threat_id=-1, track_id=1, missile_type="48N6E3", count=2)
    log.add(6.0, "launch", threat_id=-1, track_id=1, interceptor_id=0, missile_type="48N6E3")
    log.add(30.0, "detection", threat_id=0, range_m=40e3, sensor="acq")
    log.add(34.0, "track_confirmed", threat_id=0, track_id=2)
    s = _summary(log)
    assert s["timeline"]["first_detection_s"] == 30.0
    assert s["timeline"]["first_track_s"] == 34.0
    assert s["timeline"]["first_false_alarm_s"] == 1.0
    assert s["timeline"]["first_false_track_s"] == 4.0
    assert s["detected"] == 1
    assert s["engaged"] == 0  # the only assignment was at a false track
    assert sum(row["engaged"] for row in s["by_threat_type"].values()) == 0
    assert s["false_alarms"] == 1
    assert s["false_tracks_confirmed"] == 1
    assert s["false_track_engagements"] == 1
    assert s["interceptors_at_false_tracks"] == 1
    assert s["interceptors_fired_total"] == 1  # a launch is a launch, whatever its target


def test_flagship_example_timeline_is_the_first_threat_detection() -> None:
    """In the battalion example the radars' first plots are false alarms; the timeline's
    first detection is the first detection of a threat (a cruise missile or fighter)."""
    run = _battalion()
    ev = run.events.to_pydict()
    det = [i for i, k in enumerate(ev["kind"]) if k == "detection"]
    real = [ev["time_s"][i] for i in det if ev["threat_id"][i] >= 0]
    fa = [ev["time_s"][i] for i in det if ev["threat_id"][i] < 0]
    s = run.summary
    assert fa and min(fa) < min(real)  # the case the fix is about
    assert s["timeline"]["first_detection_s"] == min(real)
    assert s["timeline"]["first_false_alarm_s"] == min(fa)
    assert s["false_alarms"] == len(fa)
    confirmed = [
        ev["time_s"][i]
        for i, k in enumerate(ev["kind"])
        if k == "track_confirmed" and ev["threat_id"][i] >= 0
    ]
    assert s["timeline"]["first_track_s"] == min(confirmed)
