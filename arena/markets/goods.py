"""Goods by search (households buy from C-firms) and machines by order (C-firms from K-firms).

Consumption goods ([A] sec. 2.4; CATS "current supplier" variant, NOTES.md): each household
keeps a current shop; a share ``search_share`` re-searches each tick, comparing its shop
with ``search_size - 1`` random living firms, and moves to the cheapest that has stock
with Caiani et al. (2016)'s probability ``1 - exp(eps (p_new - p_old) / p_new)``
(eps = ln2 / 0.2), always if its own shop has closed.
Then every household sends its goods budget to its shop. A shop whose demand exceeds its
stock serves every customer the same share ``min(1, stock / demand)`` (pro-rata rationing,
one ``bincount``; it replaces [A]'s random queue), and rationed households carry the unspent
budget to one random other living shop, twice (spillover); a household served there keeps
that shop as its new one ([C]: rationed buyers turn to the other firms they know). A
household's own shop books the units asked for, served or not (the demand signal of the
price/quantity rule); a spillover shop books what it sells, so an unmet budget is not
counted three times.

Machines: a C-firm's outstanding order goes to its chosen K-firm; a K-firm with less
stock than ordered delivers pro rata. Orders are paid on delivery from deposits above a
five-tick wage buffer.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from arena.blocks import work_array
from arena.kernels import sums_by_index
from arena.markets import kernels
from arena.population import bernoulli_indices

#: Spillover rounds for rationed households (each visits one more random shop).
SPILLOVER_ROUNDS = 2
#: [C]'s intensity of switching to a cheaper supplier, ln 2 / 0.2 (Caiani et al. 2016).
SWITCH_INTENSITY = np.log(2.0) / 0.2
#: Ticks of wage bill a C-firm keeps before paying for machines.
INVESTMENT_BUFFER_TICKS = 5.0


@dataclass
class GoodsResult:
    """Outcome of one tick of the consumption-goods market.

    Attributes
    ----------
    spent : numpy.ndarray
        Currency each household spent on goods, shape (N,).
    sold, revenue, booked : numpy.ndarray
        Per firm: units sold, currency received, units demanded (booked), shape (F,).
    """

    spent: np.ndarray
    sold: np.ndarray
    revenue: np.ndarray
    booked: np.ndarray


def switch_probability(p_new: np.ndarray, p_old: np.ndarray) -> np.ndarray:
    """[C]'s probability of leaving a supplier for a cheaper one: ``1 - exp(eps (p_new - p_old) / p_new)``.

    0 when the new price is not lower; ``eps = ln 2 / 0.2`` (:data:`SWITCH_INTENSITY`): a
    20 % cheaper offer is taken half the time. A closed supplier (price inf) is always left;
    ``p_new`` must be finite and > 0.
    """
    gap = np.minimum(p_new - p_old, 0.0) / p_new  # <= 0; -inf for a closed old supplier
    return -np.expm1(SWITCH_INTENSITY * gap)


def search(supplier: np.ndarray, price: np.ndarray, stock: np.ndarray, alive: np.ndarray,
           share: float, size: int, rng: np.random.Generator) -> None:
    """Let a share of households compare their shop with ``size - 1`` others (in place).

    The searcher finds the cheapest sampled shop with stock and moves there with
    :func:`switch_probability` against its own shop's price; a closed shop is always left
    (a sold-out shop is not: its customers spill over this tick and stay loyal).
    """
    living = np.flatnonzero(alive)
    if living.size == 0 or share <= 0 or size < 2:
        return
    movers = bernoulli_indices(supplier.size, share, rng)
    if movers.size == 0:
        return
    effective = np.where(alive & (stock > 0), price, np.inf)
    draws = rng.integers(0, living.size, (movers.size, size - 1))
    # the first cheapest sampled shop with stock, the searchers who found one and the prices
    # they compare in one compiled pass (arena.markets.kernels: bit-identical); the draws and
    # switch_probability stay numpy's
    best, found = np.empty(movers.size, dtype=np.intp), np.empty(movers.size, dtype=np.intp)
    p_new, p_old = np.empty(movers.size), np.empty(movers.size)
    k = kernels.cheapest_sampled(movers, draws, living, effective, supplier, price, alive, best, p_new, p_old,
                                 found)
    probability = switch_probability(p_new[:k], p_old[:k])
    kernels.apply_switches(supplier, movers, found[:k], best[:k], rng.random(k), probability)


def sell(supplier: np.ndarray, budget: np.ndarray, goods_share: float, other_share: float,
         price: np.ndarray, stock: np.ndarray, alive: np.ndarray, rng: np.random.Generator) -> GoodsResult:
    """Clear the consumption-goods market by search (module doc); ``stock`` is not modified.

    ``supplier`` is updated in place for households served by a spillover shop.

    Parameters
    ----------
    supplier : numpy.ndarray of intp
        Each household's shop, shape (N,).
    budget : numpy.ndarray
        Whole consumption budget per household (currency), shape (N,), >= 0.
    goods_share : float
        Share of the budget meant for goods, in [0, 1].
    other_share : float
        Share of the budget already spent elsewhere (commodities), added to ``spent``.
    price, stock : numpy.ndarray
        Per firm: price (currency/unit, > 0) and units on offer (>= 0), shape (F,).
    alive : numpy.ndarray of bool
        Living firms.

    Returns
    -------
    GoodsResult
        ``spent`` is each household's whole spending: goods plus ``other_share`` of budget.
    """
    f = price.size
    # the passes over households run in compiled loops (arena.markets.kernels: the bincount's sums
    # in household order; the spending and the rationed households in one pass)
    value = np.zeros(f)
    sums_by_index(supplier, budget, value)
    # the per-shop arithmetic and each spillover round in compiled loops too (the same
    # operations in the same order; the draws stay numpy's)
    fill, sold, booked, short, paid_share = kernels.shop_fills(value, float(goods_share), price, stock,
                                                               float(other_share))
    spent = np.empty_like(budget)
    rationed = work_array("goods.rationed", supplier.size, np.intp)  # its front: a temporary of this call
    n_rationed = kernels.served_spending(budget, supplier, paid_share, short, spent, rationed)
    living = np.flatnonzero(alive)
    if n_rationed and living.size:
        rationed = rationed[:n_rationed]
        shop_fill = np.take(fill, np.take(supplier, rationed))
        residual = np.take(budget, rationed) * goods_share * (1.0 - shop_fill)
        for _ in range(SPILLOVER_ROUNDS):
            if n_rationed == 0:
                break
            shop = living[rng.integers(0, living.size, n_rationed)]
            n_rationed = kernels.spill_round(shop, residual[:n_rationed], rationed[:n_rationed], price, stock,
                                             sold, booked, spent, supplier)
    sold = np.minimum(sold, stock)
    return GoodsResult(spent=spent, sold=sold, revenue=sold * price, booked=booked)


def deliver_machines(cfirms, kfirms) -> tuple[float, float]:
    """Deliver ordered machines from K-firms' stock to C-firms; returns (units, value).

    Updates both sectors in place: capital, orders, deposits, inventories, sales.
    """
    order = np.where(cfirms.alive, cfirms.k_order, 0.0)
    supplier = cfirms.k_supplier
    kprice = kfirms.price[supplier]
    buffer = INVESTMENT_BUFFER_TICKS * cfirms.wage * cfirms.workers * cfirms.paid_hours()
    afford = np.maximum(cfirms.deposits - buffer, 0.0) / kprice
    want = np.where(kfirms.alive[supplier], np.minimum(order, afford), 0.0)
    if not want.any():
        return 0.0, 0.0
    k = kfirms.n
    asked = np.bincount(supplier, weights=want, minlength=k)
    fill = np.ones(k)
    np.divide(kfirms.inventory, asked, out=fill, where=asked > kfirms.inventory)
    got = want * fill[supplier]
    paid = got * kprice
    cfirms.capital += got
    cfirms.k_order -= got
    np.maximum(cfirms.k_order, 0.0, out=cfirms.k_order)
    cfirms.deposits -= paid
    np.maximum(cfirms.deposits, 0.0, out=cfirms.deposits)  # rounding guard: paid <= deposits
    units = np.bincount(supplier, weights=got, minlength=k)
    receipts = np.bincount(supplier, weights=paid, minlength=k)
    kfirms.inventory = np.maximum(kfirms.inventory - units, 0.0)
    kfirms.deposits += receipts
    kfirms.sales = units
    kfirms.sales_acc += units
    kfirms.profit_acc += receipts
    cfirms.profit_acc -= paid
    cfirms.machines_paid += paid  # added back to the buyer's earnings (arena.sectors.corporate.book_earnings)
    return float(got.sum()), float(paid.sum())


def government_purchase(budget: float, price: np.ndarray, stock: np.ndarray, weights: np.ndarray,
                        alive: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Spread the government's order of ``budget`` over living C-firms and buy what they have left.

    The government orders from every living firm in proportion to ``weights`` (its planned
    output: public procurement follows capacity), at posted prices, after the households
    have bought (it never rations a household). A firm whose remaining stock falls short
    fills the order pro rata; the unspent budget stays with the government.

    Parameters
    ----------
    budget : float
        Currency the government orders this tick, >= 0.
    price, stock, weights : numpy.ndarray
        Per firm: posted price (> 0), units left after households (>= 0), order weight
        (>= 0), shape (F,).
    alive : numpy.ndarray of bool
        Living firms.

    Returns
    -------
    sold, wanted : numpy.ndarray
        Units each firm sells to the government and the units it was asked for (booked as
        demand), shape (F,).
    """
    w = np.where(alive, np.maximum(weights, 0.0), 0.0)
    total = float(w.sum())
    if budget <= 0 or total <= 0:
        zero = np.zeros(price.size)
        return zero, zero.copy()
    wanted = (budget / total) * w / price
    return np.minimum(wanted, np.maximum(stock, 0.0)), wanted
