"""Chart builders: pure functions from indicator tables and arrays to Vega-Lite specifications.

The browser draws the charts (vega-embed, as SVG); the server only builds small JSON
specs, so at 100,000 agents the charts cost the simulation almost nothing (drawing six
matplotlib figures took about a second of server CPU per refresh). Each builder reads only
columns that exist, so a missing indicator leaves a line out instead of failing.

Data are sent in wide form (one record per tick) and folded into long form by Vega-Lite,
rounded to 5 significant digits and thinned to at most :data:`MAX_POINTS` ticks.
"""

from __future__ import annotations

import math
from typing import Any, Iterable, Sequence

import numpy as np
import pandas as pd

SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"
WIDTH = 360
MAX_POINTS = 400
PSYCHOLOGY = ("sentiment", "fear", "greed", "herding", "confidence")
#: Event types marked on the time-series charts (dashed vertical rules), with their colour.
MARKED_EVENTS = {
    "shock": "black",
    "catastrophic_event": "red",
    "discovery_event": "green",
    "panic": "purple",
    "euphoria": "orange",
    "monetary_tightening": "brown",
    "quantitative_easing": "teal",
}


def columns_with_prefix(df: pd.DataFrame, prefix: str) -> list[str]:
    """Return the suffixes ``x`` of the columns named ``<prefix>x``, in table order."""
    return [c[len(prefix):] for c in df.columns if c.startswith(prefix)]


def markets(df: pd.DataFrame) -> list[str]:
    """Return the market names that have a ``price_<market>`` column."""
    return [m for m in columns_with_prefix(df, "price_") if not m.startswith("multiplier_")]


def window(df: pd.DataFrame, ticks: int | None) -> pd.DataFrame:
    """Return the last ``ticks`` rows (all rows if None)."""
    return df if ticks is None or len(df) <= ticks else df.iloc[-ticks:]


def _round(x: float) -> float | None:
    if x is None or not math.isfinite(x):
        return None
    return float(f"{x:.5g}")


def rounded(values: np.ndarray, digits: int = 5) -> list[float | None]:
    """Return ``values`` rounded to about ``digits`` significant digits, NaN/inf as None.

    One number of decimals per array (from its largest magnitude) keeps this vectorized;
    the JSON sent to the browser shrinks by half and stays strict (no NaN).
    """
    v = np.asarray(values, dtype=float)
    finite = np.isfinite(v)
    if not finite.any():
        return [None] * v.size
    top = np.max(np.abs(v[finite]))
    decimals = int(digits - 1 - math.floor(math.log10(top))) if top > 0 else 0
    out = np.round(np.where(finite, v, 0.0), max(decimals, 0)).tolist()
    if finite.all():
        return out
    return [x if ok else None for x, ok in zip(out, finite.tolist(), strict=True)]


def records(df: pd.DataFrame, columns: dict[str, str], scale: dict[str, float] | None = None,
            normalize: Sequence[str] = ()) -> list[dict[str, Any]]:
    """Return ``{"tick": t, label: value, ...}`` records for the Vega-Lite data.

    Parameters
    ----------
    df : DataFrame
        Indicator table with a ``tick`` column (else the row number + 1 is used).
    columns : dict
        Column name -> series label; missing columns are skipped.
    scale : dict, optional
        Column name -> factor (e.g. 100 for percent).
    normalize : sequence of str
        Columns shown as an index: first value shown = 100.
    """
    scale = scale or {}
    step = max(1, math.ceil(len(df) / MAX_POINTS))
    if step > 1:  # keep the last tick
        df = df.iloc[::-1].iloc[::step].iloc[::-1]
    ticks = df["tick"].to_numpy() if "tick" in df else np.arange(1, len(df) + 1)
    series: dict[str, list] = {"tick": [int(t) for t in ticks]}
    for col, label in columns.items():
        if col not in df:
            continue
        values = df[col].to_numpy(dtype=float) * scale.get(col, 1.0)
        if col in normalize:
            first = values[np.isfinite(values) & (values > 0)]
            if not first.size:
                continue
            values = 100.0 * values / first[0]
        series[label] = rounded(values)
    keys = list(series)
    return [dict(zip(keys, row, strict=True)) for row in zip(*series.values(), strict=True)]


def _present(rows: list[dict[str, Any]], labels: Iterable[str]) -> list[str]:
    keys = set(rows[0]) if rows else set()
    return [label for label in labels if label in keys]


