"""Audit trail of state-changing calls, pseudonyms in public feeds, snapshots and serve --from."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402

from arena.api import create_app  # noqa: E402
from arena.api.audit import key_id  # noqa: E402
from arena.model import ArenaModel  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

ADMIN = "audit-admin-key-0123456789abcdef"
A = {"X-API-Key": ADMIN}
NAME = "Zelda Quartermain"  # a registered name that must never reach a public feed


def make(tmp_path, **kwargs):
    app = create_app({"n_agents": 1_500, "seed": 3}, paused=True, admin_key=ADMIN,
                     run_dir=str(tmp_path / "run"), **kwargs)
    return TestClient(app)


def _session(c):
    """Every kind of state-changing call once, plus refused ones; returns the agent's key."""
    r = c.post("/api/agents/register", json={"name": NAME, "endowment": 20_000}, headers=A)
    assert r.status_code == 201, r.text
    agent, key = r.json()["agent_id"], r.json()["api_key"]
    K = {"X-API-Key": key}
    c.post("/api/admin/step", json={"ticks": 2}, headers=A)
    price = c.get("/api/markets/equity").json()["price"]
    r = c.post(f"/api/agents/{agent}/action", json={"type": "place", "side": "buy", "qty": 4,
                                                    "limit": round(price * 1.3, 2)}, headers=K)
    assert r.status_code == 200, r.text
    r = c.post(f"/api/agents/{agent}/action", json={"type": "place", "side": "buy", "qty": 1,
                                                    "limit": 1.0}, headers=K)
    order = r.json()["order"]["id"]
    assert c.post(f"/api/agents/{agent}/action", json={"type": "cancel", "order_id": order},
                  headers=K).status_code == 200
    assert c.post("/api/admin/shock", json={"kind": "panic", "size": 0.5, "fraction": 0.2},
                  headers=A).status_code == 200
    assert c.post("/api/admin/step", json={"ticks": 3}, headers=A).status_code == 200
    assert c.post("/api/admin/start", headers=A).status_code == 200
    assert c.post("/api/admin/pause", headers=A).status_code == 200
    assert c.post("/api/admin/snapshot", headers=A).status_code == 200
    # refused: no key, another agent's key on the admin API, a bad order
    assert c.post("/api/admin/pause").status_code == 401
    assert c.post("/api/admin/step", json={"ticks": 1}, headers=K).status_code == 403
    assert c.post(f"/api/agents/{agent}/action", json={"type": "place", "side": "buy", "qty": 1e12,
                                                       "limit": 1.0}, headers=K).status_code in (400, 422)
    return agent, key


def test_every_state_changing_call_is_audited_with_a_key_id_never_the_key(tmp_path):
    with make(tmp_path) as c:
        agent, key = _session(c)
        assert c.delete(f"/api/agents/{agent}", headers={"X-API-Key": key}).status_code == 200
        assert c.post("/api/admin/reset", json={"agents": 1_200}, headers=A).status_code == 200
        assert c.post("/api/admin/scenario", json={"name": "baseline", "agents": 1_000},
                      headers=A).status_code == 200
        reads = c.get("/api/admin/audit", params={"limit": 1000}, headers=A)
        assert reads.status_code == 200
        audit = reads.json()
        assert c.get("/api/admin/audit", headers={"X-API-Key": key}).status_code == 401  # key revoked
    entries = audit["entries"]
    actions = [e["action"] for e in entries]
    for action in ("register", "place_order", "cancel_order", "shock", "step", "start", "pause",
                   "snapshot", "unregister", "reset", "scenario"):
        assert action in actions, action
    ok = [e for e in entries if e["outcome"] == "ok"]
    refused = [e for e in entries if e["outcome"] == "refused"]
    assert {(e["action"], e["status"]) for e in refused} >= {("pause", 401), ("step", 403)}
    assert any(e["action"] == "place_order" and e["status"] in (400, 422) for e in refused)
    register = next(e for e in ok if e["action"] == "register")
    assert register["role"] == "admin" and register["key_id"] == key_id(ADMIN)
    assert register["result"]["agent_id"] == agent and register["params"]["endowment"] == 20_000
    place = next(e for e in ok if e["action"] == "place_order")
    assert place["role"] == "agent" and place["agent_id"] == agent and place["key_id"] == key_id(key)
    assert place["params"]["qty"] == 4 and place["result"]["order_id"] >= 1
    assert all(isinstance(e["tick"], int) and e["time"].endswith("+00:00") for e in entries)
    # the file in the run directory holds the same entries; no key appears anywhere
    path = tmp_path / "run" / "audit.jsonl"
    assert audit["file"] == str(path)
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert [e["seq"] for e in lines] == [e["seq"] for e in entries]
    text = path.read_text() + json.dumps(audit)
    assert key not in text and ADMIN not in text


def test_public_feeds_show_outside_agents_under_pseudonyms(tmp_path):
    with make(tmp_path) as c:
        with c.websocket_connect("/ws") as ws:
            ws.send_json({"action": "subscribe", "channels": ["market_tick", "psychology_update",
                                                              "inflation_update", "scarcity_update"]})
            ws.receive_json()
            agent, key = _session(c)
            seen = [ws.receive_text() for _ in range(12)]
        public = [c.get(p).text for p in ("/api/events?limit=1000", "/api/markets/equity?trades=500",
                                          "/api/indicators", "/api/health", "/api/history/price_equity")]
        events = c.get("/api/events", params={"type": "agent_registered"}).json()["events"]
    for text in seen + public:
        assert NAME not in text and key not in text and f'"{agent}"' not in text
    alias = events[0]["payload"]["agent"]
    assert alias.startswith("trader-") and len(alias) == len("trader-") + 8
    assert "name" not in events[0]["payload"] and "agent_id" not in events[0]["payload"]


def test_snapshot_and_serve_from_resume_the_running_model(tmp_path):
    with make(tmp_path) as c:
        agent, key = _session(c)
        model = c.app.state.ctx.sim.model
        r = c.post("/api/admin/snapshot", headers=A)
        assert r.status_code == 200, r.text
        snap = r.json()
        again = c.post("/api/admin/snapshot", headers=A).json()  # same tick: a new file, none replaced
        assert again["path"] != snap["path"] and snap["tick"] == model.tick and snap["agents"] == 1
        c.post("/api/admin/step", json={"ticks": 5}, headers=A)
        expected = model.indicators()
    loaded = ArenaModel.load(snap["path"])
    with TestClient(create_app(model=loaded, paused=True, admin_key=ADMIN,
                               run_dir=str(tmp_path / "run2"))) as c2:
        c2.app.state.ctx.keys.restore(json.loads(
            open(snap["path"].replace(".npz", ".keys.json")).read()))
        assert c2.get("/api/health").json()["tick"] == snap["tick"]
        c2.post("/api/admin/step", json={"ticks": 5}, headers=A)
        assert c2.app.state.ctx.sim.model.indicators().equals(expected)  # bit-identical continuation
        assert c2.get(f"/api/agents/{agent}", headers={"X-API-Key": key}).status_code == 200  # same key


def test_snapshot_needs_a_run_directory():
    with TestClient(create_app({"n_agents": 1_000, "seed": 1}, paused=True, admin_key=ADMIN)) as c:
        r = c.post("/api/admin/snapshot", headers=A)
        assert r.status_code == 409 and "run directory" in r.json()["detail"]
        entry = c.get("/api/admin/audit", headers=A).json()["entries"][-1]
        assert (entry["action"], entry["outcome"], entry["status"]) == ("snapshot", "refused", 409)
