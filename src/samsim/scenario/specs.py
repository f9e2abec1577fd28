"""Catalogue entry types: what a radar, launcher, command post, missile or threat type *is*.

Each physical figure is declared once here, with its unit type, bounds and a one-line
description. The catalogue (package data, YAML) gives every figure a value, a source and
a confidence; a scenario refers to an entry by name and may override any figure.
"""

from __future__ import annotations

import itertools
import math
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from samsim.units import (
    RCS,
    Acceleration,
    Angle,
    Area,
    Count,
    Decibel,
    Duration,
    Force,
    Frequency,
    Length,
    Mass,
    Number,
    Power,
    Speed,
    SpeedSL,
    SpeedSLOrZero,
)

Confidence = Literal["official", "press", "community", "notional"]

#: Largest acceleration a threat manoeuvre may have, m/s^2 (100 g).
MAX_THREAT_ACCEL_MPS2 = 100 * 9.80665


class Spec(BaseModel):
    """Base of catalogue entry types: strict fields, assignment validated."""

    model_config = ConfigDict(
        extra="forbid", validate_assignment=True, frozen=True, allow_inf_nan=False
    )


class RadarSpec(Spec):
    """A surveillance or fire-control radar, as the radar equation needs it."""

    role: Literal["acquisition", "fire_control"] = Field(
        description="acquisition (search, cues the command post) or fire_control (tracks for "
        "engagement and guides missiles; carries the channel limits)"
    )
    frequency_hz: Frequency = Field(ge=1e6, le=3e11, description="carrier frequency, Hz")
    peak_power_w: Power = Field(gt=0, le=1e9, description="transmitter peak power, W")
    pulse_width_s: Duration = Field(
        gt=0, le=0.1, description="transmitted (uncompressed) pulse length, s"
    )
    bandwidth_hz: Frequency = Field(
        gt=0,
        le=1e11,
        description="signal bandwidth after compression, Hz (range resolution c / 2B)",
    )
    antenna_gain_db: Decibel = Field(
        gt=0, le=80, description="antenna gain, transmit and receive, dBi"
    )
    noise_figure_db: Decibel = Field(ge=0, le=40, description="receiver noise figure, dB")
    losses_db: Decibel = Field(ge=0, le=60, description="total system losses, dB")
    n_pulses: Count = Field(ge=1, le=10000, description="pulses integrated non-coherently per look")
    pfa: Number = Field(gt=0, lt=0.1, description="false-alarm probability per resolution cell")
    beamwidth_az_rad: Angle = Field(gt=0, le=math.pi, description="3 dB azimuth beamwidth")
    beamwidth_el_rad: Angle = Field(gt=0, le=math.pi, description="3 dB elevation beamwidth")
    monopulse_slope: Number = Field(
        gt=0.5,
        le=3.0,
        description="normalised monopulse slope k_m "
        "of the angle estimate (about 1.6 for amplitude monopulse)",
    )
    scan_period_s: Duration = Field(
        ge=0.01,
        le=600,
        description="revisit time of a point in the search volume, s (every scan is an "
        "event: a shorter period would not end)",
    )
    instrumented_range_m: Length = Field(gt=0, le=6e6, description="farthest range processed, m")
    min_range_m: Length = Field(ge=0, le=6e6, description="nearest range processed (eclipsing), m")
    elevation_min_rad: Angle = Field(
        ge=-math.pi / 2, le=math.pi / 2, description="lowest beam elevation searched"
    )
    elevation_max_rad: Angle = Field(
        ge=-math.pi / 2, le=math.pi / 2, description="highest beam elevation searched"
    )
    azimuth_half_width_rad: Angle = Field(
        gt=0,
        le=math.pi,
        description="half width of the searched azimuth sector (180 deg = all round)",
    )
    range_accuracy_floor_m: Length = Field(
        ge=0, le=10e3, description="range error floor (bias, jitter), m"
    )
    angle_accuracy_floor_rad: Angle = Field(
        ge=0, le=0.2, description="angle error floor (bias, jitter)"
    )
    mast_height_m: Length = Field(
        ge=0, le=500, description="antenna phase-centre height above ground, m"
    )
    target_channels: Count = Field(
        ge=0,
        le=1000,
        description="targets this radar can engage at once "
        "(fire control; 0 for acquisition radars)",
    )
    missile_channels: Count = Field(
        ge=0,
        le=1000,
        description="missiles this radar can guide at once "
        "(fire control; 0 for acquisition radars)",
    )

    clutter_gamma_db: Decibel = Field(
        ge=-80,
        le=0,
        description="constant-gamma land clutter reflectivity of the terrain around the site, "
        "dB (-10 mountains/cities, -20 rolling hills, -30 flat/desert)",
    )
    mti_improvement_db: Decibel = Field(
        ge=0, le=100, description="clutter improvement factor of the MTI / Doppler processing, dB"
    )
    mti_notch_mps: SpeedSLOrZero = Field(
        default=0.0,
        ge=0,
        le=1000,
        description="half-width of the MTI / Doppler filter's clutter notch, m/s: where "
        "ground clutter competes, a target whose radial speed is below it is filtered out "
        "with the clutter (the beam manoeuvre's 'notch'); 0: no notch",
    )
    sidelobe_level_db: Decibel = Field(
        ge=-100,
        lt=0,
        description="average one-way sidelobe level relative to the main-lobe peak, dB "
        "(receives stand-off jamming; floors the beam's pattern toward the ground)",
    )
    tracking_pd: Number = Field(
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
        ge=-math.pi / 2,
        le=math.pi / 2,
        description="upper edge of the autonomous search sector (from elevation_min_rad)",
    )
    cue_window_sigmas: Number = Field(
        gt=0,
        le=10,
        description="fire control: half size of the window searched around a cued or held "
        "track, in standard deviations of its predicted range and angles (at least one "
        "range cell and half a beamwidth)",
    )

    cue_window_max_beams: Count = Field(
        ge=1,
        le=100,
        description="fire control: largest acquisition or track window, in beam positions "
        "per angle (azimuth and elevation)",
    )
    cue_window_range_m: Length = Field(
        gt=0,
        le=1e6,
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

    slots: Count = Field(
        ge=1,
        le=64,
        description="missile slots (a large missile fills one; "
        "small missiles may pack several per slot)",
    )
    launch_interval_s: Duration = Field(
        ge=0, le=3600, description="time between two launches from one launcher, s"
    )
    reload_time_s: Duration = Field(
        ge=0, le=86400, description="time to reload one slot from the reserve, s"
    )


class CommandPostSpec(Spec):
    """A battalion command post: decision cycle and delays."""

    cycle_s: Duration = Field(
        ge=0.1,
        le=600,
        description="decision cycle: threat evaluation and weapon assignment run this often, s",
    )
    reaction_time_s: Duration = Field(
        ge=0, le=3600, description="delay from assignment to first launch, s"
    )
    kill_assessment_delay_s: Duration = Field(
        ge=0,
        le=3600,
        description="delay from intercept to the command post knowing its outcome, s",
    )
    max_targets: Count = Field(
        ge=1, le=1000, description="targets the command post can engage at once"
    )
    max_missiles: Count = Field(
        ge=1, le=1000, description="missiles the command post can guide at once"
    )
    assess_kill_prob: Number = Field(
        ge=0,
        le=1,
        description="kill assessment: probability that a killed threat is assessed as killed "
        "(otherwise its track is still believed alive)",
    )
    assess_survivor_prob: Number = Field(
        ge=0,
        le=1,
        description="kill assessment: probability that a threat that survived an engagement "
        "is assessed as surviving (otherwise it is believed killed and not engaged again)",
    )
    decoy_recognition_prob: Number = Field(
        ge=0,
        le=1,
        description="probability that a decoy's track is recognised as a decoy (drawn once "
        "per track and command post; unrecognised, it looks like the type it mimics)",
    )
    false_decoy_prob: Number = Field(
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

    kind: Literal[
        "cruise_missile", "aircraft", "ballistic_missile", "decoy", "anti_radiation_missile"
    ] = Field(
        description="motion model and role: cruise_missile (terrain following; drones too), "
        "aircraft, ballistic_missile (boost and ballistic flight), decoy (a harmless "
        "waypoint mover), anti_radiation_missile (homes on an emitting radar: "
        "physics/arm.py)"
    )
    rcs_m2: RCS = Field(description="mean radar cross section, m^2 (or dBsm)")
    swerling: Count = Field(ge=0, le=4, description="Swerling fluctuation case 0-4")
    capability: Number = Field(
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
        ge=0,
        le=100e3,
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
        le=MAX_THREAT_ACCEL_MPS2,
        default=2.0 * 9.80665,
        gt=0,
        description="largest vertical acceleration when pulling up (over 1 g flight), m/s^2",
    )
    push_over_mps2: Acceleration = Field(
        le=MAX_THREAT_ACCEL_MPS2,
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
        le=1e6,
        description="distance to go at which a waypoint mover's terminal manoeuvre begins, m",
    )
    popup_height_m: Length = Field(
        default=300.0, ge=0, le=20e3, description="pop-up apex above the target's ground, m"
    )
    terminal_dive_rad: Angle = Field(
        default=math.radians(30.0),
        gt=0,
        lt=math.pi / 2,
        description="dive angle onto the target after a pop-up",
    )
    terminal_accel_mps2: Acceleration = Field(
        le=MAX_THREAT_ACCEL_MPS2,
        default=3.0 * 9.80665,
        gt=0,
        description="vertical acceleration available for the pop-up's pull-up and push-over, m/s^2",
    )
    weave_accel_mps2: Acceleration = Field(
        default=0.0,
        ge=0,
        le=MAX_THREAT_ACCEL_MPS2,
        description="peak lateral acceleration of the terminal weave, m/s^2",
    )
    weave_period_s: Duration = Field(
        default=4.0, ge=0.1, le=600, description="period of the weave, s"
    )
    evasion: Literal["none", "beam", "turn_away"] = Field(
        default="none",
        description="reaction to a missile launched at it: beam (turn to put the launcher "
        "abeam, hold, rejoin the route) or turn_away (turn tail and egress); waypoint movers",
    )
    evasion_accel_mps2: Acceleration = Field(
        le=MAX_THREAT_ACCEL_MPS2,
        default=4.0 * 9.80665,
        gt=0,
        description="lateral acceleration of the evasive turns (n g: load factor "
        "sqrt(n^2 + 1)), m/s^2",
    )
    evasion_delay_s: Duration = Field(
        default=2.0,
        ge=0,
        le=600,
        description="reaction time from the launch to the evasive turn, s",
    )
    evasion_hold_s: Duration = Field(
        default=30.0,
        gt=0,
        le=3600,
        description="time held on the beam (beam) or flying away (turn_away) before the "
        "trajectory rejoins the route or ends, s",
    )
    endgame: Literal["none", "break"] = Field(
        default="none",
        description="last-ditch manoeuvre against an interceptor about to arrive: break (a "
        "hard level turn to put the interceptor abeam, on a missile-approach warning); "
        "aircraft",
    )
    break_time_to_go_s: Duration = Field(
        default=4.0,
        gt=0,
        le=60,
        description="interceptor time to go at which the break starts (warning and reaction), s",
    )
    break_accel_mps2: Acceleration = Field(
        default=7.0 * 9.80665,
        gt=0,
        le=MAX_THREAT_ACCEL_MPS2,
        description="lateral acceleration of the break turn, m/s^2",
    )
    break_hold_s: Duration = Field(
        default=10.0,
        gt=0,
        le=3600,
        description="time the break heading is held before rejoining, s",
    )
    # -- effect on the defence's nodes (radars, launchers, command posts) -----------------
    node_lethal_radius_m: Length = Field(
        default=0.0,
        ge=0,
        le=10e3,
        description="ground distance from where the threat ends its flight (impact, or the "
        "end of its route) within which its warhead destroys a radar, launcher or command "
        "post, m (0: no effect on nodes)",
    )
    node_kill_prob: Number = Field(
        default=1.0,
        ge=0,
        le=1,
        description="probability that a node within node_lethal_radius_m is destroyed (one "
        "draw per node)",
    )
    # -- anti-radiation missiles --------------------------------------------------------
    seeker_band_min_hz: Frequency | None = Field(
        default=None,
        gt=0,
        le=3e11,
        description="lower edge of the passive seeker's band, Hz (anti-radiation missiles: "
        "it homes only on radars whose carrier lies in the band)",
    )
    seeker_band_max_hz: Frequency | None = Field(
        default=None,
        gt=0,
        le=3e11,
        description="upper edge of the passive seeker's band, Hz (anti-radiation missiles)",
    )
    memory_bearing_sigma_rad: Angle = Field(
        default=0.0,
        ge=0,
        le=0.5,
        description="anti-radiation missiles: error (1 sigma per horizontal axis) of the "
        "heading held when the emitter goes dark: the aim point is off by this angle times "
        "the range left (physics/arm.py)",
    )
    memory_position_sigma_m: Length = Field(
        default=0.0,
        ge=0,
        le=100e3,
        description="anti-radiation missiles: error (1 sigma per horizontal axis) of the "
        "emitter position the missile remembers when it goes dark, independent of the "
        "range (GPS/INS-aided missiles that geolocate the emitter), m",
    )
    # -- ballistic missiles -------------------------------------------------------------
    ballistic_coefficient_kgpm2: Number = Field(
        default=5000.0,
        gt=0,
        le=1e6,
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
        default=None,
        gt=0,
        le=1000,
        description="full burn time of the motor, s (ballistic missiles)",
    )
    specific_impulse_s: Duration | None = Field(
        default=None,
        gt=0,
        le=1000,
        description="specific impulse of the motor, s (ballistic missiles)",
    )
    vertical_rise_s: Duration = Field(
        default=4.0, ge=0, le=600, description="vertical rise before the pitch-over, s"
    )
    pitch_rate_radps: Angle = Field(
        default=math.radians(3.0),
        gt=0,
        le=1.0,
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
        le=MAX_THREAT_ACCEL_MPS2,
        default=15.0 * 9.80665,
        gt=0,
        description="largest lateral acceleration of the boost steering, m/s^2",
    )
    min_range_m: Length | None = Field(
        default=None, ge=0, le=2e7, description="shortest published range, m (ballistic missiles)"
    )
    max_range_m: Length | None = Field(
        default=None, gt=0, le=2e7, description="longest published range, m (ballistic missiles)"
    )
    terminal_altitude_m: Length = Field(
        default=20000.0,
        ge=0,
        le=1e6,
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
        if self.kind == "anti_radiation_missile":
            lo, hi = self.seeker_band_min_hz, self.seeker_band_max_hz
            if lo is None or hi is None:
                raise ValueError(
                    "an anti_radiation_missile needs seeker_band_min_hz and "
                    "seeker_band_max_hz; give its passive seeker's band"
                )
            if lo >= hi:
                raise ValueError(
                    f"seeker_band_min_hz ({lo:g}) must be below seeker_band_max_hz ({hi:g})"
                )
        return self


GuidanceLaw = Literal["pn", "apn"]
LethalityModel = Literal["fragmentation", "cookie_cutter", "gaussian", "rice"]
SeekerKind = Literal["active", "semi_active"]


class MissileSpec(BaseModel):
    """One interceptor type: propulsion, aerodynamics, guidance, lethality, envelope.

    All values are SI. Fields with no default must come from the catalogue (or a scenario
    override), each with its source and confidence. The motor burns the boost grain then
    the sustain grain back to back, each at constant thrust and mass flow.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    name: str = Field("", description="Designation, e.g. '48N6E3' (set from the catalogue key).")
    description: str = Field("", description="One-line description of the type.")

    # --- mass and propulsion -------------------------------------------------------------
    mass_launch_kg: Mass = Field(gt=0, le=1e5, description="Mass at launch, including propellant.")
    boost_thrust_n: Force = Field(gt=0, le=1e7, description="Boost-phase thrust (constant), N.")
    boost_burn_time_s: Duration = Field(gt=0, le=600, description="Boost burn duration, s.")
    boost_propellant_kg: Mass = Field(
        gt=0, le=1e5, description="Propellant burnt during boost, kg."
    )
    sustain_thrust_n: Force = Field(ge=0, le=1e7, description="Sustain-phase thrust (0: none), N.")
    sustain_burn_time_s: Duration = Field(ge=0, le=600, description="Sustain burn duration, s.")
    sustain_propellant_kg: Mass = Field(
        ge=0, le=1e5, description="Propellant burnt during sustain, kg."
    )

    # --- aerodynamics --------------------------------------------------------------------
    reference_area_m2: Area = Field(
        gt=0, le=10, description="Aerodynamic reference area (body cross-section), m^2."
    )
    cd0_mach_table: list[tuple[Number, Number]] = Field(
        min_length=1,
        max_length=200,
        description="Zero-lift drag coefficient vs Mach, [[Mach, CD0], ...], Mach increasing.",
    )
    induced_drag_factor: Number = Field(
        ge=0, le=100, description="k in CD = CD0 + k CN^2 (drag due to manoeuvring lift)."
    )
    cn_max: Number = Field(
        gt=0, le=100, description="Largest trimmed normal-force coefficient on the reference area."
    )
    tvc_max_deflection_rad: Angle = Field(
        ge=0,
        lt=math.pi / 2,
        description="Largest thrust-vector deflection while a motor burns (0: none).",
    )
    structural_accel_limit_mps2: Acceleration = Field(
        gt=0, le=1e4, description="Structural lateral acceleration limit."
    )

    # --- guidance and control -------------------------------------------------------------
    autopilot_time_constant_s: Duration = Field(
        ge=0.01,
        le=10,
        description="Total time constant of the flight-control (autopilot and airframe) "
        "response: flight_control_order equal lags of this total (binomial), s.",
    )
    flight_control_order: Count = Field(
        ge=0,
        le=5,
        description="Number of equal first-order lags of the flight-control response (0: "
        "none, the guidance filter is then the only lag of the homing loop).",
    )
    flight_control_q_ref_pa: Number = Field(
        ge=0,
        le=1e7,
        description="Dynamic pressure below which the flight-control response slows: its "
        "time constants scale by sqrt(q_ref / q), at most 4x (0: never), Pa.",
    )
    nav_constant: Number = Field(
        gt=0, le=20, description="Effective navigation ratio N' of terminal PN/APN."
    )
    guidance_law: GuidanceLaw = Field(description="Terminal law: 'pn' or 'apn' (augmented PN).")
    guidance_rate_hz: Number = Field(
        gt=0, le=10000, description="Seeker measurement and terminal guidance update rate, Hz."
    )
    guidance_filter_time_constant_s: Duration = Field(
        gt=0,
        le=10,
        description="Time constant of the seeker's line-of-sight-rate (filtered derivative) "
        "estimate, s.",
    )
    midcourse_loft_ratio: Number = Field(
        ge=0,
        le=100,
        description="Dive slope of the mid-course altitude profile onto the PIP (m per m).",
    )
    midcourse_altitude_m: Length = Field(
        gt=0, le=1e6, description="Cruise altitude of the lofted mid-course profile."
    )
    seeker_kind: SeekerKind = Field(
        description="'active' (SNR ~ 1/R^4) or 'semi_active' / track-via-missile (SNR ~ "
        "1/R^2 in the missile-target range)."
    )
    seeker_range_m: Length = Field(
        gt=0,
        le=1e6,
        description="Lock-on range against a target of seeker_reference_rcs_m2; terminal "
        "homing takes over there. It scales as RCS^(1/4) (active) or RCS^(1/2) (semi-active).",
    )
    seeker_reference_rcs_m2: Area = Field(
        gt=0, description="Target RCS at which seeker_range_m holds, m^2."
    )
    seeker_beamwidth_rad: Angle = Field(
        gt=0, lt=math.pi / 2, description="Seeker antenna 3 dB beamwidth."
    )
    seeker_lock_snr_db: Number = Field(
        ge=0, le=40, description="Seeker signal-to-noise ratio at lock-on range, dB."
    )
    seeker_fixed_noise_rad: Angle = Field(
        ge=0, le=0.2, description="Range-independent seeker angle noise (1 sigma per measurement)."
    )
    launch_speed_mps: SpeedSL = Field(
        description="Speed given by the vertical cold launch at ignition."
    )
    cold_launch_height_m: Length = Field(
        ge=0,
        le=1000,
        description="Height above the launcher at which the cold-launched missile ignites.",
    )
    max_flight_time_s: Duration = Field(
        gt=0, le=3600, description="Self-destruct at this time of flight."
    )
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
        le=1000,
        description="Simple models only: cookie-cutter/Rice lethal radius, or Gaussian scale.",
    )
    miss_sigma_m: Length = Field(
        ge=0, le=1e4, description="Simple models only: circular-normal scatter of the miss (Rice)."
    )
    warhead_fragments: Number = Field(
        gt=0, le=1e6, description="Fragmentation: number of lethal fragments in the spray."
    )
    warhead_spray_width_rad: Angle = Field(
        gt=0,
        lt=math.pi,
        description="Fragmentation: polar width of the fragment spray band (about 90 deg "
        "from the axis).",
    )
    fuze_range_m: Length = Field(
        gt=0,
        le=1000,
        description="Fragmentation: the proximity fuze does not fire beyond this miss.",
    )
    fuze_reliability: Number = Field(
        ge=0, le=1, description="Fragmentation: probability that fuze and warhead function."
    )
    fuze_timing_sigma_s: Duration = Field(
        ge=0,
        le=1,
        description="Fragmentation: 1-sigma error of the burst time (along the relative "
        "velocity it misplaces the spray by V_rel sigma), s.",
    )

    # --- planning envelope (what the command post believes) --------------------------------
    max_range_m: Length = Field(
        gt=0, le=2e6, description="Published far boundary of the engagement zone."
    )
    min_range_m: Length = Field(ge=0, le=2e6, description="Near boundary of the engagement zone.")
    min_altitude_m: Length = Field(
        ge=0, le=1e6, description="Lowest target altitude that can be engaged."
    )
    max_altitude_m: Length = Field(
        gt=0, le=1e6, description="Highest target altitude that can be engaged."
    )
    max_target_speed_mps: SpeedSL = Field(description="Fastest target that can be engaged.")
    pk_nominal: Number = Field(gt=0, le=1, description="Single-shot planning kill probability.")
    per_slot: Count = Field(
        ge=1, le=16, description="Missiles of this type one launcher slot carries (quad packs: 4)."
    )

    @field_validator("cd0_mach_table", mode="after")
    @classmethod
    def _check_table(cls, table: list[tuple[float, float]]) -> list[tuple[float, float]]:
        machs = [m for m, _ in table]
        if any(b <= a for a, b in itertools.pairwise(machs)) or machs[0] < 0 or machs[-1] > 50:
            raise ValueError(
                f"Mach values must be within 0 and 50 and strictly increasing, got {machs}"
            )
        if any(not 0 <= cd <= 10 for _, cd in table):
            raise ValueError(f"CD0 values must be within 0 and 10, got {[cd for _, cd in table]}")
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
