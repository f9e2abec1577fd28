"""Units as users write them, SI inside.

Scenario files may give a quantity as a bare number (in the SI unit of the field: metres,
seconds, radians, watts, m^2, ...) or as a string with a unit: ``"30 km"``,
``"880 km/h"``, ``"Mach 0.8"``, ``"-10 dBsm"``, ``"5 deg"``, ``"1.5 MW"``, ``"3 GHz"``.
Each parser returns the value in SI units, and a bare number passes through unchanged, so
parsing is idempotent: a validated model dumped and validated again keeps its values.
The pydantic field types at the bottom (``Length``, ``Speed``, ...) attach a parser and a
JSON schema to a float, so a field is declared once with its unit.

Every quantity is finite and inside the plausible range of its kind (:data:`LIMITS`: a
length is at most once round the earth, a speed at most 12 km/s, ...); a field narrows
that range with its own bounds (``Field(ge=..., le=...)``), which the JSON schema shows.
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema
from pydantic_core import core_schema

#: Standard gravity, m/s^2 (CGPM 1901).
G0_MPS2 = 9.80665
#: ISA sea-level speed of sound, m/s (ICAO Doc 7488).
SPEED_OF_SOUND_SL_MPS = 340.294

_LENGTH = {
    "m": 1.0,
    "km": 1e3,
    "cm": 1e-2,
    "mm": 1e-3,
    "ft": 0.3048,
    "mi": 1609.344,
    "nmi": 1852.0,
    "NM": 1852.0,
}
_SPEED = {
    "m/s": 1.0,
    "mps": 1.0,
    "km/h": 1 / 3.6,
    "kph": 1 / 3.6,
    "kmh": 1 / 3.6,
    "kn": 1852.0 / 3600.0,
    "kt": 1852.0 / 3600.0,
    "knots": 1852.0 / 3600.0,
    "mph": 1609.344 / 3600.0,
    "km/s": 1e3,
    "ft/s": 0.3048,
}
_ANGLE = {"rad": 1.0, "deg": math.pi / 180.0, "°": math.pi / 180.0, "mrad": 1e-3}
_TIME = {"s": 1.0, "ms": 1e-3, "us": 1e-6, "µs": 1e-6, "min": 60.0, "h": 3600.0}
_POWER = {"W": 1.0, "kW": 1e3, "MW": 1e6, "GW": 1e9}
_FREQ = {"Hz": 1.0, "kHz": 1e3, "MHz": 1e6, "GHz": 1e9}
_MASS = {"kg": 1.0, "g": 1e-3, "t": 1e3, "lb": 0.45359237}
_ACCEL = {"m/s2": 1.0, "m/s^2": 1.0, "g": G0_MPS2}
_AREA = {"m2": 1.0, "m^2": 1.0, "cm2": 1e-4}
_FORCE = {"N": 1.0, "kN": 1e3, "MN": 1e6}

_NUM = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_QUANTITY = re.compile(rf"^\s*({_NUM})\s*([^\s\d].*?)?\s*$")
_MACH = re.compile(rf"^\s*(?:[Mm]ach\s*({_NUM})|({_NUM})\s*[Mm]ach)\s*$")


#: Plausible range of each kind of quantity, SI: (lowest, highest, the range in words).
#: Values outside are refused whatever the field; a field narrows its range further.
LIMITS: dict[str, tuple[float, float, str]] = {
    "length": (-4.0e7, 4.0e7, "at most 40,000 km either way (once round the earth)"),
    "angle": (-4.0 * math.pi, 4.0 * math.pi, "within -720 deg and 720 deg"),
    "duration": (-1.0e6, 1.0e6, "at most 1,000,000 s (11.6 days) either way"),
    "power": (0.0, 1.0e10, "from 0 to 10 GW"),
    "frequency": (0.0, 1.0e12, "from 0 to 1 THz"),
    "mass": (0.0, 1.0e6, "from 0 to 1,000 t"),
    "acceleration": (-1.0e4, 1.0e4, "at most 10,000 m/s^2 (about 1,000 g) either way"),
    "area": (0.0, 1.0e4, "from 0 to 10,000 m^2"),
    "force": (0.0, 1.0e8, "from 0 to 100 MN"),
    "radar cross section": (1.0e-6, 1.0e6, "from 1e-6 m^2 (-60 dBsm) to 1e6 m^2 (+60 dBsm)"),
    "ratio in dB": (-300.0, 300.0, "within -300 dB and +300 dB"),
    "speed": (0.0, 12000.0, "above 0 and at most 12 km/s"),
    "Mach number": (0.0, 35.0, "above 0 and at most Mach 35"),
}


class UnitError(ValueError):
    """A quantity whose unit is missing, unknown or of the wrong kind, or whose value is
    not finite or outside the plausible range of its kind (:data:`LIMITS`)."""


def shown(value: Any, limit: int = 40) -> str:
    """``repr(value)``, shortened to about ``limit`` characters for an error message."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[: limit - 12]}...{text[-8:]}"


