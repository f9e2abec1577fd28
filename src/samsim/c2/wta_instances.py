"""WTA test instances: the classic random recipe and the public APT instance files.

Used by the benchmark and the tests; analysts can use them to compare solvers.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from numpy.typing import NDArray

Instance = tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.int64]]


def random_instance(
    n_types: int,
    rng: np.random.Generator,
    n_targets: int | None = None,
    rounds: int = 1,
    pk_range: tuple[float, float] = (0.6, 0.9),
    value_range: tuple[int, int] = (25, 100),
) -> Instance:
    """A random static WTA instance in the classic recipe.

    Parameters
    ----------
    n_types : int
        Weapon types W.
    rng : numpy.random.Generator
        Source of randomness (seed it for reproducible instances).
    n_targets : int, optional
        Targets T (default W, the classic "weapons = targets = n").
    rounds : int
        Missiles per weapon type (1 in the classic recipe).
    pk_range : (float, float)
        p_ij ~ U[low, high] (0.6, 0.9 classic).
    value_range : (int, int)
        V_j ~ U{low..high} integers (25..100 classic).

    Returns
    -------
    values, pk, rounds : ndarray
        Shapes (T,), (W, T), (W,). Draw order: values first, then pk (row-major).

    References
    ----------
    Ahuja, Kumar, Jha & Orlin, "Exact and heuristic algorithms for the weapon-target
    assignment problem", Operations Research 55(6):1136-1146, 2007, sec. 7.
    """
    if n_types < 1:
        raise ValueError(f"n_types must be >= 1, got {n_types}")
    n_t = n_types if n_targets is None else n_targets
    if n_t < 1:
        raise ValueError(f"n_targets must be >= 1, got {n_t}")
    lo, hi = value_range
    values = rng.integers(lo, hi + 1, size=n_t).astype(np.float64)
    pk = rng.uniform(pk_range[0], pk_range[1], size=(n_types, n_t))
    return values, pk, np.full(n_types, rounds, dtype=np.int64)


def read_apt_instance(path: str | Path) -> Instance:
    """Read an instance file of Andersen, Pavlikov & Toffolo (2022), ``wta_WxTxM.txt``.

    Format: a first line ``W T M`` (weapon types, targets, rounds per type), T lines with
    the value of each target, then ``i j p_ij`` lines.

    References
    ----------
    Andersen, Pavlikov & Toffolo, "Weapon-target assignment problem: exact and approximate
    solution algorithms", Annals of Operations Research 312(2):581-606, 2022.
    """
    lines = Path(path).read_text().split("\n")
    try:
        n_w, n_t, m = (int(v) for v in lines[0].split())
        values = np.array([float(v) for v in lines[1 : n_t + 1]])
        body = np.loadtxt(lines[n_t + 1 :], ndmin=2)
    except (ValueError, IndexError) as exc:
        raise ValueError(f"{path}: not a 'W T M' WTA instance file ({exc})") from exc
    pk = np.zeros((n_w, n_t))
    pk[body[:, 0].astype(int), body[:, 1].astype(int)] = body[:, 2]
    return values, pk, np.full(n_w, m, dtype=np.int64)
