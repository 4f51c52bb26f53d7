"""Measure the start-up downswing every baseline run begins with.

See docs/validation.md, "The start-up downswing every run begins with".

Prints, for the baseline without discoveries or catastrophes (20,000 households by default):

1. the tick-0 goods market: households' purchases against C-firms' output less the government's
   (households' permanent income starts at the calibration's spending norm ``chi M / (1 - c_y)`` since
   0344ab8, so comparing the two, as this part did before, measured nothing);
2. seed averages over blocks of ticks (unemployment, inflation, policy rate, K-firms' workers, C-firms'
   inventories, dividends, equity price): a cycle whose phase the initial state sets survives averaging;
3. the equity price's largest drawdown over 100- and 300-tick windows: in the window the scenarios
   use (ticks 100-200; 0-300) and over every window after tick 500, next to the S&P 500 and NASDAQ
   (``arch.data``) over windows of the same length;
4. with ``--crash-ticks``, ``market_crash``'s crash and herding effects (max drawdown over the 100 ticks
   after the panic, against ``no_shocks`` and ``no_herding``) with the shocks moved to each tick given.

Usage::

    python scripts/measure_startup.py --seeds 1 2 3 --ticks 2500
    python scripts/measure_startup.py --seeds 1 2 3 4 5 6 7 8 --ticks 0 --crash-ticks 100 600 900 1200 1500
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd

import arena
from arena import fiscal_phase
from arena.indicators import max_drawdown
from arena.markets import session
from arena.validation.macro import to_quarters
from arena.validation.stats import acf

COLUMNS = ("unemployment", "inflation", "policy_rate", "dividends", "price_equity")


def window_drawdowns(prices: np.ndarray, length: int, step: int = 25) -> np.ndarray:
    """Max drawdown of every window of ``length`` ticks, windows starting ``step`` ticks apart."""
    return np.array([max_drawdown(prices[s:s + length]) for s in range(0, len(prices) - length, step)])


def baseline_model(n_agents: int, seed: int) -> arena.ArenaModel:
    """Build the baseline without discoveries or catastrophes (no random resource shocks)."""
    return arena.ArenaModel(arena.ArenaConfig(n_agents=n_agents, seed=seed, discovery_probability=0.0,
                                              catastrophe_probability=0.0))


def tick0_goods_market(n_agents: int, seed: int) -> dict[str, float]:
    """Households' and the government's purchases at the first tick against C-firms' output."""
    model = baseline_model(n_agents, seed)
    public = {}
    purchase = fiscal_phase.purchase_goods

    def recording(m, ledger):
        units, spent = purchase(m, ledger)
        public["units"] = units
        return units, spent

    session.fiscal_phase.purchase_goods = recording
    try:
        model.step()
    finally:
        session.fiscal_phase.purchase_goods = purchase
    output = float(model.cfirms.output.sum())
    households = float(model.cfirms.sales.sum()) - public["units"]
    return {"seed": seed, "output": output, "public_units": public["units"], "household_units": households,
            "household_excess": households / (output - public["units"]) - 1.0}


def baseline_paths(n_agents: int, seeds: list[int], ticks: int) -> list[pd.DataFrame]:
    """Run the baseline (no discoveries or catastrophes); return its indicators, K-firms' workers added.

    (Until 0344ab8 a ``--start income-at-norm`` option scaled households' tick-0 permanent incomes to the
    spending norm here; the model's own start does that now.)
    """
    frames = []
    for seed in seeds:
        model = baseline_model(n_agents, seed)
        k_workers, c_inventory = [], []
        for _ in range(ticks):
            model.step()
            k_workers.append(float(model.kfirms.workers.sum()))
            c_inventory.append(float(model.cfirms.inventory.sum()))
        frame = model.indicators().reset_index(drop=True).iloc[-ticks:].reset_index(drop=True)
        frame["k_workers"], frame["c_inventory"] = k_workers, c_inventory
        frames.append(frame)
    return frames


