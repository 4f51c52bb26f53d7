"""The public sector: its rules hold, automatic stabilisers emerge, and the fiscal multiplier.

The multiplier of ``scenarios/fiscal_stimulus.toml`` is measured against the same seeds without
the stimulus (common random numbers): cumulative change of real GDP over cumulative change of
real purchases (:mod:`arena.multiplier`; Ramey 2019's definition), the median over seeds with a
bootstrap interval. The expected ranges were written before the runs, from the literature:

* two-year cumulative multiplier in [0.6, 1.0]: Ramey (2019, JEP 33(2)) surveys 0.6-1.0 for the
  US; Ramey & Zubairy (2018, JPE 126(2)) find 0.6-0.8 at two years whether or not there is slack;
* multiplier over the stimulus year in [0.6, 2.0]: larger values (up to about 1.5-2) are found in
  recessions (Auerbach & Gorodnichenko 2012, AEJ:EP 4(2)) and at the zero lower bound.

Where the model disagrees the test is marked ``xfail(strict=True)`` with the measured value
(docs/validation.md has the table); the thresholds are the literature's, not the model's.
"""

from __future__ import annotations

import functools
import os
import shutil
import tempfile
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import arena
from arena import ArenaModel, accounting, fiscal_phase
from arena.experiment import bootstrap_median_ci
from arena.multiplier import cumulative_multiplier, multipliers
from arena.sectors import corporate

TEST_AGENTS = 20_000
TEST_SEEDS = tuple(range(1, 9))
#: (label, first tick, last tick, expected range)
HORIZONS = {
    "two_years": (211, 710, (0.6, 1.0)),
    "stimulus_year": (211, 460, (0.6, 2.0)),
}
#: label -> measured disagreement with the literature (median, CI, seeds; docs/validation.md).
#: Measured at aa36060 (the engine of d66f2ad: the markup's unsold-output signal and the QE
#: channel merged), 20,000 households, seeds 1-8; at 675dba1: 0.39 (CI [-0.81, 0.64]); on branch
#: tight: 0.07 (CI [-1.20, 0.49]). The stimulus year (median 0.75, CI [0.66, 0.99]) is inside its range.
#: Where the model disagrees: none since branch cal (docs/validation.md "Recalibration"; seeds 1-8,
#: 20,000 households, scripts/measure_fiscal.py): the stimulus year 0.90 (95% CI [0.69, 0.98]), two
#: years 0.63 ([0.30, 1.02]), 7 of 8 seeds positive. Before, the two-year multiplier failed from fiscal3
#: to main 106f212 (0.98 [-0.81, 1.48], 5 of 8 positive): the stimulus shifted the phase of the
#: baseline's four-year boom-bust, and the monetary response came a year late (docs/validation.md).
DISAGREES: dict[str, str] = {
    "two_years": (
        "e0d6be1 + matching_efficiency 0.037 (the hours margin and hand-to-mouth households; "
        "docs/validation.md 'An hours margin and hand-to-mouth households'): two years 0.274 (95% CI "
        "[0.048, 0.668]; per seed 0.219, 1.14, 0.33, 0.668, 0.048, 0.199, 0.035, 0.549), below [0.6, 1.0], "
        "every seed positive: hours take up part of the stimulus's demand, so it adds fewer jobs and less "
        "income, and the boost ends with the purchases"),
}
#: e6b8e66 (the profit tax with losses carried forward, wage tax 0.245): two years 0.605 (95% CI
#: [0.412, 0.971]; per seed 0.971, 1.067, 0.02, 0.545, 0.412, 0.842, 0.546, 0.664), inside [0.6, 1.0]
#: with no margin; the stimulus year 0.753 ([0.578, 0.846]). At 0344ab8 the two-year multiplier was
#: 0.408 ([0.190, 0.518]), outside.


@functools.cache
def _runs_dir() -> Path:
    """A temporary directory, or $ARENA_TEST_RUNS_DIR to reuse runs (run ids hash the engine code)."""
    if os.environ.get("ARENA_TEST_RUNS_DIR"):
        return Path(os.environ["ARENA_TEST_RUNS_DIR"])
    path = Path(tempfile.mkdtemp(prefix="arena-fiscal-"))
    import atexit

    atexit.register(shutil.rmtree, path, ignore_errors=True)
    return path


@functools.cache
def stimulus_runs():
    return arena.experiment("fiscal_stimulus", seeds=TEST_SEEDS, n_agents=TEST_AGENTS, backend="serial",
                            out_dir=_runs_dir() / "fiscal_stimulus").runs


def _case(label):
    marks = [pytest.mark.xfail(strict=True, reason=DISAGREES[label])] if label in DISAGREES else []
    return pytest.param(label, marks=marks, id=label)


