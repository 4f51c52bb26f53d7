"""Resource scarcity inside the model and over long runs (issue 5).

Formula tests (scarcity level, price multiplier, logistic renewal) live in
test_scarcity_formulas.py.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arena import ArenaConfig, ArenaModel, ShockError
from arena.scarcity import ARTIFICIAL, FINITE, RENEWABLE, RESOURCE_NAMES, RESOURCES, Scarcity

N = 5_000


def pair(kind, size, resource, ticks=120, at=40, **overrides):
    base = ArenaModel(n_agents=N, seed=4, check_accounting=True, **overrides)
    shocked = ArenaModel(n_agents=N, seed=4, check_accounting=True, **overrides)
    for t in range(ticks):
        if t == at:
            shocked.apply_shock(kind, size, resource=resource)
        base.step()
        shocked.step()
    return base.indicators(), shocked.indicators(), shocked


def test_resource_kinds_cover_the_specification():
    kinds = {r.name: r.kind for r in RESOURCES}
    assert {k for k, v in kinds.items() if v == FINITE} == {"oil", "lithium", "rare_earths"}
    assert {k for k, v in kinds.items() if v == RENEWABLE} == {"water", "land"}
    assert {k for k, v in kinds.items() if v == ARTIFICIAL} == {"carbon_credits", "ip"}


@pytest.mark.parametrize("resource", ["oil", "lithium", "rare_earths"])
def test_discovery_lowers_scarcity_and_then_the_price(resource):
    base, found, model = pair("discovery", 0.5, resource)
    after = slice(41, 120)
    assert (found[f"scarcity_{resource}"].loc[after] <= base[f"scarcity_{resource}"].loc[after]).all()
    assert found[f"scarcity_{resource}"].loc[41] < base[f"scarcity_{resource}"].loc[41]
    assert found[f"price_{resource}"].loc[60:120].mean() < base[f"price_{resource}"].loc[60:120].mean()
    events = model.events("discovery_event")
    assert (events.resource == resource).any()


@pytest.mark.parametrize("resource", ["oil", "rare_earths", "land"])
def test_catastrophe_raises_scarcity_and_the_price(resource):
    base, hit, model = pair("catastrophe", 0.5, resource)
    assert hit[f"scarcity_{resource}"].loc[41] > base[f"scarcity_{resource}"].loc[41]
    assert hit[f"price_{resource}"].loc[45:70].mean() > base[f"price_{resource}"].loc[45:70].mean()
    event = model.events("catastrophic_event").iloc[0]
    assert event.resource == resource and event.blocked_share == 0.5
    assert event.until_tick == 40 + model.config.catastrophe_duration


def test_oil_catastrophe_is_cost_push_inflation_with_lower_output():
    base, hit, _ = pair("catastrophe", 0.9, "oil", ticks=140)
    window = slice(45, 80)
    assert hit.cpi.loc[window].mean() > base.cpi.loc[window].mean()
    assert hit.output.loc[window].mean() < base.output.loc[window].mean()


def test_forced_shocks_validate_resource_and_size():
    model = ArenaModel(n_agents=500, seed=1)
    before = model.scarcity.reserves.copy()
    for kwargs in ({"resource": "unobtainium"}, {}):
        with pytest.raises(ShockError, match="resource"):
            model.apply_shock("discovery", 0.2, **kwargs)
    with pytest.raises(ShockError, match="size"):
        model.apply_shock("catastrophe", 1.5, resource="oil")
    np.testing.assert_array_equal(model.scarcity.reserves, before)


def test_carbon_cap_tightening_raises_carbon_scarcity_and_price():
    # the price over three seeds: on one seed the two arms' last-50-tick prices differ by noise (seed 2 at
    # d84a2b2: 1.984 tight against 1.986 loose; seeds 1 and 3: 2.00 against 1.83, 2.02 against 1.88)
    prices = {0.0: [], 0.5: []}
    for seed in (1, 2, 3):
        loose = ArenaModel(n_agents=N, seed=seed, carbon_cap_decline=0.0)
        tight = ArenaModel(n_agents=N, seed=seed, carbon_cap_decline=0.5)
        for _ in range(300):
            loose.step()
            tight.step()
        a, b = loose.indicators(), tight.indicators()
        assert b.scarcity_carbon_credits.iloc[-1] > a.scarcity_carbon_credits.iloc[-1] + 0.05
        prices[0.0].append(a.price_carbon_credits.iloc[-50:].mean())
        prices[0.5].append(b.price_carbon_credits.iloc[-50:].mean())
    assert np.mean(prices[0.5]) > np.mean(prices[0.0])


def test_critical_scarcity_event_when_crossing_threshold():
    model = ArenaModel(n_agents=N, seed=1, critical_scarcity=0.5)
    model.apply_shock("catastrophe", 0.9, resource="lithium")
    events = model.events("critical_scarcity")
    assert list(events.resource) == ["lithium"]
    assert events.scarcity.iloc[0] >= 0.5


def _drive(scarcity, ticks, rng, extraction_scale=1.0):
    flows = {"discovery": 0, "catastrophe": 0}
    for t in range(ticks):
        out = scarcity.step(t, scarcity.base_extraction * extraction_scale, 1.0, rng)
        for etype, _ in out["events"]:
            if etype == "discovery_event":
                flows["discovery"] += 1
            elif etype == "catastrophic_event":
                flows["catastrophe"] += 1
        assert (scarcity.reserves >= 0).all()
        renewable = scarcity.kinds == RENEWABLE
        assert (scarcity.reserves[renewable] <= scarcity.base[renewable] * (1 + 1e-12)).all()
    return flows


def test_event_frequencies_match_configured_probabilities():
    cfg = ArenaConfig.from_dict({"n_agents": 10, "discovery_probability": 0.02,
                                 "catastrophe_probability": 0.01})
    scarcity = Scarcity(cfg, np.ones(len(RESOURCES)))
    ticks = 20_000
    counts = _drive(scarcity, ticks, np.random.default_rng(0))
    natural = int(np.sum(scarcity.kinds != ARTIFICIAL))
    for kind, p in (("discovery", 0.02), ("catastrophe", 0.01)):
        trials = ticks * natural
        expected = trials * p
        sigma = np.sqrt(trials * p * (1 - p))
        assert abs(counts[kind] - expected) < 4 * sigma, (kind, counts[kind], expected)


@settings(max_examples=30, deadline=None)
@given(depletion=st.floats(1e-4, 0.05), discovery=st.floats(0.0, 0.2), catastrophe=st.floats(0.0, 0.2),
       scale=st.floats(0.0, 5.0), replacement=st.floats(0.0, 10.0), elasticity=st.floats(0.0, 10.0),
       seed=st.integers(0, 2**32 - 1))
def test_reserves_never_negative_and_renewables_never_above_capacity(depletion, discovery, catastrophe,
                                                                       scale, replacement, elasticity, seed):
    cfg = ArenaConfig.from_dict({"n_agents": 10, "depletion_rate": depletion,
                                 "discovery_probability": discovery, "catastrophe_probability": catastrophe,
                                 "discovery_mean_size": 1.0, "reserve_replacement": replacement,
                                 "development_elasticity": elasticity})
    scarcity = Scarcity(cfg, np.ones(len(RESOURCES)))
    _drive(scarcity, 400, np.random.default_rng(seed), extraction_scale=scale)
    assert np.isfinite(scarcity.multiplier()).all() and (scarcity.multiplier() >= 1).all()
    assert ((scarcity.level() >= 0) & (scarcity.level() <= 1)).all()


def test_long_run_reserves_and_prices_stay_valid():
    model = ArenaModel(n_agents=2_000, seed=6, depletion_rate=0.005, catastrophe_probability=0.01,
                       reserve_replacement=0.0)
    for _ in range(1_500):
        model.step()
    df = model.indicators()
    reserves = df[[f"reserves_{r}" for r in RESOURCE_NAMES]]
    assert (reserves >= 0).all().all()
    prices = df[[f"price_{r}" for r in RESOURCE_NAMES]]
    assert np.isfinite(prices.to_numpy()).all() and (prices > 0).all().all()
    # depletion at 0.5%/tick without development exhausts finite resources: their prices stay far
    # above the start (over the last third of the run: a discovery in the last ticks restores
    # capacity and drops the price of a single tick; seed 6 has one at tick ~1,485)
    assert df.price_oil.iloc[1_000:].mean() > 1.5 * df.price_oil.iloc[0]


# ------------------------------------------------------------- reserve development ------
def test_finite_reserves_keep_their_level_on_average_at_base_demand():
    """Development plus discoveries replace base extraction: E[R_t] = R_0 (a known answer).

    With ``development_elasticity`` = 1 the cost factor is linear in reserves, so the reserves
    follow a linear mean-reverting process around their tick-0 level fed by discoveries (lumps
    of mean ``p s K`` a tick) net of their expected value: the mean over seeds stays at R_0,
    within four standard errors. Without development (``reserve_replacement`` = 0) they fall by
    ``X - p s K`` a tick on average, which the same statistic must see.
    """
    ticks, seeds = 500, 60  # short enough that no seed without development runs dry
    finite = np.array([r.kind == FINITE for r in RESOURCES])
    for replacement in (1.0, 0.0):
        cfg = ArenaConfig.from_dict({"n_agents": 10, "catastrophe_probability": 0.0,
                                     "reserve_replacement": replacement})
        change = []
        for seed in range(seeds):
            scarcity = Scarcity(cfg, np.ones(len(RESOURCES)))
            start = scarcity.reserves.copy()
            _drive(scarcity, ticks, np.random.default_rng(seed))
            change.append((scarcity.reserves - start)[finite] / scarcity.base[finite])
        change = np.array(change)
        mean, se = change.mean(axis=0), change.std(axis=0, ddof=1) / np.sqrt(seeds)
        drift = ticks * (cfg.discovery_probability * cfg.discovery_mean_size - cfg.depletion_rate)
        expected = 0.0 if replacement == 1.0 else drift
        assert (np.abs(mean - expected) < 4 * se + 1e-9).all(), (replacement, mean, se, expected)


def test_baseline_does_not_run_out_of_oil_within_five_years():
    """World oil reserves kept pace with production for decades (R/P near 50 years, BP): an
    economy left alone for five years keeps its oil below critical scarcity on every seed. The
    control without development (``reserve_replacement`` = 0: base reserves of 1,000 ticks of
    extraction, half replaced by discoveries) crosses it, so the test can fail.
    """
    last_year = {1.0: [], 0.0: []}
    for replacement in last_year:
        for seed in (1, 2, 3, 4):
            model = ArenaModel(n_agents=3_000, seed=seed, reserve_replacement=replacement)
            for _ in range(1_250):
                model.step()
            last_year[replacement].append(model.indicators().scarcity_oil.iloc[-250:].mean())
    critical = ArenaConfig().critical_scarcity
    assert max(last_year[1.0]) < critical, last_year
    assert np.median(last_year[0.0]) > critical, last_year
