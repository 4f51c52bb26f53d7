"""Books built from aggregate schedules: commodity markets and the goods market.

Commodity markets are spot markets cleared by the same call auction as equity; their
book holds the households' Cobb-Douglas demand ``alpha_k * B / p``, the firms' input
demand ``a_k * p**-0.5 * Y`` and the producer's multi-level marginal-cost curve (levels
:data:`SUPPLY_LEVELS` times the scarcity cost factor) plus a backstop supply at
:data:`BACKSTOP` times the full-scarcity cost (Nordhaus 1973), so prices stay bounded
when reserves run out.

The goods market clears by search (:mod:`arena.markets.goods`); its book (households'
demand schedule against each firm's stock at its posted price) serves spread, depth and
surplus statistics.
"""

from __future__ import annotations

import functools

import numpy as np

from arena.markets import row_kernels
from arena.markets.book import Book, PriceGrid
from arena.markets.formulas import step_supply

#: Marginal cost of each extraction tranche relative to the base price (tick-0 cost factor 1).
SUPPLY_LEVELS = np.array([0.5, 0.65, 0.8, 0.95, 1.1, 1.25, 1.4, 1.55])
#: Capacity of each tranche as a share of base extraction (the first four cover base demand).
TRANCHE_CAPACITY = 0.25
#: Backstop price as a multiple of the full-scarcity cost factor.
BACKSTOP = 1.5
#: Backstop capacity as a multiple of base extraction.
BACKSTOP_CAPACITY = 20.0


def schedule_book(grid: PriceGrid, demand, supply) -> Book:
    """Turn cumulative schedules into per-level volumes.

    Parameters
    ----------
    grid : PriceGrid
    demand : callable
        ``demand(prices) -> quantity demanded at each price`` (non-increasing).
    supply : callable
        ``supply(prices) -> quantity supplied at each price`` (non-decreasing).
    """
    prices = grid.prices
    # a budget over a zero price level is inf and 0 * inf is NaN: a level no one can trade at
    # gets no volume, so no NaN reaches the statistics (found by the extreme-config tests);
    # the volume bid (asked) exactly at each level is the difference of the cumulative
    # schedules: both in one compiled pass (arena.markets.row_kernels, the numbers of
    # nan_to_num(maximum(curve, 0), nan=0, posinf=0) and the differences, at least 0)
    d = np.ascontiguousarray(demand(prices), dtype=np.float64)
    s = np.ascontiguousarray(supply(prices), dtype=np.float64)
    bids, asks = np.empty_like(d), np.empty_like(s)
    row_kernels.schedule_volumes(d, s, bids, asks)
    return Book(grid, bids, asks)


@functools.lru_cache(maxsize=64)
def installed_shares(elasticity: float) -> np.ndarray:
    """Share of an installed extraction flow offered at each of the :data:`SUPPLY_LEVELS`, shape (K,).

    The cumulative share up to level ``L_k`` is ``(L_k / L_base)^elasticity`` with ``L_base`` the
    highest level at or below the tick-0 price 1 (0.95): the installed flow ``W`` is what the
    producer supplies at the tick-0 cost, and its supply has the constant price elasticity
    ``elasticity`` around it (spare capacity above, shut-ins below). The shares sum to
    ``(L_K / L_base)^elasticity``, a little above 1.
    """
    base = SUPPLY_LEVELS[SUPPLY_LEVELS <= 1.0].max()
    cumulative = (SUPPLY_LEVELS / base) ** float(elasticity)
    shares = np.diff(cumulative, prepend=0.0)
    shares.flags.writeable = False  # cached (one array per elasticity, built once)
    return shares


def commodity_supply_curve(
    base_extraction: float, cost_factor: float, capacity_factor: float, backstop_cost: float,
    installed: float = 0.0, turnover: float = 1.0, installed_elasticity: float = 0.0,
):
    """Return (costs, capacities) of a producer's tranches plus the backstop.

    The long-run curve is :data:`SUPPLY_LEVELS` tranches of :data:`TRANCHE_CAPACITY` base extraction
    each. A producer whose installed capacity turns over slowly (oil: existing wells produce what
    their pressure allows, whatever the price; Anderson, Kellogg & Salant 2018) offers the share
    ``turnover`` along the long-run curve and the rest, ``1 - turnover`` of its installed flow,
    along the steep short-run curve of :func:`installed_shares` (:meth:`arena.scarcity.Scarcity.drill`).

    Parameters
    ----------
    base_extraction : float
        Units per tick at base demand.
    cost_factor : float
        Scarcity cost scaling relative to tick 0 (>= 0).
    capacity_factor : float
        Share of extraction capacity available, in [0, 1].
    backstop_cost : float
        Price of the unlimited backstop (currency/unit).
    installed : float
        Installed extraction flow before blocks (units/tick), >= 0; unused when ``turnover`` is 1.
    turnover : float
        Share of the installed flow renewed at the long-run curve per tick, in (0, 1]; 1 (the
        default): the whole supply is on the long-run curve every tick.
    installed_elasticity : float
        Short-run price elasticity of the installed flow's supply, >= 0 (:func:`installed_shares`).
    """
    costs = np.append(SUPPLY_LEVELS * cost_factor, backstop_cost)
    caps = np.append(
        np.full(SUPPLY_LEVELS.size, TRANCHE_CAPACITY * base_extraction * capacity_factor * turnover),
        BACKSTOP_CAPACITY * base_extraction,
    )
    caps[:-1] += (1.0 - turnover) * installed * capacity_factor * installed_shares(installed_elasticity)
    return costs, caps


def commodity_book(
    grid: PriceGrid, household_budget: float, firm_quantity: float, costs: np.ndarray, caps: np.ndarray,
    firm_elasticity: float = 0.5,
) -> Book:
    """Book of one commodity market.

    Parameters
    ----------
    household_budget : float
        Households' spending on this commodity if fully served (currency/tick).
    firm_quantity : float
        Firms' input demand at price 1 (units/tick); scales as ``p**-firm_elasticity``.
    firm_elasticity : float
        Price elasticity of firms' input demand; 0 = Leontief, which
        bid their whole order at every price of the grid.
    """
    return schedule_book(
        grid,
        lambda p: household_budget / p + firm_quantity * np.power(p, -firm_elasticity),
        lambda p: step_supply(costs, caps, p),
    )


def offers_book(grid: PriceGrid, household_budget: float, prices: np.ndarray, stocks: np.ndarray) -> Book:
    """Book of the goods market: demand ``B / p`` and each firm's stock offered at its posted price."""
    return schedule_book(grid, lambda p: household_budget / p, lambda p: step_supply(prices, stocks, p))


def goods_book(
    grid: PriceGrid, household_budget: float, inventory: float, unit_cost: float, cost_levels: np.ndarray
) -> Book:
    """Book of the goods market: demand ``B / p`` and inventory tranches at reservation prices."""
    caps = np.full(cost_levels.size, inventory / cost_levels.size)
    return schedule_book(
        grid,
        lambda p: household_budget / p,
        lambda p: step_supply(cost_levels * unit_cost, caps, p),
    )
