"""External shocks: validation with field-naming messages, refused shocks change nothing, effects by kind."""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import assert_state_valid, snapshot

from arena import ArenaModel, ShockError
from arena.scarcity import RESOURCE_NAMES
from arena.shocks import SHOCK_KINDS, validate

BAD_SHOCKS = [
    # (kind, size, target, words the message must contain)
    ("meltdown", 0.5, {}, ["'kind'", "panic", "'meltdown'"]),
    ("", 0.5, {}, ["'kind'"]),
    ("panic", 1.5, {}, ["'size'", "'panic'", "[0, 1]", "1.5"]),
    ("panic", -0.1, {}, ["'size'", "[0, 1]"]),
    ("panic", math.nan, {}, ["'size'", "finite", "nan"]),
    ("panic", math.inf, {}, ["'size'", "finite", "inf"]),
    ("euphoria", True, {}, ["'size'", "finite number", "True"]),
    ("panic", "0.5", {}, ["'size'", "'0.5'"]),
    ("panic", None, {}, ["'size'", "None"]),
    ("catastrophe", 0.0, {"resource": "oil"}, ["'size'", "(0, 1]"]),
    ("catastrophe", 1.01, {"resource": "oil"}, ["'size'", "(0, 1]"]),
    ("discovery", 11.0, {"resource": "oil"}, ["'size'", "(0, 10]"]),
    ("rate", 0.3, {}, ["'size'", "[-0.2, 0.2]"]),
    ("rate", -0.25, {}, ["'size'", "[-0.2, 0.2]"]),
    ("qe", 0.0, {}, ["'size'", "(0, 0.5]"]),
    ("money", 0.6, {}, ["'size'", "[-0.5, 0.5]"]),
    ("sell_off", 0.0, {}, ["'size'", "(0, 1]"]),
    ("strategy_mix", 2.0, {"strategy": "noise"}, ["'size'", "(0, 1]"]),
    ("discovery", 0.5, {}, ["'resource'", "oil", "None"]),
    ("discovery", 0.5, {"resource": "unobtainium"}, ["'resource'", "'unobtainium'", "lithium"]),
    ("catastrophe", 0.5, {"resource": 3}, ["'resource'"]),
    ("panic", 0.5, {"fraction": 0.0}, ["'fraction'", "(0, 1]"]),
    ("panic", 0.5, {"fraction": 1.5}, ["'fraction'", "(0, 1]"]),
    ("panic", 0.5, {"fraction": True}, ["'fraction'"]),
    ("panic", 0.5, {"fraction": math.nan}, ["'fraction'"]),
    ("panic", 0.5, {"resource": "oil"}, ["target keywords", "fraction", "resource"]),
    ("rate", 0.01, {"market": "equity"}, ["target keywords", "none", "market"]),
    ("sell_off", 0.5, {"market": "goods"}, ["'market'", "'equity'", "'goods'"]),
    ("strategy_mix", 0.5, {}, ["'strategy'", "fundamentalist"]),
    ("strategy_mix", 0.5, {"strategy": "insider"}, ["'strategy'", "'insider'"]),
]


@pytest.mark.parametrize("kind,size,target,words", BAD_SHOCKS,
                         ids=[f"{k or 'empty'}-{s!r}-{sorted(t)}" for k, s, t, _ in BAD_SHOCKS])
def test_invalid_shocks_are_refused_with_a_message_naming_the_field(kind, size, target, words):
    with pytest.raises(ShockError) as info:
        validate(kind, size, target)
    for word in words:
        assert word in str(info.value), (word, str(info.value))
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize("kind,size,target,words", BAD_SHOCKS[::3])
def test_a_refused_shock_leaves_the_model_unchanged(kind, size, target, words, warm_model):
    before = snapshot(warm_model)
    with pytest.raises(ShockError):
        warm_model.apply_shock(kind, size, **target)
    assert snapshot(warm_model) == before


