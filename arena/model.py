"""ArenaModel: the economy as a :class:`mesa.Model` over numpy arrays.

A tick runs seven phases in the order of the engine specification (docs/model.md):

1. markets: clear equity (call auction), commodities (call auction on schedules) and
   goods (posted price + tatonnement); produce; settle cash and goods;
2. agents: income (wages, dividends, interest, transfers), hiring, wages, strategy
   switching, consumption budgets and equity orders for the next tick;
3. psychology: moods, herding, volatility multiplier;
4. monetary policy: CPI, inflation, money, velocity, Taylor rule, interventions;
5. scarcity: depletion, renewal, issuance, discoveries, catastrophes;
6. indicators: computed and collected by the DataCollector;
7. events: per-tick updates and notable events published.
"""

from __future__ import annotations

from collections import deque
from typing import Any, Mapping

import mesa
import numpy as np
import pandas as pd

from arena import accounting, indicators, observe, shocks
from arena.config import ArenaConfig
from arena.events import EventLog
from arena.external import DEFAULT_ENDOWMENT, Account, OrderError, OutsideAgents
from arena.firms import COST_LEVELS, TURNOVER, Firms
from arena.markets import book as bk
from arena.markets.equity import Participant, TradingContext, form_orders, run_auction
from arena.markets.formulas import equilibrium_price, kyle_lambda
from arena.markets.schedules import BACKSTOP, commodity_book, commodity_supply_curve, goods_book
from arena.monetary import CentralBank, per_tick, phillips_inflation
from arena.population import CHARTIST, FUNDAMENTALIST, NOISE, Population, bernoulli_indices
from arena.psychology import Psychology, herding_factor
from arena.scarcity import RESOURCE_NAMES, RESOURCES, Scarcity

#: Sample size for the Gini coefficient at large N (a fixed random panel of households).
GINI_SAMPLE = 20_000
#: Initial equity price (currency/share at goods price 1); shares outstanding are scaled to it.
INITIAL_EQUITY_PRICE = 100.0
#: Schedule books (goods, commodities) use a coarser grid than the equity auction: their
#: curves are smooth aggregates, so 4x the equity tick loses nothing and costs a quarter.
SCHEDULE_TICK_FACTOR = 4
#: EWMA weight of dividends in the fundamental value.
DIVIDEND_MEMORY = 0.998
#: Floor of the real discount rate of dividends (1/year), keeps the fundamental value finite.
MIN_DISCOUNT = 0.03


