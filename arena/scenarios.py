"""Scenarios: config overrides + scheduled shocks + a documented expected outcome.

A scenario file (``scenarios/<name>.toml``)::

    name = "market_crash"              # [A-Za-z0-9_-], also the file's stem
    description = "Panic meets herding"
    ticks = 600                         # default length of a run
    [config]                            # ArenaConfig overrides, validated like ArenaConfig
    n_agents = 100_000
    seed = 42
    [[shocks]]                          # model.apply_shock(kind, size, **target)
    tick = 200                          # applied after `tick` ticks have run (0 = before the first)
    kind = "panic"
    size = 0.8
    note = "why"                        # optional; every other key is a target keyword
    [expected]                          # outcome the scenario's test checks (see METRICS)
    max_drawdown_equity = { min = 0.30, from = 200, to = 300, note = "crash" }

:func:`load_scenario` refuses unknown keys, wrong types, out-of-range values, shocks the
engine would refuse (:func:`arena.shocks.validate`) and shocks at or after the last tick,
with one :class:`~arena.errors.ScenarioError` naming the file, each key path
(``config.n_agents``, ``shocks[1].kind``; shocks count from 0) and the reason.

Agent counts are set per run (``[config] n_agents``, ``arena run --agents``, a batch grid)
and changed mid-run by the ``agents`` shock; strategy-mix changes are the ``strategy_mix``
shock.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Callable, Mapping

import numpy as np
import pandas as pd

from arena.config import ArenaConfig
from arena.errors import ScenarioError
from arena.scenario_check import (  # noqa: F401  (EXPECT_KEYS, SHOCK_KEYS: public here too)
    EXPECT_KEYS,
    SHOCK_KEYS,
    _check_config,
    _check_expected,
    _check_shocks,
    _is_int,
    _Problems,
)
from arena.scenario_metrics import DERIVED, METRICS, _parse_metric, _series  # noqa: F401  (re-exported)

TOP_KEYS = ("name", "description", "ticks", "config", "shocks", "arms", "expected")
MAX_TICKS = 1_000_000
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
#: Environment variable: extra scenario directories (os.pathsep-separated), searched first.
ENV_DIRS = "ARENA_SCENARIOS"


@dataclass(frozen=True)
class Shock:
    """A shock scheduled at ``tick``: ``model.apply_shock(kind, size, **target)`` after ``tick`` ticks."""

    tick: int
    kind: str
    size: float
    target: dict[str, Any] = field(default_factory=dict)
    note: str = ""


@dataclass(frozen=True)
class Expectation:
    """One documented outcome: ``min <= metric(window) <= max`` over ticks ``[start, end]``."""

    metric: str
    min: float | None = None
    max: float | None = None
    start: int | None = None
    end: int | None = None
    note: str = ""

    def measure(self, indicators: pd.DataFrame, events: pd.DataFrame) -> float:
        """Value of the metric on a run's indicators (indexed by tick) and events."""
        prefix, column = _parse_metric(self.metric)
        lo = self.start if self.start is not None else -np.inf
        hi = self.end if self.end is not None else np.inf
        if prefix == "events_":
            if events.empty:
                return 0.0
            ticks = events.loc[events["type"] == column, "tick"]
            return float(((ticks >= lo) & (ticks <= hi)).sum())
        series = _series(indicators, column)
        window = series[(series.index >= lo) & (series.index <= hi)].to_numpy(dtype=float)
        if window.size == 0:
            return float("nan")
        return float(METRICS[prefix][1](window))


