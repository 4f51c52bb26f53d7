"""Every scenario tells its story: a seeded run meets the outcome documented in its [expected] table,
and the plain economy (default parameters, no shocks) does not.

Runs use TEST_AGENTS households (a config override) and the scenario file's seed, so the suite stays
fast; the thresholds and their meaning are documented beside each scenario (scenarios/*.toml) and in
docs/scenarios.md.
"""

from __future__ import annotations

import functools

import pandas as pd
import pytest

from arena.scenarios import Scenario, load_scenario, scenario_paths

#: Households in the scenario outcome runs (the files themselves say 100,000).
TEST_AGENTS = 20_000
SCENARIOS = sorted(scenario_paths())

#: Outcomes written for the one-firm economy that the firm population (issue 12) no longer meets;
#: the [expected] tables are being rewritten as counterfactual experiments by another change, so
#: they are marked here, not loosened (see docs/validation.md "Economy v2 part 1").
V2_REASON = "Economy v2 part 1 (firm population) changed the economy; [expected] is for the one-firm economy"
V2_OUTCOME = {"baseline", "deflation_qe", "migration_wave", "oil_shock", "rate_shock"}
V2_PLAIN = {"deflation_qe", "inflation_spiral", "oil_shock", "rate_shock"}


def marked(names, xfailing):
    return [pytest.param(n, marks=pytest.mark.xfail(reason=V2_REASON, strict=False)) if n in xfailing else n
            for n in names]


@functools.cache
def scenario_run(name: str):
    scenario = load_scenario(name)
    model = scenario.simulate(overrides={"n_agents": TEST_AGENTS})
    return scenario, model.indicators(), model.events()


@functools.cache
def plain_run(ticks: int, seed: int):
    """The plain economy: default parameters, no shocks, no random resource events."""
    quiet = {"discovery_probability": 0.0, "catastrophe_probability": 0.0}
    plain = Scenario("plain", ticks=ticks, config=quiet)
    model = plain.simulate(overrides={"n_agents": TEST_AGENTS, "seed": seed})
    return model.indicators(), model.events()


def explain(table: pd.DataFrame) -> str:
    with pd.option_context("display.width", 200, "display.max_colwidth", 60):
        return "\n" + table.to_string(index=False)


#: Scenarios whose literature-based outcome the model does not reproduce yet: documented in
#: docs/scenarios.md, kept as expected failures instead of moving their thresholds to the model.
KNOWN_DISAGREEMENTS = {
    "credit_boom_bust": "the bust: loans do not contract after the shock (docs/scenarios.md)",
}


@pytest.mark.parametrize("name", [
    pytest.param(n, marks=pytest.mark.xfail(reason=KNOWN_DISAGREEMENTS[n], strict=True))
    if n in KNOWN_DISAGREEMENTS else n for n in marked(SCENARIOS, V2_OUTCOME)
])
def test_scenario_outcome(name):
    scenario, indicators, events = scenario_run(name)
    assert len(indicators) == scenario.ticks
    applied = events[events["type"] == "shock"]
    assert applied["tick"].tolist() == [s.tick for s in scenario.shocks], "every scheduled shock is applied"
    table = scenario.evaluate(indicators, events)
    assert len(table) == len(scenario.expected) > 0
    assert table["passed"].all(), f"{name}: outcome not met" + explain(table)


@pytest.mark.parametrize("name", marked([n for n in SCENARIOS if n != "baseline"], V2_PLAIN))
def test_plain_economy_does_not_tell_the_story(name):
    """Most of a scenario's expected outcome fails on the plain economy with the same seed.

    The few that may hold there are context (e.g. "inflation comes back down", "the newcomers are
    hired"), not the story itself.
    """
    scenario = load_scenario(name)
    indicators, events = plain_run(scenario.ticks, scenario.make_config().seed)
    table = scenario.evaluate(indicators, events)
    assert table["passed"].mean() <= 0.5, f"{name}: the plain economy already shows it" + explain(table)
