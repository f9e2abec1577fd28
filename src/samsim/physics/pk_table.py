"""Planning kill probability from the flyout itself: single-shot Pk tables.

For each (missile type, threat type) pair, a table of the single-shot kill probability
over the predicted intercept geometry (ground range of the intercept point, its
altitude, and the target's aspect), computed by Monte Carlo of the same 3-DOF flyout,
seeker, flight control, fuze and warhead models the engine flies. The command post plans
with it (:mod:`samsim.c2.command_post`), so what it expects of a shot is what the
engine will produce. Tables are cached on disk by the content of both specs; the ones of
the packaged catalogue's pairs ship with samsim (``physics/pk_tables.json``, built by
``tools/build_pk_tables.py``).
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike, NDArray

from samsim.jit import njit
from samsim.physics.envelope import REFERENCE_FRAME, _points, tof_table
from samsim.physics.flyout import Flyout, osculating_sphere
from samsim.physics.lethality import intercept_pk
from samsim.physics.missile import MissileSpec
from samsim.physics.toftable import _clip01, _search_right
from samsim.units import G0_MPS2, Mach

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from samsim.scenario.specs import ThreatSpec

#: Bump when the table's model or grid changes: cached and shipped tables of another
#: version are recomputed.
TABLE_VERSION = 4

#: Ground range of the intercept point as fractions of the type's published max range.
RANGE_FRACTIONS = np.array([0.03, 0.1, 0.2, 0.35, 0.5, 0.7, 0.9])
#: Target aspect: angle between the target's horizontal velocity and the direction from
#: the intercept point to the launcher (0 = flying straight at the launcher), rad.
ASPECTS_RAD = np.radians([0.0, 45.0, 90.0])
#: Version of the anti-radiation missiles' tables alone (their dive and altitude rows),
#: in their keys: bumping it recomputes those and leaves every other table as it is.
ARM_TABLE_VERSION = 2
#: Monte Carlo flights per cell.
RUNS_PER_CELL = 32
#: Seed of the tables' Monte Carlo (a table is a fixed function of the two specs).
TABLE_SEED = 20261207
#: A ballistic missile's reentry state in a table is taken from its own trajectory to
#: this fraction of the way from its minimum to its maximum range.
BALLISTIC_RANGE_FRACTION = 0.5
#: Version of the ballistic-missile target model of the tables, part of the key of a
#: ballistic type's tables only (the other tables keep theirs): 2 = the terminal weave
#: begins below the type's ``terminal_altitude_m``, as in the engine.
BALLISTIC_TARGET_VERSION = 2

_PACKAGED = "pk_tables.json"


@dataclass(frozen=True)
class PkTable:
    """Single-shot Pk of one missile type against one threat type.

    Attributes
    ----------
    missile, threat : str
    key : str
        Content hash of the two specs and the table version (what the table is valid for).
    range_fractions : ndarray, shape (nr,)
        Ground range of the intercept point / the type's ``max_range_m``.
    altitudes_m : ndarray, shape (na,)
    aspects_rad : ndarray, shape (nc,)
    pk : ndarray, shape (nc, na, nr)
        Mean single-shot Pk: intercepts weighted by their fuze-and-warhead Pk, every
        other end (ground, min speed, time limit) counted as 0.
    runs : int
        Monte Carlo flights per cell.
    max_range_m : float
    """

    missile: str
    threat: str
    key: str
    range_fractions: NDArray[np.float64]
    altitudes_m: NDArray[np.float64]
    aspects_rad: NDArray[np.float64]
    pk: NDArray[np.float64]
    runs: int
    max_range_m: float

    def lookup(
        self, ground_range_m: ArrayLike, altitude_m: ArrayLike, aspect_rad: ArrayLike
    ) -> NDArray[np.float64]:
        """Pk at intercept geometries (trilinear, clamped to the grid; broadcast).

        Notes
        -----
        Aspect is folded into [0, pi/2] (a target flying away from the launcher is
        treated as crossing: the table has no tail-chase cells); range beyond the grid
        takes the last column, altitude outside it the nearest row.
        """
        g, h, a = np.broadcast_arrays(
            np.asarray(ground_range_m, float),
            np.asarray(altitude_m, float),
            np.asarray(aspect_rad, float),
        )
        out = np.empty(g.shape)
        _trilinear_pk(
            np.ascontiguousarray(g).reshape(-1),
            np.ascontiguousarray(h).reshape(-1),
            np.ascontiguousarray(a).reshape(-1),
            float(self.max_range_m),
            np.ascontiguousarray(self.range_fractions, dtype=float),
            np.ascontiguousarray(self.altitudes_m, dtype=float),
            np.ascontiguousarray(self.aspects_rad, dtype=float),
            np.ascontiguousarray(self.pk, dtype=float),
            out.reshape(-1),
        )
        return out

    def to_json(self) -> dict[str, object]:
        return {
            "missile": self.missile,
            "threat": self.threat,
            "key": self.key,
            "range_fractions": self.range_fractions.tolist(),
            "altitudes_m": self.altitudes_m.tolist(),
            "aspects_rad": self.aspects_rad.tolist(),
            "pk": self.pk.tolist(),
            "runs": self.runs,
            "max_range_m": self.max_range_m,
        }

    @staticmethod
    def from_json(d: dict[str, object]) -> PkTable:
        return PkTable(
            str(d["missile"]),
            str(d["threat"]),
            str(d["key"]),
            np.asarray(d["range_fractions"], float),
            np.asarray(d["altitudes_m"], float),
            np.asarray(d["aspects_rad"], float),
            np.asarray(d["pk"], float),
            int(d["runs"]),  # type: ignore[call-overload]
            float(d["max_range_m"]),  # type: ignore[arg-type]
        )


@njit(cache=True, inline="always")
def _index_point(grid: NDArray[np.float64], x: float) -> tuple[int, float]:
    """Lower index and fraction of x on an increasing grid, clamped to its ends."""
    if grid.shape[0] == 1:
        return 0, 0.0
    i = min(max(_search_right(grid, x) - 1, 0), grid.shape[0] - 2)
    return i, _clip01((x - grid[i]) / (grid[i + 1] - grid[i]))


@njit(cache=True)
def _trilinear_pk(
    ground_m: NDArray[np.float64],
    alt_m: NDArray[np.float64],
    aspect_rad: NDArray[np.float64],
    max_range_m: float,
    range_fractions: NDArray[np.float64],
    altitudes_m: NDArray[np.float64],
    aspects_rad: NDArray[np.float64],
    pk: NDArray[np.float64],
    out: NDArray[np.float64],
) -> None:
    """Kernel of :meth:`PkTable.lookup`, point by point.

    Range fraction g / R_max, altitude and aspect min(|a|, pi/2), each located on its
    grid (:func:`_index_point`: clamped index and fraction); the Pk is the sum over the
    8 corners, aspect outermost and range innermost, of w_a w_h w_r Pk[corner] (w the
    fraction or one minus it), added in that order from 0 as the former array code.
    """
    n_c, n_a, n_r = pk.shape[0], pk.shape[1], pk.shape[2]
    for k in range(ground_m.shape[0]):
        a = abs(aspect_rad[k])
        if not (math.isnan(a) or a <= math.pi / 2):
            a = math.pi / 2
        ir, fr = _index_point(range_fractions, ground_m[k] / max_range_m)
        ih, fh = _index_point(altitudes_m, alt_m[k])
        ia, fa = _index_point(aspects_rad, a)
        acc = 0.0
        for da in range(2):
            wa = fa if da else 1.0 - fa
            for dh in range(2):
                wh = fh if dh else 1.0 - fh
                for dr in range(2):
                    wr = fr if dr else 1.0 - fr
                    acc = (
                        acc
                        + wa
                        * wh
                        * wr
                        * pk[min(ia + da, n_c - 1), min(ih + dh, n_a - 1), min(ir + dr, n_r - 1)]
                    )
        out[k] = acc


def table_key(missile: MissileSpec, threat: ThreatSpec) -> str:
    """Content hash of what a table depends on: both specs and the table version (and
    for an anti-radiation or ballistic missile its target model's own version)."""
    parts: list[object] = [
        TABLE_VERSION,
        missile.model_dump(mode="json"),
        threat.model_dump(mode="json"),
    ]
    if threat.kind == "ballistic_missile":
        parts.append(["ballistic", BALLISTIC_TARGET_VERSION])
    if threat.kind == "anti_radiation_missile":
        parts.append(ARM_TABLE_VERSION)
    blob = json.dumps(parts, sort_keys=True)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:24]


