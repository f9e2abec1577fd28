"""The table of threat trajectories the engine evaluates, and the one way a threat reacts to
the defence: an evasive manoeuvre spliced into its row.

Each threat's path is computed when the scenario is compiled and stored as a table (one
row per threat, one column per sample, uniform in time per row). The engine evaluates
every threat at any time by vectorised interpolation (:meth:`ThreatTable.state_at`).
When an interceptor is launched at a threat whose type evades, :class:`Reactions`
recomputes that threat's path from the reaction time and splices it into the row.

The motion models live in their own modules (docs/models/threats.md gives the formulas,
sources and limits) and are re-exported here:

- :mod:`samsim.physics.trajectory`: the sampled :class:`Trajectory`, gravity, Mach speeds;
- :mod:`samsim.physics.route`: waypoint movers (cruise missiles, drones, aircraft,
  decoys) with terrain following and terminal pop-up or weave;
- :mod:`samsim.physics.ballistic`: ballistic missiles (boost, ballistic flight, cut-off
  solved for the aim point, terminal weave);
- :mod:`samsim.physics.evasion`: aircraft evasion (turn to beam or away, hold, rejoin or
  egress).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from samsim.geo.frames import EnuFrame
from samsim.jit import njit
from samsim.physics.ballistic import (
    BallisticMissile,
    ballistic_flight,
    ballistic_missile_trajectory,
    ballistic_trajectory,
    boosted_flight,
)
from samsim.physics.evasion import (
    Evasion,
    RoutePlan,
    evasion_path,
)
from samsim.physics.route import (
    Agility,
    DensePath,
    Terminal,
    sample_path,
    trace_route,
    vertical_profile,
    waypoint_trajectory,
)
from samsim.physics.trajectory import (
    G0_MPS2,
    MU_EARTH,
    PathPoint,
    TerrainFn,
    Trajectory,
    gravity_enu_mps2,
    resolve_speed,
    uniform_times,
)

if TYPE_CHECKING:
    from samsim.scenario.specs import ThreatSpec

__all__ = [
    "G0_MPS2",
    "MU_EARTH",
    "Agility",
    "BallisticMissile",
    "DensePath",
    "Evasion",
    "PathPoint",
    "Reactions",
    "RoutePlan",
    "Terminal",
    "TerrainFn",
    "ThreatTable",
    "Trajectory",
    "ballistic_flight",
    "ballistic_missile_of",
    "ballistic_missile_trajectory",
    "ballistic_trajectory",
    "boosted_flight",
    "evasion_path",
    "gravity_enu_mps2",
    "resolve_speed",
    "sample_path",
    "terminal_of",
    "trace_route",
    "uniform_times",
    "vertical_profile",
    "waypoint_trajectory",
]


@njit(cache=True)
def _state_at_kernel(
    t_s: float,
    rows: NDArray[np.int64],
    t0_s: NDArray[np.float64],
    dt_s: NDArray[np.float64],
    n_samples: NDArray[np.int64],
    start: NDArray[np.int64],
    pos_m: NDArray[np.float64],
    vel_mps: NDArray[np.float64],
    alt_m: NDArray[np.float64],
    p: NDArray[np.float64],
    v: NDArray[np.float64],
    a: NDArray[np.float64],
) -> None:
    """Kernel of :meth:`ThreatTable.state_at`: per row, the sample interval holding
    ``t_s`` (clipped to the trajectory) and the linear interpolation in it, written with
    the same floating-point operations, in the same order, as the array expression
    ``x0 * (1 - w) + x1 * w`` (so the results are bit-for-bit those of numpy). Row ``r``'s
    samples are ``pos_m[start[r] : start[r] + n_samples[r]]`` (and so on): only samples
    inside the trajectory are read."""
    for k in range(rows.shape[0]):
        r = rows[k]
        u = (t_s - t0_s[r]) / dt_s[r]
        top = n_samples[r] - 1
        # np.clip(u, 0, top): max then min, NaN kept
        if not math.isnan(u):
            u = u if u > 0.0 else 0.0
            u = u if u < top else float(top)
        i0 = min(np.int64(math.floor(u)), max(top - 1, 0))
        w = u - i0
        i1 = min(i0 + 1, top)
        j0 = start[r] + i0
        j1 = start[r] + i1
        for j in range(3):
            p[k, j] = pos_m[j0, j] * (1.0 - w) + pos_m[j1, j] * w
            v[k, j] = vel_mps[j0, j] * (1.0 - w) + vel_mps[j1, j] * w
        a[k] = alt_m[j0] * (1.0 - w) + alt_m[j1] * w


@njit(cache=True)
def _active_states_kernel(
    t_s: float,
    alive: NDArray[np.bool_],
    t0_s: NDArray[np.float64],
    t_end_s: NDArray[np.float64],
    dt_s: NDArray[np.float64],
    n_samples: NDArray[np.int64],
    start: NDArray[np.int64],
    pos_m: NDArray[np.float64],
    vel_mps: NDArray[np.float64],
    alt_m: NDArray[np.float64],
) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Kernel of :meth:`ThreatTable.active_states` (no row spliced): the rows ``alive``
    and active at ``t_s`` (``t0_s <= t_s <= t_end_s``, as :meth:`ThreatTable.active`), in
    order, and their positions, velocities and altitudes (:func:`_state_at_kernel`)."""
    n = alive.shape[0]
    m = 0
    for i in range(n):
        if alive[i] and t0_s[i] <= t_s and t_s <= t_end_s[i]:
            m += 1
    rows = np.empty(m, dtype=np.int64)
    k = 0
    for i in range(n):
        if alive[i] and t0_s[i] <= t_s and t_s <= t_end_s[i]:
            rows[k] = i
            k += 1
    p = np.empty((m, 3))
    v = np.empty((m, 3))
    a = np.empty(m)
    _state_at_kernel(t_s, rows, t0_s, dt_s, n_samples, start, pos_m, vel_mps, alt_m, p, v, a)
    return rows, p, v, a


