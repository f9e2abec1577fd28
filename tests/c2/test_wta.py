"""Tests of samsim.c2.wta: exact against brute force, heuristics, limits, errors."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from samsim.c2 import wta
from samsim.c2.wta_core import make_problem
from samsim.c2.wta_exact import solve_exact, union_coefficients
from samsim.c2.wta_heuristic import greedy_mmr

# ---------------------------------------------------------------- helpers (independent)


def brute_force(values, pk, rounds, limits):
    """Minimum of sum_j V_j prod_i (1-p_ij)^x_ij over every feasible x, by enumeration."""
    n_w, n_t = pk.shape
    mpt = limits.get("max_per_target")
    mpp = limits.get("max_per_pair")
    allowed = limits.get("allowed")
    chan = limits.get("max_targets_per_type")
    gmax = limits.get("max_missiles_per_type")
    per_type = []
    for i in range(n_w):
        r = rounds[i] if gmax is None else min(rounds[i], np.broadcast_to(gmax, (n_w,))[i])
        opts = []
        for xi in itertools.product(range(r + 1), repeat=n_t):
            xi = np.array(xi)
            if xi.sum() > r:
                continue
            if mpp is not None and np.any(xi > np.broadcast_to(mpp, (n_w, n_t))[i]):
                continue
            if allowed is not None and np.any(xi[~allowed[i]] > 0):
                continue
            if chan is not None and (xi > 0).sum() > np.broadcast_to(chan, (n_w,))[i]:
                continue
            opts.append(xi)
        per_type.append(opts)
    best = math.inf
    best_x = None
    for combo in itertools.product(*per_type):
        x = np.array(combo).reshape(n_w, n_t)
        if mpt is not None and np.any(x.sum(axis=0) > np.broadcast_to(mpt, (n_t,))):
            continue
        f = float(np.sum(values * np.prod((1 - pk) ** x, axis=0)))
        if f < best:
            best, best_x = f, x
    return best, best_x


def assert_feasible(x, rounds, limits, n_w, n_t):
    x = np.asarray(x)
    assert x.shape == (n_w, n_t)
    assert x.dtype.kind == "i"
    assert np.all(x >= 0)
    cap = np.asarray(rounds)
    if limits.get("max_missiles_per_type") is not None:
        cap = np.minimum(cap, np.broadcast_to(limits["max_missiles_per_type"], (n_w,)))
    assert np.all(x.sum(axis=1) <= cap)
    if limits.get("max_per_target") is not None:
        assert np.all(x.sum(axis=0) <= np.broadcast_to(limits["max_per_target"], (n_t,)))
    if limits.get("max_per_pair") is not None:
        assert np.all(x <= np.broadcast_to(limits["max_per_pair"], (n_w, n_t)))
    if limits.get("allowed") is not None:
        assert np.all(x[~limits["allowed"]] == 0)
    if limits.get("max_targets_per_type") is not None:
        assert np.all(
            (x > 0).sum(axis=1) <= np.broadcast_to(limits["max_targets_per_type"], (n_w,))
        )


@st.composite
def instances(draw, max_w=3, max_t=3, max_r=2, limits=True):
    n_w = draw(st.integers(1, max_w))
    n_t = draw(st.integers(1, max_t))
    prob = st.one_of(st.floats(0.0, 1.0), st.sampled_from([0.0, 1.0, 0.5]))
    pk = np.array(draw(st.lists(prob, min_size=n_w * n_t, max_size=n_w * n_t))).reshape(n_w, n_t)
    values = np.array(draw(st.lists(st.floats(0.0, 100.0), min_size=n_t, max_size=n_t)))
    rounds = np.array(draw(st.lists(st.integers(0, max_r), min_size=n_w, max_size=n_w)))
    lim: dict = {}
    if limits:
        if draw(st.booleans()):
            lim["max_per_target"] = np.array(
                draw(st.lists(st.integers(0, 3), min_size=n_t, max_size=n_t))
            )
        if draw(st.booleans()):
            lim["max_per_pair"] = draw(st.integers(0, 2))
        if draw(st.booleans()):
            lim["allowed"] = np.array(
                draw(st.lists(st.booleans(), min_size=n_w * n_t, max_size=n_w * n_t))
            ).reshape(n_w, n_t)
        if draw(st.booleans()):
            lim["max_targets_per_type"] = np.array(
                draw(st.lists(st.integers(0, 2), min_size=n_w, max_size=n_w))
            )
        if draw(st.booleans()):
            lim["max_missiles_per_type"] = draw(st.integers(0, 3))
    return values, pk, rounds, lim


# ---------------------------------------------------------------- exact vs brute force


@settings(max_examples=50, deadline=None)
@given(instances())
def test_exact_matches_brute_force(inst):
    values, pk, rounds, lim = inst
    best, _ = brute_force(values, pk, rounds, lim)
    res = wta.solve(values, pk, rounds, "exact", **lim)
    assert res.status == "optimal"
    assert_feasible(res.assignment, rounds, lim, *pk.shape)
    tol = 1e-6 * max(best, 1e-9) + 1e-9
    assert res.objective == pytest.approx(best, rel=1e-6, abs=1e-9)
    # (lower_bound <= objective holds by construction: the solver clamps the bound to
    # its incumbent; the bound is tested where it can be wrong, on stopped solves below)
    assert res.lower_bound == pytest.approx(best, rel=1e-5, abs=tol)
    assert res.gap <= 1e-6 + 1e-9


def _assert_valid_bound(lower: float, upper: float, best: float) -> None:
    """A stopped solve's bound and incumbent bracket the true optimum ``best``."""
    tol = 1e-6 * max(abs(best), 1e-9) + 1e-9
    assert lower <= best + tol, f"bound {lower} above the optimum {best}"
    assert upper >= best - tol, f"incumbent {upper} below the optimum {best}"


