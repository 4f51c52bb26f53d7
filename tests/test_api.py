"""REST and WebSocket API through the ASGI test client: reads, auth, limits, agents, admin."""

from __future__ import annotations

import sys
import types

import pytest

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402
from starlette.websockets import WebSocketDisconnect  # noqa: E402

from arena.api import create_app  # noqa: E402
from arena.api.ws import Client  # noqa: E402
from arena.external import MAX_ORDER_QTY  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

ADMIN = "test-admin-key-0123456789abcdef"
A = {"X-API-Key": ADMIN}
N = 2_000


def make_client(config=None, **kwargs) -> TestClient:
    app = create_app({"n_agents": N, "seed": 7, **(config or {})}, paused=True, admin_key=ADMIN, **kwargs)
    return TestClient(app)


@pytest.fixture
def client():
    with make_client() as c:
        yield c


def step(c, ticks=1):
    r = c.post("/api/admin/step", json={"ticks": ticks}, headers=A)
    assert r.status_code == 200, r.text
    return r.json()


def register(c, **body):
    r = c.post("/api/agents/register", json=body, headers=A)
    assert r.status_code == 201, r.text
    data = r.json()
    return data["agent_id"], {"X-API-Key": data["api_key"]}, data


def model_of(c):
    return c.app.state.ctx.sim.model


def state(c):
    """What a refused request must leave unchanged."""
    m = model_of(c)
    return (
        m.tick,
        m.stocks(),
        {k: (a.cash, a.shares, sorted(a.orders)) for k, a in m.outside.accounts.items()},
        len(m.event_log),
    )


# ---------------------------------------------------------------------- reads ---------
def test_public_reads_need_no_key(client):
    step(client, 3)
    for path in (
        "/api/health",
        "/api/indicators",
        "/api/psychology",
        "/api/monetary",
        "/api/scarcity",
        "/api/banks",
        "/api/firms",
        "/api/events",
        "/api/markets",
        "/api/markets/equity",
        "/api/history/cpi",
    ):
        r = client.get(path)
        assert r.status_code == 200, (path, r.text)
        assert r.headers["content-type"].startswith("application/json")
    ind = client.get("/api/indicators").json()
    assert ind["tick"] == 3 and ind["values"]["price_equity"] > 0 and ind["running"] is False
    psy = client.get("/api/psychology").json()
    assert 0 <= psy["fear"] <= 1 and 0 <= psy["sentiment"] <= 1
    mon = client.get("/api/monetary").json()
    assert mon["cpi"] > 0 and isinstance(mon["tightening"], bool)
    sca = client.get("/api/scarcity").json()
    assert set(sca["resources"]) >= {"oil", "water", "ip"}
    banks = client.get("/api/banks").json()
    model = model_of(client)
    assert len(banks["banks"]) == model.config.n_banks
    assert banks["loans"] == pytest.approx(sum(b["loans"] for b in banks["banks"]))
    assert banks["bank_failures"] == 0 and banks["capital_ratio"] > model.config.capital_requirement
    assert client.get("/api/health").json()["status"] == "ok"


def test_firms_summary_matches_the_model(client):
    step(client, 5)
    body = client.get("/api/firms").json()
    m = model_of(client)
    assert body["tick"] == 5
    assert body["n_firms"] == int(m.cfirms.alive.sum()) and body["n_kfirms"] == int(m.kfirms.alive.sum())
    assert sum(body["size_distribution"].values()) == body["n_firms"] + body["n_kfirms"]
    assert body["markup"]["p10"] <= body["markup"]["p50"] <= body["markup"]["p90"]
    assert body["vacancies"] == m.vacancies and body["defaults_total"] == m.defaults_total


