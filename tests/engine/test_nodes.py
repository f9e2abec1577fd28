"""The defence as a network under attack: nodes that can be lost, and what follows.

Small scenarios: a battalion (or two) against a few cruise missiles flown at 2 km above
the ground (seen from launch, so the battalion engages all along) and a cruise missile
that is not seen in time (-60 dBsm, launched 6 km out) aimed at one of the defence's nodes.
"""

from __future__ import annotations

import numpy as np
import pytest

from samsim import simulate
from samsim.errors import ScenarioError
from samsim.scenario.loader import load_scenario_text
from tests.engine.test_engine import _ipc_bytes

HEAD = """
name: nodes
duration: 330 s
assets:
  town: {position: {lat: 40.00, lon: -40.00}, value: 100, radius: 1 km}
threats:
  cm_high: {type: subsonic_cruise_missile, altitude_m: 2 km}
  sneaky: {type: subsonic_cruise_missile, rcs_m2: -60 dBsm}
"""

BN1 = """
  bn1:
    command_post:
      position: {{lat: 40.05, lon: -40.00}}
      doctrine: {{salvo: 1, engage_on_remote: {eor}}}
    radars:
      bb1: {{type: 91N6E, position: {{lat: 40.06, lon: -40.01}}}}
      gs1: {{type: 92N6E, position: {{lat: 40.055, lon: -40.02}}}}
    launchers:
      l1: {{type: 5P85TE2, position: {{lat: 40.07, lon: -40.03}}, load: {{9M96E2: 12}}}}
      l2: {{type: 5P85TE2, position: {{lat: 40.07, lon: -40.00}}, load: {{48N6E3: 4}}}}
"""

BN2 = """
  bn2:
    command_post:
      position: {lat: 40.10, lon: -40.05}
      doctrine: {salvo: 1}
    radars:
      bb2: {type: 91N6E, position: {lat: 40.11, lon: -40.06}}
      gs2: {type: 92N6E, position: {lat: 40.105, lon: -40.07}}
    launchers:
      m1: {type: 5P85TE2, position: {lat: 40.12, lon: -40.08}, load: {}}
"""

RAID = """
  stream:
    threat: cm_high
    count: 9
    interval: 30 s
    route: [{lat: 40.62, lon: -40.00}]
    target: town
"""


def _sneak(name: str, node: str, lat: float = 40.11) -> str:
    # launched about 6 km from the battalion at 120 s: it arrives about 25 s later
    return f"""
  {name}:
    threat: sneaky
    launch_time: 120 s
    route: [{{lat: {lat}, lon: -40.02}}]
    target_node: {node}
"""


def scenario(raid: str, *, bn2: bool = False, eor: bool = False, regiment: str = ""):
    units = "units:" + BN1.format(eor=str(eor).lower()) + (BN2 if bn2 else "")
    return load_scenario_text(HEAD + units + regiment + "raid:" + RAID + raid, "nodes.yaml")


def events(run) -> dict[str, np.ndarray]:
    ev = run.events.to_pydict()
    return {k: np.asarray(v) for k, v in ev.items()}


def lost_at(ev: dict[str, np.ndarray], node: str) -> float:
    rows = np.flatnonzero((ev["kind"] == "node_lost") & (ev["asset"] == node))
    assert rows.size == 1, f"{node} lost {rows.size} times"
    return float(ev["time_s"][rows[0]])


