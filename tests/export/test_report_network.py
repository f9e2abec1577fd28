"""The report's timeline of the defence's nodes (emission windows, losses)."""

from __future__ import annotations

from pathlib import Path

from samsim import simulate
from samsim.export.report import build_report, network_figure
from samsim.export.rundir import RunData
from tests.engine.test_arm_emcon import scenario


def test_the_report_shows_emission_windows_and_node_losses(tmp_path: Path) -> None:
    run = simulate(scenario("{mode: windows, windows: [[0, 50], [80, 400]]}"), seed=0)
    run.write(tmp_path / "run")
    data = RunData(tmp_path / "run")
    fig = network_figure(data)
    assert fig is not None
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["gs1"]
    # two emission bars (before and after the dark window) and the loss marker
    assert len(ax.patches) == 2
    assert "The defence under attack" in build_report(tmp_path / "run")


def test_no_timeline_when_nothing_happens_to_the_nodes(tmp_path: Path) -> None:
    run = simulate(scenario(arm="harm_class", count=1).model_copy(update={"raid": {}}), seed=0)
    run.write(tmp_path / "run")
    assert network_figure(RunData(tmp_path / "run")) is None
