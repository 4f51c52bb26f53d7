"""Notebook soak: execute notebooks many times in fresh kernels under CPU load, count stalls.

Not part of ``make test``. Each execution starts a fresh ``python3`` kernel (as JupyterLab and
``tests/test_notebooks.py`` do), runs the notebook with nbclient and a per-cell timeout, and
shuts the kernel down. While it runs, ``--load`` busy processes keep the cores occupied (the
other pytest worker of ``make test``). A *stall* is an execution in which a request or a reply
sat unnoticed in a socket for more than ``--stall-after`` seconds (see :func:`execute`), or
that exceeded the per-cell or kernel start timeout; any other failure is reported as an error.

Two workloads:

``--tiny N``
    N fresh kernels each execute a two-cell notebook (``import numpy``; ``print``). The stall
    seen in issue 18 happened at the first request of a fresh kernel, so this exercises kernel
    start-up and the first execute round trip many times per minute.
default
    every notebook in ``notebooks/`` executed ``--rounds`` times (default 20), each time in a
    fresh kernel.

Usage::

    python benchmarks/notebook_soak.py --rounds 20 --load 2
    python benchmarks/notebook_soak.py --tiny 300 --load 2 --cell-timeout 60
    python benchmarks/notebook_soak.py --tiny 100 --cold   # every kernel starts uncached
    python benchmarks/notebook_soak.py --json soak.json

The exit status is 1 when any execution stalled or failed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing as mp
import os
import platform
import shutil
import signal
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

import nbformat
from nbclient import NotebookClient as PlainNotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError

from arena.nbexec import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = ROOT / "notebooks"
PACKAGES = ("ipykernel", "jupyter_client", "nbclient", "pyzmq", "tornado", "traitlets")


def _busy(stop: mp.Event) -> None:  # pragma: no cover - load generator
    x = 0
    while not stop.is_set():
        for _ in range(100_000):
            x = (x * 1103515245 + 12345) & 0xFFFFFFFF


def _tiny_notebook() -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("import numpy as np\nx = np.arange(10).sum()"),
                nbformat.v4.new_code_cell("print(x)")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


def _stamp(value: str | None) -> float | None:
    """A message-header timestamp (ISO 8601) in seconds since the epoch."""
    if not value:
        return None
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


def execute(nb: nbformat.NotebookNode, cell_timeout: float, start_timeout: float,
            stall_after: float, plain: bool = False) -> dict:
    """Execute ``nb`` in a fresh kernel and time every message round trip.

    For each code cell the client records when it sent ``execute_request`` and when it received
    ``execute_reply``; the kernel's messages carry when it went busy (it read the request) and
    when it sent the reply. ``request_delay`` = busy - sent, ``reply_delay`` = received - reply:
    both are milliseconds normally. A delay above ``stall_after`` seconds is a stall (a message
    that sat in a socket unnoticed); nbclient's poll finds such a message only when its per-cell
    timeout expires, so a stalled execution may still end "ok", late.
    """
    sent: dict[int, float] = {}
    received: dict[int, float] = {}

    def on_execute(cell, cell_index):
        sent[cell_index] = time.time()

    def on_executed(cell, cell_index, execute_reply):
        received[cell_index] = time.time()

    client_class = PlainNotebookClient if plain else NotebookClient
    client = client_class(nb, timeout=cell_timeout, startup_timeout=start_timeout,
                            kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOK_DIR)}},
                            on_cell_execute=on_execute, on_cell_executed=on_executed)
    t0 = time.perf_counter()
    outcome, detail = "ok", ""
    try:
        client.execute()
    except (CellTimeoutError, TimeoutError) as exc:
        outcome, detail = "stall", f"{type(exc).__name__}: {str(exc)[:200]}"
    except RuntimeError as exc:  # "Kernel didn't respond in N seconds"
        outcome = "stall" if "respond" in str(exc) else "error"
        detail = f"{type(exc).__name__}: {str(exc)[:200]}"
    except CellExecutionError as exc:
        outcome, detail = "error", f"CellExecutionError: {str(exc)[:200]}"
    seconds = time.perf_counter() - t0
    delays = []
    for i, cell in enumerate(nb.cells):
        timing = cell.get("metadata", {}).get("execution", {})
        busy, reply = _stamp(timing.get("iopub.status.busy")), _stamp(timing.get("shell.execute_reply"))
        if i in sent and busy is not None:
            delays.append({"cell": i, "side": "request", "s": round(busy - sent[i], 3)})
        if i in received and reply is not None:
            delays.append({"cell": i, "side": "reply", "s": round(received[i] - reply, 3)})
    worst = max(delays, key=lambda d: d["s"], default=None)
    if outcome == "ok" and worst is not None and worst["s"] > stall_after:
        outcome = "stall"
        detail = f"{worst['side']} of cell {worst['cell']} waited {worst['s']:.1f} s"
    return {"outcome": outcome, "seconds": round(seconds, 2), "detail": detail,
            "worst_delay": worst, "cells": len(sent)}


def versions() -> dict[str, str]:
    """Installed versions of the Jupyter messaging stack."""
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "missing"
    import zmq
    out["libzmq"] = zmq.zmq_version()
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--rounds", type=int, default=20, help="executions of every notebook")
    p.add_argument("--tiny", type=int, default=0, help="run N tiny notebooks instead")
    p.add_argument("--load", type=int, default=2, help="busy processes running meanwhile")
    p.add_argument("--cell-timeout", type=float, default=180.0, help="seconds per cell")
    p.add_argument("--stall-after", type=float, default=10.0,
                   help="a request or reply delayed longer than this (s) is a stall")
    p.add_argument("--start-timeout", type=float, default=120.0, help="seconds for kernel start")
    p.add_argument("--cold", action="store_true",
                   help="every kernel starts as in a fresh environment: empty bytecode cache "
                        "(PYTHONPYCACHEPREFIX) and matplotlib config dir, so start-up is slow")
    p.add_argument("--plain-client", action="store_true",
                   help="nbclient's own client (one poll per cell) instead of arena.nbexec's sliced waits")
    p.add_argument("--json", type=Path, help="write the results here")
    args = p.parse_args(argv)

    os.environ.setdefault("PYTHONPATH", str(ROOT))
    if args.tiny:
        jobs = [("tiny", _tiny_notebook) for _ in range(args.tiny)]
    else:
        paths = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
        jobs = [(p.name, lambda p=p: nbformat.read(p, as_version=4))
                for _ in range(args.rounds) for p in paths]
    ver = versions()
    print("versions:", " ".join(f"{k}={v}" for k, v in ver.items()), flush=True)

    # SIGTERM (kill) ends the run through the finally below, so the load processes stop too
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(143))
    ctx = mp.get_context("spawn")
    stop = ctx.Event()
    loaders = [ctx.Process(target=_busy, args=(stop,), daemon=True) for _ in range(args.load)]
    for proc in loaders:
        proc.start()
    results = []
    t_all = time.perf_counter()
    try:
        for i, (name, make) in enumerate(jobs):
            if args.cold:
                cold = Path(tempfile.mkdtemp(prefix="soak-cold-"))
                os.environ["PYTHONPYCACHEPREFIX"] = str(cold / "pycache")
                os.environ["MPLCONFIGDIR"] = str(cold / "mpl")
            res = execute(make(), args.cell_timeout, args.start_timeout, args.stall_after, args.plain_client)
            results.append({"i": i, "notebook": name, **res})
            mark = "" if res["outcome"] == "ok" else f"  <-- {res['outcome'].upper()} {res['detail']}"
            worst = res["worst_delay"]
            worst_text = f", worst message delay {worst['s']:.3f} s ({worst['side']})" if worst else ""
            print(f"[{i + 1}/{len(jobs)}] {name}: {res['seconds']:.1f} s{worst_text}{mark}", flush=True)
            if args.cold:
                shutil.rmtree(cold, ignore_errors=True)
    finally:
        stop.set()
        for proc in loaders:
            proc.join(timeout=5)
    total = time.perf_counter() - t_all
    stalls = [r for r in results if r["outcome"] == "stall"]
    errors = [r for r in results if r["outcome"] == "error"]
    times = sorted(r["seconds"] for r in results if r["outcome"] == "ok")
    delays = [r["worst_delay"]["s"] for r in results if r["worst_delay"]]
    summary = {"executions": len(results), "stalls": len(stalls), "errors": len(errors),
               "load_processes": args.load, "cold": args.cold, "cell_timeout_s": args.cell_timeout,
               "median_s": times[len(times) // 2] if times else None,
               "max_s": times[-1] if times else None,
               "max_message_delay_s": max(delays) if delays else None,
               "stall_after_s": args.stall_after, "total_s": round(total, 1), "versions": ver}
    print(json.dumps(summary, indent=1))
    if args.json:
        args.json.write_text(json.dumps({"summary": summary, "results": results}, indent=1))
    return 1 if stalls or errors else 0


if __name__ == "__main__":
    sys.exit(main())
