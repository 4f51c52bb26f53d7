"""Stock-flow accounting: stocks, recorded flows and the per-tick check.

Every stock the engine keeps (money, equity shares, goods, reserves of each resource) may
change only by the flows the model records: money creation and destruction by the
central bank, outside agents' deposits and withdrawals, goods production and consumption,
extraction, renewal, development, issuance, discovery and catastrophe losses. Transactions between
agents move a stock from one account to another and leave its total unchanged.

:class:`Ledger` accumulates the recorded flows of a tick per stock;
:func:`check` compares the totals before and after and raises
:class:`~arena.errors.AccountingError` naming the tick, the stock and the unexplained amount.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

import numpy as np

from arena.errors import AccountingError

if TYPE_CHECKING:
    import pandas as pd

#: Relative tolerance of the check: sums of 10^6 float64 terms carry rounding of this order.
RELATIVE_TOLERANCE = 1e-9


class Ledger:
    """Recorded flows of one tick, per stock and per named flow."""

    def __init__(self):
        self.flows: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        #: Sum of the absolute amounts recorded per stock (currency or units): the magnitude of
        #: the floating-point sums behind the net flows, the scale of their rounding.
        self.gross: dict[str, float] = defaultdict(float)

    def record(self, stock: str, flow: str, amount: float) -> None:
        """Add ``amount`` (positive = the stock grows) to a named flow of a stock."""
        amount = float(amount)
        self.flows[stock][flow] += amount
        self.gross[stock] += abs(amount)

    def net(self, stock: str) -> float:
        """Net recorded change of a stock."""
        return float(sum(self.flows[stock].values())) if stock in self.flows else 0.0

    def merge(self, other: "Ledger") -> None:
        """Add every flow of ``other`` into this ledger."""
        for stock, flows in other.flows.items():
            for flow, amount in flows.items():
                self.flows[stock][flow] += amount
        for stock, amount in other.gross.items():
            self.gross[stock] += amount

    def as_dict(self) -> dict[str, dict[str, float]]:
        """Flows as plain nested dicts."""
        return {s: dict(f) for s, f in self.flows.items()}


def unexplained(start: dict[str, float], now: dict[str, float], ledger: Ledger) -> dict[str, float]:
    """Change of each stock since ``start`` that the ledger's flows do not explain."""
    return {stock: now[stock] - start[stock] - ledger.net(stock) for stock in start}


def audit_scale(start: dict[str, float], now: dict[str, float], ledger: Ledger) -> dict[str, float]:
    """Magnitude against which each stock's :func:`unexplained` change is rounding (currency or units).

    ``max(|start|, |now|, 1)`` plus the gross amount recorded for the stock: a stock that grew
    to 1e30 and shrank back to 0 carries the rounding of sums of 1e30, not of its level now.
    """
    return {stock: max(abs(start[stock]), abs(now[stock]), 1.0) + ledger.gross.get(stock, 0.0)
            for stock in start}


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


#: Rows of the balance-sheet matrix (Godley & Lavoie 2007, table 2.2), in order.
BALANCE_SHEET_ROWS = (
    "deposits", "loans", "reserves", "advances", "bonds", "equity", "capital", "inventories", "net worth",
)
#: Rows that are claims of one sector on another: each sums to zero across sectors.
FINANCIAL_ROWS = ("deposits", "loans", "reserves", "advances", "bonds", "equity")


