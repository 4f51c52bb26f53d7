"""The commodity-book kernels (arena.markets.row_kernels) equal the numpy code they replaced, bit for bit.

``clear_numpy`` and ``stats_numpy`` below are ``arena.markets.rows.clear`` and ``rows.stats`` as
they were before the kernels (numpy over (R, L) arrays, a Python loop per row); the kernels
must give the same Clearing fields, demand curves and statistics, compared as bit patterns
(signed zeros and NaN included).
"""

from __future__ import annotations

import numpy as np
import pytest

from arena.markets import row_kernels, rows
from arena.markets.book import Clearing, clearing_at


def clear_numpy(bids: np.ndarray, asks: np.ndarray, grids_: list) -> tuple[list[Clearing], np.ndarray]:
    """Clear every row's call auction as :func:`arena.markets.book.clear`; also return the demand curves.

    The candidate levels of each row are masks instead of index lists; the chosen level is
    the same (the first of the closest to the reference), and the fill ratios come from
    :func:`arena.markets.book.clearing_at`.
    """
    demand = np.cumsum(bids[:, ::-1], axis=1)[:, ::-1]
    supply = np.cumsum(asks, axis=1)
    executed = np.minimum(demand, supply)
    best = executed.max(axis=1, initial=0.0)
    candidates = executed >= (best * (1 - 1e-12))[:, None]
    imbalance = np.abs(demand - supply)
    min_imb = np.where(candidates, imbalance, np.inf).min(axis=1)
    candidates &= imbalance <= (min_imb + 1e-12 * np.maximum(best, 1.0))[:, None]
    slack = (best * (1 + 1e-12))[:, None]
    fits = candidates & (demand - bids <= slack) & (supply - asks <= slack)
    candidates = np.where(fits.any(axis=1)[:, None], fits, candidates)
    centre = -grids_[0].low_index
    distance = np.abs(np.arange(bids.shape[1]) - centre)
    levels = np.where(candidates, distance, bids.shape[1] + centre).argmin(axis=1)
    out = []
    for i, grid in enumerate(grids_):
        if best[i] <= 0.0:
            out.append(Clearing(centre, grid.reference, 0.0, 0.0, 0.0, 0.0, 0.0))
        else:
            out.append(clearing_at(int(levels[i]), executed[i], demand[i], supply[i], bids[i], asks[i],
                                   grid.prices))
    return out, demand


def stats_numpy(bids: np.ndarray, asks: np.ndarray, prices: np.ndarray, demand: np.ndarray,
          results: list[Clearing], band: float = 0.02, width: int = 20) -> list[dict]:
    """Quotes, depth, surplus and elasticity of every row, as ``arena.markets.session.record_market``.

    Row ``i`` gets :func:`~arena.markets.book.best_quotes` (``empty="price"``),
    :func:`~arena.markets.book.depth`, :func:`~arena.markets.book.surplus` and
    :func:`~arena.markets.book.book_elasticity` of its book at its clearing.
    """
    r, n = bids.shape
    k = np.arange(n)
    level = np.array([c.level for c in results])[:, None]
    price = np.array([c.price for c in results])
    volume = np.array([c.volume for c in results])
    # best quotes of the residual book
    f = np.array([[c.buy_fill_above, c.buy_fill_at, c.sell_fill_below, c.sell_fill_at] for c in results])
    one = np.ones((r, 1))
    rest_bids = bids * np.where(k > level, 1 - f[:, :1], np.where(k == level, 1 - f[:, 1:2], one))
    rest_asks = asks * np.where(k < level, 1 - f[:, 2:3], np.where(k == level, 1 - f[:, 3:4], one))
    tol = (1e-9 * np.maximum(volume, 1.0))[:, None]
    has_bid, has_ask = rest_bids > tol, rest_asks > tol
    last_bid = n - 1 - has_bid[:, ::-1].argmax(axis=1)
    first_ask = has_ask.argmax(axis=1)
    # surplus: volume taken from the best bids (asks) first
    bid_take = _take_first_numpy(bids[:, ::-1], volume)[:, ::-1]
    ask_take = _take_first_numpy(asks, volume)
    consumer = (bid_take * np.maximum(prices - price[:, None], 0.0)).sum(axis=1)
    producer = (ask_take * np.maximum(price[:, None] - prices, 0.0)).sum(axis=1)
    out = []
    for i, c in enumerate(results):
        p, row = c.price, prices[i]
        bid = row[last_bid[i]] if has_bid[i].any() else p
        ask = row[first_ask[i]] if has_ask[i].any() else p
        if ask < bid:
            bid, ask = min(bid, p), max(ask, p)
        near = (row >= p * (1 - band)) & (row <= p * (1 + band))
        depth_bid = float(bids[i][near & (row <= p)].sum())
        depth_ask = float(asks[i][near & (row >= p)].sum())
        lo, hi = max(c.level - width, 0), min(c.level + width, n - 1)
        mid = demand[i, c.level]
        if mid <= 0 or hi == lo:
            elasticity = 0.0
        else:
            elasticity = float(((demand[i, hi] - demand[i, lo]) / mid) / ((row[hi] - row[lo]) / row[c.level]))
        out.append({"bid": float(bid), "ask": float(ask), "depth_bid": depth_bid, "depth_ask": depth_ask,
                    "consumer_surplus": float(consumer[i]), "producer_surplus": float(producer[i]),
                    "elasticity": elasticity})
    return out


