"""Banks and credit inside the engine: accounts close, loans move money, banks fail safely."""

from __future__ import annotations

import dataclasses
import functools
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import arena
from arena import ArenaModel, accounting, credit_phase
from tests.conftest import SMALL_N, examples

CREDIT_COLUMNS = ["loans", "loan_rate", "credit_growth", "bank_equity", "capital_ratio", "bank_failures"]


def _closed(model) -> float:
    return max(accounting.row_residuals(model.balance_sheet()).values())


def test_indicators_frames_and_balance_sheet_close_every_tick():
    m = ArenaModel(n_agents=SMALL_N, seed=3, check_accounting=True)
    worst = 0.0
    for _ in range(60):
        m.step()  # raises AccountingError if money, loans or bank equity moved unexplained
        worst = max(worst, _closed(m))
    assert worst < 1e-9
    df = m.indicators()
    assert all(c in df.columns for c in CREDIT_COLUMNS)
    assert np.isfinite(df[CREDIT_COLUMNS].to_numpy()).all()
    banks = m.banks_frame()
    assert len(banks) == m.config.n_banks >= 2
    sheet = m.balance_sheet()
    assert banks.loans.sum() == pytest.approx(sheet.loc["loans", "banks"])
    assert sheet.loc["loans", "firms"] == pytest.approx(-df.loans.iloc[-1])
    # every column sums to zero; total net worth equals the real assets
    assert np.allclose(sheet.drop(columns="total").sum(axis=0), 0.0, atol=1e-6 * sheet.abs().to_numpy().max())
    real = sheet.loc["capital", "total"] + sheet.loc["inventories", "total"]
    assert sheet.loc["net worth", "total"] == pytest.approx(-real, rel=1e-9)


def test_money_moves_with_credit():
    m = ArenaModel(n_agents=SMALL_N, seed=5)
    for _ in range(200):
        m.step()
    df = m.indicators()
    d_loans, d_money = np.diff(df.loans.to_numpy()[10:]), np.diff(df.money_supply.to_numpy()[10:])
    assert np.corrcoef(d_loans, d_money)[0, 1] > 0.3
    flows = m.flows_total.as_dict()
    assert flows["money"]["loans_granted"] > 0 and flows["money"]["loan_repayment"] < 0
    assert "cb_transfers" not in flows["money"] or flows["money"]["cb_transfers"] == 0.0  # Taylor rule


def test_a_failed_bank_is_resolved_inside_the_tick_and_accounts_stay_closed():
    m = ArenaModel(n_agents=SMALL_N, seed=7, check_accounting=True)
    for _ in range(5):
        m.step()
    money = m.money_supply()
    # The borrowers of bank 0 (and of no other bank) are hit by a wage bill ten times their deposits,
    # more than any bank lends them: they pay what they can (recorded wages), default, and the engine
    # writes their loans off (a recorded loss larger than bank 0's equity); the failure and its
    # resolution follow inside the same tick.
    principal = m.banking.book.principal
    borrowers = (principal[:, 0] > 0) & (principal[:, 1:].sum(axis=1) == 0)
    equity = m.banking.banks.equity[0]
    assert principal[borrowers, 0].sum() > equity > 0
    nc, nk = m.cfirms.n, m.kfirms.n
    for firms, hit in ((m.cfirms, borrowers[:nc]), (m.kfirms, borrowers[nc:nc + nk])):
        firms.wage[hit] = 10 * (firms.deposits[hit] + 1.0) / np.maximum(firms.workers[hit], 1)
    assert borrowers[:nc + nk].any()
    m.step()
    banks = m.banks_frame()
    assert m.indicators().firm_defaults.iloc[-1] >= 1
    assert m.banking.last["write_off"] > equity  # the loss went through the books
    assert m.indicators().bank_failures.iloc[-1] == 1
    assert banks.equity.min() > 0 and banks.public_stake[0] == 1.0
    assert len(m.events("bank_failure")) == 1
    assert _closed(m) < 1e-9
    # deposits were not touched by the resolution: apart from the loans the hit firms took for their
    # tenfold wage bill (new deposits, 6.0% of the money stock at seed 7 since the tick-0 price leaves
    # a share of output to the government) and the government's flows (the wage tax on that bill
    # moves deposits to its account at the central bank), money moved by less than 5%
    flows = m.last_ledger.as_dict()["money"]
    other = sum(flows.get(k, 0.0) for k in ("loans_granted", "wage_tax", "profit_tax", "benefits",
                                              "government_purchases"))
    assert abs((m.money_supply() - other) / money - 1) < 0.05


