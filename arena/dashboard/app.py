"""The dashboard page: ``solara run arena.dashboard.app`` (``arena dashboard`` does this).

Layout: the sidebar holds the scenario picker, run controls and parameters; the main area
shows the headline indicators, the alerts strip, shock buttons, event feed, system panel,
charts and export buttons.
Each browser session builds its own model in :func:`Page` (``solara.use_memo``).

Why not Mesa's ``SolaraViz`` as the page: its Reset rebuilds the model with
``ModelClass(**params)`` without a place to show a validation error (an invalid value
would replace or break the running model), its play loop redraws every component on the
stepping thread, and its parameter panel cannot express the engine's cross-parameter rules
(strategy shares summing to 1). The same ideas are kept (per-session model, play interval,
render interval, Reset/Play/Step), built from custom components.
"""

from __future__ import annotations

import solara

from arena.dashboard.compare_view import SideBySide
from arena.dashboard.controls import ParameterForm, RunControls, ScenarioPicker
from arena.dashboard.session import DashboardSession
from arena.dashboard.state import DashboardState, initial_options, use_dashboard_state
from arena.dashboard.views import (
    AccountsPanel,
    AlertStrip,
    ChartGrid,
    EventFeed,
    ExportPanel,
    IndicatorBar,
    ShockPanel,
    SystemPanel,
)

TITLE = "Arena: living economy"


def _make_session() -> tuple[DashboardSession | None, str | None]:
    scenario, overrides = initial_options()
    try:
        return DashboardSession(scenario, overrides), None
    except Exception as exc:  # shown on the page: a dashboard without a model is still useful
        return None, f"could not build the model ({type(exc).__name__}): {exc}"


@solara.component
def Dashboard(session: DashboardSession):
    """Render the whole dashboard around one session's model."""
    state = use_dashboard_state(session)
    with solara.AppBar():
        solara.AppBarTitle(TITLE)
    with solara.Sidebar():
        with solara.Card("Scenario", margin=0):
            ScenarioPicker(state)
        with solara.Card("Run", margin=0):
            RunControls(state)
        with solara.Card("Parameters", margin=0):
            ParameterForm(state)
    with solara.Column(gap="8px", style={"padding": "8px"}):
        IndicatorBar(state)
        if state.error.value:
            solara.Error(state.error.value, classes=["arena-error"])
        elif state.notice.value:
            solara.Info(state.notice.value, dense=True)
        LiveArea(state)


@solara.component
def LiveArea(state: DashboardState):
    """Alerts, shock buttons, event feed, system panel, charts and export: all that follows ``frame``.

    Only this component reads the frame counter and hands it down as a property, so one
    refresh is one render pass (each subscriber of a reactive value would be its own pass).
    """
    frame = state.frame.value
    market = state.market.value
    with solara.Card("Alerts", margin=0, classes=["arena-alerts-card"]):
        AlertStrip(state, frame)
    with solara.Row(gap="8px", style={"align-items": "flex-start", "flex-wrap": "wrap"}):
        with solara.Card("Steer: inject a shock", margin=0, style={"flex": "1 1 380px"}):
            ShockPanel(state)
        with solara.Card("Event feed", margin=0, style={"flex": "1 1 380px"}):
            EventFeed(state, frame)
        with solara.Card("System", margin=0, style={"flex": "0 1 240px"}):
            SystemPanel(state, frame)
    ChartGrid(state, frame, market)
    with solara.Card("Accounts: balance sheet and flows (Godley-Lavoie; rows and columns sum to zero)",
                     margin=0):
        AccountsPanel(state, frame)
    with solara.Card("Side by side: the scenario with and without its mechanism (same seed)", margin=0):
        SideBySide(state)
    with solara.Card("Export the indicator series of this run", margin=0):
        ExportPanel(state, frame)


@solara.component
def Page():
    """Solara entry point: one model per browser session."""
    session, error = solara.use_memo(_make_session, [])
    solara.Title(TITLE)
    if session is None:
        solara.Error(error)
        return
    Dashboard(session)