@settings(max_examples=40, deadline=None)
@given(instances(), st.sampled_from([{"max_iterations": 1}, {"node_limit": 1}]))
def test_a_stopped_exact_solve_brackets_the_optimum(inst, budget):
    """After one MILP solve (or one branch-and-bound node per solve) the solver has not
    necessarily closed the gap: its incumbent may be above the optimum, so a bound
    clamped to it, or any invalid bound, can exceed the optimum. It must not."""
    values, pk, rounds, lim = inst
    best, _ = brute_force(values, pk, rounds, lim)
    res = wta.solve(values, pk, rounds, "exact", kicks=0, **budget, **lim)
    assert res.status in ("optimal", "iteration_limit", "node_limit", "stalled")
    assert_feasible(res.assignment, rounds, lim, *pk.shape)
    _assert_valid_bound(res.lower_bound, res.objective, best)


def test_the_bound_check_can_fail() -> None:
    with pytest.raises(AssertionError, match="above the optimum"):
        _assert_valid_bound(lower=31.0, upper=35.0, best=30.0)


@pytest.mark.parametrize(
    "variant",
    [{"families": ("tangent",)}, {"families": ("union", "tangent"), "unary_max": 8}],
    ids=["tangent-only", "unary"],
)
@settings(max_examples=15, deadline=None)
@given(inst=instances())
def test_exact_variants_match_brute_force(variant, inst):
    values, pk, rounds, lim = inst
    best, _ = brute_force(values, pk, rounds, lim)
    prob = make_problem(values, pk, rounds, **lim)
    x0 = greedy_mmr(prob.values, 1.0 - prob.pk, prob.limits())
    out = solve_exact(prob, x0, **variant)
    assert out.status == "optimal"
    assert_feasible(out.x, rounds, lim, *pk.shape)
    assert out.upper == pytest.approx(best, rel=1e-6, abs=1e-9)
    assert out.lower <= best + 1e-6 * best + 1e-9


def test_known_instance_where_greedy_is_suboptimal():
    # greedy fires both weapons at target 0 (gains 90 then 8): 100*0.1*0.2 + 50 = 52;
    # the optimum is A->1, B->0: 100*0.2 + 50*0.2 = 30.
    values = np.array([100.0, 50.0])
    pk = np.array([[0.9, 0.8], [0.8, 0.1]])
    rounds = np.array([1, 1])
    g = wta.solve(values, pk, rounds, "greedy")
    h = wta.solve(values, pk, rounds, "heuristic")
    e = wta.solve(values, pk, rounds, "exact")
    assert g.objective == pytest.approx(52.0, rel=1e-12)
    np.testing.assert_array_equal(g.assignment, [[1, 0], [1, 0]])
    assert h.objective == pytest.approx(30.0, rel=1e-12)
    assert e.objective == pytest.approx(30.0, rel=1e-12)
    np.testing.assert_array_equal(e.assignment, [[0, 1], [1, 0]])
    assert e.lower_bound == pytest.approx(30.0, rel=1e-6)


def test_exact_random_recipe_against_brute_force_with_two_rounds():
    rng = np.random.default_rng(7)
    values, pk, rounds = wta.random_instance(3, rng, n_targets=3, rounds=2)
    best, _ = brute_force(values, pk, rounds, {})
    res = wta.solve(values, pk, rounds, "exact")
    assert res.objective == pytest.approx(best, rel=1e-9)


# ---------------------------------------------------------------- heuristics and limits


