"""Lethality: kill probability from miss distance (cookie-cutter, Gaussian, Rice).

The flyout gives a deterministic miss distance at closest approach; these functions turn it
into a kill probability, which the engine draws against its own ``numpy`` Generator.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.stats import ncx2

#: Model codes used in arrays (index into :data:`LETHALITY_MODELS`).
LETHALITY_MODELS = ("cookie_cutter", "gaussian", "rice")


def _nonneg(name: str, value: ArrayLike) -> NDArray[np.float64]:
    arr = np.asarray(value, dtype=float)
    if np.any(arr < 0) or np.any(np.isnan(arr)):
        raise ValueError(f"{name} must be >= 0 and not NaN, got {arr[(arr < 0) | np.isnan(arr)]}")
    return arr


def _pos(name: str, value: ArrayLike) -> NDArray[np.float64]:
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
