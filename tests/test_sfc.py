"""Stock-flow consistency: the balance-sheet and transactions-flow matrices close every tick.

The property test draws a random valid configuration, random shocks (fiscal, tax, qe, rate,
catastrophe, money, agents... every kind) and an outside agent trading equity, and checks
after every tick, independently of ``check_accounting``'s own check, that each financial
row of ``balance_sheet()`` and each row and column of ``flow_matrix()`` sums to zero
(relative 1e-9). The column sums are not true by construction: the capital-account rows are
measured changes of stocks, so a column closes only if the recorded payments explain them.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import SMALL_N, examples, valid_configs
from hypothesis import given, settings
from hypothesis import strategies as st

from arena import ArenaModel, accounting
from arena.errors import AccountingError, ShockError
from arena.external import MAX_ORDER_QTY
from arena.markets import book as bk
from arena.markets.retail import MAX_COMMODITY_SHARE
from arena.scarcity import RESOURCE_NAMES
from arena.shocks import SHOCK_KINDS

TOL = 1e-9


def _size(kind):
    low, high, closed, _ = SHOCK_KINDS[kind]
    return st.floats(low, high, exclude_min=not closed)


def _target(kind):
    if kind in ("discovery", "catastrophe"):
        return st.sampled_from(RESOURCE_NAMES).map(lambda r: {"resource": r})
    if kind == "strategy_mix":
        return st.sampled_from(["fundamentalist", "chartist", "noise"]).map(lambda s: {"strategy": s})
    if kind == "tax":
        return st.fixed_dictionaries({"tax": st.sampled_from(["wage", "profit", "all"])},
                                     optional={"duration": st.integers(1, 40)})
    if kind == "fiscal":
        return st.fixed_dictionaries({}, optional={"duration": st.integers(1, 40)})
    if kind == "qe":
        return st.fixed_dictionaries({}, optional={"asset": st.sampled_from(["bonds", "equity"])})
    return st.just({})


FOCUS = ("fiscal", "tax", "qe", "rate", "catastrophe")
shock = st.one_of(st.sampled_from(FOCUS), st.sampled_from(sorted(SHOCK_KINDS))).flatmap(
    lambda k: st.tuples(st.integers(0, 24), st.just(k), _size(k), _target(k)))


def residuals(model) -> dict[str, float]:
    """Worst relative imbalance of the balance sheet's financial rows and the flow matrix."""
    bs = model.balance_sheet()
    scale = float(np.abs(bs.drop(columns="total").to_numpy()).max())
    fin = accounting.row_residuals(bs, floor=1e-5 * scale)
    rows, cols = accounting.flow_residuals(model.flow_matrix(), scale)
    return {"balance rows": max(fin.values()), "flow rows": max(rows.values()),
            "flow columns": max(cols.values())}


@settings(max_examples=examples(10))
@given(valid_configs(), st.integers(30, 300), st.lists(shock, max_size=6), st.booleans())
def test_both_matrices_close_every_tick(cfg, n, shocks, trader):
    cfg = cfg.replace(n_agents=n, seed=cfg.seed if cfg.seed is not None else 0,
                      price_tick=max(cfg.price_tick, 1e-3), n_firms=min(cfg.n_firms, n),
                      n_kfirms=min(cfg.n_kfirms, n))
    with np.errstate(over="ignore"):
        model = ArenaModel(cfg, check_accounting=True)
        # max_agents = 0 admits no outside agent (register_agent refuses: tested in test_external)
        agent = model.register_agent("sfc", 10_000.0) if trader and cfg.max_agents > 0 else None
        plan: dict[int, list] = {}
        for tick, kind, size, target in shocks:
            plan.setdefault(tick, []).append((kind, size, target))
        for t in range(25):
            if agent is not None and agent.id in model.outside.accounts:
                price = model.prices["equity"]
                free = agent.cash - agent.reserved_cash()
                if t % 3 == 0 and free > 2 * price:
                    # capped at the API's largest order (a random config can price a share near zero)
                    qty = min(0.5 * free / (1.2 * price), MAX_ORDER_QTY)
                    model.outside.place(agent.id, "buy", qty, 1.2 * price, model.tick)
                held = agent.shares - agent.reserved_shares()
                if t % 5 == 4 and held > 1e-6:
                    model.outside.place(agent.id, "sell", held / 2, 0.8 * price, model.tick)
            for kind, size, target in plan.get(t, []):
                n = model.pop.n
                if kind == "agents" and n + int(round(size * n)) < model.config.min_households:
                    with pytest.raises(ShockError, match="at least one household per firm"):
                        model.apply_shock(kind, size, **target)  # refused before anything moved
                    assert model.pop.n == n
                    continue
                model.apply_shock(kind, size, **target)
            model.step()  # check_accounting raises AccountingError naming the row or column
            worst = residuals(model)
            assert max(worst.values()) <= TOL, (t, worst)


def test_a_stimulus_and_qe_close_at_scale_and_move_the_right_stocks():
    model = ArenaModel(n_agents=20_000, seed=3, check_accounting=True)
    for _ in range(5):
        model.step()
    debt0, cb0 = model.government.bonds, model.central_bank.bonds
    model.apply_shock("fiscal", 0.05, duration=20)
    model.apply_shock("qe", 0.02)
    model.step()
    fm = model.flow_matrix()
    assert fm.loc["government purchases", "government"] < 0 < fm.loc["government purchases", "firms_current"]
    # QE: the central bank's bonds rose by about 2% of money, paid in reserves to the banks
    money = model.indicators().money_supply.iloc[-2]
    assert model.central_bank.bonds - cb0 == pytest.approx(0.02 * money, rel=0.05)
    assert fm.loc["Δ reserves", "central_bank_capital"] > 0
    for _ in range(10):
        model.step()
    assert model.government.bonds > debt0  # the stimulus is financed by bonds
    assert max(residuals(model).values()) <= TOL


