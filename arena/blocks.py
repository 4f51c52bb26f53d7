"""Cache blocking of element-wise passes over the households.

A chain of element-wise numpy operations over N = 10^6 households streams every array
through main memory once per operation. Run over slices of :data:`BLOCK` households
instead, the same chain keeps its operands and temporaries in the core's L2 cache, and
only the arrays it reads and writes travel to memory once. The results are bit-identical
(each element sees the same operations in the same order). A whole-array sum is *not* the
sum of arbitrary blocks' sums (numpy's pairwise summation would round differently), but it
*is* the sum of the leaves of its own pairwise tree combined in the tree's order:
:func:`pairwise_blocks` gives those leaves as blocks, so a pass can sum each block while it
is in cache and :func:`pairwise_total` returns ``array.sum()``, the same float.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator, Sequence

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


def _pairwise_tree(start: int, n: int, size: int, leaves: list) -> int | tuple:
    """Split ``n`` elements from ``start`` as numpy's pairwise sum does, down to leaves of <= size."""
    if n <= size:
        leaves.append(slice(start, start + n))
        return len(leaves) - 1
    half = n // 2
    half -= half % 8  # numpy: n2 = n / 2; n2 -= n2 % 8 (numpy/_core/src/umath/loops_utils.h.src)
    return (_pairwise_tree(start, half, size, leaves), _pairwise_tree(start + half, n - half, size, leaves))


@functools.lru_cache(maxsize=32)
def _pairwise_plan(n: int, size: int) -> tuple[tuple[slice, ...], int | tuple]:
    leaves: list[slice] = []
    tree = _pairwise_tree(0, n, size, leaves)
    return tuple(leaves), tree


def pairwise_blocks(n: int, size: int = BLOCK) -> tuple[slice, ...]:
    """Consecutive slices covering ``range(n)``: the subtrees of numpy's pairwise sum of ``n`` elements.

    numpy sums a contiguous array of ``n > 128`` elements (float32 or float64, one call of
    its inner loop) as the sum of its first ``n2`` and its last ``n - n2`` elements, ``n2 =
    n // 2`` rounded down to a multiple of 8, recursively; each slice here is a node of that
    tree with at most ``size`` elements (``size >= 128``), so ``np.add.reduce`` of the slice
    is that node's value (:func:`pairwise_total` combines them). Blocks for element-wise
    passes, as :func:`blocks` (most are ``size / 2`` to ``size`` long).
    """
    if size < 128:
        raise ValueError(f"The 'size' parameter of pairwise_blocks must be an int >= 128. "
                         f"Got {size!r} instead.")
    return _pairwise_plan(int(n), int(size))[0]


def pairwise_total(n: int, sums: Sequence, size: int = BLOCK):
    """Combine the sums of the :func:`pairwise_blocks` of ``n`` elements as numpy's pairwise sum does.

    ``sums[i]`` is ``np.add.reduce`` of block ``i`` (numpy scalars of the array's dtype); the
    result is the whole array's ``np.add.reduce``, bit for bit (``0.0`` for ``n == 0``).
    """
    if n == 0:
        return 0.0
    tree = _pairwise_plan(int(n), int(size))[1]

    def combine(node):
        return sums[node] if isinstance(node, int) else combine(node[0]) + combine(node[1])

    return combine(tree)
