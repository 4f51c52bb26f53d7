"""Money, inflation and the central bank (phase 4).

Money supply M is every deposit in the economy: households, firms, resource producers
and outside agents. The central bank keeps no deposits; it creates money when it pays
interest and transfers or buys assets (QE), and destroys it when it levies or sells.

Definitions (annual rates; ``T`` = ``ticks_per_year``)::

    measured inflation  pi   = (CPI_t / CPI_{t-w})^(T/w) - 1          (w = inflation_window)
    velocity            V    = (nominal final sales per tick * T) / M
    quantity equation   M V  = P Y   with P = CPI/100 and Y = real final sales per year
    structural infl.    pi_s = base rate + (money growth - base rate) + velocity change
                               + demand pressure + behavioural term
    Taylor rule         i    = r* + pi + a (pi - pi*) + b * gap          (Taylor 1993)
    Phillips curve      pi_p = pi_e + kappa (u* - u)                     (Friedman 1968, Phelps 1967)

The policy rate follows the Taylor rate with partial adjustment ``rate_smoothing`` and
is bounded by the zero lower bound (or ``min_policy_rate``) and ``max_policy_rate``.
In the Taylor regime the central bank creates no money by rule: money is created by bank
loans and destroyed by repayments (:mod:`arena.banking`); in the money-growth regime it adds
``money_growth`` by transfers on top of bank credit (Friedman's k-percent rule).
Automatic tightening above ``tightening_threshold`` adds ``tightening_step`` to the rate
and stops money growth; quantitative easing below ``deflation_threshold`` buys equity for
``qe_rate * M`` per tick.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np


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


def per_tick(annual_rate: float, ticks_per_year: int) -> float:
    """Per-tick rate equivalent to an annual rate: ``(1 + r)^(1/T) - 1``."""
    return float(np.expm1(np.log1p(max(annual_rate, -0.999999)) / ticks_per_year))


def structural_inflation(
    base_rate: float, money_growth: float, velocity_change: float, demand_pressure: float, behavioural: float
) -> float:
    """Return the specification's sum ``base + money growth + velocity change + demand + behaviour``."""
    return base_rate + money_growth + velocity_change + demand_pressure + behavioural


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
        self.structural = target
        self.tightening = False
        self.qe = False
        self.money_growth_target = config.money_growth if config.monetary_regime == "money_growth" else 0.0
        self.cpi_history: deque[float] = deque(maxlen=config.inflation_window + 1)
        self.money_history: deque[float] = deque(maxlen=config.inflation_window + 1)
        self.velocity_history: deque[float] = deque(maxlen=config.inflation_window + 1)
        self.started = False
        self.shares = 0.0  # equity held after QE purchases
        self.rate_shock = 0.0  # decaying discretionary rate change (scenarios, dashboard)

    def measure(self, cpi: float, money: float, velocity: float) -> tuple[float, float, float]:
        """Record CPI, M and V; return annualised (inflation, money growth, velocity change)."""
        T = self.config.ticks_per_year
        if not self.started:
            # a history as if the economy had grown at its steady rates before tick 0, so the
            # first windows are full length and not noise annualised over a few ticks
            w = self.config.inflation_window
            back = np.arange(-w, 0)
            self.cpi_history.extend(cpi * (1 + self.config.base_inflation_rate) ** (back / T))
            self.money_history.extend(money * (1 + self.money_growth_target) ** (back / T))
            self.velocity_history.extend([max(velocity, 1e-12)] * w)
            self.started = True
        self.cpi_history.append(cpi)
        self.money_history.append(money)
        self.velocity_history.append(max(velocity, 1e-12))

        def growth(hist) -> float:
            if len(hist) < 2 or hist[0] <= 0:
                return 0.0
            w = len(hist) - 1
            return float(np.expm1(np.clip(np.log(hist[-1] / hist[0]) * T / w, -5.0, 5.0)))

        return growth(self.cpi_history), growth(self.money_history), growth(self.velocity_history)

    def decide(
        self,
        inflation: float,
        money_growth: float,
        velocity_change: float,
        output_gap: float,
        unemployment: float,
        behavioural: float,
    ) -> PolicyDecision:
        """Update expectations and the policy rate, and choose the money-growth target."""
        cfg = self.config
        target = cfg.base_inflation_rate
        self.inflation = inflation
        demand_pressure = 0.5 * output_gap
        self.structural = structural_inflation(
            target, money_growth - target, velocity_change, demand_pressure, behavioural
        )
        # adaptive learning from structural and measured inflation, anchored by credibility
        evidence = 0.5 * (self.structural + inflation)
        self.adaptive_expectation += cfg.expectation_adjustment * (evidence - self.adaptive_expectation)
        self.adaptive_expectation = float(np.clip(self.adaptive_expectation, -0.5, 2.0))
        w = cfg.expectation_anchoring
        self.expected_inflation = w * target + (1.0 - w) * self.adaptive_expectation

        rule = taylor_rate(
            inflation,
            output_gap,
            cfg.neutral_real_rate,
            target,
            cfg.taylor_inflation_coef,
            cfg.taylor_output_coef,
        )
        events = []
        was_tight, was_qe = self.tightening, self.qe
        if inflation > cfg.tightening_threshold:
            self.tightening = True
        elif inflation < 0.5 * cfg.tightening_threshold:
            self.tightening = False
        floor = 0.0 if cfg.zero_lower_bound else cfg.min_policy_rate
        if inflation < cfg.deflation_threshold and self.policy_rate <= floor + 0.0025:
            self.qe = True  # deflation risk with conventional policy exhausted
        elif inflation > target:
            self.qe = False
        desired = rule + (cfg.tightening_step if self.tightening else 0.0) + self.rate_shock
        rate = cfg.rate_smoothing * self.policy_rate + (1.0 - cfg.rate_smoothing) * desired
        if self.tightening and not was_tight:
            rate = max(rate, self.policy_rate + cfg.tightening_step)
        self.policy_rate = float(np.clip(rate, floor, cfg.max_policy_rate))
        self.rate_shock *= 0.99

        # money creation by the central bank: the money rule's transfers; none under the
        # Taylor rule, where money is endogenous (bank credit creates and destroys it)
        growth = cfg.money_growth if cfg.monetary_regime == "money_growth" else 0.0
        if self.tightening:
            growth = min(growth, 0.0)
        self.money_growth_target = float(np.clip(growth, -0.2, 2.0))

        if self.tightening and not was_tight:
            events.append(
                (
                    "monetary_tightening",
                    {
                        "inflation": inflation,
                        "policy_rate": self.policy_rate,
                        "money_growth_target": self.money_growth_target,
                    },
                )
            )
        if was_tight and not self.tightening:
            events.append(("tightening_ended", {"inflation": inflation, "policy_rate": self.policy_rate}))
        if self.qe and not was_qe:
            events.append(
                (
                    "quantitative_easing",
                    {
                        "inflation": inflation,
                        "policy_rate": self.policy_rate,
                        "purchases_per_tick_share": cfg.qe_rate,
                    },
                )
            )
        if was_qe and not self.qe:
            events.append(("qe_ended", {"inflation": inflation, "equity_held": self.shares}))
        return PolicyDecision(
            self.policy_rate, rule, self.money_growth_target, self.tightening, self.qe, events
        )