def test_a_refused_shock_leaves_the_future_unchanged(small_config):
    # the refused request consumes no random numbers and queues nothing: the run is bit-identical
    a, b = ArenaModel(small_config), ArenaModel(small_config)
    for model in (a, b):
        for _ in range(5):
            model.step()
    for kind, size, target, _ in BAD_SHOCKS:
        with pytest.raises(ShockError):
            b.apply_shock(kind, size, **target)
    for model in (a, b):
        for _ in range(10):
            model.step()
    assert a.indicators().equals(b.indicators())


def test_snapshot_detects_an_accepted_shock(warm_model):
    # guards the test above against a snapshot that would miss real changes
    before = snapshot(warm_model)
    warm_model.apply_shock("rate", 0.0)  # even a zero-size shock is logged
    assert snapshot(warm_model) != before
    before = snapshot(warm_model)
    warm_model.pop.cash[17] += 1e-9
    assert snapshot(warm_model) != before


@pytest.mark.parametrize("kind", sorted(SHOCK_KINDS))
def test_every_kind_accepts_its_range_bounds_and_is_logged(kind, warm_model):
    low, high, closed, allowed = SHOCK_KINDS[kind]
    target = {"resource": {"resource": "oil"}, "strategy": {"strategy": "noise"}}.get(
        allowed[0] if allowed else "", {})
    n = len(warm_model.events("shock"))
    sizes = [high] + ([low] if closed else [])
    for size in sizes:
        warm_model.apply_shock(kind, size, **target)
    shocks = warm_model.events("shock")
    assert len(shocks) == n + len(sizes)
    assert shocks["kind"].tolist()[-len(sizes):] == [kind] * len(sizes)
    for _ in range(3):
        warm_model.step()
    assert_state_valid(warm_model)


def test_panic_moves_moods_by_the_shock_formula(warm_model):
    pop = warm_model.pop
    fear, sentiment = pop.fear.copy(), pop.sentiment.copy()
    warm_model.apply_shock("panic", 0.4)
    np.testing.assert_allclose(pop.fear, fear + 0.4 * (1 - fear), rtol=1e-6)
    np.testing.assert_allclose(pop.sentiment, sentiment * 0.6, rtol=1e-6)
    assert warm_model.psychology.indices.fear == pytest.approx(float(pop.fear.mean()), rel=1e-6)


def test_panic_of_a_fraction_touches_only_about_that_fraction(warm_model):
    fear = warm_model.pop.fear.copy()
    warm_model.apply_shock("panic", 1.0, fraction=0.25)
    hit = warm_model.pop.fear != fear
    assert 0.18 < hit.mean() < 0.32
    assert (warm_model.pop.fear[hit] == 1.0).all()


def test_resource_shocks_change_reserves_by_their_size(warm_model):
    s = warm_model.scarcity
    i = RESOURCE_NAMES.index("lithium")
    r0 = s.reserves[i]
    warm_model.apply_shock("catastrophe", 0.5, resource="lithium")
    assert s.reserves[i] == pytest.approx(0.5 * r0)
    assert s.blocked[i] == 0.5
    warm_model.apply_shock("discovery", 0.2, resource="lithium")
    assert s.reserves[i] == pytest.approx(0.5 * r0 + 0.2 * s.base[i])
    types = warm_model.events()["type"].tolist()
    assert types[-4:] == ["catastrophic_event", "shock", "discovery_event", "shock"]


