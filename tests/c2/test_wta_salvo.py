"""Tests of the salvo and shoot-look-shoot arithmetic (samsim.c2.salvo)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from samsim.c2.salvo import salvo_kill_probability, salvo_size_for, shoot_look_shoot


def test_known_answers_p07():
    # p = 0.7: a two-missile salvo kills with 0.91 for 2 missiles; shoot-look-shoot
    # (1 then 1) reaches the same 0.91 with 1.3 expected missiles (perfect assessment).
    assert salvo_kill_probability(0.7, 2) == pytest.approx(0.91, abs=1e-12)
    sls = shoot_look_shoot(0.7, shots_per_salvo=1, salvos=2, kill_assessment_prob=1.0)
    assert sls.kill_probability == pytest.approx(0.91, abs=1e-12)
    assert sls.expected_missiles == pytest.approx(1.3, abs=1e-12)
    blind = shoot_look_shoot(0.7, 1, 2, kill_assessment_prob=0.0)
    assert blind.expected_missiles == pytest.approx(2.0, abs=1e-12)
    assert blind.kill_probability == pytest.approx(0.91, abs=1e-12)


def test_salvo_vectorised_and_edges():
    out = salvo_kill_probability(np.array([0.0, 0.5, 1.0]), np.array([[0], [3]]))
    np.testing.assert_allclose(out, [[0, 0, 0], [0, 0.875, 1]])


def test_sls_two_shot_salvos_three_opportunities_closed_form():
    p, n, a = 0.6, 2, 0.8
    q = 0.4**2
    # P(fire 2) = q + (1-q)(1-a); P(fire 3) = q^2 + (1-q)(1-a)^2 + q(1-q)(1-a)
    f2 = q + (1 - q) * (1 - a)
    f3 = q**2 + (1 - q) * (1 - a) ** 2 + q * (1 - q) * (1 - a)
    sls = shoot_look_shoot(p, n, 3, a)
    assert sls.expected_missiles == pytest.approx(n * (1 + f2 + f3), rel=1e-12)
    assert sls.kill_probability == pytest.approx(1 - q**3, rel=1e-12)


def test_sls_matches_monte_carlo():
    rng = np.random.default_rng(11)
    p, n, salvos, a, trials = 0.55, 2, 3, 0.7, 200_000
    alive = np.ones(trials, bool)
    firing = np.ones(trials, bool)
    missiles = np.zeros(trials)
    for m in range(salvos):
        missiles += n * firing
        hits = (rng.random((trials, n)) < p).any(axis=1)
        alive &= ~(firing & hits)
        if m < salvos - 1:
            recognised = rng.random(trials) < a
            firing &= alive | ~recognised
    sls = shoot_look_shoot(p, n, salvos, a)
    se = missiles.std() / np.sqrt(trials)
    assert abs(missiles.mean() - sls.expected_missiles) < 4 * se
    pk_se = np.sqrt(sls.kill_probability * (1 - sls.kill_probability) / trials)
    assert abs((~alive).mean() - sls.kill_probability) < 4 * pk_se


@settings(max_examples=100, deadline=None)
@given(st.floats(0, 1), st.integers(1, 4), st.integers(1, 4), st.floats(0, 1), st.floats(0, 1))
def test_sls_invariants(p, n, salvos, a1, a2):
    lo, hi = sorted((a1, a2))
    s_lo = shoot_look_shoot(p, n, salvos, lo)
    s_hi = shoot_look_shoot(p, n, salvos, hi)
    # kill probability equals one salvo of all the missiles; assessment only saves missiles
    assert s_hi.kill_probability == pytest.approx(salvo_kill_probability(p, n * salvos))
    assert n - 1e-12 <= s_hi.expected_missiles <= s_lo.expected_missiles + 1e-12
    assert s_lo.expected_missiles <= n * salvos + 1e-12


def test_salvo_size_for():
    assert salvo_size_for(0.7, 0.91) == 2
    assert salvo_size_for(0.5, 0.9) == 4
    np.testing.assert_array_equal(salvo_size_for([0.7, 1.0, 0.3], [0.0, 1.0, 0.5]), [0, 1, 2])
    with pytest.raises(ValueError, match="cannot be reached"):
        salvo_size_for(0.0, 0.5)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: salvo_kill_probability(1.5, 2), "p must be a probability"),
        (lambda: salvo_kill_probability(0.5, -1), "k must be an integer"),
        (lambda: salvo_kill_probability(0.5, 1.5), "k must be an integer"),
        (lambda: shoot_look_shoot(float("nan")), "p must be a probability"),
        (lambda: shoot_look_shoot(0.5, 0), "shots_per_salvo must be"),
        (lambda: shoot_look_shoot(0.5, 1, 0), "salvos must be"),
        (lambda: shoot_look_shoot(0.5, 1, 2, 1.1), "kill_assessment_prob must be"),
    ],
)
def test_errors_name_the_argument(call, match):
    with pytest.raises(ValueError, match=match):
        call()
