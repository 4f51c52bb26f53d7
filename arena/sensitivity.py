"""Global sensitivity analysis with SALib: Morris screening, then Sobol' indices on the few that matter.

``analyse("baseline")`` answers "which parameters drive equity volatility, unemployment,
inflation and crash depth?" in two steps (Saltelli et al. 2008, ch. 3-4):

1. **Morris elementary effects** (Morris 1991; mu* of Campolongo et al. 2007) over the whole
   :data:`DEFAULT_SPACE`: ``trajectories * (D + 1)`` points. Cheap, ranks parameters, cannot
   separate interactions from non-linearity (``sigma`` mixes both).
2. **Sobol' indices** (Sobol' 2001; Saltelli 2010 estimators) of the ``top`` parameters by
   normalised mu* (the others stay at the scenario's values): ``N * (k + 2)`` points
   (first-order ``S1`` and total ``ST`` indices with bootstrap confidence intervals).

Each point runs on the same seeds (common random numbers) through :func:`arena.run_batch`; the
output of a point is the mean over seeds of :func:`arena.validation.moments.run_outputs`.
Cost: ``(trajectories * (D + 1) + sobol_samples * (top + 2)) * len(seeds)`` runs; the defaults
(D = 10, 4 trajectories, N = 16, top 3, one seed) make 124 runs of 1000 ticks at 3,000
households, a few minutes on two cores. Indices from N = 16 are rough (wide confidence
intervals, reported); raise ``sobol_samples`` (a power of two) for publishable values.
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
from arena.validation.moments import OUTPUTS, as_points, check_space, evaluate

#: Default parameter ranges: market behaviour, labour market, consumption and monetary policy.
DEFAULT_SPACE: dict[str, tuple[float, float]] = {
    "activity_rate": (0.02, 0.3),
    "switching_intensity": (0.5, 10.0),
    "herding_strength": (0.0, 0.6),
    "noise_sigma": (0.002, 0.03),
    "fundamental_reversion": (0.01, 0.2),
    "demand_sensitivity": (0.5, 10.0),
    "matching_efficiency": (0.05, 0.3),
    "consumption_propensity": (0.002, 0.008),
    "phillips_slope": (0.1, 2.0),
    "taylor_inflation_coef": (0.2, 2.0),
}


@dataclass
class SensitivityResult:
    """Morris and Sobol' indices per output, and the evaluated designs."""

    morris: pd.DataFrame
    sobol: pd.DataFrame
    top: list[str]
    designs: pd.DataFrame
    config: dict[str, Any] = field(default_factory=dict)

    def drivers(self) -> pd.DataFrame:
        """Per output, the parameters ranked by Sobol' total index (or Morris mu* without Sobol')."""
        if not self.sobol.empty:
            table = self.sobol.sort_values(["output", "ST"], ascending=[True, False])
            return table.groupby("output").head(len(self.top))[["output", "parameter", "S1", "ST", "ST_conf"]]
        table = self.morris.sort_values(["output", "mu_star"], ascending=[True, False])
        return table.groupby("output").head(3)[["output", "parameter", "mu_star", "sigma"]]

    def summary(self) -> str:
        """Text report: Morris ranking, the parameters kept, Sobol' indices."""
        with pd.option_context("display.width", 160, "display.float_format", "{:.3g}".format):
            morris = self.morris.pivot(index="parameter", columns="output", values="mu_star_norm")
            points = self.config.get("morris_points")
            text = (f"Morris screening (normalised mu*, {points} points):\n{morris}\n\n"
                    f"kept for Sobol': {', '.join(self.top)}\n")
            if not self.sobol.empty:
                text += f"\nSobol' indices ({self.config.get('sobol_points')} points):\n{self.drivers()}\n"
            return text

    def save(self, out_dir: str | Path) -> Path:
        """Write ``morris.csv``, ``sobol.csv``, ``designs.parquet``, ``sensitivity.json`` and a figure."""
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        self.morris.to_csv(out / "morris.csv", index=False)
        self.sobol.to_csv(out / "sobol.csv", index=False)
        self.designs.to_parquet(out / "designs.parquet", index=False)
        (out / "sensitivity.json").write_text(json.dumps({"top": self.top, **self.config}, indent=2,
                                                         default=float) + "\n")
        self.plot(out / "sensitivity.png")
        return out

    def plot(self, path=None):
        """Bar charts: Morris mu* (normalised) and Sobol' ST per output; returns the Figure."""
        from matplotlib.figure import Figure

        outputs = list(dict.fromkeys(self.morris["output"]))
        fig = Figure(figsize=(3.6 * len(outputs), 6.4), dpi=90, layout="constrained")
        axes = fig.subplots(2, len(outputs), squeeze=False)
        for j, name in enumerate(outputs):
            m = self.morris[self.morris["output"] == name].sort_values("mu_star_norm")
            axes[0, j].barh(m["parameter"], m["mu_star_norm"])
            axes[0, j].set_title(f"{name}: Morris mu*", fontsize=9)
            s = self.sobol[self.sobol["output"] == name] if not self.sobol.empty else self.sobol
            if len(s):
                axes[1, j].barh(s["parameter"], s["ST"], xerr=s["ST_conf"], label="ST")
                axes[1, j].barh(s["parameter"], s["S1"], height=0.4, label="S1")
                axes[1, j].legend(fontsize=7)
            axes[1, j].set_title(f"{name}: Sobol'", fontsize=9)
            for ax in axes[:, j]:
                ax.tick_params(labelsize=7)
                ax.grid(alpha=0.3, axis="x")
        if path is not None:
            fig.savefig(path)
        return fig


