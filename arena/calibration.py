"""Calibration: fit parameters so the model's moments match real data (method of simulated moments).

``calibrate("baseline")`` searches :data:`DEFAULT_SPACE` for the parameters whose simulated
moments (:data:`DEFAULT_MOMENTS`, each the mean over seeds) are closest to the real data's
(NASDAQ Composite 1999-2018, US unemployment 1959-2009: :mod:`arena.validation.reference`)::

    loss(theta) = sum_i w_i (m_i(theta) - d_i)^2,   w_i = 1 / s_i^2

with ``s_i`` the standard deviation of moment ``i`` across the data's sub-periods as long as a
model run (a diagonal MSM weight: a moment that real samples of that length measure
precisely counts more; Franke & Westerhoff 2012 use the same idea with a bootstrap).
Every point runs on the same seeds (common random numbers) through :func:`arena.run_batch`,
so a round of proposals runs in parallel on local processes or a Dask cluster.

Methods
-------
``"black-it"`` (default)
    black-it's samplers (Benedetti et al. 2022, Bank of Italy): a Halton low-discrepancy
    design first, then rounds alternating its best-batch sampler (perturbs the best points)
    and its random-forest sampler (a classifier of low-loss regions proposes points).
    black-it 0.3.3 caps numpy < 1.27, pandas < 3 and statsmodels < 0.15 in its metadata, but
    the parts used here run on this project's numpy 2 / pandas 3 (tests run them); it is
    installed with ``pip install --no-deps black-it==0.3.3`` (see the Makefile).
``"msm"``
    scipy's bounded Nelder-Mead over the unit cube from the scenario's configuration, one
    point at a time (runs only across seeds in parallel). Used when black-it is missing.

The search starts from (and always includes) the scenario's own configuration, so the result
says how much the default improves.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from arena.errors import ConfigError
from arena.validation.moments import as_points, check_space, evaluate

#: Default search space: the equity market's behavioural parameters (bounds inside ArenaConfig's).
DEFAULT_SPACE: dict[str, tuple[float, float]] = {
    "activity_rate": (0.02, 0.3),  # share of households trading per tick: market depth
    "switching_intensity": (0.5, 10.0),  # Brock-Hommes beta: regime persistence
    "herding_strength": (0.0, 0.6),  # copying the crowd: volatility bursts
    "noise_sigma": (0.002, 0.03),  # noise traders' dispersion: base volatility
    "fundamental_reversion": (0.01, 0.2),  # fundamentalists' pull: mean reversion
    "demand_sensitivity": (0.5, 10.0),  # order size per expected return: price impact
}

#: Default moments and their extra weight factor (1 = plain inverse-variance weight).
DEFAULT_MOMENTS: dict[str, float] = {
    "excess_kurtosis": 1.0,
    "acf_r_lag1": 1.0,
    "acf_abs_lag1": 1.0,
    "acf_abs_lag10": 1.0,
    "garch_persistence": 1.0,
    "annual_volatility": 1.0,
    "unemployment_mean": 1.0,
}

#: Loss of a point whose moments cannot be measured (e.g. a price that never moves).
PENALTY = 1e6


def targets(moments: Mapping[str, float], n_returns: int, n_quarters: int) -> pd.DataFrame:
    """Return the data value, sub-period std and weight of each moment (:mod:`arena.validation.reference`)."""
    from arena.validation.reference import finance_reference, macro_reference

    ref = pd.concat([finance_reference(n_returns), macro_reference(n_quarters)])
    unknown = [m for m in moments if m not in ref.index]
    if unknown:
        raise ConfigError(f"Unknown calibration moment(s) {unknown}. Moments with data are: "
                          + ", ".join(ref.index))
    out = ref.loc[list(moments), ["data", "data_std"]].copy()
    out["factor"] = [float(moments[m]) for m in out.index]
    out["weight"] = out["factor"] / out["data_std"] ** 2
    return out


def loss(moment_means: pd.DataFrame, target: pd.DataFrame) -> np.ndarray:
    """Weighted squared distance of each point's mean moments from the data; PENALTY if unmeasurable."""
    diff = moment_means[target.index].to_numpy(float) - target["data"].to_numpy(float)
    value = (diff**2 * target["weight"].to_numpy(float)).sum(axis=1)
    return np.where(np.isfinite(value), value, PENALTY)


