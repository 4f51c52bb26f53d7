"""Sidebar components: scenario picker, run controls (reset, step, play/pause, speed), parameters."""

from __future__ import annotations

import solara

from arena.config import PARAMETERS
from arena.dashboard import params
from arena.dashboard.session import list_scenarios
from arena.dashboard.state import DashboardState

BUTTON = {"classes": ["text-none"], "color": "primary"}


@solara.component
def ScenarioPicker(state: DashboardState):
    """Select a scenario from ``scenarios/``; picking one starts it (validated) from tick 0."""
    names = solara.use_memo(list_scenarios, [])
    if not names:
        solara.Text("No scenarios found: running with the default parameters.")
        return

    def pick(name):
        state.apply(name, state.session.scenario_values(name))

    solara.Select(label="Scenario", values=names, value=state.scenario.value, on_value=pick)
    scenario = state.session.scenario
    if scenario is not None and getattr(scenario, "description", None):
        solara.Text(str(scenario.description), style={"font-size": "0.85em", "color": "#555"})


@solara.component
def RunControls(state: DashboardState):
    """Reset, Step, Play/Pause, the pace (ms per tick) and the chart render interval."""
    playing = state.playing.value

    def toggle():
        state.error.set(None)
        state.playing.set(not playing)

    def step():
        state.error.set(None)
        try:
            state.step(1)
        except Exception as exc:  # an engine failure is shown, not raised into the page
            state.error.set(f"error in step: {type(exc).__name__}: {exc}")

    with solara.Row(justify="space-between"):
        solara.Button("Reset", on_click=lambda: state.apply(), icon_name="mdi-restart", **BUTTON)
        solara.Button("Pause" if playing else "Play", on_click=toggle,
                      icon_name="mdi-pause" if playing else "mdi-play",
                      disabled=not state.session.running, **BUTTON)
        solara.Button("Step", on_click=step, icon_name="mdi-step-forward",
                      disabled=playing or not state.session.running, **BUTTON)
    solara.Text("Press step to advance one tick, or play to run at the pace below; "
                "reset applies the parameters.", style={"font-size": "0.8em", "color": "#666"})
    solara.SliderInt(f"Pace: {state.tick_rate.value} ms per tick", value=state.tick_rate,
                     min=10, max=2000, step=10)
    solara.SliderInt(f"Redraw charts every {state.render_interval.value} ticks",
                     value=state.render_interval, min=1, max=50)
    ms = 1000 * state.session.step_seconds
    if ms:
        solara.Text(f"last tick took {ms:.0f} ms", style={"font-size": "0.8em", "color": "#666"})


def _field_error(message: str | None, name: str) -> str | None:
    return message if message and f"'{name}'" in message else None


@solara.component
def ParameterControl(state: DashboardState, control: params.Control, message: str | None):
    """One parameter: slider, free input, select or checkbox, bound to ``state.pending``."""
    name = control.name
    spec = PARAMETERS[name]
    value = state.pending.value.get(name, spec.default)

    def set_value(new):
        state.pending.set({**state.pending.value, name: new})

    error = _field_error(message, name)
    if control.widget == "slider" and isinstance(value, (int, float)):
        low, high = params.bounds(name)
        solara.SliderFloat(control.label, value=float(value), min=low, max=high, step=control.step,
                           on_value=set_value, thumb_label=True)
    elif control.widget == "select":
        solara.Select(control.label, values=list(params.options(name)), value=value, on_value=set_value)
    elif control.widget == "checkbox":
        solara.Checkbox(label=control.label, value=bool(value), on_value=set_value)
    else:
        solara.InputText(control.label, value="" if value is None else str(value),
                         on_value=lambda text: set_value(params.parse_number(text, spec.kind)),
                         continuous_update=False, error=error or False)


@solara.component
def ParameterForm(state: DashboardState):
    """Show the exposed parameters, one group at a time.

    Changes are validated as they are typed and take effect on Reset; an invalid set is
    refused and the running model is untouched. Only the chosen group is rendered: every
    widget on the page adds to the cost of each update while the model plays.
    """
    groups = params.groups()
    group = solara.use_reactive(next(iter(groups)))
    _, message = params.validate(state.pending.value)
    changed = {k for k, v in state.pending.value.items() if state.session.values.get(k) != v}
    solara.Select("Parameter group", values=list(groups), value=group, dense=True)
    with solara.Column(gap="4px"):
        for control in groups.get(group.value, []):
            ParameterControl(state, control, message)
    if message:
        solara.Error(message, dense=True, classes=["arena-validation"])
    elif changed:
        solara.Info(f"changed: {', '.join(sorted(changed))}; press Reset to apply", dense=True)
