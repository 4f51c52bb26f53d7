"""arena.notebook_widgets: a figure explorer that renders into widget state, never by capture."""

from __future__ import annotations

import pytest

widgets = pytest.importorskip("ipywidgets")
plt = pytest.importorskip("matplotlib.pyplot")

from arena.notebook_widgets import figure_explorer  # noqa: E402


def _draw_calls():
    calls = []

    def draw(column, scale):
        calls.append((column, scale))
        fig, ax = plt.subplots()
        ax.plot([0, 1], [0, scale])
        ax.set_title(column)
        return fig

    return draw, calls


def _output(box):
    return box.children[1]


def test_initial_figure_is_in_the_output_state_and_closed():
    draw, calls = _draw_calls()
    plt.close("all")
    box = figure_explorer(draw, initial={"scale": 2}, column=["a", "b"], scale=[1, 2])
    assert calls == [("a", 2)]
    outputs = _output(box).outputs
    assert len(outputs) == 1 and outputs[0]["output_type"] == "display_data"
    assert plt.get_fignums() == [], "the rendered figure must be closed (else shown twice)"


def test_changing_a_dropdown_replaces_the_figure():
    draw, calls = _draw_calls()
    box = figure_explorer(draw, column=["a", "b"], scale=[1, 2])
    column, scale = box.children[0].children
    column.value = "b"
    scale.value = 2
    assert calls == [("a", 1), ("b", 1), ("b", 2)]
    assert len(_output(box).outputs) == 1, "each redraw replaces the previous figure"
    # rendering never captured output: the Output widget was never entered
    assert _output(box).msg_id == ""


@pytest.mark.parametrize(
    ("initial", "options", "match"),
    [
        ({"colour": "a"}, {"column": ["a"]}, "initial: unknown dropdown"),
        ({"column": "z"}, {"column": ["a"]}, r"initial\['column'\]: 'z' is not one of"),
        (None, {"column": []}, "column: needs at least one option"),
    ],
)
def test_bad_choices_name_the_field(initial, options, match):
    draw, _ = _draw_calls()
    with pytest.raises(ValueError, match=match):
        figure_explorer(draw, initial=initial, **options)
