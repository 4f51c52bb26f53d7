"""Plots of an experiment's arms: the median path and a quantile band across seeds, per arm.

Kept apart from :mod:`arena.experiment` so the engine and the experiment runner never import
matplotlib.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np


def effect_columns(result) -> list[str]:
    """Return the indicator columns the result's effects are measured on (in order, without duplicates)."""
    from arena.scenarios import _parse_metric

    columns: list[str] = []
    for metric in result.table["metric"]:
        try:
            prefix, column = _parse_metric(metric)
        except ValueError:
            continue
        if prefix != "events_" and column not in columns:
            columns.append(column)
    return columns


def plot_arms(result, columns: Sequence[str] | None = None, quantiles: tuple[float, float] = (0.1, 0.9),
              path: str | Path | None = None, shocks: bool = True):
    """Median line and quantile band across seeds of each arm, one panel per column.

    Parameters
    ----------
    result : arena.experiment.ExperimentResult
        What :func:`arena.experiment` returned (its ``runs``).
    columns : list of str, optional
        Indicator columns or derived series (default: those the effects are measured on).
    quantiles : (float, float), default (0.1, 0.9)
        Band across seeds.
    path : str or Path, optional
        Save the figure as PNG.
    shocks : bool, default True
        Mark the scenario's shock ticks with dotted vertical lines.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.figure import Figure

    from arena.scenarios import DERIVED

    columns = list(columns) if columns is not None else effect_columns(result)
    columns = columns or ["price_equity"]
    cols = 2 if len(columns) > 1 else 1
    rows = -(-len(columns) // cols)
    fig = Figure(figsize=(6.5 * cols, 3.2 * rows), dpi=90, layout="constrained")
    axes = np.atleast_1d(fig.subplots(rows, cols)).ravel()
    shock_ticks = sorted({int(t) for t in result.info.get("shock_ticks", [])}) if shocks else []
    for ax, column in zip(axes, columns, strict=False):
        for name, frame in result.runs.items():
            values = DERIVED[column][1](frame) if column in DERIVED else frame[column]
            table = values.groupby(frame["tick"]).quantile([quantiles[0], 0.5, quantiles[1]]).unstack()
            line, = ax.plot(table.index, table[0.5], lw=1.3, label=name)
            ax.fill_between(table.index, table[quantiles[0]], table[quantiles[1]], color=line.get_color(),
                            alpha=0.2)
        for t in shock_ticks:
            ax.axvline(t, color="0.4", ls=":", lw=0.8)
        ax.set_title(f"{column} (median, {quantiles[0]:.0%}-{quantiles[1]:.0%} across seeds)")
        ax.set_xlabel("tick")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    for ax in axes[len(columns):]:
        ax.set_visible(False)
    fig.suptitle(f"{result.info.get('scenario', '')}: {len(result.info.get('seeds', []))} seeds per arm")
    if path is not None:
        fig.savefig(path)
    return fig
