"""Sensitivity to the catalogue's figures: each figure the scenario uses is set to the low
and the high end of its range, one at a time, with common random numbers, and its effect
on leakers per run and on interceptors per kill is measured against the base scenario.

Which figures: every numeric figure of the catalogue entries the scenario uses (its radar,
launcher and command post types, the missiles it loads or holds in reserve, the threat
types of its raid) whose confidence is ``notional`` (or in ``confidences``), that its
model reads (not marked "not applicable") and that the scenario does not override at
every site; or only the sections and figures asked for.

Ranges: the figure's ``range: [low, high]`` in the catalogue; where it has none, the
default rule (:func:`default_range`): a factor of 1.5 either way (+-1.76 dB for figures in
decibels, the same factor in power); ``pfa`` a factor of 10; probabilities +-0.1 inside
(0, 1); whole numbers rounded outwards (at least +-1); no default for a zero value or a
Swerling case. A side the figure's own bounds or the scenario's cross-checks refuse is
left out (and reported).

Every point runs the same seeds, so an effect is the mean of per-seed differences
(:func:`samsim.study.stats.paired_mean_difference`,
:func:`~samsim.study.stats.paired_ratio_difference`), not the difference of two noisy
means.
"""

from __future__ import annotations

import difflib
import math
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
from pydantic import BaseModel, ValidationError

from samsim.errors import ScenarioError
from samsim.scenario.catalog import Catalog, load_catalog, magnitude
from samsim.scenario.models import Scenario
from samsim.study.design import DesignPoint, design_results
from samsim.study.stats import paired_mean_difference, paired_ratio_difference
from samsim.study.sweep import StudyError
from samsim.units import Mach

SECTIONS = ("radars", "launchers", "command_posts", "missiles", "threats")
#: The default rule's factor for figures without a catalogue range.
DEFAULT_FACTOR = 1.5
#: Figures that name a model case rather than a quantity: no default range.
CATEGORICAL = ("swerling",)
#: Figures that are probabilities: +-0.1 by default.
PROBABILITIES = ("tracking_pd", "pk_nominal")


@dataclass(frozen=True)
class Target:
    """A figure to sweep.

    Attributes
    ----------
    section, entry, key : str
        Where it is in the catalogue (``radars``, ``92N6E``, ``peak_power_w``).
    confidence, source : str
    value, low, high : Any
        In SI units (``low``/``high`` None for a side left out).
    rule : str
        ``"catalogue"`` or the default rule that gave the range.
    """

    section: str
    entry: str
    key: str
    confidence: str
    source: str
    value: Any
    low: Any
    high: Any
    rule: str

    @property
    def name(self) -> str:
        return f"{self.section}.{self.entry}.{self.key}"

    def to_json(self) -> dict[str, Any]:
        """What the manifest records of it (and :func:`tornado_table` reads)."""
        return {
            "figure": self.name,
            "confidence": self.confidence,
            "rule": self.rule,
            "value": _side_text(self.value),
            "low": _side_text(self.low),
            "high": _side_text(self.high),
            "exact": [_exact(self.low), _exact(self.high)],
        }


def _exact(v: Any) -> Any:
    """A side's value as JSON, exactly (a Mach number as ``"Mach 2.8"``)."""
    if v is None or isinstance(v, int | float):
        return v
    return str(v)


def _from_exact(v: Any) -> Any:
    if isinstance(v, str) and v.startswith("Mach "):
        return Mach(float(v[5:]))
    return v


def point_scenario(base: Scenario, spec: dict[str, Any], columns: dict[str, Any]) -> Scenario:
    """The scenario of a sensitivity study's point, rebuilt from its manifest (``spec``
    is the manifest's design, ``columns`` the point's values)."""
    if columns["level"] == "base":
        return base
    entry = next((j for j in spec.get("swept", []) if j["figure"] == columns["figure"]), None)
    if entry is None or "exact" not in entry:
        raise StudyError(f"the study's manifest does not record the values of {columns['figure']}")
    value = _from_exact(entry["exact"][0 if columns["level"] == "low" else 1])
    section, name, key = str(columns["figure"]).split(".", 2)
    return apply_figure(base, section, name, key, value)


