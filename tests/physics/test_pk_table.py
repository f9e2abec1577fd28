"""Planning Pk tables: computed from the flyout, cached by content, shipped for the
catalogue, and read by the command post."""

from __future__ import annotations

import json

import numpy as np
import pytest

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
