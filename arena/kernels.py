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
* no reductions, except per-bank sums accumulated in household order, which is the order
  of ``numpy.bincount`` (sums over whole arrays stay numpy's pairwise sums);
* no random draws (all randomness stays numpy's, from the model's generators).

``tests/test_kernels.py`` checks each kernel against its numpy chain on random inputs with
edge values. ``cache=True`` keeps the machine code in ``__pycache__``, so only the first run
after an install or an edit compiles (docs/performance.md gives the cost).
"""

from __future__ import annotations

import numba
import numpy as np

_JIT = {"cache": True, "nogil": True, "error_model": "numpy", "fastmath": False}


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
    n = wealth.shape[0]
    for i in range(n):
        lw = last[i]
        own = (wealth[i] - lw) / max(lw, 1e-12)
        own = min(max(own, -1.0), 1.0)
        m = memory[i] * decay + np.float32(fresh * own)
        memory[i] = m
        scaled = m * mem_scale
        for k in range(4):
            t[k, i] = scaled * half_slope[k] + half_offset[k]


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
            mood[i] = min(max(m, zero), one)


@numba.njit(**_JIT)
def consumption_budget(fear, greed, perm_income, cash, budget, income_weight, wealth_weight):
    """``budget = min((Yp * income_weight + cash * wealth_weight) * mood, cash)`` (in place).

    ``mood = fear * -0.1 + greed * 0.05 + 1.01`` in float32, as
    :meth:`arena.population.Population.plan_consumption` defines it.
    """
    a, b, c = np.float32(-0.1), np.float32(0.05), np.float32(1.0 + 0.02 - 0.01)
    for i in range(cash.shape[0]):
        mood = fear[i] * a + greed[i] * b + c
        x = (perm_income[i] * income_weight + cash[i] * wealth_weight) * mood
        budget[i] = min(x, cash[i])


@numba.njit(**_JIT)
def credit_income(wage_table, employer, shares, dividend_per_share, cash, perm_income, keep, take):
    """Wages (``wage_table[employer]``) plus dividends into deposits; permanent income (in place).

    ``income = wage_table[employer] + shares * dividend_per_share`` (the dividend term only
    when ``dividend_per_share`` is not 0), ``cash += income``,
    ``perm_income = perm_income * keep + income * take``.
    """
    add_dividend = dividend_per_share != 0.0
    for i in range(cash.shape[0]):
        income = wage_table[employer[i]]
        if add_dividend:
            income = income + shares[i] * dividend_per_share
        cash[i] += income
        perm_income[i] = perm_income[i] * keep + income * take


@numba.njit(**_JIT)
def credit_by_weight(cash, weights, scale, bank, per_bank):
    """``cash += weights * scale`` and ``per_bank[bank] += weights`` in household order.

    ``per_bank`` (float64, zeroed by the caller) receives the sums of ``np.bincount(bank,
    weights=weights)``, accumulated in the same (household) order.
    """
    for i in range(cash.shape[0]):
        w = weights[i]
        cash[i] += w * scale
        per_bank[bank[i]] += w
