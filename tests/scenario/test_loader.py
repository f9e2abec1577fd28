"""Bad input gets a clear error naming the file, line, field and fix."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from samsim.errors import ScenarioError
from samsim.scenario.loader import load_scenario, load_scenario_text
from tests.conftest import subprocess_env


def _error(text: str) -> ScenarioError:
    with pytest.raises(ScenarioError) as exc:
        load_scenario_text(text, "scn.yaml")
    return exc.value


def _line_of(text: str, needle: str) -> int:
    for i, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return i
    raise AssertionError(needle)


def test_small_scenario_loads(small_text: str) -> None:
    sc = load_scenario_text(small_text)
    assert sc.name == "small"
    assert sc.duration == 600.0
    assert sc.assets["town"].radius == 1000.0


def test_wrong_type(small_text: str) -> None:
    text = small_text.replace("duration: 10 min", "duration: soon")
    err = _error(text)
    (issue,) = err.issues
    assert issue.field == "duration"
    assert issue.line == _line_of(text, "duration: soon")
    msg = str(err)
    assert msg.startswith(f"scn.yaml:{issue.line}:")
    assert "duration" in msg and "Fix:" in msg


def test_missing_field(small_text: str) -> None:
    text = small_text.replace(", value: 50", "")
    err = _error(text)
    (issue,) = err.issues
    assert issue.field == "assets.town.value"
    assert "required" in issue.message
    assert issue.fix == "add this field"
    assert issue.line == _line_of(text, "town:")


def test_unknown_catalogue_name(small_text: str) -> None:
    text = small_text.replace("type: 91N6E", "type: 91N6X")
    err = _error(text)
    (issue,) = err.issues
    assert issue.field == "units.bn.radars.acq.type"
    assert "unknown radar '91N6X'" in issue.message
    assert "91N6E" in issue.fix and "92N6E" in issue.fix
    assert issue.line == _line_of(text, "91N6X")


def test_negative_value(small_text: str) -> None:
    text = small_text.replace("radius: 1 km", "radius: -1 km")
    err = _error(text)
    (issue,) = err.issues
    assert issue.field == "assets.town.radius"
    assert "> 0" in issue.fix
    assert issue.line == _line_of(text, "radius: -1 km")


def test_negative_override_of_a_catalogue_figure(small_text: str) -> None:
    text = small_text.replace("{type: 92N6E,", "{type: 92N6E, instrumented_range_m: -5 km,")
    err = _error(text)
    assert any(i.field.endswith("instrumented_range_m") for i in err.issues)


def test_malformed_yaml(small_text: str) -> None:
    text = small_text.replace("  town: {position", "  town {position")
    err = _error(text)
    (issue,) = err.issues
    assert "malformed YAML" in issue.message
    assert issue.line is not None
    assert "indentation" in issue.fix


def test_unknown_field_suggests_schema(small_text: str) -> None:
    text = small_text.replace("duration: 10 min", "duration: 10 min\nspeed_of_light: 3")
    (issue,) = _error(text).issues
    assert issue.field == "speed_of_light"
    assert "samsim schema" in issue.fix


def test_unknown_threat_type_and_asset(small_text: str) -> None:
    text = small_text.replace("threat: cm", "threat: tomahawk").replace(
        "target: town", "target: city"
    )
    err = _error(text)
    fields = {i.field for i in err.issues}
    assert "raid.wave.threat" in fields


def test_unknown_missile_in_load(small_text: str) -> None:
    text = small_text.replace("{48N6E3: 4}", "{48N6X: 4}")
    (issue,) = _error(text).issues
    assert issue.field == "units.bn.launchers.l1.load.48N6X"
    assert "48N6E3" in issue.fix


def test_overfull_launcher(small_text: str) -> None:
    text = small_text.replace("{48N6E3: 4}", "{48N6E3: 6}")
    (issue,) = _error(text).issues
    assert "slots" in issue.message


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="file not found"):
        load_scenario(tmp_path / "nope.yaml")
    with pytest.raises(ScenarioError, match="directory"):
        load_scenario(tmp_path)


def test_top_level_must_be_a_mapping() -> None:
    (issue,) = _error("- just\n- a list\n").issues
    assert "mapping" in issue.message


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("duration: 10 min", "duration: soon"),
        ("type: 91N6E", "type: 91N6X"),
        ("radius: 1 km", "radius: -1 km"),
        ("  town: {position", "  town {position"),
        (", value: 50", ""),
    ],
)
def test_cli_reports_without_traceback(tmp_path: Path, small_text: str, old: str, new: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(small_text.replace(old, new))
    for cmd in ("validate", "run"):
        proc = subprocess.run(
            [sys.executable, "-m", "samsim.cli", cmd, str(path)],
            capture_output=True,
            env=subprocess_env(),
            text=True,
            timeout=120,
            cwd=tmp_path,
        )
        assert proc.returncode == 2, proc.stderr
        assert "Traceback" not in proc.stderr
        assert f"{path}:" in proc.stderr
        assert "Fix:" in proc.stderr


@pytest.mark.parametrize(
    "path",
    sorted((Path(__file__).parents[2] / "src/samsim/scenario/catalog").glob("*.yaml"))
    + sorted((Path(__file__).parents[2] / "examples").glob("*.yaml")),
    ids=lambda p: p.name,
)
def test_libyaml_and_pure_python_loaders_agree(path: Path) -> None:
    """The fast (libyaml) loader gives the same values and source positions as PyYAML's
    pure-Python one, which still reports malformed files (its messages name a tab or an
    undefined alias)."""
    import yaml

    from samsim.scenario import yamlsource

    text = path.read_text()
    fast = yamlsource._load(text, str(path), yamlsource._Loader)
    pure = yamlsource._load(text, str(path), yaml.SafeLoader)
    assert fast[0] == pure[0]
    assert fast[1].positions == pure[1].positions
    with pytest.raises(ScenarioError, match="undefined alias 'y'"):
        yamlsource.load_yaml_text("a: &x 1\nb: *y\n")
