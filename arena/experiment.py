"""Experiments: a treatment and a control run on the same seeds, and the effect across seeds.

``arena.experiment("market_crash", control={"herding_strength": 0.0}, seeds=range(1, 21))``
runs the scenario (treatment) and the same scenario with herding switched off (control) on
the same seeds, through :func:`arena.run_batch` (processes, serial or Dask), and returns an
:class:`ExperimentResult`: a tidy table of each effect's median across seeds, a bootstrap
confidence interval of that median, the share of seeds with the expected sign and the
number of seeds, plus the per-seed values and the runs themselves (for plots:
:func:`arena.experiment_plot.plot_arms`).

Common random numbers: both arms of a seed start from the same generator state, so what
differs between them is the intervention (and the paths it sets off), not the luck of the draw.

Statistics
----------
The effect of a seed is ``metric(treatment) - metric(control)`` (or a ratio or a response path,
see :mod:`arena.effects`). The table reports the **median** over seeds and a percentile
**bootstrap** interval of that median: ``n_boot`` resamples of the seeds with replacement drawn
from ``numpy.random.default_rng(ci_seed)`` (deterministic), the ``(1 - level) / 2`` and
``(1 + level) / 2`` quantiles of the resampled medians (Efron & Tibshirani 1993, ch. 13). An
effect **holds** when its median lies in the expected range and, if a sign is expected, at
least ``min_share`` of the seeds (default 0.8) show that sign.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from arena.config import PARAMETERS
from arena.effects import Arm, Effect, builtin_arm
from arena.errors import ConfigError
from arena.scenarios import Scenario, load_scenario

TABLE_COLUMNS = ["scenario", "effect", "metric", "kind", "treatment", "control", "from", "to", "sign",
                 "min", "max", "median", "ci_low", "ci_high", "share_sign", "n", "holds", "source", "note"]


def bootstrap_median_ci(values: Sequence[float], level: float = 0.95, n_boot: int = 2000,
                        seed: int = 0) -> tuple[float, float]:
    """Percentile bootstrap interval of the median of ``values`` (NaNs dropped).

    Parameters
    ----------
    values : sequence of float
        One value per seed.
    level : float, default 0.95
        Coverage in (0, 1).
    n_boot : int, default 2000
        Resamples.
    seed : int, default 0
        Seed of the resampling generator (the interval is deterministic).
    """
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    if x.size == 0:
        return float("nan"), float("nan")
    if x.size == 1:
        return float(x[0]), float(x[0])
    rng = np.random.default_rng(seed)
    medians = np.median(x[rng.integers(0, x.size, size=(n_boot, x.size))], axis=1)
    alpha = (1.0 - level) / 2.0
    return float(np.quantile(medians, alpha)), float(np.quantile(medians, 1.0 - alpha))


def _as_arm(spec: Any, scenario: Scenario, default_name: str) -> Arm:
    """Return an arm from a name, an Arm, a mapping of config overrides, or an arm-like mapping."""
    if spec is None:
        return builtin_arm("scenario") if default_name == "treatment" else builtin_arm("no_shocks")
    if isinstance(spec, Arm):
        return spec
    if isinstance(spec, str):
        return scenario.arm(spec)
    if isinstance(spec, Mapping):
        if set(spec) <= {"config", "remove_shocks", "note", "name"} and spec:
            remove = spec.get("remove_shocks", False)
            remove = tuple(remove) if isinstance(remove, (list, tuple)) else bool(remove)
            arm = Arm(spec.get("name", default_name), dict(spec.get("config", {})), remove,
                      spec.get("note", ""))
            for known in list(scenario.arms.values()) + [builtin_arm("no_shocks")]:
                if (known.config, known.remove_shocks) == (arm.config, arm.remove_shocks):
                    return known  # the same arm as a declared one: use its name (and the file's ranges)
            return arm
        config = {k: v for k, v in spec.items()}
        for arm in scenario.arms.values():  # the same ablation as a declared arm: use its name
            if arm.remove_shocks is False and arm.config == config:
                return arm
        unknown = [k for k in spec if k not in PARAMETERS]
        if unknown:
            raise ConfigError(f"Unknown config parameters {unknown} in the {default_name} overrides. Valid "
                              "parameters are: " + ", ".join(PARAMETERS))
        label = ",".join(f"{k}={v}" for k, v in spec.items())
        return Arm(f"{default_name}_{label}".replace("=", "-").replace(",", "_").replace(".", "p"),
                   dict(spec), False, f"{default_name}: {label}")
    raise ConfigError(f"The {default_name} of an experiment must be an arm name, an Arm or a dict of config "
                      f"overrides. Got {spec!r} instead.")


def _label(metric: str, start: int | None, end: int | None) -> str:
    if start is None and end is None:
        return metric
    return f"{metric}@{'' if start is None else start}-{'' if end is None else end}"


def _user_effect(m: Any, treatment: Arm, control: Arm) -> Effect:
    """Return an effect from a metric name, a dict of ``[expected]`` keys, or an Effect."""
    from arena.effects import EFFECT_KEYS, EFFECT_KINDS, SIGNS
    from arena.scenarios import _parse_metric

    if isinstance(m, Effect):
        return m
    spec = {"metric": m} if isinstance(m, str) else m
    if not isinstance(spec, Mapping):
        raise ConfigError(f"A metric must be a name, a dict or an Effect. Got {m!r} instead.")
    unknown = [k for k in spec if k not in EFFECT_KEYS and k != "label"]
    if unknown:
        raise ConfigError(f"Unknown metric keys {unknown}; allowed: label, {', '.join(EFFECT_KEYS)}")
    try:
        prefix, _ = _parse_metric(str(spec.get("metric")))
    except ValueError as exc:
        raise ConfigError(f"Bad metric {spec.get('metric')!r}: {exc}") from None
    if prefix == "events_":
        raise ConfigError("Event counts are not kept by batches; use an indicator metric. "
                          f"Got {spec['metric']!r}.")
    kind, sign = spec.get("effect", "difference"), spec.get("sign", "none")
    if kind not in EFFECT_KINDS or kind == "level":
        raise ConfigError(f"The 'effect' of a metric must be one of difference, ratio, path_difference, "
                          f"path_ratio. Got {kind!r} instead.")
    if sign not in SIGNS:
        raise ConfigError(f"The 'sign' of a metric must be one of {', '.join(SIGNS)}. Got {sign!r} instead.")
    start, end = spec.get("from"), spec.get("to")
    return Effect(spec.get("label", _label(spec["metric"], start, end)), spec["metric"],
                  spec.get("control", control.name), spec.get("treatment", treatment.name), kind, start, end,
                  sign, spec.get("min"), spec.get("max"), spec.get("source", ""), spec.get("note", ""))


def _as_effects(metrics: Any, scenario: Scenario, treatment: Arm, control: Arm,
                custom_arms: bool) -> list[Effect]:
    """Return the effects to estimate (see :func:`experiment`'s ``metrics``)."""
    if metrics is not None:
        out = [_user_effect(m, treatment, control) for m in metrics]
    elif not custom_arms:
        out = list(scenario.effects)
    else:
        out = [e for e in scenario.effects if e.treatment == treatment.name and e.control == control.name]
        if not out:  # the file's ranges belong to other contrasts: measure the same metrics, no range
            seen: dict[str, Effect] = {}
            for e in scenario.effects:
                if e.control is not None:
                    label = _label(e.metric, e.start, e.end)
                    label += "" if e.effect == "difference" else f"~{e.effect}"
                    seen.setdefault(label, Effect(label, e.metric, control.name, treatment.name, e.effect,
                                                  e.start, e.end))
            out = list(seen.values()) or [Effect("max_drawdown_equity", "max_drawdown_equity", control.name,
                                                 treatment.name)]
    labels = [e.label for e in out]
    if len(set(labels)) != len(labels):
        raise ConfigError(f"Effect labels must be unique. Got {labels!r}.")
    return out


@dataclass
class ExperimentResult:
    """What :func:`experiment` returns.

    Attributes
    ----------
    table : DataFrame
        One row per effect (:data:`TABLE_COLUMNS`).
    per_seed : DataFrame
        One row per effect and seed: ``treatment_value``, ``control_value``, ``effect_value``.
    runs : dict of str to DataFrame
        Arm name -> batch frame (``seed``, ``tick``, indicators) of that arm's runs.
    arms : dict of str to Arm
    info : dict
        Scenario, seeds, ticks, agents, level, n_boot, ci_seed, min_share.
    """

    table: pd.DataFrame
    per_seed: pd.DataFrame
    runs: dict[str, pd.DataFrame] = field(default_factory=dict)
    arms: dict[str, Arm] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)

    def to_markdown(self, digits: int = 3) -> str:
        """Return the effect table as a Markdown table."""
        return effect_markdown(self.table, digits)

    def save(self, out_dir: str | Path) -> Path:
        """Write ``effects.parquet``, ``per_seed.parquet`` and ``effects.md`` to ``out_dir``."""
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        self.table.to_parquet(out / "effects.parquet", index=False)
        self.per_seed.to_parquet(out / "per_seed.parquet", index=False)
        (out / "effects.md").write_text(self.to_markdown() + "\n")
        return out


