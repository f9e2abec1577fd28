"""Sweep axes over a scenario's dotted paths: parsing ``PATH=V1,V2``, checking every path
and value against the scenario, enumerating the grid of sweep points and applying one
point to the scenario.

A path addresses any leaf of the scenario (``threats.cruise_missile.rcs_m2``,
``units.bn1.radars.gravestone.peak_power_w``, ``raid.cm_north.route.0.agl``); a path that
names a raid group (``raid.cm_north``) sets that group's ``count``; the path ``units``
keeps the first K units of the file (the order the file lists them in), so the number of
fire units can be swept. Values are written as in
scenario files (``"0.01 m2"``, ``"-20 dBsm"``, ``"1.5 MW"``) and stored in SI units.
"""

from __future__ import annotations

import difflib
import itertools
import math
import types
import typing
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Union

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from samsim.errors import SamsimError
from samsim.scenario import models, specs
from samsim.scenario.models import RaidGroup, Scenario


class StudyError(SamsimError):
    """A study that cannot be set up or continued as asked (bad sweep, wrong folder)."""


#: Scenario models whose extra fields override catalogue figures, and the catalogue spec
#: that declares those figures (with their units and bounds).
_OVERRIDE_SPECS: dict[type[BaseModel], type[BaseModel]] = {
    models.ThreatType: specs.ThreatSpec,
    models.RadarSite: specs.RadarSpec,
    models.LauncherSite: specs.LauncherSpec,
    models.CommandPostSite: specs.CommandPostSpec,
}

Token = str | int


@dataclass(frozen=True)
class Axis:
    """One swept field: its path as the user wrote it, the values as written and parsed.

    Attributes
    ----------
    path : str
        The dotted path as given (also the results column name).
    target : tuple of str or int
        The resolved location of the leaf in the scenario (``count`` appended for a raid
        group).
    raw : tuple of str
        The values as written (``"-20 dBsm"``).
    values : tuple
        The values in SI units (what the results table holds).
    """

    path: str
    target: tuple[Token, ...]
    raw: tuple[str, ...]
    values: tuple[Any, ...]

    @property
    def column_values(self) -> tuple[Any, ...]:
        """The values as the results column holds them (one type per column: text for
        all if any is text, e.g. ``"Mach 0.8"`` next to ``250.0``)."""
        out = [column_value(v) for v in self.values]
        if any(isinstance(v, str) for v in out):
            out = [str(v) for v in out]
        return tuple(out)

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "raw": list(self.raw), "values": list(self.column_values)}


@dataclass(frozen=True)
class Sweep:
    """The grid of sweep points: the cartesian product of the axes, last axis fastest.

    A study without axes has one point (the scenario as written).
    """

    axes: tuple[Axis, ...] = ()

    @property
    def paths(self) -> list[str]:
        return [a.path for a in self.axes]

    @property
    def n_points(self) -> int:
        return math.prod(len(a.values) for a in self.axes)

    def points(self) -> list[dict[str, Any]]:
        """The value of every axis at each point, in point order (point ``K`` is item K)."""
        combos = itertools.product(*(a.values for a in self.axes))
        return [dict(zip(self.paths, c, strict=True)) for c in combos]

    def point_columns(self) -> list[dict[str, Any]]:
        """Like :meth:`points`, with the values as the results table holds them."""
        combos = itertools.product(*(a.column_values for a in self.axes))
        return [dict(zip(self.paths, c, strict=True)) for c in combos]

    def to_json(self) -> list[dict[str, Any]]:
        return [a.to_json() for a in self.axes]


def column_value(value: Any) -> Any:
    """A swept value as the results table and the manifest hold it: numbers in SI units,
    anything else (a Mach number, a catalogue name) as its text (``"Mach 0.8"``)."""
    if isinstance(value, bool | int | str) or value is None:
        return value
    if isinstance(value, float):
        return float(value)
    return str(value)


# -- walking the scenario ----------------------------------------------------------------


def _unwrap(ann: Any) -> Any:
    """The bare type under ``Annotated[...]`` and ``X | None``."""
    while True:
        origin = typing.get_origin(ann)
        if origin is Annotated:
            ann = typing.get_args(ann)[0]
        elif origin in (Union, types.UnionType):
            args = [a for a in typing.get_args(ann) if a is not type(None)]
            if len(args) != 1:
                return ann
            ann = args[0]
        else:
            return ann


