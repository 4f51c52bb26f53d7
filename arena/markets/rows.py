"""Several schedule books at once: the commodity markets' books as rows of (R, L) arrays.

The R commodity books of a tick share the grid's shape (the same ``max_price_change`` and
tick, only the reference price differs), so their schedules, clearing and statistics are
computed with one numpy call per step over an (R, L) array instead of R calls over
length-L arrays: at 7 books of 549 levels the per-call overhead was most of the cost.
Every row gets exactly the arithmetic of the one-book functions of
:mod:`arena.markets.book` and :mod:`arena.markets.schedules` (element-wise operations,
sequential cumulative sums, exact maxima and minima, and sums over the same contiguous
elements), so the results are bit-identical to clearing the books one by one
(``tests/test_rows.py`` checks this).
"""

from __future__ import annotations

import numpy as np

from arena.markets.book import Book, Clearing, PriceGrid, clearing_at
from arena.markets.schedules import BACKSTOP_CAPACITY, SUPPLY_LEVELS, TRANCHE_CAPACITY


def grids(references: np.ndarray, max_change: float, tick: float) -> tuple[list[PriceGrid], np.ndarray]:
    """Grids around each reference price and their level prices, shape (R, L).

    Each grid's ``prices`` is its row of the returned array (the values
    :attr:`PriceGrid.prices` computes: ``reference * exp(k * tick)``).
    """
    out = [PriceGrid(float(r), max_change, tick) for r in references]
    g = out[0]
    k = np.arange(g.low_index, g.high_index + 1)
    prices = np.asarray(references, dtype=np.float64)[:, None] * np.exp(k * tick)
    for grid, row in zip(out, prices, strict=True):
        grid.__dict__["prices"] = row  # fill the cached property with the same values
    return out, prices


def supply_curves(base_extraction: np.ndarray, cost: np.ndarray, capacity_factor: np.ndarray,
                  backstop_cost: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(costs, capacities) of every producer's tranches plus the backstop, shape (R, K + 1).

    Row ``i`` is :func:`arena.markets.schedules.commodity_supply_curve` of the i-th arguments.
    """
    r = base_extraction.size
    costs = np.empty((r, SUPPLY_LEVELS.size + 1))
    np.multiply(SUPPLY_LEVELS, cost[:, None], out=costs[:, :-1])
    costs[:, -1] = backstop_cost
    caps = np.empty_like(costs)
    caps[:, :-1] = (TRANCHE_CAPACITY * base_extraction * capacity_factor)[:, None]
    caps[:, -1] = BACKSTOP_CAPACITY * base_extraction
    return costs, caps


def commodity_books(prices: np.ndarray, household_budget: np.ndarray, firm_quantity: np.ndarray,
                    firm_elasticity: np.ndarray, costs: np.ndarray, caps: np.ndarray,
                    household_quantity: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Bids and asks per level of every commodity book, shape (R, L) each.

    Row ``i`` is :func:`arena.markets.schedules.commodity_book` on the grid of row ``i`` of
    ``prices``: demand ``B_i / p + q_i p**-e_i``, supply the step curve of ``costs[i]``, ``caps[i]``.
    ``household_quantity`` (R, L), when given, is households' demand at each level instead of
    ``B_i / p`` (the retail demand of :mod:`arena.markets.retail`; ``household_budget`` is then unused).
    """
    if household_quantity is None:
        demand = household_budget[:, None] / prices
    else:
        demand = np.array(household_quantity, dtype=float)
    demand += firm_quantity[:, None] * np.power(prices, -firm_elasticity[:, None])
    np.maximum(demand, 0.0, out=demand)
    supply = np.maximum(step_supply(costs, caps, prices), 0.0)
    bids = np.empty_like(demand)
    np.subtract(demand[:, :-1], demand[:, 1:], out=bids[:, :-1])
    bids[:, -1] = demand[:, -1]
    asks = np.empty_like(supply)
    asks[:, 0] = supply[:, 0]
    np.subtract(supply[:, 1:], supply[:, :-1], out=asks[:, 1:])
    np.maximum(bids, 0.0, out=bids)
    np.maximum(asks, 0.0, out=asks)
    return bids, asks


def step_supply(costs: np.ndarray, caps: np.ndarray, prices: np.ndarray) -> np.ndarray:
    """Row-wise :func:`arena.markets.formulas.step_supply`: cumulative supply at each price, (R, L).

    The sorted cumulative capacities are read at the number of costs at or below each
    price (what ``searchsorted(..., side="right")`` returns on the sorted costs).
    """
    order = np.argsort(costs, axis=1, kind="stable")
    cum = np.zeros((costs.shape[0], costs.shape[1] + 1))
    np.cumsum(np.take_along_axis(caps, order, axis=1), axis=1, out=cum[:, 1:])
    below = np.take_along_axis(costs, order, axis=1)[:, :, None] <= prices[:, None, :]
    return np.take_along_axis(cum, below.sum(axis=1), axis=1)


def clear(bids: np.ndarray, asks: np.ndarray, grids_: list[PriceGrid]) -> tuple[list[Clearing], np.ndarray]:
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


def stats(bids: np.ndarray, asks: np.ndarray, prices: np.ndarray, demand: np.ndarray,
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
    bid_take = _take_first(bids[:, ::-1], volume)[:, ::-1]
    ask_take = _take_first(asks, volume)
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


def books(grids_: list[PriceGrid], bids: np.ndarray, asks: np.ndarray) -> list[Book]:
    """One :class:`~arena.markets.book.Book` per row (views of the rows)."""
    return [Book(g, bids[i], asks[i]) for i, g in enumerate(grids_)]


def _take_first(volume_by_level: np.ndarray, total: np.ndarray) -> np.ndarray:
    """Row-wise :func:`arena.markets.book._take_first`: allocate ``total[i]`` to row i's levels in order."""
    cum = np.cumsum(volume_by_level, axis=1)
    before = cum - volume_by_level
    return np.clip(total[:, None] - before, 0.0, volume_by_level)
