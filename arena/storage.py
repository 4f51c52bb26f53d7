"""Run directories and batch datasets under ``data/``.

A **run directory** (``data/runs/<name>/``, written by :func:`arena.run`) holds::

    indicators.parquet   one row per tick, indexed by tick (columns in docs/model.md)
    events.parquet       tick, type, payload (JSON text); :func:`read_events` expands it
    config.toml          the run as a scenario file: ``arena run <dir>/config.toml`` repeats it
    metadata.json        versions, ticks, seed, wall time
    indicators.png       the main indicators (written by the runner)
    alerts.parquet       active and past alerts of the run (``model.alerts()``; docs/api.md, "Alerts")
    run.log              the run's log as JSON lines: start, progress, alerts, end (the runner)

A **batch dataset** (``data/batches/<name>/``, written by :func:`arena.run_batch`) is a
Parquet dataset partitioned by run, one directory per run::

    run_id=<id>/part-0.parquet   scenario, grid parameters, seed, tick, indicators
    run_id=<id>/_run.json        status ("ok" or "error"), parameters, seed, error, seconds
    run_id=<id>/_alerts.json     the run's alerts (list of ``model.alerts()`` records)
    _batch.log                   the batch's log as JSON lines: progress, alerts, failures

``pandas.read_parquet(<batch dir>)`` reads every run at once (the ``_``-prefixed files are
ignored by Parquet readers); :func:`read_batch` and :func:`read_batch_runs` read it the way
the batch runner does.
"""

from __future__ import annotations

import json
import os
import platform
import time
from pathlib import Path
from typing import Any, Iterable

import pandas as pd

RUN_FILES = ("indicators.parquet", "events.parquet", "config.toml", "metadata.json")
RUN_MARKER = "_run.json"
PART_FILE = "part-0.parquet"
ALERTS_FILE = "_alerts.json"


