"""Which firm decision drives the baseline's unemployment swings (issue 15, branch ``labour``).

Runs the baseline scenario (as ``arena validate`` does) for each seed and records per tick,
through wrappers that call the engine's own functions unchanged (the run is bit-identical):

* employment of C-firms and K-firms, their labour demand before and after the finance
  constraint (:func:`arena.credit_phase.limit_labour_to_finance`), separations, dismissals and
  hires of each sector;
* C-firms' markup moves at price reviews (share of reviews with inventory at or below target,
  with units booked at least output since the last review, with the markup raised, cut) and
  the yearly mean markup and wage share of GDP;
* C-firms' investment orders at reviews (:meth:`GoodsFirms.review_investment`) split by the
  regime of the rule: *loss* (a loss since the last review: replacement only), *capped* (the
  gap to desired capital exceeds the expansion cap ``MAX_EXPANSION``), *interior* (0 < gap <
  cap) and *none* (capital at or above desired: replacement only); machines ordered per regime.

On quarterly means after the burn-in it reports the "beta" decomposition of the variance of
the unemployment rate: ``u = 1 - (L_C + L_K) / N`` so ``var(u) = cov(u, -L_C/N) + cov(u, -L_K/N)``
(shares sum to 1); the same for labour demand (the finance constraint's share is
``cov(u, (D_before - D_after)/N) / var(u)``); and the correlation of the share of reviewing
firms in each investment regime with the unemployment rate.

Usage: ``python scripts/unemployment_decomposition.py [--seeds 1 2] [--agents 20000]
[--ticks 2500] [--burn-in 250]``.
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd

REGIMES = ("loss", "capped", "interior", "none")


def run(seed: int, agents: int, ticks: int) -> pd.DataFrame:
    """One baseline run with the per-tick labour and investment records (see module doc)."""
    from arena import credit_phase
    from arena.markets import labour
    from arena.scenarios import load_scenario
    from arena.sectors import firms as firms_mod

    rec: dict[str, float] = {}
    rows: list[dict[str, float]] = []
    state: dict[str, int] = {"nc": 0}
    orig_limit, orig_quota = credit_phase.limit_labour_to_finance, labour.firing_quota
    orig_sep, orig_match = labour.separate, labour.match
    orig_invest = firms_mod.GoodsFirms.review_investment
    orig_review = firms_mod.FirmSector.review_price_quantity

    def review(self, idx, unit_cost, rng):
        if not isinstance(self, firms_mod.GoodsFirms) or idx.size == 0:
            return orig_review(self, idx, unit_cost, rng)
        d = self.expected_demand[idx]
        before = self.markup[idx].copy()
        signals = {"stock_low": self.inventory[idx] <= self.config.inventory_ticks * d,
                   "booked_ge_output": self.demand_acc[idx] >= self.output_acc[idx]}
        out = orig_review(self, idx, unit_cost, rng)
        moves = {"markup_up": self.markup[idx] > before, "markup_down": self.markup[idx] < before}
        for name, m in {**signals, **moves}.items():
            rec[f"m_{name}"] = rec.get(f"m_{name}", 0.0) + float(m.sum())
        rec["m_reviews"] = rec.get("m_reviews", 0.0) + float(idx.size)
        return out

    def limit(model):
        state["nc"] = model.cfirms.n
        rec["dem_c_plan"] = float(model.cfirms.labour_demand.sum())
        rec["dem_k_plan"] = float(model.kfirms.labour_demand.sum())
        orig_limit(model)
        rec["dem_c"] = float(model.cfirms.labour_demand.sum())
        rec["dem_k"] = float(model.kfirms.labour_demand.sum())

    def split(arr, key):
        nc = state["nc"]
        rec[f"{key}_c"] = float(arr[:nc].sum())
        rec[f"{key}_k"] = float(arr[nc:].sum())

    def separate(employer, n_employers, rate, rng):
        out = orig_sep(employer, n_employers, rate, rng)
        split(out, "sep")
        return out

    def quota(workers, demand, *rest):
        out = orig_quota(workers, demand, *rest)
        split(out, "fire")
        return out

    def match(employer, vacancies, n_unemployed, efficiency, rng):
        out = orig_match(employer, vacancies, n_unemployed, efficiency, rng)
        split(out, "hire")
        split(vacancies, "vac")
        return out

    def invest(self, idx, kprices, kalive, kstock, rng, cost_factor=1.0):
        out = orig_invest(self, idx, kprices, kalive, kstock, rng, cost_factor)
        cfg = self.config
        years = cfg.review_ticks / cfg.ticks_per_year
        desired = self.capital_need[idx] / cfg.target_utilisation * cost_factor
        gap = desired - self.capital[idx]
        cap = firms_mod.MAX_EXPANSION * years * self.capital[idx]
        loss = self.profit_acc[idx] < 0
        masks = {"loss": loss, "capped": ~loss & (gap >= cap), "interior": ~loss & (gap > 0) & (gap < cap),
                 "none": ~loss & (gap <= 0)}
        for name, m in masks.items():
            rec[f"n_{name}"] = rec.get(f"n_{name}", 0.0) + float(m.sum())
            rec[f"order_{name}"] = rec.get(f"order_{name}", 0.0) + float(out[m].sum())
        return out

    def on_tick(model):
        row = dict(rec)
        row["emp_c"] = float(model.cfirms.workers.sum())
        row["emp_k"] = float(model.kfirms.workers.sum())
        row["u"] = float(model.unemployment)
        row["capital"] = float(model.cfirms.capital.sum())
        row["markup"] = float(np.mean(model.cfirms.markup[model.cfirms.alive]))
        rows.append(row)
        rec.clear()

    credit_phase.limit_labour_to_finance = limit
    labour.firing_quota, labour.separate, labour.match = quota, separate, match
    firms_mod.GoodsFirms.review_investment = invest
    firms_mod.FirmSector.review_price_quantity = review
    try:
        model = load_scenario("baseline").simulate(ticks, {"n_agents": agents, "seed": seed}, on_tick=on_tick)
    finally:
        credit_phase.limit_labour_to_finance = orig_limit
        labour.firing_quota, labour.separate, labour.match = orig_quota, orig_sep, orig_match
        firms_mod.GoodsFirms.review_investment = orig_invest
        firms_mod.FirmSector.review_price_quantity = orig_review
    frame = pd.DataFrame(rows).fillna(0.0)
    frame["tick"] = np.arange(1, len(frame) + 1)
    ind = model.indicators().reset_index(drop=True).iloc[-len(frame):]
    # wage share of GDP: wage bill (employment-weighted mean wage x employed) over expenditure GDP
    frame["wage_share"] = (ind["wage"] * (1.0 - ind["unemployment"]) * agents / ind["gdp"]).to_numpy()
    frame["n"] = agents
    return frame


def statistics(frame: pd.DataFrame, burn_in: int, ticks_per_year: int = 250) -> dict[str, float]:
    """Quarterly variance decomposition of unemployment and the investment regimes' timing."""
    f = frame.loc[frame["tick"] > burn_in].copy()
    q = f.groupby(((f["tick"] - burn_in - 1) * 4 // ticks_per_year).to_numpy()).agg(
        {c: ("sum" if c.startswith(("sep_", "fire_", "hire_", "n_", "order_")) else "mean")
         for c in f.columns if c != "tick"})
    n = float(frame["n"].iloc[0])
    u = q["u"].to_numpy()
    var_u = float(np.var(u, ddof=1))

    def beta(x):
        return float(np.cov(x, u)[0, 1] / var_u)

    plan = (q["dem_c_plan"] + q["dem_k_plan"]).to_numpy()
    cut = plan - (q["dem_c"] + q["dem_k"]).to_numpy()
    out = {"u_mean": float(u.mean()), "u_std_pp": 100 * float(np.std(u, ddof=1)),
           "share_var_u_C_jobs": beta(-q["emp_c"].to_numpy() / n),
           "share_var_u_K_jobs": beta(-q["emp_k"].to_numpy() / n),
           "share_var_u_C_demand": beta(-q["dem_c"].to_numpy() / n),
           "share_var_u_K_demand": beta(-q["dem_k"].to_numpy() / n),
           "share_var_u_finance_cut": beta(cut / n),
           "mean_finance_cut_pct_of_demand": 100 * float((cut / plan).mean()),
           "K_jobs_share_of_employment": float((q["emp_k"] / (q["emp_c"] + q["emp_k"])).mean())}
    for s in ("c", "k"):
        for flow in ("sep", "fire", "hire"):
            rate = q[f"{flow}_{s}"].to_numpy() / n  # per quarter
            out[f"{flow}_{s}_pct_of_N_per_q"] = 100 * float(rate.mean())
            out[f"corr_u_{flow}_{s}"] = float(np.corrcoef(rate, u)[0, 1])
    for name in ("stock_low", "booked_ge_output", "markup_up", "markup_down"):
        out[f"share_price_reviews_{name}"] = float(q[f"m_{name}"].sum() / q["m_reviews"].sum())
    yearly = f.groupby(((f["tick"] - 1) // ticks_per_year).to_numpy())[["markup", "wage_share"]].mean()
    out["markup_year_first"] = float(yearly["markup"].iloc[0])
    out["markup_year_last"] = float(yearly["markup"].iloc[-1])
    out["wage_share_year_first"] = float(yearly["wage_share"].iloc[0])
    out["wage_share_year_last"] = float(yearly["wage_share"].iloc[-1])
    reviews = sum(q[f"n_{r}"] for r in REGIMES).to_numpy()
    orders = sum(q[f"order_{r}"] for r in REGIMES).to_numpy()
    out["corr_u_orders"] = float(np.corrcoef(orders, u)[0, 1])
    for r in REGIMES:
        share = q[f"n_{r}"].to_numpy() / np.maximum(reviews, 1)
        out[f"share_reviews_{r}"] = float(share.mean())
        out[f"std_share_{r}"] = float(share.std(ddof=1))
        out[f"corr_u_share_{r}_lead1q"] = float(np.corrcoef(share[:-1], u[1:])[0, 1])
        out[f"share_orders_{r}"] = float((q[f"order_{r}"].to_numpy() / np.maximum(orders, 1e-12)).mean())
    return out


def main() -> None:
    """Run the seeds and print one column per seed plus the median."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--agents", type=int, default=20000)
    ap.add_argument("--ticks", type=int, default=2500)
    ap.add_argument("--burn-in", type=int, default=250)
    args = ap.parse_args()
    table = pd.DataFrame({s: statistics(run(s, args.agents, args.ticks), args.burn_in) for s in args.seeds})
    table["median"] = table.median(axis=1)
    with pd.option_context("display.float_format", "{:.3f}".format, "display.width", 200):
        print(table.to_string())


if __name__ == "__main__":
    main()
