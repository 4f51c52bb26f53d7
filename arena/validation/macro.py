"""Macro statistics on quarterly series (Stock & Watson 1999), the same for model and data.

The model ticks daily (``ticks_per_year`` = 250 by default); :func:`to_quarters` averages
each quarter (``ticks_per_year / 4`` ticks) after a burn-in, so model and US data are
compared at the same frequency. Flows are averaged per tick (quarters of 62 and 63 ticks
would otherwise alternate in size), levels are quarterly means.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from arena.validation import stats

#: Quarterly series -> model indicator columns, in order of preference.
SOURCES: dict[str, tuple[str, ...]] = {
    "y": ("real_gdp", "output"),
    "c": ("real_consumption", "consumption"),
    "i": ("real_investment", "investment"),
    "u": ("unemployment",),
    "p": ("cpi",),
    "w": ("wage",),
    "v": ("vacancies",),
    "defaults": ("firm_defaults",),
    "n_firms": ("n_firms",),
}
#: Series that are nominal when their unit is a currency: deflated by the GDP deflator or the CPI.
REAL = ("y", "c", "i")
#: Firm-level columns that measure a firm's size, in order of preference (``model.firms_frame()``).
SIZE_COLUMNS = ("employees", "workers", "labour", "output", "production", "sales", "capital")

#: Which quarterly series each macro statistic needs.
NEEDS: dict[str, tuple[str, ...]] = {
    "rel_std_consumption": ("y", "c"), "rel_std_investment": ("y", "i"),
    "corr_consumption_gdp": ("y", "c"), "corr_investment_gdp": ("y", "i"),
    "gdp_persistence": ("y",), "okun_slope": ("y", "u"), "price_phillips_slope": ("p", "u"),
    "inflation_persistence": ("p",), "unemployment_mean": ("u",), "unemployment_std": ("u",),
    "wage_phillips_slope": ("w", "u"), "beveridge_slope": ("v", "u"),
    "default_rate": ("defaults", "n_firms"),
}


def _unit(column: str) -> str:
    from arena.indicators import COLUMNS

    return COLUMNS.get(column, ("", ""))[0]


def to_quarters(frame: pd.DataFrame, ticks_per_year: int = 250,
                burn_in: int = 0) -> tuple[pd.DataFrame, dict]:
    """Quarterly means of the macro series of one run's indicator frame.

    Parameters
    ----------
    frame : DataFrame
        One run's indicators, one row per tick (a ``tick`` column or index).
    ticks_per_year : int, default 250
        Ticks per year of the run's configuration; a quarter is ``ticks_per_year / 4`` ticks.
    burn_in : int, default 0
        Ticks dropped at the start (the transient from the initial state).

    Returns
    -------
    quarters : DataFrame
        Columns among ``y c i u p w v defaults n_firms`` (see :data:`SOURCES`), one row per
        complete quarter; real series deflated when the indicator is nominal.
    used : dict
        Series -> the indicator column used, or ``None`` if no column was found.
    """
    ticks = frame["tick"].to_numpy() if "tick" in frame else np.arange(1, len(frame) + 1)
    keep = ticks > burn_in
    data = frame.loc[keep]
    quarter = np.floor((ticks[keep] - burn_in - 1) * 4 / ticks_per_year).astype(int)
    used = {k: next((c for c in cols if c in frame), None) for k, cols in SOURCES.items()}
    columns = {k: data[c].to_numpy(dtype=float) for k, c in used.items() if c is not None}
    deflator = None
    if "gdp" in frame and "real_gdp" in frame:
        deflator = (data["gdp"] / data["real_gdp"].where(data["real_gdp"] > 0)).to_numpy(dtype=float)
    elif "cpi" in frame:
        deflator = data["cpi"].to_numpy(dtype=float) / 100.0
    for k in REAL:
        if k in columns and "currency" in _unit(used[k]) and deflator is not None:
            columns[k] = columns[k] / deflator
    q = pd.DataFrame(columns).assign(quarter=quarter)
    counts = q.groupby("quarter").size()
    full = counts.index[counts >= np.floor(ticks_per_year / 4)]  # drop an incomplete last quarter
    q = q.groupby("quarter").mean().loc[full].reset_index(drop=True)
    if "defaults" in q:  # a count per tick -> per quarter
        q["defaults"] = q["defaults"] * ticks_per_year / 4
    return q, used


def _log(x: pd.Series) -> np.ndarray:
    a = x.to_numpy(dtype=float)
    return np.where(a > 0, np.log(np.where(a > 0, a, 1.0)), np.nan)


def _cycle(x: np.ndarray, method: str) -> np.ndarray:
    if not np.all(np.isfinite(x)):
        return np.full(x.shape, np.nan)
    return stats.hp_cycle(x) if method == "hp" else stats.bk_cycle(x)


def macro_statistics(quarters: pd.DataFrame, filter: str = "hp") -> dict[str, float]:
    """Every quarterly macro statistic that the available series allow.

    Parameters
    ----------
    quarters : DataFrame
        Quarterly series ``y`` (real GDP), ``c``, ``i`` (real), ``u`` (rate, 0-1), ``p``
        (price level), ``w`` (nominal wage), ``v`` (vacancies), ``defaults`` (per quarter),
        ``n_firms``; any may be missing.
    filter : {"hp", "bk"}, default "hp"
        Hodrick-Prescott (lambda 1600) or Baxter-King (6-32 quarters) cycle of the logs.

    Returns
    -------
    dict of str to float
        Keyed by fact (:data:`arena.validation.facts.MACRO`); a statistic whose series are
        missing is absent (see :data:`NEEDS`).
    """
    if filter not in ("hp", "bk"):
        raise ValueError(f"The 'filter' parameter must be one of 'hp', 'bk'. Got {filter!r} instead.")
    q = quarters
    out: dict[str, float] = {}
    has = set(q.columns)
    cyc = {k: _cycle(_log(q[k]), filter) for k in ("y", "c", "i") if k in has}
    if "y" in cyc:
        out["gdp_persistence"] = stats.ar1(cyc["y"])
        for k, name in (("c", "consumption"), ("i", "investment")):
            if k in cyc:
                out[f"rel_std_{name}"] = stats.relative_std(cyc[k], cyc["y"])
                out[f"corr_{name}_gdp"] = stats.correlation(cyc[k], cyc["y"])
    if {"y", "u"} <= has:
        out["okun_slope"] = stats.ols_slope(np.diff(q["u"].to_numpy(float)), np.diff(_log(q["y"])))
    if "p" in has:
        inflation = 4.0 * np.diff(_log(q["p"]))
        out["inflation_persistence"] = stats.ar1(inflation)
        if "u" in has:
            out["price_phillips_slope"] = stats.ols_slope(inflation, q["u"].to_numpy(float)[1:])
    if "u" in has:
        u = q["u"].to_numpy(float)
        out["unemployment_mean"] = float(np.mean(u)) if u.size else np.nan
        out["unemployment_std"] = float(np.std(u, ddof=1)) if u.size > 1 else np.nan
    if {"w", "u"} <= has:
        wage_inflation = 4.0 * np.diff(_log(q["w"]))
        out["wage_phillips_slope"] = stats.ols_slope(wage_inflation, q["u"].to_numpy(float)[1:])
    if {"v", "u"} <= has:
        out["beveridge_slope"] = stats.ols_slope(_log(q["v"]), q["u"].to_numpy(float))
    if {"defaults", "n_firms"} <= has:
        firms = q["n_firms"].to_numpy(float).mean()
        years = len(q) / 4
        out["default_rate"] = float(q["defaults"].sum() / firms / years) if firms > 0 and years else np.nan
    return out


def firm_size_skewness(firms: pd.DataFrame) -> tuple[float, str | None]:
    """Skewness of firm sizes in one ``model.firms_frame()``; returns (value, column used)."""
    column = next((c for c in SIZE_COLUMNS if c in firms), None)
    if column is None:
        return float("nan"), None
    return stats.skewness(firms[column].to_numpy(float)), column
