"""WebSocket fan-out: channels, per-client bounded queues, connection limits.

Protocol (docs/api.md): the client sends ``{"action": "subscribe", "channels": [...]}``,
``{"action": "unsubscribe", "channels": [...]}`` or ``{"action": "ping"}``; the server sends

* data: ``{"channel", "tick", "time" (ISO-8601, UTC), "timestamp" (Unix s), "data"}``;
* control: ``{"type": "subscribed" | "unsubscribed" | "pong" | "error" | "dropped", ...}``.

The simulation never waits for a client: each event is serialised once and appended to
each subscriber's bounded queue (``ws_queue_size``); when a queue is full the **oldest**
message is dropped and counted, and the client is told with a ``dropped`` message before
its next data message. A client whose socket accepts nothing for ``ws_send_timeout``
seconds is disconnected (close code 1008). Connections beyond ``max_ws_clients`` in total
or ``max_ws_per_host`` per address are refused before the handshake completes (HTTP 403).
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import time
from collections import Counter, deque
from datetime import datetime, timezone
from typing import Any, Callable, Iterable

from starlette.websockets import WebSocket, WebSocketDisconnect

from arena.api.auth import RateLimiter
from arena.api.settings import ApiSettings

log = logging.getLogger("arena.api")

#: Channels a client can subscribe to; each is the engine event type of the same name.
CHANNELS = (
    "market_tick",
    "psychology_update",
    "inflation_update",
    "scarcity_update",
    "discovery_event",
    "catastrophic_event",
    "alerts",
)
#: Engine event type -> channel, where they differ (both alert events go to ``alerts``;
#: the message's ``data.event`` says which).
EVENT_CHANNEL = {"alert_fired": "alerts", "alert_resolved": "alerts"}
#: Seconds between two warnings about a client's queue dropping messages.
DROP_WARNING_INTERVAL = 10.0
#: Invalid client messages tolerated before the server closes the connection.
MAX_CLIENT_ERRORS = 20


def iso(timestamp: float) -> str:
    """ISO-8601 UTC time of a Unix timestamp (millisecond precision)."""
    return datetime.fromtimestamp(timestamp, timezone.utc).isoformat(timespec="milliseconds")


def jsonable(value: Any) -> Any:
    """Numpy scalars to Python numbers, non-finite floats to None, recursively."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if hasattr(value, "tolist"):  # numpy scalar or array
        return jsonable(value.tolist())
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, int):
        return value
    return str(value)


def dumps(obj: Any) -> str:
    """Compact JSON of a message."""
    return json.dumps(obj, separators=(",", ":"), allow_nan=False)


class Client:
    """One WebSocket connection: its subscriptions and bounded outgoing queue."""

    def __init__(self, ws: WebSocket, host: str, queue_size: int):
        self.ws = ws
        self.host = host
        self.channels: set[str] = set()
        self.queue: deque[tuple[str, float]] = deque(maxlen=queue_size)
        self.dropped = 0
        self.reported = 0
        self.sent = 0
        self.wake = asyncio.Event()
        self.task: asyncio.Task | None = None
        self.kicked = False

    def push(self, text: str, published: float = 0.0) -> bool:
        """Queue a message without waiting; drops (and counts) the oldest when full.

        ``published`` is the time the event was published (0 for replies), for the
        server-side fan-out latency statistics. Returns True if a message was dropped.
        """
        dropped = len(self.queue) == self.queue.maxlen
        if dropped:
            self.dropped += 1
        self.queue.append((text, published))
        self.wake.set()
        return dropped