@settings(max_examples=40, deadline=None)
@given(instances(max_w=6, max_t=8, max_r=4))
def test_every_method_respects_limits_and_heuristic_never_worse(inst):
    values, pk, rounds, lim = inst
    out = {m: wta.solve(values, pk, rounds, m, **lim) for m in ("greedy", "heuristic", "exact")}
    for res in out.values():
        assert_feasible(res.assignment, rounds, lim, *pk.shape)
        expect = float(np.sum(values * np.prod((1 - pk) ** res.assignment, axis=0)))
        assert res.objective == pytest.approx(expect, rel=1e-12, abs=1e-12)
        np.testing.assert_allclose(res.survival, np.prod((1 - pk) ** res.assignment, axis=0))
    scale = 1e-9 * (1 + values.sum())
    assert out["heuristic"].objective <= out["greedy"].objective + scale
    assert out["exact"].objective <= out["heuristic"].objective + scale


def test_greedy_fires_every_useful_round_and_stops_on_useless_ones():
    values = np.array([10.0, 0.0])
    pk = np.array([[0.5, 0.9], [0.0, 0.0]])
    res = wta.solve(values, pk, np.array([3, 2]), "greedy")
    # type 0 fires all three rounds at the only valuable target; type 1 cannot kill
    np.testing.assert_array_equal(res.assignment, [[3, 0], [0, 0]])
    assert res.objective == pytest.approx(10 * 0.5**3)


def test_channel_limit_binds():
    # one fire unit with 4 missiles but 2 target channels, 4 equal targets
    values = np.full(4, 10.0)
    pk = np.full((1, 4), 0.5)
    res = wta.solve(values, pk, [4], "exact", max_targets_per_type=2)
    assert (res.assignment > 0).sum() == 2
    assert res.assignment.sum() == 4
    # 2 targets with 2 missiles each: 2*10*0.25 + 2*10 = 25
    assert res.objective == pytest.approx(25.0)
    free = wta.solve(values, pk, [4], "exact")
    assert free.objective == pytest.approx(20.0)


def test_missile_channels_cap_rounds_and_salvo_cap_limits_pairs():
    values = np.array([10.0])
    pk = np.array([[0.5]])
    res = wta.solve(values, pk, [6], "exact", max_missiles_per_type=2)
    assert res.assignment.sum() == 2
    res = wta.solve(values, pk, [6], "exact", max_per_pair=3, max_per_target=5)
    assert res.assignment.sum() == 3


def test_engagement_window_mask():
    values = np.array([10.0, 10.0])
    pk = np.array([[0.9, 0.9]])
    res = wta.solve(values, pk, [2], "heuristic", allowed=np.array([[False, True]]))
    np.testing.assert_array_equal(res.assignment, [[0, 2]])


@pytest.mark.parametrize(
    "budget", [{"time_limit_s": 0.3}, {"max_iterations": 1}], ids=["time", "iterations"]
)
def test_a_budget_returns_the_best_found_with_a_valid_bound(budget):
    rng = np.random.default_rng(3)
    values, pk, rounds = wta.random_instance(40, rng, rounds=2)
    res = wta.solve(values, pk, rounds, "exact", **budget)
    assert res.status in ("time_limit", "iteration_limit", "optimal")
    full = wta.solve(values, pk, rounds, "exact")  # proven optimal
    assert full.status == "optimal"
    _assert_valid_bound(res.lower_bound, res.objective, full.objective)
    heur = wta.solve(values, pk, rounds, "heuristic")
    assert res.objective <= heur.objective + 1e-9


def test_result_is_frozen_and_read_only():
    res = wta.solve([1.0], [[0.5]], [1], "greedy")
    with pytest.raises(ValueError):
        res.assignment[0, 0] = 5
    with pytest.raises(AttributeError):
        res.objective = 0.0  # type: ignore[misc]
    assert math.isnan(res.lower_bound) and math.isnan(res.gap)
    assert res.status == "feasible"
    np.testing.assert_array_equal(res.missiles_used, [1])


def test_empty_and_degenerate_problems():
    res = wta.solve(np.zeros(0), np.zeros((2, 0)), [1, 1], "exact")
    assert res.objective == 0.0 and res.assignment.shape == (2, 0)
    res = wta.solve([5.0, 7.0], np.zeros((1, 2)), [3], "exact")
    assert res.objective == pytest.approx(12.0) and res.status == "optimal"
    res = wta.solve([5.0], [[1.0]], [1], "exact")
    assert res.objective == 0.0 and res.gap == 0.0


# ---------------------------------------------------------------- the cuts are valid


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.floats(0.0, 1.0), min_size=1, max_size=3),
    st.data(),
)
def test_union_cut_underestimates_on_every_integer_point(qs, data):
    q = np.array(qs)
    u = np.array(data.draw(st.lists(st.integers(0, 3), min_size=q.size, max_size=q.size)))
    s = np.array([data.draw(st.integers(0, int(ui))) for ui in u])
    c = union_coefficients(q, u, s)
    fs = float(np.prod(q**s))
    for x in itertools.product(*(range(int(ui) + 1) for ui in u)):
        x = np.array(x)
        assert float(np.prod(q**x)) >= fs * (1 - float(c @ x)) - 1e-12
    # exact at s, and the slope of a missile added at s_i = 0 is p_i
    assert fs * (1 - float(c @ s)) <= fs + 1e-12
    zero = s == 0
    np.testing.assert_allclose(c[zero & (u > 0)], 1 - q[zero & (u > 0)])


