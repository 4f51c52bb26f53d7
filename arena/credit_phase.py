"""Phase 2, credit part: firms borrow before they pay and hire; debt service; defaults.

The borrowers are every firm slot, C-firms then K-firms (the employers' index order),
followed by the resource producers, who hold deposits at the banks but never borrow. Each
household and each of these accounts has a bank (:class:`arena.banking.BankingSystem`).

Within phase 2 (docs/model.md, "The tick"):

1. :func:`open_credit` - banks set rates; each living firm asks for the credit that brings
   its deposits to ``credit_horizon`` ticks of outlays (wages at the larger of its
   workforce and its labour demand, commodity inputs for its plan) plus the machines it
   has on order at the capital price, plus this tick's debt service; banks price it by
   leverage and by debt service over expected operating cash flow (:func:`cash_flow`),
   ration and lend (money created); a rationed firm hires for the share of its planned
   liquidity it holds (:func:`limit_labour_to_finance`, after firms set labour demand);
2. incomes are paid (wages out of deposits: a firm short of cash defaults);
3. :func:`service_and_defaults` - interest (a cost in the firm's profit) and amortisation
   (money destroyed); a firm that cannot pay, or whose net worth (deposits + capital and
   inventories at book value - debt) is negative, defaults; its loans are written off
   (recovery from its deposits) before the firm sector closes it;
4. :func:`close_banks` - deposit interest, bank profits and dividends (to shareholders in
   proportion to their shares), failures and resolution, customers' switching, liquidity.

Investment feels the loan rate through the user cost of capital (Jorgenson 1963):
:func:`user_cost_factor` scales the capital a C-firm desires by
``((r_ref + delta) / (r_f - i + i_L - pi_e + delta)) ** user_cost_elasticity``, with ``r_f``
the firm's loan rate this tick, ``i`` the policy rate, ``i_L`` the long rate (``model.long_rate``,
the one-year average of expected short rates), ``pi_e`` expected inflation and ``r_ref`` the
real loan rate at the tick-0 steady state: long-lived capital is priced off the long rate plus
the firm's spread (Gilchrist & Zakrajsek 2007), not the overnight rate.
"""

from __future__ import annotations

import numpy as np

from arena import accounting, fiscal_phase
from arena.banking import BankingSystem
from arena.markets import credit
from arena.monetary import per_tick
from arena.sectors.bank_params import BankParams

#: Bounds of the user-cost factor on desired capital (a firm neither doubles nor halves its plans).
USER_COST_BOUNDS = (0.8, 1.2)
#: Bounds of the Baumol-Tobin scaling of the credit horizon.
HORIZON_BOUNDS = (0.25, 2.0)


def build(model) -> BankingSystem:
    """Create the banks at tick 0: equity, initial loans (an initial condition), liquidity.

    Firms start with debt ``initial_leverage`` x (capital + inventories at book value): the
    loans that financed assets they hold, so no money moves. Banks start with equity at
    1.5 x the target capital ratio on those loans, split equally.
    """
    cfg = model.config
    params = BankParams.from_mapping(cfg)
    n_producers = model.producer_deposits.size
    system = BankingSystem(
        params, cfg.n_agents, model.cfirms.n + model.kfirms.n + n_producers, cfg.ticks_per_year, model.rng,
        0.0,
    )
    initial = params.initial_leverage * other_assets(model)
    loans0 = float(initial.sum())
    scale = loans0 if loans0 > 0 else float(model.pop.cash.sum()) * 0.1
    system.banks.equity[:] = 1.5 * params.capital_target * scale / params.n_banks
    deposits = borrower_deposits(model)
    system.seed_loans(deposits, initial, credit_deposits=False)
    system.external_deposits = model.outside.total_cash()
    system.settle(model.pop.cash, deposits)
    # the real loan rate of the steady state: policy rate at target, pd at initial leverage
    # and at the median debt-service coverage of tick 0
    policy0 = cfg.neutral_real_rate + cfg.base_inflation_rate
    tick_rate = per_tick(policy0 + params.base_spread, cfg.ticks_per_year)
    n_firms = model.cfirms.n + model.kfirms.n
    service0 = initial[:n_firms] * (tick_rate + 1.0 / params.loan_maturity)
    coverage0 = float(np.median(credit.coverage_ratio(service0, cash_flow(model)[:n_firms])))
    pd0 = credit.default_probability(np.array([params.initial_leverage]), params, coverage0)
    nominal = credit.loan_rate(policy0, pd0, np.zeros(1), params)
    system.reference_real_rate = float(nominal[0]) - cfg.base_inflation_rate
    system.reference_carry = carry_cost(policy0, params)
    # the deposit rate of the steady state (households' saving responds to the gap from it)
    system.reference_deposit_rate = max(0.0, params.deposit_passthrough * policy0)
    system.household_deposit_rate = system.reference_deposit_rate
    system.user_cost = np.ones(model.cfirms.n)
    return system


