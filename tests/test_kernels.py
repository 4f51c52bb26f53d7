"""The household kernels (arena.kernels) match the numpy chains they replace, bit for bit.

Each test writes the numpy chain as the engine computed it before the kernel (the same
operations, order and dtypes) and compares every bit of the results on random inputs that
include the edge values (zero and tiny wealth, clipped returns, moods at 0 and 1,
unemployed households reading the last wage entry). The market kernels:
tests/test_market_kernels.py.
"""

import numpy as np
import pytest

from arena import kernels
from arena.markets import kernels as market_kernels
from arena.population import _geometric_gaps, bernoulli_indices


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


def test_holdings_mood_targets_match_wealth_then_mood_targets(rng):
    # the fused kernel computes wealth = cash + shares * price (add_scaled) inside the mood pass
    # and overwrites last with it: the same memory, targets and wealth as the two kernels
    n = 4_099
    cash, shares = rng.lognormal(0.0, 1.0, n), rng.lognormal(0.0, 1.0, n)
    cash[:10], shares[5:15] = 0.0, 0.0
    last = rng.lognormal(0.0, 1.0, n)
    last[:20] = 0.0
    last[20:30] = 1e-300
    cash[30:40] = 60.0 * last[30:40]  # own return clipped to +1
    memory = (rng.standard_normal(n) * 0.1).astype(np.float32)
    half_slope = np.array([0.5, -0.25, 0.25, 0.25], dtype=np.float32)
    half_offset = np.array([0.05, -0.7, -1.3, 0.2], dtype=np.float32)
    args = (np.float32(0.9), 1.0 - 0.9, np.float32(100.0), half_slope, half_offset)
    price = 1.7319
    wealth = np.empty(n)
    kernels.add_scaled(cash, shares, price, wealth)
    exp_memory, exp_t = memory.copy(), np.empty((4, n), dtype=np.float32)
    kernels.mood_targets(wealth, last, exp_memory, *args, exp_t)
    t = np.empty((4, n), dtype=np.float32)
    kernels.holdings_mood_targets(cash, shares, price, last, memory, *args, t)
    assert bits_equal(memory, exp_memory)
    assert bits_equal(t, exp_t)
    assert bits_equal(last, wealth)


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
    kernels.consumption_budget(fear, greed, perm, cash, got, iw, ww, np.float32(-0.1), np.float32(0.05),
                               np.float32(1.0 + 0.1 * 0.2 - 0.05 * 0.2))
    assert bits_equal(got, want)


@pytest.mark.parametrize("dps", [0.0, 0.0137])
def test_credit_income_matches_the_numpy_chain(rng, dps):
    n, firms = 3_001, 17
    table = rng.lognormal(0.0, 0.5, firms + 1)
    employer = rng.integers(-1, firms, n).astype(np.intp)
    shares = rng.lognormal(0.0, 1.0, n)
    cash, perm = rng.lognormal(0.0, 1.0, n), rng.lognormal(0.0, 1.0, n)
    keep, take = 0.8 * 1.0003, 0.2 * 1.0003
    hand_to_mouth = rng.random(n) < 0.3
    exp_cash, exp_perm = cash.copy(), perm.copy()
    income = np.take(table, employer)
    if dps:
        income += shares * dps
    exp_cash += income
    fresh = income * 1.0003  # a hand-to-mouth household's permanent income is its income, grown
    exp_perm *= keep
    np.multiply(income, take, out=income)
    exp_perm += income
    exp_perm[hand_to_mouth] = fresh[hand_to_mouth]
    kernels.credit_income(table, employer, shares, dps, cash, perm, keep, take, hand_to_mouth, 1.0003)
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


def test_max_and_min_follow_numpy_on_signed_zeros_and_nan():
    # Python's max/min return the first of two equal values; numpy's the second
    cases = [(-0.0, 0.0), (0.0, -0.0), (np.nan, 1.0), (1.0, np.nan), (2.0, 3.0), (3.0, 2.0)]
    for x, y in cases:
        for dtype in (np.float64, np.float32):
            a, b = dtype(x), dtype(y)
            want_max = np.maximum(np.array([a]), np.array([b]))[0]
            want_min = np.minimum(np.array([a]), np.array([b]))[0]
            assert bits_equal(np.array([kernels._max(a, b)], dtype=dtype), np.array([want_max]))
            assert bits_equal(np.array([kernels._min(a, b)], dtype=dtype), np.array([want_min]))


