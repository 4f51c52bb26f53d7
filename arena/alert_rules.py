"""Alert rules as data: the rule type, the defaults, and rules read from TOML or mappings.

Part of :mod:`arena.alerts` (which re-exports every name here); see its docstring for what
rules watch and how they fire. This module holds the rules themselves, :mod:`arena.alerts`
their evaluation (:class:`~arena.alerts.AlertMonitor`).
"""

from __future__ import annotations

import math
import os
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any, Mapping

from arena.errors import ConfigError

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


def rules_table(rules: Mapping[str, AlertRule] | None = None) -> list[dict[str, Any]]:
    """Return the rules as rows (docs and ``GET /api/alerts``)."""
    return [{"name": r.name, "metric": r.metric, "direction": r.direction, "threshold": r.threshold,
             "clear": r.clear, "for_ticks": r.for_ticks, "severity": r.severity, "enabled": r.enabled,
             "source": r.source, "description": r.description}
            for r in (rules if rules is not None else default_rules()).values()]
