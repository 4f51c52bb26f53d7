"""Single runs: :func:`run` drives a scenario or config with a progress bar and writes a run directory.

``arena.run("market_crash", 600)`` runs the scenario with a progress bar, writes
``data/runs/market_crash/`` (see :mod:`arena.storage`) and returns the indicators; the summary
of the final indicators is in ``attrs["summary"]`` (``arena run`` prints it) and in the log.
"""

from __future__ import annotations

import logging
import os
import sys
import time
import tomllib
import warnings
from pathlib import Path
from typing import Any, Mapping

import pandas as pd

from arena import logs
from arena.config import ArenaConfig
from arena.errors import ConfigError, ScenarioError
from arena.scarcity import RESOURCE_NAMES
from arena.scenarios import Scenario, load_scenario, scenario_from_dict

log = logging.getLogger("arena.runner")
#: Progress lines in the log of a run: one every this share of the run.
PROGRESS_STEP = 0.1

#: Indicators in the summary table (printed by `arena run`): (column, label, format).
SUMMARY = (
    ("price_equity", "equity price", "{:,.2f}"),
    ("fundamental_equity", "fundamental value", "{:,.2f}"),
    ("cpi", "CPI (tick 0 = 100)", "{:,.2f}"),
    ("inflation", "inflation (annual)", "{:.2%}"),
    ("expected_inflation", "expected inflation", "{:.2%}"),
    ("policy_rate", "policy rate", "{:.2%}"),
    ("unemployment", "unemployment", "{:.2%}"),
    ("output_gap", "output gap", "{:+.2%}"),
    ("price_oil", "oil price", "{:,.4f}"),
    ("gini", "Gini (wealth)", "{:.3f}"),
    ("sentiment", "sentiment", "{:.3f}"),
    ("fear", "fear", "{:.3f}"),
    ("greed", "greed", "{:.3f}"),
)


def resolve(config_or_path: Any) -> Scenario:
    """Turn a scenario, scenario name/path, config TOML path, ArenaConfig or mapping into a Scenario."""
    if isinstance(config_or_path, Scenario):
        return config_or_path
    if isinstance(config_or_path, ArenaConfig):
        return Scenario("run", "custom configuration", 300, config_or_path.to_dict())
    if isinstance(config_or_path, Mapping):
        return scenario_from_dict({"name": "run", "ticks": 300, "config": dict(config_or_path)}, "<config>")
    path = Path(os.fspath(config_or_path))
    if path.is_file():
        try:
            data = tomllib.loads(path.read_text())
        except tomllib.TOMLDecodeError as exc:
            raise ScenarioError(f"{path}: not valid TOML: {exc}") from None
        if "name" not in data and "ticks" not in data:  # a plain config file
            config = ArenaConfig.from_toml(path)
            return Scenario(path.stem, f"configuration {path}", 300, config.to_dict(), path=str(path))
    return load_scenario(config_or_path)


def summary_table(indicators: pd.DataFrame) -> pd.DataFrame:
    """Tabulate the final main indicators, the equity drawdown and the peak inflation."""
    from arena.indicators import max_drawdown

    rows = []
    last = indicators.iloc[-1]
    for column, label, fmt in SUMMARY:
        if column in indicators:
            rows.append((label, fmt.format(float(last[column]))))
    if "price_equity" in indicators:
        rows.append(("max drawdown (equity)", f"{max_drawdown(indicators['price_equity'].to_numpy()):.1%}"))
    if "inflation" in indicators:
        rows.append(("peak inflation", f"{float(indicators['inflation'].max()):.2%}"))
    columns = ["indicator", f"tick {int(indicators.index[-1])}"]
    return pd.DataFrame(rows, columns=columns).set_index("indicator")


def plot_indicators(indicators: pd.DataFrame, path: str | Path, title: str = "") -> Path:
    """Save a 3x2 figure of the main indicators as a PNG (matplotlib's Agg canvas, no GUI)."""
    from matplotlib.figure import Figure

    df = indicators
    t = df.index.to_numpy()
    fig = Figure(figsize=(13, 10), dpi=90, layout="constrained")
    axes = fig.subplots(3, 2)

    def panel(ax, columns, ylabel, scale=1.0, fmt=None):
        for column, label in columns:
            if column in df:
                ax.plot(t, df[column].to_numpy() * scale, label=label, lw=1.2)
        ax.set_ylabel(ylabel)
        ax.grid(alpha=0.3)
        ax.legend(loc="best", fontsize=8)

    panel(axes[0, 0], [("price_equity", "equity price"), ("fundamental_equity", "fundamental")],
          "currency/share")
    axes[0, 0].set_title("Equity market")
    panel(axes[0, 1], [("inflation", "inflation"), ("expected_inflation", "expected inflation"),
                       ("policy_rate", "policy rate")], "% per year", 100)
    axes[0, 1].set_title("Money and prices")
    panel(axes[1, 0], [("unemployment", "unemployment"), ("output_gap", "output gap")], "%", 100)
    axes[1, 0].set_title("Real economy")
    panel(axes[1, 1], [("sentiment", "sentiment"), ("fear", "fear"), ("greed", "greed"),
                       ("herding", "herding")], "index [0, 1]")
    axes[1, 1].set_title("Psychology")
    ax = axes[2, 0]
    for resource in RESOURCE_NAMES:
        if f"price_{resource}" in df:
            series = df[f"price_{resource}"].to_numpy()
            ax.plot(t, series / series[0], label=resource, lw=1.0)
    if "cpi" in df:
        ax.plot(t, df["cpi"].to_numpy() / 100.0, label="CPI", lw=2.0, color="black")
    ax.set_ylabel("relative to tick 1")
    ax.set_title("Commodity prices and CPI")
    ax.grid(alpha=0.3)
    ax.legend(loc="best", fontsize=7, ncol=2)
    panel(axes[2, 1], [("gini", "Gini"), ("volatility_multiplier", "volatility multiplier")], "-")
    axes[2, 1].set_title("Inequality and volatility")
    for ax in axes[-1]:
        ax.set_xlabel("tick (trading day)")
    if title:
        fig.suptitle(title)
    path = Path(path)
    fig.savefig(path)
    return path


