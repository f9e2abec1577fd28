"""The public-parameter catalogue: radars, launchers, command posts, missiles, threats.

Shipped as package data (``catalog/*.yaml``). Every figure carries a value, a source and
a confidence (official / press / community / notional), and may carry the range over which
it is uncertain (``range: [low, high]``, in the same units; swept by ``samsim
sensitivity``)::

    91N6E:
      description: ...
      figures:
        peak_power_w: {value: 1 MW, source: "notional", confidence: notional,
                       range: [500 kW, 2 MW]}

A confidence says how the figure is known: ``official`` (a statement or brochure of the
maker or a ministry), ``press`` (reported by the press), ``community`` (community
databases and readings) or ``notional`` (a modelling assumption).

A scenario names an entry and may override any figure; :meth:`Catalog.resolve` merges
the overrides and validates the result against the entry's spec type.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Generic, TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError

from samsim.errors import Issue, ScenarioError
from samsim.scenario.specs import (
    CommandPostSpec,
    LauncherSpec,
    MissileSpec,
    RadarSpec,
    ThreatSpec,
)
from samsim.scenario.yamlsource import SourceMap, load_yaml_file
from samsim.units import shown

S = TypeVar("S", bound=BaseModel)

CONFIDENCES = ("official", "press", "community", "notional")


@dataclass(frozen=True)
class Figure:
    """One catalogue figure with its provenance.

    Attributes
    ----------
    value : Any
        As written in the catalogue file (units as text).
    source, confidence : str
    range : tuple or None
        ``(low, high)`` in SI units (validated like the value), when the catalogue gives
        the range over which the figure is uncertain.
    """

    value: Any
    source: str
    confidence: str
    range: tuple[Any, Any] | None = None

    @property
    def applicable(self) -> bool:
        """False for figures the entry's model never reads (their source says "not
        applicable")."""
        return not self.source.lower().startswith("not applicable")


@dataclass(frozen=True)
class Entry(Generic[S]):
    """A catalogue entry: its validated spec and the provenance of each figure."""

    name: str
    description: str
    spec: S
    figures: Mapping[str, Figure]


def _spec_types() -> dict[str, type[BaseModel]]:
    return {
        "radars": RadarSpec,
        "launchers": LauncherSpec,
        "command_posts": CommandPostSpec,
        "missiles": MissileSpec,
        "threats": ThreatSpec,
    }


def pydantic_issues(
    exc: ValidationError,
    smap: SourceMap | None,
    prefix: tuple[str | int, ...],
    value_loc: tuple[str | int, ...] = (),
) -> list[Issue]:
    """Turn a pydantic ``ValidationError`` into located :class:`Issue` objects.

    ``prefix`` is where the validated object sits in the file; ``value_loc`` is inserted
    after each error's first key when the file nests values (``figures.X.value``).
    """
    issues = []
    for err in exc.errors():
        loc = tuple(err["loc"])
        file_loc = (
            (*prefix, *loc[:1], *value_loc, *loc[1:]) if value_loc and loc else (*prefix, *loc)
        )
        line, col = smap.locate(file_loc) if smap else (None, None)
        field = ".".join(str(p) for p in (*prefix, *loc))
        issues.append(Issue(field, _message(err), _fix(err), line, col))
    return issues


def _value_error(err: Any) -> tuple[str, str] | None:
    """A validator's own message, split into problem and fix at its first "; " (samsim's
    validators write "what is wrong; what to do")."""
    if err["type"] != "value_error":
        return None
    msg = str(err["msg"]).removeprefix("Value error, ")
    problem, _, fix = msg.partition("; ")
    return problem, fix


def _message(err: Any) -> str:
    kind = err["type"]
    if kind == "missing":
        return "is required but missing"
    if kind == "extra_forbidden":
        return "is not a known field"
    own = _value_error(err)
    msg = own[0] if own else str(err["msg"])
    inp = err.get("input")
    if inp is not None and not isinstance(inp, dict | list) and shown(inp) not in msg:
        return f"{msg} (got {shown(inp)})"
    return msg


