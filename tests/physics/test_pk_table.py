"""Planning Pk tables: computed from the flyout, cached by content, shipped for the
catalogue, and read by the command post."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from samsim.physics import pk_table as P
from samsim.scenario.catalog import load_catalog


@pytest.fixture(scope="module")
def cat():  # type: ignore[no-untyped-def]
    return load_catalog()


@pytest.mark.slow
def test_table_reflects_threat_and_warhead(cat) -> None:  # type: ignore[no-untyped-def]
    """A weaving Mach 2.8 sea skimmer is harder than a straight subsonic cruise missile;
    a missile whose fuze never fires plans a Pk of 0 everywhere."""
    m = cat.sections["missiles"]["48N6E3"].spec
    ts = cat.sections["threats"]
    sub = P.compute_pk_table(m, ts["subsonic_cruise_missile"].spec, "sub", runs_per_cell=4)
    sup = P.compute_pk_table(m, ts["supersonic_cruise_missile"].spec, "sup", runs_per_cell=4)
    assert np.all((sub.pk >= 0) & (sub.pk <= 1)) and np.all((sup.pk >= 0) & (sup.pk <= 1))
    assert sub.pk.mean() > sup.pk.mean() + 0.2
    # never above the fuze and warhead reliability
    assert sub.pk.max() <= m.fuze_reliability + 1e-12
    dud = m.model_copy(update={"fuze_reliability": 0.0})
    zero = P.compute_pk_table(dud, ts["subsonic_cruise_missile"].spec, "sub", runs_per_cell=2)
    assert np.all(zero.pk == 0.0)
    # a table is a fixed function of the two specs (its own seeded Monte Carlo)
    again = P.compute_pk_table(m, ts["supersonic_cruise_missile"].spec, "sup", runs_per_cell=4)
    np.testing.assert_array_equal(again.pk, sup.pk)


@pytest.mark.slow
def test_a_ballistic_target_weaves_only_below_its_terminal_altitude(cat) -> None:  # type: ignore[no-untyped-def]
    """As in the engine's trajectories, a ballistic missile of a table weaves only below
    its terminal altitude: with that altitude below every row the table is the table of
    the same missile without a weave, bit for bit; with it above the lowest row that row
    changes. The key moves with the target model of ballistic types only."""
    m = cat.sections["missiles"]["48N6E3"].spec
    srbm = cat.sections["threats"]["srbm"].spec
    alts = P.threat_altitudes_m(srbm)
    never = srbm.model_copy(update={"terminal_altitude_m": float(alts.min()) - 1.0})
    plain = srbm.model_copy(update={"terminal_manoeuvre": "none"})
    a = P.compute_pk_table(m, never, "srbm", runs_per_cell=3)
    b = P.compute_pk_table(m, plain, "srbm", runs_per_cell=3)
    np.testing.assert_array_equal(a.pk, b.pk)
    high = srbm.model_copy(update={"terminal_altitude_m": float(alts[1])})
    c = P.compute_pk_table(m, high, "srbm", runs_per_cell=3)
    low = alts < float(alts[1])
    assert not np.array_equal(c.pk[:, low], b.pk[:, low])
    # (the rows at or above it do not weave either, but they share the batch's random
    # numbers with the rows that do, so they are not compared bit for bit)
    sub = cat.sections["threats"]["subsonic_cruise_missile"].spec
    old_blob = [P.TABLE_VERSION, m.model_dump(mode="json"), sub.model_dump(mode="json")]
    import hashlib

    want = hashlib.sha256(json.dumps(old_blob, sort_keys=True).encode()).hexdigest()[:24]
    assert P.table_key(m, sub) == want  # other types keep their key


def test_lookup_interpolates_and_clamps() -> None:
    t = P.PkTable(
        "m",
        "t",
        "k",
        np.array([0.1, 0.5]),
        np.array([100.0, 1000.0]),
        np.array([0.0, np.pi / 2]),
        np.array([[[0.2, 0.6], [0.4, 0.8]], [[0.0, 0.2], [0.2, 0.4]]]),
        4,
        100e3,
    )
    assert t.lookup(30e3, 100.0, 0.0) == pytest.approx(0.4)  # halfway in range
    assert t.lookup(30e3, 550.0, 0.0) == pytest.approx(0.5)  # and in altitude
    assert t.lookup(30e3, 100.0, np.pi / 4) == pytest.approx(0.25)  # and in aspect
    assert t.lookup(1e6, 1e5, 3.0) == pytest.approx(0.4)  # clamped, tail folded to crossing
    assert t.lookup(-1.0, -5.0, -0.0) == pytest.approx(0.2)


def test_catalogue_pairs_ship_with_samsim(cat) -> None:  # type: ignore[no-untyped-def]
    """Every (missile, threat) pair of the packaged catalogue has its table in
    physics/pk_tables.json under the current specs' key: run tools/build_pk_tables.py
    after changing a catalogue figure or the table model."""
    shipped = P._packaged()
    missing = [
        (m, t)
        for m, me in cat.sections["missiles"].items()
        for t, te in cat.sections["threats"].items()
        if P.table_key(me.spec, te.spec) not in shipped
    ]
    assert not missing, f"stale or missing Pk tables (rebuild them): {missing[:5]}"


def test_computed_tables_are_cached_on_disk(tmp_path, monkeypatch, cat) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SAMSIM_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(P, "RUNS_PER_CELL", 1)
    monkeypatch.setattr(P, "compute_pk_table", _counting(P.compute_pk_table))
    P._pk_table_cached.cache_clear()
    m = cat.sections["missiles"]["9M96E"].spec.model_copy(update={"nav_constant": 3.5})
    th = cat.sections["threats"]["one_way_attack_drone"].spec
    first = P.pk_table(m, th, "drone")
    files = list((tmp_path / "pk").glob("*.json"))
    assert len(files) == 1 and json.loads(files[0].read_text())["key"] == first.key
    P._pk_table_cached.cache_clear()
    second = P.pk_table(m, th, "drone")  # read back, not recomputed
    np.testing.assert_array_equal(second.pk, first.pk)
    assert P.compute_pk_table.calls == 1  # type: ignore[attr-defined]
    P._pk_table_cached.cache_clear()


def test_spec_json_is_serialised_once_per_spec_object(cat) -> None:  # type: ignore[no-untyped-def]
    """pk_table keys its cache by the specs' JSON, serialised once per spec object: the
    same text as model_dump_json; a copy with another figure gets its own; the specs
    are frozen (the identity memo relies on it)."""
    m = cat.sections["missiles"]["9M96E"].spec
    th = cat.sections["threats"]["one_way_attack_drone"].spec
    assert P._spec_json(m) == m.model_dump_json()
    assert P._spec_json(th) == th.model_dump_json()
    assert P._spec_json(m) is P._spec_json(m)  # not serialised again
    other = m.model_copy(update={"nav_constant": 3.5})
    assert P._spec_json(other) == other.model_dump_json() != P._spec_json(m)
    for spec, field in ((m, "nav_constant"), (th, "speed_mps")):
        with pytest.raises(ValueError, match="frozen"):
            setattr(spec, field, 1.0)


def _counting(fn):  # type: ignore[no-untyped-def]
    def wrapped(*a, **k):  # type: ignore[no-untyped-def]
        wrapped.calls += 1  # type: ignore[attr-defined]
        return fn(*a, **k, runs_per_cell=1)

    wrapped.calls = 0  # type: ignore[attr-defined]
    return wrapped


def test_anti_radiation_missile_tables_reach_down_to_where_point_defence_meets_them(
    cat,  # type: ignore[no-untyped-def]
) -> None:
    """Point defence meets an anti-radiation missile in the last kilometre of its dive
    onto a radar beside it (tools/validate_planning_pk.py on examples/sead_strike.yaml:
    57E6 intercepts at 0.2 to 3 km up). The tables have rows down to 300 m and fly the
    missile's dive there: the 57E6's planned Pk head-on at 2 km ground range falls from
    4 km to 300 m up, as its realised Pk does (the tables with 1 km as the lowest row
    planned 0.95 there)."""
    m = cat.sections["missiles"]["57E6"].spec
    harm = cat.sections["threats"]["harm_class"].spec
    assert P.threat_altitudes_m(harm).min() <= 300.0
    t = P.pk_table(m, harm, "harm_class")
    low, high = t.lookup(2e3, 300.0, 0.0), t.lookup(2e3, 4e3, 0.0)
    assert high > 0.9 and low < 0.5


def test_anti_radiation_table_version_moves_only_their_keys(cat, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    m = cat.sections["missiles"]["57E6"].spec
    harm = cat.sections["threats"]["harm_class"].spec
    cm = cat.sections["threats"]["subsonic_cruise_missile"].spec
    before = P.table_key(m, harm), P.table_key(m, cm)
    monkeypatch.setattr(P, "ARM_TABLE_VERSION", P.ARM_TABLE_VERSION + 1)
    assert P.table_key(m, harm) != before[0]
    assert P.table_key(m, cm) == before[1]


def _lookup_reference(t: P.PkTable, ground_m: object, alt_m: object, aspect: object) -> np.ndarray:
    """``PkTable.lookup`` as it was in numpy (72d4e14), for the kernel's byte test."""

    def index(grid: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if grid.size == 1:
            return np.zeros(x.shape, dtype=np.int64), np.zeros(x.shape)
        i = np.clip(np.searchsorted(grid, x, side="right") - 1, 0, grid.size - 2)
        f = np.clip((x - grid[i]) / (grid[i + 1] - grid[i]), 0.0, 1.0)
        return i.astype(np.int64), f

    g, h, a = np.broadcast_arrays(
        np.asarray(ground_m, float) / t.max_range_m,
        np.asarray(alt_m, float),
        np.abs(np.asarray(aspect, float)),
    )
    a = np.minimum(a, np.pi / 2)
    out = np.empty(g.shape)
    (ir, fr), (ih, fh) = index(t.range_fractions, g), index(t.altitudes_m, h)
    ia, fa = index(t.aspects_rad, a)
    pk = t.pk
    acc = 0.0
    for da, wa in ((0, 1.0 - fa), (1, fa)):
        for dh, wh in ((0, 1.0 - fh), (1, fh)):
            for dr, wr in ((0, 1.0 - fr), (1, fr)):
                acc = (
                    acc
                    + wa
                    * wh
                    * wr
                    * pk[
                        np.minimum(ia + da, pk.shape[0] - 1),
                        np.minimum(ih + dh, pk.shape[1] - 1),
                        np.minimum(ir + dr, pk.shape[2] - 1),
                    ]
                )
    out[...] = acc
    return out


@settings(max_examples=80, deadline=None)
@given(
    st.integers(0, 40),
    st.integers(0, 2**32 - 1),
    st.sampled_from([(7, 5, 3), (1, 4, 3), (7, 1, 1), (2, 2, 2)]),
    st.booleans(),
)
def test_lookup_kernel_equals_the_array_code(
    n: int, seed: int, shape: tuple[int, int, int], scalar: bool
) -> None:
    """The compiled lookup gives the former array code's values bit for bit: inside the
    grid, on its nodes, beyond its ends, negative and tail aspects, NaN, grids of one
    node, and 0-d (scalar) inputs."""
    rng = np.random.default_rng(seed)
    nr, na, nc = shape
    t = P.PkTable(
        "m",
        "t",
        "k",
        np.sort(rng.uniform(0.02, 1.0, nr)),
        np.sort(rng.uniform(0.0, 30e3, na)),
        np.sort(rng.uniform(0.0, np.pi / 2, nc)),
        rng.random((nc, na, nr)),
        4,
        float(rng.uniform(20e3, 400e3)),
    )
    g = rng.uniform(-0.1, 1.3, n) * t.max_range_m
    h = rng.uniform(-1e3, 35e3, n)
    a = rng.uniform(-3.5, 3.5, n)
    if n:
        g[rng.integers(0, n)] = t.range_fractions[0] * t.max_range_m
        h[rng.integers(0, n)] = t.altitudes_m[-1]
        a[rng.integers(0, n)] = [np.nan, np.pi / 2, -0.0][seed % 3]
        h[rng.integers(0, n)] = [np.inf, np.nan, -np.inf][seed % 3]
    args = (g[0], h[0], a[0]) if scalar and n else (g, h, a)
    got, want = t.lookup(*args), _lookup_reference(t, *args)
    assert got.dtype == want.dtype and got.shape == want.shape
    assert got.tobytes() == want.tobytes()
