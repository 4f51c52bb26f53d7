"""The goods price index follows posted prices, not where households were served."""

from __future__ import annotations

import numpy as np
import pytest

from arena import ArenaModel
from arena.markets.price_index import GoodsPriceIndex

ALIVE = np.ones(3, dtype=bool)


def test_a_change_of_shop_with_no_change_of_price_leaves_the_index():
    prices = np.array([1.0, 1.2, 0.9])
    index = GoodsPriceIndex(1.0, prices)
    index.update(prices, np.array([10.0, 10.0, 10.0]), ALIVE)
    # households move to the dearest shop (the unit value they pay rises ~10%)
    level = index.update(prices, np.array([2.0, 26.0, 2.0]), ALIVE)
    unit_value = 30.0 / (2.0 / 1.0 + 26.0 / 1.2 + 2.0 / 0.9)
    assert unit_value > 1.08
    assert level == pytest.approx(1.0)


def test_a_uniform_price_change_moves_the_index_by_that_change():
    prices = np.array([1.0, 1.2, 0.9])
    index = GoodsPriceIndex(2.0, prices)
    index.update(prices, np.array([5.0, 1.0, 9.0]), ALIVE)
    assert index.update(prices * 1.03, np.array([1.0, 7.0, 2.0]), ALIVE) == pytest.approx(2.0 * 1.03)


def test_tornqvist_weights_are_the_mean_spending_shares_of_the_two_ticks():
    alive = np.ones(2, dtype=bool)
    index = GoodsPriceIndex(1.0, np.array([1.0, 1.0]))
    index.update(np.array([1.0, 1.0]), np.array([25.0, 75.0]), alive)
    level = index.update(np.array([1.1, 1.0]), np.array([35.0, 65.0]), alive)
    assert np.log(level) == pytest.approx(0.30 * np.log(1.1))


def test_a_firm_dead_in_either_tick_is_left_out_of_the_link():
    index = GoodsPriceIndex(1.0, np.array([1.0, 1.0, 5.0]))
    index.update(np.array([1.0, 1.0, 5.0]), np.array([50.0, 50.0, 0.0]), np.array([True, True, False]))
    # the dead slot re-enters at another price and sells: not a price change of a living firm
    level = index.update(np.array([1.0, 1.0, 1.5]), np.array([40.0, 40.0, 20.0]), ALIVE)
    assert level == pytest.approx(1.0)


def test_the_model_reports_the_index_as_the_goods_price():
    model = ArenaModel(n_agents=3000, seed=5)
    for _ in range(30):
        model.step()
    assert model.prices["goods"] == pytest.approx(model.goods_index.level)
    assert np.isfinite(model.goods_index.level) and model.goods_index.level > 0
    # between the least and the most expensive living firm's price change since tick 0
    cf = model.cfirms
    change = model.goods_index.level / model.price0
    assert change >= (cf.price[cf.alive] / model.price0).min() - 1e-12
    assert change <= (cf.price[cf.alive] / model.price0).max() + 1e-12
