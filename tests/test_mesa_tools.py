"""Mesa's own tools used as a Mesa user would: ``mesa.batch_run`` and ``SolaraViz``."""

from __future__ import annotations

import mesa
import numpy as np
import pandas as pd
import pytest

from arena import ArenaConfig, ArenaModel


def _batch(iterations, **parameters):
    rows = mesa.batch_run(ArenaModel, parameters={"n_agents": 500, **parameters}, iterations=iterations,
                          max_steps=15, number_processes=1, display_progress=False)
    return pd.DataFrame(rows)


def test_batch_run_replications_differ_without_a_seed():
    res = _batch(3)
    last = res.groupby("iteration").price_equity.last()
    assert last.nunique() == 3, last  # three independent replications, not three copies


def test_batch_run_with_an_explicit_seed_repeats_exactly():
    res = _batch(2, seed=11)
    runs = res.groupby("iteration")
    a, b = (g.drop(columns=["RunId", "iteration"]).reset_index(drop=True) for _, g in runs)
    pd.testing.assert_frame_equal(a, b)


def test_batch_run_sweeps_seeds_as_a_parameter():
    res = _batch(1, seed=[1, 2])
    last = res.groupby("seed").price_equity.last()
    assert list(last.index) == [1, 2] and last.nunique() == 2


def test_drawn_seed_is_recorded_and_repeats_the_run(tmp_path):
    a = ArenaModel(n_agents=500)
    b = ArenaModel(n_agents=500)
    assert a.config.seed is not None and a.config.seed != b.config.seed
    assert 0 <= a.config.seed <= 2**63 - 1
    (tmp_path / "run.toml").write_text(a.config.to_toml())  # what a run directory keeps
    again = ArenaModel(ArenaConfig.from_toml(tmp_path / "run.toml"))
    for m in (a, again):
        for _ in range(10):
            m.step()
    assert a.indicators().equals(again.indicators())


def test_default_config_has_no_fixed_seed():
    assert ArenaConfig().seed is None


# ------------------------------------------------------------------ SolaraViz ------------
def _png(rc) -> bytes:
    import ipywidgets

    images = rc.find(ipywidgets.Image).widgets
    assert len(images) == 1, f"expected one plot image, found {len(images)}"
    return bytes(images[0].value)


@pytest.mark.filterwarnings("ignore:.*use_state.*:UserWarning")  # Mesa 3.3.1's own hooks warning
def test_solaraviz_page_with_an_indicator_plot_renders_and_follows_the_model():
    solara = pytest.importorskip("solara")
    from mesa.visualization import SolaraViz, make_plot_component
    from mesa.visualization.utils import update_counter

    model = ArenaModel(n_agents=300, seed=3)
    for _ in range(3):
        model.step()
    page = SolaraViz(model, components=[make_plot_component("price_equity")],
                     model_params={"n_agents": 300, "seed": 3}, name="Arena")
    box, rc = solara.render(page, handle_error=False)
    try:
        first = _png(rc)
        assert first.startswith(b"\x89PNG") and len(first) > 1000
        for _ in range(20):
            model.step()
        update_counter.set(update_counter.value + 1)  # what SolaraViz's Step button does
        second = _png(rc)
        assert second.startswith(b"\x89PNG") and second != first  # the plot shows the new ticks
    finally:
        rc.close()
    assert np.isfinite(model.indicators()["price_equity"]).all()
