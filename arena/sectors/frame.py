"""Per-firm state as a DataFrame (``ArenaModel.firms_frame()``) and firm-sector statistics."""

from __future__ import annotations

import numpy as np
import pandas as pd


def firms_frame(model) -> pd.DataFrame:
    """One row per firm slot: C-firms (``sector == "consumption"``) then K-firms (``"capital"``).

    Columns: ``sector``, ``alive``, ``price`` (currency/unit), ``markup``, ``unit_cost``
    (currency/unit), ``wage`` (currency/worker/tick), ``workers``, ``labour_demand``,
    ``vacancies``, ``planned`` and ``output`` (units/tick), ``sales`` (units/tick),
    ``inventory`` (units), ``deposits`` (currency), ``capital`` (machines; 0 for K-firms),
    ``k_order`` (machines on order), ``efficiency`` (the firm's productivity over the common
    level, > 0).
    """
    cf, kf = model.cfirms, model.kfirms
    kcost = kf.compute_unit_cost()

    def part(firms, sector, unit_cost, capital, order):
        return pd.DataFrame({
            "sector": sector,
            "alive": firms.alive.copy(),
            "price": firms.price.copy(),
            "markup": firms.markup.copy(),
            "unit_cost": np.asarray(unit_cost, dtype=float).copy(),
            "wage": firms.wage.copy(),
            "workers": firms.workers.copy(),
            "labour_demand": firms.labour_demand.copy(),
            "vacancies": firms.vacancies(),
            "planned": firms.planned.copy(),
            "output": firms.output.copy(),
            "sales": firms.sales.copy(),
            "inventory": firms.inventory.copy(),
            "deposits": firms.deposits.copy(),
            "capital": capital,
            "k_order": order,
            "efficiency": firms.efficiency.copy(),
        })

    frame = pd.concat([
        part(cf, "consumption", cf.unit_cost, cf.capital.copy(), cf.k_order.copy()),
        part(kf, "capital", kcost, np.zeros(kf.n), np.zeros(kf.n)),
    ], ignore_index=True)
    frame.index.name = "firm"
    return frame


def price_dispersion(prices: np.ndarray, alive: np.ndarray) -> float:
    """Coefficient of variation (std / mean) of living firms' prices; 0 with fewer than two."""
    p = prices[alive]
    if p.size < 2:
        return 0.0
    top = float(p.max())
    if not top > 0:
        return 0.0
    q = p / top  # scale-free, and the squares in std cannot overflow at extreme price levels
    return float(q.std() / q.mean())


def mean_markup(markup: np.ndarray, sales: np.ndarray, alive: np.ndarray) -> float:
    """Sales-weighted mean markup of living firms (simple mean when nothing sold)."""
    w = np.where(alive, sales, 0.0)
    total = float(w.sum())
    if total > 0:
        return float(markup @ w / total)
    return float(markup[alive].mean()) if alive.any() else 0.0


#: Upper edges of the workforce classes of :func:`firms_summary` (workers; the last is open).
SIZE_CLASSES = (0, 9, 49, 249, 999)


def firms_summary(model) -> dict:
    """Summary of the firm sector (JSON-ready): counts, size distribution, markups, turnover.

    Keys: ``n_firms``, ``n_kfirms`` (living), ``slots`` (C and K), ``size_distribution``
    (living C- and K-firms per workforce class, labels like ``"10-49"``), ``markup``
    (mean, p10, p50, p90 of living C-firms), ``price_dispersion``, ``mean_price``,
    ``vacancies``, ``defaults_last_tick``, ``entries_last_tick``, ``defaults_total`` and
    ``entries_total`` (since tick 0), ``recapitalisation_total`` (currency), ``largest``
    (the five largest C-firms: id, workers, price, markup, market share of sales).
    """
    cf, kf = model.cfirms, model.kfirms
    alive = cf.alive
    workers = np.concatenate([cf.workers[alive], kf.workers[kf.alive]])
    edges = np.array(SIZE_CLASSES)
    bounds = zip(SIZE_CLASSES[:-1], SIZE_CLASSES[1:], strict=True)
    labels = ["0"] + [f"{lo + 1}-{hi}" for lo, hi in bounds] + [f"{SIZE_CLASSES[-1] + 1}+"]
    counts = np.bincount(np.searchsorted(edges, workers, side="left"), minlength=len(labels))
    mk = cf.markup[alive]
    q = np.percentile(mk, [10, 50, 90]) if mk.size else np.zeros(3)
    sales = float(cf.sales.sum())
    top = np.argsort(-np.where(alive, cf.workers, -1), kind="stable")[:5]
    return {
        "n_firms": int(alive.sum()),
        "n_kfirms": int(kf.alive.sum()),
        "slots": {"consumption": int(cf.n), "capital": int(kf.n)},
        "size_distribution": {label: int(c) for label, c in zip(labels, counts, strict=True)},
        "markup": {"mean": float(mk.mean()) if mk.size else 0.0, "p10": float(q[0]), "p50": float(q[1]),
                   "p90": float(q[2])},
        "price_dispersion": price_dispersion(cf.price, alive),
        "mean_price": cf.mean_price(),
        "vacancies": int(model.vacancies),
        "defaults_last_tick": int(model.firm_defaults),
        "entries_last_tick": int(model.firm_entries),
        "defaults_total": int(model.defaults_total),
        "entries_total": int(model.entries_total),
        "recapitalisation_total": float(model.recapitalisation),
        "largest": [
            {"id": int(i), "workers": int(cf.workers[i]), "price": float(cf.price[i]),
             "markup": float(cf.markup[i]), "sales_share": float(cf.sales[i] / sales) if sales > 0 else 0.0}
            for i in top if alive[i]
        ],
    }
