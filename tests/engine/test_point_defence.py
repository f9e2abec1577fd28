"""Point defence under the battalion's command post: a Pantsir-S1 class unit attached to
an S-400 battalion defends its radars against anti-radiation missiles."""

from __future__ import annotations

import numpy as np
import pytest

from samsim import simulate
from samsim.errors import ScenarioError
from samsim.scenario.loader import load_scenario_text

HEAD = """
name: pd
duration: 300 s
assets:
  town: {position: {lat: 40.00, lon: -40.00}, value: 100, radius: 1 km}
threats:
  harm: {type: harm_class}
units:
  bn1:
    command_post: {position: {lat: 40.05, lon: -40.00}}
    radars:
      bb1: {type: 91N6E, position: {lat: 40.06, lon: -40.01}}
      gs1:
        type: 92N6E
        position: {lat: 40.055, lon: -40.02}
        autonomous_search_half_width_rad: 60 deg
    launchers:
      l1: {type: 5P85TE2, position: {lat: 40.07, lon: -40.03}, load: LOAD}
"""

PD = """
  pd1:
    attached_to: bn1
    command_post:
      type: point_defence_vehicle
      position: {lat: 40.052, lon: -40.015}
      doctrine: {salvo: 2, defend_nodes: DEFEND, min_window: 2 s, range_margin: 0.05}
    radars:
      p_search: {type: pantsir_s1_search, position: {lat: 40.052, lon: -40.015}}
      p_track: {type: pantsir_s1_track, position: {lat: 40.0521, lon: -40.0151}}
    launchers:
      p_l: {type: pantsir_s1, position: {lat: 40.0522, lon: -40.0152}, load: {57E6: 12}}
"""

RAID = """
raid:
  arms:
    threat: harm
    count: 4
    interval: 5 s
    spread: 2 km
    route: [{lat: 40.60, lon: -40.02}]
    target_node: bn1.gs1
"""


def scenario(pd: bool, *, load: str = "{}", defend: bool = True):
    text = HEAD.replace("LOAD", load)
    if pd:
        text += PD.replace("DEFEND", str(defend).lower())
    return load_scenario_text(text + RAID, "pd.yaml")


def events(run) -> dict[str, np.ndarray]:
    return {k: np.asarray(v) for k, v in run.events.to_pydict().items()}


def test_point_defence_kills_anti_radiation_missiles_diving_on_the_battalions_radar() -> None:
    """Alone (no missiles of its own), the battalion loses its fire-control radar in every
    run; with a Pantsir-S1 class unit attached it kills the missiles and keeps it."""
    lost_alone = lost_pd = 0
    pd_kills = 0
    for seed in range(2):
        alone = events(simulate(scenario(False), seed=seed))
        lost_alone += int(np.any((alone["kind"] == "node_lost") & (alone["asset"] == "bn1.gs1")))
        ev = events(simulate(scenario(True), seed=seed))
        lost_pd += int(np.any((ev["kind"] == "node_lost") & (ev["asset"] == "bn1.gs1")))
        kills = (ev["kind"] == "intercept") & (ev["detail"] == "kill") & (ev["unit"] == "pd1")
        pd_kills += int(kills.sum())
        # the point-defence unit fires only at the missiles, guided by its own radar
        launch = (ev["kind"] == "launch") & (ev["unit"] == "pd1")
        assert launch.any()
        assert set(ev["missile_type"][launch]) == {"57E6"}
        assert set(ev["sensor"][launch]) == {"p_track"}
        assert set(ev["threat_type"][launch]) == {"harm"}
    assert lost_alone == 2
    assert pd_kills >= 4 and lost_pd < lost_alone


def test_point_defence_shares_the_battalions_picture_and_engagements() -> None:
    """Under one command post: the battalion's radars and the point-defence radars update
    the same tracks, and a track engaged by one is not engaged by the other while its
    missiles fly."""
    run = simulate(scenario(True, load="{9M96E2: 4}"), seed=0)
    ev = events(run)
    det = (ev["kind"] == "detection") & (ev["track_id"] >= 0)
    by_bn = set(ev["track_id"][det & np.isin(ev["sensor"], ["bb1", "gs1"])])
    by_pd = set(ev["track_id"][det & np.isin(ev["sensor"], ["p_search", "p_track"])])
    assert by_bn & by_pd
    assert np.any((ev["kind"] == "assignment") & (ev["unit"] == "pd1"))
    # flights per track and unit: [first launch, last end] never overlap across units
    spans: dict[tuple[int, str], list[float]] = {}
    key_of = {}
    for k in np.flatnonzero(ev["kind"] == "launch"):
        key = (int(ev["track_id"][k]), str(ev["unit"][k]))
        key_of[int(ev["interceptor_id"][k])] = key
        spans.setdefault(key, [ev["time_s"][k], ev["time_s"][k]])
    for k in np.flatnonzero(ev["kind"] == "interceptor_end"):
        key = key_of[int(ev["interceptor_id"][k])]
        spans[key][1] = max(spans[key][1], ev["time_s"][k])
    both = {t for t, u in spans if u == "bn1"} & {t for t, u in spans if u == "pd1"}
    for t in both:
        a, b = spans[(t, "bn1")], spans[(t, "pd1")]
        assert a[1] <= b[0] or b[1] <= a[0], (t, a, b)


def test_attached_to_errors_name_the_field() -> None:
    text = HEAD.replace("LOAD", "{}") + PD.replace("DEFEND", "true").replace(
        "attached_to: bn1", "attached_to: bn9"
    )
    with pytest.raises(ScenarioError) as exc:
        load_scenario_text(text + RAID, "bad.yaml")
    issue = exc.value.issues[0]
    assert issue.field == "units.pd1.attached_to" and "bn9" in issue.message
    assert issue.line is not None
