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
from arena.validation.runs import firms_frames

#: one worker runs the batch the module fixture holds (pytest -n 2 --dist loadgroup)
pytestmark = pytest.mark.xdist_group("validation_baseline")

SEEDS = [1, 2, 3]
N_AGENTS, TICKS, BURN_IN = 20_000, 2500, 250

#: fact -> why it fails now (values: median [min, max] over seeds 1-3 vs the NASDAQ/US range at this length).
#: Measured on branch int at 42d2be8 (economy v2 parts 1-3: firms, banks, government; the chained
#: Törnqvist goods index; saving on the real deposit rate; DIVIDEND_MEMORY 0.9996), 20,000 households,
#: 2,500 ticks, burn-in 250; the equity facts re-measured on branch fin at d93e9a9 (seeds 1-5) were
#: bit-identical (the Student-t news option `news_tail` is off by default). Reasons for the finance
#: facts: docs/validation.md, "Stylized facts" and "Why the equity market misses the tails, the long
#: memory and the leverage effect":
#: the market is FW (2012)'s DCA-HPM model, whose Gaussian news and two-regime volatility ratio
#: (sigma_c / sigma_f = 2.75) cap the kurtosis near 2 and make no leverage effect.
FAILING = {  # list re-measured at d66f2ad (int5: main with branches qe and labour; seeds 1-3): the
    # largest |acf| of returns at lags 1-10 and corr(C, Y) pass, the GARCH persistence fails;
    # list re-measured at a142f6d (acf |r| lag 1 passes again, output persistence fails);
    # the macro facts and acf |r| lag 1 re-measured on branch labour at eda053b (seeds 1-3, the
    # markup's unsold-output signal): acf |r| lag 1, std(I)/std(Y) and corr(I, Y) now fail. Values
    # from the commits named unless stated. The GARCH alpha and beta, the
    # largest |acf| of returns at lags 1-10, corr(C, Y), consumption's relative std, the price and wage
    # Phillips and Beveridge slopes, inflation persistence, the firm-size skewness and the default
    # rate pass (not listed)
    # the finance facts re-measured on branch fin3 (FW's equations re-estimated by simulated moments
    # against the NASDAQ facts: sigma_c / sigma_f 2.75 -> 12.7; docs/validation.md "Regime contrast";
    # seeds 1-3): kurtosis, the Hill index and acf |r| at lags 10 and 50 now pass, GARCH alpha and
    # beta now fail
    # re-measured on branch fin5 (ksmooth: K-firms' production smoothing; fin3 with FW's sigma_c 2.087;
    # seeds 1-3): GARCH alpha and beta, output persistence and mean unemployment now pass; the Hill
    # index, the largest |acf| of returns at lags 1-10 and acf |r| at lag 10 now fail
    # re-measured on branch fw2 (reserves developed, fiscal rule, wage curve; seeds 1-3): the largest
    # |acf| of returns at lags 1-10, acf |r| at lag 10, std(I)/std(Y) and corr(I, Y) now pass, corr(C, Y)
    # now fails
    # re-measured on branch cal (docs/validation.md "Recalibration": flexible accelerator, less churn,
    # slower matching, firms' target debt ratio, potential at the current job split, news_tail 0.1;
    # seeds 1-3): the std of unemployment and corr(C, Y) now pass, corr(I, Y) now fails
    # re-measured on branch oil (oil from installed wells; docs/validation.md "Oil from installed wells";
    # seeds 1-3): acf |r| lag 1 now passes; corr(C, Y), the Hill index, the largest |acf| of returns at
    # lags 1-10 and acf |r| at lag 50 now fail (on seeds 1-10 only corr(C, Y) and the Hill index do:
    # the equity market's code is unchanged, its paths are not)
    # re-measured at a430b26 (moods move spending little: fear_spending 0.02; docs/model.md 6.1; seeds 1-3):
    # the Hill index, the largest |acf r| at lags 1-10 and corr(I, Y) now pass
    # re-measured at 0344ab8 (the tick-0 steady state; docs/validation.md "The start-up downswing every
    # run begins with"; seeds 1-3): GARCH persistence now passes; the excess kurtosis, the Hill index
    # and corr(I, Y) now fail: the regular cycle the start set off is gone, and with it part of the
    # equity market's calm and stormy stretches and of investment's co-movement with output
    # re-measured at e6b8e66 (the profit tax on profit with losses carried forward, wage tax 0.245;
    # docs/model.md 10.2; seeds 1-3): the excess kurtosis now passes (4.03; 3.37 on seeds 1-10); the
    # GARCH persistence, the largest |acf r| at lags 1-10 and the default rate now fail
    # re-measured at 50d577d (the profit tax lands with firms' own efficiency, log std 0.2 relative to the
    # industry, and tick-0 equity shares rising with wealth; docs/model.md 3 and 6.2; seeds 1-3): the
    # default rate passes again; the excess kurtosis, acf |r| at lag 1 and inflation persistence now fail
    # re-measured at d84a2b2 (firms start at the stationary efficiency spread, harmonic mean 1, each
    # holding the tick-0 price through its markup; docs/model.md 6.2;
    # seeds 1-3): acf |r| at lag 1 and inflation persistence now pass; mean unemployment now fails
    # (reallocation between firms from tick 0: docs/validation.md, session 20)
    # re-measured at e6fdf0e (labour hoarding at Fay & Medoff's 8%, docs/model.md 6.1; seeds 1-3):
    # the acf |r| decay, GARCH persistence and mean unemployment now pass
    # re-measured at 0735195 (an hours margin, hand-to-mouth households, matching_efficiency 0.037;
    # docs/model.md 6.1-6.2; seeds 1-3): excess kurtosis and corr(I, Y) now pass, acf |r| lag 1 and
    # the decay exponent now fail
    # re-measured at b9292a8 (the wage rule's tightness reads unemployment, wage_unemployment_weight 0.5,
    # on the hours margin; seeds 1-3): newly fails excess_kurtosis, now passes acf_abs_lag1, newly fails
    # garch_persistence, now passes corr_consumption_gdp
    # re-measured at 4831364 (noise traders lean against the last return, noise_reversal 0.15,
    # docs/model.md 5.2; seeds 1-3): now passes acf_r_lag1, now passes acf_r_max_1_10, now passes
    # acf_abs_lag50, now passes acf_abs_decay, newly fails corr_investment_gdp
    "excess_kurtosis": "4831364, seeds 1-3: 3.77 [2.52, 4.28]; b9292a8, seeds 1-3: 3.24 [2.59, 5.09]; "
                       "newly fails",
    "hill_tail_index": "4831364, seeds 1-3: 3.79 [3.13, 5.49]; b9292a8, seeds 1-3: 3.82 [2.94, 4.55]; "
                       "0735195, seeds 1-3: 3.8 [2.55, 3.96]; e6fdf0e, seeds 1-3: 4.08 [3.12, 4.61]; "
                       "d84a2b2, seeds 1-3: 3.65 [2.76, 3.75]; 50d577d, seeds 1-3: 3.93 [2.94, 4.63]; "
                       "e6b8e66, seeds 1-3: 3.44 [2.94, 4.34]; Hill index 3.78 [3.36, 4.66] vs [2.96, "
                       "3.33] (0344ab8, seeds 1-3): tails too thin",
    "acf_abs_lag10": "4831364, seeds 1-3: 0.255 [0.233, 0.264]; b9292a8, seeds 1-3: 0.208 [0.207, 0.25]; "
                     "0735195, seeds 1-3: 0.19 [0.158, 0.251]; e6fdf0e, seeds 1-3: 0.242 [0.22, 0.264]; "
                     "d84a2b2, seeds 1-3: 0.212 [0.202, 0.222]; 50d577d, seeds 1-3: 0.183 [0.182, 0.199];"
                     " e6b8e66, seeds 1-3: 0.208 [0.199, 0.233]; acf |r| lag 10 0.196 [0.163, 0.203] vs "
                     "[0.271, 0.319] (0344ab8, seeds 1-3; 0.195 at a430b26)",
    "garch_persistence": "4831364, seeds 1-3: 1 [1, 1]; b9292a8, seeds 1-3: 1 [1, 1]; newly fails",
    "leverage": "4831364, seeds 1-3: -0.00174 [-0.00848, 0.00379]; b9292a8, seeds 1-3: -0.00939 [-0.014, "
                "-0.00649]; 0735195, seeds 1-3: 0.016 [-0.00821, 0.0184]; e6fdf0e, seeds 1-3: -0.00593 "
                "[-0.0121, 0.00852]; d84a2b2, seeds 1-3: -0.00675 [-0.0106, 0.00604]; 50d577d, seeds 1-3:"
                " 0.00237 [0.00237, 0.0175]; e6b8e66, seeds 1-3: 0.000334 [-0.00417, 0.00965]; +0.006 "
                "[-0.005, +0.016] vs [-0.095, -0.070] (0344ab8, seeds 1-3; -0.006 at a430b26): FW's "
                "switching is symmetric (fin3)",
    "annual_volatility": "4831364, seeds 1-3: 0.187 [0.161, 0.212]; b9292a8, seeds 1-3: 0.205 [0.153, "
                         "0.205]; 0735195, seeds 1-3: 0.188 [0.161, 0.21]; e6fdf0e, seeds 1-3: 0.197 "
                         "[0.16, 0.198]; d84a2b2, seeds 1-3: 0.196 [0.147, 0.199]; 50d577d, seeds 1-3: "
                         "0.212 [0.166, 0.224]; e6b8e66, seeds 1-3: 0.173 [0.169, 0.221]; 18.9% [18.3%, "
                         "21.0%] a year vs [22.6%, 29.1%] (0344ab8, seeds 1-3; 18.5% at a430b26)",
    "corr_investment_gdp": "4831364, seeds 1-3: 0.758 [0.677, 0.8]; newly fails",
    "okun_slope": "4831364, seeds 1-3: -0.42 [-0.474, -0.4]; b9292a8, seeds 1-3: -0.479 [-0.513, -0.44]; "
                  "0735195, seeds 1-3: -0.384 [-0.458, -0.383]; e6fdf0e, seeds 1-3: -0.893 [-0.923, "
                  "-0.686]; d84a2b2, seeds 1-3: -0.882 [-0.906, -0.782]; 50d577d, seeds 1-3: -0.953 "
                  "[-1.01, -0.757]; e6b8e66, seeds 1-3: -0.861 [-0.934, -0.755]; unemployment reacts ~3x "
                  "too strongly to output growth (-0.88 [-0.89, -0.87] vs [-0.37, -0.14]; 0344ab8, seeds "
                  "1-3): fixed productivity, no hours margin (docs/validation.md)",
}


@pytest.fixture(scope="module")
def table(tmp_path_factory):
    from arena import run_batch

    frame = run_batch("baseline", grid={"n_agents": [N_AGENTS]}, seeds=SEEDS, ticks=TICKS, workers=2,
                      out_dir=tmp_path_factory.mktemp("baseline_validation"), progress=False)
    # run_batch keeps indicators only: the firm sizes come from the first seed re-run in this
    # process (as `arena validate` does for its first --firm-seeds seeds)
    firms = firms_frames("baseline", SEEDS[:1], TICKS, {"n_agents": N_AGENTS})
    return stylized_facts(frame, burn_in=BURN_IN, firms=firms).set_index("fact")


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
