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

from arena import accounting, behaviour, indicators, observe, shocks
from arena.config import ArenaConfig
from arena.events import EventLog
from arena.external import DEFAULT_ENDOWMENT, Account, OrderError, OutsideAgents
from arena.firms import Firms
from arena.markets import book as bk
from arena.markets import session
from arena.markets.equity import Participant
from arena.monetary import CentralBank, per_tick
from arena.population import Population
from arena.psychology import Psychology, herding_factor
from arena.scarcity import RESOURCE_NAMES, RESOURCES, Scarcity

#: Sample size for the Gini coefficient at large N (a fixed random panel of households).
GINI_SAMPLE = 10_000
#: Initial equity price (currency/share at goods price 1); shares outstanding are scaled to it.
INITIAL_EQUITY_PRICE = 100.0


def gini_panel(n_agents: int, rng: np.random.Generator) -> np.ndarray | slice:
    """Households on which the Gini coefficient is measured: all, or a fixed random panel."""
    if n_agents <= GINI_SAMPLE:
        return slice(None)
    return np.sort(rng.choice(n_agents, GINI_SAMPLE, replace=False))


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

    def __init__(
        self,
        config: ArenaConfig | Mapping[str, Any] | None = None,
        *,
        check_accounting: bool = False,
        **overrides: Any,
    ):
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
        rate0 = max(self.central_bank.policy_rate + cfg.equity_risk_premium - cfg.base_inflation_rate,
                    behaviour.MIN_DISCOUNT)  # the same floor as the fundamental value's discount
        shares_total = dividends0 * cfg.ticks_per_year / rate0 / self.prices["equity"]
        self.pop.set_portfolios(shares_total, self.prices["equity"])
        self.dividend_per_share = dividends0 / shares_total
        self.fundamental = self.prices["equity"]
        self.trend = 0.0
        self.returns: deque[float] = deque(maxlen=cfg.volatility_window)
        self.flow_history: deque[tuple[float, float]] = deque(maxlen=50)
        self.psychology = Psychology(cfg)
        self.herding = 0.0
        self.gini_panel = gini_panel(cfg.n_agents, rng)
        self.pending_participants: list[Participant] = []
        self.pending_household_orders: list = []
        self.transfer_next = (0.0, 0.0)  # (interest per tick, lump sum) paid in phase 2
        self.market_stats: dict[str, dict[str, float]] = {}
        self.books: dict[str, bk.Book] = {}
        self.trade_stats = {"n_buy": 0, "n_sell": 0, "buy_volume": 0.0, "sell_volume": 0.0}
        self.last_ledger = accounting.Ledger()
        #: every recorded flow since construction: the ticks' and those between ticks
        #: (shocks, outside agents), so stocks() - initial_stocks is fully explained
        self.flows_total = accounting.Ledger()
        self.current: dict[str, float] = {}
        self.unemployment = cfg.natural_unemployment
        self.budget_total = budget0
        self.final_sales = goods_price * potential / self.goods_share
        self.extracted = np.zeros(n_res)
        self.order_imbalance = 0.0
        self.pending_orders = None
        self._phase_agents()  # orders and budgets for the first tick
        self.cpi0_basket = self._basket_cost()
        money0 = self.money_supply()
        self.macro = {
            "cpi": 100.0,
            "velocity": self.final_sales * cfg.ticks_per_year / money0,
            "money": money0,
            "money_growth": cfg.money_growth,
            "output_gap": 0.0,
            "taylor_rate": self.central_bank.policy_rate,
        }
        for name in indicators.MARKETS:
            price = self.prices[name]
            self.market_stats[name] = dict.fromkeys(indicators.MARKET_STATS, 0.0) | {
                "price": price, "bid": price, "ask": price}
        self._compute_indicators()
        self.datacollector = mesa.DataCollector(model_reporters=indicators.reporters())
        self.initial_stocks = self.stocks()

    # ------------------------------------------------------------------ public API -----
    def step(self) -> None:
        """Advance one tick (seven phases)."""
        ledger = accounting.Ledger()
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
        """Return the indicator time series: one row per tick, indexed by tick (see docs/model.md)."""
        df = self.datacollector.get_model_vars_dataframe()
        if df.empty:
            return pd.DataFrame(columns=list(indicators.COLUMNS)).set_index("tick")
        df = df.set_index("tick").copy()  # copy: one consolidated block, not 130 fragments
        df.index = df.index.astype("int64")
        return df

    def events(self, type: str | None = None, since: int | None = None) -> pd.DataFrame:
        """Return the stored events as a DataFrame (tick, type, payload columns)."""
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
        self.event_log.emit(
            self.tick, "agent_registered", agent_id=account.id, name=name, money_created=account.cash
        )
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
        settlement = {
            "agent_id": agent_id,
            "name": account.name,
            "shares_sold": shares,
            "price": price,
            "proceeds": proceeds,
            "cash_removed": float(account.cash),
            "orders_cancelled": cancelled,
            "fills": len(account.fills),
        }
        self.event_log.emit(self.tick, "agent_unregistered", **settlement)
        return settlement

    def wealth(self) -> np.ndarray:
        """Household wealth: deposits plus equity at market value (currency), shape (N,)."""
        return self.pop.wealth(self.prices["equity"])

    def order_book(self, market: str = "equity") -> pd.DataFrame:
        """Return the last book of a market: price, bid_volume and ask_volume per non-empty level."""
        if market not in indicators.MARKETS:
            raise KeyError(f"unknown market {market!r}; markets: {', '.join(indicators.MARKETS)}")
        if market not in self.books:  # before the first tick: no auction has run yet
            return pd.DataFrame({"price": [], "bid_volume": [], "ask_volume": []})
        book = self.books[market]
        mask = (book.bids > 0) | (book.asks > 0)
        return pd.DataFrame(
            {"price": book.grid.prices[mask], "bid_volume": book.bids[mask], "ask_volume": book.asks[mask]}
        )

    def resize_to(self, n_agents: int) -> None:
        """Adopt a new household count after the population changed (the ``agents`` shock).

        The config, the submodels' view of it, potential output and the Gini panel follow
        the new count.
        """
        self.config = self.config.replace(n_agents=n_agents)
        for part in (self.firms, self.psychology, self.scarcity, self.central_bank):
            part.config = self.config
        self.firms.potential = self.config.productivity * n_agents * (1.0 - self.config.natural_unemployment)
        self.gini_panel = gini_panel(n_agents, self.rng)
        self.unemployment = 1.0 - np.count_nonzero(self.pop.employed) / n_agents
        self.budget_total = float(self.pop.budget.sum())  # the next session spends these budgets

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
            "shares_equity": (
                float(self.pop.shares.sum()) + self.central_bank.shares + self.outside.total_shares()
            ),
            "goods": self.firms.inventory,
        }
        for i, name in enumerate(RESOURCE_NAMES):
            out[f"reserves_{name}"] = float(self.scarcity.reserves[i])
        return out

    def money_supply(self) -> float:
        """All deposits: households, firms, producers and outside agents (currency)."""
        return (
            float(self.pop.cash.sum())
            + self.firms.deposits
            + float(self.producer_deposits.sum())
            + self.outside.total_cash()
        )

    # ------------------------------------------------------------------ phases 1-2 ----
    def _phase_markets(self, ledger: accounting.Ledger) -> None:
        session.clear_markets(self, ledger)

    def _phase_agents(self, ledger: accounting.Ledger | None = None) -> None:
        behaviour.behave(self, ledger)

    # ------------------------------------------------------------------ phases 3-5 ----
    def _phase_psychology(self) -> None:
        stats = self.trade_stats
        # smoothed over ~5 ticks: herding is a state of the crowd, not one auction's noise
        self.herding = 0.8 * self.herding + 0.2 * herding_factor(stats["n_buy"], stats["n_sell"])
        herding = self.herding
        r = self.returns[-1] if self.returns else 0.0
        self.psychology.update(self.pop, self.wealth(), r, self.trend, self.realized_volatility(), herding)

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
        self.macro = {
            "cpi": cpi,
            "velocity": velocity,
            "money": money,
            "money_growth": money_growth,
            "output_gap": gap,
            "taylor_rate": decision.taylor_rate,
        }

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

    def realized_volatility(self) -> float:
        """Return the std of the last ``volatility_window`` equity log returns (per tick)."""
        if len(self.returns) < 2:
            return 0.0
        return indicators.realized_volatility(np.fromiter(self.returns, float))

    def _compute_indicators(self) -> None:
        self.current = observe.compute(self)

    def _phase_events(self) -> None:
        observe.emit_tick_events(self)

    def _steady_dividends(self, budget: float, potential: float, price: float) -> float:
        """Dividends per tick at the calibrated steady state: the firms' profit."""
        return price * potential * (1.0 - self.config.labour_share - self.firms.coefficients.sum())
