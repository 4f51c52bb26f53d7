"""Phase 1 of the tick: the market session.

Clears the equity call auction (households, central bank, outside agents), the commodity
spot auctions on their schedule books, produces goods and sells them at the posted goods
price, then moves that price by tatonnement. Settles every payment between accounts and
records production and consumption of goods in the tick's ledger.
"""

from __future__ import annotations

import numpy as np

from arena import accounting
from arena.firms import COST_LEVELS
from arena.markets import book as bk
from arena.markets.equity import Participant, run_auction
from arena.markets.formulas import equilibrium_price
from arena.markets.schedules import BACKSTOP, commodity_book, commodity_supply_curve, goods_book
from arena.scarcity import RESOURCE_NAMES, RESOURCES

#: Schedule books (goods, commodities) use a coarser grid than the equity auction: their
#: curves are smooth aggregates, so 4x the equity tick loses nothing and costs a quarter.
SCHEDULE_TICK_FACTOR = 4


def clear_markets(model, ledger: accounting.Ledger) -> None:
    """Run phase 1 on ``model``: clear every market and settle; flows go to ``ledger``."""
    cfg = model.config
    clear_equity(model, ledger)
    goods_price = model.prices["goods"]
    commodity_prices = np.array([model.prices[r] for r in RESOURCE_NAMES])
    employed = int(np.count_nonzero(model.pop.employed))
    planned = employed * cfg.productivity
    # firms order the inputs they need, scaled down to what their deposits can pay for
    bill = float(
        (model.firms.input_demand_per_unit(goods_price, commodity_prices) * planned * commodity_prices).sum()
    )
    afford = min(1.0, max(model.firms.deposits, 0.0) / bill) if bill > 0 else 1.0
    firm_units_at_goods_price = model.firms.coefficients * planned * afford  # demand scale at p = P
    budget = model.budget_total
    fills = np.zeros(len(RESOURCES))
    extracted = np.zeros(len(RESOURCES))
    nominal = model.price0 * model.firms.wage / model.firms.initial_wage  # extraction costs follow wages
    cost_factor = model.scarcity.cost_factor()
    capacity = model.scarcity.capacity_factor()
    full_scarcity = (1.0 + model.scarcity.max_mult * model.scarcity.importance) / model.scarcity.multiplier0
    household_spend = 0.0
    firm_input_cost = 0.0
    for i, name in enumerate(RESOURCE_NAMES):
        price = model.prices[name]
        grid = bk.PriceGrid(price, cfg.max_price_change, cfg.price_tick * SCHEDULE_TICK_FACTOR)
        costs, caps = commodity_supply_curve(
            model.base_extraction[i],
            nominal * cost_factor[i],
            capacity[i],
            BACKSTOP * nominal * full_scarcity[i],
        )
        hh_budget = model.household_shares[i] * budget
        # firm demand a_k Y (p/P)^-0.5 written as q * p^-0.5 with q = a_k Y P^0.5
        book = commodity_book(grid, hh_budget, firm_units_at_goods_price[i] * goods_price**0.5, costs, caps)
        result = bk.clear(book)
        new_price = result.price
        demand_at = hh_budget / new_price + firm_units_at_goods_price[i] * (new_price / goods_price) ** -0.5
        fill = min(1.0, result.volume / demand_at) if demand_at > 0 else 1.0
        fills[i] = fill * afford  # share of the inputs production needs
        value = result.volume * new_price
        household_spend += fill * hh_budget
        firm_input_cost += value - fill * hh_budget
        model.producer_deposits[i] += value
        tranche_supply = float(caps[:-1][costs[:-1] <= new_price].sum())
        extracted[i] = min(result.volume, tranche_supply)
        record_market(model, name, book, result, price)
        model.prices[name] = new_price
    model.firms.deposits -= firm_input_cost
    model.extracted = extracted
    # production, then the goods market at the posted price
    output = model.firms.produce(employed, fills)
    ledger.record("goods", "production", output)
    commodity_prices = np.array([model.prices[r] for r in RESOURCE_NAMES])
    goods_budget = model.goods_share * budget
    demand = goods_budget / goods_price
    supply = model.firms.goods_supply(goods_price, commodity_prices)
    sold = min(demand, supply)
    goods_fill = sold / demand if demand > 0 else 0.0
    model.firms.inventory -= sold
    ledger.record("goods", "consumption", -sold)
    model.firms.deposits += sold * goods_price
    household_spend += goods_fill * goods_budget
    spend_share = household_spend / budget if budget > 0 else 0.0
    model.pop.spend(spend_share)
    model.final_sales = household_spend
    grid = bk.PriceGrid(goods_price, cfg.max_price_change, cfg.price_tick * SCHEDULE_TICK_FACTOR)
    gbook = goods_book(
        grid, goods_budget, supply, model.firms.unit_cost(goods_price, commodity_prices), COST_LEVELS
    )
    record_market(
        model,
        "goods",
        gbook,
        bk.Clearing(-grid.low_index, goods_price, sold, 0, 0, 0, 0),
        goods_price,
        posted=True,
    )
    model.prices["goods"] = equilibrium_price(
        goods_price, demand, supply, cfg.goods_elasticity, cfg.max_price_change
    )
    model.firms.expected_sales = 0.9 * model.firms.expected_sales + 0.1 * demand


