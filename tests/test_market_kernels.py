"""The market kernels (arena.markets.kernels) match the numpy code they replaced, bit for bit.

As tests/test_kernels.py: each test keeps the numpy implementation the engine ran before the
kernel as the reference and compares every bit of the results (orders, levels, holdings,
suppliers, views) on random inputs with edge values.
"""

import numpy as np
import pytest

from arena import ArenaModel
from arena.markets import equity, goods
from arena.markets import kernels as market_kernels
from arena.markets.book import Clearing, PriceGrid
from arena.markets.equity import TradingContext
from arena.markets.expectations import SENTIMENT_SCALE, group_forecasts
from arena.population import CHARTIST, FUNDAMENTALIST, NOISE, Population, bernoulli_indices


def bits_equal(a: np.ndarray, b: np.ndarray) -> bool:
    """Same dtype, shape and bytes (so -0.0 != 0.0 and every NaN payload counts)."""
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


@pytest.fixture
def rng():
    return np.random.default_rng(12345)


# --- equity schedules: the numpy implementation before arena.kernels, kept as the reference
TRANCHES, BUY_FACTORS, SELL_FACTORS = equity.TRANCHES, equity.BUY_FACTORS, equity.SELL_FACTORS
MAX_PULL, MIN_BUY_DEPTH, risk_appetite = equity.MAX_PULL, equity.MIN_BUY_DEPTH, equity.risk_appetite


def numpy_schedules(pop: Population, ctx: TradingContext, idx: np.ndarray, view: np.ndarray,
               copier: np.ndarray, want: np.ndarray, buy: tuple, sell: tuple, n_b: int, n_s: int) -> tuple:
    """The numpy chain before arena.kernels (the reference)."""
    price = ctx.price
    # np.take: gathers of the active traders' state
    cash = np.maximum(np.take(pop.cash, idx) - np.take(pop.budget, idx), 0.0)
    shares = np.take(pop.shares, idx)
    wealth = cash + shares * price
    fear = np.take(pop.fear, idx)
    theta = np.clip(np.take(pop.target_share, idx) * risk_appetite(fear, np.take(pop.greed, idx),
                                                                   np.take(pop.confidence, idx)), 1e-6, 1.0)
    sigma = shares * price / np.maximum(wealth, 1e-12)
    pull = np.clip(np.log(theta / np.maximum(sigma, 1e-12)), -MAX_PULL, MAX_PULL)
    # reservation log return: the expectation, the pull to the strategic portfolio, and the
    # flight from equity of a fearful household (it asks a higher return while afraid)
    excess_fear = np.maximum(fear - np.float32(ctx.usual_fear), 0.0)
    conviction = want[2]
    np.subtract(view, ctx.fear_selling * excess_fear * excess_fear, out=conviction)
    conviction[copier] = ctx.consensus
    rho = conviction + ctx.rebalancing * pull
    scale = theta * wealth / price  # b_i
    eta = ctx.elasticity / np.take(pop.risk_aversion, idx).astype(np.float64)  # eta_i = eta / gamma_i
    # a fearful household withdraws its bids: buy-side depth thins with fear above the usual
    # (liquidity providers step back in a panic: Brady report 1988; Grossman & Miller 1988;
    # Nagel 2012), so a sell wave meets a thinner book than a buy wave of the same size
    eta_buy = eta * np.maximum(1.0 - ctx.fear_liquidity * excess_fear, MIN_BUY_DEPTH)
    # limits of the buy (below rho) and sell (above rho) tranches: one exp per trader, the
    # tranche offsets are constants. Built tranche-major, shape (K, active): a broadcast
    # whose inner axis is K = 3 long costs ~10x a row-wise one; the orders are then read
    # trader-major (.T.ravel()), the order of one pass over (active, K)
    reservation = price * np.exp(rho)
    buy_limit = BUY_FACTORS[:, None] * reservation
    sell_limit = SELL_FACTORS[:, None] * reservation
    cum_buy = np.minimum(scale * np.expm1(TRANCHES[:, None] * eta_buy), (cash * (1 - 1e-12)) / buy_limit)
    cum_sell = np.minimum(scale * -np.expm1(TRANCHES[:, None] * -eta), shares * (1 - 1e-12))
    for k in range(TRANCHES.size - 1, 0, -1):  # cumulative -> per tranche, last tranche first
        cum_buy[k] -= cum_buy[k - 1]
        cum_sell[k] -= cum_sell[k - 1]
    # demand at the current price: x(p) - q = b (exp(eta rho) - 1), within cash and holdings
    at_price = scale * np.expm1(np.where(rho > 0, eta_buy, eta) * rho)
    np.minimum(np.maximum(at_price, 0.0), cash / price, out=want[0])
    np.minimum(np.maximum(-at_price, 0.0), shares, out=want[1])
    return (numpy_put(buy, n_b, idx, buy_limit, cum_buy), numpy_put(sell, n_s, idx, sell_limit, cum_sell),
            int(np.count_nonzero(rho > 0)), int(np.count_nonzero(rho < 0)))