def _atomic_write_bytes(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _atomic_parquet(frame: pd.DataFrame, path: Path, index: bool) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    frame.to_parquet(tmp, index=index)
    os.replace(tmp, path)


def _jsonable(value: Any) -> Any:
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        return value.item()
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


# --------------------------------------------------------------------------- run directories ---
def events_to_frame(events: pd.DataFrame) -> pd.DataFrame:
    """Turn an event-log frame (tick, type, payload columns) into tick, type, payload-as-JSON.

    Payload keys differ between event types, so storing them as one JSON column keeps the
    Parquet schema fixed.
    """
    rows = []
    for record in events.to_dict("records"):
        tick, etype = record.pop("tick"), record.pop("type")
        payload = {k: _jsonable(v) for k, v in record.items() if not _is_missing(v)}
        rows.append((int(tick), str(etype), json.dumps(payload, sort_keys=True)))
    return pd.DataFrame({
        "tick": pd.Series([r[0] for r in rows], dtype="int64"),
        "type": pd.Series([r[1] for r in rows], dtype=object).astype(str),
        "payload": pd.Series([r[2] for r in rows], dtype=object).astype(str),
    })


def _is_missing(value: Any) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def write_run(out_dir: str | Path, indicators: pd.DataFrame, events: pd.DataFrame, config_toml: str,
              metadata: dict[str, Any], alerts: pd.DataFrame | None = None) -> Path:
    """Write a run directory (created if missing; existing run files are replaced).

    Parameters
    ----------
    out_dir : str or Path
        The run directory.
    indicators : DataFrame
        :meth:`ArenaModel.indicators` (indexed by tick).
    events : DataFrame
        :meth:`ArenaModel.events`.
    config_toml : str
        The run written as a scenario file (see :meth:`arena.scenarios.Scenario.to_toml`).
    metadata : dict
        JSON-serialisable facts about the run; versions and the write time are added.
    alerts : DataFrame, optional
        :meth:`ArenaModel.alerts`, written to ``alerts.parquet``.

    Returns
    -------
    Path
        The run directory.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    _atomic_parquet(indicators, out / "indicators.parquet", index=True)
    _atomic_parquet(events_to_frame(events), out / "events.parquet", index=False)
    _atomic_write_bytes(out / "config.toml", config_toml.encode())
    if alerts is not None:
        _atomic_parquet(alerts.astype({"subject": str, "message": str}), out / "alerts.parquet", index=False)
    meta = {**_jsonable(metadata), **versions(), "written": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    _atomic_write_bytes(out / "metadata.json", (json.dumps(meta, indent=2, sort_keys=True) + "\n").encode())
    return out


def read_indicators(run_dir: str | Path) -> pd.DataFrame:
    """Read a run directory's indicators (indexed by tick)."""
    return pd.read_parquet(Path(run_dir) / "indicators.parquet")


def read_events(run_dir: str | Path, expand: bool = True) -> pd.DataFrame:
    """Read a run directory's events; ``expand=True`` turns the JSON payload into columns."""
    frame = pd.read_parquet(Path(run_dir) / "events.parquet")
    if not expand or frame.empty:
        return frame
    payload = pd.DataFrame([json.loads(p) for p in frame["payload"]], index=frame.index)
    return pd.concat([frame[["tick", "type"]], payload], axis=1)


def read_alerts(run_dir: str | Path) -> pd.DataFrame:
    """Read a run directory's alerts (empty frame if the run wrote none)."""
    path = Path(run_dir) / "alerts.parquet"
    return pd.read_parquet(path) if path.exists() else pd.DataFrame()


def read_metadata(run_dir: str | Path) -> dict[str, Any]:
    """Read a run directory's metadata.json."""
    return json.loads((Path(run_dir) / "metadata.json").read_text())


def versions() -> dict[str, str]:
    """Versions of Python and of the packages that determine a run's numbers."""
    import mesa
    import numpy

    import arena

    return {"arena_version": arena.__version__, "mesa_version": mesa.__version__,
            "numpy_version": numpy.__version__, "pandas_version": pd.__version__,
            "python_version": platform.python_version()}


# --------------------------------------------------------------------------- batch datasets ----
def run_path(batch_dir: str | Path, run_id: str) -> Path:
    """Directory of one run inside a batch dataset."""
    return Path(batch_dir) / f"run_id={run_id}"


def run_status(batch_dir: str | Path, run_id: str) -> dict[str, Any] | None:
    """Return the run's ``_run.json`` record, or None if it is not (completely) on disk."""
    marker = run_path(batch_dir, run_id) / RUN_MARKER
    try:
        record = json.loads(marker.read_text())
    except (OSError, ValueError):
        return None
    if record.get("status") == "ok" and not (run_path(batch_dir, run_id) / PART_FILE).exists():
        return None
    return record


def write_batch_run(batch_dir: str | Path, run_id: str, record: dict[str, Any],
                    frame: pd.DataFrame | None, alerts: list[dict[str, Any]] | None = None) -> None:
    """Write one finished run of a batch: its rows (if it succeeded), its alerts, then its record.

    The record is written last, so a run killed while writing is simply not on disk.
    """
    path = run_path(batch_dir, run_id)
    path.mkdir(parents=True, exist_ok=True)
    (path / RUN_MARKER).unlink(missing_ok=True)
    if alerts is not None:
        text = json.dumps(_jsonable(alerts), indent=1, sort_keys=True) + "\n"
        _atomic_write_bytes(path / ALERTS_FILE, text.encode())
    if frame is not None:
        _atomic_parquet(frame, path / PART_FILE, index=False)
    else:
        (path / PART_FILE).unlink(missing_ok=True)
    text = json.dumps(_jsonable({"run_id": run_id, **record}), indent=2, sort_keys=True) + "\n"
    _atomic_write_bytes(path / RUN_MARKER, text.encode())


def read_batch_run(batch_dir: str | Path, run_id: str) -> pd.DataFrame:
    """Rows of one successful run of a batch, with its ``run_id`` as the second column."""
    frame = pd.read_parquet(run_path(batch_dir, run_id) / PART_FILE)
    frame.insert(1 if "scenario" in frame else 0, "run_id", run_id)
    return frame


def list_batch_runs(batch_dir: str | Path) -> list[str]:
    """Run ids of every run directory in a batch dataset (sorted)."""
    root = Path(batch_dir)
    if not root.is_dir():
        return []
    return sorted(p.name.partition("=")[2] for p in root.glob("run_id=*") if p.is_dir())


def read_batch_runs(batch_dir: str | Path, run_ids: Iterable[str] | None = None) -> pd.DataFrame:
    """One row per run of a batch: run_id, status, scenario, parameters, seed, ticks, seconds, error."""
    ids = list_batch_runs(batch_dir) if run_ids is None else list(run_ids)
    rows = []
    for run_id in ids:
        record = run_status(batch_dir, run_id)
        if record is None:
            continue
        row = {"run_id": run_id, "status": record.get("status"), "scenario": record.get("scenario"),
               **record.get("params", {}), "seed": record.get("seed"), "ticks": record.get("ticks"),
               "seconds": record.get("seconds"), "error": record.get("error")}
        rows.append(row)
    return pd.DataFrame(rows)


def read_batch(batch_dir: str | Path, run_ids: Iterable[str] | None = None) -> pd.DataFrame:
    """Rows of the successful runs of a batch (all runs, or ``run_ids`` in that order).

    Runs that are missing or failed are skipped; see :func:`read_batch_runs` for their status.
    """
    ids = list_batch_runs(batch_dir) if run_ids is None else list(run_ids)
    frames = [read_batch_run(batch_dir, r) for r in ids
              if (run_status(batch_dir, r) or {}).get("status") == "ok"]
    if not frames:
        return pd.DataFrame()
    return pd.concat(frames, ignore_index=True)
