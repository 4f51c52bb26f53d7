"""Alert rules as data, evaluated every tick with hysteresis, and the alert history.

An :class:`AlertRule` says *what* to watch (an indicator column such as ``inflation``, a
family of columns such as ``scarcity_*`` with one alert per resource, or a process-health
metric such as ``cpu_percent``), *when* it fires (``threshold`` and ``direction``, held for
``for_ticks`` consecutive ticks), *when* it clears (``clear``: the hysteresis level, so a
value that jitters around the threshold does not flap) and how bad it is (``severity``).

The defaults are the engine specification's triggers (docs/model.md, "Alerts"): inflation
above 10% (``tightening_threshold``), CPU above 90%, memory above 90%, critical resource
scarcity (``critical_scarcity``), panic (fear above ``panic_threshold``) and euphoria (greed
above ``euphoria_threshold``). Indicator thresholds follow the config, so a config
override moves them; any field of any rule can be overridden, rules disabled and new rules
added from a TOML file (:func:`load_rules`, or the ``ARENA_ALERTS`` environment variable)::

    [rules.inflation]
    threshold = 0.08
    clear = 0.06
    [rules.cpu]
    enabled = false
    [rules.unemployment_high]        # a new rule
    metric = "unemployment"
    threshold = 0.12
    clear = 0.10
    severity = "warning"

Firing and resolving are events of the model's event log (``alert_fired``,
``alert_resolved``); :meth:`AlertMonitor.frame` (``model.alerts()``) lists active and past
alerts. Indicator rules run in phase 7 from the tick's indicators; process-health rules are
evaluated by the process that owns the model (the API server, long runs) with
:meth:`AlertMonitor.evaluate_health`, outside the model step, so they never touch the
model's indicator series. Both cost a few microseconds per rule and tick.

The rules (:class:`AlertRule`, the defaults, TOML parsing) live in :mod:`arena.alert_rules`
and are re-exported here; this module evaluates them.
"""

from __future__ import annotations

import logging
import math
from collections import deque
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

import pandas as pd

from arena.alert_rules import (  # noqa: F401  (re-exported: the public names of arena.alerts)
    DIRECTIONS,
    ENV_VAR,
    FRAME_COLUMNS,
    HEALTH_METRICS,
    RULE_FIELDS,
    SEVERITIES,
    AlertRule,
    AlertRuleError,
    default_rules,
    known_metric,
    load_rules,
    parse_rules,
    rules_for,
    rules_table,
)

log = logging.getLogger("arena.alerts")


@dataclass
class _State:
    """Evaluation state of one (rule, subject) pair."""

    rule: AlertRule
    subject: str
    metric: str
    streak: int = 0
    record: dict[str, Any] | None = None  # the open alert while active


