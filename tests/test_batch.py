"""Batches: same numbers on every backend, resumable after a kill, failures recorded, summaries."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass

import mesa
import numpy as np
import pandas as pd
import pytest

import arena
from arena import storage
from arena.batch import bands, expand, param_columns, plot_bands, summarize
from arena.errors import ConfigError
from arena.model import ArenaModel
from arena.scenarios import Scenario, load_scenario

GRID = {"n_agents": [1_500, 2_500]}
SEEDS = [1, 2, 3]
TICKS = 40


def normalise(frame: pd.DataFrame) -> pd.DataFrame:
    keys = [c for c in ("seed", "n_agents", "tick", "step") if c in frame]
    return frame.sort_values(keys).reset_index(drop=True).sort_index(axis=1)


@dataclass(frozen=True)
class FailingScenario(Scenario):
    """A scenario whose runs with ``fail_seed`` raise (module level, so process workers can unpickle it)."""

    fail_seed: int = 2

    def simulate(self, ticks=None, overrides=None, **kwargs):
        if (overrides or {}).get("seed") == self.fail_seed:
            raise RuntimeError(f"scenario exploded for seed {self.fail_seed}")
        return super().simulate(ticks, overrides, **kwargs)


@pytest.fixture(scope="module")
def serial_batch(tmp_path_factory):
    out = tmp_path_factory.mktemp("serial")
    return arena.run_batch("baseline", grid=GRID, seeds=SEEDS, ticks=TICKS, backend="serial", out_dir=out,
                           progress=False)


def test_tidy_frame(serial_batch):
    df = serial_batch
    assert df.columns[:5].tolist() == ["scenario", "run_id", "n_agents", "seed", "tick"]
    assert len(df) == 2 * 3 * TICKS and df["run_id"].nunique() == 6
    assert df.groupby(["n_agents", "seed"]).size().eq(TICKS).all()
    assert {"price_equity", "inflation", "gini", "fear"} <= set(df.columns)
    assert df["n_agents"].dtype == np.int64 and df["seed"].dtype == np.int64
    assert df.attrs["batch"]["computed"] == 6 and df.attrs["batch"]["failed"] == 0
    # grid order, then seed order, then tick order
    firsts = df.drop_duplicates("run_id")[["n_agents", "seed"]].values.tolist()
    assert firsts == [[n, s] for n in GRID["n_agents"] for s in SEEDS]


def test_batch_run_equals_a_single_run(serial_batch):
    model = load_scenario("baseline").simulate(TICKS, {"n_agents": 2_500, "seed": 3})
    expected = model.indicators().reset_index()
    got = serial_batch.query("n_agents == 2500 and seed == 3").reset_index(drop=True)
    pd.testing.assert_frame_equal(got[expected.columns], expected)


def test_process_backend_identical(serial_batch, tmp_path):
    df = arena.run_batch("baseline", grid=GRID, seeds=SEEDS, ticks=TICKS, backend="processes", workers=2,
                         out_dir=tmp_path, progress=False)
    pd.testing.assert_frame_equal(normalise(df), normalise(serial_batch))


@pytest.mark.xdist_group("dask")
def test_dask_local_cluster_backend_identical(serial_batch, tmp_path):
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None) as cluster:
        with Client(cluster) as client:
            via_client = arena.run_batch("baseline", grid=GRID, seeds=SEEDS, ticks=TICKS, backend=client,
                                         out_dir=tmp_path / "client", progress=False)
        via_cluster = arena.run_batch("baseline", grid=GRID, seeds=SEEDS[:1], ticks=TICKS, backend=cluster,
                                      out_dir=tmp_path / "cluster", progress=False)
        via_address = arena.run_batch("baseline", grid=GRID, seeds=SEEDS[1:2], ticks=TICKS,
                                      backend=cluster.scheduler_address, out_dir=tmp_path / "address",
                                      progress=False)
    pd.testing.assert_frame_equal(normalise(via_client), normalise(serial_batch))
    for seed, frame in ((SEEDS[0], via_cluster), (SEEDS[1], via_address)):
        pd.testing.assert_frame_equal(normalise(frame), normalise(serial_batch[serial_batch["seed"] == seed]))


def test_acceptance_baseline_serial_vs_resumed(tmp_path):
    kwargs = dict(grid={"n_agents": [5000, 8000]}, seeds=[1, 2], ticks=60, out_dir=tmp_path, progress=False)
    first = arena.run_batch("baseline", backend="serial", **kwargs)
    again = arena.run_batch("baseline", backend="processes", **kwargs)  # everything is on disk
    assert again.attrs["batch"]["reused"] == 4 and again.attrs["batch"]["computed"] == 0
    pd.testing.assert_frame_equal(normalise(first), normalise(again))


def test_interrupted_batch_resumes_without_recomputing(tmp_path):
    out = tmp_path / "killed"
    kwargs = dict(grid={"n_agents": [2_000], "fear_weight": [0.2, 0.4, 0.6]}, seeds=[1, 2], ticks=60)
    code = textwrap.dedent(f"""
        import arena
        arena.run_batch("baseline", grid={kwargs['grid']!r}, seeds={kwargs['seeds']!r}, ticks=60,
                        backend="serial", out_dir={str(out)!r}, progress=False)
    """)
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    child = subprocess.Popen([sys.executable, "-c", code], env=env, start_new_session=True)
    deadline = time.monotonic() + 180
    try:
        while not list(out.glob(f"run_id=*/{storage.RUN_MARKER}")):
            assert child.poll() is None, "the batch ended before it could be interrupted"
            assert time.monotonic() < deadline
            time.sleep(0.02)
    finally:
        os.killpg(child.pid, signal.SIGKILL)
        child.wait()
    done = {p.parent.name: p.stat().st_mtime_ns for p in out.glob(f"run_id=*/{storage.RUN_MARKER}")}
    assert 0 < len(done) < 6
    resumed = arena.run_batch("baseline", backend="serial", out_dir=out, progress=False, **kwargs)
    info = resumed.attrs["batch"]
    assert (info["reused"], info["computed"], info["failed"]) == (len(done), 6 - len(done), 0)
    for name, mtime in done.items():  # the runs done before the kill were not recomputed
        assert (out / name / storage.RUN_MARKER).stat().st_mtime_ns == mtime
    fresh = arena.run_batch("baseline", backend="serial", out_dir=tmp_path / "fresh", progress=False,
                            **kwargs)
    pd.testing.assert_frame_equal(normalise(resumed), normalise(fresh))


@pytest.mark.parametrize("backend", ["serial", "processes"])
def test_a_failing_run_is_recorded_and_the_rest_complete(tmp_path, backend):
    scenario = FailingScenario("flaky", "fails for seed 2", ticks=20, config={"n_agents": 1_000})
    with pytest.warns(UserWarning, match="1 of 3 runs"):
        df = arena.run_batch(scenario, seeds=[1, 2, 3], backend=backend, out_dir=tmp_path, progress=False)
    assert sorted(df["seed"].unique()) == [1, 3] and len(df) == 40
    assert df.attrs["batch"]["failed"] == 1
    runs = storage.read_batch_runs(tmp_path).set_index("seed")
    assert runs.loc[2, "status"] == "error" and "scenario exploded for seed 2" in runs.loc[2, "error"]
    assert runs.loc[1, "status"] == runs.loc[3, "status"] == "ok"
    with pytest.warns(UserWarning):  # re-running retries the failed run only
        again = arena.run_batch(scenario, seeds=[1, 2, 3], backend="serial", out_dir=tmp_path, progress=False)
    assert (again.attrs["batch"]["reused"], again.attrs["batch"]["computed"]) == (2, 1)


def test_grid_is_validated_before_anything_runs(tmp_path):
    scenario = load_scenario("baseline")
    for grid, match in [({"n_agent": [1]}, "n_agent"), ({"n_agents": [0]}, "n_agents"),
                        ({"seed": [1]}, "seeds="), ({"n_agents": []}, "no values"),
                        ({"fear_weight": 0.3}, "must be a list")]:
        with pytest.raises(ConfigError, match=match):
            arena.run_batch(scenario, grid=grid, seeds=[1], ticks=5, out_dir=tmp_path, backend="serial")
    with pytest.raises(ConfigError, match="seeds"):
        expand(scenario, {}, [-1], 5)
    with pytest.raises(ValueError, match="backend"):
        arena.run_batch(scenario, seeds=[1], ticks=5, out_dir=tmp_path, backend="cloud", progress=False)
    assert not storage.list_batch_runs(tmp_path)


def test_parameter_named_like_an_indicator_gets_a_prefix(tmp_path):
    grid = {"share_chartist": [0.35, 0.45], "share_noise": [0.3]}
    with pytest.raises(ConfigError, match="sum to 1"):  # 0.35 + 0.45 + 0.3 != 1
        arena.run_batch("baseline", grid=grid, seeds=[1], ticks=5, out_dir=tmp_path, backend="serial")
    df = arena.run_batch("baseline", grid={"share_noise": [0.3]}, seeds=[1], ticks=5, out_dir=tmp_path,
                         backend="serial", progress=False)
    assert "param_share_noise" in df and "share_noise" in df
    assert param_columns(df) == ["param_share_noise"]


def test_summary_and_bands(serial_batch, tmp_path):
    table = summarize(serial_batch)
    assert len(table) == 6
    for column in ("peak_inflation", "max_drawdown_equity", "volatility_equity", "final_gini", "peak_fear"):
        assert table[column].notna().all(), column
    assert ((table["max_drawdown_equity"] >= 0) & (table["max_drawdown_equity"] < 1)).all()
    band = bands(serial_batch, "price_equity")
    assert len(band) == 2 * TICKS
    assert (band["low"] <= band["median"]).all() and (band["median"] <= band["high"]).all()
    fig = plot_bands(serial_batch, path=tmp_path / "bands.png")
    assert (tmp_path / "bands.png").stat().st_size > 10_000 and fig.axes


def test_mesa_batch_run_works_on_the_model():
    results = mesa.batch_run(ArenaModel, parameters={"n_agents": [800, 1200], "seed": [4]}, iterations=1,
                             max_steps=5, number_processes=1, data_collection_period=1,
                             display_progress=False)
    frame = pd.DataFrame(results)
    assert len(frame) == 2 * 6 and set(frame["n_agents"]) == {800, 1200}
    assert {"RunId", "Step", "price_equity", "cpi"} <= set(frame.columns)
    run = ArenaModel(n_agents=800, seed=4)
    for _ in range(6):
        run.step()
    got = frame[frame["n_agents"] == 800].sort_values("Step")["price_equity"].to_numpy()
    np.testing.assert_array_equal(got, run.indicators()["price_equity"].to_numpy())
