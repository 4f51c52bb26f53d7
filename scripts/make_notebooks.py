"""Write the notebooks in notebooks/ from the cell sources below (outputs cleared).

The notebooks are generated so that they stay consistent with each other (same helpers,
same labelling of units) and so that a diff of this file is a readable review of a
notebook change. Run from the project root::

    .venv/bin/python scripts/make_notebooks.py            # write every notebook
    .venv/bin/python scripts/make_notebooks.py --check    # exit 1 if a notebook is stale

Every notebook runs with the working directory ``notebooks/`` (as JupyterLab and the
test suite start it) and finds scenarios through ``arena.load_scenario(name)``, never
through a relative path.
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "notebooks"

KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}

#: Imports and the unit-labelling helper shared by every notebook.
SETUP = '''\
%matplotlib inline
import time

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import arena
from arena import ArenaConfig, ArenaModel
from arena.indicators import COLUMNS, gini, lorenz_curve, max_drawdown, realized_volatility

plt.rcParams.update({"figure.figsize": (11, 3.6), "axes.grid": True, "grid.alpha": 0.3})


def label(column, unit=None):
    """Axis label 'column [unit]', the unit taken from arena.indicators.COLUMNS."""
    return f"{column} [{unit or COLUMNS[column][0]}]"
'''


def md(text: str) -> nbformat.NotebookNode:
    """A markdown cell."""
    return nbformat.v4.new_markdown_cell(textwrap.dedent(text).strip())


def code(text: str) -> nbformat.NotebookNode:
    """A code cell without outputs."""
    return nbformat.v4.new_code_cell(textwrap.dedent(text).strip())


# ---------------------------------------------------------------------------------------------
# 01 quickstart
# ---------------------------------------------------------------------------------------------
QUICKSTART = [
    md("""
    # 01 · Quickstart: build, step, plot, compare

    This notebook builds an Arena economy of 20,000 households, runs it for two years
    (500 ticks; one tick is one trading day, 250 ticks a year), plots its indicators from
    the DataCollector DataFrame, then changes one parameter and compares the two runs.

    Everything here uses the public engine API (`arena.ArenaConfig`, `arena.ArenaModel`,
    `arena.indicators`); the equations behind each column are in
    [docs/model.md](../docs/model.md). Runtime: about half a minute.
    """),
    code(SETUP),
    md("""
    ## 1. Configuration

    Every parameter is declared once in `arena.config.PARAMETERS` with its unit, default and
    valid range. `ArenaConfig` is frozen and validated: a bad value is refused with a message
    that names the parameter and the range.
    """),
    code("""
    params = pd.DataFrame(arena.config.parameter_table()).set_index("name")
    params.loc[["n_agents", "ticks_per_year", "herding_strength", "base_inflation_rate",
                "taylor_inflation_coef", "depletion_rate"]]
    """),
    code("""
    try:
        ArenaConfig.from_dict({"fear_weight": 2.0})
    except arena.ConfigError as error:
        print(error)

    config = ArenaConfig.from_dict({"n_agents": 20_000, "seed": 1})
    """),
    md("""
    ## 2. Build and step

    `ArenaModel` is a `mesa.Model`; `step()` runs one tick of seven phases (markets, agents,
    psychology, monetary policy, scarcity, indicators, events). Households are numpy arrays,
    so a tick of 20,000 agents takes a few milliseconds.
    """),
    code("""
    TICKS = 500
    model = ArenaModel(config)
    start = time.perf_counter()
    for _ in range(TICKS):
        model.step()
    print(f"{TICKS} ticks of {config.n_agents:,} households in {time.perf_counter() - start:.1f} s")

    df = model.indicators()   # one row per tick, one column per indicator (units in COLUMNS)
    print(df.shape)
    df[["price_equity", "fundamental_equity", "cpi", "inflation", "policy_rate", "unemployment"]].tail()
    """),
    md("""
    Every column is documented with its unit in `arena.indicators.COLUMNS` (and in the
    indicator table of docs/model.md):
    """),
    code("""
    pd.DataFrame(COLUMNS, index=["unit", "meaning"]).T.loc[
        ["price_equity", "inflation", "policy_rate", "velocity", "fear", "scarcity_oil"]]
    """),
    md("""
    ## 3. Plot the indicators

    Markets and the macroeconomy: the equity price against its fundamental value (discounted
    dividends), consumer prices and inflation, the policy rate against the rate the Taylor
    rule prescribes, and the labour market.
    """),
    code("""
    years = df.index / config.ticks_per_year
    fig, axes = plt.subplots(2, 2, figsize=(12, 7), sharex=True)

    ax = axes[0, 0]
    ax.plot(years, df.price_equity, label="price")
    ax.plot(years, df.fundamental_equity, label="fundamental value", alpha=0.8)
    ax.set(title="Equity", ylabel=label("price_equity"))
    ax.legend()

    ax = axes[0, 1]
    ax.plot(years, df.cpi, color="C2")
    ax.set(title="Consumer prices", ylabel=label("cpi"))
    ax2 = ax.twinx()
    ax2.plot(years, 100 * df.inflation, color="C3", alpha=0.7)
    ax2.set_ylabel("inflation [%/year]", color="C3")

    ax = axes[1, 0]
    ax.plot(years, 100 * df.policy_rate, label="policy rate")
    ax.plot(years, 100 * df.taylor_rate, label="Taylor-rule rate", alpha=0.6)
    ax.plot(years, 100 * df.expected_inflation, label="expected inflation", ls="--")
    ax.set(title="Monetary policy", ylabel="rate [%/year]", xlabel="time [years]")
    ax.legend()

    ax = axes[1, 1]
    ax.plot(years, 100 * df.unemployment, label="unemployment")
    ax.plot(years, 100 * df.output_gap, label="output gap", alpha=0.7)
    ax.axhline(100 * config.natural_unemployment, color="grey", ls=":", label="natural rate u*")
    ax.set(title="Labour market", ylabel="[% of labour force / of potential]", xlabel="time [years]")
    ax.legend()
    fig.tight_layout()
    """),
    md("""
    Market psychology: the crowd's fear and greed, the herding factor (order-count imbalance of
    the active traders) and the specification's volatility multiplier
    `1 + fear·w_f + greed·w_g + herding·0.5 + |sentiment − 0.5|·2·0.4`.
    """),
    code("""
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(12, 3.6), sharex=True)
    for column in ("sentiment", "fear", "greed", "confidence"):
        ax.plot(years, df[column], label=column)
    ax.set(title="Moods (means over households)", ylabel="index [0-1]", xlabel="time [years]", ylim=(0, 1))
    ax.legend(ncol=2)
    ax2.plot(years, df.herding, label="herding", alpha=0.6)
    ax2.plot(years, df.volatility_multiplier - 1, label="volatility multiplier − 1")
    ax2.set(title="Herding and volatility", ylabel="[-]", xlabel="time [years]")
    ax2.legend()
    fig.tight_layout()
    """),
    md("""
    ## 4. Events, the order book and the wealth distribution

    Notable events (discoveries, catastrophes, panics, monetary interventions, ...) are kept in
    a bounded log; `model.events()` returns them as a DataFrame.
    """),
    code("""
    events = model.events()
    print(events.type.value_counts().to_string())
    events.head(8)
    """),
    md("""
    The equity market is a call auction: each tick all limit orders are binned on a log-price
    grid and cleared at the level that maximises volume. `model.order_book("equity")` returns the
    last tick's book; cumulated, it gives the depth chart.
    """),
    code("""
    book = model.order_book("equity")
    price = df.price_equity.iloc[-1]
    fig, ax = plt.subplots(figsize=(8, 3.6))
    bids = book[book.bid_volume > 0]
    asks = book[book.ask_volume > 0]
    ax.step(bids.price, bids.bid_volume[::-1].cumsum()[::-1], where="post", color="C2", label="bids (cumulative)")
    ax.step(asks.price, asks.ask_volume.cumsum(), where="pre", color="C3", label="asks (cumulative)")
    ax.axvline(price, color="k", ls=":", label="clearing price")
    ax.set(title=f"Equity order book at tick {model.tick}", xlabel=label("price_equity"),
           ylabel="volume [shares]", xlim=(price * 0.9, price * 1.1))
    ax.legend();
    """),
    code("""
    wealth = model.wealth()          # deposits + equity at market value, one entry per household
    population, share = lorenz_curve(wealth)
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(12, 3.6))
    ax.plot(population, share, label=f"Lorenz curve (Gini {gini(wealth):.3f})")
    ax.plot([0, 1], [0, 1], color="grey", ls=":", label="equality")
    ax.set(title="Wealth distribution", xlabel="population share [-]", ylabel="wealth share [-]")
    ax.legend()
    ax2.plot(years, df.gini)
    ax2.set(title="Inequality over time", xlabel="time [years]", ylabel=label("gini"))
    fig.tight_layout()
    """),
    md("""
    ## 5. Tweak a parameter and compare

    `herding_strength` is imitation of the crowd's mood: it raises the weight of the crowd's mean
    mood in every household's mood, so a shared fear or euphoria lasts longer (Kirman 1993; Lux &
    Marchesi 1999). We run the same seed with a stronger herd and compare
    equity volatility, drawdown and the macro outcome. Keyword arguments of `ArenaModel` override
    single parameters of a config.
    """),
    code("""
    def run_model(ticks=TICKS, **overrides):
        m = ArenaModel(config, **overrides)
        for _ in range(ticks):
            m.step()
        return m.indicators()


    runs = {"baseline": df, "herding_strength=0.6": run_model(herding_strength=0.6)}


    def summary(frame):
        returns = np.diff(np.log(frame.price_equity.to_numpy()))
        return pd.Series({
            "equity volatility [1/sqrt(year)]": realized_volatility(returns) * np.sqrt(config.ticks_per_year),
            "max drawdown [-]": max_drawdown(frame.price_equity.to_numpy()),
            "mean herding [-]": frame.herding.mean(),
            "mean inflation [1/year]": frame.inflation.mean(),
            "mean unemployment [-]": frame.unemployment.mean(),
            "final Gini [-]": frame.gini.iloc[-1],
        })


    pd.DataFrame({name: summary(frame) for name, frame in runs.items()}).round(3)
    """),
    code("""
    def plot_column(column, runs=runs):
        fig, ax = plt.subplots()
        for name, frame in runs.items():
            ax.plot(frame.index / config.ticks_per_year, frame[column], label=name, alpha=0.85)
        ax.set(title=COLUMNS[column][1], xlabel="time [years]", ylabel=label(column))
        ax.legend()
        return fig


    plot_column("price_equity");
    """),
    md("""
    One seed is one draw: notebook 04 repeats such comparisons over many seeds and shows
    uncertainty bands. To explore any of the indicator columns of both runs, pick it here
    (the widget re-draws the same `plot_column` figure):
    """),
    code("""
    from arena.notebook_widgets import figure_explorer

    numeric = [c for c in df.columns if c in COLUMNS]
    figure_explorer(plot_column, initial={"column": "inflation"}, column=numeric)
    """),
    md("""
    ## Next

    * `02_market_crash.ipynb`: a panic meets herding — drawdown, depth and who loses.
    * `03_inflation_spiral.ipynb`: money growth, inflation, the Taylor rule and tightening.
    * `04_scenario_batches.ipynb`: parameter sweeps over seeds with uncertainty bands.
    * `05_scarcity.ipynb`: depletion, discovery and catastrophe on commodity prices.
    """),
]


# ---------------------------------------------------------------------------------------------
# 02 market crash
# ---------------------------------------------------------------------------------------------
CRASH = [
    md("""
    # 02 · Market crash: panic meets herding

    The `market_crash` scenario hits the economy with a panic (households' fear pulled up,
    greed, sentiment and confidence pulled down) and, two ticks later, a sell-off (every holder
    offers a share of its equity at the lowest price the auction allows), with a strong herding
    tendency (`herding_strength = 0.8`). We follow the equity
    price and its drawdown, fear and greed, herding, the depth of the order book during the crash,
    the central bank's response and who lost wealth. A counterfactual run with the same config and
    seed but no shocks shows what the shocks add to what the market does on its own with a strong
    herd. Runtime: under a minute.
    """),
    code(SETUP),
    md("""
    ## 1. The scenario

    A scenario (`scenarios/<name>.toml`) is a set of config overrides, shocks scheduled at given
    ticks and a documented expected outcome. `arena.load_scenario(name)` finds it by name from any
    working directory. We run it at 20,000 households (the file says 100,000) and keep the rest
    unchanged; `Scenario.simulate` builds the model, applies each shock before its tick and calls
    `on_tick` after every tick, which we use to keep the order books and the wealth distribution.
    """),
    code("""
    scenario = arena.load_scenario("market_crash")   # scenarios/market_crash.toml, validated
    print(f"{scenario.name}: {scenario.description}")
    print("config overrides:", scenario.config)
    pd.DataFrame([{"tick": s.tick, "kind": s.kind, "size": s.size, **s.target, "note": s.note}
                  for s in scenario.shocks])
    """),
    code("""
    N_AGENTS = 20_000
    TICKS = scenario.ticks
    config = scenario.make_config(n_agents=N_AGENTS)
    PANIC_TICK = scenario.shocks[0].tick
    SELL_OFF_TICK = scenario.shocks[-1].tick

    books, wealth = {}, {}


    def record(model):
        \"\"\"After every tick from the panic on: keep the equity book and every household's wealth.\"\"\"
        if model.tick >= PANIC_TICK:
            books[model.tick] = model.order_book("equity")
            wealth[model.tick] = model.wealth().astype(np.float32)


    start = time.perf_counter()
    model = scenario.simulate(TICKS, {"n_agents": N_AGENTS}, on_tick=record)
    calm = ArenaModel(config)          # the counterfactual: same config and seed, no shocks
    for _ in range(TICKS):
        calm.step()
    print(f"two runs of {TICKS} ticks in {time.perf_counter() - start:.1f} s")
    df, cf = model.indicators(), calm.indicators()
    """),
    md("""
    The scenario states its expected effects against named controls, with a sign, a range from
    economics and a source (the test suite checks them over seeds; docs/scenarios.md has the
    table). The calm run above is the `no_shocks` control on the same seed, so the effects against
    it can be measured here, on this one draw:
    """),
    code("""
    from arena.effects import effects_frame, measure_one_seed

    display(effects_frame(scenario.effects)[["effect", "metric", "control", "sign", "expected", "source"]])
    measure_one_seed(scenario.effects, {"scenario": df, "no_shocks": cf})
    """),
    md("""
    ## 2. Price and drawdown

    The drawdown is `1 − p / running max(p)`; `arena.indicators.max_drawdown` returns its largest
    value. The fundamental value is the discounted dividend stream (discounted at the policy rate
    plus the equity risk premium, minus expected inflation), so it moves with monetary policy and
    with firms' profits.
    """),
    code("""
    price = df.price_equity
    drawdown = 1 - price / price.cummax()
    trough = int(price.loc[PANIC_TICK:].idxmin())
    fig, (ax, ax2) = plt.subplots(2, 1, figsize=(11, 6), sharex=True, height_ratios=[2, 1])
    ax.plot(price, label="price (scenario)")
    ax.plot(cf.price_equity, label="price (no shocks)", color="grey", alpha=0.6)
    ax.plot(df.fundamental_equity, label="fundamental value", ls="--")
    ax.set(ylabel=label("price_equity", "currency/share"), title="Equity market")
    ax2.fill_between(drawdown.index, 100 * drawdown, color="C3", alpha=0.4)
    ax2.set(ylabel="drawdown [%]", xlabel="tick [trading days]")
    for a in (ax, ax2):
        for shock in scenario.shocks:
            a.axvline(shock.tick, color="k", ls=":", lw=1)
    ax.annotate("trough", (trough, price[trough]), xytext=(trough + 20, price[trough] * 1.3),
                arrowprops={"arrowstyle": "->"})
    ax.legend()
    fig.tight_layout()

    crash = price.loc[PANIC_TICK - 1:]
    print(f"max drawdown after the panic: {max_drawdown(crash.to_numpy()):.1%} "
          f"(no shocks, same window: {max_drawdown(cf.price_equity.loc[PANIC_TICK - 1:].to_numpy()):.1%}); "
          f"trough at tick {trough}, {trough - PANIC_TICK} ticks after the panic")
    """),
    md("""
    ## 3. Fear, greed and herding

    Moods move toward targets driven by own wealth returns, the market trend and volatility, and
    the crowd's mood. The herding factor is the imbalance of buy and sell order counts; when the
    crowd is lopsided, active traders copy its side with probability up to `herding_strength`.
    Both feed the specification's volatility multiplier.
    """),
    code("""
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(12, 3.8), sharex=True)
    for column in ("fear", "greed", "sentiment", "confidence"):
        ax.plot(df[column], label=column)
    ax.axhline(config.panic_threshold, color="C1", ls=":", lw=1, label="panic threshold")
    ax.set(title="Moods", ylabel="index [0-1]", xlabel="tick [trading days]", ylim=(0, 1))
    ax.legend(ncol=2, fontsize=8)
    ax2.plot(df.herding, label="herding factor", alpha=0.5)
    ax2.plot(df.volatility_multiplier - 1, label="volatility multiplier − 1")
    ax2.plot(df.realized_volatility * np.sqrt(config.ticks_per_year), label="realised volatility [1/sqrt(year)]")
    ax2.set(title="Herding and volatility", ylabel="[-]", xlabel="tick [trading days]")
    ax2.legend(fontsize=8)
    for a in (ax, ax2):
        a.axvline(PANIC_TICK, color="k", ls=":", lw=1)
    fig.tight_layout()
    """),
    code("""
    events = model.events()
    events[(events.tick >= PANIC_TICK - 5) & (events.tick <= PANIC_TICK + 120)][["tick", "type"]] \\
        .groupby("type").tick.agg(["count", "min", "max"])
    """),
    md("""
    ## 4. Order-book depth during the crash

    Depth is the bid (ask) volume resting within 2% below (above) the clearing price after the
    auction. In a crash the bid side empties: sellers meet few buyers near the price, the spread
    widens and the price falls until fundamentalists and the central bank step in.
    """),
    code("""
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(12, 3.8))
    window = df.loc[PANIC_TICK - 30:PANIC_TICK + 150]
    ax.plot(window.depth_bid_equity, label="bid depth (2% below)", color="C2")
    ax.plot(window.depth_ask_equity, label="ask depth (2% above)", color="C3")
    ax.set(title="Depth near the price", ylabel=label("depth_bid_equity", "shares"), xlabel="tick [trading days]")
    ax.legend()
    ax2.plot(10_000 * window.spread_equity, color="C4")
    ax2.set(title="Bid-ask spread", ylabel="spread [basis points of price]", xlabel="tick [trading days]")
    for a in (ax, ax2):
        a.axvline(PANIC_TICK, color="k", ls=":", lw=1)
    fig.tight_layout()
    """),
    code("""
    def depth_chart(ax, book, title):
        \"\"\"Cumulative bids (from the top) and asks (from the bottom) of one auction.\"\"\"
        bids = book.bid_volume.to_numpy()[::-1].cumsum()[::-1]
        asks = book.ask_volume.to_numpy().cumsum()
        ax.step(book.price, bids, where="post", color="C2", label="bids")
        ax.step(book.price, asks, where="pre", color="C3", label="asks")
        ax.set(title=title, xlabel="price [currency/share]", ylabel="cumulative volume [shares]")


    moments = {"before the panic": PANIC_TICK, "panic": PANIC_TICK + 1,
               "sell-off": SELL_OFF_TICK + 1, "20 ticks later": SELL_OFF_TICK + 20}
    fig, axes = plt.subplots(1, len(moments), figsize=(14, 3.4))
    for ax, (name, tick) in zip(axes, moments.items()):
        depth_chart(ax, books[tick], f"{name} (tick {tick})")
        ax.axvline(df.price_equity[tick], color="k", ls=":", lw=1)
    axes[0].legend()
    fig.tight_layout()
    """),
    md("""
    ## 5. The central bank's response

    Falling prices and output pull measured inflation down; the Taylor rule cuts the policy
    rate and, with the rate at its floor and inflation below `deflation_threshold`, the central
    bank starts quantitative easing: it buys equity in the auction for `qe_rate` of the money
    supply per tick.
    """),
    code("""
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(12, 3.6), sharex=True)
    ax.plot(100 * df.policy_rate, label="policy rate")
    ax.plot(100 * df.inflation, label="inflation")
    ax.plot(100 * cf.policy_rate, label="policy rate (no shocks)", color="grey", alpha=0.6)
    ax.fill_between(df.index, 0, 1, where=df.qe > 0, transform=ax.get_xaxis_transform(), alpha=0.15,
                    color="C2", label="QE active")
    ax.set(title="Monetary policy", ylabel="[%/year]", xlabel="tick [trading days]")
    ax.legend(fontsize=8)
    ax2.plot(df.cb_equity_shares)
    ax2.set(title="Central bank's equity holdings", ylabel=label("cb_equity_shares"), xlabel="tick [trading days]")
    fig.tight_layout()
    """),
    md("""
    ## 6. Wealth redistribution

    Who lost? We group households by their wealth just before the panic (deciles) and compare
    their wealth at the trough and at the end of the run with what it was before. Wealth is
    deposits plus equity at market value, so the loss of each group depends on how much of its
    wealth was in equity, and on who sold near the bottom and who bought.
    """),
    code("""
    before = wealth[PANIC_TICK].astype(float)
    decile = pd.qcut(before, 10, labels=[f"D{i}" for i in range(1, 11)])
    change = pd.DataFrame({
        "at the trough": wealth[trough] / before - 1,
        "at the end": wealth[TICKS] / before - 1,
    })
    by_decile = change.groupby(decile, observed=True).median()
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(12, 3.8))
    (100 * by_decile).plot.bar(ax=ax, rot=0)
    ax.set(title="Median wealth change by pre-crash wealth decile", ylabel="wealth change [%]",
           xlabel="decile of wealth at the panic (D1 = poorest)")
    for tick, name in [(PANIC_TICK, "before"), (trough, "trough"), (TICKS, "end")]:
        pop_share, wealth_share = lorenz_curve(wealth[tick])
        ax2.plot(pop_share, wealth_share, label=f"{name} (Gini {gini(wealth[tick]):.3f})")
    ax2.plot([0, 1], [0, 1], color="grey", ls=":")
    ax2.set(title="Lorenz curves", xlabel="population share [-]", ylabel="wealth share [-]")
    ax2.legend()
    fig.tight_layout()
    (100 * by_decile).round(1).T
    """),
    code("""
    fig, ax = plt.subplots()
    ax.plot(df.gini, label="scenario")
    ax.plot(cf.gini, label="no shocks", color="grey", alpha=0.7)
    ax.axvline(PANIC_TICK, color="k", ls=":", lw=1)
    ax.set(title="Wealth inequality", ylabel=label("gini"), xlabel="tick [trading days]")
    ax.legend();
    """),
    md("""
    ## 7. Summary
    """),
    code("""
    def crash_summary(frame):
        after = frame.loc[PANIC_TICK:]
        return pd.Series({
            f"max drawdown after tick {PANIC_TICK} [-]":
                max_drawdown(frame.price_equity.loc[PANIC_TICK - 1:].to_numpy()),
            "peak fear [-]": after.fear.max(),
            "peak herding [-]": after.herding.max(),
            "peak volatility multiplier [-]": after.volatility_multiplier.max(),
            "min bid depth [shares]": after.depth_bid_equity.min(),
            "ticks of QE [ticks]": int(after.qe.sum()),
            "peak unemployment [-]": after.unemployment.max(),
            "Gini at the end [-]": frame.gini.iloc[-1],
        })


    pd.DataFrame({"market_crash": crash_summary(df), "no shocks": crash_summary(cf)}).round(3)
    """),
    md("""
    Try a smaller panic, or a lower `herding_strength` (`config.replace(herding_strength=0.1)`),
    and see how much of the drawdown the herd is responsible for; notebook 04 does this over
    many seeds.
    """),
]


# ---------------------------------------------------------------------------------------------
# 03 inflation spiral
# ---------------------------------------------------------------------------------------------
INFLATION = [
    md("""
    # 03 · Inflation spiral: money growth → inflation → Taylor rule → tightening

    The central bank of Arena can follow a rate rule (the Taylor rule, default) or a money rule
    (`monetary_regime = "money_growth"`: the money supply grows at `money_growth` a year). The
    `inflation_spiral` scenario sets the money rule far too loose and adds a helicopter drop
    (a `money` shock: a transfer of 10% of the money supply). Money growth raises spending, prices
    and expected inflation;
    the policy rate follows the Taylor rule; when measured inflation passes
    `tightening_threshold` (10% a year) automatic tightening adds `tightening_step` to the rate
    and stops money growth until inflation has halved.

    We then check the quantity equation `M·V = P·Y` on the output, estimate the long-run link
    between money growth and inflation across runs, and the Phillips curve. Runtime: about a
    minute.
    """),
    code(SETUP),
    code("""
    scenario = arena.load_scenario("inflation_spiral")
    print(f"{scenario.name}: {scenario.description}")
    print("shocks:", [(s.tick, s.kind, s.size, s.note) for s in scenario.shocks])
    N_AGENTS = 20_000
    TICKS = scenario.ticks
    config = scenario.make_config(n_agents=N_AGENTS)
    {k: config.to_dict()[k] for k in ("monetary_regime", "money_growth", "base_inflation_rate",
                                      "expectation_adjustment", "expectation_anchoring",
                                      "tightening_threshold", "tightening_step", "taylor_inflation_coef",
                                      "taylor_output_coef", "rate_smoothing")}
    """),
    code("""
    def run(config, ticks):
        \"\"\"Step a fresh model `ticks` times (no shocks) and return it.\"\"\"
        model = ArenaModel(config)
        for _ in range(ticks):
            model.step()
        return model


    start = time.perf_counter()
    model = scenario.simulate(TICKS, {"n_agents": N_AGENTS})
    df = model.indicators()
    print(f"{TICKS} ticks in {time.perf_counter() - start:.1f} s")
    years = df.index / config.ticks_per_year
    """),
    md("""
    The scenario states its expected effects against named controls (money growing at the 2%
    target; expectations adjusting at the baseline speed), with a sign, a range from economics and
    a source; `arena.experiment("inflation_spiral", seeds=range(1, 11))` measures them over seeds
    (docs/scenarios.md has the table):
    """),
    code("""
    from arena.effects import effects_frame

    effects_frame(scenario.effects)[["effect", "metric", "control", "from", "to", "sign", "expected", "source"]]
    """),
    md("""
    ## 1. The spiral and the tightening
    """),
    code("""
    def shade_tightening(ax, frame=df):
        ax.fill_between(frame.index / config.ticks_per_year, 0, 1, where=frame.tightening > 0,
                        transform=ax.get_xaxis_transform(), color="C3", alpha=0.12, label="tightening")


    fig, axes = plt.subplots(2, 2, figsize=(12, 7), sharex=True)
    ax = axes[0, 0]
    ax.plot(years, 100 * df.money_growth, label="money growth (measured)")
    ax.plot(years, 100 * df.money_growth_target, label="money-growth target", alpha=0.7)
    ax.set(title="Money", ylabel="[%/year]")
    ax = axes[0, 1]
    ax.plot(years, 100 * df.inflation, label="CPI inflation")
    ax.plot(years, 100 * df.expected_inflation, label="expected inflation")
    ax.plot(years, 100 * df.structural_inflation, label="structural inflation", alpha=0.6)
    ax.axhline(100 * config.tightening_threshold, color="C3", ls=":", label="tightening threshold")
    ax.set(title="Inflation", ylabel="[%/year]")
    ax = axes[1, 0]
    ax.plot(years, 100 * df.policy_rate, label="policy rate")
    ax.plot(years, 100 * df.taylor_rate, label="Taylor-rule rate", alpha=0.6)
    ax.plot(years, 100 * df.real_rate, label="real rate", ls="--")
    ax.set(title="Interest rates", ylabel="[%/year]", xlabel="time [years]")
    ax = axes[1, 1]
    ax.plot(years, 100 * df.unemployment, label="unemployment")
    ax.plot(years, 100 * df.output_gap, label="output gap")
    ax.set(title="Real economy", ylabel="[% of labour force / of potential]", xlabel="time [years]")
    for ax in axes.flat:
        shade_tightening(ax)
        ax.legend(fontsize=8)
    fig.tight_layout()
    """),
    code("""
    events = model.events()
    events[events.type.isin(["monetary_tightening", "tightening_ended", "quantitative_easing", "qe_ended"])]
    """),
    md("""
    The engine's alert rules watch the same series (`arena.alerts`; docs/model.md, section 18):
    the `inflation` alert fires when inflation passes 10% (`tightening_threshold`) and resolves
    only once it is back under 8%, so each stop-go episode is one alert, not a flurry.
    `model.alerts()` lists them with the tick they fired and resolved and the peak value:
    """),
    code("""
    alerts = model.alerts()
    alerts[["alert", "subject", "severity", "threshold", "clear", "peak", "fired_tick", "resolved_tick",
            "duration"]]
    """),
    md("""
    ## 2. The Taylor rule, checked on the output

    Taylor (1993): `i = r* + π + 0.5 (π − π*) + 0.5 · gap`, with `r* = neutral_real_rate`,
    `π* = base_inflation_rate` and the output gap `(Y − Y*) / Y*`. The `taylor_rate` column is
    what the rule prescribes each tick; the policy rate follows it with partial adjustment
    (`rate_smoothing`), plus `tightening_step` while tightening, within the zero lower bound.
    Recomputing the rule from the inflation and output-gap columns reproduces the column:
    """),
    code("""
    rule = (config.neutral_real_rate + df.inflation
            + config.taylor_inflation_coef * (df.inflation - config.base_inflation_rate)
            + config.taylor_output_coef * df.output_gap)
    print("largest |rule − taylor_rate column|:", float((rule - df.taylor_rate).abs().max()))

    fig, ax = plt.subplots(figsize=(6, 4))
    ax.scatter(100 * df.taylor_rate, 100 * df.policy_rate, s=4, c=df.tightening, cmap="coolwarm")
    lim = [min(0, 100 * df.taylor_rate.min()), 100 * df.taylor_rate.max()]
    ax.plot(lim, lim, color="grey", ls=":")
    ax.set(title="Policy rate against the rule (red: tightening)", xlabel="Taylor-rule rate [%/year]",
           ylabel="policy rate [%/year]");
    """),
    md("""
    ## 3. The quantity equation `M·V = P·Y`

    Arena measures velocity as `V = nominal final sales per year / M`, so `M·V = P·Y` holds as an
    identity (with `P·Y` = `nominal_output`, `P = CPI/100`). The identity is checked first; the
    content of the quantity *theory* is the claim that V and Y are stable, so that inflation
    follows money growth. The growth-rate form over quarterly windows (63 ticks),
    `Δln M + Δln V = Δln P + Δln Y`, shows how much of inflation came from money and how much
    from velocity and real growth.
    """),
    code("""
    identity = (df.money_supply * df.velocity / df.nominal_output - 1).abs().max()
    print(f"max relative deviation of M·V from P·Y: {identity:.2e}")

    W = 63  # ticks per quarter
    P = df.cpi / 100
    Y = df.nominal_output / P              # real final sales [goods-basket units/year]
    annual = config.ticks_per_year / W     # annualise log changes over a window
    growth = pd.DataFrame({
        "money growth  Δln M": np.log(df.money_supply).diff(W) * annual,
        "velocity change  Δln V": np.log(df.velocity).diff(W) * annual,
        "real growth  −Δln Y": -np.log(Y).diff(W) * annual,
    }).iloc[W::W]
    inflation = (np.log(P).diff(W) * annual).iloc[W::W]
    print("largest gap between the two sides:", float((growth.sum(axis=1) - inflation).abs().max()))

    fig, ax = plt.subplots(figsize=(11, 4))
    (100 * growth).plot.bar(ax=ax, stacked=True, width=0.8, alpha=0.8)
    ax.plot(range(len(inflation)), 100 * inflation.to_numpy(), "ko-", label="inflation  Δln P")
    ax.set_xticks(range(len(inflation)), [f"{t / config.ticks_per_year:.2f}" for t in inflation.index], rotation=0)
    ax.set(title="Quarterly growth accounting: inflation = money + velocity − real growth",
           ylabel="[%/year, log]", xlabel="end of quarter [years]")
    ax.legend(fontsize=8);
    """),
    md("""
    ### Money growth and inflation across runs

    Long-run neutrality says that a permanently higher money growth ends up as higher inflation,
    one for one if velocity and real growth do not change. We run the money rule at several
    growth rates (same seed, automatic tightening switched off by a very high threshold so the
    rule is not overridden; 10,000 households to keep this quick) and compare average money
    growth and inflation over the second 200 ticks.
    """),
    code("""
    rates = [0.0, 0.04, 0.08, 0.12]
    rows = []
    start = time.perf_counter()
    for k in rates:
        sweep = config.replace(n_agents=10_000, money_growth=k, tightening_threshold=5.0)
        frame = run(sweep, 400).indicators().iloc[200:]
        rows.append({"money_growth parameter [1/year]": k,
                     "measured money growth [1/year]": frame.money_growth.mean(),
                     "inflation [1/year]": frame.inflation.mean(),
                     "velocity change [1/year]": np.log(frame.velocity.iloc[-1] / frame.velocity.iloc[0])
                     * config.ticks_per_year / len(frame),
                     "unemployment [-]": frame.unemployment.mean()})
    neutrality = pd.DataFrame(rows)
    print(f"{len(rates)} runs in {time.perf_counter() - start:.1f} s")
    slope = np.polyfit(neutrality["measured money growth [1/year]"], neutrality["inflation [1/year]"], 1)[0]
    print(f"slope of inflation on money growth: {slope:.2f} (quantity theory, constant V and Y: 1)")
    neutrality.round(4)
    """),
    code("""
    fig, ax = plt.subplots(figsize=(5.5, 4))
    x, y = 100 * neutrality.iloc[:, 1], 100 * neutrality.iloc[:, 2]
    ax.scatter(x, y, s=40)
    lim = [min(x.min(), y.min()) - 1, max(x.max(), y.max()) + 1]
    ax.plot(lim, lim, color="grey", ls=":", label="one for one")
    ax.set(xlabel="money growth [%/year]", ylabel="inflation [%/year]", title="Averages over ticks 200-400")
    ax.legend();
    """),
    md("""
    ## 4. The Phillips curve

    No Phillips curve is written into the engine. Each firm moves its own wage at its reviews with
    its own vacancy pressure (docs/model.md 6.2): firms that cannot fill their jobs (a tight labour
    market fills vacancies slowly through the matching function) bid wages up, firms with no
    vacancies let them fall behind expected inflation plus productivity growth. Prices are markups
    over unit cost, so wage costs reach prices at the firms' staggered reviews. Whether wage and
    price inflation fall with unemployment is therefore an outcome (Phillips 1958; Samuelson &
    Solow 1960); `phillips_slope` only draws the reference line `phillips_inflation`. We estimate
    both slopes from the mean wage and the CPI.
    """),
    code("""
    window = 63   # wage growth annualised over a quarter, like measured inflation
    wage_growth = (df.wage / df.wage.shift(window)) ** (config.ticks_per_year / window) - 1
    wage = pd.DataFrame({"gap": config.natural_unemployment - df.unemployment,
                         "excess": wage_growth - df.expected_inflation}).dropna()
    kappa_wage = np.polyfit(wage.gap, wage.excess, 1)[0]
    prices = df[["unemployment", "inflation"]]
    kappa_price = np.polyfit(prices.unemployment, prices.inflation, 1)[0]
    print(f"wage Phillips slope (emergent, per unit of u* - u): {kappa_wage:.3f}")
    print(f"slope of CPI inflation on unemployment (emergent): {kappa_price:.2f}")

    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(12, 3.8))
    ax.scatter(100 * wage.gap, 100 * wage.excess, s=3, alpha=0.5)
    ax.set(title="Wage Phillips curve", xlabel="unemployment gap u* − u [%]",
           ylabel="wage growth − π_e [%/year]")
    ax2.scatter(100 * prices.unemployment, 100 * prices.inflation, s=3, alpha=0.5, c=prices.index, cmap="viridis")
    ax2.set(title="Price inflation and unemployment (colour: tick)", xlabel=label("unemployment", "%"),
            ylabel=label("inflation", "%/year"))
    fig.tight_layout()
    """),
    md("""
    ## 5. Compare the rules

    The same economy and the same helicopter drop under the default Taylor regime (money growth
    follows the rate through the liquidity effect) and under the loose money rule:
    """),
    code("""
    taylor = scenario.simulate(TICKS, {"n_agents": N_AGENTS, "monetary_regime": "taylor",
                                       "money_growth": 0.02}).indicators()
    summary = pd.DataFrame({
        name: {"mean inflation [1/year]": f.inflation.mean(), "peak inflation [1/year]": f.inflation.max(),
               "mean policy rate [1/year]": f.policy_rate.mean(),
               "ticks of tightening [ticks]": int(f.tightening.sum()),
               "mean unemployment [-]": f.unemployment.mean(), "CPI at the end [index]": f.cpi.iloc[-1]}
        for name, f in {f"money rule ({config.money_growth:.0%}/year)": df, "Taylor rule": taylor}.items()})
    summary.round(3)
    """),
    md("""
    ## 6. The government, the central bank's balance sheet and the two matrices

    The government taxes wages and profits, pays unemployment benefits, buys goods (a share of
    potential output) and finances its deficit with bonds, held by banks and the central bank; QE
    buys bonds with new reserves, and the central bank's profit goes to the government
    (docs/model.md 10.2). Here a fiscal stimulus of 2% of potential output for 100 ticks meets the
    same seed without it; then the balance sheet now and the transactions of the last tick, in
    the Godley-Lavoie layout: every financial row of the first and every row and column of the
    second sums to zero (docs/model.md 10.3).
    """),
    code("""
    from arena.multiplier import cumulative_multiplier

    def fiscal_run(stimulus, ticks=250):
        model = ArenaModel(n_agents=10_000, seed=3, check_accounting=True)
        for t in range(ticks):
            if stimulus and t == 100:
                model.apply_shock("fiscal", 0.02, duration=100)
            model.step()
        return model


    treated, control = fiscal_run(True), fiscal_run(False)
    a, b = treated.indicators(), control.indicators()
    print(f"cumulative multiplier over ticks 101-250 (one seed): {cumulative_multiplier(a, b, 101, 250):.2f}")
    fig, ax = plt.subplots(figsize=(9, 3.5))
    for column in ("tax_revenue", "benefits", "gov_spending", "deficit"):
        ax.plot(a.index, a[column], label=f"{column} (stimulus)")
        ax.plot(b.index, b[column], ls=":", color=ax.lines[-1].get_color())
    ax.axvspan(101, 200, alpha=0.1)
    ax.set(title="Government flows, stimulus (solid) vs the same seed without it (dotted)",
           xlabel="tick", ylabel="currency/tick")
    ax.legend(fontsize=8)
    plt.show()
    """),
    code("""
    treated.balance_sheet().round(0)
    """),
    code("""
    flows = treated.flow_matrix()
    print("largest |row sum|:", flows["total"].abs().max(), " largest |column sum|:",
          flows.drop(columns="total").sum().abs().max())
    flows.round(1)
    """),
]


# ---------------------------------------------------------------------------------------------
# 04 scenario batches
# ---------------------------------------------------------------------------------------------
BATCHES = [
    md("""
    # 04 · Scenario batches: parameter sweeps over seeds

    One run is one draw of the random economy. `arena.run_batch` runs a scenario over a parameter
    grid × seeds — on local processes or on a Dask cluster — and returns one tidy DataFrame (one
    row per run and tick), while writing each run to a Parquet dataset as soon as it finishes.

    Question: **how much of the market crash is due to herding?** We run the `market_crash`
    scenario with weak and strong herding over several seeds, draw uncertainty bands and summarise
    each run; then we answer the question the way an economist would, with an **experiment**: the
    same scenario with herding switched off, on the same seeds (`arena.experiment`), so that the
    difference between the two arms is the effect of herding. Finally part of the batch runs on a
    local Dask cluster, with identical numbers. Runtime: one to two minutes on two cores.
    """),
    code(SETUP + textwrap.dedent("""
        import shutil
        from pathlib import Path

        from arena import run_batch
        from arena.batch import bands, summarize
        from arena.scenarios import with_config
        """)),
    code("""
    N_AGENTS = 10_000                                # per run: a batch is many runs
    scenario = with_config(arena.load_scenario("market_crash"), n_agents=N_AGENTS)
    PANIC_TICK = scenario.shocks[0].tick
    TICKS = PANIC_TICK + 100                         # the crash window of the scenario's expectations
    GRID = {"herding_strength": [0.2, 0.8]}
    SEEDS = [1, 2, 3, 4]

    # results land in data/batches/<name>/ (git-ignored); the notebook runs in notebooks/
    OUT = Path("..", "data", "batches", "notebook_04_market_crash")
    shutil.rmtree(OUT, ignore_errors=True)          # start fresh (keep it to resume a batch instead)
    print(scenario.description)
    print(f"{len(GRID['herding_strength']) * len(SEEDS)} runs of {TICKS} ticks, {N_AGENTS:,} households each")
    """),
    md("""
    ## 1. Run the batch on local processes

    `backend="processes"` uses a process pool (one worker per core); `"serial"` runs in this
    process; a Dask `Client` (or a scheduler address) runs on a cluster (section 5). Every backend
    runs the same function on the same seeds.
    """),
    code("""
    start = time.perf_counter()
    frame = run_batch(scenario, grid=GRID, seeds=SEEDS, ticks=TICKS, backend="processes", workers=2,
                      out_dir=OUT, progress=False)
    print(f"{time.perf_counter() - start:.1f} s;", frame.attrs["batch"])
    frame[["scenario", "run_id", "herding_strength", "seed", "tick", "price_equity", "fear", "inflation"]].head()
    """),
    md("""
    The dataset on disk is partitioned by run (`run_id=<id>/part-0.parquet` plus a `_run.json`
    status file); pandas reads it back in one call:
    """),
    code("""
    print(sorted(p.name for p in OUT.iterdir())[:4], "...")
    on_disk = pd.read_parquet(OUT)
    print(on_disk.shape, "rows × columns on disk;", frame.shape, "returned")
    """),
    md("""
    ## 2. Uncertainty bands

    For each grid value and tick: the median across seeds and the 10%–90% band
    (`arena.batch.bands`).
    """),
    code("""
    panels = [("price_equity", "equity price [currency/share]", 1),
              ("fear", "fear index [0-1]", 1),
              ("herding", "herding factor [0-1]", 1),
              ("unemployment", "unemployment [%]", 100)]
    fig, axes = plt.subplots(2, 2, figsize=(12, 6.5), sharex=True)
    for ax, (column, ylabel, scale) in zip(axes.flat, panels):
        table = bands(frame, column, quantiles=(0.1, 0.9))
        for value, part in table.groupby("herding_strength"):
            line, = ax.plot(part.tick, scale * part["median"], label=f"herding_strength = {value}")
            ax.fill_between(part.tick, scale * part.low, scale * part.high, color=line.get_color(), alpha=0.2)
        ax.axvline(PANIC_TICK, color="k", ls=":", lw=1)
        ax.set(title=f"{column}: median and 10-90% band over {len(SEEDS)} seeds", ylabel=ylabel)
    for ax in axes[1]:
        ax.set_xlabel("tick [trading days]")
    axes[0, 0].legend()
    fig.tight_layout()
    """),
    md("""
    ## 3. Summary table

    `arena.batch.summarize` reduces each run to one row (peak inflation, max drawdown, annualised
    volatility, peak fear, final Gini, ...). Averaged over seeds, with the standard deviation
    across seeds as the uncertainty:
    """),
    code("""
    runs = summarize(frame, ticks_per_year=scenario.make_config().ticks_per_year)
    metrics = {"max_drawdown_equity": "max drawdown [-]", "volatility_equity": "equity volatility [1/sqrt(year)]",
               "peak_fear": "peak fear [-]", "peak_unemployment": "peak unemployment [-]",
               "qe_ticks": "ticks of QE [ticks]", "final_gini": "final Gini [-]"}
    table = runs.groupby("herding_strength")[list(metrics)].agg(["mean", "std"]).rename(columns=metrics, level=0)
    table.T.round(3)
    """),
    code("""
    fig, ax = plt.subplots(figsize=(6, 3.8))
    for value, part in runs.groupby("herding_strength"):
        ax.scatter(part.peak_fear, 100 * part.max_drawdown_equity, s=50, label=f"herding_strength = {value}")
    ax.set(xlabel="peak fear [0-1]", ylabel="max drawdown [%]", title="One point per run")
    ax.legend();
    """),
    md("""
    ## 4. The experiment: the crash with and without herding, on the same seeds

    The scenario file names its controls (`[arms]`) and states each effect it expects, with a sign,
    a range from economics and its source, written before the model was run. `arena.experiment`
    runs every arm on the same seeds (common random numbers: an arm differs from the scenario only
    by the intervention) and reports, per effect, the median across seeds, a bootstrap confidence
    interval of the median, the share of seeds with the expected sign, and whether the effect holds:

    * `crash`: the drawdown within 100 ticks of the panic, minus the same seeds without any shock;
    * `herding_deepens_crash`: minus the same seeds with `herding_strength = 0` (arm `no_herding`);
    * `fear_deepens_crash`: minus the same seeds without the panic (arm `no_panic`, fire sale only);
    * `crash_hits_jobs`: the extra peak unemployment.
    """),
    code("""
    from arena.experiment_plot import plot_arms

    OUT_EXP = Path("..", "data", "experiments", "notebook_04_market_crash")
    shutil.rmtree(OUT_EXP, ignore_errors=True)
    start = time.perf_counter()
    result = arena.experiment(scenario, seeds=SEEDS, ticks=TICKS, backend="processes", workers=2,
                              out_dir=OUT_EXP)
    print(f"{time.perf_counter() - start:.1f} s; arms: {', '.join(result.arms)}")
    result.table[["effect", "control", "sign", "min", "max", "median", "ci_low", "ci_high", "share_sign", "n",
                  "holds"]].round(3)
    """),
    md("""
    **How much of the crash is due to herding?** Per seed, the share of the crash (drawdown beyond
    the no-shock run) that disappears when herding is switched off:
    """),
    code("""
    per_seed = result.per_seed.pivot(index="seed", columns="effect", values="effect_value")
    share = per_seed["herding_deepens_crash"] / per_seed["crash"]
    print(pd.DataFrame({"crash (vs no shocks)": per_seed["crash"],
                        "due to herding (vs no_herding)": per_seed["herding_deepens_crash"],
                        "share due to herding": share}).round(3))
    print(f"median share of the crash due to herding: {share.median():.0%}")
    """),
    code("""
    plot_arms(result, ["price_equity", "fear", "herding", "unemployment"]);
    """),
    md("""
    If the share is small, the current model's crash does not come from herding: to see where it
    comes from, compare the `no_panic` arm (the fire sale at the price floor alone) with `no_shocks`.
    Effects where the model disagrees with the economics are listed (and their tests marked as
    expected failures) in docs/scenarios.md, until the model is fixed. From the command line:
    `arena experiment market_crash --ablate herding_strength=0 --seeds 1-20`.
    """),
    md("""
    ## 5. The same batch on a Dask cluster

    With `backend=<distributed.Client>` the runs go to the cluster's workers and come back to be
    written here. A `LocalCluster` stands in for a real cluster; for a remote one pass
    `Client("tcp://scheduler:8786")` (the workers need the same `arena` installed), or on the
    command line `arena batch market_crash --grid herding_strength=0.2,0.8 --seeds 1-4
    --scheduler tcp://scheduler:8786`. Runs are deterministic functions of (scenario, parameters,
    seed), so the cluster reproduces the local numbers bit for bit.
    """),
    code("""
    from dask.distributed import Client, LocalCluster

    OUT_DASK = Path("..", "data", "batches", "notebook_04_market_crash_dask")
    shutil.rmtree(OUT_DASK, ignore_errors=True)
    start = time.perf_counter()
    subset = {"herding_strength": GRID["herding_strength"][-1:]}   # a part of the batch: 2 runs
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster, \
            Client(cluster) as client:
        on_dask = run_batch(scenario, grid=subset, seeds=SEEDS[:2], ticks=TICKS, backend=client,
                            out_dir=OUT_DASK, progress=False)
    print(f"{time.perf_counter() - start:.1f} s (including the cluster's start-up);", on_dask.attrs["batch"])

    local = frame[frame.seed.isin(SEEDS[:2]) & frame.herding_strength.isin(subset["herding_strength"])]
    local = local.reset_index(drop=True)
    pd.testing.assert_frame_equal(on_dask.reset_index(drop=True), local)
    print("Dask results are identical to the local ones.")
    """),
    md("""
    ## Where results land

    * `data/batches/<name>/run_id=<id>/part-0.parquet` (+ `_run.json`): one directory per run;
      a batch that is stopped resumes where it stopped when run again with the same `out_dir`.
    * `data/runs/<name>/`: single runs from `arena.run(...)` or `arena run <scenario>` —
      `indicators.parquet`, `events.parquet`, `config.toml` (re-runnable), `metadata.json`,
      `indicators.png`.
    """),
]


# ---------------------------------------------------------------------------------------------
# 05 scarcity
# ---------------------------------------------------------------------------------------------
SCARCITY = [
    md("""
    # 05 · Scarcity: depletion, discovery and catastrophe on commodity prices

    Seven resources feed seven commodity markets: **finite** ones (oil, lithium, rare earths)
    are depleted by extraction, **renewable** ones (water, land) regrow logistically, and
    **artificial** ones (carbon credits, intellectual property) are issued by a rule. For each,
    the specification's formulas

    * scarcity level `s = 1 − reserves / base reserves`, in [0, 1]
    * price multiplier `m = 1 + s · max_multiplier · strategic_importance`

    scale the producer's marginal-cost curve, and the commodity's call auction turns costs into
    a price. Households buy commodities directly (part of the CPI basket) and firms buy them as
    inputs, so scarcity reaches consumer prices, output and employment (cost-push inflation).

    This notebook (about a minute) runs (1) depletion at a faster rate with random discoveries
    and catastrophes, (2) a controlled experiment: the same economy and seed, with an oil
    catastrophe or an oil discovery at tick 100, and the random draws switched off so that the
    shock is the only difference.
    """),
    code(SETUP),
    code("""
    from arena.scarcity import RESOURCES

    pd.DataFrame([{"resource": r.name, "kind": r.kind, "strategic_importance": r.strategic_importance,
                   "max_multiplier": r.max_multiplier, "firm input [units/good]": r.firm_input,
                   "household budget share [-]": r.household_share} for r in RESOURCES]).set_index("resource")
    """),
    md("""
    ## 1. Depletion, renewal and random discoveries

    Finite resources start partly depleted. By default producers develop new reserves as they
    extract them (`reserve_replacement` = 1: world oil reserves have kept pace with production
    since the 1980s), more when the resource is dearer. Here development is switched off
    (`reserve_replacement = 0`) and `depletion_rate = 0.004` (four times the default): a finite
    resource loses 0.4% of its base reserves per tick at base demand — a year of extraction
    equals the whole base stock — unless discoveries replenish it
    (`discovery_probability` per resource and tick, exponential sizes). As reserves run out the
    cost curve rises and, below 5% of base reserves, capacity shrinks; a backstop supply at a high
    price keeps the market open. Renewables regrow logistically toward their capacity; artificial
    resources follow their issuance rule.
    """),
    code("""
    TICKS = 400
    config = ArenaConfig.from_dict({"n_agents": 20_000, "seed": 5})


    def run(config, shock_tick=None, shock=None, ticks=TICKS):
        \"\"\"Run a model; apply `shock` = (kind, size, target dict) before tick `shock_tick`.\"\"\"
        model = ArenaModel(config)
        for _ in range(ticks):
            if shock is not None and model.tick == shock_tick:
                kind, size, target = shock
                model.apply_shock(kind, size, **target)
            model.step()
        return model


    start = time.perf_counter()
    depleting = run(config.replace(depletion_rate=0.004, reserve_replacement=0.0))
    dep = depleting.indicators()
    print(f"{time.perf_counter() - start:.1f} s")
    names = [r.name for r in RESOURCES]
    dep[[f"scarcity_{r}" for r in names]].iloc[::100].round(3)
    """),
    code("""
    years = dep.index / config.ticks_per_year
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(12, 3.8), sharex=True)
    for r in names:
        ax.plot(years, dep[f"scarcity_{r}"], label=r)
        ax2.plot(years, dep[f"price_{r}"] / dep[f"price_{r}"].iloc[0], label=r)
    events = depleting.events()
    for _, e in events[events.type.isin(["discovery_event", "catastrophic_event"])].iterrows():
        color = "C2" if e.type == "discovery_event" else "C3"
        ax.axvline(e.tick / config.ticks_per_year, color=color, alpha=0.25, lw=1)
    ax.set(title="Scarcity level (green lines: discoveries, red: catastrophes)", xlabel="time [years]",
           ylabel=label("scarcity_oil").replace("_oil", ""))
    ax2.set(title="Commodity prices", xlabel="time [years]", ylabel="price / price at tick 1 [-]")
    ax.legend(ncol=2, fontsize=8)
    fig.tight_layout()
    """),
    code("""
    events[events.type.isin(["discovery_event", "catastrophic_event", "critical_scarcity"])][
        ["tick", "type", "resource", "size", "scarcity"]].head(12)
    """),
    md("""
    The multiplier is the specification's linear formula; the observed price rises with it,
    less than one for one when the auction finds demand falling at the higher cost (households
    spend a fixed budget share on commodities; firms' input orders are Leontief, a fixed amount
    per unit of output, so their demand falls only as their output falls):
    """),
    code("""
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.4))
    for ax, r in zip(axes, ["oil", "lithium", "rare_earths"]):
        ax.scatter(dep[f"price_multiplier_{r}"], dep[f"price_{r}"], s=4, c=years, cmap="viridis")
        ax.set(title=r, xlabel=label(f"price_multiplier_{r}"), ylabel=label(f"price_{r}"))
    fig.tight_layout()
    """),
    md("""
    ## 2. Controlled experiment: an oil catastrophe and an oil discovery

    Same config and seed, random discoveries and catastrophes off. At tick 100 we apply
    `apply_shock("catastrophe", 0.5, resource="oil")` (half the reserves destroyed, half the
    extraction capacity blocked for `catastrophe_duration` ticks) or
    `apply_shock("discovery", 1.0, resource="oil")` (new reserves equal to the base reserves).
    """),
    code("""
    quiet = config.replace(discovery_probability=0.0, catastrophe_probability=0.0)
    SHOCK_TICK, CONTROL_TICKS = 100, 300
    start = time.perf_counter()
    runs = {
        "no shock": run(quiet, ticks=CONTROL_TICKS).indicators(),
        "oil catastrophe": run(quiet, SHOCK_TICK, ("catastrophe", 0.5, {"resource": "oil"}),
                               ticks=CONTROL_TICKS).indicators(),
        "oil discovery": run(quiet, SHOCK_TICK, ("discovery", 1.0, {"resource": "oil"}),
                             ticks=CONTROL_TICKS).indicators(),
    }
    print(f"three runs in {time.perf_counter() - start:.1f} s")
    """),
    code("""
    def compare(columns, runs=runs, scale=None, titles=None):
        \"\"\"One panel per column, one line per run; the shock tick marked.\"\"\"
        fig, axes = plt.subplots(1, len(columns), figsize=(4 * len(columns), 3.4), sharex=True)
        for ax, column in zip(np.atleast_1d(axes), columns):
            for name, frame in runs.items():
                values = frame[column] * (scale or {}).get(column, 1.0)
                ax.plot(frame.index, values, label=name, alpha=0.85)
            ax.axvline(SHOCK_TICK, color="grey", ls=":")
            unit = "%/year" if (scale or {}).get(column) == 100 and COLUMNS[column][0] == "1/year" else None
            unit = unit or ("%" if (scale or {}).get(column) == 100 else None)
            ax.set(title=(titles or {}).get(column, column), xlabel="tick [days]", ylabel=label(column, unit))
        np.atleast_1d(axes)[0].legend(fontsize=8)
        fig.tight_layout()
        return fig


    compare(["reserves_oil", "scarcity_oil", "price_oil"]);
    """),
    md("""
    **Pass-through to the economy.** Oil is 6% of the household basket and a Leontief input of
    every consumption-goods firm (0.04 units per good): a catastrophe raises the CPI directly and
    raises firms' unit costs, which they pass into their prices at their reviews (cost push); an
    unfilled oil order would cut output one for one. The central bank's reaction to the jump in
    headline inflation lowers demand too (docs/validation.md). A discovery does the opposite.
    """),
    code("""
    compare(["cpi", "inflation", "output", "unemployment"],
            scale={"inflation": 100, "unemployment": 100});
    """),
    code("""
    window = slice(SHOCK_TICK + 1, SHOCK_TICK + 100)
    table = pd.DataFrame({
        name: {
            "peak oil price [currency/unit]": frame.price_oil.loc[window].max(),
            "peak inflation [1/year]": frame.inflation.loc[window].max(),
            "min output [goods/tick]": frame.output.loc[window].min(),
            "peak unemployment [-]": frame.unemployment.loc[window].max(),
            f"CPI at tick {CONTROL_TICKS} [index]": frame.cpi.iloc[-1],
            "policy rate, mean after shock [1/year]": frame.policy_rate.loc[window].mean(),
        }
        for name, frame in runs.items()
    })
    table.round(3)
    """),
    md("""
    ## 3. Explore

    Pick a resource and an indicator prefix to compare the three runs (the widget calls the
    same `compare` function as the figures above).
    """),
    code("""
    from arena.notebook_widgets import figure_explorer


    def explore(resource="oil", quantity="price"):
        return compare([f"{quantity}_{resource}", "cpi"])


    figure_explorer(explore, resource=names,
                    quantity=["price", "scarcity", "price_multiplier", "reserves", "volume",
                              "consumer_surplus", "producer_surplus"])
    """),
    md("""
    ## 4. The same experiment as a scenario

    The scenario files package such experiments: `oil_shock` (a catastrophe destroying 60% of oil
    reserves and capacity), `resource_discovery` (giant oil and lithium fields) and `carbon_cap`
    (a carbon-credit cap declining 50% a year). Each states its expected effects against named
    controls (the same economy without the shock; for the oil shock also a central bank that does
    not react), with a sign, a range from economics and its source; `arena.experiment` measures
    them over seeds (the test suite does, and docs/scenarios.md has the table), e.g.
    `arena experiment oil_shock --seeds 1-10` on the command line.
    """),
    code("""
    from arena.effects import effects_frame

    oil = arena.load_scenario("oil_shock")
    print(f"{oil.name}: {oil.description}")
    effects_frame(oil.effects)[["effect", "metric", "treatment", "control", "sign", "expected", "source"]]
    """),
    md("""
    Notebook 04 shows how to repeat a scenario over seeds and parameter values.
    """),
]


# 06 validation: its cells live in scripts/nb_validation.py
sys.path.insert(0, str(Path(__file__).resolve().parent))
from nb_validation import cells as _validation_cells  # noqa: E402

VALIDATION = _validation_cells(md, code, SETUP)

# 07 credit and the crash: its cells live in scripts/nb_credit.py
from nb_credit import cells as _credit_cells  # noqa: E402

CREDIT = _credit_cells(md, code, SETUP)

NOTEBOOKS = {
    "01_quickstart.ipynb": QUICKSTART,
    "02_market_crash.ipynb": CRASH,
    "03_inflation_spiral.ipynb": INFLATION,
    "04_scenario_batches.ipynb": BATCHES,
    "05_scarcity.ipynb": SCARCITY,
    "06_validation.ipynb": VALIDATION,
    "07_credit_crash.ipynb": CREDIT,
}


def build(cells: list) -> nbformat.NotebookNode:
    """A notebook with the given cells, the python3 kernel and no outputs."""
    nb = nbformat.v4.new_notebook()
    nb.cells = cells
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    nb.metadata["language_info"] = {"name": "python"}
    # deterministic cell ids keep regenerated notebooks diff-free
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{i:02d}"
    nbformat.validate(nb)
    return nb


def main(argv: list[str] | None = None) -> int:
    """Write (or with --check, compare) every notebook; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if a notebook differs from its source")
    args = parser.parse_args(argv)
    OUT.mkdir(exist_ok=True)
    stale = []
    for name, cells in NOTEBOOKS.items():
        text = nbformat.writes(build(cells)) + "\n"
        path = OUT / name
        if args.check:
            if not path.exists() or path.read_text() != text:
                stale.append(name)
        else:
            path.write_text(text)
            print(f"wrote {path.relative_to(ROOT)}")
    if stale:
        print("stale notebooks (run scripts/make_notebooks.py):", ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
