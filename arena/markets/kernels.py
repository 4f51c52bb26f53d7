"""Compiled element-wise kernels of the markets (numba): equity schedules, auction levels, goods.

Under the rules of :mod:`arena.kernels` (bit-identical to the numpy chains they replace: the
same operations in the same order and precision, no fastmath, numpy's transcendental
functions and random draws left to numpy between the kernels); checked in
``tests/test_market_kernels.py``.
"""

from __future__ import annotations

import numba
import numpy as np

from arena.kernels import _JIT, _max, _min


# --- equity demand schedules (arena.markets.equity._schedules) ------------------------------
@numba.njit(**_JIT)
def schedule_inputs(pop_cash, pop_budget, pop_shares, pop_fear, pop_greed, pop_confidence, pop_target,
                    pop_risk_aversion, idx, view, copier, price, usual_fear, fear_selling, consensus,
                    elasticity, fear_liquidity, one, min_depth,
                    cash, shares, wealth, theta, conviction, ratio, eta, eta_buy):
    """Gather the active traders' state and compute the schedule inputs before the log.

    For trader ``j`` (household ``i = idx[j]``), as ``_schedules`` computes them in numpy::

        cash = max(cash_i - budget_i, 0); wealth = cash + shares * price          # float64
        appetite = clip(1 - 0.25 (fear - 0.2) + 0.15 (greed - 0.2)
                        + 0.1 (confidence - 0.6), 0, 2)                            # float32
        theta = clip(target_share * appetite, 1e-6, 1)                             # float32
        ratio = theta / max(shares * price / max(wealth, 1e-12), 1e-12)            # float64
        excess = max(fear - usual_fear, 0)                                         # float32
        conviction = consensus if copier else view - fear_selling * excess * excess
        eta = elasticity / risk_aversion; eta_buy = eta * max(one - fear_liquidity * excess, min_depth)

    ``usual_fear`` is float32; ``fear_selling``, ``fear_liquidity``, ``one`` and ``min_depth``
    have the dtype numpy gives a product of them with a float32 array (float32 for Python
    floats), so the mixed-precision arithmetic is numpy's.
    """
    f0, f2, f6 = np.float32(0.0), np.float32(0.2), np.float32(0.6)
    c1, c2 = np.float32(1.0), np.float32(2.0)
    w_fear, w_greed, w_conf = np.float32(0.25), np.float32(0.15), np.float32(0.1)
    lo, hi = np.float32(1e-6), np.float32(1.0)
    for j in range(idx.shape[0]):
        i = idx[j]
        c = _max(pop_cash[i] - pop_budget[i], 0.0)
        s = pop_shares[i]
        w = c + s * price
        fear = pop_fear[i]
        greed, confidence = pop_greed[i], pop_confidence[i]
        appetite = c1 - w_fear * (fear - f2) + w_greed * (greed - f2) + w_conf * (confidence - f6)
        appetite = _min(_max(appetite, f0), c2)
        th = _min(_max(pop_target[i] * appetite, lo), hi)
        sigma = s * price / _max(w, 1e-12)
        ratio[j] = th / _max(sigma, 1e-12)
        excess = _max(fear - usual_fear, f0)
        if copier[j]:
            conviction[j] = consensus
        else:
            conviction[j] = view[j] - fear_selling * excess * excess
        e = elasticity / np.float64(pop_risk_aversion[i])
        eta[j] = e
        eta_buy[j] = e * _max(one - fear_liquidity * excess, min_depth)
        cash[j], shares[j], wealth[j], theta[j] = c, s, w, th


@numba.njit(**_JIT)
def schedule_exponents(log_ratio, conviction, rebalancing, max_pull, eta, eta_buy, tranches, rho, args):
    """Reservation log returns and the arguments of the schedules' ``expm1``.

    ``rho = conviction + rebalancing * clip(log_ratio, -max_pull, max_pull)``;
    ``args[k] = tranches[k] * eta_buy``, ``args[K + k] = tranches[k] * -eta`` (k < K) and
    ``args[2K] = (eta_buy if rho > 0 else eta) * rho``; ``args`` has shape (2K + 1, n).
    """
    k_tr = tranches.shape[0]
    for j in range(rho.shape[0]):
        pull = _min(_max(log_ratio[j], -max_pull), max_pull)
        r = conviction[j] + rebalancing * pull
        rho[j] = r
        eb, e = eta_buy[j], eta[j]
        for k in range(k_tr):
            args[k, j] = tranches[k] * eb
            args[k_tr + k, j] = tranches[k] * -e
        args[2 * k_tr, j] = (eb if r > 0 else e) * r