@dataclass
class CalibrationResult:
    """What a calibration found: every evaluated point, the best one, its moments and spread."""

    points: pd.DataFrame
    target: pd.DataFrame
    space: dict[str, tuple[float, float]]
    method: str
    config: dict[str, Any] = field(default_factory=dict)

    @property
    def best(self) -> dict[str, float]:
        """Parameters of the lowest-loss point."""
        row = self.points.loc[self.points["loss"].idxmin()]
        return {k: row[k] for k in self.space}

    @property
    def best_loss(self) -> float:
        """Lowest loss found."""
        return float(self.points["loss"].min())

    @property
    def default_loss(self) -> float:
        """Loss of the scenario's own configuration (point 0)."""
        return float(self.points.loc[self.points["point"] == 0, "loss"].iloc[0])

    def moments(self) -> pd.DataFrame:
        """Compare data, default configuration and best point, moment by moment."""
        best = self.points.loc[self.points["loss"].idxmin()]
        default = self.points.loc[self.points["point"] == 0].iloc[0]
        out = self.target[["data", "data_std", "weight"]].copy()
        out["default"] = [default[m] for m in out.index]
        out["best"] = [best[m] for m in out.index]
        return out

    def uncertainty(self, quantile: float = 0.2) -> pd.DataFrame:
        """Range of each parameter over the points with the lowest ``quantile`` of losses.

        A wide range means the moments do not pin the parameter down (weak identification);
        it is a spread of good points, not a confidence interval.
        """
        good = self.points[self.points["loss"] <= self.points["loss"].quantile(quantile)]
        names = list(self.space)
        return pd.DataFrame({"best": self.best, "low": good[names].min(), "high": good[names].max(),
                             "bound_low": {k: v[0] for k, v in self.space.items()},
                             "bound_high": {k: v[1] for k, v in self.space.items()}})

    def summary(self) -> str:
        """Text report: losses, best parameters with their spread, moments."""
        with pd.option_context("display.width", 160, "display.float_format", "{:.4g}".format):
            return (f"calibration ({self.method}): {len(self.points)} points, best loss {self.best_loss:.4g} "
                    f"(default configuration {self.default_loss:.4g})\n\nparameters (best; range over the "
                    f"best 20% of points):\n{self.uncertainty()}\n\nmoments:\n{self.moments()}\n")

    def save(self, out_dir: str | Path) -> Path:
        """Write ``points.parquet``, ``moments.csv``, ``parameters.csv`` and ``calibration.json``."""
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        self.points.to_parquet(out / "points.parquet", index=False)
        self.moments().to_csv(out / "moments.csv")
        self.uncertainty().to_csv(out / "parameters.csv")
        record = {"method": self.method, "space": self.space, "best": self.best, "best_loss": self.best_loss,
                  "default_loss": self.default_loss, **self.config}
        (out / "calibration.json").write_text(json.dumps(record, indent=2, default=float) + "\n")
        return out