def test_goods_and_deposit_kernels_match_numpy(rng):
    n, f = 7_001, 23
    supplier = rng.integers(0, f, n).astype(np.intp)
    budget = rng.lognormal(0.0, 1.0, n)
    budget[:30] = 0.0
    value = np.zeros(f)
    kernels.sums_by_index(supplier, budget, value)
    assert bits_equal(value, np.bincount(supplier, weights=budget, minlength=f))

    fill = np.minimum(rng.random(f) * 2.0, 1.0)
    share_paid, short = 0.3 + 0.7 * fill, fill < 1.0
    spent, rationed = np.empty(n), np.empty(n, dtype=np.intp)
    m = market_kernels.served_spending(budget, supplier, share_paid, short, spent, rationed)
    assert bits_equal(spent, budget * np.take(share_paid, supplier))
    assert bits_equal(rationed[:m], np.flatnonzero(np.take(short, supplier)))

    cash = rng.lognormal(0.0, 1.0, n)
    before = cash.copy()
    per_bank = np.zeros(f)
    kernels.sums_by_index_then_scale(supplier, cash, 1.0004, per_bank)
    assert bits_equal(per_bank, np.bincount(supplier, weights=before, minlength=f))
    assert bits_equal(cash, before * np.float64(1.0004))

    amount = np.minimum(budget, cash)
    amount[:10] = cash[:10]  # spends everything: +0.0
    amount[10:20] = cash[10:20] * (1 + 1e-16)  # rounding past zero
    want = cash - amount
    np.maximum(want, 0.0, out=want)
    kernels.pay_out(cash, amount)
    assert bits_equal(cash, want)

    shares, price = rng.lognormal(0.0, 1.0, n), 1.7
    out = np.empty(n)
    kernels.add_scaled(cash, shares, price, out)
    assert bits_equal(out, cash + shares * price)


def numpy_bernoulli_indices(n, p, rng):
    """bernoulli_indices before arena.kernels (the reference)."""
    if p <= 0.0 or n == 0:
        return np.empty(0, dtype=np.intp)
    if p >= 1.0:
        return np.arange(n, dtype=np.intp)
    expected = n * p
    size = int(expected + 6.0 * np.sqrt(expected) + 16)
    positions = np.cumsum(_geometric_gaps(p, size, n + 1, rng)) - 1
    while positions[-1] < n - 1:
        more = np.cumsum(_geometric_gaps(p, size, n + 1, rng)) + positions[-1]
        positions = np.concatenate([positions, more])
    return positions[positions < n].astype(np.intp)


@pytest.mark.parametrize("n", [0, 1, 7, 1_000, 100_000])
@pytest.mark.parametrize("p", [1e-300, 1e-6, 0.01, 0.1, 0.3, 1 / 3, 0.5, 0.9, 0.999999])
def test_bernoulli_indices_match_the_numpy_version(n, p):
    for seed in range(3):
        got = bernoulli_indices(n, p, np.random.default_rng(seed))
        rng = np.random.default_rng(seed)
        want = numpy_bernoulli_indices(n, p, rng)
        assert bits_equal(got, want)
        # and the stream after them is in the same place
        rng_after = np.random.default_rng(seed)
        bernoulli_indices(n, p, rng_after)
        assert rng_after.random() == rng.random()


def test_sums_by_index_refuse_an_index_out_of_range():
    cash = np.ones(5)
    for bad in (np.array([0, 1, 3, 1, 0]), np.array([0, -1, 1, 1, 0])):
        with pytest.raises(IndexError):
            kernels.sums_by_index(bad.astype(np.intp), cash, np.zeros(3))
        with pytest.raises(IndexError):
            kernels.sums_by_index_then_scale(bad.astype(np.intp), cash.copy(), 1.0, np.zeros(3))
        with pytest.raises(IndexError):
            kernels.credit_by_weight(cash.copy(), cash, 1.0, bad.astype(np.intp), np.zeros(3))




def test_work_arrays_are_reused_per_name_and_grow():
    from arena.blocks import work_array

    a = work_array("test.a", 100)
    assert a.shape == (100,) and a.dtype == np.float64 and a.flags.c_contiguous
    b = work_array("test.a", (3, 20))  # smaller: a view of the same memory
    assert b.shape == (3, 20) and np.shares_memory(a, b)
    assert not np.shares_memory(a, work_array("test.b", 100))  # another name, another buffer
    assert work_array("test.a", 100, np.float32).dtype == np.float32  # per dtype
    c = work_array("test.a", 1000)  # larger: a new buffer
    assert c.size == 1000 and not np.shares_memory(a, c)
