"""A real uvicorn server on a free loopback port, with websockets and httpx clients."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time

import pytest

pytest.importorskip("uvicorn")
import httpx  # noqa: E402
import uvicorn  # noqa: E402
import websockets  # noqa: E402

from arena.api import create_app  # noqa: E402
from arena.api.ws import CHANNELS  # noqa: E402

pytestmark = [pytest.mark.xdist_group("api_server"), pytest.mark.timeout(120)]

ADMIN = "server-admin-key-0123456789abcdef"
A = {"X-API-Key": ADMIN}


@contextlib.contextmanager
def running_server(app, ws_max_size=4096, sndbuf=None):
    """Serve ``app`` with uvicorn in a thread on a socket bound to a free loopback port.

    ``sndbuf`` sets the kernel send buffer of accepted connections (Linux inherits it from
    the listening socket), so that a client that stops reading blocks the server quickly.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if sndbuf:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, sndbuf)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", ws_max_size=ws_max_size, lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "server did not start"
        time.sleep(0.02)
    try:
        yield f"127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(15)
        sock.close()


async def receive_until(ws, done, timeout=10.0):
    """Collect JSON messages until ``done(messages)`` or the time is up."""
    messages = []
    deadline = time.monotonic() + timeout
    while not done(messages):
        left = deadline - time.monotonic()
        if left <= 0:
            break
        try:
            messages.append(json.loads(await asyncio.wait_for(ws.recv(), left)))
        except asyncio.TimeoutError:
            break
    return messages


def test_every_channel_streams_over_a_real_socket():
    # an alert rule that fires on the first tick, so that the ``alerts`` channel has something to say
    always = {"rules": {"always_on": {"metric": "fear", "threshold": 0.0, "clear": 0.0}}}
    app = create_app({"n_agents": 2_000, "seed": 3}, paused=True, admin_key=ADMIN, max_ws_clients=2,
                     alert_rules=always)

    async def scenario(addr):
        async with (
            httpx.AsyncClient(base_url=f"http://{addr}", timeout=10) as http,
            websockets.connect(f"ws://{addr}/ws") as ws,
            websockets.connect(f"ws://{addr}/ws") as other,
        ):
            # connection limit: a third client is refused at the handshake
            with pytest.raises(websockets.exceptions.InvalidStatus) as refused:
                async with websockets.connect(f"ws://{addr}/ws"):
                    pass
            assert refused.value.response.status_code == 403
            await ws.send(json.dumps({"action": "subscribe", "channels": list(CHANNELS)}))
            ack = json.loads(await asyncio.wait_for(ws.recv(), 10))
            assert ack["type"] == "subscribed" and sorted(ack["channels"]) == sorted(CHANNELS)
            assert (await http.post("/api/admin/step", json={"ticks": 2}, headers=A)).status_code == 200
            for kind, resource in (("discovery", "lithium"), ("catastrophe", "oil")):
                r = await http.post(
                    "/api/admin/shock", json={"kind": kind, "size": 0.3, "resource": resource}, headers=A
                )
                assert r.status_code == 200, r.text
            got = await receive_until(ws, lambda ms: {m.get("channel") for m in ms} >= set(CHANNELS))
            by_channel = {m["channel"]: m for m in got if "channel" in m}
            assert set(by_channel) == set(CHANNELS), sorted(by_channel)
            for channel, msg in by_channel.items():
                assert (
                    isinstance(msg["tick"], int) and msg["time"].endswith("+00:00") and msg["timestamp"] > 0
                )
                assert isinstance(msg["data"], dict) and msg["data"], channel
            assert by_channel["discovery_event"]["data"]["resource"] == "lithium"
            assert by_channel["catastrophic_event"]["data"]["resource"] == "oil"
            assert by_channel["market_tick"]["data"]["equity"]["price"] > 0
            assert by_channel["alerts"]["data"]["event"] == "alert_fired"
            assert by_channel["alerts"]["data"]["alert"] == "always_on"
            # the unsubscribed client received nothing but its own replies
            await other.send(json.dumps({"action": "ping"}))
            assert json.loads(await asyncio.wait_for(other.recv(), 10))["type"] == "pong"
            # REST reads on the same server
            for path in ("/api/indicators", "/api/markets/equity", "/api/history/cpi?limit=5"):
                assert (await http.get(path)).status_code == 200

    with running_server(app) as addr:
        asyncio.run(scenario(addr))


