"""Effects: a scenario's expected outcome as a causal contrast between two arms on the same seeds.

An **arm** is the scenario with config overrides and/or some of its shocks removed; two arms
always exist: ``scenario`` (the file as written) and ``no_shocks`` (the same economy without
any of its shocks). Others are declared in the file::

    [arms.no_herding]                     # the mechanism the story names, switched off
    config = { herding_strength = 0.0 }   # ArenaConfig overrides on top of [config]
    remove_shocks = ["panic"]             # optional: true (all) or a list of shock kinds
    note = "why"

An **effect** compares a metric of the ``treatment`` arm with the same metric of the
``control`` arm, seed by seed (common random numbers, so the difference is the effect)::

    [expected.herding_deepens_crash]
    metric = "max_drawdown_equity"        # a scenario metric (arena.scenarios.METRICS)
    from = 100                            # window of ticks, inclusive (default: the whole run)
    to = 200
    control = "no_herding"                # arm name; omit for a level criterion (no control)
    treatment = "scenario"                # default
    effect = "difference"                 # see EFFECT_KINDS
    sign = "+"                            # "+", "-" or "none" (no direction expected)
    min = 0.05                            # range of the effect expected from economics
    max = 0.40
    source = "paper or historical episode the range comes from"
    note = "what it means"

``difference`` and ``ratio`` compute the metric on each arm's window, then ``t - c`` or
``t / c - 1``; ``path_difference`` and ``path_ratio`` first form the per-tick response
``x_t - x_c`` (or ``x_t / x_c - 1``, an impulse response) and then apply the metric's summary
(peak, trough, mean, final, ...) to that path over the window. Without ``control`` the
criterion is a level: the metric of the treatment arm itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import numpy as np
import pandas as pd

#: effect kind -> meaning
EFFECT_KINDS: dict[str, str] = {
    "difference": "metric(treatment) - metric(control)",
    "ratio": "metric(treatment) / metric(control) - 1",
    "path_difference": "metric applied to the per-tick path x_treatment - x_control",
    "path_ratio": "metric applied to the per-tick path x_treatment / x_control - 1",
    "level": "metric(treatment): no control",
}
#: metric prefixes that summarise a per-tick response path (path_* effects)
PATH_PREFIXES = ("peak_", "trough_", "final_", "mean_", "ticks_to_peak_", "ticks_to_trough_")
SIGNS = ("+", "-", "none")
#: arms every scenario has
BUILTIN_ARMS = ("scenario", "no_shocks")
EFFECT_KEYS = ("metric", "treatment", "control", "effect", "from", "to", "sign", "min", "max", "source",
               "note")
ARM_KEYS = ("config", "remove_shocks", "note")


@dataclass(frozen=True)
class Arm:
    """One arm of an experiment: the scenario with ``config`` overrides and shocks removed.

    Parameters
    ----------
    name : str
        Label (``scenario`` and ``no_shocks`` are built in).
    config : dict
        ArenaConfig overrides applied on top of the scenario's ``[config]``.
    remove_shocks : bool or tuple of str
        ``True`` removes every shock; a tuple removes the shocks of those kinds.
    note : str
        What the arm switches off and why.
    """

    name: str
    config: dict[str, Any] = field(default_factory=dict)
    remove_shocks: bool | tuple[str, ...] = False
    note: str = ""

    def apply(self, scenario):
        """Return the scenario of this arm (named ``<scenario>--<arm>``, validated)."""
        from dataclasses import replace

        if self.remove_shocks is True:
            shocks = ()
        elif self.remove_shocks:
            shocks = tuple(s for s in scenario.shocks if s.kind not in self.remove_shocks)
        else:
            shocks = scenario.shocks
        scenario.make_config(**self.config)  # validates
        name = scenario.name if self.name == "scenario" else f"{scenario.name}--{self.name}"
        return replace(scenario, name=name, config={**scenario.config, **self.config}, shocks=shocks)


def builtin_arm(name: str) -> Arm:
    """Return the built-in arm ``scenario`` or ``no_shocks``."""
    if name == "scenario":
        return Arm("scenario", note="the scenario as written")
    if name == "no_shocks":
        return Arm("no_shocks", remove_shocks=True, note="the same economy without the scenario's shocks")
    raise KeyError(name)


def ablation(name: str = "ablate", **config: Any) -> Arm:
    """Return an arm that keeps the shocks and overrides config, e.g. ``ablation(herding_strength=0)``."""
    return Arm(name, dict(config), False, "ablation: " + ", ".join(f"{k}={v}" for k, v in config.items()))


@dataclass(frozen=True)
class Effect:
    """An expected effect (or level): see the module docstring for the fields' meaning."""

    label: str
    metric: str
    control: str | None = "no_shocks"
    treatment: str = "scenario"
    effect: str = "difference"
    start: int | None = None
    end: int | None = None
    sign: str = "none"
    min: float | None = None
    max: float | None = None
    source: str = ""
    note: str = ""

    @property
    def kind(self) -> str:
        """The effect kind, ``level`` when there is no control."""
        return "level" if self.control is None else self.effect

    def _window(self, series: pd.Series) -> np.ndarray:
        lo = self.start if self.start is not None else -np.inf
        hi = self.end if self.end is not None else np.inf
        return series[(series.index >= lo) & (series.index <= hi)].to_numpy(dtype=float)

    def measure(self, treated: pd.DataFrame, control: pd.DataFrame | None = None,
                treated_events: pd.DataFrame | None = None,
                control_events: pd.DataFrame | None = None) -> tuple[float, float, float]:
        """Return ``(treatment value, control value, effect)`` on one seed's indicator frames.

        Frames are indexed by tick. Path effects report the treatment and control values of the
        metric on each arm's own series (for reading), and the effect on the response path.
        """
        from arena.scenarios import METRICS, Expectation, _parse_metric, _series

        single = Expectation(self.metric, start=self.start, end=self.end)
        empty = pd.DataFrame({"tick": [], "type": []})
        t = single.measure(treated, treated_events if treated_events is not None else empty)
        if self.control is None:
            return t, float("nan"), t
        if control is None:
            raise ValueError(f"effect {self.label!r} needs the control arm's indicators")
        c = single.measure(control, control_events if control_events is not None else empty)
        if self.effect == "difference":
            return t, c, t - c
        if self.effect == "ratio":
            return t, c, (t / c - 1.0) if c != 0 else float("nan")
        prefix, column = _parse_metric(self.metric)
        xt, xc = _series(treated, column), _series(control, column)
        xc = xc.reindex(xt.index)
        path = xt - xc if self.effect == "path_difference" else xt / xc.where(xc != 0) - 1.0
        window = self._window(path)
        if window.size == 0 or not np.isfinite(window).all():
            return t, c, float("nan")
        return t, c, float(METRICS[prefix][1](window))

    def holds(self, median: float, share_sign: float, min_share: float) -> bool:
        """Return whether the median is in ``[min, max]`` and ``min_share`` of seeds have the sign."""
        if not np.isfinite(median):
            return False
        in_range = (self.min is None or median >= self.min) and (self.max is None or median <= self.max)
        return bool(in_range and (self.sign == "none" or share_sign >= min_share))

    def range_text(self) -> str:
        """Return the expected range as text, e.g. ``[0.05, 0.4]`` or ``<= -0.01``."""
        if self.min is not None and self.max is not None:
            return f"[{self.min:g}, {self.max:g}]"
        return f">= {self.min:g}" if self.min is not None else f"<= {self.max:g}"

    def to_toml(self) -> list[str]:
        """Return the ``[expected.<label>]`` table as TOML lines."""
        from arena.scenarios import _toml_value

        lines = [f"[expected.{self.label}]", f"metric = {_toml_value(self.metric)}"]
        items = (("from", self.start), ("to", self.end), ("treatment", self.treatment if
                 self.treatment != "scenario" else None), ("control", self.control),
                 ("effect", self.effect if self.control is not None and self.effect != "difference"
                  else None),
                 ("sign", self.sign if self.sign != "none" else None), ("min", self.min), ("max", self.max),
                 ("source", self.source), ("note", self.note))
        lines += [f"{k} = {_toml_value(v)}" for k, v in items if v not in (None, "")]
        return lines