def default_range(key: str, value: Any) -> tuple[Any, Any] | None:
    """The range of a figure the catalogue gives none for (module docstring), or None."""
    if key in CATEGORICAL:
        return None
    if isinstance(value, Mach):
        return Mach(value.number / DEFAULT_FACTOR), Mach(value.number * DEFAULT_FACTOR)
    v = magnitude(value)
    if v is None or v == 0.0:
        return None
    if key == "pfa":
        return v / 10.0, v * 10.0
    if key in PROBABILITIES and 0.0 < v < 1.0:
        return max(v - 0.1, v / 2.0), min(v + 0.1, (1.0 + v) / 2.0)
    if key.endswith("_db"):
        step = 10.0 * math.log10(DEFAULT_FACTOR)
        return v - step, v + step
    if isinstance(value, int) and not isinstance(value, bool):
        lo = math.floor(value / DEFAULT_FACTOR) if value > 0 else math.floor(value * DEFAULT_FACTOR)
        hi = math.ceil(value * DEFAULT_FACTOR) if value > 0 else math.ceil(value / DEFAULT_FACTOR)
        return min(lo, value - 1), max(hi, value + 1)
    a, b = v / DEFAULT_FACTOR, v * DEFAULT_FACTOR
    return min(a, b), max(a, b)


def _rule_text(key: str, value: Any) -> str:
    if key == "pfa":
        return "default: x/÷10"
    if key in PROBABILITIES:
        return "default: ±0.1"
    if key.endswith("_db"):
        return "default: ±1.76 dB"
    if isinstance(value, int) and not isinstance(value, bool):
        return "default: x/÷1.5, whole"
    return "default: x/÷1.5"


# -- which figures the scenario uses ------------------------------------------------------


def _missile_bases(scenario: Scenario) -> dict[str, str]:
    """Each missile name the scenario loads or holds in reserve -> its catalogue entry."""
    names: set[str] = set()
    for unit in scenario.units.values():
        names.update(unit.reserve)
        for launcher in unit.launchers.values():
            names.update(m for m, n in launcher.load.items() if n > 0)
    out: dict[str, str] = {}
    for name in sorted(names):
        body = scenario.missiles.get(name, {})
        out[name] = str(body.get("type") or name)
    return out


def _sites(scenario: Scenario, section: str, entry: str) -> list[tuple[tuple[Any, ...], Any]]:
    """``(location, site)`` of every scenario object that uses catalogue ``entry`` of
    ``section`` (a site model, or a missile's override dict)."""
    out: list[tuple[tuple[Any, ...], Any]] = []
    if section == "radars":
        for u, unit in scenario.units.items():
            out += [
                (("units", u, "radars", r), s) for r, s in unit.radars.items() if s.type == entry
            ]
    elif section == "launchers":
        for u, unit in scenario.units.items():
            out += [
                (("units", u, "launchers", n), s)
                for n, s in unit.launchers.items()
                if s.type == entry
            ]
    elif section == "command_posts":
        for u, unit in scenario.units.items():
            if unit.command_post.type == entry:
                out.append((("units", u, "command_post"), unit.command_post))
        if scenario.regiment is not None and scenario.regiment.command_post.type == entry:
            out.append((("regiment", "command_post"), scenario.regiment.command_post))
    elif section == "threats":
        used = {g.threat for g in scenario.raid.values() if g.count > 0}
        out += [
            (("threats", t), s)
            for t, s in scenario.threats.items()
            if s.type == entry and t in used
        ]
    elif section == "missiles":
        for name, base in _missile_bases(scenario).items():
            if base == entry:
                out.append((("missiles", name), dict(scenario.missiles.get(name, {}))))
    return out


def _overridden(site: Any, key: str) -> bool:
    if isinstance(site, dict):
        return site.get(key) is not None
    return getattr(site, key, None) is not None


def used_entries(scenario: Scenario) -> dict[str, list[str]]:
    """The catalogue entries the scenario uses, by section."""
    cat = load_catalog()
    out: dict[str, list[str]] = {}
    for section in SECTIONS:
        out[section] = [e for e in sorted(cat[section]) if _sites(scenario, section, e)]
    return out


