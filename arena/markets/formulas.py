"""The specification's market formulas that the tick runs, as pure functions.

Goods prices are set by firms (markup over unit cost, :mod:`arena.sectors.firms`), not by a
tatonnement: the specification's equilibrium-price formula left with the one-firm economy.

* :func:`step_supply`: the multi-level marginal-cost curves of the schedule books (phase 1);
* :func:`kyle_lambda`: the ``kyle_lambda_equity`` indicator (phase 6), measured, not used to
  set prices: the equity price is set by the call auction.

References
----------
Kyle, A. S. (1985). Continuous auctions and insider trading. *Econometrica* 53(6).
"""

from __future__ import annotations

import numpy as np


def kyle_lambda(returns: np.ndarray, order_flow: np.ndarray) -> float:
    """Estimate Kyle's lambda: the OLS slope of returns on signed order flow.

    Parameters
    ----------
    returns : numpy.ndarray
        Log returns per tick.
    order_flow : numpy.ndarray
        Net order flow per tick (buy minus sell volume submitted, as a share of the
        outstanding quantity).

    Returns
    -------
    float
        ``cov(r, x) / var(x)`` (log-return per unit of flow); 0.0 with fewer than three
        points or no variation in flow.
    """
    r = np.asarray(returns, dtype=float)
    x = np.asarray(order_flow, dtype=float)
    if r.size < 3 or x.size != r.size:
        return 0.0
    xc = x - x.mean()
    var = float((xc * xc).sum())
    if var <= 1e-300:
        return 0.0
    return float((xc * (r - r.mean())).sum() / var)


def step_supply(costs: np.ndarray, capacities: np.ndarray, prices: np.ndarray) -> np.ndarray:
    """Cumulative supply of a multi-level marginal-cost curve at each price.

    Each level offers its capacity at every price at or above its marginal cost.

    Parameters
    ----------
    costs : numpy.ndarray
        Marginal cost of each level (currency/unit), shape (K,).
    capacities : numpy.ndarray
        Capacity of each level (units/tick), shape (K,), >= 0.
    prices : numpy.ndarray
        Prices to evaluate (currency/unit).

    Returns
    -------
    numpy.ndarray
        Supply at each price (units/tick).
    """
    costs = np.asarray(costs, dtype=float)
    order = np.argsort(costs, kind="stable")
    cumulative = np.concatenate([[0.0], np.cumsum(np.asarray(capacities, dtype=float)[order])])
    return cumulative[np.searchsorted(costs[order], np.asarray(prices, dtype=float), side="right")]

