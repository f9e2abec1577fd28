"""The fire-control channels' fast paths against the array code they replace (issue 16).

``FireControlChannels.plan`` picks its rows in one kernel and computes its windows'
geometry with :meth:`samsim.geo.frames.Site.aer` (range and elevation in one kernel): the
looks, the held tracks and the urgencies must be those of the former code, bit for bit
(the event logs depend on it). The former code is kept here as the reference; random
scans, compared through bytes.
"""

from __future__ import annotations

import math
from collections.abc import Collection

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from samsim.geo.frames import EnuFrame
from samsim.geo.terrain import TerrainGrid
from samsim.scenario.catalog import load_catalog
from samsim.sensors.cueing import (
    _PREFERRED,
    FireControlChannels,
    LookPlan,
    _field_of_regard,
    _outranks,
    _outranks_one,
    _plan_kernel,
    _sin_bound,
    _window_halves,
    _windows_from_offsets,
    member,
    time_to_go_s,
)
from samsim.sensors.radar import Radar, Windows

seeds = st.integers(min_value=0, max_value=2**32 - 1)
FRAME = EnuFrame(40.0, -40.0, 0.0)


def _radar(
    name: str,
    half_width_rad: float | None = None,
    centre_rad: float = 0.0,
    site_deg: tuple[float, float] = (40.0, -40.0),
) -> Radar:
    spec = load_catalog()["radars"][name].spec
    if half_width_rad is not None:
        spec = spec.model_copy(update={"azimuth_half_width_rad": half_width_rad})
    base = FRAME.geodetic_to_enu(*site_deg, 0.0)
    return Radar(name, 0, 0, spec, FRAME, base, TerrainGrid.flat(FRAME, 0.0), centre_rad, 4 / 3)


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def _reference_track_windows(
    radar: Radar, track_ids: np.ndarray, pos_m: np.ndarray, cov: np.ndarray, n_sigma: float
) -> Windows:
    """track_windows as it was: ``Site.aer`` and ``np.full``."""
    s = radar.spec
    m = len(track_ids)
    if m == 0:
        return Windows.empty()
    az, el, r = radar.site.aer(pos_m)
    rot = radar.site.rot
    cov_local = np.ascontiguousarray(rot[None, :, :] @ cov @ rot.T[None, :, :])
    max_beams = 0.5 * s.cue_window_max_beams
    baz, bel = s.beamwidth_az_rad, s.beamwidth_el_rad
    half = np.empty((3, m))  # (the kernel's range row unused: np.full as before)
    _window_halves(
        np.stack([np.sin(az), np.sin(el)]), np.stack([np.cos(az), np.cos(el)]), cov_local, r,
        float(n_sigma), 0.5 * baz, max_beams * baz, 0.5 * bel, max_beams * bel, 0.0, half,
    )  # fmt: skip
    return Windows(
        np.asarray(track_ids, dtype=np.int64), r, az, el,
        np.full(m, max(s.cue_window_range_m, radar.range_resolution_m)), half[1], half[2],
    )  # fmt: skip


