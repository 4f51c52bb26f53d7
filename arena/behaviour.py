"""Phase 2 of the tick: agent behaviour.

Runs the credit market (:mod:`arena.credit_phase`: borrowing before wages and hiring, debt
service, defaults, deposit interest and the banks' close) and the public sector's part
(:mod:`arena.fiscal_phase`: wage tax and benefits with the wages, profit tax, bond interest
and issuance before the banks close, the central bank's profit after), pays incomes (each firm's wages,
the corporate sector's dividends, resource royalties and the central bank's transfers under
the money-growth regime or a ``money`` shock), runs the firms' default and entry, their
staggered reviews and the labour market (:mod:`arena.firms_phase`), values the equity
(fundamental value), lets traders switch strategy, sets consumption budgets and forms the
equity orders of the next auction, including the central bank's QE purchases or sales.
"""

from __future__ import annotations

import numpy as np

from arena import accounting, credit_phase, firms_phase, fiscal_phase
from arena.markets.equity import Participant, TradingContext, form_orders
from arena.markets.expectations import fundamentalist_target, predisposition
from arena.population import CHARTIST, FUNDAMENTALIST, NOISE, bernoulli_indices
from arena.psychology import NEUTRAL, herd_probability, trend_momentum, volatility_multiplier
from arena.scalars import clip_float
from arena.sectors import corporate

#: EWMA weight per tick of dividends in the fundamental value: the permanent dividend, mean age
#: 2,500 ticks (ten years, the horizon of Shiller's cyclically adjusted valuation; Campbell &
#: Shiller 1998), so a payout slump moves the valuation by the share of ten years it lasts.
DIVIDEND_MEMORY = 0.9996
#: Floor of the real discount rate of dividends (1/year), keeps the fundamental value finite.
MIN_DISCOUNT = 0.03
#: Largest growth factor a tick of permanent income's smoothed level (memory x (1 + trend)), > 1:
#: a numerical bound against runaway permanent income in extreme configurations (see the tick).
MAX_PERMANENT_DRIFT = 1.001


def behave(model, ledger: accounting.Ledger | None = None) -> None:
    """Run phase 2 on ``model``: incomes, firms, labour, valuation, budgets and next orders."""
    ledger = ledger or accounting.Ledger()
    credit_phase.open_credit(model, ledger)
    pay_incomes(model, ledger)
    credit_phase.service_and_defaults(model, ledger)
    firms_phase.lifecycle(model, ledger)
    fiscal_phase.close(model, ledger)
    credit_phase.close_banks(model, ledger)
    book_earnings(model)
    fiscal_phase.after_banks(model, ledger)
    firms_phase.decide_and_hire(model)
    plan(model)


def book_earnings(model) -> None:
    """Fold each firm's booked profit of the tick into its earnings (EWMA over a review interval)."""
    c0, k0, ca, ka = model.profit_mark
    memory = 1.0 - 1.0 / model.config.review_ticks
    corporate.book_earnings(model.cfirms, c0, ca, memory)
    corporate.book_earnings(model.kfirms, k0, ka, memory)