@dataclass(frozen=True)
class Scenario:
    """A validated scenario (see the module docstring); build with :func:`load_scenario`.

    Scenarios are hashable by name, so they go in sets and dict keys. Two scenarios are equal
    when every field is; a scenario also equals its name as a string (names are unique among
    the scenario files), so ``"baseline" in list_scenarios()`` and
    ``{"baseline"} <= set(list_scenarios())`` work. A copy with other config overrides
    (:func:`with_config`) keeps the name and the hash but is not equal to the original.
    """

    name: str
    description: str = ""
    ticks: int = 300
    config: dict[str, Any] = field(default_factory=dict)
    shocks: tuple[Shock, ...] = ()
    expected: tuple[Expectation, ...] = ()
    path: str | None = None
    arms: dict[str, Any] = field(default_factory=dict)
    effects: tuple[Any, ...] = ()

    def __eq__(self, other: object) -> bool:
        if isinstance(other, str):
            return self.name == other
        if isinstance(other, Scenario):
            return all(getattr(self, f.name) == getattr(other, f.name) for f in fields(self))
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.name)

    def arm(self, name: str):
        """Return the arm ``name``: built in (``scenario``, ``no_shocks``) or from ``[arms]``."""
        from arena.effects import BUILTIN_ARMS, builtin_arm

        if name in BUILTIN_ARMS:
            return builtin_arm(name)
        if name not in self.arms:
            raise ScenarioError(f"scenario {self.name!r} has no arm {name!r}; arms: "
                                + ", ".join(list(BUILTIN_ARMS) + list(self.arms)))
        return self.arms[name]

    # ------------------------------------------------------------------ building runs --
    def make_config(self, **overrides: Any) -> ArenaConfig:
        """Return the scenario's ArenaConfig with further ``overrides`` (validated)."""
        return ArenaConfig.from_dict({**self.config, **overrides})

    def shocks_before(self, ticks: int) -> tuple[Shock, ...]:
        """Return the shocks that happen in a run of ``ticks`` ticks (tick < ticks)."""
        return tuple(s for s in self.shocks if s.tick < ticks)

    def simulate(self, ticks: int | None = None, overrides: Mapping[str, Any] | None = None, *,
                 on_tick: Callable[[Any], None] | None = None, check_accounting: bool = False,
                 model: Any = None):
        """Build the model, run ``ticks`` ticks applying the scheduled shocks, return the model.

        Parameters
        ----------
        ticks : int, optional
            Run length; default the scenario's ``ticks``.
        overrides : mapping, optional
            Config overrides on top of the scenario's (e.g. ``{"n_agents": 20_000, "seed": 3}``).
        on_tick : callable, optional
            Called as ``on_tick(model)`` after every tick (progress bars).
        check_accounting : bool
            Passed to :class:`~arena.model.ArenaModel`.
        model : ArenaModel, optional
            Continue this model (e.g. resumed from a checkpoint) up to ``ticks`` instead of
            building one; the shocks scheduled before its tick have already happened.
        """
        from arena.model import ArenaModel

        ticks = self.ticks if ticks is None else int(ticks)
        if model is None:
            model = ArenaModel(self.make_config(**dict(overrides or {})), check_accounting=check_accounting)
        schedule: dict[int, list[Shock]] = {}
        for shock in self.shocks:
            schedule.setdefault(shock.tick, []).append(shock)
        while model.tick < ticks:
            for shock in schedule.get(model.tick, ()):
                model.apply_shock(shock.kind, shock.size, **shock.target)
            model.step()
            if on_tick is not None:
                on_tick(model)
        return model

    def evaluate(self, indicators: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
        """Check the ``[expected]`` outcome on a run: one row per metric with ``passed``."""
        rows = []
        for e in self.expected:
            value = e.measure(indicators, events)
            passed = bool(np.isfinite(value) and (e.min is None or value >= e.min)
                          and (e.max is None or value <= e.max))
            rows.append({"metric": e.metric, "value": value, "min": e.min, "max": e.max,
                         "from": e.start, "to": e.end, "passed": passed, "note": e.note})
        return pd.DataFrame(rows, columns=["metric", "value", "min", "max", "from", "to", "passed", "note"])

    def fingerprint(self, ticks: int | None = None, **overrides: Any) -> str:
        """Hash of what determines a run's numbers: engine code, full config, shocks, ticks."""
        ticks = self.ticks if ticks is None else int(ticks)
        spec = {"engine": engine_fingerprint(), "config": self.make_config(**overrides).to_dict(),
                "ticks": ticks,
                "shocks": [[s.tick, s.kind, s.size, sorted(s.target.items())]
                           for s in self.shocks_before(ticks)]}
        return hashlib.sha256(json.dumps(spec, sort_keys=True, default=str).encode()).hexdigest()

    def to_toml(self, config: ArenaConfig | None = None, ticks: int | None = None) -> str:
        """Return the scenario as TOML (with ``config``, ``[config]`` lists every parameter)."""
        ticks = self.ticks if ticks is None else ticks
        lines = [f"name = {_toml_value(self.name)}", f"description = {_toml_value(self.description)}",
                 f"ticks = {int(ticks)}", "", "[config]"]
        values = config.to_dict() if config is not None else self.config
        for key, value in values.items():
            lines.append(f'{key} = "random"' if value is None else f"{key} = {_toml_value(value)}")
        for s in self.shocks_before(ticks):
            lines += ["", "[[shocks]]", f"tick = {s.tick}", f"kind = {_toml_value(s.kind)}",
                      f"size = {_toml_value(s.size)}"]
            lines += [f"{k} = {_toml_value(v)}" for k, v in s.target.items()]
            if s.note:
                lines.append(f"note = {_toml_value(s.note)}")
        from arena.effects import arm_to_toml

        for arm in self.arms.values():
            lines += [""] + arm_to_toml(arm)
        expected = [e for e in self.expected if max(e.start or 0, e.end or 0) <= ticks]  # still checkable
        for effect in self.effects:
            if max(effect.start or 0, effect.end or 0) <= ticks:
                lines += [""] + effect.to_toml()
        if expected:
            lines += ["", "[expected]"]
            for e in expected:
                parts = [f"{k} = {_toml_value(v)}" for k, v in
                         (("min", e.min), ("max", e.max), ("from", e.start), ("to", e.end), ("note", e.note))
                         if v not in (None, "")]
                lines.append(f"{e.metric} = {{ {', '.join(parts)} }}")
        return "\n".join(lines) + "\n"


#: Modules outside the engine: changing them does not change any run's numbers.
_NOT_ENGINE = ("api", "dashboard", "cli.py", "runner.py", "batch.py", "storage.py", "scenarios.py",
               "scenario_check.py", "scenario_metrics.py",
               "validation", "calibration.py", "sensitivity.py", "cli_research.py",  # research tools
               "effects.py", "experiment.py", "experiment_plot.py")


@functools.lru_cache(maxsize=1)
def engine_fingerprint() -> str:
    """Hash of the engine's source code (the modules that compute a run's numbers).

    Part of every run's fingerprint, so a batch resumed after an engine change recomputes
    its runs instead of mixing results of two engine versions.
    """
    root = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root)
        if relative.parts[0] in _NOT_ENGINE:
            continue
        digest.update(str(relative).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return repr(float(value))
    return json.dumps(str(value))


def scenario_from_dict(data: Mapping[str, Any], source: str = "<scenario>") -> Scenario:
    """Validate a parsed scenario (e.g. a TOML document) and build a :class:`Scenario`.

    Raises
    ------
    ScenarioError
        Naming ``source``, every offending key path and the reason.
    """
    problems = _Problems(source)
    if not isinstance(data, Mapping):
        problems.add("(top level)", "must be a table")
        problems.raise_if_any()
    for key in data:
        if key not in TOP_KEYS:
            problems.add(key, f"unknown key; allowed top-level keys: {', '.join(TOP_KEYS)}")
    name = data.get("name")
    if name is None:
        problems.add("name", "missing (a unique name, also the file's stem)")
    elif not isinstance(name, str) or not NAME_RE.match(name):
        problems.add("name", f"must be a string of letters, digits, '_' or '-'. Got {name!r} instead.")
    description = data.get("description", "")
    if not isinstance(description, str):
        problems.add("description", f"must be a string. Got {description!r} instead.")
    ticks = data.get("ticks")
    if "ticks" not in data:
        problems.add("ticks", "missing (the number of ticks of a run)")
        ticks = None
    elif not _is_int(ticks) or not 1 <= ticks <= MAX_TICKS:
        problems.add("ticks", f"must be an int in the range [1, {MAX_TICKS}]. Got {ticks!r} instead.")
        ticks = None
    config = _check_config(data.get("config", {}), problems)
    shocks = _check_shocks(data.get("shocks", []), ticks, problems)
    from arena.effects import check_arms

    arms = check_arms(data.get("arms", {}), problems, _check_config)
    expected, effects = _check_expected(data.get("expected", {}), ticks, problems, arms)
    problems.raise_if_any()
    return Scenario(name, description, ticks, config, tuple(sorted(shocks, key=lambda s: s.tick)),
                    tuple(expected), source if source != "<scenario>" else None, arms, tuple(effects))


def scenario_dirs() -> list[Path]:
    """Directories searched for scenario names: $ARENA_SCENARIOS, ./scenarios, the repository's."""
    dirs = [Path(p) for p in os.environ.get(ENV_DIRS, "").split(os.pathsep) if p]
    dirs += [Path.cwd() / "scenarios", Path(__file__).resolve().parents[1] / "scenarios"]
    seen, out = set(), []
    for d in dirs:
        key = d.resolve() if d.exists() else d
        if key not in seen and d.is_dir():
            seen.add(key)
            out.append(d)
    return out


def scenario_paths() -> dict[str, Path]:
    """Scenario name (file stem) -> file, first directory of :func:`scenario_dirs` winning."""
    found: dict[str, Path] = {}
    for d in scenario_dirs():
        for path in sorted(d.glob("*.toml")):
            found.setdefault(path.stem, path)
    return dict(sorted(found.items()))


def load_scenario(name_or_path: str | os.PathLike | Scenario) -> Scenario:
    """Load and validate a scenario by name (``"market_crash"``) or path.

    Raises
    ------
    ScenarioError
        If the scenario cannot be found or read, or is invalid (message names the file,
        the key path and the reason).
    """
    if isinstance(name_or_path, Scenario):
        return name_or_path
    text = os.fspath(name_or_path)
    path = Path(text)
    looks_like_path = text.endswith(".toml") or os.sep in text or (os.altsep and os.altsep in text)
    if not (looks_like_path or path.is_file()):
        paths = scenario_paths()
        if text not in paths:
            raise ScenarioError(f"unknown scenario {text!r}; available: {', '.join(paths) or '(none)'} "
                                f"(searched {', '.join(str(d) for d in scenario_dirs()) or 'no directory'})")
        path = paths[text]
    try:
        data = tomllib.loads(path.read_text())
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read the scenario file: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{path}: not valid TOML: {exc}") from None
    return scenario_from_dict(data, str(path))


def list_scenarios() -> list[Scenario]:
    """Every scenario found by name, loaded and validated (sorted by name)."""
    return [load_scenario(p) for p in scenario_paths().values()]


def with_config(scenario: Scenario, **overrides: Any) -> Scenario:
    """Return a copy of ``scenario`` with config overrides (validated)."""
    scenario.make_config(**overrides)
    return replace(scenario, config={**scenario.config, **overrides})
