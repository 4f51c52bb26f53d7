"""Moments of runs at explicit parameter points, run through :func:`arena.run_batch`.

Calibration (:mod:`arena.calibration`) and sensitivity analysis (:mod:`arena.sensitivity`)
both need "run these parameter points on these seeds and measure each run"; this module does
that once. Every point runs on the same seeds (common random numbers), so two points differ
by their parameters, not by their luck.
"""

from __future__ import annotations

import warnings
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from arena.errors import ConfigError
from arena.validation import stats
from arena.validation.finance import finance_statistics
from arena.validation.macro import macro_statistics, to_quarters

#: Outputs of :func:`run_outputs` beyond the finance and macro statistics.
OUTPUTS = ("volatility", "unemployment", "inflation", "crash_depth")


def check_space(space: Mapping[str, Sequence[float]],
                default: bool = False) -> dict[str, tuple[float, float]]:
    """Validate a search space ``{parameter: (low, high)}`` against the engine's parameters.

    Parameters
    ----------
    space : mapping
        Parameter -> (low, high), numeric parameters only, inside the declared ranges.
    default : bool
        True for a module's default space: parameters the engine no longer declares are
        dropped with a warning (the economy is being rewritten) instead of refused.

    Raises
    ------
    ConfigError
        Unknown or non-numeric parameter, bounds not ``low < high`` or outside the declared range.
    """
    from arena.config import PARAMETERS

    out = {}
    for name, bounds in space.items():
        if name not in PARAMETERS or name == "seed":
            if default:
                warnings.warn(f"default search-space parameter {name!r} is not an engine parameter; skipped",
                              stacklevel=3)
                continue
            raise ConfigError(f"Unknown search-space parameter {name!r}. Valid parameters are: "
                              + ", ".join(p for p in PARAMETERS if PARAMETERS[p].kind in (int, float)))
        decl = PARAMETERS[name]
        if decl.kind not in (int, float):
            raise ConfigError(f"The search-space parameter {name!r} must be numeric. "
                              f"It is a {decl.kind.__name__}.")
        low, high = (float(b) for b in bounds)
        lo = -np.inf if decl.low is None else decl.low
        hi = np.inf if decl.high is None else decl.high
        if not (lo <= low < high <= hi):
            raise ConfigError(f"The bounds of search-space parameter {name!r} must satisfy "
                              f"{lo:g} <= low < high <= {hi:g}. Got ({low:g}, {high:g}) instead.")
        out[name] = (low, high)
    if not out:
        raise ConfigError("The search space is empty.")
    return out


def as_points(values: np.ndarray, names: Sequence[str], fixed: Mapping[str, Any] | None = None) -> list[dict]:
    """Rows of ``values`` as parameter dicts (ints rounded for int parameters), plus ``fixed`` values."""
    from arena.config import PARAMETERS

    points = []
    for row in np.atleast_2d(values):
        point = {n: (int(round(v)) if PARAMETERS[n].kind is int else float(v)) for n, v in zip(names, row,
                                                                                               strict=True)}
        points.append({**point, **dict(fixed or {})})
    return points


def run_outputs(run: pd.DataFrame, burn_in: int, ticks_per_year: int) -> dict[str, float]:
    """Moments of one run: finance statistics, quarterly macro statistics and the headline outputs.

    ``volatility`` (annualised equity volatility), ``unemployment`` (mean rate), ``inflation``
    (mean of the ``inflation`` column) and ``crash_depth`` (largest peak-to-trough fall of the
    equity price), all after the burn-in.
    """
    from arena.indicators import max_drawdown

    ticks = run["tick"].to_numpy()
    after = run.loc[ticks > burn_in]
    price = after["price_equity"].to_numpy(float)
    r = stats.log_returns(price)
    out = finance_statistics(r, ticks_per_year)
    out |= macro_statistics(to_quarters(run, ticks_per_year, burn_in)[0])
    out |= {"volatility": out["annual_volatility"],
            "unemployment": float(after["unemployment"].mean()) if "unemployment" in after else np.nan,
            "inflation": float(after["inflation"].mean()) if "inflation" in after else np.nan,
            "crash_depth": max_drawdown(price) if price.size else np.nan}
    return out


def evaluate(scenario, points: list[dict], seeds: Sequence[int], ticks: int, burn_in: int,
             backend: Any = "processes", workers: int | None = None, out_dir=None,
             progress: bool = False) -> pd.DataFrame:
    """Run every point on every seed through :func:`arena.run_batch`; one row of moments per run.

    Returns
    -------
    DataFrame
        Columns ``point`` (index into ``points``), ``seed``, the point's parameters, then the
        moments of :func:`run_outputs`. A failed run is absent (run_batch warns).
    """
    from arena.batch import expand, run_batch
    from arena.scenarios import load_scenario

    scenario = load_scenario(scenario)
    key = lambda params, seed: (tuple(sorted(params.items())), seed)  # noqa: E731
    run_ids = {key(s.params, s.seed): s.run_id for s in expand(scenario, points, seeds, ticks)}
    frame = run_batch(scenario, grid=points, seeds=seeds, ticks=ticks, backend=backend, out_dir=out_dir,
                      workers=workers, progress=progress)
    per_year = scenario.make_config(**points[0]).ticks_per_year
    runs = dict(tuple(frame.groupby("run_id", sort=False)))
    measured: dict[str, dict] = {}
    rows = []
    for i, point in enumerate(points):  # identical points share their runs
        for seed in seeds:
            run_id = run_ids[key(point, seed)]
            if run_id not in runs:
                continue
            if run_id not in measured:
                measured[run_id] = run_outputs(runs[run_id].sort_values("tick"), burn_in, per_year)
            rows.append({"point": i, "seed": seed, **point, **measured[run_id]})
    if not rows:
        raise RuntimeError("Every run of the design failed; see arena.storage.read_batch_runs(out_dir).")
    return pd.DataFrame(rows).sort_values(["point", "seed"]).reset_index(drop=True)
