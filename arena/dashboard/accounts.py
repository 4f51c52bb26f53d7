"""The government and central-bank chart and the two accounting matrices as HTML tables."""

from __future__ import annotations

import html
from typing import Any, Iterable

import pandas as pd

from arena.dashboard.charts import figure, line_panel, records


def government_spec(df: pd.DataFrame, marks: Iterable[tuple[int, str]] = ()) -> dict[str, Any]:
    """Fiscal flows (currency/tick), public debt and the central bank's bonds, policy rate and bond yield."""
    marks = list(marks)
    cols = {"tax_revenue": "taxes", "benefits": "benefits", "gov_spending": "purchases", "deficit": "deficit",
            "gov_debt": "public debt", "cb_bonds": "central bank's bonds", "policy_rate": "policy rate",
            "bond_yield": "bond yield"}
    rows = records(df, cols, scale={"policy_rate": 100.0, "bond_yield": 100.0})
    return figure([
        line_panel(rows, ["taxes", "benefits", "purchases", "deficit"], "Government flows", "currency/tick",
                   marks=marks),
        line_panel(rows, ["public debt", "central bank's bonds"],
                   "Bonds outstanding and held by the central bank", "currency", height=90, marks=marks),
        line_panel(rows, ["policy rate", "bond yield"], "Policy rate and bond yield", "% per year", height=70,
                   marks=marks),
    ], rows)


def _number(x: float) -> str:
    if abs(x) < 0.5:
        return "0" if abs(x) < 1e-9 else f"{x:.2f}"
    return f"{x:,.0f}"


def matrix_html(frame: pd.DataFrame, title: str) -> str:
    """Render an accounting matrix (rows x sectors + total) as a compact HTML table."""
    if frame.empty or not len(frame.columns):
        return f"<p>{html.escape(title)}: no data yet (press step or play)</p>"
    head = "".join(f"<th style='padding:2px 6px'>{html.escape(str(c).replace('_', ' '))}</th>"
                   for c in frame.columns)
    body = []
    for name, row in frame.iterrows():
        cells = "".join(
            f"<td style='text-align:right;padding:2px 6px{';font-weight:bold' if col == 'total' else ''}'>"
            f"{_number(float(v))}</td>" for col, v in row.items())
        label = html.escape(str(name))
        body.append(f"<tr><th style='text-align:left;padding:2px 6px'>{label}</th>{cells}</tr>")
    return (f"<div style='overflow-x:auto'><b>{html.escape(title)}</b>"
            f"<table style='border-collapse:collapse;font-size:0.8em'><tr><th></th>{head}</tr>"
            f"{''.join(body)}</table></div>")
