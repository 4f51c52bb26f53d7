"""The credit market: loan demand, pricing, rationing, debt service and write-offs.

Loans are held in a :class:`LoanBook`: a principal matrix ``(F, B)`` (firm x bank) with
the spread each loan was granted at. Loans float: they pay the policy rate plus the spread
fixed at origination, so the policy rate reaches existing debt at once and new borrowers
also through their spread (most euro-area and US business loans are variable-rate).

Money is endogenous. A loan credits the borrower's deposit account: the bank's loans and
its deposits rise by the same amount and money is created. Interest and repayments debit
the borrower's deposits: money is destroyed (interest becomes bank equity, repayments
cancel loans). The functions below move money in the deposit arrays they are given (in
place) and return the amounts per firm and per bank, which the caller records.

Equations (rates per year unless noted; :func:`arena.monetary.per_tick` converts to the tick):

* financing gap (Assenza et al. 2015, eq. for B; plus debt service, so that a firm that
  borrows to pay interest is what Minsky 1986 calls Ponzi finance)::

      gap_f = max(0, outlays_f + debt service_f - deposits_f)

* leverage after borrowing, debt-service coverage, and annual default probability:
  logistic in leverage (the form of Assenza et al. 2015; ``pd_intercept``, ``pd_slope``)
  and in the debt service the firm would owe per unit of its operating cash flow (Caiani
  et al. 2016 price a loan by the borrower's cash flow against its debt service;
  ``pd_coverage``). The coverage term is how a rate rise reaches risk: debt service rises
  with the rate on floating debt, cash flow does not, and Minsky's (1986) speculative and
  Ponzi borrowers (service above cash flow, ``x_f > 1``) become bad risks::

      lev_f = (debt_f + gap_f) / (assets_f + gap_f)
      x_f   = min((service_f + (i_q + 1/maturity) gap_f) / ocf_f, coverage_cap)   (cap if ocf_f <= 0)
      pd_f  = 1 / (1 + exp(-(b1 + b2 lev_f + b3 x_f)))

  with ``service_f`` this tick's interest and amortisation, ``i_q`` the per-tick riskless
  rate quoted by the lender and ``ocf_f`` expected sales minus wages and inputs per tick.

* loan rate: break-even pricing of a risk-neutral bank that loses ``1 - recovery_rate`` on
  a default, plus the lending bank's weakness spread. The premium rises with leverage: the
  external finance premium of Bernanke, Gertler & Gilchrist (1999) as the idea::

      r_f = (i + base_spread + pd_f (1 - recovery_rate)) / (1 - pd_f) + weakness_b

  so the pass-through of the policy rate ``i`` to a new loan is ``1 / (1 - pd_f)`` >= 1.

* debt-service-coverage sizing (``min_service_coverage`` = m > 0; :func:`service_room`): a
  bank lends at most what keeps the borrower's expected operating cash flow at or above m
  times its debt service (interest and amortisation) after the loan; with m = 1 no new
  money pays service the cash flow cannot (refinancing of Minsky's 1986 speculative and
  Ponzi units is refused, not priced)::

      new_f <= max(0, ocf_f / m - service_f) / (i_q + 1/maturity)

* rationing: a bank refuses borrowers with ``pd_f > max_default_probability``, then serves
  the rest in order of rising ``pd_f`` while ``equity_b / (loans_b + new_b)`` stays at or
  above ``capital_requirement``; the marginal borrower gets part of its request.

* amortisation: ``1 / loan_maturity`` of each principal per tick (a declining balance, so
  the mean life of a unit of credit is ``loan_maturity`` ticks).

* write-off of a defaulted firm: the banks recover ``min(recovery_rate x debt, available)``
  from the firm's liquid assets, pro rata to their claims; the rest is a loss to equity.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from arena.markets import loan_kernels as kernels
from arena.monetary import per_tick
from arena.sectors.bank_params import BankParams

#: Ceiling of the debt-service coverage ratio in the default probability (a firm with no
#: positive operating cash flow counts as this).
COVERAGE_CAP = 3.0
#: Capacity margin: banks lend up to (1 - this) of their capital room, so the sums of the
#: rationing (cumulative float sums) can never push a ratio below the minimum by rounding.
CAPACITY_MARGIN = 1e-12


class LoanBook:
    """Outstanding loans of every firm at every bank.

    Parameters
    ----------
    n_firms, n_banks : int
        Shape of the book.

    Attributes
    ----------
    principal : numpy.ndarray
        Outstanding principal (currency), shape (F, B), >= 0.
    spread : numpy.ndarray
        Annual spread over the policy rate of each loan (1/year), shape (F, B); a
        principal-weighted mean when a firm borrowed several times from one bank.
    tick_rate : numpy.ndarray
        Per-tick rate each loan pays at the policy rate of the last :meth:`reprice`,
        shape (F, B).
    """

    def __init__(self, n_firms: int, n_banks: int):
        self.principal = np.zeros((n_firms, n_banks))
        self.spread = np.zeros((n_firms, n_banks))
        self.tick_rate = np.zeros((n_firms, n_banks))
        self._pricing = (0.0, 1)  # (policy rate, ticks per year) of tick_rate

    def reprice(self, policy_rate: float, ticks_per_year: int) -> None:
        """Set every loan's per-tick rate from the policy rate (floating loans reprice each tick)."""
        self._pricing = (float(policy_rate), int(ticks_per_year))
        self.tick_rate = per_tick(policy_rate + self.spread, ticks_per_year)

    @property
    def n_firms(self) -> int:
        """Rows of the book (firms)."""
        return self.principal.shape[0]

    def compiled(self) -> bool:
        """Whether the compiled sums of :mod:`arena.markets.loan_kernels` sum this book as numpy does.

        They reproduce numpy's order for a C-contiguous float64 book of 2 to 128 banks; any
        other book is summed by numpy.
        """
        p = self.principal
        return (2 <= p.shape[1] <= kernels.ROW_BLOCK and p.dtype == np.float64 and p.flags.c_contiguous
                and self.tick_rate.shape == p.shape and self.tick_rate.flags.c_contiguous)

    def debt(self) -> np.ndarray:
        """Debt of each firm (currency), shape (F,)."""
        if not self.compiled():
            return self.principal.sum(axis=1)
        out = np.empty(self.principal.shape[0])
        kernels.row_sums(self.principal, out)  # bit-identical to principal.sum(axis=1)
        return out

    def bank_loans(self) -> np.ndarray:
        """Loans of each bank (currency), shape (B,)."""
        if not self.compiled():
            return self.principal.sum(axis=0)
        out = np.empty(self.principal.shape[1])
        kernels.column_sums(self.principal, out)  # bit-identical to principal.sum(axis=0)
        return out

    def rates(self, policy_rate: float) -> np.ndarray:
        """Annual rate each loan pays now: policy rate plus its spread, shape (F, B)."""
        return policy_rate + self.spread

    def mean_rate(self, policy_rate: float) -> float:
        """Principal-weighted mean annual rate on outstanding loans (policy rate if none)."""
        total = float(self.principal.sum())
        if total <= 0.0:
            return float(policy_rate)
        return float(policy_rate + (self.principal * self.spread).sum() / total)

    def originate(self, firms: np.ndarray, banks: np.ndarray, amount: np.ndarray, spread: np.ndarray) -> None:
        """Book new loans; ``firms`` must not repeat (one lender per firm per tick).

        Parameters
        ----------
        firms, banks : numpy.ndarray of int
            Borrower and lender of each loan.
        amount : numpy.ndarray
            Principal (currency), >= 0.
        spread : numpy.ndarray
            Annual spread of each new loan over the policy rate (1/year).
        """
        old = self.principal[firms, banks]
        new = old + amount
        mixed = (old * self.spread[firms, banks] + amount * spread) / np.where(new > 0, new, 1.0)
        weighted = np.where(new > 0, mixed, 0.0)
        self.principal[firms, banks] = new
        self.spread[firms, banks] = weighted
        policy, tpy = self._pricing
        self.tick_rate[firms, banks] = per_tick(policy + weighted, tpy)

    def resize(self, n_firms: int) -> None:
        """Grow or shrink the book to ``n_firms`` rows (rows removed must hold no debt)."""
        old = self.n_firms
        if n_firms < old and self.principal[n_firms:].any():
            raise ValueError(f"cannot drop firms {n_firms}..{old - 1} of the loan book: they still owe loans")
        for name in ("principal", "spread", "tick_rate"):
            arr = getattr(self, name)
            out = np.zeros((n_firms, arr.shape[1]))
            keep = min(old, n_firms)
            out[:keep] = arr[:keep]
            setattr(self, name, out)