class ArenaModel(mesa.Model):
    """The Living Economy Arena.

    Parameters
    ----------
    config : ArenaConfig or mapping, optional
        Configuration; keyword arguments override single parameters, so
        ``ArenaModel(n_agents=10_000, seed=1)`` works (as Mesa's batch_run and SolaraViz
        call it).
    check_accounting : bool
        Verify after every tick that each stock changed only by recorded flows
        (raises :class:`~arena.errors.AccountingError`). Costs two extra sums per stock.
    **overrides
        Single parameters of :class:`~arena.config.ArenaConfig`.
    """

    def __init__(self, config: ArenaConfig | Mapping[str, Any] | None = None, *,
                 check_accounting: bool = False, **overrides: Any):
        if config is None:
            config = ArenaConfig.from_dict(overrides)
        elif isinstance(config, Mapping):
            config = ArenaConfig.from_dict({**config, **overrides})
        elif overrides:
            config = config.replace(**overrides)
        super().__init__(seed=config.seed)
        self.config = cfg = config
        self.check_accounting = check_accounting
        self.event_log = EventLog(cfg.history_limit)
        rng = self.rng
        n_res = len(RESOURCES)

        # --- calibration of the tick-0 steady state (docs/model.md, "Calibration") --------
        household_shares = np.array([r.household_share for r in RESOURCES])
        self.goods_share = 1.0 - household_shares.sum()
        self.household_shares = household_shares
        self.pop = Population(cfg, rng)
        employed0 = int(round((1.0 - cfg.natural_unemployment) * cfg.n_agents))
        self.pop.employed[rng.choice(cfg.n_agents, size=employed0, replace=False)] = True
        budget0 = self.pop.plan_consumption(cfg.consumption_propensity)
        potential = cfg.productivity * (1.0 - cfg.natural_unemployment) * cfg.n_agents
        goods_price = self.goods_share * budget0 / potential
        self.price0 = goods_price
        coefficients = np.array([r.firm_input for r in RESOURCES])
        self.firms = Firms(cfg, goods_price, coefficients, [r.output_elasticity for r in RESOURCES])
        self.base_extraction = household_shares * budget0 / goods_price + coefficients * potential
        self.scarcity = Scarcity(cfg, self.base_extraction)
        self.producer_deposits = 10.0 * self.base_extraction * goods_price
        self.central_bank = CentralBank(cfg)
        self.long_rate = self.central_bank.policy_rate
        self.outside = OutsideAgents(cfg.max_agents)

        self.prices = {"equity": INITIAL_EQUITY_PRICE * goods_price, "goods": goods_price}
        self.prices.update({name: goods_price for name in RESOURCE_NAMES})
        dividends0 = self._steady_dividends(budget0, potential, goods_price)
        rate0 = self.central_bank.policy_rate + cfg.equity_risk_premium - cfg.base_inflation_rate
        shares_total = dividends0 * cfg.ticks_per_year / rate0 / self.prices["equity"]
        self.pop.set_portfolios(shares_total, self.prices["equity"])
        self.dividend_per_share = dividends0 / shares_total
        self.fundamental = self.prices["equity"]
        self.trend = 0.0
        self.returns: deque[float] = deque(maxlen=cfg.volatility_window)
        self.flow_history: deque[tuple[float, float]] = deque(maxlen=50)
        self.psychology = Psychology(cfg)
        self.herding = 0.0
        self.gini_panel = (np.sort(rng.choice(cfg.n_agents, GINI_SAMPLE, replace=False))
                           if cfg.n_agents > GINI_SAMPLE else slice(None))
        self.pending_participants: list[Participant] = []
        self.pending_household_orders: list = []
        self.transfer_next = (0.0, 0.0)  # (interest per tick, lump sum) paid in phase 2
        self.market_stats: dict[str, dict[str, float]] = {}
        self.books: dict[str, bk.Book] = {}
        self.trade_stats = {"n_buy": 0, "n_sell": 0, "buy_volume": 0.0, "sell_volume": 0.0, "herded": 0}
        self.flows_this_tick = accounting.Ledger()
        self.last_ledger = accounting.Ledger()
        #: every recorded flow since construction: the ticks' and those between ticks
        #: (shocks, outside agents), so stocks() - initial_stocks is fully explained
        self.flows_total = accounting.Ledger()
        self.current: dict[str, float] = {}
        self.unemployment = cfg.natural_unemployment
        self.budget_total = budget0
        self.final_sales = goods_price * potential / self.goods_share
        self.extracted = np.zeros(n_res)
        self.goods_demand = potential
        self.order_imbalance = 0.0
        self.wage_inflation = cfg.base_inflation_rate
        self.pending_orders = None
        self._phase_agents()  # orders and budgets for the first tick
        self.cpi0_basket = self._basket_cost()
        self.macro = {"cpi": 100.0, "velocity": self.final_sales * cfg.ticks_per_year / self.money_supply(),
                      "money": self.money_supply(), "money_growth": cfg.money_growth, "output_gap": 0.0,
                      "taylor_rate": self.central_bank.policy_rate}
        for name in indicators.MARKETS:
            self.market_stats[name] = dict.fromkeys(
                ("spread", "depth_bid", "depth_ask", "volume", "consumer_surplus", "producer_surplus",
                 "elasticity"), 0.0) | {"price": self.prices[name], "bid": self.prices[name],
                                        "ask": self.prices[name]}
        self._compute_indicators()
        self.datacollector = mesa.DataCollector(model_reporters=indicators.reporters())
        self.initial_stocks = self.stocks()

    # ------------------------------------------------------------------ public API -----
    def step(self) -> None:
        """Advance one tick (seven phases)."""
        self.flows_this_tick = ledger = accounting.Ledger()
        before = self.stocks() if self.check_accounting else None
        self._phase_markets(ledger)
        self._phase_agents(ledger)
        self._phase_psychology()
        self._phase_monetary()
        self._phase_scarcity(ledger)
        self._compute_indicators()
        self.datacollector.collect(self)
        self._phase_events()
        if before is not None:
            accounting.check(self.steps, before, self.stocks(), ledger)
        self.last_ledger = ledger
        self.flows_total.merge(ledger)

    @property
    def tick(self) -> int:
        """Ticks completed (Mesa's ``steps``)."""
        return int(self.steps)

    def indicators(self) -> pd.DataFrame:
        """Indicator time series: one row per tick, indexed by tick (columns in docs/model.md)."""
        df = self.datacollector.get_model_vars_dataframe()
        if df.empty:
            return pd.DataFrame(columns=list(indicators.COLUMNS)).set_index("tick")
        df = df.set_index("tick").copy()  # copy: one consolidated block, not 130 fragments
        df.index = df.index.astype("int64")
        return df

    def events(self, type: str | None = None, since: int | None = None) -> pd.DataFrame:
        """Stored events as a DataFrame (tick, type, payload columns)."""
        return self.event_log.to_frame(type, since)

    def apply_shock(self, kind: str, size: float, **target: Any) -> None:
        """Apply an external shock now (takes effect from the next tick).

        Parameters
        ----------
        kind : str
            One of :data:`arena.shocks.SHOCK_KINDS`.
        size : float
            Magnitude; its meaning and range depend on ``kind`` (see :mod:`arena.shocks`).
        **target
            ``resource=`` for discovery/catastrophe, ``fraction=`` of households for
            panic/euphoria, ``strategy=`` for strategy_mix, ``market="equity"`` for sell_off.
        """
        shocks.apply(self, kind, size, **target)

    def register_agent(self, name: str, endowment: float = DEFAULT_ENDOWMENT) -> Account:
        """Open an account for an outside agent (an API client) between ticks.

        The endowment is new money (deposits created by the central bank). Like a shock,
        registration happens between ticks, outside the accounting window of
        ``check_accounting``; the ``agent_registered`` event records the flow. The agent
        starts with cash only and trades equity (the only market open to outside agents)
        in the same call auction as the households.

        Parameters
        ----------
        name : str
            Display name, 1-100 characters.
        endowment : float, default 10000
            Cash endowment (currency), in [0, 1e9].

        Returns
        -------
        Account
            The new account (``account.id`` is the agent id).
        """
        if not isinstance(name, str) or not name.strip() or len(name) > 100:
            raise OrderError(f"'name' must be a non-empty string of at most 100 characters. Got {name!r}.")
        account = self.outside.open(name, endowment)
        self.record_between_ticks("money", "outside_endowment", account.cash)
        self.event_log.emit(self.tick, "agent_registered", agent_id=account.id, name=name,
                            money_created=account.cash)
        return account

    def unregister_agent(self, agent_id: str) -> dict[str, Any]:
        """Settle and remove an outside agent between ticks.

        Its resting orders are cancelled, the central bank buys its shares at the last
        equity price (money created), then its deposits leave the economy (money
        destroyed). Shares move to the central bank, so the share total is unchanged.
        The ``agent_unregistered`` event carries the settlement.

        Parameters
        ----------
        agent_id : str
            Id returned by :meth:`register_agent`; raises KeyError if unknown.

        Returns
        -------
        dict
            ``agent_id``, ``name``, ``shares_sold``, ``price``, ``proceeds``,
            ``cash_removed``, ``orders_cancelled``, ``fills``.
        """
        account = self.outside.get(agent_id)
        price = float(self.prices["equity"])
        shares = float(account.shares)
        proceeds = shares * price
        self.record_between_ticks("money", "cb_asset_purchases", proceeds)
        self.central_bank.shares += shares
        account.shares = 0.0
        account.cash += proceeds
        cancelled = len(account.orders)
        account.orders.clear()
        del self.outside.accounts[agent_id]
        self.record_between_ticks("money", "outside_withdrawal", -account.cash)
        settlement = {"agent_id": agent_id, "name": account.name, "shares_sold": shares, "price": price,
                      "proceeds": proceeds, "cash_removed": float(account.cash),
                      "orders_cancelled": cancelled, "fills": len(account.fills)}
        self.event_log.emit(self.tick, "agent_unregistered", **settlement)
        return settlement

    def wealth(self) -> np.ndarray:
        """Household wealth: deposits plus equity at market value (currency), shape (N,)."""
        return self.pop.wealth(self.prices["equity"])

    def order_book(self, market: str = "equity") -> pd.DataFrame:
        """The last book of a market: price, bid_volume and ask_volume per level with volume."""
        if market not in indicators.MARKETS:
            raise KeyError(f"unknown market {market!r}; markets: {', '.join(indicators.MARKETS)}")
        if market not in self.books:  # before the first tick: no auction has run yet
            return pd.DataFrame({"price": [], "bid_volume": [], "ask_volume": []})
        book = self.books[market]
        mask = (book.bids > 0) | (book.asks > 0)
        return pd.DataFrame({"price": book.grid.prices[mask], "bid_volume": book.bids[mask],
                             "ask_volume": book.asks[mask]})

    def record_between_ticks(self, stock: str, flow: str, amount: float) -> None:
        """Record a flow that happens between ticks (a shock, an outside agent's account)."""
        self.flows_total.record(stock, flow, amount)

    def audit(self) -> dict[str, float]:
        """Change of every stock since construction not explained by recorded flows (~0)."""
        return accounting.unexplained(self.initial_stocks, self.stocks(), self.flows_total)

    def stocks(self) -> dict[str, float]:
        """Totals of every stock the accounting check follows."""
        out = {
            "money": self.money_supply(),
            "shares_equity": float(self.pop.shares.sum()) + self.central_bank.shares + self.outside.total_shares(),
            "goods": self.firms.inventory,
        }
        for i, name in enumerate(RESOURCE_NAMES):
            out[f"reserves_{name}"] = float(self.scarcity.reserves[i])
        return out

    def money_supply(self) -> float:
        """All deposits: households, firms, producers and outside agents (currency)."""
        return (float(self.pop.cash.sum()) + self.firms.deposits + float(self.producer_deposits.sum())
                + self.outside.total_cash())

    # ------------------------------------------------------------------ phase 1 ------
    def _phase_markets(self, ledger: accounting.Ledger) -> None:
        cfg = self.config
        self._clear_equity(ledger)
        goods_price = self.prices["goods"]
        commodity_prices = np.array([self.prices[r] for r in RESOURCE_NAMES])
        employed = int(np.count_nonzero(self.pop.employed))
        planned = employed * cfg.productivity
        # firms order the inputs they need, scaled down to what their deposits can pay for
        bill = float((self.firms.input_demand_per_unit(goods_price, commodity_prices) * planned
                      * commodity_prices).sum())
        afford = min(1.0, max(self.firms.deposits, 0.0) / bill) if bill > 0 else 1.0
        firm_units_at_goods_price = self.firms.coefficients * planned * afford  # demand scale at p = P
        budget = self.budget_total
        fills = np.zeros(len(RESOURCES))
        extracted = np.zeros(len(RESOURCES))
        nominal = self.price0 * self.firms.wage / self.firms.initial_wage  # extraction costs follow wages
        cost_factor = self.scarcity.cost_factor()
        capacity = self.scarcity.capacity_factor()
        full_scarcity = (1.0 + self.scarcity.max_mult * self.scarcity.importance) / self.scarcity.multiplier0
        household_spend = 0.0
        firm_input_cost = 0.0
        for i, name in enumerate(RESOURCE_NAMES):
            price = self.prices[name]
            grid = bk.PriceGrid(price, cfg.max_price_change, cfg.price_tick * SCHEDULE_TICK_FACTOR)
            costs, caps = commodity_supply_curve(self.base_extraction[i], nominal * cost_factor[i], capacity[i],
                                                 BACKSTOP * nominal * full_scarcity[i])
            hh_budget = self.household_shares[i] * budget
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
            self.producer_deposits[i] += value
            tranche_supply = float(caps[:-1][costs[:-1] <= new_price].sum())
            extracted[i] = min(result.volume, tranche_supply)
            self._record_market(name, book, result, price)
            self.prices[name] = new_price
        self.firms.deposits -= firm_input_cost
        self.extracted = extracted
        # production, then the goods market at the posted price
        output = self.firms.produce(employed, fills)
        ledger.record("goods", "production", output)
        commodity_prices = np.array([self.prices[r] for r in RESOURCE_NAMES])
        goods_budget = self.goods_share * budget
        demand = goods_budget / goods_price
        supply = self.firms.goods_supply(goods_price, commodity_prices)
        sold = min(demand, supply)
        goods_fill = sold / demand if demand > 0 else 0.0
        self.firms.inventory -= sold
        ledger.record("goods", "consumption", -sold)
        self.firms.deposits += sold * goods_price
        household_spend += goods_fill * goods_budget
        spend_share = household_spend / budget if budget > 0 else 0.0
        self.pop.spend(spend_share)
        self.final_sales = household_spend
        self.goods_demand = demand
        grid = bk.PriceGrid(goods_price, cfg.max_price_change, cfg.price_tick * SCHEDULE_TICK_FACTOR)
        gbook = goods_book(grid, goods_budget, supply,
                           self.firms.unit_cost(goods_price, commodity_prices), COST_LEVELS)
        self._record_market("goods", gbook, bk.Clearing(-grid.low_index, goods_price, sold, 0, 0, 0, 0),
                            goods_price, posted=True)
        self.prices["goods"] = equilibrium_price(goods_price, demand, supply, cfg.goods_elasticity,
                                                 cfg.max_price_change)
        self.firms.expected_sales = 0.9 * self.firms.expected_sales + 0.1 * demand

    def _clear_equity(self, ledger: accounting.Ledger) -> None:
        cfg = self.config
        price = self.prices["equity"]
        participants = list(self.pending_participants)
        resting = list(self.outside.resting())
        for agent_id, order in resting:
            qty = order.qty if order.side == "buy" else -order.qty
            participants.append(Participant(f"outside:{agent_id}:{order.id}", qty, order.limit))
        order_sets = [self.pending_orders] + self.pending_household_orders
        book, result, fills = run_auction(self.pop, order_sets, participants, price,
                                          cfg.max_price_change, cfg.price_tick)
        p = result.price
        for key, qty in fills.items():
            if qty == 0.0:
                continue
            owner, _, rest = key.partition(":")
            if owner == "cb":
                self.central_bank.shares += qty
                ledger.record("money", "cb_asset_purchases" if qty > 0 else "cb_asset_sales", qty * p)
            elif owner == "outside":
                agent_id, _, order_id = rest.rpartition(":")
                self.outside.settle_fill(agent_id, int(order_id), abs(qty), p, self.tick)
        self.pending_participants = []
        self.pending_household_orders = []
        log_return = float(np.log(p / price))
        self.returns.append(log_return)
        self.trend = cfg.trend_memory * self.trend + (1 - cfg.trend_memory) * log_return
        flow = self.trade_stats["buy_volume"] - self.trade_stats["sell_volume"]
        total = self.trade_stats["buy_volume"] + self.trade_stats["sell_volume"]
        self.order_imbalance = flow / total if total > 0 else 0.0
        self.flow_history.append((log_return, self.order_imbalance))
        self._record_market("equity", book, result, price)
        self.prices["equity"] = p

    def _record_market(self, name: str, book: bk.Book, result: bk.Clearing, old_price: float,
                       posted: bool = False) -> None:
        cfg = self.config
        if posted:
            crossing = bk.clear(book)
            bid, ask = bk.best_quotes(book, crossing)
        else:
            bid, ask = bk.best_quotes(book, result)
        price = result.price
        depth_bid, depth_ask = bk.depth(book, price)
        consumer, producer = bk.surplus(book, price, result.volume)
        self.books[name] = book
        self.market_stats[name] = {
            "price": price, "spread": max(ask - bid, 0.0) / price, "depth_bid": depth_bid,
            "depth_ask": depth_ask, "volume": result.volume, "consumer_surplus": consumer,
            "producer_surplus": producer, "elasticity": bk.book_elasticity(book, result.level),
            "bid": bid, "ask": ask,
        }
        if not posted and abs(price / old_price - 1.0) >= cfg.max_price_change * 0.999:
            self.event_log.emit(self.tick, "price_limit_hit", market=name, price=price, previous=old_price)

    # ------------------------------------------------------------------ phase 2 ------
    def _phase_agents(self, ledger: accounting.Ledger | None = None) -> None:
        cfg = self.config
        ledger = ledger or accounting.Ledger()
        pop, firms, cb = self.pop, self.firms, self.central_bank
        employed = int(np.count_nonzero(pop.employed))
        # income: wages, dividends, interest and transfers
        wage, share_paid = firms.wage_bill(employed)
        firms.deposits -= pop.pay_wages(wage, share_paid)
        payout = firms.dividend()
        firms.deposits -= payout
        # resource rents are paid to every household as royalties (a resource fund)
        royalties = self.producer_deposits * cfg.dividend_payout
        self.producer_deposits -= royalties
        pop.pay_equal(float(royalties.sum()))
        total_payout = payout
        total_shares = float(pop.shares.sum()) + cb.shares + self.outside.total_shares()
        dps = total_payout / total_shares if total_shares > 0 else 0.0
        paid = pop.pay_per_share(dps)
        for account in self.outside.accounts.values():
            account.cash += account.shares * dps
        cb_dividends = total_payout - paid - self.outside.total_shares() * dps
        ledger.record("money", "cb_dividend_receipts", -cb_dividends)
        self.dividend_per_share = DIVIDEND_MEMORY * self.dividend_per_share + (1 - DIVIDEND_MEMORY) * dps
        interest, lump_sum = self.transfer_next
        created = pop.transfer(interest, lump_sum)
        ledger.record("money", "cb_interest_and_transfers", created)
        # labour market and wages
        commodity_prices = np.array([self.prices[r] for r in RESOURCE_NAMES])
        _, target = firms.plan(self.prices["goods"], commodity_prices)
        employed = int(np.count_nonzero(pop.employed))
        # hiring and firing take time: a share hiring_rate of the gap closes each tick
        pop.adjust_employment(employed + int(round(cfg.hiring_rate * (target - employed))), TURNOVER, self.rng)
        employed = int(np.count_nonzero(pop.employed))
        self.unemployment = 1.0 - employed / cfg.n_agents
        self.wage_inflation = firms.update_wage(cb.expected_inflation, self.unemployment)
        # expectations: fundamental value discounted at the policy rate plus a premium
        # long rate: the average of expected short rates, approximated by a one-year EWMA
        self.long_rate += (cb.policy_rate - self.long_rate) / cfg.ticks_per_year
        # Gordon growth at the (credible) inflation target: F = D / (long rate + premium - g)
        discount = max(self.long_rate + cfg.equity_risk_premium - cfg.base_inflation_rate, MIN_DISCOUNT)
        self.fundamental = self.dividend_per_share * cfg.ticks_per_year / discount
        self._switch_strategies()
        # consumption: higher real rates raise saving, expected inflation brings spending forward
        real_gap = cb.policy_rate - cb.expected_inflation - cfg.neutral_real_rate
        infl_gap = cb.expected_inflation - cfg.base_inflation_rate
        propensity = cfg.consumption_propensity * float(np.clip(
            1.0 - cfg.rate_sensitivity * real_gap + cfg.inflation_sensitivity * infl_gap, 0.5, 1.5))
        self.propensity = propensity
        self.budget_total = pop.plan_consumption(propensity)
        ind = self.psychology.indices
        ctx = TradingContext(
            price=self.prices["equity"], fundamental=self.fundamental, trend=self.trend,
            volatility=self._realized_volatility(), vol_multiplier=ind.vol_multiplier,
            crowd_side=1.0 if ind.optimists >= 0.5 else -1.0,
            herd_probability=cfg.herding_strength * abs(2.0 * ind.optimists - 1.0),
            sentiment_weight=cfg.sentiment_weight, reversion=cfg.fundamental_reversion,
            extrapolation=cfg.trend_extrapolation, noise_sigma=cfg.noise_sigma,
            dispersion=cfg.expectation_dispersion, activity=cfg.activity_rate,
            sensitivity=cfg.demand_sensitivity)
        self.pending_orders, self.trade_stats = form_orders(pop, ctx, self.rng)
        self._central_bank_orders()

    def _switch_strategies(self) -> None:
        """Brock-Hommes discrete choice between fundamentalists and chartists."""
        cfg = self.config
        pop = self.pop
        if cfg.switching_rate <= 0:
            return
        # fitness: how well each forecast explained the last return (squared error, negated),
        # measured in units of the return variance so the intensity of choice is scale-free
        r = self.returns[-1] if self.returns else 0.0
        fund_err = (r - cfg.fundamental_reversion * np.log(self.fundamental / self.prices["equity"])) ** 2
        chart_err = (r - self.trend) ** 2
        variance = max(self._realized_volatility(), 1e-3) ** 2
        previous = getattr(self, "fitness", np.zeros(2))
        self.fitness = 0.95 * previous + 0.05 * np.array([-fund_err, -chart_err]) / variance
        u = cfg.switching_intensity * (self.fitness - self.fitness.max())
        p_chart = float(np.exp(u[1]) / np.exp(u).sum())
        p_chart = float(np.clip(p_chart + 0.3 * (self.psychology.indices.greed - 0.2), 0.2, 0.6))
        movers = bernoulli_indices(pop.n, cfg.switching_rate, self.rng)
        movers = movers[pop.strategy[movers] != NOISE]
        chart = self.rng.random(movers.size) < p_chart
        pop.strategy[movers] = np.where(chart, CHARTIST, FUNDAMENTALIST).astype(np.int8)

    def _central_bank_orders(self) -> None:
        cb, cfg = self.central_bank, self.config
        price = self.prices["equity"]
        if cb.qe:
            amount = cfg.qe_rate * self.money_supply() / price
            self.pending_participants.append(Participant("cb:qe", amount, price * (1 + cfg.max_price_change)))
        elif cb.tightening and cb.shares > 0:
            amount = min(cb.shares, cfg.qe_rate * self.money_supply() / price)
            self.pending_participants.append(Participant("cb:sale", -amount, price * (1 - cfg.max_price_change)))

    # ------------------------------------------------------------------ phases 3-5 ----
    def _phase_psychology(self) -> None:
        stats = self.trade_stats
        # smoothed over ~5 ticks: herding is a state of the crowd, not one auction's noise
        self.herding = 0.8 * self.herding + 0.2 * herding_factor(stats["n_buy"], stats["n_sell"])
        herding = self.herding
        r = self.returns[-1] if self.returns else 0.0
        self.psychology.update(self.pop, self.wealth(), r, self.trend, self._realized_volatility(), herding)

    def _phase_monetary(self) -> None:
        cfg, cb = self.config, self.central_bank
        cpi = self._basket_cost() / self.cpi0_basket * 100.0
        money = self.money_supply()
        velocity = self.final_sales * cfg.ticks_per_year / money if money > 0 else 0.0
        inflation, money_growth, velocity_change = cb.measure(cpi, money, velocity)
        gap = self.firms.output / self.firms.potential - 1.0
        ind = self.psychology.indices
        behavioural = 0.02 * (ind.sentiment - 0.5) + 0.02 * (ind.greed - ind.fear)
        decision = cb.decide(inflation, money_growth, velocity_change, gap, self.unemployment, behavioural)
        for etype, payload in decision.events:
            self.event_log.emit(self.tick, etype, **payload)
        # next tick's deposit interest and transfer deliver the money-growth target in total
        interest = per_tick(cb.policy_rate, cfg.ticks_per_year)
        target_growth = per_tick(decision.money_growth_target, cfg.ticks_per_year) * money
        household_cash = float(self.pop.cash.sum())
        self.transfer_next = (interest, target_growth - interest * household_cash)
        self.macro = {"cpi": cpi, "velocity": velocity, "money": money, "money_growth": money_growth,
                      "output_gap": gap, "taylor_rate": decision.taylor_rate}

    def _phase_scarcity(self, ledger: accounting.Ledger) -> None:
        output_ratio = self.firms.output / self.firms.potential
        flows = self.scarcity.step(self.tick, self.extracted, output_ratio, self.rng)
        for i, name in enumerate(RESOURCE_NAMES):
            stock = f"reserves_{name}"
            ledger.record(stock, "extraction", -flows["extracted"][i])
            ledger.record(stock, "renewal", flows["renewal"][i])
            ledger.record(stock, "issuance", flows["issuance"][i])
            ledger.record(stock, "discovery", flows["discovery"][i])
            ledger.record(stock, "catastrophe", -flows["catastrophe"][i])
        for etype, payload in flows["events"]:
            self.event_log.emit(self.tick, etype, **payload)

    # ------------------------------------------------------------------ phases 6-7 ----
    def _basket_cost(self) -> float:
        weights = np.append(self.goods_share, self.household_shares)
        prices = np.array([self.prices["goods"]] + [self.prices[r] for r in RESOURCE_NAMES])
        return float((weights * prices).sum() / self.price0)

    def _realized_volatility(self) -> float:
        return indicators.realized_volatility(np.fromiter(self.returns, float)) if len(self.returns) > 1 else 0.0

    def _compute_indicators(self) -> None:
        self.current = observe.compute(self)

    def _phase_events(self) -> None:
        observe.emit_tick_events(self)

    def _steady_dividends(self, budget: float, potential: float, price: float) -> float:
        """Dividends per tick at the calibrated steady state: the firms' profit."""
        return price * potential * (1.0 - self.config.labour_share - self.firms.coefficients.sum())
