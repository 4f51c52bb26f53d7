"""The banking sector: banks' balance sheets, rates, dividends, failure and customers' choice.

Each of ``n_banks`` banks holds loans (in :class:`~arena.markets.credit.LoanBook`) and
reserves at the central bank, and is funded by its customers' deposits, central-bank
advances and equity. The struct-of-arrays :class:`Banks` keeps what the bank itself owns:
equity, the central bank's stake in it, advances and reserves, its rates.

Balance sheet of bank b (currency)::

    loans_b + bonds_b + reserves_b = deposits_b + advances_b + equity_b

Deposits are the sum of the bank's customers' deposit accounts (households and firms);
every payment between customers of two banks is settled in reserves, so reserves are the
balancing item: :meth:`Banks.settle_liquidity` computes them from the other rows and
borrows from the central bank (advances, at the policy rate plus ``advance_spread``) just
enough to keep ``reserves >= reserve_ratio * deposits``; excess reserves repay advances.
Reserves earn the policy rate (a floor system, as the Fed's IORB or the ECB's deposit rate).

Rates (annual):

* deposit rate ``max(0, deposit_passthrough * i) + liquidity_premium * [advances_b > 0]``:
  incomplete pass-through of the policy rate ``i``, and banks short of reserves bid for
  deposits (Caiani et al. 2016 raise the deposit rate when liquidity is below target);
* weakness spread ``weakness_spread * clip((target - CR_b) / (target - minimum), 0, 1)``
  on new loans, with ``CR_b = equity_b / loans_b``, target = minimum + buffer.

Dividends: ``bank_payout`` of a positive profit, only out of capital above the target
ratio (the Basel III capital conservation buffer restricts distributions).

Failure and resolution: a bank whose equity is negative fails. Its owners are bailed in
(their stake is worth nothing), its depositors are protected (no deposit is touched) and
the central bank recapitalises it to the target ratio, paying in reserves and taking
the whole stake (``public_stake = 1``). Money (deposits) is unchanged by a resolution; the
central bank's net worth absorbs the hole. The stake then receives its dividends.

Customers' choice (Caiani et al. 2016, after Delli Gatti et al. 2010): each tick a share
``bank_switching_rate`` of customers compares its bank with one other at random and moves
with probability ``1 - exp(-epsilon * gain)``, where the gain is the relative improvement
of the deposit rate (households) or of the quoted riskless loan rate (firms). Loans stay
with the bank that made them; deposits move, and reserves with them.
"""

from __future__ import annotations

import numpy as np

from arena.population import bernoulli_indices
from arena.sectors.bank_params import BankParams

#: Floor of the rate in the denominator of the relative gain of switching (1/year).
RATE_FLOOR = 1e-4


