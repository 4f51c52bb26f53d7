"""The `arena` command end to end (subprocesses in a temp dir) and its argument parsing."""

from __future__ import annotations

import os
import subprocess
import sys
import types
from pathlib import Path

import pandas as pd
import pytest

from arena import cli, storage
from arena.errors import ConfigError

ARENA = Path(sys.executable).with_name("arena")


def arena_cmd(*args: str, cwd: Path, timeout: float = 240) -> subprocess.CompletedProcess:
    command = [str(ARENA)] if ARENA.exists() else [sys.executable, "-m", "arena.cli"]
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    return subprocess.run(command + list(args), cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          env=env)


def test_arena_run_end_to_end(tmp_path):
    done = arena_cmd("run", "baseline", "--ticks", "30", "--agents", "3000", "--seed", "4", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    out = tmp_path / "data" / "runs" / "baseline"
    for name in ("indicators.parquet", "events.parquet", "config.toml", "metadata.json", "indicators.png"):
        assert (out / name).is_file(), name
    indicators = pd.read_parquet(out / "indicators.parquet")
    assert len(indicators) == 30 and {"price_equity", "cpi", "inflation", "gini"} <= set(indicators.columns)
    events = pd.read_parquet(out / "events.parquet")
    assert list(events.columns) == ["tick", "type", "payload"]
    assert "n_agents = 3000" in (out / "config.toml").read_text()
    assert storage.read_metadata(out)["seed"] == 4
    assert "equity price" in done.stdout and "tick 30" in done.stdout  # the summary table
    assert "30/30" in done.stderr  # the progress bar


def test_arena_run_explicit_out_and_scenario_file(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    scenario = tmp_path / "mine.toml"
    scenario.write_text('name = "mine"\nticks = 12\n[config]\nn_agents = 1500\n'
                        '[[shocks]]\ntick = 5\nkind = "panic"\nsize = 0.5\n')
    assert cli.main(["run", str(scenario), "--out", "elsewhere", "-q"]) == 0
    assert len(pd.read_parquet(tmp_path / "elsewhere" / "indicators.parquet")) == 12
    assert "shock" in set(pd.read_parquet(tmp_path / "elsewhere" / "events.parquet")["type"])
    assert capsys.readouterr().out == ""


def test_arena_run_refuses_bad_input_with_a_message(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bad.toml").write_text('name = "bad"\nticks = 10\n[config]\nn_agents = -1\n')
    assert cli.main(["run", "bad.toml"]) == 2
    err = capsys.readouterr().err
    assert "config.n_agents" in err and "Traceback" not in err
    assert cli.main(["run", "no_such_scenario"]) == 2
    assert "unknown scenario" in capsys.readouterr().err
    assert cli.main(["batch", "baseline", "--grid", "n_agents=0", "--ticks", "5"]) == 2
    assert "n_agents" in capsys.readouterr().err
    assert not (tmp_path / "data").exists()


def test_arena_scenarios_lists_names_and_descriptions(capsys):
    assert cli.main(["scenarios", "-v"]) == 0
    out = capsys.readouterr().out
    for name in ("baseline", "market_crash", "inflation_spiral", "oil_shock"):
        assert name in out
    assert "Panic meets herding" in out
    assert "effect herding_deepens_crash: max_drawdown_equity vs no_herding" in out
    assert "arm no_herding:" in out


def test_arena_batch_end_to_end(tmp_path, monkeypatch, capsys):
    args = ["batch", "baseline", "--grid", "fear_weight=0.2,0.4", "--seeds", "1,2", "--ticks", "15",
            "--agents", "1500", "--workers", "1", "--out", "b"]
    done = arena_cmd(*args, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "4 runs (4 computed" in done.stdout and "max_drawdown_equity" in done.stdout
    frame = pd.read_parquet(tmp_path / "b")
    assert len(frame) == 4 * 15 and set(frame["fear_weight"]) == {0.2, 0.4}
    assert (tmp_path / "b" / "_summary.csv").is_file() and (tmp_path / "b" / "_bands.png").is_file()
    monkeypatch.chdir(tmp_path)
    assert cli.main(args + ["-q"]) == 0
    assert "4 runs (0 computed, 4 already on disk" in capsys.readouterr().out


def test_grid_and_seed_parsing():
    assert cli.parse_grid(["n_agents=5000,8000", "fear_weight=0.2, 0.4", "zero_lower_bound=true,false",
                           "monetary_regime=taylor"]) == {
        "n_agents": [5000, 8000], "fear_weight": [0.2, 0.4], "zero_lower_bound": [True, False],
        "monetary_regime": ["taylor"]}
    assert cli.parse_seeds("1,2,5-7") == [1, 2, 5, 6, 7]
    for bad in (["n_agents"], ["colour=red"], ["fear_weight=high"], ["n_agents="]):
        with pytest.raises(ConfigError):
            cli.parse_grid(bad)
    with pytest.raises(ConfigError):
        cli.parse_seeds("one")


def test_dashboard_and_serve_delegate(monkeypatch):
    calls = {}
    dash = types.ModuleType("arena.dashboard")
    dash.serve = lambda **kw: calls.setdefault("dashboard", kw)
    api = types.ModuleType("arena.api")
    api.serve = lambda **kw: calls.setdefault("api", kw)
    monkeypatch.setitem(sys.modules, "arena.dashboard", dash)
    monkeypatch.setitem(sys.modules, "arena.api", api)
    assert cli.main(["dashboard"]) == 0
    assert calls["dashboard"] == {"host": "127.0.0.1", "port": 8765}
    assert cli.main(["serve", "--port", "9000", "--agents", "5000", "--scenario", "market_crash"]) == 0
    assert calls["api"] == {"host": "127.0.0.1", "port": 9000, "agents": 5000, "seed": None,
                            "scenario": "market_crash", "paused": False, "from_file": None, "run_dir": None,
                            "log_level": "info", "log_format": "text"}
    calls.clear()
    assert cli.main(["serve", "--paused"]) == 0
    assert calls["api"]["paused"] is True
    calls.clear()
    assert cli.main(["serve", "--from", "snap.npz", "--run-dir", "r"]) == 0
    assert (calls["api"]["from_file"], calls["api"]["run_dir"]) == ("snap.npz", "r")
    calls.clear()
    assert cli.main(["serve", "--from", "snap.npz", "--agents", "10"]) == 2  # a snapshot is served as is
    assert not calls


def test_usage_errors_exit_2(capsys):
    with pytest.raises(SystemExit) as info:
        cli.main([])
    assert info.value.code == 2
    assert cli.main(["run"]) == 2  # neither a scenario nor --resume DIR
    assert "--resume" in capsys.readouterr().err
