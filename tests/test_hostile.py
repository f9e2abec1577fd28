"""Hostile and broken input (issue 15): never a wrong answer, never a crash, never unbounded.

Every case asserts what the user gets: exit code 2, a message that names the file (and
line and field where there is one) and a fix, no traceback; and, where input could make
samsim work without end, that memory and time stay bounded. Commands run in this process
(``samsim.cli.main`` under typer's test runner isolation); the viewer's server is tested
over real sockets.

docs/reliability.md states the promises these tests hold samsim to.
"""

from __future__ import annotations

import json
import math
import socket
import sys
import threading
import time
import tracemalloc
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from pydantic import BaseModel
from typer.testing import CliRunner

from samsim import cli
from samsim.errors import ScenarioError
from samsim.physics.missile import MissileSpec
from samsim.scenario import models, specs
from samsim.scenario.loader import load_scenario, load_scenario_text, scenario_from_dict
from samsim.study.sweep import _is_numeric  # the sweep's own reading of 'a number'
from tests.conftest import SMALL_SCENARIO


# ------------------------------------------------------------------------------ helpers
@dataclass
class Result:
    code: int
    out: str
    err: str


def run_samsim(*args: str | Path) -> Result:
    """Run the ``samsim`` command in this process: its exit code, stdout and stderr."""
    runner = CliRunner()
    with runner.isolation() as (out, err, _):
        try:
            cli.main([str(a) for a in args])
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0)
        sys.stdout.flush()
        sys.stderr.flush()
        return Result(code, out.getvalue().decode(), err.getvalue().decode())


def assert_input_error(r: Result, *needles: str) -> None:
    """Exit 2, an ``error:`` line with a fix, no traceback, and each needle in stderr.

    Only progress lines (``samsim: checking ...``, printed when a check takes more than
    2 s, as on a loaded machine) may come before the error."""
    assert r.code == 2, (r.code, r.err, r.out)
    lines = r.err.splitlines()
    first = next((k for k, line in enumerate(lines) if not line.startswith("samsim: ")), 0)
    assert lines and lines[first].startswith("error:"), r.err
    assert "Traceback" not in r.err and "internal error" not in r.err, r.err
    for n in needles:
        assert n in r.err, (n, r.err)


def base_doc() -> dict[str, Any]:
    return yaml.safe_load(SMALL_SCENARIO)


def write(tmp_path: Path, doc: dict[str, Any] | str, name: str = "s.yaml") -> Path:
    p = tmp_path / name
    p.write_text(doc if isinstance(doc, str) else yaml.safe_dump(doc, sort_keys=False))
    return p


def _set(doc: Any, path: tuple[str | int, ...], value: Any) -> None:
    for k in path[:-1]:
        doc = doc.setdefault(k, {}) if isinstance(doc, dict) else doc[k]
    doc[path[-1]] = value


# ------------------------------------------------- every numeric field of the schema
def _fields(model: type[BaseModel], skip: set[str] = frozenset()) -> list[str]:  # type: ignore[assignment]
    return [n for n, f in model.model_fields.items() if n not in skip and _is_numeric(f.annotation)]


def _doc_with_everything() -> dict[str, Any]:
    """The small scenario with every kind of object present: a jammer, a regiment, an
    origin, a missile override."""
    doc = base_doc()
    doc["origin"] = {"lat": 40.0, "lon": -40.0, "alt": 0.0}
    doc["jammers"] = {
        "soj": {
            "position": {"lat": 40.8, "lon": -40.0, "alt": 9000},
            "erp": "1 kW",
            "bandwidth": "100 MHz",
        }
    }
    doc["regiment"] = {
        "command_post": {"position": {"lat": 40.04, "lon": -40.0}},
        "battalions": ["bn"],
    }
    doc["missiles"] = {"48N6E3": {}}
    return doc