def numpy_put(out: tuple, start: int, idx: np.ndarray, limit: np.ndarray, qty: np.ndarray) -> int:
    """The numpy chain before arena.kernels (the reference)."""
    k_tranches = TRANCHES.size
    stop = start + qty.size
    agents, limits, qtys = (a[start:stop] for a in out)
    for k in range(k_tranches):  # trader-major: tranche k of trader i at i * K + k
        agents[k::k_tranches] = idx
        limits[k::k_tranches] = limit[k]
        qtys[k::k_tranches] = qty[k]
    # positions of the orders kept, then np.take: ~3x faster than three boolean compressions
    keep = np.flatnonzero(qtys > 1e-9)
    if keep.size == qtys.size:  # every tranche is an order (the usual case on the buy side)
        return stop
    for a in (agents, limits, qtys):
        a[:keep.size] = np.take(a, keep)
    return start + keep.size


def _orders(pop, ctx, idx, view, copier, schedules):
    m = idx.size * TRANCHES.size
    buy = (np.empty(m, dtype=np.intp), np.empty(m), np.empty(m))
    sell = (np.empty(m, dtype=np.intp), np.empty(m), np.empty(m))
    want = np.empty((3, idx.size))
    n_b, n_s, up, down = schedules(pop, ctx, idx, view, copier, want, buy, sell, 0, 0)
    return [a[:n_b] for a in buy] + [a[:n_s] for a in sell] + [want, np.array([up, down])]


@pytest.mark.parametrize("scalars", [
    {},  # the defaults (Python floats: float32 products with the moods)
    {"fear_selling": np.float64(0.7), "fear_liquidity": np.float64(0.9), "elasticity": 3,
     "rebalancing": np.float64(0.02)},  # numpy scalars and an int: float64 / int arithmetic
])
def test_equity_schedules_match_the_numpy_chain(scalars):
    model = ArenaModel(n_agents=6_000, seed=3)
    for _ in range(15):
        model.step()
    pop, rng = model.pop, np.random.default_rng(9)
    pop.fear[:50] = 0.95  # fearful: excess fear, thin bids
    pop.budget[50:80] = pop.cash[50:80] + 1.0  # no cash left after the budget
    pop.shares[80:100] = 0.0
    ctx = TradingContext(price=float(model.prices["equity"]), fundamental=1.0, last_return=0.0,
                         noise_scale=1.0, sentiment_weight=0.0, impact=0.0, reversion=0.0,
                         extrapolation=0.0, fundamentalist_noise=0.0, chartist_noise=0.0, noise_sigma=0.0,
                         dispersion=0.0, activity=0.5, elasticity=scalars.get("elasticity", 2.0),
                         rebalancing=scalars.get("rebalancing", 0.05),
                         fear_selling=scalars.get("fear_selling", 0.5), usual_fear=0.25,
                         consensus=-0.003, fear_liquidity=scalars.get("fear_liquidity", 0.8))
    idx = np.sort(rng.choice(pop.n, 3_000, replace=False)).astype(np.intp)
    idx[:100] = np.arange(100)
    idx.sort()
    view = rng.standard_normal(idx.size) * 0.02
    copier = rng.random(idx.size) < 0.1
    got = _orders(pop, ctx, idx, view, copier, equity._schedules)
    want = _orders(pop, ctx, idx, view, copier, numpy_schedules)
    assert got[0].size > 1_000 and got[3].size > 1_000  # many buy and sell orders compared
    for g, w in zip(got, want, strict=True):
        assert bits_equal(g, w)


