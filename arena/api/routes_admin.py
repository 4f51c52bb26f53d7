"""Control endpoints (admin key): status, start, pause, step, reset, scenario, shock."""

from __future__ import annotations

import asyncio
import json
import statistics
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from arena.api import schemas as s
from arena.api.audit import AuditedRoute
from arena.api.deps import ERRORS, Context, Ctx, error, field_error, require_admin, stamp
from arena.api.settings import ApiSettings
from arena.api.ws import jsonable
from arena.errors import ConfigError, ScenarioError, ShockError


def status(ctx: Context) -> s.Status:
    """Return the simulation's state and counters."""
    sim = ctx.sim
    snap = sim.snapshot
    ticks = list(sim.tick_ms)
    return s.Status(
        running=sim.running,
        n_agents=snap.n_agents,
        outside_agents=snap.outside_agents,
        scenario=sim.scenario,
        tick_rate_ms=sim.config.tick_rate,
        last_tick_ms=ticks[-1] if ticks else None,
        mean_tick_ms=statistics.fmean(ticks) if ticks else None,
        last_error=sim.last_error,
        websocket=ctx.hub.stats(),
        cache={"hits": ctx.cache.hits, "misses": ctx.cache.misses, "expiry_ms": sim.config.cache_expiry},
        **stamp(ctx),
    )


def admin_router(settings: ApiSettings) -> APIRouter:
    """Routes that need the admin key."""
    router = APIRouter(
        tags=["admin"],
        route_class=AuditedRoute,
        dependencies=[Depends(require_admin)],
        responses={code: {"model": s.ErrorResponse, **info} for code, info in ERRORS.items()},
    )
    bad = {400: {"model": s.ErrorResponse, "description": "refused by the engine's validation"}}

    @router.get("/api/admin/status", response_model=s.Status, summary="Simulation state and counters")
    async def get_status(ctx: Ctx):
        return status(ctx)

    @router.post("/api/admin/start", response_model=s.Status, summary="Start ticking every tick_rate ms")
    async def start(ctx: Ctx):
        ctx.sim.start()
        return status(ctx)

    @router.post("/api/admin/pause", response_model=s.Status, summary="Pause after the current tick")
    async def pause(ctx: Ctx):
        await ctx.sim.pause()
        return status(ctx)

    @router.post(
        "/api/admin/step",
        response_model=s.Status,
        summary=f"Advance 1 to {settings.max_step_ticks} ticks now",
    )
    async def step(ctx: Ctx, body: s.StepRequest | None = None):
        body = body or s.StepRequest()
        if body.ticks > settings.max_step_ticks:
            raise field_error(
                ("body", "ticks"), f"'ticks' must be at most {settings.max_step_ticks}", body.ticks
            )
        await ctx.sim.step(body.ticks)
        return status(ctx)

    def check_agents(agents: int | None) -> None:
        if agents is not None and agents > settings.max_reset_agents:
            raise field_error(
                ("body", "agents"), f"'agents' must be at most {settings.max_reset_agents}", agents
            )

    @router.post(
        "/api/admin/reset",
        response_model=s.Status,
        responses=bad,
        summary="Rebuild the model (outside agents and their keys are discarded)",
    )
    async def reset(ctx: Ctx, body: s.ResetRequest | None = None):
        body = body or s.ResetRequest()
        check_agents(body.agents)
        changes = {k: v for k, v in (("n_agents", body.agents), ("seed", body.seed)) if v is not None}
        try:
            config = ctx.sim.config.replace(**changes)
        except ConfigError as exc:
            raise error(400, str(exc)) from None
        await ctx.sim.reset(config)
        return status(ctx)

    @router.post(
        "/api/admin/scenario",
        response_model=s.Status,
        responses={**bad, 404: {"model": s.ErrorResponse, "description": "unknown scenario"}},
        summary="Load scenarios/<name>.toml and reset to it",
    )
    async def scenario(body: s.ScenarioRequest, ctx: Ctx):
        check_agents(body.agents)
        overrides = {k: v for k, v in (("n_agents", body.agents), ("seed", body.seed)) if v is not None}
        try:
            await ctx.sim.load_scenario(body.name, overrides)
        except FileNotFoundError as exc:
            raise error(404, f"unknown scenario 'name' {body.name!r}: {exc}") from None
        except (ScenarioError, ConfigError, ShockError) as exc:
            status_code = 404 if "not found" in str(exc).lower() or "unknown" in str(exc).lower() else 400
            raise error(status_code, str(exc)) from None
        return status(ctx)

    @router.post(
        "/api/admin/shock",
        response_model=s.ShockResult,
        responses=bad,
        summary="Apply a shock now (takes effect from the next tick)",
    )
    async def shock(body: s.ShockRequest, ctx: Ctx):
        target = {
            k: v
            for k in ("resource", "fraction", "market", "strategy", "tax", "duration", "asset")
            if (v := getattr(body, k)) is not None
        }
        emitted: list = []

        def do(model):
            unsubscribe = model.event_log.subscribe(emitted.append)
            try:
                model.apply_shock(body.kind, body.size, **target)
            except ShockError as exc:
                raise error(400, str(exc)) from None
            finally:
                unsubscribe()

        await ctx.sim.mutate(do)
        return s.ShockResult(
            kind=body.kind,
            events=[s.EventOut(tick=e.tick, type=e.type, payload=jsonable(e.payload)) for e in emitted],
            **stamp(ctx),
        )

    @router.post(
        "/api/admin/snapshot",
        response_model=s.SnapshotResult,
        responses={409: {"model": s.ErrorResponse, "description": "the server has no run directory"}},
        summary="Write a checkpoint of the model to the run directory (arena serve --from resumes it)",
    )
    async def snapshot(ctx: Ctx):
        if settings.run_dir is None:
            raise error(409, "snapshots need a run directory: start the server with arena serve "
                             "(or ApiSettings run_dir=...)")
        folder = Path(settings.run_dir) / "snapshots"
        folder.mkdir(parents=True, exist_ok=True)
        async with ctx.sim.lock:  # between ticks: a consistent state
            model = ctx.sim.model
            path = folder / f"tick_{model.tick:08d}.npz"
            n = 1
            while path.exists():  # a second snapshot at the same tick never replaces the first
                n += 1
                path = folder / f"tick_{model.tick:08d}-{n}.npz"
            await asyncio.to_thread(model.save, path)
            keys = ctx.keys.export()
            path.with_suffix(".keys.json").write_text(json.dumps(keys, indent=1) + "\n")
        return s.SnapshotResult(path=str(path), bytes=path.stat().st_size, agents=len(keys), **stamp(ctx))

    @router.get("/api/admin/audit", response_model=s.Audit,
                summary="The newest audit entries of state-changing calls (key ids, never keys)")
    async def audit(
        ctx: Ctx,
        limit: Annotated[int, Query(ge=1, le=10_000, description="newest entries returned")] = 100,
        action: Annotated[str | None, Query(max_length=40, description="keep only this action")] = None,
    ):
        rows = ctx.audit.tail(limit, action)
        return s.Audit(count=len(rows), total=ctx.audit.seq,
                       file=str(ctx.audit.path) if ctx.audit.path is not None else None, entries=rows)

    return router