def _to_float(text_or_number: Any, value: Any, kind: str) -> float:
    try:
        out = float(text_or_number)
    except OverflowError:  # an int beyond the float range
        out = math.inf
    if not math.isfinite(out):
        raise UnitError(
            f"a {kind} must be a finite number, got {shown(value)}; give a finite number "
            "(.inf and .nan are not values of a physical quantity)"
        )
    return out


def _split(value: Any, kind: str) -> tuple[float, str | None]:
    if isinstance(value, bool):
        raise UnitError(
            f"expected a {kind}, got the boolean {shown(value)}; give a number (with a unit)"
        )
    if isinstance(value, int | float):
        return _to_float(value, value, kind), None
    if not isinstance(value, str):
        raise UnitError(
            f"expected a {kind}, got {shown(value)}; give a number or a string like '30 km'"
        )
    m = _QUANTITY.match(value)
    if not m:
        raise UnitError(
            f"cannot read {shown(value)} as a {kind}; write a number and a unit, e.g. '30 km'"
        )
    return _to_float(m.group(1), value, kind), m.group(2)


def _in_range(out: float, value: Any, kind: str) -> float:
    """``out`` (SI) if it is finite and within the plausible range of ``kind``."""
    lo, hi, words = LIMITS[kind]
    if not (math.isfinite(out) and lo <= out <= hi):
        raise UnitError(f"{shown(value)} is not a plausible {kind}; give a {kind} {words}")
    return out


def _parse(value: Any, kind: str, table: dict[str, float]) -> float:
    number, unit = _split(value, kind)
    if unit is not None and unit not in table:
        known = ", ".join(table)
        raise UnitError(f"unknown {kind} unit {unit!r} in {shown(value)}; use one of: {known}")
    return _in_range(number * table[unit] if unit is not None else number, value, kind)


def length_m(value: Any) -> float:
    """A length in metres (``"30 km"``, ``"100 ft"``, ``12.5``)."""
    return _parse(value, "length", _LENGTH)


def angle_rad(value: Any) -> float:
    """An angle in radians (``"5 deg"``, ``"10 mrad"``; a bare number is in radians)."""
    number, unit = _split(value, "angle")
    if unit is not None and unit not in _ANGLE:
        raise UnitError(
            f"unknown angle unit {unit!r} in {shown(value)}; use one of: deg, rad, mrad"
        )
    return _in_range(number * _ANGLE[unit] if unit is not None else number, value, "angle")


def time_s(value: Any) -> float:
    """A duration in seconds (``"2 min"``, ``"500 ms"``)."""
    return _parse(value, "duration", _TIME)


def power_w(value: Any) -> float:
    """A power in watts (``"1.5 MW"``)."""
    return _parse(value, "power", _POWER)


def frequency_hz(value: Any) -> float:
    """A frequency in hertz (``"3 GHz"``)."""
    return _parse(value, "frequency", _FREQ)


def mass_kg(value: Any) -> float:
    """A mass in kilograms (``"1.8 t"``)."""
    return _parse(value, "mass", _MASS)


def accel_mps2(value: Any) -> float:
    """An acceleration in m/s^2 (``"20 g"``)."""
    return _parse(value, "acceleration", _ACCEL)


def area_m2(value: Any) -> float:
    """An area in m^2 (``"0.1 m2"``)."""
    return _parse(value, "area", _AREA)


def force_n(value: Any) -> float:
    """A force in newtons (``"120 kN"``)."""
    return _parse(value, "force", _FORCE)


#: Units of a radar cross section in decibels (relative to 1 m^2). A bare ``dB`` is not
#: one of them: it names no reference, and ``-10 dB`` read as dBsm was a silent guess.
_DBSM = ("dBsm", "dBm2")


