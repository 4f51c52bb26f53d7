"""Decompose the baseline's HP business cycle of real GDP; what moves consumption's cycle.

Runs the baseline scenario (``load_scenario("baseline").simulate``, as ``arena validate`` does)
for each seed and measures, on quarterly means after the burn-in (``arena.validation.macro``'s
``to_quarters``: the same quarters, the same GDP deflator ``gdp / real_gdp``):

* the validation table's facts: corr and relative std of the HP cycles of log real consumption
  and investment with log real GDP, and GDP persistence (AR(1) of its cycle);
* an additive decomposition of GDP's cycle: real GDP = C + I + G + N per tick (N, the change in
  inventories, is ``gdp - consumption - investment - gov_spending``, all deflated by the same
  deflator); the HP filter is linear, so ``cyc(Y) = sum_k cyc(X_k)``; each component's cycle is
  divided by GDP's HP trend, so the shares ``cov(cyc X_k, cyc Y) / var(cyc Y)`` sum to 1
  (the "beta" decomposition of a variance), next to each component's correlation with GDP;
* consumption's drivers: households' budget is
  ``scale * mood * (c_y * sum Yp + chi * sum cash)`` at most the deposits (``Population.
  plan_consumption``), so the script records per tick the planned budget, the propensity scale
  (:func:`arena.behaviour.consumption_scale`), households' permanent income and deposits, and
  from the indicators employment, the real wage, real dividends and real benefits, and reports
  each driver's HP cycle (logs) as its correlation with GDP's and consumption's cycles.

``--user-cost overnight`` replaces :func:`arena.credit_phase.user_cost_factor` by the formula of
commit 3ac2a37 (the firm's overnight real loan rate), so the two engines run on the same seeds in
one tree.

Usage: ``python scripts/cycle_decomposition.py [--seeds 1 2 3 4 5] [--agents 20000]
[--ticks 2500] [--burn-in 250] [--user-cost long|overnight] [--save FRAMES.parquet]
[--load FRAMES.parquet] [--csv TABLE.csv] [--hand-to-mouth SHARE]``.
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd

from arena.validation import macro, stats


def overnight_user_cost(model, loan_rate: np.ndarray) -> np.ndarray:
    """Return the user-cost factor of commit 3ac2a37: the firm's loan rate this tick, less pi_e."""
    from arena.credit_phase import USER_COST_BOUNDS

    cfg = model.config
    delta = cfg.depreciation
    real = loan_rate - model.central_bank.expected_inflation
    ref = max(model.banking.reference_real_rate + delta, 1e-3)
    ratio = ref / np.maximum(np.nan_to_num(real, nan=ref) + delta, 1e-3)
    return np.clip(ratio ** cfg.user_cost_elasticity, *USER_COST_BOUNDS)


def hand_to_mouth(share: float, seed: int):
    """Make a share of households spend out of this tick's income (an experiment, not the engine).

    Rule-of-thumb consumers (Campbell & Mankiw 1989; Gali, Lopez-Salido & Valles 2007): the
    chosen households' permanent income is their current net income (memory 0), so their budget
    ``c_y y + chi cash`` follows their wage, benefit and dividends tick by tick. Which households
    are chosen is a permutation from ``numpy.random.default_rng(seed)`` (not ``model.rng``, so
    the engine's own draws are the same as without the experiment). Returns the replacement of
    :meth:`arena.population.Population.receive_income` (install it on the class).
    """
    from arena.population import Population

    original = Population.receive_income
    chosen: dict[tuple[int, int], np.ndarray] = {}

    def receive_income(self, wage_table, dividend_per_share, memory, growth=0.0):
        original(self, wage_table, dividend_per_share, memory, growth)
        key = (id(self), self.n)
        if key not in chosen:
            order = np.random.default_rng(seed).permutation(self.n)
            chosen[key] = np.sort(order[: int(round(share * self.n))])
        idx = chosen[key]
        income = wage_table[self.employer[idx]] + self.shares[idx] * dividend_per_share
        self.perm_income[idx] = income * (1.0 + growth)

    return original, receive_income