def borrower_deposits(model) -> np.ndarray:
    """Deposits of C-firms, K-firms and producers, concatenated (a copy), currency."""
    return np.concatenate([model.cfirms.deposits, model.kfirms.deposits, model.producer_deposits])


def store(model, deposits: np.ndarray) -> None:
    """Write concatenated borrower deposits back to their sectors."""
    nc, nk = model.cfirms.n, model.kfirms.n
    model.cfirms.deposits[:] = deposits[:nc]
    model.kfirms.deposits[:] = deposits[nc:nc + nk]
    model.producer_deposits[:] = deposits[nc + nk:]


def other_assets(model) -> np.ndarray:
    """Borrowers' non-deposit assets at book value: capital and inventories (currency)."""
    cf, kf = model.cfirms, model.kfirms
    c = cf.capital * model.capital_price() + cf.inventory * cf.price
    k = kf.inventory * kf.price
    return np.concatenate([c, k, np.zeros(model.producer_deposits.size)])


def firm_leverage(model) -> tuple[np.ndarray, np.ndarray]:
    """Return C-firms' and K-firms' debt over total assets at book value, in [0, 1].

    Assets are deposits, capital and inventories (:func:`other_assets`); 1 for a firm without assets.
    """
    nc, nk = model.cfirms.n, model.kfirms.n
    debt = model.banking.book.debt()[:nc + nk]
    assets = (borrower_deposits(model) + other_assets(model))[:nc + nk]
    lev = credit.leverage(debt, np.zeros_like(debt), assets)
    return lev[:nc], lev[nc:]


def carry_cost(policy_rate: float, params: BankParams, weakness: np.ndarray | float = 0.0) -> np.ndarray:
    """Cost of holding borrowed money as deposits (1/year): riskless loan rate - deposit rate."""
    deposit = max(0.0, params.deposit_passthrough * policy_rate)
    return np.maximum(policy_rate + params.base_spread + weakness - deposit, 1e-4)


def credit_horizon(model) -> np.ndarray:
    """Ticks of outlays each borrower wants to hold, falling with the cost of carrying credit.

    Baumol (1952) and Tobin (1956): the cash a firm holds scales with the inverse square root
    of its opportunity cost; here ``credit_horizon * sqrt(carry_0 / carry_f)``, with
    ``carry_f`` the lending bank's riskless loan rate minus its deposit rate.
    """
    bs = model.banking
    carry = carry_cost(bs.policy_rate, bs.params, bs.banks.weakness)[bs.firm_bank]
    scale = np.clip(np.sqrt(bs.reference_carry / carry), *HORIZON_BOUNDS)
    return model.config.credit_horizon * scale


