"""Parameters of the banking sector and the credit market, declared once with unit and range.

:class:`BankParams` is frozen and validated by ArenaConfig's own validator
(:func:`arena.config.validate_value`), so both share one error template (a
:class:`~arena.errors.ConfigError` naming the parameter, the allowed range and the value
received). Its declarations are
:data:`arena.config.BANK_PARAMETERS`, part of :class:`~arena.config.ArenaConfig`; this
object takes them out of a config (:meth:`BankParams.from_mapping`) or stands alone in tests.

Rates are annual (1/year) and converted to the tick with
:func:`arena.monetary.per_tick`; the maturity is in ticks.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from arena.config import BANK_PARAMETERS, validate_value


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
    pd_coverage: float = BANK_PARAMETERS["pd_coverage"].default
    min_service_coverage: float = BANK_PARAMETERS["min_service_coverage"].default
    max_default_probability: float = BANK_PARAMETERS["max_default_probability"].default
    recovery_rate: float = BANK_PARAMETERS["recovery_rate"].default
    weakness_spread: float = BANK_PARAMETERS["weakness_spread"].default
    deposit_passthrough: float = BANK_PARAMETERS["deposit_passthrough"].default
    liquidity_premium: float = BANK_PARAMETERS["liquidity_premium"].default
    advance_spread: float = BANK_PARAMETERS["advance_spread"].default
    bank_payout: float = BANK_PARAMETERS["bank_payout"].default
    bank_switching_rate: float = BANK_PARAMETERS["bank_switching_rate"].default
    credit_horizon: float = BANK_PARAMETERS["credit_horizon"].default
    initial_leverage: float = BANK_PARAMETERS["initial_leverage"].default
    target_debt_ratio: float = BANK_PARAMETERS["target_debt_ratio"].default
    finance_constraint: bool = BANK_PARAMETERS["finance_constraint"].default
    user_cost_elasticity: float = BANK_PARAMETERS["user_cost_elasticity"].default
    bank_switching_intensity: float = BANK_PARAMETERS["bank_switching_intensity"].default

    def __post_init__(self):
        for f in fields(self):
            value = validate_value(f.name, BANK_PARAMETERS[f.name], getattr(self, f.name), "BankParams")
            object.__setattr__(self, f.name, value)

    @property
    def capital_target(self) -> float:
        """Capital ratio banks aim for: the minimum plus the buffer (equity / loans)."""
        return self.capital_requirement + self.capital_buffer

    @classmethod
    def from_mapping(cls, values: Any) -> "BankParams":
        """Take the banking parameters out of a mapping or a config object, ignoring other keys."""
        get = values.get if hasattr(values, "get") else (lambda k, d: getattr(values, k, d))
        return cls(**{name: get(name, spec.default) for name, spec in BANK_PARAMETERS.items()})
