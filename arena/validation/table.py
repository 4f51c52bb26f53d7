"""The stylized-facts table: model (median and range across seeds) against real data."""

from __future__ import annotations

from typing import Iterable, Sequence

import numpy as np
import pandas as pd

from arena.validation import facts as F
from arena.validation import reference, stats
from arena.validation.finance import finance_statistics
from arena.validation.macro import NEEDS, SOURCES, firm_size_skewness, macro_statistics, to_quarters

#: Columns of the table, in order.
TABLE_COLUMNS = ("group", "fact", "label", "model", "model_min", "model_max", "n_seeds", "seeds_in_range",
                 "data", "low", "high", "out_of_sample", "rule", "status", "passed", "source",
                 "data_source", "note")


def split_runs(frames: pd.DataFrame | Sequence[pd.DataFrame]) -> list[pd.DataFrame]:
    """One indicator frame per run, in tick order.

    Accepts one run's frame, a list of frames, or a batch frame (:func:`arena.run_batch`), which
    is split by ``run_id`` (or ``seed``).
    """
    if isinstance(frames, pd.DataFrame):
        frames = [frames]
    runs: list[pd.DataFrame] = []
    for frame in frames:
        if not isinstance(frame, pd.DataFrame):
            raise TypeError(f"Expected indicator DataFrames. Got {type(frame).__name__} instead.")
        if "tick" not in frame and frame.index.name == "tick":
            frame = frame.reset_index()
        key = next((k for k in ("run_id", "seed") if k in frame and frame[k].nunique() > 1), None)
        parts = [g for _, g in frame.groupby(key, sort=False)] if key else [frame]
        runs += [p.sort_values("tick") if "tick" in p else p for p in parts]
    if not runs:
        raise ValueError("No runs given: pass at least one indicator frame.")
    return runs


def drop_burn_in(run: pd.DataFrame, burn_in: int) -> pd.DataFrame:
    """Rows of one run after tick ``burn_in`` (by the ``tick`` column, else by position)."""
    if burn_in <= 0:
        return run
    ticks = run["tick"].to_numpy() if "tick" in run else np.arange(1, len(run) + 1)
    return run.loc[ticks > burn_in]


def _rows(keys: Iterable[F.Fact], per_run: list[dict], ref: pd.DataFrame | None,
          missing: dict[str, str], notes: dict[str, str]) -> list[dict]:
    rows = []
    for fact in keys:
        values = np.array([r.get(fact.key, np.nan) for r in per_run], dtype=float)
        finite = values[np.isfinite(values)]
        row = {"group": fact.group, "fact": fact.key, "label": fact.label, "rule": fact.rule,
               "source": fact.source, "data_source": fact.data_source, "note": notes.get(fact.key, ""),
               "n_seeds": int(finite.size)}
        if fact.rule == "data" and ref is not None and fact.key in ref.index:
            r = ref.loc[fact.key]
            row |= {"data": r["data"], "low": min(r["low"], r["data"]), "high": max(r["high"], r["data"]),
                    "out_of_sample": r["out_of_sample"]}
            inside = lambda v, lo=row["low"], hi=row["high"]: (v >= lo) & (v <= hi)  # noqa: E731
        else:
            row |= {"data": np.nan, "low": fact.low, "high": fact.high, "out_of_sample": np.nan}
            inside = lambda v, lo=fact.low, hi=fact.high: (v > lo) & (v < hi)  # noqa: E731
        if fact.key in missing:
            row |= {"status": f"not available ({missing[fact.key]})", "passed": pd.NA}
        elif not finite.size:
            row |= {"status": "not available (not measurable on this sample)", "passed": pd.NA}
        else:
            median = float(np.median(finite))
            ok = bool(inside(median))
            row |= {"model": median, "model_min": float(finite.min()), "model_max": float(finite.max()),
                    "seeds_in_range": float(np.mean(inside(finite))), "passed": ok,
                    "status": "pass" if ok else "fail"}
        rows.append(row)
    return rows


def _frame(rows: list[dict]) -> pd.DataFrame:
    table = pd.DataFrame(rows).reindex(columns=list(TABLE_COLUMNS))
    table["passed"] = table["passed"].astype("boolean")
    return table


def finance_facts(frame_or_frames, *, ticks_per_year: int = 250, burn_in: int = 0,
                  column: str = "price_equity") -> pd.DataFrame:
    """Finance stylized facts (Cont 2001) of the equity price, model against NASDAQ data.

    Parameters
    ----------
    frame_or_frames : DataFrame or list of DataFrame
        Indicator frames of one or several runs (seeds); a batch frame is split by run.
    ticks_per_year : int, default 250
        Ticks per year of the runs (annualises the volatility).
    burn_in : int, default 0
        Ticks dropped at the start of every run.
    column : str, default "price_equity"
        The price column.

    Returns
    -------
    DataFrame
        One row per fact, columns :data:`TABLE_COLUMNS`.
    """
    runs = [drop_burn_in(r, burn_in) for r in split_runs(frame_or_frames)]
    missing: dict[str, str] = {}
    per_run: list[dict] = []
    if any(column not in r for r in runs):
        missing = {f.key: f"column {column} missing" for f in F.FINANCE}
        lengths = [0]
    else:
        series = [stats.log_returns(r[column].to_numpy(float)) for r in runs]
        per_run = [finance_statistics(s, ticks_per_year) for s in series]
        lengths = [s.size for s in series]
    ref = reference.finance_reference(int(np.median(lengths)) or None)
    return _frame(_rows(F.FINANCE, per_run, ref, missing, {}))


