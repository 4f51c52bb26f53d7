"""Logs: JSON and text formats, levels where docs/api.md ("Logs") says, --log-level on the CLI."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from arena import ArenaModel, logs
from arena.alerts import AlertMonitor, default_rules
from arena.events import EventLog

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def restore_logging():
    """Undo :func:`arena.logs.configure` (it changes the ``arena`` and ``uvicorn`` loggers)."""
    saved = {n: (logging.getLogger(n).level, list(logging.getLogger(n).handlers),
                 logging.getLogger(n).propagate) for n in ("arena", "uvicorn")}
    yield
    for name, (level, handlers, propagate) in saved.items():
        logger = logging.getLogger(name)
        logger.handlers[:] = handlers
        logger.setLevel(level)
        logger.propagate = propagate


def records(caplog, logger: str, level: int) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == logger and r.levelno == level]


def test_json_lines_carry_the_record_fields(restore_logging):
    stream = io.StringIO()
    logs.configure("debug", "json", stream)
    logging.getLogger("arena.test").warning("tick %d slow", 7, extra={"tick": 7, "tick_ms": 12.5})
    logging.getLogger("arena.test").debug("detail")
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert lines[0]["level"] == "WARNING" and lines[0]["logger"] == "arena.test"
    assert lines[0]["message"] == "tick 7 slow" and lines[0]["tick"] == 7 and lines[0]["tick_ms"] == 12.5
    assert lines[0]["time"].endswith("Z") and lines[1]["level"] == "DEBUG"


def test_text_format_and_level_threshold(restore_logging):
    stream = io.StringIO()
    logs.configure("warning", "text", stream)
    logging.getLogger("arena.test").info("hidden")
    logging.getLogger("arena.test").error("shown")
    text = stream.getvalue()
    assert "hidden" not in text and "ERROR" in text and "arena.test: shown" in text


@pytest.mark.parametrize("level, fmt, words", [("loud", "text", ["'log_level'", "DEBUG", "'loud'"]),
                                               ("info", "xml", ["'log_format'", "json", "'xml'"])])
def test_bad_level_or_format_is_refused(level, fmt, words):
    with pytest.raises(ValueError) as info:
        logs.configure(level, fmt)
    for word in words:
        assert word in str(info.value)


def test_library_prints_nothing_without_configuration(capfd):
    model = ArenaModel(n_agents=300, seed=1, alert_rules={"rules": {"x": {"metric": "fear", "threshold": 0.0,
                                                                          "clear": 0.0}}})
    model.step()  # fires an alert: a WARNING record, but no handler is configured
    assert len(model.alerts()) == 1
    out, err = capfd.readouterr()
    assert out == "" and err == ""


def test_alert_fired_is_a_warning_and_resolved_is_info(caplog):
    caplog.set_level(logging.DEBUG, logger="arena")
    monitor = AlertMonitor(default_rules())
    log = EventLog(100)
    monitor.evaluate_health(1, {"memory_percent": 95.0}, log.emit)
    monitor.evaluate_health(2, {"memory_percent": 95.0}, log.emit)
    monitor.evaluate_health(3, {"memory_percent": 95.0}, log.emit)
    monitor.evaluate_health(4, {"memory_percent": 50.0}, log.emit)
    (fired,) = records(caplog, "arena.alerts", logging.WARNING)
    (resolved,) = records(caplog, "arena.alerts", logging.INFO)
    assert "memory" in fired.getMessage() and fired.severity == "critical" and fired.tick == 3
    assert "resolved" in resolved.getMessage() and resolved.tick == 4


def test_server_logs_slow_ticks_as_warning_and_tick_times_as_debug(caplog):
    pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient

    from arena.api import create_app

    caplog.set_level(logging.DEBUG, logger="arena")
    key = "test-admin-key-0123456789abcdef"
    app = create_app({"n_agents": 5_000, "seed": 1, "tick_rate": 1}, paused=True, admin_key=key)
    with TestClient(app) as c:
        assert c.post("/api/admin/step", json={"ticks": 3}, headers={"X-API-Key": key}).status_code == 200
    debug = records(caplog, "arena.api", logging.DEBUG)
    assert len([r for r in debug if "took" in r.getMessage()]) == 3
    (slow,) = records(caplog, "arena.api", logging.WARNING)  # one warning per 10 s, with the count
    assert "longer than tick_rate = 1 ms" in slow.getMessage() and slow.tick_ms > 1


def test_dropping_websocket_messages_is_a_warning(caplog):
    pytest.importorskip("fastapi")
    from arena.api.settings import ApiSettings
    from arena.api.ws import Client, Hub

    caplog.set_level(logging.DEBUG, logger="arena")
    hub = Hub(ApiSettings.create(admin_key="k" * 32, ws_queue_size=1), 1000)
    client = Client(SimpleNamespace(), "10.0.0.9", 1)
    client.channels.add("market_tick")
    hub.clients.add(client)
    events = [SimpleNamespace(type="market_tick", tick=t, payload={"equity": {"price": 1.0}})
              for t in range(5)]
    hub.broadcast(events, 0.0)
    assert client.dropped == 4 and hub.dropped_total == 4
    (warning,) = records(caplog, "arena.api", logging.WARNING)  # throttled: one per client per 10 s
    assert "10.0.0.9" in warning.getMessage() and "dropped" in warning.getMessage()


def test_a_failing_tick_is_an_error(caplog):
    pytest.importorskip("fastapi")
    from arena.api.runtime import Simulation
    from arena.config import ArenaConfig

    caplog.set_level(logging.DEBUG, logger="arena")
    sim = Simulation(ArenaConfig.from_dict({"n_agents": 300, "seed": 1}), running=True)

    def broken():
        raise RuntimeError("boom")

    sim.model.step = broken

    async def main():
        task = asyncio.create_task(sim.run())
        for _ in range(200):
            await asyncio.sleep(0.01)
            if not sim.running:
                break
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    asyncio.run(main())
    (error,) = records(caplog, "arena.api", logging.ERROR)
    assert "tick failed" in error.getMessage() and error.exc_info is not None
    assert sim.last_error == "RuntimeError: boom"


def test_a_run_logs_progress_and_alerts_to_its_directory(tmp_path):
    import arena
    from arena import storage

    out = tmp_path / "run"
    arena.run("inflation_spiral", 120, out, progress=False, n_agents=2_000, seed=1)
    lines = [json.loads(line) for line in (out / "run.log").read_text().splitlines()]
    messages = [(r["level"], r["logger"], r["message"]) for r in lines]
    assert messages[0][:2] == ("INFO", "arena.runner") and "started" in messages[0][2]
    assert sum("tick " in m and "/120" in m for _, _, m in messages) == 10  # every 10% of the run
    fired = [r for r in lines if r["logger"] == "arena.alerts" and r["level"] == "WARNING"]
    alerts = storage.read_alerts(out)
    assert len(fired) == len(alerts) >= 1 and set(alerts["alert"]) == {r["alert"] for r in fired}
    assert "finished" in messages[-1][2]


def test_every_command_takes_log_options_and_refuses_a_bad_alerts_file(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "arena.cli"]
    done = subprocess.run(cmd + ["run", "baseline", "--ticks", "3", "--agents", "300", "-q", "--out",
                                 str(tmp_path / "r"), "--log-format", "json", "--log-level", "debug"],
                          capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stderr.splitlines() if line.startswith("{")]
    assert any(r["logger"] == "arena.runner" and "started" in r["message"] for r in lines)
    for sub in ("batch", "scenarios", "dashboard", "serve"):
        helptext = subprocess.run(cmd + [sub, "--help"], capture_output=True, text=True, env=env, timeout=60)
        assert "--log-level" in helptext.stdout and "--log-format" in helptext.stdout, sub
    bad = tmp_path / "bad.toml"
    bad.write_text("[rules.panic]\nseverity = 'fatal'\n")
    done = subprocess.run(cmd + ["scenarios", "--alerts", str(bad)], capture_output=True, text=True, env=env,
                          timeout=60)
    assert done.returncode == 2 and "'severity'" in done.stderr and "'fatal'" in done.stderr