def test_ticking_server_and_a_slow_client_that_never_reads():
    app = create_app({"n_agents": 2_000, "seed": 4, "tick_rate": 20}, admin_key=ADMIN, ws_queue_size=64)

    async def scenario(addr):
        # the slow client: tiny receive buffer and a one-frame client queue, and it never reads
        raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 2048)
        host, port = addr.split(":")
        raw.connect((host, int(port)))
        async with (
            websockets.connect(f"ws://{addr}/ws", sock=raw, max_queue=1, close_timeout=1) as slow,
            websockets.connect(f"ws://{addr}/ws", close_timeout=2) as fast,
            httpx.AsyncClient(base_url=f"http://{addr}") as http,
        ):
            await slow.send(json.dumps({"action": "subscribe", "channels": list(CHANNELS)}))
            await fast.send(json.dumps({"action": "subscribe", "channels": ["market_tick"]}))
            t0 = (await http.get("/api/health")).json()["tick"]
            # the slow client does not stall ticking: the fast one keeps receiving consecutive ticks
            # (a deadline to wait, not a rate: no wall-clock figure is asserted)
            got = await receive_until(fast, lambda ms: len(ms) > 60, timeout=120)
            ticks = [m["tick"] for m in got if m.get("channel") == "market_tick"]
            assert len(ticks) >= 50, len(ticks)
            assert ticks == list(range(ticks[0], ticks[0] + len(ticks)))  # a fast reader misses nothing
            await fast.send(json.dumps({"action": "unsubscribe", "channels": ["market_tick"]}))
            # reads while ticks run in the worker thread: consistent rows, never past the snapshot
            for _ in range(20):
                h = (await http.get("/api/history/price_equity", params={"limit": 50})).json()
                assert len(h["ticks"]) == len(h["values"]) == 50
                assert h["ticks"] == list(range(h["ticks"][0], h["ticks"][0] + 50))
                m = (await http.get("/api/markets/equity", params={"trades": 5})).json()
                assert [t["tick"] for t in m["recent_trades"]][-1] == m["tick"]
                assert m["recent_trades"][-1]["price"] == m["price"]
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline:  # the slow client's queue overflows: oldest dropped, counted
                status = (await http.get("/api/admin/status", headers=A)).json()
                if status["websocket"]["dropped"] > 0:
                    break
                await asyncio.sleep(0.2)
            assert status["running"] and status["tick"] > t0 + 50
            assert status["websocket"]["dropped"] > 0, status["websocket"]
            metrics = (await http.get("/metrics")).text
            dropped = re.search(r"^arena_websocket_dropped_messages_total (\S+)$", metrics, re.M)
            assert dropped and float(dropped.group(1)) >= status["websocket"]["dropped"]
            # when the slow client finally reads, it is told how many messages it lost
            notes = await receive_until(
                slow, lambda ms: any(m.get("type") == "dropped" for m in ms), timeout=10
            )
            note = [m for m in notes if m.get("type") == "dropped"]
            assert note and note[0]["count"] > 0 and note[0]["total"] >= note[0]["count"]

    with running_server(app, sndbuf=4096) as addr:
        asyncio.run(scenario(addr))


def test_serve_entry_point_starts_ticking_and_prints_the_admin_key():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    env = {k: v for k, v in os.environ.items() if k != "ARENA_ADMIN_KEY"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "arena.api", "--port", str(port), "--agents", "3000"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        deadline = time.monotonic() + 60
        body = None
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/api/indicators", timeout=2)
                if r.status_code == 200:
                    body = r.json()
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        assert body is not None, "server did not answer"
        time.sleep(0.5)
        later = httpx.get(f"http://127.0.0.1:{port}/api/health").json()
        assert later["running"] is True and later["tick"] > body["tick"]  # ticks by default
        r = httpx.post(f"http://127.0.0.1:{port}/api/agents/register", json={})
        assert r.status_code == 401
    finally:
        proc.terminate()
        try:
            _, err = proc.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            _, err = proc.communicate()
    assert "admin key" in err and "3000 households" in err


def test_a_client_whose_socket_stays_full_is_disconnected():
    app = create_app(
        {"n_agents": 2_000, "seed": 5, "tick_rate": 10}, admin_key=ADMIN, ws_queue_size=4, ws_send_timeout=1
    )

    async def scenario(addr):
        raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 2048)
        host, port = addr.split(":")
        raw.connect((host, int(port)))
        async with (
            websockets.connect(f"ws://{addr}/ws", sock=raw, max_queue=1, close_timeout=1) as slow,
            httpx.AsyncClient(base_url=f"http://{addr}") as http,
        ):
            await slow.send(json.dumps({"action": "subscribe", "channels": list(CHANNELS)}))
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                ws_stats = (await http.get("/api/admin/status", headers=A)).json()["websocket"]
                if ws_stats["disconnected_slow"] and not ws_stats["clients"]:
                    break
                await asyncio.sleep(0.2)
            assert ws_stats["disconnected_slow"] == 1 and ws_stats["clients"] == 0, ws_stats
            assert (await http.get("/api/health")).json()["running"] is True

    with running_server(app, sndbuf=4096) as addr:
        asyncio.run(scenario(addr))
