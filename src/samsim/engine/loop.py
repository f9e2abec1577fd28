"""The event-driven engine loop: radars scan, trackers update, command posts decide,
interceptors fly, and every step is written to the event log.

Scheduled events (radar scans, command-post cycles, launches, kill assessments, threat
route ends) are processed in time order from a heap; interceptors are integrated between
events; threats are functions of time. A run is a pure function of (scenario, seed): one
random stream per subsystem (:mod:`samsim.rng`).
"""

from __future__ import annotations

import dataclasses
import heapq
import itertools
import math
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from threadpoolctl import ThreadpoolController

from samsim.c2.command_post import HOLD_SCANS, CommandPost, LaunchOrder
from samsim.c2.regiment import RegimentCommandPost
from samsim.engine.events import EventLog
from samsim.engine.nodes import Network, arm_seekers, defended_world
from samsim.engine.run import Run
from samsim.engine.summary import summarize
from samsim.engine.uplink import Snapshots, extrapolate_snapshots, store_snapshots
from samsim.engine.world import World, compile_world
from samsim.physics.flyout import Flyout
from samsim.physics.lethality import intercept_pk
from samsim.physics.threats import Reactions, gravity_enu_mps2
from samsim.physics.tofcache import tof_table
from samsim.rng import MAX_SEED, stream
from samsim.scenario.digest import scenario_digest
from samsim.scenario.loader import REGIMENT_KEY
from samsim.scenario.models import Scenario
from samsim.sensors.cueing import FireControlChannels, member
from samsim.sensors.radar import (
    Radar,
    SearchRegion,
    detection_details,
    unit_init_speed_sigma_mps,
    unit_tracker_figures,
)
from samsim.tracking import MeasurementBatch, Tracker, TrackerConfig

# Order of simultaneous events: routes end first, then outcomes are assessed, radars
# scan, command posts decide, launchers fire, threats check for a break turn.
_THREAT_END, _ASSESS, _SCAN, _DECIDE, _LAUNCH, _BREAK = range(6)
#: Events of the network under attack (anti-radiation missiles' launches, emission
#: changes): last of simultaneous events.
_NET = 6
#: The detail of a launch from another battalion's launcher (engage on remote).
_REMOTE = {"detail": "engage_on_remote"}


_BLAS: list[ThreadpoolController] = []


def one_blas_thread() -> Any:
    """A context in which BLAS uses one thread (threadpoolctl's ``limit``), restoring the
    previous limits on exit.

    The controller that finds the loaded BLAS libraries is made once per process, at the
    first call (``threadpool_limits`` makes one each time: it scans every loaded shared
    library, about 1.1 ms, against about 0.01 ms for ``limit``). numpy's and scipy's
    OpenBLAS are loaded by then (the engine imports both); a BLAS library loaded later in
    the process is not limited, which costs only speed.
    """
    if not _BLAS:
        _BLAS.append(ThreadpoolController())
    return _BLAS[0].limit(limits=1, user_api="blas")


@dataclass
class Interceptors:
    """Engine-side bookkeeping of launched interceptors (one row per interceptor)."""

    unit: list[int]
    track: list[int]
    threat: list[int]
    radar: list[int]
    missile: list[int]

    def add(self, unit: int, track: int, threat: int, radar: int, missile: int) -> int:
        self.unit.append(unit)
        self.track.append(track)
        self.threat.append(threat)
        self.radar.append(radar)
        self.missile.append(missile)
        return len(self.unit) - 1