@numba.njit(**_JIT)
def schedule_orders(idx, cash, shares, wealth, theta, rho, growth, expm1_args, price, cap,
                    buy_factors, sell_factors, want, buy_agents, buy_limits, buy_qty, n_b,
                    sell_agents, sell_limits, sell_qty, n_s):
    """Tranche orders and the demand at the current price from ``growth = exp(rho)``.

    As ``_schedules`` and ``_put``: ``scale = theta * wealth / price``, reservation
    ``price * growth``; cumulative tranche demand ``min(scale * expm1(.), cash * cap / limit)``
    (buy) and ``min(scale * -expm1(.), shares * cap)`` (sell), differenced tranche by tranche;
    orders of more than 1e-9 shares are written trader-major from positions ``n_b`` and
    ``n_s`` on. ``want[0]``, ``want[1]``: shares wanted to buy, to sell at the price.
    Returns the positions after the orders and the counts of rho > 0 and rho < 0.
    """
    k_tr = buy_factors.shape[0]
    up = down = 0
    for j in range(idx.shape[0]):
        agent = idx[j]
        c, s = cash[j], shares[j]
        scale = np.float64(theta[j]) * wealth[j] / price
        reservation = price * growth[j]
        prev_b = prev_s = 0.0
        for k in range(k_tr):
            limit = buy_factors[k] * reservation
            cum = _min(scale * expm1_args[k, j], (c * cap) / limit)
            q = cum - prev_b if k > 0 else cum
            prev_b = cum
            if q > 1e-9:
                buy_agents[n_b], buy_limits[n_b], buy_qty[n_b] = agent, limit, q
                n_b += 1
        for k in range(k_tr):
            limit = sell_factors[k] * reservation
            cum = _min(scale * -expm1_args[k_tr + k, j], s * cap)
            q = cum - prev_s if k > 0 else cum
            prev_s = cum
            if q > 1e-9:
                sell_agents[n_s], sell_limits[n_s], sell_qty[n_s] = agent, limit, q
                n_s += 1
        at_price = scale * expm1_args[2 * k_tr, j]
        want[0, j] = _min(_max(at_price, 0.0), c / price)
        want[1, j] = _min(_max(-at_price, 0.0), s)
        r = rho[j]
        if r > 0:
            up += 1
        elif r < 0:
            down += 1
    return n_b, n_s, up, down


# --- goods market (arena.markets.goods.sell) -----------------------------------------------
@numba.njit(**_JIT)
def served_spending(budget, supplier, share_paid, short, spent, rationed):
    """``spent = budget * share_paid[supplier]``; the households whose shop is ``short``.

    Writes the positions of the rationed households (``short[supplier[i]]``) in increasing
    order into ``rationed`` and returns how many there are (``np.flatnonzero``'s result).
    """
    m = 0
    for i in range(budget.shape[0]):
        s = supplier[i]
        spent[i] = budget[i] * share_paid[s]
        if short[s]:
            rationed[m] = i
            m += 1
    return m


@numba.njit(**_JIT)
def shop_fills(value, goods_share, price, stock, other_share):
    """Per shop: what is wanted, the fill, what is sold and the share of a budget paid.

    For each shop ``j`` (in place ``value *= goods_share``)::

        wanted = value * goods_share / price
        fill = stock / wanted if wanted > stock else 1.0
        sold = wanted * fill;  booked = wanted;  short = fill < 1
        paid_share = other_share + goods_share * fill

    Returns ``(fill, sold, booked, short, paid_share)``, new arrays.
    """
    f = value.shape[0]
    fill, sold = np.empty(f), np.empty(f)
    booked, paid = np.empty(f), np.empty(f)
    short = np.empty(f, dtype=np.bool_)
    for j in range(f):
        v = value[j] * goods_share
        value[j] = v
        w = v / price[j]
        x = stock[j] / w if w > stock[j] else 1.0
        fill[j], sold[j], booked[j] = x, w * x, w
        short[j] = x < 1.0
        paid[j] = other_share + goods_share * x
    return fill, sold, booked, short, paid


@numba.njit(**_JIT)
def spill_round(shop, residual, rationed, price, stock, sold, booked, spent, supplier):
    """One spillover round of :func:`arena.markets.goods.sell` (the shops ``shop`` drawn by numpy).

    Each rationed household ``rationed[i]`` takes its ``residual[i]`` to ``shop[i]``; a shop
    fills ``min(1, left / want)`` of what it is asked, ``left = max(stock - sold, 0)`` and
    ``want`` its sum of residuals (in household order, ``np.bincount``'s) over its price.
    In place: ``sold`` and ``booked`` gain ``want * fill``, ``spent`` the amounts got, a
    household that got something moves to that shop (``supplier``); the households still
    short and their residuals are compacted to the front of ``rationed`` and ``residual``,
    whose new length is returned.
    """
    f = price.shape[0]
    want = np.zeros(f)
    for i in range(shop.shape[0]):
        k = shop[i]
        if k < 0 or k >= f:  # np.bincount would raise (or grow) here
            raise IndexError("index out of range in spill_round")
        want[k] += residual[i]
    fill = np.empty(f)
    for j in range(f):
        left = _max(stock[j] - sold[j], 0.0)
        w = want[j] / price[j]
        x = left / w if w > left else 1.0
        fill[j] = x
        s = w * x
        sold[j] += s
        booked[j] += s
    m = 0
    for i in range(shop.shape[0]):
        r, k = rationed[i], shop[i]
        x = fill[k]
        got = residual[i] * x
        spent[r] += got
        if got > 0:
            supplier[r] = k
        if x < 1.0:
            rationed[m] = r
            residual[m] = residual[i] - got
            m += 1
    return m