def financing_gap(deposits: np.ndarray, outlays: np.ndarray, debt_service: np.ndarray) -> np.ndarray:
    """Credit each firm needs this tick (currency), ``max(0, outlays + debt service - deposits)``."""
    return np.maximum(outlays + debt_service - deposits, 0.0)


def leverage(debt: np.ndarray, new_loans: np.ndarray, assets: np.ndarray) -> np.ndarray:
    """Debt over total assets after borrowing, in [0, 1]; 1 when a firm has no assets.

    Parameters
    ----------
    debt : numpy.ndarray
        Outstanding debt (currency).
    new_loans : numpy.ndarray
        Loans requested (currency); they arrive as deposits, so assets rise by as much.
    assets : numpy.ndarray
        Total assets before borrowing: deposits plus capital and inventories at book value.
    """
    total = assets + new_loans
    out = np.ones_like(total, dtype=float)
    ok = total > 0
    out[ok] = (debt[ok] + new_loans[ok]) / total[ok]
    return np.clip(out, 0.0, 1.0)


def default_probability(
    lev: np.ndarray, params: BankParams, coverage: np.ndarray | float = 0.0
) -> np.ndarray:
    """Annual probability of default: logistic in leverage and in debt-service coverage.

    Parameters
    ----------
    lev : numpy.ndarray
        Debt over assets after borrowing, in [0, 1].
    params : BankParams
    coverage : numpy.ndarray or float, default 0
        Debt service per unit of operating cash flow, in [0, :data:`COVERAGE_CAP`]
        (:func:`coverage_ratio`).
    """
    z = params.pd_intercept + params.pd_slope * np.asarray(lev, dtype=float) + params.pd_coverage * coverage
    return 1.0 / (1.0 + np.exp(-z))


