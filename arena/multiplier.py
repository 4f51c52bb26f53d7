"""The fiscal multiplier of a run against its control on the same seed.

Cumulative multiplier (Ramey 2019, sec. 2; Ramey & Zubairy 2018): the cumulative change of
real GDP over a horizon divided by the cumulative change of real government purchases over
the same horizon, both measured against the same seed without the fiscal shock::

    m(h) = sum_{t=s}^{s+h} (Y_t - Y^c_t) / sum_{t=s}^{s+h} (G_t - G^c_t)

with real values = nominal / (CPI / 100 x tick-0 goods price), i.e. ``real_gdp`` and
``gov_spending`` deflated the same way. Using the measured change of purchases (not the
announced one) counts only what the government actually bought.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def real_purchases(indicators: pd.DataFrame) -> pd.Series:
    """Government purchases deflated like ``real_gdp`` (goods/tick at tick-0 prices)."""
    deflator = indicators["gdp"] / indicators["real_gdp"]
    return indicators["gov_spending"] / deflator


def cumulative_multiplier(treated: pd.DataFrame, control: pd.DataFrame, start: int, end: int) -> float:
    """Cumulative real multiplier over ticks ``start``..``end`` (inclusive) of two indicator frames.

    Parameters
    ----------
    treated, control : pandas.DataFrame
        Indicators indexed by tick (``ArenaModel.indicators()`` or one seed of a batch).
    start, end : int
        Horizon (ticks).

    Returns
    -------
    float
        ``sum dY / sum dG`` (dimensionless); NaN when purchases did not change.
    """
    t, c = treated.loc[start:end], control.loc[start:end]
    d_gdp = float((t["real_gdp"] - c["real_gdp"]).sum())
    d_g = float((real_purchases(t) - real_purchases(c)).sum())
    return d_gdp / d_g if abs(d_g) > 1e-12 else float("nan")


def multipliers(runs: dict[str, pd.DataFrame], treatment: str, control: str, start: int,
                end: int) -> pd.Series:
    """Per-seed cumulative multipliers from an experiment's runs (``ExperimentResult.runs``)."""
    out = {}
    tr = {s: g.set_index("tick") for s, g in runs[treatment].groupby("seed")}
    co = {s: g.set_index("tick") for s, g in runs[control].groupby("seed")}
    for seed in sorted(tr):
        out[int(seed)] = cumulative_multiplier(tr[seed], co[seed], start, end)
    return pd.Series(out, name="multiplier", dtype=float).rename_axis("seed")


def share_of_output(indicators: pd.DataFrame, start: int, end: int) -> float:
    """Mean government purchases over mean GDP in a window (the size of a shock in GDP terms)."""
    w = indicators.loc[start:end]
    return float(np.mean(w["gov_spending"]) / np.mean(w["gdp"]))
