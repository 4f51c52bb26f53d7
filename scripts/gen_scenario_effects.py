"""Measure every scenario's expected effects with ``arena.experiment`` and write them into docs/scenarios.md.

The block between ``<!-- BEGIN GENERATED effects -->`` and ``<!-- END GENERATED effects -->``
is rewritten: per scenario, its arms, the effect table (median across seeds, bootstrap CI,
share of seeds with the expected sign, n, holds) and the source of each expected range, and
at the end the list of effects where the model disagrees with the economics. The commit the
numbers were measured at is recorded in the block.

Usage, from the project root (numbers change with the engine: rerun after a merge)::

    .venv/bin/python scripts/gen_scenario_effects.py                 # 20,000 households, seeds 1-10
    .venv/bin/python scripts/gen_scenario_effects.py --agents 5000 --seeds 1-5 --only market_crash
    .venv/bin/python scripts/gen_scenario_effects.py --check         # no runs: exit 1 if the doc lacks a
                                                                     # scenario, effect, range or source
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "scenarios.md"
sys.path.insert(0, str(ROOT))

import pandas as pd  # noqa: E402

import arena  # noqa: E402
from arena.cli import parse_seeds  # noqa: E402
from arena.scenarios import list_scenarios  # noqa: E402

MARKER = re.compile(r"(<!-- BEGIN GENERATED effects[^>]*-->\n)(.*?)(<!-- END GENERATED effects -->)", re.S)


def commit() -> str:
    """Short commit of the working tree, with ``+changes`` if the engine or scenarios are modified."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                              text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "arena", "scenarios"], cwd=ROOT,
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + ("+changes" if dirty else "")


def section(scenario, result) -> str:
    """Markdown of one scenario: heading, arms, effect table, sources."""
    lines = [f"### {scenario.name}: {scenario.description}", ""]
    arms = [f"`{name}` ({arm.note})" for name, arm in scenario.arms.items()]
    lines.append(f"{scenario.ticks} ticks. Arms: `scenario` (the file as written), `no_shocks` (the same "
                 f"economy without its shocks)" + ("; " + "; ".join(arms) if arms else "") + ".")
    lines += ["", result.to_markdown(), ""]
    for e in scenario.effects:
        lines.append(f"- `{e.label}`: {e.note}. Source: {e.source}.")
    return "\n".join(lines) + "\n"


def block(results: dict, args) -> str:
    """Return the whole generated block."""
    when = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d")
    seeds = f"{args.seeds_list[0]}-{args.seeds_list[-1]}" if args.seeds_list == list(
        range(args.seeds_list[0], args.seeds_list[-1] + 1)) else ",".join(map(str, args.seeds_list))
    head = (f"Measured at commit `{commit()}` on {when} by `scripts/gen_scenario_effects.py`: "
            f"{args.agents:,} households, seeds {seeds}, both arms of every contrast on the same seeds. "
            "Median across seeds, 95% percentile-bootstrap interval of the median (2,000 resamples, "
            "seeded), share of seeds with the expected sign, number of seeds; an effect holds when its "
            "median is in the expected range and at least 80% of seeds show the expected sign.\n")
    parts = [head]
    failing = []
    for scenario, result in results.values():
        parts.append(section(scenario, result))
        for r in result.table.itertuples():
            if not r.holds:
                failing.append(f"- `{scenario.name}.{r.effect}`: median {r.median:.3g} "
                               f"(CI {r.ci_low:.3g} to {r.ci_high:.3g}), expected "
                               f"{'' if r.sign == 'none' else r.sign + ', '}{_range(r)}.")
    parts.append("### Where the model disagrees with the economics\n")
    parts.append("\n".join(failing) + "\n" if failing else "Every effect holds.\n")
    return "\n".join(parts)


def _range(r) -> str:
    lo, hi = r.min, r.max
    if pd.notna(lo) and pd.notna(hi):
        return f"[{lo:g}, {hi:g}]"
    return f">= {lo:g}" if pd.notna(lo) else f"<= {hi:g}"


def check(text: str) -> list[str]:
    """Problems: scenarios, effects, ranges or sources of the files missing from the doc's block."""
    m = MARKER.search(text)
    if not m:
        return ["docs/scenarios.md has no generated effects block"]
    body, problems = m.group(2), []
    for s in list_scenarios():
        heading = f"### {s.name}: {s.description}"
        if heading not in body:
            problems.append(f"{s.name}: heading {heading!r} missing")
            continue
        part = body.split(heading)[1].split("\n### ")[0]
        for e in s.effects:
            row = [ln for ln in part.splitlines() if ln.startswith(f"| `{e.label}` |")]
            if not row:
                problems.append(f"{s.name}.{e.label}: no table row")
                continue
            expected = e.range_text() if e.sign == "none" else f"{e.sign}, {e.range_text()}"
            if f"`{e.metric}`" not in row[0] or expected not in row[0]:
                problems.append(f"{s.name}.{e.label}: row does not show metric {e.metric} and {expected}")
            if f"- `{e.label}`: {e.note}. Source: {e.source}." not in part:
                problems.append(f"{s.name}.{e.label}: note or source missing or stale")
    return problems


def main(argv=None) -> int:
    """Run the experiments and rewrite the block (or ``--check`` it)."""
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--agents", type=int, default=20_000)
    p.add_argument("--seeds", default="1-10")
    p.add_argument("--backend", default="processes", help="processes, serial, dask or tcp://scheduler")
    p.add_argument("--workers", type=int, default=None)
    p.add_argument("--only", nargs="*", help="scenarios to rerun (the others keep their doc sections)")
    p.add_argument("--out", default="data/experiments/docs", help="where the runs are kept (reused)")
    p.add_argument("--check", action="store_true", help="no runs: check the doc against the scenario files")
    args = p.parse_args(argv)
    text = DOC.read_text()
    if args.check:
        problems = check(text)
        print("\n".join(problems) or "docs/scenarios.md is in step with scenarios/*.toml")
        return 1 if problems else 0
    args.seeds_list = parse_seeds(args.seeds)
    results = {}
    for s in list_scenarios():
        if args.only and s.name not in args.only:
            continue
        print(f"{s.name} ...", file=sys.stderr, flush=True)
        results[s.name] = (s, arena.experiment(s, seeds=args.seeds_list, n_agents=args.agents,
                                               backend=args.backend, workers=args.workers,
                                               out_dir=Path(args.out) / s.name))
    if args.only:
        raise SystemExit("--only prints the sections instead of rewriting the doc:\n\n"
                         + "\n".join(section(s, r) for s, r in results.values()))
    new = MARKER.sub(lambda m: m.group(1) + block(results, args) + m.group(3), text)
    if new == text and not MARKER.search(text):
        print("docs/scenarios.md has no generated effects block", file=sys.stderr)
        return 1
    DOC.write_text(new)
    print(f"wrote {DOC}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
