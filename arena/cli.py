"""The ``arena`` command line: ``arena run | batch | experiment | scenarios | dashboard | serve``.

The research commands ``validate | calibrate | sensitivity`` live in :mod:`arena.cli_research`.

Examples::

    arena run baseline --ticks 300 --agents 100000 --out data/runs/baseline
    arena batch market_crash --grid herding_strength=0.3,0.6 --seeds 1,2,3 --ticks 400
    arena batch market_crash --grid n_agents=20000,50000 --seeds 1,2 --scheduler tcp://10.0.0.5:8786
    arena experiment market_crash --ablate herding_strength=0 --seeds 1-20 --agents 20000
    arena scenarios
    arena dashboard --port 8765
    arena serve --port 8000 --agents 50000 --scenario market_crash
    arena validate baseline --seeds 1-10 --agents 20000    (also calibrate, sensitivity: arena.cli_research)
    arena serve --log-level debug --log-format json --alerts my_alerts.toml

Every command takes ``--log-level`` (debug, info, warning, error; default info) and
``--log-format`` (text or json lines), and ``--alerts FILE`` (alert rules on top of the
defaults, see :mod:`arena.alerts`); logs go to stderr (docs/api.md, "Logs").
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from pathlib import Path
from typing import Any, Sequence

from arena.config import PARAMETERS
from arena.errors import CheckpointError, ConfigError, ScenarioError, ShockError


def _parse_value(name: str, text: str) -> Any:
    """Convert one grid value from text to the parameter's declared type."""
    kind = PARAMETERS[name].kind
    text = text.strip()
    try:
        if kind is bool:
            if text.lower() not in ("true", "false", "1", "0"):
                raise ValueError
            return text.lower() in ("true", "1")
        if kind is int:
            return int(float(text)) if float(text).is_integer() else float(text)
        if kind is float:
            return float(text)
    except ValueError:
        raise ConfigError(f"The grid value {text!r} of {name!r} is not a {kind.__name__}.") from None
    return text


def parse_grid(items: Sequence[str]) -> dict[str, list[Any]]:
    """``["n_agents=5000,8000", "fear_weight=0.2,0.4"]`` -> ``{"n_agents": [5000, 8000], ...}``."""
    grid: dict[str, list[Any]] = {}
    for item in items:
        name, sep, values = item.partition("=")
        name = name.strip()
        if not sep or not values.strip():
            raise ConfigError(f"--grid expects PARAM=V1,V2,... Got {item!r} instead.")
        if name not in PARAMETERS:
            raise ConfigError(f"Unknown grid parameter {name!r}. Valid parameters are: "
                              + ", ".join(PARAMETERS))
        grid[name] = [_parse_value(name, v) for v in values.split(",") if v.strip()]
    return grid


def parse_seeds(text: str) -> list[int]:
    """``"1,2,3"`` or a range ``"1-10"`` -> list of ints."""
    seeds: list[int] = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        lo, sep, hi = part.partition("-")
        try:
            seeds += list(range(int(lo), int(hi) + 1)) if sep and lo else [int(part)]
        except ValueError:
            raise ConfigError(f"--seeds expects ints such as 1,2,3 or 1-10. Got {text!r} instead.") from None
    return seeds


def _cmd_run(args: argparse.Namespace) -> int:
    from arena.runner import run

    if args.scenario is None and args.resume is None:
        raise ConfigError("arena run needs a scenario (see `arena scenarios`) or --resume DIR")
    df = run(args.scenario, args.ticks, args.out, progress=not args.quiet, n_agents=args.agents,
             seed=args.seed, checkpoint_every=args.checkpoint_every, resume=args.resume)
    if not args.quiet:
        print("\n" + df.attrs["summary"])
    return 0