def arm_to_toml(arm: Arm) -> list[str]:
    """Return the ``[arms.<name>]`` table as TOML lines."""
    from arena.scenarios import _toml_value

    lines = [f"[arms.{arm.name}]"]
    if arm.config:
        pairs = ", ".join(f"{k} = {_toml_value(v)}" for k, v in arm.config.items())
        lines.append("config = { " + pairs + " }")
    if arm.remove_shocks is True:
        lines.append("remove_shocks = true")
    elif arm.remove_shocks:
        lines.append("remove_shocks = [" + ", ".join(_toml_value(k) for k in arm.remove_shocks) + "]")
    if arm.note:
        lines.append(f"note = {_toml_value(arm.note)}")
    return lines


# --------------------------------------------------------------------------- validation --------
def check_arms(data: Any, problems, check_config: Callable[[Any, Any], dict]) -> dict[str, Arm]:
    """Validate ``[arms]``; ``check_config(table, problems)`` validates a config table."""
    from arena import shocks as shk
    from arena.scenarios import NAME_RE

    if not isinstance(data, Mapping):
        problems.add("arms", "must be a table of [arms.<name>] tables")
        return {}
    arms = {}
    for name, spec in data.items():
        where = f"arms.{name}"
        if name in BUILTIN_ARMS:
            problems.add(where, f"{name!r} is a built-in arm ({', '.join(BUILTIN_ARMS)}); "
                                "choose another name")
            continue
        if not NAME_RE.match(name):
            problems.add(where, f"an arm name must be letters, digits, '_' or '-'. Got {name!r} instead.")
            continue
        if not isinstance(spec, Mapping):
            problems.add(where, "must be a table with config, remove_shocks and note keys")
            continue
        bad = [k for k in spec if k not in ARM_KEYS]
        for key in bad:
            problems.add(f"{where}.{key}", f"unknown key; allowed keys: {', '.join(ARM_KEYS)}")
        sub = _Prefixed(problems, f"{where}.")
        config = check_config(spec.get("config", {}), sub)
        remove = spec.get("remove_shocks", False)
        if isinstance(remove, list):
            unknown = [k for k in remove if k not in shk.SHOCK_KINDS]
            if unknown:
                problems.add(f"{where}.remove_shocks", f"unknown shock kinds {unknown}; kinds: "
                                                       f"{', '.join(shk.SHOCK_KINDS)}")
                continue
            remove = tuple(remove)
        elif not isinstance(remove, bool):
            problems.add(f"{where}.remove_shocks", "must be true, false or a list of shock kinds. "
                                                   f"Got {remove!r} instead.")
            continue
        note = spec.get("note", "")
        if not isinstance(note, str):
            problems.add(f"{where}.note", f"must be a string. Got {note!r} instead.")
            continue
        if not bad:
            arms[name] = Arm(name, config, remove, note)
    return arms


