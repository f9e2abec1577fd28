"""Measurement batches the tracker consumes: one sensor's detections at one time.

Positions are in the scenario ENU frame with covariances; radar range/azimuth/elevation
detections are turned into unbiased converted Cartesian measurements at construction.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

import samsim.jit as nb  # numba.njit, built on first call

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

#: Bytes of sensor rotations already found orthonormal by :meth:`MeasurementBatch.from_polar`.
_ORTHONORMAL: set[bytes] = set()


def _as_1d(name: str, value: ArrayLike, n: int | None) -> FloatArray:
    if (
        type(value) is np.ndarray
        and value.dtype == np.float64
        and value.ndim == 1
        and (n is None or value.shape[0] == n)
    ):
        return value  # (what np.asarray returns for it: the array itself)
    a = np.asarray(value, dtype=float)
    if a.ndim == 0 and n is not None:
        a = np.full(n, float(a))
    if a.ndim != 1 or (n is not None and a.shape[0] != n):
        want = "a 1-D array" if n is None else f"a scalar or an array of shape ({n},)"
        raise ValueError(f"{name} must be {want}, got shape {a.shape}.")
    return a


def _check_finite(name: str, a: NDArray[np.float64]) -> None:
    bad = ~np.isfinite(a)
    if bad.any():
        rows = np.unique(np.nonzero(bad.reshape(a.shape[0], -1))[0]).tolist() if a.ndim else []
        raise ValueError(
            f"{name} contains non-finite values (NaN or inf) at rows {rows[:10]}; "
            "drop or repair those detections before building the batch."
        )


@nb.njit(cache=True)
def _polar_inputs_valid(
    r: FloatArray,
    az: FloatArray,
    el: FloatArray,
    s_r: FloatArray,
    s_a: FloatArray,
    s_e: FloatArray,
) -> bool:
    """Whether polar detections pass every check of :meth:`MeasurementBatch.from_polar`
    (all finite; range and standard deviations positive)."""
    for k in range(r.shape[0]):
        if not (
            np.isfinite(r[k])
            and np.isfinite(az[k])
            and np.isfinite(el[k])
            and np.isfinite(s_r[k])
            and np.isfinite(s_a[k])
            and np.isfinite(s_e[k])
            and r[k] > 0
            and s_r[k] > 0
            and s_a[k] > 0
            and s_e[k] > 0
        ):
            return False
    return True


def _check_cov(name: str, cov: FloatArray) -> None:
    _check_finite(name, cov)
    asym = np.abs(cov - np.swapaxes(cov, -1, -2)).max(axis=(-1, -2)) if cov.size else np.zeros(0)
    scale = np.abs(cov).max(axis=(-1, -2)) if cov.size else np.zeros(0)
    bad = asym > 1e-9 * np.maximum(scale, 1e-300)
    if bad.any():
        raise ValueError(
            f"{name} must be symmetric; rows {list(np.nonzero(bad)[0][:10])} are not "
            f"(largest asymmetry {asym[bad].max():.3g})."
        )
    d = cov.shape[-1]
    # Sylvester's criterion: all leading principal minors positive.
    minors = [cov[:, 0, 0]]
    if d >= 2:
        minors.append(cov[:, 0, 0] * cov[:, 1, 1] - cov[:, 0, 1] ** 2)
    if d >= 3:
        minors.append(np.linalg.det(cov) if cov.shape[0] else np.zeros(0))
    bad = np.zeros(cov.shape[0], dtype=bool)
    for m in minors:
        bad |= ~(m > 0.0)
    if bad.any():
        rows = np.nonzero(bad)[0]
        raise ValueError(
            f"{name} must be positive definite; rows {list(rows[:10])} are not "
            f"(e.g. row {rows[0]}: {cov[rows[0]].tolist()}). Give every detection a "
            "positive measurement variance."
        )


@dataclass(frozen=True)
class MeasurementBatch:
    """One sensor's detections at one time, as Cartesian positions with covariances.

    Build with :meth:`cartesian` or :meth:`from_polar` (both validate their input); the
    constructor itself does not copy or check.

    Attributes
    ----------
    time_s : float
        Measurement time, s (scenario clock).
    sensor_id : int
        Which sensor produced the batch (recorded in track provenance).
    z_m : ndarray, shape (n, d)
        Positions in the scenario ENU frame, m; d = 3, or 2 for a 2-D tracker.
    cov_m2 : ndarray, shape (n, d, d)
        Measurement error covariances, m^2.
    det_index : ndarray of int64, shape (n,)
        The caller's index of each detection (e.g. its row in the detection log).
    """

    time_s: float
    sensor_id: int
    z_m: FloatArray
    cov_m2: FloatArray
    det_index: IntArray

    @property
    def n(self) -> int:
        """Number of detections."""
        return int(self.z_m.shape[0])

    @property
    def dims(self) -> int:
        """Spatial dimension of the positions (2 or 3)."""
        return int(self.z_m.shape[1])

    @classmethod
    def cartesian(
        cls,
        time_s: float,
        sensor_id: int,
        z_m: ArrayLike,
        cov_m2: ArrayLike,
        det_index: ArrayLike | None = None,
    ) -> MeasurementBatch:
        """A batch of Cartesian position measurements.

        Parameters
        ----------
        time_s : float
            Measurement time, s.
        sensor_id : int
            Sensor identifier.
        z_m : array_like, shape (n, d)
            Positions in scenario ENU, m (d = 2 or 3).
        cov_m2 : array_like, shape (n, d, d) or (d, d)
            Error covariances, m^2; one (d, d) matrix is used for every detection.
        det_index : array_like of int, shape (n,), optional
            Caller's detection indices; default ``arange(n)``.

        Raises
        ------
        ValueError
            On wrong shapes, non-finite values, or covariances that are not symmetric
            positive definite.
        """
        t = float(time_s)
        if not np.isfinite(t):
            raise ValueError(f"time_s must be a finite number of seconds, got {time_s!r}.")
        z = np.array(z_m, dtype=float)
        if z.ndim == 1 and z.size == 0:
            z = z.reshape(0, 3)
        if z.ndim != 2 or z.shape[1] not in (2, 3):
            raise ValueError(
                f"z_m must have shape (n, 3) (or (n, 2) for a 2-D tracker), got {z.shape}."
            )
        n, d = z.shape
        _check_finite("z_m", z)
        cov = np.array(cov_m2, dtype=float)
        if cov.shape == (d, d):
            cov = np.broadcast_to(cov, (n, d, d)).copy()
        if cov.shape != (n, d, d):
            raise ValueError(
                f"cov_m2 must have shape ({n}, {d}, {d}) or ({d}, {d}) to match z_m of shape "
                f"{z.shape}, got {cov.shape}."
            )
        _check_cov("cov_m2", cov)
        idx = cls._det_index(det_index, n)
        return cls(t, int(sensor_id), z, cov, idx)

    @classmethod
    def empty(cls, time_s: float, sensor_id: int = -1, dims: int = 3) -> MeasurementBatch:
        """A batch with no detections (a scan that saw nothing)."""
        return cls.cartesian(
            time_s, sensor_id, np.zeros((0, dims)), np.zeros((0, dims, dims)), np.zeros(0, int)
        )

    @classmethod
    def from_polar(
        cls,
        time_s: float,
        sensor_id: int,
        sensor_pos_enu_m: ArrayLike,
        sensor_rot: ArrayLike,
        range_m: ArrayLike,
        az_rad: ArrayLike,
        el_rad: ArrayLike,
        sigma_range_m: ArrayLike,
        sigma_az_rad: ArrayLike,
        sigma_el_rad: ArrayLike,
        det_index: ArrayLike | None = None,
    ) -> MeasurementBatch:
        """Radar detections (range, azimuth, elevation) as unbiased converted measurements.

        Parameters
        ----------
        time_s : float
            Measurement time, s.
        sensor_id : int
            Sensor identifier.
        sensor_pos_enu_m : array_like, shape (3,)
            Sensor position in scenario ENU, m.
        sensor_rot : array_like, shape (3, 3)
            Rotation from scenario-ENU vectors to the sensor's local ENU (as
            :attr:`samsim.geo.frames.Site.rot`).
        range_m, az_rad, el_rad : array_like, shape (n,)
            Measured slant range (m), azimuth (rad, clockwise from local north) and elevation
            (rad, above the local horizontal).
        sigma_range_m, sigma_az_rad, sigma_el_rad : float or array_like, shape (n,)
            Standard deviations of the measurement errors.
        det_index : array_like of int, shape (n,), optional
            Caller's detection indices; default ``arange(n)``.

        Notes
        -----
        See :func:`unbiased_converted_measurement` for the conversion and its covariance;
        the local result is rotated into scenario ENU: z = pos + rot' z_loc,
        R = rot' R_loc rot.
        """
        t = float(time_s)
        if not np.isfinite(t):
            raise ValueError(f"time_s must be a finite number of seconds, got {time_s!r}.")
        pos = np.asarray(sensor_pos_enu_m, dtype=float)
        if pos.shape != (3,) or not all(map(math.isfinite, pos.tolist())):
            raise ValueError(f"sensor_pos_enu_m must be 3 finite numbers, got {pos!r}.")
        rot = np.asarray(sensor_rot, dtype=float)
        if rot.shape != (3, 3) or not all(map(math.isfinite, rot.ravel().tolist())):
            raise ValueError(f"sensor_rot must be a finite (3, 3) rotation, got shape {rot.shape}.")
        key = rot.tobytes()
        err = 0.0 if key in _ORTHONORMAL else np.abs(rot @ rot.T - np.eye(3)).max()
        if err <= 1e-6 and len(_ORTHONORMAL) < 1024:
            _ORTHONORMAL.add(key)  # a sensor's rotation is checked once, not every scan
        if err > 1e-6:
            raise ValueError(
                f"sensor_rot must be orthonormal (rot @ rot.T = I); off by {err:.3g}. Pass "
                "Site.rot from samsim.geo.frames."
            )
        r = _as_1d("range_m", range_m, None)
        n = r.shape[0]
        az = _as_1d("az_rad", az_rad, n)
        el = _as_1d("el_rad", el_rad, n)
        s_r = _as_1d("sigma_range_m", sigma_range_m, n)
        s_a = _as_1d("sigma_az_rad", sigma_az_rad, n)
        s_e = _as_1d("sigma_el_rad", sigma_el_rad, n)
        if not _polar_inputs_valid(r, az, el, s_r, s_a, s_e):  # one pass; details below
            for name, a in (("range_m", r), ("az_rad", az), ("el_rad", el)):
                _check_finite(name, a)
            for name, a in (
                ("sigma_range_m", s_r),
                ("sigma_az_rad", s_a),
                ("sigma_el_rad", s_e),
            ):
                _check_finite(name, a)
                if (a <= 0).any():
                    raise ValueError(f"{name} must be positive, got {a[a <= 0][:5].tolist()}.")
            if (r <= 0).any():
                raise ValueError(f"range_m must be positive, got {r[r <= 0][:5].tolist()}.")
        z, R = _polar_to_enu(pos, rot, r, az, el, s_r, s_a, s_e)
        idx = cls._det_index(det_index, n)
        return cls(t, int(sensor_id), z, R, idx)

    @classmethod
    def _from_radar_with_enu(
        cls,
        time_s: float,
        sensor_id: int,
        sensor_pos_enu_m: FloatArray,
        sensor_rot: FloatArray,
        range_m: FloatArray,
        az_rad: FloatArray,
        el_rad: FloatArray,
        sigma_range_m: FloatArray,
        sigma_az_rad: FloatArray,
        sigma_el_rad: FloatArray,
    ) -> tuple[MeasurementBatch, FloatArray | None]:
        """:meth:`from_polar` of the engine's own radar detections (float64 vectors of
        one length, a :class:`~samsim.geo.frames.Site`'s position and rotation, a finite
        time; detection indices ``arange(n)``) without the checks of argument types and
        shapes (the same batch, bit for bit), and the detections' plain measured
        positions in scenario ENU, ``(r cos el sin az, r cos el cos az, r sin el) rot +
        pos`` (what :meth:`~samsim.geo.frames.Site.aer_to_enu` gives for the site of
        ``pos`` and ``rot``), from the same sines and cosines of azimuth and elevation:
        numpy's, once for both. The checks and the angle arguments in one compiled pass
        (:func:`_checked_ucm_arguments`). Detections that fail a check go through
        :meth:`from_polar` (its errors) and the positions are None.
        """
        r, s_r = range_m, sigma_range_m
        args = _checked_ucm_arguments(r, az_rad, el_rad, s_r, sigma_az_rad, sigma_el_rad)
        if args.shape[0] == 0:
            batch = cls.from_polar(
                time_s, sensor_id, sensor_pos_enu_m, sensor_rot, r, az_rad, el_rad, s_r,
                sigma_az_rad, sigma_el_rad,
            )  # fmt: skip
            return batch, None
        n = r.shape[0]
        z_loc = np.empty((n, 3))
        R_loc = np.empty((n, 3, 3))
        plain = None
        if n:
            loc = np.empty((n, 3))
            ang = args[:4]  # (transcendental functions numpy's, as in _ucm)
            _ucm_local_kernel(r, s_r, np.sin(ang), np.cos(ang), np.exp(args[4:]), z_loc, R_loc, loc)
            plain = loc @ sensor_rot + sensor_pos_enu_m
        # (matrix products stay numpy's, as in _polar_to_enu)
        z = sensor_pos_enu_m + z_loc @ sensor_rot
        R = sensor_rot.T @ R_loc @ sensor_rot
        _symmetrise(R)
        batch = cls(float(time_s), int(sensor_id), z, R, np.arange(n, dtype=np.int64))
        return batch, plain

    @staticmethod
    def _det_index(det_index: ArrayLike | None, n: int) -> IntArray:
        if det_index is None:
            return np.arange(n, dtype=np.int64)
        if (
            type(det_index) is np.ndarray
            and det_index.dtype == np.int64
            and det_index.shape == (n,)
        ):
            return det_index.copy()
        idx = np.asarray(det_index)
        if idx.shape != (n,) or not (
            np.issubdtype(idx.dtype, np.integer) or (idx.size == 0 and idx.dtype == float)
        ):
            raise ValueError(
                f"det_index must be an integer array of shape ({n},), got dtype {idx.dtype} and "
                f"shape {idx.shape}."
            )
        return idx.astype(np.int64)


def unbiased_converted_measurement(
    range_m: FloatArray,
    az_rad: FloatArray,
    el_rad: FloatArray,
    sigma_range_m: FloatArray,
    sigma_az_rad: FloatArray,
    sigma_el_rad: FloatArray,
) -> tuple[FloatArray, FloatArray]:
    """Unbiased converted measurement of range/azimuth/elevation in the sensor's ENU.

    Parameters
    ----------
    range_m, az_rad, el_rad : ndarray, shape (n,)
        Measured range, azimuth (clockwise from north) and elevation.
    sigma_range_m, sigma_az_rad, sigma_el_rad : ndarray, shape (n,)
        Error standard deviations (Gaussian, independent).

    Returns
    -------
    z_loc : ndarray, shape (n, 3)
        East, north, up in the sensor's local frame, m.
    R_loc : ndarray, shape (n, 3, 3)
        Covariance of the conversion error given the measurement, m^2.

    Notes
    -----
    With l_a = exp(-s_a^2/2), l_e = exp(-s_e^2/2) (so E[cos w_a] = l_a) the multiplicative
    debiasing of Mo, Song, Zhou, Sun and Bar-Shalom, "Unbiased converted measurements for
    tracking", IEEE Trans. AES 34(3), 1998 (3-D case) gives::

        e = r cos(el) sin(az) / (l_a l_e),  n = r cos(el) cos(az) / (l_a l_e),
        u = r sin(el) / l_e,

    which is unbiased: E[z_u | truth] = truth. Its covariance is the conditional mean square
    error given the measured values, R = E[(z_u - z)(z_u - z)' | r_m, az_m, el_m], the
    "average true covariance" of the same paper, written here in the moment form
    R_ab = a_u b_u - a_u E[b] - b_u E[a] + E[ab]) with E[cos^2(az)] = (1 + l'_a cos 2az)/2,
    E[sin^2(az)] = (1 - l'_a cos 2az)/2, E[sin cos] = l'_a sin(2az)/2, l'_a = exp(-2 s_a^2),
    likewise in elevation, and E[r^2] = r_m^2 + s_r^2.
    """
    n = np.shape(range_m)[0]
    return _ucm(
        _float_vector(range_m, n),
        _float_vector(az_rad, n),
        _float_vector(el_rad, n),
        _float_vector(sigma_range_m, n),
        _float_vector(sigma_az_rad, n),
        _float_vector(sigma_el_rad, n),
    )


def _polar_to_enu(
    pos: FloatArray,
    rot: FloatArray,
    r: FloatArray,
    az: FloatArray,
    el: FloatArray,
    s_r: FloatArray,
    s_a: FloatArray,
    s_e: FloatArray,
) -> tuple[FloatArray, FloatArray]:
    """Checked polar detections (float64 vectors of one length) as converted measurements
    in scenario ENU (:meth:`MeasurementBatch.from_polar`): z = pos + z_loc rot and
    R = (C + C') / 2 with C = rot' R_loc rot."""
    z_loc, R_loc = _ucm(r, az, el, s_r, s_a, s_e)
    # (matrix products stay numpy's: BLAS rounds differently from a plain loop)
    z = pos + z_loc @ rot
    R = rot.T @ R_loc @ rot
    _symmetrise(R)
    return z, R


def _ucm(
    r: FloatArray, az: FloatArray, el: FloatArray, s_r: FloatArray, s_a: FloatArray, s_e: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """:func:`unbiased_converted_measurement` of float64 vectors of one length (no
    conversion)."""
    n = r.shape[0]
    z = np.empty((n, 3))
    R = np.empty((n, 3, 3))
    if n == 0:
        return z, R
    # Transcendental functions in numpy (its SIMD versions round differently from
    # numba's), one call each over stacked arguments; the arithmetic in compiled loops.
    ang, earg = _ucm_arguments(az, el, s_a, s_e)
    _ucm_kernel(r, s_r, np.sin(ang), np.cos(ang), np.exp(earg), z, R)
    return z, R


def _float_vector(value: ArrayLike, n: int) -> FloatArray:
    """``value`` as a float64 array of shape (n,) (a scalar broadcast), without a copy when
    it already is one."""
    if type(value) is np.ndarray and value.dtype == np.float64 and value.shape == (n,):
        return value
    return np.broadcast_to(np.asarray(value, dtype=np.float64), (n,))


@nb.njit(cache=True)
def _ucm_arguments(
    az: FloatArray, el: FloatArray, s_a: FloatArray, s_e: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Arguments of the sines/cosines (az, el, 2 az, 2 el) and of the exponentials
    (-s_a^2/2, -s_e^2/2, -2 s_a^2, -2 s_e^2) of :func:`unbiased_converted_measurement`,
    stacked row-wise, computed as the reference's array expressions do."""
    n = az.shape[0]
    ang = np.empty((4, n))
    earg = np.empty((4, n))
    for k in range(n):
        ang[0, k] = az[k]
        ang[1, k] = el[k]
        ang[2, k] = 2.0 * az[k]
        ang[3, k] = 2.0 * el[k]
        sa2 = s_a[k] * s_a[k]
        se2 = s_e[k] * s_e[k]
        earg[0, k] = -0.5 * sa2
        earg[1, k] = -0.5 * se2
        earg[2, k] = -2.0 * sa2
        earg[3, k] = -2.0 * se2
    return ang, earg


@nb.njit(cache=True)
def _checked_ucm_arguments(
    r: FloatArray, az: FloatArray, el: FloatArray, s_r: FloatArray, s_a: FloatArray, s_e: FloatArray
) -> FloatArray:
    """:func:`_polar_inputs_valid` and :func:`_ucm_arguments` in one pass: the rows of
    ``_ucm_arguments``' two (4, n) arrays stacked as one (8, n) array (angles, then
    exponent arguments), or an array of shape (0, 0) when a detection fails a check."""
    if not _polar_inputs_valid(r, az, el, s_r, s_a, s_e):
        return np.empty((0, 0))
    ang, earg = _ucm_arguments(az, el, s_a, s_e)
    n = az.shape[0]
    out = np.empty((8, n))
    out[:4] = ang
    out[4:] = earg
    return out


@nb.njit(cache=True)
def _ucm_local_kernel(
    r: FloatArray,
    s_r: FloatArray,
    sn: FloatArray,
    cs: FloatArray,
    ex: FloatArray,
    z: FloatArray,
    R: FloatArray,
    loc: FloatArray,
) -> None:
    """:func:`_ucm_kernel`, and into ``loc`` (n, 3) the plain site-local positions
    ``(r cos el sin az, r cos el cos az, r sin el)`` from the same sines and cosines: the
    arithmetic of :func:`samsim.geo.frames._polar_to_local_kernel`."""
    _ucm_kernel(r, s_r, sn, cs, ex, z, R)
    for k in range(r.shape[0]):
        rc = r[k] * cs[1, k]
        loc[k, 0] = rc * sn[0, k]
        loc[k, 1] = rc * cs[0, k]
        loc[k, 2] = r[k] * sn[1, k]


@nb.njit(cache=True)
def _ucm_kernel(
    r: FloatArray,
    s_r: FloatArray,
    sn: FloatArray,
    cs: FloatArray,
    ex: FloatArray,
    z: FloatArray,
    R: FloatArray,
) -> None:
    """Arithmetic of :func:`unbiased_converted_measurement` per detection, from the sines
    ``sn`` and cosines ``cs`` of the rows of ``_ucm_arguments``' angles and the
    exponentials ``ex`` of its exponent arguments: the operations (and their order) of
    :func:`unbiased_converted_measurement_numpy`."""
    for k in range(r.shape[0]):
        rk = r[k]
        la, le, la2, le2 = ex[0, k], ex[1, k], ex[2, k], ex[3, k]
        sa, se, ca, ce = sn[0, k], sn[1, k], cs[0, k], cs[1, k]
        e_u = rk * ce * sa / (la * le)
        n_u = rk * ce * ca / (la * le)
        u_u = rk * se / le
        Ee = rk * le * ce * la * sa
        En = rk * le * ce * la * ca
        Eu = rk * le * se
        rho2 = rk * rk + s_r[k] * s_r[k]
        c2el = le2 * cs[3, k]
        c2az = la2 * cs[2, k]
        cos2el = 0.5 * (1.0 + c2el)
        sin2el = 0.5 * (1.0 - c2el)
        sincos_el = 0.5 * le2 * sn[3, k]
        cos2az = 0.5 * (1.0 + c2az)
        sin2az = 0.5 * (1.0 - c2az)
        sincos_az = 0.5 * la2 * sn[2, k]
        Eee = rho2 * cos2el * sin2az
        Enn = rho2 * cos2el * cos2az
        Euu = rho2 * sin2el
        Een = rho2 * cos2el * sincos_az
        Eeu = rho2 * sincos_el * la * sa
        Enu = rho2 * sincos_el * la * ca
        R[k, 0, 0] = e_u * e_u - 2.0 * e_u * Ee + Eee
        R[k, 1, 1] = n_u * n_u - 2.0 * n_u * En + Enn
        R[k, 2, 2] = u_u * u_u - 2.0 * u_u * Eu + Euu
        R[k, 0, 1] = R[k, 1, 0] = e_u * n_u - e_u * En - n_u * Ee + Een
        R[k, 0, 2] = R[k, 2, 0] = e_u * u_u - e_u * Eu - u_u * Ee + Eeu
        R[k, 1, 2] = R[k, 2, 1] = n_u * u_u - n_u * Eu - u_u * En + Enu
        z[k, 0], z[k, 1], z[k, 2] = e_u, n_u, u_u


@nb.njit(cache=True)
def _symmetrise(R: FloatArray) -> None:
    """R <- (R + R') / 2 in place, for a stack of 3 x 3 matrices (as ``0.5 * (R +
    swapaxes(R, -1, -2))``)."""
    for k in range(R.shape[0]):
        for a in range(3):
            for b in range(a, 3):
                v = 0.5 * (R[k, a, b] + R[k, b, a])
                R[k, a, b] = v
                R[k, b, a] = v


def unbiased_converted_measurement_numpy(
    range_m: FloatArray,
    az_rad: FloatArray,
    el_rad: FloatArray,
    sigma_range_m: FloatArray,
    sigma_az_rad: FloatArray,
    sigma_el_rad: FloatArray,
) -> tuple[FloatArray, FloatArray]:
    """Plain-numpy twin of :func:`unbiased_converted_measurement` (same formulas, same
    results bit for bit), for reference and tests."""
    r, az, el = range_m, az_rad, el_rad
    la, le = np.exp(-0.5 * sigma_az_rad**2), np.exp(-0.5 * sigma_el_rad**2)
    la2, le2 = np.exp(-2.0 * sigma_az_rad**2), np.exp(-2.0 * sigma_el_rad**2)
    sa, ca, se, ce = np.sin(az), np.cos(az), np.sin(el), np.cos(el)
    e_u = r * ce * sa / (la * le)
    n_u = r * ce * ca / (la * le)
    u_u = r * se / le
    # First moments of the truth given the measurement.
    Ee = r * le * ce * la * sa
    En = r * le * ce * la * ca
    Eu = r * le * se
    rho2 = r**2 + sigma_range_m**2
    c2el, c2az = le2 * np.cos(2.0 * el), la2 * np.cos(2.0 * az)
    cos2el = 0.5 * (1.0 + c2el)
    sin2el = 0.5 * (1.0 - c2el)
    sincos_el = 0.5 * le2 * np.sin(2.0 * el)
    cos2az = 0.5 * (1.0 + c2az)
    sin2az = 0.5 * (1.0 - c2az)
    sincos_az = 0.5 * la2 * np.sin(2.0 * az)
    Eee = rho2 * cos2el * sin2az
    Enn = rho2 * cos2el * cos2az
    Euu = rho2 * sin2el
    Een = rho2 * cos2el * sincos_az
    Eeu = rho2 * sincos_el * la * sa
    Enu = rho2 * sincos_el * la * ca
    n = r.shape[0]
    R = np.empty((n, 3, 3))
    R[:, 0, 0] = e_u * e_u - 2.0 * e_u * Ee + Eee
    R[:, 1, 1] = n_u * n_u - 2.0 * n_u * En + Enn
    R[:, 2, 2] = u_u * u_u - 2.0 * u_u * Eu + Euu
    R[:, 0, 1] = R[:, 1, 0] = e_u * n_u - e_u * En - n_u * Ee + Een
    R[:, 0, 2] = R[:, 2, 0] = e_u * u_u - e_u * Eu - u_u * Ee + Eeu
    R[:, 1, 2] = R[:, 2, 1] = n_u * u_u - n_u * Eu - u_u * En + Enu
    z = np.empty((n, 3))
    z[:, 0], z[:, 1], z[:, 2] = e_u, n_u, u_u
    return z, R
