"""Compiled element-wise kernels of the tick's household passes (numba).

Each kernel fuses a chain of element-wise numpy operations over the households into one
loop, so every array is read and written once instead of once per operation, with no
temporaries. **Every kernel is bit-identical to the numpy chain it replaces**, which the
results of every run depend on:

* the same operations in the same order and in the same precision: float32 moods stay
  float32 (every constant is passed as ``numpy.float32``), float64 stays float64, a mixed
  product is computed in float64 as numpy promotes it;
* no ``fastmath`` (no reassociation, no fused multiply-add, IEEE division) and
  ``error_model="numpy"`` (division by zero gives inf/nan as in numpy, no exception);
* no transcendental functions: numpy's ``tanh``, ``exp`` and ``log`` are its own SIMD
  implementations, which may differ from the C library's in the last bit, so they stay
  numpy calls between the kernels;
* ``max``/``min``/``clip`` as numpy computes them (:func:`_max`, :func:`_min`: the second
  operand on a tie, so signed zeros come out as in numpy; NaN propagates);
* no floating-point reductions other than sums by index accumulated in element order, the
  order of ``numpy.bincount`` (whole-array sums stay numpy's pairwise sums); integer
  running sums and counts are exact in any order;
* no random draws (all randomness stays numpy's, from the model's generators).

Indices into small tables (employer, shop, bank) are the model's own invariants; the kernels
that add into per-bank or per-shop sums check their index and raise ``IndexError`` as
``np.bincount`` would, the gathers do not check (numba's ``boundscheck`` costs 35-60 % on
them), so an index out of range reads a wrong value where numpy raised ``IndexError``.

The market kernels (equity schedules, auction levels, goods) are in
:mod:`arena.markets.kernels`, under the same rules. ``tests/test_kernels.py`` and
``tests/test_market_kernels.py`` check each kernel against its numpy chain on random inputs
with edge values. ``cache=True`` keeps the
machine code in ``__pycache__``, so only the first run after an install or an edit compiles
(docs/performance.md gives the cost).
"""

from __future__ import annotations

import numba
import numpy as np

_JIT = {"cache": True, "nogil": True, "error_model": "numpy", "fastmath": False}


@numba.njit(inline="always")
def _max(a, b):
    """``np.maximum(a, b)``: ``b`` on a tie (so ``_max(-0.0, 0.0)`` is ``0.0``), NaN if ``a`` is NaN.

    Python's ``max`` returns the first of two equal values, which differs from numpy on
    signed zeros.
    """
    return a if a > b or a != a else b


@numba.njit(inline="always")
def _min(a, b):
    """``np.minimum(a, b)``: ``b`` on a tie, NaN if ``a`` is NaN."""
    return a if a < b or a != a else b


@numba.njit(inline="always")
def _mood_target(i, w, last, memory, decay, fresh, mem_scale, half_slope, half_offset, t):
    """Household ``i`` of :func:`mood_targets` with wealth ``w``."""
    lw = last[i]
    own = (w - lw) / _max(lw, 1e-12)
    own = _min(_max(own, -1.0), 1.0)
    m = memory[i] * decay + np.float32(fresh * own)
    memory[i] = m
    scaled = m * mem_scale
    for k in range(4):
        t[k, i] = scaled * half_slope[k] + half_offset[k]


@numba.njit(**_JIT)
def mood_targets(wealth, last, memory, decay, fresh, mem_scale, half_slope, half_offset, t):
    """Own return, memory update and the tanh arguments of the four mood targets.

    For each household ``i`` (``memory`` float32, updated in place)::

        own = clip((wealth - last) / max(last, 1e-12), -1, 1)           # float64
        memory = memory * decay + float32(fresh * own)                  # float32
        t[k, i] = (memory * mem_scale) * half_slope[k] + half_offset[k] # float32

    ``decay``, ``mem_scale``, ``half_slope`` and ``half_offset`` are float32; ``fresh`` is
    ``1 - memory_decay`` (float64). ``t`` has shape (4, n).
    """
    for i in range(wealth.shape[0]):
        _mood_target(i, wealth[i], last, memory, decay, fresh, mem_scale, half_slope, half_offset, t)


@numba.njit(**_JIT)
def holdings_mood_targets(cash, shares, price, last, memory, decay, fresh, mem_scale, half_slope,
                          half_offset, t):
    """:func:`mood_targets` of the wealth ``cash + shares * price``, which then replaces ``last``.

    The wealth is :func:`add_scaled`'s ``cash + shares * price`` (float64), computed in the
    same pass instead of in an array of its own; ``last`` is overwritten with it (in place).
    """
    for i in range(cash.shape[0]):
        w = cash[i] + shares[i] * price
        _mood_target(i, w, last, memory, decay, fresh, mem_scale, half_slope, half_offset, t)
        last[i] = w


@numba.njit(**_JIT)
def mood_moves(sentiment, fear, greed, confidence, t, keep, gain, level):
    """Move the four moods toward their targets (in place), given ``t = tanh(...)``.

    ``mood = clip(mood * keep + t[k] * gain[k] + level[k], 0, 1)`` in float32, in that order.
    """
    n = sentiment.shape[0]
    zero, one = np.float32(0.0), np.float32(1.0)
    for k, mood in enumerate((sentiment, fear, greed, confidence)):
        g, lv = gain[k], level[k]
        for i in range(n):
            m = mood[i] * keep + t[k, i] * g + lv
            mood[i] = _min(_max(m, zero), one)