def _match_figures(
    names: Sequence[str], available: Sequence[tuple[str, str, str]]
) -> tuple[set[tuple[str, str, str]], set[tuple[str, str, str]]]:
    """The (section, entry, key) named by ``section.entry.key``, ``entry.key`` or ``key``,
    and those matched by shell wildcards (``92N6E.*``, ``*.rcs_m2``)."""
    import fnmatch

    exact: set[tuple[str, str, str]] = set()
    pattern: set[tuple[str, str, str]] = set()
    for name in names:
        forms = [(".".join(t), ".".join(t[1:]), t[2], t) for t in available]
        wild = any(c in name for c in "*?[")
        if wild:
            hits = {
                t
                for full, short, key, t in forms
                if any(fnmatch.fnmatchcase(f, name) for f in (full, short, key))
            }
        else:
            hits = {t for full, short, key, t in forms if name in (full, short, key)}
        if not hits:
            full_names = [f for f, _, _, _ in forms]
            near = difflib.get_close_matches(
                name, full_names + sorted({t[2] for t in available}), 3
            )
            did = f" Did you mean {' or '.join(near)}?" if near else ""
            raise StudyError(
                f"--figure {name!r} is not a figure the scenario uses.{did} Write "
                "SECTION.ENTRY.KEY, ENTRY.KEY or KEY, with * wildcards if need be (see "
                "`samsim sensitivity FILE --list --confidence official,press,community,"
                "notional`)"
            )
        (pattern if wild else exact).update(hits)
    return exact, pattern


def figures_to_sweep(
    scenario: Scenario,
    sections: Iterable[str] | None = None,
    figures: Iterable[str] | None = None,
    confidences: Iterable[str] = ("notional",),
    catalog: Catalog | None = None,
) -> tuple[list[Target], list[tuple[str, str]]]:
    """The figures a sensitivity study sweeps, and the ones it leaves out with why.

    Parameters
    ----------
    scenario : Scenario
    sections : iterable of str, optional
        Sweep the figures of these catalogue sections (default: all, unless ``figures``
        is given).
    figures : iterable of str, optional
        Sweep these figures too (``SECTION.ENTRY.KEY``, ``ENTRY.KEY`` or ``KEY``, which
        names it in every entry the scenario uses; shell wildcards such as ``92N6E.*``
        match several); a figure named here is swept whatever its confidence, except
        that a wildcard keeps to the ``confidences`` asked for.
    confidences : iterable of str
        Confidence labels swept (default: notional only).

    Raises
    ------
    StudyError
        An unknown section or figure, or nothing left to sweep.
    """
    from samsim.scenario.catalog import CONFIDENCES

    cat = catalog or load_catalog()
    secs = list(sections) if sections else []
    bad = [s for s in secs if s not in SECTIONS]
    if bad:
        raise StudyError(f"--section {bad[0]!r} is unknown; use one of: {', '.join(SECTIONS)}")
    confs = list(confidences)
    bad = [c for c in confs if c not in CONFIDENCES]
    if bad:
        raise StudyError(
            f"--confidence {bad[0]!r} is unknown; use one of: {', '.join(CONFIDENCES)}"
        )
    entries = used_entries(scenario)
    available = [(s, e, k) for s in SECTIONS for e in entries[s] for k in cat[s][e].figures]
    named, matched = _match_figures(list(figures), available) if figures else (set(), set())
    whole = set(secs) if secs else (set() if figures else set(SECTIONS))
    out: list[Target] = []
    skipped: list[tuple[str, str]] = []
    for section, entry, key in available:
        if section not in whole and (section, entry, key) not in named | matched:
            continue
        fig = cat[section][entry].figures[key]
        name = f"{section}.{entry}.{key}"
        if (section, entry, key) not in named and fig.confidence not in confs:
            continue
        if not fig.applicable:
            skipped.append((name, "not applicable to this entry"))
            continue
        sites = _sites(scenario, section, entry)
        if all(_overridden(site, key) for _, site in sites):
            skipped.append((name, "overridden by the scenario wherever it is used"))
            continue
        value = getattr(cat[section][entry].spec, key)
        if magnitude(value) is None:
            skipped.append((name, "not a number (a model choice)"))
            continue
        bounds: tuple[Any, Any] | None
        if fig.range is not None:
            bounds, rule = fig.range, "catalogue"
        else:
            bounds = default_range(key, value)
            rule = _rule_text(key, value)
        if bounds is None:
            why = "a model case" if key in CATEGORICAL else "zero, so no default range"
            skipped.append((name, f"{why}: give range: [low, high] in the catalogue"))
            continue
        low = _checked_side(scenario, section, entry, key, value, bounds[0], skipped, "low")
        high = _checked_side(scenario, section, entry, key, value, bounds[1], skipped, "high")
        if low is None and high is None:
            continue
        out.append(Target(section, entry, key, fig.confidence, fig.source, value, low, high, rule))
    if not out:
        left = "; ".join(f"{n}: {w}" for n, w in skipped[:5])
        raise StudyError(
            "no figure to sweep: the sections, figures and confidences asked for leave none "
            "that the scenario uses" + (f" (left out: {left})" if left else "")
        )
    return out, skipped


