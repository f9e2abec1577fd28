"""The radar range equation: single-pulse / coherent SNR, the search (power-aperture) form,
their inverses (range at which an SNR is reached), and decibel helpers.

All functions are pure and broadcast over numpy arrays; arguments are SI and keyword-only
where a call would otherwise be a row of anonymous floats.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

#: Boltzmann constant, J/K (SI 2019 exact value).
BOLTZMANN_J_PER_K = 1.380649e-23
#: Speed of light in vacuum, m/s (exact).
SPEED_OF_LIGHT_MPS = 299792458.0
#: IEEE standard reference noise temperature T0, K (IEEE Std 686).
REFERENCE_TEMP_K = 290.0

_DB_4PI_CUBED = 30.0 * math.log10(4.0 * math.pi)
_DB_4PI = 10.0 * math.log10(4.0 * math.pi)

FloatArray = NDArray[np.float64]


def to_db(ratio: ArrayLike) -> FloatArray:
    """A power ratio in decibels, ``10 log10(ratio)`` (``-inf`` for 0)."""
    with np.errstate(divide="ignore"):
        return 10.0 * np.log10(np.asarray(ratio, dtype=float))


def from_db(ratio_db: ArrayLike) -> FloatArray:
    """A power ratio from decibels, ``10 ** (ratio_db / 10)``."""
    return 10.0 ** (np.asarray(ratio_db, dtype=float) / 10.0)


def wavelength_m(frequency_hz: ArrayLike) -> FloatArray:
    """Free-space wavelength ``c / f`` in metres."""
    return SPEED_OF_LIGHT_MPS / np.asarray(frequency_hz, dtype=float)


def range_resolution_m(bandwidth_hz: ArrayLike) -> FloatArray:
    """Range resolution ``c / (2 B)`` of a (compressed) pulse of bandwidth ``B``, metres.

    Notes
    -----
    Richards, *Fundamentals of Radar Signal Processing* (2005), ch. 4 (waveforms and the
    matched filter): the compressed pulse width is about 1/B.
    """
    return SPEED_OF_LIGHT_MPS / (2.0 * np.asarray(bandwidth_hz, dtype=float))


def _snr_db_at_1m(
    peak_power_w: ArrayLike,
    gain_tx_db: ArrayLike,
    gain_rx_db: ArrayLike,
    wavelength_m: ArrayLike,
    rcs_m2: ArrayLike,
    pulse_width_s: ArrayLike,
    noise_figure_db: ArrayLike,
    losses_db: ArrayLike,
    n_coherent: ArrayLike,
    system_temp_k: ArrayLike,
) -> FloatArray:
    lam = np.asarray(wavelength_m, dtype=float)
    energy_term = (
        np.asarray(peak_power_w, dtype=float)
        * np.asarray(pulse_width_s, dtype=float)
        * np.asarray(n_coherent, dtype=float)
        * lam
        * lam
        * np.asarray(rcs_m2, dtype=float)
        / (BOLTZMANN_J_PER_K * np.asarray(system_temp_k, dtype=float))
    )
    with np.errstate(divide="ignore"):
        out = (
            10.0 * np.log10(energy_term)
            + np.asarray(gain_tx_db, dtype=float)
            + np.asarray(gain_rx_db, dtype=float)
            - np.asarray(noise_figure_db, dtype=float)
            - np.asarray(losses_db, dtype=float)
            - _DB_4PI_CUBED
        )
    return np.asarray(out, dtype=float)


def snr_db(
    *,
    peak_power_w: ArrayLike,
    gain_tx_db: ArrayLike,
    gain_rx_db: ArrayLike,
    wavelength_m: ArrayLike,
    rcs_m2: ArrayLike,
    range_m: ArrayLike,
    pulse_width_s: ArrayLike,
    noise_figure_db: ArrayLike,
    losses_db: ArrayLike,
    n_coherent: ArrayLike = 1,
    system_temp_k: ArrayLike = REFERENCE_TEMP_K,
) -> FloatArray:
    """Signal-to-noise ratio of a point target after the matched filter, in dB.

    Parameters
    ----------
    peak_power_w : array_like
        Transmitter peak power at the antenna port, W.
    gain_tx_db, gain_rx_db : array_like
        Transmit and receive antenna gains toward the target, dBi (include any pattern
        loss off boresight here).
    wavelength_m : array_like
        Carrier wavelength, m.
    rcs_m2 : array_like
        Target radar cross section, m^2.
    range_m : array_like
        Radar-to-target slant range, m.
    pulse_width_s : array_like
        Transmitted (uncompressed) pulse length, s. The matched-filter SNR depends on the
        pulse *energy* ``P_t tau``; for an uncompressed pulse with noise bandwidth
        ``B = 1/tau`` this is the familiar ``P_t / (k T F B)`` form, and for a
        compressed pulse it includes the compression gain ``tau B``.
    noise_figure_db : array_like
        Receiver noise figure F, dB.
    losses_db : array_like
        Sum of system losses L (transmit, receive, signal processing, atmosphere, beam
        shape, ...), dB, positive.
    n_coherent : array_like, optional
        Number of pulses integrated coherently (ideal gain ``n``); 1 for a single pulse.
    system_temp_k : array_like, optional
        Reference noise temperature T0, K; the noise power spectral density is
        ``k T0 F``. Defaults to the IEEE standard 290 K.

    Returns
    -------
    ndarray
        SNR in dB, broadcast over all arguments. ``-inf`` where ``rcs_m2`` is 0.

    Notes
    -----
    .. math::

        \\mathrm{SNR} = \\frac{P_t \\tau\\, n\\, G_t G_r \\lambda^2 \\sigma}
                             {(4\\pi)^3 R^4\\, k T_0 F L}

    Richards, *Fundamentals of Radar Signal Processing* (McGraw-Hill, 2005), ch. 2 (the
    point-target radar range equation) with the matched-filter energy form of ch. 4
    (peak SNR = E / N0) and the ideal coherent integration gain ``n``; Skolnik,
    *Introduction to Radar Systems*, 3rd ed. (McGraw-Hill, 2001), ch. 2. Evaluated in the
    log domain (two ``log10`` calls per element).
    """
    r = np.asarray(range_m, dtype=float)
    at_1m = _snr_db_at_1m(
        peak_power_w,
        gain_tx_db,
        gain_rx_db,
        wavelength_m,
        rcs_m2,
        pulse_width_s,
        noise_figure_db,
        losses_db,
        n_coherent,
        system_temp_k,
    )
    return np.asarray(at_1m - 40.0 * np.log10(r), dtype=float)


def range_for_snr_m(
    snr_db: ArrayLike,
    *,
    peak_power_w: ArrayLike,
    gain_tx_db: ArrayLike,
    gain_rx_db: ArrayLike,
    wavelength_m: ArrayLike,
    rcs_m2: ArrayLike,
    pulse_width_s: ArrayLike,
    noise_figure_db: ArrayLike,
    losses_db: ArrayLike,
    n_coherent: ArrayLike = 1,
    system_temp_k: ArrayLike = REFERENCE_TEMP_K,
) -> FloatArray:
    """Range at which the radar equation of :func:`snr_db` gives ``snr_db``, metres.

    Parameters
    ----------
    snr_db : array_like
        Required SNR, dB (for instance from
        :func:`samsim.sensors.detection.snr_required_db`).
    peak_power_w, gain_tx_db, gain_rx_db, wavelength_m, rcs_m2, pulse_width_s, \
