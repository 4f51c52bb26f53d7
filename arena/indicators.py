"""Indicator definitions: pure metric functions and the table of indicator columns.

The metric functions take arrays and return numbers, so notebooks and tests can use them
on their own. :data:`COLUMNS` documents every column of :meth:`ArenaModel.indicators`
with its unit; :func:`reporters` builds the DataCollector's model reporters from it.
"""

from __future__ import annotations

import numpy as np

from arena.scalars import clip_float
from arena.scarcity import RESOURCE_NAMES

MARKETS = ("equity", "goods") + RESOURCE_NAMES
#: Statistics measured on every market's book each tick (indicator columns ``<stat>_<market>``).
MARKET_STATS = ("price", "spread", "depth_bid", "depth_ask", "volume", "consumer_surplus",
                "producer_surplus", "elasticity")


def gini(values: np.ndarray) -> float:
    """Gini coefficient of non-negative values, in [0, 1] (0 for equal or empty).

    Uses the sorted-rank formula ``sum((2i - n - 1) x_i) / (n sum x)``.
    """
    x = np.sort(np.maximum(np.asarray(values, dtype=float), 0.0))
    n = x.size
    total = x.sum()
    if n == 0 or total <= 0:
        return 0.0
    weights = 2.0 * np.arange(1, n + 1) - n - 1.0
    # multiply-and-sum, not np.dot: BLAS dot is slow and multithreaded for this size here;
    # rounding can leave e.g. -2e-17 for equal values: clip to the documented range
    return clip_float((weights * x).sum() / (n * total), 0.0, 1.0)


def lorenz_curve(values: np.ndarray, points: int = 101) -> tuple[np.ndarray, np.ndarray]:
    """Lorenz curve: (population share, wealth share) at ``points`` quantiles."""
    x = np.sort(np.maximum(np.asarray(values, dtype=float), 0.0))
    cum = np.concatenate([[0.0], np.cumsum(x)])
    pop = np.linspace(0.0, 1.0, points)
    share = np.interp(pop * x.size, np.arange(x.size + 1), cum)
    # divide by the total itself (a floor such as 1e-300 mis-scales tiny totals); all-zero -> zeros
    share = share / cum[-1] if cum[-1] > 0 else np.zeros_like(pop)
    return pop, share


def max_drawdown(prices: np.ndarray) -> float:
    """Largest peak-to-trough fall ``1 - p / running max``, in [0, 1)."""
    p = np.asarray(prices, dtype=float)
    if p.size == 0:
        return 0.0
    return float(np.max(1.0 - p / np.maximum.accumulate(p)))


def realized_volatility(log_returns: np.ndarray) -> float:
    """Return the standard deviation of log returns (per tick); 0 with fewer than two."""
    r = np.asarray(log_returns, dtype=float)
    return float(r.std(ddof=1)) if r.size > 1 else 0.0