def macro_facts(frame_or_frames, *, ticks_per_year: int = 250, burn_in: int = 0, firms=None,
                filter: str = "hp") -> pd.DataFrame:
    """Macro stylized facts (Stock & Watson 1999; Fagiolo et al. 2019), quarterly, against US data.

    Parameters
    ----------
    frame_or_frames : DataFrame or list of DataFrame
        Indicator frames of one or several runs (seeds).
    ticks_per_year : int, default 250
        A quarter is ``ticks_per_year / 4`` ticks.
    burn_in : int, default 0
        Ticks dropped at the start of every run.
    firms : DataFrame or list of DataFrame, optional
        ``model.firms_frame()`` of one or several runs, for the firm-size skewness.
    filter : {"hp", "bk"}, default "hp"
        Business-cycle filter of log real GDP, consumption and investment.

    Returns
    -------
    DataFrame
        One row per fact; a fact whose indicator column is missing is reported as
        ``"not available (column X missing)"``, never dropped.
    """
    runs = split_runs(frame_or_frames)
    per_run, used, lengths = [], {}, []
    for run in runs:
        quarters, used = to_quarters(run, ticks_per_year, burn_in)
        per_run.append(macro_statistics(quarters, filter))
        lengths.append(len(quarters))
    missing, notes = {}, {}
    for key, needs in NEEDS.items():
        absent = [SOURCES[n][0] for n in needs if used.get(n) is None]
        if absent:
            missing[key] = "column " + ", ".join(absent) + " missing"
        fallback = [f"{n}={used[n]}" for n in needs if used.get(n) not in (None, SOURCES[n][0])]
        if fallback and not absent:
            notes[key] = "uses " + ", ".join(fallback)
    if firms is None:
        missing["firm_size_skewness"] = "no firm-level data: pass firms=model.firms_frame()"
    else:
        firm_frames = [firms] if isinstance(firms, pd.DataFrame) else list(firms)
        measured = [firm_size_skewness(f) for f in firm_frames]
        for i, (value, _) in enumerate(measured):
            if i < len(per_run):
                per_run[i]["firm_size_skewness"] = value
            else:
                per_run.append({"firm_size_skewness": value})
        columns = {c for _, c in measured if c}
        if not columns:
            missing["firm_size_skewness"] = "firms frame has none of the size columns"
        else:
            notes["firm_size_skewness"] = "size = " + ", ".join(sorted(columns))
    ref = reference.macro_reference(int(np.median(lengths)) or None, filter)
    return _frame(_rows(F.MACRO, per_run, ref, missing, notes))


def stylized_facts(frame_or_frames, *, ticks_per_year: int = 250, burn_in: int = 0, firms=None,
                   filter: str = "hp", groups: Sequence[str] = ("finance", "macro")) -> pd.DataFrame:
    """Measure the stylized-facts table: finance and macro facts, model median and range vs real data.

    Parameters
    ----------
    frame_or_frames : DataFrame or list of DataFrame
        Indicator frames of one or several runs (a batch frame is split by run).
    ticks_per_year, burn_in, firms, filter
        See :func:`finance_facts` and :func:`macro_facts`.
    groups : sequence of {"finance", "macro"}
        Which facts to measure.

    Returns
    -------
    DataFrame
        One row per fact with the columns :data:`TABLE_COLUMNS`: the model's median, min and
        max across seeds, the share of seeds inside the range, the real-data value, the
        acceptable range (``low``, ``high``) and how it was set (``rule``), ``status``
        (``"pass"``, ``"fail"`` or ``"not available (...)"``), the literature source and the
        data set.
    """
    unknown = set(groups) - {"finance", "macro"}
    if unknown:
        raise ValueError("The 'groups' parameter must contain 'finance' and/or 'macro'. "
                         f"Got {sorted(unknown)} instead.")
    parts = []
    if "finance" in groups:
        parts.append(finance_facts(frame_or_frames, ticks_per_year=ticks_per_year, burn_in=burn_in))
    if "macro" in groups:
        parts.append(macro_facts(frame_or_frames, ticks_per_year=ticks_per_year, burn_in=burn_in,
                                 firms=firms, filter=filter))
    return pd.concat(parts, ignore_index=True)
