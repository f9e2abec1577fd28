"""Measurement accuracy of a radar detection: thermal-noise standard deviations of range,
angle and radial speed from SNR and resolution, with a floor for bias and jitter, and a
sampler that adds that noise to true positions.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]


def _snr_lin(snr_db: ArrayLike) -> FloatArray:
    return np.asarray(10.0 ** (np.asarray(snr_db, dtype=float) / 10.0), dtype=float)


def sigma_range_m(
    snr_db: ArrayLike, range_resolution_m: ArrayLike, floor_m: ArrayLike
) -> FloatArray:
    """Standard deviation of a range measurement, metres.

    Parameters
    ----------
    snr_db : array_like
        SNR of the detection after all integration used for the measurement, dB.
    range_resolution_m : array_like
        Range resolution ``c / (2 B)``, m (see
        :func:`samsim.sensors.equation.range_resolution_m`).
    floor_m : array_like
        Standard deviation that remains at infinite SNR (range-gate quantisation, timing
        jitter, residual bias treated as random), m; added in quadrature.

    Returns
    -------
    ndarray
        ``sqrt((dR / sqrt(2 SNR))^2 + floor^2)``, m.

    Notes
    -----
    Thermal-noise term ``sigma_R = dR / sqrt(2 SNR)``: Richards, Scheer & Holm (eds.),
    *Principles of Modern Radar: Basic Principles* (SciTech, 2010), chapter "Radar
    measurements" (precision of range, angle and Doppler estimates); Barton, *Radar
    System Analysis and Modeling* (Artech House, 2005), chapter on measurement accuracy
    (thermal-noise component). The formula is the large-SNR limit; below about 10 dB the
    real estimate is worse than it says.
    """
    dr = np.asarray(range_resolution_m, dtype=float)
    floor = np.asarray(floor_m, dtype=float)
    return np.asarray(np.sqrt(dr * dr / (2.0 * _snr_lin(snr_db)) + floor * floor), dtype=float)


def sigma_angle_rad(
    snr_db: ArrayLike, beamwidth_rad: ArrayLike, monopulse_slope: ArrayLike, floor_rad: ArrayLike
) -> FloatArray:
    """Standard deviation of an angle (azimuth or elevation) measurement, radians.

    Parameters
    ----------
    snr_db : array_like
        SNR of the detection used for the measurement, dB.
    beamwidth_rad : array_like
        Half-power (3 dB) beamwidth in the plane of the measurement, rad.
    monopulse_slope : array_like
        Normalised monopulse (or beam-splitting) slope ``k_m``, dimensionless; about 1.6
        for a good amplitude-comparison monopulse (Sherman & Barton), about 1.2-1.4 for
        sequential lobing / beam splitting.
    floor_rad : array_like
        Standard deviation that remains at infinite SNR (boresight error, servo and
        platform jitter, quantisation), rad; added in quadrature.

    Returns
    -------
    ndarray
        ``sqrt((theta_3 / (k_m sqrt(2 SNR)))^2 + floor^2)``, rad.

    Notes
    -----
    Barton (2005), measurement accuracy; Sherman & Barton, *Monopulse Principles and
    Techniques*, 2nd ed. (Artech House, 2011), thermal-noise error of the monopulse
    estimate; Richards, Scheer & Holm (2010), "Radar measurements". Beam broadening of a
    phased array off broadside is not modelled: pass the broadened beamwidth.
    """
    bw = np.asarray(beamwidth_rad, dtype=float)
    km = np.asarray(monopulse_slope, dtype=float)
    floor = np.asarray(floor_rad, dtype=float)
    thermal = bw / (km * np.sqrt(2.0 * _snr_lin(snr_db)))
    return np.asarray(np.sqrt(thermal * thermal + floor * floor), dtype=float)


def measurement_sigmas(
    snr_db: FloatArray,
    range_resolution_m: float,
    range_floor_m: float,
    beamwidth_az_rad: float,
    beamwidth_el_rad: float,
    monopulse_slope: float,
    angle_floor_rad: float,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Range, azimuth and elevation standard deviations of the same detections, the SNR
    converted once: the values of :func:`sigma_range_m` and :func:`sigma_angle_rad` (in
    each plane) bit for bit, with a third of their conversions (one radar scan).

    Returns
    -------
    sigma_range_m, sigma_az_rad, sigma_el_rad : ndarray
        Same shape as ``snr_db``.
    """
    two_snr = 2.0 * _snr_lin(snr_db)
    sr = np.sqrt(range_resolution_m * range_resolution_m / two_snr + range_floor_m * range_floor_m)
    root = monopulse_slope * np.sqrt(two_snr)
    floor2 = angle_floor_rad * angle_floor_rad
    t_az = beamwidth_az_rad / root
    t_el = beamwidth_el_rad / root
    return sr, np.sqrt(t_az * t_az + floor2), np.sqrt(t_el * t_el + floor2)


