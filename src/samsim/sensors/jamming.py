"""Noise jamming: jammer-to-noise ratio of stand-off (sidelobe) and self-screening
(main-lobe) barrage or spot jammers, signal to interference-plus-noise, and burn-through
range.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

from samsim.sensors.equation import BOLTZMANN_J_PER_K, REFERENCE_TEMP_K

FloatArray = NDArray[np.float64]

_DB_4PI = 10.0 * math.log10(4.0 * math.pi)
_DB_4PI_SQUARED = 20.0 * math.log10(4.0 * math.pi)
_LN10_OVER_10 = math.log(10.0) / 10.0


def _f(x: ArrayLike) -> FloatArray:
    return np.asarray(x, dtype=float)


def jammer_to_noise_db(
    *,
    jammer_erp_w: ArrayLike,
    jammer_bandwidth_hz: ArrayLike,
    radar_bandwidth_hz: ArrayLike,
    jammer_range_m: ArrayLike,
    gain_rx_toward_jammer_db: ArrayLike,
    wavelength_m: ArrayLike,
    noise_figure_db: ArrayLike,
    jammer_losses_db: ArrayLike,
    system_temp_k: ArrayLike = REFERENCE_TEMP_K,
) -> FloatArray:
    """Jammer-to-noise ratio at the radar receiver for a noise jammer, dB.

    Parameters
    ----------
    jammer_erp_w : array_like
        Jammer effective radiated power toward the radar, ``P_j G_j``, W.
    jammer_bandwidth_hz : array_like
        Bandwidth over which the jammer spreads its power, Hz.
    radar_bandwidth_hz : array_like
        Radar receiver (signal) bandwidth, Hz.
    jammer_range_m : array_like
        Jammer-to-radar range, m (one way).
    gain_rx_toward_jammer_db : array_like
        Radar receive gain in the jammer's direction, dBi: the main-lobe gain for a
        self-screening jammer, ``gain_rx_db + sidelobe_level_db`` for a stand-off jammer
        (see :func:`stand_off_jnr_db`, :func:`self_screening_jnr_db`).
    wavelength_m : array_like
        Radar wavelength, m.
    noise_figure_db : array_like
        Radar receiver noise figure, dB.
    jammer_losses_db : array_like
        Losses on the jamming path (polarisation mismatch, radome, atmosphere), dB.
    system_temp_k : array_like, optional
        Reference noise temperature, K.

    Returns
    -------
    ndarray
        ``J0 / N0``, dB: the ratio of jamming to thermal noise power spectral density in
        the radar's band, which is also the ratio after the matched filter.

    Notes
    -----
    .. math::

        \\frac{J}{N} = \\frac{P_j G_j\\, G_r' \\lambda^2}
                            {(4\\pi)^2 R_j^2 L_j\\, k T_0 F\\, \\max(B_j, B_r)}

    One-way free-space propagation to the radar; the jammer's power density is
    ``P_j G_j / B_j`` when it covers the radar band (``B_j >= B_r``) and a narrower spot
    jammer puts all of ``P_j G_j`` into the band, i.e. ``P_j G_j / B_r`` on average.
    Skolnik, *Introduction to Radar Systems*, 3rd ed. (2001), sec. on electronic
    counter-countermeasures (noise jamming); Adamy, *EW 101: A First Course in Electronic
    Warfare* (Artech House, 2001), radar jamming (J/S); Schleher, *Electronic Warfare in
    the Information Age* (Artech House, 1999), noise jamming equations.
    """
    b_eff = np.maximum(_f(jammer_bandwidth_hz), _f(radar_bandwidth_hz))
    lam = _f(wavelength_m)
    rj = _f(jammer_range_m)
    lin = _f(jammer_erp_w) * lam * lam / (rj * rj * b_eff * BOLTZMANN_J_PER_K * _f(system_temp_k))
    with np.errstate(divide="ignore"):
        out = (
            10.0 * np.log10(lin)
            + _f(gain_rx_toward_jammer_db)
            - _DB_4PI_SQUARED
            - _f(jammer_losses_db)
            - _f(noise_figure_db)
        )
    return np.asarray(out, dtype=float)


def stand_off_jnr_db(
    *,
    jammer_erp_w: ArrayLike,
    jammer_bandwidth_hz: ArrayLike,
    radar_bandwidth_hz: ArrayLike,
    jammer_range_m: ArrayLike,
    gain_rx_db: ArrayLike,
    sidelobe_level_db: ArrayLike,
    wavelength_m: ArrayLike,
    noise_figure_db: ArrayLike,
    jammer_losses_db: ArrayLike,
    system_temp_k: ArrayLike = REFERENCE_TEMP_K,
) -> FloatArray:
    """JNR of a stand-off jammer received through the radar's sidelobes, dB.

    :func:`jammer_to_noise_db` with receive gain ``gain_rx_db + sidelobe_level_db``
    (``sidelobe_level_db`` negative, relative to the main-lobe peak: about -13 dB for a
    uniform aperture's first sidelobe, -25 to -40 dB average for low-sidelobe antennas).
    The jammer's range is its own distance to the radar, independent of the target's.
    """
    return jammer_to_noise_db(
        jammer_erp_w=jammer_erp_w,
        jammer_bandwidth_hz=jammer_bandwidth_hz,
        radar_bandwidth_hz=radar_bandwidth_hz,
        jammer_range_m=jammer_range_m,
        gain_rx_toward_jammer_db=_f(gain_rx_db) + _f(sidelobe_level_db),
        wavelength_m=wavelength_m,
        noise_figure_db=noise_figure_db,
        jammer_losses_db=jammer_losses_db,
        system_temp_k=system_temp_k,
    )


def self_screening_jnr_db(
    *,
    jammer_erp_w: ArrayLike,
    jammer_bandwidth_hz: ArrayLike,
    radar_bandwidth_hz: ArrayLike,
    target_range_m: ArrayLike,
    gain_rx_db: ArrayLike,
    wavelength_m: ArrayLike,
    noise_figure_db: ArrayLike,
    jammer_losses_db: ArrayLike,
    system_temp_k: ArrayLike = REFERENCE_TEMP_K,
) -> FloatArray:
    """JNR of a jammer carried by the target itself, received in the main lobe, dB.

    :func:`jammer_to_noise_db` at the target's range with the main-lobe receive gain
    ``gain_rx_db``. Falls as ``R^-2`` while the echo falls as ``R^-4``, which is why the
    radar burns through at short range (:func:`burn_through_range_m`).
    """
    return jammer_to_noise_db(
        jammer_erp_w=jammer_erp_w,
        jammer_bandwidth_hz=jammer_bandwidth_hz,
        radar_bandwidth_hz=radar_bandwidth_hz,
        jammer_range_m=target_range_m,
        gain_rx_toward_jammer_db=gain_rx_db,
        wavelength_m=wavelength_m,
        noise_figure_db=noise_figure_db,
        jammer_losses_db=jammer_losses_db,
        system_temp_k=system_temp_k,
    )


def sinr_db(snr_db: ArrayLike, *inr_db: ArrayLike) -> FloatArray:
    """Signal to interference-plus-noise ratio from SNR and interference-to-noise ratios, dB.

    ``SINR = SNR / (1 + sum_i INR_i)`` with every ratio relative to the same thermal
    noise: pass any number of JNRs (:func:`jammer_to_noise_db`) and residual
    clutter-to-noise ratios (``cnr_db - improvement_factor_db``). With none it returns
    the SNR. The interference is treated as noise-like, so the result replaces the SNR
    in :func:`samsim.sensors.detection.pd_swerling` (Skolnik 2001; Barton 2013, the
    radar equation with clutter and jamming).
    """
    s = _f(snr_db)
    if not inr_db:
        return np.asarray(s + 0.0, dtype=float)
    # log(1 + sum 10^(x_i/10)) computed as a log-sum-exp with the noise term log(1) = 0.
    logs = [np.zeros(())] + [_f(x) * _LN10_OVER_10 for x in inr_db]
    total = np.logaddexp.reduce(np.broadcast_arrays(*logs), axis=0)
    return np.asarray(s - total / _LN10_OVER_10, dtype=float)


def burn_through_range_m(
    required_sjr_db: ArrayLike,
    *,
    peak_power_w: ArrayLike,
    pulse_width_s: ArrayLike,
    gain_tx_db: ArrayLike,
    rcs_m2: ArrayLike,
    losses_db: ArrayLike,
    jammer_erp_w: ArrayLike,
    jammer_bandwidth_hz: ArrayLike,
    radar_bandwidth_hz: ArrayLike,
    jammer_losses_db: ArrayLike,
    n_coherent: ArrayLike = 1,
) -> FloatArray:
    """Range inside which the echo of a self-screening target exceeds its jamming by
    ``required_sjr_db`` (thermal noise neglected), metres.

    Parameters
    ----------
    required_sjr_db : array_like
        Signal-to-jamming ratio needed for detection, dB (e.g. the SNR required for the
        wanted Pd, :func:`samsim.sensors.detection.snr_required_db`).
    peak_power_w, pulse_width_s, gain_tx_db, rcs_m2, losses_db, n_coherent
        The radar and target, as in :func:`samsim.sensors.equation.snr_db`.
    jammer_erp_w, jammer_bandwidth_hz, radar_bandwidth_hz, jammer_losses_db
        As in :func:`jammer_to_noise_db`.

    Returns
    -------
    ndarray
        ``R_bt = sqrt(P_t tau n G_t sigma max(B_j, B_r) L_j / (4 pi P_j G_j L (S/J)))``, m.

    Notes
    -----
    The ratio of the echo energy (:func:`samsim.sensors.equation.snr_db` numerator) to
    the jamming density of :func:`jammer_to_noise_db` at the same range; receive gain,
    wavelength and noise cancel:

    ``S/J = P_t tau n G_t sigma max(B_j, B_r) L_j / (4 pi R^2 P_j G_j L)``.

    For an uncompressed pulse (``tau B_r = 1``) and a barrage jammer this is the textbook
    ``S/J = P_t G_t sigma B_j / (4 pi R^2 P_j G_j B_r)`` (Skolnik 2001, noise jamming;
    Adamy 2001, burn-through range: ``J/S = 71 + ERP_J - ERP_S + 20 log R_km - 10 log
    sigma`` in dB with ERPs in dBm and equal bandwidths). Use
    :func:`self_screening_detection_range_m` to include thermal noise.
    """
    b_eff = np.maximum(_f(jammer_bandwidth_hz), _f(radar_bandwidth_hz))
    num_db = (
        10.0
        * np.log10(
            _f(peak_power_w)
            * _f(pulse_width_s)
            * _f(n_coherent)
            * _f(rcs_m2)
            * b_eff
            / _f(jammer_erp_w)
        )
        + _f(gain_tx_db)
        + _f(jammer_losses_db)
        - _f(losses_db)
        - _DB_4PI
        - _f(required_sjr_db)
    )
    return np.asarray(10.0 ** (num_db / 20.0), dtype=float)


def self_screening_detection_range_m(
    required_sinr_db: ArrayLike,
    *,
    peak_power_w: ArrayLike,
    gain_tx_db: ArrayLike,
    gain_rx_db: ArrayLike,
    wavelength_m: ArrayLike,
    rcs_m2: ArrayLike,
    pulse_width_s: ArrayLike,
    noise_figure_db: ArrayLike,
    losses_db: ArrayLike,
    jammer_erp_w: ArrayLike,
    jammer_bandwidth_hz: ArrayLike,
    radar_bandwidth_hz: ArrayLike,
    jammer_losses_db: ArrayLike,
    n_coherent: ArrayLike = 1,
    system_temp_k: ArrayLike = REFERENCE_TEMP_K,
) -> FloatArray:
    """Range at which S/(N + J) of a self-screening target reaches ``required_sinr_db``, m.

    Parameters
    ----------
    required_sinr_db : array_like
        SINR needed for detection, dB.
    peak_power_w, gain_tx_db, gain_rx_db, wavelength_m, rcs_m2, pulse_width_s, \
noise_figure_db, losses_db, n_coherent, system_temp_k
        As in :func:`samsim.sensors.equation.snr_db`.
    jammer_erp_w, jammer_bandwidth_hz, radar_bandwidth_hz, jammer_losses_db
        As in :func:`jammer_to_noise_db`.

    Returns
    -------
    ndarray
        The positive root ``R`` of ``a / R^4 = s (N0 + b / R^2)``:
        ``R^2 = (sqrt(s^2 b^2 + 4 s N0 a) - s b) / (2 s N0)`` with echo energy
        ``a / R^4``, jamming density ``b / R^2`` and noise density ``N0 = k T0 F``. It
        tends to :func:`burn_through_range_m` when jamming dominates and to
        :func:`samsim.sensors.equation.range_for_snr_m` without a jammer.

    Notes
    -----
    The radar equation of :func:`samsim.sensors.equation.snr_db` and the JNR of
    :func:`jammer_to_noise_db` solved together (a quadratic in ``R^2``). Evaluated in the
    numerically stable form ``R^2 = 2 a / (s b + sqrt(s^2 b^2 + 4 s N0 a))``.
    """
    lam = _f(wavelength_m)
    gt = 10.0 ** (_f(gain_tx_db) / 10.0)
    gr = 10.0 ** (_f(gain_rx_db) / 10.0)
    loss = 10.0 ** (_f(losses_db) / 10.0)
    four_pi = 4.0 * math.pi
    a = (
        _f(peak_power_w)
        * _f(pulse_width_s)
        * _f(n_coherent)
        * gt
        * gr
        * lam
        * lam
        * _f(rcs_m2)
        / (four_pi**3 * loss)
    )
    b_eff = np.maximum(_f(jammer_bandwidth_hz), _f(radar_bandwidth_hz))
    b = (
        _f(jammer_erp_w)
        * gr
        * lam
        * lam
        / (four_pi**2 * 10.0 ** (_f(jammer_losses_db) / 10.0) * b_eff)
    )
    n0 = BOLTZMANN_J_PER_K * _f(system_temp_k) * 10.0 ** (_f(noise_figure_db) / 10.0)
    s = 10.0 ** (_f(required_sinr_db) / 10.0)
    r2 = 2.0 * a / (s * b + np.sqrt((s * b) ** 2 + 4.0 * s * n0 * a))
    return np.asarray(np.sqrt(r2), dtype=float)