def test_a_radar_killed_mid_run_stops_looking_and_engaging_from_that_moment() -> None:
    run = simulate(scenario(_sneak("strike", "bn1.gs1")), seed=0)
    ev = events(run)
    t_lost = lost_at(ev, "bn1.gs1")
    assert 130.0 < t_lost < 160.0
    # the radar was looking and guiding before...
    det = ev["kind"] == "detection"
    assert np.any(det & (ev["sensor"] == "gs1") & (ev["time_s"] < t_lost))
    launch = ev["kind"] == "launch"
    assert np.any(launch & (ev["time_s"] < t_lost))
    # ...and not one look, assignment or launch after
    assert not np.any(det & (ev["sensor"] == "gs1") & (ev["time_s"] > t_lost))
    assign = ev["kind"] == "assignment"
    assert not np.any((assign | launch) & (ev["time_s"] > t_lost))
    # the acquisition radar still looks
    assert np.any(det & (ev["sensor"] == "bb1") & (ev["time_s"] > t_lost))
    # its semi-active interceptors in flight lose their guidance, the active fly on
    ends = ev["kind"] == "interceptor_end"
    lost_guidance = ends & (ev["detail"] == "guidance_lost")
    assert np.all(ev["time_s"][lost_guidance] == t_lost)
    assert set(ev["missile_type"][lost_guidance]) <= {"48N6E3"}
    # the strike is a leak at the node, within the warhead's lethal radius
    leak = np.flatnonzero((ev["kind"] == "leak") & (ev["asset"] == "bn1.gs1"))
    assert leak.size == 1 and ev["detail"][leak[0]] == "node"
    assert ev["miss_m"][leak[0]] <= 38.0
    s = run.summary
    assert s["nodes"]["lost"] >= 1
    assert s["nodes"]["lost"] + s["nodes"]["survived"] == s["nodes"]["nodes"]
    assert [x["node"] for x in s["nodes_lost"]].count("bn1.gs1") == 1
    assert s["leaked_by_node"] == {"bn1.gs1": 1}
    assert s["killed"] + s["leaked"] + s["survived"] == s["threats"]


def test_a_lost_launcher_fires_no_more() -> None:
    run = simulate(scenario(_sneak("strike", "bn1.l1")), seed=0)
    ev = events(run)
    t_lost = lost_at(ev, "bn1.l1")
    after = (ev["kind"] == "launch") & (ev["time_s"] > t_lost)
    assert not np.any(after & (ev["launcher"] == "l1"))
    # the battalion keeps engaging with its other launcher
    assert np.any(after & (ev["launcher"] == "l2"))


REGIMENT = """
regiment:
  command_post: {position: {lat: 40.03, lon: -40.04}}
  battalions: [bn1]
"""


@pytest.mark.parametrize("node", ["regiment.command_post", "bn1.command_post"])
def test_a_battalion_without_its_command_post_keeps_engaging_on_its_own(node: str) -> None:
    run = simulate(scenario(_sneak("strike", node), regiment=REGIMENT), seed=0)
    ev = events(run)
    t_lost = lost_at(ev, node)
    assigned = ev["time_s"][ev["kind"] == "assignment"]
    assert np.any(assigned < t_lost) and np.any(assigned > t_lost)
    assert np.any(ev["time_s"][ev["kind"] == "launch"] > t_lost)


def test_without_its_command_post_a_regiment_battalion_would_stop() -> None:
    """The control for the test above: the regiment's battalion decides only through the
    regiment, so were it not made autonomous it would fire nothing after the loss."""
    sc = scenario(_sneak("strike", "regiment.command_post"), regiment=REGIMENT)
    from samsim.engine.loop import Engine, compiled_world

    eng = Engine(compiled_world(sc), 0)
    eng._go_autonomous = lambda units: None  # type: ignore[method-assign]
    ev = events(eng.run())
    t_lost = lost_at(ev, "regiment.command_post")
    assigned = ev["time_s"][ev["kind"] == "assignment"]
    assert np.any(assigned < t_lost) and not np.any(assigned > t_lost)


def _remote_launches(ev: dict[str, np.ndarray], t_lost: float) -> np.ndarray:
    own = {"l1", "l2"}
    return (ev["kind"] == "launch") & (ev["time_s"] > t_lost) & np.isin(ev["launcher"], list(own))


def test_engage_on_remote_fires_active_missiles_on_another_battalions_track() -> None:
    run = simulate(scenario(_sneak("strike", "bn1.gs1"), bn2=True, eor=True), seed=0)
    ev = events(run)
    t_lost = lost_at(ev, "bn1.gs1")
    remote = _remote_launches(ev, t_lost)
    assert remote.any()
    # fired by bn2 on its own fire-control radar's tracks, active seekers only
    assert set(ev["unit"][remote]) == {"bn2"}
    assert set(ev["sensor"][remote]) == {"gs2"}
    assert set(ev["missile_type"][remote]) == {"9M96E2"}
    assert set(ev["detail"][remote]) == {"engage_on_remote"}


