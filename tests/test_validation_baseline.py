"""The default calibration stays inside the documented real-data ranges, fact by fact.

Runs the documented validation (scripts/gen_validation.py SETTINGS: baseline, 20,000 households,
2,500 ticks, burn-in 250) on three of its seeds. Facts the model passes must keep passing.
Facts it fails today (measured at commit c5d56c7, the engine of main 7f7f427) or cannot measure
yet are strict xfails with the reason: when a change makes one pass, the XPASS fails this test,
so the list (and docs/validation.md) gets updated instead of silently drifting.
"""

from __future__ import annotations

import pytest

from arena.validation import FACTS, stylized_facts

SEEDS = [1, 2, 3]
N_AGENTS, TICKS, BURN_IN = 20_000, 2500, 250

NOT_AVAILABLE = "indicator column not in the engine yet (economy v2 adds it)"
#: fact -> why it fails now (values: median over seeds 1-3 vs the NASDAQ/US range at this length).
FAILING = {  # reasons measured on the pre-v2 engine; the Franke-Westerhoff market and v2 fixed
    # acf_r_max_1_10, the GARCH facts, the consumption/investment co-movements, output persistence,
    # the price Phillips and Beveridge slopes and the default rate (they now pass: removed)
    "excess_kurtosis": "kurtosis ~24 vs [3.8, 7.1]: far too fat tails",
    "hill_tail_index": "tail index ~1.7 vs [3.0, 3.3]: tails too heavy",
    "acf_r_lag1": "lag-1 autocorrelation ~-0.28 vs [-0.08, 0]: strong mean reversion",
    "acf_abs_lag1": "acf |r| lag 1 ~0.43 vs [0.20, 0.27]",
    "acf_abs_lag10": "no volatility clustering at lag 10 (~-0.04 vs [0.27, 0.32])",
    "acf_abs_lag50": "no clustering at lag 50",
    "acf_abs_decay": "decay exponent of a non-decaying (near-zero) acf",
    "leverage": "the market is symmetric: no leverage effect",
    "annual_volatility": "~124% a year vs [23%, 29%]",
    "okun_slope": "unemployment reacts ~3x too strongly to output growth",
    "unemployment_std": "quarterly unemployment std ~3.9 pp vs [0.7, 1.6] pp",
    "rel_std_investment": NOT_AVAILABLE,
    "unemployment_mean": "economy v2: mean unemployment ~18% (seeds 15-19%) vs [4.6%, 7.6%]",
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