class Engine:
    """One run of a compiled world with one seed."""

    def __init__(self, world: World, seed: int, *, trajectory_dt_s: float = 1.0) -> None:
        if any(u.scoot is not None for u in world.scenario.units.values()):
            # nodes move in this run: its own launcher positions and radars
            world = dataclasses.replace(
                world, launcher_pos_m=world.launcher_pos_m.copy(), radars=list(world.radars)
            )
        self.w = world
        self.seed = int(seed)
        self.log = EventLog()
        self.t = 0.0
        self.trajectory_dt_s = trajectory_dt_s
        n = world.n_threats
        self.alive = np.ones(n, dtype=bool)
        self.end_time_s = np.full(n, np.nan)
        self.radar_rng = [stream(seed, f"radar:{r.name}") for r in world.radars]
        self.false_alarm_rng = [stream(seed, f"false_alarms:{r.name}") for r in world.radars]
        self.kill_rng = stream(seed, "lethality")
        self.flyout_rng = stream(seed, "flyout")
        self.trackers = []
        for u in world.units:
            unit_radars = [world.radars[i] for i in u.radars]
            pd, density = unit_tracker_figures(unit_radars)
            sigma_v = unit_init_speed_sigma_mps(unit_radars)
            cfg = (
                TrackerConfig(pd=pd, init_speed_sigma_mps=sigma_v)
                if density is None
                else TrackerConfig(pd=pd, clutter_density=density, init_speed_sigma_mps=sigma_v)
            )
            self.trackers.append(Tracker(cfg))
        for u in world.units:  # point defence: one picture under its battalion's post
            if u.attached_to >= 0:
                self.trackers[u.index] = self.trackers[u.attached_to]
        self._threat_type_or_blank = np.array([*world.threat_type, ""], dtype=object)
        self._is_ballistic = np.array(
            [k == "ballistic_missile" for k in world.threat_kind] + [False], dtype=bool
        )
        self._any_ballistic = bool(self._is_ballistic.any())
        self.channels = {
            r.index: FireControlChannels(r, HOLD_SCANS * r.spec.scan_period_s)
            for r in world.radars
            if r.spec.role == "fire_control"
        }
        self.track_truth: list[dict[int, int]] = [{} for _ in world.units]
        for u in world.units:
            if u.attached_to >= 0:
                self.track_truth[u.index] = self.track_truth[u.attached_to]
        self.inventory = world.inventory.copy()
        self.net = Network(world, self.seed)
        self.arms = arm_seekers(world, self.seed)
        self.command_posts = [
            CommandPost(
                defended_world(world, u.index) if u.doctrine.defend_nodes else world,
                u,
                self.trackers[u.index],
                self.track_truth[u.index],
                self.inventory,
                rng=stream(seed, f"c2:{u.name}"),
                network=self.net,
            )
            for u in world.units
        ]
        for u in world.units:  # one engagement record per track under one command post
            if u.attached_to >= 0:
                parent = self.command_posts[u.attached_to].engagements
                self.command_posts[u.index].engagements = parent
        self.regiment = (
            RegimentCommandPost(
                world,
                world.scenario.regiment,
                world.resolved.command_posts[REGIMENT_KEY],
                self.command_posts,
            )
            if world.scenario.regiment
            else None
        )
        self._queue: list[tuple[float, int, int, str, Any]] = []
        self._seq = itertools.count()
        if self.regiment is not None:
            self._push(self.regiment.spec.cycle_s, _DECIDE, "decide", -1)
        self.fly = Flyout(
            world.frame,
            world.missile_specs,
            rng=self.flyout_rng,
            tof_tables=[tof_table(s) for s in world.missile_specs],
        )
        self.icp = Interceptors([], [], [], [], [])
        self._icp_of_fly: dict[int, int] = {}
        self._icp_threat = np.full(64, -1, dtype=np.int64)  # interceptor key -> threat id
        self._pending_launches = 0
        self._open_threat = 0  # a threat whose end time was NaN at the last _finished()
        self._fly_t = 0.0  # time the flyout has been advanced to
        self._traj: list[tuple[float, NDArray[np.int64], NDArray[np.float64]]] = []
        self._reactions: Reactions | None = None
        # command guidance's uplinked estimates per interceptor key (_advance_interceptors)
        self._snap = Snapshots.empty()

    # -- scheduling -------------------------------------------------------------------
    def _push(self, t: float, prio: int, kind: str, payload: Any = None) -> None:
        heapq.heappush(self._queue, (t, prio, next(self._seq), kind, payload))

    def run(self) -> Run:
        """Run the engagement to its end.

        Returns
        -------
        Run
            ``.events`` (Arrow table), ``.trajectories``, ``.summary`` (dict).

        Notes
        -----
        BLAS is limited to one thread for the run, whoever calls it (:func:`simulate`, a
        study worker's :func:`samsim.study.runner.engine_batch`): every matrix in the engine
        is tiny, and OpenBLAS's default threads cost about 0.7 s of CPU per run of the
        battalion example on 2 cores (measured 1.9-2.2 s instead of 1.2 s).
        """
        with one_blas_thread():
            return self._run()

    def _run(self) -> Run:
        w = self.w
        duration = w.scenario.duration
        phase_rng = stream(self.seed, "schedule")
        for r in w.radars:
            self._push(float(phase_rng.uniform(0.0, r.spec.scan_period_s)), _SCAN, "scan", r.index)
        for u in w.units:
            self._push(u.cp.cycle_s, _DECIDE, "decide", u.index)
        for i in range(w.n_threats):
            self._push(float(w.threats.t_end_s[i]), _THREAT_END, "threat_end", i)
        for i in self.arms.threats if self.arms is not None else []:
            self._push(float(w.threats.t0_s[i]), _NET, "arm", i)
        for u_index, scoot in self.net.scoot.items():
            if scoot.battalion:
                self._push(w.units[u_index].cp.cycle_s, _NET, "scoot_check", u_index)
        for ri, plan in enumerate(self.net.emcon):
            if plan.mode != "continuous" and not plan.wants_on(0.0, cued=False):
                self.net.set_emitting(ri, False, 0.0, plan.reason(), self.log)
        wall0 = time.perf_counter()
        end_t = 0.0
        while self._queue:
            item = heapq.heappop(self._queue)
            t, prio, _, kind, payload = item
            if t > duration:
                break
            self._advance_interceptors(t)
            if self._queue and self._queue[0][:2] < (t, prio):
                # An interceptor that ended on the way to t scheduled an event before t
                # (its kill assessment): that one comes first.
                heapq.heappush(self._queue, item)
                continue
            self.t = end_t = t
            if kind == "threat_end":
                self._threat_end(payload)
            elif kind == "scan":
                self._scan(payload)
            elif kind == "decide":
                self._decide(payload)
            elif kind == "launch":
                self._launch(payload)
            elif kind == "assess":
                self._assess(payload)
            elif kind == "break":
                self._break_check(payload)
            elif kind == "arm":
                self._arm_seeker(payload)
            elif kind == "scoot_check":
                self._scoot_check(payload)
            elif kind == "scoot_arrive":
                self._scoot_arrive(*payload)
            if self._finished():
                break
        else:
            end_t = self.t
        if not self._finished():
            end_t = min(duration, max(end_t, self.t))
            self._advance_interceptors(end_t)
            for i in np.flatnonzero(self.alive & np.isnan(self.end_time_s)).tolist():
                self._end_threat(int(i), end_t, "threat_end", "time_limit")
        self.t = end_t
        events = self.log.to_arrow()
        trajectories = self._trajectories(end_t)
        summary = summarize(events, w, self.seed, end_t)
        return Run(
            scenario=w.scenario,
            seed=self.seed,
            events=events,
            trajectories=trajectories,
            summary=summary,
            wall_time_s=time.perf_counter() - wall0,
        )

    def _finished(self) -> bool:
        if self._pending_launches != 0 or self.fly.n_in_flight != 0:  # the cheap tests first
            return False
        # A threat not ended yet: the one found last time while it stays open (end times
        # are only ever set, never cleared), else the first open one of a full scan.
        end = self.end_time_s
        if self._open_threat < len(end) and math.isnan(end[self._open_threat]):
            return False
        open_ = np.flatnonzero(np.isnan(end))
        if open_.size:
            self._open_threat = int(open_[0])
            return False
        return True

    # -- threats ----------------------------------------------------------------------
    def _threat_end(self, i: int) -> None:
        if not self.alive[i] or self.t != self.w.threats.t_end_s[i]:  # stale after an evasion
            return
        w = self.w
        p, _, _ = w.threats.state_at(self.t, np.array([i]))
        node = int(w.threat_target_node[i]) if len(w.threat_target_node) else -1
        if node >= 0:
            # aimed at a node: it reached it if it ends within its warhead's lethal radius
            miss = float(self.net.ground_distance_m(p[0])[node])
            hit = miss <= w.threat_spec[i].node_lethal_radius_m
            kind, detail = ("leak", "node") if hit else ("threat_end", "impact")
            name = w.node_names[node]
            self._end_threat(i, self.t, kind, detail, asset=name, pos=p[0], miss_m=miss)
        else:
            d = np.linalg.norm(w.asset_pos_m - p[0], axis=1)
            k = int(np.argmin(d))
            if w.threat_kind[i] != "decoy" and d[k] <= w.asset_radius_m[k] and w.capability[i] > 0:
                self._end_threat(i, self.t, "leak", "", asset=w.asset_names[k], pos=p[0])
            else:
                detail = "impact" if w.threat_kind[i] == "ballistic_missile" else "route_end"
                self._end_threat(i, self.t, "threat_end", detail, pos=p[0])
        for k, dist in self.net.blast(i, p[0]):
            self._node_lost(k, i, dist)

    def _threat_reacts(self, i: int, source_enu_m: NDArray[np.float64]) -> None:
        """Threat ``i`` reacts to a missile just launched at it from ``source_enu_m``: a
        type that evades has its trajectory recomputed from its reaction time on and its
        new end scheduled (the old end event is then stale and ignored)."""
        if not any(p is not None and p.evasion is not None for p in self.w.threat_plans):
            return
        reactions = self._ensure_reactions()
        if not self.alive[i] or not reactions.can_evade(i):
            return
        t_end = reactions.launch_at(i, self.t, source_enu_m)
        if t_end is not None:
            self._push(t_end, _THREAT_END, "threat_end", i)

    def _ensure_reactions(self) -> Reactions:
        """This run's copy of the threat table that evasions and breaks are spliced into
        (the compiled world may be run again)."""
        if self._reactions is None:
            w = self.w
            self._reactions = Reactions(
                w.threats,
                w.threat_plans,
                w.threat_point_times_s,
                w.frame,
                w.terrain_grid.elevation_m,
            )
            self.w = dataclasses.replace(w, threats=self._reactions.table)
        return self._reactions

    def _end_threat(
        self,
        i: int,
        t: float,
        kind: str,
        detail: str,
        asset: str = "",
        pos: NDArray[np.float64] | None = None,
        interceptor: int = -1,
        miss_m: float | None = None,
    ) -> None:
        self.alive[i] = False
        self.end_time_s[i] = t
        if pos is None:
            pos, _, _ = self.w.threats.state_at(t, np.array([i]))
            pos = pos[0]
        extra = {} if miss_m is None else {"miss_m": miss_m}
        self.log.add(
            t,
            kind,
            threat_id=i,
            threat_type=self.w.threat_type[i],
            asset=asset,
            detail=detail,
            interceptor_id=interceptor,
            x_m=pos[0],
            y_m=pos[1],
            z_m=pos[2],
            **extra,
        )

    # -- sensing and tracking ---------------------------------------------------------
    def _scan(self, r_index: int) -> None:
        """One scan of radar ``r_index``: where it looks (its search sector; for a
        fire-control radar, windows on the tracks it holds and on the unit's other tracks,
        which cue it), detections and false alarms, the unit tracker's update, the
        track -> threat truth, the fire-control radar's channels, and the event log."""
        w = self.w
        radar = w.radars[r_index]
        self._push(self.t + radar.spec.scan_period_s, _SCAN, "scan", r_index)
        if not self._emission(r_index):
            return
        unit = radar.unit
        tracker = self.trackers[unit]
        channels = self.channels.get(r_index)
        engaged: set[int] = set()
        held = np.zeros(0, dtype=np.int64)
        held_set: set[int] = set()
        if channels is None:
            region = SearchRegion(sector=True)
        else:
            engaged = self.command_posts[unit].radar_targets.get(r_index, set())
            ids, x, cov = tracker.tracks.extrapolated(self.t)
            preferred = None
            if self._any_ballistic and w.units[unit].doctrine.ballistic_first:
                # the command post's classification (ballistic tracks first, by truth)
                truth = self.track_truth[unit]
                preferred = np.array(
                    [self._is_ballistic[truth.get(k, -1)] for k in ids.tolist()], dtype=bool
                )
            plan = channels.plan(self.t, ids, x, cov, engaged, preferred)
            held = plan.held
            held_set = set(held.tolist())
            region = SearchRegion(sector=radar.spec.autonomous_search, windows=plan.windows)
            if self.net.emcon[r_index].on_cue:
                self._set_emission(r_index, not region.empty, "emcon_cue")
            if region.empty:
                return
        idx, p, v, alt = w.threats.active_states(self.t, self.alive)
        emitters = w.jammers.emitters_at(self.t, w.threats, self.alive) if len(w.jammers) else None
        dets = radar.scan(
            self.t,
            idx,
            p,
            alt,
            w.rcs_m2[idx],
            w.swerling[idx],
            self.radar_rng[r_index],
            region=region,
            emitters=emitters,
            n_threats=w.n_threats,
            false_alarm_rng=self.false_alarm_rng[r_index],
            vel_mps=v,
        )
        if len(dets) == 0 and len(held) == 0 and not region.sector:
            return  # cues only, nothing found: no track expected this look, nothing to log
        batch, meas = MeasurementBatch._from_radar_with_enu(
            self.t,
            r_index,
            radar.site.position_enu_m,
            radar.site.rot,
            dets.range_m,
            dets.az_rad,
            dets.el_rad,
            dets.sigma_range_m,
            dets.sigma_az_rad,
            dets.sigma_el_rad,
        )

        def expected(ids: NDArray[np.int64], x: NDArray[np.float64]) -> NDArray[np.bool_]:
            # Tracks this scan could have seen: in the searched sector, or held by a
            # fire-control radar (not merely cued: a failed acquisition says little), and
            # in coverage over the terrain.
            if not region.sector and not len(held):
                return np.zeros(len(ids), dtype=bool)  # cue windows only: nothing expected
            held_mask = member(ids, held_set) if len(held) else None
            return radar.covers_enu(x[:, :3], sector=region.sector, extra=held_mask)

        res = tracker.step(batch, expected=expected)
        truth = self.track_truth[unit]
        # A track's truth is the threat of the last real detection that fed it; a track fed
        # only by false alarms stays -1, so the command post never engages it.
        # (a scan's few detections: Python ints cost less than array calls)
        det_track = res.det_track_id
        fed = list(zip(det_track.tolist(), dets.threat_id.tolist(), strict=True))
        truth.update((k, i) for k, i in fed if k >= 0 and i >= 0)
        for k, i in fed:
            if k >= 0 and i < 0:
                truth.setdefault(k, -1)
        roles: list[str] | None = None
        if channels is not None and len(dets):
            before = set(channels.held)
            confirmed: set[int] = set()
            if not all(k in before for k in det_track.tolist()):
                tr = tracker.tracks
                confirmed = set(tr.ids[tr.confirmed].tolist())
            in_sector = (
                radar.in_sector(dets.az_rad, dets.el_rad) if radar.spec.autonomous_search else None
            )
            is_held = channels.update(
                self.t, det_track, dets.range_m, confirmed, engaged, in_sector
            )
            was = member(det_track, before)
            roles = [
                ("track" if w_ else "acquired") if h else ""
                for h, w_ in zip(is_held.tolist(), was.tolist(), strict=True)
            ]
            det_track = np.where(is_held, det_track, -1)
        self.command_posts[unit].note_detections(r_index, self.t, det_track)
        uname = w.units[unit].name
        if len(dets):
            if meas is None:
                meas = radar.measured_enu_m(dets)
            self.log.add_batch(
                self.t,
                "detection",
                len(dets),
                sensor=radar.name,
                unit=uname,
                threat_id=dets.threat_id,
                track_id=res.det_track_id,
                threat_type=self._threat_type_or_blank[dets.threat_id],
                x_m=meas[:, 0],
                y_m=meas[:, 1],
                z_m=meas[:, 2],
                range_m=dets.true_range_m,
                snr_db=dets.snr_db,
                detail=detection_details(dets, roles),
            )

        def truths(ids: NDArray[np.int64]) -> NDArray[np.int64]:
            return np.array([truth.get(k, -1) for k in ids.tolist()], dtype=np.int64)

        if len(res.started):
            self.log.add_batch(
                self.t,
                "track_start",
                len(res.started),
                track_id=res.started,
                unit=uname,
                sensor=radar.name,
                threat_id=truths(res.started),
            )
        if len(res.confirmed):
            self.log.add_batch(
                self.t,
                "track_confirmed",
                len(res.confirmed),
                track_id=res.confirmed,
                unit=uname,
                threat_id=truths(res.confirmed),
            )
        if len(res.deleted):
            self.log.add_batch(
                self.t,
                "track_end",
                len(res.deleted),
                track_id=res.deleted,
                unit=uname,
                detail=np.asarray(res.deleted_reason, dtype=str),
                threat_id=truths(res.deleted),
            )
            cp = self.command_posts[unit]
            for tid in res.deleted.tolist():
                cp.forget_track(tid)

    # -- command and launch -----------------------------------------------------------
    def _decide(self, u_index: int) -> None:
        """A decision cycle of a battalion (``u_index`` >= 0) or of the regiment (-1).
        Battalions under the regiment do not decide for themselves."""
        if u_index < 0:
            if self.regiment is None:
                raise RuntimeError(f"regiment decision event {u_index} without a regiment")
            if not self.net.command_post_up(-1):
                return
            self._push(self.t + self.regiment.spec.cycle_s, _DECIDE, "decide", u_index)
            orders = self.regiment.decide(self.t, self.log)
        else:
            cp = self.command_posts[u_index]
            if self.w.units[u_index].regiment and not self.net.autonomous[u_index]:
                return
            self._push(self.t + cp.unit.cp.cycle_s, _DECIDE, "decide", u_index)
            scoot = self.net.scoot.get(u_index)
            if self.net.moving[self.net.cp_node[u_index]] or (
                scoot is not None and scoot.battalion and scoot.due(-1, self.t)
            ):
                return  # off line, or holding fire until its missiles are down to move
            orders = cp.decide(self.t, self.alive, self.log)
        for order in orders:
            self._pending_launches += 1
            self._push(order.time_s, _LAUNCH, "launch", order)

    def _assess(self, payload: tuple[int, int]) -> None:
        """Kill assessment of a battalion's engagement (the regiment reads it from there)."""
        self.command_posts[payload[0]].assess(payload[1], self.alive)

    def _launch(self, order: LaunchOrder) -> None:
        self._pending_launches -= 1
        w = self.w
        cp = self.command_posts[order.unit]
        est = cp.track_estimate(order.track_id, self.t)
        if est is None or not self.alive[order.threat_id]:
            cp.cancel(order)
            return
        if not (self.net.launcher_up(order.launcher) and self.net.radar_up(order.radar)):
            self._launch_lost(order)
            return
        cp.launched(order)
        key = self.icp.add(order.unit, order.track_id, order.threat_id, order.radar, order.missile)
        if key >= len(self._icp_threat):
            self._icp_threat = np.concatenate([self._icp_threat, np.full(key + 64, -1)])
        self._icp_threat[key] = order.threat_id
        pos = w.launcher_pos_m[order.launcher]
        fid = int(
            self.fly.launch(
                np.array([order.missile]),
                pos[None, :],
                self.t,
                np.array([key]),
                order.aim_point_m[None, :],
                target_rcs_m2=w.rcs_m2[order.threat_id],
                target_span_m=w.span_m[order.threat_id],
            )[0]
        )
        self._icp_of_fly[fid] = key
        self.log.add(
            self.t,
            "launch",
            interceptor_id=key,
            unit=w.units[order.unit].name,
            launcher=w.launcher_names[order.launcher],
            missile_type=w.missile_names[order.missile],
            track_id=order.track_id,
            threat_id=order.threat_id,
            threat_type=w.threat_type[order.threat_id],
            sensor=w.radars[order.radar].name,
            pk=order.pk_planned,
            x_m=pos[0],
            y_m=pos[1],
            z_m=pos[2],
            **({} if w.launcher_unit[order.launcher] == order.unit else _REMOTE),
        )
        self._threat_reacts(order.threat_id, pos)
        if self.net.scoot:
            self._scoot_after_launch(order)
        plan = w.threat_plans[order.threat_id] if order.threat_id < len(w.threat_plans) else None
        if plan is not None and plan.break_turn is not None:
            self._push(self.t + 1.0, _BREAK, "break", (order.threat_id, fid))

    def _break_check(self, payload: tuple[int, int]) -> None:
        """Does threat i break now against interceptor ``fid`` (flyout id)? Breaks once
        the interceptor's time to go (range / closing speed) is within the type's
        ``break_time_to_go_s``; otherwise checks again when it will be (re-estimated each
        time, never more often than every 0.2 s)."""
        i, fid = payload
        if fid not in self._icp_of_fly or not self.alive[i]:
            return
        ids, pos, vel = self.fly.positions()
        row = np.flatnonzero(ids == fid)
        if row.size == 0:
            self._push(self.t + 1.0, _BREAK, "break", payload)
            return
        p_t, v_t, _ = self.w.threats.state_at(self.t, np.array([i]))
        r = p_t[0] - pos[row[0]]
        rng = float(np.linalg.norm(r))
        vc = -float(np.dot(r, v_t[0] - vel[row[0]])) / max(rng, 1e-9)
        plan = self.w.threat_plans[i]
        if plan is None:
            return
        t_go = rng / vc if vc > 0 else np.inf
        if t_go > plan.break_time_to_go_s:
            wait = (t_go - plan.break_time_to_go_s) if np.isfinite(t_go) else 2.0
            self._push(self.t + max(0.2, min(wait, 10.0)), _BREAK, "break", payload)
            return
        t_end = self._ensure_reactions().break_at(i, self.t, pos[row[0]])
        if t_end is not None:
            self._push(t_end, _THREAT_END, "threat_end", i)

    # -- interceptors -----------------------------------------------------------------
    def _truth(
        self, t: float, keys: NDArray[np.int64]
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        return self.w.threats.live_state_at(t, self._icp_threat[keys], self.alive)

    def _estimate(
        self, t: float, keys: NDArray[np.int64]
    ) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
        """Track estimates for command guidance: the last track update, extrapolated at
        constant velocity, or under gravity for tracks classified as ballistic."""
        n = len(keys)
        p = np.empty((n, 3))
        v = np.empty((n, 3))
        ballistic = np.empty(n, dtype=bool)
        snap = self._snap
        n_ballistic = extrapolate_snapshots(
            np.ascontiguousarray(keys, dtype=np.int64), float(t), snap.ok, snap.t_s,
            snap.pos_m, snap.vel_mps, self._icp_threat, self._is_ballistic, p, v, ballistic,
        )  # fmt: skip
        a = np.zeros((n, 3))
        if n_ballistic:
            for row in np.flatnonzero(ballistic).tolist():
                t0 = float(snap.t_s[keys[row]])
                g = gravity_enu_mps2(self.w.frame, p[row])
                p[row] += 0.5 * g * (t - t0) ** 2
                v[row] += g * (t - t0)
                a[row] = g
        return p, v, a

    def _ground(self, pos_m: NDArray[np.float64]) -> NDArray[np.float64]:
        return self.w.terrain_grid.elevation_m(pos_m[:, 0], pos_m[:, 1])

    def _advance_interceptors(self, t_end: float) -> None:
        """Fly the interceptors to ``t_end`` (never backwards: after an interceptor's end
        scheduled an event inside the interval, the loop handles that event at its own,
        earlier time while the flyout already stands at ``t_end``)."""
        if t_end <= self._fly_t:
            return
        self._fly_t = t_end
        if self.fly.n_in_flight == 0 or t_end <= self.t:
            return
        # Command guidance uses the track picture as of the last update (uplinked
        # estimate, extrapolated at constant velocity inside the interval).
        snap = self._snap = self._snap.fit(len(self._icp_threat))
        snap.ok[:] = False
        ids = self.fly.live_ids()
        # An interceptor whose radar is lost has no uplink: it flies on to its last
        # intercept point.
        icp, icp_of_fly, radar_up = self.icp, self._icp_of_fly, self.net.radar_up
        keys = [
            key for key in map(icp_of_fly.__getitem__, ids.tolist()) if radar_up(icp.radar[key])
        ]
        # Each unit predicts only the tracks its interceptors guide on.
        wanted: dict[int, list[int]] = {}
        for key in keys:
            wanted.setdefault(icp.unit[key], []).append(key)
        t = self.t
        for unit, unit_keys in wanted.items():
            tracks = [icp.track[key] for key in unit_keys]
            ids_u, x = self.command_posts[unit].track_states(t, tracks)
            if len(ids_u):
                store_snapshots(
                    np.array(unit_keys, dtype=np.int64), np.array(tracks, dtype=np.int64),
                    ids_u, x, float(t), snap.ok, snap.t_s, snap.pos_m, snap.vel_mps,
                )  # fmt: skip
        # flat ground at 0 m is the flyout's default: no terrain look-ups then
        ground = None if self.w.terrain_grid.flat_height_m == 0.0 else self._ground
        out = self.fly.advance(t_end, self._truth, self._estimate, ground)
        ids, pos, _ = self.fly.positions()
        if len(ids):
            self._traj.append((t_end, np.array([icp_of_fly[i] for i in ids.tolist()]), pos))
        if not len(out):
            return
        for j in np.argsort(out.time_s, kind="stable"):
            self._interceptor_end(
                int(out.interceptor_id[j]),
                str(out.kind[j]),
                float(out.time_s[j]),
                float(out.miss_m[j]),
                float(out.closing_speed_mps[j]),
                out.position_enu_m[j],
            )

    def _interceptor_end(
        self,
        fid: int,
        kind: str,
        t: float,
        miss_m: float,
        closing_speed_mps: float,
        pos: NDArray[np.float64],
    ) -> None:
        w = self.w
        key = self._icp_of_fly.pop(fid)
        threat = self.icp.threat[key]
        mtype = self.icp.missile[key]
        unit = self.icp.unit[key]
        self._traj.append((t, np.array([key]), pos[None, :].copy()))
        if kind == "intercept":
            spec = w.missile_specs[mtype]
            pk = float(
                intercept_pk(
                    spec,
                    miss_m,
                    closing_speed_mps,
                    w.vulnerable_area_m2[threat],
                    w.length_m[threat],
                )
            )
            killed = bool(self.alive[threat]) and bool(self.kill_rng.random() < pk)
            self.log.add(
                t,
                "intercept",
                interceptor_id=key,
                threat_id=threat,
                threat_type=w.threat_type[threat],
                missile_type=w.missile_names[mtype],
                unit=w.units[unit].name,
                track_id=self.icp.track[key],
                miss_m=miss_m,
                pk=pk,
                detail="kill" if killed else "miss",
                x_m=pos[0],
                y_m=pos[1],
                z_m=pos[2],
            )
            if killed:
                self._end_threat(threat, t, "kill", "", interceptor=key)
        self.log.add(
            t,
            "interceptor_end",
            interceptor_id=key,
            threat_id=threat,
            missile_type=w.missile_names[mtype],
            unit=w.units[unit].name,
            detail=kind,
            x_m=pos[0],
            y_m=pos[1],
            z_m=pos[2],
        )
        cp = self.command_posts[unit]
        done = cp.interceptor_done(self.icp.track[key], self.icp.radar[key])
        if done:
            self._push(
                t + cp.unit.cp.kill_assessment_delay_s,
                _ASSESS,
                "assess",
                (unit, self.icp.track[key]),
            )

    # -- the network under attack -----------------------------------------------------
    def _node_lost(self, node: int, threat: int, miss_m: float) -> None:
        """Node ``node`` is destroyed now by ``threat``: log it and apply what follows.

        A radar stops scanning and guiding (:meth:`_radar_down`); a launcher's missiles
        are lost with it; a battalion whose command post is lost fights on its own (it
        leaves the regiment's assignment), and so do all the regiment's battalions when
        the regiment's command post is lost.
        """
        w = self.w
        self.net.lose(node, self.t, threat, miss_m, self.log)
        kind, ref, unit = w.node_kind[node], int(w.node_ref[node]), int(w.node_unit[node])
        if kind == "radar":
            self._radar_down(ref)
            self._emission_changed(ref)
        elif kind == "launcher":
            self.inventory[ref] = 0
        elif unit >= 0:
            self._go_autonomous([unit])
        elif self.regiment is not None:
            self._go_autonomous([cp.unit.index for cp in self.regiment.battalions])

    def _emission(self, r: int) -> bool:
        """Whether radar ``r`` looks at this scan: alive, and emitting under its emission
        doctrine (re-decided here, at its scan times: c2/emcon.py). An on-cue radar that
        is alive looks; whether it emits is decided once its windows are planned."""
        net = self.net
        plan = net.emcon[r]
        if plan.mode == "continuous" or not net.alive[net.radar_node[r]]:
            return net.radar_up(r)
        if net.moving[net.radar_node[r]]:
            return False
        if plan.on_cue:
            return True
        ranges = self._arm_ranges(r) if plan.mode == "dark_on_arm" else None
        self._set_emission(r, plan.wants_on(self.t, arm_range_m=ranges), plan.reason())
        return net.radar_up(r)

    def _set_emission(self, r: int, on: bool, reason: str) -> None:
        if self.net.set_emitting(r, on, self.t, reason, self.log):
            if not on:
                self._radar_down(r)
            self._emission_changed(r)

    def _arm_ranges(self, r: int) -> NDArray[np.float64]:
        """Ranges from radar ``r`` of the confirmed tracks its battalion takes for
        anti-radiation missiles now: tracks updated within ``HOLD_SCANS`` scan periods of
        the battalion's slowest radar (a track still coasting after its missile is gone
        does not keep the radar dark)."""
        w = self.w
        radar = w.radars[r]
        tr = self.trackers[radar.unit].tracks
        fresh = HOLD_SCANS * max(w.radars[k].spec.scan_period_s for k in w.units[radar.unit].radars)
        keep = tr.confirmed & (self.t - tr.last_update_s <= fresh)
        truth = self.track_truth[radar.unit]
        rows = np.flatnonzero(keep)
        arm = [self.net.takes_for_arm(r, truth.get(int(tr.ids[k]), -1)) for k in rows.tolist()]
        if not any(arm):
            return np.zeros(0)
        sel = rows[np.array(arm, dtype=bool)]
        pos = tr.x[sel, :3] + tr.x[sel, 3:6] * (self.t - tr.time_s)
        return np.asarray(np.linalg.norm(pos - radar.site.position_enu_m, axis=1))

    def _emission_changed(self, r: int) -> None:
        """Radar ``r`` started or stopped emitting: the anti-radiation missiles sent
        against it re-plan their flights."""
        if self.arms is None:
            return
        for i in self.arms.threats:
            if self.arms.target_radar[i] == r:
                self._arm_seeker(i)

    def _arm_seeker(self, i: int) -> None:
        """Anti-radiation missile ``i`` (launched, alive) checks whether it hears its radar
        (up and in its seeker's band) and re-plans its flight when that changed: onto the
        radar, or onto where it remembers it (where it last heard it; before that, the
        radar's site as briefed) with its memory error (:mod:`samsim.physics.arm`)."""
        w = self.w
        if self.arms is None or not self.alive[i] or self.t < w.threats.t0_s[i]:
            return
        r = self.arms.target_radar[i]
        node = self.net.radar_node[r]
        hears = self.net.radar_up(r) and self.arms.models[i].hears(w.radars[r].spec.frequency_hz)
        known = self.net.pos_m[node] if self.arms.homing.get(i) else w.node_pos_m[node]
        table = self._ensure_reactions().table
        t_end = self.arms.update(self.t, i, table, hears, self.net.pos_m[node], known)
        if t_end is not None:
            self._push(t_end, _THREAT_END, "threat_end", i)

    def _scoot_after_launch(self, order: LaunchOrder) -> None:
        """Shoot-and-scoot of launchers: a launcher that has fired its share leaves once
        its last pending launch is done."""
        li = order.launcher
        u = int(self.w.launcher_unit[li])
        plan = self.net.scoot.get(u)
        if plan is None:
            return
        plan.launched(li)
        cp = self.command_posts[u]
        if not plan.battalion and plan.due(li, self.t) and cp.pending[li] == 0:
            self._scoot_depart(u, li)

    def _scoot_check(self, u: int) -> None:
        """Shoot-and-scoot of a battalion (every decision cycle): it leaves when its
        doctrine says so and none of its missiles is in flight or about to launch."""
        self._push(self.t + self.w.units[u].cp.cycle_s, _NET, "scoot_check", u)
        plan = self.net.scoot[u]
        if self.net.moving[self.net.cp_node[u]] or not plan.due(-1, self.t):
            return
        radars = set(self.w.units[u].radars)
        if any(self.icp.radar[key] in radars for key in self._icp_of_fly.values()):
            return
        if self.command_posts[u].pending[self.w.units[u].launchers].any():
            return
        self._scoot_depart(u, -1)

    def _scoot_depart(self, u: int, launcher: int) -> None:
        """Launcher ``launcher`` (or, -1, battalion ``u``) goes off line to move to its
        next site: its radars go dark, its launchers cannot fire."""
        plan = self.net.scoot[u]
        site = plan.depart(launcher)
        nodes = self.net.movers(u, launcher)
        for k in nodes:
            self.net.relocate(k, self.t, self.log)
            if self.w.node_kind[k] == "radar":
                r = int(self.w.node_ref[k])
                self._set_emission(r, False, "relocating")
                self.net.dark_reason[r] = "relocating"
        due = self.t + plan.doctrine.off_line
        self._push(due, _NET, "scoot_arrive", (u, launcher, site, tuple(nodes)))

    def _scoot_arrive(self, u: int, launcher: int, site: str, nodes: tuple[int, ...]) -> None:
        """The movers come up at ``site``: new positions (radars rebuilt there, their
        fire-control channels empty), launchers ready, radars emitting again."""
        w = self.w
        for k in nodes:
            if not self.net.alive[k]:
                continue
            self.net.relocate(k, self.t, self.log, arrive=site)
            pos = self.net.pos_m[k]
            kind, ref = w.node_kind[k], int(w.node_ref[k])
            if kind == "launcher":
                w.launcher_pos_m[ref] = pos
            elif kind == "radar":
                old = w.radars[ref]
                r = Radar(
                    old.name,
                    old.index,
                    old.unit,
                    old.spec,
                    w.frame,
                    pos,
                    w.terrain_grid,
                    old.azimuth_center_rad,
                    old.k_factor,
                )
                w.radars[ref] = r
                if ref in self.channels:
                    self.channels[ref] = FireControlChannels(r, HOLD_SCANS * r.spec.scan_period_s)
                plan = self.net.emcon[ref]
                if plan.mode == "continuous" or (not plan.on_cue and plan.wants_on(self.t)):
                    self._set_emission(ref, True, "relocating")
                else:  # its emission doctrine keeps it dark for now
                    self.net.dark_reason[ref] = plan.reason()
            for cp in self.command_posts:  # defend_nodes: the node's asset moves too
                if w.node_names[k] in cp.w.asset_names and cp.w is not w:
                    cp.w.asset_pos_m[cp.w.asset_names.index(w.node_names[k])] = pos
        if launcher < 0:
            self.net.scoot[u].arrived(self.t)

    def _go_autonomous(self, units: list[int]) -> None:
        for u in units:
            if self.net.autonomous[u]:
                continue
            self.net.autonomous[u] = True
            if self.w.units[u].regiment:
                if self.regiment is not None:
                    self.regiment.detach(u)
                self._push(self.t + self.w.units[u].cp.cycle_s, _DECIDE, "decide", u)

    def _radar_down(self, r: int) -> None:
        """Radar ``r`` stopped emitting (lost, dark or moving): the semi-active
        (track-via-missile) interceptors it guides lose their guidance and self-destruct;
        active ones fly on to their last predicted intercept point without uplink and may
        still lock on."""
        w = self.w
        fids = [
            fid
            for fid, key in self._icp_of_fly.items()
            if self.icp.radar[key] == r
            and w.missile_specs[self.icp.missile[key]].seeker_kind == "semi_active"
        ]
        if not fids:
            return
        out = self.fly.abort(np.array(sorted(fids), dtype=np.int64))
        for j in range(len(out)):
            self._interceptor_end(
                int(out.interceptor_id[j]),
                "guidance_lost",
                float(out.time_s[j]),
                float(out.miss_m[j]),
                float(out.closing_speed_mps[j]),
                out.position_enu_m[j],
            )

    def _launch_lost(self, order: LaunchOrder) -> None:
        """A launch that cannot happen because its launcher or its guidance radar is no
        longer up: the round is lost with a lost launcher (returned otherwise), the channel
        is released, and the engagement is assessed as if it had ended."""
        cp = self.command_posts[order.unit]
        cp.cancel(order)
        if not self.net.launcher_up(order.launcher):
            self.inventory[order.launcher] = 0
        eng = cp.engagements.get(order.track_id)
        if eng is not None and eng.active_missiles == 0 and eng.awaiting_assessment:
            delay = cp.unit.cp.kill_assessment_delay_s
            self._push(self.t + delay, _ASSESS, "assess", (order.unit, order.track_id))

    # -- outputs ----------------------------------------------------------------------
    def _trajectories(self, end_t: float) -> Any:
        from samsim.engine.trajectories import build_trajectories

        return build_trajectories(self.w, self.end_time_s, end_t, self.trajectory_dt_s, self._traj)


_WORLDS: dict[str, World] = {}
"""This process's compiled worlds by what they are built from
(:func:`samsim.scenario.digest.scenario_digest`: the scenario's content, the catalogue and
the bytes of the files it reads). Runs never modify a compiled world, so repeated runs of
an unchanged scenario (a study's sweep points, `simulate` called seed after seed) skip the
compile."""


def compiled_world(scenario: Scenario) -> World:
    """``compile_world(scenario)``, reused while this process has compiled a scenario with
    the same digest before (at most 16 worlds kept, oldest dropped first).

    The digest includes the bytes of a DEM the scenario reads: edit the file, or load the
    same scenario text from a folder with another DEM, and the world is compiled again.
    """
    key = scenario_digest(scenario)
    world = _WORLDS.get(key)
    if world is None:
        if len(_WORLDS) >= 16:
            _WORLDS.pop(next(iter(_WORLDS)))
        world = _WORLDS[key] = compile_world(scenario)
    return world


def simulate(scenario: Scenario, seed: int = 0, *, trajectory_dt_s: float = 1.0) -> Run:
    """Run one engagement.

    Parameters
    ----------
    scenario : Scenario
        A validated scenario (:func:`samsim.load_scenario`).
    seed : int
        Run seed (non-negative); the same scenario and seed give the same event log.
    trajectory_dt_s : float
        Sampling step of the recorded trajectories, s.

    Returns
    -------
    Run
        ``.events`` (Arrow table), ``.trajectories``, ``.summary`` (dict).
    """
    if not 0 <= int(seed) <= MAX_SEED:
        raise ValueError(f"seed must be a whole number from 0 to {MAX_SEED}, got {seed}")
    # Every matrix in the engine is tiny; a multi-threaded BLAS only adds thread wake-ups
    # (measured: 1.3x slower per run with OpenBLAS's default threads on 2 cores).
    with one_blas_thread():
        world = compiled_world(scenario)
        return Engine(world, seed, trajectory_dt_s=trajectory_dt_s).run()
