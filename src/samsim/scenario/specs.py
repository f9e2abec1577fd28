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
    Acceleration,
    Angle,
    Area,
    Decibel,
    Duration,
    Frequency,
    Length,
    Mass,
    Power,
    Speed,
    SpeedSL,
    SpeedSLOrZero,
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

    clutter_gamma_db: Decibel = Field(
        le=0,
        description="constant-gamma land clutter reflectivity of the terrain around the site, "
        "dB (-10 mountains/cities, -20 rolling hills, -30 flat/desert)",
    )
    mti_improvement_db: Decibel = Field(
        ge=0, description="clutter improvement factor of the MTI / Doppler processing, dB"
    )
    mti_notch_mps: SpeedSLOrZero = Field(
        default=0.0,
        ge=0,
        description="half-width of the MTI / Doppler filter's clutter notch, m/s: where "
        "ground clutter competes, a target whose radial speed is below it is filtered out "
        "with the clutter (the beam manoeuvre's 'notch'); 0: no notch",
    )
    sidelobe_level_db: Decibel = Field(
        lt=0,
        description="average one-way sidelobe level relative to the main-lobe peak, dB "
        "(receives stand-off jamming; floors the beam's pattern toward the ground)",
    )
    tracking_pd: float = Field(
        gt=0,
        lt=1,
        description="detection probability per look that the tracker assumes for a target "
        "in track (association cost and track score)",
    )
    max_target_speed_mps: SpeedSL = Field(
        default=4800.0,
        gt=0,
        description="fastest target the radar is designed to track, m/s; a new track's "
        "velocity prior has a third of it as standard deviation per axis, so a second "
        "detection of such a target falls inside the first one's gate",
    )
    autonomous_search_half_width_rad: Angle = Field(
        ge=0,
        le=math.pi,
        description="half width of the azimuth sector searched without a cue, about the "
        "site's azimuth_center (0: a fire-control radar that searches only where cued)",
    )
    autonomous_search_elevation_max_rad: Angle = Field(
        description="upper edge of the autonomous search sector (from elevation_min_rad)"
    )
    cue_window_sigmas: float = Field(
        gt=0,
        le=10,
        description="fire control: half size of the window searched around a cued or held "
        "track, in standard deviations of its predicted range and angles (at least one "
        "range cell and half a beamwidth)",
    )

    cue_window_max_beams: int = Field(
        ge=1,
        le=100,
        description="fire control: largest acquisition or track window, in beam positions "
        "per angle (azimuth and elevation)",
    )
    cue_window_range_m: Length = Field(
        gt=0,
        description="fire control: half length of the range gate of a window, m (the beam "
        "receives every range; the radar processes this swath around the expected range)",
    )

    @model_validator(mode="after")
    def _check(self) -> RadarSpec:
        if self.elevation_max_rad <= self.elevation_min_rad:
            raise ValueError("elevation_max_rad must exceed elevation_min_rad")
        if self.min_range_m >= self.instrumented_range_m:
            raise ValueError("min_range_m must be below instrumented_range_m")
        if not (
            self.elevation_min_rad
            < self.autonomous_search_elevation_max_rad
            <= self.elevation_max_rad
        ):
            raise ValueError(
                "autonomous_search_elevation_max_rad must lie above elevation_min_rad and "
                "not above elevation_max_rad"
            )
        if self.role == "acquisition" and self.autonomous_search_half_width_rad == 0:
            raise ValueError(
                "an acquisition radar must search on its own: give "
                "autonomous_search_half_width_rad > 0 (180 deg for all round)"
            )
        return self

    @property
    def autonomous_search(self) -> bool:
        """Whether the radar searches a sector without cues."""
        return self.autonomous_search_half_width_rad > 0

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
    assess_kill_prob: float = Field(
        ge=0,
        le=1,
        description="kill assessment: probability that a killed threat is assessed as killed "
        "(otherwise its track is still believed alive)",
    )
    assess_survivor_prob: float = Field(
        ge=0,
        le=1,
        description="kill assessment: probability that a threat that survived an engagement "
        "is assessed as surviving (otherwise it is believed killed and not engaged again)",
    )
    decoy_recognition_prob: float = Field(
        ge=0,
        le=1,
        description="probability that a decoy's track is recognised as a decoy (drawn once "
        "per track and command post; unrecognised, it looks like the type it mimics)",
    )
    false_decoy_prob: float = Field(
        ge=0,
        le=1,
        description="probability that a real threat's track is taken for a decoy (drawn once "
        "per track and command post; it is then not engaged)",
    )


