"""Parameters of the banking sector and the credit market, declared once with unit and range.

:class:`BankParams` is frozen and validated like :class:`~arena.config.ArenaConfig`, with
the same error template (a :class:`~arena.errors.ConfigError` naming the parameter, the
allowed range and the value received). It stands alone until the banks are wired into the
tick; then its declarations join :data:`arena.config.PARAMETERS` unchanged.

Rates are annual (1/year) and converted to the tick with
:func:`arena.monetary.per_tick`; the maturity is in ticks.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Any

from arena.config import Param
from arena.errors import ConfigError

P = Param
#: Every banking parameter, in documentation order.
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
        float, -7.0, -50.0, 50.0, "-", "b1 of the annual default probability 1/(1+exp(-(b1 + b2 * leverage)))"
    ),
    "pd_slope": P(
        float, 8.0, 0.0, 100.0, "-", "b2: how fast the default probability rises with leverage (debt/assets)"
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
    "bank_switching_intensity": P(
        float, 3.46574, 0.0, 100.0, "-",
        "epsilon of the switching probability 1 - exp(-epsilon * relative rate gain) "
        "(Caiani et al.: ln 2 / 0.2)",
    ),
}


def _check(name: str, spec: Param, value: Any) -> Any:
    """Validate one value against its declaration; raise ConfigError from the one template."""

    def fail() -> ConfigError:
        return ConfigError(
            f"The {name!r} parameter of BankParams must be {spec.describe()}. Got {value!r} instead."
        )

    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise fail()
    if spec.kind is int:
        if isinstance(value, float):
            if not value.is_integer():
                raise fail()
            value = int(value)
    else:
        value = float(value)
        if not math.isfinite(value):
            raise fail()
    if (spec.low is not None and value < spec.low) or (spec.high is not None and value > spec.high):
        raise fail()
    return value


@dataclass(frozen=True)
class BankParams:
    """Frozen, validated parameters of the banks and the credit market.

    Every field is declared in :data:`BANK_PARAMETERS` (unit, default, range, meaning);
    ``BankParams()`` gives the defaults and ``BankParams(n_banks=3)`` overrides one.

    Raises
    ------
    ConfigError
        For a wrong type, NaN/inf or a value out of its range.
    """

    n_banks: int = BANK_PARAMETERS["n_banks"].default
    capital_requirement: float = BANK_PARAMETERS["capital_requirement"].default
    capital_buffer: float = BANK_PARAMETERS["capital_buffer"].default
    reserve_ratio: float = BANK_PARAMETERS["reserve_ratio"].default
    loan_maturity: int = BANK_PARAMETERS["loan_maturity"].default
    base_spread: float = BANK_PARAMETERS["base_spread"].default
    pd_intercept: float = BANK_PARAMETERS["pd_intercept"].default
    pd_slope: float = BANK_PARAMETERS["pd_slope"].default
    max_default_probability: float = BANK_PARAMETERS["max_default_probability"].default
    recovery_rate: float = BANK_PARAMETERS["recovery_rate"].default
    weakness_spread: float = BANK_PARAMETERS["weakness_spread"].default
    deposit_passthrough: float = BANK_PARAMETERS["deposit_passthrough"].default
    liquidity_premium: float = BANK_PARAMETERS["liquidity_premium"].default
    advance_spread: float = BANK_PARAMETERS["advance_spread"].default
    bank_payout: float = BANK_PARAMETERS["bank_payout"].default
    bank_switching_rate: float = BANK_PARAMETERS["bank_switching_rate"].default
    bank_switching_intensity: float = BANK_PARAMETERS["bank_switching_intensity"].default

    def __post_init__(self):
        for f in fields(self):
            object.__setattr__(self, f.name, _check(f.name, BANK_PARAMETERS[f.name], getattr(self, f.name)))

    @property
    def capital_target(self) -> float:
        """Capital ratio banks aim for: the minimum plus the buffer (equity / loans)."""
        return self.capital_requirement + self.capital_buffer

    @classmethod
    def from_mapping(cls, values: Any) -> "BankParams":
        """Take the banking parameters out of a mapping or a config object, ignoring other keys."""
        get = values.get if hasattr(values, "get") else (lambda k, d: getattr(values, k, d))
        return cls(**{name: get(name, spec.default) for name, spec in BANK_PARAMETERS.items()})