def _cmd_batch(args: argparse.Namespace) -> int:
    import pandas as pd

    from arena.batch import plot_bands, run_batch, summarize
    from arena.storage import read_batch_runs

    grid = parse_grid(args.grid or [])
    if args.agents is not None:
        grid.setdefault("n_agents", [args.agents])
    seeds = parse_seeds(args.seeds) if args.seeds else None
    backend = args.scheduler or ("serial" if args.workers == 1 else "processes")
    frame = run_batch(args.scenario, grid=grid, seeds=seeds, ticks=args.ticks, backend=backend,
                      checkpoint_every=args.checkpoint_every,
                      out_dir=args.out, workers=args.workers, progress=not args.quiet)
    info = frame.attrs["batch"]
    out = Path(info["out_dir"])
    if not frame.empty:
        table = summarize(frame)
        table.to_csv(out / "_summary.csv", index=False)
        plot_bands(frame, path=out / "_bands.png")
        if not args.quiet:
            shown = table.drop(columns=["scenario", "run_id"], errors="ignore")
            with pd.option_context("display.width", 200, "display.max_columns", 12):
                print(shown.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    print(f"{info['runs']} runs ({info['computed']} computed, {info['reused']} already on disk, "
          f"{info['failed']} failed): {len(frame)} rows in {out}/")
    if info["failed"]:
        runs = read_batch_runs(out)
        for row in runs[runs["status"] != "ok"].itertuples():
            print(f"  failed: {row.run_id} seed {row.seed}: {row.error}", file=sys.stderr)
        return 1
    return 0


def parse_overrides(items: Sequence[str]) -> dict[str, Any]:
    """``["herding_strength=0"]`` -> ``{"herding_strength": 0.0}`` (one value per parameter)."""
    grid = parse_grid(items)
    for name, values in grid.items():
        if len(values) != 1:
            raise ConfigError(f"--ablate expects one value per parameter (PARAM=VALUE). Got {values!r} "
                              f"for {name!r}.")
    return {name: values[0] for name, values in grid.items()}


def parse_metric(text: str) -> dict[str, Any]:
    """``"max_drawdown_equity:100:200"`` -> a metric spec with its window (``from``, ``to`` optional)."""
    name, *window = text.split(":")
    spec: dict[str, Any] = {"metric": name.strip()}
    try:
        for key, value in zip(("from", "to"), window, strict=False):
            if value.strip():
                spec[key] = int(value)
    except ValueError:
        raise ConfigError(f"--metric expects NAME[:FROM[:TO]] with integer ticks. Got {text!r}.") from None
    return spec


def _cmd_experiment(args: argparse.Namespace) -> int:
    import pandas as pd

    from arena.experiment import experiment
    from arena.experiment_plot import plot_arms
    from arena.scenarios import load_scenario

    scenario = load_scenario(args.scenario)
    control: Any = args.control
    if args.ablate:
        control = {"name": "ablate", "config": parse_overrides(args.ablate),
                   "note": "ablation: " + ", ".join(args.ablate)}
    metrics = [parse_metric(m) for m in args.metric] if args.metric else None
    seeds = parse_seeds(args.seeds) if args.seeds else None
    backend = args.backend
    if backend not in ("processes", "serial", "dask") and "://" not in backend:
        raise ConfigError(f"--backend must be processes, serial, dask or a scheduler address tcp://... "
                          f"Got {backend!r} instead.")
    out = Path(args.out) if args.out else Path("data") / "experiments" / scenario.name
    result = experiment(scenario, treatment=args.treatment, control=control, seeds=seeds, metrics=metrics,
                        ticks=args.ticks, backend=backend, n_agents=args.agents, out_dir=out / "runs",
                        workers=args.workers, progress=not args.quiet)
    result.save(out)
    plot_arms(result, path=out / "arms.png")
    info = result.info
    print(f"{scenario.name}: {len(info['seeds'])} seeds x {len(result.arms)} arms "
          f"({', '.join(result.arms)}), {info['n_agents']:,} households, {info['ticks']} ticks")
    print(result.to_markdown())
    with pd.option_context("display.width", 200, "display.max_colwidth", 120):
        for row in result.table.itertuples():
            if row.source and row.source != "user":
                print(f"  {row.effect}: {row.source}")
    print(f"written: {out}/effects.parquet, per_seed.parquet, effects.md, arms.png")
    return 0


def _cmd_scenarios(args: argparse.Namespace) -> int:
    from arena.scenarios import load_scenario, scenario_paths

    paths = scenario_paths()
    if not paths:
        print("no scenario files found (looked in $ARENA_SCENARIOS, ./scenarios and the repository)")
        return 1
    width = max(len(n) for n in paths)
    status = 0
    for name, path in paths.items():
        try:
            s = load_scenario(path)
        except ScenarioError as exc:
            print(f"{name:<{width}}  INVALID: {exc}")
            status = 1
            continue
        print(f"{name:<{width}}  {s.ticks:>5} ticks  {len(s.shocks):>2} shocks  {s.description}")
        if args.verbose:
            for shock in s.shocks:
                target = "".join(f" {k}={v}" for k, v in shock.target.items())
                print(f"{'':<{width}}    tick {shock.tick}: {shock.kind} {shock.size:g}{target}  "
                      f"{shock.note}")
            for e in s.expected:
                bounds = " ".join(f"{k} {v:g}" for k, v in (("min", e.min), ("max", e.max)) if v is not None)
                print(f"{'':<{width}}    expect {e.metric} {bounds}")
            for arm in s.arms.values():
                print(f"{'':<{width}}    arm {arm.name}: {arm.note}")
            for e in s.effects:
                against = f" vs {e.control} ({e.kind})" if e.control else " (level)"
                sign = "" if e.sign == "none" else f"{e.sign}, "
                print(f"{'':<{width}}    effect {e.label}: {e.metric}{against} {sign}{e.range_text()}")
    return status


def _cmd_dashboard(args: argparse.Namespace) -> int:
    dashboard = importlib.import_module("arena.dashboard")  # imported lazily: Solara is heavy
    extra = {k: getattr(args, k) for k in ("scenario", "agents", "seed") if getattr(args, k) is not None}
    dashboard.serve(host=args.host, port=args.port, **extra)
    return 0


def _cmd_serve(args: argparse.Namespace) -> int:
    api = importlib.import_module("arena.api")  # imported lazily: FastAPI/uvicorn
    if args.from_file is not None and (args.agents, args.seed, args.scenario) != (None, None, None):
        raise ConfigError("arena serve --from resumes a snapshot as it is: no --agents, --seed or --scenario")
    api.serve(host=args.host, port=args.port, agents=args.agents, seed=args.seed, scenario=args.scenario,
              paused=args.paused, from_file=args.from_file, run_dir=args.run_dir,
              log_level=args.log_level, log_format=args.log_format)
    return 0


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser of the ``arena`` command."""
    parser = argparse.ArgumentParser(prog="arena", description="Living Economy Arena: run, batch, explore.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--log-level", default="info", type=str.lower,
                        choices=["debug", "info", "warning", "error"], help="log threshold (default info)")
    common.add_argument("--log-format", default="text", choices=["text", "json"],
                        help="readable text or one JSON object per line (default text)")
    common.add_argument("--alerts", metavar="FILE", default=None,
                        help="TOML file of alert rules applied on top of the defaults (sets ARENA_ALERTS)")

    p = sub.add_parser("run", parents=[common],
                       help="run a scenario with a progress bar and write data/runs/<name>/")
    p.add_argument("scenario", nargs="?", help="scenario name (see `arena scenarios`) or a .toml file")
    p.add_argument("--ticks", type=int, help="number of ticks (default: the scenario's)")
    p.add_argument("--checkpoint-every", type=int, metavar="K",
                   help="write a checkpoint every K ticks to <out>/checkpoints/ (docs/checkpoints.md)")
    p.add_argument("--resume", metavar="DIR",
                   help="continue the checkpointed run in run directory DIR from its newest checkpoint")
    p.add_argument("--agents", type=int, help="number of households (default: the scenario's)")
    p.add_argument("--seed", type=int, help="random seed (default: the scenario's)")
    p.add_argument("--out", help="run directory (default: data/runs/<scenario>)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar or summary")
    p.set_defaults(func=_cmd_run)

    p = sub.add_parser("batch", parents=[common], help="run a scenario over a parameter grid x seeds")
    p.add_argument("scenario", help="scenario name or .toml file")
    p.add_argument("--grid", action="append", metavar="PARAM=V1,V2",
                   help="config parameter and its values (repeat for more parameters)")
    p.add_argument("--seeds", help="seeds, e.g. 1,2,3 or 1-10 (default: the scenario's seed)")
    p.add_argument("--ticks", type=int, help="ticks per run (default: the scenario's)")
    p.add_argument("--agents", type=int, help="households per run (unless n_agents is in the grid)")
    p.add_argument("--scheduler", help="Dask scheduler address (tcp://host:8786) to run on a cluster")
    p.add_argument("--workers", type=int, help="local worker processes (default: all cores; 1 = serial)")
    p.add_argument("--out", help="dataset directory (default: data/batches/<scenario>)")
    p.add_argument("--checkpoint-every", type=int, metavar="K",
                   help="each run checkpoints every K ticks; a rerun continues unfinished runs from there")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar or summary table")
    p.set_defaults(func=_cmd_batch)

    p = sub.add_parser("experiment", parents=[common],
                       help="treatment vs control on the same seeds: effects with CIs")
    p.add_argument("scenario", help="scenario name or .toml file")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--ablate", action="append", metavar="PARAM=VALUE",
                       help="control = the scenario with this config override, shocks kept (repeatable)")
    group.add_argument("--control", help="control arm: no_shocks or one of the scenario's [arms]")
    p.add_argument("--treatment", help="treatment arm (default: the scenario as written)")
    p.add_argument("--metric", action="append", metavar="NAME[:FROM[:TO]]",
                   help="metric to compare (default: the scenario's effects); repeatable")
    p.add_argument("--seeds", default="1-10", help="seeds, e.g. 1-20 or 1,2,3 (default 1-10)")
    p.add_argument("--agents", type=int, help="households per run (default: the scenario's)")
    p.add_argument("--ticks", type=int, help="ticks per run (default: the scenario's)")
    p.add_argument("--backend", default="processes", help="processes, serial, dask or tcp://scheduler:8786")
    p.add_argument("--workers", type=int, help="local processes (default: all cores)")
    p.add_argument("--out", help="output directory (default: data/experiments/<scenario>)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=_cmd_experiment)

    p = sub.add_parser("scenarios", parents=[common], help="list the scenarios and their descriptions")
    p.add_argument("-v", "--verbose", action="store_true", help="also list shocks and expected outcomes")
    p.set_defaults(func=_cmd_scenarios)

    p = sub.add_parser("dashboard", parents=[common], help="start the Solara dashboard")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8765)
    p.add_argument("--scenario", default=None, help="scenario every session starts with")
    p.add_argument("--agents", type=int, default=None, help="households (overrides the scenario's)")
    p.add_argument("--seed", type=int, default=None, help="seed (overrides the scenario's)")
    p.set_defaults(func=_cmd_dashboard)

    p = sub.add_parser("serve", parents=[common], help="start the REST + WebSocket API")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--agents", type=int, default=None, help="households of the served model")
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--scenario", default=None, help="scenario to load into the served model")
    p.add_argument("--paused", action="store_true", help="start with the clock stopped (admin /start)")
    p.add_argument("--from", dest="from_file", metavar="FILE",
                   help="resume a checkpoint (POST /api/admin/snapshot, model.save) instead of a new model")
    p.add_argument("--run-dir", metavar="DIR",
                   help="audit trail and snapshots of this run (default: data/serve/<start time>)")
    p.set_defaults(func=_cmd_serve)

    from arena.cli_research import add_commands

    add_commands(sub, parents=[common])  # validate, calibrate, sensitivity
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``arena`` command; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    from arena import logs

    handler = logs.configure(args.log_level, args.log_format)
    try:
        if args.alerts is not None:
            from arena.alerts import ENV_VAR, load_rules

            load_rules(args.alerts)  # refuse a bad file now, with its message
            os.environ[ENV_VAR] = str(Path(args.alerts).resolve())  # batch workers inherit it
        return args.func(args)
    except (ConfigError, ScenarioError, ShockError, CheckpointError, FileExistsError,
            FileNotFoundError) as exc:  # bad input: a message, no traceback
        print(f"arena {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"arena {args.command}: interrupted", file=sys.stderr)
        return 130
    finally:
        logs.reset(handler)


if __name__ == "__main__":
    sys.exit(main())
