"""Compiled loops of the commodity books' clearing and statistics (:mod:`arena.markets.rows`).

The R commodity books of a tick (7 rows of ~550 levels) were cleared and measured by some
sixty numpy calls on (R, L) arrays plus a Python loop per row: at 10^5 households about a
tenth of the tick, nearly all of it per-call overhead that does not scale with households.
These kernels do the same arithmetic in one pass per row, bit for bit:

* cumulative sums run in element order (what ``np.cumsum`` does; the demand curve from the
  top level down, as ``np.cumsum(bids[::-1])[::-1]``);
* ``np.maximum``/``np.minimum``/``np.clip`` keep numpy's rules for NaN and ties
  (:func:`arena.kernels._max`, :func:`arena.kernels._min`); Python's ``min``/``max`` in the
  per-row code keep Python's (the first of two equal values);
* whole-row sums use numpy's pairwise summation (:func:`numpy_sum`: ``0.0`` plus the pairwise
  sum of blocks of 128 with eight partial sums, as ``np.add.reduce`` over a contiguous
  float64 array); masked sums (``x[mask].sum()``) sum the selected values in order the same way.

``tests/test_row_kernels.py`` keeps the numpy code these kernels replaced as the reference
and compares every bit on random books with edge cases (empty books, NaN, ties, one level).
"""

from __future__ import annotations

import numba
import numpy as np

from arena.kernels import _JIT, _max, _min

#: numpy's block size of pairwise summation (``PW_BLOCKSIZE`` in numpy's loops_utils.h).
PW_BLOCKSIZE = 128


@numba.njit(**_JIT)
def _block(a, lo, n):
    """Sum ``a[lo:lo + n]`` as numpy's ``pairwise_sum`` for ``n <= PW_BLOCKSIZE`` (no split)."""
    if n < 8:
        res = 0.0
        for i in range(n):
            res += a[lo + i]
        return res
    r0, r1, r2, r3 = a[lo], a[lo + 1], a[lo + 2], a[lo + 3]
    r4, r5, r6, r7 = a[lo + 4], a[lo + 5], a[lo + 6], a[lo + 7]
    top = n - n % 8
    i = 8
    while i < top:
        j = lo + i
        r0 += a[j]
        r1 += a[j + 1]
        r2 += a[j + 2]
        r3 += a[j + 3]
        r4 += a[j + 4]
        r5 += a[j + 5]
        r6 += a[j + 6]
        r7 += a[j + 7]
        i += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        res += a[lo + i]
        i += 1
    return res


@numba.njit(**_JIT)
def _pairwise(a, lo, n):
    """Sum ``a[lo:lo + n]`` as numpy's ``pairwise_sum`` (float64, contiguous).

    numpy splits a run longer than ``PW_BLOCKSIZE`` at ``n2 = n // 2 - (n // 2) % 8`` and adds
    the two halves' sums (recursively); the same tree is walked here with an explicit stack
    (a self-recursive version compiled with ``cache=True`` crashed with a segmentation fault here).
    """
    if n <= PW_BLOCKSIZE:
        return _block(a, lo, n)
    los = np.empty(64, dtype=np.int64)
    ns = np.empty(64, dtype=np.int64)
    state = np.zeros(64, dtype=np.int64)  # 0: not split yet, 1: left half pending, 2: right half pending
    left = np.empty(64)
    top = 0
    los[0], ns[0] = lo, n
    while True:
        cl, cn = los[top], ns[top]
        if cn > PW_BLOCKSIZE and state[top] == 0:
            state[top] = 1
            half = cn // 2
            half -= half % 8
            top += 1
            los[top], ns[top], state[top] = cl, half, 0
            continue
        v = _block(a, cl, cn)
        # hand the value up until a parent still waits for its right half
        while True:
            top -= 1
            if top < 0:
                return v
            if state[top] == 1:
                left[top] = v
                state[top] = 2
                half = ns[top] // 2
                half -= half % 8
                los[top + 1], ns[top + 1], state[top + 1] = los[top] + half, ns[top] - half, 0
                top += 1
                break
            v = left[top] + v


@numba.njit(**_JIT)
def numpy_sum(a, n):
    """``a[:n].sum()`` as numpy computes it for a contiguous float64 array (identity plus pairwise sum)."""
    return 0.0 + _pairwise(a, 0, n)


@numba.njit(**_JIT)
def _side_fills(volume, beyond, at):
    """One side's fills at the clearing level (arena.markets.book.clearing_at).

    ``beyond`` is the side's volume from levels strictly better than the clearing one, ``at`` its
    volume at that level; returns (share of ``beyond`` filled, share of ``at`` filled), in [0, 1].
    """
    filled_beyond = 0.0
    if beyond > 0:
        x = volume / beyond
        filled_beyond = x if x < 1.0 else 1.0
    filled_at = 0.0
    if at > 0:
        x = volume - beyond
        filled_at = (x if x > 0.0 else 0.0) / at
    return filled_beyond, filled_at