def run(seed: int, agents: int, ticks: int) -> pd.DataFrame:
    """One baseline run; the indicator frame plus the households' consumption inputs per tick."""
    from arena import behaviour
    from arena.scenarios import load_scenario

    scales: list[float] = []
    original = behaviour.consumption_scale

    def recording_scale(model) -> float:
        value = original(model)
        scales.append(value)
        return value

    extra: dict[str, list[float]] = {"perm_income": [], "cash": [], "budget": []}

    def on_tick(model) -> None:
        pop = model.pop
        extra["perm_income"].append(float(pop.perm_income.sum()))
        extra["cash"].append(float(pop.cash.sum()))
        extra["budget"].append(float(model.budget_total))

    behaviour.consumption_scale = recording_scale
    try:
        model = load_scenario("baseline").simulate(ticks, {"n_agents": agents, "seed": seed}, on_tick=on_tick)
    finally:
        behaviour.consumption_scale = original
    frame = model.indicators().reset_index(drop=True)
    for k, v in extra.items():
        frame[f"hh_{k}"] = v
    frame["hh_scale"] = scales[-len(frame):]
    frame["n_households"] = agents
    frame["seed"] = seed
    return frame


def long_rate(policy_rate: pd.Series, ticks_per_year: int = 250) -> np.ndarray:
    """Rebuild ``model.long_rate`` from the policy rate.

    A one-year EWMA, updated before the tick's monetary phase (so from the previous tick's
    rate), starting at the first rate.
    """
    p = policy_rate.to_numpy(dtype=float)
    out = np.empty_like(p)
    level = p[0]
    for t in range(p.size):  # one scalar recursion over ticks (not agents)
        level += ((p[t - 1] if t else p[0]) - level) / ticks_per_year
        out[t] = level
    return out


def income_term_share(frame: pd.DataFrame) -> pd.Series:
    """Share of permanent income in the budget's base ``c_y sum Yp + chi sum cash``."""
    from arena.scenarios import load_scenario

    cfg = load_scenario("baseline").make_config(n_agents=int(frame["n_households"].iloc[0]))
    income = cfg.income_propensity * frame["hh_perm_income"]
    return income / (income + cfg.consumption_propensity * frame["hh_cash"])


def quarters(frame: pd.DataFrame, burn_in: int, ticks_per_year: int = 250) -> pd.DataFrame:
    """Quarterly means of the real components and drivers (``to_quarters``'s quarters)."""
    deflator = frame["gdp"] / frame["real_gdp"]
    n = frame["n_households"]
    parts = pd.DataFrame({
        "tick": frame["tick"] if "tick" in frame else np.arange(1, len(frame) + 1),
        "Y": frame["real_gdp"],
        "C": frame["consumption"] / deflator,
        "I": frame["investment"] / deflator,
        "G": frame["gov_spending"] / deflator,
        "N": (frame["gdp"] - frame["consumption"] - frame["investment"] - frame["gov_spending"]) / deflator,
        "employment": 1.0 - frame["unemployment"],
        "u": frame["unemployment"],
        "real_wage": frame["wage"] / deflator,
        "real_wage_bill": frame["wage"] * (1.0 - frame["unemployment"]) * n / deflator,
        "real_dividends": frame["dividends"] / deflator,
        "real_benefits": frame["benefits"] / deflator,
        "real_perm_income": frame["hh_perm_income"] / deflator,
        "real_deposits": frame["hh_cash"] / deflator,
        "real_budget": frame["hh_budget"] / deflator,
        "scale": frame["hh_scale"],
        "deflator": deflator,
        "fear": frame["fear"],
        "nominal_C": frame["consumption"],
        "perm_income": frame["hh_perm_income"],
        "deposits": frame["hh_cash"],
        "income_term_share": income_term_share(frame),
        "real_overnight_rate": frame["loan_rate"] - frame["expected_inflation"],
        "real_long_rate": frame["loan_rate"] - frame["policy_rate"] + long_rate(frame["policy_rate"])
        - frame["expected_inflation"],
    })
    q, _ = macro.to_quarters(frame, ticks_per_year=ticks_per_year, burn_in=burn_in)
    parts = parts.loc[parts["tick"] > burn_in]
    idx = np.floor((parts["tick"].to_numpy() - burn_in - 1) * 4 / ticks_per_year).astype(int)
    out = parts.drop(columns="tick").groupby(idx).mean().iloc[: len(q)].reset_index(drop=True)
    out["c_validation"], out["y_validation"] = q["c"].to_numpy(), q["y"].to_numpy()
    return out


