"""Phase 2 of the tick: agent behaviour.

Pays incomes (each firm's wages, the corporate sector's dividends, resource royalties,
deposit interest and the central bank's transfer), runs the firms' default and entry, their
staggered reviews and the labour market (:mod:`arena.firms_phase`), values the equity
(fundamental value), lets traders switch strategy, sets consumption budgets and forms the
equity orders of the next auction, including the central bank's QE purchases or sales.
"""

from __future__ import annotations

import numpy as np

from arena import accounting, firms_phase
from arena.markets.equity import Participant, TradingContext, form_orders
from arena.population import CHARTIST, FUNDAMENTALIST, NOISE, bernoulli_indices
from arena.sectors import corporate

#: EWMA weight of dividends in the fundamental value.
DIVIDEND_MEMORY = 0.998
#: Floor of the real discount rate of dividends (1/year), keeps the fundamental value finite.
MIN_DISCOUNT = 0.03


def behave(model, ledger: accounting.Ledger | None = None) -> None:
    """Run phase 2 on ``model``: incomes, firms, labour, valuation, budgets and next orders."""
    ledger = ledger or accounting.Ledger()
    pay_incomes(model, ledger)
    firms_phase.lifecycle(model, ledger)
    firms_phase.decide_and_hire(model)
    plan(model)


def pay_incomes(model, ledger: accounting.Ledger) -> None:
    """Wages, dividends and royalties to households (and permanent income); CB transfers."""
    cfg = model.config
    pop, cf, kf, cb = model.pop, model.cfirms, model.kfirms, model.central_bank
    wage_c, model.defaulting_c = corporate.pay_wages(cf)
    wage_k, model.defaulting_k = corporate.pay_wages(kf)
    model.wage_bill = float(np.dot(wage_c, cf.workers) + np.dot(wage_k, kf.workers))
    inputs = float(cf.coefficients @ model.commodity_prices()) * cf.planned  # input bill per tick
    payout = corporate.pay_dividends(cf, cfg.dividend_payout, cfg.buffer_ticks, inputs)
    payout += corporate.pay_dividends(kf, cfg.dividend_payout, cfg.buffer_ticks)
    model.dividends_paid = payout
    # resource rents are paid to every household as royalties (a resource fund)
    royalties = model.producer_deposits * cfg.dividend_payout
    model.producer_deposits -= royalties
    royalty = float(royalties.sum()) / pop.n
    # one gather pays wage + royalty; employer -1 (unemployed) reads the last entry
    wage_pad = np.concatenate([wage_c, wage_k, [0.0]]) + royalty
    income = np.take(wage_pad, pop.employer)  # np.take: ~2.5x faster than fancy indexing
    outside_shares = model.outside.total_shares()
    household_shares = float(pop.shares.sum())  # one pass over N, used twice
    total_shares = household_shares + cb.shares + outside_shares
    dps = payout / total_shares if total_shares > 0 else 0.0
    paid = household_shares * dps
    if dps:
        income += pop.shares * dps
    pop.cash += income
    pop.update_income(income, cfg.income_memory)
    for account in model.outside.accounts.values():
        account.cash += account.shares * dps
    # the central bank's dividends leave the deposit money supply: money destroyed
    cb_dividends = payout - paid - outside_shares * dps
    ledger.record("money", "cb_dividend_receipts", -cb_dividends)
    model.dividend_per_share = DIVIDEND_MEMORY * model.dividend_per_share + (1 - DIVIDEND_MEMORY) * dps
    interest, lump_sum = model.transfer_next
    created = pop.transfer(interest, lump_sum)
    ledger.record("money", "cb_interest_and_transfers", created)


