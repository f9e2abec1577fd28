"""Anti-radiation missiles against radars under emission control, in the engine.

One fire-control radar (searching a sector on its own, so that it emits whenever it is
on), an acquisition radar where the doctrine needs one, and anti-radiation missiles
launched 60 km out at 10 km (HARM class, Mach 2: about 106 s to the radar).
"""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa
import pytest

from samsim import simulate
from samsim.engine.nodes import Network
from samsim.engine.world import compile_world
from samsim.physics.arm import arm_of
from samsim.scenario.loader import load_scenario_text
from tests.engine.test_engine import _ipc_bytes

TEXT = """
name: arm
duration: 400 s
assets:
  town: {{position: {{lat: 40.00, lon: -40.00}}, value: 100, radius: 1 km}}
threats:
  arm: {{type: {arm}}}
units:
  bn1:
    command_post: {{position: {{lat: 40.05, lon: -40.00}}}}
    radars:
      gs1:
        type: 92N6E
        position: {{lat: 40.055, lon: -40.02}}
        autonomous_search_half_width_rad: 60 deg
        emission: {emission}{extra_radar}
    launchers:
      l1: {{type: 5P85TE2, position: {{lat: 40.07, lon: -40.03}}, load: {{}}}}
raid:
  arms:
    threat: arm
    count: {count}
    route: [{{lat: 40.60, lon: -40.02}}]
    target_node: bn1.gs1
"""


def scenario(
    emission: str = "{mode: continuous}",
    *,
    arm: str = "harm_class",
    count: int = 1,
    extra_radar: str = "",
):
    text = TEXT.format(emission=emission, arm=arm, count=count, extra_radar=extra_radar)
    return load_scenario_text(text, "arm.yaml")


def rows(run, kind: str) -> list[dict]:
    t = run.events.filter(pa.compute.equal(run.events["kind"], kind))
    return t.to_pylist()


def test_an_arm_hits_a_radar_that_keeps_emitting() -> None:
    run = simulate(scenario(), seed=0)
    (hit,) = rows(run, "leak")
    assert hit["asset"] == "bn1.gs1" and hit["miss_m"] < 1.0
    (lost,) = rows(run, "node_lost")
    assert lost["asset"] == "bn1.gs1" and lost["threat_id"] == hit["threat_id"]
    arms = run.summary["anti_radiation_missiles"]
    assert (arms["launched"], arms["hit"], arms["missed"]) == (1, 1, 0)


def _miss_when_dark_at(t_off: float, arm: str = "harm_class") -> tuple[float, float, float]:
    """Mean miss of 40 missiles when the radar stops emitting at ``t_off`` for good,
    the dark time (from the radar going dark to the impacts) and the closed-form mean
    miss sqrt(pi/2) sigma_theta R, R the missiles' ground range when it went dark."""
    sc = scenario(f"{{mode: windows, windows: [[0, {t_off}]]}}", arm=arm, count=40)
    run = simulate(sc, seed=0)
    (off,) = rows(run, "emission_off")
    ends = rows(run, "threat_end") + rows(run, "leak")  # beyond / within 20 m of it
    assert len(ends) == 40 and {e["detail"] for e in ends} <= {"impact", "node"}
    miss = np.array([e["miss_m"] for e in ends])
    t_dark = float(np.mean([e["time_s"] for e in ends])) - off["time_s"]
    w = compile_world(sc)
    p, _, _ = w.threats.state_at(off["time_s"], np.array([0]))
    r_m = float(Network(w, 0).ground_distance_m(p[0])[w.node_names.index("bn1.gs1")])
    model = arm_of(w.threat_spec[0])
    return float(miss.mean()), t_dark, float(model.mean_miss_m(r_m / model.speed_mps))


def test_an_arm_against_a_radar_that_goes_dark_misses_by_more_the_longer_it_is_dark() -> None:
    out = [_miss_when_dark_at(t_off) for t_off in (90.0, 70.0, 40.0)]
    means = [m for m, _, _ in out]
    darks = [d for _, d, _ in out]
    assert darks[0] < darks[1] < darks[2]
    assert means[0] < means[1] < means[2]
    for mean, _, expected in out:
        # 40 Rayleigh draws: the sample mean is within 25 % (3 sigma) of the closed form
        assert mean == pytest.approx(expected, rel=0.25)
    # angle-only memory: about sigma_theta v t_dark, hundreds of metres after a minute
    assert means[2] > 10 * 20.0  # far outside the HARM class's 20 m lethal radius


def test_an_arm_that_geolocated_the_emitter_misses_by_its_geolocation_error_only() -> None:
    mean, _, _ = _miss_when_dark_at(40.0, arm="aargm_class")
    assert mean == pytest.approx(math.sqrt(math.pi / 2) * 10.0, rel=0.25)


