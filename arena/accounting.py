"""Stock-flow accounting: stocks, recorded flows and the per-tick check.

Every stock the engine keeps (money, equity shares, goods, reserves of each resource) may
change only by the flows the model records: money creation and destruction by the
central bank, outside agents' deposits and withdrawals, goods production and consumption,
extraction, renewal, issuance, discovery and catastrophe losses. Transactions between
agents move a stock from one account to another and leave its total unchanged.

:class:`Ledger` accumulates the recorded flows of a tick per stock;
:func:`check` compares the totals before and after and raises
:class:`~arena.errors.AccountingError` naming the tick, the stock and the unexplained amount.
"""

from __future__ import annotations

from collections import defaultdict

from arena.errors import AccountingError

#: Relative tolerance of the check: sums of 10^6 float64 terms carry rounding of this order.
RELATIVE_TOLERANCE = 1e-9


class Ledger:
    """Recorded flows of one tick, per stock and per named flow."""

    def __init__(self):
        self.flows: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))

    def record(self, stock: str, flow: str, amount: float) -> None:
        """Add ``amount`` (positive = the stock grows) to a named flow of a stock."""
        self.flows[stock][flow] += float(amount)

    def net(self, stock: str) -> float:
        """Net recorded change of a stock."""
        return float(sum(self.flows[stock].values())) if stock in self.flows else 0.0

    def merge(self, other: "Ledger") -> None:
        """Add every flow of ``other`` into this ledger."""
        for stock, flows in other.flows.items():
            for flow, amount in flows.items():
                self.flows[stock][flow] += amount

    def as_dict(self) -> dict[str, dict[str, float]]:
        """Flows as plain nested dicts."""
        return {s: dict(f) for s, f in self.flows.items()}


def unexplained(start: dict[str, float], now: dict[str, float], ledger: Ledger) -> dict[str, float]:
    """Change of each stock since ``start`` that the ledger's flows do not explain."""
    return {stock: now[stock] - start[stock] - ledger.net(stock) for stock in start}


def check(tick: int, before: dict[str, float], after: dict[str, float], ledger: Ledger) -> None:
    """Raise AccountingError if any stock changed by more than its recorded flows.

    Parameters
    ----------
    tick : int
        Tick just completed.
    before, after : dict
        Totals of each stock at the start and the end of the tick.
    ledger : Ledger
        Flows recorded during the tick.
    """
    for stock, start in before.items():
        end = after[stock]
        expected = start + ledger.net(stock)
        scale = max(abs(start), abs(end), 1.0)
        gross = sum(abs(v) for v in ledger.flows.get(stock, {}).values()) if stock in ledger.flows else 0.0
        if abs(end - expected) > RELATIVE_TOLERANCE * (scale + gross):
            raise AccountingError(tick, stock, end - expected)
