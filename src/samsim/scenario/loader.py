"""Loading scenario files: YAML -> validated :class:`Scenario` -> resolved specs.

Every problem is reported with the file, line, field and fix (:class:`ScenarioError`);
cross-references (threat types, assets, catalogue names, launcher loads) are checked here
so that a scenario that loads also compiles.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from samsim.errors import Issue, ScenarioError
from samsim.scenario.catalog import Catalog, load_catalog, pydantic_issues
from samsim.scenario.models import REGIMENT_NODE, Scenario
from samsim.scenario.specs import CommandPostSpec, LauncherSpec, RadarSpec, ThreatSpec
from samsim.scenario.yamlsource import SourceMap, load_yaml_file, load_yaml_text


@dataclass
class Resolved:
    """Catalogue specs with the scenario's overrides applied, keyed like the scenario."""

    radars: dict[tuple[str, str], RadarSpec] = field(default_factory=dict)
    launchers: dict[tuple[str, str], LauncherSpec] = field(default_factory=dict)
    command_posts: dict[str, CommandPostSpec] = field(default_factory=dict)
    threats: dict[str, ThreatSpec] = field(default_factory=dict)
    missiles: dict[str, Any] = field(default_factory=dict)


def _overrides(site: BaseModel, base_fields: set[str]) -> dict[str, Any]:
    return {k: v for k, v in site if k not in base_fields and v is not None}


