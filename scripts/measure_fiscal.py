"""Measure the fiscal multiplier of scenarios/fiscal_stimulus.toml and the effects of both fiscal scenarios.

Runs :func:`arena.experiment` (treatment and control on the same seeds) and prints, per seed,
the cumulative real multiplier (:mod:`arena.multiplier`) over the stimulus year (ticks
211-460) and over two years (211-710), with the median across seeds and a percentile
bootstrap interval of the median (:func:`arena.experiment.bootstrap_median_ci`), then the
effect tables of fiscal_stimulus and austerity. docs/validation.md quotes its output.

Usage: ``python scripts/measure_fiscal.py [--agents 20000] [--seeds 1-8] [--workers 2]``
"""

from __future__ import annotations

import argparse
import json

import arena
from arena.experiment import bootstrap_median_ci
from arena.multiplier import multipliers, share_of_output

COLUMNS = ["effect", "median", "ci_low", "ci_high", "share_sign", "min", "max", "holds"]
HORIZONS = {"stimulus year (211-460)": (211, 460), "two years (211-710)": (211, 710)}


def main() -> None:
    """Run the experiments and print the multipliers and effect tables."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--agents", type=int, default=20_000)
    p.add_argument("--seeds", default="1-8")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--out", default="data/experiments/fiscal")
    p.add_argument("--austerity-seeds", default=None,
                   help="seeds of the austerity run (default: --seeds; 0 = skip)")
    a = p.parse_args()
    lo, _, hi = a.seeds.partition("-")
    seeds = list(range(int(lo), int(hi or lo) + 1))
    out = {}
    res = arena.experiment("fiscal_stimulus", seeds=seeds, n_agents=a.agents, workers=a.workers,
                           out_dir=f"{a.out}/fiscal_stimulus")
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
    print(json.dumps(out), flush=True)
    if a.austerity_seeds == "0":
        return
    lo, _, hi = (a.austerity_seeds or a.seeds).partition("-")
    aus = arena.experiment("austerity", seeds=range(int(lo), int(hi or lo) + 1), n_agents=a.agents,
                           workers=a.workers, out_dir=f"{a.out}/austerity")
    print(aus.table[COLUMNS].to_string())


if __name__ == "__main__":
    main()
