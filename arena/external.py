"""Outside agents: accounts of agents that trade through the API alongside the households.

An outside agent receives a cash endowment when it registers (money created and recorded
as the flow ``outside_endowment``) and trades equity in the same call auction as the
simulated households, with limit orders that live until they are filled in an auction
or cancelled (partially filled orders keep their remainder). Orders are checked against
the agent's free cash and shares, so it never goes short or into debt. Unregistering
settles the account: the central bank buys its shares at the last price (money
created), then its deposits leave the economy (money destroyed), both recorded.
"""

from __future__ import annotations

import itertools
from collections import deque
from dataclasses import dataclass, field

from arena.errors import ShockError

#: Default cash endowment of a new outside agent (currency).
DEFAULT_ENDOWMENT = 10_000.0
#: Fills kept per account (older ones are dropped; totals live in cash and shares).
MAX_FILLS_KEPT = 1000
#: Largest order an outside agent may place (shares).
MAX_ORDER_QTY = 1e7


class OrderError(ShockError):
    """An outside agent's order or request is invalid; the message names the field."""


@dataclass
class Order:
    """A resting limit order of an outside agent (``qty`` > 0; ``side`` "buy" or "sell")."""

    id: int
    side: str
    qty: float
    limit: float
    placed_tick: int


@dataclass
class Account:
    """An outside agent's account."""

    id: str
    name: str
    cash: float
    shares: float = 0.0
    orders: dict[int, Order] = field(default_factory=dict)
    fills: deque = field(default_factory=lambda: deque(maxlen=MAX_FILLS_KEPT))

    def reserved_cash(self) -> float:
        """Cash committed to resting buy orders (currency)."""
        return sum(o.qty * o.limit for o in self.orders.values() if o.side == "buy")

    def reserved_shares(self) -> float:
        """Shares committed to resting sell orders."""
        return sum(o.qty for o in self.orders.values() if o.side == "sell")

    def summary(self) -> dict:
        """JSON-ready view of the account."""
        return {
            "id": self.id,
            "name": self.name,
            "cash": self.cash,
            "shares": self.shares,
            "orders": [vars(o) for o in self.orders.values()],
            "fills": list(self.fills)[-50:],
        }


class OutsideAgents:
    """Registry of outside agents' accounts.

    Parameters
    ----------
    max_agents : int
        Largest number of registered agents (``max_agents``).
    """

    def __init__(self, max_agents: int):
        self.max_agents = max_agents
        self.accounts: dict[str, Account] = {}
        self._ids = itertools.count(1)
        self._order_ids = itertools.count(1)

    def total_cash(self) -> float:
        """Deposits of all outside agents (currency)."""
        return sum(a.cash for a in self.accounts.values())

    def total_shares(self) -> float:
        """Equity held by outside agents (shares)."""
        return sum(a.shares for a in self.accounts.values())

    def open(self, name: str, endowment: float) -> Account:
        """Open an account (the caller records the endowment as created money)."""
        if len(self.accounts) >= self.max_agents:
            raise OrderError(f"max_agents ({self.max_agents}) outside agents are already registered")
        if not (0.0 <= endowment <= 1e9):
            raise OrderError(f"'endowment' must be in [0, 1e9]. Got {endowment!r}.")
        account = Account(id=f"agent-{next(self._ids)}", name=name, cash=float(endowment))
        self.accounts[account.id] = account
        return account

    def get(self, agent_id: str) -> Account:
        """Return an account or raise KeyError."""
        if agent_id not in self.accounts:
            raise KeyError(agent_id)
        return self.accounts[agent_id]

    def place(self, agent_id: str, side: str, qty: float, limit: float, tick: int) -> Order:
        """Validate and store a limit order; raises OrderError naming the bad field."""
        account = self.get(agent_id)
        if side not in ("buy", "sell"):
            raise OrderError(f"'side' must be 'buy' or 'sell'. Got {side!r}.")
        if not (0.0 < qty <= MAX_ORDER_QTY):
            raise OrderError(f"'qty' must be in (0, {MAX_ORDER_QTY:g}] shares. Got {qty!r}.")
        if not (0.0 < limit < 1e12):
            raise OrderError(f"'limit' must be a price in (0, 1e12). Got {limit!r}.")
        if side == "buy" and qty * limit > account.cash - account.reserved_cash() + 1e-9:
            raise OrderError(
                f"'qty' * 'limit' = {qty * limit:.6g} exceeds free cash "
                f"{account.cash - account.reserved_cash():.6g}"
            )
        if side == "sell" and qty > account.shares - account.reserved_shares() + 1e-12:
            raise OrderError(
                f"'qty' = {qty:.6g} exceeds free shares {account.shares - account.reserved_shares():.6g}"
            )
        order = Order(next(self._order_ids), side, float(qty), float(limit), tick)
        account.orders[order.id] = order
        return order

    def cancel(self, agent_id: str, order_id: int) -> Order:
        """Remove a resting order; raises OrderError if it does not exist."""
        account = self.get(agent_id)
        if order_id not in account.orders:
            raise OrderError(f"'order_id' {order_id} is not a resting order of {agent_id}")
        return account.orders.pop(order_id)

    def resting(self):
        """Yield ``(agent_id, order)`` for every resting order."""
        for account in self.accounts.values():
            for order in account.orders.values():
                yield account.id, order

    def settle_fill(self, agent_id: str, order_id: int, qty: float, price: float, tick: int) -> None:
        """Apply a fill of ``qty`` shares (> 0) at ``price`` to an order."""
        account = self.accounts[agent_id]
        order = account.orders[order_id]
        sign = 1.0 if order.side == "buy" else -1.0
        account.shares += sign * qty
        account.cash -= sign * qty * price
        order.qty -= qty
        account.fills.append(
            {"tick": tick, "order_id": order_id, "side": order.side, "qty": qty, "price": price}
        )
        if order.qty <= 1e-12:
            del account.orders[order_id]