def resolve(scenario: Scenario, catalog: Catalog | None = None) -> Resolved:
    """Apply the scenario's overrides to the catalogue and check every cross-reference.

    Raises
    ------
    ScenarioError
        Listing every problem found, each located in the scenario file when it was
        loaded from one.
    """
    cat = catalog or load_catalog()
    smap: SourceMap | None = getattr(scenario, "_source_map", None)
    path = smap.path if smap else "<scenario>"
    issues: list[Issue] = []
    out = Resolved()

    def attempt(fn: Any, *args: Any, **kw: Any) -> Any:
        try:
            return fn(*args, **kw)
        except ScenarioError as exc:
            issues.extend(exc.issues)
            return None

    def issue(loc: tuple[str | int, ...], message: str, fix: str) -> None:
        line, col = smap.locate(loc) if smap else (None, None)
        issues.append(Issue(".".join(str(p) for p in loc), message, fix, line, col))

    # Missiles: catalogue entries, plus scenario-defined variants or overrides.
    missiles = dict(cat["missiles"])
    resolved_missiles: dict[str, Any] = {name: e.spec for name, e in missiles.items()}
    for name, body in scenario.missiles.items():
        body = dict(body)
        base = body.pop("type", None) or name
        spec = attempt(
            cat.resolve,
            "missiles",
            base,
            body,
            smap=smap,
            where=("missiles", name),
            override_field="",
        )
        if spec is not None:
            resolved_missiles[name] = spec
    out.missiles = resolved_missiles

    for tname, ttype in scenario.threats.items():
        spec = attempt(
            cat.resolve,
            "threats",
            ttype.type,
            _overrides(ttype, {"type"}),
            smap=smap,
            where=("threats", tname),
            override_field="",
        )
        if spec is not None:
            out.threats[tname] = spec

    for uname, unit in scenario.units.items():
        cp = unit.command_post
        spec = attempt(
            cat.resolve,
            "command_posts",
            cp.type,
            _overrides(cp, {"type", "position", "doctrine"}),
            smap=smap,
            where=("units", uname, "command_post"),
            override_field="",
        )
        if spec is not None:
            out.command_posts[uname] = spec
        for rname, radar in unit.radars.items():
            spec = attempt(
                cat.resolve,
                "radars",
                radar.type,
                _overrides(radar, {"type", "position", "azimuth_center", "emission"}),
                smap=smap,
                where=("units", uname, "radars", rname),
                override_field="",
            )
            if spec is not None:
                out.radars[(uname, rname)] = spec
                if radar.emission.mode == "on_cue" and spec.autonomous_search:
                    issue(
                        ("units", uname, "radars", rname, "emission", "mode"),
                        "on_cue emission needs a radar that searches only where cued (a "
                        "fire-control radar with autonomous_search_half_width_rad 0)",
                        "use windows or dark_on_arm for a radar that searches on its own",
                    )
        has_fcr = any(s.role == "fire_control" for (u, _), s in out.radars.items() if u == uname)
        if not has_fcr and all((uname, r) in out.radars for r in unit.radars):
            issue(
                ("units", uname, "radars"),
                "has no fire-control radar, so the unit cannot guide missiles",
                "add a radar whose type has role fire_control (e.g. 92N6E)",
            )
        for lname, launcher in unit.launchers.items():
            spec = attempt(
                cat.resolve,
                "launchers",
                launcher.type,
                _overrides(launcher, {"type", "position", "load"}),
                smap=smap,
                where=("units", uname, "launchers", lname),
                override_field="",
            )
            if spec is None:
                continue
            out.launchers[(uname, lname)] = spec
            slots_used = 0.0
            for mtype, count in launcher.load.items():
                if mtype not in resolved_missiles:
                    issue(
                        ("units", uname, "launchers", lname, "load", mtype),
                        f"unknown missile type {mtype!r}",
                        f"use one of: {', '.join(sorted(resolved_missiles))}",
                    )
                    continue
                slots_used += count / resolved_missiles[mtype].per_slot
            if slots_used > spec.slots + 1e-9:
                issue(
                    ("units", uname, "launchers", lname, "load"),
                    f"needs {slots_used:g} slots but the launcher has {spec.slots}",
                    "carry fewer missiles (small missiles pack several per slot)",
                )

        for mtype in unit.reserve:
            if mtype not in resolved_missiles:
                issue(
                    ("units", uname, "reserve", mtype),
                    f"unknown missile type {mtype!r} in the reserve",
                    f"use one of: {', '.join(sorted(resolved_missiles))}",
                )

    if scenario.regiment is not None:
        _resolve_regiment(scenario, cat, out, attempt, issue)

    for uname, unit in scenario.units.items():
        parent = unit.attached_to
        if parent is None:
            continue
        if parent == uname or parent not in scenario.units:
            others = sorted(set(scenario.units) - {uname})
            issue(
                ("units", uname, "attached_to"),
                f"unknown battalion {parent!r}"
                if parent != uname
                else "a unit cannot be attached to itself",
                f"name another unit: {', '.join(others) or '(none)'}",
            )
        elif scenario.units[parent].attached_to is not None:
            issue(
                ("units", uname, "attached_to"),
                f"{parent!r} is itself attached to {scenario.units[parent].attached_to!r}",
                "attach point-defence units to a battalion that is not attached",
            )

    seen_radars: dict[str, str] = {}
    for uname, unit in scenario.units.items():
        for rname in unit.radars:
            if rname in seen_radars:
                issue(
                    ("units", uname, "radars", rname),
                    f"radar name {rname!r} is also used in unit {seen_radars[rname]!r}",
                    "give every radar a unique name",
                )
            seen_radars[rname] = uname

    for gname, group in scenario.raid.items():
        if group.threat not in scenario.threats:
            issue(
                ("raid", gname, "threat"),
                f"unknown threat type {group.threat!r}",
                f"define it under `threats:` or use one of: {', '.join(sorted(scenario.threats))}",
            )
            continue
        if group.target is not None and group.target not in scenario.assets:
            issue(
                ("raid", gname, "target"),
                f"unknown asset {group.target!r}",
                f"use one of: {', '.join(sorted(scenario.assets))}",
            )
        if group.target_node is not None:
            _check_target_node(scenario, gname, group.target_node, issue)
        spec = out.threats.get(group.threat)
        aim = group.target is not None or group.target_node is not None
        if spec is not None and spec.kind == "anti_radiation_missile":
            nodes = scenario.node_sites()
            if group.target_node is None or nodes.get(group.target_node, ("",))[0] != "radar":
                issue(
                    ("raid", gname, "target_node" if group.target_node else "threat"),
                    "an anti-radiation missile group must target a radar",
                    "give `target_node: <unit>.<radar>` (one of: "
                    + ", ".join(n for n, v in nodes.items() if v[0] == "radar")
                    + ")",
                )
        if spec is not None and spec.kind == "ballistic_missile":
            if not aim and len(group.route) < 2:
                issue(
                    ("raid", gname, "target"),
                    "a ballistic missile group needs an aim point",
                    "give `target: <asset>` or a second route point (the impact point)",
                )
        elif not aim and len(group.route) < 2:
            issue(
                ("raid", gname, "route"),
                "a route needs at least two points when there is no target",
                "add a waypoint or give `target: <asset>` (or `target_node: <unit>.<node>`)",
            )

    for jname, jammer in scenario.jammers.items():
        for key in ("escorting", "carried_by"):
            group = getattr(jammer, key)
            if group is not None and group not in scenario.raid:
                issue(
                    ("jammers", jname, key),
                    f"unknown raid group {group!r}",
                    f"use one of: {', '.join(sorted(scenario.raid)) or '(no raid groups)'}",
                )

    if issues:
        raise ScenarioError(path, issues)
    return out


