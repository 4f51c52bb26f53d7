"""The public sector within the tick: purchases, taxes and benefits, bonds, the central bank's profit.

Glue between :class:`~arena.sectors.government.Government`, the bond market
(:mod:`arena.markets.bonds`), the banks and the central bank, as
:mod:`arena.credit_phase` is for credit. Each step records its payments in the tick's
ledger (the per-stock audit) and in the transactions-flow matrix (``model.tick_flows``).

Within the tick (docs/model.md, "The tick"):

* :func:`begin_tick` (before phase 1): expired shocks dropped; firms' booked profit noted;
* :func:`purchase_goods` (phase 1, after the households shop): the government orders
  ``g_t Y* p`` of goods from C-firms (:func:`arena.markets.goods.government_purchase`);
* :func:`wage_terms` / :func:`pay_wage_side` (phase 2, with the wages): wage tax withheld,
  benefits to the unemployed;
* :func:`close` (phase 2, before the banks close): profit tax, interest on bonds (at the
  yield lowered by QE's holdings, :func:`term_premium_shift`), the central bank's bond trades
  (QE, tightening, QE shocks), then bonds issued or retired so that government deposits
  return to their target;
* :func:`after_banks` (phase 2, after the banks close): the central bank's profit of the tick
  is remitted to the government; the banks' flows are entered in the flow matrix.

The central bank's balance sheet: bonds, advances and equity (after QE in equity, a
resolution or a leaver's shares) on the asset side; banks' reserves and government deposits
on the liability side; its net worth is what is left (it changes only by retained losses,
money-rule transfers and revaluations of its equity).
"""

from __future__ import annotations

import numpy as np

from arena import accounting
from arena.markets import bonds as bm
from arena.markets import goods
from arena.monetary import per_tick
from arena.sectors.corporate import taxable_profit
from arena.sectors.government import Government


def build(model) -> Government:
    """Create the government at tick 0 (after the banks) and finance its opening balance sheet.

    The banks' reserves above :data:`arena.markets.bonds.LIQUIDITY_TARGET` x their
    requirement become government bonds (the public debt that backs them in a real
    economy), and the central bank holds bonds for the reserves that remain and for the
    government's opening deposits, so its net worth starts at zero. Households' permanent
    income starts net of the wage tax and with the benefit of the unemployed.
    """
    cfg, bs, cb, pop = model.config, model.banking, model.central_bank, model.pop
    banks = bs.banks
    required = bs.params.reserve_ratio * bs.deposits_by_bank(pop.cash, _borrower_deposits(model))
    banks.bonds = np.maximum(banks.reserves - bm.LIQUIDITY_TARGET * required, 0.0)
    bs.settle(pop.cash, _borrower_deposits(model))
    gov = Government(cfg, 0.0)
    model.government = gov
    tax = gov.wage_tax_rate(0)
    employed = pop.employer >= 0
    wage = model.mean_wage()
    pop.perm_income[employed] -= tax * wage
    pop.perm_income[~employed] += gov.benefit(wage)
    gov.last["purchases"] = gov.purchases_budget(0, model.potential, model.prices["goods"])
    gov.last["benefits"] = gov.benefit(wage) * float(np.count_nonzero(~employed))
    gov.deposits = gov.cash_target()
    # the reserves the banks' own funds pay for are backed by bonds (none if banks start short)
    cb.bonds = max(float(banks.reserves.sum() - banks.advances.sum()), 0.0) + gov.deposits
    gov.bonds = float(banks.bonds.sum()) + cb.bonds
    gov.opening_debt_ratio = gov.debt_ratio(model.potential, model.prices["goods"])
    model.profit_mark = (model.cfirms.profit_acc.copy(), model.kfirms.profit_acc.copy(),
                         model.cfirms.alive.copy(), model.kfirms.alive.copy())
    return gov


def _borrower_deposits(model) -> np.ndarray:
    return np.concatenate([model.cfirms.deposits, model.kfirms.deposits, model.producer_deposits])


def begin_tick(model) -> None:
    """Drop expired shocks, reset the tick's flows and note each firm's booked profit."""
    gov = model.government
    gov.prune(model.tick)
    gov.last = dict.fromkeys(gov.last, 0.0)
    model.profit_mark = (model.cfirms.profit_acc.copy(), model.kfirms.profit_acc.copy(),
                         model.cfirms.alive.copy(), model.kfirms.alive.copy())