@numba.njit(**_JIT)
def clear_rows(bids, asks, centre, demand, out, nan_is_no_trade=False):
    """Clear every row's call auction as :func:`arena.markets.rows.clear` (the numbers of its numpy code).

    Parameters
    ----------
    bids, asks : numpy.ndarray
        Volume bid and asked at each level, shape (R, L).
    centre : int
        Level of the reference price (the same in every row).
    demand : numpy.ndarray
        Output, shape (R, L): the cumulative demand, bids at or above each level.
    out : numpy.ndarray
        Output, shape (R, 7): per row ``traded`` (1.0 when the executed volume's maximum
        is above 0, else 0.0: no clearing), the level, the price index is the level; the
        volume and the four fill ratios of :func:`arena.markets.book.clearing_at`, in the
        columns 0 (traded), 1 (level), 2 (volume), 3-6 (buy above, buy at, sell below, sell at).
    nan_is_no_trade : bool
        A row whose executed maximum is NaN does not trade (:func:`arena.markets.book.clear`'s
        rule); False: only a maximum of at most 0 does not (``rows.clear``'s rule).
    """
    r, n = bids.shape
    supply = np.empty(n)
    executed = np.empty(n)
    imbalance = np.empty(n)
    candidates = np.empty(n, dtype=np.bool_)
    for i in range(r):
        acc = 0.0
        for j in range(n - 1, -1, -1):
            acc = bids[i, j] if j == n - 1 else acc + bids[i, j]
            demand[i, j] = acc
        best = 0.0  # executed.max(initial=0.0)
        for j in range(n):
            s = asks[i, j] if j == 0 else supply[j - 1] + asks[i, j]
            supply[j] = s
            e = _min(demand[i, j], s)
            executed[j] = e
            best = _max(best, e)
        low = best * (1 - 1e-12)
        min_imb = np.inf
        for j in range(n):
            c = executed[j] >= low
            candidates[j] = c
            imbalance[j] = abs(demand[i, j] - supply[j])
            min_imb = _min(min_imb, imbalance[j] if c else np.inf)
        bound = min_imb + 1e-12 * _max(best, 1.0)
        slack = best * (1 + 1e-12)
        any_fit = False
        for j in range(n):
            c = candidates[j] and imbalance[j] <= bound
            candidates[j] = c
            if c and demand[i, j] - bids[i, j] <= slack and supply[j] - asks[i, j] <= slack:
                any_fit = True
        level = 0
        nearest = n + centre + 1
        for j in range(n):
            c = candidates[j]
            if any_fit:
                c = c and demand[i, j] - bids[i, j] <= slack and supply[j] - asks[i, j] <= slack
            d = abs(j - centre) if c else n + centre
            if d < nearest:
                nearest = d
                level = j
        if best <= 0.0 or (nan_is_no_trade and best != best):
            out[i, 0] = 0.0
            continue
        # arena.markets.book.clearing_at, with Python's min and max
        b, a = bids[i, level], asks[i, level]
        volume = executed[level]
        above = demand[i, level] - b
        below = supply[level] - a
        buy_above, buy_at = _side_fills(volume, above, b)
        sell_below, sell_at = _side_fills(volume, below, a)
        out[i, 0] = 1.0
        out[i, 1] = level
        out[i, 2] = volume
        out[i, 3] = buy_above
        out[i, 4] = buy_at if buy_at < 1.0 else 1.0
        out[i, 5] = sell_below
        out[i, 6] = sell_at if sell_at < 1.0 else 1.0


