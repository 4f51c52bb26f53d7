"""Side by side: the current scenario with and without its mechanism (two models, one seed).

Plain Python (no Solara): :func:`run_pair` runs the scenario as written and one of its arms
(``no_shocks`` or an ``[arms]`` entry, e.g. ``no_herding``) with the session's parameters and the
same seed, and :func:`compare_spec` draws both runs in one Vega-Lite figure. For effects across
many seeds, use ``arena experiment``.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import pandas as pd

from arena.dashboard import charts

#: Longest side-by-side run (ticks): both models run when the button is pressed.
MAX_TICKS = 1000
#: Columns compared by default (those present in the indicators are drawn).
COLUMNS = ("price_equity", "unemployment", "inflation", "output")


def arm_choices(scenario) -> list[str]:
    """Return the arms the scenario can be compared with: ``no_shocks`` and its ``[arms]``."""
    if scenario is None:
        return []
    return ["no_shocks"] + list(getattr(scenario, "arms", {}) or {})


def run_pair(scenario, arm: str, values: Mapping[str, Any], ticks: int | None = None) -> pd.DataFrame:
    """Run the scenario and its arm ``arm`` with the same parameters and seed.

    Parameters
    ----------
    scenario : arena.scenarios.Scenario
        The session's scenario.
    arm : str
        ``no_shocks`` or the name of one of the scenario's ``[arms]``.
    values : mapping
        The session's parameter values (``n_agents``, ``seed``, ...); the arm's own config
        overrides win over them.
    ticks : int, optional
        Run length, default the scenario's, at most :data:`MAX_TICKS`.

    Returns
    -------
    DataFrame
        The two indicator tables stacked, with an ``arm`` column (``scenario`` or ``arm``).
    """
    chosen = scenario.arm(arm)  # raises ScenarioError (a ValueError) naming the arms
    ticks = min(int(ticks or scenario.ticks), MAX_TICKS)
    frames = []
    for name, arm_obj in (("scenario", scenario.arm("scenario")), (arm, chosen)):
        overrides = {**dict(values), **arm_obj.config}
        model = arm_obj.apply(scenario).simulate(ticks, overrides)
        frames.append(model.indicators().reset_index().assign(arm=name))
    return pd.concat(frames, ignore_index=True)


def compare_spec(frame: pd.DataFrame, columns: Sequence[str] = COLUMNS) -> dict[str, Any]:
    """Return one Vega-Lite figure: a panel per column, one line per arm."""
    arms = list(dict.fromkeys(frame["arm"]))
    columns = [c for c in columns if c in frame]
    wide = None
    for arm in arms:
        part = frame[frame["arm"] == arm].set_index("tick")[columns]
        part.columns = [f"{c} [{arm}]" for c in columns]
        wide = part if wide is None else wide.join(part, how="outer")
    if wide is None or not columns:
        return charts.placeholder("nothing to compare")
    rows = charts.records(wide.reset_index(), {c: c for c in wide.columns})
    panels = [charts.line_panel(rows, [f"{c} [{a}]" for a in arms], c, c) for c in columns]
    return charts.figure(panels, rows)
