"""Monetary policy and the macroeconomy inside the model (issue 4).

Formula tests (Taylor rule, Phillips curve, annualisation) live in test_monetary_formulas.py.
"""

import numpy as np
import pytest

from arena import ArenaModel

N = 5_000


def run(ticks, shocks=(), **overrides):
    model = ArenaModel(n_agents=N, seed=overrides.pop("seed", 3), check_accounting=True, **overrides)
    plan = {t: (k, s) for t, k, s in shocks}
    for t in range(ticks):
        if t in plan:
            model.apply_shock(*plan[t])
        model.step()
    return model


@pytest.fixture(scope="module")
def money_growth_runs():
    # seeds 1-3 (seed 3 alone until d84a2b2, where 10 points of money growth added 1.7 points of inflation
    # on it and 2.5-3.1 on seeds 1, 2 and 4)
    return {g: [run(750, monetary_regime="money_growth", money_growth=g, seed=s) for s in (1, 2, 3)]
            for g in (0.0, 0.1, 0.3)}


# a non-strict xfail from economy v2 until the tick-0 steady state (0344ab8), where it holds: mean
# inflation over ticks 250-750 (seed 3, 5,000 households) 0.020 at 0%, 0.046 at 10% and 0.058 at 30%
# money growth (median growth 0.222 at 30%: the tightening above 10% inflation stops it at times);
# 10 points more money growth add 2.6 points of inflation (velocity falls), against 1.1 before
@pytest.mark.xdist_group("money_growth_runs")  # one worker builds the module fixture
@pytest.mark.xfail(strict=True, reason=(
    "b9292a8 (the wage rule's tightness reads unemployment): mean inflation over ticks 250-750 (seeds 1-3, "
    "5,000 households) 1.48% at 0% and 2.56% at 10% money growth, +1.1 points (with the tightness on "
    "vacancies alone, the hours branch: 1.58% and 4.62%, +3.0): above the natural rate of 5% the "
    "unemployment gap holds wages back, and at this size unemployment runs at 7-9%; at 20,000 households "
    "inflation_spiral's 38 more points of money growth add 6.7 points (docs/scenarios.md)"))
def test_faster_money_growth_gives_higher_average_inflation(money_growth_runs):
    mean = {g: np.mean([m.indicators().inflation.loc[250:].mean() for m in runs])
            for g, runs in money_growth_runs.items()}
    assert mean[0.0] < mean[0.1] < mean[0.3]
    assert mean[0.1] - mean[0.0] > 0.02


def test_money_growth_rule_delivers_its_target():
    """Without interventions, the central bank's transfers deliver the money-growth rule.

    Bank credit creates and destroys money too; the rule keeps the stock on its path by
    transferring (or levying) the gap each tick (arena.monetary.CentralBank.money_rule_transfer).
    """
    # interventions switched off: the law is the rule's, and QE's purchases or a tightening's cut in
    # money growth would add to or take from the stock what the rule does not (until 4831364 the window
    # was cut at the first intervention, which came at tick 363 at b9292a8 and at 257 there)
    model = run(400, monetary_regime="money_growth", money_growth=0.05, qe_rate=0.0, tightening_threshold=5.0,
                deflation_threshold=-1.0)
    df = model.indicators()
    assert not ((df.tightening > 0) | (df.qe > 0)).any()
    assert df.money_growth.loc[100:].median() == pytest.approx(0.05, abs=0.01)


def test_automatic_tightening_fires_above_threshold():
    """Tightening fires on the tick core inflation crosses its threshold, and moves the rate and money.

    The law does not depend on the threshold's level, so the run sets it at 6%: 30% money growth no
    longer takes core inflation above 10% within 750 ticks (9.95% at its peak since oil from installed
    wells, seed 3, 5,000 households), the known shortfall of inflation against money growth that
    test_faster_money_growth_gives_higher_average_inflation records."""
    model = run(750, monetary_regime="money_growth", money_growth=0.3, tightening_threshold=0.06)
    df = model.indicators()
    assert df.core_inflation.max() > model.config.tightening_threshold
    events = model.events("monetary_tightening")
    assert len(events) >= 1
    first = int(events.tick.iloc[0])
    # fires when core inflation (year over year, the policy measure) crosses the threshold,
    # and moves rate up and money growth down
    core, threshold = df.core_inflation, model.config.tightening_threshold
    assert core.loc[first] > threshold
    assert core.loc[: first - 1].max() <= threshold or first == df.index[0]
    assert df.policy_rate.loc[first] >= df.policy_rate.loc[first - 1] + model.config.tightening_step * 0.99
    assert df.money_growth_target.loc[first] <= 0.0 < model.config.money_growth
    assert (df.tightening.loc[first:first + 5] == 1).all()


