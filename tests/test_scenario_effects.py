"""Every scenario's stated effects, measured against their controls on common seeds.

For each scenario, :func:`arena.experiment` runs the scenario and each control arm its
``[expected]`` table names (the same economy without the shock, or with the story's mechanism
switched off) on the same seeds, and each effect must hold: its median across seeds inside the
range taken from economics, and (where a sign is expected) at least 80% of the seeds with that sign.
The ranges come from the literature (sources in the scenario files and docs/scenarios.md), not
from the model's output. Where the current model disagrees, the test is marked
``xfail(strict=True)`` with the reason, and docs/scenarios.md lists the disagreement: when the
model is fixed the test passes, strict mode turns that into a failure, and the mark must go.

Runs use TEST_AGENTS households and TEST_SEEDS (the files say 100,000 households; the docs'
table uses 20,000 households and seeds 1-10, so its runs of seeds 1-8 are these). Each scenario's
arms run once per test worker (cached) and its tests share an xdist group, so
``pytest -n 2 --dist loadgroup`` runs every scenario once.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import shutil
import tempfile
from pathlib import Path

import pandas as pd
import pytest

import arena
from arena.scenarios import list_scenarios

TEST_AGENTS = 20_000
TEST_SEEDS = tuple(range(1, 9))
ROOT = Path(__file__).resolve().parents[1]

#: (scenario, effect) -> why the current model disagrees with the economics (measured, see docs).
#: 20,000 households, seeds 1-8 (docs/scenarios.md has the table); each reason starts with its latest
#: measurement and names its commit; "Before:" keeps earlier measurements and diagnoses.
DISAGREES: dict[tuple[str, str], str] = {
    ('bubble_burst', 'bubble'):
        "4831364 (noise traders lean against the last return, noise_reversal 0.15; docs/model.md 5.2): "
        "median 0.157 (CI 0.114 to 0.412), same sign 88% (per seed 0.127, 0.44, 0.101, 0.134, 0.181, 0.281,"
        " -0.116, 0.412). Before: e554f15 (the labour market's tightness in the wage rule reads the "
        "unemployed as well as the vacancies, wage_unemployment_weight 0.5, with the hours margin, "
        "hand-to-mouth households and matching_efficiency 0.037; docs/model.md 6.1-6.2): median 0.137 (CI "
        "0.0561 to 0.219), same sign 88% (per seed 0.126, 0.219, -0.106, 0.0713, 0.0561, 0.172, 0.148, "
        "0.384). Before: 0735195 (an hours margin: heads follow a quarter-smoothed labour need, overtime up"
        " to 10% at time and a half; a third of households hand to mouth; matching_efficiency 0.037; "
        "docs/model.md 6.1-6.2): median 0.145 (CI 0.0908 to 0.473), same sign 100% (per seed 0.136, 0.473, "
        "0.122, 0.155, 0.216, 0.0599, 0.0347, 0.509). Before: e6fdf0e (labour hoarding at Fay & Medoff's "
        "8%: firms dismiss only workers beyond 8% above their labour demand; docs/model.md 6.1): median "
        "0.128 (CI 0.0668 to 0.168), same sign 88% (per seed 0.125, 0.101, 0.132, -0.00543, 0.168, 0.151, "
        "0.0668, 0.403). Before: d84a2b2 (firms start at the stationary efficiency spread, harmonic mean 1,"
        " each holding the tick-0 price through its markup; docs/model.md 6.2): median 0.166 (CI 0.0613 to "
        "0.395), same sign 88% (per seed 0.115, 0.559, 0.17, 0.0613, -0.174, 0.228, 0.162, 0.395). Before: "
        "50d577d (the profit tax with losses carried forward; firms' own efficiency, log std 0.2 relative "
        "to the industry; tick-0 equity shares rising with wealth; docs/model.md 3, 6.2, 10.2): median "
        "0.151 (CI 0.133 to 0.439), same sign 100% (per seed 0.146, 0.526, 0.133, 0.109, 0.157, 0.171, "
        "0.135, 0.439): positive on every seed, below 0.2 on six.",
    ('bubble_burst', 'trend_followers_drive_bubble'):
        "4831364 (noise traders lean against the last return, noise_reversal 0.15; docs/model.md 5.2): "
        "median 0.0481 (CI -0.0117 to 0.0719), same sign 75% (per seed 0.0236, 0.0649, -0.0471, 0.0719, "
        "0.0596, 0.152, -0.214, 0.0367). Before: e554f15 (the labour market's tightness in the wage rule "
        "reads the unemployed as well as the vacancies, wage_unemployment_weight 0.5, with the hours "
        "margin, hand-to-mouth households and matching_efficiency 0.037; docs/model.md 6.1-6.2): median "
        "-0.00629 (CI -0.0979 to 0.0302), same sign 38% (per seed 0.0274, -0.164, -0.244, -0.00147, "
        "-0.0318, 0.033, 0.05, -0.0111). Before: 0735195 (an hours margin: heads follow a quarter-smoothed "
        "labour need, overtime up to 10% at time and a half; a third of households hand to mouth; "
        "matching_efficiency 0.037; docs/model.md 6.1-6.2): median 0.06 (CI -0.0359 to 0.117), same sign "
        "62% (per seed 0.0336, 0.0938, -0.00843, 0.0865, 0.117, -0.0814, -0.0634, 0.12). Before: e6fdf0e "
        "(labour hoarding at Fay & Medoff's 8%: firms dismiss only workers beyond 8% above their labour "
        "demand; docs/model.md 6.1): median -0.0056 (CI -0.145 to 0.0207), same sign 50% (per seed 0.0144, "
        "-0.319, -0.0175, -0.145, 0.0364, 0.0207, -0.0256, 0.00629). Before: d84a2b2 (firms start at the "
        "stationary efficiency spread, harmonic mean 1, each holding the tick-0 price through its markup; "
        "docs/model.md 6.2): median 0.0103 (CI -0.0411 to 0.114), same sign 62% (per seed 0.00996, 0.166, "
        "0.0106, -0.0411, -0.297, 0.114, 0.0684, -0.00791). Before: 50d577d (the profit tax with losses "
        "carried forward; firms' own efficiency, log std 0.2 relative to the industry; tick-0 equity shares"
        " rising with wealth; docs/model.md 3, 6.2, 10.2): median 0.0419 (CI 0.0341 to 0.0455), same sign "
        "88% (per seed 0.0341, 0.122, -0.00421, 0.0364, 0.0436, 0.0455, 0.0436, 0.0403). e6b8e66 (the "
        "profit tax with losses carried forward, wage tax 0.245; docs/model.md 10.2): median 0.083 (CI "
        "-0.0211 to 0.27), same sign 75% (per seed 0.2, 0.29, -0.09, -0.0211, 0.0137, 0.152, 0.00316, "
        "0.27). 0344ab8 (the tick-0 steady state: vacancies at v*, K-firms for replacement, dividends after"
        " interest and tax; docs/validation.md 'The start-up downswing every run begins with'): median 0.11"
        " (CI -0.0117 to 0.328), same sign 62% (per seed 0.231, 0.338, 0.081, -0.000, -0.105, 0.138, "
        "-0.012, 0.328). a430b26 (moods move spending little: fear_spending 0.02; docs/scenarios.md): "
        "median 0.107 (CI -0.0299 to 0.341), same sign 62% (per seed 0.187, 0.341, -0.008, -0.145, -0.052, "
        "0.129, 0.085, 0.513). a142f6d: median 0.0122 (CI -0.0892 to 0.126), expected +, [0.1, 2]. Before: "
        "median -0.034 (CI [-0.070, 0.060]), expected +, [0.1, 2], same sign 25% (per seed -0.018, -0.050, "
        "+0.209, -0.070, -0.018, -0.069, -0.145, +0.138): the bubble is as large without trend followers. "
        "It held on branch mkt2 (+0.145, 7/8) and fails after the merge with monetary and fiscal; the cause"
        " is not yet measured",
    ('credit_boom_bust', 'defaults_rise'):
        "4831364 (noise traders lean against the last return, noise_reversal 0.15; docs/model.md 5.2): "
        "median 0.00797 (CI -0.00797 to 0.0239), same sign 62% (per seed 0.0319, -0.00797, -0.00398, "
        "0.00797, 0.0199, 0.00797, 0.0239, -0.00797). Before: e554f15 (the labour market's tightness in the"
        " wage rule reads the unemployed as well as the vacancies, wage_unemployment_weight 0.5, with the "
        "hours margin, hand-to-mouth households and matching_efficiency 0.037; docs/model.md 6.1-6.2): "
        "median 0.00199 (CI 0 to 0.0159), same sign 50% (per seed 0, 0.00398, 0.0359, 0.00398, 0.0159, 0, "
        "-0.012, 0).",
    ('deflation_qe', 'qe_raises_inflation'):
        "4831364 (noise traders lean against the last return, noise_reversal 0.15; docs/model.md 5.2): "
        "median -0.000864 (CI -0.00524 to 0.00498), same sign 50% (per seed 1.56e-05, -0.0068, 0.00475, "
        "-0.00174, 0.00625, -0.00231, -0.00524, 0.00498). Before: e554f15 (the labour market's tightness in"
        " the wage rule reads the unemployed as well as the vacancies, wage_unemployment_weight 0.5, with "
        "the hours margin, hand-to-mouth households and matching_efficiency 0.037; docs/model.md 6.1-6.2): "
        "median 0.00447 (CI -0.000327 to 0.0075), same sign 75% (per seed 0.00184, 0.0058, -0.00417, "
        "0.0075, 0.00314, 0.0134, 0.00654, -0.00249). Before: 0735195 (an hours margin: heads follow a "
        "quarter-smoothed labour need, overtime up to 10% at time and a half; a third of households hand to"
        " mouth; matching_efficiency 0.037; docs/model.md 6.1-6.2): median 0 (CI -0.0017 to 0), same sign "
        "12% (per seed 0, -0.00325, -0.00828, 0, 0, 0, 0.0105, -0.000142). Before: e6fdf0e (labour hoarding"
        " at Fay & Medoff's 8%: firms dismiss only workers beyond 8% above their labour demand; "
        "docs/model.md 6.1): median 0 (CI 0 to 0), same sign 0% (per seed 0, 0, 0, 0, 0, 0, 0, 0). Before: "
        "d84a2b2 (firms start at the stationary efficiency spread, harmonic mean 1, each holding the tick-0"
        " price through its markup; docs/model.md 6.2): median 0 (CI 0 to 0), same sign 0% (per seed 0, 0, "
        "0, 0, 0, 0, 0, 0). Before: 50d577d (the profit tax with losses carried forward; firms' own "
        "efficiency, log std 0.2 relative to the industry; tick-0 equity shares rising with wealth; "
        "docs/model.md 3, 6.2, 10.2): median 0 (CI 0 to 0), same sign 0% (per seed 0, 0, 0, 0, 0, 0, 0, 0):"
        " QE never fires. e6b8e66 (the profit tax with losses carried forward, wage tax 0.245; "
        "docs/model.md 10.2): median 0 on every seed: QE never fires. 0344ab8 (the tick-0 steady state: "
        "vacancies at v*, K-firms for replacement, dividends after interest and tax; docs/validation.md "
        "'The start-up downswing every run begins with'): median 0 on every seed: QE never fires. a430b26 "
        "(moods move spending little: fear_spending 0.02; docs/scenarios.md): median 0 on every seed: QE "
        "never fires (the retrenchment's slump is smaller). d66f2ad (int5, with branch labour): median "
        "0.00124 (CI -0.00282 to 0.00431), expected +, [0, 0.02], same sign 50%. Branch qe alone "
        "(portfolio-balance channel, trigger on the rate's one-year path): median -0.000845 (CI -0.00276 to"
        " 0.0015), same sign 38% (per seed -0.0028, 0.0005, -0.0038, 0.0051, -0.0017, -0.0026, 0, 0.0015): "
        "QE now fires on 7 of 8 seeds and lowers the term premium by 11-34 bp; investment rises and "
        "unemployment falls on 6 of the 7, but the inflation effect is smaller than the seed noise of a "
        "300-tick mean. Before: a142f6d: median 0 (CI 0 to 0): QE never fired (the rate never reached its "
        "floor), and nothing read the bonds it would have bought",
    ('inflation_spiral', 'expectations_amplify'):
        "4831364 (noise traders lean against the last return, noise_reversal 0.15; docs/model.md 5.2): "
        "median 0.00299 (CI -0.00123 to 0.00594), same sign 62% (per seed -0.00573, -0.000206, 0.00271, "
        "-0.00203, 0.00327, 0.00859, 0.0063, 0.00457). Before: e554f15 (the labour market's tightness in "
        "the wage rule reads the unemployed as well as the vacancies, wage_unemployment_weight 0.5, with "
        "the hours margin, hand-to-mouth households and matching_efficiency 0.037; docs/model.md 6.1-6.2): "
        "median 0.00419 (CI 0.000852 to 0.00534), same sign 75% (per seed 0.00534, 0.0128, 0.00288, "
        "0.00458, 0.00379, -0.00117, -0.00144, 0.00492). Before: 0735195 (an hours margin: heads follow a "
        "quarter-smoothed labour need, overtime up to 10% at time and a half; a third of households hand to"
        " mouth; matching_efficiency 0.037; docs/model.md 6.1-6.2): median 0.00383 (CI -0.000794 to "
        "0.00911), same sign 75% (per seed 0.0144, 0.00215, 0.00911, 0.007, 0.00551, -0.000794, -0.00449, "
        "0.00103). Before: e6fdf0e (labour hoarding at Fay & Medoff's 8%: firms dismiss only workers beyond"
        " 8% above their labour demand; docs/model.md 6.1): median -0.00312 (CI -0.00785 to -0.00231), same"
        " sign 12% (per seed -0.00953, -0.00233, -0.00231, 0.00128, -0.00277, -0.00628, -0.00348, "
        "-0.00785). Before: d84a2b2 (firms start at the stationary efficiency spread, harmonic mean 1, each"
        " holding the tick-0 price through its markup; docs/model.md 6.2): median -0.000396 (CI -0.0049 to "
        "0.00357), same sign 50% (per seed 0.000113, 0.00589, -0.00142, -0.000905, 0.00357, 0.00204, "
        "-0.0049, -0.00898). Before: 50d577d (the profit tax with losses carried forward; firms' own "
        "efficiency, log std 0.2 relative to the industry; tick-0 equity shares rising with wealth; "
        "docs/model.md 3, 6.2, 10.2): median -0.000825 (CI -0.00248 to 0.00104), same sign 38% (per seed "
        "-0.00158, 0.00149, 0.00185, -6.97e-05, 0.000584, -0.00163, -0.00404, -0.00248). e6b8e66 (the "
        "profit tax with losses carried forward, wage tax 0.245; docs/model.md 10.2): median -0.00041 (CI "
        "-0.00291 to 0.00188), same sign 38%. 0344ab8 (the tick-0 steady state: vacancies at v*, K-firms "
        "for replacement, dividends after interest and tax; docs/validation.md 'The start-up downswing "
        "every run begins with'): median -0.0015 (CI -0.00214 to -0.0007), same sign 12%: fails further "
        "(+0.0026 on 75% of seeds at a430b26, when the spiral began in the start-up's inflation). a430b26 "
        "(moods move spending little: fear_spending 0.02; docs/scenarios.md): median 0.00256 (CI -0.000834 "
        "to 0.00414), same sign 75% (per seed 0.0037, 0.0041, 0.0012, -0.0027, 0.0099, -0.0008, 0.0016, "
        "0.0035): inside the range, one seed short of the 80% sign share. fw2: median -0.00926 (CI -0.0142 "
        "to -0.00592), expected +, [0.002, 0.1], same sign 0%: newly fails (held before); not measured "
        "further",
    ('migration_wave', 'newcomers_absorbed'):
        "4831364 (noise traders lean against the last return, noise_reversal 0.15; docs/model.md 5.2): "
        "median 0.0245 (CI 0.0195 to 0.0295), same sign 100% (per seed 0.033, 0.0184, 0.0128, 0.0206, "
        "0.0265, 0.0325, 0.0262, 0.0228). Before: e554f15 (the labour market's tightness in the wage rule "
        "reads the unemployed as well as the vacancies, wage_unemployment_weight 0.5, with the hours "
        "margin, hand-to-mouth households and matching_efficiency 0.037; docs/model.md 6.1-6.2): median "
        "0.0214 (CI 0.0167 to 0.0288), same sign 100% (per seed 0.0195, 0.0167, 0.0233, 0.0276, 0.0288, "
        "0.0145, 0.017, 0.0352). Before: 0735195 (an hours margin: heads follow a quarter-smoothed labour "
        "need, overtime up to 10% at time and a half; a third of households hand to mouth; "
        "matching_efficiency 0.037; docs/model.md 6.1-6.2): median 0.03 (CI 0.0236 to 0.034), same sign "
        "100% (per seed 0.0237, 0.031, 0.0368, 0.0336, 0.0216, 0.0344, 0.0236, 0.0289). Before: e6fdf0e "
        "(labour hoarding at Fay & Medoff's 8%: firms dismiss only workers beyond 8% above their labour "
        "demand; docs/model.md 6.1): median 0.0305 (CI 0.0264 to 0.0318), same sign 100% (per seed 0.0338, "
        "0.0309, 0.0235, 0.0301, 0.0311, 0.0288, 0.0318, 0.024). Before: d84a2b2 (firms start at the "
        "stationary efficiency spread, harmonic mean 1, each holding the tick-0 price through its markup; "
        "docs/model.md 6.2): median 0.0339 (CI 0.0323 to 0.0371), same sign 100% (per seed 0.0337, 0.0377, "
        "0.0341, 0.0401, 0.0323, 0.0264, 0.0352, 0.0332). Before: 50d577d (the profit tax with losses "
        "carried forward; firms' own efficiency, log std 0.2 relative to the industry; tick-0 equity shares"
        " rising with wealth; docs/model.md 3, 6.2, 10.2): median 0.0302 (CI 0.0285 to 0.0382), same sign "
        "100% (per seed 0.0313, 0.0389, 0.0292, 0.0385, 0.0286, 0.0253, 0.0374, 0.0285). e6b8e66 (the "
        "profit tax with losses carried forward, wage tax 0.245; docs/model.md 10.2): median 0.0345 (CI "
        "0.0325 to 0.047), same sign 100%. 0344ab8 (the tick-0 steady state: vacancies at v*, K-firms for "
        "replacement, dividends after interest and tax; docs/validation.md 'The start-up downswing every "
        "run begins with'): median 0.0376 (CI 0.0345 to 0.0435), same sign 100%: fails further (0.0307 at "
        "a430b26). a430b26 (moods move spending little: fear_spending 0.02; docs/scenarios.md): median "
        "0.0307 (CI 0.0236 to 0.039). branch labour (eda053b): median 0.0188 (CI -0.0129 to 0.0613), same "
        "sign 62%. a142f6d: median 0.0214 (CI -0.012 to 0.0271), expected +, [0, 0.015]. Before: median "
        "0.0191 (CI [0.00447, 0.0286]), expected +, [0, 0.015], same sign 88% (branch fiscal, 9baa57b)",
    ('migration_wave', 'prices_barely_move'):
        "4831364 (noise traders lean against the last return, noise_reversal 0.15; docs/model.md 5.2): "
        "median 0.0158 (CI 0.0126 to 0.02) (per seed 0.0232, 0.0168, 0.0158, 0.0126, 0.0149, 0.0307, "
        "0.0158, 0.000975). Before: e554f15 (the labour market's tightness in the wage rule reads the "
        "unemployed as well as the vacancies, wage_unemployment_weight 0.5, with the hours margin, "
        "hand-to-mouth households and matching_efficiency 0.037; docs/model.md 6.1-6.2): median 0.0191 (CI "
        "0.00758 to 0.028) (per seed 0.0307, 0.0168, 0.00294, 0.0252, 0.00758, 0.0392, 0.0215, 0.0136). "
        "Before: 0735195 (an hours margin: heads follow a quarter-smoothed labour need, overtime up to 10% "
        "at time and a half; a third of households hand to mouth; matching_efficiency 0.037; docs/model.md "
        "6.1-6.2): median 0.0517 (CI 0.0425 to 0.0573) (per seed 0.0577, 0.0525, 0.0356, 0.0481, 0.0425, "
        "0.0622, 0.057, 0.051): the bout of inflation is larger (+5.2 points against +2.5 at e6fdf0e): "
        "hand-to-mouth newcomers spend their benefits and wages at once, and output follows with hours and "
        "hires. Before: e6fdf0e (labour hoarding at Fay & Medoff's 8%: firms dismiss only workers beyond 8%"
        " above their labour demand; docs/model.md 6.1): median 0.0248 (CI 0.0231 to 0.0381) (per seed "
        "0.0229, 0.0234, 0.03, 0.026, 0.0381, 0.0201, 0.0236, 0.0382). Before: d84a2b2 (firms start at the "
        "stationary efficiency spread, harmonic mean 1, each holding the tick-0 price through its markup; "
        "docs/model.md 6.2): median 0.0257 (CI 0.0204 to 0.03) (per seed 0.0316, 0.0226, 0.0265, 0.0248, "
        "0.0204, 0.031, 0.0175, 0.0289). Before: 50d577d (the profit tax with losses carried forward; "
        "firms' own efficiency, log std 0.2 relative to the industry; tick-0 equity shares rising with "
        "wealth; docs/model.md 3, 6.2, 10.2): median 0.0236 (CI 0.013 to 0.0286) (per seed 0.033, 0.013, "
        "0.0197, 0.0264, 0.0108, 0.0308, 0.0222, 0.0251). e6b8e66 (the profit tax with losses carried "
        "forward, wage tax 0.245; docs/model.md 10.2): median 0.023 (CI 0.0155 to 0.0281), expected [-0.01,"
        " 0.01] (per seed 0.0232, 0.0205, 0.0264, 0.0297, 0.0228, 0.0155, 0.0284, 0.0142). 0344ab8 (the "
        "tick-0 steady state: vacancies at v*, K-firms for replacement, dividends after interest and tax; "
        "docs/validation.md 'The start-up downswing every run begins with'): median 0.0199 (CI 0.015 to "
        "0.0226), expected [-0.01, 0.01] (per seed 0.0167, 0.0145, 0.0251, 0.0226, 0.015, 0.0182, 0.0216, "
        "0.0224): newly fails (0.0062 at a430b26, when the arrival at tick 100 met the start-up's slump); "
        "likely, not measured: the newcomers' deposits and benefits add demand before their work adds "
        "output",
}


@functools.cache
def _runs_dir() -> Path:
    """A temporary directory, or $ARENA_TEST_RUNS_DIR to reuse runs (run ids hash the engine code)."""
    if os.environ.get("ARENA_TEST_RUNS_DIR"):
        return Path(os.environ["ARENA_TEST_RUNS_DIR"])
    path = Path(tempfile.mkdtemp(prefix="arena-effects-"))
    import atexit

    atexit.register(shutil.rmtree, path, ignore_errors=True)
    return path


@functools.cache
def measured(name: str):
    return arena.experiment(name, seeds=TEST_SEEDS, n_agents=TEST_AGENTS, backend="serial",
                            out_dir=_runs_dir() / name)


def _cases():
    for scenario in list_scenarios():
        for effect in scenario.effects:
            marks = [pytest.mark.xdist_group(f"effects-{scenario.name}")]
            reason = DISAGREES.get((scenario.name, effect.label))
            if reason:
                marks.append(pytest.mark.xfail(strict=True, reason=reason))
            yield pytest.param(scenario.name, effect.label, id=f"{scenario.name}.{effect.label}", marks=marks)


@pytest.mark.parametrize("name, label", list(_cases()))
def test_effect_holds(name, label):
    result = measured(name)
    row = result.table.set_index("effect").loc[label]
    values = result.per_seed.query("effect == @label")["effect_value"].round(4).tolist()
    with pd.option_context("display.width", 200):
        detail = (f"{name}.{label}: median {row['median']:.4g} "
                  f"(CI {row['ci_low']:.4g} to {row['ci_high']:.4g}), "
                  f"share with sign {row['sign']}: {row['share_sign']:.2f}, expected "
                  f"[{row['min']}, {row['max']}]; per seed {values}")
    assert row["n"] == len(TEST_SEEDS), detail
    assert row["holds"], detail


def test_disagreements_name_existing_effects_and_are_documented():
    effects = {(s.name, e.label) for s in list_scenarios() for e in s.effects}
    assert set(DISAGREES) <= effects, set(DISAGREES) - effects
    doc = (ROOT / "docs" / "scenarios.md").read_text()
    for name, label in DISAGREES:
        assert f"`{name}.{label}`" in doc, f"{name}.{label}: marked xfail, not listed in docs/scenarios.md"


def test_docs_table_is_in_step_with_the_scenario_files():
    script = ROOT / "scripts" / "gen_scenario_effects.py"
    spec = importlib.util.spec_from_file_location("gen_scenario_effects", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    problems = module.check((ROOT / "docs" / "scenarios.md").read_text())
    assert not problems, "run scripts/gen_scenario_effects.py:\n" + "\n".join(problems)


def test_magnitudes_doc_lists_every_response_with_its_source():
    script = ROOT / "scripts" / "gen_magnitudes.py"
    spec = importlib.util.spec_from_file_location("gen_magnitudes", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    doc = (ROOT / "docs" / "magnitudes.md").read_text()
    assert "Measured at commit `" in doc, "run scripts/gen_magnitudes.py"
    for label, response, metric, source in module.RESPONSES:
        row = f"| {label}: {response} | `{metric['metric']}`"
        assert row in doc, f"{label}: rerun scripts/gen_magnitudes.py"
        assert f"- **{label}**: {source}." in doc, f"{label}: source stale; rerun scripts/gen_magnitudes.py"
    assert "fiscal multiplier is measured separately" in doc