class Banks:
    """The banks, as arrays over banks (shape (B,)).

    Parameters
    ----------
    params : BankParams
    equity : float or numpy.ndarray
        Initial equity of each bank (currency), >= 0.

    Attributes
    ----------
    equity : numpy.ndarray
        Net worth (currency); negative means insolvent until resolved.
    public_stake : numpy.ndarray
        Share of the equity held by the central bank after a resolution, in [0, 1].
    advances, reserves : numpy.ndarray
        Central-bank advances owed and reserves held (currency), >= 0 after settling.
    bonds : numpy.ndarray
        Government bonds held at par (currency), >= 0 (:mod:`arena.markets.bonds`).
    deposit_rate, weakness : numpy.ndarray
        Annual deposit rate paid and weakness spread charged on new loans (1/year).
    profit : numpy.ndarray
        Profit of the last tick before dividends (currency).
    failures_total : int
        Failures resolved since the start.
    """

    def __init__(self, params: BankParams, equity: float | np.ndarray):
        b = params.n_banks
        self.params = params
        self.equity = np.broadcast_to(np.asarray(equity, dtype=float), (b,)).copy()
        if (self.equity < 0).any() or not np.isfinite(self.equity).all():
            raise ValueError(f"The 'equity' of Banks must be finite and >= 0. Got {self.equity!r} instead.")
        self.public_stake = np.zeros(b)
        self.advances = np.zeros(b)
        self.reserves = np.zeros(b)
        self.bonds = np.zeros(b)
        self.deposit_rate = np.zeros(b)
        self.weakness = np.zeros(b)
        self.profit = np.zeros(b)
        self.failures_total = 0

    @property
    def n(self) -> int:
        """Number of banks."""
        return self.equity.size

    def capital_ratio(self, loans: np.ndarray) -> np.ndarray:
        """Equity over loans (risk weight 1); ``inf`` for a bank without loans.

        Loans so small that the ratio overflows (a random configuration can leave a bank with a
        subnormal loan book) give ``inf`` too, silently: that is the no-loans value, and every
        user clips it.
        """
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            return np.where(loans > 0, self.equity / np.where(loans > 0, loans, 1.0), np.inf)

    def set_rates(self, policy_rate: float, loans: np.ndarray) -> None:
        """Set this tick's deposit rates and weakness spreads from the policy rate and capital."""
        p = self.params
        self.deposit_rate = max(0.0, p.deposit_passthrough * policy_rate) + p.liquidity_premium * (
            self.advances > 0
        )
        ratio = self.capital_ratio(loans)
        width = p.capital_target - p.capital_requirement
        if width > 0:
            short = np.clip((p.capital_target - ratio) / width, 0.0, 1.0)
        else:
            short = (ratio < p.capital_requirement).astype(float)
        self.weakness = p.weakness_spread * short

    def quoted_rate(self, policy_rate: float) -> np.ndarray:
        """Loan rate each bank quotes a riskless borrower (1/year): what firms compare."""
        return policy_rate + self.params.base_spread + self.weakness

    def settle_liquidity(self, deposits: np.ndarray, loans: np.ndarray) -> None:
        """Borrow or repay central-bank advances and set reserves to close each balance sheet.

        Parameters
        ----------
        deposits, loans : numpy.ndarray
            Each bank's deposits and loans now (currency), shape (B,).
        """
        own = deposits + self.equity - loans - self.bonds  # reserves with no advances
        self.advances = np.maximum(self.params.reserve_ratio * deposits - own, 0.0)
        self.reserves = own + self.advances

    def pay_dividends(self, loans: np.ndarray) -> np.ndarray:
        """Take this tick's dividends out of equity; return them per bank (currency).

        ``bank_payout * profit`` when profit is positive, never taking equity below the
        target capital ratio.
        """
        p = self.params
        room = np.maximum(self.equity - p.capital_target * loans, 0.0)
        paid = np.minimum(p.bank_payout * np.maximum(self.profit, 0.0), room)
        self.equity -= paid
        return paid

    def resolve_failures(self, loans: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Resolve every bank with negative equity; return (failed mask, capital injected).

        Owners are bailed in, deposits untouched, and the central bank injects reserves up
        to ``capital_target * max(loans_b, mean loans)`` of equity and owns the bank.
        """
        failed = self.equity < 0
        injected = np.zeros(self.n)
        if failed.any():
            scale = np.maximum(loans[failed], loans.mean())
            injected[failed] = self.params.capital_target * scale - self.equity[failed]
            self.equity[failed] += injected[failed]
            self.public_stake[failed] = 1.0
            self.failures_total += int(failed.sum())
        return failed, injected


def switch_banks(
    assignment: np.ndarray,
    offer: np.ndarray,
    higher_is_better: bool,
    params: BankParams,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Let a random share of customers move toward a better bank (in place).

    Parameters
    ----------
    assignment : numpy.ndarray of int
        Bank of each customer, shape (n,); updated.
    offer : numpy.ndarray
        Each bank's rate as the customer sees it (1/year), shape (B,).
    higher_is_better : bool
        True for a deposit rate, False for a loan rate.
    params : BankParams
    rng : numpy.random.Generator

    Returns
    -------
    moved, previous : numpy.ndarray of int
        Customers who moved and the bank each left.
    """
    n_banks = offer.size
    none = np.empty(0, dtype=np.intp)
    if n_banks < 2 or assignment.size == 0:
        return none, none
    movers = bernoulli_indices(assignment.size, params.bank_switching_rate, rng)
    if movers.size == 0:
        return none, none
    current = assignment[movers]
    other = rng.integers(0, n_banks - 1, size=movers.size)
    other += other >= current  # any bank but the current one
    old, new = offer[current], offer[other]
    gain = (new - old) if higher_is_better else (old - new)
    rel = np.maximum(gain, 0.0) / np.maximum(np.abs(new), RATE_FLOOR)
    move = rng.random(movers.size) < -np.expm1(-params.bank_switching_intensity * rel)
    assignment[movers[move]] = other[move]
    return movers[move], current[move]
