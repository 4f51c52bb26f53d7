"""Households: struct-of-arrays state and vectorized behaviour.

One numpy array per attribute, index = agent id. Money (``cash``) and equity (``shares``)
are float64 because the accounting check sums them; moods are float32 in [0, 1].
No Python loop over agents: every behaviour is an array expression.

Strategies (Brock & Hommes 1998; Lux & Marchesi 1999): fundamentalists expect the equity
price to revert toward its fundamental value, chartists extrapolate the recent trend,
noise traders follow private noise. Non-noise traders switch strategy by a discrete
choice on recent performance, tilted toward trend following by greed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from arena import kernels
from arena.config import ArenaConfig

FUNDAMENTALIST, CHARTIST, NOISE = 0, 1, 2
STRATEGY_NAMES = ("fundamentalist", "chartist", "noise")


@dataclass
class EquityOrders:
    """Equity limit orders submitted in phase 2 and cleared in the next phase 1.

    Attributes
    ----------
    buy_agents, sell_agents : numpy.ndarray of intp
        Household ids of buyers and sellers.
    buy_limit, sell_limit : numpy.ndarray of float64
        Limit prices (currency/share).
    buy_qty, sell_qty : numpy.ndarray of float64
        Quantities (shares), > 0.
    """

    buy_agents: np.ndarray
    buy_limit: np.ndarray
    buy_qty: np.ndarray
    sell_agents: np.ndarray
    sell_limit: np.ndarray
    sell_qty: np.ndarray

    @classmethod
    def empty(cls) -> "EquityOrders":
        """No orders."""
        i, f = np.empty(0, np.intp), np.empty(0, np.float64)
        return cls(i, f, f, i, f, f)


def bernoulli_indices(n: int, p: float, rng: np.random.Generator) -> np.ndarray:
    """Sorted indices of ``n`` independent Bernoulli(p) trials that succeed.

    Draws the gaps between successes (geometric), so the cost is proportional to the
    number of successes, not to ``n``: picking 10% of 10^6 households costs 10^5 draws.
    """
    if p <= 0.0 or n == 0:
        return np.empty(0, dtype=np.intp)
    if p >= 1.0:
        return np.arange(n, dtype=np.intp)
    expected = n * p
    size = int(expected + 6.0 * np.sqrt(expected) + 16)
    # the draws are numpy's (those of _geometric_gaps); the gaps, their running sum and the
    # positions below n are computed in one compiled loop (arena.kernels: the same integers)
    divisor = -math.log1p(-p)
    parts, last = [], -1
    while last < n - 1:  # one batch; rarely the draw falls short and another extends it
        out = np.empty(min(size, n), dtype=np.intp)
        if p < 1.0 / 3.0:
            m, last = kernels.gap_positions(rng.standard_exponential(size), divisor, n + 1, n, last, out)
        else:
            m, last = kernels.int_gap_positions(rng.geometric(p, size=size), n + 1, n, last, out)
        parts.append(out[:m])
    return parts[0] if len(parts) == 1 else np.concatenate(parts)


def _geometric_gaps(p: float, size: int, cap: int, rng: np.random.Generator) -> np.ndarray:
    """``numpy.minimum(rng.geometric(p, size), cap)`` (int64), the same draws, faster for p < 1/3.

    Gaps beyond ``n`` all mean "past the end"; capping them at ``n + 1`` keeps the result and
    the draws identical but stops int64 overflow: for p < ~1e-18 numpy returns gaps of
    2^63 - 1, whose cumsum wrapped negative. For p < 1/3 numpy draws a geometric variate by
    inversion, ``ceil(-E / log1p(-p))`` with E a standard exponential from the same stream
    (numpy/random/src/distributions: ``random_geometric_inversion``); computed here over the
    whole array, it saves the per-draw ``log1p`` (~25 % of the draw time, bit-identical:
    E / (-c) rounds as -E / c, and ``math.log1p`` is the C library's). From 1/3 numpy uses a
    search on uniform draws instead, so larger p call it.
    """
    if p >= 1.0 / 3.0:
        return np.minimum(rng.geometric(p, size=size), cap)
    gaps = rng.standard_exponential(size)
    with np.errstate(over="ignore"):  # p below ~1e-308: inf, capped below
        np.divide(gaps, -math.log1p(-p), out=gaps)
    np.ceil(gaps, out=gaps)
    np.minimum(gaps, cap, out=gaps)
    return gaps.astype(np.int64)


def draw_hand_to_mouth(config: ArenaConfig, count: int, rng: np.random.Generator) -> np.ndarray:
    """Flag ``count`` households as hand-to-mouth, each with probability ``hand_to_mouth_share``.

    Rule-of-thumb consumers spend out of current income (Campbell & Mankiw 1989: about half of
    US income; Kaplan, Violante & Weidner 2014: about a third of US households live hand to
    mouth, two thirds of them with illiquid wealth). ``rng`` is a stream of its own
    (:data:`arena.model.HAND_TO_MOUTH_STREAM` at build), so the flags leave every other draw of
    the run as it was. Bool (count,); all False at share 0 (no draw is made then).
    """
    share = float(config.hand_to_mouth_share)
    if share <= 0.0 or count == 0:
        return np.zeros(count, dtype=bool)
    return rng.random(count) < share


class Population:
    """The N households.

    Parameters
    ----------
    config : ArenaConfig
        Engine parameters (``n_agents``, strategy shares, initial wealth...).
    rng : numpy.random.Generator
        The model's generator.

    Attributes
    ----------
    cash : float64 (N,)
        Deposits (currency), >= 0.
    shares : float64 (N,)
        Equity holdings (shares), >= 0.
    employer : intp (N,)
        Employer index (C-firms 0..F-1, then K-firms), -1 = unemployed. Native index
        width: gathers and ``bincount`` over int32 indices first convert all N of them
        (about 2 ms a pass at 10^6 households).
    supplier : intp (N,)
        Current shop (C-firm index) for consumption goods.
    perm_income : float64 (N,)
        Permanent income (currency/tick): EWMA of wages, dividends and royalties.
    strategy : int8 (N,)
        0 fundamentalist, 1 chartist, 2 noise trader.
    risk_aversion : float32 (N,)
        Relative risk aversion, > 0.
    target_share : float32 (N,)
        Strategic equity share of wealth at neutral mood, in [0, 1].
    memory : float32 (N,)
        EWMA of own wealth log-returns (per tick).
    sentiment, fear, greed, confidence : float32 (N,)
        Moods on [0, 1] (filled by :mod:`arena.psychology`).
    budget : float64 (N,)
        Consumption budget for the next tick (currency).
    hand_to_mouth : bool (N,)
        Rule-of-thumb consumer: its permanent income is its current income (memory 0;
        Campbell & Mankiw 1989), drawn at build with probability ``hand_to_mouth_share``.
    last_wealth : float64 (N,)
        Wealth at the previous tick (currency), for own returns.
    """

    def __init__(self, config: ArenaConfig, rng: np.random.Generator):
        n = config.n_agents
        self.n = n
        sigma = config.wealth_dispersion
        # lognormal with the configured mean: E[exp(X)] = exp(mu + sigma^2/2)
        scale = np.exp(-0.5 * sigma**2)
        self.cash = config.initial_cash * scale * rng.lognormal(0.0, sigma, n)
        self.shares = scale * rng.lognormal(0.0, sigma, n)  # rescaled by set_portfolios
        self.employer = np.full(n, -1, dtype=np.intp)
        self.supplier = np.zeros(n, dtype=np.intp)
        self.perm_income = np.zeros(n, dtype=np.float64)
        self.strategy = rng.choice(
            3, size=n, p=[config.share_fundamentalist, config.share_chartist, config.share_noise]
        ).astype(np.int8)
        self.risk_aversion = (config.risk_aversion * rng.lognormal(0.0, 0.3, n)).astype(np.float32)
        self.target_share = np.zeros(n, dtype=np.float32)
        self.memory = np.zeros(n, dtype=np.float32)
        self.sentiment = np.full(n, 0.5, dtype=np.float32)
        self.fear = np.full(n, 0.2, dtype=np.float32)
        self.greed = np.full(n, 0.2, dtype=np.float32)
        self.confidence = np.full(n, 0.6, dtype=np.float32)
        self.budget = np.zeros(n, dtype=np.float64)
        self.last_wealth = self.cash.copy()
        self.hand_to_mouth = np.zeros(n, dtype=bool)

    #: every per-household array, in one place so resizing cannot miss one
    ARRAYS = ("cash", "shares", "employer", "supplier", "perm_income", "strategy", "risk_aversion",
              "target_share", "memory",
              "sentiment", "fear", "greed", "confidence", "budget", "last_wealth", "hand_to_mouth")

    def __getattr__(self, name: str):
        """Per-household arrays added after checkpoints were first written: created on first use.

        Called only when normal lookup fails (a checkpoint restores ``__dict__`` without
        ``__init__``): ``hand_to_mouth`` starts all False (every household smooths its income).
        """
        if name == "hand_to_mouth" and "n" in self.__dict__:
            value = np.zeros(self.n, dtype=bool)
            self.hand_to_mouth = value
            return value
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def keep_only(self, keep: np.ndarray) -> None:
        """Drop the households where ``keep`` is False (vectorized, order preserved)."""
        for name in self.ARRAYS:
            setattr(self, name, getattr(self, name)[keep])
        self.n = int(self.cash.size)

    def add(self, count: int, cash_each: float, config: ArenaConfig, rng: np.random.Generator) -> None:
        """Append ``count`` newcomers: deposits ``cash_each``, no shares, unemployed, neutral moods.

        Their shop is firm 0 until they search (a dead shop sends them elsewhere at once).

        Their strategic equity share is the population's median, so they build a portfolio
        over time; strategies follow the configured mix.
        """
        mix = [config.share_fundamentalist, config.share_chartist, config.share_noise]
        new = {
            "cash": np.full(count, cash_each),
            "shares": np.zeros(count),
            "employer": np.full(count, -1, dtype=np.intp),
            "supplier": np.zeros(count, dtype=np.intp),
            "perm_income": np.zeros(count),
            "strategy": rng.choice(3, size=count, p=mix).astype(np.int8),
            "risk_aversion": (config.risk_aversion * rng.lognormal(0.0, 0.3, count)).astype(np.float32),
            "target_share": np.full(count, np.median(self.target_share), dtype=np.float32),
            "memory": np.zeros(count, dtype=np.float32),
            "sentiment": np.full(count, 0.5, dtype=np.float32),
            "fear": np.full(count, 0.2, dtype=np.float32),
            "greed": np.full(count, 0.2, dtype=np.float32),
            "confidence": np.full(count, 0.6, dtype=np.float32),
            "budget": np.zeros(count),
            "last_wealth": np.full(count, cash_each),
            "hand_to_mouth": draw_hand_to_mouth(config, count, rng),
        }
        for name in self.ARRAYS:
            setattr(self, name, np.concatenate([getattr(self, name), new[name]]))
        self.n = int(self.cash.size)

    def set_portfolios(self, shares_total: float, equity_price: float, gradient: float = 0.0) -> None:
        """Allocate the tick-0 wealth between deposits and ``shares_total`` shares; make it the target.

        Each household keeps its wealth ``W_i`` (its drawn deposits plus its drawn shares, rescaled to
        ``shares_total``, at ``equity_price``); its equity share rises linearly with its wealth rank
        ``F_i`` in [0, 1]: ``theta_i = theta_0 + g F_i``, ``theta_0`` such that the shares add up to
        ``shares_total`` (and the deposits to their drawn total). The richer hold more of their wealth
        in equity (Wachter & Yogo 2010, fig. 1: in the Survey of Consumer Finances the risky share of
        financial wealth rises by about 0.3 from the poorest to the richest households), where
        independent draws of deposits and shares put some cash-poor households at 90% equity and
        more. ``g`` is lowered when it would take a share outside [0, 1].

        Parameters
        ----------
        shares_total : float
            Shares outstanding, > 0.
        equity_price : float
            Equity price (currency/share), > 0.
        gradient : float, default 0
            ``g``, the rise of the equity share from the poorest to the richest, in [0, 1]; 0 keeps
            every household's drawn allocation.
        """
        self.shares *= shares_total / self.shares.sum()
        wealth = self.wealth(equity_price)
        if gradient > 0.0 and self.n > 1:
            total = float(wealth.sum())
            aggregate = shares_total * equity_price / total  # equity's share of all wealth
            rank = np.empty(self.n)
            rank[np.argsort(wealth, kind="stable")] = np.arange(self.n) / (self.n - 1)
            weighted_rank = float(rank @ wealth) / total  # wealth-weighted mean rank, in (0, 1)
            g = min(gradient, aggregate / weighted_rank, (1.0 - aggregate) / max(1.0 - weighted_rank, 1e-12))
            theta = (aggregate - g * weighted_rank) + g * rank
            np.clip(theta, 0.0, 1.0, out=theta)
            self.shares = theta * wealth / equity_price
            self.shares *= shares_total / self.shares.sum()  # rounding only
            self.cash = np.maximum(wealth - self.shares * equity_price, 0.0)
            wealth = self.wealth(equity_price)
        self.target_share[:] = self.shares * equity_price / np.maximum(wealth, 1e-12)
        self.last_wealth = wealth

    # --- income --------------------------------------------------------------------------
    def wealth(self, equity_price: float) -> np.ndarray:
        """Deposits plus equity at market value (currency), shape (N,)."""
        out = np.empty_like(self.cash)
        kernels.add_scaled(self.cash, self.shares, float(equity_price), out)  # cash + shares * price
        return out

    @property
    def employed(self) -> np.ndarray:
        """Employment status, bool (N,): ``employer >= 0``."""
        return self.employer >= 0

    def pay_per_share(self, amount_per_share: float) -> float:
        """Credit dividends ``amount_per_share * shares``; return the total paid (currency)."""
        if amount_per_share == 0.0:
            return 0.0
        paid = self.shares * amount_per_share
        self.cash += paid
        return float(paid.sum())

    def pay_equal(self, total: float) -> float:
        """Pay ``total`` (currency) in equal parts to every household; return the total paid."""
        if total != 0.0:
            self.cash += total / self.n
        return total

    def transfer(self, interest_rate: float, lump_sum: float) -> float:
        """Pay deposit interest and a lump-sum transfer; return the net money created.

        Parameters
        ----------
        interest_rate : float
            Interest per tick on deposits (may be negative), > -1.
        lump_sum : float
            Total transfer (currency). Positive amounts are paid equally per head;
            negative amounts are levied in proportion to deposits, so no deposit turns
            negative.
        """
        if interest_rate == 0.0 and lump_sum == 0.0:  # the usual case under the Taylor rule:
            return 0.0  # skip four passes over N that would change nothing
        before = self.cash.sum()
        if lump_sum >= 0.0:
            self.cash *= 1.0 + interest_rate
            self.cash += lump_sum / self.n
        else:
            total = before * (1.0 + interest_rate)
            keep = max(0.0, 1.0 + lump_sum / total) if total > 0 else 1.0
            self.cash *= (1.0 + interest_rate) * keep
        return float(self.cash.sum() - before)

    # --- consumption --------------------------------------------------------------------
    def plan_consumption(self, income_share: float, wealth_share: float, scale: float,
                         fear_spending: float, greed_spending: float) -> float:
        """Set each household's budget for next tick; return the total (currency).

        ``budget = scale * mood * (c_y * Yp + chi * cash)``, at most ``cash`` (Assenza et al.
        2015, eq. for C: permanent income Yp and a share chi of wealth), where mood lowers
        spending with fear and raises it with greed: ``mood = 1 - fear_spending (fear - 0.2) +
        greed_spending (greed - 0.2)``, 1 at the neutral moods (in [0.92, 1.04] at the 0.1 and
        0.05 of the specification); ``scale`` carries the real-rate and expected-inflation
        channels (1 at neutral).
        """
        income_weight, wealth_weight = income_share * scale, wealth_share * scale
        f32 = np.float32
        fear_coef, greed_coef = f32(-fear_spending), f32(greed_spending)
        level = f32(1.0 + fear_spending * 0.2 - greed_spending * 0.2)
        # one compiled loop (arena.kernels: bit-identical to the numpy chain
        # mood = fear * fear_coef + greed * greed_coef + level in float32;
        # budget = (Yp * iw + cash * ww) * mood; budget = min(budget, cash))
        kernels.consumption_budget(self.fear, self.greed, self.perm_income, self.cash, self.budget,
                                   float(income_weight), float(wealth_weight), fear_coef, greed_coef, level)
        return float(self.budget.sum())

    def receive_income(self, wage_table: np.ndarray, dividend_per_share: float, memory: float,
                       growth: float = 0.0) -> None:
        """Credit wages, royalties and dividends and update permanent income, block by block.

        Each household receives ``wage_table[employer] + dividend_per_share * shares``
        (``wage_table`` holds each firm's wage plus the royalty, and the royalty alone in its
        last entry, which ``employer == -1`` reads), and its permanent income moves toward it:
        ``Yp <- (1 + g) (xi Yp + (1 - xi) y)`` ([A]: xi = ``memory`` per period). ``g``
        (``growth``, per tick) is the trend growth of nominal income households expect: the
        adaptive forecast of a series with a drift is the smoothed level carried forward by the
        drift (Muth 1960), so permanent income does not fall behind a growing income by ``g``
        times the mean lag ``xi / (1 - xi)``. A hand-to-mouth household (:attr:`hand_to_mouth`)
        has no memory: ``Yp <- (1 + g) y``, so its budget follows this tick's income.
        """
        keep, take = memory * (1.0 + growth), (1.0 - memory) * (1.0 + growth)
        # one compiled loop (arena.kernels: bit-identical to income = wage_table[employer] +
        # shares * dividend_per_share; cash += income; perm = perm * keep + income * take, and
        # perm = income * (1 + g) for a hand-to-mouth household)
        kernels.credit_income(wage_table, self.employer, self.shares, float(dividend_per_share), self.cash,
                              self.perm_income, keep, take, self.hand_to_mouth, 1.0 + growth)

    def spend(self, amount: np.ndarray) -> float:
        """Pay ``amount`` (currency, shape (N,), at most the deposits); return the total."""
        kernels.pay_out(self.cash, amount)  # max(cash - amount, 0): guards rounding, never real money
        return float(amount.sum())
