"""Event feed and export helpers: pure functions over the engine's tables (no Solara)."""

from __future__ import annotations

import html
import io
import math
from typing import Any

import pandas as pd

#: Event type -> (label, colour) for the feed. Unknown types are shown with their raw name.
LABELS: dict[str, tuple[str, str]] = {
    "shock": ("Shock", "black"),
    "discovery_event": ("Discovery", "green"),
    "catastrophic_event": ("Catastrophe", "red"),
    "critical_scarcity": ("Critical scarcity", "darkred"),
    "panic": ("Panic", "purple"),
    "euphoria": ("Euphoria", "darkorange"),
    "herding": ("Herding", "slateblue"),
    "monetary_tightening": ("Intervention: tightening", "saddlebrown"),
    "tightening_ended": ("Intervention: tightening ended", "saddlebrown"),
    "quantitative_easing": ("Intervention: QE", "teal"),
    "qe_ended": ("Intervention: QE ended", "teal"),
    "price_limit_hit": ("Price limit hit", "grey"),
    "agent_registered": ("Agent registered", "grey"),
    "agent_unregistered": ("Agent removed", "grey"),
    "alert_fired": ("Alert", "crimson"),
    "alert_resolved": ("Alert resolved", "seagreen"),
}
#: Payload keys shown first, when present.
_FIRST = ("alert", "subject", "kind", "size", "resource", "market", "amount", "value", "level", "rate")


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def describe_event(row: dict[str, Any]) -> tuple[str, str, str]:
    """Return ``(label, details, colour)`` for one event row (tick, type, payload...)."""
    kind = str(row.get("type", "?"))
    label, colour = LABELS.get(kind, (kind.replace("_", " ").capitalize(), "grey"))
    payload = {k: v for k, v in row.items() if k not in ("tick", "type", "time")}
    payload = {k: v for k, v in payload.items()
               if v is not None and v != "" and not (isinstance(v, float) and math.isnan(v))}
    if isinstance(payload.get("payload"), dict):  # a single dict column
        payload = {**payload.pop("payload"), **payload}
    keys = [k for k in _FIRST if k in payload] + sorted(k for k in payload if k not in _FIRST)
    details = ", ".join(f"{k}={_fmt(payload[k])}" for k in keys[:6])
    if kind == "shock" and "kind" in payload:
        label = f"Shock: {payload['kind']}"
    return label, details, colour


def feed_rows(events: pd.DataFrame, limit: int = 30) -> list[dict[str, Any]]:
    """Return the newest ``limit`` events, newest first, as dicts with tick/label/details/colour."""
    if events is None or events.empty:
        return []
    rows = []
    for row in events.tail(limit).iloc[::-1].to_dict("records"):
        label, details, colour = describe_event(row)
        rows.append({"tick": int(row.get("tick", 0)), "type": row.get("type"), "label": label,
                     "details": details, "colour": colour})
    return rows


def indicators_csv(df: pd.DataFrame) -> bytes:
    """Return the indicator table as CSV bytes (no index column)."""
    return df.to_csv(index=False).encode()


def indicators_parquet(df: pd.DataFrame) -> bytes:
    """Return the indicator table as Parquet bytes (pyarrow)."""
    buf = io.BytesIO()
    df.reset_index(drop=True).to_parquet(buf, index=False)
    return buf.getvalue()


def feed_html(rows: list[dict[str, Any]]) -> str:
    """Return the feed rows as escaped HTML, one line per event."""
    if not rows:
        return "<div style='color:#888'>no events yet</div>"
    lines = [
        f"<div><span style='color:{html.escape(r['colour'])}'><b>t={r['tick']}</b> "
        f"{html.escape(r['label'])}</span> "
        f"<span style='color:#666;font-size:0.85em'>{html.escape(r['details'])}</span></div>"
        for r in rows
    ]
    return "\n".join(lines)