def pay_incomes(model, ledger: accounting.Ledger) -> None:
    """Wages, dividends and royalties to households (and permanent income); CB transfers."""
    cfg = model.config
    pop, cf, kf, cb = model.pop, model.cfirms, model.kfirms, model.central_bank
    wage_c, model.defaulting_c = corporate.pay_wages(cf)
    wage_k, model.defaulting_k = corporate.pay_wages(kf)
    model.wage_bill = float(np.dot(wage_c, cf.workers) + np.dot(wage_k, kf.workers))
    inputs = float(cf.input_per_unit @ model.commodity_prices()) * cf.planned  # input bill per tick
    lev_c = lev_k = None
    if cfg.dividend_rule == "earnings":
        lev_c, lev_k = credit_phase.firm_leverage(model)
    target = cfg.target_leverage
    payout = corporate.pay_dividends(cf, cfg.dividend_payout, cfg.buffer_ticks, inputs, lev_c, target)
    payout += corporate.pay_dividends(kf, cfg.dividend_payout, cfg.buffer_ticks, 0.0, lev_k, target)
    model.dividends_paid = payout
    # resource rents are paid to every household as royalties (a resource fund)
    royalties = model.producer_deposits * cfg.dividend_payout
    model.producer_deposits -= royalties
    royalty = float(royalties.sum()) / pop.n
    # one gather pays wage net of tax + royalty; employer -1 (unemployed) reads the last
    # entry, the unemployment benefit (arena.fiscal_phase)
    tax_rate, benefit = fiscal_phase.wage_terms(model)
    net = 1.0 - tax_rate
    wage_pad = np.concatenate([wage_c * net, wage_k * net, [benefit]]) + royalty
    outside_shares = model.outside.total_shares()
    household_shares = model.household_total("shares")  # summed once a tick, used thrice
    total_shares = household_shares + cb.shares + outside_shares
    dps = payout / total_shares if total_shares > 0 else 0.0
    paid = household_shares * dps
    # households expect nominal income to grow with expected inflation and productivity
    trend = (1.0 + cb.expected_inflation + cfg.productivity_growth) ** (1.0 / cfg.ticks_per_year) - 1.0
    # the smoothed level carried forward by the drift grows by memory x (1 + trend) a tick plus
    # what income adds: above 1 permanent income runs away from income. A numerical bound, not
    # economics: it keeps that factor <= MAX_PERMANENT_DRIFT, so an extreme configuration (a
    # 100 %/year inflation target at one tick a year overflowed float64 by tick 1,000) stays
    # finite; the largest factor in the scenarios is 1.0002 (inflation_spiral), so it never binds
    # there (docs/model.md 6.1)
    if cfg.income_memory * (1.0 + trend) > MAX_PERMANENT_DRIFT:
        trend = MAX_PERMANENT_DRIFT / cfg.income_memory - 1.0
    pop.receive_income(wage_pad, dps, cfg.income_memory, trend)
    for account in model.outside.accounts.values():
        account.cash += account.shares * dps
    # the central bank's dividends leave the deposit money supply: money destroyed
    cb_dividends = payout - paid - outside_shares * dps
    ledger.record("money", "cb_dividend_receipts", -cb_dividends)
    model.cb_dividends = cb_dividends
    flows = model.tick_flows
    flows.pay("wages", "firms_current", "households", model.wage_bill)
    flows.pay("royalties", "producers", "households", float(royalties.sum()))
    flows.add("dividends (firms)", firms_current=-payout, households=paid, central_bank_current=cb_dividends,
              outside=outside_shares * dps)
    fiscal_phase.pay_wage_side(model, ledger, tax_rate, benefit)
    model.dividend_per_share = DIVIDEND_MEMORY * model.dividend_per_share + (1 - DIVIDEND_MEMORY) * dps
    _, lump_sum = model.transfer_next  # deposit interest is paid by the banks (close_banks)
    created = pop.transfer(0.0, lump_sum)
    ledger.record("money", "cb_transfers", created)
    flows.pay("central-bank transfers", "central_bank_current", "households", created)


def plan(model) -> None:
    """Valuation, strategy switching, consumption budgets and the next equity orders."""
    cfg, cb, pop = model.config, model.central_bank, model.pop
    # valuation: the long rate is the average of the short rates expected over the coming year;
    # "trailing" proxies them by a one-year EWMA of past policy rates, "rule" takes the path the
    # central bank's smoothing towards today's target implies (CentralBank.expected_mean_rate)
    if cfg.long_rate_expectation == "rule":
        model.long_rate = cb.expected_mean
    else:
        model.long_rate += (cb.policy_rate - model.long_rate) / cfg.ticks_per_year
    # Gordon growth at the (credible) inflation target: F = D / (long rate + premium - g)
    # QE's bond holdings lower the term premium, and with it the long yield (portfolio balance)
    long_yield = model.long_rate + fiscal_phase.term_premium_shift(model)
    discount = max(long_yield + cfg.equity_risk_premium - cfg.base_inflation_rate, MIN_DISCOUNT)
    model.fundamental = model.dividend_per_share * cfg.ticks_per_year / discount
    switch_strategies(model)
    # consumption: expected inflation brings spending forward, a higher deposit rate defers
    # it (intertemporal substitution on the real deposit rate households earn; with equal
    # sensitivities the two terms are one response to the real deposit rate). The policy rate
    # has no direct term here: it reaches spending through the deposit rate banks pass on,
    # loan rates, rationing and the equity's discount rate (docs/model.md "Banks and credit")
    propensity = consumption_scale(model)
    model.budget_total = pop.plan_consumption(cfg.income_propensity, cfg.consumption_propensity, propensity,
                                              cfg.fear_spending, cfg.greed_spending)
    ind = model.psychology.indices
    calm = volatility_multiplier(NEUTRAL["fear"], NEUTRAL["greed"], 0.0, NEUTRAL["sentiment"],
                                 cfg.fear_weight, cfg.greed_weight, cfg.herding_weight, cfg.extremity_weight)
    ctx = TradingContext(
        price=model.prices["equity"],
        fundamental=model.fundamental,
        last_return=model.returns[-1] if model.returns else 0.0,
        noise_scale=ind.vol_multiplier / calm,
        sentiment_weight=cfg.sentiment_weight,
        impact=cfg.market_impact,
        reversion=cfg.fundamental_reversion,
        extrapolation=cfg.trend_extrapolation,
        fundamentalist_noise=cfg.fundamentalist_noise,
        chartist_noise=cfg.chartist_noise,
        noise_sigma=cfg.noise_sigma,
        noise_reversal=cfg.noise_reversal,
        dispersion=cfg.expectation_dispersion,
        activity=cfg.activity_rate,
        elasticity=cfg.demand_sensitivity,
        rebalancing=cfg.rebalancing,
        fear_selling=cfg.fear_selling,
        usual_fear=model.psychology.usual_fear,
        herd_probability=herd_probability(cfg.herding_strength, ind.fear, model.psychology.usual_fear),
        consensus=model.consensus,
        fear_liquidity=cfg.fear_liquidity,
        news_tail=cfg.news_tail,
    )
    model.pending_orders, model.trade_stats = form_orders(pop, ctx, model.market_rng)
    central_bank_orders(model)


