"""A radar in the engine: one scan over all threats, vectorised.

Composes the radar physics (:mod:`samsim.sensors.equation`, :mod:`.detection`,
:mod:`.noise`) with geometry: coverage (range, elevation, sector), line of sight over
the earth and terrain, the radar equation, a detection draw and measurement noise.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from samsim.geo.frames import EnuFrame
from samsim.geo.los import visible
from samsim.geo.terrain import TerrainGrid
from samsim.scenario.specs import RadarSpec
from samsim.sensors.detection import pd_swerling
from samsim.sensors.equation import snr_db
from samsim.sensors.noise import sigma_angle_rad, sigma_range_m


@dataclass
class Detections:
    """Plots reported by one radar in one scan (one row per plot)."""

    time_s: float
    radar_index: int
    threat_id: NDArray[np.int64]  # truth; -1 for false alarms
    range_m: NDArray[np.float64]  # measured
    az_rad: NDArray[np.float64]
    el_rad: NDArray[np.float64]
    sigma_range_m: NDArray[np.float64]
    sigma_az_rad: NDArray[np.float64]
    sigma_el_rad: NDArray[np.float64]
    snr_db: NDArray[np.float64]
    true_range_m: NDArray[np.float64]

    def __len__(self) -> int:
        return len(self.threat_id)


@dataclass
class Coverage:
    """Geometry of a scan: which threats the radar could see and their true az/el/range."""

    visible: NDArray[np.bool_]
    az_rad: NDArray[np.float64]
    el_rad: NDArray[np.float64]
    range_m: NDArray[np.float64]


class Radar:
    """One radar site: its spec, its local frame and its scan.

    Parameters
    ----------
    name : str
        Unique radar name.
    index : int
        Radar index in the world.
    unit : int
        Index of the fire unit the radar reports to.
    spec : RadarSpec
        Resolved catalogue figures.
    frame : EnuFrame
        Scenario frame.
    base_enu_m : ndarray, shape (3,)
        Foot of the antenna mast (the site on the ground, or at its given altitude); the
        phase centre is ``spec.mast_height_m`` above it along the local vertical.
    terrain : TerrainGrid
        Ground heights for line of sight.
    azimuth_center_rad : float
        Centre of the searched sector.
    k_factor : float
        Effective earth radius factor.
    """

    def __init__(
        self,
        name: str,
        index: int,
        unit: int,
        spec: RadarSpec,
        frame: EnuFrame,
        base_enu_m: NDArray[np.float64],
        terrain: TerrainGrid,
        azimuth_center_rad: float,
        k_factor: float,
    ) -> None:
        self.name = name
        self.index = index
        self.unit = unit
        self.spec = spec
        self.terrain = terrain
        self.base_enu_m = np.asarray(base_enu_m, dtype=float)
        up = frame.site(self.base_enu_m).rot[2]
        self.site = frame.site(self.base_enu_m + spec.mast_height_m * up)
        self.azimuth_center_rad = azimuth_center_rad
        self.k_factor = k_factor
        # SNR of a 1 m^2 target at 1 m: SNR(R, sigma) = c + 10 log sigma - 40 log R.
        self.snr_1m_db = float(
            snr_db(
                peak_power_w=spec.peak_power_w,
                gain_tx_db=spec.antenna_gain_db,
                gain_rx_db=spec.antenna_gain_db,
                wavelength_m=spec.wavelength_m,
                rcs_m2=1.0,
                range_m=1.0,
                pulse_width_s=spec.pulse_width_s,
                noise_figure_db=spec.noise_figure_db,
                losses_db=spec.losses_db,
            )
        )
        self.range_resolution_m = 299792458.0 / (2.0 * spec.bandwidth_hz)

    def coverage(self, pos_m: NDArray[np.float64], alt_m: NDArray[np.float64]) -> Coverage:
        """Which of the targets at ``pos_m`` (ENU; ``alt_m`` their altitudes, unused by the
        terrain LOS which derives them) are inside the radar's range, elevation and azimuth
        limits and in line of sight over the terrain and the refracting earth
        (:func:`samsim.geo.los.visible`)."""
        az, el, rng = self.site.aer(pos_m)
        s = self.spec
        inside = (rng >= s.min_range_m) & (rng <= s.instrumented_range_m)
        inside &= (el >= s.elevation_min_rad) & (el <= s.elevation_max_rad)
        if s.azimuth_half_width_rad < np.pi:
            off = np.abs((az - self.azimuth_center_rad + np.pi) % (2 * np.pi) - np.pi)
            inside &= off <= s.azimuth_half_width_rad
        if inside.any():
            inside[inside] = visible(
                self.base_enu_m,
                pos_m[inside],
                self.terrain,
                antenna_height_m=self.spec.mast_height_m,
                k_factor=self.k_factor,
            )
        return Coverage(inside, az, el, rng)

    def snr_db(
        self, range_m: NDArray[np.float64], rcs_m2: NDArray[np.float64]
    ) -> NDArray[np.float64]:
        """Per-pulse SNR of targets, dB (radar equation; see :func:`.equation.snr_db`)."""
        return self.snr_1m_db + 10.0 * np.log10(rcs_m2) - 40.0 * np.log10(np.maximum(range_m, 1.0))

    def scan(
        self,
        time_s: float,
        threat_ids: NDArray[np.int64],
        pos_m: NDArray[np.float64],
        alt_m: NDArray[np.float64],
        rcs_m2: NDArray[np.float64],
        swerling: NDArray[np.int64],
        rng: np.random.Generator,
    ) -> Detections:
        """One look at every threat given: coverage, SNR, detection draw and noisy plots.

        Notes
        -----
        Pd from the per-pulse SNR with ``n_pulses`` non-coherently integrated and the
        target's Swerling case (:func:`.detection.pd_swerling`); one uniform draw per
        target in coverage (scan-to-scan independent, so Swerling 1 and 3 decorrelate
        between scans as they should). Range and angle errors are Gaussian with standard
        deviations from SNR (:mod:`.noise`).
        """
        cov = self.coverage(pos_m, alt_m)
        idx = np.flatnonzero(cov.visible)
        s = self.spec
        snr = self.snr_db(cov.range_m[idx], rcs_m2[idx])
        pd = np.zeros(len(idx))
        for case in np.unique(swerling[idx]):
            m = swerling[idx] == case
            pd[m] = pd_swerling(snr[m], s.pfa, s.n_pulses, int(case))
        draw = rng.random(len(idx))
        hit = draw < pd
        idx = idx[hit]
        snr = snr[hit]
        n = len(idx)
        # The measurement uses the energy of all n pulses of the look.
        snr_meas = snr + 10.0 * np.log10(s.n_pulses)
        sr = sigma_range_m(snr_meas, self.range_resolution_m, s.range_accuracy_floor_m)
        saz = sigma_angle_rad(
            snr_meas, s.beamwidth_az_rad, s.monopulse_slope, s.angle_accuracy_floor_rad
        )
        sel = sigma_angle_rad(
            snr_meas, s.beamwidth_el_rad, s.monopulse_slope, s.angle_accuracy_floor_rad
        )
        noise = rng.standard_normal((n, 3))
        return Detections(
            time_s=time_s,
            radar_index=self.index,
            threat_id=threat_ids[idx],
            range_m=cov.range_m[idx] + sr * noise[:, 0],
            az_rad=np.mod(cov.az_rad[idx] + saz * noise[:, 1], 2 * np.pi),
            el_rad=cov.el_rad[idx] + sel * noise[:, 2],
            sigma_range_m=sr,
            sigma_az_rad=saz,
            sigma_el_rad=sel,
            snr_db=snr,
            true_range_m=cov.range_m[idx],
        )