class _Prefixed:
    """Adds a key-path prefix to the problems reported by a nested validator."""

    def __init__(self, problems, prefix: str):
        self.problems, self.prefix = problems, prefix

    def add(self, key: str, reason: str) -> None:
        self.problems.add(self.prefix + key, reason)


def _number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and np.isfinite(v)


def check_effect(label: str, spec: Mapping[str, Any], ticks: int | None, arms: Mapping[str, Arm],
                 problems) -> Effect | None:
    """Validate one ``[expected.<label>]`` effect table; report problems and return None if bad."""
    from arena.scenarios import NAME_RE, _parse_metric

    where = f"expected.{label}"
    n = len(problems.items)
    if not NAME_RE.match(label):
        problems.add(where, f"an effect label must be letters, digits, '_' or '-'. Got {label!r} instead.")
    for key in spec:
        if key not in EFFECT_KEYS:
            problems.add(f"{where}.{key}", f"unknown key; allowed keys: {', '.join(EFFECT_KEYS)}")
    metric = spec.get("metric")
    try:
        prefix, _ = _parse_metric(metric) if isinstance(metric, str) else (None, None)
        if prefix is None:
            problems.add(f"{where}.metric", f"must be a metric name such as 'max_drawdown_equity'. "
                                            f"Got {metric!r} instead.")
    except ValueError as exc:
        problems.add(f"{where}.metric", str(exc))
        prefix = None
    if prefix == "events_":
        problems.add(f"{where}.metric", "event counts are not kept by batches; use an indicator metric "
                                        "(e.g. peak_tightening instead of events_monetary_tightening). "
                                        f"Got {metric!r}.")
    known = tuple(BUILTIN_ARMS) + tuple(arms)
    for key in ("treatment", "control"):
        if key in spec and spec[key] not in known:
            problems.add(f"{where}.{key}", f"must be an arm: one of {', '.join(known)}. "
                                           f"Got {spec[key]!r} instead.")
    control = spec.get("control")
    kind = spec.get("effect", "difference")
    kinds = [k for k in EFFECT_KINDS if k != "level"]
    if kind not in kinds:
        problems.add(f"{where}.effect", f"must be one of {', '.join(kinds)}. Got {kind!r} instead.")
    elif control is None and "effect" in spec:
        problems.add(f"{where}.effect", "needs a control (without one the criterion is a level)")
    elif kind.startswith("path_") and prefix is not None and prefix not in PATH_PREFIXES:
        problems.add(f"{where}.metric", f"a {kind} effect summarises a response path: the metric's prefix "
                                        f"must be one of {', '.join(PATH_PREFIXES)}. Got {metric!r} instead.")
    if control is not None and control == spec.get("treatment", "scenario"):
        problems.add(f"{where}.control", f"is the same arm as the treatment ({control!r})")
    sign = spec.get("sign", "none")
    if sign not in SIGNS:
        problems.add(f"{where}.sign", f"must be one of {', '.join(SIGNS)}. Got {sign!r} instead.")
    if control is not None and "sign" not in spec:
        problems.add(f"{where}.sign", "missing: an effect states its expected sign (+, - or none)")
    for key in ("min", "max"):
        if key in spec and not _number(spec[key]):
            problems.add(f"{where}.{key}", f"must be a finite number. Got {spec[key]!r} instead.")
    if "min" not in spec and "max" not in spec:
        problems.add(where, "needs a min or a max (the range expected from economics)")
    elif _number(spec.get("min", 0)) and _number(spec.get("max", 0)):
        lo, hi = spec.get("min", -np.inf), spec.get("max", np.inf)
        if lo > hi:
            problems.add(where, f"min ({lo}) is greater than max ({hi})")
        elif (sign == "+" and hi <= 0) or (sign == "-" and lo >= 0):
            problems.add(where, f"the range [{lo}, {hi}] contradicts the sign {sign!r}")
    for key in ("from", "to"):
        if key in spec:
            v = spec[key]
            if isinstance(v, bool) or not isinstance(v, int) or v < 0 or (ticks is not None and v > ticks):
                limit = f"[0, {ticks}]" if ticks is not None else ">= 0"
                problems.add(f"{where}.{key}", f"must be a tick in {limit}. Got {v!r} instead.")
    if isinstance(spec.get("from"), int) and isinstance(spec.get("to"), int) and spec["from"] > spec["to"]:
        problems.add(where, f"from ({spec['from']}) is after to ({spec['to']})")
    for key in ("source", "note"):
        if key in spec and not isinstance(spec[key], str):
            problems.add(f"{where}.{key}", f"must be a string. Got {spec[key]!r} instead.")
    if not str(spec.get("source", "")).strip():
        problems.add(f"{where}.source", "missing: name the paper or historical episode the range comes from")
    if len(problems.items) > n:
        return None
    return Effect(label, metric, control, spec.get("treatment", "scenario"), kind, spec.get("from"),
                  spec.get("to"), sign, spec.get("min"), spec.get("max"), spec.get("source", ""),
                  spec.get("note", ""))