@settings(max_examples=examples(4))
@given(
    n_banks=st.integers(1, 12),
    requirement=st.floats(0.0, 0.2),
    recovery=st.floats(0.0, 1.0),
    leverage=st.floats(0.0, 0.8),
    maturity=st.integers(50, 5000),
    coverage=st.floats(0.0, 10.0),
    constrained=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
def test_accounts_close_over_random_banking_configurations(n_banks, requirement, recovery, leverage,
                                                           maturity, coverage, constrained, seed):
    m = ArenaModel(n_agents=1_000, seed=seed, check_accounting=True, n_banks=n_banks,
                   capital_requirement=requirement, recovery_rate=recovery, initial_leverage=leverage,
                   loan_maturity=maturity, pd_coverage=coverage, finance_constraint=constrained)
    for t in range(40):
        if t == 20:
            m.apply_shock("rate", 0.05)
        m.step()
        assert _closed(m) < 1e-9
    assert np.isfinite(m.indicators()[CREDIT_COLUMNS].to_numpy()).all()


#: +200 bp at tick 250 against the same seeds without it (docs/validation.md has the table), at the
#: scenario's own 100,000 households (1,000 C-firms). At 20,000 households (200 C-firms) the firms' own
#: efficiency adds noise that the effects do not clear since 50d577d: credit growth -0.18 points (CI -0.62
#: to +0.27, 5 of 8 seeds), loans -0.19% (CI -0.84% to +0.42%, 6 of 8), real GDP -0.42% (CI -1.22% to
#: +0.14%, 6 of 8); at 100,000 -0.27 points (CI -0.53 to -0.20, 8 of 8), -0.44% (CI -0.91% to -0.04%, 7
#: of 8) and -0.49% (CI -0.74% to -0.15%, 7 of 8) (docs/validation.md, "Firm efficiency, firm defaults
#: and the tick-0 portfolios")
TIGHTENING_SEEDS = tuple(range(1, 9))
TIGHTENING_AGENTS = 100_000
TIGHTENING_WINDOWS = {"credit_growth": ("mean_credit_growth", "path_difference", 251, 450),
                      "loans": ("mean_loans", "path_ratio", 350, 600),
                      "real_gdp": ("mean_real_gdp", "path_ratio", 350, 600)}


@functools.cache
def tightening(tmp_root: str):
    """Effects of a +200 bp tightening, TIGHTENING_AGENTS households, seeds 1-8 (arena.experiment)."""
    base = arena.load_scenario("rate_shock")
    shock = dataclasses.replace(base.shocks[0], size=0.02, tick=250)
    scenario = dataclasses.replace(base, shocks=(shock,), ticks=600)
    metrics = [{"metric": m, "effect": k, "control": "no_shocks", "sign": "-", "max": 0.0, "from": a, "to": b}
               for m, k, a, b in TIGHTENING_WINDOWS.values()]
    result = arena.experiment(scenario, seeds=TIGHTENING_SEEDS, n_agents=TIGHTENING_AGENTS, backend="serial",
                              metrics=metrics, out_dir=Path(tmp_root) / "tightening")
    return result.table.set_index("metric")


@pytest.fixture(scope="module")
def tightening_table(tmp_path_factory):
    return tightening(str(tmp_path_factory.mktemp("tightening")))


@pytest.mark.slow
@pytest.mark.xdist_group("tightening")  # one worker runs the experiment the module fixture holds
@pytest.mark.parametrize("name", [
    # credit_growth was a strict xfail from a430b26 (-0.16 points, 4 of 8 seeds) to the tick-0 steady
    # state: at 0344ab8 -0.54 points (CI -0.78 to -0.29), lower on 7 of 8 seeds; loans -1.09%
    # (CI -1.72% to -0.39%, 7 of 8), real GDP -0.60% (CI -0.76% to -0.33%, 8 of 8); a strict xfail again
    # at 0735195 (the hours margin: -0.36 points, CI -0.36 to +0.10); holds at b9292a8 (the wage rule's
    # tightness reads unemployment)
    "credit_growth",
    "loans"])
def test_a_tightening_lowers_credit_against_the_same_seeds(tightening_table, name):
    """Dearer credit cuts borrowing (Bernanke & Gertler 1995): the median effect and its interval
    are below zero and at least 7 of 8 seeds show it."""
    row = tightening_table.loc[TIGHTENING_WINDOWS[name][0]]
    assert row["median"] < 0 and row["ci_high"] < 0, row.to_dict()
    assert row["share_sign"] >= 7 / 8, row.to_dict()


@pytest.mark.slow
@pytest.mark.xdist_group("tightening")  # one worker runs the experiment the module fixture holds
def test_a_tightening_lowers_output_on_most_seeds(tightening_table):
    """Dearer credit lowers output a year on (Christiano, Eichenbaum & Evans 1999: about -1% to -2%
    at the trough for 200 bp). Real GDP counts the change in inventories (SNA 2008); measured at the
    branch tight: median -0.85% [-1.31%, -0.32%], lower on 7 of 8 seeds, the minimum this asks
    (seed 7 is +0.43%): a margin of one seed (docs/validation.md, "Why unemployment rises more than
    real GDP falls")."""
    row = tightening_table.loc[TIGHTENING_WINDOWS["real_gdp"][0]]
    assert row["median"] < 0 and row["ci_high"] < 0, row.to_dict()
    assert row["share_sign"] >= 7 / 8, row.to_dict()


def test_rationed_firms_hire_for_the_share_of_liquidity_they_hold():
    """Finance-constrained hiring (Assenza et al. 2015): only with the switch, only the rationed."""
    for on in (False, True):
        m = ArenaModel(n_agents=1_000, seed=4, finance_constraint=on)
        m.step()
        cf, kf = m.cfirms, m.kfirms
        before_c, before_k = cf.labour_demand.copy(), kf.labour_demand.copy()
        share = np.ones(m.banking.finance_share.size)
        share[0], share[cf.n] = 0.5, 0.0  # one C-firm got half its liquidity, one K-firm none
        m.banking.finance_share = share
        credit_phase.limit_labour_to_finance(m)
        if not on:
            assert (cf.labour_demand == before_c).all() and (kf.labour_demand == before_k).all()
            continue
        assert cf.labour_demand[0] == np.floor(before_c[0] * 0.5 + 1e-9) and kf.labour_demand[0] == 0
        assert (cf.labour_demand[1:] == before_c[1:]).all() and (kf.labour_demand[1:] == before_k[1:]).all()


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason=(
    "4831364 (noise traders lean against the last return, noise_reversal 0.15; docs/model.md 5.2): mean real "
    "GDP over ticks 350-600 -0.26%, -0.81%, -0.48%, +0.25%, +0.53%, -0.78%, -0.95%, -1.19% against the same "
    "seeds without the +200 bp (median -0.63%, lower on 6 of 8; 7 of 8 needed). The tightening's output "
    "trough in docs/magnitudes.md (100 bp, seeds 1-10) is -2.21% on every seed: output falls, but its mean "
    "over this window is back above the control's on two seeds"))