def test_commodity_producers_are_paid_what_buyers_pay_when_the_budget_cap_binds():
    """The commodity auctions pay producers for the units buyers take, not for the book's volume.

    With the goods index cut 100-fold, commodities cost 100 times more relative to goods than at
    base and households' commodity shares hit the joint cap (``MAX_COMMODITY_SHARE``). The book
    reads each level with every commodity at the same level of its grid, the settlement at the
    clearing prices, so the book clears more water and land than households take: the money the
    buyers pay must still equal what producers receive (found by tests/test_extremes.py, where
    paying producers the book's volume created money at a corner).
    """
    model = ArenaModel(n_agents=SMALL_N, seed=7, check_accounting=True)
    model.prices["goods"] /= 100.0  # last tick's goods index, read by households' commodity demand
    model.step()  # check_accounting raises AccountingError if money appears or a column is open
    assert model.goods_share == pytest.approx(1.0 - MAX_COMMODITY_SHARE, rel=1e-12)  # the cap binds
    booked = {r: bk.clear(model.books[r]).volume for r in RESOURCE_NAMES}
    traded = {r: model.market_stats[r]["volume"] for r in RESOURCE_NAMES}
    assert any(traded[r] < 0.99 * booked[r] for r in RESOURCE_NAMES), (booked, traded)
    assert max(residuals(model).values()) <= TOL
    fm = model.flow_matrix()
    assert abs(fm["producers"].sum()) <= TOL * fm["producers"].abs().sum()


def test_the_check_names_the_row_that_does_not_close():
    model = ArenaModel(n_agents=SMALL_N, seed=5, check_accounting=True)
    model.step()
    bs, fm = model.balance_sheet(), model.flow_matrix()
    fm.loc["wages", "households"] += 1.0  # a payment received that nobody made
    with pytest.raises(AccountingError, match="flow matrix row 'wages'"):
        accounting.check_matrices(1, bs, fm)
    bs.loc["bonds", "government"] -= 1.0
    with pytest.raises(AccountingError, match="balance sheet row 'bonds'"):
        accounting.check_matrices(1, bs, model.flow_matrix())


def test_an_unrecorded_payment_breaks_the_payers_column():
    """Money that moves without a recorded transaction is caught by the matrices."""
    model = ArenaModel(n_agents=SMALL_N, seed=6)
    model.step()
    model.check_accounting = True
    real = model._phase_scarcity

    def leak(ledger):
        real(ledger)
        model.cfirms.deposits[0] -= 10.0  # a firm pays 10 to households, unrecorded
        model.pop.cash[0] += 10.0
        model.tick_flows.add("wages")  # nothing recorded

    model._phase_scarcity = leak
    with pytest.raises(AccountingError, match="column"):
        model.step()


def test_matrices_are_textbook_shaped():
    model = ArenaModel(n_agents=SMALL_N, seed=8)
    assert model.flow_matrix().empty or model.flow_matrix().abs().to_numpy().sum() == 0
    model.step()
    bs, fm = model.balance_sheet(), model.flow_matrix()
    assert list(bs.index) == list(accounting.BALANCE_SHEET_ROWS)
    assert {"households", "firms", "banks", "government", "central_bank", "total"} <= set(bs.columns)
    assert {"households", "firms_current", "firms_capital", "banks_current", "banks_capital",
            "government", "central_bank_current", "central_bank_capital", "total"} <= set(fm.columns)
    for row in ("consumption (goods)", "government purchases", "wages", "taxes on wages",
                "unemployment benefits", "interest on bonds", "central-bank profits", "Δ deposits", "Δ bonds",
                "Δ reserves"):
        assert row in fm.index
    # the government's debt is held by banks and the central bank
    holders = bs.loc["bonds", "banks"] + bs.loc["bonds", "central_bank"]
    assert bs.loc["bonds", "government"] == pytest.approx(-holders)


def test_gdp_by_expenditure_equals_gdp_by_production():
    """The ``gdp`` indicator is GDP, not final sales (SNA 2008 ch. 10: final expenditure plus the
    change in inventories). Measured independently on the production side right after the market
    session: the value of goods and machines made at posted prices, plus the commodity producers'
    sales to households and firms, less the commodity inputs used (intermediate consumption).
    The two sides agree only if every unit made and not sold is counted as inventory investment."""
    m = ArenaModel(n_agents=SMALL_N, seed=6)
    markets, production = m._phase_markets, []

    def measured(ledger):
        markets(ledger)
        cf, kf, prices = m.cfirms, m.kfirms, m.commodity_prices()
        bought, used = m.input_flows
        households = m.tick_flows.rows["consumption (commodities)"]["producers"]
        production.append(float(cf.price @ cf.output) + float(kf.price @ kf.output) + households
                          + float(prices @ (bought - used)))

    m._phase_markets = measured
    stocked = 0.0
    for _ in range(80):
        m.step()
        gdp = m.current["gdp"]
        assert gdp == pytest.approx(production[-1], rel=1e-9)
        stocked = max(stocked, abs(m.inventory_investment) / gdp)
    assert stocked > 1e-3  # inventories moved: final sales alone would have missed the identity
