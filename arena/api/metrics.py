"""Prometheus metrics of one API app (prometheus-client, one registry per app).

Per tick the server pays one histogram observation and two counter increments
(:meth:`Metrics.observe_tick`); per request one histogram observation and one counter
increment (:class:`MetricsMiddleware`). Everything that is a level (households, outside
agents, WebSocket connections, process CPU and memory, the economic gauges, active alerts)
is read from the latest snapshot when Prometheus scrapes ``GET /metrics``
(:class:`StateCollector`), so it costs nothing between scrapes. Labels are bounded: route
templates (not paths), HTTP status codes, resource names, alert rule names and severities;
never agent ids. Every metric is listed in :data:`METRICS` and documented in docs/api.md.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Iterable

from prometheus_client import CollectorRegistry, Counter, Histogram, disable_created_metrics, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from arena.scarcity import RESOURCE_NAMES

if TYPE_CHECKING:  # pragma: no cover
    from arena.api.deps import Context

#: Every metric family exposed by ``/metrics`` (name as parsed by prometheus_client, type, help).
METRICS: dict[str, tuple[str, str]] = {
    "arena_tick_duration_seconds": ("histogram", "wall time of one model tick"),
    "arena_ticks": ("counter", "ticks completed by this server since start (resets included)"),
    "arena_slow_ticks": ("counter", "ticks that took longer than tick_rate"),
    "arena_tick": ("gauge", "ticks completed by the current model"),
    "arena_tick_rate_seconds": ("gauge", "configured real-time pace (tick_rate)"),
    "arena_running": ("gauge", "1 while the clock runs, 0 when paused"),
    "arena_households": ("gauge", "simulated households (n_agents)"),
    "arena_outside_agents": ("gauge", "registered outside (API) agents"),
    "arena_agent_registrations": ("counter", "outside agents registered"),
    "arena_agent_unregistrations": ("counter", "outside agents unregistered"),
    "arena_orders": ("counter", "order actions accepted, by action (place, cancel)"),
    "arena_orders_rejected": ("counter", "order actions refused (400), by action"),
    "arena_http_requests": ("counter", "REST requests by method, route template and status"),
    "arena_http_request_duration_seconds": ("histogram", "REST latency by method and route template"),
    "arena_websocket_connections": ("gauge", "open WebSocket connections"),
    "arena_websocket_refused": ("counter", "WebSocket connections refused by the limits"),
    "arena_websocket_messages": ("counter", "data messages queued to WebSocket clients"),
    "arena_websocket_dropped_messages": ("counter", "messages dropped from full client queues"),
    "arena_websocket_slow_disconnects": ("counter", "clients disconnected for not reading"),
    "arena_process_cpu_percent": ("gauge", "this process's CPU use, % of one core (psutil)"),
    "arena_process_resident_memory_bytes": ("gauge", "this process's RSS (psutil)"),
    "arena_machine_cpu_percent": ("gauge", "machine CPU utilisation, % of all cores (psutil)"),
    "arena_machine_memory_percent": ("gauge", "machine memory in use, % (psutil)"),
    "arena_inflation": ("gauge", "annualised CPI inflation (indicator inflation)"),
    "arena_unemployment": ("gauge", "unemployment rate (indicator unemployment)"),
    "arena_realized_volatility": ("gauge", "realised equity volatility per tick (indicator)"),
    "arena_fear": ("gauge", "fear index in [0, 1]"),
    "arena_greed": ("gauge", "greed index in [0, 1]"),
    "arena_scarcity": ("gauge", "scarcity level in [0, 1] by resource"),
    "arena_alerts_active": ("gauge", "active alerts by rule and severity"),
    "arena_alerts_fired": ("counter", "alerts fired by rule and severity"),
}

# ``*_created`` series (a timestamp per counter) double the output and no dashboard reads them
disable_created_metrics()

TICK_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
HTTP_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
#: Economic gauges read from the snapshot: metric name -> indicator column.
ECONOMIC = {"arena_inflation": "inflation", "arena_unemployment": "unemployment",
            "arena_realized_volatility": "realized_volatility", "arena_fear": "fear", "arena_greed": "greed"}
ACTIONS = ("place", "cancel")


class Metrics:
    """The registry of one app and the metrics updated as things happen."""

    def __init__(self):
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.tick_seconds = Histogram("arena_tick_duration_seconds",
                                      METRICS["arena_tick_duration_seconds"][1], buckets=TICK_BUCKETS,
                                      registry=r)
        self.ticks = Counter("arena_ticks", METRICS["arena_ticks"][1], registry=r)
        self.slow_ticks = Counter("arena_slow_ticks", METRICS["arena_slow_ticks"][1], registry=r)
        self.registrations = Counter("arena_agent_registrations", METRICS["arena_agent_registrations"][1],
                                     registry=r)
        self.unregistrations = Counter("arena_agent_unregistrations",
                                       METRICS["arena_agent_unregistrations"][1], registry=r)
        self.orders = Counter("arena_orders", METRICS["arena_orders"][1], ["action"], registry=r)
        self.rejected = Counter("arena_orders_rejected", METRICS["arena_orders_rejected"][1], ["action"],
                                registry=r)
        self.alerts_fired = Counter("arena_alerts_fired", METRICS["arena_alerts_fired"][1],
                                    ["alert", "severity"], registry=r)
        for action in ACTIONS:  # exported at 0 from the start
            self.orders.labels(action)
            self.rejected.labels(action)
        self.requests = Counter("arena_http_requests", METRICS["arena_http_requests"][1],
                                ["method", "route", "status"], registry=r)
        self.latency = Histogram("arena_http_request_duration_seconds",
                                 METRICS["arena_http_request_duration_seconds"][1], ["method", "route"],
                                 buckets=HTTP_BUCKETS, registry=r)

    def observe_tick(self, seconds: float, slow: bool) -> None:
        """Record one tick's duration."""
        self.tick_seconds.observe(seconds)
        self.ticks.inc()
        if slow:
            self.slow_ticks.inc()

    def on_events(self, events: Iterable, when: float = 0.0) -> None:
        """Count registrations and unregistrations among published events (a Simulation listener)."""
        for event in events:
            if event.type == "agent_registered":
                self.registrations.inc()
            elif event.type == "agent_unregistered":
                self.unregistrations.inc()
            elif event.type == "alert_fired":
                self.alerts_fired.labels(event.payload["alert"], event.payload["severity"]).inc()

    def order(self, action: str, accepted: bool) -> None:
        """Count an order action of an outside agent."""
        (self.orders if accepted else self.rejected).labels(action if action in ACTIONS else "other").inc()

    def attach(self, ctx: "Context") -> None:
        """Register the scrape-time collector of the app's state."""
        self.registry.register(StateCollector(ctx))

    def exposition(self) -> bytes:
        """Return every metric in the text exposition format."""
        return generate_latest(self.registry)


