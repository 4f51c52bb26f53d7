"""A slower accelerator damps the business cycle (the flexible accelerator, ``capital_adjustment``).

Expected before running: in the multiplier-accelerator model (Samuelson 1939; Hicks 1950) the
size of the accelerator decides whether demand shocks die out or feed a self-sustaining cycle;
investment that closes only part of the gap to desired capital each year (the flexible
accelerator: Koyck 1954; Jorgenson 1971 surveys lags of several quarters) lowers the
coefficient. So the volatility of unemployment
must fall when firms close 20 % of the gap a year instead of the whole gap at each review
([A], ``capital_adjustment`` 0), against the same seeds (common random numbers).
Measured at 3,000 households, seeds 1-4 (branch acc, when [A]'s rule was the default): std of
quarterly unemployment 0.044-0.057 with [A]'s rule, 0.019-0.026 with lambda = 0.2 a year
(docs/validation.md, "What drives the four-year cycle"; the default is now 0.3 a year,
"Recalibration").
"""

import numpy as np
import pytest

import arena

SEEDS = tuple(range(1, 9))
N_AGENTS, TICKS, BURN_IN, QUARTER = 3_000, 1_500, 250, 62


def quarterly_unemployment_std(capital_adjustment: float, seed: int) -> float:
    model = arena.load_scenario("baseline").simulate(
        TICKS, overrides={"n_agents": N_AGENTS, "seed": seed, "capital_adjustment": capital_adjustment})
    u = model.indicators().unemployment.to_numpy()[BURN_IN:]
    quarters = len(u) // QUARTER
    return float(u[: quarters * QUARTER].reshape(quarters, QUARTER).mean(axis=1).std())


@pytest.mark.slow
def test_a_flexible_accelerator_damps_the_unemployment_cycle():
    """Lower on at least 7 of 8 seeds, and by a quarter or more on the median seed. (Seeds 1-4 with every
    seed lower until 4831364, where seed 3's run with [A]'s rule has no cycle to damp: 0.0125 against
    0.026-0.036 on the other seeds, 0.0127 with the flexible accelerator; the median ratio is 0.51.)"""
    control = np.array([quarterly_unemployment_std(0.0, s) for s in SEEDS])
    slow = np.array([quarterly_unemployment_std(0.2, s) for s in SEEDS])
    assert (slow < control).sum() >= 7, (control, slow)
    assert np.median(slow / control) < 0.75, (control, slow)


def test_capital_adjustment_is_validated():
    with pytest.raises(arena.ConfigError, match="capital_adjustment"):
        arena.ArenaConfig(capital_adjustment=-0.1)