def _field_paths() -> list[tuple[str | int, ...]]:
    """Where each numeric field of the schema sits in :func:`_doc_with_everything`: every
    model reachable from a scenario, catalogue overrides included."""
    cp, radar = ("units", "bn", "command_post"), ("units", "bn", "radars", "fcr")
    launcher, wp = ("units", "bn", "launchers", "l1"), ("raid", "wave", "route", 0)
    paths: list[tuple[str | int, ...]] = [("duration",)]
    paths += [("assets", "town", "position", f) for f in _fields(models.GeoPoint)]
    paths += [("origin", f) for f in _fields(models.GeoPoint)]
    paths += [(*wp, f) for f in _fields(models.Waypoint)]
    paths += [("environment", f) for f in _fields(models.Environment)]
    paths += [("assets", "town", f) for f in _fields(models.Asset)]
    paths += [(*cp, "doctrine", f) for f in _fields(models.Doctrine)]
    paths += [(*cp, f) for f in _fields(specs.CommandPostSpec)]
    paths += [(*radar, f) for f in _fields(specs.RadarSpec)]
    paths += [(*radar, "azimuth_center")]
    paths += [(*launcher, f) for f in _fields(specs.LauncherSpec)]
    paths += [(*launcher, "load", "48N6E3"), ("units", "bn", "reserve", "48N6E3")]
    paths += [("threats", "cm", f) for f in _fields(specs.ThreatSpec)]
    paths += [("missiles", "48N6E3", f) for f in _fields(MissileSpec, {"cd0_mach_table"})]
    paths += [("raid", "wave", f) for f in _fields(models.RaidGroup)]
    paths += [("jammers", "soj", f) for f in _fields(models.Jammer)]
    paths += [("regiment", f) for f in _fields(models.Regiment)]
    return paths


TERRAINS: dict[str, dict[str, Any]] = {
    "flat": {"kind": "flat"},
    "synthetic": {"kind": "synthetic"},
    "dem": {"kind": "dem", "path": "dem.tif"},
    "sample_dem": {"kind": "sample_dem", "name": "jacksboro"},
}
TERRAIN_MODELS = {
    "flat": models.FlatTerrainConfig,
    "synthetic": models.SyntheticTerrainConfig,
    "dem": models.DemTerrainConfig,
    "sample_dem": models.SampleDemTerrainConfig,
}
HOSTILE_VALUES = [math.nan, math.inf, -math.inf, 1e300, -1e300, 10**400, True]


def test_the_generated_cases_cover_the_schema() -> None:
    """The field list is read from the models, so a new field is covered the day it is
    declared; here, that the reading finds what it should."""
    paths = {".".join(map(str, p)) for p in _field_paths()}
    for expected in (
        "threats.cm.rcs_m2",
        "threats.cm.altitude_m",
        "units.bn.radars.fcr.azimuth_center",
        "units.bn.radars.fcr.mast_height_m",
        "units.bn.command_post.cycle_s",
        "assets.town.value",
        "raid.wave.count",
        "raid.wave.route.0.speed",
        "missiles.48N6E3.max_range_m",
        "jammers.soj.erp",
    ):
        assert expected in paths
    assert len(paths) > 140


@pytest.mark.parametrize("value", HOSTILE_VALUES, ids=repr)
def test_no_numeric_field_accepts_a_non_finite_huge_or_boolean_value(value: Any) -> None:
    """NaN, infinities, 1e300, an integer beyond any float and `true` are refused in every
    numeric field, each with the field's path and a fix (issue 15 item 1: +inf was
    accepted in 71 fields, NaN in 3, `count: true` read as 1)."""
    accepted, unclear = [], []
    cases = [(p, _doc_with_everything()) for p in _field_paths()]
    for kind, cfg in TERRAINS.items():
        for f in _fields(TERRAIN_MODELS[kind]):
            doc = _doc_with_everything()
            doc["environment"] = {"terrain": dict(cfg)}
            cases.append((("environment", "terrain", f), doc))
    for path, doc in cases:
        _set(doc, path, value)
        try:
            scenario_from_dict(doc)
        except ScenarioError as exc:
            name = str(path[-1])
            mine = [i for i in exc.issues if name in i.field]
            if not mine or any(i.fix in ("", "correct the value") for i in mine):
                unclear.append((path, exc.render()))
        else:
            accepted.append(path)
    assert not accepted, f"accepted {value!r} in {accepted}"
    assert not unclear, unclear[:3]


def test_scenario_file_with_nan_and_inf_exits_2_with_line_field_and_fix(tmp_path: Path) -> None:
    text = SMALL_SCENARIO.replace(
        "cm: {type: subsonic_cruise_missile}", "cm: {type: subsonic_cruise_missile, rcs_m2: .nan}"
    ).replace("value: 50", "value: .inf")
    r = run_samsim("validate", write(tmp_path, text))
    assert_input_error(r, "s.yaml:4:", "assets.town.value", "s.yaml:15:", "threats.cm.rcs_m2")
    assert r.err.count("Fix:") == 2


def test_a_count_is_a_whole_number_not_a_boolean(tmp_path: Path) -> None:
    r = run_samsim("validate", write(tmp_path, SMALL_SCENARIO.replace("count: 4", "count: true")))
    assert_input_error(r, "raid.wave.count", "boolean")