class _ReferenceChannels(FireControlChannels):
    """FireControlChannels with the former ``plan`` and ``update``."""

    def update(
        self,
        time_s: float,
        det_track_id: np.ndarray,
        det_range_m: np.ndarray,
        confirmed_ids: Collection[int],
        engaged: Collection[int] = (),
        det_in_sector: np.ndarray | None = None,
    ) -> np.ndarray:
        tids = np.asarray(det_track_id, dtype=np.int64)
        n = len(tids)
        sector = np.zeros(n, dtype=bool) if det_in_sector is None else det_in_sector
        key = self._key
        keys = np.array(
            [
                key.get(k, r)
                for k, r in zip(tids.tolist(), np.asarray(det_range_m).tolist(), strict=True)
            ],
            dtype=np.float64,
        )
        order = np.lexsort((keys, ~member(tids, self.held)))
        for j in order.tolist():
            k = int(tids[j])
            if k < 0:
                continue
            urgency = float(keys[j])
            if k in self.held:
                self.held[k] = (time_s, urgency)
                continue
            if k not in confirmed_ids or not (k in self._cued or sector[j]):
                continue
            if len(self.held) >= self.capacity:
                victims = [(v[1], kk) for kk, v in self.held.items() if kk not in engaged]
                if not victims:
                    continue
                worst, far = max(victims)
                if not _outranks_one(urgency, worst):
                    continue
                del self.held[far]
            self.held[k] = (time_s, urgency)
        return member(tids, self.held)

    def plan(
        self,
        time_s: float,
        track_ids: np.ndarray,
        x: np.ndarray,
        cov: np.ndarray,
        engaged: Collection[int] = (),
        preferred: np.ndarray | None = None,
    ) -> LookPlan:
        radar = self.radar
        s = radar.spec
        ids = np.asarray(track_ids, dtype=np.int64)
        if len(ids) == 0:
            self.held.clear()
            self._cued = set()
            e = np.zeros(0, dtype=np.int64)
            return LookPlan(Windows.empty(), e, e.copy())
        key = time_to_go_s(radar, x)
        if preferred is not None:
            key = np.where(preferred, key - _PREFERRED, key)
        self._key = dict(zip(ids.tolist(), key.tolist(), strict=True))
        live = set(ids.tolist())
        for k, (last, _) in list(self.held.items()):
            if k not in live or (time_s - last > self.hold_s and k not in engaged):
                del self.held[k]
        is_held = member(ids, self.held)
        pos = np.asarray(x[:, :3], dtype=float)
        az, el, r = radar.site.aer(pos)
        field = (r >= s.min_range_m) & (r <= s.instrumented_range_m)
        field &= (el >= s.elevation_min_rad) & (el <= s.elevation_max_rad)
        if s.azimuth_half_width_rad < math.pi:
            off = np.abs((az - radar.azimuth_center_rad + math.pi) % (2 * math.pi) - math.pi)
            field &= off <= s.azimuth_half_width_rad
        for k in self.held:
            self.held[k] = (self.held[k][0], self._key.get(k, self.held[k][1]))
        cand = (~is_held & field).nonzero()[0]
        cand = cand[np.argsort(key[cand], kind="stable")]
        if self.capacity - len(self.held) <= 0:
            victims = [v for k, (_, v) in self.held.items() if k not in engaged]
            cand = cand[_outranks(key[cand], max(victims))] if victims else cand[:0]
        rows = np.concatenate([is_held.nonzero()[0], cand])
        windows = _reference_track_windows(
            radar, ids[rows], pos[rows], np.asarray(cov[rows, :3, :3]), s.cue_window_sigmas
        )
        self._cued = set(ids[cand].tolist())
        return LookPlan(windows, ids[is_held], ids[cand])


def _same_plan(a: LookPlan, b: LookPlan) -> bool:
    wa, wb = a.windows, b.windows
    return (
        all(
            _same(getattr(wa, f), getattr(wb, f))
            for f in ("track_id", "range_m", "az_rad", "el_rad", "half_range_m")
        )
        and _same(wa.half_az_rad, wb.half_az_rad)
        and _same(wa.half_el_rad, wb.half_el_rad)
        and _same(a.held, b.held)
        and _same(a.cued, b.cued)
    )


