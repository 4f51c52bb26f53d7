"""Check that two engine trees give bit-identical runs (a performance change must change no bit).

Runs the same scenarios, agent counts and seeds with the ``arena`` package of a reference tree
(e.g. ``git archive <commit> | tar -x -C /tmp/ref``) and of this tree, each in its own
interpreter, and compares per run: the indicators (every float of ``model.indicators()``), the
random generators' states and the whole model state, walked as a checkpoint walks it
(:mod:`arena.checkpoint_codec`: every array by SHA-256 of its bytes, every scalar by value).

Usage::

    python benchmarks/identical.py /tmp/ref                  # the default cases, 300 ticks
    python benchmarks/identical.py /tmp/ref --cases baseline:20000:1,oil_shock:20000:2 --ticks 100

Exit status 0 when every run is identical, 1 otherwise (the differing state paths are printed).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

#: scenario:agents:seed of the default check (shocks inside 300 ticks in all but baseline).
CASES = ("baseline:20000:1,baseline:20000:7,baseline:100000:3,oil_shock:20000:2,credit_boom_bust:20000:5,"
         "market_crash:100000:4,migration_wave:20000:6,inflation_spiral:20000:8,deflation_qe:20000:9,"
         "rate_shock:20000:10,fiscal_stimulus:20000:11")


def fingerprint(cases: list[tuple[str, int, int]], ticks: int) -> dict:
    """Run each case with the importable ``arena``; return its digests by case."""
    import hashlib

    import numpy as np

    from arena.checkpoint import model_state
    from arena.checkpoint_codec import _Encoder
    from arena.scenarios import load_scenario

    def flat(node, path, out):
        if isinstance(node, dict):
            for k, v in node.items():
                flat(v, f"{path}.{k}", out)
        elif isinstance(node, list):
            for i, v in enumerate(node):
                flat(v, f"{path}[{i}]", out)
        else:
            out[path] = node

    result = {}
    for name, n, seed in cases:
        model = load_scenario(name).simulate(ticks, {"n_agents": n, "seed": seed})
        df = model.indicators()
        enc = _Encoder()
        tree = {k: enc.encode(v, f"model.{k}") for k, v in model_state(model).items()}
        leaves: dict = {}
        flat(json.loads(json.dumps(tree)), "model", leaves)
        digest = hashlib.sha256(np.ascontiguousarray(df.to_numpy(dtype=float)).tobytes()
                                + ",".join(df.columns).encode()).hexdigest()
        result[f"{name}:{n}:{seed}"] = {"indicators": digest, "rng": repr(model.rng.bit_generator.state),
                                        "leaves": leaves}
    return result


def compare(ref: dict, new: dict) -> bool:
    """Print one line per case; return whether every case is identical."""
    ok = True
    for key, x in ref.items():
        y = new[key]
        diff = [p for p in x["leaves"] if p in y["leaves"] and x["leaves"][p] != y["leaves"][p]]
        only = sorted(set(x["leaves"]) ^ set(y["leaves"]))
        same = x["indicators"] == y["indicators"] and x["rng"] == y["rng"] and not diff and not only
        ok &= same
        print(f"{key}: {'identical' if same else 'DIFFERENT'} (indicators "
              f"{'same' if x['indicators'] == y['indicators'] else 'differ'}, {len(x['leaves'])} state "
              f"leaves, {len(diff)} differ, {len(only)} in one tree only)")
        for path in diff[:10] + only[:10]:
            print("    ", path)
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("reference", type=Path, help="root of the reference tree (holds arena/)")
    parser.add_argument("--cases", default=CASES, help="comma-separated scenario:agents:seed")
    parser.add_argument("--ticks", type=int, default=300)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    cases = [(c.split(":")[0], int(c.split(":")[1]), int(c.split(":")[2])) for c in args.cases.split(",")]
    if args.worker:
        Path(args.worker).write_text(json.dumps(fingerprint(cases, args.ticks)))
        return 0
    here = Path(__file__).resolve().parent.parent
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        for side, root in (("reference", args.reference.resolve()), ("this tree", here)):
            path = Path(tmp) / f"{len(out)}.json"
            env = {**os.environ, "PYTHONPATH": str(root)}
            subprocess.run([sys.executable, __file__, str(args.reference), "--cases", args.cases, "--ticks",
                            str(args.ticks), "--worker", str(path)], cwd=root, env=env, check=True)
            out[side] = json.loads(path.read_text())
    ok = compare(out["reference"], out["this tree"])
    print("ALL IDENTICAL" if ok else "NOT IDENTICAL")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