def rcs_m2(value: Any) -> float:
    """A radar cross section in m^2 (``"0.1 m2"``, ``"-10 dBsm"``; bare number in m^2).

    Anything else (``"-10 dB"``, a negative bare number) is an error that says how to
    write it.
    """
    kind = "radar cross section"
    number, unit = _split(value, kind)
    if unit is None or unit in _AREA:
        out = number * (_AREA[unit] if unit else 1.0)
        if not out > 0:
            raise UnitError(
                f"a radar cross section must be positive, got {shown(value)}; write m^2 "
                "('0.1 m2') or decibels relative to 1 m^2 ('-10 dBsm')"
            )
    elif unit in _DBSM:
        lo, hi = (10.0 * math.log10(x) for x in LIMITS[kind][:2])
        if not lo <= number <= hi:
            raise UnitError(
                f"{shown(value)} is not a plausible {kind}; give a {kind} {LIMITS[kind][2]}"
            )
        out = 10.0 ** (number / 10.0)
    else:
        raise UnitError(
            f"unknown radar cross section unit {unit!r} in {shown(value)}; write m^2 ('0.1 m2') "
            "or decibels relative to 1 m^2 ('-10 dBsm')"
        )
    return _in_range(out, value, kind)


def decibel(value: Any) -> float:
    """A ratio in decibels (``"3 dB"`` or ``3``); returned in dB, not linear."""
    number, unit = _split(value, "ratio in dB")
    if unit not in (None, "dB", "dBi"):
        raise UnitError(f"expected a value in dB, got {shown(value)}; write e.g. '3 dB' or 3")
    return _in_range(number, value, "ratio in dB")


class Mach:
    """A speed given as a Mach number; converted to m/s once the altitude is known.

    Deliberately not a float, so that it cannot be used as m/s by mistake: convert with
    :meth:`to_mps` (or :func:`speed_mps`). In a model it serialises back to ``"Mach 0.8"``.
    """

    __slots__ = ("number",)

    def __init__(self, number: float) -> None:
        lo, hi, words = LIMITS["Mach number"]
        if not (math.isfinite(number) and lo < number <= hi):
            raise UnitError(f"Mach {number} is not a plausible Mach number; give one {words}")
        self.number = float(number)

    def to_mps(self, speed_of_sound_mps: float) -> float:
        """The speed in m/s for a given speed of sound."""
        return self.number * speed_of_sound_mps

    def __repr__(self) -> str:
        return f"Mach({self.number!r})"

    def __str__(self) -> str:
        return f"Mach {self.number!r}"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Mach) and other.number == self.number

    def __hash__(self) -> int:
        return hash(("Mach", self.number))

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
        return core_schema.is_instance_schema(cls)


def speed(value: Any) -> float | Mach:
    """A speed in m/s, or a :class:`Mach` number (``"Mach 0.8"``, ``"0.8 Mach"``)."""
    if isinstance(value, Mach):
        return value
    if isinstance(value, str):
        m = _MACH.match(value)
        if m:
            return Mach(_to_float(m.group(1) or m.group(2), value, "Mach number"))
    return _parse(value, "speed", _SPEED)


def speed_mps(value: Any, speed_of_sound_mps: float = SPEED_OF_SOUND_SL_MPS) -> float:
    """A speed in m/s; a Mach number is converted with ``speed_of_sound_mps``."""
    v = speed(value)
    return v.to_mps(speed_of_sound_mps) if isinstance(v, Mach) else float(v)


class _UnitSchema:
    """JSON schema of a quantity field: a number (with the field's own bounds, in SI) or a
    string with a unit."""

    def __init__(self, kind: str, example: str, words: str) -> None:
        self.kind, self.example, self.words = kind, example, words

    def __get_pydantic_json_schema__(self, schema: Any, handler: Any) -> Any:
        return {
            "anyOf": [handler(schema), {"type": "string"}],
            "description_unit": f"{self.kind}; plausible range: {self.words}",
            "examples": [self.example],
        }


def _wrap(parser: Any, kind: str, example: str, limit: str) -> Any:
    def validate(value: Any) -> Any:
        try:
            return parser(value)
        except UnitError as exc:
            raise ValueError(str(exc)) from None

    return Annotated[float, BeforeValidator(validate), _UnitSchema(kind, example, LIMITS[limit][2])]