class ThreatSpec(Spec):
    """A threat type: how it looks to radar, how it moves and how it reacts.

    Figures that do not apply to a kind are never used (the catalogue lists them as "not
    applicable"); the motion models are in ``physics/threats.py`` and
    docs/models/threats.md.
    """

    kind: Literal["cruise_missile", "aircraft", "ballistic_missile", "decoy"] = Field(
        description="motion model and role: cruise_missile (terrain following; drones too), "
        "aircraft, ballistic_missile (boost and ballistic flight), decoy (a harmless "
        "waypoint mover)"
    )
    rcs_m2: RCS = Field(description="mean radar cross section, m^2 (or dBsm)")
    swerling: int = Field(ge=0, le=4, description="Swerling fluctuation case 0-4")
    capability: float = Field(
        ge=0,
        le=1,
        description="lethality weight used by threat "
        "evaluation (0 harmless decoy .. 1 most dangerous)",
    )
    appears_as: str | None = Field(
        default=None,
        description="threat type (of the scenario or the catalogue) this one looks like to "
        "the command post, whose capability threat evaluation then uses (decoys)",
    )
    span_m: Length = Field(
        gt=0,
        description="largest dimension across the line of sight (wing span or length), m: "
        "sets the glint an interceptor's seeker sees",
    )
    length_m: Length = Field(
        gt=0,
        description="length along the direction of flight, m: how long the target is "
        "for the fragment spray of a warhead bursting early or late",
    )
    vulnerable_area_m2: Area = Field(
        gt=0,
        description="area whose hit by one lethal fragment kills the target, m^2 "
        "(warhead, fuel, control; a small part of the presented area)",
    )
    # -- waypoint movers ---------------------------------------------------------------
    speed_mps: Speed | None = Field(
        default=None,
        description="cruise speed, m/s (or Mach); required for all but ballistic missiles",
    )
    altitude_m: Length | None = Field(
        default=None,
        description="default cruise height: above ground for cruise missiles, above the "
        "ellipsoid for aircraft and decoys; required for all but ballistic missiles",
    )
    max_climb_rad: Angle = Field(
        default=math.radians(15.0),
        gt=0,
        lt=math.pi / 2,
        description="steepest climb (flight-path angle) of the vertical profile",
    )
    max_dive_rad: Angle = Field(
        default=math.radians(15.0),
        gt=0,
        lt=math.pi / 2,
        description="steepest dive (flight-path angle) of the vertical profile",
    )
    pull_up_mps2: Acceleration = Field(
        default=2.0 * 9.80665,
        gt=0,
        description="largest vertical acceleration when pulling up (over 1 g flight), m/s^2",
    )
    push_over_mps2: Acceleration = Field(
        default=1.0 * 9.80665,
        gt=0,
        description="largest vertical acceleration when pushing over crests, m/s^2",
    )
    terminal_manoeuvre: Literal["none", "popup", "weave"] = Field(
        default="none",
        description="terminal manoeuvre: popup (climb and dive onto the target; waypoint "
        "movers) or weave (lateral weave; waypoint movers and ballistic missiles)",
    )
    terminal_range_m: Length = Field(
        default=0.0,
        ge=0,
        description="distance to go at which a waypoint mover's terminal manoeuvre begins, m",
    )
    popup_height_m: Length = Field(
        default=300.0, ge=0, description="pop-up apex above the target's ground, m"
    )
    terminal_dive_rad: Angle = Field(
        default=math.radians(30.0),
        gt=0,
        lt=math.pi / 2,
        description="dive angle onto the target after a pop-up",
    )
    terminal_accel_mps2: Acceleration = Field(
        default=3.0 * 9.80665,
        gt=0,
        description="vertical acceleration available for the pop-up's pull-up and push-over, m/s^2",
    )
    weave_accel_mps2: Acceleration = Field(
        default=0.0, ge=0, description="peak lateral acceleration of the terminal weave, m/s^2"
    )
    weave_period_s: Duration = Field(default=4.0, gt=0, description="period of the weave, s")
    evasion: Literal["none", "beam", "turn_away"] = Field(
        default="none",
        description="reaction to a missile launched at it: beam (turn to put the launcher "
        "abeam, hold, rejoin the route) or turn_away (turn tail and egress); waypoint movers",
    )
    evasion_accel_mps2: Acceleration = Field(
        default=4.0 * 9.80665,
        gt=0,
        description="lateral acceleration of the evasive turns (n g: load factor "
        "sqrt(n^2 + 1)), m/s^2",
    )
    evasion_delay_s: Duration = Field(
        default=2.0, ge=0, description="reaction time from the launch to the evasive turn, s"
    )
    evasion_hold_s: Duration = Field(
        default=30.0,
        gt=0,
        description="time held on the beam (beam) or flying away (turn_away) before the "
        "trajectory rejoins the route or ends, s",
    )
    # -- ballistic missiles -------------------------------------------------------------
    ballistic_coefficient_kgpm2: float = Field(
        default=5000.0,
        gt=0,
        description="m / (Cd A) at burn-out mass, kg/m^2 (ballistic missiles; Cd A is held "
        "for the whole flight)",
    )
    launch_mass_kg: Mass | None = Field(
        default=None, gt=0, description="mass at launch, kg (ballistic missiles)"
    )
    propellant_mass_kg: Mass | None = Field(
        default=None, gt=0, description="propellant mass, kg (ballistic missiles)"
    )
    burn_time_s: Duration | None = Field(
        default=None, gt=0, description="full burn time of the motor, s (ballistic missiles)"
    )
    specific_impulse_s: Duration | None = Field(
        default=None, gt=0, description="specific impulse of the motor, s (ballistic missiles)"
    )
    vertical_rise_s: Duration = Field(
        default=4.0, ge=0, description="vertical rise before the pitch-over, s"
    )
    pitch_rate_radps: Angle = Field(
        default=math.radians(3.0),
        gt=0,
        description="rate at which the commanded flight-path angle falls after the rise, "
        "rad/s ('3 deg' is read as 3 deg/s)",
    )
    burnout_flight_path_rad: Angle = Field(
        default=math.radians(30.0),
        gt=0,
        lt=math.pi / 2,
        description="flight-path angle the pitch programme ends on (lower: flatter, lower apogee)",
    )
    steer_accel_mps2: Acceleration = Field(
        default=15.0 * 9.80665,
        gt=0,
        description="largest lateral acceleration of the boost steering, m/s^2",
    )
    min_range_m: Length | None = Field(
        default=None, ge=0, description="shortest published range, m (ballistic missiles)"
    )
    max_range_m: Length | None = Field(
        default=None, gt=0, description="longest published range, m (ballistic missiles)"
    )
    terminal_altitude_m: Length = Field(
        default=20000.0,
        ge=0,
        description="altitude below which a ballistic missile's terminal weave begins, m",
    )

    @model_validator(mode="after")
    def _check(self) -> ThreatSpec:
        if self.kind == "ballistic_missile":
            missing = [
                f
                for f in (
                    "launch_mass_kg",
                    "propellant_mass_kg",
                    "burn_time_s",
                    "specific_impulse_s",
                    "min_range_m",
                    "max_range_m",
                )
                if getattr(self, f) is None
            ]
            if missing:
                raise ValueError(f"a ballistic missile needs {', '.join(missing)}")
            m0, mp = self.launch_mass_kg or 0.0, self.propellant_mass_kg or 0.0
            if mp >= m0:
                raise ValueError(
                    f"propellant_mass_kg ({mp:g}) must be below launch_mass_kg ({m0:g})"
                )
            r0, r1 = self.min_range_m or 0.0, self.max_range_m or 0.0
            if r0 >= r1:
                raise ValueError(f"min_range_m ({r0:g}) must be below max_range_m ({r1:g})")
        else:
            missing = [f for f in ("speed_mps", "altitude_m") if getattr(self, f) is None]
            if missing:
                raise ValueError(f"a {self.kind} needs {', '.join(missing)}")
        return self
