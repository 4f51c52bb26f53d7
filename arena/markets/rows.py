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

from arena.markets import row_kernels
from arena.markets.book import Book, Clearing, PriceGrid
from arena.markets.schedules import BACKSTOP_CAPACITY, SUPPLY_LEVELS, TRANCHE_CAPACITY, installed_shares

#: Keys of :func:`stats`' dictionaries, in the order of the kernel's columns.
STAT_KEYS = ("bid", "ask", "depth_bid", "depth_ask", "consumer_surplus", "producer_surplus", "elasticity")


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
                  backstop_cost: np.ndarray, installed: np.ndarray | None = None,
                  turnover: np.ndarray | None = None,
                  installed_elasticity: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(costs, capacities) of every producer's tranches plus the backstop, shape (R, K + 1).

    Row ``i`` is :func:`arena.markets.schedules.commodity_supply_curve` of the i-th arguments
    (``installed`` 0, ``turnover`` 1 and ``installed_elasticity`` 0 when not given).
    """
    r = base_extraction.size
    costs = np.empty((r, SUPPLY_LEVELS.size + 1))
    np.multiply(SUPPLY_LEVELS, cost[:, None], out=costs[:, :-1])
    costs[:, -1] = backstop_cost
    caps = np.empty_like(costs)
    share = np.ones(r) if turnover is None else np.asarray(turnover, dtype=float)
    caps[:, :-1] = (TRANCHE_CAPACITY * base_extraction * capacity_factor * share)[:, None]
    caps[:, -1] = BACKSTOP_CAPACITY * base_extraction
    if installed is not None:
        eps = np.zeros(r) if installed_elasticity is None else np.asarray(installed_elasticity, dtype=float)
        shares = np.array([installed_shares(float(e)) for e in eps])
        flow = (1.0 - share) * np.asarray(installed, dtype=float) * capacity_factor
        caps[:, :-1] += flow[:, None] * shares
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
        base = household_budget[:, None] / prices
    else:
        base = np.ascontiguousarray(household_quantity, dtype=float)
    powers = np.power(prices, -firm_elasticity[:, None])
    # the demand and the step supply at every level and their differences in one compiled
    # pass per row (arena.markets.row_kernels: the numbers of the numpy code it replaced)
    order = np.argsort(costs, axis=1, kind="stable")
    bids, asks = np.empty_like(powers), np.empty_like(powers)
    row_kernels.book_volumes(base, np.asarray(firm_quantity, dtype=float), powers, costs, caps, order,
                             prices, bids, asks)
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

    Per row: the level of the largest executed volume, ties broken by the smallest
    imbalance, then by price priority, then by the level closest to the reference (the
    first of those), and the fill ratios of :func:`arena.markets.book.clearing_at`; a row
    with nothing executed keeps its reference price. One compiled pass per row
    (:func:`arena.markets.row_kernels.clear_rows`, the numbers of the numpy code it replaced).
    """
    centre = -grids_[0].low_index
    demand = np.empty_like(bids)
    cleared = np.empty((bids.shape[0], 7))
    row_kernels.clear_rows(bids, asks, centre, demand, cleared)
    out = []
    for grid, (traded, level, volume, buy_above, buy_at, sell_below, sell_at) in zip(grids_, cleared.tolist(),
                                                                                  strict=True):
        if traded == 0.0:
            out.append(Clearing(centre, grid.reference, 0.0, 0.0, 0.0, 0.0, 0.0))
        else:
            level = int(level)
            out.append(Clearing(level, float(grid.prices[level]), volume, buy_above, buy_at, sell_below,
                                sell_at))
    return out, demand


def clear_book(book: Book) -> Clearing:
    """Clear one book as :func:`arena.markets.book.clear`, by the compiled pass of :func:`clear`."""
    bids, asks = book.bids.reshape(1, -1), book.asks.reshape(1, -1)
    cleared = np.empty((1, 7))
    centre = -book.grid.low_index
    row_kernels.clear_rows(bids, asks, centre, np.empty_like(bids, dtype=np.float64), cleared, True)
    traded, level, volume, buy_above, buy_at, sell_below, sell_at = cleared[0].tolist()
    if traded == 0.0:
        return Clearing(centre, book.grid.reference, 0.0, 0.0, 0.0, 0.0, 0.0)
    level = int(level)
    return Clearing(level, float(book.grid.prices[level]), volume, buy_above, buy_at, sell_below, sell_at)


def stat_values(bids: np.ndarray, asks: np.ndarray, prices: np.ndarray, demand: np.ndarray,
                results: list[Clearing], band: float = 0.02, width: int = 20) -> np.ndarray:
    """Quotes, depth, surplus and elasticity of every row, shape (R, 7), columns :data:`STAT_KEYS`.

    Row ``i`` holds :func:`~arena.markets.book.best_quotes` (``empty="price"``),
    :func:`~arena.markets.book.depth`, :func:`~arena.markets.book.surplus` and
    :func:`~arena.markets.book.book_elasticity` of its book at its clearing (the statistics
    of ``arena.markets.session.record_market``), computed in one compiled pass per row
    (:func:`arena.markets.row_kernels.row_stats`, bit-identical to those functions).
    """
    clearing = np.array([[c.level, c.price, c.volume, c.buy_fill_above, c.buy_fill_at, c.sell_fill_below,
                          c.sell_fill_at] for c in results], dtype=np.float64).reshape(len(results), 7)
    values = np.empty((bids.shape[0], 7))
    row_kernels.row_stats(bids, asks, prices, demand, clearing, float(band), int(width), values)
    return values


def stats(bids: np.ndarray, asks: np.ndarray, prices: np.ndarray, demand: np.ndarray,
          results: list[Clearing], band: float = 0.02, width: int = 20) -> list[dict]:
    """:func:`stat_values` as one dictionary per row (keys :data:`STAT_KEYS`, Python floats)."""
    values = stat_values(bids, asks, prices, demand, results, band, width)
    return [dict(zip(STAT_KEYS, row, strict=True)) for row in values.tolist()]


def books(grids_: list[PriceGrid], bids: np.ndarray, asks: np.ndarray) -> list[Book]:
    """One :class:`~arena.markets.book.Book` per row (views of the rows)."""
    return [Book(g, bids[i], asks[i]) for i, g in enumerate(grids_)]
