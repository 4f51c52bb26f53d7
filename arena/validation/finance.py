"""Finance statistics of a daily return series (Cont 2001), the same for model and data."""

from __future__ import annotations

import numpy as np

from arena.validation import stats

#: Lags of the |r| autocorrelation whose power-law decay is fitted (Cont 2001: up to ~100 days).
ABS_LAGS = np.arange(1, 101)


def finance_statistics(returns, periods_per_year: float) -> dict[str, float]:
    """Every finance statistic of :data:`arena.validation.facts.FINANCE` for one return series.

    Parameters
    ----------
    returns : array_like
        Daily (per-tick) log returns.
    periods_per_year : float
        Returns per year (250 ticks for the model; trading days per year for data).

    Returns
    -------
    dict of str to float
        Keyed by fact; ``nan`` where the series is too short for the statistic.
    """
    r = np.asarray(returns, dtype=float)
    r = r[np.isfinite(r)]
    acf_r = stats.acf(r, np.arange(1, 11))
    acf_abs = stats.acf(np.abs(r), ABS_LAGS)
    garch = stats.garch11(r)
    return {
        "excess_kurtosis": stats.excess_kurtosis(r),
        "hill_tail_index": stats.hill_tail_index(r),
        "acf_r_lag1": float(acf_r[0]),
        "acf_r_max_1_10": float(np.nanmax(np.abs(acf_r))) if np.isfinite(acf_r).any() else float("nan"),
        "acf_abs_lag1": float(acf_abs[0]),
        "acf_abs_lag10": float(acf_abs[9]),
        "acf_abs_lag50": float(acf_abs[49]),
        "acf_abs_decay": stats.decay_exponent(acf_abs, ABS_LAGS),
        "garch_alpha": garch["alpha"],
        "garch_beta": garch["beta"],
        "garch_persistence": garch["persistence"],
        "leverage": stats.leverage(r),
        "annual_volatility": stats.annual_volatility(r, periods_per_year),
    }
