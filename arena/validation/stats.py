"""Statistics of the stylized facts: pure functions over 1-d arrays.

The same functions measure the model and the real data (:mod:`arena.validation.reference`),
so a difference between the two is a difference of series, never of method. Every function
returns ``nan`` rather than raising when its input is too short or degenerate, so a table
can report "not measurable" instead of failing.

References
----------
Cont, R. (2001). Empirical properties of asset returns: stylized facts and statistical
issues. Quantitative Finance 1(2), 223-236.
Hill, B. M. (1975). A simple general approach to inference about the tail of a distribution.
Annals of Statistics 3(5), 1163-1174.
Hodrick, R. J., Prescott, E. C. (1997). Postwar U.S. business cycles. JMCB 29(1), 1-16.
Bollerslev, T. (1986). Generalized autoregressive conditional heteroskedasticity. Journal of
Econometrics 31(3), 307-327.
"""

from __future__ import annotations

import warnings

import numpy as np

NAN = float("nan")


def _clean(x) -> np.ndarray:
    a = np.asarray(x, dtype=float).ravel()
    return a[np.isfinite(a)]


def log_returns(prices) -> np.ndarray:
    """Log returns ``log(p_t / p_{t-1})`` of a positive price series (non-positive prices dropped)."""
    p = np.asarray(prices, dtype=float).ravel()
    p = p[np.isfinite(p) & (p > 0)]
    return np.diff(np.log(p)) if p.size > 1 else np.empty(0)


def excess_kurtosis(x) -> float:
    """Sample excess kurtosis ``m4 / m2^2 - 3`` (0 for a normal distribution)."""
    a = _clean(x)
    if a.size < 4:
        return NAN
    d = a - a.mean()
    m2 = np.mean(d * d)
    return float(np.mean(d**4) / m2**2 - 3.0) if m2 > 0 else NAN


def acf(x, lags) -> np.ndarray:
    """Sample autocorrelation at each lag in ``lags`` (the standard biased estimator, Box-Jenkins).

    ``rho(k) = sum_{t} (x_t - m)(x_{t+k} - m) / sum_t (x_t - m)^2``; ``nan`` for lags >= n.
    """
    a = _clean(x)
    lags = np.atleast_1d(np.asarray(lags, dtype=int))
    out = np.full(lags.shape, NAN)
    if a.size < 3:
        return out
    d = a - a.mean()
    denom = float(d @ d)
    if denom <= 0:
        return out
    for i, k in enumerate(lags):
        if 0 <= k < a.size:
            out[i] = float(d[: a.size - k] @ d[k:]) / denom
    return out


def decay_exponent(correlations, lags) -> float:
    """Exponent ``beta`` of a power-law decay ``rho(k) ~ A k^-beta`` fitted by OLS in logs.

    Only positive correlations enter the fit; ``nan`` if fewer than 10 are positive.
    Cont (2001) reports ``beta`` in [0.2, 0.4] for ``|r|`` of stock indices.
    """
    rho = np.asarray(correlations, dtype=float)
    k = np.asarray(lags, dtype=float)
    keep = np.isfinite(rho) & (rho > 0) & (k > 0)
    if keep.sum() < 10:
        return NAN
    slope = np.polyfit(np.log(k[keep]), np.log(rho[keep]), 1)[0]
    return float(-slope)


def leverage(returns, lags=range(1, 11)) -> float:
    """Mean over ``lags`` of ``corr(r_t, |r_{t+k}|)``: negative when falls raise later volatility.

    Cont (2001), fact 10 (measured there with squared returns; absolute returns are less
    dominated by single extreme days).
    """
    r = _clean(returns)
    values = []
    for k in lags:
        if 0 < k < r.size - 2:
            a, b = r[:-k], np.abs(r[k:])
            if a.std() > 0 and b.std() > 0:
                values.append(np.corrcoef(a, b)[0, 1])
    return float(np.mean(values)) if values else NAN


def annual_volatility(returns, periods_per_year: float) -> float:
    """Return the standard deviation of per-period log returns times ``sqrt(periods_per_year)``."""
    r = _clean(returns)
    return float(r.std(ddof=1) * np.sqrt(periods_per_year)) if r.size > 1 else NAN