def _black_it_rounds(space, names, batches, batch_size, random_state, run_round, start):
    from black_it.samplers.best_batch import BestBatchSampler
    from black_it.samplers.halton import HaltonSampler
    from black_it.samplers.random_forest import RandomForestSampler
    from black_it.search_space import SearchSpace

    lows = np.array([space[n][0] for n in names])
    highs = np.array([space[n][1] for n in names])
    search = SearchSpace(np.array([lows, highs]), (highs - lows) / 1000.0, verbose=False)
    x, y = run_round(np.atleast_2d(start), "default")
    for r in range(batches):
        seed = random_state + r
        if r == 0:
            sampler, name = HaltonSampler(batch_size, random_state=seed), "halton"
        elif r % 2 == 1:
            sampler, name = BestBatchSampler(batch_size, random_state=seed), "best_batch"
        elif len(y) >= 10:
            sampler = RandomForestSampler(batch_size, random_state=seed, n_classes=min(10, len(y) // 2))
            name = "random_forest"
        else:
            sampler, name = HaltonSampler(batch_size, random_state=seed), "halton"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            proposed = sampler.sample(search, x, y)
        new_x, new_y = run_round(proposed, name)
        x, y = np.vstack([x, new_x]), np.concatenate([y, new_y])


def _msm_rounds(space, names, budget, run_round, start):
    from scipy.optimize import minimize

    lows = np.array([space[n][0] for n in names])
    highs = np.array([space[n][1] for n in names])
    best = {"u": (np.clip(start, lows, highs) - lows) / (highs - lows), "loss": np.inf, "used": 0}

    def objective(u):
        u = np.clip(u, 0, 1)
        label = "default" if best["used"] == 0 else "nelder_mead"
        value = float(run_round(np.atleast_2d(lows + u * (highs - lows)), label)[1][0])
        best["used"] += 1
        if value < best["loss"]:
            best.update(u=u, loss=value)
        return value

    # restart from the best point with a fresh simplex (a quarter of the cube) while the budget
    # lasts: a simplex squeezed against a bound collapses and stalls (Lagarias et al. 1998)
    while best["used"] < budget:
        before = best["loss"]
        u0 = best["u"]
        steps = 0.25 * np.eye(len(names)) * np.where(u0 < 0.5, 1.0, -1.0)
        simplex = np.vstack([u0, np.clip(u0 + steps, 0, 1)])
        minimize(objective, u0, method="Nelder-Mead", bounds=[(0, 1)] * len(names),
                 options={"maxfev": budget - best["used"], "xatol": 1e-3, "fatol": 1e-9,
                          "initial_simplex": simplex})
        if not best["loss"] < before - 1e-12:
            break


def calibrate(scenario: str = "baseline", space: Mapping[str, Sequence[float]] | None = None,
              moments: Mapping[str, float] | None = None, seeds: Sequence[int] = (1, 2), ticks: int = 1500,
              n_agents: int | None = 5000, burn_in: int = 250, batches: int = 3, batch_size: int = 6,
              method: str = "black-it", backend: Any = "processes", workers: int | None = None,
              out_dir: str | Path | None = None, random_state: int = 0,
              progress: bool = True) -> CalibrationResult:
    """Search parameters whose simulated moments match the real data's (see the module docstring).

    Parameters
    ----------
    scenario : str or Path
        Scenario whose configuration is calibrated (its values are the starting point).
    space : mapping of str to (low, high), optional
        Parameters searched and their bounds; default :data:`DEFAULT_SPACE`.
    moments : mapping of str to float, optional
        Fact keys (:mod:`arena.validation.facts`, rule "data") and extra weight factors;
        default :data:`DEFAULT_MOMENTS`.
    seeds : sequence of int, default (1, 2)
        Seeds every point runs on (common random numbers).
    ticks : int, default 1500
        Ticks per run (about 6 years).
    n_agents : int or None, default 5000
        Households per run (None: the scenario's).
    burn_in : int, default 250
        Ticks dropped before measuring.
    batches, batch_size : int, default 3 and 6
        Rounds of proposals and points per round (black-it); ``batches * batch_size``
        evaluations for "msm". Cost: ``(1 + batches * batch_size) * len(seeds)`` runs.
    method : {"black-it", "msm"}
        Search method (module docstring).
    backend, workers
        Passed to :func:`arena.run_batch`.
    out_dir : str or Path, optional
        Where to write the runs and the result; default ``data/calibration/<scenario>``.
    random_state : int
        Seed of the samplers (the search is reproducible).
    progress : bool
        Show progress bars.

    Returns
    -------
    CalibrationResult
    """
    from arena.scenarios import load_scenario

    if method not in ("black-it", "msm"):
        raise ConfigError(f"The 'method' parameter of calibrate must be one of 'black-it', 'msm'. "
                          f"Got {method!r} instead.")
    if method == "black-it":
        import importlib.util

        if importlib.util.find_spec("black_it") is None:
            warnings.warn("black-it is not installed (pip install --no-deps black-it==0.3.3); "
                          "using scipy MSM", stacklevel=2)
            method = "msm"
    for name, value in (("batches", batches), ("batch_size", batch_size), ("ticks", ticks)):
        if int(value) < 1:
            raise ConfigError(f"The '{name}' parameter of calibrate must be >= 1. Got {value} instead.")
    if burn_in >= ticks - 200:
        raise ConfigError(f"calibrate needs at least 200 ticks after the burn-in. Got ticks={ticks}, "
                          f"burn_in={burn_in}.")
    scen = load_scenario(scenario)
    space = check_space(space or DEFAULT_SPACE, default=space is None)
    names = list(space)
    fixed = {"n_agents": n_agents} if n_agents is not None else {}
    config = scen.make_config(**fixed)
    start = np.array([getattr(config, n) for n in names], dtype=float)
    n_quarters = int((ticks - burn_in) * 4 // config.ticks_per_year)
    target = targets(moments or DEFAULT_MOMENTS, ticks - burn_in - 1, n_quarters)
    out = Path(out_dir) if out_dir is not None else Path("data") / "calibration" / scen.name
    seeds = list(seeds)
    rows: list[pd.DataFrame] = []

    def run_round(values: np.ndarray, sampler: str) -> tuple[np.ndarray, np.ndarray]:
        points = as_points(values, names, fixed)
        runs = evaluate(scen, points, seeds, ticks, burn_in, backend, workers, out / "runs", progress)
        means = runs.groupby("point").mean(numeric_only=True).reindex(range(len(points)))
        losses = loss(means, target)
        table = means.drop(columns="seed").reset_index()
        for name in names:  # also for a point whose runs all failed
            table[name] = [p[name] for p in points]
        table["point"] += sum(len(t) for t in rows)
        table["loss"], table["sampler"], table["round"] = losses, sampler, len(rows)
        rows.append(table)
        return np.array([[p[n] for n in names] for p in points], dtype=float), losses

    if method == "black-it":
        _black_it_rounds(space, names, batches, batch_size, random_state, run_round, start)
    else:
        _msm_rounds(space, names, batches * batch_size, run_round, start)
    result = CalibrationResult(pd.concat(rows, ignore_index=True), target, space, method,
                               {"scenario": scen.name, "seeds": seeds, "ticks": ticks, "n_agents": n_agents,
                                "burn_in": burn_in, "batches": batches, "batch_size": batch_size,
                                "random_state": random_state})
    result.save(out)
    return result
