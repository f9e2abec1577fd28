from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from samsim.scenario.loader import load_scenario_text, resolve
from samsim.scenario.models import Scenario
from samsim.study import load_results
from samsim.study.design import run_design
from samsim.study.sensitivity import (
    Sensitivity,
    apply_figure,
    default_range,
    figures_to_sweep,
    plot_tornado,
    sensitivity,
    tornado_table,
    unexercised,
)
from samsim.study.sweep import StudyError
from samsim.units import Mach
from tests.study.standin import standin_batch


def test_default_rule() -> None:
    assert default_range("peak_power_w", 90e3) == pytest.approx((60e3, 135e3))
    lo, hi = default_range("losses_db", 8.0)  # type: ignore[misc]
    assert (lo, hi) == pytest.approx((8 - 1.7609, 8 + 1.7609), abs=1e-4)
    assert default_range("pfa", 1e-6) == pytest.approx((1e-7, 1e-5))
    assert default_range("tracking_pd", 0.9) == pytest.approx((0.8, 0.95))
    assert default_range("n_pulses", 10) == (6, 15)
    assert default_range("cue_window_max_beams", 1) == (0, 2)
    assert default_range("elevation_min_rad", -0.01) == pytest.approx((-0.015, -0.01 / 1.5))
    low, high = default_range("speed_mps", Mach(2.0))  # type: ignore[misc]
    assert (low.number, high.number) == pytest.approx((2 / 1.5, 3.0))
    assert default_range("sustain_thrust_n", 0.0) is None
    assert default_range("swerling", 1) is None


def test_figures_to_sweep_small(small: Scenario) -> None:
    targets, skipped = figures_to_sweep(small)
    names = {t.name for t in targets}
    assert (
        "radars.92N6E.peak_power_w" in names and "threats.subsonic_cruise_missile.rcs_m2" in names
    )
    assert "missiles.48N6E3.lethal_radius_m" in names
    # community and official figures are left alone unless asked for
    assert "radars.92N6E.target_channels" not in names
    # the cruise missile's ballistic figures are not applicable
    assert (
        "threats.subsonic_cruise_missile.burn_time_s",
        "not applicable to this entry",
    ) in skipped
    rcs = next(t for t in targets if t.name == "threats.subsonic_cruise_missile.rcs_m2")
    assert (rcs.low, rcs.high, rcs.rule) == (pytest.approx(0.01), pytest.approx(1.0), "catalogue")
    only, _ = figures_to_sweep(small, figures=["rcs_m2", "92N6E.losses_db"])
    assert [t.name for t in only] == [
        "radars.92N6E.losses_db",
        "threats.subsonic_cruise_missile.rcs_m2",
    ]
    both, _ = figures_to_sweep(small, sections=["command_posts"], figures=["92N6E.losses_db"])
    # the radar figure and the command post's seven notional figures: cycle, reaction,
    # kill assessment delay, the two assessment probabilities, decoy recognition and
    # false decoys
    assert {t.section for t in both} == {"radars", "command_posts"} and len(both) == 8
    named, _ = figures_to_sweep(small, figures=["radars.92N6E.target_channels"])
    assert [t.name for t in named] == ["radars.92N6E.target_channels"]  # named: any label
    wild, _ = figures_to_sweep(small, figures=["92N6E.*_db"])
    assert {t.name for t in wild} == {
        "radars.92N6E.antenna_gain_db",
        "radars.92N6E.noise_figure_db",
        "radars.92N6E.losses_db",
        "radars.92N6E.clutter_gamma_db",
        "radars.92N6E.mti_improvement_db",
        "radars.92N6E.sidelobe_level_db",
    }
    community, _ = figures_to_sweep(small, sections=["radars"], confidences=["community"])
    assert {t.confidence for t in community} == {"community"}


def test_figures_to_sweep_errors(small: Scenario) -> None:
    with pytest.raises(StudyError, match="--section 'sensors' is unknown"):
        figures_to_sweep(small, sections=["sensors"])
    with pytest.raises(StudyError, match=r"Did you mean .*peak_power_w"):
        figures_to_sweep(small, figures=["92N6E.peak_powr_w"])
    with pytest.raises(StudyError, match="--confidence"):
        figures_to_sweep(small, confidences=["rumour"])
    with pytest.raises(StudyError, match="no figure to sweep"):
        figures_to_sweep(small, sections=["command_posts"], confidences=["press"])