class AlertMonitor:
    """Evaluate alert rules tick by tick; keep active alerts and a bounded history.

    Parameters
    ----------
    rules : mapping or iterable of AlertRule
        The rules (see :func:`rules_for`).
    history_limit : int, default 1000
        Resolved alerts kept (the oldest are dropped).
    """

    def __init__(self, rules: Mapping[str, AlertRule] | Iterable[AlertRule], history_limit: int = 1000):
        items = rules.values() if isinstance(rules, Mapping) else rules
        self.rules = {r.name: r for r in items}
        self.history: deque[dict[str, Any]] = deque(maxlen=history_limit)
        self._states: list[_State] | None = None  # indicator rules, bound to the columns on first use
        self._health: list[_State] = [_State(r, "", r.metric) for r in self.rules.values()
                                      if r.enabled and r.source == "process"]

    # ---------------------------------------------------------------- evaluation ---------
    def _bind(self, values: Mapping[str, float]) -> None:
        states: list[_State] = []
        for rule in self.rules.values():
            if not rule.enabled or rule.source != "indicator":
                continue
            if rule.metric.endswith("_*"):
                prefix = rule.metric[:-1]
                states += [_State(rule, col[len(prefix):], col) for col in values if col.startswith(prefix)]
            elif rule.metric in values:
                states.append(_State(rule, "", rule.metric))
            else:
                raise AlertRuleError(f"The 'metric' field of alert rule {rule.name!r} must be an indicator "
                                     f"column, a 'prefix_*' family or one of {', '.join(HEALTH_METRICS)}. "
                                     f"Got {rule.metric!r} instead.")
        self._states = states

    def evaluate(self, tick: int, values: Mapping[str, float], emit=None) -> list[tuple[str, dict]]:
        """Evaluate the indicator rules on one tick's values.

        Parameters
        ----------
        tick : int
            The tick.
        values : mapping
            Indicator values of the tick (``model.current``).
        emit : callable, optional
            ``emit(tick, type, **payload)`` (the event log's ``emit``).

        Returns
        -------
        list of (event type, payload)
            The alerts fired and resolved on this tick.
        """
        if self._states is None:
            self._bind(values)
        return self._run(self._states, tick, values, emit)

    def evaluate_health(self, tick: int, sample: Mapping[str, float], emit=None) -> list[tuple[str, dict]]:
        """Evaluate the process-health rules on one health sample (see :mod:`arena.health`)."""
        return self._run(self._health, tick, sample, emit)

    def _run(self, states: list[_State], tick: int, values: Mapping[str, float], emit) -> list:
        out = []
        for st in states:
            value = values.get(st.metric)
            if value is None:
                continue
            value = float(value)
            if not math.isfinite(value):
                continue
            rule = st.rule
            if st.record is None:
                st.streak = st.streak + 1 if rule.breached(value) else 0
                if st.streak >= rule.for_ticks:
                    out.append(("alert_fired", self._fire(st, tick, value)))
            else:
                rec = st.record
                extreme = max if rule.direction == "above" else min
                rec["peak"] = extreme(rec["peak"], value)
                if rule.cleared(value):
                    out.append(("alert_resolved", self._resolve(st, tick, value)))
        if emit is not None:
            for etype, payload in out:
                emit(tick, etype, **payload)
        return out

    def _fire(self, st: _State, tick: int, value: float) -> dict[str, Any]:
        rule = st.rule
        label = rule.name + (f" ({st.subject})" if st.subject else "")
        message = (f"{label}: {st.metric} = {value:.6g} {rule.direction} {rule.threshold:g}"
                   + (f" for {rule.for_ticks} ticks" if rule.for_ticks > 1 else ""))
        st.record = {"alert": rule.name, "subject": st.subject, "severity": rule.severity,
                     "metric": st.metric, "direction": rule.direction, "threshold": rule.threshold,
                     "clear": rule.clear, "value": value, "peak": value, "fired_tick": int(tick),
                     "resolved_tick": None, "active": True, "duration": 0, "message": message}
        st.streak = 0
        log.warning("alert fired at tick %d: %s", tick, message, extra={
            "alert": rule.name, "subject": st.subject, "severity": rule.severity, "tick": tick})
        return {k: st.record[k] for k in ("alert", "subject", "severity", "metric", "value", "threshold",
                                          "message")}

    def _resolve(self, st: _State, tick: int, value: float) -> dict[str, Any]:
        rec = st.record
        rec.update(resolved_tick=int(tick), active=False, duration=int(tick) - rec["fired_tick"])
        self.history.append(rec)
        st.record = None
        log.info("alert resolved at tick %d: %s (%s = %.4g, after %d ticks)", tick, rec["alert"],
                 rec["metric"], value, rec["duration"],
                 extra={"alert": rec["alert"], "subject": rec["subject"], "tick": tick})
        return {"alert": rec["alert"], "subject": rec["subject"], "severity": rec["severity"],
                "metric": rec["metric"], "value": value, "clear": rec["clear"],
                "fired_tick": rec["fired_tick"], "duration": rec["duration"]}

    # ---------------------------------------------------------------- reading ------------
    def active(self, tick: int | None = None) -> list[dict[str, Any]]:
        """Open alerts (copies), most severe first; ``duration`` up to ``tick`` if given."""
        states = (self._states or []) + self._health
        out = []
        for st in states:
            open_record = st.record  # read once: another thread may resolve it meanwhile
            if open_record is not None:
                rec = dict(open_record)
                if tick is not None:
                    rec["duration"] = int(tick) - rec["fired_tick"]
                out.append(rec)
        return sorted(out, key=lambda r: (-SEVERITIES.index(r["severity"]), r["fired_tick"]))

    def frame(self, tick: int | None = None) -> pd.DataFrame:
        """Active and past alerts as a DataFrame (columns :data:`FRAME_COLUMNS`), by firing tick."""
        rows = list(self.history) + self.active(tick)
        if not rows:
            return pd.DataFrame({c: pd.Series(dtype="object") for c in FRAME_COLUMNS})
        df = pd.DataFrame(rows, columns=list(FRAME_COLUMNS))
        df["resolved_tick"] = df["resolved_tick"].astype("Int64")
        return df.sort_values(["fired_tick", "alert", "subject"], kind="stable").reset_index(drop=True)
