"""Viewer, report and exports on a run of the engine itself (the battalion example)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from samsim.export.czml import build_czml
from samsim.export.kml import build_kml
from samsim.export.report import build_report
from samsim.export.rundir import RunData
from samsim.geo.earth import horizon_range_m
from samsim.web.server import ViewerApp

pytestmark = pytest.mark.slow
NS = {"k": "http://www.opengis.net/kml/2.2", "gx": "http://www.google.com/kml/ext/2.2"}


def test_replay_and_coverage_of_an_engine_run(real_run_dir: Path) -> None:
    app = ViewerApp(real_run_dir)
    doc = app.replay_doc(0)
    s = doc["summary"]
    assert doc["coverage_available"], doc["coverage_reason"]
    assert len(doc["threats"]) == s["threats"] == 28
    assert len(doc["interceptors"]) == s["interceptors_fired_total"]
    outcomes = [t["outcome"] for t in doc["threats"]]
    assert outcomes.count("killed") == s["killed"] and outcomes.count("leaked") == s["leaked"]
    by_name = {t["name"]: t for t in doc["threats"]}
    for lk in s["leakers"]:  # the engine's names are the viewer's names
        assert by_name[lk["threat"]]["outcome"] == "leaked"
        assert by_name[lk["threat"]]["timeline"]["outcome_detail"] == f"reached {lk['asset']}"
    # the page's radar horizon and its coverage come from the same compiled radars
    assert doc["side_view"]["horizon"]["antenna_height_m"] > 0
    cov = app.coverage_doc(0, {"threat_type": ["cruise_missile"], "height_m": ["30"]})
    radii = {o["radar"]: o for o in cov["outlines"]}
    assert set(radii) == {"bigbird", "gravestone"}
    mast = {s_["name"]: s_["mast_height_m"] for s_ in doc["sites"] if s_["kind"] == "radar"}
    for name, o in radii.items():
        expect = float(horizon_range_m(mast[name], 30.0, 1.3333))
        assert o["max_range_m"] == pytest.approx(expect, rel=6e-3)
        assert o["naive_range_m"] > 3 * o["max_range_m"]  # the range ring vs the truth
    # first detections of cruise missiles fall near the 30 m coverage edge of some radar
    fd = [
        t["timeline"]["first_detection_range_m"]
        for t in doc["threats"]
        if t["type"] == "cruise_missile"
    ]
    edge = max(o["max_range_m"] for o in radii.values())
    assert np.median(fd) == pytest.approx(edge, rel=0.1)


def test_report_and_exports_of_an_engine_run(real_run_dir: Path) -> None:
    run = RunData(real_run_dir)
    html = build_report(real_run_dir)
    for name in run.threat_names:
        assert f">{name}<" in html
    eng = html.split("<h3>Engagements</h3>", 1)[1].split("</table>", 1)[0]
    assert eng.count("<tr>") - 1 == len(run.interceptors)
    assert "Coverage not shown" not in html

    root = ET.fromstring(build_kml(run, [30.0, 9000.0]).kml())
    assert len(root.findall(".//gx:Track", NS)) == run.n_threats + len(run.interceptors)
    polys = [p for p in root.iter(f"{{{NS['k']}}}Polygon")]
    assert len(polys) >= 2 * 2  # two radars, two heights (plus asset areas)
    packets = json.loads(build_czml(run, [30.0]).to_json())
    ids = [p["id"] for p in packets]
    assert sum(i.startswith("threat/") for i in ids) == 28
    assert sum(i.startswith("interceptor/") for i in ids) == len(run.interceptors)
    assert sum(i.startswith("coverage/") for i in ids) == 2
