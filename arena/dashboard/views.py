"""Main-area components: indicator bar, alerts strip, system panel, shocks, event feed, charts, export."""

from __future__ import annotations

import math

import pandas as pd
import solara
from solara.widgets import VegaLite

from arena.dashboard import accounts, charts, feed, monitor
from arena.dashboard.session import SHOCKS
from arena.dashboard.state import DashboardState

#: Indicator bar: (column, label, format). Rates and shares are shown in percent.
HEADLINE = (
    ("price_equity", "Equity price", "{:.2f}"),
    ("cpi", "CPI", "{:.2f}"),
    ("inflation", "Inflation", "{:.2%}"),
    ("policy_rate", "Policy rate", "{:.2%}"),
    ("unemployment", "Unemployment", "{:.1%}"),
    ("sentiment", "Sentiment", "{:.3f}"),
    ("fear", "Fear", "{:.3f}"),
    ("greed", "Greed", "{:.3f}"),
    ("gini", "Gini", "{:.3f}"),
)
HISTORY = 500  # ticks shown in the time-series charts
CHIP = {"padding": "2px 10px", "border": "1px solid #ddd", "border-radius": "12px", "font-size": "0.9em"}


def format_value(value, fmt: str) -> str:
    """Format an indicator value; '-' when missing or not finite."""
    try:
        value = float(value)
    except (TypeError, ValueError):
        return "-"
    return fmt.format(value) if math.isfinite(value) else "-"


@solara.component
def IndicatorBar(state: DashboardState):
    """Tick counter and headline indicators, updated on every tick."""
    tick = state.tick.value
    latest = state.session.latest() if tick else {}
    with solara.Row(gap="6px", style={"flex-wrap": "wrap", "align-items": "center"}):
        solara.Text(f"Tick: {tick}", classes=["arena-tick"], style={**CHIP, "font-weight": "bold"})
        for column, label, fmt in HEADLINE:
            if column in latest or not latest:
                solara.Text(f"{label}: {format_value(latest.get(column), fmt)}",
                            classes=[f"arena-{column}"], style=CHIP)
        if state.playing.value:
            solara.Text("playing", style={**CHIP, "color": "green"})


@solara.component
def AlertStrip(state: DashboardState, frame: int):
    """Active alerts as chips coloured by severity (critical red, warning amber, info blue).

    ``frame`` is the refresh counter: a new value re-renders the strip.
    """
    session = state.session
    solara.HTML(tag="div", unsafe_innerHTML=monitor.alerts_html(session.alerts(), session.tick),
                classes=["arena-alerts"], style="display: flex; flex-wrap: wrap; align-items: center")


@solara.component
def SystemPanel(state: DashboardState, frame: int):
    """Tick time and memory of the dashboard process (psutil)."""
    rows = monitor.system_rows(state.session.system(), state.tick_rate.value)
    with solara.Column(gap="2px", classes=["arena-system"]):
        for label, value in rows:
            solara.Text(f"{label}: {value}", style={"font-size": "0.9em"})


@solara.component
def ShockPanel(state: DashboardState):
    """One button per shock kind, with its size and (where needed) its target."""
    sizes = solara.use_reactive({k: v[1] for k, v in SHOCKS.items()})
    resource = solara.use_reactive("oil")
    columns = state.session.columns()
    resources = [c[len("reserves_"):] for c in columns if c.startswith("reserves_")] or ["oil"]

    def inject(kind: str):
        target_key = SHOCKS[kind][2]
        target = {}
        if target_key == "resource":
            target["resource"] = resource.value
        elif target_key == "market":
            target["market"] = "equity"  # the engine's sell-off hits the equity market
        result = state.session.shock(kind, sizes.value[kind], **target)
        state.error.set(result.error)
        if result.error is None:
            state.notice.set(f"injected {kind} (size {sizes.value[kind]:g})")
        state.refresh()

    solara.Select("Resource (discovery, catastrophe)", values=resources, value=resource, dense=True)
    with solara.GridFixed(columns=4, row_gap="2px", column_gap="6px", align_items="center"):
        for kind, (label, _, _) in SHOCKS.items():
            solara.Button(label, on_click=lambda kind=kind: inject(kind), color="warning", small=True,
                          classes=["text-none"])
            solara.InputText("size", value=str(sizes.value[kind]), dense=True,
                             on_value=lambda text, kind=kind: _set_size(sizes, kind, text))


def _set_size(sizes, kind: str, text: str) -> None:
    try:
        sizes.set({**sizes.value, kind: float(text)})
    except ValueError:
        pass  # keep the previous size; the field shows what was typed


