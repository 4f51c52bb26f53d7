"""API soak: the server under 100 WebSocket clients and steady order traffic for 30 minutes.

Not part of ``make test``. Starts the server as ``arena serve`` does (:func:`arena.api.serve`,
ticking every ``tick_rate`` ms) in a subprocess with ``--agents`` households, then, in one
client process:

* ``--clients`` WebSocket clients subscribe to ``market_tick`` (one message per tick each) and
  record the latency from the server publishing a tick (the message's ``timestamp``) to the
  client having parsed it, and any ``dropped`` notices;
* ``--traders`` outside agents register through the REST API and each sends one request every
  ``1 / --rate`` seconds: a limit order crossing the last price by 3% (buy, or sell once it holds
  shares), a resting order far from the price, or the cancellation of one of its orders that has
  been resting more than 5 s (so the book stays bounded); latency = request sent to response read;
* a reader polls ``GET /api/indicators`` once a second (a cached read);
* every ``--every`` seconds the server's RSS, CPU time, threads and open files (psutil) are
  sampled together with the latencies of that window, ``/api/admin/status`` and the machine's
  1-minute load average (latency on a shared machine follows the load of other jobs).

A trader waits for each response before its next request, so when responses are slower than
``1 / --rate`` the achieved rate is lower (reported per window as ``orders``).

Reported: one row per sample, and over the run after the warm-up (``--warmup`` seconds and the
server's indicator history at its bound, ``1.1 * --history-retention`` ticks: the server trims
in chunks of a tenth): the RSS growth (from
the first sample after warm-up to the last, relative to the first) and its least-squares slope,
and for each latency the slope of the per-window p50 and the ratio of the last quarter's median
p50 to the first quarter's. The server keeps ``--history-retention`` indicator rows (the
engine's history grows by design, one row per tick, until that bound; ``arena serve`` keeps
100,000); with the default 1,000 the bound is reached during warm-up, so RSS after warm-up
should be flat. Criteria (issue 18): RSS growth after warm-up within 5%; latency flat (last
quarter's p50 within 1.5x the first's). On a shared machine the server's own tick time (the
same work every tick) shows how much CPU it got; each latency is also reported divided by the
window's mean tick time, which removes the machine's load to first order.

Usage::

    python benchmarks/api_soak.py                       # 30 minutes, 100 clients, 10 traders x 2/s
    python benchmarks/api_soak.py --duration 120 --every 10 --warmup 30   # a quick look
    python benchmarks/api_soak.py --json soak_api.json
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np
import psutil
import websockets

ROOT = Path(__file__).resolve().parents[1]
ADMIN = "api-soak-admin-key-0123456789abcdef"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int, agents: int, retention: int, run_dir: str, timeout: float) -> subprocess.Popen:
    """Run :func:`arena.api.serve` (what ``arena serve`` runs) in a subprocess; wait for health."""
    code = ("import sys; from arena.api import serve; "
            f"serve(port={port}, agents={agents}, seed=42, log_level='warning', run_dir={run_dir!r}, "
            f"history_retention={retention})")
    env = {**os.environ, "ARENA_ADMIN_KEY": ADMIN, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-c", code], env=env, cwd=run_dir,
                            stdout=subprocess.DEVNULL, stderr=open(Path(run_dir) / "server.err", "w"))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: {(Path(run_dir) / 'server.err').read_text()[-2000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=1).status_code == 200:
                return proc
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    proc.terminate()
    raise RuntimeError("server did not start in time")


class Window:
    """Latencies (s) and counters of the current sampling window."""

    def __init__(self):
        self.ws: list[float] = []
        self.orders: list[float] = []
        self.reads: list[float] = []
        self.counts = {"ws_dropped_notices": 0, "order_errors": 0, "fills_seen": 0, "cancels": 0}
        self.errors: dict[str, int] = {}

    def take(self) -> Window:
        old = Window()
        old.ws, self.ws = self.ws, []
        old.orders, self.orders = self.orders, []
        old.reads, self.reads = self.reads, []
        old.counts, self.counts = self.counts, dict.fromkeys(self.counts, 0)
        old.errors, self.errors = self.errors, {}
        return old


def pct(values: list[float], q: float) -> float | None:
    return round(float(np.percentile(np.asarray(values) * 1000.0, q)), 3) if values else None


async def ws_client(addr: str, win: Window, stop: asyncio.Event) -> None:
    async with websockets.connect(f"ws://{addr}/ws", max_queue=None) as ws:
        await ws.send(json.dumps({"action": "subscribe", "channels": ["market_tick"]}))
        while not stop.is_set():
            try:
                raw = await asyncio.wait_for(ws.recv(), 5.0)
            except asyncio.TimeoutError:
                continue
            msg = json.loads(raw)
            now = time.time()
            if msg.get("channel") == "market_tick":
                win.ws.append(now - msg["timestamp"])
            elif msg.get("type") == "dropped":
                win.counts["ws_dropped_notices"] += 1


async def trader(http: httpx.AsyncClient, i: int, rate: float, win: Window, stop: asyncio.Event) -> None:
    reg = (await http.post("/api/agents/register", json={"name": f"soak{i}", "endowment": 1e6},
                           headers={"X-API-Key": ADMIN})).json()
    key, url = {"X-API-Key": reg["api_key"]}, f"/api/agents/{reg['agent_id']}/action"
    account = reg["account"]
    placed: dict[int, float] = {}  # order id -> time placed
    period, k = 1.0 / rate, 0
    next_at = time.monotonic() + i * period / 10  # spread the traders over the period
    while not stop.is_set():
        await asyncio.sleep(max(0.0, next_at - time.monotonic()))
        next_at = max(next_at + period, time.monotonic())  # a late request is not made up in a burst
        k += 1
        now = time.monotonic()
        price = max(account["equity_price"], 1e-6)
        open_ids = {o["id"] for o in account["orders"]}
        stale = [oid for oid, t in placed.items() if oid in open_ids and now - t > 5.0]
        for oid in [oid for oid in placed if oid not in open_ids]:
            del placed[oid]
        qty = max(0.01, round(2_000.0 / price, 2))
        if stale:
            body = {"type": "cancel", "order_id": stale[0]}
        elif k % 3 == 0:
            body = {"type": "place", "side": "buy", "qty": qty, "limit": round(price * 0.5, 6)}
        elif account["free_shares"] >= qty and k % 2 == 0:
            body = {"type": "place", "side": "sell", "qty": qty, "limit": round(price * 0.97, 6)}
        else:
            body = {"type": "place", "side": "buy", "qty": qty, "limit": round(price * 1.03, 6)}
        if body["type"] == "place" and body["side"] == "buy" and qty * body["limit"] > account["free_cash"]:
            body = {"type": "place", "side": "sell", "qty": min(qty, account["free_shares"]),
                    "limit": round(price * 0.97, 6)}
            if body["qty"] <= 0:
                continue
        t0 = time.perf_counter()
        r = await http.post(url, json=body, headers=key)
        win.orders.append(time.perf_counter() - t0)
        if r.status_code != 200:
            win.counts["order_errors"] += 1
            reason = f"{body['type']} {r.status_code}: " + "".join(c for c in r.text[:200] if not c.isdigit())
            win.errors[reason] = win.errors.get(reason, 0) + 1
            if body["type"] == "cancel":  # filled since the last response: do not retry it
                placed.pop(body["order_id"], None)
            continue
        out = r.json()
        seen = {(f["order_id"], f["tick"], f["qty"]) for f in account["fills"]}
        win.counts["fills_seen"] += sum((f["order_id"], f["tick"], f["qty"]) not in seen
                                        for f in out["account"]["fills"])
        account = out["account"]
        if body["type"] == "place":
            placed[out["order"]["id"]] = time.monotonic()
        else:
            win.counts["cancels"] += 1
            placed.pop(body["order_id"], None)


async def reader(http: httpx.AsyncClient, win: Window, stop: asyncio.Event) -> None:
    while not stop.is_set():
        t0 = time.perf_counter()
        r = await http.get("/api/indicators")
        win.reads.append(time.perf_counter() - t0)
        assert r.status_code == 200, r.text
        await asyncio.sleep(1.0)


async def soak(addr: str, pid: int, a: argparse.Namespace) -> list[dict]:
    proc = psutil.Process(pid)
    win, stop, rows = Window(), asyncio.Event(), []
    limits = httpx.Limits(max_connections=a.traders + 4)
    async with httpx.AsyncClient(base_url=f"http://{addr}", timeout=30, limits=limits) as http:
        tasks = [asyncio.create_task(ws_client(addr, win, stop)) for _ in range(a.clients)]
        await asyncio.sleep(2.0)
        tasks += [asyncio.create_task(trader(http, i, a.rate, win, stop)) for i in range(a.traders)]
        tasks.append(asyncio.create_task(reader(http, win, stop)))
        start = time.monotonic()
        win.take()
        while time.monotonic() - start < a.duration:
            await asyncio.sleep(a.every - (time.monotonic() - start) % a.every)
            for t in tasks:
                if t.done() and t.exception() is not None:
                    stop.set()
                    raise t.exception()
            w = win.take()
            status = (await http.get("/api/admin/status", headers={"X-API-Key": ADMIN})).json()
            mem, cpu = proc.memory_info(), proc.cpu_times()
            row = {"t_s": round(time.monotonic() - start), "tick": status["tick"],
                   "load1": round(os.getloadavg()[0], 1),
                   "rss_mb": round(mem.rss / 2**20, 1), "cpu_s": round(cpu.user + cpu.system, 1),
                   "threads": proc.num_threads(), "fds": proc.num_fds(),
                   "mean_tick_ms": round(status["mean_tick_ms"] or 0.0, 2),
                   "ws_clients": status["websocket"]["clients"], "ws_messages": len(w.ws),
                   "ws_p50_ms": pct(w.ws, 50), "ws_p99_ms": pct(w.ws, 99),
                   "orders": len(w.orders), "order_p50_ms": pct(w.orders, 50),
                   "order_p99_ms": pct(w.orders, 99),
                   "read_p50_ms": pct(w.reads, 50), "read_p99_ms": pct(w.reads, 99),
                   "server_fanout_p99_ms": round(status["websocket"]["fanout_p99_ms"], 3),
                   "ws_dropped": status["websocket"]["dropped"],
                   "ws_disconnected_slow": status["websocket"]["disconnected_slow"], **w.counts,
                   "errors": w.errors}
            rows.append(row)
            print(json.dumps(row), flush=True)
        stop.set()
        await asyncio.wait(tasks, timeout=15)
    return rows


def slope_per_10min(t: list[float], y: list[float]) -> float:
    return float(np.polyfit(np.asarray(t) / 600.0, np.asarray(y), 1)[0]) if len(t) > 1 else float("nan")


def summarise(rows: list[dict], warmup: float, retention: int) -> dict:
    """Flatness of RSS and latencies after warm-up (see the module docstring)."""
    after = [r for r in rows if r["t_s"] >= warmup and r["tick"] >= 1.1 * retention] or rows[-2:]
    t = [r["t_s"] for r in after]
    out = {"samples_after_warmup": len(after),
           "rss_after_warmup_mb": after[0]["rss_mb"], "rss_end_mb": after[-1]["rss_mb"],
           "rss_max_mb": max(r["rss_mb"] for r in after),
           "rss_growth": round((after[-1]["rss_mb"] - after[0]["rss_mb"]) / after[0]["rss_mb"], 4),
           "rss_slope_mb_per_10min": round(slope_per_10min(t, [r["rss_mb"] for r in after]), 3),
           "ticks": rows[-1]["tick"], "orders": sum(r["orders"] for r in rows),
           "order_errors": sum(r["order_errors"] for r in rows),
           "ws_messages": sum(r["ws_messages"] for r in rows), "ws_dropped": rows[-1]["ws_dropped"],
           "ws_disconnected_slow": rows[-1]["ws_disconnected_slow"],
           "ws_clients_end": rows[-1]["ws_clients"]}
    q = max(1, len(after) // 4)
    for r in rows:
        for key in ("ws_p50_ms", "order_p50_ms", "read_p50_ms"):
            tick_ms = r["mean_tick_ms"]
            r[key.replace("_ms", "_per_tick")] = round(r[key] / tick_ms, 3) if r[key] and tick_ms else None
    out["warmup_end_s"], out["warmup_end_tick"] = after[0]["t_s"], after[0]["tick"]
    for key in ("ws_p50_ms", "order_p50_ms", "read_p50_ms", "mean_tick_ms", "ws_p50_per_tick",
                "order_p50_per_tick", "read_p50_per_tick"):
        pts = [(r["t_s"], r[key]) for r in after if r[key] is not None]
        if len(pts) < 2:
            continue
        ts, ys = zip(*pts, strict=True)
        first, last = float(np.median(ys[:q])), float(np.median(ys[-q:]))
        out[key] = {"first_quarter": round(first, 3), "last_quarter": round(last, 3),
                    "ratio": round(last / first, 3) if first else None,
                    "slope_per_10min": round(slope_per_10min(list(ts), list(ys)), 4)}
    out["rss_flat"] = out["rss_growth"] <= 0.05
    out["latency_flat"] = all(out[k]["ratio"] is not None and out[k]["ratio"] <= 1.5
                              for k in ("ws_p50_ms", "order_p50_ms", "read_p50_ms") if k in out)
    normalised = ("ws_p50_per_tick", "order_p50_per_tick", "read_p50_per_tick")
    out["latency_per_tick_flat"] = all(out[k]["ratio"] is not None and out[k]["ratio"] <= 1.5
                                       for k in normalised if k in out)
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--duration", type=float, default=1800.0, help="seconds of traffic")
    p.add_argument("--every", type=float, default=30.0, help="seconds between samples")
    p.add_argument("--warmup", type=float, default=300.0, help="seconds before the flatness baseline")
    p.add_argument("--agents", type=int, default=20_000, help="households simulated by the server")
    p.add_argument("--clients", type=int, default=100, help="WebSocket clients")
    p.add_argument("--traders", type=int, default=10, help="outside agents sending orders")
    p.add_argument("--rate", type=float, default=2.0, help="requests per second per trader")
    p.add_argument("--history-retention", type=int, default=1000, help="indicator rows the server keeps")
    p.add_argument("--json", type=Path)
    a = p.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so that the server is stopped too
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="arena-api-soak-") as run_dir:
        proc = start_server(port, a.agents, a.history_retention, run_dir, 120.0)
        try:
            rows = asyncio.run(soak(f"127.0.0.1:{port}", proc.pid, a))
        finally:
            proc.terminate()
            proc.wait(20)
    summary = summarise(rows, a.warmup, a.history_retention)
    print(json.dumps(summary, indent=1), flush=True)
    if a.json:
        a.json.write_text(json.dumps({"args": vars(a) | {"json": str(a.json)}, "rows": rows,
                                      "summary": summary}, indent=1))
    return 0 if summary["rss_flat"] and summary["latency_flat"] else 1


if __name__ == "__main__":
    sys.exit(main())
