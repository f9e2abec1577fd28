"""The battalion command post: each decision cycle, threat evaluation, engagement
feasibility, weapon-target assignment and launch orders.

It sees only its own track picture (its radars' tracks), knows its launchers' ready
rounds and its fire-control radars' free channels, and engages a target with a salvo when
the predicted intercept point of a missile fired now lies inside that missile's envelope.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from samsim.c2.envelope import in_envelope
from samsim.c2.threat_eval import evaluate_threats
from samsim.c2.wta import solve
from samsim.physics.envelope import predict_intercept, tof_table
from samsim.physics.threats import gravity_enu_mps2

if TYPE_CHECKING:
    from samsim.engine.events import EventLog
    from samsim.engine.world import Unit, World
    from samsim.tracking import Tracker

#: A track counts as held by a fire-control radar if that radar updated it within this
#: many of its scan periods.
HOLD_SCANS = 2.5


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


@dataclass
class Engagement:
    """The command post's record of one track it engages."""

    threat_id: int
    engagements: int = 0
    active_missiles: int = 0
    awaiting_assessment: bool = False
    assessed_dead: bool = False
    radars: dict[int, int] = field(default_factory=dict)  # radar -> active missiles


class CommandPost:
    """Decision logic of one battalion (see module docstring)."""

    def __init__(
        self,
        world: World,
        unit: Unit,
        tracker: Tracker,
        track_truth: dict[int, int],
        inventory: NDArray[np.int64],
    ) -> None:
        self.w = world
        self.inventory = inventory  # (launchers, missile types), shared by the run's posts
        self.unit = unit
        self.tracker = tracker
        self.truth = track_truth
        self.engagements: dict[int, Engagement] = {}
        self.last_seen: dict[int, dict[int, float]] = {}  # track -> radar -> time
        self.radar_missiles = {r: 0 for r in unit.fire_control}
        self.radar_targets: dict[int, set[int]] = {r: set() for r in unit.fire_control}
        self.launcher_ready_s = np.zeros(len(world.launcher_names))
        self._tof = [tof_table(spec) for spec in world.missile_specs]

    # -- picture ----------------------------------------------------------------------
    def note_detections(self, radar: int, t: float, det_track_id: NDArray[np.int64]) -> None:
        for tid in det_track_id[det_track_id >= 0].tolist():
            self.last_seen.setdefault(tid, {})[radar] = t

    def forget_track(self, track_id: int) -> None:
        self.last_seen.pop(track_id, None)

    def track_estimates(
        self, t: float
    ) -> dict[int, tuple[NDArray[np.float64], NDArray[np.float64]]]:
        """Position and velocity of every live track predicted to ``t``, by track id."""
        ids, x, _ = self.tracker.predict(t, confirmed_only=False)
        return {int(i): (x[k, :3], x[k, 3:6]) for k, i in enumerate(ids.tolist())}

    def track_estimate(
        self, track_id: int, t: float
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]] | None:
        """Position and velocity of a live track predicted to ``t``, or None if deleted."""
        return self.track_estimates(t).get(track_id)

    # -- bookkeeping of engagements ----------------------------------------------------
    def cancel(self, order: LaunchOrder) -> None:
        """A launch that did not happen: return the round and release the channel."""
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
        """Kill assessment (perfect, after the delay): the threat is dead or not."""
        eng = self.engagements.get(track_id)
        if eng is None or eng.active_missiles > 0:
            return
        eng.awaiting_assessment = False
        eng.assessed_dead = not bool(alive[eng.threat_id])

    # -- decision cycle ---------------------------------------------------------------
    def decide(self, t: float, alive: NDArray[np.bool_], log: EventLog) -> list[LaunchOrder]:
        """One decision cycle; returns the launch orders and logs the assignments."""
        w, u = self.w, self.unit
        ids, x, _ = self.tracker.predict(t, confirmed_only=True)
        if len(ids) == 0:
            return []
        threat = np.array([self.truth.get(int(i), -1) for i in ids], dtype=np.int64)
        eligible = threat >= 0
        for j, tid in enumerate(ids.tolist()):
            eng = self.engagements.get(tid)
            if eng is not None and (
                eng.active_missiles > 0
                or eng.awaiting_assessment
                or eng.assessed_dead
                or eng.engagements >= u.max_engagements_per_target
            ):
                eligible[j] = False
        # Fire-control radars holding each track, with free channels.
        fcr_for = np.full(len(ids), -1, dtype=np.int64)
        for j, tid in enumerate(ids.tolist()):
            if not eligible[j]:
                continue
            seen = self.last_seen.get(tid, {})
            best, best_free = -1, 0
            for r in u.fire_control:
                spec = w.radars[r].spec
                held = r in seen and t - seen[r] <= HOLD_SCANS * spec.scan_period_s
                free = spec.missile_channels - self.radar_missiles[r]
                if held and len(self.radar_targets[r]) < spec.target_channels and free > best_free:
                    best, best_free = r, free
            fcr_for[j] = best
        cand = np.flatnonzero(eligible & (fcr_for >= 0))
        if len(cand) == 0:
            return []
        cap = w.capability[threat[cand]]
        pos, vel = x[cand, :3], x[cand, 3:6]
        ta = evaluate_threats(pos, vel, cap, w.asset_pos_m, w.asset_value, w.asset_radius_m)
        values = ta.value
        # Ready rounds per missile type in this unit.
        lidx = np.array(u.launchers, dtype=np.int64)
        rounds = self.inventory[lidx].sum(axis=0)
        n_types = len(w.missile_names)
        pk = np.zeros((n_types, len(cand)))
        pips = np.full((n_types, len(cand), 3), np.nan)
        speed = np.linalg.norm(vel, axis=1)
        # Tracks classified as ballistic are predicted under gravity, the others at
        # constant velocity.
        ballistic = np.array([w.threat_kind[i] == "ballistic_missile" for i in threat[cand]])
        acc = np.where(ballistic[:, None], gravity_enu_mps2(w.frame, pos), 0.0)
        for m in np.flatnonzero(rounds > 0):
            spec = w.missile_specs[m]
            carriers = lidx[self.inventory[lidx, m] > 0]
            origin = w.launcher_pos_m[carriers].mean(axis=0)
            # Cheap reachability screen before the intercept prediction: a target that
            # cannot close to the missile's maximum range within the missile's longest
            # flight is out of reach whatever the geometry.
            r_now = np.linalg.norm(pos - origin, axis=1)
            near = np.flatnonzero(
                (r_now - speed * spec.max_flight_time_s <= spec.max_range_m)
                & (speed <= spec.max_target_speed_mps)
            )
            if len(near) == 0:
                continue
            pip, _, feasible = predict_intercept(
                self._tof[m], w.frame, origin, pos[near], vel[near], acc[near]
            )
            pip_alt = w.frame.altitude_m(pip)
            slant = np.linalg.norm(pip - origin, axis=1)
            ok = feasible & in_envelope(slant, pip_alt, speed[near], spec)
            pk[m, near] = np.where(ok, 1.0 - (1.0 - spec.pk_nominal) ** u.salvo, 0.0)
            pips[m, near] = pip
        if not (pk > 0).any():
            return []
        # One salvo is one weapon in the assignment; channel and command-post limits cap
        # the number of new targets and missiles this cycle.
        salvos = rounds // u.salvo + (rounds % u.salvo > 0)
        free_targets = sum(
            w.radars[r].spec.target_channels - len(self.radar_targets[r]) for r in u.fire_control
        )
        engaged_now = sum(len(s) for s in self.radar_targets.values())
        missiles_now = sum(self.radar_missiles.values())
        max_targets = max(0, min(free_targets, u.cp.max_targets - engaged_now))
        max_missiles = max(0, u.cp.max_missiles - missiles_now)
        max_salvos = min(max_targets, max_missiles // u.salvo)
        if max_salvos == 0:
            return []
        result = solve(values, pk, salvos, method="greedy", max_per_target=1)
        return self._orders(
            t, result.assignment, cand, ids, threat, fcr_for, pk, pips, values, max_salvos, log
        )

    def _orders(
        self,
        t: float,
        assignment: NDArray[np.int64],
        cand: NDArray[np.int64],
        ids: NDArray[np.int64],
        threat: NDArray[np.int64],
        fcr_for: NDArray[np.int64],
        pk: NDArray[np.float64],
        pips: NDArray[np.float64],
        values: NDArray[np.float64],
        max_salvos: int,
        log: EventLog,
    ) -> list[LaunchOrder]:
        w, u = self.w, self.unit
        orders: list[LaunchOrder] = []
        lidx = np.array(u.launchers, dtype=np.int64)
        # Most valuable engagements first: channel limits checked below drop the rest,
        # which the next cycle reconsiders.
        pairs = np.argwhere(assignment > 0)
        gain = values[pairs[:, 1]] * pk[pairs[:, 0], pairs[:, 1]]
        new_targets = 0
        for m, j in pairs[np.lexsort((pairs[:, 1], pairs[:, 0], -gain))]:
            if new_targets >= max_salvos:
                break
            track_id = int(ids[cand[j]])
            radar = int(fcr_for[cand[j]])
            spec = w.radars[radar].spec
            if (
                len(self.radar_targets[radar]) >= spec.target_channels
                or spec.missile_channels - self.radar_missiles[radar] <= 0
            ):
                continue
            n = min(u.salvo, spec.missile_channels - self.radar_missiles[radar])
            carriers = lidx[self.inventory[lidx, m] > 0]
            # Nearest ready launchers first (ties by index, for determinism).
            dist = np.linalg.norm(w.launcher_pos_m[carriers] - pips[m, j], axis=1)
            order = np.lexsort((carriers, dist, self.launcher_ready_s[carriers]))
            fired = 0
            eng = self.engagements.setdefault(track_id, Engagement(int(threat[cand[j]])))
            eng.threat_id = int(threat[cand[j]])
            for li in carriers[order]:
                while fired < n and self.inventory[li, m] > 0:
                    launch_t = max(t + u.cp.reaction_time_s, float(self.launcher_ready_s[li]))
                    self.launcher_ready_s[li] = launch_t + w.launcher_specs[li].launch_interval_s
                    self.inventory[li, m] -= 1
                    orders.append(
                        LaunchOrder(
                            launch_t,
                            u.index,
                            int(li),
                            int(m),
                            radar,
                            track_id,
                            eng.threat_id,
                            pips[m, j].copy(),
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
                pk=float(pk[m, j]),
                sensor=w.radars[radar].name,
            )
        return orders
