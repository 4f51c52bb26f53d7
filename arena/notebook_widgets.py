"""Notebook widgets that redraw a matplotlib figure without capturing output.

Why not ``ipywidgets.interact``: ``interact`` draws into an ``Output`` widget by *capturing* the
cell's output (``with out: ...``). A headless executor (nbclient, nbconvert, papermill, the
project's tests) mimics the Output widget and answers every captured output with a comm message
sent on the kernel's shell socket while it is waiting for the cell's ``execute_reply`` on that
same socket. With jupyter_client's asyncio channels that send can swallow the socket's
edge-triggered wake-up, and the reply then sits unnoticed until the cell timeout (issue 18,
docs/performance.md "Notebook execution"). :func:`figure_explorer` puts the rendered figure into
the Output widget's *state* (``Output.append_display_data``) instead: nothing is captured, so a
headless executor never sends on the shell socket, and JupyterLab shows and updates it as usual.

This module is an interface helper (it imports ipywidgets and IPython); the engine never
imports it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["figure_explorer"]


def figure_explorer(
    draw: Callable[..., Any],
    initial: dict[str, Any] | None = None,
    **options: Sequence[Any],
) -> Any:
    """Dropdowns that redraw ``draw(**choices)`` in place, one dropdown per keyword.

    Parameters
    ----------
    draw : callable
        Called with one keyword argument per dropdown; returns a ``matplotlib.figure.Figure``
        (it must not call ``plt.show()``). The figure is closed after it is rendered.
    initial : dict, optional
        The first value of some dropdowns (default: each dropdown's first option).
    **options : sequence
        The choices of each dropdown, by keyword of ``draw``; at least one option each.

    Returns
    -------
    ipywidgets.VBox
        The dropdowns above an ``Output`` widget holding the current figure.

    Raises
    ------
    ValueError
        If a dropdown has no options, or ``initial`` names an unknown dropdown or a value that
        is not among its options.
    """
    import ipywidgets as widgets
    import matplotlib.pyplot as plt

    initial = dict(initial or {})
    unknown = sorted(set(initial) - set(options))
    if unknown:
        raise ValueError(f"initial: unknown dropdown(s) {unknown}; allowed: {sorted(options)}")
    controls = {}
    for name, choices in options.items():
        choices = list(choices)
        if not choices:
            raise ValueError(f"{name}: needs at least one option, got none")
        value = initial.get(name, choices[0])
        if value not in choices:
            raise ValueError(f"initial[{name!r}]: {value!r} is not one of {choices}")
        controls[name] = widgets.Dropdown(options=choices, value=value, description=name)
    out = widgets.Output()

    def render(_change: Any = None) -> None:
        fig = draw(**{name: control.value for name, control in controls.items()})
        try:
            out.outputs = ()
            out.append_display_data(fig)
        finally:
            plt.close(fig)

    for control in controls.values():
        control.observe(render, names="value")
    render()
    return widgets.VBox([widgets.HBox(list(controls.values())), out])
