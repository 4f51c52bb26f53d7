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
#: Finance reasons measured at commit 033ec64 (branch mkt: herding in stress, fear contagion, the
#: market's own random stream), 20,000 households, 2,500 ticks, burn-in 250; macro reasons measured
#: on branch econ (CES inputs, trend-growing permanent income, JOLTS normal vacancy rate).
FAILING = {  # acf_r_max_1_10, the GARCH alpha and beta, the relative volatilities of consumption and
    # investment, corr(I, Y), the price and wage Phillips and Beveridge slopes, inflation persistence,
    # mean unemployment and the default rate pass on branch fix (not listed); corr(C, Y) and output
    # persistence fail on int and on branch fix (economy helpers' work, not marked here)
    "excess_kurtosis": "kurtosis 1.71 [1.35, 1.74] vs [3.8, 7.1]: tails too thin",
    "hill_tail_index": "tail index 4.73 [4.25, 5.79] vs [3.0, 3.3]: tails too thin",
    "acf_r_lag1": "lag-1 autocorrelation +0.025 [0.018, 0.053] vs [-0.08, -0.003]: mild momentum",
    "acf_abs_lag1": "branch fix (goods-CPI fix): acf |r| lag 1 0.151 [0.102, 0.223] vs [0.205, 0.271] "
                    "(passed on int)",
    "acf_abs_lag10": "acf |r| lag 10 0.153 [0.152, 0.191] vs [0.27, 0.32]: clustering too short-lived",
    "acf_abs_lag50": "acf |r| lag 50 0.042 [0.035, 0.048] vs [0.135, 0.25]",
    "acf_abs_decay": "decay exponent 0.65 [0.63, 1.10] vs [0.14, 0.34]: acf |r| decays too fast",
    "garch_persistence": "branch fix (goods-CPI fix): alpha + beta 0.974 [0.961, 0.980] vs [0.979, 0.997]: "
                         "just below (inside on int)",
    "leverage": "-0.022 [-0.022, -0.004] vs [-0.095, -0.070]: hardly any; the price sits 3-9% below its "
                "fundamental value on average, so a fall raises the misalignment term toward calmer "
                "fundamentalism (a hypothesis, not isolated)",
    "annual_volatility": "20.9% [20.5%, 24.7%] a year vs [22.6%, 29.1%]",
    "okun_slope": "unemployment reacts ~3x too strongly to output growth (~-1.05 vs [-0.37, -0.14])",
    "unemployment_std": "quarterly unemployment std ~6.1 pp vs [0.7, 1.6] pp: boom-bust cycles",
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
