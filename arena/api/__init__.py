"""Real-time REST + WebSocket API of a running Arena economy (FastAPI + uvicorn).

``arena serve`` calls :func:`serve`; tests and embedders call :func:`create_app`.
Endpoints, keys, rate limits and the WebSocket protocol are documented in docs/api.md.
FastAPI and uvicorn are imported only when used (the ``api`` extra).
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Any

from arena.errors import ConfigError

__all__ = ["create_app", "serve"]

log = logging.getLogger("arena.api")


def __getattr__(name: str):
    if name == "create_app":
        from arena.api.app import create_app

        return create_app
    raise AttributeError(f"module 'arena.api' has no attribute {name!r}")


def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    agents: int | None = 20_000,
    seed: int | None = 42,
    paused: bool = False,
    scenario: str | None = None,
    *,
    from_file: str | None = None,
    run_dir: str | None = None,
    admin_key: str | None = None,
    log_level: str = "info",
    log_format: str = "text",
    access_log: bool = False,
    alert_rules: Any = None,
    **settings: Any,
) -> None:
    """Run the API server until interrupted.

    Parameters
    ----------
    host : str, default "127.0.0.1"
        Interface to bind (loopback by default; bind others deliberately).
    port : int, default 8000
        TCP port.
    agents : int or None, default 20000
        Households simulated (None: 20,000, also with a scenario, so that the server keeps
        its pace; pass the scenario's size explicitly to serve it at full size).
    seed : int or None, default 42
        Seed of the model (None: the scenario's seed, else 42).
    paused : bool, default False
        Start paused; by default the model ticks every ``tick_rate`` ms from start-up.
    scenario : str, optional
        Load ``scenarios/<name>.toml`` (config and scheduled shocks).
    from_file : str, optional
        Resume the model of a checkpoint (``POST /api/admin/snapshot``, ``model.save``) instead
        of building one (``agents`` and ``seed`` are ignored, ``scenario`` must be None). Agent keys
        saved beside a snapshot (``<file>.keys.json``) are accepted again.
    run_dir : str, optional
        Directory of this run (audit trail and snapshots); default ``data/serve/<start time>``.
    admin_key : str, optional
        Admin key; default env ``ARENA_ADMIN_KEY``, else a random key printed at start.
    log_level : {"debug", "info", "warning", "error"}, default "info"
        Threshold of the ``arena.*`` and uvicorn logs (stderr).
    log_format : {"text", "json"}, default "text"
        Readable lines or JSON lines (:mod:`arena.logs`).
    access_log : bool, default False
        One uvicorn log line per request (at INFO).
    alert_rules : str, Path or mapping, optional
        Alert rules on top of the defaults (:func:`arena.alerts.rules_for`).
    **settings
        Further :class:`arena.api.settings.ApiSettings` (limits, ``registration_key``...).
    """
    import uvicorn

    from arena import logs
    from arena.api.app import create_app
    from arena.api.runtime import scenario_parts
    from arena.api.settings import SERVER_AGENTS, ApiSettings
    from arena.config import ArenaConfig

    logs.configure(log_level, log_format)
    overrides = {"n_agents": SERVER_AGENTS if agents is None else agents}
    if seed is not None:
        overrides["seed"] = seed
    shocks = model = None
    if run_dir is None:
        run_dir = str(Path("data") / "serve" / time.strftime("%Y%m%dT%H%M%S"))
    if from_file is not None:
        if scenario is not None:
            raise ConfigError("--from resumes a snapshot as it is: no --scenario with it")
        from arena.model import ArenaModel

        model = ArenaModel.load(from_file)
        config = model.config
    elif scenario is not None:
        from arena.scenarios import load_scenario

        config, shocks = scenario_parts(load_scenario(scenario), **overrides)
    else:
        config = ArenaConfig.from_dict(overrides)
    api_settings = ApiSettings.create(admin_key=admin_key, run_dir=run_dir, **settings)
    app = create_app(config, paused=paused, scenario=scenario, shocks=shocks, settings=api_settings,
                     model=model, alert_rules=alert_rules)
    keys_file = Path(from_file).with_suffix(".keys.json") if from_file is not None else None
    if keys_file is not None and keys_file.is_file():
        app.state.ctx.keys.restore(json.loads(keys_file.read_text()))
    if api_settings.generated_admin_key:
        # WARNING so that it shows at every log level but error: without it nobody can steer
        log.warning("admin key (set ARENA_ADMIN_KEY to choose one): %s", api_settings.admin_key)
    log.info(
        "serving %d households, seed %s, %s; docs at http://%s:%d/docs, metrics at /metrics",
        config.n_agents, config.seed, "paused" if paused else f"ticking every {config.tick_rate} ms",
        host, port, extra={"n_agents": config.n_agents, "seed": config.seed, "port": port},
    )
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_config=None,  # logging is configured above (arena.logs): uvicorn keeps it
        log_level=log_level,
        access_log=access_log,
        ws_max_size=api_settings.ws_max_message,
        ws_ping_interval=20.0,
        ws_ping_timeout=20.0,
        ws_per_message_deflate=False,  # compressing per client costs more CPU than the bytes it saves
    )
