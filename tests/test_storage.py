"""Run directories and batch datasets: what is written can be read back unchanged."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from arena import storage


def sample_indicators(n: int = 5) -> pd.DataFrame:
    return pd.DataFrame({"price_equity": np.linspace(100, 110, n), "cpi": np.full(n, 100.0)},
                        index=pd.Index(np.arange(1, n + 1), name="tick"))


def sample_events() -> pd.DataFrame:
    return pd.DataFrame([{"tick": 3, "type": "shock", "kind": "panic", "size": 0.8},
                         {"tick": 4, "type": "discovery_event", "resource": "oil", "added": np.float64(2.5)}])


def test_run_directory_round_trip(tmp_path):
    out = storage.write_run(tmp_path / "run", sample_indicators(), sample_events(), 'name = "x"\nticks = 5\n',
                            {"seed": np.int64(3), "ticks": 5})
    assert sorted(p.name for p in out.iterdir()) == sorted(storage.RUN_FILES)
    pd.testing.assert_frame_equal(storage.read_indicators(out), sample_indicators())
    events = storage.read_events(out)
    assert events["type"].tolist() == ["shock", "discovery_event"]
    assert events.loc[0, "kind"] == "panic" and events.loc[1, "added"] == 2.5
    assert pd.isna(events.loc[0, "resource"])  # payload keys differ by event type
    raw = storage.read_events(out, expand=False)
    assert list(raw.columns) == ["tick", "type", "payload"]
    assert json.loads(raw.loc[0, "payload"]) == {"kind": "panic", "size": 0.8}
    meta = storage.read_metadata(out)
    assert meta["seed"] == 3 and meta["mesa_version"] and meta["arena_version"]
    assert not list(out.glob(".*tmp"))  # atomic writes leave no temporaries


def test_empty_event_log_is_written(tmp_path):
    empty = pd.DataFrame({"tick": pd.Series(dtype="int64"), "type": pd.Series(dtype="object")})
    out = storage.write_run(tmp_path / "run", sample_indicators(), empty, "", {})
    assert storage.read_events(out).empty


def test_batch_runs_written_record_last_and_read_back(tmp_path):
    frame = pd.DataFrame({"scenario": ["s"] * 3, "n_agents": [10] * 3, "seed": [1] * 3, "tick": [1, 2, 3],
                          "cpi": [100.0, 101.0, 102.0]})
    storage.write_batch_run(tmp_path, "a", {"status": "ok", "params": {"n_agents": 10}, "seed": 1}, frame)
    storage.write_batch_run(tmp_path, "b", {"status": "error", "params": {"n_agents": 20}, "seed": 1,
                                            "error": "RuntimeError: boom"}, None)
    assert storage.list_batch_runs(tmp_path) == ["a", "b"]
    assert storage.run_status(tmp_path, "a")["status"] == "ok"
    assert storage.run_status(tmp_path, "missing") is None
    back = storage.read_batch(tmp_path)
    assert back.columns[:2].tolist() == ["scenario", "run_id"] and (back["run_id"] == "a").all()
    pd.testing.assert_frame_equal(back.drop(columns="run_id"), frame)
    runs = storage.read_batch_runs(tmp_path).set_index("run_id")
    assert runs.loc["b", "status"] == "error" and "boom" in runs.loc["b", "error"]
    # the whole directory is a Parquet dataset partitioned by run_id (failed runs have no rows)
    dataset = pd.read_parquet(tmp_path)
    assert len(dataset) == 3 and set(dataset["run_id"].astype(str)) == {"a"}


def test_a_run_without_its_record_is_not_on_disk(tmp_path):
    frame = pd.DataFrame({"tick": [1], "cpi": [100.0]})
    storage.write_batch_run(tmp_path, "a", {"status": "ok"}, frame)
    (storage.run_path(tmp_path, "a") / storage.RUN_MARKER).unlink()  # killed between the two writes
    assert storage.run_status(tmp_path, "a") is None
    storage.write_batch_run(tmp_path, "c", {"status": "ok"}, frame)
    (storage.run_path(tmp_path, "c") / storage.PART_FILE).unlink()  # data lost: not done either
    assert storage.run_status(tmp_path, "c") is None
    assert storage.read_batch(tmp_path).empty
