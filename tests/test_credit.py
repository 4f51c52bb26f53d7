"""Laws of the credit market (arena.markets.credit) on synthetic arrays."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from arena.markets import credit
from arena.monetary import per_tick
from arena.sectors.bank_params import BankParams

PARAMS = BankParams(n_banks=3)


def _book(debt_by_firm_bank):
    debt = np.asarray(debt_by_firm_bank, dtype=float)
    book = credit.LoanBook(*debt.shape)
    book.principal[:] = debt
    book.spread[:] = PARAMS.base_spread
    book.reprice(0.03, 250)
    return book


def test_per_tick_rates_compound_to_the_annual_rate():
    annual = np.array([-0.05, 0.0, 0.02, 0.5])
    tick = per_tick(annual, 250)
    assert np.allclose((1 + tick) ** 250, 1 + annual, rtol=1e-12)


def test_a_loan_creates_deposits_and_loans_equally():
    book = credit.LoanBook(4, 3)
    deposits = np.array([10.0, 0.0, 5.0, 1.0])
    requests = np.array([0.0, 50.0, 20.0, 0.0])
    lender = np.array([0, 1, 1, 2])
    before_dep, before_loans = deposits.copy(), book.bank_loans().copy()
    out = credit.lend(book, deposits, requests, deposits + 100.0, lender, np.full(3, 100.0),
                      np.zeros(3), 0.02, PARAMS)
    # every unit granted appears once as a deposit of the borrower and once as a loan of its bank
    assert np.allclose(deposits - before_dep, out.granted)
    assert np.allclose(book.bank_loans() - before_loans, out.by_bank)
    assert np.allclose(np.bincount(lender, weights=deposits - before_dep, minlength=3), out.by_bank)
    assert out.granted.sum() == pytest.approx(70.0)


def test_debt_service_destroys_money_and_loans():
    book = _book([[100.0, 0.0, 0.0], [0.0, 200.0, 0.0]])
    deposits = np.array([50.0, 50.0])
    due = credit.service_due(book, 1250)
    s = credit.service_debt(book, deposits, 1250)
    assert np.allclose(s.paid, due)
    assert np.allclose(deposits, 50.0 - due)
    # principal falls by 1/maturity, interest is the per-tick rate on the old principal
    assert np.allclose(book.debt(), [100.0 * (1 - 1 / 1250), 200.0 * (1 - 1 / 1250)])
    assert s.repaid_by_bank.sum() == pytest.approx(300.0 / 1250)
    assert s.interest_by_bank.sum() + s.repaid_by_bank.sum() == pytest.approx(due.sum())
    assert s.interest.sum() == pytest.approx(s.interest_by_bank.sum())
    assert np.all(s.interest < s.paid)
    rate = per_tick(0.03 + PARAMS.base_spread, 250)
    assert s.interest_by_bank[1] == pytest.approx(200.0 * rate)


def test_a_firm_that_cannot_pay_pays_nothing_and_is_flagged():
    book = _book([[100.0, 0.0, 0.0], [0.0, 100.0, 0.0]])
    deposits = np.array([5.0, 0.0])
    s = credit.service_debt(book, deposits, 50)
    assert list(s.unable) == [False, True]
    assert deposits[1] == 0.0 and book.principal[1, 1] == 100.0


def test_amortisation_has_the_documented_mean_life():
    maturity = 200
    book = _book([[1000.0, 0.0, 0.0]])
    deposits = np.array([1e9])
    for _ in range(maturity):
        credit.service_debt(book, deposits, maturity)
    # a declining balance at 1/m per tick leaves (1 - 1/m)^m ~ e^-1 after m ticks
    assert book.debt()[0] / 1000.0 == pytest.approx((1 - 1 / maturity) ** maturity, rel=1e-9)
    assert abs(book.debt()[0] / 1000.0 - np.exp(-1)) < 0.01


def test_loan_rate_rises_with_leverage_and_bank_weakness():
    lev = np.linspace(0.0, 1.0, 21)
    pd = credit.default_probability(lev, PARAMS)
    assert np.all(np.diff(pd) > 0)
    rate = credit.loan_rate(0.02, pd, np.zeros_like(pd), PARAMS)
    assert np.all(np.diff(rate) > 0)
    assert rate[0] > 0.02 + PARAMS.base_spread  # even at zero leverage pd > 0 costs something
    weak = credit.loan_rate(0.02, pd, np.full_like(pd, 0.01), PARAMS)
    assert np.allclose(weak - rate, 0.01)


def test_policy_rate_pass_through_to_new_loans_is_one_over_survival():
    pd = credit.default_probability(np.array([0.1, 0.5, 0.8]), PARAMS)
    low = credit.loan_rate(0.01, pd, np.zeros(3), PARAMS)
    high = credit.loan_rate(0.03, pd, np.zeros(3), PARAMS)
    assert np.allclose((high - low) / 0.02, 1.0 / (1.0 - pd))
    assert np.all((high - low) / 0.02 >= 1.0)


def test_floating_loans_reprice_with_the_policy_rate():
    book = _book([[100.0, 0.0, 0.0]])
    assert book.mean_rate(0.05) - book.mean_rate(0.03) == pytest.approx(0.02)


def test_leverage_is_debt_over_assets_after_borrowing():
    debt, new, assets = np.array([50.0, 0.0, 10.0]), np.array([50.0, 0.0, 0.0]), np.array([100.0, 10.0, 0.0])
    lev = credit.leverage(debt, new, assets)
    assert np.allclose(lev, [100.0 / 150.0, 0.0, 1.0])


def test_risky_borrowers_are_refused_whatever_the_capital():
    book = credit.LoanBook(2, 1)
    deposits = np.zeros(2)
    params = BankParams(n_banks=1)
    # firm 1 has no assets: leverage 1, pd = logistic(1) > 0.25
    out = credit.lend(book, deposits, np.array([10.0, 10.0]), np.array([1000.0, 0.0]),
                      np.array([0, 0]), np.array([1e6]), np.zeros(1), 0.02, params)
    assert list(out.refused) == [False, True]
    assert out.granted[1] == 0.0 and out.granted[0] == 10.0


@st.composite
def market(draw):
    n_firms = draw(st.integers(1, 40))
    n_banks = draw(st.integers(1, 5))
    floats = st.floats(0.0, 1000.0, allow_nan=False)
    requests = np.array(draw(st.lists(floats, min_size=n_firms, max_size=n_firms)))
    risk = np.array(draw(st.lists(st.floats(0, 1), min_size=n_firms, max_size=n_firms)))
    lender = np.array(draw(st.lists(st.integers(0, n_banks - 1), min_size=n_firms, max_size=n_firms)))
    capacity = np.array(draw(st.lists(st.floats(0.0, 3000.0), min_size=n_banks, max_size=n_banks)))
    return requests, lender, risk, capacity


@given(market())
def test_rationing_serves_the_safest_first_and_uses_capacity(case):
    requests, lender, risk, capacity = case
    granted = credit.ration(requests, lender, risk, capacity)
    assert np.all(granted >= 0) and np.all(granted <= requests + 1e-12)
    per_bank = np.bincount(lender, weights=granted, minlength=capacity.size)
    wanted = np.bincount(lender, weights=requests, minlength=capacity.size)
    assert np.all(per_bank <= capacity * (1 + 1e-12) + 1e-9)
    # no capacity left idle while someone at that bank is short
    assert np.allclose(per_bank, np.minimum(wanted, capacity), rtol=1e-9, atol=1e-6)
    short = granted < requests - 1e-9
    for b in range(capacity.size):
        at_b = lender == b
        if (short & at_b).any():
            # every riskier applicant than the safest short one gets nothing more than it
            worst_served = risk[at_b & (granted > 1e-9) & (requests > 0)]
            best_short = risk[short & at_b].min()
            assert np.all(worst_served <= best_short + 1e-12)


@given(
    st.lists(st.floats(-50.0, 500.0), min_size=1, max_size=6),
    st.floats(0.0, 0.3),
    st.integers(1, 30),
    st.integers(0, 2**32 - 1),
)
def test_new_lending_never_breaks_the_capital_requirement(equity, requirement, n_firms, seed):
    rng = np.random.default_rng(seed)
    params = BankParams(n_banks=len(equity), capital_requirement=requirement)
    equity = np.array(equity)
    book = credit.LoanBook(n_firms, equity.size)
    shape = (n_firms, equity.size)
    book.principal[:] = rng.uniform(0, 300, shape) * (rng.random(shape) < 0.5)
    lender = rng.integers(0, equity.size, n_firms)
    deposits = rng.uniform(0, 100, n_firms)
    requests = rng.uniform(0, 1000, n_firms)
    before = book.bank_loans().copy()
    out = credit.lend(book, deposits, requests, deposits + rng.uniform(0, 5000, n_firms), lender, equity,
                      np.zeros(equity.size), 0.01, params)
    lent = out.by_bank > 0
    after = book.bank_loans()
    assert np.allclose(after - before, out.by_bank)
    if requirement > 0:
        assert np.all(equity[lent] >= requirement * after[lent] * (1 - 1e-9))
    assert not (lent & (equity <= 0)).any()


def test_write_off_charges_loss_given_default_to_equity_and_closes_rows():
    book = _book([[60.0, 40.0, 0.0], [0.0, 0.0, 30.0], [10.0, 0.0, 0.0]])
    deposits = np.array([500.0, 3.0, 7.0])
    defaulted = np.array([True, True, False])
    w = credit.write_off(book, defaulted, deposits, PARAMS.recovery_rate)
    # firm 0 could pay the full recovery; firm 1 only its 3 of deposits
    assert w.recovered[0] == pytest.approx(PARAMS.recovery_rate * 100.0)
    assert w.recovered[1] == pytest.approx(3.0)
    assert np.allclose(w.written_by_bank, [60.0, 40.0, 30.0])
    assert np.allclose(w.loss_by_bank, w.written_by_bank - w.recovered_by_bank)
    assert w.loss_by_bank[0] == pytest.approx(60.0 * (1 - PARAMS.recovery_rate))
    assert w.loss_by_bank[2] == pytest.approx(27.0)
    assert np.allclose(deposits, [500.0 - 55.0, 0.0, 7.0])
    assert w.recovered.sum() == pytest.approx(w.recovered_by_bank.sum())
    assert book.debt()[:2].sum() == 0.0 and book.debt()[2] == 10.0


def test_loan_book_resize_keeps_debt_and_refuses_to_drop_debtors():
    book = _book([[1.0, 0.0, 0.0], [0.0, 2.0, 0.0]])
    book.resize(4)
    assert book.principal.shape == (4, 3) and book.debt().sum() == 3.0
    with pytest.raises(ValueError, match="still owe"):
        book.resize(1)


def test_coverage_ratio_is_service_over_cash_flow_capped():
    x = credit.coverage_ratio(np.array([1.0, 5.0, 1.0, 0.0, 1.0]), np.array([4.0, 1.0, 0.0, -3.0, -1.0]))
    assert np.allclose(x, [0.25, credit.COVERAGE_CAP, credit.COVERAGE_CAP, 0.0, credit.COVERAGE_CAP])


def test_a_rate_rise_raises_the_default_probability_through_debt_service():
    """With cash-flow pricing, the same firm is riskier at a higher policy rate (Minsky 1986).

    Leverage does not move with the rate; debt service on floating debt does, so the quoted
    premium over the policy rate widens and a marginal borrower crosses the refusal ceiling.
    """
    params = BankParams(n_banks=1, pd_coverage=3.0, pd_intercept=-8.4, max_default_probability=0.06)
    out = {}
    for policy in (0.02, 0.12):
        book = credit.LoanBook(1, 1)
        book.principal[:] = 400.0
        book.spread[:] = params.base_spread
        book.reprice(policy, 250)
        deposits = np.array([0.0])
        out[policy] = credit.lend(book, deposits, np.array([10.0]), np.array([1000.0]), np.array([0]),
                                  np.array([1e6]), np.zeros(1), policy, params, np.array([0.6]), 250)
    assert out[0.12].pd[0] > out[0.02].pd[0]
    assert out[0.12].rate[0] - 0.12 > out[0.02].rate[0] - 0.02  # the premium itself widens
    assert not out[0.02].refused[0] and out[0.12].refused[0]


def test_without_cash_flow_pricing_is_by_leverage_only():
    params = BankParams(n_banks=1, pd_coverage=3.0)
    book = credit.LoanBook(2, 1)
    book.principal[:, 0] = [100.0, 100.0]
    book.reprice(0.03, 250)
    a = credit.lend(book, np.zeros(2), np.array([5.0, 5.0]), np.array([500.0, 500.0]), np.array([0, 0]),
                    np.array([1e6]), np.zeros(1), 0.03, params)
    assert a.pd[0] == pytest.approx(float(credit.default_probability(np.array([105.0 / 505.0]), params)[0]))


def test_debt_service_coverage_caps_new_loans_at_what_cash_flow_can_serve():
    """With a DSCR floor of 1, no firm leaves the market owing more service than its cash flow.

    Three firms with the same debt and request: one whose cash flow covers its service with
    room to spare gets its whole request, one with a little room gets part of it, and one
    whose cash flow is below the service it already owes (it would borrow to pay it) gets
    nothing. A rate rise on the same book shrinks the room of every firm.
    """
    params = BankParams(n_banks=1, min_service_coverage=1.0, max_default_probability=0.99)
    cash_flow = np.array([10.0, 0.4, 0.3])
    granted = {}
    for policy in (0.02, 0.12):
        book = credit.LoanBook(3, 1)
        book.principal[:, 0] = 400.0
        book.spread[:] = params.base_spread
        book.reprice(policy, 250)
        owed = credit.service_due(book, params.loan_maturity)
        out = credit.lend(book, np.zeros(3), np.full(3, 50.0), np.full(3, 1000.0), np.zeros(3, dtype=int),
                          np.array([1e6]), np.zeros(1), policy, params, cash_flow, 250)
        quoted = per_tick(policy + params.base_spread, 250)
        after = owed + out.granted * (quoted + 1.0 / params.loan_maturity)
        assert np.all(after[out.granted > 0] <= cash_flow[out.granted > 0] * (1 + 1e-12))
        granted[policy] = out.granted
    assert granted[0.02][0] == 50.0  # ample cash flow: the whole request
    assert 0.0 < granted[0.02][1] < 50.0  # part of it
    assert granted[0.02][2] == 0.0  # cash flow below the service owed: no new money
    assert np.all(granted[0.12] <= granted[0.02]) and granted[0.12][1] < granted[0.02][1]


def test_without_a_coverage_floor_a_firm_borrows_its_service():
    """Floor off (the default): a firm whose cash flow is below its service is priced, not refused."""
    granted = {}
    for floor in (0.0, 1.0):
        params = BankParams(n_banks=1, max_default_probability=0.99, min_service_coverage=floor)
        book = credit.LoanBook(2, 1)
        book.principal[:, 0] = 400.0
        book.reprice(0.05, 250)
        granted[floor] = credit.lend(book, np.zeros(2), np.full(2, 50.0), np.full(2, 1000.0),
                                     np.zeros(2, dtype=int), np.array([1e6]), np.zeros(1), 0.05, params,
                                     np.array([10.0, 0.1]), 250).granted
    assert granted[0.0].tolist() == [50.0, 50.0]
    assert granted[1.0].tolist() == [50.0, 0.0]
