"""The corporate sector as a whole: tick-0 calibration, wages, dividends, default and entry.

* **Calibration** (tick 0 is a steady state): households' income equals their planned
  spending ``chi M / (1 - c_y)``; goods revenue is the goods share of it; the price is a
  markup ``initial_markup`` over unit cost (wage/alpha + inputs + depreciation per unit);
  K-firms' productivity makes the machine price equal the goods price (capital is counted
  in goods units at tick-0 prices); employment splits between C- and K-firms so that
  K-firms make the machines that replace depreciation (what C-firms order at tick 0).
* **Wages** are paid each tick from deposits. A firm that cannot pay its whole wage bill
  pays what it has pro rata and **defaults** (without loans, net worth cannot turn negative;
  illiquidity is the [C] default condition "no cash for wages"): its workers are laid off,
  its inventory is written off and half its capital is scrapped (fire-sale haircut 0.5,
  [C]); customers pick other shops. Losses fall on the owners, i.e. on the one listed
  equity claim on the corporate sector: lost dividends and the recapitalisation below.
* **Entry**: after ``entry_delay`` ticks the slot is re-entered by a firm at the mean price,
  wage and markup, half the median planned output, inheriting the remaining capital; its
  deposits (working capital and the machines it lacks) are paid in by the shareholders
  (households, in proportion to their shares, capped by their deposits): a recorded flow.
* **Dividends** (:func:`pay_dividends`): each tick a firm pays ``dividend_payout`` of its deposits
  above a buffer of ``buffer_ticks`` ticks of wage bill (and input bill); under the ``earnings``
  rule (the default) at most its positive earnings ``E_j`` (an EWMA of its booked profit per tick
  over a review interval, :func:`book_earnings`) and nothing while its debt exceeds
  ``target_leverage`` of its assets at book value::

      D_j = 1[lev_j <= lev*] * min(payout * max(M_j - buffer_j, 0), max(E_j, 0))

  Dividends come out of profits (Caiani et al. 2016 and Delli Gatti et al. 2011 pay a share
  of positive profits; company law allows distributions out of profits only), and a firm over
  its leverage target retains its earnings until its equity is rebuilt (restricted-payments
  covenants of loan and bond contracts: Smith & Warner 1979). The sum over firms is the
  equity's dividend.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Calibration:
    """Tick-0 steady state (currency per tick unless stated)."""

    price: float
    wage: float
    k_productivity: float
    c_workers: int
    k_workers: int
    dividends: float


def calibrate(cfg, n_agents: int, household_income: float, goods_share: float,
              coefficients: np.ndarray) -> Calibration:
    """Return the tick-0 steady state (see module doc)."""
    employed = int(round((1.0 - cfg.natural_unemployment) * n_agents))
    mu0 = cfg.initial_markup
    capital_cost = cfg.depreciation * cfg.capital_output / cfg.target_utilisation  # goods per unit at p_K = p
    labour_cost = 1.0 / (1.0 + mu0) - float(coefficients.sum()) - capital_cost   # share of the price
    labour_cost = max(labour_cost, 0.05)
    k_prod_per_alpha = (1.0 + mu0) * labour_cost          # alpha_K / alpha
    # K-firms are sized to the machines C-firms order at tick 0: their capital equals desired
    # capital, so their first orders replace depreciation only (no trend-growth part). Sizing
    # K-firms for depreciation + growth (the former rule) left a fifth of their output unsold:
    # machine stocks doubled, K-firms shed ~1040 of 4760 jobs in 100 ticks (20,000 households) and
    # potential output (C-share of jobs) jumped 7.8 % in 100 ticks (measured, seeds 1-3).
    # Growth investment comes as demand grows.
    ratio = cfg.depreciation * cfg.capital_output / cfg.target_utilisation / k_prod_per_alpha
    c_workers = max(int(round(employed / (1.0 + ratio))), 1)
    k_workers = max(employed - c_workers, 1)
    output = cfg.productivity * c_workers
    # the government buys the share g of output (its taxes, less benefits, pay for it: the
    # budget about balances), households' spending the rest (Godley & Lavoie 2007, SIM's
    # steady state: disposable income = output - G, all of it spent)
    public = min(max(cfg.gov_spending_share, 0.0), 0.9)
    price = goods_share * household_income / max((1.0 - public) * output, 1e-12)
    wage = labour_cost * price * cfg.productivity
    k_productivity = k_prod_per_alpha * cfg.productivity
    # all value added not paid as wages or inputs is profit, paid out: income = revenue identity
    profit = price * output * (1.0 - float(coefficients.sum())) - wage * (c_workers + k_workers)
    # floor: a 1 % margin, so the equity has a positive value in extreme calibrations
    return Calibration(price, wage, k_productivity, c_workers, k_workers, max(profit, 0.01 * price * output))


def pay_wages(firms) -> tuple[np.ndarray, np.ndarray]:
    """Pay each firm's wage bill from its deposits; return (wage paid per worker, defaulted mask).

    The bill is ``wage * workers * paid_hours`` (:meth:`arena.sectors.firms.FirmSector.paid_hours`:
    the standard week, plus overtime at its premium).
    """
    paid_hours = firms.paid_hours()
    bill = firms.wage * firms.workers * paid_hours
    short = firms.alive & (bill > firms.deposits)
    share = np.ones_like(bill)
    np.divide(firms.deposits, bill, out=share, where=short)
    paid = bill * share
    firms.deposits -= paid
    np.maximum(firms.deposits, 0.0, out=firms.deposits)
    firms.profit_acc -= paid
    return firms.wage * paid_hours * share, short


def pay_dividends(firms, payout: float, buffer_ticks: float, extra_bill: np.ndarray | float = 0.0,
                  leverage: np.ndarray | None = None, target_leverage: float = 1.0) -> float:
    """Pay each living firm's dividend out of its deposits; return the total (currency).

    Parameters
    ----------
    firms : FirmSector
        Its ``deposits`` fall by the dividends (in place).
    payout : float
        Share of the deposits above the buffer paid per tick, in [0, 1].
    buffer_ticks : float
        Buffer in ticks of wage bill (at the larger of workforce and labour demand) plus ``extra_bill``.
    extra_bill : numpy.ndarray or float
        Other outlays per tick in the buffer (C-firms' input bill), currency.
    leverage : numpy.ndarray, optional
        Debt over total assets at book value per firm, in [0, 1]. None: the ``cash`` rule, no cap
        by earnings or leverage; given: the ``earnings`` rule (module doc).
    target_leverage : float
        Leverage above which a firm pays nothing (``earnings`` rule), in [0, 1].
    """
    buffer = buffer_ticks * (firms.wage * np.maximum(firms.workers, firms.labour_demand) + extra_bill)
    div = np.where(firms.alive, payout * np.maximum(firms.deposits - buffer, 0.0), 0.0)
    if leverage is not None:
        div = np.where(leverage <= target_leverage, np.minimum(div, np.maximum(firms.earnings, 0.0)), 0.0)
    firms.deposits -= div
    return float(div.sum())


def book_earnings(firms, mark: np.ndarray, alive0: np.ndarray, memory: float) -> None:
    """Fold the tick's booked profit into each firm's earnings ``E_j`` (EWMA, currency/tick; in place).

    ``E_j <- memory E_j + (1 - memory) (profit_acc_j - mark_j + machines_paid_j)`` for firms alive
    since the tick's start: ``profit_acc`` expenses machine purchases, which earnings capitalise (a
    machine is an asset whose cost the profit bears through depreciation, IAS 16), so they are added
    back and ``machines_paid`` restarts from 0. A firm closed this tick gets 0, an entrant starts
    from 0. Call when the tick's profit is booked (after the banks' deposit interest) and before
    reviews reset ``profit_acc``.
    """
    profit = firms.profit_acc - mark + firms.machines_paid
    firms.machines_paid[:] = 0.0
    both = firms.alive & alive0
    firms.earnings = np.where(both, memory * firms.earnings + (1.0 - memory) * profit,
                              np.where(firms.alive, firms.earnings, 0.0))


def taxable_profit(firms, profit: np.ndarray) -> np.ndarray:
    """Return each firm's taxable profit of the tick and carry its losses forward (in place).

    Loss carry-forward (US Internal Revenue Code sec. 172; Caiani et al. 2016 tax each period's
    profit, which at a quarter is close to its sum): a loss adds to ``firms.tax_loss``, a profit
    is taxable only above the losses carried so far, which it uses up::

        taxable_j = max(profit_j - L_j, 0),   L_j <- max(L_j - profit_j, 0)

    Parameters
    ----------
    firms : FirmSector
        Its ``tax_loss`` (currency, >= 0) is updated.
    profit : numpy.ndarray
        Booked profit of the tick per firm, machines capitalised (currency; 0 for a firm that did
        not live through the tick).
    """
    loss = firms.tax_loss
    taxable = np.maximum(profit - loss, 0.0)
    np.maximum(loss - profit, 0.0, out=loss)
    return taxable


def default(firms, dead: np.ndarray, tick: int, entry_delay: int) -> dict[str, float]:
    """Close the firms in ``dead``: inventory written off, half the capital scrapped.

    Returns the units written off: ``inventory`` and ``capital`` (0 for K-firms).
    """
    idx = np.flatnonzero(dead)
    out = {"inventory": float(firms.inventory[idx].sum()), "capital": 0.0}
    firms.inventory[idx] = 0.0
    if hasattr(firms, "capital"):
        scrapped = 0.5 * firms.capital[idx]
        out["capital"] = float(scrapped.sum())
        firms.capital[idx] -= scrapped
        firms.k_order[idx] = 0.0
    firms.alive[idx] = False
    firms.dead_until[idx] = tick + entry_delay
    firms.workers[idx] = 0
    firms.labour_demand[idx] = 0
    firms.output[idx] = 0.0
    firms.sales[idx] = 0.0
    return out


def enter(firms, tick: int, capital_price: float, buffer_ticks: float,
          review_ticks: float) -> tuple[np.ndarray, np.ndarray]:
    """Re-open dead slots whose delay has passed; return (slots, working capital each needs)."""
    idx = np.flatnonzero(~firms.alive & (firms.dead_until <= tick))
    if idx.size == 0 or not firms.alive.any():
        return idx, np.zeros(0)
    alive = firms.alive
    firms.price[idx] = firms.price[alive].mean()
    firms.markup[idx] = np.median(firms.markup[alive])
    firms.wage[idx] = firms.wage[alive].mean()
    firms.planned[idx] = max(0.5 * float(np.median(firms.planned[alive])), firms.plan_floor)
    firms.inventory[idx] = 0.0
    firms.expected_demand[idx] = firms.planned[idx]
    firms.reset_accumulators(idx)
    firms.earnings[idx] = 0.0
    firms.tax_loss[idx] = 0.0  # an entrant is a new company: no losses to carry
    # an entrant imitates the industry's typical practice (Dosi et al. 2010 draw entrants'
    # productivity around the incumbents'): the geometric mean efficiency of the living
    firms.efficiency[idx] = np.exp(np.log(firms.efficiency[alive]).mean())
    firms.alive[idx] = True
    need = (buffer_ticks + review_ticks) * firms.wage[idx] * firms.planned[idx] / firms.firm_productivity[idx]
    if hasattr(firms, "capital"):
        firms.capital_need[idx] = firms.planned[idx] / firms.kappa
        wanted = firms.capital_need[idx] / firms.config.target_utilisation
        lacking = np.maximum(wanted - firms.capital[idx], 0.0)
        need = need + lacking * capital_price
    return idx, need


def recapitalise(pop, amount: float) -> float:
    """Shareholders pay ``amount`` in proportion to their shares, capped by deposits; return the sum paid."""
    if amount <= 0:
        return 0.0
    total_shares = float(pop.shares.sum())
    if total_shares <= 0:
        return 0.0
    levy = np.minimum(pop.shares * (amount / total_shares), pop.cash)
    pop.cash -= levy
    return float(levy.sum())


#: Largest labour demand of one firm (workers, ~1.1e12: over a hundred times the world's population;
#: sums over a million firms stay inside int64). Reached only at extreme configurations (productivity
#: falling 5%/year for a thousand years), where it keeps the int cast valid.
MAX_LABOUR_DEMAND = float(2**40)


def workers_wanted(want: np.ndarray, alive: np.ndarray) -> np.ndarray:
    """Labour demand in whole workers: ``ceil(want)`` for living firms, 0 for closed ones.

    Parameters
    ----------
    want : numpy.ndarray
        Workers wanted (float, >= 0), shape (n,); above :data:`MAX_LABOUR_DEMAND` (or +inf) it
        is capped there, NaN counts as 0.
    alive : numpy.ndarray of bool
        Living firms, shape (n,).

    Returns
    -------
    numpy.ndarray of int64
        Labour demand, in [0, MAX_LABOUR_DEMAND].
    """
    whole = np.nan_to_num(np.ceil(want - 1e-9), nan=0.0, posinf=MAX_LABOUR_DEMAND)
    return np.where(alive, np.clip(whole, 0.0, MAX_LABOUR_DEMAND), 0.0).astype(np.int64)