@pytest.mark.parametrize("side", ["buy", "sell"])
def test_auction_levels_match_price_grid(rng, side):
    grid = PriceGrid(13.7, 0.1, 0.0005)
    limit = 13.7 * np.exp(rng.uniform(-0.15, 0.15, 9_001))
    limit[:3] = [0.0, 1e308, np.inf]
    limit[3:6] = grid.prices[[0, -1, 17]]  # exactly on levels
    qty = rng.lognormal(0.0, 1.0, limit.size)
    levels, tradable = equity._levels(grid, limit, qty, side)
    with np.errstate(divide="ignore"):
        want_levels = grid.level_of(limit, side)
    want_tradable = np.where(grid.tradable(limit, side), qty, 0.0)
    assert bits_equal(levels, want_levels)
    assert bits_equal(tradable, want_tradable)


def numpy_search(supplier, price, stock, alive, share, size, rng):
    """goods.search before arena.kernels (the reference)."""
    living = np.flatnonzero(alive)
    if living.size == 0 or share <= 0 or size < 2:
        return
    movers = bernoulli_indices(supplier.size, share, rng)
    if movers.size == 0:
        return
    effective = np.where(alive & (stock > 0), price, np.inf)
    cand = living[rng.integers(0, living.size, (movers.size, size - 1))]
    prices = np.take(effective, cand)
    best, p_new = cand[:, 0], prices[:, 0]
    for j in range(1, size - 1):
        cheaper = prices[:, j] < p_new
        best = np.where(cheaper, cand[:, j], best)
        p_new = np.where(cheaper, prices[:, j], p_new)
    found = np.isfinite(p_new)
    if not found.all():
        movers, best, p_new = movers[found], best[found], p_new[found]
    p_old = np.where(alive, price, np.inf)[supplier[movers]]
    move = rng.random(movers.size) < goods.switch_probability(p_new, p_old)
    supplier[movers[move]] = best[move]


@pytest.mark.parametrize("size", [2, 3, 5])
def test_goods_search_matches_the_numpy_version(size):
    rng = np.random.default_rng(size)
    n, f = 20_000, 40
    price = rng.lognormal(0.0, 0.3, f)
    price[:3] = price[3]  # ties: the first sampled wins
    stock = np.where(rng.random(f) < 0.3, 0.0, rng.random(f))  # sold-out shops
    alive = rng.random(f) < 0.8
    supplier = rng.integers(0, f, n).astype(np.intp)
    got, want = supplier.copy(), supplier.copy()
    goods.search(got, price, stock, alive, 0.2, size, np.random.default_rng(7))
    numpy_search(want, price, stock, alive, 0.2, size, np.random.default_rng(7))
    assert bits_equal(got, want)
    assert not np.array_equal(got, supplier)  # some searchers moved


def numpy_settle(pop_shares, pop_cash, sides, result, p):
    """run_auction's settlement before arena.markets.kernels: _filled, then np.add.at (the reference)."""
    def filled(levels, qty, agents, side):
        level = result.level
        if side == "buy":
            pos = np.flatnonzero(levels >= level)
            beyond, at = result.buy_fill_above, result.buy_fill_at
        else:
            pos = np.flatnonzero(levels <= level)
            beyond, at = result.sell_fill_below, result.sell_fill_at
        fill = np.where(np.take(levels, pos) == level, at, beyond)
        return np.take(agents, pos), np.take(qty, pos) * fill
    (b_lv, b_q, b_a), (s_lv, s_q, s_a) = sides
    buyers, bq = filled(b_lv, b_q, b_a, "buy")
    sellers, sq = filled(s_lv, s_q, s_a, "sell")
    np.add.at(pop_shares, buyers, bq)
    np.subtract.at(pop_cash, buyers, bq * p)
    np.subtract.at(pop_shares, sellers, sq)
    np.add.at(pop_cash, sellers, sq * p)