@numba.njit(**_JIT)
def row_stats(bids, asks, prices, demand, clearing, band, width, out):
    """Quotes, depth, surplus and elasticity of every row as :func:`arena.markets.rows.stats`.

    Parameters
    ----------
    bids, asks, prices, demand : numpy.ndarray
        The books' volumes, level prices and cumulative demand, shape (R, L).
    clearing : numpy.ndarray
        Per row the level, price, volume and the four fill ratios of its
        :class:`~arena.markets.book.Clearing`, shape (R, 7).
    band : float
        Relative band of the depth around the price.
    width : int
        Levels each side of the clearing level in the elasticity's central difference.
    out : numpy.ndarray
        Output, shape (R, 7): bid, ask, depth_bid, depth_ask, consumer surplus, producer
        surplus, elasticity.
    """
    r, n = bids.shape
    term = np.empty(n)
    picked = np.empty(n)
    for i in range(r):
        level = int(clearing[i, 0])
        p = clearing[i, 1]
        volume = clearing[i, 2]
        keep_above, keep_at_b = 1 - clearing[i, 3], 1 - clearing[i, 4]
        keep_below, keep_at_a = 1 - clearing[i, 5], 1 - clearing[i, 6]
        tol = 1e-9 * _max(volume, 1.0)
        last_bid = -1
        first_ask = -1
        # residual book's best quotes
        for j in range(n):
            fb = keep_above if j > level else (keep_at_b if j == level else 1.0)
            if bids[i, j] * fb > tol:
                last_bid = j
            fa = keep_below if j < level else (keep_at_a if j == level else 1.0)
            if first_ask < 0 and asks[i, j] * fa > tol:
                first_ask = j
        bid = prices[i, last_bid] if last_bid >= 0 else p
        ask = prices[i, first_ask] if first_ask >= 0 else p
        if ask < bid:
            bid = p if p < bid else bid
            ask = p if p > ask else ask
        # consumer surplus: the volume taken from the highest bids first
        acc = 0.0
        for j in range(n - 1, -1, -1):
            v = bids[i, j]
            acc = v if j == n - 1 else acc + v
            take = _min(_max(volume - (acc - v), 0.0), v)
            term[j] = take * _max(prices[i, j] - p, 0.0)
        out[i, 4] = numpy_sum(term, n)
        # producer surplus: from the cheapest asks first
        acc = 0.0
        for j in range(n):
            v = asks[i, j]
            acc = v if j == 0 else acc + v
            take = _min(_max(volume - (acc - v), 0.0), v)
            term[j] = take * _max(p - prices[i, j], 0.0)
        out[i, 5] = numpy_sum(term, n)
        # depth: volumes within the band, bids at or below and asks at or above the price
        lo_p, hi_p = p * (1 - band), p * (1 + band)
        m_b = m_a = 0
        for j in range(n):
            x = prices[i, j]
            if x >= lo_p and x <= hi_p:
                if x <= p:
                    term[m_b] = bids[i, j]
                    m_b += 1
                if x >= p:
                    picked[m_a] = asks[i, j]
                    m_a += 1
        out[i, 2] = numpy_sum(term, m_b)
        out[i, 3] = numpy_sum(picked, m_a)
        out[i, 0] = bid
        out[i, 1] = ask
        # point elasticity of the demand curve by a central difference
        lo = level - width if level - width > 0 else 0
        hi = level + width if level + width < n - 1 else n - 1
        mid = demand[i, level]
        if mid <= 0 or hi == lo:
            out[i, 6] = 0.0
        else:
            row = prices[i]
            out[i, 6] = ((demand[i, hi] - demand[i, lo]) / mid) / ((row[hi] - row[lo]) / row[level])


@numba.njit(**_JIT)
def book_volumes(base, firm_quantity, powers, costs, caps, order, prices, bids, asks):
    """Bids and asks per level of every commodity book, as :func:`arena.markets.rows.commodity_books`.

    Parameters
    ----------
    base : numpy.ndarray
        Households' demand at each level, shape (R, L).
    firm_quantity : numpy.ndarray
        Firms' demand at price 1, shape (R,); their demand at a level is ``firm_quantity *
        powers``.
    powers : numpy.ndarray
        ``prices ** -elasticity`` (numpy's ``power``), shape (R, L).
    costs, caps : numpy.ndarray
        Marginal cost and capacity of each supply tranche, shape (R, K).
    order : numpy.ndarray
        ``np.argsort(costs, axis=1, kind="stable")``, shape (R, K).
    prices : numpy.ndarray
        Level prices, shape (R, L).
    bids, asks : numpy.ndarray
        Outputs, shape (R, L): the differences of the cumulative demand (from the top) and
        supply (from the bottom), at least 0. The supply at a price is the cumulative
        capacity of the tranches costing at most that price (``arena.markets.rows.step_supply``).
    """
    r, n = prices.shape
    k = costs.shape[1]
    cum = np.empty(k + 1)
    for i in range(r):
        cum[0] = 0.0
        for t in range(k):
            c = caps[i, order[i, t]]
            cum[t + 1] = c if t == 0 else cum[t] + c
        q = firm_quantity[i]
        previous_s = 0.0
        for j in range(n):
            p = prices[i, j]
            count = 0
            for t in range(k):
                if costs[i, t] <= p:
                    count += 1
            s = _max(cum[count], 0.0)
            asks[i, j] = _max(s if j == 0 else s - previous_s, 0.0)
            previous_s = s
            d = _max(base[i, j] + q * powers[i, j], 0.0)
            bids[i, j] = d  # the next level's demand is subtracted below
        for j in range(n - 1):
            bids[i, j] = _max(bids[i, j] - bids[i, j + 1], 0.0)
        bids[i, n - 1] = _max(bids[i, n - 1], 0.0)


@numba.njit(**_JIT)
def schedule_volumes(demand, supply, bids, asks):
    """Per-level volumes of cumulative schedules, as :func:`arena.markets.schedules.schedule_book`.

    Each curve is first ``nan_to_num(maximum(curve, 0), nan=0, posinf=0)`` (a level no one
    can trade at gets no volume); ``bids`` are the differences of the demand from the top
    level down and ``asks`` those of the supply from the bottom up, at least 0 (shape (L,)).
    """
    n = demand.shape[0]
    for j in range(n):
        d = _max(demand[j], 0.0)
        bids[j] = 0.0 if d != d or d == np.inf else d
        s = _max(supply[j], 0.0)
        asks[j] = 0.0 if s != s or s == np.inf else s
    for j in range(n - 1):
        bids[j] = _max(bids[j] - bids[j + 1], 0.0)
    bids[n - 1] = _max(bids[n - 1], 0.0)
    for j in range(n - 1, 0, -1):
        asks[j] = _max(asks[j] - asks[j - 1], 0.0)
    asks[0] = _max(asks[0], 0.0)
