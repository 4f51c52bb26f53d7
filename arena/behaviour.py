"""Phase 2 of the tick: agent behaviour.

Pays incomes (wages, dividends, resource royalties, deposit interest and the central
bank's transfer), runs the labour market and the Phillips-curve wage, values the equity
(fundamental value), lets traders switch strategy, sets consumption budgets and forms the
equity orders of the next auction, including the central bank's QE purchases or sales.
"""

from __future__ import annotations

import numpy as np

from arena import accounting
from arena.firms import TURNOVER
from arena.markets.equity import Participant, TradingContext, form_orders
from arena.markets.expectations import fundamentalist_target, predisposition
from arena.population import CHARTIST, FUNDAMENTALIST, NOISE, bernoulli_indices
from arena.psychology import NEUTRAL, volatility_multiplier
from arena.scarcity import RESOURCE_NAMES

#: EWMA weight of dividends in the fundamental value.
DIVIDEND_MEMORY = 0.998
#: Floor of the real discount rate of dividends (1/year), keeps the fundamental value finite.
MIN_DISCOUNT = 0.03


def behave(model, ledger: accounting.Ledger | None = None) -> None:
    """Run phase 2 on ``model``: incomes, labour, valuation, budgets and next orders."""
    cfg = model.config
    ledger = ledger or accounting.Ledger()
    pop, firms, cb = model.pop, model.firms, model.central_bank
    employed = int(np.count_nonzero(pop.employed))
    # income: wages, dividends, interest and transfers
    wage, share_paid = firms.wage_bill(employed)
    firms.deposits -= pop.pay_wages(wage, share_paid)
    payout = firms.dividend()
    firms.deposits -= payout
    # resource rents are paid to every household as royalties (a resource fund)
    royalties = model.producer_deposits * cfg.dividend_payout
    model.producer_deposits -= royalties
    pop.pay_equal(float(royalties.sum()))
    outside_shares = model.outside.total_shares()
    total_shares = float(pop.shares.sum()) + cb.shares + outside_shares
    dps = payout / total_shares if total_shares > 0 else 0.0
    paid = pop.pay_per_share(dps)
    for account in model.outside.accounts.values():
        account.cash += account.shares * dps
    # the central bank's dividends leave the deposit money supply: money destroyed
    cb_dividends = payout - paid - outside_shares * dps
    ledger.record("money", "cb_dividend_receipts", -cb_dividends)
    model.dividend_per_share = DIVIDEND_MEMORY * model.dividend_per_share + (1 - DIVIDEND_MEMORY) * dps
    interest, lump_sum = model.transfer_next
    created = pop.transfer(interest, lump_sum)
    ledger.record("money", "cb_interest_and_transfers", created)
    # labour market and wages
    commodity_prices = np.array([model.prices[r] for r in RESOURCE_NAMES])
    target = firms.plan(model.prices["goods"], commodity_prices)
    employed = int(np.count_nonzero(pop.employed))
    # hiring and firing take time: a share hiring_rate of the gap closes each tick
    pop.adjust_employment(employed + int(round(cfg.hiring_rate * (target - employed))), TURNOVER, model.rng)
    employed = int(np.count_nonzero(pop.employed))
    model.unemployment = 1.0 - employed / cfg.n_agents
    firms.update_wage(cb.expected_inflation, model.unemployment)
    # valuation: the long rate is the average of expected short rates (a one-year EWMA)
    model.long_rate += (cb.policy_rate - model.long_rate) / cfg.ticks_per_year
    # Gordon growth at the (credible) inflation target: F = D / (long rate + premium - g)
    discount = max(model.long_rate + cfg.equity_risk_premium - cfg.base_inflation_rate, MIN_DISCOUNT)
    model.fundamental = model.dividend_per_share * cfg.ticks_per_year / discount
    switch_strategies(model)
    # consumption: higher real rates raise saving, expected inflation brings spending forward
    real_gap = cb.policy_rate - cb.expected_inflation - cfg.neutral_real_rate
    infl_gap = cb.expected_inflation - cfg.base_inflation_rate
    propensity = cfg.consumption_propensity * float(
        np.clip(1.0 - cfg.rate_sensitivity * real_gap + cfg.inflation_sensitivity * infl_gap, 0.5, 1.5)
    )
    model.budget_total = pop.plan_consumption(propensity)
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
        dispersion=cfg.expectation_dispersion,
        activity=cfg.activity_rate,
        elasticity=cfg.demand_sensitivity,
        rebalancing=cfg.rebalancing,
        fear_selling=cfg.fear_selling,
        usual_fear=model.psychology.usual_fear,
    )
    model.pending_orders, model.trade_stats = form_orders(pop, ctx, model.rng)
    central_bank_orders(model)


def switch_strategies(model) -> None:
    """Franke-Westerhoff (2012) discrete choice between fundamentalists and chartists.

    The target share of fundamentalists among non-noise traders is
    ``1 / (1 + exp(-beta a_t))`` with the predisposition ``a_t`` of
    :func:`arena.markets.expectations.predisposition` (herding, misalignment, arousal);
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
    )
    target = fundamentalist_target(a, cfg.switching_intensity)
    if cfg.switching_rate >= 1.0:  # everyone reconsiders (FW's discrete choice): no index gather
        choice = np.where(model.rng.random(pop.n, dtype=np.float32) < target, FUNDAMENTALIST, CHARTIST)
        np.copyto(pop.strategy, choice.astype(np.int8), where=pop.strategy != NOISE)
        return
    movers = bernoulli_indices(pop.n, cfg.switching_rate, model.rng)
    movers = movers[pop.strategy[movers] != NOISE]
    fund = model.rng.random(movers.size) < target
    pop.strategy[movers] = np.where(fund, FUNDAMENTALIST, CHARTIST).astype(np.int8)


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
