"""Outcome metrics of scenarios: ``<prefix><column>`` over a window of a run's indicators.

Part of :mod:`arena.scenarios` (which re-exports these names): :data:`METRICS` (the prefixes and
their functions), :data:`DERIVED` (series computed from indicator columns, usable like columns)
and the parser of a metric name.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import pandas as pd

from arena import indicators as ind
from arena.events import EVENT_TYPES


def _runup(x: np.ndarray) -> float:
    return float(np.max(x / np.minimum.accumulate(x) - 1.0)) if x.size else 0.0


def _recovery(x: np.ndarray) -> float:
    if not x.size:
        return 0.0
    low = int(np.argmin(x))
    back = np.flatnonzero(x[low:] >= x[0])
    return float(low + back[0]) if back.size else float(x.size)


#: metric prefix -> (meaning, function of the window's series). ``<prefix><column>``, where the column
#: is an indicator column or a :data:`DERIVED` series;
#: the drawdown/run-up metrics take a market (``max_drawdown_equity`` reads ``price_equity``).
METRICS: dict[str, tuple[str, Callable[[np.ndarray], float]]] = {
    "max_drawdown_": ("largest peak-to-trough fall of price_<market>, 1 - p/max", ind.max_drawdown),
    "max_runup_": ("largest trough-to-peak rise of price_<market>, p/min - 1", _runup),
    "peak_": ("maximum of the column", lambda x: float(np.max(x))),
    "trough_": ("minimum of the column", lambda x: float(np.min(x))),
    "final_": ("value at the window's last tick", lambda x: float(x[-1])),
    "mean_": ("mean over the window", lambda x: float(np.mean(x))),
    "change_": ("last / first - 1 over the window", lambda x: float(x[-1] / x[0] - 1.0)),
    "rise_": ("max / first - 1 over the window", lambda x: float(np.max(x) / x[0] - 1.0)),
    "fall_": ("1 - min / first over the window", lambda x: float(1.0 - np.min(x) / x[0])),
    "ticks_to_peak_": ("ticks from the window's start to its maximum", lambda x: float(np.argmax(x))),
    "ticks_to_trough_": ("ticks from the window's start to its minimum", lambda x: float(np.argmin(x))),
    "recovery_": ("ticks from the window's start until the column is back at its starting level after "
                  "its trough (censored: the window's length if it never is)", _recovery),
    "events_": ("number of events of that type in the window", len),
}


#: Derived series usable in metrics like indicator columns: name -> (meaning, function of the indicators).
DERIVED: dict[str, tuple[str, Callable[[pd.DataFrame], pd.Series]]] = {
    "mispricing_equity": ("price_equity / fundamental_equity - 1: premium over the fundamental value",
                          lambda df: df["price_equity"] / df["fundamental_equity"] - 1.0),
    "loan_spread": ("loan_rate - policy_rate: the mean premium of bank loans over the policy rate",
                    lambda df: df["loan_rate"] - df["policy_rate"]),
    "inflation_12m": ("cpi / cpi 250 ticks earlier - 1 (since tick 0 within the first 250 ticks): headline "
                      "inflation over twelve months at the default 250 ticks a year, the rate statistical "
                      "offices publish; ``inflation`` annualises a quarter (63 ticks), which turns a step in "
                      "the price level into about four times its size while it lasts",
                      lambda df: df["cpi"] / df["cpi"].shift(250).fillna(df["cpi"].iloc[0]) - 1.0),
    "volatility_equity_annual": ("realized_volatility * sqrt(250): annualised equity volatility at the "
                                 "default 250 ticks a year",
                                 lambda df: df["realized_volatility"] * np.sqrt(250.0)),
}


def _series(indicators: pd.DataFrame, column: str) -> pd.Series:
    return DERIVED[column][1](indicators) if column in DERIVED else indicators[column]


def _parse_metric(metric: str) -> tuple[str, str]:
    """Split a metric name into (prefix, indicator column or event type); raise ValueError."""
    for prefix in METRICS:
        if metric.startswith(prefix):
            rest = metric[len(prefix):]
            if prefix == "events_":
                if rest not in EVENT_TYPES:
                    raise ValueError(f"unknown event type {rest!r}; event types: {', '.join(EVENT_TYPES)}")
                return prefix, rest
            if prefix in ("max_drawdown_", "max_runup_"):
                if rest not in ind.MARKETS:
                    raise ValueError(f"unknown market {rest!r}; markets: {', '.join(ind.MARKETS)}")
                return prefix, f"price_{rest}"
            if (rest not in ind.COLUMNS and rest not in DERIVED) or rest == "tick":
                raise ValueError(f"unknown indicator column {rest!r} (columns are listed in docs/model.md; "
                                 f"derived series: {', '.join(DERIVED)})")
            return prefix, rest
    raise ValueError(f"unknown metric {metric!r}; a metric is <prefix><column> with prefix one of "
                     + ", ".join(METRICS))
