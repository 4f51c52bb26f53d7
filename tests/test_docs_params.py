"""No parameter is declared without being used, and docs/model.md says which ones are unused.

For every economic parameter of ``ArenaConfig`` a run with another valid value (in a context
where the parameter can bite, e.g. a threshold low enough to be crossed) must differ from the
run with the default on the same seed, in its indicators or its events. A parameter that the
documentation calls unused ("not used", "unused", "has no effect", ...) must instead leave the
run unchanged, so the text and the code cannot disagree in either direction. Runtime
parameters of the API, the dashboard and the event log must be read by the code that serves
them.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import pytest

from arena import ArenaConfig, ArenaModel
from arena.config import PARAMETERS

ROOT = Path(__file__).resolve().parents[1]
MODEL_MD = ROOT / "docs" / "model.md"
N_AGENTS, TICKS, SEED = 1000, 30, 5

#: Parameters of the interfaces (pace, cache, rate limit, registrations, event log length):
#: the tick does not read them; the code that serves them must.
RUNTIME = ("tick_rate", "cache_expiry", "rate_limit", "max_agents", "history_limit")
#: Firms that pay out all their deposits each tick (the "cash" dividend rule, which pays whatever
#: the profit and the debt): they borrow and default within days.
DRAIN = {"dividend_rule": "cash", "dividend_payout": 1.0, "buffer_ticks": 1}
#: Parameters that only bite in some states: the context that makes them bite, and the value
#: compared with the default there (a dict when other parameters must move with it).
CONTEXTS = {
    "tightening_threshold": ({}, 0.0),
    "tightening_step": ({"tightening_threshold": 0.0}, 0.1),
    "deflation_threshold": ({"neutral_real_rate": -0.1, "rate_smoothing": 0.0}, 0.5),
    "qe_rate": ({"neutral_real_rate": -0.1, "rate_smoothing": 0.0, "deflation_threshold": 0.5}, 0.01),
    # what QE buys matters only while QE runs
    "qe_asset": ({"neutral_real_rate": -0.1, "rate_smoothing": 0.0, "deflation_threshold": 0.5,
                  "qe_rate": 0.01}, "equity"),
    # the term premium falls only with bonds QE has bought
    "qe_term_premium_sensitivity": ({"neutral_real_rate": -0.1, "rate_smoothing": 0.0,
                                     "deflation_threshold": 0.5, "qe_rate": 0.01}, 0.5),
    "zero_lower_bound": ({"neutral_real_rate": -0.1, "rate_smoothing": 0.0}, False),
    "min_policy_rate": ({"neutral_real_rate": -0.1, "rate_smoothing": 0.0, "zero_lower_bound": False}, -0.01),
    "max_policy_rate": ({}, 0.01),
    "herding_threshold": ({}, 0.0),
    "panic_threshold": ({}, 0.0),
    "euphoria_threshold": ({}, 0.0),
    # rare earths start at 0.25 and cross 0.26 within the run (oil starts above it: no event)
    "critical_scarcity": ({}, 0.26),
    "catastrophe_probability": ({}, 0.5),
    # at the defaults and seed 5, 30 ticks show no difference since the market got its own random
    # stream (branch mkt; the economy's draws moved); a higher neutral real rate made it show until the
    # hours margin (0735195), where dearer capital only stops expansion (orders are floored at
    # replacement); cheaper capital raises desired capital, and the elasticity sets by how much
    "user_cost_elasticity": ({"neutral_real_rate": -0.05, "rate_smoothing": 0.0}, 2.0),
    "catastrophe_duration": ({"catastrophe_probability": 0.5}, 1),
    "discovery_probability": ({}, 0.5),
    "discovery_mean_size": ({"discovery_probability": 0.5}, 1.0),
    "volatility_threshold": ({}, 1e-4),
    # above 1 / (review_ticks / ticks_per_year) = 12.5 a year the whole gap closes at a review: the default
    "capital_adjustment": ({}, 0.2),
    "max_markup": ({"initial_markup": 0.6}, 0.5),  # the bound binds at reviews of firms priced above it
    "monetary_regime": ({}, "money_growth"),
    # the Taylor regime creates no money by rule (bank loans do): the rule's growth bites in its regime
    "money_growth": ({"monetary_regime": "money_growth"}, 0.07),
    # firms that pay out all deposits default within days: entries, and loan losses that take banks
    # below their capital target (banks start at 1.5 times it), so the weakness spread is charged
    # firms start with buffer_ticks = 20 ticks of wages in deposits and, paying dividends out of
    # earnings, stay near it: a horizon above the buffer makes them borrow at once
    "credit_horizon": ({}, 40.0),
    # the rule before: dividends whatever the firm's profit and debt
    "dividend_rule": ({}, "cash"),
    "long_rate_expectation": ({}, "rule"),
    # every firm has debt at tick 0: a target of 0 stops all dividends
    "target_leverage": ({}, 0.0),
    "entry_delay": (DRAIN, 1),
    "weakness_spread": ({**DRAIN, "recovery_rate": 0.0}, 0.04),
    # at the defaults the first new loan comes at tick 39 and the first default at tick 124 (seed 5,
    # 1,000 households): loan pricing and write-offs bite in 30 ticks where firms borrow and default
    "pd_intercept": (DRAIN, -2.0),
    "pd_slope": (DRAIN, 16.0),
    "recovery_rate": (DRAIN, 0.0),
    # the ceiling binds only for leveraged borrowers that ask for new loans: firms that pay out all
    # their deposits ask at once, and a strict ceiling refuses them
    "max_default_probability": (DRAIN, 0.001),
    # the finance constraint bites only on rationed firms: a strict ceiling rations at once
    "finance_constraint": ({**DRAIN, "max_default_probability": 0.001},
                           True),
    # the coverage floor binds only on firms that ask for new loans (as above): a high floor caps them
    "min_service_coverage": (DRAIN, 5.0),
    "share_fundamentalist": ({}, {"share_fundamentalist": 0.45, "share_chartist": 0.25}),
    "share_chartist": ({}, {"share_chartist": 0.45, "share_fundamentalist": 0.25}),
    "share_noise": ({}, {"share_noise": 0.4, "share_fundamentalist": 0.25}),
    # at the default the chartist probability usually sits at its cap (0.6): a weak intensity shows it
    "switching_intensity": ({}, 0.01),
}
#: Words by which the documentation would say that a parameter does nothing.
UNUSED = re.compile(r"not used|unused|no effect|does not use|ignored|not read", re.I)


def alternative(name: str):
    """A valid value different from the default (twice, half, or within the range)."""
    spec = PARAMETERS[name]
    default = spec.default
    candidates = [default * 2, default * 0.5, (spec.low + spec.high) / 2, spec.high, spec.low]
    if name in ("n_firms", "n_kfirms"):  # at most one firm per household (ArenaConfig's rule)
        candidates.insert(0, N_AGENTS // 20)
    for value in candidates:
        value = spec.kind(value)
        if value != default and spec.low <= value <= spec.high:
            return value
    raise AssertionError(f"no alternative value for {name}")


@lru_cache(maxsize=16)
def run_cached(items: tuple):
    return run(dict(items))


def run(overrides: dict):
    model = ArenaModel(ArenaConfig.from_dict({"n_agents": N_AGENTS, "seed": SEED, **overrides}))
    for _ in range(TICKS):
        model.step()
    events = model.events()
    return model.indicators(), list(zip(events["tick"], events["type"], strict=True)) if len(events) else []


def economic_parameters() -> list[str]:
    return [n for n in PARAMETERS if n not in RUNTIME + ("n_agents", "seed")]


def said_unused(text: str) -> set[str]:
    """Parameters that a sentence of docs/model.md calls unused."""
    sentences = re.split(r"(?<=[.;:])\s+", re.sub(r"\s+", " ", text))
    return {name for s in sentences if UNUSED.search(s)
            for name in re.findall(r"`(\w+)`", s) if name in PARAMETERS}


@pytest.mark.parametrize("name", economic_parameters())
def test_parameter_changes_the_run_unless_documented_unused(name):
    context, value = CONTEXTS.get(name, ({}, None))
    value = alternative(name) if value is None else value
    changes = value if isinstance(value, dict) else {name: value}
    base_indicators, base_events = run_cached(tuple(sorted(context.items())))
    indicators, events = run({**context, **changes})
    changed = not indicators.equals(base_indicators) or events != base_events
    if name in said_unused(MODEL_MD.read_text()):
        assert not changed, f"docs/model.md says {name!r} is unused, but {name}={value!r} changes the run"
    else:
        assert changed, f"{name}={value!r} changes nothing in {TICKS} ticks: unused, or needs a CONTEXT"


def test_unused_claims_are_found():
    claim = "`trend_memory` is declared but not used: moods follow the last return."
    assert said_unused(claim) == {"trend_memory"}


@pytest.mark.parametrize("name", RUNTIME)
def test_runtime_parameter_is_read_by_the_code_that_serves_it(name):
    readers = [p for p in (ROOT / "arena").rglob("*.py")
               if p.name != "config.py" and re.search(rf"\.{name}\b", p.read_text())]
    assert readers, f"no module reads config.{name}"