def effects_frame(effects) -> pd.DataFrame:
    """Return the stated effects as a table: label, metric, contrast, window, sign, range, source."""
    rows = [{"effect": e.label, "metric": e.metric, "kind": e.kind, "treatment": e.treatment,
             "control": e.control or "", "from": e.start, "to": e.end, "sign": e.sign,
             "expected": e.range_text(), "source": e.source} for e in effects]
    columns = ["effect", "metric", "kind", "treatment", "control", "from", "to", "sign", "expected", "source"]
    return pd.DataFrame(rows, columns=columns)


def measure_one_seed(effects, runs: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Measure the effects whose arms are all in ``runs`` (arm -> indicators of one seed, by tick).

    One seed is one draw: use :func:`arena.experiment` for the effect across seeds.
    """
    rows = []
    for e in effects:
        if e.treatment in runs and (e.control is None or e.control in runs):
            t, c, v = e.measure(runs[e.treatment], runs.get(e.control) if e.control else None)
            rows.append({"effect": e.label, "treatment_value": t, "control_value": c, "effect_value": v,
                         "sign": e.sign, "expected": e.range_text(),
                         "in_range": (e.min is None or v >= e.min) and (e.max is None or v <= e.max)})
    return pd.DataFrame(rows, columns=["effect", "treatment_value", "control_value", "effect_value", "sign",
                                       "expected", "in_range"])
