"""Shared state of one app and the FastAPI dependencies for keys, rights and rate limits."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Callable

from fastapi import Depends, HTTPException, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.security import APIKeyHeader

from arena.api.audit import AuditLog, Pseudonyms
from arena.api.auth import KeyStore, Principal, RateLimiter
from arena.api.runtime import ResponseCache, Simulation
from arena.api.settings import ApiSettings
from arena.api.ws import Hub, iso

api_key_header = APIKeyHeader(
    name="X-API-Key",
    auto_error=False,
    scheme_name="ApiKey",
    description="Admin key (control endpoints), registration key, or the key an agent received "
    "when it registered. Public reads need no key.",
)

ERRORS = {
    401: {"description": "missing or unknown API key"},
    403: {"description": "the key may not do this"},
    429: {"description": "rate limit exceeded (see Retry-After)"},
}


@dataclass
class Context:
    """Everything the routes share: the simulation, the hub, keys, limiters and the cache."""

    sim: Simulation
    hub: Hub
    keys: KeyStore
    settings: ApiSettings
    agent_limiter: RateLimiter
    public_limiter: RateLimiter | None
    cache: ResponseCache
    audit: AuditLog
    pseudonyms: Pseudonyms
    metrics: Any = None  # arena.api.metrics.Metrics (None when prometheus-client is missing)


async def context(request: Request) -> Context:
    """Return the app's :class:`Context`."""
    return request.app.state.ctx


Ctx = Annotated[Context, Depends(context)]
Key = Annotated[str | None, Depends(api_key_header)]


def error(status: int, detail: str, headers: dict[str, str] | None = None) -> HTTPException:
    """Return an HTTP error whose body is ``{"detail": detail}``."""
    return HTTPException(status_code=status, detail=detail, headers=headers)


def field_error(loc: tuple, message: str, value: Any) -> RequestValidationError:
    """Return a 422 in FastAPI's format for a check the schema cannot express (settings bounds)."""
    return RequestValidationError([{"type": "value_error", "loc": loc, "msg": message, "input": value}])


async def principal(request: Request, key: Key, ctx: Ctx) -> Principal:
    """Return who the request acts as; enforces the agent and public rate limits (401, 429)."""
    who = ctx.keys.identify(key)
    if who is None:
        raise error(401, "unknown API key in header 'X-API-Key'", {"WWW-Authenticate": "ApiKey"})
    if who.kind == "agent":
        limiter, bucket = ctx.agent_limiter, who.agent_id
    elif who.kind == "public" and ctx.public_limiter is not None:
        limiter, bucket = ctx.public_limiter, request.client.host if request.client else "unknown"
    else:
        return who
    allowed, retry, _ = limiter.allow(bucket)
    if not allowed:
        raise error(
            429,
            f"rate limit of {limiter.per_minute} requests per minute exceeded",
            {"Retry-After": str(max(1, int(retry + 0.999)))},
        )
    return who


Who = Annotated[Principal, Depends(principal)]


async def require_admin(who: Who) -> Principal:
    """Allow only the admin key (401 without a key, 403 with another key)."""
    if who.kind == "public":
        raise error(
            401, "this endpoint needs the admin key in header 'X-API-Key'", {"WWW-Authenticate": "ApiKey"}
        )
    if not who.is_admin:
        raise error(403, "this endpoint needs the admin key")
    return who


async def require_registrar(who: Who) -> Principal:
    """Allow the admin key or the registration key."""
    if who.kind == "public":
        raise error(
            401,
            "registering an agent needs the admin or registration key in header 'X-API-Key'",
            {"WWW-Authenticate": "ApiKey"},
        )
    if who.kind not in ("admin", "registrar"):
        raise error(403, "registering an agent needs the admin or registration key")
    return who


def require_agent(agent_id: str, who: Principal) -> None:
    """Allow the agent's own key or the admin key."""
    if who.kind == "public":
        raise error(
            401,
            f"acting as agent '{agent_id}' needs its key in header 'X-API-Key'",
            {"WWW-Authenticate": "ApiKey"},
        )
    if not (who.is_admin or (who.kind == "agent" and who.agent_id == agent_id)):
        raise error(403, f"this key may not act as agent '{agent_id}'")


async def cached(request: Request, ctx: Context, build: Callable[[], bytes]) -> Response:
    """Serve a JSON body from the cache, or build it from the snapshot (never waits for a tick)."""
    key = request.url.path + "?" + request.url.query
    version = ctx.sim.version
    body = ctx.cache.get(key, version)
    if body is not None:
        return Response(body, media_type="application/json", headers={"X-Cache": "hit"})
    body = build()
    ctx.cache.put(key, version, body)
    return Response(body, media_type="application/json", headers={"X-Cache": "miss"})


def stamp(ctx: Context) -> dict[str, Any]:
    """``tick`` and ``time`` of the latest snapshot."""
    snap = ctx.sim.snapshot
    return {"tick": snap.tick, "time": iso(snap.time)}