class StateCollector(Collector):
    """Levels read from the latest snapshot, the hub and psutil when Prometheus scrapes."""

    def __init__(self, ctx: "Context"):
        self.ctx = ctx

    def describe(self):
        """No fixed description: the families are produced at collect time."""
        return []

    def collect(self):
        """Yield the gauge and counter families of the app's current state."""
        ctx = self.ctx
        sim, hub = ctx.sim, ctx.hub
        snap = sim.snapshot

        def family(kind, name: str, value: float, labels=None, rows=()):
            fam = kind(name, METRICS[name][1], labels=labels)
            if labels is None:
                fam.add_metric([], float(value))
            for values, v in rows:
                fam.add_metric(values, float(v))
            return fam

        def gauge(name: str, value: float, labels=None, rows=()):
            return family(GaugeMetricFamily, name, value, labels, rows)

        def counter(name: str, value: float, labels=None, rows=()):
            return family(CounterMetricFamily, name, value, labels, rows)

        yield gauge("arena_tick", snap.tick)
        yield gauge("arena_tick_rate_seconds", sim.config.tick_rate / 1000.0)
        yield gauge("arena_running", 1.0 if sim.running else 0.0)
        yield gauge("arena_households", snap.n_agents)
        yield gauge("arena_outside_agents", snap.outside_agents)
        yield gauge("arena_websocket_connections", len(hub.clients))
        yield counter("arena_websocket_refused", hub.refused)
        yield counter("arena_websocket_messages", hub.messages)
        yield counter("arena_websocket_dropped_messages", hub.dropped_total)
        yield counter("arena_websocket_slow_disconnects", hub.disconnected_slow)
        health, _ = sim.health.sample()
        yield gauge("arena_process_cpu_percent", health["process_cpu_percent"])
        yield gauge("arena_process_resident_memory_bytes", health["process_rss_bytes"])
        yield gauge("arena_machine_cpu_percent", health["cpu_percent"])
        yield gauge("arena_machine_memory_percent", health["memory_percent"])
        cur = snap.current
        for name, column in ECONOMIC.items():
            value = cur.get(column)
            if value is not None:
                yield gauge(name, value)
        yield gauge("arena_scarcity", 0, ["resource"],
                    [([r], cur[f"scarcity_{r}"]) for r in RESOURCE_NAMES if f"scarcity_{r}" in cur])
        active = {(rule.name, rule.severity): 0 for rule in sim.model.alert_monitor.rules.values()}
        for alert in snap.alerts:
            key = (alert["alert"], alert["severity"])
            active[key] = active.get(key, 0) + 1
        yield gauge("arena_alerts_active", 0, ["alert", "severity"],
                    [(list(k), v) for k, v in active.items()])


class MetricsMiddleware:
    """ASGI middleware: count REST requests and time them by route template and status."""

    def __init__(self, app, metrics: Metrics):
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope, receive, send):
        """Pass the request on; record its status and latency when the response starts."""
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        start = time.perf_counter()
        status = {"code": 500}

        async def send_wrapper(message):
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            method = scope.get("method", "GET")
            if method not in ("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"):
                method = "other"
            self.metrics.requests.labels(method, template, str(status["code"])).inc()
            self.metrics.latency.labels(method, template).observe(time.perf_counter() - start)

