"""Which engine parameters the dashboard exposes, as what kind of control, and their validation.

The controls are declared as data (:data:`CONTROLS`, grouped by :data:`GROUPS`); ranges and
defaults come from the engine's own declarations (:data:`arena.config.PARAMETERS`), so the
dashboard never duplicates a bound. Validation is the engine's: :func:`validate` builds an
:class:`~arena.config.ArenaConfig` and returns the engine's message on failure. Nothing here
imports Solara, so it is unit-tested directly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from arena.config import PARAMETERS, ArenaConfig
from arena.errors import ConfigError


@dataclass(frozen=True)
class Control:
    """How one parameter is shown.

    Parameters
    ----------
    name : str
        Parameter name in :data:`arena.config.PARAMETERS`.
    label : str
        Text next to the control.
    widget : {"slider", "int", "float", "select", "checkbox"}
        Kind of control. Sliders are bounded by the parameter's declared range; the
        free inputs ("int", "float") accept anything and rely on validation.
    step : float
        Slider step.
    """

    name: str
    label: str
    widget: str = "slider"
    step: float = 0.01


#: Control groups, in display order.
GROUPS: dict[str, tuple[Control, ...]] = {
    "Population": (
        Control("n_agents", "Agents (households)", "int"),
        Control("seed", "Seed", "int"),
    ),
    "Strategy mix": (
        Control("share_fundamentalist", "Fundamentalists (share)"),
        Control("share_chartist", "Chartists (share)"),
        Control("share_noise", "Noise traders (share)"),
        Control("switching_intensity", "Switching intensity (beta)", "float"),
    ),
    "Psychology": (
        Control("sentiment_weight", "Sentiment weight"),
        Control("fear_weight", "Fear weight"),
        Control("greed_weight", "Greed weight"),
        Control("herding_weight", "Herding weight"),
        Control("herding_threshold", "Herding threshold"),
        Control("herding_strength", "Herding strength"),
    ),
    "Monetary policy": (
        Control("monetary_regime", "Regime", "select"),
        Control("base_inflation_rate", "Inflation target (1/year)", "float"),
        Control("neutral_real_rate", "Neutral real rate r* (1/year)", "float"),
        Control("taylor_inflation_coef", "Taylor weight on inflation gap", "float"),
        Control("taylor_output_coef", "Taylor weight on output gap", "float"),
        Control("money_growth", "Money growth (1/year)", "float"),
        Control("zero_lower_bound", "Zero lower bound", "checkbox"),
    ),
    "Scarcity": (
        Control("depletion_rate", "Depletion rate (1/tick)", "float"),
        Control("discovery_probability", "Discovery probability (1/tick)", "float"),
        Control("catastrophe_probability", "Catastrophe probability (1/tick)", "float"),
    ),
}

#: Every control by parameter name (only parameters the engine declares).
CONTROLS: dict[str, Control] = {
    c.name: c for group in GROUPS.values() for c in group if c.name in PARAMETERS
}


def groups() -> dict[str, list[Control]]:
    """Return :data:`GROUPS` restricted to parameters the engine declares (empty groups dropped)."""
    out = {name: [c for c in controls if c.name in PARAMETERS] for name, controls in GROUPS.items()}
    return {name: controls for name, controls in out.items() if controls}


def bounds(name: str) -> tuple[float | None, float | None]:
    """Return the declared (low, high) range of a parameter."""
    spec = PARAMETERS[name]
    return spec.low, spec.high


def options(name: str) -> tuple[str, ...]:
    """Return the allowed values of a string parameter."""
    return PARAMETERS[name].options


def defaults() -> dict[str, Any]:
    """Return the default value of every parameter."""
    return {name: spec.default for name, spec in PARAMETERS.items()}


def describe(name: str) -> str:
    """Return a one-line help text: meaning, unit and allowed values."""
    spec = PARAMETERS[name]
    return f"{spec.doc} [{spec.unit}]; {spec.describe()}"


def validate(values: Mapping[str, Any]) -> tuple[ArenaConfig | None, str | None]:
    """Validate a full set of parameter values with the engine's validator.

    Parameters
    ----------
    values : mapping
        Parameter values (missing ones take their defaults).

    Returns
    -------
    config : ArenaConfig or None
        The validated config, or None if invalid.
    message : str or None
        None if valid, else the engine's message naming the parameter, its allowed
        range and the value received.
    """
    try:
        return ArenaConfig.from_dict(dict(values)), None
    except ConfigError as exc:
        return None, str(exc)


def parse_number(text: str, kind: type) -> int | float | str:
    """Convert the text of a free input to ``kind``, or return the text unchanged.

    Returning the raw text (rather than raising) lets :func:`validate` produce the
    engine's message, e.g. "must be an int in the range [1, 10000000]. Got 'abc' instead."
    """
    text = str(text).strip().replace("_", "")
    try:
        value = float(text)
    except ValueError:
        return text
    if kind is int and value.is_integer():
        return int(value)
    return value
