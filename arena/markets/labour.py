"""The labour market: separations, firing and matching (phase 2).

Households carry an employer index (intp, -1 = unemployed) into one employer space:
C-firms ``0 .. F-1``, then K-firms ``F .. F+K-1``. Each tick:

1. **separations**: every job ends with probability ``separation_rate`` (quits and
   idiosyncratic layoffs; JOLTS total separations are ~3.5-4 % a month, ~0.17 % a day);
2. **firing**: a firm whose workforce exceeds its labour demand by more than
   :data:`HOARDING` (labour hoarding: Oi 1962; firms keep a margin of workers through
   downturns and let quits shrink them) dismisses a share :data:`FIRING_RATE` a tick of the
   excess above that margin (at least one worker), chosen at random among its workers;
3. **matching**: hires follow the Cobb-Douglas matching function
   ``H = mu * sqrt(U * V)`` (Pissarides 2000; elasticity 0.5, Petrongolo & Pissarides
   2001), capped by U and V. Each open vacancy is filled with probability ``q = H / V``
   (binomial per firm) and the hired are drawn uniformly among the unemployed.

The cost is proportional to the households that move, not to N: random ids are drawn
and filtered by status (rejection sampling), never a full scan unless the wanted group
is small.
"""

from __future__ import annotations

import numpy as np

from arena.markets import kernels
from arena.population import bernoulli_indices

#: Share of a firm's excess workforce (above the hoarding margin) dismissed per tick.
FIRING_RATE = 0.1
# Why 8 %: with 5 % and firms' efficiencies spread (reallocation), layoffs ran at 1.6 % of jobs a
# month against JOLTS layoffs and discharges of 1.1-1.4 % (2001-2019); with 8 %, 1.2 % (docs/model.md).
#: Excess workforce a firm keeps rather than fire, as a share of its labour demand (Fay & Medoff
#: 1985: plants paid for about 8 % more blue-collar hours than production needed at a trough).
HOARDING = 0.08


def firing_quota(workers: np.ndarray, demand: np.ndarray) -> np.ndarray:
    """Workers each employer dismisses this tick (int64; see the module doc)."""
    excess = workers - demand - np.floor(HOARDING * demand)
    return np.where(excess > 0, np.ceil(np.maximum(excess, 0) * FIRING_RATE), 0).astype(np.int64)


def sample_with_status(employer: np.ndarray, k: int, available: int, wanted, rng: np.random.Generator,
                       ) -> np.ndarray:
    """``k`` distinct random households whose employer satisfies ``wanted(employer_ids)``.

    Parameters
    ----------
    employer : numpy.ndarray of intp
        Employer index per household (-1 unemployed).
    k : int
        How many to draw (at most ``available``).
    available : int
        How many households satisfy the condition (sets the number of draws).
    wanted : callable or numpy.ndarray of bool
        ``wanted(employer_values) -> bool array``; or a table of it by employer, ``wanted[e]``
        for employer ``e`` and ``wanted[-1]`` for the unemployed (-1), which lets one
        compiled pass test, keep and deduplicate the draws (the same households).
    rng : numpy.random.Generator
    """
    n = employer.size
    k = min(k, available)
    if k <= 0:
        return np.empty(0, dtype=np.intp)
    table = wanted if isinstance(wanted, np.ndarray) else None
    draws = int(1.3 * k * n / max(available, 1)) + 32
    if draws > n // 4:
        pool = np.flatnonzero(np.take(table, employer) if table is not None else wanted(employer))
        return rng.choice(pool, size=min(k, pool.size), replace=False)
    found = np.empty(0, dtype=np.intp)
    for _ in range(50):
        candidates = rng.integers(0, n, size=draws)
        if table is not None:  # distinct wanted ids in the order drawn (arena.markets.kernels)
            found = kernels.first_wanted(found, candidates, employer, table, n)
        else:
            candidates = np.concatenate([found, candidates[wanted(employer[candidates])]])
            found = kernels.first_drawn(candidates, n)  # distinct ids in the order drawn
        if found.size >= k:
            break
    return found[:k]


def separate(employer: np.ndarray, n_employers: int, rate: float, rng: np.random.Generator) -> np.ndarray:
    """End each job with probability ``rate``; return the workers lost per employer (int64)."""
    quits = bernoulli_indices(employer.size, rate, rng)
    # the employed among them leave, counted by employer (one compiled pass, arena.markets.kernels)
    return kernels.separate_jobs(quits, employer, n_employers)


def fire(employer: np.ndarray, workers: np.ndarray, quota: np.ndarray,
         rng: np.random.Generator) -> np.ndarray:
    """Dismiss up to ``quota[j]`` random workers of each employer j; return those dismissed.

    Candidates are drawn among the workers of firing employers; within each employer they
    are taken in random order, so who goes is uniform among its workers.
    """
    total = int(quota.sum())
    if total == 0:
        return np.zeros(quota.size, dtype=np.int64)
    firing = quota > 0
    pool = int(workers[firing].sum())
    mask = np.append(firing, False)  # index -1 (unemployed) reads the appended False
    cand = sample_with_status(employer, pool, pool, mask, rng) if pool <= 4 * total else (
        sample_with_status(employer, 3 * total, pool, mask, rng))
    # each firing employer's first quota candidates in draw order go (one compiled pass,
    # arena.markets.kernels; the same households as a stable sort by employer and ranks)
    return kernels.dismiss_first(cand, employer, quota)


def match(employer: np.ndarray, vacancies: np.ndarray, n_unemployed: int, efficiency: float,
          rng: np.random.Generator) -> np.ndarray:
    """Hire by the matching function; return the hires per employer (int64).

    Parameters
    ----------
    employer : numpy.ndarray of intp
        Employer per household, updated in place for the hired.
    vacancies : numpy.ndarray of int64
        Open vacancies per employer, >= 0.
    n_unemployed : int
        Households with employer -1.
    efficiency : float
        mu of ``H = mu sqrt(U V)`` (1/tick).
    """
    v_total = int(vacancies.sum())
    if v_total == 0 or n_unemployed == 0 or efficiency <= 0:
        return np.zeros(vacancies.size, dtype=np.int64)
    h = min(efficiency * np.sqrt(float(n_unemployed) * v_total), n_unemployed, v_total)
    q = h / v_total
    hires = rng.binomial(vacancies, q)
    total = int(hires.sum())
    if total > n_unemployed:  # binomial overshoot at q near 1: trim the last firms' hires
        excess = np.cumsum(hires) - n_unemployed
        hires = np.where(excess > 0, np.maximum(hires - excess, 0), hires)
        total = int(hires.sum())
    if total == 0:
        return hires
    unemployed = np.zeros(vacancies.size + 1, dtype=bool)  # employers' entries, then -1's
    unemployed[-1] = True
    who = sample_with_status(employer, total, n_unemployed, unemployed, rng)
    hires_per = hires.copy()
    if who.size < total:  # fewer found than asked (tiny populations): hire those found
        hires_per = np.bincount(np.repeat(np.arange(hires.size), hires)[: who.size], minlength=hires.size)
    employer[who] = np.repeat(np.arange(hires.size, dtype=employer.dtype), hires_per)
    return hires_per