def test_a_mast_of_1e300_km_is_refused_not_run(tmp_path: Path) -> None:
    """Issue 15 item 1: a mast height of 1e300 km silently disabled fire control."""
    doc = base_doc()
    doc["units"]["bn"]["radars"]["fcr"]["mast_height_m"] = "1e300 km"
    assert_input_error(run_samsim("validate", write(tmp_path, doc)), "mast_height_m", "Fix:")
    doc["units"]["bn"]["radars"]["fcr"]["mast_height_m"] = "2 km"
    assert_input_error(run_samsim("validate", write(tmp_path, doc)), "mast_height_m", "<= 500")


# ------------------------------------------------------------ radar cross sections
@pytest.mark.parametrize("text", ["-10 dB", "-10 db", "-10 dBm", "0.1", "-10", "10 dBi"])
def test_an_rcs_is_m2_or_dbsm_and_nothing_else(text: str) -> None:
    """Issue 14 item 8: `rcs_m2: -10 dB` was read as 0.1 m^2."""
    doc = base_doc()
    doc["threats"]["cm"]["rcs_m2"] = text
    if text == "0.1":
        assert scenario_from_dict(doc).threats["cm"].rcs_m2 == 0.1  # type: ignore[attr-defined]
        return
    with pytest.raises(ScenarioError) as exc:
        scenario_from_dict(doc)
    (issue,) = exc.value.issues
    assert issue.field == "threats.cm.rcs_m2"
    assert "dBsm" in issue.fix and "m2" in issue.fix


def test_rcs_in_dbsm_converts_and_absurd_dbsm_is_refused_without_overflow() -> None:
    doc = base_doc()
    doc["threats"]["cm"]["rcs_m2"] = "-10 dBsm"
    assert scenario_from_dict(doc).threats["cm"].rcs_m2 == pytest.approx(0.1)  # type: ignore[attr-defined]
    doc["threats"]["cm"]["rcs_m2"] = "5000 dBsm"  # 10**500: OverflowError before
    with pytest.raises(ScenarioError, match="plausible"):
        scenario_from_dict(doc)


# ---------------------------------------------------------- what is run is what is hashed
def test_digest_tells_infinity_from_absent() -> None:
    """Issue 15 item 2: JSON wrote infinity as null, so a radar with an infinite power
    hashed like one without the override, and got its cached world."""
    from samsim.scenario.digest import scenario_digest
    from samsim.study.api import scenario_hash

    sc = scenario_from_dict(base_doc())
    fcr = sc.units["bn"].radars["fcr"]
    unit = sc.units["bn"].model_copy(
        update={
            "radars": {
                **sc.units["bn"].radars,
                "fcr": fcr.model_copy(update={"peak_power_w": math.inf}),
            }
        }
    )
    forged = sc.model_copy(update={"units": {"bn": unit}})  # built without validation
    assert fcr.peak_power_w is None  # type: ignore[attr-defined]
    assert scenario_digest(forged) != scenario_digest(sc)
    assert scenario_hash(forged) != scenario_hash(sc)


def _write_dem(path: Path, height_m: float) -> None:
    rasterio = pytest.importorskip("rasterio")
    from rasterio.transform import Affine

    z = np.full((60, 60), height_m, dtype=np.float32)
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=60,
        height=60,
        count=1,
        dtype="float32",
        crs="EPSG:4326",
        transform=Affine(0.05, 0.0, -41.5, 0.0, -0.05, 41.5),
    ) as ds:
        ds.write(z, 1)


def test_compiled_world_cache_keys_on_the_dem_bytes_and_folder(tmp_path: Path) -> None:
    """Issue 15 item 3: two folders with the same YAML and a relative dem.tif got the first
    folder's terrain. Also the study hash: a study resumed on another DEM is another
    study."""
    from samsim.engine.loop import compiled_world
    from samsim.study.api import scenario_hash

    doc = base_doc()
    doc["environment"] = {"terrain": {"kind": "dem", "path": "dem.tif", "resolution": "2 km"}}
    worlds, hashes = [], []
    for name, height in (("low", 10.0), ("high", 1500.0)):
        folder = tmp_path / name
        folder.mkdir()
        _write_dem(folder / "dem.tif", height)
        sc = load_scenario(write(folder, doc))
        worlds.append(compiled_world(sc))
        hashes.append(scenario_hash(sc))
    low, high = (float(np.median(w.terrain_grid.heights_m)) for w in worlds)
    assert low == pytest.approx(10.0, abs=1.0) and high == pytest.approx(1500.0, abs=1.0)
    assert hashes[0] != hashes[1]
    # The file edited in place: compiled again.
    _write_dem(tmp_path / "low" / "dem.tif", 700.0)
    sc = load_scenario(tmp_path / "low" / "s.yaml")
    assert float(np.median(compiled_world(sc).terrain_grid.heights_m)) == pytest.approx(
        700.0, abs=1.0
    )


