"""Run the seeds of a scenario through :func:`arena.run_batch` and write the validation report.

``validate("baseline", seeds=range(1, 11), ticks=2500)`` runs every seed (on local processes or
a Dask cluster), measures :func:`~arena.validation.stylized_facts` and writes to ``out_dir``::

    facts.parquet        the table (one row per fact)
    facts.md             the same as a Markdown table
    returns.png          return distribution vs NASDAQ and the normal
    abs_acf.png          autocorrelation of |r| at lags 1-100 vs NASDAQ and S&P 500
    macro_curves.png     Okun, price and wage Phillips, Beveridge: model vs US quarters
    metadata.json        scenario, seeds, ticks, agents, burn-in, commit, package versions
    batch/               the runs (a batch dataset, :mod:`arena.storage`)
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any, Iterable

import pandas as pd

#: Defaults of ``arena validate``: ten years of daily ticks after a one-year burn-in.
DEFAULT_TICKS = 2500
DEFAULT_BURN_IN = 250


def git_commit(path: str | Path | None = None) -> str | None:
    """Commit of the source tree that holds ``arena``, or None.

    ``+dirty`` is appended when files under ``arena/`` (the code that makes the numbers) differ
    from the commit; changes elsewhere (docs, tests) do not count.
    """
    root = Path(path) if path else Path(__file__).resolve().parents[2]
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True,
                              text=True, timeout=10, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--", "arena"],
                               cwd=root, capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return head + ("+dirty" if dirty else "")


def firms_frames(scenario, seeds: Iterable[int], ticks: int,
                 overrides: dict[str, Any]) -> list[pd.DataFrame] | None:
    """``model.firms_frame()`` at the end of a run per seed, or None if the model has no firm table."""
    from arena.model import ArenaModel
    from arena.scenarios import load_scenario

    if not hasattr(ArenaModel, "firms_frame"):
        return None
    scenario = load_scenario(scenario)
    return [scenario.simulate(ticks, {**overrides, "seed": s}).firms_frame() for s in seeds]


def validate(scenario: str = "baseline", seeds: Iterable[int] = range(1, 6), ticks: int = DEFAULT_TICKS,
             n_agents: int | None = None, burn_in: int = DEFAULT_BURN_IN, out_dir: str | Path | None = None,
             backend: Any = "processes", workers: int | None = None, filter: str = "hp",
             firm_seeds: int = 1, progress: bool = True) -> pd.DataFrame:
    """Run ``seeds`` of ``scenario``, measure the stylized facts, write the report to ``out_dir``.

    Parameters
    ----------
    scenario : str or Path
        Scenario name or file.
    seeds : iterable of int, default 1-5
        Seeds (one run each).
    ticks : int, default 2500
        Ticks per run (10 years of 250 trading days).
    n_agents : int, optional
        Households per run; default the scenario's.
    burn_in : int, default 250
        Ticks dropped at the start of each run before measuring.
    out_dir : str or Path, optional
        Report directory; default ``data/validation/<scenario>``.
    backend, workers
        Passed to :func:`arena.run_batch`.
    filter : {"hp", "bk"}
        Business-cycle filter of the macro facts.
    firm_seeds : int, default 1
        Seeds re-run in this process to read ``model.firms_frame()`` (run_batch returns
        indicators only); 0 skips the firm-size fact.
    progress : bool
        Show progress bars.

    Returns
    -------
    DataFrame
        The facts table (:data:`arena.validation.TABLE_COLUMNS`).
    """
    from arena.batch import run_batch
    from arena.scenarios import load_scenario
    from arena.storage import versions
    from arena.validation import plots, report
    from arena.validation.table import stylized_facts

    scen = load_scenario(scenario)
    seeds = list(seeds)
    out = Path(out_dir) if out_dir is not None else Path("data") / "validation" / scen.name
    out.mkdir(parents=True, exist_ok=True)
    grid = {"n_agents": [n_agents]} if n_agents is not None else {}
    frame = run_batch(scen, grid=grid, seeds=seeds, ticks=ticks, backend=backend, out_dir=out / "batch",
                      workers=workers, progress=progress)
    overrides = {"n_agents": n_agents} if n_agents is not None else {}
    per_year = scen.make_config(**overrides).ticks_per_year
    firms = firms_frames(scen, seeds[:firm_seeds], ticks, overrides) if firm_seeds > 0 else None
    table = stylized_facts(frame, ticks_per_year=per_year, burn_in=burn_in, firms=firms, filter=filter)
    table.to_parquet(out / "facts.parquet", index=False)
    (out / "facts.md").write_text(f"# Stylized facts: {scen.name}\n\n{report.summary(table)}\n\n"
                                  + report.markdown_table(table))
    plots.plot_return_distribution(frame, burn_in, path=out / "returns.png")
    plots.plot_abs_acf(frame, burn_in, path=out / "abs_acf.png")
    plots.plot_macro_curves(frame, per_year, burn_in, path=out / "macro_curves.png")
    meta = {"scenario": scen.name, "seeds": seeds, "ticks": ticks,
            "n_agents": n_agents or scen.make_config().n_agents,
            "burn_in": burn_in, "filter": filter, "commit": git_commit(), "summary": report.summary(table),
            **versions()}
    (out / "metadata.json").write_text(json.dumps(meta, indent=2) + "\n")
    table.attrs["out_dir"] = str(out)
    return table
