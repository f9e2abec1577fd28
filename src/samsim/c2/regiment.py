"""The regiment command post: one fused picture over its battalions' track pictures,
and one weapon-target assignment over (battalion, missile type) weapons.

Fusion is track-to-track: each battalion keeps its own tracker (its radars feed it);
the regiment associates the battalions' confirmed tracks (chi-square gate on position,
global nearest neighbour) into fused tracks, each represented by its most accurate member.
Engagements are assigned to battalions, which guide them off their own tracks; a fused
track engaged by one battalion is not engaged by another unless doctrine allows it, and
a threat one battalion can no longer engage (track lost, out of reach, its engagements
used up) is handed over to another that can.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from samsim.c2.doctrine import AssignmentInput, assign, economy_weight
from samsim.c2.threat_eval import evaluate_threats
from samsim.lsap import linear_sum_assignment

if TYPE_CHECKING:
    from samsim.c2.command_post import CommandPost, LaunchOrder, Offer
    from samsim.c2.view import DefenceView, EventSink
    from samsim.scenario.models import Doctrine, Regiment
    from samsim.scenario.specs import CommandPostSpec

#: A fused member whose squared Mahalanobis distance to its fused track's best member
#: exceeds this many gates is split off (a wrong association is undone).
SPLIT_GATES = 4.0


def association_cost(
    pos_a_m: NDArray[np.float64],
    cov_a_m2: NDArray[np.float64],
    pos_b_m: NDArray[np.float64],
    cov_b_m2: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Squared Mahalanobis distance between every pair of tracks of two pictures.

    Parameters
    ----------
    pos_a_m, pos_b_m : ndarray, shapes (n, 3) and (m, 3)
        Track positions at the same time.
    cov_a_m2, cov_b_m2 : ndarray, shapes (n, 3, 3) and (m, 3, 3)
        Their position covariances.

    Returns
    -------
    ndarray, shape (n, m)
        d2_ij = (x_i - x_j)^T (P_i + P_j)^-1 (x_i - x_j).

    Notes
    -----
    The track-to-track association test of Bar-Shalom (1981), "On the track-to-track
    correlation problem", IEEE Trans. AC 26(2), neglecting the cross-covariance of the
    two tracks' errors (independent radars and trackers); d2 is chi-square with 3 degrees
    of freedom when both tracks follow one target.
    """
    diff = pos_a_m[:, None, :] - pos_b_m[None, :, :]
    s = cov_a_m2[:, None, :, :] + cov_b_m2[None, :, :, :]
    sol = np.linalg.solve(s, diff[..., None])[..., 0]
    return np.asarray(np.sum(diff * sol, axis=-1), dtype=np.float64)


def associate(cost: NDArray[np.float64], gate: float) -> list[tuple[int, int]]:
    """Global-nearest-neighbour pairs (i, j) with cost_ij <= gate (optimal assignment on
    the gated costs: :func:`samsim.lsap.linear_sum_assignment`, scipy's algorithm)."""
    if cost.size == 0:
        return []
    big = 1e12
    c = np.where(cost <= gate, cost, big)
    rows, cols = linear_sum_assignment(c)
    return [(int(i), int(j)) for i, j in zip(rows, cols, strict=True) if c[i, j] < big]


@dataclass
class FusedTrack:
    """A regiment track: the battalions' local tracks that follow one threat."""

    id: int
    members: dict[int, int] = field(default_factory=dict)  # battalion -> local track id