def test_apply_figure_sets_every_site_but_keeps_overrides(small_text: str) -> None:
    text = small_text.replace(
        "      l2: {position: {lat: 40.06, lon: -40.02}, load: {9M96E2: 4}}\n",
        "      l2: {position: {lat: 40.06, lon: -40.02}, load: {9M96E2: 4}}\n"
        "      l3: {position: {lat: 40.07, lon: -40.02}, load: {48N6E3: 4}, "
        "launch_interval_s: 5 s}\n",
    )
    sc = load_scenario_text(text, "s.yaml")
    out = apply_figure(sc, "launchers", "5P85SE2", "launch_interval_s", 2.0)
    res = resolve(out)
    got = {k[1]: s.launch_interval_s for k, s in res.launchers.items()}
    assert got == {"l1": 2.0, "l2": 2.0, "l3": 5.0}
    m = apply_figure(sc, "missiles", "48N6E3", "lethal_radius_m", 12.0)
    assert resolve(m).missiles["48N6E3"].lethal_radius_m == 12.0
    assert (
        resolve(m).missiles["9M96E2"].lethal_radius_m
        == resolve(sc).missiles["9M96E2"].lethal_radius_m
    )
    r = apply_figure(sc, "radars", "92N6E", "losses_db", 9.0)
    assert resolve(r).radars[("bn", "fcr")].losses_db == 9.0
    t = apply_figure(sc, "threats", "subsonic_cruise_missile", "rcs_m2", 1.0)
    assert resolve(t).threats["cm"].rcs_m2 == 1.0
    c = apply_figure(sc, "command_posts", "55K6E", "reaction_time_s", 3.0)
    assert resolve(c).command_posts["bn"].reaction_time_s == 3.0


def test_sensitivity_finds_the_figure_that_matters(small: Scenario, tmp_path: Path) -> None:
    """The stand-in run function responds to the threat's RCS (a larger RCS is detected
    more often) and to nothing else of the catalogue: with common seeds, every other
    figure's effect is exactly zero, and the RCS comes first."""
    t = sensitivity(
        small,
        runs=6,
        sections=["threats", "command_posts"],
        out=tmp_path / "sens",
        workers=0,
        runner=standin_batch,
    )
    rows = t.to_pylist()
    assert rows[0]["figure"] == "threats.subsonic_cruise_missile.rcs_m2"
    assert rows[0]["importance_leaked"] > 0
    assert rows[0]["d_leaked_high"] <= 0 <= rows[0]["d_leaked_low"]  # more RCS, fewer leakers
    for r in rows[1:]:
        for level in ("low", "high"):
            d, lo, hi = (r[f"d_leaked_{level}{s}"] for s in ("", "_lo", "_hi"))
            if not math.isnan(d):
                assert d == lo == hi == 0.0, r["figure"]
    assert {r["runs"] for r in rows} == {6}
    meta = t.schema.metadata
    assert meta is not None and float(meta[b"base_leaked"]) >= 0
    files = plot_tornado(t, tmp_path / "plots", "small")
    assert [f.name for f in files] == ["tornado_leaked.png", "tornado_interceptors_per_kill.png"]
    res = load_results(tmp_path / "sens")
    assert set(res.column("level").to_pylist()) == {"base", "low", "high"}
    n_points = 1 + sum((r["low_value"] is not None) + (r["high_value"] is not None) for r in rows)
    assert res.num_rows == 6 * n_points


def test_sensitivity_resumes_and_extends(small: Scenario, tmp_path: Path) -> None:
    design = Sensitivity(small, runs=3, figures=["rcs_m2", "92N6E.losses_db"])
    d = tmp_path / "s"
    first = run_design(small, design, out=d, workers=0, batch_size=1, runner=standin_batch)
    assert first.completed == 15
    for p in sorted((d / "results").rglob("part-*.parquet"))[::3]:
        p.unlink()
    again = run_design(small, design, out=d, workers=0, runner=standin_batch)
    assert again.completed == 15 - again.skipped and again.completed > 0
    more = Sensitivity(small, runs=5, figures=["rcs_m2", "92N6E.losses_db"])
    ext = run_design(small, more, out=d, workers=0, runner=standin_batch)
    assert ext.completed == 10 and load_results(d).num_rows == 25
    table = tornado_table(ext.table, more.targets)
    assert table.num_rows == 2 and set(table.column("runs").to_pylist()) == {5}
    with pytest.raises(StudyError, match="different study"):
        run_design(small, Sensitivity(small, runs=3, figures=["rcs_m2"]), out=d, workers=0,
                   runner=standin_batch)  # fmt: skip


def test_figures_are_ranked_by_their_swing_not_against_a_lucky_base() -> None:
    """Both of A's values give one more leaker than the base (a base that came out low:
    its own noise), so A's swing is 0; B's high value gives 0.5 more than its low one.
    B comes first, and the swing's interval is paired over seeds."""
    import pyarrow as pa

    seeds = list(range(4))
    base = [0, 1, 0, 1]
    rows = {
        ("(base)", "base"): base,
        ("radars.X.a", "low"): [1, 2, 1, 2],
        ("radars.X.a", "high"): [1, 2, 1, 2],
        ("radars.X.b", "low"): [0, 1, 0, 1],
        ("radars.X.b", "high"): [0, 2, 1, 1],
    }
    cols: dict[str, list] = {k: [] for k in ("figure", "level", "value", "seed", "leaked")}
    for (fig, level), leaked in rows.items():
        for s, v in zip(seeds, leaked, strict=True):
            cols["figure"].append(fig)
            cols["level"].append(level)
            cols["value"].append(None)
            cols["seed"].append(s)
            cols["leaked"].append(v)
    n = len(cols["seed"])
    table = pa.table({**cols, "killed": [4] * n, "interceptors_fired_total": [5] * n})
    out = tornado_table(table).to_pylist()
    assert [r["figure"] for r in out] == ["radars.X.b", "radars.X.a"]
    a = out[1]
    assert (a["d_leaked_low"], a["d_leaked_high"], a["d_leaked_swing"]) == (1.0, 1.0, 0.0)
    b = out[0]
    assert b["d_leaked_swing"] == pytest.approx(0.5) and b["importance_leaked"] == 0.5
    assert b["d_ipk_swing"] == 0.0


