"""Figures of the validation: return distribution, acf of |r|, and the macro curves, model vs data.

Each function returns a matplotlib ``Figure`` (no pyplot state; saved when ``path`` is given).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from arena.validation import reference, stats
from arena.validation.finance import ABS_LAGS
from arena.validation.macro import to_quarters
from arena.validation.table import drop_burn_in, split_runs


def _figure(cols: int, rows: int = 1, width: float = 5.2, height: float = 3.6):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width * cols, height * rows), dpi=90, layout="constrained")
    return fig, np.atleast_1d(fig.subplots(rows, cols)).ravel()


def _returns(frames, burn_in: int, column: str = "price_equity") -> list[np.ndarray]:
    return [stats.log_returns(drop_burn_in(r, burn_in)[column].to_numpy(float)) for r in split_runs(frames)
            if column in r]


def _save(fig, path):
    if path is not None:
        fig.savefig(Path(path))
    return fig


def plot_return_distribution(frames, burn_in: int = 0, path=None):
    """Density of standardised daily returns (log scale): model (pooled seeds), NASDAQ, normal."""
    fig, (ax,) = _figure(1, width=6.5)
    grid = np.linspace(-8, 8, 81)
    centres = 0.5 * (grid[1:] + grid[:-1])
    nasdaq, _ = reference.daily_index("nasdaq")
    series = {"NASDAQ 1999-2018": nasdaq}
    model = [r for r in _returns(frames, burn_in) if r.size > 1 and r.std() > 0]
    if model:
        series["model (seeds pooled)"] = np.concatenate([(r - r.mean()) / r.std() for r in model])
    for name, r in series.items():
        z = (r - r.mean()) / r.std() if name.startswith("NASDAQ") else r
        density, _ = np.histogram(z, bins=grid, density=True)
        ax.semilogy(centres[density > 0], density[density > 0], marker=".", lw=1, label=name)
    ax.semilogy(centres, np.exp(-centres**2 / 2) / np.sqrt(2 * np.pi), "k--", lw=1, label="normal")
    ax.set(xlabel="standardised daily log return", ylabel="density", ylim=(1e-5, 1),
           title="Return distribution (fat tails: Cont 2001)")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    return _save(fig, path)


def plot_abs_acf(frames, burn_in: int = 0, path=None):
    """Autocorrelation of |r| at lags 1-100: model (median and range over seeds) vs NASDAQ and S&P 500."""
    fig, (ax,) = _figure(1, width=6.5)
    for name in ("nasdaq", "sp500"):
        r, _ = reference.daily_index(name)
        ax.plot(ABS_LAGS, stats.acf(np.abs(r), ABS_LAGS), lw=1.3, label=f"{name.upper()} 1999-2018")
    acfs = np.array([stats.acf(np.abs(r), ABS_LAGS) for r in _returns(frames, burn_in)])
    if acfs.size:
        line, = ax.plot(ABS_LAGS, np.nanmedian(acfs, axis=0), lw=1.6, label="model (median over seeds)")
        ax.fill_between(ABS_LAGS, np.nanmin(acfs, axis=0), np.nanmax(acfs, axis=0), color=line.get_color(),
                        alpha=0.2)
        n = min(r.size for r in _returns(frames, burn_in))
        ax.axhline(2 / np.sqrt(max(n, 1)), color="grey", ls=":", lw=1, label="2/sqrt(n)")
    ax.axhline(0, color="k", lw=0.6)
    ax.set(xlabel="lag (days / ticks)", ylabel="acf of |r|", title="Volatility clustering and its slow decay")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    return _save(fig, path)


def plot_macro_curves(frames, ticks_per_year: int = 250, burn_in: int = 0, path=None):
    """Okun, price Phillips, wage Phillips and Beveridge scatter plots: model quarters vs US quarters."""
    fig, axes = _figure(4, width=4.2, height=3.6)
    us = reference.us_quarters()
    quarters = [to_quarters(r, ticks_per_year, burn_in)[0] for r in split_runs(frames)]

    def curve(q, name):
        if name == "okun" and {"y", "u"} <= set(q):
            return np.diff(np.log(q["y"].to_numpy(float))), np.diff(q["u"].to_numpy(float))
        if name == "phillips" and {"p", "u"} <= set(q):
            return q["u"].to_numpy(float)[1:], 4 * np.diff(np.log(q["p"].to_numpy(float)))
        if name == "wage" and {"w", "u"} <= set(q):
            return q["u"].to_numpy(float)[1:], 4 * np.diff(np.log(q["w"].to_numpy(float)))
        if name == "beveridge" and {"v", "u"} <= set(q):
            return q["u"].to_numpy(float), np.log(np.maximum(q["v"].to_numpy(float), 1e-12))
        return None

    titles = {"okun": ("Okun", "dlog Y (quarterly)", "du"),
              "phillips": ("price Phillips", "u", "inflation (1/yr)"),
              "wage": ("wage Phillips", "u", "wage inflation (1/yr)"),
              "beveridge": ("Beveridge", "u", "log vacancies")}
    for ax, (name, (title, xl, yl)) in zip(axes, titles.items(), strict=True):
        xy = curve(us, name)
        if xy is not None:
            ax.scatter(*xy, s=6, alpha=0.5, color="C0", label="US 1959-2009")
        points = [curve(q, name) for q in quarters]
        points = [p for p in points if p is not None]
        if points:
            ax.scatter(np.concatenate([p[0] for p in points]), np.concatenate([p[1] for p in points]), s=6,
                       alpha=0.5, color="C1", label="model (seeds pooled)")
        if xy is None and not points:
            ax.text(0.5, 0.5, "no data (columns missing)", ha="center", transform=ax.transAxes)
        ax.set(title=title, xlabel=xl, ylabel=yl)
        ax.grid(alpha=0.3)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=7)
    return _save(fig, path)