def purchase_goods(model, ledger: accounting.Ledger) -> tuple[float, float]:
    """Buy the tick's public goods from C-firms' remaining stock; return (units, currency)."""
    gov, cf = model.government, model.cfirms
    budget = gov.purchases_budget(model.tick, model.potential, model.prices["goods"])
    sold, wanted = goods.government_purchase(budget, cf.price, cf.inventory, cf.planned, cf.alive)
    revenue = sold * cf.price
    spent = float(revenue.sum())
    cf.inventory -= sold
    np.maximum(cf.inventory, 0.0, out=cf.inventory)
    cf.deposits += revenue
    cf.profit_acc += revenue
    cf.sales += sold
    cf.sales_acc += sold
    cf.demand_acc += wanted
    cf.booked += wanted
    gov.deposits -= spent
    gov.last["purchases"] = spent
    units = float(sold.sum())
    ledger.record("goods", "government_purchases", -units)
    ledger.record("money", "government_purchases", spent)
    model.tick_flows.pay("government purchases", "government", "firms_current", spent)
    return units, spent


def wage_terms(model) -> tuple[float, float]:
    """Return this tick's wage-tax rate and benefit per unemployed household (currency/tick)."""
    gov = model.government
    return gov.wage_tax_rate(model.tick), gov.benefit(model.mean_wage())


def pay_wage_side(model, ledger: accounting.Ledger, tax_rate: float, benefit: float) -> None:
    """Book the wage tax withheld and the benefits paid with this tick's wages."""
    gov = model.government
    tax = tax_rate * model.wage_bill
    unemployed = model.pop.n - int(model.cfirms.workers.sum() + model.kfirms.workers.sum())
    paid = benefit * unemployed
    gov.deposits += tax - paid
    gov.last["wage_tax"] = tax
    gov.last["benefits"] = paid
    ledger.record("money", "wage_tax", -tax)
    ledger.record("money", "benefits", paid)
    model.tick_flows.pay("taxes on wages", "households", "government", tax)
    model.tick_flows.pay("unemployment benefits", "government", "households", paid)


def _profit_tax(model, ledger: accounting.Ledger) -> float:
    """Tax each surviving firm's taxable profit of the tick, capped by its deposits.

    The base is the tick's booked profit with machines capitalised (``profit_acc`` less the mark,
    plus ``machines_paid``: the purchase is borne through depreciation, as in the earnings,
    :func:`arena.sectors.corporate.book_earnings`), less the losses carried forward
    (:func:`arena.sectors.corporate.taxable_profit`). Taxing each tick's positive profit with no
    offset taxed the noise of a firm's profit (lumpy machine purchases, a bad week of sales): at a
    20 % rate firms paid about half their after-tax profit (docs/model.md, "Government").
    """
    gov = model.government
    rate = gov.profit_tax_rate(model.tick)
    c0, k0, ca, ka = model.profit_mark
    total = 0.0
    for firms, mark, alive0 in ((model.cfirms, c0, ca), (model.kfirms, k0, ka)):
        survived = firms.alive & alive0
        base = taxable_profit(firms, np.where(survived, firms.profit_acc - mark + firms.machines_paid, 0.0))
        tax = np.minimum(rate * base, np.maximum(firms.deposits, 0.0))
        firms.deposits -= tax
        firms.profit_acc -= tax
        total += float(tax.sum())
    gov.deposits += total
    gov.last["profit_tax"] = total
    ledger.record("money", "profit_tax", -total)
    model.tick_flows.pay("taxes on profits", "firms_current", "government", total)
    return total


def close(model, ledger: accounting.Ledger) -> None:
    """Profit tax, bond interest, the central bank's bond trades, then issuance (module doc)."""
    cfg, gov, cb, bs = model.config, model.government, model.central_bank, model.banking
    banks = bs.banks
    _profit_tax(model, ledger)
    rate = per_tick(gov.bond_yield(cb.policy_rate, qe_share(model)), cfg.ticks_per_year)
    to_banks = banks.bonds * rate
    to_cb = cb.bonds * rate
    banks.equity += to_banks
    banks.profit = banks.profit + to_banks
    paid_banks = float(to_banks.sum())
    gov.deposits -= paid_banks + to_cb
    gov.last["bond_interest_banks"], gov.last["bond_interest_cb"] = paid_banks, to_cb
    ledger.record("bank_equity", "bond_interest", paid_banks)
    model.tick_flows.pay("interest on bonds", "government", "banks_current", paid_banks)
    model.tick_flows.pay("interest on bonds", "government", "central_bank_current", to_cb)
    # the central bank's trades: a queued QE shock, QE by policy, sales while tightening
    # (the money supply, a sum over every household, is measured only when a trade needs it)
    buy = cb.pending_bond_purchase
    cb.pending_bond_purchase = 0.0
    if cfg.qe_asset == "bonds" and cb.qe:
        buy += cfg.qe_rate * model.money_supply()
    if buy > 0:
        bought = float(bm.cb_purchase(buy, banks.bonds).sum())
        cb.bonds += bought
        cb.qe_bonds += bought
    elif cb.tightening and cb.bonds > 0 and cfg.qe_asset == "bonds":
        amount = min(cfg.qe_rate * model.money_supply(), cb.bonds)
        sold = float(bm.cb_sale(amount, banks.bonds, banks.reserves).sum())
        cb.bonds -= sold
        cb.qe_bonds = max(cb.qe_bonds - sold, 0.0)
    # financing: bonds bring the government's deposits back to target
    need = gov.cash_target() - gov.deposits
    if need > 0:
        required = bs.params.reserve_ratio * _deposit_estimate(model)
        _, to_central = bm.issue(need, banks.bonds, banks.reserves - bm.LIQUIDITY_TARGET * required)
        cb.bonds += to_central
    elif need < 0:
        _, cb_part = bm.redeem(min(-need, gov.bonds), banks.bonds, cb.bonds)
        cb.bonds -= cb_part
        need = -min(-need, gov.bonds)
    gov.deposits += need
    # bonds retired from the central bank come out of its other holdings first
    cb.qe_bonds = min(cb.qe_bonds, cb.bonds)
    # the debt is what the holders hold (no drift between two running sums)
    gov.bonds = float(banks.bonds.sum()) + cb.bonds
    gov.last["bonds_issued"] = need
    ledger.record("gov_bonds", "issuance", need)
    model.producer_mark = float(model.producer_deposits.sum())