def test_runs_changed_tells_a_figure_the_runs_never_read_from_one_they_do(
    small: Scenario, tmp_path: Path
) -> None:
    """With the real engine: the cruise missile's pop-up figures are not read while its
    ``terminal_manoeuvre`` is ``none`` (the catalogue's default), so no run at either value
    differs from the base run of its seed (runs_changed 0, named by ``unexercised`` and
    left out of the charts); its RCS changes the runs."""
    t = sensitivity(
        small,
        runs=2,
        figures=["subsonic_cruise_missile.terminal_range_m", "subsonic_cruise_missile.rcs_m2"],
        out=tmp_path / "sens",
        workers=0,
    )
    rows = {r["figure"]: r for r in t.to_pylist()}
    unused = rows["threats.subsonic_cruise_missile.terminal_range_m"]
    used = rows["threats.subsonic_cruise_missile.rcs_m2"]
    assert (unused["runs_changed"], unused["runs_changed_low"], unused["runs_changed_high"]) == (
        0,
        0,
        0,
    )
    assert unused["d_leaked_swing"] == 0.0
    assert used["runs_changed"] == 2 and used["runs_changed_low"] == 2
    assert unexercised(t) == ["threats.subsonic_cruise_missile.terminal_range_m"]
    assert t.schema.metadata is not None
    assert t.schema.metadata[b"runs_changed_from"] == b"event log"
    digests = load_results(tmp_path / "sens").column("events_digest")
    assert digests.null_count == 0


def _results(rows: dict[tuple[str, str], list[tuple[int, str]]]) -> pa.Table:
    """A sensitivity results table of (leaked, events_digest) per seed and point."""
    cols: dict[str, list[Any]] = {
        k: [] for k in ("figure", "level", "value", "seed", "leaked", "events_digest")
    }
    for (fig, level), runs in rows.items():
        for seed, (leaked, digest) in enumerate(runs):
            cols["figure"].append(fig)
            cols["level"].append(level)
            cols["value"].append(None)
            cols["seed"].append(seed)
            cols["leaked"].append(leaked)
            cols["events_digest"].append(digest)
    n = len(cols["seed"])
    return pa.table({**cols, "killed": [4] * n, "interceptors_fired_total": [5] * n})


def test_runs_changed_counts_runs_that_differ_from_the_base_of_their_seed() -> None:
    """A's runs are the base runs (same event logs): it changed no run. B changed the
    event log of seed 1 at its low value and of seed 2 at its high value without
    changing a leaker: its swing is 0 too, but a measured one (runs_changed 2)."""
    base = [(1, "b0"), (2, "b1"), (1, "b2")]
    table = tornado_table(
        _results(
            {
                ("(base)", "base"): base,
                ("radars.X.a", "low"): base,
                ("radars.X.a", "high"): base,
                ("radars.X.b", "low"): [(1, "b0"), (2, "x1"), (1, "b2")],
                ("radars.X.b", "high"): [(1, "b0"), (2, "b1"), (1, "y2")],
            }
        )
    )
    rows = {r["figure"]: r for r in table.to_pylist()}
    a, b = rows["radars.X.a"], rows["radars.X.b"]
    assert (a["runs_changed"], a["runs_changed_low"], a["runs_changed_high"]) == (0, 0, 0)
    assert (b["runs_changed"], b["runs_changed_low"], b["runs_changed_high"]) == (2, 1, 1)
    assert a["d_leaked_swing"] == b["d_leaked_swing"] == 0.0
    # among equal swings, the figure that changed runs comes first
    assert table.column("figure").to_pylist() == ["radars.X.b", "radars.X.a"]
    assert unexercised(table) == ["radars.X.a"]


def test_runs_changed_of_a_study_without_event_log_digests() -> None:
    """A study written before the ``events_digest`` column (or by a run function that
    does not give it) is compared on its outcome columns, and says so; a side not swept
    has no count."""
    base = [(1, None), (2, None)]
    results = _results(
        {
            ("(base)", "base"): base,
            ("radars.X.a", "low"): base,
            ("radars.X.b", "low"): [(1, None), (3, None)],
            ("radars.X.b", "high"): base,
        }
    ).drop_columns(["events_digest"])
    table = tornado_table(results)
    rows = {r["figure"]: r for r in table.to_pylist()}
    assert (rows["radars.X.a"]["runs_changed"], rows["radars.X.a"]["runs_changed_high"]) == (
        0,
        None,
    )
    assert rows["radars.X.b"]["runs_changed"] == 1
    assert table.schema.metadata is not None
    assert table.schema.metadata[b"runs_changed_from"] == b"outcome columns"