def coverage_ratio(service: np.ndarray, cash_flow: np.ndarray) -> np.ndarray:
    """Debt service over operating cash flow, in [0, COVERAGE_CAP]; the cap when cash flow <= 0.

    Parameters
    ----------
    service : numpy.ndarray
        Interest and amortisation owed per tick, including on the loan requested (currency).
    cash_flow : numpy.ndarray
        Expected operating cash flow per tick: sales minus wages and inputs (currency).
    """
    service = np.maximum(np.asarray(service, dtype=float), 0.0)
    ratio = np.full(service.shape, COVERAGE_CAP)
    ok = cash_flow > 0
    np.divide(service, cash_flow, out=ratio, where=ok)
    ratio[~ok & (service <= 0)] = 0.0  # no debt service: no coverage risk, whatever the cash flow
    return np.minimum(ratio, COVERAGE_CAP)


def service_room(owed: np.ndarray, cash_flow: np.ndarray, instalment: np.ndarray | float,
                 min_coverage: float) -> np.ndarray:
    """Largest new loan that keeps debt-service coverage at or above ``min_coverage`` (currency).

    Debt-service-coverage (DSCR) sizing of loan underwriting: the borrower's expected
    operating cash flow must cover ``min_coverage`` times its debt service (interest and
    amortisation) after the loan, ``ocf_f >= min_coverage (owed_f + instalment_f new_f)``, so
    ``new_f <= max(0, ocf_f / min_coverage - owed_f) / instalment_f``. At ``min_coverage`` = 1
    a firm whose cash flow does not cover the service it already owes gets no new money: it
    would borrow to pay its instalments (Minsky's 1986 speculative and Ponzi units, which
    need refinancing), and a firm with no positive cash flow gets none.

    Parameters
    ----------
    owed : numpy.ndarray
        Interest and amortisation due this tick on outstanding loans (currency), >= 0.
    cash_flow : numpy.ndarray
        Expected operating cash flow per tick (currency).
    instalment : numpy.ndarray or float
        Interest plus amortisation per tick per unit of new loan at the quoted riskless rate, > 0.
    min_coverage : float
        Debt-service coverage floor, > 0.
    """
    spare = np.maximum(np.asarray(cash_flow, dtype=float) / min_coverage - owed, 0.0)
    return spare / instalment


