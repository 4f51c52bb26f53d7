"""The hours margin and hand-to-mouth households (docs/model.md 6.1 and 6.2).

Expected before running, from the literature (not from the model's output):

* With an hours margin, a firm's workforce follows a smoothed labour need and hours take up the
  rest, so employment moves less than output from quarter to quarter (labour hoarding with
  adjustment costs: Sbordone 1996; Okun 1962 found output moving about three times as much as
  unemployment). Measured as the standard deviation of the quarterly change of log employment over
  that of log real GDP, against the same seeds with the margin off (``employment_smoothing`` 0,
  ``max_hours`` 1).
* Hand-to-mouth households spend out of current income (Campbell & Mankiw 1989), so a temporary
  wage tax lowers consumption more, and sooner, than in an economy of income smoothers, against
  the same seeds with ``hand_to_mouth_share`` 0. Their draw has a random stream of its own, so the
  two economies share every other random number until the tax.
"""

from __future__ import annotations

import numpy as np
import pytest

from arena import ArenaModel

pytestmark = pytest.mark.xdist_group("hours")

OFF = {"employment_smoothing": 0.0, "max_hours": 1.0}
QUARTER = 62


def _quarterly_ratio(seed: int, **overrides) -> tuple[float, float]:
    """(std of quarterly dlog employment / std of quarterly dlog real GDP, max hours seen)."""
    model = ArenaModel(n_agents=4_000, seed=seed, discovery_probability=0.0, catastrophe_probability=0.0,
                       **overrides)
    top = 0.0
    for _ in range(1_500):
        model.step()
        top = max(top, float(model.cfirms.hours.max()), float(model.kfirms.hours.max()))
    frame = model.indicators().iloc[250:]
    n = len(frame) // QUARTER * QUARTER
    employment = (1.0 - frame["unemployment"].to_numpy()[:n]).reshape(-1, QUARTER).mean(axis=1)
    output = frame["real_gdp"].to_numpy()[:n].reshape(-1, QUARTER).mean(axis=1)
    return float(np.std(np.diff(np.log(employment))) / np.std(np.diff(np.log(output)))), top


def test_hours_take_up_output_swings_so_employment_moves_less():
    on, off = [], []
    for seed in (1, 2, 3, 4):
        ratio_on, top = _quarterly_ratio(seed)
        ratio_off, top_off = _quarterly_ratio(seed, **OFF)
        on.append(ratio_on)
        off.append(ratio_off)
        assert top <= 1.1 + 1e-12  # the overtime ceiling binds hours
        assert top_off <= 1.0 + 1e-12  # and with no overtime, none is worked
    lower = sum(a < b for a, b in zip(on, off, strict=True))
    assert lower >= 3, (on, off)
    assert np.median(on) < 0.85 * np.median(off), (on, off)


def _tax_effect(seed: int, share: float) -> float:
    """Consumption over the 60 ticks after a 10-point wage tax, relative to no tax (same seed)."""
    means = []
    for tax in (False, True):
        model = ArenaModel(n_agents=4_000, seed=seed, discovery_probability=0.0, catastrophe_probability=0.0,
                           hand_to_mouth_share=share)
        for tick in range(220):
            if tax and tick == 150:
                model.apply_shock("tax", 0.1, tax="wage", duration=60)
            model.step()
        means.append(float(model.indicators()["consumption"].iloc[151:211].mean()))
    return means[1] / means[0] - 1.0


def test_hand_to_mouth_households_cut_spending_more_when_a_tax_takes_income():
    with_them = [_tax_effect(seed, 0.3) for seed in (1, 2, 3)]
    without = [_tax_effect(seed, 0.0) for seed in (1, 2, 3)]
    assert all(a < 0 for a in with_them), with_them
    assert all(a < b for a, b in zip(with_them, without, strict=True)), (with_them, without)


def test_the_hand_to_mouth_draw_leaves_the_other_draws_alone():
    a = ArenaModel(n_agents=2_000, seed=7, hand_to_mouth_share=0.3)
    b = ArenaModel(n_agents=2_000, seed=7, hand_to_mouth_share=0.0)
    assert 0.25 < a.pop.hand_to_mouth.mean() < 0.35
    assert not b.pop.hand_to_mouth.any()
    for name in ("cash", "shares", "employer", "strategy", "risk_aversion"):
        assert np.array_equal(getattr(a.pop, name), getattr(b.pop, name)), name
