"""The government: taxes, unemployment benefits, public purchases of goods and its debt.

One government, a handful of scalars. It banks at the central bank (``deposits``, a
liability of the central bank) and owes ``bonds`` to banks and the central bank
(:mod:`arena.markets.bonds`). Its rules (Caiani et al. 2016, sec. 3 and App. A; rates
are :class:`~arena.config.ArenaConfig` parameters):

* **taxes**: ``tax_wage_rate`` of every gross wage, withheld when wages are paid, and
  ``tax_profit_rate`` of each firm's taxable profit of the tick (its booked profit: sales minus
  wages, inputs, interest and depreciation, machines capitalised, less the losses it carries
  forward: :func:`arena.sectors.corporate.taxable_profit`), capped by its deposits;
* **unemployment benefits** (the dole, untaxed): ``benefit_replacement`` x the mean wage to
  every unemployed household, paid with the wages (one gather, no extra pass over N);
* **purchases of goods** (the fiscal rule): ``g_t = gov_spending_share + active fiscal shocks
  - debt_feedback (b_t - b_0)`` of potential output at the goods price, ``G_t = g_t Y*_t p_t``
  (currency per tick), ``b_t`` the bonds over a year's nominal potential output and ``b_0``
  its opening value (the rule keeps the debt ratio), ordered from C-firms through the goods
  market (:func:`arena.markets.goods.government_purchase`), so it is demand the firms see. The
  debt feedback is Bohn's (1998) finding that US primary surpluses rise by about 0.05 of GDP
  per unit of debt ratio: without it a budget that does not balance drains (or floods) private
  wealth for ever, and output follows it (Godley & Lavoie 2007, model SIM: Y* = G / theta);
  with a share of 0.13 the baseline's government ran surpluses of 5-8 % of GDP, its debt fell
  from 0.68 to 0.15 of GDP in ten years, money fell by half, and the economy sank into a
  deflation with the policy rate at zero (measured, docs/model.md "Government");
* **financing**: the deficit ``D = G + benefits + interest - taxes - central-bank profits``
  is met by issuing bonds (a surplus retires them) so that deposits return to
  :data:`CASH_TICKS` ticks of outlays (:mod:`arena.fiscal_phase`); bonds pay
  ``bond_yield = policy rate + term_premium - qe_term_premium_sensitivity * qe_share`` per year on
  the outstanding stock (``qe_share``: bonds bought by QE over a year's nominal potential output).

Automatic stabilisers follow: in a slump wages and profits fall, so taxes fall, and the
unemployed are more, so benefits rise; the deficit widens without any decision.

Shocks (:mod:`arena.shocks`) add a change of ``g`` (``fiscal``) or of a tax rate (``tax``),
permanent or for ``duration`` ticks.
"""

from __future__ import annotations

#: Ticks of outlays (purchases + benefits) the government keeps on deposit at the central bank.
CASH_TICKS = 5.0
#: Bounds of a tax rate after shocks.
TAX_BOUNDS = (0.0, 0.95)
#: Flows of a tick reported in :attr:`Government.last` (currency per tick).
FLOW_NAMES = (
    "wage_tax", "profit_tax", "benefits", "purchases", "bond_interest_banks", "bond_interest_cb",
    "cb_remittance", "bonds_issued",
)


