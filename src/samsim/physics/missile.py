"""Interceptor types: every physical figure of a missile declared once, and the catalogue.

:class:`MissileSpec` is the single declaration of a missile type (propulsion, aerodynamics,
guidance, lethality and the planning envelope); :func:`load_missile_catalog` reads the
sourced catalogue ``scenario/catalog/missiles.yaml`` into specs.
"""

from __future__ import annotations

import itertools
import math
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from samsim.errors import InputError, Issue
from samsim.units import (
    SPEED_OF_SOUND_SL_MPS,
    Acceleration,
    Angle,
    Area,
    Duration,
    Force,
    Length,
    Mach,
    Mass,
    Speed,
)

#: Confidence levels of a catalogue figure (see docs/models/interceptors.md).
CONFIDENCE_LEVELS = ("official", "press", "community", "notional")

#: Default catalogue file.
CATALOG_PATH = Path(__file__).resolve().parent.parent / "scenario" / "catalog" / "missiles.yaml"

GuidanceLaw = Literal["pn", "apn"]
LethalityModel = Literal["cookie_cutter", "gaussian", "rice"]


def _speed_si(value: float) -> float:
    """Mach numbers in a speed field are converted at the ISA sea-level speed of sound."""
    if isinstance(value, Mach):
        return value.to_mps(SPEED_OF_SOUND_SL_MPS)
    return float(value)