def test_quantitative_easing_fires_under_deflation():
    """A levy of 30% of deposits brings deflation and the zero lower bound, and QE buys bonds.

    Passes since branch defl (structural inflation as the growth of M V; before, the levy raised
    expected inflation and core inflation never turned negative). Measured, seed 3, 5,000
    households: QE from tick 114 with core inflation -1.3%, the rate at 3.3% and the rule at -2.0%
    (the rate's path a year ahead 0.2%); before branch qe, which needed the rate itself at the
    floor, from tick 215 with core inflation -4.3% and the rate at 0.19%. QE in bonds buys from
    banks: it creates reserves, not deposits, so the money stock is not asserted to rise.
    """
    model = run(400, shocks=[(100, "money", -0.3)])
    df = model.indicators()
    events = model.events("quantitative_easing")
    assert len(events) >= 1
    first = int(events.tick.iloc[0])
    assert df.core_inflation.loc[first] < model.config.deflation_threshold
    # conventional policy exhausted: the rate, or its path a year ahead (smoothing towards the
    # rule), within the trigger's band of the zero lower bound (docs/model.md 8.3)
    cfg = model.config
    decay = cfg.rate_smoothing ** cfg.ticks_per_year
    before = df.policy_rate.loc[first - 1]
    path = decay * before + (1 - decay) * df.taylor_rate.loc[first]
    assert min(before, path) <= 0.0025
    assert df.cb_bonds.loc[first + 20] > df.cb_bonds.loc[first]  # the central bank bought bonds


def test_zero_lower_bound_can_be_switched_off():
    # passes since branch defl (was an xfail: lowest policy rate 0.032 with the bound switched off);
    # measured there: lowest rate 0.0 with the bound, -0.021 without. A deposit loss of 50%: from the
    # tick-0 steady state (0344ab8) the 30% loss brought the rate down to 1.2% by tick 300, not to
    # the bound (before, the start-up's slump added to it); with 50%: 0.0 with the bound, -0.8% without
    # at d84a2b2 (the stationary efficiency start) seed 3's slump took the rule to 0.37% only, seeds 1, 2, 4
    # and 5 to -1.5% to -2.4%: the bound holds on every seed, and without it the rate goes below zero
    # wherever the slump is deep enough
    lowest = []
    for seed in (1, 2, 3):
        on = run(300, shocks=[(100, "money", -0.5)], seed=seed).indicators()
        off = run(300, shocks=[(100, "money", -0.5)], zero_lower_bound=False, seed=seed).indicators()
        assert on.policy_rate.min() >= 0.0
        assert off.policy_rate.min() >= ArenaModel(n_agents=10).config.min_policy_rate
        lowest.append(off.policy_rate.min())
    assert sum(rate < 0.0 for rate in lowest) >= 2, lowest


def test_rate_shock_raises_rate_and_cools_the_economy():
    # passes on branch econ (was an xfail: inflation after the hike 0.124 vs 0.091 in the control)
    base = run(300).indicators()
    hike = run(300, shocks=[(100, "rate", 0.1)]).indicators()
    window = slice(101, 250)
    assert hike.policy_rate.loc[101] > base.policy_rate.loc[101] + 0.05
    assert hike.real_rate.loc[window].mean() > base.real_rate.loc[window].mean()
    # money is endogenous now (no liquidity-effect target): the hike reaches firms through loan rates
    assert hike.loan_rate.loc[window].mean() > base.loan_rate.loc[window].mean()
    assert hike.inflation.loc[window].mean() < base.inflation.loc[window].mean()


def test_quantity_equation_holds_as_identity():
    df = run(200).indicators()
    mv = df.money_supply * df.velocity
    py = df.nominal_output
    np.testing.assert_allclose(mv.to_numpy(), py.to_numpy(), rtol=1e-9)