@settings(max_examples=60, deadline=None)
@given(
    seeds,
    st.sampled_from(["92N6E", "pantsir_s1_track", "tor_m2_track"]),
    st.sampled_from([None, 0.6, 2.0]),
    st.booleans(),
    st.booleans(),
)
def test_plan_equals_the_former_plan(
    seed: int, name: str, half_width: float | None, with_preferred: bool, away: bool
) -> None:
    """Scan after scan (tracks appearing and going, detections acquiring them, channels
    filling up, a sector-limited radar, ballistic-first tracks, equal urgencies, a site
    at the frame's origin or away from it: a general rotation), the plan and the
    channels' state are the former code's, bit for bit."""
    rng = np.random.default_rng(seed)
    site_deg = (
        (40.0 + rng.uniform(-1.0, 1.0), -40.0 + rng.uniform(-1.0, 1.0)) if away else (40.0, -40.0)
    )
    radar = _radar(name, half_width, float(rng.uniform(0.0, 2 * math.pi)), site_deg)
    new = FireControlChannels(radar, 4.0)
    ref = _ReferenceChannels(radar, 4.0)
    n_all = int(rng.integers(1, 30))
    site = radar.site.position_enu_m
    x_all = np.empty((n_all, 6))
    x_all[:, :3] = site + rng.normal(0.0, 1.0, (n_all, 3)) * [60e3, 60e3, 4e3]
    x_all[:, 2] = np.abs(x_all[:, 2] - site[2]) + site[2] - rng.uniform(-200.0, 5e3, n_all)
    x_all[:, 3:] = rng.normal(0.0, 250.0, (n_all, 3))
    a = rng.normal(0.0, 1.0, (n_all, 3, 3)) * rng.uniform(10.0, 3e3, (n_all, 1, 1))
    cov_all = np.zeros((n_all, 6, 6))
    cov_all[:, :3, :3] = a @ np.swapaxes(a, 1, 2)
    t = 0.0
    for _ in range(int(rng.integers(1, 12))):
        t += float(rng.choice([0.5, 1.0, 5.0]))
        rows = np.sort(rng.choice(n_all, int(rng.integers(0, n_all + 1)), replace=False))
        ids = rows.astype(np.int64) + 100
        x = x_all[rows] + rng.normal(0.0, 50.0, (len(rows), 6))
        if len(x) > 2:  # ties: the same state twice, and a track that does not close
            x[-1] = x[0]
            x[1, 3:] = 0.0
        if len(x) > 3 and rng.random() < 0.3:  # on the minimum range (Site.aer decides)
            x[2, :3] = radar.site.from_local([0.0, radar.spec.min_range_m, 0.0])
        cov = cov_all[rows]
        engaged = set(rng.choice(ids, min(len(ids), 2)).tolist()) if len(ids) else set()
        pref = rng.random(len(ids)) < 0.3 if with_preferred else None
        pa = new.plan(t, ids, x, cov, engaged, pref)
        pb = ref.plan(t, ids, x, cov, engaged, pref)
        assert _same_plan(pa, pb)
        assert repr(list(new.held.items())) == repr(list(ref.held.items()))
        assert new._cued == ref._cued and new._key == ref._key
        # detections on some of the looked-at tracks acquire them
        looked = pa.windows.track_id
        det = rng.choice(looked, int(rng.integers(0, len(looked) + 1))) if len(looked) else looked
        det = np.concatenate([det, [-1]]).astype(np.int64)
        # unknown tracks (ranked by their range), equal ranges and a NaN range
        det = np.concatenate([det, rng.integers(0, 200, int(rng.integers(0, 4)))])
        rngs = rng.choice([1e3, 5e4, rng.uniform(1e3, 1e5)], len(det))
        if len(det) > 3 and rng.random() < 0.3:
            rngs[int(rng.integers(0, len(det)))] = np.nan
        confirmed = set(ids[rng.random(len(ids)) < 0.8].tolist()) | set(det.tolist())
        sector = rng.random(len(det)) < 0.3 if rng.random() < 0.5 else None
        ua = new.update(t, det, rngs, confirmed, engaged, sector)
        ub = ref.update(t, det, rngs, confirmed, engaged, sector)
        assert _same(ua, ub)
        assert repr(list(new.held.items())) == repr(list(ref.held.items()))  # (NaN too)


@settings(max_examples=80, deadline=None)
@given(st.integers(0, 40), seeds, st.sampled_from([1.0, 1e3, 1e5]))
def test_site_aer_equals_the_array_form(n: int, seed: int, scale: float) -> None:
    """The windows' azimuth, elevation and range (``Site.aer``, its range and sine of
    elevation in one kernel) are those of the array form the windows used, bit for bit,
    for points near and far, overhead, at the site itself and NaN, contiguous or not."""
    rng = np.random.default_rng(seed)
    site = _radar("92N6E").site
    pos = site.position_enu_m + rng.normal(0.0, scale, (n, 3))
    if n > 4:
        pos[0] = site.position_enu_m  # zero range
        pos[1, :2] = site.position_enu_m[:2]  # straight up
        pos[2, 1] = np.nan
    for p in (pos, np.concatenate([pos, pos], axis=1)[:, 1:4]):  # contiguous and a view
        loc = site.to_local(p)
        e, n_, u = loc[..., 0], loc[..., 1], loc[..., 2]
        rg = np.sqrt(e * e + n_ * n_ + u * u)
        want = (
            np.mod(np.arctan2(e, n_), 2.0 * np.pi),
            np.arcsin(np.minimum(np.maximum(u / np.maximum(rg, 1e-9), -1.0), 1.0)),
            rg,
        )
        for got, ref in zip(site.aer(p), want, strict=True):
            assert _same(got, ref)