class RunWatch:
    """Per-tick companion of a long run: progress lines and process-health alerts.

    Called after every tick; logs INFO progress every :data:`PROGRESS_STEP` of the run and
    evaluates the process-health alert rules (CPU, memory) on a psutil sample at most once
    a second, outside the model step (the indicator series is unaffected).
    """

    def __init__(self, ticks: int):
        from arena.health import HealthSampler

        self.ticks = ticks
        self.every = max(1, int(round(ticks * PROGRESS_STEP)))
        self.health = HealthSampler()
        self.peak_rss = 0.0
        self.started = time.perf_counter()

    def __call__(self, model) -> None:
        """Handle the tick just completed by ``model``."""
        sample, fresh = self.health.sample()
        if fresh:
            self.peak_rss = max(self.peak_rss, sample["process_rss_bytes"])
            model.alert_monitor.evaluate_health(model.tick, sample, model.event_log.emit)
        if model.tick % self.every == 0 or model.tick == self.ticks:
            elapsed = time.perf_counter() - self.started
            active = model.alert_monitor.active(model.tick)
            log.info("tick %d/%d (%.0f%%), %.1f ms/tick, %d active alerts%s", model.tick, self.ticks,
                     100 * model.tick / self.ticks, 1000 * elapsed / model.tick, len(active),
                     "".join(f"; {a['alert']}" + (f" ({a['subject']})" if a["subject"] else "")
                             for a in active),
                     extra={"tick": model.tick, "active_alerts": len(active),
                            "rss_bytes": sample["process_rss_bytes"]})


