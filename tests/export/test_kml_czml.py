"""KML and CZML exports, checked by parsing them back."""

from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from czml3 import Document

from samsim.export.coverage import CoverageSet, run_coverage
from samsim.export.czml import build_czml, write_czml
from samsim.export.kml import build_kml, iso, write_kml
from samsim.export.rundir import RunData

NS = {"k": "http://www.opengis.net/kml/2.2", "gx": "http://www.google.com/kml/ext/2.2"}
EPOCH = dt.datetime(2030, 5, 1, 12, 0, tzinfo=dt.UTC)
HEIGHTS = [30.0, 5000.0]


@pytest.fixture(scope="module")
def run(run_dir: Path) -> RunData:
    return RunData(run_dir)


@pytest.fixture(scope="module")
def coverage(run: RunData) -> CoverageSet:
    return run_coverage(run.scenario, HEIGHTS)


def _folder(root: ET.Element, name: str) -> ET.Element:
    for f in root.iter(f"{{{NS['k']}}}Folder"):
        n = f.find("k:name", NS)
        if n is not None and n.text == name:
            return f
    raise AssertionError(f"no folder {name!r}")


def test_kml_structure(run: RunData, coverage: CoverageSet, tmp_path: Path) -> None:
    path = tmp_path / "run.kml"
    path.write_text(build_kml(run, epoch=EPOCH, coverage=coverage).kml())
    root = ET.parse(path).getroot()
    assert root.tag == f"{{{NS['k']}}}kml"

    sites = _folder(root, "Sites")
    names = {p.findtext("k:name", namespaces=NS) for p in sites.iter(f"{{{NS['k']}}}Placemark")}
    assert {"bigbird", "gravestone", "l1", "l2", "l3", "port", "plant"} <= names

    threats = _folder(root, "Threats")
    tracks = threats.findall(".//gx:Track", NS)
    assert len(tracks) == run.n_threats == 5
    trk_names = [p.findtext("k:name", namespaces=NS) for p in threats.findall("k:Placemark", NS)]
    assert trk_names == run.threat_names
    interceptors = _folder(root, "Interceptors")
    assert len(interceptors.findall(".//gx:Track", NS)) == 8
    for trk in root.iter(f"{{{NS['gx']}}}Track"):
        whens = [w.text for w in trk.findall("k:when", NS)]
        coords = [c.text for c in trk.findall("gx:coord", NS)]
        assert len(whens) == len(coords) >= 2
        assert whens == sorted(whens)
        assert trk.findtext("k:altitudeMode", namespaces=NS) == "absolute"
    # the first threat starts where its trajectory starts, at its first sample time
    first = run.tracks("threat")[0]
    trk0 = tracks[0]
    assert trk0.find("k:when", NS).text == iso(EPOCH, first["time_s"][0])
    lon, lat, alt = (float(v) for v in trk0.find("gx:coord", NS).text.split())
    assert (lon, lat) == pytest.approx((first["lon_deg"][0], first["lat_deg"][0]), abs=1e-9)
    assert alt == pytest.approx(first["alt_m"][0], abs=1e-6)

    cov = _folder(root, "Coverage")
    for h in HEIGHTS:
        f = _folder(cov, f"cruise_missile at {h:g} m above ground")
        polys = f.findall(".//k:Polygon", NS)
        assert len(polys) == 2
        ring = polys[0].find(".//k:coordinates", NS).text.split()
        assert len(ring) == 361 and ring[0] == ring[-1]  # closed
    rings = _folder(cov, "Range rings").findall(".//k:LineString", NS)
    assert len(rings) == 2

    events = _folder(root, "Events")
    ev_names = [p.findtext("k:name", namespaces=NS) for p in events.findall("k:Placemark", NS)]
    assert sum(n.startswith("kill:") for n in ev_names) == run.summary["killed"]
    assert sum(n.startswith("leak:") for n in ev_names) == run.summary["leaked"]
    assert all(
        p.find("k:TimeStamp/k:when", NS) is not None for p in events.findall("k:Placemark", NS)
    )


