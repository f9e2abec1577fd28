"""The battalion command post: each decision cycle, threat evaluation, engagement
windows, weapon-target assignment under its doctrine, and launch orders; plus its
bookkeeping of fire-control channels, engagements, launchers and reloads.

It sees only its own track picture (its radars' tracks). Alone it decides for itself
(:meth:`CommandPost.decide`); under a regiment it offers what it can engage
(:meth:`CommandPost.offer`) and executes the regiment's choice (:meth:`CommandPost.execute`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from samsim.c2.doctrine import (
    AssignmentInput,
    allowed_now,
    assign,
    economy_weight,
    engagement_pk,
    window_delays,
)
from samsim.c2.envelope import engagement_windows
from samsim.c2.threat_eval import ThreatAssessment, evaluate_threats
from samsim.jit import njit
from samsim.physics.pk_table import pk_table
from samsim.physics.threats import MU_EARTH, gravity_enu_mps2
from samsim.physics.tofcache import tof_table

if TYPE_CHECKING:
    from samsim.c2.view import BattalionView, DefenceView, EventSink, NetworkView
    from samsim.physics.missile import MissileSpec
    from samsim.physics.pk_table import PkTable
    from samsim.physics.toftable import TofTable
    from samsim.scenario.models import Doctrine
    from samsim.tracking import Tracker

#: A track counts as held by a fire-control radar if that radar updated it within this
#: many of its scan periods.
HOLD_SCANS = 2.5

#: Threat kinds whose flight ends at their target (impact): a predicted intercept point
#: the track reaches only after it has reached the defended asset it flies at is never
#: reached. Aircraft and decoys fly on past an asset.
ENDS_AT_TARGET = frozenset({"cruise_missile", "ballistic_missile", "anti_radiation_missile"})


@dataclass
class LaunchOrder:
    """One missile to launch at a given time."""

    time_s: float
    unit: int
    launcher: int
    missile: int
    radar: int
    track_id: int
    threat_id: int
    aim_point_m: NDArray[np.float64]
    #: Single-shot Pk the command post planned this missile with.
    pk_planned: float = float("nan")


@dataclass
class Engagement:
    """The command post's record of one track it engages."""

    threat_id: int
    engagements: int = 0
    active_missiles: int = 0
    awaiting_assessment: bool = False
    assessed_dead: bool = False
    radars: dict[int, int] = field(default_factory=dict)  # radar -> active missiles


@dataclass
class Reload:
    """A launcher being reloaded from the battalion's reserve."""

    done_s: float
    launcher: int
    counts: NDArray[np.int64]  # per missile type


@dataclass
class Offer:
    """What a battalion can engage this cycle: its confirmed tracks (rows) and, per
    missile type, the engagements its doctrine allows now.

    Attributes
    ----------
    track_ids, threat : ndarray of int64, shape (n,)
        Local track ids and the simulated threat each follows (-1: false track).
    pos_m, vel_mps, acc_mps2 : ndarray, shape (n, 3)
        Track estimates now (acceleration: gravity for ballistic tracks, else 0).
    cov_pos_m2 : ndarray, shape (n, 3, 3)
        Position covariance of each track.
    ballistic : ndarray of bool, shape (n,)
    busy : ndarray of bool, shape (n,)
        Engaged now: missiles in flight or awaiting their kill assessment.
    done : ndarray of bool, shape (n,)
        Assessed dead, or engaged ``max_engagements_per_target`` times.
    dead : ndarray of bool, shape (n,)
        Assessed dead.
    engagements : ndarray of int64, shape (n,)
    candidate : ndarray of bool, shape (n,)
        Not busy, not done, a real threat, held by a fire-control radar with free channels.
    fcr : ndarray of int64, shape (n,)
        Fire-control radar that would guide (-1 if none).
    pk : ndarray, shape (M, n)
        Planning kill probability of one engagement of each type (0: not allowed now):
        1 - (1 - p)^k for k missiles of single-shot Pk p (:meth:`CommandPost.single_shot_pk`).
    pk_single : ndarray, shape (M, n)
        The single-shot Pk p itself.
    pips_m : ndarray, shape (M, n, 3)
    rounds : ndarray of int64, shape (M,)
        Engagements each type can still fire (ready rounds // salvo, rounded up).
    free_targets, free_engagements : int
        Channel capacity left: new targets, and engagements (missile channels // salvo).
    assessment : ThreatAssessment
        Threat evaluation of the tracks that are neither busy, done nor false (the others
        have value 0); a track below the doctrine's ``min_threat_value`` is not a
        candidate.
    """

    track_ids: NDArray[np.int64]
    threat: NDArray[np.int64]
    pos_m: NDArray[np.float64]
    vel_mps: NDArray[np.float64]
    acc_mps2: NDArray[np.float64]
    cov_pos_m2: NDArray[np.float64]
    ballistic: NDArray[np.bool_]
    busy: NDArray[np.bool_]
    done: NDArray[np.bool_]
    dead: NDArray[np.bool_]
    engagements: NDArray[np.int64]
    candidate: NDArray[np.bool_]
    fcr: NDArray[np.int64]
    pk: NDArray[np.float64]
    pk_single: NDArray[np.float64]
    pips_m: NDArray[np.float64]
    rounds: NDArray[np.int64]
    free_targets: int
    free_engagements: int
    assessment: ThreatAssessment


def mean_speed_bound(table: TofTable) -> float:
    """An upper bound of a type's mean speed to any intercept point, m/s: the largest
    slant distance / time of flight over the table's nodes, plus 10 % for interpolation."""
    g, h = np.meshgrid(table.ranges_m, table.altitudes_m)
    with np.errstate(invalid="ignore"):
        v = np.hypot(g, h) / table.time_of_flight_s
    return float(1.1 * np.nanmax(v))


def launch_reach(
    spec: MissileSpec, doctrine: Doctrine, cycle_s: float, table: TofTable, vbar_mps: float
) -> tuple[float, float]:
    """Farthest slant range R of an intercept point the doctrine may launch at now, m, and
    the longest time of flight T_R to any point within it, s.

    R is (1 - margin) max range and, under best_pk (when its minimum window outlasts a
    cycle, so that no last-chance launch happens beyond it), at most best_pk_range_fraction
    max range and vbar x best_pk_time_of_flight (vbar: :func:`mean_speed_bound`). T_R is
    the largest table time of flight at nodes within R (plus a grid cell, +10 %), and
    best_pk_time_of_flight under best_pk.
    """
    reach = (1.0 - doctrine.range_margin) * spec.max_range_m
    best = doctrine.engagement == "best_pk" and float(doctrine.min_window) > cycle_s
    if best:
        reach = min(
            reach,
            doctrine.best_pk_range_fraction * spec.max_range_m,
            vbar_mps * float(doctrine.best_pk_time_of_flight),
        )
    g, h = np.meshgrid(table.ranges_m, table.altitudes_m)
    cell = float(np.max(np.diff(table.ranges_m)))
    within = np.hypot(g, h) <= 1.1 * reach + cell
    tof = table.time_of_flight_s[within]
    t_reach = 1.1 * float(np.nanmax(tof)) if np.isfinite(tof).any() else spec.max_flight_time_s
    t_reach = min(t_reach, spec.max_flight_time_s)
    if best:
        t_reach = min(t_reach, float(doctrine.best_pk_time_of_flight))
    return float(reach), float(t_reach)


