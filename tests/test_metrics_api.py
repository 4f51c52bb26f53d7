"""Observability of the API: /metrics (Prometheus), /api/alerts and the WebSocket ``alerts`` channel."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
prometheus = pytest.importorskip("prometheus_client")
from fastapi.testclient import TestClient  # noqa: E402
from prometheus_client.parser import text_string_to_metric_families  # noqa: E402

from arena.api import create_app  # noqa: E402
from arena.api.metrics import METRICS  # noqa: E402
from arena.scarcity import RESOURCE_NAMES  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

ADMIN = "test-admin-key-0123456789abcdef"
A = {"X-API-Key": ADMIN}
API_MD = Path(__file__).resolve().parents[1] / "docs" / "api.md"
#: fires on the first tick (fear is always > 0) and never clears
ALWAYS = {"rules": {"always_on": {"metric": "fear", "threshold": 0.0, "clear": 0.0, "severity": "info"}}}


def make_client(**kwargs) -> TestClient:
    return TestClient(create_app({"n_agents": 2_000, "seed": 7}, paused=True, admin_key=ADMIN, **kwargs))


def scrape(c) -> dict:
    r = c.get("/metrics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    return {f.name: f for f in text_string_to_metric_families(r.text)}


def value(families, name, **labels) -> float:
    family = families[name]
    suffix = "_total" if family.type == "counter" else ""
    hits = [s.value for s in family.samples
            if s.name == name + suffix and all(s.labels.get(k) == v for k, v in labels.items())]
    assert len(hits) == 1, (name, labels, family.samples)
    return hits[0]


def test_metrics_parse_and_contain_every_documented_metric():
    with make_client() as c:
        c.post("/api/admin/step", json={"ticks": 3}, headers=A)
        families = scrape(c)
    assert set(METRICS) <= set(families), sorted(set(METRICS) - set(families))
    for name, (kind, _) in METRICS.items():
        assert families[name].type == kind, name
    doc = API_MD.read_text()
    for name in METRICS:  # every metric is documented (and only these are in the table)
        assert f"`{name}" in doc, name
    assert {s.labels["resource"] for s in families["arena_scarcity"].samples} == set(RESOURCE_NAMES)


def test_counters_follow_what_happened():
    with make_client() as c:
        assert c.post("/api/admin/step", json={"ticks": 4}, headers=A).status_code == 200
        r = c.post("/api/agents/register", json={"name": "bot"}, headers=A)
        agent, key = r.json()["agent_id"], {"X-API-Key": r.json()["api_key"]}
        ok = c.post(f"/api/agents/{agent}/action", headers=key,
                    json={"type": "place", "side": "buy", "qty": 1, "limit": 1.0})
        assert ok.status_code == 200, ok.text
        bad = c.post(f"/api/agents/{agent}/action", headers=key,
                     json={"type": "place", "side": "sell", "qty": 5, "limit": 1.0})  # no shares
        assert bad.status_code == 400
        for _ in range(3):
            assert c.get("/api/history/inflation").status_code == 200
        assert c.get("/api/history/no_such_thing").status_code == 422
        families = scrape(c)
        assert value(families, "arena_outside_agents") == 1
        assert c.delete(f"/api/agents/{agent}", headers=key).status_code == 200
        after = scrape(c)
    assert value(families, "arena_ticks") == 4
    assert value(families, "arena_tick") == 4
    hist = families["arena_tick_duration_seconds"]
    count = [s.value for s in hist.samples if s.name.endswith("_count")]
    assert count == [4.0]
    assert value(families, "arena_households") == 2_000
    assert value(families, "arena_agent_registrations") == 1
    assert value(families, "arena_orders", action="place") == 1
    assert value(families, "arena_orders_rejected", action="place") == 1
    # routes are templates, not paths: bounded labels
    assert value(families, "arena_http_requests", method="GET", route="/api/history/{indicator}",
                 status="200") == 3
    assert value(families, "arena_http_requests", method="GET", route="/api/history/{indicator}",
                 status="422") == 1
    routes = {s.labels["route"] for s in families["arena_http_requests"].samples}
    assert not any(re.search(r"agent-\d", r) for r in routes)
    assert value(after, "arena_agent_unregistrations") == 1 and value(after, "arena_outside_agents") == 0
    assert value(families, "arena_process_resident_memory_bytes") > 10e6


def test_alerts_endpoint_metrics_and_websocket_channel():
    with make_client(alert_rules=ALWAYS) as c:
        with c.websocket_connect("/ws") as ws:
            ws.send_json({"action": "subscribe", "channels": ["alerts"]})
            assert ws.receive_json()["type"] == "subscribed"
            c.post("/api/admin/step", json={"ticks": 2}, headers=A)
            msg = ws.receive_json()
        assert msg["channel"] == "alerts" and msg["tick"] == 1
        assert msg["data"]["event"] == "alert_fired" and msg["data"]["alert"] == "always_on"
        body = c.get("/api/alerts").json()
        assert [a["alert"] for a in body["active"]] == ["always_on"]
        assert body["active"][0]["fired_tick"] == 1 and body["active"][0]["duration"] == 1
        assert {r["name"] for r in body["rules"]} >= {"inflation", "cpu", "memory", "critical_scarcity",
                                                       "panic", "euphoria", "always_on"}
        families = scrape(c)
    assert value(families, "arena_alerts_active", alert="always_on", severity="info") == 1
    assert value(families, "arena_alerts_active", alert="inflation", severity="critical") == 0
    assert value(families, "arena_alerts_fired", alert="always_on", severity="info") == 1


def test_alert_rules_survive_a_reset():
    with make_client(alert_rules=ALWAYS) as c:
        assert c.post("/api/admin/reset", json={}, headers=A).status_code == 200
        c.post("/api/admin/step", json={"ticks": 1}, headers=A)
        assert [a["alert"] for a in c.get("/api/alerts").json()["active"]] == ["always_on"]


def test_documented_prometheus_config_and_rules_parse_and_use_exported_metrics():
    yaml = pytest.importorskip("yaml")
    blocks = re.findall(r"```yaml\n(.*?)```", API_MD.read_text(), re.S)
    docs = [yaml.safe_load(b) for b in blocks]
    scrape = next(d for d in docs if "scrape_configs" in d)
    assert scrape["scrape_configs"][0]["metrics_path"] == "/metrics"
    rules = next(d for d in docs if "groups" in d)["groups"][0]["rules"]
    assert len(rules) >= 6
    exported = set()
    for name, (kind, _) in METRICS.items():
        exported |= {name + "_total"} if kind == "counter" else {name}
        if kind == "histogram":
            exported |= {name + "_bucket", name + "_sum", name + "_count"}
    for rule in rules:
        used = set(re.findall(r"arena_\w+", rule["expr"]))
        assert used and used <= exported, (rule["alert"], used - exported)
