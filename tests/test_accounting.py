"""Stock-flow accounting: the ledger, the check, and that corruption mid-tick is caught and named."""

from __future__ import annotations

import pytest
from conftest import SMALL_N

from arena import AccountingError, ArenaModel, accounting
from arena.accounting import Ledger, check


def test_ledger_accumulates_named_flows_per_stock():
    ledger = Ledger()
    ledger.record("money", "transfers", 10.0)
    ledger.record("money", "transfers", 5.0)
    ledger.record("money", "levy", -3.0)
    ledger.record("goods", "production", 7.0)
    assert ledger.net("money") == 12.0
    assert ledger.net("goods") == 7.0
    assert ledger.net("unknown") == 0.0
    assert ledger.as_dict() == {"money": {"transfers": 15.0, "levy": -3.0}, "goods": {"production": 7.0}}


def test_check_passes_when_changes_match_flows():
    ledger = Ledger()
    ledger.record("money", "created", 25.0)
    check(3, {"money": 100.0, "goods": 5.0}, {"money": 125.0, "goods": 5.0}, ledger)
    # rounding far below the tolerance is accepted
    check(3, {"money": 1e12}, {"money": 1e12 + 1.0}, Ledger())


def test_check_names_tick_account_and_amount():
    ledger = Ledger()
    ledger.record("money", "created", 25.0)
    with pytest.raises(AccountingError) as info:
        check(7, {"money": 100.0, "goods": 5.0}, {"money": 125.0, "goods": 4.5}, ledger)
    err = info.value
    assert (err.tick, err.account, err.amount) == (7, "goods", pytest.approx(-0.5))
    assert "tick 7" in str(err) and "'goods'" in str(err) and "-0.5" in str(err)
    with pytest.raises(AccountingError) as info:
        check(8, {"money": 100.0}, {"money": 126.0}, ledger)
    assert (info.value.account, info.value.amount) == ("money", pytest.approx(1.0))


def test_accounting_error_is_a_runtime_error_with_fields():
    err = AccountingError(12, "reserves_oil", 3.25)
    assert isinstance(err, RuntimeError)
    assert (err.tick, err.account, err.amount) == (12, "reserves_oil", 3.25)
    assert str(err) == ("accounting violated at tick 12: account 'reserves_oil' changed by +3.25 "
                        "more than its recorded flows")


def _corrupting(model, phase: str, corrupt):
    original = getattr(model, phase)

    def wrapped(*args, **kwargs):
        result = original(*args, **kwargs)
        corrupt(model)
        return result

    return wrapped


def _add_cash(m):
    m.pop.cash[0] += 1000.0


def _drain_firms(m):
    m.cfirms.deposits[0] -= 250.0


def _add_goods(m):
    m.cfirms.inventory[1] += 40.0


def _add_capital(m):
    m.cfirms.capital[2] += 30.0


def _add_machines(m):
    m.kfirms.inventory[0] += 20.0


def _add_shares(m):
    m.pop.shares[3] += 2.0


def _lose_oil(m):
    m.scarcity.reserves[0] -= 9.0


#: label -> (phase to corrupt after, corruption, unexplained amount)
CORRUPTIONS = {
    "money": ("_phase_agents", _add_cash, 1000.0),
    "money (firms)": ("_phase_markets", _drain_firms, -250.0),
    "goods": ("_phase_markets", _add_goods, 40.0),
    "capital": ("_phase_agents", _add_capital, 30.0),
    "machines": ("_phase_markets", _add_machines, 20.0),
    "shares_equity": ("_phase_agents", _add_shares, 2.0),
    "reserves_oil": ("_phase_scarcity", _lose_oil, -9.0),
}


@pytest.mark.parametrize("case", sorted(CORRUPTIONS))
def test_corrupting_a_stock_mid_tick_raises_naming_tick_account_and_amount(case, monkeypatch):
    phase, corrupt, amount = CORRUPTIONS[case]
    account = case.split(" ")[0]
    model = ArenaModel(n_agents=SMALL_N, seed=3, check_accounting=True)
    for _ in range(5):
        model.step()  # clean ticks pass
    monkeypatch.setattr(model, phase, _corrupting(model, phase, corrupt))
    with pytest.raises(AccountingError) as info:
        model.step()
    err = info.value
    assert err.tick == 6
    assert err.account == account
    assert err.amount == pytest.approx(amount, rel=1e-6)
    assert "tick 6" in str(err) and repr(account) in str(err)


def test_corruption_goes_unnoticed_without_the_check(monkeypatch):
    model = ArenaModel(n_agents=SMALL_N, seed=3, check_accounting=False)
    calls = []
    monkeypatch.setattr(accounting, "check", lambda *a: calls.append(a))
    phase, corrupt, _ = CORRUPTIONS["money"]
    monkeypatch.setattr(model, phase, _corrupting(model, phase, corrupt))
    model.step()  # no check, no error: the check is opt-in and costs nothing when off
    assert calls == []


def test_tiny_rounding_is_tolerated_but_a_real_leak_is_not(monkeypatch):
    model = ArenaModel(n_agents=SMALL_N, seed=3, check_accounting=True)
    money = model.money_supply()
    # far below the relative tolerance (1e-9 of the money stock): accepted
    monkeypatch.setattr(model, "_phase_monetary", _corrupting(
        model, "_phase_monetary", lambda m: m.pop.cash.__setitem__(1, m.pop.cash[1] + money * 1e-13)))
    model.step()
    monkeypatch.undo()
    # far above it: caught
    monkeypatch.setattr(model, "_phase_monetary", _corrupting(
        model, "_phase_monetary", lambda m: m.pop.cash.__setitem__(1, m.pop.cash[1] + money * 1e-6)))
    with pytest.raises(AccountingError, match="'money'"):
        model.step()


def test_audit_scale_counts_what_a_stock_went_through():
    # a stock that grew to 1e30 and came back carries the rounding of sums of 1e30
    ledger = Ledger()
    ledger.record("loans", "granted", 1e30)
    ledger.record("loans", "repaid", -1e30)
    ledger.record("money", "created", 2.0)
    other = Ledger()
    other.record("loans", "granted", 5.0)
    ledger.merge(other)
    start, now = {"loans": 10.0, "money": 0.5}, {"loans": 15.0, "money": 2.5}
    scale = accounting.audit_scale(start, now, ledger)
    assert scale == {"loans": pytest.approx(15.0 + 2e30 + 5.0), "money": 2.5 + 2.0}
    # the 5 granted after the 1e30 is lost in the float sum: rounding, small against the scale
    gap = accounting.unexplained(start, now, ledger)
    assert gap["money"] == 0.0 and gap["loans"] == 5.0 and gap["loans"] < 1e-9 * scale["loans"]
