"""Per-session reactive state of the dashboard and the play loop.

Every browser session renders its own ``Page``, so :func:`use_dashboard_state` (a hook
called once in ``Page``) gives each session its own model and its own reactive values;
nothing is shared at module level (a module-level model would be shared by all sessions).

Two counters drive re-rendering: ``tick`` changes on every tick (cheap text such as the
indicator bar), ``frame`` changes every ``render_interval`` ticks and after every user
action (charts, event feed). The play loop runs in a worker thread and paces itself to
``tick_rate`` milliseconds per tick; charts are rendered in their own worker thread, so
rendering never holds up ticking and the page stays responsive at 100,000 agents.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from typing import Any

import reacton.core
import solara

from arena.dashboard import params
from arena.dashboard.session import DashboardSession, list_scenarios

#: Environment variables through which :func:`arena.dashboard.serve` passes CLI options.
ENV_SCENARIO = "ARENA_DASHBOARD_SCENARIO"
ENV_AGENTS = "ARENA_DASHBOARD_AGENTS"
ENV_SEED = "ARENA_DASHBOARD_SEED"
DEFAULT_SCENARIO = "baseline"
DEFAULT_RENDER_INTERVAL = 5
#: Minimum time between two updates of the headline numbers while playing (seconds).
TEXT_PERIOD_S = 0.2


def _render_in_progress(render_context) -> bool:
    """Whether the page is being rendered right now (by any thread).

    The play loop does not publish a new tick or frame then: a render pass run by the server's
    thread (a click, a slider) goes on while it sees values that another thread changed during the
    pass, and reacton stops it with "Too many renders" after 100 passes, which a fast pace on a
    slow machine made happen. The flag is reacton's own (``_RenderContext._is_rendering``); without
    it (another reacton) the loop publishes at its usual pace.
    """
    return bool(getattr(render_context, "_is_rendering", False))


@dataclass(eq=False)
class DashboardState:
    """Reactive values of one session (see the module docstring)."""

    session: DashboardSession
    tick: solara.Reactive[int]
    frame: solara.Reactive[int]
    playing: solara.Reactive[bool]
    tick_rate: solara.Reactive[int]
    render_interval: solara.Reactive[int]
    error: solara.Reactive[str | None]
    notice: solara.Reactive[str | None]
    pending: solara.Reactive[dict]
    scenario: solara.Reactive[str | None]
    market: solara.Reactive[str]
    #: The page's render context (reacton), or None outside a page.
    render_context: Any = None

    def refresh(self) -> None:
        """Show the model's current state everywhere (after a step, shock or reset)."""
        self.tick.set(self.session.tick)
        self.frame.set(self.frame.value + 1)

    def step(self, n: int = 1) -> None:
        """Run ``n`` ticks now and refresh the views."""
        self.session.step(n)
        self.refresh()

    def apply(self, scenario: str | None = None, values: dict | None = None) -> bool:
        """Validate and start a new run; on error show the message and keep the old run.

        Returns
        -------
        bool
            True if a new model was built.
        """
        scenario = self.scenario.value if scenario is None else scenario
        values = self.pending.value if values is None else values
        error = self.session.configure(scenario, values)
        if error:
            self.error.set(error)
            return False
        self.playing.set(False)
        self.error.set(None)
        self.scenario.set(scenario)
        self.pending.set(dict(self.session.values))
        self.notice.set(f"new run: {scenario or 'default parameters'}, "
                        f"{self.session.values.get('n_agents', '?'):,} agents")
        self.refresh()
        return True


def initial_options() -> tuple[str | None, dict[str, Any]]:
    """Return the starting scenario and overrides from the environment (set by ``serve``)."""
    scenario = os.environ.get(ENV_SCENARIO) or None
    if scenario is None and DEFAULT_SCENARIO in list_scenarios():
        scenario = DEFAULT_SCENARIO
    overrides: dict[str, Any] = {}
    if os.environ.get(ENV_AGENTS):
        overrides["n_agents"] = params.parse_number(os.environ[ENV_AGENTS], int)
    if os.environ.get(ENV_SEED):
        overrides["seed"] = params.parse_number(os.environ[ENV_SEED], int)
    return scenario, overrides


def use_dashboard_state(session: DashboardSession) -> DashboardState:
    """Create the reactive state of this session around ``session`` and start the play loop (a hook)."""
    tick_rate = int(session.values.get("tick_rate", 100))
    reactives = dict(
        tick=solara.use_reactive(session.tick),
        frame=solara.use_reactive(0),
        playing=solara.use_reactive(False),
        tick_rate=solara.use_reactive(tick_rate),
        render_interval=solara.use_reactive(DEFAULT_RENDER_INTERVAL),
        error=solara.use_reactive(None),
        notice=solara.use_reactive(None),
        pending=solara.use_reactive(dict(session.values)),
        scenario=solara.use_reactive(session.scenario_name),
        market=solara.use_reactive("equity"),
    )
    # one instance per session: components whose arguments are the same objects as in the
    # previous render are not rendered again, which keeps every update small
    render_context = reacton.core.get_render_context(required=False)
    state = solara.use_memo(lambda: DashboardState(session=session, render_context=render_context,
                                                   **reactives), [session])

    def play(cancel: threading.Event) -> None:
        """Step at ``tick_rate`` ms per tick while playing; refresh charts every render interval."""
        if not state.playing.value:
            return
        since_frame, shown = 0, 0.0
        while state.playing.value and not cancel.is_set():
            start = time.monotonic()
            try:
                tick = session.step(1)
            except Exception as exc:  # show engine failures instead of a dead page
                state.error.set(f"error in step: {type(exc).__name__}: {exc}")
                state.playing.set(False)
                return
            since_frame += 1
            if _render_in_progress(state.render_context):
                pass  # publish after that render: see _render_in_progress
            elif since_frame >= max(1, state.render_interval.value):
                since_frame = 0
                state.tick.set(tick)
                state.frame.set(state.frame.value + 1)
                shown = time.monotonic()
            elif start - shown >= TEXT_PERIOD_S:  # the headline numbers, at most ~5 times a second
                state.tick.set(tick)
                shown = time.monotonic()
            if not session.running:
                state.notice.set("the model stopped itself (model.running is False)")
                state.playing.set(False)
                state.frame.set(state.frame.value + 1)
                return
            delay = state.tick_rate.value / 1000 - (time.monotonic() - start)
            cancel.wait(max(delay, 0.001))  # always yield a little, so user actions get the lock
        state.tick.set(session.tick)
        state.frame.set(state.frame.value + 1)

    solara.use_thread(play, dependencies=[state.playing.value], intrusive_cancel=False)
    return state