# ----------------------------------------------------------------- what validates, runs
@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("assets", "town", "value"), 1e6),  # .inf crashed the assignment solver
        (("assets", "town", "value"), 1e-300),
        (("threats", "cm", "rcs_m2"), "60 dBsm"),
        (("units", "bn", "command_post", "cycle_s"), "10 min"),
        (("units", "bn", "radars", "fcr", "mast_height_m"), 500),
    ],
)
def test_what_validates_at_the_edge_of_its_range_runs(
    tmp_path: Path, path: tuple[str, ...], value: Any
) -> None:
    """Issue 15 item 4: `validate` passed an asset value of .inf that `run` then crashed
    on; such values are now refused (the generated test above). Here the other half of
    the promise: values at the edge of their ranges, which validate, also run (a short
    run of the small scenario)."""
    doc = base_doc()
    doc["duration"] = "4 min"
    _set(doc, path, value)
    scn = write(tmp_path, doc)
    assert run_samsim("validate", scn).code == 0
    r = run_samsim("run", scn, "--out", tmp_path / "out", "--json")
    assert r.code == 0, r.err
    assert json.loads(r.out)["threats"] == 4


# ---------------------------------------------------------------- YAML: bounded parsing
ALIAS_BOMB = "a: &a [x,x,x,x,x,x,x,x,x]\n" + "".join(
    f"{b}: &{b} [{','.join([f'*{a}'] * 9)}]\n"
    for a, b in zip("abcdefghi", "bcdefghij", strict=True)
)


def test_alias_bomb_is_refused_in_bounded_memory_and_time() -> None:
    """Issue 15 item 5: a 368-byte "billion laughs" (9**10 values once its aliases are
    expanded) grew past 4 GB in `samsim validate`."""
    assert len(ALIAS_BOMB) < 400
    tracemalloc.start()
    t0 = time.perf_counter()
    try:
        with pytest.raises(ScenarioError, match="aliases") as exc:
            load_scenario_text(ALIAS_BOMB, "bomb.yaml")
        seconds = time.perf_counter() - t0
        peak_mb = tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()
    assert exc.value.issues[0].fix and exc.value.issues[0].line is not None
    assert peak_mb < 100, peak_mb
    assert seconds < 30, seconds


@pytest.mark.parametrize(
    ("content", "needles"),
    [
        (b"name: a\x00b\n", ("f.yaml:1:8", "NUL", "Fix:")),
        (b"name: a\x01b\n", ("f.yaml:1:8", "control character", "Fix:")),
        (b"name: \xff\xfe\x00binary\n", ("f.yaml", "not UTF-8", "Fix:")),
        (b"a: " + b"[" * 20000 + b"]" * 20000 + b"\n", ("f.yaml", "levels deep", "Fix:")),
        (
            b"a:\n" + b"".join(b" " * i + b"- \n" for i in range(0, 2000, 1)),
            ("f.yaml", "levels deep", "Fix:"),
        ),
        (b"[]\n", ("f.yaml:1:1", "mapping", "Fix:")),
        (b"? [a, b]\n: 1\n", ("f.yaml:1:3", "plain name", "Fix:")),
    ],
    ids=["nul", "control", "binary", "deep-flow", "deep-block", "list", "list-key"],
)
def test_unreadable_scenario_files_exit_2(
    tmp_path: Path, content: bytes, needles: tuple[str, ...]
) -> None:
    """Issue 15 item 6: a NUL byte and 20,000-deep nesting were internal errors (exit 70)."""
    p = tmp_path / "f.yaml"
    p.write_bytes(content)
    assert_input_error(run_samsim("validate", p), *needles)


def test_huge_file_is_refused_without_reading_it(tmp_path: Path) -> None:
    p = tmp_path / "f.yaml"
    with p.open("wb") as fh:
        fh.write(b"name: x\n")
        fh.seek(200 * 1024 * 1024)
        fh.write(b"\n")  # 200 MB (sparse)
    assert_input_error(run_samsim("validate", p), "f.yaml", "larger than", "Fix:")
    tracemalloc.start()
    try:
        with pytest.raises(ScenarioError):
            load_scenario(p)
        peak_mb = tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()
    assert peak_mb < 10, peak_mb  # at most the 4 MB cap is read


