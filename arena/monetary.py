"""Money, inflation and the central bank (phase 4).

Money supply M is every deposit in the economy: households, firms, resource producers
and outside agents. The central bank keeps no deposits; it creates money when it pays
interest and transfers or buys assets (QE), and destroys it when it levies or sells.

Definitions (annual rates; ``T`` = ``ticks_per_year``)::

    measured inflation  pi   = (CPI_t / CPI_{t-w})^(T/w) - 1          (w = inflation_window)
    core inflation      pi_c = core_t / core_{t-T} - 1                (year over year)
                               core = goods price index, tick 0 = 100 (CPI less commodities)
    velocity            V    = (nominal final sales per tick * T) / M
    quantity equation   M V  = P Y   with P = CPI/100 and Y = real final sales per year
    structural infl.    pi_s = base rate + (money growth - base rate) + velocity change
                               + demand pressure + behavioural term
    Taylor rule         i    = r* + pi_c + a (pi_c - pi*) + b * gap      (Taylor 1993)
    Phillips curve      pi_p = pi_e + kappa (u* - u)                     (Friedman 1968, Phelps 1967)

The central bank sets policy on core inflation measured year over year, as central banks
do: the Fed targets core PCE inflation over twelve months and the ECB medium-term HICP
inflation, and both look through the first-round effects of energy and commodity price
shocks (Bernanke, Gertler & Watson 1997; Blinder & Reis 2005). Headline ``pi`` still feeds
households' expectations (energy prices move household expectations: Coibion &
Gorodnichenko 2015). The policy rate follows the Taylor rate with partial adjustment
``rate_smoothing`` per tick (0.9965 a day = 0.8 a quarter, the estimate of Clarida,
Galí & Gertler 2000) and is bounded by the zero lower bound (or ``min_policy_rate``) and
``max_policy_rate``.
In the Taylor regime the central bank creates no money by rule: money is created by bank
loans and destroyed by repayments (:mod:`arena.banking`); in the money-growth regime it keeps
the money stock on a path growing at ``money_growth`` (Friedman's k-percent rule): its
transfers (or levies) each tick close the gap between that path and the money that bank
credit left (:meth:`CentralBank.money_rule_transfer`), so the rule holds with endogenous money.
Automatic tightening when core inflation (year over year) exceeds ``tightening_threshold``
adds ``tightening_step`` to the rate and stops money growth; quantitative easing when it
falls below ``deflation_threshold`` with the rate at its floor, or with the rate's path (its
smoothing towards the rule) at the floor within a year, buys government bonds from banks for
``qe_rate * M`` per tick (``qe_asset = "equity"``: listed equity in the equity auction
instead), paying in reserves; tightening sells them back. The bonds bought by QE lower the
term premium (:meth:`arena.sectors.government.Government.term_premium_shift`). The central bank's
balance sheet (bonds, advances, equity; reserves and government deposits) and its profit
remitted to the government are kept by :mod:`arena.fiscal_phase`.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

from arena.scalars import clip_float

#: Decay per tick of a discretionary rate change (``CentralBank.rate_shock``).
RATE_SHOCK_DECAY = 0.99


def taylor_rate(
    inflation: float,
    output_gap: float,
    neutral_real_rate: float,
    target: float,
    inflation_coef: float = 0.5,
    output_coef: float = 0.5,
) -> float:
    """Taylor (1993) rule ``i = r* + pi + a (pi - pi*) + b * gap`` (annual rates).

    Parameters
    ----------
    inflation : float
        Inflation pi (1/year).
    output_gap : float
        (Y - Y*) / Y* (dimensionless).
    neutral_real_rate : float
        r* (1/year).
    target : float
        Inflation target pi* (1/year).
    inflation_coef, output_coef : float
        a and b (0.5 each in Taylor 1993).
    """
    return neutral_real_rate + inflation + inflation_coef * (inflation - target) + output_coef * output_gap


def phillips_inflation(
    expected_inflation: float, unemployment: float, natural_unemployment: float, slope: float
) -> float:
    """Expectations-augmented Phillips curve ``pi = pi_e + slope * (u* - u)`` (1/year)."""
    return expected_inflation + slope * (natural_unemployment - unemployment)


def annualise(growth_per_tick: float, ticks_per_year: int) -> float:
    """Compound a per-tick growth rate to a year: ``(1 + g)^T - 1``."""
    return float(np.expm1(np.log1p(max(growth_per_tick, -0.999999)) * ticks_per_year))


def inflation_over(levels, ticks_per_year: int) -> float:
    """Annualised growth of a price index from its first to its last observation.

    ``(P_last / P_first)^(T / w) - 1`` with ``w = len(levels) - 1`` ticks; with
    ``w = T`` this is the year-over-year rate ``P_t / P_{t-T} - 1`` (no annualisation).

    Parameters
    ----------
    levels : sequence of float
        Price-index levels, one per tick, oldest first (> 0).
    ticks_per_year : int
        T (ticks/year).

    Returns
    -------
    float
        Annual rate (1/year); 0 with fewer than two levels or a non-positive first level.
        The log growth is clipped to [-5, 5] per year.
    """
    if len(levels) < 2 or levels[0] <= 0:
        return 0.0
    if levels[-1] <= 0:
        return float(np.expm1(-5.0))
    w = len(levels) - 1
    return float(np.expm1(clip_float(np.log(levels[-1] / levels[0]) * ticks_per_year / w, -5.0, 5.0)))


#: Largest multiple of the initial money supply the money rule creates money up to: 4e29, the
#: conversion rate of the largest recorded currency reform (Hungary, 1 August 1946: one forint
#: for 4 x 10^29 pengo). Every recorded hyperinflation ended in such a reform (Sargent 1982,
#: "The ends of four big inflations"), i.e. with the printing stopped; the model has no new
#: currency, so the rule stops creating money there. Without the bound a money rule compounding
#: for centuries (``ticks_per_year`` = 1, ``money_growth`` = 2: x3 a tick) overflows float64
#: (~1.8e308) within ~650 ticks and puts inf/NaN into every nominal stock.
MAX_MONEY_MULTIPLE = 4e29


def per_tick(annual_rate: float | np.ndarray, ticks_per_year: int) -> float | np.ndarray:
    """Per-tick rate equivalent to an annual rate: ``(1 + r)^(1/T) - 1``, elementwise.

    The one conversion of the engine (central bank, banks' loans and deposits, bonds).

    Parameters
    ----------
    annual_rate : float or numpy.ndarray
        Annual rate(s) (1/year), floored at -0.999999 so the logarithm stays finite.
    ticks_per_year : int
        Ticks in a year, >= 1.

    Returns
    -------
    float or numpy.ndarray
        Per-tick rate(s): a float for a scalar, an array of the same shape for an array.
    """
    rate = np.expm1(np.log1p(np.maximum(annual_rate, -0.999999)) / ticks_per_year)
    return float(rate) if np.ndim(rate) == 0 else rate


def structural_inflation(
    base_rate: float, money_growth: float, velocity_change: float, demand_pressure: float, behavioural: float
) -> float:
    """Return the specification's ``base + money growth + velocity change + demand + behaviour``.

    Money growth ``g_M`` and velocity change ``g_V`` (annual rates over the same window) enter
    as the growth of nominal spending ``M V``: ``(1 + g_M)(1 + g_V) - 1``, which is their sum
    to first order and, unlike the sum of two annualised rates, exact for large moves. A levy
    that takes 20% of the money stock while spending is unchanged raises V by 25%; annualised
    over a 63-tick window that is g_M = -59% and g_V = +142%, whose sum (+83%) read as a burst
    of inflationary pressure that no price showed, and raised expected inflation after a
    deflationary bust (docs/scenarios.md, ``deflation_qe``).

    Parameters
    ----------
    base_rate, money_growth, velocity_change : float
        pi*, g_M and g_V (1/year); the base rate enters as ``pi* + (g_MV - pi*)``, the
        specification's form, so it cancels.
    demand_pressure, behavioural : float
        0.5 x output gap and the behavioural term (1/year).

    Returns
    -------
    float
        Structural inflation (1/year).
    """
    nominal = (1.0 + money_growth) * (1.0 + velocity_change) - 1.0
    return base_rate + (nominal - base_rate) + demand_pressure + behavioural


@dataclass
class PolicyDecision:
    """What the central bank decided this tick (annual rates unless stated)."""

    policy_rate: float
    taylor_rate: float
    money_growth_target: float
    tightening: bool
    qe: bool
    events: list


class CentralBank:
    """Monetary authority and inflation measurement.

    Parameters
    ----------
    config : ArenaConfig
    """

    def __init__(self, config):
        self.config = config
        target = config.base_inflation_rate
        self.policy_rate = config.neutral_real_rate + target
        self.expected_inflation = target
        self.adaptive_expectation = target
        self.inflation = target
        self.core_inflation = target
        self.structural = target
        self.tightening = False
        self.qe = False
        self.money_growth_target = config.money_growth if config.monetary_regime == "money_growth" else 0.0
        self.cpi_history: deque[float] = deque(maxlen=config.inflation_window + 1)
        self.money_history: deque[float] = deque(maxlen=config.inflation_window + 1)
        self.velocity_history: deque[float] = deque(maxlen=config.inflation_window + 1)
        self.core_history: deque[float] = deque(maxlen=config.ticks_per_year + 1)
        self.started = False
        self.shares = 0.0  # equity held (QE in equity, leavers' and outside agents' shares)
        self.bonds = 0.0  # government bonds held (currency, at par; arena.fiscal_phase)
        self.qe_bonds = 0.0  # the part of ``bonds`` bought by QE (policy or shocks), net of sales (currency)
        self.pending_bond_purchase = 0.0  # QE shock queued for the next tick (currency)
        self.rate_shock = 0.0  # decaying discretionary rate change (scenarios, dashboard)
        # mean short rate expected over the coming year along the rule (:meth:`expected_mean_rate`;
        # the long rate when ``long_rate_expectation`` = "rule")
        self.expected_mean = self.policy_rate
        self.money_path: float | None = None  # the money rule's target level (currency)

    def money_rule_transfer(self, money: float, initial_money: float) -> float:
        """Return the money rule's transfer for the next tick (currency; negative = a levy).

        The target path grows at this tick's ``money_growth_target`` (per tick); the transfer
        closes the gap between the path and the money stock ``money`` now, so bank credit's
        creation and destruction of money is offset and the stock grows at the rule's rate.
        The path starts at the stock of the first call and never exceeds
        ``MAX_MONEY_MULTIPLE * initial_money`` (``initial_money``: money at tick 0, currency).
        """
        if self.money_path is None:
            self.money_path = float(money)
        grown = self.money_path * (1.0 + per_tick(self.money_growth_target, self.config.ticks_per_year))
        self.money_path = min(grown, MAX_MONEY_MULTIPLE * float(initial_money))
        return self.money_path - float(money)

    def shift_money_path(self, amount: float) -> None:
        """Move the rule's path by ``amount`` (currency): a money shock moves the level it grows from."""
        if self.money_path is not None:
            self.money_path += float(amount)

    def measure(
        self, cpi: float, core: float, money: float, velocity: float
    ) -> tuple[float, float, float, float]:
        """Record CPI, core CPI, M and V.

        Returns
        -------
        tuple of float
            Headline inflation annualised over ``inflation_window``, core inflation year
            over year, money growth and velocity change annualised over ``inflation_window``
            (all 1/year).
        """
        T = self.config.ticks_per_year
        if not self.started:
            # a history as if the economy had grown at its steady rates before tick 0, so the
            # first windows are full length and not noise annualised over a few ticks
            w = self.config.inflation_window
            back = np.arange(-w, 0)
            self.cpi_history.extend(cpi * (1 + self.config.base_inflation_rate) ** (back / T))
            self.money_history.extend(money * (1 + self.money_growth_target) ** (back / T))
            self.velocity_history.extend([max(velocity, 1e-12)] * w)
            self.core_history.extend(core * (1 + self.config.base_inflation_rate) ** (np.arange(-T, 0) / T))
            self.started = True
        self.cpi_history.append(cpi)
        self.core_history.append(core)
        self.money_history.append(money)
        self.velocity_history.append(max(velocity, 1e-12))
        return (
            inflation_over(self.cpi_history, T),
            inflation_over(self.core_history, T),
            inflation_over(self.money_history, T),
            inflation_over(self.velocity_history, T),
        )

    def projected_rate(self, desired: float) -> float:
        """Policy rate a year ahead if the rate it moves to stays ``desired`` (1/year, unclipped).

        ``rho**T i + (1 - rho**T) desired`` with ``rho`` = ``rate_smoothing`` and ``T`` =
        ``ticks_per_year``: the expected short rate at the end of the long rate's horizon.
        """
        decay = self.config.rate_smoothing ** self.config.ticks_per_year
        return decay * self.policy_rate + (1.0 - decay) * desired

    def expected_mean_rate(self, base: float, shock: float, floor: float) -> float:
        """Mean policy rate expected over the coming ``ticks_per_year`` ticks (1/year).

        The expectations hypothesis (Shiller 1979; Campbell & Shiller 1991): the one-year rate
        is the average of the short rates expected over the year. Expected here along the
        central bank's own rule: from today's rate ``i_0`` the rate moves each tick by partial
        adjustment (``rho`` = ``rate_smoothing``) towards a target that stays at ``base`` (the
        Taylor rule and the tightening step as measured today) plus the discretionary
        ``shock`` ``s``, which decays by ``d`` = :data:`RATE_SHOCK_DECAY` a tick (the target of
        step k is ``base + s d**(k-1)``)::

            i_k = rho**k i_0 + (1 - rho**k) base + (1 - rho) s (d**k - rho**k) / (d - rho)

        each ``i_k`` clipped to [``floor``, ``max_policy_rate``], averaged over k = 1..T.
        Markets price the path the rule implies, so the long rate turns when the rule turns,
        before the policy rate does (Gurkaynak, Sack & Swanson 2005: the path factor of
        policy news moves the two-year yield).
        """
        cfg = self.config
        rho, d = cfg.rate_smoothing, RATE_SHOCK_DECAY
        k = np.arange(1, cfg.ticks_per_year + 1, dtype=float)
        rk = rho ** k
        path = rk * self.policy_rate + (1.0 - rk) * base
        if shock != 0.0:
            gap = d - rho
            ratio = (d ** k - rk) / gap if abs(gap) > 1e-12 else k * rho ** (k - 1.0)
            path += (1.0 - rho) * shock * ratio
        return float(np.clip(path, floor, cfg.max_policy_rate).mean())

    def decide(
        self,
        inflation: float,
        core_inflation: float,
        money_growth: float,
        velocity_change: float,
        output_gap: float,
        unemployment: float,
        behavioural: float,
    ) -> PolicyDecision:
        """Update expectations and the policy rate, and choose the money-growth target.

        ``inflation`` (headline, annualised over ``inflation_window``) feeds expectations;
        ``core_inflation`` (year over year) drives the Taylor rule, tightening and QE.
        """
        cfg = self.config
        target = cfg.base_inflation_rate
        self.inflation = inflation
        self.core_inflation = core_inflation
        demand_pressure = 0.5 * output_gap
        self.structural = structural_inflation(
            target, money_growth, velocity_change, demand_pressure, behavioural
        )
        # adaptive learning from structural and measured inflation, anchored by credibility
        evidence = 0.5 * (self.structural + inflation)
        self.adaptive_expectation += cfg.expectation_adjustment * (evidence - self.adaptive_expectation)
        self.adaptive_expectation = clip_float(self.adaptive_expectation, -0.5, 2.0)
        w = cfg.expectation_anchoring
        self.expected_inflation = w * target + (1.0 - w) * self.adaptive_expectation

        rule = taylor_rate(
            core_inflation,
            output_gap,
            cfg.neutral_real_rate,
            target,
            cfg.taylor_inflation_coef,
            cfg.taylor_output_coef,
        )
        events = []
        was_tight, was_qe = self.tightening, self.qe
        if core_inflation > cfg.tightening_threshold:
            self.tightening = True
        elif core_inflation < 0.5 * cfg.tightening_threshold:
            self.tightening = False
        floor = 0.0 if cfg.zero_lower_bound else cfg.min_policy_rate
        desired = rule + (cfg.tightening_step if self.tightening else 0.0) + self.rate_shock
        # deflation risk with conventional policy exhausted: the rate is at its floor, or the
        # path the central bank has set (its smoothing towards the rule) takes it there within
        # a year, the horizon of the long rate (the rule asks for more easing than the floor
        # allows: the shortfall QE is meant to make up, Rudebusch 2009)
        exhausted = min(self.policy_rate, self.projected_rate(desired)) <= floor + 0.0025
        if core_inflation < cfg.deflation_threshold and exhausted:
            self.qe = True
        elif core_inflation > target:
            self.qe = False
        rate = cfg.rate_smoothing * self.policy_rate + (1.0 - cfg.rate_smoothing) * desired
        if self.tightening and not was_tight:
            rate = max(rate, self.policy_rate + cfg.tightening_step)
        self.policy_rate = clip_float(rate, floor, cfg.max_policy_rate)
        self.rate_shock *= RATE_SHOCK_DECAY
        if cfg.long_rate_expectation == "rule":
            self.expected_mean = self.expected_mean_rate(
                rule + (cfg.tightening_step if self.tightening else 0.0), self.rate_shock, floor)

        # money creation by the central bank: the money rule's transfers; none under the
        # Taylor rule, where money is endogenous (bank credit creates and destroys it)
        growth = cfg.money_growth if cfg.monetary_regime == "money_growth" else 0.0
        if self.tightening:
            growth = min(growth, 0.0)
        self.money_growth_target = clip_float(growth, -0.2, 2.0)

        if self.tightening and not was_tight:
            events.append(
                (
                    "monetary_tightening",
                    {
                        "inflation": inflation,
                        "core_inflation": core_inflation,
                        "policy_rate": self.policy_rate,
                        "money_growth_target": self.money_growth_target,
                    },
                )
            )
        if was_tight and not self.tightening:
            events.append(
                (
                    "tightening_ended",
                    {
                        "inflation": inflation,
                        "core_inflation": core_inflation,
                        "policy_rate": self.policy_rate,
                    },
                )
            )
        if self.qe and not was_qe:
            events.append(
                (
                    "quantitative_easing",
                    {
                        "inflation": inflation,
                        "core_inflation": core_inflation,
                        "policy_rate": self.policy_rate,
                        "purchases_per_tick_share": cfg.qe_rate,
                    },
                )
            )
        if was_qe and not self.qe:
            events.append(
                (
                    "qe_ended",
                    {"inflation": inflation, "core_inflation": core_inflation, "equity_held": self.shares},
                )
            )
        return PolicyDecision(
            self.policy_rate, rule, self.money_growth_target, self.tightening, self.qe, events
        )
