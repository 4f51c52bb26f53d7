"""The compiled kernels (arena.kernels) are bit-identical to the numpy chains they replace.

Each test writes the numpy chain as the engine computed it before the kernel (the same
operations, order and dtypes) and compares every bit of the results on random inputs that
include the edge values (zero and tiny wealth, clipped returns, moods at 0 and 1,
unemployed households reading the last wage entry).
"""

import numpy as np
import pytest

from arena import kernels


def bits_equal(a: np.ndarray, b: np.ndarray) -> bool:
    """Same dtype, shape and bytes (so -0.0 != 0.0 and every NaN payload counts)."""
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


@pytest.fixture
def rng():
    return np.random.default_rng(12345)


def test_mood_kernels_match_the_numpy_chain(rng):
    n = 5_003
    wealth = rng.lognormal(0.0, 1.0, n)
    last = rng.lognormal(0.0, 1.0, n)
    last[:20] = 0.0  # guarded division
    wealth[20:40] = 50 * last[20:40]  # clipped to +1
    last[40:60] = 1e-300
    moods = [rng.random(n).astype(np.float32) for _ in range(4)]
    for m in moods:
        m[:5], m[5:10] = 0.0, 1.0
    memory = (rng.standard_normal(n) * 0.1).astype(np.float32)
    decay_f, rate = 0.9, np.float32(0.1)
    consts = [(np.float32(0.5 * s), np.float32(o), rate * np.float32(0.3), rate * np.float32(0.4 + 0.1 * k))
              for k, (s, o) in enumerate([(1.0, 0.1), (-0.5, -0.7), (0.5, -1.3), (0.5, 0.4)])]
    keep, mem_scale = np.float32(1.0) - rate, np.float32(100.0)

    # the numpy chain of psychology.update before arena.kernels
    exp_memory, exp_moods = memory.copy(), [m.copy() for m in moods]
    own = (wealth - last) / np.maximum(last, 1e-12)
    np.clip(own, -1.0, 1.0, out=own)
    exp_memory *= decay_f
    exp_memory += ((1.0 - decay_f) * own).astype(np.float32)
    mem = exp_memory * mem_scale
    t = np.empty_like(mem)
    for m, (half_slope, half_offset, gain, level) in zip(exp_moods, consts, strict=True):
        np.multiply(mem, half_slope, out=t)
        t += half_offset
        np.tanh(t, out=t)
        t *= gain
        m *= keep
        m += t
        m += level
        np.clip(m, 0.0, 1.0, out=m)

    half_slope, half_offset, gain, level = (np.array(c, dtype=np.float32) for c in zip(*consts, strict=True))
    t4 = np.empty((4, n), dtype=np.float32)
    kernels.mood_targets(wealth, last, memory, np.float32(decay_f), 1.0 - decay_f, mem_scale,
                         half_slope, half_offset, t4)
    np.tanh(t4, out=t4)
    kernels.mood_moves(*moods, t4, keep, gain, level)
    assert bits_equal(memory, exp_memory)
    for got, want in zip(moods, exp_moods, strict=True):
        assert bits_equal(got, want)


def test_consumption_budget_matches_the_numpy_chain(rng):
    n = 4_001
    fear, greed = rng.random(n).astype(np.float32), rng.random(n).astype(np.float32)
    perm = rng.lognormal(0.0, 1.0, n)
    cash = rng.lognormal(0.0, 1.0, n)
    cash[:10] = 0.0
    iw, ww = 0.93 * 1.01, 0.04 * 1.01
    mood = fear * np.float32(-0.1)
    mood += greed * np.float32(0.05)
    mood += np.float32(1.0 + 0.02 - 0.01)
    want = perm * iw
    want += cash * ww
    want *= mood
    np.minimum(want, cash, out=want)
    got = np.empty(n)
    kernels.consumption_budget(fear, greed, perm, cash, got, iw, ww)
    assert bits_equal(got, want)


@pytest.mark.parametrize("dps", [0.0, 0.0137])
def test_credit_income_matches_the_numpy_chain(rng, dps):
    n, firms = 3_001, 17
    table = rng.lognormal(0.0, 0.5, firms + 1)
    employer = rng.integers(-1, firms, n).astype(np.intp)
    shares = rng.lognormal(0.0, 1.0, n)
    cash, perm = rng.lognormal(0.0, 1.0, n), rng.lognormal(0.0, 1.0, n)
    keep, take = 0.8 * 1.0003, 0.2 * 1.0003
    exp_cash, exp_perm = cash.copy(), perm.copy()
    income = np.take(table, employer)
    if dps:
        income += shares * dps
    exp_cash += income
    exp_perm *= keep
    np.multiply(income, take, out=income)
    exp_perm += income
    kernels.credit_income(table, employer, shares, dps, cash, perm, keep, take)
    assert bits_equal(cash, exp_cash)
    assert bits_equal(perm, exp_perm)


def test_credit_by_weight_matches_bincount(rng):
    n, banks = 6_007, 10
    cash, owners = rng.lognormal(0.0, 1.0, n), rng.lognormal(0.0, 2.0, n)
    bank = rng.integers(0, banks, n).astype(np.intp)
    scale = 0.37 / owners.sum()
    exp_cash = cash.copy()
    exp_cash += owners * scale
    exp_bank = np.bincount(bank, weights=owners, minlength=banks) * scale
    per_bank = np.zeros(banks)
    kernels.credit_by_weight(cash, owners, scale, bank, per_bank)
    assert bits_equal(cash, exp_cash)
    assert bits_equal(per_bank * scale, exp_bank)
