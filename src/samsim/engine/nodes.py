"""The defence as a network under attack: per-run health of its nodes (radars, launchers,
command posts), where they are and which radars emit.

The engine owns this state and every stage reads it: radars that are lost, dark or moving
do not scan; command posts plan only with the radars and launchers that are up
(:class:`samsim.c2.view.NetworkView`); a threat that ends its flight within its warhead's
lethal radius of nodes destroys them. What a loss does to the run (interceptors losing
their guidance, battalions fighting on their own) is applied by the engine loop
(:meth:`samsim.engine.loop.Engine._node_lost`).
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from samsim.c2.emcon import EmissionPlan
from samsim.c2.point_defence import NODE_ASSET_RADIUS_M, defended_nodes
from samsim.c2.scoot import ScootPlan
from samsim.physics.arm import ArmSeekers, arm_of
from samsim.rng import stream

if TYPE_CHECKING:
    from samsim.engine.events import EventLog
    from samsim.engine.world import World


class Network:
    """Node health, positions and radar emission of one run.

    Parameters
    ----------
    world : World
        The compiled scenario (its node lists; never modified).
    seed : int
        Run seed: the draws of ``node_kill_prob`` come from their own stream.
    """

    def __init__(self, world: World, seed: int) -> None:
        self.w = world
        self.seed = seed
        n = len(world.node_names)
        self.alive = np.ones(n, dtype=bool)
        self.lost_s = np.full(n, np.nan)
        self.pos_m = world.node_pos_m.copy()
        kinds = world.node_kind
        self.radar_node = {int(world.node_ref[k]): k for k in range(n) if kinds[k] == "radar"}
        self.launcher_node = {int(world.node_ref[k]): k for k in range(n) if kinds[k] == "launcher"}
        self.cp_node = {
            int(world.node_unit[k]): k for k in range(n) if kinds[k] == "command_post"
        }  # unit index -> node; -1: the regiment's
        #: Per radar: emitting now (a lost radar never emits again).
        self.emitting = np.ones(len(world.radars), dtype=bool)
        #: Per radar: its emission doctrine, and why it is dark now ("" when emitting).
        self.emcon = [
            EmissionPlan(world.scenario.units[world.units[r.unit].name].radars[r.name].emission)
            for r in world.radars
        ]
        self.dark_reason = [""] * len(world.radars)
        self._arm_rng: dict[int, np.random.Generator] = {}
        self._arm_taken: dict[tuple[int, int], bool] = {}
        #: Per unit: fights on its own (its command post or the regiment's was lost).
        self.autonomous = np.zeros(len(world.units), dtype=bool)
        self._rng: np.random.Generator | None = None
        self._remote = any(u.doctrine.engage_on_remote for u in world.units)
        self._intact = True
        #: Per node: off line, moving to another site (shoot-and-scoot).
        self.moving = np.zeros(n, dtype=bool)
        #: Per unit with a shoot-and-scoot doctrine, its plan.
        self.scoot = {
            u.index: ScootPlan(world.scenario.units[u.name].scoot)  # type: ignore[arg-type]
            for u in world.units
            if world.scenario.units[u.name].scoot is not None
        }

    # -- what the command posts read (c2.view.NetworkView) ----------------------------
    def radar_up(self, radar: int) -> bool:
        """Radar ``radar`` is alive and emitting (it can look, track and guide)."""
        k = self.radar_node[radar]
        return bool(self.emitting[radar]) and bool(self.alive[k]) and not self.moving[k]

    @property
    def intact(self) -> bool:
        """No node is lost or moving."""
        return self._intact

    def launcher_up(self, launcher: int) -> bool:
        """Launcher ``launcher`` is alive and emplaced."""
        k = self.launcher_node[launcher]
        return bool(self.alive[k]) and not self.moving[k]

    def command_post_up(self, unit: int) -> bool:
        """The command post of unit ``unit`` (-1: the regiment's) is alive."""
        k = self.cp_node.get(unit)
        return k is not None and bool(self.alive[k])

    def remote_launchers(self, unit: int) -> list[int]:
        """Other battalions' launchers that battalion ``unit`` may fire on its own
        fire-control tracks (engage on remote): those of battalions whose doctrine allows
        ``engage_on_remote`` and that have no fire-control radar up, while ``unit`` has
        one. Which missiles they may fire is the command post's decision (active
        seekers only)."""
        w = self.w
        if not self._remote or not any(self.radar_up(r) for r in w.units[unit].fire_control):
            return []
        out: list[int] = []
        for u in w.units:
            if u.index == unit or not u.doctrine.engage_on_remote:
                continue
            if any(self.radar_up(r) for r in u.fire_control):
                continue
            out.extend(li for li in u.launchers if self.launcher_up(li))
        return out

    # -- emission -----------------------------------------------------------------------
    def set_emitting(self, radar: int, on: bool, t: float, reason: str, log: EventLog) -> bool:
        """Radar ``radar`` starts (``on``) or stops emitting at ``t`` for ``reason``;
        logs ``emission_on`` / ``emission_off``. Returns whether it changed."""
        k = self.radar_node[radar]
        if bool(self.emitting[radar]) == on or not self.alive[k] or (on and self.moving[k]):
            return False
        self.emitting[radar] = on
        if on:
            reason, self.dark_reason[radar] = self.dark_reason[radar], ""
        else:
            self.dark_reason[radar] = reason
        r = self.w.radars[radar]
        log.add(
            t,
            "emission_on" if on else "emission_off",
            sensor=r.name,
            unit=self.w.units[r.unit].name,
            detail=reason,
        )
        return True

    def takes_for_arm(self, radar: int, threat: int) -> bool:
        """Whether the battalion of ``radar`` takes threat ``threat``'s track for an
        anti-radiation missile (its kind, recognised with the radar's
        ``arm_recognition_prob``: one draw per missile and radar, from the run's
        ``emcon:<radar>`` stream)."""
        w = self.w
        if threat < 0 or w.threat_kind[threat] != "anti_radiation_missile":
            return False
        key = (radar, threat)
        got = self._arm_taken.get(key)
        if got is None:
            p = self.emcon[radar].control.arm_recognition_prob
            if p >= 1.0:
                got = True
            else:
                rng = self._arm_rng.get(radar)
                if rng is None:
                    rng = self._arm_rng[radar] = stream(self.seed, f"emcon:{w.radars[radar].name}")
                got = bool(rng.random() < p)
            self._arm_taken[key] = got
        return got

    # -- shoot-and-scoot ----------------------------------------------------------------
    def movers(self, unit: int, launcher: int) -> list[int]:
        """The live nodes that move: launcher ``launcher``'s node, or (``launcher`` -1)
        every node of battalion ``unit``."""
        if launcher >= 0:
            k = self.launcher_node[launcher]
            return [k] if self.alive[k] else []
        return [k for k in np.flatnonzero(self.w.node_unit == unit).tolist() if self.alive[k]]

    def site_position_m(self, node: int, site: str) -> NDArray[np.float64]:
        """Where ``node`` stands at its battalion's site ``site``: its compiled place
        relative to the battalion's command post, moved with the command post."""
        w = self.w
        u = int(w.node_unit[node])
        shift = w.unit_sites_m[u][site] - w.units[u].position_m
        return np.asarray(w.node_pos_m[node] + shift, dtype=np.float64)

    def relocate(self, node: int, t: float, log: EventLog, arrive: str | None = None) -> None:
        """``node`` leaves its site (``arrive`` None) or comes up at site ``arrive``;
        logs its ``relocate`` event."""
        w = self.w
        if arrive is None:
            self.moving[node] = True
            self._intact = False
        else:
            self.moving[node] = False
            self.pos_m[node] = self.site_position_m(node, arrive)
            self._intact = bool(self.alive.all()) and not self.moving.any()
        u = int(w.node_unit[node])
        p = self.pos_m[node]
        log.add(
            t,
            "relocate",
            asset=w.node_names[node],
            unit=w.units[u].name,
            detail="depart" if arrive is None else "arrive",
            x_m=p[0],
            y_m=p[1],
            z_m=p[2],
        )

    # -- losses -----------------------------------------------------------------------
    def ground_distance_m(self, pos_m: NDArray[np.float64]) -> NDArray[np.float64]:
        """Distance of every node from ``pos_m`` along the ground (the separation
        projected on each node's local horizontal), m; infinite for a node on the move
        (it has left its site)."""
        d = self.pos_m - np.asarray(pos_m, dtype=float)[None, :]
        up = self.w.frame.up_enu(self.pos_m)
        h = d - np.sum(d * up, axis=1, keepdims=True) * up
        out = np.asarray(np.linalg.norm(h, axis=1), dtype=np.float64)
        out[self.moving] = np.inf
        return out

    def blast(self, threat: int, pos_m: NDArray[np.float64]) -> list[tuple[int, float]]:
        """Nodes destroyed by threat ``threat`` ending its flight at ``pos_m``: every
        live node within its type's ``node_lethal_radius_m`` (ground distance), each with
        probability ``node_kill_prob`` (one draw per node, in node order, from this run's
        ``nodes`` stream). Returns (node, distance) pairs; the caller applies the losses.
        """
        w = self.w
        spec = w.threat_spec[threat]
        radius = spec.node_lethal_radius_m
        if radius <= 0.0 or not self.alive.any():
            return []
        d = self.ground_distance_m(pos_m)
        out: list[tuple[int, float]] = []
        for k in np.flatnonzero(self.alive & (d <= radius)).tolist():
            if self._rng is None:
                self._rng = stream(self.seed, "nodes")
            if self._rng.random() < spec.node_kill_prob:
                out.append((int(k), float(d[k])))
        return out

    def lose(self, node: int, t: float, threat: int, miss_m: float, log: EventLog) -> None:
        """Mark ``node`` lost at ``t`` (by ``threat``) and log its ``node_lost`` event."""
        w = self.w
        self.alive[node] = False
        self.lost_s[node] = t
        self._intact = False
        kind = w.node_kind[node]
        unit = int(w.node_unit[node])
        ref = int(w.node_ref[node])
        if kind == "radar":
            self.emitting[ref] = False
        p = self.pos_m[node]
        log.add(
            t,
            "node_lost",
            asset=w.node_names[node],
            detail=kind,
            unit=w.units[unit].name if unit >= 0 else "",
            sensor=w.radars[ref].name if kind == "radar" else "",
            launcher=w.launcher_names[ref] if kind == "launcher" else "",
            threat_id=threat,
            threat_type=w.threat_type[threat] if threat >= 0 else "",
            miss_m=miss_m,
            x_m=p[0],
            y_m=p[1],
            z_m=p[2],
        )


def arm_seekers(world: World, seed: int) -> ArmSeekers | None:
    """The seekers of the world's anti-radiation missiles (None without any); their
    memory errors draw from the run's ``arm`` stream."""
    rows = [i for i, k in enumerate(world.threat_kind) if k == "anti_radiation_missile"]
    if not rows:
        return None
    target = {i: int(world.node_ref[world.threat_target_node[i]]) for i in rows}
    models = {i: arm_of(world.threat_spec[i]) for i in rows}
    return ArmSeekers(world.frame, rows, target, models, lambda: stream(seed, "arm"))


def defended_world(world: World, unit: int) -> World:
    """The world as a ``defend_nodes`` command post of ``unit`` sees it: the scenario's
    assets, then its battalion group's nodes as assets of value ``node_value``
    (:func:`samsim.c2.point_defence.defended_nodes`). A copy: the node assets' positions
    follow the nodes when they move (:meth:`Network.move`)."""
    attached = np.array([u.attached_to for u in world.units], dtype=np.int64)
    nodes = defended_nodes(unit, attached, world.node_unit)
    value = float(world.units[unit].doctrine.node_value)
    return dataclasses.replace(
        world,
        asset_names=[*world.asset_names, *(world.node_names[k] for k in nodes)],
        asset_pos_m=np.concatenate([world.asset_pos_m, world.node_pos_m[nodes]]),
        asset_value=np.concatenate([world.asset_value, np.full(nodes.size, value)]),
        asset_radius_m=np.concatenate(
            [world.asset_radius_m, np.full(nodes.size, NODE_ASSET_RADIUS_M)]
        ),
    )
