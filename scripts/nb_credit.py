"""Cells of notebooks/07_credit_crash.ipynb (imported by scripts/make_notebooks.py)."""

from __future__ import annotations

import textwrap


def cells(md, code, setup: str) -> list:
    """Return the notebook's cells, built with make_notebooks' ``md`` and ``code`` helpers."""
    return [
        md("""
        # 07 · Credit and the crash

        Where is the credit? Banks lend firms their financing gap, and **a loan creates a deposit**:
        money grows with credit and shrinks with repayments. Banks price a loan by the borrower's
        leverage and, in the credit scenario, by its debt service against its operating cash flow
        (Caiani et al. 2016); they refuse the riskiest borrowers and lend only while their capital
        ratio stays above the minimum. This notebook runs the `credit_boom_bust` scenario — the
        Minsky story of Jordà, Schularick & Taylor (2013): cheap, loosely priced credit builds
        leverage, a rate rise turns speculative borrowers into Ponzi borrowers, banks ration, and
        the recession is deeper than the same economy's with prudent credit — and then a plain
        +200 bp tightening against the same seeds without it. Sizes are small so that it runs in a
        few minutes; the documented tables (20,000 households, 8 seeds) are in
        [docs/scenarios.md](../docs/scenarios.md) and [docs/validation.md](../docs/validation.md).
        """),
        code(setup + textwrap.dedent("""
            import dataclasses
            import tempfile
            from pathlib import Path

            from arena.effects import effects_frame
            from arena.experiment_plot import plot_arms

            pd.set_option("display.width", 160)
            pd.set_option("display.max_colwidth", 60)
            WORK = Path(tempfile.mkdtemp(prefix="arena_nb07_"))  # runs of this notebook (temporary)
            N, SEEDS = 2_000, [1, 2]  # small: a few minutes; the docs use 20,000 households, 8 seeds
            """)),
        md("""
        ## 1. Money is credit

        One run of the baseline: loans and the money supply move together (every loan granted is a
        deposit created), and the balance sheet's loan and deposit rows sum to zero across sectors.
        """),
        code("""
        model = ArenaModel(n_agents=N, seed=1, check_accounting=True)
        for _ in range(300):
            model.step()
        df = model.indicators()
        d_loans, d_money = df.loans.diff(), df.money_supply.diff()
        print(f"corr(d loans, d money) = {d_loans.corr(d_money):.2f}")
        fig, ax = plt.subplots(1, 2)
        df[["loans", "money_supply"]].plot(ax=ax[0], ylabel="currency")
        df[["loan_rate", "policy_rate"]].plot(ax=ax[1], ylabel=label("loan_rate"))
        plt.show()
        model.balance_sheet().round(0)
        """),
        code("""
        model.banks_frame().round(3)
        """),
        md("""
        ## 2. The scenario and what economics expects

        The scenario's `[config]` makes credit cheap and loosely priced (low spread, leverage
        underpriced, a lax refusal ceiling, thin capital, firms holding four times the borrowed
        liquidity); an `euphoria` shock at tick 50, a +4 point rate rise (the Minsky moment) at 250
        and a panic at 252. The arm `prudent_credit` runs the same shocks with the baseline's
        prudent credit; `no_shocks` the same loose economy without shocks. The expected effects were
        written, with their sources, before the model was run:
        """),
        code("""
        scenario = arena.load_scenario("credit_boom_bust")
        print(scenario.description)
        effects_frame(scenario.effects)[["effect", "metric", "control", "sign", "expected", "source"]]
        """),
        code("""
        result = arena.experiment(scenario, seeds=SEEDS, n_agents=N, backend="serial", out_dir=WORK / "cbb")
        result.table[["effect", "control", "sign", "min", "max", "median", "ci_low", "ci_high",
                      "share_sign", "n", "holds"]].round(4)
        """),
        code("""
        plot_arms(result, ["loans", "loan_spread", "capital_ratio", "real_gdp", "unemployment",
                           "firm_defaults"]);
        """),
        md("""
        **Reading it.** After the rate rise floating-rate debt service jumps while cash flow falls;
        banks lend no new money for service the borrower's cash flow cannot pay (the scenario's
        debt-service-coverage floor, `min_service_coverage = 1`), so firms that lived on
        refinancing are rationed, hire less and pay their instalments out of their deposits until
        some cannot. Loans fall below the same seeds without the shocks (about -6% at the end at
        20,000 households, 8 of 8 seeds: docs/validation.md, "Credit boom and bust"), firm defaults
        rise in the 100 ticks after the shock (8 of 8 seeds) and real GDP dips below the prudent
        economy's. Firms pay dividends out of earnings and retain them while their debt exceeds half
        their assets, so capital-goods firms no longer churn before the shock. What the model does
        *not* show (docs/scenarios.md, "Where the model disagrees"): over the whole window defaults
        are higher on only 6 of 8 seeds (the control's own rising policy rate makes its firms fail
        later), and the mean spread of the loan book widens by only about 2 basis points, because
        the riskiest borrowers are refused rather than priced. Banks' capital ratios stay above the
        minimum, so the bank-capital channel of the crash (losses -> capital constraint ->
        rationing of sound borrowers) is not triggered.

        ## 3. A +200 bp tightening against the same seeds

        The baseline economy (default credit parameters), a `rate` shock of +0.02 at tick 250
        against the same seeds without it.
        """),
        code("""
        base = arena.load_scenario("rate_shock")
        hike = dataclasses.replace(base, shocks=(dataclasses.replace(base.shocks[0], size=0.02, tick=250),),
                                   ticks=450)
        windows = [("mean_loan_rate", "path_difference", 250, 350),
                   ("mean_credit_growth", "path_difference", 251, 450),
                   ("mean_loans", "path_ratio", 350, 450),
                   ("mean_real_gdp", "path_ratio", 350, 450),
                   ("mean_unemployment", "path_difference", 350, 450)]
        metrics = [{"metric": m, "effect": k, "control": "no_shocks", "sign": "none", "from": a, "to": b}
                   for m, k, a, b in windows]
        tight = arena.experiment(hike, seeds=SEEDS, n_agents=N, backend="serial", metrics=metrics,
                                 out_dir=WORK / "tight")
        print(tight.per_seed.pivot(index="seed", columns="effect", values="effect_value").round(4))
        tight.table[["effect", "median", "ci_low", "ci_high"]].round(4)
        """),
        md("""
        At 20,000 households and 8 seeds (docs/validation.md) the tightening lowers credit growth,
        loans and inflation and raises unemployment on every seed; real GDP (with the change in
        inventories) is lower on every seed for the first 200 ticks after the hike (median -2.3%), then
        overshoots the control for a while, and unemployment rises more than Okun's law would pair
        with that fall (docs/validation.md, "Why unemployment rises more than real GDP falls") —
        with two seeds of 2,000 households expect noise. `arena experiment rate_shock` and
        `arena.experiment(..., seeds=range(1, 21))` give tighter intervals.
        """),
    ]
