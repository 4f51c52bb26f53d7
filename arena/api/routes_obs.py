"""Observability: ``GET /metrics`` (Prometheus exposition format) and ``GET /api/alerts``."""

from __future__ import annotations

import math
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from prometheus_client import CONTENT_TYPE_LATEST

from arena.alerts import rules_table
from arena.api import schemas as s
from arena.api.deps import ERRORS, Ctx, principal, stamp


def _clean(record: dict) -> dict:
    out = dict(record)
    for key in ("value", "peak"):
        value = out.get(key)
        out[key] = value if value is not None and math.isfinite(value) else None
    return out


def _copy(items) -> list:
    """Copy a deque that a tick in the worker thread may be appending to."""
    for _ in range(10):
        try:
            return list(items)
        except RuntimeError:  # "deque mutated during iteration": try again
            continue
    return []


def obs_router() -> APIRouter:
    """Public reads of the server's health: metrics and alerts."""
    router = APIRouter(tags=["observability"], dependencies=[Depends(principal)],
                       responses={code: {"model": s.ErrorResponse, **ERRORS[code]} for code in (401, 429)})

    @router.get("/metrics", response_class=Response, summary="Prometheus metrics (text exposition format)",
                responses={200: {"content": {CONTENT_TYPE_LATEST: {}},
                                 "description": "every metric of docs/api.md, 'Metrics'"}})
    async def metrics(ctx: Ctx):
        return Response(ctx.metrics.exposition(), media_type=CONTENT_TYPE_LATEST)

    @router.get("/api/alerts", response_model=s.Alerts, summary="Active and recent alerts and the rules")
    async def alerts(
        ctx: Ctx,
        limit: Annotated[int, Query(ge=1, le=1000, description="most resolved alerts returned")] = 50,
    ):
        # lock-free, like the other reads: active alerts from the snapshot, history copied
        snap, monitor = ctx.sim.snapshot, ctx.sim.model.alert_monitor
        recent = _copy(monitor.history)[-limit:]
        return s.Alerts(active=[_clean(a) for a in snap.alerts], recent=[_clean(a) for a in recent],
                        rules=rules_table(monitor.rules), **stamp(ctx))

    return router
