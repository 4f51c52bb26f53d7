"""Short-term reversal: noise traders who lean against the last return make it negatively autocorrelated.

Daily index returns reverse slightly at a one-day horizon (NASDAQ 1999-2018: -0.03 at lag 1, negative in
every sub-period of a model run's length; arena.validation), because those who absorb order-flow
imbalances are paid by the reversal (Campbell, Grossman & Wang 1993; Nagel 2012). ``noise_reversal``
(kappa_n) makes Arena's noise traders expect that share of the last return to revert. Expected before
running, from the auction (the price moves by the depth-weighted mean of the active traders' reservation
returns, noise traders about a third of the depth): the lag-1 autocorrelation of returns falls by roughly
kappa_n / 3 against the same seeds without it. Measured against the same seeds with kappa_n = 0 (common
random numbers); the views themselves are checked where the code sets them.
"""

import functools

import numpy as np
import pytest

from arena import ArenaConfig, ArenaModel
from arena.errors import ConfigError
from arena.markets.equity import TradingContext, expected_returns
from arena.population import NOISE, Population
from arena.validation import stats

#: The default (arena.config), measured in docs/validation.md ("Short-term reversal").
KAPPA = ArenaConfig().noise_reversal


@functools.cache
def _lag1(seed: int, kappa: float) -> float:
    """Lag-1 autocorrelation of equity log returns over ticks 251-1500 (3,000 households)."""
    model = ArenaModel(n_agents=3000, seed=seed, noise_reversal=kappa)
    for _ in range(1500):
        model.step()
    price = model.indicators().price_equity.to_numpy()[250:]
    return float(stats.acf(np.diff(np.log(price)), [1])[0])


def test_default_is_positive():
    assert KAPPA > 0


@pytest.mark.slow
@pytest.mark.xdist_group("noise_reversal")
def test_reversal_lowers_the_lag1_autocorrelation():
    """On the median of seeds 1-6 the lag-1 autocorrelation is lower with the reversal than without by at
    least kappa_n / 10 (a tenth of the expected kappa_n / 3, so that seed noise of about 0.03 per seed
    cannot make it), and lower on at least five of six seeds."""
    on = np.array([_lag1(seed, KAPPA) for seed in range(1, 7)])
    off = np.array([_lag1(seed, 0.0) for seed in range(1, 7)])
    assert np.median(on - off) < -KAPPA / 10, (np.round(on, 3), np.round(off, 3))
    assert np.sum(on < off) >= 5, (np.round(on, 3), np.round(off, 3))


def _views(kappa: float, last_return: float) -> tuple[np.ndarray, np.ndarray]:
    pop = Population(ArenaConfig(n_agents=400), np.random.default_rng(0))
    ctx = TradingContext(price=10.0, fundamental=10.0, last_return=last_return, noise_scale=1.0,
                         sentiment_weight=0.4, impact=0.014, reversion=0.5, extrapolation=0.8,
                         fundamentalist_noise=0.22, chartist_noise=2.087, noise_sigma=0.01, dispersion=0.004,
                         activity=1.0, elasticity=5.0, rebalancing=0.0005, noise_reversal=kappa)
    views = expected_returns(pop, np.arange(pop.n), ctx, np.random.default_rng(1))
    return views, pop.strategy == NOISE


def test_only_noise_traders_lean_against_the_last_return():
    """With the same draws, kappa_n shifts noise traders' views by -kappa_n * r and no one else's."""
    base, noise = _views(0.0, 0.02)
    leaning, _ = _views(0.3, 0.02)
    assert noise.any() and (~noise).any()
    np.testing.assert_allclose(leaning[noise] - base[noise], -0.3 * 0.02, atol=1e-12)
    np.testing.assert_array_equal(leaning[~noise], base[~noise])


@pytest.mark.parametrize("value", [-0.1, 1.5])
def test_out_of_range_is_refused(value):
    with pytest.raises(ConfigError, match="noise_reversal"):
        ArenaConfig(noise_reversal=value)
