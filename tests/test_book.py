"""Call-auction order book: grid, binning, clearing (against a brute-force reference) and settlement."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest
from conftest import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from arena.markets import book as bk
from arena.markets.equity import Participant, run_auction
from arena.population import EquityOrders

#: Relative slack for "no worse than the limit": level_of absorbs 1e-9 grid steps of float error.
PRICE_RTOL = 1e-12
#: Relative slack for sums of volumes computed in a different order.
VOL_RTOL = 1e-9


# ------------------------------------------------------------------ grid -----------------
def test_grid_levels_span_the_allowed_band():
    grid = bk.PriceGrid(100.0, 0.5, 0.0005)
    prices = grid.prices
    assert prices.size == grid.n_levels == grid.high_index - grid.low_index + 1
    assert prices[0] >= 50.0 and prices[0] < 50.0 * math.exp(0.0005)
    assert prices[-1] <= 150.0 and prices[-1] > 150.0 * math.exp(-0.0005)
    assert prices[-grid.low_index] == pytest.approx(100.0, rel=1e-15)  # the centre is the reference
    assert np.allclose(np.diff(np.log(prices)), 0.0005, rtol=1e-9, atol=0)


def test_grid_indices_by_hand():
    # log(1 - 0.025) / 0.01 = -2.53 -> ceil -2; log(1.025) / 0.01 = 2.47 -> floor 2
    grid = bk.PriceGrid(100.0, 0.025, 0.01)
    assert (grid.low_index, grid.high_index, grid.n_levels) == (-2, 2, 5)
    np.testing.assert_allclose(grid.prices, 100.0 * np.exp([-0.02, -0.01, 0.0, 0.01, 0.02]), rtol=1e-15)


def test_level_of_rounds_buys_down_and_sells_up():
    grid = bk.PriceGrid(100.0, 0.025, 0.01)
    p = grid.prices
    between = math.sqrt(p[2] * p[3])  # halfway (in log) between levels 2 and 3
    assert grid.level_of(np.array([between]), "buy")[0] == 2
    assert grid.level_of(np.array([between]), "sell")[0] == 3
    # exactly on a level: both sides map to that level
    assert list(grid.level_of(p, "buy")) == [0, 1, 2, 3, 4]
    assert list(grid.level_of(p, "sell")) == [0, 1, 2, 3, 4]
    # beyond the grid: clipped to the edges, and flagged as untradable on the bad side
    far = np.array([1.0, 1e6, np.inf])
    assert list(grid.level_of(far, "buy")) == [0, 4, 4]
    assert list(grid.level_of(np.array([0.0, 1.0, 1e6]), "sell")) == [0, 0, 4]
    assert list(grid.tradable(np.array([1.0, p[0], 1e6, np.inf]), "buy")) == [False, True, True, True]
    assert list(grid.tradable(np.array([0.0, p[-1], 1e6]), "sell")) == [True, True, False]


@given(st.floats(0.01, 1e4), st.floats(0.01, 0.9), st.floats(1e-4, 0.05),
       st.lists(st.floats(1e-3, 1e5), min_size=1, max_size=50))
def test_level_of_never_worsens_a_limit(reference, max_change, tick, limits):
    grid = bk.PriceGrid(reference, max_change, tick)
    limits = np.array(limits)
    prices = grid.prices
    buy = grid.level_of(limits, "buy")
    sell = grid.level_of(limits, "sell")
    ok_b, ok_s = grid.tradable(limits, "buy"), grid.tradable(limits, "sell")
    assert (prices[buy][ok_b] <= limits[ok_b] * (1 + PRICE_RTOL)).all()
    assert (prices[sell][ok_s] >= limits[ok_s] * (1 - PRICE_RTOL)).all()
    # and rounds to the nearest level on the right side (never skips a level)
    inside = (limits >= prices[0]) & (limits <= prices[-1])
    assert (prices[np.minimum(buy + 1, grid.n_levels - 1)][inside] >= limits[inside] * (1 - PRICE_RTOL)).all()
    assert (prices[np.maximum(sell - 1, 0)][inside] <= limits[inside] * (1 + PRICE_RTOL)).all()


def test_book_from_orders_bins_volume():
    grid = bk.PriceGrid(100.0, 0.025, 0.01)
    book = bk.Book.from_orders(grid, np.array([4, 4, 1]), np.array([1.0, 2.0, 5.0]),
                               np.array([0, 3]), np.array([7.0, 0.5]))
    np.testing.assert_array_equal(book.bids, [0, 5, 0, 0, 3])
    np.testing.assert_array_equal(book.asks, [7, 0, 0, 0.5, 0])
    np.testing.assert_array_equal(book.demand(), [8, 8, 3, 3, 3])
    np.testing.assert_array_equal(book.supply(), [7, 7, 7, 7.5, 7.5])


# ------------------------------------------------------------------ clearing by hand ----
def _book(bids, asks, reference=100.0):
    grid = bk.PriceGrid(reference, 0.025, 0.01)  # 5 levels, centre = level 2
    return bk.Book(grid, np.array(bids, dtype=float), np.array(asks, dtype=float))


def test_clear_by_hand_volume_then_imbalance_then_reference():
    # D = [15,15,15,10,10], S = [4,4,10,10,10]: volume 10 at levels 2-4, imbalance 5, 0, 0;
    # levels 3 and 4 tie, level 3 is closer to the reference (level 2)
    result = bk.clear(_book([0, 0, 5, 0, 10], [4, 0, 6, 0, 0]))
    assert result.level == 3
    assert result.volume == 10.0
    assert result.price == pytest.approx(100.0 * math.exp(0.01), rel=1e-15)
    assert (result.buy_fill_above, result.buy_fill_at, result.sell_fill_below, result.sell_fill_at) == (
        1.0, 0.0, 1.0, 0.0)


def test_clear_by_hand_rationing_at_the_margin():
    # bids 3 @ level 3 and 10 @ level 2, asks 4 @ level 2: D = [13,13,13,3,0], S = [0,0,4,4,4]
    result = bk.clear(_book([0, 0, 10, 3, 0], [0, 0, 4, 0, 0]))
    assert (result.level, result.volume) == (2, 4.0)
    assert result.buy_fill_above == 1.0  # the higher bid is served first
    assert result.buy_fill_at == pytest.approx(0.1)  # (4 - 3) / 10 pro rata at the margin
    assert (result.sell_fill_below, result.sell_fill_at) == (0.0, 1.0)


def test_clear_without_crossing_keeps_the_reference_price():
    result = bk.clear(_book([5, 0, 0, 0, 0], [0, 0, 0, 0, 5]))
    assert result.volume == 0.0 and result.price == 100.0 and result.level == 2
    empty = bk.clear(_book([0] * 5, [0] * 5))
    assert empty.volume == 0.0 and empty.price == 100.0


def test_clear_one_sided_book_has_no_volume():
    result = bk.clear(_book([1, 2, 3, 4, 5], [0] * 5))
    assert result.volume == 0.0 and result.price == 100.0


def test_clear_price_priority_when_the_volume_ties_over_empty_levels():
    # D = 10 at every level; S = [5, 20, 20, 20, 20]: volume 10 and imbalance 10 at levels 1-4.
    # The cheaper seller (5 @ level 0) must be filled in full before the 15 @ level 1.
    result = bk.clear(_book([0, 0, 0, 0, 10], [5, 15, 0, 0, 0]))
    assert result.volume == 10.0
    levels = np.array([0, 1])
    fills = bk.fill_ratios(levels, result, "sell") * np.array([5.0, 15.0])
    np.testing.assert_allclose(fills, [5.0, 5.0], rtol=1e-12)


def test_fill_ratios_by_side_and_level():
    result = bk.Clearing(2, 100.0, 4.0, 0.75, 0.5, 0.25, 0.125)
    levels = np.array([0, 1, 2, 3, 4])
    np.testing.assert_array_equal(bk.fill_ratios(levels, result, "buy"), [0, 0, 0.5, 0.75, 0.75])
    np.testing.assert_array_equal(bk.fill_ratios(levels, result, "sell"), [0.25, 0.25, 0.125, 0, 0])


def test_best_quotes_depth_of_residual_book():
    book = _book([0, 0, 10, 3, 0], [0, 0, 4, 0, 6])
    result = bk.clear(book)  # 4 at level 2; residual bids 9 @ level 2, residual asks 6 @ level 4
    bid, ask = bk.best_quotes(book, result)
    assert bid == pytest.approx(book.grid.prices[2]) and ask == pytest.approx(book.grid.prices[4])
    depth_bid, depth_ask = bk.depth(book, book.grid.prices[2], band=0.015)  # levels 1..3
    assert (depth_bid, depth_ask) == (10.0, 4.0)
    # a side with nothing left quotes the grid edge
    empty_side = _book([0, 0, 4, 0, 0], [0, 0, 4, 0, 0])
    bid, ask = bk.best_quotes(empty_side, bk.clear(empty_side))
    assert bid == empty_side.grid.prices[0] and ask == empty_side.grid.prices[-1]


# ------------------------------------------------------------------ brute force ---------
@st.composite
def random_auctions(draw):
    """A small grid and random orders; limits on levels, between levels, beyond the grid and market."""
    reference = draw(st.floats(0.5, 500.0))
    max_change = draw(st.sampled_from([0.02, 0.05, 0.1, 0.3]))
    tick = draw(st.sampled_from([0.005, 0.01, 0.03]))
    grid = bk.PriceGrid(reference, max_change, tick)
    prices = grid.prices
    integer_qty = draw(st.booleans())  # integer volumes make exact ties common
    qty = st.integers(1, 20).map(float) if integer_qty else st.floats(1e-3, 1e3)

    def limit(side):
        k = st.integers(0, grid.n_levels - 1)
        return st.one_of(
            k.map(lambda i: float(prices[i])),                                         # on a level
            k.map(lambda i: float(prices[i] * math.exp(0.5 * tick))),                   # between
            st.floats(0.2, 0.99).map(lambda f: float(prices[0] * f)),                   # below the grid
            st.floats(1.01, 5.0).map(lambda f: float(prices[-1] * f)),                  # above the grid
            st.just(math.inf if side == "buy" else 0.0),                                # market order
        )

    n_buy = draw(st.integers(0, 12))
    n_sell = draw(st.integers(0, 12))
    buys = [(draw(limit("buy")), draw(qty), draw(st.booleans())) for _ in range(n_buy)]
    sells = [(draw(limit("sell")), draw(qty), draw(st.booleans())) for _ in range(n_sell)]
    return grid, buys, sells, integer_qty


def brute_force(grid, buys, sells):
    """Volume, imbalance at every grid price from the individual orders (no binning, no cumsum)."""
    out = []
    for p in grid.prices:
        d = sum(q for lim, q, _ in buys if lim >= p)
        s = sum(q for lim, q, _ in sells if lim <= p)
        out.append((min(d, s), abs(d - s)))
    return out


def auction(grid, buys, sells):
    """Run the engine's auction; households are the orders flagged True, the rest are participants."""
    hh_b = [(i, o) for i, o in enumerate(buys) if o[2]]
    hh_s = [(i, o) for i, o in enumerate(sells) if o[2]]
    n = len(buys) + len(sells)
    pop = SimpleNamespace(cash=np.zeros(n), shares=np.zeros(n))
    orders = EquityOrders(
        np.array([i for i, _ in hh_b], dtype=np.intp), np.array([o[0] for _, o in hh_b], dtype=float),
        np.array([o[1] for _, o in hh_b], dtype=float),
        np.array([len(buys) + i for i, _ in hh_s], dtype=np.intp),
        np.array([o[0] for _, o in hh_s], dtype=float), np.array([o[1] for _, o in hh_s], dtype=float))
    others = [Participant(f"b{i}", o[1], o[0]) for i, o in enumerate(buys) if not o[2]]
    others += [Participant(f"s{i}", -o[1], o[0]) for i, o in enumerate(sells) if not o[2]]
    book, result, fills = run_auction(pop, [orders], others, grid.reference, grid.max_change, grid.tick)
    buy_fills = np.array([pop.shares[i] if o[2] else fills.get(f"b{i}", 0.0) for i, o in enumerate(buys)])
    sell_fills = np.array([-pop.shares[len(buys) + i] if o[2] else -fills.get(f"s{i}", 0.0)
                           for i, o in enumerate(sells)])
    return pop, book, result, buy_fills, sell_fills


