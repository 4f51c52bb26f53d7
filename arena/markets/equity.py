"""The equity market: households' demand schedules and the call auction.

Each tick a random share ``activity_rate`` of households trades. Trader ``i`` forms an
expected log return ``e_i`` by its strategy (:mod:`arena.markets.expectations`: Franke &
Westerhoff 2012 fundamentalists and chartists, plus noise traders), adds a pull toward
its strategic portfolio, and so has a reservation log return

    rho_i = e_i + zeta * log(theta_i / sigma_i) - lambda_f * max(fear_i - usual fear, 0)^2

with ``theta_i`` = target share * risk appetite, ``sigma_i`` its current equity share of
wealth, ``zeta`` = ``rebalancing`` and ``lambda_f`` = ``fear_selling`` (a fearful household
asks a higher return, convex in its excess fear, so a panic makes it sell into every auction
while it lasts, and everyday fluctuations of fear hardly matter): at the price
``p exp(rho_i)`` it wants to hold exactly what it holds. Around it the household demands

    x_i(P) = q_i + b_i (exp(eta (rho_i - log(P / p))) - 1),   b_i = theta_i W_i / p

shares (``eta_i`` = ``demand_sensitivity`` / its risk aversion: the price elasticity of its
demand), capped by
its cash (no borrowing) and by zero (no short sales). The schedule is submitted as
:data:`TRANCHES` buy limit orders below and as many sell limit orders above the
reservation price, so the call auction aggregates real demand curves and clears near the
holdings-weighted mean of the active traders' reservation returns: the price moves by
what the traders expect, and the market's depth comes from their elasticity.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from arena.blocks import blocks
from arena.markets.book import Book, Clearing, PriceGrid, clear, fill_ratios
from arena.markets.expectations import SENTIMENT_SCALE, group_forecasts
from arena.population import CHARTIST, FUNDAMENTALIST, NOISE, EquityOrders, Population, bernoulli_indices

#: Outer edges of the demand-schedule tranches, in log price from the reservation price; the
#: tranche between two edges is one limit order at their midpoint.
TRANCHES = np.array([0.005, 0.02, 0.08])
_MIDS = 0.5 * (TRANCHES + np.concatenate([[0.0], TRANCHES[:-1]]))
#: Limit of each buy (sell) tranche relative to the reservation price: the tranche's midpoint.
BUY_FACTORS = np.exp(-_MIDS)
SELL_FACTORS = np.exp(_MIDS)
#: Active traders per block of order formation: its (K, block) temporaries fit in L2
#: (8,192 measured best against 4,096, 16,384 and 32,768 at 10^6 households).
TRADER_BLOCK = 8_192
#: Bound of the portfolio pull log(theta / sigma) (a newcomer without shares pulls at most this).
MAX_PULL = 3.0


@dataclass(frozen=True)
class TradingContext:
    """Market-wide inputs of order formation (scalars).

    Attributes
    ----------
    price : float
        Current equity price (currency/share).
    fundamental : float
        Fundamental value F (currency/share), > 0.
    last_return : float
        Last log return of the equity price.
    noise_scale : float
        Multiplier of the groups' news noise (volatility multiplier relative to calm), > 0.
    sentiment_weight : float
        Weight of a chartist's sentiment in its expectation, in [0, 1].
    impact, reversion, extrapolation, fundamentalist_noise, chartist_noise : float
        FW (2012) mu, phi, chi, sigma_f, sigma_c.
    noise_sigma, dispersion : float
        Noise traders' and everyone's idiosyncratic dispersion of expected returns (log-price).
    activity : float
        Probability that a household trades this tick, in (0, 1].
    elasticity : float
        eta, price elasticity of a household's demand schedule, >= 0.
    rebalancing : float
        zeta, weight of the pull toward the strategic portfolio, >= 0.
    fear_selling : float
        Fall of a household's reservation log return per tick per squared unit of fear above the
        usual, >= 0.
    usual_fear : float
        The crowd's usual fear (a slow EWMA of the fear index), in [0, 1].
    """

    price: float
    fundamental: float
    last_return: float
    noise_scale: float
    sentiment_weight: float
    impact: float
    reversion: float
    extrapolation: float
    fundamentalist_noise: float
    chartist_noise: float
    noise_sigma: float
    dispersion: float
    activity: float
    elasticity: float
    rebalancing: float
    fear_selling: float = 0.0
    usual_fear: float = 0.2


def expected_returns(
    pop: Population, idx: np.ndarray, ctx: TradingContext, rng: np.random.Generator
) -> np.ndarray:
    """Return the expected next log return of the agents ``idx`` (float64).

    Fundamentalists and chartists share their group's forecast (one news draw per group
    and tick); chartists add their sentiment; noise traders have private views; everyone
    adds an idiosyncratic term of dispersion ``ctx.dispersion``.
    """
    eps_f, eps_c = rng.standard_normal(2)
    e_f, e_c = group_forecasts(
        np.log(ctx.price / ctx.fundamental),
        ctx.last_return,
        float(eps_f),
        float(eps_c),
        ctx.impact,
        ctx.reversion,
        ctx.extrapolation,
        ctx.fundamentalist_noise,
        ctx.chartist_noise,
        ctx.noise_scale,
    )
    strategy = np.take(pop.strategy, idx)
    view = ctx.dispersion * rng.standard_normal(idx.size)
    # masked add and integer positions: boolean-mask indexing is ~3x slower (same values)
    np.add(view, e_f, out=view, where=strategy == FUNDAMENTALIST)
    chart = np.flatnonzero(strategy == CHARTIST)
    view[chart] += e_c + ctx.sentiment_weight * SENTIMENT_SCALE * (np.take(pop.sentiment, idx[chart]) - 0.5)
    noise = np.flatnonzero(strategy == NOISE)
    view[noise] += ctx.noise_sigma * rng.standard_normal(noise.size)
    return view


def risk_appetite(fear: np.ndarray, greed: np.ndarray, confidence: np.ndarray) -> np.ndarray:
    """Scaling of the strategic equity share by mood: 1 at the neutral moods (0.2, 0.2, 0.6).

    ``clip(1 - 0.25 (fear - 0.2) + 0.15 (greed - 0.2) + 0.1 (confidence - 0.6), 0, 2)``:
    fear cuts equity demand, greed and confidence raise it.
    """
    appetite = 1.0 - 0.25 * (fear - 0.2) + 0.15 * (greed - 0.2) + 0.1 * (confidence - 0.6)
    return np.clip(appetite, 0.0, 2.0)


def form_orders(pop: Population, ctx: TradingContext, rng: np.random.Generator) -> tuple[EquityOrders, dict]:
    """Draw the active traders and submit their demand schedules as limit orders.

    Returns
    -------
    orders : EquityOrders
        :data:`TRANCHES` buy orders below and as many sell orders above each active
        trader's reservation price (an agent id repeats once per tranche), within its cash
        after the consumption budget and its holdings.
    stats : dict
        ``n_buy``, ``n_sell``: active traders whose reservation price is above (below)
        the current price; ``buy_volume``, ``sell_volume``: shares they want to buy (sell)
        at the current price.
    """
    idx = bernoulli_indices(pop.n, ctx.activity, rng)
    view = expected_returns(pop, idx, ctx, rng)
    # the schedules are element-wise per trader: built over blocks of traders whose
    # temporaries stay in the L2 cache (arena.blocks), in trader order, so the orders are the
    # same arrays as in one pass; the volumes are summed over all traders at once
    want = np.empty((2, idx.size))
    parts = [_schedules(pop, ctx, idx[sl], view[sl], want[:, sl]) for sl in blocks(idx.size, TRADER_BLOCK)]
    columns = [part[:6] for part in parts]
    if not columns:  # no trader this tick
        orders = EquityOrders.empty()
    elif len(columns) == 1:
        orders = EquityOrders(*columns[0])
    else:
        orders = EquityOrders(*(np.concatenate(c) for c in zip(*columns, strict=True)))
    stats = {
        "n_buy": sum(part[6] for part in parts),
        "n_sell": sum(part[7] for part in parts),
        "buy_volume": float(want[0].sum()),
        "sell_volume": float(want[1].sum()),
    }
    return orders, stats


def _schedules(pop: Population, ctx: TradingContext, idx: np.ndarray, view: np.ndarray,
               want: np.ndarray) -> tuple:
    """Demand schedules of the traders ``idx`` with expected returns ``view`` (see :func:`form_orders`).

    Writes the shares each wants to buy and to sell at the current price into ``want``
    (shape (2, len(idx))) and returns the six order arrays (buy agents, limits, quantities,
    then sell) and the counts of traders with a positive and a negative reservation return.
    """
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
    rho = view + ctx.rebalancing * pull - ctx.fear_selling * excess_fear * excess_fear
    scale = theta * wealth / price  # b_i
    eta = ctx.elasticity / np.take(pop.risk_aversion, idx).astype(np.float64)  # eta_i = eta / gamma_i
    # limits of the buy (below rho) and sell (above rho) tranches: one exp per trader, the
    # tranche offsets are constants. Built tranche-major, shape (K, active): a broadcast
    # whose inner axis is K = 3 long costs ~10x a row-wise one; the orders are then read
    # trader-major (.T.ravel()), the order of one pass over (active, K)
    reservation = price * np.exp(rho)
    buy_limit = BUY_FACTORS[:, None] * reservation
    sell_limit = SELL_FACTORS[:, None] * reservation
    cum_buy = np.minimum(scale * np.expm1(TRANCHES[:, None] * eta), (cash * (1 - 1e-12)) / buy_limit)
    cum_sell = np.minimum(scale * -np.expm1(TRANCHES[:, None] * -eta), shares * (1 - 1e-12))
    for k in range(TRANCHES.size - 1, 0, -1):  # cumulative -> per tranche, last tranche first
        cum_buy[k] -= cum_buy[k - 1]
        cum_sell[k] -= cum_sell[k - 1]
    agents = np.repeat(idx, TRANCHES.size)
    buy_qty, sell_qty = cum_buy.T.ravel(), cum_sell.T.ravel()
    # positions of the orders kept, then np.take: ~3x faster than three boolean compressions
    keep_b = np.flatnonzero(buy_qty > 1e-9)
    keep_s = np.flatnonzero(sell_qty > 1e-9)
    # demand at the current price: x(p) - q = b (exp(eta rho) - 1), within cash and holdings
    at_price = scale * np.expm1(eta * rho)
    np.minimum(np.maximum(at_price, 0.0), cash / price, out=want[0])
    np.minimum(np.maximum(-at_price, 0.0), shares, out=want[1])
    return (*_kept(keep_b, agents, buy_limit, buy_qty), *_kept(keep_s, agents, sell_limit, sell_qty),
            int(np.count_nonzero(rho > 0)), int(np.count_nonzero(rho < 0)))


def _kept(keep: np.ndarray, agents: np.ndarray, limit: np.ndarray, qty: np.ndarray) -> tuple:
    """Agents, limits (read trader-major from the (K, active) array) and quantities of the orders ``keep``."""
    if keep.size == qty.size:  # every tranche is an order (the usual case): no gather
        return agents, limit.T.ravel(), qty
    return np.take(agents, keep), np.take(limit.T.ravel(), keep), np.take(qty, keep)


@dataclass
class Participant:
    """Orders of one non-household participant (central bank, outside agent, shock seller).

    ``qty`` is positive for a buy and negative for a sell; ``limit`` is the limit price
    (use ``inf`` / ``0`` for market orders).
    """

    key: str
    qty: float
    limit: float


def run_auction(
    pop: Population,
    order_sets: list[EquityOrders],
    others: list[Participant],
    price: float,
    max_change: float,
    tick: float,
) -> tuple[Book, Clearing, dict[str, float]]:
    """Clear households' and other participants' orders in one call auction and settle households.

    Parameters
    ----------
    pop : Population
        Households; their cash and shares are settled here.
    order_sets : list of EquityOrders
        Household orders; an agent may appear several times on a side (one order per
        tranche of its demand schedule): fills are accumulated with ``np.add.at``.
    others : list of Participant
        Central bank, outside agents, ...; their signed fills are returned for their
        owners to settle.
    price : float
        Current price (currency/share), the grid's reference.
    max_change, tick : float
        Grid bounds and spacing (``max_price_change``, ``price_tick``).

    Returns
    -------
    book : Book
    clearing : Clearing
    other_fills : dict
        Signed filled shares per participant key.
    """
    grid = PriceGrid(price, max_change, tick)
    sides = []  # (levels, qty, side) of every order group, households first
    for orders in order_sets:
        sides.append(_levels(grid, orders.buy_limit, orders.buy_qty, "buy"))
        sides.append(_levels(grid, orders.sell_limit, orders.sell_qty, "sell"))
    o_buy = [p for p in others if p.qty > 0]
    o_sell = [p for p in others if p.qty < 0]
    ob_lim = np.array([p.limit for p in o_buy], dtype=float)
    os_lim = np.array([p.limit for p in o_sell], dtype=float)
    ob_lv, os_lv = grid.level_of(ob_lim, "buy"), grid.level_of(os_lim, "sell")
    ob_q = np.where(grid.tradable(ob_lim, "buy"), np.array([p.qty for p in o_buy], dtype=float), 0.0)
    os_q = np.where(grid.tradable(os_lim, "sell"), np.array([-p.qty for p in o_sell], dtype=float), 0.0)
    book = Book.from_orders(
        grid,
        _joined([lv for lv, _ in sides[0::2]] + [ob_lv]),
        _joined([q for _, q in sides[0::2]] + [ob_q]),
        _joined([lv for lv, _ in sides[1::2]] + [os_lv]),
        _joined([q for _, q in sides[1::2]] + [os_q]),
    )
    result = clear(book)
    fills: dict[str, float] = {}
    if result.volume > 0:
        p = result.price
        for k, orders in enumerate(order_sets):
            (b_lv, b_q), (s_lv, s_q) = sides[2 * k], sides[2 * k + 1]
            bq = b_q * fill_ratios(b_lv, result, "buy")
            sq = s_q * fill_ratios(s_lv, result, "sell")
            np.add.at(pop.shares, orders.buy_agents, bq)
            np.subtract.at(pop.cash, orders.buy_agents, bq * p)
            np.subtract.at(pop.shares, orders.sell_agents, sq)
            np.add.at(pop.cash, orders.sell_agents, sq * p)
        for part, q in zip(o_buy, ob_q * fill_ratios(ob_lv, result, "buy"), strict=True):
            fills[part.key] = fills.get(part.key, 0.0) + float(q)
        for part, q in zip(o_sell, os_q * fill_ratios(os_lv, result, "sell"), strict=True):
            fills[part.key] = fills.get(part.key, 0.0) - float(q)
    return book, result, fills


def _levels(grid: PriceGrid, limit: np.ndarray, qty: np.ndarray, side: str) -> tuple[np.ndarray, np.ndarray]:
    """Grid level of each order and its quantity, 0 where it cannot trade inside the grid.

    Computed over L2-sized blocks of orders (:mod:`arena.blocks`; element-wise, so the same
    arrays as one pass over all orders).
    """
    levels = np.empty(limit.size, dtype=np.intp)
    tradable = np.empty(limit.size)
    for sl in blocks(limit.size):
        levels[sl] = grid.level_of(limit[sl], side)
        np.copyto(tradable[sl], np.where(grid.tradable(limit[sl], side), qty[sl], 0.0))
    return levels, tradable


def _joined(arrays: list[np.ndarray]) -> np.ndarray:
    """``np.concatenate(arrays)``, without the copy when all but the first are empty."""
    if all(a.size == 0 for a in arrays[1:]):
        first = arrays[0]
        dtype = np.result_type(*arrays)
        return first if first.dtype == dtype else first.astype(dtype)
    return np.concatenate(arrays)