@settings(max_examples=120, deadline=None)
@given(st.integers(1, 30), seeds, st.sampled_from([1.0, 1e3, 1e5, 4e5]), st.booleans())
def test_field_of_regard_is_that_of_site_aer(n: int, seed: int, scale: float, edge: bool) -> None:
    """The plan's field-of-regard flags without ``Site.aer``: when the kernel answers, its
    flags are the bounds applied to ``Site.aer``'s range and elevation, for points near
    and far, overhead and below; a point exactly on a bound (range or elevation, as
    ``Site.aer`` gives them) or NaN makes it decline, and the plan then takes
    ``Site.aer``."""
    rng = np.random.default_rng(seed)
    radar = _radar("92N6E")
    site = radar.site
    pos = site.position_enu_m + rng.normal(0.0, scale, (n, 3))
    az, el, r = site.aer(pos)
    lo_r, hi_r = float(rng.uniform(0.0, 2e3)), float(rng.uniform(2e4, 5e5))
    lo_el = float(rng.choice([-math.pi / 2, -0.0175, -0.3]))
    hi_el = float(rng.choice([math.pi / 2, 1.309, 0.2, 2.0]))
    if edge:  # a bound exactly on one point's range or elevation, as Site.aer has it
        k = int(rng.integers(0, n))
        which = int(rng.integers(0, 5))
        if which == 0:
            lo_r = float(r[k])
        elif which == 1:
            hi_r = float(r[k])
        elif which == 2:
            lo_el = float(el[k])
        elif which == 3:
            hi_el = float(el[k])
        else:
            pos[k, 1] = np.nan
            az, el, r = site.aer(pos)
    inside = np.empty(n, dtype=bool)
    ok = _field_of_regard(
        np.asarray(pos[:, :3]), np.ascontiguousarray(site.position_enu_m), site.rot,
        lo_r, hi_r, _sin_bound(lo_el), _sin_bound(hi_el), inside,
    )  # fmt: skip
    if edge:
        assert not ok
    if ok:
        want = (r >= lo_r) & (r <= hi_r) & (el >= lo_el) & (el <= hi_el)
        assert _same(inside, want)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(-3, 40), max_size=30), st.sets(st.integers(-3, 40)), st.booleans())
