"""Cache blocking of element-wise passes over the households.

A chain of element-wise numpy operations over N = 10^6 households streams every array
through main memory once per operation. Run over slices of :data:`BLOCK` households
instead, the same chain keeps its operands and temporaries in the core's L2 cache, and
only the arrays it reads and writes travel to memory once. The results are bit-identical
(each element sees the same operations in the same order); reductions (sums) are *not*
blocked, because numpy's pairwise summation over a slice would round differently.
"""

from __future__ import annotations

from collections.abc import Iterator

#: Households per block: 65,536 float64 = 512 KiB, so a chain's three to five operands fit
#: the 2 MiB L2 of the benchmark machine (docs/performance.md).
BLOCK = 65_536


def blocks(n: int, size: int = BLOCK) -> Iterator[slice]:
    """Yield consecutive slices covering ``range(n)``, each at most ``size`` long."""
    for start in range(0, n, size):
        yield slice(start, min(start + size, n))
