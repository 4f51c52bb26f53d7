"""Tick-time and memory benchmark of the Arena engine (``make bench``).

Each population size runs in a fresh subprocess (so peak RSS is that size's alone), pinned
to one CPU core with single-threaded numpy/BLAS: the model is built, ``--warmup`` ticks
run untimed, then ``--ticks`` ticks are timed one by one. Peak RSS comes from
``resource.getrusage(RUSAGE_SELF).ru_maxrss`` of the subprocess (it includes the Python
interpreter and the imported libraries, about 150 MB). The result is printed as a
markdown table (docs/performance.md, "Engine tick").

Usage::

    python benchmarks/tick.py                         # 10k, 100k, 1M agents
    python benchmarks/tick.py --sizes 100000 --ticks 200
    python benchmarks/tick.py --profile 1000000       # cProfile of ticks at 1M agents
    python benchmarks/tick.py --json results.json     # also write the raw numbers
    python benchmarks/tick.py --clock cpu             # CPU time of the ticks (a busy machine)

The table also gives each tick in units of a reference memory pass (20 x 10^6 float64
additions, the median of three before and three after the timed ticks, as the acceptance
check ``P1-performance`` reports it), a figure that depends less on other load.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

#: Targets (ms per tick, MB peak RSS) on one core; None = no target.
TARGETS = {100_000: (10.0, None), 1_000_000: (100.0, 1024.0)}
#: Timed ticks per size when --ticks is not given: enough for a stable mean in a few seconds.
DEFAULT_TICKS = {10_000: 200, 100_000: 100, 1_000_000: 30}
SINGLE_THREAD = {k: "1" for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                                  "NUMEXPR_NUM_THREADS", "VECLIB_MAXIMUM_THREADS")}


# ------------------------------------------------------------------ worker ------------------
def _pin(cpu: int | None) -> int | None:
    if cpu is None or not hasattr(os, "sched_setaffinity"):
        return None
    os.sched_setaffinity(0, {cpu})
    return cpu


def reference_pass_ms(clock=time.perf_counter) -> float:
    """Time of a reference memory pass, 20 x 10^6 float64 additions (ms), as ``P1-performance``.

    A tick divided by it is roughly independent of how busy the machine is.
    """
    import numpy as np

    x, y = np.ones(1_000_000), np.ones(1_000_000)
    t0 = clock()
    for _ in range(20):
        np.add(x, y, out=x)
    return (clock() - t0) * 1000


def worker(n: int, warmup: int, ticks: int, seed: int, cpu: int | None, clock=time.perf_counter) -> dict:
    """Build a model of ``n`` households, run warm-up and timed ticks; return the measurements.

    ``clock`` times the ticks: wall time by default, ``time.process_time`` (CPU time of this
    process) with ``--clock cpu`` on a machine shared with other work.
    """
    import resource

    pinned = _pin(cpu)
    t0 = time.perf_counter()
    from arena import ArenaModel
    import_s = time.perf_counter() - t0
    rss_import = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t0 = time.perf_counter()
    model = ArenaModel(n_agents=n, seed=seed)
    build_s = time.perf_counter() - t0
    for _ in range(warmup):
        model.step()
    refs = [reference_pass_ms(clock) for _ in range(3)]  # before and after, not between ticks
    times = []
    for _ in range(ticks):
        t0 = clock()
        model.step()
        times.append(clock() - t0)
    refs += [reference_pass_ms(clock) for _ in range(3)]
    times.sort()
    refs.sort()
    ms = [t * 1000 for t in times]
    return {
        "agents": n, "warmup": warmup, "ticks": ticks, "cpu": pinned,
        "import_s": import_s, "build_s": build_s,
        "mean_ms": sum(ms) / len(ms), "median_ms": ms[len(ms) // 2], "min_ms": ms[0],
        "p95_ms": ms[min(len(ms) - 1, int(0.95 * len(ms)))],
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "rss_after_import_mb": rss_import,
        "reference_pass_ms": refs[len(refs) // 2],
    }


# ------------------------------------------------------------------ driver ------------------
def machine() -> dict:
    """CPU model, core count, Python and library versions, date and load."""
    import numpy

    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        import mesa
        mesa_version = mesa.__version__
    except ImportError:
        mesa_version = "?"
    load = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(),
            "numpy": numpy.__version__, "mesa": mesa_version,
            "date": dt.datetime.now().astimezone().isoformat(timespec="minutes"),
            "load_before": [round(x, 2) for x in load]}


def run_size(n: int, warmup: int, ticks: int, seed: int, cpu: int | None, clock: str = "wall") -> dict:
    """Run one size in a fresh interpreter; return its measurements."""
    cmd = [sys.executable, __file__, "--worker", str(n), "--warmup", str(warmup), "--ticks", str(ticks),
           "--seed", str(seed), "--clock", clock, "--cpu", "none" if cpu is None else str(cpu)]
    env = {**os.environ, **SINGLE_THREAD}
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"benchmark worker for {n} agents failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def verdict(result: dict) -> str:
    """'met' / 'MISSED (...)' against :data:`TARGETS`, or '-' when the size has no target."""
    target = TARGETS.get(result["agents"])
    if target is None:
        return "-"
    ms, mb = target
    misses = []
    if result["mean_ms"] > ms:
        misses.append(f"> {ms:g} ms")
    if mb is not None and result["peak_rss_mb"] > mb:
        misses.append(f"> {mb:g} MB")
    text = f"≤ {ms:g} ms" + (f", ≤ {mb:g} MB" if mb else "")
    return f"{text}: " + ("met" if not misses else "**missed** (" + ", ".join(misses) + ")")


def table(results: list[dict]) -> str:
    """Markdown table of the results."""
    lines = ["| agents | build (ms) | timed ticks | mean ms/tick | median | p95 | reference passes | "
             "peak RSS (MB) | target |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for r in results:
        lines.append(f"| {r['agents']:,} | {r['build_s'] * 1000:.0f} | {r['ticks']} | {r['mean_ms']:.1f} | "
                     f"{r['median_ms']:.1f} | {r['p95_ms']:.1f} | "
                     f"{r['mean_ms'] / r['reference_pass_ms']:.2f} | {r['peak_rss_mb']:.0f} | {verdict(r)} |")
    return "\n".join(lines)


#: The tick's phases as ArenaModel methods, in order (``collect``, the recording of the indicators,
#: is the function :func:`arena.indicators.collect`).
PHASES = ("_phase_markets", "_phase_agents", "_phase_psychology", "_phase_monetary", "_phase_scarcity",
          "_compute_indicators", "collect", "_phase_events")


def phase_times(model, ticks: int) -> tuple[dict[str, float], float]:
    """Run ``ticks`` ticks with a timer around each phase; return (ms/tick per phase, total ms/tick)."""
    spent = dict.fromkeys(PHASES, 0.0)

    def timed(name, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[name] += time.perf_counter() - t0
        return wrapper

    from arena import indicators

    for name in PHASES:
        owner = indicators if name == "collect" else model
        setattr(owner, name, timed(name, getattr(owner, name)))
    t0 = time.perf_counter()
    for _ in range(ticks):
        model.step()
    total = (time.perf_counter() - t0) / ticks * 1000
    for name in PHASES:
        if name == "collect":
            indicators.collect = indicators.collect.__wrapped__
        else:
            delattr(model, name)  # back to the class's method
    return {k: v / ticks * 1000 for k, v in spent.items()}, total


def profile(n: int, warmup: int, ticks: int, seed: int, cpu: int | None, top: int) -> None:
    """Print per-phase times and a cProfile of ``ticks`` ticks at ``n`` agents after ``warmup`` ticks."""
    import cProfile
    import pstats

    _pin(cpu)
    from arena import ArenaModel

    model = ArenaModel(n_agents=n, seed=seed)
    for _ in range(warmup):
        model.step()
    phases, total = phase_times(model, ticks)
    print(f"# Phases: {ticks} ticks at {n:,} agents after {warmup} warm-up ticks ({total:.1f} ms/tick)\n")
    print("| phase | ms/tick | share |\n|---|---:|---:|")
    for name, ms in phases.items():
        print(f"| {name} | {ms:.1f} | {ms / total:.0%} |")
    print(f"| (step overhead) | {total - sum(phases.values()):.1f} | |\n")
    prof = cProfile.Profile()
    t0 = time.perf_counter()
    prof.enable()
    for _ in range(ticks):
        model.step()
    prof.disable()
    wall = (time.perf_counter() - t0) / ticks * 1000
    print(f"# cProfile: {ticks} more ticks ({wall:.1f} ms/tick under the profiler)\n")
    stats = pstats.Stats(prof)
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000",
                        help="comma-separated household counts (default 10k, 100k, 1M)")
    parser.add_argument("--warmup", type=int, default=10, help="untimed ticks after building (default 10)")
    parser.add_argument("--ticks", type=int, default=None,
                        help="timed ticks (default 200 / 100 / 30 by size)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--cpu", default="0", help="core to pin each run to, or 'none' (default 0)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="runs per size; the table keeps the run with the lowest mean (default 1)")
    parser.add_argument("--json", type=Path, help="also write the raw results to this file")
    parser.add_argument("--clock", choices=("wall", "cpu"), default="wall",
                        help="time ticks by wall clock (default) or by this process's CPU time")
    parser.add_argument("--profile", type=int, metavar="N", help="cProfile ticks at N agents instead")
    parser.add_argument("--top", type=int, default=25, help="rows of the profile (default 25)")
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    cpu = None if args.cpu == "none" else int(args.cpu)

    if args.worker is not None:
        clock = time.process_time if args.clock == "cpu" else time.perf_counter
        print(json.dumps(worker(args.worker, args.warmup, args.ticks, args.seed, cpu, clock)))
        return 0
    if args.profile is not None:
        for key, value in SINGLE_THREAD.items():
            os.environ.setdefault(key, value)
        profile(args.profile, args.warmup, args.ticks or 5, args.seed, cpu, args.top)
        return 0

    info = machine()
    print(f"Arena engine tick benchmark: {info['date']}")
    print(f"CPU: {info['cpu']} ({info['cores']} cores; runs pinned to core {args.cpu}, "
          "single-threaded numpy)")
    print(f"Python {info['python']}, numpy {info['numpy']}, mesa {info['mesa']}; "
          f"load average before: {info['load_before']}\n")
    results = []
    for n in (int(s) for s in args.sizes.split(",") if s.strip()):
        ticks = args.ticks or DEFAULT_TICKS.get(n, 50)
        runs = [run_size(n, args.warmup, ticks, args.seed, cpu, args.clock)
                for _ in range(max(args.repeat, 1))]
        best = min(runs, key=lambda r: r["mean_ms"])
        best["runs_mean_ms"] = [round(r["mean_ms"], 2) for r in runs]
        results.append(best)
        print(f"  {n:>9,} agents: {best['mean_ms']:.1f} ms/tick, peak RSS {best['peak_rss_mb']:.0f} MB",
              file=sys.stderr)
    print(table(results))
    if args.json:
        args.json.write_text(json.dumps({"machine": info, "results": results}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
