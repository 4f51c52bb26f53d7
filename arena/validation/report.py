"""The stylized-facts table as Markdown (docs/validation.md, ``arena validate``) and as text."""

from __future__ import annotations

import math

import pandas as pd


def fmt_number(value) -> str:
    """Format a table number: 3 significant digits, "" for missing, "inf"/"-inf"."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float) and math.isinf(value):
        return "-inf" if value < 0 else "inf"
    if isinstance(value, float):
        return f"{value:.3g}"
    return str(value)


def fmt_range(low, high) -> str:
    """Format an interval ``[low, high]``."""
    return f"[{fmt_number(low)}, {fmt_number(high)}]"


def escape(text: str) -> str:
    """Escape the pipes of a Markdown table cell with a backslash each (``|r|`` stays readable)."""
    return str(text).replace("|", "\\|")


def split_row(line: str) -> list[str]:
    """Cells of a Markdown table row written by :func:`markdown_table` (escaped pipes restored)."""
    import re

    return [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", line.strip().strip("|"))]


def markdown_table(table: pd.DataFrame) -> str:
    """Markdown rows: fact, model median [min, max], data, acceptable range, S&P 500, status, source."""
    lines = ["| group | fact | model median [min, max] | data | range (rule) | S&P 500 | status | source |",
             "|---|---|---|---|---|---|---|---|"]
    for row in table.itertuples(index=False):
        model = fmt_number(row.model)
        model = f"{model} {fmt_range(row.model_min, row.model_max)}" if model else ""
        status = row.status if row.status in ("pass", "fail") else f"_{row.status}_"
        status = f"**{status}**" if status == "fail" else status
        note = f" ({row.note})" if isinstance(row.note, str) and row.note else ""
        label = escape(f"{row.label}{note}")
        lines.append(f"| {row.group} | {label} | {model} | {fmt_number(row.data)} | "
                     f"{fmt_range(row.low, row.high)} ({row.rule}) | {fmt_number(row.out_of_sample)} | "
                     f"{escape(status)} | {escape(row.source)} |")
    return "\n".join(lines) + "\n"


def text_table(table: pd.DataFrame) -> str:
    """Format the table as compact plain text table for the terminal."""
    shown = pd.DataFrame({
        "fact": table["fact"],
        "model": [fmt_number(v) for v in table["model"]],
        "seeds [min, max]": [fmt_range(a, b) if fmt_number(a) else ""
                             for a, b in zip(table["model_min"], table["model_max"], strict=True)],
        "data": [fmt_number(v) for v in table["data"]],
        "range": [fmt_range(a, b) for a, b in zip(table["low"], table["high"], strict=True)],
        "status": table["status"],
    })
    return shown.to_string(index=False)


def summary(table: pd.DataFrame) -> str:
    """One line: how many facts pass, fail, or are not available."""
    status = table["status"].where(table["status"].isin(["pass", "fail"]), "not available")
    counts = status.value_counts()
    return (f"{counts.get('pass', 0)} pass, {counts.get('fail', 0)} fail, "
            f"{counts.get('not available', 0)} not available (of {len(table)} facts)")
