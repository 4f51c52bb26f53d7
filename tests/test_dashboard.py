"""Dashboard: pure helpers, the per-session model holder, and Solara component tests.

The component tests render the real page with ``solara.render`` (no server, no browser)
and drive it like a user: click Step, type an impossible parameter, inject a shock.
The end-to-end tests in a real browser are in ``test_dashboard_browser.py``.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from arena.dashboard import assets, charts, feed, monitor, params, solara_args, views
from arena.dashboard.session import SHOCKS, DashboardSession

pytestmark = pytest.mark.xdist_group("dashboard")

SMALL = {"n_agents": 500, "seed": 3}

SCENARIO = """
name = "dash_test"
description = "a small scenario for the dashboard tests"
ticks = 50
[config]
n_agents = 400
seed = 5
[[shocks]]
tick = 2
kind = "catastrophe"
size = 0.5
resource = "oil"
"""


@pytest.fixture
def session() -> DashboardSession:
    return DashboardSession(None, SMALL)


@pytest.fixture
def scenario_dir(tmp_path, monkeypatch):
    (tmp_path / "dash_test.toml").write_text(SCENARIO)
    monkeypatch.setenv("ARENA_SCENARIOS", str(tmp_path))
    return tmp_path


# --------------------------------------------------------------------------- params ----
def test_controls_name_declared_parameters():
    assert params.CONTROLS, "no parameter is exposed"
    for group, controls in params.groups().items():
        assert controls, group
        for c in controls:
            assert c.widget in {"slider", "int", "float", "select", "checkbox"}
            if c.widget == "slider":
                low, high = params.bounds(c.name)
                assert low is not None and high is not None, f"slider {c.name} needs a bounded range"


def test_validate_accepts_defaults_and_names_the_bad_parameter():
    config, error = params.validate(params.defaults())
    assert error is None and config is not None
    config, error = params.validate({**params.defaults(), "n_agents": -5})
    assert config is None
    assert "'n_agents'" in error and "range" in error and "-5" in error


def test_validate_reports_cross_parameter_rule():
    _, error = params.validate({"share_fundamentalist": 0.9, "share_chartist": 0.9, "share_noise": 0.3})
    assert error and "sum to 1" in error


@pytest.mark.parametrize("text, kind, expected", [
    ("12", int, 12), ("1_000", int, 1000), ("2.5", float, 2.5), ("3.0", int, 3), ("2.5", int, 2.5),
    ("abc", int, "abc"), (" 7 ", float, 7.0),
])
def test_parse_number_keeps_bad_text_for_the_validator(text, kind, expected):
    assert params.parse_number(text, kind) == expected


# --------------------------------------------------------------------------- session ----
def test_session_steps_and_reads(session):
    assert session.tick == 0 and session.latest() == {}
    assert session.step(3) == 3
    df = session.indicators()
    assert len(df) == 3 and "tick" in df and df["tick"].tolist() == [1, 2, 3]
    latest = session.latest()
    assert latest["price_equity"] == pytest.approx(df["price_equity"].iloc[-1])
    book = session.order_book("equity")
    assert {"price", "bid_volume", "ask_volume"} <= set(book.columns)
    wealth = session.wealth()
    assert wealth.shape == (SMALL["n_agents"],) and np.isfinite(wealth).all()


def test_order_book_before_first_tick_is_empty(session):
    assert session.order_book("equity").empty


def test_invalid_parameters_leave_the_running_model_untouched(session):
    session.step(2)
    model, values, before = session.model, dict(session.values), session.indicators().copy()
    error = session.configure(None, {**session.values, "n_agents": -5})
    assert error and "'n_agents'" in error
    assert session.model is model and session.values == values and session.tick == 2
    pd.testing.assert_frame_equal(session.indicators(), before)
    session.step(1)  # and it keeps running
    assert session.tick == 3


def test_valid_parameters_start_a_new_run(session):
    session.step(2)
    old = session.model
    assert session.configure(None, {**session.values, "n_agents": 300, "fear_weight": 0.5}) is None
    assert session.model is not old and session.tick == 0
    assert session.values["n_agents"] == 300 and session.values["fear_weight"] == 0.5
    assert session.reset() is None and session.tick == 0


def test_shock_is_logged_and_bad_shock_refused(session):
    session.step(2)
    result = session.shock("panic", 0.8)
    assert result.error is None
    events = session.events()
    assert ((events["type"] == "shock") & (events["kind"] == "panic")).any()
    n_events = len(events)
    bad = session.shock("panic", 7.0)
    assert bad.error and "size" in bad.error
    assert len(session.events()) == n_events


@pytest.mark.parametrize("kind", list(SHOCKS))
def test_every_dashboard_shock_is_accepted_by_the_engine(session, kind):
    session.step(1)
    label, size, target = SHOCKS[kind]
    kwargs = {"resource": "oil"} if target == "resource" else {"market": "equity"} if target else {}
    assert session.shock(kind, size, **kwargs).error is None, label


def test_scenario_sets_parameters_and_schedules_shocks(scenario_dir):
    from arena.dashboard.session import list_scenarios

    assert "dash_test" in list_scenarios()
    s = DashboardSession("dash_test")
    assert s.values["n_agents"] == 400 and s.scenario_name == "dash_test"
    s.step(4)
    events = s.events()
    shocks = events[events["type"] == "shock"]
    assert shocks["kind"].tolist() == ["catastrophe"]
    assert shocks["tick"].tolist() == [2]


def test_unknown_scenario_is_an_error_message(session):
    error = session.configure("no_such_scenario", session.values)
    assert error and "no_such_scenario" in error


# --------------------------------------------------------------------------- charts ----
def _run(n=30) -> DashboardSession:
    s = DashboardSession(None, SMALL)
    s.step(n)
    s.shock("discovery", 0.3, resource="oil")
    s.step(2)
    return s


def test_chart_specs_are_strict_json_with_data():
    s = _run()
    df = s.indicators()
    marks = charts.event_marks(s.events())
    assert any(kind == "shock" for _, kind in marks)
    price = df["price_equity"].iloc[-1]
    specs = {
        "prices": charts.prices_spec(df, marks), "psychology": charts.psychology_spec(df, marks),
        "macro": charts.macro_spec(df, marks), "scarcity": charts.scarcity_spec(df, marks),
        "credit": charts.credit_spec(df, marks),
        "book": charts.order_book_spec(s.order_book("equity"), "equity", price),
        "wealth": charts.wealth_spec(s.wealth()),
        "firms": charts.firms_spec(s.model.firms_summary(), df, marks),
    }
    for name, spec in specs.items():
        text = json.dumps(spec, allow_nan=False)  # NaN/inf would break the browser's JSON
        assert spec["$schema"].endswith("v5.json"), name
        assert "no data yet" not in text, name
    rows = specs["prices"]["data"]["values"]
    assert len(rows) == len(df) and {"tick", "equity price"} <= set(rows[0])
    assert "Gini" in json.dumps(specs["wealth"])
    sizes = specs["firms"]["hconcat"][0]["data"]["values"]
    summary = s.model.firms_summary()
    assert sum(r["firms"] for r in sizes) == summary["n_firms"] + summary["n_kfirms"]


def test_empty_table_gives_a_placeholder():
    empty = pd.DataFrame(columns=["tick", "price_equity"])
    for spec in (charts.prices_spec(empty), charts.macro_spec(empty), charts.order_book_spec(empty, "oil")):
        assert spec["mark"]["type"] == "text" and "press step" in json.dumps(spec)


def test_records_thin_long_series_and_keep_the_last_tick():
    df = pd.DataFrame({"tick": np.arange(1, 2001), "x": np.linspace(1, 2, 2000)})
    rows = charts.records(df, {"x": "x"})
    assert len(rows) <= charts.MAX_POINTS and rows[-1]["tick"] == 2000
    norm = charts.records(df.iloc[:3], {"x": "x"}, normalize=["x"])
    assert norm[0]["x"] == 100.0


def test_book_window_keeps_levels_near_the_price():
    book = pd.DataFrame({"price": [1.0, 99.0, 100.0, 101.0, 500.0], "bid_volume": [5, 1, 1, 0, 0],
                         "ask_volume": [0, 0, 1, 1, 9]})
    near = charts.book_window(book, 100.0)
    assert near["price"].tolist() == [99.0, 100.0, 101.0]


# --------------------------------------------------------------------------- feed/export ----
def test_feed_rows_newest_first_and_escaped():
    events = pd.DataFrame([
        {"tick": 1, "type": "discovery_event", "resource": "oil", "size": 0.3},
        {"tick": 4, "type": "shock", "kind": "panic", "size": 0.8},
        {"tick": 5, "type": "weird_<b>", "note": "<script>"},
    ])
    rows = feed.feed_rows(events)
    assert [r["tick"] for r in rows] == [5, 4, 1]
    assert rows[1]["label"] == "Shock: panic" and "size=0.8" in rows[1]["details"]
    html = feed.feed_html(rows)
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_export_round_trips(session):
    session.step(3)
    df = session.indicators()
    back = pd.read_csv(io.BytesIO(feed.indicators_csv(df)))
    assert back["tick"].tolist() == [1, 2, 3] and list(back.columns) == list(df.columns)
    back = pd.read_parquet(io.BytesIO(feed.indicators_parquet(df)))
    pd.testing.assert_frame_equal(back, df.reset_index(drop=True))


# --------------------------------------------------------------------------- assets/serve ----
def test_assets_missing_lists_what_is_not_unpacked(tmp_path):
    assert set(assets.missing(tmp_path)) == set(assets.PACKAGES)
    (tmp_path / "requirejs@2.3.6").mkdir()
    (tmp_path / "requirejs@2.3.6" / "package.json").write_text("{}")
    assert "requirejs@2.3.6" not in assets.missing(tmp_path)


def test_assets_without_npm_warns_and_succeeds(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(assets.shutil, "which", lambda name: None)
    assert assets.ensure_assets(tmp_path) is False
    assert "WARNING" in capsys.readouterr().err
    assert assets.main(["--cache", str(tmp_path)]) == 0


def test_assets_cache_dir_follows_solara_setting(monkeypatch, tmp_path):
    monkeypatch.setenv("SOLARA_ASSETS_PROXY_CACHE_DIR", str(tmp_path))
    assert assets.cache_dir() == tmp_path
    monkeypatch.delenv("SOLARA_ASSETS_PROXY_CACHE_DIR")
    assert assets.cache_dir().parts[-3:] == ("share", "solara", "cdn")


def test_installed_assets_cover_what_solara_requests():
    """The page template asks for these exact versions; the cache must hold them."""
    from pathlib import Path

    import solara.server

    template = (Path(solara.server.__file__).parent / "templates" / "solara.html.j2").read_text()
    for request in ("@widgetti/solara-vuetify-app@10.1.1", "requirejs@2.3.6"):
        assert request in template and request in assets.PACKAGES
    if assets.missing(assets.cache_dir()):
        pytest.skip("Solara assets not installed here (run `python -m arena.dashboard.assets`)")
    cache = assets.cache_dir()
    assert (cache / "@widgetti/solara-vuetify-app@10.1.1/dist/solara-vuetify-app8.min.js").is_file()
    assert (cache / "requirejs@2.3.6/require.js").is_file()
    assert (cache / "vega-embed@6/build/vega-embed.min.js").is_file()


def test_serve_arguments():
    args = solara_args("127.0.0.1", 8123)
    assert args[:2] == ["run", "arena.dashboard.app"]
    assert "--production" in args and "--no-open" in args and "--no-check-version" in args
    assert args[args.index("--port") + 1] == "8123"


def test_importing_the_engine_does_not_import_solara():
    code = "import sys, arena, arena.model, arena.dashboard; print('solara' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# --------------------------------------------------------------------------- components ----
@pytest.fixture
def ui():
    """Render the dashboard's controls and views around a small session (solara.render, no server).

    Yields ``(render context, dashboard state)``. The sidebar and app bar of the full page
    are portals that only a served page displays, so the components are mounted directly.
    """
    import solara

    from arena.dashboard.app import LiveArea
    from arena.dashboard.controls import ParameterForm, RunControls, ScenarioPicker
    from arena.dashboard.state import use_dashboard_state
    from arena.dashboard.views import IndicatorBar

    holder = {}

    @solara.component
    def Harness(session):
        state = use_dashboard_state(session)
        holder["state"] = state
        ScenarioPicker(state)
        RunControls(state)
        ParameterForm(state)
        IndicatorBar(state)
        LiveArea(state)

    box, rc = solara.render(Harness(DashboardSession(None, SMALL)), handle_error=False)
    yield rc, holder["state"]
    holder["state"].playing.set(False)
    rc.close()


def _click(rc, label):
    import ipyvuetify as v

    buttons = [b for b in rc.find(v.Btn).widgets if label in b.children]
    assert len(buttons) == 1, f"no single button {label!r}"
    buttons[0].fire_event("click", {})


def _text(rc, css_class) -> str:
    import ipyvuetify as v

    return rc.find(v.Html, class_=css_class).widget.children[0]


def _html(rc, css_class: str) -> str:
    import solara.widgets

    found = [w for w in rc.find(solara.widgets.HTML).widgets if w.attributes.get("class") == css_class]
    assert len(found) == 1, css_class
    return found[0].unsafe_innerHTML


def _feed(rc) -> str:
    return _html(rc, "arena-feed")


def _specs(rc) -> list[dict]:
    from solara.widgets import VegaLite

    return [w.spec for w in rc.find(VegaLite).widgets]


def test_step_updates_tick_indicators_and_charts(ui):
    rc, state = ui
    assert _text(rc, "arena-tick") == "Tick: 0"
    before = _specs(rc)
    assert len(before) == len(views.TITLES) == 9  # one chart per panel, incl. credit, firms, government
    _click(rc, "Step")
    assert state.session.tick == 1
    assert _text(rc, "arena-tick") == "Tick: 1"
    price = state.session.latest()["price_equity"]
    assert _text(rc, "arena-price_equity") == f"Equity price: {price:.2f}"
    after = _specs(rc)
    assert after[0] != before[0] and after[0]["data"]["values"][0]["tick"] == 1


def test_invalid_parameter_shows_message_and_leaves_model_untouched(ui):
    import ipyvuetify as v

    rc, state = ui
    _click(rc, "Step")
    _click(rc, "Step")
    model = state.session.model
    field = [t for t in rc.find(v.TextField).widgets if t.label == "Agents (households)"][0]
    field.v_model = "-5"
    field.fire_event("keyup.enter", {})  # what the browser sends on Enter
    assert state.pending.value["n_agents"] == -5
    messages = " ".join(str(a.children) for a in rc.find(v.Alert).widgets)
    assert "'n_agents'" in messages and "[1, 10000000]" in messages
    _click(rc, "Reset")
    assert state.error.value and "'n_agents'" in state.error.value
    assert state.session.model is model and state.session.tick == 2
    _click(rc, "Step")  # still running
    assert state.session.tick == 3


def test_valid_parameter_applies_on_reset(ui):
    rc, state = ui
    _click(rc, "Step")
    state.pending.set({**state.pending.value, "n_agents": 300})
    _click(rc, "Reset")
    assert state.error.value is None
    assert state.session.tick == 0 and len(state.session.wealth()) == 300
    assert _text(rc, "arena-tick") == "Tick: 0"


def test_shock_button_adds_event_to_feed_and_charts(ui):
    rc, state = ui
    _click(rc, "Step")
    assert "no events yet" in _feed(rc) or "Shock" not in _feed(rc)
    _click(rc, "Panic")
    assert state.error.value is None
    assert "Shock: panic" in _feed(rc)
    prices = _specs(rc)[0]
    assert "shock" in json.dumps(prices)  # marked on the price chart


def test_alert_strip_shows_an_alert_raised_by_a_shock_and_the_system_panel(ui):
    rc, state = ui
    _click(rc, "Step")
    assert "no active alerts" in _html(rc, "arena-alerts")
    _click(rc, "Panic")  # default size 0.8: fear jumps above panic_threshold on the next tick
    _click(rc, "Step")
    strip = _html(rc, "arena-alerts")
    assert "arena-alert-warning" in strip and "panic" in strip, strip
    assert "Alert" in _feed(rc) and "alert=panic" in _feed(rc)
    system = state.session.system()
    assert system["tick_ms"] > 0 and system["process_rss_bytes"] > 10e6
    rows = dict(monitor.system_rows(system, 100))
    assert rows["Tick time"].endswith(" ms") and rows["Process memory"].endswith(" MB")


def test_refused_shock_shows_the_engine_message(ui):
    import ipyvuetify as v

    rc, state = ui
    _click(rc, "Step")
    n = len(state.session.events())
    size = [t for t in rc.find(v.TextField).widgets if t.label == "size"][0]  # Panic's size
    size.v_model = "5"
    size.fire_event("keyup.enter", {})
    _click(rc, "Panic")
    assert state.error.value and "size" in state.error.value
    assert len(state.session.events()) == n


def test_play_runs_in_the_background_and_pause_stops(ui):
    import time

    rc, state = ui
    state.tick_rate.set(10)
    _click(rc, "Play")
    deadline = time.monotonic() + 60  # a generous bound for a loaded CI machine, not a timing check
    while state.session.tick < 5 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert state.session.tick >= 5
    _click(rc, "Pause")
    at_pause = state.session.tick
    # the tick in progress when Pause is clicked may still finish (on a loaded machine it can take
    # longer than any fixed sleep); after it the loop stops: at most one more tick in the next two
    # seconds, where a running loop at 10 ms a tick would make many
    time.sleep(2.0)
    assert state.session.tick <= at_pause + 1, (at_pause, state.session.tick)


def test_full_page_renders():
    import solara

    import arena.dashboard.app as app

    box, rc = solara.render(app.Page(), handle_error=False)
    rc.close()


def test_recent_is_the_tail_of_the_indicator_table(session):
    session.step(6)
    full, tail = session.indicators(), session.recent(4)
    assert tail["tick"].tolist() == [3, 4, 5, 6]
    pd.testing.assert_frame_equal(tail.reset_index(drop=True)[list(full.columns)],
                                  full.iloc[-4:].reset_index(drop=True), check_dtype=False)
    assert set(session.columns()) == set(full.columns)


def test_closing_the_page_stops_the_play_loop(ui):
    import time

    rc, state = ui
    state.tick_rate.set(10)
    _click(rc, "Play")
    deadline = time.monotonic() + 20
    while state.session.tick < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    rc.close()  # what Solara does when a closed tab's session is culled
    at_close = state.session.tick
    time.sleep(2.0)  # a tick in progress may finish; a loop still running would make many more
    assert state.session.tick <= at_close + 1, (at_close, state.session.tick)


def test_scenario_picker_starts_the_scenario(scenario_dir, ui):
    import ipyvuetify as v

    rc, state = ui
    _click(rc, "Step")
    picker = rc.find(v.Select, label="Scenario").widget
    assert "dash_test" in picker.items
    picker.v_model = "dash_test"
    assert state.session.scenario_name == "dash_test" and state.scenario.value == "dash_test"
    assert state.session.tick == 0 and state.session.values["n_agents"] == 400
    assert state.pending.value["n_agents"] == 400
    assert "a small scenario" in " ".join(str(h.children) for h in rc.find(v.Html).widgets)


@pytest.mark.parametrize("kind, column, direction", [
    ("panic", "fear", +1), ("euphoria", "greed", +1), ("rate", "policy_rate", +1),
    ("catastrophe", "reserves_oil", -1), ("discovery", "reserves_oil", +1),
    ("qe", "cb_bonds", +1), ("sell_off", "price_equity", -1),
])
def test_shock_effect_shows_within_a_few_ticks(kind, column, direction):
    """Same seed with and without the shock: the charted column moves the right way."""
    runs = []
    for shocked in (False, True):
        s = DashboardSession(None, SMALL)
        s.step(5)
        if shocked:
            _, size, target = SHOCKS[kind]
            kwargs = {"resource": "oil"} if target == "resource" else {"market": "equity"} if target else {}
            assert s.shock(kind, size, **kwargs).error is None
        s.step(3)
        runs.append(s.recent(3)[column].to_numpy())
    base, shocked = runs
    assert direction * (shocked[-1] - base[-1]) > 0, (kind, column, base, shocked)


# --------------------------------------------------------------------------- side by side --
COMPARE = """
name = "dash_compare"
description = "a panic in a crowd-following market"
ticks = 30
[config]
n_agents = 400
seed = 5
herding_strength = 0.6
[[shocks]]
tick = 10
kind = "panic"
size = 0.8
[arms.no_herding]
config = { herding_strength = 0.0 }
note = "crowd-following off"
"""


@pytest.fixture
def compare_dir(tmp_path, monkeypatch):
    (tmp_path / "dash_compare.toml").write_text(COMPARE)
    monkeypatch.setenv("ARENA_SCENARIOS", str(tmp_path))
    return tmp_path


def test_side_by_side_runs_share_the_seed_until_the_shock(compare_dir):
    from arena.dashboard import compare

    session = DashboardSession("dash_compare", {"n_agents": 400, "seed": 5})
    assert compare.arm_choices(session.scenario) == ["no_shocks", "no_herding"]
    frame = compare.run_pair(session.scenario, "no_shocks", session.values)
    a, b = (frame[frame["arm"] == arm].set_index("tick") for arm in ("scenario", "no_shocks"))
    assert len(a) == len(b) == 30
    cols = ["price_equity", "fear", "unemployment"]
    pd.testing.assert_frame_equal(a.loc[:10, cols], b.loc[:10, cols])  # same seed, no shock yet
    assert a.loc[11:, "fear"].max() > b.loc[11:, "fear"].max() + 0.2  # the panic, only in the scenario
    herd = compare.run_pair(session.scenario, "no_herding", session.values)
    assert set(herd["arm"]) == {"scenario", "no_herding"}
    with pytest.raises(ValueError, match="no arm 'nope'"):
        compare.run_pair(session.scenario, "nope", session.values)


def test_side_by_side_card_draws_both_arms(compare_dir):
    import solara
    from solara.widgets import VegaLite

    from arena.dashboard.compare_view import SideBySide
    from arena.dashboard.state import use_dashboard_state

    @solara.component
    def Harness(session):
        SideBySide(use_dashboard_state(session))

    box, rc = solara.render(Harness(DashboardSession("dash_compare", {"n_agents": 400, "seed": 5})),
                            handle_error=False)
    assert not rc.find(VegaLite).widgets
    _click(rc, "Run side by side")
    spec = json.dumps(rc.find(VegaLite).widget.spec)
    assert "price_equity [scenario]" in spec and "price_equity [no_shocks]" in spec
    rc.close()


def test_accounts_panel_shows_both_matrices_and_fiscal_shocks_work(ui):
    rc, state = ui
    _click(rc, "Step")
    balance, flows = _html(rc, "arena-balance-sheet"), _html(rc, "arena-flow-matrix")
    assert "government" in balance and "bonds" in balance and "central bank" in balance
    assert "taxes on wages" in flows and "government purchases" in flows
    gov = state.session.model.government
    share = gov.spending_share(state.session.tick + 1)
    _click(rc, "Fiscal stimulus")
    assert state.error.value is None
    assert gov.spending_share(state.session.tick + 1) == pytest.approx(share + 0.02)
    _click(rc, "Tax change")
    assert state.error.value is None


def test_a_render_in_the_server_thread_ends_while_the_loop_plays(ui):
    """A render pass that the server's thread runs while the play loop steps (here: switching the
    order-book market, and the Play click itself) must end, however slow a pass: the loop does not
    publish a new tick or frame while a render runs. Publishing during every pass made reacton give
    up with "Too many renders" (a CI failure at a 10 ms pace on a loaded machine)."""
    import time

    rc, state = ui
    latest = state.session.latest

    def slow_latest(*args, **kwargs):  # a slow machine: every render of the headline numbers drags
        time.sleep(0.05)
        return latest(*args, **kwargs)

    state.session.latest = slow_latest
    state.render_interval.set(1)
    state.tick_rate.set(10)
    _click(rc, "Play")
    deadline = time.monotonic() + 60  # a bound for a loaded machine, not a timing check
    while state.session.tick < 3 and time.monotonic() < deadline:
        time.sleep(0.02)
    for market in ("oil", "equity", "oil", "equity"):
        state.market.set(market)  # renders in this thread while the loop keeps publishing
    assert state.playing.value
    _click(rc, "Pause")
    assert not state.playing.value