def test_unemployment_moves_with_goods_demand():
    """Firms fire when sales fall: a levy on deposits cuts demand and raises unemployment.

    Expected before running (a monetary contraction lowers output and raises unemployment:
    Friedman & Schwartz 1963; Christiano, Eichenbaum & Evans 1999): over ticks 110-200 after a levy
    of 30% of deposits at tick 100, output is lower than the same seed's control on every seed, and
    unemployment is higher on most seeds, by more than a point in the median. Measured over seeds
    1-8 at d66f2ad (int5): output -7.0% to -8.8% on 8/8 seeds; unemployment +3.1 to +5.8 points on
    7/8, and -0.4 points on seed 3, the seed this test used alone until then (why seed 3 differs is
    not measured). The test runs seeds 1-6.
    """
    seeds = range(1, 7)
    window = slice(110, 200)
    output_change, unemployment_change = [], []
    for seed in seeds:
        base = run(250, seed=seed).indicators()
        squeezed = run(250, seed=seed, shocks=[(100, "money", -0.3)]).indicators()
        output_change.append(squeezed.output.loc[window].mean() / base.output.loc[window].mean() - 1)
        unemployment_change.append(squeezed.unemployment.loc[window].mean()
                                   - base.unemployment.loc[window].mean())
    assert max(output_change) < 0, output_change
    assert np.median(unemployment_change) > 0.01, unemployment_change
    assert sum(change > 0 for change in unemployment_change) >= 5, unemployment_change


def test_phillips_curve_is_estimable_from_the_output():
    """Wage inflation falls as unemployment rises: the slope fitted on a run is negative."""
    model = run(1500, seed=5)
    df = model.indicators()
    wage_growth = np.log(df.wage).diff(63) * model.config.ticks_per_year / 63
    both = np.column_stack([df.unemployment.to_numpy(), wage_growth.to_numpy()])[100:]
    both = both[np.isfinite(both).all(axis=1)]
    slope = np.polyfit(both[:, 0], both[:, 1], 1)[0]
    assert slope < 0


def test_long_run_has_no_nan_and_bounded_rates():
    model = ArenaModel(n_agents=2_000, seed=9, check_accounting=True)
    for _ in range(5_000):
        model.step()
    df = model.indicators()
    assert np.isfinite(df.to_numpy(dtype=float)).all()
    cfg = model.config
    assert df.policy_rate.between(0.0, cfg.max_policy_rate).all()
    assert (df.cpi > 0).all() and (df.money_supply > 0).all()
    assert df.unemployment.between(0.0, 1.0).all()


@pytest.mark.parametrize("rate, base, shock", [(0.03, 0.01, 0.02), (0.01, -0.03, 0.0), (0.05, 0.06, -0.04)])
def test_expected_mean_rate_is_the_mean_of_the_rule_path(rate, base, shock):
    """The closed form of the long rate under ``long_rate_expectation = "rule"`` is the mean of the
    path the smoothing rule takes (target ``base`` plus a shock decaying by RATE_SHOCK_DECAY),
    each step clipped at the floor: the expectations hypothesis along the rule."""
    from arena.config import ArenaConfig
    from arena.monetary import RATE_SHOCK_DECAY, CentralBank

    cfg = ArenaConfig()
    cb = CentralBank(cfg)
    cb.policy_rate = rate
    i, path = rate, []
    for k in range(1, cfg.ticks_per_year + 1):
        i = cfg.rate_smoothing * i + (1 - cfg.rate_smoothing) * (base + shock * RATE_SHOCK_DECAY ** (k - 1))
        path.append(min(max(i, 0.0), cfg.max_policy_rate))
    assert cb.expected_mean_rate(base, shock, 0.0) == pytest.approx(np.mean(path), rel=1e-9, abs=1e-12)


def test_rule_long_rate_turns_before_the_policy_rate():
    """With the rule expectation the long rate falls below the policy rate as soon as the target
    is below it (markets price the coming cuts), and above it when the target is above."""
    from arena.config import ArenaConfig
    from arena.monetary import CentralBank

    cb = CentralBank(ArenaConfig())
    cb.policy_rate = 0.05
    assert cb.expected_mean_rate(0.02, 0.0, 0.0) < cb.policy_rate
    assert cb.expected_mean_rate(0.08, 0.0, 0.0) > cb.policy_rate
