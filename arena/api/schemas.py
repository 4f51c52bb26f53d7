"""Pydantic models of every request and response of the API (they make the OpenAPI schema)."""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field

from arena.external import DEFAULT_ENDOWMENT, MAX_ORDER_QTY

#: Largest endowment an agent may be registered with (currency).
MAX_ENDOWMENT = 1_000_000.0
#: Largest limit price of an order (currency/share).
MAX_LIMIT_PRICE = 1e9
#: Names of agents: letters, digits, space, dot, dash, underscore.
NAME_PATTERN = r"^[A-Za-z0-9_.\- ]{1,64}$"

Number = float | None  # None where the engine produced a non-finite value (never expected)


class Strict(BaseModel):
    """Request bodies: unknown fields are refused (422 naming the field)."""

    model_config = ConfigDict(extra="forbid")


class ErrorResponse(BaseModel):
    """A refused request: ``detail`` says which field and why."""

    detail: str


class Stamped(BaseModel):
    """Tick and wall-clock time of the state a response describes."""

    tick: int = Field(description="ticks completed")
    time: str = Field(description="ISO-8601 UTC time the state was published")


class Health(Stamped):
    """Liveness and a few counters."""

    status: Literal["ok", "error"]
    running: bool
    uptime_s: float
    last_error: str | None


class Status(Stamped):
    """State of the simulation (admin endpoints)."""

    running: bool
    n_agents: int
    outside_agents: int
    scenario: str | None
    tick_rate_ms: int
    last_tick_ms: float | None = Field(description="duration of the last tick (ms)")
    mean_tick_ms: float | None = Field(description="mean tick duration over the last 200 ticks (ms)")
    last_error: str | None
    websocket: dict[str, int | float]
    cache: dict[str, int]


class Indicators(Stamped):
    """Every indicator column of the latest tick (names and units in docs/model.md)."""

    running: bool
    values: dict[str, Number]


class Psychology(Stamped):
    """Aggregate psychology of the households (indices in [0, 1])."""

    sentiment: Number
    fear: Number
    greed: Number
    confidence: Number
    herding: Number
    sentiment_variance: Number
    volatility_multiplier: Number
    realized_volatility: Number = Field(description="std of equity log returns per tick")
    share_fundamentalist: Number
    share_chartist: Number
    share_noise: Number


class Monetary(Stamped):
    """Prices, money and policy (rates annualised, fractions of 1)."""

    cpi: Number
    inflation: Number
    structural_inflation: Number
    expected_inflation: Number
    phillips_inflation: Number
    policy_rate: Number
    taylor_rate: Number
    real_rate: Number
    money_supply: Number
    money_growth: Number
    money_growth_target: Number
    velocity: Number
    nominal_output: Number
    output: Number
    output_gap: Number
    unemployment: Number
    wage: Number
    tightening: bool
    qe: bool
    cb_equity_shares: Number


class Bank(BaseModel):
    """One bank's balance sheet and rates (currency; rates annual)."""

    bank: int
    loans: Number
    reserves: Number
    deposits: Number
    advances: Number
    equity: Number
    capital_ratio: Number = Field(description="equity / loans; null for a bank without loans")
    deposit_rate: Number
    weakness_spread: Number
    households: int
    firms: int
    borrowers: int
    public_stake: Number = Field(description="share of the bank owned by the central bank after a resolution")
    bonds: Number = Field(None, description="government bonds held (currency, at par)")


class Banks(Stamped):
    """Credit aggregates (indicator columns) and every bank."""

    loans: Number
    loan_rate: Number
    credit_growth: Number
    bank_equity: Number
    capital_ratio: Number
    bank_failures: Number
    banks: list[Bank]


class CentralBankBalance(BaseModel):
    """The central bank's balance sheet (currency) and stance."""

    bonds: Number
    advances: Number
    equity_shares: Number = Field(description="listed equity held (shares)")
    reserves: Number
    government_deposits: Number
    policy_rate: Number
    qe: bool
    tightening: bool


class Government(Stamped):
    """The public sector: fiscal flows of the last tick (currency/tick), debt, rates; the central bank."""

    tax_revenue: Number
    benefits: Number
    gov_spending: Number
    deficit: Number
    gov_debt: Number
    bond_yield: Number
    cb_bonds: Number
    deposits: Number = Field(description="the government's deposits at the central bank")
    tax_wage_rate: Number
    tax_profit_rate: Number
    spending_share: Number = Field(description="purchases as a share of potential output, shocks included")
    benefit_replacement: Number
    active_shocks: int
    central_bank: CentralBankBalance


