"""The stylized-facts table as Markdown (docs/validation.md, ``arena validate``) and as text."""

from __future__ import annotations

import math

import pandas as pd


def _num(value) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float) and math.isinf(value):
        return "-inf" if value < 0 else "inf"
    if isinstance(value, float):
        return f"{value:.3g}"
    return str(value)


def _range(low, high) -> str:
    return f"[{_num(low)}, {_num(high)}]"


def markdown_table(table: pd.DataFrame) -> str:
    """Markdown rows: fact, model median [min, max], data, acceptable range, S&P 500, status, source."""
    lines = ["| group | fact | model median [min, max] | data | range (rule) | S&P 500 | status | source |",
             "|---|---|---|---|---|---|---|---|"]
    for row in table.itertuples(index=False):
        model = f"{_num(row.model)} {_range(row.model_min, row.model_max)}" if _num(row.model) else ""
        status = row.status if row.status in ("pass", "fail") else f"_{row.status}_"
        status = f"**{status}**" if status == "fail" else status
        note = f" ({row.note})" if isinstance(row.note, str) and row.note else ""
        lines.append(f"| {row.group} | {row.label}{note} | {model} | {_num(row.data)} | "
                     f"{_range(row.low, row.high)} ({row.rule}) | {_num(row.out_of_sample)} | {status} | "
                     f"{row.source} |")
    return "\n".join(lines) + "\n"


def text_table(table: pd.DataFrame) -> str:
    """Format the table as compact plain text table for the terminal."""
    shown = pd.DataFrame({
        "fact": table["fact"],
        "model": [_num(v) for v in table["model"]],
        "seeds [min, max]": [_range(a, b) if _num(a) else ""
                             for a, b in zip(table["model_min"], table["model_max"], strict=True)],
        "data": [_num(v) for v in table["data"]],
        "range": [_range(a, b) for a, b in zip(table["low"], table["high"], strict=True)],
        "status": table["status"],
    })
    return shown.to_string(index=False)


def summary(table: pd.DataFrame) -> str:
    """One line: how many facts pass, fail, or are not available."""
    status = table["status"].where(table["status"].isin(["pass", "fail"]), "not available")
    counts = status.value_counts()
    return (f"{counts.get('pass', 0)} pass, {counts.get('fail', 0)} fail, "
            f"{counts.get('not available', 0)} not available (of {len(table)} facts)")
