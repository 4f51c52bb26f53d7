"""Scenario loader: every file loads; every kind of bad scenario is refused naming file, key and reason."""

from __future__ import annotations

import textwrap

import pandas as pd
import pytest

import arena
from arena.errors import ScenarioError
from arena.scenarios import Expectation, Scenario, Shock, list_scenarios, load_scenario, scenario_paths


def write(tmp_path, text: str, name: str = "bad.toml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def refused(tmp_path, text: str, *fragments: str) -> str:
    path = write(tmp_path, text)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    message = str(info.value)
    assert str(path) in message
    for fragment in fragments:
        assert fragment in message, message
    return message


# --------------------------------------------------------------------------- shipped files ---
def test_at_least_eight_scenarios_ship_and_load():
    paths = scenario_paths()
    required = {"baseline", "market_crash", "bubble_burst", "inflation_spiral", "deflation_qe",
                "oil_shock", "resource_discovery", "carbon_cap"}
    assert required <= set(paths), sorted(paths)
    for name, path in paths.items():
        scenario = arena.load_scenario(path)
        assert scenario.name == name == path.stem
        assert scenario.description and scenario.effects, f"{name}: needs a description and [expected]"
        sourced = [e.label for e in scenario.effects if not e.source]
        assert not sourced, f"{name}: effects without a source: {sourced}"
        if scenario.shocks:  # a story with a shock states effects against a control
            assert any(e.control for e in scenario.effects), name
        assert all(s.tick < scenario.ticks for s in scenario.shocks)
    assert len(list_scenarios()) == len(paths)


def test_load_by_name_equals_load_by_path():
    by_name = load_scenario("market_crash")
    assert by_name == load_scenario(scenario_paths()["market_crash"])
    assert load_scenario(by_name) is by_name


def test_scenarios_are_hashable_by_name_and_equal_to_their_name():
    scenarios = list_scenarios()
    by_set, names = set(scenarios), [s.name for s in scenarios]
    assert len(by_set) == len(scenarios) == len(set(names))  # names are unique: no two collapse
    assert {"fiscal_stimulus", "austerity", "baseline"} <= by_set and "baseline" in scenarios
    assert "no_such_scenario" not in by_set
    crash = load_scenario("market_crash")
    assert crash in by_set and {crash: 1}[load_scenario("market_crash")] == 1
    assert crash == "market_crash" and crash != "baseline" and crash != 3
    # equality is every field: another config under the same name is another scenario
    other = arena.scenarios.with_config(crash, seed=99)
    assert other != crash and hash(other) == hash(crash) and len({crash, other}) == 2


def test_unknown_scenario_name_lists_the_available_ones():
    with pytest.raises(ScenarioError, match="available: .*baseline"):
        load_scenario("no_such_scenario")


def test_minimal_scenario_and_defaults(tmp_path):
    s = load_scenario(write(tmp_path, 'name = "tiny"\nticks = 10\n'))
    assert (s.name, s.ticks, s.description, s.config, s.shocks, s.expected) == ("tiny", 10, "", {}, (), ())


def test_shocks_sorted_and_targets_kept(tmp_path):
    s = load_scenario(write(tmp_path, """
        name = "ok"
        ticks = 50
        [[shocks]]
        tick = 30
        kind = "catastrophe"
        size = 0.5
        resource = "oil"
        note = "a hurricane"
        [[shocks]]
        tick = 0
        kind = "panic"
        size = 0.4
        fraction = 0.5
        [expected]
        peak_fear = { min = 0.3, from = 1, to = 20, note = "fear" }
    """))
    assert s.shocks == (Shock(0, "panic", 0.4, {"fraction": 0.5}),
                        Shock(30, "catastrophe", 0.5, {"resource": "oil"}, "a hurricane"))
    assert s.expected == (Expectation("peak_fear", 0.3, None, 1, 20, "fear"),)


# --------------------------------------------------------------------------- refusals --------
def test_acceptance_bad_agent_count(tmp_path):
    refused(tmp_path, 'name = "bad"\nticks = 10\n[config]\nn_agents = -1\n', "config.n_agents", "Got -1")


@pytest.mark.parametrize("text, fragments", [
    # unknown keys
    ('name = "x"\nticks = 10\ncolour = "red"\n', ["colour", "unknown key"]),
    ('name = "x"\nticks = 10\n[config]\nn_agent = 5\n', ["config.n_agent", "unknown parameter"]),
    ('name = "x"\nticks = 10\n[[shocks]]\ntick = 1\nkind = "panic"\nsize = 0.5\nresource = "oil"\n',
     ["shocks[0].resource", "target keywords"]),
    ('name = "x"\nticks = 10\n[expected]\npeak_fear = { min = 0.1, upto = 3 }\n',
     ["expected.peak_fear.upto"]),
    ('name = "x"\nticks = 10\n[expected]\npeak_nonsense = { min = 0.1 }\n', ["expected.peak_nonsense",
                                                                            "unknown indicator"]),
    ('name = "x"\nticks = 10\n[expected]\nevents_party = { min = 1 }\n', ["expected.events_party",
                                                                        "unknown event type"]),
    # bad types
    ('name = "x"\nticks = "ten"\n', ["ticks", "must be an int"]),
    ('name = 3\nticks = 10\n', ["name", "must be a string"]),
    ('name = "x"\nticks = 10\ndescription = 5\n', ["description", "must be a string"]),
    ('name = "x"\nticks = 10\n[config]\nn_agents = "many"\n', ["config.n_agents", "must be an int"]),
    ('name = "x"\nticks = 10\n[config]\nzero_lower_bound = 1\n', ["config.zero_lower_bound", "bool"]),
    ('name = "x"\nticks = 10\nconfig = 5\n', ["config", "must be a table"]),
    ('name = "x"\nticks = 10\n[[shocks]]\ntick = 1.5\nkind = "panic"\nsize = 0.5\n', ["shocks[0].tick"]),
    ('name = "x"\nticks = 10\n[[shocks]]\ntick = 1\nkind = "panic"\nsize = "big"\n', ["shocks[0].size"]),
    ('name = "x"\nticks = 10\n[expected]\npeak_fear = 0.5\n', ["expected.peak_fear", "must be a table"]),
    ('name = "x"\nticks = 10\n[expected]\npeak_fear = { min = "high" }\n', ["expected.peak_fear.min"]),
    # out-of-range values
    ('name = "x"\nticks = 0\n', ["ticks", "range [1, "]),
    ('name = "x"\nticks = 10\n[config]\nfear_weight = 1.5\n', ["config.fear_weight", "[0, 1]", "Got 1.5"]),
    ('name = "x"\nticks = 10\n[config]\nmonetary_regime = "gold"\n', ["config.monetary_regime", "'taylor'"]),
    ('name = "x"\nticks = 10\n[config]\nshare_chartist = 0.9\n', ["config:", "sum to 1"]),
    ('name = "x"\nticks = 10\n[[shocks]]\ntick = 1\nkind = "panic"\nsize = 1.5\n',
     ["shocks[0].size", "[0, 1]"]),
    ('name = "x"\nticks = 10\n[[shocks]]\ntick = 1\nkind = "catastrophe"\nsize = 0.5\nresource = "gold"\n',
     ["shocks[0].resource", "oil"]),
    ('name = "x"\nticks = 10\n[[shocks]]\ntick = 1\nkind = "strategy_mix"\nsize = 0.5\nstrategy = "luck"\n',
     ["shocks[0].strategy", "chartist"]),
    ('name = "x"\nticks = 10\n[[shocks]]\ntick = -1\nkind = "panic"\nsize = 0.5\n',
     ["shocks[0].tick", ">= 0"]),
    ('name = "x"\nticks = 10\n[expected]\npeak_fear = { min = 0.5, max = 0.1 }\n', ["expected.peak_fear",
                                                                                  "greater than max"]),
    ('name = "x"\nticks = 10\n[expected]\npeak_fear = { min = 0.1, to = 11 }\n', ["expected.peak_fear.to",
                                                                                "[0, 10]"]),
    # unknown shock kind, missing keys
    ('name = "x"\nticks = 10\n[[shocks]]\ntick = 1\nkind = "alien_invasion"\nsize = 0.5\n',
     ["shocks[0].kind", "panic"]),
    ('name = "x"\nticks = 10\n[[shocks]]\nkind = "panic"\nsize = 0.5\n', ["shocks[0].tick", "missing"]),
    ('name = "x"\nticks = 10\n[[shocks]]\ntick = 1\nkind = "panic"\n', ["shocks[0].size", "missing"]),
    ('ticks = 10\n', ["name", "missing"]),
    ('name = "x"\n', ["ticks", "missing"]),
    ('name = "x y"\nticks = 10\n', ["name", "letters"]),
])
def test_bad_scenarios_are_refused(tmp_path, text, fragments):
    refused(tmp_path, text, *fragments)


def test_shock_after_the_last_tick_is_refused(tmp_path):
    refused(tmp_path, 'name = "x"\nticks = 100\n[[shocks]]\ntick = 100\nkind = "panic"\nsize = 0.5\n',
            "shocks[0].tick", "before the last tick", "[0, 99]", "Got 100")


def test_second_shock_is_named_by_index(tmp_path):
    refused(tmp_path, """
        name = "x"
        ticks = 100
        [[shocks]]
        tick = 1
        kind = "panic"
        size = 0.5
        [[shocks]]
        tick = 2
        kind = "meteor"
        size = 0.5
    """, "shocks[1].kind", "'meteor'")


def test_all_problems_reported_at_once(tmp_path):
    message = refused(tmp_path, """
        name = "x"
        ticks = 10
        extra = 1
        [config]
        n_agents = 0
        seed = -3
        [[shocks]]
        tick = 50
        kind = "panic"
        size = 0.5
    """, "4 problems", "extra", "config.n_agents", "config.seed", "shocks[0].tick")
    assert message.count("\n") == 4
    with pytest.raises(ScenarioError) as info:
        load_scenario(tmp_path / "bad.toml")
    keys = [key for key, _ in info.value.problems]
    assert keys == ["extra", "config.n_agents", "config.seed", "shocks[0].tick"]


def test_invalid_toml_and_missing_file(tmp_path):
    refused(tmp_path, 'name = "x\n', "not valid TOML")
    with pytest.raises(ScenarioError, match="cannot read"):
        load_scenario(tmp_path / "missing.toml")


def test_scenario_errors_are_value_errors(tmp_path):
    with pytest.raises(ValueError):
        load_scenario(write(tmp_path, 'name = "x"\nticks = -5\n'))


# --------------------------------------------------------------------------- behaviour -------
def test_shocks_are_applied_after_their_tick(tmp_path):
    s = load_scenario(write(tmp_path, """
        name = "timing"
        ticks = 6
        [config]
        n_agents = 500
        seed = 3
        [[shocks]]
        tick = 0
        kind = "rate"
        size = 0.01
        [[shocks]]
        tick = 4
        kind = "catastrophe"
        size = 0.5
        resource = "oil"
    """, "timing.toml"))
    model = s.simulate()
    shocks = model.events("shock")
    assert shocks[["tick", "kind"]].values.tolist() == [[0, "rate"], [4, "catastrophe"]]
    assert model.tick == 6


def test_to_toml_round_trips(tmp_path):
    s = load_scenario("market_crash")
    again = load_scenario(write(tmp_path, s.to_toml(), "market_crash.toml"))
    fields = ("name", "ticks", "config", "shocks", "expected", "arms", "effects")
    assert [getattr(again, f) for f in fields] == [getattr(s, f) for f in fields]
    full = load_scenario(write(tmp_path, s.to_toml(s.make_config(), ticks=s.ticks), "full.toml"))
    assert full.make_config() == s.make_config()


def test_evaluate_metrics():
    ind = pd.DataFrame({"price_equity": [100.0, 120.0, 60.0, 90.0], "fear": [0.1, 0.2, 0.9, 0.5],
                        "inflation": [0.0, 0.05, 0.12, 0.02]}, index=pd.Index([1, 2, 3, 4], name="tick"))
    events = pd.DataFrame({"tick": [2, 3, 3], "type": ["panic", "monetary_tightening", "panic"]})
    s = Scenario("m", ticks=4, expected=(
        Expectation("max_drawdown_equity", min=0.5), Expectation("max_runup_equity", max=0.1, start=2),
        Expectation("peak_fear", min=0.9, start=3, end=3), Expectation("events_panic", min=2, max=2),
        Expectation("change_price_equity", max=-0.09), Expectation("final_inflation", max=0.02),
        Expectation("rise_inflation", min=0.1, start=2)))
    result = s.evaluate(ind, events).set_index("metric")
    assert result.loc["max_drawdown_equity", "value"] == pytest.approx(0.5)
    assert result.loc["max_runup_equity", "value"] == pytest.approx(0.5)  # 60 -> 90 inside [2, 4]
    assert result.loc["change_price_equity", "value"] == pytest.approx(-0.1)
    assert result.loc["rise_inflation", "value"] == pytest.approx(0.12 / 0.05 - 1)
    assert result["passed"].tolist() == [True, False, True, True, True, True, True]


def test_docs_describe_every_scenario_and_threshold():
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[1] / "docs" / "scenarios.md").read_text()
    for scenario in list_scenarios():
        assert f"### {scenario.name}:" in doc, scenario.name
        section = doc.split(f"### {scenario.name}:")[1].split("\n### ")[0]
        for e in scenario.expected:
            assert f"`{e.metric}`" in section, (scenario.name, e.metric)
        for e in scenario.effects:
            assert f"`{e.label}`" in section, (scenario.name, e.label)


def test_random_seed_round_trips_through_to_toml(tmp_path):
    s = load_scenario(write(tmp_path, 'name = "r"\nticks = 5\n[config]\nseed = "random"\n', "r.toml"))
    assert s.make_config().seed is None
    again = load_scenario(write(tmp_path, s.to_toml(s.make_config()), "again.toml"))
    assert again.make_config().seed is None


def test_agent_count_shock_is_a_scheduled_shock(tmp_path):
    s = load_scenario(write(tmp_path, """
        name = "grow"
        ticks = 4
        [config]
        n_agents = 1000
        seed = 1
        [[shocks]]
        tick = 2
        kind = "agents"
        size = 0.5
    """, "grow.toml"))
    model = s.simulate()
    assert model.pop.n == 1500 and model.config.n_agents == 1500
    refused(tmp_path, 'name = "x"\nticks = 10\n[[shocks]]\ntick = 1\nkind = "agents"\nsize = 2.0\n',
            "shocks[0].size")