class Hub:
    """All connected clients and the broadcast of engine events to them."""

    def __init__(self, settings: ApiSettings, rate_limit: int):
        self.settings = settings
        self.rate_limit = rate_limit
        self.clients: set[Client] = set()
        self.per_host: Counter[str] = Counter()
        self.refused = 0
        self.disconnected_slow = 0
        self.messages = 0
        #: messages dropped from full queues since start (clients that left included)
        self.dropped_total = 0
        self._drop_warned: dict[int, float] = {}
        #: seconds from publishing an event to writing it to a subscriber's socket (last 2000)
        self.latency: deque[float] = deque(maxlen=2000)
        #: payload filter of the public feed (outside agents under pseudonyms, see api/audit.py)
        self.public: Callable[[dict], dict] = lambda payload: payload

    def stats(self) -> dict[str, float]:
        """Counters and the fan-out latency (publish -> written to the socket, ms) for the status."""
        lat = sorted(self.latency)
        q = (lambda f: 1000.0 * lat[min(len(lat) - 1, int(f * len(lat)))]) if lat else (lambda f: 0.0)
        return {
            "clients": len(self.clients),
            "refused": self.refused,
            "dropped": sum(c.dropped for c in self.clients),
            "disconnected_slow": self.disconnected_slow,
            "messages": self.messages,
            "fanout_p50_ms": q(0.5),
            "fanout_p99_ms": q(0.99),
        }

    def broadcast(self, events: Iterable, when: float) -> None:
        """Queue every event of a subscribed channel to its subscribers (never blocks)."""
        if not self.clients:
            return
        stamp = iso(when)
        for event in events:
            channel = EVENT_CHANNEL.get(event.type, event.type)
            if channel not in CHANNELS:
                continue
            targets = [c for c in self.clients if channel in c.channels]
            if not targets:
                continue
            data = jsonable(self.public(event.payload))
            if channel != event.type:
                data = {"event": event.type, **data}
            text = dumps({"channel": channel, "tick": event.tick, "time": stamp, "timestamp": when,
                          "data": data})
            for client in targets:
                if client.push(text, when):
                    self.dropped_total += 1
                    self._warn_dropped(client)
            self.messages += len(targets)

    def _warn_dropped(self, client: Client) -> None:
        """WARN that a client's queue drops messages (at most every DROP_WARNING_INTERVAL s per client)."""
        now = time.monotonic()
        if now - self._drop_warned.get(id(client), -math.inf) >= DROP_WARNING_INTERVAL:
            self._drop_warned[id(client)] = now
            log.warning("WebSocket client %s is not keeping up: %d messages dropped from its queue of %d",
                        client.host, client.dropped, client.queue.maxlen,
                        extra={"client": client.host, "dropped": client.dropped})

    async def close_all(self) -> None:
        """Close every connection (server shutdown)."""
        for client in list(self.clients):
            try:
                await asyncio.wait_for(client.ws.close(code=1001), 1.0)
            except Exception:  # noqa: BLE001 - the socket may already be gone
                pass

    async def handle(self, ws: WebSocket, tick: callable) -> None:
        """Serve one connection until it closes (the ``/ws`` endpoint)."""
        settings = self.settings
        host = ws.client.host if ws.client else "unknown"
        if len(self.clients) >= settings.max_ws_clients or self.per_host[host] >= settings.max_ws_per_host:
            self.refused += 1
            log.warning("refused a WebSocket connection from %s: limit of %d connections (%d per address) "
                        "reached", host, settings.max_ws_clients, settings.max_ws_per_host,
                        extra={"client": host})
            await ws.close(code=1013)  # before accept: the handshake is answered with HTTP 403
            return
        await ws.accept()
        client = Client(ws, host, settings.ws_queue_size)
        client.task = asyncio.current_task()
        self.clients.add(client)
        self.per_host[host] += 1
        sender = asyncio.create_task(self._send(client))
        try:
            await self._receive(client, tick)
        except asyncio.CancelledError:
            if not client.kicked:  # server shutdown or the client went away
                raise
            client.task.uncancel()  # cancelled by our own sender: a slow client was dropped
        finally:
            sender.cancel()
            self.clients.discard(client)
            self._drop_warned.pop(id(client), None)
            self.per_host[host] -= 1
            if self.per_host[host] <= 0:
                del self.per_host[host]

    async def _send(self, client: Client) -> None:
        timeout = self.settings.ws_send_timeout
        while True:
            await client.wake.wait()
            client.wake.clear()
            while client.queue:
                published = 0.0
                if client.dropped > client.reported:
                    note = {
                        "type": "dropped",
                        "count": client.dropped - client.reported,
                        "total": client.dropped,
                    }
                    client.reported = client.dropped
                    text = dumps(note)
                else:
                    text, published = client.queue.popleft()
                try:
                    async with asyncio.timeout(timeout):  # no extra task per message, unlike wait_for
                        await client.ws.send_text(text)
                except TimeoutError:
                    self.disconnected_slow += 1
                    log.warning("closing slow WebSocket client %s after %s s", client.host, timeout)
                    client.kicked = True
                    await self._close(client.ws, 1008, "too slow")
                    client.task.cancel()
                    return
                except Exception:  # noqa: BLE001 - the connection is gone; the receiver ends it
                    return
                client.sent += 1
                if published:
                    self.latency.append(time.time() - published)

    async def _receive(self, client: Client, tick: callable) -> None:
        limiter = RateLimiter(self.rate_limit, max_keys=1)
        errors = 0
        ws = client.ws
        while True:
            try:
                message = await ws.receive()
            except (WebSocketDisconnect, RuntimeError):
                return
            if message["type"] == "websocket.disconnect":
                return
            raw = message.get("text")
            if raw is None:
                raw = (message.get("bytes") or b"").decode("utf-8", "replace")
            if len(raw) > self.settings.ws_max_message:
                await self._close(ws, 1009, f"message larger than {self.settings.ws_max_message} bytes")
                return
            if not limiter.allow("ws")[0]:
                await self._close(ws, 1008, f"more than rate_limit={self.rate_limit} messages per minute")
                return
            reply = self.handle_message(client, raw, tick())
            client.push(dumps(reply))
            if reply["type"] == "error":
                errors += 1
                if errors >= MAX_CLIENT_ERRORS:
                    await self._close(ws, 1008, "too many invalid messages")
                    return

    @staticmethod
    async def _close(ws: WebSocket, code: int, reason: str) -> None:
        try:
            await asyncio.wait_for(ws.close(code=code, reason=reason), 1.0)
        except Exception:  # noqa: BLE001
            pass

    @staticmethod
    def handle_message(client: Client, raw: str, tick: int) -> dict[str, Any]:
        """Apply a subscribe/unsubscribe/ping message; return the reply (never raises)."""
        now = time.time()

        def error(field: str, text: str) -> dict[str, Any]:
            return {"type": "error", "field": field, "error": text, "tick": tick, "time": iso(now)}

        try:
            msg = json.loads(raw)
        except ValueError as exc:
            return error("message", f"message must be a JSON object: {exc}")
        if not isinstance(msg, dict):
            return error("message", f"message must be a JSON object. Got {type(msg).__name__}.")
        action = msg.get("action")
        if action == "ping":
            return {"type": "pong", "tick": tick, "time": iso(now), "timestamp": now}
        if action not in ("subscribe", "unsubscribe"):
            return error("action", f"'action' must be 'subscribe', 'unsubscribe' or 'ping'. Got {action!r}.")
        channels = msg.get("channels")
        if isinstance(channels, str):
            channels = [channels]
        if (
            not isinstance(channels, list)
            or not channels
            or len(channels) > len(CHANNELS)
            or not all(isinstance(c, str) for c in channels)
        ):
            return error(
                "channels",
                f"'channels' must be a non-empty list of at most {len(CHANNELS)} names "
                f"from {', '.join(CHANNELS)}. Got {str(channels)[:200]}.",
            )
        unknown = [c for c in channels if c not in CHANNELS]
        if unknown:
            return error(
                "channels", f"unknown channel(s) {str(unknown)[:200]}; channels: {', '.join(CHANNELS)}"
            )
        if action == "subscribe":
            client.channels.update(channels)
        else:
            client.channels.difference_update(channels)
        return {"type": action + "d", "channels": sorted(client.channels), "tick": tick, "time": iso(now)}