def _field_annotation(model: type[BaseModel], name: str) -> Any:
    info = model.model_fields[name]
    return Annotated[(info.annotation, *info.metadata)] if info.metadata else info.annotation


def _is_numeric(ann: Any) -> bool:
    """A field holding a number (possibly optional, or ``float | Mach`` for speeds)."""
    bare = _unwrap(ann)
    if typing.get_origin(bare) in (Union, types.UnionType):
        return any(_is_numeric(a) for a in typing.get_args(bare))
    return isinstance(bare, type) and issubclass(bare, int | float) and bare is not bool


#: Sweep values are parsed like scenario values: no infinity, no NaN.
_FINITE = ConfigDict(allow_inf_nan=False)


@dataclass(frozen=True)
class _Leaf:
    """A resolved path: where to write, how to parse a value, how to store it."""

    target: tuple[Token, ...]
    adapter: TypeAdapter[Any]


def _children(obj: Any, ann: Any) -> Iterator[tuple[Token, Any, Any, type[BaseModel] | None]]:
    """(key, value, annotation, owning model) of each child of a model, mapping or list."""
    if isinstance(obj, BaseModel):
        model = type(obj)
        for name in model.model_fields:
            yield name, getattr(obj, name), _field_annotation(model, name), model
    elif isinstance(obj, dict):
        args = typing.get_args(_unwrap(ann))
        value_ann = args[1] if len(args) == 2 else Any
        for key, value in obj.items():
            yield key, value, value_ann, None
    elif isinstance(obj, list):
        args = typing.get_args(_unwrap(ann))
        item_ann = args[0] if args else Any
        for i, value in enumerate(obj):
            yield i, value, item_ann, None


def _leaf_adapter(owner: type[BaseModel] | None, key: Token, ann: Any) -> Any:
    """The annotation that parses a user value for this leaf: for an override of a
    catalogue figure, the catalogue spec's (with its unit and bounds)."""
    spec = _OVERRIDE_SPECS.get(owner) if owner is not None else None
    if spec is not None and isinstance(key, str) and key in spec.model_fields:
        base: Any = owner.__mro__[1] if owner is not None else None
        base_fields = set(base.model_fields) if base is not None else set()
        if key not in base_fields:
            return _field_annotation(spec, key)
    return ann


def _is_container(value: Any) -> bool:
    return isinstance(value, BaseModel | dict | list)


def leaf_paths(
    scenario: Scenario, prefix: Sequence[Token] = (), *, numeric_only: bool = True
) -> list[str]:
    """Dotted paths of the leaves under ``prefix`` (numeric ones by default).

    Overridable catalogue figures are listed even when the scenario leaves them unset, and
    each raid group is listed by its own path (which sets its count).
    """
    node: Any = scenario
    ann: Any = Scenario
    for tok in prefix:
        for key, value, child_ann, _ in _children(node, ann):
            if key == tok:
                node, ann = value, child_ann
                break
        else:
            return []
    out: list[str] = []

    def walk(obj: Any, obj_ann: Any, path: tuple[Token, ...]) -> None:
        if isinstance(obj, RaidGroup):
            out.append(".".join(map(str, path)))
        for key, value, child_ann, owner in _children(obj, obj_ann):
            p = (*path, key)
            if _is_container(value):
                walk(value, child_ann, p)
                continue
            leaf_ann = _leaf_adapter(owner, key, child_ann)
            if not numeric_only or _is_numeric(leaf_ann):
                out.append(".".join(map(str, p)))

    walk(node, ann, tuple(prefix))
    return out


def _split_path(obj: Any, tokens: list[str]) -> tuple[Token, int]:
    """The child key matching the head of ``tokens`` and how many tokens it used (mapping
    keys may themselves contain dots)."""
    if isinstance(obj, dict):
        for n in range(len(tokens), 0, -1):
            key = ".".join(tokens[:n])
            if key in obj:
                return key, n
        return tokens[0], 1
    if isinstance(obj, list):
        tok = tokens[0]
        return (int(tok) if tok.isdigit() else tok), 1
    return tokens[0], 1


