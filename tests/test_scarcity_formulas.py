"""Scarcity formulas (level, price multiplier, logistic renewal) and the reserve bookkeeping bounds."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from arena import ArenaConfig
from arena.scarcity import (
    ARTIFICIAL,
    RENEWABLE,
    RESOURCE_NAMES,
    RESOURCES,
    Scarcity,
    logistic_renewal,
    price_multiplier,
    scarcity_level,
)


def test_scarcity_level_by_hand():
    # 1 - reserves / base reserves
    np.testing.assert_allclose(scarcity_level(np.array([50.0, 100.0, 0.0, 75.0]), np.array([100.0] * 4)),
                               [0.5, 0.0, 1.0, 0.25])
    # clipped to [0, 1]: reserves above base (discoveries) are not negative scarcity
    np.testing.assert_array_equal(scarcity_level(np.array([150.0, -1.0]), np.array([100.0, 100.0])),
                                  [0.0, 1.0])


def test_price_multiplier_by_hand():
    # 1 + scarcity * max multiplier * strategic importance: 1 + 0.5 * 3 * 0.9 = 2.35
    assert price_multiplier(0.5, 3.0, 0.9) == pytest.approx(2.35)
    np.testing.assert_allclose(price_multiplier(np.array([0.0, 1.0, 0.2]), np.array([3.0, 5.0, 2.0]),
                                                np.array([0.9, 0.8, 0.5])), [1.0, 5.0, 1.2])


@given(st.floats(0, 1), st.floats(0, 10), st.floats(0, 1))
def test_price_multiplier_is_at_least_one_and_monotone(level, max_mult, importance):
    m = price_multiplier(level, max_mult, importance)
    assert m >= 1.0
    assert price_multiplier(min(level + 0.1, 1.0), max_mult, importance) >= m


def test_logistic_renewal_by_hand():
    # g R (1 - R / K): 0.1 * 50 * (1 - 0.5) = 2.5
    assert logistic_renewal(50.0, 100.0, 0.1) == pytest.approx(2.5)
    # fastest at half capacity, zero when empty or full, never negative above capacity
    np.testing.assert_allclose(logistic_renewal(np.array([0.0, 25.0, 50.0, 100.0, 130.0]), 100.0, 0.2),
                               [0.0, 3.75, 5.0, 0.0, 0.0])


@given(st.floats(0, 1), st.floats(1e-6, 1e12), st.floats(0, 1))
def test_logistic_renewal_never_exceeds_capacity(share, capacity, rate):
    reserves = share * capacity
    renewed = logistic_renewal(reserves, capacity, rate)
    assert renewed >= 0.0
    assert reserves + renewed <= capacity * (1 + 1e-12)


def _scarcity(**overrides):
    cfg = ArenaConfig(n_agents=10, **overrides)
    return Scarcity(cfg, np.full(len(RESOURCES), 10.0))


def test_base_reserves_follow_the_depletion_rate():
    s = _scarcity(depletion_rate=0.002)
    np.testing.assert_allclose(s.base, 10.0 / 0.002)
    np.testing.assert_allclose(s.reserves, s.base * np.array([r.initial_level for r in RESOURCES]))
    np.testing.assert_allclose(s.level(), scarcity_level(s.reserves, s.base))
    np.testing.assert_allclose(s.multiplier(), price_multiplier(s.level(), s.max_mult, s.importance))
    np.testing.assert_allclose(s.cost_factor(), 1.0)  # relative to tick 0


def test_renewables_replace_base_extraction_at_their_initial_level():
    s = _scarcity(discovery_probability=0.0, catastrophe_probability=0.0)
    renewable = s.kinds == RENEWABLE
    before = s.reserves.copy()
    flows = s.step(1, np.where(renewable, 10.0, 0.0), 1.0, np.random.default_rng(0))
    # renewal g R (1 - R/K) after extracting 10, with g calibrated so that it is 10 at the initial level
    after_extraction = before[renewable] - 10.0
    expected = s.renewal_rate[renewable] * after_extraction * (1 - after_extraction / s.base[renewable])
    np.testing.assert_allclose(flows["renewal"][renewable], expected, rtol=1e-12)
    np.testing.assert_allclose(s.renewal_rate[renewable] * before[renewable]
                               * (1 - before[renewable] / s.base[renewable]), 10.0, rtol=1e-12)
    np.testing.assert_allclose(flows["renewal"][renewable], 10.0, rtol=0.01)
    np.testing.assert_allclose(s.reserves[renewable], after_extraction + expected, rtol=1e-12)


@given(st.lists(st.floats(0, 1e7), min_size=len(RESOURCES), max_size=len(RESOURCES)),
       st.floats(0, 50), st.integers(0, 2**32 - 1))
def test_reserves_stay_within_bounds_under_any_extraction(extracted, renewal_boost, seed):
    s = _scarcity(discovery_probability=0.5, catastrophe_probability=0.5, discovery_mean_size=3.0)
    s.renewal_rate = s.renewal_rate * renewal_boost  # even absurd renewal rates stay below capacity
    rng = np.random.default_rng(seed)
    for tick in range(1, 6):
        before = s.reserves.copy()
        flows = s.step(tick, np.array(extracted), 1.0, rng)
        assert np.isfinite(s.reserves).all()
        assert (s.reserves >= 0).all()
        renewable = s.kinds == RENEWABLE
        assert (s.reserves[renewable] <= s.base[renewable] * (1 + 1e-12)).all()
        assert (flows["extracted"] <= before + 1e-9).all()  # never more than what is there
        # the reserves change by exactly the reported flows
        np.testing.assert_allclose(
            s.reserves, before - flows["extracted"] + flows["renewal"] + flows["issuance"]
            + flows["discovery"] - flows["catastrophe"], rtol=1e-12, atol=1e-9)
        assert ((s.level() >= 0) & (s.level() <= 1)).all()
        assert (s.multiplier() >= 1).all()
        assert ((s.capacity_factor() >= 0) & (s.capacity_factor() <= 1)).all()


def test_forced_catastrophe_and_discovery_by_hand():
    s = _scarcity()
    oil = RESOURCE_NAMES.index("oil")
    r0 = s.reserves[oil]
    flows = s.force("catastrophe", oil, 0.4, tick=10)
    assert s.reserves[oil] == pytest.approx(0.6 * r0)
    assert flows["catastrophe"][oil] == pytest.approx(0.4 * r0)
    assert s.blocked[oil] == 0.4 and s.blocked_until[oil] == 10 + s.config.catastrophe_duration
    assert s.capacity_factor()[oil] == pytest.approx(0.6)
    assert [e for e, _ in flows["events"]][0] == "catastrophic_event"
    flows = s.force("discovery", oil, 0.25, tick=11)
    assert s.reserves[oil] == pytest.approx(0.6 * r0 + 0.25 * s.base[oil])
    assert flows["discovery"][oil] == pytest.approx(0.25 * s.base[oil])
    # a discovery in a renewable resource fills at most up to its capacity
    water = RESOURCE_NAMES.index("water")
    s.force("discovery", water, 5.0, tick=12)
    assert s.reserves[water] == pytest.approx(s.base[water])


def test_carbon_cap_issuance_declines_at_the_configured_rate():
    s = _scarcity(carbon_cap_decline=0.1, discovery_probability=0.0, catastrophe_probability=0.0)
    carbon = RESOURCE_NAMES.index("carbon_credits")
    assert s.kinds[carbon] == ARTIFICIAL
    T = s.config.ticks_per_year
    flows = s.step(T, np.zeros(len(RESOURCES)), 1.0, np.random.default_rng(0))  # one year in
    assert flows["issuance"][carbon] == pytest.approx(10.0 * 0.9)
    flows = s.step(2 * T, np.zeros(len(RESOURCES)), 1.0, np.random.default_rng(0))
    assert flows["issuance"][carbon] == pytest.approx(10.0 * 0.81)