def test_rate_qe_money_sell_off_and_strategy_mix_mechanics(warm_model):
    m = warm_model
    rate = m.central_bank.policy_rate
    m.apply_shock("rate", 0.01)
    assert m.central_bank.policy_rate == pytest.approx(rate + 0.01)

    money = m.money_supply()
    m.apply_shock("qe", 0.01)  # default: bonds, bought from banks in the next tick
    assert m.central_bank.pending_bond_purchase == pytest.approx(0.01 * money)
    assert not [p for p in m.pending_participants if p.key == "cb:qe_shock"]
    m.apply_shock("qe", 0.01, asset="equity")
    qe = [p for p in m.pending_participants if p.key == "cb:qe_shock"]
    assert len(qe) == 1 and qe[0].qty == pytest.approx(0.01 * money / m.prices["equity"])

    interest, lump = m.transfer_next
    m.apply_shock("money", 0.02)
    assert m.transfer_next == (interest, pytest.approx(lump + 0.02 * money))

    free = m.pop.shares.copy()
    np.subtract.at(free, m.pending_orders.sell_agents, m.pending_orders.sell_qty)  # one order per tranche
    m.apply_shock("sell_off", 0.5)
    dump = m.pending_household_orders[-1]
    assert dump.buy_agents.size == 0
    np.testing.assert_allclose(dump.sell_qty, 0.5 * free[dump.sell_agents])
    assert (dump.sell_limit == pytest.approx(m.prices["equity"] * (1 - m.config.max_price_change)))
    # nobody can be made to sell more than it holds
    committed = np.zeros(m.pop.n)
    np.add.at(committed, m.pending_orders.sell_agents, m.pending_orders.sell_qty)
    np.add.at(committed, dump.sell_agents, dump.sell_qty)
    assert (committed <= m.pop.shares * (1 + 1e-12)).all()

    m.apply_shock("strategy_mix", 1.0, strategy="chartist")
    assert (m.pop.strategy == 1).all()
    m.step()
    assert_state_valid(m)
    assert (m.pop.shares >= 0).all()


@pytest.mark.parametrize("size", [0.25, -0.2])
def test_agents_shock_changes_the_household_count_with_accounting_closed(size):
    model = ArenaModel(n_agents=2_000, seed=4, check_accounting=True)
    for _ in range(20):
        model.step()
    potential_before, productivity_before = model.potential, float(model.cfirms.productivity)
    split_before = model.job_split()
    model.apply_shock("agents", size)
    expected = 2_000 + int(round(size * 2_000))
    assert model.pop.n == expected == model.config.n_agents
    for name in model.pop.ARRAYS:
        assert getattr(model.pop, name).shape == (expected,), name
    orders = model.pending_orders
    assert (orders.buy_agents < expected).all() and (orders.sell_agents < expected).all()
    for _ in range(30):
        model.step()  # accounting is checked every tick
    for stock, amount in model.audit().items():
        assert abs(amount) <= 1e-8 * max(abs(model.initial_stocks[stock]), 1.0), (stock, amount)
    df = model.indicators()
    assert np.isfinite(df.to_numpy(dtype=float)).all()
    # potential output scales with the labour force (and grows with productivity meanwhile, and
    # moves with C-firms' share of the jobs)
    growth = float(model.cfirms.productivity) / productivity_before
    split = model.job_split() / split_before
    assert df.potential_output.iloc[-1] == pytest.approx(potential_before * expected / 2_000 * growth * split)
    assert model.events("shock").kind.iloc[-1] == "agents"


def test_agents_shock_refuses_an_empty_economy():
    model = ArenaModel(n_agents=1, seed=1)
    with pytest.raises(ShockError, match="size"):
        model.apply_shock("agents", -0.9)


def test_agents_shock_refuses_fewer_households_than_firms_and_leaves_the_model_unchanged():
    """A configuration with more firms than households is refused, so is an exodus that would make
    one (found by the SFC property test: the population had shrunk before the config refused it)."""
    model = ArenaModel(n_agents=40, seed=1, n_firms=30, n_kfirms=5)
    model.step()
    before = (model.pop.n, model.config, model.pop.cash.copy(), model.central_bank.shares)
    with pytest.raises(ShockError, match=r"size.*\[30, 10000000\].*n_firms = 30"):
        model.apply_shock("agents", -0.5)  # 20 households for 30 firms
    assert (model.pop.n, model.config) == before[:2]
    np.testing.assert_array_equal(model.pop.cash, before[2])
    assert model.central_bank.shares == before[3]
    model.apply_shock("agents", -0.25)  # 30 households: allowed
    model.step()
    assert model.pop.n == 30 and model.config.n_agents == 30