@solara.component
def EventFeed(state: DashboardState, frame: int):
    """Newest events first: discoveries, catastrophes, interventions, panics, shocks.

    ``frame`` is the refresh counter: a new value re-renders the feed.
    """
    rows = feed.feed_rows(state.session.events(), limit=40)
    solara.HTML(tag="div", unsafe_innerHTML=feed.feed_html(rows), classes=["arena-feed"],
                style="max-height: 320px; overflow-y: auto; font-size: 0.9em")


def chart_spec(state: DashboardState, name: str) -> dict:
    """Build the Vega-Lite spec of chart ``name`` from the session's current state."""
    session = state.session
    if name == "wealth":
        return charts.wealth_spec(session.wealth())
    if name == "firms":
        df = session.recent(HISTORY)
        return charts.firms_spec(session.model.firms_summary(), df)
    df = session.recent(HISTORY)
    if name == "book":
        market = state.market.value
        price = df[f"price_{market}"].iloc[-1] if len(df) and f"price_{market}" in df else None
        return charts.order_book_spec(session.order_book(market), market, price)
    start = int(df["tick"].iloc[0]) if len(df) and "tick" in df else 0
    marks = charts.event_marks(session.events(), since=start)
    builders = {"prices": charts.prices_spec, "psychology": charts.psychology_spec,
                "macro": charts.macro_spec, "credit": charts.credit_spec, "scarcity": charts.scarcity_spec,
                "government": accounts.government_spec}
    return builders[name](df, marks)


TITLES = {"prices": "Prices and spreads", "book": "Order book", "psychology": "Psychology",
          "macro": "Money, inflation, labour", "credit": "Credit and banks",
          "government": "Government and central bank", "scarcity": "Resources",
          "wealth": "Wealth distribution", "firms": "Firms"}


@solara.component
def LiveChart(state: DashboardState, name: str, frame: int, market: str):
    """One Vega-Lite chart whose data are pushed to its widget on every frame.

    The widget is created once and its ``spec`` set directly, not passed as an element
    property: reacton walks, compares and re-applies every property value on each render
    of the page, and a spec carries thousands of data records.
    """
    widget = solara.use_memo(lambda: VegaLite(spec=charts.placeholder("drawing...")), [])

    def push():
        widget.spec = chart_spec(state, name)

    def close():
        return widget.close

    solara.use_effect(push, [frame, market])
    solara.use_effect(close, [])
    return solara.Div(children=[widget])


@solara.component
def ChartGrid(state: DashboardState, frame: int, market: str):
    """Show all charts, drawn by the browser (Vega-Lite).

    New data arrive on every frame and only the chart contents change; the page is not reloaded.
    """
    markets = solara.use_memo(lambda: charts.markets(pd.DataFrame(columns=state.session.columns())),
                              [state.session.model])
    with solara.GridFixed(columns=2, row_gap="8px", column_gap="8px", align_items="start"):
        for name, title in TITLES.items():
            with solara.Card(title, margin=0, classes=[f"arena-chart-{name}"]):
                if name == "book":
                    solara.Select("Market", values=markets or ["equity"], value=state.market, dense=True)
                LiveChart(state, name, frame, market)


@solara.component
def AccountsPanel(state: DashboardState, frame: int):
    """Show the balance-sheet matrix now and the flow matrix of the last tick (HTML tables)."""
    model = state.session.model
    with state.session.lock:
        balance, flows = model.balance_sheet(), model.flow_matrix()
    solara.HTML(tag="div", unsafe_innerHTML=accounts.matrix_html(balance, "Balance sheet (currency)"),
                classes=["arena-balance-sheet"])
    solara.HTML(tag="div", unsafe_innerHTML=accounts.matrix_html(flows, "Transactions of the last tick "
                                                                  "(currency/tick)"),
                classes=["arena-flow-matrix"])


@solara.component
def ExportPanel(state: DashboardState, frame: int):
    """Download the indicator series of the current run as CSV or Parquet.

    ``frame`` re-renders the panel, so the file names carry the current tick.
    """
    session = state.session
    stem = f"arena_{session.scenario_name or 'custom'}_t{session.tick}"
    with solara.Row(gap="8px"):
        solara.FileDownload(lambda: feed.indicators_csv(session.indicators()), filename=f"{stem}.csv",
                            label="Download CSV", mime_type="text/csv")
        solara.FileDownload(lambda: feed.indicators_parquet(session.indicators()),
                            filename=f"{stem}.parquet", label="Download Parquet")
