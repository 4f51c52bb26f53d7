"""Measure an oil catastrophe against a control run on the same seeds (monetary response).

Usage: ``python scripts/measure_oil_shock.py [n_agents] [seeds...]``. Prints, per seed, the
goods price and real GDP at tick 400 relative to the control, and the policy-rate path.
"""

from __future__ import annotations

import sys

from arena import ArenaModel

SHOCK_TICK, HORIZON, TICKS = 300, 400, 500


def run(seed: int, n_agents: int, shock: bool):
    model = ArenaModel(n_agents=n_agents, seed=seed)
    for t in range(TICKS):
        if shock and t == SHOCK_TICK:
            model.apply_shock("catastrophe", 0.6, resource="oil")
        model.step()
    return model.indicators()


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    seeds = [int(s) for s in sys.argv[2:]] or [1, 2, 3]
    for seed in seeds:
        base, shocked = run(seed, n, False), run(seed, n, True)
        price = shocked.price_goods.loc[HORIZON] / base.price_goods.loc[HORIZON] - 1
        gdp = shocked.real_gdp.loc[HORIZON] / base.real_gdp.loc[HORIZON] - 1
        gdp_mean = (shocked.real_gdp.loc[SHOCK_TICK:HORIZON] / base.real_gdp.loc[SHOCK_TICK:HORIZON]).mean() - 1
        cols = [c for c in ("inflation", "core_inflation") if c in shocked]
        print(f"seed {seed}: price_goods@{HORIZON} {price:+.2%}  real_gdp@{HORIZON} {gdp:+.2%}  "
              f"mean real_gdp {SHOCK_TICK}-{HORIZON} {gdp_mean:+.2%}")
        print(f"  control rate@299 {base.policy_rate.loc[299]:.4f} infl {base.inflation.loc[299]:.4f}"
              f"  control rate mean 100-500 {base.policy_rate.loc[100:].mean():.4f}"
              f"  infl mean 100-500 {base.inflation.loc[100:].mean():.4f}")
        for t in (299, 305, 310, 320, 340, 360, 400, 450, 499):
            extra = "  ".join(f"{c} {shocked[c].loc[t]:+.4f}" for c in cols)
            print(f"  t={t}: policy_rate {shocked.policy_rate.loc[t]:.4f} (control {base.policy_rate.loc[t]:.4f})"
                  f"  {extra}")
        print(f"  peak policy rate {SHOCK_TICK}-{TICKS}: {shocked.policy_rate.loc[SHOCK_TICK:].max():.4f}"
              f"  tightening ticks: {int(shocked.tightening.loc[SHOCK_TICK:].sum())}", flush=True)


if __name__ == "__main__":
    main()