@njit(cache=True)
def _live_state_kernel(
    t_s: float,
    rows: NDArray[np.int64],
    t0_s: NDArray[np.float64],
    dt_s: NDArray[np.float64],
    n_samples: NDArray[np.int64],
    start: NDArray[np.int64],
    pos_m: NDArray[np.float64],
    vel_mps: NDArray[np.float64],
    alt_m: NDArray[np.float64],
    threat: NDArray[np.int64],
    t_end_s: NDArray[np.float64],
    alive: NDArray[np.bool_],
    p: NDArray[np.float64],
    v: NDArray[np.float64],
    a: NDArray[np.float64],
) -> None:
    """:func:`_state_at_kernel` of ``rows`` (samples where they live), then NaN positions
    and velocities for the rows whose threat ``threat[k]`` is dead (``alive``) or outside
    its trajectory (not ``t0_s <= t_s <= t_end_s``): :meth:`ThreatTable.live_state_at`."""
    _state_at_kernel(t_s, rows, t0_s, dt_s, n_samples, start, pos_m, vel_mps, alt_m, p, v, a)
    for k in range(threat.shape[0]):
        i = threat[k]
        if not (alive[i] and t0_s[i] <= t_s and t_s <= t_end_s[i]):
            for j in range(3):
                p[k, j] = np.nan
                v[k, j] = np.nan


def _read_only(a: NDArray[np.float64]) -> NDArray[np.float64]:
    v = a.view()
    v.flags.writeable = False
    return v


