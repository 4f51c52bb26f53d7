"""Laws of the banking sector (arena.sectors.banks) and its parameters."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from arena.errors import ConfigError
from arena.sectors.bank_params import BANK_PARAMETERS, BankParams
from arena.sectors.banks import Banks, switch_banks


def test_params_defaults_and_error_template():
    p = BankParams()
    assert p.n_banks == 10 and p.capital_target == pytest.approx(0.105)
    message = r"'capital_requirement' parameter of BankParams must be a float in the range \[0, 0.5\]"
    with pytest.raises(ConfigError, match=message):
        BankParams(capital_requirement=0.9)
    with pytest.raises(ConfigError, match="'n_banks'"):
        BankParams(n_banks=2.5)
    with pytest.raises(ConfigError, match="'recovery_rate'"):
        BankParams(recovery_rate=float("nan"))
    assert set(BANK_PARAMETERS) == set(BankParams.__dataclass_fields__)
    assert BankParams.from_mapping({"n_banks": 3, "unrelated": 1}).n_banks == 3


def test_banks_refuse_negative_or_nonfinite_equity():
    with pytest.raises(ValueError, match="'equity' of Banks"):
        Banks(BankParams(n_banks=2), np.array([1.0, -1.0]))


@given(st.floats(-0.05, 0.2), st.floats(0.0, 0.1))
def test_deposit_rate_pass_through_sign_and_size(rate, step):
    params = BankParams(n_banks=2)
    banks = Banks(params, 10.0)
    loans = np.array([50.0, 50.0])
    banks.set_rates(rate, loans)
    low = banks.deposit_rate.copy()
    banks.set_rates(rate + step, loans)
    change = banks.deposit_rate - low
    assert np.all(change >= 0)  # a higher policy rate never lowers the deposit rate
    assert np.all(change <= params.deposit_passthrough * step + 1e-15)
    if rate >= 0:
        assert np.allclose(change, params.deposit_passthrough * step)
    assert np.all(banks.deposit_rate >= 0)  # no negative rates on deposits


def test_banks_short_of_reserves_pay_a_liquidity_premium():
    params = BankParams(n_banks=2)
    banks = Banks(params, np.array([10.0, 10.0]))
    # bank 0 lent more than its deposits and equity: it must borrow reserves
    banks.settle_liquidity(deposits=np.array([100.0, 100.0]), loans=np.array([150.0, 50.0]))
    assert banks.advances[0] > 0 and banks.advances[1] == 0
    banks.set_rates(0.02, np.array([150.0, 50.0]))
    assert banks.deposit_rate[0] - banks.deposit_rate[1] == pytest.approx(params.liquidity_premium)


@given(
    st.lists(st.tuples(st.floats(0, 1e6), st.floats(0, 1e6), st.floats(-1e4, 1e5)), min_size=1, max_size=8),
    st.floats(0.0, 0.5),
)
def test_liquidity_settlement_closes_each_bank_with_minimal_advances(rows, ratio):
    deposits, loans, equity = (np.array(c) for c in zip(*rows, strict=True))
    banks = Banks(BankParams(n_banks=len(rows), reserve_ratio=ratio), 0.0)
    banks.equity = equity
    banks.settle_liquidity(deposits, loans)
    assert np.all(banks.advances >= 0)
    assert np.all(banks.reserves >= ratio * deposits - 1e-6 * (1 + deposits))
    assert np.allclose(loans + banks.reserves, deposits + banks.advances + equity, rtol=1e-12, atol=1e-6)
    # advances only when needed: a bank that borrows holds exactly the required reserves
    borrowing = banks.advances > 0
    assert np.allclose(banks.reserves[borrowing], ratio * deposits[borrowing], rtol=1e-9, atol=1e-6)


def test_weakness_spread_rises_as_capital_falls_from_target_to_minimum():
    params = BankParams(n_banks=4)
    banks = Banks(params, np.array([20.0, 10.5, 9.25, 7.0]))
    banks.set_rates(0.02, np.full(4, 100.0))  # ratios 0.2, 0.105 (target), 0.0925, 0.07
    assert banks.weakness[0] == 0.0 and banks.weakness[1] == pytest.approx(0.0, abs=1e-12)
    assert banks.weakness[2] == pytest.approx(params.weakness_spread * 0.5)
    assert banks.weakness[3] == pytest.approx(params.weakness_spread)


def test_a_subnormal_loan_book_counts_as_no_loans_without_a_warning():
    # A random configuration once left banks with loans near 1e-320: equity / loans overflowed
    # with a RuntimeWarning. The ratio must be the no-loans value (inf) and rates the unweakened ones.
    params = BankParams(n_banks=3)
    banks = Banks(params, np.array([50.0, 50.0, 50.0]))
    loans = np.array([1e-320, 0.0, 100.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ratio = banks.capital_ratio(loans)
        banks.set_rates(0.02, loans)
    assert ratio[0] == np.inf and ratio[1] == np.inf and ratio[2] == pytest.approx(0.5)
    assert np.all(banks.weakness == 0.0)


@given(st.floats(0.0, 100.0), st.floats(-50.0, 50.0), st.floats(1.0, 1000.0))
def test_dividends_never_take_capital_below_target(equity, profit, loans):
    params = BankParams(n_banks=1)
    banks = Banks(params, equity)
    banks.profit = np.array([profit])
    paid = banks.pay_dividends(np.array([loans]))
    assert paid[0] >= 0 and paid[0] <= params.bank_payout * max(profit, 0.0) + 1e-12
    if paid[0] > 0:
        assert banks.equity[0] >= params.capital_target * loans * (1 - 1e-12)
    assert banks.equity[0] == pytest.approx(equity - paid[0])


def test_failed_bank_is_recapitalised_by_the_central_bank_and_owned_by_it():
    params = BankParams(n_banks=3)
    banks = Banks(params, np.array([10.0, 10.0, 10.0]))
    banks.equity[1] = -4.0
    loans = np.array([100.0, 80.0, 60.0])
    failed, injected = banks.resolve_failures(loans)
    assert list(failed) == [False, True, False]
    assert banks.equity[1] == pytest.approx(params.capital_target * 80.0)
    assert injected[1] == pytest.approx(params.capital_target * 80.0 + 4.0)
    assert banks.public_stake[1] == 1.0 and banks.public_stake[0] == 0.0
    assert banks.failures_total == 1


def _switch(rates, higher, n=100_000, seed=0):
    params = BankParams(n_banks=len(rates), bank_switching_rate=0.2)
    rng = np.random.default_rng(seed)
    assignment = rng.integers(0, len(rates), n)
    before = assignment.copy()
    moved, previous = switch_banks(assignment, np.array(rates), higher, params, rng)
    assert np.array_equal(previous, before[moved])
    return before, assignment, moved.size


def test_depositors_move_only_toward_higher_deposit_rates():
    before, after, moved = _switch([0.01, 0.02, 0.005], True)
    changed = before != after
    assert moved == changed.sum() > 0
    rates = np.array([0.01, 0.02, 0.005])
    assert np.all(rates[after[changed]] > rates[before[changed]])
    share = np.bincount(after, minlength=3) / after.size
    assert share[1] > 1 / 3 > share[2]


def test_borrowers_move_only_toward_cheaper_banks_and_nobody_moves_at_equal_rates():
    rates = np.array([0.05, 0.04])
    before, after, _ = _switch(rates, False)
    changed = before != after
    assert changed.any() and np.all(rates[after[changed]] < rates[before[changed]])
    _, _, moved = _switch([0.03, 0.03, 0.03], True)
    assert moved == 0


def test_switching_probability_matches_the_documented_law():
    # from 1% to 2%: relative gain 0.5, probability 1 - exp(-eps * 0.5) among those who compare
    params = BankParams(n_banks=2, bank_switching_rate=1.0)
    rng = np.random.default_rng(3)
    assignment = np.zeros(200_000, dtype=np.int64)
    switch_banks(assignment, np.array([0.01, 0.02]), True, params, rng)
    expected = 1 - np.exp(-params.bank_switching_intensity * 0.5)
    assert abs(assignment.mean() - expected) < 0.005



def test_bank_parameters_are_engine_parameters():
    from arena.config import PARAMETERS

    assert set(BANK_PARAMETERS) <= set(PARAMETERS)