@settings(max_examples=examples(100))
@given(random_auctions())
def test_clearing_matches_brute_force(case):
    grid, buys, sells, exact = case
    pop, book, result, buy_fills, sell_fills = auction(grid, buys, sells)
    reference = brute_force(grid, buys, sells)
    best = max(v for v, _ in reference)
    # the clearing level maximises executed volume
    assert result.volume == pytest.approx(best, rel=VOL_RTOL, abs=1e-12)
    if best > 0:
        assert reference[result.level][0] == pytest.approx(best, rel=VOL_RTOL)
        assert result.price == pytest.approx(grid.prices[result.level], rel=1e-15)
    else:
        assert result.price == grid.reference
    if exact and best > 0:
        # with integer volumes the tie-breaks are exact: least imbalance among the maximal levels
        tied = [lv for lv, (v, _) in enumerate(reference) if v == best]
        least = min(reference[lv][1] for lv in tied)
        assert reference[result.level][1] == least
    # the price never leaves the band allowed by max_price_change
    assert grid.reference * (1 - grid.max_change) <= result.price <= grid.reference * (1 + grid.max_change)


@settings(max_examples=examples(100))
@given(random_auctions())
def test_fills_conserve_volume_and_respect_limits(case):
    grid, buys, sells, _ = case
    pop, book, result, buy_fills, sell_fills = auction(grid, buys, sells)
    p = result.price
    # buy fills = sell fills = volume
    assert buy_fills.sum() == pytest.approx(result.volume, rel=VOL_RTOL, abs=1e-9)
    assert sell_fills.sum() == pytest.approx(result.volume, rel=VOL_RTOL, abs=1e-9)
    for (limit, qty, _), fill in zip(buys, buy_fills, strict=True):
        assert -1e-12 <= fill <= qty * (1 + 1e-12)
        if fill > 0:
            assert p <= limit * (1 + PRICE_RTOL), f"buyer with limit {limit} paid {p}"
    for (limit, qty, _), fill in zip(sells, sell_fills, strict=True):
        assert -1e-12 <= fill <= qty * (1 + 1e-12)
        if fill > 0:
            assert p >= limit * (1 - PRICE_RTOL), f"seller with limit {limit} received {p}"
    # households pay / receive exactly fill * price: no cash or shares created in settlement
    n_b = len(buys)
    hh_buy = np.array([o[2] for o in buys], dtype=bool)
    hh_sell = np.array([o[2] for o in sells], dtype=bool)
    np.testing.assert_allclose(pop.cash[:n_b][hh_buy], -buy_fills[hh_buy] * p, rtol=1e-12, atol=0)
    np.testing.assert_allclose(pop.cash[n_b:][hh_sell], sell_fills[hh_sell] * p, rtol=1e-12, atol=0)


