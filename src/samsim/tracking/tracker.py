"""The multi-target tracker: configuration, track table, and the scan-by-scan step.

One :class:`Tracker` holds every track as rows of arrays. Each :meth:`Tracker.step` takes
one sensor's :class:`MeasurementBatch` (batches in time order, from any number of sensors:
centralised measurement fusion) and runs predict -> gate -> associate -> update ->
confirm/delete -> initiate, with no Python loop over tracks.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any, Literal, TypeVar

import numpy as np
from numpy.typing import ArrayLike, NDArray

import samsim.jit as nb  # numba.njit, built on first call
from samsim.lsap import _solve
from samsim.tracking.association import (
    _BRUTE_FORCE_PAIRS,
    _DENSE_ASSIGNMENT_ENTRIES,
    _FORBIDDEN,
    GatedPairs,
    _cluster_matrices_kernel,
    _gate_every_pair,
    _gnn_simple,
    gate,
    gate_states,
    gnn_assign,
    jpda_probabilities,
)
from samsim.tracking.bounds import prediction_bounds
from samsim.tracking.filters import (
    _LOG_2PI,
    _kf_update_row_n,
    gaussian_loglik,
    imm_combine,
    imm_mix,
    imm_transition_matrix,
    kalman_update_position,
)
from samsim.tracking.measurements import MeasurementBatch
from samsim.tracking.models import (
    _NO_ROWS,
    ConstantAcceleration,
    ConstantVelocity,
    CoordinatedTurn,
    KnownTurn,
    MotionModel,
    StateLayout,
    _imm_predict_kernel,
    _imm_predict_kernel_373,
    _imm_predict_states,
)

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

#: Callable form of the ``expected`` argument of :meth:`Tracker.step`.
ExpectedFn = Callable[[IntArray, FloatArray], ArrayLike]


@dataclass(frozen=True)
class TrackerConfig:
    """Everything that shapes the tracker; defaults suit air-defence radars with 1-10 s scans.

    Attributes
    ----------
    dims : int
        Spatial dimensions: 3 (ENU x, y, z; the default) or 2 (x, y; for planar studies and the
        Stone Soup comparison).
    model : {"imm", "cv", "ca", "ct", "imm_known_turn"}
        Motion model. ``"imm"``: IMM of a quiet nearly-constant-velocity model, a coordinated
        turn with estimated turn rate, and (unless ``q_manoeuvre_m2ps3`` is None) a
        high-noise CV model that keeps manoeuvre onsets inside the gate while the turn model
        learns the rate (state ``[p, v, omega]``). ``"cv"``: nearly-constant velocity
        (``[p, v]``). ``"ca"``: nearly-constant acceleration (``[p, v, a]``). ``"ct"``: the
        coordinated turn alone. ``"imm_known_turn"``: IMM of CV and two turns at
        +-``known_turn_radps`` (``[p, v]``, all linear).
    q_m2ps3 : float
        Acceleration noise power spectral density per axis of the CV model, m^2/s^3. The
        default 2 m^2/s^3 gives about 4.5 m/s of velocity wander over 10 s: straight flight.
    q_turn_model_m2ps3 : float
        Same, for the turn models of the IMM (and ``"ct"``), m^2/s^3.
    q_manoeuvre_m2ps3 : float or None
        Same, for the IMM's third ("manoeuvre") mode, m^2/s^3; the default 2500 = (5 g)^2 x 1 s.
        None drops the mode (a two-mode CV + CT IMM).
    q_turn_rad2ps3 : float
        Turn-rate random-walk spectral density of the coordinated turn, rad^2/s^3; the default
        lets the rate move ~0.1 rad/s in 1 s, which lets the IMM's turn mode pick up a turn
        quickly; a stand-alone ``"ct"`` tracker of mostly straight targets wants ~1e-3.
    q_ca_m2ps5 : float
        Jerk noise spectral density of the CA model, m^2/s^5.
    known_turn_radps : float
        Turn rate of the ``"imm_known_turn"`` turn models, rad/s (0.2 rad/s is a 5 g turn at
        245 m/s).
    imm_sojourn_s : tuple of float or None
        Mean time in each IMM mode, s, in mode order (CV first); None gives 20 s in CV and
        10 s in each turn model (``"imm"``: 20, 10, 5 s with the manoeuvre mode).
    imm_initial_prob : tuple of float or None
        Mode probabilities of a new track (same order), normalised; None gives 0.6 for CV and
        the rest shared equally.
    gate_prob : float
        Probability P_G that the true measurement falls in the gate; the gate threshold is the
        chi-square quantile with ``dims`` degrees of freedom.
    gate_value : float or None
        Explicit gate threshold on the squared Mahalanobis distance; overrides ``gate_prob``.
    gate_limit : int or None
        Most measurements a track's gate considers: when more than this many fall inside
        a track's Euclidean pre-gate (a dense raid of targets closer together than the
        radar's accuracy), only the nearest ``gate_limit`` are tested (None: no limit).
        Bounds association work at O(tracks x gate_limit) per scan; below the limit the
        gate is exact.
    association : {"gnn", "jpda"}
        Global nearest neighbour (one measurement per track) or joint probabilistic data
        association (all gated measurements, weighted).
    cost : {"loglik", "mahalanobis"}
        GNN pair cost: the negative log likelihood ratio d2/2 + ln sqrt|2 pi S| + ln(lambda/P_D)
        against a miss cost -ln(1 - P_D) (``"loglik"``, which prefers precise tracks over vague
        ones for the same distance), or the squared Mahalanobis distance d2 against a miss cost
        equal to the gate (``"mahalanobis"``, Stone Soup's choice).
    pd : float
        Detection probability assumed by the association and track score.
    clutter_density : float
        Spatial density of false alarms, per m^3 (per m^2 when ``dims`` = 2). Used by the
        ``"loglik"`` cost, JPDA, and the track score.
    confirm_m, confirm_n : int
        M-of-N confirmation: a tentative track is confirmed once it has ``confirm_m`` hits,
        counting its initiating detection, within its first ``confirm_n`` opportunities
        (scans that were expected to see it), and deleted as soon as that is impossible.
    max_misses : int
        A confirmed track is deleted after this many consecutive missed opportunities
        (``deletion="misses"``).
    deletion : {"misses", "score"}
        Deletion rule for confirmed tracks: consecutive misses, or a drop of the track's log
        likelihood-ratio score below its peak by ``score_drop``.
    score_drop : float
        Score drop that deletes a confirmed track (``deletion="score"``); 6.9 = ln 1000.
    max_coast_s : float
        Delete any track not updated for this long, s (inf: off). The default 60 s ends
        tracks that left every radar's coverage (which count no misses) within a minute.
    max_pos_sigma_m : float
        Delete any track whose position standard deviation (sqrt of the trace of the position
        covariance) exceeds this, m (inf: off).
    init_speed_sigma_mps : float
        Standard deviation of each velocity component of a new track (mean 0), m/s.
    init_accel_sigma_mps2 : float
        Same for acceleration (``"ca"``), m/s^2.
    init_turn_sigma_radps : float
        Same for the turn rate (turn models), rad/s.
    init_from_gated : bool
        Start a tentative track from every measurement left unassigned (True), or only from
        those outside every track's gate (False). Under JPDA only the latter applies.
    first_id : int
        Id of the first track; ids then increase by one and are never reused.
    jpda_max_events : int
        Largest number of joint events enumerated exactly per JPDA cluster.
    keep_provenance : bool
        Keep the full (time, sensor, detection, track) history of updates for
        :meth:`Tracker.provenance`.
    """

    dims: int = 3
    model: Literal["imm", "cv", "ca", "ct", "imm_known_turn"] = "imm"
    q_m2ps3: float = 2.0
    q_turn_model_m2ps3: float = 2.0
    q_manoeuvre_m2ps3: float | None = 2500.0
    q_turn_rad2ps3: float = 0.01
    q_ca_m2ps5: float = 1.0
    known_turn_radps: float = 0.2
    imm_sojourn_s: tuple[float, ...] | None = None
    imm_initial_prob: tuple[float, ...] | None = None
    gate_prob: float = 0.999
    gate_value: float | None = None
    gate_limit: int | None = 32
    association: Literal["gnn", "jpda"] = "gnn"
    cost: Literal["loglik", "mahalanobis"] = "loglik"
    pd: float = 0.9
    clutter_density: float = 1e-14
    confirm_m: int = 3
    confirm_n: int = 4
    max_misses: int = 4
    deletion: Literal["misses", "score"] = "misses"
    score_drop: float = 6.9
    max_coast_s: float = 60.0
    max_pos_sigma_m: float = math.inf
    init_speed_sigma_mps: float = 300.0
    init_accel_sigma_mps2: float = 30.0
    init_turn_sigma_radps: float = 0.05
    init_from_gated: bool = True
    first_id: int = 1
    jpda_max_events: int = 10_000
    keep_provenance: bool = True

    def __post_init__(self) -> None:
        def fail(name: str, fix: str) -> None:
            raise ValueError(f"TrackerConfig.{name} = {getattr(self, name)!r} is invalid: {fix}.")

        choices = {
            "model": ("imm", "cv", "ca", "ct", "imm_known_turn"),
            "association": ("gnn", "jpda"),
            "cost": ("loglik", "mahalanobis"),
            "deletion": ("misses", "score"),
        }
        for name, allowed in choices.items():
            if getattr(self, name) not in allowed:
                fail(name, f"use one of {', '.join(allowed)}")
        if self.dims not in (2, 3):
            fail("dims", "use 3 (x, y, z) or 2 (x, y)")
        if self.q_manoeuvre_m2ps3 is not None and not self.q_manoeuvre_m2ps3 > 0:
            fail("q_manoeuvre_m2ps3", "give a positive number or None")
        for name in (
            "q_m2ps3",
            "q_turn_model_m2ps3",
            "q_turn_rad2ps3",
            "q_ca_m2ps5",
            "clutter_density",
            "init_speed_sigma_mps",
            "init_accel_sigma_mps2",
            "init_turn_sigma_radps",
            "max_coast_s",
            "max_pos_sigma_m",
            "score_drop",
        ):
            v = getattr(self, name)
            if not (isinstance(v, int | float) and v > 0 and not math.isnan(v)):
                fail(name, "give a positive number")
        if not 0.0 < self.gate_prob < 1.0:
            fail("gate_prob", "give a probability strictly between 0 and 1")
        if self.gate_value is not None and not (
            self.gate_value > 0 and math.isfinite(self.gate_value)
        ):
            fail("gate_value", "give a positive finite chi-square threshold or None")
        if not 0.0 < self.pd < 1.0:
            fail("pd", "give a probability strictly between 0 and 1")
        if not (1 <= self.confirm_m <= self.confirm_n <= 62):
            fail("confirm_m", "need 1 <= confirm_m <= confirm_n <= 62")
        if self.max_misses < 1:
            fail("max_misses", "give a positive integer")
        if self.gate_limit is not None and not (
            isinstance(self.gate_limit, int) and self.gate_limit >= 1
        ):
            fail("gate_limit", "give a positive integer or None")
        if self.jpda_max_events < 1:
            fail("jpda_max_events", "give a positive integer")
        r = self.n_modes
        if self.imm_sojourn_s is not None:
            tau = self.imm_sojourn_s
            if len(tau) != r or any(not (t > 0) for t in tau):
                fail("imm_sojourn_s", f"give {r} positive mean sojourn times, CV first, or None")
        if self.imm_initial_prob is not None:
            p = self.imm_initial_prob
            if len(p) != r or any(not (v >= 0) for v in p) or sum(p) <= 0:
                fail("imm_initial_prob", f"give {r} non-negative probabilities, CV first, or None")

    @property
    def sojourn_s(self) -> tuple[float, ...]:
        """Mean sojourn time of each mode, s (resolved default)."""
        if self.imm_sojourn_s is not None:
            return tuple(float(t) for t in self.imm_sojourn_s)
        if self.model == "imm" and self.n_modes == 3:
            return (20.0, 10.0, 5.0)
        return (20.0,) + (10.0,) * (self.n_modes - 1)

    @property
    def initial_mode_prob(self) -> tuple[float, ...]:
        """Mode probabilities of a new track (resolved default, normalised)."""
        r = self.n_modes
        if r == 1:
            return (1.0,)
        p = self.imm_initial_prob or (0.6,) + (0.4 / (r - 1),) * (r - 1)
        tot = float(sum(p))
        return tuple(float(v) / tot for v in p)

    @property
    def n_modes(self) -> int:
        """Number of motion models run per track (1 unless an IMM)."""
        if self.model == "imm":
            return 2 if self.q_manoeuvre_m2ps3 is None else 3
        return {"imm_known_turn": 3}.get(self.model, 1)

    @property
    def layout(self) -> StateLayout:
        """State layout implied by ``model`` and ``dims``."""
        kind = {"cv": "cv", "ca": "ca", "ct": "ct", "imm": "ct", "imm_known_turn": "cv"}
        return StateLayout(self.dims, kind[self.model])  # type: ignore[arg-type]

    @property
    def gamma(self) -> float:
        """Gate threshold on the squared Mahalanobis distance."""
        if self.gate_value is not None:
            return float(self.gate_value)
        # the chi-square quantile as scipy.stats.chi2.ppf computes it, 2 P^-1(k/2, p) with
        # P the regularized lower incomplete gamma function, without importing
        # scipy.stats (0.3-2 s at start-up)
        from scipy.special import gammaincinv

        return float(2.0 * gammaincinv(self.dims / 2.0, self.gate_prob))

    @property
    def gate_pg(self) -> float:
        """Probability that a true measurement falls in the gate."""
        from scipy.special import chdtr  # = scipy.stats.chi2.cdf

        return float(chdtr(self.dims, self.gamma))

    def motion_models(self) -> list[MotionModel]:
        """The motion models, in IMM mode order."""
        lay = self.layout
        if self.model == "cv":
            return [ConstantVelocity(lay, self.q_m2ps3)]
        if self.model == "ca":
            return [ConstantAcceleration(lay, self.q_ca_m2ps5)]
        if self.model == "ct":
            return [CoordinatedTurn(lay, self.q_turn_model_m2ps3, self.q_turn_rad2ps3)]
        if self.model == "imm":
            models: list[MotionModel] = [
                ConstantVelocity(lay, self.q_m2ps3),
                CoordinatedTurn(lay, self.q_turn_model_m2ps3, self.q_turn_rad2ps3),
            ]
            if self.q_manoeuvre_m2ps3 is not None:
                models.append(ConstantVelocity(lay, self.q_manoeuvre_m2ps3))
            return models
        w = self.known_turn_radps
        return [
            ConstantVelocity(lay, self.q_m2ps3),
            KnownTurn(lay, w, self.q_turn_model_m2ps3),
            KnownTurn(lay, -w, self.q_turn_model_m2ps3),
        ]


@dataclass(frozen=True)
class TrackTable:
    """Read-only view of the tracks, one row per track, state at :attr:`time_s`.

    Attributes
    ----------
    time_s : float
        Time of every state in the table (the last step's time), s.
    ids : ndarray of int64, shape (n,)
    x : ndarray, shape (n, nx)
        State ``[x, y, z, vx, vy, vz, extra]`` in scenario ENU (m, m/s; extra = acceleration
        for CA, turn rate rad/s for CT/IMM); for an IMM the moment-matched combination.
    cov : ndarray, shape (n, nx, nx)
    confirmed : ndarray of bool
    n_hits : ndarray of int64
        Updates received in total.
    n_misses : ndarray of int64
        Consecutive missed opportunities.
    last_update_s, created_s : ndarray of float
    mode_prob : ndarray, shape (n, r)
        IMM mode probabilities (a column of ones for a single model).
    score : ndarray of float
        Track log likelihood-ratio score (Blackman and Popoli 1999, sec. 6.2).
    last_sensor_id, last_det_index : ndarray of int64
        Provenance of the last update.
    """

    time_s: float
    ids: IntArray
    x: FloatArray
    cov: FloatArray
    confirmed: BoolArray
    n_hits: IntArray
    n_misses: IntArray
    last_update_s: FloatArray
    created_s: FloatArray
    mode_prob: FloatArray
    score: FloatArray
    last_sensor_id: IntArray
    last_det_index: IntArray

    @property
    def n(self) -> int:
        return int(self.ids.shape[0])

    def __len__(self) -> int:
        return self.n

    def extrapolated(
        self, time_s: float, confirmed_only: bool = False
    ) -> tuple[IntArray, FloatArray, FloatArray]:
        """The tracks' positions, velocities and position covariances extrapolated to
        ``time_s`` at constant velocity (for a radar's cue windows).

        ``p = p0 + v dt``, ``P_p = P_pp + dt (P_pv + P_vp) + dt^2 P_vv`` (the
        constant-velocity transition without process noise): cheaper than the tracker's
        full (IMM) prediction, and a cue window's ``n_sigma`` margin covers the difference
        over one scan.

        Returns
        -------
        ids : ndarray of int64, shape (n,)
        x : ndarray, shape (n, 6)
            Positions (m) and velocities (m/s), scenario ENU.
        pos_cov_m2 : ndarray, shape (n, 3, 3)
        """
        dt = float(time_s - self.time_s) if math.isfinite(self.time_s) else 0.0
        if self.x.shape[1] >= 6:
            return _extrapolate(self.ids, self.x, self.cov, self.confirmed, confirmed_only, dt)
        keep = self.confirmed.nonzero()[0] if confirmed_only else np.arange(self.n)
        ids = self.ids[keep]
        if len(keep) == 0:
            return ids, np.zeros((0, 6)), np.zeros((0, 3, 3))
        x = self.x[keep]
        c = self.cov[keep]
        out = np.array(x[:, :6], dtype=float)
        out[:, :3] += dt * x[:, 3:6]
        pv = c[:, :3, 3:6]
        cov = c[:, :3, :3] + dt * (pv + np.swapaxes(pv, 1, 2)) + dt * dt * c[:, 3:6, 3:6]
        return ids, out, cov


@nb.njit(cache=True)
def _extrapolate(
    ids: IntArray, x: FloatArray, cov: FloatArray, confirmed: BoolArray, only: bool, dt: float
) -> tuple[IntArray, FloatArray, FloatArray]:
    """Kernel of :meth:`TrackTable.extrapolated` (3-D states): the rows of ``x`` and
    ``cov`` (only the confirmed ones if ``only``) extrapolated by ``dt`` with the
    operations, in order, of p + dt v and P_pp + dt (P_pv + P_vp) + (dt dt) P_vv."""
    n = 0
    for k in range(ids.shape[0]):
        if confirmed[k] or not only:
            n += 1
    ids_out = np.empty(n, dtype=np.int64)
    out = np.empty((n, 6))
    pc = np.empty((n, 3, 3))
    dd = dt * dt
    q = 0
    for k in range(ids.shape[0]):
        if not (confirmed[k] or not only):
            continue
        ids_out[q] = ids[k]
        for a in range(3):
            out[q, a] = x[k, a] + dt * x[k, 3 + a]
            out[q, 3 + a] = x[k, 3 + a]
            for b in range(3):
                pc[q, a, b] = (
                    cov[k, a, b] + dt * (cov[k, a, 3 + b] + cov[k, b, 3 + a])
                ) + dd * cov[k, 3 + a, 3 + b]
        q += 1
    return ids_out, out, pc


@dataclass(frozen=True)
class StepResult:
    """What one :meth:`Tracker.step` did.

    Attributes
    ----------
    time_s : float
    sensor_id : int
    det_index : ndarray of int64, shape (n_det,)
        The batch's detection indices, in batch order.
    det_track_id : ndarray of int64, shape (n_det,)
        Id of the track each detection updated or started, -1 if none (under JPDA: the track
        with the largest association probability).
    updated : ndarray of int64
        Ids of tracks updated by a detection.
    missed : ndarray of int64
        Ids of tracks that counted a miss.
    started, confirmed, deleted : ndarray of int64
        Ids of tracks started, confirmed and deleted in this step.
    deleted_reason : ndarray of str
        Why each deleted track was deleted: ``"unconfirmed"`` (failed M-of-N), ``"misses"``,
        ``"score"``, ``"coast"`` (``max_coast_s``) or ``"covariance"`` (``max_pos_sigma_m``).
    """

    time_s: float
    sensor_id: int
    det_index: IntArray
    det_track_id: IntArray
    updated: IntArray
    missed: IntArray
    started: IntArray
    confirmed: IntArray
    deleted: IntArray
    deleted_reason: NDArray[np.str_]


@dataclass(frozen=True)
class Provenance:
    """Which detection updated or started which track, over the tracker's life (long form)."""

    time_s: FloatArray
    sensor_id: IntArray
    det_index: IntArray
    track_id: IntArray


@dataclass
class _Store:
    """The track arrays (one row per track)."""

    ids: IntArray
    xm: FloatArray  # (n, r, nx)
    Pm: FloatArray  # (n, r, nx, nx)
    mu: FloatArray  # (n, r)
    x: FloatArray  # (n, nx)
    P: FloatArray  # (n, nx, nx)
    confirmed: BoolArray
    n_hits: IntArray
    n_misses: IntArray
    n_opps: IntArray
    last_update_s: FloatArray
    created_s: FloatArray
    score: FloatArray
    score_max: FloatArray
    last_sensor_id: IntArray
    last_det_index: IntArray

    @classmethod
    def empty(cls, r: int, nx: int) -> _Store:
        i = np.zeros(0, dtype=np.int64)
        f = np.zeros(0)
        return cls(
            i,
            np.zeros((0, r, nx)),
            np.zeros((0, r, nx, nx)),
            np.zeros((0, r)),
            np.zeros((0, nx)),
            np.zeros((0, nx, nx)),
            np.zeros(0, dtype=bool),
            i.copy(),
            i.copy(),
            i.copy(),
            f.copy(),
            f.copy(),
            f.copy(),
            f.copy(),
            i.copy(),
            i.copy(),
        )

    @property
    def n(self) -> int:
        return int(self.ids.shape[0])

    def take(self, idx: IntArray | BoolArray) -> _Store:
        return _Store(*[getattr(self, name)[idx] for name in _STORE_FIELDS])


_STORE_FIELDS = tuple(f.name for f in fields(_Store))

#: Track deletion reasons by code (:attr:`StepResult.deleted_reason`).
_REASONS = np.array(["", "unconfirmed", "misses", "score", "coast", "covariance"], dtype="<U11")


@dataclass
class _Predicted:
    """Tracks predicted to the batch time: model states, covariances, predicted mode
    probabilities, and their combination."""

    xm: FloatArray
    Pm: FloatArray
    c: FloatArray
    x: FloatArray
    P: FloatArray


@dataclass
class _Outcome:
    """What an association stage returns to :meth:`Tracker.step`."""

    xm: FloatArray
    Pm: FloatArray
    mu: FloatArray
    x: FloatArray
    P: FloatArray
    hit: BoolArray  # (n_tracks,) track updated
    det_of_hit: IntArray  # measurement row per hit track (most probable one under JPDA)
    det_track_row: IntArray  # (n_dets,) track row per measurement, -1 if none
    dscore: FloatArray  # (n_tracks,) score increment (hits; JPDA: all)
    init: BoolArray  # (n_dets,) measurements that start tentative tracks


@nb.njit(cache=True)
def _bookkeeping_kernel(
    hit: BoolArray,
    exp_mask: BoolArray,
    dscore: FloatArray,
    det_of_hit: IntArray,
    det_index: IntArray,
    det_track_row: IntArray,
    ids: IntArray,
    was_conf: BoolArray,
    n_hits0: IntArray,
    n_misses0: IntArray,
    n_opps0: IntArray,
    score0: FloatArray,
    score_max0: FloatArray,
    last_update0: FloatArray,
    last_sensor0: IntArray,
    last_det0: IntArray,
    t: float,
    sensor_id: int,
    miss_score: float,
    confirm_m: int,
    confirm_n: int,
    max_misses: int,
    score_drop: float,
    max_coast_s: float,
) -> tuple[NDArray[np.bool_], NDArray[np.int64], NDArray[np.float64], NDArray[np.int8], IntArray]:
    """Hit/miss bookkeeping of :meth:`Tracker.step` in one pass over the tracks.

    A miss is an expected track not updated. Counts: hits + hit, consecutive misses (0 on
    a hit), opportunities + (hit or miss); score + ``dscore`` (+ ``miss_score`` on a
    miss; NaN: none), its running maximum; time, sensor and detection of the last update; M-of-N
    confirmation; deletion codes into ``_REASONS``: 1 (M-of-N impossible), 2 (``n_misses
    >= max_misses``; ``max_misses`` < 0: rule off), 3 (score below its peak by more than
    ``score_drop``; NaN: rule off), 4 (not updated for more than ``max_coast_s``). Also
    each detection's track id (-1: none) from ``det_track_row``. The same operations as
    the array expressions they replace, so the results are bit for bit theirs.

    Returns the columns packed by type (each array a numba returns costs a call into
    Python to box it): bools (3, n) miss, confirmed, newly confirmed; ints (5, n) hits,
    misses, opportunities, last sensor, last detection; floats (3, n) score, its
    maximum, last update time; the deletion codes (n,) and the detections' track ids.
    :func:`_bookkeeping` unpacks them.
    """
    n = hit.shape[0]
    bools = np.empty((3, n), dtype=np.bool_)
    ints = np.empty((5, n), dtype=np.int64)
    floats = np.empty((3, n))
    miss, confirmed, newly = bools[0], bools[1], bools[2]
    n_hits, n_misses, n_opps, last_sensor, last_det = ints[0], ints[1], ints[2], ints[3], ints[4]
    score, score_max, last_update = floats[0], floats[1], floats[2]
    last_det[:] = last_det0
    reason = np.zeros(n, dtype=np.int8)
    h = 0
    for k in range(n):
        hk = hit[k]
        mk = (not hk) and exp_mask[k]
        miss[k] = mk
        nh = n_hits0[k] + (1 if hk else 0)
        n_hits[k] = nh
        nm = 0 if hk else n_misses0[k] + (1 if mk else 0)
        n_misses[k] = nm
        no = n_opps0[k] + (1 if (hk or mk) else 0)
        n_opps[k] = no
        sc = score0[k] + dscore[k]
        if mk and miss_score == miss_score:
            sc += miss_score
        score[k] = sc
        sm = score_max0[k]
        smax = sm if (sm >= sc or sm != sm) else sc  # np.maximum, NaN first
        score_max[k] = smax
        lu = t if hk else last_update0[k]
        last_update[k] = lu
        last_sensor[k] = sensor_id if hk else last_sensor0[k]
        if hk:
            last_det[k] = det_index[det_of_hit[h]]
            h += 1
        cf = was_conf[k] or nh >= confirm_m
        confirmed[k] = cf
        newly[k] = cf and not was_conf[k]
        code = 0
        if not cf and nh + (confirm_n - no) < confirm_m:
            code = 1
        if cf and max_misses >= 0 and nm >= max_misses:
            code = 2
        if cf and score_drop == score_drop and smax - sc > score_drop:
            code = 3
        if code == 0 and t - lu > max_coast_s:
            code = 4
        reason[k] = code
    det_track_id = np.full(det_track_row.shape[0], -1, dtype=np.int64)
    for j in range(det_track_row.shape[0]):
        if det_track_row[j] >= 0:
            det_track_id[j] = ids[det_track_row[j]]
    return bools, ints, floats, reason, det_track_id


def _bookkeeping(
    *args: Any,
) -> tuple[
    BoolArray,
    IntArray,
    IntArray,
    IntArray,
    FloatArray,
    FloatArray,
    FloatArray,
    IntArray,
    IntArray,
    BoolArray,
    BoolArray,
    NDArray[np.int8],
    IntArray,
]:
    """:func:`_bookkeeping_kernel` (same arguments), its columns unpacked (rows of its
    packed arrays): miss, hits, misses, opportunities, score, its maximum, last update
    time, last sensor, last detection, confirmed, newly confirmed, deletion codes and
    the detections' track ids."""
    bools, ints, floats, reason, det_track_id = _bookkeeping_kernel(*args)
    return (
        bools[0],
        ints[0],
        ints[1],
        ints[2],
        floats[0],
        floats[1],
        floats[2],
        ints[3],
        ints[4],
        bools[1],
        bools[2],
        reason,
        det_track_id,
    )


#: The track store's columns as :func:`_next_store` takes and returns them
#: (``_STORE_FIELDS`` order).
_StoreColumns = tuple[
    IntArray,
    FloatArray,
    FloatArray,
    FloatArray,
    FloatArray,
    FloatArray,
    BoolArray,
    IntArray,
    IntArray,
    IntArray,
    FloatArray,
    FloatArray,
    FloatArray,
    FloatArray,
    IntArray,
    IntArray,
]


@nb.njit(cache=True)
def _next_store(
    cols: _StoreColumns,
    keep: BoolArray,
    z: FloatArray,
    R: FloatArray,
    rows: IntArray,
    det_index: IntArray,
    new_ids: IntArray,
    var: FloatArray,
    mu0: FloatArray,
    t: float,
    sensor_id: int,
    confirmed0: bool,
) -> _StoreColumns:
    """The track store's columns (``_STORE_FIELDS`` order) with the rows of ``keep``,
    then one new track per measurement row in ``rows`` (ids ``new_ids``): state and
    covariance zero but for the measured position and its covariance and the prior
    variances ``var`` on the diagonal after the position, the same for every model,
    mode probabilities ``mu0``, confirmed if ``confirmed0``, one hit and one
    opportunity, no miss, created and updated at ``t`` by ``sensor_id`` and its
    detection ``det_index[row]``, score 0."""
    (ids0, xm0, Pm0, mu_0, x_0, P_0, conf0, hits0, miss0, opps0, lu0, cr0, sc0, sm0, ls0, ld0) = (
        cols
    )
    n0 = keep.shape[0]
    m = 0
    for i in range(n0):
        if keep[i]:
            m += 1
    k = rows.shape[0]
    n = m + k
    _, r, nx = xm0.shape
    d = z.shape[1]
    ids = np.empty(n, dtype=np.int64)
    xm = np.empty((n, r, nx))
    Pm = np.empty((n, r, nx, nx))
    mu = np.empty((n, r))
    x = np.empty((n, nx))
    P = np.empty((n, nx, nx))
    conf = np.empty(n, dtype=np.bool_)
    hits = np.empty(n, dtype=np.int64)
    miss = np.empty(n, dtype=np.int64)
    opps = np.empty(n, dtype=np.int64)
    lu = np.empty(n)
    cr = np.empty(n)
    sc = np.empty(n)
    sm = np.empty(n)
    ls = np.empty(n, dtype=np.int64)
    ld = np.empty(n, dtype=np.int64)
    q = 0
    for i in range(n0):
        if not keep[i]:
            continue
        ids[q] = ids0[i]
        # (element loops: a row assignment per array costs more than the copy)
        for h in range(r):
            mu[q, h] = mu_0[i, h]
            for a in range(nx):
                xm[q, h, a] = xm0[i, h, a]
                for b in range(nx):
                    Pm[q, h, a, b] = Pm0[i, h, a, b]
        for a in range(nx):
            x[q, a] = x_0[i, a]
            for b in range(nx):
                P[q, a, b] = P_0[i, a, b]
        conf[q] = conf0[i]
        hits[q] = hits0[i]
        miss[q] = miss0[i]
        opps[q] = opps0[i]
        lu[q] = lu0[i]
        cr[q] = cr0[i]
        sc[q] = sc0[i]
        sm[q] = sm0[i]
        ls[q] = ls0[i]
        ld[q] = ld0[i]
        q += 1
    for c in range(k):
        q = m + c
        j = rows[c]
        ids[q] = new_ids[c]
        for a in range(nx):
            x[q, a] = 0.0
            for b in range(nx):
                P[q, a, b] = 0.0
        for a in range(d):
            x[q, a] = z[j, a]
            for b in range(d):
                P[q, a, b] = R[j, a, b]
        for a in range(d, nx):
            P[q, a, a] = var[a]
        for h in range(r):
            for a in range(nx):
                xm[q, h, a] = x[q, a]
                for b in range(nx):
                    Pm[q, h, a, b] = P[q, a, b]
            mu[q, h] = mu0[h]
        conf[q] = confirmed0
        hits[q] = 1
        miss[q] = 0
        opps[q] = 1
        lu[q] = t
        cr[q] = t
        sc[q] = 0.0
        sm[q] = 0.0
        ls[q] = sensor_id
        ld[q] = det_index[j]
    return ids, xm, Pm, mu, x, P, conf, hits, miss, opps, lu, cr, sc, sm, ls, ld


@nb.njit(cache=True)
def _step_ids(
    ids: IntArray, hit: BoolArray, miss: BoolArray, newly_conf: BoolArray, reason: NDArray[np.int8]
) -> tuple[IntArray, IntArray, IntArray, IntArray, NDArray[np.int8], BoolArray]:
    """The ids of a step's tracks that were updated (``hit``), missed, newly confirmed
    and not deleted, and deleted (``reason`` != 0) with their deletion codes, each in
    track order, and the rows kept (``reason`` == 0): ``ids[hit]``, ``ids[miss]``,
    ``ids[newly_conf & ~delete]``, ``ids[delete]``, ``reason[delete]``, ``~delete``."""
    n = ids.shape[0]
    n_hit = n_miss = n_conf = n_del = 0
    keep = np.empty(n, dtype=np.bool_)
    for k in range(n):
        keep[k] = reason[k] == 0
        n_hit += 1 if hit[k] else 0
        n_miss += 1 if miss[k] else 0
        n_conf += 1 if newly_conf[k] and keep[k] else 0
        n_del += 0 if keep[k] else 1
    updated = np.empty(n_hit, dtype=np.int64)
    missed = np.empty(n_miss, dtype=np.int64)
    confirmed = np.empty(n_conf, dtype=np.int64)
    deleted = np.empty(n_del, dtype=np.int64)
    code = np.empty(n_del, dtype=np.int8)
    a = b = c = e = 0
    for k in range(n):
        if hit[k]:
            updated[a] = ids[k]
            a += 1
        if miss[k]:
            missed[b] = ids[k]
            b += 1
        if newly_conf[k] and keep[k]:
            confirmed[c] = ids[k]
            c += 1
        if not keep[k]:
            deleted[e] = ids[k]
            code[e] = reason[k]
            e += 1
    return updated, missed, confirmed, deleted, code, keep


@nb.njit(cache=True)
def _gnn_outcome(
    det_of_track: IntArray,
    track_of_det: IntArray,
    pair_track: IntArray,
    pair_det: IntArray,
    ln_ratio: FloatArray,
    init_from_gated: bool,
) -> tuple[BoolArray, IntArray, IntArray, FloatArray, BoolArray]:
    """What a GNN assignment means for the step: ``hit`` (tracks given a measurement),
    ``ti`` (their rows, ascending) and ``dj`` (their measurements); ``dscore``, each
    hit track's score increment, the ``ln_ratio`` = ln(P_D p(z) / lambda) of its assigned
    pair (Blackman and Popoli 1999, sec. 6.2; 0 for the others: misses are added by
    the caller); ``init``, the measurements that start tentative tracks: those left
    unassigned (``init_from_gated``) or those in no track's gate."""
    n = det_of_track.shape[0]
    hit = np.empty(n, dtype=np.bool_)
    k = 0
    for i in range(n):
        hit[i] = det_of_track[i] >= 0
        if hit[i]:
            k += 1
    ti = np.empty(k, dtype=np.int64)
    dj = np.empty(k, dtype=np.int64)
    q = 0
    for i in range(n):
        if hit[i]:
            ti[q] = i
            dj[q] = det_of_track[i]
            q += 1
    dscore = np.zeros(n)
    for m in range(pair_track.shape[0]):
        t = pair_track[m]
        if hit[t] and det_of_track[t] == pair_det[m]:
            dscore[t] = ln_ratio[m]
    nd = track_of_det.shape[0]
    if init_from_gated:
        init = np.empty(nd, dtype=np.bool_)
        for j in range(nd):
            init[j] = track_of_det[j] < 0
    else:
        init = np.ones(nd, dtype=np.bool_)
        for m in range(pair_det.shape[0]):
            init[pair_det[m]] = False
    return hit, ti, dj, dscore, init


@nb.njit(cache=True)
def _kf_update_tracks(
    xm: FloatArray,
    Pm: FloatArray,
    ti: IntArray,
    dj: IntArray,
    z: FloatArray,
    R: FloatArray,
    lw: FloatArray,
    log_2pi_d: float,
    mode_weights: bool,
) -> FloatArray:
    """Kalman update (:func:`~samsim.tracking.filters.kalman_update_position`) of every
    model of tracks ``ti`` by measurements ``dj``, written into ``xm`` and ``Pm``; returns
    ln Lambda_j + ln c_j (Gaussian log likelihood plus ``lw``, the log predicted mode
    probabilities) minus its row maximum, shape (k, r), to be exponentiated and normalised
    (:func:`_normalise_rows`). ``mode_weights`` False: updates only (an empty result).
    The operations of ``gaussian_loglik``, ``normalise_log_weights`` and the gathers they
    replace, in the same order."""
    k = ti.shape[0]
    _, r, nx = xm.shape
    d = z.shape[1]
    L = np.zeros((d, d))
    Si = np.zeros((d, d))
    K = np.zeros((nx, d))
    nu = np.zeros(d)
    y = np.zeros(d)
    xu = np.empty(nx)
    Pu = np.empty((nx, nx))
    d2 = np.empty(k * r)
    logdet = np.empty(k * r)
    # (the default layout's sizes as literals: loops of fixed length, the same operations)
    fixed = nx == 7 and d == 3
    for q in range(k):
        for j in range(r):
            # (each row updated where it is, through a scratch copy: the rows are distinct)
            row = q * r + j
            xq, Pq = xm[ti[q], j], Pm[ti[q], j]
            if fixed:
                d2[row], logdet[row] = _kf_update_row_n(
                    xq, Pq, z[dj[q]], R[dj[q]], xu, Pu, L, Si, K, nu, y, 7, 3
                )
                _copy_row(xu, Pu, xq, Pq, 7)
            else:
                d2[row], logdet[row] = _kf_update_row_n(
                    xq, Pq, z[dj[q]], R[dj[q]], xu, Pu, L, Si, K, nu, y, nx, d
                )
                _copy_row(xu, Pu, xq, Pq, nx)
    if not mode_weights:
        return np.empty((0, r))
    out = np.empty((k, r))
    for q in range(k):
        mx = -np.inf
        for j in range(r):
            row = q * r + j
            v = -0.5 * (d2[row] + logdet[row] + log_2pi_d) + lw[ti[q], j]
            out[q, j] = v
            if j == 0 or ((v > mx or v != v) and mx == mx):
                mx = v  # (np.max: NaN propagates)
        for j in range(r):
            out[q, j] = out[q, j] - mx
    return out


@nb.njit(cache=True)
def _copy_row(xu: FloatArray, Pu: FloatArray, x: FloatArray, P: FloatArray, nx: int) -> None:
    """``x[:] = xu`` and ``P[:, :] = Pu`` (``nx`` entries a side, given: a literal gives
    loops of fixed length)."""
    for a in range(nx):
        x[a] = xu[a]
        for b in range(nx):
            P[a, b] = Pu[a, b]


@nb.njit(cache=True)
def _normalise_rows(w: FloatArray) -> FloatArray:
    """``w / w.sum(axis=1, keepdims=True)`` with the row sum taken in index order (as
    numpy does for short rows)."""
    n, r = w.shape
    out = np.empty((n, r))
    for q in range(n):
        tot = 0.0
        for j in range(r):
            tot += w[q, j]
        for j in range(r):
            out[q, j] = w[q, j] / tot
    return out


@nb.njit(cache=True)
def _gnn_front(
    xm: FloatArray,
    Pm: FloatArray,
    lw: FloatArray,
    z: FloatArray,
    R: FloatArray,
    gamma: float,
    ln_pd: float,
    ln_clutter: float,
    ln_miss: float,
    loglik_cost: bool,
    init_from_gated: bool,
    log_2pi_d: float,
) -> tuple[bool, BoolArray, IntArray, IntArray, FloatArray, BoolArray, IntArray, FloatArray]:
    """Gate, GNN assignment and Kalman updates of one step (d = 3, every pair tested) in
    one compiled pass: the stages of :meth:`Tracker.step` up to the IMM mode weights.

    The gated pairs of :func:`~samsim.tracking.association.gate_states` (small problems:
    ``_gate_every_pair``) with ``lw`` = ln max(c, 1e-300) the log predicted mode
    probabilities; ln_ratio = (ln p(z) + ln P_D) - ln lambda per pair; the reduced cost
    -ln_ratio + ln(1 - P_D) (``loglik_cost``) or d2 - gamma; the simple clusters of
    :func:`~samsim.tracking.association.gnn_assign` (``_gnn_simple``) and its other
    clusters' dense assignment problems (``_cluster_matrices_kernel``, samsim.lsap's
    ``_solve``); then, unless a cluster is too large for a dense matrix or the solver
    fails (``hard``: returned at once, nothing changed),
    :func:`_gnn_outcome` and :func:`_kf_update_tracks` (the updates written into ``xm``
    and ``Pm``). The same operations, in the same order, as the stages it replaces.

    Returns
    -------
    hard, hit, rows, det_of_hit, dscore, init, det_track_row, arg
        :func:`_gnn_outcome`'s results (``rows``: the hit tracks' rows), the detections'
        track rows, and ``arg``, ln Lambda_j + ln c_j minus its row maximum for the hit
        ``rows`` (to be exponentiated by numpy and passed to :func:`_gnn_mode_rows`).
    """
    ti, di, d2, lnl = _gate_every_pair(xm, Pm, z, R, gamma, lw)
    m = ti.shape[0]
    ln_ratio = np.empty(m)
    reduced = np.empty(m)
    for q in range(m):
        lr = lnl[q] + ln_pd - ln_clutter
        ln_ratio[q] = lr
        reduced[q] = -lr + ln_miss if loglik_cost else d2[q] - gamma
    n, r, _ = xm.shape
    nd = z.shape[0]
    det_of_track, track_of_det, keep, lab, simple, hard = _gnn_simple(n, nd, ti, di, reduced)
    if hard:
        # The clusters that are not simple: a dense assignment problem each, solved by
        # samsim.lsap's kernel, as gnn_assign does; a cluster too large for a dense
        # matrix, or a solver failure, leaves everything to the general path.
        cm = _cluster_matrices_kernel(
            n,
            nd,
            ti[keep],
            di[keep],
            reduced[keep],
            lab,
            simple,
            _DENSE_ASSIGNMENT_ENTRIES,
            _FORBIDDEN,
        )
        flat, c_off, c_nt, c_nd, ut, ud = cm
        hard = c_off.shape[0] == 0
        for h in range(c_off.shape[0]):
            if hard:
                break
            o, ntc, ndc = c_off[h], c_nt[h], c_nd[h]
            w = ndc + ntc
            C = np.empty((ntc, w))
            for i in range(ntc):
                for j in range(w):
                    C[i, j] = flat[o + i * w + j]
            col4row = np.empty(ntc, dtype=np.int64)
            if _solve(C, col4row) != 0:
                hard = True
                break
            for i in range(ntc):
                j = col4row[i]
                if j < ndc and C[i, j] < 0.0:
                    det_of_track[ut[o + i]] = ud[o + j]
                    track_of_det[ud[o + j]] = ut[o + i]
    if hard:
        eb = np.zeros(0, dtype=np.bool_)
        ei = np.zeros(0, dtype=np.int64)
        return hard, eb, ei, ei, np.zeros(0), eb, ei, np.zeros((0, r))
    hit, rows, dj, dscore, init = _gnn_outcome(
        det_of_track, track_of_det, ti, di, ln_ratio, init_from_gated
    )
    arg = _kf_update_tracks(xm, Pm, rows, dj, z, R, lw, log_2pi_d, True)
    return hard, hit, rows, dj, dscore, init, track_of_det, arg


@nb.njit(cache=True)
def _gnn_mode_rows(
    w: FloatArray, rows: IntArray, xm: FloatArray, Pm: FloatArray, mu: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """IMM mode probabilities of the updated ``rows``, mu_j = w_j / sum_j w_j (``w`` =
    Lambda_j c_j up to a factor; the row sum in index order, as :func:`_normalise_rows`),
    written into ``mu``; returns ``xm[rows]``, ``Pm[rows]`` and ``mu[rows]`` (C-contiguous,
    as numpy's gathers) for :func:`~samsim.tracking.filters.imm_combine`."""
    k = rows.shape[0]
    _, r, nx = xm.shape
    xt = np.empty((k, r, nx))
    Pt = np.empty((k, r, nx, nx))
    mt = np.empty((k, r))
    for q in range(k):
        i = rows[q]
        tot = 0.0
        for j in range(r):
            tot += w[q, j]
        for j in range(r):
            mu[i, j] = w[q, j] / tot
            mt[q, j] = mu[i, j]
        xt[q] = xm[i]
        Pt[q] = Pm[i]
    return xt, Pt, mt


@nb.njit(cache=True)
def _gnn_back(
    ids: IntArray,
    x: FloatArray,
    P: FloatArray,
    rows: IntArray,
    xc: FloatArray,
    Pc: FloatArray,
    hit: BoolArray,
    exp_mask: BoolArray,
    dscore: FloatArray,
    det_of_hit: IntArray,
    det_track_row: IntArray,
    init: BoolArray,
    det_index: IntArray,
    next_id: int,
    was_conf: BoolArray,
    n_hits0: IntArray,
    n_misses0: IntArray,
    n_opps0: IntArray,
    score0: FloatArray,
    score_max0: FloatArray,
    last_update0: FloatArray,
    last_sensor0: IntArray,
    last_det0: IntArray,
    t: float,
    sensor_id: int,
    miss_score: float,
    confirm_m: int,
    confirm_n: int,
    max_misses: int,
    score_drop: float,
    max_coast_s: float,
) -> tuple[
    NDArray[np.bool_],
    IntArray,
    FloatArray,
    NDArray[np.int8],
    IntArray,
    IntArray,
    IntArray,
    IntArray,
    IntArray,
    NDArray[np.int8],
    IntArray,
]:
    """The rest of a GNN step in one compiled pass: the combined estimates ``xc``, ``Pc``
    of the updated ``rows`` written into the predicted ``x``, ``P`` (the step's own
    arrays), the bookkeeping (:func:`_bookkeeping_kernel`, same arguments), the step's
    ids (:func:`_step_ids`), and the ids of the tracks started by the ``init``
    measurements (from ``next_id``), entered in the detections' track ids.

    Returns
    -------
    bools, ints, floats, reason, det_track_id
        :func:`_bookkeeping_kernel`'s (the started tracks' ids entered).
    updated, missed, confirmed, deleted, deleted_code
        :func:`_step_ids`' (``confirmed``: newly confirmed and kept, not the started).
    started : ndarray of int64
        Ids of the new tracks, one per ``init`` measurement in order.
    """
    for q in range(rows.shape[0]):
        x[rows[q]] = xc[q]
        P[rows[q]] = Pc[q]
    bools, ints, floats, reason, det_track_id = _bookkeeping_kernel(
        hit,
        exp_mask,
        dscore,
        det_of_hit,
        det_index,
        det_track_row,
        ids,
        was_conf,
        n_hits0,
        n_misses0,
        n_opps0,
        score0,
        score_max0,
        last_update0,
        last_sensor0,
        last_det0,
        t,
        sensor_id,
        miss_score,
        confirm_m,
        confirm_n,
        max_misses,
        score_drop,
        max_coast_s,
    )
    updated, missed, confirmed, deleted, code, _ = _step_ids(ids, hit, bools[0], bools[2], reason)
    k = 0
    for j in range(init.shape[0]):
        if init[j]:
            k += 1
    started = np.empty(k, dtype=np.int64)
    q = 0
    for j in range(init.shape[0]):
        if init[j]:
            started[q] = next_id + q
            det_track_id[j] = next_id + q
            q += 1
    return (
        bools,
        ints,
        floats,
        reason,
        det_track_id,
        updated,
        missed,
        confirmed,
        deleted,
        code,
        started,
    )


@nb.njit(cache=True)
def _gnn_next_store(
    ids: IntArray,
    xm: FloatArray,
    Pm: FloatArray,
    mu: FloatArray,
    x: FloatArray,
    P: FloatArray,
    bools: NDArray[np.bool_],
    ints: IntArray,
    floats: FloatArray,
    created: FloatArray,
    reason: NDArray[np.int8],
    init: BoolArray,
    started: IntArray,
    z: FloatArray,
    R: FloatArray,
    det_index: IntArray,
    var: FloatArray,
    mu0: FloatArray,
    t: float,
    sensor_id: int,
    confirmed0: bool,
) -> _StoreColumns:
    """:func:`_next_store` after :func:`_gnn_back` (its packed bookkeeping columns, as
    :func:`_bookkeeping` unpacks them): the rows with ``reason`` 0 kept, one new track
    per ``init`` measurement (ids ``started``); separate arguments, not the store's
    tuple (numba's type check of a tuple argument is slow)."""
    n_new = started.shape[0]
    new_rows = np.empty(n_new, dtype=np.int64)
    q = 0
    for j in range(init.shape[0]):
        if init[j]:
            new_rows[q] = j
            q += 1
    keep = np.empty(reason.shape[0], dtype=np.bool_)
    for i in range(reason.shape[0]):
        keep[i] = reason[i] == 0
    cols = (
        ids,
        xm,
        Pm,
        mu,
        x,
        P,
        bools[1].copy(),
        ints[0].copy(),
        ints[1].copy(),
        ints[2].copy(),
        floats[2].copy(),
        created,
        floats[0].copy(),
        floats[1].copy(),
        ints[3].copy(),
        ints[4].copy(),
    )
    return _next_store(
        cols, keep, z, R, new_rows, det_index, started, var, mu0, t, sensor_id, confirmed0
    )


def _transition_matrix(model: MotionModel, dt_s: float) -> FloatArray:
    """``model.transition(dt_s)[0]`` of a linear model, without its process noise for a
    :class:`ConstantVelocity` (the same entries, set as ``_cv_blocks`` and
    ``ConstantVelocity.transition`` set them)."""
    if type(model) is ConstantVelocity:
        lay = model.layout
        d, nx = lay.dims, lay.nx
        k = np.arange(d)
        F = np.eye(nx)
        F[k, d + k] = float(dt_s)
        if lay.omega is not None:
            F[lay.omega, lay.omega] = 0.0
        if lay.acc is not None:
            F[lay.acc, :] = 0.0
        return F
    F, _ = model.transition(dt_s)  # type: ignore[attr-defined]
    return F


def _member(a: IntArray, b: IntArray) -> BoolArray:
    """``np.isin(a, b)`` for int64 arrays, by a compiled scan when small."""
    if a.size * b.size > 65536:
        return np.isin(a, b)
    return _member_kernel(np.ascontiguousarray(a), np.ascontiguousarray(b))


@nb.njit(cache=True)
def _member_kernel(a: IntArray, b: IntArray) -> BoolArray:
    """Whether each element of ``a`` occurs in ``b`` (a direct scan)."""
    out = np.zeros(a.shape[0], dtype=np.bool_)
    for i in range(a.shape[0]):
        for j in range(b.shape[0]):
            if a[i] == b[j]:
                out[i] = True
                break
    return out


#: The array fields of :class:`TrackTable`, in the order :attr:`Tracker.tracks` fills them.
_TABLE_FIELDS = (
    "ids",
    "x",
    "cov",
    "confirmed",
    "n_hits",
    "n_misses",
    "last_update_s",
    "created_s",
    "mode_prob",
    "score",
    "last_sensor_id",
    "last_det_index",
)

_F = TypeVar("_F")


def _frozen(cls: type[_F], values: dict[str, Any]) -> _F:
    """An instance of the frozen dataclass ``cls`` (no defaults, no ``__post_init__``)
    with ``values``, every field's, entered in its ``__dict__``: what the generated
    ``__init__`` does, without its ``object.__setattr__`` call per field (a step builds a
    :class:`StepResult` and the engine asks for a :class:`TrackTable` about as often)."""
    obj = object.__new__(cls)
    obj.__dict__.update(values)
    return obj


@dataclass
class Tracker:
    """Multi-target tracker over arrays (see the module docstring for the step order).

    Parameters
    ----------
    config : TrackerConfig
        Configuration; ``Tracker()`` uses the defaults.

    Examples
    --------
    >>> trk = Tracker(TrackerConfig())
    >>> res = trk.step(MeasurementBatch.cartesian(0.0, 1, [[1e4, 2e4, 3e3]], np.eye(3) * 2500))
    >>> res.started.tolist(), trk.tracks.n
    ([1], 1)
    """

    config: TrackerConfig = field(default_factory=TrackerConfig)

    def __post_init__(self) -> None:
        cfg = self.config
        self._models = cfg.motion_models()
        self._layout = cfg.layout
        self._r = cfg.n_modes
        self._nx = self._layout.nx
        # the prediction kernel with loops of fixed length fits (the same results)
        self._imm_373 = (self._r, self._nx, self._layout.dims) == (3, 7, 3)
        self._gamma = cfg.gamma
        self._pg = cfg.gate_pg
        self._s = _Store.empty(self._r, self._nx)
        self._time_s: float | None = None
        self._next_id = int(cfg.first_id)
        # per step: time, sensor, the batch's detection indices and their track ids
        self._prov: list[tuple[float, int, IntArray, IntArray]] = []
        self._mu0 = np.asarray(cfg.initial_mode_prob, dtype=float)
        # prior variances of a new track's state components (position: the measurement's)
        lay = self._layout
        var = np.zeros(self._nx)
        var[lay.vel] = cfg.init_speed_sigma_mps**2
        if lay.acc is not None:
            var[lay.acc] = cfg.init_accel_sigma_mps2**2
        if lay.omega is not None:
            var[lay.omega] = cfg.init_turn_sigma_radps**2
        self._init_var = var
        self._sojourn = np.asarray(cfg.sojourn_s, dtype=float)
        self._pi_cache: dict[float, FloatArray] = {}
        # Every model is one of ours (whose motion prediction_bounds knows); then the IMM
        # prediction runs in one compiled pass.
        self._known_models = all(
            type(m) in (ConstantVelocity, ConstantAcceleration, KnownTurn, CoordinatedTurn)
            for m in self._models
        )
        self._fused = self._r > 1 and self._known_models
        self._fq_cache: dict[float, tuple[FloatArray, FloatArray, NDArray[np.bool_]]] = {}
        # The last predict()'s store, time, rows and (x, P) (_Store objects are replaced,
        # never changed, by a step)
        self._predict_memo: tuple[_Store, float, IntArray, FloatArray, FloatArray] | None = None
        # (Pi, F, ct) by time step, for predict_states (when _imm_cache has none)
        self._states_cache: dict[float, tuple[FloatArray, FloatArray, BoolArray]] = {}
        # The same of the last predict_states(): store, time, rows and x
        self._states_memo: tuple[_Store, float, IntArray, FloatArray] | None = None
        # (Pi, F, Q, ct) by time step, for the fused prediction
        self._imm_cache: dict[float, tuple[FloatArray, FloatArray, FloatArray, BoolArray]] = {}
        # ln max(c, 1e-300) of this step's predicted mode probabilities (gate, update)
        self._lw: FloatArray | None = None
        # The last `tracks` table, with the store and time it shows
        self._tracks_memo: tuple[_Store, float | None, TrackTable] | None = None
        # Constants of a step, and whether it may take the compiled path (_step_fast)
        self._ln_pd = math.log(cfg.pd)
        self._ln_clutter = math.log(cfg.clutter_density)
        self._ln_miss = math.log(1.0 - cfg.pd)
        self._max_misses = cfg.max_misses if cfg.deletion == "misses" else -1
        self._score_drop = cfg.score_drop if cfg.deletion == "score" else math.nan
        self._fast = (
            self._fused
            and cfg.association == "gnn"
            and cfg.dims == 3
            and not math.isfinite(cfg.max_pos_sigma_m)
        )

    def _transition(self, dt_s: float) -> FloatArray:
        """IMM mode transition matrix for ``dt_s``, cached (scan intervals repeat)."""
        Pi = self._pi_cache.get(dt_s)
        if Pi is None:
            if len(self._pi_cache) > 64:
                self._pi_cache.clear()
            Pi = imm_transition_matrix(self._sojourn, dt_s)
            self._pi_cache[dt_s] = Pi
        return Pi

    def _model_matrices(self, dt_s: float) -> tuple[FloatArray, FloatArray, NDArray[np.bool_]]:
        """Stacked F (linear models), Q and the coordinated-turn flags for ``dt_s``, cached."""
        got = self._fq_cache.get(dt_s)
        if got is None:
            if len(self._fq_cache) > 64:
                self._fq_cache.clear()
            got = self._stacked_matrices(dt_s, True)
            self._fq_cache[dt_s] = got
        return got

    def _stacked_matrices(
        self, dt_s: float, with_q: bool
    ) -> tuple[FloatArray, FloatArray, NDArray[np.bool_]]:
        """Stacked F (linear models), Q (zeros unless ``with_q``) and the
        coordinated-turn flags for ``dt_s``."""
        r, nx = self._r, self._nx
        F = np.zeros((r, nx, nx))
        Q = np.zeros((r, nx, nx))
        ct = np.zeros(r, dtype=bool)
        for j, model in enumerate(self._models):
            if isinstance(model, CoordinatedTurn):
                ct[j] = True
                if with_q:
                    Q[j] = model.process_noise(dt_s)
            elif with_q:
                F[j], Q[j] = model.transition(dt_s)  # type: ignore[attr-defined]
            else:
                F[j] = _transition_matrix(model, dt_s)
        return F, Q, ct

    # ------------------------------------------------------------------ views

    @property
    def time_s(self) -> float | None:
        """Time of the track states (the last step), or None before the first step."""
        return self._time_s

    @property
    def tracks(self) -> TrackTable:
        """All tracks (tentative and confirmed), as a read-only :class:`TrackTable`.

        The same table until the next step (the store's arrays are never changed in
        place: a step installs new ones), so asking again costs nothing.
        """
        s = self._s
        memo = self._tracks_memo
        if memo is not None and memo[0] is s and memo[1] == self._time_s:
            return memo[2]
        values: dict[str, Any] = {"time_s": float("nan") if self._time_s is None else self._time_s}
        for name, a in zip(
            _TABLE_FIELDS,
            (
                s.ids,
                s.x,
                s.P,
                s.confirmed,
                s.n_hits,
                s.n_misses,
                s.last_update_s,
                s.created_s,
                s.mu,
                s.score,
                s.last_sensor_id,
                s.last_det_index,
            ),
            strict=True,
        ):
            v = a.view()
            v.setflags(write=False)
            values[name] = v
        table = _frozen(TrackTable, values)
        self._tracks_memo = (s, self._time_s, table)
        return table

    def provenance(self) -> Provenance:
        """Every (time, sensor, detection index, track id) update so far, in step order."""
        if not self._prov:
            e = np.zeros(0, dtype=np.int64)
            return Provenance(np.zeros(0), e, e.copy(), e.copy())
        parts = []
        for time_s, sensor_id, det_index, det_track_id in self._prov:
            rows = (det_track_id >= 0).nonzero()[0]
            parts.append(
                (
                    np.full(rows.size, time_s),
                    np.full(rows.size, sensor_id, dtype=np.int64),
                    det_index[rows],
                    det_track_id[rows],
                )
            )
        t, s, d, k = (np.concatenate(c) for c in zip(*parts, strict=True))
        return Provenance(t, s, d, k)

    # --------------------------------------------------------------- predict

    def _predicted(
        self, s: _Store, time_s: float
    ) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
        """IMM mixing and model-matched prediction to ``time_s``: (xm, Pm, c, x, P)."""
        if self._time_s is None or s.n == 0 or time_s == self._time_s:
            return s.xm.copy(), s.Pm.copy(), s.mu.copy(), s.x.copy(), s.P.copy()
        dt = time_s - self._time_s
        if self._fused:
            return self._imm_predict(s.xm, s.Pm, s.mu, dt)
        if self._r > 1:
            Pi = self._transition(dt)
            x0, P0, c = imm_mix(s.xm, s.Pm, s.mu, Pi)
        else:
            x0, P0, c = s.xm, s.Pm, s.mu
        xm = np.empty_like(x0)
        Pm = np.empty_like(P0)
        for j, model in enumerate(self._models):
            xm[:, j], Pm[:, j] = model.predict(x0[:, j], P0[:, j], dt)
        x, P = imm_combine(xm, Pm, c)
        return xm, Pm, c, x, P

    def _imm_matrices(self, dt: float) -> tuple[FloatArray, FloatArray, FloatArray, BoolArray]:
        """(Pi, F, Q, ct) of the fused prediction over ``dt``, s, cached."""
        got = self._imm_cache.get(dt)
        if got is None:
            if len(self._imm_cache) > 64:
                self._imm_cache.clear()
            F, Q, ct = self._model_matrices(dt)
            got = (self._transition(dt), F, Q, ct)
            self._imm_cache[dt] = got
        return got

    def _imm_state_matrices(self, dt: float) -> tuple[FloatArray, FloatArray, BoolArray]:
        """(Pi, F, ct) of :meth:`_imm_matrices` without the process noise (the states'
        prediction does not read it): the same Pi and F, cached apart (a decision cycle
        predicts over a new interval; only a few of them need the covariances)."""
        got = self._imm_cache.get(dt)
        if got is not None:
            return got[0], got[1], got[3]
        st = self._states_cache.get(dt)
        if st is None:
            if len(self._states_cache) > 64:
                self._states_cache.clear()
            F, _, ct = self._stacked_matrices(dt, False)
            st = (self._transition(dt), F, ct)
            self._states_cache[dt] = st
        return st

    def _imm_predict(
        self,
        xm: FloatArray,
        Pm: FloatArray,
        mu: FloatArray,
        dt: float,
        rows: IntArray | None = None,
    ) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
        """:func:`~samsim.tracking.models.imm_predict` of C-contiguous float64 track arrays
        (the store's, or rows taken from them) over ``dt``, s, with the cached matrices:
        the kernel called directly, without the public function's conversions. With
        ``rows`` (only if ``self._imm_373``), the tracks ``rows`` of the arrays."""
        Pi, F, Q, ct = self._imm_matrices(dt)
        n, r, nx = xm.shape
        if rows is not None:
            n = rows.shape[0]
        outs = xm_out, Pm_out, c, x, P = (
            np.empty((n, r, nx)),
            np.empty((n, r, nx, nx)),
            np.empty((n, r)),
            np.empty((n, nx)),
            np.empty((n, nx, nx)),
        )
        if self._imm_373:
            gather = rows is not None
            _imm_predict_kernel_373(
                xm, Pm, mu, rows if gather else _NO_ROWS, gather, Pi, F, Q, ct, dt, *outs
            )
        else:
            _imm_predict_kernel(xm, Pm, mu, Pi, F, Q, ct, dt, self._layout.dims, *outs)
        return xm_out, Pm_out, c, x, P

    def _check_time(self, time_s: float, what: str) -> float:
        t = float(time_s)
        if not math.isfinite(t):
            raise ValueError(f"{what}: time_s must be finite, got {time_s!r}.")
        if self._time_s is not None and t < self._time_s:
            raise ValueError(
                f"{what}: time_s = {t} is earlier than the tracker's time {self._time_s}; "
                "feed batches in time order (out-of-sequence measurements are not supported)."
            )
        return t

    def predict(
        self, time_s: float, confirmed_only: bool = True, ids: ArrayLike | None = None
    ) -> tuple[IntArray, FloatArray, FloatArray]:
        """Predicted track states at ``time_s`` without changing the tracker.

        Parameters
        ----------
        time_s : float
            Time to predict to, s; not earlier than :attr:`time_s`.
        confirmed_only : bool
            Only confirmed tracks (default) or all.
        ids : array_like of int, optional
            Only these tracks (those that exist and pass ``confirmed_only``, in the
            tracker's order); each track's prediction is the same as when all are
            predicted.

        Returns
        -------
        ids : ndarray of int64, shape (n,)
        x : ndarray, shape (n, nx)
            Predicted states (positions, velocities, then model extras), combined over IMM
            modes.
        P : ndarray, shape (n, nx, nx)
            Their covariances.
        """
        t = self._check_time(time_s, "predict")
        s = self._s
        keep: BoolArray | None = s.confirmed if confirmed_only else None
        if ids is not None:
            wanted = _member(s.ids, np.asarray(ids, dtype=np.int64))
            keep = wanted if keep is None else keep & wanted
        if keep is None:
            _, _, _, x, P = self._predicted(s, t)  # (fresh arrays)
            return s.ids.copy(), np.ascontiguousarray(x), np.ascontiguousarray(P)
        rows = keep.nonzero()[0]
        if self._time_s is None or rows.size == 0 or t == self._time_s:
            # nothing to predict: the tracks' states (as _predicted returns them then)
            return s.ids[rows], s.x[rows], s.P[rows]
        if self._fused:
            # Only the arrays the prediction reads; each row's prediction is the same as
            # when every track is predicted. The last call's rows, if they hold these, for
            # the same tracks and time (a decision cycle, then guidance, at one instant).
            memo = self._predict_memo
            if memo is not None and memo[0] is s and memo[1] == t:
                at = np.searchsorted(memo[2], rows)
                if at[-1] < memo[2].size and (memo[2][at] == rows).all():
                    return s.ids[rows], memo[3][at], memo[4][at]
            dt = t - self._time_s
            if self._imm_373:  # (the kernel reads the rows)
                _, _, _, x, P = self._imm_predict(s.xm, s.Pm, s.mu, dt, rows)
            else:
                _, _, _, x, P = self._imm_predict(s.xm[rows], s.Pm[rows], s.mu[rows], dt)
            self._predict_memo = (s, t, rows, x, P)
            return s.ids[rows], x.copy(), P.copy()
        sub = s.take(rows)
        _, _, _, x, P = self._predicted(sub, t)
        return sub.ids, np.ascontiguousarray(x), np.ascontiguousarray(P)

    def predict_states(
        self, time_s: float, confirmed_only: bool = True, ids: ArrayLike | None = None
    ) -> tuple[IntArray, FloatArray]:
        """:meth:`predict` without the covariances: the same ids and states, bit for bit.

        For an IMM of the built-in models the states are computed without the covariances
        (:func:`~samsim.tracking.models._imm_predict_states`), several times cheaper; a
        later :meth:`predict` to the same time computes them when they are needed.

        Returns
        -------
        ids : ndarray of int64, shape (n,)
        x : ndarray, shape (n, nx)
        """
        if not self._fused:
            got_ids, x, _ = self.predict(time_s, confirmed_only, ids)
            return got_ids, x
        t = self._check_time(time_s, "predict_states")
        s = self._s
        keep: BoolArray | None = s.confirmed if confirmed_only else None
        if ids is not None:
            wanted = _member(s.ids, np.asarray(ids, dtype=np.int64))
            keep = wanted if keep is None else keep & wanted
        rows = np.arange(s.n) if keep is None else keep.nonzero()[0]
        if self._time_s is None or rows.size == 0 or t == self._time_s:
            return s.ids[rows], s.x[rows]  # (as predict returns them then)
        # the last call's rows (of this or of predict), if they hold these, for the same
        # tracks and time
        for memo in (self._states_memo, self._predict_memo):
            if memo is not None and memo[0] is s and memo[1] == t:
                at = np.searchsorted(memo[2], rows)
                if at[-1] < memo[2].size and (memo[2][at] == rows).all():
                    return s.ids[rows], memo[3][at]
        dt = t - self._time_s
        Pi, F, ct = self._imm_state_matrices(dt)
        x = _imm_predict_states(s.xm, s.mu, rows, Pi, F, ct, dt, self._layout.dims)
        self._states_memo = (s, t, rows, x)
        return s.ids[rows], x.copy()

    def prediction_bounds(
        self, time_s: float, confirmed_only: bool = True
    ) -> tuple[IntArray, FloatArray, FloatArray, FloatArray] | None:
        """Bounds of :meth:`predict_states` at ``time_s`` without predicting (nothing is
        computed or cached for a later prediction): the tracks' ids (in its order), and
        per track a centre, a radius within which its predicted position lies, and a
        bound of its predicted speed (:func:`~samsim.tracking.bounds.prediction_bounds`).

        Returns
        -------
        tuple of (ids, centre_m (n, dims), radius_m (n,), speed_mps (n,)), or None
            None when some motion model is not one of the built-in ones (whose motion
            the bounds know).
        """
        if not self._known_models:
            return None
        t = self._check_time(time_s, "prediction_bounds")
        s = self._s
        rows = s.confirmed.nonzero()[0] if confirmed_only else np.arange(s.n)
        dt = 0.0 if self._time_s is None else t - self._time_s
        acc = self._layout.acc
        centre, radius, speed = prediction_bounds(
            s.xm, s.mu, rows, self._layout.dims, None if acc is None else acc.start, dt
        )
        return s.ids[rows], centre, radius, speed

    def predict_acceleration(
        self, time_s: float, confirmed_only: bool = True
    ) -> tuple[IntArray, FloatArray]:
        """Acceleration estimate (n, dims), m/s^2, of each track at ``time_s`` (for guidance).

        Notes
        -----
        The probability-weighted mean of each model's acceleration: zero for CV, omega x v
        for a coordinated turn, the state's acceleration for CA.
        """
        t = self._check_time(time_s, "predict_acceleration")
        s = self._s.take(self._s.confirmed) if confirmed_only else self._s
        xm, _, c, _, _ = self._predicted(s, t)
        acc = np.zeros((s.n, self.config.dims))
        for j, model in enumerate(self._models):
            acc += c[:, j, None] * model.acceleration(xm[:, j])
        return s.ids.copy(), acc

    # ------------------------------------------------------------------ step

    def coast(self, time_s: float, expected: BoolArray | ExpectedFn | None = None) -> StepResult:
        """A scan that produced no detections: predict, and count a miss for expected tracks.

        Same as ``step(MeasurementBatch.empty(time_s), expected)``.
        """
        return self.step(MeasurementBatch.empty(time_s, -1, self.config.dims), expected)

    def step(
        self, batch: MeasurementBatch, expected: BoolArray | ExpectedFn | None = None
    ) -> StepResult:
        """Process one sensor's batch of detections.

        Parameters
        ----------
        batch : MeasurementBatch
            Detections at ``batch.time_s`` (not earlier than the tracker's time).
        expected : bool array, callable or None
            Which existing tracks this batch was expected to detect; only those count a miss
            when not updated. A bool array aligned with ``self.tracks.ids`` before the step,
            or a callable ``expected(ids, x_pred) -> bool array`` evaluated on the tracks'
            predicted states at the batch time (e.g. "inside this radar's coverage"), or None
            for all tracks. A track that is updated counts a hit whether expected or not.

        Returns
        -------
        StepResult
        """
        cfg = self.config
        if not isinstance(batch, MeasurementBatch):
            raise ValueError(
                f"step expects a MeasurementBatch, got {type(batch).__name__}; build one with "
                "MeasurementBatch.cartesian or MeasurementBatch.from_polar."
            )
        if batch.dims != cfg.dims:
            raise ValueError(
                f"batch positions have {batch.dims} dimensions but the tracker is configured "
                f"with dims={cfg.dims}; build the batch with {cfg.dims}-D positions."
            )
        t = self._check_time(batch.time_s, "step")
        s = self._s
        d = cfg.dims
        xm, Pm, c, x, P = self._predicted(s, t)
        exp_mask = self._expected_mask(expected, s.ids, x)
        if self._fast and s.n * batch.n <= _BRUTE_FORCE_PAIRS:
            res = self._step_fast(batch, t, s, xm, Pm, c, x, P, exp_mask)
            if res is not None:
                return res

        z, R = batch.z_m, batch.cov_m2
        lim = cfg.gate_limit
        self._lw = None
        if self._r == 1:
            pairs = gate(x[:, :d], P[:, :d, :d], z, R, self._gamma, max_per_track=lim)
        else:
            lw = np.log(np.maximum(c, 1e-300))
            self._lw = lw
            if d == 3:  # (the kernels read the positions out of the whole states)
                pairs = gate_states(xm, Pm, z, R, self._gamma, lw, lim)
            else:
                pairs = gate(xm[:, :, :d], Pm[:, :, :d, :d], z, R, self._gamma, lw, lim)
        ln_ratio = pairs.loglik + math.log(cfg.pd) - math.log(cfg.clutter_density)
        assoc = self._associate_gnn if cfg.association == "gnn" else self._associate_jpda
        out = assoc(_Predicted(xm, Pm, c, x, P), pairs, ln_ratio, batch)
        xm, Pm, mu, x, P = out.xm, out.Pm, out.mu, out.x, out.P
        hit, dj = out.hit, out.det_of_hit
        # ------------------------------------------------ bookkeeping of hits/misses
        # (one compiled pass: counts, score, confirmation, deletion codes 1-4)
        drop = cfg.score_drop if cfg.deletion == "score" else math.nan
        bk = _bookkeeping(
            hit,
            exp_mask,
            out.dscore,
            dj,
            batch.det_index,
            out.det_track_row,
            s.ids,
            s.confirmed,
            s.n_hits,
            s.n_misses,
            s.n_opps,
            s.score,
            s.score_max,
            s.last_update_s,
            s.last_sensor_id,
            s.last_det_index,
            t,
            int(batch.sensor_id),
            math.log(1.0 - cfg.pd) if cfg.association == "gnn" else math.nan,
            cfg.confirm_m,
            cfg.confirm_n,
            cfg.max_misses if cfg.deletion == "misses" else -1,
            drop,
            cfg.max_coast_s,
        )
        (
            miss,
            n_hits,
            n_misses,
            n_opps,
            score,
            score_max,
            last_update_s,
            last_sensor,
            last_det,
            confirmed,
            newly_conf,
            reason,
            det_track_id,
        ) = bk
        if math.isfinite(cfg.max_pos_sigma_m):
            pos_var = np.trace(P[:, :d, :d], axis1=1, axis2=2)
            reason[(reason == 0) & (pos_var > cfg.max_pos_sigma_m**2)] = 5
        # ids of the tracks updated, missed, newly confirmed (and kept) and deleted
        updated, missed, confirmed_ids, deleted_ids, deleted_code, keep = _step_ids(
            s.ids, hit, miss, newly_conf, reason
        )

        s_new = _Store(
            s.ids,
            xm,
            Pm,
            mu,
            x,
            P,
            confirmed,
            n_hits,
            n_misses,
            n_opps,
            last_update_s,
            s.created_s,
            score,
            score_max,
            last_sensor,
            last_det,
        )
        deleted_reason = _REASONS[deleted_code]

        # ------------------------------------------------------------- initiation
        # (the deleted rows dropped and the new tracks appended in one compiled pass: the
        # rows of _Store.take and _initiate, in _Store.extend's order)
        new_rows = out.init.nonzero()[0]
        started = np.zeros(0, dtype=np.int64)
        if new_rows.size or deleted_ids.size:
            k = new_rows.size
            started = np.arange(self._next_id, self._next_id + k, dtype=np.int64)
            self._next_id += k
            det_track_id[new_rows] = started
            s_new = _Store(
                *_next_store(
                    tuple(getattr(s_new, name) for name in _STORE_FIELDS),
                    keep,
                    batch.z_m,
                    batch.cov_m2,
                    new_rows,
                    np.asarray(batch.det_index, dtype=np.int64),
                    started,
                    self._init_var,
                    self._mu0,
                    t,
                    int(batch.sensor_id),
                    cfg.confirm_m <= 1,
                )
            )

        self._s = s_new
        self._time_s = t
        if cfg.keep_provenance:  # (the fed rows are picked out by provenance())
            self._prov.append((t, batch.sensor_id, batch.det_index.copy(), det_track_id.copy()))
        return StepResult(
            time_s=t,
            sensor_id=batch.sensor_id,
            det_index=batch.det_index.copy(),
            det_track_id=det_track_id,
            updated=updated,
            missed=missed,
            started=started,
            confirmed=np.concatenate([confirmed_ids, started])
            if cfg.confirm_m <= 1
            else confirmed_ids,
            deleted=deleted_ids,
            deleted_reason=deleted_reason,
        )

    def _step_fast(
        self,
        batch: MeasurementBatch,
        t: float,
        s: _Store,
        xm: FloatArray,
        Pm: FloatArray,
        c: FloatArray,
        x: FloatArray,
        P: FloatArray,
        exp_mask: BoolArray,
    ) -> StepResult | None:
        """The rest of :meth:`step` for a GNN IMM tracker in 3-D (``self._fast``) and a
        problem small enough to test every pair: the stages of the general path in three
        compiled passes (:func:`_gnn_front`, :func:`_gnn_mode_rows`, :func:`_gnn_back`),
        with numpy's ln, exp and :func:`~samsim.tracking.filters.imm_combine` (BLAS)
        between them, so the results are the general path's bit for bit. None (nothing
        changed) when a cluster needs an assignment solver: the general path runs."""
        cfg = self.config
        z = np.ascontiguousarray(batch.z_m, dtype=np.float64)
        R = np.ascontiguousarray(batch.cov_m2, dtype=np.float64)
        lw = np.log(np.maximum(c, 1e-300))
        front = _gnn_front(
            xm,
            Pm,
            lw,
            z,
            R,
            self._gamma,
            self._ln_pd,
            self._ln_clutter,
            self._ln_miss,
            cfg.cost == "loglik",
            cfg.init_from_gated,
            3 * _LOG_2PI,
        )
        if front[0]:
            return None
        hit, rows, dj, dscore, init, det_track_row, arg = front[1:]
        if rows.size:
            xc, Pc = imm_combine(*_gnn_mode_rows(np.exp(arg), rows, xm, Pm, c))
        else:
            xc, Pc = x[:0], P[:0]
        det_index = np.asarray(batch.det_index, dtype=np.int64)
        sensor_id = int(batch.sensor_id)
        back = _gnn_back(
            s.ids,
            x,
            P,
            rows,
            xc,
            Pc,
            hit,
            exp_mask,
            dscore,
            dj,
            det_track_row,
            init,
            det_index,
            self._next_id,
            s.confirmed,
            s.n_hits,
            s.n_misses,
            s.n_opps,
            s.score,
            s.score_max,
            s.last_update_s,
            s.last_sensor_id,
            s.last_det_index,
            t,
            sensor_id,
            self._ln_miss,
            cfg.confirm_m,
            cfg.confirm_n,
            self._max_misses,
            self._score_drop,
            cfg.max_coast_s,
        )
        bools, ints, floats, reason, det_track_id = back[:5]
        updated, missed, confirmed_ids, deleted_ids, code, started = back[5:]
        if started.size or deleted_ids.size:
            self._next_id += started.size
            self._s = _Store(
                *_gnn_next_store(
                    s.ids,
                    xm,
                    Pm,
                    c,
                    x,
                    P,
                    bools,
                    ints,
                    floats,
                    s.created_s,
                    reason,
                    init,
                    started,
                    z,
                    R,
                    det_index,
                    self._init_var,
                    self._mu0,
                    t,
                    sensor_id,
                    cfg.confirm_m <= 1,
                )
            )
        else:  # (the bookkeeping's rows, as _bookkeeping unpacks them)
            conf = bools[1]
            hits, misses, opps, last_sensor, last_det = ints[0], ints[1], ints[2], ints[3], ints[4]
            score, score_max, last_update = floats[0], floats[1], floats[2]
            self._s = _Store(
                s.ids,
                xm,
                Pm,
                c,
                x,
                P,
                conf,
                hits,
                misses,
                opps,
                last_update,
                s.created_s,
                score,
                score_max,
                last_sensor,
                last_det,
            )
        self._time_s = t
        if cfg.keep_provenance:
            self._prov.append((t, batch.sensor_id, batch.det_index.copy(), det_track_id.copy()))
        return _frozen(
            StepResult,
            {
                "time_s": t,
                "sensor_id": batch.sensor_id,
                "det_index": batch.det_index.copy(),
                "det_track_id": det_track_id,
                "updated": updated,
                "missed": missed,
                "started": started,
                "confirmed": np.concatenate([confirmed_ids, started])
                if cfg.confirm_m <= 1
                else confirmed_ids,
                "deleted": deleted_ids,
                "deleted_reason": _REASONS[code],
            },
        )

    # ---------------------------------------------------------------- helpers

    def _expected_mask(
        self, expected: BoolArray | ExpectedFn | None, ids: IntArray, x_pred: FloatArray
    ) -> BoolArray:
        n = ids.shape[0]
        if expected is None:
            return np.ones(n, dtype=bool)
        if callable(expected):
            m = np.asarray(expected(ids.copy(), np.array(x_pred)))
            src = "the expected(ids, x) callable's result"
        else:
            m = np.asarray(expected)
            src = "expected"
        if m.shape != (n,) or m.dtype != bool:
            raise ValueError(
                f"{src} must be a bool array of shape ({n},) (one entry per current track, in "
                f"the order of tracker.tracks.ids), got dtype {m.dtype} and shape {m.shape}."
            )
        return m

    def _associate_gnn(
        self, pred: _Predicted, pairs: GatedPairs, ln_ratio: FloatArray, batch: MeasurementBatch
    ) -> _Outcome:
        """GNN association (:func:`gnn_assign`) and the Kalman updates it implies."""
        cfg = self.config
        n = pred.x.shape[0]
        if cfg.cost == "loglik":
            reduced = -ln_ratio + math.log(1.0 - cfg.pd)
        else:
            reduced = pairs.d2 - self._gamma
        det_of_track, track_of_det = gnn_assign(n, batch.n, pairs, reduced)
        # Hits, their tracks and measurements, the score increments and the measurements
        # that start tracks, in one compiled pass.
        hit, ti, dj, dscore, init = _gnn_outcome(
            det_of_track, track_of_det, pairs.track, pairs.det, ln_ratio, cfg.init_from_gated
        )
        xm, Pm, mu, x, P = pred.xm, pred.Pm, pred.c, pred.x, pred.P
        if ti.size:
            xm, Pm, mu, x, P = self._update_gnn(
                xm, Pm, pred.c, x, P, ti, dj, batch.z_m, batch.cov_m2
            )
        return _Outcome(xm, Pm, mu, x, P, hit, dj, track_of_det, dscore, init)

    def _associate_jpda(
        self, pred: _Predicted, pairs: GatedPairs, ln_ratio: FloatArray, batch: MeasurementBatch
    ) -> _Outcome:
        """JPDA association (:func:`jpda_probabilities`) and the mixture update."""
        cfg = self.config
        n = pred.x.shape[0]
        g = np.exp(ln_ratio)
        beta, beta_miss = jpda_probabilities(
            n, pairs, g, np.full(n, 1.0 - cfg.pd * self._pg), cfg.jpda_max_events
        )
        xm, Pm, mu, x, P = self._update_jpda(
            pred.xm,
            pred.Pm,
            pred.c,
            pred.x,
            pred.P,
            pairs,
            beta,
            beta_miss,
            batch.z_m,
            batch.cov_m2,
        )
        hit = beta_miss < 0.5
        # PDA score increment: ln of the measurement-set likelihood ratio,
        # ln(1 - P_D P_G + sum_j g_ij) (Blackman and Popoli 1999, sec. 6.2).
        tot = np.bincount(pairs.track, weights=g, minlength=n)
        dscore = np.log(1.0 - cfg.pd * self._pg + tot)
        # Each measurement's most probable track, and each track's most probable measurement.
        det_track_row = np.full(batch.n, -1, dtype=np.int64)
        best_det = np.full(n, -1, dtype=np.int64)
        if pairs.m:
            o = np.lexsort((-beta, pairs.det))
            first = np.ones(o.size, dtype=bool)
            first[1:] = pairs.det[o][1:] != pairs.det[o][:-1]
            det_track_row[pairs.det[o][first]] = pairs.track[o][first]
            o = np.lexsort((-beta, pairs.track))
            first = np.ones(o.size, dtype=bool)
            first[1:] = pairs.track[o][1:] != pairs.track[o][:-1]
            best_det[pairs.track[o][first]] = pairs.det[o][first]
        init = np.ones(batch.n, dtype=bool)
        init[pairs.det] = False
        return _Outcome(xm, Pm, mu, x, P, hit, best_det[hit], det_track_row, dscore, init)

    def _update_gnn(
        self,
        xm: FloatArray,
        Pm: FloatArray,
        c: FloatArray,
        x: FloatArray,
        P: FloatArray,
        ti: IntArray,
        dj: IntArray,
        z: FloatArray,
        R: FloatArray,
    ) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
        """Model-matched Kalman updates of tracks ``ti`` by measurements ``dj``; IMM mode
        probability update mu_j ~ Lambda_j c_j (Bar-Shalom, Li and Kirubarajan 2001,
        eq. 11.6.6-15) and combination."""
        r, d = self._r, self.config.dims
        # Kalman updates written into xm, Pm (the predicted arrays are this step's own, see
        # _predicted) and the mode log weights ln Lambda_j + ln c_j, in one compiled pass;
        # exp and the combination's matrix products stay numpy's.
        if r == 1:
            lw = np.zeros((0, 1))
        elif self._lw is not None:
            lw = self._lw
        else:
            lw = np.log(np.maximum(c, 1e-300))
        arg = _kf_update_tracks(xm, Pm, ti, dj, z, R, lw, d * _LOG_2PI, r > 1)
        mu = c
        if r > 1:
            mu[ti] = _normalise_rows(np.exp(arg))
        x[ti], P[ti] = imm_combine(xm[ti], Pm[ti], mu[ti])
        return xm, Pm, mu, x, P

    def _update_jpda(
        self,
        xm: FloatArray,
        Pm: FloatArray,
        c: FloatArray,
        x: FloatArray,
        P: FloatArray,
        pairs: GatedPairs,
        beta: FloatArray,
        beta_miss: FloatArray,
        z: FloatArray,
        R: FloatArray,
    ) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
        """JPDA state update: per model, the moment-matched mixture of the prediction (weight
        beta_i0) and the Kalman updates by each gated measurement (weights beta_ij)
        (Bar-Shalom, Daum and Huang 2009, eqs. 42-46, written as a Gaussian-mixture
        collapse so that each pair may have its own R). IMM mode likelihoods follow the
        IMM-PDAF, Lambda_j = (1 - P_D P_G) + sum_i g_ij^(j) (Houles and Bar-Shalom, IEEE
        Trans. AES 25(2), 1989), with the association probabilities computed on the
        combined prediction."""
        cfg = self.config
        r, nx, d = self._r, self._nx, cfg.dims
        m = pairs.m
        if m == 0:
            return xm, Pm, c, x, P
        ti, dj = pairs.track, pairs.det
        xk = xm[ti].reshape(m * r, nx)
        Pk = Pm[ti].reshape(m * r, nx, nx)
        xu, Pu, d2, logdet = kalman_update_position(
            xk, Pk, np.repeat(z[dj], r, axis=0), np.repeat(R[dj], r, axis=0)
        )
        xu = xu.reshape(m, r, nx)
        Pu = Pu.reshape(m, r, nx, nx)
        n = xm.shape[0]
        # Mixture collapse per track and model: mean, then spread about the mean.
        xmix = beta_miss[:, None, None] * xm
        np.add.at(xmix, ti, beta[:, None, None] * xu)
        dxp = xm - xmix
        Pmix = beta_miss[:, None, None, None] * (Pm + dxp[..., :, None] * dxp[..., None, :])
        dxu = xu - xmix[ti]
        np.add.at(
            Pmix, ti, beta[:, None, None, None] * (Pu + dxu[..., :, None] * dxu[..., None, :])
        )
        mu = c
        if r > 1:
            lnl = gaussian_loglik(d2, logdet, d).reshape(m, r)
            g = np.exp(lnl + math.log(cfg.pd) - math.log(cfg.clutter_density))
            lam = np.full((n, r), 1.0 - cfg.pd * self._pg)
            np.add.at(lam, ti, g)
            mu = lam * c
            mu = mu / mu.sum(axis=1, keepdims=True)
        xc, Pc = imm_combine(xmix, Pmix, mu)
        return xmix, 0.5 * (Pmix + np.swapaxes(Pmix, -1, -2)), mu, xc, Pc
