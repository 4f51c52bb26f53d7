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
from arena.sectors.firms import FirmSector, stationary_efficiency


def sector(n: int, **kw) -> FirmSector:
    cfg = ArenaConfig.from_dict({"n_agents": 1000, **kw})
    return FirmSector(cfg, n, price=1.0, wage=0.8, productivity=1.0, workers=np.full(n, 10))


def test_log_efficiency_has_the_stationary_std_mean_one_and_the_yearly_persistence():
    # log e_t = rho log e_{t-1} + s eps, s = sigma sqrt(1 - rho^2), then e * mean(1 / e): after many
    # years its cross-section std is sigma and corr(log e_t, log e_{t+T}) = rho_year
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
    assert (1.0 / firms.efficiency).mean() == pytest.approx(1.0, rel=1e-12)  # relative to the industry
    assert np.corrcoef(before, after)[0, 1] == pytest.approx(rho_year, abs=0.02)
    # the common level grew by productivity_growth a year, whatever the draws
    assert firms.productivity == pytest.approx(1.015 ** 9, rel=1e-9)


def test_tick0_efficiencies_are_drawn_at_the_stationary_spread_with_harmonic_mean_one():
    cfg = ArenaConfig.from_dict({"n_agents": 1000, "productivity_dispersion": 0.3})
    e = stationary_efficiency(cfg, 50_000, np.random.default_rng(3))
    assert np.log(e).std() == pytest.approx(0.3, rel=0.02)
    assert (1.0 / e).mean() == pytest.approx(1.0, rel=1e-12)
    # the process started there stays there: no spread builds up after tick 0
    firms = FirmSector(cfg, 50_000, price=1.0, wage=0.8, productivity=1.0, workers=np.full(50_000, 10),
                       efficiency=e)
    rng = np.random.default_rng(4)
    for _ in range(250):
        firms.grow_productivity(rng)
    assert np.log(firms.efficiency).std() == pytest.approx(0.3, rel=0.02)
    assert (stationary_efficiency(cfg.replace(productivity_dispersion=0.0), 7, rng) == 1.0).all()


def test_the_tick0_economy_makes_the_calibrated_output_at_the_common_price_whatever_the_spread():
    # firms differ in efficiency from tick 0, but each expects the same output (workforce ~ 1 / e) and
    # keeps the calibrated price through its markup: the sector's output is that of identical firms
    same = ArenaModel(n_agents=20_000, seed=5, productivity_dispersion=0.0)
    spread = ArenaModel(n_agents=20_000, seed=5)
    cf = spread.cfirms
    assert np.log(cf.efficiency).std() > 0.1
    assert cf.workers.sum() == same.cfirms.workers.sum()
    assert cf.output.sum() == pytest.approx(same.cfirms.output.sum(), rel=0.01)
    # a firm's workforce falls with its efficiency (expected workers ~ 1 / e)
    assert np.corrcoef(np.log(cf.efficiency), np.log(np.maximum(cf.workers, 1)))[0, 1] < -0.5
    unclipped = cf.markup > spread.config.min_markup
    assert unclipped.mean() > 0.8
    assert np.allclose(cf.price[unclipped], spread.price0, rtol=1e-12)
    assert (cf.price[~unclipped] > spread.price0).all()  # a firm that cannot earn the price posts its cost
    # the more efficient earn more: tick-0 earnings rise with efficiency
    assert np.corrcoef(cf.efficiency, cf.earnings)[0, 1] > 0.5


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
    # so output per worker exceeds the common level (the Olley-Pakes covariance is positive); the
    # labour_productivity indicator reports it (potential output does not: docs/validation.md, session 20)
    assert m.allocation_efficiency() > 1.0


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason=(
    "e0d6be1 + matching_efficiency 0.037: the dispersion adds 1.53 points of inflation over ticks 63-300 on "
    "average (per seed 1.04, 2.36, 2.27, 0.60, 2.68, -0.13, ...; 0.8 allowed): the start-up downswing of the "
    "hours margin (firms make their tick-0 plan with overtime, stock up, then cut hours and prices; "
    "docs/validation.md) is deeper among identical firms"))
def test_the_dispersion_adds_no_start_up_inflation():
    # a cross-section of efficiencies that does not change over time has no reason to move the price
    # level: the baseline's inflation over ticks 63-300 (its [expected.inflation_level] window) with the
    # dispersion should match that of identical firms up to noise (seed-to-seed std of the difference
    # ~0.6 points). With every firm starting at efficiency 1 the spread built up over the first years
    # and, normalised to mean 1, raised the mean unit labour cost (mean 1 / e = exp(sigma^2) at the
    # stationary spread): +1.36 points on 8 of 8 seeds (session 19, 50d577d)
    diffs = []
    for seed in range(1, 9):
        arms = []
        for dispersion in (0.2, 0.0):
            model = ArenaModel(n_agents=20_000, seed=seed, productivity_dispersion=dispersion)
            for _ in range(300):
                model.step()
            arms.append(model.indicators().inflation.iloc[63:300].mean())
        diffs.append(arms[0] - arms[1])
    assert abs(np.mean(diffs)) < 0.008, np.round(diffs, 4)