def test_settlement_matches_add_at(rng):
    n, m, levels = 500, 4_000, 80
    sides = []
    for _ in range(2):  # agents repeat (one order per tranche), in any order
        qty = rng.lognormal(0.0, 1.0, m) * (rng.random(m) < 0.9)  # some not tradable (0)
        sides.append((rng.integers(0, levels, m).astype(np.intp), qty, rng.integers(0, n, m).astype(np.intp)))
    result = Clearing(price=1.37, level=40, volume=1.0, buy_fill_above=1.0, buy_fill_at=0.37,
                      sell_fill_below=0.81, sell_fill_at=0.25)
    shares, cash = rng.lognormal(0.0, 1.0, n), rng.lognormal(0.0, 1.0, n)
    want_shares, want_cash = shares.copy(), cash.copy()
    numpy_settle(want_shares, want_cash, sides, result, result.price)
    (b_lv, b_q, b_a), (s_lv, s_q, s_a) = sides
    r = result
    market_kernels.settle_side(b_lv, b_q, b_a, r.level, r.buy_fill_at, r.buy_fill_above, True, r.price,
                               shares, cash)
    market_kernels.settle_side(s_lv, s_q, s_a, r.level, r.sell_fill_at, r.sell_fill_below, False, r.price,
                               shares, cash)
    assert bits_equal(shares, want_shares)
    assert bits_equal(cash, want_cash)


def numpy_expected_returns(pop, idx, ctx, rng):
    """expected_returns before arena.markets.kernels (the reference)."""
    eps_f, eps_c = rng.standard_normal(2)
    e_f, e_c = group_forecasts(np.log(ctx.price / ctx.fundamental), ctx.last_return, float(eps_f),
                               float(eps_c), ctx.impact, ctx.reversion, ctx.extrapolation,
                               ctx.fundamentalist_noise, ctx.chartist_noise, ctx.noise_scale)
    strategy = np.take(pop.strategy, idx)
    view = ctx.dispersion * rng.standard_normal(idx.size)
    np.add(view, e_f, out=view, where=strategy == FUNDAMENTALIST)
    chart = np.flatnonzero(strategy == CHARTIST)
    view[chart] += e_c + ctx.sentiment_weight * SENTIMENT_SCALE * (np.take(pop.sentiment, idx[chart]) - 0.5)
    noise = np.flatnonzero(strategy == NOISE)
    view[noise] += ctx.noise_sigma * rng.standard_normal(noise.size)
    return view


@pytest.mark.parametrize("weight", [1.3, np.float64(1.3), 2])
def test_expected_returns_match_the_numpy_version(weight):
    model = ArenaModel(n_agents=5_000, seed=4)
    pop = model.pop
    pop.sentiment[:] = np.random.default_rng(1).random(pop.n).astype(np.float32)
    ctx = TradingContext(price=10.3, fundamental=9.7, last_return=0.004, noise_scale=1.2,
                         sentiment_weight=weight, impact=0.5, reversion=0.1, extrapolation=0.9,
                         fundamentalist_noise=0.7, chartist_noise=1.1, noise_sigma=0.02, dispersion=0.003,
                         activity=0.3, elasticity=2.0, rebalancing=0.05)
    idx = bernoulli_indices(pop.n, 0.3, np.random.default_rng(2))
    got = equity.expected_returns(pop, idx, ctx, np.random.default_rng(3))
    want = numpy_expected_returns(pop, idx, ctx, np.random.default_rng(3))
    assert bits_equal(got, want)
    assert np.isin(pop.strategy[idx], [FUNDAMENTALIST, CHARTIST, NOISE]).all()
    assert all(np.any(pop.strategy[idx] == s) for s in (FUNDAMENTALIST, CHARTIST, NOISE))
