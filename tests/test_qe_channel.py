"""QE's portfolio-balance channel and its trigger (docs/model.md 8.3).

The bonds the central bank buys by QE lower the term premium (Gagnon, Raskin, Remache & Sack
2011), so the bond yield and the long yield that prices C-firms' capital and the equity fall
against the same seeds without the purchase; every flow of the lower interest still has a payer
and a payee, so the accounts close. QE fires under deflation risk when the rate, or the path
the central bank has set (its smoothing towards the rule), reaches the floor within a year.
"""

from __future__ import annotations

import numpy as np
import pytest

from arena import ArenaConfig, ArenaModel, fiscal_phase
from arena.monetary import CentralBank

SEEDS = (1, 2, 3)
SHOCK_TICK = 20
TICKS = 60


def _run(seed: int, qe: float) -> ArenaModel:
    model = ArenaModel(n_agents=5000, seed=seed, check_accounting=True)
    for t in range(TICKS):
        if qe and t == SHOCK_TICK:
            model.apply_shock("qe", qe)
        model.step()
    return model


@pytest.fixture(scope="module")
def pairs():
    """(with a QE purchase of 10% of M at tick 20, without) on the same seeds."""
    return {seed: (_run(seed, 0.1), _run(seed, 0.0)) for seed in SEEDS}


def test_qe_lowers_the_bond_yield_and_the_long_yield_against_control(pairs):
    """Sign against the control on every seed, and the size of Gagnon et al.'s range per unit of output."""
    for seed, (qe, control) in pairs.items():
        a, b = qe.indicators(), control.indicators()
        after = slice(SHOCK_TICK + 3, TICKS)
        # the yield on bonds is lower with the purchase than on the same seed without it
        assert (a.bond_yield.loc[after] < b.bond_yield.loc[after]).all(), seed
        # the long yield firms and investors price off: long rate + QE's term-premium shift
        long_qe = qe.long_rate + fiscal_phase.term_premium_shift(qe)
        long_control = control.long_rate + fiscal_phase.term_premium_shift(control)
        assert fiscal_phase.term_premium_shift(control) == 0.0
        assert long_qe < long_control, seed
        # US QE1: about 12% of GDP lowered the 10-year term premium by 30-100 bp (0.025-0.083 per unit)
        share = fiscal_phase.qe_share(qe)
        premium = (a.bond_yield - a.policy_rate).iloc[-1]
        fall = qe.config.term_premium - premium
        assert 0.02 < fall / share < 0.09, (seed, fall, share)


def test_qe_raises_the_equity_fundamental_against_control(pairs):
    """A lower long yield lowers the equity's discount rate: the fundamental rises (Joyce et al. 2011)."""
    higher = [qe.indicators().fundamental_equity.iloc[-1] > control.indicators().fundamental_equity.iloc[-1]
              for qe, control in pairs.values()]
    assert all(higher)


def test_accounts_close_with_qe_and_bond_interest_has_payer_and_payee(pairs):
    """check_accounting=True ran every tick; the last flow matrix's rows and columns sum to zero."""
    for qe, _ in pairs.values():
        flows = qe.flow_matrix()
        scale = float(np.abs(flows.to_numpy()).max())
        assert np.allclose(flows.sum(axis=1), 0.0, atol=1e-9 * scale)
        assert np.allclose(flows.sum(axis=0), 0.0, atol=1e-9 * scale)
        sheet = qe.balance_sheet()
        total = float(np.abs(sheet.to_numpy()).max())
        for row in ("bonds", "reserves", "deposits"):
            if row in sheet.index:
                assert abs(float(sheet.loc[row].sum())) <= 1e-9 * total, row
        assert flows.loc["interest on bonds"].sum() == pytest.approx(0.0, abs=1e-9 * scale)
        assert qe.central_bank.qe_bonds <= qe.central_bank.bonds


def _bank(policy_rate: float) -> CentralBank:
    cb = CentralBank(ArenaConfig.from_dict({"n_agents": 100}))
    cb.policy_rate = policy_rate
    return cb


def test_qe_fires_when_the_rate_path_reaches_the_floor_within_a_year():
    """Deflation with the rate at 3% but the rule at -7%: the rate's path reaches the floor within a year."""
    cb = _bank(0.03)
    decision = cb.decide(-0.02, -0.02, 0.0, 0.0, -0.10, 0.1, 0.0)
    assert decision.taylor_rate < 0.0 and decision.policy_rate > 0.0
    assert decision.qe
    assert any(kind == "quantitative_easing" for kind, _ in decision.events)


def test_qe_does_not_fire_while_the_rate_path_stays_above_the_floor():
    """The rule just below zero with the rate at 3%: a year of smoothing leaves it above the floor."""
    cb = _bank(0.03)
    decision = cb.decide(-0.02, -0.02, 0.0, 0.0, 0.03, 0.05, 0.0)
    assert decision.taylor_rate < 0.0
    assert cb.projected_rate(decision.taylor_rate) > 0.0
    assert not decision.qe


def test_qe_does_not_fire_when_the_rule_can_still_cut():
    """The same deflation, but the rule asks for a positive rate (a boom's output gap): no QE."""
    cb = _bank(0.03)
    decision = cb.decide(-0.02, -0.02, 0.0, 0.0, 0.20, 0.02, 0.0)
    assert decision.taylor_rate > 0.0
    assert not decision.qe


def test_qe_runs_are_deterministic_and_resume_bit_for_bit(tmp_path):
    """Same seed and purchase -> identical frames; a checkpoint taken while QE holds bonds resumes exactly."""
    def scripted(model, upto):
        while model.tick < upto:
            if model.tick == 5:
                model.apply_shock("qe", 0.1)
            model.step()
        return model

    straight = scripted(ArenaModel(n_agents=2000, seed=9), 30)
    again = scripted(ArenaModel(n_agents=2000, seed=9), 30)
    assert straight.indicators().equals(again.indicators())
    half = scripted(ArenaModel(n_agents=2000, seed=9), 15)
    assert half.central_bank.qe_bonds > 0
    half.save(tmp_path / "ckpt")
    resumed = scripted(ArenaModel.load(tmp_path / "ckpt"), 30)
    assert straight.indicators().equals(resumed.indicators())
    assert resumed.central_bank.qe_bonds == straight.central_bank.qe_bonds