class ThreatTable:
    """All threats' trajectories, evaluated at any time, vectorised.

    The samples of all rows are stored end to end (ragged: row ``i`` is
    ``n_samples[i]`` samples from offset ``_start[i]``), so a raid of threats with very
    different flight times costs the samples it has, not the longest flight's for every
    threat. Rows spliced after compilation (evasions, re-plans) live in an overlay.

    Attributes
    ----------
    t0_s, t_end_s : ndarray (n,)
        Appearance and end of each trajectory.
    dt_s : ndarray (n,)
        Sample step of each trajectory, s.
    n_samples : ndarray of int64 (n,)
        Samples of each trajectory.
    """

    def __init__(self, trajectories: Sequence[Trajectory]) -> None:
        n = len(trajectories)
        self.dt_s = np.array([tr.dt_s for tr in trajectories])
        self.n_samples = np.array([len(tr.alt_m) for tr in trajectories], dtype=np.int64)
        self.t0_s = np.array([tr.t0_s for tr in trajectories])
        self.t_end_s = np.array([tr.t_end_s for tr in trajectories])
        self._start = np.zeros(n, dtype=np.int64)
        np.cumsum(self.n_samples[:-1], out=self._start[1:])
        total = int(self.n_samples.sum())
        self._pos = np.empty((total, 3))
        self._vel = np.empty((total, 3))
        self._alt = np.empty(total)
        for i, tr in enumerate(trajectories):
            a, m = int(self._start[i]), len(tr.alt_m)
            self._pos[a : a + m] = tr.pos_m
            self._vel[a : a + m] = tr.vel_mps
            self._alt[a : a + m] = tr.alt_m
        self._len = self.n_samples.copy()  # samples stored per row (shared by copies)
        self._width = int(self.n_samples.max()) if n else 1
        self._rows = np.arange(n)
        # Spliced rows: _slot[i] is row i's overlay row or -1 (None: nothing spliced).
        self._slot: NDArray[np.int64] | None = None
        self._over: _Overlay | None = None

    def __len__(self) -> int:
        return len(self.t0_s)

    def samples(self) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
        """The compiled samples of every row end to end (positions (N, 3), velocities
        (N, 3), altitudes (N,)), read-only views; spliced rows not included."""
        return _read_only(self._pos), _read_only(self._vel), _read_only(self._alt)

    def copy(self) -> ThreatTable:
        """A copy for one run (the engine splices evasions into its own copy, so a compiled
        world can be run many times). The per-threat times are the copy's own; the sample
        arrays are shared and never written: a spliced row goes to the copy's overlay, so a
        run copies the few threats that manoeuvre, not the whole table (hundreds of MB for
        a theatre raid)."""
        out = object.__new__(ThreatTable)
        for name in ("dt_s", "n_samples", "t0_s", "t_end_s"):
            setattr(out, name, getattr(self, name).copy())
        out._start, out._len, out._width = self._start, self._len, self._width
        out._pos, out._vel, out._alt = self._pos, self._vel, self._alt
        out._rows = self._rows
        out._slot = None if self._slot is None else self._slot.copy()
        out._over = None if self._over is None else self._over.copy()
        return out

    def row(self, i: int) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
        """Row ``i``'s ``n_samples[i]`` samples (positions, velocities, altitudes),
        read-only views."""
        s = -1 if self._slot is None else int(self._slot[i])
        if s < 0:
            a, m = int(self._start[i]), int(self._len[i])
            pos, vel, alt = self._pos[a : a + m], self._vel[a : a + m], self._alt[a : a + m]
        else:
            assert self._over is not None
            m = int(self.n_samples[i])
            o = self._over
            pos, vel, alt = o.pos_m[s, :m], o.vel_mps[s, :m], o.alt_m[s, :m]
        return _read_only(pos), _read_only(vel), _read_only(alt)

    def active(self, t_s: float) -> NDArray[np.bool_]:
        """Threats whose trajectory covers time ``t_s``."""
        return (self.t0_s <= t_s) & (t_s <= self.t_end_s)

    def active_states(
        self, t_s: float, alive: NDArray[np.bool_]
    ) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
        """The threats ``alive`` (a mask over the table) and :meth:`active` at ``t_s``, as
        indices in order, and their :meth:`state_at` (positions (n, 3), velocities (n,
        3), altitudes (n,)); one compiled pass while no row is spliced."""
        if self._slot is not None:
            idx = (alive & self.active(t_s)).nonzero()[0]
            p, v, a = self.state_at(t_s, idx)
            return idx, p, v, a
        out: tuple[
            NDArray[np.int64], NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]
        ] = _active_states_kernel(
            float(t_s), alive, self.t0_s, self.t_end_s, self.dt_s, self.n_samples,
            self._start, self._pos, self._vel, self._alt,
        )  # fmt: skip
        return out

    def state_at(
        self, t_s: float, idx: NDArray[np.int64] | None = None
    ) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
        """Positions (n,3), velocities (n,3) and altitudes (n,) at time ``t_s``.

        Linear interpolation between samples; outside a threat's time span the first or
        last sample is returned (check :meth:`active`).
        """
        rows = self._rows if idx is None else np.asarray(idx, dtype=np.int64)
        n = rows.shape[0]
        p, v, a = np.empty((n, 3)), np.empty((n, 3)), np.empty(n)
        over = self._over
        slot = None if over is None or self._slot is None else self._slot[rows]
        base = (self.t0_s, self.dt_s, self.n_samples, self._start, self._pos, self._vel, self._alt)
        if slot is None or not (slot >= 0).any():
            _state_at_kernel(float(t_s), np.ascontiguousarray(rows), *base, p, v, a)
            return p, v, a
        # Rows of the overlay and of the shared table, each evaluated where it lives (the
        # same arithmetic per row).
        assert over is not None
        ov = slot >= 0
        for sel, r, arrays in ((~ov, rows[~ov], base), (ov, slot[ov], over.flat())):
            k = int(np.count_nonzero(sel))
            if k == 0:
                continue
            ps, vs, as_ = np.empty((k, 3)), np.empty((k, 3)), np.empty(k)
            _state_at_kernel(float(t_s), np.ascontiguousarray(r), *arrays, ps, vs, as_)
            p[sel], v[sel], a[sel] = ps, vs, as_
        return p, v, a

    def live_state_at(
        self, t_s: float, idx: NDArray[np.int64], alive: NDArray[np.bool_]
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Positions (n, 3) and velocities (n, 3) of threats ``idx`` at ``t_s``
        (:meth:`state_at`), NaN for those not ``alive`` or not :meth:`active` then (the
        engine's truth for the interceptors: a gone target)."""
        rows = np.ascontiguousarray(idx, dtype=np.int64)
        n = rows.shape[0]
        p, v, a = np.empty((n, 3)), np.empty((n, 3)), np.empty(n)
        t = float(t_s)
        if self._slot is None or self._over is None or not (self._slot[rows] >= 0).any():
            _live_state_kernel(
                t, rows, self.t0_s, self.dt_s, self.n_samples, self._start, self._pos,
                self._vel, self._alt, rows, self.t_end_s, alive, p, v, a,
            )  # fmt: skip
            return p, v
        p, v, _ = self.state_at(t, rows)
        gone = ~alive[rows] | ~self.active(t)[rows]
        p[gone] = np.nan
        v[gone] = np.nan
        return p, v

    def splice(
        self,
        i: int,
        k: int,
        pos_m: NDArray[np.float64],
        vel_mps: NDArray[np.float64],
        alt_m: NDArray[np.float64],
    ) -> None:
        """Replace row ``i`` from sample ``k`` on with new samples (same step); the row's
        end time follows. The row moves to (or is already in) the overlay, whose rows grow
        (by at least a quarter) when the new trajectory is longer than they are; the shared
        samples are never written."""
        m = k + len(alt_m)
        if self._slot is None:
            self._slot = np.full(len(self), -1, dtype=np.int64)
        if self._over is None:
            self._over = _Overlay.empty(self._width)
        s = int(self._slot[i])
        if s < 0:
            pos, vel, alt = self.row(i)
            s = self._slot[i] = self._over.add(pos, vel, alt, self.t0_s[i], self.dt_s[i])
        self._over.write(s, k, pos_m, vel_mps, alt_m)
        self.n_samples[i] = m
        self.t_end_s[i] = self.t0_s[i] + self.dt_s[i] * (m - 1)
        self._over.n_samples[s] = m


def _write_row(
    pos: NDArray[np.float64],
    vel: NDArray[np.float64],
    alt: NDArray[np.float64],
    i: int,
    k: int,
    pos_m: NDArray[np.float64],
    vel_mps: NDArray[np.float64],
    alt_m: NDArray[np.float64],
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Row ``i`` of padded sample arrays replaced from sample ``k`` on (the arrays grow by
    at least a quarter when the row gets longer than they are); returns the arrays."""
    m = k + len(alt_m)
    cap = alt.shape[1]
    if m > cap:
        new_cap = max(m, cap + cap // 4 + 1)
        grow = new_cap - cap
        pos = np.concatenate([pos, np.repeat(pos[:, -1:], grow, axis=1)], axis=1)
        vel = np.concatenate([vel, np.zeros((len(vel), grow, 3))], axis=1)
        alt = np.concatenate([alt, np.repeat(alt[:, -1:], grow, axis=1)], axis=1)
    pos[i, k:m] = pos_m
    vel[i, k:m] = vel_mps
    alt[i, k:m] = alt_m
    pos[i, m:] = pos_m[-1]
    vel[i, m:] = 0.0
    alt[i, m:] = alt_m[-1]
    return pos, vel, alt


class _Overlay:
    """The rows a :class:`ThreatTable` has spliced: padded sample arrays (rows x width),
    one row per spliced threat (beyond a row's samples: its last position and altitude,
    zero velocity), with their times."""

    def __init__(
        self,
        pos_m: NDArray[np.float64],
        vel_mps: NDArray[np.float64],
        alt_m: NDArray[np.float64],
        t0_s: NDArray[np.float64],
        dt_s: NDArray[np.float64],
        n_samples: NDArray[np.int64],
        n: int,
    ) -> None:
        self.pos_m, self.vel_mps, self.alt_m = pos_m, vel_mps, alt_m
        self.t0_s, self.dt_s, self.n_samples = t0_s, dt_s, n_samples
        self.n = n

    @classmethod
    def empty(cls, k: int) -> _Overlay:
        z = np.zeros(0)
        none = np.zeros(0, dtype=np.int64)
        return cls(np.zeros((0, k, 3)), np.zeros((0, k, 3)), np.zeros((0, k)), z, z, none, 0)

    def copy(self) -> _Overlay:
        return _Overlay(
            self.pos_m.copy(),
            self.vel_mps.copy(),
            self.alt_m.copy(),
            self.t0_s.copy(),
            self.dt_s.copy(),
            self.n_samples.copy(),
            self.n,
        )

    def flat(
        self,
    ) -> tuple[
        NDArray[np.float64],
        NDArray[np.float64],
        NDArray[np.int64],
        NDArray[np.int64],
        NDArray[np.float64],
        NDArray[np.float64],
        NDArray[np.float64],
    ]:
        """The arguments of :func:`_state_at_kernel` for the overlay's rows (times, sample
        counts, row offsets and the samples end to end: views of the padded arrays)."""
        width = self.alt_m.shape[1]
        start = np.arange(len(self.t0_s), dtype=np.int64) * width
        return (
            self.t0_s,
            self.dt_s,
            self.n_samples,
            start,
            self.pos_m.reshape(-1, 3),
            self.vel_mps.reshape(-1, 3),
            self.alt_m.reshape(-1),
        )

    def add(
        self,
        pos_m: NDArray[np.float64],
        vel_mps: NDArray[np.float64],
        alt_m: NDArray[np.float64],
        t0_s: float,
        dt_s: float,
    ) -> int:
        """Append a copy of a table row (padded with its last position and altitude and
        zero velocity); returns its overlay row."""
        if self.n == len(self.t0_s):  # grow the rows by half
            extra = max(4, self.n // 2)
            k = self.alt_m.shape[1]
            self.pos_m = np.concatenate([self.pos_m, np.zeros((extra, k, 3))])
            self.vel_mps = np.concatenate([self.vel_mps, np.zeros((extra, k, 3))])
            self.alt_m = np.concatenate([self.alt_m, np.zeros((extra, k))])
            self.t0_s = np.concatenate([self.t0_s, np.zeros(extra)])
            self.dt_s = np.concatenate([self.dt_s, np.ones(extra)])
            self.n_samples = np.concatenate([self.n_samples, np.ones(extra, dtype=np.int64)])
        s = self.n
        k = min(len(alt_m), self.alt_m.shape[1])
        self.pos_m[s, :k], self.vel_mps[s, :k], self.alt_m[s, :k] = (
            pos_m[:k],
            vel_mps[:k],
            alt_m[:k],
        )
        self.pos_m[s, k:], self.vel_mps[s, k:], self.alt_m[s, k:] = pos_m[k - 1], 0.0, alt_m[k - 1]
        self.t0_s[s], self.dt_s[s] = t0_s, dt_s
        self.n_samples[s] = len(alt_m)
        self.n += 1
        return s

    def write(
        self,
        s: int,
        k: int,
        pos_m: NDArray[np.float64],
        vel_mps: NDArray[np.float64],
        alt_m: NDArray[np.float64],
    ) -> None:
        self.pos_m, self.vel_mps, self.alt_m = _write_row(
            self.pos_m, self.vel_mps, self.alt_m, s, k, pos_m, vel_mps, alt_m
        )


class Reactions:
    """Per-run state of threats that react to the defence; owns a copy of the table.

    Parameters
    ----------
    table : ThreatTable
        The compiled table (copied, never modified).
    plans : sequence of RoutePlan or None
        Per threat (None: does not react).
    point_times_s : sequence of ndarray or None
        Per threat, the compiled time at which each route point is passed.
    frame, terrain
        Scenario frame and terrain.
    """

    def __init__(
        self,
        table: ThreatTable,
        plans: Sequence[RoutePlan | None],
        point_times_s: Sequence[NDArray[np.float64] | None],
        frame: EnuFrame,
        terrain: TerrainFn,
    ) -> None:
        self.table = table.copy()
        self.plans = list(plans)
        self.point_times_s = list(point_times_s)
        self.frame = frame
        self.terrain = terrain
        self.busy_until_s = np.full(len(table), -np.inf)

    def can_evade(self, i: int) -> bool:
        plan = self.plans[i] if i < len(self.plans) else None
        return plan is not None and plan.evasion is not None

    def can_break(self, i: int) -> bool:
        plan = self.plans[i] if i < len(self.plans) else None
        return plan is not None and plan.break_turn is not None

    def break_at(self, i: int, t_s: float, missile_enu_m: NDArray[np.float64]) -> float | None:
        """Threat ``i`` breaks at ``t_s`` against an interceptor at ``missile_enu_m``
        (its type's ``break_turn``: a hard level turn to put the interceptor abeam, held,
        then back on the route), whatever manoeuvre it was flying; returns its new end
        time (None when nothing changed). See :meth:`launch_at`."""
        plan = self.plans[i] if i < len(self.plans) else None
        if plan is None or plan.break_turn is None:
            return None
        return self._splice(
            i, t_s, dataclasses.replace(plan, evasion=plan.break_turn), missile_enu_m
        )

    def launch_at(self, i: int, t_s: float, source_enu_m: NDArray[np.float64]) -> float | None:
        """A missile is launched at threat ``i`` at ``t_s`` from ``source_enu_m``: if its
        type evades and it is not already manoeuvring, splice the evasion into its row
        from the first sample at or after ``t_s`` + the reaction delay.

        Returns
        -------
        float or None
            The threat's new end time, or None when nothing changed.

        Notes
        -----
        The new segment is sampled on the row's own grid; its duration D is stretched to
        a whole number of steps (factor <= 1 + dt/D, speeds scaled to match) so the last
        sample is the end. Deterministic: a function of the table, the plan and the
        arguments.
        """
        plan = self.plans[i] if i < len(self.plans) else None
        if plan is None or plan.evasion is None or t_s < self.busy_until_s[i]:
            return None
        return self._splice(i, t_s, plan, source_enu_m)

    def _splice(
        self, i: int, t_s: float, plan: RoutePlan, source_enu_m: NDArray[np.float64]
    ) -> float | None:
        """Splice ``plan.evasion`` against ``source_enu_m`` into row i (see launch_at)."""
        times = self.point_times_s[i] if i < len(self.point_times_s) else None
        if times is None or plan.evasion is None:
            return None
        tab = self.table
        dt = float(tab.dt_s[i])
        t0 = float(tab.t0_s[i])
        k = max(0, math.ceil((t_s + plan.evasion.delay_s - t0) / dt - 1e-9))
        if k >= tab.n_samples[i] - 1:
            return None
        t_start = t0 + k * dt
        path, t_done, new_times = evasion_path(
            self.frame,
            self.terrain,
            plan,
            times,
            t_start,
            tab.row(i)[0][k].copy(),
            tab.row(i)[1][k].copy(),
            np.asarray(source_enu_m, dtype=float),
        )
        steps = max(1, math.ceil(path.duration_s / dt - 1e-9))
        stretch = steps * dt / max(path.duration_s, 1e-9)
        path.t_s = path.t_s * stretch
        path.vel_mps = path.vel_mps / stretch
        path.weave_start_s *= stretch
        grid = np.asarray(np.arange(1, steps + 1) * dt, dtype=np.float64)
        pos, vel = sample_path(self.frame, path, grid)
        tab.splice(i, k + 1, pos, vel, self.frame.altitude_m(pos))
        self.busy_until_s[i] = t_start + t_done * stretch
        if new_times is not None:
            nt = np.array(new_times, copy=True)
            changed = nt != times
            nt[changed] = t_start + (nt[changed] - t_start) * stretch
            self.point_times_s[i] = nt
        else:
            self.point_times_s[i] = None
        return float(tab.t_end_s[i])


# ---------------------------------------------------------------------------------------
# from a catalogue threat type to its motion models
# ---------------------------------------------------------------------------------------


def ballistic_missile_of(spec: ThreatSpec) -> BallisticMissile:
    """The motion model of a ballistic threat type (its figures must be present, which
    :class:`ThreatSpec` checks)."""

    def need(value: float | None, name: str) -> float:
        if value is None:
            raise ValueError(f"a ballistic missile needs {name}")
        return float(value)

    return BallisticMissile(
        launch_mass_kg=need(spec.launch_mass_kg, "launch_mass_kg"),
        propellant_mass_kg=need(spec.propellant_mass_kg, "propellant_mass_kg"),
        burn_time_s=need(spec.burn_time_s, "burn_time_s"),
        specific_impulse_s=need(spec.specific_impulse_s, "specific_impulse_s"),
        ballistic_coefficient_kgpm2=spec.ballistic_coefficient_kgpm2,
        vertical_rise_s=spec.vertical_rise_s,
        pitch_rate_radps=spec.pitch_rate_radps,
        burnout_flight_path_rad=spec.burnout_flight_path_rad,
        steer_accel_mps2=spec.steer_accel_mps2,
        min_range_m=need(spec.min_range_m, "min_range_m"),
        max_range_m=need(spec.max_range_m, "max_range_m"),
        terminal=terminal_of(spec),
    )


def terminal_of(spec: ThreatSpec) -> Terminal:
    """The terminal manoeuvre of a threat type."""
    return Terminal(
        kind=spec.terminal_manoeuvre,
        range_m=spec.terminal_range_m,
        altitude_m=spec.terminal_altitude_m,
        popup_height_m=spec.popup_height_m,
        dive_rad=spec.terminal_dive_rad,
        weave_accel_mps2=spec.weave_accel_mps2,
        weave_period_s=spec.weave_period_s,
        accel_mps2=spec.terminal_accel_mps2,
    )