def test_engage_on_remote_needs_the_doctrine() -> None:
    run = simulate(scenario(_sneak("strike", "bn1.gs1"), bn2=True, eor=False), seed=0)
    ev = events(run)
    assert not _remote_launches(ev, lost_at(ev, "bn1.gs1")).any()


def test_engage_on_remote_needs_a_track_from_another_radar() -> None:
    raid = _sneak("strike", "bn1.gs1") + _sneak("strike2", "bn2.gs2", lat=40.16)
    run = simulate(scenario(raid, bn2=True, eor=True), seed=0)
    ev = events(run)
    t_both = max(lost_at(ev, "bn1.gs1"), lost_at(ev, "bn2.gs2"))
    assert not _remote_launches(ev, t_both).any()


def test_nodes_are_lost_at_most_once_and_runs_stay_deterministic() -> None:
    raid = _sneak("strike", "bn1.gs1") + _sneak("again", "bn1.gs1", lat=40.115)
    sc = scenario(raid)
    a, b = simulate(sc, seed=3), simulate(sc, seed=3)
    assert _ipc_bytes(a.events) == _ipc_bytes(b.events)
    ev = events(a)
    lost = ev["asset"][ev["kind"] == "node_lost"]
    assert len(lost) == len(set(lost))
    # the second strike reaches an already destroyed radar: a leak, no second loss
    assert a.summary["leaked_by_node"] == {"bn1.gs1": 2}
    ends = ev["threat_id"][np.isin(ev["kind"], ["kill", "leak", "threat_end"])]
    assert sorted(ends.tolist()) == list(range(a.summary["threats"]))


def test_a_burst_destroys_the_nodes_within_the_lethal_radius_only() -> None:
    """The cookie-cutter rule against nodes: a burst 30 m along the ground from a radar
    destroys it (radius 38 m, kill probability 1), one 50 m away does not; the height of
    the burst does not count (ground distance)."""
    from samsim.engine.nodes import Network
    from samsim.engine.world import compile_world

    sure = HEAD + "  sure: {type: subsonic_cruise_missile, node_kill_prob: 1.0}\n"
    raid = _sneak("strike", "bn1.gs1").replace("sneaky", "sure")
    units = "units:" + BN1.format(eor="false")
    sc = load_scenario_text(sure + units + "raid:" + RAID + raid, "n.yaml")
    w = compile_world(sc)
    net = Network(w, 0)
    k = w.node_names.index("bn1.gs1")
    threat = w.threat_group.index("strike")
    east = w.frame.site(w.node_pos_m[k]).rot[0]
    up = w.frame.site(w.node_pos_m[k]).rot[2]
    assert net.blast(threat, w.node_pos_m[k] + 50.0 * east + 500.0 * up) == []
    hit = net.blast(threat, w.node_pos_m[k] + 30.0 * east + 500.0 * up)
    assert [n for n, _ in hit] == [k] and hit[0][1] == pytest.approx(30.0, abs=0.5)


@pytest.mark.parametrize(
    ("extra", "field", "words"),
    [
        ("    target_node: bn1.nope\n", "raid.strike.target_node", "unknown node"),
        ("    target_node: bnx.gs1\n", "raid.strike.target_node", "unknown node"),
        ("    target_node: bn1.gs1\n    target: town\n", "raid.strike", "not both"),
    ],
)
def test_target_node_errors_name_the_file_line_and_field(
    extra: str, field: str, words: str
) -> None:
    raid = "\n  strike:\n    threat: sneaky\n    route: [{lat: 40.36, lon: -40.02}]\n" + extra
    text = HEAD + "units:" + BN1.format(eor="false") + "raid:" + raid
    with pytest.raises(ScenarioError) as exc:
        load_scenario_text(text, "bad.yaml")
    issue = exc.value.issues[0]
    assert issue.field == field and words in issue.message and issue.line is not None
    assert "bad.yaml" in str(exc.value)