def _unknown_path(scenario: Scenario, path: str, known: tuple[Token, ...], bad: str) -> StudyError:
    where = ".".join(map(str, known))
    node: Any = scenario
    for tok in known:
        if isinstance(node, list):
            node = node[int(tok)]
        elif isinstance(node, dict):
            node = node[tok]
        else:
            node = getattr(node, str(tok))
    if not known:
        groups = [f"raid.{g}" for g in scenario.raid]
        candidates = [*leaf_paths(scenario), *groups]
        head = f"unknown sweep path {path!r}: the scenario has no {bad!r}."
        body = f" Paths start with one of: {', '.join([*Scenario.model_fields, *groups])}."
    elif isinstance(node, dict):
        candidates = [f"{where}.{k}" for k in node]
        head = f"unknown sweep path {path!r}: {where!r} has no entry {bad!r}."
        body = f" Its entries are: {', '.join(candidates) or 'none'}."
    else:
        candidates = leaf_paths(scenario, known)
        shown = candidates[:40]
        more = f" (and {len(candidates) - 40} more)" if len(candidates) > 40 else ""
        head = f"unknown sweep path {path!r}: {where!r} has no field {bad!r}."
        body = (
            f" Numeric fields under {where!r}: {', '.join(shown)}{more}."
            if candidates
            else f" {where!r} has no numeric fields."
        )
    hint = difflib.get_close_matches(path, candidates, n=3, cutoff=0.6)
    did = f" Did you mean {' or '.join(hint)}?" if hint else ""
    return StudyError(head + did + body)


#: The sweep path that keeps the first K units.
UNITS = "units"


def resolve_path(scenario: Scenario, path: str) -> _Leaf:
    """Locate ``path`` in ``scenario``; raises :class:`StudyError` listing valid paths."""
    if path == UNITS:
        n = len(scenario.units)
        return _Leaf((UNITS,), TypeAdapter(Annotated[int, Field(ge=1, le=n, strict=False)]))
    if not path or any(not t for t in path.split(".")):
        raise StudyError(
            f"sweep path {path!r} is malformed; write dotted names such as "
            "'threats.cruise_missile.rcs_m2' or 'raid.<group>'"
        )
    tokens = path.split(".")
    node: Any = scenario
    ann: Any = Scenario
    owner: type[BaseModel] | None = None
    key: Token = ""
    done: tuple[Token, ...] = ()
    while tokens:
        if not _is_container(node):
            raise StudyError(
                f"sweep path {path!r} goes below the value {'.'.join(map(str, done))!r}, "
                "which has no fields; end the path there"
            )
        key, used = _split_path(node, tokens)
        for child_key, value, child_ann, child_owner in _children(node, ann):
            if child_key == key:
                node, ann, owner = value, child_ann, child_owner
                break
        else:
            raise _unknown_path(scenario, path, done, str(key))
        done = (*done, key)
        tokens = tokens[used:]
    if isinstance(node, RaidGroup):
        done = (*done, "count")
        return _Leaf(done, TypeAdapter(_field_annotation(RaidGroup, "count"), config=_FINITE))
    if _is_container(node):
        leaves = leaf_paths(scenario, done)
        raise StudyError(
            f"sweep path {path!r} names a group of fields, not one value; use one of: "
            f"{', '.join(leaves[:40])}"
        )
    return _Leaf(done, TypeAdapter(_leaf_adapter(owner, key, ann), config=_FINITE))


# -- parsing sweeps ----------------------------------------------------------------------


def parse_sweep_option(text: str) -> tuple[str, list[str]]:
    """Split a command-line ``PATH=V1,V2,...`` into the path and the value strings."""
    if "=" not in text:
        raise StudyError(
            f"--sweep {text!r} needs the form PATH=V1,V2,... (e.g. --sweep raid.cm_north=8,16,32)"
        )
    path, _, values = text.partition("=")
    items = [v.strip() for v in values.split(",")]
    if not path.strip() or not any(items) or any(not v for v in items):
        raise StudyError(
            f"--sweep {text!r} needs a path and at least one value, separated by commas "
            "with no empty items (e.g. --sweep threats.cruise_missile.rcs_m2='0.01 m2,0.1 m2')"
        )
    return path.strip(), items


SweepSpec = Mapping[str, Any] | Sequence[str] | None


def _value_list(path: str, values: Any) -> list[Any]:
    if isinstance(values, str):
        return [v.strip() for v in values.split(",")]
    if isinstance(values, Sequence) or hasattr(values, "tolist"):
        out = list(values.tolist() if hasattr(values, "tolist") else values)
        if not out:
            raise StudyError(f"sweep {path!r} has no values; give at least one")
        return out
    return [values]


