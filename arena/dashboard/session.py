"""One browser session's simulation: the model, its scenario, and thread-safe access to it.

:class:`DashboardSession` is plain Python (no Solara): the Solara components call it, and the
unit tests drive it directly. Every access to the model goes through one lock, because the
play loop steps the model in a worker thread while button handlers (shocks, step, reset)
run in the server's message thread.

A new model is built only from a configuration that the engine's validator accepts; on
a validation error the running model is left exactly as it was and the message is returned.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Mapping

import numpy as np
import pandas as pd

from arena.dashboard import params

#: Shock kinds offered by the dashboard: kind -> (button label, default size, target key or None).
SHOCKS: dict[str, tuple[str, float, str | None]] = {
    "panic": ("Panic", 0.8, None),
    "euphoria": ("Euphoria", 0.8, None),
    "discovery": ("Discovery", 0.3, "resource"),
    "catastrophe": ("Catastrophe", 0.5, "resource"),
    "rate": ("Rate change", 0.02, None),
    "qe": ("QE", 0.05, None),
    "sell_off": ("Sell-off", 0.1, "market"),
    "fiscal": ("Fiscal stimulus", 0.02, None),
    "tax": ("Tax change", 0.05, None),
}


@dataclass
class ShockResult:
    """Outcome of a shock request: ``error`` is None on success."""

    kind: str
    error: str | None = None


def _scenario_module():
    """Return ``arena.scenarios`` or None while it does not exist yet."""
    try:
        from arena import scenarios
    except ImportError:
        return None
    return scenarios


def list_scenarios() -> list[str]:
    """Return the names of the scenarios in ``scenarios/`` (empty if none can be listed)."""
    mod = _scenario_module()
    if mod is None:
        return []
    if hasattr(mod, "scenario_paths"):  # names only: a broken file must not hide the others
        return list(mod.scenario_paths())
    return [getattr(item, "name", str(item)) for item in mod.list_scenarios()]


def load_scenario(name: str):
    """Load a scenario by name with the engine's loader (raises its ScenarioError)."""
    from arena import load_scenario as _load

    return _load(name)


def _shock_fields(shock: Any) -> dict[str, Any]:
    """Return a scheduled shock as ``{tick, kind, size, **target}``.

    Accepts :class:`arena.scenarios.Shock` (target keywords in ``.target``), dicts and
    other objects with attributes.
    """
    if isinstance(shock, Mapping):
        fields = dict(shock)
    else:
        fields = {k: v for k, v in vars(shock).items() if not k.startswith("_")}
    fields.update(fields.pop("target", None) or {})
    fields.pop("note", None)
    return fields


def _default_factory(config):
    from arena import ArenaModel

    return ArenaModel(config)