def outlays(model) -> np.ndarray:
    """Spending each borrower plans to finance (currency): 0 for producers and closed firms."""
    cf, kf = model.cfirms, model.kfirms
    nc, nk = cf.n, kf.n
    span = credit_horizon(model)
    horizon, k_horizon = span[:nc], span[nc:nc + nk]
    inputs = float(cf.input_per_unit @ model.commodity_prices())
    c = horizon * (cf.wage * np.maximum(cf.workers, cf.labour_demand) + inputs * cf.planned)
    c += cf.k_order * model.capital_price()
    k = k_horizon * kf.wage * np.maximum(kf.workers, kf.labour_demand)
    return np.concatenate([np.where(cf.alive, c, 0.0), np.where(kf.alive, k, 0.0),
                           np.zeros(model.producer_deposits.size)])


def cash_flow(model) -> np.ndarray:
    """Return each borrower's expected operating cash flow per tick (currency): 0 for producers.

    The planned output at the posted price minus the wage bill and, for C-firms, the
    commodity inputs of the plan: what the firm's production plan leaves to serve debt
    (Caiani et al. 2016's operating cash flow). The plan, not the demand expected, so that
    K-firms' lumpy machine orders do not make their cash flow jump. Negative for a firm
    whose plan loses money.
    """
    cf, kf = model.cfirms, model.kfirms
    inputs = float(cf.coefficients @ model.commodity_prices())
    c = (cf.price - inputs) * cf.planned - cf.wage_bill()
    k = kf.price * kf.planned - kf.wage_bill()
    return np.concatenate([np.where(cf.alive, c, 0.0), np.where(kf.alive, k, 0.0),
                           np.zeros(model.producer_deposits.size)])


def open_credit(model, ledger: accounting.Ledger) -> None:
    """Banks set rates; firms borrow their financing gap as far as banks lend."""
    bs = model.banking
    bs.begin_tick(model.central_bank.policy_rate)
    deposits = borrower_deposits(model)
    uses_flow = bs.params.pd_coverage > 0 or bs.params.min_service_coverage > 0
    flow = cash_flow(model) if uses_flow else None  # computed only when it matters
    spend, assets = outlays(model), other_assets(model)
    gap = credit.financing_gap(deposits, spend, bs.service_due())
    top_up = leverage_top_up(model, assets)
    request = gap if top_up is None else np.maximum(gap, top_up)
    lending = bs.lend(deposits, spend, assets, ledger, flow, request)
    store(model, deposits)
    # a rationed firm holds only part of the liquidity it planned: the share it got (a refused
    # top-up toward the target debt ratio is not a shortfall of the liquidity it needs)
    shortfall = np.minimum(lending.requested - lending.granted, gap)
    held = np.maximum(deposits, 0.0)
    bs.finance_share = np.where(shortfall > 0, held / np.maximum(held + shortfall, 1e-300), 1.0)
    bs.user_cost = user_cost_factor(model, lending.rate[: model.cfirms.n])


def leverage_top_up(model, assets: np.ndarray) -> np.ndarray | None:
    """Credit each firm asks to bring its bank debt up to ``target_debt_ratio`` x its assets.

    Caiani et al. (2016) and Godley & Lavoie (2007, ch. 11): firms hold a target ratio of debt to
    capital, so their borrowing grows with their capital and with nominal output instead of being
    repaid away while they hold cash. Assets are capital and inventories at book value
    (:func:`other_assets`); producers ask nothing. None when ``target_debt_ratio`` is 0 (borrow
    only the financing gap).
    """
    target = model.banking.params.target_debt_ratio
    if target <= 0.0:
        return None
    want = target * assets
    want[model.cfirms.n + model.kfirms.n:] = 0.0
    return np.maximum(want - model.banking.book.debt(), 0.0)


