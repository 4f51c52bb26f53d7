"""Firms' own efficiency: the AR(1) process, selection by the goods market, old checkpoints.

Expected outcomes come from the process's known answer (a log-AR(1)'s stationary moments) and from
the plant-level evidence that more productive firms are larger (Bartelsman, Haltiwanger & Scarpetta
2013: the size-productivity covariance is positive in every US industry) and that losing money ends
in exit (Foster, Haltiwanger & Syverson 2008: exiting plants are the less productive).
"""

from __future__ import annotations

import numpy as np
import pytest

from arena import ArenaModel
from arena.config import ArenaConfig
from arena.sectors.firms import FirmSector


def sector(n: int, **kw) -> FirmSector:
    cfg = ArenaConfig.from_dict({"n_agents": 1000, **kw})
    return FirmSector(cfg, n, price=1.0, wage=0.8, productivity=1.0, workers=np.full(n, 10))


def test_log_efficiency_has_the_stationary_std_mean_one_and_the_yearly_persistence():
    # log e_t = c + rho (log e_{t-1} - c) + s eps, c = -sigma^2/2, s = sigma sqrt(1 - rho^2), then
    # e / mean(e): after many years its cross-section std is sigma and corr(log e_t, log e_{t+T}) = rho_year
    sigma, rho_year, tpy = 0.2, 0.8, 250
    firms = sector(20_000, productivity_dispersion=sigma, productivity_persistence=rho_year)
    rng = np.random.default_rng(7)
    for _ in range(8 * tpy):
        firms.grow_productivity(rng)
    before = np.log(firms.efficiency)
    for _ in range(tpy):
        firms.grow_productivity(rng)
    after = np.log(firms.efficiency)
    assert after.std() == pytest.approx(sigma, rel=0.03)
    assert firms.efficiency.mean() == pytest.approx(1.0, rel=1e-12)  # relative to the industry
    assert np.corrcoef(before, after)[0, 1] == pytest.approx(rho_year, abs=0.02)
    # the common level grew by productivity_growth a year, whatever the draws
    assert firms.productivity == pytest.approx(1.015 ** 9, rel=1e-9)


def test_no_dispersion_keeps_firms_identical_and_dead_slots_keep_their_efficiency():
    firms = sector(50, productivity_dispersion=0.0)
    firms.grow_productivity(np.random.default_rng(1))
    assert (firms.efficiency == 1.0).all()
    firms = sector(50, productivity_dispersion=0.3)
    firms.alive[:10] = False
    firms.efficiency[:10] = 0.7
    firms.grow_productivity(np.random.default_rng(1))
    assert (firms.efficiency[:10] == 0.7).all() and (firms.efficiency[10:] != 1.0).all()


def test_a_checkpoint_written_before_the_per_firm_arrays_gets_neutral_ones():
    firms = sector(5)
    del firms.__dict__["efficiency"], firms.__dict__["tax_loss"]
    assert (firms.efficiency == 1.0).all() and (firms.tax_loss == 0.0).all()
    assert (firms.firm_productivity == firms.productivity).all()
    with pytest.raises(AttributeError):
        firms.no_such_array  # noqa: B018


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_more_efficient_firms_sell_more(seed):
    # nothing assigns customers by efficiency: it lowers unit cost and price, and households searching
    # for cheaper shops move the sales (Bartelsman et al. 2013's positive size-productivity covariance)
    m = ArenaModel(n_agents=5000, seed=seed)
    for _ in range(750):
        m.step()
    cf = m.cfirms
    live = cf.alive
    assert np.corrcoef(np.log(cf.efficiency[live]), cf.expected_demand[live])[0, 1] > 0.2
