"""Audit trail of state-changing API calls, and pseudonyms of outside agents in public feeds.

Every POST/DELETE of the agent and admin routes (registration, orders, cancels, unregistering,
start, pause, step, reset, scenario, shock, snapshot) is appended, allowed or refused, to a
JSON-lines file ``audit.jsonl`` in the server's run directory, one object per call::

    {"seq": 7, "time": "2026-11-27T04:31:02.118+00:00", "tick": 812, "key_id": "k-3f9a0c21d4e7",
     "role": "agent", "agent_id": "agent-3", "action": "place_order", "params": {...},
     "outcome": "ok", "status": 200, "result": {"order_id": 4}}

``key_id`` is a fingerprint of the key (12 hex digits of its SHA-256), never the key; a request
without a key has ``key_id`` null and role "public", an unknown key role "unknown". ``outcome``
is "ok" (2xx), "refused" (4xx) or "error" (5xx); refusals carry the ``detail``. The admin reads
the newest entries with ``GET /api/admin/audit``.

Public feeds (``/api/events``, the WebSocket channels) show an outside agent under a pseudonym
(``trader-`` and 8 hex digits of an HMAC of its id with a secret of the server run), never its
registered name or id.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import threading
import time
from collections import deque
from pathlib import Path
from typing import Any, Callable

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute

from arena.api.ws import iso, jsonable

#: Entries kept in memory for ``GET /api/admin/audit`` (the file keeps all).
MEMORY = 10_000
#: Fields of a successful response copied into the entry (never keys or names).
RESULT_FIELDS = ("agent_id", "path", "tick", "kind", "shares_sold", "proceeds", "cash_removed")
#: Payload fields that identify an outside agent: replaced (agent_id) or dropped (name) in public.
IDENTITY_FIELDS = ("agent_id", "name")


def key_id(key: str | None) -> str | None:
    """Return a fingerprint of an API key (``k-`` + 12 hex digits of SHA-256), or None."""
    if not key:
        return None
    return "k-" + hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:12]


class AuditLog:
    """Append-only audit entries: a JSON-lines file (optional) and the newest in memory.

    Parameters
    ----------
    path : Path, optional
        File the entries are appended to (its directory is created); None keeps them in
        memory only (tests, embedded servers).
    """

    def __init__(self, path: str | Path | None = None):
        self.path = Path(path) if path is not None else None
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self.entries: deque[dict[str, Any]] = deque(maxlen=MEMORY)
        self.seq = 0
        self._lock = threading.Lock()

    def record(self, **entry: Any) -> dict[str, Any]:
        """Append one entry (``time`` and ``seq`` are added)."""
        with self._lock:
            self.seq += 1
            full = {"seq": self.seq, "time": iso(time.time()), **jsonable(entry)}
            self.entries.append(full)
            if self.path is not None:
                with self.path.open("a", encoding="utf-8") as fh:
                    fh.write(json.dumps(full, separators=(",", ":")) + "\n")
        return full

    def tail(self, limit: int, action: str | None = None) -> list[dict[str, Any]]:
        """Return the newest ``limit`` entries (of one ``action``), oldest first."""
        rows = [e for e in self.entries if action is None or e["action"] == action]
        return rows[-limit:]


class Pseudonyms:
    """Stable pseudonyms of outside agents for one server run (HMAC with a random secret)."""

    def __init__(self, secret: bytes | None = None):
        self._secret = secret or secrets.token_bytes(32)

    def alias(self, agent_id: str) -> str:
        """Return the public name of an agent: ``trader-`` + 8 hex digits."""
        return "trader-" + hmac.new(self._secret, agent_id.encode(), hashlib.sha256).hexdigest()[:8]

    def public(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Return ``payload`` with agent ids replaced by pseudonyms and names removed."""
        if not any(k in payload for k in IDENTITY_FIELDS):
            return payload
        out = {k: v for k, v in payload.items() if k not in IDENTITY_FIELDS}
        if isinstance(payload.get("agent_id"), str):
            out["agent"] = self.alias(payload["agent_id"])
        return out


def _action(request: Request, name: str, body: Any) -> str:
    if name == "action":  # /api/agents/{id}/action
        kind = body.get("type") if isinstance(body, dict) else None
        return {"place": "place_order", "cancel": "cancel_order"}.get(kind, "order_action") \
            if isinstance(kind, str) else "order_action"
    return name


def _result(response: Response) -> dict[str, Any] | None:
    try:
        data = json.loads(response.body)
    except (AttributeError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    out = {k: data[k] for k in RESULT_FIELDS if k in data}
    order = data.get("order")
    if isinstance(order, dict) and "id" in order:
        out["order_id"] = order["id"]
    return out or None


class AuditedRoute(APIRoute):
    """A route whose POST/DELETE calls are written to the app's audit log, allowed or refused.

    Wraps the whole handler (dependencies included), so calls refused for a missing or wrong
    key (401/403), a rate limit (429) or a bad body (422) are logged too.
    """

    def get_route_handler(self) -> Callable:
        """Return the route's handler, wrapped to write an audit entry for state-changing methods."""
        handler = super().get_route_handler()
        if not (self.methods & {"POST", "DELETE", "PUT", "PATCH"}):
            return handler
        name = self.name

        async def audited(request: Request) -> Response:
            ctx = request.app.state.ctx
            raw = await request.body()
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                body = "<not JSON>"
            key = request.headers.get("x-api-key")
            auth = request.headers.get("authorization", "")
            if not key and auth.lower().startswith("bearer "):
                key = auth[7:].strip()
            who = ctx.keys.identify(key)
            params = {**request.path_params, **(body if isinstance(body, dict) else {"body": body})}
            params.pop("api_key", None)
            entry = {"key_id": key_id(key), "role": who.kind if who is not None else "unknown",
                     "agent_id": who.agent_id if who is not None else None,
                     "action": _action(request, name, body), "method": request.method,
                     "path": request.url.path, "params": params}
            try:
                response = await handler(request)
            except RequestValidationError as exc:
                ctx.audit.record(tick=ctx.sim.snapshot.tick, **entry, outcome="refused", status=422,
                                 detail=[e.get("msg") for e in exc.errors()])
                raise
            except Exception as exc:
                status = getattr(exc, "status_code", None) or 500
                detail = getattr(exc, "detail", None) or f"{type(exc).__name__}: {exc}"
                ctx.audit.record(tick=ctx.sim.snapshot.tick, **entry,
                                 outcome="refused" if status < 500 else "error", status=status,
                                 detail=detail)
                raise
            status = response.status_code
            ctx.audit.record(tick=ctx.sim.snapshot.tick, **entry,
                             outcome="ok" if status < 400 else ("refused" if status < 500 else "error"),
                             status=status, result=_result(response) if status < 400 else None)
            return response

        return audited
