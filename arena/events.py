"""Typed events, the bounded event log and its subscribers.

Two kinds of event types exist:

* **notable events** (discoveries, catastrophes, interventions, panics, shocks, price
  limits, herding...) are stored in the log, bounded to ``history_limit`` entries, and
  streamed to subscribers;
* **update events** (``market_tick``, ``psychology_update``, ``inflation_update``,
  ``scarcity_update``) are emitted every tick for live clients. They repeat the indicator
  table, so they are streamed but not stored (the DataCollector keeps that history).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any, Callable

import pandas as pd

#: Event types streamed every tick and not stored in the log.
UPDATE_TYPES = frozenset({"market_tick", "psychology_update", "inflation_update", "scarcity_update"})

#: Every event type the engine emits, with its meaning (documented in docs/model.md).
EVENT_TYPES: dict[str, str] = {
    "market_tick": "prices, spreads and volumes of every market after clearing (each tick)",
    "psychology_update": "sentiment, fear, greed, herding, confidence, volatility multiplier (each tick)",
    "inflation_update": "CPI, inflation, expected inflation, policy rate, money (each tick)",
    "scarcity_update": "reserves, scarcity and price multiplier per resource (each tick)",
    "price_limit_hit": "a clearing price was capped by max_price_change",
    "herding": "herding factor rose above herding_threshold",
    "panic": "fear index rose above panic_threshold",
    "euphoria": "greed index rose above euphoria_threshold",
    "monetary_tightening": "inflation rose above tightening_threshold: rate up, money growth down",
    "tightening_ended": "inflation fell back: automatic tightening ended",
    "quantitative_easing": "inflation fell below deflation_threshold: central bank buys assets",
    "qe_ended": "deflation risk passed: quantitative easing ended",
    "discovery_event": "new reserves of a resource were found",
    "catastrophic_event": "reserves destroyed and extraction blocked for a while",
    "critical_scarcity": "a resource's scarcity rose above critical_scarcity",
    "shock": "an external shock was applied (scenario, dashboard, API)",
    "agent_registered": "an outside agent opened an account",
    "agent_unregistered": "an outside agent was settled and removed",
    "alert_fired": "an alert rule fired (arena.alerts): alert, subject, severity, metric, value, threshold",
    "alert_resolved": "an active alert cleared past its hysteresis level: alert, subject, value, duration",
    "firm_default": (
        "firms could not pay wages or debt service, or had negative net worth: workers laid off, "
        "stock written off"
    ),
    "bank_failure": "banks with negative equity resolved: owners bailed in, central bank recapitalises",
    "firm_entry": "dead firm slots re-entered, recapitalised by the shareholders",
}


@dataclass(frozen=True)
class Event:
    """One event.

    Attributes
    ----------
    tick : int
        Tick at which it happened (>= 0).
    type : str
        One of :data:`EVENT_TYPES`.
    payload : dict
        Event data (JSON-serialisable scalars and small dicts).
    """

    tick: int
    type: str
    payload: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Return ``{"tick", "type", **payload}``."""
        return {"tick": self.tick, "type": self.type, **self.payload}


class EventLog:
    """Bounded log of notable events plus a publish/subscribe hook.

    Parameters
    ----------
    limit : int
        Maximum number of stored events (``history_limit``); older ones are dropped.
    """

    def __init__(self, limit: int):
        self._events: deque[Event] = deque(maxlen=limit)
        self._subscribers: list[Callable[[Event], None]] = []
        self.dropped = 0

    def emit(self, tick: int, type: str, **payload: Any) -> Event:
        """Record (unless an update type) and publish an event."""
        if type not in EVENT_TYPES:
            raise ValueError(f"unknown event type {type!r}; known types: {', '.join(EVENT_TYPES)}")
        event = Event(int(tick), type, payload)
        if type not in UPDATE_TYPES:
            if len(self._events) == self._events.maxlen:
                self.dropped += 1
            self._events.append(event)
        for callback in list(self._subscribers):
            callback(event)
        return event

    def subscribe(self, callback: Callable[[Event], None]) -> Callable[[], None]:
        """Call ``callback(event)`` for every future event; returns an unsubscribe function."""
        self._subscribers.append(callback)

        def unsubscribe() -> None:
            if callback in self._subscribers:
                self._subscribers.remove(callback)

        return unsubscribe

    def __len__(self) -> int:
        return len(self._events)

    def __iter__(self):
        return iter(self._events)

    def to_frame(self, type: str | None = None, since: int | None = None) -> pd.DataFrame:
        """Return stored events as a DataFrame (columns tick, type, payload keys...).

        Parameters
        ----------
        type : str, optional
            Keep only this event type.
        since : int, optional
            Keep only events at or after this tick.
        """
        rows = [
            e.to_dict()
            for e in self._events
            if (type is None or e.type == type) and (since is None or e.tick >= since)
        ]
        if not rows:
            return pd.DataFrame({"tick": pd.Series(dtype="int64"), "type": pd.Series(dtype="object")})
        return pd.DataFrame(rows)