def hill_tail_index(x, tail_fraction: float = 0.05) -> float:
    """Hill (1975) estimate of the tail index alpha of ``|x|`` from its largest ``tail_fraction``.

    ``alpha = 1 / mean(log(X_(i) / X_(k+1)))`` over the ``k`` largest values. A Pareto tail
    ``P(X > x) ~ x^-alpha`` gives back ``alpha``; Cont (2001) reports 2-5 for daily returns.
    """
    a = np.sort(np.abs(_clean(x)))[::-1]
    k = int(np.floor(tail_fraction * a.size))
    if k < 5 or a[k] <= 0:
        return NAN
    mean_log = float(np.mean(np.log(a[:k] / a[k])))
    return 1.0 / mean_log if mean_log > 0 else NAN


def garch11(returns) -> dict[str, float]:
    """Fit a GARCH(1,1) with constant mean and normal errors (Bollerslev 1986) by ML, ``arch`` package.

    Returns are standardised to unit variance first (alpha and beta do not depend on scale).

    Returns
    -------
    dict
        ``alpha``, ``beta`` and ``persistence`` = alpha + beta (real daily indices: 0.95-0.99);
        ``nan`` values if fewer than 100 returns or the optimiser fails.
    """
    from arch import arch_model

    r = _clean(returns)
    out = {"alpha": NAN, "beta": NAN, "persistence": NAN}
    if r.size < 100 or r.std() <= 0:
        return out
    z = (r - r.mean()) / r.std()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            res = arch_model(z, mean="Constant", vol="GARCH", p=1, q=1, dist="normal",
                             rescale=False).fit(disp="off", show_warning=False)
        except (ValueError, np.linalg.LinAlgError):  # pragma: no cover - optimiser failure
            return out
    alpha, beta = float(res.params["alpha[1]"]), float(res.params["beta[1]"])
    return {"alpha": alpha, "beta": beta, "persistence": alpha + beta}


def hp_cycle(x, lamb: float = 1600.0) -> np.ndarray:
    """Cyclical component of the Hodrick-Prescott filter (statsmodels), lambda 1600 for quarters."""
    from statsmodels.tsa.filters.hp_filter import hpfilter

    a = np.asarray(x, dtype=float)
    if a.size < 8 or not np.all(np.isfinite(a)):
        return np.full(a.shape, NAN)
    cycle, _ = hpfilter(a, lamb=lamb)
    return np.asarray(cycle, dtype=float)


def bk_cycle(x, low: int = 6, high: int = 32, k: int = 12) -> np.ndarray:
    """Baxter-King band-pass cycle (6-32 quarters, K = 12; statsmodels); loses ``k`` points each end."""
    from statsmodels.tsa.filters.bk_filter import bkfilter

    a = np.asarray(x, dtype=float)
    if a.size < 2 * k + 8 or not np.all(np.isfinite(a)):
        return np.full(max(a.size - 2 * k, 0), NAN)
    return np.asarray(bkfilter(a, low=low, high=high, K=k), dtype=float).ravel()


def relative_std(x, y) -> float:
    """``std(x) / std(y)`` over pairs where both are finite."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    keep = np.isfinite(x) & np.isfinite(y)
    if keep.sum() < 3 or np.std(y[keep]) <= 0:
        return NAN
    return float(np.std(x[keep]) / np.std(y[keep]))


def correlation(x, y) -> float:
    """Pearson correlation over pairs where both are finite."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    keep = np.isfinite(x) & np.isfinite(y)
    if keep.sum() < 3 or np.std(x[keep]) <= 0 or np.std(y[keep]) <= 0:
        return NAN
    return float(np.corrcoef(x[keep], y[keep])[0, 1])


def ols_slope(y, x) -> float:
    """Slope ``b`` of the least-squares line ``y = a + b x`` over finite pairs."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    keep = np.isfinite(x) & np.isfinite(y)
    if keep.sum() < 3 or np.var(x[keep]) <= 0:
        return NAN
    xs, ys = x[keep] - x[keep].mean(), y[keep] - y[keep].mean()
    return float(xs @ ys / (xs @ xs))


def ar1(x) -> float:
    """AR(1) coefficient: OLS slope of ``x_t`` on ``x_{t-1}`` (with a constant)."""
    a = np.asarray(x, dtype=float)
    return ols_slope(a[1:], a[:-1]) if a.size > 3 else NAN


def skewness(x) -> float:
    """Sample skewness ``m3 / m2^1.5`` (> 0: right-skewed, e.g. firm sizes; Axtell 2001)."""
    a = _clean(x)
    if a.size < 3:
        return NAN
    d = a - a.mean()
    m2 = np.mean(d * d)
    return float(np.mean(d**3) / m2**1.5) if m2 > 0 else NAN