def loan_rate(policy_rate: float, pd: np.ndarray, weakness: np.ndarray, params: BankParams) -> np.ndarray:
    """Annual loan rate: break-even risk pricing plus the lender's weakness spread.

    Parameters
    ----------
    policy_rate : float
        Central-bank policy rate (1/year).
    pd : numpy.ndarray
        Borrowers' annual default probabilities, in [0, 1).
    weakness : numpy.ndarray
        Weakness spread of each borrower's bank (1/year).
    """
    pd = np.minimum(pd, 0.999)
    lgd = 1.0 - params.recovery_rate
    return (policy_rate + params.base_spread + pd * lgd) / (1.0 - pd) + weakness


def lending_capacity(equity: np.ndarray, loans: np.ndarray, params: BankParams) -> np.ndarray:
    """Return the new loans each bank can make with its capital ratio staying at or above the minimum.

    ``equity / (loans + new) >= capital_requirement``  <=>  ``new <= equity / requirement - loans``.
    A bank with no equity lends nothing; with a zero requirement capacity is unbounded.
    """
    if params.capital_requirement <= 0.0:
        return np.where(equity > 0, np.inf, 0.0)
    with np.errstate(over="ignore"):  # a tiny requirement: room overflows to inf, which is right
        room = equity / params.capital_requirement - loans
    return np.where(equity > 0, np.maximum(room, 0.0) * (1.0 - CAPACITY_MARGIN), 0.0)


def ration(requests: np.ndarray, lender: np.ndarray, risk: np.ndarray, capacity: np.ndarray) -> np.ndarray:
    """Grant requests bank by bank, safest borrowers first, until each bank's capacity is used.

    Parameters
    ----------
    requests : numpy.ndarray
        Loan requested by each firm (currency), >= 0, shape (F,).
    lender : numpy.ndarray of int
        Bank each firm applies to, shape (F,).
    risk : numpy.ndarray
        Ranking key (default probability); lower is served first, shape (F,).
    capacity : numpy.ndarray
        What each bank may lend (currency), shape (B,).

    Returns
    -------
    numpy.ndarray
        Granted amounts, ``0 <= granted <= requests``, summing per bank to at most capacity.
    """
    granted = np.zeros_like(requests, dtype=float)
    applicants = np.flatnonzero(requests > 0)
    if applicants.size == 0:
        return granted
    order = applicants[np.lexsort((risk[applicants], lender[applicants]))]
    req, banks = requests[order], lender[order]
    cum = np.cumsum(req)
    totals = np.bincount(banks, weights=req, minlength=capacity.size)
    base = np.concatenate(([0.0], np.cumsum(totals)[:-1]))
    before = np.maximum(cum - req - base[banks], 0.0)  # requested by safer firms of the same bank
    granted[order] = np.clip(capacity[banks] - before, 0.0, req)
    return granted


@dataclass
class Lending:
    """Outcome of one round of the credit market (arrays over firms unless noted).

    Attributes
    ----------
    requested, granted : numpy.ndarray
        Financing gap asked for and loan received (currency).
    pd : numpy.ndarray
        Annual default probability at the requested amount.
    rate : numpy.ndarray
        Annual rate quoted to each firm (1/year).
    refused : numpy.ndarray of bool
        Firms refused for risk (pd above the cut-off).
    by_bank : numpy.ndarray
        New loans per bank (currency), shape (B,).
    """

    requested: np.ndarray
    granted: np.ndarray
    pd: np.ndarray
    rate: np.ndarray
    refused: np.ndarray
    by_bank: np.ndarray


