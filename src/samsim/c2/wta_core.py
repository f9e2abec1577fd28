"""The weapon-target assignment problem as validated arrays, and its objective.

Owns input checking (every error names the argument and the fix), the normalised limits
every solver reads, and the expected surviving value of an assignment.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

#: Floor on ln(1 - p) used by the exact solver's tangent cuts when p = 1 (see wta_exact).
LOG_Q_FLOOR = -30.0


@dataclass(frozen=True)
class Problem:
    """A validated static WTA instance with every limit folded into caps.

    Attributes
    ----------
    values : ndarray, shape (T,)
        Target values V_j >= 0.
    pk : ndarray, shape (W, T)
        Single-shot kill probability p_ij of one missile of weapon type i on target j.
    rounds : ndarray of int64, shape (W,)
        Missiles weapon type i may fire in this decision: min(rounds, max_missiles_per_type).
    pair_cap : ndarray of int64, shape (W, T)
        Most missiles of type i on target j: min(rounds_i, max_per_pair_ij,
        max_per_target_j), and 0 where the pair is not ``allowed``.
    target_cap : ndarray of int64, shape (T,)
        Most missiles (all types) on target j (``max_per_target``); non-binding if absent.
    channel_cap : ndarray of int64, shape (W,)
        Most distinct targets type i engages (``max_targets_per_type``); T if absent.
    group : ndarray of int64, shape (W,)
        Group g(i) of each weapon type (``groups``; e.g. the fire unit whose channels its
        missile types share); each type is its own group if absent.
    group_rounds : ndarray of int64, shape (G,)
        Most missiles all types of group g fire together (``max_missiles_per_group``).
    group_channels : ndarray of int64, shape (G,)
        Most distinct targets all types of group g engage together
        (``max_targets_per_group``); a target engaged by two types of one group counts once.
    """

    values: NDArray[np.float64]
    pk: NDArray[np.float64]
    rounds: NDArray[np.int64]
    pair_cap: NDArray[np.int64]
    target_cap: NDArray[np.int64]
    channel_cap: NDArray[np.int64]
    group: NDArray[np.int64]
    group_rounds: NDArray[np.int64]
    group_channels: NDArray[np.int64]

    def with_values(self, values: NDArray[np.float64]) -> Problem:
        """The same limits with other target values (read-only, like every field)."""
        return dataclasses.replace(self, values=_readonly(np.asarray(values, dtype=np.float64)))

    @property
    def n_types(self) -> int:
        """Number of weapon types W (rows of ``pk``)."""
        return int(self.pk.shape[0])

    @property
    def n_targets(self) -> int:
        """Number of targets T (columns of ``pk``)."""
        return int(self.pk.shape[1])

    @property
    def n_groups(self) -> int:
        """Number of weapon-type groups G."""
        return int(self.group_rounds.shape[0])

    def limits(
        self,
    ) -> tuple[
        NDArray[np.int64],
        NDArray[np.int64],
        NDArray[np.int64],
        NDArray[np.int64],
        NDArray[np.int64],
        NDArray[np.int64],
        NDArray[np.int64],
    ]:
        """The caps in the order the numba kernels take them: pair_cap, rounds, target_cap,
        channel_cap, group, group_rounds, group_channels."""
        return (
            self.pair_cap,
            self.rounds,
            self.target_cap,
            self.channel_cap,
            self.group,
            self.group_rounds,
            self.group_channels,
        )


def _float_array(name: str, value: ArrayLike, ndim: int) -> NDArray[np.float64]:
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be an array of numbers; got {value!r}") from exc
    if arr.ndim != ndim:
        raise ValueError(
            f"{name} must be a {ndim}-D array; got shape {arr.shape}. "
            f"Fix: pass {'one value per target' if ndim == 1 else '(weapon types, targets)'}."
        )
    bad = ~np.isfinite(arr)
    if bad.any():
        where = tuple(int(k) for k in np.argwhere(bad)[0])
        raise ValueError(
            f"{name} must be finite; got {arr[where]} at index {where}. Fix: replace NaN/inf."
        )
    return arr


#: Integers from 0 up to this are whole doubles: :func:`_int_array` passes them through.
_EXACT_INT = 2**53


def _int_array(name: str, value: ArrayLike, shape: tuple[int, ...], what: str) -> NDArray[np.int64]:
    """An integer array >= 0 broadcast to ``shape``; floats must be whole numbers."""
    # the common valid inputs (a whole number, an int64 array of the shape) as the general
    # path returns them (through doubles: exact below 2^53), without its checks' cost
    if type(value) is int and 0 <= value < _EXACT_INT:
        return np.full(shape, value, dtype=np.int64)
    if (
        type(value) is np.ndarray
        and value.dtype == np.int64
        and value.shape == shape
        and (value.size == 0 or (value.min() >= 0 and value.max() < _EXACT_INT))
    ):
        return np.array(value, dtype=np.int64, order="C")
    try:
        raw = np.asarray(value)
    except (TypeError, ValueError) as exc:  # pragma: no cover - numpy accepts almost all
        raise ValueError(f"{name} must be an integer or an array of integers") from exc
    if raw.dtype == bool or not (
        np.issubdtype(raw.dtype, np.integer) or np.issubdtype(raw.dtype, np.floating)
    ):
        raise ValueError(f"{name} must be integers ({what}); got {value!r}")
    arr = raw.astype(np.float64)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite integers ({what}); got {value!r}")
    if np.any(arr != np.round(arr)):
        raise ValueError(f"{name} must be whole numbers ({what}); got {value!r}")
    if np.any(arr < 0):
        where = tuple(int(k) for k in np.argwhere(arr < 0)[0])
        raise ValueError(
            f"{name} must be >= 0 ({what}); got {arr[where] if arr.ndim else arr} "
            f"at index {where}. Fix: use 0 to forbid."
        )
    try:
        out = np.broadcast_to(arr, shape)
    except ValueError as exc:
        raise ValueError(
            f"{name} has shape {arr.shape} but must be a scalar or have shape {shape} ({what})"
        ) from exc
    return np.ascontiguousarray(out, dtype=np.int64)


def make_problem(
    values: ArrayLike,
    pk: ArrayLike,
    rounds: ArrayLike,
    *,
    max_per_target: ArrayLike | None = None,
    max_per_pair: ArrayLike | None = None,
    allowed: ArrayLike | None = None,
    max_targets_per_type: ArrayLike | None = None,
    max_missiles_per_type: ArrayLike | None = None,
    groups: ArrayLike | None = None,
    max_targets_per_group: ArrayLike | None = None,
    max_missiles_per_group: ArrayLike | None = None,
) -> Problem:
    """Validate the inputs of :func:`samsim.c2.wta.solve` and fold the limits into caps.

    Raises
    ------
    ValueError
        Naming the argument, the offending value and the fix, for any malformed input.
    """
    v = _float_array("values", values, 1)
    p = _float_array("pk", pk, 2)
    n_t = v.shape[0]
    if p.shape[1] != n_t:
        raise ValueError(
            f"pk has shape {p.shape} but values has {n_t} targets; pk must have shape "
            f"(weapon types, {n_t}). Fix: one column of pk per target."
        )
    n_w = p.shape[0]
    if np.any(v < 0):
        j = int(np.argmax(v < 0))
        raise ValueError(f"values must be >= 0; got {v[j]} for target {j}")
    if np.any((p < 0) | (p > 1)):
        i, j = (int(k) for k in np.argwhere((p < 0) | (p > 1))[0])
        raise ValueError(
            f"pk must lie in [0, 1]; got {p[i, j]} for weapon type {i}, target {j}. "
            "Fix: pass single-shot kill probabilities."
        )
    r_arr = np.asarray(rounds)
    if r_arr.ndim != 1 or r_arr.shape[0] != n_w:
        raise ValueError(
            f"rounds has shape {r_arr.shape} but pk has {n_w} weapon types; rounds must have "
            f"shape ({n_w},). Fix: one missile count per weapon type (row of pk)."
        )
    r = _int_array("rounds", r_arr, (n_w,), "missiles available per weapon type")
    if max_missiles_per_type is not None:
        g = _int_array(
            "max_missiles_per_type",
            max_missiles_per_type,
            (n_w,),
            "guided-missile channels per weapon type",
        )
        r = np.minimum(r, g)
    grp, g_rounds, g_chan = _groups(
        n_w, n_t, r, groups, max_targets_per_group, max_missiles_per_group
    )
    r = np.minimum(r, g_rounds[grp])
    total = int(r.sum())
    if max_per_target is None:
        tcap = np.full(n_t, total, dtype=np.int64)
    else:
        tcap = np.minimum(
            _int_array("max_per_target", max_per_target, (n_t,), "missiles per target"), total
        )
    if max_targets_per_type is None:
        ccap = np.full(n_w, n_t, dtype=np.int64)
    else:
        ccap = np.minimum(
            _int_array(
                "max_targets_per_type",
                max_targets_per_type,
                (n_w,),
                "target channels per weapon type",
            ),
            n_t,
        )
    cap = np.minimum(r[:, None], tcap[None, :])
    if max_per_pair is not None:
        cap = np.minimum(
            cap,
            _int_array("max_per_pair", max_per_pair, (n_w, n_t), "missiles per type and target"),
        )
    if allowed is not None:
        a = np.asarray(allowed)
        if a.dtype != bool:
            raise ValueError(
                f"allowed must be a boolean mask (weapon types x targets); got {a.dtype}"
            )
        try:
            a = np.broadcast_to(a, (n_w, n_t))
        except ValueError as exc:
            raise ValueError(
                f"allowed has shape {a.shape} but must have shape {(n_w, n_t)} "
                "(weapon types x targets)"
            ) from exc
        cap = np.where(a, cap, 0)
    ro = _readonly
    return Problem(
        ro(v),
        ro(p),
        ro(r),
        ro(cap.astype(np.int64)),
        ro(tcap),
        ro(ccap),
        ro(grp),
        ro(g_rounds),
        ro(g_chan),
    )


def _groups(
    n_w: int,
    n_t: int,
    rounds: NDArray[np.int64],
    groups: ArrayLike | None,
    max_targets_per_group: ArrayLike | None,
    max_missiles_per_group: ArrayLike | None,
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    """Validate the grouped (shared) limits; without ``groups`` each type is its own group
    with non-binding caps."""
    if groups is None:
        if max_targets_per_group is not None or max_missiles_per_group is not None:
            raise ValueError(
                "max_targets_per_group / max_missiles_per_group need groups: pass groups, the "
                "group index of each weapon type (shape (W,))"
            )
        return (
            np.arange(n_w, dtype=np.int64),
            rounds.astype(np.int64),
            np.full(n_w, n_t, dtype=np.int64),
        )
    raw = np.asarray(groups)
    if raw.shape != (n_w,) or not np.issubdtype(raw.dtype, np.integer) or raw.dtype == bool:
        raise ValueError(
            f"groups must be an integer array of shape ({n_w},) (the group of each weapon "
            f"type, 0..G-1); got {groups!r}"
        )
    grp = raw.astype(np.int64)
    if np.any(grp < 0):
        raise ValueError(f"groups must be >= 0 (group indices); got {grp.tolist()}")
    n_g = int(grp.max(initial=-1)) + 1
    g_rounds = np.bincount(grp, weights=rounds, minlength=n_g).astype(np.int64)
    if max_missiles_per_group is not None:
        g_rounds = np.minimum(
            g_rounds,
            _int_array(
                "max_missiles_per_group",
                max_missiles_per_group,
                (n_g,),
                "guided-missile channels per group",
            ),
        )
    g_chan = np.full(n_g, n_t, dtype=np.int64)
    if max_targets_per_group is not None:
        g_chan = np.minimum(
            g_chan,
            _int_array(
                "max_targets_per_group", max_targets_per_group, (n_g,), "target channels per group"
            ),
        )
    return grp, g_rounds, g_chan


def _readonly(a: NDArray[Any]) -> NDArray[Any]:
    out = np.array(a, copy=True, order="C")
    out.flags.writeable = False
    return out


def survival(pk: ArrayLike, assignment: ArrayLike) -> NDArray[np.float64]:
    """Probability each target survives: s_j = prod_i (1 - p_ij)^x_ij.

    Broadcasts over leading axes of ``assignment`` (..., W, T). Uses exact powers, so
    p = 1 with x >= 1 gives 0.
    """
    q = 1.0 - np.asarray(pk, dtype=np.float64)
    x = np.asarray(assignment)
    return np.asarray(np.prod(q**x, axis=-2), dtype=np.float64)


def surviving_value(values: ArrayLike, pk: ArrayLike, assignment: ArrayLike) -> float:
    """Expected surviving target value, sum_j V_j prod_i (1 - p_ij)^x_ij.

    Notes
    -----
    The target-based static WTA objective (Manne 1958; Hosein & Athans 1990, eq. 1;
    Ahuja et al. 2007, eq. 1): weapons act independently, so a target survives every
    missile aimed at it with the product of the single-shot miss probabilities.
    """
    return float(np.sum(np.asarray(values, dtype=np.float64) * survival(pk, assignment)))


def violations(problem: Problem, x: NDArray[np.int64]) -> list[str]:
    """Every limit that ``x`` breaks, as sentences (empty when feasible)."""
    out: list[str] = []
    if x.shape != problem.pk.shape:
        return [f"assignment has shape {x.shape}, expected {problem.pk.shape}"]
    if np.any(x < 0):
        out.append("negative missile counts")
    over = x.sum(axis=1) > problem.rounds
    if over.any():
        out.append(f"weapon types {np.flatnonzero(over).tolist()} fire more than their rounds")
    over = x > problem.pair_cap
    if over.any():
        i, j = np.argwhere(over)[0]
        out.append(f"type {i} on target {j}: {x[i, j]} > pair cap {problem.pair_cap[i, j]}")
    over = x.sum(axis=0) > problem.target_cap
    if over.any():
        out.append(f"targets {np.flatnonzero(over).tolist()} get more than max_per_target")
    over = (x > 0).sum(axis=1) > problem.channel_cap
    if over.any():
        out.append(f"types {np.flatnonzero(over).tolist()} engage more targets than channels")
    gx = group_missiles(problem, x)
    over = gx.sum(axis=1) > problem.group_rounds
    if over.any():
        out.append(f"groups {np.flatnonzero(over).tolist()} fire more than their missile limit")
    over = (gx > 0).sum(axis=1) > problem.group_channels
    if over.any():
        out.append(f"groups {np.flatnonzero(over).tolist()} engage more targets than channels")
    return out


def group_missiles(problem: Problem, x: NDArray[np.int64]) -> NDArray[np.int64]:
    """Missiles of each group on each target, shape (G, T)."""
    out = np.zeros((problem.n_groups, x.shape[1]), dtype=np.int64)
    np.add.at(out, problem.group, x)
    return out
