"""The FastAPI application: :func:`create_app` wires the simulation, routes and WebSocket.

Interactive docs are served at ``/docs`` (OpenAPI schema at ``/openapi.json``); the
endpoints, keys, limits and queue policy are described in docs/api.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from pathlib import Path
from typing import Any, Mapping

from fastapi import FastAPI, Request, WebSocket
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse

from arena import __version__
from arena.api.audit import AuditLog, Pseudonyms
from arena.api.auth import KeyStore, RateLimiter
from arena.api.deps import Context
from arena.api.metrics import Metrics, MetricsMiddleware
from arena.api.routes_accounts import accounts_router
from arena.api.routes_admin import admin_router
from arena.api.routes_agents import agents_router
from arena.api.routes_obs import obs_router
from arena.api.routes_read import read_router
from arena.api.runtime import ResponseCache, ScheduledShock, Simulation
from arena.api.schemas import ErrorResponse
from arena.api.settings import SERVER_AGENTS, ApiSettings
from arena.api.ws import Hub
from arena.config import ArenaConfig

log = logging.getLogger("arena.api")


class BodyLimit:
    """ASGI middleware: refuse HTTP request bodies larger than ``limit`` bytes with 413."""

    def __init__(self, app, limit: int):
        self.app = app
        self.limit = limit

    async def __call__(self, scope, receive, send):
        """Pass the request on, or answer 413 once the body exceeds the limit."""
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        for name, value in scope.get("headers", ()):
            if name == b"content-length" and (not value.isdigit() or int(value) > self.limit):
                return await self._refuse(send)
        seen = 0

        async def limited_receive():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise _TooLarge()
            return message

        try:
            return await self.app(scope, limited_receive, send)
        except _TooLarge:
            return await self._refuse(send)

    async def _refuse(self, send):
        body = (f'{{"detail":"request body larger than {self.limit} bytes"}}').encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


class _TooLarge(Exception):
    pass


def _validation_handler(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = jsonable_encoder(exc.errors())
    message = "; ".join(f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg')}" for e in errors)
    return JSONResponse({"detail": errors, "message": message}, status_code=422)


def create_app(
    config: ArenaConfig | Mapping[str, Any] | None = None,
    *,
    paused: bool = False,
    check_accounting: bool = False,
    scenario: str | None = None,
    shocks: list[ScheduledShock] | None = None,
    settings: ApiSettings | None = None,
    model: Any = None,
    alert_rules: Any = None,
    **setting_overrides: Any,
) -> FastAPI:
    """Build the API app around a new simulation.

    Parameters
    ----------
    config : ArenaConfig or mapping, optional
        Engine configuration; default ``n_agents`` = 20,000 (:data:`SERVER_AGENTS`).
    paused : bool
        Start paused (ticks begin after ``POST /api/admin/start`` or per ``/step``).
    check_accounting : bool
        Verify stock-flow consistency after every tick (tests).
    scenario : str, optional
        Name shown in the status (the caller has built ``config``/``shocks`` from it).
    shocks : list of ScheduledShock, optional
        Scenario shocks to apply at their ticks.
    settings : ApiSettings, optional
        Server limits and keys; ``**setting_overrides`` (e.g. ``admin_key=...``) build one.
    model : ArenaModel, optional
        Serve this model (e.g. ``ArenaModel.load(snapshot)``); ``config`` is then its config.
    alert_rules : str, Path, mapping or list of AlertRule, optional
        Alert rules on top of the defaults (:func:`arena.alerts.rules_for`).
    """
    if settings is None:
        settings = ApiSettings.create(**setting_overrides)
    elif setting_overrides:
        settings = settings.replace(**setting_overrides)
    if model is not None:
        config = model.config
    elif config is None:
        config = ArenaConfig.from_dict({"n_agents": SERVER_AGENTS})
    elif isinstance(config, Mapping):
        config = ArenaConfig.from_dict({"n_agents": SERVER_AGENTS, **config})
    sim = Simulation(
        config,
        running=not paused,
        check_accounting=check_accounting,
        history_retention=settings.history_retention,
        shocks=shocks,
        scenario=scenario,
        model=model,
        alert_rules=alert_rules,
    )
    hub = Hub(settings, config.rate_limit)
    keys = KeyStore(settings.admin_key, settings.registration_key)
    ctx = Context(
        sim=sim,
        hub=hub,
        keys=keys,
        settings=settings,
        agent_limiter=RateLimiter(config.rate_limit),
        public_limiter=RateLimiter(settings.public_rate_limit) if settings.public_rate_limit else None,
        cache=ResponseCache(config.cache_expiry, settings.cache_entries),
        audit=AuditLog(Path(settings.run_dir) / "audit.jsonl" if settings.run_dir is not None else None),
        pseudonyms=Pseudonyms(),
        metrics=Metrics(),
    )
    hub.public = ctx.pseudonyms.public
    ctx.metrics.attach(ctx)
    sim.listeners.append(hub.broadcast)
    sim.listeners.append(ctx.metrics.on_events)
    sim.on_tick.append(ctx.metrics.observe_tick)
    sim.on_reset.append(keys.revoke_all_agents)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        task = asyncio.create_task(sim.run(), name="arena-ticks")
        try:
            yield
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await hub.close_all()

    app = FastAPI(
        title="Arena real-time API",
        version=__version__,
        lifespan=lifespan,
        responses={
            400: {
                "model": ErrorResponse,
                "description": "malformed request or refused by the engine's validation",
            },
            413: {"model": ErrorResponse, "description": "request body too large"},
        },
        description="REST and WebSocket access to a running Arena economy. "
        "Reads are public; agents act with their own key; control needs the admin key. "
        "See docs/api.md.",
    )
    app.state.ctx = ctx
    app.add_middleware(BodyLimit, limit=settings.max_body)
    app.add_middleware(MetricsMiddleware, metrics=ctx.metrics)  # outermost: counts 413s too
    app.add_exception_handler(RequestValidationError, _validation_handler)
    app.include_router(read_router(settings))
    app.include_router(accounts_router())
    app.include_router(agents_router())
    app.include_router(admin_router(settings))
    app.include_router(obs_router())

    @app.get("/", include_in_schema=False)
    def root():
        return RedirectResponse("/docs")

    @app.websocket("/ws")
    async def websocket(ws: WebSocket):
        await hub.handle(ws, lambda: sim.snapshot.tick)

    return app
