"""The default calibration stays inside the documented real-data ranges, fact by fact.

Runs the documented validation (scripts/gen_validation.py SETTINGS: baseline, 20,000 households,
2,500 ticks, burn-in 250) on three of its seeds. Facts the model passes must keep passing.
Facts it fails today (measured at the commits named at FAILING) or cannot measure yet are strict
xfails with the reason: when a change makes one pass, the XPASS fails this test,
so the list (and docs/validation.md) gets updated instead of silently drifting.
"""

from __future__ import annotations

import pytest

from arena.validation import FACTS, stylized_facts

SEEDS = [1, 2, 3]
N_AGENTS, TICKS, BURN_IN = 20_000, 2500, 250

#: fact -> why it fails now (values: median [min, max] over seeds 1-3 vs the NASDAQ/US range at this length).
#: Finance reasons measured at commit 8d8c0b8 (branch mkt2: the fundamental value on the permanent
#: dividend, DIVIDEND_MEMORY 0.9996), 20,000 households, 2,500 ticks, burn-in 250 (on int 187811f, before
#: it: kurtosis 1.56, Hill 5.43, acf |r| lag 1 0.223 (pass), GARCH alpha + beta 0.987 (pass), annual
#: volatility 22.4%); macro reasons measured
#: on branch econ (CES inputs, trend-growing permanent income, JOLTS normal vacancy rate).
FAILING = {  # acf_r_max_1_10, the GARCH alpha and beta, the consumption/investment
    # co-movements, output persistence, the price Phillips and Beveridge slopes and the default
    # rate pass (not listed)
    "excess_kurtosis": "kurtosis 2.27 [1.68, 2.69] vs [3.8, 7.1]: tails too thin",
    "hill_tail_index": "tail index 3.66 [3.64, 3.76] vs [3.0, 3.3]: tails too thin",
    "acf_r_lag1": "lag-1 autocorrelation +0.014 [0.003, 0.033] vs [-0.08, -0.003]: mild momentum",
    "acf_abs_lag1": "acf |r| lag 1 0.181 [0.168, 0.211] vs [0.205, 0.271]: with a fundamental value that no "
                    "longer swings with the payout slump, long mispricing regimes (and with them the "
                    "strategy regimes) are rarer (0.223 on int 187811f)",
    "acf_abs_lag10": "acf |r| lag 10 0.167 [0.077, 0.175] vs [0.27, 0.32]: clustering too short-lived",
    "acf_abs_lag50": "acf |r| lag 50 0.061 [0.049, 0.075] vs [0.135, 0.25]",
    "acf_abs_decay": "decay exponent 0.56 [0.51, 0.76] vs [0.14, 0.34]: acf |r| decays too fast",
    "garch_persistence": "alpha + beta 0.971 [0.963, 0.974] vs [0.979, 0.997]: below (0.987 on int 187811f)",
    "leverage": "-0.029 [-0.036, 0.003] vs [-0.095, -0.070]: hardly any",
    "annual_volatility": "18.3% [17.2%, 20.5%] a year vs [22.6%, 29.1%]",
    "rel_std_consumption": "consumption/GDP std ~0.46 (seeds 0.40-0.73) vs [0.54, 1.09]: investment makes "
                           "GDP volatile and permanent income smooths consumption",
    "okun_slope": "unemployment reacts ~3x too strongly to output growth (~-1.05 vs [-0.37, -0.14])",
    "unemployment_std": "quarterly unemployment std ~6.1 pp vs [0.7, 1.6] pp: boom-bust cycles",
    "acf_r_max_1_10": "largest |acf| of returns at lags 1-10 0.0496 [0.039, 0.060] vs [0.0505, 0.082]: "
                      "just below (passed at 0.063 with the unit-value goods index)",
    "corr_consumption_gdp": "corr(C, Y) 0.575 [0.46, 0.71] vs [0.70, 0.91]: GDP's cycle is mostly "
                            "investment's; with income_memory 0.999 (annual MPC ~0.34) it passes (0.84) but "
                            "investment's relative std falls to 3.50 (< 3.55; docs/validation.md)",
    "firm_size_skewness": "no firm-level data in a batch frame (model.firms_frame() in v2)",
}


@pytest.fixture(scope="module")
def table(tmp_path_factory):
    from arena import run_batch

    frame = run_batch("baseline", grid={"n_agents": [N_AGENTS]}, seeds=SEEDS, ticks=TICKS, workers=2,
                      out_dir=tmp_path_factory.mktemp("baseline_validation"), progress=False)
    return stylized_facts(frame, burn_in=BURN_IN).set_index("fact")


def _params():
    for fact in FACTS:
        marks = [pytest.mark.xfail(strict=True, reason=FAILING[fact.key])] if fact.key in FAILING else []
        yield pytest.param(fact.key, marks=marks, id=fact.key)


@pytest.mark.slow
@pytest.mark.timeout(1200)
@pytest.mark.parametrize("fact", list(_params()))
def test_default_calibration_is_inside_the_real_data_range(table, fact):
    row = table.loc[fact]
    assert row["status"] == "pass", (
        f"{fact}: model median {row['model']} (seeds {row['model_min']} to {row['model_max']}) "
        f"outside [{row['low']}, {row['high']}]: {row['status']}")