def threat_altitudes_m(threat: ThreatSpec) -> NDArray[np.float64]:
    """Altitude rows of a table: where the threat type is intercepted."""
    if threat.kind == "ballistic_missile":
        return np.array([5e3, 12e3, 20e3])
    h = float(threat.altitude_m or 0.0)
    if threat.kind == "anti_radiation_missile":  # intercepted in its dive
        return np.unique(np.array([300.0, 1e3, 4e3, max(h, 4e3)]))
    if threat.kind == "aircraft":
        return np.unique(np.array([1e3, max(h, 1.5e3), 14e3]))
    return np.unique(np.array([max(h, 10.0), 2e3]))


def ballistic_reentry(
    threat: ThreatSpec, altitudes_m: ArrayLike
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Speed (m/s) and dive angle (rad) of a ballistic threat type at altitudes on its way
    down, from its own boosted trajectory (:func:`samsim.physics.threats.
    ballistic_missile_trajectory`, its terminal weave left out) to the middle of its
    range class."""
    from samsim.physics.threats import ballistic_missile_of, ballistic_missile_trajectory

    spec = threat.model_copy(update={"terminal_manoeuvre": "none"})
    lo, hi = float(threat.min_range_m or 0.0), float(threat.max_range_m or 0.0)
    rng_m = lo + BALLISTIC_RANGE_FRACTION * (hi - lo)
    frame = REFERENCE_FRAME
    tr = ballistic_missile_trajectory(
        frame, (45.0, 0.0), (45.0 + rng_m / 111.2e3, 0.0), 0.0, ballistic_missile_of(spec)
    )
    apogee = int(np.argmax(tr.alt_m))
    alt = tr.alt_m[apogee:][::-1]  # increasing on the way down, reversed
    vel = tr.vel_mps[apogee:][::-1]
    up = frame.up_enu(tr.pos_m[apogee:][::-1])
    speed = np.linalg.norm(vel, axis=1)
    dive = np.arcsin(np.clip(-np.sum(vel * up, axis=1) / np.maximum(speed, 1e-9), -1.0, 1.0))
    h = np.asarray(altitudes_m, dtype=float)
    return np.interp(h, alt, speed), np.interp(h, alt, dive)


def _threat_speed(threat: ThreatSpec, altitude_m: float) -> float:
    v = threat.speed_mps
    if isinstance(v, Mach):
        from samsim.physics.atmosphere import speed_of_sound_mps

        return v.to_mps(float(speed_of_sound_mps(altitude_m)))
    return float(v or 0.0)


def compute_pk_table(
    missile: MissileSpec,
    threat: ThreatSpec,
    threat_name: str = "",
    runs_per_cell: int = RUNS_PER_CELL,
    seed: int = TABLE_SEED,
) -> PkTable:
    """Monte Carlo single-shot Pk table of a missile type against a threat type.

    Notes
    -----
    Each cell (intercept ground range r, altitude h, aspect chi) is flown
    ``runs_per_cell`` times in one batch of the engine's flyout with its seeker noise:
    the launcher at the origin of the reference frame, the missile launched at t = 0 at
    the intercept point P (ground range r due north, altitude h), the target arriving
    at P at the type's nominal time of flight T(P) on a straight line at the threat
    type's speed (level for waypoint movers; for ballistic missiles at the speed and dive
    angle its own trajectory to mid range class has at that altitude,
    :func:`ballistic_reentry`; for anti-radiation missiles in their straight dive at
    their speed, :mod:`samsim.physics.arm`, with altitude rows down to 300 m, where point
    defence meets them), its horizontal velocity at angle chi from the direction
    P -> launcher. The target manoeuvres as its type does near an interceptor:

    * a terminal weave (``terminal_manoeuvre: weave``): lateral acceleration
      a cos(omega t + phi) with a random phase (the intercept may fall anywhere in it);
      a ballistic missile weaves as its trajectory does, only below its
      ``terminal_altitude_m``: the weave y = A (1 - cos omega tau), A = a / omega^2,
      starts at the time t_w its straight path through the intercept point crosses that
      altitude, t_w = T(P) - max((h_w - h)_+ / v_down + u, 0), v_down its descent rate
      there and u uniform within half a weave period either way (the intercept altitudes
      around a cell's put the intercept anywhere in the weave); at or above h_w it does
      not weave;
    * an evasion (``evasion: beam | turn_away``): ``evasion_delay_s`` after the launch,
      a level turn at ``evasion_accel_mps2`` to fly perpendicular to (beam) or away from
      (turn away) the launcher, then straight;
    * a break (``endgame: break``): ``break_time_to_go_s`` before the nominal arrival, a
      level turn at ``break_accel_mps2`` to put the interceptor (coming from the
      launcher's side) abeam, then straight.

    A ballistic missile also falls under gravity (drag neglected over the last seconds),
    and mid-course guidance is given its state with gravity as its acceleration, as the
    engine's ballistic tracks are. The kill probability of a flight is the
    fuze-and-warhead Pk of its intercept (:func:`samsim.physics.lethality.intercept_pk`,
    the threat's vulnerable area and length) or 0 if it ended otherwise; the cell's Pk is
    the mean. Mid-course guidance uses the target's true state (no track error) and the
    terrain is flat: a table is the Pk of a well-tracked engagement over flat ground,
    which the engine's realised Pk is checked against (docs/validation.md).
    """
    frame = REFERENCE_FRAME
    alts = threat_altitudes_m(threat)
    r_m = RANGE_FRACTIONS * missile.max_range_m
    grid = np.array(np.meshgrid(ASPECTS_RAD, alts, r_m, indexing="ij")).reshape(3, -1).T
    n_cells = grid.shape[0]
    rows = np.repeat(np.arange(n_cells), runs_per_cell)
    chi, h, r = grid[rows, 0], grid[rows, 1], grid[rows, 2]
    n = rows.size
    tab = tof_table(missile)
    tof, _, ok = tab.lookup(r, h)
    t_arr = np.where(ok & np.isfinite(tof), tof, missile.max_flight_time_s)
    pip = _points(frame, r, h)
    c, _ = osculating_sphere(frame)
    up = (pip - c) / np.linalg.norm(pip - c, axis=1, keepdims=True)
    to_launcher = -pip + np.sum(pip * up, axis=1, keepdims=True) * up  # horizontal part
    to_launcher /= np.maximum(np.linalg.norm(to_launcher, axis=1, keepdims=True), 1e-9)
    side = np.cross(up, to_launcher)
    heading = np.cos(chi)[:, None] * to_launcher + np.sin(chi)[:, None] * side
    if threat.kind == "ballistic_missile":
        speed, dive = ballistic_reentry(threat, h)
        vel = speed[:, None] * (np.cos(dive)[:, None] * heading - np.sin(dive)[:, None] * up)
    elif threat.kind == "anti_radiation_missile":
        from samsim.physics.arm import arm_of

        # in its straight dive onto its radar, at the one speed it flies (physics/arm.py)
        arm = arm_of(threat)
        speed = np.full(n, arm.speed_mps)
        vel = arm.speed_mps * (math.cos(arm.dive_rad) * heading - math.sin(arm.dive_rad) * up)
    else:
        speed = np.array([_threat_speed(threat, float(a)) for a in h])
        vel = speed[:, None] * heading
    rng = np.random.default_rng([seed, TABLE_VERSION])
    phase = rng.uniform(0.0, 2.0 * math.pi, n)
    weave_a = threat.weave_accel_mps2 if threat.terminal_manoeuvre == "weave" else 0.0
    weave_w = 2.0 * math.pi / threat.weave_period_s
    # a ballistic missile's weave starts below its terminal altitude (threats.py applies
    # it from the first sample at or below it, phase 0); a random offset of up to half a
    # period either way stands for the intercept altitudes around the cell's (the phase
    # at intercept then falls anywhere in the weave)
    weave_start = np.full(n, -np.inf)
    if threat.kind == "ballistic_missile" and weave_a > 0.0:
        v_down = np.maximum(-np.sum(vel * up, axis=1), 1.0)
        lead = np.maximum(float(threat.terminal_altitude_m) - h, 0.0) / v_down
        jitter = (phase / (2.0 * math.pi) - 0.5) * threat.weave_period_s
        hw = float(threat.terminal_altitude_m)
        weave_start = np.where(h < hw, t_arr - np.maximum(lead + jitter, 0.0), np.inf)
    ev = threat.evasion if threat.kind == "aircraft" else "none"
    # heading change of the evasive turn: to fly perpendicular to the launcher's line of
    # sight (beam) or away from it
    dpsi_ev = np.zeros(n)
    if ev != "none":
        dpsi_ev = (math.pi / 2 - chi) if ev == "beam" else (math.pi - chi)
    breaks = threat.kind == "aircraft" and threat.endgame == "break"
    t_break = t_arr - threat.break_time_to_go_s

    ballistic = threat.kind == "ballistic_missile"
    grav = -G0_MPS2 * up if ballistic else np.zeros_like(up)

    def state(t: float, ids: NDArray[np.int64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Through the intercept point (under gravity for a ballistic missile), then the
        evasion, then the break."""
        u = up[ids]
        tau = (t - t_arr[ids])[:, None]
        p = pip[ids] + vel[ids] * tau + 0.5 * grav[ids] * tau * tau
        v = vel[ids] + grav[ids] * tau
        if ev != "none" and t > threat.evasion_delay_s:
            t0 = threat.evasion_delay_s
            p0 = pip[ids] + vel[ids] * (t0 - t_arr[ids])[:, None]
            p, v = _turn(p0, vel[ids], u, t - t0, threat.evasion_accel_mps2, dpsi_ev[ids])
        if breaks:
            late = t > t_break[ids]
            if late.any():
                k = ids[late]
                pb, vb = state_at_each(t_break[k], k)
                # beam the interceptor, which comes from the launcher's side of the PIP
                away = -to_launcher[k]
                beam = np.cross(up[k], away)
                h = vb / np.maximum(np.linalg.norm(vb, axis=1, keepdims=True), 1e-9)
                ang = np.arctan2(
                    np.sum(np.cross(h, beam) * up[k], axis=1), np.sum(h * beam, axis=1)
                )
                alt_ang = np.arctan2(
                    np.sum(np.cross(h, -beam) * up[k], axis=1), np.sum(h * -beam, axis=1)
                )
                dpsi = np.where(np.abs(ang) <= np.abs(alt_ang), ang, alt_ang)
                pl, vl = _turn(pb, vb, up[k], t - t_break[k], threat.break_accel_mps2, dpsi)
                p[late], v[late] = pl, vl
        return p, v

    def state_at_each(
        ts: NDArray[np.float64], ids: NDArray[np.int64]
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """State before any break (straight, then evasion) at a time per row."""
        u = up[ids]
        p = pip[ids] + vel[ids] * (ts - t_arr[ids])[:, None]
        v = vel[ids].copy()
        if ev != "none":
            t0 = threat.evasion_delay_s
            after = ts > t0
            if after.any():
                k = ids[after]
                p0 = pip[k] + vel[k] * (t0 - t_arr[k])[:, None]
                pe, ve = _turn(
                    p0, vel[k], u[after], ts[after] - t0, threat.evasion_accel_mps2, dpsi_ev[k]
                )
                p[after], v[after] = pe, ve
        return p, v

    def truth(t: float, ids: NDArray[np.int64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        p, v = state(t, ids)
        if weave_a > 0.0:
            amp = weave_a / weave_w**2
            s_ = side[ids]
            if ballistic:
                tau = t - weave_start[ids]
                on = tau > 0.0
                if on.any():
                    ta = np.where(on, tau, 0.0)
                    p += np.where(on, amp * (1.0 - np.cos(weave_w * ta)), 0.0)[:, None] * s_
                    v += np.where(on, amp * weave_w * np.sin(weave_w * ta), 0.0)[:, None] * s_
            else:
                ph = phase[ids]
                p += (amp * (np.cos(ph) - np.cos(weave_w * t + ph)))[:, None] * s_
                v += (amp * weave_w * np.sin(weave_w * t + ph))[:, None] * s_
        return p, v

    fly = Flyout(frame, [missile], rng=np.random.default_rng([seed, 1]), tof_tables=[tab])
    ids = fly.launch(
        np.zeros(n, dtype=np.int64),
        np.zeros((n, 3)),
        0.0,
        np.arange(n),
        pip,
        target_rcs_m2=threat.rcs_m2,
        target_span_m=threat.span_m,
    )

    def estimate(
        t: float, ids: NDArray[np.int64]
    ) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
        # what the engine uplinks: the track's state (here the truth), with gravity as its
        # acceleration for a ballistic track and none otherwise (the weave is not known)
        p, v = truth(t, ids)
        return p, v, grav[ids].copy()

    out = fly.advance(missile.max_flight_time_s + 1.0, truth, estimate)
    pk = np.zeros(n)
    hit = out.kind == "intercept"
    k = out.interceptor_id[hit] - int(ids[0])
    pk[k] = intercept_pk(
        missile,
        out.miss_m[hit],
        out.closing_speed_mps[hit],
        threat.vulnerable_area_m2,
        threat.length_m,
    )
    # rounded here, not when written, so that a computed table and its copy read back from
    # the cache (or the shipped file) are the same numbers: runs stay bit-for-bit
    # reproducible whether the table was computed in the run or not
    cell = np.round(pk.reshape(n_cells, runs_per_cell).mean(axis=1), 5)
    return PkTable(
        missile.name,
        threat_name,
        table_key(missile, threat),
        RANGE_FRACTIONS.copy(),
        alts,
        ASPECTS_RAD.copy(),
        cell.reshape(ASPECTS_RAD.size, alts.size, RANGE_FRACTIONS.size),
        runs_per_cell,
        float(missile.max_range_m),
    )


def _turn(
    p0: NDArray[np.float64],
    v0: NDArray[np.float64],
    up: NDArray[np.float64],
    dt: ArrayLike,
    accel_mps2: float,
    dpsi: NDArray[np.float64],
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """State dt after the start of a level turn at ``accel_mps2`` through the signed
    heading change dpsi (counterclockwise about up positive), then straight (rows)."""
    s0 = np.linalg.norm(v0, axis=1)
    w = accel_mps2 / np.maximum(s0, 1.0)
    e1 = v0 / np.maximum(s0, 1e-9)[:, None]
    e2 = np.cross(up, e1) * np.where(dpsi >= 0.0, 1.0, -1.0)[:, None]
    t_turn = np.abs(dpsi) / w
    d = np.broadcast_to(np.asarray(dt, dtype=float), s0.shape)
    ang = w * np.minimum(d, t_turn)
    rad = (s0 / w)[:, None]
    pa = p0 + rad * (np.sin(ang)[:, None] * e1 + (1.0 - np.cos(ang))[:, None] * e2)
    va = s0[:, None] * (np.cos(ang)[:, None] * e1 + np.sin(ang)[:, None] * e2)
    return pa + va * np.maximum(d - t_turn, 0.0)[:, None], va


def cache_dir() -> Path:
    """Where computed tables are kept: $SAMSIM_CACHE_DIR, else $XDG_CACHE_HOME/samsim or
    ~/.cache/samsim (created on first write)."""
    env = os.environ.get("SAMSIM_CACHE_DIR")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(Path.home(), ".cache")
    return Path(base) / "samsim"


@functools.cache
def _packaged() -> dict[str, dict[str, object]]:
    try:
        text = resources.files("samsim.physics").joinpath(_PACKAGED).read_text()
    except (FileNotFoundError, OSError):
        return {}
    data = json.loads(text)
    return {str(t["key"]): t for t in data.get("tables", [])}


@functools.lru_cache(maxsize=256)
def _pk_table_cached(missile_json: str, threat_json: str, threat_name: str) -> PkTable:
    from samsim.scenario.specs import ThreatSpec

    missile = MissileSpec.model_validate_json(missile_json)
    threat = ThreatSpec.model_validate_json(threat_json)
    key = table_key(missile, threat)
    shipped = _packaged().get(key)
    if shipped is not None:
        return PkTable.from_json(shipped)
    path = cache_dir() / "pk" / f"{key}.json"
    try:
        return PkTable.from_json(json.loads(path.read_text()))
    except (OSError, ValueError, KeyError):
        pass
    table = compute_pk_table(missile, threat, threat_name)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".tmp{os.getpid()}")
        tmp.write_text(json.dumps(table.to_json()))
        os.replace(tmp, path)
    except OSError:
        pass  # a read-only cache only costs the recomputation next time
    return table


#: JSON of the specs seen so far, by object identity: spec id -> (spec, its JSON). The
#: spec is held so that its id cannot be reused by another object while the entry lives.
_SPEC_JSON: dict[int, tuple[MissileSpec | ThreatSpec, str]] = {}


def _spec_json(spec: MissileSpec | ThreatSpec) -> str:
    """``spec.model_dump_json()``, serialised once per spec object.

    Specs are frozen pydantic models (assigning a field raises), so an object's JSON
    does not change; every new command post asks for the tables of the same specs.
    """
    got = _SPEC_JSON.get(id(spec))
    if got is not None and got[0] is spec:
        return got[1]
    if len(_SPEC_JSON) >= 1024:
        _SPEC_JSON.clear()
    text = spec.model_dump_json()
    _SPEC_JSON[id(spec)] = (spec, text)
    return text


def pk_table(missile: MissileSpec, threat: ThreatSpec, threat_name: str = "") -> PkTable:
    """The Pk table of a pair: shipped with samsim, cached on disk, or computed (a few
    seconds) and cached."""
    return _pk_table_cached(_spec_json(missile), _spec_json(threat), threat_name or threat.kind)


def pk_table_text(table: PkTable) -> str:
    """The table as text: one block per aspect, altitude rows, ground-range columns."""
    lines = [
        f"{table.missile}: single-shot Pk against {table.threat} (flyout Monte Carlo, "
        f"{table.runs} flights per cell; fuze and warhead Pk of each intercept, 0 for "
        "any other end)",
    ]
    head = " ".join(f"{f * table.max_range_m / 1e3:7.0f}" for f in table.range_fractions)
    for a, aspect in enumerate(table.aspects_rad):
        what = {0: "head-on", 90: "crossing"}.get(round(math.degrees(aspect)), "")
        lines.append(f"\naspect {math.degrees(aspect):.0f} deg {what}".rstrip())
        lines.append(f"{'alt km':>7} | ground range of the intercept point, km")
        lines.append(f"{'':>7} | {head}")
        for h, alt in enumerate(table.altitudes_m):
            row = " ".join(f"{p:7.2f}" for p in table.pk[a, h])
            lines.append(f"{alt / 1e3:7.2f} | {row}")
    return "\n".join(lines)


def plot_pk_table(table: PkTable) -> Figure:
    """One panel per aspect: Pk against intercept ground range, a line per altitude."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(10, 3.6), layout="constrained")
    axes = fig.subplots(1, table.aspects_rad.size, sharey=True)
    rng_km = table.range_fractions * table.max_range_m / 1e3
    for a, ax in enumerate(np.atleast_1d(axes)):
        for h, alt in enumerate(table.altitudes_m):
            ax.plot(rng_km, table.pk[a, h], marker="o", label=f"{alt / 1e3:g} km")
        ax.set_title(f"aspect {math.degrees(table.aspects_rad[a]):.0f} deg")
        ax.set_xlabel("intercept ground range, km")
        ax.set_ylim(-0.02, 1.02)
        ax.grid(alpha=0.3)
    np.atleast_1d(axes)[0].set_ylabel("single-shot Pk")
    np.atleast_1d(axes)[-1].legend(title="altitude", fontsize=8)
    fig.suptitle(f"{table.missile} against {table.threat}: single-shot Pk from the flyout")
    return fig
