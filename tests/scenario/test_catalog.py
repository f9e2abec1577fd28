from __future__ import annotations

import pytest

from samsim.errors import ScenarioError
from samsim.scenario.catalog import CONFIDENCES, load_catalog, load_section
from samsim.scenario.specs import RadarSpec


def test_every_entry_validates_and_every_figure_is_sourced() -> None:
    cat = load_catalog()
    assert set(cat.sections) == {"radars", "launchers", "command_posts", "missiles", "threats"}
    for section, entries in cat.sections.items():
        assert entries, section
        for name, entry in entries.items():
            fields = set(type(entry.spec).model_fields) - {"name", "description"}
            assert set(entry.figures) == fields, (section, name, fields ^ set(entry.figures))
            for key, fig in entry.figures.items():
                assert fig.source.strip(), (section, name, key)
                assert fig.confidence in CONFIDENCES


def test_public_figures_are_in_the_catalogue() -> None:
    cat = load_catalog()
    assert cat["radars"]["91N6E"].spec.instrumented_range_m == 600e3
    gs = cat["radars"]["92N6E"].spec
    assert (gs.target_channels, gs.missile_channels) == (10, 20)
    assert cat["command_posts"]["55K6E"].spec.max_targets == 36
    assert cat["command_posts"]["55K6E"].spec.max_missiles == 72
    assert cat["threats"]["subsonic_cruise_missile"].spec.speed_mps == pytest.approx(245.0)
    classes = {"40N6E": 400e3, "48N6E3": 250e3, "48N6E2": 200e3, "9M96E2": 120e3, "9M96E": 40e3}
    for name, rng in classes.items():
        assert cat["missiles"][name].spec.max_range_m == pytest.approx(rng), name


def test_notional_figures_are_labelled() -> None:
    cat = load_catalog()
    fig = cat["radars"]["91N6E"].figures["peak_power_w"]
    assert fig.confidence == "notional"


def test_bad_catalogue_file_is_located(tmp_path) -> None:  # type: ignore[no-untyped-def]
    p = tmp_path / "radars.yaml"
    p.write_text("X:\n  figures:\n    role: {value: acquisition, source: s, confidence: rumour}\n")
    with pytest.raises(ScenarioError) as exc:
        load_section(p, RadarSpec)
    text = str(exc.value)
    assert "rumour" in text and ":3:" in text


# -- ranges --------------------------------------------------------------------------------

_RADAR_BODY = """\
X:
  figures:
{figs}
"""


def _radar_file(tmp_path, extra: str):  # type: ignore[no-untyped-def]
    """A radar entry copied from the packaged 92N6E with one figure line replaced."""
    from samsim.scenario.catalog import catalog_dir

    lines = (catalog_dir() / "radars.yaml").read_text().splitlines()
    start = lines.index("92N6E:")
    body = []
    for line in lines[start + 1 :]:
        if line and not line.startswith(" "):
            break
        body.append(line)
    key = extra.split(":", 1)[0].strip()
    body = [ln if not ln.strip().startswith(f"{key}:") else f"    {extra}" for ln in body]
    p = tmp_path / "radars.yaml"
    p.write_text("X:\n" + "\n".join(body) + "\n")
    return p


def test_range_is_parsed_with_the_figure_units(tmp_path) -> None:  # type: ignore[no-untyped-def]
    p = _radar_file(
        tmp_path,
        'peak_power_w: {value: 90 kW, source: "n", confidence: notional, range: [45 kW, 180 kW]}',
    )
    entry = load_section(p, RadarSpec)["X"]
    assert entry.figures["peak_power_w"].range == (45e3, 180e3)
    assert entry.figures["losses_db"].range is None


@pytest.mark.parametrize(
    ("figure", "message"),
    [
        ("range: [180 kW, 45 kW]", "must be below"),
        ("range: [100 kW, 180 kW]", "outside its range"),
        ("range: [45 kW]", "two values"),
        ("range: [45 kW, 3 furlongs]", "range"),
        ("rnage: [45 kW, 180 kW]", "optional range"),
    ],
)
def test_bad_range_is_located(tmp_path, figure: str, message: str) -> None:  # type: ignore[no-untyped-def]
    p = _radar_file(
        tmp_path, f'peak_power_w: {{value: 90 kW, source: "n", confidence: notional, {figure}}}'
    )
    with pytest.raises(ScenarioError) as exc:
        load_section(p, RadarSpec)
    text = str(exc.value)
    assert message in text and "peak_power_w" in text
    line = next(i + 1 for i, ln in enumerate(p.read_text().splitlines()) if "peak_power_w" in ln)
    assert f":{line}:" in text


def test_not_applicable_figures_are_marked() -> None:
    cat = load_catalog()
    cm = cat["threats"]["subsonic_cruise_missile"].figures
    assert not cm["burn_time_s"].applicable
    assert cm["rcs_m2"].applicable
