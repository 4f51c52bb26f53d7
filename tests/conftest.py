"""Shared fixtures and helpers of the engine test suite.

Models here are small (2,000 households) so that the whole engine suite runs in well under
a minute on two cores; the engine has no size-dependent code path below ``GINI_SAMPLE``
households except the Gini panel, which the benchmark exercises at scale.
"""

from __future__ import annotations

import dataclasses
import math
import os
import random
from collections import deque

import numpy as np
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from arena import ArenaConfig, ArenaModel
from arena.config import PARAMETERS

#: Households in the small models of the test suite.
SMALL_N = 2_000

# Hypothesis: no per-example deadline (a model tick is a few ms, and the first example
# pays for imports) and no flakiness from slow machines. Tests that build models set
# their own small max_examples.
# ARENA_HYPOTHESIS_PROFILE=thorough runs 20x the examples (for hunting bugs, not for CI).
settings.register_profile(
    "arena", deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True,
)
settings.register_profile("thorough", settings.get_profile("arena"), max_examples=2000)
settings.load_profile(os.environ.get("ARENA_HYPOTHESIS_PROFILE", "arena"))
_THOROUGH = os.environ.get("ARENA_HYPOTHESIS_PROFILE") == "thorough"


def examples(n: int) -> int:
    """``max_examples`` for a costly property test: ``n`` normally, 20x under the thorough profile."""
    return n * 20 if _THOROUGH else n


@pytest.fixture
def small_config() -> ArenaConfig:
    """A validated config of 2,000 households with a fixed seed."""
    return ArenaConfig.from_dict({"n_agents": SMALL_N, "seed": 7})


@pytest.fixture
def small_model(small_config) -> ArenaModel:
    """A fresh seeded model of 2,000 households (no tick run yet)."""
    return ArenaModel(small_config)


@pytest.fixture
def warm_model(small_config) -> ArenaModel:
    """A seeded model of 2,000 households after 20 ticks (books, returns and moods populated)."""
    model = ArenaModel(small_config)
    for _ in range(20):
        model.step()
    return model


# --------------------------------------------------------------------------- strategies -
def _valid_value(name, spec):
    if spec.kind is bool:
        return st.booleans()
    if spec.kind is str:
        return st.sampled_from(spec.options)
    if spec.kind is int:
        hi = spec.high if spec.high is not None else 10**9
        return st.integers(int(spec.low), int(min(hi, 2**62)))
    return st.floats(spec.low, spec.high, allow_nan=False, allow_infinity=False)


# the strategy shares are constrained jointly; vary the others freely
FREE = {n: s for n, s in PARAMETERS.items() if not n.startswith("share_")}


@st.composite
def valid_configs(draw):
    """Any valid ArenaConfig: each parameter drawn from its declared range (or left at its default)."""
    values = {n: draw(_valid_value(n, s)) for n, s in FREE.items() if draw(st.booleans())}
    f = draw(st.floats(0.0, 1.0))
    c = draw(st.floats(0.0, 1.0 - f))
    values.update(share_fundamentalist=f, share_chartist=c, share_noise=1.0 - f - c)
    n_agents = values.get("n_agents", PARAMETERS["n_agents"].default)
    for name in ("n_firms", "n_kfirms"):  # at most one firm per household (ArenaConfig's rule)
        if name in values:
            values[name] = min(values[name], n_agents)
    return ArenaConfig.from_dict(values)