def _fmt(v: Any, digits: int) -> str:
    if v is None or (isinstance(v, float) and not np.isfinite(v)):
        return ""
    return f"{v:.{digits}g}" if isinstance(v, float) else str(v)


def effect_markdown(table: pd.DataFrame, digits: int = 3) -> str:
    """Markdown of an effect table: effect, contrast, window, expected, median, CI, sign share, n, holds."""
    lines = ["| effect | metric | treatment vs control | ticks | expected | median | 95% CI | same sign "
             "| n | holds |", "|---|---|---|---|---|---|---|---|---|---|"]
    for r in table.itertuples(index=False):
        lo, hi = r.min, r.max
        lo = None if lo is None or not np.isfinite(lo) else lo
        hi = None if hi is None or not np.isfinite(hi) else hi
        expected = (f"[{lo:g}, {hi:g}]" if lo is not None and hi is not None
                    else f">= {lo:g}" if lo is not None else f"<= {hi:g}" if hi is not None else "")
        if r.sign != "none":
            expected = f"{r.sign}, {expected}"
        window = f"{'' if pd.isna(r[6]) else int(r[6])}–{'' if pd.isna(r[7]) else int(r[7])}"
        contrast = r.treatment if r.kind == "level" else f"{r.treatment} vs {r.control}"
        share = "" if r.sign == "none" or not np.isfinite(r.share_sign) else f"{r.share_sign:.0%}"
        lines.append(f"| `{r.effect}` | `{r.metric}` ({r.kind}) | {contrast} | {window} | {expected} | "
                     f"{_fmt(r.median, digits)} | [{_fmt(r.ci_low, digits)}, {_fmt(r.ci_high, digits)}] | "
                     f"{share} | {r.n} | {'' if r.holds is None else 'yes' if r.holds else '**no**'} |")
    return "\n".join(lines)


