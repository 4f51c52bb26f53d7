"""The wage curve's zero sits at a natural rate of unemployment economists estimate.

Expected before running (docs/model.md, "Wage"): wages grow with expected inflation plus
productivity growth when unemployment is at its natural rate. Estimates of the US natural rate
(NAIRU) lie between about 4 and 7 % (Staiger, Stock & Watson 1997: 95 % intervals over
specifications; the CBO's estimates for 1950-2019: 4.4-6.2 %); the test allows [3.5 %, 8 %].

Measured on each seed's quarters: nominal wage growth (annualised) minus expected inflation
minus productivity growth, regressed on the unemployment rate; the zero of the fitted line is
the model's wage-curve NAIRU. Before the tightness term (firms' own clipped vacancy pressure
only) it was 0.1-1.5 % (seeds 1-5, 20,000 households) and the test failed.
"""

import numpy as np

from arena import ArenaModel

SEEDS = (1, 2, 3, 4)
N_AGENTS, TICKS, BURN_IN, QUARTER = 3_000, 1_500, 250, 63


def wage_curve_zero(df, productivity_growth, ticks_per_year):
    """Unemployment rate at which fitted wage growth equals expected inflation + productivity."""
    df = df.iloc[BURN_IN:]
    log_wage = np.log(df.wage.to_numpy())
    u, expected = df.unemployment.to_numpy(), df.expected_inflation.to_numpy()
    quarters = len(log_wage) // QUARTER
    growth, uq = [], []
    for q in range(quarters):
        part = slice(q * QUARTER, (q + 1) * QUARTER)
        change = log_wage[part][-1] - log_wage[part][0]
        growth.append(change * ticks_per_year / (QUARTER - 1) - expected[part].mean() - productivity_growth)
        uq.append(u[part].mean())
    slope, intercept = np.polyfit(uq, growth, 1)
    assert slope < 0, slope  # a wage Phillips curve: wages rise faster when unemployment is low
    return -intercept / slope


# a strict xfail at 0735195 (the hours margin: median zero 3.45%, seeds 1-4 2.03, 5.02, 0.55, 4.87%; the
# wage rule read vacancies only, and with fewer dismissals fewer vacancies went with each unemployment
# rate); holds at b9292a8, where the tightness reads unemployment too (docs/validation.md)
def test_wage_curve_zero_is_a_natural_rate_of_unemployment():
    zeros = []
    for seed in SEEDS:
        model = ArenaModel(n_agents=N_AGENTS, seed=seed)
        for _ in range(TICKS):
            model.step()
        cfg = model.config
        zeros.append(wage_curve_zero(model.indicators(), cfg.productivity_growth, cfg.ticks_per_year))
    assert 0.035 <= np.median(zeros) <= 0.08, zeros
    assert sum(0.03 <= z <= 0.09 for z in zeros) >= 3, zeros
