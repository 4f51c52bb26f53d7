"""Structural stochastic volatility: what the regime contrast of FW (2012) must produce.

The equity market's fat tails and volatility clustering come from the population switching between
a calm, fundamentalist-dominated regime and a turbulent, chartist-dominated one (Franke & Westerhoff
2012). With Gaussian news, r_t = sigma(n_t) eps_t, so the excess kurtosis is
3 (E[sigma^4] / E[sigma^2]^2 - 1): the tails and the clustering are bounded by the contrast between
the regimes' volatilities (docs/validation.md, "Regime contrast"). The tests check the statistic
against that law on a synthetic mixture, that a larger contrast sigma_c / sigma_f gives fatter tails
and stronger clustering in FW's equations, and that in the economy the clustering needs the switching
(an ablation with the strategy shares frozen).
"""

import functools
import importlib.util
from pathlib import Path

import numpy as np
import pytest

from arena import ArenaModel
from arena.validation import stats

ROOT = Path(__file__).resolve().parents[1]


def test_kurtosis_of_a_regime_mixture_follows_the_law():
    """Excess kurtosis of a two-regime Gaussian mixture is 3 (E s^4 / (E s^2)^2 - 1)."""
    rng = np.random.default_rng(7)
    n = 400_000
    for share, ratio in ((0.2, 2.4), (0.1, 4.0), (0.5, 2.75)):
        turbulent = rng.random(n) < share
        sigma = np.where(turbulent, ratio, 1.0)
        r = sigma * rng.standard_normal(n)
        law = 3.0 * ((share * ratio**4 + 1 - share) / (share * ratio**2 + 1 - share) ** 2 - 1.0)
        assert stats.excess_kurtosis(r) == pytest.approx(law, rel=0.08)


def _fw_returns(seed: int, sigma_f: float, sigma_c: float, days: int = 3000) -> np.ndarray:
    """FW (2012) DCA-HPM alone (``scripts/fw_alone.py``'s ``simulate``) with FW's other estimates:
    the log returns after the first 400 of ``days`` daily prices."""
    spec = importlib.util.spec_from_file_location("fw_alone", ROOT / "scripts" / "fw_alone.py")
    fw_alone = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(fw_alone)
    return fw_alone.simulate(seed, days - 401, burn_in=401, sigma_f=sigma_f, sigma_c=sigma_c)


def test_a_larger_regime_contrast_fattens_tails_and_lengthens_clustering():
    """FW's equations: sigma_c / sigma_f = 6 against FW's 2.75, same news, on every seed."""
    for seed in (1, 2, 3):
        fw = _fw_returns(seed, 0.758, 2.087)
        wide = _fw_returns(seed, 0.5, 3.0)
        assert stats.excess_kurtosis(wide) > stats.excess_kurtosis(fw) + 1.0
        acf_fw = stats.acf(np.abs(fw), np.arange(5, 16)).mean()
        acf_wide = stats.acf(np.abs(wide), np.arange(5, 16)).mean()
        assert acf_wide > acf_fw + 0.05


@functools.cache
def _switching_facts(seed: int, switching: bool) -> tuple[float, float]:
    """Mean acf of |r| at lags 5-15 and excess kurtosis of daily returns (3,000 households, ticks
    251-1500)."""
    over = {} if switching else {"switching_rate": 0.0}
    model = ArenaModel(n_agents=3000, seed=seed, **over)
    for _ in range(1500):
        model.step()
    r = np.diff(np.log(model.indicators().price_equity.to_numpy()))[250:]
    return stats.acf(np.abs(r), np.arange(5, 16)).mean(), stats.excess_kurtosis(r)


@pytest.mark.slow
@pytest.mark.xdist_group("switching_ablation")
def test_volatility_clustering_needs_strategy_switching():
    """Ablation: with the strategy shares frozen (switching_rate 0) |r| clusters less, on every seed."""
    for seed in range(1, 9):
        acf_on, _ = _switching_facts(seed, True)
        acf_off, _ = _switching_facts(seed, False)
        assert acf_on > acf_off + 0.05, (seed, acf_on, acf_off)


@pytest.mark.slow
@pytest.mark.xdist_group("switching_ablation")
def test_strategy_switching_fattens_the_tails():
    """Ablation: with switching the tails are fatter on the median seed (excess kurtosis gain > 0.5).
    Seeds 1-8: a 1,250-day kurtosis of 3,000 households is noisy (at a430b26 seeds 1-3 alone give gains
    -0.99, 0.06, 2.34; seeds 1-8 a median of 1.56, 7 of 8 positive). It failed from 0344ab8 (0.44, 5 of 8)
    until e6b8e66 (0.59; per seed -0.32, 0.64, 0.38, 0.70, 0.55, 2.86, 3.08, 0.27)."""
    gain = [_switching_facts(seed, True)[1] - _switching_facts(seed, False)[1] for seed in range(1, 9)]
    assert np.median(gain) > 0.5, np.round(gain, 2)