# -------------------------------------------------- inputs that were internal errors
@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        (("threats", "cm", "speed_mps"), "0.001 m/s", "speed_mps"),  # ZeroDivisionError
        (("raid", "wave", "route", 0, "speed"), 1e-300, "speed"),
        (("raid", "wave", "spread"), "1e6 km", "spread"),
        (("raid", "wave", "spread"), "99 km", "wave"),  # 4 members: 297 km wide is fine...
        (("raid", "wave", "route", 0, "alt"), ".nan", "alt"),
        (("raid", "wave", "route", 0, "alt"), "1e300 km", "alt"),
        (("origin",), {"lat": 40.0, "lon": -40.0, "alt": "1e300 km"}, "origin.alt"),
    ],
)
def test_values_that_crashed_the_compile_are_input_errors(
    tmp_path: Path, path: tuple[str | int, ...], value: Any, field: str
) -> None:
    doc = base_doc()
    if path == ("raid", "wave", "spread") and value == "99 km":
        doc["raid"]["wave"]["count"] = 7000  # ... 7,000 of them are not
    _set(doc, path, yaml.safe_load(value) if value == ".nan" else value)
    assert_input_error(run_samsim("validate", write(tmp_path, doc)), "s.yaml:", field, "Fix:")


def test_a_terrain_grid_too_large_is_exit_2_naming_the_resolution(tmp_path: Path) -> None:
    doc = base_doc()
    doc["environment"] = {"terrain": {"kind": "synthetic", "resolution": "11 m"}}
    r = run_samsim("validate", write(tmp_path, doc))
    assert_input_error(r, "environment.terrain.resolution", "cells", "give resolution")


def test_validate_does_not_compile_every_trajectory(tmp_path: Path) -> None:
    """Issue 15 item 9 (last sentence): `validate` compiled full trajectories, so a
    pole-to-pole raid took 1.7 GB. It now compiles each group's first and last member."""
    from samsim.engine.world import compile_world

    doc = base_doc()
    doc["raid"]["wave"].update(count=300, route=[{"lat": 45.0, "lon": -40.0}])
    sc = scenario_from_dict(doc)
    compile_world(sc, probe=True)  # warm: terrain and catalogue caches
    tracemalloc.start()
    world = compile_world(sc, probe=True)
    peak_mb = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    assert world.n_threats == 2
    # 300 threats x ~4,500 samples x 56 bytes would be ~75 MB of table alone.
    assert peak_mb < 30, peak_mb
    r = run_samsim("validate", write(tmp_path, doc))
    assert r.code == 0 and "300 threats" in r.out


def test_a_raid_too_large_for_memory_is_refused_before_compiling(tmp_path: Path) -> None:
    """10,000 threats flying 2,000 km at 5 m/s would need 8e10 trajectory samples: refused
    from an estimate, before any is computed."""
    from samsim.engine import world  # the import is not what is timed

    assert world.MAX_THREAT_SAMPLES < 8e10

    doc = base_doc()
    doc["raid"]["wave"].update(
        count=10000, spread=0, route=[{"lat": -60.0, "lon": -40.0, "speed": "5 m/s"}]
    )
    t0 = time.perf_counter()
    r = run_samsim("validate", write(tmp_path, doc))
    assert_input_error(r, "raid.wave.route", "samples", "Fix:")
    assert time.perf_counter() - t0 < 30  # generous: the machine is shared; unbounded was hours


# ------------------------------------------------------------------------ output paths
def test_run_checks_its_output_folder_before_simulating(tmp_path: Path) -> None:
    """Issue 15 item 7: `run --out FILE` simulated first and crashed afterwards."""
    from samsim.engine.loop import _WORLDS

    _WORLDS.clear()
    scn = write(tmp_path, SMALL_SCENARIO.replace("10 min", "3 min"))
    (tmp_path / "afile").write_text("x")
    for out, needle in (
        (tmp_path / "afile", "is a file"),
        (tmp_path / "afile" / "sub", "is a file"),
        (Path("/proc/samsim-no-such/run"), "cannot write"),
    ):
        assert_input_error(run_samsim("run", scn, "--out", out), "--out", needle)
    assert not _WORLDS  # nothing was compiled, let alone simulated


def test_report_and_export_check_their_output_files(tmp_path: Path) -> None:
    from tests.web.runfactory import make_run

    run = make_run(tmp_path / "run")
    assert_input_error(run_samsim("report", run, "--out", tmp_path), "is a folder", "report.html")
    assert_input_error(run_samsim("export", run, "--kml", tmp_path), "is a folder", "run.kml")
    assert_input_error(run_samsim("export", run, "--czml", tmp_path), "is a folder", "run.czml")
    assert_input_error(
        run_samsim("report", run, "--out", "/proc/samsim-no-such/r.html"), "cannot write"
    )


@pytest.fixture
def run_copy(tmp_path: Path) -> Path:
    from tests.web.runfactory import make_run

    return make_run(tmp_path / "run")


