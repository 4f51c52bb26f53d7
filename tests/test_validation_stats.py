"""The validation statistics recover known values on synthetic series.

Each expected value comes from the process that generated the series (its theory), written
before running: iid normal returns have no excess kurtosis and no autocorrelation; a GARCH(1,1)
fit recovers the simulated alpha and beta; Hill recovers a Pareto index; OLS and AR(1) recover
their coefficients; the HP filter is linear and removes linear trends exactly.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from arena.validation import stats
from arena.validation.finance import finance_statistics
from arena.validation.macro import macro_statistics, to_quarters


def garch_series(n, omega, alpha, beta, seed=0):
    rng = np.random.default_rng(seed)
    s2 = omega / (1 - alpha - beta)
    r = np.empty(n)
    z = rng.standard_normal(n)
    for t in range(n):
        r[t] = np.sqrt(s2) * z[t]
        s2 = omega + alpha * r[t] ** 2 + beta * s2
    return r


def test_iid_normal_has_no_excess_kurtosis_and_no_autocorrelation():
    r = np.random.default_rng(1).normal(0, 0.01, 40_000)
    se = np.sqrt(24 / r.size)  # standard error of the sample excess kurtosis under normality
    assert abs(stats.excess_kurtosis(r)) < 4 * se
    bound = 4 / np.sqrt(r.size)
    assert np.all(np.abs(stats.acf(r, range(1, 11))) < bound)
    assert np.all(np.abs(stats.acf(np.abs(r), range(1, 101))) < bound)
    assert abs(stats.leverage(r)) < bound
    assert stats.annual_volatility(r, 250) == pytest.approx(0.01 * np.sqrt(250), rel=0.02)


def test_student_t_has_the_theoretical_excess_kurtosis():
    nu = 10  # excess kurtosis 6 / (nu - 4) = 1
    r = np.random.default_rng(2).standard_t(nu, 400_000)
    assert stats.excess_kurtosis(r) == pytest.approx(1.0, abs=0.15)


def test_garch_fit_recovers_the_simulated_parameters():
    r = garch_series(8000, 0.02, 0.08, 0.89, seed=3)
    fit = stats.garch11(r / 100)  # scale does not matter: the fit standardises
    assert fit["persistence"] == pytest.approx(0.97, abs=0.015)
    assert fit["alpha"] == pytest.approx(0.08, abs=0.025)
    assert fit["beta"] == pytest.approx(0.89, abs=0.03)
    # clustering: |r| autocorrelated; returns themselves not
    assert stats.acf(np.abs(r), [1])[0] > 0.1
    assert abs(stats.acf(r, [1])[0]) < 4 / np.sqrt(r.size)


def test_garch_fit_of_iid_returns_has_no_persistence_signal():
    fit = stats.garch11(np.random.default_rng(4).standard_normal(5000))
    assert fit["alpha"] < 0.02


def test_hill_recovers_a_pareto_tail_index():
    rng = np.random.default_rng(5)
    alpha = 3.0
    x = (1 - rng.random(100_000)) ** (-1 / alpha) * rng.choice([-1, 1], 100_000)
    k = 0.05 * x.size
    assert stats.hill_tail_index(x, 0.05) == pytest.approx(alpha, abs=4 * alpha / np.sqrt(k))


def test_ar1_and_acf_recover_the_coefficient():
    rng = np.random.default_rng(6)
    phi, n = 0.7, 20_000
    x = np.zeros(n)
    e = rng.standard_normal(n)
    for t in range(1, n):
        x[t] = phi * x[t - 1] + e[t]
    assert stats.ar1(x) == pytest.approx(phi, abs=0.02)
    assert stats.acf(x, [1, 2, 3]) == pytest.approx([phi, phi**2, phi**3], abs=0.03)


def test_decay_exponent_of_an_exact_power_law():
    lags = np.arange(1, 101)
    assert stats.decay_exponent(0.3 * lags**-0.25, lags) == pytest.approx(0.25, abs=1e-12)
    assert np.isnan(stats.decay_exponent(np.zeros(100), lags))  # nothing positive to fit


def test_leverage_sign_when_falls_raise_later_volatility():
    rng = np.random.default_rng(7)
    z = rng.standard_normal(50_000)
    r = np.empty_like(z)
    r[0] = z[0]
    r[1:] = (1 + 1.5 * np.maximum(-z[:-1], 0)) * z[1:]  # volatility rises after a fall
    assert stats.leverage(r, lags=[1]) < -0.2
    assert stats.leverage(-r, lags=[1]) > 0.2


def test_hp_filter_is_linear_and_removes_linear_trends():
    t = np.arange(120, dtype=float)
    s = 0.02 * np.sin(2 * np.pi * t / 20)  # a 5-year cycle
    y = 7.0 + 0.005 * t + s
    c = 6.5 + 0.004 * t + 0.8 * s
    i = 5.0 + 0.006 * t - 3.0 * s
    cy, cc, ci = stats.hp_cycle(y), stats.hp_cycle(c), stats.hp_cycle(i)
    assert stats.relative_std(cc, cy) == pytest.approx(0.8, abs=1e-6)
    assert stats.relative_std(ci, cy) == pytest.approx(3.0, abs=1e-6)
    assert stats.correlation(cc, cy) == pytest.approx(1.0, abs=1e-9)
    assert stats.correlation(ci, cy) == pytest.approx(-1.0, abs=1e-9)
    assert np.allclose(stats.hp_cycle(3.0 + 0.01 * t), 0.0, atol=1e-8)


def test_band_pass_filter_keeps_business_cycles_and_drops_trends():
    t = np.arange(200, dtype=float)
    cycle = np.sin(2 * np.pi * t / 16)  # 16 quarters: inside the 6-32 band
    out = stats.bk_cycle(1.0 + 0.01 * t + cycle)
    assert out.size == 200 - 24
    assert stats.correlation(out, cycle[12:-12]) > 0.99


def test_ols_slope_recovers_the_line():
    rng = np.random.default_rng(8)
    x = rng.random(5000)
    assert stats.ols_slope(2.0 - 0.5 * x + 0.01 * rng.standard_normal(5000), x) == pytest.approx(
        -0.5, abs=0.01
    )


def test_skewness_sign_of_a_lognormal_size_distribution():
    sizes = np.random.default_rng(9).lognormal(0, 1, 20_000)
    assert stats.skewness(sizes) > 2  # lognormal(0, 1): (e + 2) sqrt(e - 1) = 6.2
    assert abs(stats.skewness(np.random.default_rng(10).standard_normal(20_000))) < 0.1


def test_degenerate_inputs_give_nan_not_errors():
    assert np.isnan(stats.excess_kurtosis([1.0, 1.0, 1.0, 1.0]))
    assert np.isnan(stats.hill_tail_index([1.0, 2.0]))
    assert np.isnan(stats.garch11(np.zeros(50))["persistence"])
    assert np.all(np.isnan(stats.acf([1.0], [1])))
    values = finance_statistics(np.zeros(500), 250)
    assert np.isnan(values["excess_kurtosis"]) and np.isnan(values["garch_persistence"])


def test_quarters_average_ticks_and_drop_the_burn_in_and_a_partial_quarter():
    ticks = np.arange(1, 1031)  # 1030 ticks, 250 a year: 62.5 ticks a quarter
    frame = pd.DataFrame(
        {
            "tick": ticks,
            "unemployment": np.where(ticks <= 100, 0.5, 0.05),
            "cpi": 100 * np.exp(0.02 * ticks / 250),
        }
    )
    q, used = to_quarters(frame, 250, burn_in=100)
    assert used["u"] == "unemployment" and used["y"] is None
    assert len(q) == 14  # (1030 - 100) / 62.5 = 14.9 -> 14 complete quarters
    assert np.allclose(q["u"], 0.05)
    inflation = 4 * np.diff(np.log(q["p"]))
    assert np.allclose(inflation, 0.02, rtol=0.05)


def test_okun_and_phillips_slopes_of_constructed_quarters():
    rng = np.random.default_rng(11)
    g = 0.005 + 0.01 * rng.standard_normal(200)
    y = 100 * np.exp(np.cumsum(g))
    u = 0.06 + np.concatenate([[0.0], np.cumsum(-0.4 * (g[1:] - 0.005))])
    p = 100 * np.exp(np.cumsum(np.concatenate([[0.0], (0.05 - 0.5 * u[1:]) / 4])))
    out = macro_statistics(pd.DataFrame({"y": y, "u": u, "p": p}))
    assert out["okun_slope"] == pytest.approx(-0.4, abs=1e-9)
    assert out["price_phillips_slope"] == pytest.approx(-0.5, abs=1e-9)
    assert "rel_std_consumption" not in out  # no consumption series: not measured
