"""Alert rules: firing, resolving, hysteresis, minimum duration, overrides and validation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from arena import ArenaConfig, ArenaModel
from arena.alerts import (
    ENV_VAR,
    FRAME_COLUMNS,
    AlertMonitor,
    AlertRule,
    AlertRuleError,
    default_rules,
    load_rules,
    parse_rules,
    rules_for,
)
from arena.events import EventLog
from arena.scarcity import RESOURCE_NAMES

DEFAULTS = default_rules()
#: the value each default rule watches, as (key in the values mapping, is a health metric)
WATCHED = {
    "inflation": ("inflation", False),
    "cpu": ("cpu_percent", True),
    "memory": ("memory_percent", True),
    "critical_scarcity": ("scarcity_oil", False),
    "panic": ("fear", False),
    "euphoria": ("greed", False),
}


def drive(rule_name: str, series, rules=None):
    """Feed a series to one rule; return (monitor, [(tick, event type)])."""
    rules = rules or DEFAULTS
    monitor = AlertMonitor({rule_name: rules[rule_name]})
    log = EventLog(10_000)
    key, health = WATCHED.get(rule_name, (rules[rule_name].metric, False))
    # indicator rules bind to the columns present; give every scarcity column for the family
    base = {f"scarcity_{r}": 0.0 for r in RESOURCE_NAMES} | {"inflation": 0.0, "fear": 0.0, "greed": 0.0}
    for tick, value in enumerate(series, start=1):
        values = {**base, key: float(value)}
        if health:
            monitor.evaluate_health(tick, values, log.emit)
        else:
            monitor.evaluate(tick, values, log.emit)
    return monitor, [(e.tick, e.type) for e in log]


def crossing(rule: AlertRule, n_high: int = 10) -> np.ndarray:
    """Below the clear level, above the threshold for n_high ticks, back below the clear level."""
    below = rule.clear - 0.5 * abs(rule.threshold - rule.clear) - 0.01 * max(abs(rule.threshold), 1)
    above = rule.threshold + 0.5 * abs(rule.threshold - rule.clear) + 0.01 * max(abs(rule.threshold), 1)
    return np.array([below] * 5 + [above] * n_high + [below] * 5)


@pytest.mark.parametrize("name", list(DEFAULTS))
def test_every_default_rule_fires_and_resolves_on_a_crossing_series(name):
    rule = DEFAULTS[name]
    series = crossing(rule)
    monitor, events = drive(name, series)
    fire_tick = 5 + rule.for_ticks  # ticks 1-5 below, above from tick 6; fires after for_ticks ticks
    assert events == [(fire_tick, "alert_fired"), (16, "alert_resolved")]
    frame = monitor.frame()
    assert list(frame.columns) == list(FRAME_COLUMNS)
    row = frame.iloc[0]
    assert row["alert"] == name and not row["active"] and row["fired_tick"] == fire_tick
    assert row["resolved_tick"] == 16 and row["duration"] == 16 - fire_tick
    assert row["severity"] == rule.severity


@pytest.mark.parametrize("name", list(DEFAULTS))
def test_jitter_around_the_threshold_fires_once_and_does_not_flap(name):
    rule = DEFAULTS[name]
    band = rule.threshold - rule.clear
    assert band > 0, "every default rule has a hysteresis band"
    # alternate just above and just below the threshold, never below the clear level
    jitter = rule.threshold + np.tile([0.25 * band, -0.25 * band], 30)
    # the first 2*for_ticks ticks stay above, so a rule with a minimum duration can fire too
    series = np.concatenate([[rule.threshold + 0.25 * band] * rule.for_ticks, jitter])
    _, events = drive(name, series)
    assert [e for _, e in events] == ["alert_fired"]
    # control: the same series without hysteresis flaps (this is what the band prevents)
    flappy = {name: AlertRule(name, rule.metric, rule.threshold, rule.threshold, rule.direction,
                              rule.severity, 1)}
    _, control = drive(name, series, flappy)
    assert sum(e == "alert_fired" for _, e in control) > 10


@pytest.mark.parametrize("name", list(DEFAULTS))
def test_a_series_that_stays_below_the_threshold_never_fires(name):
    rule = DEFAULTS[name]
    band = rule.threshold - rule.clear
    series = rule.threshold - np.abs(np.sin(np.arange(50))) * band  # up to the threshold, never above
    _, events = drive(name, series)
    assert events == []


def test_minimum_duration_ignores_short_spikes():
    rule = DEFAULTS["cpu"]
    assert rule.for_ticks == 5
    spikes = [50.0] * 3 + [95.0] * 4 + [50.0] * 3 + [95.0] * 4 + [50.0]
    _, events = drive("cpu", spikes)
    assert events == []
    _, events = drive("cpu", [50.0] * 3 + [95.0] * 5 + [50.0])
    assert events == [(8, "alert_fired"), (9, "alert_resolved")]


def test_a_below_rule_fires_when_the_value_falls():
    rule = AlertRule("deflation", "inflation", -0.01, 0.0, "below", "warning")
    _, events = drive("deflation", [0.02, -0.02, -0.005, -0.03, 0.01], {"deflation": rule})
    assert events == [(2, "alert_fired"), (5, "alert_resolved")]


def test_scarcity_family_gives_one_alert_per_resource():
    monitor = AlertMonitor(default_rules())
    log = EventLog(1000)
    values = {f"scarcity_{r}": 0.1 for r in RESOURCE_NAMES} | {"inflation": 0.0, "fear": 0.0, "greed": 0.0}
    monitor.evaluate(1, values | {"scarcity_oil": 0.9, "scarcity_water": 0.85}, log.emit)
    monitor.evaluate(2, values | {"scarcity_oil": 0.7, "scarcity_water": 0.85}, log.emit)
    fired = sorted(e.payload["subject"] for e in log if e.type == "alert_fired")
    resolved = [e.payload["subject"] for e in log if e.type == "alert_resolved"]
    assert fired == ["oil", "water"] and resolved == ["oil"]
    active = monitor.active()
    assert [(a["alert"], a["subject"]) for a in active] == [("critical_scarcity", "water")]


def test_defaults_follow_the_config():
    cfg = ArenaConfig.from_dict({"n_agents": 100, "tightening_threshold": 0.05, "panic_threshold": 0.5,
                                 "euphoria_threshold": 0.6, "critical_scarcity": 0.9})
    rules = default_rules(cfg)
    assert rules["inflation"].threshold == 0.05 and rules["panic"].threshold == 0.5
    assert rules["euphoria"].threshold == 0.6 and rules["critical_scarcity"].threshold == 0.9
    spec = default_rules()  # the specification's triggers
    assert spec["inflation"].threshold == 0.10 and spec["cpu"].threshold == 90.0
    assert spec["memory"].threshold == 90.0


def test_rules_file_overrides_disables_and_adds(tmp_path):
    path = tmp_path / "alerts.toml"
    path.write_text("""
