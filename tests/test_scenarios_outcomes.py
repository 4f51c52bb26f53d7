"""Every scenario tells its story: a seeded run meets the outcome documented in its [expected] table.

Runs use TEST_AGENTS households (a config override) and the scenario file's seed, so the suite stays
fast; the thresholds and their meaning are documented beside each scenario (scenarios/*.toml) and in
docs/scenarios.md.
"""

from __future__ import annotations

import pandas as pd
import pytest

from arena.scenarios import load_scenario, scenario_paths

#: Households in the scenario outcome runs (the files themselves say 100,000).
TEST_AGENTS = 20_000
SCENARIOS = sorted(scenario_paths())


@pytest.fixture(scope="module")
def outcomes():
    """Lazily run each scenario once per test module (cached by name)."""
    cache: dict[str, tuple] = {}

    def get(name: str):
        if name not in cache:
            scenario = load_scenario(name)
            model = scenario.simulate(overrides={"n_agents": TEST_AGENTS})
            cache[name] = (scenario, model.indicators(), model.events())
        return cache[name]

    return get


def explain(table: pd.DataFrame) -> str:
    with pd.option_context("display.width", 200, "display.max_colwidth", 60):
        return "\n" + table.to_string(index=False)


@pytest.mark.parametrize("name", SCENARIOS)
def test_scenario_outcome(name, outcomes):
    scenario, indicators, events = outcomes(name)
    assert len(indicators) == scenario.ticks
    applied = events[events["type"] == "shock"]
    assert applied["tick"].tolist() == [s.tick for s in scenario.shocks], "every scheduled shock is applied"
    table = scenario.evaluate(indicators, events)
    assert len(table) == len(scenario.expected) > 0
    assert table["passed"].all(), f"{name}: outcome not met" + explain(table)
