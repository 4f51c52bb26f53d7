"""Validation of scenario files: each key checked, every problem collected into one error.

Part of :mod:`arena.scenarios` (:func:`~arena.scenarios.scenario_from_dict` calls these checks):
``[config]`` like :class:`~arena.config.ArenaConfig`, ``[[shocks]]`` like the engine
(:func:`arena.shocks.validate`), ``[expected]`` thresholds against :data:`METRICS`. A problem
is recorded with its key path and reason; :class:`Problems` raises one
:class:`~arena.errors.ScenarioError` listing them all.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Mapping

import numpy as np

from arena import shocks as shk
from arena.config import PARAMETERS, ArenaConfig
from arena.errors import ConfigError, ScenarioError, ShockError
from arena.scenario_metrics import _parse_metric

if TYPE_CHECKING:
    from arena.scenarios import Expectation, Shock

SHOCK_KEYS = ("tick", "kind", "size", "note")
EXPECT_KEYS = ("min", "max", "from", "to", "note")


class _Problems:
    def __init__(self, source: str):
        self.source, self.items = source, []

    def add(self, key: str, reason: str) -> None:
        self.items.append((key, reason))

    def raise_if_any(self) -> None:
        if not self.items:
            return
        if len(self.items) == 1:
            key, reason = self.items[0]
            message = f"{self.source}: {key}: {reason}"
        else:
            message = f"{self.source}: {len(self.items)} problems:\n" + "\n".join(
                f"  {key}: {reason}" for key, reason in self.items)
        error = ScenarioError(message)
        error.source, error.problems = self.source, list(self.items)
        raise error


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and np.isfinite(v)


def _check_config(data: Any, problems: _Problems) -> dict[str, Any]:
    if not isinstance(data, dict):
        problems.add("config", f"must be a table of ArenaConfig parameters. Got {type(data).__name__}.")
        return {}
    good = {}
    for key, value in data.items():
        if key not in PARAMETERS:
            problems.add(f"config.{key}", f"unknown parameter {key!r}; valid parameters are listed in "
                                          "docs/model.md (arena.config.PARAMETERS)")
            continue
        try:
            ArenaConfig.from_dict({key: value})
        except ConfigError as exc:
            if f"'{key}' parameter" in str(exc):
                problems.add(f"config.{key}", str(exc))
                continue
        good[key] = value
    if len(good) == len(data):
        try:
            ArenaConfig.from_dict(good)
        except ConfigError as exc:
            problems.add("config", str(exc))
    return good


def _check_shocks(data: Any, ticks: int | None, problems: _Problems) -> list[Shock]:
    from arena.scenarios import Shock  # the scenario types live there; it imports this module

    if not isinstance(data, list):
        problems.add("shocks", "must be an array of tables ([[shocks]] entries)")
        return []
    out = []
    for i, entry in enumerate(data):
        where = f"shocks[{i}]"
        if not isinstance(entry, dict):
            problems.add(where, "must be a table with tick, kind, size and target keys")
            continue
        ok = True
        tick = entry.get("tick")
        if "tick" not in entry:
            problems.add(f"{where}.tick", "missing (the tick after which the shock is applied)")
            ok = False
        elif not _is_int(tick) or tick < 0:
            problems.add(f"{where}.tick", f"must be an int >= 0. Got {tick!r} instead.")
            ok = False
        elif ticks is not None and tick >= ticks:
            problems.add(f"{where}.tick", "must be before the last tick: the scenario runs "
                                          f"{ticks} ticks, so "
                                          f"tick must be in [0, {ticks - 1}]. Got {tick!r} instead.")
            ok = False
        kind = entry.get("kind")
        if kind not in shk.SHOCK_KINDS:
            problems.add(f"{where}.kind",
                         f"must be one of {', '.join(shk.SHOCK_KINDS)}. Got {kind!r} instead.")
            continue
        note = entry.get("note", "")
        if not isinstance(note, str):
            problems.add(f"{where}.note", f"must be a string. Got {note!r} instead.")
            ok = False
        if "size" not in entry:
            problems.add(f"{where}.size", f"missing (the magnitude of the {kind!r} shock)")
            continue
        target = {k: v for k, v in entry.items() if k not in SHOCK_KEYS}
        try:
            size = shk.validate(kind, entry["size"], target)
        except ShockError as exc:
            m = re.search(r"The '(\w+)' of", str(exc))
            if m:
                key = m.group(1)
            elif "target keywords" in str(exc):
                allowed = shk.SHOCK_KINDS[kind][3]
                key = ",".join(sorted(k for k in target if k not in allowed))
            else:
                key = ""
            problems.add(f"{where}.{key}" if key else where, str(exc))
            continue
        if ok:
            out.append(Shock(int(tick), kind, size, target, note))
    return out


def _check_expected(data: Any, ticks: int | None, problems: _Problems,
                    arms: Mapping[str, Any] | None = None) -> tuple[list[Expectation], list[Any]]:
    """Split ``[expected]`` into level thresholds (``metric = {min, max}``) and effects (with ``metric``)."""
    from arena.effects import check_effect
    from arena.scenarios import Expectation

    if not isinstance(data, dict):
        problems.add("expected", "must be a table of metric = { min = ..., max = ... }")
        return [], []
    out, effects = [], []
    for metric, spec in data.items():
        where = f"expected.{metric}"
        if isinstance(spec, dict) and "metric" in spec:
            effect = check_effect(metric, spec, ticks, arms or {}, problems)
            if effect is not None:
                effects.append(effect)
            continue
        try:
            _parse_metric(metric)
        except ValueError as exc:
            problems.add(where, str(exc))
            continue
        if not isinstance(spec, dict):
            problems.add(where, f"must be a table such as {{ min = 0.3 }}. Got {spec!r} instead.")
            continue
        bad = False
        for key in spec:
            if key not in EXPECT_KEYS:
                problems.add(f"{where}.{key}", f"unknown key; allowed keys: {', '.join(EXPECT_KEYS)}")
                bad = True
        for key in ("min", "max"):
            if key in spec and not _is_number(spec[key]):
                problems.add(f"{where}.{key}", f"must be a finite number. Got {spec[key]!r} instead.")
                bad = True
        for key in ("from", "to"):
            if key in spec:
                v = spec[key]
                if not _is_int(v) or v < 0 or (ticks is not None and v > ticks):
                    limit = f"[0, {ticks}]" if ticks is not None else ">= 0"
                    problems.add(f"{where}.{key}", f"must be a tick in {limit}. Got {v!r} instead.")
                    bad = True
        if "min" not in spec and "max" not in spec:
            problems.add(where, "needs a min or a max")
            bad = True
        if not bad and "min" in spec and "max" in spec and spec["min"] > spec["max"]:
            problems.add(where, f"min ({spec['min']}) is greater than max ({spec['max']})")
            bad = True
        if not bad and "from" in spec and "to" in spec and spec["from"] > spec["to"]:
            problems.add(where, f"from ({spec['from']}) is after to ({spec['to']})")
            bad = True
        if "note" in spec and not isinstance(spec["note"], str):
            problems.add(f"{where}.note", "must be a string")
            bad = True
        if not bad:
            out.append(Expectation(metric, spec.get("min"), spec.get("max"), spec.get("from"),
                                   spec.get("to"), spec.get("note", "")))
    return out, effects