def run(config_or_path: Any = None, ticks: int | None = None, out_dir: str | Path | None = None,
        progress: bool = True, *, n_agents: int | None = None, seed: int | None = None,
        save: bool = True, check_accounting: bool = False, checkpoint_every: int | None = None,
        resume: str | Path | None = None) -> pd.DataFrame:
    """Run a scenario or configuration with a progress bar and write its run directory.

    Parameters
    ----------
    config_or_path : Scenario, str, Path, ArenaConfig or mapping
        A scenario name (``"baseline"``), a scenario file, a config TOML, a config or a
        mapping of config values.
    ticks : int, optional
        Number of ticks; default the scenario's ``ticks`` (300 for a plain config).
        Scheduled shocks at or after ``ticks`` do not happen (with a warning).
    out_dir : str or Path, optional
        Run directory; default ``data/runs/<scenario name>/``.
    progress : bool, default True
        Show a tqdm progress bar (stderr) and log the summary table of the final indicators
        (logger ``arena.runner``, INFO).
    n_agents, seed : int, optional
        Override the scenario's agent count and seed.
    save : bool, default True
        Write the run directory (indicators.parquet, events.parquet, alerts.parquet,
        config.toml, metadata.json, indicators.png, run.log).
    check_accounting : bool, default False
        Verify stock-flow consistency after every tick.
    checkpoint_every : int, optional
        Write a checkpoint every so many ticks to ``<run directory>/checkpoints/`` (see
        :mod:`arena.resume`); the directory must not hold checkpoints of another run.
    resume : str or Path, optional
        Continue the checkpointed run of this run directory from its newest checkpoint
        (``config_or_path``, ``n_agents`` and ``seed`` must then be None; ``ticks`` may extend
        the run). The result equals an uninterrupted run.

    Returns
    -------
    DataFrame
        The indicators, one row per tick (``attrs["run_dir"]`` names the run directory,
        ``attrs["summary"]`` is the summary table as text).
    """
    from tqdm.auto import tqdm

    from arena import resume as resumer

    overrides = {k: v for k, v in (("n_agents", n_agents), ("seed", seed)) if v is not None}
    checkpoint_dir = None
    if resume is not None:
        if config_or_path is not None or overrides:
            raise ConfigError("--resume continues the saved run: no scenario, --agents or --seed with it")
        out_dir = Path(out_dir) if out_dir is not None else Path(resume)
        checkpoint_dir = Path(resume) / "checkpoints"
        if resumer.latest(checkpoint_dir) is None:
            raise ConfigError(f"nothing to resume: no checkpoint in {checkpoint_dir}")
        scenario = resolve(checkpoint_dir / "scenario.toml")
        checkpoint_every = checkpoint_every or resumer.saved_interval(checkpoint_dir)
    elif config_or_path is None:
        raise ConfigError("run needs a scenario, a config or resume=DIR")
    else:
        scenario = resolve(config_or_path)
    ticks = scenario.ticks if ticks is None else int(ticks)
    if ticks < 1:
        raise ValueError(f"ticks must be >= 1. Got {ticks} instead.")
    config = scenario.make_config(**overrides)
    if checkpoint_every is not None and checkpoint_dir is None:
        out_dir = Path(out_dir) if out_dir is not None else Path("data") / "runs" / scenario.name
        checkpoint_dir = out_dir / "checkpoints"
        if resumer.latest(checkpoint_dir) is not None:
            raise ConfigError(f"{checkpoint_dir} holds checkpoints of an earlier run: continue it with "
                              f"--resume {out_dir}, or choose another --out")
    dropped = len(scenario.shocks) - len(scenario.shocks_before(ticks))
    if dropped:
        warnings.warn(f"{dropped} shock(s) of scenario {scenario.name!r} are scheduled at or after tick "
                      f"{ticks} and do not happen in this run", stacklevel=2)
    out = Path(out_dir) if out_dir is not None else Path("data") / "runs" / scenario.name
    handler = None
    if save:
        out.mkdir(parents=True, exist_ok=True)
        handler = logs.add_file_handler(out / "run.log", "INFO", "json", mode="w")
    bar = tqdm(total=ticks, desc=f"{scenario.name} ({config.n_agents:,} agents)", unit="tick",
               disable=not progress, file=sys.stderr, dynamic_ncols=True)
    watch = RunWatch(ticks)
    log.info("run %s started: %d ticks, %d agents, seed %s", scenario.name, ticks, config.n_agents,
             config.seed, extra={"scenario": scenario.name, "ticks": ticks, "n_agents": config.n_agents})
    start = time.perf_counter()
    try:
        if checkpoint_dir is not None:
            model = resumer.simulate(scenario, ticks, checkpoint_dir, checkpoint_every, overrides,
                                     on_tick=lambda m: (bar.update(1), watch(m)),
                                     check_accounting=check_accounting,
                                     on_resume=lambda m: bar.update(m.tick))
        else:
            model = scenario.simulate(ticks, overrides, on_tick=lambda m: (bar.update(1), watch(m)),
                                      check_accounting=check_accounting)
    except BaseException:
        log.exception("run %s failed", scenario.name)
        if handler is not None:
            logs.remove(handler)
        raise
    finally:
        bar.close()
    seconds = time.perf_counter() - start
    config = model.config  # the seed actually used (drawn when the config had none)
    alerts = model.alerts()
    log.info("run %s finished: %d ticks in %.1f s (%.1f ms/tick), %d alerts (%d active)", scenario.name,
             ticks, seconds, 1000 * seconds / ticks, len(alerts), int(alerts["active"].sum()),
             extra={"scenario": scenario.name, "seconds": round(seconds, 3), "alerts": len(alerts)})
    indicators = model.indicators()
    if save:
        from arena import storage

        storage.write_run(out, indicators, model.events(), scenario.to_toml(config, ticks), {
            "scenario": scenario.name, "scenario_file": scenario.path, "ticks": ticks,
            "n_agents": config.n_agents, "seed": config.seed, "seconds": round(seconds, 3),
            "seconds_per_tick": round(seconds / ticks, 5), "events_dropped": model.event_log.dropped,
            "shocks": [{"tick": s.tick, "kind": s.kind, "size": s.size, **s.target}
                       for s in scenario.shocks_before(ticks)],
            "alerts": len(alerts), "peak_rss_bytes": watch.peak_rss,
        }, alerts=alerts)
        logs.remove(handler)
        plot_indicators(indicators, out / "indicators.png",
                        f"{scenario.name}: {config.n_agents:,} agents, seed {config.seed}, {ticks} ticks")
        indicators.attrs["run_dir"] = str(out)
    summary = (f"{scenario.name}: {ticks} ticks, {config.n_agents:,} agents, seed {config.seed}, "
               f"{seconds:.1f} s ({1000 * seconds / ticks:.1f} ms/tick)\n"
               f"{summary_table(indicators).to_string()}"
               + (f"\nwritten to {indicators.attrs['run_dir']}/" if save else ""))
    indicators.attrs["summary"] = summary  # the CLI prints it; the library prints nothing
    if progress:
        log.info("summary of run %s:\n%s", scenario.name, summary, extra={"scenario": scenario.name})
    return indicators

