"""Phases 6 and 7: read the model's state into indicators and publish the tick's events."""

from __future__ import annotations

import numpy as np

from arena import fiscal_phase
from arena.indicators import MARKET_STATS, MARKETS, gini
from arena.markets.formulas import kyle_lambda
from arena.monetary import phillips_inflation
from arena.population import CHARTIST, FUNDAMENTALIST, NOISE
from arena.scarcity import RESOURCE_NAMES
from arena.sectors.frame import mean_markup, price_dispersion


def compute(model) -> dict[str, float]:
    """Every indicator column of the current tick (see :data:`arena.indicators.COLUMNS`)."""
    cfg, cb, cf, kf, pop = model.config, model.central_bank, model.cfirms, model.kfirms, model.pop
    ind = model.psychology.indices
    macro = model.macro
    price = model.prices["equity"]
    panel_wealth = pop.cash[model.gini_panel] + pop.shares[model.gini_panel] * price
    # three byte-wide comparisons: bincount would first widen the int8 codes to intp (1.6 vs 0.2 ms at 1M)
    strategy_counts = np.array([np.count_nonzero(pop.strategy == k) for k in range(3)]) / pop.n
    flows = np.array(model.flow_history) if model.flow_history else np.zeros((0, 2))
    gov = model.government
    # expenditure GDP (SNA 2008 ch. 10; BEA NIPA): final sales plus the change in inventories
    gdp = model.final_sales + model.investment[1] + gov.last["purchases"] + model.inventory_investment
    n_employed = float(cf.workers.sum() + kf.workers.sum())
    out: dict[str, float] = {
        "tick": model.tick,
        "fundamental_equity": model.fundamental,
        "kyle_lambda_equity": kyle_lambda(flows[:, 0], flows[:, 1]) if len(flows) else 0.0,
        "order_imbalance_equity": model.order_imbalance,
        "cpi": macro["cpi"],
        "inflation": cb.inflation,
        "core_cpi": macro["core_cpi"],
        "core_inflation": cb.core_inflation,
        "structural_inflation": cb.structural,
        "expected_inflation": cb.expected_inflation,
        "phillips_inflation": phillips_inflation(
            cb.expected_inflation, model.unemployment, cfg.natural_unemployment, cfg.phillips_slope
        ),
        "policy_rate": cb.policy_rate,
        "taylor_rate": macro["taylor_rate"],
        "real_rate": cb.policy_rate - cb.expected_inflation,
        "money_supply": macro["money"],  # measured in phase 4; phase 5 moves no money
        "money_growth": macro["money_growth"],
        "money_growth_target": cb.money_growth_target,
        "velocity": macro["velocity"],
        "nominal_output": model.final_sales * cfg.ticks_per_year,
        "output": float(cf.output.sum()),
        "potential_output": model.potential,
        "output_gap": macro["output_gap"],
        "unemployment": model.unemployment,
        "wage": model.mean_wage(),
        "hours": float(cf.hours @ cf.workers + kf.hours @ kf.workers) / max(n_employed, 1.0),
        "inventory": float(cf.inventory.sum()),
        "gdp": gdp,
        "real_gdp": gdp / max(macro["cpi"] / 100.0 * model.price0, 1e-300),
        "consumption": model.final_sales,
        "investment": model.investment[1],
        "capital": float(cf.capital.sum()),
        "vacancies": float(model.vacancies),
        "vacancy_rate": model.vacancies / max(model.vacancies + n_employed, 1.0),
        "n_firms": float(cf.alive.sum()),
        "n_kfirms": float(kf.alive.sum()),
        "firm_defaults": float(model.firm_defaults),
        "firm_entries": float(model.firm_entries),
        "markup": mean_markup(cf.markup, cf.sales, cf.alive),
        "price_dispersion": price_dispersion(cf.price, cf.alive),
        "price_capital": model.capital_price(),
        "input_fill": model.input_fill,
        "dividends": model.dividends_paid,
        **model.banking.indicators(),
        **gov.indicators(),
        "bond_yield": gov.bond_yield(cb.policy_rate, fiscal_phase.qe_share(model)),
        "cb_bonds": cb.bonds,
        "labour_productivity": cf.productivity * model.allocation_efficiency(),
        "tightening": float(cb.tightening),
        "qe": float(cb.qe),
        "cb_equity_shares": cb.shares,
        "gini": gini(panel_wealth),
        "mean_wealth": (model.household_total("cash") + model.household_total("shares") * price) / pop.n,
        "sentiment": ind.sentiment,
        "fear": ind.fear,
        "greed": ind.greed,
        "confidence": ind.confidence,
        "herding": ind.herding,
        "sentiment_variance": ind.sentiment_variance,
        "volatility_multiplier": ind.vol_multiplier,
        "realized_volatility": model.realized_volatility(),
        "share_fundamentalist": float(strategy_counts[FUNDAMENTALIST]),
        "share_chartist": float(strategy_counts[CHARTIST]),
        "share_noise": float(strategy_counts[NOISE]),
    }
    for m in MARKETS:
        stats = model.market_stats[m]
        for key in MARKET_STATS:
            out[f"{key}_{m}"] = float(stats[key])
    level, mult = model.scarcity.level(), model.scarcity.multiplier()
    for i, r in enumerate(RESOURCE_NAMES):
        out[f"reserves_{r}"] = float(model.scarcity.reserves[i])
        out[f"scarcity_{r}"] = float(level[i])
        out[f"price_multiplier_{r}"] = float(mult[i])
    return out


def emit_tick_events(model) -> None:
    """Publish the per-tick updates and threshold-crossing psychology events."""
    cfg, cur, log, tick = model.config, model.current, model.event_log, model.tick
    log.emit(
        tick,
        "market_tick",
        **{
            m: {"price": cur[f"price_{m}"], "spread": cur[f"spread_{m}"], "volume": cur[f"volume_{m}"]}
            for m in MARKETS
        },
    )
    log.emit(
        tick,
        "psychology_update",
        **{
            k: cur[k]
            for k in (
                "sentiment",
                "fear",
                "greed",
                "confidence",
                "herding",
                "sentiment_variance",
                "volatility_multiplier",
                "realized_volatility",
            )
        },
    )
    log.emit(
        tick,
        "inflation_update",
        **{
            k: cur[k]
            for k in (
                "cpi",
                "inflation",
                "core_inflation",
                "structural_inflation",
                "expected_inflation",
                "policy_rate",
                "real_rate",
                "money_supply",
                "money_growth",
                "velocity",
                "unemployment",
                "output_gap",
            )
        },
    )
    log.emit(
        tick,
        "scarcity_update",
        **{
            r: {
                "reserves": cur[f"reserves_{r}"],
                "scarcity": cur[f"scarcity_{r}"],
                "price_multiplier": cur[f"price_multiplier_{r}"],
                "price": cur[f"price_{r}"],
            }
            for r in RESOURCE_NAMES
        },
    )
    prev = getattr(model, "_previous_extremes", {"herding": False, "panic": False, "euphoria": False})
    now = {
        "herding": cur["herding"] > cfg.herding_threshold,
        "panic": cur["fear"] > cfg.panic_threshold,
        "euphoria": cur["greed"] > cfg.euphoria_threshold,
    }
    levels = {"herding": cur["herding"], "panic": cur["fear"], "euphoria": cur["greed"]}
    for kind, active in now.items():
        if active and not prev[kind]:
            log.emit(tick, kind, level=levels[kind], price_equity=cur["price_equity"])
    model._previous_extremes = now
    model.alert_monitor.evaluate(tick, cur, log.emit)
