"""Laws of households' retail commodity demand (arena.markets.retail)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from arena.markets import retail

ALPHA = np.array([0.04, 0.02])  # oil products, water
THETA = np.array([0.55, 1.0])
EPS = np.array([0.25, 1.0])


def test_at_base_prices_the_commodity_takes_alpha_theta_of_budgets():
    shares = retail.commodity_shares(np.array([2.0, 2.0]), 2.0, ALPHA, THETA, EPS)
    np.testing.assert_allclose(shares, ALPHA * THETA, rtol=1e-15)


def test_price_elasticity_at_base_prices_is_minus_eps_theta():
    # d ln q / d ln p = -eps theta p / r: -0.1375 for oil products at base prices, -1 for water
    p, h = 1.0, 1e-6
    q = [retail.commodity_quantities(np.array([x, x]), 100.0, 1.0, ALPHA, THETA, EPS)
         for x in (p, p * (1 + h))]
    elasticity = np.log(q[1] / q[0]) / np.log1p(h)
    np.testing.assert_allclose(elasticity, -EPS * THETA, rtol=1e-4)


def test_unit_cost_share_and_elasticity_give_cobb_douglas():
    one = np.array([1.0])
    q = retail.commodity_quantities(np.array([3.0]), 50.0, 1.7, np.array([0.1]), one, one)
    assert q[0] == pytest.approx(0.1 * 50.0 / 3.0)


@given(st.floats(1e-3, 1e3), st.floats(1e-3, 1e3), st.floats(0.1, 10.0))
def test_demand_is_homogeneous_of_degree_zero(p, goods, k):
    base = retail.commodity_quantities(np.array([p, p]), 10.0, goods, ALPHA, THETA, EPS)
    scaled = retail.commodity_quantities(np.array([k * p, k * p]), 10.0 * k, k * goods, ALPHA, THETA, EPS)
    np.testing.assert_allclose(scaled, base, rtol=1e-9)


@given(st.floats(1e-6, 1e12), st.floats(1e-6, 1e6))
def test_commodities_never_take_more_than_the_cap_of_budgets(p, goods):
    # inelastic demand at an extreme relative price would otherwise spend more than the budget
    prices = np.array([[p, p / 2], [p, 2 * p]])  # (R, L): two price levels per resource
    shares = retail.commodity_shares(prices, goods, ALPHA, THETA, EPS)
    assert np.all(np.isfinite(shares)) and np.all(shares >= 0)
    assert np.all(shares.sum(axis=0) <= retail.MAX_COMMODITY_SHARE * (1 + 1e-12))