def lend(
    book: LoanBook,
    deposits: np.ndarray,
    requests: np.ndarray,
    assets: np.ndarray,
    lender: np.ndarray,
    equity: np.ndarray,
    weakness: np.ndarray,
    policy_rate: float,
    params: BankParams,
    cash_flow: np.ndarray | None = None,
    ticks_per_year: int = 250,
) -> Lending:
    """Price, ration and book new loans; credit the loans to the borrowers' deposits (in place).

    Parameters
    ----------
    book : LoanBook
        Outstanding loans; gains the new ones.
    deposits : numpy.ndarray
        Firms' deposits (currency), shape (F,); raised by the loans granted (money created).
    requests : numpy.ndarray
        Financing gaps (currency), shape (F,).
    assets : numpy.ndarray
        Firms' total assets before borrowing (currency), shape (F,).
    lender : numpy.ndarray of int
        Each firm's bank, shape (F,).
    equity, weakness : numpy.ndarray
        Banks' equity (currency) and weakness spread (1/year), shape (B,).
    policy_rate : float
        Policy rate (1/year).
    params : BankParams
    cash_flow : numpy.ndarray, optional
        Firms' expected operating cash flow per tick (currency), shape (F,); with it the
        default probability also rises with debt-service coverage (module doc). None: leverage only.
    ticks_per_year : int, default 250
        Converts the quoted riskless rate of the new loan's instalment to the tick.
    """
    debt = book.debt()
    coverage = 0.0
    eligible = requests
    if cash_flow is not None and (params.pd_coverage > 0 or params.min_service_coverage > 0):
        quoted = per_tick(policy_rate + params.base_spread + weakness[lender], ticks_per_year)
        instalment = quoted + 1.0 / params.loan_maturity  # service per unit of new loan, per tick
        owed = service_due(book, params.loan_maturity)
        if params.pd_coverage > 0:
            coverage = coverage_ratio(owed + requests * instalment, cash_flow)
        if params.min_service_coverage > 0:
            room = service_room(owed, cash_flow, instalment, params.min_service_coverage)
            eligible = np.minimum(requests, room)
    pd = default_probability(leverage(debt, requests, assets), params, coverage)
    rate = loan_rate(policy_rate, pd, weakness[lender], params)
    refused = (requests > 0) & (pd > params.max_default_probability)
    eligible = np.where(refused, 0.0, eligible)
    capacity = lending_capacity(equity, book.bank_loans(), params)
    granted = ration(eligible, lender, pd, capacity)
    who = np.flatnonzero(granted > 0)
    book.originate(who, lender[who], granted[who], rate[who] - policy_rate)
    deposits[who] += granted[who]
    by_bank = np.bincount(lender[who], weights=granted[who], minlength=equity.size)
    return Lending(requests, granted, pd, rate, refused, by_bank)


@dataclass
class Service:
    """Debt service settled in one tick.

    Attributes
    ----------
    interest_by_bank, repaid_by_bank : numpy.ndarray
        Interest received and principal repaid per bank (currency), shape (B,).
    paid : numpy.ndarray
        What each firm paid (currency), shape (F,).
    interest : numpy.ndarray
        The interest part of ``paid`` (currency), shape (F,): a cost in the firm's profit.
    unable : numpy.ndarray of bool
        Firms whose deposits did not cover the service due; they paid nothing (defaults).
    """

    interest_by_bank: np.ndarray
    repaid_by_bank: np.ndarray
    paid: np.ndarray
    interest: np.ndarray
    unable: np.ndarray


def service_due(book: LoanBook, maturity: int) -> np.ndarray:
    """Interest plus amortisation each firm owes this tick (currency), shape (F,).

    Interest is at the book's per-tick rates (:meth:`LoanBook.reprice` first).
    """
    if not book.compiled():
        return (book.principal * (book.tick_rate + 1.0 / maturity)).sum(axis=1)
    out = np.empty(book.n_firms)
    kernels.scaled_row_sums(book.principal, book.tick_rate, 1.0 / maturity, out)  # the same, bit for bit
    return out