def test_market_detail(client):
    step(client, 5)
    r = client.get("/api/markets/equity", params={"levels": 3, "trades": 4})
    m = r.json()
    assert m["market"] == "equity" and m["open_to_agents"] is True
    assert m["price"] > 0 and m["spread"] >= 0 and m["depth_bid"] >= 0 and m["volume"] >= 0
    assert len(m["bids"]) <= 3 and len(m["asks"]) <= 3
    assert all(b["price"] <= m["price"] + 1e-9 for b in m["bids"])
    assert [t["tick"] for t in m["recent_trades"]] == [2, 3, 4, 5]
    assert m["recent_trades"][-1]["price"] == pytest.approx(m["price"])
    assert client.get("/api/markets/oil").json()["open_to_agents"] is False
    r = client.get("/api/markets/gold")
    assert r.status_code == 422 and "market_id" in r.json()["message"]
    r = client.get("/api/markets/equity", params={"levels": 101})
    assert r.status_code == 422 and "levels" in r.json()["message"]


def test_history_range_and_limits(client):
    step(client, 20)
    h = client.get("/api/history/price_equity", params={"from": 5, "to": 10}).json()
    assert h["ticks"] == [5, 6, 7, 8, 9, 10] and len(h["values"]) == 6 and h["unit"]
    assert h["truncated"] is False
    h = client.get("/api/history/price_equity", params={"from": 5, "limit": 3}).json()
    assert h["ticks"] == [18, 19, 20] and h["truncated"] is True
    full = client.get("/api/indicators").json()["values"]
    assert client.get("/api/history/cpi?limit=1").json()["values"] == [pytest.approx(full["cpi"])]
    for params, field in (
        ({"from": 10, "to": 5}, "from"),
        ({"limit": 0}, "limit"),
        ({"limit": 10_001}, "limit"),
        ({"from": -1}, "from"),
        ({"to": "x"}, "to"),
    ):
        r = client.get("/api/history/price_equity", params=params)
        assert r.status_code == 422, params
        assert field in r.json()["message"], r.json()
    r = client.get("/api/history/not_a_column")
    assert r.status_code == 422 and "indicator" in r.json()["message"]


def test_events_filter_by_type_and_tick(client):
    step(client, 2)
    r = client.post("/api/admin/shock", json={"kind": "discovery", "size": 0.5, "resource": "oil"}, headers=A)
    assert r.status_code == 200, r.text
    assert "discovery_event" in [e["type"] for e in r.json()["events"]]
    step(client, 2)
    client.post("/api/admin/shock", json={"kind": "catastrophe", "size": 0.2, "resource": "water"}, headers=A)
    ev = client.get("/api/events", params={"type": "discovery_event"}).json()
    assert (
        ev["count"] == 1 and ev["events"][0]["payload"]["resource"] == "oil" and ev["events"][0]["tick"] == 2
    )
    ev = client.get("/api/events", params={"from": 3}).json()["events"]
    assert ev and all(e["tick"] >= 3 for e in ev) and "catastrophic_event" in [e["type"] for e in ev]
    assert client.get("/api/events", params={"to": 1}).json()["count"] == 0
    assert client.get("/api/events", params={"limit": 1}).json()["count"] == 1
    r = client.get("/api/events", params={"type": "market_tick"})  # streamed, not stored
    assert r.status_code == 422 and "type" in r.json()["message"]


def test_hot_reads_are_cached_per_version():
    with make_client({"cache_expiry": 60_000}) as c:
        assert c.get("/api/indicators").headers["x-cache"] == "miss"
        assert c.get("/api/indicators").headers["x-cache"] == "hit"
        step(c)
        r = c.get("/api/indicators")
        assert r.headers["x-cache"] == "miss" and r.json()["tick"] == 1
    with make_client({"cache_expiry": 0}) as c:
        c.get("/api/psychology")
        assert c.get("/api/psychology").headers["x-cache"] == "miss"


