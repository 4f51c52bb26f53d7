"""Stock-flow consistency of the model: the sectors' financial stocks and their changes in a tick.

The transactions of a tick are recorded where they happen (``model.tick_flows``, an
:class:`~arena.accounting.FlowRecorder`). This module measures every sector's financial
stocks at the start and the end of the tick (:func:`sector_stocks`) and enters their
changes as the capital-account rows of the flow matrix (:func:`record_changes`). A column
then sums to zero only if the recorded transactions explain the measured change of every
stock the sector holds: the closure :meth:`ArenaModel.flow_matrix` shows and
``check_accounting`` asserts.

Measuring costs one sum over the households' deposits (about 25 microseconds at 10^5
households) at the start of a tick; at its end the total summed after phase 3 is reused
(:meth:`ArenaModel.household_total`); everything else is a sum over firms or banks.
"""

from __future__ import annotations

from arena import accounting


def sector_stocks(model) -> dict[str, float]:
    """Financial stocks by sector now (currency): deposits, loans, reserves, advances, bonds."""
    banks, cb, gov = model.banking.banks, model.central_bank, model.government
    out = {
        "deposits_households": model.household_total("cash"),
        "deposits_firms": float(model.cfirms.deposits.sum() + model.kfirms.deposits.sum()),
        "deposits_producers": float(model.producer_deposits.sum()),
        "deposits_outside": float(model.outside.total_cash()),
        "deposits_government": float(gov.deposits),
        "loans": model.banking.loans(),
        "reserves": float(banks.reserves.sum()),
        "advances": float(banks.advances.sum()),
        "bonds_banks": float(banks.bonds.sum()),
        "bonds_cb": float(cb.bonds),
        "bonds_government": float(gov.bonds),
    }
    out["deposits_banks"] = (out["deposits_households"] + out["deposits_firms"] + out["deposits_producers"]
                             + out["deposits_outside"])
    return out


def record_changes(recorder: accounting.FlowRecorder, before: dict[str, float],
                   after: dict[str, float]) -> None:
    """Enter the change of every financial stock as capital-account rows (Godley-Lavoie signs)."""
    d = {k: after[k] - before[k] for k in before}
    recorder.add("Δ deposits", households=-d["deposits_households"], firms_capital=-d["deposits_firms"],
                 producers=-d["deposits_producers"], banks_capital=d["deposits_banks"],
                 government=-d["deposits_government"], central_bank_capital=d["deposits_government"])
    if d["deposits_outside"] or before["deposits_outside"]:
        recorder.add("Δ deposits", outside=-d["deposits_outside"])
    recorder.add("Δ loans", firms_capital=d["loans"], banks_capital=-d["loans"])
    recorder.add("Δ reserves", banks_capital=-d["reserves"], central_bank_capital=d["reserves"])
    recorder.add("Δ advances", banks_capital=d["advances"], central_bank_capital=-d["advances"])
    recorder.add("Δ bonds", banks_capital=-d["bonds_banks"], central_bank_capital=-d["bonds_cb"],
                 government=d["bonds_government"])
