"""Cells of notebooks/06_validation.ipynb (imported by scripts/make_notebooks.py)."""

from __future__ import annotations

import textwrap


def cells(md, code, setup: str) -> list:
    """Return the notebook's cells, built with make_notebooks' ``md`` and ``code`` helpers."""
    return [
        md("""
        # 06 · Validation: stylized facts, calibration, sensitivity

        Does the model's equity market behave like a real stock index, and does its economy move
        like the US business cycle? This notebook measures the **stylized facts** of a few seeds of
        the baseline (Cont 2001 for returns; Stock & Watson 1999 for the cycle), compares each with
        real data that ships in packages (the NASDAQ Composite in `arch.data`, US quarterly data in
        `statsmodels.datasets.macrodata`), then runs one small **calibration** (method of simulated
        moments with black-it's samplers) and one small **sensitivity analysis** (SALib Morris, then
        Sobol'). Sizes are small so that it runs in about a minute; the documented table at a
        larger size is in [docs/validation.md](../docs/validation.md).
        """),
        code(setup + textwrap.dedent("""
            import tempfile
            from pathlib import Path

            from arena import run_batch
            from arena.validation import plots, reference, report, stylized_facts

            pd.set_option("display.width", 160)
            pd.set_option("display.max_colwidth", 48)
            WORK = Path(tempfile.mkdtemp(prefix="arena_nb06_"))  # runs of this notebook (temporary)
            """)),
        md("""
        ## 1. The real data

        The reference values are computed here, from the data sets: the statistic over the full
        sample (`data`) and its min-max over sub-periods as long as a model run (`low`, `high`):
        short samples of real data scatter too. The S&P 500 is kept out of sample.
        """),
        code("""
        BURN_IN, TICKS = 250, 1250
        reference.finance_reference(TICKS - BURN_IN - 1)[["data", "low", "high", "out_of_sample"]].round(3)
        """),
        code("""
        reference.macro_reference((TICKS - BURN_IN) * 4 // 250)[["data", "low", "high"]].round(3)
        """),
        md("""
        ## 2. The model: a few seeds of the baseline

        `run_batch` runs the seeds (on two local processes here; a Dask cluster works the same
        way). `stylized_facts` takes the whole batch frame, measures every fact on each seed after
        the burn-in and reports the median and range across seeds next to the data.
        """),
        code("""
        start = time.perf_counter()
        frame = run_batch("baseline", grid={"n_agents": [2000]}, seeds=[1, 2, 3], ticks=TICKS, workers=2,
                          out_dir=WORK / "batch", progress=False)
        table = stylized_facts(frame, burn_in=BURN_IN)
        print(f"{time.perf_counter() - start:.1f} s;", report.summary(table))
        table[["group", "fact", "model", "model_min", "model_max", "data", "low", "high", "status"]]
        """),
        md("""
        Facts whose indicator columns do not exist yet (consumption, investment, vacancies, firm
        defaults: added by the v2 economy) are reported as *not available*, with the missing
        column named. Failed facts stay in the table.

        ## 3. Figures

        The return distribution against the NASDAQ's and the normal (log scale: fat tails show
        as wings above the parabola), the autocorrelation of |r| (volatility clustering and its
        slow decay), and the macro curves against US quarters.
        """),
        code("""
        plots.plot_return_distribution(frame, BURN_IN)
        """),
        code("""
        plots.plot_abs_acf(frame, BURN_IN)
        """),
        code("""
        plots.plot_macro_curves(frame, 250, BURN_IN)
        """),
        md("""
        ## 4. One small calibration

        `arena.calibrate` minimises the inverse-variance weighted distance between the model's
        moments (mean over seeds) and the NASDAQ's / US data's, over a search space. It starts from
        the scenario's configuration (point 0, the "default"), then black-it proposes points: a
        Halton design, then rounds of its best-batch and random-forest samplers. This toy run
        searches two parameters with 7 short runs in this process (`backend="serial"`); the result says little about the economy,
        but shows the loop and its outputs.
        """),
        code("""
        from arena import calibrate

        cal = calibrate("baseline", space={"noise_sigma": (0.002, 0.03), "herding_strength": (0.0, 0.6)},
                        seeds=[1], ticks=500, n_agents=1000, burn_in=100, batches=2, batch_size=3,
                        backend="serial", out_dir=WORK / "calibration", progress=False)
        print(cal.summary())
        cal.points[["point", "round", "sampler", "noise_sigma", "herding_strength", "loss"]]
        """),
        md("""
        ## 5. One small sensitivity analysis

        Morris screening over three parameters, then Sobol' indices on the two with the largest
        normalised mu*. With so few points the indices are rough (see their confidence intervals);
        the defaults of `arena sensitivity` are larger.
        """),
        code("""
        from arena.sensitivity import analyse

        sens = analyse("baseline", space={"noise_sigma": (0.002, 0.03), "herding_strength": (0.0, 0.6),
                                          "matching_efficiency": (0.05, 0.3)},
                       seeds=[1], ticks=400, n_agents=500, burn_in=100, trajectories=2, sobol_samples=4,
                       top=2, backend="serial", out_dir=WORK / "sensitivity", progress=False)
        print(sens.summary())
        sens.plot()
        """),
        md("""
        ## What next

        `arena validate`, `arena calibrate` and `arena sensitivity` run the same code from the
        command line at any size, also on a Dask cluster (`--scheduler`). docs/validation.md has
        the table of the default configuration, the calibration and the sensitivity results.
        """),
    ]