def seed_statistics(q: pd.DataFrame) -> dict[str, float]:
    """Measure the table's facts, the GDP decomposition and consumption's drivers for one seed."""
    out: dict[str, float] = {}
    # the quarters are arena.validation's: C and Y equal to_quarters' c and y
    out["check_rel_diff_C_Y"] = float(max(np.max(np.abs(q["C"] / q["c_validation"] - 1)),
                                          np.max(np.abs(q["Y"] / q["y_validation"] - 1))))
    cyc = {k: stats.hp_cycle(np.log(q[k].to_numpy())) for k in ("Y", "C", "I")}
    out["corr_C_Y"] = stats.correlation(cyc["C"], cyc["Y"])
    out["corr_I_Y"] = stats.correlation(cyc["I"], cyc["Y"])
    out["relstd_C"] = stats.relative_std(cyc["C"], cyc["Y"])
    out["relstd_I"] = stats.relative_std(cyc["I"], cyc["Y"])
    out["gdp_persistence"] = stats.ar1(cyc["Y"])
    out["unemployment_std"] = float(np.std(q["u"].to_numpy(), ddof=1))  # quarterly, as the table
    out["std_Y_cycle_pct"] = 100 * float(np.std(cyc["Y"], ddof=1))
    trend = q["Y"].to_numpy() - stats.hp_cycle(q["Y"].to_numpy())
    y = stats.hp_cycle(q["Y"].to_numpy()) / trend
    var_y = float(np.var(y, ddof=1))
    parts: dict[str, np.ndarray] = {}
    for k in ("C", "I", "G", "N"):
        x = stats.hp_cycle(q[k].to_numpy()) / trend
        out[f"level_share_{k}"] = float(q[k].mean() / q["Y"].mean())
        out[f"var_share_{k}"] = float(np.cov(x, y)[0, 1] / var_y)
        out[f"corr_{k}_Y_levels"] = stats.correlation(x, y)
        out[f"ar1_{k}"] = stats.ar1(x)
        parts[k] = x
    # corr(C, Y) = (var C + cov(C, Z)) / (sd C sd Y) with Z = I + G + N: how consumption's cycle
    # co-moves with the rest of demand, and the rest's own share
    z = parts["I"] + parts["G"] + parts["N"]
    out["corr_C_I"] = stats.correlation(parts["C"], parts["I"])
    out["corr_C_N"] = stats.correlation(parts["C"], parts["N"])
    out["corr_C_Z"] = stats.correlation(parts["C"], z)
    out["sd_C_over_sd_Z"] = float(np.std(parts["C"], ddof=1) / np.std(z, ddof=1))
    for k in (1, 2):  # investment after consumption (accelerator): corr(C_t, I_{t+k})
        out[f"corr_C_I_lead{k:+d}"] = stats.correlation(parts["C"][:-k], parts["I"][k:])
    for k in ("employment", "real_wage", "real_wage_bill", "real_dividends", "real_benefits",
              "real_perm_income", "real_deposits", "real_budget", "scale", "deflator"):
        v = q[k].to_numpy()
        if np.all(v > 0):
            c = stats.hp_cycle(np.log(v))
            out[f"corr_{k}_Y"] = stats.correlation(c, cyc["Y"])
            out[f"corr_{k}_C"] = stats.correlation(c, cyc["C"])
            out[f"relstd_{k}"] = stats.relative_std(c, cyc["Y"])
    # corr(C, Y) split additively: real C = nominal C / P and nominal C ~ the budget
    # scale * mood * (c_y sum Yp + chi sum cash), so cyc(log C) = -cyc(log P) + cyc(log scale)
    # + w cyc(log sum Yp) + (1 - w) cyc(log sum cash) + rest (moods, the cash cap, commodity
    # spending, linearisation); each term's cov with cyc(log Y) / (sd_C sd_Y)
    w = float(q["income_term_share"].mean())
    terms = {"price": -stats.hp_cycle(np.log(q["deflator"].to_numpy())),
             "scale": stats.hp_cycle(np.log(q["scale"].to_numpy())),
             "perm_income": w * stats.hp_cycle(np.log(q["perm_income"].to_numpy())),
             "deposits": (1 - w) * stats.hp_cycle(np.log(q["deposits"].to_numpy()))}
    terms["rest"] = cyc["C"] - sum(terms.values())
    norm = float(np.std(cyc["C"], ddof=1) * np.std(cyc["Y"], ddof=1))
    out["income_term_share"] = w
    for k, v in terms.items():
        out[f"corrCY_from_{k}"] = float(np.cov(v, cyc["Y"])[0, 1] / norm)
        out[f"relstd_term_{k}"] = stats.relative_std(v, cyc["Y"])
    nominal = stats.hp_cycle(np.log(q["nominal_C"].to_numpy()))
    out["corr_nominalC_Y"] = stats.correlation(nominal, cyc["Y"])
    out["relstd_nominalC"] = stats.relative_std(nominal, cyc["Y"])
    # the user cost's real rate (percentage points): its cycle against output, consumption and
    # investment; lead k > 0 = the rate k quarters after the quantity
    cyc["I_levels"] = parts["I"]
    for r in ("real_overnight_rate", "real_long_rate"):
        c = stats.hp_cycle(100 * q[r].to_numpy())
        out[f"std_{r}_pp"] = float(np.std(c, ddof=1))
        for k, name in (("Y", "Y"), ("C", "C"), ("I_levels", "I")):
            out[f"corr_{r}_{name}"] = stats.correlation(c, cyc[k])
        for k in (1, 2, 3):  # corr(rate_t, I_{t+k}): the rate k quarters before investment
            out[f"corr_{r}_I_lead{k:+d}"] = stats.correlation(c[:-k], cyc["I_levels"][k:])
    c = stats.hp_cycle(q["fear"].to_numpy())
    out["corr_fear_Y"], out["corr_fear_C"] = stats.correlation(c, cyc["Y"]), stats.correlation(c, cyc["C"])
    # consumption's lead/lag with GDP: corr(cyc C_t, cyc Y_{t+k}), k > 0 = consumption leads
    for k in (-2, -1, 1, 2):
        a, b = (cyc["C"][:-k], cyc["Y"][k:]) if k > 0 else (cyc["C"][-k:], cyc["Y"][:k])
        out[f"corr_C_Y_lead{k:+d}"] = stats.correlation(a, b)
    return out


