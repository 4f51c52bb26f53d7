"""API keys, principals and rate limits.

Three kinds of key (header ``X-API-Key``, or ``Authorization: Bearer <key>``):

* the **admin key** may use every endpoint (control endpoints need it);
* the optional **registration key** may only register agents;
* an **agent key**, returned once by ``POST /api/agents/register``, may act only as its own
  agent (read its account, place and cancel its orders, unregister it).

Reads of the public state need no key. A request that carries an unknown key is refused
with 401, a valid key used outside its rights with 403. Keys are stored as SHA-256 digests.

Rate limits are token buckets: an agent may make ``rate_limit`` requests per minute
(bursts up to ``rate_limit``), counted per agent over all its requests; requests without a
key can be limited per client address (``public_rate_limit``); the admin is not limited.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass


def _digest(key: str) -> bytes:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).digest()


@dataclass(frozen=True)
class Principal:
    """Who a request acts as: ``kind`` is "admin", "registrar", "agent" or "public"."""

    kind: str
    agent_id: str | None = None

    @property
    def is_admin(self) -> bool:
        """True for the admin key."""
        return self.kind == "admin"


PUBLIC = Principal("public")


class KeyStore:
    """The admin key, the registration key and one key per registered agent."""

    def __init__(self, admin_key: str, registration_key: str | None = None):
        self._admin = _digest(admin_key)
        self._registration = _digest(registration_key) if registration_key else None
        self._agents: dict[bytes, str] = {}
        self._by_agent: dict[str, bytes] = {}

    def identify(self, key: str | None) -> Principal | None:
        """Principal of a key; PUBLIC for no key, None for an unknown key."""
        if not key:
            return PUBLIC
        digest = _digest(key)
        if hmac.compare_digest(digest, self._admin):
            return Principal("admin")
        if self._registration is not None and hmac.compare_digest(digest, self._registration):
            return Principal("registrar")
        agent_id = self._agents.get(digest)
        return Principal("agent", agent_id) if agent_id is not None else None

    def issue(self, agent_id: str) -> str:
        """Create and remember a new key for an agent; returns the key (shown once)."""
        key = "ak_" + secrets.token_urlsafe(32)
        digest = _digest(key)
        self._agents[digest] = agent_id
        self._by_agent[agent_id] = digest
        return key

    def revoke(self, agent_id: str) -> None:
        """Forget an agent's key."""
        digest = self._by_agent.pop(agent_id, None)
        if digest is not None:
            self._agents.pop(digest, None)

    def revoke_all_agents(self) -> None:
        """Forget every agent key (after a reset)."""
        self._agents.clear()
        self._by_agent.clear()

    def export(self) -> dict[str, str]:
        """Return agent id -> hex SHA-256 digest of its key (never the keys themselves)."""
        return {agent: digest.hex() for agent, digest in self._by_agent.items()}

    def restore(self, digests: dict[str, str]) -> None:
        """Accept again the agent keys whose digests :meth:`export` returned (a resumed server)."""
        for agent, digest in digests.items():
            raw = bytes.fromhex(digest)
            self._agents[raw] = agent
            self._by_agent[agent] = raw

    def __len__(self) -> int:
        return len(self._by_agent)


class RateLimiter:
    """Token buckets: ``per_minute`` requests per minute per key, bursts up to ``per_minute``.

    Parameters
    ----------
    per_minute : int
        Sustained rate and bucket size (requests).
    max_keys : int
        Buckets kept; beyond it, full (idle) buckets are forgotten.
    """

    def __init__(self, per_minute: int, max_keys: int = 100_000):
        self.per_minute = int(per_minute)
        self.rate = self.per_minute / 60.0
        self.max_keys = max_keys
        self._buckets: dict[str, list[float]] = {}
        self.refused = 0

    def allow(self, key: str, now: float | None = None) -> tuple[bool, float, int]:
        """Take one token; returns (allowed, seconds until a token is free, tokens left)."""
        now = time.monotonic() if now is None else now
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self.max_keys:
                self._forget_idle(now)
            bucket = self._buckets[key] = [float(self.per_minute), now]
        tokens = min(float(self.per_minute), bucket[0] + (now - bucket[1]) * self.rate)
        bucket[1] = now
        if tokens < 1.0:
            bucket[0] = tokens
            self.refused += 1
            return False, (1.0 - tokens) / self.rate, 0
        bucket[0] = tokens - 1.0
        return True, 0.0, int(bucket[0])

    def forget(self, key: str) -> None:
        """Drop a key's bucket (e.g. when an agent is removed)."""
        self._buckets.pop(key, None)

    def _forget_idle(self, now: float) -> None:
        full = [
            k
            for k, (tokens, last) in self._buckets.items()
            if tokens + (now - last) * self.rate >= self.per_minute
        ]
        for k in full:
            del self._buckets[k]
        if len(self._buckets) >= self.max_keys:  # all busy: drop the oldest half
            for k in sorted(self._buckets, key=lambda k: self._buckets[k][1])[: self.max_keys // 2]:
                del self._buckets[k]