# ---------------------------------------------------------------------- auth ----------
def test_keys_and_rights(client):
    assert client.post("/api/agents/register", json={}).status_code == 401
    assert client.post("/api/agents/register", json={}, headers={"X-API-Key": "wrong" * 5}).status_code == 401
    a_id, a_key, _ = register(client, name="alice")
    b_id, b_key, _ = register(client, name="bob")
    before = state(client)
    order = {"type": "place", "side": "buy", "qty": 1, "limit": 100}
    # agent keys act only as their own agent
    assert client.post(f"/api/agents/{b_id}/action", json=order, headers=a_key).status_code == 403
    assert client.get(f"/api/agents/{b_id}", headers=a_key).status_code == 403
    assert client.delete(f"/api/agents/{b_id}", headers=a_key).status_code == 403
    assert client.post(f"/api/agents/{a_id}/action", json=order).status_code == 401
    assert (
        client.post(
            f"/api/agents/{a_id}/action", json=order, headers={"X-API-Key": "ak_forged-key-000000000000"}
        ).status_code
        == 401
    )
    # agent keys cannot register others or use control endpoints
    assert client.post("/api/agents/register", json={}, headers=a_key).status_code == 403
    for path in ("/api/admin/start", "/api/admin/step", "/api/admin/reset", "/api/admin/pause"):
        assert client.post(path, headers=a_key).status_code == 403, path
        assert client.post(path).status_code == 401, path
    assert client.get("/api/admin/status").status_code == 401
    assert state(client) == before  # refused requests changed nothing
    assert client.get(f"/api/agents/{a_id}", headers=a_key).status_code == 200
    assert client.get(f"/api/agents/{a_id}", headers=A).status_code == 200  # admin may read
    assert client.get("/api/agents/agent-999", headers=A).status_code == 404
    assert client.get("/api/agents/../admin", headers=A).status_code in (404, 422)


def test_registration_key_only_registers():
    with make_client(registration_key="registration-key-0123456789") as c:
        reg = {"X-API-Key": "registration-key-0123456789"}
        r = c.post("/api/agents/register", json={"name": "r1"}, headers=reg)
        assert r.status_code == 201
        assert c.post("/api/admin/step", headers=reg).status_code == 403
        assert c.get(f"/api/agents/{r.json()['agent_id']}", headers=reg).status_code == 403


def test_rate_limit_burst_is_refused_and_changes_nothing():
    with make_client({"rate_limit": 5}) as c:
        a_id, key, _ = register(c)
        codes = [c.get(f"/api/agents/{a_id}", headers=key).status_code for _ in range(5)]
        assert codes == [200] * 5
        before = state(c)
        r = c.post(
            f"/api/agents/{a_id}/action",
            json={"type": "place", "side": "buy", "qty": 1, "limit": 10},
            headers=key,
        )
        assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
        assert "rate limit" in r.json()["detail"]
        assert state(c) == before
        # the limit is per agent: another agent and public reads are unaffected
        b_id, key_b, _ = register(c)
        assert c.get(f"/api/agents/{b_id}", headers=key_b).status_code == 200
        assert c.get("/api/indicators").status_code == 200


def test_public_rate_limit_optional():
    with make_client(public_rate_limit=3) as c:
        codes = [c.get("/api/health").status_code for _ in range(5)]
        assert codes[:3] == [200] * 3 and codes[3:] == [429, 429]
        assert c.get("/api/health", headers=A).status_code == 200  # admin is not limited


# ---------------------------------------------------------------------- validation ----
def test_orders_are_validated_and_refusals_change_nothing(client):
    a_id, key, acct = register(client, name="val", endowment=1_000)
    assert acct["account"]["cash"] == 1_000 and acct["account"]["shares"] == 0
    before = state(client)
    url = f"/api/agents/{a_id}/action"
    for body, field in (
        ({"type": "place", "side": "buy", "qty": -1, "limit": 10}, "qty"),
        ({"type": "place", "side": "buy", "qty": MAX_ORDER_QTY * 2, "limit": 10}, "qty"),
        ({"type": "place", "side": "buy", "qty": "lots", "limit": 10}, "qty"),
        ({"type": "place", "side": "hold", "qty": 1, "limit": 10}, "side"),
        ({"type": "place", "side": "buy", "qty": 1}, "limit"),
        ({"type": "place", "side": "buy", "qty": 1, "limit": 10, "market": "oil"}, "market"),
        ({"type": "place", "side": "buy", "qty": 1, "limit": 10, "extra": 1}, "extra"),
        ({"type": "explode"}, "type"),
        ({"type": "cancel", "order_id": 0}, "order_id"),
    ):
        r = client.post(url, json=body, headers=key)
        assert r.status_code == 422, (body, r.text)
        assert field in r.json()["message"], (field, r.json()["message"])
    # valid shape, refused by the account check: 400 naming the field
    r = client.post(url, json={"type": "place", "side": "buy", "qty": 100, "limit": 100}, headers=key)
    assert r.status_code == 400 and "'qty'" in r.json()["detail"] and "free cash" in r.json()["detail"]
    r = client.post(url, json={"type": "place", "side": "sell", "qty": 1, "limit": 100}, headers=key)
    assert r.status_code == 400 and "free shares" in r.json()["detail"]
    r = client.post(url, json={"type": "cancel", "order_id": 12345}, headers=key)
    assert r.status_code == 400 and "order_id" in r.json()["detail"]
    r = client.post("/api/agents/register", json={"endowment": 1e12}, headers=A)
    assert r.status_code == 422 and "endowment" in r.json()["message"]
    r = client.post("/api/agents/register", json={"name": "<script>"}, headers=A)
    assert r.status_code == 422 and "name" in r.json()["message"]
    r = client.post(url, content=b'{"type": "place", "qty": ' + b"1" * 20_000 + b"}", headers=key)
    assert r.status_code == 413
    r = client.post(url, content=b"not json", headers={**key, "content-type": "application/json"})
    assert r.status_code == 422
    assert state(client) == before