def _checked_side(
    scenario: Scenario,
    section: str,
    entry: str,
    key: str,
    value: Any,
    side: Any,
    skipped: list[tuple[str, str]],
    label: str,
) -> Any:
    """``side`` if the figure may take it (its spec's bounds and the scenario's
    cross-checks), else None (recorded in ``skipped``)."""
    from samsim.scenario.loader import resolve

    name = f"{section}.{entry}.{key}"
    if side is None or _same(side, value):
        return None
    try:
        resolve(apply_figure(scenario, section, entry, key, side))
    except ScenarioError as exc:
        first = exc.issues[0] if exc.issues else None
        why = f"{first.message}" if first is not None else str(exc)
        skipped.append((f"{name} ({label} {_text(side)})", f"refused: {why}"))
        return None
    except (ValidationError, ValueError) as exc:
        skipped.append((f"{name} ({label} {_text(side)})", f"refused: {exc}"))
        return None
    return side


def _side_text(v: Any) -> str | None:
    return None if v is None else _text(v)


def _same(a: Any, b: Any) -> bool:
    ma, mb = magnitude(a), magnitude(b)
    return ma is not None and mb is not None and type(a) is type(b) and ma == mb


def _text(v: Any) -> str:
    if isinstance(v, Mach):
        return str(v)
    m = magnitude(v)
    return f"{m:.4g}" if m is not None else str(v)


def apply_figure(scenario: Scenario, section: str, entry: str, key: str, value: Any) -> Scenario:
    """The scenario with catalogue figure ``section.entry.key`` set to ``value`` (SI)
    wherever the scenario uses it (sites that override it keep their override)."""
    sites = _sites(scenario, section, entry)
    out = scenario
    for loc, site in sites:
        if _overridden(site, key):
            continue
        if section == "missiles":
            missiles = dict(out.missiles)
            missiles[loc[1]] = {**site, key: value}
            out = out.model_copy(update={"missiles": missiles})
            continue
        out = _replace(out, loc, site.model_copy(update={key: value}))
    return out


def _replace(obj: Any, loc: Sequence[Any], new: Any) -> Any:
    head, rest = loc[0], loc[1:]
    if isinstance(obj, BaseModel):
        child = getattr(obj, head)
        return obj.model_copy(update={head: _replace(child, rest, new) if rest else new})
    if isinstance(obj, dict):
        copy = dict(obj)
        copy[head] = _replace(obj[head], rest, new) if rest else new
        return copy
    raise TypeError(f"cannot replace {loc} below a {type(obj).__name__}")


# -- the design ---------------------------------------------------------------------------

BASE = "(base)"