def test_member_is_isin(ids: list[int], keys: set[int], as_dict: bool) -> None:
    """``member`` is ``np.isin`` (a boolean per id, empty for no ids), for a set or the
    keys of a dict (the held tracks)."""
    a = np.array(ids, dtype=np.int64)
    got = member(a, dict.fromkeys(keys, (0.0, 0.0)) if as_dict else keys)
    assert _same(got, np.isin(a, np.array(sorted(keys), dtype=np.int64)))


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 45), seeds, st.sampled_from([1.0, 1e3, 3e4, 2e5]), st.booleans())
def test_windows_from_offsets_are_track_windows(
    n: int, seed: int, scale: float, special: bool
) -> None:
    """The plan's windows from the rows the kernel gathered (offsets from the site, its
    own aer rows, numpy's sin and cos once each on azimuth and elevation stacked, the
    windows built without the frozen dataclass's ``__init__``) are the former
    ``track_windows``'s (``Site.aer``, four trig calls), bit for bit: sites at and away
    from the frame's origin, points near and far, overhead, at the site and NaN."""
    rng = np.random.default_rng(seed)
    site_deg = (40.0 + rng.uniform(-2.0, 2.0), -40.0 + rng.uniform(-2.0, 2.0))
    radar = _radar(str(rng.choice(["92N6E", "tor_m2_track"])), site_deg=site_deg)
    site = radar.site.position_enu_m
    pos = site + rng.normal(0.0, scale, (n, 3))
    a = rng.normal(0.0, 1.0, (n, 3, 3)) * rng.uniform(1.0, 3e3, (n, 1, 1))
    cov = a @ np.swapaxes(a, 1, 2)
    if special and n > 3:
        pos[0] = site  # zero range
        pos[1, :2] = site[:2]  # straight up
        pos[2, 0] = np.nan
        cov[3] = np.diag([1.0, 0.0, 4.0])  # zeros off the diagonal, and on it
    ids = rng.integers(0, 1000, n).astype(np.int64)
    sigmas = float(rng.choice([3.0, 4.5]))
    got = _windows_from_offsets(radar, ids, pos - site, cov, sigmas)
    want = _reference_track_windows(radar, ids, pos, cov, sigmas)
    assert isinstance(got, Windows) and len(got) == n
    for f in ("track_id", "range_m", "az_rad", "el_rad", "half_range_m", "half_az_rad"):
        assert _same(getattr(got, f), getattr(want, f)), f
    assert _same(got.half_el_rad, want.half_el_rad)
    assert got == got  # a dataclass's __eq__ on the fields it set


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 30), seeds, st.booleans())
def test_plan_kernel_gathers_the_rows(n: int, seed: int, with_preferred: bool) -> None:
    """The plan kernel's gathered rows are numpy's fancy indexing of the rows it chose:
    ids, position offsets from the site and 3 x 3 position covariances; its keys are
    :func:`time_to_go_s`'s, less the preference offset where preferred."""
    rng = np.random.default_rng(seed)
    radar = _radar("92N6E", site_deg=(40.0 + rng.uniform(-1.0, 1.0), -40.0))
    s = radar.spec
    site = np.ascontiguousarray(radar.site.position_enu_m)
    x = np.empty((n, 6))
    x[:, :3] = site + rng.normal(0.0, 5e4, (n, 3)) * [1.0, 1.0, 0.1]
    x[:, 2] = np.abs(x[:, 2] - site[2]) + site[2] + 1e3
    x[:, 3:] = rng.normal(0.0, 250.0, (n, 3))
    cov = rng.normal(0.0, 1e3, (n, 6, 6))
    ids = rng.integers(0, 10_000, n).astype(np.int64)
    pref = rng.random(n) < 0.3 if with_preferred else np.zeros(0, dtype=bool)
    held_ids = rng.choice(ids, int(rng.integers(0, min(n, 8) + 1)), replace=False)
    is_held = np.empty(n, dtype=bool)
    key, rows, id_rows = np.empty(n), np.empty(n, dtype=np.int64), np.empty(n, dtype=np.int64)
    d_rows, cov_rows = np.empty((n, 3)), np.empty((n, 3, 3))
    limits = (
        float(s.min_range_m), float(s.instrumented_range_m),
        _sin_bound(float(s.elevation_min_rad)), _sin_bound(float(s.elevation_max_rad)),
    )  # fmt: skip
    n_held, n_rows = _plan_kernel(
        x, cov, ids, site, radar.site.rot, pref, True, *limits, held_ids, True, is_held, key,
        np.empty(n, dtype=bool), rows, id_rows, d_rows, cov_rows,
    )  # fmt: skip
    assert _same(is_held, np.isin(ids, held_ids))
    want_key = time_to_go_s(radar, x)
    if with_preferred:
        want_key = np.where(pref, want_key - _PREFERRED, want_key)
    assert _same(key, want_key)
    if n_rows < 0:  # a track near a bound: the caller decides
        return
    assert n_held == int(is_held.sum())
    r = rows[:n_rows]
    assert _same(id_rows[:n_rows], ids[r])
    assert _same(d_rows[:n_rows], np.asarray(x[r, :3]) - radar.site.position_enu_m)
    assert _same(cov_rows[:n_rows], np.asarray(cov[r, :3, :3]))