def _rules(marks: Iterable[tuple[int, str]]) -> dict[str, Any] | None:
    values = [{"tick": int(t), "event": kind} for t, kind in marks]
    if not values:
        return None
    kinds = sorted({v["event"] for v in values})
    return {
        "data": {"values": values},
        "mark": {"type": "rule", "strokeDash": [4, 3], "opacity": 0.7},
        "encoding": {
            "x": {"field": "tick", "type": "quantitative"},
            "color": {"field": "event", "type": "nominal", "legend": None,
                      "scale": {"domain": kinds, "range": [MARKED_EVENTS.get(k, "grey") for k in kinds]}},
            "tooltip": [{"field": "event"}, {"field": "tick"}],
        },
    }


def line_panel(rows: list[dict[str, Any]], labels: Sequence[str], title: str, y_title: str,
               log: bool = False, domain: tuple[float, float] | None = None, height: int = 110,
               marks: Iterable[tuple[int, str]] = ()) -> dict[str, Any]:
    """One line panel: the folded series ``labels`` of ``rows`` against tick, plus event rules."""
    labels = _present(rows, labels)
    if log:  # a log axis only pays off when the series span a wide range
        values = [r[k] for r in rows for k in labels if r.get(k) is not None and r[k] > 0]
        log = bool(values) and max(values) / min(values) > 5.0
    y: dict[str, Any] = {"field": "value", "type": "quantitative", "title": y_title,
                         "scale": {"zero": False}}
    if log:
        y["scale"]["type"] = "log"
    if domain is not None:
        y["scale"]["domain"] = list(domain)
    lines = {
        "transform": [{"fold": labels, "as": ["series", "value"]}, {"filter": "isValid(datum.value)"}]
        + ([{"filter": "datum.value > 0"}] if log else []),
        "mark": {"type": "line", "strokeWidth": 1.3, "clip": True, "point": len(rows) <= 3},
        "encoding": {
            "x": {"field": "tick", "type": "quantitative", "title": "tick", "scale": {"zero": False},
                  "axis": {"format": "d", "tickMinStep": 1}},
            "y": y,
            "color": {"field": "series", "type": "nominal", "sort": labels, "title": None},
            "tooltip": [{"field": "tick"}, {"field": "series"}, {"field": "value", "format": ".4~g"}],
        },
    }
    layers = [lines]
    rule = _rules(marks) if rows else None
    if rule:
        layers.append(rule)
    spec: dict[str, Any] = {"title": {"text": title, "fontSize": 11}, "width": WIDTH, "height": height,
                            "layer": layers}
    if rule:
        spec["resolve"] = {"scale": {"color": "independent"}}
    return spec


#: Shared top-level settings: small fonts; vega-embed's menu offers only image export.
BASE = {
    "$schema": SCHEMA,
    "config": {"axis": {"labelFontSize": 9, "titleFontSize": 9}, "view": {"stroke": None},
               "legend": {"labelFontSize": 9, "symbolSize": 60, "orient": "bottom", "columns": 4}},
    "usermeta": {"embedOptions": {"actions": {"export": True, "source": False, "compiled": False,
                                              "editor": False}}},
}


def placeholder(text: str = "no data yet: press step or play", height: int = 120) -> dict[str, Any]:
    """Return a chart that only shows ``text`` (before the first tick)."""
    return {**BASE, "width": WIDTH, "height": height, "data": {"values": [{"text": text}]},
            "mark": {"type": "text", "fontSize": 12, "color": "grey"},
            "encoding": {"text": {"field": "text"}}}


def figure(panels: list[dict[str, Any]], rows: list[dict[str, Any]],
           note: str | None = None) -> dict[str, Any]:
    """Stack panels vertically into one Vega-Lite spec that shares ``rows`` as its data.

    Returns a placeholder showing ``note`` when there are no rows.
    """
    if not rows or not panels:
        return placeholder(note or "no data yet: press step or play")
    return {**BASE, "data": {"values": rows}, "vconcat": panels}