def _events_unused() -> pd.DataFrame:
    return pd.DataFrame({"tick": pd.Series([], dtype=int), "type": pd.Series([], dtype=str)})


def experiment(scenario: str | os.PathLike | Scenario, treatment: Any = None, control: Any = None,
               seeds: Iterable[int] | None = None, metrics: Sequence[Any] | None = None,
               ticks: int | None = None,
               backend: Any = "processes", *, n_agents: int | None = None,
               overrides: Mapping[str, Any] | None = None, out_dir: str | Path | None = None,
               workers: int | None = None, progress: bool = False, level: float = 0.95, n_boot: int = 2000,
               ci_seed: int = 0, min_share: float = 0.8) -> ExperimentResult:
    """Run treatment and control arms on the same seeds and estimate each effect across seeds.

    Parameters
    ----------
    scenario : str, Path or Scenario
        Scenario name, file or object.
    treatment, control : str, Arm or dict, optional
        An arm name of the scenario (``"scenario"``, ``"no_shocks"``, or one of its ``[arms]``),
        an :class:`~arena.effects.Arm`, or a dict of config overrides (an ablation that keeps the
        shocks, e.g. ``{"herding_strength": 0.0}``). With neither given, every effect of the
        scenario's ``[expected]`` table is estimated against its own control; with either given,
        the treatment defaults to ``"scenario"`` and the control to ``"no_shocks"``.
    seeds : iterable of int, optional
        Seeds (default 1-10); both arms run every seed.
    metrics : list, optional
        Effects to estimate: metric names (``"max_drawdown_equity"``: a difference over the whole
        run), dicts with the keys of an ``[expected]`` effect table, or :class:`~arena.effects.Effect`
        objects. Default: the scenario's effects (retargeted to the given arms, if any).
    ticks : int, optional
        Ticks per run (default the scenario's).
    backend : {"processes", "serial", "dask"}, str, Client or cluster
        Passed to :func:`arena.run_batch`.
    n_agents : int, optional
        Households in every run (default the scenario's).
    overrides : dict, optional
        Further config overrides applied to every arm.
    out_dir : str or Path, optional
        Where the arms' batches are written (``<out_dir>/<arm>/``); default
        ``data/experiments/<scenario>/``. Runs already on disk are reused.
    workers : int, optional
        Local processes (default all cores).
    progress : bool, default False
        Progress bars.
    level, n_boot, ci_seed : float, int, int
        Bootstrap interval: coverage, resamples, seed.
    min_share : float, default 0.8
        Share of seeds that must show the expected sign for an effect to hold.

    Returns
    -------
    ExperimentResult
    """
    from arena.batch import run_batch

    scenario = load_scenario(scenario)
    seeds = list(range(1, 11)) if seeds is None else [int(s) for s in seeds]
    if len(set(seeds)) != len(seeds) or not seeds:
        raise ConfigError(f"An experiment needs distinct seeds. Got {seeds!r} instead.")
    if not 0.0 < level < 1.0:
        raise ConfigError(f"The 'level' of an experiment must be in (0, 1). Got {level!r} instead.")
    custom = treatment is not None or control is not None
    t_arm, c_arm = _as_arm(treatment, scenario, "treatment"), _as_arm(control, scenario, "control")
    if custom and t_arm.name == c_arm.name:
        raise ConfigError(f"The treatment and control arms have the same name {t_arm.name!r}.")
    effects = _as_effects(metrics, scenario, t_arm, c_arm, custom)
    if not effects:
        raise ConfigError(f"Scenario {scenario.name!r} has no effects in [expected]; pass metrics=[...].")
    arms: dict[str, Arm] = {}
    for e in effects:
        for name in (e.treatment, e.control):
            if name is None or name in arms:
                continue
            arms[name] = t_arm if name == t_arm.name else c_arm if name == c_arm.name else scenario.arm(name)
    extra = dict(overrides or {})
    if n_agents is not None:
        extra["n_agents"] = int(n_agents)
    base = Path(out_dir) if out_dir is not None else Path("data") / "experiments" / scenario.name
    runs: dict[str, pd.DataFrame] = {}
    for name, arm in arms.items():
        arm_scenario = arm.apply(scenario)
        if extra:
            arm_scenario = replace(arm_scenario, config={**arm_scenario.config, **extra})
            arm_scenario.make_config()
        frame = run_batch(arm_scenario, seeds=seeds, ticks=ticks, backend=backend, out_dir=base / name,
                          workers=workers, progress=progress)
        got = sorted(frame["seed"].unique().tolist()) if not frame.empty else []
        if got != sorted(seeds):
            missing = sorted(set(seeds) - set(got))
            raise RuntimeError(f"arm {name!r} of experiment {scenario.name!r}: runs failed for seeds "
                               f"{missing} "
                               f"(see arena.storage.read_batch_runs({str(base / name)!r}))")
        runs[name] = frame
    per_seed = _per_seed(effects, runs, seeds)
    table = _summarise(scenario.name, effects, per_seed, level, n_boot, ci_seed, min_share)
    info = {"scenario": scenario.name, "seeds": seeds, "ticks": ticks or scenario.ticks,
            "n_agents": extra.get("n_agents", scenario.make_config().n_agents), "level": level,
            "n_boot": n_boot,
            "ci_seed": ci_seed, "min_share": min_share, "overrides": extra,
            "shock_ticks": sorted({s.tick for s in scenario.shocks})}
    return ExperimentResult(table, per_seed, runs, arms, info)


