"""Flight-control response of an interceptor: a chain of equal first-order lags.

The lateral acceleration the airframe achieves follows the guidance command through n
equal lags (a binomial transfer function of total time constant T), integrated exactly
for a command held over a step. The linear homing loop of
:mod:`samsim.physics.homing` and the 3-DOF flyout share these kernels.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

from samsim.jit import njit

#: Most lags a chain may have.
MAX_ORDER = 5


@njit(cache=True, inline="always")
def lag_chain_stage(
    state: NDArray[np.float64],
    n: int,
    cmd: tuple[float, float, float],
    s: float,
    tau: float,
    k: int,
) -> tuple[float, float, float]:
    """Value of stage k (0-based) of an n-lag chain after time s under a held command.

    Notes
    -----
    With e_j = x_j - u the deviations of the stages from the held input u, the chain
    e_1' = -e_1 / tau, e_j' = (e_{j-1} - e_j) / tau has the exact solution
    e_k(s) = exp(-s/tau) sum_{j=1..k} e_j(0) (s/tau)^(k-j) / (k-j)!
    (1-based), a lower-triangular Toeplitz matrix exponential. ``state`` has shape
    (MAX_ORDER, 3); stages beyond n are ignored.
    """
    x = s / tau
    f = math.exp(-x)
    ox = 0.0
    oy = 0.0
    oz = 0.0
    c = 1.0  # x^(k-j) / (k-j)!, built from j = k downwards
    for j in range(k, -1, -1):
        ox += (state[j, 0] - cmd[0]) * c
        oy += (state[j, 1] - cmd[1]) * c
        oz += (state[j, 2] - cmd[2]) * c
        c *= x / (k - j + 1)
    return (cmd[0] + f * ox, cmd[1] + f * oy, cmd[2] + f * oz)


@njit(cache=True, inline="always")
def lag_chain_output(
    state: NDArray[np.float64], n: int, cmd: tuple[float, float, float], s: float, tau: float
) -> tuple[float, float, float]:
    """Output of the chain (its last stage) after time s; the command itself if n = 0."""
    if n == 0:
        return cmd
    return lag_chain_stage(state, n, cmd, s, tau, n - 1)


@njit(cache=True, inline="always")
def lag_chain_advance(
    state: NDArray[np.float64], n: int, cmd: tuple[float, float, float], s: float, tau: float
) -> None:
    """Advance every stage of the chain by time s under a held command (in place)."""
    for k in range(n - 1, -1, -1):  # last stage first: each uses the stages before it
        v = lag_chain_stage(state, n, cmd, s, tau, k)
        state[k, 0] = v[0]
        state[k, 1] = v[1]
        state[k, 2] = v[2]


@njit(cache=True, inline="always")
def response_scale(q_pa: float, q_ref_pa: float) -> float:
    """Slow-down of the flight-control response at low dynamic pressure.

    Notes
    -----
    The airframe's short-period frequency grows with sqrt(q) (aerodynamic stiffness is
    proportional to dynamic pressure), so below a reference dynamic pressure the time
    constants scale as sqrt(q_ref / q), here limited to 4x (the autopilot and thrust
    vectoring keep some authority). Reference: Garnell, *Guided Weapon Control
    Systems*, 2nd ed., ch. 3 (airframe transfer functions vs dynamic pressure); the
    limit is notional.
    """
    if q_ref_pa <= 0.0 or q_pa >= q_ref_pa:
        return 1.0
    if q_pa <= q_ref_pa / 16.0:
        return 4.0
    return math.sqrt(q_ref_pa / q_pa)


def binomial_step_response(
    t_s: ArrayLike, order: int, total_time_constant_s: float
) -> NDArray[np.float64]:
    """Unit-step response of n equal lags of total time constant T (vectorised).

    Notes
    -----
    y(t) = 1 - exp(-t/tau) sum_{k=0}^{n-1} (t/tau)^k / k!, tau = T/n (the Erlang CDF);
    y = 1 for n = 0. Used to check :func:`lag_chain_advance`.
    """
    t = np.asarray(t_s, dtype=float)
    if order == 0:
        return np.ones_like(t)
    tau = total_time_constant_s / order
    x = t / tau
    acc = np.zeros_like(t)
    term = np.ones_like(t)
    for k in range(order):
        acc += term
        term = term * x / (k + 1)
    return 1.0 - np.exp(-x) * acc