class Matrix(Stamped):
    """An accounting matrix (docs/model.md "The two matrices"): ``values[i][j]`` = row i, column j."""

    kind: Literal["balance_sheet", "flow_matrix"]
    unit: str
    description: str
    rows: list[str]
    columns: list[str]
    values: list[list[Number]]
    max_residual: float = Field(description="largest relative imbalance of a row or column that must close")
    closes: bool = Field(description="max_residual <= 1e-9")


class Firms(Stamped):
    """The firm sector: counts, size distribution, markups, turnover (see docs/model.md 6.2)."""

    n_firms: int
    n_kfirms: int
    slots: dict[str, int]
    size_distribution: dict[str, int]
    markup: dict[str, Number]
    price_dispersion: Number
    mean_price: Number
    vacancies: int
    defaults_last_tick: int
    entries_last_tick: int
    defaults_total: int
    entries_total: int
    recapitalisation_total: Number
    largest: list[dict[str, Number]]


class Resource(BaseModel):
    """One resource: reserves (units), scarcity in [0, 1], price multiplier, commodity price."""

    reserves: Number
    scarcity: Number
    price_multiplier: Number
    price: Number
    volume: Number


class Scarcity(Stamped):
    """Every resource."""

    resources: dict[str, Resource]


class Level(BaseModel):
    """A price level of the last order book."""

    price: float
    volume: float


class Trade(BaseModel):
    """One call-auction print: clearing price and volume of a tick."""

    tick: int
    price: Number
    volume: Number


class Market(Stamped):
    """A market after its last clearing."""

    market: str
    open_to_agents: bool = Field(description="outside agents can trade it (equity only)")
    price: float
    bid: Number
    ask: Number
    spread: Number = Field(description="(ask - bid) / price")
    depth_bid: Number
    depth_ask: Number
    volume: Number
    consumer_surplus: Number
    producer_surplus: Number
    elasticity: Number
    bids: list[Level] = Field(description="best bid levels of the last book, best first")
    asks: list[Level] = Field(description="best ask levels of the last book, best first")
    recent_trades: list[Trade] = Field(description="last clearings, newest last")


class Markets(Stamped):
    """Names and prices of every market."""

    markets: dict[str, float]


class History(BaseModel):
    """A time series of one indicator."""

    indicator: str
    unit: str
    description: str
    count: int
    truncated: bool = Field(description="more points in the range than `limit`: the newest were kept")
    ticks: list[int]
    values: list[Number]


class EventOut(BaseModel):
    """A stored (notable) event."""

    tick: int
    type: str
    payload: dict[str, Any]


class Events(BaseModel):
    """Stored events, oldest first."""

    count: int
    dropped: int = Field(description="events dropped from the bounded log (history_limit)")
    events: list[EventOut]


class Alert(BaseModel):
    """An active or past alert (see docs/model.md, "Alerts")."""

    alert: str = Field(description="rule name")
    subject: str = Field(description="resource of a per-resource rule, else empty")
    severity: Literal["info", "warning", "critical"]
    metric: str = Field(description="indicator column or process-health metric watched")
    direction: Literal["above", "below"]
    threshold: float
    clear: float = Field(description="hysteresis level at which the alert resolves")
    value: Number = Field(description="value when the alert fired")
    peak: Number = Field(description="most extreme value while active")
    fired_tick: int
    resolved_tick: int | None
    active: bool
    duration: int = Field(description="ticks from firing to resolving (or to now)")
    message: str


class AlertRuleOut(BaseModel):
    """An alert rule in force."""

    name: str
    metric: str
    direction: Literal["above", "below"]
    threshold: float
    clear: float
    for_ticks: int
    severity: Literal["info", "warning", "critical"]
    enabled: bool
    source: Literal["indicator", "process"]
    description: str


class Alerts(Stamped):
    """Active alerts (most severe first), recent resolved alerts (newest last) and the rules."""

    active: list[Alert]
    recent: list[Alert]
    rules: list[AlertRuleOut]


# ------------------------------------------------------------------ agents ------------
class RegisterRequest(Strict):
    """Open an account for an outside agent."""

    name: str | None = Field(None, pattern=NAME_PATTERN, description="display name (default: the id)")
    endowment: float = Field(
        DEFAULT_ENDOWMENT,
        ge=0.0,
        le=MAX_ENDOWMENT,
        description="cash endowment (currency); the agent starts with no shares",
    )


class OrderView(BaseModel):
    """A resting limit order."""

    id: int
    side: Literal["buy", "sell"]
    qty: float
    limit: float
    placed_tick: int


class Fill(BaseModel):
    """A (partial) fill of an order in a call auction."""

    tick: int
    order_id: int
    side: Literal["buy", "sell"]
    qty: float
    price: float