def sigma_radial_speed_mps(
    snr_db: ArrayLike, wavelength_m: ArrayLike, dwell_time_s: ArrayLike, floor_mps: ArrayLike
) -> FloatArray:
    """Standard deviation of a radial-speed (Doppler) measurement, m/s.

    Parameters
    ----------
    snr_db : array_like
        SNR of the detection, dB.
    wavelength_m : array_like
        Carrier wavelength, m.
    dwell_time_s : array_like
        Coherent processing interval, s; speed resolution is ``lambda / (2 T)``.
    floor_mps : array_like
        Standard deviation at infinite SNR, m/s; added in quadrature.

    Returns
    -------
    ndarray
        ``sqrt((lambda / (2 T) / sqrt(2 SNR))^2 + floor^2)``, m/s.

    Notes
    -----
    Same form as :func:`sigma_range_m` with the Doppler resolution ``1/T`` in place of
    ``1/B`` (Richards, Scheer & Holm 2010, "Radar measurements"; Barton 2005).
    """
    dv = np.asarray(wavelength_m, dtype=float) / (2.0 * np.asarray(dwell_time_s, dtype=float))
    floor = np.asarray(floor_mps, dtype=float)
    return np.asarray(np.sqrt(dv * dv / (2.0 * _snr_lin(snr_db)) + floor * floor), dtype=float)


def noisy_measurements(
    rng: np.random.Generator,
    range_m: ArrayLike,
    az_rad: ArrayLike,
    el_rad: ArrayLike,
    sigma_range_m: ArrayLike,
    sigma_az_rad: ArrayLike,
    sigma_el_rad: ArrayLike,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Range, azimuth and elevation with independent Gaussian errors added.

    Parameters
    ----------
    rng : numpy.random.Generator
        The radar's random stream.
    range_m, az_rad, el_rad : array_like
        True spherical coordinates in the radar frame; broadcast together with the sigmas.
    sigma_range_m, sigma_az_rad, sigma_el_rad : array_like
        Standard deviations (from :func:`sigma_range_m`, :func:`sigma_angle_rad`).

    Returns
    -------
    range_m, az_rad, el_rad : ndarray
        Measured values: range kept positive, azimuth wrapped to [-pi, pi), elevation
        clipped to [-pi/2, pi/2]. Draw order is range, then azimuth, then elevation,
        each as one vector, so the result is a pure function of the generator state.
    """
    r, az, el, sr, sa, se = np.broadcast_arrays(
        np.asarray(range_m, dtype=float),
        np.asarray(az_rad, dtype=float),
        np.asarray(el_rad, dtype=float),
        np.asarray(sigma_range_m, dtype=float),
        np.asarray(sigma_az_rad, dtype=float),
        np.asarray(sigma_el_rad, dtype=float),
    )
    r_meas = np.abs(r + sr * rng.standard_normal(r.shape))
    az_meas = np.mod(az + sa * rng.standard_normal(az.shape) + np.pi, 2.0 * np.pi) - np.pi
    el_meas = np.clip(el + se * rng.standard_normal(el.shape), -0.5 * np.pi, 0.5 * np.pi)
    return (
        np.asarray(r_meas, dtype=float),
        np.asarray(az_meas, dtype=float),
        np.asarray(el_meas, dtype=float),
    )