noise_figure_db, losses_db, n_coherent, system_temp_k
        As in :func:`snr_db`.

    Returns
    -------
    ndarray
        ``R = [P_t tau n G_t G_r lambda^2 sigma / ((4 pi)^3 k T0 F L SNR)]^(1/4)``, m.

    Notes
    -----
    The radar range equation of :func:`snr_db` solved for R (Skolnik 2001, ch. 2, the
    "maximum range" form). Free space only: no horizon, multipath or attenuation with
    range beyond what ``losses_db`` holds.
    """
    at_1m = _snr_db_at_1m(
        peak_power_w,
        gain_tx_db,
        gain_rx_db,
        wavelength_m,
        rcs_m2,
        pulse_width_s,
        noise_figure_db,
        losses_db,
        n_coherent,
        system_temp_k,
    )
    return np.asarray(10.0 ** ((at_1m - np.asarray(snr_db, dtype=float)) / 40.0), dtype=float)


def solid_angle_sr(
    az_sector_rad: ArrayLike, el_min_rad: ArrayLike, el_max_rad: ArrayLike
) -> FloatArray:
    """Solid angle of an azimuth-elevation search sector, steradians.

    ``Omega = delta_az * (sin el_max - sin el_min)``: exact for a sector bounded by two
    azimuths and two elevation cones (360 deg x 0..90 deg gives 2 pi).
    """
    az = np.asarray(az_sector_rad, dtype=float)
    return np.asarray(
        az
        * (
            np.sin(np.asarray(el_max_rad, dtype=float))
            - np.sin(np.asarray(el_min_rad, dtype=float))
        ),
        dtype=float,
    )


def _search_snr_db_at_1m(
    power_aperture_wm2: ArrayLike,
    rcs_m2: ArrayLike,
    frame_time_s: ArrayLike,
    solid_angle_sr: ArrayLike,
    noise_figure_db: ArrayLike,
    losses_db: ArrayLike,
    system_temp_k: ArrayLike,
) -> FloatArray:
    lin = (
        np.asarray(power_aperture_wm2, dtype=float)
        * np.asarray(rcs_m2, dtype=float)
        * np.asarray(frame_time_s, dtype=float)
        / (
            np.asarray(solid_angle_sr, dtype=float)
            * BOLTZMANN_J_PER_K
            * np.asarray(system_temp_k, dtype=float)
        )
    )
    with np.errstate(divide="ignore"):
        out = (
            10.0 * np.log10(lin)
            - _DB_4PI
            - np.asarray(noise_figure_db, dtype=float)
            - np.asarray(losses_db, dtype=float)
        )
    return np.asarray(out, dtype=float)


def search_snr_db(
    *,
    power_aperture_wm2: ArrayLike,
    rcs_m2: ArrayLike,
    range_m: ArrayLike,
    frame_time_s: ArrayLike,
    solid_angle_sr: ArrayLike,
    noise_figure_db: ArrayLike,
    losses_db: ArrayLike,
    system_temp_k: ArrayLike = REFERENCE_TEMP_K,
) -> FloatArray:
    """SNR of a search radar that covers ``solid_angle_sr`` once per ``frame_time_s``, dB.

    Parameters
    ----------
    power_aperture_wm2 : array_like
        Average transmitted power times effective receive aperture, ``P_av A_e``, W m^2.
    rcs_m2 : array_like
        Target radar cross section, m^2.
    range_m : array_like
        Slant range, m.
    frame_time_s : array_like
        Time to search the whole sector once (scan period), s.
    solid_angle_sr : array_like
        Solid angle searched, sr (see :func:`solid_angle_sr`).
    noise_figure_db, losses_db, system_temp_k
        As in :func:`snr_db`; ``losses_db`` should include beam-shape and scanning losses.

    Returns
    -------
    ndarray
        The SNR available from the whole dwell on the target (all pulses integrated
        coherently), dB.

    Notes
    -----
    .. math::

        \\mathrm{SNR} = \\frac{P_{av} A_e\\, t_s\\, \\sigma}{4\\pi\\, \\Omega\\, R^4\\, k T_0 F L}

    Obtained from the energy form of :func:`snr_db` with dwell time
    ``t_d = t_s Omega_b / Omega``, beam solid angle ``Omega_b = lambda^2 / A_e`` and
    ``G = 4 pi A_e / lambda^2``; wavelength cancels. Barton, *Radar Equations for Modern
    Radar* (Artech House, 2013), the search radar equation; Skolnik 2001, ch. 2.
    """
    at_1m = _search_snr_db_at_1m(
        power_aperture_wm2,
        rcs_m2,
        frame_time_s,
        solid_angle_sr,
        noise_figure_db,
        losses_db,
        system_temp_k,
    )
    return np.asarray(at_1m - 40.0 * np.log10(np.asarray(range_m, dtype=float)), dtype=float)


def search_range_for_snr_m(
    snr_db: ArrayLike,
    *,
    power_aperture_wm2: ArrayLike,
    rcs_m2: ArrayLike,
    frame_time_s: ArrayLike,
    solid_angle_sr: ArrayLike,
    noise_figure_db: ArrayLike,
    losses_db: ArrayLike,
    system_temp_k: ArrayLike = REFERENCE_TEMP_K,
) -> FloatArray:
    """Range at which :func:`search_snr_db` equals ``snr_db``, metres.

    ``R = [P_av A_e t_s sigma / (4 pi Omega k T0 F L SNR)]^(1/4)`` (the search radar
    equation solved for range; Barton 2013).
    """
    at_1m = _search_snr_db_at_1m(
        power_aperture_wm2,
        rcs_m2,
        frame_time_s,
        solid_angle_sr,
        noise_figure_db,
        losses_db,
        system_temp_k,
    )
    return np.asarray(10.0 ** ((at_1m - np.asarray(snr_db, dtype=float)) / 40.0), dtype=float)