# ---------------------------------------------------------------------- agents --------
def test_external_agent_round_trip_with_accounting():
    with make_client(check_accounting=True) as c:
        step(c, 3)
        m = model_of(c)
        money0 = m.money_supply()
        a_id, key, data = register(c, name="roundtrip")
        assert data["endowment"] == 10_000 and data["account"]["shares"] == 0
        assert m.money_supply() == pytest.approx(money0 + 10_000)
        price = c.get("/api/markets/equity").json()["price"]
        r = c.post(
            f"/api/agents/{a_id}/action",
            json={"type": "place", "side": "buy", "qty": 5, "limit": round(price * 1.3, 2)},
            headers=key,
        )
        assert r.status_code == 200, r.text
        placed = r.json()
        assert placed["order"]["qty"] == 5 and placed["account"]["free_cash"] < 10_000
        step(c, 3)
        acct = c.get(f"/api/agents/{a_id}", headers=key).json()
        assert acct["shares"] == pytest.approx(5) and acct["orders"] == []
        fills = acct["fills"]
        assert sum(f["qty"] for f in fills) == pytest.approx(5)
        spent = sum(f["qty"] * f["price"] for f in fills)
        dividends = acct["cash"] - (10_000 - spent)  # shareholders are paid dividends every tick
        assert 0 <= dividends < 0.01 * spent
        # sell two back, leave a resting order that unregistering must cancel
        c.post(
            f"/api/agents/{a_id}/action",
            json={"type": "place", "side": "sell", "qty": 2, "limit": round(price * 0.7, 2)},
            headers=key,
        )
        step(c, 2)
        c.post(
            f"/api/agents/{a_id}/action",
            json={"type": "place", "side": "buy", "qty": 1, "limit": 1.0},
            headers=key,
        )
        acct = c.get(f"/api/agents/{a_id}", headers=key).json()
        assert acct["shares"] == pytest.approx(3) and len(acct["orders"]) == 1
        money1, cb1 = m.money_supply(), m.central_bank.shares
        shares1 = m.stocks()["shares_equity"]
        r = c.delete(f"/api/agents/{a_id}", headers=key)
        assert r.status_code == 200, r.text
        s = r.json()
        assert s["shares_sold"] == pytest.approx(3) and s["orders_cancelled"] == 1
        assert s["cash_removed"] == pytest.approx(acct["cash"] + s["proceeds"])
        assert m.money_supply() == pytest.approx(money1 - acct["cash"])
        assert m.central_bank.shares == pytest.approx(cb1 + 3)
        assert m.stocks()["shares_equity"] == pytest.approx(shares1)
        # its key is gone; the economy keeps clearing with the accounting check on
        assert c.get(f"/api/agents/{a_id}", headers=key).status_code == 401
        assert c.get(f"/api/agents/{a_id}", headers=A).status_code == 404
        step(c, 5)
        health = c.get("/api/health").json()
        assert health["status"] == "ok" and health["tick"] == 13
        types_ = [e["type"] for e in c.get("/api/events").json()["events"]]
        assert "agent_registered" in types_ and "agent_unregistered" in types_