# --- call-auction price levels (arena.markets.equity._levels) ------------------------------
@numba.njit(**_JIT)
def level_ratio(limit, reference, out):
    """``out = max(limit, 1e-300) / reference``: the argument of the log of ``PriceGrid.level_of``."""
    for i in range(limit.shape[0]):
        out[i] = _max(limit[i], 1e-300) / reference


@numba.njit(**_JIT)
def grid_levels(log_ratio, tick, buy, low_index, high_index, limit, bound, qty, levels, tradable):
    """Grid levels and tradable quantities from ``log_ratio = log(max(limit, 1e-300) / reference)``.

    As ``PriceGrid.level_of`` then ``tradable``: ``x = log_ratio / tick``; buy limits
    ``floor(x + 1e-9)``, sell limits ``ceil(x - 1e-9)``; clipped to ``[low_index,
    high_index]``, minus ``low_index`` (as intp). ``tradable = qty`` where the limit can
    trade inside the grid (buy: ``limit >= bound``, the lowest level's price; sell:
    ``limit <= bound``, the highest), else 0.
    """
    lo, hi = np.float64(low_index), np.float64(high_index)
    for i in range(limit.shape[0]):
        x = log_ratio[i] / tick
        x = np.floor(x + 1e-9) if buy else np.ceil(x - 1e-9)
        x = _min(_max(x, lo), hi) - lo
        levels[i] = np.intp(x)
        ok = limit[i] >= bound if buy else limit[i] <= bound
        tradable[i] = qty[i] if ok else 0.0


# --- goods search (arena.markets.goods.search) ----------------------------------------------
@numba.njit(**_JIT)
def cheapest_sampled(movers, draws, living, effective, supplier, price, alive, best, p_new, p_old, found):
    """Find each searcher's first cheapest sampled shop and the prices it compares.

    Searcher ``i`` samples shops ``living[draws[i, j]]`` with prices ``effective`` (inf: no
    stock or closed) and keeps the first strict minimum (``np.argmin``'s choice); searchers
    whose best price is finite are kept, in order: ``found`` gets their positions in
    ``movers``, ``best`` their shop, ``p_new`` its price and ``p_old`` their own shop's price
    (inf if it has closed). Returns how many are kept.
    """
    kept = 0
    inf = np.inf
    for i in range(movers.shape[0]):
        shop = living[draws[i, 0]]
        p = effective[shop]
        for j in range(1, draws.shape[1]):
            cand = living[draws[i, j]]
            q = effective[cand]
            if q < p:
                shop, p = cand, q
        if not np.isfinite(p):
            continue
        own = supplier[movers[i]]
        found[kept] = i
        best[kept] = shop
        p_new[kept] = p
        p_old[kept] = price[own] if alive[own] else inf
        kept += 1
    return kept


@numba.njit(**_JIT)
def apply_switches(supplier, movers, found, best, uniform, probability):
    """``supplier[movers[found[i]]] = best[i]`` where ``uniform[i] < probability[i]``."""
    for i in range(found.shape[0]):
        if uniform[i] < probability[i]:
            supplier[movers[found[i]]] = best[i]


# --- equity settlement (arena.markets.equity.run_auction) -----------------------------------
@numba.njit(**_JIT)
def settle_side(levels, qty, agents, level, fill_at, fill_beyond, buy, price, shares, cash):
    """Settle one side's filled orders into holdings and deposits, in order position order.

    The orders at or beyond the clearing ``level`` (buy: ``levels >= level``; sell: ``<=``)
    fill ``q = qty * fill`` (``fill_at`` at the level, ``fill_beyond`` beyond it); a buyer's
    ``shares += q`` and ``cash -= q * price``, a seller's ``shares -= q`` and ``cash += q *
    price``, order by order: the sequence of ``np.add.at`` / ``np.subtract.at`` over the
    orders ``_filled`` selected (each agent's updates in the same order).
    """
    for i in range(levels.shape[0]):
        lv = levels[i]
        if (lv < level) if buy else (lv > level):
            continue
        q = qty[i] * (fill_at if lv == level else fill_beyond)
        a = agents[i]
        if buy:
            shares[a] += q
            cash[a] -= q * price
        else:
            shares[a] -= q
            cash[a] += q * price