def test_kml_without_coverage_says_why(run_dir: Path, tmp_path: Path) -> None:
    """A scenario that no longer compiles still exports; the coverage folder says why."""
    import shutil

    broken = tmp_path / "broken"
    shutil.copytree(run_dir, broken)
    sc = json.loads((broken / "scenario.json").read_text())
    sc["units"]["bn1"]["radars"]["bigbird"]["type"] = "NO_SUCH_RADAR"
    (broken / "scenario.json").write_text(json.dumps(sc))
    path = write_kml(RunData(broken), tmp_path / "plain.kml", coverage_heights_m=[30.0])
    root = ET.parse(path).getroot()
    cov = _folder(root, "Coverage")
    assert not cov.findall(".//k:Polygon", NS)
    assert "cannot be compiled" in cov.findtext("k:description", namespaces=NS) or (
        "does not compile" in cov.findtext("k:description", namespaces=NS)
    )
    assert len(_folder(root, "Threats").findall(".//gx:Track", NS)) == 5


def test_czml_structure(run: RunData, coverage: CoverageSet, tmp_path: Path) -> None:
    doc = build_czml(run, epoch=EPOCH, coverage=coverage)
    path = tmp_path / "run.czml"
    path.write_text(doc.to_json())
    packets = json.loads(path.read_text())
    Document.model_validate(packets)  # valid for czml3's models after the round trip

    head = packets[0]
    assert head["id"] == "document" and head["version"] == "1.0"
    start, end = head["clock"]["interval"].split("/")
    assert start.startswith("2030-05-01T12:00:00")
    t_end = dt.datetime.fromisoformat(end.replace("Z", "+00:00"))
    assert (t_end - EPOCH).total_seconds() == pytest.approx(run.end_time_s, abs=1e-3)

    by_id = {p["id"]: p for p in packets}
    assert len(by_id) == len(packets)  # ids are unique
    threats = [p for p in packets if p["id"].startswith("threat/")]
    interceptors = [p for p in packets if p["id"].startswith("interceptor/")]
    assert [p["name"] for p in threats] == run.threat_names
    assert len(interceptors) == 8
    tracks = run.tracks("threat")
    for p in threats + interceptors:
        pos = p["position"]
        samples = np.asarray(pos["cartographicDegrees"], dtype=float).reshape(-1, 4)
        assert len(samples) >= 2 and np.all(np.diff(samples[:, 0]) > 0)
        assert pos["interpolationAlgorithm"] == "LINEAR"
        assert "path" in p and "availability" in p
    t0 = tracks[0]
    s0 = np.asarray(by_id["threat/0"]["position"]["cartographicDegrees"]).reshape(-1, 4)
    assert s0[0, 1:3] == pytest.approx([t0["lon_deg"][0], t0["lat_deg"][0]], abs=1e-9)
    assert s0[-1, 0] == pytest.approx(t0["time_s"][-1] - t0["time_s"][0], abs=1e-3)

    for site in ("site/radar/bn1/bigbird", "site/radar/bn1/gravestone", "site/asset/port"):
        assert site in by_id
    covs = [p for p in packets if p["id"].startswith("coverage/")]
    assert len(covs) == 2 * len(HEIGHTS)
    ring = covs[0]["polygon"]["positions"]["cartographicDegrees"]
    assert len(ring) == 3 * 360
    assert sum(p["id"].startswith("range_ring/") for p in packets) == 2
    kills = [p for p in packets if p["id"].startswith("event/kill/")]
    assert len(kills) == run.summary["killed"]


def test_czml_file_is_json(run: RunData, tmp_path: Path) -> None:
    path = write_czml(run, tmp_path / "r.czml", coverage_heights_m=None)
    assert isinstance(json.loads(path.read_text()), list)
