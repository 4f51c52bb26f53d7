"""External shocks: what scenarios, the dashboard and the API can do to a running model.

Every shock is validated completely before anything changes, so a refused shock leaves
the model untouched, and each applied shock is logged as a ``shock`` event.

=============  ==============================  ===========================================
kind           size                            target keywords
=============  ==============================  ===========================================
panic          [0, 1]: pull of moods to fear   fraction (0, 1] of households (default 1)
euphoria       [0, 1]: pull toward greed       fraction (0, 1]
discovery      (0, 10]: share of base reserves resource (required)
catastrophe    (0, 1]: share of reserves lost  resource (required)
rate           [-0.2, 0.2]: policy-rate change (none); decays by 1% a tick
qe             (0, 0.5]: purchase, share of M  asset (bonds | equity; default: config qe_asset):
                                               bonds bought from banks next tick, or equity
                                               in the next auction
fiscal         [-0.5, 0.5]: change of public   duration (ticks, optional; default permanent)
               purchases, share of potential
               output (g)
tax            [-0.5, 0.5]: change of a tax    tax (wage | profit | all; default all),
               rate (clipped to [0, 0.95])     duration (ticks, optional)
money          [-0.5, 0.5]: transfer, share M  (none); negative = levy on deposits
sell_off       (0, 1]: share of holdings sold  market ("equity" only)
strategy_mix   (0, 1]: share of traders moved  strategy (fundamentalist | chartist | noise)
agents         [-0.5, 1]: relative change of   (none); newcomers bring the mean deposit (money
               the household count             created); leavers sell their shares to the
                                               central bank and take their deposits out
=============  ==============================  ===========================================
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from arena.config import PARAMETERS
from arena.errors import ShockError
from arena.markets.equity import Participant
from arena.population import STRATEGY_NAMES, EquityOrders
from arena.scarcity import RESOURCE_NAMES

#: Taxes a ``tax`` shock can change.
TAX_TARGETS = ("wage", "profit", "all")
#: kind -> (low, high, low inclusive, allowed target keywords)
SHOCK_KINDS: dict[str, tuple[float, float, bool, tuple[str, ...]]] = {
    "panic": (0.0, 1.0, True, ("fraction",)),
    "euphoria": (0.0, 1.0, True, ("fraction",)),
    "discovery": (0.0, 10.0, False, ("resource",)),
    "catastrophe": (0.0, 1.0, False, ("resource",)),
    "rate": (-0.2, 0.2, True, ()),
    "qe": (0.0, 0.5, False, ("asset",)),
    "fiscal": (-0.5, 0.5, True, ("duration",)),
    "tax": (-0.5, 0.5, True, ("tax", "duration")),
    "money": (-0.5, 0.5, True, ()),
    "sell_off": (0.0, 1.0, False, ("market",)),
    "strategy_mix": (0.0, 1.0, False, ("strategy",)),
    "agents": (-0.5, 1.0, True, ()),
}


def validate(kind: str, size: Any, target: dict[str, Any]) -> float:
    """Check a shock request; return the size as float or raise ShockError naming the field."""
    if kind not in SHOCK_KINDS:
        raise ShockError(
            f"The 'kind' of a shock must be one of {', '.join(SHOCK_KINDS)}. Got {kind!r} instead."
        )
    low, high, closed, allowed = SHOCK_KINDS[kind]
    if isinstance(size, bool) or not isinstance(size, (int, float)) or not math.isfinite(size):
        raise ShockError(f"The 'size' of a {kind!r} shock must be a finite number. Got {size!r} instead.")
    if size > high or size < low or (size == low and not closed):
        bracket = "[" if closed else "("
        raise ShockError(
            f"The 'size' of a {kind!r} shock must be in {bracket}{low:g}, {high:g}]. Got {size!r} instead."
        )
    unknown = set(target) - set(allowed)
    if unknown:
        raise ShockError(
            f"A {kind!r} shock takes the target keywords {list(allowed) or 'none'}. Got {sorted(unknown)}."
        )
    if "resource" in allowed and target.get("resource") not in RESOURCE_NAMES:
        raise ShockError(
            f"The 'resource' of a {kind!r} shock must be one of {', '.join(RESOURCE_NAMES)}. "
            f"Got {target.get('resource')!r} instead."
        )
    if "fraction" in target:
        f = target["fraction"]
        if isinstance(f, bool) or not isinstance(f, (int, float)) or not (0.0 < f <= 1.0):
            raise ShockError(f"The 'fraction' of a {kind!r} shock must be in (0, 1]. Got {f!r} instead.")
    if "duration" in target:
        d = target["duration"]
        number = not isinstance(d, bool) and isinstance(d, (int, float))
        if not number or not float(d).is_integer() or d < 1 or d > 10**7:
            raise ShockError(
                f"The 'duration' of a {kind!r} shock must be an int in [1, 10000000] ticks. "
                f"Got {d!r} instead."
            )
    if kind == "tax" and target.get("tax", "all") not in TAX_TARGETS:
        raise ShockError(
            f"The 'tax' of a tax shock must be one of {', '.join(TAX_TARGETS)}. "
            f"Got {target.get('tax')!r} instead."
        )
    if kind == "qe" and target.get("asset", "bonds") not in ("bonds", "equity"):
        raise ShockError(
            f"The 'asset' of a qe shock must be one of bonds, equity. Got {target.get('asset')!r} instead."
        )
    if kind == "sell_off" and target.get("market", "equity") != "equity":
        raise ShockError(f"The 'market' of a sell_off must be 'equity'. Got {target['market']!r} instead.")
    if kind == "strategy_mix" and target.get("strategy") not in STRATEGY_NAMES:
        raise ShockError(
            f"The 'strategy' of a strategy_mix shock must be one of {', '.join(STRATEGY_NAMES)}. "
            f"Got {target.get('strategy')!r} instead."
        )
    return float(size)


def apply(model, kind: str, size: float, **target: Any) -> None:
    """Validate and apply a shock to ``model`` (see the module table)."""
    size = validate(kind, size, target)
    pop, cfg, rng = model.pop, model.config, model.rng
    tick = model.tick
    if kind in ("panic", "euphoria"):
        fraction = float(target.get("fraction", 1.0))
        who = slice(None) if fraction >= 1.0 else rng.random(pop.n) < fraction
        model.psychology.shock(pop, kind, size, who)
    elif kind in ("discovery", "catastrophe"):
        index = RESOURCE_NAMES.index(target["resource"])
        # applied between ticks, outside any tick's accounting window: recorded as such
        flows = model.scarcity.force(kind, index, size, tick)
        sign = 1.0 if kind == "discovery" else -1.0
        model.record_between_ticks(f"reserves_{target['resource']}", kind, sign * flows[kind][index])
        for etype, payload in flows["events"]:
            model.event_log.emit(tick, etype, **payload)
    elif kind == "rate":
        cb = model.central_bank
        floor = 0.0 if cfg.zero_lower_bound else cfg.min_policy_rate
        cb.policy_rate = float(np.clip(cb.policy_rate + size, floor, cfg.max_policy_rate))
        cb.rate_shock += size
    elif kind == "qe":
        if target.get("asset", cfg.qe_asset) == "bonds":  # bought from banks in the next tick
            model.central_bank.pending_bond_purchase += size * model.money_supply()
        else:
            price = model.prices["equity"]
            amount = size * model.money_supply() / price
            model.pending_participants.append(
                Participant("cb:qe_shock", amount, price * (1 + cfg.max_price_change))
            )
    elif kind in ("fiscal", "tax"):
        end = tick + int(target["duration"]) if "duration" in target else None
        which = {"fiscal": ("spending",), "wage": ("wage",), "profit": ("profit",), "all": ("wage", "profit")}
        for what in which["fiscal" if kind == "fiscal" else target.get("tax", "all")]:
            model.government.shocks.append([what, size, end])
    elif kind == "money":
        interest, lump = model.transfer_next
        change = size * model.money_supply()
        model.transfer_next = (interest, lump + change)
        model.central_bank.shift_money_path(change)  # the money rule grows from the new level
    elif kind == "sell_off":
        _sell_off(model, size)
    elif kind == "agents":
        _resize(model, size)
    elif kind == "strategy_mix":
        code = STRATEGY_NAMES.index(target["strategy"])
        movers = rng.random(pop.n) < size
        pop.strategy[movers] = code
    model.event_log.emit(tick, "shock", kind=kind, size=size, **{k: v for k, v in target.items()})


def _sell_off(model, size: float) -> None:
    """Every holder dumps ``size`` of its uncommitted shares at the lowest allowed price."""
    pop, cfg = model.pop, model.config
    free = pop.shares.copy()
    pending = model.pending_orders
    if pending is not None:
        np.subtract.at(free, pending.sell_agents, pending.sell_qty)
    for extra in model.pending_household_orders:
        np.subtract.at(free, extra.sell_agents, extra.sell_qty)
    agents = np.flatnonzero(free > 1e-12)
    qty = size * free[agents]
    floor = model.prices["equity"] * (1.0 - cfg.max_price_change)
    empty = np.empty(0)
    model.pending_household_orders.append(
        EquityOrders(np.empty(0, np.intp), empty, empty, agents, np.full(agents.size, floor), qty)
    )


def _resize(model, size: float) -> None:
    """Change the number of households by ``size`` (relative), between ticks, recorded."""
    pop, rng = model.pop, model.rng
    change = int(round(size * pop.n))
    # checked before anything moves: a refused shock leaves the model as it was. A configuration
    # with more firms than households is refused (ArenaConfig), so is a shock that would make one
    cfg = model.config
    least, most = cfg.min_households, int(PARAMETERS["n_agents"].high)
    if not least <= pop.n + change <= most:
        raise ShockError(f"An 'agents' shock of size {size!r} would leave {pop.n + change} households; "
                         f"the count must stay in [{least}, {most}] (at least one household per firm "
                         f"of the configuration: n_firms = {cfg.n_firms}, n_kfirms = {cfg.n_kfirms}).")
    if change > 0:
        cash_each = float(pop.cash.mean())
        pop.add(change, cash_each, model.config, rng)
        model.banking.add_households(change)
        model.record_between_ticks("money", "newcomer_deposits", change * cash_each)
    elif change < 0:
        leavers = rng.choice(pop.n, size=-change, replace=False)
        keep = np.ones(pop.n, dtype=bool)
        keep[leavers] = False
        price = model.prices["equity"]
        shares = float(pop.shares[leavers].sum())
        model.central_bank.shares += shares  # the central bank buys what leavers hold
        model.record_between_ticks("money", "cb_asset_purchases", shares * price)
        leaving_cash = float(pop.cash[leavers].sum()) + shares * price
        model.record_between_ticks("money", "emigrant_withdrawal", -leaving_cash)
        new_index = np.cumsum(keep) - 1
        orders = [model.pending_orders] + model.pending_household_orders
        remapped = []
        for o in orders:
            kb, ks = keep[o.buy_agents], keep[o.sell_agents]
            remapped.append(EquityOrders(new_index[o.buy_agents[kb]], o.buy_limit[kb], o.buy_qty[kb],
                                         new_index[o.sell_agents[ks]], o.sell_limit[ks], o.sell_qty[ks]))
        model.pending_orders, model.pending_household_orders = remapped[0], remapped[1:]
        pop.keep_only(keep)
        model.banking.keep_households(keep)
    if change:
        model.resize_to(pop.n)