def clear_equity(model, ledger: accounting.Ledger) -> None:
    """Clear the equity call auction and settle households, central bank and outside agents."""
    cfg = model.config
    price = model.prices["equity"]
    participants = list(model.pending_participants)
    resting = list(model.outside.resting())
    for agent_id, order in resting:
        qty = order.qty if order.side == "buy" else -order.qty
        participants.append(Participant(f"outside:{agent_id}:{order.id}", qty, order.limit))
    order_sets = [model.pending_orders] + model.pending_household_orders
    book, result, fills = run_auction(
        model.pop, order_sets, participants, price, cfg.max_price_change, cfg.price_tick
    )
    p = result.price
    for key, qty in fills.items():
        if qty == 0.0:
            continue
        owner, _, rest = key.partition(":")
        if owner == "cb":
            model.central_bank.shares += qty
            ledger.record("money", "cb_asset_purchases" if qty > 0 else "cb_asset_sales", qty * p)
        elif owner == "outside":
            agent_id, _, order_id = rest.rpartition(":")
            model.outside.settle_fill(agent_id, int(order_id), abs(qty), p, model.tick)
    model.pending_participants = []
    model.pending_household_orders = []
    log_return = float(np.log(p / price))
    model.returns.append(log_return)
    model.trend = cfg.trend_memory * model.trend + (1 - cfg.trend_memory) * log_return
    flow = model.trade_stats["buy_volume"] - model.trade_stats["sell_volume"]
    total = model.trade_stats["buy_volume"] + model.trade_stats["sell_volume"]
    model.order_imbalance = flow / total if total > 0 else 0.0
    model.flow_history.append((log_return, model.order_imbalance))
    record_market(model, "equity", book, result, price)
    model.prices["equity"] = p


def record_market(
    model, name: str, book: bk.Book, result: bk.Clearing, old_price: float, posted: bool = False
) -> None:
    """Store a market's book and its statistics (quotes, depth, surplus, elasticity).

    For a posted-price market (goods) the quotes come from where its schedules cross; a side
    with no resting volume quotes the clearing price, so the spread is the gap to the next
    resting order (for the commodities' step supply: the next extraction tranche). A price
    capped by ``max_price_change`` in an auction emits ``price_limit_hit``.
    """
    cfg = model.config
    if posted:
        crossing = bk.clear(book)
        bid, ask = bk.best_quotes(book, crossing, empty="price")
    else:
        bid, ask = bk.best_quotes(book, result, empty="price")
    price = result.price
    depth_bid, depth_ask = bk.depth(book, price)
    consumer, producer = bk.surplus(book, price, result.volume)
    model.books[name] = book
    model.market_stats[name] = {
        "price": price,
        "spread": max(ask - bid, 0.0) / price,
        "depth_bid": depth_bid,
        "depth_ask": depth_ask,
        "volume": result.volume,
        "consumer_surplus": consumer,
        "producer_surplus": producer,
        "elasticity": bk.book_elasticity(book, result.level),
        "bid": bid,
        "ask": ask,
    }
    if not posted and abs(price / old_price - 1.0) >= cfg.max_price_change * 0.999:
        model.event_log.emit(model.tick, "price_limit_hit", market=name, price=price, previous=old_price)
