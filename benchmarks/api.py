"""API latency benchmark: REST p50/p99 and WebSocket fan-out to N clients, on loopback.

Starts ``python -m arena.api`` (the same server as ``arena serve``) in a subprocess, ticking
at its default pace (tick_rate 100 ms) with ``--agents`` households, then measures

* REST: ``--requests`` sequential requests per endpoint over one keep-alive connection
  (httpx), the same reads with a minimal raw HTTP/1.1 client, sequentially and from
  ``--concurrency`` concurrent connections; and an agent's order placement and
  cancellation (POST /api/agents/{id}/action);
* observability: the cost per tick of alert evaluation, metrics and health sampling, and of
  a ``/metrics`` scrape, measured in-process (:func:`observability_cost`);
* WebSocket: ``--clients`` clients subscribed to ``market_tick``; for ``--ticks`` ticks the
  latency from the server publishing a tick (message ``timestamp``) to each client
  receiving it.

Everything is bounded in count and in time (``--timeout``). Usage::

    .venv/bin/python benchmarks/api.py [--agents 20000] [--requests 300] [--clients 100] [--ticks 50]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import time

import httpx
import numpy as np
import websockets

ADMIN = "benchmark-admin-key-0123456789abcdef"
READS = [
    "/api/health",
    "/api/indicators",
    "/api/psychology",
    "/api/monetary",
    "/api/scarcity",
    "/api/markets/equity",
    "/api/history/price_equity?limit=1000",
    "/api/events?limit=100",
    "/api/alerts",
    "/metrics",
]


def observability_cost(agents: int, ticks: int, scrape_interval_s: float = 5.0) -> dict:
    """Cost of alerts, metrics and health sampling per tick, measured in this process.

    Builds the same app as the server (``create_app``), steps its model ``ticks`` times and
    times, for each tick: the model step; the engine's alert evaluation (phase 7, measured on a
    twin monitor fed the same indicators); the server's per-tick work after the step (tick
    histogram and counters, slow-tick check, the snapshot's active-alert list); a psutil health
    sample with the process-health rules (taken at most once a second by the server); and a full
    ``/metrics`` exposition (done once per Prometheus scrape). Returns medians in ms and the
    share of the median tick, amortised at the server's pace (one health sample per second, one
    scrape per ``scrape_interval_s``) and in the worst case (all of it every tick).
    """
    from arena.alerts import AlertMonitor
    from arena.api import create_app
    from arena.health import HealthSampler

    app = create_app({"n_agents": agents, "seed": 1}, paused=True, admin_key=ADMIN)
    ctx = app.state.ctx
    sim, model = ctx.sim, ctx.sim.model
    twin = AlertMonitor(model.alert_monitor.rules.values())
    health = HealthSampler(min_interval=0.0)
    rows = {"tick": [], "alerts": [], "server": [], "health": [], "scrape": []}
    clock = time.perf_counter
    for _ in range(ticks):
        t0 = clock()
        model.step()
        t1 = clock()
        twin.evaluate(model.tick, model.current)
        t2 = clock()
        sim._after_tick((t1 - t0) * 1000.0)
        tuple(model.alert_monitor.active(model.tick))
        t3 = clock()
        sample, _ = health.sample((t1 - t0) * 1000.0)
        model.alert_monitor.evaluate_health(model.tick, sample)
        t4 = clock()
        ctx.metrics.exposition()
        t5 = clock()
        for key, dt in zip(rows, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4), strict=True):
            rows[key].append(dt * 1000.0)
    med = {k: float(np.median(v)) for k, v in rows.items()}
    t0 = clock()
    for _ in range(10_000):  # what the middleware adds to every REST request
        ctx.metrics.requests.labels("GET", "/api/indicators", "200").inc()
        ctx.metrics.latency.labels("GET", "/api/indicators").observe(0.001)
    med["per_request"] = (clock() - t0) / 10_000 * 1000.0
    tick_rate_s = model.config.tick_rate / 1000.0
    amortised = (med["alerts"] + med["server"] + med["health"] * min(1.0, tick_rate_s / 1.0)
                 + med["scrape"] * min(1.0, tick_rate_s / scrape_interval_s))
    worst = med["alerts"] + med["server"] + med["health"] + med["scrape"]
    return {"agents": agents, "ticks": ticks, "median_ms": med, "scrape_interval_s": scrape_interval_s,
            "amortised_ms": amortised, "amortised_share": amortised / med["tick"],
            "worst_ms": worst, "worst_share": worst / med["tick"]}


def print_observability(cost: dict) -> None:
    m = cost["median_ms"]
    print(f"\nObservability cost per tick ({cost['agents']} households, median of {cost['ticks']} ticks):\n")
    print("| part | median (ms) |\n|---|---:|")
    for label, key in (("model tick (includes the engine's alert evaluation)", "tick"),
                       ("alert evaluation, indicator rules (phase 7)", "alerts"),
                       ("server after the tick: histogram, counters, slow-tick check, active alerts",
                        "server"),
                       ("psutil health sample + process-health rules (server: once a second)", "health"),
                       ("full /metrics exposition (once per scrape)", "scrape"),
                       ("per REST request: counter + latency histogram (middleware)", "per_request")):
        print(f"| {label} | {m[key]:.4f} |")
    print(f"\namortised at tick_rate with a scrape every {cost['scrape_interval_s']:g} s: "
          f"{cost['amortised_ms']:.4f} ms = {100 * cost['amortised_share']:.2f}% of the tick; "
          f"worst case (everything every tick): {cost['worst_ms']:.4f} ms = "
          f"{100 * cost['worst_share']:.2f}% of the tick")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pct(values, q) -> float:
    return float(np.percentile(np.asarray(values) * 1000.0, q)) if values else float("nan")


def start_server(port: int, agents: int, timeout: float) -> subprocess.Popen:
    env = {**os.environ, "ARENA_ADMIN_KEY": ADMIN}
    proc = subprocess.Popen(
        [sys.executable, "-m", "arena.api", "--port", str(port), "--agents", str(agents),
         "--log-level", "warning"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: {proc.stderr.read()}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=1).status_code == 200:
                return proc
        except httpx.TransportError:
            time.sleep(0.1)
    proc.terminate()
    raise RuntimeError("server did not start in time")


def rest_sequential(base: str, n: int) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {}
    with httpx.Client(base_url=base, timeout=10) as http:
        for path in READS:
            http.get(path)  # warm up
            times = []
            for _ in range(n):
                t = time.perf_counter()
                r = http.get(path)
                times.append(time.perf_counter() - t)
                assert r.status_code == 200, (path, r.status_code)
            out[path] = times
        agent = http.post("/api/agents/register", json={"name": "bench"}, headers={"X-API-Key": ADMIN}).json()
        key = {"X-API-Key": agent["api_key"]}
        url = f"/api/agents/{agent['agent_id']}/action"
        times = []
        for _ in range(n // 2):  # place + cancel: n requests, well inside rate_limit (1000/min)
            t = time.perf_counter()
            r = http.post(url, json={"type": "place", "side": "buy", "qty": 1, "limit": 1.0}, headers=key)
            times.append(time.perf_counter() - t)
            assert r.status_code == 200, r.text
            t = time.perf_counter()
            r = http.post(url, json={"type": "cancel", "order_id": r.json()["order"]["id"]}, headers=key)
            times.append(time.perf_counter() - t)
            assert r.status_code == 200, r.text
        out["POST /api/agents/{id}/action"] = times
        http.delete(f"/api/agents/{agent['agent_id']}", headers=key)
    return out


class RawHTTP:
    """A minimal keep-alive HTTP/1.1 client on asyncio streams.

    httpx costs a few ms of client CPU per request, which on a 2-core machine dominates
    what concurrent clients measure; this client costs tens of microseconds.
    """

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.reader = self.writer = None

    async def __aenter__(self) -> "RawHTTP":
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        return self

    async def __aexit__(self, *exc) -> None:
        self.writer.close()

    async def request(self, method: str, path: str, body: bytes = b"", headers: dict | None = None):
        head = f"{method} {path} HTTP/1.1\r\nHost: {self.host}\r\n"
        for k, v in (headers or {}).items():
            head += f"{k}: {v}\r\n"
        if body:
            head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        self.writer.write(head.encode() + b"\r\n" + body)
        status_line = await self.reader.readline()
        length = 0
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode().partition(":")
            if name.lower() == "content-length":
                length = int(value)
        data = await self.reader.readexactly(length)
        return int(status_line.split()[1]), data


async def rest_concurrent(addr: str, clients: int, n: int) -> list[float]:
    host, port = addr.split(":")
    times: list[float] = []

    async def worker(i: int) -> None:
        async with RawHTTP(host, int(port)) as http:
            for k in range(n):
                path = READS[(i + k) % len(READS)]
                t = time.perf_counter()
                status, _ = await http.request("GET", path)
                times.append(time.perf_counter() - t)
                assert status == 200, (path, status)

    await asyncio.gather(*(worker(i) for i in range(clients)))
    return times


async def ws_fanout(addr: str, clients: int, ticks: int, timeout: float) -> dict:
    conns = []
    for _ in range(clients):
        ws = await websockets.connect(f"ws://{addr}/ws", max_queue=None)
        await ws.send(json.dumps({"action": "subscribe", "channels": ["market_tick"]}))
        conns.append(ws)
    for ws in conns:  # acks
        json.loads(await asyncio.wait_for(ws.recv(), 10))
    latencies: list[float] = []
    arrivals: dict[int, list[float]] = {}
    start = time.time() + 0.5  # ticks published before every reader runs are not fan-out latency

    async def reader(ws) -> None:
        seen = 0
        while seen < ticks:
            msg = json.loads(await ws.recv())
            now = time.time()
            if msg.get("channel") != "market_tick" or msg["timestamp"] < start:
                continue
            latencies.append(now - msg["timestamp"])
            arrivals.setdefault(msg["tick"], []).append(now)
            seen += 1

    await asyncio.wait_for(asyncio.gather(*(reader(ws) for ws in conns)), timeout)
    async with httpx.AsyncClient() as http:  # server-side figures before the clients leave
        server = (await http.get(f"http://{addr}/api/admin/status", headers={"X-API-Key": ADMIN})).json()
    for ws in conns:
        await ws.close()
    spreads = [max(v) - min(v) for v in arrivals.values() if len(v) == clients]
    return {"latencies": latencies, "spreads": spreads, "ticks": len(arrivals), "server": server["websocket"]}


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--agents", type=int, default=20_000)
    p.add_argument("--requests", type=int, default=300, help="requests per endpoint (sequential)")
    p.add_argument("--concurrency", type=int, default=10)
    p.add_argument("--clients", type=int, default=100, help="WebSocket clients")
    p.add_argument("--ticks", type=int, default=50, help="ticks measured on the WebSocket")
    p.add_argument("--timeout", type=float, default=120.0)
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.add_argument("--observability-only", action="store_true",
                   help="only measure the cost of alerts, metrics and health sampling per tick")
    p.add_argument("--observability-ticks", type=int, default=200)
    a = p.parse_args(argv)
    obs = observability_cost(a.agents, a.observability_ticks)
    if a.observability_only:
        print(json.dumps(obs, indent=2)) if a.json else print_observability(obs)
        return
    port = free_port()
    base, addr = f"http://127.0.0.1:{port}", f"127.0.0.1:{port}"
    proc = start_server(port, a.agents, a.timeout)
    try:
        time.sleep(1.0)  # a few ticks so history and events exist
        seq = rest_sequential(base, a.requests)
        conc = asyncio.run(asyncio.wait_for(rest_concurrent(addr, a.concurrency, a.requests // 2), a.timeout))
        seq_raw = asyncio.run(asyncio.wait_for(rest_concurrent(addr, 1, a.requests), a.timeout))
        ws = asyncio.run(ws_fanout(addr, a.clients, a.ticks, a.timeout))
        status = httpx.get(f"{base}/api/admin/status", headers={"X-API-Key": ADMIN}).json()
    finally:
        proc.terminate()
        proc.wait(10)
    all_reads = [t for path, ts in seq.items() if path in READS for t in ts]
    summary = {
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}",
        "agents": a.agents,
        "tick_rate_ms": status["tick_rate_ms"],
        "mean_tick_ms": status["mean_tick_ms"],
        "rest": {
            path: {"n": len(ts), "p50_ms": pct(ts, 50), "p99_ms": pct(ts, 99)} for path, ts in seq.items()
        },
        "rest_all_reads": {"n": len(all_reads), "p50_ms": pct(all_reads, 50), "p99_ms": pct(all_reads, 99)},
        "rest_raw_sequential": {"n": len(seq_raw), "p50_ms": pct(seq_raw, 50), "p99_ms": pct(seq_raw, 99)},
        "rest_concurrent": {
            "clients": a.concurrency,
            "n": len(conc),
            "p50_ms": pct(conc, 50),
            "p99_ms": pct(conc, 99),
        },
        "websocket": {
            "clients": a.clients,
            "ticks": ws["ticks"],
            "messages": len(ws["latencies"]),
            "p50_ms": pct(ws["latencies"], 50),
            "p99_ms": pct(ws["latencies"], 99),
            "max_ms": pct(ws["latencies"], 100),
            "spread_p50_ms": pct(ws["spreads"], 50),
            "spread_max_ms": pct(ws["spreads"], 100),
            # server side, over the last 2000 messages: publish -> handed to the socket
            "server_p50_ms": ws["server"]["fanout_p50_ms"],
            "server_p99_ms": ws["server"]["fanout_p99_ms"],
        },
        "cache": status["cache"],
        "observability": obs,
    }
    if a.json:
        print(json.dumps(summary, indent=2))
        return
    print(
        f"API benchmark: {summary['machine']}; server {a.agents} households, "
        f"tick_rate {status['tick_rate_ms']} ms, mean tick {status['mean_tick_ms']:.1f} ms\n"
    )
    print("| request | n | p50 (ms) | p99 (ms) |\n|---|---:|---:|---:|")
    for path, r in summary["rest"].items():
        print(f"| `{path}` | {r['n']} | {r['p50_ms']:.2f} | {r['p99_ms']:.2f} |")
    r = summary["rest_all_reads"]
    print(f"| all reads, sequential (httpx) | {r['n']} | {r['p50_ms']:.2f} | {r['p99_ms']:.2f} |")
    r = summary["rest_raw_sequential"]
    print(f"| all reads, sequential (raw HTTP/1.1) | {r['n']} | {r['p50_ms']:.2f} | {r['p99_ms']:.2f} |")
    r = summary["rest_concurrent"]
    print(
        f"| all reads, {r['clients']} concurrent raw clients | {r['n']} | {r['p50_ms']:.2f} | "
        f"{r['p99_ms']:.2f} |"
    )
    w = summary["websocket"]
    print(
        "\n| WebSocket fan-out | clients | ticks | messages | p50 (ms) | p99 (ms) | max (ms) | "
        "spread p50 (ms) |\n|---|---:|---:|---:|---:|---:|---:|---:|"
    )
    print(
        f"| market_tick, publish -> receive | {w['clients']} | {w['ticks']} | {w['messages']} | "
        f"{w['p50_ms']:.2f} | {w['p99_ms']:.2f} | {w['max_ms']:.2f} | {w['spread_p50_ms']:.2f} |"
    )
    print(
        f"| market_tick, publish -> handed to the socket (server side, last 2000) | {w['clients']} | | | "
        f"{w['server_p50_ms']:.2f} | {w['server_p99_ms']:.2f} | | |"
    )
    print(
        f"\ncache: {summary['cache']}; mean of per-endpoint p50: "
        f"{statistics.fmean(r['p50_ms'] for r in summary['rest'].values()):.2f} ms"
    )
    print_observability(obs)


if __name__ == "__main__":
    main()