class Sensitivity:
    """One round: the base point and each figure at its low and high value."""

    kind = "sensitivity"

    def __init__(
        self,
        scenario: Scenario,
        *,
        runs: int = 20,
        sections: Iterable[str] | None = None,
        figures: Iterable[str] | None = None,
        confidences: Iterable[str] = ("notional",),
    ) -> None:
        if isinstance(runs, bool) or not isinstance(runs, int) or runs < 2:
            raise StudyError(f"runs must be a whole number >= 2 (pairs need two), got {runs!r}")
        self.scenario = scenario
        self.runs = runs
        self.sections = sorted(sections) if sections else None
        self.figure_names = sorted(figures) if figures else None
        self.confidences = sorted(confidences)
        self.targets, self.skipped = figures_to_sweep(
            scenario, self.sections, self.figure_names, self.confidences
        )

    def spec(self) -> dict[str, Any]:
        return {
            "sections": self.sections,
            "figures": self.figure_names,
            "confidences": self.confidences,
            "swept": [t.to_json() for t in self.targets],
        }

    def columns(self) -> list[tuple[str, Sequence[Any]]]:
        return [("figure", ["x"]), ("level", ["base"]), ("value", [0.5])]

    def points(self) -> list[DesignPoint]:
        pts = [
            DesignPoint(
                (BASE, "base"), {"figure": BASE, "level": "base", "value": math.nan}, self.scenario
            )
        ]
        for t in self.targets:
            for level, v in (("low", t.low), ("high", t.high)):
                if v is None:
                    continue
                sc = apply_figure(self.scenario, t.section, t.entry, t.key, v)
                pts.append(
                    DesignPoint(
                        (t.name, level),
                        {"figure": t.name, "level": level, "value": magnitude(v)},
                        sc,
                    )
                )
        return pts

    def next_round(self, results: pa.Table | None) -> list[tuple[DesignPoint, int]] | None:
        if results is not None:
            return None
        return [(p, self.runs) for p in self.points()]


# -- the answer ---------------------------------------------------------------------------


#: Results columns that are not outcomes of the run (they differ between identical runs).
_NOT_OUTCOMES = ("wall_time_s", "cpu_time_s", "events_digest")


def run_fingerprints(results: pa.Table) -> tuple[np.ndarray, str]:
    """What identifies each run's outcome, to tell whether a figure changed a run.

    Returns
    -------
    fingerprints : ndarray of object, shape (rows,)
        The run's ``events_digest`` (its event log's SHA-256) when every row has one;
        otherwise (a study written before the column, or a run function that does not
        give it) the tuple of its outcome columns (every column after ``seed`` but the
        times and the digest).
    source : str
        ``"event log"`` or ``"outcome columns"``.
    """
    names = results.column_names
    if "events_digest" in names and results.column("events_digest").null_count == 0:
        return np.array(results.column("events_digest").to_pylist(), dtype=object), "event log"
    cols = [c for c in names[names.index("seed") + 1 :] if c not in _NOT_OUTCOMES]
    values = [results.column(c).to_pylist() for c in cols]
    out = np.empty(results.num_rows, dtype=object)
    out[:] = list(zip(*values, strict=True)) if values else [()] * results.num_rows
    return out, "outcome columns"


def _by_point(results: pa.Table) -> dict[tuple[str, str], dict[str, np.ndarray]]:
    fig = results.column("figure").to_pylist()
    lev = results.column("level").to_pylist()
    seed = results.column("seed").to_numpy()
    cols = {
        c: results.column(c).to_numpy().astype(float)
        for c in ("leaked", "killed", "interceptors_fired_total")
    }
    prints, _ = run_fingerprints(results)
    out: dict[tuple[str, str], dict[str, np.ndarray]] = {}
    keys = list(zip(fig, lev, strict=True))
    for key in dict.fromkeys(keys):
        sel = np.array([k == key for k in keys])
        order = np.argsort(seed[sel])
        out[key] = {
            "seed": seed[sel][order],
            "fingerprint": prints[sel][order],
            **{c: v[sel][order] for c, v in cols.items()},
        }
    return out


def _changed_seeds(p: dict[str, np.ndarray], base: dict[str, np.ndarray]) -> set[int]:
    """The seeds at which point ``p``'s run differs from the base run of the same seed."""
    _, ia, ib = np.intersect1d(p["seed"], base["seed"], return_indices=True)
    return {
        int(p["seed"][i])
        for i, j in zip(ia, ib, strict=True)
        if p["fingerprint"][i] != base["fingerprint"][j]
    }