def crash_by_tick(n_agents: int, seeds: list[int], ticks: list[int], out: Path) -> pd.DataFrame:
    """``market_crash``'s effects with its shocks moved from tick 100 to each of ``ticks``."""
    base = arena.load_scenario("market_crash")
    rows = []
    for t0 in ticks:
        shocks = tuple(dataclasses.replace(s, tick=s.tick - 100 + t0) for s in base.shocks)
        scenario = dataclasses.replace(base, shocks=shocks, ticks=t0 + 101, effects=())
        metrics = [{"label": label, "metric": "max_drawdown_equity", "control": control, "sign": "+",
                    "from": t0, "to": t0 + 100} for label, control in (("crash", "no_shocks"),
                                                                      ("herding", "no_herding"))]
        result = arena.experiment(scenario, seeds=seeds, n_agents=n_agents, backend="serial", metrics=metrics,
                                  out_dir=out / str(t0))
        for label, g in result.per_seed.groupby("effect"):
            rows.append({"shock_tick": t0, "effect": label, "treated": g.treatment_value.median(),
                         "control": g.control_value.median(), "median": g.effect_value.median(),
                         "min": g.effect_value.min(), "max": g.effect_value.max(),
                         "positive": f"{int((g.effect_value > 0).sum())}/{len(g)}"})
    return pd.DataFrame(rows)


def main() -> None:
    """Print the tables (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--agents", type=int, default=20_000)
    parser.add_argument("--ticks", type=int, default=2500, help="baseline length (0: skip parts 2-3)")
    parser.add_argument("--block", type=int, default=125, help="ticks per block of part 2")
    parser.add_argument("--crash-ticks", type=int, nargs="*", default=[])
    parser.add_argument("--out", type=Path, default=Path("data/experiments/startup"))
    args = parser.parse_args()
    pd.set_option("display.width", 200)
    fmt = {"float_format": lambda x: f"{x:.4g}"}

    print("1. The first tick's goods market")
    first_tick = pd.DataFrame([tick0_goods_market(args.agents, s) for s in args.seeds])
    print(first_tick.to_string(index=False, **fmt))

    if args.ticks > 0:
        frames = baseline_paths(args.agents, args.seeds, args.ticks)
        both = pd.concat([f.assign(block=f.index // args.block) for f in frames])
        print(f"\n2. Seed averages over blocks of {args.block} ticks")
        cols = [*COLUMNS, "k_workers", "c_inventory"]
        print(both.groupby("block")[cols].mean().to_string(**fmt))
        for seed, f in zip(args.seeds, frames, strict=True):
            # the validation table's quarters (arena.validation.macro) after its burn-in of 250 ticks
            u = to_quarters(f, burn_in=250)[0]["u"].to_numpy()
            print(f"  seed {seed}: quarterly unemployment after tick 250: mean {u.mean():.4f}, "
                  f"std {u.std():.4f}, autocorrelation at 8 quarters {acf(u, 8)[0]:+.2f}")

        print("\n3. Largest equity drawdown over windows of 100 and 300 ticks (median [q25, q75])")
        from arch.data import nasdaq, sp500
        data = {name: module.load()["Adj Close"].to_numpy()
                for name, module in (("S&P 500", sp500), ("NASDAQ", nasdaq))}
        prices = [f["price_equity"].to_numpy() for f in frames]
        for length, first in ((100, slice(100, 200)), (300, slice(0, 300))):
            rows = {name: window_drawdowns(p, length) for name, p in data.items()}
            label = f"model, ticks {first.start}-{first.stop}"
            rows[label] = np.array([max_drawdown(p[first]) for p in prices])
            if args.ticks > 500 + length:
                rows["model, windows after tick 500"] = np.concatenate([window_drawdowns(p[500:], length)
                                                                        for p in prices])
            for name, dd in rows.items():
                print(f"  {length:>3} ticks  {name:<32} {np.median(dd):.3f} [{np.quantile(dd, 0.25):.3f}, "
                      f"{np.quantile(dd, 0.75):.3f}]  n = {dd.size}")

    if args.crash_ticks:
        print("\n4. market_crash, shocks moved (medians over seeds of the max drawdown, ticks t..t+100)")
        crash = crash_by_tick(args.agents, args.seeds, args.crash_ticks, args.out)
        print(crash.to_string(index=False, **fmt))


if __name__ == "__main__":
    main()