def reach_screen(
    range_m: NDArray[np.float64],
    target_speed_mps: NDArray[np.float64],
    reach_m: float,
    reach_time_s: float,
) -> NDArray[np.bool_]:
    """Targets whose intercept point for a launch now may lie within ``reach_m``.

    Notes
    -----
    An intercept at slant distance d <= R takes at most T_R (:func:`launch_reach`); the
    target closes at most s T_R meanwhile, so it needs r <= R + s T_R: a conservative
    screen (it never drops a feasible target), cheap enough to run before the windows.
    """
    return np.asarray(range_m <= reach_m + target_speed_mps * reach_time_s, dtype=bool)


@njit(cache=True, inline="always")
def _ready_rounds(
    lidx: NDArray[np.int64],
    inventory: NDArray[np.int64],
    reloading: NDArray[np.bool_],
    usable: NDArray[np.bool_],
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Ready rounds per launcher of ``lidx`` and missile type (its inventory, none while
    it reloads or where ``usable``, when not empty, says no) and their sum per type."""
    nl, n_types = lidx.shape[0], inventory.shape[1]
    ready = np.empty((nl, n_types), np.int64)
    total = np.zeros(n_types, np.int64)
    for i in range(nl):
        li = lidx[i]
        up = 0 if reloading[li] else 1
        for m in range(n_types):
            r = np.int64(inventory[li, m]) * up
            if usable.shape[0] > 0 and not usable[i, m]:
                r = np.int64(0)
            ready[i, m] = r
            total[m] += r
    return ready, total


@njit(cache=True, inline="always")
def _type_origin(
    ready: NDArray[np.int64],
    m: int,
    n_own: int,
    lidx: NDArray[np.int64],
    launcher_pos_m: NDArray[np.float64],
) -> tuple[float, float, float]:
    """Where missile type ``m`` is launched from, for the screens: the mean position of
    the launchers (rows of ``lidx``) with a round of it ready, the battalion's own (the
    first ``n_own`` rows) only if any of them has one."""
    nl = lidx.shape[0]
    own = False
    if nl > n_own:
        for i in range(n_own):
            if ready[i, m] > 0:
                own = True
    s0, s1, s2, count = 0.0, 0.0, 0.0, 0
    for i in range(nl):
        if ready[i, m] > 0 and not (own and i >= n_own):
            li = lidx[i]
            s0 += launcher_pos_m[li, 0]
            s1 += launcher_pos_m[li, 1]
            s2 += launcher_pos_m[li, 2]
            count += 1
    return s0 / count, s1 / count, s2 / count


@njit(cache=True)
def _reach_screens(
    types: NDArray[np.int64],
    lidx: NDArray[np.int64],
    ready: NDArray[np.int64],
    n_own: int,
    launcher_pos_m: NDArray[np.float64],
    pos_m: NDArray[np.float64],
    vel_mps: NDArray[np.float64],
    acc_mps2: NDArray[np.float64],
    rows: NDArray[np.int64],
    flight_time_s: NDArray[np.float64],
    reach_m: NDArray[np.float64],
    reach_time_s: NDArray[np.float64],
    max_speed_mps: NDArray[np.float64],
    first_only: bool,
    origin: NDArray[np.float64],
    near: NDArray[np.bool_],
) -> bool:
    """The reachability screen of :meth:`CommandPost._screens` for several missile types.

    Parameters
    ----------
    types : ndarray of int64
        Missile types to screen, in order.
    lidx, ready, n_own
        Launchers (own ones first, ``n_own`` of them), their ready rounds per type.
    launcher_pos_m : ndarray, shape (L, 3)
        Positions of all launchers (indexed by ``lidx``).
    pos_m, vel_mps, acc_mps2 : ndarray, shape (N, 3)
        Tracks.
    rows : ndarray of int64, shape (n,)
        The tracks to screen (targets).
    flight_time_s, reach_m, reach_time_s, max_speed_mps : ndarray, shape (M,)
        Per type: max flight time, :func:`launch_reach` (R, T_R) and max target speed.
    first_only : bool
        Stop after the first type with a target that passes.
    origin : ndarray, shape (M, 3)
        Out, per type screened: the launch origin, mean of the ready launchers (own
        ones only if any has the type), summed in launcher order as numpy's mean.
    near : ndarray of bool, shape (M, n)
        Out, per type screened: :func:`reach_screen` of |p - origin| with target speed
        |v| + |a| T_flight, and |v| <= the type's max target speed.

    Returns
    -------
    bool
        Whether any target passes for any type screened.
    """
    n = rows.shape[0]
    speed = np.empty(n)
    g_acc = np.empty(n)
    for k in range(n):
        j = rows[k]
        v0, v1, v2 = vel_mps[j, 0], vel_mps[j, 1], vel_mps[j, 2]
        a0, a1, a2 = acc_mps2[j, 0], acc_mps2[j, 1], acc_mps2[j, 2]
        speed[k] = math.sqrt(v0 * v0 + v1 * v1 + v2 * v2)
        g_acc[k] = math.sqrt(a0 * a0 + a1 * a1 + a2 * a2)
    found = False
    for m in types:
        o0, o1, o2 = _type_origin(ready, m, n_own, lidx, launcher_pos_m)
        origin[m, 0], origin[m, 1], origin[m, 2] = o0, o1, o2
        any_m = False
        for k in range(n):
            j = rows[k]
            d0, d1, d2 = pos_m[j, 0] - o0, pos_m[j, 1] - o1, pos_m[j, 2] - o2
            r_now = math.sqrt(d0 * d0 + d1 * d1 + d2 * d2)
            s_k = speed[k] + g_acc[k] * flight_time_s[m]
            ok = r_now <= reach_m[m] + s_k * reach_time_s[m] and speed[k] <= max_speed_mps[m]
            near[m, k] = ok
            any_m = any_m or ok
        if any_m:
            found = True
            if first_only:
                break
    return found


@njit(cache=True)
def _ready_reach(
    lidx: NDArray[np.int64],
    inventory: NDArray[np.int64],
    reloading: NDArray[np.bool_],
    usable: NDArray[np.bool_],
    n_own: int,
    launcher_pos_m: NDArray[np.float64],
    pos_m: NDArray[np.float64],
    vel_mps: NDArray[np.float64],
    acc_mps2: NDArray[np.float64],
    rows: NDArray[np.int64],
    flight_time_s: NDArray[np.float64],
    reach_m: NDArray[np.float64],
    reach_time_s: NDArray[np.float64],
    max_speed_mps: NDArray[np.float64],
) -> bool:
    """Whether any of the tracks ``rows`` passes the reachability screen of a missile type
    with ready rounds: :meth:`CommandPost._ready_rounds` and :func:`_reach_screens`
    (``first_only``) in one call.

    Parameters
    ----------
    lidx : ndarray of int64
        Launchers the command post may fire (own ones first, ``n_own`` of them).
    inventory : ndarray of int64, shape (L, M)
        Rounds per launcher (all launchers) and missile type.
    reloading : ndarray of bool, shape (L,)
        Launchers reloading (no ready round).
    usable : ndarray of bool, shape (len(lidx), M) or (0, 0)
        Which types each launcher of ``lidx`` may fire now; empty: all.
    n_own, launcher_pos_m, pos_m, vel_mps, acc_mps2, rows, flight_time_s, reach_m,
    reach_time_s, max_speed_mps
        As :func:`_reach_screens`.

    Returns
    -------
    bool
        ``_reach_screens(types, lidx, ready, ...)`` with ready = inventory[lidx] x (not
        reloading) (x usable) and types those whose ready rounds sum to more than 0.
    """
    n_types = inventory.shape[1]
    ready, total = _ready_rounds(lidx, inventory, reloading, usable)
    n_with = 0
    for m in range(n_types):
        if total[m] > 0:
            n_with += 1
    types = np.empty(n_with, np.int64)
    k = 0
    for m in range(n_types):
        if total[m] > 0:
            types[k] = m
            k += 1
    origin = np.zeros((n_types, 3))
    near = np.zeros((n_types, rows.shape[0]), np.bool_)
    return _reach_screens(
        types,
        lidx,
        ready,
        n_own,
        launcher_pos_m,
        pos_m,
        vel_mps,
        acc_mps2,
        rows,
        flight_time_s,
        reach_m,
        reach_time_s,
        max_speed_mps,
        True,
        origin,
        near,
    )


#: Slack of :func:`_reach_bound_may_pass`'s comparison: relative, and in metres for the
#: launch origin's rounding (its bounds are inflated already; see
#: :data:`~samsim.tracking.bounds.BOUND_TOL`).
_BOUND_SLACK = 1e-6
_BOUND_SLACK_M = 1.0


@njit(cache=True)
def _reach_bound_may_pass(
    lidx: NDArray[np.int64],
    inventory: NDArray[np.int64],
    reloading: NDArray[np.bool_],
    usable: NDArray[np.bool_],
    n_own: int,
    launcher_pos_m: NDArray[np.float64],
    centre_m: NDArray[np.float64],
    radius_m: NDArray[np.float64],
    speed_mps: NDArray[np.float64],
    ballistic: NDArray[np.bool_],
    earth_centre_m: NDArray[np.float64],
    mu_earth_m3ps2: float,
    rows: NDArray[np.int64],
    flight_time_s: NDArray[np.float64],
    reach_m: NDArray[np.float64],
    reach_time_s: NDArray[np.float64],
) -> bool:
    """False only when :func:`_ready_reach` of the tracks ``rows`` is certainly False,
    told from bounds of their predicted states instead of the states.

    Parameters
    ----------
    lidx, inventory, reloading, usable, n_own, launcher_pos_m
        As :func:`_ready_reach`: the missile types with ready rounds and each one's launch
        origin are computed as there.
    centre_m, radius_m, speed_mps : ndarray, shapes (N, 3), (N,), (N,)
        Per track, a ball that holds its predicted position and a bound of its predicted
        speed (:meth:`~samsim.tracking.tracker.Tracker.prediction_bounds`).
    ballistic : ndarray of bool, shape (N,)
        Tracks whose assumed acceleration is gravity (else zero).
    earth_centre_m : ndarray, shape (3,)
        The earth's centre in the scenario's ENU frame, m.
    mu_earth_m3ps2 : float
        The gravitational parameter of :func:`~samsim.physics.trajectory.gravity_enu_mps2`.
    rows, flight_time_s, reach_m, reach_time_s
        As :func:`_ready_reach`.

    Notes
    -----
    A track passes type m's screen only if ``r <= R_m + (|v| + |g| T_flight) T_R``
    (:func:`_reach_screens`, which also asks ``|v| <= max target speed``: not bounded
    here). With the ball's centre c and radius rho, ``r >= |c - origin| - rho``;
    ``|v|`` is at most the speed bound, and ``|g| = mu / |p - earth centre|^2`` at most
    ``mu / (|c - earth centre| - rho)^2``. False when every track fails this bound by
    more than :data:`_BOUND_SLACK` (relative) and :data:`_BOUND_SLACK_M` for every type
    with ready rounds (or no type has any).
    """
    n_types = inventory.shape[1]
    ready, total = _ready_rounds(lidx, inventory, reloading, usable)
    n = rows.shape[0]
    g_max = np.zeros(n)
    for k in range(n):
        j = rows[k]
        if ballistic[j]:
            e0 = centre_m[j, 0] - earth_centre_m[0]
            e1 = centre_m[j, 1] - earth_centre_m[1]
            e2 = centre_m[j, 2] - earth_centre_m[2]
            low = math.sqrt(e0 * e0 + e1 * e1 + e2 * e2) - radius_m[j]
            g_max[k] = mu_earth_m3ps2 / (low * low) * (1.0 + _BOUND_SLACK) if low > 0 else math.inf
    for m in range(n_types):
        if total[m] <= 0:
            continue
        o0, o1, o2 = _type_origin(ready, m, n_own, lidx, launcher_pos_m)
        for k in range(n):
            j = rows[k]
            d0, d1, d2 = centre_m[j, 0] - o0, centre_m[j, 1] - o1, centre_m[j, 2] - o2
            r_low = math.sqrt(d0 * d0 + d1 * d1 + d2 * d2) - radius_m[j]
            s_up = speed_mps[j] + g_max[k] * flight_time_s[m]
            limit = reach_m[m] + s_up * reach_time_s[m]
            if not r_low > limit * (1.0 + _BOUND_SLACK) + _BOUND_SLACK_M:  # (NaN: may pass)
                return True
    return False


_NO_USABLE = np.zeros((0, 0), dtype=bool)  # _ready_reach: every type usable


@dataclass
class _Kinematics:
    """A battalion's confirmed tracks predicted to a decision time, with the threat each
    follows (-1: false track) and the acceleration the command post assumes (gravity for
    ballistic tracks, else 0)."""

    ids: NDArray[np.int64]
    threat: NDArray[np.int64]
    pos_m: NDArray[np.float64]
    vel_mps: NDArray[np.float64]
    acc_mps2: NDArray[np.float64]
    ballistic: NDArray[np.bool_]

    @classmethod
    def of(cls, cp: CommandPost, t: float) -> _Kinematics:
        w = cp.w
        ids, x = cp.tracker.predict_states(t, confirmed_only=True)  # (cov: in _offer)
        truth = cp.truth
        threat = np.array([truth.get(i, -1) for i in ids.tolist()], dtype=np.int64)
        pos, vel = x[:, :3].copy(), x[:, 3:6].copy()
        ballistic = cp.threat_ballistic[threat]  # its last entry (threat -1) is False
        acc = np.zeros((len(ids), 3))
        if cp.any_ballistic and ballistic.any():
            acc[ballistic] = gravity_enu_mps2(w.frame, pos[ballistic])
        return cls(ids, threat, pos, vel, acc, ballistic)


class CommandPost:
    """Decision logic and bookkeeping of one battalion (see module docstring)."""

    def __init__(
        self,
        world: DefenceView,
        unit: BattalionView,
        tracker: Tracker,
        track_truth: dict[int, int],
        inventory: NDArray[np.int64],
        rng: np.random.Generator | None = None,
        network: NetworkView | None = None,
    ) -> None:
        self.w = world
        # node health (radars and launchers lost, dark or moving); None: all always up
        self.net = network
        self.inventory = inventory  # (launchers, missile types), shared by the run's posts
        self.unit = unit
        self.doctrine = unit.doctrine
        self.tracker = tracker
        self.truth = track_truth
        self.engagements: dict[int, Engagement] = {}
        self.last_seen: dict[int, dict[int, float]] = {}  # track -> radar -> time
        self.radar_missiles = {r: 0 for r in unit.fire_control}
        self.radar_targets: dict[int, set[int]] = {r: set() for r in unit.fire_control}
        self.launcher_ready_s = np.zeros(len(world.launcher_names))
        self.pending = np.zeros(len(world.launcher_names), dtype=np.int64)
        self.reserve = unit.reserve.copy()
        self.initial_load = inventory.copy()
        self.reloads: list[Reload] = []
        self.reloading = np.zeros(len(world.launcher_names), dtype=bool)
        self._tof = [tof_table(spec) for spec in world.missile_specs]
        self._economy = np.array([economy_weight(s, self.doctrine) for s in world.missile_specs])
        # identification and kill assessment draw from their own stream (see the module
        # docstring); without one they are perfect
        self.rng = rng
        self._identity: dict[int, tuple[int, bool]] = {}  # threat -> (spec row, decoy?)
        # Pk table per (missile type, threat, taken for what it mimics?)
        self._pk_tables: dict[tuple[int, int, bool], PkTable] = {}
        self._delays = window_delays(self.doctrine, unit.cp.cycle_s)
        self._vbar = np.array([mean_speed_bound(t) for t in self._tof])
        self._reach = [
            launch_reach(spec, self.doctrine, unit.cp.cycle_s, tab, v)
            for spec, tab, v in zip(world.missile_specs, self._tof, self._vbar, strict=True)
        ]
        # per threat: a ballistic missile? (and a last False for track index -1)
        self.threat_ballistic = np.array(
            [k == "ballistic_missile" for k in world.threat_kind] + [False], dtype=bool
        )
        self.any_ballistic = bool(self.threat_ballistic.any())
        # per threat: does its type end its flight at its target (so that an intercept
        # point beyond the target is never reached)? Its own type, and the type it looks
        # like (a decoy taken for what it mimics).
        self._ends_at_target = np.array([k in ENDS_AT_TARGET for k in world.threat_kind], bool)
        self._seen_ends_at_target = np.array(
            [s.kind in ENDS_AT_TARGET for s in world.threat_seen_spec]
            if len(world.threat_seen_spec) == world.n_threats
            else self._ends_at_target,
            dtype=bool,
        )
        self._own_launchers = np.array(unit.launchers, dtype=np.int64)
        self._own_launchers.flags.writeable = False
        specs = world.missile_specs
        self._reach_m = np.array([r[0] for r in self._reach])
        self._reach_time_s = np.array([r[1] for r in self._reach])
        self._flight_time_s = np.array([float(s.max_flight_time_s) for s in specs])
        self._max_speed_mps = np.array([float(s.max_target_speed_mps) for s in specs])
        # (radar, target channels, missile channels) of the fire-control radars (capacity)
        self._channels = [
            (
                r,
                int(world.radars[r].spec.target_channels),
                int(world.radars[r].spec.missile_channels),
            )
            for r in unit.fire_control
        ]
        self._max_targets, self._max_missiles = unit.cp.max_targets, unit.cp.max_missiles
        self._earth_centre_m = np.ascontiguousarray(world.frame.ecef_to_enu(np.zeros(3)))

    # -- identification and planning Pk ------------------------------------------------
    def _identify(self, threat_ids: NDArray[np.int64]) -> NDArray[np.int64]:
        """What the command post takes each threat for (drawn once per threat):
        0 itself, 1 the type it mimics (an unrecognised decoy), 2 a decoy (a real threat
        taken for one).

        Notes
        -----
        Under ``discriminate_decoys`` (or without a random stream) it is perfect for real
        threats, and decoys are recognised (``discriminate_decoys``) or never (no
        stream). Otherwise a decoy is recognised with the command post's
        ``decoy_recognition_prob`` and a real threat taken for a decoy with
        ``false_decoy_prob``, once per threat: the classification of a track does not
        flicker from one decision to the next.
        """
        w = self.w
        out = np.zeros(threat_ids.size, dtype=np.int64)
        for k, th in enumerate(threat_ids.tolist()):
            got = self._identity.get(th)
            if got is None:
                decoy = w.threat_kind[th] == "decoy"
                if self.doctrine.discriminate_decoys:
                    kind = 0
                elif self.rng is None:
                    kind = 1 if decoy else 0
                elif decoy:
                    kind = 0 if self.rng.random() < self.unit.cp.decoy_recognition_prob else 1
                else:
                    kind = 2 if self.rng.random() < self.unit.cp.false_decoy_prob else 0
                self._identity[th] = got = (kind, decoy)
            out[k] = got[0]
        return out

    def perceived_capability(self, threat_ids: NDArray[np.int64]) -> NDArray[np.float64]:
        """Capability of each threat as this command post perceives it (see
        :meth:`_identify`): its own, the mimicked type's, or 0 if taken for a decoy."""
        w = self.w
        th = np.asarray(threat_ids, dtype=np.int64)
        if th.size == 0:
            return np.zeros(0)
        kind = self._identify(th)
        seen = (
            w.perceived_capability if len(w.perceived_capability) == w.n_threats else w.capability
        )
        return np.where(kind == 0, w.capability[th], np.where(kind == 1, seen[th], 0.0))

    def single_shot_pk(
        self,
        m: int,
        threat_ids: NDArray[np.int64],
        launcher_m: NDArray[np.float64],
        pip_m: NDArray[np.float64],
        vel_mps: NDArray[np.float64],
    ) -> NDArray[np.float64]:
        """Planning single-shot Pk of missile type m at predicted intercept points.

        Notes
        -----
        Under ``planning_pk: table`` the flyout's Pk table of the type against the threat
        type the command post takes the track for (:mod:`samsim.physics.pk_table`), at
        the intercept point's ground range from the launchers and altitude and the track's
        aspect (angle between its horizontal velocity and the direction from the
        intercept point to the launchers); under ``nominal`` the type's ``pk_nominal``.
        """
        w = self.w
        spec = w.missile_specs[m]
        n = threat_ids.size
        if self.doctrine.planning_pk == "nominal" or n == 0:
            return np.full(n, float(spec.pk_nominal))
        kind = self._identify(threat_ids)
        # one geodetic conversion for the heights and the up vectors; the sums, norms
        # (np.linalg.norm's sqrt(add.reduce(x * x))) and clip without their wrappers
        lat, lon, alt = w.frame.enu_to_geodetic(pip_m)
        up = w.frame.up_at(lat, lon)
        d = launcher_m[None, :] - pip_m
        d_h = d - (d * up).sum(axis=1, keepdims=True) * up
        v_h = vel_mps - (vel_mps * up).sum(axis=1, keepdims=True) * up
        ground = np.sqrt(np.add.reduce(d_h * d_h, axis=1))
        norm_v = np.sqrt(np.add.reduce(v_h * v_h, axis=1))
        cosang = (d_h * v_h).sum(axis=1) / np.maximum(ground * norm_v, 1e-9)
        aspect = np.arccos(np.minimum(np.maximum(cosang, -1.0), 1.0))
        out = np.zeros(n)
        rows: dict[int, list[int]] = {}  # table -> rows (a lookup is point by point)
        tables: dict[int, PkTable] = {}
        for k, (th, seen) in enumerate(zip(threat_ids.tolist(), (kind == 1).tolist(), strict=True)):
            key = (m, th, seen)
            table = self._pk_tables.get(key)
            if table is None:
                tspec = w.threat_seen_spec[th] if seen else w.threat_spec[th]
                name = w.threat_type[th] if not seen else (tspec.appears_as or w.threat_type[th])
                table = self._pk_tables[key] = pk_table(spec, tspec, name)
            tables[id(table)] = table
            rows.setdefault(id(table), []).append(k)
        for tid, ks in rows.items():
            idx = np.array(ks, dtype=np.int64)
            out[idx] = tables[tid].lookup(ground[idx], alt[idx], aspect[idx])
        return out

    # -- picture ----------------------------------------------------------------------
    def note_detections(self, radar: int, t: float, det_track_id: NDArray[np.int64]) -> None:
        for tid in det_track_id[det_track_id >= 0].tolist():
            self.last_seen.setdefault(tid, {})[radar] = t

    def forget_track(self, track_id: int) -> None:
        self.last_seen.pop(track_id, None)

    def track_estimates(
        self, t: float, track_ids: list[int] | None = None
    ) -> dict[int, tuple[NDArray[np.float64], NDArray[np.float64]]]:
        """Position and velocity of every live track (or of those of ``track_ids`` that
        are live) predicted to ``t``, by track id."""
        ids, x = self.track_states(t, track_ids)
        return {int(i): (x[k, :3], x[k, 3:6]) for k, i in enumerate(ids.tolist())}

    def track_states(
        self, t: float, track_ids: list[int] | None = None
    ) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        """:meth:`track_estimates` as arrays: the live tracks' ids (of ``track_ids`` if
        given, in the tracker's order) and their states (n, >= 6) predicted to ``t``."""
        ids, x = self.tracker.predict_states(t, confirmed_only=False, ids=track_ids)
        return ids, np.ascontiguousarray(x, dtype=np.float64)

    def track_estimate(
        self, track_id: int, t: float
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]] | None:
        """Position and velocity of a live track predicted to ``t``, or None if deleted."""
        return self.track_estimates(t, [track_id]).get(track_id)

    # -- bookkeeping of engagements and launchers --------------------------------------
    def launched(self, order: LaunchOrder) -> None:
        """A launch order was carried out."""
        self.pending[order.launcher] -= 1

    def cancel(self, order: LaunchOrder) -> None:
        """A launch that did not happen: return the round and release the channel."""
        self.pending[order.launcher] -= 1
        self.inventory[order.launcher, order.missile] += 1
        self.interceptor_done(order.track_id, order.radar)

    def interceptor_done(self, track_id: int, radar: int) -> bool:
        """Release one missile channel; True when the engagement has no missile left."""
        eng = self.engagements.get(track_id)
        self.radar_missiles[radar] -= 1
        if eng is None:
            return False
        eng.active_missiles -= 1
        eng.radars[radar] -= 1
        if eng.radars[radar] == 0:
            del eng.radars[radar]
            self.radar_targets[radar].discard(track_id)
        if eng.active_missiles == 0:
            eng.awaiting_assessment = True
            return True
        return False

    def assess(self, track_id: int, alive: NDArray[np.bool_]) -> None:
        """Kill assessment after the delay: is the engaged threat dead?

        Notes
        -----
        A killed threat is assessed killed with the command post's ``assess_kill_prob``
        and a survivor assessed surviving with ``assess_survivor_prob`` (one draw per
        assessment); a survivor wrongly assessed killed is not engaged again by this
        battalion. Perfect under ``perfect_kill_assessment`` or without a random stream.
        """
        eng = self.engagements.get(track_id)
        if eng is None or eng.active_missiles > 0:
            return
        eng.awaiting_assessment = False
        dead = not bool(alive[eng.threat_id])
        if self.rng is not None and not self.doctrine.perfect_kill_assessment:
            p_right = self.unit.cp.assess_kill_prob if dead else self.unit.cp.assess_survivor_prob
            if self.rng.random() >= p_right:
                dead = not dead
        eng.assessed_dead = dead

    def service_reloads(self, t: float) -> None:
        """Finish reloads that are done and start reloading empty launchers.

        Notes
        -----
        A launcher is empty when it holds no missile and has no launch order pending; it
        is then loaded from the battalion's reserve, its initial load's types first and
        then any type that fits its slots, one slot per ``reload_time_s``. The loaded
        missiles become ready when the last slot is done.
        """
        if not self.reloads and not self.reserve.any():
            return
        w = self.w
        for r in [r for r in self.reloads if r.done_s <= t]:
            if self.net is None or self.net.launcher_up(r.launcher):
                self.inventory[r.launcher] += r.counts
            self.reloading[r.launcher] = False
            self.reloads.remove(r)
        if not self.reserve.any():
            return
        per_slot = np.array([s.per_slot for s in w.missile_specs], dtype=np.int64)
        for li in self.unit.launchers:
            if self.reloading[li] or self.pending[li] > 0 or self.inventory[li].any():
                continue
            if self.net is not None and not self.net.launcher_up(li):
                continue
            spec = w.launcher_specs[li]
            free_slots = spec.slots
            counts = np.zeros(len(w.missile_names), dtype=np.int64)
            first = np.argsort(-self.initial_load[li], kind="stable")
            for m in first.tolist():
                n = int(min(self.reserve[m], free_slots * per_slot[m]))
                if self.initial_load[li].any() and self.initial_load[li, m] > 0:
                    n = min(n, int(self.initial_load[li, m]))
                if n <= 0:
                    continue
                counts[m] = n
                self.reserve[m] -= n
                free_slots -= math.ceil(n / per_slot[m])
                if free_slots <= 0:
                    break
            slots = spec.slots - free_slots
            if slots == 0:
                continue
            start = max(t, float(self.launcher_ready_s[li]))
            done = start + slots * spec.reload_time_s
            self.reloads.append(Reload(done, li, counts))
            self.reloading[li] = True
            self.launcher_ready_s[li] = done

    # -- what the battalion can do now --------------------------------------------------
    def _eligibility(
        self, ids: NDArray[np.int64]
    ) -> tuple[NDArray[np.bool_], NDArray[np.bool_], NDArray[np.bool_], NDArray[np.int64]]:
        n = len(ids)
        busy = np.zeros(n, dtype=bool)
        dead = np.zeros(n, dtype=bool)
        count = np.zeros(n, dtype=np.int64)
        for j, tid in enumerate(ids.tolist()):
            eng = self.engagements.get(tid)
            if eng is None:
                continue
            busy[j] = eng.active_missiles > 0 or eng.awaiting_assessment
            dead[j] = eng.assessed_dead
            count[j] = eng.engagements
        done = dead | (count >= self.unit.max_engagements_per_target)
        return busy, done, dead, count

    def _fcr_for(
        self, t: float, ids: NDArray[np.int64], cand: NDArray[np.bool_]
    ) -> NDArray[np.int64]:
        """The fire-control radar holding each candidate track with the most free missile
        channels (and a free target channel), -1 if none."""
        w, u = self.w, self.unit
        out = np.full(len(ids), -1, dtype=np.int64)
        for j in cand.nonzero()[0].tolist():
            seen = self.last_seen.get(int(ids[j]), {})
            best, best_free = -1, 0
            for r in u.fire_control:
                if self.net is not None and not self.net.radar_up(r):
                    continue
                spec = w.radars[r].spec
                held = r in seen and t - seen[r] <= HOLD_SCANS * spec.scan_period_s
                free = spec.missile_channels - self.radar_missiles[r]
                if held and len(self.radar_targets[r]) < spec.target_channels and free > best_free:
                    best, best_free = r, free
            out[j] = best
        return out

    def _launchers(self) -> tuple[NDArray[np.int64], NDArray[np.bool_] | None]:
        """The launchers this command post may fire: its own, then other battalions'
        launchers it may fire on its tracks (engage on remote); and which missile types
        each may fire now (None: all, no node health kept).

        Notes
        -----
        A lost launcher fires nothing. A remote launcher (``NetworkView.remote_launchers``:
        its battalion has lost every fire-control radar and its doctrine allows
        ``engage_on_remote``) fires only active-seeker missiles: they home on their own
        and need from the radar that guides them here only the mid-course uplink, while
        a semi-active (track-via-missile) missile needs its own battalion's radar.
        """
        own = self._own_launchers
        if self.net is None:
            return own, None
        remote_list = self.net.remote_launchers(self.unit.index)
        if not remote_list and self.net.intact:
            return own, None
        remote = np.array(remote_list, dtype=np.int64)
        lidx = np.concatenate([own, remote]) if remote.size else own
        usable = np.array([self.net.launcher_up(int(li)) for li in lidx], dtype=bool)
        usable = np.repeat(usable[:, None], len(self.w.missile_names), axis=1)
        if remote.size:
            active = np.array([s.seeker_kind == "active" for s in self.w.missile_specs])
            usable[own.size :] &= active[None, :]
        return lidx, usable

    def capacity(self) -> tuple[int, int]:
        """Free target channels and free engagements (missile channels // salvo) of the
        battalion: its fire-control radars' channels capped by the command post's."""
        net, targets, missiles = self.net, self.radar_targets, self.radar_missiles
        free_targets = free_missiles = engaged_now = missiles_now = 0
        for r, n_targets, n_missiles in self._channels:
            engaged, fired = len(targets[r]), missiles[r]
            engaged_now += engaged
            missiles_now += fired
            if net is None or net.radar_up(r):
                free_targets += n_targets - engaged
                free_missiles += n_missiles - fired
        max_targets = max(0, min(free_targets, self._max_targets - engaged_now))
        max_missiles = max(0, min(free_missiles, self._max_missiles - missiles_now))
        return max_targets, max_missiles // self.unit.salvo

    def offer(self, t: float) -> Offer:
        """The battalion's confirmed tracks and the engagements its doctrine allows now."""
        self.service_reloads(t)
        return self._offer(t, _Kinematics.of(self, t))

    def _ready_rounds(
        self,
    ) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
        """Launchers this command post may fire (:meth:`_launchers`), their ready rounds
        per missile type (launcher x type; 0 while reloading or not usable) and the
        total per type."""
        lidx, usable = self._launchers()
        ready = self.inventory[lidx] * ~self.reloading[lidx, None]
        if usable is not None:
            ready = ready * usable
        return lidx, ready, ready.sum(axis=0)

    def _screen_rows(self, ids: list[int], threat: list[int]) -> list[int]:
        """The rows of the real tracks (threat >= 0) that are neither busy nor done
        (:meth:`_eligibility`, track by track), after the identification draws the threat
        evaluation would make of their threats, in the same order."""
        engagements, cap = self.engagements, self.unit.max_engagements_per_target
        rows: list[int] = []
        threats: list[int] = []
        for j, (tid, th) in enumerate(zip(ids, threat, strict=True)):
            if th < 0:
                continue
            eng = engagements.get(tid)
            if eng is not None and (
                eng.active_missiles > 0
                or eng.awaiting_assessment
                or eng.assessed_dead
                or eng.engagements >= cap
            ):
                continue
            rows.append(j)
            threats.append(th)
        identity = self._identity
        for th in threats:  # (the draws only: a threat identified already draws nothing)
            if th not in identity:
                self._identify(np.array([th], dtype=np.int64))
        return rows

    def _refuses_unpredicted(self, t: float) -> bool:
        """True only when :meth:`_may_engage` would be False at ``t``, told without the
        tracks' prediction (:meth:`~samsim.tracking.tracker.Tracker.prediction_bounds`);
        False when it cannot tell. It makes the identification draws :meth:`_may_engage`
        makes (which then makes none), and no other change.

        Notes
        -----
        :meth:`_may_engage` is True when some screened row (:meth:`_screen_rows`) is held
        by a fire-control radar with free channels and passes the reachability screen
        (held rows are a subset of the screened ones, and the screen passes a set of rows
        when one of them passes). Here: no screened row, no free channel, no screened row
        that may pass the screen by the bounds of the predicted states
        (:func:`_reach_bound_may_pass`), or none of those held; each a certain refusal.
        """
        got = self.tracker.prediction_bounds(t, confirmed_only=True)
        if got is None or got[1].shape[1] != 3:
            return False
        ids, centre, radius, speed = got
        truth = self.truth
        id_list = ids.tolist()
        threat = [truth.get(i, -1) for i in id_list]
        rows = self._screen_rows(id_list, threat)
        if not rows:
            return True
        free_targets, free_eng = self.capacity()
        if free_targets <= 0 or free_eng <= 0:
            return True
        lidx, usable = self._launchers()
        ballistic = self.threat_ballistic[np.array(threat, dtype=np.int64)]

        def may_pass(rows: NDArray[np.int64]) -> bool:
            return bool(
                _reach_bound_may_pass(
                    lidx,
                    self.inventory,
                    self.reloading,
                    _NO_USABLE if usable is None else usable,
                    len(self.unit.launchers),
                    self.w.launcher_pos_m,
                    centre,
                    radius,
                    speed,
                    ballistic,
                    self._earth_centre_m,
                    MU_EARTH,
                    rows,
                    self._flight_time_s,
                    self._reach_m,
                    self._reach_time_s,
                )
            )

        screened = np.array(rows, dtype=np.int64)
        if not may_pass(screened):
            return True
        cand = np.zeros(len(ids), dtype=bool)
        cand[screened] = True
        held = screened[self._fcr_for(t, ids, cand)[screened] >= 0]
        return len(held) == 0 or not may_pass(held)

    def _may_engage(self, t: float, kin: _Kinematics) -> bool:
        """False when :meth:`offer` would certainly offer nothing this cycle (every Pk 0):
        no real track that is neither busy nor done passes the reachability screen of a
        missile type with ready rounds, or no channel is free, or none of those that pass
        is held by a fire-control radar with free channels (:meth:`_fcr_for`, asked only
        then). A superset of the offer's candidates is screened (before threat value), and
        each screen is the offer's own, track by track, so the answer never hides an
        engagement. The identification draws the threat evaluation would make are made
        here in the same order, so skipping the offer changes no random stream."""
        rows = self._screen_rows(kin.ids.tolist(), kin.threat.tolist())
        if not rows:
            return False
        free_targets, free_eng = self.capacity()
        if free_targets <= 0 or free_eng <= 0:
            return False
        lidx, usable = self._launchers()

        def reach(rows: NDArray[np.int64]) -> bool:
            return bool(
                _ready_reach(
                    lidx,
                    self.inventory,
                    self.reloading,
                    _NO_USABLE if usable is None else usable,
                    len(self.unit.launchers),
                    self.w.launcher_pos_m,
                    kin.pos_m,
                    kin.vel_mps,
                    kin.acc_mps2,
                    rows,
                    self._flight_time_s,
                    self._reach_m,
                    self._reach_time_s,
                    self._max_speed_mps,
                )
            )

        screened = np.array(rows, dtype=np.int64)
        if not reach(screened):
            return False
        # the offer's radar, track by track (rows only), then the screen again on those held
        cand = np.zeros(len(kin.ids), dtype=bool)
        cand[screened] = True
        held = screened[self._fcr_for(t, kin.ids, cand)[screened] >= 0]
        return len(held) > 0 and (len(held) == len(screened) or reach(held))

    def _screens(
        self,
        ready_rounds: tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]],
        kin: _Kinematics,
        rows: NDArray[np.int64],
        first_only: bool = False,
    ) -> tuple[bool, NDArray[np.int64], NDArray[np.float64], NDArray[np.bool_]]:
        """The cheap reachability screen (:func:`reach_screen`) of every missile type with
        ready rounds, in type order (with ``first_only``, up to the first type that some
        target passes), from its launch origin: the mean of its ready launchers
        (:meth:`_ready_rounds`), own ones first. Returns whether any target passes, the
        types, and per type (rows) the launch origin and which of the tracks ``rows``
        pass."""
        lidx, ready, rounds_m = ready_rounds
        types = (rounds_m > 0).nonzero()[0]
        n_types = len(self.w.missile_names)
        origin = np.zeros((n_types, 3))
        near = np.zeros((n_types, len(rows)), dtype=bool)
        found = _reach_screens(
            types,
            lidx,
            np.ascontiguousarray(ready, dtype=np.int64),
            len(self.unit.launchers),
            self.w.launcher_pos_m,
            np.ascontiguousarray(kin.pos_m, dtype=float),
            np.ascontiguousarray(kin.vel_mps, dtype=float),
            np.ascontiguousarray(kin.acc_mps2, dtype=float),
            np.asarray(rows, dtype=np.int64),
            self._flight_time_s,
            self._reach_m,
            self._reach_time_s,
            self._max_speed_mps,
            first_only,
            origin,
            near,
        )
        return bool(found), types, origin, near

    def _kin_cov_m2(self, t: float, kin: _Kinematics) -> NDArray[np.float64]:
        """The covariances of ``kin``'s tracks predicted to ``t`` (:meth:`_Kinematics.of`
        predicts their states only; only the cycles that reach the offer need these)."""
        ids, _, cov = self.tracker.predict(t, confirmed_only=True)
        if not np.array_equal(ids, kin.ids):  # the tracker changed between of() and here
            raise RuntimeError(f"internal: the tracks at t = {t} s changed within a cycle")
        return cov

    def _offer(self, t: float, kin: _Kinematics) -> Offer:
        """:meth:`offer` after the reloads were serviced, from the tracks' kinematics."""
        w, u = self.w, self.unit
        ids, threat, pos, vel, acc = kin.ids, kin.threat, kin.pos_m, kin.vel_mps, kin.acc_mps2
        n, n_types = len(ids), len(w.missile_names)
        busy, done, dead, count = self._eligibility(ids)
        cand = (threat >= 0) & ~busy & ~done
        ta = self._evaluate(pos, vel, acc, threat, cand)
        threshold = self.doctrine.min_threat_value * float(w.asset_value.max())
        cand &= ta.value >= threshold
        fcr = self._fcr_for(t, ids, cand)
        cand &= fcr >= 0
        pk = np.zeros((n_types, n))
        pk1 = np.zeros((n_types, n))
        pips = np.full((n_types, n, 3), np.nan)
        rr = self._ready_rounds()
        rounds = -(-rr[2] // u.salvo)
        free_targets, free_eng = self.capacity()
        c = cand.nonzero()[0]
        if len(c) and free_targets > 0 and free_eng > 0:
            arrival_s = self._arrival_s(ta, threat, c)
            # Cheap reachability screen (see reach_screen) before the windows.
            _, types, origins, nears = self._screens(rr, kin, c)
            for m in types.tolist():
                spec = w.missile_specs[m]
                origin, near = origins[m], nears[m]
                if not near.any():
                    continue
                cn = c[near]
                win = engagement_windows(
                    self._tof[m],
                    w.frame,
                    spec,
                    origin,
                    pos[cn],
                    vel[cn],
                    acc[cn],
                    self._delays,
                    float(self.doctrine.range_margin),
                    float(self.doctrine.min_speed_ratio),
                )
                ok = allowed_now(win, self.doctrine, u.cp.cycle_s)
                # an intercept after the threat reaches its asset is no intercept
                ok &= ~(win.time_of_flight_s > arrival_s[cn])
                p1 = self.single_shot_pk(m, threat[cn], origin, win.pip_m, vel[cn])
                pk1[m, cn] = np.where(ok, p1, 0.0)
                pk[m, cn] = engagement_pk(pk1[m, cn], self.doctrine.shots_per_engagement)
                pips[m, cn] = win.pip_m
        return Offer(
            ids,
            threat,
            pos,
            vel,
            acc,
            self._kin_cov_m2(t, kin)[:, :3, :3],
            kin.ballistic,
            busy,
            done,
            dead,
            count,
            cand,
            fcr,
            pk,
            pk1,
            pips,
            rounds.astype(np.int64),
            free_targets,
            free_eng,
            ta,
        )

    def _arrival_s(
        self, ta: ThreatAssessment, threat: NDArray[np.int64], rows: NDArray[np.int64]
    ) -> NDArray[np.float64]:
        """Time from now until each track of ``rows`` reaches the defended asset it most
        likely attacks (inf for the other tracks, and where that does not apply).

        Notes
        -----
        The time of closest approach to the likely asset on the extrapolated path
        (:func:`samsim.c2.threat_eval.evaluate_threats`), for a track whose path passes
        within the asset's radius and whose threat, as the command post identifies it
        (:meth:`_identify`), is of a kind that ends its flight at its target
        (:data:`ENDS_AT_TARGET`). An engagement whose predicted intercept is later than
        that never intercepts: the threat has hit the asset first, and the interceptor
        ends with ``target_gone``.
        """
        out = np.full(len(threat), np.inf)
        if not len(rows):
            return out
        likely = ta.likely_asset[rows]
        kind = self._identify(threat[rows])  # drawn already by the threat evaluation
        th = threat[rows]
        ends = np.where(
            kind == 0,
            self._ends_at_target[th],
            (kind == 1) & self._seen_ends_at_target[th],
        )
        k = np.maximum(likely, 0)
        t_cpa = ta.t_cpa_s[rows, k] if ta.t_cpa_s.shape[1] else np.full(len(rows), np.inf)
        d_cpa = ta.d_cpa_m[rows, k] if ta.d_cpa_m.shape[1] else np.full(len(rows), np.inf)
        radius = self.w.asset_radius_m[k] if len(self.w.asset_radius_m) else np.zeros(len(rows))
        hit = (likely >= 0) & ends & (d_cpa <= radius)
        out[rows] = np.where(hit, t_cpa, np.inf)
        return out

    def _evaluate(
        self,
        pos: NDArray[np.float64],
        vel: NDArray[np.float64],
        acc: NDArray[np.float64],
        threat: NDArray[np.int64],
        rows: NDArray[np.bool_],
    ) -> ThreatAssessment:
        """Threat evaluation of the tracks in ``rows`` (the others: value 0, no attack)."""
        w = self.w
        r = rows.nonzero()[0]
        sub = evaluate_threats(
            pos[r],
            vel[r],
            self.perceived_capability(threat[r]),
            w.asset_pos_m,
            w.asset_value,
            w.asset_radius_m,
            acc_mps2=acc[r],
        )
        n, m = len(pos), len(w.asset_names)

        def full(a: NDArray[np.float64], fill: float) -> NDArray[np.float64]:
            out = np.full((n, *a.shape[1:]), fill)
            out[r] = a
            return out

        likely = np.full(n, -1, dtype=np.int64)
        likely[r] = sub.likely_asset
        return ThreatAssessment(
            full(sub.t_cpa_s, np.inf),
            full(sub.d_cpa_m, np.inf),
            full(sub.t_hit_s, np.inf),
            full(sub.heading_rad, np.nan),
            full(sub.p_attack, 0.0),
            full(sub.urgency, 0.0),
            full(sub.value, 0.0),
            likely,
            full(sub.asset_prob, 0.0) if m else np.zeros((n, 0)),
        )

    # -- decision cycle ---------------------------------------------------------------
    def decide(self, t: float, alive: NDArray[np.bool_], log: EventSink) -> list[LaunchOrder]:
        """One decision cycle of a battalion on its own; returns the launch orders and
        logs the assignments."""
        self.service_reloads(t)
        if self._refuses_unpredicted(t):
            return []  # what _may_engage would conclude, without predicting the tracks
        kin = _Kinematics.of(self, t)
        if not self._may_engage(t, kin):
            return []  # what offer() would conclude, without evaluating every track
        offer = self._offer(t, kin)
        if not (offer.pk > 0).any():
            return []
        ta = offer.assessment
        values = ta.value
        problem = AssignmentInput(
            values=values,
            pk=offer.pk,
            weight=self._economy,
            rounds=offer.rounds,
            groups=np.zeros(len(offer.rounds), dtype=np.int64),
            group_targets=np.array([offer.free_targets], dtype=np.int64),
            group_engagements=np.array([offer.free_engagements], dtype=np.int64),
            max_per_target=1,
            ballistic=offer.ballistic,
            asset_values=self.w.asset_value,
            asset_prob=ta.asset_prob,
        )
        x = assign(problem, self.doctrine)
        picks = [(int(m), int(j)) for m, j in np.argwhere(x > 0)]
        return self.execute(t, offer, picks, values, log)

    def execute(
        self,
        t: float,
        offer: Offer,
        picks: list[tuple[int, int]],
        values: NDArray[np.float64],
        log: EventSink,
    ) -> list[LaunchOrder]:
        """Launch orders for chosen (missile type, offer row) engagements, most valuable
        first; an engagement whose radar has no channel left is dropped (reconsidered next
        cycle)."""
        w, u = self.w, self.unit
        orders: list[LaunchOrder] = []
        lidx, usable = self._launchers()
        gain = np.array([values[j] * offer.pk[m, j] for m, j in picks])
        free_targets, free_eng = self.capacity()
        new_targets = 0
        pj = np.array([j for _, j in picks], dtype=np.int64)
        pm = np.array([m for m, _ in picks], dtype=np.int64)
        for k in np.lexsort((pj, pm, -gain)).tolist():
            m, j = picks[k]
            if new_targets >= min(free_targets, free_eng):
                break
            track_id = int(offer.track_ids[j])
            radar = int(offer.fcr[j])
            spec = w.radars[radar].spec
            if (
                len(self.radar_targets[radar]) >= spec.target_channels
                or spec.missile_channels - self.radar_missiles[radar] <= 0
            ):
                continue
            n = min(u.salvo, spec.missile_channels - self.radar_missiles[radar])
            ok = (self.inventory[lidx, m] > 0) & ~self.reloading[lidx]
            if usable is not None:
                ok &= usable[:, m]
            carriers = lidx[ok]
            # Nearest ready launchers first (ties by index, for determinism).
            dist = np.linalg.norm(w.launcher_pos_m[carriers] - offer.pips_m[m, j], axis=1)
            order = np.lexsort((carriers, dist, self.launcher_ready_s[carriers]))
            fired = 0
            eng = self.engagements.setdefault(track_id, Engagement(int(offer.threat[j])))
            eng.threat_id = int(offer.threat[j])
            for li in carriers[order]:
                while fired < n and self.inventory[li, m] > 0:
                    launch_t = max(t + u.cp.reaction_time_s, float(self.launcher_ready_s[li]))
                    self.launcher_ready_s[li] = launch_t + w.launcher_specs[li].launch_interval_s
                    self.inventory[li, m] -= 1
                    self.pending[li] += 1
                    orders.append(
                        LaunchOrder(
                            launch_t,
                            u.index,
                            int(li),
                            int(m),
                            radar,
                            track_id,
                            eng.threat_id,
                            offer.pips_m[m, j].copy(),
                            float(offer.pk_single[m, j]),
                        )
                    )
                    fired += 1
                if fired == n:
                    break
            if fired == 0:
                continue
            new_targets += 1
            eng.engagements += 1
            eng.active_missiles += fired
            eng.radars[radar] = eng.radars.get(radar, 0) + fired
            self.radar_missiles[radar] += fired
            self.radar_targets[radar].add(track_id)
            log.add(
                t,
                "assignment",
                unit=u.name,
                track_id=track_id,
                threat_id=eng.threat_id,
                threat_type=w.threat_type[eng.threat_id],
                missile_type=w.missile_names[m],
                count=fired,
                value=float(values[j]),
                pk=float(offer.pk[m, j]),
                sensor=w.radars[radar].name,
            )
        return orders
