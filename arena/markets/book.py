"""Call-auction order book on a log-spaced price grid.

All orders of a tick are binned with :func:`numpy.bincount` onto a grid of price levels
centred on the current price; cumulative demand and supply give the clearing level that
maximises executed volume. Everything here is O(N + L) for N orders and L levels, with no
Python loop over orders.

The same :class:`Book` serves the markets whose book is built from aggregate schedules
(goods and commodities: a demand curve and a multi-level marginal-cost supply curve), so
spread, depth and surplus are measured one way for every market.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np


@dataclass(frozen=True)
class PriceGrid:
    """Log-spaced price levels around a reference price.

    Parameters
    ----------
    reference : float
        Current price (currency/unit), > 0.
    max_change : float
        Largest allowed relative move per tick, in (0, 1); levels span
        ``[reference * (1 - max_change), reference * (1 + max_change)]``.
    tick : float
        Spacing of levels in log-price, > 0 (0.0005 = 5 basis points).
    """

    reference: float
    max_change: float
    tick: float

    @cached_property
    def low_index(self) -> int:
        """Index offset of the lowest level (<= 0)."""
        return int(np.ceil(np.log1p(-self.max_change) / self.tick))

    @cached_property
    def high_index(self) -> int:
        """Index offset of the highest level (>= 0)."""
        return int(np.floor(np.log1p(self.max_change) / self.tick))

    @property
    def n_levels(self) -> int:
        """Number of levels."""
        return self.high_index - self.low_index + 1

    @cached_property
    def prices(self) -> np.ndarray:
        """Price of every level, ascending (currency/unit)."""
        k = np.arange(self.low_index, self.high_index + 1)
        return self.reference * np.exp(k * self.tick)

    def level_of(self, price: np.ndarray, side: str, out: np.ndarray | None = None) -> np.ndarray:
        """Return the grid level of each limit price.

        Buy limits round down and sell limits round up, so a fill is never at a worse
        price than the limit. Limits beyond the grid are clipped to its edge; callers drop
        orders that cannot trade inside the grid (see :meth:`tradable`).

        Parameters
        ----------
        price : numpy.ndarray
            Limit prices (currency/unit).
        side : {"buy", "sell"}
            Side of the orders.
        out : numpy.ndarray of intp, optional
            Where to write the levels (shape of ``price``); returned.
        """
        # one temporary, every step in place (the same operations as
        # floor(log(max(p, 1e-300) / ref) / tick + 1e-9), clipped, minus the low index)
        x = np.array(price, dtype=np.float64)
        np.maximum(x, 1e-300, out=x)
        with np.errstate(divide="ignore", invalid="ignore"):
            np.divide(x, self.reference, out=x)
            np.log(x, out=x)
            np.divide(x, self.tick, out=x)
        if side == "buy":
            np.add(x, 1e-9, out=x)
            np.floor(x, out=x)
        else:
            np.subtract(x, 1e-9, out=x)
            np.ceil(x, out=x)
        np.clip(x, self.low_index, self.high_index, out=x)
        np.subtract(x, self.low_index, out=x)
        if out is None:
            return x.astype(np.intp)
        out[...] = x
        return out

    def tradable(self, price: np.ndarray, side: str) -> np.ndarray:
        """Mask of limit prices that can trade inside the grid (buy >= lowest, sell <= highest)."""
        prices = self.prices
        return price >= prices[0] if side == "buy" else price <= prices[-1]


@dataclass
class Book:
    """Volume per price level on both sides of a call auction.

    Attributes
    ----------
    grid : PriceGrid
        The levels.
    bids, asks : numpy.ndarray
        Buy and sell volume per level (units), shape ``(n_levels,)``, >= 0.
    """

    grid: PriceGrid
    bids: np.ndarray
    asks: np.ndarray

    @classmethod
    def from_orders(cls, grid: PriceGrid, buy_levels, buy_qty, sell_levels, sell_qty) -> "Book":
        """Bin limit orders onto the grid with one bincount per side."""
        n = grid.n_levels
        bids = np.bincount(buy_levels, weights=buy_qty, minlength=n)[:n]
        asks = np.bincount(sell_levels, weights=sell_qty, minlength=n)[:n]
        return cls(grid, bids, asks)

    def demand(self) -> np.ndarray:
        """Cumulative demand D(l): volume bid at level l or higher."""
        return np.cumsum(self.bids[::-1])[::-1]

    def supply(self) -> np.ndarray:
        """Cumulative supply S(l): volume offered at level l or lower."""
        return np.cumsum(self.asks)


@dataclass(frozen=True)
class Clearing:
    """Result of a call auction.

    Attributes
    ----------
    level : int
        Index of the clearing level.
    price : float
        Clearing price (currency/unit).
    volume : float
        Executed volume (units).
    buy_fill_above, buy_fill_at : float
        Fill ratio of bids strictly above / exactly at the clearing level, in [0, 1].
    sell_fill_below, sell_fill_at : float
        Fill ratio of asks strictly below / exactly at the clearing level, in [0, 1].
    """

    level: int
    price: float
    volume: float
    buy_fill_above: float
    buy_fill_at: float
    sell_fill_below: float
    sell_fill_at: float


def clear(book: Book) -> Clearing:
    """Find the volume-maximising clearing level of a call auction.

    Ties in executed volume are broken by the smallest imbalance ``|D - S|``, then by
    price priority (levels at which every order strictly better than the level is filled
    in full), then by the level closest to the reference price, so that the marginal
    level is the only one rationed (price priority, pro rata at the margin).

    Parameters
    ----------
    book : Book
        Orders of the tick.

    Returns
    -------
    Clearing
        Level, price, volume and fill ratios; with no crossing orders the volume is 0
        and the price stays at the reference.
    """
    demand, supply = book.demand(), book.supply()
    executed = np.minimum(demand, supply)
    best = executed.max(initial=0.0)
    centre = -book.grid.low_index
    if not best > 0.0:  # also NaN: a degenerate schedule trades nothing rather than raising
        return Clearing(centre, book.grid.reference, 0.0, 0.0, 0.0, 0.0, 0.0)
    candidates = np.flatnonzero(executed >= best * (1 - 1e-12))
    imbalance = np.abs(demand[candidates] - supply[candidates])
    min_imb = imbalance.min()
    candidates = candidates[imbalance <= min_imb + 1e-12 * max(best, 1.0)]
    # Price priority: keep the levels at which every order strictly better than the level
    # fits in the volume, so only the marginal level is rationed. Such a level always
    # exists (the end of a run of tied levels on the long side: exchanges' "market
    # pressure" rule); without this, a tie over empty levels rationed all better orders
    # pro rata, e.g. a seller far below the price filled no more than the marginal one.
    slack = best * (1 + 1e-12)
    fits = (demand[candidates] - book.bids[candidates] <= slack) & (
        supply[candidates] - book.asks[candidates] <= slack
    )
    if fits.any():
        candidates = candidates[fits]
    level = int(candidates[np.argmin(np.abs(candidates - centre))])
    return clearing_at(level, executed, demand, supply, book.bids, book.asks, book.grid.prices)


def clearing_at(level: int, executed: np.ndarray, demand: np.ndarray, supply: np.ndarray, bids: np.ndarray,
                asks: np.ndarray, prices: np.ndarray) -> Clearing:
    """Return the :class:`Clearing` at ``level`` of a book (executed volume, cumulative curves, levels)."""
    volume = float(executed[level])
    above = float(demand[level] - bids[level])
    below = float(supply[level] - asks[level])
    buy_above = min(1.0, volume / above) if above > 0 else 0.0
    buy_at = max(0.0, volume - above) / bids[level] if bids[level] > 0 else 0.0
    sell_below = min(1.0, volume / below) if below > 0 else 0.0
    sell_at = max(0.0, volume - below) / asks[level] if asks[level] > 0 else 0.0
    return Clearing(
        level,
        float(prices[level]),
        volume,
        buy_above,
        min(1.0, buy_at),
        sell_below,
        min(1.0, sell_at),
    )


def fill_ratios(levels: np.ndarray, clearing: Clearing, side: str) -> np.ndarray:
    """Fill ratio of each order given its level and side ("buy" or "sell")."""
    out = np.zeros(levels.shape, dtype=np.float64)
    if side == "buy":
        out[levels > clearing.level] = clearing.buy_fill_above
        out[levels == clearing.level] = clearing.buy_fill_at
    else:
        out[levels < clearing.level] = clearing.sell_fill_below
        out[levels == clearing.level] = clearing.sell_fill_at
    return out


def best_quotes(book: Book, clearing: Clearing, empty: str = "edge") -> tuple[float, float]:
    """Best bid and ask of the residual book after the auction (currency/unit).

    The residual bid is the highest level with unfilled buy volume, the residual ask
    the lowest level with unfilled sell volume.

    Parameters
    ----------
    book, clearing : Book, Clearing
        The auction.
    empty : {"edge", "price"}
        What a side with no residual volume quotes: the grid edge (the widest finite
        quote), or the clearing price (no resting order on that side widens the spread).
    """
    prices = book.grid.prices
    rest_bids = book.bids.astype(float)
    rest_bids[clearing.level + 1 :] *= 1 - clearing.buy_fill_above
    rest_bids[clearing.level] *= 1 - clearing.buy_fill_at
    rest_asks = book.asks.astype(float)
    rest_asks[: clearing.level] *= 1 - clearing.sell_fill_below
    rest_asks[clearing.level] *= 1 - clearing.sell_fill_at
    tol = 1e-9 * max(clearing.volume, 1.0)
    bid_idx = np.flatnonzero(rest_bids > tol)
    ask_idx = np.flatnonzero(rest_asks > tol)
    edge_bid, edge_ask = (prices[0], prices[-1]) if empty == "edge" else (clearing.price, clearing.price)
    bid = prices[bid_idx[-1]] if bid_idx.size else edge_bid
    ask = prices[ask_idx[0]] if ask_idx.size else edge_ask
    if ask < bid:  # only when rounding leaves crossed crumbs: quote around the clearing price
        bid, ask = min(bid, clearing.price), max(ask, clearing.price)
    return float(bid), float(ask)


def depth(book: Book, price: float, band: float = 0.02) -> tuple[float, float]:
    """Bid and ask volume within ``band`` (relative) of ``price`` (units)."""
    prices = book.grid.prices
    near = (prices >= price * (1 - band)) & (prices <= price * (1 + band))
    return float(book.bids[near & (prices <= price)].sum()), float(book.asks[near & (prices >= price)].sum())


def surplus(book: Book, price: float, volume: float) -> tuple[float, float]:
    """Consumer and producer surplus of an auction (currency).

    Consumer surplus is ``integral_0^Q (demand curve - p) dQ``: the executed volume is
    assigned to the highest bids first, each unit contributing ``limit - p``. Producer
    surplus is ``integral_0^Q (p - supply curve) dQ`` with the cheapest asks first.

    Parameters
    ----------
    book : Book
        Orders or schedules of the tick.
    price : float
        Transaction price (currency/unit).
    volume : float
        Executed volume Q (units).
    """
    prices = book.grid.prices
    bid_take = _take_first(book.bids[::-1], volume)[::-1]
    ask_take = _take_first(book.asks, volume)
    consumer = float((bid_take * np.maximum(prices - price, 0.0)).sum())
    producer = float((ask_take * np.maximum(price - prices, 0.0)).sum())
    return consumer, producer


def _take_first(volume_by_level: np.ndarray, total: float) -> np.ndarray:
    """Allocate ``total`` to levels in order until exhausted."""
    cum = np.cumsum(volume_by_level)
    before = cum - volume_by_level
    return np.clip(total - before, 0.0, volume_by_level)


def book_elasticity(book: Book, level: int, width: int = 20) -> float:
    """Point elasticity of the book's demand curve around a level.

    ``(dD/D) / (dP/P)`` by a central difference over ``width`` grid levels each side;
    0 when the curve is flat or empty there. Negative for a downward-sloping demand.
    """
    demand = book.demand()
    lo, hi = max(level - width, 0), min(level + width, demand.size - 1)
    prices = book.grid.prices
    mid = demand[level]
    if mid <= 0 or hi == lo:
        return 0.0
    return float(((demand[hi] - demand[lo]) / mid) / ((prices[hi] - prices[lo]) / prices[level]))
