"""Measure the fiscal multiplier of scenarios/fiscal_stimulus.toml and the effects of both fiscal scenarios.

Runs :func:`arena.experiment` (treatment and control on the same seeds) and prints, per seed,
the cumulative real multiplier (:mod:`arena.multiplier`) over the stimulus year (ticks
211-460) and over two years (211-710), with the median across seeds and a percentile
bootstrap interval of the median (:func:`arena.experiment.bootstrap_median_ci`), then the
effect tables of fiscal_stimulus and austerity. docs/validation.md quotes its output.

Usage: ``python scripts/measure_fiscal.py [--agents 20000] [--seeds 1-8] [--workers 2]
[--set key=value ...] [--paths]``. ``--set`` applies config values to both arms of both
experiments (an ablation, e.g. ``--set long_rate_expectation=rule``); ``--paths`` prints the
treatment-minus-control path after the purchases stop (:func:`after_paths`).
"""

from __future__ import annotations

import argparse
import json

import pandas as pd

import arena
from arena.cli import parse_overrides
from arena.experiment import bootstrap_median_ci
from arena.multiplier import multipliers, share_of_output

COLUMNS = ["effect", "median", "ci_low", "ci_high", "share_sign", "min", "max", "holds"]
HORIZONS = {"stimulus year (211-460)": (211, 460), "two years (211-710)": (211, 710)}


#: Windows of :func:`after_paths` (ticks): the stimulus year, then the two halves of the year after.
WINDOWS = ((211, 460), (461, 585), (586, 710))


def after_paths(runs: dict[str, pd.DataFrame], treatment: str, control: str) -> pd.DataFrame:
    """Median over seeds of treatment minus control, by window (:data:`WINDOWS`).

    Real GDP, consumption, investment and purchases (goods/tick at tick-0 prices, deflated like
    ``real_gdp``), the change in inventories as the rest of real GDP; rates, core inflation,
    the output gap and unemployment as differences (1/year or -); stocks (inventories, capital,
    household wealth, public debt) as relative differences.
    """
    rows = []
    tr = {s: g.set_index("tick") for s, g in runs[treatment].groupby("seed")}
    co = {s: g.set_index("tick") for s, g in runs[control].groupby("seed")}
    for seed in sorted(tr):
        t, c = tr[seed], co[seed]
        real = {}
        for name, f in (("t", t), ("c", c)):
            deflator = f["gdp"] / f["real_gdp"]
            parts = ("consumption", "investment", "gov_spending")
            real[name] = pd.DataFrame({k: f[k] / deflator for k in parts})
            real[name]["real_gdp"] = f["real_gdp"]
            real[name]["inventory_change"] = f["real_gdp"] - real[name].drop(columns="real_gdp").sum(axis=1)
        long_t = t["policy_rate"].ewm(alpha=1 / 250, adjust=False).mean()
        long_c = c["policy_rate"].ewm(alpha=1 / 250, adjust=False).mean()
        for a, b in WINDOWS:
            row = {"seed": seed, "window": f"{a}-{b}"}
            for k in ("real_gdp", "consumption", "investment", "gov_spending", "inventory_change"):
                row["d_" + k] = float((real["t"][k] - real["c"][k]).loc[a:b].mean())
            for k in ("policy_rate", "taylor_rate", "bond_yield", "core_inflation", "expected_inflation",
                      "output_gap", "unemployment"):
                row["d_" + k] = float((t[k] - c[k]).loc[a:b].mean())
            row["d_trailing_long_rate"] = float((long_t - long_c).loc[a:b].mean())
            for k in ("inventory", "capital", "mean_wealth", "gov_debt", "tax_revenue"):
                row["rel_" + k] = float(t[k].loc[a:b].mean() / c[k].loc[a:b].mean() - 1.0)
            row["qe_share_of_ticks_t_minus_c"] = float((t["qe"] - c["qe"]).loc[a:b].mean())
            rows.append(row)
    df = pd.DataFrame(rows)
    return df.groupby("window").median(numeric_only=True).drop(columns="seed").T


def main() -> None:
    """Run the experiments and print the multipliers and effect tables."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--agents", type=int, default=20_000)
    p.add_argument("--seeds", default="1-8")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--out", default="data/experiments/fiscal")
    p.add_argument("--austerity-seeds", default=None,
                   help="seeds of the austerity run (default: --seeds; 0 = skip)")
    p.add_argument("--set", nargs="*", default=[], metavar="KEY=VALUE",
                   help="config values for both arms (typed and checked as `arena experiment --ablate`)")
    p.add_argument("--paths", action="store_true", help="print the after-stimulus path (after_paths)")
    a = p.parse_args()
    overrides = parse_overrides(a.set) or None
    lo, _, hi = a.seeds.partition("-")
    seeds = list(range(int(lo), int(hi or lo) + 1))
    out = {}
    res = arena.experiment("fiscal_stimulus", seeds=seeds, n_agents=a.agents, workers=a.workers,
                           overrides=overrides, out_dir=f"{a.out}/fiscal_stimulus")
    ctrl = res.runs["no_stimulus"]
    first = ctrl[ctrl.seed == seeds[0]].set_index("tick")
    print(f"G/GDP in the control before the shock (ticks 150-200, seed {seeds[0]}): "
          f"{share_of_output(first, 150, 200):.4f}")
    for label, (s, e) in HORIZONS.items():
        m = multipliers(res.runs, "scenario", "no_stimulus", s, e)
        ci = bootstrap_median_ci(m.to_numpy(), 0.95, 2000, 0)
        print(f"multiplier, {label}: median {m.median():.3f}, 95% CI [{ci[0]:.3f}, {ci[1]:.3f}], "
              f"per seed {m.round(3).to_dict()}")
        out[label] = {"median": float(m.median()), "ci": [float(ci[0]), float(ci[1])],
                      "per_seed": {int(k): float(v) for k, v in m.items()}}
    print(res.table[COLUMNS].to_string())
    if a.paths:
        with pd.option_context("display.width", 200, "display.max_columns", 10):
            print(after_paths(res.runs, "scenario", "no_stimulus").round(4).to_string())
    print(json.dumps(out), flush=True)
    if a.austerity_seeds == "0":
        return
    lo, _, hi = (a.austerity_seeds or a.seeds).partition("-")
    aus = arena.experiment("austerity", seeds=range(int(lo), int(hi or lo) + 1), n_agents=a.agents,
                           workers=a.workers, overrides=overrides, out_dir=f"{a.out}/austerity")
    print(aus.table[COLUMNS].to_string())


if __name__ == "__main__":
    main()
