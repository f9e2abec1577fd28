"""One run of a study, rerun in full for the viewer and the exports.

A study keeps one row per run (and, with ``--keep-events``, the event logs) but no
trajectories. A run is a pure function of (scenario, seed), so any run of a study can be
rebuilt exactly: the base scenario is in ``DIR/scenario.json``, the sweep in the manifest,
and the rebuilt point's scenario is checked against the hash the manifest recorded for
that point before it runs. The run is written to ``DIR/replays/point=K/seed=S/`` like a
``samsim run`` folder (``samsim serve`` and ``samsim report`` read it).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from samsim.study.store import MANIFEST, read_manifest
from samsim.study.sweep import StudyError, apply_point, build_sweep

REPLAYS = "replays"


def study_point_scenario(directory: str | Path, point: int) -> tuple[Any, dict[str, Any]]:
    """The scenario of sweep point ``point`` of the study in ``directory``, and the manifest.

    Raises
    ------
    StudyError
        No study there, a point out of range, or a rebuilt scenario whose hash differs from
        the manifest's (the study was written by a samsim that reads scenarios differently).
    """
    from samsim.scenario.models import Scenario
    from samsim.study.api import scenario_hash

    d = Path(directory)
    manifest = read_manifest(d)
    try:
        base = Scenario.model_validate_json((d / "scenario.json").read_bytes())
    except FileNotFoundError:
        raise StudyError(
            f"{d} has a {MANIFEST} but no scenario.json; the study is damaged"
        ) from None
    if scenario_hash(base) != manifest["scenario"]["hash"]:
        raise StudyError(
            f"{d / 'scenario.json'} does not match the study's manifest (another samsim "
            "version, or an edited file); rerun the sweep point with `samsim run`"
        )
    design = manifest.get("design")
    if design is not None:
        n = len(manifest["points"])
        if not 0 <= point < n:
            raise StudyError(
                f"the study in {d} has points 0 to {n - 1}; --point {point} is not one"
            )
        sc = _design_point(base, design, manifest["points"][point]["values"])
    else:
        sweep = build_sweep(base, {a["path"]: a["raw"] for a in manifest["sweep"]} or None)
        points = sweep.points()
        if not 0 <= point < len(points):
            raise StudyError(
                f"the study in {d} has sweep points 0 to {len(points) - 1}; --point {point} "
                "is not one"
            )
        sc = apply_point(base, sweep, points[point])
    if scenario_hash(sc) != manifest["points"][point]["scenario_hash"]:
        raise StudyError(
            f"sweep point {point} of {d} rebuilds to a different scenario than the study ran "
            "(another samsim version?); rerun it with `samsim run`"
        )
    return sc, manifest


def _design_point(base: Any, design: dict[str, Any], values: dict[str, Any]) -> Any:
    """The scenario of a designed study's point (saturation or sensitivity)."""
    kind = design.get("kind")
    if kind == "saturation":
        from samsim.study.saturation import point_scenario
    elif kind == "sensitivity":
        from samsim.study.sensitivity import point_scenario
    else:
        raise StudyError(f"this samsim cannot rebuild the points of a {kind!r} study")
    return point_scenario(base, design, values)


def replay_run(directory: str | Path, point: int = 0, seed: int | None = None) -> Path:
    """Rerun one run of a study in full and return its run folder.

    Parameters
    ----------
    directory : path
        A study folder (``samsim study ... --out DIR``).
    point : int
        Sweep point (0 for an unswept study).
    seed : int, optional
        One of the study's seeds (default: its first).

    Returns
    -------
    Path
        ``DIR/replays/point=K/seed=S``, written once and reused (its ``summary.json`` is
        written last, so a folder with it is complete).

    Raises
    ------
    StudyError
        See :func:`study_point_scenario`; also a seed the study does not have.
    """
    from samsim.engine.loop import simulate

    d = Path(directory)
    sc, manifest = study_point_scenario(d, point)
    first = int(manifest["first_seed"])
    runs = int(manifest["points"][point].get("runs", manifest["runs_per_point"]))
    s = first if seed is None else int(seed)
    if not first <= s < first + runs:
        raise StudyError(
            f"the study in {d} ran seeds {first} to {first + runs - 1}; --seed {s} is not one"
        )
    out = d / REPLAYS / f"point={point}" / f"seed={s}"
    if not (out / "summary.json").is_file():
        simulate(sc, seed=s).write(out)
    return out