# --------------------------------------------------------------------------- helpers ----
def snapshot(obj, _seen: set | None = None, _depth: int = 0):
    """Return a comparable, fully materialised image of an object graph.

    numpy arrays become ``(dtype, shape, bytes)``, generators their bit-generator state,
    containers and objects with ``__dict__`` are walked recursively (cycles are cut), and
    callables are reduced to their qualified names. Two snapshots compare equal iff every
    reachable value is bit-identical, which is what "the model is unchanged" means.
    """
    _seen = set() if _seen is None else _seen
    if obj is None or isinstance(obj, (bool, int, str, bytes)):
        return obj
    if isinstance(obj, float):
        return ("float", obj.hex()) if math.isfinite(obj) else ("float", repr(obj))
    if isinstance(obj, np.generic):
        return ("np", obj.dtype.str, obj.tobytes())
    if isinstance(obj, np.ndarray):
        return ("ndarray", obj.dtype.str, obj.shape, np.ascontiguousarray(obj).tobytes())
    if isinstance(obj, np.random.Generator):
        return ("Generator", repr(obj.bit_generator.state))
    if isinstance(obj, random.Random):
        return ("Random", obj.getstate())
    if isinstance(obj, type):
        return ("type", obj.__qualname__)
    if callable(obj) and not hasattr(obj, "__dict__") or type(obj).__name__ in ("function", "method"):
        return ("callable", getattr(obj, "__qualname__", repr(type(obj))))
    if id(obj) in _seen or _depth > 50:
        return ("seen", type(obj).__name__)
    _seen.add(id(obj))
    if isinstance(obj, dict):
        return ("dict", [(snapshot(k, _seen, _depth + 1), snapshot(v, _seen, _depth + 1))
                         for k, v in obj.items()])
    if isinstance(obj, (list, tuple, deque)):
        return (type(obj).__name__, [snapshot(v, _seen, _depth + 1) for v in obj])
    if isinstance(obj, (set, frozenset)):
        return ("set", sorted(repr(snapshot(v, _seen, _depth + 1)) for v in obj))
    if dataclasses.is_dataclass(obj) and not hasattr(obj, "__dict__"):
        return (type(obj).__name__, [(f.name, snapshot(getattr(obj, f.name), _seen, _depth + 1))
                                     for f in dataclasses.fields(obj)])
    if hasattr(obj, "__dict__"):
        return (type(obj).__name__, snapshot(vars(obj), _seen, _depth + 1))
    if hasattr(obj, "__slots__"):
        return (type(obj).__name__, [(s, snapshot(getattr(obj, s, None), _seen, _depth + 1))
                                     for s in obj.__slots__])
    return ("repr", repr(obj))


def assert_state_valid(model: ArenaModel) -> None:
    """Assert the state invariants of DESIGN.md: finite, prices > 0, indices in [0, 1], stocks >= 0."""
    pop = model.pop
    for name in ("cash", "shares", "sentiment", "fear", "greed", "confidence", "memory", "budget",
                 "last_wealth", "risk_aversion", "target_share"):
        arr = getattr(pop, name)
        assert np.isfinite(arr).all(), f"non-finite values in pop.{name}"
    assert (pop.cash >= 0).all(), f"negative deposits: min {pop.cash.min()}"
    assert (pop.shares >= 0).all(), f"short equity position: min {pop.shares.min()}"
    for name in ("sentiment", "fear", "greed", "confidence"):
        arr = getattr(pop, name)
        assert arr.min() >= 0.0 and arr.max() <= 1.0, f"pop.{name} outside [0, 1]"
    assert set(np.unique(pop.strategy)) <= {0, 1, 2}
    for market, price in model.prices.items():
        assert math.isfinite(price) and price > 0, f"price of {market} is {price}"
    reserves = model.scarcity.reserves
    assert np.isfinite(reserves).all() and (reserves >= 0).all(), f"reserves {reserves}"
    for firms in (model.cfirms, model.kfirms):
        for name in ("deposits", "inventory", "price", "wage", "markup", "planned", "expected_demand"):
            arr = getattr(firms, name)
            assert np.isfinite(arr).all(), f"non-finite values in firms.{name}"
        assert (firms.deposits >= 0).all() and (firms.inventory >= 0).all()
        assert (firms.price > 0).all() and (firms.wage > 0).all() and (firms.workers >= 0).all()
    assert np.isfinite(model.cfirms.capital).all() and (model.cfirms.capital >= 0).all()
    employer = model.pop.employer
    counts = np.bincount(employer[employer >= 0], minlength=model.cfirms.n + model.kfirms.n)
    assert (counts[: model.cfirms.n] == model.cfirms.workers).all(), "C-firm workforce != employer count"
    assert (counts[model.cfirms.n:] == model.kfirms.workers).all(), "K-firm workforce != employer count"
    assert np.isfinite(model.producer_deposits).all()
    assert model.central_bank.shares >= 0
    for key, value in model.current.items():
        assert math.isfinite(value), f"indicator {key} is {value}"
    for key in ("sentiment", "fear", "greed", "confidence", "herding", "unemployment", "gini",
                "share_fundamentalist", "share_chartist", "share_noise"):
        assert 0.0 <= model.current[key] <= 1.0, f"indicator {key} = {model.current[key]} outside [0, 1]"
    for key, value in model.current.items():
        if key.startswith("scarcity_"):
            assert 0.0 <= value <= 1.0, f"indicator {key} = {value} outside [0, 1]"
        if key.startswith("price_") and not key.startswith("price_multiplier_") and key != "price_dispersion":
            assert value > 0, f"indicator {key} = {value}"
        if key.startswith("price_multiplier_"):
            assert value >= 1.0, f"indicator {key} = {value}"
    assert model.current["volatility_multiplier"] >= 1.0
    assert model.current["price_dispersion"] >= 0.0
