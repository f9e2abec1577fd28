"""Catalogue entry types: what a radar, launcher, command post or threat type *is*.

Each physical figure is declared once here, with its unit type, bounds and a one-line
description. The catalogue (package data, YAML) gives every figure a value, a source and
a confidence; a scenario refers to an entry by name and may override any figure.
"""

from __future__ import annotations

import math
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from samsim.units import (
    RCS,
    Angle,
    Decibel,
    Duration,
    Frequency,
    Length,
    Power,
    Speed,
)

Confidence = Literal["official", "press", "community", "notional"]


class Spec(BaseModel):
    """Base of catalogue entry types: strict fields, assignment validated."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, frozen=True)


class RadarSpec(Spec):
    """A surveillance or fire-control radar, as the radar equation needs it."""

    role: Literal["acquisition", "fire_control"] = Field(
        description="acquisition (search, cues the command post) or fire_control (tracks for "
        "engagement and guides missiles; carries the channel limits)"
    )
    frequency_hz: Frequency = Field(gt=0, description="carrier frequency, Hz")
    peak_power_w: Power = Field(gt=0, description="transmitter peak power, W")
    pulse_width_s: Duration = Field(gt=0, description="transmitted (uncompressed) pulse length, s")
    bandwidth_hz: Frequency = Field(
        gt=0, description="signal bandwidth after compression, Hz (range resolution c / 2B)"
    )
    antenna_gain_db: Decibel = Field(gt=0, description="antenna gain, transmit and receive, dBi")
    noise_figure_db: Decibel = Field(ge=0, description="receiver noise figure, dB")
    losses_db: Decibel = Field(ge=0, description="total system losses, dB")
    n_pulses: int = Field(ge=1, le=10000, description="pulses integrated non-coherently per look")
    pfa: float = Field(gt=0, lt=0.1, description="false-alarm probability per resolution cell")
    beamwidth_az_rad: Angle = Field(gt=0, description="3 dB azimuth beamwidth")
    beamwidth_el_rad: Angle = Field(gt=0, description="3 dB elevation beamwidth")
    monopulse_slope: float = Field(
        gt=0.5,
        le=3.0,
        description="normalised monopulse slope k_m "
        "of the angle estimate (about 1.6 for amplitude monopulse)",
    )
    scan_period_s: Duration = Field(
        gt=0, description="revisit time of a point in the search volume, s"
    )
    instrumented_range_m: Length = Field(gt=0, description="farthest range processed, m")
    min_range_m: Length = Field(ge=0, description="nearest range processed (eclipsing), m")
    elevation_min_rad: Angle = Field(description="lowest beam elevation searched")
    elevation_max_rad: Angle = Field(description="highest beam elevation searched")
    azimuth_half_width_rad: Angle = Field(
        gt=0,
        le=math.pi,
        description="half width of the searched azimuth sector (180 deg = all round)",
    )
    range_accuracy_floor_m: Length = Field(ge=0, description="range error floor (bias, jitter), m")
    angle_accuracy_floor_rad: Angle = Field(ge=0, description="angle error floor (bias, jitter)")
    mast_height_m: Length = Field(ge=0, description="antenna phase-centre height above ground, m")
    target_channels: int = Field(
        ge=0,
        description="targets this radar can engage at once "
        "(fire control; 0 for acquisition radars)",
    )
    missile_channels: int = Field(
        ge=0,
        description="missiles this radar can guide at once "
        "(fire control; 0 for acquisition radars)",
    )

    @model_validator(mode="after")
    def _check(self) -> RadarSpec:
        if self.elevation_max_rad <= self.elevation_min_rad:
            raise ValueError("elevation_max_rad must exceed elevation_min_rad")
        if self.min_range_m >= self.instrumented_range_m:
            raise ValueError("min_range_m must be below instrumented_range_m")
        return self

    @property
    def wavelength_m(self) -> float:
        """Wavelength c / f, m."""
        return 299792458.0 / self.frequency_hz


class LauncherSpec(Spec):
    """A transporter-erector-launcher."""

    slots: int = Field(
        ge=1,
        le=64,
        description="missile slots (a large missile fills one; "
        "small missiles may pack several per slot)",
    )
    launch_interval_s: Duration = Field(
        ge=0, description="time between two launches from one launcher, s"
    )
    reload_time_s: Duration = Field(ge=0, description="time to reload one slot from the reserve, s")


class CommandPostSpec(Spec):
    """A battalion command post: decision cycle and delays."""

    cycle_s: Duration = Field(
        gt=0,
        description="decision cycle: threat evaluation and weapon assignment run this often, s",
    )
    reaction_time_s: Duration = Field(ge=0, description="delay from assignment to first launch, s")
    kill_assessment_delay_s: Duration = Field(
        ge=0, description="delay from intercept to the command post knowing its outcome, s"
    )
    max_targets: int = Field(ge=1, description="targets the command post can engage at once")
    max_missiles: int = Field(ge=1, description="missiles the command post can guide at once")


class ThreatSpec(Spec):
    """A threat type: how it looks to radar and how it moves by default."""

    kind: Literal["cruise_missile", "aircraft", "ballistic_missile", "decoy"] = Field(
        description="motion model and role"
    )
    rcs_m2: RCS = Field(description="mean radar cross section, m^2 (or dBsm)")
    swerling: int = Field(ge=0, le=4, description="Swerling fluctuation case 0-4")
    speed_mps: Speed = Field(description="cruise speed, m/s (or Mach)")
    altitude_m: Length = Field(
        description="default cruise height: above ground for cruise "
        "missiles, above mean sea level for aircraft"
    )
    capability: float = Field(
        ge=0,
        le=1,
        description="lethality weight used by threat "
        "evaluation (0 harmless decoy .. 1 most dangerous)",
    )
    ballistic_coefficient_kgpm2: float = Field(
        gt=0, description="m / (Cd A) during reentry, kg/m^2 (ballistic missiles)"
    )
    burnout_altitude_m: Length = Field(
        ge=0,
        description="altitude at motor burnout, where the ballistic missile enters the simulation",
    )