@settings(max_examples=examples(100))
@given(random_auctions())
def test_fills_follow_price_priority(case):
    """The documented allocation: better-priced orders fill first, pro rata only at the marginal level."""
    grid, buys, sells, _ = case
    _, book, result, buy_fills, sell_fills = auction(grid, buys, sells)
    for orders, fills, side in ((buys, buy_fills, "buy"), (sells, sell_fills, "sell")):
        live = [(grid.level_of(np.array([o[0]]), side)[0], o[1], f)
                for o, f in zip(orders, fills, strict=True) if grid.tradable(np.array([o[0]]), side)[0]]
        better = (lambda a, b: a > b) if side == "buy" else (lambda a, b: a < b)
        for la, qa, fa in live:
            for lb, qb, fb in live:
                if better(la, lb) and fb > 1e-12 * qb:
                    assert fa == pytest.approx(qa, rel=1e-9), (
                        f"{side} at level {la} filled {fa}/{qa} while a worse {side} at level {lb} got {fb}")
                if la == lb:  # pro rata within a level
                    assert fa / qa == pytest.approx(fb / qb, rel=1e-9, abs=1e-12)


# ------------------------------------------------------------------ surplus and depth ---
def test_surplus_by_hand():
    # bids 3 @ level 3 and 10 @ level 2, asks 4 @ level 0; 4 units trade at the level-2 price
    grid = bk.PriceGrid(100.0, 0.025, 0.01)
    book = bk.Book(grid, np.array([0, 0, 10, 3, 0.0]), np.array([4.0, 0, 0, 0, 0]))
    p = grid.prices
    consumer, producer = bk.surplus(book, p[2], 4.0)
    # the 3 highest bids (level 3) first, then 1 unit of level 2 (limit = price: zero surplus)
    assert consumer == pytest.approx(3 * (p[3] - p[2]), rel=1e-12)
    assert producer == pytest.approx(4 * (p[2] - p[0]), rel=1e-12)
    assert bk.surplus(book, p[2], 0.0) == (0.0, 0.0)


def test_depth_counts_each_side_within_the_band():
    grid = bk.PriceGrid(100.0, 0.1, 0.01)
    bids = np.zeros(grid.n_levels)
    asks = np.zeros(grid.n_levels)
    centre = -grid.low_index
    bids[centre - 5:centre + 1] = 1.0  # 6 levels at and below the price, 1% steps
    asks[centre:centre + 6] = 2.0
    book = bk.Book(grid, bids, asks)
    depth_bid, depth_ask = bk.depth(book, 100.0, band=0.02)
    # within 2%: levels -2..0 on the bid side (exp(-0.02) > 0.98), 0..+1 on the ask side (exp(0.02) > 1.02)
    assert depth_bid == 3.0 and depth_ask == 4.0