def prices_spec(df: pd.DataFrame, marks: Iterable[tuple[int, str]] = ()) -> dict[str, Any]:
    """Chart prices and relative spreads per market.

    Panels: equity price and fundamental value; other markets as an index (first tick
    shown = 100, log scale); bid-ask spreads (basis points).
    """
    marks = list(marks)
    others = [m for m in markets(df) if m != "equity"]
    cols = {"price_equity": "equity price", "fundamental_equity": "fundamental"}
    cols.update({f"price_{m}": m for m in others})
    cols.update({f"spread_{m}": f"spread {m}" for m in markets(df)})
    spreads = [f"spread_{m}" for m in markets(df)]
    rows = records(df, cols, scale=dict.fromkeys(spreads, 1e4), normalize=[f"price_{m}" for m in others])
    return figure([
        line_panel(rows, ["equity price", "fundamental"], "Equity price and fundamental value", "price",
                   marks=marks),
        line_panel(rows, others, "Goods and commodity prices (index, first tick shown = 100)",
                   "index", log=True, marks=marks),
        line_panel(rows, [f"spread {m}" for m in markets(df)], "Relative bid-ask spread", "bp", marks=marks),
    ], rows)


def psychology_spec(df: pd.DataFrame, marks: Iterable[tuple[int, str]] = ()) -> dict[str, Any]:
    """Chart sentiment, fear, greed, herding and confidence (0-1) and volatility.

    The second panel shows the volatility multiplier and realised volatility (% per tick).
    """
    marks = list(marks)
    cols = {c: c for c in PSYCHOLOGY}
    cols.update({"volatility_multiplier": "volatility multiplier",
                 "realized_volatility": "realised volatility (%)"})
    rows = records(df, cols, scale={"realized_volatility": 100.0})
    return figure([
        line_panel(rows, PSYCHOLOGY, "Market psychology", "index (0-1)", domain=(0, 1), marks=marks),
        line_panel(rows, ["volatility multiplier", "realised volatility (%)"],
                   "Volatility multiplier and realised volatility", "", marks=marks),
    ], rows)


def macro_spec(df: pd.DataFrame, marks: Iterable[tuple[int, str]] = ()) -> dict[str, Any]:
    """Chart inflation and rates (% per year), unemployment (%) and money supply.

    Money supply is shown as an index (first tick shown = 100).
    """
    marks = list(marks)
    cols = {"inflation": "inflation", "expected_inflation": "expected inflation",
            "policy_rate": "policy rate", "taylor_rate": "Taylor rate", "unemployment": "unemployment",
            "money_supply": "money supply"}
    rows = records(df, cols, scale=dict.fromkeys(list(cols)[:5], 100.0), normalize=["money_supply"])
    return figure([
        line_panel(rows, ["inflation", "expected inflation", "policy rate", "Taylor rate"],
                   "Inflation and policy rate", "% per year", marks=marks),
        line_panel(rows, ["unemployment"], "Unemployment", "%", height=80, marks=marks),
        line_panel(rows, ["money supply"], "Money supply (index, first tick shown = 100)", "index",
                   height=80, marks=marks),
    ], rows)


def credit_spec(df: pd.DataFrame, marks: Iterable[tuple[int, str]] = ()) -> dict[str, Any]:
    """Credit panel: loans and money (index), loan and policy rates, capital ratio (%), bank failures."""
    marks = list(marks)
    cols = {"loan_rate": "loan rate", "policy_rate": "policy rate", "capital_ratio": "capital ratio",
            "loans": "loans", "money_supply": "money supply", "bank_failures": "bank failures"}
    rows = records(df, cols, scale=dict.fromkeys(list(cols)[:3], 100.0), normalize=["loans", "money_supply"])
    return figure([
        line_panel(rows, ["loans", "money supply"], "Loans and money (index, first tick shown = 100)",
                   "index", marks=marks),
        line_panel(rows, ["loan rate", "policy rate"], "Loan rate and policy rate", "% per year",
                   height=80, marks=marks),
        line_panel(rows, ["capital ratio"], "Banks' capital ratio (equity / loans)", "%", height=80,
                   marks=marks),
        line_panel(rows, ["bank failures"], "Bank failures", "banks/tick", height=60, marks=marks),
    ], rows)


def scarcity_spec(df: pd.DataFrame, marks: Iterable[tuple[int, str]] = ()) -> dict[str, Any]:
    """Reserves (% of the first tick shown) and scarcity level (0-1) per resource."""
    marks = list(marks)
    resources = columns_with_prefix(df, "reserves_")
    cols = {f"reserves_{r}": f"reserves {r}" for r in resources}
    cols.update({f"scarcity_{r}": r for r in columns_with_prefix(df, "scarcity_")})
    rows = records(df, cols, normalize=[f"reserves_{r}" for r in resources])
    return figure([
        line_panel(rows, [f"reserves {r}" for r in resources], "Reserves (% of first tick shown)", "%",
                   marks=marks),
        line_panel(rows, columns_with_prefix(df, "scarcity_"), "Scarcity level 1 - reserves/base",
                   "level (0-1)", domain=(0, 1), marks=marks),
    ], rows)


