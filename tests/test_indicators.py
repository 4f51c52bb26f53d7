"""Indicator metrics as pure functions (Gini, Lorenz curve, drawdown, volatility) and the column table."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from arena import indicators
from arena.indicators import COLUMNS, MARKETS, gini, lorenz_curve, max_drawdown, realized_volatility
from arena.scarcity import RESOURCE_NAMES

values = st.lists(st.floats(0.0, 1e6), min_size=1, max_size=60)


def test_gini_of_known_arrays():
    assert gini(np.array([1.0, 1.0, 1.0, 1.0])) == 0.0
    # one agent owns everything: (n - 1) / n
    assert gini(np.array([0.0, 0.0, 0.0, 1.0])) == pytest.approx(0.75)
    assert gini(np.array([0.0] * 99 + [5.0])) == pytest.approx(0.99)
    # [1, 2, 3, 4]: sum |xi - xj| over ordered pairs = 20, 2 n^2 mean = 80
    assert gini(np.array([4.0, 1.0, 3.0, 2.0])) == pytest.approx(0.25)
    # [1, 3]: |1 - 3| * 2 / (2 * 4 * 2) = 0.25
    assert gini(np.array([1.0, 3.0])) == pytest.approx(0.25)
    # empty, all-zero and negative inputs
    assert gini(np.array([])) == 0.0
    assert gini(np.zeros(5)) == 0.0
    assert gini(np.array([-5.0, 0.0, 0.0, 1.0])) == pytest.approx(0.75)  # debts count as zero


@given(values)
def test_gini_matches_the_mean_absolute_difference(xs):
    x = np.array(xs)
    if x.sum() <= 0:
        assert gini(x) == 0.0
        return
    brute = np.abs(x[:, None] - x[None, :]).sum() / (2 * x.size ** 2 * x.mean())
    assert gini(x) == pytest.approx(brute, rel=1e-9, abs=1e-12)
    assert 0.0 <= gini(x) <= 1.0
    assert gini(x * 7.5) == pytest.approx(gini(x), rel=1e-9, abs=1e-12)  # scale invariant
    assert gini(x[::-1]) == pytest.approx(gini(x), rel=1e-12, abs=1e-15)  # order does not matter


def test_lorenz_curve_by_hand():
    pop, share = lorenz_curve(np.array([0.0, 0.0, 0.0, 1.0]), points=5)
    np.testing.assert_allclose(pop, [0, 0.25, 0.5, 0.75, 1.0])
    np.testing.assert_allclose(share, [0, 0, 0, 0, 1.0])
    pop, share = lorenz_curve(np.array([1.0, 2.0, 3.0, 4.0]), points=5)
    np.testing.assert_allclose(share, [0, 0.1, 0.3, 0.6, 1.0])
    pop, share = lorenz_curve(np.full(10, 3.0), points=11)
    np.testing.assert_allclose(share, pop)  # perfect equality: the diagonal


@given(values)
def test_lorenz_curve_is_convex_below_the_diagonal_and_matches_gini(xs):
    x = np.array(xs)
    pop, share = lorenz_curve(x, points=x.size + 1)
    assert share[0] == 0.0
    if x.sum() > 0:
        assert share[-1] == pytest.approx(1.0)
    assert (np.diff(share) >= -1e-12).all()
    assert (share <= pop + 1e-12).all()
    if x.sum() > 0:
        # with one point per household the area between diagonal and curve gives the Gini exactly
        area = np.sum((share[1:] + share[:-1]) / 2) / x.size
        assert 1 - 2 * area == pytest.approx(gini(x), abs=1e-9)


def test_max_drawdown_by_hand():
    # peaks 120 and 130: falls of 25% (to 90) and 50% (to 65)
    assert max_drawdown(np.array([100, 120, 90, 130, 65])) == pytest.approx(0.5)
    assert max_drawdown(np.array([100, 80, 90, 60, 200])) == pytest.approx(0.4)
    assert max_drawdown(np.array([1.0, 2.0, 3.0])) == 0.0
    assert max_drawdown(np.array([5.0])) == 0.0
    assert max_drawdown(np.array([])) == 0.0


@given(st.lists(st.floats(1e-3, 1e6), min_size=1, max_size=80))
def test_max_drawdown_matches_brute_force(prices):
    p = np.array(prices)
    brute = max(1 - p[j] / p[i] for i in range(p.size) for j in range(i, p.size))
    assert max_drawdown(p) == pytest.approx(max(brute, 0.0), abs=1e-12)
    assert 0.0 <= max_drawdown(p) < 1.0


def test_realized_volatility_by_hand():
    # [0.01, -0.01, 0.01, -0.01]: mean 0, sum of squares 4e-4, ddof 1 -> sqrt(4e-4 / 3)
    assert realized_volatility(np.array([0.01, -0.01, 0.01, -0.01])) == pytest.approx(np.sqrt(4e-4 / 3))
    assert realized_volatility(np.array([0.02, 0.02, 0.02])) == 0.0
    assert realized_volatility(np.array([0.05])) == 0.0
    assert realized_volatility(np.array([])) == 0.0


def test_column_table_names_every_market_and_resource():
    for m in MARKETS:
        for q in ("price", "spread", "depth_bid", "depth_ask", "volume", "consumer_surplus",
                  "producer_surplus", "elasticity"):
            assert f"{q}_{m}" in COLUMNS
    for r in RESOURCE_NAMES:
        for q in ("reserves", "scarcity", "price_multiplier"):
            assert f"{q}_{r}" in COLUMNS
    for name in ("cpi", "inflation", "expected_inflation", "policy_rate", "real_rate", "money_supply",
                 "money_growth", "velocity", "output", "output_gap", "unemployment", "gini", "sentiment",
                 "fear", "greed", "herding", "confidence", "sentiment_variance", "volatility_multiplier",
                 "realized_volatility"):
        assert name in COLUMNS, name
    for name, (unit, meaning) in COLUMNS.items():
        assert unit and meaning, name
        assert name == name.lower() and " " not in name
    assert set(indicators.reporters()) == set(COLUMNS)


def test_model_indicators_have_exactly_the_documented_columns(warm_model):
    df = warm_model.indicators()
    assert list(df.index) == list(range(1, 21))
    assert set(df.columns) | {"tick"} == set(COLUMNS)
    assert np.isfinite(df.to_numpy(dtype=float)).all()
