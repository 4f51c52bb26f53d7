"""The specification's market formulas against hand-computed values."""

from __future__ import annotations

import math

import numpy as np
import pytest

from arena.markets import book as bk
from arena.markets.formulas import (
    kyle_lambda,
    step_supply,
)
from arena.markets.schedules import (
    BACKSTOP_CAPACITY,
    SUPPLY_LEVELS,
    TRANCHE_CAPACITY,
    commodity_book,
    commodity_supply_curve,
    goods_book,
    schedule_book,
)


# ------------------------------------------------------------------ elasticity ----------
def test_book_elasticity_of_unit_elastic_and_linear_demand():
    grid = bk.PriceGrid(100.0, 0.5, 0.0005)
    unit = schedule_book(grid, lambda p: 1000.0 / p, lambda p: np.zeros_like(p))
    centre = -grid.low_index
    assert bk.book_elasticity(unit, centre) == pytest.approx(-1.0, rel=2e-3)
    linear = schedule_book(grid, lambda p: np.maximum(2.0 * (140.0 - p), 0.0), lambda p: np.zeros_like(p))
    p = grid.prices[centre]
    assert bk.book_elasticity(linear, centre) == pytest.approx(-2.0 * p / (2.0 * (140.0 - p)), rel=2e-3)
    empty = schedule_book(grid, lambda p: np.zeros_like(p), lambda p: np.zeros_like(p))
    assert bk.book_elasticity(empty, centre) == 0.0


# ------------------------------------------------------------------ surplus -------------
def _linear_market():
    """Demand D(p) = 2 (140 - p)+, supply S(p) = 3 (p - 60)+ on a fine grid: p* = 92, Q* = 96."""
    grid = bk.PriceGrid(100.0, 0.5, 0.0005)
    return schedule_book(grid, lambda p: np.maximum(2.0 * (140.0 - p), 0.0),
                         lambda p: np.maximum(3.0 * (p - 60.0), 0.0))


def test_surplus_is_the_integral_between_the_curves_and_the_price():
    book = _linear_market()
    result = bk.clear(book)
    assert result.price == pytest.approx(92.0, rel=1e-3)
    assert result.volume == pytest.approx(96.0, rel=1e-2)
    consumer, producer = bk.surplus(book, result.price, result.volume)
    p, q = result.price, result.volume
    # CS = int_0^Q (D^-1(q) - p) dq with D^-1(q) = 140 - q / 2
    cs = q * (140.0 - p) - q * q / 4.0
    # PS = int_0^Q (p - S^-1(q)) dq with S^-1(q) = 60 + q / 3
    ps = q * (p - 60.0) - q * q / 6.0
    assert consumer == pytest.approx(cs, rel=2e-3)
    assert producer == pytest.approx(ps, rel=2e-3)
    # at the competitive equilibrium: (140 - 92) * 96 / 2 and (92 - 60) * 96 / 2
    assert consumer == pytest.approx(2304.0, rel=1e-2)
    assert producer == pytest.approx(1536.0, rel=1e-2)


def test_surplus_of_unit_elastic_demand_is_a_log_integral():
    # goods book: demand B / p; CS = int_p*^p_top B / p dp = B ln(p_top / p*) (the book holds
    # no reservation prices above its top level)
    grid = bk.PriceGrid(1.0, 0.5, 0.0005)
    budget = 500.0
    book = goods_book(grid, budget, 1e9, 0.1, np.array([1.0]))  # ample supply priced at 0.1
    p_star = grid.prices[-grid.low_index]
    q = budget / p_star
    consumer, producer = bk.surplus(book, p_star, q)
    p_top = grid.prices[-1]
    expected = budget * math.log(p_top / p_star)
    assert consumer == pytest.approx(expected, rel=2e-3)
    # all supply sits at the grid's lowest level (cost 0.1 is below it): PS = q (p* - p_low)
    assert producer == pytest.approx(q * (p_star - grid.prices[0]), rel=1e-9)


def test_total_surplus_is_largest_at_the_clearing_price():
    book = _linear_market()
    result = bk.clear(book)
    best = sum(bk.surplus(book, result.price, result.volume))
    demand, supply = book.demand(), book.supply()
    for level in range(0, book.grid.n_levels, 37):
        volume = float(min(demand[level], supply[level]))
        total = sum(bk.surplus(book, float(book.grid.prices[level]), volume))
        assert total <= best * (1 + 1e-9)


# ------------------------------------------------------------------ Kyle's lambda -------
def test_kyle_lambda_by_hand():
    # flow x = [1, 2, 3], returns r = [0.1, 0.3, 0.2]: cov = 0.1 / 2, var = 2 / 2 -> 0.05
    assert kyle_lambda(np.array([0.1, 0.3, 0.2]), np.array([1.0, 2.0, 3.0])) == pytest.approx(0.05, rel=1e-12)