Length = _wrap(length_m, "length (m, or '30 km')", "30 km", "length")
Angle = _wrap(angle_rad, "angle (rad, or '5 deg')", "5 deg", "angle")
Duration = _wrap(time_s, "duration (s, or '2 min')", "10 s", "duration")
Power = _wrap(power_w, "power (W, or '1 MW')", "1 MW", "power")
Frequency = _wrap(frequency_hz, "frequency (Hz, or '3 GHz')", "3 GHz", "frequency")
Mass = _wrap(mass_kg, "mass (kg, or '1.8 t')", "1800 kg", "mass")
Acceleration = _wrap(accel_mps2, "acceleration (m/s^2, or '20 g')", "20 g", "acceleration")
Area = _wrap(area_m2, "area (m^2)", "0.3 m2", "area")
Force = _wrap(force_n, "force (N, or '100 kN')", "100 kN", "force")
RCS = _wrap(rcs_m2, "radar cross section (m^2, or '-10 dBsm')", "-10 dBsm", "radar cross section")
Decibel = _wrap(decibel, "ratio in dB", "3 dB", "ratio in dB")


def _whole(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError(f"expected a whole number, got the boolean {shown(value)}; write e.g. 4")
    return value


def _number(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError(f"expected a number, got the boolean {shown(value)}; write e.g. 0.5")
    return value


#: A whole number (a count, a seed): ``true`` is not a count (pydantic would read it as 1).
Count = Annotated[int, BeforeValidator(_whole)]
#: A dimensionless number (a ratio, a probability, a weight): ``true`` is not 1.0.
Number = Annotated[float, BeforeValidator(_number)]

#: Slowest speed of a mover (a threat or a jammer): below it a route takes longer than any
#: scenario lasts, and the trajectory sampling divides by it.
MIN_MOVER_SPEED_MPS = 1.0


def _validate_speed(value: Any) -> Any:
    try:
        v = speed(value)
    except UnitError as exc:
        raise ValueError(str(exc)) from None
    mps = v.to_mps(SPEED_OF_SOUND_SL_MPS) if isinstance(v, Mach) else v
    if not mps >= MIN_MOVER_SPEED_MPS:
        raise ValueError(
            f"a speed must be at least {MIN_MOVER_SPEED_MPS:g} m/s, got {shown(value)}; "
            "write m/s, '880 km/h' or 'Mach 0.8'"
        )
    return v


def _serialize_speed(value: float | Mach) -> float | str:
    return str(value) if isinstance(value, Mach) else value


def _speed_schema(unit: str, example: str) -> WithJsonSchema:
    return WithJsonSchema(
        {
            "anyOf": [{"type": "number"}, {"type": "string"}],
            "description_unit": f"{unit}; plausible range: {LIMITS['speed'][2]} "
            f"(Mach: {LIMITS['Mach number'][2]})",
            "examples": [example],
        }
    )


def _validate_speed_sl(value: Any) -> float:
    try:
        v = speed(value)
    except UnitError as exc:
        raise ValueError(str(exc)) from None
    mps = v.to_mps(SPEED_OF_SOUND_SL_MPS) if isinstance(v, Mach) else float(v)
    if not mps > 0:
        raise ValueError(f"a speed must be positive, got {shown(value)}")
    return mps


#: A positive speed in m/s; a Mach number is converted at the ISA sea-level speed of sound
#: (for figures with no natural altitude, like an interceptor's minimum speed).
SpeedSL = Annotated[
    float,
    BeforeValidator(_validate_speed_sl),
    _speed_schema("speed (m/s, '880 km/h'; Mach at sea level)", "1500 m/s"),
]


def _validate_speed_sl_or_zero(value: Any) -> float:
    try:
        v = speed(value)
    except UnitError as exc:
        raise ValueError(str(exc)) from None
    if not isinstance(v, Mach) and v == 0:
        return 0.0
    return _validate_speed_sl(value)


#: Like :data:`SpeedSL`, and zero allowed (a figure whose 0 means "none", like a notch).
SpeedSLOrZero = Annotated[
    float,
    BeforeValidator(_validate_speed_sl_or_zero),
    _speed_schema("speed (m/s, '36 km/h'; Mach at sea level), or 0", "10 m/s"),
]

#: The speed of a mover: m/s (at least 1 m/s), or a :class:`Mach` number converted where
#: the altitude is known.
Speed = Annotated[
    float | Mach,
    BeforeValidator(_validate_speed),
    PlainSerializer(_serialize_speed),
    _speed_schema("speed (m/s, '880 km/h' or 'Mach 0.8'; at least 1 m/s)", "Mach 0.8"),
]
