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

from arena.blocks import BLOCK, blocks, work_array
from arena.markets import kernels
from arena.markets.book import Book, Clearing, PriceGrid, fill_ratios
from arena.markets.expectations import SENTIMENT_SCALE, group_forecasts, news_draws
from arena.markets.rows import clear_book
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
#: Floor of the share of its buying elasticity a fearful household keeps.
MIN_BUY_DEPTH = 0.1
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
    fear_liquidity : float
        Cut of a household's buying elasticity per unit of fear above the usual, >= 0
        (floor :data:`MIN_BUY_DEPTH` of the elasticity).
    herd_probability : float
        Probability that an active trader copies the crowd this tick, in [0, 1]
        (:func:`arena.psychology.herd_probability`: herding strength times market stress).
    consensus : float
        The crowd's conviction: the mean over the last auctions' active traders of the
        expected return net of fear (log-price per tick, EWMA over ~5 ticks); what a copier adopts.
    news_tail : float
        Inverse degrees of freedom ``1 / nu`` of the groups' Student-t news, in [0, 0.5); 0 for
        Gaussian news (:func:`arena.markets.expectations.news_draws`).
    noise_reversal : float
        kappa_n in [0, 1]: share of the last log return noise traders expect to reverse (they provide
        liquidity to order-flow imbalances and are paid by the reversal: Campbell, Grossman & Wang 1993;
        Nagel 2012); 0 = zero-mean private views only.
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
    herd_probability: float = 0.0
    consensus: float = 0.0
    fear_liquidity: float = 0.0
    news_tail: float = 0.0
    noise_reversal: float = 0.0


def expected_returns(
    pop: Population, idx: np.ndarray, ctx: TradingContext, rng: np.random.Generator
) -> np.ndarray:
    """Return the expected next log return of the agents ``idx`` (float64).

    Fundamentalists and chartists share their group's forecast (one news draw per group
    and tick, Student-t with ``1 / ctx.news_tail`` degrees of freedom, or Gaussian); chartists
    add their sentiment; noise traders have private views and lean against the last return by
    ``ctx.noise_reversal`` of it (short-term liquidity provision); everyone adds an idiosyncratic
    term of dispersion ``ctx.dispersion``.
    """
    eps_f, eps_c = news_draws(rng, ctx.news_tail)
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
    # the groups' terms in one compiled pass (arena.markets.kernels: bit-identical). The
    # chartists' term is computed as numpy computes e_c + w * (sentiment - 0.5) with a float32
    # sentiment: in float32 for Python-float w and e_c, in float64 for numpy float64 scalars
    chart_weight = ctx.sentiment_weight * SENTIMENT_SCALE
    weight_t = np.result_type(chart_weight, np.float32).type
    chart_t = np.result_type(e_c, weight_t).type
    view = np.empty(idx.size)
    noise = np.empty(idx.size, dtype=np.intp)
    k = kernels.expectation_views(pop.strategy, pop.sentiment, idx, rng.standard_normal(idx.size),
                                  float(ctx.dispersion), float(e_f), weight_t(chart_weight), chart_t(e_c),
                                  FUNDAMENTALIST, CHARTIST, NOISE, view, noise)
    view[noise[:k]] += ctx.noise_sigma * rng.standard_normal(k)
    if ctx.noise_reversal:  # skipped at 0, so the views are bit-identical to those without it
        view[noise[:k]] -= ctx.noise_reversal * ctx.last_return
    return view


