"""Engine configuration: every parameter declared once, with unit, default and valid range.

:class:`ArenaConfig` is a frozen object. Each parameter is declared in :data:`PARAMETERS`
as a :class:`Param` (type, default, range or options, unit, meaning); construction validates
every value against its declaration and raises :class:`~arena.errors.ConfigError` with a
message from one template::

    The 'n_agents' parameter of ArenaConfig must be an int in the range [1, 10000000]. Got -5 instead.

Defaults follow the engine specification (``max_agents`` 100000, ``tick_rate`` 100 ms,
``base_inflation_rate`` 0.02, ...); the economic calibration is documented in docs/model.md.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Mapping

from arena.errors import ConfigError


@dataclass(frozen=True)
class Param:
    """Declaration of one configuration parameter.

    Parameters
    ----------
    kind : type
        ``int``, ``float``, ``bool`` or ``str``.
    default : object
        Default value.
    low, high : float or None
        Inclusive bounds for numbers (None = unbounded on that side).
    unit : str
        Unit of the value ("agents", "1/year", "ms", "-" for dimensionless).
    doc : str
        One-line meaning.
    options : tuple of str
        Allowed values for ``str`` parameters.
    nullable : bool
        Whether ``None`` is allowed (e.g. ``seed``).
    """

    kind: type
    default: Any
    low: float | None = None
    high: float | None = None
    unit: str = "-"
    doc: str = ""
    options: tuple[str, ...] = ()
    nullable: bool = False

    def describe(self) -> str:
        """Return the allowed values as a phrase for error messages."""
        if self.kind is str:
            return "one of " + ", ".join(repr(o) for o in self.options)
        if self.kind is bool:
            return "a bool (true or false)"
        name = "an int" if self.kind is int else "a float"
        fmt = (lambda v: str(int(v))) if self.kind is int else (lambda v: f"{v:g}")
        lo = "-inf" if self.low is None else fmt(self.low)
        hi = "inf" if self.high is None else fmt(self.high)
        text = f"{name} in the range [{lo}, {hi}]"
        return text + ' or None ("random" in TOML)' if self.nullable else text


P = Param
#: Banks and credit (Economy v2 part 2; docs/model.md "Banks and credit"), declared here so
#: that they are ArenaConfig parameters; :class:`arena.sectors.bank_params.BankParams`
#: validates the same declarations with the same validator (:func:`validate_value`).
BANK_PARAMETERS: dict[str, Param] = {
    "n_banks": P(int, 10, 1, 1000, "banks", "number of banks (Caiani et al. 2016 use 10)"),
    "capital_requirement": P(
        float, 0.08, 0.0, 0.5, "-",
        "minimum equity / loans a bank keeps when it lends (Basel: 8% of risk-weighted assets, weight 1)",
    ),
    "capital_buffer": P(
        float, 0.025, 0.0, 0.5, "-",
        "buffer above the minimum (Basel III conservation buffer); below it banks pay no dividends "
        "and charge the weakness spread",
    ),
    "reserve_ratio": P(
        float, 0.02, 0.0, 1.0, "-",
        "reserves a bank holds per unit of deposits; shortfalls are borrowed from the central bank",
    ),
    "loan_maturity": P(
        int, 1250, 1, 100_000, "ticks",
        "mean life of a loan: 1/loan_maturity of each principal is repaid every tick "
        "(1250 ticks = 5 years, Caiani et al.'s 20 quarters)",
    ),
    "base_spread": P(
        float, 0.02, 0.0, 0.5, "1/year", "lending spread over the policy rate of a riskless borrower"
    ),
    "pd_intercept": P(
        float, -7.0, -50.0, 50.0, "-",
        "b1 of the annual default probability 1/(1+exp(-(b1 + b2 * leverage + b3 * coverage)))",
    ),
    "pd_slope": P(
        float, 8.0, 0.0, 100.0, "-", "b2: how fast the default probability rises with leverage (debt/assets)"
    ),
    "pd_coverage": P(
        float, 0.0, 0.0, 50.0, "-",
        "b3: how fast the default probability rises with debt service over operating cash flow "
        "(capped at 3; Caiani et al. 2016 price loans by cash flow against debt service); 0 = off",
    ),
    "min_service_coverage": P(
        float, 0.0, 0.0, 10.0, "-",
        "banks lend a firm at most what keeps its expected operating cash flow at or above this "
        "multiple of its debt service (interest and amortisation) after the loan: the debt-service "
        "coverage ratio (DSCR) floor of loan underwriting; 1 = no new money for service the cash "
        "flow cannot pay; 0 = off",
    ),
    "max_default_probability": P(
        float, 0.25, 0.0, 0.99, "1/year",
        "banks refuse new loans to borrowers whose default probability exceeds this",
    ),
    "recovery_rate": P(
        float, 0.55, 0.0, 1.0, "-",
        "share of a defaulted loan the bank recovers at most (Basel II foundation IRB: LGD 45%)",
    ),
    "weakness_spread": P(
        float, 0.02, 0.0, 0.5, "1/year",
        "extra spread of a bank whose capital ratio has fallen from target to minimum (linear in between)",
    ),
    "deposit_passthrough": P(
        float, 0.5, 0.0, 1.5, "-", "deposit rate per unit of policy rate (incomplete pass-through)"
    ),
    "liquidity_premium": P(
        float, 0.0025, 0.0, 0.1, "1/year", "extra deposit rate of a bank that borrows from the central bank"
    ),
    "advance_spread": P(
        float, 0.0025, 0.0, 0.1, "1/year",
        "rate on central-bank advances over the policy rate (lending facility)",
    ),
    "bank_payout": P(
        float, 0.6, 0.0, 1.0, "-", "share of a bank's positive profit paid as dividends (Caiani et al.: 0.6)"
    ),
    "bank_switching_rate": P(
        float, 0.01, 0.0, 1.0, "1/tick",
        "probability that a customer compares its bank with another one in a tick",
    ),
    "credit_horizon": P(
        float, 5.0, 0.0, 250.0, "ticks",
        "firms borrow to hold this many ticks of planned outlays (wages, inputs) plus ordered machines",
    ),
    "initial_leverage": P(
        float, 0.2, 0.0, 0.9, "-", "firms' bank debt at tick 0 as a share of their capital and inventories"
    ),
    "target_debt_ratio": P(
        float, 0.2, 0.0, 0.9, "-",
        "firms borrow to keep bank debt at least this share of their capital and inventories at book value "
        "(Caiani et al. 2016's target debt ratio); 0 = they borrow only their financing gap",
    ),
    "finance_constraint": P(
        bool, False, unit="-",
        doc="a firm its bank rations hires only for the share of its planned liquidity it holds "
        "(Assenza et al. 2015's finance-constrained production); off = it hires as planned",
    ),
    "user_cost_elasticity": P(
        float, 1.0, 0.0, 5.0, "-",
        "elasticity of desired capital to the user cost of capital (Jorgenson 1963: 1)",
    ),
    "bank_switching_intensity": P(
        float, 3.46574, 0.0, 100.0, "-",
        "epsilon of the switching probability 1 - exp(-epsilon * relative rate gain) "
        "(Caiani et al.: ln 2 / 0.2)",
    ),
}

#: Every engine parameter. Order = documentation order.
PARAMETERS: dict[str, Param] = {
    # --- population and run -------------------------------------------------------------
    "n_agents": P(int, 100_000, 1, 10_000_000, "agents", "number of simulated households"),
    "seed": P(
        int, None, 0, 2**63 - 1, "-",
        "seed of the model's numpy Generator; None draws a fresh one, recorded in model.config.seed",
        nullable=True,
    ),
    "max_agents": P(
        int, 100_000, 0, 10_000_000, "agents", "maximum number of outside agents registered through the API"
    ),
    "ticks_per_year": P(
        int, 250, 1, 10_000, "ticks/year", "trading days per year; converts annual rates to per-tick rates"
    ),
    "share_fundamentalist": P(float, 0.35, 0.0, 1.0, "-", "initial share of fundamentalist traders"),
    "share_chartist": P(float, 0.35, 0.0, 1.0, "-", "initial share of chartists (trend followers)"),
    "share_noise": P(float, 0.30, 0.0, 1.0, "-", "share of noise traders (fixed)"),
    "activity_rate": P(
        float, 0.1, 0.001, 1.0, "1/tick", "probability that a household submits an equity order in a tick"
    ),
    "switching_rate": P(
        float,
        0.3,
        0.0,
        1.0,
        "1/tick",
        "probability that a non-noise trader reconsiders its strategy in a tick",
    ),
    "switching_intensity": P(
        float, 1.0, 0.0, 100.0, "-", "beta: intensity of choice between strategies (FW 2012)"
    ),
    "switching_predisposition": P(
        float, -0.2, -10.0, 10.0, "-", "alpha_0: predisposition to fundamentalism (< 0 favours chartists)"
    ),
    "strategy_herding": P(
        float, 1.679, 0.0, 100.0, "-", "alpha_n: pull toward the majority strategy per unit of n_f - n_c"
    ),
    "misalignment_switching": P(
        float, 10.0, 0.0, 1000.0, "1/log-price^2",
        "alpha_p: pull toward fundamentalism per squared log mispricing (p - p*)^2",
    ),
    "arousal_switching": P(
        float, 1.0, 0.0, 100.0, "-", "alpha_e: pull toward chartism per unit of fear + greed above calm (0.4)"
    ),
    "loss_switching": P(
        float, 0.0, 0.0, 100.0, "-",
        "alpha_r: pull toward fundamentalism per unit of the equity trend (EWMA of log returns / 0.01, "
        "clipped to +-5): after falls value investors withdraw (limits of arbitrage); "
        "0 = FW's symmetric switching",
    ),
    "initial_cash": P(float, 300.0, 1e-3, 1e9, "currency/agent", "mean initial deposits"),
    "wealth_dispersion": P(float, 0.8, 0.0, 3.0, "-", "sigma of the lognormal initial wealth"),
    "portfolio_wealth_gradient": P(float, 0.3, 0.0, 1.0, "-",
                                   "rise of the tick-0 equity share of wealth from the poorest to the "
                                   "richest household (0 = independent draws of deposits and shares)"),
    # --- markets --------------------------------------------------------------------------
    "max_price_change": P(float, 0.5, 0.001, 0.99, "-", "maximum relative price change per tick"),
    "price_tick": P(
        float,
        0.0005,
        1e-5,
        0.05,
        "log-price",
        "spacing of the call-auction price grid (0.0005 = 5 basis points)",
    ),
    "market_impact": P(
        float, 0.014, 0.0, 1.0, "log-price", "mu: expected log return per unit of group demand (FW 2012)"
    ),
    "fundamental_reversion": P(
        float, 0.5, 0.0, 10.0, "-", "phi: fundamentalists' demand per unit of log mispricing ln(F/p)"
    ),
    "trend_extrapolation": P(
        float, 0.8, 0.0, 100.0, "-", "chi: chartists' demand per unit of the last log return"
    ),
    "fundamentalist_noise": P(
        float, 0.22, 0.0, 100.0, "-", "sigma_f: std of the fundamentalists' common news noise (demand units)"
    ),
    "chartist_noise": P(
        float, 2.087, 0.0, 100.0, "-", "sigma_c: std of the chartists' common news noise (demand units)"
    ),
    "news_tail": P(
        float, 0.1, 0.0, 0.45, "-",
        "1/nu: inverse degrees of freedom of the Student-t news of fundamentalists and chartists (unit "
        "variance); 0 = Gaussian (FW 2012); 1/6.5 = 0.154: a Student-t GARCH(1,1) on S&P 500 daily returns",
    ),
    "trend_memory": P(float, 0.8, 0.0, 0.999, "-", "EWMA weight of the price trend that moods follow"),
    "noise_reversal": P(
        float, 0.15, 0.0, 1.0, "-",
        "kappa: share of the last log return noise traders expect to reverse (liquidity providers; 0 = none)",
    ),
    "noise_sigma": P(float, 0.01, 0.0, 0.5, "log-price", "dispersion of noise traders' expected returns"),
    "expectation_dispersion": P(
        float, 0.004, 0.0, 0.5, "log-price", "idiosyncratic dispersion of all expected returns"
    ),
    "risk_aversion": P(
        float, 1.0, 0.01, 100.0, "-", "mean relative risk aversion; a household's elasticity is eta / its own"
    ),
    "demand_sensitivity": P(
        float, 5.0, 0.0, 1000.0, "-", "eta: price elasticity of a household's equity demand schedule"
    ),
    "rebalancing": P(
        float, 0.0005, 0.0, 1.0, "-", "zeta: pull of the reservation return per log gap to the target share"
    ),
    "fear_selling": P(
        float, 0.05, 0.0, 1.0, "log-price/tick",
        "fall of a household's reservation return per tick per squared unit of fear above the crowd's usual",
    ),
    "fear_liquidity": P(
        float, 0.0, 0.0, 10.0, "-",
        "withdrawal of buy-side depth: a household's buying elasticity is cut by this times its fear above "
        "the crowd's usual (floor 10%)",
    ),
    "equity_risk_premium": P(
        float, 0.04, 0.0, 0.5, "1/year", "premium over the policy rate that discounts dividends"
    ),
    # --- psychology (specification defaults) --------------------------------------------
    "sentiment_weight": P(float, 0.4, 0.0, 1.0, "-", "weight of sentiment in expectations"),
    "fear_weight": P(float, 0.3, 0.0, 1.0, "-", "weight of fear in the volatility multiplier"),
    "greed_weight": P(float, 0.3, 0.0, 1.0, "-", "weight of greed in the volatility multiplier"),
    "herding_weight": P(float, 0.5, 0.0, 1.0, "-", "weight of herding in the volatility multiplier"),
    "extremity_weight": P(
        float, 0.4, 0.0, 1.0, "-", "weight of sentiment extremity |s - 0.5|*2 in the volatility multiplier"
    ),
    "herding_threshold": P(float, 0.7, 0.0, 1.0, "-", "herding factor above which an event fires"),
    "herding_strength": P(
        float, 0.25, 0.0, 1.0, "-",
        "imitation: crowd weight of moods 1 - (1 - social_influence)(1 - this), fear contagion J = this, "
        "and in stress the share of traders copying the crowd (times excess fear)",
    ),
    "memory_decay": P(float, 0.95, 0.0, 0.9999, "-", "EWMA weight of agents' memory of returns"),
    "mood_adjustment": P(float, 0.1, 0.0, 1.0, "1/tick", "speed at which moods move to their target"),
    "social_influence": P(float, 0.3, 0.0, 1.0, "-", "weight of the crowd's mood in own sentiment"),
    "panic_threshold": P(float, 0.7, 0.0, 1.0, "-", "fear index above which a panic event fires"),
    "euphoria_threshold": P(float, 0.7, 0.0, 1.0, "-", "greed index above which euphoria fires"),
    "volatility_threshold": P(
        float,
        0.1,
        1e-4,
        10.0,
        "1/sqrt(year)",
        "annualised equity volatility above which markets feel stressed",
    ),
    "volatility_window": P(int, 20, 2, 1000, "ticks", "window of realised volatility"),
    # --- firms, production, labour, consumption (Economy v2; docs/model.md "Firms") ------
    "n_firms": P(int, 0, 0, 100_000, "firms",
                 "consumption-goods firms; 0 = automatic, max(5, n_agents // 100)"),
    "n_kfirms": P(int, 0, 0, 20_000, "firms", "capital-goods firms; 0 = automatic, max(2, n_firms // 5)"),
    "productivity": P(float, 1.0, 1e-3, 1e3, "goods/worker/tick", "output per worker at tick 0 (C-firms)"),
    "productivity_growth": P(float, 0.015, -0.05, 0.1, "1/year", "growth of labour productivity, all firms"),
    "productivity_dispersion": P(float, 0.2, 0.0, 1.0, "log points",
                                 "std of a firm's log efficiency around the common productivity "
                                 "(stationary; 0 = identical firms)"),
    "productivity_persistence": P(float, 0.8, 0.0, 0.999, "-",
                                  "yearly autocorrelation of a firm's log efficiency"),
    "initial_markup": P(float, 0.15, 0.0, 1.0, "-", "markup over unit cost at tick 0"),
    "min_markup": P(float, 0.0, 0.0, 0.5, "-", "lower bound of a firm's markup"),
    "max_markup": P(float, 1.0, 0.5, 5.0, "-", "upper bound of a firm's markup"),
    "review_ticks": P(float, 20.0, 1.0, 1000.0, "ticks",
                      "mean ticks between a firm's price/quantity/wage/investment reviews (Calvo)"),
    "price_step": P(float, 0.01, 0.0, 0.5, "-", "largest markup change per review h_p (uniform draw)"),
    "quantity_step": P(float, 0.5, 0.0, 1.0, "-", "share rho of the output gap closed at a review"),
    "wage_step": P(float, 0.015, 0.0, 0.5, "-",
                   "wage change per review per unit of vacancy pressure (pressure in [-3, 3])"),
    "wage_unemployment_weight": P(float, 0.5, 0.0, 1.0, "-",
                                  "weight of the unemployment gap (u - u*) / u* against the vacancy gap in "
                                  "the labour-market tightness wages follow (0 = vacancies only)"),
    "capital_goods_smoothing": P(float, 60.0, 1.0, 2500.0, "ticks",
                                 "ticks over which K-firms average machine orders and close their inventory "
                                 "gap (production smoothing: stocks and unfilled orders, not jobs, take up "
                                 "the lumps in orders; 60 = three months, the backlog of core capital goods, "
                                 "Census M3; Nalewaik & Pinto 2012)"),
    "inventory_ticks": P(float, 5.0, 0.0, 250.0, "ticks", "inventory a firm aims at, in ticks of demand"),
    "input_substitution": P(float, 0.1, 0.0, 0.9, "-",
                            "CES elasticity between commodity inputs and labour+capital (0 = Leontief)"),
    "input_stock_ticks": P(float, 10.0, 0.0, 250.0, "ticks",
                           "C-firms' commodity input stocks at target, in ticks of use"),
    "capital_output": P(float, 2.5, 0.1, 10.0, "years", "capital / annual output at target utilisation"),
    "depreciation": P(float, 0.06, 0.0, 0.5, "1/year", "depreciation rate of installed capital"),
    "capital_adjustment": P(float, 0.3, 0.0, 50.0, "1/year",
                            "share lambda of the gap to desired capital a firm's orders close per year "
                            "(flexible accelerator, Koyck 1954); 0 = the whole gap at each review ([A])"),
    "target_utilisation": P(float, 0.85, 0.3, 1.0, "-", "capacity utilisation firms plan for (omega)"),
    "separation_rate": P(float, 0.0015, 0.0, 0.1, "1/tick", "probability that a job ends (quit) in a tick"),
    "employment_smoothing": P(float, 62.5, 0.0, 2500.0, "ticks",
                              "memory of a firm's headcount target: it hires and keeps workers for its "
                              "labour need averaged over this many ticks, hours take up the rest (0 = heads "
                              "follow the need at once)"),
    "max_hours": P(float, 1.1, 1.0, 2.0, "-",
                   "longest working time per worker relative to the standard week (overtime ceiling; "
                   "1 = no overtime)"),
    "matching_efficiency": P(float, 0.037, 0.001, 1.0, "1/tick",
                             "mu of the matching function H = mu * sqrt(U V)"),
    "normal_vacancy_rate": P(float, 0.03, 0.001, 0.5, "-",
                             "vacancy rate at which a firm's wage follows its index (JOLTS, 2001-2019)"),
    "search_share": P(float, 0.1, 0.0, 1.0, "1/tick", "share of households that re-search for a shop"),
    "search_size": P(int, 3, 1, 20, "firms", "shops a searching household compares (incl. its own)"),
    "natural_unemployment": P(float, 0.05, 0.0, 0.5, "-",
                              "unemployment at tick 0; reference u* of the Phillips indicator"),
    "phillips_slope": P(
        float, 0.5, 0.0, 10.0, "1/year", "slope of the reference phillips_inflation indicator (not imposed)"
    ),
    "consumption_propensity": P(
        float, 0.0008, 1e-5, 0.1, "1/tick", "share chi of deposits spent per tick at neutral mood"
    ),
    "income_propensity": P(float, 0.8, 0.0, 1.0, "-", "share of permanent income spent at neutral mood"),
    "fear_spending": P(
        float, 0.02, 0.0, 1.0, "-",
        "fall of a household's spending (share of its budget) per unit of its fear above the neutral 0.2",
    ),
    "greed_spending": P(
        float, 0.01, 0.0, 1.0, "-",
        "rise of a household's spending (share of its budget) per unit of its greed above the neutral 0.2",
    ),
    "income_memory": P(float, 0.9994, 0.0, 0.99999, "-", "EWMA weight xi of permanent income per tick"),
    "hand_to_mouth_share": P(float, 0.3, 0.0, 1.0, "-",
                             "share of households whose permanent income is their current income "
                             "(rule-of-thumb consumers; Kaplan, Violante & Weidner 2014: about a third)"),
    "inflation_sensitivity": P(
        float, 0.5, 0.0, 50.0, "-", "rise of consumption propensity per unit of expected-inflation gap"
    ),
    "deposit_rate_sensitivity": P(
        float, 0.5, 0.0, 50.0, "-",
        "fall of consumption propensity per unit of deposit-rate gap from the steady state "
        "(= inflation_sensitivity: one response to the real deposit rate, EIS 0.5; Havranek et al. 2015)",
    ),
    "dividend_payout": P(
        float, 0.2, 0.0, 1.0, "1/tick",
        "share of a firm's deposits above its buffer paid out per tick (at most its earnings under the "
        "'earnings' dividend rule); producers' royalties are the same share of their deposits",
    ),
    "dividend_rule": P(
        str, "earnings", unit="-", options=("earnings", "cash"),
        doc="earnings: a firm pays at most its positive profit (a review interval's EWMA) and nothing while "
        "its debt exceeds target_leverage of its assets (dividends out of profits, restricted-payments "
        "covenants); cash: the deposits above the buffer whatever its profit and debt",
    ),
    "target_leverage": P(
        float, 0.5, 0.0, 1.0, "-",
        "debt over total assets at book value above which a firm retains all its earnings "
        "('earnings' dividend rule; debt up to equity, US firms' median book leverage is about 0.3)",
    ),
    "buffer_ticks": P(float, 20.0, 1.0, 500.0, "ticks", "deposits a firm keeps, in ticks of its wage bill"),
    "entry_delay": P(int, 20, 1, 10_000, "ticks", "ticks before a defaulted firm's slot is re-entered"),
    # --- monetary policy ---------------------------------------------------------------
    "monetary_regime": P(str, "taylor", unit="-", doc="policy rule", options=("taylor", "money_growth")),
    "base_inflation_rate": P(
        float, 0.02, -0.5, 1.0, "1/year", "base term of structural inflation and the central bank's target"
    ),
    "neutral_real_rate": P(float, 0.02, -0.1, 0.2, "1/year", "r* of the Taylor rule"),
    "taylor_inflation_coef": P(float, 0.5, 0.0, 5.0, "-", "Taylor-rule weight on (pi - pi*)"),
    "taylor_output_coef": P(float, 0.5, 0.0, 5.0, "-", "Taylor-rule weight on the output gap"),
    "rate_smoothing": P(
        float, 0.9965, 0.0, 0.9999, "-", "partial adjustment of the policy rate per tick (0.8 a quarter)"
    ),
    "money_growth": P(
        float,
        0.035,
        -0.5,
        2.0,
        "1/year",
        "money-growth rule of the 'money_growth' regime (default: 2% inflation target + 1.5% trend "
        "productivity growth); in the Taylor regime bank loans create money and the rule is off",
    ),
    "tightening_threshold": P(
        float, 0.10, 0.0, 5.0, "1/year", "core inflation (year over year) above which tightening fires"
    ),
    "tightening_step": P(float, 0.02, 0.0, 0.5, "1/year", "extra rate added by automatic tightening"),
    "deflation_threshold": P(
        float, -0.005, -1.0, 0.5, "1/year", "core inflation (year over year) below which QE fires"
    ),
    "qe_rate": P(
        float,
        0.0002,
        0.0,
        0.1,
        "1/tick",
        "central-bank asset purchases per tick (bonds, or equity with qe_asset), as a share of money "
        "supply, under QE",
    ),
    "qe_asset": P(str, "bonds", unit="-", options=("bonds", "equity"),
                  doc="what QE buys: government bonds from banks (default) or listed equity in the auction"),
    "long_rate_expectation": P(
        str, "trailing", unit="-", options=("trailing", "rule"),
        doc="the long rate (user cost of capital, equity discount): trailing = a one-year EWMA of past "
        "policy rates; rule = the mean short rate expected over the coming year along the central "
        "bank's smoothing towards today's Taylor-rule target (expectations hypothesis, Campbell & "
        "Shiller 1991)",
    ),
    "zero_lower_bound": P(bool, True, unit="-", doc="floor the policy rate at 0"),
    "min_policy_rate": P(float, -0.05, -0.5, 0.0, "1/year", "floor of the rate without the ZLB"),
    "max_policy_rate": P(float, 0.5, 0.0, 1.0, "1/year", "ceiling of the policy rate"),
    "inflation_window": P(int, 63, 2, 5000, "ticks", "window of headline inflation, money growth, velocity"),
    "expectation_anchoring": P(
        float, 0.6, 0.0, 1.0, "-", "credibility: weight of the inflation target in expected inflation"
    ),
    "expectation_adjustment": P(
        float, 0.02, 0.0, 1.0, "1/tick", "speed of expected inflation toward structural inflation"
    ),
    # --- government (Economy v2 part 3; docs/model.md "Government and central bank") -------
    "tax_wage_rate": P(
        float, 0.245, 0.0, 0.9, "-",
        "tax withheld from every gross wage (Caiani et al. 2016: 0.18 on all household income; OECD Taxing "
        "Wages: the US average worker's income tax and social contributions about 0.25-0.30 of labour costs)",
    ),
    "tax_profit_rate": P(
        float, 0.2, 0.0, 0.9, "-",
        "tax on each firm's positive profit of the tick (Caiani et al.: 0.18; US federal rate: 0.21)",
    ),
    "benefit_replacement": P(
        float, 0.4, 0.0, 1.0, "-",
        "unemployment benefit per unemployed household as a share of the mean wage (Caiani et al.: 0.4)",
    ),
    "gov_spending_share": P(
        float, 0.2, 0.0, 1.0, "-",
        "public purchases of goods per tick as a share of potential output at the goods price, at the "
        "opening debt ratio (US government consumption and investment, 1960-2019: about 0.2 of GDP, BEA)",
    ),
    "debt_feedback": P(
        float, 0.05, 0.0, 1.0, "-",
        "fall of the spending share per unit of debt ratio above the opening one (Bohn 1998: about 0.05)",
    ),
    "term_premium": P(
        float, 0.01, -0.05, 0.1, "1/year",
        "bond yield over the policy rate (ACM 10-year term premium, 1990-2007: about 1-1.5 points)",
    ),
    "qe_term_premium_sensitivity": P(
        float, 0.05, 0.0, 1.0, "1/year",
        "fall of the term premium per unit of bonds bought by QE over a year's nominal potential output "
        "(Gagnon et al. 2011: US QE1, about 12% of GDP, lowered the 10-year term premium by 30-100 bp)",
    ),
    # --- banks and credit (Economy v2 part 2) -----------------------------------------------
    **BANK_PARAMETERS,
    # --- scarcity (specification defaults) ---------------------------------------------
    "depletion_rate": P(
        float, 0.001, 0.0, 0.1, "1/tick", "share of reserves depleted per tick at base extraction"
    ),
    "discovery_probability": P(float, 0.005, 0.0, 1.0, "1/tick", "per resource and tick"),
    "catastrophe_probability": P(float, 0.0001, 0.0, 1.0, "1/tick", "per resource and tick"),
    "discovery_mean_size": P(
        float, 0.1, 0.0, 10.0, "-", "mean discovery size as a share of base reserves (exponential)"
    ),
    "catastrophe_duration": P(int, 20, 1, 10_000, "ticks", "ticks a catastrophe blocks extraction"),
    "critical_scarcity": P(float, 0.8, 0.0, 1.0, "-", "scarcity level that fires a critical event"),
    "reserve_replacement": P(
        float, 1.0, 0.0, 10.0, "-",
        "reserve additions (development + expected discoveries) per unit of base extraction at tick-0 "
        "scarcity",
    ),
    "development_elasticity": P(
        float, 1.0, 0.0, 10.0, "-", "elasticity of finite reserves' development to their cost factor",
    ),
    "carbon_cap_decline": P(float, 0.022, 0.0, 1.0, "1/year", "annual tightening of the carbon cap"),
    # --- real time, API, event log (specification defaults) --------------------------------
    "tick_rate": P(int, 100, 1, 60_000, "ms", "real-time pace of the dashboard and API"),
    "cache_expiry": P(int, 5000, 0, 3_600_000, "ms", "lifetime of cached API read responses"),
    "rate_limit": P(int, 1000, 1, 1_000_000, "requests/minute", "per-agent API request limit"),
    "history_limit": P(int, 1000, 10, 10_000_000, "events", "length of the bounded event log"),
}
del P


#: TOML has no null: a nullable parameter (``seed``) written as one of these words means None.
NONE_WORDS = ("none", "random")


def _validate(name: str, value: Any) -> Any:
    """Return ``value`` converted to the declared kind or raise ConfigError."""
    spec = PARAMETERS.get(name)
    if spec is None:
        raise ConfigError(
            f"Unknown parameter {name!r} for ArenaConfig. Valid parameters are: "
            + ", ".join(sorted(PARAMETERS))
        )
    return validate_value(name, spec, value)


def validate_value(name: str, spec: Param, value: Any, owner: str = "ArenaConfig") -> Any:
    """Return ``value`` converted to the kind ``spec`` declares, or raise ConfigError.

    The one validator of every declared parameter (ArenaConfig's and the objects that reuse
    its declarations, such as :class:`arena.sectors.bank_params.BankParams`), with the one
    error template naming ``owner``, the parameter, the allowed values and the value received.

    Parameters
    ----------
    name : str
        Parameter name.
    spec : Param
        Its declaration.
    value : object
        Value to check; numpy scalars are accepted through their Python value.
    owner : str, default "ArenaConfig"
        Name of the object the parameter belongs to, for the message.
    """

    def fail() -> ConfigError:
        return ConfigError(
            f"The {name!r} parameter of {owner} must be {spec.describe()}. Got {value!r} instead."
        )

    if value is None or (spec.nullable and isinstance(value, str) and value.lower() in NONE_WORDS):
        if spec.nullable:
            return None
        raise fail()
    if spec.kind is bool:
        if not isinstance(value, bool):
            raise fail()
        return value
    if spec.kind is str:
        if not isinstance(value, str) or value not in spec.options:
            raise fail()
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        # numpy scalars are accepted through their Python value
        if hasattr(value, "item") and not isinstance(value, (str, bytes)):
            return validate_value(name, spec, value.item(), owner)
        raise fail()
    if spec.kind is int:
        if isinstance(value, float):
            if not value.is_integer():
                raise fail()
            value = int(value)
    else:
        value = float(value)
    if isinstance(value, float) and not math.isfinite(value):
        raise fail()
    if (spec.low is not None and value < spec.low) or (spec.high is not None and value > spec.high):
        raise fail()
    return value


def _make_class():
    namespace: dict[str, Any] = {"__annotations__": {}}
    for name, spec in PARAMETERS.items():
        namespace["__annotations__"][name] = spec.kind if not spec.nullable else (spec.kind | None)
        namespace[name] = spec.default
    return namespace


class _ConfigBase:
    """Validation and I/O shared by the generated :class:`ArenaConfig`."""

    def __post_init__(self):
        for f in fields(self):
            object.__setattr__(self, f.name, _validate(f.name, getattr(self, f.name)))
        total = self.share_fundamentalist + self.share_chartist + self.share_noise
        if abs(total - 1.0) > 1e-9:
            raise ConfigError(
                "The strategy shares 'share_fundamentalist', 'share_chartist' and 'share_noise' "
                f"of ArenaConfig must sum to 1. Got {total!r} instead."
            )
        # a firm starts with at least one worker: more firms than households is not an economy
        # (found by the property tests: 70,000 firms and 20 households emptied the goods book)
        for name in ("n_firms", "n_kfirms"):
            if getattr(self, name) > self.n_agents:
                raise ConfigError(
                    f"ArenaConfig.{name} must be 0 (automatic) or at most n_agents = {self.n_agents} "
                    f"(every firm starts with at least one worker). Got {getattr(self, name)!r}."
                )

    @classmethod
    def from_dict(cls, values: Mapping[str, Any] | None = None, **overrides: Any) -> "ArenaConfig":
        """Build a config from a mapping of parameter names to values.

        Parameters
        ----------
        values : mapping, optional
            Parameter values; missing parameters take their defaults.
        **overrides
            Further values, applied after ``values``.

        Raises
        ------
        ConfigError
            For an unknown key, a wrong type, NaN/inf or an out-of-range value.
        """
        if not isinstance(values, Mapping) and values is not None:
            raise ConfigError(f"ArenaConfig.from_dict expects a mapping. Got {type(values).__name__}.")
        merged = dict(values or {})
        merged.update(overrides)
        for key in merged:
            if not isinstance(key, str) or key not in PARAMETERS:
                _validate(str(key), None)
        return cls(**merged)

    @classmethod
    def from_toml(cls, path: str | Path) -> "ArenaConfig":
        """Load a config from a TOML file (top-level keys, or a ``[config]`` table)."""
        path = Path(path)
        try:
            data = tomllib.loads(path.read_text())
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"cannot read config file {path}: {exc}") from exc
        if "config" in data and isinstance(data["config"], dict):
            data = data["config"]
        try:
            return cls.from_dict(data)
        except ConfigError as exc:
            raise ConfigError(f"{path}: {exc}") from None

    def to_dict(self) -> dict[str, Any]:
        """Return every parameter as a plain dict (``from_dict(to_dict())`` round-trips)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def to_toml(self) -> str:
        """Return the config as TOML text (``seed = None`` is written as ``seed = "random"``)."""
        lines = []
        for key, value in self.to_dict().items():
            if value is None:
                lines.append(f'{key} = "random"')
            elif isinstance(value, bool):
                lines.append(f"{key} = {'true' if value else 'false'}")
            elif isinstance(value, str):
                lines.append(f'{key} = "{value}"')
            else:
                lines.append(f"{key} = {value!r}")
        return "\n".join(lines) + "\n"

    @property
    def min_households(self) -> int:
        """Fewest households (``n_agents``) this configuration admits: one per configured firm.

        The lower bound of ``n_agents`` raised to ``n_firms`` and ``n_kfirms`` (0 = automatic),
        the rule :meth:`__post_init__` enforces; an ``agents`` shock checks against it before
        it moves anything.
        """
        return max(int(PARAMETERS["n_agents"].low), self.n_firms, self.n_kfirms)

    def replace(self, **changes: Any) -> "ArenaConfig":
        """Return a copy with some parameters changed (validated)."""
        values = self.to_dict()
        values.update(changes)
        return type(self).from_dict(values)


ArenaConfig = dataclass(frozen=True)(
    type("ArenaConfig", (_ConfigBase,), {**_make_class(), "__module__": __name__})
)
ArenaConfig.__doc__ = (
    "Frozen, validated configuration of an Arena model.\n\n"
    "Parameters\n----------\n"
    + "\n".join(
        f"{name} : {spec.kind.__name__}, default {spec.default!r}\n"
        f"    {spec.doc} [{spec.unit}]; {spec.describe()}."
        for name, spec in PARAMETERS.items()
    )
)


def parameter_table() -> list[dict[str, Any]]:
    """Return the parameter declarations as rows (name, type, default, range, unit, meaning)."""
    return [
        {
            "name": n,
            "type": s.kind.__name__,
            "default": s.default,
            "allowed": s.describe(),
            "unit": s.unit,
            "meaning": s.doc,
        }
        for n, s in PARAMETERS.items()
    ]
