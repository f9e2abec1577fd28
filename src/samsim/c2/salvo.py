"""Firing-doctrine arithmetic: salvo kill probability and shoot-look-shoot cost.

Pure, vectorised formulas (no simulation) that the doctrine and the analysts use to
compare salvo sizes with shoot-look-shoot: kill probability and expected missiles.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray


def _prob(name: str, value: ArrayLike) -> NDArray[np.float64]:
    arr = np.asarray(value, dtype=np.float64)
    if np.any(~np.isfinite(arr)) or np.any((arr < 0) | (arr > 1)):
        raise ValueError(f"{name} must be a probability in [0, 1]; got {value!r}")
    return arr


def _count(name: str, value: ArrayLike, minimum: int) -> NDArray[np.int64]:
    arr = np.asarray(value)
    if arr.dtype == bool or not np.issubdtype(arr.dtype, np.number):
        raise ValueError(f"{name} must be an integer >= {minimum}; got {value!r}")
    f = arr.astype(np.float64)
    if np.any(~np.isfinite(f)) or np.any(f != np.round(f)) or np.any(f < minimum):
        raise ValueError(f"{name} must be an integer >= {minimum}; got {value!r}")
    return f.astype(np.int64)


def salvo_kill_probability(p: ArrayLike, k: ArrayLike) -> NDArray[np.float64]:
    """Probability that a salvo of k independent missiles kills the target.

    Parameters
    ----------
    p : array_like
        Single-shot kill probability, in [0, 1].
    k : array_like of int
        Missiles in the salvo, >= 0. Broadcast with ``p``.

    Returns
    -------
    ndarray
        P_k = 1 - (1 - p)^k.

    Notes
    -----
    Independent shots: the target survives only if every missile misses. Known answer:
    p = 0.7, k = 2 gives 0.91. Reference: Przemieniecki, *Mathematical Methods in Defense
    Analyses*, 3rd ed., AIAA 2000, sec. 4.2.
    """
    pp = _prob("p", p)
    kk = _count("k", k, 0)
    return np.asarray(1.0 - (1.0 - pp) ** kk, dtype=np.float64)


class ShootLookShoot(NamedTuple):
    """Kill probability and expected missile cost of a shoot-look-shoot engagement."""

    kill_probability: NDArray[np.float64]
    expected_missiles: NDArray[np.float64]


def shoot_look_shoot(
    p: ArrayLike,
    shots_per_salvo: ArrayLike = 1,
    salvos: ArrayLike = 2,
    kill_assessment_prob: ArrayLike = 1.0,
) -> ShootLookShoot:
    """Shoot-look-shoot: fire a salvo, look, fire again only if the target seems alive.

    Parameters
    ----------
    p : array_like
        Single-shot kill probability, in [0, 1].
    shots_per_salvo : array_like of int
        Missiles n fired at each opportunity, >= 1.
    salvos : array_like of int
        Firing opportunities L, >= 1 (L - 1 looks); "1 then 1" is n = 1, L = 2.
    kill_assessment_prob : array_like
        Probability a that a look recognises a killed target as killed; each look is
        independent. A live target is always recognised as alive.

    Returns
    -------
    ShootLookShoot
        ``kill_probability`` = 1 - Q^L and ``expected_missiles`` =
        n sum_{m=0}^{L-1} P(salvo m+1 is fired), broadcast over the inputs.

    Notes
    -----
    With Q = (1 - p)^n the salvo miss probability, a live target is always engaged
    again, so P_kill = 1 - Q^L. Salvo m + 1 (m >= 1) is fired if the target is alive
    after m salvos (Q^m) or was killed by salvo l <= m and all m - l + 1 looks since
    missed the kill:

        P(fire m + 1) = Q^m + sum_{l=1}^{m} Q^(l-1) (1 - Q) (1 - a)^(m - l + 1).

    Known answers: p = 0.7, n = 1, L = 2, a = 1: P_kill = 0.91 with 1.3 missiles, the
    same kill probability as a two-missile salvo for 35 % fewer missiles; with a = 0
    every salvo is fired (2 missiles). Reference: Przemieniecki, *Mathematical Methods
    in Defense Analyses*, 3rd ed., AIAA 2000, sec. 4.3 (shoot-look-shoot).
    """
    pp = _prob("p", p)
    n = _count("shots_per_salvo", shots_per_salvo, 1)
    n_salvos = _count("salvos", salvos, 1)
    a = _prob("kill_assessment_prob", kill_assessment_prob)
    pp, n, n_salvos, a = np.broadcast_arrays(pp, n, n_salvos, a)
    q_salvo = (1.0 - pp) ** n
    expected = np.zeros(pp.shape)
    for m in range(int(n_salvos.max(initial=1))):
        fire = q_salvo**m
        for lk in range(1, m + 1):
            fire = fire + q_salvo ** (lk - 1) * (1.0 - q_salvo) * (1.0 - a) ** (m - lk + 1)
        expected = expected + np.where(m < n_salvos, n * fire, 0.0)
    return ShootLookShoot(
        kill_probability=np.asarray(1.0 - q_salvo**n_salvos, dtype=np.float64),
        expected_missiles=np.asarray(expected, dtype=np.float64),
    )


def salvo_size_for(p: ArrayLike, required_pk: ArrayLike) -> NDArray[np.int64]:
    """Smallest salvo k with 1 - (1 - p)^k >= required_pk.

    Notes
    -----
    k = ceil(ln(1 - P) / ln(1 - p)), with k = 0 for P = 0 and k = 1 for p = 1; raises
    if p = 0 and P > 0 (no salvo suffices) or P = 1 and p < 1.
    """
    pp = _prob("p", p)
    req = _prob("required_pk", required_pk)
    pp, req = np.broadcast_arrays(pp, req)
    impossible = (req > 0) & ((pp == 0) | ((req == 1) & (pp < 1)))
    if impossible.any():
        raise ValueError(
            f"required_pk {req[impossible].tolist()} cannot be reached with p "
            f"{pp[impossible].tolist()}; lower required_pk or raise p"
        )
    with np.errstate(divide="ignore", invalid="ignore"):
        k = np.ceil(np.log1p(-req) / np.log1p(-pp) - 1e-12)
    k = np.where(req == 0, 0, np.where(pp == 1, 1, k))
    return np.asarray(k, dtype=np.int64)