def tornado_table(
    results: pa.Table,
    targets: Sequence[Target] | Sequence[dict[str, Any]] | None = None,
    confidence: float = 0.95,
) -> pa.Table:
    """One row per figure, most important first.

    Parameters
    ----------
    results : pyarrow.Table
        The study's rows.
    targets : sequence, optional
        :class:`Target` objects or their JSON (for the confidence, rule and base value).
    confidence : float

    Returns
    -------
    pyarrow.Table
        Per figure: its base, low and high values (text, SI units; a speed in Mach as
        "Mach 2.8"); the effect of the low and of the high value on leakers per run and
        on interceptors per kill against the base point, and the swing (high minus low),
        each a mean of per-seed differences with its interval (``d_leaked_low``,
        ``d_leaked_low_lo``, ``d_leaked_low_hi``, ... ``d_leaked_swing``, ...
        ``d_ipk_high_hi``); ``importance_leaked`` and ``importance_ipk``, the size of the
        swing (of the one side's effect for a figure swept on one side only), which orders
        the rows (among equal ones, figures that changed runs before those that changed
        none). ``runs_changed_low`` and ``runs_changed_high``: how many of the value's
        paired runs differ at all from the base run of the same seed (null for a side not
        swept), and ``runs_changed``: at how many seeds the run at either value did; 0
        means the figure changed no run (not exercised by this scenario), not a measured
        zero effect. Every effect against the base shares the base point's own noise; the
        swing does not. The base point's leakers per run and interceptors per kill are in
        the schema metadata, with ``runs_changed_from``: ``"event log"`` (the runs' event
        log digests) or ``"outcome columns"`` (a study without them: its recorded
        outcomes).
    """
    pts = _by_point(results)
    base = pts.get((BASE, "base"))
    if base is None:
        raise StudyError("the study has no base point yet; rerun it to finish")
    info: dict[str, dict[str, Any]] = {}
    for target in targets or ():
        j = target.to_json() if isinstance(target, Target) else target
        info[j["figure"]] = j
    values = {}
    for f, lev, v in zip(
        results.column("figure").to_pylist(),
        results.column("level").to_pylist(),
        results.column("value").to_pylist(),
        strict=True,
    ):
        values[(f, lev)] = v
    names = list(dict.fromkeys(f for f, _ in pts if f != BASE))
    rows: list[dict[str, Any]] = []
    for name in names:
        section, entry, key = name.split(".", 2)
        t = info.get(name)
        row: dict[str, Any] = {
            "figure": name,
            "section": section,
            "entry": entry,
            "key": key,
            "confidence": t["confidence"] if t else None,
            "range_rule": t["rule"] if t else None,
            "base_value": t["value"] if t else None,
            "low_value": t["low"] if t else _side_text(values.get((name, "low"))),
            "high_value": t["high"] if t else _side_text(values.get((name, "high"))),
        }
        runs = []
        changed: set[int] = set()
        for level in ("low", "high"):
            p = pts.get((name, level))
            for metric in ("leaked", "ipk"):
                row[f"d_{metric}_{level}"] = math.nan
                row[f"d_{metric}_{level}_lo"] = math.nan
                row[f"d_{metric}_{level}_hi"] = math.nan
            row[f"runs_changed_{level}"] = None
            if p is None:
                continue
            common, ia, ib = np.intersect1d(p["seed"], base["seed"], return_indices=True)
            runs.append(len(common))
            seeds = _changed_seeds(p, base)
            row[f"runs_changed_{level}"] = len(seeds)
            changed |= seeds
            d = paired_mean_difference(p["leaked"][ia], base["leaked"][ib], confidence)
            row[f"d_leaked_{level}"], row[f"d_leaked_{level}_lo"], row[f"d_leaked_{level}_hi"] = d
            r = paired_ratio_difference(
                p["interceptors_fired_total"][ia],
                p["killed"][ia],
                base["interceptors_fired_total"][ib],
                base["killed"][ib],
                confidence,
            )
            row[f"d_ipk_{level}"], row[f"d_ipk_{level}_lo"], row[f"d_ipk_{level}_hi"] = r
        row["runs"] = min(runs) if runs else 0
        _swing(row, pts.get((name, "low")), pts.get((name, "high")), confidence)
        row["importance_leaked"] = _importance(row, "leaked")
        row["importance_ipk"] = _importance(row, "ipk")
        row["runs_changed"] = len(changed)
        rows.append(row)
    rows.sort(key=lambda r: (-r["importance_leaked"], r["runs_changed"] == 0, r["figure"]))
    table = (
        pa.Table.from_pylist(rows, schema=_tornado_schema(rows[0]))
        if rows
        else pa.table({"figure": pa.array([], pa.string())})
    )
    fired = base["interceptors_fired_total"]
    killed = base["killed"]
    meta = {
        "base_leaked": f"{float(np.mean(base['leaked'])):.6g}",
        "base_ipk": f"{float(fired.sum() / killed.sum()) if killed.sum() else math.nan:.6g}",
        "base_runs": str(len(base["seed"])),
        "runs_changed_from": run_fingerprints(results)[1],
    }
    return table.replace_schema_metadata(meta)