def test_a_tightening_lowers_output_of_the_default_economy():
    """+200 bp at tick 250 in the default configuration lowers mean real GDP over ticks 350-600
    against the same seeds without it, on at least 7 of 8 seeds (Christiano, Eichenbaum & Evans
    1999; Romer & Romer 2004: output falls within one to two years of a tightening). It failed from
    the merge of branches defl, credit3 and oil2 until C-firms' user cost of capital was priced off
    the long rate (docs/validation.md, "The default economy's output after a tightening"), and from
    0344ab8 (6 of 8 seeds) until the profit tax's loss carry-forward (e6b8e66: -1.14%, -0.71%, -0.73%,
    -0.45%, -0.33%, -0.52%, +0.07%, -0.26%, median -0.48%, lower on 7 of 8)."""
    effects = []
    for seed in TIGHTENING_SEEDS:
        gdp = {}
        for shock in (False, True):
            model = ArenaModel(n_agents=20_000, seed=seed)
            for tick in range(600):
                if shock and tick == 250:
                    model.apply_shock("rate", 0.02)
                model.step()
            gdp[shock] = model.indicators()["real_gdp"].iloc[350:600].mean()
        effects.append(gdp[True] / gdp[False] - 1)
    effects = np.array(effects)
    assert np.median(effects) < 0 and (effects < 0).mean() >= 7 / 8, np.round(effects, 4)
