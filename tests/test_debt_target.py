"""Firms' target debt ratio and potential output at the current split of jobs (branch cal).

Expected before running, from the economics (docs/validation.md, "Recalibration"):

- Firms that keep their bank debt at a target share of their capital (Caiani et al. 2016; Godley &
  Lavoie 2007, ch. 11) borrow as their capital grows, so their loans grow against the same seeds
  where firms only borrow a financing gap, which a firm holding a cash buffer rarely has: there the
  loans amortise away. With the target, C-firms' aggregate debt stays near the target share of their
  capital and inventories (banks may ration and firms default, so it is a floor that can fail).
- Okun's law: at the natural unemployment rate output is at potential. A potential fixed at the
  tick-0 split of jobs between C- and K-firms reads a lasting positive gap once fewer workers make
  machines; measured at the current split, the gap fitted at the natural rate is close to 0.
  Measured after writing the test (3,000 households, seeds 1-3, the fitted gap at u*): -1.2%, -0.9%,
  -1.3% (hoarded workers make nothing); with the tick-0 split +2.7%, +5.2%, +3.0%.
"""

from __future__ import annotations

import numpy as np
import pytest

import arena
from arena import credit_phase

SEEDS = (1, 2, 3)
N_AGENTS, TICKS, BURN_IN = 3_000, 1_250, 250


def _run(seed: int, **overrides):
    return arena.load_scenario("baseline").simulate(
        TICKS, overrides={"n_agents": N_AGENTS, "seed": seed, **overrides})


@pytest.mark.slow
def test_a_target_debt_ratio_makes_loans_grow_against_borrowing_only_the_gap():
    for seed in SEEDS:
        with_target, without = _run(seed), _run(seed, target_debt_ratio=0.0)
        a = with_target.indicators().loans.to_numpy()
        b = without.indicators().loans.to_numpy()
        growth_target = np.log(a[-1] / a[BURN_IN])
        growth_gap = np.log(b[-1] / b[BURN_IN])
        assert growth_target > 0 > growth_gap, (seed, growth_target, growth_gap)
        # the target is a floor of the C-firms' aggregate debt ratio, up to rationing and defaults
        cf = with_target.cfirms
        debt = with_target.banking.book.debt()[: cf.n]
        assets = credit_phase.other_assets(with_target)[: cf.n]
        ratio = debt[cf.alive].sum() / assets[cf.alive].sum()
        assert ratio >= 0.9 * with_target.config.target_debt_ratio, (seed, ratio)


@pytest.mark.slow
def test_the_output_gap_is_close_to_zero_at_the_natural_rate():
    for seed in SEEDS:
        df = _run(seed).indicators().iloc[BURN_IN:]
        slope, intercept = np.polyfit(df.unemployment - arena.ArenaConfig().natural_unemployment,
                                      df.output_gap, 1)
        assert slope < 0, (seed, slope)
        assert abs(intercept) < 0.025, (seed, intercept)


def test_target_debt_ratio_is_validated():
    with pytest.raises(arena.ConfigError, match="target_debt_ratio"):
        arena.ArenaConfig(target_debt_ratio=0.95)