[rules.inflation]
threshold = 0.08
clear = 0.06
[rules.cpu]
enabled = false
[rules.unemployment_high]
metric = "unemployment"
threshold = 0.12
clear = 0.10
severity = "info"
for_ticks = 3
""")
    rules = load_rules(path)
    assert rules["inflation"].threshold == 0.08 and rules["inflation"].severity == "critical"
    assert not rules["cpu"].enabled
    assert rules["unemployment_high"].for_ticks == 3 and rules["unemployment_high"].severity == "info"
    monitor = AlertMonitor(rules)
    assert all(st.rule.name != "cpu" for st in monitor._health)


@pytest.mark.parametrize("text, words", [
    ("[rules.inflation]\nthreshhold = 0.2\n", ["rules.inflation.threshhold", "allowed keys", "threshold"]),
    ("[rules.panic]\nseverity = \"fatal\"\n", ["'severity'", "'panic'", "'critical'", "'fatal'"]),
    ("[rules.panic]\nclear = 0.9\n", ["'clear'", "at most the threshold", "0.9"]),
    ("[rules.panic]\ndirection = \"up\"\n", ["'direction'", "'above'", "'below'", "'up'"]),
    ("[rules.panic]\nfor_ticks = 0\n", ["'for_ticks'", ">= 1"]),
    ("[rules.new_rule]\nmetric = \"gdp\"\n", ["new_rule", "'threshold'", "'clear'"]),
    ("[rule.panic]\nthreshold = 0.5\n", ["unknown top-level", "rule"]),
    ("[rules.panic]\nthreshold = nan\n", ["'threshold'", "finite"]),
])
def test_invalid_rules_name_the_key_and_the_allowed_values(tmp_path, text, words):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(AlertRuleError) as info:
        load_rules(path)
    message = str(info.value)
    assert isinstance(info.value, ValueError) and str(path) in message
    for word in words:
        assert word in message, (word, message)


def test_unknown_metric_is_refused_before_the_model_runs():
    rules = {"rules": {"x": {"metric": "no_such_column", "threshold": 1.0, "clear": 0.5}}}
    with pytest.raises(AlertRuleError, match="'metric'.*'no_such_column'"):
        ArenaModel(n_agents=200, seed=1, alert_rules=rules)
    with pytest.raises(AlertRuleError, match="'metric'"):
        AlertRule("y", "nothing_*", 1.0, 0.5)


def test_env_var_rules_apply_on_top_of_the_defaults(tmp_path, monkeypatch):
    path = tmp_path / "env.toml"
    path.write_text("[rules.panic]\nthreshold = 0.3\nclear = 0.2\n")
    monkeypatch.setenv(ENV_VAR, str(path))
    assert rules_for()["panic"].threshold == 0.3
    # explicit rules come last
    assert rules_for(None, {"rules": {"panic": {"threshold": 0.4}}})["panic"].threshold == 0.4


def test_parse_rules_does_not_mutate_the_base():
    base = default_rules()
    parse_rules({"rules": {"panic": {"threshold": 0.9}}}, base)
    assert base["panic"].threshold == 0.7


# ------------------------------------------------------------------------- in the model ----
def run(shock: bool, **kwargs) -> ArenaModel:
    model = ArenaModel(n_agents=2_000, seed=3, **kwargs)
    for tick in range(60):
        if shock and tick == 3:
            model.apply_shock("panic", 1.0)
        model.step()
    return model


def test_a_panic_shock_raises_a_panic_alert_that_resolves_as_fear_decays():
    shocked, control = run(True), run(False)
    assert control.alerts().query("alert == 'panic'").empty  # no panic without the shock
    alerts = shocked.alerts().query("alert == 'panic'")
    assert len(alerts) == 1
    row = alerts.iloc[0]
    fear = shocked.indicators()["fear"]
    # fired on the first tick fear exceeded panic_threshold, resolved on the first later tick
    # it fell below the clear level: the alert follows the emergent series
    assert row["fired_tick"] == int(fear[fear > 0.7].index[0])
    after = fear.loc[row["fired_tick"]:]
    assert row["resolved_tick"] == int(after[after < 0.6].index[0])
    assert row["peak"] == pytest.approx(float(fear.max()))
    events = shocked.events()
    fired = events[events["type"] == "alert_fired"]
    assert (fired["alert"] == "panic").sum() == 1
    assert set(events["type"]) >= {"alert_fired", "alert_resolved"}


def test_alert_rules_do_not_change_the_model():
    quiet = {"rules": {name: {"enabled": False} for name in DEFAULTS}}
    noisy = {"rules": {"always": {"metric": "fear", "threshold": 0.0, "clear": 0.0}}}
    a, b = run(True, alert_rules=quiet), run(True, alert_rules=noisy)
    pd.testing.assert_frame_equal(a.indicators(), b.indicators())
    assert a.alerts().empty and len(b.alerts()) >= 1
    assert list(a.alerts().columns) == list(FRAME_COLUMNS)