def _per_seed(effects: list[Effect], runs: Mapping[str, pd.DataFrame], seeds: list[int]) -> pd.DataFrame:
    split = {name: {s: g.set_index("tick") for s, g in frame.groupby("seed")} for name, frame in runs.items()}
    rows = []
    for e in effects:
        for seed in seeds:
            treated = split[e.treatment][seed]
            control = split[e.control][seed] if e.control is not None else None
            t, c, v = e.measure(treated, control)
            rows.append({"effect": e.label, "seed": seed, "treatment_value": t, "control_value": c,
                         "effect_value": v})
    return pd.DataFrame(rows, columns=["effect", "seed", "treatment_value", "control_value", "effect_value"])


def _summarise(name: str, effects: list[Effect], per_seed: pd.DataFrame, level: float, n_boot: int,
               ci_seed: int, min_share: float) -> pd.DataFrame:
    rows = []
    for e in effects:
        values = per_seed.loc[per_seed["effect"] == e.label, "effect_value"].to_numpy(dtype=float)
        finite = values[np.isfinite(values)]
        median = float(np.median(finite)) if finite.size else float("nan")
        lo, hi = bootstrap_median_ci(finite, level, n_boot, ci_seed)
        if e.sign == "+":
            share = float(np.mean(finite > 0)) if finite.size else float("nan")
        elif e.sign == "-":
            share = float(np.mean(finite < 0)) if finite.size else float("nan")
        else:
            share = float("nan")
        rows.append({"scenario": name, "effect": e.label, "metric": e.metric, "kind": e.kind,
                     "treatment": e.treatment, "control": e.control if e.control is not None else "",
                     "from": e.start, "to": e.end, "sign": e.sign,
                     "min": e.min if e.min is not None else float("nan"),
                     "max": e.max if e.max is not None else float("nan"), "median": median, "ci_low": lo,
                     "ci_high": hi, "share_sign": share, "n": int(finite.size),
                     "holds": (e.holds(median, share, min_share) and finite.size == values.size)
                     if (e.min is not None or e.max is not None) else None,
                     "source": e.source, "note": e.note})
    table = pd.DataFrame(rows, columns=TABLE_COLUMNS)
    return table.astype({"from": "Int64", "to": "Int64"})
