"""Noise jammers in the engine: where each one is and what it radiates at a given time.

A compiled :class:`JammerTable` (one row per emitter: stand-off jammers at a fixed point or
on a route, escort jammers flying with a raid group's lead, self-screening jammers carried
by every member of a group) gives the :class:`Emitters` radiating at time t; a radar turns
them into jammer-to-noise ratios with :meth:`samsim.sensors.radar.Radar.jnr_db`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from samsim.physics.threats import ThreatTable

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

#: Emitter placement kinds (column ``kind`` of :class:`JammerTable`).
FIXED, ROUTE, ESCORT, CARRIED = 0, 1, 2, 3
KIND_NAMES = ("fixed", "route", "escort", "carried")


@dataclass(frozen=True)
class Emitters:
    """Noise jammers radiating at one instant (one row per emitter).

    Attributes
    ----------
    pos_m : ndarray, shape (m, 3)
        Positions, scenario ENU, m.
    erp_w : ndarray, shape (m,)
        Effective radiated power toward the radar, ``P_j G_j``, W.
    bandwidth_hz : ndarray, shape (m,)
        Bandwidth the noise is spread over, Hz.
    center_hz : ndarray, shape (m,)
        Centre of the jammed band, Hz; NaN for a jammer tuned to every radar's carrier.
    losses_db : ndarray, shape (m,)
        Losses on the jamming path, dB.
    jammer : ndarray of int64, shape (m,)
        Row of the emitter's scenario entry (index into :attr:`JammerTable.names`).
    carrier_threat : ndarray of int64, shape (m,)
        Threat carrying the emitter (self-screening), -1 otherwise.
    """

    pos_m: FloatArray
    erp_w: FloatArray
    bandwidth_hz: FloatArray
    center_hz: FloatArray
    losses_db: FloatArray
    jammer: IntArray
    carrier_threat: IntArray

    def __len__(self) -> int:
        return int(self.erp_w.shape[0])

    def covering(self, frequency_hz: float) -> NDArray[np.bool_]:
        """Emitters whose band contains the carrier ``frequency_hz`` (tuned ones always)."""
        half = 0.5 * self.bandwidth_hz
        tuned = np.isnan(self.center_hz)
        with np.errstate(invalid="ignore"):
            inside = np.abs(frequency_hz - self.center_hz) <= half
        return np.asarray(tuned | inside, dtype=bool)

    @classmethod
    def none(cls) -> Emitters:
        """No emitter."""
        f = np.zeros(0)
        i = np.zeros(0, dtype=np.int64)
        return cls(np.zeros((0, 3)), f, f, f, f, i, i)


@dataclass
class JammerTable:
    """Every jammer emitter of a scenario, compiled (one row per emitter).

    Attributes
    ----------
    names : list of str
        Scenario names of the jammer entries.
    kinds : list of str
        ``"stand_off"``, ``"escort"`` or ``"self_screening"`` per entry.
    kind : ndarray of int64, shape (m,)
        :data:`FIXED`, :data:`ROUTE`, :data:`ESCORT` or :data:`CARRIED` per emitter.
    jammer : ndarray of int64, shape (m,)
        Entry of each emitter.
    fixed_pos_m : ndarray, shape (m, 3)
        Position of fixed emitters (unused rows zero).
    route_row : ndarray of int64, shape (m,)
        Row in :attr:`routes` of route emitters, -1 otherwise.
    threat_row : ndarray of int64, shape (m,)
        Threat followed (escort: the group's lead) or carrying (self-screening), -1 otherwise.
    erp_w, bandwidth_hz, center_hz, losses_db, on_s, off_s : ndarray, shape (m,)
        Figures and switching times of each emitter (``off_s`` inf: to the end).
    routes : ThreatTable or None
        Trajectories of route jammers (flown from time 0; the platform then stays at
        the last point).
    """

    names: list[str]
    kinds: list[str]
    kind: IntArray
    jammer: IntArray
    fixed_pos_m: FloatArray
    route_row: IntArray
    threat_row: IntArray
    erp_w: FloatArray
    bandwidth_hz: FloatArray
    center_hz: FloatArray
    losses_db: FloatArray
    on_s: FloatArray
    off_s: FloatArray
    routes: ThreatTable | None = None

    @classmethod
    def empty(cls) -> JammerTable:
        f = np.zeros(0)
        i = np.zeros(0, dtype=np.int64)
        return cls([], [], i, i, np.zeros((0, 3)), i, i, f, f, f, f, f, f, None)

    def __len__(self) -> int:
        return int(self.kind.shape[0])

    def emitters_at(self, t_s: float, threats: ThreatTable, alive: NDArray[np.bool_]) -> Emitters:
        """Emitters radiating at ``t_s``.

        An emitter radiates between its ``on_s`` and ``off_s``; an escort while its
        group's lead is flying (launched and not at its route's end, whether or not it was
        shot down: the escort is another aircraft); a self-screening jammer while its
        carrier is flying and alive.
        """
        if len(self) == 0:
            return Emitters.none()
        on = (self.on_s <= t_s) & (t_s <= self.off_s)
        pos = self.fixed_pos_m.copy()
        follow = (self.kind == ESCORT) | (self.kind == CARRIED)
        if follow.any():
            rows = self.threat_row[follow]
            p, _, _ = threats.state_at(t_s, rows)
            pos[follow] = p
            flying = threats.active(t_s)[rows]
            carried = self.kind[follow] == CARRIED
            flying &= ~carried | alive[rows]
            on[follow] &= flying
        route = self.kind == ROUTE
        if route.any() and self.routes is not None:
            p, _, _ = self.routes.state_at(max(t_s, 0.0), self.route_row[route])
            pos[route] = p
        k = np.flatnonzero(on)
        carrier = np.where(self.kind == CARRIED, self.threat_row, -1)
        return Emitters(
            pos_m=pos[k],
            erp_w=self.erp_w[k],
            bandwidth_hz=self.bandwidth_hz[k],
            center_hz=self.center_hz[k],
            losses_db=self.losses_db[k],
            jammer=self.jammer[k],
            carrier_threat=carrier[k],
        )
