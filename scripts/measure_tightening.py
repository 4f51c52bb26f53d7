"""Decompose the response of real GDP and employment to a +200 bp tightening (docs/validation.md).

The experiment of ``tests/test_credit_model.py``: the ``rate_shock`` scenario with its shock replaced
by ``rate`` +0.02 at tick 250, 600 ticks, against the same seeds without it. Each pair of runs is
recorded tick by tick (expenditure components, inventories, C- and K-firm output and workers, prices)
and the script prints, per window, the median over seeds of each effect with the 95% bootstrap
interval of the median and the number of seeds below zero, as the Markdown table of
docs/validation.md, "Why unemployment rises more than real GDP falls".

Usage, from the project root::

    .venv/bin/python scripts/measure_tightening.py                    # 20,000 households, seeds 1-8
    .venv/bin/python scripts/measure_tightening.py --agents 5000 --seeds 1-3
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import arena  # noqa: E402
from arena.cli import parse_seeds  # noqa: E402
from arena.experiment import bootstrap_median_ci  # noqa: E402

WINDOWS = ((251, 350), (351, 450), (451, 600), (350, 600))
#: (label, column, kind): "pct" ratio of window means - 1; "pts" difference x 100; "gdp" / "emp"
#: difference in points of the control's real GDP / employment
ROWS = (
    ("real GDP (SNA: with change in inventories), %", "real_gdp", "pct"),
    ("real final sales (the former `real_gdp`), %", "sales", "pct"),
    ("  household goods, points of GDP", "c_goods", "gdp"),
    ("  household commodities, points of GDP", "c_commodities", "gdp"),
    ("  investment, points of GDP", "i", "gdp"),
    ("  government purchases, points of GDP", "g", "gdp"),
    ("  change in inventories, points of GDP", "d_inventories", "gdp"),
    ("employment, %", "employed", "pct"),
    ("  C-firm workers, points of employment", "c_workers", "emp"),
    ("  K-firm workers, points of employment", "k_workers", "emp"),
    ("K-firm workers, %", "k_workers", "pct"),
    ("unemployment, points", "unemployment", "pts"),
    ("C-output per C-worker, %", "c_output_per_worker", "pct"),
    ("CPI, %", "cpi", "pct"),
    ("goods price index, %", "goods_price", "pct"),
    ("K-firm price, %", "k_price", "pct"),
    ("wage, %", "wage", "pct"),
    ("policy rate, points", "policy_rate", "pts"),
)


def record(rows: list) -> Callable:
    """Return an ``on_tick`` callback appending this tick's decomposition to ``rows``."""
    def on_tick(m) -> None:
        cur, flows, cf, kf = m.current, m.last_flows.rows, m.cfirms, m.kfirms
        deflator = cur["cpi"] / 100.0 * m.price0
        goods = flows.get("consumption (goods)", {}).get("firms_current", 0.0)
        commodities = flows.get("consumption (commodities)", {}).get("producers", 0.0)
        purchases = m.government.last["purchases"]
        made = m.last_ledger.flows["goods"].get("production", 0.0)  # this tick's goods (units)
        k_price = (float(np.average(kf.price, weights=kf.output)) if kf.output.sum() > 0
                   else float(kf.price.mean()))
        rows.append({
            "real_gdp": cur["real_gdp"],
            "sales": (cur["consumption"] + cur["investment"] + purchases) / deflator,
            "c_goods": goods / deflator, "c_commodities": commodities / deflator,
            "i": cur["investment"] / deflator, "g": purchases / deflator,
            "d_inventories": m.inventory_investment / deflator,
            "c_workers": float(cf.workers.sum()), "k_workers": float(kf.workers.sum()),
            "employed": float(cf.workers.sum() + kf.workers.sum()), "unemployment": cur["unemployment"],
            "c_output_per_worker": made / max(float(cf.workers.sum()), 1.0), "cpi": cur["cpi"],
            "goods_price": m.prices["goods"], "k_price": k_price,
            "wage": cur["wage"], "policy_rate": cur["policy_rate"],
        })
    return on_tick


def effect(t: pd.DataFrame, c: pd.DataFrame, column: str, kind: str) -> float:
    """One seed's effect over a window (see :data:`ROWS`)."""
    if kind == "pct":
        return (t[column].mean() / c[column].mean() - 1.0) * 100.0
    if kind == "pts":
        return (t[column].mean() - c[column].mean()) * 100.0
    base = c["real_gdp"] if kind == "gdp" else c["employed"]
    return (t[column].mean() - c[column].mean()) / base.mean() * 100.0


def main(argv: list[str] | None = None) -> None:
    """Run the paired runs and print the decomposition table."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--agents", type=int, default=20_000)
    p.add_argument("--seeds", default="1-8")
    args = p.parse_args(argv)
    seeds = parse_seeds(args.seeds)
    base = arena.load_scenario("rate_shock")
    shock = dataclasses.replace(base.shocks[0], size=0.02, tick=250)
    hike = dataclasses.replace(base, shocks=(shock,), ticks=600)
    arms = {"treated": hike, "control": dataclasses.replace(base, shocks=(), ticks=600)}
    runs = {}
    for seed in seeds:
        for name, scenario in arms.items():
            rows: list = []
            scenario.simulate(600, {"n_agents": args.agents, "seed": seed}, on_tick=record(rows))
            runs[seed, name] = pd.DataFrame(rows, index=np.arange(1, len(rows) + 1))
    lines = ["| effect | " + " | ".join(f"{a}–{b}" for a, b in WINDOWS) + " |",
             "|---|" + "---:|" * len(WINDOWS)]
    for label, column, kind in ROWS:
        cells = []
        for a, b in WINDOWS:
            v = [effect(runs[s, "treated"].loc[a:b], runs[s, "control"].loc[a:b], column, kind)
                 for s in seeds]
            lo, hi = bootstrap_median_ci(v)
            cells.append(f"{np.median(v):+.2f} [{lo:+.2f}, {hi:+.2f}] {sum(x < 0 for x in v)}")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