@pytest.mark.parametrize(
    ("damage", "needles"),
    [
        (lambda d: (d / "scenario.json").write_text('{"name": "x"}'), ("scenario.json",)),
        (lambda d: (d / "scenario.json").write_text("{not json"), ("scenario.json", "JSON")),
        (lambda d: (d / "summary.json").write_text("[1, 2]"), ("summary.json",)),
        (
            lambda d: pq.write_table(
                pa.table({"time_s": [0.0], "kind": ["x"]}), d / "events.parquet"
            ),
            ("events.parquet", "threat_id"),
        ),
        (
            lambda d: pq.write_table(
                pq.read_table(d / "events.parquet").set_column(
                    0, "time_s", pa.array(["t"] * pq.read_table(d / "events.parquet").num_rows)
                ),
                d / "events.parquet",
            ),
            ("events.parquet", "type"),
        ),
        (
            lambda d: (d / "trajectories.parquet").write_bytes(b"PAR1garbage"),
            ("trajectories.parquet",),
        ),
    ],
    ids=[
        "incomplete-scenario",
        "bad-json",
        "summary-list",
        "event-columns",
        "event-types",
        "garbage-parquet",
    ],
)
def test_broken_run_folders_are_named_with_exit_2(
    run_copy: Path, damage: Any, needles: tuple[str, ...]
) -> None:
    damage(run_copy)
    for args in (("report", run_copy), ("export", run_copy, "--kml", run_copy / "r.kml")):
        assert_input_error(run_samsim(*args), *needles)


@pytest.fixture
def study_dir(tmp_path: Path) -> Path:
    """A finished two-run study of the stand-in run function (no engine)."""
    scn = write(tmp_path, SMALL_SCENARIO)
    out = tmp_path / "study"
    r = run_samsim(
        "study",
        scn,
        "--runs",
        "2",
        "--workers",
        "0",
        "--out",
        out,
        "-q",
        "--runner",
        "tests.study.standin:standin_batch",
    )
    assert r.code == 0, r.err
    return out


@pytest.mark.parametrize(
    ("damage", "needles"),
    [
        (lambda d: (d / "manifest.json").write_text("{broken"), ("manifest.json", "damaged")),
        (
            lambda d: (d / "manifest.json").write_text(
                json.dumps({**json.loads((d / "manifest.json").read_text()), "sweep": 3})
            ),
            ("manifest.json", "sweep"),
        ),
        (
            lambda d: (d / "manifest.json").write_text(
                json.dumps(
                    {
                        k: v
                        for k, v in json.loads((d / "manifest.json").read_text()).items()
                        if k != "schema"
                    }
                )
            ),
            ("manifest.json", "schema"),
        ),
        (
            lambda d: [
                pq.write_table(pa.table({"seed": [0], "x": ["y"]}), p)
                for p in (d / "results").rglob("part-*.parquet")
            ],
            ("part-", "results columns"),
        ),
    ],
    ids=["manifest-json", "manifest-sweep", "manifest-schema", "part-schema"],
)
def test_broken_study_folders_are_named_with_exit_2(
    study_dir: Path, damage: Any, needles: tuple[str, ...]
) -> None:
    damage(study_dir)
    assert_input_error(run_samsim("study", "summarize", study_dir), *needles)


# ---------------------------------------------------------------------- folder hygiene
def test_run_replaces_a_previous_run_whole(tmp_path: Path) -> None:
    """Issue 15 item 10: `run --out` overwrote another run and left its report and KML."""
    from tests.web.runfactory import make_run

    out = make_run(tmp_path / "out")
    (out / "report.html").write_text("<p>the old run</p>")
    (out / "old.kml").write_text("<kml/>")
    scn = write(tmp_path, SMALL_SCENARIO.replace("10 min", "2 min"))
    r = run_samsim("run", scn, "--out", out)
    assert r.code == 0, r.err
    assert "replaced the previous run" in r.err
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ("events.parquet", "trajectories.parquet", "summary.json", "scenario.json")
    )
    assert json.loads((out / "scenario.json").read_text())["name"] == "small"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporaries


def test_run_refuses_a_folder_holding_other_files(tmp_path: Path) -> None:
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me")
    scn = write(tmp_path, SMALL_SCENARIO)
    assert_input_error(run_samsim("run", scn, "--out", tmp_path / "mine"), "notes.txt")
    assert (tmp_path / "mine" / "notes.txt").read_text() == "keep me"


def test_a_refused_study_folder_is_left_as_it_was(tmp_path: Path) -> None:
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me")
    scn = write(tmp_path, SMALL_SCENARIO)
    r = run_samsim("study", scn, "--runs", "1", "--workers", "0", "--out", tmp_path / "mine")
    assert_input_error(r, "not empty")
    assert [p.name for p in (tmp_path / "mine").iterdir()] == ["notes.txt"]  # no .lock


