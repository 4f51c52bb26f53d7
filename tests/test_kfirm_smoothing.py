"""K-firms' production smoothing (``capital_goods_smoothing``; docs/model.md, "Review").

Expected before measuring (Davis, Haltiwanger & Schuh 1996: gross job destruction in US
manufacturing is about 5.5 % of jobs a quarter; capital goods are made to order against a backlog of
about three months, Nalewaik & Pinto 2012): K-firms that plan against one review interval of lumpy
orders destroy jobs far faster than that; averaging the orders over three months brings their job
destruction down toward the C-firms', while their workforce still follows the orders over a year.
"""

from __future__ import annotations

import numpy as np
import pytest

from arena import ArenaModel

SEEDS = (1, 2, 3, 4, 5, 6)
QUARTER = 63  # ticks
BURN_IN = 250


def job_flows(smoothing: float, seed: int, ticks: int = 1_000) -> dict[str, float]:
    """DHS (1996) quarterly gross job destruction rates of K- and C-firms, and mean unemployment.

    Job destruction over a quarter = the sum of the workforce lost by firms that shrank, over the
    sector's mean workforce of the two dates.
    """
    model = ArenaModel(n_agents=3_000, seed=seed, capital_goods_smoothing=smoothing)
    snaps, unemployment = [], []
    for t in range(ticks):
        model.step()
        if t >= BURN_IN:
            unemployment.append(1.0 - (model.kfirms.workers.sum() + model.cfirms.workers.sum()) / model.pop.n)
            if (t - BURN_IN) % QUARTER == 0:
                snaps.append((model.kfirms.workers.copy(), model.cfirms.workers.copy()))

    def destruction(sector: int) -> float:
        rates = [np.maximum(a[sector] - b[sector], 0).sum() / (0.5 * (a[sector].sum() + b[sector].sum()))
                 for a, b in zip(snaps[:-1], snaps[1:], strict=True)]
        return float(np.mean(rates))

    return {"jd_k": destruction(0), "jd_c": destruction(1), "u": float(np.mean(unemployment))}


@pytest.fixture(scope="module")
def flows():
    return {(h, s): job_flows(h, s) for h in (20.0, 60.0) for s in SEEDS}


@pytest.mark.slow
def test_smoothing_lowers_k_firms_job_destruction_on_every_seed(flows):
    """Against the same seeds planned over one review interval (20 ticks): lower on every seed."""
    for s in SEEDS:
        assert flows[(60.0, s)]["jd_k"] < flows[(20.0, s)]["jd_k"], (s, flows[(60.0, s)], flows[(20.0, s)])


@pytest.mark.slow
def test_k_firms_job_destruction_is_of_the_order_of_manufacturing(flows):
    """With the default smoothing K-firms destroy jobs at less than twice DHS's 5.5 % a quarter
    (with one review interval: about 21 %, four times the C-firms' rate, measured)."""
    for s in SEEDS:
        assert flows[(60.0, s)]["jd_k"] < 2 * 0.055, (s, flows[(60.0, s)])


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason=(
    "b9292a8 (the hours margin: heads follow a quarter-smoothed labour need, hours take up the rest; the "
    "wage rule's tightness reads unemployment): unemployment with the smoothing minus without, seeds 1-6, "
    "+0.0050, +0.0014, -0.0021, +0.0028, -0.0102, -0.0124 (median -0.0004, 3 of 6 lower): K-firms' plan "
    "swings now move hours more than heads, so smoothing the plans no longer lowers frictional "
    "unemployment (K-firms' job destruction still falls with it on every seed)"))
def test_smoothing_lowers_frictional_unemployment_on_most_seeds(flows):
    """Less churn between K-firms means fewer workers between jobs: mean unemployment over ticks
    250-1000 is lower than with one review interval, in the median and on at least 4 of 6 seeds.
    Measured at 3,000 households on branch fin5: lower on seeds 1, 2, 4 and 6 (by 0.5-1.3 points),
    the same on seed 5, higher on seed 3 (+0.9); at 20,000 households, seeds 1-5, the median went
    from 8.2 % to 6.4 % (docs/validation.md, "K-firms' production smoothing")."""
    diff = np.array([flows[(60.0, s)]["u"] - flows[(20.0, s)]["u"] for s in SEEDS])
    assert np.median(diff) < 0 and (diff < 0).sum() >= 4, diff.round(4).tolist()
