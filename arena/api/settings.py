"""Settings of the API server that are not engine parameters (limits, keys, queues).

Engine parameters that concern the API (``tick_rate``, ``cache_expiry``, ``rate_limit``,
``history_limit``, ``max_agents``) stay in :class:`~arena.config.ArenaConfig`; this frozen
dataclass holds the server's own bounds, validated with the same error template.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, fields, replace
from typing import Any

from arena.errors import ConfigError

#: Households simulated by ``arena serve`` unless ``--agents`` says otherwise (a tick takes
#: about 7 ms at this size, so the server starts in about a second and keeps a 100 ms pace).
SERVER_AGENTS = 20_000

#: name -> (low, high, unit, meaning) for the integer settings.
_BOUNDS: dict[str, tuple[int, int, str, str]] = {
    "max_ws_clients": (1, 100_000, "connections", "WebSocket connections open at once"),
    "max_ws_per_host": (1, 100_000, "connections", "WebSocket connections from one client address"),
    "ws_queue_size": (1, 100_000, "messages", "per-client outgoing queue (oldest dropped when full)"),
    "ws_max_message": (64, 1_048_576, "bytes", "largest message a WebSocket client may send"),
    "ws_send_timeout": (1, 3600, "s", "a client whose send blocks this long is disconnected"),
    "max_body": (256, 10_485_760, "bytes", "largest HTTP request body"),
    "max_history_points": (1, 1_000_000, "points", "largest `limit` of /api/history"),
    "max_events": (1, 100_000, "events", "largest `limit` of /api/events"),
    "max_step_ticks": (1, 100_000, "ticks", "largest `ticks` of /api/admin/step"),
    "max_reset_agents": (1, 10_000_000, "agents", "largest `agents` of /api/admin/reset and /scenario"),
    "history_retention": (100, 100_000_000, "ticks", "indicator rows kept in memory by the server"),
    "cache_entries": (1, 1_000_000, "entries", "size of the response cache (LRU)"),
}


@dataclass(frozen=True)
class ApiSettings:
    """Server settings; every integer is bounded (see ``_BOUNDS`` and docs/api.md).

    Parameters
    ----------
    admin_key : str, optional
        Key of the control endpoints; default: env ``ARENA_ADMIN_KEY`` or a random key
        (``generated_admin_key`` is then True and :func:`arena.api.serve` prints it).
    registration_key : str, optional
        A second key that may only register agents (env ``ARENA_REGISTRATION_KEY``);
        without it, registration needs the admin key.
    public_rate_limit : int, optional
        Requests per minute per client address for requests without a key; None = no limit
        (reads are cached per tick, see docs/api.md).
    run_dir : str, optional
        Directory of this server run: ``audit.jsonl`` (the audit trail) and ``snapshots/``
        (``POST /api/admin/snapshot``). None keeps the audit trail in memory only and refuses
        snapshots; ``arena serve`` uses ``data/serve/<start time>/``.
    """

    admin_key: str | None = None
    registration_key: str | None = None
    public_rate_limit: int | None = None
    max_ws_clients: int = 1000
    max_ws_per_host: int = 250
    ws_queue_size: int = 256
    ws_max_message: int = 4096
    ws_send_timeout: int = 10
    max_body: int = 16_384
    max_history_points: int = 10_000
    max_events: int = 1000
    max_step_ticks: int = 1000
    max_reset_agents: int = 1_000_000
    history_retention: int = 100_000
    cache_entries: int = 1024
    generated_admin_key: bool = False
    run_dir: str | None = None

    def __post_init__(self):
        for name, (low, high, unit, _) in _BOUNDS.items():
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise ConfigError(
                    f"The '{name}' parameter of ApiSettings must be an int in the range "
                    f"[{low}, {high}] ({unit}). Got {value!r} instead."
                )
        limit = self.public_rate_limit
        if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
            raise ConfigError(
                "The 'public_rate_limit' parameter of ApiSettings must be an int >= 1 or None. "
                f"Got {limit!r} instead."
            )
        if self.run_dir is not None and (not isinstance(self.run_dir, str) or not self.run_dir.strip()):
            raise ConfigError(
                "The 'run_dir' parameter of ApiSettings must be a directory path or None. "
                f"Got {self.run_dir!r}."
            )
        for name in ("admin_key", "registration_key"):
            key = getattr(self, name)
            if key is not None and (not isinstance(key, str) or len(key) < 16):
                raise ConfigError(
                    f"The '{name}' parameter of ApiSettings must be a string of at least 16 "
                    f"characters. Got {'a shorter value' if isinstance(key, str) else repr(key)}."
                )

    @classmethod
    def create(cls, **overrides: Any) -> ApiSettings:
        """Return settings with keys filled in from the environment or generated."""
        known = {f.name for f in fields(cls)}
        unknown = set(overrides) - known
        if unknown:
            raise ConfigError(f"Unknown ApiSettings parameter(s) {sorted(unknown)}; known: {sorted(known)}.")
        values = dict(overrides)
        generated = False
        if values.get("admin_key") is None:
            values["admin_key"] = os.environ.get("ARENA_ADMIN_KEY") or None
            if values["admin_key"] is None:
                values["admin_key"] = secrets.token_urlsafe(32)
                generated = True
        if values.get("registration_key") is None:
            values["registration_key"] = os.environ.get("ARENA_REGISTRATION_KEY") or None
        values["generated_admin_key"] = generated
        return cls(**values)

    def replace(self, **changes: Any) -> ApiSettings:
        """Return a copy with some settings changed (validated)."""
        return replace(self, **changes)