class TrackFusion:
    """Track-to-track fusion of several battalions' pictures into fused tracks with
    stable ids (see module docstring)."""

    def __init__(self, n_battalions: int, gate: float) -> None:
        self.n = n_battalions
        self.gate = gate
        self.tracks: dict[int, FusedTrack] = {}
        self.of_local: dict[tuple[int, int], int] = {}
        self._next = 0

    def _new(self) -> FusedTrack:
        ft = FusedTrack(self._next)
        self.tracks[ft.id] = ft
        self._next += 1
        return ft

    def _drop(self, b: int, local: int) -> None:
        fid = self.of_local.pop((b, local))
        ft = self.tracks[fid]
        del ft.members[b]
        if not ft.members:
            del self.tracks[fid]

    def update(self, offers: list[Offer]) -> list[FusedTrack]:
        """Fused tracks (ordered by id) after this cycle's local pictures.

        Local tracks that disappeared leave their fused track; members that drifted more
        than ``SPLIT_GATES`` gates from their fused track's best member are split off; the
        rest are associated, battalion by battalion, to fused tracks with no member from
        that battalion, or start a new fused track. Last, fused tracks with no battalion
        in common that now pass the gate are merged (:meth:`_merge`): two battalions'
        tracks of one threat that did not associate when they started (a ballistic
        missile first seen by each with errors of kilometres) become one fused track
        once their estimates agree.
        """
        rows = [{int(t): k for k, t in enumerate(o.track_ids.tolist())} for o in offers]
        for b, local in [key for key in self.of_local if key[1] not in rows[key[0]]]:
            self._drop(b, local)
        for ft in list(self.tracks.values()):
            if len(ft.members) < 2:
                continue
            best = self._best(ft, offers, rows)
            bo, br = offers[best], rows[best][ft.members[best]]
            for b, local in list(ft.members.items()):
                if b == best:
                    continue
                o, r = offers[b], rows[b][local]
                d2 = association_cost(
                    bo.pos_m[br : br + 1],
                    bo.cov_pos_m2[br : br + 1],
                    o.pos_m[r : r + 1],
                    o.cov_pos_m2[r : r + 1],
                )[0, 0]
                if d2 > SPLIT_GATES * self.gate:
                    self._drop(b, local)
        for b, o in enumerate(offers):
            new = [
                k for k, t in enumerate(o.track_ids.tolist()) if (b, int(t)) not in self.of_local
            ]
            if not new:
                continue
            cands = [ft for ft in self.tracks.values() if b not in ft.members]
            pairs: list[tuple[int, int]] = []
            if cands:
                ref = [self._best(ft, offers, rows) for ft in cands]
                pos = np.array(
                    [offers[r].pos_m[rows[r][cands[i].members[r]]] for i, r in enumerate(ref)]
                )
                cov = np.array(
                    [offers[r].cov_pos_m2[rows[r][cands[i].members[r]]] for i, r in enumerate(ref)]
                )
                cost = association_cost(o.pos_m[new], o.cov_pos_m2[new], pos, cov)
                pairs = associate(cost, self.gate)
            matched = {i: j for i, j in pairs}
            for i, k in enumerate(new):
                ft = cands[matched[i]] if i in matched else self._new()
                local = int(o.track_ids[k])
                ft.members[b] = local
                self.of_local[(b, local)] = ft.id
        self._merge(offers, rows)
        return [self.tracks[k] for k in sorted(self.tracks)]

    def _merge(self, offers: list[Offer], rows: list[dict[int, int]]) -> None:
        """Merge fused tracks that share no battalion and whose best members pass the
        gate, by global nearest neighbour on that cost (the older fused track keeps its
        id); repeated until no pair passes."""
        while len(self.tracks) > 1:
            fts = [self.tracks[k] for k in sorted(self.tracks)]
            ref = [self._best(ft, offers, rows) for ft in fts]
            pos = np.array(
                [offers[r].pos_m[rows[r][ft.members[r]]] for ft, r in zip(fts, ref, strict=True)]
            )
            cov = np.array(
                [
                    offers[r].cov_pos_m2[rows[r][ft.members[r]]]
                    for ft, r in zip(fts, ref, strict=True)
                ]
            )
            cost = association_cost(pos, cov, pos, cov)
            n = len(fts)
            for i in range(n):
                for j in range(n):
                    if j <= i or set(fts[i].members) & set(fts[j].members):
                        cost[i, j] = np.inf
            cost = np.where(np.isfinite(cost), cost, 1e13)
            pairs = [(i, j) for i, j in associate(cost, self.gate) if i < j]
            if not pairs:
                return
            used: set[int] = set()
            for i, j in pairs:
                if i in used or j in used:
                    continue
                used |= {i, j}
                keep, gone = fts[i], fts[j]
                for b, local in gone.members.items():
                    keep.members[b] = local
                    self.of_local[(b, local)] = keep.id
                del self.tracks[gone.id]

    @staticmethod
    def _best(ft: FusedTrack, offers: list[Offer], rows: list[dict[int, int]]) -> int:
        """The member battalion whose track has the smallest position covariance trace."""
        return min(
            ft.members,
            key=lambda b: (np.trace(offers[b].cov_pos_m2[rows[b][ft.members[b]]]), b),
        )


