"""The model inside the server: one lock, a background tick loop, snapshots and a cache.

The engine is not thread-safe, so every tick and every mutation (register, orders,
shocks, reset, scenario) runs under one :class:`asyncio.Lock`. A tick runs in a worker
thread (``asyncio.to_thread``) so the event loop keeps answering reads meanwhile; reads
of the latest state come from an immutable :class:`Snapshot` taken after each tick and
each mutation, and reads of history, events, books and accounts take the lock briefly.
``version`` grows with every change and keys the response cache.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from bisect import bisect_left, bisect_right
from collections import OrderedDict, defaultdict, deque
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from arena.config import ArenaConfig
from arena.errors import ScenarioError
from arena.health import HealthSampler
from arena.model import ArenaModel

log = logging.getLogger("arena.api")


@dataclass(frozen=True)
class Snapshot:
    """Latest state, safe to read from any task: ``current`` indicators and market stats."""

    tick: int
    time: float
    current: Mapping[str, float]
    markets: Mapping[str, Mapping[str, float]]
    books: Mapping[str, Any]
    n_agents: int
    outside_agents: int
    alerts: tuple = ()
    banks: tuple = ()  # one dict per bank (model.banks_frame() rows)
    firms: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ScheduledShock:
    """A scenario shock: applied when the model has completed ``tick`` ticks."""

    tick: int
    kind: str
    size: float
    target: Mapping[str, Any]


def scenario_parts(scenario: Any, **overrides: Any) -> tuple[ArenaConfig, list[ScheduledShock]]:
    """Config (with ``overrides``) and shock schedule of a loaded :class:`arena.scenarios.Scenario`.

    Also accepts any object or mapping with ``config`` (an :class:`ArenaConfig` or a mapping
    of parameters) and ``shocks`` (objects or mappings with ``tick``, ``kind``, ``size`` and
    either a ``target`` mapping or the target keywords themselves).
    """
    get = scenario.get if isinstance(scenario, Mapping) else (lambda key: getattr(scenario, key, None))
    config = get("config")
    if isinstance(config, ArenaConfig):
        config = config.replace(**overrides) if overrides else config
    else:
        config = ArenaConfig.from_dict({**dict(config or {}), **overrides})
    shocks = []
    for item in get("shocks") or ():
        data = dict(item) if isinstance(item, Mapping) else dict(vars(item))
        tick, kind, size = int(data.pop("tick")), str(data.pop("kind")), float(data.pop("size"))
        if "target" in data:
            target = dict(data["target"] or {})
        else:
            target = {k: v for k, v in data.items() if k not in ("note", "description") and v is not None}
        shocks.append(ScheduledShock(tick, kind, size, target))
    return config, shocks


class ResponseCache:
    """Serialised responses keyed by request, valid for one model version and ``expiry_ms``."""

    def __init__(self, expiry_ms: int, entries: int):
        self.expiry = expiry_ms / 1000.0
        self.entries = entries
        self._data: OrderedDict[str, tuple[int, float, bytes]] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def get(self, key: str, version: int) -> bytes | None:
        """Return the cached body if it was built at ``version`` less than ``expiry`` ago."""
        item = self._data.get(key)
        if item is None or item[0] != version or time.monotonic() - item[1] > self.expiry:
            self.misses += 1
            return None
        self._data.move_to_end(key)
        self.hits += 1
        return item[2]

    def put(self, key: str, version: int, body: bytes) -> None:
        """Store a body (no-op when caching is disabled)."""
        if self.expiry <= 0:
            return
        self._data[key] = (version, time.monotonic(), body)
        self._data.move_to_end(key)
        while len(self._data) > self.entries:
            self._data.popitem(last=False)


class Simulation:
    """An :class:`ArenaModel` run in real time, with its lock, snapshots and listeners.

    Parameters
    ----------
    config : ArenaConfig
        Engine configuration (``tick_rate`` sets the pace).
    running : bool
        Start ticking as soon as :meth:`run` is started.
    check_accounting : bool
        Passed to the model: verify stock-flow consistency after every tick.
    history_retention : int
        Indicator rows kept in the model's DataCollector (older rows are dropped).
    model : ArenaModel, optional
        Serve this model (e.g. loaded from a snapshot) instead of building one from ``config``.
    alert_rules : optional
        Alert rules on top of the defaults (:func:`arena.alerts.rules_for`); kept on reset.
    """

    #: Seconds between two "ticks slower than tick_rate" warnings (the count is reported).
    SLOW_WARNING_INTERVAL = 10.0

    def __init__(
        self,
        config: ArenaConfig,
        *,
        running: bool = True,
        check_accounting: bool = False,
        history_retention: int = 100_000,
        shocks: list[ScheduledShock] | None = None,
        scenario: str | None = None,
        model: ArenaModel | None = None,
        alert_rules: Any = None,
    ):
        self.check_accounting = check_accounting
        self.alert_rules = alert_rules
        self.health = HealthSampler()
        #: called as ``f(seconds, slow)`` after every tick (the Prometheus metrics)
        self.on_tick: list[Callable[[float, bool], None]] = []
        self._slow_unreported = 0
        self._slow_warned_at = 0.0
        self.history_retention = history_retention
        self.running = running
        self.version = 0
        self.started = time.time()
        self.tick_ms: deque[float] = deque(maxlen=200)
        self.last_error: str | None = None
        self.listeners: list[Callable[[list, float], None]] = []
        self.on_reset: list[Callable[[], None]] = []
        self._pending: list = []
        self._unsubscribe: Callable[[], None] | None = None
        self._lock: asyncio.Lock | None = None
        self._wake: asyncio.Event | None = None
        self._loop = None
        # the asyncio lock belongs to one event loop and is made anew when the loop changes (_bind),
        # while a tick already handed to a worker thread by the old loop may still be running: this
        # lock, which outlives loops, keeps two ticks of the model from ever running at once (seen:
        # tests/test_api_fuzz.py under load, a restarted lifespan's tick popped the other's
        # per-tick totals, AttributeError '_frozen_totals')
        self._tick_guard = threading.Lock()
        if model is None:
            model = ArenaModel(config, check_accounting=check_accounting, alert_rules=alert_rules)
        self._install(model, shocks or [], scenario)

    # ---------------------------------------------------------------- state --------
    def _install(self, model: ArenaModel, shocks: list[ScheduledShock], scenario: str | None) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
        self.model = model
        self.config = model.config
        self.scenario = scenario
        self.schedule: dict[int, list[ScheduledShock]] = defaultdict(list)
        for shock in shocks:
            self.schedule[shock.tick].append(shock)
        self._pending.clear()
        self._unsubscribe = model.event_log.subscribe(self._pending.append)
        self.snapshot = self._take_snapshot()

    def _take_snapshot(self) -> Snapshot:
        m = self.model
        return Snapshot(
            m.tick,
            time.time(),
            dict(m.current),
            {k: dict(v) for k, v in m.market_stats.items()},
            dict(m.books),
            m.config.n_agents,
            len(m.outside.accounts),
            tuple(m.alert_monitor.active(m.tick)),
            tuple(m.banks_frame().reset_index().to_dict("records")),
            m.firms_summary(),
        )

    def _bind(self) -> None:
        loop = asyncio.get_running_loop()
        if self._loop is not loop:  # asyncio primitives belong to one event loop
            self._loop = loop
            self._lock = asyncio.Lock()
            self._wake = asyncio.Event()

    @property
    def lock(self) -> asyncio.Lock:
        """The lock every access to the model (other than the snapshot) holds."""
        self._bind()
        return self._lock

    def publish(self) -> None:
        """After a change (under the lock): new snapshot and version, events to listeners."""
        self.snapshot = self._take_snapshot()
        self.version += 1
        events = list(self._pending)
        self._pending.clear()
        for listener in self.listeners:
            listener(events, self.snapshot.time)

    def series(self, names: list[str], start: int | None, end: int | None, limit: int):
        """Return indicator rows with ticks in ``[start, end]`` up to the snapshot's tick, newest ``limit``.

        Safe without the lock: rows are only appended by a running tick (rows after the
        snapshot's tick are ignored) and trimmed by the event-loop thread. Returns
        ``(ticks, {name: values}, truncated)``.
        """
        columns = self.model.datacollector.model_vars
        ticks = columns.get("tick", [])
        last = self.snapshot.tick if end is None else min(end, self.snapshot.tick)
        lo = bisect_left(ticks, start) if start is not None else 0
        hi = bisect_right(ticks, last)
        truncated = hi - lo > limit
        lo = max(lo, hi - limit)
        return ticks[lo:hi], {n: columns[n][lo:hi] for n in names}, truncated

    # ---------------------------------------------------------------- ticking ------
    def _step_sync(self) -> float:
        """One tick, with any scheduled scenario shocks first (worker thread, lock held)."""
        with self._tick_guard:
            model = self.model
            for shock in self.schedule.pop(model.tick, ()):
                model.apply_shock(shock.kind, shock.size, **shock.target)
            start = time.perf_counter()
            model.step()
            elapsed = (time.perf_counter() - start) * 1000.0
        sample, fresh = self.health.sample(elapsed)
        if fresh:  # process-health rules see one sample per second, outside the model's state
            model.alert_monitor.evaluate_health(model.tick, sample, model.event_log.emit)
        return elapsed

    def _after_tick(self, elapsed_ms: float) -> None:
        """Metrics and the slow-tick warning (event-loop thread)."""
        slow = elapsed_ms > self.config.tick_rate
        log.debug("tick %d took %.2f ms", self.snapshot.tick, elapsed_ms,
                  extra={"tick": self.snapshot.tick, "tick_ms": round(elapsed_ms, 3)})
        if slow:
            self._slow_unreported += 1
            now = time.monotonic()
            if now - self._slow_warned_at >= self.SLOW_WARNING_INTERVAL:
                log.warning("tick %d took %.1f ms, longer than tick_rate = %d ms (%d slow ticks since the "
                            "last warning): the server cannot keep its pace", self.snapshot.tick, elapsed_ms,
                            self.config.tick_rate, self._slow_unreported,
                            extra={"tick": self.snapshot.tick, "tick_ms": round(elapsed_ms, 3),
                                   "slow_ticks": self._slow_unreported})
                self._slow_warned_at, self._slow_unreported = now, 0
        for callback in self.on_tick:
            callback(elapsed_ms / 1000.0, slow)

    def _trim_history(self) -> None:
        """Drop the oldest indicator rows beyond ``history_retention`` (event-loop thread only)."""
        columns = self.model.datacollector.model_vars
        ticks = columns.get("tick")
        excess = len(ticks) - self.history_retention if ticks else 0
        if excess > self.history_retention // 10:  # trim in chunks: amortised O(1) per tick
            for values in columns.values():
                del values[:excess]

    async def step(self, ticks: int = 1, *, only_if_running: bool = False) -> None:
        """Advance ``ticks`` ticks now (the lock is released between ticks)."""
        for _ in range(ticks):
            async with self.lock:
                if only_if_running and not self.running:
                    return
                elapsed = await asyncio.to_thread(self._step_sync)
                self.tick_ms.append(elapsed)
                self._trim_history()
                self.publish()
                self._after_tick(elapsed)

    async def run(self) -> None:
        """Background task: tick every ``tick_rate`` ms while running; never raises."""
        self._bind()
        next_at = time.monotonic()
        while True:
            if not self.running:
                self._wake.clear()
                await self._wake.wait()
                next_at = time.monotonic()
                continue
            try:
                await self.step(1, only_if_running=True)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - keep serving; report in /api/health
                self.running = False
                self.last_error = f"{type(exc).__name__}: {exc}"
                log.exception("tick failed; simulation paused")
                continue
            period = self.config.tick_rate / 1000.0
            next_at = max(next_at + period, time.monotonic())
            await asyncio.sleep(next_at - time.monotonic())

    def start(self) -> None:
        """Resume ticking."""
        self.running = True
        self._bind()
        self._wake.set()

    async def pause(self) -> None:
        """Stop ticking; returns after the tick in progress (if any) has finished."""
        async with self.lock:
            self.running = False

    # ---------------------------------------------------------------- mutations ----
    async def mutate(self, fn: Callable[[ArenaModel], Any]) -> Any:
        """Run ``fn(model)`` under the lock, then publish; exceptions propagate unchanged."""
        async with self.lock:
            try:
                result = fn(self.model)
            except BaseException:
                if self._pending:  # a refused request emits nothing, but be safe
                    self.publish()
                raise
            self.publish()
            return result

    async def read(self, fn: Callable[[ArenaModel], Any]) -> Any:
        """Run ``fn(model)`` under the lock (reads that the snapshot does not cover)."""
        async with self.lock:
            return fn(self.model)

    async def reset(
        self, config: ArenaConfig, shocks: list[ScheduledShock] | None = None, scenario: str | None = None
    ) -> None:
        """Replace the model by a new one built from ``config`` (outside accounts are discarded)."""
        async with self.lock:
            model = await asyncio.to_thread(ArenaModel, config, check_accounting=self.check_accounting,
                                            alert_rules=self.alert_rules)
            self._install(model, shocks or [], scenario)
            self.last_error = None
            for callback in self.on_reset:
                callback()
            self.publish()

    async def load_scenario(self, name: str, overrides: Mapping[str, Any]) -> None:
        """Load ``scenarios/<name>.toml`` (lazily imported) and reset to it."""
        try:
            from arena.scenarios import load_scenario
        except ImportError as exc:  # the scenarios module is optional at this layer
            raise ScenarioError(f"scenarios are not available: {exc}") from exc
        scenario = await asyncio.to_thread(load_scenario, name)
        config, shocks = scenario_parts(scenario, **overrides)
        await self.reset(config, shocks, getattr(scenario, "name", name))
