"""Monetary formulas (Taylor rule, Phillips curve, rate conversions) and measured inflation."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from arena import ArenaConfig
from arena.monetary import (
    CentralBank,
    annualise,
    inflation_over,
    per_tick,
    phillips_inflation,
    structural_inflation,
    taylor_rate,
)


def test_taylor_rule_by_hand():
    # Taylor (1993): i = r* + pi + 0.5 (pi - pi*) + 0.5 gap
    # 0.02 + 0.04 + 0.5 * 0.02 + 0.5 * 0.01 = 0.075
    assert taylor_rate(0.04, 0.01, 0.02, 0.02) == pytest.approx(0.075, abs=1e-15)
    # at target and zero gap the rule gives the neutral nominal rate r* + pi*
    assert taylor_rate(0.02, 0.0, 0.02, 0.02) == pytest.approx(0.04, abs=1e-15)
    # deflation and a negative gap: 0.02 - 0.01 + 0.5 * -0.03 + 0.5 * -0.04 = -0.025
    assert taylor_rate(-0.01, -0.04, 0.02, 0.02) == pytest.approx(-0.025, abs=1e-15)
    # custom coefficients: 0.01 + 0.10 + 1.5 * 0.08 + 1.0 * 0.02 = 0.25
    assert taylor_rate(0.10, 0.02, 0.01, 0.02, inflation_coef=1.5, output_coef=1.0) == pytest.approx(0.25)


@given(st.floats(-0.5, 1.0), st.floats(-0.5, 0.5), st.floats(0, 5), st.floats(0, 5))
def test_taylor_principle(pi, gap, a, b):
    # the nominal rate moves more than one for one with inflation (slope 1 + a)
    d = 0.01
    rise = taylor_rate(pi + d, gap, 0.02, 0.02, a, b) - taylor_rate(pi, gap, 0.02, 0.02, a, b)
    assert rise == pytest.approx((1 + a) * d, abs=1e-12)


def test_phillips_curve_by_hand():
    # pi = pi_e + kappa (u* - u): 0.02 + 0.5 * (0.05 - 0.07) = 0.01
    assert phillips_inflation(0.02, 0.07, 0.05, 0.5) == pytest.approx(0.01, abs=1e-15)
    # at the NAIRU, inflation equals expectations whatever the slope
    assert phillips_inflation(0.03, 0.05, 0.05, 7.0) == pytest.approx(0.03, abs=1e-15)
    # low unemployment raises inflation: 0.02 + 2 * 0.03 = 0.08
    assert phillips_inflation(0.02, 0.02, 0.05, 2.0) == pytest.approx(0.08, abs=1e-15)


def test_annualise_and_per_tick_by_hand():
    # (1 + 0.0001)^250 - 1
    assert annualise(0.0001, 250) == pytest.approx(1.0001 ** 250 - 1, rel=1e-12)
    # (1.05)^(1/250) - 1
    assert per_tick(0.05, 250) == pytest.approx(1.05 ** (1 / 250) - 1, rel=1e-12)
    assert per_tick(0.0, 250) == 0.0 and annualise(0.0, 250) == 0.0
    assert annualise(0.01, 1) == pytest.approx(0.01, rel=1e-15)
    # compounding: a per-tick rate annualises to more than T times itself
    assert annualise(0.001, 250) > 0.25
    # the floors keep -100% rates finite
    assert math.isfinite(per_tick(-1.0, 250)) and per_tick(-1.0, 250) > -1.0
    assert math.isfinite(annualise(-2.0, 250)) and annualise(-2.0, 250) >= -1.0


@given(st.floats(-0.9, 2.0), st.integers(1, 10_000))
def test_per_tick_and_annualise_are_inverse(rate, ticks):
    assert annualise(per_tick(rate, ticks), ticks) == pytest.approx(rate, rel=1e-9, abs=1e-12)


def test_structural_inflation_is_the_specification_sum():
    # base + (nominal-spending growth - base) + demand pressure + behavioural term, where money
    # growth and velocity change combine as the growth of M V: (1.03)(0.99) - 1 = 0.0197
    assert structural_inflation(0.02, 0.03, -0.01, 0.005, 0.002) == pytest.approx(0.0267, abs=1e-15)
    assert structural_inflation(0.02, 0.02, 0.0, 0.0, 0.0) == pytest.approx(0.02, abs=1e-15)
    # small moves: the sum of the two rates to first order
    assert structural_inflation(0.02, 0.001, 0.002, 0.0, 0.0) == pytest.approx(0.003, abs=1e-5)


def test_a_levy_that_leaves_spending_unchanged_adds_no_structural_inflation():
    # 20% of the money stock taken while spending is unchanged: V rises by 1/0.8 = 25%.
    # Annualised over a 63-tick window (T = 250) the two rates are -59% and +142%; their sum
    # would read +83% of inflationary pressure, the growth of M V is zero
    cfg = ArenaConfig(n_agents=10, inflation_window=63)
    cb = CentralBank(cfg)
    for t in range(64):
        money = 100.0 if t < 63 else 80.0
        _, _, g_m, g_v = cb.measure(100.0, 100.0, money, 1.0 * 100.0 / money)
    assert g_m == pytest.approx(0.8 ** (250 / 63) - 1, rel=1e-12)
    assert g_v == pytest.approx(1.25 ** (250 / 63) - 1, rel=1e-12)
    assert g_m + g_v > 0.8
    assert structural_inflation(0.02, g_m, g_v, 0.0, 0.0) == pytest.approx(0.0, abs=1e-12)


def test_measured_inflation_of_a_constant_growth_path():
    # CPI growing at 5% a year, money at 3%, velocity flat: the measured annualised rates
    # over the window are exactly those rates
    cfg = ArenaConfig(n_agents=10, inflation_window=20)
    cb = CentralBank(cfg)
    T = cfg.ticks_per_year
    for t in range(100):
        cpi, money = 100.0 * 1.05 ** (t / T), 1e6 * 1.03 ** (t / T)
        inflation, core, money_growth, velocity_change = cb.measure(cpi, cpi, money, 2.0)
    assert inflation == pytest.approx(0.05, rel=1e-9)
    assert money_growth == pytest.approx(0.03, rel=1e-9)
    assert velocity_change == pytest.approx(0.0, abs=1e-12)


def test_measured_inflation_starts_from_a_steady_history():
    # the first measurement sees a window as if prices had grown at the target before tick 0
    cfg = ArenaConfig(
        n_agents=10, base_inflation_rate=0.02, money_growth=0.04, monetary_regime="money_growth"
    )
    cb = CentralBank(cfg)
    inflation, core, money_growth, velocity_change = cb.measure(100.0, 100.0, 1e6, 2.0)
    assert inflation == pytest.approx(0.02, rel=1e-9)
    assert core == pytest.approx(0.02, rel=1e-9)
    assert money_growth == pytest.approx(0.04, rel=1e-9)
    assert velocity_change == 0.0


@given(st.floats(-0.5, 1.0), st.floats(-0.5, 0.5), st.floats(0.0, 0.3), st.booleans())
def test_policy_rate_respects_its_floor_and_ceiling(inflation, gap, unemployment, zlb):
    cfg = ArenaConfig(n_agents=10, zero_lower_bound=zlb, rate_smoothing=0.0)
    cb = CentralBank(cfg)
    decision = cb.decide(0.3, inflation, 0.02, 0.0, gap, unemployment, 0.0)
    floor = 0.0 if zlb else cfg.min_policy_rate
    assert floor <= decision.policy_rate <= cfg.max_policy_rate
    # without smoothing and inside the bounds, the policy rate is the Taylor rate (+ tightening step)
    rule = taylor_rate(inflation, gap, cfg.neutral_real_rate, cfg.base_inflation_rate,
                       cfg.taylor_inflation_coef, cfg.taylor_output_coef)
    assert decision.taylor_rate == pytest.approx(rule, abs=1e-15)
    desired = rule + (cfg.tightening_step if decision.tightening else 0.0)
    if floor < desired < cfg.max_policy_rate and not decision.tightening:
        assert decision.policy_rate == pytest.approx(desired, abs=1e-12)


def test_core_inflation_is_year_over_year_on_a_path_with_a_known_annual_rate():
    # core prices grow 4% a year with a one-off 6% level jump at tick 100; the year-over-year
    # rate is 4% before the jump, (1.04 * 1.06) - 1 for exactly one year after it, then 4% again,
    # while the quarter-annualised measure of the same jump is (1.06)^(T/w)-scaled
    cfg = ArenaConfig(n_agents=10, base_inflation_rate=0.04)
    cb = CentralBank(cfg)
    T = cfg.ticks_per_year
    core_path = {}
    for t in range(3 * T):
        level = 100.0 * 1.04 ** (t / T) * (1.06 if t >= 100 else 1.0)
        _, core_path[t], _, _ = cb.measure(level, level, 1e6, 2.0)
    assert core_path[99] == pytest.approx(0.04, rel=1e-9)
    assert core_path[100] == pytest.approx(1.04 * 1.06 - 1, rel=1e-9)
    assert core_path[100 + T - 1] == pytest.approx(1.04 * 1.06 - 1, rel=1e-9)
    assert core_path[100 + T] == pytest.approx(0.04, rel=1e-9)
    assert inflation_over([100.0, 105.0], 1) == pytest.approx(0.05, rel=1e-12)
    assert inflation_over([100.0] + [0.0] * 3, T) < 0  # a collapse is negative and finite


def test_policy_responds_to_core_not_headline_inflation():
    # a headline spike with flat core leaves the Taylor rate and the tightening trigger alone
    cfg = ArenaConfig(n_agents=10, rate_smoothing=0.0)
    calm, spike = CentralBank(cfg), CentralBank(cfg)
    d_calm = calm.decide(0.02, 0.02, 0.02, 0.0, 0.0, 0.05, 0.0)
    d_spike = spike.decide(0.40, 0.02, 0.02, 0.0, 0.0, 0.05, 0.0)
    assert d_spike.taylor_rate == d_calm.taylor_rate and not d_spike.tightening
    d_core = CentralBank(cfg).decide(0.02, 0.15, 0.02, 0.0, 0.0, 0.05, 0.0)
    assert d_core.tightening and d_core.taylor_rate > d_calm.taylor_rate
