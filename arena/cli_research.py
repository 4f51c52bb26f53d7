"""The research commands of the ``arena`` CLI: ``validate``, ``calibrate``, ``sensitivity``.

Kept apart from :mod:`arena.cli` (which registers them through :func:`add_commands`) so the
run/batch/serve commands and these tools can change independently.

Examples::

    arena validate baseline --seeds 1-10 --agents 20000 --ticks 2500 --out data/validation/baseline
    arena calibrate baseline --seeds 1-2 --agents 5000 --ticks 1500 --batches 3 --batch-size 6
    arena sensitivity baseline --seeds 1-2 --agents 5000 --ticks 1000 --trajectories 4 --sobol 16
"""

from __future__ import annotations

import argparse


def _seeds(text: str) -> list[int]:
    from arena.cli import parse_seeds

    return parse_seeds(text)


def _backend(args: argparse.Namespace) -> str:
    return args.scheduler or ("serial" if args.workers == 1 else "processes")


def _cmd_validate(args: argparse.Namespace) -> int:
    import pandas as pd

    from arena.validation import report
    from arena.validation.runs import validate

    table = validate(args.scenario, seeds=_seeds(args.seeds), ticks=args.ticks, n_agents=args.agents,
                     burn_in=args.burn_in, out_dir=args.out, backend=_backend(args), workers=args.workers,
                     filter=args.filter, firm_seeds=args.firm_seeds, progress=not args.quiet)
    with pd.option_context("display.width", 200, "display.max_colwidth", 60):
        print(report.text_table(table))
    print(f"{report.summary(table)}; written to {table.attrs['out_dir']}/")
    return 0


def _parse_space(items: list[str] | None) -> dict[str, tuple[float, float]] | None:
    from arena.errors import ConfigError

    if not items:
        return None
    space = {}
    for item in items:
        name, sep, bounds = item.partition("=")
        low, comma, high = bounds.partition(",")
        try:
            space[name.strip()] = (float(low), float(high))
        except ValueError:
            raise ConfigError(f"--space expects PARAM=LOW,HIGH. Got {item!r} instead.") from None
        if not sep or not comma:
            raise ConfigError(f"--space expects PARAM=LOW,HIGH. Got {item!r} instead.")
    return space


def _cmd_calibrate(args: argparse.Namespace) -> int:
    from arena.calibration import calibrate

    result = calibrate(args.scenario, space=_parse_space(args.space), seeds=_seeds(args.seeds),
                       ticks=args.ticks, n_agents=args.agents, burn_in=args.burn_in, batches=args.batches,
                       batch_size=args.batch_size, method=args.method, backend=_backend(args),
                       workers=args.workers, out_dir=args.out, random_state=args.random_state,
                       progress=not args.quiet)
    print(result.summary())
    return 0


def _cmd_sensitivity(args: argparse.Namespace) -> int:
    from arena.sensitivity import analyse

    result = analyse(args.scenario, space=_parse_space(args.space), seeds=_seeds(args.seeds),
                     ticks=args.ticks, n_agents=args.agents, trajectories=args.trajectories,
                     sobol_samples=args.sobol,
                     top=args.top, backend=_backend(args), workers=args.workers, out_dir=args.out,
                     random_state=args.random_state, progress=not args.quiet)
    print(result.summary())
    return 0


def _common(p: argparse.ArgumentParser, seeds: str, ticks: int, agents: int | None) -> None:
    p.add_argument("scenario", nargs="?", default="baseline",
                   help="scenario name or .toml file (default baseline)")
    p.add_argument("--seeds", default=seeds, help=f"seeds, e.g. 1-10 or 1,2,3 (default {seeds})")
    p.add_argument("--ticks", type=int, default=ticks, help=f"ticks per run (default {ticks})")
    p.add_argument("--agents", type=int, default=agents,
                   help="households per run (default: " + (str(agents) if agents else "the scenario's") + ")")
    p.add_argument("--scheduler", help="Dask scheduler address (tcp://host:8786) to run on a cluster")
    p.add_argument("--workers", type=int, help="local worker processes (default: all cores; 1 = serial)")
    p.add_argument("--out", help="output directory")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bars")


def add_commands(sub: argparse._SubParsersAction, parents: list | None = None) -> None:
    """Register ``validate``, ``calibrate`` and ``sensitivity`` on the ``arena`` parser.

    ``parents`` are the options every command shares (``--log-level``, ``--log-format``, ``--alerts``).
    """
    parents = parents or []
    from arena.validation.runs import DEFAULT_BURN_IN, DEFAULT_TICKS

    p = sub.add_parser("validate", parents=parents,
                       help="stylized facts of a scenario's seeds vs NASDAQ and US macro data")
    _common(p, "1-5", DEFAULT_TICKS, None)
    p.add_argument("--burn-in", type=int, default=DEFAULT_BURN_IN,
                   help="ticks dropped at the start of each run")
    p.add_argument("--filter", choices=("hp", "bk"), default="hp",
                   help="business-cycle filter (HP or band-pass)")
    p.add_argument("--firm-seeds", type=int, default=1,
                   help="seeds re-run to read firms_frame() for the firm-size fact (0 = skip)")
    p.set_defaults(func=_cmd_validate, out=None)

    p = sub.add_parser("calibrate", parents=parents,
                       help="fit parameters to the real-data moments (black-it or scipy MSM)")
    _common(p, "1-2", 1500, 5000)
    p.add_argument("--space", action="append", metavar="PARAM=LOW,HIGH",
                   help="search-space bounds (repeat; default arena.calibration.DEFAULT_SPACE)")
    p.add_argument("--burn-in", type=int, default=250, help="ticks dropped at the start of each run")
    p.add_argument("--batches", type=int, default=3, help="rounds of proposals (default 3)")
    p.add_argument("--batch-size", type=int, default=6, help="parameter points per round (default 6)")
    p.add_argument("--method", choices=("black-it", "msm"), default="black-it",
                   help="black-it samplers (default) or scipy Nelder-Mead MSM")
    p.add_argument("--random-state", type=int, default=0, help="seed of the sampler")

    p.set_defaults(func=_cmd_calibrate)

    p = sub.add_parser("sensitivity", parents=parents,
                       help="SALib Morris screening, then Sobol' on the top parameters")
    _common(p, "1-2", 1000, 5000)
    p.add_argument("--space", action="append", metavar="PARAM=LOW,HIGH",
                   help="parameter bounds (repeat; default arena.sensitivity.DEFAULT_SPACE)")
    p.add_argument("--trajectories", type=int, default=4, help="Morris trajectories (default 4)")
    p.add_argument("--sobol", type=int, default=16,
                   help="Sobol' base samples N (0 = Morris only; default 16)")
    p.add_argument("--top", type=int, default=3, help="parameters kept for Sobol' (default 3)")
    p.add_argument("--random-state", type=int, default=0, help="seed of the samplers")
    p.set_defaults(func=_cmd_sensitivity)