class Account(BaseModel):
    """An outside agent's account."""

    agent_id: str
    name: str
    cash: float
    shares: float
    free_cash: float = Field(description="cash not reserved by resting buy orders")
    free_shares: float = Field(description="shares not reserved by resting sell orders")
    equity_price: float
    equity_value: float = Field(description="shares x last equity price")
    orders: list[OrderView]
    fills: list[Fill] = Field(description="last 50 fills, oldest first")


class Registered(BaseModel):
    """A new agent: its key is shown only here."""

    agent_id: str
    api_key: str = Field(description="send as X-API-Key; shown once")
    endowment: float
    account: Account


class PlaceOrder(Strict):
    """Place a limit order on the equity call auction (it rests until filled or cancelled)."""

    type: Literal["place"]
    market: Literal["equity"] = "equity"
    side: Literal["buy", "sell"]
    qty: float = Field(gt=0.0, le=MAX_ORDER_QTY, description="shares")
    limit: float = Field(gt=0.0, le=MAX_LIMIT_PRICE, description="limit price (currency/share)")


class CancelOrder(Strict):
    """Cancel a resting order."""

    type: Literal["cancel"]
    order_id: int = Field(ge=1, le=2**53)


Action = Annotated[Union[PlaceOrder, CancelOrder], Field(discriminator="type")]


class ActionResult(BaseModel):
    """Result of an action: the order concerned and the account after it."""

    action: Literal["place", "cancel"]
    order: OrderView
    account: Account


class Settlement(BaseModel):
    """An agent's unregistration: its shares sold to the central bank, its cash removed."""

    agent_id: str
    name: str
    shares_sold: float
    price: float
    proceeds: float
    cash_removed: float
    orders_cancelled: int
    fills: int


# ------------------------------------------------------------------ admin -------------
class StepRequest(Strict):
    """Advance the simulation now (also while paused)."""

    ticks: int = Field(1, ge=1)


class ResetRequest(Strict):
    """Rebuild the model (outside agents and their keys are discarded)."""

    agents: int | None = Field(None, ge=1, description="households (default: unchanged)")
    seed: int | None = Field(None, ge=0, le=2**63 - 1, description="seed (default: unchanged)")


class ScenarioRequest(Strict):
    """Load scenarios/<name>.toml and reset to it."""

    name: str = Field(pattern=r"^[A-Za-z0-9_\-]{1,64}$", description="scenario name (not a path)")
    agents: int | None = Field(None, ge=1, description="override the scenario's n_agents")
    seed: int | None = Field(None, ge=0, le=2**63 - 1)


class ShockRequest(Strict):
    """Apply a shock now (see arena/shocks.py for sizes and targets)."""

    kind: Literal[
        "panic", "euphoria", "discovery", "catastrophe", "rate", "qe", "money", "sell_off", "strategy_mix",
        "fiscal", "tax",
    ]
    size: float = Field(ge=-1e6, le=1e6)
    resource: str | None = Field(None, max_length=32)
    fraction: float | None = Field(None, gt=0.0, le=1.0)
    market: str | None = Field(None, max_length=32)
    strategy: str | None = Field(None, max_length=32)
    tax: str | None = Field(None, max_length=16, description="tax shock: wage, profit or all (default)")
    duration: int | None = Field(None, ge=1, le=10_000_000, description="fiscal/tax shock: ticks it lasts")
    asset: str | None = Field(None, max_length=16, description="qe shock: bonds or equity")


class ShockResult(Stamped):
    """The shock was applied; ``events`` are those it emitted."""

    kind: str
    events: list[EventOut]


class SnapshotResult(Stamped):
    """A checkpoint of the running model was written (``arena serve --from PATH`` resumes it)."""

    path: str = Field(description="checkpoint file on the server (docs/checkpoints.md)")
    bytes: int
    agents: int = Field(description="outside agents in the snapshot (their key digests are kept beside it)")


class AuditEntry(BaseModel):
    """One state-changing call (see arena/api/audit.py); ``key_id`` is a fingerprint, never the key."""

    seq: int
    time: str
    tick: int
    key_id: str | None
    role: str
    agent_id: str | None
    action: str
    method: str
    path: str
    params: dict[str, Any]
    outcome: str
    status: int
    result: dict[str, Any] | None = None
    detail: Any = None


class Audit(BaseModel):
    """The newest audit entries, oldest first; the run directory's audit.jsonl keeps them all."""

    count: int
    total: int = Field(description="entries written since the server started")
    file: str | None = Field(description="the audit file, None when the server has no run directory")
    entries: list[AuditEntry]