#: Key of the regiment command post in :attr:`Resolved.command_posts` (not a unit name).
REGIMENT_KEY = "regiment:"


def _check_target_node(scenario: Scenario, gname: str, name: str, issue: Any) -> None:
    """A raid group's ``target_node`` names one node of the defence, unambiguously."""
    nodes = scenario.node_sites()
    where = ("raid", gname, "target_node")
    if name == REGIMENT_NODE and scenario.regiment is not None and "regiment" in scenario.units:
        issue(
            where,
            f"{name!r} is ambiguous: a unit is named 'regiment' and there is a regiment",
            "rename the unit 'regiment'",
        )
        return
    if name in nodes:
        return
    unit, _, node = name.partition(".")
    if unit in scenario.units and node:
        fix = f"use one of: {', '.join(n for n in nodes if n.startswith(unit + '.'))}"
    else:
        fix = (
            "write <unit>.<radar or launcher>, <unit>.command_post or regiment.command_post; "
            f"units: {', '.join(sorted(scenario.units))}"
        )
    issue(where, f"unknown node {name!r}", fix)


def _resolve_regiment(
    scenario: Scenario, cat: Catalog, out: Resolved, attempt: Any, issue: Any
) -> None:
    """The regiment command post's spec, and its battalions named in `units`."""
    reg = scenario.regiment
    if reg is None:
        return
    spec = attempt(
        cat.resolve,
        "command_posts",
        reg.command_post.type,
        _overrides(reg.command_post, {"type", "position", "doctrine"}),
        smap=getattr(scenario, "_source_map", None),
        where=("regiment", "command_post"),
        override_field="",
    )
    if spec is not None:
        out.command_posts[REGIMENT_KEY] = spec
    for k, b in enumerate(reg.battalions):
        if b not in scenario.units:
            issue(
                ("regiment", "battalions", k),
                f"unknown unit {b!r}",
                f"name units defined under `units`: {', '.join(sorted(scenario.units))}",
            )


def _validate(data: Any, smap: SourceMap) -> Scenario:
    if not isinstance(data, dict):
        raise ScenarioError(
            smap.path,
            [
                Issue(
                    "",
                    "a scenario must be a mapping (key: value lines) at the top level",
                    "start with `name: my_scenario`",
                    1,
                    1,
                )
            ],
        )
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(smap.path, pydantic_issues(exc, smap, ())) from None
    scenario._source_map = smap
    resolve(scenario)
    return scenario


def load_scenario(path: str | Path) -> Scenario:
    """Load, validate and cross-check a scenario YAML file.

    Raises
    ------
    ScenarioError
        With file, line, field and fix for each problem.
    """
    data, smap = load_yaml_file(path)
    return _validate(data, smap)


def load_scenario_text(text: str, path: str = "<string>") -> Scenario:
    """Like :func:`load_scenario` for YAML text (tests, notebooks)."""
    data, smap = load_yaml_text(text, path)
    return _validate(data, smap)


def scenario_from_dict(data: Mapping[str, Any], path: str = "<dict>") -> Scenario:
    """Validate a scenario given as a Python mapping (no line numbers)."""
    return _validate(dict(data), SourceMap(path))