def balance_sheet(entries: dict[str, dict[str, float]]) -> "pd.DataFrame":
    """Build the balance-sheet matrix from each sector's holdings.

    Parameters
    ----------
    entries : dict
        ``{sector: {instrument: amount}}`` in currency, assets positive and liabilities
        negative (Godley-Lavoie sign convention); instruments from
        :data:`BALANCE_SHEET_ROWS` except ``net worth``.

    Returns
    -------
    pandas.DataFrame
        Rows :data:`BALANCE_SHEET_ROWS`, one column per sector plus ``total``. Each
        sector's ``net worth`` is minus the sum of its other rows, so every column sums to
        zero; every row of :data:`FINANCIAL_ROWS` sums to zero when the accounts close, and
        total net worth is minus the real assets (capital and inventories).

    Raises
    ------
    ValueError
        For an instrument that is not a row, or a non-finite amount.
    """
    import pandas as pd

    assets = [r for r in BALANCE_SHEET_ROWS if r != "net worth"]
    frame = pd.DataFrame(0.0, index=list(BALANCE_SHEET_ROWS), columns=list(entries))
    for sector, holdings in entries.items():
        for instrument, amount in holdings.items():
            if instrument not in assets:
                raise ValueError(
                    f"The instrument {instrument!r} of sector {sector!r} must be one of "
                    f"{', '.join(assets)}. Got {instrument!r} instead."
                )
            if not np.isfinite(amount):
                raise ValueError(
                    f"The {instrument!r} holding of sector {sector!r} must be finite. Got {amount!r} instead."
                )
            frame.loc[instrument, sector] += float(amount)
        frame.loc["net worth", sector] = -frame.loc[assets, sector].sum()
    frame["total"] = frame.sum(axis=1)
    frame.index.name = "instrument"
    return frame


def row_residuals(frame: "pd.DataFrame", rows: tuple[str, ...] = FINANCIAL_ROWS,
                  floor: float = 0.0) -> dict[str, float]:
    """Relative imbalance of each financial row: ``|sum over sectors| / max(sum |holdings|, floor)``.

    0 for an empty row; ``floor`` (currency) keeps a row that has almost vanished from being
    judged by its own rounding.
    """
    sectors = frame.drop(columns="total", errors="ignore")
    out = {}
    for row in rows:
        values = sectors.loc[row].to_numpy(dtype=float)
        gross = max(float(np.abs(values).sum()), floor)
        out[row] = abs(float(values.sum())) / gross if gross > 0 else 0.0
    return out


#: Columns of the transactions-flow matrix (Godley & Lavoie 2007, table 2.3; Caiani et al.
#: 2016, table 2): sectors, with current and capital accounts for firms, banks and the
#: central bank; ``outside`` (API agents) only when it has an entry.
FLOW_COLUMNS = (
    "households", "firms_current", "firms_capital", "producers", "banks_current", "banks_capital",
    "government", "central_bank_current", "central_bank_capital", "outside",
)
_FLOW_COLUMN_SET = frozenset(FLOW_COLUMNS)
#: Columns whose balancing row (retained earnings) carries their saving to the capital account.
CURRENT_TO_CAPITAL = {
    "firms_current": ("firms_capital", "retained earnings (firms)"),
    "banks_current": ("banks_capital", "retained earnings (banks)"),
    "central_bank_current": ("central_bank_capital", "retained earnings (central bank)"),
}


class FlowRecorder:
    """Transactions of one tick, row by row: each entry is one sector's side of a payment.

    Sign convention (Godley & Lavoie 2007): a receipt or a source of funds is positive, a
    payment or a use of funds negative; in the capital account an increase of an asset is
    negative and an increase of a liability positive.
    """

    def __init__(self):
        self.rows: dict[str, dict[str, float]] = {}

    def add(self, row: str, **amounts: float) -> None:
        """Add ``amounts`` (currency, by column of :data:`FLOW_COLUMNS`) to ``row``."""
        entry = self.rows.setdefault(row, {})
        for column, amount in amounts.items():
            if column not in _FLOW_COLUMN_SET:
                raise ValueError(f"The column {column!r} of flow row {row!r} must be one of "
                                 f"{', '.join(FLOW_COLUMNS)}. Got {column!r} instead.")
            entry[column] = entry.get(column, 0.0) + float(amount)

    def pay(self, row: str, payer: str, payee: str, amount: float) -> None:
        """Record ``amount`` paid by ``payer`` to ``payee`` in ``row`` (a two-entry row)."""
        self.add(row, **{payer: -float(amount)})
        self.add(row, **{payee: float(amount)})