def firms_spec(summary: dict[str, Any], df: pd.DataFrame,
               marks: Iterable[tuple[int, str]] = ()) -> dict[str, Any]:
    """Chart the firm sector: size distribution (now), markup and price dispersion, defaults and entries.

    ``summary`` is :meth:`arena.model.ArenaModel.firms_summary`; ``df`` the indicator table.
    """
    sizes = summary.get("size_distribution", {})
    size_rows = [{"workers": label, "firms": int(count), "order": i}
                 for i, (label, count) in enumerate(sizes.items())]
    size_panel = {
        "title": {"text": f"Firm sizes ({summary.get('n_firms', 0)} C-firms, "
                          f"{summary.get('n_kfirms', 0)} K-firms)", "fontSize": 11},
        "data": {"values": size_rows}, "width": 160, "height": 120,
        "mark": {"type": "bar", "opacity": 0.8},
        "encoding": {"x": {"field": "workers", "type": "ordinal", "sort": {"field": "order"},
                           "title": "workers per firm"},
                     "y": {"field": "firms", "type": "quantitative", "title": "firms"},
                     "tooltip": [{"field": "workers"}, {"field": "firms"}]},
    }
    if not {"markup", "price_dispersion", "firm_defaults", "firm_entries"} <= set(df.columns) or df.empty:
        return {**BASE, "hconcat": [size_panel]}
    marks = list(marks)
    cols = {"markup": "mean markup", "price_dispersion": "price dispersion",
            "firm_defaults": "defaults", "firm_entries": "entries"}
    rows = records(df, cols, scale={"markup": 100.0, "price_dispersion": 100.0})
    lines = figure([
        line_panel(rows, ["mean markup", "price dispersion"], "Markup and price dispersion", "%",
                   marks=marks),
        line_panel(rows, ["defaults", "entries"], "Defaults and entries", "firms/tick", height=80,
                   marks=marks),
    ], rows)
    return {**BASE, "hconcat": [size_panel, {k: v for k, v in lines.items() if k not in BASE}]}


def book_window(book: pd.DataFrame, price: float | None, band: float = 0.05,
                max_levels: int = 200) -> pd.DataFrame:
    """Return the price levels of a book near ``price``, sorted by price.

    Keeps levels within ``band`` (relative) of ``price``, at most the ``max_levels`` nearest.
    Far-away levels (e.g. orders at the price limits) would squeeze the interesting part
    of the book into a few pixels.
    """
    book = book.sort_values("price")
    if price is not None and np.isfinite(price) and price > 0:
        near = book[(book["price"] - price).abs() <= band * price]
        if len(near):
            book = near
        if len(book) > max_levels:
            order = (book["price"] - price).abs().to_numpy().argsort(kind="stable")[:max_levels]
            book = book.iloc[np.sort(order)]
    return book