def service_debt(book: LoanBook, deposits: np.ndarray, maturity: int) -> Service:
    """Collect interest and amortisation from the firms' deposits (in place).

    A firm pays everything it owes this tick or, if its deposits fall short, nothing (it
    is unable to pay and the caller defaults it). Interest, at the book's per-tick rates
    (:meth:`LoanBook.reprice` first), leaves the money supply into bank equity; repaid
    principal cancels loans and deposits together (money destroyed).
    """
    if book.compiled() and deposits.dtype == np.float64:
        # one compiled pass (arena.markets.loan_kernels.service_loans: bit-identical to service_debt_numpy)
        f, b = book.principal.shape
        out = Service(np.empty(b), np.empty(b), np.empty(f), np.empty(f), np.empty(f, dtype=bool))
        kernels.service_loans(book.principal, book.tick_rate, maturity, deposits, out.interest_by_bank,
                              out.repaid_by_bank, out.paid, out.interest, out.unable)
        return out
    return service_debt_numpy(book, deposits, maturity)


def service_debt_numpy(book: LoanBook, deposits: np.ndarray, maturity: int) -> Service:
    """Do what :func:`service_debt` does, in numpy operations (in place).

    The path for books the compiled pass does not sum as numpy does, and the reference
    tests/test_exact_shortcuts.py compares the compiled pass with, bit for bit.
    """
    interest = book.principal * book.tick_rate
    amort = book.principal / maturity
    due = interest.sum(axis=1) + amort.sum(axis=1)
    able = deposits >= due
    unable = ~able & (due > 0)
    paid = np.where(able, due, 0.0)
    deposits -= paid
    interest[~able] = 0.0
    amort[~able] = 0.0
    book.principal -= amort
    np.maximum(book.principal, 0.0, out=book.principal)
    return Service(interest.sum(axis=0), amort.sum(axis=0), paid, interest.sum(axis=1), unable)


@dataclass
class WriteOff:
    """Loans written off in one tick.

    Attributes
    ----------
    written_by_bank, recovered_by_bank, loss_by_bank : numpy.ndarray
        Principal removed, cash recovered and loss to equity per bank (currency), shape (B,);
        ``written = recovered + loss``.
    recovered : numpy.ndarray
        Cash taken from each firm's deposits (currency), shape (F,).
    """

    written_by_bank: np.ndarray
    recovered_by_bank: np.ndarray
    loss_by_bank: np.ndarray
    recovered: np.ndarray


def write_off(book: LoanBook, defaulted: np.ndarray, deposits: np.ndarray, recovery_rate: float) -> WriteOff:
    """Remove defaulted firms' loans; banks recover what the firms' deposits allow (in place).

    Parameters
    ----------
    book : LoanBook
    defaulted : numpy.ndarray of bool
        Firms in default, shape (F,).
    deposits : numpy.ndarray
        Firms' deposits (currency); the recovery is debited from them (money destroyed).
    recovery_rate : float
        Ceiling of the share of debt recovered, in [0, 1].
    """
    n_banks = book.principal.shape[1]
    recovered = np.zeros(book.n_firms)
    idx = np.flatnonzero(defaulted)
    if idx.size == 0:
        zero = np.zeros(n_banks)
        return WriteOff(zero, zero.copy(), zero.copy(), recovered)
    claims = book.principal[idx]
    debt = claims.sum(axis=1)
    got = np.minimum(recovery_rate * debt, np.maximum(deposits[idx], 0.0))
    share = np.where(debt > 0, got / np.where(debt > 0, debt, 1.0), 0.0)
    recovered_fb = claims * share[:, None]
    written = claims.sum(axis=0)
    back = recovered_fb.sum(axis=0)
    recovered[idx] = got  # never more than the deposits: they stay >= 0 exactly
    deposits[idx] -= got
    book.principal[idx] = 0.0
    book.spread[idx] = 0.0
    return WriteOff(written, back, written - back, recovered)