@pytest.mark.parametrize("address", ["foo", "tcp://127.0.0.1:99999", "tcp://127.0.0.1:PORT"])
def test_a_bad_scheduler_fails_fast_and_leaves_no_folder(tmp_path: Path, address: str) -> None:
    pytest.importorskip("distributed")
    if "PORT" in address:  # a port nobody listens on
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            address = address.replace("PORT", str(s.getsockname()[1]))
    scn = write(tmp_path, SMALL_SCENARIO)
    t0 = time.perf_counter()
    r = run_samsim("study", scn, "--runs", "1", "--out", tmp_path / "st", "--scheduler", address)
    assert_input_error(r, "scheduler")
    assert time.perf_counter() - t0 < 15  # Dask waited 20 s to 40 s
    assert not (tmp_path / "st").exists()


def test_a_scheduler_that_never_answers_is_given_up_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A listener that accepts the connection and never speaks held Dask's client until
    the listener went away (87 s in a trial); the wait is now bounded (30 s, shortened
    here)."""
    pytest.importorskip("distributed")
    from samsim.study import executors

    monkeypatch.setattr(executors, "CONNECT_TIMEOUT_S", 1.0)
    scn = write(tmp_path, SMALL_SCENARIO)
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        address = f"tcp://127.0.0.1:{silent.getsockname()[1]}"
        t0 = time.perf_counter()
        r = run_samsim(
            "study", scn, "--runs", "1", "--out", tmp_path / "st", "--scheduler", address
        )
        assert time.perf_counter() - t0 < 15
    assert_input_error(r, "scheduler", "no answer")
    assert not (tmp_path / "st").exists()


def test_a_sweep_point_must_validate_as_a_whole(tmp_path: Path) -> None:
    """A swept value is checked with the fields it depends on (the group's width here),
    before any run."""
    doc = base_doc()
    doc["raid"]["wave"]["spread"] = "90 km"
    scn = write(tmp_path, doc)
    r = run_samsim(
        "study",
        scn,
        "--runs",
        "1",
        "--workers",
        "0",
        "--out",
        tmp_path / "st",
        "--sweep",
        "raid.wave=4,9",
    )
    assert_input_error(r, "wide")
    assert not (tmp_path / "st").exists()


def test_kml_links_nothing_outside_the_file(tmp_path: Path) -> None:
    """Issue 15 item 11: the KML linked an icon on maps.google.com."""
    from tests.web.runfactory import make_run

    run = make_run(tmp_path / "run")
    r = run_samsim("export", run, "--kml", tmp_path / "r.kml", "--czml", tmp_path / "r.czml")
    assert r.code == 0, r.err
    import re

    for f in ("r.kml", "r.czml"):
        urls = set(re.findall(r"https?://[^\s\"'<>]+", (tmp_path / f).read_text()))
        assert urls <= {"http://www.opengis.net/kml/2.2", "http://www.google.com/kml/ext/2.2"}, urls


# --------------------------------------------------------------- inputs that never end
@pytest.mark.parametrize(
    ("path", "value", "needle"),
    [
        (("units", "bn", "command_post", "cycle_s"), "1e-9 s", "cycle_s"),
        (("units", "bn", "radars", "fcr", "scan_period_s"), "1e-9 s", "scan_period_s"),
        (("units", "bn", "radars", "fcr", "bandwidth_hz"), "100 GHz", "false alarms"),
        (("units", "bn", "radars", "acq", "beamwidth_az_rad"), "1e-9 rad", "false alarms"),
    ],
)
def test_inputs_that_would_run_without_end_are_refused(
    tmp_path: Path, path: tuple[str, ...], value: str, needle: str
) -> None:
    """A decision cycle or a scan of a nanosecond, or billions of resolution cells each
    able to raise a false alarm, validated and then ran for hours."""
    doc = base_doc()
    _set(doc, path, value)
    assert_input_error(run_samsim("validate", write(tmp_path, doc)), needle, "Fix:")


# ------------------------------------------------------------------------ the server
@pytest.fixture
def viewer(tmp_path: Path) -> Iterator[Any]:
    from samsim.web.server import make_server
    from tests.web.runfactory import make_run

    srv = make_server(make_run(tmp_path / "run"), port=0)
    t = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    t.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def _raw(srv: Any, data: bytes, timeout: float = 10.0) -> bytes:
    """Send ``data`` on a new connection and read until the server closes it."""
    host, port = srv.server_address[:2]
    with socket.create_connection((host, port), timeout=timeout) as s:
        s.sendall(data)
        chunks = []
        while chunk := s.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def _status(response: bytes) -> int:
    return int(response.split(b" ", 2)[1])


def test_server_answers_oversized_paths_and_headers_and_keeps_serving(
    viewer: Any, capfd: pytest.CaptureFixture[str]
) -> None:
    """Issue 15 item 8: a request with an 8 KB path segment got no response and a
    traceback on the server."""
    seg = "a" * 8192
    for path, expected in (
        (f"/run/0/{seg}", {404, 414}),
        (f"/static/{seg}", {404, 414}),
        ("/" + "x/" * 3000, {414}),
    ):
        resp = _raw(viewer, f"GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n".encode())
        assert _status(resp) in expected, resp[:200]
    big = b"GET / HTTP/1.1\r\nHost: localhost\r\n" + b"X-Pad: " + b"p" * 40000 + b"\r\n\r\n"
    assert _status(_raw(viewer, big)) == 431
    many = b"GET / HTTP/1.1\r\nHost: localhost\r\n" + b"X-A: b\r\n" * 3000 + b"\r\n"
    assert _status(_raw(viewer, many)) == 431
    assert _status(_raw(viewer, b"GET " + b"/x" * 40000 + b" HTTP/1.1\r\n\r\n")) == 414
    ok = _raw(viewer, b"GET /api/runs HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
    assert _status(ok) == 200
    captured = capfd.readouterr()
    assert "Traceback" not in captured.err, captured.err


def test_server_drops_idle_connections_and_bounds_its_threads(
    viewer: Any, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    """Issue 15 item 8: 500 half-sent requests held 507 threads indefinitely. Each
    connection is now dropped when idle (the limit shortened here from 10 s), and at most
    MAX_CONNECTIONS are served at once."""
    from samsim.web import server as web

    monkeypatch.setattr(web._Handler, "timeout", 0.5)
    host, port = viewer.server_address[:2]
    before = threading.active_count()
    socks = []
    for _ in range(150):
        s = socket.create_connection((host, port), timeout=10)
        s.sendall(b"GET /api/runs HTTP/1.1\r\nHost: local")  # never finished
        socks.append(s)
    time.sleep(0.2)
    assert threading.active_count() - before <= web.MAX_CONNECTIONS
    # Each is closed by the server after its idle time (recv returns b"" at EOF).
    for s in socks:
        s.settimeout(10)
        assert s.recv(100) == b""
        s.close()
    deadline = time.monotonic() + 10
    while threading.active_count() > before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert threading.active_count() <= before
    resp = _raw(viewer, b"GET /api/runs HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
    assert _status(resp) == 200
    assert "Traceback" not in capfd.readouterr().err


def test_server_is_quiet_about_clients_that_go_away(
    viewer: Any, capfd: pytest.CaptureFixture[str]
) -> None:
    """Issue 15 item 8: 500 closed connections printed 500 BrokenPipe tracebacks."""
    host, port = viewer.server_address[:2]
    for _ in range(30):
        s = socket.create_connection((host, port), timeout=10)
        # Ask for the largest document, then reset the connection before reading it.
        s.sendall(b"GET /api/replay?run=0 HTTP/1.1\r\nHost: localhost\r\n\r\n")
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        s.close()
    time.sleep(1.0)
    resp = _raw(viewer, b"GET /api/runs HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
    assert _status(resp) == 200
    err = capfd.readouterr().err
    assert "Traceback" not in err and "BrokenPipe" not in err and "Reset" not in err, err


def test_seeds_beyond_64_bits_are_refused_before_any_run(tmp_path: Path) -> None:
    """A study with --first-seed 1e23 crashed (exit 70) writing its results; seeds are now
    whole numbers up to 2**63 - 1, for `run` too."""
    scn = write(tmp_path, SMALL_SCENARIO)
    huge = str(10**23)
    r = run_samsim(
        "study",
        scn,
        "--runs",
        "1",
        "--workers",
        "0",
        "--first-seed",
        huge,
        "--out",
        tmp_path / "st",
    )
    assert r.code == 2 and "Traceback" not in r.err and "first-seed" in r.err, r.err
    r = run_samsim(
        "study",
        scn,
        "--runs",
        "3",
        "--workers",
        "0",
        "--first-seed",
        str(2**63 - 2),
        "--out",
        tmp_path / "st",
    )
    assert_input_error(r, "largest seed")
    r = run_samsim("run", scn, "--seed", huge, "--out", tmp_path / "r")
    assert r.code == 2 and "--seed" in r.err, r.err
    assert not (tmp_path / "st").exists() and not (tmp_path / "r").exists()
