"""Scalar helpers of the tick: numpy's results on Python floats without numpy's call overhead.

``float(np.clip(x, lo, hi))`` on one float costs 3-5 microseconds (argument wrapping, a 0-d
array, the ufunc); the tick clips about a dozen scalars. :func:`clip_float` returns the same
float with two comparisons.
"""

from __future__ import annotations

import numpy as np


def clip_float(x, lo: float, hi: float) -> float:
    """Return ``float(np.clip(x, lo, hi))``, the same float, for a float64 scalar ``x``.

    numpy's clip of a float: NaN if ``x`` or a bound is NaN, else ``y = lo if x < lo else x``
    and then ``hi if y > hi else y`` (a tie keeps ``x``, so signed zeros come out as numpy's;
    ``lo > hi`` gives ``hi``); tests/test_exact_shortcuts.py compares every bit on edge
    values. Anything but a Python float or a numpy float64 (``float32`` follows its own
    precision, arrays stay arrays) is passed to ``np.clip`` itself.

    Parameters
    ----------
    x : float
        Value to clip.
    lo, hi : float
        Bounds, as ``np.clip``'s (converted to float64).
    """
    if not isinstance(x, float):  # np.float64 is a float subclass; np.float32 and ints are not
        return float(np.clip(x, lo, hi))
    x, lo, hi = float(x), float(lo), float(hi)
    for value in (x, lo, hi):  # NaN in, NaN out
        if value != value:
            return value
    y = lo if x < lo else x
    return hi if y > hi else y
