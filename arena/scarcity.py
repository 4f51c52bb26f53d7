"""Resource scarcity: depletion, renewal, issuance, discoveries and catastrophes (phase 5).

Three kinds of resources feed the commodity markets:

* **finite** (oil, lithium, rare earths): reserves fall by what is extracted;
* **renewable** (water, arable land): logistic renewal ``g R (1 - R/K)``, never above
  the capacity K;
* **artificial** (carbon credits, intellectual property): a bank of allowances/licences
  replenished by an issuance rule (a carbon cap that declines by ``carbon_cap_decline``
  a year; IP issued in proportion to output) instead of natural reserves.

Reserves are in the same units as extraction. ``base_reserves = base extraction /
depletion_rate``, so at base demand a finite resource loses ``depletion_rate`` of its base
reserves per tick. The specification's formulas::

    scarcity level   = 1 - reserves / base reserves              (clipped to [0, 1])
    price multiplier = 1 + scarcity * max_multiplier * strategic_importance

The multiplier scales the producer's marginal-cost curve (relative to its value at tick
0), so scarcity reaches agents through prices, not by overwriting them.
Finite reserves are also *developed* (Adelman 1990: proved reserves are an inventory that
producers replenish by drilling, and drilling, unlike production from existing wells, follows
the price: Anderson, Kellogg & Salant 2018)::

    development = X (rho - p_d s_d / d)^+ * kappa^epsilon

``X`` base extraction, ``rho = reserve_replacement`` (world oil reserves have grown as fast
as they were produced since the 1980s, their reserves-to-production ratio stable near 50
years: BP Statistical Review of World Energy), ``p_d s_d / d`` the share of base extraction
that discoveries replace on average, ``kappa`` the cost factor and ``epsilon =
development_elasticity``. At base demand the reserves then keep their tick-0 level on
average; demand above base draws them down, raising the price until development catches
up. Without development (``rho`` = 0), base reserves of ``1 / d`` = 1,000 ticks of extraction
(the specification's ``depletion_rate``) ran out within about five years of the baseline.
Discovery sizes are exponential with mean ``discovery_mean_size`` of base reserves;
catastrophes destroy a share ``size`` of reserves and block the same share of extraction
capacity for ``catastrophe_duration`` ticks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

FINITE, RENEWABLE, ARTIFICIAL = "finite", "renewable", "artificial"


@dataclass(frozen=True)
class ResourceSpec:
    """Static description of one resource.

    Attributes
    ----------
    name : str
        Market and column name.
    kind : str
        "finite", "renewable" or "artificial".
    strategic_importance : float
        Weight in [0, 1] of scarcity in the price multiplier.
    max_multiplier : float
        Largest extra multiple of cost at full scarcity, >= 0.
    firm_input : float
        Units used per unit of goods output at base prices (cost share at price 1).
    household_share : float
        Share ``alpha`` of household consumption budgets spent at base prices on the retail good
        made from it (oil: retail oil products), in [0, 1).
    output_elasticity : float
        Elasticity of goods output to a shortage of this input, in [0, 1].
    initial_level : float
        Initial reserves as a share of base reserves (finite resources start partly
        depleted, renewables below capacity, so scarcity starts above 0).
    retail_cost_share : float
        Share ``theta`` of the commodity's cost in the retail price households pay at base prices,
        in (0, 1]; the rest is the margin of refining, distribution and taxes, bought as goods
        (:mod:`arena.markets.retail`). 1: households buy the commodity itself.
    household_elasticity : float
        Short-run price elasticity ``eps`` (absolute value) of households' demand for the retail
        good, >= 0; 1 is Cobb-Douglas (a fixed budget share).
    natural_decline : float or None
        Share of the installed extraction flow lost a year without new investment (1/year), in
        (0, 1]; new wells, which follow the price, replace it (:meth:`Scarcity.drill`). None: supply
        is on the long-run curve every tick (no installed capacity).
    short_run_elasticity : float
        Price elasticity of the installed flow's supply within a tick (spare capacity and
        shut-ins), >= 0; used with ``natural_decline``
        (:func:`arena.markets.schedules.installed_shares`).
    """

    name: str
    kind: str
    strategic_importance: float
    max_multiplier: float
    firm_input: float
    household_share: float
    output_elasticity: float
    initial_level: float = 1.0
    retail_cost_share: float = 1.0
    household_elasticity: float = 1.0
    natural_decline: float | None = None
    short_run_elasticity: float = 0.0


#: Default resources (documented in docs/model.md).
RESOURCES: tuple[ResourceSpec, ...] = (
    # oil: retail oil products take 4% of budgets (BLS CPI-U relative importance of motor fuel and
    # fuel oil, 3.5-4.5%), crude is 55% of their price (EIA, gasoline price breakdown: crude 50-60%),
    # short-run price elasticity of their demand 0.25 (Dahl & Sterner 1991; Espey 1998; Hughes,
    # Knittel & Sperling 2008: -0.21 to -0.34 in 1975-80); docs/model.md, "Households' energy demand"
    # its supply comes from installed wells, which produce what their pressure allows whatever the
    # price (Anderson, Kellogg & Salant 2018); without new drilling the world's fields lose 9% of
    # their output a year (IEA World Energy Outlook 2008, ch. 10: natural decline rate; observed
    # decline with investment in existing fields 6.7%); within the month its supply hardly answers the
    # price: short-run elasticity 0.1 (Baumeister & Hamilton 2019: 0.15; Caldara, Cavallo & Iacoviello
    # 2019: 0.08; Kilian & Murphy 2014: at most 0.025 within a month)
    ResourceSpec("oil", FINITE, 0.9, 3.0, 0.04, 0.04, 0.15, 0.7, retail_cost_share=0.55,
                 household_elasticity=0.25, natural_decline=0.09, short_run_elasticity=0.1),
    ResourceSpec("lithium", FINITE, 0.7, 4.0, 0.01, 0.0, 0.05, 0.8),
    ResourceSpec("rare_earths", FINITE, 0.8, 5.0, 0.01, 0.0, 0.05, 0.75),
    ResourceSpec("water", RENEWABLE, 0.6, 2.0, 0.01, 0.03, 0.05, 0.9),
    ResourceSpec("land", RENEWABLE, 0.5, 2.0, 0.02, 0.03, 0.05, 0.9),
    ResourceSpec("carbon_credits", ARTIFICIAL, 0.4, 3.0, 0.01, 0.0, 0.05),
    ResourceSpec("ip", ARTIFICIAL, 0.3, 2.0, 0.02, 0.0, 0.02),
)
RESOURCE_NAMES = tuple(r.name for r in RESOURCES)


def scarcity_level(reserves: np.ndarray, base_reserves: np.ndarray) -> np.ndarray:
    """``1 - reserves / base_reserves`` clipped to [0, 1]."""
    return np.clip(1.0 - np.asarray(reserves) / np.asarray(base_reserves), 0.0, 1.0)


def price_multiplier(scarcity: np.ndarray, max_multiplier: np.ndarray, importance: np.ndarray) -> np.ndarray:
    """``1 + scarcity * max_multiplier * strategic_importance`` (>= 1)."""
    return 1.0 + np.asarray(scarcity) * np.asarray(max_multiplier) * np.asarray(importance)


def logistic_renewal(reserves: np.ndarray, capacity: np.ndarray, rate: np.ndarray) -> np.ndarray:
    """Renewal ``rate * R * (1 - R / K)`` per tick, zero at or above capacity."""
    r = np.asarray(reserves, dtype=float)
    return np.maximum(np.asarray(rate) * r * (1.0 - r / np.asarray(capacity)), 0.0)


class Scarcity:
    """State of all resources.

    Parameters
    ----------
    config : ArenaConfig
        Uses ``depletion_rate``, probabilities, sizes, ``carbon_cap_decline``...
    base_extraction : numpy.ndarray
        Units extracted per tick at base demand, shape (R,).
    ticks_per_year : int

    Attributes
    ----------
    reserves : numpy.ndarray
        Current reserves (units), >= 0.
    base : numpy.ndarray
        Base reserves (units), > 0; also the capacity of renewables.
    blocked : numpy.ndarray
        Share of extraction capacity blocked by catastrophes, in [0, 1].
    blocked_until : numpy.ndarray of int
        Tick at which the block ends.
    """

    def __init__(self, config, base_extraction: np.ndarray):
        self.config = config
        self.specs = RESOURCES
        self.kinds = np.array([r.kind for r in RESOURCES])
        self.importance = np.array([r.strategic_importance for r in RESOURCES])
        self.max_mult = np.array([r.max_multiplier for r in RESOURCES])
        self.base_extraction = np.asarray(base_extraction, dtype=float)
        depletion = max(config.depletion_rate, 1e-6)
        self.base = self.base_extraction / depletion
        self.reserves = self.base * np.array([r.initial_level for r in RESOURCES])
        level0 = np.array([r.initial_level for r in RESOURCES])
        # renewal that exactly replaces base extraction at the initial level
        self.renewal_rate = np.where(
            self.kinds == RENEWABLE, self.base_extraction / (self.base * level0 * (1 - level0) + 1e-300), 0.0
        )
        self.blocked = np.zeros(len(RESOURCES))
        self.blocked_until = np.zeros(len(RESOURCES), dtype=np.int64)
        # share of the installed flow renewed at the long-run supply curve per tick (1: no installed
        # capacity, the whole supply is on the long-run curve) and the installed flow itself, which
        # at tick 0 is base extraction: the long-run curve's supply at the tick-0 price
        tpy = config.ticks_per_year
        self.turnover = np.array([1.0 if r.natural_decline is None else min(r.natural_decline / tpy, 1.0)
                                  for r in RESOURCES])
        self.installed = self.base_extraction.copy()
        self.short_run_elasticity = np.array([r.short_run_elasticity for r in RESOURCES])
        self.multiplier0 = self.multiplier()
        self.critical = self.level() >= config.critical_scarcity

    def level(self) -> np.ndarray:
        """Scarcity level per resource, in [0, 1]."""
        return scarcity_level(self.reserves, self.base)

    def multiplier(self) -> np.ndarray:
        """Price multiplier per resource, >= 1."""
        return price_multiplier(self.level(), self.max_mult, self.importance)

    def cost_factor(self) -> np.ndarray:
        """Marginal-cost scaling relative to tick 0 (multiplier / initial multiplier)."""
        return self.multiplier() / self.multiplier0

    def development(self) -> np.ndarray:
        """Reserves developed this tick (units), >= 0; non-zero for finite resources only.

        ``X (rho - p_d s_d / d)^+ kappa^epsilon`` (module doc): what base extraction minus the
        expected discoveries leaves to replace, scaled by the cost factor's response.
        """
        cfg = self.config
        expected_discovery = cfg.discovery_probability * cfg.discovery_mean_size * self.base
        to_replace = np.maximum(cfg.reserve_replacement * self.base_extraction - expected_discovery, 0.0)
        response = self.cost_factor() ** cfg.development_elasticity
        return np.where(self.kinds == FINITE, to_replace * response, 0.0)

    def drill(self, long_run_supply: np.ndarray) -> None:
        """Renew the share ``turnover`` of the installed flow at the long-run supply of this tick's price.

        ``W <- (1 - a) W + a S(p)``: the installed extraction flow ``W`` (units/tick, before blocks)
        loses the natural decline ``a`` of a tick and new wells add ``a`` times what the long-run
        curve ``S`` (:func:`arena.markets.schedules.commodity_supply_curve`) supplies at the
        clearing price ``p``, so drilling follows the price (Anderson, Kellogg & Salant 2018) and
        the installed flow reaches the long-run curve with a mean lag of ``1 / a`` ticks.

        Parameters
        ----------
        long_run_supply : numpy.ndarray
            ``S(p)`` per resource at this tick's clearing prices, units/tick, >= 0, shape (R,).
        """
        a = self.turnover
        self.installed = (1.0 - a) * self.installed + a * np.asarray(long_run_supply, dtype=float)

    def capacity_factor(self) -> np.ndarray:
        """Share of extraction capacity available: unblocked, and shrinking as reserves run out."""
        near_empty = np.clip(self.reserves / (0.05 * self.base), 0.0, 1.0)
        return (1.0 - self.blocked) * near_empty

    def step(self, tick: int, extracted: np.ndarray, output_ratio: float, rng) -> dict:
        """Apply one tick of depletion, renewal, issuance and random events.

        Parameters
        ----------
        tick : int
            Current tick.
        extracted : numpy.ndarray
            Units taken from reserves this tick (finite and renewable), or used from the
            bank (artificial), shape (R,), >= 0.
        output_ratio : float
            Goods output relative to potential (drives IP issuance).
        rng : numpy.random.Generator

        Returns
        -------
        dict
            Flows of the tick (arrays, units): ``extracted``, ``renewal``, ``development``, ``issuance``,
            ``discovery``, ``catastrophe``, and ``events``: list of (type, payload).
        """
        cfg = self.config
        extracted = np.minimum(np.asarray(extracted, dtype=float), self.reserves)
        self.reserves -= extracted
        renewal = np.where(
            self.kinds == RENEWABLE, logistic_renewal(self.reserves, self.base, self.renewal_rate), 0.0
        )
        renewal = np.minimum(renewal, np.maximum(self.base - self.reserves, 0.0))
        development = self.development()
        issuance = np.zeros_like(self.reserves)
        years = tick / cfg.ticks_per_year
        for i, spec in enumerate(self.specs):
            if spec.name == "carbon_credits":
                issuance[i] = self.base_extraction[i] * (1.0 - cfg.carbon_cap_decline) ** years
            elif spec.kind == ARTIFICIAL:
                issuance[i] = self.base_extraction[i] * max(output_ratio, 0.0)
        self.reserves += renewal + issuance + development
        flows = {
            "extracted": extracted,
            "renewal": renewal,
            "development": development,
            "issuance": issuance,
            "discovery": np.zeros_like(self.reserves),
            "catastrophe": np.zeros_like(self.reserves),
            "events": [],
        }
        # catastrophes end
        ended = (self.blocked > 0) & (tick >= self.blocked_until)
        self.blocked[ended] = 0.0
        natural = self.kinds != ARTIFICIAL
        draws = rng.random((2, len(self.specs)))
        for i in np.flatnonzero(natural & (draws[0] < cfg.discovery_probability)):
            size = float(rng.exponential(cfg.discovery_mean_size))
            self._discover(i, size, flows)
        for i in np.flatnonzero(natural & (draws[1] < cfg.catastrophe_probability)):
            size = float(rng.uniform(0.1, 0.5))
            self._catastrophe(i, size, tick, flows, cause="random")
        self._check_critical(flows)
        return flows

    def _discover(self, i: int, size: float, flows: dict) -> None:
        add = size * self.base[i]
        if self.kinds[i] == RENEWABLE:
            add = min(add, max(self.base[i] - self.reserves[i], 0.0))
        self.reserves[i] += add
        flows["discovery"][i] += add
        flows["events"].append(
            (
                "discovery_event",
                {
                    "resource": self.specs[i].name,
                    "size": size,
                    "added": float(add),
                    "scarcity": float(self.level()[i]),
                },
            )
        )

    def _catastrophe(self, i: int, size: float, tick: int, flows: dict, cause: str) -> None:
        lost = size * self.reserves[i]
        self.reserves[i] -= lost
        self.blocked[i] = max(self.blocked[i], size)
        self.blocked_until[i] = tick + self.config.catastrophe_duration
        flows["catastrophe"][i] += lost
        flows["events"].append(
            (
                "catastrophic_event",
                {
                    "resource": self.specs[i].name,
                    "size": size,
                    "destroyed": float(lost),
                    "blocked_share": float(self.blocked[i]),
                    "until_tick": int(self.blocked_until[i]),
                    "cause": cause,
                    "scarcity": float(self.level()[i]),
                },
            )
        )

    def _check_critical(self, flows: dict) -> None:
        now = self.level() >= self.config.critical_scarcity
        for i in np.flatnonzero(now & ~self.critical):
            flows["events"].append(
                ("critical_scarcity", {"resource": self.specs[i].name, "scarcity": float(self.level()[i])})
            )
        self.critical = now

    def force(self, kind: str, index: int, size: float, tick: int) -> dict:
        """Force a discovery or catastrophe of ``size`` on resource ``index``; returns the flows."""
        flows = {
            "discovery": np.zeros_like(self.reserves),
            "catastrophe": np.zeros_like(self.reserves),
            "events": [],
        }
        if kind == "discovery":
            self._discover(index, size, flows)
        else:
            self._catastrophe(index, size, tick, flows, cause="shock")
        self._check_critical(flows)
        return flows
