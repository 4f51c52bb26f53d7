"""ArenaModel: the economy as a :class:`mesa.Model` over numpy arrays.

A tick runs seven phases in the order of the engine specification (docs/model.md):

1. markets: clear equity (call auction) and commodities (call auction on schedules);
   firms produce; machines delivered; goods sold by search at firms' posted prices;
2. agents: credit (loan rates, lending), income (wages, dividends, interest, transfers),
   debt service, defaults and entries, firms' reviews, labour matching, strategy
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

from arena import accounting, alerts, behaviour, credit_phase, fiscal_phase, indicators, observe, sfc, shocks
from arena.blas import single_threaded_blas
from arena.config import ArenaConfig
from arena.events import EventLog
from arena.external import DEFAULT_ENDOWMENT, Account, OrderError, OutsideAgents
from arena.markets import book as bk
from arena.markets import retail, session
from arena.markets.equity import Participant
from arena.markets.price_index import GoodsPriceIndex
from arena.monetary import CentralBank
from arena.population import Population, draw_hand_to_mouth
from arena.psychology import Psychology, crowd_side, herding_factor
from arena.scarcity import RESOURCE_NAMES, RESOURCES, Scarcity
from arena.sectors.corporate import calibrate
from arena.sectors.firms import GoodsFirms, stationary_efficiency
from arena.sectors.frame import firms_frame, firms_summary
from arena.sectors.kfirms import CapitalFirms

#: Sample size for the Gini coefficient at large N (a fixed random panel of households).
GINI_SAMPLE = 10_000
#: Initial equity price (currency/share at goods price 1); shares outstanding are scaled to it.
INITIAL_EQUITY_PRICE = 100.0
#: Key of the equity market's random stream, combined with the seed (``numpy.random.default_rng``).
MARKET_STREAM = 0x45515459  # "EQTY"
#: Key of the resource draws' random stream (discoveries, catastrophes), combined with the seed.
SCARCITY_STREAM = 0x53434152  # "SCAR"
#: Key of firms' efficiency shocks' random stream, combined with the seed.
EFFICIENCY_STREAM = 0x45464643  # "EFFC"
#: Key of the draw of hand-to-mouth households at build, combined with the seed.
HAND_TO_MOUTH_STREAM = 0x4854484D  # "HTHM"


def fresh_seed() -> int:
    """Return a seed in [0, 2**63 - 1] drawn from operating-system entropy.

    Used when the config's ``seed`` is None, so that replications (``mesa.batch_run(...,
    iterations=k)``, repeated ``ArenaModel()``) differ; the model stores the drawn seed in
    ``model.config.seed``, so any run can be repeated exactly.
    """
    return int(np.random.SeedSequence().generate_state(1, np.uint64)[0] >> np.uint64(1))


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
        call it). Without a seed (the default ``seed=None``) a fresh seed is drawn from the
        operating system and recorded in ``model.config.seed``: replications differ, and
        ``ArenaModel(model.config)`` repeats the run bit for bit.
    check_accounting : bool
        Verify after every tick that each stock changed only by recorded flows
        (raises :class:`~arena.errors.AccountingError`). Costs two extra sums per stock.
    alert_rules : str, Path, mapping or list of AlertRule, optional
        Alert rules on top of the defaults (see :func:`arena.alerts.rules_for`).
    **overrides
        Single parameters of :class:`~arena.config.ArenaConfig`.
    """

    def __init__(
        self,
        config: ArenaConfig | Mapping[str, Any] | None = None,
        *,
        check_accounting: bool = False,
        alert_rules: Any = None,
        **overrides: Any,
    ):
        if config is None:
            config = ArenaConfig.from_dict(overrides)
        elif isinstance(config, Mapping):
            config = ArenaConfig.from_dict({**config, **overrides})
        elif overrides:
            config = config.replace(**overrides)
        if config.seed is None:  # replications differ (mesa.batch_run); the seed drawn is recorded
            config = config.replace(seed=fresh_seed())
        # a threaded BLAS sums long dot products in another order: one thread, so that a run does not
        # depend on the machine's cores or OPENBLAS_NUM_THREADS (arena/blas.py)
        single_threaded_blas()
        super().__init__(seed=config.seed)
        self.config = cfg = config
        self.check_accounting = check_accounting
        self.event_log = EventLog(cfg.history_limit)
        self.alert_monitor = alerts.AlertMonitor(alerts.rules_for(cfg, alert_rules), cfg.history_limit)
        rng = self.rng
        #: the equity market's own random stream (order activity, news, views, strategy
        #: reconsideration), seeded from the run's seed: the market's draws do not depend on how
        #: many draws the economy made before them, so two arms of an experiment on one seed see
        #: the same news (common random numbers synchronised per source; Law & Kelton 2000, 11.2)
        self.market_rng = np.random.default_rng([config.seed, MARKET_STREAM])
        #: the resources' own random stream (discovery and catastrophe draws), for the same
        #: reason: two arms of an experiment on one seed meet the same natural events at the
        #: same ticks, whatever the economy drew before (a policy shock no longer moves a
        #: discovery to another tick and makes the oil price differ by chance)
        self.scarcity_rng = np.random.default_rng([config.seed, SCARCITY_STREAM])
        #: firms' efficiency shocks' own stream (arena.sectors.firms.FirmSector.grow_productivity),
        #: for the same reason: a firm's productivity path is exogenous, so both arms of an
        #: experiment give each firm slot the same path (with the shared stream, any extra draw in
        #: one arm gave every firm another path from then on)
        self.efficiency_rng = np.random.default_rng([config.seed, EFFICIENCY_STREAM])
        n_res = len(RESOURCES)

        # --- calibration of the tick-0 steady state (docs/model.md, "Calibration") --------
        household_shares = np.array([r.household_share for r in RESOURCES])
        self.household_shares = household_shares
        #: crude cost share of the retail price and short-run price elasticity of households'
        #: demand per resource (arena.markets.retail); at tick 0 ``alpha theta`` of budgets buys
        #: each commodity and the rest, retail margins included, buys goods
        self.retail_cost_shares = np.array([r.retail_cost_share for r in RESOURCES])
        self.household_elasticities = np.array([r.household_elasticity for r in RESOURCES])
        commodity_shares0 = household_shares * self.retail_cost_shares
        #: share of budgets spent on goods, set each tick at the clearing commodity prices
        self.goods_share = 1.0 - float(commodity_shares0.sum())
        self.pop = pop = Population(cfg, rng)
        # who spends out of current income: a stream of its own, so that the share changes
        # nothing else a seed draws (arms with different shares compare on common numbers)
        pop.hand_to_mouth = draw_hand_to_mouth(cfg, pop.n,
                                               np.random.default_rng([config.seed, HAND_TO_MOUTH_STREAM]))
        n = cfg.n_agents
        n_firms = cfg.n_firms or max(5, n // 100)
        n_kfirms = cfg.n_kfirms or max(2, n_firms // 5)
        coefficients = np.array([r.firm_input for r in RESOURCES])
        # steady state: planned spending c_y Yp + chi M equals income Yp
        income = cfg.consumption_propensity * float(pop.cash.sum()) / max(1.0 - cfg.income_propensity, 0.05)
        cal = calibrate(cfg, n, income, self.goods_share, coefficients)
        employed = rng.choice(n, size=min(cal.c_workers + cal.k_workers, n), replace=False)
        n_c = min(cal.c_workers, employed.size)
        # firms differ in efficiency from tick 0, at the process's stationary spread (harmonic mean 1):
        # each worker joins a firm with probability proportional to 1 / efficiency, so each firm
        # expects the same output and the sector the calibrated one
        c_eff = stationary_efficiency(cfg, n_firms, self.efficiency_rng)
        k_eff = stationary_efficiency(cfg, n_kfirms, self.efficiency_rng)
        pop.employer[employed[:n_c]] = rng.choice(n_firms, n_c, p=(1.0 / c_eff) / (1.0 / c_eff).sum())
        pop.employer[employed[n_c:]] = n_firms + rng.choice(n_kfirms, employed.size - n_c,
                                                            p=(1.0 / k_eff) / (1.0 / k_eff).sum())
        counts = np.bincount(pop.employer[employed], minlength=n_firms + n_kfirms)
        goods_price = cal.price
        self.price0 = goods_price
        self.initial_wage = cal.wage
        self.cfirms = GoodsFirms(cfg, n_firms, goods_price, cal.wage, cfg.productivity, counts[:n_firms],
                                 coefficients, n_kfirms, rng, c_eff)
        self.kfirms = CapitalFirms(cfg, n_kfirms, goods_price, cal.wage, cal.k_productivity, counts[n_firms:],
                                   k_eff)
        # deposits: the dividend buffer plus the excess whose payout equals the tick-0 profit,
        # which is each firm's earnings (profit per tick) at tick 0
        payout = max(cfg.dividend_payout, 0.01)
        # the dividends of the steady state are profits after the interest on the tick-0 loans
        # (initial_leverage x capital and inventories at book value, at the steady state's
        # policy rate plus the base spread) and after the profit tax; counted before both, they
        # started 1.5-1.7 times their settled level and households' permanent income with them
        # (docs/validation.md, "The start-up downswing every run begins with")
        cf0, kf0 = self.cfirms, self.kfirms
        book0 = float((cf0.capital * kf0.mean_price()).sum() + (cf0.inventory * cf0.price).sum()
                      + (kf0.inventory * kf0.price).sum())
        loan_rate0 = cfg.neutral_real_rate + cfg.base_inflation_rate + cfg.base_spread
        interest0 = cfg.initial_leverage * book0 * loan_rate0 / cfg.ticks_per_year
        dividends0 = max((cal.dividends - interest0) * (1.0 - cfg.tax_profit_rate), 0.01 * cal.dividends)
        profit_per_worker = dividends0 / max(employed.size, 1) / payout
        unit_costs = (self.cfirms.unit_cost, self.kfirms.compute_unit_cost())
        for firms, unit_cost in zip((self.cfirms, self.kfirms), unit_costs, strict=True):
            # each sector's profit (profit_per_worker a worker) is shared by the firms' margins over
            # their own unit cost: the efficient earn more at the common price
            margin = np.maximum(firms.price - unit_cost, 0.0) * firms.output
            total = float(margin.sum())
            weight = margin / total if total > 0 else firms.workers / max(float(firms.workers.sum()), 1.0)
            profit = profit_per_worker * float(firms.workers.sum()) * weight
            # the buffer is counted on the larger of workforce and labour demand, as the
            # dividend rule counts it (arena.sectors.corporate.pay_dividends)
            firms.deposits = (cfg.buffer_ticks * firms.wage * np.maximum(firms.workers, firms.labour_demand)
                              + profit)
            firms.earnings = payout * profit
        input_bill = float(coefficients.sum()) * goods_price * self.cfirms.planned
        self.cfirms.deposits += cfg.buffer_ticks * input_bill
        pop.supplier[:] = rng.integers(0, n_firms, n)
        self.goods_index = GoodsPriceIndex(goods_price, self.cfirms.price)
        self.potential0 = cfg.productivity * cal.c_workers
        c0, k0 = float(self.cfirms.workers.sum()), float(self.kfirms.workers.sum())
        self.c_share0 = c0 / max(c0 + k0, 1.0)  # C-firms' share of jobs at tick 0 (potential output)
        potential = self.potential0
        self.base_extraction = commodity_shares0 * income / goods_price + coefficients * potential
        self.scarcity = Scarcity(cfg, self.base_extraction)
        # royalties (dividend_payout of producers' deposits a tick) equal their tick-0 revenue
        self.producer_deposits = self.base_extraction * goods_price / max(cfg.dividend_payout, 0.01)
        self.central_bank = CentralBank(cfg)
        self.long_rate = self.central_bank.policy_rate
        self.outside = OutsideAgents(cfg.max_agents)

        self.prices = {"equity": INITIAL_EQUITY_PRICE * goods_price, "goods": goods_price}
        self.prices.update({name: goods_price for name in RESOURCE_NAMES})
        rate0 = max(self.central_bank.policy_rate + cfg.equity_risk_premium - cfg.base_inflation_rate,
                    behaviour.MIN_DISCOUNT)  # the same floor as the fundamental value's discount
        shares_total = dividends0 * cfg.ticks_per_year / rate0 / self.prices["equity"]
        self.pop.set_portfolios(shares_total, self.prices["equity"], cfg.portfolio_wealth_gradient)
        self.dividend_per_share = dividends0 / shares_total
        royalties0 = float(self.producer_deposits.sum()) * cfg.dividend_payout
        pop.perm_income[:] = self.dividend_per_share * pop.shares + royalties0 / n
        pop.perm_income[employed] += cal.wage
        self.fundamental = self.prices["equity"]
        self.trend = 0.0
        self.returns: deque[float] = deque(maxlen=cfg.volatility_window)
        self.flow_history: deque[tuple[float, float]] = deque(maxlen=50)
        self.psychology = Psychology(cfg)
        self.herding = 0.0
        self.crowd_side = 0.0  # signed order-count imbalance, EWMA over ~5 ticks, in [-1, 1]
        self.consensus = 0.0  # active traders' mean conviction (log-price/tick), EWMA over ~5 ticks
        self.gini_panel = gini_panel(cfg.n_agents, rng)
        self.pending_participants: list[Participant] = []
        self.pending_household_orders: list = []
        self.transfer_next = (0.0, 0.0)  # (interest per tick, lump sum) paid in phase 2
        self.market_stats: dict[str, dict[str, float]] = {}
        self.books: dict[str, bk.Book] = {}
        self.trade_stats = {"n_buy": 0, "n_sell": 0, "buy_volume": 0.0, "sell_volume": 0.0, "consensus": 0.0,
                            "copiers": 0}
        self.last_ledger = accounting.Ledger()
        #: every recorded flow since construction: the ticks' and those between ticks
        #: (shocks, outside agents), so stocks() - initial_stocks is fully explained
        self.flows_total = accounting.Ledger()
        self.current: dict[str, float] = {}
        self.unemployment = 1.0 - employed.size / n
        self.final_sales = income
        self.extracted = np.zeros(n_res)
        self.order_imbalance = 0.0
        self.pending_orders = None
        self.investment = (0.0, 0.0)  # machines delivered this tick: (units, currency)
        self.inventory_investment = 0.0  # change in inventories this tick (currency, SNA P.52)
        self.input_fill = 1.0
        self.input_flows = (np.zeros(n_res), np.zeros(n_res))  # commodity units bought, used
        self.vacancies = int(self.cfirms.vacancies().sum() + self.kfirms.vacancies().sum())
        self.firm_defaults = self.firm_entries = 0
        self.defaults_total = self.entries_total = 0  # since tick 0
        self.recapitalisation = 0.0  # shareholders' payments into entrants since tick 0 (currency)
        self.dividends_paid = dividends0
        self.wage_bill = cal.wage * employed.size
        self.tick_flows = self.last_flows = accounting.FlowRecorder()  # transactions of the tick
        self.banking = credit_phase.build(self)
        self.cb_dividends = self.producer_mark = self.recap_mark = 0.0
        self.government = fiscal_phase.build(self)
        # permanent income starts at the income the demand calibration assumes (planned spending
        # c_y Yp + chi M = Yp), so households plan to buy what the goods market was calibrated for.
        # The sum of its parts (net wages, benefits, dividends, royalties on firms' inputs as well)
        # is 1.3 % higher (seed 1; 7 % with dividends counted before tax and interest, when goods
        # demand ran ~4.5 % above supply from tick 0 and drove the start-up inflation); deposit
        # interest and banks' dividends, paid from the first tick, are not in it (about 4 % more):
        # households save them, as a growing economy's households do
        pop.perm_income *= income / max(float(pop.perm_income.sum()), 1e-12)
        behaviour.plan(self)  # budgets and orders for the first tick
        self.cpi0_basket = self._basket_cost()
        money0 = self.money_supply()
        self.macro = {
            "cpi": 100.0,
            "core_cpi": 100.0,
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
        self.tick_flows = accounting.FlowRecorder()
        start = sfc.sector_stocks(self)
        fiscal_phase.begin_tick(self)
        try:
            self._phase_markets(ledger)
            # households' shares change only in the equity auction (phase 1) and their
            # deposits not after phase 3 (until the next tick): each total is summed once
            # and served by household_total until the tick ends (the same float); so is the
            # realised volatility of the returns, which only the equity auction appends to
            self._frozen_totals = {"shares": float(self.pop.shares.sum())}
            self._phase_agents(ledger)
            self._phase_psychology()
            self._frozen_totals["cash"] = float(self.pop.cash.sum())
            self._phase_monetary()
            self._phase_scarcity(ledger)
            self._compute_indicators()
            indicators.collect(self.datacollector, self.current)
            self._phase_events()
            sfc.record_changes(self.tick_flows, start, sfc.sector_stocks(self))
        finally:
            self.__dict__.pop("_frozen_totals", None)  # not between ticks (shocks, checkpoints)
        self.last_flows = self.tick_flows
        if before is not None:
            accounting.check(self.steps, before, self.stocks(), ledger)
            accounting.check_matrices(self.tick, self.balance_sheet(), self.flow_matrix())
        self.last_ledger = ledger
        self.flows_total.merge(ledger)

    def save(self, path: str, *, overwrite: bool = False):
        """Write a checkpoint of the model to the file ``path`` (format: docs/checkpoints.md).

        Numpy arrays and JSON in one ``.npz`` (no pickle); ``ArenaModel.load(path)`` resumes
        bit for bit. Refuses to replace an existing file unless ``overwrite``. Returns the path.
        """
        from arena import checkpoint

        return checkpoint.save(self, path, overwrite=overwrite)

    @classmethod
    def load(cls, path: str) -> "ArenaModel":
        """Resume a model from a checkpoint written by :meth:`save`.

        Raises :class:`arena.checkpoint.CheckpointError` (a ValueError) for a file of another
        format version, a damaged file or a state this version cannot restore.
        """
        from arena import checkpoint

        return checkpoint.load(cls, path)

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

    def alerts(self) -> pd.DataFrame:
        """Return active and past alerts as a DataFrame (see :mod:`arena.alerts`)."""
        return self.alert_monitor.frame(self.tick)

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
        self._settle_outside()
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
        self._settle_outside()
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

    def _settle_outside(self) -> None:
        """Settle the banks' reserves after an outside account changed between ticks."""
        self.banking.external_deposits = self.outside.total_cash()
        self.banking.settle(self.pop.cash, credit_phase.borrower_deposits(self))

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
        the new count; firms' workforces are recounted from the households' employers.
        """
        old = self.config.n_agents
        self.config = self.config.replace(n_agents=n_agents)
        for part in (self.cfirms, self.kfirms, self.psychology, self.scarcity, self.central_bank):
            part.config = self.config
        self.potential0 *= n_agents / old
        self.gini_panel = gini_panel(n_agents, self.rng)
        counts = np.bincount(self.pop.employer[self.pop.employer >= 0],
                             minlength=self.cfirms.n + self.kfirms.n)
        self.cfirms.workers = counts[: self.cfirms.n].astype(np.int64)
        self.kfirms.workers = counts[self.cfirms.n:].astype(np.int64)
        self.pop.supplier[self.pop.supplier >= self.cfirms.n] = 0
        self.unemployment = 1.0 - float(counts.sum()) / n_agents
        self.budget_total = float(self.pop.budget.sum())  # the next session spends these budgets
        self.banking.settle(self.pop.cash, credit_phase.borrower_deposits(self))

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
            "goods": float(self.cfirms.inventory.sum()),
            "loans": self.banking.loans(),
            "bank_equity": float(self.banking.banks.equity.sum()),
            "capital": float(self.cfirms.capital.sum()),
            "machines": float(self.kfirms.inventory.sum()),
            "gov_bonds": float(self.government.bonds),
        }
        for i, name in enumerate(RESOURCE_NAMES):
            out[f"reserves_{name}"] = float(self.scarcity.reserves[i])
            out[f"inputs_{name}"] = float(self.cfirms.input_stock[i])
        return out

    def household_total(self, name: str) -> float:
        """Households' total ``"cash"`` (deposits, currency) or ``"shares"`` (equity shares).

        One numpy sum over the households; inside a tick, from the point where the array
        stops changing (see :meth:`step`) the total summed there is returned instead of
        summing the same array again (the same value, bit for bit).
        """
        frozen = self.__dict__.get("_frozen_totals")
        if frozen is not None and name in frozen:
            return frozen[name]
        return float(getattr(self.pop, name).sum())

    def money_supply(self) -> float:
        """All deposits: households, firms, producers and outside agents (currency)."""
        return (
            self.household_total("cash")
            + float(self.cfirms.deposits.sum())
            + float(self.kfirms.deposits.sum())
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
        self.crowd_side = 0.8 * self.crowd_side + 0.2 * crowd_side(stats["n_buy"], stats["n_sell"])
        self.consensus = 0.8 * self.consensus + 0.2 * stats["consensus"]
        herding = self.herding
        r = self.returns[-1] if self.returns else 0.0
        # the wealth is computed inside the mood pass (into pop.last_wealth, in place)
        self.psychology.update(self.pop, None, r, self.trend, self.realized_volatility(), herding,
                               equity_price=self.prices["equity"])

    def _phase_monetary(self) -> None:
        cfg, cb = self.config, self.central_bank
        cpi = self._basket_cost() / self.cpi0_basket * 100.0
        core = self.prices["goods"] / self.price0 * 100.0  # CPI less commodities (energy, food...)
        money = self.money_supply()
        velocity = self.final_sales * cfg.ticks_per_year / money if money > 0 else 0.0
        inflation, core_inflation, money_growth, velocity_change = cb.measure(cpi, core, money, velocity)
        gap = float(self.cfirms.output.sum()) / self.potential - 1.0
        ind = self.psychology.indices
        behavioural = 0.02 * (ind.sentiment - 0.5) + 0.02 * (ind.greed - ind.fear)
        decision = cb.decide(
            inflation, core_inflation, money_growth, velocity_change, gap, self.unemployment, behavioural
        )
        for etype, payload in decision.events:
            self.event_log.emit(self.tick, etype, **payload)
        # the money rule's transfer for next tick (0 under the Taylor rule: money is created
        # and destroyed by bank credit; deposit interest is paid by the banks); under the
        # money-growth rule it keeps the stock on the rule's path whatever credit did
        rule = (cb.money_rule_transfer(money, self.initial_stocks["money"])
                if cfg.monetary_regime == "money_growth" else 0.0)
        self.transfer_next = (0.0, rule)
        self.macro = {
            "cpi": cpi,
            "core_cpi": core,
            "velocity": velocity,
            "money": money,
            "money_growth": money_growth,
            "output_gap": gap,
            "taylor_rate": decision.taylor_rate,
        }

    def _phase_scarcity(self, ledger: accounting.Ledger) -> None:
        output_ratio = float(self.cfirms.output.sum()) / self.potential
        flows = self.scarcity.step(self.tick, self.extracted, output_ratio, self.scarcity_rng)
        for i, name in enumerate(RESOURCE_NAMES):
            stock = f"reserves_{name}"
            ledger.record(stock, "extraction", -flows["extracted"][i])
            ledger.record(stock, "renewal", flows["renewal"][i])
            ledger.record(stock, "development", flows["development"][i])
            ledger.record(stock, "issuance", flows["issuance"][i])
            ledger.record(stock, "discovery", flows["discovery"][i])
            ledger.record(stock, "catastrophe", -flows["catastrophe"][i])
        for etype, payload in flows["events"]:
            self.event_log.emit(self.tick, etype, **payload)

    # ------------------------------------------------------------------ phases 6-7 ----
    def _basket_cost(self) -> float:
        """Return the cost of the tick-0 basket (Laspeyres weights) over ``price0``.

        The basket holds goods and each consumed commodity's retail good at its retail price
        ``theta p + (1 - theta) P`` (:mod:`arena.markets.retail`).
        """
        goods_price = self.prices["goods"]
        retail_prices = retail.retail_prices(self.commodity_prices(), goods_price, self.retail_cost_shares)
        weights = self.household_shares
        return float(((1.0 - weights.sum()) * goods_price + weights @ retail_prices) / self.price0)

    def realized_volatility(self) -> float:
        """Return the std of the last ``volatility_window`` equity log returns (per tick).

        The returns change only in the equity auction (phase 1): inside a tick, from phase 2
        on, the value computed first is returned again (the same float).
        """
        frozen = self.__dict__.get("_frozen_totals")
        if frozen is not None and "realized_volatility" in frozen:
            return frozen["realized_volatility"]
        value = (indicators.realized_volatility(np.fromiter(self.returns, float)) if len(self.returns) >= 2
                 else 0.0)
        if frozen is not None:
            frozen["realized_volatility"] = value
        return value

    def _compute_indicators(self) -> None:
        self.current = observe.compute(self)

    def _phase_events(self) -> None:
        observe.emit_tick_events(self)

    # ------------------------------------------------------------------ firms -------
    @property
    def potential(self) -> float:
        """Potential output of goods: C-firms' output at the natural rate (goods/tick).

        ``alpha_t (1 - u*) N s``: the labour force at the natural unemployment rate ``u*`` (the
        tick-0 rate), at trend productivity ``alpha_t``, in the share ``s`` of employment C-firms
        hold now (C-workers over all workers; its tick-0 value before anyone works). Equal to the
        tick-0 C-employment at trend productivity while the sectors keep their tick-0 split; when
        investment takes a smaller share of employment than at tick 0 (a slower accelerator), the
        same labour force can make more goods, and a potential fixed at the tick-0 split would read
        a lasting positive gap, on which the Taylor rule would hold the rate above neutral (measured: +3% and
        0.9% inflation, docs/validation.md "Recalibration").
        """
        return self.potential0 * (self.cfirms.productivity / self.config.productivity) * self.job_split()

    def allocation_efficiency(self) -> float:
        """C-firms' output per worker over the common level's: ``sum y_j / sum (y_j / e_j)`` (> 0).

        The output-weighted harmonic mean of the living C-firms' efficiencies ``e_j`` (1 at equal
        output, their harmonic mean being 1; 1 without output). When sales move to the more
        efficient firms (selection), the same workers make more goods: the gain in aggregate
        productivity from reallocation (Olley & Pakes 1996; Foster, Haltiwanger & Krizan 2001 find
        it half of US manufacturing's productivity growth). Reported by the ``labour_productivity``
        indicator; not in :attr:`potential`: over 200 firms it is noisy, and in the output gap the
        noise reached the Taylor rule and the fiscal rule (docs/validation.md, session 20).
        """
        cf = self.cfirms
        made = np.where(cf.alive, cf.output, 0.0)
        labour = float((made / cf.efficiency).sum())
        return float(made.sum()) / labour if labour > 0 else 1.0

    def job_split(self) -> float:
        """C-firms' share of employment now over its tick-0 value, in [0.5, 2] (1 without workers).

        The bounds keep potential output positive when a shock empties the C-firms (a share near 0)
        and cap it where no K-firm works (the ratio is at most 1 / tick-0 share, about 1.3).
        """
        c_workers = float(self.cfirms.workers.sum())
        employed = c_workers + float(self.kfirms.workers.sum())
        if employed <= 0 or self.c_share0 <= 0:
            return 1.0
        return min(max(c_workers / employed / self.c_share0, 0.5), 2.0)

    def commodity_prices(self) -> np.ndarray:
        """Return the commodity prices in :data:`RESOURCE_NAMES` order (currency/unit)."""
        return np.array([self.prices[r] for r in RESOURCE_NAMES])

    def capital_price(self) -> float:
        """Mean price of living K-firms (currency/machine)."""
        return self.kfirms.mean_price()

    def mean_wage(self) -> float:
        """Employment-weighted mean wage of all firms (currency/worker/tick)."""
        cf, kf = self.cfirms, self.kfirms
        workers = float(cf.workers.sum() + kf.workers.sum())
        if workers <= 0:
            return float(cf.wage.mean())
        return float((cf.wage @ cf.workers + kf.wage @ kf.workers) / workers)

    def banks_frame(self) -> pd.DataFrame:
        """Per-bank state: one row per bank (loans, reserves, deposits, advances, equity, ...)."""
        return self.banking.frame(self.pop.cash, credit_phase.borrower_deposits(self))

    def balance_sheet(self) -> pd.DataFrame:
        """Godley-Lavoie balance-sheet matrix now: instruments x sectors (currency; docs/model.md).

        Rows deposits, loans, reserves, advances, bonds, equity, capital, inventories, net
        worth; columns households, firms (C- and K-firms), producers, banks, central bank,
        government, outside agents (when any) and ``total``. The government's deposits are
        at the central bank (its liability in the deposits row); bonds are its liability,
        held by banks and the central bank. Assets are positive, liabilities negative;
        each financial row sums to zero, each column to zero (net worth balances it). Capital
        and inventories are at book value (current prices); the listed equity (one claim on
        the corporate sector) is at its market price, held by households, the central bank
        and outside agents; banks' equity at book value, held by households and (after a
        resolution) the central bank.
        """
        bs, cf, kf = self.banking, self.cfirms, self.kfirms
        nf = cf.n + kf.n
        deposits = credit_phase.borrower_deposits(self)
        bs.external_deposits = self.outside.total_cash()
        bank = bs.balance_sheet_entries(self.pop.cash, deposits)
        price = self.prices["equity"]
        shares = float(self.pop.shares.sum()) + self.central_bank.shares + self.outside.total_shares()
        listed = price * shares
        entries = {
            "households": {"deposits": float(self.pop.cash.sum()),
                           "equity": bank["households"]["equity"] + price * float(self.pop.shares.sum())},
            "firms": {"deposits": float(deposits[:nf].sum()), "loans": -bs.loans(),
                      "capital": float(cf.capital.sum()) * self.capital_price(),
                      "inventories": float((cf.inventory * cf.price).sum() + (kf.inventory * kf.price).sum()
                                           + cf.input_stock @ self.commodity_prices()),
                      "equity": -listed},
            "producers": {"deposits": float(deposits[nf:].sum())},
            "banks": bank["banks"],
            "central_bank": {**bank["central_bank"],
                             "equity": bank["central_bank"]["equity"] + price * self.central_bank.shares},
        }
        gov, cb = self.government, self.central_bank
        entries["banks"]["bonds"] = float(bs.banks.bonds.sum())
        entries["government"] = {"deposits": gov.deposits, "bonds": -gov.bonds}
        entries["central_bank"]["bonds"] = cb.bonds
        entries["central_bank"]["deposits"] = -gov.deposits
        if self.outside.accounts:
            entries["outside"] = {"deposits": self.outside.total_cash(),
                                  "equity": price * self.outside.total_shares()}
        return accounting.balance_sheet(entries)

    def flow_matrix(self) -> pd.DataFrame:
        """Godley-Lavoie transactions-flow matrix of the last tick: transactions x sectors (currency/tick).

        Columns households, firms (current and capital accounts), producers, banks (current,
        capital), government, central bank (current, capital), outside agents (when any) and
        ``total``. A receipt or a source of funds is positive, a payment or a use of funds
        negative; the ``Δ`` rows are the capital account: changes of financial stocks
        measured from the start to the end of the tick (an increase of an asset negative, of
        a liability positive) and capital transfers. Every row and every column sums to zero
        when the accounts close (docs/model.md, "The two matrices"); non-cash items
        (depreciation, inventory and equity revaluation, write-offs of real assets) move no
        money and are not rows. Empty (all zero) before the first tick.
        """
        return accounting.flow_matrix(self.last_flows)

    def firms_frame(self) -> pd.DataFrame:
        """Per-firm state: one row per firm slot (C-firms, then K-firms); see docs/model.md."""
        return firms_frame(self)

    def firms_summary(self) -> dict:
        """Summarise the firm sector (sizes, markups, turnover): :func:`arena.sectors.frame.firms_summary`."""
        return firms_summary(self)
