"""The stylized facts: what is measured, from which source, and how its acceptable range is set.

Each :class:`Fact` names one statistic of :func:`arena.validation.finance.finance_statistics`
or :func:`arena.validation.macro.macro_statistics`. Its acceptable range follows one of two
documented rules:

``"data"``
    The range real data shows in samples as long as the model's: the min-max of the
    statistic over overlapping sub-periods (step a quarter of the window) of the reference
    series (NASDAQ Composite for finance, US 1959-2009 for macro), each sub-period as long
    as the model's series (clipped to [min_window, half the data]). The reference value
    is the statistic over the full data set.
``"sign"``
    No package data set has the series (vacancies, wages, firm sizes, defaults): the range
    is the sign or bound the cited literature documents, e.g. ``(-inf, 0)`` for the slope of
    the Beveridge curve; there is no reference value.
"""

from __future__ import annotations

from dataclasses import dataclass

INF = float("inf")

NASDAQ = "arch.data.nasdaq (NASDAQ Composite daily, 1999-2018)"
MACRODATA = "statsmodels.datasets.macrodata (US quarterly, 1959-2009)"


@dataclass(frozen=True)
class Fact:
    """One stylized fact.

    Parameters
    ----------
    key : str
        Statistic name (the key in the statistics dict).
    group : {"finance", "macro"}
        Which series it is measured on.
    label : str
        What is measured, in words (with the unit).
    source : str
        The literature that documents the fact.
    rule : {"data", "sign"}
        How the acceptable range is set (see the module docstring).
    low, high : float
        The bounds of a ``"sign"`` rule (ignored for ``"data"``).
    """

    key: str
    group: str
    label: str
    source: str
    rule: str = "data"
    low: float = -INF
    high: float = INF

    @property
    def data_source(self) -> str:
        """The package data set that gives the reference value (empty for a sign rule)."""
        if self.rule != "data":
            return ""
        return NASDAQ if self.group == "finance" else MACRODATA


CONT = "Cont (2001)"
FINANCE = (
    Fact("excess_kurtosis", "finance", "excess kurtosis of daily log returns", f"{CONT}, fact 4 heavy tails"),
    Fact("hill_tail_index", "finance", "Hill tail index of |r| (top 5%)", f"{CONT}, fact 4; Hill (1975)"),
    Fact("acf_r_lag1", "finance", "autocorrelation of returns, lag 1", f"{CONT}, fact 1"),
    Fact("acf_r_max_1_10", "finance", "max |autocorrelation| of returns, lags 1-10",
         f"{CONT}, fact 1 no autocorrelation"),
    Fact("acf_abs_lag1", "finance", "autocorrelation of |r|, lag 1", f"{CONT}, fact 8 volatility clustering"),
    Fact("acf_abs_lag10", "finance", "autocorrelation of |r|, lag 10", f"{CONT}, fact 8"),
    Fact("acf_abs_lag50", "finance", "autocorrelation of |r|, lag 50", f"{CONT}, fact 9 slow decay"),
    Fact("acf_abs_decay", "finance", "power-law decay exponent of acf(|r|), lags 1-100",
         f"{CONT}, fact 9 slow decay (0.2-0.4)"),
    Fact("garch_alpha", "finance", "GARCH(1,1) alpha (arch package)", "Bollerslev (1986)"),
    Fact("garch_beta", "finance", "GARCH(1,1) beta (arch package)", "Bollerslev (1986)"),
    Fact("garch_persistence", "finance", "GARCH(1,1) persistence alpha + beta", f"Bollerslev (1986); {CONT}"),
    Fact("leverage", "finance", "leverage: mean corr(r_t, |r_t+k|), k = 1-10", f"{CONT}, fact 10 leverage"),
    Fact("annual_volatility", "finance", "annualised volatility of daily log returns", "NASDAQ data"),
)

SW = "Stock & Watson (1999)"
FAGIOLO = "Fagiolo et al. (2019)"
MACRO = (
    Fact("rel_std_consumption", "macro", "std(C) / std(Y), HP-filtered logs", f"{SW}, table 2"),
    Fact("rel_std_investment", "macro", "std(I) / std(Y), HP-filtered logs", f"{SW}, table 2"),
    Fact("corr_consumption_gdp", "macro", "corr(C, Y), HP-filtered logs", f"{SW}, procyclical consumption"),
    Fact("corr_investment_gdp", "macro", "corr(I, Y), HP-filtered logs", f"{SW}, procyclical investment"),
    Fact("gdp_persistence", "macro", "AR(1) of HP-filtered log real GDP", SW),
    Fact("okun_slope", "macro", "Okun: slope of du on dlog Y (quarterly)", f"Okun (1962); {FAGIOLO}"),
    Fact("price_phillips_slope", "macro", "price Phillips: slope of inflation (1/yr) on u",
         f"Phillips (1958); {FAGIOLO}"),
    Fact("inflation_persistence", "macro", "AR(1) of quarterly inflation", "Fuhrer & Moore (1995)"),
    Fact("unemployment_mean", "macro", "mean unemployment rate", MACRODATA),
    Fact("unemployment_std", "macro", "std of the quarterly unemployment rate", MACRODATA),
    Fact("wage_phillips_slope", "macro", "wage Phillips: slope of wage inflation (1/yr) on u",
         f"Phillips (1958); {FAGIOLO}", rule="sign", high=0.0),
    Fact("beveridge_slope", "macro", "Beveridge: slope of log vacancies on u",
         f"Blanchard & Diamond (1989); {FAGIOLO}", rule="sign", high=0.0),
    Fact("firm_size_skewness", "macro", "skewness of firm sizes (right-skewed)",
         f"Axtell (2001); {FAGIOLO}", rule="sign", low=0.0),
    Fact("default_rate", "macro", "firm defaults per firm and year (firms do exit)",
         f"Delli Gatti et al. (2011); {FAGIOLO}", rule="sign", low=0.0),
)

FACTS = FINANCE + MACRO
BY_KEY = {f.key: f for f in FACTS}
