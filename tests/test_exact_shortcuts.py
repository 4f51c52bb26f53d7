"""Shortcuts of the tick (compiled loan-book sums, labour draws, means) match numpy, bit for bit.

As tests/test_market_kernels.py: the numpy code the engine ran before each kernel is the
reference, compared on every bit (so -0.0 differs from 0.0) on random books with edge values:
zero, negative zero, tiny and huge principals, rows of every width from 2 to 128 banks
(numpy's row sum changes algorithm at 8 and 128 columns), and firms that cannot pay.
"""

import numpy as np
import pytest

from arena.markets import credit, labour
from arena.markets import kernels as market_kernels


def bits_equal(a: np.ndarray, b: np.ndarray) -> bool:
    """Same dtype, shape and bytes."""
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def random_book(rng: np.random.Generator, f: int, b: int) -> credit.LoanBook:
    """A loan book with principals over 12 orders of magnitude, zeros, -0.0 and empty rows."""
    book = credit.LoanBook(f, b)
    p = rng.standard_exponential((f, b)) * 10.0 ** rng.uniform(-6, 6, (f, b))
    p[rng.random((f, b)) < 0.3] = 0.0
    p[rng.random((f, b)) < 0.05] = -0.0
    p[: max(f // 10, 1)] = 0.0  # firms without debt
    if f > 2:
        p[1] = -0.0  # a row of negative zeros: numpy's sum gives +0.0
    book.principal = p
    book.spread = rng.uniform(0.0, 0.1, (f, b))
    book.reprice(0.03, 12)
    return book


WIDTHS = [2, 3, 7, 8, 9, 10, 15, 16, 17, 31, 64, 100, 127, 128]


@pytest.mark.parametrize("b", WIDTHS)
@pytest.mark.parametrize("f", [1, 2, 37, 1207])
def test_book_sums_match_numpy(f, b):
    rng = np.random.default_rng(f * 1000 + b)
    book = random_book(rng, f, b)
    assert book.compiled()
    assert bits_equal(book.debt(), book.principal.sum(axis=1))
    assert bits_equal(book.bank_loans(), book.principal.sum(axis=0))
    due = (book.principal * (book.tick_rate + 1.0 / 60)).sum(axis=1)
    assert bits_equal(credit.service_due(book, 60), due)


@pytest.mark.parametrize("b", WIDTHS)
def test_service_debt_matches_the_numpy_chain(b):
    rng = np.random.default_rng(b)
    f = 500
    book = random_book(rng, f, b)
    due = credit.service_due(book, 40)
    # deposits around what is due: some firms short by a hair, some exactly at it, some flush
    deposits = due * rng.choice([0.0, 0.5, 1.0 - 1e-15, 1.0, 2.0], f)
    deposits[rng.random(f) < 0.05] = -0.0
    ref_book = random_book(np.random.default_rng(b), f, b)
    ref_deposits = deposits.copy()
    got = credit.service_debt(book, deposits, 40)
    want = credit.service_debt_numpy(ref_book, ref_deposits, 40)
    assert want.unable.any() and (~want.unable).any()
    for name in ("interest_by_bank", "repaid_by_bank", "paid", "interest", "unable"):
        assert bits_equal(getattr(got, name), getattr(want, name)), name
    assert bits_equal(book.principal, ref_book.principal)
    assert bits_equal(deposits, ref_deposits)


def test_wide_or_narrow_books_fall_back_to_numpy():
    rng = np.random.default_rng(3)
    for b in (1, 129, 300):
        book = random_book(rng, 50, b)
        assert not book.compiled()
        assert bits_equal(book.debt(), book.principal.sum(axis=1))
        assert bits_equal(book.bank_loans(), book.principal.sum(axis=0))


def numpy_first_drawn(candidates: np.ndarray) -> np.ndarray:
    """The numpy code before the kernel: first occurrences, in the order drawn."""
    _, first = np.unique(candidates, return_index=True)
    return candidates[np.sort(first)]


@pytest.mark.parametrize("size", [0, 1, 5, 1000, 50_000])
def test_first_drawn_matches_unique_first_occurrences(size):
    rng = np.random.default_rng(size)
    n = max(size // 3, 1)  # many repeats
    candidates = rng.integers(0, n, size=size)
    assert bits_equal(market_kernels.first_drawn(candidates, n), numpy_first_drawn(candidates))


def test_sample_with_status_draws_distinct_wanted_households():
    rng = np.random.default_rng(8)
    employer = rng.integers(-1, 20, size=20_000)
    got = labour.sample_with_status(employer, 300, int((employer == 3).sum()), lambda e: e == 3, rng)
    assert got.size == 300 and np.unique(got).size == 300 and (employer[got] == 3).all()


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64])
def test_mean_of_living_is_numpys_mean(dtype):
    from arena.sectors.firms import mean_of_living

    rng = np.random.default_rng(11)
    for n in (1, 7, 200, 1000, 1001):
        values = (rng.lognormal(0.0, 2.0, n) * 100).astype(dtype)
        for alive in (np.ones(n, bool), rng.random(n) < 0.7, np.zeros(n, bool)):
            want = float(values[alive].mean()) if alive.any() else float(values.mean())
            got = mean_of_living(values, alive)
            assert np.float64(got).tobytes() == np.float64(want).tobytes()


def test_clip_float_is_numpys_clip():
    from arena.scalars import clip_float

    edge = [0.0, -0.0, 1e-300, -1e-300, 0.5, -0.5, 1.0, -1.0, 2.0, 5.0, -5.0, 1e300, -1e300,
            np.inf, -np.inf, np.nan]
    bounds = [(-1.0, 1.0), (0.0, 1.0), (-0.0, 0.0), (0.0, -0.0), (0.5, 1.5), (2.0, 1.0), (-np.inf, np.inf),
              (np.nan, 1.0), (0.0, np.nan), (0, 1)]
    rng = np.random.default_rng(5)
    values = edge + list(rng.standard_normal(200) * 3)
    for x in values:
        for lo, hi in bounds:
            for arg in (float(x), np.float64(x)):
                want = np.float64(np.clip(arg, lo, hi))
                got = np.float64(clip_float(arg, lo, hi))
                assert got.tobytes() == want.tobytes(), (x, lo, hi)
    # float32 and integers keep numpy's own rules (and types)
    assert clip_float(np.float32(0.1), 0.2, 1.0) == float(np.clip(np.float32(0.1), 0.2, 1.0))
    assert clip_float(7, 0.0, 5.0) == 5.0


@pytest.mark.parametrize("case", ["unemployed", "firing", "dense"])
def test_sample_with_status_table_equals_the_callable(case):
    # the same draws from the same generator: the table's compiled pass keeps the same households
    n, firms = 30_000, 40
    employer = np.random.default_rng(1).integers(-1, firms, size=n)
    if case == "unemployed":
        table = np.zeros(firms + 1, dtype=bool)
        table[-1] = True
        k, available = 500, int((employer < 0).sum())
    else:
        table = np.append(np.random.default_rng(2).random(firms) < 0.3, False)
        available = int(table[employer].sum())
        k = available if case == "dense" else 300  # dense: more draws than n / 4, a choice of the pool
    got = labour.sample_with_status(employer, k, available, table, np.random.default_rng(9))
    want = labour.sample_with_status(employer, k, available, lambda e: np.take(table, e),
                                     np.random.default_rng(9))
    assert bits_equal(got, want) and got.size == min(k, available)


def test_first_wanted_matches_the_numpy_chain():
    rng = np.random.default_rng(21)
    n, firms = 5_000, 12
    employer = rng.integers(-1, firms, size=n)
    table = np.append(rng.random(firms) < 0.5, True)
    found = np.empty(0, dtype=np.intp)
    for _ in range(4):  # later rounds start from what earlier rounds found
        draws = rng.integers(0, n, size=700)
        want = numpy_first_drawn(np.concatenate([found, draws[np.take(table, employer[draws])]]))
        got = market_kernels.first_wanted(found, draws, employer, table, n)
        assert bits_equal(got, want)
        found = got
    assert found.size > 700


def test_indicator_recording_stores_what_mesa_collect_stores():
    # arena.indicators.collect writes into the DataCollector's history directly (no per-reporter
    # deep copy); a second collector fed by Mesa's own collect() must hold the same values, of the
    # same types, in the same columns, or a Mesa upgrade changed what the shortcut relies on.
    import mesa
    import pandas as pd

    from arena import ArenaModel, indicators

    model = ArenaModel(n_agents=2000, seed=5)
    reference = mesa.DataCollector(model_reporters=indicators.reporters())
    for _ in range(5):
        model.step()
        reference.collect(model)
    got = model.datacollector.get_model_vars_dataframe()
    want = reference.get_model_vars_dataframe()
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    for name in indicators.COLUMNS:
        assert [type(v) for v in model.datacollector.model_vars[name]] == \
            [type(v) for v in reference.model_vars[name]], name