def _take_first_numpy(volume_by_level: np.ndarray, total: np.ndarray) -> np.ndarray:
    """Row-wise :func:`arena.markets.book._take_first`: allocate ``total[i]`` to row i's levels in order."""
    cum = np.cumsum(volume_by_level, axis=1)
    before = cum - volume_by_level
    return np.clip(total[:, None] - before, 0.0, volume_by_level)


def bits(values) -> np.ndarray:
    return np.asarray(values, dtype=np.float64).view(np.int64)


def random_books(rng, r, max_change, tick=0.002, kind="dense"):
    refs = rng.uniform(0.5, 50.0, r)
    grids, prices = rows.grids([float(x) for x in refs], max_change, tick)
    n = prices.shape[1]
    bids = rng.exponential(1.0, (r, n)) * np.exp(rng.uniform(-8, 8, (r, 1)))
    asks = rng.exponential(1.0, (r, n)) * np.exp(rng.uniform(-8, 8, (r, 1)))
    if kind == "sparse":  # most levels empty, as in the step supply and the tail of the demand
        bids[rng.random((r, n)) < 0.9] = 0.0
        asks[rng.random((r, n)) < 0.9] = 0.0
    elif kind == "ties":  # small integers: equal executed volumes and imbalances at several levels
        bids = rng.integers(0, 3, (r, n)).astype(float)
        asks = rng.integers(0, 3, (r, n)).astype(float)
    elif kind == "empty":  # rows with nothing bid or asked: no trade, the reference price stays
        bids[::2] = 0.0
        asks[1::2] = 0.0
    elif kind == "nan":
        bids[rng.random((r, n)) < 0.01] = np.nan
    return grids, prices, bids, asks


def same_clearing(a: Clearing, b: Clearing) -> bool:
    return a.level == b.level and np.array_equal(
        bits([a.price, a.volume, a.buy_fill_above, a.buy_fill_at, a.sell_fill_below, a.sell_fill_at]),
        bits([b.price, b.volume, b.buy_fill_above, b.buy_fill_at, b.sell_fill_below, b.sell_fill_at]))


@pytest.mark.parametrize("kind", ["dense", "sparse", "ties", "empty", "nan"])
@pytest.mark.parametrize("max_change", [0.001, 0.004, 0.05, 0.2, 0.55])
def test_clearing_and_statistics_equal_the_numpy_code(kind, max_change):
    rng = np.random.default_rng(abs(hash((kind, max_change))) % 2**32)
    for _ in range(20):
        r = int(rng.integers(1, 9))
        grids, prices, bids, asks = random_books(rng, r, max_change, kind=kind)
        res1, demand1 = clear_numpy(bids, asks, grids)
        with np.errstate(invalid="ignore"):
            res2, demand2 = rows.clear(bids, asks, grids)
        assert np.array_equal(bits(demand1), bits(demand2))
        assert all(same_clearing(a, b) for a, b in zip(res1, res2, strict=True))
        with np.errstate(invalid="ignore", divide="ignore"):
            st1 = stats_numpy(bids, asks, prices, demand1, res1)
            st2 = rows.stats(bids, asks, prices, demand2, res2)
        for a, b in zip(st1, st2, strict=True):
            assert list(a) == list(b)
            assert np.array_equal(bits(list(a.values())), bits(list(b.values()))), (a, b)