def _fix(err: Any) -> str:
    kind = err["type"]
    ctx = err.get("ctx") or {}
    own = _value_error(err)
    if own and own[1]:
        return own[1]
    if kind == "missing":
        return "add this field"
    if kind == "extra_forbidden":
        return "remove it or correct its spelling (see `samsim schema`)"
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        bound = {
            "greater_than": ">",
            "greater_than_equal": ">=",
            "less_than": "<",
            "less_than_equal": "<=",
        }[kind]
        key = {
            "greater_than": "gt",
            "greater_than_equal": "ge",
            "less_than": "lt",
            "less_than_equal": "le",
        }[kind]
        si = " (in SI units: m, s, rad, W, Hz, kg)" if isinstance(err.get("input"), str) else ""
        return f"give a value {bound} {ctx.get(key)}{si}"
    if kind == "finite_number":
        return "give a finite number (.inf and .nan are not values of a physical quantity)"
    if kind == "literal_error":
        return f"use one of {ctx.get('expected')}"
    if kind in ("int_parsing", "int_parsing_size", "int_type", "int_from_float"):
        return "give a whole number"
    if kind in ("float_parsing", "float_type"):
        return "give a number"
    if kind in ("string_type",):
        return "give a text value"
    if kind in ("list_type",):
        return "give a list (lines starting with '- ')"
    if kind in ("dict_type", "model_type"):
        return "give a mapping (key: value lines)"
    if kind == "too_long":
        return "give fewer items"
    if kind == "too_short":
        return "give more items"
    return "correct the value"


class Catalog:
    """All catalogue entries, by section and name."""

    def __init__(self, sections: dict[str, dict[str, Entry[Any]]]) -> None:
        self.sections = sections

    def __getitem__(self, section: str) -> dict[str, Entry[Any]]:
        return self.sections[section]

    def names(self, section: str) -> list[str]:
        return sorted(self.sections[section])

    def resolve(
        self,
        section: str,
        name: str,
        overrides: Mapping[str, Any] | None = None,
        *,
        smap: SourceMap | None = None,
        where: tuple[str | int, ...] = (),
        name_field: str = "type",
        override_field: str = "override",
    ) -> Any:
        """The spec of entry ``name`` with ``overrides`` applied, validated.

        Raises
        ------
        ScenarioError
            When the name is unknown (listing the known ones) or an override is invalid,
            located at ``where`` in the scenario file.
        """
        entries = self.sections[section]
        if name not in entries:
            line, col = smap.locate((*where, name_field)) if smap else (None, None)
            known = ", ".join(sorted(entries))
            raise ScenarioError(
                smap.path if smap else "<scenario>",
                [
                    Issue(
                        ".".join(str(p) for p in (*where, name_field)),
                        f"unknown {section[:-1].replace('_', ' ')} {name!r}",
                        f"use one of: {known} (see `samsim catalog`)",
                        line,
                        col,
                    )
                ],
            )
        entry = entries[name]
        if not overrides:
            return entry.spec
        data = entry.spec.model_dump()
        data.update(overrides)
        try:
            return type(entry.spec).model_validate(data)
        except ValidationError as exc:
            issues = []
            for err in exc.errors():
                loc = tuple(err["loc"])
                file_loc = (*where, override_field, *loc)
                line, col = smap.locate(file_loc) if smap else (None, None)
                issues.append(
                    Issue(".".join(str(p) for p in file_loc), _message(err), _fix(err), line, col)
                )
            raise ScenarioError(smap.path if smap else "<scenario>", issues) from None


_FIGURE_KEYS = {"value", "source", "confidence", "range"}


