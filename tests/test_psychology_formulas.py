"""Psychology formulas: volatility multiplier, herding factor, shocks and aggregation on small populations."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from arena import ArenaConfig
from arena.population import Population
from arena.psychology import (
    Psychology,
    aggregate,
    crowd_side,
    herd_probability,
    herding_factor,
    imitation,
    volatility_multiplier,
)

unit = st.floats(0.0, 1.0)


def test_volatility_multiplier_by_hand():
    # 1 + fear w_f + greed w_g + herding 0.5 + |s - 0.5| * 2 * 0.4
    # = 1 + 0.5 * 0.3 + 0.2 * 0.3 + 0.4 * 0.5 + 0.6 * 0.4 = 1.65
    assert volatility_multiplier(0.5, 0.2, 0.4, 0.8, 0.3, 0.3) == pytest.approx(1.65, abs=1e-15)
    # extremity is symmetric around neutral sentiment
    assert volatility_multiplier(0.5, 0.2, 0.4, 0.2, 0.3, 0.3) == pytest.approx(1.65, abs=1e-15)
    # a calm neutral market: 1 + 0.2 * 0.3 + 0.2 * 0.3 = 1.12
    assert volatility_multiplier(0.2, 0.2, 0.0, 0.5, 0.3, 0.3) == pytest.approx(1.12, abs=1e-15)
    # every index at its maximum with the specification's weights: 1 + 0.3 + 0.3 + 0.5 + 0.4
    assert volatility_multiplier(1.0, 1.0, 1.0, 1.0, 0.3, 0.3) == pytest.approx(2.5, abs=1e-15)
    # custom herding and extremity weights
    assert volatility_multiplier(0.0, 0.0, 1.0, 0.0, 0.3, 0.3, herding_weight=0.2,
                                 extremity_weight=1.0) == pytest.approx(2.2, abs=1e-15)


@given(unit, unit, unit, unit)
def test_volatility_multiplier_with_zero_weights_is_exactly_one(fear, greed, herding, sentiment):
    assert volatility_multiplier(fear, greed, herding, sentiment, 0.0, 0.0, 0.0, 0.0) == 1.0


@given(unit, unit, unit, unit, unit, unit, unit, unit)
def test_volatility_multiplier_is_bounded(fear, greed, herding, sentiment, wf, wg, wh, we):
    vm = volatility_multiplier(fear, greed, herding, sentiment, wf, wg, wh, we)
    assert 1.0 <= vm <= 1.0 + wf + wg + wh + we + 1e-12


def test_herding_factor_by_hand():
    assert herding_factor(30, 10) == pytest.approx(0.5)
    assert herding_factor(10, 30) == pytest.approx(0.5)
    assert herding_factor(5, 0) == 1.0
    assert herding_factor(7, 7) == 0.0
    assert herding_factor(0, 0) == 0.0


@given(st.integers(0, 10**6), st.integers(0, 10**6))
def test_herding_factor_in_unit_interval(n_buy, n_sell):
    assert 0.0 <= herding_factor(n_buy, n_sell) <= 1.0


def _population(n=4, **overrides):
    cfg = ArenaConfig(n_agents=n, seed=1, **overrides)
    return cfg, Population(cfg, np.random.default_rng(1))


def test_aggregate_by_hand():
    cfg, pop = _population(4)
    pop.sentiment[:] = [0.1, 0.5, 0.7, 0.9]
    pop.fear[:] = [0.0, 0.2, 0.4, 0.6]
    pop.greed[:] = [0.5, 0.5, 0.5, 0.5]
    pop.confidence[:] = [1.0, 0.0, 1.0, 0.0]
    ind = aggregate(pop, 0.25, cfg)
    assert ind.sentiment == pytest.approx(0.55, abs=1e-7)
    assert ind.fear == pytest.approx(0.3, abs=1e-7)
    assert ind.greed == pytest.approx(0.5, abs=1e-7)
    assert ind.confidence == pytest.approx(0.5, abs=1e-7)
    assert ind.herding == 0.25
    assert ind.sentiment_variance == pytest.approx(np.var([0.1, 0.5, 0.7, 0.9]), abs=1e-7)
    assert ind.optimists == pytest.approx((2 + 0.5) / 4)  # the neutral agent counts half
    assert ind.vol_multiplier == pytest.approx(
        volatility_multiplier(0.3, 0.5, 0.25, 0.55, cfg.fear_weight, cfg.greed_weight,
                              cfg.herding_weight, cfg.extremity_weight), abs=1e-7)


def test_panic_and_euphoria_shocks_by_hand():
    cfg, pop = _population(2)
    psy = Psychology(cfg)
    pop.fear[:] = [0.2, 0.6]
    pop.sentiment[:] = [0.5, 0.8]
    pop.greed[:] = [0.2, 0.4]
    pop.confidence[:] = [0.6, 0.5]
    psy.shock(pop, "panic", 0.5, slice(None))
    # fear moves halfway to 1, the other moods halfway to 0
    np.testing.assert_allclose(pop.fear, [0.6, 0.8], rtol=1e-6)
    np.testing.assert_allclose(pop.sentiment, [0.25, 0.4], rtol=1e-6)
    np.testing.assert_allclose(pop.greed, [0.1, 0.2], rtol=1e-6)
    np.testing.assert_allclose(pop.confidence, [0.3, 0.25], rtol=1e-6)
    assert psy.indices.fear == pytest.approx(0.7, abs=1e-6)
    psy.shock(pop, "euphoria", 1.0, np.array([True, False]))
    # a full euphoria of the first agent only: greed, sentiment, confidence to 1, fear to 0
    np.testing.assert_allclose([pop.greed[0], pop.sentiment[0], pop.fear[0], pop.confidence[0]], [1, 1, 0, 1])
    np.testing.assert_allclose([pop.greed[1], pop.fear[1]], [0.2, 0.8], rtol=1e-6)
    with pytest.raises(ValueError, match="panic"):
        psy.shock(pop, "gloom", 0.5, slice(None))


def test_zero_size_shock_changes_no_mood():
    cfg, pop = _population(50)
    psy = Psychology(cfg)
    before = [m.copy() for m in (pop.sentiment, pop.fear, pop.greed, pop.confidence)]
    psy.shock(pop, "panic", 0.0, slice(None))
    for b, m in zip(before, (pop.sentiment, pop.fear, pop.greed, pop.confidence), strict=True):
        np.testing.assert_array_equal(b, m)


@given(st.floats(-1.0, 1.0), st.floats(-0.5, 0.5), st.floats(0.0, 1.0), unit, st.integers(0, 2**32 - 1))
def test_mood_update_keeps_moods_in_unit_interval(market_return, trend, volatility, herding, seed):
    cfg, pop = _population(200)
    rng = np.random.default_rng(seed)
    for m in (pop.sentiment, pop.fear, pop.greed, pop.confidence):
        m[:] = rng.random(pop.n).astype(np.float32)
    psy = Psychology(cfg)
    wealth = pop.cash * rng.lognormal(0, 1, pop.n)
    for _ in range(3):
        ind = psy.update(pop, wealth, market_return, trend, volatility, herding)
        wealth = wealth * rng.lognormal(0, 0.5, pop.n)
    for m in (pop.sentiment, pop.fear, pop.greed, pop.confidence):
        assert np.isfinite(m).all() and m.min() >= 0.0 and m.max() <= 1.0
    for value in (ind.sentiment, ind.fear, ind.greed, ind.confidence, ind.herding, ind.optimists):
        assert 0.0 <= value <= 1.0
    assert ind.vol_multiplier >= 1.0 and np.isfinite(ind.vol_multiplier)
    assert np.isfinite(pop.memory).all()


def test_crowd_side_and_herd_probability_by_hand():
    assert crowd_side(30, 10) == pytest.approx(0.5)
    assert crowd_side(10, 30) == pytest.approx(-0.5)
    assert crowd_side(0, 0) == 0.0
    # herding strength times the crowd's fear above its usual level, as a share of the room above it
    assert herd_probability(0.4, 0.8, 0.2) == pytest.approx(0.4 * 0.6 / 0.8)
    assert herd_probability(0.4, 0.1, 0.2) == 0.0  # calmer than usual: nobody copies
    assert herd_probability(0.0, 1.0, 0.2) == 0.0
    assert herd_probability(1.0, 1.0, 0.2) == pytest.approx(1.0)


@given(unit, unit, unit)
def test_herd_probability_in_unit_interval(strength, fear, usual):
    assert 0.0 <= herd_probability(strength, fear, usual) <= strength + 1e-12


def test_imitation_is_the_logit_distance_from_neutral():
    assert imitation(0.2, "fear") == pytest.approx(0.0, abs=1e-12)
    assert imitation(0.5, "fear") == pytest.approx(np.log(4.0))  # logit(0.5) - logit(0.2)
    assert imitation(0.1, "fear") < 0.0
    assert np.isfinite(imitation(1.0, "fear")) and np.isfinite(imitation(0.0, "fear"))


def test_fear_contagion_slows_the_end_of_a_shared_panic():
    """Brock-Durlauf imitation inside the fear target: with herding a crowd-wide fear lasts longer.

    Same population, same calm market inputs, panic of 0.8 at the start; the ticks until the
    crowd's fear falls back below 0.4 grow with herding_strength (J = 0, 0.4, 0.8).
    """
    ticks = []
    for strength in (0.0, 0.4, 0.8):
        cfg, pop = _population(200, herding_strength=strength)
        psy = Psychology(cfg)
        wealth = np.ones(pop.n)
        pop.last_wealth = wealth.copy()
        psy.shock(pop, "panic", 0.8, slice(None))
        t = 0
        while psy.indices.fear > 0.4 and t < 1000:
            psy.update(pop, wealth, 0.0, 0.0, 0.0, 0.0)
            t += 1
        ticks.append(t)
    assert ticks[0] < ticks[1] < ticks[2] < 1000, ticks


def test_update_from_the_equity_price_equals_update_from_the_wealth():
    """Wealth computed inside the mood pass (equity_price=...) changes no bit of the update.

    More households than one block (arena.blocks.BLOCK), so the in-place write of
    ``last_wealth`` is checked across a block boundary.
    """
    n, price = 70_001, 1.37
    states = []
    for by_price in (False, True):
        cfg, pop = _population(n)
        rng = np.random.default_rng(4)
        pop.shares = rng.lognormal(0.0, 1.0, n)
        pop.last_wealth = pop.cash + pop.shares * 1.2
        psy = Psychology(cfg)
        for tick in range(3):
            pop.cash = pop.cash * rng.lognormal(0.0, 0.2, n)
            p = price * (1.0 + 0.1 * tick)
            if by_price:
                psy.update(pop, None, 0.01, 0.002, 0.01, 0.3, equity_price=p)
            else:
                psy.update(pop, pop.wealth(p), 0.01, 0.002, 0.01, 0.3)
        states.append([pop.last_wealth, pop.memory, pop.sentiment, pop.fear, pop.greed, pop.confidence,
                       psy.indices])
    for a, b in zip(*states, strict=True):
        if isinstance(a, np.ndarray):
            assert a.dtype == b.dtype and a.tobytes() == b.tobytes()
        else:
            assert a == b
