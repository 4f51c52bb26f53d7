"""Measure the business cycle, inflation and labour flows of the baseline under config overrides.

    .venv/bin/python scripts/measure_cycle.py 1,2,3,4,5 [key=value ...]

Per seed (20,000 households, 2,500 ticks; env N and TICKS change them; statistics after tick 250):
the mean and std of quarterly unemployment (pp), mean inflation, the share of ticks at the rate
floor, the mean vacancy rate, dismissals, quits and hires a year as shares of mean employment,
the yearly growth of loans and money, and the mean output gap. OLDPOT=1 measures with potential
output at the tick-0 split of jobs between C- and K-firms (the rule before the recalibration in
docs/validation.md, "Recalibration"). Used for that section's ablation table.
"""

from __future__ import annotations

import os
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

QUARTER, YEAR, BURN_IN = 62, 250, 250
FLOOR = 0.0026  # policy rate at or below this counts as the floor (annual)


def parse(value: str):
    """Read a command-line value as int, float or string."""
    for kind in (int, float):
        try:
            return kind(value)
        except ValueError:
            pass
    return value


def counting(counts: dict, key: str, fn):
    """Wrap a labour-market function so that the sum of what it returns is added to ``counts[key]``."""
    def wrapped(*args, **kwargs):
        out = fn(*args, **kwargs)
        counts[key] += int(out.sum())
        return out
    return wrapped


def run(args: tuple[int, dict]) -> tuple[str, float, float, float]:
    """Run one seed; return its report line and (std of u, mean u, mean inflation)."""
    seed, extra = args
    import arena
    from arena.markets import labour

    if os.environ.get("OLDPOT"):
        from arena.model import ArenaModel
        ArenaModel.potential = property(
            lambda self: self.potential0 * self.cfirms.productivity / self.config.productivity)
    counts = {"fired": 0, "hired": 0, "quit": 0}
    labour.fire = counting(counts, "fired", labour.fire)
    labour.match = counting(counts, "hired", labour.match)
    labour.separate = counting(counts, "quit", labour.separate)
    ticks, n = int(os.environ.get("TICKS", 2500)), int(os.environ.get("N", 20000))
    model = arena.load_scenario("baseline").simulate(ticks, overrides={"n_agents": n, "seed": seed, **extra})
    full = model.indicators()
    df = full.iloc[BURN_IN:].select_dtypes("number")
    u = df.groupby(np.arange(len(df)) // QUARTER).mean().iloc[:-1].unemployment.to_numpy() * 100
    employed = n * (1 - full.unemployment.mean()) * ticks / YEAR
    yearly = df.groupby(np.arange(len(df)) // YEAR).mean()
    loans = np.diff(np.log(yearly.loans.to_numpy())).mean() * 100
    money = np.diff(np.log(yearly.money_supply.to_numpy())).mean() * 100
    line = (f"seed {seed}: u {u.mean():.1f} sd {u.std():.2f} [{u.min():.1f},{u.max():.1f}] "
            f"infl {df.inflation.mean() * 100:.1f} zlb {(df.policy_rate <= FLOOR).mean():.2f} "
            f"v {df.vacancy_rate.mean() * 100:.2f} fired/yr {counts['fired'] / employed:.2f} "
            f"quits/yr {counts['quit'] / employed:.2f} hires/yr {counts['hired'] / employed:.2f} "
            f"gloans {loans:.1f} gmoney {money:.1f} gap {df.output_gap.mean() * 100:.1f}")
    return line, float(u.std()), float(u.mean()), float(df.inflation.mean())


def main() -> None:
    """Run the seeds of argv[1] with the overrides of argv[2:] and print per-seed lines and means."""
    seeds = [int(s) for s in sys.argv[1].split(",")]
    extra = {kv.split("=")[0]: parse(kv.split("=")[1]) for kv in sys.argv[2:]}
    with ProcessPoolExecutor(min(2, len(seeds))) as ex:
        res = list(ex.map(run, [(s, extra) for s in seeds]))
    print(extra)
    for line, *_ in res:
        print(line)
    sd, mean_u, infl = (np.mean([r[i] for r in res]) for i in (1, 2, 3))
    print(f"MEAN sd(u) {sd:.2f} u {mean_u:.1f} infl {100 * infl:.1f}")


if __name__ == "__main__":
    main()