@numba.njit(**_JIT)
def consumption_budget(fear, greed, perm_income, cash, budget, income_weight, wealth_weight, a, b, c):
    """``budget = min((Yp * income_weight + cash * wealth_weight) * mood, cash)`` (in place).

    ``mood = fear * a + greed * b + c`` in float32 (``a``, ``b``, ``c`` float32 scalars), as
    :meth:`arena.population.Population.plan_consumption` defines it.
    """
    for i in range(cash.shape[0]):
        mood = fear[i] * a + greed[i] * b + c
        x = (perm_income[i] * income_weight + cash[i] * wealth_weight) * mood
        budget[i] = _min(x, cash[i])


@numba.njit(**_JIT)
def credit_income(wage_table, employer, shares, dividend_per_share, cash, perm_income, keep, take,
                  hand_to_mouth, fresh):
    """Wages (``wage_table[employer]``) plus dividends into deposits; permanent income (in place).

    ``income = wage_table[employer] + shares * dividend_per_share`` (the dividend term only
    when ``dividend_per_share`` is not 0), ``cash += income``,
    ``perm_income = perm_income * keep + income * take``, or ``income * fresh`` where
    ``hand_to_mouth`` (bool per household) is set.
    """
    add_dividend = dividend_per_share != 0.0
    for i in range(cash.shape[0]):
        income = wage_table[employer[i]]
        if add_dividend:
            income = income + shares[i] * dividend_per_share
        cash[i] += income
        if hand_to_mouth[i]:
            perm_income[i] = income * fresh
        else:
            perm_income[i] = perm_income[i] * keep + income * take


@numba.njit(**_JIT)
def credit_by_weight(cash, weights, scale, bank, per_bank):
    """``cash += weights * scale`` and ``per_bank[bank] += weights`` in household order.

    ``per_bank`` (float64, zeroed by the caller) receives the sums of ``np.bincount(bank,
    weights=weights)``, accumulated in the same (household) order.
    """
    m = per_bank.shape[0]
    for i in range(cash.shape[0]):
        k = bank[i]
        if k < 0 or k >= m:
            raise IndexError("bank index out of range in credit_by_weight")
        w = weights[i]
        cash[i] += w * scale
        per_bank[k] += w


# --- sums by index, deposits and wealth -------------------------------------------------------------
@numba.njit(**_JIT)
def sums_by_index(index, weights, out):
    """``out[index[i]] += weights[i]`` in household order: ``np.bincount(index, weights)``'s sums.

    ``out`` (float64) is zeroed by the caller and at least ``index.max() + 1`` long.
    """
    m = out.shape[0]
    for i in range(index.shape[0]):
        k = index[i]
        if k < 0 or k >= m:  # np.bincount refuses negative indices (and would grow out)
            raise IndexError("index out of range in sums_by_index")
        out[k] += weights[i]


@numba.njit(**_JIT)
def sums_by_index_then_scale(index, values, factor, out):
    """``out[index[i]] += values[i]`` (as :func:`sums_by_index`), then ``values[i] *= factor``."""
    m = out.shape[0]
    for i in range(index.shape[0]):
        k = index[i]
        if k < 0 or k >= m:
            raise IndexError("index out of range in sums_by_index_then_scale")
        v = values[i]
        out[k] += v
        values[i] = v * factor


@numba.njit(**_JIT)
def pay_out(cash, amount):
    """``cash = max(cash - amount, 0)`` (in place)."""
    for i in range(cash.shape[0]):
        cash[i] = _max(cash[i] - amount[i], 0.0)


@numba.njit(**_JIT)
def add_scaled(base, x, factor, out):
    """``out = base + x * factor``."""
    for i in range(base.shape[0]):
        out[i] = base[i] + x[i] * factor


# --- psychology aggregates (arena.psychology.aggregate) ------------------------------------
@numba.njit(**_JIT)
def centred_squares(sentiment, mean, squares):
    """``squares = (sentiment - mean)^2`` (float32) and the counts of sentiment above and at 0.5.

    Returns ``(above, at)``: households with sentiment > 0.5 and == 0.5.
    """
    half = np.float32(0.5)
    above = at = 0
    for i in range(sentiment.shape[0]):
        s = sentiment[i]
        c = s - mean
        squares[i] = c * c
        if s > half:
            above += 1
        elif s == half:
            at += 1
    return above, at


# --- Bernoulli trials by geometric gaps (arena.population.bernoulli_indices) ----------------
@numba.njit(**_JIT)
def gap_positions(exponentials, divisor, cap, n, last, out):
    """Positions of successes from standard exponentials, continuing after position ``last``.

    Gap ``g = min(ceil(E / divisor), cap)`` (float64, then int64: numpy's geometric variate
    by inversion, capped as ``_geometric_gaps``); the positions are ``last`` plus the
    running sum of the gaps (integers: exact in any order). Writes those below ``n`` into
    ``out`` (increasing) and returns ``(count, position reached)``; stops at the first
    position >= ``n`` (every later one is larger).
    """
    capf = np.float64(cap)
    pos = last
    m = 0
    for i in range(exponentials.shape[0]):
        g = np.ceil(exponentials[i] / divisor)
        pos += np.int64(_min(g, capf))
        if pos >= n:
            break
        out[m] = pos
        m += 1
    return m, pos


@numba.njit(**_JIT)
def int_gap_positions(gaps, cap, n, last, out):
    """As :func:`gap_positions` for integer gaps already drawn (``Generator.geometric``), capped."""
    pos = last
    m = 0
    for i in range(gaps.shape[0]):
        pos += _min(gaps[i], cap)
        if pos >= n:
            break
        out[m] = pos
        m += 1
    return m, pos
