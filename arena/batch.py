"""Batches: a scenario over a parameter grid × seeds, on local processes or a Dask cluster.

``run_batch("market_crash", grid={"herding_strength": [0.3, 0.6]}, seeds=[1, 2, 3])`` runs
every combination and returns one tidy DataFrame (scenario, grid parameters, seed, tick,
indicators). Each run is written to ``data/batches/<name>/run_id=<id>/`` as soon as it
finishes (see :mod:`arena.storage`); running the same batch again skips the runs already
on disk, so a batch killed halfway resumes where it stopped. A run that raises is recorded
with its error (``_run.json``, :func:`arena.storage.read_batch_runs`) and the others go on.

Backends: ``"processes"`` (default: a local process pool over all cores), ``"serial"`` (in
this process), or Dask distributed: a ``distributed.Client``, a cluster object such as
``LocalCluster``, a scheduler address ``"tcp://host:8786"`` or ``"dask"`` (a LocalCluster
made for the batch). Every backend runs the same function on the same seeds, so the numbers
are identical. Workers of a remote cluster need the same ``arena`` installed; results are
sent back and written by the process that called ``run_batch``.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import logging
import multiprocessing
import os
import shutil
import sys
import time
import traceback
import warnings
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from arena import indicators as ind
from arena import logs, storage
from arena.config import PARAMETERS
from arena.errors import ConfigError
from arena.experiment_plot import plot_bands  # noqa: F401  (public here: arena.batch.plot_bands)
from arena.scenarios import Scenario, load_scenario

ID_COLUMNS = ("scenario", "run_id", "seed", "tick")
log = logging.getLogger("arena.batch")


@dataclass(frozen=True)
class RunSpec:
    """One run of a batch: scenario, grid parameters, seed and length."""

    run_id: str
    scenario: Scenario
    params: dict[str, Any] = field(default_factory=dict)
    seed: int = 0
    ticks: int = 300
    #: Checkpoint directory and interval (ticks) of the run; None = no checkpoints.
    checkpoint_dir: str | None = None
    checkpoint_every: int | None = None

    def record(self) -> dict[str, Any]:
        """Return the run's identity as written to ``_run.json``."""
        return {"scenario": self.scenario.name, "params": self.params, "seed": self.seed, "ticks": self.ticks}


def param_column(name: str) -> str:
    """Column of a grid parameter: its name, or ``param_<name>`` if an indicator has that name."""
    return f"param_{name}" if name in ind.COLUMNS else name


def execute(spec: RunSpec) -> dict[str, Any]:
    """Run one batch run; never raises (errors are returned). Module-level so workers can import it."""
    start = time.perf_counter()
    try:
        overrides = {**spec.params, "seed": spec.seed}
        if spec.checkpoint_dir is not None:  # continues from the run's newest checkpoint, if any
            from arena import resume

            model = resume.simulate(spec.scenario, spec.ticks, spec.checkpoint_dir, spec.checkpoint_every,
                                    overrides)
        else:
            model = spec.scenario.simulate(spec.ticks, overrides)
        data = model.indicators().reset_index()
        head = {"scenario": spec.scenario.name}  # run_id is the partition key (directory name)
        head |= {param_column(k): v for k, v in spec.params.items()}
        head |= {"seed": spec.seed}
        front = pd.DataFrame({k: [v] * len(data) for k, v in head.items()})
        frame = pd.concat([front, data], axis=1)
        monitor = model.alert_monitor
        alerts = list(monitor.history) + monitor.active(model.tick)
        return {"status": "ok", "frame": frame, "seconds": time.perf_counter() - start, "alerts": alerts}
    except Exception as exc:  # a failing run must not sink the batch
        return {"status": "error", "frame": None, "seconds": time.perf_counter() - start,
                "error": f"{type(exc).__name__}: {exc}", "traceback": traceback.format_exc()}


def _check_name(name: str) -> None:
    if name == "seed":
        raise ConfigError("'seed' cannot be a grid parameter of a batch; pass seeds=[...] instead.")
    if name not in PARAMETERS:
        raise ConfigError(f"Unknown grid parameter {name!r}. Valid parameters are: " + ", ".join(PARAMETERS))


