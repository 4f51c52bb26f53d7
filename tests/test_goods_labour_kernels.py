"""The compiled goods-market rounds and labour-market dismissals match the numpy code they replaced.

``numpy_sell`` is :func:`arena.markets.goods.sell` as the engine ran it before
``arena.markets.kernels.shop_fills`` and ``spill_round``, and ``numpy_dismiss`` the end of
:func:`arena.markets.labour.fire` before ``dismiss_first`` (the references); every bit of the
results, of the suppliers and employers and of the random stream after the call is compared,
on markets with sold-out, closed, tied and short shops, zero budgets and households rationed in
both rounds, and on employers with and without a firing quota.
"""

import numpy as np
import pytest

from arena.kernels import sums_by_index
from arena.markets import goods
from arena.markets import kernels as market_kernels


def bits_equal(a: np.ndarray, b: np.ndarray) -> bool:
    """Same dtype, shape and bytes (so -0.0 != 0.0 and every NaN payload counts)."""
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def numpy_sell(supplier, budget, goods_share, other_share, price, stock, alive, rng):
    """goods.sell before the per-shop and spillover kernels (the reference)."""
    f = price.size
    value = np.zeros(f)
    sums_by_index(supplier, budget, value)
    value *= goods_share
    wanted = value / price
    fill = np.ones(f)
    np.divide(stock, wanted, out=fill, where=wanted > stock)
    sold = wanted * fill
    booked = wanted.copy()
    short = fill < 1.0
    spent = np.empty_like(budget)
    rationed = np.empty(supplier.size, dtype=np.intp)
    paid_share = other_share + goods_share * fill
    n_rationed = market_kernels.served_spending(budget, supplier, paid_share, short, spent, rationed)
    living = np.flatnonzero(alive)
    if n_rationed and living.size:
        rationed = rationed[:n_rationed]
        shop_fill = np.take(fill, np.take(supplier, rationed))
        residual = np.take(budget, rationed) * goods_share * (1.0 - shop_fill)
        for _ in range(goods.SPILLOVER_ROUNDS):
            if rationed.size == 0:
                break
            left = np.maximum(stock - sold, 0.0)
            shop = living[rng.integers(0, living.size, rationed.size)]
            val = np.bincount(shop, weights=residual, minlength=f)
            want = val / price
            fill2 = np.ones(f)
            np.divide(left, want, out=fill2, where=want > left)
            shop_fill = np.take(fill2, shop)
            got = residual * shop_fill
            spent[rationed] += got
            sold += want * fill2
            booked += want * fill2
            found = np.flatnonzero(got > 0)
            supplier[np.take(rationed, found)] = np.take(shop, found)
            residual = residual - got
            keep = np.flatnonzero(shop_fill < 1.0)
            rationed, residual = np.take(rationed, keep), np.take(residual, keep)
    sold = np.minimum(sold, stock)
    return goods.GoodsResult(spent=spent, sold=sold, revenue=sold * price, booked=booked)


def market(seed: int, n: int = 30_000, f: int = 60):
    rng = np.random.default_rng(seed)
    price = rng.lognormal(0.0, 0.3, f)
    price[:4] = price[4]  # ties
    alive = rng.random(f) < 0.85  # closed shops: drawn by no spillover
    budget = rng.lognormal(0.0, 1.0, n)
    budget[rng.random(n) < 0.05] = 0.0  # households with nothing to spend
    supplier = rng.integers(0, f, n).astype(np.intp)
    demand = np.bincount(supplier, weights=budget, minlength=f) * 0.7 / price
    # a third sold out, a third short, a third with enough (one exactly at demand: not short)
    stock = demand * rng.choice([0.0, 0.5, 2.0], f)
    stock[5] = demand[5]
    return supplier, budget, price, stock, alive


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("shares", [(0.7, 0.1), (1.0, 0.0), (0.3, np.float64(0.25))])
def test_sell_matches_the_numpy_version(seed, shares):
    supplier, budget, price, stock, alive = market(seed)
    goods_share, other_share = shares
    got_sup, want_sup = supplier.copy(), supplier.copy()
    rng_got, rng_want = np.random.default_rng(seed), np.random.default_rng(seed)
    got = goods.sell(got_sup, budget, goods_share, other_share, price, stock.copy(), alive, rng_got)
    want = numpy_sell(want_sup, budget, goods_share, other_share, price, stock.copy(), alive, rng_want)
    for name in ("spent", "sold", "revenue", "booked"):
        assert bits_equal(getattr(got, name), getattr(want, name)), name
    assert bits_equal(got_sup, want_sup)
    assert rng_got.bit_generator.state == rng_want.bit_generator.state  # the same draws were made
    assert not np.array_equal(got_sup, supplier)  # rationed households found other shops


def test_sell_with_every_shop_closed_or_sold_out_matches():
    supplier, budget, price, stock, alive = market(4)
    stock[:] = 0.0
    for living in (alive, np.zeros_like(alive)):
        got_sup, want_sup = supplier.copy(), supplier.copy()
        got = goods.sell(got_sup, budget, 0.6, 0.1, price, stock, living, np.random.default_rng(0))
        want = numpy_sell(want_sup, budget, 0.6, 0.1, price, stock, living, np.random.default_rng(0))
        for name in ("spent", "sold", "revenue", "booked"):
            assert bits_equal(getattr(got, name), getattr(want, name)), name
        assert bits_equal(got_sup, want_sup)


def numpy_dismiss(cand, employer, quota):
    """labour.fire's dismissals before arena.markets.kernels.dismiss_first (the reference)."""
    firm = employer[cand]
    order = np.argsort(firm, kind="stable")
    firm_sorted = firm[order]
    starts = np.searchsorted(firm_sorted, firm_sorted, side="left")
    rank = np.arange(firm_sorted.size) - starts
    chosen = cand[order][rank < quota[firm_sorted]]
    dismissed = np.bincount(employer[chosen], minlength=quota.size)
    employer[chosen] = -1
    return dismissed


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_dismissals_match_the_sort_and_rank_version(seed):
    rng = np.random.default_rng(seed)
    n, firms = 20_000, 50
    employer = rng.integers(-1, firms, n).astype(np.intp)
    quota = np.where(rng.random(firms) < 0.4, rng.integers(0, 40, firms), 0).astype(np.int64)
    firing = np.append(quota > 0, False)
    # candidates as fire draws them: distinct workers of firing employers, in random order
    cand = rng.permutation(np.flatnonzero(firing[employer]))[: int(quota.sum()) * 2].astype(np.intp)
    got_emp, want_emp = employer.copy(), employer.copy()
    got = market_kernels.dismiss_first(cand, got_emp, quota)
    want = numpy_dismiss(cand, want_emp, quota)
    assert bits_equal(got, want) and bits_equal(got_emp, want_emp)
    assert 0 < got.sum() < quota.sum() * 2 and (got <= quota).all()


def test_separations_match_the_numpy_version():
    rng = np.random.default_rng(8)
    n, firms = 30_000, 70
    employer = rng.integers(-1, firms, n).astype(np.intp)
    quits = np.flatnonzero(rng.random(n) < 0.05)
    got_emp, want_emp = employer.copy(), employer.copy()
    got = market_kernels.separate_jobs(quits, got_emp, firms)
    kept = quits[want_emp[quits] >= 0]
    want = np.bincount(want_emp[kept], minlength=firms)
    want_emp[kept] = -1
    assert bits_equal(got, want) and bits_equal(got_emp, want_emp)
    assert 0 < got.sum() < quits.size  # some quitters had no job
