"""The event log: typed events, bounded history, update vs notable events, subscribe/unsubscribe."""

from __future__ import annotations

import pandas as pd
import pytest

from arena import ArenaModel
from arena.events import EVENT_TYPES, UPDATE_TYPES, Event, EventLog


def test_log_is_bounded_by_its_limit_and_drops_the_oldest():
    log = EventLog(10)
    for i in range(25):
        log.emit(i, "shock", kind="panic", size=0.1, n=i)
    assert len(log) == 10
    assert log.dropped == 15
    assert [e.payload["n"] for e in log] == list(range(15, 25))
    frame = log.to_frame()
    assert len(frame) == 10 and frame["tick"].tolist() == list(range(15, 25))


def test_update_events_are_published_but_not_stored():
    log = EventLog(10)
    seen = []
    log.subscribe(seen.append)
    for t in UPDATE_TYPES:
        log.emit(1, t, price=1.0)
    assert len(log) == 0 and log.dropped == 0
    assert sorted(e.type for e in seen) == sorted(UPDATE_TYPES)


def test_unknown_event_type_is_refused():
    log = EventLog(10)
    with pytest.raises(ValueError, match="unknown event type 'meltdown'"):
        log.emit(1, "meltdown")
    assert len(log) == 0


def test_subscribe_and_unsubscribe():
    log = EventLog(100)
    a, b = [], []
    unsub_a = log.subscribe(a.append)
    unsub_b = log.subscribe(b.append)
    first = log.emit(1, "herding", level=0.8)
    assert a == [first] and b == [first]
    unsub_a()
    second = log.emit(2, "panic", level=0.9)
    assert a == [first] and b == [first, second]
    unsub_a()  # unsubscribing twice is harmless
    unsub_b()
    log.emit(3, "euphoria", level=0.75)
    assert len(a) == 1 and len(b) == 2
    assert len(log) == 3  # storing does not depend on subscribers


def test_a_subscriber_may_unsubscribe_itself_during_delivery():
    log = EventLog(100)
    received = []
    holder = {}

    def once(event):
        received.append(event)
        holder["unsub"]()

    holder["unsub"] = log.subscribe(once)
    other = []
    log.subscribe(other.append)
    log.emit(1, "shock", kind="rate", size=0.01)
    log.emit(2, "shock", kind="rate", size=0.01)
    assert len(received) == 1 and len(other) == 2


def test_event_to_dict_and_frame_filters():
    event = Event(4, "discovery_event", {"resource": "oil", "size": 0.2})
    assert event.to_dict() == {"tick": 4, "type": "discovery_event", "resource": "oil", "size": 0.2}
    log = EventLog(100)
    log.emit(1, "discovery_event", resource="oil", size=0.2)
    log.emit(2, "catastrophic_event", resource="water", size=0.3)
    log.emit(3, "discovery_event", resource="ip", size=0.1)
    df = log.to_frame("discovery_event")
    assert df["resource"].tolist() == ["oil", "ip"]
    assert log.to_frame(since=2)["tick"].tolist() == [2, 3]
    assert log.to_frame("discovery_event", since=2)["resource"].tolist() == ["ip"]
    empty = log.to_frame("panic")
    assert empty.empty and list(empty.columns) == ["tick", "type"]
    assert empty["tick"].dtype == "int64"


def test_every_event_type_is_documented():
    assert UPDATE_TYPES <= set(EVENT_TYPES)
    for etype, meaning in EVENT_TYPES.items():
        assert meaning and etype == etype.lower()
    for channel in ("market_tick", "psychology_update", "inflation_update", "scarcity_update",
                    "discovery_event", "catastrophic_event"):
        assert channel in EVENT_TYPES  # the WebSocket channels of the specification


def test_model_event_log_is_bounded_by_history_limit():
    model = ArenaModel(n_agents=300, seed=1, history_limit=10)
    for _ in range(25):
        model.apply_shock("rate", 0.001)
    assert len(model.event_log) == 10
    assert len(model.events()) == 10
    assert model.event_log.dropped == 15
    for _ in range(3):
        model.step()
    assert len(model.events()) <= 10


def test_model_publishes_updates_every_tick_and_events_carry_the_tick():
    model = ArenaModel(n_agents=300, seed=2)
    seen = []
    unsubscribe = model.event_log.subscribe(seen.append)
    for _ in range(4):
        model.step()
    updates = [e for e in seen if e.type in UPDATE_TYPES]
    assert len(updates) == 4 * len(UPDATE_TYPES)
    assert sorted({e.tick for e in updates}) == [1, 2, 3, 4]
    tick_event = [e for e in updates if e.type == "market_tick"][-1]
    assert tick_event.payload["equity"]["price"] == pytest.approx(model.prices["equity"])
    model.apply_shock("panic", 0.5)
    shock = seen[-1]
    assert (shock.type, shock.tick, shock.payload) == ("shock", 4, {"kind": "panic", "size": 0.5})
    unsubscribe()
    n = len(seen)
    model.step()
    assert len(seen) == n
    stored = model.events()
    assert isinstance(stored, pd.DataFrame) and "shock" in set(stored["type"])
    assert not set(stored["type"]) & UPDATE_TYPES