@pytest.mark.slow
@pytest.mark.parametrize("label", [_case(k) for k in HORIZONS])
def test_fiscal_multiplier_is_positive_and_in_the_literature_range(label):
    start, end, (low, high) = HORIZONS[label]
    m = multipliers(stimulus_runs(), "scenario", "no_stimulus", start, end)
    values = m.to_numpy()
    lo, hi = bootstrap_median_ci(values, 0.95, 2000, 0)
    median = float(np.median(values))
    detail = f"median {median:.3f} (95% CI [{lo:.3f}, {hi:.3f}]), per seed {np.round(values, 3).tolist()}"
    assert np.mean(values > 0) >= 0.8, "the multiplier's sign: " + detail
    assert low <= median <= high, f"expected [{low}, {high}]: " + detail


def test_cumulative_multiplier_of_a_known_response():
    """On synthetic series the definition returns the ratio it was built with."""
    ticks = np.arange(1, 101)
    base = {"gdp": np.full(100, 1000.0), "real_gdp": np.full(100, 800.0), "gov_spending": np.full(100, 100.0)}
    import pandas as pd

    control = pd.DataFrame(base, index=ticks)
    treated = control.copy()
    treated.loc[11:60, "gov_spending"] += 10.0  # nominal purchases +10 at the deflator 1.25
    treated.loc[11:60, "gdp"] += 15.0
    treated.loc[11:60, "real_gdp"] += 12.0  # real GDP +12 for real purchases +8: multiplier 1.5
    assert cumulative_multiplier(treated, control, 1, 100) == pytest.approx(1.5)
    assert np.isnan(cumulative_multiplier(control, control, 1, 100))


def test_taxes_and_benefits_follow_their_rules(monkeypatch):
    model = ArenaModel(n_agents=3000, seed=11)
    seen = {}
    pay = fiscal_phase.pay_wage_side

    def spy(m, ledger, tax_rate, benefit):
        # the mean wage and the unemployed when the benefits are paid (wages are reviewed
        # and workers matched later in the tick)
        seen["wage"] = m.mean_wage()
        seen["unemployed"] = m.pop.n - int(m.cfirms.workers.sum() + m.kfirms.workers.sum())
        pay(m, ledger, tax_rate, benefit)

    monkeypatch.setattr(fiscal_phase, "pay_wage_side", spy)
    for _ in range(5):
        model.step()
    gov, cfg = model.government, model.config
    assert gov.last["wage_tax"] == pytest.approx(cfg.tax_wage_rate * model.wage_bill)
    assert seen["unemployed"] > 0
    assert gov.last["benefits"] == pytest.approx(cfg.benefit_replacement * seen["wage"] * seen["unemployed"])
    assert gov.bond_yield(model.central_bank.policy_rate) == pytest.approx(
        model.central_bank.policy_rate + cfg.term_premium)
    # the debt is the holders' bonds, and the government keeps its cash target
    assert gov.bonds == pytest.approx(model.banking.banks.bonds.sum() + model.central_bank.bonds)
    assert gov.deposits >= 0


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=40))
def test_loss_carry_forward_taxes_the_sum_of_profits(profits):
    """Law of a carried-forward loss: what was taxed is the profits' sum plus the loss still carried.

    From ``taxable_t - profit_t = L_t - L_(t-1)``: over any sequence the taxable total is
    ``sum(profit) + L_T`` (a firm that ends in profit was taxed on its net profit, no more), and
    neither the taxable profit nor the carried loss is ever negative.
    """
    firms = SimpleNamespace(n=1, tax_loss=np.zeros(1))
    taxed = 0.0
    for p in profits:
        taxable = corporate.taxable_profit(firms, np.array([p]))
        assert taxable[0] >= 0.0 and firms.tax_loss[0] >= 0.0
        taxed += float(taxable[0])
    scale = max(sum(abs(p) for p in profits), 1.0)
    assert taxed == pytest.approx(sum(profits) + firms.tax_loss[0], abs=1e-9 * scale)


@pytest.mark.xfail(strict=True, reason=(
    "e0d6be1 + matching_efficiency 0.037: tax / booked profit 0.281 over ticks 1-300 (seed 3, 5,000 "
    "households; 0.20-0.25 asked): the start-up downswing with the hours margin (docs/validation.md) gives "
    "some firms losses, which offset no other firm's profit, so the tax takes more of the aggregate profit"))
