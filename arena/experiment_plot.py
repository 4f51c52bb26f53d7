"""Band plots: the median path and a quantile band across seeds, for experiment arms and batches.

:func:`plot_arms` (an experiment's arms) and :func:`plot_bands` (a batch's parameter
combinations, re-exported by :mod:`arena.batch`) draw through one :func:`band_figure`. Kept
apart from :mod:`arena.experiment` and :mod:`arena.batch` so the engine and the runners never
import matplotlib.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np

#: One curve of a panel: label, ticks, low quantile, median, high quantile (aligned sequences).
Curve = tuple


def band_figure(panels: Sequence[tuple[str, Sequence[Curve]]], path: str | Path | None = None,
                vlines: Sequence[float] = (), suptitle: str | None = None):
    """Draw panels of median lines with shaded quantile bands, two panels a row.

    Parameters
    ----------
    panels : sequence of (title, curves)
        One panel per entry; each curve is ``(label, ticks, low, median, high)`` and gets its own
        colour, its band shaded in that colour.
    path : str or Path, optional
        Save the figure as PNG.
    vlines : sequence of float, optional
        Ticks marked in every panel with a dotted vertical line (e.g. shocks).
    suptitle : str, optional
        Title of the figure.

    Returns
    -------
    matplotlib.figure.Figure
        On an Agg canvas (no display needed).
    """
    from matplotlib.figure import Figure

    cols = 2 if len(panels) > 1 else 1
    rows = max(1, -(-len(panels) // cols))
    fig = Figure(figsize=(6.5 * cols, 3.2 * rows), dpi=90, layout="constrained")
    axes = np.atleast_1d(fig.subplots(rows, cols)).ravel()
    for ax, (title, curves) in zip(axes, panels, strict=False):
        for label, ticks, low, median, high in curves:
            line, = ax.plot(ticks, median, lw=1.3, label=label)
            ax.fill_between(ticks, low, high, color=line.get_color(), alpha=0.2)
        for t in vlines:
            ax.axvline(t, color="0.4", ls=":", lw=0.8)
        ax.set_title(title)
        ax.set_xlabel("tick")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    for ax in axes[len(panels):]:
        ax.set_visible(False)
    if suptitle is not None:
        fig.suptitle(suptitle)
    if path is not None:
        fig.savefig(path)
    return fig


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
    from arena.scenarios import DERIVED

    columns = list(columns) if columns is not None else effect_columns(result)
    columns = columns or ["price_equity"]
    lo, hi = quantiles
    panels = []
    for column in columns:
        curves = []
        for name, frame in result.runs.items():
            values = DERIVED[column][1](frame) if column in DERIVED else frame[column]
            table = values.groupby(frame["tick"]).quantile([lo, 0.5, hi]).unstack()
            curves.append((name, table.index, table[lo], table[0.5], table[hi]))
        panels.append((f"{column} (median, {lo:.0%}-{hi:.0%} across seeds)", curves))
    shock_ticks = sorted({int(t) for t in result.info.get("shock_ticks", [])}) if shocks else []
    title = f"{result.info.get('scenario', '')}: {len(result.info.get('seeds', []))} seeds per arm"
    return band_figure(panels, path, shock_ticks, title)


BATCH_INDICATORS = ("price_equity", "inflation", "unemployment", "fear", "gini", "policy_rate")


def plot_bands(frame, indicators: Sequence[str] = BATCH_INDICATORS,
               quantiles: tuple[float, float] = (0.1, 0.9), path: str | Path | None = None):
    """Median line and quantile band across seeds for each indicator, one colour per combination.

    Parameters
    ----------
    frame : pandas.DataFrame
        A batch's long frame (:func:`arena.batch.run_batch`): ``tick``, ``seed``, the swept
        parameters and indicator columns.
    indicators : sequence of str
        Columns to draw (those missing from ``frame`` are skipped).
    quantiles : (float, float), default (0.1, 0.9)
        Band across seeds.
    path : str or Path, optional
        Save the figure as PNG.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from arena.batch import bands

    panels = []
    for column in [c for c in indicators if c in frame]:
        table = bands(frame, column, quantiles)
        groups = [c for c in table.columns if c not in ("tick", "low", "median", "high")]
        parts = table.groupby(groups, sort=True) if groups else [((), table)]
        curves = []
        for key, part in parts:
            values = key if isinstance(key, tuple) else (key,)
            label = ", ".join(f"{g}={v}" for g, v in zip(groups, values, strict=True)) or "median"
            curves.append((label, part["tick"], part["low"], part["median"], part["high"]))
        panels.append((f"{column} (median, {quantiles[0]:.0%}-{quantiles[1]:.0%} band)", curves))
    return band_figure(panels, path)
