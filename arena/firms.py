"""The firm sector: production, labour demand, wages, goods supply and dividends.

One aggregate firm sector employs households, buys commodity inputs, produces consumer
goods into an inventory and sells them on the goods market. Its supply is a multi-level
marginal-cost curve: the inventory is offered in ``len(COST_LEVELS)`` tranches whose
reservation prices are the unit cost times :data:`COST_LEVELS`, so rising costs
(wages, commodities) withdraw supply and push the goods price up.

Wages follow an expectations-augmented Phillips curve (annual rates)::

    wage growth = expected inflation + phillips_slope * (u* - u)

Output ``Y = productivity * employed * input_factor`` where the input factor is the
Cobb-Douglas penalty ``prod_k fill_k ** theta_k`` of commodity shortages.
"""

from __future__ import annotations

import numpy as np

from arena.config import ArenaConfig

#: Reservation prices of the supply tranches as multiples of unit cost: plants differ in
#: efficiency: reservation prices uniform between 85% and 105% of the average unit cost.
COST_LEVELS = np.linspace(0.85, 1.05, 16)
#: Inventory the firm aims to hold, in ticks of expected sales.
INVENTORY_TICKS = 5.0
#: Ticks over which an inventory gap is closed by production.
INVENTORY_ADJUSTMENT = 10.0
#: Deposits the firm keeps before paying dividends, in ticks of wage bill.
BUFFER_TICKS = 10.0
#: Share of the employed who swap with the unemployed each tick (labour turnover).
TURNOVER = 0.004


class Firms:
    """Aggregate firm sector.

    Parameters
    ----------
    config : ArenaConfig
    goods_price : float
        Goods price at tick 0 (currency/unit); sets the nominal wage.
    input_coefficients : numpy.ndarray
        Commodity units per unit of output at base prices, shape (R,).
    input_elasticity : numpy.ndarray
        Output elasticity theta_k of each input (shortage penalty), shape (R,).

    Attributes
    ----------
    deposits : float
        Currency held.
    inventory : float
        Goods held (units).
    wage : float
        Nominal wage (currency/tick).
    expected_sales : float
        EWMA of goods demanded (units/tick).
    """

    def __init__(
        self,
        config: ArenaConfig,
        goods_price: float,
        input_coefficients: np.ndarray,
        input_elasticity: np.ndarray,
    ):
        self.config = config
        n = config.n_agents
        self.potential = config.productivity * n * (1.0 - config.natural_unemployment)
        self.wage = config.labour_share * goods_price * config.productivity
        self.initial_wage = self.wage
        self.coefficients = np.asarray(input_coefficients, dtype=float)
        self.theta = np.asarray(input_elasticity, dtype=float)
        self.expected_sales = self.potential
        self.inventory = INVENTORY_TICKS * self.potential
        # buffer plus the excess whose steady payout equals the tick-0 profit
        profit = goods_price * self.potential * (1.0 - config.labour_share - self.coefficients.sum())
        self.deposits = BUFFER_TICKS * self.wage * self.potential / config.productivity + profit / max(
            config.dividend_payout, 1e-9
        )
        self.output = self.potential

    def unit_cost(self, goods_price: float, commodity_prices: np.ndarray) -> float:
        """Labour plus input cost of one unit of output (currency/unit)."""
        inputs = self.input_demand_per_unit(goods_price, commodity_prices)
        return self.wage / self.config.productivity + float((inputs * commodity_prices).sum())

    def input_demand_per_unit(self, goods_price: float, commodity_prices: np.ndarray) -> np.ndarray:
        """Return the inputs per unit of output (units/unit).

        Firms substitute away from inputs that are dear relative to their output price,
        with elasticity 0.5: ``a_k * (p_k / P)**-0.5``.
        """
        relative = np.maximum(commodity_prices, 1e-12) / max(goods_price, 1e-12)
        return self.coefficients * np.power(relative, -0.5)

    def profitable_share(self, goods_price: float, commodity_prices: np.ndarray) -> float:
        """Share of capacity whose reservation price is at or below the goods price, in [0, 1].

        The continuous limit of :data:`COST_LEVELS`: reservation prices uniform on
        ``[0.85, 1.05] * unit cost``.
        """
        ratio = goods_price / max(self.unit_cost(goods_price, commodity_prices), 1e-300)
        lo, hi = COST_LEVELS[0], COST_LEVELS[-1]
        return float(np.clip((ratio - lo) / (hi - lo), 0.0, 1.0))

    def goods_supply(self, goods_price: float, commodity_prices: np.ndarray) -> float:
        """Goods offered this tick at ``goods_price`` (units/tick).

        Called after production: firms offer ``1 / (INVENTORY_TICKS + 1)`` of their stock,
        so at the target inventory plus one tick's output they offer expected sales; only
        the profitable share is offered.
        """
        offer = self.inventory / (INVENTORY_TICKS + 1.0)
        return offer * self.profitable_share(goods_price, commodity_prices)

    def plan(self, goods_price: float, commodity_prices: np.ndarray) -> int:
        """Plan next tick's output and return the employment it needs.

        Returns
        -------
        int
            Workers wanted, within ``[0, (1 - min_unemployment) * N]``.
        """
        cfg = self.config
        gap = INVENTORY_TICKS * self.expected_sales - self.inventory
        wanted = max(self.expected_sales + gap / INVENTORY_ADJUSTMENT, 0.0)
        wanted *= self.profitable_share(goods_price, commodity_prices)
        workers = wanted / cfg.productivity
        cap = (1.0 - cfg.min_unemployment) * cfg.n_agents
        return int(min(workers, cap))

    def update_wage(self, expected_inflation: float, unemployment: float) -> None:
        """Grow the wage by the Phillips-curve wage inflation (annual rate, applied per tick)."""
        cfg = self.config
        growth = expected_inflation + cfg.phillips_slope * (cfg.natural_unemployment - unemployment)
        growth = float(np.clip(growth, -0.5, 2.0))
        self.wage *= (1.0 + growth) ** (1.0 / cfg.ticks_per_year)

    def produce(self, employed: int, input_fill: np.ndarray) -> float:
        """Produce with the employed workers and the inputs obtained; returns output (units)."""
        factor = float(np.prod(np.power(np.clip(input_fill, 1e-6, 1.0), self.theta)))
        self.output = employed * self.config.productivity * factor
        self.inventory += self.output
        return self.output

    def wage_bill(self, employed: int) -> tuple[float, float]:
        """Return (wage per worker actually payable, share of the wage paid) from deposits."""
        bill = self.wage * employed
        share = 1.0 if bill <= self.deposits or bill == 0 else max(self.deposits, 0.0) / bill
        return self.wage, share

    def dividend(self) -> float:
        """Dividends to pay this tick (currency): ``dividend_payout`` of deposits above the buffer."""
        buffer = BUFFER_TICKS * self.wage * self.expected_sales / self.config.productivity
        return max(0.0, self.deposits - buffer) * self.config.dividend_payout
