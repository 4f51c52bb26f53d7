"""The equity market: heterogeneous expectations, limit orders and the call auction.

Each tick a random share ``activity_rate`` of households forms a price expectation by
its strategy, turns it into a desired equity share of wealth (mean-variance, scaled by
risk appetite) and submits one limit order for the difference, within its cash and
holdings (no short sales, no borrowing). Orders are cleared in the next tick's phase 1.

Expected log-return over the trading horizon for agent i::

    fundamentalist  e_i = phi * log(F / p)
    chartist        e_i = chi * (1 + greed_i / 2) * trend
    noise           e_i = sigma_noise * z_i
    all             + vm * sigma_d * z_i + w_s * (s_i - 0.5) * 0.02

with ``vm`` the psychology volatility multiplier. Every tick also brings one piece of
common news ``n_t = vm * sigma_news * z_t`` about the next price, which shifts every limit
price by ``n_t`` (so news moves the price one for one, and its size scales with the
volatility multiplier). The limit price is ``p * exp(0.7 * e_i + n_t)``.
Herding: with probability ``herding_strength * lopsidedness`` an agent takes the crowd's
side whatever its own view (Kirman 1993).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from arena.markets.book import Book, Clearing, PriceGrid, clear, fill_ratios
from arena.population import CHARTIST, FUNDAMENTALIST, NOISE, EquityOrders, Population, bernoulli_indices

#: Horizon (ticks) over which agents judge expected returns and risk.
HORIZON = 20
#: Dispersion of the common news shock per tick (log-price), scaled by the volatility multiplier.
NEWS_SIGMA = 0.006
#: Share of the expected horizon move that an agent puts into its limit price.
LIMIT_SHARE = 0.7
#: Per-tick volatility below which risk no longer damps the demand tilt.
MIN_VOL = 0.01


@dataclass(frozen=True)
class TradingContext:
    """Market-wide inputs of order formation (scalars).

    Attributes
    ----------
    price : float
        Current equity price (currency/share).
    fundamental : float
        Fundamental value F (currency/share).
    trend : float
        EWMA of log returns per tick.
    volatility : float
        Realised volatility per tick (std of log returns).
    vol_multiplier : float
        Psychology volatility multiplier, >= 1.
    crowd_side : float
        +1 if the crowd leans to buying, -1 to selling.
    herd_probability : float
        Probability that an active trader copies the crowd's side, in [0, 1].
    sentiment_weight, reversion, extrapolation, noise_sigma, dispersion, activity, sensitivity : float
        Configuration values (see :class:`arena.config.ArenaConfig`).
    """

    price: float
    fundamental: float
    trend: float
    volatility: float
    vol_multiplier: float
    crowd_side: float
    herd_probability: float
    sentiment_weight: float
    reversion: float
    extrapolation: float
    noise_sigma: float
    dispersion: float
    activity: float
    sensitivity: float


def expected_returns(
    pop: Population, idx: np.ndarray, ctx: TradingContext, rng: np.random.Generator
) -> np.ndarray:
    """Return the expected log-return over the horizon of the agents ``idx`` (float64)."""
    strategy = pop.strategy[idx]
    z = rng.standard_normal(idx.size)
    phi = 1.0 - (1.0 - ctx.reversion) ** HORIZON
    mispricing = np.log(ctx.fundamental / ctx.price)
    view = np.where(strategy == FUNDAMENTALIST, phi * mispricing, 0.0)
    chart = strategy == CHARTIST
    view[chart] = ctx.extrapolation * (1.0 + 0.5 * pop.greed[idx][chart]) * ctx.trend
    noise = strategy == NOISE
    view[noise] = ctx.noise_sigma * rng.standard_normal(int(noise.sum()))
    view += ctx.vol_multiplier * ctx.dispersion * z
    view += ctx.sentiment_weight * (pop.sentiment[idx] - 0.5) * 0.02
    return view


def risk_appetite(fear: np.ndarray, greed: np.ndarray, confidence: np.ndarray) -> np.ndarray:
    """Scaling of the strategic equity share by mood: 1 at the neutral moods (0.2, 0.2, 0.6).

    ``clip(1 - 0.25 (fear - 0.2) + 0.15 (greed - 0.2) + 0.1 (confidence - 0.6), 0, 2)``:
    fear cuts equity demand, greed and confidence raise it.
    """
    appetite = 1.0 - 0.25 * (fear - 0.2) + 0.15 * (greed - 0.2) + 0.1 * (confidence - 0.6)
    return np.clip(appetite, 0.0, 2.0)


def form_orders(pop: Population, ctx: TradingContext, rng: np.random.Generator) -> tuple[EquityOrders, dict]:
    """Draw the active traders and build their limit orders.

    Returns
    -------
    orders : EquityOrders
        Buy and sell orders within each agent's cash (after its consumption budget) and holdings.
    stats : dict
        ``n_buy``, ``n_sell``, ``buy_volume``, ``sell_volume`` (shares), ``herded`` (agents).
    """
    idx = bernoulli_indices(pop.n, ctx.activity, rng)
    news = float(ctx.vol_multiplier * NEWS_SIGMA * rng.standard_normal())
    view = expected_returns(pop, idx, ctx, rng) + news
    herded = rng.random(idx.size) < ctx.herd_probability
    view[herded] = ctx.crowd_side * np.abs(view[herded])

    price = ctx.price
    cash = pop.cash[idx] - pop.budget[idx]
    shares = pop.shares[idx]
    wealth = cash + shares * price
    appetite = risk_appetite(pop.fear[idx], pop.greed[idx], pop.confidence[idx])
    # log-linear demand: the expected return tilts the strategic share, less so when risk is high
    risk = max(ctx.volatility, MIN_VOL) / MIN_VOL
    tilt = np.exp(np.clip(ctx.sensitivity * view / (pop.risk_aversion[idx] * risk), -5.0, 5.0))
    desired = pop.target_share[idx] * appetite * tilt
    np.clip(desired, 0.0, 1.0, out=desired)
    delta = desired * wealth / price - shares  # shares to buy (+) or sell (-)
    # the limit is the price expected at the next auction: a share of the horizon's move
    limit = price * np.exp(LIMIT_SHARE * (view - news) + news)

    buy = delta > 0
    buy_qty = np.minimum(delta[buy], np.maximum(cash[buy], 0.0) / limit[buy])
    sell = delta < 0
    sell_qty = np.minimum(-delta[sell], shares[sell])
    keep_b, keep_s = buy_qty > 1e-9, sell_qty > 1e-9
    orders = EquityOrders(
        idx[buy][keep_b],
        limit[buy][keep_b],
        buy_qty[keep_b],
        idx[sell][keep_s],
        limit[sell][keep_s],
        sell_qty[keep_s],
    )
    stats = {
        "n_buy": int(keep_b.sum()),
        "n_sell": int(keep_s.sum()),
        "buy_volume": float(orders.buy_qty.sum()),
        "sell_volume": float(orders.sell_qty.sum()),
        "herded": int(herded.sum()),
    }
    return orders, stats


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
        Household orders; agent ids are unique within each set's side (a set is settled
        with one fancy-indexed update per side).
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
        sides.append(
            (
                grid.level_of(orders.buy_limit, "buy"),
                np.where(grid.tradable(orders.buy_limit, "buy"), orders.buy_qty, 0.0),
            )
        )
        sides.append(
            (
                grid.level_of(orders.sell_limit, "sell"),
                np.where(grid.tradable(orders.sell_limit, "sell"), orders.sell_qty, 0.0),
            )
        )
    o_buy = [p for p in others if p.qty > 0]
    o_sell = [p for p in others if p.qty < 0]
    ob_lim = np.array([p.limit for p in o_buy], dtype=float)
    os_lim = np.array([p.limit for p in o_sell], dtype=float)
    ob_lv, os_lv = grid.level_of(ob_lim, "buy"), grid.level_of(os_lim, "sell")
    ob_q = np.where(grid.tradable(ob_lim, "buy"), np.array([p.qty for p in o_buy], dtype=float), 0.0)
    os_q = np.where(grid.tradable(os_lim, "sell"), np.array([-p.qty for p in o_sell], dtype=float), 0.0)
    book = Book.from_orders(
        grid,
        np.concatenate([lv for lv, _ in sides[0::2]] + [ob_lv]),
        np.concatenate([q for _, q in sides[0::2]] + [ob_q]),
        np.concatenate([lv for lv, _ in sides[1::2]] + [os_lv]),
        np.concatenate([q for _, q in sides[1::2]] + [os_q]),
    )
    result = clear(book)
    fills: dict[str, float] = {}
    if result.volume > 0:
        p = result.price
        for k, orders in enumerate(order_sets):
            (b_lv, b_q), (s_lv, s_q) = sides[2 * k], sides[2 * k + 1]
            bq = b_q * fill_ratios(b_lv, result, "buy")
            sq = s_q * fill_ratios(s_lv, result, "sell")
            pop.shares[orders.buy_agents] += bq
            pop.cash[orders.buy_agents] -= bq * p
            pop.shares[orders.sell_agents] -= sq
            pop.cash[orders.sell_agents] += sq * p
        for part, q in zip(o_buy, ob_q * fill_ratios(ob_lv, result, "buy"), strict=True):
            fills[part.key] = fills.get(part.key, 0.0) + float(q)
        for part, q in zip(o_sell, os_q * fill_ratios(os_lv, result, "sell"), strict=True):
            fills[part.key] = fills.get(part.key, 0.0) - float(q)
    return book, result, fills
