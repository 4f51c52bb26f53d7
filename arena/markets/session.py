"""Phase 1 of the tick: the market session.

Clears the equity call auction (households, central bank, outside agents) and the commodity
spot auctions on their schedule books (C-firms' CES input orders among the bids);
firms produce goods and machines; machines ordered at reviews are delivered; households
buy goods by search from the firms' posted prices (:mod:`arena.markets.goods`). Settles
every payment between accounts and records production, consumption, investment and
depreciation in the tick's ledger.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from arena import accounting, fiscal_phase
from arena.markets import book as bk
from arena.markets import goods, retail, rows
from arena.markets.equity import Participant, run_auction
from arena.markets.schedules import BACKSTOP, TRANCHE_CAPACITY, offers_book
from arena.scarcity import RESOURCE_NAMES, RESOURCES

#: Schedule books (goods, commodities) use a coarser grid than the equity auction: their
#: curves are smooth aggregates, so 4x the equity tick loses nothing and costs a quarter.
SCHEDULE_TICK_FACTOR = 4


def clear_markets(model, ledger: accounting.Ledger) -> None:
    """Run phase 1 on ``model``: clear every market and settle; flows go to ``ledger``.

    Order: equity auction; commodity auctions (households' budgets and C-firms' CES
    input orders); production of goods and machines; machine deliveries; the goods market
    by search, then the government's purchases (:mod:`arena.fiscal_phase`); depreciation of capital.
    """
    clear_equity(model, ledger)
    cf, kf = model.cfirms, model.kfirms
    stocks_before = (cf.inventory.copy(), kf.inventory.copy(), cf.input_stock.copy())
    fills, unit_input_cost, household_share = clear_commodities(model)
    produce(model, fills, unit_input_cost, ledger)
    units, value = goods.deliver_machines(model.cfirms, model.kfirms)
    model.tick_flows.pay("investment", "firms_capital", "firms_current", value)
    ledger.record("capital", "investment", units)
    ledger.record("machines", "deliveries", -units)
    model.investment = (units, value)
    clear_goods(model, household_share, ledger)
    model.inventory_investment = inventory_investment(model, *stocks_before)
    wear = cf.capital * (model.config.depreciation / model.config.ticks_per_year)
    cf.capital -= wear
    cf.profit_acc -= wear * model.capital_price()
    ledger.record("capital", "depreciation", -float(wear.sum()))


def inventory_investment(model, goods_before: np.ndarray, machines_before: np.ndarray,
                         inputs_before: np.ndarray) -> float:
    """Value of the tick's change in inventories (currency/tick), a component of GDP.

    Entries less withdrawals during the market session, each valued at its current price (SNA
    2008 ch. 10, changes in inventories P.52, part of gross capital formation; BEA NIPA's change
    in private inventories; Eurostat-OECD *Compilation guide on inventories*, 2017): C-firms'
    finished goods at their posted prices, K-firms' finished machines at theirs, C-firms'
    commodity input stocks (materials and supplies) at the auction prices. Units times current
    prices, not the change of the stocks' value: holding gains are not production. Write-offs at
    a default are other changes in volume (SNA 2008 ch. 12), not withdrawals: they happen in
    phase 2, outside the session measured here.

    Parameters
    ----------
    model : ArenaModel
        After the goods market and the government's purchases of the tick.
    goods_before, machines_before : numpy.ndarray
        C-firms' goods and K-firms' machines in stock when the session began (units), shapes (F,), (FK,).
    inputs_before : numpy.ndarray
        C-firms' commodity input stock when the session began (units), shape (R,).
    """
    cf, kf = model.cfirms, model.kfirms
    goods = float(cf.price @ (cf.inventory - goods_before))
    machines = float(kf.price @ (kf.inventory - machines_before))
    return goods + machines + float(model.commodity_prices() @ (cf.input_stock - inputs_before))


def clear_commodities(model) -> tuple[np.ndarray, float, float]:
    """Clear the commodity call auctions.

    C-firms choose their CES input mix at last tick's prices
    (:meth:`~arena.sectors.firms.GoodsFirms.set_input_mix`) and order ``x_k * requested`` of
    each input, where ``requested`` is each firm's capacity scaled down to what its deposits,
    net of this tick's wage bill, pay for at the highest price the auction can reach. Their
    order falls with the price at the CES own-price elasticity of conditional input demand,
    ``sigma (1 - theta_k)``. The order adds a share of the gap of the sector's input stock to
    its target (:meth:`~arena.sectors.firms.GoodsFirms.input_restock`); what the auction does
    not fill is drawn from the stock. Households bid their retail demand
    (:mod:`arena.markets.retail`: oil through a retail price with a short-run elasticity, water and
    land Cobb-Douglas); what they do not spend on commodities, retail margins included, is the
    tick's goods share (``model.goods_share``). At a shortfall every buyer gets the same fill ratio.

    Returns
    -------
    fills : numpy.ndarray
        Share of the inputs the planned output needs (at last tick's mix) that firms use,
        shape (R,), in [0, 1]: below 1 when the auction and the stock together fall short, or
        when the clearing price makes firms substitute away.
    unit_input_cost : float
        What firms pay for inputs (use and restocking) per unit of requested output (currency/unit).
    household_share : float
        Share of household budgets spent on commodities.
    """
    cfg, cf = model.config, model.cfirms
    commodity_prices = np.array([model.prices[r] for r in RESOURCE_NAMES])
    cf.set_input_mix(commodity_prices)
    capacity = cf.capacity()
    restock = cf.input_restock(cf.input_per_unit * float(capacity.sum()))
    worst = float((cf.input_per_unit * (1.0 + restock)) @ commodity_prices)
    bill = capacity * worst * (1.0 + cfg.max_price_change) * 1.01
    available = np.maximum(cf.deposits - cf.wage_bill(), 0.0)  # this tick's wages come first (last hours)
    afford = np.ones_like(bill)
    np.divide(available, bill, out=afford, where=bill > available)
    cf.requested = capacity * afford
    need = cf.input_per_unit * float(cf.requested.sum())  # units used at full fill
    firm_units = need * (1.0 + cf.input_restock(need))  # the order: use plus a share of the stock gap
    elasticity = cf.sigma * (1.0 - cf.input_cost_shares)
    budget = model.budget_total
    fills = np.ones(len(RESOURCES))
    extracted = np.zeros(len(RESOURCES))
    nominal = model.price0 * model.mean_wage() / model.initial_wage  # extraction costs follow wages
    cost_factor = model.scarcity.cost_factor()
    capacity_factor = model.scarcity.capacity_factor()
    full_scarcity = (1.0 + model.scarcity.max_mult * model.scarcity.importance) / model.scarcity.multiplier0
    household_share = 0.0
    input_bill = 0.0
    bought, used_units = np.zeros(len(RESOURCES)), np.zeros(len(RESOURCES))
    # the R books as rows of (R, L) arrays, built, cleared and measured together
    # (arena.markets.rows: the same numbers as one book at a time)
    old_prices = [model.prices[name] for name in RESOURCE_NAMES]
    grids, level_prices = rows.grids(old_prices, cfg.max_price_change, cfg.price_tick * SCHEDULE_TICK_FACTOR)
    scarcity = model.scarcity
    all_costs, all_caps = rows.supply_curves(model.base_extraction, nominal * cost_factor, capacity_factor,
                                             BACKSTOP * nominal * full_scarcity, scarcity.installed,
                                             scarcity.turnover, scarcity.short_run_elasticity)
    goods_price = model.prices["goods"]
    demand_args = (goods_price, model.household_shares, model.retail_cost_shares,
                   model.household_elasticities)
    hh_units = retail.commodity_quantities(level_prices, budget, *demand_args)  # (R, L), arena.markets.retail
    # firms' order at price p: firm_units (p / price)^-e, written as a quantity at price 1
    firm_quantity = np.array([firm_units[i] * price ** elasticity[i] for i, price in enumerate(old_prices)])
    bids, asks = rows.commodity_books(level_prices, None, firm_quantity, elasticity, all_costs, all_caps,
                                      household_quantity=hh_units)
    results, demand = rows.clear(bids, asks, grids)
    stats = rows.stats(bids, asks, level_prices, demand, results)
    books = rows.books(grids, bids, asks)
    new_prices = np.array([result.price for result in results])
    hh_shares = retail.commodity_shares(new_prices, *demand_args)  # budget shares at the clearing prices
    model.goods_share = 1.0 - float(hh_shares.sum())  # the rest, retail margins included, buys goods
    for i, name in enumerate(RESOURCE_NAMES):
        price, result, costs, caps = old_prices[i], results[i], all_costs[i], all_caps[i]
        new_price = result.price
        firm_order = (new_price / price) ** -elasticity[i]  # share of last tick's order still wanted
        demand_at = hh_shares[i] * budget / new_price + firm_units[i] * firm_order
        fill = min(1.0, result.volume / demand_at) if demand_at > 0 else 1.0
        # units that change hands: the auction's volume, but no more than the buyers take at the
        # clearing prices, so that producers are paid what households and firms pay. The two differ
        # when households' joint budget cap on commodities binds (arena.markets.retail): the book
        # reads each level's bids with every commodity at that level of its grid, the settlement
        # with every commodity at its clearing price, and the book can then clear more than buyers
        # want (paying producers the book's volume created the gap as money). Otherwise they differ
        # by the rounding of the book's cumulative sums (an ulp), which stays as it is.
        excess = result.volume > demand_at * (1.0 + accounting.RELATIVE_TOLERANCE)
        traded = demand_at if excess else result.volume
        bought[i] = firm_units[i] * firm_order * fill
        used = min(need[i] * firm_order, cf.input_stock[i] + bought[i])  # stock covers a shortfall
        fills[i] = used / need[i] if need[i] > 0 else 1.0
        cf.input_stock[i] += bought[i] - used
        used_units[i] = used
        household_share += hh_shares[i] * fill
        input_bill += bought[i] * new_price
        model.producer_deposits[i] += traded * new_price
        tranche_supply = float(caps[:-1][costs[:-1] <= new_price].sum())
        extracted[i] = min(traded, tranche_supply)
        if excess:  # the market's volume is what was traded
            result = dataclasses.replace(result, volume=traded)
        store_market(model, name, books[i], result, price, stats[i])
        model.prices[name] = new_price
    model.extracted = extracted
    # new wells follow the price: the long-run curve's supply at the clearing price (its tranches
    # below the price, before blocks) renews the installed flow's decline
    below = all_costs[:, :-1] <= new_prices[:, None]
    scarcity.drill(TRANCHE_CAPACITY * model.base_extraction * below.sum(axis=1))
    model.input_flows = (bought, used_units)
    total = float(cf.requested.sum())
    unit_input_cost = input_bill / total if total > 0 else 0.0
    return fills, unit_input_cost, household_share


def produce(model, fills: np.ndarray, unit_input_cost: float, ledger: accounting.Ledger) -> None:
    """C-firms pay their inputs and produce ``requested`` times the CES output share; K-firms make machines.

    The output share of the inputs received is
    :meth:`~arena.sectors.firms.GoodsFirms.output_share` (``min_k fill_k`` when Leontief).
    """
    cf, kf = model.cfirms, model.kfirms
    limiting = cf.output_share(fills)
    cost = cf.requested * unit_input_cost
    model.tick_flows.pay("commodity inputs", "firms_current", "producers", float(cost.sum()))
    cf.deposits -= cost
    np.maximum(cf.deposits, 0.0, out=cf.deposits)  # rounding guard: cost <= deposits
    cf.profit_acc -= cost
    output = cf.requested * limiting
    cf.output = output
    cf.record_hours(cf.labour_used())
    cf.inventory += output
    cf.output_acc += output
    model.input_fill = float(fills[cf.coefficients > 0].min()) if (cf.coefficients > 0).any() else 1.0
    bought, used = model.input_flows
    for i, name in enumerate(RESOURCE_NAMES):
        ledger.record(f"inputs_{name}", "purchases", float(bought[i]))
        ledger.record(f"inputs_{name}", "use", -float(used[i]))
    ledger.record("goods", "production", float(output.sum()))
    ledger.record("machines", "production", kf.produce())


def clear_goods(model, household_share: float, ledger: accounting.Ledger) -> None:
    """Households search and buy goods (:mod:`arena.markets.goods`); settle and record stats."""
    cfg, cf, pop = model.config, model.cfirms, model.pop
    goods.search(pop.supplier, cf.price, cf.inventory, cf.alive, cfg.search_share, cfg.search_size, model.rng)
    res = goods.sell(pop.supplier, pop.budget, model.goods_share, household_share, cf.price, cf.inventory,
                     cf.alive, model.rng)
    cf.inventory -= res.sold
    np.maximum(cf.inventory, 0.0, out=cf.inventory)
    cf.deposits += res.revenue
    cf.profit_acc += res.revenue
    cf.sales = res.sold.copy()  # the government's purchases add to it below; res.sold stays households'
    cf.sales_acc += res.sold
    cf.demand_acc += res.booked
    cf.booked = res.booked
    ledger.record("goods", "consumption", -float(res.sold.sum()))
    model.final_sales = pop.spend(res.spent)
    goods_revenue = float(res.revenue.sum())
    model.tick_flows.pay("consumption (goods)", "households", "firms_current", goods_revenue)
    model.tick_flows.pay("consumption (commodities)", "households", "producers",
                         model.final_sales - goods_revenue)
    public_units, _ = fiscal_phase.purchase_goods(model, ledger)
    household_units = float(res.sold.sum())
    sold = household_units + public_units
    previous = model.prices["goods"]
    # a consumer price: a chained index of posted prices weighted by households' spending,
    # not a unit value (where households were served is not a change of price)
    index = model.goods_index.update(cf.price, res.revenue, cf.alive)
    model.prices["goods"] = index
    grid = bk.PriceGrid(index, cfg.max_price_change, cfg.price_tick * SCHEDULE_TICK_FACTOR)
    gbook = offers_book(grid, model.goods_share * model.budget_total, cf.price, cf.inventory + res.sold)
    record_market(model, "goods", gbook, bk.Clearing(-grid.low_index, index, sold, 0, 0, 0, 0), previous,
                  posted=True)


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
            model.tick_flows.add("Δ equities", central_bank_capital=-qty * p, households=qty * p)
        elif owner == "outside":
            agent_id, _, order_id = rest.rpartition(":")
            model.outside.settle_fill(agent_id, int(order_id), abs(qty), p, model.tick)
            model.tick_flows.add("Δ equities", outside=-qty * p, households=qty * p)
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
    # the statistics of arena.markets.book (best_quotes, depth, surplus, book_elasticity) of the
    # book as a one-row array, in one compiled pass (arena.markets.rows.stats: the same numbers)
    bids, asks = book.bids.reshape(1, -1), book.asks.reshape(1, -1)
    prices, demand = book.grid.prices.reshape(1, -1), book.demand().reshape(1, -1)
    stats = rows.stats(bids, asks, prices, demand, [result])[0]
    if posted:
        quotes = rows.stats(bids, asks, prices, demand, [rows.clear_book(book)])[0]
        stats["bid"], stats["ask"] = quotes["bid"], quotes["ask"]
    store_market(model, name, book, result, old_price, stats, posted)


def store_market(model, name: str, book: bk.Book, result: bk.Clearing, old_price: float, stats: dict,
                 posted: bool = False) -> None:
    """Store a market's book and statistics (``stats``: quotes, depth, surplus, elasticity).

    See :func:`record_market`, which computes them for one book.
    """
    price = result.price
    model.books[name] = book
    model.market_stats[name] = {
        "price": price,
        "spread": max(stats["ask"] - stats["bid"], 0.0) / price,
        "depth_bid": stats["depth_bid"],
        "depth_ask": stats["depth_ask"],
        "volume": result.volume,
        "consumer_surplus": stats["consumer_surplus"],
        "producer_surplus": stats["producer_surplus"],
        "elasticity": stats["elasticity"],
        "bid": stats["bid"],
        "ask": stats["ask"],
    }
    if not posted and abs(price / old_price - 1.0) >= model.config.max_price_change * 0.999:
        model.event_log.emit(model.tick, "price_limit_hit", market=name, price=price, previous=old_price)