class DashboardSession:
    """The simulation behind one dashboard page.

    Parameters
    ----------
    scenario : str, optional
        Scenario name to start from (its config overrides and scheduled shocks).
    overrides : mapping, optional
        Parameter values applied on top of the scenario's (e.g. ``n_agents`` from the CLI).
    model_factory : callable, optional
        ``factory(config) -> model``; default builds an :class:`arena.ArenaModel`.
        Tests pass a cheap fake.

    Raises
    ------
    ValueError
        If the initial scenario or overrides are invalid (the engine's ConfigError or
        ScenarioError).
    """

    def __init__(self, scenario: str | None = None, overrides: Mapping[str, Any] | None = None,
                 model_factory: Callable[[Any], Any] | None = None):
        self.lock = threading.RLock()
        self._factory = model_factory or _default_factory
        self.scenario_name: str | None = None
        self.scenario = None
        self.values: dict[str, Any] = params.defaults()
        self.model = None
        self._cache_key: tuple | None = None
        self._cache: pd.DataFrame | None = None
        self._recent_key: tuple | None = None
        self._recent: pd.DataFrame | None = None
        self.step_seconds = 0.0
        self._health = None  # arena.health.HealthSampler, made on the first step
        self._alerts: list[dict[str, Any]] = []  # active alerts after the last step or shock
        error = self.configure(scenario, {**self._scenario_values(scenario), **dict(overrides or {})})
        if error:
            raise ValueError(error)

    # --- configuration ---------------------------------------------------------------------
    def _scenario_values(self, name: str | None) -> dict[str, Any]:
        if not name:
            return {}
        return dict(getattr(load_scenario(name), "config", {}) or {})

    def scenario_values(self, name: str | None) -> dict[str, Any]:
        """Return the full parameter values a scenario starts from (defaults + its overrides)."""
        return {**params.defaults(), **self._scenario_values(name)}

    def configure(self, scenario: str | None, values: Mapping[str, Any]) -> str | None:
        """Validate ``values`` and, if valid, replace the model with a fresh one.

        Parameters
        ----------
        scenario : str or None
            Scenario whose scheduled shocks the new run follows (None: no shocks).
        values : mapping
            Parameter values (missing ones take their defaults).

        Returns
        -------
        str or None
            None on success; otherwise the validation message, and the current model,
            scenario and values are left untouched.
        """
        merged = {**params.defaults(), **dict(values)}
        config, error = params.validate(merged)
        if error:
            return error
        try:
            scen = load_scenario(scenario) if scenario else None
        except (ValueError, OSError) as exc:
            return str(exc)
        model = self._factory(config)  # built outside the lock: the old model keeps running
        with self.lock:
            self.model = model
            self.scenario_name, self.scenario = scenario, scen
            self.values = config.to_dict() if hasattr(config, "to_dict") else merged
            self._cache_key = None
            self._alerts = []
        return None

    def reset(self) -> str | None:
        """Start the current scenario and values again from tick 0."""
        return self.configure(self.scenario_name, self.values)

    # --- running ---------------------------------------------------------------------------
    @property
    def tick(self) -> int:
        """Number of ticks run so far."""
        return int(getattr(self.model, "steps", 0))

    @property
    def running(self) -> bool:
        """False once the model has stopped itself (``model.running``)."""
        return bool(getattr(self.model, "running", True))

    def _apply_scheduled(self, model) -> None:
        """Apply the scenario's shocks due now: a shock at ``tick`` t is applied after t ticks."""
        for shock in getattr(self.scenario, "shocks", None) or ():
            fields = _shock_fields(shock)
            if int(fields.pop("tick", -1)) == model.steps:
                model.apply_shock(fields.pop("kind"), fields.pop("size", 1.0), **fields)

    def step(self, n: int = 1) -> int:
        """Run ``n`` ticks (scheduled scenario shocks included); return the new tick."""
        with self.lock:
            model = self.model
            for _ in range(int(n)):
                if not getattr(model, "running", True):
                    break
                t0 = time.perf_counter()
                self._apply_scheduled(model)
                model.step()
                dt = time.perf_counter() - t0
                self.step_seconds = dt if not self.step_seconds else 0.8 * self.step_seconds + 0.2 * dt
                self._check_health(model)
            self._alerts = self._read_alerts()
            return self.tick

    def _check_health(self, model) -> None:
        """Process-health alert rules on a psutil sample (at most once a second), outside the step."""
        monitor = getattr(model, "alert_monitor", None)
        if monitor is None:
            return
        if self._health is None:
            from arena.health import HealthSampler

            self._health = HealthSampler()
        sample, fresh = self._health.sample()
        if fresh:
            monitor.evaluate_health(model.tick, sample, model.event_log.emit)

    def shock(self, kind: str, size: float, **target: Any) -> ShockResult:
        """Inject a shock into the running model.

        Returns
        -------
        ShockResult
            With ``error`` set (and the model untouched) if the engine refused the request.
        """
        target = {k: v for k, v in target.items() if v not in (None, "")}
        with self.lock:
            try:
                self.model.apply_shock(kind, float(size), **target)
            except (ValueError, TypeError) as exc:
                return ShockResult(kind, str(exc))
            self._cache_key = self._recent_key = None
        return ShockResult(kind)

    # --- reading ---------------------------------------------------------------------------
    def indicators(self) -> pd.DataFrame:
        """Return the indicator table, one row per tick with a ``tick`` column.

        Cached until the next tick, shock or reset; callers must not modify it.
        """
        with self.lock:
            key = (id(self.model), self.tick)
            if self._cache_key != key or self._cache is None:
                df = self.model.indicators()
                if df.index.name == "tick" and "tick" not in df.columns:
                    df = df.copy().reset_index()  # copy: the collector's frame is fragmented
                self._cache = df
                self._cache_key = key
            return self._cache

    def columns(self) -> list[str]:
        """Return the names of the indicator columns (cheap: no table is built)."""
        with self.lock:
            columns = getattr(getattr(self.model, "datacollector", None), "model_vars", None)
            if isinstance(columns, dict) and columns:
                return list(columns)
            return list(self.indicators().columns)

    def recent(self, ticks: int) -> pd.DataFrame:
        """Return the last ``ticks`` rows of the indicator table (with a ``tick`` column).

        Builds the frame from the tail of the DataCollector's columns, so the cost does
        not grow with the length of the run (the charts call this on every refresh).
        """
        with self.lock:
            key = (id(self.model), self.tick, ticks)
            if self._recent_key == key:
                return self._recent
            collector = getattr(self.model, "datacollector", None)
            columns = getattr(collector, "model_vars", None)
            if not isinstance(columns, dict):
                df = self.indicators().iloc[-ticks:]
            else:
                df = pd.DataFrame({k: v[-ticks:] for k, v in columns.items()})
            if "tick" not in df.columns:
                df.insert(0, "tick", np.arange(self.tick - len(df) + 1, self.tick + 1))
            self._recent_key, self._recent = key, df
            return df

    def latest(self) -> dict[str, float]:
        """Return the last row of the indicator table as a dict (empty before the first tick).

        Reads the last value of each DataCollector column directly (cheap on every tick);
        falls back to the indicator table for models without a Mesa DataCollector.
        """
        with self.lock:
            collector = getattr(self.model, "datacollector", None)
            columns = getattr(collector, "model_vars", None)
            if isinstance(columns, dict):
                return {k: v[-1] for k, v in columns.items() if v}
            df = self.indicators()
            return {} if df.empty else df.iloc[-1].to_dict()

    def _read_alerts(self) -> list[dict[str, Any]]:
        monitor = getattr(self.model, "alert_monitor", None)
        return monitor.active(self.tick) if monitor is not None else []

    def alerts(self) -> list[dict[str, Any]]:
        """Return the active alerts after the last tick, most severe first.

        Kept by :meth:`step` and :meth:`configure`, so the page reads them without waiting
        for a tick in progress (empty for models without alert rules).
        """
        return self._alerts

    def system(self) -> dict[str, float]:
        """Return the tick time (ms, smoothed) and the process and machine CPU and memory."""
        if self._health is None:
            from arena.health import HealthSampler

            self._health = HealthSampler()
        sample, _ = self._health.sample()
        return {**sample, "tick_ms": 1000.0 * self.step_seconds}

    def events(self) -> pd.DataFrame:
        """Return the model's event log as a DataFrame (columns tick, type, payload...)."""
        with self.lock:
            return self.model.events()

    def order_book(self, market: str) -> pd.DataFrame:
        """Return the depth of ``market`` (columns price, bid_volume, ask_volume)."""
        with self.lock:
            try:
                return pd.DataFrame(self.model.order_book(market))
            except (KeyError, AttributeError):  # no book before the first tick
                return pd.DataFrame(columns=["price", "bid_volume", "ask_volume"])

    def wealth(self) -> np.ndarray:
        """Return a copy of household wealth."""
        with self.lock:
            return np.array(self.model.wealth(), dtype=float, copy=True)