def limit_labour_to_finance(model) -> None:
    """Scale rationed firms' labour demand to the share of their planned liquidity they hold.

    Assenza, Delli Gatti & Grazzini (2015): a firm's production is constrained by the
    finance it has, ``L <= (deposits + loan) / w``; here a firm refused part of its
    financing gap this tick hires for the same share of its plan as the share of the
    liquidity it wanted (``credit_horizon`` ticks of outlays) that it holds. Firms served
    in full are untouched. Only with ``finance_constraint`` on. Call after the firms set
    their labour demand.
    """
    share = getattr(model.banking, "finance_share", None)
    if share is None or not model.banking.params.finance_constraint:
        return
    cf, kf = model.cfirms, model.kfirms
    nc, nk = cf.n, kf.n
    for firms, part in ((cf, share[:nc]), (kf, share[nc:nc + nk])):
        firms.labour_demand = np.floor(firms.labour_demand * part + 1e-9).astype(np.int64)


def user_cost_factor(model, loan_rate: np.ndarray) -> np.ndarray:
    """Scale of C-firms' desired capital from their long-term real borrowing rate (Jorgenson 1963).

    A machine lasts ``1 / depreciation`` years, so its user cost is priced off a long-term rate,
    not the overnight one (Gilchrist & Zakrajsek 2007 measure it with firms' long-maturity bond
    yields): the firm's spread over the policy rate plus the long rate (``model.long_rate``, the
    expected short rates of the coming year, as in the equity valuation, plus the fall of the term
    premium that QE's bond holdings bring, :func:`arena.fiscal_phase.term_premium_shift`), less
    expected inflation.
    """
    cfg = model.config
    delta = cfg.depreciation
    long_rate = model.long_rate + fiscal_phase.term_premium_shift(model)
    long_loan_rate = loan_rate - model.central_bank.policy_rate + long_rate
    real = long_loan_rate - model.central_bank.expected_inflation
    ref = max(model.banking.reference_real_rate + delta, 1e-3)
    ratio = ref / np.maximum(np.nan_to_num(real, nan=ref) + delta, 1e-3)
    return np.clip(ratio ** cfg.user_cost_elasticity, *USER_COST_BOUNDS)


def service_and_defaults(model, ledger: accounting.Ledger) -> None:
    """Collect debt service; default the firms that cannot pay or are insolvent; write off."""
    bs, cf, kf = model.banking, model.cfirms, model.kfirms
    nc, nk, n_p = cf.n, kf.n, model.producer_deposits.size
    deposits = borrower_deposits(model)
    service = bs.collect_service(deposits, ledger)
    cf.profit_acc -= service.interest[:nc]
    kf.profit_acc -= service.interest[nc:nc + nk]
    net_worth = deposits + other_assets(model) - bs.book.debt()
    alive = np.concatenate([cf.alive, kf.alive, np.zeros(n_p, dtype=bool)])
    bad = alive & (service.unable | (net_worth < 0))
    model.defaulting_c = model.defaulting_c | bad[:nc]
    model.defaulting_k = model.defaulting_k | bad[nc:nc + nk]
    dead = np.concatenate([model.defaulting_c, model.defaulting_k, np.zeros(n_p, dtype=bool)])
    if dead.any():
        bs.write_off(dead, deposits, ledger)
    store(model, deposits)


def close_banks(model, ledger: accounting.Ledger) -> None:
    """Deposit interest, bank profits and dividends, failures, switching and liquidity."""
    bs, cf, kf = model.banking, model.cfirms, model.kfirms
    nc, nk = cf.n, kf.n
    deposits = borrower_deposits(model)
    before = deposits.copy()
    bs.external_deposits = model.outside.total_cash()
    bs.end_tick(model.pop.cash, deposits, ledger, owners=model.pop.shares,
                owners_total=model.household_total("shares"))
    earned = deposits - before  # deposit interest, income in the firm's profit
    cf.profit_acc += earned[:nc]
    kf.profit_acc += earned[nc:nc + nk]
    store(model, deposits)
    failed = bs.last.get("failures", 0)
    if failed:
        model.event_log.emit(
            model.tick, "bank_failure", banks=int(failed), recapitalisation=bs.last["cb_recapitalisation"]
        )
