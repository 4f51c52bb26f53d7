"""Stylized facts of the equity market's daily returns over seeds (Cont 2001).

Runs the baseline economy for several seeds and prints, per seed and as a median, the
excess kurtosis of daily log returns, the lag-1 autocorrelation of returns, the
autocorrelation of |r| at lags 1, 10, 50 and 100, the GARCH(1,1) persistence
alpha + beta (the ``arch`` package), the annualised volatility, and the share of ticks
whose price move reached ``max_price_change``. Also the market_crash herding ablation.

Usage: ``python scripts/market_facts.py [--agents 20000] [--ticks 2500] [--seeds 1-5] [--crash]``
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np


def acf(x: np.ndarray, lag: int) -> float:
    """Sample autocorrelation at ``lag``."""
    x = x - x.mean()
    return float((x[:-lag] * x[lag:]).sum() / (x * x).sum())


def facts(price: np.ndarray, max_change: float, burn: int = 200, per_year: int = 250) -> dict:
    """Stylized facts of a price path (daily ticks)."""
    from arch import arch_model

    r = np.diff(np.log(price))[burn:]
    z = r - r.mean()
    kurt = float((z**4).mean() / (z**2).mean() ** 2 - 3.0)
    a = np.abs(r)
    fit = arch_model(100 * r, mean="Constant", vol="GARCH", p=1, q=1, dist="normal").fit(disp="off")
    capped = float(np.mean(np.abs(np.expm1(np.diff(np.log(price)))) >= 0.999 * max_change))
    return {
        "kurtosis": kurt,
        "acf_r1": acf(r, 1),
        "acf_abs1": acf(a, 1),
        "acf_abs10": acf(a, 10),
        "acf_abs50": acf(a, 50),
        "acf_abs100": acf(a, 100),
        "garch_ab": float(fit.params["alpha[1]"] + fit.params["beta[1]"]),
        "annual_vol": float(r.std() * np.sqrt(per_year)),
        "cap_share": capped,
    }


def crash_drawdown(seed: int, agents: int, herding: float | None) -> float:
    """Max drawdown of price_equity over ticks 100..200 of market_crash (acceptance 14's measure)."""
    import arena

    over = {"n_agents": agents, "seed": seed}
    if herding is not None:
        over["herding_strength"] = herding
    df = arena.load_scenario("market_crash").simulate(overrides=over).indicators()
    p = df.price_equity.to_numpy()[100:200]
    return float(np.max(1 - p / np.maximum.accumulate(p)))


def main(argv=None) -> int:
    """Run the seeds and print the table."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--agents", type=int, default=20_000)
    ap.add_argument("--ticks", type=int, default=2500)
    ap.add_argument("--seeds", default="1-5")
    ap.add_argument("--crash", action="store_true")
    ap.add_argument("--set", action="append", default=[], help="config override key=value")
    args = ap.parse_args(argv)
    lo, _, hi = args.seeds.partition("-")
    seeds = range(int(lo), int(hi or lo) + 1)
    from arena import ArenaModel

    overrides = {k: float(v) for k, v in (s.split("=") for s in args.set)}
    rows = []
    for s in seeds:
        t0 = time.time()
        m = ArenaModel(n_agents=args.agents, seed=s, **overrides)
        n_f = []
        for _ in range(args.ticks):
            m.step()
            st = m.pop.strategy
            n_f.append(np.count_nonzero(st == 0) / max(np.count_nonzero(st < 2), 1))
        price = m.indicators().price_equity.to_numpy()
        row = {"seed": s, **facts(price, m.config.max_price_change),
               "n_f_mean": float(np.mean(n_f)), "n_f_std": float(np.std(n_f))}
        rows.append(row)
        print(json.dumps({k: round(v, 4) for k, v in row.items()}), f"{time.time() - t0:.0f}s", flush=True)
    keys = [k for k in rows[0] if k != "seed"]
    print("median", json.dumps({k: round(float(np.median([r[k] for r in rows])), 4) for k in keys}))
    if args.crash:
        eff = []
        for s in seeds:
            treat, abl = crash_drawdown(s, args.agents, None), crash_drawdown(s, args.agents, 0.0)
            eff.append(treat - abl)
            print(f"crash seed {s}: drawdown {treat:.3f} vs herding 0: {abl:.3f}", flush=True)
        print(f"crash effect median {np.median(eff):.3f}, positive {sum(e > 0 for e in eff)}/{len(eff)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
