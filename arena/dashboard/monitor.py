"""Alerts strip and system panel: pure helpers over the session's alerts and health (no Solara)."""

from __future__ import annotations

import html
from typing import Any, Mapping, Sequence

#: Severity -> (background, text) colours of an alert chip.
SEVERITY_COLOURS = {"critical": ("#c62828", "white"), "warning": ("#f9a825", "black"),
                    "info": ("#1565c0", "white")}


def alert_label(alert: Mapping[str, Any]) -> str:
    """``"panic"`` or ``"critical_scarcity (oil)"``."""
    return alert["alert"] + (f" ({alert['subject']})" if alert.get("subject") else "")


def alerts_html(active: Sequence[Mapping[str, Any]], tick: int) -> str:
    """One coloured chip per active alert (most severe first), or a quiet 'no active alerts'."""
    if not active:
        return '<span style="color: seagreen">no active alerts</span>'
    chips = []
    for alert in active:
        bg, fg = SEVERITY_COLOURS.get(alert["severity"], ("grey", "white"))
        since = tick - int(alert["fired_tick"])
        title = html.escape(str(alert.get("message", "")))
        chips.append(
            f'<span class="arena-alert arena-alert-{html.escape(alert["severity"])}" title="{title}" '
            f'style="background:{bg};color:{fg};padding:2px 10px;border-radius:12px;margin-right:6px;'
            f'font-size:0.9em">{html.escape(alert["severity"].upper())}: {html.escape(alert_label(alert))}'
            f' = {float(alert["value"]):.3g}, {since} ticks</span>')
    return "".join(chips)


def system_rows(system: Mapping[str, float], tick_rate_ms: float) -> list[tuple[str, str]]:
    """Rows of the system panel: (label, value) with units."""
    tick_ms = system.get("tick_ms", 0.0)
    pace = f" (over tick_rate {tick_rate_ms:g} ms)" if tick_ms > tick_rate_ms else ""
    return [
        ("Tick time", f"{tick_ms:.1f} ms{pace}"),
        ("Process memory", f"{system.get('process_rss_bytes', 0.0) / 2**20:,.0f} MB"),
        ("Machine memory", f"{system.get('memory_percent', 0.0):.0f}%"),
        ("Machine CPU", f"{system.get('cpu_percent', 0.0):.0f}%"),
    ]