def _tornado_schema(row: dict[str, Any]) -> pa.Schema:
    """The tornado table's schema in the order of ``row``'s keys (the counts of changed
    runs are whole numbers, null for a side not swept, whatever the first row holds)."""
    fields = []
    for key, value in row.items():
        if key.startswith("runs_changed") or key == "runs":
            fields.append(pa.field(key, pa.int64()))
        elif isinstance(value, float):
            fields.append(pa.field(key, pa.float64()))
        else:
            fields.append(pa.field(key, pa.string()))
    return pa.schema(fields)


def unexercised(table: pa.Table) -> list[str]:
    """The figures of a :func:`tornado_table` that changed no run: every run at each of
    their values was the base run of the same seed (the scenario never exercises them)."""
    if "runs_changed" not in table.column_names:
        return []
    figures = table.column("figure").to_pylist()
    changed = table.column("runs_changed").to_pylist()
    return [f for f, n in zip(figures, changed, strict=True) if n == 0]


def _swing(
    row: dict[str, Any],
    low: dict[str, np.ndarray] | None,
    high: dict[str, np.ndarray] | None,
    confidence: float,
) -> None:
    """``d_<metric>_swing``: high minus low, paired over the seeds both ran (it does not
    involve the base point, so not its noise either)."""
    for metric in ("leaked", "ipk"):
        row[f"d_{metric}_swing"] = math.nan
        row[f"d_{metric}_swing_lo"] = math.nan
        row[f"d_{metric}_swing_hi"] = math.nan
    if low is None or high is None:
        return
    _, ia, ib = np.intersect1d(high["seed"], low["seed"], return_indices=True)
    d = paired_mean_difference(high["leaked"][ia], low["leaked"][ib], confidence)
    row["d_leaked_swing"], row["d_leaked_swing_lo"], row["d_leaked_swing_hi"] = d
    r = paired_ratio_difference(
        high["interceptors_fired_total"][ia],
        high["killed"][ia],
        low["interceptors_fired_total"][ib],
        low["killed"][ib],
        confidence,
    )
    row["d_ipk_swing"], row["d_ipk_swing_lo"], row["d_ipk_swing_hi"] = r


def _importance(row: dict[str, Any], metric: str) -> float:
    """The swing (high - low) when the figure was set to both ends, else the one side's
    effect against the base."""
    swing = row[f"d_{metric}_swing"]
    if math.isfinite(swing):
        return abs(swing)
    vals = [abs(row[f"d_{metric}_{lv}"]) for lv in ("low", "high")]
    vals = [v for v in vals if math.isfinite(v)]
    return max(vals) if vals else 0.0


