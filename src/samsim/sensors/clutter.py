"""Land clutter at low grazing angles and false alarms.

Constant-gamma surface clutter seen through a Gaussian elevation beam over a smooth
4/3-earth, its clutter-to-noise ratio after Doppler/MTI processing, the resulting
signal-to-clutter-plus-noise ratio, and the count and positions of noise false alarms.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

from samsim.sensors.equation import REFERENCE_TEMP_K, snr_db

FloatArray = NDArray[np.float64]

# 10 log10(e) * 4 ln 2: one-way Gaussian beam loss in dB per (offset / beamwidth)^2.
_GAUSS_DB = 10.0 * math.log10(math.e) * 4.0 * math.log(2.0)
_LN10_OVER_10 = math.log(10.0) / 10.0


def grazing_angle_rad(
    range_m: ArrayLike, radar_height_m: ArrayLike, effective_earth_radius_m: ArrayLike
) -> FloatArray:
    """Grazing angle at the ground point seen at slant range ``range_m``, radians.

    Parameters
    ----------
    range_m : array_like
        Slant range from the radar phase centre to the ground, m.
    radar_height_m : array_like
        Height of the phase centre above the (smooth) surface, m.
    effective_earth_radius_m : array_like
        ``k a`` (``samsim.geo.earth.effective_earth_radius_m()``; 4/3 earth is 8,495 km).

    Returns
    -------
    ndarray
        ``psi`` with ``sin psi = h/R + h^2/(2 a_e R) - R/(2 a_e)``; negative beyond the
        radar horizon ``sqrt(2 a_e h + h^2)`` (no surface is illuminated there) and
        ``pi/2`` where ``R < h`` (no ground point at that range).

    Notes
    -----
    Law of cosines in the triangle earth centre - radar - ground point, rays straight
    over the effective earth (Long, *Radar Reflectivity of Land and Sea*, 3rd ed., Artech
    House, 2001; Barton, *Radar Equations for Modern Radar*, Artech House, 2013).
    """
    r = np.asarray(range_m, dtype=float)
    h = np.asarray(radar_height_m, dtype=float)
    ae = np.asarray(effective_earth_radius_m, dtype=float)
    sin_psi = h / r + h * h / (2.0 * ae * r) - r / (2.0 * ae)
    return np.asarray(np.arcsin(np.clip(sin_psi, -1.0, 1.0)), dtype=float)


def depression_angle_rad(
    range_m: ArrayLike, radar_height_m: ArrayLike, effective_earth_radius_m: ArrayLike
) -> FloatArray:
    """Angle below the radar's local horizontal of the ground point at slant range
    ``range_m``, radians: ``sin d = (2 a_e h + h^2 + R^2) / (2 (a_e + h) R)``
    (same triangle as :func:`grazing_angle_rad`; ``pi/2`` where ``R < h``)."""
    r = np.asarray(range_m, dtype=float)
    h = np.asarray(radar_height_m, dtype=float)
    ae = np.asarray(effective_earth_radius_m, dtype=float)
    sin_d = (2.0 * ae * h + h * h + r * r) / (2.0 * (ae + h) * r)
    return np.asarray(np.arcsin(np.clip(sin_d, -1.0, 1.0)), dtype=float)


def sigma0_constant_gamma(gamma_db: ArrayLike, grazing_rad: ArrayLike) -> FloatArray:
    """Clutter reflectivity (RCS per unit ground area) of the constant-gamma model, m^2/m^2.

    Parameters
    ----------
    gamma_db : array_like
        Terrain parameter gamma, dB (typical: -10 mountains and cities, -15 wooded hills,
        -20 rolling hills, -25 farmland, -30 desert or flat land; Barton 2013, land clutter).
    grazing_rad : array_like
        Grazing angle, rad; zero or negative gives zero (shadow / beyond horizon).

    Returns
    -------
    ndarray
        ``sigma0 = gamma sin(psi)``.

    Notes
    -----
    Barton, *Radar Equations for Modern Radar* (Artech House, 2013), land clutter and
    the constant-gamma model; Nathanson, *Radar Design Principles*, 2nd ed.
    (McGraw-Hill, 1991), land clutter tables. Valid at
    low and medium grazing angles (below about 20-30 deg); ignores the near-vertical
    specular peak and the low-angle shadowing of rough terrain beyond ``sin psi``.
    """
    g = 10.0 ** (np.asarray(gamma_db, dtype=float) / 10.0)
    return np.asarray(
        g * np.maximum(np.sin(np.asarray(grazing_rad, dtype=float)), 0.0), dtype=float
    )


def clutter_cell_area_m2(
    range_m: ArrayLike,
    azimuth_beamwidth_rad: ArrayLike,
    range_resolution_m: ArrayLike,
    grazing_rad: ArrayLike,
) -> FloatArray:
    """Ground area of one pulse-limited clutter cell, m^2.

    ``A = R theta_az dR / cos(psi)``: the azimuth extent of the beam at range R times the
    ground extent of one range cell (Skolnik, *Introduction to Radar Systems*, 3rd ed.,
    2001, ch. 7; Richards 2005, ch. 2). Pulse-limited regime (low grazing angle, where
    ``dR tan psi`` is smaller than the elevation footprint).
    """
    r = np.asarray(range_m, dtype=float)
    return np.asarray(
        r
        * np.asarray(azimuth_beamwidth_rad, dtype=float)
        * np.asarray(range_resolution_m, dtype=float)
        / np.cos(np.asarray(grazing_rad, dtype=float)),
        dtype=float,
    )


def clutter_rcs_m2(
    range_m: ArrayLike,
    *,
    radar_height_m: ArrayLike,
    gamma_db: ArrayLike,
    azimuth_beamwidth_rad: ArrayLike,
    range_resolution_m: ArrayLike,
    effective_earth_radius_m: ArrayLike,
) -> FloatArray:
    """Radar cross section of the ground clutter in the range cell at ``range_m``, m^2.

    ``sigma_c = sigma0(psi) A(R, psi)`` from :func:`sigma0_constant_gamma` and
    :func:`clutter_cell_area_m2`, with ``psi`` from :func:`grazing_angle_rad`; zero
    beyond the radar horizon and where ``R`` is below the radar height.
    """
    r = np.asarray(range_m, dtype=float)
    h = np.asarray(radar_height_m, dtype=float)
    psi = grazing_angle_rad(r, h, effective_earth_radius_m)
    sigma = sigma0_constant_gamma(gamma_db, psi) * clutter_cell_area_m2(
        r, azimuth_beamwidth_rad, range_resolution_m, psi
    )
    return np.asarray(np.where(r > h, sigma, 0.0), dtype=float)


def gaussian_beam_two_way_db(
    offset_rad: ArrayLike, beamwidth_rad: ArrayLike, sidelobe_level_db: ArrayLike
) -> FloatArray:
    """Two-way gain, relative to the peak, of a Gaussian main beam with a sidelobe floor, dB.

    Parameters
    ----------
    offset_rad : array_like
        Angle from the beam axis, rad.
    beamwidth_rad : array_like
        Half-power beamwidth, rad.
    sidelobe_level_db : array_like
        One-way sidelobe level relative to the peak, dB (negative, e.g. -25).

    Returns
    -------
    ndarray
        ``2 max(-4 ln2 (theta / theta_3)^2 * 10 log10 e, SLL)`` dB (transmit and receive on
        the same antenna).

    Notes
    -----
    Gaussian approximation of the main lobe, ``G/G0 = exp(-4 ln2 (theta/theta_3)^2)``
    (Barton 2013, beamshape loss): 3 dB down one way at half a beamwidth.
    """
    x = np.asarray(offset_rad, dtype=float) / np.asarray(beamwidth_rad, dtype=float)
    one_way = np.maximum(-_GAUSS_DB * x * x, np.asarray(sidelobe_level_db, dtype=float))
    return np.asarray(2.0 * one_way, dtype=float)


def clutter_to_noise_db(
    *,
    range_m: ArrayLike,
    beam_elevation_rad: ArrayLike,
    peak_power_w: ArrayLike,
    gain_tx_db: ArrayLike,
    gain_rx_db: ArrayLike,
    wavelength_m: ArrayLike,
    pulse_width_s: ArrayLike,
    noise_figure_db: ArrayLike,
    losses_db: ArrayLike,
    radar_height_m: ArrayLike,
    gamma_db: ArrayLike,
    azimuth_beamwidth_rad: ArrayLike,
    elevation_beamwidth_rad: ArrayLike,
    range_resolution_m: ArrayLike,
    sidelobe_level_db: ArrayLike,
    effective_earth_radius_m: ArrayLike,
    n_coherent: ArrayLike = 1,
    system_temp_k: ArrayLike = REFERENCE_TEMP_K,
) -> FloatArray:
    """Clutter-to-noise ratio in the range cell of a target, before Doppler processing, dB.

    Parameters
    ----------
    range_m : array_like
        Slant range of the target (and so of the competing clutter cell), m.
    beam_elevation_rad : array_like
        Elevation of the beam axis (the target's elevation for a beam on the target), rad.
    peak_power_w, gain_tx_db, gain_rx_db, wavelength_m, pulse_width_s, noise_figure_db, \
losses_db, n_coherent, system_temp_k
        The radar, as in :func:`samsim.sensors.equation.snr_db` (peak gains).
    radar_height_m : array_like
        Phase-centre height above the surface, m.
    gamma_db : array_like
        Constant-gamma terrain parameter, dB.
    azimuth_beamwidth_rad, elevation_beamwidth_rad : array_like
        Half-power beamwidths, rad.
    range_resolution_m : array_like
        Range cell size, m.
    sidelobe_level_db : array_like
        One-way elevation sidelobe level relative to the peak, dB (negative).
    effective_earth_radius_m : array_like
        Effective earth radius, m.

    Returns
    -------
    ndarray
        CNR, dB; ``-inf`` where no ground lies at that range (beyond the horizon).

    Notes
    -----
    ``CNR = SNR(sigma_c, R) * f^4`` where ``SNR`` is the radar equation of
    :func:`samsim.sensors.equation.snr_db` with the clutter cell's RCS
    (:func:`clutter_rcs_m2`) and ``f^4`` is the two-way elevation pattern toward the
    ground at offset ``beam_elevation + depression`` (:func:`gaussian_beam_two_way_db`)
    (Barton 2013, radar equation for surface clutter; Skolnik 2001, ch. 7). The azimuth
    pattern is folded into the cell width ``R theta_az``; azimuth sidelobe clutter,
    multipath and terrain masking are not modelled. CNR and SNR are taken at the same
    point of the receiver (same ``n_coherent``), so :func:`scnr_db` applies the
    improvement factor to their ratio.
    """
    r = np.asarray(range_m, dtype=float)
    sigma_c = clutter_rcs_m2(
        r,
        radar_height_m=radar_height_m,
        gamma_db=gamma_db,
        azimuth_beamwidth_rad=azimuth_beamwidth_rad,
        range_resolution_m=range_resolution_m,
        effective_earth_radius_m=effective_earth_radius_m,
    )
    offset = np.asarray(beam_elevation_rad, dtype=float) + depression_angle_rad(
        r, radar_height_m, effective_earth_radius_m
    )
    pattern = gaussian_beam_two_way_db(offset, elevation_beamwidth_rad, sidelobe_level_db)
    cnr = snr_db(
        peak_power_w=peak_power_w,
        gain_tx_db=gain_tx_db,
        gain_rx_db=gain_rx_db,
        wavelength_m=wavelength_m,
        rcs_m2=sigma_c,
        range_m=r,
        pulse_width_s=pulse_width_s,
        noise_figure_db=noise_figure_db,
        losses_db=losses_db,
        n_coherent=n_coherent,
        system_temp_k=system_temp_k,
    )
    return np.asarray(cnr + pattern, dtype=float)


def clutter_threshold_rise_db(cnr_db: ArrayLike, improvement_factor_db: ArrayLike) -> FloatArray:
    """Rise of the interference floor above thermal noise from residual clutter, dB.

    ``10 log10(1 + CNR / I)``: the factor by which a CFAR threshold (or, equivalently, the
    SNR needed for a given Pd) rises when the clutter left after Doppler/MTI processing
    with improvement factor ``I`` adds to the noise. Zero for ``CNR = -inf``.

    Notes
    -----
    The residual clutter is treated as noise-like (Gaussian) interference, which is the
    usual first-order assumption (Skolnik 2001, ch. 3 on MTI improvement factor; Barton
    2013, clutter and signal processing). Computed with ``logaddexp``, exact for very
    large or very small CNR.
    """
    resid = np.asarray(cnr_db, dtype=float) - np.asarray(improvement_factor_db, dtype=float)
    return np.asarray(np.logaddexp(0.0, resid * _LN10_OVER_10) / _LN10_OVER_10, dtype=float)


def scnr_db(snr_db: ArrayLike, cnr_db: ArrayLike, improvement_factor_db: ArrayLike) -> FloatArray:
    """Signal to (residual clutter + noise) ratio, dB.

    ``SCNR = SNR / (1 + CNR / I)`` = ``snr_db - clutter_threshold_rise_db(cnr_db, I)``,
    with SNR and CNR from the same radar equation (see :func:`clutter_to_noise_db`) and
    ``I`` the MTI / Doppler-filter improvement factor, dB. Feed the result to
    :func:`samsim.sensors.detection.pd_swerling` in place of the SNR.
    """
    return np.asarray(
        np.asarray(snr_db, dtype=float) - clutter_threshold_rise_db(cnr_db, improvement_factor_db),
        dtype=float,
    )


# --------------------------------------------------------------------------- false alarms


def n_resolution_cells(
    *,
    range_min_m: float,
    range_max_m: float,
    range_resolution_m: float,
    az_sector_rad: float,
    azimuth_beamwidth_rad: float,
    el_sector_rad: float,
    elevation_beamwidth_rad: float,
) -> float:
    """Number of independent detection tests in one scan of a sector.

    ``(R_max - R_min) / dR * (az_sector / theta_az) * max(el_sector / theta_el, 1)``, a
    real number (expected false alarms per scan are ``pfa`` times this). Beam positions
    are taken one beamwidth apart; a search pattern that overlaps beams should pass the
    beam spacing instead of the beamwidth.
    """
    rng_cells = (range_max_m - range_min_m) / range_resolution_m
    az_cells = az_sector_rad / azimuth_beamwidth_rad
    el_cells = max(el_sector_rad / elevation_beamwidth_rad, 1.0)
    if rng_cells < 0 or az_cells < 0 or el_cells < 0:
        raise ValueError(
            "n_resolution_cells needs range_max_m >= range_min_m and non-negative sectors, "
            f"got range {range_min_m}..{range_max_m} m, az sector {az_sector_rad} rad, "
            f"el sector {el_sector_rad} rad"
        )
    return float(rng_cells * az_cells * el_cells)


def false_alarm_count(rng: np.random.Generator, pfa: float, n_cells: float) -> int:
    """Number of noise false alarms in one scan: a Poisson draw with mean ``pfa * n_cells``.

    Parameters
    ----------
    rng : numpy.random.Generator
        The radar's random stream.
    pfa : float
        Probability of false alarm per cell, in [0, 1).
    n_cells : float
        Number of independent detection tests in the scan (:func:`n_resolution_cells`).

    Returns
    -------
    int

    Notes
    -----
    The exact count is Binomial(n_cells, pfa); with pfa of 1e-4 or less and many cells
    the Poisson law with the same mean differs from it by less than ``pfa`` in every
    probability (Le Cam's inequality: total variation <= n pfa^2), and it accepts a
    non-integer expected cell count.
    """
    p = float(pfa)
    n = float(n_cells)
    if not 0.0 <= p < 1.0:
        raise ValueError(f"pfa must lie in [0, 1), got {pfa!r}")
    if not n >= 0.0:
        raise ValueError(f"n_cells must be a non-negative number, got {n_cells!r}")
    return int(rng.poisson(p * n))


def sample_false_alarms(
    rng: np.random.Generator,
    count: int,
    *,
    range_min_m: float,
    range_max_m: float,
    az_min_rad: float,
    az_max_rad: float,
    el_min_rad: float,
    el_max_rad: float,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Positions of ``count`` false alarms, uniform over the resolution cells of a sector.

    Parameters
    ----------
    rng : numpy.random.Generator
        The radar's random stream.
    count : int
        Number of false alarms (from :func:`false_alarm_count`).
    range_min_m, range_max_m : float
        Instrumented range interval, m.
    az_min_rad, az_max_rad : float
        Azimuth sector, clockwise from ``az_min_rad`` to ``az_max_rad``; the width
        ``az_max - az_min`` must be in (0, 2 pi] (a sector may straddle +-pi).
    el_min_rad, el_max_rad : float
        Elevation sector, rad.

    Returns
    -------
    range_m, az_rad, el_rad : ndarray, shape (count,)
        Uniform in range, azimuth and elevation (every cell is equally likely to false
        alarm, so positions are uniform in the cell indices, not in volume); azimuth
        wrapped to [-pi, pi).
    """
    if isinstance(count, bool) or int(count) != count or count < 0:
        raise ValueError(f"count must be a non-negative integer, got {count!r}")
    if not 0.0 <= range_min_m < range_max_m:
        raise ValueError(
            f"need 0 <= range_min_m < range_max_m, got {range_min_m} and {range_max_m}"
        )
    width = az_max_rad - az_min_rad
    if not 0.0 < width <= 2.0 * math.pi:
        raise ValueError(
            f"az_max_rad - az_min_rad must be in (0, 2 pi], got {az_min_rad} to {az_max_rad}; "
            "for a sector straddling +-pi give az_max_rad > pi"
        )
    if not el_min_rad <= el_max_rad:
        raise ValueError(f"need el_min_rad <= el_max_rad, got {el_min_rad} and {el_max_rad}")
    n = int(count)
    r = rng.uniform(range_min_m, range_max_m, n)
    az = np.mod(az_min_rad + width * rng.random(n) + math.pi, 2.0 * math.pi) - math.pi
    el = rng.uniform(el_min_rad, el_max_rad, n)
    return np.asarray(r, dtype=float), np.asarray(az, dtype=float), np.asarray(el, dtype=float)