class RegimentCommandPost:
    """Assigns the engagements of its battalions over the fused picture.

    Parameters
    ----------
    world : DefenceView
        Assets, missile types and threat capabilities (the engine passes its world).
    regiment : Regiment
        The scenario's regiment section (battalions, doctrine, fusion gate).
    spec : CommandPostSpec
        The regiment command post's figures (its decision cycle).
    command_posts : list of CommandPost
        Every battalion's command post; the regiment's battalions are taken by name.
    """

    def __init__(
        self,
        world: DefenceView,
        regiment: Regiment,
        spec: CommandPostSpec,
        command_posts: list[CommandPost],
    ) -> None:
        self.w = world
        self.spec = spec
        self.doctrine: Doctrine = regiment.command_post.doctrine
        self.double_engagement = regiment.double_engagement
        names = [cp.unit.name for cp in command_posts]
        self.battalions = [command_posts[names.index(b)] for b in regiment.battalions]
        self.fusion = TrackFusion(len(self.battalions), regiment.fusion_gate)
        #: Battalions (positions in ``battalions``) that fight on their own: their command
        #: post was lost, so the regiment no longer assigns their engagements.
        self.detached: set[int] = set()

    def detach(self, unit_index: int) -> None:
        """Battalion ``unit_index`` (a world unit index) leaves the regiment's assignment."""
        for b, cp in enumerate(self.battalions):
            if cp.unit.index == unit_index:
                self.detached.add(b)

    def decide(self, t: float, log: EventSink) -> list[LaunchOrder]:
        """One regiment decision cycle: fuse, evaluate, assign, and have the battalions
        execute; returns their launch orders."""
        w = self.w
        offers = [cp.offer(t) for cp in self.battalions]
        fused = self.fusion.update(offers)
        if not fused:
            return []
        rows = [{int(tid): k for k, tid in enumerate(o.track_ids.tolist())} for o in offers]
        n_f, n_b, n_m = len(fused), len(offers), len(w.missile_names)
        pos = np.zeros((n_f, 3))
        vel = np.zeros((n_f, 3))
        acc = np.zeros((n_f, 3))
        threat = np.full(n_f, -1, dtype=np.int64)
        ballistic = np.zeros(n_f, dtype=bool)
        engageable = np.zeros(n_f, dtype=bool)
        member_row = np.full((n_b, n_f), -1, dtype=np.int64)
        best_b = np.zeros(n_f, dtype=np.int64)
        for f, ft in enumerate(fused):
            for b, local in ft.members.items():
                member_row[b, f] = rows[b][local]
            best = TrackFusion._best(ft, offers, rows)
            best_b[f] = best
            o, r = offers[best], rows[best][ft.members[best]]
            pos[f], vel[f], acc[f] = o.pos_m[r], o.vel_mps[r], o.acc_mps2[r]
            threat[f], ballistic[f] = o.threat[r], o.ballistic[r]
            mem = [(offers[b], rows[b][lt]) for b, lt in ft.members.items()]
            busy = any(bool(ob.busy[rr]) for ob, rr in mem)
            dead = any(bool(ob.dead[rr]) for ob, rr in mem)
            count = sum(int(ob.engagements[rr]) for ob, rr in mem)
            # a battalion that has given up on a threat (or lost it) hands it over: the
            # others may engage it while the regiment's own limit allows
            engageable[f] = (
                not dead
                and count < self.doctrine.max_engagements_per_target
                and (self.double_engagement or not busy)
            )
        pk = np.zeros((n_b * n_m, n_f))
        for b, o in enumerate(offers):
            has = member_row[b] >= 0
            cols = np.flatnonzero(has & engageable)
            if cols.size:
                pk[b * n_m : (b + 1) * n_m, cols] = o.pk[:, member_row[b, cols]]
        for b in self.detached:
            pk[b * n_m : (b + 1) * n_m] = 0.0
        if not (pk > 0).any():
            return []
        # the capability the best member's battalion takes the threat for
        cap = np.zeros(n_f)
        for f in np.flatnonzero(threat >= 0).tolist():
            cap[f] = self.battalions[best_b[f]].perceived_capability(threat[f : f + 1])[0]
        ta = evaluate_threats(
            pos, vel, cap, w.asset_pos_m, w.asset_value, w.asset_radius_m, acc_mps2=acc
        )
        threshold = self.doctrine.min_threat_value * float(w.asset_value.max())
        pk = np.where((ta.value >= threshold)[None, :], pk, 0.0)
        problem = AssignmentInput(
            values=ta.value,
            pk=pk,
            weight=np.tile([economy_weight(s, self.doctrine) for s in w.missile_specs], n_b),
            rounds=np.concatenate([o.rounds for o in offers]),
            groups=np.repeat(np.arange(n_b), n_m),
            group_targets=np.array([o.free_targets for o in offers], dtype=np.int64),
            group_engagements=np.array([o.free_engagements for o in offers], dtype=np.int64),
            max_per_target=2 if self.double_engagement else 1,
            ballistic=ballistic,
            asset_values=w.asset_value,
            asset_prob=ta.asset_prob,
        )
        x = assign(problem, self.doctrine)
        orders: list[LaunchOrder] = []
        for b, (cp, o) in enumerate(zip(self.battalions, offers, strict=True)):
            xb = x[b * n_m : (b + 1) * n_m]
            picks: list[tuple[int, int]] = []
            seen: set[int] = set()
            for m, f in np.argwhere(xb > 0).tolist():
                if f in seen:  # one engagement per battalion and target at a time
                    continue
                seen.add(f)
                picks.append((int(m), int(member_row[b, f])))
            if not picks:
                continue
            values_b = np.zeros(len(o.track_ids))
            mine = member_row[b] >= 0
            values_b[member_row[b, mine]] = ta.value[mine]
            orders += cp.execute(t, o, picks, values_b, log)
        return orders
