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
    ``k_order`` (machines on order).
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
    mean = float(p.mean())
    return float(p.std() / mean) if mean > 0 else 0.0


def mean_markup(markup: np.ndarray, sales: np.ndarray, alive: np.ndarray) -> float:
    """Sales-weighted mean markup of living firms (simple mean when nothing sold)."""
    w = np.where(alive, sales, 0.0)
    total = float(w.sum())
    if total > 0:
        return float(markup @ w / total)
    return float(markup[alive].mean()) if alive.any() else 0.0
