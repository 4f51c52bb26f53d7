"""arena.run: a run writes indicators, events, config, metadata and a PNG, and repeats exactly."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

import arena
from arena import storage
from arena.config import ArenaConfig
from arena.errors import ConfigError, ScenarioError


def test_run_writes_a_run_directory(tmp_path, capsys):
    out = tmp_path / "crash"
    df = arena.run("market_crash", 110, out, progress=True, n_agents=2_000, seed=5)
    assert df.index.name == "tick" and df.index.tolist() == list(range(1, 111))
    for name in storage.RUN_FILES + ("indicators.png",):
        assert (out / name).is_file(), name
    assert (out / "indicators.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    pd.testing.assert_frame_equal(pd.read_parquet(out / "indicators.parquet"), df)
    events = storage.read_events(out)
    shocks = events[events["type"] == "shock"]
    assert shocks[["tick", "kind"]].values.tolist() == [[100, "panic"], [102, "sell_off"]]
    meta = storage.read_metadata(out)
    assert (meta["scenario"], meta["n_agents"], meta["seed"]) == ("market_crash", 2_000, 5)
    assert meta["ticks"] == 110
    summary = df.attrs["summary"]
    assert "equity price" in summary and "tick 110" in summary and str(out) in summary
    assert capsys.readouterr().out == ""  # the library prints nothing (the CLI prints the summary)


def test_config_toml_of_a_run_repeats_it(tmp_path):
    first = arena.run("market_crash", 105, tmp_path / "a", progress=False, n_agents=1_500, seed=9)
    again = arena.run(tmp_path / "a" / "config.toml", None, tmp_path / "b", progress=False)
    pd.testing.assert_frame_equal(first, again)
    assert storage.read_metadata(tmp_path / "b")["ticks"] == 105


def test_run_accepts_configs_and_mappings(tmp_path):
    cfg = ArenaConfig.from_dict({"n_agents": 1_000, "seed": 2})
    a = arena.run(cfg, 15, progress=False, save=False)
    b = arena.run({"n_agents": 1_000, "seed": 2}, 15, progress=False, save=False)
    pd.testing.assert_frame_equal(a, b)
    assert "run_dir" not in a.attrs
    (tmp_path / "plain.toml").write_text("n_agents = 1000\nseed = 2\n")  # a config file, not a scenario
    c = arena.run(tmp_path / "plain.toml", 15, tmp_path / "plain", progress=False)
    pd.testing.assert_frame_equal(a, c)


def test_default_directory_is_data_runs_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    df = arena.run("baseline", 5, progress=False, n_agents=800)
    assert (tmp_path / "data" / "runs" / "baseline" / "indicators.parquet").is_file()
    assert df.attrs["run_dir"] == "data/runs/baseline"


def test_shocks_beyond_the_run_warn(tmp_path):
    with pytest.warns(UserWarning, match="scheduled at or after tick 50"):
        arena.run("market_crash", 50, progress=False, save=False, n_agents=800)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        arena.run("baseline", 5, progress=False, save=False, n_agents=800)


def test_bad_inputs_are_refused(tmp_path):
    with pytest.raises(ScenarioError):
        arena.run("no_such_scenario", 5, progress=False, save=False)
    with pytest.raises(ConfigError, match="n_agents"):
        arena.run("baseline", 5, progress=False, save=False, n_agents=0)
    with pytest.raises(ValueError, match="ticks"):
        arena.run("baseline", 0, progress=False, save=False)
