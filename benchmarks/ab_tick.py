"""Compare the tick time of two engine trees on a busy machine: both run in lockstep.

Two worker interpreters, one per tree (``arena`` imported from each), build the same model and
then take turns running bursts of ticks (the order alternating each round), each timing its own
CPU time (``time.process_time``) and wall time. Load from other work then falls on both trees
alike, which sequential runs of ``benchmarks/tick.py`` cannot ensure; the ratio of the two CPU
times is the figure to read (on a quiet machine, ``tick.py`` gives the absolute times).

Usage::

    git archive <commit> | tar -x -C /tmp/ref
    python benchmarks/ab_tick.py /tmp/ref                      # 10^5 households, 80 rounds of 5 ticks
    python benchmarks/ab_tick.py /tmp/ref --agents 1000000 --rounds 8 --burst 3
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

WORKER = r"""
import sys, time
from arena import ArenaModel
model = ArenaModel(n_agents=int(sys.argv[1]), seed=int(sys.argv[2]))
for _ in range(int(sys.argv[3])):
    model.step()
print("ready", flush=True)
for line in sys.stdin:
    k = int(line)
    if k == 0:
        break
    c0, w0 = time.process_time(), time.perf_counter()
    for _ in range(k):
        model.step()
    print(time.process_time() - c0, time.perf_counter() - w0, flush=True)
"""
SINGLE_THREAD = {k: "1" for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                                  "NUMEXPR_NUM_THREADS", "VECLIB_MAXIMUM_THREADS")}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("reference", type=Path, help="root of the reference tree (holds arena/)")
    parser.add_argument("--agents", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=80)
    parser.add_argument("--burst", type=int, default=5, help="ticks per turn")
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)
    trees = {"reference": args.reference.resolve(), "this tree": Path(__file__).resolve().parent.parent}
    workers = {}
    for side, root in trees.items():
        env = {**os.environ, **SINGLE_THREAD, "PYTHONPATH": str(root)}
        workers[side] = subprocess.Popen(
            [sys.executable, "-c", WORKER, str(args.agents), str(args.seed), str(args.warmup)],
            cwd=root, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    for w in workers.values():
        if w.stdout.readline().strip() != "ready":
            raise RuntimeError("a worker failed to start")
    times: dict[str, list[tuple[float, float]]] = {side: [] for side in workers}
    for r in range(args.rounds):
        for side in (list(workers) if r % 2 == 0 else list(workers)[::-1]):
            w = workers[side]
            w.stdin.write(f"{args.burst}\n")
            w.stdin.flush()
            cpu, wall = map(float, w.stdout.readline().split())
            times[side].append((cpu / args.burst * 1000, wall / args.burst * 1000))
    for w in workers.values():
        w.stdin.write("0\n")
        w.stdin.flush()
        w.wait()
    print(f"{args.agents:,} households, {args.rounds} rounds of {args.burst} ticks after {args.warmup} "
          f"warm-up ticks, seed {args.seed}; load average {os.getloadavg()[0]:.1f}")
    for side, t in times.items():
        cpu = [c for c, _ in t]
        wall = [w for _, w in t]
        print(f"{side}: CPU {statistics.mean(cpu):.2f} ms/tick (median {statistics.median(cpu):.2f}), "
              f"wall {statistics.mean(wall):.2f} (median {statistics.median(wall):.2f})")
    ref, new = times["reference"], times["this tree"]
    ratio = sum(c for c, _ in new) / sum(c for c, _ in ref)
    per_round = statistics.median(a[0] / b[0] for a, b in zip(new, ref, strict=True))
    print(f"CPU time, this tree / reference: {ratio:.3f} (median of the rounds {per_round:.3f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