def _points(points: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Validate an explicit list of parameter points (same names in every point)."""
    out = [{k: (v.item() if hasattr(v, "item") else v) for k, v in dict(p).items()} for p in points]
    if not out:
        raise ConfigError("A batch's list of parameter points is empty.")
    names = list(out[0])
    for i, point in enumerate(out):
        if list(point) != names:
            raise ConfigError(f"Every parameter point must set the same parameters {names}. "
                              f"Got {list(point)} at point {i} instead.")
    for name in names:
        _check_name(name)
    return out


def expand(scenario: Scenario, grid: Mapping[str, Sequence[Any]] | Sequence[Mapping[str, Any]] | None,
           seeds: Iterable[int] | None, ticks: int | None) -> list[RunSpec]:
    """Every (grid combination, seed) as a RunSpec, validated before anything runs.

    ``grid`` is either a dict of value lists (every combination runs) or a list of explicit
    parameter points (dicts with the same keys; e.g. a calibration's or a Sobol' design).

    Raises
    ------
    ConfigError
        For an unknown grid parameter, an empty value list, a bad value or a bad seed.
    """
    if grid is not None and not isinstance(grid, Mapping):
        combos = _points(grid)
        grid = {}
    else:
        combos = None
    grid = dict(grid or {})
    for name, values in grid.items():
        _check_name(name)
        if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
            raise ConfigError(f"The values of grid parameter {name!r} must be a list. "
                              f"Got {values!r} instead.")
        grid[name] = [v.item() if hasattr(v, "item") else v for v in values]
        if not grid[name]:
            raise ConfigError(f"Grid parameter {name!r} has no values.")
    if seeds is None:
        if scenario.make_config().seed is None:
            raise ConfigError(f"Scenario {scenario.name!r} sets no seed; a batch needs reproducible runs: "
                              "pass seeds=[1, 2, ...] (arena batch --seeds 1-10).")
        seeds = [scenario.make_config().seed]
    seeds = [s.item() if hasattr(s, "item") else s for s in seeds]
    if not seeds:
        raise ConfigError("A batch needs at least one seed.")
    for s in seeds:
        if isinstance(s, bool) or not isinstance(s, int) or s < 0:
            raise ConfigError(f"Batch seeds must be ints >= 0 (reproducible runs). Got {s!r} instead.")
    ticks = scenario.ticks if ticks is None else int(ticks)
    if ticks < 1:
        raise ConfigError(f"A batch's ticks must be >= 1. Got {ticks} instead.")
    specs, seen = [], set()
    if combos is None:
        combos = [dict(zip(grid, combo, strict=True)) for combo in itertools.product(*grid.values())]
    for params in combos:
        for seed in seeds:
            config = scenario.make_config(**params, seed=seed)  # validates
            fingerprint = scenario.fingerprint(ticks, **params, seed=seed)
            run_id = f"{scenario.name}-{fingerprint[:16]}"
            if run_id not in seen:
                seen.add(run_id)
                specs.append(RunSpec(run_id, scenario, params, config.seed, ticks))
    return specs


# --------------------------------------------------------------------------- backends ---------
def _is_dask(backend: Any) -> bool:
    if isinstance(backend, str):
        return backend == "dask" or "://" in backend
    return backend is not None and type(backend).__module__.split(".")[0] in ("distributed", "dask_jobqueue",
                                                                              "dask_kubernetes", "dask")


def _dask_results(specs: list[RunSpec], backend: Any, workers: int):
    import distributed

    own_cluster = own_client = None
    if isinstance(backend, distributed.Client):
        client = backend
    elif isinstance(backend, str) and backend == "dask":
        own_cluster = distributed.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                               dashboard_address=None)
        client = own_client = distributed.Client(own_cluster)
    elif isinstance(backend, str):
        client = own_client = distributed.Client(backend)
    else:  # a cluster object (LocalCluster, SpecCluster, ...)
        client = own_client = distributed.Client(backend)
    try:
        futures = {client.submit(execute, spec, pure=False): spec for spec in specs}
        try:
            for future in distributed.as_completed(futures):
                spec = futures[future]
                try:
                    yield spec, future.result()
                except Exception as exc:  # worker lost, unpicklable result, ...
                    yield spec, {"status": "error", "frame": None, "seconds": None,
                                 "error": f"{type(exc).__name__}: {exc}", "traceback": traceback.format_exc()}
        finally:
            client.cancel(list(futures))
    finally:
        if own_client is not None:
            own_client.close()
        if own_cluster is not None:
            own_cluster.close()


def _process_results(specs: list[RunSpec], workers: int):
    context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(max_workers=max(1, min(workers, len(specs))), mp_context=context)
    try:
        futures = {pool.submit(execute, spec): spec for spec in specs}
        for future in as_completed(futures):
            spec = futures[future]
            try:
                yield spec, future.result()
            except Exception as exc:  # e.g. BrokenProcessPool when a worker is killed
                yield spec, {"status": "error", "frame": None, "seconds": None,
                             "error": f"{type(exc).__name__}: {exc}", "traceback": traceback.format_exc()}
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def run_batch(scenario: str | os.PathLike | Scenario,
              grid: Mapping[str, Sequence[Any]] | Sequence[Mapping[str, Any]] | None = None,
              seeds: Iterable[int] | None = None, ticks: int | None = None, backend: Any = "processes",
              out_dir: str | Path | None = None, *, workers: int | None = None, progress: bool = True,
              retry_failed: bool = True, checkpoint_every: int | None = None) -> pd.DataFrame:
    """Run a scenario over a parameter grid × seeds; return one tidy DataFrame.

    Parameters
    ----------
    scenario : str, Path or Scenario
        Scenario name, file or object.
    grid : dict of str to list, or list of dict, optional
        ArenaConfig parameter -> values; every combination runs (``{}`` = the scenario as is).
        Or a list of explicit points ``[{"p": 1.0, "q": 2}, ...]`` (same keys in each), which
        run as given (calibration and sensitivity designs).
    seeds : list of int, optional
        Seeds run for every combination; default the scenario's seed.
    ticks : int, optional
        Ticks per run; default the scenario's ``ticks``.
    backend : {"processes", "serial", "dask"}, str, Client or cluster, default "processes"
        Where runs execute (see the module docstring); a string containing ``://`` is a
        Dask scheduler address.
    out_dir : str or Path, optional
        Dataset directory; default ``data/batches/<scenario name>/``.
    workers : int, optional
        Local processes (and workers of a ``"dask"`` LocalCluster); default all cores.
    progress : bool, default True
        Show a progress bar over runs.
    retry_failed : bool, default True
        Run again the runs recorded as failed on disk (successful runs are always reused).
    checkpoint_every : int, optional
        Each run writes a checkpoint every so many ticks to ``<out_dir>/_checkpoints/<run_id>/``
        (:mod:`arena.resume`); a run interrupted halfway (batch killed, worker lost) continues
        from its newest checkpoint when the batch runs again, with identical results. The
        checkpoints of a run are deleted once its results are written. The workers must see
        ``out_dir`` (local processes, or a cluster on a shared filesystem).

    Returns
    -------
    DataFrame
        Columns ``scenario``, ``run_id``, the grid parameters (``param_<name>`` if the name
        is also an indicator column), ``seed``, ``tick`` and every indicator; rows of the
        successful runs in grid order, seed order, tick order. ``attrs["batch"]`` holds the
        directory and the counts of computed, reused and failed runs.
    """
    if not (backend in ("processes", "serial") or _is_dask(backend)):
        raise ValueError(f"Unknown batch backend {backend!r}: use 'processes', 'serial', 'dask', a Dask "
                         "scheduler address (tcp://...), a distributed.Client or a cluster object.")
    scenario = load_scenario(scenario)
    specs = expand(scenario, grid, seeds, ticks)
    out = Path(out_dir) if out_dir is not None else Path("data") / "batches" / scenario.name
    out.mkdir(parents=True, exist_ok=True)
    if checkpoint_every is not None:
        every = checkpoint_every
        if isinstance(every, bool) or not isinstance(every, int) or every < 1:
            raise ConfigError(f"checkpoint_every must be an int >= 1. Got {checkpoint_every!r} instead.")
        specs = [dataclasses.replace(s, checkpoint_dir=str((out / "_checkpoints" / s.run_id).resolve()),
                                     checkpoint_every=checkpoint_every) for s in specs]
    workers = workers or os.cpu_count() or 1
    dropped = len(scenario.shocks) - len(scenario.shocks_before(specs[0].ticks))
    if dropped:
        warnings.warn(f"{dropped} shock(s) of scenario {scenario.name!r} are scheduled at or after tick "
                      f"{specs[0].ticks} and do not happen in this batch", stacklevel=2)
    grid_meta = dict(grid or {}) if grid is None or isinstance(grid, Mapping) else [dict(p) for p in grid]
    meta = {"scenario": scenario.name, "scenario_file": scenario.path, "grid": grid_meta,
            "seeds": sorted({s.seed for s in specs}), "ticks": specs[0].ticks, **storage.versions()}
    (out / "_batch.json").write_text(json.dumps(storage._jsonable(meta), indent=2, sort_keys=True) + "\n")
    handler = logs.add_file_handler(out / "_batch.log", "INFO", "json")
    try:
        return _run_specs(scenario, specs, out, backend, workers, progress, retry_failed)
    finally:
        logs.remove(handler)


def _run_specs(scenario: Scenario, specs: list[RunSpec], out: Path, backend: Any, workers: int,
               progress: bool, retry_failed: bool) -> pd.DataFrame:
    """Run the specs not on disk yet, write each as it finishes, read the dataset back."""
    from tqdm.auto import tqdm

    todo = []
    for spec in specs:
        status = storage.run_status(out, spec.run_id)
        if status is None or (status.get("status") != "ok" and retry_failed):
            todo.append(spec)
    reused = len(specs) - len(todo)
    log.info("batch %s: %d runs, %d already on disk, %d to compute (backend %s)", scenario.name, len(specs),
             reused, len(todo), backend if isinstance(backend, str) else type(backend).__name__,
             extra={"scenario": scenario.name, "runs": len(specs), "reused": reused})
    bar = tqdm(total=len(specs), initial=reused, desc=f"batch {scenario.name}", unit="run",
               disable=not progress, file=sys.stderr, dynamic_ncols=True)
    if not todo:
        results: Iterable = ()
    elif backend == "serial" or (backend == "processes" and (workers == 1 or len(todo) == 1)):
        results = ((spec, execute(spec)) for spec in todo)
    elif backend == "processes":
        results = _process_results(todo, workers)
    else:
        results = _dask_results(todo, backend, workers)
    done = 0
    try:
        for spec, result in results:
            record = {**spec.record(), "status": result["status"], "seconds": result.get("seconds")}
            if result["status"] != "ok":
                record |= {"error": result.get("error"), "traceback": result.get("traceback")}
            storage.write_batch_run(out, spec.run_id, record, result.get("frame"), result.get("alerts"))
            if result["status"] == "ok" and spec.checkpoint_dir is not None:
                shutil.rmtree(spec.checkpoint_dir, ignore_errors=True)
            bar.update(1)
            done += 1
            if result["status"] != "ok":
                bar.write(f"run {spec.run_id} ({spec.params}, seed {spec.seed}) failed: "
                          f"{result.get('error')}")
                log.error("run %s (%s, seed %s) failed: %s", spec.run_id, spec.params, spec.seed,
                          result.get("error"), extra={"run_id": spec.run_id, "seed": spec.seed})
                continue
            alerts = result.get("alerts") or []
            names = sorted({a["alert"] + (f" ({a['subject']})" if a["subject"] else "") for a in alerts})
            log.info("run %d/%d done: %s (%s, seed %s) in %.1f s, %d alerts%s", done, len(todo), spec.run_id,
                     spec.params, spec.seed, result.get("seconds") or 0.0, len(alerts),
                     (": " + ", ".join(names)) if names else "",
                     extra={"run_id": spec.run_id, "seed": spec.seed, "alerts": len(alerts)})
    finally:
        bar.close()
    statuses = storage.read_batch_runs(out, [s.run_id for s in specs])
    failures = statuses[statuses["status"] != "ok"] if not statuses.empty else statuses
    if len(failures):
        warnings.warn(f"{len(failures)} of {len(specs)} runs of batch {out} failed; "
                      "see arena.storage.read_batch_runs(out_dir)", stacklevel=3)
    # read back from disk, in spec order (each file is in tick order): fresh and reused runs alike
    frame = storage.read_batch(out, [s.run_id for s in specs])
    frame.attrs["batch"] = {"out_dir": str(out), "runs": len(specs), "computed": len(todo),
                            "reused": reused, "failed": int(len(failures))}
    log.info("batch %s finished: %d runs (%d computed, %d reused, %d failed), %d rows in %s", scenario.name,
             len(specs), len(todo), reused, len(failures), len(frame), out,
             extra={"scenario": scenario.name, "runs": len(specs), "failed": int(len(failures))})
    return frame


# --------------------------------------------------------------------------- summaries --------
def id_columns(frame: pd.DataFrame) -> list[str]:
    """Columns that identify a run (scenario, run_id, grid parameters, seed): not tick or indicators."""
    return [c for c in frame.columns if c not in ind.COLUMNS and c != "tick"]


def param_columns(frame: pd.DataFrame) -> list[str]:
    """Return the grid-parameter columns of a batch frame."""
    return [c for c in id_columns(frame) if c not in ID_COLUMNS]


def summarize(frame: pd.DataFrame, ticks_per_year: int = 250) -> pd.DataFrame:
    """One row per run: peak inflation, max drawdown, volatility, final Gini, ...

    Parameters
    ----------
    frame : DataFrame
        A batch frame (:func:`run_batch` or :func:`arena.storage.read_batch`).
    ticks_per_year : int, default 250
        Annualises the equity volatility.
    """
    keys = id_columns(frame)
    rows = []
    for key, run in frame.sort_values("tick").groupby(keys, sort=False, dropna=False):
        price = run["price_equity"].to_numpy(dtype=float)
        returns = np.diff(np.log(price))
        row = dict(zip(keys, key if isinstance(key, tuple) else (key,), strict=True))
        row |= {
            "ticks": int(run["tick"].max()),
            "peak_inflation": float(run["inflation"].max()),
            "min_inflation": float(run["inflation"].min()),
            "final_cpi": float(run["cpi"].iloc[-1]),
            "max_drawdown_equity": ind.max_drawdown(price),
            "equity_return": float(price[-1] / price[0] - 1.0),
            "volatility_equity": ind.realized_volatility(returns) * np.sqrt(ticks_per_year),
            "peak_policy_rate": float(run["policy_rate"].max()),
            "peak_unemployment": float(run["unemployment"].max()),
            "final_unemployment": float(run["unemployment"].iloc[-1]),
            "peak_fear": float(run["fear"].max()),
            "peak_greed": float(run["greed"].max()),
            "final_gini": float(run["gini"].iloc[-1]),
            "peak_price_oil": float(run["price_oil"].max() / run["price_oil"].iloc[0]),
            "tightening_ticks": int((run["tightening"] > 0).sum()),
            "qe_ticks": int((run["qe"] > 0).sum()),
        }
        rows.append(row)
    return pd.DataFrame(rows)


def bands(frame: pd.DataFrame, indicator: str, quantiles: tuple[float, float] = (0.1, 0.9)) -> pd.DataFrame:
    """Median and quantiles of ``indicator`` across seeds, per parameter combination and tick."""
    by = param_columns(frame) + ["tick"]
    if "scenario" in frame and frame["scenario"].nunique() > 1:
        by = ["scenario"] + by
    grouped = frame.groupby(by, sort=True)[indicator]
    out = grouped.quantile([quantiles[0], 0.5, quantiles[1]]).unstack()
    out.columns = ["low", "median", "high"]
    return out.reset_index()
