"""The government bond market: issuance, redemption, interest and the central bank's trades.

Bonds are held at par by the banks (``bank_bonds``, shape (B,)) and the central bank
(``cb_bonds``). They are short bills rolled over every tick, so the whole stock pays the
current yield ``policy rate + term_premium`` (Caiani et al. 2016: one-period bonds at
``i_b``; the term premium stands for the maturity the model does not carry: the average
10-year US term premium was about 1-1.5 points in 1990-2007, Adrian, Crump & Moench 2013).

Allocation rules (Caiani et al. 2016, sec. 3: banks buy bonds with the reserves they hold
above target, the central bank buys the rest):

* new bonds go to banks in proportion to their reserves above ``LIQUIDITY_TARGET`` x the
  required reserves, each at most that excess; the central bank takes what is left;
* redemptions reduce every holder pro rata;
* QE: the central bank buys bonds from banks pro rata to their holdings (at most what they
  hold); tightening: it sells bonds to banks in proportion to their reserves (at most its own).

Every function moves bonds only; the payments are reserves and government deposits, which
the caller settles (:mod:`arena.fiscal_phase`).
"""

from __future__ import annotations

import numpy as np

#: Reserves a bank keeps before buying bonds, as a multiple of its required reserves.
LIQUIDITY_TARGET = 2.0


def _pro_rata(weights: np.ndarray, amount: float, cap: np.ndarray) -> np.ndarray:
    """Split ``amount`` >= 0 by ``weights`` (>= 0), each part at most ``cap``; may return less."""
    total = float(weights.sum())
    if amount <= 0 or total <= 0:
        return np.zeros_like(weights)
    return np.minimum(weights * (amount / total), cap)


def issue(amount: float, bank_bonds: np.ndarray, excess_reserves: np.ndarray) -> tuple[np.ndarray, float]:
    """Sell ``amount`` >= 0 of new bonds: banks first (by excess reserves), the central bank the rest.

    Parameters
    ----------
    amount : float
        New bonds (currency), >= 0.
    bank_bonds : numpy.ndarray
        Banks' holdings (currency), shape (B,); raised in place.
    excess_reserves : numpy.ndarray
        Each bank's reserves above its liquidity target (currency), shape (B,).

    Returns
    -------
    bought, to_cb : numpy.ndarray, float
        Bonds each bank bought and the central bank's share (currency).
    """
    room = np.maximum(excess_reserves, 0.0)
    bought = _pro_rata(room, min(amount, float(room.sum())), room)
    bank_bonds += bought
    return bought, max(amount - float(bought.sum()), 0.0)


def redeem(amount: float, bank_bonds: np.ndarray, cb_bonds: float) -> tuple[np.ndarray, float]:
    """Retire ``amount`` >= 0 of bonds pro rata across holders; return (banks' part, central bank's part)."""
    total = float(bank_bonds.sum()) + cb_bonds
    if amount <= 0 or total <= 0:
        return np.zeros_like(bank_bonds), 0.0
    share = min(amount / total, 1.0)
    paid = bank_bonds * share
    bank_bonds -= paid
    return paid, cb_bonds * share


def cb_purchase(amount: float, bank_bonds: np.ndarray) -> np.ndarray:
    """Buy up to ``amount`` for the central bank from banks pro rata to holdings; return each bank's sale."""
    sold = _pro_rata(bank_bonds, min(amount, float(bank_bonds.sum())), bank_bonds)
    bank_bonds -= sold
    return sold


def cb_sale(amount: float, bank_bonds: np.ndarray, reserves: np.ndarray) -> np.ndarray:
    """Sell ``amount`` of the central bank's bonds to banks by their reserves; return each bank's purchase."""
    weights = np.maximum(reserves, 0.0)
    if weights.sum() <= 0:
        weights = np.ones_like(bank_bonds)
    bought = _pro_rata(weights, amount, np.full(bank_bonds.shape, np.inf))
    bank_bonds += bought
    return bought
