"""Phase 2, firms' part: default and entry, staggered reviews, and the labour market.

Order within the phase (after incomes are paid):

1. firms that could not pay their wage bill default (:mod:`arena.sectors.corporate`):
   their workers are laid off, their customers go elsewhere; dead slots whose delay has
   passed are re-entered, recapitalised by the shareholders;
2. each living firm reviews with probability ``1 / review_ticks``: C-firms set price,
   planned output, wage and an investment order; K-firms price, output and wage; a review
   ends the firm's review interval;
3. productivity grows; every firm sets its labour demand from its plan, a firm rationed
   by its bank this tick only for the share of its plan it can finance;
4. labour market (:mod:`arena.markets.labour`): separations, firing of excess workers,
   matching of the unemployed to the vacancies.
"""

from __future__ import annotations

import numpy as np

from arena import accounting, credit_phase
from arena.markets import labour
from arena.sectors import corporate


def lifecycle(model, ledger: accounting.Ledger) -> None:
    """Defaults (from this tick's wage payments) and entries of both firm types."""
    cfg, pop, cf, kf = model.config, model.pop, model.cfirms, model.kfirms
    dead_c, dead_k = model.defaulting_c, model.defaulting_k
    model.firm_defaults = int(dead_c.sum() + dead_k.sum())
    model.defaults_total += model.firm_defaults
    if model.firm_defaults:
        for firms, dead, kind in ((cf, dead_c, "consumption"), (kf, dead_k, "capital")):
            if not dead.any():
                continue
            lost = corporate.default(firms, dead, model.tick, cfg.entry_delay)
            stock = "goods" if kind == "consumption" else "machines"
            ledger.record(stock, "default_writeoff", -lost["inventory"])
            if lost["capital"]:
                ledger.record("capital", "default_writeoff", -lost["capital"])
            model.event_log.emit(model.tick, "firm_default", sector=kind, firms=int(dead.sum()),
                                 inventory_written_off=lost["inventory"], capital_scrapped=lost["capital"])
        dead_pad = np.concatenate([dead_c, dead_k, [False]])
        laid_off = np.flatnonzero(np.take(dead_pad, pop.employer))
        pop.employer[laid_off] = -1
        # customers of a closed shop find no stock there: they spill over to other shops and
        # keep the one that serves them (arena.markets.goods.sell), no scan of households
    entries, paid_total = 0, 0.0
    for firms in (cf, kf):
        slots, need = corporate.enter(firms, model.tick, model.capital_price(), cfg.buffer_ticks,
                                      cfg.review_ticks)
        if slots.size == 0:
            continue
        asked = float(need.sum())
        paid = corporate.recapitalise(pop, asked)
        if asked > 0:
            firms.deposits[slots] += need * (paid / asked)
        paid_total += paid
        entries += int(slots.size)
    if entries:  # new shops are found by the households who search from now on
        model.recapitalisation += paid_total
        model.event_log.emit(model.tick, "firm_entry", firms=entries, recapitalisation=paid_total)
    model.firm_entries = entries
    model.entries_total += entries


def decide_and_hire(model) -> None:
    """Reviews, labour demand and the labour market for this tick."""
    cfg, pop, cf, kf, rng = model.config, model.pop, model.cfirms, model.kfirms, model.rng
    cb = model.central_bank
    prices = model.commodity_prices()
    kprice = model.capital_price()
    idx = cf.reviewing(rng)
    if idx.size:
        unit_cost = cf.compute_unit_cost(prices, kprice)
        cf.review_price_quantity(idx, unit_cost, rng)
        cf.review_wage(idx, cb.expected_inflation, rng, model.unemployment)
        order = cf.review_investment(idx, kf.price, kf.alive, kf.inventory, rng,
                                     model.banking.user_cost[idx])
        ordered = np.bincount(cf.k_supplier[idx], weights=order, minlength=kf.n)
        kf.demand_acc += ordered
        kf.booked += ordered
        cf.reset_accumulators(idx)
    kidx = kf.reviewing(rng)
    if kidx.size:
        kf.review_price_quantity(kidx, kf.compute_unit_cost(), rng)
        kf.review_wage(kidx, cb.expected_inflation, rng, model.unemployment)
        kf.reset_accumulators(kidx)
    cf.grow_productivity(model.efficiency_rng)
    kf.grow_productivity(model.efficiency_rng)
    cf.set_labour_demand()
    kf.set_labour_demand()
    credit_phase.limit_labour_to_finance(model)  # rationed firms hire what they can finance
    # labour market over the joint employer space (C-firms, then K-firms)
    workers = np.concatenate([cf.workers, kf.workers])
    demand = np.concatenate([cf.labour_demand, kf.labour_demand])
    workers -= labour.separate(pop.employer, workers.size, cfg.separation_rate, rng)
    quota = labour.firing_quota(workers, demand)
    workers -= labour.fire(pop.employer, workers, quota, rng)
    vacancies = np.maximum(demand - workers, 0)
    unemployed = pop.n - int(workers.sum())
    workers += labour.match(pop.employer, vacancies, unemployed, cfg.matching_efficiency, rng)
    cf.workers, kf.workers = workers[: cf.n].copy(), workers[cf.n:].copy()
    model.vacancies = int(np.maximum(demand - workers, 0).sum())
    model.unemployment = 1.0 - float(workers.sum()) / pop.n
    cf.end_tick()
    kf.end_tick()
