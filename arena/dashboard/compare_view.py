"""The side-by-side card: pick an arm of the scenario, run both models, draw them together."""

from __future__ import annotations

import solara
from solara.widgets import VegaLite

from arena.dashboard import compare
from arena.dashboard.state import DashboardState


@solara.component
def SideBySide(state: DashboardState):
    """Run the current scenario with and without one of its mechanisms (same seed) and chart both."""
    session = state.session
    choices = compare.arm_choices(session.scenario)
    arm = solara.use_reactive(choices[0] if choices else None)
    message = solara.use_reactive(None)
    widget = solara.use_memo(lambda: {"chart": None}, [])
    if not choices:
        solara.Text("Pick a scenario to compare it with its control (the same economy without its shocks, "
                    "or with its mechanism switched off).")
        return

    if arm.value not in choices:  # the scenario changed: its arms differ
        arm.set(choices[0])

    def run():
        try:
            frame = compare.run_pair(session.scenario, arm.value, session.values)
        except ValueError as exc:
            message.set(str(exc))
            return
        spec = compare.compare_spec(frame)
        if widget["chart"] is None:
            widget["chart"] = VegaLite(spec=spec)
        else:
            widget["chart"].spec = spec
        note = session.scenario.arm(arm.value).note
        message.set(f"{session.scenario.name} vs {arm.value} ({note}), seed {session.values.get('seed')}, "
                    f"{len(frame) // 2} ticks each")

    with solara.Row(gap="8px", style={"align-items": "center"}):
        solara.Select(label="Control", values=choices, value=arm, dense=True)
        solara.Button("Run side by side", on_click=run, color="primary", outlined=True)
    if message.value:
        solara.Text(message.value, classes=["arena-compare-note"], style={"font-size": "0.85em"})
    if widget["chart"] is not None:
        solara.Div(children=[widget["chart"]])