class Government:
    """Fiscal state and rules (module doc).

    Parameters
    ----------
    config : ArenaConfig
        ``tax_wage_rate``, ``tax_profit_rate``, ``benefit_replacement``, ``gov_spending_share``,
        ``term_premium``.
    bonds : float
        Bonds outstanding at tick 0 (currency), >= 0.

    Attributes
    ----------
    deposits : float
        Deposits at the central bank (currency), >= 0 at the end of every tick.
    bonds : float
        Bonds outstanding (currency, at par).
    shocks : list of [str, float, int or None]
        Active fiscal and tax shocks: ``[what, change, last tick or None]`` with ``what`` in
        ``spending``, ``wage``, ``profit``.
    last : dict
        Flows of the last tick (:data:`FLOW_NAMES`), currency per tick.
    opening_debt_ratio : float or None
        Bonds over a year's nominal potential output at tick 0, the ratio the fiscal rule keeps
        (-); None until :func:`arena.fiscal_phase.build` sets it.
    """

    def __init__(self, config, bonds: float):
        self.config = config
        self.deposits = 0.0
        self.bonds = float(bonds)
        self.shocks: list[list] = []
        self.last = dict.fromkeys(FLOW_NAMES, 0.0)
        self.opening_debt_ratio: float | None = None

    # ------------------------------------------------------------------ rules ------------
    def _change(self, what: str, tick: int) -> float:
        return float(sum(c for w, c, end in self.shocks if w == what and (end is None or tick <= end)))

    def prune(self, tick: int) -> None:
        """Drop shocks that have expired by ``tick``."""
        self.shocks = [s for s in self.shocks if s[2] is None or tick <= s[2]]

    def spending_share(self, tick: int) -> float:
        """``g_t``: purchases as a share of potential output at tick ``tick`` (>= 0)."""
        return max(self.config.gov_spending_share + self._change("spending", tick), 0.0)

    def wage_tax_rate(self, tick: int) -> float:
        """Tax rate on gross wages at tick ``tick``, in :data:`TAX_BOUNDS`."""
        return min(max(self.config.tax_wage_rate + self._change("wage", tick), TAX_BOUNDS[0]), TAX_BOUNDS[1])

    def profit_tax_rate(self, tick: int) -> float:
        """Tax rate on firms' positive profits at tick ``tick``, in :data:`TAX_BOUNDS`."""
        return min(max(self.config.tax_profit_rate + self._change("profit", tick), TAX_BOUNDS[0]),
                   TAX_BOUNDS[1])

    def purchases_budget(self, tick: int, potential: float, price: float) -> float:
        """Currency the government orders goods for this tick: ``g_t Y* p`` (>= 0).

        ``g_t`` is :meth:`spending_share` less the debt feedback ``debt_feedback (b_t - b_0)``,
        ``b_t`` = :meth:`debt_ratio`, ``b_0`` = ``opening_debt_ratio`` (set by
        :func:`arena.fiscal_phase.build`).
        """
        nominal = max(potential, 0.0) * max(price, 0.0)
        share = self.spending_share(tick)
        target = self.__dict__.get("opening_debt_ratio")  # None in checkpoints from before the rule
        if target is not None and nominal > 0:
            share -= self.config.debt_feedback * (self.debt_ratio(potential, price) - target)
        return max(share, 0.0) * nominal

    def debt_ratio(self, potential: float, price: float) -> float:
        """Bonds over a year's nominal potential output (``potential`` goods/tick at ``price``), >= 0."""
        nominal = max(potential, 0.0) * max(price, 0.0) * self.config.ticks_per_year
        return self.bonds / nominal if nominal > 0 else 0.0

    def benefit(self, mean_wage: float) -> float:
        """Benefit per unemployed household per tick: ``benefit_replacement`` x mean wage (currency)."""
        return self.config.benefit_replacement * max(mean_wage, 0.0)

    def term_premium_shift(self, qe_share: float) -> float:
        """Fall of the term premium from QE: ``-qe_term_premium_sensitivity * qe_share`` (1/year, <= 0).

        Portfolio balance (Gagnon, Raskin, Remache & Sack 2011): the central bank's purchases
        take duration out of private hands and lower the premium investors ask for holding it.

        Parameters
        ----------
        qe_share : float
            Bonds held from QE purchases over a year's nominal potential output (>= 0, -).
        """
        return -self.config.qe_term_premium_sensitivity * max(qe_share, 0.0)

    def bond_yield(self, policy_rate: float, qe_share: float = 0.0) -> float:
        """Annual yield on bonds: policy rate + ``term_premium`` + the QE shift (1/year), floored at 0.

        ``qe_share``: bonds bought by QE over a year's nominal potential output (see
        :meth:`term_premium_shift`); 0 leaves the yield at policy rate + ``term_premium``.
        """
        return max(policy_rate + self.config.term_premium + self.term_premium_shift(qe_share), 0.0)

    def cash_target(self) -> float:
        """Deposits the government keeps: :data:`CASH_TICKS` ticks of last tick's outlays (currency)."""
        return CASH_TICKS * (self.last["purchases"] + self.last["benefits"])

    # ------------------------------------------------------------------ reporting --------
    def indicators(self) -> dict[str, float]:
        """``tax_revenue``, ``benefits``, ``gov_spending``, ``deficit``, ``gov_debt`` (currency)."""
        f = self.last
        taxes = f["wage_tax"] + f["profit_tax"]
        interest = f["bond_interest_banks"] + f["bond_interest_cb"]
        return {
            "tax_revenue": taxes,
            "benefits": f["benefits"],
            "gov_spending": f["purchases"],
            "deficit": f["purchases"] + f["benefits"] + interest - taxes - f["cb_remittance"],
            "gov_debt": self.bonds,
        }
