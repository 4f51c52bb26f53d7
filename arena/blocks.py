"""Cache blocking of element-wise passes over the households.

A chain of element-wise numpy operations over N = 10^6 households streams every array
through main memory once per operation. Run over slices of :data:`BLOCK` households
instead, the same chain keeps its operands and temporaries in the core's L2 cache, and
only the arrays it reads and writes travel to memory once. The results are bit-identical
(each element sees the same operations in the same order); reductions (sums) are *not*
blocked, because numpy's pairwise summation over a slice would round differently.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import numpy as np

#: Households per block: 65,536 float64 = 512 KiB, so a chain's three to five operands fit
#: the 2 MiB L2 of the benchmark machine (docs/performance.md).
BLOCK = 65_536


def blocks(n: int, size: int = BLOCK) -> Iterator[slice]:
    """Yield consecutive slices covering ``range(n)``, each at most ``size`` long."""
    for start in range(0, n, size):
        yield slice(start, min(start + size, n))


_WORK = threading.local()


def work_array(name: str, shape: int | tuple[int, ...], dtype=np.float64) -> np.ndarray:
    """Return an uninitialised temporary of ``shape`` and ``dtype`` (as ``np.empty``), reused across calls.

    A tick allocates the same large temporaries every time, and glibc hands most of them
    back to the kernel when they are freed, so the next tick's copy faults its pages in
    again (about 200 page faults a tick at 10^5 households). Served from here, the memory is
    kept: one buffer per ``(name, dtype)`` and thread, grown when a larger one is asked for.

    The array is only valid until the next call with the same ``name`` in the same thread:
    for temporaries that live inside one function call (never model state, never returned),
    each use with a name of its own. Contents are arbitrary, as with ``np.empty``.
    """
    if isinstance(shape, int):
        size = shape
    else:
        size = 1
        for extent in shape:
            size *= int(extent)
    key = (name, dtype)
    store = _WORK.__dict__
    buffer = store.get(key)
    if buffer is None or buffer.size < size:
        buffer = store[key] = np.empty(size, dtype=dtype)
    out = buffer[:size]
    return out if isinstance(shape, int) else out.reshape(shape)