def consumption_scale(model) -> float:
    """Scale of households' spending propensities from expected inflation and the deposit rate.

    ``1 + s_pi (pi_e - pi*) - s_d (i_d - i_d0)``, clipped to [0.5, 1.5]: ``pi_e`` expected
    inflation, ``pi*`` the target, ``i_d`` the deposit rate households earn (their banks'
    rates weighted by their deposits, :attr:`arena.banking.BankingSystem.household_deposit_rate`),
    ``i_d0`` its steady-state value (deposit pass-through times the neutral policy rate),
    ``s_pi`` = ``inflation_sensitivity``, ``s_d`` = ``deposit_rate_sensitivity`` (both per
    unit of annual rate). With ``s_pi = s_d = s`` this is ``1 - s`` times the gap of the real
    deposit rate ``i_d - pi_e`` from its steady state: the log-linear consumption Euler
    equation's level response ``dc = -EIS * (expected real-rate gap * its duration)`` with an
    elasticity of intertemporal substitution EIS = 0.5 (inside the range of the estimates
    collected by Havranek, Horvath, Irsova & Rusnak 2015) and a duration of one year.
    Dimensionless.
    """
    cfg, cb = model.config, model.central_bank
    bs = model.banking
    infl_gap = cb.expected_inflation - cfg.base_inflation_rate
    rate_gap = bs.household_deposit_rate - bs.reference_deposit_rate
    scale = 1.0 + cfg.inflation_sensitivity * infl_gap - cfg.deposit_rate_sensitivity * rate_gap
    return clip_float(scale, 0.5, 1.5)


def switch_strategies(model) -> None:
    """Franke-Westerhoff (2012) discrete choice between fundamentalists and chartists.

    The target share of fundamentalists among non-noise traders is
    ``1 / (1 + exp(-beta a_t))`` with the predisposition ``a_t`` of
    :func:`arena.markets.expectations.predisposition` (herding, misalignment, arousal and,
    with ``loss_switching`` > 0, the market's recent trend);
    a share ``switching_rate`` of non-noise traders reconsiders each tick and adopts
    fundamentalism with that probability, so the realised share moves toward the target
    at that rate.
    """
    cfg = model.config
    pop = model.pop
    if cfg.switching_rate <= 0:
        return
    n_fund = int(np.count_nonzero(pop.strategy == FUNDAMENTALIST))
    n_chart = int(np.count_nonzero(pop.strategy == CHARTIST))
    if n_fund + n_chart == 0:
        return
    ind = model.psychology.indices
    a = predisposition(
        n_fund / (n_fund + n_chart),
        float(np.log(model.prices["equity"] / model.fundamental)),
        ind.fear,
        ind.greed,
        cfg.switching_predisposition,
        cfg.strategy_herding,
        cfg.misalignment_switching,
        cfg.arousal_switching,
        trend_momentum(model.trend),
        cfg.loss_switching,
    )
    target = fundamentalist_target(a, cfg.switching_intensity)
    if cfg.switching_rate >= 1.0:  # everyone reconsiders (FW's discrete choice): no index gather
        choice = np.where(model.market_rng.random(pop.n, dtype=np.float32) < target, FUNDAMENTALIST, CHARTIST)
        np.copyto(pop.strategy, choice.astype(np.int8), where=pop.strategy != NOISE)
        return
    movers = bernoulli_indices(pop.n, cfg.switching_rate, model.market_rng)
    movers = np.take(movers, np.flatnonzero(np.take(pop.strategy, movers) != NOISE))
    fund = model.market_rng.random(movers.size) < target
    pop.strategy[movers] = np.where(fund, np.int8(FUNDAMENTALIST), np.int8(CHARTIST))


def central_bank_orders(model) -> None:
    """Queue the central bank's equity purchase (QE, ``qe_asset = "equity"``) or sale (tightening)."""
    cb, cfg = model.central_bank, model.config
    price = model.prices["equity"]
    if cb.qe and cfg.qe_asset == "equity":  # QE in bonds: arena.fiscal_phase.close
        amount = cfg.qe_rate * model.money_supply() / price
        model.pending_participants.append(Participant("cb:qe", amount, price * (1 + cfg.max_price_change)))
    elif cb.tightening and cb.shares > 0:
        amount = min(cb.shares, cfg.qe_rate * model.money_supply() / price)
        model.pending_participants.append(Participant("cb:sale", -amount, price * (1 - cfg.max_price_change)))
