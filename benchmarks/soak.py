"""Engine soak: every scenario for many ticks; NaN/inf, accounting closure and RSS over time.

Not part of ``make test``. Each scenario runs in a fresh subprocess (so RSS is that run's alone)
at ``--agents`` households for ``--ticks`` ticks with its scheduled shocks. Reported per scenario:

* ``nonfinite``: indicator cells and state-array elements that are NaN or inf (must be 0);
* ``unexplained``: the largest change of a stock since tick 0 not explained by recorded flows,
  relative to the stock (``model.audit()``). Each tick's check allows rounding of
  ``arena.accounting.RELATIVE_TOLERANCE`` (1e-9); independent roundings add up like a random
  walk, so after T ticks the bound is ``10 * 1e-9 * sqrt(T)`` (5.5e-7 at 3,000 ticks);
* RSS sampled every ``--every`` ticks; ``rss_growth``: growth from the end of the warm-up
  (``--warmup`` ticks) to the end, minus what the indicator history legitimately adds, relative
  to the RSS after warm-up. A leak shows as growth beyond 5%. The history is measured, not
  estimated: ``sys.getsizeof`` of the collector's lists and of every value in them, rounded to
  the allocator's 16-byte blocks (one float object per column and tick: 40 bytes with its list
  pointer, ~6.3 KB a tick with 157 columns). With ``--trim`` every RSS
  sample is taken after ``malloc_trim(0)`` (glibc): heap pages the allocator holds free but has
  not returned to the system count in RSS but are no leak; if the growth beyond history
  disappears with the trim, the memory is not held by the program. With
  ``--tracemalloc`` the Python-level allocations (numpy's arrays included) that grew between
  warm-up and the end are listed by line (slow: use fewer households).

Usage::

    python benchmarks/soak.py                                   # 10,000 ticks at 20,000 households
    python benchmarks/soak.py --ticks 2000 --scenarios baseline market_crash
    python benchmarks/soak.py --json soak.json
    python benchmarks/soak.py --jobs 3                          # three scenarios at a time
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _malloc_trim() -> bool:
    """Return free heap pages to the system (glibc); False where unavailable."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)  # returns whether memory was released
        return True
    except (OSError, AttributeError):
        return False