def magnitude(value: Any) -> float | None:
    """A figure's value as a number (a Mach number's number), None if not numeric."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return float(value)
    number = getattr(value, "number", None)  # units.Mach
    return float(number) if isinstance(number, int | float) else None


def _parse_range(
    spec_type: type[BaseModel], key: str, value: Any, raw: Any
) -> tuple[tuple[Any, Any] | None, tuple[str, str] | None]:
    """``(low, high)`` in SI units, or the problem ``(message, fix)``."""
    if key not in spec_type.model_fields:
        return None, None  # the unknown field itself is reported by the spec validation
    if not isinstance(raw, list) or len(raw) != 2:
        return None, ("must be a list of two values [low, high]", "write range: [low, high]")
    info = spec_type.model_fields[key]
    ann: Any = Annotated[(info.annotation, *info.metadata)] if info.metadata else info.annotation
    adapter: TypeAdapter[Any] = TypeAdapter(ann)
    try:
        low, high = (adapter.validate_python(v) for v in raw)
        centre = adapter.validate_python(value)
    except ValidationError as exc:
        return None, ("; ".join(_message(e) for e in exc.errors()), "give valid values")
    lo, hi, mid = magnitude(low), magnitude(high), magnitude(centre)
    if lo is None or hi is None or mid is None:
        return None, ("only numeric figures can have a range", "remove the range")
    if type(low) is not type(high) and not (
        isinstance(low, int | float) and isinstance(high, int | float)
    ):
        return None, ("low and high must be in the same kind of unit", "write both alike")
    if not lo < hi:
        return None, (f"low {raw[0]!r} must be below high {raw[1]!r}", "write [low, high]")
    same_kind = isinstance(low, int | float) == isinstance(centre, int | float)
    if same_kind and not lo <= mid <= hi:
        return None, (
            f"the value {value!r} is outside its range [{raw[0]}, {raw[1]}]",
            "widen the range or correct the value",
        )
    return (low, high), None


def load_section(path: str | Path, spec_type: type[BaseModel]) -> dict[str, Entry[Any]]:
    """Load and validate one catalogue file against ``spec_type``; every figure must carry
    its source and confidence. Raises :class:`ScenarioError` listing every problem with
    its line."""
    path = Path(path)
    raw, smap = load_yaml_file(path, cached=True)
    issues: list[Issue] = []
    out: dict[str, Entry[Any]] = {}
    if not isinstance(raw, dict):
        raise ScenarioError(
            str(path),
            [Issue("", "a catalogue file must be a mapping of names", "write `NAME:` entries")],
        )
    for name, body in raw.items():
        if (
            not isinstance(body, dict)
            or "figures" not in body
            or not isinstance(body["figures"], dict)
        ):
            line, col = smap.locate((name,))
            issues.append(Issue(name, "needs a `figures:` mapping", "add `figures:`", line, col))
            continue
        figures: dict[str, Figure] = {}
        values: dict[str, Any] = {}
        for key, fig in body["figures"].items():
            line, col = smap.locate((name, "figures", key))
            if not isinstance(fig, dict) or not (
                {"value", "source", "confidence"} <= set(fig) <= _FIGURE_KEYS
            ):
                issues.append(
                    Issue(
                        f"{name}.figures.{key}",
                        "must be {value: ..., source: ..., confidence: ...} with an optional "
                        "range: [low, high]",
                        "give the value with its source and confidence",
                        line,
                        col,
                    )
                )
                continue
            if fig["confidence"] not in CONFIDENCES:
                issues.append(
                    Issue(
                        f"{name}.figures.{key}.confidence",
                        f"unknown confidence {fig['confidence']!r}",
                        f"use one of {', '.join(CONFIDENCES)}",
                        line,
                        col,
                    )
                )
            bounds = None
            if "range" in fig:
                bounds, problem = _parse_range(spec_type, key, fig["value"], fig["range"])
                if problem is not None:
                    rline, rcol = smap.locate((name, "figures", key, "range"))
                    issues.append(
                        Issue(f"{name}.figures.{key}.range", problem[0], problem[1], rline, rcol)
                    )
            figures[key] = Figure(fig["value"], str(fig["source"]), str(fig["confidence"]), bounds)
            values[key] = fig["value"]
        if "name" in spec_type.model_fields:
            values.setdefault("name", name)
        if "description" in spec_type.model_fields:
            values.setdefault("description", str(body.get("description", "")).strip())
        try:
            spec = spec_type.model_validate(values)
        except ValidationError as exc:
            issues.extend(pydantic_issues(exc, smap, (name, "figures"), ("value",)))
            continue
        out[name] = Entry(name, str(body.get("description", "")).strip(), spec, figures)
    if issues:
        raise ScenarioError(str(path), issues)
    return out


def catalog_dir() -> Path:
    """Directory of the packaged catalogue YAML files."""
    return Path(str(resources.files("samsim.scenario") / "catalog"))


@cache
def load_catalog(directory: str | None = None) -> Catalog:
    """Load and validate the catalogue (the packaged one by default); cached."""
    base = Path(directory) if directory else catalog_dir()
    sections = {
        name: load_section(base / f"{name}.yaml", spec) for name, spec in _spec_types().items()
    }
    return Catalog(sections)