def test_cancel_order(client):
    a_id, key, _ = register(client)
    r = client.post(
        f"/api/agents/{a_id}/action",
        json={"type": "place", "side": "buy", "qty": 2, "limit": 1.5},
        headers=key,
    )
    oid = r.json()["order"]["id"]
    step(client)
    assert len(client.get(f"/api/agents/{a_id}", headers=key).json()["orders"]) == 1  # rests below the market
    r = client.post(f"/api/agents/{a_id}/action", json={"type": "cancel", "order_id": oid}, headers=key)
    assert r.status_code == 200 and r.json()["account"]["orders"] == []
    assert r.json()["account"]["free_cash"] == pytest.approx(10_000)


# ---------------------------------------------------------------------- admin ---------
def test_admin_controls(client):
    assert client.post("/api/admin/start", headers=A).json()["running"] is True
    assert client.post("/api/admin/pause", headers=A).json()["running"] is False
    t = client.get("/api/admin/status", headers=A).json()["tick"]
    r = client.post("/api/admin/step", json={"ticks": 1001}, headers=A)
    assert r.status_code == 422 and "ticks" in r.json()["message"]
    assert client.get("/api/admin/status", headers=A).json()["tick"] == t
    a_id, key, _ = register(client)
    r = client.post("/api/admin/reset", json={"agents": 1_500, "seed": 3}, headers=A)
    assert r.status_code == 200 and r.json()["tick"] == 0 and r.json()["n_agents"] == 1_500
    assert client.get(f"/api/agents/{a_id}", headers=key).status_code == 401  # keys discarded
    r = client.post("/api/admin/reset", json={"agents": 0}, headers=A)
    assert r.status_code == 422 and "agents" in r.json()["message"]
    r = client.post("/api/admin/reset", json={"agents": 2_000_000}, headers=A)
    assert r.status_code == 422 and "agents" in r.json()["message"]
    before = state(client)
    r = client.post(
        "/api/admin/shock", json={"kind": "discovery", "size": 0.5, "resource": "gold"}, headers=A
    )
    assert r.status_code == 400 and "'resource'" in r.json()["detail"]
    r = client.post("/api/admin/shock", json={"kind": "panic", "size": 5}, headers=A)
    assert r.status_code == 400 and "'size'" in r.json()["detail"]
    r = client.post("/api/admin/shock", json={"kind": "meteor", "size": 1}, headers=A)
    assert r.status_code == 422 and "kind" in r.json()["message"]
    assert state(client) == before
    r = client.post("/api/admin/shock", json={"kind": "panic", "size": 0.5}, headers=A)
    assert r.status_code == 200 and r.json()["events"][0]["type"] == "shock"


def test_load_scenario(client, monkeypatch):
    fake = types.ModuleType("arena.scenarios")

    def load_scenario(name):
        if name != "crash":
            raise FileNotFoundError(f"scenarios/{name}.toml")
        return types.SimpleNamespace(
            name="crash",
            config={"n_agents": 1_200, "seed": 5},
            shocks=[{"tick": 2, "kind": "panic", "size": 0.9}],
        )

    fake.load_scenario = load_scenario
    monkeypatch.setitem(sys.modules, "arena.scenarios", fake)
    r = client.post("/api/admin/scenario", json={"name": "crash"}, headers=A)
    assert r.status_code == 200, r.text
    assert r.json()["scenario"] == "crash" and r.json()["n_agents"] == 1_200
    step(client, 3)
    shocks = client.get("/api/events", params={"type": "shock"}).json()["events"]
    assert [(e["tick"], e["payload"]["kind"]) for e in shocks] == [(2, "panic")]
    r = client.post("/api/admin/scenario", json={"name": "nope"}, headers=A)
    assert r.status_code == 404 and "nope" in r.json()["detail"]
    r = client.post("/api/admin/scenario", json={"name": "../etc/passwd"}, headers=A)
    assert r.status_code == 422 and "name" in r.json()["message"]


