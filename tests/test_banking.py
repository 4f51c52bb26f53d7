"""The banking system over a synthetic economy: accounts close tick by tick, whatever happens.

The synthetic economy is a stand-in for the firm sector: firms plan random outlays (paid
to households as wages), households spend part of their deposits on random firms, some
firms default at random on top of those that cannot service their debt. Money moves only
between deposit accounts there, so every change of the money stock must be a flow the
banking system recorded.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arena import accounting
from arena.accounting import Ledger
from arena.banking import BankingSystem
from arena.sectors.bank_params import BankParams


class Toy:
    """Households and firms with deposits around a BankingSystem."""

    def __init__(self, params, n_households=500, n_firms=40, seed=0, equity=200.0, loans=100.0):
        self.rng = np.random.default_rng(seed)
        self.hh = self.rng.lognormal(3.0, 0.8, n_households)
        self.fd = self.rng.uniform(0.0, 50.0, n_firms)
        self.capital = self.rng.uniform(50.0, 400.0, n_firms)
        self.system = BankingSystem(params, n_households, n_firms, 250, self.rng, equity)
        self.system.seed_loans(self.fd, self.rng.uniform(0.0, loans, n_firms))
        self.system.settle(self.hh, self.fd)

    def stocks(self):
        s = self.system
        return {"money": float(self.hh.sum() + self.fd.sum()), "loans": s.loans(),
                "bank_equity": float(s.banks.equity.sum())}

    def tick(self, policy_rate, outlay_scale=30.0, default_p=0.01, spend=0.3):
        s, rng, f = self.system, self.rng, self.fd.size
        ledger = Ledger()
        before = self.stocks()
        s.begin_tick(policy_rate)
        outlays = rng.uniform(0.0, outlay_scale, f)
        lending = s.lend(self.fd, outlays, self.capital, ledger)
        lent = lending.by_bank > 0  # the capital requirement holds at every bank that lent
        k = s.params.capital_requirement
        assert np.all(s.banks.equity[lent] >= k * s.book.bank_loans()[lent] * (1 - 1e-9))
        paid = np.minimum(outlays, self.fd)
        self.fd -= paid
        self.hh += np.bincount(rng.integers(0, self.hh.size, f), weights=paid, minlength=self.hh.size)
        buy = self.hh * spend
        self.hh -= buy
        self.fd += np.bincount(rng.integers(0, f, self.hh.size), weights=buy, minlength=f)
        service = s.collect_service(self.fd, ledger)
        defaulted = service.unable | (rng.random(f) < default_p)
        s.write_off(defaulted, self.fd, ledger)
        flows = s.end_tick(self.hh, self.fd, ledger, owners=self.rng.random(self.hh.size))
        accounting.check(len(s.loans_history), before, self.stocks(), ledger)
        return lending, flows, ledger

    def sheet(self):
        return accounting.balance_sheet(self.system.balance_sheet_entries(self.hh, self.fd))


def _assert_closed(toy):
    frame = toy.sheet()
    worst = max(accounting.row_residuals(frame).values())
    assert worst < 1e-9, frame
    s = toy.system
    b = s.banks
    deposits = s.deposits_by_bank(toy.hh, toy.fd)
    assets, liabilities = s.book.bank_loans() + b.reserves, deposits + b.advances + b.equity
    assert np.allclose(assets, liabilities, rtol=1e-12, atol=1e-7)
    assert np.all(b.advances >= 0) and np.all(b.reserves >= s.params.reserve_ratio * deposits - 1e-7)
    assert np.all(b.equity >= 0)  # failures are resolved within the tick
    for arr in (toy.hh, toy.fd, s.book.principal, b.equity, b.reserves):
        assert np.isfinite(arr).all()
    assert (s.book.principal >= 0).all()


def test_a_loan_raises_borrower_and_bank_deposits_by_the_same_amount():
    toy = Toy(BankParams(n_banks=3), seed=4)
    s = toy.system
    s.begin_tick(0.02)
    dep_before = s.deposits_by_bank(toy.hh, toy.fd)
    loans_before = s.book.bank_loans().copy()
    fd_before = toy.fd.copy()
    out = s.lend(toy.fd, np.full(toy.fd.size, 80.0), toy.capital, Ledger())
    assert out.granted.sum() > 0
    assert np.allclose(toy.fd - fd_before, out.granted)
    assert np.allclose(s.deposits_by_bank(toy.hh, toy.fd) - dep_before, out.by_bank)
    assert np.allclose(s.book.bank_loans() - loans_before, out.by_bank)


def test_repayment_destroys_deposits_and_loans_and_interest_becomes_equity():
    toy = Toy(BankParams(n_banks=3), seed=5)
    s = toy.system
    toy.fd += 1e4  # everyone can pay
    s.settle(toy.hh, toy.fd)
    s.begin_tick(0.03)
    money, loans, equity = toy.fd.sum(), s.loans(), s.banks.equity.sum()
    service = s.collect_service(toy.fd, Ledger())
    repaid, interest = service.repaid_by_bank.sum(), service.interest_by_bank.sum()
    assert repaid > 0 and interest > 0
    assert toy.fd.sum() == pytest.approx(money - repaid - interest, rel=1e-12)
    assert s.loans() == pytest.approx(loans - repaid, rel=1e-12)
    assert s.banks.equity.sum() == pytest.approx(equity + interest, rel=1e-12)


def test_a_bank_failure_is_resolved_without_touching_deposits():
    params = BankParams(n_banks=2, recovery_rate=0.0, bank_switching_rate=0.0)
    toy = Toy(params, seed=6, equity=5.0, loans=200.0)
    s = toy.system
    s.begin_tick(0.02)
    ledger = Ledger()
    at_bank0 = s.book.principal[:, 0] > 0
    s.write_off(at_bank0, toy.fd, ledger)
    assert s.banks.equity[0] < 0
    hh, fd = toy.hh.copy(), toy.fd.copy()
    s.banks.resolve_failures(s.book.bank_loans())
    assert np.array_equal(hh, toy.hh) and np.array_equal(fd, toy.fd)  # deposits protected
    assert s.banks.equity[0] > 0 and s.banks.public_stake[0] == 1.0
    s.settle(toy.hh, toy.fd)
    sheet = toy.sheet()
    assert sheet.loc["equity", "central_bank"] == pytest.approx(s.banks.equity[0])
    _assert_closed(toy)


def test_a_tick_with_a_failure_keeps_money_and_every_row_closed():
    params = BankParams(n_banks=2, recovery_rate=0.0)
    toy = Toy(params, seed=7, equity=3.0, loans=300.0)
    failures = 0
    for _ in range(5):
        _, flows, ledger = toy.tick(0.02, default_p=0.5)
        failures += flows["failures"]
        _assert_closed(toy)
    assert failures >= 1
    assert toy.system.banks.failures_total == failures


@settings(max_examples=25)
@given(
    n_banks=st.integers(1, 6),
    n_firms=st.integers(1, 60),
    seed=st.integers(0, 2**32 - 1),
    requirement=st.floats(0.0, 0.3),
    recovery=st.floats(0.0, 1.0),
    maturity=st.integers(1, 2000),
    default_p=st.floats(0.0, 0.3),
    rates=st.lists(st.floats(-0.02, 0.15), min_size=1, max_size=12),
    equity=st.floats(0.0, 500.0),
)
def test_accounts_close_every_tick_over_random_configurations(
    n_banks, n_firms, seed, requirement, recovery, maturity, default_p, rates, equity
):
    params = BankParams(n_banks=n_banks, capital_requirement=requirement, recovery_rate=recovery,
                        loan_maturity=maturity, bank_switching_rate=0.05)
    toy = Toy(params, n_households=200, n_firms=n_firms, seed=seed, equity=equity)
    _assert_closed(toy)
    for rate in rates:
        toy.tick(rate, default_p=default_p)  # raises AccountingError if a stock is not explained
        _assert_closed(toy)


def test_same_seed_same_path_and_indicators_are_finite():
    runs = []
    for _ in range(2):
        toy = Toy(BankParams(n_banks=4), seed=11)
        for t in range(30):
            toy.tick(0.02 + 0.001 * t)
        runs.append((toy.system.indicators(), toy.hh.copy(), toy.system.household_bank.copy()))
    assert runs[0][0] == runs[1][0]
    assert np.array_equal(runs[0][1], runs[1][1]) and np.array_equal(runs[0][2], runs[1][2])
    ind = runs[0][0]
    assert set(ind) == {"loans", "loan_rate", "credit_growth", "bank_equity", "capital_ratio",
                        "bank_failures"}
    assert all(np.isfinite(v) for v in ind.values())


def test_banks_frame_has_one_row_per_bank_and_matches_the_sheet():
    toy = Toy(BankParams(n_banks=5), seed=2)
    for _ in range(3):
        toy.tick(0.02)
    frame = toy.system.frame(toy.hh, toy.fd)
    sheet = toy.sheet()
    assert len(frame) == 5
    assert frame.loans.sum() == pytest.approx(sheet.loc["loans", "banks"])
    assert frame.deposits.sum() == pytest.approx(-sheet.loc["deposits", "banks"])
    assert frame.households.sum() == toy.hh.size and frame.firms.sum() == toy.fd.size


def test_balance_sheet_columns_sum_to_zero_and_net_worth_equals_real_assets():
    frame = accounting.balance_sheet({
        "households": {"deposits": 100.0, "equity": 30.0},
        "firms": {"deposits": 20.0, "loans": -90.0, "capital": 200.0, "inventories": 10.0},
        "banks": {"deposits": -120.0, "loans": 90.0, "reserves": 60.0, "equity": -30.0},
        "central_bank": {"reserves": -60.0},
    })
    assert np.allclose(frame.drop(columns="total").sum(axis=0), 0.0)
    assert frame.loc["net worth", "total"] == pytest.approx(-210.0)
    assert max(accounting.row_residuals(frame).values()) == 0.0
    broken = accounting.balance_sheet({"a": {"loans": 1.0}, "b": {"loans": -0.5}})
    assert accounting.row_residuals(broken)["loans"] == pytest.approx(1 / 3)
    with pytest.raises(ValueError, match="'gold'"):
        accounting.balance_sheet({"a": {"gold": 1.0}})


def test_initial_loans_without_deposits_and_outside_accounts_keep_rows_closed():
    toy = Toy(BankParams(n_banks=3), seed=9, loans=0.0)
    money = toy.hh.sum() + toy.fd.sum()
    toy.system.seed_loans(toy.fd, np.full(toy.fd.size, 40.0), credit_deposits=False)
    toy.system.external_deposits = 123.0
    toy.system.settle(toy.hh, toy.fd)
    assert toy.hh.sum() + toy.fd.sum() == money  # an initial condition: no money created
    assert toy.system.loans() == pytest.approx(40.0 * toy.fd.size)
    sheet = toy.sheet()
    assert sheet.loc["deposits", "outside"] == 123.0
    _assert_closed(toy)
    for _ in range(3):
        toy.tick(0.02)
        _assert_closed(toy)