def order_book_spec(book: pd.DataFrame, market: str, price: float | None = None) -> dict[str, Any]:
    """Chart the order-book depth of one market near the last price.

    Step areas show cumulative bid and ask volume, bars the volume at each price level.
    """
    rows: list[dict[str, Any]] = []
    if book is not None and len(book) and {"price", "bid_volume", "ask_volume"} <= set(book.columns):
        book = book_window(book, price)
        p = book["price"].to_numpy(dtype=float)
        bid = book["bid_volume"].to_numpy(dtype=float)
        ask = book["ask_volume"].to_numpy(dtype=float)
        cum_bid = np.cumsum(bid[::-1])[::-1]
        cum_ask = np.cumsum(ask)
        for i in range(p.size):
            if bid[i] > 0 or cum_bid[i] > 0:
                rows.append({"price": _round(p[i]), "side": "bids", "level": _round(bid[i]),
                             "cumulative": _round(cum_bid[i])})
            if ask[i] > 0 or cum_ask[i] > 0:
                rows.append({"price": _round(p[i]), "side": "asks", "level": _round(ask[i]),
                             "cumulative": _round(cum_ask[i])})
    colour = {"field": "side", "type": "nominal", "title": None,
              "scale": {"domain": ["bids", "asks"], "range": ["#2ca02c", "#d62728"]}}
    x = {"field": "price", "type": "quantitative", "title": "price", "scale": {"zero": False}}
    layers: list[dict[str, Any]] = [
        {"mark": {"type": "area", "interpolate": "step", "opacity": 0.25},
         "encoding": {"x": x, "y": {"field": "cumulative", "type": "quantitative", "title": "volume",
                                    "stack": None}, "color": colour}},
        {"mark": {"type": "bar", "opacity": 0.8, "width": 2},
         "encoding": {"x": x, "y": {"field": "level", "type": "quantitative"}, "color": colour,
                      "tooltip": [{"field": "side"}, {"field": "price"}, {"field": "level"},
                                  {"field": "cumulative"}]}},
    ]
    if price is not None and rows and math.isfinite(price):
        layers.append({"data": {"values": [{"price": _round(price)}]},
                       "mark": {"type": "rule", "strokeDash": [4, 3], "color": "black"},
                       "encoding": {"x": {"field": "price", "type": "quantitative"}}})
    panel = {"title": {"text": f"Order-book depth: {market} (within 5% of the last price)", "fontSize": 11},
             "width": WIDTH, "height": 220, "layer": layers}
    return figure([panel], rows, None if rows else "no order book for this market yet: press step")


def wealth_spec(wealth: np.ndarray, bins: int = 40) -> dict[str, Any]:
    """Chart the wealth distribution: Lorenz curve with the Gini coefficient, and histogram.

    The histogram of household wealth uses ``bins`` log-spaced bins.
    """
    from arena.indicators import gini, lorenz_curve

    w = np.asarray(wealth, dtype=float)
    w = w[np.isfinite(w)]
    if w.size == 0:
        return placeholder("no households")
    g = gini(w)
    pop, share = lorenz_curve(w)
    lorenz = [{"population": _round(x), "wealth": _round(y), "curve": "Lorenz curve"}
              for x, y in zip(pop, share, strict=True)]
    lorenz += [{"population": 0.0, "wealth": 0.0, "curve": "equality"},
               {"population": 1.0, "wealth": 1.0, "curve": "equality"}]
    positive = w[w > 0]
    hist_rows: list[dict[str, Any]] = []
    if positive.size:
        lo, hi = np.log10(positive.min()), np.log10(positive.max()) + 1e-9
        edges = np.logspace(lo, hi if hi > lo else lo + 1, bins + 1)
        counts, edges = np.histogram(positive, bins=edges)
        hist_rows = [{"from": _round(a), "to": _round(b), "households": int(c)}
                     for a, b, c in zip(edges[:-1], edges[1:], counts, strict=True)]
    lorenz_panel = {
        "title": {"text": f"Lorenz curve, Gini = {g:.3f}", "fontSize": 11},
        "data": {"values": lorenz}, "width": 160, "height": 160,
        "mark": {"type": "line", "strokeWidth": 1.5},
        "encoding": {"x": {"field": "population", "type": "quantitative", "title": "population share"},
                     "y": {"field": "wealth", "type": "quantitative", "title": "wealth share"},
                     "strokeDash": {"field": "curve", "type": "nominal", "title": None,
                                    "legend": {"orient": "bottom"}}},
    }
    hist_panel = {
        "title": {"text": f"Household wealth ({w.size:,} households)", "fontSize": 11},
        "data": {"values": hist_rows}, "width": 160, "height": 160,
        "mark": {"type": "rect", "opacity": 0.8},
        "encoding": {"x": {"field": "from", "type": "quantitative", "scale": {"type": "log"},
                           "title": "wealth (log scale)"},
                     "x2": {"field": "to"},
                     "y": {"field": "households", "type": "quantitative", "title": "households"},
                     "tooltip": [{"field": "from"}, {"field": "to"}, {"field": "households"}]},
    }
    return {**BASE, "hconcat": [lorenz_panel, hist_panel]}


def event_marks(events: pd.DataFrame, since: int = 0) -> list[tuple[int, str]]:
    """Return ``(tick, type)`` of the notable events to mark on the charts."""
    if events is None or events.empty or "type" not in events:
        return []
    sel = events[events["type"].isin(list(MARKED_EVENTS)) & (events["tick"] >= since)]
    return list(zip(sel["tick"].astype(int), sel["type"], strict=True))