# ---------------------------------------------------------------------- websocket -----
def test_websocket_protocol(client):
    with client.websocket_connect("/ws") as ws:
        ws.send_json({"action": "subscribe", "channels": ["market_tick", "inflation_update"]})
        ack = ws.receive_json()
        assert ack["type"] == "subscribed" and ack["channels"] == ["inflation_update", "market_tick"]
        step(client)
        got = {}
        while len(got) < 2:
            msg = ws.receive_json()
            got[msg["channel"]] = msg
        tick = got["market_tick"]
        assert tick["tick"] == 1 and "T" in tick["time"] and tick["timestamp"] > 0
        assert tick["data"]["equity"]["price"] > 0
        assert "cpi" in got["inflation_update"]["data"]
        ws.send_json({"action": "unsubscribe", "channels": ["market_tick"]})
        assert ws.receive_json()["channels"] == ["inflation_update"]
        ws.send_json({"action": "subscribe", "channels": ["prices"]})
        err = ws.receive_json()
        assert err["type"] == "error" and err["field"] == "channels" and "prices" in err["error"]
        ws.send_text("{not json")
        assert ws.receive_json()["field"] == "message"
        ws.send_json({"action": "ping"})
        assert ws.receive_json()["type"] == "pong"
        ws.send_text("x" * 5000)  # larger than ws_max_message: closed with 1009
        with pytest.raises(WebSocketDisconnect) as exc:
            ws.receive_json()
        assert exc.value.code == 1009


def test_websocket_connection_limit():
    with make_client(max_ws_clients=1) as c:
        with c.websocket_connect("/ws") as ws:
            ws.send_json({"action": "ping"})
            assert ws.receive_json()["type"] == "pong"
            with pytest.raises(WebSocketDisconnect):
                with c.websocket_connect("/ws") as ws2:
                    ws2.receive_json()
            assert c.get("/api/admin/status", headers=A).json()["websocket"]["refused"] == 1


def test_slow_client_queue_drops_oldest():
    client = Client(ws=None, host="h", queue_size=3)
    for i in range(5):
        client.push(str(i))
    assert [text for text, _ in client.queue] == ["2", "3", "4"] and client.dropped == 2


def test_load_a_real_scenario(client):
    pytest.importorskip("arena.scenarios")
    from arena.scenarios import load_scenario

    expected = load_scenario("market_crash")
    r = client.post(
        "/api/admin/scenario", json={"name": "market_crash", "agents": 1_000, "seed": 2}, headers=A
    )
    assert r.status_code == 200, r.text
    assert r.json()["scenario"] == "market_crash" and r.json()["n_agents"] == 1_000
    sim = client.app.state.ctx.sim
    scheduled = sorted((s.tick, s.kind) for shocks in sim.schedule.values() for s in shocks)
    assert scheduled == sorted((s.tick, s.kind) for s in expected.shocks)
    assert sim.config.seed == 2


def test_model_register_and_unregister_keep_accounting_closed():
    from arena import ArenaModel

    model = ArenaModel(n_agents=N, seed=11, check_accounting=True)
    model.step()
    money, shares = model.money_supply(), model.stocks()["shares_equity"]
    account = model.register_agent("direct", 5_000)
    assert model.money_supply() == pytest.approx(money + 5_000)
    model.outside.place(account.id, "buy", 3, model.prices["equity"] * 1.4, model.tick)
    for _ in range(3):
        model.step()  # raises AccountingError if the outside account broke stock-flow consistency
    assert account.shares == pytest.approx(3)
    money, cb = model.money_supply(), model.central_bank.shares
    settlement = model.unregister_agent(account.id)
    assert settlement["shares_sold"] == pytest.approx(3) and account.id not in model.outside.accounts
    assert model.money_supply() == pytest.approx(money - account.cash + settlement["proceeds"])
    assert model.central_bank.shares == pytest.approx(cb + 3)
    assert model.stocks()["shares_equity"] == pytest.approx(shares)
    for _ in range(3):
        model.step()
    kinds = list(model.events()["type"])
    assert "agent_registered" in kinds and "agent_unregistered" in kinds
    with pytest.raises(KeyError):
        model.unregister_agent(account.id)
    with pytest.raises(ValueError, match="'name'"):
        model.register_agent("")
