"""The HTML report: self-contained, complete (every threat, every interceptor), printable."""

from __future__ import annotations

import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest

from samsim.export.report import build_report, write_report
from samsim.export.rundir import RunData, RunDirError


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.cells: list[str] = []
        self.tags: list[str] = []
        self._in_td = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        for k, v in attrs:
            if k in ("src", "href", "srcset", "data", "action", "poster") and v is not None:
                self.urls.append(v)
        self._in_td = tag == "td"

    def handle_data(self, data: str) -> None:
        if self._in_td:
            self.cells.append(data.strip())

    def handle_endtag(self, tag: str) -> None:
        if tag == "td":
            self._in_td = False


@pytest.fixture(scope="module")
def report(run_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    out = tmp_path_factory.mktemp("report") / "r.html"
    write_report(run_dir, out)
    return out.read_text(encoding="utf-8"), out


def test_report_is_self_contained(report: tuple[str, Path]) -> None:
    text, _ = report
    p = _Collect()
    p.feed(text)
    assert "img" in p.tags and "style" in p.tags and "script" not in p.tags
    assert p.urls, "expected inline images"
    assert all(u.startswith("data:image/png;base64,") for u in p.urls), p.urls
    # nothing that a browser would fetch: no http(s)/protocol-relative URLs, imports, fonts
    assert not re.search(r"(?i)(src|href)\s*=\s*[\"']?\s*(https?:)?//", text)
    assert not re.search(r"(?i)url\(\s*[\"']?(https?:)?//", text)
    assert "@import" not in text and "<link" not in text


def test_report_lists_every_threat_and_interceptor(report: tuple[str, Path], run_dir: Path) -> None:
    text, _ = report
    run = RunData(run_dir)
    p = _Collect()
    p.feed(text)
    cells = set(p.cells)
    for name in run.threat_names:
        assert name in cells, name
    for row in run.interceptors:
        assert row["missile_type"] in cells
    # the engagement table has one row per interceptor (its id in the first cell)
    eng = text.split("<h3>Engagements</h3>", 1)[1].split("</table>", 1)[0]
    ids = re.findall(r"<tr><td class=\"num \">(\d+)</td>", eng)
    assert sorted(int(i) for i in ids) == [r["id"] for r in run.interceptors]
    for word in ("Threat timelines", "Detection ranges", "Map", "Outcome by threat type"):
        assert word in text


def test_report_says_what_decides_a_kill(report: tuple[str, Path], run_dir: Path) -> None:
    """A miss of a few centimetres marked "miss" is explained: the engagements table gives
    each intercept's Pk, and a note names the lethality model of every type fired."""
    text, _ = report
    assert "What decides a kill" in text
    assert "Pk at that miss" in text
    fired = {r["missile_type"] for r in RunData(run_dir).interceptors}
    note = text.split("What decides a kill", 1)[1].split("</p>", 1)[0]
    for name in fired:
        assert f"{name}:" in note, name
    assert "at a zero miss" in note


def test_report_has_a_print_stylesheet(report: tuple[str, Path]) -> None:
    text, _ = report
    assert "@media print" in text and "@page" in text


def test_report_of_a_folder_of_runs(run_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "runs" / "viewer_fixture"
    for seed in ("0", "1"):
        shutil.copytree(run_dir, folder / seed)
    text = build_report(folder)
    assert "Runs (2)" in text
    assert "Pooled over 2 runs" in text and "Wilson" in text
    assert text.count('<section class="run">') == 2


def test_report_of_nothing_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(RunDirError):
        write_report(tmp_path)


@pytest.mark.slow
def test_report_of_a_study(tmp_path: Path) -> None:
    """Outcome-against-sweep table and one figure per (outcome, swept parameter)."""
    import copy

    import yaml

    from samsim.study import run_study
    from tests.web.runfactory import SCENARIO

    sc = copy.deepcopy(SCENARIO)
    sc["duration"] = "10 min"
    path = tmp_path / "sc.yaml"
    path.write_text(yaml.safe_dump(sc))
    out = tmp_path / "study"
    run_study(
        path, runs=2, out=out, workers=0, sweep={"units.bn1.command_post.doctrine.salvo": [1, 2]}
    )
    text = build_report(out)
    assert "Study: outcomes against the swept parameters" in text
    table = text.split("</table>", 1)[0]
    assert table.count("<tr>") == 1 + 2  # header and two sweep points
    assert text.count("data:image/png;base64,") >= 7


# ------------------------------------------------------------------ figures


def _boxes(fig, ax):
    from matplotlib.text import Annotation

    renderer = fig.canvas.get_renderer()
    return [
        a.get_window_extent(renderer)
        for a in ax.texts
        if isinstance(a, Annotation) and a.get_text()
    ]


def test_map_labels_do_not_overlap_and_the_legend_is_inside(run_dir: Path) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from samsim.export.report import map_figure

    run = RunData(run_dir)
    fig = map_figure(run, None)
    FigureCanvasAgg(fig)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    for ax in fig.axes:
        boxes = _boxes(fig, ax)
        frame = ax.get_window_extent(renderer)
        for i, b in enumerate(boxes):
            assert frame.x0 - 1 <= b.x0 and b.x1 <= frame.x1 + 1, "a label leaves its panel"
            for other in boxes[i + 1 :]:
                assert not b.overlaps(other), "two labels overlap"
    # the defended-area panel names every asset and radar
    names = {t.get_text() for t in fig.axes[1].texts}
    assert {s.name for s in run.sites() if s.kind in ("asset", "radar")} <= names
    assert fig.legends, "no legend"
    legend = fig.legends[0].get_window_extent(renderer)
    whole = fig.bbox
    assert whole.x0 <= legend.x0 and legend.x1 <= whole.x1 and whole.y0 <= legend.y0
    for ax in fig.axes:
        assert not legend.overlaps(ax.get_window_extent(renderer))
    labels = {t.get_text() for t in fig.legends[0].get_texts()}
    assert {"threat, killed", "interceptor", "radar", "defended asset"} <= labels


def test_gantt_legend_hides_no_row(run_dir: Path) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from samsim.export.report import gantt_figure

    fig = gantt_figure(RunData(run_dir))
    FigureCanvasAgg(fig)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    (ax,) = fig.axes
    legend = ax.get_legend().get_window_extent(renderer)
    assert legend.y0 >= ax.get_window_extent(renderer).y1 - 1  # above the rows
    assert legend.y1 <= fig.bbox.y1 + 1  # and inside the figure
