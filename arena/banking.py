"""The banking system: banks, the loan book and customers' accounts run as one tick step.

:class:`BankingSystem` glues :class:`~arena.sectors.banks.Banks` and the credit market
(:mod:`arena.markets.credit`) to the deposit arrays of households and firms, which stay
with their sectors: every method takes those arrays, moves money in them (in place) and
records each flow once in an :class:`~arena.accounting.Ledger` under the stocks
``money`` (all deposits), ``loans`` and ``bank_equity``.

Order within a tick (Caiani et al. 2016's order; DESIGN.md "The tick"):

1. :meth:`~BankingSystem.begin_tick` - banks set deposit rates and weakness spreads;
2. :meth:`~BankingSystem.lend` - firms ask for their financing gap (outlays and debt
   service beyond deposits), banks price, ration and lend (money created); before
   production and hiring;
3. :meth:`~BankingSystem.collect_service` - interest and amortisation (money destroyed);
   firms that cannot pay are the caller's defaults;
4. :meth:`~BankingSystem.write_off` - defaulted firms' loans written off, recovery taken;
5. :meth:`~BankingSystem.end_tick` - deposit, advance and reserve interest, bank profit
   and dividends, failures and resolution, customers' switching, liquidity settled.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from arena import kernels
from arena.accounting import Ledger
from arena.markets import credit
from arena.monetary import per_tick
from arena.sectors.bank_params import BankParams
from arena.sectors.banks import Banks, switch_banks


class BankingSystem:
    """Banks, loans and the bank of every customer.

    Parameters
    ----------
    params : BankParams
    n_households, n_firms : int
        Number of household and firm accounts.
    ticks_per_year : int
        Converts the annual rates to the tick.
    rng : numpy.random.Generator
        The model's generator (initial assignment and switching).
    equity : float or numpy.ndarray
        Initial equity of each bank (currency).

    Attributes
    ----------
    household_bank, firm_bank : numpy.ndarray of int
        Bank of each household and firm, uniform at random at the start.
    book : arena.markets.credit.LoanBook
    banks : arena.sectors.banks.Banks
    last : dict
        Flows of the last tick (currency) and the counts of failures and switches.
    external_deposits : float
        Deposits of accounts outside the two arrays (e.g. the API's outside agents), held
        at bank 0 without interest (currency); the owner of those accounts keeps it current.
    """

    def __init__(
        self,
        params: BankParams,
        n_households: int,
        n_firms: int,
        ticks_per_year: int,
        rng: np.random.Generator,
        equity: float | np.ndarray,
    ):
        self.params = params
        self.ticks_per_year = ticks_per_year
        self.rng = rng
        b = params.n_banks
        # intp: bincount and gathers over int32 first convert all N entries (~1.5 ms at 10^6)
        self.household_bank = rng.integers(0, b, size=n_households).astype(np.intp)
        self.firm_bank = rng.integers(0, b, size=n_firms).astype(np.int32)
        self.book = credit.LoanBook(n_firms, b)
        self.banks = Banks(params, equity)
        self.policy_rate = 0.0
        self.last: dict[str, Any] = {}
        self._flows: dict[str, float] = {}
        self.loans_history: list[float] = []
        self.external_deposits = 0.0
        #: deposit rate households earn: their banks' rates weighted by household deposits
        #: (1/year), measured at each close (:meth:`end_tick`); households' saving responds
        #: to it (:func:`arena.behaviour.plan`)
        self.household_deposit_rate = 0.0

    # ------------------------------------------------------------------ measures ------
    def deposits_by_bank(self, household_cash: np.ndarray, firm_deposits: np.ndarray) -> np.ndarray:
        """Deposits each bank owes its customers (currency), shape (B,)."""
        b = self.params.n_banks
        out = np.bincount(self.household_bank, weights=household_cash, minlength=b) + np.bincount(
            self.firm_bank, weights=firm_deposits, minlength=b
        )
        out[0] += self.external_deposits
        return out

    def loans(self) -> float:
        """All loans outstanding (currency)."""
        return float(self.book.principal.sum())

    def capital_ratio(self) -> float:
        """Sector capital ratio: total equity over total loans (``inf`` with no loans).

        A loan book so small that the ratio overflows gives ``inf`` too, without a warning.
        """
        loans = self.loans()
        if not loans > 0:
            return float("inf")
        with np.errstate(over="ignore"):
            return float(np.float64(self.banks.equity.sum()) / np.float64(loans))

    # ------------------------------------------------------------------ set-up --------
    def seed_loans(
        self,
        firm_deposits: np.ndarray,
        amount: np.ndarray,
        ledger: Ledger | None = None,
        credit_deposits: bool = True,
    ) -> None:
        """Give firms initial loans from their banks at the base spread.

        Parameters
        ----------
        firm_deposits : numpy.ndarray
            Firms' deposits (currency); raised by ``amount`` if ``credit_deposits``.
        amount : numpy.ndarray
            Initial loan of each firm (currency), >= 0.
        ledger : Ledger, optional
            Records the money created (when deposits are credited) and the loans.
        credit_deposits : bool
            True: a loan made now (money created). False: an initial condition, loans that
            financed assets the firms already hold (no money moves; reserves balance the
            banks' books at the next :meth:`settle`).
        """
        amount = np.asarray(amount, dtype=float)
        who = np.flatnonzero(amount > 0)
        spread = np.full(who.size, self.params.base_spread)
        self.book.originate(who, self.firm_bank[who], amount[who], spread)
        if not credit_deposits:
            return
        firm_deposits[who] += amount[who]
        if ledger is not None:
            ledger.record("money", "initial_loans", float(amount[who].sum()))
            ledger.record("loans", "initial_loans", float(amount[who].sum()))

    def settle(self, household_cash: np.ndarray, firm_deposits: np.ndarray) -> None:
        """Set advances and reserves from the customers' deposits now (at set-up or after a move)."""
        deposits = self.deposits_by_bank(household_cash, firm_deposits)
        self.banks.settle_liquidity(deposits, self.book.bank_loans())

    def add_households(self, count: int) -> None:
        """Give ``count`` new households (appended) a bank uniformly at random."""
        new = self.rng.integers(0, self.params.n_banks, size=count).astype(np.intp)
        self.household_bank = np.concatenate([self.household_bank, new])

    def keep_households(self, keep: np.ndarray) -> None:
        """Drop the households where ``keep`` is False (they left with their deposits)."""
        self.household_bank = self.household_bank[keep]

    # ------------------------------------------------------------------ the tick ------
    def begin_tick(self, policy_rate: float) -> None:
        """Set deposit rates and weakness spreads for this tick from the policy rate (1/year)."""
        self.policy_rate = float(policy_rate)
        self._flows = dict.fromkeys(FLOW_NAMES, 0.0)
        self.banks.profit = np.zeros(self.params.n_banks)
        self.banks.set_rates(self.policy_rate, self.book.bank_loans())
        self.book.reprice(self.policy_rate, self.ticks_per_year)

    def service_due(self) -> np.ndarray:
        """Interest plus amortisation each firm owes this tick (currency), shape (F,)."""
        return credit.service_due(self.book, self.params.loan_maturity)

    def lend(
        self,
        firm_deposits: np.ndarray,
        outlays: np.ndarray,
        other_assets: np.ndarray,
        ledger: Ledger,
        cash_flow: np.ndarray | None = None,
        request: np.ndarray | None = None,
    ) -> credit.Lending:
        """Lend each firm its financing gap as far as pricing and capital allow.

        Parameters
        ----------
        firm_deposits : numpy.ndarray
            Firms' deposits (currency), shape (F,); raised by the loans (money created).
        outlays : numpy.ndarray
            Spending each firm plans this tick: wages, inputs, investment (currency).
        other_assets : numpy.ndarray
            Firms' non-deposit assets at book value: capital and inventories (currency).
        ledger : Ledger
        cash_flow : numpy.ndarray, optional
            Firms' expected operating cash flow per tick (currency): with it banks also
            price debt-service coverage (:func:`arena.markets.credit.coverage_ratio`).
        request : numpy.ndarray, optional
            Credit each firm asks for (currency, >= 0), when the caller has already computed it
            (:func:`arena.credit_phase.open_credit`: the larger of the financing gap and the top-up
            toward the target debt ratio); default the financing gap of ``outlays``.
        """
        gap = credit.financing_gap(firm_deposits, outlays, self.service_due()) if request is None else request
        assets = firm_deposits + other_assets
        result = credit.lend(
            self.book, firm_deposits, gap, assets, self.firm_bank, self.banks.equity,
            self.banks.weakness, self.policy_rate, self.params, cash_flow, self.ticks_per_year,
        )
        new = float(result.by_bank.sum())
        ledger.record("money", "loans_granted", new)
        ledger.record("loans", "loans_granted", new)
        self._flows["loans_granted"] += new
        self._flows["loans_requested"] += float(gap.sum())
        return result

    def collect_service(self, firm_deposits: np.ndarray, ledger: Ledger) -> credit.Service:
        """Collect interest and amortisation; return who could not pay (the caller's defaults)."""
        s = credit.service_debt(self.book, firm_deposits, self.params.loan_maturity)
        interest, repaid = float(s.interest_by_bank.sum()), float(s.repaid_by_bank.sum())
        self.banks.equity += s.interest_by_bank
        self.banks.profit = self.banks.profit + s.interest_by_bank
        ledger.record("money", "loan_interest", -interest)
        ledger.record("money", "loan_repayment", -repaid)
        ledger.record("loans", "loan_repayment", -repaid)
        ledger.record("bank_equity", "loan_interest", interest)
        self._flows["loan_interest"] += interest
        self._flows["loan_repayment"] += repaid
        return s

    def write_off(self, defaulted: np.ndarray, firm_deposits: np.ndarray, ledger: Ledger) -> credit.WriteOff:
        """Write off defaulted firms' loans; the recovery comes out of their deposits."""
        w = credit.write_off(self.book, defaulted, firm_deposits, self.params.recovery_rate)
        self.banks.equity -= w.loss_by_bank
        self.banks.profit = self.banks.profit - w.loss_by_bank
        written, back = float(w.written_by_bank.sum()), float(w.recovered_by_bank.sum())
        loss = float(w.loss_by_bank.sum())
        ledger.record("money", "loan_recovery", -float(w.recovered.sum()))
        ledger.record("loans", "write_off", -written)
        ledger.record("bank_equity", "loan_losses", -loss)
        self._flows["write_off"] += written
        self._flows["loan_recovery"] += back
        self._flows["loan_losses"] += loss
        return w

    def end_tick(
        self,
        household_cash: np.ndarray,
        firm_deposits: np.ndarray,
        ledger: Ledger,
        owners: np.ndarray | None = None,
        owners_total: float | None = None,
    ) -> dict[str, Any]:
        """Pay deposit interest, book bank profit and dividends, resolve failures, settle liquidity.

        Parameters
        ----------
        household_cash, firm_deposits : numpy.ndarray
            Deposits of households and firms (currency); interest and dividends are added.
        ledger : Ledger
        owners : numpy.ndarray, optional
            Weights of households in the banks' private equity (e.g. equity shares held);
            dividends are split in proportion. Equal split when None.
        owners_total : float, optional
            ``owners.sum()`` when the caller has it (the same float); summed here otherwise.

        Returns
        -------
        dict
            The flows of the tick (see :data:`FLOW_NAMES`) and ``failures``, ``switches``.
        """
        p, banks, tpy = self.params, self.banks, self.ticks_per_year
        loans = self.book.bank_loans()
        # interest on deposits, advances (borrowed last tick) and reserves
        # deposits per bank are counted once (one pass over households) and then moved
        # with each flow below, so liquidity is settled without counting them again
        dr = per_tick(banks.deposit_rate, tpy)
        growth = 1.0 + dr
        dep_h = np.zeros(p.n_banks)
        uniform = bool((growth == growth[0]).all())  # one deposit rate at every bank (usual)
        if uniform:  # the bincount's sums and the interest in one compiled pass (arena.kernels)
            kernels.sums_by_index_then_scale(self.household_bank, household_cash, growth[0], dep_h)
        else:
            kernels.sums_by_index(self.household_bank, household_cash, dep_h)
        dep_f = np.bincount(self.firm_bank, weights=firm_deposits, minlength=p.n_banks)
        held = float(dep_h.sum())
        self.household_deposit_rate = (float(dep_h @ banks.deposit_rate) / held if held > 0
                                       else float(banks.deposit_rate.mean()))
        if not uniform:
            np.multiply(household_cash, np.take(growth, self.household_bank), out=household_cash)
        firm_deposits *= growth[self.firm_bank]
        paid_h, paid_f = dr * dep_h, dr * dep_f  # on the deposits before interest
        paid_deposits = paid_h + paid_f
        dep_h = dep_h + paid_h
        dep_f = dep_f + paid_f
        adv_rate = per_tick(self.policy_rate + p.advance_spread, tpy)
        res_rate = per_tick(self.policy_rate, tpy)
        advance_interest = banks.advances * adv_rate
        reserve_interest = np.maximum(banks.reserves, 0.0) * res_rate
        net = reserve_interest - advance_interest - paid_deposits
        banks.equity += net
        banks.profit = banks.profit + net
        f = self._flows
        f["deposit_interest_households"] += float(paid_h.sum())
        f["deposit_interest_firms"] += float(paid_f.sum())
        f["advance_interest"] += float(advance_interest.sum())
        f["reserve_interest"] += float(reserve_interest.sum())
        ledger.record("money", "deposit_interest", float(paid_deposits.sum()))
        ledger.record("bank_equity", "net_interest_other", float(net.sum()))
        # dividends: the private share to households, the public share to the central bank
        dividends = banks.pay_dividends(loans)
        private = float(((1.0 - banks.public_stake) * dividends).sum())
        dep_h += self._pay_households(household_cash, private, owners, owners_total)
        f["bank_dividends_households"] += private
        f["bank_dividends_cb"] += float((banks.public_stake * dividends).sum())
        ledger.record("money", "bank_dividends", private)
        ledger.record("bank_equity", "dividends", -float(dividends.sum()))
        # failures: owners bailed in, deposits protected, the central bank recapitalises
        failed, injected = banks.resolve_failures(loans)
        f["cb_recapitalisation"] += float(injected.sum())
        ledger.record("bank_equity", "cb_recapitalisation", float(injected.sum()))
        # customers compare banks
        moved = 0
        for assignment, cash, offer, higher, dep in (
            (self.household_bank, household_cash, banks.deposit_rate, True, dep_h),
            (self.firm_bank, firm_deposits, banks.quoted_rate(self.policy_rate), False, dep_f),
        ):
            who, old = switch_banks(assignment, offer, higher, p, self.rng)
            dep -= np.bincount(old, weights=cash[who], minlength=p.n_banks)
            dep += np.bincount(assignment[who], weights=cash[who], minlength=p.n_banks)
            moved += who.size
        total = dep_h + dep_f
        total[0] += self.external_deposits
        banks.settle_liquidity(total, self.book.bank_loans())
        self.loans_history.append(self.loans())
        self.last = {**f, "failures": int(failed.sum()), "switches": moved}
        return self.last

    def _pay_households(
        self, household_cash: np.ndarray, amount: float, owners: np.ndarray | None,
        owners_total: float | None = None,
    ) -> np.ndarray:
        """Credit ``amount`` to households by ownership weights; return the deposits added per bank."""
        b = self.params.n_banks
        if amount <= 0 or household_cash.size == 0:
            return np.zeros(b)
        if owners is None:
            total = 0.0
        else:
            total = float(owners.sum()) if owners_total is None else owners_total
        if total <= 0:  # no ownership weights: an equal split
            each = amount / household_cash.size
            household_cash += each
            return np.bincount(self.household_bank, minlength=b) * each
        scale = amount / total
        # one compiled loop: cash += owners * scale and the per-bank sums of owners in household
        # order, as np.bincount adds them (arena.kernels: bit-identical)
        per_bank = np.zeros(b)
        kernels.credit_by_weight(household_cash, np.asarray(owners, dtype=np.float64), scale,
                                 self.household_bank, per_bank)
        return per_bank * scale

    # ------------------------------------------------------------------ reporting -----
    def credit_growth(self, window: int | None = None) -> float:
        """Annualised log growth of loans over the last ``window`` ticks (default one year)."""
        window = window or self.ticks_per_year
        h = self.loans_history
        if len(h) < 2:
            return 0.0
        k = min(window, len(h) - 1)
        old, new = h[-1 - k], h[-1]
        if old <= 0 or new <= 0:
            return 0.0
        # difference of logs: new / old overflows when old is tiny (a near-wiped-out loan book)
        return float((np.log(new) - np.log(old)) * self.ticks_per_year / k)

    def indicators(self) -> dict[str, float]:
        """Return loans, loan_rate, credit_growth, bank_equity, capital_ratio and bank_failures."""
        ratio = self.capital_ratio()
        return {
            "loans": self.loans(),
            "loan_rate": self.book.mean_rate(self.policy_rate),
            "credit_growth": self.credit_growth(),
            "bank_equity": float(self.banks.equity.sum()),
            "capital_ratio": ratio if np.isfinite(ratio) else 0.0,
            "bank_failures": float(self.last.get("failures", 0)),
        }

    def frame(self, household_cash: np.ndarray, firm_deposits: np.ndarray) -> pd.DataFrame:
        """One row per bank: balance sheet, capital ratio, rates, customers, public stake."""
        b = self.banks
        loans = self.book.bank_loans()
        ratio = b.capital_ratio(loans)
        return pd.DataFrame(
            {
                "loans": loans,
                "reserves": b.reserves,
                "bonds": b.bonds,
                "deposits": self.deposits_by_bank(household_cash, firm_deposits),
                "advances": b.advances,
                "equity": b.equity,
                "capital_ratio": np.where(np.isfinite(ratio), ratio, np.nan),
                "deposit_rate": b.deposit_rate,
                "weakness_spread": b.weakness,
                "households": np.bincount(self.household_bank, minlength=b.n),
                "firms": np.bincount(self.firm_bank, minlength=b.n),
                "borrowers": (self.book.principal > 0).sum(axis=0),
                "public_stake": b.public_stake,
            },
            index=pd.RangeIndex(b.n, name="bank"),
        )

    def balance_sheet_entries(
        self, household_cash: np.ndarray, firm_deposits: np.ndarray
    ) -> dict[str, dict[str, float]]:
        """Return the holdings of the banking instruments by sector (assets +, liabilities -), currency.

        Sectors: ``households``, ``firms``, ``banks``, ``central_bank``. Banks' equity is a
        liability of banks held by households (private share) and the central bank.
        """
        b = self.banks
        equity = b.equity
        deposits = self.deposits_by_bank(household_cash, firm_deposits)
        public = float((b.public_stake * equity).sum())
        out = {
            "households": {"deposits": float(household_cash.sum()), "equity": float(equity.sum()) - public},
            "firms": {"deposits": float(firm_deposits.sum()), "loans": -self.loans()},
            "banks": {
                "deposits": -float(deposits.sum()),
                "loans": float(self.book.bank_loans().sum()),
                "reserves": float(b.reserves.sum()),
                "advances": -float(b.advances.sum()),
                "equity": -float(equity.sum()),
            },
            "central_bank": {
                "reserves": -float(b.reserves.sum()),
                "advances": float(b.advances.sum()),
                "equity": public,
            },
        }
        if self.external_deposits:
            out["outside"] = {"deposits": float(self.external_deposits)}
        return out


#: Flows of a tick reported in :attr:`BankingSystem.last` (currency).
FLOW_NAMES = (
    "loans_requested", "loans_granted", "loan_interest", "loan_repayment", "write_off", "loan_recovery",
    "loan_losses", "deposit_interest_households", "deposit_interest_firms", "advance_interest",
    "reserve_interest", "bank_dividends_households", "bank_dividends_cb", "cb_recapitalisation",
)