def build_sweep(scenario: Scenario, spec: SweepSpec) -> Sweep:
    """Check a sweep against ``scenario`` and parse its values.

    Parameters
    ----------
    scenario : Scenario
    spec : mapping, sequence of str, or None
        ``{path: values}`` where values is a list (numbers or strings with units) or a
        comma-separated string; or command-line items ``"PATH=V1,V2"``.

    Raises
    ------
    StudyError
        For an unknown path (listing the valid ones nearby), a value the field refuses,
        a repeated value or two axes that set the same field.
    """
    if spec is None:
        return Sweep()
    pairs: list[tuple[str, list[Any]]]
    if isinstance(spec, Mapping):
        pairs = [(str(p).strip(), _value_list(str(p), v)) for p, v in spec.items()]
    elif isinstance(spec, str):
        pairs = [parse_sweep_option(spec)]
    else:
        pairs = [parse_sweep_option(s) for s in spec]
    axes: list[Axis] = []
    seen: dict[tuple[Token, ...], str] = {}
    for path, raw_values in pairs:
        leaf = resolve_path(scenario, path)
        if leaf.target in seen:
            raise StudyError(
                f"sweep paths {seen[leaf.target]!r} and {path!r} set the same field; "
                "give its values in one --sweep"
            )
        seen[leaf.target] = path
        parsed: list[Any] = []
        for raw in raw_values:
            try:
                value = leaf.adapter.validate_python(raw)
            except ValidationError as exc:
                msg = "; ".join(e["msg"] for e in exc.errors())
                raise StudyError(f"sweep value {raw!r} for {path!r} is refused: {msg}") from None
            parsed.append(value)
        if len({repr(v) for v in parsed}) != len(parsed):
            raise StudyError(f"sweep {path!r} repeats a value ({raw_values}); give each once")
        axes.append(Axis(path, leaf.target, tuple(str(r) for r in raw_values), tuple(parsed)))
    return Sweep(tuple(axes))


# -- applying a point --------------------------------------------------------------------


def _set(obj: Any, target: Sequence[Token], value: Any) -> Any:
    head, rest = target[0], target[1:]
    if isinstance(obj, BaseModel):
        child = getattr(obj, str(head))
        return obj.model_copy(update={str(head): _set(child, rest, value) if rest else value})
    if isinstance(obj, dict):
        new = dict(obj)
        new[head] = _set(obj[head], rest, value) if rest else value
        return new
    if isinstance(obj, list):
        new_list = list(obj)
        idx = int(head)
        new_list[idx] = _set(obj[idx], rest, value) if rest else value
        return new_list
    raise TypeError(f"cannot set {target} below a {type(obj).__name__}")


def apply_point(scenario: Scenario, sweep: Sweep, values: Mapping[str, Any]) -> Scenario:
    """The scenario with each swept field set to ``values[path]`` (SI values).

    Unswept fields are untouched; the result is a new frozen scenario. Cross-references
    (launcher loads against slots, raid groups) are checked by the loader's ``resolve``,
    which :func:`samsim.study.api.run_study` calls for every point before running any.
    """
    out = scenario
    for axis in sweep.axes:
        if axis.target == (UNITS,):
            out = first_units(out, int(values[axis.path]))
        else:
            out = _set(out, axis.target, values[axis.path])
    if not sweep.axes:
        return out
    # Validated again as a whole: a swept value must also satisfy the checks that tie
    # fields together (a raid group's width, a doctrine's firing and engagements), so
    # that a point that runs is a scenario that validates.
    try:
        checked = Scenario.model_validate(out.model_dump())
    except ValidationError as exc:
        where = ", ".join(f"{p}={column_value(v)}" for p, v in values.items())
        problems = "; ".join(
            f"{'.'.join(str(t) for t in e['loc'])}: {e['msg'].removeprefix('Value error, ')}"
            for e in exc.errors()[:5]
        )
        raise StudyError(f"the sweep point {where} gives an invalid scenario: {problems}") from None
    checked._source_map = scenario._source_map
    return checked


def first_units(scenario: Scenario, k: int) -> Scenario:
    """The scenario with only its first ``k`` units (in file order); the regiment keeps
    the battalions that remain, and goes when none does."""
    kept = list(scenario.units)[:k]
    update: dict[str, Any] = {"units": {u: scenario.units[u] for u in kept}}
    reg = scenario.regiment
    if reg is not None:
        battalions = [b for b in reg.battalions if b in kept]
        update["regiment"] = (
            reg.model_copy(update={"battalions": battalions}) if battalions else None
        )
    return scenario.model_copy(update=update)