#: name -> (unit, meaning). Per-market and per-resource columns are expanded below.
COLUMNS: dict[str, tuple[str, str]] = {
    "tick": ("ticks", "tick number (1 = after the first step)"),
    "fundamental_equity": ("currency/share", "fundamental value F: discounted dividends"),
    "kyle_lambda_equity": ("log-return per unit flow", "Kyle's lambda, rolling OLS"),
    "order_imbalance_equity": ("-", "(buy - sell volume submitted) / (buy + sell)"),
    "cpi": ("index, tick 0 = 100", "consumer price index (household basket)"),
    "inflation": ("1/year", "headline CPI inflation, annualised over inflation_window (a quarter)"),
    "core_cpi": ("index, tick 0 = 100", "core price index: the goods price, CPI less commodities"),
    "core_inflation": ("1/year", "core inflation year over year; the central bank's policy measure"),
    "structural_inflation": ("1/year", "base + money growth + velocity change + demand + behaviour"),
    "expected_inflation": ("1/year", "households' expected inflation"),
    "phillips_inflation": ("1/year", "Phillips-curve inflation pi_e + kappa (u* - u)"),
    "policy_rate": ("1/year", "central-bank policy rate"),
    "taylor_rate": ("1/year", "rate prescribed by the Taylor rule"),
    "real_rate": ("1/year", "policy rate minus expected inflation"),
    "money_supply": ("currency", "all deposits M"),
    "money_growth": ("1/year", "measured growth of M, annualised"),
    "money_growth_target": ("1/year", "central bank's money-growth target"),
    "velocity": ("1/year", "V = nominal final sales per year / M"),
    "nominal_output": ("currency/year", "P Y: nominal final sales per year"),
    "output": ("goods/tick", "consumption goods produced by all C-firms"),
    "potential_output": ("goods/tick", "C-firms' output at the natural unemployment rate, in their current "
                         "share of employment, at trend productivity"),
    "output_gap": ("-", "(Y - Y*) / Y*"),
    "unemployment": ("-", "share of households without a job"),
    "wage": ("currency/worker/tick", "employment-weighted mean wage of all firms"),
    "hours": ("-", "employment-weighted mean hours per worker in the last production, relative to "
                   "the standard week (above 1: overtime)"),
    "inventory": ("goods", "C-firms' unsold goods"),
    "gdp": ("currency/tick",
            "expenditure GDP: household consumption (goods + commodities) + investment "
            "+ government purchases + change in inventories (goods, machines, input stocks)"),
    "real_gdp": ("goods/tick", "gdp deflated by the CPI (tick-0 prices)"),
    "consumption": ("currency/tick", "household spending on goods and commodities"),
    "investment": ("currency/tick", "machines delivered to C-firms, at K-firms' prices"),
    "capital": ("machines", "C-firms' installed capital (goods units at tick-0 prices)"),
    "vacancies": ("jobs", "open vacancies after this tick's matching"),
    "vacancy_rate": ("-", "vacancies / (vacancies + employment)"),
    "n_firms": ("firms", "living consumption-goods firms"),
    "n_kfirms": ("firms", "living capital-goods firms"),
    "firm_defaults": ("firms/tick", "firms (C and K) that defaulted this tick"),
    "firm_entries": ("firms/tick", "firms (C and K) that entered this tick"),
    "markup": ("-", "sales-weighted mean markup of C-firms over unit cost"),
    "price_dispersion": ("-", "coefficient of variation of living C-firms' prices"),
    "price_capital": ("currency/machine", "mean price of living K-firms"),
    "input_fill": ("-", "share of C-firms' commodity orders filled (the scarcest input)"),
    "dividends": ("currency/tick", "dividends paid by all firms (the equity's dividend)"),
    "loans": ("currency", "bank loans outstanding to firms"),
    "loan_rate": ("1/year", "loan-weighted mean rate on outstanding loans (policy rate + spreads)"),
    "credit_growth": ("1/year", "annualised log growth of loans over the last year (or since tick 0)"),
    "bank_equity": ("currency", "banks' equity (net worth), all banks"),
    "capital_ratio": ("-", "banks' equity / loans, all banks (0 with no loans)"),
    "bank_failures": ("banks/tick", "banks failed and resolved this tick"),
    "tax_revenue": ("currency/tick", "taxes on wages and on firms' profits"),
    "benefits": ("currency/tick", "unemployment benefits paid"),
    "gov_spending": ("currency/tick", "government purchases of goods"),
    "deficit": ("currency/tick", "purchases + benefits + bond interest - taxes - central-bank profits"),
    "gov_debt": ("currency", "government bonds outstanding (at par)"),
    "bond_yield": ("1/year", "yield on government bonds: policy rate + term premium (lower with QE's bonds)"),
    "cb_bonds": ("currency", "government bonds held by the central bank"),
    "labour_productivity": ("goods/worker/tick", "C-firms' output per worker at full use of their "
                            "workforce: the common level times the allocation's efficiency "
                            "(ArenaModel.allocation_efficiency)"),
    "tightening": ("0/1", "automatic tightening active"),
    "qe": ("0/1", "quantitative easing active"),
    "cb_equity_shares": ("shares", "equity held by the central bank"),
    "gini": ("-", "Gini coefficient of household wealth"),
    "mean_wealth": ("currency", "mean household wealth"),
    "sentiment": ("-", "mean sentiment, 0 = bearish, 1 = bullish"),
    "fear": ("-", "fear index (mean fear)"),
    "greed": ("-", "greed index (mean greed)"),
    "confidence": ("-", "mean confidence / risk appetite"),
    "herding": ("-", "herding factor: order-count imbalance of active traders, EWMA over ~5 ticks"),
    "sentiment_variance": ("-", "variance of sentiment (disagreement)"),
    "volatility_multiplier": ("-", "1 + fear w_f + greed w_g + herding 0.5 + extremity 0.4"),
    "realized_volatility": ("1/tick", "rolling std of equity log returns"),
    "share_fundamentalist": ("-", "share of fundamentalist traders"),
    "share_chartist": ("-", "share of chartists"),
    "share_noise": ("-", "share of noise traders"),
}
for _m in MARKETS:
    COLUMNS[f"price_{_m}"] = ("currency/unit", f"{_m} price after clearing")
    COLUMNS[f"spread_{_m}"] = ("-", f"{_m} relative bid-ask spread (ask - bid) / price")
    COLUMNS[f"depth_bid_{_m}"] = ("units", f"{_m} bid volume within 2% below the price")
    COLUMNS[f"depth_ask_{_m}"] = ("units", f"{_m} ask volume within 2% above the price")
    COLUMNS[f"volume_{_m}"] = ("units/tick", f"{_m} executed volume")
    COLUMNS[f"consumer_surplus_{_m}"] = ("currency/tick", f"{_m} consumer surplus")
    COLUMNS[f"producer_surplus_{_m}"] = ("currency/tick", f"{_m} producer surplus")
    COLUMNS[f"elasticity_{_m}"] = ("-", f"{_m} point price elasticity of the book's demand")
for _r in RESOURCE_NAMES:
    COLUMNS[f"reserves_{_r}"] = ("units", f"{_r} reserves (bank for artificial resources)")
    COLUMNS[f"scarcity_{_r}"] = ("-", f"{_r} scarcity level 1 - reserves/base")
    COLUMNS[f"price_multiplier_{_r}"] = ("-", f"{_r} price multiplier")


def reporters() -> dict:
    """DataCollector model reporters: one per column, reading ``model.current[column]``."""
    return {name: (lambda m, key=name: m.current[key]) for name in COLUMNS}


def collect(collector, current: dict) -> None:
    """Append this tick's indicators to the history of a DataCollector built on :func:`reporters`.

    Stores what ``collector.collect(model)`` stores, without calling the reporters one by
    one: Mesa's ``collect`` calls every reporter and deep-copies its value, 164 calls and
    copies a tick, while every value here is an immutable scalar (``float``, ``int`` or a
    numpy scalar), whose copy is equal to it and of the same type.

    Parameters
    ----------
    collector : mesa.DataCollector
        The model's collector (its ``model_reporters`` are :func:`reporters`).
    current : dict
        This tick's indicator values by column (``model.current``).
    """
    history = collector.model_vars
    for name in collector.model_reporters:
        history[name].append(current[name])