def test_kyle_lambda_recovers_a_linear_impact():
    rng = np.random.default_rng(0)
    flow = rng.normal(0, 0.1, 500)
    returns = 0.003 + 0.02 * flow
    assert kyle_lambda(returns, flow) == pytest.approx(0.02, rel=1e-9)
    noisy = returns + rng.normal(0, 1e-4, 500)
    assert kyle_lambda(noisy, flow) == pytest.approx(0.02, rel=2e-2)


def test_kyle_lambda_degenerate_inputs_are_zero():
    assert kyle_lambda(np.array([0.1, 0.2]), np.array([1.0, 2.0])) == 0.0  # fewer than three points
    assert kyle_lambda(np.array([0.1, 0.2, 0.3]), np.array([1.0, 1.0, 1.0])) == 0.0  # no variation
    assert kyle_lambda(np.array([0.1, 0.2, 0.3]), np.array([1.0, 2.0])) == 0.0  # mismatched


# ------------------------------------------------------------------ supply curves -------
def supply_at(costs, caps, price: float) -> float:
    """Supply of a marginal-cost curve at one price, through the tick's own step_supply."""
    return float(step_supply(costs, caps, np.array([price]))[0])


def test_step_supply_by_hand():
    costs = np.array([1.0, 2.0, 3.0])
    caps = np.array([10.0, 20.0, 30.0])
    np.testing.assert_array_equal(step_supply(costs, caps, np.array([0.5, 1.0, 2.5, 3.0, 10.0])),
                                  [0.0, 10.0, 30.0, 60.0, 60.0])
    np.testing.assert_array_equal(step_supply(costs, caps, np.array([0.99, 2.0, 1e9])), [0.0, 30.0, 60.0])
    # unsorted tranches give the same curve
    np.testing.assert_array_equal(step_supply(costs[::-1], caps[::-1], np.array([2.0])), [30.0])


def test_commodity_supply_curve_from_marginal_costs():
    costs, caps = commodity_supply_curve(base_extraction=100.0, cost_factor=2.0, capacity_factor=0.5,
                                         backstop_cost=9.0)
    np.testing.assert_allclose(costs[:-1], SUPPLY_LEVELS * 2.0)
    assert costs[-1] == 9.0
    np.testing.assert_allclose(caps[:-1], TRANCHE_CAPACITY * 100.0 * 0.5)
    assert caps[-1] == BACKSTOP_CAPACITY * 100.0
    # supply at a price covers exactly the tranches whose marginal cost it reaches
    p = SUPPLY_LEVELS[3] * 2.0
    assert supply_at(costs, caps, p) == pytest.approx(4 * TRANCHE_CAPACITY * 100.0 * 0.5)
    assert supply_at(costs, caps, 9.0) == pytest.approx(caps.sum())


def test_schedule_books_reproduce_their_curves():
    grid = bk.PriceGrid(1.0, 0.5, 0.0005)
    costs, caps = commodity_supply_curve(100.0, 1.0, 1.0, 1.45)
    book = commodity_book(grid, household_budget=30.0, firm_quantity=70.0, costs=costs, caps=caps)
    p = grid.prices
    np.testing.assert_allclose(book.demand(), 30.0 / p + 70.0 * p ** -0.5, rtol=1e-9)
    np.testing.assert_allclose(book.supply(), step_supply(costs, caps, p), rtol=1e-12, atol=1e-9)
    assert (book.bids >= 0).all() and (book.asks >= 0).all()
    # asks sit only at the levels of the marginal costs inside the grid (the lowest level
    # collects the tranches priced below the grid)
    assert np.count_nonzero(book.asks) == np.unique(np.searchsorted(p, costs[costs <= p[-1]])).size
    gbook = goods_book(grid, 50.0, 160.0, 0.9, np.linspace(0.85, 1.05, 16))
    np.testing.assert_allclose(gbook.demand(), 50.0 / p, rtol=1e-9)
    np.testing.assert_allclose(gbook.supply(), step_supply(np.linspace(0.85, 1.05, 16) * 0.9,
                                                           np.full(16, 10.0), p), rtol=1e-12)


def test_commodity_market_clears_where_demand_meets_the_marginal_cost_curve():
    grid = bk.PriceGrid(1.0, 0.5, 0.0005)
    costs, caps = commodity_supply_curve(100.0, 1.0, 1.0, 1.45)
    book = commodity_book(grid, 30.0, 70.0, costs, caps)
    result = bk.clear(book)
    p = result.price
    demand_at = 30.0 / p + 70.0 / math.sqrt(p)
    # the price is on the grid step where demand crosses the supply curve
    assert min(demand_at, supply_at(costs, caps, p)) == pytest.approx(result.volume, rel=1e-3)
    assert supply_at(costs, caps, p * math.exp(-2 * grid.tick)) <= demand_at * (1 + 1e-3)