def _history_bytes(model) -> int:
    """Bytes held by the indicator history: the collector's lists and the values in them.

    Each value is counted as the allocator holds it: CPython's small-object allocator hands
    out blocks in steps of 16 bytes, so a float (``sys.getsizeof`` 24) takes 32 bytes, plus
    the list's 8-byte pointer (40 bytes a value, measured: 2 million floats in a list add
    40.2 bytes each to RSS).
    """
    total = 0
    for values in model.datacollector.model_vars.values():
        total += sys.getsizeof(values) + sum(-(-sys.getsizeof(v) // 16) * 16 for v in values)
    return total


def worker(name: str, agents: int, ticks: int, every: int, warmup: int, trace: bool = False,
           trim: bool = False) -> dict:
    """Run one scenario in this process; return the measurements."""
    import tracemalloc

    import numpy as np

    from arena.model import ArenaModel
    from arena.scenarios import load_scenario

    scenario = load_scenario(name)
    model = ArenaModel(scenario.make_config(n_agents=agents))
    schedule: dict[int, list] = {}
    for shock in scenario.shocks:
        schedule.setdefault(shock.tick, []).append(shock)
    rss, history, snapshot = [], {}, None
    with np.errstate(over="ignore"):
        while model.tick < ticks:
            for shock in schedule.get(model.tick, ()):
                model.apply_shock(shock.kind, shock.size, **shock.target)
            model.step()
            if model.tick % every == 0 or model.tick == ticks:
                if trim and not _malloc_trim():
                    raise RuntimeError("--trim needs glibc's malloc_trim")
                rss.append((model.tick, round(_rss_mb(), 1)))
                if model.tick == warmup or model.tick == ticks:
                    history[model.tick] = _history_bytes(model)
            if trace and model.tick == warmup:
                tracemalloc.start(6)
                snapshot = tracemalloc.take_snapshot()
    growth_by_line = []
    if snapshot is not None:
        stats = tracemalloc.take_snapshot().compare_to(snapshot, "lineno")
        growth_by_line = [(str(st.traceback), round(st.size_diff / 2**20, 3)) for st in stats[:15]]
        tracemalloc.stop()
    frame = model.indicators()
    nonfinite = int((~np.isfinite(frame.to_numpy(dtype=float))).sum())
    for value in vars(model.pop).values():
        if isinstance(value, np.ndarray) and value.dtype.kind == "f":
            nonfinite += int((~np.isfinite(value)).sum())
    stocks = model.stocks()
    unexplained = max(abs(v) / max(1.0, abs(stocks[k])) for k, v in model.audit().items())
    after_warmup = next(r for t, r in rss if t >= warmup)
    history_mb = (history[ticks] - history.get(warmup, 0)) / 2**20
    growth = (rss[-1][1] - after_warmup - history_mb) / after_warmup
    out = {"scenario": name, "agents": agents, "ticks": ticks, "nonfinite": nonfinite,
           "unexplained": unexplained, "rss_after_warmup_mb": after_warmup, "rss_end_mb": rss[-1][1],
           "history_mb": round(history_mb, 1), "rss_growth": round(growth, 4), "rss": rss,
           "trimmed": trim, "tracemalloc_growth_mb": growth_by_line}
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--ticks", type=int, default=10_000)
    p.add_argument("--agents", type=int, default=20_000)
    p.add_argument("--every", type=int, default=500, help="ticks between RSS samples")
    p.add_argument("--warmup", type=int, default=1_000, help="ticks before the leak check's baseline")
    p.add_argument("--scenarios", nargs="*", help="default: every scenario")
    p.add_argument("--json", type=Path)
    p.add_argument("--tracemalloc", action="store_true", help="list allocations grown after warm-up")
    p.add_argument("--trim", action="store_true", help="malloc_trim(0) before each RSS sample")
    p.add_argument("--jobs", type=int, default=1, help="scenarios run at once (separate processes)")
    p.add_argument("--worker", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args.worker, args.agents, args.ticks, args.every, args.warmup,
                                args.tracemalloc, args.trim)))
        return 0
    from arena.scenarios import scenario_paths

    names = args.scenarios or sorted(scenario_paths())
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    from arena.accounting import RELATIVE_TOLERANCE

    closure = 10 * RELATIVE_TOLERANCE * args.ticks ** 0.5
    results, failed = [], False
    print("| scenario | ticks | agents | non-finite | max unexplained (rel.) | RSS after warm-up | RSS end "
          "| history | growth beyond history |\n|---|---|---|---|---|---|---|---|---|", flush=True)
    def run(name: str) -> subprocess.CompletedProcess:
        command = [sys.executable, __file__, "--worker", name, "--ticks", str(args.ticks), "--agents",
                   str(args.agents), "--every", str(args.every), "--warmup", str(args.warmup)]
        command += ["--tracemalloc"] * args.tracemalloc + ["--trim"] * args.trim
        return subprocess.run(command, capture_output=True, text=True, env=env)

    with ThreadPoolExecutor(max_workers=args.jobs) as pool:  # each scenario in its own process
        for name, done in zip(names, pool.map(run, names), strict=True):
            if done.returncode != 0:
                print(f"| {name} | failed: {done.stderr.strip().splitlines()[-1:]} |", flush=True)
                failed = True
                continue
            r = json.loads(done.stdout.strip().splitlines()[-1])
            results.append(r)
            bad = r["nonfinite"] or r["unexplained"] > closure or r["rss_growth"] > 0.05
            failed |= bool(bad)
            print(f"| {name} | {r['ticks']:,} | {r['agents']:,} | {r['nonfinite']} | {r['unexplained']:.1e} "
                  f"| {r['rss_after_warmup_mb']:.0f} MB | {r['rss_end_mb']:.0f} MB "
                  f"| {r['history_mb']:.0f} MB | {r['rss_growth']:+.1%}{' <--' if bad else ''} |", flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
