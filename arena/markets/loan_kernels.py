"""Compiled loops of the loan book (numba): its row and column sums and the debt service.

Under the rules of :mod:`arena.kernels` (bit-identical to the numpy code they replace, no
fastmath); the sums reproduce numpy's summation order, which the results depend on: a row of
a C-contiguous float64 ``(F, B)`` array is summed by numpy's pairwise kernel (for at most 128
values one block of eight running sums), a column by adding the rows in order, both from the
identity 0.0. :meth:`arena.markets.credit.LoanBook.compiled` says when they apply (2 to 128
banks); ``tests/test_exact_shortcuts.py`` compares every bit with numpy on edge values.
"""

from __future__ import annotations

import numba
import numpy as np

from arena.kernels import _JIT, _max

#: Widest row :func:`row_sums` sums as numpy does (one pairwise block, 8 accumulators);
#: wider books (more than 128 banks) are summed by numpy.
ROW_BLOCK = 128


@numba.njit(inline="always")
def _row_sum(a, i, n):
    """``a[i, :n].sum()`` as numpy sums a row of at most 128 float64: its pairwise kernel.

    Below 8 values a running sum from 0; from 8 on, 8 running sums over the columns
    ``j mod 8`` of the whole octets, combined as ``((r0 + r1) + (r2 + r3)) + ((r4 + r5) +
    (r6 + r7))``, then the rest added in order; the reduction starts from its identity
    0.0 (so a row of -0.0 gives 0.0 as in numpy).
    """
    if n < 8:
        res = 0.0
        for j in range(n):
            res += a[i, j]
        return 0.0 + res
    r0, r1, r2, r3 = a[i, 0], a[i, 1], a[i, 2], a[i, 3]
    r4, r5, r6, r7 = a[i, 4], a[i, 5], a[i, 6], a[i, 7]
    end = n - n % 8
    j = 8
    while j < end:
        r0 += a[i, j]
        r1 += a[i, j + 1]
        r2 += a[i, j + 2]
        r3 += a[i, j + 3]
        r4 += a[i, j + 4]
        r5 += a[i, j + 5]
        r6 += a[i, j + 6]
        r7 += a[i, j + 7]
        j += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while j < n:
        res += a[i, j]
        j += 1
    return 0.0 + res


@numba.njit(**_JIT)
def row_sums(a, out):
    """``out[:] = a.sum(axis=1)`` for a C-contiguous float64 (F, B) array, 2 <= B <= 128."""
    n = a.shape[1]
    for i in range(a.shape[0]):
        out[i] = _row_sum(a, i, n)


@numba.njit(**_JIT)
def column_sums(a, out):
    """``out[:] = a.sum(axis=0)`` for a C-contiguous float64 (F, B) array, B >= 2.

    numpy adds the rows in order into a result starting at 0.0 (the reduced axis is the
    outer loop of its iteration).
    """
    out[:] = 0.0
    for i in range(a.shape[0]):
        for j in range(a.shape[1]):
            out[j] += a[i, j]


@numba.njit(**_JIT)
def scaled_row_sums(principal, tick_rate, amortisation, out):
    """``out[:] = (principal * (tick_rate + amortisation)).sum(axis=1)`` (debt service due)."""
    f, n = principal.shape
    row = np.empty(n)
    for i in range(f):
        for j in range(n):
            row[j] = principal[i, j] * (tick_rate[i, j] + amortisation)
        out[i] = _row_sum(row.reshape(1, n), 0, n)


@numba.njit(**_JIT)
def service_loans(principal, tick_rate, maturity, deposits, interest_by_bank, amort_by_bank, paid,
                  interest_by_firm, unable):
    """Debt service of :func:`arena.markets.credit.service_debt` in one pass (in place).

    For each firm ``i`` (``interest = principal * tick_rate``, ``amort = principal /
    maturity``)::

        due = interest[i].sum() + amort[i].sum()
        able = deposits[i] >= due;  unable[i] = not able and due > 0
        paid[i] = due if able else 0.0;  deposits[i] -= paid[i]
        if not able: interest[i] = amort[i] = 0
        principal[i] = max(principal[i] - amort[i], 0)

    then ``interest_by_bank``/``amort_by_bank`` are the column sums of ``interest`` and
    ``amort`` (rows in order from 0.0, as numpy) and ``interest_by_firm`` its row sums.
    """
    f, n = principal.shape
    interest = np.empty((1, n))
    amort = np.empty((1, n))
    interest_by_bank[:] = 0.0
    amort_by_bank[:] = 0.0
    for i in range(f):
        for j in range(n):
            interest[0, j] = principal[i, j] * tick_rate[i, j]
            amort[0, j] = principal[i, j] / maturity
        due = _row_sum(interest, 0, n) + _row_sum(amort, 0, n)
        able = deposits[i] >= due
        unable[i] = not able and due > 0
        paid[i] = due if able else 0.0
        deposits[i] -= paid[i]
        if not able:
            interest[0, :] = 0.0
            amort[0, :] = 0.0
        for j in range(n):
            principal[i, j] = _max(principal[i, j] - amort[0, j], 0.0)
            interest_by_bank[j] += interest[0, j]
            amort_by_bank[j] += amort[0, j]
        interest_by_firm[i] = _row_sum(interest, 0, n)