def flow_matrix(recorder: FlowRecorder) -> "pd.DataFrame":
    """Build the transactions-flow matrix from a tick's recorded rows.

    Current-account columns are closed by their balancing row (retained earnings moved to
    the capital account), as in Godley & Lavoie; every other column closes only if the
    recorded transactions explain the measured change of each financial stock.

    Returns
    -------
    pandas.DataFrame
        Rows in recording order plus the balancing rows; columns :data:`FLOW_COLUMNS`
        (``outside`` only if used) and ``total`` (the row's sum, 0 when it is below 1e-12 of the
        row's gross entries: float rounding); currency per tick.
    """
    import pandas as pd

    rows = {name: dict(entry) for name, entry in recorder.rows.items()}
    used = {c for entry in rows.values() for c, v in entry.items() if v != 0.0}
    columns = [c for c in FLOW_COLUMNS if c != "outside" or "outside" in used]
    frame = pd.DataFrame(0.0, index=list(rows), columns=columns)
    for name, entry in rows.items():
        for column, amount in entry.items():
            if column in columns:
                frame.loc[name, column] += amount
    capital_rows = [r for r in frame.index if r.startswith("Δ")]
    current = frame.drop(index=capital_rows)
    balancing = {}
    for col, (cap, row) in CURRENT_TO_CAPITAL.items():
        saving = float(current[col].sum())
        balancing[row] = {col: -saving, cap: saving}
    extra = pd.DataFrame(0.0, index=list(balancing), columns=columns)
    for row, entry in balancing.items():
        for column, amount in entry.items():
            extra.loc[row, column] = amount
    order = [r for r in frame.index if r not in capital_rows]
    frame = pd.concat([frame.loc[order], extra, frame.loc[capital_rows]])
    # the row's sum; float rounding (below 1e-12 of the row's gross entries) is shown as 0
    total, gross = frame.sum(axis=1), frame.abs().sum(axis=1)
    frame["total"] = total.where(total.abs() > 1e-12 * gross, 0.0)
    frame.index.name = "transaction"
    return frame


def flow_residuals(frame: "pd.DataFrame",
                   stock_scale: float = 0.0) -> tuple[dict[str, float], dict[str, float]]:
    """Relative imbalance of every row and every column: ``|sum| / max(sum |entries|, floor)``.

    ``floor`` is 1e-5 of ``stock_scale`` (the largest stock of the balance sheet, currency)
    or 1e-12 of the largest gross column, whichever is larger: the capital-account rows are
    differences of stocks, whose float64 rounding (~1e-16 of the stock per operation) is
    judged against the stocks, not against a column of small flows.
    """
    values = frame.drop(columns="total", errors="ignore")
    a = values.to_numpy(dtype=float)
    gross_cols = np.abs(a).sum(axis=0)
    floor = max(max(float(gross_cols.max()) if gross_cols.size else 0.0, 1.0) * 1e-12, 1e-5 * stock_scale)
    row_sums, row_gross = a.sum(axis=1), np.abs(a).sum(axis=1)
    col_sums = a.sum(axis=0)
    rows = {r: abs(float(row_sums[i])) / max(float(row_gross[i]), floor) for i, r in enumerate(values.index)}
    cols = {c: abs(float(col_sums[j])) / max(float(gross_cols[j]), floor)
            for j, c in enumerate(values.columns)}
    return rows, cols


def check_matrices(tick: int, balance: "pd.DataFrame", flows: "pd.DataFrame",
                   tolerance: float = RELATIVE_TOLERANCE) -> None:
    """Raise AccountingError naming the first financial row, flow row or flow column that does not close."""
    scale = float(np.abs(balance.drop(columns="total", errors="ignore").to_numpy(dtype=float)).max())
    for row, err in row_residuals(balance, floor=1e-5 * scale).items():
        if err > tolerance:
            raise AccountingError(tick, f"balance sheet row {row!r}", float(balance.loc[row, "total"]))
    rows, cols = flow_residuals(flows, scale)
    for row, err in rows.items():
        if err > tolerance:
            raise AccountingError(tick, f"flow matrix row {row!r}", float(flows.loc[row].drop("total").sum()))
    for col, err in cols.items():
        if err > tolerance:
            raise AccountingError(tick, f"flow matrix column {col!r}", float(flows[col].sum()))
