"""Interceptor types: every physical figure of a missile declared once, and the catalogue.

:class:`MissileSpec` is the single declaration of a missile type (propulsion, aerodynamics,
guidance, lethality and the planning envelope); :func:`load_missile_catalog` reads the
sourced catalogue ``scenario/catalog/missiles.yaml`` into specs.
"""

from __future__ import annotations

import itertools
import math
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from samsim.units import (
    Acceleration,
    Angle,
    Area,
    Duration,
    Force,
    Length,
    Mass,
    SpeedSL,
)

#: Confidence levels of a catalogue figure (see docs/models/interceptors.md).
CONFIDENCE_LEVELS = ("official", "press", "community", "notional")

#: Default catalogue file.
CATALOG_PATH = Path(__file__).resolve().parent.parent / "scenario" / "catalog" / "missiles.yaml"

GuidanceLaw = Literal["pn", "apn"]
LethalityModel = Literal["fragmentation", "cookie_cutter", "gaussian", "rice"]
SeekerKind = Literal["active", "semi_active"]


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
        gt=0,
        description="Total time constant of the flight-control (autopilot and airframe) "
        "response: flight_control_order equal lags of this total (binomial), s.",
    )
    flight_control_order: int = Field(
        ge=0,
        le=5,
        description="Number of equal first-order lags of the flight-control response (0: "
        "none, the guidance filter is then the only lag of the homing loop).",
    )
    flight_control_q_ref_pa: float = Field(
        ge=0,
        description="Dynamic pressure below which the flight-control response slows: its "
        "time constants scale by sqrt(q_ref / q), at most 4x (0: never), Pa.",
    )
    nav_constant: float = Field(
        gt=0, description="Effective navigation ratio N' of terminal PN/APN."
    )
    guidance_law: GuidanceLaw = Field(description="Terminal law: 'pn' or 'apn' (augmented PN).")
    guidance_rate_hz: float = Field(
        gt=0, le=10000, description="Seeker measurement and terminal guidance update rate, Hz."
    )
    guidance_filter_time_constant_s: Duration = Field(
        gt=0,
        description="Time constant of the seeker's line-of-sight-rate (filtered derivative) "
        "estimate, s.",
    )
    midcourse_loft_ratio: float = Field(
        ge=0,
        description="Dive slope of the mid-course altitude profile onto the PIP (m per m).",
    )
    midcourse_altitude_m: Length = Field(
        gt=0, description="Cruise altitude of the lofted mid-course profile."
    )
    seeker_kind: SeekerKind = Field(
        description="'active' (SNR ~ 1/R^4) or 'semi_active' / track-via-missile (SNR ~ "
        "1/R^2 in the missile-target range)."
    )
    seeker_range_m: Length = Field(
        gt=0,
        description="Lock-on range against a target of seeker_reference_rcs_m2; terminal "
        "homing takes over there. It scales as RCS^(1/4) (active) or RCS^(1/2) (semi-active).",
    )
    seeker_reference_rcs_m2: Area = Field(
        gt=0, description="Target RCS at which seeker_range_m holds, m^2."
    )
    seeker_beamwidth_rad: Angle = Field(
        gt=0, lt=math.pi / 2, description="Seeker antenna 3 dB beamwidth."
    )
    seeker_lock_snr_db: float = Field(
        ge=0, le=40, description="Seeker signal-to-noise ratio at lock-on range, dB."
    )
    seeker_fixed_noise_rad: Angle = Field(
        ge=0, description="Range-independent seeker angle noise (1 sigma per measurement)."
    )
    launch_speed_mps: SpeedSL = Field(
        description="Speed given by the vertical cold launch at ignition."
    )
    cold_launch_height_m: Length = Field(
        ge=0,
        description="Height above the launcher at which the cold-launched missile ignites.",
    )
    max_flight_time_s: Duration = Field(gt=0, description="Self-destruct at this time of flight.")
    min_speed_mps: SpeedSL = Field(
        description="Self-destruct below this speed after motor burn-out."
    )
    published_speed_mps: SpeedSL | None = Field(
        description="Published peak speed (a validation target of the calibrated "
        "propulsion, not used by the flyout); null if none is public."
    )

    # --- lethality -------------------------------------------------------------------------
    lethality_model: LethalityModel = Field(
        description="'fragmentation' (fuze and warhead, from the miss and the encounter "
        "speed), or a simple model of the miss alone: 'cookie_cutter', 'gaussian', 'rice'."
    )
    lethal_radius_m: Length = Field(
        gt=0,
        description="Simple models only: cookie-cutter/Rice lethal radius, or Gaussian scale.",
    )
    miss_sigma_m: Length = Field(
        ge=0, description="Simple models only: circular-normal scatter of the miss (Rice)."
    )
    warhead_fragments: float = Field(
        gt=0, description="Fragmentation: number of lethal fragments in the spray."
    )
    warhead_spray_width_rad: Angle = Field(
        gt=0,
        lt=math.pi,
        description="Fragmentation: polar width of the fragment spray band (about 90 deg "
        "from the axis).",
    )
    fuze_range_m: Length = Field(
        gt=0, description="Fragmentation: the proximity fuze does not fire beyond this miss."
    )
    fuze_reliability: float = Field(
        ge=0, le=1, description="Fragmentation: probability that fuze and warhead function."
    )
    fuze_timing_sigma_s: Duration = Field(
        ge=0,
        description="Fragmentation: 1-sigma error of the burst time (along the relative "
        "velocity it misplaces the spray by V_rel sigma), s.",
    )

    # --- planning envelope (what the command post believes) --------------------------------
    max_range_m: Length = Field(gt=0, description="Published far boundary of the engagement zone.")
    min_range_m: Length = Field(ge=0, description="Near boundary of the engagement zone.")
    min_altitude_m: Length = Field(ge=0, description="Lowest target altitude that can be engaged.")
    max_altitude_m: Length = Field(gt=0, description="Highest target altitude that can be engaged.")
    max_target_speed_mps: SpeedSL = Field(description="Fastest target that can be engaged.")
    pk_nominal: float = Field(gt=0, le=1, description="Single-shot planning kill probability.")
    per_slot: int = Field(
        ge=1, le=16, description="Missiles of this type one launcher slot carries (quad packs: 4)."
    )

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
    def kill_radius_m(self) -> float:
        """Miss distance within which a kinematic envelope counts an intercept: the fuze
        range (fragmentation) or the lethal radius (simple models), m."""
        return (
            self.fuze_range_m if self.lethality_model == "fragmentation" else self.lethal_radius_m
        )

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


def load_missile_catalog(path: str | Path | None = None) -> dict[str, MissileSpec]:
    """The missile catalogue (the packaged one by default) as validated specs by name.

    The file format and its errors (file, line, field and fix; duplicate keys; unknown
    confidence) are those of every catalogue section: see :mod:`samsim.scenario.catalog`.

    Raises
    ------
    samsim.errors.InputError
        For a missing file or any invalid entry.
    """
    from samsim.scenario.catalog import load_section

    return {name: e.spec for name, e in load_section(path or CATALOG_PATH, MissileSpec).items()}


def missile_figure_sources(path: str | Path | None = None) -> dict[str, dict[str, tuple[str, str]]]:
    """Source and confidence of every catalogue figure: name -> field -> (source, confidence)."""
    from samsim.scenario.catalog import load_section

    return {
        name: {k: (f.source, f.confidence) for k, f in e.figures.items()}
        for name, e in load_section(path or CATALOG_PATH, MissileSpec).items()
    }