def _outputs(runs: pd.DataFrame, n_points: int, outputs: Sequence[str]) -> pd.DataFrame:
    means = runs.groupby("point")[list(outputs)].mean().reindex(range(n_points))
    for name in outputs:  # SALib needs finite values: a failed point takes the outputs' mean
        if means[name].isna().any():
            warnings.warn(f"{int(means[name].isna().sum())} point(s) have no {name!r}; the mean is used",
                          stacklevel=3)
            means[name] = means[name].fillna(means[name].mean())
    return means


def analyse(scenario: str = "baseline", space: Mapping[str, Sequence[float]] | None = None,
            outputs: Sequence[str] = OUTPUTS, seeds: Sequence[int] = (1,), ticks: int = 1000,
            n_agents: int | None = 3000, burn_in: int = 250, trajectories: int = 4, sobol_samples: int = 16,
            top: int = 3, backend: Any = "processes", workers: int | None = None,
            out_dir: str | Path | None = None, random_state: int = 0,
            progress: bool = True) -> SensitivityResult:
    """Morris screening of ``space``, then Sobol' indices of its ``top`` parameters (module docstring).

    Parameters
    ----------
    scenario : str or Path
        Scenario whose configuration is varied.
    space : mapping of str to (low, high), optional
        Parameter ranges; default :data:`DEFAULT_SPACE`.
    outputs : sequence of str
        Run outputs (:func:`arena.validation.moments.run_outputs` keys); default volatility,
        unemployment, inflation, crash_depth.
    seeds : sequence of int, default (1,)
        Seeds per point (common random numbers); the output is their mean.
    ticks, n_agents, burn_in : int
        Run length, households (None: the scenario's) and ticks dropped before measuring.
    trajectories : int, default 4
        Morris trajectories (r).
    sobol_samples : int, default 16
        Sobol' base sample N (a power of two); 0 stops after Morris.
    top : int, default 3
        Parameters kept for Sobol' (largest normalised mu* over the outputs).
    backend, workers
        Passed to :func:`arena.run_batch`.
    out_dir : str or Path, optional
        Output directory; default ``data/sensitivity/<scenario>``.
    random_state : int
        Seed of the Morris and Sobol' designs.
    progress : bool
        Show progress bars.
    """
    from SALib.analyze import morris as morris_analyze
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import morris as morris_sample
    from SALib.sample import sobol as sobol_sample

    from arena.scenarios import load_scenario

    if trajectories < 2:
        raise ConfigError(f"The 'trajectories' parameter must be >= 2. Got {trajectories} instead.")
    if sobol_samples < 0 or (sobol_samples and sobol_samples & (sobol_samples - 1)):
        raise ConfigError("The 'sobol_samples' parameter must be 0 or a power of two. "
                          f"Got {sobol_samples} instead.")
    scen = load_scenario(scenario)
    space = check_space(space or DEFAULT_SPACE, default=space is None)
    if not 1 <= top <= len(space):
        raise ConfigError(f"The 'top' parameter must be in [1, {len(space)}]. Got {top} instead.")
    names = list(space)
    fixed = {"n_agents": n_agents} if n_agents is not None else {}
    out = Path(out_dir) if out_dir is not None else Path("data") / "sensitivity" / scen.name
    seeds = list(seeds)
    problem = {"num_vars": len(names), "names": names, "bounds": [list(space[n]) for n in names]}
    x = morris_sample.sample(problem, trajectories, num_levels=4, seed=random_state)
    runs = evaluate(scen, as_points(x, names, fixed), seeds, ticks, burn_in, backend, workers, out / "runs",
                    progress)
    y = _outputs(runs, len(x), outputs)
    rows = []
    for name in outputs:
        si = morris_analyze.analyze(problem, x, y[name].to_numpy(), num_levels=4, seed=random_state)
        scale = max(float(np.max(si["mu_star"])), 1e-300)
        for i, p in enumerate(names):
            rows.append({"output": name, "parameter": p, "mu": float(si["mu"][i]),
                         "mu_star": float(si["mu_star"][i]), "sigma": float(si["sigma"][i]),
                         "mu_star_conf": float(si["mu_star_conf"][i]),
                         "mu_star_norm": float(si["mu_star"][i]) / scale})
    morris = pd.DataFrame(rows)
    ranking = morris.groupby("parameter")["mu_star_norm"].max().sort_values(ascending=False)
    kept = list(ranking.index[:top])
    designs = runs.assign(design="morris")
    sobol = pd.DataFrame(columns=["output", "parameter", "S1", "S1_conf", "ST", "ST_conf"])
    sobol_points = 0
    if sobol_samples:
        sub = {"num_vars": len(kept), "names": kept, "bounds": [list(space[n]) for n in kept]}
        xs = sobol_sample.sample(sub, sobol_samples, calc_second_order=False, seed=random_state)
        sobol_points = len(xs)
        runs_s = evaluate(scen, as_points(xs, kept, fixed), seeds, ticks, burn_in, backend, workers,
                          out / "runs", progress)
        ys = _outputs(runs_s, len(xs), outputs)
        rows = []
        for name in outputs:
            si = sobol_analyze.analyze(sub, ys[name].to_numpy(), calc_second_order=False, seed=random_state)
            for i, p in enumerate(kept):
                rows.append({"output": name, "parameter": p, "S1": float(si["S1"][i]),
                             "S1_conf": float(si["S1_conf"][i]), "ST": float(si["ST"][i]),
                             "ST_conf": float(si["ST_conf"][i])})
        sobol = pd.DataFrame(rows)
        designs = pd.concat([designs, runs_s.assign(design="sobol")], ignore_index=True)
    config = {"scenario": scen.name, "space": space, "outputs": list(outputs), "seeds": seeds, "ticks": ticks,
              "n_agents": n_agents, "burn_in": burn_in, "trajectories": trajectories,
              "sobol_samples": sobol_samples, "morris_points": len(x), "sobol_points": sobol_points,
              "random_state": random_state}
    result = SensitivityResult(morris, sobol, kept, designs, config)
    result.save(out)
    return result
