"""The commodity books cleared together as rows (arena.markets.rows) equal one book at a time, bit for bit."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from arena.markets import book as bk
from arena.markets import rows
from arena.markets.schedules import commodity_book, commodity_supply_curve

TICK = 0.002


def one_by_one(refs, budgets, firm_q, elasticity, base, cost, capacity, backstop, max_change):
    """Books, clearings and statistics computed one book at a time with arena.markets.book."""
    out = []
    for i, ref in enumerate(refs):
        grid = bk.PriceGrid(ref, max_change, TICK)
        costs, caps = commodity_supply_curve(base[i], cost[i], capacity[i], backstop[i])
        book = commodity_book(grid, budgets[i], firm_q[i], costs, caps, firm_elasticity=elasticity[i])
        result = bk.clear(book)
        bid, ask = bk.best_quotes(book, result, empty="price")
        depth = bk.depth(book, result.price)
        surplus = bk.surplus(book, result.price, result.volume)
        stats = {"bid": bid, "ask": ask, "depth_bid": depth[0], "depth_ask": depth[1],
                 "consumer_surplus": surplus[0], "producer_surplus": surplus[1],
                 "elasticity": bk.book_elasticity(book, result.level)}
        out.append((book, result, stats))
    return out


def together(refs, budgets, firm_q, elasticity, base, cost, capacity, backstop, max_change):
    grids, prices = rows.grids(refs, max_change, TICK)
    costs, caps = rows.supply_curves(base, cost, capacity, backstop)
    bids, asks = rows.commodity_books(prices, budgets, firm_q, elasticity, costs, caps)
    results, demand = rows.clear(bids, asks, grids)
    stats = rows.stats(bids, asks, prices, demand, results)
    return list(zip(rows.books(grids, bids, asks), results, stats, strict=True))


def same(x, y):
    return np.array_equal(np.asarray(x), np.asarray(y)) and np.asarray(x).dtype == np.asarray(y).dtype


positive = st.floats(1e-3, 1e4)
row = st.tuples(positive, st.one_of(st.just(0.0), positive), st.one_of(st.just(0.0), positive),
                st.sampled_from([0.0, 0.25, 0.5, 0.9]), positive, st.floats(0.0, 3.0), st.floats(0.0, 1.0),
                st.floats(1.0, 5.0))


@settings(max_examples=150, deadline=None)
@given(st.lists(row, min_size=1, max_size=7), st.sampled_from([0.05, 0.2, 0.5]))
def test_rows_equal_one_book_at_a_time(spec, max_change):
    columns = (np.array(c) for c in zip(*spec, strict=True))
    refs, budgets, firm_q, elasticity, base, cost, capacity, backstop = columns
    backstop = backstop * np.maximum(cost, 1e-3) * 1.5  # above the tranches, as the engine's
    args = ([float(r) for r in refs], budgets, firm_q, elasticity, base, cost, capacity, backstop, max_change)
    for (book1, res1, st1), (book2, res2, st2) in zip(one_by_one(*args), together(*args), strict=True):
        assert same(book1.grid.prices, book2.grid.prices)
        assert same(book1.bids, book2.bids) and same(book1.asks, book2.asks)
        assert res1 == res2  # level, price, volume and fill ratios
        assert st1.keys() == st2.keys()
        for key in st1:
            assert float(st1[key]) == float(st2[key]) or (np.isnan(st1[key]) and np.isnan(st2[key])), key


def test_a_book_without_demand_does_not_trade():
    # the no-trade branch (nothing executed): the price stays at the reference
    args = ([2.0, 3.0], np.array([0.0, 10.0]), np.array([0.0, 1.0]), np.array([0.5, 0.5]), np.ones(2),
            np.ones(2), np.ones(2), np.full(2, 3.0), 0.5)
    (_, res1, st1), (_, res2, st2) = together(*args)
    assert res1.volume == 0.0 and res1.price == 2.0
    assert res2.volume > 0.0
    assert [r[1] for r in one_by_one(*args)] == [res1, res2]
    assert [r[2] for r in one_by_one(*args)] == [st1, st2]
