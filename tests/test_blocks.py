"""arena.blocks: the pairwise blocks add up to numpy's whole-array sum, bit for bit."""

import numpy as np
import pytest

from arena.blocks import pairwise_blocks, pairwise_total


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n", [0, 1, 7, 9, 127, 129, 8193, 65536, 65537, 100_000, 262_151, 1_000_003])
def test_pairwise_blocks_add_up_to_numpys_sum(dtype, n):
    # numpy sums a contiguous array as one pairwise tree: its leaves' sums, combined in its order, are
    # the whole sum bit for bit (arena.blocks: what the mood, budget and spending passes rely on)
    rng = np.random.default_rng(n)
    x = (rng.lognormal(0.0, 3.0, n) * rng.choice([-1.0, 1.0], n)).astype(dtype)
    for size in (128, 1000, 65_536):
        blocks = pairwise_blocks(n, size)
        assert [b.start for b in blocks] == [0] + [b.stop for b in blocks[:-1]] and blocks[-1].stop == n
        assert all(b.stop - b.start <= size for b in blocks)
        total = pairwise_total(n, [np.add.reduce(x[b]) for b in blocks], size)
        assert np.asarray(total, dtype=dtype).tobytes() == x.sum().tobytes()


def test_pairwise_blocks_refuse_leaves_below_numpys_block():
    with pytest.raises(ValueError, match="'size' parameter of pairwise_blocks"):
        pairwise_blocks(1000, 64)