def risk_appetite(fear: np.ndarray, greed: np.ndarray, confidence: np.ndarray) -> np.ndarray:
    """Scaling of the strategic equity share by mood: 1 at the neutral moods (0.2, 0.2, 0.6).

    ``clip(1 - 0.25 (fear - 0.2) + 0.15 (greed - 0.2) + 0.1 (confidence - 0.6), 0, 2)``:
    fear cuts equity demand, greed and confidence raise it. The tick computes it inside
    :func:`arena.markets.kernels.schedule_inputs` (bit-identical, tests/test_market_kernels.py).
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
        at the current price; ``consensus``: the active traders' mean conviction (expected
        return net of fear, log-price per tick); ``copiers``: how many copied the crowd.
    """
    idx = bernoulli_indices(pop.n, ctx.activity, rng)
    view = expected_returns(pop, idx, ctx, rng)
    # the schedules are element-wise per trader: built over blocks of traders whose
    # temporaries stay in the L2 cache (arena.blocks), in trader order, so the orders are the
    # same arrays as in one pass; the volumes are summed over all traders at once
    # herding (Lux & Marchesi 1999; Bikhchandani & Sharma 2001): a copier drops its own view
    # and adopts the crowd's conviction of the last auction; one draw per active trader
    # whether or not anyone herds, so the stream stays in step across experiment arms
    copier = rng.random(idx.size) < ctx.herd_probability
    want = np.empty((3, idx.size))  # shares wanted to buy, to sell at the price; conviction
    # the blocks write their orders one after the other into arrays sized for every tranche
    # of every trader; the orders are their filled fronts (no concatenation)
    m = idx.size * TRANCHES.size
    buy = (np.empty(m, dtype=np.intp), np.empty(m), np.empty(m))  # agents, limits, quantities
    sell = (np.empty(m, dtype=np.intp), np.empty(m), np.empty(m))
    n_b = n_s = n_buy = n_sell = 0
    for sl in blocks(idx.size, TRADER_BLOCK):
        n_b, n_s, up, down = _schedules(pop, ctx, idx[sl], view[sl], copier[sl], want[:, sl],
                                        buy, sell, n_b, n_s)
        n_buy += up
        n_sell += down
    orders = EquityOrders(*(a[:n_b] for a in buy), *(a[:n_s] for a in sell))
    stats = {
        "n_buy": n_buy,
        "n_sell": n_sell,
        "buy_volume": float(want[0].sum()),
        "sell_volume": float(want[1].sum()),
        "consensus": float(want[2].mean()) if idx.size else 0.0,
        "copiers": int(np.count_nonzero(copier)),
    }
    return orders, stats