def plan(model) -> None:
    """Valuation, strategy switching, consumption budgets and the next equity orders."""
    cfg, cb, pop = model.config, model.central_bank, model.pop
    # valuation: the long rate is the average of expected short rates (a one-year EWMA)
    model.long_rate += (cb.policy_rate - model.long_rate) / cfg.ticks_per_year
    # Gordon growth at the (credible) inflation target: F = D / (long rate + premium - g)
    discount = max(model.long_rate + cfg.equity_risk_premium - cfg.base_inflation_rate, MIN_DISCOUNT)
    model.fundamental = model.dividend_per_share * cfg.ticks_per_year / discount
    switch_strategies(model)
    # consumption: higher real rates raise saving, expected inflation brings spending forward
    real_gap = cb.policy_rate - cb.expected_inflation - cfg.neutral_real_rate
    infl_gap = cb.expected_inflation - cfg.base_inflation_rate
    propensity = float(
        np.clip(1.0 - cfg.rate_sensitivity * real_gap + cfg.inflation_sensitivity * infl_gap, 0.5, 1.5)
    )
    model.budget_total = pop.plan_consumption(cfg.income_propensity, cfg.consumption_propensity, propensity)
    ind = model.psychology.indices
    ctx = TradingContext(
        price=model.prices["equity"],
        fundamental=model.fundamental,
        trend=model.trend,
        volatility=model.realized_volatility(),
        vol_multiplier=ind.vol_multiplier,
        crowd_side=1.0 if ind.optimists >= 0.5 else -1.0,
        herd_probability=cfg.herding_strength * abs(2.0 * ind.optimists - 1.0),
        sentiment_weight=cfg.sentiment_weight,
        reversion=cfg.fundamental_reversion,
        extrapolation=cfg.trend_extrapolation,
        noise_sigma=cfg.noise_sigma,
        dispersion=cfg.expectation_dispersion,
        activity=cfg.activity_rate,
        sensitivity=cfg.demand_sensitivity,
    )
    model.pending_orders, model.trade_stats = form_orders(pop, ctx, model.rng)
    central_bank_orders(model)


def switch_strategies(model) -> None:
    """Brock-Hommes discrete choice between fundamentalists and chartists."""
    cfg = model.config
    pop = model.pop
    if cfg.switching_rate <= 0:
        return
    # fitness: how well each forecast explained the last return (squared error, negated),
    # measured in units of the return variance so the intensity of choice is scale-free
    r = model.returns[-1] if model.returns else 0.0
    fund_err = (r - cfg.fundamental_reversion * np.log(model.fundamental / model.prices["equity"])) ** 2
    chart_err = (r - model.trend) ** 2
    variance = max(model.realized_volatility(), 1e-3) ** 2
    previous = getattr(model, "fitness", np.zeros(2))
    model.fitness = 0.95 * previous + 0.05 * np.array([-fund_err, -chart_err]) / variance
    u = cfg.switching_intensity * (model.fitness - model.fitness.max())
    p_chart = float(np.exp(u[1]) / np.exp(u).sum())
    p_chart = float(np.clip(p_chart + 0.3 * (model.psychology.indices.greed - 0.2), 0.2, 0.6))
    movers = bernoulli_indices(pop.n, cfg.switching_rate, model.rng)
    movers = movers[pop.strategy[movers] != NOISE]
    chart = model.rng.random(movers.size) < p_chart
    pop.strategy[movers] = np.where(chart, CHARTIST, FUNDAMENTALIST).astype(np.int8)


def central_bank_orders(model) -> None:
    """Queue the central bank's QE purchase, or its sale while tightening, for the next auction."""
    cb, cfg = model.central_bank, model.config
    price = model.prices["equity"]
    if cb.qe:
        amount = cfg.qe_rate * model.money_supply() / price
        model.pending_participants.append(Participant("cb:qe", amount, price * (1 + cfg.max_price_change)))
    elif cb.tightening and cb.shares > 0:
        amount = min(cb.shares, cfg.qe_rate * model.money_supply() / price)
        model.pending_participants.append(Participant("cb:sale", -amount, price * (1 - cfg.max_price_change)))
