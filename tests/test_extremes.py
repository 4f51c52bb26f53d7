"""Configurations with every parameter at a bound of its declared range run 1,000 ticks cleanly.

Hypothesis puts each engine parameter at its low bound, its high bound or its default; the run
must keep every indicator finite on every tick, end in a valid state and close its accounts
(every stock's change since tick 0 explained by recorded flows). Kept small for the suite: a few
corners per run, 300 households; ``HYPOTHESIS_PROFILE=thorough`` multiplies the corners by 20.

Two bounds are left out, for cost only: ``price_tick`` stays >= 1e-3 (at 1e-5 with
``max_price_change`` 0.99 a book has 530,000 levels, ~100 ms a tick) and ``n_agents`` /
``max_agents`` are fixed (their upper bounds are sizes, covered by benchmarks).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import assert_state_valid, examples
from hypothesis import HealthCheck, example, given, reject, settings
from hypothesis import strategies as st

from arena import ArenaModel, accounting
from arena.config import PARAMETERS, ArenaConfig
from arena.errors import ConfigError

TICKS = 1_000
#: Parameters not put at their bounds here (see the module docstring) or set jointly below.
FIXED = {"n_agents", "max_agents", "seed", "price_tick", "share_fundamentalist", "share_chartist",
         "share_noise"}


def _corner(spec):
    if spec.kind is bool:
        return st.booleans()
    if spec.kind is str:
        return st.sampled_from(spec.options)
    return st.sampled_from([v for v in (spec.low, spec.high, spec.default) if v is not None])


@st.composite
def corner_configs(draw):
    values = {name: draw(_corner(spec)) for name, spec in PARAMETERS.items() if name not in FIXED}
    values.update(zip(("share_fundamentalist", "share_chartist", "share_noise"),
                      draw(st.sampled_from([(1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0)])),
                      strict=True))
    values.update(n_agents=300, seed=draw(st.integers(0, 2**16)),
                  price_tick=draw(st.sampled_from([1e-3, PARAMETERS["price_tick"].high])))
    try:
        return ArenaConfig.from_dict(values)
    except ConfigError:  # a cross-parameter rule refuses this corner
        reject()


@pytest.mark.slow
@settings(max_examples=examples(3), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(corner_configs())
# found by this test: a money rule tripling money every tick overflowed float64 by tick ~650
@example(ArenaConfig.from_dict({"n_agents": 300, "seed": 1, "ticks_per_year": 1, "money_growth": 2.0,
                                "monetary_regime": "money_growth"}))
# found by this test: expected nominal growth of ~110 % a tick (a 100 %/year inflation target at one
# tick a year) carried permanent income's smoothed level forward faster than it forgets: inf by tick ~950
@example(ArenaConfig.from_dict({"n_agents": 300, "seed": 1, "ticks_per_year": 1, "base_inflation_rate": 1.0,
                                "expectation_anchoring": 1.0, "productivity_growth": 0.1}))
# found by this test: households' joint commodity budget cap bound and the commodity books cleared
# more water and land than households took at the clearing prices; producers were paid the books'
# volume, buyers their demand, and the gap appeared as money (a 22-parameter reduction of the corner)
@example(ArenaConfig.from_dict({
    "n_agents": 300, "seed": 154, "input_substitution": 0.9, "input_stock_ticks": 0.0, "capital_output": 10.0,
    "depreciation": 0.0, "target_utilisation": 0.3, "separation_rate": 0.1, "search_size": 20,
    "natural_unemployment": 0.5, "phillips_slope": 10.0, "consumption_propensity": 0.1,
    "inflation_sensitivity": 0.0, "deposit_rate_sensitivity": 0.0, "dividend_payout": 1.0,
    "buffer_ticks": 500.0, "liquidity_premium": 0.1, "advance_spread": 0.0, "bank_payout": 0.0,
    "credit_horizon": 250.0, "initial_leverage": 0.9, "user_cost_elasticity": 0.0,
    "bank_switching_intensity": 100.0, "discovery_mean_size": 0.0}))
def test_parameters_at_their_bounds_run_1000_ticks_finite_with_closed_accounts(cfg):
    with np.errstate(over="ignore"):  # the float32 logistic saturates to 0 or 1 on purpose
        model = ArenaModel(cfg)
        for _ in range(TICKS):
            model.step()
    frame = model.indicators()
    assert len(frame) == TICKS
    bad = [c for c in frame.columns if not np.isfinite(frame[c].to_numpy(dtype=float)).all()]
    assert not bad, f"non-finite indicator columns: {bad}"
    assert_state_valid(model)
    # rounding scales with the magnitudes summed: a stock that passed through 1e32 (the money
    # rule's bound lets money and loans grow that far) and came back to 0 keeps rounding of 1e32
    scale = accounting.audit_scale(model.initial_stocks, model.stocks(), model.flows_total)
    for stock, unexplained in model.audit().items():
        assert math.isfinite(unexplained) and abs(unexplained) <= 1e-6 * scale[stock], (stock, unexplained)