def _schedules(pop: Population, ctx: TradingContext, idx: np.ndarray, view: np.ndarray,
               copier: np.ndarray, want: np.ndarray, buy: tuple, sell: tuple, n_b: int, n_s: int) -> tuple:
    """Demand schedules of the traders ``idx`` with expected returns ``view`` (see :func:`form_orders`).

    ``copier`` marks the traders who adopt the crowd's conviction. Writes the shares each
    wants to buy and to sell at the current price and its conviction into ``want`` (shape
    (3, len(idx))), and the orders (agents, limits, quantities) into ``buy`` and ``sell``
    from positions ``n_b`` and ``n_s`` on; returns the positions after them and the counts
    of traders with a positive and a negative reservation return.

    Per trader (docs/model.md, "Equity market"): cash after the consumption budget, wealth,
    the strategic share ``theta = clip(target_share * risk_appetite, 1e-6, 1)``, the pull
    ``clip(log(theta / sigma), -MAX_PULL, MAX_PULL)`` toward it, the reservation log return
    ``rho = conviction + rebalancing * pull`` with ``conviction = view - fear_selling *
    excess_fear^2`` (the crowd's consensus for a copier; a fearful household asks a higher
    return), the elasticity ``eta = elasticity / risk_aversion`` and on the buy side
    ``eta * max(1 - fear_liquidity * excess_fear, MIN_BUY_DEPTH)`` (a fearful household
    withdraws its bids: Brady report 1988; Grossman & Miller 1988; Nagel 2012). Tranche
    ``k`` of the buy (sell) schedule has limit ``BUY_FACTORS[k]`` (``SELL_FACTORS[k]``) times
    the reservation price ``price * exp(rho)`` and cumulative size ``b (exp(+-eta
    TRANCHES[k]) - 1)``, ``b = theta * wealth / price``, within cash and holdings.

    The element-wise arithmetic runs in three compiled loops (:mod:`arena.markets.kernels`,
    bit-identical to the numpy operations they replaced, mixed float32/float64 precision
    included) around numpy's ``log``, ``exp`` and ``expm1``.
    """
    n = idx.size
    f32 = np.float32
    # the dtype numpy gives a Python (or numpy) scalar times a float32 array
    fear_selling = np.result_type(ctx.fear_selling, f32).type(ctx.fear_selling)
    liquidity_t = np.result_type(ctx.fear_liquidity, f32).type
    # temporaries of this call only: reused buffers (arena.blocks.work_array), not fresh pages
    cash, shares, wealth, ratio, eta, eta_buy, rho, growth = (
        work_array(f"equity.{name}", n) for name in ("cash", "shares", "wealth", "ratio", "eta", "eta_buy",
                                                     "rho", "growth"))
    theta = work_array("equity.theta", n, f32)
    conviction = want[2]
    kernels.schedule_inputs(pop.cash, pop.budget, pop.shares, pop.fear, pop.greed, pop.confidence,
                            pop.target_share, pop.risk_aversion, idx, view, copier, float(ctx.price),
                            f32(ctx.usual_fear), fear_selling, float(ctx.consensus), float(ctx.elasticity),
                            liquidity_t(ctx.fear_liquidity), liquidity_t(1.0), liquidity_t(MIN_BUY_DEPTH),
                            cash, shares, wealth, theta, conviction, ratio, eta, eta_buy)
    np.log(ratio, out=ratio)
    args = work_array("equity.args", (2 * TRANCHES.size + 1, n))
    kernels.schedule_exponents(ratio, conviction, float(ctx.rebalancing), MAX_PULL, eta, eta_buy, TRANCHES,
                               rho, args)
    np.exp(rho, out=growth)
    np.expm1(args, out=args)
    return kernels.schedule_orders(idx, cash, shares, wealth, theta, rho, growth, args, float(ctx.price),
                                   1 - 1e-12, BUY_FACTORS, SELL_FACTORS, want, *buy, n_b, *sell, n_s)


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
    result = clear_book(book)  # arena.markets.book.clear in one compiled pass (the same numbers)
    fills: dict[str, float] = {}
    if result.volume > 0:
        p = result.price
        for k, orders in enumerate(order_sets):
            (b_lv, b_q), (s_lv, s_q) = sides[2 * k], sides[2 * k + 1]
            # only orders at or beyond the clearing level fill (the others would add 0.0,
            # which changes no holding); buyers first, then sellers, each order in turn: the
            # np.add.at / np.subtract.at sequence over _filled's orders, in one compiled pass
            # a side (arena.markets.kernels: bit-identical)
            r = result
            kernels.settle_side(b_lv, b_q, orders.buy_agents, r.level, float(r.buy_fill_at),
                                float(r.buy_fill_above), True, float(p), pop.shares, pop.cash)
            kernels.settle_side(s_lv, s_q, orders.sell_agents, r.level, float(r.sell_fill_at),
                                float(r.sell_fill_below), False, float(p), pop.shares, pop.cash)
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
    x = work_array("equity.level_ratio", min(limit.size, BLOCK))
    buy = side == "buy"
    bound = grid.prices[0] if buy else grid.prices[-1]
    for sl in blocks(limit.size):
        # PriceGrid.level_of and tradable in two compiled loops around numpy's log
        # (arena.markets.kernels: bit-identical)
        lx = x[:sl.stop - sl.start]
        kernels.level_ratio(limit[sl], float(grid.reference), lx)
        with np.errstate(divide="ignore", invalid="ignore"):  # as level_of: a limit of 0 is level 0
            np.log(lx, out=lx)
        kernels.grid_levels(lx, float(grid.tick), buy, grid.low_index, grid.high_index, limit[sl], bound,
                            qty[sl], levels[sl], tradable[sl])
    return levels, tradable


def _joined(arrays: list[np.ndarray]) -> np.ndarray:
    """``np.concatenate(arrays)``, without the copy when all but the first are empty."""
    if all(a.size == 0 for a in arrays[1:]):
        first = arrays[0]
        dtype = np.result_type(*arrays)
        return first if first.dtype == dtype else first.astype(dtype)
    return np.concatenate(arrays)
