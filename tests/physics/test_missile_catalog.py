"""The missile catalogue: format, sources, validation errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from samsim.errors import InputError
from samsim.physics.missile import (
    CONFIDENCE_LEVELS,
    MissileSpec,
    load_missile_catalog,
    missile_figure_sources,
)

NAMES = {"40N6E", "48N6E3", "48N6E2", "9M96E2", "9M96E", "57E6", "9M338"}


def test_catalogue_has_the_s400_and_point_defence_missiles_with_every_field_sourced() -> None:
    cat = load_missile_catalog()
    assert set(cat) == NAMES
    src = missile_figure_sources()
    figure_fields = set(MissileSpec.model_fields) - {"name", "description"}
    for name, spec in cat.items():
        assert spec.name == name and spec.description
        assert set(src[name]) == figure_fields, name
        for field, (source, confidence) in src[name].items():
            assert confidence in CONFIDENCE_LEVELS and source.strip(), (name, field)


def test_published_figures_and_units() -> None:
    cat = load_missile_catalog()
    src = missile_figure_sources()
    assert cat["48N6E3"].max_range_m == 250e3
    assert src["48N6E3"]["max_range_m"][1] == "official"
    assert cat["40N6E"].max_range_m == 400e3
    assert cat["9M96E"].max_range_m == 40e3
    assert cat["48N6E3"].structural_accel_limit_mps2 == pytest.approx(25 * 9.80665)
    assert all(s.cd0_mach_table[0][0] == 0.0 for s in cat.values())
    # everything without a public source is labelled notional
    assert src["48N6E3"]["boost_thrust_n"][1] == "notional"


def _write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "m.yaml"
    p.write_text(text)
    return p


def test_errors_name_file_line_field_and_fix(tmp_path: Path) -> None:
    good = Path(__file__).resolve().parents[2] / "src/samsim/scenario/catalog/missiles.yaml"
    text = good.read_text().replace("pk_nominal: {value: 0.8,", "pk_nominal: {value: 1.8,", 1)
    with pytest.raises(InputError) as exc:
        load_missile_catalog(_write(tmp_path, text))
    msg = str(exc.value)
    assert "pk_nominal" in msg and "m.yaml:" in msg and "Fix:" in msg
    line = int(msg.split("m.yaml:")[1].split(":")[0])
    assert "pk_nominal" in text.splitlines()[line - 1]


def test_missing_figure_and_bad_confidence(tmp_path: Path) -> None:
    p = _write(
        tmp_path,
        "X:\n  description: x\n  figures:\n"
        "    mass_launch_kg: {value: 1 t, source: s, confidence: rumour}\n",
    )
    with pytest.raises(InputError, match="confidence 'rumour'"):
        load_missile_catalog(p)
    p = _write(
        tmp_path,
        "X:\n  description: x\n  figures:\n"
        "    mass_launch_kg: {value: 1 t, source: s, confidence: notional}\n",
    )
    with pytest.raises(InputError, match="boost_thrust_n"):
        load_missile_catalog(p)
    with pytest.raises(InputError, match="not found"):
        load_missile_catalog(tmp_path / "nope.yaml")


def test_spec_rejects_inconsistent_figures() -> None:
    spec = load_missile_catalog()["9M96E"]
    data = spec.model_dump()
    with pytest.raises(ValueError, match="propellant"):
        MissileSpec(**{**data, "boost_propellant_kg": 400.0})
    with pytest.raises(ValueError, match="strictly increasing"):
        MissileSpec(**{**data, "cd0_mach_table": [[1.0, 0.3], [0.5, 0.3]]})
    with pytest.raises(ValueError, match="extra"):
        MissileSpec(**{**data, "colour": "green"})


def test_duplicate_keys_are_reported(tmp_path: Path) -> None:
    p = _write(tmp_path, "X:\n  description: a\nX:\n  description: b\n")
    with pytest.raises(InputError, match=r"m.yaml:3:\d+: field 'X'.*appears twice"):
        load_missile_catalog(p)