class MissileSpec(BaseModel):
    """One interceptor type: propulsion, aerodynamics, guidance, lethality, envelope.

    All values are SI. Fields with no default must come from the catalogue (or a scenario
    override), each with its source and confidence. The motor burns the boost grain then
    the sustain grain back to back, each at constant thrust and mass flow.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field("", description="Designation, e.g. '48N6E3' (set from the catalogue key).")
    description: str = Field("", description="One-line description of the type.")

    # --- mass and propulsion -------------------------------------------------------------
    mass_launch_kg: Mass = Field(gt=0, description="Mass at launch, including propellant.")
    boost_thrust_n: Force = Field(gt=0, description="Boost-phase thrust (constant), N.")
    boost_burn_time_s: Duration = Field(gt=0, description="Boost burn duration, s.")
    boost_propellant_kg: Mass = Field(gt=0, description="Propellant burnt during boost, kg.")
    sustain_thrust_n: Force = Field(ge=0, description="Sustain-phase thrust (0: none), N.")
    sustain_burn_time_s: Duration = Field(ge=0, description="Sustain burn duration, s.")
    sustain_propellant_kg: Mass = Field(ge=0, description="Propellant burnt during sustain, kg.")

    # --- aerodynamics --------------------------------------------------------------------
    reference_area_m2: Area = Field(
        gt=0, description="Aerodynamic reference area (body cross-section), m^2."
    )
    cd0_mach_table: list[tuple[float, float]] = Field(
        min_length=1,
        description="Zero-lift drag coefficient vs Mach, [[Mach, CD0], ...], Mach increasing.",
    )
    induced_drag_factor: float = Field(
        ge=0, description="k in CD = CD0 + k CN^2 (drag due to manoeuvring lift)."
    )
    cn_max: float = Field(
        gt=0, description="Largest trimmed normal-force coefficient on the reference area."
    )
    tvc_max_deflection_rad: Angle = Field(
        ge=0,
        lt=math.pi / 2,
        description="Largest thrust-vector deflection while a motor burns (0: none).",
    )
    structural_accel_limit_mps2: Acceleration = Field(
        gt=0, description="Structural lateral acceleration limit."
    )

    # --- guidance and control -------------------------------------------------------------
    autopilot_time_constant_s: Duration = Field(
        gt=0, description="First-order autopilot lag time constant."
    )
    nav_constant: float = Field(
        gt=0, description="Effective navigation ratio N' of terminal PN/APN."
    )
    guidance_law: GuidanceLaw = Field(description="Terminal law: 'pn' or 'apn' (augmented PN).")
    midcourse_loft_ratio: float = Field(
        ge=0,
        description="Dive slope of the mid-course altitude profile onto the PIP (m per m).",
    )
    midcourse_altitude_m: Length = Field(
        gt=0, description="Cruise altitude of the lofted mid-course profile."
    )
    seeker_range_m: Length = Field(
        gt=0, description="Range to target at which terminal homing takes over."
    )
    seeker_noise_radps: float = Field(
        ge=0, description="Std of the seeker's LOS-rate measurement noise, rad/s."
    )
    launch_speed_mps: Speed = Field(
        description="Speed given by the vertical cold launch at ignition."
    )
    cold_launch_height_m: Length = Field(
        ge=0,
        description="Height above the launcher at which the cold-launched missile ignites.",
    )
    max_flight_time_s: Duration = Field(gt=0, description="Self-destruct at this time of flight.")
    min_speed_mps: Speed = Field(description="Self-destruct below this speed after motor burn-out.")

    # --- lethality -------------------------------------------------------------------------
    lethality_model: LethalityModel = Field(description="'cookie_cutter', 'gaussian' or 'rice'.")
    lethal_radius_m: Length = Field(
        gt=0, description="Cookie-cutter/Rice lethal radius, or Gaussian scale."
    )
    miss_sigma_m: Length = Field(
        ge=0, description="Circular-normal scatter of the miss (Rice model), m."
    )

    # --- planning envelope (what the command post believes) --------------------------------
    max_range_m: Length = Field(gt=0, description="Published far boundary of the engagement zone.")
    min_range_m: Length = Field(ge=0, description="Near boundary of the engagement zone.")
    min_altitude_m: Length = Field(ge=0, description="Lowest target altitude that can be engaged.")
    max_altitude_m: Length = Field(gt=0, description="Highest target altitude that can be engaged.")
    max_target_speed_mps: Speed = Field(description="Fastest target that can be engaged.")
    pk_nominal: float = Field(gt=0, le=1, description="Single-shot planning kill probability.")

    @field_validator("launch_speed_mps", "min_speed_mps", "max_target_speed_mps", mode="after")
    @classmethod
    def _mach_to_mps(cls, value: float) -> float:
        return _speed_si(value)

    @field_validator("cd0_mach_table", mode="after")
    @classmethod
    def _check_table(cls, table: list[tuple[float, float]]) -> list[tuple[float, float]]:
        machs = [m for m, _ in table]
        if any(b <= a for a, b in itertools.pairwise(machs)) or machs[0] < 0:
            raise ValueError(f"Mach values must be >= 0 and strictly increasing, got {machs}")
        if any(cd < 0 for _, cd in table):
            raise ValueError(f"CD0 values must be >= 0, got {[cd for _, cd in table]}")
        return table

    @model_validator(mode="after")
    def _check_consistency(self) -> MissileSpec:
        if self.boost_propellant_kg + self.sustain_propellant_kg >= self.mass_launch_kg:
            raise ValueError(
                f"propellant ({self.boost_propellant_kg} + {self.sustain_propellant_kg} kg) "
                f"must be less than mass_launch_kg ({self.mass_launch_kg} kg)"
            )
        if (self.sustain_burn_time_s == 0) != (self.sustain_propellant_kg == 0):
            raise ValueError(
                "sustain_burn_time_s and sustain_propellant_kg must both be zero or both positive, "
                f"got {self.sustain_burn_time_s} s and {self.sustain_propellant_kg} kg"
            )
        if self.min_range_m >= self.max_range_m or self.min_altitude_m >= self.max_altitude_m:
            raise ValueError(
                f"envelope is empty: range {self.min_range_m}..{self.max_range_m} m, "
                f"altitude {self.min_altitude_m}..{self.max_altitude_m} m"
            )
        return self

    # --- derived figures (not declared, computed) -------------------------------------------
    @property
    def burn_time_s(self) -> float:
        """Total motor burn time (boost + sustain), s."""
        return self.boost_burn_time_s + self.sustain_burn_time_s

    @property
    def mass_burnout_kg(self) -> float:
        """Mass after both grains have burnt, kg."""
        return self.mass_launch_kg - self.boost_propellant_kg - self.sustain_propellant_kg

    @property
    def ideal_delta_v_mps(self) -> float:
        """Tsiolkovsky velocity gain of both grains, m/s: sum of c ln(m_start / m_end).

        The effective exhaust speed of a grain is c = T t_b / m_p.
        """
        m = self.mass_launch_kg
        c_b = self.boost_thrust_n * self.boost_burn_time_s / self.boost_propellant_kg
        dv = c_b * math.log(m / (m - self.boost_propellant_kg))
        if self.sustain_propellant_kg > 0:
            m -= self.boost_propellant_kg
            c_s = self.sustain_thrust_n * self.sustain_burn_time_s / self.sustain_propellant_kg
            dv += c_s * math.log(m / (m - self.sustain_propellant_kg))
        return dv


def _line_of(node: yaml.Node | None, keys: tuple[str, ...]) -> int | None:
    """1-based line of the value at ``keys`` in a composed YAML tree, if found."""
    line = None
    for key in keys:
        if not isinstance(node, yaml.MappingNode):
            break
        for knode, vnode in node.value:
            if knode.value == key:
                line = knode.start_mark.line + 1
                node = vnode
                break
        else:
            break
    return line


def _duplicate_keys(node: yaml.Node | None, prefix: str = "") -> list[tuple[str, int]]:
    """Dotted keys that repeat within a mapping, with their 1-based lines."""
    out: list[tuple[str, int]] = []
    if not isinstance(node, yaml.MappingNode):
        return out
    seen: set[str] = set()
    for knode, vnode in node.value:
        key = f"{prefix}{knode.value}"
        if knode.value in seen:
            out.append((key, knode.start_mark.line + 1))
        seen.add(knode.value)
        out.extend(_duplicate_keys(vnode, key + "."))
    return out


def _read_catalog(path: Path) -> tuple[dict[str, Any], yaml.Node | None]:
    if not path.is_file():
        raise InputError(
            str(path),
            [
                Issue(
                    "", "missile catalogue file not found", "give the path of an existing YAML file"
                )
            ],
        )
    text = path.read_text(encoding="utf-8")
    try:
        data = yaml.safe_load(text)
        tree = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise InputError(
            str(path), [Issue("", f"not valid YAML: {exc}", "fix the syntax", line)]
        ) from None
    dup = _duplicate_keys(tree)
    if dup:
        raise InputError(
            str(path),
            [
                Issue(
                    key,
                    "this key appears more than once (YAML keeps only the last)",
                    "remove or rename the duplicate",
                    line,
                )
                for key, line in dup
            ],
        )
    if not isinstance(data, dict):
        raise InputError(
            str(path),
            [
                Issue(
                    "",
                    "the catalogue must be a mapping of missile names",
                    "write 'NAME: {description: ..., figures: {...}}'",
                )
            ],
        )
    return data, tree


def _entries(path: Path) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, tuple[str, str]]]]:
    """Per missile: figure values and (source, confidence), after checking the format."""
    data, tree = _read_catalog(path)
    issues: list[Issue] = []
    values: dict[str, dict[str, Any]] = {}
    sources: dict[str, dict[str, tuple[str, str]]] = {}
    for name, entry in data.items():
        if not isinstance(entry, dict) or not isinstance(entry.get("figures"), dict):
            issues.append(
                Issue(
                    str(name),
                    "each missile needs a 'figures' mapping",
                    "add 'figures: {field: {value: ..., source: ..., confidence: ...}}'",
                    _line_of(tree, (str(name),)),
                )
            )
            continue
        values[name] = {"name": str(name), "description": str(entry.get("description", ""))}
        sources[name] = {}
        for field, fig in entry["figures"].items():
            where = f"{name}.figures.{field}"
            line = _line_of(tree, (str(name), "figures", str(field)))
            if not isinstance(fig, dict) or set(fig) != {"value", "source", "confidence"}:
                issues.append(
                    Issue(
                        where,
                        "a figure must be {value, source, confidence}",
                        "write '{value: 250 km, source: \"...\", confidence: notional}'",
                        line,
                    )
                )
                continue
            if fig["confidence"] not in CONFIDENCE_LEVELS:
                issues.append(
                    Issue(
                        where,
                        f"confidence {fig['confidence']!r} is not one of "
                        f"{', '.join(CONFIDENCE_LEVELS)}",
                        "use one of those",
                        line,
                    )
                )
            if not isinstance(fig["source"], str) or not fig["source"].strip():
                issues.append(
                    Issue(
                        where,
                        "source is empty",
                        "say where the figure comes from (or 'notional: <why this value>')",
                        line,
                    )
                )
            values[name][field] = fig["value"]
            sources[name][field] = (str(fig["source"]), str(fig["confidence"]))
    if issues:
        raise InputError(str(path), issues)
    return values, sources


def load_missile_catalog(path: str | Path | None = None) -> dict[str, MissileSpec]:
    """Read a missile catalogue file into validated specs, keyed by designation.

    Parameters
    ----------
    path : str or Path, optional
        Catalogue YAML; default the packaged ``scenario/catalog/missiles.yaml``. Each entry
        is ``NAME: {description: str, figures: {FIELD: {value, source, confidence}}}`` where
        FIELD is a :class:`MissileSpec` field name and value may carry a unit (``"250 km"``).

    Returns
    -------
    dict of str to MissileSpec

    Raises
    ------
    samsim.errors.InputError
        Listing every bad entry with its line, field and the fix.
    """
    p = Path(path) if path is not None else CATALOG_PATH
    values, _ = _entries(p)
    _, tree = _read_catalog(p)
    out: dict[str, MissileSpec] = {}
    issues: list[Issue] = []
    for name, fields in values.items():
        try:
            out[name] = MissileSpec(**fields)
        except ValidationError as exc:
            for err in exc.errors():
                loc = tuple(str(x) for x in err["loc"])
                field = loc[0] if loc else ""
                line = (
                    _line_of(tree, (name, "figures", field)) if field else _line_of(tree, (name,))
                )
                fix = (
                    "add it with its value, source and confidence"
                    if err["type"] == "missing"
                    else "correct the value"
                )
                issues.append(Issue(f"{name}.figures.{'.'.join(loc)}", err["msg"], fix, line))
    if issues:
        raise InputError(str(p), issues)
    return out


def missile_figure_sources(path: str | Path | None = None) -> dict[str, dict[str, tuple[str, str]]]:
    """Source and confidence of every catalogue figure: name -> field -> (source, confidence)."""
    return _entries(Path(path) if path is not None else CATALOG_PATH)[1]
