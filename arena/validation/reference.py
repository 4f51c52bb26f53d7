"""Real-data references, computed at run time from data sets that ship in packages.

- Finance: the NASDAQ Composite's daily adjusted close, 1999-2018 (``arch.data.nasdaq``);
  the S&P 500 over the same years (``arch.data.sp500``) is kept out of sample: its value
  is reported next to the range the NASDAQ gives, never used to set it.
- Macro: US quarterly data 1959Q1-2009Q3 (``statsmodels.datasets.macrodata``): real GDP,
  real consumption, real investment, CPI, unemployment (percent -> share).

Nothing here is a hard-coded number: the reference value is the statistic over the full
data set; the acceptable range is the min-max over sub-periods as long as the model's sample
(:mod:`arena.validation.facts`, rule ``"data"``).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from arena.validation import stats
from arena.validation.finance import finance_statistics
from arena.validation.macro import macro_statistics

#: Shortest sub-period (returns, quarters) over which a range is computed.
MIN_WINDOW = {"finance": 250, "macro": 24}


@lru_cache(maxsize=4)
def daily_index(name: str = "nasdaq") -> tuple[np.ndarray, float]:
    """Daily log returns of an index in ``arch.data`` and its trading days per year (from its dates)."""
    import importlib

    data = importlib.import_module(f"arch.data.{name}").load()
    price = data["Adj Close"].astype(float)
    returns = stats.log_returns(price.to_numpy())
    years = (price.index[-1] - price.index[0]).days / 365.25
    return returns, returns.size / years


@lru_cache(maxsize=1)
def us_quarters() -> pd.DataFrame:
    """US quarterly macro series (macrodata) in the columns of :func:`arena.validation.macro.to_quarters`."""
    import statsmodels.api as sm

    d = sm.datasets.macrodata.load_pandas().data
    return pd.DataFrame({"y": d["realgdp"], "c": d["realcons"], "i": d["realinv"],
                         "p": d["cpi"], "u": d["unemp"] / 100.0})


def windows(n: int, length: int) -> list[slice]:
    """Overlapping sub-periods of ``length`` over ``n`` points, stepping a quarter of the length."""
    step = max(1, length // 4)
    return [slice(s, s + length) for s in range(0, n - length + 1, step)]


def window_length(group: str, model_length: int | None, n_data: int) -> int:
    """Return the sub-period length: the model's sample length clipped to [MIN_WINDOW, n_data // 2]."""
    lo, hi = MIN_WINDOW[group], n_data // 2
    return int(np.clip(model_length if model_length else hi, lo, hi))


def _summarise(full: dict, parts: list[dict], length: int, n_windows: int) -> pd.DataFrame:
    rows = []
    for key, value in full.items():
        values = np.array([p.get(key, np.nan) for p in parts], dtype=float)
        values = values[np.isfinite(values)]
        rows.append({"fact": key, "data": value,
                     "low": values.min() if values.size else np.nan,
                     "high": values.max() if values.size else np.nan,
                     "data_std": values.std(ddof=1) if values.size > 1 else np.nan,
                     "window": length, "n_windows": n_windows})
    return pd.DataFrame(rows).set_index("fact")


@lru_cache(maxsize=16)
def finance_reference(model_length: int | None = None) -> pd.DataFrame:
    """Measure the reference value and sub-period range of every finance fact on the NASDAQ Composite.

    Parameters
    ----------
    model_length : int, optional
        Number of model returns per seed; sets the sub-period length.

    Returns
    -------
    DataFrame
        Index = fact; columns ``data`` (full sample), ``low``, ``high`` (min-max over
        sub-periods), ``data_std`` (their std: the MSM weight of :mod:`arena.calibration`),
        ``window``, ``n_windows`` and ``out_of_sample`` (S&P 500, full sample).
    """
    r, per_year = daily_index("nasdaq")
    length = window_length("finance", model_length, r.size)
    cuts = windows(r.size, length)
    table = _summarise(finance_statistics(r, per_year), [finance_statistics(r[w], per_year) for w in cuts],
                       length, len(cuts))
    sp, sp_year = daily_index("sp500")
    table["out_of_sample"] = pd.Series(finance_statistics(sp, sp_year))
    return table


@lru_cache(maxsize=16)
def macro_reference(model_quarters: int | None = None, filter: str = "hp") -> pd.DataFrame:
    """Measure the reference value and sub-period range of every macro fact macrodata can measure.

    Sub-periods are filtered on their own (as a model run is), so the range includes the
    HP filter's end-point effects at the model's sample length. Columns as
    :func:`finance_reference` (``out_of_sample`` is ``nan``: no second macro data set ships).
    """
    q = us_quarters()
    length = window_length("macro", model_quarters, len(q))
    cuts = windows(len(q), length)
    parts = [macro_statistics(q.iloc[w].reset_index(drop=True), filter) for w in cuts]
    table = _summarise(macro_statistics(q, filter), parts, length, len(cuts))
    table["out_of_sample"] = np.nan
    return table