def test_an_arm_homes_again_when_the_radar_comes_back_up() -> None:
    run = simulate(scenario("{mode: windows, windows: [[0, 50], [80, 400]]}"), seed=0)
    assert [e["kind"] for e in rows(run, "emission_off") + rows(run, "emission_on")] == [
        "emission_off",
        "emission_on",
    ]
    (hit,) = rows(run, "leak")
    assert hit["miss_m"] < 1.0
    em = run.summary["emission"]["gs1"]
    assert em["dark_periods"] == 1 and em["dark_s"] == pytest.approx(30.0, abs=2.1)
    assert em["emitting_s"] + em["dark_s"] + em["lost_s"] == pytest.approx(
        run.summary["simulated_time_s"]
    )


def test_an_arm_does_not_hear_a_radar_outside_its_band() -> None:
    """The Kh-31P class's seeker ends at 11 GHz: a 15 GHz radar is never heard, and the
    missile flies to the radar's briefed site off by its memory error at launch range."""
    run = simulate(
        scenario(arm="kh31p_class", count=20, extra_radar="\n        frequency_hz: 15 GHz"),
        seed=0,
    )
    ends = rows(run, "threat_end") + rows(run, "leak")
    miss = np.array([e["miss_m"] for e in ends])
    assert len(miss) == 20 and np.median(miss) > 200.0


ACQ = """
      bb1: {type: 91N6E, position: {lat: 40.06, lon: -40.01}}
"""


LOITER = """
  loiter:
    threat: decoy
    route: [{lat: 39.50, lon: -41.00, alt: 3 km}, {lat: 39.50, lon: -40.20}]
"""


def test_a_radar_dark_on_arm_goes_dark_when_its_battalion_tracks_one_and_comes_back() -> None:
    text = TEXT.format(
        emission="{mode: dark_on_arm, dark_time: 30 s, alert_range: 80 km}",
        arm="harm_class",
        count=1,
        extra_radar="",
    ).replace("    launchers:", ACQ.rstrip("\n") + "\n    launchers:", 1)
    # a decoy far away keeps the run going after the missile's end
    text = text.replace("threats:\n", "threats:\n  decoy: {type: decoy}\n") + LOITER
    run = simulate(load_scenario_text(text, "arm.yaml"), seed=0)
    (off,) = rows(run, "emission_off")
    assert off["sensor"] == "gs1" and off["detail"] == "emcon_arm"
    # it went dark after the acquisition radar had confirmed the missile's track
    confirmed = [r["time_s"] for r in rows(run, "track_confirmed") if r["threat_id"] == 0]
    assert confirmed and confirmed[0] <= off["time_s"]
    # the missile, flying on memory, misses; the radar survives and comes back up
    assert not rows(run, "node_lost")
    (end,) = [r for r in rows(run, "threat_end") if r["threat_id"] == 0]
    assert end["detail"] == "impact" and end["miss_m"] > 20.0
    (on,) = rows(run, "emission_on")
    assert on["time_s"] >= end["time_s"] + 30.0 - 2.1 and on["detail"] == "emcon_arm"
    # the price: no look of gs1 while dark
    looks = [r["time_s"] for r in rows(run, "detection") if r["sensor"] == "gs1"]
    assert not any(off["time_s"] < t < on["time_s"] for t in looks)


def test_an_on_cue_radar_is_dark_until_it_has_something_to_look_at() -> None:
    text = (
        TEXT.format(emission="{mode: on_cue}", arm="harm_class", count=1, extra_radar="")
        .replace("        autonomous_search_half_width_rad: 60 deg\n", "")
        .replace("    launchers:", ACQ.rstrip("\n") + "\n    launchers:", 1)
    )
    run = simulate(load_scenario_text(text, "arm.yaml"), seed=0)
    first_off = rows(run, "emission_off")[0]
    assert first_off["time_s"] == 0.0 and first_off["detail"] == "emcon_cue"
    on = rows(run, "emission_on")
    assert on and on[0]["time_s"] > 0.0
    assert run.summary["emission"]["gs1"]["dark_s"] > 0.0


def test_runs_with_arms_and_emission_control_are_deterministic() -> None:
    sc = scenario("{mode: windows, windows: [[0, 50], [70, 90]]}", count=5)
    a, b = simulate(sc, seed=7), simulate(sc, seed=7)
    assert _ipc_bytes(a.events) == _ipc_bytes(b.events)
    s = a.summary
    assert s["killed"] + s["leaked"] + s["survived"] == s["threats"]
