"""Households' demand for commodities bought through a retail price (energy).

Households do not buy crude oil: they buy retail oil products (motor fuel, heating oil) whose
price is the crude cost plus a margin for refining, distribution, marketing and taxes. For a
resource with base budget share ``alpha``, crude cost share of the retail price ``theta`` and
short-run price elasticity of household demand ``eps`` (``ResourceSpec.household_share``,
``retail_cost_share``, ``household_elasticity``), with ``p`` the commodity price and ``P`` the goods
price (the margin is bought as goods and services, so it moves with their price)::

    retail price        r = theta p + (1 - theta) P
    retail quantity     E = alpha (B / P) (r / P)^(-eps)          (units of retail good per tick)
    commodity quantity  q = theta E                                (units of the commodity)
    commodity share     c = q p / B = alpha theta (p / P) (r / P)^(-eps)
    margin share        (1 - theta) alpha (r / P)^(-eps)           (spent on goods)

At tick 0 every price equals the goods price, so ``r = P``, ``E = alpha B / P``: the retail good
takes ``alpha`` of budgets, of which ``alpha theta`` buys the commodity and the rest goods. The
demand is homogeneous of degree zero in prices and budget (no money illusion). Its elasticity to the
commodity price is ``-eps theta p / r`` (``-eps theta`` at base prices). With ``theta = eps = 1``
it is the Cobb-Douglas demand ``alpha B / p`` (water and land). The commodity share grows with the
price only when ``eps < 1``, as ``p^(1 - eps)``; the commodity auctions' backstop (a few times the goods
price) keeps it far below the budget. At extreme relative prices (a corner configuration with
inflation of tens of percent a tick) inelastic demand would spend more than the budget: the
commodity shares are then scaled down together so that they take at most
:data:`MAX_COMMODITY_SHARE` of budgets (households ration energy by their budget, demand turning
unit-elastic). The cap never binds at the calibrated shares (about 3 %), so normal runs are unchanged.
"""

from __future__ import annotations

import numpy as np

#: Largest share of households' budgets all commodities together may take (the rest buys goods).
MAX_COMMODITY_SHARE = 0.5


def retail_prices(commodity: np.ndarray, goods_price: float, cost_share: np.ndarray) -> np.ndarray:
    """Retail price ``theta p + (1 - theta) P`` per resource (currency/retail unit), > 0."""
    return cost_share * np.asarray(commodity) + (1.0 - cost_share) * goods_price


def commodity_shares(commodity: np.ndarray, goods_price: float, share: np.ndarray, cost_share: np.ndarray,
                     elasticity: np.ndarray) -> np.ndarray:
    """Share of households' budgets spent on each commodity at prices ``commodity``, >= 0.

    Parameters
    ----------
    commodity : numpy.ndarray
        Commodity prices (currency/unit), shape (R,) or (R, L) (one row per resource), > 0.
    goods_price : float
        The goods price index (currency/unit), > 0.
    share, cost_share, elasticity : numpy.ndarray
        ``alpha``, ``theta`` and ``eps`` per resource, shape (R,).
    """
    p = np.asarray(commodity, dtype=float)
    shape = (-1,) + (1,) * (p.ndim - 1)
    a, t, e = (np.asarray(x, dtype=float).reshape(shape) for x in (share, cost_share, elasticity))
    relative = (t * p + (1.0 - t) * goods_price) / goods_price
    shares = a * t * (p / goods_price) * np.power(relative, -e)
    total = shares.sum(axis=0)
    # exactly 1.0 (bit-identical shares) unless the cap binds; no division when the total is 0
    cap = MAX_COMMODITY_SHARE
    scale = np.where(total > cap, cap / np.maximum(total, cap), 1.0)
    return shares * scale


def commodity_quantities(commodity: np.ndarray, budget: float, goods_price: float, share: np.ndarray,
                         cost_share: np.ndarray, elasticity: np.ndarray) -> np.ndarray:
    """Units of each commodity households demand with total budget ``budget`` (units/tick), >= 0.

    ``commodity_shares * budget / p``; the same shapes as :func:`commodity_shares`.
    """
    p = np.asarray(commodity, dtype=float)
    return commodity_shares(p, goods_price, share, cost_share, elasticity) * budget / p