# ---------------------------------------------------------------- instances


def test_random_instance_recipe():
    v, p, r = wta.random_instance(50, np.random.default_rng(1))
    assert v.shape == (50,) and p.shape == (50, 50) and r.shape == (50,)
    assert np.all((v >= 25) & (v <= 100)) and np.all(v == np.round(v))
    assert np.all((p >= 0.6) & (p <= 0.9))
    assert np.all(r == 1)
    v2, p2, _ = wta.random_instance(50, np.random.default_rng(1))
    np.testing.assert_array_equal(v, v2)
    np.testing.assert_array_equal(p, p2)


def test_read_apt_instance(tmp_path):
    path = tmp_path / "wta_2x3x2.txt"
    path.write_text("2 3 2\n10\n20\n30\n0 0 0.5\n0 1 0.25\n0 2 0.1\n1 0 0.9\n1 1 0.8\n1 2 0.7\n")
    v, p, r = wta.read_apt_instance(path)
    np.testing.assert_array_equal(v, [10, 20, 30])
    np.testing.assert_array_equal(p, [[0.5, 0.25, 0.1], [0.9, 0.8, 0.7]])
    np.testing.assert_array_equal(r, [2, 2])
    bad = tmp_path / "bad.txt"
    bad.write_text("not an instance\n")
    with pytest.raises(ValueError, match="instance file"):
        wta.read_apt_instance(bad)


# ---------------------------------------------------------------- malformed inputs

GOOD = dict(values=np.array([1.0, 2.0]), pk=np.array([[0.5, 0.5]]), rounds=np.array([1]))


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"pk": np.array([[0.5, 1.2]])}, "pk must lie in"),
        ({"pk": np.array([[-0.1, 0.5]])}, "pk must lie in"),
        ({"pk": np.array([[np.nan, 0.5]])}, "pk must be finite"),
        ({"pk": np.array([0.5, 0.5])}, "pk must be a 2-D"),
        ({"pk": np.array([[0.5, 0.5, 0.5]])}, "pk has shape"),
        ({"values": np.array([1.0, np.nan])}, "values must be finite"),
        ({"values": np.array([1.0, -2.0])}, "values must be >= 0"),
        ({"values": "abc"}, "values must be an array of numbers"),
        ({"rounds": np.array([1, 1])}, "rounds has shape"),
        ({"rounds": np.array([-1])}, "rounds must be >= 0"),
        ({"rounds": np.array([1.5])}, "rounds must be whole"),
        ({"rounds": np.array([np.nan])}, "rounds must be finite"),
    ],
)
def test_malformed_inputs_name_the_argument(change, match):
    args = {**GOOD, **change}
    with pytest.raises(ValueError, match=match):
        wta.solve(args["values"], args["pk"], args["rounds"], "greedy")


@pytest.mark.parametrize(
    ("limits", "match"),
    [
        ({"max_per_target": -1}, "max_per_target must be >= 0"),
        ({"max_per_target": [1, 2, 3]}, "max_per_target has shape"),
        ({"max_per_pair": 0.5}, "max_per_pair must be whole"),
        ({"allowed": np.ones((2, 2), bool)}, "allowed has shape"),
        ({"allowed": np.ones((1, 2))}, "allowed must be a boolean"),
        ({"max_targets_per_type": [1, 1]}, "max_targets_per_type has shape"),
        ({"max_missiles_per_type": -3}, "max_missiles_per_type must be >= 0"),
        ({"time_limit_s": 0}, "time_limit_s must be"),
        ({"time_limit_s": float("nan")}, "time_limit_s must be"),
        ({"rel_gap": 0.0}, "rel_gap must be"),
        ({"kicks": -1}, "kicks must be"),
    ],
)
def test_malformed_limits_name_the_argument(limits, match):
    with pytest.raises(ValueError, match=match):
        wta.solve(GOOD["values"], GOOD["pk"], GOOD["rounds"], "exact", **limits)


def test_unknown_method_and_keyword():
    with pytest.raises(ValueError, match="method must be one of"):
        wta.solve(GOOD["values"], GOOD["pk"], GOOD["rounds"], "optimal")
    with pytest.raises(TypeError, match="max_salvo"):
        wta.solve(GOOD["values"], GOOD["pk"], GOOD["rounds"], "exact", max_salvo=2)  # type: ignore[call-arg]