def plot_tornado(
    table: pa.Table, out_dir: str | Path, title: str = "", top: int = 15
) -> list[Path]:
    """``tornado_leaked.png`` and ``tornado_interceptors_per_kill.png``: for the ``top``
    figures with the largest effect, bars from the base value to the effect of the low and
    of the high value, with their 95 % intervals (paired over seeds). Figures that changed
    no run (:func:`unexercised`) are left out, and counted in the title: their zero is
    not a measured effect."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if table.num_rows == 0:
        return []
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    meta = {k.decode(): v.decode() for k, v in (table.schema.metadata or {}).items()}
    idle = set(unexercised(table))
    rows = [r for r in table.to_pylist() if r["figure"] not in idle]
    if not rows:
        return []
    written = []
    for metric, label, base_key, fname in (
        ("leaked", "change in leakers per run", "base_leaked", "tornado_leaked.png"),
        ("ipk", "change in interceptors per kill", "base_ipk", "tornado_interceptors_per_kill.png"),
    ):
        chosen = sorted(rows, key=lambda r: (-r[f"importance_{metric}"], r["figure"]))[:top]
        chosen = chosen[::-1]  # most important at the top
        h = max(2.6, 0.38 * len(chosen) + 1.4)
        fig, ax = plt.subplots(figsize=(8.6, h), dpi=110)
        y = np.arange(len(chosen))
        for offset, level, color in ((-0.18, "low", "#2166ac"), (0.18, "high", "#b2182b")):
            d = np.array([r[f"d_{metric}_{level}"] for r in chosen], dtype=float)
            lo = np.array([r[f"d_{metric}_{level}_lo"] for r in chosen], dtype=float)
            hi = np.array([r[f"d_{metric}_{level}_hi"] for r in chosen], dtype=float)
            ok = np.isfinite(d)
            ax.barh(
                y[ok] + offset, d[ok], height=0.34, color=color, alpha=0.8, label=f"{level} value"
            )
            err = np.vstack([np.clip(d - lo, 0, None), np.clip(hi - d, 0, None)])[:, ok]
            ax.errorbar(
                d[ok],
                y[ok] + offset,
                xerr=np.nan_to_num(err),
                fmt="none",
                ecolor="0.2",
                capsize=2,
                lw=0.8,
            )
        labels = []
        for r in chosen:
            lo_t = r["low_value"] or "-"
            hi_t = r["high_value"] or "-"
            labels.append(f"{r['entry']} {r['key']} ({lo_t} .. {hi_t})")
        ax.set_yticks(y, labels, fontsize=7.5)
        ax.axvline(0.0, color="0.3", lw=0.8)
        base = meta.get(base_key, "nan")
        ax.set_xlabel(f"{label} (base: {float(base):.3g}; bars: 95% intervals, paired over seeds)")
        ax.grid(True, axis="x", alpha=0.3)
        ax.legend(fontsize=8, loc="lower right")
        head = f"{title}: " if title else ""
        left = f"\n(left out: {len(idle)} figures that changed no run)" if idle else ""
        ax.set_title(
            f"{head}sensitivity, {label} (top {len(chosen)} of {len(rows)} figures){left}",
            fontsize=10,
        )
        fig.tight_layout()
        path = out / fname
        fig.savefig(path)
        plt.close(fig)
        written.append(path)
    return written


def sensitivity(
    scenario: Scenario | str | os.PathLike[str],
    *,
    runs: int = 20,
    sections: Iterable[str] | None = None,
    figures: Iterable[str] | None = None,
    confidences: Iterable[str] = ("notional",),
    confidence: float = 0.95,
    out: str | os.PathLike[str] | None = None,
    workers: int | None = None,
    scheduler: Any = None,
    first_seed: int = 0,
    batch_size: int | None = None,
    progress: bool = False,
    runner: Any = None,
) -> pa.Table:
    """Sensitivity of leakers and interceptors per kill to the catalogue figures the
    scenario uses (module docstring).

    Parameters
    ----------
    scenario : Scenario or path
    runs : int
        Seeds per point (the same seeds at every point).
    sections, figures, confidences
        Which figures (:func:`figures_to_sweep`).
    confidence : float
        Of the intervals.
    out : path, optional
        Study folder (resumable; more ``runs`` extends it); temporary when omitted.
    workers, scheduler, first_seed, batch_size, progress, runner
        As :func:`samsim.study.run_study`.

    Returns
    -------
    pyarrow.Table
        :func:`tornado_table`, most important figure first.
    """
    from samsim.study.api import _as_scenario

    sc = _as_scenario(scenario)
    design = Sensitivity(sc, runs=runs, sections=sections, figures=figures, confidences=confidences)
    report = design_results(
        sc,
        design,
        out,
        workers=workers,
        scheduler=scheduler,
        first_seed=first_seed,
        batch_size=batch_size,
        progress=progress,
        runner=runner,
    )
    return tornado_table(report.table, design.targets, confidence)