def test_the_engine_books_equal_the_numpy_code():
    # the engine's books: 7 commodities on its grid (max_price_change 0.05, 549 levels)
    from arena import ArenaModel

    model = ArenaModel(n_agents=2000, seed=3)
    seen = []
    original = rows.stats

    def spy(bids, asks, prices, demand, results, *args, **kw):
        if bids.shape[0] > 1:  # the commodity books (record_market passes single books)
            seen.append((bids.copy(), asks.copy(), prices.copy()))
        return original(bids, asks, prices, demand, results, *args, **kw)

    rows.stats = spy
    try:
        for _ in range(15):
            model.step()
    finally:
        rows.stats = original
    assert len(seen) == 15
    for bids, asks, prices in seen:
        # grids of the same shape whose level prices are the engine's rows (their centre is the reference)
        grids, _ = rows.grids([float(p) for p in prices[:, prices.shape[1] // 2]],
                              model.config.max_price_change, float(np.log(prices[0, 1] / prices[0, 0])))
        for g, row in zip(grids, prices, strict=True):
            g.__dict__["prices"] = row
        res1, demand1 = clear_numpy(bids, asks, grids)
        res2, demand2 = rows.clear(bids, asks, grids)
        assert np.array_equal(bits(demand1), bits(demand2))
        assert all(same_clearing(a, b) for a, b in zip(res1, res2, strict=True))
        st1 = stats_numpy(bids, asks, prices, demand1, res1)
        st2 = rows.stats(bids, asks, prices, demand2, res2)
        for a, b in zip(st1, st2, strict=True):
            assert np.array_equal(bits(list(a.values())), bits(list(b.values())))


@pytest.mark.parametrize("scale", [1.0, 1e-300, 1e300])
def test_numpy_sum_is_numpys_pairwise_sum(scale):
    rng = np.random.default_rng(7)
    sizes = list(range(0, 1100)) + [4095, 8192, 8193, 100_003]
    for n in sizes:
        with np.errstate(over="ignore", invalid="ignore"):
            x = rng.standard_normal(n) * np.exp(rng.uniform(-30, 30, n)) * scale
            total = x.sum()
        assert bits(row_kernels.numpy_sum(x, n)) == bits(total), n
    for special in ([-0.0], [-0.0] * 9, [-0.0] * 200, [np.inf, -np.inf], [np.nan, 1.0], [1e308] * 16):
        x = np.array(special)
        with np.errstate(invalid="ignore", over="ignore"):
            assert bits(row_kernels.numpy_sum(x, x.size)) == bits(x.sum()), special


def test_the_goods_and_equity_statistics_equal_the_one_book_functions():
    # record_market computes a single book's statistics with the row kernel: the same floats as
    # arena.markets.book's best_quotes, depth, surplus and book_elasticity (numpy), on the books of a run
    from arena import ArenaModel
    from arena.markets import book as bk
    from arena.markets import session

    model = ArenaModel(n_agents=2000, seed=5)
    seen = []
    original = session.store_market

    def spy(model_, name, book, result, old_price, stats, posted=False):
        if name in ("goods", "equity"):
            seen.append((name, book, result, dict(stats), posted))
        return original(model_, name, book, result, old_price, stats, posted)

    session.store_market = spy
    try:
        for _ in range(15):
            model.step()
    finally:
        session.store_market = original
    assert sorted(s[0] for s in seen) == ["equity"] * 15 + ["goods"] * 15
    assert any(result.volume > 0 for _, _, result, _, _ in seen)
    for _, book, result, stats, posted in seen:
        bid, ask = bk.best_quotes(book, bk.clear(book) if posted else result, empty="price")
        depth_bid, depth_ask = bk.depth(book, result.price)
        consumer, producer = bk.surplus(book, result.price, result.volume)
        elasticity = bk.book_elasticity(book, result.level)
        expected = [bid, ask, depth_bid, depth_ask, consumer, producer, elasticity]
        assert np.array_equal(bits(expected), bits([stats[k] for k in rows.STAT_KEYS]))


def commodity_books_numpy(prices, household_budget, firm_quantity, firm_elasticity, costs, caps,
                          household_quantity=None):
    """``arena.markets.rows.commodity_books`` before the kernel (numpy over (R, L) arrays)."""
    if household_quantity is None:
        demand = household_budget[:, None] / prices
    else:
        demand = np.array(household_quantity, dtype=float)
    demand += firm_quantity[:, None] * np.power(prices, -firm_elasticity[:, None])
    np.maximum(demand, 0.0, out=demand)
    supply = np.maximum(rows.step_supply(costs, caps, prices), 0.0)
    bids = np.empty_like(demand)
    np.subtract(demand[:, :-1], demand[:, 1:], out=bids[:, :-1])
    bids[:, -1] = demand[:, -1]
    asks = np.empty_like(supply)
    asks[:, 0] = supply[:, 0]
    np.subtract(supply[:, 1:], supply[:, :-1], out=asks[:, 1:])
    np.maximum(bids, 0.0, out=bids)
    np.maximum(asks, 0.0, out=asks)
    return bids, asks


@pytest.mark.parametrize("kind", ["engine", "ties", "nan", "budget"])
def test_commodity_books_equal_the_numpy_code(kind):
    rng = np.random.default_rng(len(kind))
    for _ in range(30):
        r = int(rng.integers(1, 9))
        refs = [float(x) for x in rng.uniform(0.5, 50.0, r)]
        grids, prices = rows.grids(refs, float(rng.choice([0.01, 0.05, 0.3])), 0.002)
        n = prices.shape[1]
        costs, caps = rows.supply_curves(rng.uniform(0.1, 10.0, r), rng.uniform(0.0, 40.0, r),
                                         rng.uniform(0, 1, r), rng.uniform(1.0, 80.0, r))
        household = rng.exponential(5.0, (r, n)) * rng.uniform(0, 2, (r, 1))
        firm_q, elasticity = rng.exponential(3.0, r) * (rng.random(r) < 0.8), rng.choice([0.0, 0.3, 1.2], r)
        budget = None
        if kind == "ties":  # equal costs: the stable order and the counts at a price equal to a cost
            costs = np.round(costs, 0)
            prices = np.ascontiguousarray(np.round(prices, 0))
        elif kind == "nan":
            costs[rng.random(costs.shape) < 0.1] = np.nan
            household[rng.random(household.shape) < 0.02] = np.nan
            household[rng.random(household.shape) < 0.02] = -1.0
        elif kind == "budget":  # demand B / p instead of the retail quantities
            budget, household = rng.exponential(10.0, r), None
        with np.errstate(invalid="ignore"):
            expected = commodity_books_numpy(prices, budget, firm_q, elasticity, costs, caps, household)
            got = rows.commodity_books(prices, budget, firm_q, elasticity, costs, caps,
                                       household_quantity=household)
        for a, b in zip(expected, got, strict=True):
            assert np.array_equal(bits(a), bits(b))


@pytest.mark.parametrize("kind", ["dense", "sparse", "ties", "empty", "nan"])
def test_clear_book_equals_the_one_book_clear(kind):
    # rows.clear_book (the equity auction, the goods market's crossing) against arena.markets.book.clear
    from arena.markets import book as bk

    rng = np.random.default_rng(11 + len(kind))
    for _ in range(40):
        grids, prices, bids, asks = random_books(rng, 2, float(rng.choice([0.01, 0.05, 0.2, 0.5])), kind=kind)
        for i, grid in enumerate(grids):
            book = bk.Book(grid, bids[i].copy(), asks[i].copy())
            with np.errstate(invalid="ignore"):
                assert same_clearing(bk.clear(book), rows.clear_book(book))


def schedule_book_numpy(grid, demand, supply):
    """``arena.markets.schedules.schedule_book`` before the kernel (numpy)."""
    prices = grid.prices
    d = np.nan_to_num(np.maximum(demand(prices), 0.0), nan=0.0, posinf=0.0)
    s = np.nan_to_num(np.maximum(supply(prices), 0.0), nan=0.0, posinf=0.0)
    bids = np.empty_like(d)
    np.subtract(d[:-1], d[1:], out=bids[:-1])
    bids[-1:] = d[-1:]
    asks = np.empty_like(s)
    asks[:1] = s[:1]
    np.subtract(s[1:], s[:-1], out=asks[1:])
    np.maximum(bids, 0.0, out=bids)
    np.maximum(asks, 0.0, out=asks)
    return bids, asks


@pytest.mark.parametrize("max_change", [0.0005, 0.05, 0.5])
def test_schedule_book_equals_the_numpy_code(max_change):
    from arena.markets import book as bk
    from arena.markets.formulas import step_supply
    from arena.markets.schedules import offers_book, schedule_book

    rng = np.random.default_rng(int(max_change * 1e4))
    specials = np.array([np.nan, np.inf, -np.inf, -0.0, 0.0, -1.0])
    for _ in range(50):
        grid = bk.PriceGrid(float(rng.uniform(0.1, 10.0)), max_change, 0.002)
        n = grid.prices.size
        raw_d = np.sort(rng.exponential(5.0, n))[::-1].copy()
        raw_s = np.sort(rng.exponential(5.0, n))
        for raw in (raw_d, raw_s):
            hit = rng.random(n) < 0.1
            raw[hit] = rng.choice(specials, hit.sum())
        expected = schedule_book_numpy(grid, lambda p, x=raw_d: x, lambda p, x=raw_s: x)
        with np.errstate(invalid="ignore"):
            book = schedule_book(grid, lambda p, x=raw_d: x, lambda p, x=raw_s: x)
        assert np.array_equal(bits(expected[0]), bits(book.bids))
        assert np.array_equal(bits(expected[1]), bits(book.asks))
        # the goods market's book: a budget over the levels against firms' stocks at posted prices
        posted, stocks = rng.uniform(0.05, 20.0, 30), rng.exponential(2.0, 30)
        budget = float(rng.choice([0.0, 50.0, np.inf]))
        with np.errstate(invalid="ignore", divide="ignore"):
            got = offers_book(grid, budget, posted, stocks)
            want = schedule_book_numpy(grid, lambda p, b=budget: b / p,
                                       lambda p, c=posted, q=stocks: step_supply(c, q, p))
        assert np.array_equal(bits(want[0]), bits(got.bids)) and np.array_equal(bits(want[1]), bits(got.asks))
