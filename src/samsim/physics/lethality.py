"""Lethality: kill probability of an intercept.

The physical model (:func:`pk_fragmentation`) is a proximity fuze and a fragmentation
warhead: whether the fuze fires, whether the fragment spray meets the target given the
burst-time error at the encounter speed, and how many fragments hit its vulnerable area
at the miss distance. The simple models of the miss alone (cookie cutter, Gaussian,
Rice) remain for comparison and sweeps. The engine draws the kill against its own
``numpy`` Generator with the probability these functions return.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import erf

if TYPE_CHECKING:
    from samsim.physics.missile import MissileSpec

#: Model codes used in arrays (index into :data:`LETHALITY_MODELS`).
LETHALITY_MODELS = ("cookie_cutter", "gaussian", "rice")


def _nonneg(name: str, value: ArrayLike) -> NDArray[np.float64]:
    if isinstance(value, (float, int)) and value >= 0:  # a valid scalar: no array checks
        return np.asarray(value, dtype=float)
    arr = np.asarray(value, dtype=float)
    if np.any(arr < 0) or np.any(np.isnan(arr)):
        raise ValueError(f"{name} must be >= 0 and not NaN, got {arr[(arr < 0) | np.isnan(arr)]}")
    return arr


def _pos(name: str, value: ArrayLike) -> NDArray[np.float64]:
    if isinstance(value, (float, int)) and value > 0:  # a valid scalar: no array checks
        return np.asarray(value, dtype=float)
    arr = np.asarray(value, dtype=float)
    if np.any(~(arr > 0)):
        raise ValueError(f"{name} must be > 0, got {arr[~(arr > 0)]}")
    return arr


def pk_cookie_cutter(miss_m: ArrayLike, lethal_radius_m: ArrayLike) -> NDArray[np.float64]:
    """Cookie-cutter kill probability: 1 inside the lethal radius, 0 outside.

    Notes
    -----
    Pk(d) = 1 if d <= R else 0. Ball, *The Fundamentals of Aircraft Combat Survivability
    Analysis and Design*, 2nd ed., sec. 5.3 ("cookie-cutter" lethality).
    """
    d = _nonneg("miss_m", miss_m)
    r = _pos("lethal_radius_m", lethal_radius_m)
    return (d <= r).astype(float)


def pk_gaussian(miss_m: ArrayLike, scale_m: ArrayLike) -> NDArray[np.float64]:
    """Gaussian (Carleton) damage function.

    Notes
    -----
    Pk(d) = exp(-d^2 / (2 s^2)), s the lethal scale. With a circular-normal miss of bias b
    and per-axis sigma, E[Pk] = s^2/(s^2 + sigma^2) exp(-b^2 / (2 (s^2 + sigma^2)))
    (:func:`expected_pk_gaussian`). Reference: Driels, *Weaponeering*, 2nd ed., ch. 9
    (Carleton damage function).
    """
    d = _nonneg("miss_m", miss_m)
    s = _pos("scale_m", scale_m)
    return np.exp(-(d * d) / (2.0 * s * s))


def pk_rice(
    bias_m: ArrayLike, lethal_radius_m: ArrayLike, sigma_m: ArrayLike
) -> NDArray[np.float64]:
    """Cookie-cutter kill probability with a biased circular-normal miss (Rice model).

    Parameters
    ----------
    bias_m : array_like
        Mean miss distance (the flyout's miss), m.
    lethal_radius_m : array_like
        Cookie-cutter lethal radius R, m.
    sigma_m : array_like
        Per-axis standard deviation of the circular-normal scatter about the mean miss, m.
        Zero reduces to the cookie cutter.

    Notes
    -----
    The miss |b + e| with e ~ N(0, sigma^2 I_2) is Rice distributed, so
    Pk = P(|b + e| <= R) = 1 - Q_1(b/sigma, R/sigma), Q_1 the Marcum Q function, computed as
    the CDF of a noncentral chi-square with 2 degrees of freedom, noncentrality (b/sigma)^2,
    at (R/sigma)^2. Known answers (R = 10 m, sigma = 5 m): b = 0, 5, 10 m give
    0.8647, 0.7310, 0.3965. Reference: Rice, "Mathematical analysis of random noise",
    Bell Syst. Tech. J. 24 (1945); Marcum, IRE Trans. IT-6 (1960).
    """
    b = _nonneg("bias_m", bias_m)
    r = _pos("lethal_radius_m", lethal_radius_m)
    s = _nonneg("sigma_m", sigma_m)
    b, r, s = np.broadcast_arrays(b, r, s)
    safe = np.where(s > 0, s, 1.0)
    from scipy.stats import ncx2  # imported when used: scipy.stats costs 0.3-2 s to import

    rice = ncx2.cdf((r / safe) ** 2, 2, (b / safe) ** 2)
    return np.where(s > 0, rice, (b <= r).astype(float))


def expected_pk_gaussian(
    bias_m: ArrayLike, scale_m: ArrayLike, sigma_m: ArrayLike
) -> NDArray[np.float64]:
    """Expected Gaussian-damage Pk under a biased circular-normal miss.

    Notes
    -----
    E[exp(-|b + e|^2/(2 s^2))] with e ~ N(0, sigma^2 I_2) equals
    s^2/(s^2 + sigma^2) exp(-b^2/(2 (s^2 + sigma^2))). Known answer: s = 10 m, sigma = 5 m,
    b = 0 gives 0.8000. Reference: Driels, *Weaponeering*, 2nd ed., ch. 9.
    """
    b = _nonneg("bias_m", bias_m)
    s = _pos("scale_m", scale_m)
    sig = _nonneg("sigma_m", sigma_m)
    tot = s * s + sig * sig
    return (s * s / tot) * np.exp(-(b * b) / (2.0 * tot))


def pk_for_miss(
    model: ArrayLike, miss_m: ArrayLike, lethal_radius_m: ArrayLike, sigma_m: ArrayLike = 0.0
) -> NDArray[np.float64]:
    """Kill probability for a miss distance under each row's lethality model.

    Parameters
    ----------
    model : array_like of str or int
        Model name per row (``"cookie_cutter"``, ``"gaussian"``, ``"rice"``) or its index in
        :data:`LETHALITY_MODELS`.
    miss_m : array_like
        Miss distance at closest approach, m.
    lethal_radius_m : array_like
        Lethal radius (cookie cutter, Rice) or Gaussian scale, m.
    sigma_m : array_like
        Circular-normal miss scatter for the Rice model (ignored by the others), m.

    Returns
    -------
    ndarray
        Pk per row, in [0, 1]. The engine draws the kill as ``rng.random() < pk``.
    """
    m = np.asarray(model)
    if m.dtype.kind in "USO":
        names = np.asarray(m, dtype=str)
        bad = ~np.isin(names, LETHALITY_MODELS)
        if np.any(bad):
            raise ValueError(
                f"unknown lethality model(s) {sorted(set(names[bad]))}; "
                f"use one of {LETHALITY_MODELS}"
            )
        code = np.select([names == n for n in LETHALITY_MODELS], [0, 1, 2])
    else:
        code = m.astype(int)
        if np.any((code < 0) | (code > 2)):
            raise ValueError(f"lethality model codes must be 0, 1 or 2, got {np.unique(code)}")
    d, r, s, code = np.broadcast_arrays(
        np.asarray(miss_m, float),
        np.asarray(lethal_radius_m, float),
        np.asarray(sigma_m, float),
        code,
    )
    return np.select(
        [code == 0, code == 1],
        [pk_cookie_cutter(d, r), pk_gaussian(d, r)],
        pk_rice(d, r, s),
    )


#: Closest distance used for the fragment density, m (a hit closer than this is a body
#: hit; it keeps the density finite).
MIN_FRAGMENT_DISTANCE_M = 1.0


def pk_fragmentation(
    miss_m: ArrayLike,
    closing_speed_mps: ArrayLike,
    n_fragments: ArrayLike,
    spray_width_rad: ArrayLike,
    vulnerable_area_m2: ArrayLike,
    target_length_m: ArrayLike,
    fuze_range_m: ArrayLike,
    fuze_reliability: ArrayLike = 1.0,
    fuze_timing_sigma_s: ArrayLike = 0.0,
) -> NDArray[np.float64]:
    """Kill probability of a proximity-fuzed fragmentation warhead.

    Parameters
    ----------
    miss_m : array_like
        Miss distance at closest approach d, m.
    closing_speed_mps : array_like
        Relative (encounter) speed at closest approach V, m/s.
    n_fragments : array_like
        Lethal fragments in the spray N.
    spray_width_rad : array_like
        Polar width of the fragment spray band dtheta (the band sits about 90 deg from
        the missile axis), rad.
    vulnerable_area_m2 : array_like
        Target area whose hit by one fragment kills it A_v, m^2.
    target_length_m : array_like
        Target length along the relative velocity L, m.
    fuze_range_m : array_like
        Largest miss at which the fuze fires R_f, m.
    fuze_reliability : array_like
        Probability that fuze and warhead function P_f.
    fuze_timing_sigma_s : array_like
        1-sigma burst-time error sigma_t, s.

    Returns
    -------
    ndarray
        Pk in [0, 1].

    Notes
    -----
    Pk = P_f 1[d <= R_f] P_align (1 - exp(-lambda)), with

    * fragment hits: a band of N fragments over the solid angle Omega = 2 pi dtheta
      (sin 90 deg = 1) gives an areal density N / (Omega r^2) at distance r, so the
      expected hits on A_v are lambda = N A_v / (2 pi dtheta max(d, 1 m)^2) and the kill
      probability given alignment is 1 - exp(-lambda) (Poisson hits);
    * alignment: a burst-time error t ~ N(0, sigma_t^2) displaces the spray along the
      relative velocity by V t; the band covers d dtheta of the target's line at miss d,
      so the spray meets some part of a target of length L if |V t| <= (d dtheta + L)/2:
      P_align = erf((d dtheta + L) / (2 sqrt(2) V sigma_t)) (1 if sigma_t V = 0).

    The encounter speed thus matters through the fuze timing: a fast, short target (a
    ballistic missile's warhead section) is harder to meet with the spray than a long,
    slow one, and against it a miss of a few metres can be worse than one of ten (the
    narrow band at a close miss is easily burst ahead of or behind the warhead: the
    fuze-warhead matching problem). A miss under 1 m is a body hit (contact fuze):
    P_align = 1. Not modelled: the dynamic tilt of the spray by the encounter velocity
    (assumed compensated by the fuze delay), fragment slow-down and the dependence of A_v
    on fragment speed. References: Macfadzean, *Surface-Based Air Defense System
    Analysis*, ch. 6 (fragment density, vulnerable area, Pk = 1 - exp(-N A_v / (Omega
    r^2))); Ball, *The Fundamentals of Aircraft Combat Survivability Analysis and
    Design*, 2nd ed., sec. 5.3 (proximity fuze and warhead lethality; fuze-warhead
    matching).
    """
    d = _nonneg("miss_m", miss_m)
    v = _nonneg("closing_speed_mps", closing_speed_mps)
    n = _pos("n_fragments", n_fragments)
    w = _pos("spray_width_rad", spray_width_rad)
    av = _nonneg("vulnerable_area_m2", vulnerable_area_m2)
    length = _nonneg("target_length_m", target_length_m)
    rf = _pos("fuze_range_m", fuze_range_m)
    pf = _nonneg("fuze_reliability", fuze_reliability)
    st = _nonneg("fuze_timing_sigma_s", fuze_timing_sigma_s)
    r = np.maximum(d, MIN_FRAGMENT_DISTANCE_M)
    lam = n * av / (2.0 * np.pi * w * r * r)
    sig = v * st
    cover = d * w + length
    with np.errstate(divide="ignore", invalid="ignore"):
        align = np.where(
            (sig > 0) & (d > MIN_FRAGMENT_DISTANCE_M),
            erf(cover / (2.0 * np.sqrt(2.0) * np.where(sig > 0, sig, 1.0))),
            1.0,
        )
    return np.where(d <= rf, np.minimum(pf, 1.0) * align * -np.expm1(-lam), 0.0)


def intercept_pk(
    spec: MissileSpec,
    miss_m: ArrayLike,
    closing_speed_mps: ArrayLike,
    vulnerable_area_m2: ArrayLike,
    target_length_m: ArrayLike,
) -> NDArray[np.float64]:
    """Kill probability of intercepts by one missile type under its lethality model.

    The fragmentation model uses every argument (:func:`pk_fragmentation`); the simple
    models use the miss alone (:func:`pk_for_miss`).
    """
    if spec.lethality_model == "fragmentation":
        return pk_fragmentation(
            miss_m,
            closing_speed_mps,
            spec.warhead_fragments,
            spec.warhead_spray_width_rad,
            vulnerable_area_m2,
            target_length_m,
            spec.fuze_range_m,
            spec.fuze_reliability,
            spec.fuze_timing_sigma_s,
        )
    return pk_for_miss(spec.lethality_model, miss_m, spec.lethal_radius_m, spec.miss_sigma_m)
