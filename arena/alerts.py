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
"""

from __future__ import annotations

import logging
import math
import os
import tomllib
from collections import deque
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any, Iterable, Mapping

import pandas as pd

from arena.errors import ConfigError

log = logging.getLogger("arena.alerts")

SEVERITIES = ("info", "warning", "critical")
DIRECTIONS = ("above", "below")
#: Process-health metrics a rule may watch (sampled by :mod:`arena.health`), with units.
HEALTH_METRICS = {
    "cpu_percent": "machine CPU utilisation, % of all cores (psutil.cpu_percent)",
    "memory_percent": "machine memory in use, % of total (psutil.virtual_memory().percent)",
    "process_cpu_percent": "this process's CPU use, % of one core",
    "process_rss_bytes": "this process's resident set size, bytes",
    "tick_ms": "duration of the last tick, ms",
}
#: Environment variable naming a TOML rules file applied on top of the defaults.
ENV_VAR = "ARENA_ALERTS"
#: Columns of :meth:`AlertMonitor.frame` (``model.alerts()``).
FRAME_COLUMNS = ("alert", "subject", "severity", "metric", "direction", "threshold", "clear", "value",
                 "peak", "fired_tick", "resolved_tick", "active", "duration", "message")


def known_metric(metric: Any) -> bool:
    """Whether ``metric`` names an indicator column, a column family (``prefix_*``) or a health metric."""
    from arena.indicators import COLUMNS

    if not isinstance(metric, str) or not metric:
        return False
    if metric.endswith("_*"):
        return any(c.startswith(metric[:-1]) for c in COLUMNS)
    return metric in COLUMNS or metric in HEALTH_METRICS


class AlertRuleError(ConfigError):
    """An alert rule or rules file is invalid; the message names the rule, key and allowed values."""


@dataclass(frozen=True)
class AlertRule:
    """One alert rule.

    Parameters
    ----------
    name : str
        Rule name (the alert's name in events, the API and Prometheus labels).
    metric : str
        Indicator column (``"inflation"``), a column family ending in ``_*``
        (``"scarcity_*"``: one alert per matching column, its subject the suffix), or a
        process-health metric of :data:`HEALTH_METRICS`.
    threshold : float
        Level that fires the alert (in the metric's unit).
    clear : float
        Hysteresis level that resolves it: at most ``threshold`` for ``"above"``, at least
        for ``"below"``. Equal to ``threshold`` means no hysteresis.
    direction : {"above", "below"}
        Fire when the value is strictly above (below) ``threshold``.
    severity : {"info", "warning", "critical"}
        Shown by the dashboard and exported to Prometheus.
    for_ticks : int, default 1
        Consecutive ticks beyond ``threshold`` before the alert fires (>= 1).
    enabled : bool, default True
        Disabled rules are kept (so files can switch them back on) but never evaluated.
    description : str
        One line for documentation and messages.
    """

    name: str
    metric: str
    threshold: float
    clear: float
    direction: str = "above"
    severity: str = "warning"
    for_ticks: int = 1
    enabled: bool = True
    description: str = ""

    def __post_init__(self):
        def fail(key: str, allowed: str, value: Any) -> AlertRuleError:
            return AlertRuleError(f"The {key!r} field of alert rule {self.name!r} must be {allowed}. "
                                  f"Got {value!r} instead.")

        if not isinstance(self.name, str) or not self.name or not self.name.replace("_", "").isalnum():
            raise fail("name", "a non-empty name of letters, digits and underscores", self.name)
        if not known_metric(self.metric):
            raise fail("metric", "an indicator column (docs/model.md), a family such as 'scarcity_*' "
                       "or one of " + ", ".join(HEALTH_METRICS), self.metric)
        for key in ("threshold", "clear"):
            value = getattr(self, key)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise fail(key, "a finite number", value)
            object.__setattr__(self, key, float(value))
        if self.direction not in DIRECTIONS:
            raise fail("direction", "one of " + ", ".join(map(repr, DIRECTIONS)), self.direction)
        if self.severity not in SEVERITIES:
            raise fail("severity", "one of " + ", ".join(map(repr, SEVERITIES)), self.severity)
        if isinstance(self.for_ticks, bool) or not isinstance(self.for_ticks, int) or self.for_ticks < 1:
            raise fail("for_ticks", "an int >= 1", self.for_ticks)
        if not isinstance(self.enabled, bool):
            raise fail("enabled", "a bool (true or false)", self.enabled)
        if self.direction == "above" and self.clear > self.threshold:
            raise fail("clear", f"at most the threshold ({self.threshold:g}) for direction 'above'",
                       self.clear)
        if self.direction == "below" and self.clear < self.threshold:
            raise fail("clear", f"at least the threshold ({self.threshold:g}) for direction 'below'",
                       self.clear)

    @property
    def source(self) -> str:
        """``"process"`` for a process-health metric, else ``"indicator"``."""
        return "process" if self.metric in HEALTH_METRICS else "indicator"

    def breached(self, value: float) -> bool:
        """Whether ``value`` is beyond the firing threshold."""
        return value > self.threshold if self.direction == "above" else value < self.threshold

    def cleared(self, value: float) -> bool:
        """Whether ``value`` is back beyond the clear (hysteresis) level."""
        return value < self.clear if self.direction == "above" else value > self.clear


#: Fields a rules file may set, with the allowed values for error messages.
RULE_FIELDS = {f.name: f for f in fields(AlertRule) if f.name != "name"}


def default_rules(config: Any = None) -> dict[str, AlertRule]:
    """Return the specification's alert triggers, with indicator thresholds from ``config``.

    Parameters
    ----------
    config : ArenaConfig, optional
        Supplies ``tightening_threshold`` (inflation, 1/year), ``panic_threshold`` (fear),
        ``euphoria_threshold`` (greed) and ``critical_scarcity``; the specification's
        defaults (0.10, 0.7, 0.7, 0.8) without one.

    Returns
    -------
    dict of str to AlertRule
        By name: ``inflation``, ``cpu``, ``memory``, ``critical_scarcity``, ``panic``, ``euphoria``.
    """
    get = (lambda key, default: getattr(config, key, default)) if config is not None else (lambda k, d: d)
    inflation = get("tightening_threshold", 0.10)
    fear = get("panic_threshold", 0.7)
    greed = get("euphoria_threshold", 0.7)
    scarcity = get("critical_scarcity", 0.8)
    rules = [
        AlertRule("inflation", "inflation", inflation, max(inflation - 0.02, 0.0), severity="critical",
                  description="annualised inflation above tightening_threshold (spec: 10%); "
                              "clears 2 points lower"),
        AlertRule("cpu", "cpu_percent", 90.0, 80.0, severity="warning", for_ticks=5,
                  description="machine CPU above 90% for 5 samples; clears below 80%"),
        AlertRule("memory", "memory_percent", 90.0, 85.0, severity="critical", for_ticks=3,
                  description="machine memory above 90% for 3 samples; clears below 85%"),
        AlertRule("critical_scarcity", "scarcity_*", scarcity, max(scarcity - 0.05, 0.0),
                  severity="critical",
                  description="a resource's scarcity level above critical_scarcity; clears 0.05 lower"),
        AlertRule("panic", "fear", fear, max(fear - 0.1, 0.0), severity="warning",
                  description="fear index above panic_threshold; clears 0.1 lower"),
        AlertRule("euphoria", "greed", greed, max(greed - 0.1, 0.0), severity="warning",
                  description="greed index above euphoria_threshold; clears 0.1 lower"),
    ]
    return {r.name: r for r in rules}


def parse_rules(data: Mapping[str, Any], base: Mapping[str, AlertRule] | None = None,
                source: str = "<rules>") -> dict[str, AlertRule]:
    """Apply a rules mapping (the TOML layout, ``{"rules": {name: {field: value}}}``) to ``base``.

    A table for an existing rule overrides its fields; a table for a new name must give at
    least ``metric``, ``threshold`` and ``clear``. Raises :class:`AlertRuleError` naming
    ``source``, the key path and the allowed values.
    """
    rules = dict(base if base is not None else default_rules())
    if not isinstance(data, Mapping) or set(data) - {"rules"}:
        extra = sorted(set(data) - {"rules"}) if isinstance(data, Mapping) else data
        raise AlertRuleError(f"{source}: unknown top-level key(s) {extra!r}; an alert rules file has "
                             "one table, [rules.<name>]")
    tables = data.get("rules", {})
    if not isinstance(tables, Mapping):
        raise AlertRuleError(f"{source}: 'rules' must be a table of [rules.<name>] tables.")
    for name, table in tables.items():
        if not isinstance(table, Mapping):
            raise AlertRuleError(f"{source}: 'rules.{name}' must be a table. Got {table!r} instead.")
        unknown = sorted(set(table) - set(RULE_FIELDS))
        if unknown:
            raise AlertRuleError(f"{source}: unknown key 'rules.{name}.{unknown[0]}'; allowed keys: "
                                 + ", ".join(RULE_FIELDS))
        try:
            if name in rules:
                rules[name] = replace(rules[name], **table)
            else:
                missing = [k for k in ("metric", "threshold", "clear") if k not in table]
                if missing:
                    raise AlertRuleError(f"The new alert rule {name!r} needs the key(s) "
                                         + ", ".join(repr(k) for k in missing) + ".")
                rules[name] = AlertRule(name=name, **table)
        except AlertRuleError as exc:
            raise AlertRuleError(f"{source}: rules.{name}: {exc}") from None
    return rules


def load_rules(path: str | os.PathLike, base: Mapping[str, AlertRule] | None = None) -> dict[str, AlertRule]:
    """Read a TOML rules file and apply it to ``base`` (default: :func:`default_rules`)."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise AlertRuleError(f"cannot read alert rules file {path}: {exc}") from None
    return parse_rules(data, base, str(path))


def rules_for(config: Any = None, rules: Any = None) -> dict[str, AlertRule]:
    """Rules of a model: defaults from ``config``, then ``$ARENA_ALERTS``, then ``rules``.

    ``rules`` may be a path to a TOML file, a mapping in the TOML layout, or an iterable
    of :class:`AlertRule` (which then replaces the rules of the same names).
    """
    out = default_rules(config)
    env = os.environ.get(ENV_VAR)
    if env:
        out = load_rules(env, out)
    if rules is None:
        return out
    if isinstance(rules, (str, os.PathLike)):
        return load_rules(rules, out)
    if isinstance(rules, Mapping):
        return parse_rules(rules, out)
    for rule in rules:
        if not isinstance(rule, AlertRule):
            raise AlertRuleError(f"alert rules must be AlertRule objects. Got {type(rule).__name__}.")
        out[rule.name] = rule
    return out


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


def rules_table(rules: Mapping[str, AlertRule] | None = None) -> list[dict[str, Any]]:
    """Return the rules as rows (docs and ``GET /api/alerts``)."""
    return [{"name": r.name, "metric": r.metric, "direction": r.direction, "threshold": r.threshold,
             "clear": r.clear, "for_ticks": r.for_ticks, "severity": r.severity, "enabled": r.enabled,
             "source": r.source, "description": r.description}
            for r in (rules if rules is not None else default_rules()).values()]