def qe_share(model) -> float:
    """Bonds the central bank holds from QE over a year's nominal potential output (>= 0, -).

    The denominator is the fiscal rule's measure of output, potential output at the goods
    price (currency/tick), times ``ticks_per_year``; Gagnon et al. (2011) scale purchases by GDP.
    """
    cb = model.central_bank
    if cb.qe_bonds <= 0.0:
        return 0.0
    annual = model.potential * model.prices["goods"] * model.config.ticks_per_year
    return cb.qe_bonds / annual if annual > 0 else 0.0


def term_premium_shift(model) -> float:
    """Change of long yields from QE's portfolio balance this tick (1/year, <= 0; 0 without QE).

    Added to the long rate (the average of expected short rates) where long-lived assets are
    priced: C-firms' user cost of capital (:func:`arena.credit_phase.user_cost_factor`) and the
    equity's discount rate (:func:`arena.behaviour.plan`); the bond yield carries it too.
    """
    share = qe_share(model)
    return model.government.term_premium_shift(share) if share > 0 else 0.0


def _deposit_estimate(model) -> np.ndarray:
    """Each bank's deposits from its balance sheet now (no pass over households), currency."""
    b = model.banking.banks
    return np.maximum(model.banking.book.bank_loans() + b.reserves + b.bonds - b.advances - b.equity, 0.0)


def after_banks(model, ledger: accounting.Ledger) -> None:
    """Remit the central bank's profit; enter the banks' and the recapitalisation flows."""
    gov, bs = model.government, model.banking
    last = bs.last
    flows = model.tick_flows
    producer_interest = float(model.producer_deposits.sum()) - model.producer_mark
    firm_interest = last["deposit_interest_firms"] - producer_interest
    flows.add("interest on deposits", banks_current=-(last["deposit_interest_households"]
                                                       + last["deposit_interest_firms"]),
              households=last["deposit_interest_households"], firms_current=firm_interest,
              producers=producer_interest)
    flows.pay("interest on loans", "firms_current", "banks_current", last["loan_interest"])
    flows.pay("interest on advances", "banks_current", "central_bank_current", last["advance_interest"])
    flows.pay("interest on reserves", "central_bank_current", "banks_current", last["reserve_interest"])
    flows.add("dividends (banks)",
              banks_current=-(last["bank_dividends_households"] + last["bank_dividends_cb"]),
              households=last["bank_dividends_households"], central_bank_current=last["bank_dividends_cb"])
    flows.add("Δ loan write-offs", firms_capital=last["loan_losses"], banks_capital=-last["loan_losses"])
    flows.add("Δ bank recapitalisation", central_bank_capital=-last["cb_recapitalisation"],
              banks_capital=last["cb_recapitalisation"])
    recap = model.recapitalisation - model.recap_mark
    model.recap_mark = model.recapitalisation
    flows.add("Δ firm recapitalisation", households=-recap, firms_capital=recap)
    # the central bank's operating profit of the tick, remitted when positive
    profit = (gov.last["bond_interest_cb"] + last["advance_interest"] + last["bank_dividends_cb"]
              + model.cb_dividends - last["reserve_interest"])
    remit = max(profit, 0.0)
    gov.deposits += remit
    gov.last["cb_remittance"] = remit
    flows.pay("central-bank profits", "central_bank_current", "government", remit)
