"""The HTML report of a saturation and of a sensitivity study: curves, tornado, and a
sentence per figure stating what it measured."""

from __future__ import annotations

from pathlib import Path

import pytest

from samsim.export.report import build_report
from samsim.scenario.loader import load_scenario_text
from samsim.scenario.models import Scenario
from samsim.study.design import run_design
from samsim.study.saturation import Saturation
from samsim.study.sensitivity import Sensitivity
from tests.conftest import SMALL_SCENARIO
from tests.study.standin import standin_batch


@pytest.fixture
def small() -> Scenario:
    return load_scenario_text(SMALL_SCENARIO, "small.yaml")


def test_report_of_a_saturation_study(small: Scenario, tmp_path: Path) -> None:
    out = tmp_path / "sat"
    run_design(
        small, Saturation(small, "cm", "2:20", runs=3, max_runs=24), out=out, workers=0,
        runner=standin_batch,
    )  # fmt: skip
    text = build_report(out)
    assert "<h2>Study: saturation curve</h2>" in text
    assert "break point" in text and "placed adaptively" in text
    table = text.split("<table>", 1)[1].split("</table>", 1)[0]
    sizes = {int(v) for v in __import__("re").findall(r'<tr><td class="num ">(\d+)</td>', table)}
    assert {2, 20} <= sizes and table.count("<tr>") == 1 + len(sizes)
    assert text.count("data:image/png;base64,") == 1
    assert "P(at least one leaker), the fraction of runs in which a threat reached" in text


def test_report_of_a_sensitivity_study(small: Scenario, tmp_path: Path) -> None:
    out = tmp_path / "sens"
    design = Sensitivity(small, runs=3, figures=["rcs_m2", "92N6E.losses_db"])
    run_design(small, design, out=out, workers=0, runner=standin_batch)
    text = build_report(out)
    assert "<h2>Study: sensitivity to the catalogue&#x27;s figures</h2>" in text
    table = text.split("<table>", 1)[1].split("</table>", 1)[0]
    assert table.count("<tr>") == 1 + 2
    assert "subsonic_cruise_missile.rcs_m2" in table
    assert text.count("data:image/png;base64,") == 2
    assert "The change in leakers per run when each figure is set to its low" in text
    assert "The change in interceptors per kill" in text