def test_profit_tax_takes_the_statutory_rate_of_profits(monkeypatch):
    """Firms pay about ``tax_profit_rate`` of their profit, not of each tick's positive part.

    The tax law's rate is a rate on profit over a fiscal period (losses offset); taxing each day's
    positive booked profit, as before, took about half of firms' after-tax profit at a 20 % rate
    (docs/model.md 10.2). The model's firms are profitable in aggregate, so the effective rate on the
    booked profit (machines capitalised) must be close to the statutory one: at least it (a firm that
    exits with losses carried takes them with it) and not much above.
    """
    model = ArenaModel(n_agents=5000, seed=3)
    seen = {"profit": 0.0}
    carry = fiscal_phase.taxable_profit

    def spy(firms, profit):
        seen["profit"] += float(profit.sum())
        return carry(firms, profit)

    tax = 0.0
    monkeypatch.setattr(fiscal_phase, "taxable_profit", spy)
    for _ in range(300):
        model.step()
        tax += model.government.last["profit_tax"]
    rate = model.config.tax_profit_rate
    assert seen["profit"] > 0
    assert rate * 0.98 <= tax / seen["profit"] <= rate * 1.25


def _slump_minus_calm(seed: int) -> np.ndarray:
    """Means over ticks 120-260 of unemployment, benefits, tax revenue and the deficit, a panic and a
    5-point rate shock at tick 100 minus the same seed without them (10,000 households)."""
    out = {}
    for shock in (False, True):
        model = ArenaModel(n_agents=10_000, seed=seed)
        for t in range(260):
            if shock and t == 100:
                model.apply_shock("panic", 0.9)
                model.apply_shock("rate", 0.05)
            model.step()
        d = model.indicators().loc[120:260]
        out[shock] = np.array([d.unemployment.mean(), d.benefits.mean(), d.tax_revenue.mean(),
                               d.deficit.mean()])
    return out[True] - out[False]


@pytest.mark.slow
def test_automatic_stabilisers_emerge_in_a_slump():
    """A demand slump (panic and a rate shock) against the same seeds: unemployment and benefits rise
    on the median seed, tax revenue falls and the deficit widens on every seed (automatic stabilisers:
    taxes fall and transfers rise with the slump, no decision needed). Seeds 1-6: the test ran on seed 4
    alone until b9292a8, where that seed's slump had 2% less unemployment than its calm run (with the
    hours margin firms cut hours before heads) while seeds 1-8 had more on 7 of 8."""
    diff = np.array([_slump_minus_calm(seed) for seed in range(1, 7)])
    u, benefits, tax, deficit = diff.T
    assert np.median(u) > 0 and np.median(benefits) > 0, diff.round(5).tolist()
    assert (tax < 0).all() and (deficit > 0).all(), diff.round(5).tolist()


def test_qe_buys_bonds_with_reserves_and_tightening_sells_them():
    model = ArenaModel(n_agents=3000, seed=12, check_accounting=True)
    model.step()
    cb, banks = model.central_bank, model.banking.banks
    cb0, bank0 = cb.bonds, banks.bonds.sum()
    money = model.money_supply()
    model.apply_shock("qe", 0.05)
    model.step()
    assert cb.bonds - cb0 == pytest.approx(0.05 * money, rel=0.05)
    assert banks.bonds.sum() < bank0
    assert model.flow_matrix().loc["Δ reserves", "central_bank_capital"] > 0  # paid in new reserves
    assert cb.shares == 0.0  # QE in bonds buys no equity
    # tightening: the bond step sells the central bank's bonds to the banks
    cb.tightening, cb.qe = True, False
    held, bank_held = cb.bonds, banks.bonds.sum()
    model.tick_flows = accounting.FlowRecorder()
    fiscal_phase.close(model, accounting.Ledger())
    assert cb.bonds < held and banks.bonds.sum() > bank_held


def test_fiscal_and_tax_shocks_are_validated_and_expire():
    model = ArenaModel(n_agents=1000, seed=13)
    with pytest.raises(ValueError, match="'size' of a 'fiscal' shock"):
        model.apply_shock("fiscal", 0.7)
    with pytest.raises(ValueError, match="'tax' of a tax shock must be one of wage, profit, all"):
        model.apply_shock("tax", 0.1, tax="vat")
    with pytest.raises(ValueError, match="'duration'"):
        model.apply_shock("fiscal", 0.1, duration=0)
    gov = model.government
    model.apply_shock("fiscal", 0.05, duration=3)
    model.apply_shock("tax", -0.1, tax="profit")
    assert gov.spending_share(1) == pytest.approx(model.config.gov_spending_share + 0.05)
    assert gov.profit_tax_rate(1) == pytest.approx(model.config.tax_profit_rate - 0.1)
    for _ in range(4):
        model.step()
    assert gov.spending_share(model.tick + 1) == pytest.approx(model.config.gov_spending_share)
    assert gov.profit_tax_rate(model.tick + 1) == pytest.approx(model.config.tax_profit_rate - 0.1)