# --- expected returns (arena.markets.equity.expected_returns) -------------------------------
@numba.njit(**_JIT)
def expectation_views(strategy, sentiment, idx, normals, dispersion, e_f, chart_weight, e_c,
                      fundamentalist, chartist, noise, view, noise_at):
    """Each active trader's view before the noise traders' private draws.

    ``view = dispersion * normals``, plus ``e_f`` for a fundamentalist and ``e_c +
    chart_weight * (sentiment - 0.5)`` for a chartist (in the dtype numpy computes it: float32
    when ``chart_weight`` and ``e_c`` come as float32); the positions of the noise traders go
    to ``noise_at``, whose count is returned.
    """
    half = np.float32(0.5)
    k = 0
    for j in range(idx.shape[0]):
        i = idx[j]
        s = strategy[i]
        v = dispersion * normals[j]
        if s == fundamentalist:
            v = v + e_f
        elif s == chartist:
            v = v + (e_c + chart_weight * (sentiment[i] - half))
        elif s == noise:
            noise_at[k] = j
            k += 1
        view[j] = v
    return k


# --- dismissals (arena.markets.labour.fire) --------------------------------------------------
@numba.njit(**_JIT)
def dismiss_first(candidates, employer, quota):
    """Dismiss, per employer ``e``, its first ``quota[e]`` workers among ``candidates`` (in place).

    ``candidates`` are distinct employed households in the order drawn; a candidate goes
    when fewer than ``quota`` of its employer's candidates went before it, and its
    ``employer`` becomes -1. Returns the dismissals per employer (int64, ``quota``'s length):
    what ``fire`` computed with a stable argsort by employer, the rank within each employer
    and ``np.bincount`` (integers: exact).
    """
    dismissed = np.zeros(quota.shape[0], dtype=np.int64)
    for j in range(candidates.shape[0]):
        c = candidates[j]
        e = employer[c]
        if dismissed[e] < quota[e]:
            dismissed[e] += 1
            employer[c] = -1
    return dismissed


@numba.njit(**_JIT)
def separate_jobs(quits, employer, n_employers):
    """End the jobs of the households ``quits`` that have one (in place); the jobs lost per employer.

    As ``quits[employer[quits] >= 0]``, ``np.bincount`` of their employers (int64, length
    ``n_employers``) and ``employer[quits] = -1``; ``quits`` are distinct households.
    """
    lost = np.zeros(n_employers, dtype=np.int64)
    for j in range(quits.shape[0]):
        c = quits[j]
        e = employer[c]
        if e >= 0:
            if e >= n_employers:  # np.bincount would grow its result here: refuse, as the kernels' sums do
                raise IndexError("employer out of range in separate_jobs")
            lost[e] += 1
            employer[c] = -1
    return lost


# --- labour market draws (arena.markets.labour.sample_with_status) --------------------------
@numba.njit(**_JIT)
def first_drawn(candidates, n):
    """Distinct values of ``candidates`` (integers in [0, n)) in the order they first occur.

    The same integers as ``candidates[np.sort(np.unique(candidates, return_index=True)[1])]``
    (numpy returns the index of each value's first occurrence), without the sorts.
    """
    seen = np.zeros(n, dtype=np.bool_)
    out = np.empty_like(candidates)
    m = 0
    for i in range(candidates.shape[0]):
        c = candidates[i]
        if not seen[c]:
            seen[c] = True
            out[m] = c
            m += 1
    return out[:m]


@numba.njit(**_JIT)
def first_wanted(found, draws, employer, wanted, n):
    """``first_drawn(concatenate([found, draws[wanted[employer[draws]]]]), n)`` in one pass.

    ``found`` holds distinct households already chosen (kept first, in order); a draw is
    kept when its employer's entry of the table ``wanted`` is true (employer ``-1``, the
    unemployed, reads the last entry, as ``np.take`` does) and it was not taken before.
    """
    seen = np.zeros(n, dtype=np.bool_)
    out = np.empty(found.shape[0] + draws.shape[0], dtype=draws.dtype)
    m = 0
    for i in range(found.shape[0]):
        c = found[i]
        seen[c] = True
        out[m] = c
        m += 1
    size = wanted.shape[0]
    for i in range(draws.shape[0]):
        c = draws[i]
        e = employer[c]
        if e < 0:
            e += size
        if wanted[e] and not seen[c]:
            seen[c] = True
            out[m] = c
            m += 1
    return out[:m]