def main() -> None:
    """Run or load the seeds, print the per-seed statistics and their medians."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5])
    ap.add_argument("--agents", type=int, default=20000)
    ap.add_argument("--ticks", type=int, default=2500)
    ap.add_argument("--burn-in", type=int, default=250)
    ap.add_argument("--user-cost", choices=("long", "overnight"), default="long")
    ap.add_argument("--hand-to-mouth", type=float, default=0.0,
                    help="experiment: share of rule-of-thumb households (0 = the engine as is)")
    ap.add_argument("--save", default="")
    ap.add_argument("--load", default="")
    ap.add_argument("--csv", default="", help="also write the table (statistics x seeds) here")
    a = ap.parse_args()
    if a.load:
        frames = pd.read_parquet(a.load)
        frames = [frames[frames["seed"] == s].reset_index(drop=True) for s in a.seeds]
    else:
        if a.user_cost == "overnight":
            import arena.credit_phase

            arena.credit_phase.user_cost_factor = overnight_user_cost
        frames = []
        for s in a.seeds:
            if a.hand_to_mouth > 0:
                from arena.population import Population

                original, patched = hand_to_mouth(a.hand_to_mouth, s)
                Population.receive_income = patched
            try:
                frames.append(run(s, a.agents, a.ticks))
            finally:
                if a.hand_to_mouth > 0:
                    Population.receive_income = original
            print(f"seed {s} done", flush=True)
        if a.save:
            pd.concat(frames).to_parquet(a.save, index=False)
    rows = {s: seed_statistics(quarters(f, a.burn_in)) for s, f in zip(a.seeds, frames, strict=True)}
    for s, f in zip(a.seeds, frames, strict=True):  # the table's other two facts that moved
        after = f.iloc[a.burn_in:]  # rows are ticks 1, 2, ...
        r = stats.log_returns(after["price_equity"].to_numpy(float))
        rows[s]["acf_abs_lag1"] = float(stats.acf(np.abs(r), [1])[0])
        rows[s]["unemployment_mean"] = float(after["unemployment"].mean())
    table = pd.DataFrame(rows)
    table["median"] = table.median(axis=1)
    if a.csv:
        table.to_csv(a.csv)
    with pd.option_context("display.width", 200, "display.max_rows", 200, "display.float_format",
                           "{:+.3f}".format):
        print(table)


if __name__ == "__main__":
    main()
