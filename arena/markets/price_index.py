"""The consumer price of goods: a chained Törnqvist index of C-firms' posted prices.

Households pay each firm its posted price, but *where* they are served changes from tick to
tick: a household rationed at its own shop spills over to a random other one
(:func:`arena.markets.goods.sell`), and the government's purchases, made after the
households', decide how much stock is left at which shops. A unit-value index (household
revenue / units bought) moves with that composition when no price has changed: measured on
seeds 1-8 (20,000 households), cutting public purchases by 2% of potential output raised the
unit value households paid by ~1.6% within two ticks and for good, with every posted price
unchanged, so real GDP fell ~1.5% more than output and the Taylor rule tightened in a
consolidation (and eased in a stimulus). Statistical agencies do not count a change of
outlet as a change of price (the outlet-substitution problem, Reinsdorf 1993; unit-value
indices are not price indices when outlets differ: ILO/IMF *Consumer Price Index Manual*
2004, paras. 2.29-2.31 and ch. 20), so the index here follows the posted prices themselves.

The index is a chained Törnqvist (a superlative index, CPI Manual ch. 17)::

    ln P_t - ln P_{t-1} = sum_i wbar_i (ln p_{i,t} - ln p_{i,t-1}),
    wbar_i = (s_{i,t-1} + s_{i,t}) / 2, normalised over the firms alive in both ticks,

with ``s`` each firm's share of households' goods spending in the tick. Posted prices move
only at firms' reviews (and are the same all tick), so the index moves only when a price
does. A slot that is dead in either tick (a default, an entrant) is left out of that link.
"""

from __future__ import annotations

import numpy as np


class GoodsPriceIndex:
    """State of the chained goods price index (module doc).

    Parameters
    ----------
    level : float
        Index level at tick 0 (currency/unit: the tick-0 goods price), > 0.
    price : numpy.ndarray
        Posted prices at tick 0 (currency/unit), shape (F,), > 0.

    Attributes
    ----------
    level : float
        Current level (currency/unit), > 0.
    price : numpy.ndarray
        Posted prices at the last update, shape (F,).
    share : numpy.ndarray or None
        Households' spending shares at the last update (sum 1), shape (F,); None before the
        first update.
    alive : numpy.ndarray of bool
        Firms alive at the last update, shape (F,).
    """

    def __init__(self, level: float, price: np.ndarray):
        self.level = float(level)
        self.price = np.array(price, dtype=float)
        self.share: np.ndarray | None = None
        self.alive = np.ones(self.price.size, dtype=bool)

    def update(self, price: np.ndarray, revenue: np.ndarray, alive: np.ndarray) -> float:
        """Chain one tick onto the index and return the new level (currency/unit).

        Parameters
        ----------
        price : numpy.ndarray
            Posted prices this tick (currency/unit), shape (F,), > 0 where alive.
        revenue : numpy.ndarray
            Households' spending at each firm this tick (currency), shape (F,), >= 0.
        alive : numpy.ndarray of bool
            Firms alive this tick, shape (F,).
        """
        total = float(revenue.sum())
        share = revenue / total if total > 0 else np.zeros(price.size)
        if self.share is not None and self.share.size == price.size:
            both = alive & self.alive & (price > 0) & (self.price > 0)
            w = np.where(both, 0.5 * (self.share + share), 0.0)
            weight = float(w.sum())
            if weight > 0:
                rel = np.zeros(price.size)
                np.divide(price, self.price, out=rel, where=both)
                step = float(w @ np.log(np.where(both, rel, 1.0))) / weight
                self.level *= float(np.exp(step))
        self.price = np.array(price, dtype=float)
        self.share = share
        self.alive = np.array(alive, dtype=bool)
        return self.level
